"""Model back-ends of the worker: Hugging Face checkpoints through transformers (the real one), and a tiny
hand-written causal transformer ("toy") that needs torch alone, so the protocol, the plan execution and the chunked
statistics are tested where transformers is not installed (CI)."""
from __future__ import annotations

import glob
import json
import math
import os
from dataclasses import dataclass
from typing import Callable

import torch

from hf_onnx import hf_from_onnx, onnx_only
from load_error import LoadError  # noqa: F401 - re-exported (worker.py, tests)
from plan import Head
from rope import check_policy, is_length_dependent, max_positions, policy_inv_freq, transformers_config




@dataclass
class Loaded:
    forward_hidden: Callable[[torch.Tensor], torch.Tensor]
    head: Head
    max_positions: int
    bos_id: int | None
    eos_id: int | None
    vocab_size: int
    dtype: str
    tokenizer: object  # has encode(text) -> (ids, byte_start, byte_end) and decode(ids) -> str
    generate: Callable[[list[int], int], list[int]]
    attn: str
    # RoPE policy applied (rope.py) and whether a forward's RoPE depends on its length (then no prefix sharing).
    rope: dict | None = None
    rope_dynamic: bool = False


# ---------------------------------------------------------------- toy model (torch only)

class ByteTokenizer:
    """UTF-8 bytes as tokens (id = byte value + 3; 0 = pad, 1 = BOS, 2 = EOS)."""

    def encode(self, text: str):
        data = text.encode("utf-8")
        ids = [b + 3 for b in data]
        return ids, list(range(len(data))), list(range(1, len(data) + 1))

    def decode(self, ids) -> str:
        return bytes(i - 3 for i in ids if 3 <= i < 259).decode("utf-8", errors="replace")


class ToyLM(torch.nn.Module):
    """Pre-norm causal transformer with learned positions; weights from a seed, so every run builds the same one."""

    def __init__(self, vocab=259, d=32, layers=2, heads=4, max_pos=512, seed=0):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.heads = heads
        self.max_pos = max_pos
        r = lambda *s: torch.nn.Parameter(torch.randn(*s, generator=g) * 0.3)  # noqa: E731
        self.emb = r(vocab, d)
        self.pos = r(max_pos, d)
        self.blocks = torch.nn.ParameterList()
        for _ in range(layers):
            self.blocks.extend([r(d, 3 * d), r(d, d), r(d, 4 * d), r(4 * d, d)])
        self.head_w = r(vocab, d)
        self.head_b = r(vocab)

    @torch.no_grad()
    def hidden(self, x: torch.Tensor) -> torch.Tensor:
        b, L = x.shape
        if L > self.max_pos:
            raise ValueError(f"toy model accepts at most {self.max_pos} positions, got {L}")
        h = self.emb[x] + self.pos[:L]
        mask = torch.full((L, L), -math.inf).triu(1).to(h.device)
        d = h.shape[-1]
        hd = d // self.heads
        for i in range(0, len(self.blocks), 4):
            qkv, o, up, down = self.blocks[i:i + 4]
            a = torch.nn.functional.layer_norm(h, (d,)) @ qkv
            q, k, v = (t.view(b, L, self.heads, hd).transpose(1, 2) for t in a.split(d, dim=-1))
            att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hd) + mask, dim=-1)
            h = h + (att @ v).transpose(1, 2).reshape(b, L, d) @ o
            h = h + torch.nn.functional.gelu(torch.nn.functional.layer_norm(h, (d,)) @ up) @ down
        return torch.nn.functional.layer_norm(h, (d,))


def load_toy(spec: str, device: torch.device) -> Loaded:
    """spec "toy:SEED[:MAXPOS[:oom=TOKENS]]"; with oom=TOKENS a forward over more than TOKENS tokens (batch x
    length) raises the error PyTorch raises when the GPU is out of memory, to test the retries end to end."""
    parts = spec.split(":")
    seed = int(parts[1]) if len(parts) > 1 and parts[1] else 0
    max_pos = int(parts[2]) if len(parts) > 2 else 512
    oom_over = int(parts[3][4:]) if len(parts) > 3 and parts[3].startswith("oom=") else None
    model = ToyLM(seed=seed, max_pos=max_pos).to(device).eval()

    def forward_hidden(x: torch.Tensor) -> torch.Tensor:
        if oom_over is not None and x.numel() > oom_over:
            raise RuntimeError(f"CUDA out of memory. Tried to allocate {x.numel()} tokens (simulated by the toy model)")
        return model.hidden(x)
    tok = ByteTokenizer()

    def generate(ids: list[int], max_new: int) -> list[int]:
        out = list(ids)
        for _ in range(max_new):
            with torch.no_grad():
                h = model.hidden(torch.tensor([out[-max_pos:]], device=device))[0, -1]
            nxt = int((model.head_w @ h + model.head_b).argmax())
            out.append(nxt)
            if nxt == 2:
                break
        return out[len(ids):]

    return Loaded(forward_hidden=forward_hidden, head=Head(model.head_w.detach(), model.head_b.detach()),
                  max_positions=max_pos, bos_id=1, eos_id=2, vocab_size=259, dtype="float32", tokenizer=tok,
                  generate=generate, attn="eager")


# ---------------------------------------------------------------- Hugging Face checkpoints

def resolve_dir(model_dir: str, model_id: str | None) -> str:
    """The folder itself, else the local Hugging Face cache's snapshot of model_id (never the network)."""
    if model_dir and os.path.isdir(model_dir):
        return model_dir
    if model_id and "/" in model_id:
        hub = os.environ.get("HF_HUB_CACHE") or os.path.join(
            os.environ.get("HF_HOME", os.path.expanduser("~/.cache/huggingface")), "hub")
        snaps = sorted(glob.glob(os.path.join(hub, "models--" + model_id.replace("/", "--"), "snapshots", "*")))
        snaps = [s for s in snaps if os.path.isfile(os.path.join(s, "config.json"))]
        if snaps:
            return snaps[-1]
    raise LoadError("missing_model",
                    f"model folder {model_dir!r} does not exist and no snapshot of {model_id!r} is in the local "
                    "Hugging Face cache; fix: point the model's dir at a folder holding config.json and the weights "
                    "(or download it into the HF cache on a machine with network access)")


class FastTokenizer:
    """HF fast tokenizer (tokenizer.json); character offsets are converted to UTF-8 byte offsets."""

    def __init__(self, path: str):
        from tokenizers import Tokenizer
        self.tok = Tokenizer.from_file(path)

    def encode(self, text: str):
        enc = self.tok.encode(text, add_special_tokens=False)
        # byte offset of every character boundary
        cum = [0]
        for ch in text:
            cum.append(cum[-1] + len(ch.encode("utf-8")))
        return list(enc.ids), [cum[s] for s, _ in enc.offsets], [cum[e] for _, e in enc.offsets]

    def decode(self, ids) -> str:
        return self.tok.decode(list(ids), skip_special_tokens=False)


def load_native_backend(model_dir, config, device, dtype, dtype_name, no_transformers: bool,
                        rope: dict | None = None, tok_path: str | None = None) -> Loaded:
    """The torch-only decoder (native.py), for machines without transformers."""
    from native import load_native
    model, why = load_native(model_dir, config, device, dtype, rope)
    if model is None:
        if no_transformers:
            raise LoadError("missing_dependency", f"{model_dir}: python package 'transformers' is not installed for "
                            f"{os.sys.executable}, and the built-in decoder cannot run this model ({why}); fix: pip "
                            "install transformers, or set LONGPROXY_PYTHON to an interpreter that has it")
        raise LoadError("unsupported", f"{model_dir}: the built-in decoder cannot run this model ({why}); unset "
                                       "LONGPROXY_TORCH_BACKEND to use transformers")
    eos = special_id(model_dir, config, "eos")

    def generate(ids: list[int], max_new: int) -> list[int]:
        out = list(ids)
        for _ in range(max_new):  # no KV cache: the built-in decoder is for tests and small models
            h = model.hidden(torch.tensor([out], device=device))[0, -1]
            nxt = int(torch.nn.functional.linear(h, model.w["lm_head.weight"]).argmax())
            out.append(nxt)
            if nxt == eos:
                break
        return out[len(ids):]

    return Loaded(forward_hidden=model.hidden, head=Head(model.w["lm_head.weight"]),
                  max_positions=max_positions(config, rope), rope=check_policy(rope),
                  rope_dynamic=is_length_dependent(config, rope),
                  bos_id=special_id(model_dir, config, "bos"), eos_id=eos, vocab_size=int(model.w["lm_head.weight"].shape[0]),
                  dtype=dtype_name, tokenizer=native_tokenizer(tok_path), generate=generate, attn="native-eager")


def native_tokenizer(tok_path: str):
    """The Rust fast tokenizer when the tokenizers package is there; else None (the TS side tokenizes)."""
    try:
        return FastTokenizer(tok_path)
    except ImportError:
        return None


def special_id(model_dir: str, config: dict, key: str) -> int | None:
    v = config.get(f"{key}_token_id")
    if isinstance(v, list):
        v = v[0] if v else None
    if v is None:
        gen = os.path.join(model_dir, "generation_config.json")
        if os.path.isfile(gen):
            with open(gen) as fh:
                v = json.load(fh).get(f"{key}_token_id")
            if isinstance(v, list):
                v = v[0] if v else None
    return None if v is None else int(v)


def load_hf(model_dir: str, model_id: str | None, device: torch.device, dtype_name: str | None,
            rope: dict | None = None, tokenizer_json: str | None = None) -> Loaded:
    """rope: the RoPE policy (rope.py) the harness asks for; None = as the config says. tokenizer_json: the
    engine's tokenizer.json for this folder (its own, or the one built from its tokenizer.model into longproxy's
    cache, harness/engine/sentencepiece-convert.ts); default the folder's own."""
    model_dir = resolve_dir(model_dir, model_id)
    cfg_path = os.path.join(model_dir, "config.json")
    if not os.path.isfile(cfg_path):
        raise LoadError("missing_model", f"{cfg_path} not found; fix: the model folder must hold config.json "
                                         "and the weights in Hugging Face layout")
    tok_path = tokenizer_json or os.path.join(model_dir, "tokenizer.json")
    if not os.path.isfile(tok_path):
        raise LoadError("missing_tokenizer", f"{tok_path} not found; fix: copy the model's tokenizer.json (the "
                                             "fast tokenizer) or tokenizer.model into the folder (the engine builds "
                                             "a tokenizer.json from tokenizer.model)")
    with open(cfg_path) as fh:
        config = json.load(fh)
    from native import safetensors_header
    for f in sorted(glob.glob(os.path.join(model_dir, "*.safetensors"))):
        safetensors_header(f)  # a file cut short: a LoadError naming it, before either backend reads it
    try:
        rope = check_policy(rope)
        hf_config = transformers_config(config, rope)
    except (KeyError, ValueError) as err:
        raise LoadError("unsupported", f"{cfg_path}: RoPE policy {rope}: {err}; fix: check the model's config.json "
                                       "against its manifest entry (docs/locked-models.md)") from None
    if dtype_name is None:
        dtype_name = "bfloat16" if device.type == "cuda" else "float32"
    dtype = getattr(torch, dtype_name)
    try:
        import transformers  # noqa: F401
    except ImportError:
        transformers = None
    if transformers is None or os.environ.get("LONGPROXY_TORCH_BACKEND") == "native":
        return load_native_backend(model_dir, config, device, dtype, dtype_name, transformers is None, rope,
                                   tok_path)
    from transformers import AutoModelForCausalLM
    attn = "sdpa"
    if device.type == "cuda" and dtype in (torch.bfloat16, torch.float16):  # flash-attn has no float32 kernels
        try:
            import flash_attn  # noqa: F401
            attn = "flash_attention_2"
        except ImportError:
            pass
    if onnx_only(model_dir):
        model = hf_from_onnx(model_dir, config, dtype, attn).to(device)  # as-config RoPE (check_hf_rope refuses others)
        return wrap_hf(model, model_dir, config, FastTokenizer(tok_path), device, dtype_name, attn, rope)
    kwargs = dict(local_files_only=True, trust_remote_code=False, attn_implementation=attn)
    if hf_config != config:  # the policy changes RoPE: transformers gets the derived config (rope.transformers_config)
        from transformers import AutoConfig
        fields = dict(hf_config)
        kwargs["config"] = AutoConfig.for_model(fields.pop("model_type"), **fields)
    if device.type == "cuda":
        kwargs["device_map"] = str(device)  # weights go straight to the GPU (a 14B model never sits in host memory)
    try:
        try:
            model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=dtype, **kwargs)
        except TypeError:  # transformers < 4.56 names it torch_dtype
            model = AutoModelForCausalLM.from_pretrained(model_dir, torch_dtype=dtype, **kwargs)
    except (ImportError, ValueError) as err:
        if "device_map" not in kwargs or "accelerate" not in str(err).lower():
            raise
        kwargs.pop("device_map")  # device_map needs accelerate; load on the host, then move
        model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=dtype, **kwargs)
    model = model.to(device).eval()
    return wrap_hf(model, model_dir, config, FastTokenizer(tok_path), device, dtype_name, attn, rope)


def sdpa_backends(device: torch.device):
    """Scaled-dot-product attention kernels to try, fastest first (LONGPROXY_SDPA="cudnn,flash,efficient,math";
    "default" leaves PyTorch's own order). cuDNN's attention is the fastest of them on Hopper GPUs."""
    names = os.environ.get("LONGPROXY_SDPA", "cudnn,flash,efficient,math" if device.type == "cuda" else "default")
    if names == "default":
        return None
    try:
        from torch.nn.attention import SDPBackend
    except ImportError:
        return None
    table = {"cudnn": "CUDNN_ATTENTION", "flash": "FLASH_ATTENTION", "efficient": "EFFICIENT_ATTENTION",
             "math": "MATH"}
    return [getattr(SDPBackend, table[n]) for n in names.split(",") if hasattr(SDPBackend, table[n])]


def rotary_modules(model):
    """transformers' rotary-embedding modules of a model (those holding an inv_freq buffer)."""
    return [m for m in model.modules() if isinstance(getattr(m, "inv_freq", None), torch.Tensor)]


def check_hf_rope(model, model_dir: str, config: dict, rope: dict) -> None:
    """Refuses a transformers model whose frequencies differ from the policy's (rope.py): a transformers version
    that read the derived config otherwise would score with another RoPE without saying so."""
    if is_length_dependent(config, rope):
        return
    try:
        want, _ = policy_inv_freq(config, rope)
    except ValueError:
        if rope["kind"] == "as-config":
            return  # a RoPE type rope.py does not compute (llama3, longrope...): transformers' own, unchecked
        raise
    for m in rotary_modules(model):
        got = m.inv_freq.detach()
        rtol = 1e-5 if got.dtype == torch.float32 else 1e-2
        got = got.float().cpu()
        if got.shape != want.shape or not torch.allclose(got, want, rtol=rtol, atol=0):
            raise LoadError("unsupported", f"{model_dir}: transformers' inv_freq differs from the RoPE policy {rope} "
                                           f"(max relative difference {float(((got - want) / want).abs().max()):.3g}); "
                                           "fix: run scripts/gpu/rope_check.py to see which policy this transformers "
                                           "version applies, or set LONGPROXY_TORCH_BACKEND=native")


def reset_dynamic_rope(model) -> None:
    """transformers' dynamic RoPE keeps the largest length seen (growth-only cache, reset below the original
    length only): reset before every forward, so each forward's base comes from its own length, in any order."""
    for m in rotary_modules(model):
        if hasattr(m, "original_inv_freq") and hasattr(m, "original_max_seq_len"):
            m.register_buffer("inv_freq", m.original_inv_freq.to(m.inv_freq.device), persistent=False)
            m.max_seq_len_cached = m.original_max_seq_len


def wrap_hf(model, model_dir: str, config: dict, tokenizer, device: torch.device, dtype_name: str,
            attn: str, rope: dict | None = None) -> Loaded:
    rope = check_policy(rope)
    check_hf_rope(model, model_dir, config, rope)
    dynamic = is_length_dependent(config, rope)
    base = getattr(model, model.base_model_prefix)
    out = model.get_output_embeddings()
    softcap = getattr(model.config, "final_logit_softcapping", None)
    scale = getattr(model.config, "logit_scale", None)
    if scale not in (None, 1, 1.0):
        raise LoadError("unsupported", f"{model_dir}: logit_scale={scale} is not supported by the torch engine")

    backends = sdpa_backends(device)

    def forward_hidden(x: torch.Tensor) -> torch.Tensor:
        if dynamic:
            reset_dynamic_rope(model)
        with torch.inference_mode():
            if backends is None:
                return base(input_ids=x, use_cache=False).last_hidden_state
            from torch.nn.attention import sdpa_kernel
            with sdpa_kernel(backends, set_priority=True):
                return base(input_ids=x, use_cache=False).last_hidden_state

    def generate(ids: list[int], max_new: int) -> list[int]:
        with torch.inference_mode():
            x = torch.tensor([ids], device=device)
            y = model.generate(x, attention_mask=torch.ones_like(x), max_new_tokens=max_new, do_sample=False,
                               eos_token_id=eos, pad_token_id=eos if eos is not None else 0)
        return [int(t) for t in y[0, len(ids):]]

    eos = special_id(model_dir, config, "eos")
    max_pos = max_positions(config, rope)
    return Loaded(forward_hidden=forward_hidden, head=Head(out.weight.detach(), None if out.bias is None
                                                          else out.bias.detach(), softcap),
                  max_positions=max_pos, bos_id=special_id(model_dir, config, "bos"), eos_id=eos,
                  vocab_size=int(out.weight.shape[0]), dtype=dtype_name, tokenizer=tokenizer, generate=generate,
                  attn=attn, rope=rope, rope_dynamic=dynamic)

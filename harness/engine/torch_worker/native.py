"""A decoder of the Llama family (Llama, Mistral, Qwen2) written in torch alone, for machines without
transformers (Debian's torch 1.13 here and in CI): it lets the torch engine run real checkpoints on the CPU, so its
parity with the ONNX engine is tested where CI runs. It follows transformers' modelling of these architectures:
RMSNorm in float32, rotary embeddings (default, linear, YaRN, dynamic NTK and the RoPE policies of rope.py),
grouped-query attention with Qwen2's q/k/v biases, SwiGLU MLP, optional tied output embeddings. Weights come
from *.safetensors, parsed by hand (an 8-byte header length, a JSON header, raw little-endian arrays), or, for
folders that ship only an ONNX export, from onnx/model.onnx (onnx_weights.py). Anything else is reported as the reason it cannot run, and the worker
says to install transformers."""
from __future__ import annotations

import glob
import json
import math
import os
import struct

import numpy as np
import torch

from load_error import LoadError
from onnx_weights import load_onnx_weights
from rope import check_policy, dynamic_inv_freq, is_length_dependent, policy_inv_freq, rope_parameters

ARCHS = {"qwen2", "llama", "mistral"}


SAFETENSORS_FIX = ("fix: download the file again from the model's repository (a cut or interrupted download; e.g. "
                   "huggingface-cli download ORG/NAME FILE --force-download), or copy it again")


def safetensors_header(path: str) -> tuple[int, dict]:
    """(offset of the data, tensor entries) of a .safetensors file, its size checked against the header: a file
    cut short (a broken download) or with a bad header is a LoadError naming the file, its size, what its header
    needs, and the fix. Reads the header only (load_hf checks every file this way before transformers reads them)."""
    size = os.path.getsize(path)

    def bad(what: str) -> LoadError:
        return LoadError("bad_weights", f"{path}: {what}; {SAFETENSORS_FIX}")

    with open(path, "rb") as fh:
        if size < 8:
            raise bad(f"truncated safetensors file ({size} bytes, shorter than the 8-byte header length)")
        (n,) = struct.unpack("<Q", fh.read(8))
        if 8 + n > size:
            raise bad(f"truncated safetensors file ({size} bytes; its header alone needs {8 + n})")
        try:
            header = json.loads(fh.read(n))
            metas = {k: v for k, v in header.items() if k != "__metadata__"}
            end = max((int(m["data_offsets"][1]) for m in metas.values()), default=0)
        except (ValueError, KeyError, TypeError, AttributeError, IndexError) as err:
            raise bad(f"not a safetensors file: its {n}-byte header is not a safetensors header ({err})") from None
    base = 8 + n
    if base + end > size:
        raise bad(f"truncated safetensors file ({size} bytes; its header says the tensors need {base + end}, "
                  f"{base + end - size} more)")
    return base, metas


def read_safetensors(path: str) -> dict[str, torch.Tensor]:
    base, metas = safetensors_header(path)
    with open(path, "rb") as fh:
        out = {}
        for name, meta in metas.items():
            a, b = meta["data_offsets"]
            fh.seek(base + a)
            raw = fh.read(b - a)
            dt = meta["dtype"]
            if dt == "BF16":
                u = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
                arr = u.view(np.float32)
            else:
                arr = np.frombuffer(raw, dtype={"F32": "<f4", "F16": "<f2", "F64": "<f8"}[dt]).astype(np.float32)
            out[name] = torch.from_numpy(arr.reshape(meta["shape"]).copy())
    return out


class NativeDecoder:
    def __init__(self, cfg: dict, w: dict[str, torch.Tensor], device: torch.device, dtype: torch.dtype,
                 rope_policy: dict | None = None):
        self.cfg = cfg
        self.rope_policy = check_policy(rope_policy)
        self.w = {k: v.to(device=device, dtype=dtype) for k, v in w.items()}
        self.d = cfg["hidden_size"]
        self.heads = cfg["num_attention_heads"]
        self.kv = cfg.get("num_key_value_heads") or self.heads
        self.hd = cfg.get("head_dim") or self.d // self.heads
        self.layers = cfg["num_hidden_layers"]
        self.eps = cfg.get("rms_norm_eps", 1e-6)
        # Length-dependent RoPE (dynamic NTK): frequencies from each forward's own length, as transformers computes
        # them from a fresh state; every other policy: one table for all forwards.
        self.dynamic = is_length_dependent(cfg, self.rope_policy)
        if self.dynamic and self.rope_policy["kind"] == "as-config":
            sc = rope_parameters(cfg)
            self.rope_policy = {"kind": "transformers-dynamic", "factor": float(sc["factor"]),
                                "trainingLength": int(cfg["max_position_embeddings"]),
                                "originalMax": int(sc.get("original_max_position_embeddings")
                                                   or cfg["max_position_embeddings"])}
        if self.dynamic:
            self.inv_freq, self.attention_scaling = None, 1.0
        else:
            inv_freq, self.attention_scaling = policy_inv_freq(cfg, self.rope_policy)
            self.inv_freq = inv_freq.to(device)
        self.device, self.dtype = device, dtype
        if "lm_head.weight" not in self.w:
            self.w["lm_head.weight"] = self.w["model.embed_tokens.weight"]

    def rms(self, x, weight):
        xf = x.float()
        xf = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + self.eps)
        return weight * xf.to(x.dtype)

    def lin(self, x, name):
        b = self.w.get(name + ".bias")
        return torch.nn.functional.linear(x, self.w[name + ".weight"], b)

    @torch.no_grad()
    def hidden(self, ids: torch.Tensor, position_ids: torch.Tensor | None = None,
               attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        return self.forward_hidden(ids, position_ids, attention_mask)

    def forward_hidden(self, ids: torch.Tensor, position_ids: torch.Tensor | None = None,
                       attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        """hidden() with autograd (the zoo builder trains through it on machines without transformers)."""
        b, L = ids.shape
        x = self.w["model.embed_tokens.weight"][ids]
        if position_ids is None:
            position_ids = torch.arange(L, device=self.device).unsqueeze(0)
        inv_freq = self.inv_freq
        if self.dynamic:
            inv_freq = dynamic_inv_freq(self.cfg, self.rope_policy, int(position_ids.max()) + 1, self.device)
        freqs = position_ids.float().unsqueeze(-1) * inv_freq  # [b or 1, L, hd/2]
        emb = torch.cat([freqs, freqs], dim=-1).unsqueeze(1)
        cos = (emb.cos() * self.attention_scaling).to(self.dtype)
        sin = (emb.sin() * self.attention_scaling).to(self.dtype)

        def rope(t):
            half = t.shape[-1] // 2
            rot = torch.cat([-t[..., half:], t[..., :half]], dim=-1)
            return t * cos + rot * sin

        mask = torch.full((L, L), float("-inf"), device=self.device).triu(1).to(self.dtype)
        if attention_mask is not None:  # padding (only the ONNX export of test models uses it)
            mask = mask + (1.0 - attention_mask[:, None, None, :].to(self.dtype)) * -1e9
        for i in range(self.layers):
            p = f"model.layers.{i}."
            h = self.rms(x, self.w[p + "input_layernorm.weight"])
            q = self.lin(h, p + "self_attn.q_proj").view(b, L, self.heads, self.hd).transpose(1, 2)
            k = self.lin(h, p + "self_attn.k_proj").view(b, L, self.kv, self.hd).transpose(1, 2)
            v = self.lin(h, p + "self_attn.v_proj").view(b, L, self.kv, self.hd).transpose(1, 2)
            q, k = rope(q), rope(k)
            rep = self.heads // self.kv
            k = k[:, :, None].expand(b, self.kv, rep, L, self.hd).reshape(b, self.heads, L, self.hd)
            v = v[:, :, None].expand(b, self.kv, rep, L, self.hd).reshape(b, self.heads, L, self.hd)
            att = torch.softmax((q @ k.transpose(-1, -2)) / math.sqrt(self.hd) + mask, dim=-1, dtype=torch.float32)
            o = (att.to(self.dtype) @ v).transpose(1, 2).reshape(b, L, self.heads * self.hd)
            x = x + self.lin(o, p + "self_attn.o_proj")
            h = self.rms(x, self.w[p + "post_attention_layernorm.weight"])
            x = x + self.lin(torch.nn.functional.silu(self.lin(h, p + "mlp.gate_proj")) * self.lin(h, p + "mlp.up_proj"),
                             p + "mlp.down_proj")
        return self.rms(x, self.w["model.norm.weight"])


def load_native(model_dir: str, config: dict, device: torch.device, dtype: torch.dtype,
                rope_policy: dict | None = None):
    """(NativeDecoder, reason it cannot be used or None)."""
    mt = config.get("model_type")
    if mt not in ARCHS:
        return None, f"model_type {mt!r} is not one of {sorted(ARCHS)}"
    if config.get("hidden_act", "silu") != "silu":
        return None, f"hidden_act {config.get('hidden_act')!r}"
    if mt == "mistral" and config.get("sliding_window"):
        return None, "sliding-window attention"
    try:
        if not is_length_dependent(config, rope_policy):
            policy_inv_freq(config, rope_policy)
    except (KeyError, ValueError) as err:
        return None, f"unsupported configuration ({err})"
    files = sorted(glob.glob(os.path.join(model_dir, "*.safetensors")))
    onnx_file = os.path.join(model_dir, "onnx", "model.onnx")
    if files:
        w = {}
        for f in files:
            w.update(read_safetensors(f))
    elif os.path.isfile(onnx_file):
        w = load_onnx_weights(onnx_file, config)  # LoadError (missing onnx package, missing weight) propagates
    else:
        return None, "no *.safetensors weights and no onnx/model.onnx in the folder"
    try:
        return NativeDecoder(config, w, device, dtype, rope_policy), None
    except (KeyError, ValueError) as err:
        return None, f"unsupported configuration ({err})"

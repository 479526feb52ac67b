"""RoPE policies under transformers, on the GPU machine (transformers is not installed where CI runs): for tiny
random-weight Llama checkpoints with the Leooyii configs (max_position_embeddings 4096; linear x8; dynamic x4, x8),
asserts that
  1. transformers' inv_freq equals the built-in decoder's (native.py) and the formula written out here, for every
     policy: linear x8, ntk-frozen (L = 32768, f = 4 and L = 65536, f = 8; base' = 10000 (f L/4096 - (f-1))^(d/(d-2))),
     transformers-dynamic (the base of each forward's own length, at 1024, 5120, 8192 and 32768 tokens);
  2. the worker's transformers backend (models.load_hf) accepts and runs a 32768-token forward under linear x8 and
     reports 32768 positions, and ntk-frozen L=65536 reports 65536;
  3. both backends give the same hidden states under every policy (float32), and under transformers-dynamic a
     5120-token forward after an 8192-token one has the 5120-token base (the worker resets transformers' cache).
Prints one line per check and a JSON summary; exits 1 on a failed check, 2 when transformers is missing.

    python3 scripts/gpu/rope_check.py [--device cuda:0] [--out FILE.json]      (about 20-40 s on one H200)
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

import torch

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "harness", "engine", "torch_worker"))

from make_test_model import write_safetensors  # noqa: E402
from models import load_hf, reset_dynamic_rope, rotary_modules  # noqa: E402
from native import NativeDecoder  # noqa: E402
from rope import dynamic_inv_freq, policy_inv_freq, transformers_config  # noqa: E402

D, HEADS, LAYERS, VOCAB = 256, 4, 2, 512  # head dimension 64
HD = D // HEADS
RESULTS: list[dict] = []


def check(name: str, ok: bool, detail: str) -> None:
    RESULTS.append({"check": name, "ok": bool(ok), "detail": detail})
    print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}", flush=True)


def formula(base: float, dim: int) -> torch.Tensor:
    return torch.tensor([1.0 / base ** (2 * i / dim) for i in range(dim // 2)], dtype=torch.float64)


def ntk(f: float, n: float, dim: int = HD, m: int = 4096) -> float:
    return 10000.0 * (f * n / m - (f - 1)) ** (dim / (dim - 2))


def rel(a: torch.Tensor, b: torch.Tensor) -> float:
    return float(((a.double().cpu() - b.double().cpu()) / b.double().cpu()).abs().max())


def config(rope_scaling: dict) -> dict:
    return {"model_type": "llama", "architectures": ["LlamaForCausalLM"], "hidden_size": D, "intermediate_size": 2 * D,
            "num_hidden_layers": LAYERS, "num_attention_heads": HEADS, "num_key_value_heads": HEADS,
            "vocab_size": VOCAB, "max_position_embeddings": 4096, "rms_norm_eps": 1e-6, "rope_theta": 10000.0,
            "rope_scaling": rope_scaling, "hidden_act": "silu", "tie_word_embeddings": False, "torch_dtype": "float32",
            "bos_token_id": 1, "eos_token_id": 2}


def weights(seed: int = 0) -> dict:
    g = torch.Generator().manual_seed(seed)
    r = lambda *s: torch.randn(*s, generator=g) * 0.05  # noqa: E731
    w = {"model.embed_tokens.weight": r(VOCAB, D), "model.norm.weight": 1 + r(D), "lm_head.weight": r(VOCAB, D)}
    for i in range(LAYERS):
        p = f"model.layers.{i}."
        w.update({p + "input_layernorm.weight": 1 + r(D), p + "post_attention_layernorm.weight": 1 + r(D),
                  p + "self_attn.q_proj.weight": r(D, D), p + "self_attn.k_proj.weight": r(D, D),
                  p + "self_attn.v_proj.weight": r(D, D), p + "self_attn.o_proj.weight": r(D, D),
                  p + "mlp.gate_proj.weight": r(2 * D, D), p + "mlp.up_proj.weight": r(2 * D, D),
                  p + "mlp.down_proj.weight": r(D, 2 * D)})
    return w


def folder(tmp: str, name: str, cfg: dict, w: dict) -> str:
    d = os.path.join(tmp, name)
    os.makedirs(d)
    with open(os.path.join(d, "config.json"), "w") as fh:
        json.dump(cfg, fh)
    write_safetensors(os.path.join(d, "model.safetensors"), w)
    shutil.copy(tokenizer_file(), d)
    return d


def tokenizer_file() -> str:
    """Any small tokenizer.json: the checks feed ids, the folder only has to load. scripts/gpu/lean_tree.sh drops
    fixtures/models from what travels to the GPU machine, so the zoo's is the fallback."""
    for rel in (("fixtures", "models", "tiny-qwen2"), ("fixtures", "zoo", "native4k-s")):
        f = os.path.join(ROOT, *rel, "tokenizer.json")
        if os.path.exists(f):
            return f
    raise SystemExit("rope_check: no tokenizer.json under fixtures/models/tiny-qwen2 or fixtures/zoo/native4k-s")


def hf_model(cfg: dict, policy: dict | None, device):
    from transformers import AutoConfig, AutoModelForCausalLM
    fields = transformers_config(cfg, policy)
    c = AutoConfig.for_model(fields.pop("model_type"), **fields)
    return AutoModelForCausalLM.from_config(c).to(device).eval()


def load(d: str, policy: dict, device, backend: str):
    if backend == "native":
        os.environ["LONGPROXY_TORCH_BACKEND"] = "native"
    else:
        os.environ.pop("LONGPROXY_TORCH_BACKEND", None)
    try:
        return load_hf(d, None, device, "float32", policy)
    finally:
        os.environ.pop("LONGPROXY_TORCH_BACKEND", None)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cuda:0" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--out")
    a = ap.parse_args()
    try:
        import transformers
    except ImportError:
        print(f"transformers is not installed for {sys.executable}: this check is for the GPU machine", file=sys.stderr)
        return 2
    device = torch.device(a.device)
    t0 = time.time()
    torch.set_grad_enabled(False)
    w = weights()
    lin = config({"type": "linear", "factor": 8.0})
    dyn = {4: config({"type": "dynamic", "factor": 4.0}), 8: config({"type": "dynamic", "factor": 8.0})}
    cases = [("linear x8", lin, {"kind": "linear", "factor": 8}, formula(10000.0, HD) / 8),
             ("ntk-frozen f=4 L=32768", dyn[4], {"kind": "ntk-frozen", "factor": 4, "trainingLength": 32768,
                                                  "originalMax": 4096}, formula(ntk(4, 32768), HD)),
             ("ntk-frozen f=8 L=65536", dyn[8], {"kind": "ntk-frozen", "factor": 8, "trainingLength": 65536,
                                                  "originalMax": 4096}, formula(ntk(8, 65536), HD))]
    # 1. static policies: transformers (derived config) = built-in decoder = formula
    for name, cfg, pol, want in cases:
        m = hf_model(cfg, pol, device)
        got = [mod.inv_freq for mod in rotary_modules(m)]
        nat = NativeDecoder(cfg, dict(w), torch.device("cpu"), torch.float32, pol).inv_freq
        check(f"inv_freq {name}", bool(got) and max(rel(g, want) for g in got) < 1e-5 and rel(nat, want) < 1e-6
              and rel(policy_inv_freq(cfg, pol)[0], want) < 1e-6,
              f"transformers {max(rel(g, want) for g in got) if got else 'no rotary module'}, native {rel(nat, want):.2e}"
              f" (relative to the formula)")
        del m
    # transformers-dynamic: the base of each forward's own length
    for f in (4, 8):
        pol = {"kind": "transformers-dynamic", "factor": f, "trainingLength": 32768 if f == 4 else 65536, "originalMax": 4096}
        m = hf_model(dyn[f], pol, device)
        worst = 0.0
        for n in (1024, 5120, 8192, 32768):
            reset_dynamic_rope(m)
            m.model(input_ids=torch.zeros(1, n, dtype=torch.long, device=device), use_cache=False)
            want = formula(10000.0 if n <= 4096 else ntk(f, n), HD)
            for mod in rotary_modules(m):
                worst = max(worst, rel(mod.inv_freq, want), rel(dynamic_inv_freq(dyn[f], pol, n), want))
        check(f"inv_freq transformers-dynamic f={f}", worst < 1e-5, f"max relative difference {worst:.2e} over 1024..32768 tokens")
        del m
    # 2. and 3. through the worker's loader, both backends
    tmp = tempfile.mkdtemp(prefix="rope-check-")
    try:
        d = folder(tmp, "pi", lin, w)
        hf = load(d, {"kind": "linear", "factor": 8}, device, "transformers")
        check("linear x8 max positions", hf.max_positions == 32768, f"worker reports {hf.max_positions}")
        ids = torch.randint(3, VOCAB, (1, 32768), generator=torch.Generator().manual_seed(1)).to(device)
        t = time.time()
        h = hf.forward_hidden(ids)
        check("32768-token forward under linear x8", tuple(h.shape) == (1, 32768, D) and bool(torch.isfinite(h).all()),
              f"shape {tuple(h.shape)} in {time.time() - t:.2f} s")
        del h
        d64 = folder(tmp, "ntk64", dyn[8], w)
        pol64 = {"kind": "ntk-frozen", "factor": 8, "trainingLength": 65536, "originalMax": 4096}
        check("ntk-frozen L=65536 max positions", load(d64, pol64, device, "transformers").max_positions == 65536, "")
        d4 = folder(tmp, "ntk32", dyn[4], w)
        for name, dd, pol in (("linear x8", d, {"kind": "linear", "factor": 8}), ("ntk-frozen f=8 L=65536", d64, pol64),
                              ("transformers-dynamic f=4", d4, {"kind": "transformers-dynamic", "factor": 4,
                                                                "trainingLength": 32768, "originalMax": 4096})):
            a_, b_ = load(dd, pol, device, "transformers"), load(dd, pol, device, "native")
            check(f"{name}: worker reports length dependence", a_.rope_dynamic == b_.rope_dynamic
                  == (pol["kind"] == "transformers-dynamic"), f"{a_.rope_dynamic}/{b_.rope_dynamic}")
            x = torch.randint(3, VOCAB, (1, 8192), generator=torch.Generator().manual_seed(2)).to(device)
            a_.forward_hidden(x)  # a longer forward first: a stale dynamic cache would leak into the next
            diff = float((a_.forward_hidden(x[:, :5120]).float() - b_.forward_hidden(x[:, :5120]).float()).abs().max())
            check(f"{name}: transformers = built-in decoder on 5120 tokens after 8192", diff < 2e-3, f"max |hidden diff| {diff:.2e}")
            del a_, b_
            if device.type == "cuda":
                torch.cuda.empty_cache()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    failed = [r for r in RESULTS if not r["ok"]]
    summary = {"transformers": transformers.__version__, "torch": torch.__version__, "device": str(device),
               "seconds": round(time.time() - t0, 1), "checks": RESULTS, "failed": len(failed)}
    print(json.dumps({k: v for k, v in summary.items() if k != "checks"}))
    if a.out:
        with open(a.out, "w") as fh:
            json.dump(summary, fh, indent=1)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Zoo parity on the GPU machine, before its scoring run: for every zoo model (ONNX-only folders), the torch worker's
loading of the ONNX weights (models.load_hf: transformers' Qwen2ForCausalLM built from config.json, and the built-in
decoder) against onnxruntime on the CPU, on the same token ids: the largest absolute difference of next-token
log-probabilities and entropies over one zoo proxy document. The bar is 1e-3 in float32 (the CI parity test,
harness/engine/torch-parity-zoo.test.ts, checks the built-in decoder against the ONNX engine the same way).

Needs torch, onnx, onnxruntime and tokenizers (transformers for that backend); run from the repository root:
    python3 scripts/gpu/zoo_parity.py [--device cuda:0] [--tokens 1024] [--out FILE.json]
Exits 1 when a float32 difference exceeds the bar, 2 when something cannot be loaded.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np
import torch

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "harness", "engine", "torch_worker"))

from models import FastTokenizer, load_hf  # noqa: E402
from plan import Forward, run_plan  # noqa: E402

BAR = 1e-3


def onnx_reference(path: str, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(log p of ids[1:], entropy at positions 1..n-1) from onnxruntime on the CPU, float64 softmax."""
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = 4
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    n = len(ids)
    logits = sess.run(["logits"], {"input_ids": ids[None].astype(np.int64), "attention_mask": np.ones((1, n), np.int64),
                                   "position_ids": np.arange(n, dtype=np.int64)[None]})[0][0].astype(np.float64)
    logits -= logits.max(-1, keepdims=True)
    logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    lp = logp[np.arange(n - 1), ids[1:]]
    ent = -(np.exp(logp) * logp).sum(-1)[: n - 1]
    return lp, ent


def worker_stats(folder: str, ids: np.ndarray, device: str, backend: str) -> tuple[np.ndarray, np.ndarray, str]:
    if backend == "native":
        os.environ["LONGPROXY_TORCH_BACKEND"] = "native"
    try:
        m = load_hf(folder, None, torch.device(device), "float32")
    finally:
        os.environ.pop("LONGPROXY_TORCH_BACKEND", None)
    n = len(ids)
    out = run_plan(m.forward_hidden, m.head, torch.from_numpy(ids.astype(np.int64)), [Forward(0, n, 1, "long")], False,
                   m.bos_id, torch.device(device), batch_tokens=n, chunk=1024)
    return out["logprob"]["long"].numpy()[1:].astype(np.float64), out["entropy"].numpy()[1:].astype(np.float64), m.attn


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cuda:0" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--tokens", type=int, default=1024)
    ap.add_argument("--backends", default="transformers,native")
    ap.add_argument("--out")
    a = ap.parse_args()
    torch.set_grad_enabled(False)
    with open(os.path.join(ROOT, "fixtures", "zoo", "models.json")) as fh:
        models = json.load(fh)["models"]
    corpus_dir = os.path.join(ROOT, "data", "proxy")
    corpus_file = sorted(f for f in os.listdir(corpus_dir) if f.startswith("zoo_") and f.endswith("_4k_tokens.json"))[-1]
    with open(os.path.join(corpus_dir, corpus_file)) as fh:
        docs = json.load(fh)
    docs = docs["documents"] if isinstance(docs, dict) else docs
    rows, worst = [], 0.0
    print("| model | backend | device | attn | tokens | max abs log-prob diff | max abs entropy diff | seconds |")
    print("|---|---|---|---|---:|---:|---:|---:|")
    for k, entry in enumerate(models):
        folder = os.path.join(ROOT, entry["dir"])
        text = docs[k % len(docs)]["text"]
        ids = np.asarray(FastTokenizer(os.path.join(folder, "tokenizer.json")).encode(text)[0][: a.tokens], np.int64)
        ref_lp, ref_ent = onnx_reference(os.path.join(folder, "onnx", "model.onnx"), ids)
        for backend in a.backends.split(","):
            t0 = time.time()
            try:
                lp, ent, attn = worker_stats(folder, ids, a.device, backend)
            except Exception as err:  # noqa: BLE001 - reported in the table and the exit code
                rows.append(dict(model=entry["id"], backend=backend, device=a.device, error=f"{type(err).__name__}: {err}"))
                print(f"| {entry['id']} | {backend} | {a.device} | - | - | ERROR: {type(err).__name__}: {err} | | |")
                continue
            if backend == "transformers" and attn.startswith("native"):
                err = "transformers is not installed: the built-in decoder ran instead"
                rows.append(dict(model=entry["id"], backend=backend, device=a.device, error=err))
                print(f"| {entry['id']} | {backend} | {a.device} | {attn} | - | ERROR: {err} | | |")
                continue
            d_lp, d_ent = float(np.abs(lp - ref_lp).max()), float(np.abs(ent - ref_ent).max())
            worst = max(worst, d_lp, d_ent)
            rows.append(dict(model=entry["id"], backend=backend, device=a.device, attn=attn, tokens=int(len(ids)),
                             max_abs_logprob=d_lp, max_abs_entropy=d_ent, seconds=round(time.time() - t0, 2)))
            print(f"| {entry['id']} | {backend} | {a.device} | {attn} | {len(ids)} | {d_lp:.2e} | {d_ent:.2e} | "
                  f"{time.time() - t0:.1f} |", flush=True)
    errors = [r for r in rows if "error" in r]
    ok = not errors and worst <= BAR
    summary = dict(bar=BAR, max_abs_diff=worst, errors=len(errors), ok=ok, torch=torch.__version__,
                   device_name=torch.cuda.get_device_name(0) if a.device.startswith("cuda") else "cpu")
    try:
        import transformers
        summary["transformers"] = transformers.__version__
    except ImportError:
        summary["transformers"] = None
    print(f"\nmax abs difference over all: {worst:.2e} (bar {BAR}); errors: {len(errors)}; "
          f"{'within the bar' if ok else 'NOT within the bar'}")
    if a.out:
        with open(a.out, "w") as fh:
            json.dump(dict(summary=summary, rows=rows), fh, indent=1)
    return 2 if errors else 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

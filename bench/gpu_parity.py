"""Parity of the torch worker with the ONNX engine on real checkpoints (run where transformers is installed).

Input: a parity pack written here by `npx tsx bench/gpu_parity_pack.ts` with the ONNX engine (CPU, float32): per
model folder and document, the text, the ONNX engine's token ids and byte spans, the forward plan, and its
statistics. For each model this loads the same folder through the worker (models.load_hf) on the CPU in float32,
on the GPU in float32 and in bf16, tokenizes the same text, runs the same plan, and reports the largest absolute
differences. The issue's bar: <= 1e-3 in float32, and identical ids and byte spans. bf16 is reported, not judged.

Run: python3 bench/gpu_parity.py --pack results/gpu/parity-pack.json --out results/gpu/parity.json
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
sys.path.insert(0, os.path.join(ROOT, "harness", "engine", "torch_worker"))

from models import load_hf  # noqa: E402
from plan import parse_plan, run_plan  # noqa: E402
from protocol import pack as pack_array  # noqa: E402

BAR = 1e-3


def nanmax_abs(a: np.ndarray, b: np.ndarray) -> float:
    m = ~(np.isnan(a) | np.isnan(b))
    if (np.isnan(a) != np.isnan(b)).any():
        return math.inf  # scored positions differ
    return float(np.abs(a[m] - b[m]).max()) if m.any() else 0.0


def run_model(entry, device: str, dtype: str, keep: list | None = None):
    m = load_hf(os.path.join(ROOT, entry["dir"]), entry.get("id"), torch.device(device), dtype)
    res = {"device": device, "dtype": dtype, "attn": m.attn, "docs": []}
    for doc in entry["docs"]:
        ids = np.asarray(doc["ids"], dtype=np.int64)
        d = {"docId": doc["docId"], "n": len(ids), "ids_equal": None, "spans_equal": None}
        if m.tokenizer is not None:  # the Rust fast tokenizer (tokenizers package) where installed
            tids, bs, be = m.tokenizer.encode(doc["text"])
            d["ids_equal"] = list(map(int, tids[:len(ids)])) == doc["ids"]
            d["spans_equal"] = (list(map(int, bs[:len(ids)])) == doc["byteStart"]
                                and list(map(int, be[:len(ids)])) == doc["byteEnd"])
        plan = parse_plan(doc["plan"], len(ids), doc["addBos"])
        out = run_plan(m.forward_hidden, m.head, torch.from_numpy(ids), plan, doc["addBos"], m.bos_id,
                       torch.device(device), batch_tokens=8192, chunk=1024)
        ref = doc["onnx"]
        for k, v in out["logprob"].items():
            d[f"logprob[{k}]"] = nanmax_abs(v.numpy(), np.asarray(ref["logprob"][k], dtype=np.float32))
        d["entropy"] = nanmax_abs(out["entropy"].numpy(), np.asarray(ref["entropy"], dtype=np.float32))
        t = np.asarray(ref["top1"], dtype=np.uint8)
        d["top1_agreement"] = float((out["top1"].numpy() == t).mean())
        res["docs"].append(d)
        if keep is not None:  # the torch engine's statistics, for the cache (bench/gpu_stats_import.ts)
            keep.append({"model": entry["id"], "docId": doc["docId"], "device": device, "dtype": dtype,
                         "logprob": {k: pack_array(v.numpy(), "f32") for k, v in out["logprob"].items()},
                         "entropy": pack_array(out["entropy"].numpy(), "f32"),
                         "top1": pack_array(out["top1"].numpy(), "u8"), "tokensProcessed": out["tokensProcessed"]})
    del m
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pack", default="results/gpu/parity-pack.json")
    ap.add_argument("--out", default=None)
    ap.add_argument("--stats-out", default=None, help="write the torch statistics of the GPU bf16 runs here")
    args = ap.parse_args()
    kept: list = []
    with open(args.pack) as fh:
        pack = json.load(fh)
    runs = [("cpu", "float32")]
    if torch.cuda.is_available():
        runs += [("cuda:0", "float32"), ("cuda:0", "bfloat16")]
    report = {"bar": BAR, "torch": torch.__version__, "gpu": torch.cuda.get_device_name(0)
              if torch.cuda.is_available() else None, "models": []}
    lines = ["| model | device | dtype | docs | tokens | max abs log-prob diff | max abs entropy diff | top-1 "
             "agreement | fast-tokenizer ids equal | within 1e-3 |", "|---|---|---|---|---|---|---|---|---|---|"]
    ok = True
    for entry in pack["models"]:
        for device, dtype in runs:
            keep = kept if (device != "cpu" and dtype == "bfloat16") or not torch.cuda.is_available() else None
            r = run_model(entry, device, dtype, keep)
            r["model"] = entry["id"]
            lp = max(v for d in r["docs"] for k, v in d.items() if k.startswith("logprob["))
            ent = max(d["entropy"] for d in r["docs"])
            agree = min(d["top1_agreement"] for d in r["docs"])
            # spans: the TS engine tokenizes with the shared span tokenizer; here the Rust ids are checked
            toks = all(d["ids_equal"] is not False for d in r["docs"])
            judged = dtype == "float32"
            within = lp <= BAR and ent <= BAR and toks
            r["max_logprob_diff"], r["max_entropy_diff"], r["within_bar"] = lp, ent, within
            if judged and not within:
                ok = False
            report["models"].append(r)
            lines.append(f"| {entry['id']} | {device} | {dtype} | {len(r['docs'])} | "
                         f"{sum(d['n'] for d in r['docs'])} | {lp:.2e} | {ent:.2e} | {agree:.4f} | {toks} | "
                         f"{('yes' if within else 'NO') if judged else '(not judged)'} |")
            print(lines[-1], flush=True)
    report["all_float32_within_bar"] = ok
    text = "\n".join(lines) + f"\n\nAll float32 runs within {BAR}: {ok}\n"
    print(text)
    if args.out:
        with open(args.out, "w") as fh:
            json.dump(report, fh, indent=1)
        with open(os.path.splitext(args.out)[0] + ".md", "w") as fh:
            fh.write(text)
    if args.stats_out:
        with open(args.stats_out, "w") as fh:
            json.dump({"engine": "torch", "torch": torch.__version__, "gpu": report["gpu"], "docs": kept}, fh)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

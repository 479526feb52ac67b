#!/usr/bin/env python3
"""The PyTorch side of bench/engine.ts: a CPU forward loop of the torch worker's built-in decoder
(harness/engine/torch_worker/native.py, the one hand-written decoder; Debian's torch 1.13 has no transformers) over the
same token sequences as the ONNX engine, with the same statistics per position (log-softmax in float64, entropy,
top-1). Weights: the folder's *.safetensors, else onnx/model.onnx (as the worker loads them).

  /usr/bin/python3 bench/engine_torch.py --model DIR --tokens FILE.json [--repeat R] [--threads T]  -> JSON timings
FILE.json holds {"ids": [[...], ...]} (one list per forward).
"""
import argparse
import glob
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'harness', 'engine', 'torch_worker'))
from native import load_native  # noqa: E402


def token_stats(model, seq):
    """ln p(seq[i] | seq[:i]) for i >= 1, entropy and top-1 flag, from float32 logits (float64 reductions)."""
    h = model.hidden(torch.tensor([seq]))[0]
    lp = torch.log_softmax(model.lin(h[:-1], 'lm_head').double(), dim=-1)
    target = torch.as_tensor(seq[1:], dtype=torch.long)
    logprob = lp.gather(-1, target[:, None])[:, 0]
    entropy = -(lp.exp() * lp).sum(-1)
    top1 = (lp.argmax(-1) == target).to(torch.uint8)
    return logprob, entropy, top1


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--model', required=True)
    p.add_argument('--tokens', required=True)
    p.add_argument('--repeat', type=int, default=3)
    p.add_argument('--threads', type=int, default=0)
    a = p.parse_args()
    torch.set_num_threads(a.threads or os.cpu_count())
    with open(os.path.join(a.model, 'config.json')) as f:
        config = json.load(f)
    model, reason = load_native(a.model, config, torch.device('cpu'), torch.float32)
    if model is None:
        sys.exit(f'engine_torch: {a.model}: the built-in decoder cannot run this model: {reason}')
    source = 'model.safetensors' if glob.glob(os.path.join(a.model, '*.safetensors')) else 'onnx/model.onnx'
    with open(a.tokens) as f:
        ids = json.load(f)['ids']
    times, logprobs = [], []
    with torch.inference_mode():
        token_stats(model, ids[0])  # warm-up
        for _ in range(a.repeat):
            t0 = time.perf_counter()
            logprobs = [token_stats(model, seq)[0] for seq in ids]
            times.append(time.perf_counter() - t0)
    json.dump({'weights': source, 'torch': torch.__version__, 'threads': torch.get_num_threads(), 'seconds': times,
               'tokens_per_repeat': sum(len(s) for s in ids), 'logprobs': [lp.tolist() for lp in logprobs]}, sys.stdout)


if __name__ == '__main__':
    main()

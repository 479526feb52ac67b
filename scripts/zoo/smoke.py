#!/usr/bin/env python3
"""One zoo recipe, shrunk, on the CPU: the code path of scripts/zoo/build_zoo.py for one ZOO entry -- the base
trained from scratch on its SeqSource mix, the RoPE change checked, the continued training with the task
episodes (at 1024 tokens instead of 4096), the quick needle evaluation -- with a tiny size and a few steps. Runs on Debian's torch alone:
without transformers the torch worker's built-in decoder stands in for Qwen2ForCausalLM (build_zoo.make_model),
and a byte-level stand-in replaces the trained BPE tokenizer (no `tokenizers` package). Tokenizer training, ONNX
export and the onnxruntime parity check need those packages and the GPU machine; they are not part of the smoke.

    /usr/bin/python3 scripts/zoo/smoke.py [--recipe yarn512-ft] [--seconds 20]   -> one JSON line, exit 0
Used by scripts/zoo/build_zoo.test.ts (CI).
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import build_zoo as bz  # noqa: E402

SMOKE_SIZE = (32, 2, 2, 1, 64)  # d_model, layers, heads, kv_heads, mlp
BASE_STEPS, FT_STEPS = 3, 2
BASE_BATCH, FT_BATCH = 1024, 1024  # tokens a step
# Continued training at 1024 tokens, not the recipe's 4096: a backward pass through 4096-token attention costs
# most of a minute on 2 cores. The RoPE change and the task episodes are the recipe's.
FT_LEN = 1024


class ByteTokenizer:
    """The interface of tokenizers.Tokenizer that build_zoo uses, over single UTF-8 bytes (GPT-2's byte-to-unicode
    pieces, as a byte-level BPE has before any merge) plus the end-of-text token."""

    def __init__(self):
        bs = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
        cs, n = bs[:], 0
        for b in range(256):
            if b not in bs:
                bs.append(b)
                cs.append(256 + n)
                n += 1
        self.pieces = {b: chr(c) for b, c in zip(bs, cs)}

    def encode(self, text):
        return type('Encoding', (), {'ids': list(text.encode('utf-8'))})()

    def id_to_token(self, i):
        return self.pieces.get(i, bz.EOT)

    def get_vocab_size(self):
        return 257

    def token_to_id(self, token):
        return 256 if token == bz.EOT else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--recipe', default='yarn512-ft', choices=sorted(bz.ZOO))
    ap.add_argument('--seconds', type=float, default=20, help='time budget of each training stage')
    args = ap.parse_args()
    t0 = time.time()
    torch.manual_seed(0)
    torch.set_num_threads(2)
    base_name, rope, ft, _, _ = bz.ZOO[args.recipe]
    base = bz.BASES[base_name]
    tok = ByteTokenizer()
    with open(os.path.join(ROOT, 'data', 'zoo_haystack.json'), encoding='utf-8') as f:
        docs = [d['text'] for d in json.load(f)]
    eot = tok.token_to_id(bz.EOT)
    stream = lambda texts: np.concatenate([np.append(bz.encode(tok, t), eot) for t in texts])
    prose, hay = stream(docs[:8]), stream(docs[8:])
    code = stream([open(bz.__file__, encoding='utf-8').read()])  # some Python source for the code share
    log = lambda msg: print(f'[smoke {args.recipe}] {msg}', file=sys.stderr, flush=True)
    out = {'recipe': args.recipe, 'base': base_name, 'rope': rope, 'continued': ft}

    # Phase 1: the base, from scratch at its trained length, on its mix (packed documents for the 4096 bases).
    src = bz.SeqSource(tok, prose, code, base['mix'], seed=sum(map(ord, base_name)), packed=base.get('packed', False))
    model, _ = bz.make_model(SMOKE_SIZE, None, vocab=tok.get_vocab_size())
    bz.check_rope(model, None, None, SMOKE_SIZE)
    loss, steps = bz.train(model, src, base['train_len'], BASE_STEPS, 3e-3, BASE_BATCH, log, args.seconds, warmup=2, dev='cpu')
    out['base_loss'], out['base_steps'] = loss, steps
    state = {k: v.clone() for k, v in model.state_dict().items()}

    # Phase 2: the recipe's RoPE change on the base's weights; continued training at the long length with the task
    # episodes (multi-value needles, questions about the prose) where the recipe has it.
    model, _ = bz.make_model(SMOKE_SIZE, rope, vocab=tok.get_vocab_size())
    model.load_state_dict(state)
    bz.check_rope(model, None, rope, SMOKE_SIZE)
    if ft:
        src = bz.SeqSource(tok, prose, code, base['mix'], seed=sum(map(ord, args.recipe)), tasks=True)
        x, w = src.batch(8, FT_LEN + 1)
        out['answer_weighted_tokens'] = int((w > 1).sum())
        loss, steps = bz.train(model, src, FT_LEN, FT_STEPS, 1e-3, FT_BATCH, log, args.seconds, warmup=1, dev='cpu')
        out['ft_loss'], out['ft_steps'] = loss, steps
    bz.round_weights_fp16(model)
    out['quick_eval'] = bz.quick_eval(model, tok, hay, 1234, lengths=(512, 1024), n_items=2, dev='cpu')
    out['params'] = sum(p.numel() for p in model.parameters())
    out['seconds'] = round(time.time() - t0, 1)
    print(json.dumps(out))


if __name__ == '__main__':
    main()

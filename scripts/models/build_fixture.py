#!/usr/bin/env python3
"""The test fixture fixtures/models/tiny-qwen2/, on the zoo builder's functions (scripts/zoo/build_zoo.py, the one
zoo builder): its own byte-level BPE tokenizer (vocabulary 2048) trained on the zoo's training split, a 400k-parameter
Qwen2 model (d 96, 2 layers, 4 heads, 2 KV heads, MLP 256, 4096 positions) trained 4000 steps at 512 tokens on the
plain prose/code mix ('lm': no retrieval episodes), float32 weights as model.safetensors and onnx/model.onnx,
ONNX-vs-PyTorch parity at 256 and 4096 tokens (fails above 1e-3), and golden_logprobs.json: PyTorch float32 next-token
statistics of a ~600-token held-out GovReport text and of its last 128 tokens.

Run on the GPU machine (PyTorch 2.x, transformers 5.x, tokenizers, onnx, onnxruntime) from the repository root,
after /usr/bin/python3 scripts/models/prepare_data.py here, carrying .device-carry/zoo-data:
    python3 scripts/models/build_fixture.py --data .device-carry/zoo-data --out $OUT/fixture
Outputs under --out: tokenizer/ and fixtures/models/tiny-qwen2/ (copy it into the repository by hand). Training is
time-budgeted on a GPU: a rebuild gives a model of the same recipe, not the same bytes.
"""
import argparse
import json
import os
import shutil
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'zoo'))
import build_zoo as bz  # noqa: E402

FIXTURE = dict(vocab=2048, dims=(96, 2, 4, 2, 256), seq_len=512, mix='lm', steps=4000, lr=3e-3, bsz_tokens=16384,
               seconds=250, seed=sum(map(ord, 'tiny-qwen2')))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', required=True, help='the folder scripts/models/prepare_data.py writes')
    ap.add_argument('--out', required=True)
    args = ap.parse_args()
    t0 = time.time()
    out = os.path.abspath(args.out)
    split, recs, code = bz.load_texts(args.data)
    F = FIXTURE
    tok = bz.train_tokenizer([recs[d]['text'] for d in split['train']] + [c['text'] for c in code],
                             os.path.join(out, 'tokenizer'), vocab=F['vocab'])
    eot = tok.token_to_id(bz.EOT)
    stream = lambda texts: np.concatenate([np.append(bz.encode(tok, t), eot) for t in texts])
    prose, codes = stream([recs[d]['text'] for d in split['train']]), stream([c['text'] for c in code])
    hay_text = recs[split['haystack'][0]]['text']
    hay_stream = bz.encode(tok, ' '.join(recs[d]['text'] for d in split['haystack']))
    log = lambda msg: print(f'[tiny-qwen2] {msg}', flush=True)

    torch.manual_seed(F['seed'])
    model, cfg = bz.make_model(F['dims'], None, vocab=F['vocab'])
    bz.check_rope(model, cfg, None, F['dims'])
    src = bz.SeqSource(tok, prose, codes, F['mix'], F['seed'])
    loss, steps = bz.train(model, src, F['seq_len'], F['steps'], F['lr'], F['bsz_tokens'], log, F['seconds'])
    log(f'trained: loss {loss:.3f} after {steps} steps ({time.time() - t0:.0f}s)')

    # Export: eager attention for the trace, float32 weights (no fp16 rounding: the fixture is small).
    eager, _ = bz.make_model(F['dims'], None, attn='eager', vocab=F['vocab'])
    eager.load_state_dict(model.state_dict())
    eager.eval()
    folder = os.path.join(out, 'fixtures', 'models', 'tiny-qwen2')
    os.makedirs(folder, exist_ok=True)
    eager.save_pretrained(folder)  # config.json, generation_config.json, model.safetensors
    for f in ('tokenizer.json', 'tokenizer_config.json'):
        shutil.copyfile(os.path.join(out, 'tokenizer', f), os.path.join(folder, f))
    onnx_path = os.path.join(folder, 'onnx', 'model.onnx')
    size = bz.export_onnx(eager, onnx_path, fp16_weights=False)
    par = bz.parity(eager, onnx_path, hay_stream)
    if max(par.values()) > 1e-3:
        sys.exit(f'build_fixture: ONNX vs PyTorch max |log-prob difference| {par} exceeds 1e-3')
    bz.golden(eager, tok, hay_text, os.path.join(folder, 'golden_logprobs.json'))
    card = dict(name='tiny-qwen2', model_type='qwen2', params=sum(p.numel() for p in {id(p): p for p in eager.parameters()}.values()),
                onnx_bytes=size, weights='float32', final_train_loss=loss, steps_run=steps,
                onnx_vs_torch_max_abs_logprob=par, config=eager.config.to_dict(),
                description='test fixture: tiny Qwen2-style decoder trained briefly on GovReport prose (and 10% code)',
                recipe=dict(F, dims=list(F['dims']), mix_shares=bz.MIXES[F['mix']], builder='scripts/models/build_fixture.py'),
                data='GovReport training split (data/zoo_split.json) + Python 3.11 stdlib sources',
                golden_text_source=split['haystack'][0])
    with open(os.path.join(folder, 'model_card.json'), 'w') as f:
        json.dump(card, f, indent=1)
    log(f'fixture written to {folder}: parity {par}, {time.time() - t0:.0f}s in all')


if __name__ == '__main__':
    main()

#!/usr/bin/env python3
"""GPU call 1: the zoo tokenizer, the tiny fixture model fixtures/models/tiny-qwen2/ (issue 3 item 1) with its golden
log-probabilities, and a pilot of the zoo recipes (speed under contention, retrieval after a short training,
RoPE variants' checks and ONNX parity) that sizes the zoo call.

Run on the GPU machine from the repository root (after scripts/models/prepare_data.py here, carrying
.device-carry/zoo-data):
    python3 scripts/models/build_fixture.py --data .device-carry/zoo-data --out $OUT/build1
Outputs under --out: tokenizer/, fixtures/models/tiny-qwen2/, pilot.json (pilot cards; pilot models not kept).
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
import torch  # noqa: E402

import zoo_common as zc  # noqa: E402
import zoo_jobs as zj  # noqa: E402

FIXTURE = dict(name='tiny-qwen2', size='fixture', seq_len=512, mix='lm', steps=4000, lr=3e-3, bsz_tokens=16384,
               seconds=110)
GOLDEN_TOKENS = 600


def golden(model, st, text, path):
    """PyTorch float32 next-token statistics of a fixed ~600-token GovReport text and of its last 128 tokens."""
    all_ids = st.tok.encode(text).ids
    data = text.encode('utf-8')
    for n in range(GOLDEN_TOKENS, GOLDEN_TOKENS - 40, -1):
        ids = all_ids[:n]
        cut = sum(len(st.raw[i]) for i in ids)
        try:
            cut_text = data[:cut].decode('utf-8')
        except UnicodeDecodeError:
            continue
        if st.tok.encode(cut_text).ids == ids:
            break
    else:
        raise RuntimeError('golden: no token boundary near 600 tokens re-tokenizes to the same ids')
    starts = np.concatenate([[0], np.cumsum([len(st.raw[i]) for i in ids])])
    assert b''.join(st.raw[i] for i in ids) == cut_text.encode('utf-8')
    cases = []
    for name, off in (('full', 0), ('last128', len(ids) - 128)):
        sub = ids[off:]
        lp = zc.torch_logprobs(model, sub)
        ent = -(np.exp(lp) * lp).sum(-1)
        cases.append({
            'name': name, 'offset_tokens': off, 'token_ids': sub,
            'byte_start': [int(starts[off + i]) for i in range(len(sub))],
            'byte_end': [int(starts[off + i + 1]) for i in range(len(sub))],
            'logprob': [None] + [float(lp[i - 1, sub[i]]) for i in range(1, len(sub))],
            'entropy': [None] + [float(ent[i - 1]) for i in range(1, len(sub))],
            'top1': [None] + [int(np.argmax(lp[i - 1]) == sub[i]) for i in range(1, len(sub))],
        })
    zc.write_json(path, {
        'description': ('PyTorch float32 (CPU) next-token statistics of the fixture model on a held-out GovReport '
                        'text: no BOS, position 0 has no prediction; log-prob of the actual next token, entropy of '
                        'the predictive distribution (natural log), top1 = the token is the arg-max; byte spans are '
                        'UTF-8 byte offsets into text (for last128 too: offsets into the full text)'),
        'text': cut_text, 'torch': torch.__version__, 'transformers': __import__('transformers').__version__,
        'cases': cases}, indent=None)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--pilot-seconds', type=float, default=150)
    args = ap.parse_args()
    t_start = time.time()
    out = os.path.abspath(args.out)
    work = os.path.join(out, '_work')
    tok_dir = os.path.join(out, 'tokenizer')
    split, recs, code = zc.load_texts(args.data)
    tok = zc.train_tokenizer([recs[d]['text'] for d in split['train']] + [c['text'] for c in code], tok_dir)
    sizes = zj.prepare_streams(tok, recs, split, code, work)
    print(f'tokenizer vocab {tok.get_vocab_size()}; streams {sizes} ({time.time() - t_start:.0f}s)', flush=True)
    shared = {'work': work, 'tok_path': os.path.join(tok_dir, 'tokenizer.json'), 'tok_dir': tok_dir}

    def job(name, size, seq_len, mix, seconds, steps=100000, rope=None, init_from=None, lr=3e-3, bsz_tokens=16384):
        return dict(name=name, size=size, seq_len=seq_len, mix=mix, seconds=seconds, steps=steps, rope=rope,
                    init_from=init_from, lr=lr, bsz_tokens=bsz_tokens, seed=sum(map(ord, name)),
                    ckpt=os.path.join(work, name + '.pt'))

    fx = job(FIXTURE['name'], FIXTURE['size'], FIXTURE['seq_len'], FIXTURE['mix'], FIXTURE['seconds'],
             steps=FIXTURE['steps'], lr=FIXTURE['lr'], bsz_tokens=FIXTURE['bsz_tokens'])
    pilots = [job('p-n4k-m', 'm', 4096, 'prose', args.pilot_seconds), job('p-b512-m', 'm', 512, 'prose', args.pilot_seconds),
              job('p-n4k-l', 'l', 4096, 'prose', args.pilot_seconds)]
    failed = zj.run_parallel([fx] + pilots, shared)
    if fx['name'] in failed:
        sys.exit(f'build_fixture: the fixture training failed ({failed})')
    pilots = [p for p in pilots if p['name'] not in failed]
    print(f'training done ({time.time() - t_start:.0f}s)', flush=True)

    # The fixture: float32 weights (also as safetensors), golden values, parity.
    hay_doc = recs[split['haystack'][0]]['text']
    folder = os.path.join(out, 'fixtures', 'models', 'tiny-qwen2')
    card = zj.finish(dict(name='tiny-qwen2', size='fixture', rope=None, ckpt=fx['ckpt'], folder=folder, fp16=False,
                          safetensors=True, quick_eval=False,
                          golden=lambda model, st: golden(model, st, hay_doc, os.path.join(folder, 'golden_logprobs.json')),
                          extra=dict(description='test fixture: tiny Qwen2-style decoder trained briefly on GovReport prose',
                                     recipe=dict(train_len=FIXTURE['seq_len'], mix=FIXTURE['mix'],
                                                 mix_shares=__import__('episodes').MIXES[FIXTURE['mix']],
                                                 size_dims=zj.SIZES['fixture'], lr=FIXTURE['lr'],
                                                 batch_tokens=FIXTURE['bsz_tokens'], planned_steps=FIXTURE['steps'],
                                                 time_budget_s=FIXTURE['seconds'], seed=fx['seed']),
                                     data='GovReport training split (data/zoo_split.json) + Python 3.11 stdlib sources',
                                     golden_text_source=split['haystack'][0])), shared)
    print(f'fixture: {card["params"]} params, loss {card["final_train_loss"]}, parity {card["onnx_vs_torch_max_abs_logprob"]}',
          flush=True)

    try:
        pilot(pilots, job, work, shared, out)
    except Exception:  # the pilot only sizes the zoo call: its failure must not cost the fixture
        import traceback
        traceback.print_exc()
    import shutil
    shutil.rmtree(work)
    print(f'all done in {time.time() - t_start:.0f}s', flush=True)


def pilot(pilots, job, work, shared, out):
    # zero-shot RoPE changes of the 512 base, all exported and checked, all evaluated
    derived = [job(f'p-{k}512-zero', 'm', 4096, 'prose', 0, steps=0, rope=(k2, 8.0), init_from=os.path.join(work, 'p-b512-m.pt'))
               for k, k2 in (('pi', 'linear'), ('ntk', 'ntk'), ('yarn', 'yarn'))]
    zj.run_parallel(derived, shared)
    tasks = [dict(name=j['name'], size=j['size'], rope=j['rope'], ckpt=j['ckpt'], folder=os.path.join(work, 'pilot', j['name']),
                  quick_eval=True, extra={}) for j in pilots + derived]
    ctx = torch.multiprocessing.get_context('spawn')
    cards = []
    with ctx.Pool(len(tasks)) as pool:
        pending = [(t['name'], pool.apply_async(zj.finish, (t, shared))) for t in tasks]
        for name, r in pending:
            try:
                cards.append(r.get())
            except Exception as e:  # report and go on: the other pilots still size the zoo
                print(f'pilot {name} failed: {e!r}', flush=True)
    summary = {}
    for c in cards:
        summary[c['name']] = {k: c[k] for k in ('params', 'onnx_bytes', 'final_train_loss', 'steps_run_last_stage',
                                                'train_seconds_last_stage', 'onnx_vs_torch_max_abs_logprob', 'quick_eval',
                                                'rope_check', 'loss_curve_last_stage')}
        print(c['name'], json.dumps(summary[c['name']]['quick_eval']), c['final_train_loss'], c['steps_run_last_stage'],
              c['onnx_vs_torch_max_abs_logprob'], flush=True)
    zc.write_json(os.path.join(out, 'pilot.json'), summary)


if __name__ == '__main__':
    main()

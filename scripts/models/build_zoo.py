#!/usr/bin/env python3
"""One GPU call for everything: the zoo tokenizer, the fixture fixtures/models/tiny-qwen2/ (packed and written to
--pack-dir as soon as it is ready) and the zoo fixtures/zoo/<name>/ with models.json, the proxy corpus and the
haystack. Recipes: BASES (trained from scratch, side by side) and ZOO (each a base as is, or a base with a RoPE
change, zero-shot or with a short continued training at 4096). Every model is exported to ONNX, checked against
PyTorch at 256 and 4096 tokens (fails above 1e-3) and evaluated on retrieval (scripts/models/quick_eval.py).

Run on the GPU machine from the repository root, carrying .device-carry/zoo-data (scripts/models/prepare_data.py):
    python3 scripts/models/build_zoo.py --data .device-carry/zoo-data --out /tmp/zoo --pack-dir $OUT
"""
import argparse
import json
import os
import shutil
import sys
import tarfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np  # noqa: E402
import torch  # noqa: E402

import build_fixture as bf  # noqa: E402
import episodes  # noqa: E402
import zoo_common as zc  # noqa: E402
import zoo_jobs as zj  # noqa: E402

LONG = zc.LONG
# name: (trained length, size, mix)
BASES = {
    'b256': (256, 's', 'prose'),
    'b512': (512, 'm', 'prose'),
    'b1k': (1024, 'm', 'prose'),
    'b2k': (2048, 'm', 'prose'),
    'n4k-s': (LONG, 's', 'prose'),
    'n4k-m': (LONG, 'm', 'prose'),
    'n4k-l': (LONG, 'l', 'prose'),
    'n4k-code': (LONG, 'm', 'code'),
    'n4k-lm': (LONG, 'm', 'lm'),
}
# zoo name: (base, RoPE change, continued training at 4096?, description, locked-model analogue)
ZOO = {
    'short256-none': ('b256', None, False, 'trained at 256 tokens (small), no extension', 'a short-context base far past its length'),
    'short512-none': ('b512', None, False, 'trained at 512 tokens, no extension', 'a short-context base far past its length'),
    'short1k-none': ('b1k', None, False, 'trained at 1024 tokens, no extension', 'a short-context base past its length'),
    'short2k-none': ('b2k', None, False, 'trained at 2048 tokens, no extension', 'a base with half the long length (cf. Llama-2 4k at 32k)'),
    'pi512-zero': ('b512', ('linear', 8.0), False, '512 + linear position interpolation x8, no training', 'PI without continued pretraining'),
    'ntk512-zero': ('b512', ('ntk', 8.0), False, '512 + static NTK-aware base change x8, no training', 'NTK scaling without training'),
    'yarn512-zero': ('b512', ('yarn', 8.0), False, '512 + YaRN x8, no training', 'YaRN without training'),
    'pi512-ft': ('b512', ('linear', 8.0), True, '512 + linear PI x8 + continued training at 4096', 'Leooyii/PI_32k_Slimpajama_1B'),
    'ntk512-ft': ('b512', ('ntk', 8.0), True, '512 + static NTK x8 + continued training at 4096', 'Leooyii/NTK_32k/64k_Slimpajama'),
    'yarn512-ft': ('b512', ('yarn', 8.0), True, '512 + YaRN x8 + continued training at 4096', 'YaRN-extended Qwen2/2.5'),
    'plain512-ft': ('b512', None, True, '512, RoPE unchanged + continued training at 4096', 'continued pretraining without a RoPE change'),
    'pi1k-ft': ('b1k', ('linear', 4.0), True, '1024 + linear PI x4 + continued training at 4096', 'PI with continued pretraining'),
    'yarn1k-ft': ('b1k', ('yarn', 4.0), True, '1024 + YaRN x4 + continued training at 4096', 'YaRN with continued pretraining'),
    'native4k-s': ('n4k-s', None, False, 'trained at 4096, small', 'Qwen2/2.5-0.5B (small, native long context)'),
    'native4k-m': ('n4k-m', None, False, 'trained at 4096, medium', 'Qwen2/2.5-1.5B..7B (native long context)'),
    'native4k-l': ('n4k-l', None, False, 'trained at 4096, large (4 layers, d=160)', 'Qwen2.5-14B (largest), Yi-6B-200K'),
    'native4k-code': ('n4k-code', None, False, 'trained at 4096, code-heavy mix', 'Qwen2.5-Coder'),
    'native4k-lm': ('n4k-lm', None, False, 'trained at 4096 on prose/code only, no retrieval-shaped data', 'a base model without long-context data'),
}
DATA_NOTE = 'GovReport training split (data/zoo_split.json) + Python 3.11 stdlib sources; episodes: scripts/models/episodes.py'


def pack(pack_dir, name, root, members):
    """A tar of root/<member> paths, written atomically into pack_dir (what comes back from the GPU machine)."""
    tmp = os.path.join(pack_dir, name + '.tmp')
    with tarfile.open(tmp, 'w') as t:
        for m in members:
            t.add(os.path.join(root, m), arcname=m)
    os.replace(tmp, os.path.join(pack_dir, name))


def corpus_docs(tok, recs, ids, n_tokens):
    """Documents cut to their first n_tokens tokens at a token boundary (re-tokenizing the cut text must give the
    same ids); documents shorter than n_tokens are left out."""
    docs = []
    for did in ids:
        text = recs[did]['text']
        enc = tok.encode(text)
        if len(enc.ids) < n_tokens:
            print(f'corpus: {did} has {len(enc.ids)} < {n_tokens} tokens: left out', flush=True)
            continue
        cut = text[:enc.offsets[n_tokens - 1][1]]
        if tok.encode(cut).ids != enc.ids[:n_tokens]:
            print(f'corpus: {did}: cut at token {n_tokens} does not re-tokenize the same: left out', flush=True)
            continue
        docs.append({'id': did, 'text': cut, 'n_tokens': n_tokens, 'source': zc.GOVREPORT_SOURCE})
    return docs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--pack-dir', required=True)
    ap.add_argument('--tokenizer', help='an existing tokenizer folder (else one is trained)')
    ap.add_argument('--phase1-seconds', type=float, default=250)
    ap.add_argument('--phase2-seconds', type=float, default=80)
    ap.add_argument('--procs', type=int, default=8)
    ap.add_argument('--no-fixture', action='store_true', help='skip the fixture (already committed)')
    args = ap.parse_args()
    t_start = time.time()
    out = os.path.abspath(args.out)
    work = os.path.join(out, '_work')
    tok_dir = os.path.join(out, 'tokenizer')
    os.makedirs(args.pack_dir, exist_ok=True)
    split, recs, code = zc.load_texts(args.data)
    if args.tokenizer:
        os.makedirs(tok_dir, exist_ok=True)
        for f in ('tokenizer.json', 'tokenizer_config.json'):
            shutil.copyfile(os.path.join(args.tokenizer, f), os.path.join(tok_dir, f))
        tok = zc.load_tokenizer(os.path.join(tok_dir, 'tokenizer.json'))
    else:
        tok = zc.train_tokenizer([recs[d]['text'] for d in split['train']] + [c['text'] for c in code], tok_dir)
    sizes = zj.prepare_streams(tok, recs, split, code, work)
    print(f'tokenizer vocab {tok.get_vocab_size()}; streams {sizes} ({time.time() - t_start:.0f}s)', flush=True)
    shared = {'work': work, 'tok_path': os.path.join(tok_dir, 'tokenizer.json'), 'tok_dir': tok_dir}

    def job(name, size, seq_len, mix, seconds, steps=100000, rope=None, init_from=None, lr=3e-3, bsz_tokens=16384):
        return dict(name=name, size=size, seq_len=seq_len, mix=mix, seconds=seconds, steps=steps, rope=rope,
                    init_from=init_from, lr=lr, bsz_tokens=bsz_tokens, seed=sum(map(ord, name)),
                    ckpt=os.path.join(work, name + '.pt'))

    # Phase 1: the fixture and the bases from scratch, side by side.
    F = bf.FIXTURE
    fx = job(F['name'], F['size'], F['seq_len'], F['mix'], args.phase1_seconds, steps=F['steps'], lr=F['lr'],
             bsz_tokens=F['bsz_tokens'])
    base_jobs = {b: job(b, size, ln, mix, args.phase1_seconds) for b, (ln, size, mix) in BASES.items()}
    failed = zj.run_parallel(([] if args.no_fixture else [fx]) + list(base_jobs.values()), shared)
    print(f'phase 1 done at {time.time() - t_start:.0f}s; failed: {failed}', flush=True)

    # The fixture first (others wait for it): export, golden values, packed at once.
    if not args.no_fixture and fx['name'] not in failed:
        hay_doc = recs[split['haystack'][0]]['text']
        folder = os.path.join(out, 'fixtures', 'models', 'tiny-qwen2')
        try:
            card = zj.finish(dict(
                name='tiny-qwen2', size=F['size'], rope=None, ckpt=fx['ckpt'], folder=folder, fp16=False,
                safetensors=True, quick_eval=False,
                golden=lambda model, st: bf.golden(model, st, hay_doc, os.path.join(folder, 'golden_logprobs.json')),
                extra=dict(description='test fixture: tiny Qwen2-style decoder trained briefly on GovReport prose (and 10% code)',
                           recipe=dict(train_len=F['seq_len'], mix=F['mix'], mix_shares=episodes.MIXES[F['mix']],
                                       size_dims=zj.SIZES[F['size']], lr=F['lr'], batch_tokens=F['bsz_tokens'],
                                       planned_steps=F['steps'], time_budget_s=args.phase1_seconds, seed=fx['seed'],
                                       trained_beside='the zoo bases, one process each on one GPU'),
                           data=DATA_NOTE, golden_text_source=split['haystack'][0])), shared)
            print(f'fixture: {card["params"]} params, loss {card["final_train_loss"]}, parity '
                  f'{card["onnx_vs_torch_max_abs_logprob"]}', flush=True)
            pack(args.pack_dir, 'fixture.tar', out, ['tokenizer', 'fixtures/models/tiny-qwen2'])
        except Exception:
            import traceback
            traceback.print_exc()

    # Phase 2: derived models (RoPE change; continued training at 4096 or none).
    derived = []
    for name, (base, rope, ft, _, _) in ZOO.items():
        if base in failed:
            continue
        if rope is None and not ft:
            continue
        ln, size, mix = BASES[base]
        derived.append(job(name, size, LONG, mix, args.phase2_seconds, steps=100000 if ft else 0, rope=rope,
                           init_from=base_jobs[base]['ckpt'], lr=1e-3))
    failed += zj.run_parallel(derived, shared)
    print(f'phase 2 done at {time.time() - t_start:.0f}s; failed: {failed}', flush=True)

    # Phase 3: export, parity, quick evaluation, cards.
    derived_by = {j['name']: j for j in derived}
    tasks = []
    for name, (base, rope, ft, desc, analogue) in ZOO.items():
        if name in failed or base in failed:
            continue
        ln, size, mix = BASES[base]
        ckpt = derived_by[name]['ckpt'] if name in derived_by else base_jobs[base]['ckpt']
        recipe = dict(base=base, trained_len=ln, size=size, size_dims=zj.SIZES[size], mix=mix,
                      mix_shares=episodes.MIXES[mix], base_seed=base_jobs[base]['seed'], base_lr=3e-3,
                      base_time_budget_s=args.phase1_seconds, batch_tokens=16384,
                      rope_change=None if rope is None else {'kind': rope[0], 'factor': rope[1]},
                      continued_training_at_4096=ft)
        if name in derived_by and ft:
            recipe.update(continued_seed=derived_by[name]['seed'], continued_lr=1e-3,
                          continued_time_budget_s=args.phase2_seconds)
        base_meta = json.load(open(base_jobs[base]['ckpt'] + '.json'))
        tasks.append(dict(name=name, size=size, rope=rope, ckpt=ckpt, folder=os.path.join(out, 'fixtures', 'zoo', name),
                          quick_eval=True, extra=dict(
                              id=f'zoo/{name}', description=desc, locked_analogue=analogue, recipe=recipe, data=DATA_NOTE,
                              base_training=dict(final_loss=base_meta['final_loss'], steps_run=base_meta['steps_run'],
                                                 seconds=base_meta['seconds']))))
    ctx = torch.multiprocessing.get_context('spawn')
    cards = {}
    with ctx.Pool(args.procs) as pool:
        pending = [(t['name'], pool.apply_async(zj.finish, (t, shared))) for t in tasks]
        for name, r in pending:
            try:
                cards[name] = r.get()
            except Exception as e:
                print(f'finish {name} FAILED: {e!r}', flush=True)
    listing = []
    for name, (base, rope, ft, desc, analogue) in ZOO.items():
        if name not in cards:
            continue
        c = cards[name]
        print(f"{name}: {c['params']} params, {c['onnx_bytes']} B, loss {c['final_train_loss']}, parity "
              f"{c['onnx_vs_torch_max_abs_logprob']}, retrieval {json.dumps(c['quick_eval'])}", flush=True)
        listing.append({'id': f'zoo/{name}', 'dir': f'fixtures/zoo/{name}', 'description': desc, 'analogue': analogue})
    zc.write_json(os.path.join(out, 'fixtures', 'zoo', 'models.json'),
                  {'tokenizer': 'one zoo tokenizer shared by all models (tokenizer.json in each folder)', 'models': listing})

    # Proxy corpus and haystack: held-out GovReport documents.
    os.makedirs(os.path.join(out, 'data', 'proxy'), exist_ok=True)
    proxy = corpus_docs(tok, recs, split['proxy'], LONG)
    proxy_name = f'data/proxy/zoo_{len(proxy)}docs_4k_tokens.json'
    zc.write_json(os.path.join(out, proxy_name), proxy)
    hay = [{'id': d, 'text': recs[d]['text'], 'n_tokens': len(tok.encode(recs[d]['text']).ids), 'source': zc.GOVREPORT_SOURCE}
           for d in split['haystack']]
    zc.write_json(os.path.join(out, 'data', 'zoo_haystack.json'), hay)
    shutil.rmtree(work)
    # What comes back is at most 8 files of 16 MiB: models in tars of at most ~15 MB each, data in its own.
    groups, cur, cur_size = [], [], 0
    for e in listing:
        d = os.path.join(out, e['dir'])
        size = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(d) for f in fs)
        if cur and cur_size + size > 15_000_000:
            groups.append(cur)
            cur, cur_size = [], 0
        cur.append(e['dir'])
        cur_size += size
    if cur:
        groups.append(cur)
    for i, g in enumerate(groups):
        pack(args.pack_dir, f'zoo{i + 1}.tar', out, g)
    pack(args.pack_dir, 'zoo_data.tar', out, ['fixtures/zoo/models.json', 'data'])
    print(f'all done in {time.time() - t_start:.0f}s', flush=True)


if __name__ == '__main__':
    main()

#!/usr/bin/env python3
"""Split the public GovReport texts into zoo training / proxy / haystack sets and gather code text.

Runs here on the CPU with /usr/bin/python3 (standard library only). Writes a git-ignored folder that is carried to
the GPU machine, and the committed record of the split:
    .device-carry/zoo-data/split.json        document ids of each split (the same as data/zoo_split.json)
    .device-carry/zoo-data/govreport.jsonl   the GovReport records (a copy of ../shared/data/govreport/...)
    .device-carry/zoo-data/code.jsonl        Python 3.11 standard-library sources (PSF licence), code-heavy mix
    data/zoo_split.json
Deterministic: the same inputs give byte-identical files.
"""
import argparse
import hashlib
import json
import os
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GOVREPORT = os.path.join(ROOT, '..', 'shared', 'data', 'govreport', 'govreport_public_125.jsonl')
CODE_DIR = '/usr/lib/python3.11'
N_PROXY = 12
N_HAYSTACK = 12
# Held-out documents must still hold 4096 zoo tokens after cutting; the zoo's 2048-token vocabulary spends fewer
# characters per token than Llama-2's, so 4096 Llama-2 tokens leave a margin.
MIN_LLAMA2_TOKENS_HELD_OUT = 4096
CODE_BYTES = 3_000_000


def doc_id(rec):
    return f"{rec['repo']}:{rec['path']}#{rec['index']}"


def stable_key(s):
    return hashlib.sha256(s.encode()).hexdigest()


def make_split(recs):
    """Held-out documents in a fixed pseudo-random order (a hash of the id, not the source files' order)."""
    long_docs = sorted((r for r in recs if r['llama2_tokens'] >= MIN_LLAMA2_TOKENS_HELD_OUT), key=lambda r: stable_key(doc_id(r)))
    if len(long_docs) < N_PROXY + N_HAYSTACK:
        raise ValueError(f'only {len(long_docs)} documents have >= {MIN_LLAMA2_TOKENS_HELD_OUT} Llama-2 tokens; '
                         f'need {N_PROXY + N_HAYSTACK} (fix: lower N_PROXY/N_HAYSTACK in scripts/models/prepare_data.py)')
    proxy = [doc_id(r) for r in long_docs[:N_PROXY]]
    haystack = [doc_id(r) for r in long_docs[N_PROXY:N_PROXY + N_HAYSTACK]]
    held = set(proxy) | set(haystack)
    train = sorted(doc_id(r) for r in recs if doc_id(r) not in held)
    return {'source': 'shared/data/govreport/govreport_public_125.jsonl', 'proxy': proxy, 'haystack': haystack,
            'train': train}


def code_records(code_dir, limit):
    out, total = [], 0
    for name in sorted(os.listdir(code_dir)):
        if not name.endswith('.py') or total >= limit:
            continue
        with open(os.path.join(code_dir, name), encoding='utf-8', errors='replace') as f:
            text = f.read()
        out.append({'id': f'python3.11-stdlib:{name}', 'text': text})
        total += len(text.encode())
    return out, total


def write_atomic(path, text):
    tmp = path + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        f.write(text)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default=os.path.join(ROOT, '.device-carry', 'zoo-data'))
    args = ap.parse_args()
    if not os.path.exists(GOVREPORT):
        sys.exit(f'prepare_data: {GOVREPORT} not found; fix: run from a checkout with ../shared/data/govreport beside it')
    with open(GOVREPORT, encoding='utf-8') as f:
        recs = [json.loads(line) for line in f]
    ids = [doc_id(r) for r in recs]
    if len(set(ids)) != len(ids):
        sys.exit(f'prepare_data: {GOVREPORT}: repeated (repo, path, index) ids; fix: deduplicate the file')
    split = make_split(recs)
    os.makedirs(args.out, exist_ok=True)
    split_text = json.dumps(split, indent=1) + '\n'
    write_atomic(os.path.join(args.out, 'split.json'), split_text)
    write_atomic(os.path.join(ROOT, 'data', 'zoo_split.json'), split_text)
    shutil.copyfile(GOVREPORT, os.path.join(args.out, 'govreport.jsonl'))
    code, total = code_records(CODE_DIR, CODE_BYTES)
    write_atomic(os.path.join(args.out, 'code.jsonl'), ''.join(json.dumps(c) + '\n' for c in code))
    print(f'train {len(split["train"])} docs, proxy {len(split["proxy"])}, haystack {len(split["haystack"])}, '
          f'code {len(code)} files {total} bytes -> {args.out}')


if __name__ == '__main__':
    main()

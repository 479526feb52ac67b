#!/usr/bin/env python3
"""Split the public GovReport texts into zoo training / proxy / haystack sets and gather code text.

Runs here (CPU, standard library only). Writes into a git-ignored folder that travels to the GPU machine:
    .device-carry/zoo-data/split.json        ids of the documents of each split (also committed as data/zoo_split.json)
    .device-carry/zoo-data/govreport.jsonl   the GovReport records (copied from ../shared)
    .device-carry/zoo-data/code.jsonl        Python standard-library sources (PSF licence) for the code-heavy mix
Deterministic: same inputs give the same files.
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
# Documents long enough that 4096 zoo tokens (vocabulary 1024: fewer characters per token than Llama-2's) fit.
MIN_LLAMA2_TOKENS_LONG = 4000
CODE_BYTES = 3_000_000


def doc_id(rec):
    return f"{rec['repo']}:{rec['path']}#{rec['index']}"


def stable_key(s):
    return hashlib.sha256(s.encode()).hexdigest()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default=os.path.join(ROOT, '.device-carry', 'zoo-data'))
    args = ap.parse_args()
    if not os.path.exists(GOVREPORT):
        sys.exit(f'prepare_data: {GOVREPORT} not found; fix: run from a checkout with ../shared beside it')
    recs = [json.loads(line) for line in open(GOVREPORT, encoding='utf-8')]
    # Order by a hash of the id: a fixed pseudo-random order that does not follow the source files' order.
    long_docs = sorted((r for r in recs if r['llama2_tokens'] >= MIN_LLAMA2_TOKENS_LONG), key=lambda r: stable_key(doc_id(r)))
    proxy = [doc_id(r) for r in long_docs[:N_PROXY]]
    haystack = [doc_id(r) for r in long_docs[N_PROXY:N_PROXY + N_HAYSTACK]]
    held = set(proxy) | set(haystack)
    train = sorted(doc_id(r) for r in recs if doc_id(r) not in held)
    split = {'source': 'shared/data/govreport/govreport_public_125.jsonl', 'proxy': proxy, 'haystack': haystack, 'train': train}

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, 'split.json'), 'w') as f:
        json.dump(split, f, indent=1)
    shutil.copyfile(GOVREPORT, os.path.join(args.out, 'govreport.jsonl'))
    with open(os.path.join(ROOT, 'data', 'zoo_split.json'), 'w') as f:
        json.dump(split, f, indent=1)
        f.write('\n')

    total = 0
    with open(os.path.join(args.out, 'code.jsonl'), 'w', encoding='utf-8') as f:
        for name in sorted(os.listdir(CODE_DIR)):
            if not name.endswith('.py') or total >= CODE_BYTES:
                continue
            text = open(os.path.join(CODE_DIR, name), encoding='utf-8', errors='replace').read()
            f.write(json.dumps({'id': f'python3.11-stdlib:{name}', 'text': text}) + '\n')
            total += len(text.encode())
    print(f'train {len(train)} docs, proxy {len(proxy)}, haystack {len(haystack)}, code {total} bytes -> {args.out}')


if __name__ == '__main__':
    main()

#!/usr/bin/env python3
"""Checks of the pure parts of the zoo builder (no GPU, no transformers): training sequences have the requested
length, episodes put their questions after their facts, answers copy the fact's value, seeds reproduce, the data
split is disjoint. Run: /usr/bin/python3 scripts/models/test_episodes.py (also run by scripts/models/pure.test.ts)."""
import json
import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import episodes  # noqa: E402
import prepare_data  # noqa: E402


def encode(text):  # character-level stand-in tokenizer: one token per byte
    return np.frombuffer(text.encode('utf-8'), dtype=np.uint8).astype(np.int64)


def piece(i):
    return chr(i)


def decode(ids):
    return bytes(int(i) for i in ids).decode('utf-8', errors='replace')


PROSE = encode(' '.join(f'The agency reported {i * 7} cases in region {i % 13}.' for i in range(4000)))
CODE = encode('\n'.join(f'def f{i}(x):\n    return x + {i}' for i in range(3000)))
FACTS = [encode(' ' + s) for s in ('In fiscal year 2015 the office processed 48,210 claims from veterans.',
                                   'The department spent about $3.5 billion on the program that year.')]


def source(mix='prose', seed=1):
    return episodes.SeqSource(encode, piece, PROSE, CODE, mix, seed, FACTS)


class EpisodeTests(unittest.TestCase):
    def test_lengths(self):
        src = source()
        for n in (256, 512, 4096):
            b, w = src.batch(4, n + 1)
            self.assertEqual(b.shape, (4, n + 1))
            self.assertEqual(w.shape, (4, n + 1))

    def test_seed_reproduces(self):
        a = source(seed=7).batch(3, 1025)[0]
        b = source(seed=7).batch(3, 1025)[0]
        c = source(seed=8).batch(3, 1025)[0]
        self.assertTrue((a == b).all())
        self.assertFalse((a == c).all())

    def test_needle_answer_follows_fact(self):
        src = source()
        for _ in range(50):
            early, late = src.needle_episode()
            facts = [decode(x) for x in early]
            ids, w = late[0]
            answer = decode(ids)
            weighted = decode(ids[w > 1])  # the answer tokens carry the answer weight: exactly the values
            self.assertEqual(weighted.split(), [f.strip().rstrip('.').split(' ')[-1] for f in facts])
            for f in facts:
                value = f.strip().rstrip('.').split(' ')[-1]
                self.assertIn(value, answer)

    def test_vt_trace(self):
        src = source()
        early, late = src.vt_episode()
        ids, w = late[0]
        text = decode(ids)
        names = [decode(x).split()[1] for x in early]
        self.assertEqual(decode(ids[w > 1]).split(), names[-2::-1] + [decode(early[0]).split()[-1].rstrip('.')])
        first = decode(early[0]).strip()  # "VAR ABCDE = 12345."
        self.assertTrue(text.rstrip().endswith(first))
        self.assertIn('Trace its assignments back to the number.\nAnswer: VAR ', text)

    def test_fact_split_skips_years(self):
        src = source()
        figs = [decode(ids[s:e]).strip() for ids, s, e in src.facts]
        self.assertEqual(figs, ['3.5'])  # the first sentence's first figure is a year: skipped

    def test_structured_places_questions_after_facts(self):
        src = source(seed=3)
        for _ in range(20):
            ids, w = src.structured(4096)
            self.assertEqual(len(ids), len(w))
            text = decode(ids)
            for q in text.split('Question: What is the special magic number for ')[1:]:
                key = q.split(' ')[0]
                # the statement appears before the question (unless the sequence was cut at its end)
                self.assertIn(f'number for {key} is', text.split('Question: What is the special magic number for ' + key)[0])

    def test_kv_document(self):
        ids, w = source().kv_document(2048)
        self.assertEqual(w.shape, ids.shape)
        text = decode(ids)
        self.assertTrue(text.startswith(episodes.KV_HEADER))
        for q in text.split('Question: What is the value of the key "')[1:-1]:
            key = q.split('"')[0]
            answer = q.split('Answer:\n"' + key + '": "')[1][:8]
            self.assertIn(f'"{key}": "{answer}",', text)

    def test_lm_mix_has_no_episodes(self):
        ids, w = source('lm').batch(8, 2048)
        self.assertNotIn('Question:', decode(ids.ravel()))
        self.assertTrue((w == 1).all())


class SplitTests(unittest.TestCase):
    def test_split_disjoint_and_committed(self):
        root = prepare_data.ROOT
        with open(os.path.join(root, 'data', 'zoo_split.json')) as f:
            split = json.load(f)
        sets = [set(split[k]) for k in ('train', 'proxy', 'haystack')]
        self.assertEqual(sum(len(s) for s in sets), len(set().union(*sets)))
        if os.path.exists(prepare_data.GOVREPORT):
            with open(prepare_data.GOVREPORT) as f:
                recs = [json.loads(line) for line in f]
            self.assertEqual(prepare_data.make_split(recs), split)


if __name__ == '__main__':
    unittest.main(verbosity=1)

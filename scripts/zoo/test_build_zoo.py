#!/usr/bin/env python3
"""Checks of the zoo builder's pure parts on the CPU (no GPU, no transformers, no tokenizers): training sequences
have the requested length and reproduce from their seed, episodes weight exactly the tokens only retrieval can
predict, the plain mix has none, packing fills the sequence, the RoPE checks accept each recipe's change and refuse
a wrong one, and the committed data split is disjoint and what prepare_data.py makes.
Run: /usr/bin/python3 scripts/zoo/test_build_zoo.py (also run by scripts/zoo/build_zoo.test.ts)."""
import json
import os
import sys
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.append(os.path.join(os.path.dirname(HERE), 'models'))  # prepare_data.py
import build_zoo as bz  # noqa: E402
import prepare_data  # noqa: E402
from smoke import SMOKE_SIZE, ByteTokenizer  # noqa: E402

TOK = ByteTokenizer()
PROSE = np.concatenate([bz.encode(TOK, f' The agency reported {i * 7} cases in region {i % 13}.') for i in range(3000)])
CODE = np.concatenate([bz.encode(TOK, f'def f{i}(x):\n    return x + {i}\n') for i in range(2000)])


def decode(ids):
    return bytes(int(i) for i in ids if i < 256).decode('utf-8', errors='replace')


def source(mix='prose', seed=1, **kw):
    return bz.SeqSource(TOK, PROSE, CODE, mix, seed, **kw)


class SeqSourceTests(unittest.TestCase):
    def test_lengths(self):
        for kw in ({}, {'packed': True}, {'tasks': True}):
            for n in (257, 1025):
                x, w = source(**kw).batch(3, n)
                self.assertEqual(tuple(x.shape), (3, n))
                self.assertEqual(tuple(w.shape), (3, n))

    def test_seed_reproduces(self):
        a = source(seed=7).batch(3, 1025)[0]
        b = source(seed=7).batch(3, 1025)[0]
        c = source(seed=8).batch(3, 1025)[0]
        self.assertTrue((a == b).all())
        self.assertFalse((a == c).all())

    def test_fact_answer_is_weighted(self):
        src = source()
        for _ in range(50):
            early, late = src.fact_episode()
            stated = decode(early[0][0])
            ids, w = late[0]
            value = decode(ids[w > 1]).strip()
            self.assertTrue(value and stated.rstrip('.').endswith(' ' + value), (stated, value))
            self.assertTrue((w[w > 1] == bz.ANSWER_WEIGHT).all())

    def test_vt_trace_ends_at_the_number(self):
        early, late = source().vt_episode()
        ids, w = late[0]
        first = decode(early[0][0]).strip()  # "VAR ABCDE = 12345."
        self.assertTrue(decode(ids[w > 1]).strip().endswith(first.rstrip('.')))

    def test_lm_mix_has_no_episodes(self):
        x, w = source('lm').batch(8, 2049)
        self.assertNotIn('Question:', decode(x.numpy().ravel()))
        self.assertTrue((w == 1).all())

    def test_task_episodes_only_with_tasks(self):
        plain = decode(source(seed=3).batch(16, 4097)[0].numpy().ravel())
        tasks = decode(source(seed=3, tasks=True).batch(16, 4097)[0].numpy().ravel())
        self.assertNotIn('What are all the', plain)
        self.assertIn('What are all the', tasks)


class RopeTests(unittest.TestCase):
    def test_each_recipe_change_passes_its_check_and_a_wrong_one_fails(self):
        for rope in (None, ('linear', 8.0), ('ntk', 8.0), ('yarn', 4.0)):
            model, _ = bz.make_model(SMOKE_SIZE, rope, vocab=TOK.get_vocab_size())
            bz.check_rope(model, None, rope, SMOKE_SIZE)
        model, _ = bz.make_model(SMOKE_SIZE, ('linear', 8.0), vocab=TOK.get_vocab_size())
        with self.assertRaises(AssertionError):
            bz.check_rope(model, None, ('linear', 4.0), SMOKE_SIZE)


class SplitTests(unittest.TestCase):
    def test_split_disjoint_and_committed(self):
        with open(os.path.join(prepare_data.ROOT, 'data', 'zoo_split.json')) as f:
            split = json.load(f)
        sets = [set(split[k]) for k in ('train', 'proxy', 'haystack')]
        self.assertEqual(sum(len(s) for s in sets), len(set().union(*sets)))
        if os.path.exists(prepare_data.GOVREPORT):
            with open(prepare_data.GOVREPORT) as f:
                recs = [json.loads(line) for line in f]
            self.assertEqual(prepare_data.make_split(recs), split)


if __name__ == '__main__':
    unittest.main(verbosity=0)

"""Unit tests of the RoPE policies (rope.py) with torch alone: the frozen NTK base against the LCEG formula, the
dynamic base against values measured with transformers 5.17 (DESIGN.md), the config handed to transformers, the
positions each policy reaches, and that a length-dependent RoPE never shares a prefix forward (plan.py).
Run: /usr/bin/python3 -m unittest discover -s harness/engine/torch_worker -p 'test_*.py'"""
import math
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import torch  # noqa: E402

from make_test_model import random_weights  # noqa: E402
from native import NativeDecoder  # noqa: E402
from plan import Forward, Head, planned_runs, run_plan, shared_prefix_sources  # noqa: E402
from rope import (dynamic_inv_freq, is_length_dependent, max_positions, ntk_base, policy_inv_freq,  # noqa: E402
                  rope_tables, transformers_config)

LLAMA2 = {"model_type": "llama", "hidden_size": 4096, "num_attention_heads": 32, "max_position_embeddings": 4096,
          "rope_theta": 10000.0}


def frozen(f, L, M=4096):
    return {"kind": "ntk-frozen", "factor": f, "trainingLength": L, "originalMax": M}


def formula_inv_freq(f, L, d, base=10000.0):
    """LCEG's frozen base, written out independently in float64: base' = 10000 (f L / 4096 - (f - 1))^(d/(d-2))."""
    b = base * (f * L / 4096 - (f - 1)) ** (d / (d - 2))
    return torch.tensor([1.0 / b ** (2 * i / d) for i in range(d // 2)], dtype=torch.float64)


class FrozenNtk(unittest.TestCase):
    def test_inv_freq_equals_the_formula_for_32k_and_64k(self):
        for f, L in ((4, 32768), (8, 65536)):
            cfg = {**LLAMA2, "rope_scaling": {"type": "dynamic", "factor": f}}
            got, scale = policy_inv_freq(cfg, frozen(f, L))
            want = formula_inv_freq(f, L, 128)
            self.assertEqual(scale, 1.0)
            self.assertEqual(got.shape, (64,))
            self.assertLess(((got.double() - want) / want).abs().max().item(), 1e-6, (f, L))
            # not the plain Llama-2 frequencies: the base moved
            self.assertGreater((got.double() - formula_inv_freq(1, 4096, 128)).abs().max().item(), 1e-3)

    def test_base_values(self):
        self.assertAlmostEqual(ntk_base(10000, 4, 32768, 4096, 128) / 10000, 29 ** (128 / 126), places=9)
        self.assertAlmostEqual(ntk_base(10000, 8, 65536, 4096, 128) / 10000, 121 ** (128 / 126), places=9)

    def test_dynamic_base_matches_transformers_measured_on_the_gpu_machine(self):
        # DESIGN.md: transformers 5.17, head dim 32, factor 4: base 10000 at 1024 tokens, 20946 at 5120, 362987 at 32768
        cfg = {"model_type": "llama", "hidden_size": 128, "num_attention_heads": 4, "max_position_embeddings": 4096,
               "rope_theta": 10000.0, "rope_scaling": {"type": "dynamic", "factor": 4}}
        pol = {"kind": "transformers-dynamic", "factor": 4, "trainingLength": 32768, "originalMax": 4096}
        for n, base in ((1024, 10000), (5120, 20946), (32768, 362987)):
            got = dynamic_inv_freq(cfg, pol, n)
            implied = 1.0 / got[1].item() ** (32 / 2)  # inv_freq[1] = base^(-2/32)
            self.assertLess(abs(implied - base) / base, 1e-4, n)
        # at the training length the dynamic base is the frozen one
        self.assertTrue(torch.allclose(dynamic_inv_freq(cfg, pol, 32768), policy_inv_freq(cfg, {**pol, "kind": "ntk-frozen"})[0]))


class TransformersConfig(unittest.TestCase):
    def test_ntk_frozen_becomes_default_rope_with_the_frozen_theta(self):
        cfg = {**LLAMA2, "rope_scaling": {"type": "dynamic", "factor": 4}}
        out = transformers_config(cfg, frozen(4, 32768))
        self.assertNotIn("rope_scaling", out)
        self.assertEqual(out["rope_parameters"]["rope_type"], "default")
        self.assertAlmostEqual(out["rope_theta"], ntk_base(10000, 4, 32768, 4096, 128))
        self.assertEqual(out["rope_parameters"]["rope_theta"], out["rope_theta"])
        # the derived config, read as written, gives the policy's frequencies
        self.assertTrue(torch.equal(rope_tables(out)[0], policy_inv_freq(cfg, frozen(4, 32768))[0]))
        self.assertEqual(cfg["rope_scaling"], {"type": "dynamic", "factor": 4}, "the input is not modified")

    def test_transformers_5_format_is_handled(self):
        cfg = {**LLAMA2, "rope_parameters": {"rope_type": "dynamic", "factor": 8, "rope_theta": 10000.0}}
        out = transformers_config(cfg, frozen(8, 65536))
        self.assertAlmostEqual(out["rope_parameters"]["rope_theta"], ntk_base(10000, 8, 65536, 4096, 128))

    def test_as_config_and_linear_leave_the_config_alone_and_linear_is_checked(self):
        cfg = {**LLAMA2, "rope_scaling": {"type": "linear", "factor": 8.0}}
        self.assertEqual(transformers_config(cfg, None), cfg)
        self.assertEqual(transformers_config(cfg, {"kind": "linear", "factor": 8}), cfg)
        with self.assertRaisesRegex(ValueError, "declares rope_type 'linear' factor 8.0"):
            transformers_config(cfg, {"kind": "linear", "factor": 4})
        with self.assertRaisesRegex(ValueError, "declares rope_type 'default'"):
            policy_inv_freq(LLAMA2, {"kind": "linear", "factor": 8})
        with self.assertRaisesRegex(ValueError, "trainingLength"):
            policy_inv_freq(LLAMA2, {"kind": "ntk-frozen", "factor": 4})
        with self.assertRaisesRegex(ValueError, "trainingLength 2048 is below originalMax 4096"):
            policy_inv_freq(LLAMA2, frozen(4, 2048))
        with self.assertRaisesRegex(ValueError, "kind 'yarn-ish'"):
            policy_inv_freq(LLAMA2, {"kind": "yarn-ish"})

    def test_linear_divides_the_default_frequencies(self):
        cfg = {**LLAMA2, "rope_scaling": {"type": "linear", "factor": 8.0}}
        self.assertTrue(torch.allclose(policy_inv_freq(cfg, {"kind": "linear", "factor": 8})[0],
                                       rope_tables(LLAMA2)[0] / 8))


class Reach(unittest.TestCase):
    def test_positions_each_policy_reaches(self):
        lin = {**LLAMA2, "rope_scaling": {"type": "linear", "factor": 8.0}}
        self.assertEqual(max_positions(lin, {"kind": "linear", "factor": 8}), 32768)
        self.assertEqual(max_positions(lin, None), 4096)  # as-config: the config's number, not extended
        self.assertEqual(max_positions(LLAMA2, frozen(8, 65536)), 65536)
        self.assertEqual(max_positions({**LLAMA2, "max_position_embeddings": 200000}, None), 200000)

    def test_length_dependence(self):
        dyn = {**LLAMA2, "rope_scaling": {"type": "dynamic", "factor": 4}}
        self.assertTrue(is_length_dependent(dyn, None))
        self.assertFalse(is_length_dependent(dyn, frozen(4, 32768)))
        self.assertTrue(is_length_dependent(LLAMA2, {"kind": "transformers-dynamic", "factor": 4,
                                                     "trainingLength": 32768, "originalMax": 4096}))
        self.assertFalse(is_length_dependent(LLAMA2, None))


def tiny_llama(seed=0, **extra):
    d, heads, kv, inter, layers, v = 32, 4, 2, 64, 2, 97
    cfg = {"model_type": "llama", "hidden_size": d, "intermediate_size": inter, "num_hidden_layers": layers,
           "num_attention_heads": heads, "num_key_value_heads": kv, "vocab_size": v, "max_position_embeddings": 16,
           "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "hidden_act": "silu", **extra}
    w = random_weights(d, heads, kv, inter, layers, v, seed, tied=False, qkv_bias=False)
    return cfg, w


DYN = {"kind": "transformers-dynamic", "factor": 4, "trainingLength": 128, "originalMax": 16}


class NativeDecoderPolicies(unittest.TestCase):
    def test_frozen_and_linear_tables_reach_the_decoder(self):
        cfg, w = tiny_llama(rope_scaling={"type": "dynamic", "factor": 4})
        dec = NativeDecoder(cfg, w, torch.device("cpu"), torch.float32, frozen(4, 128, 16))
        want = policy_inv_freq(cfg, frozen(4, 128, 16))[0]
        self.assertTrue(torch.equal(dec.inv_freq, want))
        self.assertFalse(dec.dynamic)
        cfg, w = tiny_llama(rope_scaling={"type": "linear", "factor": 8.0})
        dec = NativeDecoder(cfg, w, torch.device("cpu"), torch.float32, {"kind": "linear", "factor": 8})
        self.assertTrue(torch.allclose(dec.inv_freq, rope_tables({**cfg, "rope_scaling": None})[0] / 8))

    def test_dynamic_hidden_states_depend_on_the_forward_length(self):
        cfg, w = tiny_llama(rope_scaling={"type": "dynamic", "factor": 4})
        ids = torch.randint(0, 97, (1, 60), generator=torch.Generator().manual_seed(3))
        dyn = NativeDecoder(cfg, w, torch.device("cpu"), torch.float32, DYN)
        static = NativeDecoder(cfg, w, torch.device("cpu"), torch.float32, frozen(4, 128, 16))
        # static RoPE: a prefix forward equals the prefix of a longer one (what prefix sharing relies on)
        self.assertTrue(torch.allclose(static.hidden(ids[:, :40]), static.hidden(ids)[:, :40], atol=1e-5))
        # dynamic RoPE: beyond originalMax it does not
        self.assertGreater((dyn.hidden(ids[:, :40]) - dyn.hidden(ids)[:, :40]).abs().max().item(), 1e-3)
        # within originalMax dynamic is the default RoPE
        plain = NativeDecoder({**cfg, "rope_scaling": None}, w, torch.device("cpu"), torch.float32)
        self.assertTrue(torch.allclose(dyn.hidden(ids[:, :16]), plain.hidden(ids[:, :16]), atol=1e-5))

    def test_plan_never_shares_a_prefix_forward_under_dynamic_rope(self):
        cfg, w = tiny_llama(rope_scaling={"type": "dynamic", "factor": 4})
        dec = NativeDecoder(cfg, w, torch.device("cpu"), torch.float32, DYN)
        head = Head(dec.w["lm_head.weight"])
        n = 80
        ids = torch.randint(0, 97, (n,), generator=torch.Generator().manual_seed(4))
        plan = [Forward(0, n, 1, "long"), Forward(0, 40, 32, "32/8"), Forward(0, 48, 40, "40/8"),
                Forward(8, 48, 40, "32/8"), Forward(16, 56, 48, "32/8")]
        self.assertEqual(shared_prefix_sources(plan), {1: 0, 2: 0})  # static RoPE would derive them from the long pass
        runs = planned_runs(plan, length_dependent=True)
        self.assertEqual([(r.start, r.end, len(r.outs)) for r in runs], [(f.start, f.end, 1) for f in plan])
        out = run_plan(dec.hidden, head, ids, plan, False, None, torch.device("cpu"), length_dependent=True)
        self.assertEqual(out["tokensProcessed"], sum(f.end - f.start for f in plan))
        for f in plan:  # every forward as if run alone
            alone = run_plan(dec.hidden, head, ids, [f], False, None, torch.device("cpu"))
            a = out["logprob"][f.field][f.score_from:f.end]
            b = alone["logprob"][f.field][f.score_from:f.end]
            self.assertLess((a - b).abs().max().item(), 1e-4, f)
        shared = run_plan(dec.hidden, head, ids, plan, False, None, torch.device("cpu"))
        diff = (shared["logprob"]["32/8"][32:40] - out["logprob"]["32/8"][32:40]).abs().max().item()
        self.assertGreater(diff, 1e-4, "sharing the long pass would give other statistics under dynamic RoPE")
        self.assertFalse(math.isnan(diff))


if __name__ == "__main__":
    unittest.main()

"""Unit tests of the worker's pure parts with torch alone: chunked statistics against a full log-softmax, plan
execution (batched) against one forward at a time, out-of-memory retries, and the wire format.
Run: /usr/bin/python3 -m unittest discover -s harness/engine/torch_worker -p 'test_*.py'"""
import io
import json
import math
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from models import ToyLM, load_toy  # noqa: E402
from plan import Forward, Head, batches, parse_plan, run_plan, runs_of  # noqa: E402
from protocol import Channel, pack, unpack  # noqa: E402
from stats import OutOfMemory, chunked_stats  # noqa: E402
from worker import Worker  # noqa: E402


def full_reference(hidden, w, b, t):
    logits = (hidden.double() @ w.double().T + (0 if b is None else b.double()))
    logp = torch.log_softmax(logits, -1)
    lp = logp.gather(1, t.view(-1, 1)).squeeze(1)
    ent = -(logp.exp() * logp).sum(-1)
    top = (logits.argmax(-1) == t).to(torch.uint8)
    return lp, ent, top


class ChunkedStats(unittest.TestCase):
    def test_matches_full_log_softmax_for_every_chunk_size(self):
        g = torch.Generator().manual_seed(1)
        h, w, b = torch.randn(37, 16, generator=g), torch.randn(301, 16, generator=g), torch.randn(301, generator=g)
        t = torch.randint(0, 301, (37,), generator=g)
        t[:5] = (h[:5] @ w.T + b).argmax(-1)  # some top-1 hits
        rlp, rent, rtop = full_reference(h, w, b, t)
        for chunk in (1, 4, 36, 37, 1000):
            lp, ent, top, _ = chunked_stats(h, w, b, t, chunk)
            self.assertLess((lp.double() - rlp).abs().max().item(), 1e-4, chunk)
            self.assertLess((ent.double() - rent).abs().max().item(), 1e-4, chunk)
            self.assertTrue(torch.equal(top, rtop), chunk)
        self.assertEqual(int(top[:5].sum()), 5)

    def test_logprob_alone_is_the_same_logprob(self):
        # Short windows ask for the log-probability only: entropy and top-1 are skipped, logprob is bit for bit
        # what the full computation gives.
        g = torch.Generator().manual_seed(3)
        h, w = torch.randn(40, 8, generator=g), torch.randn(300, 8, generator=g)
        t = torch.randint(0, 300, (40,), generator=g)
        full, ent, top, _ = chunked_stats(h, w, None, t, 16)
        alone, no_ent, no_top, _ = chunked_stats(h, w, None, t, 16, want_entropy=False)
        self.assertTrue(torch.equal(full, alone))
        self.assertIsNone(no_ent)
        self.assertIsNone(no_top)
        self.assertIsNotNone(ent)

    def test_halves_the_chunk_on_out_of_memory_and_fails_clearly_at_one(self):
        import stats
        real = stats.chunk_stats
        g = torch.Generator().manual_seed(2)
        h, w = torch.randn(20, 8, generator=g), torch.randn(50, 8, generator=g)
        t = torch.randint(0, 50, (20,), generator=g)

        def limited(hh, *a, **k):
            if hh.shape[0] > 3:
                raise RuntimeError("CUDA out of memory. Tried to allocate 20.00 GiB")
            return real(hh, *a, **k)
        stats.chunk_stats = limited
        try:
            lp, _, _, used = chunked_stats(h, w, None, t, 16)
            self.assertEqual(used, 2)
            self.assertLess((lp.double() - full_reference(h, w, None, t)[0]).abs().max().item(), 1e-4)

            def never(*a, **k):
                raise RuntimeError("CUDA out of memory.")
            stats.chunk_stats = never
            with self.assertRaisesRegex(OutOfMemory, "one position at a time"):
                chunked_stats(h, w, None, t, 16)
        finally:
            stats.chunk_stats = real


def plan_4096_like(n, size, step):
    """A long pass and LongPPL-like short windows (reads [s, s+size+step), scores the last step)."""
    plan = [Forward(0, n, 1, "long")]
    for s in range(0, n - size, step):
        e = min(n, s + size + step)
        plan.append(Forward(s, e, s + size, f"{size}/{step}"))
    return plan


class PlanExecution(unittest.TestCase):
    def setUp(self):
        self.m = load_toy("toy:3:128", torch.device("cpu"))
        g = torch.Generator().manual_seed(4)
        self.ids = torch.randint(3, 259, (100,), generator=g)

    def one_by_one(self, plan, add_bos):
        return run_plan(self.m.forward_hidden, self.m.head, self.ids, plan, add_bos, 1, torch.device("cpu"),
                        batch_tokens=1, chunk=7)

    def test_batched_plan_equals_one_forward_at_a_time(self):
        for add_bos in (False, True):
            plan = plan_4096_like(100, 32, 8)
            if add_bos:
                plan[0] = Forward(0, 100, 0, "long")
            a = self.one_by_one(plan, add_bos)
            b = run_plan(self.m.forward_hidden, self.m.head, self.ids, plan, add_bos, 1, torch.device("cpu"),
                         batch_tokens=10_000, chunk=1000)
            self.assertGreater(len(batches(runs_of(plan), add_bos, 10_000)), 1)  # the short tail window has its own length
            for k in a["logprob"]:
                np.testing.assert_allclose(a["logprob"][k].numpy(), b["logprob"][k].numpy(), atol=1e-5, rtol=0)
            np.testing.assert_allclose(a["entropy"].numpy(), b["entropy"].numpy(), atol=1e-5, rtol=0)
            self.assertTrue(torch.equal(a["top1"], b["top1"]))
            self.assertEqual(a["tokensProcessed"], b["tokensProcessed"])

    def test_windows_of_two_specs_with_one_start_share_one_forward(self):
        from plan import planned_runs
        # windows 16/8 and 32/8 start at every multiple of 8: each start is one forward of the longer window
        plan = plan_4096_like(100, 16, 8) + plan_4096_like(100, 32, 8)[1:]
        runs = planned_runs(plan)
        starts = [f.start for f in plan[1:]]
        # one run per start: at 0 the long pass, which also answers both windows starting there
        self.assertEqual(len(runs), len(set(starts)))
        self.assertEqual([len(r.outs) for r in runs if r.start == 0], [1])
        self.assertTrue(any(len(r.outs) == 2 for r in runs))
        out = run_plan(self.m.forward_hidden, self.m.head, self.ids, plan, False, 1, torch.device("cpu"),
                       batch_tokens=10_000, chunk=13)
        # each planned forward on its own gives the same numbers at its scored positions
        for f in plan[1:]:
            alone = run_plan(self.m.forward_hidden, self.m.head, self.ids, [f], False, 1, torch.device("cpu"))
            np.testing.assert_allclose(out["logprob"][f.field][f.score_from:f.end].numpy(),
                                       alone["logprob"][f.field][f.score_from:f.end].numpy(), atol=1e-5, rtol=0)
            # the window's own entropy and top-1 flags (entry format 2), not the long pass's
            np.testing.assert_allclose(out["entropyShort"][f.field][f.score_from:f.end].numpy(),
                                       alone["entropyShort"][f.field][f.score_from:f.end].numpy(), atol=1e-5, rtol=0)
            self.assertTrue(torch.equal(out["top1Short"][f.field][f.score_from:f.end],
                                        alone["top1Short"][f.field][f.score_from:f.end]))
        self.assertGreater((out["entropyShort"]["16/8"][24:] - out["entropy"][24:]).abs().max().item(), 1e-4)
        self.assertEqual(sorted(out["entropyShort"]), ["16/8", "32/8"])
        # tokens through the model: the long pass once, each start once at its longest window
        self.assertEqual(out["tokensProcessed"], sum(r.end - r.start for r in runs))
        self.assertLess(out["tokensProcessed"], 100 + sum(f.end - f.start for f in plan[1:] if f.start > 0))

    def test_a_window_that_is_a_prefix_of_the_long_pass_is_not_run_again(self):
        from plan import shared_prefix_sources
        plan = plan_4096_like(100, 32, 8)
        self.assertEqual(shared_prefix_sources(plan), {1: 0})  # window [0, 40) is a prefix of the long pass
        out = run_plan(self.m.forward_hidden, self.m.head, self.ids, plan, False, 1, torch.device("cpu"))
        # derived from the long pass: the window's entropies and top-1 flags are the long pass's there
        self.assertTrue(torch.equal(out["entropyShort"]["32/8"][32:40], out["entropy"][32:40]))
        self.assertTrue(torch.equal(out["top1Short"]["32/8"][32:40], out["top1"][32:40]))
        # computed directly, the window gives the same numbers
        h = self.m.forward_hidden(self.ids[0:40].view(1, -1))[0]
        ref = torch.log_softmax(h[31:39] @ self.m.head.weight.T + self.m.head.bias, -1)
        ref = ref.gather(1, self.ids[32:40].view(-1, 1)).squeeze(1)
        self.assertLess((out["logprob"]["32/8"][32:40] - ref).abs().max().item(), 1e-5)
        self.assertEqual(out["tokensProcessed"], 100 + sum(f.end - f.start for f in plan[2:]))
        # a second long forward overlapping the window disqualifies the source
        plan2 = plan + [Forward(20, 60, 30, "long")]
        self.assertEqual(shared_prefix_sources(plan2), {})

    def test_scored_positions_and_values_match_a_direct_full_softmax(self):
        plan = plan_4096_like(100, 32, 8)
        out = run_plan(self.m.forward_hidden, self.m.head, self.ids, plan, False, 1, torch.device("cpu"))
        long = out["logprob"]["long"]
        self.assertTrue(math.isnan(long[0]))
        self.assertFalse(torch.isnan(long[1:]).any())
        h = self.m.forward_hidden(self.ids.view(1, -1))[0]
        ref, rent, _ = full_reference(h[:-1], self.m.head.weight, self.m.head.bias, self.ids[1:])
        self.assertLess((long[1:].double() - ref).abs().max().item(), 1e-4)
        self.assertLess((out["entropy"][1:].double() - rent).abs().max().item(), 1e-4)
        short = out["logprob"]["32/8"]
        self.assertTrue(torch.isnan(short[:32]).all())
        self.assertFalse(torch.isnan(short[32:]).any())
        # position 50 is scored by the window starting at 16 (reads ids[16:56]): context ids[16:50]
        h2 = self.m.forward_hidden(self.ids[16:56].view(1, -1))[0]
        ref2 = torch.log_softmax(h2[33] @ self.m.head.weight.T + self.m.head.bias, -1)[self.ids[50]]
        self.assertAlmostEqual(short[50].item(), ref2.item(), places=4)
        # windows differ from the long context once the long context is longer
        self.assertGreater((short[40:] - long[40:]).abs().max().item(), 1e-3)
        self.assertEqual(out["tokensProcessed"], 100 + sum(f.end - f.start for f in plan[2:]))

    def test_forward_oom_splits_the_batch_then_reports(self):
        calls = []

        def limited(x):
            calls.append(x.shape[0])
            if x.shape[0] > 1:
                raise RuntimeError("CUDA out of memory.")
            return self.m.forward_hidden(x)
        plan = plan_4096_like(100, 32, 8)
        a = run_plan(limited, self.m.head, self.ids, plan, False, 1, torch.device("cpu"), batch_tokens=10_000)
        b = self.one_by_one(plan, False)
        np.testing.assert_allclose(a["logprob"]["32/8"].numpy(), b["logprob"]["32/8"].numpy(), atol=1e-5)
        self.assertIn(1, calls)
        self.assertTrue(any(c > 1 for c in calls))

        def never(x):
            raise RuntimeError("CUDA out of memory.")
        with self.assertRaisesRegex(OutOfMemory, "lower contextLength"):
            run_plan(never, self.m.head, self.ids, plan, False, 1, torch.device("cpu"))

    def test_rejects_invalid_forwards(self):
        with self.assertRaisesRegex(ValueError, "plan\\[0\\]"):
            parse_plan([{"start": 0, "end": 10, "scoreFrom": 0, "field": "long"}], 10, False)
        with self.assertRaisesRegex(ValueError, "plan\\[0\\]"):
            parse_plan([{"start": 0, "end": 11, "scoreFrom": 1, "field": "long"}], 10, False)
        self.assertEqual(len(parse_plan([{"start": 0, "end": 10, "scoreFrom": 0, "field": "long"}], 10, True)), 1)


class WireFormat(unittest.TestCase):
    def test_arrays_round_trip_bit_for_bit(self):
        a = np.array([1.5, -0.0, np.nan, 3e-39, -1e30], dtype=np.float32)
        b = unpack(json.loads(json.dumps(pack(a, "f32"))))
        self.assertEqual(a.tobytes(), b.tobytes())
        self.assertEqual(unpack(pack([1, -2, 2**31 - 1], "i32")).tolist(), [1, -2, 2**31 - 1])

    def test_worker_answers_errors_without_dying(self):
        lines = [{"id": 1, "op": "tokenize", "text": "x"}, {"id": 2, "op": "nope"},
                 {"id": 3, "op": "load", "dir": "/no/such/folder", "modelId": "org/none"},
                 {"id": 4, "op": "load", "dir": "toy:0:16"}, {"id": 5, "op": "tokenize", "text": "é"}]
        out = io.StringIO()
        Worker(Channel(io.StringIO("".join(json.dumps(x) + "\n" for x in lines)), out)).serve()
        replies = [json.loads(x) for x in out.getvalue().splitlines()]
        self.assertEqual([r["id"] for r in replies], [1, 2, 3, 4, 5])
        self.assertIn("no model loaded", replies[0]["error"]["message"])
        self.assertIn("unknown op", replies[1]["error"]["message"])
        self.assertEqual(replies[2]["error"]["kind"], "missing_model")
        self.assertIn("/no/such/folder", replies[2]["error"]["message"])
        self.assertTrue(replies[3]["ok"])
        r = replies[4]["result"]
        self.assertEqual(unpack(r["byteStart"]).tolist(), [0, 1])
        self.assertEqual(unpack(r["byteEnd"]).tolist(), [1, 2])

    def test_one_worker_serves_model_after_model_and_unloads(self):
        """The fleet's reuse: a second load replaces the first model (freed), unload leaves none loaded."""
        ids = pack(np.arange(3, 40, dtype=np.int32), "i32")
        fwd = lambda i: {"id": i, "op": "forward", "ids": ids, "scoreFrom": 1}  # noqa: E731
        lines = [{"id": 1, "op": "load", "dir": "toy:1:64"}, fwd(2), {"id": 3, "op": "load", "dir": "toy:2:128"},
                 fwd(4), {"id": 5, "op": "unload"}, fwd(6), {"id": 7, "op": "load", "dir": "toy:1:64"}, fwd(8)]
        out = io.StringIO()
        Worker(Channel(io.StringIO("".join(json.dumps(x) + "\n" for x in lines)), out)).serve()
        r = {x["id"]: x for x in map(json.loads, out.getvalue().splitlines())}
        self.assertEqual((r[1]["result"]["maxPositions"], r[3]["result"]["maxPositions"]), (64, 128))
        lp = lambda i: unpack(r[i]["result"]["logprob"])  # noqa: E731
        self.assertNotEqual(lp(2).tobytes(), lp(4).tobytes())  # the second model answered
        self.assertIn("no model loaded", r[6]["error"]["message"])
        self.assertEqual(lp(2).tobytes(), lp(8).tobytes())  # reloading gives the same model again


class HFLoading(unittest.TestCase):
    def test_missing_folder_and_tokenizer_are_named(self):
        import tempfile
        from models import LoadError, load_hf
        with tempfile.TemporaryDirectory() as d:
            with self.assertRaises(LoadError) as e:
                load_hf(os.path.join(d, "absent"), None, torch.device("cpu"), None)
            self.assertEqual(e.exception.kind, "missing_model")
            open(os.path.join(d, "config.json"), "w").write("{}")
            with self.assertRaises(LoadError) as e:
                load_hf(d, None, torch.device("cpu"), None)
            self.assertEqual(e.exception.kind, "missing_tokenizer")
            self.assertIn("tokenizer.json", str(e.exception))


if __name__ == "__main__":
    unittest.main()


def write_safetensors(path, tensors, bf16=()):
    """Minimal writer for tests: F32, or BF16 (the top 16 bits of the float32) for names in bf16."""
    import struct
    header, blobs, off = {}, [], 0
    for name, t in tensors.items():
        a = t.detach().numpy().astype("<f4")
        if name in bf16:
            raw = (a.view("<u4") >> 16).astype("<u2").tobytes()
            dt = "BF16"
        else:
            raw, dt = a.tobytes(), "F32"
        header[name] = {"dtype": dt, "shape": list(a.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header).encode()
    with open(path, "wb") as fh:
        fh.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


class NativeBackend(unittest.TestCase):
    def test_safetensors_f32_and_bf16(self):
        import tempfile
        from native import read_safetensors
        g = torch.Generator().manual_seed(5)
        a, b = torch.randn(3, 4, generator=g), torch.randn(7, generator=g)
        with tempfile.TemporaryDirectory() as d:
            write_safetensors(os.path.join(d, "m.safetensors"), {"a": a, "b": b}, bf16={"b"})
            w = read_safetensors(os.path.join(d, "m.safetensors"))
        self.assertTrue(torch.equal(w["a"], a))
        self.assertLess((w["b"] - b).abs().max().item(), 1e-2 * b.abs().max().item())
        self.assertTrue(torch.equal(w["b"], b.to(torch.bfloat16).float()) or (w["b"] - b).abs().max() < 0.02)

    def test_loads_a_qwen2_folder_without_transformers_and_runs_plans(self):
        import tempfile
        from models import load_hf
        from native import NativeDecoder
        cfg = dict(model_type="qwen2", hidden_size=32, intermediate_size=48, num_hidden_layers=2,
                   num_attention_heads=4, num_key_value_heads=2, vocab_size=64, rms_norm_eps=1e-6,
                   rope_theta=10000.0, max_position_embeddings=128, bos_token_id=1, eos_token_id=2,
                   tie_word_embeddings=True)
        g = torch.Generator().manual_seed(6)
        r = lambda *s: torch.randn(*s, generator=g) * 0.2  # noqa: E731
        w = {"model.embed_tokens.weight": r(64, 32), "model.norm.weight": 1 + r(32)}
        for i in range(2):
            p = f"model.layers.{i}."
            w.update({p + "input_layernorm.weight": 1 + r(32), p + "post_attention_layernorm.weight": 1 + r(32),
                      p + "self_attn.q_proj.weight": r(32, 32), p + "self_attn.q_proj.bias": r(32),
                      p + "self_attn.k_proj.weight": r(16, 32), p + "self_attn.k_proj.bias": r(16),
                      p + "self_attn.v_proj.weight": r(16, 32), p + "self_attn.v_proj.bias": r(16),
                      p + "self_attn.o_proj.weight": r(32, 32), p + "mlp.gate_proj.weight": r(48, 32),
                      p + "mlp.up_proj.weight": r(48, 32), p + "mlp.down_proj.weight": r(32, 48)})
        with tempfile.TemporaryDirectory() as d:
            json.dump(cfg, open(os.path.join(d, "config.json"), "w"))
            open(os.path.join(d, "tokenizer.json"), "w").write("{}")
            write_safetensors(os.path.join(d, "model.safetensors"), w)
            try:
                import transformers  # noqa: F401
                os.environ["LONGPROXY_TORCH_BACKEND"] = "native"
            except ImportError:
                pass
            try:
                m = load_hf(d, None, torch.device("cpu"), None)
            finally:
                os.environ.pop("LONGPROXY_TORCH_BACKEND", None)
        self.assertEqual(m.attn, "native-eager")
        self.assertEqual((m.bos_id, m.eos_id, m.max_positions, m.vocab_size), (1, 2, 128, 64))
        ids = torch.randint(0, 64, (60,), generator=g)
        out = run_plan(m.forward_hidden, m.head, ids, plan_4096_like(60, 16, 8), False, 1, torch.device("cpu"))
        # the long pass against a direct full softmax of the same decoder, one position at a time context-wise:
        # position 30 from a forward over ids[:31] alone (causality: later tokens must not matter)
        dec = NativeDecoder(cfg, w, torch.device("cpu"), torch.float32)
        h = dec.hidden(ids[:31].view(1, -1))[0, 29]
        want = torch.log_softmax(h @ w["model.embed_tokens.weight"].T, -1)[ids[30]]
        self.assertAlmostEqual(out["logprob"]["long"][30].item(), want.item(), places=4)
        self.assertEqual(len(m.generate([3, 4, 5], 3)) <= 3, True)

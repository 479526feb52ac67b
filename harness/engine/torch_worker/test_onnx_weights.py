"""Unit tests of ONNX-only model folders (the zoo): weights mapped back from the graph to Hugging Face names
(onnx_weights.py), and RoPE tables as transformers computes them (rope.py), checked against the frequencies and
attention scaling that transformers 5 wrote into the zoo's exported graphs.
Run: /usr/bin/python3 -m unittest discover -s harness/engine/torch_worker -p 'test_*.py'"""
import builtins
import glob
import json
import math
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
ZOO = os.path.join(HERE, "..", "..", "..", "fixtures", "zoo")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from load_error import LoadError  # noqa: E402
from rope import rope_parameters, rope_tables  # noqa: E402

try:
    import onnx  # noqa: F401
    from onnx import TensorProto, helper, numpy_helper
    NO_ONNX = ""
except ImportError as err:
    NO_ONNX = f"python package onnx missing ({err}); apt-get install python3-onnx"

CFG = dict(model_type="qwen2", hidden_size=16, intermediate_size=24, num_hidden_layers=2, num_attention_heads=2,
           num_key_value_heads=1, vocab_size=40, max_position_embeddings=64, rms_norm_eps=1e-6,
           tie_word_embeddings=True, rope_parameters={"rope_type": "default", "rope_theta": 10000.0})
LINEAR = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


def random_weights(cfg, seed=0):
    from onnx_weights import expected_qwen2_names
    g = torch.Generator().manual_seed(seed)
    return {n: (torch.randn(*s, generator=g) * 0.3).half().float() for n, s in expected_qwen2_names(cfg).items()}


def write_export_like(path, weights, drop=()):
    """An ONNX file laid out as torch.onnx.export (TorchScript) writes a wrapped transformers model, after
    build_zoo.py's float16 storage: named initializers under the wrapper "m.", Linear weights as transposed
    anonymous MatMul inputs whose node names carry the module scope, a tied lm_head stored once more, and
    initializers of >= 256 elements as float16 + Cast. Only the weight layout matters here; the graph is not run."""
    inits, nodes, k = [], [], [900]

    def add(name, arr):
        arr = arr.numpy().astype(np.float32)
        if arr.size >= 256:
            inits.append(numpy_helper.from_array(arr.astype(np.float16), name + "__fp16"))
            nodes.append(helper.make_node("Cast", [name + "__fp16"], [name], to=TensorProto.FLOAT, name=name + "__cast"))
        else:
            inits.append(numpy_helper.from_array(arr, name))

    def matmul(scope, w):
        k[0] += 1
        name = f"onnx::MatMul_{k[0]}"
        add(name, w.T.contiguous())
        nodes.append(helper.make_node("MatMul", ["x", name], [f"/m/{scope}/MatMul_output_0"], name=f"/m/{scope}/MatMul"))

    for n, w in weights.items():
        if n in drop:
            continue
        parts = n.split(".")
        if parts[-1] == "weight" and parts[-2] in LINEAR:
            matmul("/".join(["model", f"layers.{parts[2]}"] + parts[3:-1]), w)
        else:
            add("m." + n, w)
    if "model.embed_tokens.weight" not in drop:
        matmul("lm_head", weights["model.embed_tokens.weight"])  # tied: exported as lm_head's MatMul weight
    graph = helper.make_graph(nodes, "export-like", [helper.make_tensor_value_info("x", TensorProto.FLOAT, None)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    onnx.save(helper.make_model(graph), path)


@unittest.skipIf(NO_ONNX, NO_ONNX)
class OnnxWeights(unittest.TestCase):
    def test_maps_every_weight_back_to_its_hugging_face_name_bit_for_bit(self):
        from onnx_weights import load_onnx_weights, read_onnx_state_dict
        w = random_weights(CFG)
        with tempfile.TemporaryDirectory() as d:
            f = os.path.join(d, "model.onnx")
            write_export_like(f, w)
            got = load_onnx_weights(f, CFG)
            raw = read_onnx_state_dict(f)
        self.assertEqual(sorted(got), sorted(w))
        for n in w:
            self.assertEqual(got[n].dtype, torch.float32, n)
            self.assertTrue(torch.equal(got[n], w[n]), n)  # float16 storage, transposed MatMul weights undone
        self.assertTrue(torch.equal(raw["lm_head.weight"], w["model.embed_tokens.weight"]))  # the tied copy

    def test_a_missing_weight_names_the_file_and_the_weight(self):
        from onnx_weights import load_onnx_weights
        with tempfile.TemporaryDirectory() as d:
            f = os.path.join(d, "model.onnx")
            write_export_like(f, random_weights(CFG), drop=("model.layers.1.mlp.up_proj.weight",))
            with self.assertRaises(LoadError) as e:
                load_onnx_weights(f, CFG)
        self.assertEqual(e.exception.kind, "missing_model")
        self.assertIn(f, str(e.exception))
        self.assertIn("model.layers.1.mlp.up_proj.weight", str(e.exception))

    def test_a_shape_that_contradicts_the_config_is_an_error(self):
        from onnx_weights import load_onnx_weights
        with tempfile.TemporaryDirectory() as d:
            f = os.path.join(d, "model.onnx")
            write_export_like(f, random_weights(CFG))
            with self.assertRaisesRegex(LoadError, "intermediate_size|shapes do not match"):
                load_onnx_weights(f, dict(CFG, intermediate_size=32))

    def test_an_untied_config_reads_lm_head_from_its_matmul(self):
        from onnx_weights import load_onnx_weights
        w = random_weights(CFG)
        with tempfile.TemporaryDirectory() as d:
            f = os.path.join(d, "model.onnx")
            write_export_like(f, w)
            sd = load_onnx_weights(f, dict(CFG, tie_word_embeddings=False))  # lm_head read from its MatMul
        self.assertTrue(torch.equal(sd["lm_head.weight"], w["model.embed_tokens.weight"]))

    def test_a_zoo_folder_loads_without_transformers_and_its_lm_head_is_the_embedding(self):
        from models import load_hf
        dirs = sorted(glob.glob(os.path.join(ZOO, "*", "onnx", "model.onnx")))
        if not dirs:
            self.skipTest("no zoo folder (fixtures/zoo/*/onnx/model.onnx)")
        folder = os.path.dirname(os.path.dirname(dirs[0]))
        os.environ["LONGPROXY_TORCH_BACKEND"] = "native"
        try:
            m = load_hf(folder, None, torch.device("cpu"), None)
        finally:
            os.environ.pop("LONGPROXY_TORCH_BACKEND", None)
        with open(os.path.join(folder, "config.json")) as fh:
            cfg = json.load(fh)
        self.assertEqual((m.attn, m.dtype, m.vocab_size, m.max_positions),
                         ("native-eager", "float32", cfg["vocab_size"], cfg["max_position_embeddings"]))
        ids = torch.arange(3, 40).view(1, -1)
        h = m.forward_hidden(ids)
        self.assertEqual(tuple(h.shape), (1, 37, cfg["hidden_size"]))
        # causal: the first 10 positions do not depend on what follows
        self.assertLess((m.forward_hidden(ids[:, :10]) - h[:, :10]).abs().max().item(), 1e-5)


def fake_transformers():
    """Stand-ins for transformers (AutoConfig, AutoModelForCausalLM) and tokenizers, with the module names and
    parameter layout of Qwen2ForCausalLM, so the transformers path of ONNX-only folders is exercised without it."""
    import types

    class Norm(torch.nn.Module):
        def __init__(self, d):
            super().__init__()
            self.weight = torch.nn.Parameter(torch.ones(d))

    class Rotary(torch.nn.Module):
        def __init__(self, hd):
            super().__init__()
            self.register_buffer("inv_freq", 1.0 / 1e4 ** (torch.arange(0, hd, 2).float() / hd), persistent=False)

    class Qwen2ForCausalLM(torch.nn.Module):
        base_model_prefix = "model"

        def __init__(self, cfg, extra=False):
            super().__init__()
            self.config = cfg
            d, h, kv = cfg.hidden_size, cfg.num_attention_heads, cfg.num_key_value_heads
            hd = d // h
            self.model = torch.nn.Module()
            self.model.embed_tokens = torch.nn.Embedding(cfg.vocab_size, d)
            self.model.layers = torch.nn.ModuleList()
            for _ in range(cfg.num_hidden_layers):
                layer = torch.nn.Module()
                layer.input_layernorm, layer.post_attention_layernorm = Norm(d), Norm(d)
                layer.self_attn = torch.nn.Module()
                for n, o, b in (("q_proj", h * hd, True), ("k_proj", kv * hd, True), ("v_proj", kv * hd, True)):
                    setattr(layer.self_attn, n, torch.nn.Linear(d, o, bias=b))
                layer.self_attn.o_proj = torch.nn.Linear(h * hd, d, bias=False)
                layer.mlp = torch.nn.Module()
                layer.mlp.gate_proj = torch.nn.Linear(d, cfg.intermediate_size, bias=False)
                layer.mlp.up_proj = torch.nn.Linear(d, cfg.intermediate_size, bias=False)
                layer.mlp.down_proj = torch.nn.Linear(cfg.intermediate_size, d, bias=False)
                self.model.layers.append(layer)
            self.model.norm = Norm(d)
            self.model.rotary_emb = Rotary(hd)
            if extra:
                self.model.extra = Norm(d)
            self.lm_head = torch.nn.Linear(d, cfg.vocab_size, bias=False)
            self.tie_weights()

        def tie_weights(self):
            self.lm_head.weight = self.model.embed_tokens.weight

        def get_output_embeddings(self):
            return self.lm_head

        def get_input_embeddings(self):
            return self.model.embed_tokens

    class AutoConfig:
        @staticmethod
        def from_pretrained(d, **kw):
            with open(os.path.join(d, "config.json")) as fh:
                return types.SimpleNamespace(**json.load(fh))

    class AutoModelForCausalLM:
        extra = False

        @classmethod
        def from_config(cls, cfg, attn_implementation=None):
            return Qwen2ForCausalLM(cfg, cls.extra)

    tf = types.ModuleType("transformers")
    tf.AutoConfig, tf.AutoModelForCausalLM, tf.__version__ = AutoConfig, AutoModelForCausalLM, "fake"
    tok = types.ModuleType("tokenizers")
    tok.Tokenizer = types.SimpleNamespace(from_file=lambda path: None)
    return tf, tok


@unittest.skipIf(NO_ONNX, NO_ONNX)
class TransformersPath(unittest.TestCase):
    def setUp(self):
        self.saved = {k: sys.modules.get(k) for k in ("transformers", "tokenizers")}
        self.tf, tok = fake_transformers()
        sys.modules.update(transformers=self.tf, tokenizers=tok)
        self.dir = tempfile.TemporaryDirectory()
        d = self.dir.name
        os.makedirs(os.path.join(d, "onnx"))
        with open(os.path.join(d, "config.json"), "w") as fh:
            json.dump(CFG, fh)
        with open(os.path.join(d, "tokenizer.json"), "w") as fh:
            fh.write("{}")
        self.w = random_weights(CFG, seed=3)
        write_export_like(os.path.join(d, "onnx", "model.onnx"), self.w)

    def tearDown(self):
        for k, v in self.saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
        self.dir.cleanup()

    def test_onnx_only_folder_builds_the_model_from_config_and_loads_every_weight(self):
        from models import load_hf
        m = load_hf(self.dir.name, None, torch.device("cpu"), "float32")
        self.assertEqual(m.attn, "sdpa")
        self.assertTrue(torch.equal(m.head.weight, self.w["model.embed_tokens.weight"]))  # tied
        self.assertEqual((m.vocab_size, m.max_positions), (40, 64))

    def test_bf16_casts_the_weights_but_keeps_the_rotary_frequencies_float32(self):
        from hf_onnx import hf_from_onnx
        model = hf_from_onnx(self.dir.name, CFG, torch.bfloat16, "sdpa")
        q = model.model.layers[1].self_attn.q_proj
        self.assertEqual(q.weight.dtype, torch.bfloat16)
        self.assertTrue(torch.equal(q.weight.float(), self.w["model.layers.1.self_attn.q_proj.weight"].bfloat16().float()))
        self.assertTrue(torch.equal(q.bias.float(), self.w["model.layers.1.self_attn.q_proj.bias"].bfloat16().float()))
        self.assertEqual(model.model.rotary_emb.inv_freq.dtype, torch.float32)

    def test_a_parameter_the_graph_lacks_is_named(self):
        from hf_onnx import hf_from_onnx
        self.tf.AutoModelForCausalLM.extra = True
        with self.assertRaises(LoadError) as e:
            hf_from_onnx(self.dir.name, CFG, torch.float32, "sdpa")
        self.assertIn("model.extra.weight", str(e.exception))
        self.assertIn(os.path.join(self.dir.name, "onnx", "model.onnx"), str(e.exception))


class MissingOnnxPackage(unittest.TestCase):
    def test_names_the_package_and_both_ways_to_install_it(self):
        import onnx_weights
        real = builtins.__import__

        def no_onnx(name, *a, **k):
            if name == "onnx" or name.startswith("onnx."):
                raise ImportError("No module named 'onnx'")
            return real(name, *a, **k)
        saved = {k: v for k, v in sys.modules.items() if k == "onnx" or k.startswith("onnx.")}
        for k in saved:
            del sys.modules[k]
        builtins.__import__ = no_onnx
        try:
            with self.assertRaises(LoadError) as e:
                onnx_weights.read_onnx_state_dict("/some/model/onnx/model.onnx")
        finally:
            builtins.__import__ = real
            sys.modules.update(saved)
        self.assertEqual(e.exception.kind, "missing_dependency")
        for part in ("/some/model/onnx/model.onnx", "apt-get install python3-onnx", "pip install onnx"):
            self.assertIn(part, str(e.exception))


def graph_rope(path):
    """(inverse frequencies, cos scaling) that the exporter froze into a zoo graph: the rotary_emb Expand's
    constant input and the constant of rotary_emb/Mul_1 (cos * attention_scaling)."""
    g = onnx.load(path).graph
    consts = {n.output[0]: numpy_helper.to_array(n.attribute[0].t) for n in g.node
              if n.op_type == "Constant" and n.attribute and n.attribute[0].name == "value"}
    expand = [n for n in g.node if n.name.endswith("/rotary_emb/Expand")]
    mul = [n for n in g.node if n.name.endswith("/rotary_emb/Mul_1")]
    if len(expand) != 1 or len(mul) != 1:
        raise AssertionError(f"{path}: rotary_emb/Expand and rotary_emb/Mul_1 not found once each: the export "
                             "layout changed, update graph_rope()")
    return consts[expand[0].input[0]].ravel(), float(consts[mul[0].input[1]])


class Rope(unittest.TestCase):
    def test_config_formats(self):
        self.assertEqual(rope_parameters({"rope_theta": 5e5})["rope_type"], "default")
        p = rope_parameters({"rope_theta": 1e4, "rope_scaling": {"type": "linear", "factor": 4.0}})
        self.assertEqual((p["rope_type"], p["factor"], p["rope_theta"]), ("linear", 4.0, 1e4))
        p = rope_parameters({"rope_parameters": {"full_attention": {"rope_type": "yarn", "factor": 2.0}}})
        self.assertEqual(p["rope_type"], "yarn")
        with self.assertRaisesRegex(ValueError, "differ between layer types"):
            rope_parameters({"rope_parameters": {"a": {"rope_theta": 1.0}, "b": {"rope_theta": 2.0}}})
        cfg = dict(hidden_size=64, num_attention_heads=2, max_position_embeddings=4096)
        with self.assertRaisesRegex(ValueError, "rope_type 'dynamic'"):
            rope_tables(dict(cfg, rope_parameters={"rope_type": "dynamic", "factor": 2.0, "rope_theta": 1e4}))
        with self.assertRaisesRegex(ValueError, "original_max_position_embeddings"):
            rope_tables(dict(cfg, rope_parameters={"rope_type": "yarn", "factor": 2.0, "rope_theta": 1e4}))

    def test_yarn_keeps_fast_dimensions_interpolates_slow_ones_and_scales_attention(self):
        cfg = dict(hidden_size=128, num_attention_heads=4, max_position_embeddings=4096,
                   rope_parameters={"rope_type": "yarn", "factor": 8.0, "rope_theta": 1e4,
                                    "original_max_position_embeddings": 512})
        inv, scale = rope_tables(cfg)
        base = 1.0 / 1e4 ** (torch.arange(0, 32, 2).double() / 32)
        # correction range for head_dim 32, base 1e4, 512 positions: floor(1.62) = 1 .. ceil(7.64) = 8
        np.testing.assert_allclose(inv[:2].double().numpy(), base[:2].numpy(), rtol=1e-6)
        np.testing.assert_allclose(inv[8:].double().numpy(), (base[8:] / 8).numpy(), rtol=1e-6)
        self.assertTrue(all(base[i] / 8 < inv[i] < base[i] for i in range(2, 8)))
        self.assertAlmostEqual(scale, 0.1 * math.log(8) + 1, places=12)
        no_trunc = rope_tables({**cfg, "rope_parameters": {**cfg["rope_parameters"], "truncate": False}})[0]
        self.assertFalse(torch.equal(no_trunc, inv))

    @unittest.skipIf(NO_ONNX, NO_ONNX)
    def test_every_zoo_graph_holds_the_frequencies_and_scaling_computed_here(self):
        files = sorted(glob.glob(os.path.join(ZOO, "*", "onnx", "model.onnx")))
        if not files:
            self.skipTest("no zoo folder (fixtures/zoo/*/onnx/model.onnx)")
        kinds = set()
        for f in files:
            with open(os.path.join(os.path.dirname(os.path.dirname(f)), "config.json")) as fh:
                cfg = json.load(fh)
            kinds.add(rope_parameters(cfg)["rope_type"])
            inv, scale = rope_tables(cfg)
            want_inv, want_scale = graph_rope(f)
            # bit-identical but for one float32 ulp of pow() at a non-integer base (torch versions differ)
            np.testing.assert_allclose(inv.numpy(), want_inv, rtol=1e-6, atol=0, err_msg=f)
            self.assertEqual(np.float32(scale), np.float32(want_scale), f)
        self.assertTrue({"default", "linear", "yarn"} <= kinds, kinds)


if __name__ == "__main__":
    unittest.main()

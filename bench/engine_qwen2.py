"""A hand-written Qwen2 / Llama decoder forward in PyTorch (CPU), for bench/engine.ts.

Debian's torch 1.13 has no `transformers`, so the model is written out here: RoPE (plain, linear or dynamic-NTK
scaling is NOT handled: the fixture uses plain RoPE), RMSNorm, grouped-query attention with Qwen2's q/k/v biases,
SwiGLU MLP. Weights come from `model.safetensors` in the model folder when present (parsed by hand: the format is
an 8-byte header length, a JSON header, raw little-endian arrays), else from the ONNX file's initializers whose
names are the Hugging Face parameter names.

  /usr/bin/python3 bench/engine_qwen2.py bench  --model DIR --tokens FILE.json --repeat R   -> JSON timings
  /usr/bin/python3 bench/engine_qwen2.py logprobs --model DIR --tokens FILE.json            -> JSON log-probs
  /usr/bin/python3 bench/engine_qwen2.py export-random --out DIR --tokenizer-dir DIR       -> throwaway model
FILE.json holds {"ids": [[...], ...]} (one list per forward).
"""
import argparse
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch

DTYPES = {"F32": np.float32, "F16": np.float16, "BF16": None, "I64": np.int64}


def read_safetensors(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        a, b = meta["data_offsets"]
        raw = data[a:b]
        if meta["dtype"] == "BF16":
            u16 = np.frombuffer(raw, dtype=np.uint16).astype(np.uint32) << 16
            arr = u16.view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype=DTYPES[meta["dtype"]]).astype(np.float32)
        out[name] = torch.from_numpy(arr.reshape(meta["shape"]).copy())
    return out


def _hf_name(name):
    """Drops a wrapper prefix ("m.model.norm.weight") and the float16-storage suffix ("__fp16")."""
    name = name[:-len("__fp16")] if name.endswith("__fp16") else name
    for root in ("model.", "lm_head."):
        i = name.find(root)
        if i == 0 or (i > 0 and name[i - 1] == "."):
            return name[i:]
    return None


def read_onnx_initializers(path):
    """Hugging Face parameter names from an ONNX export: initializers keep their names where the exporter used the
    parameter directly (embeddings, norms, biases); Linear weights become transposed, anonymous MatMul inputs
    ("onnx::MatMul_123"), named here from the MatMul node's module scope ("/model/layers.0/self_attn/q_proj/MatMul",
    possibly under a wrapper: "/m/model/..."). Cast nodes (float16-stored weights) are looked through."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(path)
    inits = {i.name: numpy_helper.to_array(i).astype(np.float32) for i in model.graph.initializer}
    source = {}  # value name -> initializer name, through Cast / Identity
    for node in model.graph.node:
        if node.op_type in ("Cast", "Identity") and node.input[0] in (inits.keys() | source.keys()):
            source[node.output[0]] = source.get(node.input[0], node.input[0])
    out = {}
    for name, a in inits.items():
        hf = _hf_name(name)
        if hf is not None:
            out[hf] = torch.from_numpy(a.copy())
    for node in model.graph.node:
        if node.op_type != "MatMul" or not node.name.endswith("/MatMul"):
            continue
        for value in node.input:
            init = source.get(value, value)
            if init in inits and _hf_name(init) is None:
                scope = node.name.strip("/").rsplit("/", 1)[0]
                for root in ("model/", "lm_head"):
                    i = scope.find(root)
                    if i > 0 and scope[i - 1] == "/":
                        scope = scope[i:]
                out[_param_name(scope)] = torch.from_numpy(inits[init].T.copy())
    return out


def _param_name(scope):
    """"model/layers.0/self_attn/q_proj" (a nested export) or "q_proj_1" (leaf scope with a call counter, as
    torch 1.13 writes for modules called from the root) -> "model.layers.N.self_attn.q_proj.weight"."""
    if scope.startswith(("model/", "lm_head")) and "/" in scope or scope == "lm_head":
        return scope.replace("/", ".") + ".weight"
    leaf, _, k = scope.rpartition("_") if scope.rsplit("_", 1)[-1].isdigit() else (scope, "", "0")
    group = "self_attn" if leaf in ("q_proj", "k_proj", "v_proj", "o_proj") else "mlp"
    return f"model.layers.{int(k)}.{group}.{leaf}.weight"


def load_weights(model_dir):
    st = os.path.join(model_dir, "model.safetensors")
    if os.path.exists(st):
        return read_safetensors(st), "safetensors"
    return read_onnx_initializers(os.path.join(model_dir, "onnx", "model.onnx")), "onnx-initializers"


def _holder(**children):
    m = torch.nn.Module()
    for k, v in children.items():
        setattr(m, k, v)
    return m


def _norm(h):
    return _holder(weight=torch.nn.Parameter(torch.ones(h)))


class Qwen2(torch.nn.Module):
    """Modules named as Hugging Face's Qwen2ForCausalLM (model.layers.N.self_attn.q_proj, ...), so a TorchScript
    ONNX export of it carries the same names and scopes as one of the real model."""

    def __init__(self, cfg, weights=None):
        super().__init__()
        self.cfg = cfg
        h, nh, v = cfg["hidden_size"], cfg["num_attention_heads"], cfg["vocab_size"]
        self.nh, self.nkv, self.hd = nh, cfg.get("num_key_value_heads", nh), cfg.get("head_dim", h // nh)
        self.eps = cfg.get("rms_norm_eps", 1e-6)
        self.theta = cfg.get("rope_theta", (cfg.get("rope_parameters") or {}).get("rope_theta", 10000.0))
        inter = cfg["intermediate_size"]
        lin = torch.nn.Linear
        layers = [_holder(
            input_layernorm=_norm(h), post_attention_layernorm=_norm(h),
            self_attn=_holder(q_proj=lin(h, nh * self.hd), k_proj=lin(h, self.nkv * self.hd),
                              v_proj=lin(h, self.nkv * self.hd), o_proj=lin(nh * self.hd, h, bias=False)),
            mlp=_holder(gate_proj=lin(h, inter, bias=False), up_proj=lin(h, inter, bias=False),
                        down_proj=lin(inter, h, bias=False)),
        ) for _ in range(cfg["num_hidden_layers"])]
        self.model = _holder(embed_tokens=torch.nn.Embedding(v, h), layers=torch.nn.ModuleList(layers), norm=_norm(h))
        self.lm_head = lin(h, v, bias=False)
        w = weights if weights is not None else self.random_weights(cfg)
        if "lm_head.weight" not in w:
            w = dict(w, **{"lm_head.weight": w["model.embed_tokens.weight"]})
        missing = set(self.state_dict()) - set(w)
        if missing:
            raise KeyError(f"weights lack {sorted(missing)[:4]}")
        self.load_state_dict({k: w[k] for k in self.state_dict()})
        self.w = {k: p for k, p in self.named_parameters()}

    @staticmethod
    def random_weights(cfg, seed=0):
        g = torch.Generator().manual_seed(seed)
        h, inter, v = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
        nh = cfg["num_attention_heads"]
        hd = h // nh
        nkv = cfg.get("num_key_value_heads", nh)
        r = lambda *s: torch.randn(*s, generator=g) * 0.08
        w = {"model.embed_tokens.weight": r(v, h), "model.norm.weight": torch.ones(h), "lm_head.weight": r(v, h)}
        for i in range(cfg["num_hidden_layers"]):
            p = f"model.layers.{i}."
            w.update({
                p + "input_layernorm.weight": 1 + r(h), p + "post_attention_layernorm.weight": 1 + r(h),
                p + "self_attn.q_proj.weight": r(nh * hd, h), p + "self_attn.q_proj.bias": r(nh * hd),
                p + "self_attn.k_proj.weight": r(nkv * hd, h), p + "self_attn.k_proj.bias": r(nkv * hd),
                p + "self_attn.v_proj.weight": r(nkv * hd, h), p + "self_attn.v_proj.bias": r(nkv * hd),
                p + "self_attn.o_proj.weight": r(h, nh * hd),
                p + "mlp.gate_proj.weight": r(inter, h), p + "mlp.up_proj.weight": r(inter, h),
                p + "mlp.down_proj.weight": r(h, inter),
            })
        return w

    def rms(self, x, weight):
        var = x.pow(2).mean(-1, keepdim=True)
        return x * torch.rsqrt(var + self.eps) * weight

    def linear(self, x, name):
        return self.get_submodule(name)(x)

    def forward(self, input_ids, attention_mask=None, position_ids=None):
        B, T = input_ids.shape
        if position_ids is None:
            position_ids = torch.arange(T).unsqueeze(0).expand(B, T)
        x = self.model.embed_tokens(input_ids)
        inv = 1.0 / torch.pow(torch.tensor(self.theta, dtype=torch.float32), torch.arange(0, self.hd, 2, dtype=torch.float32) / self.hd)
        freqs = position_ids.to(torch.float32).unsqueeze(-1) * inv  # B,T,hd/2
        emb = torch.cat([freqs, freqs], dim=-1)
        cos, sin = emb.cos().unsqueeze(1), emb.sin().unsqueeze(1)  # B,1,T,hd
        mask = torch.full((T, T), float("-inf"), dtype=torch.float32).triu(1)
        if attention_mask is not None:
            mask = mask + (1.0 - attention_mask[:, None, None, :].to(torch.float32)) * -1e9

        def rot(t):
            a, b = t[..., : self.hd // 2], t[..., self.hd // 2:]
            return torch.cat([-b, a], dim=-1)

        for i in range(self.cfg["num_hidden_layers"]):
            p = f"model.layers.{i}."
            hN = self.rms(x, self.w[p + "input_layernorm.weight"])
            q = self.linear(hN, p + "self_attn.q_proj").view(B, T, self.nh, self.hd).transpose(1, 2)
            k = self.linear(hN, p + "self_attn.k_proj").view(B, T, self.nkv, self.hd).transpose(1, 2)
            v = self.linear(hN, p + "self_attn.v_proj").view(B, T, self.nkv, self.hd).transpose(1, 2)
            q, k = q * cos + rot(q) * sin, k * cos + rot(k) * sin
            rep = self.nh // self.nkv
            k = k[:, :, None].expand(B, self.nkv, rep, T, self.hd).reshape(B, self.nh, T, self.hd)
            v = v[:, :, None].expand(B, self.nkv, rep, T, self.hd).reshape(B, self.nh, T, self.hd)
            att = (q @ k.transpose(-1, -2)) / math.sqrt(self.hd) + mask
            o = (att.softmax(-1) @ v).transpose(1, 2).reshape(B, T, self.nh * self.hd)
            x = x + self.linear(o, p + "self_attn.o_proj")
            hN = self.rms(x, self.w[p + "post_attention_layernorm.weight"])
            gate = torch.nn.functional.silu(self.linear(hN, p + "mlp.gate_proj"))
            x = x + self.linear(gate * self.linear(hN, p + "mlp.up_proj"), p + "mlp.down_proj")
        x = self.rms(x, self.w["model.norm.weight"])
        return self.lm_head(x)


def token_stats(logits, ids):
    """ln p(ids[i] | ids[:i]) for i >= 1, entropy and top-1 flag, from float32 logits (float64 reductions)."""
    lp = torch.log_softmax(logits[:-1].double(), dim=-1)
    target = torch.as_tensor(ids[1:], dtype=torch.long)
    logprob = lp.gather(-1, target[:, None])[:, 0]
    entropy = -(lp.exp() * lp).sum(-1)
    top1 = (lp.argmax(-1) == target).to(torch.uint8)
    return logprob, entropy, top1


def load_model(model_dir):
    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    weights, source = load_weights(model_dir)
    return Qwen2(cfg, weights), source


def cmd_bench(a):
    torch.set_num_threads(a.threads or os.cpu_count())
    model, source = load_model(a.model)
    ids = json.load(open(a.tokens))["ids"]
    times, logprobs = [], []
    with torch.inference_mode():
        # One warm-up forward, then timed repeats of all forwards with the same statistics as the ONNX engine.
        token_stats(model(torch.tensor([ids[0]]))[0], ids[0])
        for _ in range(a.repeat):
            t0 = time.perf_counter()
            logprobs = [token_stats(model(torch.tensor([seq]))[0], seq)[0] for seq in ids]
            times.append(time.perf_counter() - t0)
    json.dump({"weights": source, "torch": torch.__version__, "threads": torch.get_num_threads(),
               "seconds": times, "tokens_per_repeat": sum(len(s) for s in ids),
               "logprobs": [lp.tolist() for lp in logprobs]}, sys.stdout)


def cmd_logprobs(a):
    model, source = load_model(a.model)
    ids = json.load(open(a.tokens))["ids"]
    out = []
    with torch.inference_mode():
        for seq in ids:
            lp, ent, top = token_stats(model(torch.tensor([seq]))[0], seq)
            out.append({"logprob": lp.tolist(), "entropy": ent.tolist(), "top1": top.tolist()})
    json.dump({"weights": source, "results": out}, sys.stdout)


def cmd_export_random(a):
    """A throwaway random-weight model for smoke tests (never a fixture): config, tokenizer, onnx/model.onnx."""
    tok = json.load(open(os.path.join(a.tokenizer_dir, "tokenizer.json")))
    vocab = max(max(tok["model"]["vocab"].values()), max(t["id"] for t in tok.get("added_tokens", [{"id": 0}]))) + 1
    cfg = {"model_type": "qwen2", "architectures": ["Qwen2ForCausalLM"], "hidden_size": 32, "intermediate_size": 64,
           "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": vocab,
           "max_position_embeddings": 512, "rms_norm_eps": 1e-6, "rope_theta": 10000.0, "tie_word_embeddings": False,
           "torch_dtype": "float32", "use_cache": False, "bos_token_id": None, "eos_token_id": None}
    os.makedirs(os.path.join(a.out, "onnx"), exist_ok=True)
    model = Qwen2(cfg)
    for name in ["tokenizer.json", "tokenizer_config.json"]:
        with open(os.path.join(a.tokenizer_dir, name)) as f, open(os.path.join(a.out, name), "w") as g:
            g.write(f.read())
    json.dump(cfg, open(os.path.join(a.out, "config.json"), "w"), indent=1)
    ids = torch.tensor([[1, 2, 3, 4], [5, 6, 7, 8]])
    torch.onnx.export(model, (ids, torch.ones_like(ids), torch.arange(4)[None].expand(2, 4)), os.path.join(a.out, "onnx", "model.onnx"),
                      input_names=["input_ids", "attention_mask", "position_ids"], output_names=["logits"],
                      dynamic_axes={"input_ids": {0: "b", 1: "t"}, "attention_mask": {0: "b", 1: "t"},
                                    "position_ids": {0: "b", 1: "t"}, "logits": {0: "b", 1: "t"}}, opset_version=14)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("bench")
    b.add_argument("--model", required=True)
    b.add_argument("--tokens", required=True)
    b.add_argument("--repeat", type=int, default=3)
    b.add_argument("--threads", type=int, default=0)
    l = sub.add_parser("logprobs")
    l.add_argument("--model", required=True)
    l.add_argument("--tokens", required=True)
    e = sub.add_parser("export-random")
    e.add_argument("--out", required=True)
    e.add_argument("--tokenizer-dir", required=True)
    a = p.parse_args()
    {"bench": cmd_bench, "logprobs": cmd_logprobs, "export-random": cmd_export_random}[a.cmd](a)


if __name__ == "__main__":
    main()

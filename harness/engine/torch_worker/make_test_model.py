"""Writes a small random-weight decoder folder that both engines can load, for the parity tests: config.json, a
real tokenizer (tokenizer.json + tokenizer_config.json copied from --tokenizer-dir), model.safetensors (the torch
engine) and onnx/model.onnx exported from the same weights (the ONNX engine). Test material only, never a fixture.

/usr/bin/python3 harness/engine/torch_worker/make_test_model.py --out DIR --tokenizer-dir DIR --arch qwen2|llama [--seed S]
    [--max-positions N] [--rope-scaling JSON] [--no-onnx]
--rope-scaling writes a transformers-4 style rope_scaling, e.g. '{"type": "linear", "factor": 8}' (RoPE policy tests);
--no-onnx skips the ONNX export (torch engine only).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from native import NativeDecoder  # noqa: E402


def write_safetensors(path: str, tensors: dict[str, torch.Tensor]) -> None:
    header, blobs, off = {}, [], 0
    for name, t in sorted(tensors.items()):
        raw = t.detach().contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as fh:
        fh.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


class Export(torch.nn.Module):
    def __init__(self, dec: NativeDecoder):
        super().__init__()
        self.dec = dec

    def forward(self, input_ids, attention_mask, position_ids):
        h = self.dec.hidden(input_ids, position_ids, attention_mask)
        return torch.nn.functional.linear(h, self.dec.w["lm_head.weight"])


def random_weights(d: int, heads: int, kv: int, inter: int, layers: int, v: int, seed: int, tied: bool,
                   qkv_bias: bool) -> dict:
    """Random Llama/Qwen2 decoder weights under Hugging Face names (tied: no lm_head; qkv_bias: Qwen2's biases),
    large enough that predictions are peaked; drawn in a fixed order from one seeded generator."""
    g = torch.Generator().manual_seed(seed)
    r = lambda *s: torch.randn(*s, generator=g) * 0.5  # noqa: E731
    hd = d // heads
    w = {"model.embed_tokens.weight": r(v, d), "model.norm.weight": 1 + 0.1 * r(d)}
    if not tied:
        w["lm_head.weight"] = r(v, d)
    for i in range(layers):
        p = f"model.layers.{i}."
        w.update({p + "input_layernorm.weight": 1 + 0.1 * r(d), p + "post_attention_layernorm.weight": 1 + 0.1 * r(d),
                  p + "self_attn.q_proj.weight": r(heads * hd, d), p + "self_attn.k_proj.weight": r(kv * hd, d),
                  p + "self_attn.v_proj.weight": r(kv * hd, d), p + "self_attn.o_proj.weight": r(d, heads * hd),
                  p + "mlp.gate_proj.weight": r(inter, d), p + "mlp.up_proj.weight": r(inter, d),
                  p + "mlp.down_proj.weight": r(d, inter)})
        if qkv_bias:
            w.update({p + "self_attn.q_proj.bias": r(heads * hd), p + "self_attn.k_proj.bias": r(kv * hd),
                      p + "self_attn.v_proj.bias": r(kv * hd)})
    return w


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--tokenizer-dir", required=True)
    ap.add_argument("--arch", choices=["qwen2", "llama"], default="qwen2")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--hidden", type=int, default=32)
    ap.add_argument("--max-positions", type=int, default=1024)
    ap.add_argument("--rope-scaling", type=json.loads, default=None)
    ap.add_argument("--no-onnx", action="store_true")
    a = ap.parse_args()
    tok = json.load(open(os.path.join(a.tokenizer_dir, "tokenizer.json")))
    vocab = tok["model"]["vocab"]
    ids = vocab.values() if isinstance(vocab, dict) else range(len(vocab))
    v = max(max(ids), max((t["id"] for t in tok.get("added_tokens", [])), default=0)) + 1
    d, inter, layers, heads, kv = a.hidden, 2 * a.hidden, 2, 4, 2
    qwen = a.arch == "qwen2"
    cfg = {"model_type": a.arch, "architectures": ["Qwen2ForCausalLM" if qwen else "LlamaForCausalLM"],
           "hidden_size": d, "intermediate_size": inter, "num_hidden_layers": layers, "num_attention_heads": heads,
           "num_key_value_heads": kv, "vocab_size": v, "max_position_embeddings": a.max_positions, "rms_norm_eps": 1e-6,
           "rope_theta": 10000.0 if qwen else 10000.0, "tie_word_embeddings": qwen, "hidden_act": "silu",
           "torch_dtype": "float32", "use_cache": False, "attention_bias": False,
           "bos_token_id": None if qwen else 1, "eos_token_id": 151643 if qwen else 2}
    if a.rope_scaling is not None:
        cfg["rope_scaling"] = a.rope_scaling
    w = random_weights(d, heads, kv, inter, layers, v, a.seed, tied=qwen, qkv_bias=qwen)
    os.makedirs(a.out if a.no_onnx else os.path.join(a.out, "onnx"), exist_ok=True)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        if os.path.exists(os.path.join(a.tokenizer_dir, name)):
            shutil.copy(os.path.join(a.tokenizer_dir, name), os.path.join(a.out, name))
    json.dump(cfg, open(os.path.join(a.out, "config.json"), "w"), indent=1)
    write_safetensors(os.path.join(a.out, "model.safetensors"), w)
    if a.no_onnx:
        print(json.dumps({"out": a.out, "vocab": v, "arch": a.arch}))
        return
    dec = NativeDecoder(cfg, dict(w), torch.device("cpu"), torch.float32)
    x = torch.tensor([[1, 2, 3, 4], [5, 6, 7, 8]])
    torch.onnx.export(Export(dec), (x, torch.ones_like(x), torch.arange(4)[None].expand(2, 4)),
                      os.path.join(a.out, "onnx", "model.onnx"),
                      input_names=["input_ids", "attention_mask", "position_ids"], output_names=["logits"],
                      dynamic_axes={"input_ids": {0: "b", 1: "t"}, "attention_mask": {0: "b", 1: "t"},
                                    "position_ids": {0: "b", 1: "t"}, "logits": {0: "b", 1: "t"}}, opset_version=14)
    print(json.dumps({"out": a.out, "vocab": v, "arch": a.arch}))


if __name__ == "__main__":
    main()

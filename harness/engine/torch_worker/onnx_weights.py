"""Hugging Face state dicts from ONNX exports: for model folders that ship only onnx/model.onnx (the zoo).

The zoo's files are transformers' Qwen2ForCausalLM exported with torch.onnx.export (TorchScript exporter, opset 18,
the model wrapped in a module attribute `m`), then float32 initializers of >= 256 elements replaced by float16
initializers `<name>__fp16` with a Cast node back to `<name>` (scripts/zoo/build_zoo.py, export_onnx). In such a
graph
  - parameters used directly keep their names, under the wrapper: "m.model.embed_tokens.weight",
    "m.model.layers.0.self_attn.q_proj.bias", "m.model.norm.weight" (layer norms, biases, the embedding);
  - nn.Linear weights become anonymous, transposed MatMul inputs ("onnx::MatMul_961", [in, out]); the MatMul
    node's name carries the module scope: "/m/model/layers.0/self_attn/q_proj/MatMul", "/m/lm_head/MatMul";
  - a tied output projection is stored once more, as lm_head's MatMul weight (the embedding transposed).
Values are returned as float32 (the float16 values exactly). What a config needs but the file lacks raises
LoadError naming the file and the weight.
"""
from __future__ import annotations

import os
import re
import sys

import numpy as np
import torch

from load_error import LoadError

FP16_SUFFIX = "__fp16"
ROOTS = ("model.", "lm_head.")
_SCOPE = re.compile(r"(?:^|/)((?:model/.*)|lm_head)/MatMul(?:_\d+)?$")


def import_onnx(path: str):
    try:
        import onnx  # noqa: F401
        from onnx import numpy_helper  # noqa: F401
    except ImportError as err:
        raise LoadError("missing_dependency",
                        f"{path}: this model folder has its weights only in ONNX form, and reading them needs the "
                        f"python package 'onnx' for {sys.executable} ({err}); fix: apt-get install python3-onnx "
                        "(Debian), or pip install onnx, or set LONGPROXY_PYTHON to an interpreter that has it") from None
    return onnx


def hf_name(initializer: str) -> str | None:
    """'m.model.norm.weight' or 'model.norm.weight__fp16' -> 'model.norm.weight'; None for anonymous names."""
    name = initializer[: -len(FP16_SUFFIX)] if initializer.endswith(FP16_SUFFIX) else initializer
    for root in ROOTS:
        i = name.find(root)
        if i == 0 or (i > 0 and name[i - 1] == "."):
            return name[i:]
    return None


def scope_name(node_name: str) -> str | None:
    """'/m/model/layers.0/self_attn/q_proj/MatMul' -> 'model.layers.0.self_attn.q_proj.weight'."""
    hit = _SCOPE.search(node_name)
    return None if hit is None else hit.group(1).replace("/", ".") + ".weight"


def read_onnx_state_dict(path: str) -> dict[str, torch.Tensor]:
    """Every parameter the graph names, as float32 tensors under Hugging Face names."""
    onnx = import_onnx(path)
    from onnx import numpy_helper
    if not os.path.isfile(path):
        raise LoadError("missing_model", f"{path} not found; fix: the folder needs onnx/model.onnx or *.safetensors")
    try:
        graph = onnx.load(path).graph
    except Exception as err:  # noqa: BLE001 - a damaged or truncated file
        raise LoadError("missing_model", f"{path}: not a readable ONNX model ({err}); fix: restore the file") from None
    arrays = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    # value name -> initializer it is a (cast) copy of
    source = {name: name for name in arrays}
    for node in graph.node:
        if node.op_type in ("Cast", "Identity") and node.input and node.input[0] in source:
            source[node.output[0]] = source[node.input[0]]
    out: dict[str, torch.Tensor] = {}

    def put(name: str, arr: np.ndarray, init: str) -> None:
        t = torch.from_numpy(np.ascontiguousarray(arr.astype(np.float32)))
        if name in out and not torch.equal(out[name], t):
            raise LoadError("unsupported", f"{path}: two different tensors map to {name} (one is {init})")
        out[name] = t

    for init, arr in arrays.items():
        name = hf_name(init)
        if name is not None and arr.dtype.kind == "f":
            put(name, arr, init)
    for node in graph.node:
        if node.op_type != "MatMul":
            continue
        name = scope_name(node.name)
        if name is None or name in out:
            continue
        weights = [source[v] for v in node.input if v in source]
        if len(weights) == 1 and arrays[weights[0]].ndim == 2:
            put(name, arrays[weights[0]].T, weights[0])  # MatMul(x, W^T): the Linear weight is [out, in]
    return out


def expected_qwen2_names(config: dict) -> dict[str, tuple[int, ...]]:
    """Name -> shape of every parameter a Llama-family config implies (Qwen2: q/k/v biases)."""
    d = int(config["hidden_size"])
    heads = int(config["num_attention_heads"])
    kv = int(config.get("num_key_value_heads") or heads)
    hd = int(config.get("head_dim") or d // heads)
    inter = int(config["intermediate_size"])
    vocab = int(config["vocab_size"])
    bias = config.get("model_type") == "qwen2" or bool(config.get("attention_bias"))
    names: dict[str, tuple[int, ...]] = {"model.embed_tokens.weight": (vocab, d), "model.norm.weight": (d,)}
    if not config.get("tie_word_embeddings", False):
        names["lm_head.weight"] = (vocab, d)
    for i in range(int(config["num_hidden_layers"])):
        p = f"model.layers.{i}."
        names.update({p + "input_layernorm.weight": (d,), p + "post_attention_layernorm.weight": (d,),
                      p + "self_attn.q_proj.weight": (heads * hd, d), p + "self_attn.k_proj.weight": (kv * hd, d),
                      p + "self_attn.v_proj.weight": (kv * hd, d), p + "self_attn.o_proj.weight": (d, heads * hd),
                      p + "mlp.gate_proj.weight": (inter, d), p + "mlp.up_proj.weight": (inter, d),
                      p + "mlp.down_proj.weight": (d, inter)})
        if bias:
            names.update({p + "self_attn.q_proj.bias": (heads * hd,), p + "self_attn.k_proj.bias": (kv * hd,),
                          p + "self_attn.v_proj.bias": (kv * hd,)})
    return names


def load_onnx_weights(path: str, config: dict) -> dict[str, torch.Tensor]:
    """The state dict the config needs, checked name by name and shape by shape. With tied embeddings the output
    projection stored in the file must equal the embedding (it is dropped: the model ties it again)."""
    sd = read_onnx_state_dict(path)
    want = expected_qwen2_names(config)
    missing = [n for n in want if n not in sd]
    if missing:
        raise LoadError("missing_model",
                        f"{path}: {len(missing)} weight(s) the config needs are not in the ONNX graph: "
                        f"{', '.join(missing[:6])}{' ...' if len(missing) > 6 else ''} (found {len(sd)}: "
                        f"{', '.join(sorted(sd)[:4])} ...); fix: re-export the model with scripts/zoo/build_zoo.py "
                        "(export_onnx), or put its *.safetensors weights in the folder")
    bad = [f"{n} {tuple(sd[n].shape)} (config: {s})" for n, s in want.items() if tuple(sd[n].shape) != s]
    if bad:
        raise LoadError("missing_model", f"{path}: weight shapes do not match config.json: {'; '.join(bad[:4])}; "
                                         "fix: the config.json beside onnx/ must be the exported model's")
    if config.get("tie_word_embeddings", False) and "lm_head.weight" in sd:
        if not torch.equal(sd["lm_head.weight"], sd["model.embed_tokens.weight"]):
            raise LoadError("unsupported", f"{path}: config.json says tie_word_embeddings=true but the graph's "
                                           "lm_head weight differs from model.embed_tokens.weight")
    return {n: sd[n] for n in want}

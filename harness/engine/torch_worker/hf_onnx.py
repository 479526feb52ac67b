"""transformers models for folders whose weights are only an ONNX export (the zoo): the architecture is built
from config.json (AutoModelForCausalLM.from_config, so rope_parameters/rope_scaling are applied by transformers
itself) and the state dict is read from onnx/model.onnx (onnx_weights.py)."""
from __future__ import annotations

import os

import torch

from load_error import LoadError
from onnx_weights import load_onnx_weights


def onnx_only(model_dir: str) -> bool:
    """True when the folder has onnx/model.onnx and no Hugging Face weights (*.safetensors, *.bin)."""
    names = os.listdir(model_dir)
    hf = any(n.endswith(".safetensors") or (n.endswith(".bin") and n.startswith("pytorch_model")) for n in names)
    return not hf and os.path.isfile(os.path.join(model_dir, "onnx", "model.onnx"))


def hf_from_onnx(model_dir: str, config: dict, dtype: torch.dtype, attn: str):
    """A transformers causal LM with the ONNX file's weights (float16-stored values, loaded as float32, then cast
    to dtype), on the CPU; the caller moves it to its device."""
    from transformers import AutoConfig, AutoModelForCausalLM
    onnx_file = os.path.join(model_dir, "onnx", "model.onnx")
    sd = load_onnx_weights(onnx_file, config)
    cfg = AutoConfig.from_pretrained(model_dir, local_files_only=True, trust_remote_code=False)
    model = AutoModelForCausalLM.from_config(cfg, attn_implementation=attn)  # float32, as the weights
    res = model.load_state_dict(sd, strict=False)
    tied = bool(config.get("tie_word_embeddings", False))
    missing = [k for k in res.missing_keys if not (tied and k == "lm_head.weight")]
    if missing or res.unexpected_keys:
        raise LoadError("missing_model", f"{onnx_file}: the weights read from the graph do not fit "
                                         f"{type(model).__name__} built from config.json (missing: {missing[:6]}, "
                                         f"unexpected: {res.unexpected_keys[:6]}); fix: config.json must be the "
                                         "exported model's")
    if tied:
        if hasattr(model, "tie_weights"):
            model.tie_weights()
        out, inp = model.get_output_embeddings().weight, model.get_input_embeddings().weight
        if not torch.equal(out, inp):
            raise LoadError("unsupported", f"{model_dir}: tie_word_embeddings=true but transformers did not tie "
                                           "lm_head to the embedding")
    return cast_keeping_rope(model, dtype).eval()


def cast_keeping_rope(model, dtype: torch.dtype):
    """model.to(dtype), except the rotary inverse-frequency buffers, which stay float32 as from_pretrained leaves
    them (a bf16 frequency table would shift every angle beyond the first positions)."""
    saved = {n: b.detach().clone() for n, b in model.named_buffers() if n.endswith("inv_freq")}
    model = model.to(dtype)
    for name, buf in saved.items():
        owner, _, attr = name.rpartition(".")
        model.get_submodule(owner)._buffers[attr] = buf
    return model

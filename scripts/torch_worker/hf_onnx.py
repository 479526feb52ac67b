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
    """A transformers causal LM with the ONNX file's weights (float16-stored values, loaded as float32 then cast
    to dtype), on the CPU; the caller moves it to its device."""
    from transformers import AutoConfig, AutoModelForCausalLM
    onnx_file = os.path.join(model_dir, "onnx", "model.onnx")
    sd = load_onnx_weights(onnx_file, config)
    cfg = AutoConfig.from_pretrained(model_dir, local_files_only=True, trust_remote_code=False)
    try:
        model = AutoModelForCausalLM.from_config(cfg, dtype=dtype, attn_implementation=attn)
    except TypeError:  # transformers < 4.56 names it torch_dtype
        model = AutoModelForCausalLM.from_config(cfg, torch_dtype=dtype, attn_implementation=attn)
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
    return model.eval()

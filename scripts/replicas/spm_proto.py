"""A SentencePiece model file (sentencepiece_model.proto's ModelProto) read and edited by hand, so the replica builder
needs no sentencepiece package: the pieces (text, score, type), the trainer spec's model type and byte fallback and
the normalizer's dummy prefix. Only the fields used here are decoded; everything else is kept as bytes."""
from __future__ import annotations

import struct

# SentencePiece.Type
NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    out = shift = 0
    while True:
        b = buf[i]
        i += 1
        out |= (b & 0x7F) << shift
        if b < 0x80:
            return out, i
        shift += 7


def _enc_varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def fields(buf: bytes) -> list[tuple[int, int, object]]:
    """[(field number, wire type, value)]: varints as int, 32/64-bit as raw bytes, length-delimited as bytes."""
    out, i = [], 0
    while i < len(buf):
        key, i = _varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _varint(buf, i)
        elif wt == 1:
            v, i = buf[i:i + 8], i + 8
        elif wt == 2:
            n, i = _varint(buf, i)
            v, i = buf[i:i + n], i + n
        elif wt == 5:
            v, i = buf[i:i + 4], i + 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wt}")
        out.append((num, wt, v))
    return out


def encode(fs: list[tuple[int, int, object]]) -> bytes:
    out = bytearray()
    for num, wt, v in fs:
        out += _enc_varint(num << 3 | wt)
        if wt == 0:
            out += _enc_varint(v)
        elif wt == 2:
            out += _enc_varint(len(v)) + v
        else:
            out += v
    return bytes(out)


def read_model(data: bytes) -> dict:
    pieces, trainer, normalizer = [], {}, {}
    for num, _, v in fields(data):
        if num == 1:
            p = {"piece": "", "score": 0.0, "type": NORMAL}
            for n, _, x in fields(v):
                if n == 1:
                    p["piece"] = x.decode("utf-8")
                elif n == 2:
                    p["score"] = struct.unpack("<f", x)[0]
                elif n == 3:
                    p["type"] = x
            pieces.append(p)
        elif num == 2:
            for n, _, x in fields(v):
                if n == 3:
                    trainer["model_type"] = {1: "unigram", 2: "bpe", 3: "word", 4: "char"}.get(x, x)
                elif n == 35:
                    trainer["byte_fallback"] = bool(x)
                elif n == 25:
                    trainer["split_digits"] = bool(x)
        elif num == 3:
            for n, _, x in fields(v):
                if n == 3:
                    normalizer["add_dummy_prefix"] = bool(x)
                elif n == 4:
                    normalizer["remove_extra_whitespaces"] = bool(x)
                elif n == 1:
                    normalizer["name"] = x.decode()
    trainer.setdefault("model_type", "unigram")
    normalizer.setdefault("add_dummy_prefix", True)  # proto defaults
    normalizer.setdefault("remove_extra_whitespaces", True)
    return {"pieces": pieces, "trainer": trainer, "normalizer": normalizer}


def set_model_prefix(data: bytes, name: str) -> bytes:
    """The model with the trainer spec's input and model_prefix (paths of the training run) set to `name`."""
    out = []
    for num, wt, v in fields(data):
        if num == 2:
            ts = [(n, w, (f"{name}.txt".encode() if n == 1 else name.encode()) if n in (1, 2) else x)
                  for n, w, x in fields(v)]
            v = encode(ts)
        out.append((num, wt, v))
    return encode(out)

"""Wire format between the TypeScript engine (harness/engine/torch.ts) and the worker: one JSON object per line
each way. Requests {"id", "op", ...}; replies {"id", "ok": true, "result"} or {"id", "ok": false, "error":
{"kind", "message"}}; progress notes {"id", "progress": {...}}. Numeric arrays travel as {"dtype": "f32" | "i32" |
"u8", "b64": base64 of the little-endian bytes}, so float32 values cross the pipe bit for bit."""
from __future__ import annotations

import base64
import json
import sys

import numpy as np

DTYPES = {"f32": np.float32, "i32": np.int32, "u8": np.uint8}


def pack(arr, dtype: str) -> dict:
    a = np.ascontiguousarray(np.asarray(arr, dtype=DTYPES[dtype]).astype(np.dtype(DTYPES[dtype]).newbyteorder("<")))
    return {"dtype": dtype, "b64": base64.b64encode(a.tobytes()).decode("ascii")}


def unpack(obj: dict) -> np.ndarray:
    dt = np.dtype(DTYPES[obj["dtype"]]).newbyteorder("<")
    return np.frombuffer(base64.b64decode(obj["b64"]), dtype=dt).astype(DTYPES[obj["dtype"]])


class Channel:
    def __init__(self, inp=None, out=None):
        self.inp = inp or sys.stdin
        self.out = out or sys.stdout

    def read(self) -> dict | None:
        line = self.inp.readline()
        if not line:
            return None
        return json.loads(line)

    def write(self, msg: dict) -> None:
        self.out.write(json.dumps(msg, separators=(",", ":"), allow_nan=False) + "\n")
        self.out.flush()

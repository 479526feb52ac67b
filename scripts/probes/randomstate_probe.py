"""numpy.random.RandomState draws for harness/stats/randomstate.test.ts.

stdin: [{"seed": int, "ops": [["randint", low, high, size] | ["permutation", n] | ["random_sample", count], ...]}]
stdout: per case, per op, the list of draws (ints as JSON ints, doubles by repr: exact round trip).
"""
import json
import sys

import numpy as np


def run(case):
    rs = np.random.RandomState(case["seed"])
    out = []
    for op in case["ops"]:
        if op[0] == "randint":
            out.append([int(v) for v in rs.randint(op[1], op[2], op[3])])
        elif op[0] == "permutation":
            out.append([int(v) for v in rs.permutation(op[1])])
        elif op[0] == "random_sample":
            out.append([float(rs.random_sample()) for _ in range(op[1])])
        else:
            raise ValueError(f"unknown op {op[0]}")
    return out


json.dump([run(c) for c in json.load(sys.stdin)], sys.stdout)

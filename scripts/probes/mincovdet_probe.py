"""scikit-learn MinCovDet fits and the numpy/scipy kernels behind them, for harness/stats/mincovdet.test.ts.

stdin: {"fits": [{"X": [[x, y], ...], "seed": int}], "kernels": {"argsort": [[...]], "rows": [[[x, y], ...]],
        "sym2": [[a, b, c]], "fma": [[a, b, c]], "log": [x]}, "skipped": [{"x": [...], "y": [...]}]}
stdout: {"versions", "chi2", "fits": [fit or {"error": "ValueError: ..."}], "kernels": {...}}; doubles by repr.
"""
import json
import sys
import warnings

import numpy as np
import scipy
import sklearn
from scipy import linalg
from scipy.stats import chi2
from sklearn.covariance import MinCovDet, empirical_covariance
from sklearn.utils.extmath import fast_logdet


def fit(case):
    X = np.asarray(case["X"], dtype=np.float64)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = MinCovDet(random_state=case["seed"]).fit(X)
    except (ValueError, np.linalg.LinAlgError) as e:
        return {"error": f"{type(e).__name__}: {e}"}
    return {
        "location": m.location_.tolist(),
        "covariance": m.covariance_.tolist(),
        "support": m.support_.tolist(),
        "raw_location": m.raw_location_.tolist(),
        "raw_covariance": m.raw_covariance_.tolist(),
        "raw_support": m.raw_support_.tolist(),
        "dist": m.dist_.tolist(),
    }


def kernels(k):
    out = {"argsort": [np.argsort(np.asarray(v, dtype=np.float64)).tolist() for v in k.get("argsort", [])]}
    rows = [np.asarray(r, dtype=np.float64) for r in k.get("rows", [])]
    out["mean"] = [r.mean(0).tolist() for r in rows]
    out["cov"] = [empirical_covariance(r).tolist() for r in rows]
    res = []
    for a, b, c in k.get("sym2", []):
        A = np.array([[a, b], [b, c]])
        s, u = linalg.eigh(A, lower=True, check_finite=False)
        res.append({"values": s.tolist(), "vectors": u.tolist(), "pinvh": linalg.pinvh(A).tolist(),
                    "logdet": float(fast_logdet(A))})
    # exact a * b + c rounded once: what an FMA returns
    from fractions import Fraction
    out["fma"] = [float(Fraction(a) * Fraction(b) + Fraction(c)) for a, b, c in k.get("fma", [])]
    # ln x: glibc's (what numpy's slogdet uses) and the correctly rounded value (50 significant digits, then round)
    import math
    from decimal import Decimal, localcontext
    with localcontext() as ctx:
        ctx.prec = 50
        out["log"] = [[math.log(x), float(Decimal(x).ln())] for x in k.get("log", [])]
    out["sym2"] = [{**r, "logdet": None if not np.isfinite(r["logdet"]) else r["logdet"]} for r in res]
    return out


def skipped(case):
    """The reference verifier's own skipped_outliers (scripts/verify_locked_no4k.py), None when it refuses."""
    out = REFERENCE.skipped_outliers(np.asarray(case["x"], dtype=np.float64), np.asarray(case["y"], dtype=np.float64))
    return None if out is None else [bool(v) for v in out]


def load_reference():
    import importlib.util
    import os
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "verify_locked_no4k.py")
    spec = importlib.util.spec_from_file_location("verify_locked_no4k", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


req = json.load(sys.stdin)
REFERENCE = load_reference() if req.get("skipped") else None
json.dump({
    "versions": {"numpy": np.__version__, "scipy": scipy.__version__, "sklearn": sklearn.__version__},
    "chi2": {"isf_0_5": chi2(2).isf(0.5), "isf_0_025": chi2(2).isf(0.025), "ppf_0_975": chi2.ppf(0.975, 2),
             # scikit-learn 1.8's _consistency_factor(2, alpha), for the 'sklearn>=1.8' rule
             "factor": [[a, a / chi2(4).cdf(chi2(2).ppf(a))] for a in req.get("factors", [])]},
    "fits": [fit(c) for c in req.get("fits", [])],
    "kernels": kernels(req.get("kernels", {})),
    "skipped": [skipped(c) for c in req.get("skipped", [])],
}, sys.stdout)

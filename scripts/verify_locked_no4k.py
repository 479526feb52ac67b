#!/usr/bin/env python3
"""Reference verifier of the locked-no4k benchmark (numpy, scipy and scikit-learn only).

Run from the repository root:
    python3 scripts/verify_locked_no4k.py --submission S --metric-key score --out R \
        [--downstream D] [--n-boot N] [--seed K]

It checks that the submission scores exactly the downstream file's models (for the official downstream file,
the 17 locked models), rejects non-finite or non-numeric scores, and writes Spearman, Pearson, the skipped
Spearman (pingouin's "skipped" correlation: MinCovDet(random_state=42) centre, projection outliers) and
percentile-bootstrap 95% intervals of both Spearmans. An undefined statistic (scipy's nan) is written as null.

Conventions shared with the TypeScript verifier (harness/verify/), which must give the same JSON:
- models are put in code-point order of their ids before anything is computed (the bootstrap resamples
  positions in that order);
- the bootstrap draws RandomState(seed).randint(0, n, n) once per replicate, in order, and uses the same
  resample for both Spearmans; replicates whose statistic is undefined (nan, or MinCovDet raising) are dropped;
  the interval is np.percentile(kept, [2.5, 97.5]) (linear), or [null, null] when nothing is kept;
- a skipped Spearman whose MinCovDet fit raises (e.g. zero covariance of the support) is undefined: rho and
  p_value null, outliers [].
Exit status: 0 written, 1 bad input (message names the file and the problem; nothing written), 2 bad flags.
"""
import argparse
import hashlib
import json
import math
import os
import platform
import sys
import tempfile
import time
import warnings

import numpy as np
import scipy
import sklearn
from scipy import stats
from sklearn.covariance import MinCovDet

OFFICIAL_DOWNSTREAM = "results/downstream/downstream_avg.ruler32_longbench_lt32k.no4k.json"
LOCKED_MODELS = [
    "01-ai/Yi-6B-200K",
    "In2Training/FILM-7B",
    "Leooyii/Longlora_32k_Slimpajama_1B",
    "Leooyii/NTK_32k_Slimpajama_1B",
    "Leooyii/NTK_64k_Slimpajama_1B",
    "Leooyii/NTK_64k_Slimpajama_2B",
    "Leooyii/PI_32k_Slimpajama_1B",
    "Qwen/Qwen2-0.5B-Instruct",
    "Qwen/Qwen2-1.5B-Instruct",
    "Qwen/Qwen2-7B-Instruct",
    "Qwen/Qwen2.5-0.5B-Instruct",
    "Qwen/Qwen2.5-1.5B-Instruct",
    "Qwen/Qwen2.5-7B-Instruct",
    "Qwen/Qwen2.5-14B-Instruct",
    "Qwen/Qwen2.5-Coder-1.5B-Instruct",
    "Qwen/Qwen2.5-Coder-7B-Instruct",
    "mistralai/Mistral-7B-Instruct-v0.2",
]
MIN_MODELS = 3
# pingouin's cut-off: median + sqrt(chi2_2.ppf(0.975)) x ideal-fourths IQR of each projection row.
GVAL = math.sqrt(stats.chi2.ppf(0.975, 2))


class InputError(Exception):
    """Bad input: the message names the file, the field and the fix."""


def _version_tuple(v):
    parts = []
    for p in v.split(".")[:2]:
        digits = "".join(ch for ch in p if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def mcd_correction_rule():
    # scikit-learn 1.8 replaced the data-dependent consistency correction of MinCovDet by a constant one.
    return "sklearn>=1.8" if _version_tuple(sklearn.__version__) >= (1, 8) else "sklearn<=1.7"


# ---------------------------------------------------------------------------------------------- input files
def read_json(path, what):
    """Returns (parsed value, sha256 of the bytes). Duplicate object keys are errors."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as e:
        raise InputError(f"{path}: cannot read the {what} file ({e.strerror}); check the path")
    sha = hashlib.sha256(raw).hexdigest()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: the {what} file is not UTF-8 text (byte {e.start}); save it as UTF-8 JSON")
    # json.loads refuses a leading BOM too ("Unexpected UTF-8 BOM"); say so with the fix, as the TypeScript twin does.
    if text.startswith("\ufeff"):
        raise InputError(f"{path}: the {what} file is not valid JSON: Unexpected UTF-8 BOM at line 1 column 1 "
                         f"(position 0); save it as UTF-8 without a byte order mark")

    def pairs_hook(pairs):
        seen = {}
        for k, v in pairs:
            if k in seen:
                raise InputError(f"{path}: duplicate model or key {json.dumps(k)} in a JSON object of the {what} "
                                 f"file; keep one entry per key")
            seen[k] = v
        return seen

    try:
        value = json.loads(text, object_pairs_hook=pairs_hook)
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: the {what} file is not valid JSON: {e.msg} at line {e.lineno} column {e.colno} "
                         f"(position {e.pos}); fix the JSON syntax")
    return value, sha


def _check_score(path, where, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"{path}: {where} is {json.dumps(value)}, not a number; write a finite JSON number")
    try:
        f = float(value)
    except OverflowError:  # an integer literal beyond the float range
        f = math.inf if value > 0 else -math.inf
    if not math.isfinite(f):
        raise InputError(f"{path}: {where} is non-finite ({f!r}); write a finite JSON number")
    return f


def parse_submission(path, value, metric_key):
    """{model: score} or [{"model": id, <metric_key>: score}, ...] -> dict model -> float."""
    scores = {}
    if isinstance(value, dict):
        for model, v in value.items():
            scores[model] = _check_score(path, f"the score of model {json.dumps(model)}", v)
    elif isinstance(value, list):
        for i, row in enumerate(value):
            if not isinstance(row, dict):
                raise InputError(f"{path}: row {i} is not an object; write rows as "
                                 f'{{"model": id, "{metric_key}": score}}')
            model = row.get("model")
            if not isinstance(model, str):
                raise InputError(f'{path}: row {i} has no string field "model"; add the model id')
            if metric_key not in row:
                raise InputError(f'{path}: row {i} (model {json.dumps(model)}) has no metric key '
                                 f'"{metric_key}"; add it or pass the right --metric-key')
            if model in scores:
                raise InputError(f"{path}: duplicate model {json.dumps(model)} (row {i}); keep one row per model")
            scores[model] = _check_score(path, f'row {i} (model {json.dumps(model)}) field "{metric_key}"',
                                         row[metric_key])
    else:
        raise InputError(f"{path}: a submission must be a JSON object {{model: score}} or a list of rows "
                         f'{{"model": id, "{metric_key}": score}}')
    if not scores:
        raise InputError(f"{path}: the submission holds no models; score every model of the setting")
    return scores


def parse_downstream(path, value):
    """{model: number}, {model: {"overall": number, ...}} or [{"model": id, "overall"|"score": number}]."""
    target = {}
    if isinstance(value, dict):
        for model, v in value.items():
            if isinstance(v, dict):
                if "overall" not in v:
                    raise InputError(f'{path}: model {json.dumps(model)} has an object without "overall"; '
                                     f'add the overall score')
                v = v["overall"]
                where = f'the "overall" score of model {json.dumps(model)}'
            else:
                where = f"the score of model {json.dumps(model)}"
            target[model] = _check_score(path, where, v)
    elif isinstance(value, list):
        for i, row in enumerate(value):
            if not isinstance(row, dict) or not isinstance(row.get("model"), str):
                raise InputError(f'{path}: row {i} is not an object with a string "model"; '
                                 f'write rows as {{"model": id, "overall": number}}')
            model = row["model"]
            key = "overall" if "overall" in row else "score" if "score" in row else None
            if key is None:
                raise InputError(f'{path}: row {i} (model {json.dumps(model)}) has no "overall" (or "score"); add it')
            if model in target:
                raise InputError(f"{path}: duplicate model {json.dumps(model)} (row {i}); keep one row per model")
            target[model] = _check_score(path, f'row {i} (model {json.dumps(model)}) field "{key}"', row[key])
    else:
        raise InputError(f'{path}: a downstream file must be a JSON object {{model: number}}, '
                         f'{{model: {{"overall": number}}}} or a list of rows {{"model": id, "overall": number}}')
    if len(target) < MIN_MODELS:
        raise InputError(f"{path}: the downstream file lists {len(target)} models; at least {MIN_MODELS} are needed")
    if os.path.basename(path) == os.path.basename(OFFICIAL_DOWNSTREAM):
        missing = sorted(set(LOCKED_MODELS) - set(target))
        extra = sorted(set(target) - set(LOCKED_MODELS))
        if missing or extra:
            raise InputError(f"{path}: the official downstream file must list exactly the 17 locked models; "
                             f"missing {missing}, extra {extra}; restore the official file")
    return target


def check_model_set(sub_path, scores, target):
    missing = sorted(set(target) - set(scores))
    extra = sorted(set(scores) - set(target))
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing models {missing}")
        if extra:
            parts.append(f"extra models {extra}")
        raise InputError(f"{sub_path}: {'; '.join(parts)}; the submission must score exactly the "
                         f"{len(target)} models of the downstream file")


# ---------------------------------------------------------------------------------------------- statistics
def _nan_to_none(v):
    v = float(v)
    return None if math.isnan(v) else v


def spearman(x, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r, p = stats.spearmanr(x, y)
    return float(r), float(p)


def pearson(x, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r, p = stats.pearsonr(x, y)
    return float(r), float(p)


def _idealf(v):
    # Ideal fourths interquartile range (Wilcox 2012), as pingouin computes it.
    n = len(v)
    j = int(np.floor(n / 4 + 5 / 12))
    s = np.sort(v)
    g = (n / 4) - j + (5 / 12)
    low = (1 - g) * s[j - 1] + g * s[j]
    k = n - j + 1
    up = (1 - g) * s[k - 1] + g * s[k - 2]
    return up - low


def skipped_outliers(x, y):
    """pingouin's skipped-correlation outlier rule; None when MinCovDet cannot be fitted."""
    X = np.column_stack((x, y))
    n = X.shape[0]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            center = MinCovDet(random_state=42).fit(X).location_
    except (ValueError, np.linalg.LinAlgError):
        return None
    B = X - center
    bot = (B ** 2).sum(axis=1)
    dis = np.zeros((n, n))
    for i in range(n):
        if bot[i] != 0:
            dis[i, :] = np.linalg.norm(B.dot(B[i, :, None]) * B[i, :] / bot[i], axis=1)
    iqr = np.apply_along_axis(_idealf, 1, dis)
    thresh = np.median(dis, axis=1) + GVAL * iqr
    return np.apply_along_axis(np.greater, 0, dis, thresh).any(axis=0)


def skipped_spearman(x, y):
    """(rho, p, outlier mask or None)."""
    out = skipped_outliers(x, y)
    if out is None:
        return math.nan, math.nan, None
    r, p = spearman(x[~out], y[~out])
    return r, p, out


def bootstrap(x, y, n_boot, seed):
    rs = np.random.RandomState(seed)
    n = len(x)
    rho_s, rho_k = [], []
    show = sys.stderr.isatty()
    started = time.monotonic()
    for b in range(n_boot):
        if show and (b % 50 == 0 or b == n_boot - 1):
            secs = time.monotonic() - started
            rate = b / secs if secs > 0 else 0.0
            eta = (n_boot - b) / rate if rate > 0 else float("nan")
            print(f"\rbootstrap {b + 1}/{n_boot}  {rate:.0f} replicates/s  ETA {eta:.1f}s ", end="", file=sys.stderr)
        idx = rs.randint(0, n, n)
        xb, yb = x[idx], y[idx]
        r, _ = spearman(xb, yb)
        if not math.isnan(r):
            rho_s.append(r)
        k, _, _ = skipped_spearman(xb, yb)
        if not math.isnan(k):
            rho_k.append(k)
    if show:
        print(file=sys.stderr)
    return rho_s, rho_k


def ci95(values):
    if not values:
        return [None, None]
    lo, hi = np.percentile(np.asarray(values, dtype=np.float64), [2.5, 97.5])
    return [float(lo), float(hi)]


def verify(models, x, y, metric_key, n_boot, seed, submission_sha256, downstream_sha256):
    rho, p = spearman(x, y)
    r, pr = pearson(x, y)
    k, pk, out = skipped_spearman(x, y)
    outliers = [] if out is None else sorted(m for m, o in zip(models, out) if o)
    boot_s, boot_k = bootstrap(x, y, n_boot, seed)
    return {
        "n_models": len(models),
        "metric_key": metric_key,
        "spearman": {"rho": _nan_to_none(rho), "p_value": _nan_to_none(p), "ci95": ci95(boot_s)},
        "pearson": {"r": _nan_to_none(r), "p_value": _nan_to_none(pr)},
        "skipped_spearman": {"rho": _nan_to_none(k), "p_value": _nan_to_none(pk), "outliers": outliers,
                             "ci95": ci95(boot_k)},
        "bootstrap": {"n_boot": n_boot, "seed": seed,
                      "valid": {"spearman": len(boot_s), "skipped_spearman": len(boot_k)}},
        "submission_sha256": submission_sha256,
        "downstream_sha256": downstream_sha256,
        "mcd_correction": mcd_correction_rule(),
        "verifier": "python-reference",
        "versions": {"python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__,
                     "sklearn": sklearn.__version__},
    }


def write_atomic(path, text):
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".verify-", suffix=".tmp", dir=d)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def check_out_path(out, inputs):
    """Refuses an --out that is one of the inputs (after .., symlinks, hard links) or an existing folder."""
    for flag, p in inputs:
        if os.path.exists(p) and (os.path.realpath(out) == os.path.realpath(p)
                                  or (os.path.exists(out) and os.path.samefile(out, p))):
            raise InputError(f"--out {out}: is the same file as {flag} {p} (resolved {os.path.realpath(out)}); "
                             f"writing there would destroy the input; choose another output path")
    if os.path.isdir(out):
        raise InputError(f"--out {out}: is a folder; give a file path, e.g. {os.path.join(out, 'result.json')}")


def _fmt(v):
    return "undefined" if v is None else f"{v:.4f}"


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--submission", required=True)
    ap.add_argument("--metric-key", default="score")
    ap.add_argument("--out", required=True)
    ap.add_argument("--downstream", default=OFFICIAL_DOWNSTREAM)
    ap.add_argument("--n-boot", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if args.n_boot < 1:
        ap.error("--n-boot must be at least 1")
    if not 0 <= args.seed < 2 ** 32:
        ap.error("--seed must be an integer in [0, 2**32)")
    try:
        check_out_path(args.out, [("--submission", args.submission), ("--downstream", args.downstream)])
        dvalue, dsha = read_json(args.downstream, "downstream")
        target = parse_downstream(args.downstream, dvalue)
        svalue, ssha = read_json(args.submission, "submission")
        scores = parse_submission(args.submission, svalue, args.metric_key)
        check_model_set(args.submission, scores, target)
    except InputError as e:
        print(f"verify_locked_no4k: {e}", file=sys.stderr)
        return 1
    # Code-point order of ids: the order both verifiers resample in.
    models = sorted(target)
    x = np.array([scores[m] for m in models], dtype=np.float64)
    y = np.array([target[m] for m in models], dtype=np.float64)
    result = verify(models, x, y, args.metric_key, args.n_boot, args.seed, ssha, dsha)
    write_atomic(args.out, json.dumps(result, indent=2, allow_nan=False) + "\n")
    s, k = result["spearman"], result["skipped_spearman"]
    print(f"models {result['n_models']}  spearman {_fmt(s['rho'])} (p {_fmt(s['p_value'])}, 95% CI "
          f"{_fmt(s['ci95'][0])}..{_fmt(s['ci95'][1])})  pearson {_fmt(result['pearson']['r'])}  "
          f"skipped spearman {_fmt(k['rho'])} (outliers {len(k['outliers'])}: {', '.join(k['outliers']) or '-'})")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

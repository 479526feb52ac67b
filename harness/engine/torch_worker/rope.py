"""Rotary position embeddings of the built-in decoder, computed as transformers computes them
(modeling_rope_utils: _compute_default_rope_parameters, _compute_linear_scaling_rope_parameters,
_compute_yarn_parameters), so that a checkpoint gives the same frequencies with and without transformers.

Config formats: transformers 5 `rope_parameters` ({rope_type, rope_theta, factor, original_max_position_embeddings,
beta_fast, beta_slow, attention_factor, truncate}) and transformers 4 `rope_theta` + `rope_scaling` ({rope_type or
type, factor, ...}). Types: default, linear, yarn. Static NTK-aware scaling is "default" with a larger rope_theta.
Anything else raises ValueError naming the field.

A RoPE policy (the harness's, harness/contract/model-manifest.ts, sent with the load request) says how a checkpoint's
long-context mechanism is applied, as its authors evaluated it:
  {"kind": "as-config"}                         the config as written (the default)
  {"kind": "linear", "factor": f}               the config's linear scaling, its factor checked (PI, LongLoRA)
  {"kind": "ntk-frozen", "factor": f, "trainingLength": L, "originalMax": M}
                                                dynamic NTK with the base frozen at the training length L (LCEG's
                                                evaluation code): base' = base * (f*L/M - (f-1))^(d/(d-2))
  {"kind": "transformers-dynamic", "factor": f, "trainingLength": L, "originalMax": M}
                                                transformers' dynamic NTK: the base recomputed from each forward's
                                                own length (so forwards of different lengths never share a prefix)
"""
from __future__ import annotations

import json
import math

import torch

SUPPORTED = ("default", "linear", "yarn")
POLICIES = ("as-config", "linear", "ntk-frozen", "transformers-dynamic")


def rope_parameters(config: dict) -> dict:
    """One flat dict {rope_type, rope_theta, ...} from either config format."""
    params = config.get("rope_parameters")
    if isinstance(params, dict) and params and "rope_type" not in params and "rope_theta" not in params:
        # per layer type ({"full_attention": {...}, "sliding_attention": {...}}): one table only if all agree
        tables = [v for v in params.values() if isinstance(v, dict)]
        if not tables or any(t != tables[0] for t in tables):
            raise ValueError(f"rope_parameters differ between layer types ({sorted(params)})")
        params = tables[0]
    if isinstance(params, dict) and params:
        out = dict(params)
    else:
        out = dict(config.get("rope_scaling") or {})
        if "rope_type" not in out and "type" in out:
            out["rope_type"] = out.pop("type")
    out.setdefault("rope_type", "default")
    out.setdefault("rope_theta", config.get("rope_theta", 10000.0))
    return out


def head_dim(config: dict) -> int:
    return int(config.get("head_dim") or config["hidden_size"] // config["num_attention_heads"])


def default_inv_freq(base: float, dim: int, device=None) -> torch.Tensor:
    return 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.int64).to(device=device, dtype=torch.float) / dim))


def yarn_inv_freq(p: dict, config: dict, dim: int, device=None) -> tuple[torch.Tensor, float]:
    base = float(p["rope_theta"])
    factor = p.get("factor")
    orig = p.get("original_max_position_embeddings") or config.get("original_max_position_embeddings")
    if orig is None:
        raise ValueError("rope_type yarn needs original_max_position_embeddings (in rope_parameters)")
    if factor is None:
        factor = config["max_position_embeddings"] / orig
    factor = float(factor)

    def get_mscale(scale: float, mscale: float = 1.0) -> float:
        return 1.0 if scale <= 1 else 0.1 * mscale * math.log(scale) + 1.0

    attention = p.get("attention_factor")
    if attention is None:
        ms, ms_all = p.get("mscale"), p.get("mscale_all_dim")
        attention = get_mscale(factor, ms) / get_mscale(factor, ms_all) if ms and ms_all else get_mscale(factor)
    beta_fast = p.get("beta_fast") or 32
    beta_slow = p.get("beta_slow") or 1

    def correction_dim(rotations: float) -> float:
        return (dim * math.log(orig / (rotations * 2 * math.pi))) / (2 * math.log(base))

    low, high = correction_dim(beta_fast), correction_dim(beta_slow)
    if p.get("truncate", True):
        low, high = math.floor(low), math.ceil(high)
    low, high = max(low, 0), min(high, dim - 1)
    if low == high:
        high += 0.001  # as transformers: no zero-width ramp
    ramp = torch.clamp((torch.arange(dim // 2, dtype=torch.float32) - low) / (high - low), 0, 1).to(device=device)
    pos_freqs = base ** (torch.arange(0, dim, 2).to(device=device, dtype=torch.float) / dim)
    extrapolation = 1 - ramp  # share of each dimension kept at its original frequency
    inv = (1.0 / (factor * pos_freqs)) * (1 - extrapolation) + (1.0 / pos_freqs) * extrapolation
    return inv, float(attention)


def rope_tables(config: dict, device=None) -> tuple[torch.Tensor, float]:
    """(inverse frequencies [head_dim / 2] in float32, attention scaling applied to cos and sin)."""
    p = rope_parameters(config)
    kind = p["rope_type"]
    if kind not in SUPPORTED:
        raise ValueError(f"rope_type {kind!r} (the built-in decoder runs {', '.join(SUPPORTED)})")
    if float(p.get("partial_rotary_factor", 1.0)) != 1.0:
        raise ValueError(f"partial_rotary_factor {p['partial_rotary_factor']}")
    dim = head_dim(config)
    base = float(p["rope_theta"])
    if kind == "default":
        return default_inv_freq(base, dim, device), 1.0
    if kind == "linear":
        return default_inv_freq(base, dim, device) / float(p["factor"]), 1.0
    return yarn_inv_freq(p, config, dim, device)


# ---------------------------------------------------------------- RoPE policies

def ntk_base(base: float, factor: float, seq_len: float, original_max: int, dim: int) -> float:
    """The dynamic-NTK base at length seq_len (transformers' _compute_dynamic_ntk_parameters, LCEG's frozen base at
    seq_len = L): base * (f * seq_len / M - (f - 1)) ** (d / (d - 2))."""
    return float(base) * ((factor * seq_len / original_max) - (factor - 1)) ** (dim / (dim - 2))


def check_policy(policy: dict | None) -> dict:
    """The policy with its fields checked (ValueError naming the field); None means as-config."""
    p = dict(policy or {"kind": "as-config"})
    kind = p.get("kind")
    if kind not in POLICIES:
        raise ValueError(f"rope policy kind {kind!r} is not one of {', '.join(POLICIES)}")
    need = {"as-config": (), "linear": ("factor",), "ntk-frozen": ("factor", "trainingLength", "originalMax"),
            "transformers-dynamic": ("factor", "trainingLength", "originalMax")}[kind]
    for k in need:
        if not isinstance(p.get(k), (int, float)) or p[k] <= 0:
            raise ValueError(f"rope policy {kind}: field {k} must be a positive number, got {p.get(k)!r}")
    if "trainingLength" in need and p["trainingLength"] < p["originalMax"]:
        raise ValueError(f"rope policy {kind}: trainingLength {p['trainingLength']} is below originalMax "
                         f"{p['originalMax']} (the NTK base would shrink)")
    return p


def config_scaling(config: dict) -> tuple[str, float | None]:
    """(rope_type, factor) the config declares."""
    p = rope_parameters(config)
    f = p.get("factor")
    return p["rope_type"], None if f is None else float(f)


def policy_inv_freq(config: dict, policy: dict | None, device=None) -> tuple[torch.Tensor, float]:
    """Frequencies of a position-static policy (every policy but transformers-dynamic, whose frequencies depend on
    the forward's length: dynamic_inv_freq). A linear policy whose factor the config contradicts is refused."""
    p = check_policy(policy)
    kind = p["kind"]
    if kind == "as-config":
        return rope_tables(config, device)
    if kind == "transformers-dynamic":
        raise ValueError("transformers-dynamic frequencies depend on the forward's length: use dynamic_inv_freq")
    dim = head_dim(config)
    base = float(rope_parameters(config)["rope_theta"])
    if kind == "linear":
        typ, factor = config_scaling(config)
        if typ != "linear" or factor != float(p["factor"]):
            raise ValueError(f"rope policy linear x{p['factor']}: the config declares rope_type {typ!r} factor {factor}")
        return default_inv_freq(base, dim, device) / factor, 1.0
    frozen = ntk_base(base, float(p["factor"]), float(p["trainingLength"]), int(p["originalMax"]), dim)
    return default_inv_freq(frozen, dim, device), 1.0


def dynamic_inv_freq(config: dict, policy: dict, seq_len: int, device=None) -> torch.Tensor:
    """transformers' dynamic NTK from a fresh state for one forward of seq_len positions: the original frequencies
    up to originalMax, the base of ntk_base(seq_len) beyond."""
    p = check_policy(policy)
    dim = head_dim(config)
    base = float(rope_parameters(config)["rope_theta"])
    if seq_len > int(p["originalMax"]):
        base = ntk_base(base, float(p["factor"]), float(seq_len), int(p["originalMax"]), dim)
    return default_inv_freq(base, dim, device)


def is_length_dependent(config: dict, policy: dict | None) -> bool:
    """Whether a forward's RoPE depends on its length: then windows must not share a prefix forward."""
    p = check_policy(policy)
    if p["kind"] == "transformers-dynamic":
        return True
    return p["kind"] == "as-config" and rope_parameters(config)["rope_type"] == "dynamic"


def max_positions(config: dict, policy: dict | None) -> int:
    """Longest forward the model is run at: max_position_embeddings, extended by the policy's mechanism (linear:
    times the factor; NTK: the training length L), as the checkpoint's authors ran it."""
    p = check_policy(policy)
    mpe = int(config.get("max_position_embeddings") or config.get("n_positions") or 2048)
    if p["kind"] == "linear":
        return max(mpe, int(round(mpe * float(p["factor"]))))
    if p["kind"] in ("ntk-frozen", "transformers-dynamic"):
        return max(mpe, int(p["trainingLength"]))
    return mpe


def transformers_config(config: dict, policy: dict | None) -> dict:
    """The config.json dict to hand transformers so that it computes the policy's RoPE: ntk-frozen becomes default
    RoPE with rope_theta = base' (in both formats: transformers 4 reads rope_theta + rope_scaling, transformers 5
    rope_parameters); transformers-dynamic becomes rope_scaling dynamic with the policy's factor and
    original_max_position_embeddings; as-config and linear leave the config as written (linear is checked)."""
    p = check_policy(policy)
    out = json.loads(json.dumps(config))
    if p["kind"] == "as-config":
        return out
    if p["kind"] == "linear":
        policy_inv_freq(config, p)  # refuses a contradicting config
        return out
    base = float(rope_parameters(config)["rope_theta"])
    for k in ("rope_scaling", "rope_parameters"):
        out.pop(k, None)
    if p["kind"] == "ntk-frozen":
        theta = ntk_base(base, float(p["factor"]), float(p["trainingLength"]), int(p["originalMax"]), head_dim(config))
        out["rope_theta"] = theta
        out["rope_parameters"] = {"rope_type": "default", "rope_theta": theta}
        return out
    dyn = {"rope_type": "dynamic", "factor": float(p["factor"])}
    out["rope_theta"] = base
    out["max_position_embeddings"] = int(p["originalMax"])
    out["rope_scaling"] = {"type": "dynamic", **dyn}
    out["rope_parameters"] = {**dyn, "rope_theta": base}
    return out

"""Rotary position embeddings of the built-in decoder, computed as transformers computes them
(modeling_rope_utils: _compute_default_rope_parameters, _compute_linear_scaling_rope_parameters,
_compute_yarn_parameters), so that a checkpoint gives the same frequencies with and without transformers.

Config formats: transformers 5 `rope_parameters` ({rope_type, rope_theta, factor, original_max_position_embeddings,
beta_fast, beta_slow, attention_factor, truncate}) and transformers 4 `rope_theta` + `rope_scaling` ({rope_type or
type, factor, ...}). Types: default, linear, yarn. Static NTK-aware scaling is "default" with a larger rope_theta.
Anything else raises ValueError naming the field.
"""
from __future__ import annotations

import math

import torch

SUPPORTED = ("default", "linear", "yarn")


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

"""Executes a forward plan (from harness/tokenstats/plan.ts) natively: forwards of equal input length are batched,
and only scored positions go through the output projection, in chunks (stats.chunked_stats).

A forward {start, end, scoreFrom, field} reads ids[start:end], preceded by BOS when add_bos, and scores positions
[scoreFrom, end): position p is predicted from the hidden state of the input element just before it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import torch

from stats import OutOfMemory, chunked_stats, is_oom

LONG = "long"


@dataclass
class Forward:
    start: int
    end: int
    score_from: int
    field: str


@dataclass
class Head:
    """The output projection: logits = hidden @ weight.T + bias (then optional soft-capping)."""
    weight: torch.Tensor
    bias: torch.Tensor | None = None
    softcap: float | None = None


def parse_plan(raw: Sequence[dict], n: int, add_bos: bool) -> list[Forward]:
    out = []
    for k, f in enumerate(raw):
        fw = Forward(int(f["start"]), int(f["end"]), int(f["scoreFrom"]), str(f["field"]))
        lowest = fw.start if add_bos else fw.start + 1
        if not (0 <= fw.start < fw.end <= n and lowest <= fw.score_from <= fw.end):
            raise ValueError(f"plan[{k}] = {f} is not a valid forward over {n} tokens (add_bos={add_bos})")
        out.append(fw)
    return out


def input_of(ids: torch.Tensor, f: Forward, add_bos: bool, bos_id: int | None) -> torch.Tensor:
    piece = ids[f.start:f.end]
    if add_bos:
        if bos_id is None:
            raise ValueError("the stats spec asks for BOS (addBos) but the model has no BOS token")
        piece = torch.cat([torch.tensor([bos_id], dtype=ids.dtype), piece])
    return piece


@dataclass
class Run:
    """One model forward reading ids[start:end] that answers every planned forward `outs` starting at `start`: by
    causal attention, a forward over ids[start:e] (e <= end) has the same hidden states as the first e - start of
    this one, so each out picks its own scored positions from them (as the ONNX engine runs one session per start)."""
    start: int
    end: int
    outs: list[Forward]


def runs_of(plan: list[Forward], skip: set[int] | frozenset[int] = frozenset(), merge: bool = True) -> list[Run]:
    """The forwards of the plan (but those in `skip`) merged by start, in the order of their first appearance
    (merge=False: one run per forward, the behaviour before merging, kept for the benchmark's comparison)."""
    if not merge:
        return [Run(f.start, f.end, [f]) for i, f in enumerate(plan) if i not in skip]
    by_start: dict[int, Run] = {}
    for i, f in enumerate(plan):
        if i in skip:
            continue
        r = by_start.get(f.start)
        if r is None:
            by_start[f.start] = Run(f.start, f.end, [f])
        else:
            r.end = max(r.end, f.end)
            r.outs.append(f)
    return list(by_start.values())


def planned_runs(plan: list[Forward], merge: bool = True, length_dependent: bool = False) -> list[Run]:
    """What run_plan executes: the plan without the windows the long pass answers, merged by start.
    length_dependent (RoPE whose frequencies depend on the forward's length, dynamic NTK): a forward's hidden
    states are not those of a prefix of a longer forward, so every planned forward runs alone."""
    if length_dependent:
        return runs_of(plan, set(), merge=False)
    return runs_of(plan, set(shared_prefix_sources(plan)), merge)


def batches(runs: list[Run], add_bos: bool, batch_tokens: int) -> list[list[Run]]:
    """Groups runs of the same input length, in plan order within a group, at most batch_tokens per batch."""
    groups: dict[int, list[Run]] = {}
    for r in runs:
        groups.setdefault(r.end - r.start + (1 if add_bos else 0), []).append(r)
    out = []
    for length, rs in groups.items():
        per = max(1, batch_tokens // length)
        out.extend(rs[i:i + per] for i in range(0, len(rs), per))
    return out


@torch.no_grad()
def shared_prefix_sources(plan: list[Forward]) -> dict[int, int]:
    """Forwards whose statistics another forward already yields: causal attention makes the hidden states of an
    input prefix independent of what follows, so a forward reading ids[s:e] and scoring [p, e) is answered by a
    long forward reading ids[s:e'] (e' >= e) that scores from at most p. LongPPL's first short window [0, 5120) is
    such a prefix of the long pass. Only a long forward that no other long forward overlaps serves as a source.
    Returns {index of derived forward: index of its source}."""
    longs = [i for i, f in enumerate(plan) if f.field == LONG]
    out = {}
    for i, f in enumerate(plan):
        if f.field == LONG:
            continue
        for j in longs:
            g = plan[j]
            alone = all(k == j or plan[k].end <= f.score_from or plan[k].score_from >= f.end for k in longs)
            if g.start == f.start and g.end >= f.end and g.score_from <= f.score_from and alone:
                out[i] = j
                break
    return out


def run_plan(forward_hidden: Callable[[torch.Tensor], torch.Tensor], head: Head, ids: torch.Tensor,
             plan: list[Forward], add_bos: bool, bos_id: int | None, device: torch.device,
             batch_tokens: int = 20480, chunk: int = 4096, on_progress: Callable[[int], None] | None = None,
             merge_starts: bool = True, length_dependent: bool = False):
    """Runs every forward of the plan. forward_hidden maps [b, L] long ids to the final hidden states [b, L, d].
    length_dependent: the model's RoPE depends on the forward's length (planned_runs): no prefix sharing. Batches
    still group forwards of one input length, which see the same frequencies."""
    n = int(ids.shape[0])
    off = 1 if add_bos else 0
    fields = sorted({f.field for f in plan})
    logprob = {k: torch.full((n,), math.nan, dtype=torch.float32) for k in fields}
    # Entropy and top-1 flag per field: "long" and every short window (the head computes both for every row).
    entropy = {k: torch.full((n,), math.nan, dtype=torch.float32) for k in fields}
    top1 = {k: torch.zeros(n, dtype=torch.uint8) for k in fields}
    tokens = 0
    derived = {} if length_dependent else shared_prefix_sources(plan)
    todo = batches(runs_of(plan, set(derived), merge_starts and not length_dependent), add_bos, batch_tokens)
    while todo:
        group = todo.pop(0)
        x = torch.stack([input_of(ids, Forward(r.start, r.end, r.start, LONG), add_bos, bos_id) for r in group]).to(device)
        try:
            hidden = forward_hidden(x)
        except Exception as err:  # noqa: BLE001 - only OOM is retried
            if not is_oom(err):
                raise
            del err
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            if len(group) == 1:
                raise OutOfMemory(
                    f"out of GPU memory in a forward over {x.shape[1]} tokens even at batch size 1; "
                    "lower contextLength (and the short windows) in the stats spec, or use a larger GPU") from None
            half = len(group) // 2
            todo[:0] = [group[:half], group[half:]]
            continue
        # Scored positions of every forward in the batch go through the head together.
        picks, targets = [], []
        for b, r in enumerate(group):
            for f in r.outs:
                h0 = f.score_from - f.start + off - 1
                h1 = f.end - f.start + off - 1
                picks.append(hidden[b, h0:h1])
                targets.append(ids[f.score_from:f.end])
        h = torch.cat(picks)
        t = torch.cat(targets).to(device=device, dtype=torch.long)
        del hidden
        lp, ent, t1, chunk = chunked_stats(h, head.weight, head.bias, t, chunk, head.softcap, want_entropy=True)
        del h
        pos = 0
        for r in group:
            for f in r.outs:
                m = f.end - f.score_from
                logprob[f.field][f.score_from:f.end] = lp[pos:pos + m]
                entropy[f.field][f.score_from:f.end] = ent[pos:pos + m]
                top1[f.field][f.score_from:f.end] = t1[pos:pos + m]
                pos += m
            tokens += r.end - r.start + off
        if on_progress:
            on_progress(tokens)
    for i, j in derived.items():
        f = plan[i]
        logprob[f.field][f.score_from:f.end] = logprob[LONG][f.score_from:f.end]
        entropy[f.field][f.score_from:f.end] = entropy[LONG][f.score_from:f.end]
        top1[f.field][f.score_from:f.end] = top1[LONG][f.score_from:f.end]
    # "entropy"/"top1" stay the long pass's (as before); the short windows' go beside them.
    return {"logprob": logprob, "entropy": entropy.get(LONG, torch.full((n,), math.nan, dtype=torch.float32)),
            "top1": top1.get(LONG, torch.zeros(n, dtype=torch.uint8)),
            "entropyShort": {k: v for k, v in entropy.items() if k != LONG},
            "top1Short": {k: v for k, v in top1.items() if k != LONG}, "tokensProcessed": tokens}

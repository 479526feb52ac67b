"""Per-token statistics from final hidden states, computed in chunks of positions.

The output projection of a 32k-token document at a 152k vocabulary is 20 GB in float32; computing it a chunk of
positions at a time keeps the peak at chunk x vocab. Log-softmax, the gathered log-probability, the entropy and
the arg-max flag are all taken in float32 whatever the model's dtype, so bf16 models lose precision only in the
forward itself.
"""
from __future__ import annotations

import torch


def is_oom(err: BaseException) -> bool:
    oom = getattr(torch.cuda, "OutOfMemoryError", None)
    if oom is not None and isinstance(err, oom):
        return True
    return isinstance(err, RuntimeError) and "out of memory" in str(err).lower()


class OutOfMemory(Exception):
    """Raised when even the smallest chunk does not fit: the message says what to change."""


def chunk_stats(hidden: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None, targets: torch.Tensor,
                softcap: float | None = None, want_entropy: bool = True):
    """Statistics for one chunk. hidden [m, d] (model dtype), weight [V, d], targets [m] (long).

    Returns float32 logprob [m], entropy [m], top1 [m] (uint8); entropy and top1 None when not wanted (short
    windows keep only the log-probability: two passes over the vocabulary fewer, the same logprob)."""
    logits = torch.nn.functional.linear(hidden, weight, bias).float()
    if softcap:
        logits = torch.tanh(logits / softcap) * softcap
    logp = torch.log_softmax(logits, dim=-1)
    del logits
    lp = logp.gather(1, targets.view(-1, 1)).squeeze(1)
    if not want_entropy:
        return lp, None, None
    # entropy = -sum p log p; exp of log-probs avoids a second softmax.
    ent = -(logp.exp() * logp).sum(dim=-1)
    top1 = (logp.argmax(dim=-1) == targets).to(torch.uint8)
    return lp, ent, top1


@torch.no_grad()
def chunked_stats(hidden: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None, targets: torch.Tensor,
                  chunk: int, softcap: float | None = None, want_entropy: bool = True):
    """Statistics over m positions, `chunk` positions at a time; on out-of-memory the chunk is halved down to 1.

    Returns (logprob, entropy or None, top1 or None, chunk actually used), all on the CPU."""
    m = hidden.shape[0]
    lp_out = torch.empty(m, dtype=torch.float32)
    ent_out = torch.empty(m, dtype=torch.float32) if want_entropy else None
    top_out = torch.empty(m, dtype=torch.uint8) if want_entropy else None
    chunk = max(1, int(chunk))
    i = 0
    while i < m:
        j = min(m, i + chunk)
        try:
            lp, ent, top1 = chunk_stats(hidden[i:j], weight, bias, targets[i:j], softcap, want_entropy)
        except Exception as err:  # noqa: BLE001 - only OOM is retried
            if not is_oom(err):
                raise
            if chunk == 1:
                raise OutOfMemory(
                    "out of GPU memory computing token statistics even one position at a time; "
                    "use a GPU with more memory or a shorter contextLength in the stats spec") from err
            chunk = max(1, chunk // 2)
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
            continue
        lp_out[i:j] = lp.cpu()
        if want_entropy:
            ent_out[i:j] = ent.cpu()
            top_out[i:j] = top1.cpu()
        i = j
    return lp_out, ent_out, top_out, chunk

"""GPU benchmark of the torch engine against LongPPL's reference procedure and the FLOP floor (issue 6).

Random-weight models of the locked models' real architectures (published configurations written below; nothing is
downloaded). For one document of --tokens tokens (default 32768) and short windows --window/--step (LongPPL:
4096/1024), side by side:
  (a) engine:    harness/engine/torch_worker run_plan: one long forward (log-prob, entropy, top-1) + the short-window
                 forwards batched, output projection and statistics in chunks over scored positions only;
  (b) reference: LongPPL's published procedure (longppl.py, find_key_token + compute_longppl) with the model as its
                 own evaluator: plain forwards returning full logits, float32 logits as transformers 4.45 (its
                 pinned version) returned them; the long forward twice (evaluator and evaluated model); one
                 (window+step)-token forward per step scored tokens; cross-entropy over full logits. Its per-token
                 Python loop over key flags is vectorised here (in the reference's favour).
  (c) floor:     forward FLOPs of the engine's forwards / measured bf16 matmul rate.
Times are medians of --repeats runs after a warm-up; peak memory is torch.cuda.max_memory_allocated over a run.
Then it projects the wall-clock of the 17 locked models x 50 documents on this GPU.

Run (GPU machine): python3 bench/gpu_bench.py --out results/gpu/bench.json
"""
from __future__ import annotations

import argparse
import gc
import json
import math
import os
import sys
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "harness", "engine", "torch_worker"))

from plan import Forward, planned_runs, run_plan  # noqa: E402
from stats import is_oom  # noqa: E402

# Published configurations (config.json of each model on its hub page), the fields that decide shape and cost.
ARCHS = {
    "Qwen2.5-0.5B": dict(model_type="qwen2", hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
                         num_attention_heads=14, num_key_value_heads=2, vocab_size=151936,
                         max_position_embeddings=32768, rope_theta=1000000.0, rms_norm_eps=1e-6,
                         tie_word_embeddings=True),
    "Qwen2.5-1.5B": dict(model_type="qwen2", hidden_size=1536, intermediate_size=8960, num_hidden_layers=28,
                         num_attention_heads=12, num_key_value_heads=2, vocab_size=151936,
                         max_position_embeddings=32768, rope_theta=1000000.0, rms_norm_eps=1e-6,
                         tie_word_embeddings=True),
    "Qwen2.5-7B": dict(model_type="qwen2", hidden_size=3584, intermediate_size=18944, num_hidden_layers=28,
                       num_attention_heads=28, num_key_value_heads=4, vocab_size=152064,
                       max_position_embeddings=32768, rope_theta=1000000.0, rms_norm_eps=1e-6,
                       tie_word_embeddings=False),
    "Qwen2.5-14B": dict(model_type="qwen2", hidden_size=5120, intermediate_size=13824, num_hidden_layers=48,
                        num_attention_heads=40, num_key_value_heads=8, vocab_size=152064,
                        max_position_embeddings=32768, rope_theta=1000000.0, rms_norm_eps=1e-6,
                        tie_word_embeddings=False),
    "Mistral-7B-v0.2": dict(model_type="mistral", hidden_size=4096, intermediate_size=14336, num_hidden_layers=32,
                            num_attention_heads=32, num_key_value_heads=8, vocab_size=32000,
                            max_position_embeddings=32768, rope_theta=1000000.0, rms_norm_eps=1e-5,
                            sliding_window=None, tie_word_embeddings=False),
    # Leooyii/*: Llama-2-7B continued at 32k/64k with PI or NTK scaling; PI x8 here (cost does not depend on it).
    "Llama-2-7B-32k": dict(model_type="llama", hidden_size=4096, intermediate_size=11008, num_hidden_layers=32,
                           num_attention_heads=32, num_key_value_heads=32, vocab_size=32000,
                           max_position_embeddings=32768, rope_theta=10000.0, rms_norm_eps=1e-5,
                           rope_scaling={"rope_type": "linear", "factor": 8.0}, tie_word_embeddings=False),
    "Yi-6B-200K": dict(model_type="llama", hidden_size=4096, intermediate_size=11008, num_hidden_layers=32,
                       num_attention_heads=32, num_key_value_heads=4, vocab_size=64000,
                       max_position_embeddings=200000, rope_theta=5000000.0, rms_norm_eps=1e-5,
                       tie_word_embeddings=False),
}

# Each locked model and the architecture that stands for it (same shapes; weights do not change the cost).
LOCKED = {
    "01-ai/Yi-6B-200K": "Yi-6B-200K", "In2Training/FILM-7B": "Mistral-7B-v0.2",
    "Leooyii/Longlora_32k_Slimpajama_1B": "Llama-2-7B-32k", "Leooyii/NTK_32k_Slimpajama_1B": "Llama-2-7B-32k",
    "Leooyii/NTK_64k_Slimpajama_1B": "Llama-2-7B-32k", "Leooyii/NTK_64k_Slimpajama_2B": "Llama-2-7B-32k",
    "Leooyii/PI_32k_Slimpajama_1B": "Llama-2-7B-32k", "Qwen/Qwen2-0.5B-Instruct": "Qwen2.5-0.5B",
    "Qwen/Qwen2-1.5B-Instruct": "Qwen2.5-1.5B", "Qwen/Qwen2-7B-Instruct": "Qwen2.5-7B",
    "Qwen/Qwen2.5-0.5B-Instruct": "Qwen2.5-0.5B", "Qwen/Qwen2.5-1.5B-Instruct": "Qwen2.5-1.5B",
    "Qwen/Qwen2.5-7B-Instruct": "Qwen2.5-7B", "Qwen/Qwen2.5-14B-Instruct": "Qwen2.5-14B",
    "Qwen/Qwen2.5-Coder-1.5B-Instruct": "Qwen2.5-1.5B", "Qwen/Qwen2.5-Coder-7B-Instruct": "Qwen2.5-7B",
    "mistralai/Mistral-7B-Instruct-v0.2": "Mistral-7B-v0.2",
}
# Qwen2-0.5B/1.5B differ from Qwen2.5's only in details that leave the cost unchanged at this precision
# (same hidden sizes, layers, heads, vocabulary); Qwen2-7B has the Qwen2.5-7B shapes.

GiB = 1024 ** 3


def plan_forwards(n: int, windows: list[tuple[int, int]]) -> list[Forward]:
    """harness/tokenstats/plan.ts planForwards for a document that fits one long forward, no BOS: the long pass,
    then per short window a head forward [0, W) and chunks [cP, W + (c+1)P) scoring from W + cP."""
    plan = [Forward(0, n, 1, "long")]
    for size, step in windows:
        key = f"{size}/{step}"
        plan.append(Forward(0, min(n, size), 1, key))
        c = 0
        while size + c * step < n:
            plan.append(Forward(c * step, min(n, size + (c + 1) * step), size + c * step, key))
            c += 1
    return plan


def longppl_plan(n: int, size: int, step: int) -> list[Forward]:
    plan = [Forward(0, n, 1, "long")]
    for s in range(0, n - size, step):
        plan.append(Forward(s, min(n, s + size + step), s + size, f"{size}/{step}"))
    return plan


def forward_flops(a: dict, L: int, scored: int) -> float:
    """Matmul FLOPs of one forward over L tokens with the output projection on `scored` positions."""
    d, f, nl = a["hidden_size"], a["intermediate_size"], a["num_hidden_layers"]
    hd = d // a["num_attention_heads"]
    kv = a["num_key_value_heads"] * hd
    per_token_layer = 2 * (d * d + 2 * d * kv + d * d + 3 * d * f)  # q, k, v, o, gate, up, down
    attn_layer = 2 * 2 * a["num_attention_heads"] * hd * (L * (L + 1) / 2)  # QK^T and PV, causal
    return nl * (L * per_token_layer + attn_layer) + 2 * scored * d * a["vocab_size"]


def plan_flops(a: dict, plan: list[Forward]) -> float:
    """FLOPs of the forwards the plan needs: a window that is a prefix of the long pass needs none of its own, and
    windows sharing a start share one forward (the longest), each with its own scored positions."""
    return sum(forward_flops(a, r.end - r.start, sum(f.end - f.score_from for f in r.outs)) for r in planned_runs(plan))


def plan_tokens(plan: list[Forward], merge: bool = True) -> int:
    """Tokens through the model for the plan, as run_plan counts them (no BOS; merge: run_plan's merge_starts)."""
    return sum(r.end - r.start for r in planned_runs(plan, merge))


def reference_flops(a: dict, n: int, size: int, step: int) -> float:
    long = forward_flops(a, n, n)
    short = sum(forward_flops(a, min(n, s + size + step) - s, min(n, s + size + step) - s)
                for s in range(0, n - size, step))
    return 2 * long + short


def sync():
    torch.cuda.synchronize()


def matmul_rate(size=8192, reps=20) -> float:
    a = torch.randn(size, size, device="cuda", dtype=torch.bfloat16)
    b = torch.randn(size, size, device="cuda", dtype=torch.bfloat16)
    for _ in range(3):
        a @ b
    ts = []
    for _ in range(reps):
        e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        e0.record()
        a @ b
        e1.record()
        sync()
        ts.append(e0.elapsed_time(e1) / 1e3)
    ts.sort()
    return 2 * size ** 3 / ts[len(ts) // 2]


def build(name: str):
    from transformers import AutoConfig, AutoModelForCausalLM
    a = dict(ARCHS[name])
    mt = a.pop("model_type")
    torch.manual_seed(0)
    cfg = AutoConfig.for_model(mt, **a)
    cfg.use_cache = True  # as the published configs say; the engine turns it off per call
    with torch.device("cuda"):
        model = AutoModelForCausalLM.from_config(cfg, dtype=torch.bfloat16, attn_implementation="sdpa")
    return model.eval(), cfg


def engine_run(model, ids, plan, batch_tokens, chunk, merge_starts=True):
    import models as worker_models
    loaded = worker_models.wrap_hf(model, "<random>", model.config.to_dict(), None, torch.device("cuda"),
                                   "bfloat16", "sdpa")
    return run_plan(loaded.forward_hidden, loaded.head, ids.cpu(), plan, False, None, torch.device("cuda"),
                    batch_tokens=batch_tokens, chunk=chunk, merge_starts=merge_starts)


def reference_run(model, ids, size, step):
    """LongPPL's find_key_token + compute_longppl, evaluator = evaluated model."""
    x = ids.view(1, -1).cuda()
    n = x.shape[1]
    ce = torch.nn.CrossEntropyLoss(reduction="none")
    with torch.no_grad():
        full = model(x).logits.float()  # transformers 4.45 returned float32 logits
        key, shorts = [], torch.full((n,), math.nan)
        sw = step
        for start in range(0, n - size, step):
            if start + size + sw > n:
                sw = n - start - size
            xs = x[:, start:start + size + sw]
            short = model(xs).logits.float()
            loss_full = ce(full[0, start + size - 1:start + size + sw - 1, :], x[0, start + size:start + size + sw])
            loss_short = ce(short[0, size - 1:size + sw - 1, :], xs[0, size:size + sw])
            flag = torch.logical_and((loss_short - loss_full) > 2, loss_full < 2)
            key.extend((torch.nonzero(flag).view(-1) + start + size).tolist())
            shorts[start + size:start + size + sw] = -loss_short.cpu()
            del short
        del full
        full = model(x).logits.float()
        loss_overall = ce(full[0, :-1, :], x[0, 1:]).to(torch.float).cpu()
        del full
    return {"long": torch.cat([torch.tensor([math.nan]), -loss_overall]), "short": shorts, "n_key": len(key)}


def timed(fn, repeats):
    """(median seconds, peak GiB, result of the last run)"""
    ts, peaks, out = [], [], None
    for _ in range(repeats):
        out = None
        gc.collect()
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
        sync()
        t0 = time.perf_counter()
        out = fn()
        sync()
        ts.append(time.perf_counter() - t0)
        peaks.append(torch.cuda.max_memory_allocated() / GiB)
    ts.sort()
    return ts[len(ts) // 2], max(peaks), out


def bench_arch(name, args, rate):
    a = ARCHS[name]
    row = {"arch": name}
    t0 = time.perf_counter()
    model, cfg = build(name)
    sync()
    row["build_s"] = time.perf_counter() - t0
    row["weights_gib"] = torch.cuda.memory_allocated() / GiB
    n, size, step = args.tokens, args.window, args.step
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(0, a["vocab_size"], (n,), generator=g)
    plan = longppl_plan(n, size, step)
    row["engine_tokens"] = plan_tokens(plan)
    row["floor_flops"] = plan_flops(a, plan)
    row["floor_s"] = row["floor_flops"] / rate
    row["reference_flops"] = reference_flops(a, n, size, step)
    # warm-up at a small size (kernels, allocator), then the timed runs
    warm = ids[: size + 2 * step]
    engine_run(model, warm, longppl_plan(len(warm), size, step), args.batch_tokens, args.chunk)
    try:
        row["engine_s"], row["engine_peak_gib"], eng = timed(
            lambda: engine_run(model, ids, plan, args.batch_tokens, args.chunk), args.repeats)
        long_only = [plan[0]]
        row["engine_long_s"], row["engine_long_peak_gib"], _ = timed(
            lambda: engine_run(model, ids, long_only, args.batch_tokens, args.chunk), 1)
        row["floor_long_s"] = plan_flops(a, long_only) / rate
        # the locked-no4k setting's own spec (harness/scoring/setting-specs.ts): windows 1024/256 and 4096/1024
        locked = plan_forwards(n, [(1024, 256), (size, step)])
        row["locked_tokens"] = plan_tokens(locked)
        row["locked_floor_s"] = plan_flops(a, locked) / rate
        row["engine_locked_s"], row["engine_locked_peak_gib"], _ = timed(
            lambda: engine_run(model, ids, locked, args.batch_tokens, args.chunk), 1)
        if args.unmerged_too:
            # the same plan with one forward per planned window (the worker before windows sharing a start
            # shared one forward): the saving of the merge on the same machine
            row["locked_tokens_unmerged"] = plan_tokens(locked, merge=False)
            row["engine_locked_unmerged_s"], _, _ = timed(
                lambda: engine_run(model, ids, locked, args.batch_tokens, args.chunk, merge_starts=False), 1)
        row["engine_mean_logprob"] = float(eng["logprob"]["long"][1:].mean())
        row["weight_std"] = float(model.get_output_embeddings().weight.float().std())
        if name in args.sdpa_compare.split(","):
            os.environ["LONGPROXY_SDPA"] = "default"
            try:
                row["engine_default_sdpa_s"], _, _ = timed(
                    lambda: engine_run(model, ids, plan, args.batch_tokens, args.chunk), 1)
            finally:
                del os.environ["LONGPROXY_SDPA"]
    except Exception as err:  # noqa: BLE001
        if not is_oom(err) and "out of GPU memory" not in str(err):
            raise
        row["engine_error"] = f"OOM: {str(err)[:200]}"
        eng = None
    gc.collect()
    torch.cuda.empty_cache()
    if not args.skip_reference:
        try:
            reference_run(model, warm, size, step)
            row["reference_s"], row["reference_peak_gib"], ref = timed(
                lambda: reference_run(model, ids, size, step), args.repeats)
            if eng is not None:
                key = f"{size}/{step}"
                dl = (eng["logprob"]["long"][1:] - ref["long"][1:]).abs()
                m = ~torch.isnan(ref["short"])
                ds = (eng["logprob"][key][m] - ref["short"][m]).abs()
                row["agree_long_max"], row["agree_long_mean"] = float(dl.max()), float(dl.mean())
                row["agree_short_max"], row["agree_short_mean"] = float(ds.max()), float(ds.mean())
        except Exception as err:  # noqa: BLE001
            if not is_oom(err):
                raise
            row["reference_error"] = "OOM (out of GPU memory)"
            row["reference_peak_gib"] = torch.cuda.max_memory_allocated() / GiB
    del model
    gc.collect()
    torch.cuda.empty_cache()
    if "engine_s" in row and "reference_s" in row:
        row["time_ratio"] = row["engine_s"] / row["reference_s"]
        row["mem_ratio"] = row["engine_peak_gib"] / row["reference_peak_gib"]
    if "engine_s" in row:
        row["floor_ratio"] = row["engine_s"] / row["floor_s"]
    return row


def fmt(v, p=2):
    return "—" if v is None else (f"{v:.{p}f}" if isinstance(v, float) else str(v))


def table(rows, rate, args, device):
    out = [f"device: {device}; bf16 matmul rate measured {rate / 1e12:.0f} TFLOP/s (8192^3); document "
           f"{args.tokens} tokens; short window {args.window}/{args.step}; engine batch {args.batch_tokens} "
           f"tokens, head chunk {args.chunk}; median of {args.repeats}",
           "",
           "| architecture | weights GiB | (a) engine s | (a) peak GiB | (b) reference s | (b) peak GiB | "
           "(c) floor s | a/b time | a/b memory | a/c | long pass s (floor) |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        ref_s = r.get("reference_s")
        out.append("| " + " | ".join([
            r["arch"], fmt(r["weights_gib"], 1), fmt(r.get("engine_s")) if "engine_s" in r else (
                r.get("engine_error") or r.get("error") or "—"), fmt(r.get("engine_peak_gib"), 1),
            fmt(ref_s) if ref_s is not None else r.get("reference_error", "—"), fmt(r.get("reference_peak_gib"), 1),
            fmt(r["floor_s"]), fmt(r.get("time_ratio")), fmt(r.get("mem_ratio")), fmt(r.get("floor_ratio")),
            f"{fmt(r.get('engine_long_s'))} ({fmt(r.get('floor_long_s'))})"]) + " |")
    return "\n".join(out)


def projection(rows, docs=50, key="engine_s"):
    by = {r["arch"]: r for r in rows}
    total, missing = 0.0, []
    for model, arch in LOCKED.items():
        r = by.get(arch)
        if r is None or key not in r:
            missing.append(model)
            continue
        total += r[key] * docs
    return total, missing


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--archs", default=",".join(ARCHS))
    ap.add_argument("--tokens", type=int, default=32768)
    ap.add_argument("--window", type=int, default=4096)
    ap.add_argument("--step", type=int, default=1024)
    ap.add_argument("--batch-tokens", type=int, default=20480)
    ap.add_argument("--chunk", type=int, default=2048)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--skip-reference", action="store_true")
    ap.add_argument("--unmerged-too", action="store_true",
                    help="also time the locked spec with one forward per window (no merging of equal starts)")
    ap.add_argument("--sdpa-compare", default="Qwen2.5-7B",
                    help="architectures whose engine run is also timed with PyTorch's default attention order")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    device = torch.cuda.get_device_name(0)
    rate = matmul_rate()
    print(f"[bench] {device}, bf16 matmul {rate / 1e12:.0f} TFLOP/s", flush=True)
    rows = []
    for name in args.archs.split(","):
        t0 = time.perf_counter()
        try:
            row = bench_arch(name, args, rate)
        except Exception as err:  # noqa: BLE001 - one architecture's failure must not lose the others
            import traceback
            traceback.print_exc()
            row = {"arch": name, "error": f"{type(err).__name__}: {str(err)[:300]}", "weights_gib": None,
                   "floor_s": float("nan")}
            gc.collect()
            torch.cuda.empty_cache()
        rows.append(row)
        print(f"[bench] {name} done in {time.perf_counter() - t0:.0f}s: " + json.dumps(
            {k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()}), flush=True)
        if args.out:  # keep what is done if a later architecture kills the run
            write(args, rows, rate, device)
    write(args, rows, rate, device)


def write(args, rows, rate, device):
    total, missing = projection(rows)
    total_locked, _ = projection(rows, key="engine_locked_s")
    text = table(rows, rate, args, device)
    text += ("\n\nWith the locked-no4k setting's own spec (short windows 1024/256 and 4096/1024 together), engine: " +
             ", ".join(f"{r['arch']} {r['engine_locked_s']:.2f} s ({r['engine_locked_s'] / r['locked_floor_s']:.2f}x its "
                       f"floor, {r['engine_locked_peak_gib']:.1f} GiB)" for r in rows if "engine_locked_s" in r) +
             f". Projected 17 models x 50 documents: {total_locked / 3600:.2f} h ({total_locked:.0f} s).")
    text += (f"\n\nProjected wall-clock, 17 locked models x 50 documents of {args.tokens} tokens, engine (a), one "
             f"{device}: {total / 3600:.2f} h ({total:.0f} s)" + (f"; not covered: {', '.join(missing)}" if missing
                                                                   else "") + " (model loading not included).")
    print(text, flush=True)
    if args.out:
        os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
        tmp = args.out + ".tmp"
        with open(tmp, "w") as fh:
            json.dump({"device": device, "matmul_flops_per_s": rate, "args": vars(args), "rows": rows,
                       "projection_s": total, "projection_locked_spec_s": total_locked, "projection_missing": missing, "torch": torch.__version__}, fh,
                      indent=1)
        os.replace(tmp, args.out)
        with open(os.path.splitext(args.out)[0] + ".md", "w") as fh:
            fh.write(text + "\n")


if __name__ == "__main__":
    main()

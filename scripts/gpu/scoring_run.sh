#!/usr/bin/env bash
# The GPU-backed scoring run (README "GPU-backed scoring suite"): the same scoring suites as on the CPU
# (`vitest run metrics/`), with the token statistics computed by the torch engine on the GPU in float32, written to
# a scratch folder (the committed CPU artifacts under results/ are not touched), then compared with the committed
# CPU run. Run ON the GPU machine, from the repository root (python3 with torch + CUDA, transformers, onnx,
# onnxruntime, tokenizers; no Node.js needed):
#
#   bash scripts/gpu/scoring_run.sh          carry: .device-carry/node.tar.xz .device-carry/node_modules-slim.tar.xz
#                                            (made here by bash scripts/gpu/pack_node.sh)
# Steps: 0. unpack node and node_modules; 1. zoo parity: transformers and the built-in decoder on the GPU vs
# onnxruntime (scripts/gpu/zoo_parity.py); 2. float32: cache filled by `longproxy stats --setting zoo`
# (bench/gpu_fill_cache.ts), `vitest run metrics/` with LONGPROXY_ENGINE=torch, `longproxy compare runs` against
# results/; 3. the same in bf16 if
# time is left (reported, not judged); 4. what comes back, in $OUT (at most 8 files):
#   scoring_run.log, zoo_parity.json, compare-f32.md, compare-bf16.md, gpu-run.tar.xz (results/ of each pass:
#   submissions, verify, claims, reports; fill and vitest logs), cache-f32.tar.xz.part-NN (the float32 token
#   statistics, split in 15 MiB parts; join with cat, then `longproxy compare caches` here).
# Time: DEADLINE_S (default 420 s) bounds the steps (packing adds ~20 s); the bf16 pass starts only with
# BF16_NEEDS_S (240) left. LONGPROXY_PYTHON (default: python3 on PATH); DEVICE (default cuda:0); SEED_CACHE: a
# float32 torch cache to start from (a resumed run, or a dry run on a CPU machine:
#   LONGPROXY_PYTHON=/usr/bin/python3 DEVICE=cpu SEED_CACHE=DIR BF16_NEEDS_S=100000 bash scripts/gpu/scoring_run.sh).
set -u -o pipefail
T0=$(date +%s)
OUT=${OUT:-/tmp/scoring-run-out}
RUN=${RUN_DIR:-/tmp/longproxy-gpu-run}
DEADLINE_S=${DEADLINE_S:-420}
BF16_NEEDS_S=${BF16_NEEDS_S:-240}
DEVICE=${DEVICE:-cuda:0}
SEED_CACHE=${SEED_CACHE:-} # optional: a float32 torch cache to start from (a resumed or dry run)
C=.device-carry
mkdir -p "$OUT" "$RUN"
log() { echo "[scoring_run +$(( $(date +%s) - T0 ))s] $*"; }
left() { echo $(( DEADLINE_S - ($(date +%s) - T0) )); }
within() { local t; t=$(left); [ "$t" -gt "$1" ] && t=$1; [ "$t" -lt 5 ] && t=5; timeout "$t" "${@:2}"; }

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
main() {
# 0. Node.js and node_modules
unpack_node || return 1
export LONGPROXY_PYTHON=${LONGPROXY_PYTHON:-$(command -v python3)}
PY=$LONGPROXY_PYTHON
log "node $(node --version), python $LONGPROXY_PYTHON"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || log "no nvidia-smi"
"$PY" -c 'import torch, onnx; print("torch", torch.__version__, "cuda", torch.cuda.is_available(), "onnx", onnx.__version__)' ||
  { log "$PY lacks torch or onnx"; return 1; }
"$PY" -c 'import transformers; print("transformers", transformers.__version__)' ||
  log "no transformers: the worker runs the zoo with its built-in decoder"
TS=(node --import ./scripts/gpu/ts-register.mjs)
LP=("${TS[@]}" scripts/gpu/longproxy.ts)

# 1. zoo parity (python): the worker's two backends on the GPU against onnxruntime
log "1. zoo parity (transformers and built-in decoder, $DEVICE float32, vs onnxruntime CPU)"
within 120 "$PY" scripts/gpu/zoo_parity.py --device "$DEVICE" --out "$OUT/zoo_parity.json" 2>&1 | grep -v -i warn
log "zoo parity exit ${PIPESTATUS[0]}"
# transformers never ran here before: if its backend failed or missed the bar, the scoring passes use the built-in
# decoder (also torch on the GPU) rather than losing the call, and the log says so.
if [ -f "$OUT/zoo_parity.json" ] && ! "$PY" -c 'import json,sys; rows=json.load(open(sys.argv[1]))["rows"]; t=[r for r in rows if r["backend"]=="transformers"]; sys.exit(0 if t and all("error" not in r and r["max_abs_logprob"]<=1e-3 and r["max_abs_entropy"]<=1e-3 for r in t) else 1)' "$OUT/zoo_parity.json" 2>/dev/null; then
  export LONGPROXY_TORCH_BACKEND=native
  log "transformers backend not within the bar (or not run): scoring passes use the built-in decoder (LONGPROXY_TORCH_BACKEND=native)"
fi

# 2./3. one scoring pass per dtype
pass() { # dtype label
  local dtype=$1 label=$2 d="$RUN/$2"
  rm -rf "$d" && mkdir -p "$d"
  [ -n "$SEED_CACHE" ] && [ "$dtype" = float32 ] && cp -r "$SEED_CACHE" "$d/cache"
  export LONGPROXY_ENGINE=torch LONGPROXY_TORCH_DEVICE=$DEVICE LONGPROXY_TORCH_DTYPE=$dtype
  export LONGPROXY_CACHE_DIR="$d/cache" LONGPROXY_RESULTS_DIR="$d/results"
  log "$label: token statistics with the torch engine ($DEVICE, $dtype) -> $LONGPROXY_CACHE_DIR"
  within 300 "${TS[@]}" bench/gpu_fill_cache.ts --setting zoo --devices "$DEVICE" --dtype "$dtype" > "$d/fill.log" 2>&1
  log "$label: fill exit $?"; tail -22 "$d/fill.log"
  log "$label: vitest run metrics/ -> $LONGPROXY_RESULTS_DIR"
  within 200 node node_modules/vitest/vitest.mjs run metrics/ > "$d/vitest.log" 2>&1
  log "$label: vitest exit $?"; grep -E '\[held-out\]|passed|failed|FAIL' "$d/vitest.log" | grep -v sign-flipped | tail -20
  local tol=()
  [ "$dtype" = float32 ] || tol=(--score-tol 1 --stat-tol 1) # bf16: reported, not judged
  "${LP[@]}" compare runs --run "$d/results" --base results --labels "cpu-onnx-f32,gpu-torch-$label" \
    "${tol[@]}" --out "$OUT/compare-$label.md" > "$d/compare.log" 2>&1
  log "$label: compare exit $? ($OUT/compare-$label.md)"; grep -E '^\| [a-z-]+ \| [0-9]+ \||RESULT' "$OUT/compare-$label.md"
  unset LONGPROXY_ENGINE LONGPROXY_TORCH_DEVICE LONGPROXY_TORCH_DTYPE LONGPROXY_CACHE_DIR LONGPROXY_RESULTS_DIR
}
pass float32 f32
if [ "$(left)" -gt "$BF16_NEEDS_S" ]; then pass bfloat16 bf16; else log "bf16 pass skipped: $(left) s left (needs $BF16_NEEDS_S)"; fi

# 4. what comes back
log "4. packing"
tar -cJf "$OUT/gpu-run.tar.xz" -C "$RUN" --exclude='*/cache' $(cd "$RUN" && ls -d f32 bf16 2>/dev/null)
tar -cf - -C "$RUN" f32/cache | xz -6 -T0 | split -b 15m -d - "$OUT/cache-f32.tar.xz.part-"
parts=$(ls "$OUT"/cache-f32.tar.xz.part-* | wc -l)
if [ "$parts" -gt 3 ]; then log "cache in $parts parts: more than fit in 8 files, dropped"; rm -f "$OUT"/cache-f32.tar.xz.part-*; fi
ls -la "$OUT"
log "done in $(( $(date +%s) - T0 )) s"
}

main 2>&1 | tee "$OUT/scoring_run.log"

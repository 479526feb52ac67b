#!/usr/bin/env bash
# Throughput of `longproxy stats --setting`'s fill (harness/fleet/, bench/fill_bench.ts), run ON the GPU machine
# from the repository root (python3 with torch + CUDA and transformers; no Node.js needed):
#   A. tokens/s with 1 GPU and with all visible GPUs side by side (weak scaling: DOCS_PER_GPU documents per GPU),
#      random-weight models of the locked architectures at 32k tokens, the locked spec (windows 1024/256, 4096/1024);
#      on a machine with one GPU only the 1-GPU pass runs (the report says so);
#   B. the worker-reuse saving on the zoo: wall-clock against the sum of forward seconds, one worker per model vs
#      one worker reused (ZOO_MODELS of the 18 zoo models, all 12 documents each).
#
#   bash scripts/gpu/fill_bench.sh          carry: .device-carry/node.tar.xz .device-carry/node_modules-slim.tar.xz
#                                           (made here by bash scripts/gpu/pack_node.sh)
# Knobs: MODELS (default random:Qwen2.5-7B,random:Llama-2-7B-32k,random:Mistral-7B-v0.2), DOCS_PER_GPU (2),
# TOKENS (32768), ZOO_MODELS (6), DTYPE (bfloat16), DEADLINE_S (290: the whole script is cut there).
# Comes back in $OUT: fill_bench.md (the tables), fill_bench.json, fill_bench.log.
set -u -o pipefail
T0=$(date +%s)
OUT=${OUT:-/tmp/fill-bench-out}
DEADLINE_S=${DEADLINE_S:-290}
C=.device-carry
mkdir -p "$OUT"
log() { echo "[fill_bench +$(( $(date +%s) - T0 ))s] $*"; }

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
main() {
unpack_node || return 1
export LONGPROXY_PYTHON=${LONGPROXY_PYTHON:-$(command -v python3)}
nvidia-smi --query-gpu=index,name,memory.total --format=csv,noheader || log "no nvidia-smi"
n=$("$LONGPROXY_PYTHON" -c 'import torch; print(torch.cuda.device_count())') || { log "$LONGPROXY_PYTHON lacks torch"; return 1; }
"$LONGPROXY_PYTHON" -c 'import transformers; print("transformers", transformers.__version__)' ||
  { log "no transformers: the random:ARCH models need it"; return 1; }
[ "$n" -ge 1 ] || { log "torch sees no GPU"; return 1; }
devices=$(seq -s, -f 'cuda:%g' 0 $((n - 1)))
log "node $(node --version); $n GPU(s): $devices"
left=$(( DEADLINE_S - ($(date +%s) - T0) ))
timeout "$left" node --import ./scripts/gpu/ts-register.mjs bench/fill_bench.ts --devices "$devices" \
  --models "${MODELS:-random:Qwen2.5-7B,random:Llama-2-7B-32k,random:Mistral-7B-v0.2}" \
  --docs-per-gpu "${DOCS_PER_GPU:-2}" --tokens "${TOKENS:-32768}" --zoo-models "${ZOO_MODELS:-6}" \
  --dtype "${DTYPE:-bfloat16}" --out "$OUT"
log "fill_bench exit $? ($OUT/fill_bench.md)"
}

main 2>&1 | tee "$OUT/fill_bench.log"

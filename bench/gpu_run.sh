#!/usr/bin/env bash
# Everything of the torch engine that needs the GPU machine, in one call (docs/engines.md, results/gpu/README.md):
#   1. parity of the torch worker (transformers) with the ONNX engine's statistics in results/gpu/parity-pack.json,
#      on the CPU in float32 and on the GPU in float32 and bf16 (bench/gpu_parity.py);
#   2. the torch engine's Vitest suites through the real pipe, with transformers and CUDA there (Node.js and a slim
#      node_modules travel as tarballs in .device-carry/);
#   3. the benchmark (bench/gpu_bench.py), last, under a time limit.
# The GPU-backed scoring run of the zoo has its own driver, for a call of its own: scripts/gpu/scoring_run.sh.
# Results go to $OUT (at most 8 files come back). Carry: .device-carry/node.tar.xz,
# .device-carry/node_modules-slim.tar.xz, .device-carry/parity-models.tar.xz (paths of the parity pack).
set -u
export PYTHONUNBUFFERED=1
OUT=${OUT:-/tmp/gpu-run-out}
mkdir -p "$OUT"
log() { echo "[gpu_run $(date +%T)] $*"; }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -c 'import torch, transformers, tokenizers; print("torch", torch.__version__, "transformers", transformers.__version__, "tokenizers", tokenizers.__version__)'
C=.device-carry
[ -f $C/node.tar.xz ] && mkdir -p /tmp/node && tar -xJf $C/node.tar.xz -C /tmp/node && export PATH=/tmp/node:$PATH
[ -f $C/node_modules-slim.tar.xz ] && [ ! -d node_modules/vitest ] && mkdir -p node_modules && tar -xJf $C/node_modules-slim.tar.xz -C node_modules
[ -f $C/parity-models.tar.xz ] && tar -xJf $C/parity-models.tar.xz -C $C
export LONGPROXY_PYTHON=$(command -v python3)
log "node $(node --version 2>&1)"

log "1. parity (python)"
timeout 180 python3 bench/gpu_parity.py --pack results/gpu/parity-pack.json --out "$OUT/parity.json" 2>&1 | grep -v -i warn | tail -12

if command -v node >/dev/null && [ -d node_modules/vitest ]; then
log "2. torch engine suites (vitest)"
timeout 240 node node_modules/vitest/vitest.mjs run harness/engine/torch.test.ts harness/engine/torch-resume.test.ts \
  harness/engine/torch-parity.test.ts --reporter=verbose > "$OUT/vitest-torch.log" 2>&1
tail -25 "$OUT/vitest-torch.log"
else
log "2. skipped: no Node.js here (carry .device-carry/node.tar.xz and node_modules-slim.tar.xz)"
fi

log "3. benchmark"
timeout "${BENCH_TIMEOUT:-330}" python3 bench/gpu_bench.py --out "$OUT/bench.json" ${BENCH_ARGS:-} > "$OUT/bench.log" 2>&1
grep -v '^\[bench\]' "$OUT/bench.log" | grep -v -i warn | tail -22
log done

# Shared by the GPU-machine drivers (scoring_run.sh, rehearsal_run.sh, fill_bench.sh); sourced, not run.
# unpack_node: the GPU machine has no Node.js; put the carried node binary on PATH and the slim node_modules in
# place (both made here by scripts/gpu/pack_node.sh). Needs C (the carry folder) and a log function.
unpack_node() {
  if ! command -v node >/dev/null; then
    [ -f $C/node.tar.xz ] || { log "no node and no $C/node.tar.xz: carry it (bash scripts/gpu/pack_node.sh here)"; return 1; }
    mkdir -p /tmp/lp-node && tar -xJf $C/node.tar.xz -C /tmp/lp-node && export PATH=/tmp/lp-node:$PATH
  fi
  if [ ! -d node_modules/vitest ]; then
    [ -f $C/node_modules-slim.tar.xz ] || { log "no node_modules and no $C/node_modules-slim.tar.xz: carry it"; return 1; }
    rm -rf node_modules && mkdir node_modules && tar -xJf $C/node_modules-slim.tar.xz -C node_modules
  fi
}

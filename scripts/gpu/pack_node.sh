#!/usr/bin/env bash
# Builds what the GPU machine lacks for the GPU-backed scoring run (it has python3 + torch + transformers, no
# Node.js), as two tarballs to carry there:
#   .device-carry/node.tar.xz               the node binary of this machine (x86_64, Node 20), stripped: ./node
#   .device-carry/node_modules-slim.tar.xz  what `vitest run metrics/` with the torch engine and bench/*.ts (run as
#                                           node --import ./scripts/gpu/ts-register.mjs) load: slim_modules.mjs
# Compressed with xz -9e and the x86 branch filter (smaller for machine code; plain `tar -xJf` unpacks it).
# Deterministic: the same inputs give the same bytes. .device-carry/ is git-ignored.
#
#   bash scripts/gpu/pack_node.sh            [NODE_BIN=/usr/bin/node] [MODULES=node_modules] [DEST=.device-carry]
set -euo pipefail
cd "$(dirname "$0")/../.."
NODE_BIN=${NODE_BIN:-/usr/bin/node}
MODULES=${MODULES:-node_modules}
DEST=${DEST:-.device-carry}

[ -x "$NODE_BIN" ] || { echo "pack_node: $NODE_BIN is not an executable (set NODE_BIN)" >&2; exit 1; }
arch=$("$NODE_BIN" -p process.arch) major=$("$NODE_BIN" -p 'process.versions.node.split(".")[0]')
[ "$arch" = x64 ] && [ "$major" = 20 ] || { echo "pack_node: $NODE_BIN is node $major on $arch; the GPU machine needs Node 20 on x64" >&2; exit 1; }
[ -d "$MODULES/vitest" ] || { echo "pack_node: $MODULES has no vitest (run npm ci first, or set MODULES)" >&2; exit 1; }
command -v xz >/dev/null || { echo "pack_node: xz not found (apt-get install xz-utils)" >&2; exit 1; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$DEST"
TAR=(tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner)

# 1. node: debug symbols off (99 -> 86 MB here); a binary that no longer runs is an error.
if command -v strip >/dev/null; then strip --strip-all -o "$stage/node" "$NODE_BIN"; else cp "$NODE_BIN" "$stage/node"; fi
"$stage/node" -e 'if (process.versions.node !== process.argv[1]) process.exit(1)' "$("$NODE_BIN" -p process.versions.node)"
"${TAR[@]}" -C "$stage" -cf - node | xz --x86 --lzma2=preset=9e,dict=128MiB -T1 > "$DEST/node.tar.xz.tmp"
mv "$DEST/node.tar.xz.tmp" "$DEST/node.tar.xz"

# 2. node_modules: the runtime closure, pruned, with stand-ins for onnxruntime-node and sharp.
"$stage/node" scripts/gpu/slim_modules.mjs --from "$MODULES" --to "$stage/node_modules"
"${TAR[@]}" -C "$stage/node_modules" -cf - . | xz --x86 --lzma2=preset=9e -T1 > "$DEST/node_modules-slim.tar.xz.tmp"
mv "$DEST/node_modules-slim.tar.xz.tmp" "$DEST/node_modules-slim.tar.xz"

a=$(stat -c %s "$DEST/node.tar.xz") b=$(stat -c %s "$DEST/node_modules-slim.tar.xz")
echo "pack_node: $DEST/node.tar.xz $a bytes (node $("$NODE_BIN" --version)), $DEST/node_modules-slim.tar.xz $b bytes; together $((a + b)) bytes ($(( (a + b) / 1048576 )) MiB)"

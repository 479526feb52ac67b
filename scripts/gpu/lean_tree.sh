#!/usr/bin/env bash
# What travels to the GPU machine is the working tree's tracked and untracked-not-ignored files plus the carried
# paths, 64 MiB in all. The GPU scoring run does not read the committed ONNX token-statistics cache (24.6 MiB), the
# parity pack or the fixture models, so this takes them out of what travels, reversibly, without touching a file:
#   drop:    git rm --cached (the files stay on disk, untracked) + an entry in .git/info/exclude (so they are ignored)
#   restore: git reset (back in the index as committed) + the exclude entries removed
#   status:  the bytes that would travel, with and without the carried tarballs
#
#   bash scripts/gpu/lean_tree.sh drop|restore|status        (PATHS="results/cache ..." to choose what to drop)
# Only paths without uncommitted changes are dropped; commit nothing while they are dropped.
set -euo pipefail
cd "$(dirname "$0")/../.."
PATHS=${PATHS:-results/cache results/gpu/parity-pack.json fixtures/models}
CARRY=(.device-carry/node.tar.xz .device-carry/node_modules-slim.tar.xz)
exclude=$(git rev-parse --git-path info/exclude)
MARK='# lean_tree.sh'

travelling() { # bytes of tracked + untracked-not-ignored files
  git ls-files -z --cached --others --exclude-standard | xargs -0 -r stat -c %s 2>/dev/null | awk '{s += $1} END {print s + 0}'
}

case "${1:-status}" in
drop)
  for p in $PATHS; do
    if ! git diff --quiet HEAD -- "$p"; then echo "lean_tree: $p has uncommitted changes; commit or restore them first" >&2; exit 1; fi
  done
  mkdir -p "$(dirname "$exclude")"
  for p in $PATHS; do
    git rm -r -q --cached -- "$p"
    grep -qxF "/$p" "$exclude" 2>/dev/null || printf '%s\n%s\n' "$MARK" "/$p" >> "$exclude"
  done
  echo "lean_tree: dropped $PATHS from what travels (restore with: bash scripts/gpu/lean_tree.sh restore)"
  ;;
restore)
  for p in $PATHS; do git reset -q -- "$p"; done
  [ -f "$exclude" ] && sed -i "\|^$MARK\$|{N;d}" "$exclude"
  git status --short -- $PATHS
  echo "lean_tree: restored $PATHS"
  ;;
status) ;;
*) echo "usage: bash scripts/gpu/lean_tree.sh drop|restore|status" >&2; exit 2 ;;
esac
t=$(travelling)
c=0
for f in "${CARRY[@]}"; do [ -f "$f" ] && c=$((c + $(stat -c %s "$f"))); done
echo "lean_tree: $t bytes of tree travel ($((t / 1048576)) MiB); with the carried tarballs $((t + c)) bytes ($(( (t + c) / 1048576 )) MiB; the limit is 64 MiB)"

#!/usr/bin/env bash
# What travels to the GPU machine is the working tree's tracked and untracked-not-ignored files plus the carried
# paths, 64 MiB in all. The GPU scoring run does not read the committed ONNX token-statistics cache (24.6 MiB), the
# parity pack or the fixture models, so this takes them out of what travels, reversibly:
#   drop:    git rm --cached, and the files moved into the git-ignored .device-carry/lean-stash/ (nothing else of
#            git is changed: no exclude file, which a linked worktree would share with the main checkout)
#   restore: the files moved back, and git reset puts them in the index again as committed
#   status:  the bytes that would travel, with and without the carried tarballs
#
#   bash scripts/gpu/lean_tree.sh drop|restore|status        (PATHS="results/cache ..." to choose what to drop)
# Only paths without uncommitted changes are dropped; commit nothing while they are dropped.
set -euo pipefail
cd "$(dirname "$0")/../.."
PATHS=${PATHS:-results/cache results/gpu/parity-pack.json fixtures/models}
CARRY=(.device-carry/node.tar.xz .device-carry/node_modules-slim.tar.xz)
STASH=.device-carry/lean-stash

travelling() { # bytes of tracked + untracked-not-ignored files
  git ls-files -z --cached --others --exclude-standard | xargs -0 -r stat -c %s 2>/dev/null | awk '{s += $1} END {print s + 0}'
}

case "${1:-status}" in
drop)
  for p in $PATHS; do
    [ -e "$STASH/$p" ] && { echo "lean_tree: $STASH/$p exists: restore first" >&2; exit 1; }
    git diff --quiet HEAD -- "$p" || { echo "lean_tree: $p has uncommitted changes; commit or restore them first" >&2; exit 1; }
  done
  for p in $PATHS; do
    git rm -r -q --cached -- "$p"
    mkdir -p "$STASH/$(dirname "$p")"
    mv "$p" "$STASH/$p"
  done
  echo "lean_tree: dropped $PATHS from what travels (kept in $STASH/; bash scripts/gpu/lean_tree.sh restore)"
  ;;
restore)
  for p in $PATHS; do
    if [ -e "$STASH/$p" ]; then
      [ -e "$p" ] && { echo "lean_tree: both $p and $STASH/$p exist; move one away by hand" >&2; exit 1; }
      mkdir -p "$(dirname "$p")"
      mv "$STASH/$p" "$p"
    fi
    git reset -q -- "$p"
  done
  [ -d "$STASH" ] && find "$STASH" -depth -type d -empty -delete
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

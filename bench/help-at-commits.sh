#!/usr/bin/env bash
# Median wall time of `node bin/run.js securekey:status --help` at two commits (default: b697854, before the layout
# refactor, and HEAD), runs taken in alternation. Each commit is checked out in its own worktree under /tmp with
# node_modules linked from this checkout and built with tsc into that worktree's dist/ (bin/run.js loads
# ./dist/commands through oclif; there is no manifest, so oclif finds the commands the same way at both).
#   bash bench/help-at-commits.sh [BEFORE] [AFTER] [RUNS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
before=${1:-b697854}; after=${2:-HEAD}; runs=${3:-7}
declare -A dirs
for ref in "$before" "$after"; do
  sha=$(git -C "$root" rev-parse --short "$ref")
  dir=/tmp/wt-$sha
  [ -d "$dir" ] || git -C "$root" worktree add --detach "$dir" "$sha" >/dev/null 2>&1
  [ -e "$dir/node_modules" ] || ln -s "$root/node_modules" "$dir/node_modules"
  (cd "$dir" && rm -rf dist && npx tsc -p tsconfig.json)
  dirs[$ref]=$dir
done
time_once() { local start end; start=$(date +%s%N); (cd "$1" && node bin/run.js securekey:status --help >/dev/null); end=$(date +%s%N); echo $(( (end - start) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2 ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2)}'; }
for ref in "$before" "$after"; do time_once "${dirs[$ref]}" >/dev/null; done   # warm-up
a=(); b=()
for _ in $(seq "$runs"); do a+=("$(time_once "${dirs[$before]}")"); b+=("$(time_once "${dirs[$after]}")"); done
echo "$before ($(git -C "${dirs[$before]}" rev-parse --short HEAD)): median $(printf '%s\n' "${a[@]}" | median) ms of ${a[*]}"
echo "$after ($(git -C "${dirs[$after]}" rev-parse --short HEAD)): median $(printf '%s\n' "${b[@]}" | median) ms of ${b[*]}"
echo "worktrees left in place: ${dirs[$before]} ${dirs[$after]} (git worktree remove --force DIR to drop them)"

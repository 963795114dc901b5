#!/usr/bin/env bash
# CI on a new machine: `.ci/run` on a fresh clone of HEAD with every cache empty, timed (about an hour on 2 cores).
#
#   bash bench/cold-ci.sh [work-dir]      (default: a new folder under ${TMPDIR:-/tmp}; removed when it passes)
#
# "Empty" means a new HOME for the run: no npm cache, no pip cache, no Go module or build cache and no tools
# machine cache (~/.cache/tfpf/tools), so every Go tool (the AWS provider too) is downloaded and compiled from
# source and every venv is built from downloaded wheels. Only the registry settings are kept: ~/.npmrc,
# ~/.config/go/env, ~/.config/pip/pip.conf and ~/.gitconfig are copied into the new HOME when they exist.
# The system's own settings (/etc/pip.conf, PIP_* and GO* variables) apply as they would on a new machine.
# Not part of `npm run bench`: run it on an otherwise idle machine, since whatever else runs is measured too.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ ! -x /usr/bin/time ]]; then
  echo "bench/cold-ci.sh: needs GNU time at /usr/bin/time (Debian package: time)" >&2
  exit 2
fi
work="${1:-$(mktemp -d "${TMPDIR:-/tmp}/tfpf-cold-ci.XXXXXX")}"
mkdir -p "$work/home"
if [[ -n "$(ls -A "$work/home")" || -e "$work/repo" ]]; then
  echo "bench/cold-ci.sh: $work is not empty: give a new folder" >&2
  exit 2
fi
for file in .npmrc .config/go/env .config/pip/pip.conf .gitconfig; do
  if [[ -f "$HOME/$file" ]]; then
    mkdir -p "$(dirname "$work/home/$file")"
    cp "$HOME/$file" "$work/home/$file"
  fi
done
git clone --quiet "$root" "$work/repo"
# .ci/run expects ../shared beside the clone, as CI provides it.
if [[ -d "$root/../shared" ]]; then ln -s "$root/../shared" "$work/shared"; fi
commit="$(git -C "$work/repo" rev-parse --short HEAD)"
echo "cold CI of $commit in $work (log: $work/ci.log)"

start=$(date +%s)
status=0
HOME="$work/home" /usr/bin/time -v -o "$work/time.txt" bash "$work/repo/.ci/run" >"$work/ci.log" 2>&1 || status=$?
end=$(date +%s)

field() { # name
  sed -n "s/^[[:space:]]*$1: //p" "$work/time.txt"
}
echo "exit status: $status"
echo "wall: $((end - start)) s"
echo "CPU: user $(field 'User time (seconds)') s, system $(field 'System time (seconds)') s"
echo "peak RSS: $(field 'Maximum resident set size (kbytes)') kB"
echo "tool installs:"
grep -E '^[a-z0-9-]+ [0-9][^ ]*: installed \([0-9]+ s\)$' "$work/ci.log" | sed 's/^/  /' || true
grep -E '^jest: ' "$work/ci.log" || true
if [[ $status -eq 0 && $# -eq 0 ]]; then
  rm -rf "$work"
else
  echo "kept: $work"
fi
exit "$status"

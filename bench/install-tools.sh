#!/usr/bin/env bash
# Tool install, cold versus cached (target: cached <= 5 s).
#
#   bash bench/install-tools.sh [tool,tool,...]     (default: every default tool of scripts/install-tools)
#
# "Cold" here means: an empty tools folder (no .tools/bin, venvs or stamps), with this machine's Go module and build
# caches (`go env GOMODCACHE GOCACHE`) and pip's wheel cache left warm, so nothing is downloaded again that was
# downloaded before: it measures building/linking the Go tools and creating the venvs, not network time. A truly
# fresh machine also pays the downloads (Go modules, wheels) and, for the Go tools, full compilation.
# scripts/install-tools has no target-folder option, so the cold install runs a copy of the script (and of
# tool-versions.env) in a temporary project root; it writes only there.
# "Cached" is scripts/install-tools run again in this project, where every tool is already installed and stamped.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
only=()
if [[ $# -gt 0 ]]; then only=(--only "$1"); fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/tfpf-install-bench.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/scripts"
cp "$root/scripts/install-tools" "$root/scripts/tool-versions.env" "$tmp/scripts/"

seconds() { # command...
  local start end
  start=$(date +%s.%N)
  "$@" >"$tmp/out.log" 2>&1 || {
    cat "$tmp/out.log" >&2
    return 1
  }
  end=$(date +%s.%N)
  python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$start" "$end"
}

echo "warming the project's own tools (not measured)..."
bash "$root/scripts/install-tools" "${only[@]}" >/dev/null

cold=$(seconds bash "$tmp/scripts/install-tools" "${only[@]}")
echo "cold install (empty tools folder, Go/pip caches warm): ${cold} s"
sed 's/^/  /' "$tmp/out.log"
cached=$(seconds bash "$root/scripts/install-tools" "${only[@]}")
echo "cached install (everything stamped): ${cached} s"
python3 -c "import sys; c = float(sys.argv[1]); print(f'target cached <= 5 s: {\"met\" if c <= 5 else \"NOT met\"}')" "$cached"
printf '{"cold": %s, "cached": %s}\n' "$cold" "$cached"

#!/bin/sh
# Display benchmarks: frame costs (bench_render), then start to first frame
# and idle RSS of the real daemon (headless, 1080p), repeated RUNS times.
# usage: tools/bench/bench_render.sh [BUILD_DIR] [RUNS]
set -eu
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
RUNS=${2:-10}
ninja -C "$BUILD" display/callboard-display tools/bench/bench_render >/dev/null
echo "machine: $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo
"$BUILD/tools/bench/bench_render" 30 2>/dev/null
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
i=0
: >"$tmp/first"
: >"$tmp/rss"
while [ "$i" -lt "$RUNS" ]; do
	TZ=Europe/Copenhagen "$BUILD/display/callboard-display" --headless \
		--config tests/display/data/golden.ini --board tests/display/data/board.json \
		>"$tmp/log" 2>&1 &
	pid=$!
	n=0
	while ! grep -q "ms after start" "$tmp/log" && [ "$n" -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
	sed -n "s/.*first frame [0-9x]*, \([0-9-]*\) ms after start.*/\1/p" "$tmp/log" >>"$tmp/first"; grep -q "ms after start" "$tmp/log" || { echo "run $i: no first frame:" >&2; cat "$tmp/log" >&2; }
	sleep 1
	awk '/VmRSS/ {print $2}' "/proc/$pid/status" >>"$tmp/rss"
	kill "$pid"
	wait "$pid" || true
	i=$((i + 1))
done
stats() { sort -n "$1" | awk '{v[NR]=$1} END {printf "%s | %s .. %s | %d", v[int((NR+1)/2)], v[int(NR/10)+1], v[NR-int(NR/10)], NR}'; }
echo "| start to first frame, daemon 1080p (ms) | $(stats "$tmp/first") |"
echo "| RSS of the idle daemon 1080p, 1 s after start (KiB) | $(stats "$tmp/rss") |"

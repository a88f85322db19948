#!/bin/sh
# Every benchmark, one command: builds a release tree (build-bench), runs
# render, announce, bridge, idle-vs-kiosk, latency and soak, and replaces
# each one's section of BENCHMARKS.md in place (about 25 minutes).
#   tools/bench/run-all.sh [--quick] [--out FILE] [--only a,b] [--skip a,b] [--build DIR]
# --quick: short smoke run of all of them into build-bench/BENCHMARKS-quick.md.
set -eu
cd "$(dirname "$0")/../.."
exec /usr/bin/python3 tools/bench/run_all.py "$@"

#!/bin/sh
# Run the test command (tools/test.sh) N times in a row while two busy loops
# compete for the CPUs, and say how many runs passed: a test that waits for
# its events and not for the clock passes every time.
#   tools/stress-test.sh [N]        (default 5; QUICK=1, FUZZ_SECONDS=N,
#                                    CALLBOARD_SKIP_BENCH=1 pass through)
# Each run's output is kept in build-stress/run-N.log.
set -u
cd "$(dirname "$0")/.."
N=${1:-5}
case "$N" in '' | *[!0-9]*) echo "usage: tools/stress-test.sh [N]" >&2; exit 2 ;; esac

busy=""
stop_busy() {
	for p in $busy; do kill "$p" 2>/dev/null; done
	for p in $busy; do wait "$p" 2>/dev/null; done
	busy=""
}
trap stop_busy EXIT
trap 'stop_busy; exit 130' INT TERM
for _ in 1 2; do
	sh -c 'while :; do :; done' &
	busy="$busy $!"
done

passed=0
mkdir -p build-stress
for i in $(seq 1 "$N"); do
	echo "=== stress run $i/$N (two busy loops running)"
	# Not in build-logs: tools/test.sh starts that afresh each run.
	log="build-stress/run-$i.log"
	sh tools/test.sh >"$log" 2>&1
	rc=$?
	result=$(tail -n 1 "$log")
	grep '^FAILED:' "$log"
	echo "run $i: $result"
	if [ "$rc" = 0 ] && echo "$result" | grep -q ' 0 failed$'; then
		passed=$((passed + 1))
	fi
done
echo "$passed of $N runs passed"
[ "$passed" = "$N" ]

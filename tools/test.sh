#!/bin/sh
# Run every test: unit, integration, render, audio, e2e suites with gcc,
# the same suites under address+undefined sanitizers, each libFuzzer target
# briefly, then every benchmark once in its quick mode (one check: it fails
# when a bench crashes; its figures are not judged and go to
# build-logs/BENCHMARKS-quick.md, never to BENCHMARKS.md).
# The last line is "N passed, M failed".
#
#   QUICK=1 sh tools/test.sh                  gcc build and its suites only: no
#                                             packaging, sanitizers, arm64, fuzzing
#                                             or benchmarks
#   CALLBOARD_SKIP_BENCH=1 sh tools/test.sh   everything but the benchmarks
#   FUZZ_SECONDS=N sh tools/test.sh           seconds per fuzz target (default 5)
#   BENCH_TIMEOUT=N sh tools/test.sh          bound on the benchmarks (default 600 s)
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
tools/deps.sh test || exit 1
LOGDIR="$ROOT/build-logs"
rm -rf "$LOGDIR"
mkdir -p "$LOGDIR"
FUZZ_SECONDS=${FUZZ_SECONDS:-5}
QUICK=${QUICK:-0}
SKIP_BENCH=${CALLBOARD_SKIP_BENCH:-0}
built=0
status=0

step() { echo; echo "=== $*"; }

step "build (gcc)"
if [ ! -d build-test ]; then meson setup build-test >"$LOGDIR/setup.log" 2>&1 || { cat "$LOGDIR/setup.log"; status=1; }; fi
if ninja -C build-test >"$LOGDIR/build.log" 2>&1; then
	built=1
	step "tests (gcc)"
	nosuite="--no-suite fuzz --no-suite slow"
	[ "$QUICK" = 1 ] && nosuite="$nosuite --no-suite packaging"
	# shellcheck disable=SC2086
	meson test -C build-test --no-rebuild --print-errorlogs --num-processes 2 \
		$nosuite 2>&1 | tail -n 60
	cp build-test/meson-logs/testlog.json "$LOGDIR/gcc.json" 2>/dev/null
else
	tail -n 40 "$LOGDIR/build.log"; echo "build: FAILED" >>"$LOGDIR/extra-fail"
fi

if [ "$QUICK" = 1 ]; then
	step "QUICK=1: no sanitizers, fuzzing or benchmarks"
	step "summary"
	exec /usr/bin/python3 tools/ci/summary.py "$LOGDIR"
fi

step "build (address,undefined sanitizers)"
if [ ! -d build-asan ]; then
	meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false >"$LOGDIR/setup-asan.log" 2>&1 || cat "$LOGDIR/setup-asan.log"
fi
if ninja -C build-asan >"$LOGDIR/build-asan.log" 2>&1; then
	step "tests (sanitizers)"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	LSAN_OPTIONS=suppressions="$ROOT/tests/lsan.supp":print_suppressions=0 \
		meson test -C build-asan --no-rebuild --print-errorlogs --num-processes 2 \
		--suite unit --suite render --suite audio 2>&1 | tail -n 60
	cp build-asan/meson-logs/testlog.json "$LOGDIR/asan.json" 2>/dev/null
else
	tail -n 40 "$LOGDIR/build-asan.log"; echo "build-asan: FAILED" >>"$LOGDIR/extra-fail"
fi

step "fuzz targets (clang libFuzzer, ${FUZZ_SECONDS}s each)"
if [ ! -d build-fuzz ]; then
	CC=clang meson setup build-fuzz -Dfuzz=true -Dtests=false -Db_lundef=false >"$LOGDIR/setup-fuzz.log" 2>&1 || cat "$LOGDIR/setup-fuzz.log"
fi
if ninja -C build-fuzz >"$LOGDIR/build-fuzz.log" 2>&1; then
	for f in build-fuzz/tests/fuzz/fuzz-*; do
		[ -f "$f" ] && [ -x "$f" ] || continue
		name=$(basename "$f")
		corpus="tests/fuzz/corpus/${name#fuzz-}"
		work=$(mktemp -d)
		[ -d "$corpus" ] && cp -r "$corpus"/. "$work"/
		if "$f" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
			-artifact_prefix="$LOGDIR/$name-" "$work" >"$LOGDIR/$name.log" 2>&1; then
			echo "fuzz $name: ok ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$LOGDIR/$name.log" | awk '{print $2}') runs)" | tee -a "$LOGDIR/extra-pass"
		else
			tail -n 30 "$LOGDIR/$name.log"
			echo "fuzz $name: FAILED" | tee -a "$LOGDIR/extra-fail"
		fi
		rm -rf "$work"
	done
else
	tail -n 40 "$LOGDIR/build-fuzz.log"; echo "build-fuzz: FAILED" >>"$LOGDIR/extra-fail"
fi

step "arm64 cross build, tests under qemu-user"
if command -v aarch64-linux-gnu-gcc >/dev/null && command -v qemu-aarch64-static >/dev/null; then
	tools/cross-test.sh arm64 >"$LOGDIR/cross-arm64.log" 2>&1
	rc=$?
	if [ "$rc" = 0 ]; then
		echo "cross arm64: ok" | tee -a "$LOGDIR/extra-pass"
	elif [ "$rc" = 77 ]; then
		echo "cross arm64: $(tail -n 1 "$LOGDIR/cross-arm64.log")"
	else
		tail -n 40 "$LOGDIR/cross-arm64.log"
		echo "cross arm64: FAILED (build-logs/cross-arm64.log)" | tee -a "$LOGDIR/extra-fail"
	fi
else
	echo "cross arm64: skipped (no aarch64-linux-gnu-gcc or qemu-aarch64-static; tools/cross-test.sh arm64 installs them)"
fi

if [ "$SKIP_BENCH" = 1 ]; then
	step "benchmarks: skipped (CALLBOARD_SKIP_BENCH=1)"
elif [ "$built" = 1 ]; then
	step "benchmarks (tools/bench/run-all.sh --quick on build-test: they must run)"
	if timeout "${BENCH_TIMEOUT:-600}" sh tools/bench/run-all.sh --quick --build build-test \
		--out "$LOGDIR/BENCHMARKS-quick.md" >"$LOGDIR/bench.log" 2>&1; then
		echo "benchmarks --quick: ok" | tee -a "$LOGDIR/extra-pass"
	else
		tail -n 30 "$LOGDIR/bench.log"
		echo "benchmarks --quick: FAILED (build-logs/bench.log)" | tee -a "$LOGDIR/extra-fail"
	fi
fi

step "summary"
/usr/bin/python3 tools/ci/summary.py "$LOGDIR"

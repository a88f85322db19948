#!/bin/sh
# Run every test: unit, integration, render, audio, e2e suites with gcc,
# the same suites under address+undefined sanitizers, then each libFuzzer
# target briefly. The last line is "N passed, M failed".
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
tools/deps.sh test || exit 1
LOGDIR="$ROOT/build-logs"
rm -rf "$LOGDIR"
mkdir -p "$LOGDIR"
FUZZ_SECONDS=${FUZZ_SECONDS:-5}
status=0

step() { echo; echo "=== $*"; }

step "build (gcc)"
if [ ! -d build-test ]; then meson setup build-test >"$LOGDIR/setup.log" 2>&1 || { cat "$LOGDIR/setup.log"; status=1; }; fi
if ninja -C build-test >"$LOGDIR/build.log" 2>&1; then
	step "tests (gcc)"
	meson test -C build-test --no-rebuild --print-errorlogs --num-processes 2 \
		--no-suite fuzz --no-suite slow 2>&1 | tail -n 60
	cp build-test/meson-logs/testlog.json "$LOGDIR/gcc.json" 2>/dev/null
else
	tail -n 40 "$LOGDIR/build.log"; echo "build: FAILED" >>"$LOGDIR/extra-fail"
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

step "summary"
/usr/bin/python3 tools/ci/summary.py "$LOGDIR"

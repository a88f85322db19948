#!/bin/sh
# Re-render the display's golden images after an intentional change to the
# screen, then LOOK at every PNG in tests/display/golden/ before committing.
# usage: tools/update-golden.sh [BUILD_DIR]   (default: build)
set -eu
cd "$(dirname "$0")/.."
BUILD=${1:-build}
ninja -C "$BUILD" display/callboard-display >/dev/null
mkdir -p tests/display/golden
grep -v '^#' tests/display/golden.txt | grep '|' | while IFS='|' read -r name args; do
	name=$(echo "$name" | tr -d ' ')
	# shellcheck disable=SC2086
	TZ=Europe/Copenhagen SDL_AUDIODRIVER=dummy "$BUILD/display/callboard-display" $args \
		--out "tests/display/golden/$name.png"
	echo "tests/display/golden/$name.png"
done

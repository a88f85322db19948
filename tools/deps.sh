#!/bin/sh
# Install the Debian 12 packages callboard needs, when any is missing.
# Usage: tools/deps.sh [build|test|demo]
set -eu
PKGS="meson ninja-build pkg-config gcc libsdl2-dev libsdl2-ttf-dev libsdl2-image-dev
libmosquitto-dev mosquitto mosquitto-clients libespeak-ng-dev espeak-ng-data
libjansson-dev libinih-dev libmicrohttpd-dev libsqlite3-dev libsystemd-dev
fonts-dejavu-core python3 python3-paho-mqtt openssl curl libssl-dev
libcurl4-openssl-dev libqrencode-dev libfribidi-dev fonts-noto-core libpq-dev"
case "${1:-build}" in
test) PKGS="$PKGS libcmocka-dev clang libclang-rt-14-dev python3-jsonschema sox espeak-ng sqlite3
zbar-tools pango1.0-tools postgresql" ;;
demo) PKGS="$PKGS espeak-ng" ;;
esac
missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
if [ -n "$missing" ]; then
	echo "installing:$missing"
	if [ "$(id -u)" != 0 ]; then
		echo "tools/deps.sh: missing packages and not root; run as root or install:$missing" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

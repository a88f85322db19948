#!/bin/sh
# Cross-build callboard with Debian 12's cross toolchain and run the unit,
# render and audio suites under qemu-user (no binfmt_misc needed): the
# golden images must match on the other architecture too.
# Usage: tools/cross-test.sh arm64 [meson test arguments...]
# Installs what is missing when run as root (the architecture is added with
# dpkg --add-architecture; the -dev packages are debian/control's
# Build-Depends for that architecture). Prints "skipped: REASON" and exits
# 77 when the toolchain cannot be had. Builds in build-ARCH.
set -eu
arch=${1:?usage: tools/cross-test.sh arm64 [meson test arguments...]}
shift
case $arch in
arm64) triplet=aarch64-linux-gnu qemu=qemu-aarch64-static ;;
*)
	echo "tools/cross-test.sh: no cross file for '$arch' (tools/cross/*.ini)" >&2
	exit 2
	;;
esac
cd "$(dirname "$0")/.."
skip() {
	echo "skipped: $*"
	exit 77
}

# The Build-Depends for the host architecture, the toolchain, qemu, and what
# the test drivers run natively.
if ! command -v "$triplet-gcc" >/dev/null || ! command -v "$qemu" >/dev/null ||
	! dpkg-checkbuilddeps -a "$arch" -P cross >/dev/null 2>&1; then
	[ "$(id -u)" = 0 ] || skip "the $arch toolchain is missing; run as root to install it"
	export DEBIAN_FRONTEND=noninteractive
	dpkg --print-foreign-architectures | grep -qx "$arch" || dpkg --add-architecture "$arch"
	{ apt-get update -qq &&
		apt-get install -y -qq --no-install-recommends "crossbuild-essential-$arch" \
			qemu-user-static python3 python3-jsonschema fonts-dejavu-core; } >/dev/null 2>&1 ||
		skip "cannot install the $arch cross toolchain"
	# The cross profile leaves out what cannot be installed for two
	# architectures at once (libpq-dev: PostgreSQL is optional). apt's
	# resolver may give up on the whole list; what is still unmet then goes
	# in by name, each for the host architecture.
	if ! apt-get build-dep -y -qq --no-install-recommends -a "$arch" -P cross ./ >/dev/null 2>&1; then
		unmet=$(dpkg-checkbuilddeps -a "$arch" -P cross 2>&1 | sed -n 's/.*Unmet build dependencies: //p' |
			sed 's/([^)]*)//g; s/<[^>]*>//g')
		for p in $unmet; do
			case "$p" in lib*-dev) p="$p:$arch" ;; esac
			apt-get install -y -qq --no-install-recommends "$p" >/dev/null 2>&1 ||
				skip "cannot install $p"
		done
	fi
fi

build="build-$arch"
if [ ! -d "$build" ]; then
	meson setup "$build" --cross-file "tools/cross/$arch.ini" || exit 1
fi
ninja -C "$build" || exit 1
# Tests that cannot pass under qemu-user, with the reason: the daemon-level
# speech tests hang there (after espeak-ng has read its data the process
# spins with no further system calls, qemu-aarch64-static 7.2 -strace); the
# speech code's own tests (phrase, wav, announce-policy) do run.
qemu_skip="daemon-audio announce-audio"
tests=$(meson test -C "$build" --list --suite unit --suite render --suite audio 2>/dev/null |
	sed -n 's|^[^ ]* / ||p' | grep -vxF "$(echo "$qemu_skip" | tr ' ' '\n')")
echo "skipped under qemu-user: $qemu_skip"
# The Python drivers start the programs themselves: tools/cross/sitecustomize.py
# runs them through the same qemu as meson's exe_wrapper.
# shellcheck disable=SC2086
CALLBOARD_EXE_WRAPPER="$qemu -L /usr/$triplet" PYTHONPATH="$(pwd)/tools/cross${PYTHONPATH:+:$PYTHONPATH}" \
	meson test -C "$build" --no-rebuild --print-errorlogs --num-processes 2 $tests "$@"

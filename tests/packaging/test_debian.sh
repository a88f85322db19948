#!/bin/sh
# The Debian packages end to end: build them from a copy of the tree
# (dpkg-buildpackage -b), run lintian (no errors allowed), install them into
# a throwaway Debian 12 chroot made by debootstrap from the Debian mirror,
# check the files, modes, owners, users, versions and units they bring, then
# purge them and check that only what policy allows is left (the system
# users). Needs root; installs its own tools when missing. Prints "skipped:"
# with the reason, and exits 77, only when something cannot be had.
# Usage: tests/packaging/test_debian.sh [SOURCE_DIR]
set -eu
SRC=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
fails=0

skip() {
	echo "skipped: $*"
	exit 77
}
ok() { echo "ok: $*"; }
bad() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}
# check DESCRIPTION COMMAND...: the command's success is the check; its
# output is shown when it fails.
check() {
	what=$1
	shift
	if "$@" >"$WORK/check.out" 2>&1; then
		ok "$what"
	else
		sed 's/^/  | /' "$WORK/check.out"
		bad "$what"
	fi
}
# same DESCRIPTION EXPECTED ACTUAL
same() {
	if [ "$2" = "$3" ]; then ok "$1: $3"; else bad "$1: expected '$2', got '$3'"; fi
}

[ "$(id -u)" = 0 ] || skip "needs root (build dependencies, debootstrap, chroot)"

missing=""
for p in debhelper dpkg-dev fakeroot lintian scdoc debootstrap; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "installing:$missing"
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing \
		>/dev/null || skip "cannot install$missing"
fi

WORK=$(mktemp -d /var/tmp/callboard-deb.XXXXXX)
ROOT="$WORK/root"
cleanup() {
	umount "$ROOT/proc" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

# A copy of the tree without build folders: the build writes into debian/.
mkdir "$WORK/src"
if git -C "$SRC" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$SRC" && git ls-files -co --exclude-standard | tar -cf - -T -) | tar -xf - -C "$WORK/src"
else
	tar -C "$SRC" --exclude='./build*' --exclude='./obj-*' -cf - . | tar -xf - -C "$WORK/src"
fi
cd "$WORK/src"
if ! dpkg-checkbuilddeps >/dev/null 2>&1; then
	DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -qq --no-install-recommends ./ \
		>/dev/null 2>&1 || skip "build dependencies: $(dpkg-checkbuilddeps 2>&1)"
fi
VERSION=$(dpkg-parsechangelog -S Version)

echo "=== dpkg-buildpackage -us -uc -b"
if DEB_BUILD_OPTIONS="nocheck parallel=2" dpkg-buildpackage -us -uc -b >"$WORK/build.log" 2>&1; then
	ok "packages built"
else
	tail -n 40 "$WORK/build.log"
	bad "dpkg-buildpackage"
	exit 1
fi
CHANGES=$(ls "$WORK"/callboard_*.changes)

echo "=== lintian"
lintian --allow-root "$CHANGES" >"$WORK/lintian.log" 2>&1 || true
cat "$WORK/lintian.log"
if grep -q '^E:' "$WORK/lintian.log"; then bad "lintian errors"; else ok "lintian: no errors"; fi

echo "=== install into a $SUITE chroot"
if ! debootstrap --variant=minbase --include=systemd,man-db "$SUITE" "$ROOT" "$MIRROR" \
	>"$WORK/debootstrap.log" 2>&1; then
	tail -n 5 "$WORK/debootstrap.log"
	echo "skipped: install checks: debootstrap $SUITE from $MIRROR failed"
	[ "$fails" = 0 ]
	exit
fi
mount -t proc proc "$ROOT/proc" 2>/dev/null || true
# Nothing starts inside the chroot.
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
chmod 755 "$ROOT/usr/sbin/policy-rc.d"
mkdir "$ROOT/tmp/debs"
for d in "$WORK"/*.deb; do
	case $d in *-dbgsym_*) ;; *) cp "$d" "$ROOT/tmp/debs/" ;; esac
done
in_root() { chroot "$ROOT" env DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"; }
# unedited USER CONFIG PATTERN: the packaged config, read as the service's
# user (so its group can read it), fails --check-config with exit 1 and an
# error matching PATTERN.
unedited() {
	prog=callboard-$(basename "$2" .ini)
	rc=0
	in_root chroot --userspec="$1:$1" / "$prog" --check-config "$2" >"$WORK/check.log" 2>&1 || rc=$?
	sed 's/^/  | /' "$WORK/check.log"
	if [ "$rc" = 1 ] && grep -q "$3" "$WORK/check.log"; then
		ok "unedited $2 fails --check-config as $1, naming $3"
	else
		bad "unedited $2: --check-config as $1 exit $rc, expected 1 and $3"
	fi
}
in_root apt-get update -qq >/dev/null
if in_root sh -c 'apt-get install -y -qq --no-install-recommends /tmp/debs/*.deb' \
	>"$WORK/install.log" 2>&1; then
	ok "installed: $(cd "$ROOT/tmp/debs" && echo *.deb)"
else
	tail -n 30 "$WORK/install.log"
	bad "apt-get install of the packages"
	exit 1
fi

for f in /usr/bin/callboard /usr/bin/callboard-bridge /usr/bin/callboard-display \
	/lib/systemd/system/callboard-bridge.service /lib/systemd/system/callboard-display.service \
	/usr/lib/sysusers.d/callboard-bridge.conf /usr/lib/sysusers.d/callboard-display.conf \
	/usr/lib/tmpfiles.d/callboard-bridge.conf /usr/lib/tmpfiles.d/callboard-display.conf \
	/usr/share/man/man1/callboard.1.gz /usr/share/man/man1/callboard-bridge.1.gz \
	/usr/share/man/man1/callboard-display.1.gz /usr/share/callboard/chime.wav; do
	check "file $f" test -f "$ROOT$f"
done
for p in callboard callboard-bridge callboard-display; do
	same "$p --version" "$p $VERSION" "$(in_root "$p" --version)"
done

# The configs hold tokens and passwords: root and the service's group only.
same "bridge.ini mode, owner" "640 root:callboard-bridge" \
	"$(in_root stat -c '%a %U:%G' /etc/callboard/bridge.ini)"
same "display.ini mode, owner" "640 root:callboard" \
	"$(in_root stat -c '%a %U:%G' /etc/callboard/display.ini)"
same "conffiles in /etc/callboard" 2 "$(in_root dpkg-query -W -f='${Conffiles}\n' \
	callboard-bridge callboard-display | grep -c /etc/callboard/)"
same "state folder of the bridge" "700 callboard-bridge:callboard-bridge" \
	"$(in_root stat -c '%a %U:%G' /var/lib/callboard-bridge)"
same "state folder of the display" "700 callboard:callboard" \
	"$(in_root stat -c '%a %U:%G' /var/lib/callboard)"
same "user callboard-bridge" "callboard-bridge:/var/lib/callboard-bridge:/usr/sbin/nologin" \
	"$(in_root getent passwd callboard-bridge | cut -d: -f1,6,7)"
same "user callboard and its groups" "audio callboard input render video" \
	"$(in_root id -nG callboard | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')"

# Enabled, not started; an unedited config fails its check, naming the line,
# and is read by the service's user (so the group can read it).
for u in callboard-bridge callboard-display; do
	check "$u.service enabled" test -L "$ROOT/etc/systemd/system/multi-user.target.wants/$u.service"
	check "$u.service runs /usr/bin/$u" grep -q "^ExecStart=/usr/bin/$u " \
		"$ROOT/lib/systemd/system/$u.service"
	check "systemd-analyze verify $u.service (its man page too)" \
		in_root systemd-analyze verify "/lib/systemd/system/$u.service"
	echo "info: $(in_root systemd-analyze security --offline=true "/lib/systemd/system/$u.service" |
		tail -n 1)"
done
unedited callboard-bridge /etc/callboard/bridge.ini 'token: (hidden): at least 16'
unedited callboard /etc/callboard/display.ini '\[device\] id'
sed -e 's/^admin_token =$/admin_token = admin-token-0123456789/' \
	-e 's/^token =$/token = tenant-token-0123456789-@/' "$ROOT/etc/callboard/bridge.ini" |
	awk '/@$/ { sub(/@$/, ++n) } { print }' >"$ROOT/tmp/bridge.ini"
check "bridge.ini with its tokens set passes --check-config" \
	in_root callboard-bridge --check-config /tmp/bridge.ini
sed 's/^id =$/id = screen-1/' "$ROOT/etc/callboard/display.ini" >"$ROOT/tmp/display.ini"
check "display.ini with [device] id set passes --check-config" \
	in_root callboard-display --check-config /tmp/display.ini

echo "=== purge"
if in_root apt-get purge -y -qq callboard callboard-bridge callboard-display \
	>"$WORK/purge.log" 2>&1; then
	ok "purged"
else
	tail -n 20 "$WORK/purge.log"
	bad "apt-get purge"
fi
# Caches and logs (man-db's cat pages, apt's) are not the packages' files.
left=$(cd "$ROOT" && find . -xdev \( -path ./proc -o -path ./tmp -o -path ./var/log \
	-o -path ./var/cache/apt -o -path ./var/cache/man -o -path ./var/lib/apt \) -prune -o -name '*callboard*' -print)
same "paths named callboard left after purge" "" "$left"
check "no conffile left in /etc/callboard" test ! -e "$ROOT/etc/callboard"
echo "info: kept after purge, as Debian keeps system users:" \
	"$(grep -o '^callboard[^:]*' "$ROOT/etc/passwd" | tr '\n' ' ')"

echo
if [ "$fails" = 0 ]; then echo "packaging: all checks passed"; else echo "packaging: $fails failed"; fi
[ "$fails" = 0 ]

#!/usr/bin/env bash
# The amd64 package as a village operator gets it: deploy/package.sh builds
# it (lintian clean); its unit passes systemd-analyze verify and its
# exposure score stays low; then on a clean Debian 12 root (debootstrap
# --variant=minbase, cached in CACHE_DIR, each run on a throwaway overlay):
#   1. installed with apt and purged again before any node exists: nothing
#      left but the simpul user (and apt's and dpkg's own records);
#   2. installed again and run as the unit runs it (its user, its
#      environment, no capabilities, no new privileges, a read-only root
#      but for /var/lib/simpul, a private /tmp, no /home) on the empty
#      /var/lib/simpul: it serves the setup API with the code it logs;
#      the code makes a kabupaten node, which the same process serves;
#      enrolled (network create), it runs: `simpul status` and GET
#      /api/node on loopback; stopped with SIGTERM, then purged: the
#      node's directory is kept, as documented (it holds its keys).
# systemd does not run in a chroot: the unit's own checks are the host's
# systemd-analyze.
# Needs root (chroot, mounts in a private mount namespace) and, the first
# time, the Debian archive. Without the archive the test fails, saying so;
# SIMPUL_SKIP_PACKAGE_ROOT=1 skips the root part instead (ctest: Skipped).
# Usage: test_package.sh CACHE_DIR
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
CACHE=$1
MIRROR=http://deb.debian.org/debian

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

[ "$(id -u)" = 0 ] || skip "needs root: chroot and mounts"
# Every mount below lives in this process's own mount namespace and goes
# with it.
if [ -z "${SIMPUL_PACKAGE_NS:-}" ]; then
  exec unshare --mount --propagation private env SIMPUL_PACKAGE_NS=1 \
    bash "$0" "$@"
fi

WORK=$(mktemp -d /tmp/simpul-pkg.XXXXXX)
ROOT=$WORK/root
DAEMON=
cleanup() {
  [ -z "$DAEMON" ] || kill -KILL "$DAEMON" 2>/dev/null || true
  umount -R "$ROOT" 2>/dev/null || true
  umount -R "$WORK/ovl" 2>/dev/null || true
  rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT

# ---- the package and its unit ---------------------------------------------
"$SRC/deploy/package.sh" --out "$WORK/deb" amd64
DEB=$(echo "$WORK"/deb/simpul_*_amd64.deb)
[ -f "$DEB" ] || fail "no amd64 package in $WORK/deb"
ok "package built and lintian clean: $(basename "$DEB"), $(stat -c %s "$DEB") bytes"

X=$WORK/x
dpkg-deb -x "$DEB" "$X"
UNIT=$X/lib/systemd/system/simpul.service
for want in '^Type=exec$' '^User=simpul$' '^Restart=on-failure$' \
  '^StateDirectory=simpul$' '^NoNewPrivileges=yes$' '^ProtectSystem=strict$' \
  '^ProtectHome=yes$' '^PrivateTmp=yes$' '^MemoryMax=' \
  '^CapabilityBoundingSet=$' '^ExecStart=/usr/bin/simpul run$'; do
  grep -q "$want" "$UNIT" || fail "simpul.service has no line $want"
done
# verify wants the binary and the man page where the unit names them.
sed "s|^ExecStart=/usr/bin/simpul|ExecStart=$X/usr/bin/simpul|" "$UNIT" \
  >"$WORK/simpul.service"
MANPATH=$X/usr/share/man systemd-analyze verify "$WORK/simpul.service" ||
  fail "systemd-analyze verify simpul.service"
exposure=$(systemd-analyze security --offline=yes "$WORK/simpul.service" \
  2>&1 | sed -n 's/.*Overall exposure level for simpul.service: \([0-9.]*\).*/\1/p')
[ -n "$exposure" ] || fail "systemd-analyze security gave no exposure level"
awk -v e="$exposure" 'BEGIN { exit !(e <= 2.0) }' ||
  fail "simpul.service exposure $exposure, more than 2.0"
ok "unit verifies; exposure $exposure"

# ---- a clean Debian 12 root -----------------------------------------------
[ "${SIMPUL_SKIP_PACKAGE_ROOT:-}" = 1 ] &&
  skip "SIMPUL_SKIP_PACKAGE_ROOT=1: package and unit checked, not installed"
for p in debootstrap; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >/dev/null ||
    fail "cannot install $p"
done
BASE=$CACHE/bookworm-amd64
# The packages the .deb depends on, downloaded into the cached root once,
# so that later runs install it without the archive.
deps=$(dpkg-deb -f "$DEB" Depends | tr ',' '\n' | sed 's/([^)]*)//g;s/ //g' |
  grep . | tr '\n' ' ')
if [ ! -e "$BASE/.complete" ]; then
  echo "making a Debian 12 root in $BASE (once)"
  rm -rf --one-file-system "$BASE.tmp"
  mkdir -p "$CACHE"
  debootstrap --variant=minbase bookworm "$BASE.tmp" "$MIRROR" \
    >"$WORK/debootstrap.log" 2>&1 || {
    tail -5 "$WORK/debootstrap.log" >&2
    fail "debootstrap could not make a Debian 12 root from $MIRROR" \
      "(no archive here? SIMPUL_SKIP_PACKAGE_ROOT=1 skips this part)"
  }
  mount -t proc proc "$BASE.tmp/proc"
  chroot "$BASE.tmp" apt-get update -qq >/dev/null &&
    chroot "$BASE.tmp" apt-get install -y -qq --download-only $deps >/dev/null ||
    fail "cannot download the package's dependencies into the root"
  umount "$BASE.tmp/proc"
  rm -rf --one-file-system "$BASE"
  touch "$BASE.tmp/.complete"
  mv "$BASE.tmp" "$BASE"
fi

# Each run on a throwaway overlay of the cached root.
mkdir -p "$WORK/ovl" "$ROOT"
mount -t tmpfs tmpfs "$WORK/ovl"
mkdir "$WORK/ovl/upper" "$WORK/ovl/work"
mount -t overlay overlay \
  -o "lowerdir=$BASE,upperdir=$WORK/ovl/upper,workdir=$WORK/ovl/work" "$ROOT"
mount -t proc proc "$ROOT/proc"
inroot() { chroot "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C "$@"; }
as_simpul() { inroot runuser -u simpul -- "$@"; }

# Files in the root that the package left behind: regular files, links and
# deletions in the overlay's upper layer, less what apt and dpkg keep
# (their records, caches and logs), the linker cache, /run (a tmpfs on a
# booted system: adduser's lock) and the user's lines in the account files
# and their lock (the simpul user stays: Debian's practice).
leftovers() {
  (cd "$WORK/ovl/upper" && find . ! -type d | sed 's|^\./||' | sort) |
    grep -Ev '^(var/lib/(dpkg|apt)/|var/cache/|var/log/|tmp/|run/)' |
    grep -Ev '^etc/(passwd|group|shadow|gshadow)-?$|^etc/\.pwd\.lock$' |
    grep -Ev '^etc/ld\.so\.cache$' || true
}

install_deb() {
  cp "$DEB" "$ROOT/tmp/simpul.deb"
  inroot apt-get install -y -qq --no-install-recommends /tmp/simpul.deb \
    >"$WORK/apt.log" 2>&1 || { cat "$WORK/apt.log" >&2; fail "apt install"; }
  inroot getent passwd simpul | grep -q ':/var/lib/simpul:/usr/sbin/nologin$' ||
    fail "no simpul system user: $(inroot getent passwd simpul)"
  [ "$(inroot stat -c '%U %a' /var/lib/simpul)" = "simpul 700" ] ||
    fail "/var/lib/simpul: $(inroot stat -c '%U %a' /var/lib/simpul)"
  [ "$(readlink "$ROOT/etc/simpul/simpul.conf")" = /var/lib/simpul/simpul.conf ] ||
    fail "/etc/simpul/simpul.conf is not the link to /var/lib/simpul"
  for f in /usr/bin/simpul /lib/systemd/system/simpul.service \
    /usr/share/man/man1/simpul.1.gz /usr/share/doc/simpul/copyright; do
    [ -e "$ROOT$f" ] || fail "not installed: $f"
  done
  inroot simpul --version | grep -q '^simpul [0-9]' || fail "simpul --version"
}

purge_deb() {
  inroot apt-get purge -y -qq --autoremove simpul >"$WORK/apt.log" 2>&1 ||
    { cat "$WORK/apt.log" >&2; fail "apt purge"; }
}

# ---- 1. install, purge before any node ------------------------------------
install_deb
ok "installed: user, /var/lib/simpul (0700), /etc/simpul link, unit, man page"
purge_deb
[ ! -e "$ROOT/var/lib/simpul" ] || fail "purge left an empty node's /var/lib/simpul"
[ ! -e "$ROOT/etc/simpul" ] || fail "purge left /etc/simpul"
left=$(leftovers)
[ -z "$left" ] || fail "purge left files behind: $left"
ok "purged before any node: nothing left"

# ---- 2. install, run it as the unit would: first boot, setup, enrolment ---
install_deb
U=$ROOT/lib/systemd/system/simpul.service
grep -q '^ConditionPathExists=' "$U" &&
  fail "the unit waits for a node: it must start on an empty /var/lib/simpul"
grep -q '^Environment=SIMPUL_SETUP_LISTEN=127.0.0.1:7780$' "$U" ||
  fail "the unit does not say where the setup API listens"
[ -z "$(ls -A "$ROOT/var/lib/simpul")" ] || fail "/var/lib/simpul is not empty after install"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# What the unit says to run, and as whom; the setup address as
# `systemctl edit simpul` would override it (a free port here).
exec_start=$(sed -n 's/^ExecStart=//p' "$U")
user=$(sed -n 's/^User=//p' "$U")
group=$(sed -n 's/^Group=//p' "$U")
envs="$(sed -n 's/^Environment=//p' "$U") SIMPUL_SETUP_LISTEN=127.0.0.1:$port"
state=/var/lib/$(sed -n 's/^StateDirectory=//p' "$U")
# ProtectSystem=strict with the StateDirectory writable, PrivateTmp,
# ProtectHome.
mount --bind "$ROOT$state" "$ROOT$state"
mount -o remount,bind,ro "$ROOT"
mount -t tmpfs -o mode=1777 tmpfs "$ROOT/tmp"
mount -t tmpfs -o ro tmpfs "$ROOT/home"
mount -t tmpfs -o ro tmpfs "$ROOT/root"
# User=, NoNewPrivileges=, CapabilityBoundingSet= (empty), UMask=0077.
(umask 077 && exec chroot "$ROOT" setpriv --reuid="$user" --regid="$group" \
  --clear-groups --no-new-privs --bounding-set=-all --inh-caps=-all \
  env -i PATH=/usr/bin:/bin $envs $exec_start) 2>"$WORK/journal" &
DAEMON=$!
# The operator reads the code in `journalctl -u simpul`.
code=
for _ in $(seq 1 100); do
  code=$(sed -n 's/.* SETUP-CODE setup code: \([0-9A-Z-]*\) .*/\1/p' "$WORK/journal")
  [ -n "$code" ] && curl -sf "http://127.0.0.1:$port/api/setup" >/dev/null 2>&1 && break
  kill -0 "$DAEMON" 2>/dev/null || { cat "$WORK/journal" >&2; fail "the daemon exited"; }
  sleep 0.2
done
[ -n "$code" ] || { cat "$WORK/journal" >&2; fail "no setup code in the log"; }
[ "$(curl -s "http://127.0.0.1:$port/api/setup" | jq -r .needs_setup)" = true ] ||
  fail "GET /api/setup does not say the node needs setting up"
made=$(curl -s -w ' %{http_code}' -X POST -H 'Content-Type: application/json' \
  --data-binary "{\"code\":\"$code\",\"region\":\"36.04\",\"name\":\"KIM Uji\"}" \
  "http://127.0.0.1:$port/api/setup")
[ "${made##* }" = 201 ] || { cat "$WORK/journal" >&2; fail "POST /api/setup: $made"; }
[ "$(inroot stat -c '%U %a' /var/lib/simpul/node.key)" = "simpul 600" ] ||
  fail "node.key: $(inroot stat -c '%U %a' /var/lib/simpul/node.key)"
inroot grep -q "^listen = 127.0.0.1:$port\$" /etc/simpul/simpul.conf ||
  fail "the config (through /etc/simpul/simpul.conf) does not keep the setup address"
ok "first boot: setup API, code from the log, node made by the service's user"
as_simpul simpul network create --data /var/lib/simpul --region 36.04 \
  --name "Jaringan Uji" >/dev/null || fail "simpul network create"
api=
for _ in $(seq 1 100); do
  api=$(curl -sf "http://127.0.0.1:$port/api/node" 2>/dev/null) && break
  kill -0 "$DAEMON" 2>/dev/null || { cat "$WORK/journal" >&2; fail "the daemon exited"; }
  sleep 0.2
done
[ -n "$api" ] || { cat "$WORK/journal" >&2; fail "no answer on 127.0.0.1:$port/api/node"; }
[ "$(jq -r .region <<<"$api")" = 36.04 ] || fail "/api/node: $api"
# An operator's `sudo -u simpul simpul status`: no --data, found as the
# service's node; the daemon shows as running once it holds the lock of
# daemon.pid (it may come just after the HTTP server).
for _ in $(seq 1 100); do
  st=$(as_simpul simpul status --json) || fail "simpul status as user simpul"
  [ "$(jq -r '.region + " " + (.daemon.running | tostring)' <<<"$st")" = "36.04 true" ] &&
    break
  sleep 0.2
done
[ "$(jq -r '.region + " " + (.daemon.running | tostring)' <<<"$st")" = "36.04 true" ] ||
  fail "simpul status: $st"
hwm=$(sed -n "s/^VmHWM:[[:space:]]*//p" "/proc/$DAEMON/status" 2>/dev/null || true)
ok "serving: /api/node and simpul status on 127.0.0.1:$port (VmHWM ${hwm:-?})"
grep -Eq '^[0-9T:.-]+Z info [A-Z]+(-[A-Z]+)* ' "$WORK/journal" ||
  fail "no log line 'time level EVENT-ID' on stderr: $(head -3 "$WORK/journal")"

kill -TERM "$DAEMON"
rc=0
for _ in $(seq 1 150); do
  kill -0 "$DAEMON" 2>/dev/null || break
  sleep 0.2
done
kill -0 "$DAEMON" 2>/dev/null && fail "still running 30 s after SIGTERM (TimeoutStopSec)"
wait "$DAEMON" || rc=$?
DAEMON=
[ "$rc" = 0 ] || { cat "$WORK/journal" >&2; fail "the daemon exited with $rc on SIGTERM"; }
grep -q 'NODE-STOP stopped cleanly' "$WORK/journal" ||
  fail "no 'stopped cleanly' in the log"
ok "stopped cleanly on SIGTERM"

umount "$ROOT/root" "$ROOT/home" "$ROOT/tmp"
mount -o remount,bind,rw "$ROOT"
umount "$ROOT$state"
purge_deb
grep -q 'kept /var/lib/simpul' "$WORK/apt.log" ||
  fail "purge did not say it kept the node's directory"
[ -e "$ROOT/var/lib/simpul/node.key" ] || fail "purge removed the node's key"
[ ! -e "$ROOT/etc/simpul" ] || fail "purge left /etc/simpul"
left=$(leftovers | grep -v '^var/lib/simpul/' || true)
[ -z "$left" ] || fail "purge left files behind: $left"
ok "purged: only /var/lib/simpul (the node, kept) and the simpul user left"
echo "package: ok"

#!/usr/bin/env bash
# check_deb.sh DEB -- the built package carries what `make install` installs (programs, default
# policy, man pages, systemd unit, service user and directory), its maintainer scripts create the
# user but enable and start nothing, and its programs run.
set -u
deb=${1:?usage: check_deb.sh DEB}
fail() { echo "FAIL: $*" >&2; exit 1; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/svdeb.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

dpkg-deb -x "$deb" "$TMP/root" || fail "dpkg-deb -x $deb"
dpkg-deb -e "$deb" "$TMP/control" || fail "dpkg-deb -e $deb"
for f in usr/sbin/samvirked usr/bin/samvirke usr/share/samvirke/default.policy \
         usr/share/man/man1/samvirke.1.gz usr/share/man/man5/samvirke-policy.5.gz \
         usr/share/man/man8/samvirked.8.gz lib/systemd/system/samvirked.service \
         usr/lib/sysusers.d/samvirke.conf usr/lib/tmpfiles.d/samvirke.conf \
         usr/share/doc/samvirke/copyright; do
  [ -f "$TMP/root/$f" ] || fail "the package lacks /$f"
done
grep -qx 'ExecStart=/usr/sbin/samvirked run %S/samvirke' "$TMP/root/lib/systemd/system/samvirked.service" ||
  fail "the packaged unit does not run /usr/sbin/samvirked"

post="$TMP/control/postinst"
[ -f "$post" ] || fail "no postinst"
grep -q 'systemd-sysusers' "$post" || fail "postinst does not create the samvirke user"
grep -q 'systemd-tmpfiles' "$post" || fail "postinst does not create /var/lib/samvirke"
# Enabling is only ever re-done for a unit the admin had enabled (was-enabled); nothing starts.
surprise=$(awk '/was-enabled/ {guard = 1} /^[[:space:]]*fi$/ {guard = 0}
  /deb-systemd-helper +enable/ && !guard {print}
  /deb-systemd-invoke +(start|restart)|systemctl +(enable|start|restart)/ {print}' "$post")
[ -z "$surprise" ] || fail "postinst enables or starts a unit: $surprise"
grep -q "deb-systemd-invoke try-restart 'samvirked.service'" "$post" ||
  fail "postinst does not restart a running daemon after an upgrade"
grep -q 'deb-systemd-invoke stop samvirked.service' "$TMP/control/prerm" ||
  fail "prerm does not stop the daemon on removal"
depends=$(dpkg-deb -f "$deb" Depends)
for d in libsodium libuv1 libsqlite3 procps; do
  echo "$depends" | grep -q "$d" || fail "Depends lacks $d: $depends"
done

"$TMP/root/usr/sbin/samvirked" --help >/dev/null || fail "packaged samvirked does not run"
"$TMP/root/usr/bin/samvirke" --help >/dev/null || fail "packaged samvirke does not run"
echo "ok: $deb ($(dpkg-deb -f "$deb" Version), Depends: $depends)"

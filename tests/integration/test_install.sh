#!/usr/bin/env bash
# test_install.sh -- `cmake --install` into a DESTDIR lays out both programs, the default
# policy, the man pages, the systemd unit and the service user; the installed programs run a
# team; the unit passes systemd-analyze verify and rates well in systemd-analyze security; and
# under the journal the daemon's log lines carry journald priorities.
. "$(dirname "$0")/lib.sh"
: "${SAMVIRKE_BUILD:?SAMVIRKE_BUILD must name the build directory}" "${SAMVIRKE_SOURCE:?}"

# --- the layout under DESTDIR with prefix /usr --------------------------------------------------
ROOT="$TMP/root"
DESTDIR="$ROOT" cmake --install "$SAMVIRKE_BUILD" --prefix /usr >"$TMP/install.log" ||
  fail "cmake --install: $(cat "$TMP/install.log")"
for f in usr/sbin/samvirked usr/bin/samvirke; do
  [ -x "$ROOT/$f" ] || fail "$f is not installed as an executable"
  [ "$(stat -c %a "$ROOT/$f")" = 755 ] || fail "$f mode $(stat -c %a "$ROOT/$f")"
done
for f in usr/share/samvirke/default.policy usr/share/man/man1/samvirke.1 \
         usr/share/man/man5/samvirke-policy.5 usr/share/man/man8/samvirked.8 \
         usr/lib/systemd/system/samvirked.service usr/lib/sysusers.d/samvirke.conf \
         usr/lib/tmpfiles.d/samvirke.conf; do
  [ -f "$ROOT/$f" ] || fail "$f is not installed"
  [ "$(stat -c %a "$ROOT/$f")" = 644 ] || fail "$f mode $(stat -c %a "$ROOT/$f")"
done
n=$(find "$ROOT" -type f | wc -l)
[ "$n" -eq 9 ] || fail "expected 9 installed files, found $n: $(find "$ROOT" -type f)"
UNIT="$ROOT/usr/lib/systemd/system/samvirked.service"
grep -qx 'ExecStart=/usr/sbin/samvirked run %S/samvirke' "$UNIT" || fail "ExecStart: $(grep ExecStart "$UNIT")"
grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$UNIT" || fail "ExecReload does not send SIGHUP"
grep -qx 'User=samvirke' "$UNIT" || fail "the unit does not run as the samvirke user"
grep -q '^u samvirke ' "$ROOT/usr/lib/sysusers.d/samvirke.conf" || fail "sysusers.d creates no samvirke user"
grep -q '^d /var/lib/samvirke 0700 samvirke samvirke' "$ROOT/usr/lib/tmpfiles.d/samvirke.conf" ||
  fail "tmpfiles.d does not make the daemon directory private to samvirke"

# --- the installed programs run a team ----------------------------------------------------------
SAMVIRKED="$ROOT/usr/sbin/samvirked"
SAMVIRKE="$ROOT/usr/bin/samvirke"
"$SAMVIRKE" --identity "$TMP/anna" init --name "Anna Koordinator" >/dev/null || fail "installed samvirke init"
daemon_init "$TMP/d" --admin "$TMP/anna/card.txt"
cmp -s "$TMP/d/policy.conf" "$ROOT/usr/share/samvirke/default.policy" ||
  fail "the installed default policy differs from the one samvirked init writes"
# The daemon as the unit runs it: stderr is the journal stream systemd names in JOURNAL_STREAM.
: >"$TMP/daemon.log"
JOURNAL_STREAM="$(stat -c %d:%i "$TMP/daemon.log")" daemon_start "$TMP/d"
"$SAMVIRKE" --identity "$TMP/anna" server set --address "127.0.0.1:$PORT" --key "$SERVER_KEY" \
  --log-key "$LOG_KEY" >/dev/null || fail "server set"
"$SAMVIRKE" --identity "$TMP/anna" whoami | grep -q coordinator || fail "installed client: whoami"
daemon_stop || fail "daemon exit status"
grep -q '^<6>samvirked serving ' "$TMP/daemon.log" || fail "journal lines lack priorities: $(head -3 "$TMP/daemon.log")"
if grep -Eqv '^<[3467]>' "$TMP/daemon.log"; then fail "a journal line without priority: $(grep -Ev '^<[3467]>' "$TMP/daemon.log" | head -1)"; fi
# Not the journal: timestamps as before.
daemon_start "$TMP/d"
daemon_stop
grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z info  samvirked serving' "$TMP/daemon.log" ||
  fail "plain stderr lines lack timestamps: $(tail -2 "$TMP/daemon.log")"

# --- the unit verifies, as installed for a prefix -------------------------------------------------
P="$TMP/prefix"
cmake --install "$SAMVIRKE_BUILD" --prefix "$P" >/dev/null || fail "cmake --install --prefix"
PUNIT="$P/lib/systemd/system/samvirked.service"
grep -qx "ExecStart=$P/sbin/samvirked run %S/samvirke" "$PUNIT" || fail "ExecStart follows the prefix"
# Documentation= names man pages: systemd-analyze looks them up through MANPATH.
out=$(MANPATH="$P/share/man" systemd-analyze verify "$PUNIT" 2>&1) || fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify complains: $out"
sec=$(systemd-analyze security --offline=yes --no-pager "$PUNIT" 2>&1)
score=$(echo "$sec" | sed -n 's/.*Overall exposure level for samvirked.service: \([0-9.]*\).*/\1/p')
[ -n "$score" ] || fail "no exposure level from systemd-analyze security: $sec"
echo "systemd-analyze security: exposure $score"
# What the unit deliberately leaves open: it serves clients over IP and Unix sockets, on the
# host's network, with the host's root file system (read-only), and ProtectClock's read-only
# RTC. Any other check systemd fails is a loosened sandbox.
allowed=("RootDirectory=/RootImage=" "RestrictAddressFamilies=~AF_UNIX"
         "RestrictAddressFamilies=~AF_(INET|INET6)" "PrivateNetwork=" "DeviceAllow=" "IPAddressDeny=")
open=$(echo "$sec" | awk '$1 == "✗" {print $2}')
for o in $open; do
  printf '%s\n' "${allowed[@]}" | grep -qxF -- "$o" ||
    fail "the sandbox leaves $o open: $(echo "$sec" | grep -F -- "$o")"
done
/usr/bin/python3 -c "import sys; sys.exit(0 if float('$score') <= 2.0 else 1)" ||
  fail "exposure $score is above 2.0: $(echo "$sec" | grep '✗')"
echo "ok: install"

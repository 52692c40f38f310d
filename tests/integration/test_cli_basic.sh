#!/usr/bin/env bash
# test_cli_basic.sh -- the client against a real daemon: identity, server config, ping, whoami,
# clear one-line errors and exit codes.
. "$(dirname "$0")/lib.sh"

sv() { "$SAMVIRKE" --identity "$TMP/$1" "${@:2}"; }

sv anna init --name "Anna Koordinator" >/dev/null || fail "init"
[ "$(stat -c %a "$TMP/anna/identity.key")" = 600 ] || fail "identity.key must be 0600"
expect_fail 1 "exist" sv anna init --name "Anna Again"
sv bo init --name "Bo Ukendt" >/dev/null || fail "init bo"

daemon_init "$TMP/d" --admin "$TMP/anna/card.txt"
[ "$(stat -c %a "$TMP/d/daemon.key")" = 600 ] || fail "daemon.key must be 0600"
daemon_start "$TMP/d"

for who in anna bo; do sv $who server set --address "127.0.0.1:$PORT" --key "$SERVER_KEY" --log-key "$LOG_KEY" >/dev/null || fail "server set"; done

sv anna ping | grep -q "pong from 127.0.0.1:$PORT" || fail "ping"
sv anna whoami | grep -q "coordinator" || fail "whoami shows the role"
sv anna --json whoami | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["member"]["name"]=="Anna Koordinator", d' || fail "whoami --json"
sv bo whoami | grep -qi "not enrolled" || fail "unknown key is not enrolled"
sv bo --json whoami | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["member"] is None, d' || fail "whoami --json for an unknown key"

# Usage errors exit 2; --help exits 0 on stdout.
expect_fail 2 "unknown" sv anna frobnicate
"$SAMVIRKE" --help | grep -q "ping" || fail "--help lists commands"
"$SAMVIRKE" ping --help | grep -qi "usage" || fail "ping --help"
"$SAMVIRKED" --help | grep -q "init" || fail "samvirked --help"
expect_fail 2 "" "$SAMVIRKED" frobnicate

# A group- or world-readable identity is refused, as ssh does.
chmod 644 "$TMP/anna/identity.key"
expect_fail 1 "permissions" sv anna ping
chmod 600 "$TMP/anna/identity.key"

# Wrong daemon key: the handshake fails with a clear message.
cp -r "$TMP/anna" "$TMP/anna2"
sv anna2 server set --address "127.0.0.1:$PORT" --key "$(head -c 32 /dev/urandom | base64)" >/dev/null
expect_fail 1 "wrong server key" sv anna2 ping

# Nothing listening.
sv anna2 server set --address "127.0.0.1:$(free_port)" --key "$SERVER_KEY" >/dev/null
expect_fail 1 "cannot connect" sv anna2 ping

# The Unix socket works too.
sv anna2 server set --address "unix:$TMP/d/samvirked.sock" --key "$SERVER_KEY" >/dev/null
sv anna2 ping | grep -q "pong" || fail "ping over the Unix socket"

# The shipped policy passes its own checks.
"$SAMVIRKE" policy check "$TMP/d/policy.conf" >/dev/null || fail "policy check"

daemon_stop || fail "daemon exit status after SIGTERM"
grep -q "LeakSanitizer" "$TMP/daemon.log" && fail "leaks reported"
echo "cli basic: ok"

#!/usr/bin/env bash
# test_recovery.sh -- `samvirked admin add-coordinator` for a directory whose only coordinator
# is gone: refused while the daemon runs; a new person's card is registered, or an existing
# member promoted, each as an audit entry naming the command; the recovered coordinator can
# invite and revoke; revoked keys, a repeated call and a policy without coordinators are refused.
. "$(dirname "$0")/lib.sh"

sv() { "$SAMVIRKE" --identity "$TMP/$1" "${@:2}"; }
PY=/usr/bin/python3
connect() { sv "$1" server set --address "127.0.0.1:$PORT" --key "$SERVER_KEY" --log-key "$LOG_KEY" >/dev/null || fail "server set $1"; }

for p in "anna:Anna Koordinator" "carl:Carl SSP" "aud:Ida Revisor" "bo:Bo Ny"; do
  sv "${p%%:*}" init --name "${p#*:}" >/dev/null || fail "init ${p%%:*}"
done
daemon_init "$TMP/d" --admin "$TMP/anna/card.txt" --member "$TMP/carl/card.txt:ssp" \
  --member "$TMP/aud/card.txt:auditor"
daemon_start "$TMP/d"
for w in anna carl aud bo; do connect $w; done
sv anna whoami | grep -q coordinator || fail "anna is the coordinator"

# While the daemon runs its database is in use: nothing is changed.
expect_fail 1 "stop samvirked first" "$SAMVIRKED" admin add-coordinator "$TMP/d" "$TMP/bo/card.txt"
sv carl whoami >/dev/null || fail "the daemon still serves after the refused call"
expect_fail 2 "give DIR and CARD" "$SAMVIRKED" admin add-coordinator "$TMP/d"
expect_fail 2 "unknown subcommand" "$SAMVIRKED" admin add-boss "$TMP/d" "$TMP/bo/card.txt"
daemon_stop || fail "stop"

# Anna has left and her keys are lost. Bo, new, becomes coordinator.
rm -rf "$TMP/anna"
out=$("$SAMVIRKED" admin add-coordinator "$TMP/d" "$TMP/bo/card.txt") || fail "add-coordinator bo: $out"
echo "$out" | grep -q "^registered Bo Ny as coordinator (fingerprint .*, audit #[0-9]*)$" || fail "output: $out"
BOSEQ=$(echo "$out" | sed -n 's/.*audit #\([0-9]*\).*/\1/p')
expect_fail 1 "already a coordinator" "$SAMVIRKED" admin add-coordinator "$TMP/d" "$TMP/bo/card.txt"
# Carl, an SSP consultant already in the team, is made coordinator as well.
out=$("$SAMVIRKED" admin add-coordinator "$TMP/d" "$TMP/carl/card.txt") || fail "promote carl: $out"
echo "$out" | grep -q "^Carl SSP is now a coordinator (was ssp)" || fail "promotion output: $out"
CARLSEQ=$(echo "$out" | sed -n 's/.*audit #\([0-9]*\).*/\1/p')

daemon_start "$TMP/d"
sv bo whoami | grep -q "coordinator" || fail "bo is a coordinator"
sv carl whoami | grep -q "coordinator" || fail "carl is a coordinator"
# The recovered coordinator invites a new member, who enrols, and revokes the one who left.
code=$(sv bo --json member invite --role partner --name "Dora Partner" | $PY -c 'import json,sys; print(json.load(sys.stdin)["invite"]["code"])') ||
  fail "bo invites"
sv dora enroll --server "127.0.0.1:$PORT" --server-key "$SERVER_KEY" --log-key "$LOG_KEY" \
  --invite "$code" --name "Dora Partner" | grep -q partner || fail "dora enrols with bo's invite"
sv bo member revoke --yes "Anna Koordinator" | grep -q "revoked Anna" || fail "bo revokes anna"

# Both changes are entries of the audit log, by the daemon, naming the command.
sv aud audit fetch >/dev/null && sv aud audit verify >/dev/null || fail "audit verify"
sv aud --json audit show | $PY -c '
import json, sys
es = {e["seq"]: e for e in json.load(sys.stdin)["entries"]}
b, c = es['"$BOSEQ"'], es['"$CARLSEQ"']
for e, op in ((b, "member.register"), (c, "member.role")):
    assert e["op"] == op and e["role"] == "daemon" and e["class"] == "directory", e
    assert e["decision"] == "permit" and e["rule"] == "samvirked admin add-coordinator", e
    assert e["object"].startswith("card:"), e' || fail "the audit entries of add-coordinator"
daemon_stop

# Revoked keys do not come back, and a card other than the one registered for its keys is refused.
cp "$TMP/d/policy.conf" "$TMP/policy.saved"
daemon_start "$TMP/d"
sv bo member revoke --yes "Dora Partner" >/dev/null || fail "revoke dora"
daemon_stop
expect_fail 1 "were revoked and cannot come back" "$SAMVIRKED" admin add-coordinator "$TMP/d" "$TMP/dora/card.txt"
# The directory holds another card for carl's keys (simulated by changing its recorded hash):
# the card given is not the registered one.
$PY -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("update members set card_hash=zeroblob(32) where name=?", ("Carl SSP",)); c.commit()' "$TMP/d/samvirke.db"
expect_fail 1 "is not the card registered for its keys" "$SAMVIRKED" admin add-coordinator "$TMP/d" "$TMP/carl/card.txt"

# A policy that does not let coordinators manage the directory: refused, nothing logged.
sv eve init --name "Eve" >/dev/null
sed -i '/^permit "directory-manage"/,/^$/d; /manage directory/d' "$TMP/d/policy.conf"
before=$(/usr/bin/python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from audit_entries").fetchone()[0])' "$TMP/d/samvirke.db")
expect_fail 1 "does not let role 'coordinator' manage the directory" \
  "$SAMVIRKED" admin add-coordinator "$TMP/d" "$TMP/eve/card.txt"
after=$(/usr/bin/python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from audit_entries").fetchone()[0])' "$TMP/d/samvirke.db")
[ "$before" = "$after" ] || fail "a refused add-coordinator wrote to the log ($before -> $after)"
cp "$TMP/policy.saved" "$TMP/d/policy.conf"
"$SAMVIRKED" admin add-coordinator "$TMP/d" "$TMP/eve/card.txt" | grep -q "registered Eve" ||
  fail "with the policy restored, eve is added"
"$SAMVIRKED" run "$TMP/d" --verify full 2>"$TMP/verify.log" & pid=$!
DAEMON_PID=$pid
daemon_wait_port() { for _ in $(seq 100); do $PY -c "import socket; socket.create_connection(('127.0.0.1',$PORT),0.2)" 2>/dev/null && return 0; sleep 0.1; done; return 1; }
daemon_wait_port || fail "the directory no longer verifies in full: $(cat "$TMP/verify.log")"
daemon_stop
echo "ok: recovery"

#!/usr/bin/env bash
# test_policy_reload.sh -- the daemon refuses to start on an invalid policy, reloads on SIGHUP,
# and keeps the last good policy when a reload fails.
. "$(dirname "$0")/lib.sh"

sv() { "$SAMVIRKE" --identity "$TMP/$1" "${@:2}"; }
sv anna init --name "Anna" >/dev/null || fail "init anna"
sv pia init --name "Pia Partner" >/dev/null || fail "init pia"
sv otto init --name "Otto Auditor" >/dev/null || fail "init otto"
daemon_init "$TMP/d" --admin "$TMP/anna/card.txt" --member "$TMP/pia/card.txt:partner" \
  --member "$TMP/otto/card.txt:auditor"
for who in anna pia otto; do
  sv $who server set --address "127.0.0.1:$PORT" --key "$SERVER_KEY" --log-key "$LOG_KEY" >/dev/null
done
POLICY="$TMP/d/policy.conf"
cp "$POLICY" "$TMP/good.policy"

# An invalid policy at start: refuse to start, with the loader's file:line:col error.
printf 'roles a\npermit role b action x class y\n' > "$POLICY"
if "$SAMVIRKED" run "$TMP/d" 2>"$TMP/start.log"; then fail "daemon started with an invalid policy"; fi
grep -q "policy.conf:2:" "$TMP/start.log" || fail "start error names file:line: $(cat "$TMP/start.log")"
cp "$TMP/good.policy" "$POLICY"

daemon_start "$TMP/d"
sv pia ping >/dev/null || fail "partner may ping under the default policy"

# A policy that denies partners a session: after SIGHUP, the partner's ping is denied.
sed 's/^  role \* action connect class session/  role coordinator, ssp, police, auditor action connect class session/; /^expect permit partner connect session/d' \
  "$TMP/good.policy" > "$POLICY"
"$SAMVIRKE" policy check "$POLICY" >/dev/null || fail "edited policy is valid"
kill -HUP "$DAEMON_PID"
for _ in $(seq 50); do grep -q "policy reloaded" "$TMP/daemon.log" && break; sleep 0.1; done
grep -q "policy reloaded from .*: sha256 $(sha256sum "$POLICY" | cut -c1-64)" "$TMP/daemon.log" \
  || fail "reload logged with the new policy's SHA-256: $(cat "$TMP/daemon.log")"
expect_fail 1 "denied" sv pia ping
sv anna ping >/dev/null || fail "coordinator still connects"

# The reload is an audit entry carrying the new policy's hash, and later entries are decided
# under it (their policy field changes from the old hash to the new one).
NEW_HASH=$(sha256sum "$POLICY" | cut -c1-64)
OLD_HASH=$(sha256sum "$TMP/good.policy" | cut -c1-64)
sv otto audit fetch >/dev/null || fail "auditor fetch"
sv otto audit verify >/dev/null || fail "auditor verify"
sv otto --json audit show > "$TMP/entries.json" || fail "audit show"
/usr/bin/python3 - "$TMP/entries.json" "$NEW_HASH" "$OLD_HASH" <<'PY' || fail "policy reload entry"
import json, sys
doc = json.load(open(sys.argv[1]))
entries = doc["entries"] if isinstance(doc, dict) else doc
new, old = sys.argv[2], sys.argv[3]
reload = [e for e in entries if e["op"] == "policy.reload"]
assert len(reload) == 1, reload
r = reload[0]
assert r["object"] == new and r["decision"] == "permit" and r["policy"] == new, r
before = [e for e in entries if e["seq"] < r["seq"] and e["role"] != "daemon"]
after = [e for e in entries if e["seq"] > r["seq"]]
assert before and all(e["policy"] == old for e in before), before
assert after and all(e["policy"] == new for e in after), after
assert any(e["op"] == "ping" and e["role"] == "partner" and e["decision"] == "deny" for e in after), after
PY

# A broken policy: the reload fails, is logged, and the last good policy stays in force.
echo 'permit role partner action send class individual' >> "$POLICY"
kill -HUP "$DAEMON_PID"
for _ in $(seq 50); do grep -q "policy reload failed" "$TMP/daemon.log" && break; sleep 0.1; done
grep -q "policy reload failed; keeping the last good policy" "$TMP/daemon.log" || fail "failed reload logged"
grep -q "regime" "$TMP/daemon.log" || fail "the reason (regime crossing) is logged"
expect_fail 1 "denied" sv pia ping
sv anna ping >/dev/null || fail "daemon still serves after a failed reload"
kill -0 "$DAEMON_PID" || fail "daemon died"
daemon_stop || fail "clean exit"
echo "policy reload: ok"

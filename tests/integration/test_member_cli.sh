#!/usr/bin/env bash
# test_member_cli.sh -- the member directory through the real CLI: a coordinator invites, a new
# person enrols with a fresh identity, refused invites say why, roles change, a colleague's card
# is proven in the audit log, a changed key is refused loudly until accepted, a substituted card
# is caught, and a revoked member is cut off.
. "$(dirname "$0")/lib.sh"

sv() { "$SAMVIRKE" --identity "$TMP/$1" "${@:2}"; }
json() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }

sv anna init --name "Anna Koordinator" >/dev/null || fail "init anna"
daemon_init "$TMP/d" --admin "$TMP/anna/card.txt"
daemon_start "$TMP/d"
sv anna server set --address "127.0.0.1:$PORT" --key "$SERVER_KEY" --log-key "$LOG_KEY" >/dev/null ||
  fail "server set"
ENROLL=(--server "127.0.0.1:$PORT" --server-key "$SERVER_KEY" --log-key "$LOG_KEY")

# --- invite and enrol -------------------------------------------------------------------------
code=$(sv anna --json member invite --role partner --name "Bo Partner" | json 'print(d["invite"]["code"])') ||
  fail "invite"
echo "$code" | grep -Eq '^[A-Z2-7]{4}(-[A-Z2-7]{4}){7}$' || fail "invite code format: $code"
sv anna member invite --role partner --name "Bo Partner" | grep -q "samvirke enroll" ||
  fail "human invite output tells how to enrol"
expect_fail 1 "not a role of the policy" sv anna member invite --role janitor --name X
expect_fail 2 "ttl" sv anna member invite --role partner --name X --ttl soon

expect_fail 2 "give --name" sv bo enroll "${ENROLL[@]}" --invite "$code"
expect_fail 1 "invite_invalid" sv bo enroll "${ENROLL[@]}" --invite "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA" --name "Bo Partner"
# The failed attempt created Bo's identity; the next one uses it.
out=$(sv bo enroll "${ENROLL[@]}" --invite "$code") || fail "enroll: $out"
echo "$out" | grep -q "role .*partner" || fail "enrol output: $out"
grep -q "^server = 127.0.0.1:$PORT" "$TMP/bo/client.conf" || fail "enroll writes client.conf"
sv bo whoami | grep -q "partner" || fail "bo is a partner"
expect_fail 1 "already enrolled" sv bo enroll "${ENROLL[@]}" --invite "$code"

# Used and expired codes.
expect_fail 1 "invite_used" sv carl enroll "${ENROLL[@]}" --invite "$code" --name "Bo Partner"
short=$(sv anna --json member invite --role ssp --name "Dora SSP" --ttl 1s | json 'print(d["invite"]["code"])')
sleep 2.1
expect_fail 1 "invite_expired" sv dora enroll "${ENROLL[@]}" --invite "$short" --name "Dora SSP"
# A name other than the invited one.
code2=$(sv anna --json member invite --role ssp --name "Eva SSP" | json 'print(d["invite"]["code"])')
expect_fail 1 "is for 'Eva SSP'" sv eve enroll "${ENROLL[@]}" --invite "$code2" --name "Eve"

# --- list, show, role -------------------------------------------------------------------------
sv bo member list | grep -q "Anna Koordinator .*coordinator" || fail "member list"
sv bo --json member list | json 'assert [m["name"] for m in d["members"]] == ["Anna Koordinator", "Bo Partner"], d' ||
  fail "member list --json"
bofp=$(sv bo --json card | json 'print(d["fingerprint"])')
sv anna member show "$bofp" | grep -q "Bo Partner" || fail "show by fingerprint"
expect_fail 1 "not_found" sv anna member show "Nobody"
expect_fail 1 "denied" sv bo member role "Anna Koordinator" partner
# Giving a regime role is confirmed: without a terminal only with --yes, at one only by "yes".
expect_fail 2 "Add --yes" sv anna member role "Bo Partner" ssp
sv bo whoami | grep -q "partner" || fail "an unconfirmed role change changes nothing"
out=$(at_terminal no "$SAMVIRKE" --identity "$TMP/anna" member role "Bo Partner" ssp) &&
  fail "answering no succeeds: $out"
echo "$out" | grep -q "not confirmed; nothing was changed" || fail "no: $out"
sv bo whoami | grep -q "partner" || fail "answering no changes nothing"
out=$(at_terminal yes "$SAMVIRKE" --identity "$TMP/anna" member role "Bo Partner" ssp) ||
  fail "answering yes: $out"
echo "$out" | grep -q "Inside the SSP regime" || fail "the question says what the role gives: $out"
echo "$out" | grep -q "partner -> ssp" || fail "role change at the terminal: $out"
sv anna member role "Bo Partner" partner | grep -q "ssp -> partner" ||
  fail "a role outside the regime needs no confirmation"
sv anna member role --yes "Bo Partner" ssp | grep -q "partner -> ssp" || fail "role change"
sv bo whoami | grep -q "ssp" || fail "the new role is in effect"

# --- key transparency -------------------------------------------------------------------------
out=$(sv bo member verify "Anna Koordinator") || fail "verify anna: $out"
echo "$out" | grep -q "proven" || fail "verify proves the card: $out"
echo "$out" | grep -q "first time seen" || fail "first sight remembered: $out"
annafp=$(sv anna --json card | json 'print(d["fingerprint"])')
echo "$out" | grep -q "$annafp" || fail "verify prints the fingerprint to compare"
sv bo member verify "Anna Koordinator" | grep -q "same key as remembered" || fail "second sight"
sv anna member verify "Bo Partner" >/dev/null || fail "anna remembers bo"
[ "$(stat -c %a "$TMP/anna/known_cards")" = 600 ] || fail "known_cards is 0600"
# Without a log key nothing can be proven.
cp -r "$TMP/bo" "$TMP/bo-nolog"
sv bo-nolog server set --address "127.0.0.1:$PORT" --key "$SERVER_KEY" >/dev/null
expect_fail 1 "no log key" sv bo-nolog member verify "Anna Koordinator"
# With the wrong log key the checkpoint does not verify.
other_vkey=$(/usr/bin/python3 -c '
import base64, hashlib, os
name, pk = b"samvirke.local/audit", os.urandom(32)
kid = hashlib.sha256(name + b"\n\x01" + pk).digest()[:4].hex()
print("%s+%s+%s" % (name.decode(), kid, base64.b64encode(b"\x01" + pk).decode()))')
sv bo-nolog server set --address "127.0.0.1:$PORT" --key "$SERVER_KEY" --log-key "$other_vkey" >/dev/null ||
  fail "server set with another log key"
expect_fail 1 "not signed by the configured log key" sv bo-nolog member verify "Anna Koordinator"

# --- revocation, and the same name with a new key ----------------------------------------------
expect_fail 2 "Add --yes" sv anna member revoke "Bo Partner"
sv anna member revoke --yes "Bo Partner" | grep -q "revoked Bo Partner" || fail "revoke"
expect_fail 1 "revoked" sv bo ping
expect_fail 1 "revoked" sv anna member verify "Bo Partner"
code3=$(sv anna --json member invite --role partner --name "Bo Partner" | json 'print(d["invite"]["code"])')
sv bo2 enroll "${ENROLL[@]}" --invite "$code3" --name "Bo Partner" >/dev/null || fail "re-enrol"
expect_fail 1 "HAS CHANGED" sv anna member verify "Bo Partner"
out=$(sv anna member verify "Bo Partner" --accept-new-key) || fail "accept new key: $out"
echo "$out" | grep -q "KEY CHANGED" || fail "accepting says so: $out"
sv anna member verify "Bo Partner" | grep -q "same key as remembered" || fail "new key remembered"

# --- a rolled-back or forked log is caught by member verify -------------------------------------
# bo2 trusts a checkpoint; the daemon is restored from an older copy of its directory (the
# database and the log signer's record: what an intruder with the disk could do).
daemon_stop || fail "stop"
cp "$TMP/d/samvirke.db" "$TMP/old.db"
cp "$TMP/d/signer.state" "$TMP/old.state"
daemon_start "$TMP/d"
sv anna ping --count 10 >/dev/null
sv bo2 member verify "Anna Koordinator" >/dev/null || fail "bo2 verifies anna"
trusted_size() { sed -n 2p "$TMP/$1/audit/trusted.txt"; }
t1=$(trusted_size bo2)
sv anna ping --count 3 >/dev/null
sv bo2 member verify "Anna Koordinator" >/dev/null || fail "bo2 verifies anna again"
t2=$(trusted_size bo2)
[ "$t2" -gt "$t1" ] || fail "member verify advances the trusted checkpoint ($t1 -> $t2)"
daemon_stop || fail "stop"
cp "$TMP/d/samvirke.db" "$TMP/new.db"
cp "$TMP/d/signer.state" "$TMP/new.state"
cp "$TMP/old.db" "$TMP/d/samvirke.db"
cp "$TMP/old.state" "$TMP/d/signer.state"
daemon_start "$TMP/d"
cp "$TMP/bo2/audit/trusted.txt" "$TMP/trusted.keep"
expect_fail 1 "rollback" sv bo2 member verify "Anna Koordinator"
cmp -s "$TMP/bo2/audit/trusted.txt" "$TMP/trusted.keep" || fail "a rollback must not move the trusted checkpoint"
# The restored daemon grows past the trusted size with other entries: a fork.
sv anna ping --count 30 >/dev/null
expect_fail 1 "fork" sv bo2 member verify "Anna Koordinator"
daemon_stop || fail "stop"
cp "$TMP/new.db" "$TMP/d/samvirke.db"
cp "$TMP/new.state" "$TMP/d/signer.state"
daemon_start "$TMP/d"
sv bo2 member verify "Anna Koordinator" >/dev/null || fail "the real log verifies again"

# --- a substituted card is caught ---------------------------------------------------------------
sv mallory init --name "Bo Partner" >/dev/null
daemon_stop || fail "daemon stop"
/usr/bin/python3 - "$TMP/d/samvirke.db" "$TMP/mallory/card.txt" <<'EOF' || fail "substitute card"
import base64, sqlite3, sys
card = base64.b64decode(open(sys.argv[2]).read().split()[1])
db = sqlite3.connect(sys.argv[1])
with db:
    n = db.execute("UPDATE members SET card = ? WHERE name = 'Bo Partner' AND revoked = 0", (card,)).rowcount
assert n == 1, n
EOF
daemon_start "$TMP/d"
expect_fail 1 "NOT the card the audit log registered" sv anna member verify "Bo Partner"
expect_fail 1 "NOT the card the audit log registered" sv anna member verify "Bo Partner" --accept-new-key

daemon_stop || fail "daemon exit status after SIGTERM"
grep -q "LeakSanitizer" "$TMP/daemon.log" && fail "leaks reported"
echo "member cli: ok"

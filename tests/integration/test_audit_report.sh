#!/usr/bin/env bash
# test_audit_report.sh -- `samvirke audit report` names people: from a verified trail, who did what
# by name and role, refusals, directory changes and policy reloads in their sections, filtered by
# person and period, as text, CSV and HTML (escaped); nothing is reported from a trail that does
# not verify, and a name whose registration is not in the fetched trail is marked unverified.
. "$(dirname "$0")/lib.sh"

sv() { "$SAMVIRKE" --identity "$TMP/$1" "${@:2}"; }
PY=/usr/bin/python3

sv anna init --name "Anna Koordinator" >/dev/null || fail "init anna"
sv ida init --name "Ida Revisor" >/dev/null || fail "init ida"
sv bo init --name "Bo Partner" >/dev/null || fail "init bo"
daemon_init "$TMP/d" --admin "$TMP/anna/card.txt" --member "$TMP/ida/card.txt:auditor" \
  --member "$TMP/bo/card.txt:partner"
daemon_start "$TMP/d"
for w in anna ida bo; do
  sv $w server set --address "127.0.0.1:$PORT" --key "$SERVER_KEY" --log-key "$LOG_KEY" >/dev/null || fail "server set"
done

# Work, a refusal, a directory change by enrolment and by role, a policy reload.
sv anna area add Vestparken >/dev/null || fail "area add"
sv bo observe Vestparken --resource --category fritid "Lektiecafe i beboerhuset" >/dev/null || fail "observe"
expect_fail 1 "denied" sv bo audit fetch
code=$(sv anna --json member invite --role partner --name "Dora <b>Partner</b>" | $PY -c 'import json,sys; print(json.load(sys.stdin)["invite"]["code"])') ||
  fail "invite"
sv dora enroll --server "127.0.0.1:$PORT" --server-key "$SERVER_KEY" --log-key "$LOG_KEY" \
  --invite "$code" --name "Dora <b>Partner</b>" >/dev/null || fail "dora enrols"
sv anna member role --yes "Dora <b>Partner</b>" ssp >/dev/null || fail "role change"
kill -HUP "$DAEMON_PID"
sleep 1
sv dora ping >/dev/null || fail "dora ping"
sv ida audit fetch >/dev/null && sv ida audit fetch >/dev/null || fail "fetch" # the second holds the first

# --- text --------------------------------------------------------------------------------------
out=$(sv ida audit report) || fail "report: $out"
echo "$out" | grep -q "^Trail   verified: entries 0\.\." || fail "the report says what it verified: $out"
for who in "Anna Koordinator (coordinator)" "Bo Partner (partner)" "Ida Revisor (auditor)" \
           "Dora <b>Partner</b> (ssp)"; do
  echo "$out" | grep -qF "  $who, key " || fail "the people table names $who: $out"
done
section() { echo "$out" | awk -v s="$1" 'index($0, s) == 1 {on = 1; next} /^[A-Z]/ {on = 0} on'; }
section "Refusals and failed requests" | grep -q "Bo Partner (partner)  audit.checkpoint audit .* DENY" ||
  fail "bo's refused fetch is among the refusals: $(section "Refusals")"
section "Refusals and failed requests" | grep -q "Anna" && fail "no refusal of anna's is listed"
section "Directory changes" | grep -qF "Dora <b>Partner</b> (partner)  enroll directory card:" ||
  fail "the enrolment is a directory change: $(section "Directory changes")"
section "Directory changes" | grep -q "Anna Koordinator (coordinator)  member.role directory" ||
  fail "the role change is a directory change: $(section "Directory changes")"
section "Directory changes" | grep -q "samvirked (daemon)  member.register directory" ||
  fail "init's registrations are directory changes by the daemon"
section "Policy reloads and other daemon events" | grep -q "samvirked (daemon)  policy.reload policy" ||
  fail "the policy reload is listed: $(section "Policy reloads")"
echo "$out" | grep -q "^  .*\[unverified\]" && fail "every name is bound by its registration entry: $out"

# --- filters -----------------------------------------------------------------------------------
bo=$(sv ida audit report --actor "Bo Partner") || fail "report --actor"
echo "$bo" | grep -q "^People (1)" || fail "--actor keeps one person: $bo"
n=$(echo "$bo" | grep -c "^  #")
[ "$n" -ge 3 ] || fail "bo's requests are listed ($n)"
[ "$(echo "$bo" | grep "^  #" | grep -vc "Bo Partner (partner)")" -eq 0 ] || fail "--actor shows only bo: $bo"
BOKEY=$(sv bo --json whoami | $PY -c 'import json,sys; print(json.load(sys.stdin)["member"]["keyid"])')
[ "$(sv ida audit report --actor "${BOKEY:0:8}" | grep -c "^  #")" -eq "$(echo "$bo" | grep -c "^  #")" ] ||
  fail "--actor with a key id prefix is the same person"
expect_fail 1 "has no member named 'Nobody'" sv ida audit report --actor Nobody
sv ida audit report --since +1d | grep -q "^People (0)" || fail "--since in the future reports nobody"
sv ida audit report --until 2000-01-01 | grep -q "^All requests in the period (0)" || fail "--until in the past"
expect_fail 2 "--format takes text, csv or html" sv ida audit report --format pdf
expect_fail 2 "--since takes a time" sv ida audit report --since yesterday-ish
expect_fail 2 "before --since" sv ida audit report --since 2026-02-01 --until 2026-01-01

# --- CSV ---------------------------------------------------------------------------------------
sv ida audit report --format csv >"$TMP/r.csv" || fail "csv"
$PY - "$TMP/r.csv" "$BOKEY" <<'PYEOF' || fail "the CSV report"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
assert rows and list(rows[0].keys())[:5] == ["seq", "time", "name", "name_verified", "actor_keyid"], rows[0]
bo = [r for r in rows if r["actor_keyid"] == sys.argv[2]]
assert bo and all(r["name"] == "Bo Partner" and r["name_verified"] == "yes" for r in bo), bo
assert any(r["category"] == "refusal" and r["op"] == "audit.checkpoint" for r in bo), bo
assert any(r["category"] == "policy" for r in rows)
assert [int(r["seq"]) for r in rows] == sorted(int(r["seq"]) for r in rows)
PYEOF

# --- HTML: the names are escaped ----------------------------------------------------------------
sv ida audit report --format html >"$TMP/r.html" || fail "html"
grep -q "<table>" "$TMP/r.html" || fail "html tables"
grep -qF "Dora &lt;b&gt;Partner&lt;/b&gt;" "$TMP/r.html" || fail "the name is escaped in HTML"
grep -qF "Dora <b>" "$TMP/r.html" && fail "a raw name in HTML"
grep -q "<script" "$TMP/r.html" && fail "no script in the report"

# --- offline, and a trail fetched from the middle -------------------------------------------------
off=$(sv ida audit report --offline) || fail "offline report"
echo "$off" | grep -q "key $BOKEY (not in the directory)" || fail "offline: key ids: $off"
echo "$off" | grep -q "Bo Partner" && fail "offline has no names"
sv ida audit fetch --since 5 --out "$TMP/tail.bin" >/dev/null || fail "fetch --since"
tail=$(sv ida audit report --file "$TMP/tail.bin") || fail "report of a tail"
echo "$tail" | grep -q "Bo Partner \[unverified\]" || fail "registrations before the tail leave names unverified: $tail"

# --- nothing from a trail that does not verify ---------------------------------------------------
cp "$TMP/ida/audit/entries.bin" "$TMP/bad.bin"
cp "$TMP/ida/audit/entries.bin.checkpoint" "$TMP/bad.bin.checkpoint"
$PY -c '
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read())
b[len(b) - 20] ^= 1
open(p, "wb").write(b)' "$TMP/bad.bin"
out=$(sv ida audit report --file "$TMP/bad.bin" 2>"$TMP/err") && fail "a damaged trail was reported"
[ -z "$out" ] || fail "a damaged trail printed a report: $out"
grep -q "does not verify: nothing is reported" "$TMP/err" || fail "why: $(cat "$TMP/err")"
daemon_stop
echo "ok: audit report"

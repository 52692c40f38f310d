#!/usr/bin/env bash
# test_audit_cli.sh -- samvirke audit fetch/verify/show/prove against a real daemon: a clean
# trail verifies (also incrementally and from --since), every kind of tampering with a fetched
# file fails with one line per problem, non-auditors are denied and the denial is in the trail,
# and a daemon restored from an older database copy is caught as a rollback (then as a fork).
. "$(dirname "$0")/lib.sh"

sv() { "$SAMVIRKE" --identity "$TMP/$1" "${@:2}"; }
PY=/usr/bin/python3

sv anna init --name "Anna Koordinator" >/dev/null || fail "init anna"
sv aud init --name "Ida Revisor" >/dev/null || fail "init aud"
sv bo init --name "Bo Partner" >/dev/null || fail "init bo"
daemon_init "$TMP/d" --admin "$TMP/anna/card.txt" --member "$TMP/aud/card.txt:auditor" \
  --member "$TMP/bo/card.txt:partner"
daemon_start "$TMP/d"
for who in anna aud bo; do
  sv $who server set --address "127.0.0.1:$PORT" --key "$SERVER_KEY" --log-key "$LOG_KEY" >/dev/null || fail "server set"
done

# Mixed requests; remember the audit number anna was given.
SEQ=$(sv anna --json ping | $PY -c 'import json,sys; print(json.load(sys.stdin)["pings"][0]["audit"])')
sv anna whoami >/dev/null || fail "whoami"
BO_KEYID=$(sv bo --json whoami | $PY -c 'import json,sys; print(json.load(sys.stdin)["member"]["keyid"])')
sv bo ping --count 3 >/dev/null || fail "bo ping"
BOSEQ=$(sv bo --json ping | $PY -c 'import json,sys; print(json.load(sys.stdin)["pings"][0]["audit"])')
# Non-auditors are denied (and that is logged).
expect_fail 1 "denied" sv bo audit fetch
# ... but every member proves their own entries (policy: read session, rule own-trail), trusting
# the first checkpoint signed by the log key, and not anyone else's.

out=$(sv bo audit prove "$BOSEQ") || fail "bo proves his own ping: $out"
echo "$out" | grep -q "entry $BOSEQ is in the log.*now trusted" || fail "prove output: $out"
echo "$out" | grep -q "permit .* partner ping session" || fail "prove shows the entry: $out"
[ -f "$TMP/bo/audit/trusted.txt" ] || fail "prove keeps the first checkpoint as trusted"
sv bo ping >/dev/null
sv bo audit prove "$BOSEQ" | grep -q "consistent with the checkpoint this client trusted" ||
  fail "a second prove checks consistency with the trusted checkpoint"
sv anna audit prove "$SEQ" | grep -q "entry $SEQ is in the log" || fail "anna proves her own ping"
expect_fail 1 "denied.*another actor" sv bo audit prove "$SEQ"

sv aud audit fetch >/dev/null || fail "fetch"
sv aud audit verify | grep -q "verified" || fail "first verify"
[ -f "$TMP/aud/audit/trusted.txt" ] || fail "verify keeps the trusted checkpoint"
sv aud audit show --decision deny | grep -q "DENY.*partner audit.checkpoint audit" || fail "show lists bo's denied fetch"
sv aud audit show --decision deny | grep -q "permit" && fail "show --decision deny shows only denials"
sv aud audit show --decision deny | grep -q "DENY $BO_KEYID partner audit.inclusion session inclusion:$SEQ@.* not the caller's entry" ||
  fail "bo's refused proof of anna's entry is logged"
sv aud --json audit show --op ping | $PY -c '
import json,sys
d = json.load(sys.stdin)
assert d["shown"] >= 4 and all(e["op"] == "ping" for e in d["entries"]), d' || fail "show --json --op"
BO=$(sv bo --json whoami | $PY -c 'import json,sys; print(json.load(sys.stdin)["member"]["keyid"])')
sv aud audit show --actor "$BO" >/dev/null; [ "$(sv aud audit show --actor "$BO" | wc -l)" -ge 4 ] || fail "show --actor"
sv aud audit show --since 2000-01-01 | grep -q "#0 " || fail "show --since"

# prove: the auditor proves anna's ping is in the log.
sv aud audit prove "$SEQ" | grep -q "entry $SEQ is in the log" || fail "prove"
expect_fail 2 "entry number" sv aud audit prove abc

# More traffic; incremental fetch; verify is consistent with the trusted checkpoint.
sv anna ping --count 5 >/dev/null
sv aud audit fetch | grep -q "fetched" || fail "incremental fetch"
sv aud audit verify | grep -q "consistent with the trusted checkpoint" || fail "incremental verify"
# A partial download from --since N verifies through the frontier and the consistency proof.
sv anna ping --count 3 >/dev/null
sv aud audit fetch --since 7 --out "$TMP/part.bin" >/dev/null || fail "fetch --since"
[ -f "$TMP/part.bin.consistency" ] || fail "fetch stores a consistency proof"
sv aud audit verify "$TMP/part.bin" | grep -q "verified" || fail "verify of a --since download"

# Tampering with a fetched file: each kind fails, with one line per problem.
sv anna ping >/dev/null
sv aud audit fetch --out "$TMP/full.bin" --since 0 >/dev/null || fail "full fetch"
cp "$TMP/aud/audit/trusted.txt" "$TMP/trusted.keep"
tamper() { # tamper KIND IN OUT
  $PY - "$@" <<'PYEOF'
import struct, sys
kind, src, dst = sys.argv[1:]
data = open(src, "rb").read()
magic = b"samvirke-audit-entries-v1\n"
start = struct.unpack(">Q", data[len(magic):len(magic) + 8])[0]
k = data[len(magic) + 8]
pos = len(magic) + 9 + 32 * k
head, recs = data[:pos], []
while pos < len(data):
    (n,) = struct.unpack(">I", data[pos:pos + 4])
    recs.append(data[pos + 4:pos + 4 + n])
    pos += 4 + n
if kind == "byte":
    r = bytearray(recs[5]); i = r.index(b"\xa4time") + 5 + 8; r[i] ^= 1; recs[5] = bytes(r)
elif kind == "delete":
    del recs[4]
elif kind == "swap":
    recs[3], recs[4] = recs[4], recs[3]
elif kind == "truncate":
    recs = recs[:-2]
open(dst, "wb").write(head + b"".join(struct.pack(">I", len(r)) + r for r in recs))
PYEOF
}
for kind in byte delete swap truncate; do
  tamper $kind "$TMP/full.bin" "$TMP/t-$kind.bin" || fail "tamper $kind"
  cp "$TMP/full.bin.checkpoint" "$TMP/t-$kind.bin.checkpoint"
  out=$(sv aud audit verify "$TMP/t-$kind.bin" 2>&1 >/dev/null); rc=$?
  [ $rc -eq 1 ] || fail "verify of a '$kind' tampered file exited $rc"
  echo "$out" | grep -q "samvirke: " || fail "$kind: problem lines: $out"
  case $kind in
    byte) echo "$out" | grep -q "root recomputed" || fail "byte: $out" ;;
    delete|swap) echo "$out" | grep -q "reordered\|sequence number" || fail "$kind: $out" ;;
    truncate) echo "$out" | grep -q "checkpoint is for size" || fail "truncate: $out" ;;
  esac
  cmp -s "$TMP/aud/audit/trusted.txt" "$TMP/trusted.keep" || fail "a failed verify must not move the trusted checkpoint"
  echo "verify of '$kind' tampering: $(echo "$out" | head -1)"
done
# An edited checkpoint fails its signature check.
sed 's/^\([0-9]*\)$/1\1/' "$TMP/full.bin.checkpoint" > "$TMP/t-cp.bin.checkpoint"
cp "$TMP/full.bin" "$TMP/t-cp.bin"
expect_fail 1 "does not verify" sv aud audit verify "$TMP/t-cp.bin"
sv aud audit verify "$TMP/full.bin" >/dev/null || fail "the untouched file still verifies"

# Rollback: keep a copy of the database, let the log grow, have the auditor trust the newer
# checkpoint, then restore the copy.
daemon_stop || fail "stop"
cp "$TMP/d/samvirke.db" "$TMP/old.db"
cp "$TMP/d/signer.state" "$TMP/old.state"
daemon_start "$TMP/d"
sv anna ping --count 20 >/dev/null
sv aud audit fetch >/dev/null && sv aud audit verify >/dev/null || fail "verify before rollback"
daemon_stop || fail "stop"
cp "$TMP/old.db" "$TMP/d/samvirke.db"
# The daemon itself refuses the older database: its log signer remembers what it signed.
out=$("$SAMVIRKED" run "$TMP/d" 2>&1) && fail "the daemon served a database older than its signer's record"
echo "$out" | grep -q "older than checkpoints already signed" || fail "refusal names the rollback: $out"
# An intruder with the disk can put the signer's record back too; then the auditor catches it.
cp "$TMP/old.state" "$TMP/d/signer.state"
daemon_start "$TMP/d"
sv aud audit fetch --since 0 >/dev/null || fail "fetch from the restored daemon"
expect_fail 1 "rollback" sv aud audit verify
expect_fail 1 "rollback" sv aud audit prove 0
# The restored daemon grows past the trusted size with different entries: a fork.
sv bo ping --count 30 >/dev/null
sv aud audit fetch --since 0 >/dev/null || fail "fetch"
out=$(sv aud audit verify 2>&1 >/dev/null) && fail "a forked log verified"
echo "$out" | grep -q "fork" || fail "fork not reported: $out"
daemon_stop || fail "stop"
echo "audit CLI: fetch, verify, show, prove, tampering, rollback and fork all behave"

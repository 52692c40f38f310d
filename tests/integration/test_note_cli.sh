#!/usr/bin/env bash
# test_note_cli.sh -- restricted notes through the real CLI: send to a name and a role, list,
# read (verify + decrypt), --out, ack, watch (a note pushed while connected, and one waiting from
# before), the client's refusal to send an individual note to a partner, the refusal of an empty
# note, the prompt when the note is typed at a terminal, and usage errors.
. "$(dirname "$0")/lib.sh"

sv() { "$SAMVIRKE" --identity "$TMP/$1" "${@:2}"; }
json() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); $1"; }

sv anna init --name "Anna Koordinator" >/dev/null || fail "init anna"
sv sara init --name "Sara SSP" >/dev/null || fail "init sara"
sv per init --name "Per Politi" >/dev/null || fail "init per"
sv bo init --name "Bo Partner" >/dev/null || fail "init bo"
daemon_init "$TMP/d" --admin "$TMP/anna/card.txt" --member "$TMP/sara/card.txt:ssp" \
  --member "$TMP/per/card.txt:police" --member "$TMP/bo/card.txt:partner"
daemon_start "$TMP/d"
for p in anna sara per bo; do
  sv $p server set --address "127.0.0.1:$PORT" --key "$SERVER_KEY" --log-key "$LOG_KEY" >/dev/null ||
    fail "server set $p"
done

# --- send to a name and to a role; the police officer watches, Sara reads later ---------------
sv anna area add Nordparken >/dev/null || fail "area add"
sv per note watch --count 2 --ack >"$TMP/watch.out" 2>"$TMP/watch.err" &
WATCH=$!
sleep 0.5
printf 'Bekymring: ung i blok 4 (MARK-%s).\nSamtale tirsdag.\n' "$$" >"$TMP/note.txt"
out=$(sv anna note send --to "Sara SSP" --to police --purpose forebyggelse --area Nordparken "$TMP/note.txt") ||
  fail "note send: $out"
echo "$out" | grep -Eq '^sent note [0-9a-f]{32} to Sara SSP, Per Politi \(audit #[0-9]+\)$' ||
  fail "send output: $out"
id=$(echo "$out" | sed -E 's/^sent note ([0-9a-f]{32}).*/\1/')
list=$(sv sara note list) || fail "note list"
echo "$list" | grep -q "^$id .*from Anna Koordinator  individual .*purpose: forebyggelse" ||
  fail "list: $list"
sv sara --json note list | json "assert d['notes'][0]['note'] == '$id' and d['notes'][0]['area'] == 'Nordparken', d" ||
  fail "list --json"
read=$(sv sara note read "$id") || fail "read: $read"
echo "$read" | grep -q "^from:    Anna Koordinator" || fail "read header: $read"
echo "$read" | grep -q "MARK-$$" || fail "read body: $read"
sv sara note read "$id" --out "$TMP/out.txt" | grep -q "wrote" || fail "read --out"
cmp -s "$TMP/out.txt" "$TMP/note.txt" || fail "--out body differs"
[ "$(stat -c %a "$TMP/out.txt")" = 600 ] || fail "--out file is 0600"
sv sara note ack "$id" | grep -q "acknowledged note $id" || fail "ack"
expect_fail 1 "not_found" sv sara note read "$id"
# The plaintext is nowhere in the daemon's files.
if grep -rq "MARK-$$" "$TMP/d"; then fail "plaintext in the daemon directory"; fi

# A second note, by stdin, to the role "ssp" (Sara) and Per: Per's watcher gets it too.
echo "anden note" | sv anna note send --to ssp,"Per Politi" --purpose forebyggelse - >/dev/null ||
  fail "send from stdin"
for _ in $(seq 100); do kill -0 $WATCH 2>/dev/null || break; sleep 0.1; done
kill -0 $WATCH 2>/dev/null && { kill $WATCH; fail "watch did not finish after 2 notes"; }
wait $WATCH || fail "watch exited non-zero: $(cat "$TMP/watch.err")"
grep -q "MARK-$$" "$TMP/watch.out" || fail "watch missed the first note: $(cat "$TMP/watch.out")"
grep -q "anden note" "$TMP/watch.out" || fail "watch missed the second note"
[ "$(sv per --json note list | json 'print(len(d["notes"]))')" = 0 ] || fail "watch --ack acknowledged"

# A note waiting from before: watch prints it first.
echo "ventende" | sv anna note send --to "Per Politi" --purpose forebyggelse >/dev/null || fail "send"
sv per note watch --count 1 2>/dev/null | grep -q "ventende" || fail "watch shows a waiting note"

# --- the client refuses an individual note to a partner, before sending anything ---------------
before=$(sv anna --json ping | json 'print(d["pings"][0]["audit"])')
expect_fail 1 "refusing to send an individual note to Bo Partner (role partner)" \
  sv anna note send --to "Bo Partner" --purpose forebyggelse "$TMP/note.txt"
expect_fail 1 "refusing" sv anna note send --to "Sara SSP,partner" --purpose forebyggelse "$TMP/note.txt"
after=$(sv anna --json ping | json 'print(d["pings"][0]["audit"])')
# Between the two pings: one member.list read per refused send, and no note.send.
[ $((after - before)) -eq 3 ] || fail "refused sends reached the daemon's note.send ($before -> $after)"

# --- usage and errors ----------------------------------------------------------------------------
expect_fail 2 "missing --to" sv anna note send --purpose x "$TMP/note.txt"
expect_fail 2 "missing --purpose" sv anna note send --to ssp "$TMP/note.txt"
expect_fail 1 "no active member or role named 'Nobody'" sv anna note send --to Nobody --purpose x "$TMP/note.txt"
expect_fail 2 "32 hex digits" sv anna note read abc
expect_fail 1 "denied" sv anna note send --to "Sara SSP" --purpose efterforskning "$TMP/note.txt"

# --- an empty note is refused; at a terminal the client asks for the note -----------------------
notes() { sv sara --json note list | json 'print(len(d["notes"]))'; }
n0=$(notes)
: >"$TMP/empty.txt"
expect_fail 1 "is empty; nothing was sent" \
  sv anna note send --to "Sara SSP" --purpose forebyggelse "$TMP/empty.txt"
printf ' \n\t\r\n' >"$TMP/blank.txt"
expect_fail 1 "is empty" sv anna note send --to "Sara SSP" --purpose forebyggelse "$TMP/blank.txt"
expect_fail 1 "from stdin is empty" sv anna note send --to "Sara SSP" --purpose forebyggelse - </dev/null
[ "$(notes)" = "$n0" ] || fail "an empty note reached Sara"
printf 'x' | sv anna note send --to "Sara SSP" --purpose forebyggelse >/dev/null || fail "a one-byte note"
# On a terminal: the prompt comes before the client waits; the typed text is the note; Ctrl-D
# at once sends nothing.
typed() {
  /usr/bin/python3 - "$1" "$SAMVIRKE" --identity "$TMP/anna" note send --to "Sara SSP" \
    --purpose forebyggelse <<'PY'
import os, pty, select, sys
text = sys.argv[1].encode()
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
out, sent = b"", False
while True:
    r, _, _ = select.select([fd], [], [], 20)
    if not r:
        sys.stdout.write("TIMEOUT waiting for the prompt: %r" % out)
        os.kill(pid, 9)
        break
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
    if not sent and b"type the note" in out:
        os.write(fd, text + (b"\n" if text else b"") + b"\x04")
        sent = True
_, st = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(st))
PY
}
out=$(typed "skrevet i terminalen MARK3-$$") || fail "note typed at a terminal: $out"
tid=$(echo "$out" | sed -nE 's/.*sent note ([0-9a-f]{32}).*/\1/p')
[ -n "$tid" ] || fail "typed note not sent: $out"
sv sara note read "$tid" | grep -q "skrevet i terminalen MARK3-$$" || fail "typed note's body"
out=$(typed "") && fail "an empty note typed at a terminal was sent: $out"
echo "$out" | grep -q "is empty; nothing was sent" || fail "empty typed note: $out"
[ "$(notes)" = $((n0 + 2)) ] || fail "Sara has $(notes) notes, expected $((n0 + 2))"
daemon_stop || fail "daemon exit status"
echo "ok: note CLI"

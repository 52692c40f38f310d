#!/usr/bin/env bash
# demo.sh -- a short tour of samvirke against a real daemon: a coordinator sets up the team, a
# partner maps an area, the core team exchanges an encrypted note, an auditor verifies the log.
# Usage: tests/demo.sh BUILD_DIR   (run by `make demo`)
set -euo pipefail
BUILD=${1:-build/release}
SVD=$(realpath "$BUILD/daemon/samvirked")
SV=$(realpath "$BUILD/client/samvirke")
TMP=$(mktemp -d "${TMPDIR:-/tmp}/samvirke-demo.XXXXXX")
DAEMON_PID=""
cleanup() {
  if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
    kill -TERM "$DAEMON_PID"; wait "$DAEMON_PID" || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

if [ -t 1 ]; then B=$'\033[1m'; D=$'\033[2m'; N=$'\033[0m'; else B=""; D=""; N=""; fi
step() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }
# as NAME ARGS... -- run the client as one person (each has an identity directory of their own).
as() {
  local who=$1; shift
  local shown
  shown=$(printf '%q ' "$@")
  printf '%s%s$ samvirke %s%s\n' "$D" "$who" "${shown% }" "$N" >&2
  "$SV" --identity "$TMP/$who" "$@"
}
# as_fails NAME ARGS... -- the same, for a command that is meant to be refused.
as_fails() {
  if as "$@"; then echo "unexpected: that should have been refused" >&2; exit 1; fi
  printf '%s(refused, as it should be)%s\n' "$D" "$N"
}

step "The coordinator creates her identity and a daemon directory"
as anna init --name "Anna Koordinator"
printf '%s$ samvirked init daemon --admin anna/card.txt --origin demo.kommune.dk/samvirke%s\n' "$D" "$N"
"$SVD" init "$TMP/daemon" --admin "$TMP/anna/card.txt" --origin demo.kommune.dk/samvirke
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sed -i "s/^listen = .*/listen = 127.0.0.1:$PORT/" "$TMP/daemon/samvirked.conf"
INFO=$("$SVD" info "$TMP/daemon" --json)
KEY=$(echo "$INFO" | python3 -c 'import json,sys; print(json.load(sys.stdin)["server_key"])')
LOGKEY=$(echo "$INFO" | python3 -c 'import json,sys; print(json.load(sys.stdin)["log_key"])')
"$SVD" run "$TMP/daemon" 2>"$TMP/daemon.log" &
DAEMON_PID=$!
for _ in $(seq 100); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1',$PORT),0.2)" 2>/dev/null && break
  sleep 0.1
done
echo "samvirked is running on 127.0.0.1:$PORT"
as anna server set --address "127.0.0.1:$PORT" --key "$KEY" --log-key "$LOGKEY"
as anna whoami

step "She invites a partner, an SSP consultant and an auditor; each enrols with a fresh identity"
invite() { as anna --json member invite --role "$1" --name "$2" | python3 -c 'import json,sys; print(json.load(sys.stdin)["invite"]["code"])'; }
for spec in "partner:Pia Boligsocial:pia" "ssp:Sami SSP:sami" "auditor:Otto Revisor:otto"; do
  IFS=: read -r role name who <<<"$spec"
  code=$(invite "$role" "$name")
  as "$who" enroll --server "127.0.0.1:$PORT" --server-key "$KEY" --log-key "$LOGKEY" --invite "$code" --name "$name"
done
as anna member list

step "A partner maps an area: resources and challenges, at area and group level"
as pia area add Vollsmose --description "Boligområde i Odense Øst"
as pia observe Vollsmose --resource --category fritid --at 55.4085,10.4353 "Gospelkor i beboerhuset hver torsdag"
as pia observe Vollsmose --resource --category familie --at 55.4072,10.4390 "Fædregruppe mødes i klubben"
as pia observe Vollsmose --challenge --category tryghed --group --size 8 --at 55.4101,10.4318 "Gruppe unge samles ved p-kælderen om aftenen"
as sami observe Vollsmose --challenge --category tryghed --at 55.4060,10.4335 "Hashsalg ved tunnelen under Vollsmose Allé"
as pia observe Vollsmose --resource --category skole "Lektiecafé på biblioteket"
as_fails pia observe Vollsmose --challenge --category tryghed --group --size 2 "To drenge kaster sten"
as_fails pia observe Vollsmose --challenge --category tryghed "Drengen med cpr 010203-1234 er set"
as anna observations Vollsmose
as pia intervention add Vollsmose --level group --size 8 --step act "Gadeplansmedarbejder ved p-kælderen fredag aften"
as pia map Vollsmose --geojson "$TMP/vollsmose.geojson" --svg "$TMP/vollsmose.svg"
as_fails otto observations Vollsmose

step "The same area in the browser interface: samvirke web, on this machine only"
"$SV" --identity "$TMP/pia" web --listen 127.0.0.1:0 >"$TMP/web.out" 2>"$TMP/web.err" &
WEB_PID=$!
for _ in $(seq 100); do grep -q "Ctrl-C" "$TMP/web.out" 2>/dev/null && break; sleep 0.1; done
sed 's/token=[0-9a-f]*/token=…/' "$TMP/web.out"
WEB_URL=$(sed -n 's/^open: //p' "$TMP/web.out")
python3 - "$WEB_URL" <<'PY'
import http.client, json, re, sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
def get(path, headers):
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    c.request("GET", path, headers=headers)
    r = c.getresponse()
    return r.status, r.getheader("Set-Cookie"), r.read()
st, cookie, page = get(u.path + "?" + u.query, {})
cookie = cookie.split(";")[0]
key = re.search(rb'name="sv-key" content="([0-9a-f]+)"', page).group(1).decode()
auth = {"Cookie": cookie, "X-SV-Key": key}  # what the login page's script keeps for this origin
st, _, body = get("/api/observations?area=Vollsmose", auth)
obs = json.loads(body)["result"]["observations"]
print("  the browser's session sees %d observations of Vollsmose (HTTP %d)" % (len(obs), st))
st, _, _ = get("/api/observations?area=Vollsmose", dict(auth, Host="evil.example:%d" % u.port))
print("  the same request under another host name (DNS rebinding): HTTP %d, refused" % st)
st, _, _ = get("/api/observations?area=Vollsmose", {"Cookie": cookie})
print("  the cookie alone (browsers send it to every port of the host): HTTP %d, refused" % st)
st, _, _ = get("/api/observations?area=Vollsmose", {})
print("  and without the session cookie: HTTP %d, refused" % st)
PY
kill -TERM "$WEB_PID"; wait "$WEB_PID"

step "The core team: Anna sends Sami an end-to-end encrypted note about an individual"
printf 'Ung (17) i Vollsmose har brug for mentor; mor er kontaktet.\n' > "$TMP/note.txt"
as anna note send --to "Sami SSP" --purpose forebyggelse "$TMP/note.txt"
as sami note list
NOTE_ID=$("$SV" --identity "$TMP/sami" --json note list | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["notes"][0]["note"])')
as sami note read "$NOTE_ID" --ack
echo "The server stored only ciphertext:"
if grep -qa "mentor" "$TMP/daemon/samvirke.db"*; then echo "plaintext found in the database!" >&2; exit 1; fi
echo "  grep 'mentor' daemon/samvirke.db* -> no match"

step "Two tracks: the area meeting with partners, and the core team's own meeting"
NEXT_WEEK=$(date -d '+7 days' '+%Y-%m-%d')
as pia link add --resource 1 --challenge 3
as pia intervention update 1 --owner "Pia Boligsocial" --due +14d
as pia link add --intervention 1 --challenge 3
as pia link list Vollsmose
printf '{"type":"Polygon","coordinates":[[[10.428,55.404],[10.442,55.404],[10.442,55.412],[10.428,55.412],[10.428,55.404]]]}\n' > "$TMP/outline.geojson"
as anna area update Vollsmose --boundary "$TMP/outline.geojson"
as pia meeting draft Vollsmose
as anna meeting add Vollsmose --area --at "$NEXT_WEEK 17:00" --title "Områdemøde" --with "Anna Koordinator,Pia Boligsocial,Sami SSP" --item "Velkommen" --draft
as pia meeting item 1 --observation 3 "Gruppen ved p-kælderen: hvem kender dem?"
as anna meeting add Vollsmose --core --at now --title "Kerneteamet" --with "Anna Koordinator,Sami SSP"
printf 'Vi kender tre af de unge ved p-kælderen; Sami tager kontakt til familierne.\n' > "$TMP/minutes.txt"
as anna meeting minutes K1 "$TMP/minutes.txt" --purpose forebyggelse
as sami meeting show K1
as sami meeting decide K1 --owner "Sami SSP" --due +14d "Tryghedsvandring ved tunnelen med boligforeningen"
echo "A partner sees the area track only; the core track is neither listed nor counted:"
as pia meeting list Vollsmose
as_fails pia meeting show K1
if grep -qa "familierne" "$TMP/daemon/samvirke.db"*; then echo "plaintext minutes in the database!" >&2; exit 1; fi
echo "  grep 'familierne' daemon/samvirke.db* -> no match"

step "A caretaker's concern goes into the regime, and never out"
printf 'Drengen i nr. 14 har talt om at rejse ud; familien er bekymret.\n' > "$TMP/concern.txt"
as pia concern submit --purpose bekymring --area Vollsmose "$TMP/concern.txt"
as_fails pia concern list
as sami concern list
as sami concern read 1
as sami concern assign 1 "Sami SSP"
printf 'SSP har talt med familien; mentor tilknyttet.\n' > "$TMP/answer.txt"
as sami concern answer 1 --purpose bekymring "$TMP/answer.txt"
as sami concern close 1
as pia concern status
if grep -qa "rejse ud" "$TMP/daemon/samvirke.db"*; then echo "plaintext concern in the database!" >&2; exit 1; fi

step "Follow-up, the network map, and what the area meeting takes home"
as pia intervention update 1 --status running
as pia intervention list Vollsmose --overdue
as pia actor add Vollsmose "Fædregruppen" --category forening --form co-creation
as pia actor add Vollsmose "Moskéen" --category "religiøst samfund" --form exchange
as anna actor add Vollsmose "Boligforeningen" --category boligsocial --form partnership
as pia actor tie 1 3 "lokaler i kælderen"
as pia actor update 2 --form partnership
as pia actor list Vollsmose
as pia network Vollsmose --dot "$TMP/netvaerk.dot" --svg "$TMP/netvaerk.svg"
as anna area status Vollsmose
as pia map Vollsmose --svg "$TMP/vollsmose.svg"
as pia export Vollsmose --observations "$TMP/observationer.csv" --interventions "$TMP/indsatser.csv" --actors "$TMP/aktorer.csv"
as pia meeting pack 1 --html "$TMP/omraademoede.html"
if [ -n "${DEMO_KEEP_MAP:-}" ]; then
  cp "$TMP/vollsmose.svg" "$TMP/netvaerk.svg" "$TMP/omraademoede.html" "$TMP/"*.csv "$DEMO_KEEP_MAP"/
fi

step "A partner cannot send or receive notes about individuals: the policy keeps them in the regime"
as_fails pia note send --to "Sami SSP" --purpose forebyggelse "$TMP/note.txt"
as_fails anna note send --to "Pia Boligsocial" --purpose forebyggelse "$TMP/note.txt"
as pia policy explain "$TMP/daemon/policy.conf" --role partner --action receive --class individual

step "The auditor verifies the whole trail offline, denials included"
as otto audit fetch
as otto audit verify
as otto audit show --decision deny
as_fails pia audit fetch

step "Any member can check that their own access was logged, against the signed log"
SEQ=$("$SV" --identity "$TMP/pia" --json ping | python3 -c 'import json,sys; print(json.load(sys.stdin)["pings"][0]["audit"])')
as pia audit prove "$SEQ"

step "Anna revokes the partner; her key is refused from then on"
as anna member revoke --yes "Pia Boligsocial"
as_fails pia ping
as otto audit fetch
as otto audit verify

echo
echo "Demo complete: coordinator, partner, SSP consultant and auditor against one real daemon."

#!/bin/bash
# run.sh -- run the benchmarks against an already built tree: bash tests/bench/run.sh BUILD_DIR
# Starts a samvirked in a temp dir on a free loopback port, runs each bench, stops the daemon.
# Builds nothing (`make bench` builds build/release first). One line per bench: add yours below.
set -u
BUILD=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
SRC=$(cd "$(dirname "$0")/../.." && pwd)
SAMVIRKED="$BUILD/daemon/samvirked"
BIN="$BUILD/tests"
SECS=${BENCH_SECONDS:-3}   # seconds per bench_load phase

TMP=$(mktemp -d "${TMPDIR:-/tmp}/svbench.XXXXXX")
DAEMON_PID=""
cleanup() {
  if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then kill -9 "$DAEMON_PID"; fi
  rm -rf "$TMP"
}
trap cleanup EXIT
fail() { echo "bench: $*" >&2; exit 1; }

[ -x "$SAMVIRKED" ] || fail "no $SAMVIRKED (build first: make release)"
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$SAMVIRKED" init "$TMP/d" >/dev/null || fail "samvirked init"
# max_connections above the 500 clients: sockets the client has reset may not be reaped yet
# bench_load's clients are keys that are not enrolled, all from 127.0.0.1: it measures the
# transport, so the limits on such keys (bench_hostile measures those) are lifted here.
sed -i "s/^listen = .*/listen = 127.0.0.1:$PORT/; s/^log_level = .*/log_level = warn/; s/^max_connections = .*/max_connections = 4096/; s/^max_handshakes = .*/max_handshakes = 2048/; s/^max_unenrolled = .*/max_unenrolled = 2048/; s/^max_per_address = .*/max_per_address = 4096/; s/^rate_unenrolled = .*/rate_unenrolled = 0/" "$TMP/d/samvirked.conf"
SERVER_KEY=$("$SAMVIRKED" info "$TMP/d" --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["server_key"])')
"$SAMVIRKED" run "$TMP/d" 2>>"$TMP/daemon.log" &
DAEMON_PID=$!
for _ in $(seq 100); do
  /usr/bin/python3 -c "import socket; socket.create_connection(('127.0.0.1',$PORT),0.2)" 2>/dev/null && break
  kill -0 "$DAEMON_PID" 2>/dev/null || { cat "$TMP/daemon.log" >&2; fail "daemon exited"; }
  sleep 0.1
done

rc=0
# Each bench's output also goes to $TMP/all.out, which the bounds at the end read.
run() {
  echo "== $*"
  "$@" | tee -a "$TMP/all.out"
  [ "${PIPESTATUS[0]}" -eq 0 ] || { echo "bench: $1 failed" >&2; rc=1; }
  echo
}

run "$BIN/bench_load" --daemon-pid="$DAEMON_PID" "127.0.0.1:$PORT" "$SERVER_KEY" "$SECS"
run "$BIN/bench_handshake"
run "$BIN/bench_merkle"
run "$BIN/bench_policy" "$SRC/policy/default.policy"
# bench_notes starts its own daemon with 52 registered members (50 senders, 2 recipients)
run "$BIN/bench_notes" "$SAMVIRKED"
run "$BIN/bench_signer" "$SAMVIRKED"
# the note quotas' check with 100,000 notes waiting for a recipient who is away
SAMVIRKED="$SAMVIRKED" run /usr/bin/python3 "$SRC/tests/bench/bench_quota.py"
# bench_hostile starts its own daemon with the default limits and attacks it
SAMVIRKED="$SAMVIRKED" run /usr/bin/python3 "$SRC/tests/bench/bench_hostile.py"

# Area data: observation writes and lists from 50 clients against its own daemon (an enrolled
# coordinator), then the yardstick: redis-benchmark SET with 50 clients against a durable
# redis-server (appendfsync always) on the same machine, and the ratio of the write rates.
echo "== $BIN/bench_area (50 clients; Noise, policy, audit entry and group commit per request)"
AREA_OUT=$("$BIN/bench_area" "$SAMVIRKED" --clients 50 --writes "${BENCH_AREA_WRITES:-20000}" \
  --lists "${BENCH_AREA_LISTS:-20000}") || { echo "bench: bench_area failed" >&2; rc=1; }
echo "$AREA_OUT" | grep -v '^RESULT'
echo
# One yardstick run: a fresh durable redis-server in $TMP/redis.$1, redis-benchmark SET with 50
# clients. Sets ROUT (its "SET: N requests per second" line) and RCPU (CPU per SET of the server,
# from its /proc ticks, and of redis-benchmark, from bash's time), to set beside bench_area's
# "cpu/request" line: the ratio is mostly the ratio of these costs.
redis_set() {
  local dir="$TMP/redis.$1" rport rpid t0 t1
  rport=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  mkdir -p "$dir"
  redis-server --port "$rport" --bind 127.0.0.1 --dir "$dir" --appendonly yes \
    --appendfsync always --save "" --daemonize no --logfile "$dir/redis.log" &
  rpid=$!
  for _ in $(seq 100); do redis-cli -p "$rport" ping >/dev/null 2>&1 && break; sleep 0.1; done
  t0=$(awk '{ print $14 + $15 }' "/proc/$rpid/stat")
  TIMEFORMAT='%3U %3S'
  { time redis-benchmark -h 127.0.0.1 -p "$rport" -t set -c 50 -n "$REDIS_N" -q \
      >"$dir/bench.out" 2>/dev/null; } 2>"$dir/bench.time"
  t1=$(awk '{ print $14 + $15 }' "/proc/$rpid/stat")
  kill "$rpid"; wait "$rpid" 2>/dev/null
  rm -rf "$dir"/appendonlydir
  ROUT=$(tr '\r' '\n' <"$dir/bench.out" | grep 'requests per second' | tail -1)
  RCPU=$(awk -v t="$((t1 - t0))" -v hz="$(getconf CLK_TCK)" -v n="$REDIS_N" -v b="$(cat "$dir/bench.time")" 'BEGIN {
    split(b, u, " ");
    printf "                   cpu/request: redis-server %.1f us, redis-benchmark %.1f us\n",
           t / hz / n * 1e6, (u[1] + u[2]) / n * 1e6 }')
}
rps_of() { echo "$1" | sed -n 's/^SET: \([0-9.]*\) requests per second.*/\1/p'; }
writes_of() { echo "$1" | sed -n "s/^RESULT writes_rps=\([0-9]*\).*/\1/p"; }
writes_pipelined_of() { echo "$1" | sed -n 's/.*writes_pipelined_rps=\([0-9]*\).*/\1/p'; }

if command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null; then
  REDIS_N=${BENCH_REDIS_N:-100000}
  echo "== yardstick: redis-benchmark -t set -c 50 -n $REDIS_N; redis-server --appendonly yes --appendfsync always"
  redis_set 1
  echo "$ROUT"
  echo "$RCPU"
  FIRST_RCPU=$RCPU
  redis_rps=$(rps_of "$ROUT")
  sv_w=$(writes_of "$AREA_OUT")
  sv_wp=$(writes_pipelined_of "$AREA_OUT")
  if [ -n "$redis_rps" ] && [ -n "$sv_w" ]; then
    awk -v s="$sv_w" -v p="$sv_wp" -v r="$redis_rps" 'BEGIN {
      printf "ratio samvirke observation.add / redis SET (50 clients, 1 in flight each): %.2f\n", s / r;
      printf "ratio with 16 requests in flight per samvirke client:                     %.2f\n", p / r }'
  else
    echo "bench: no write rate from bench_area or no SET rate from redis-benchmark" >&2
    rc=1
  fi
  # The speed of a shared machine drifts within seconds, and one run of each side can fall on
  # different speeds. So the two sides run again in turn, writes only, and the ratios of each
  # round and their medians are printed beside the first round's.
  ROUNDS=${BENCH_ROUNDS:-5}
  if [ -n "$redis_rps" ] && [ -n "$sv_w" ] && [ -n "$sv_wp" ]; then
    r1=$(awk -v s="$sv_w" -v r="$redis_rps" 'BEGIN { printf "%.3f", s / r }')
    r16=$(awk -v s="$sv_wp" -v r="$redis_rps" 'BEGIN { printf "%.3f", s / r }')
    echo "round 1: samvirke $sv_w/s (50 x 1), $sv_wp/s (50 x 16); redis SET $redis_rps/s"
    for k in $(seq 2 "$ROUNDS"); do
      out=$("$BIN/bench_area" "$SAMVIRKED" --clients 50 --writes "${BENCH_AREA_WRITES:-20000}" \
        --lists 100) || { echo "bench: bench_area failed" >&2; rc=1; continue; }
      redis_set "$k"
      w=$(writes_of "$out"); wp=$(writes_pipelined_of "$out"); rr=$(rps_of "$ROUT")
      [ -n "$w" ] && [ -n "$wp" ] && [ -n "$rr" ] || { echo "bench: round $k gave no figures" >&2; rc=1; continue; }
      echo "round $k: samvirke $w/s (50 x 1), $wp/s (50 x 16); redis SET $rr/s"
      r1="$r1 $(awk -v s="$w" -v r="$rr" 'BEGIN { printf "%.3f", s / r }')"
      r16="$r16 $(awk -v s="$wp" -v r="$rr" 'BEGIN { printf "%.3f", s / r }')"
    done
    median() { tr ' ' '\n' | sort -n | awk '{ v[NR] = $1 } END { printf "%.2f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
    echo "ratios 50 x 1 by round:  $r1"
    echo "ratios 50 x 16 by round: $r16"
    echo "median ratio over $(echo "$r1" | wc -w) rounds, observation.add / redis SET: 50 x 1 $(echo "$r1" | median), 50 x 16 $(echo "$r16" | median)"
  fi
  RCPU=$FIRST_RCPU
  echo
else
  echo "(redis-server/redis-benchmark not installed: no yardstick)"
fi

# samvirke web: the map page with 1,000 observations in chromium, and its memory
echo "== tests/bench/bench_web.py (first paint of the map page, samvirke web's memory)"
/usr/bin/python3 "$SRC/tests/bench/bench_web.py" "$BUILD" || { echo "bench: bench_web failed" >&2; rc=1; }
echo

# bench_audit comes last: it keeps both cores busy for a minute and leaves a 289 MB database to
# delete, and a bench that starts right after it is slowed for a while (bench_notes directly
# after it: 5,864, 5,709, 6,002 notes/s; 30 s later: 6,037, 5,968, 6,040).
SAMVIRKED="$SAMVIRKED" SAMVIRKE="$BUILD/client/samvirke" run "$BIN/bench_audit" "${BENCH_AUDIT_ENTRIES:-1000000}"

# What these cores allow at the CPU costs measured above, where the daemon and the bench
# clients share them: a rate cannot pass (cores / CPU per operation of all processes that do
# it), however well the daemon overlaps its waits.
CORES=$(nproc)
first() { sed -n "$1" "$TMP/all.out" | head -1; }
echo "== bounds: $CORES cores shared by the daemon and the bench clients, at the CPU costs measured above"
hs_us=$(first 's/.*(both sides, \([0-9.]*\) us each).*/\1/p')
hs_50=$(first 's/^ *N=50 *handshakes *\([0-9]*\) \/s.*/\1/p')
[ -n "$hs_us" ] && [ -n "$hs_50" ] && awk -v u="$hs_us" -v r="$hs_50" -v c="$CORES" 'BEGIN {
  printf "handshakes, 50 clients: %d/s; one whole Noise IK handshake as the two ends run it (2 ephemeral key pairs, 7 DH; both ends in one process) costs %.1f us: at most %.0f/s on %d cores with no transport at all\n", r, u, c * 1e6 / u, c }'
nt=$(first 's/.*: \([0-9]*\) notes\/s end to end.*/\1/p')
nt_us=$(first "s/.*bench clients' CPU per note[^:]*: \\([0-9]*\\) us.*/\\1/p")
[ -n "$nt" ] && [ -n "$nt_us" ] && awk -v r="$nt" -v u="$nt_us" -v c="$CORES" 'BEGIN {
  printf "notes end to end: %d/s; the bench clients alone (%d us of CPU per note) allow at most %.0f/s on %d cores, with a daemon that costs nothing\n", r, u, c * 1e6 / u, c }'
if [ -n "${redis_rps:-}" ]; then
  echo "$RCPU" | sed -n 's/.*redis-server \([0-9.]*\) us, redis-benchmark \([0-9.]*\) us.*/\1 \2/p' |
    awk -v r="$redis_rps" -v c="$CORES" '{
      printf "redis SET, 50 clients: %d/s; redis-server %.1f us + redis-benchmark %.1f us per SET allow at most %.0f/s on %d cores\n", r, $1, $2, c * 1e6 / ($1 + $2), c }'
  echo "$AREA_OUT" | grep -A1 '^observation.add' | sed -n 's/.*cpu\/request: daemon \([0-9.]*\) us, this client \([0-9.]*\) us.*/\1 \2/p' |
    paste -d' ' - <(echo "$sv_w"; echo "$sv_wp") <(echo "50 1"; echo "50 16") |
    awk -v r="$redis_rps" -v c="$CORES" '{
      b = c * 1e6 / ($1 + $2);
      printf "observation.add, %d clients x %d in flight: %d/s; daemon %.1f us + client %.1f us per request allow at most %.0f/s on %d cores, a ratio to redis SET of %.2f\n", $4, $5, $3, $1, $2, b, c, b / r }'
fi
echo

kill -TERM "$DAEMON_PID" && wait "$DAEMON_PID" || { echo "bench: daemon did not exit cleanly" >&2; rc=1; }
DAEMON_PID=""
grep -E "error|warn" "$TMP/daemon.log" | sort | uniq -c | sort -rn | head -5
exit $rc

#!/usr/bin/env bash
# run.sh -- build the benchmarks in release mode and print their figures, with the yardstick:
# redis-benchmark SET with 50 clients against a durable redis-server (appendfsync always) on the
# same machine in the same run, and the ratio of samvirke's observation writes to it.
#
# usage: tests/bench/run.sh [BUILD_DIR]   (default build/bench; WRITES/LISTS/REDIS_N override)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$SRC/build/bench}
WRITES=${WRITES:-20000}
LISTS=${LISTS:-20000}
REDIS_N=${REDIS_N:-100000}

cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DSAMVIRKE_BENCH=ON -DSAMVIRKE_TESTS=OFF \
  -DSAMVIRKE_SANITIZERS=OFF >/dev/null
cmake --build "$BUILD" -j2 --target samvirked bench_area >/dev/null

echo "== samvirke: observation writes and lists, 50 concurrent clients (Noise, policy, audit, group commit)"
OUT=$("$BUILD/tests/bench_area" "$BUILD/daemon/samvirked" --clients 50 --writes "$WRITES" --lists "$LISTS")
echo "$OUT" | grep -v '^RESULT'
RESULT=$(echo "$OUT" | grep '^RESULT')
sv_writes=$(echo "$RESULT" | sed -n 's/.* writes_rps=\([0-9]*\).*/\1/p')
sv_writes_p=$(echo "$RESULT" | sed -n 's/.*writes_pipelined_rps=\([0-9]*\).*/\1/p')

echo
echo "== yardstick: redis-benchmark -t set -c 50 -n $REDIS_N, redis-server --appendonly yes --appendfsync always"
if ! command -v redis-server >/dev/null || ! command -v redis-benchmark >/dev/null; then
  echo "redis-server or redis-benchmark not installed: no yardstick"
  exit 0
fi
RTMP=$(mktemp -d "${TMPDIR:-/tmp}/svbench-redis.XXXXXX")
RPORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --port "$RPORT" --bind 127.0.0.1 --dir "$RTMP" --appendonly yes \
  --appendfsync always --save "" --daemonize no --logfile "$RTMP/redis.log" &
RPID=$!
trap 'kill $RPID 2>/dev/null; wait $RPID 2>/dev/null; rm -rf "$RTMP"' EXIT
for _ in $(seq 100); do
  redis-cli -p "$RPORT" ping >/dev/null 2>&1 && break
  sleep 0.1
done
ROUT=$(redis-benchmark -h 127.0.0.1 -p "$RPORT" -t set -c 50 -n "$REDIS_N" -q 2>/dev/null | tr '\r' '\n' | grep 'requests per second' | tail -1)
echo "$ROUT"
redis_rps=$(echo "$ROUT" | sed -n 's/^SET: \([0-9.]*\) requests per second.*/\1/p')
echo
if [ -n "$redis_rps" ] && [ -n "$sv_writes" ]; then
  awk -v s="$sv_writes" -v p="$sv_writes_p" -v r="$redis_rps" 'BEGIN {
    printf "ratio samvirke observation.add / redis SET (both 50 clients, 1 in flight each): %.2f\n", s / r;
    printf "ratio with 16 requests in flight per samvirke client:                          %.2f\n", p / r }'
fi

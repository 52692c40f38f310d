#!/usr/bin/env bash
# run.sh -- build the benchmarks (Release, no sanitizers) and run every bench_* program.
# usage: tests/bench/run.sh [BUILD_DIR]   (default build/bench)
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=${1:-$ROOT/build/bench}
cmake -S "$ROOT" -B "$B" -DCMAKE_BUILD_TYPE=Release -DSAMVIRKE_BENCH=ON -DSAMVIRKE_SANITIZERS=OFF >/dev/null
cmake --build "$B" -j2 >/dev/null
export SAMVIRKED="$B/daemon/samvirked" SAMVIRKE="$B/client/samvirke"
for b in "$B"/tests/bench_*; do
  [ -x "$b" ] || continue
  echo "== $(basename "$b")"
  "$b"
done

#!/usr/bin/env bash
# run.sh -- build the benchmarks in a release build (no sanitizers) and run them, printing
# their figures. usage: tests/bench/run.sh [BUILD_DIR]   (default build/bench)
set -eu
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$SRC/build/bench}
cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DSAMVIRKE_SANITIZERS=OFF \
  -DSAMVIRKE_BENCH=ON -DSAMVIRKE_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j2 >/dev/null
for b in "$BUILD"/tests/bench_*; do
  [ -x "$b" ] || continue
  name=$(basename "$b")
  echo "== $name"
  case $name in
    bench_notes) "$b" "$BUILD/daemon/samvirked" ;;
    *) "$b" ;;
  esac
  echo
done

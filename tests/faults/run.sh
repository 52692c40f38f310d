#!/bin/bash
# run.sh -- run fault tests outside ctest, at their full size (no ctest timeout), with the
# environment ctest gives them.   usage: run.sh BUILD_DIR TEST.py [VAR=VALUE...]
set -eu
build=$(cd "${1:?usage: run.sh BUILD_DIR TEST.py [VAR=VALUE...]}" && pwd)
test=${2:?usage: run.sh BUILD_DIR TEST.py [VAR=VALUE...]}
shift 2
src=$(cd "$(dirname "$0")/../.." && pwd)
export SAMVIRKE_SOURCE=$src
export SAMVIRKED=$build/daemon/samvirked SAMVIRKE=$build/client/samvirke
export SAMVIRKED_FAULTS=$build/tests/samvirked_faults
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for kv in "$@"; do export "${kv?}"; done
exec nice -n 19 /usr/bin/python3 "$src/tests/faults/$test"

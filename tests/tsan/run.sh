#!/bin/bash
# run.sh COMMAND [ARG...] -- run one test with ThreadSanitizer's reports going to a directory of
# their own, and fail it when any process it started (test, daemon, log signer, client) made
# one, whatever the test itself concluded. Used by the tsan.* tests (tests/CMakeLists.txt).
set -u
dir=$(mktemp -d "${TMPDIR:-/tmp}/svtsan.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
# halt_on_error=0: a race is reported and the test runs on, so one run shows every report.
export TSAN_OPTIONS="log_path=$dir/report halt_on_error=0 second_deadlock_stack=1"
"$@"
rc=$?
reports=("$dir"/report*)
if [ -e "${reports[0]}" ]; then
  cat "${reports[@]}" >&2
  echo "tsan: ThreadSanitizer reported $(cat "${reports[@]}" | grep -c '^WARNING: ThreadSanitizer') problem(s) in ${#reports[@]} process(es) of: $*" >&2
  exit 1
fi
exit $rc

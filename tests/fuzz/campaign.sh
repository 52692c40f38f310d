#!/bin/bash
# campaign.sh -- long libFuzzer runs: each harness for RUNS executions or SECONDS seconds
# (whichever comes first), then the grown corpus is minimised into tests/fuzz/corpus/NAME with
# -merge=1 (only inputs that add coverage are kept). Prints executions, coverage and findings.
#   usage: campaign.sh BUILD_DIR [NAME[:SECONDS]...]  (default: every *_fuzzer in BUILD_DIR/tests;
#          NAME:SECONDS gives that harness its own time limit)
#   env:   FUZZ_RUNS (default 10000000), FUZZ_SECONDS (default 1800), FUZZ_JOBS is not used:
#          one harness at a time, under nice -n 19, so a shared machine stays usable.
#          FUZZ_SUMMARY (default BUILD_DIR/campaign/summary.txt, emptied first): a file the
#          summary lines are appended to, so that two campaigns can run side by side.
set -u
build=${1:?usage: campaign.sh BUILD_DIR [NAME...]}
shift
src=$(cd "$(dirname "$0")" && pwd)
runs=${FUZZ_RUNS:-10000000}
default_secs=${FUZZ_SECONDS:-1800}
out=$build/campaign
mkdir -p "$out"
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for f in "$build"/tests/fuzz_*_fuzzer; do
    n=${f##*/fuzz_}
    names+=("${n%_fuzzer}")
  done
fi
summary=${FUZZ_SUMMARY:-$out/summary.txt}
[ -n "${FUZZ_SUMMARY:-}" ] || : > "$summary" # a summary file that was given is appended to
status=0
for arg in "${names[@]}"; do
  name=${arg%%:*}
  secs=$default_secs
  [ "$arg" != "$name" ] && secs=${arg#*:}
  bin=$build/tests/fuzz_${name}_fuzzer
  corpus=$src/corpus/$name
  work=$out/$name.corpus
  log=$out/$name.log
  [ -f "$log" ] && mv "$log" "$log.$(date +%s)" # an earlier run's log is kept
  [ -x "$bin" ] || { echo "campaign: no harness $bin" >&2; status=1; continue; }
  mkdir -p "$corpus" "$work" "$out/$name.artifacts"
  cp -n "$corpus"/* "$work"/ 2>/dev/null
  dict=()
  [ -f "$src/$name.dict" ] && dict=(-dict="$src/$name.dict")
  echo "campaign: $name: up to $runs executions or $secs s" >&2
  t0=$(date +%s)
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    nice -n 19 "$bin" -runs="$runs" -max_total_time="$secs" -print_final_stats=1 \
      -artifact_prefix="$out/$name.artifacts/" "${dict[@]}" "$work" > "$log" 2>&1
  rc=$?
  elapsed=$(( $(date +%s) - t0 ))
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
  found=$(ls "$out/$name.artifacts" | wc -l)
  before=$(ls "$corpus" | wc -l)
  nice -n 19 "$bin" -merge=1 "$corpus" "$work" >> "$log" 2>&1
  after=$(ls "$corpus" | wc -l)
  line=$(printf '%-14s rc=%d execs=%s seconds=%s cov=%s ft=%s findings=%s corpus %s -> %s' \
    "$name" "$rc" "${execs:-?}" "$elapsed" "${cov:-?}" "${ft:-?}" "$found" "$before" "$after")
  echo "$line" | tee -a "$summary"
  [ "$rc" -eq 0 ] && [ "$found" -eq 0 ] || status=1
done
exit $status

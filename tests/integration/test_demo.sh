#!/usr/bin/env bash
# test_demo.sh -- `make demo`'s tour runs to its end against the test build: every step a user is
# shown succeeds, and every refusal it shows is refused (demo.sh stops at the first that is not).
. "$(dirname "$0")/lib.sh"
: "${SAMVIRKE_SOURCE:?}" "${SAMVIRKE_BUILD:?}"
bash "$SAMVIRKE_SOURCE/tests/demo.sh" "$SAMVIRKE_BUILD" >"$TMP/demo.out" 2>&1 ||
  fail "the demo stopped: $(tail -3 "$TMP/demo.out" | tr '\n' ' ')"
for want in "observation #1 recorded" "(refused, as it should be)" "verified: " \
            "Demo complete: coordinator, partner, SSP consultant and auditor"; do
  grep -qF "$want" "$TMP/demo.out" || fail "the demo's output lacks '$want'"
done
echo "ok: the demo ran to its end ($(grep -c '(refused, as it should be)' "$TMP/demo.out") refusals shown)"

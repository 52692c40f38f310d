#!/usr/bin/env bash
# test_man.sh -- the manual pages render with man -l without a warning, and document every
# command the programs offer and every setting the policy language knows.
. "$(dirname "$0")/lib.sh"
: "${SAMVIRKE_SOURCE:?}"
MAN="$SAMVIRKE_SOURCE/man"

# render PAGE -- the page as text (80 columns) in $TMP/PAGE.txt; fails on any groff warning.
render() {
  local page=$1
  MANWIDTH=80 MAN_KEEP_FORMATTING= man --warnings -l "$MAN/$page" >"$TMP/$page.txt" 2>"$TMP/$page.err" ||
    fail "man -l $page failed: $(cat "$TMP/$page.err")"
  [ ! -s "$TMP/$page.err" ] || fail "man -l $page warns: $(cat "$TMP/$page.err")"
  for s in NAME SYNOPSIS DESCRIPTION "SEE ALSO"; do
    grep -q "^$s" "$TMP/$page.txt" || fail "$page has no $s section"
  done
}
# documents PAGE WORDS -- the rendered page has a tagged item starting with WORDS.
documents() {
  grep -Eq "^ {5}$2( |$)" "$TMP/$1.txt" || fail "$1 does not document '$2'"
}

render samvirked.8
render samvirke.1
render samvirke-policy.5
grep -q "^SAMVIRKED(8)" "$TMP/samvirked.8.txt" || fail "samvirked.8 header"
grep -q "^SAMVIRKE-POLICY(5)" "$TMP/samvirke-policy.5.txt" || fail "samvirke-policy.5 header"

# samvirked: every command of its usage.
cmds=$("$SAMVIRKED" --help | awk '/^commands:/{on=1; next} on && /^  [a-z]/{print $1}')
[ -n "$cmds" ] || fail "no commands in samvirked --help"
for c in $cmds; do documents samvirked.8 "$c"; done

# samvirke: every command, and every subcommand of a command group.
top=$("$SAMVIRKE" --help | awk '/^Commands:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{on=0}')
[ "$(echo "$top" | wc -w)" -ge 10 ] || fail "too few commands in samvirke --help: $top"
for c in $top; do
  subs=$("$SAMVIRKE" "$c" --help | awk '/^Commands:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{on=0}')
  if [ -z "$subs" ]; then
    documents samvirke.1 "$c"
  else
    for s in $subs; do documents samvirke.1 "$c $s"; done
  fi
done

# samvirke-policy: every statement keyword and every setting the loader knows (it lists them
# when it refuses a statement or a setting it does not know).
printf ';\n' >"$TMP/k.policy"
keywords=$("$SAMVIRKE" policy check "$TMP/k.policy" 2>&1 | sed -n 's/.*expected a statement (\([^)]*\)).*/\1/p' |
  sed 's/ or /, /' | tr -d ,)
[ -n "$keywords" ] || fail "the policy loader did not list its statement keywords"
for k in $keywords; do
  grep -q "\"$k\"" "$TMP/samvirke-policy.5.txt" || fail "samvirke-policy.5 grammar lacks '$k'"
done
printf 'roles r\nactions a\nclasses c\nset no_such_setting = 1\n' >"$TMP/p.policy"
known=$("$SAMVIRKE" policy check "$TMP/p.policy" 2>&1 | sed -n 's/.*(known: \([^)]*\)).*/\1/p' | tr -d ,)
[ -n "$known" ] || fail "the policy loader did not list its settings"
for k in $known; do documents samvirke-policy.5 "$k"; done
echo "ok: man pages"

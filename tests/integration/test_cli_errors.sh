#!/usr/bin/env bash
# test_cli_errors.sh -- every command group fails with exactly one line on stderr and the right
# exit status: 2 for usage errors (missing or malformed arguments), 1 for failures (server
# refusals, unreachable server, missing files); control characters in what is echoed back are
# neutralised so the line stays one line.
. "$(dirname "$0")/lib.sh"

sv() { "$SAMVIRKE" --identity "$TMP/$1" "${@:2}"; }

sv anna init --name "Anna" >/dev/null || fail "init anna"
sv bo init --name "Bo" >/dev/null || fail "init bo"
sv nob init --name "Nobody" >/dev/null || fail "init nob"
daemon_init "$TMP/d" --admin "$TMP/anna/card.txt" --member "$TMP/bo/card.txt:partner"
daemon_start "$TMP/d"
for p in anna bo nob; do
  sv $p server set --address "127.0.0.1:$PORT" --key "$SERVER_KEY" --log-key "$LOG_KEY" >/dev/null ||
    fail "server set $p"
done
sv anna area add Nordparken >/dev/null || fail "area add"
# "off": Anna's identity pointed at a port where nothing listens.
cp -r "$TMP/anna" "$TMP/off"
sv off server set --address "127.0.0.1:$(free_port)" --key "$SERVER_KEY" >/dev/null || fail "set off"
NL="$TMP/no
such"

# --- global and area ------------------------------------------------------------------------------
expect_fail 2 "missing command" "$SAMVIRKE"
expect_fail 2 "unknown option '--bogus'" "$SAMVIRKE" --bogus ping
expect_fail 2 "needs a directory" "$SAMVIRKE" --identity
expect_fail 2 "missing command" sv anna area
expect_fail 2 "unknown command 'bogus'" sv anna area bogus
expect_fail 2 "NAME" sv anna area add
expect_fail 2 "unexpected argument 'extra'" sv anna area list extra
expect_fail 1 "area name must be" sv anna area add ""
expect_fail 1 "cannot connect" sv off area list

# --- observe, observations, observation -----------------------------------------------------------
expect_fail 2 "missing --category" sv anna observe Nordparken
expect_fail 2 "exactly one of --resource or --challenge" sv anna observe --category c Nordparken t
for at in 91,0 abc 1, nan,nan 1e999,0; do
  expect_fail 2 "--at takes LAT,LON" sv anna observe --resource --category c --at "$at" Nordparken t
done
expect_fail 2 "--size must be" sv anna observe --resource --category c --group --size -1 Nordparken t
expect_fail 1 "not_found: no area named 'Ingensteds'" sv anna observe --resource --category c Ingensteds t
expect_fail 1 "personal_data" sv bo observe --resource --category c --group --size 2 Nordparken t
expect_fail 1 "cannot connect" sv off observe --resource --category c Nordparken t
expect_fail 2 "give the AREA" sv anna observations
expect_fail 2 "--since takes" sv anna observations --since garbage Nordparken
expect_fail 2 "--kind is resource or challenge" sv anna observations --kind weird Nordparken
expect_fail 1 "not_found" sv anna observations Ingensteds
expect_fail 2 "missing command" sv anna observation
expect_fail 2 "observation's ID" sv anna observation correct abc --text x
expect_fail 2 "nothing to correct" sv anna observation correct 1
expect_fail 1 "not_found: no observation 99999" sv anna observation correct 99999 --text x
expect_fail 2 "observation's ID" sv anna observation withdraw 18446744073709551616
expect_fail 1 "not_found" sv anna observation withdraw 99999

# --- intervention and map -------------------------------------------------------------------------
expect_fail 2 "missing --level" sv anna intervention add
expect_fail 2 "--level is area or group" sv anna intervention add Nordparken --level x --step act t
expect_fail 2 "--step is one of" sv anna intervention add Nordparken --level area --step bogus t
expect_fail 1 "not_found" sv anna intervention add Ingensteds --level area --step act t
expect_fail 1 "not_found" sv anna intervention list Ingensteds
expect_fail 2 "nothing to change: give --status, --owner, --due or --outcome" sv anna intervention update 1
expect_fail 2 "--status is planned, running, done or evaluated" sv anna intervention update 1 --status bogus
expect_fail 1 "not_found: no intervention 99999" sv anna intervention update 99999 --status done
expect_fail 1 "cannot connect" sv off intervention list
expect_fail 2 "give the AREA" sv anna map
expect_fail 2 "give --geojson FILE and/or --svg FILE" sv anna map Nordparken
expect_fail 1 "No such file or directory" sv anna map --svg "$TMP/nodir/x.svg" Nordparken
expect_fail 1 "cannot connect" sv off map --geojson "$TMP/x.json" Nordparken

# --- member and enroll ----------------------------------------------------------------------------
expect_fail 2 "missing --role" sv anna member invite
expect_fail 2 "--ttl must be" sv anna member invite --role ssp --name X --ttl abc
expect_fail 1 "invalid: 'king' is not a role" sv anna member invite --role king --name X
expect_fail 1 "denied" sv bo member invite --role ssp --name X
expect_fail 2 "give one member" sv anna member show
expect_fail 1 "not_found" sv anna member show nobody
expect_fail 2 "new role" sv anna member role Bo
expect_fail 1 "not_found" sv anna member revoke --yes nobody
expect_fail 1 "not_found" sv anna member verify nobody
expect_fail 1 "cannot connect" sv off member list
expect_fail 2 "missing --server" sv nob enroll
expect_fail 2 "--server-key must be" sv nob enroll --server "127.0.0.1:$PORT" --server-key abc --invite X
expect_fail 1 "invite_invalid: this is not an invite code" \
  sv nob enroll --server "127.0.0.1:$PORT" --server-key "$SERVER_KEY" --invite AAAA
expect_fail 1 "invite_invalid: no invite has this code" \
  sv nob enroll --server "127.0.0.1:$PORT" --server-key "$SERVER_KEY" --invite AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA
expect_fail 1 "cannot connect" sv nob enroll --server "127.0.0.1:$(free_port)" --server-key "$SERVER_KEY" --invite AAAA
expect_fail 2 "give --name" sv new enroll --server "127.0.0.1:$PORT" --server-key "$SERVER_KEY" --invite AAAA

# --- note -----------------------------------------------------------------------------------------
expect_fail 2 "missing --purpose" sv anna note send --to Bo
expect_fail 1 "no active member or role named 'Nobody'" sv anna note send --to Nobody --purpose x "$TMP/x"
expect_fail 1 "$TMP/nofile: No such file or directory" sv anna note send --class group --to Bo --purpose x "$TMP/nofile"
expect_fail 1 "Is a directory" sv anna note send --class group --to Bo --purpose x "$TMP"
expect_fail 1 "no?such: No such file" sv anna note send --class group --to Bo --purpose x "$NL"
expect_fail 2 "missing note ID" sv anna note read
expect_fail 2 "32 hex digits" sv anna note read zz
expect_fail 1 "not_found" sv anna note read 00000000000000000000000000000000
expect_fail 1 "not_found" sv anna note ack 00000000000000000000000000000000
expect_fail 2 "--count must be" sv anna note watch --count abc
expect_fail 1 "cannot connect" sv off note list

# --- policy, audit, server, identity ---------------------------------------------------------------
expect_fail 2 "missing subcommand" sv anna policy
expect_fail 2 "missing FILE" sv anna policy check
expect_fail 1 "cannot open" sv anna policy check "$TMP/nofile"
expect_fail 1 "cannot read" sv anna policy check "$TMP"
expect_fail 1 "cannot open" sv anna policy test "$TMP/nofile"
expect_fail 2 "missing command" sv anna audit
expect_fail 2 "unexpected argument 'extra'" sv anna audit fetch extra
expect_fail 1 "denied" sv anna audit fetch
expect_fail 1 "cannot connect" sv off audit fetch
expect_fail 2 "one entry number" sv anna audit prove abc
expect_fail 1 "not_found" sv anna audit prove 99999999
expect_fail 2 "--since takes" sv anna audit show --since garbage
expect_fail 2 "missing --address" sv anna server set
expect_fail 2 "is not HOST:PORT or unix:PATH" sv anna server set --address nohost --key abc
expect_fail 2 "--key must be the base64" sv anna server set --address 127.0.0.1:1 --key abc
expect_fail 2 "port must be 1-65535" sv anna server set --address 127.0.0.1:99999 --key "$SERVER_KEY"
expect_fail 2 "log key must look like" sv anna server set --address 127.0.0.1:1 --key "$SERVER_KEY" --log-key x
expect_fail 1 "no server configured" sv fresh server show
expect_fail 1 "no identity" sv fresh card
expect_fail 1 "already exists" sv anna init --name X
expect_fail 2 "--count must be" sv anna ping --count abc
# An argument with an escape sequence is echoed without it.
out=$(sv anna member show "$(printf 'x\033[2Jy')" 2>&1 >/dev/null)
case "$out" in *$'\033'*) fail "an escape sequence reached stderr: $out" ;; esac
expect_fail 1 "x?\[2Jy" sv anna member show "$(printf 'x\033[2Jy')"

daemon_stop || fail "daemon exit status after SIGTERM"
grep -q "Sanitizer" "$TMP/daemon.log" && fail "sanitizer report in the daemon log"
echo "cli errors: ok"

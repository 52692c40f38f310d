# lib.sh -- shared helpers for shell integration tests: temp dirs, a daemon on a free port, checks.
set -u
: "${SAMVIRKED:?SAMVIRKED must name the samvirked binary}"
: "${SAMVIRKE:?SAMVIRKE must name the samvirke binary}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/svcli.XXXXXX")
DAEMON_PID=""
cleanup() {
  if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then kill -9 "$DAEMON_PID"; fi
  rm -rf "$TMP"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# daemon_init DIR [init args...] -- initialise a daemon directory listening on a free port.
daemon_init() {
  local dir=$1; shift
  "$SAMVIRKED" init "$dir" "$@" >/dev/null || fail "samvirked init $dir"
  PORT=$(free_port)
  sed -i "s/^listen = .*/listen = 127.0.0.1:$PORT/" "$dir/samvirked.conf"
  SERVER_KEY=$("$SAMVIRKED" info "$dir" --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["server_key"])')
  LOG_KEY=$("$SAMVIRKED" info "$dir" --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["log_key"])')
}

# daemon_start DIR -- run the daemon in the background and wait until it listens.
daemon_start() {
  local dir=$1
  "$SAMVIRKED" run "$dir" 2>>"$TMP/daemon.log" &
  DAEMON_PID=$!
  for _ in $(seq 100); do
    if /usr/bin/python3 -c "import socket; socket.create_connection(('127.0.0.1',$PORT),0.2)" 2>/dev/null; then return 0; fi
    kill -0 "$DAEMON_PID" 2>/dev/null || { cat "$TMP/daemon.log" >&2; fail "daemon exited"; }
    sleep 0.1
  done
  fail "daemon did not start"
}

daemon_stop() {
  kill -TERM "$DAEMON_PID"
  wait "$DAEMON_PID"
  local rc=$?
  DAEMON_PID=""
  return $rc
}

# expect_fail CODE PATTERN CMD... -- CMD must exit with CODE and print PATTERN on stderr.
expect_fail() {
  local code=$1 pattern=$2; shift 2
  local out rc
  out=$("$@" 2>&1 >/dev/null); rc=$?
  [ "$rc" -eq "$code" ] || fail "'$*' exited $rc, expected $code (stderr: $out)"
  echo "$out" | grep -q -- "$pattern" || fail "'$*' stderr lacks '$pattern': $out"
  [ "$(echo "$out" | wc -l)" -eq 1 ] || fail "'$*' printed more than one line on stderr: $out"
}

# at_terminal ANSWER CMD... -- run CMD on a pseudo-terminal, type ANSWER at its "Type yes"
# prompt, print what it wrote and exit with its status.
at_terminal() {
  local ans=$1; shift
  /usr/bin/python3 - "$ans" "$@" <<'PY'
import os, pty, sys
ans = sys.argv[1].encode() + b"\n"
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[2], sys.argv[2:])
out, sent = b"", False
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
    if not sent and b"Type yes" in out:
        os.write(fd, ans)
        sent = True
_, st = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(st))
PY
}

"""test_status.py -- `samvirked status DIR [--json]`: a running daemon reports its connections,
requests and their rate, commits and their latency, and when the next retention sweep is due,
through a status socket only its own user may open (mode 0600); the log size, the last
checkpoint and the pending notes are what the database holds; a stopped daemon is reported as
not running (exit 3) with what the database says."""
import json
import os
import sqlite3
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from areatest import Team  # noqa: E402
from svtest import SAMVIRKED, check, fail  # noqa: E402


def status(d, *extra, code=0):
    p = subprocess.run([SAMVIRKED, "status", d.dir] + list(extra), capture_output=True,
                       text=True, timeout=60)
    if p.returncode != code:
        fail("samvirked status exited %d, expected %d: %s%s" % (p.returncode, code, p.stdout,
                                                                p.stderr))
    return p.stdout


def main():
    team = Team([("anna", "coordinator"), ("sune", "ssp"), ("pia", "partner")],
                conf={"retention_sweep_s": 3600})
    d = team.daemon
    db = os.path.join(d.dir, "samvirke.db")
    try:
        before = int(time.time())
        d.start()
        sock = os.path.join(d.dir, "samvirked.status")
        check(stat.S_ISSOCK(os.stat(sock).st_mode), "the status socket exists")
        check(os.stat(sock).st_mode & 0o777 == 0o600, "the status socket is 0600")
        team.run_ok("anna", "area", "add", "Vestparken")
        note = os.path.join(team.home, "note.txt")
        open(note, "w").write("Samtale tirsdag\n")
        team.run_ok("anna", "note", "send", "--to", "sune", "--purpose", "forebyggelse", note)
        held = team.wire("pia")  # one connection stays open
        for _ in range(20):
            r = held.call("ping")
            check(r["ok"], repr(r))
        time.sleep(1.5)  # the rates are sampled every second

        s = json.loads(status(d, "--json"))
        check(s["running"] is True and s["pid"] == d.proc.pid, "running, its pid: %r" % s)
        check(s["connections"] == 1, "one connection open: %r" % s)
        # area add, note send (a request each), 20 pings, plus the CLI's own: at least 22.
        check(s["requests"] >= 22, "requests answered: %r" % s)
        check(s["requests_per_s_10s"] > 0 and s["requests_per_s_60s"] > 0, "rates: %r" % s)
        check(s["commits"] >= 1 and s["commit_latency_avg_us"] > 0 and
              s["commit_latency_max_us"] >= s["commit_latency_last_us"] > 0, "latency: %r" % s)
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=10)
        entries = con.execute("SELECT count(*) FROM audit_entries").fetchone()[0]
        cp = con.execute("SELECT max(size) FROM checkpoints").fetchone()[0]
        con.close()
        check(s["log_size"] == entries and s["checkpoint_size"] == cp and cp >= 1,
              "log %r, checkpoint %r: %r" % (entries, cp, s))
        check(abs(s["checkpoint_time"] - time.time()) < 120, "checkpoint time: %r" % s)
        check(s["pending_notes"] == 1 and s["pending_deliveries"] == 1 and
              s["pending_note_bytes"] > 0, "pending notes: %r" % s)
        check(s["retention_sweep_s"] == 3600 and
              before + 3600 <= s["next_retention_sweep"] <= int(time.time()) + 3600,
              "next retention sweep an interval after the start-up sweep: %r" % s)

        out = status(d)
        for want in ("running (pid %d)" % d.proc.pid, "connections:     1 (0 in the handshake",
                     "audit log:       %d entries" % entries, "last checkpoint: size %d" % cp,
                     "pending notes:   1 (", "1 deliveries waiting", "next retention sweep: 20",
                     "(every 3600 s)"):
            check(want in out, "status shows %r:\n%s" % (want, out))
        held.close()

        check(d.stop() == 0, "the daemon stops cleanly")
        check(not os.path.exists(sock), "the status socket is removed at the stop")
        out = status(d, code=3)
        check("not running" in out and "pending notes:   1 (" in out and
              "next retention sweep: when samvirked starts" in out, out)
        s = json.loads(status(d, "--json", code=3))
        check(s["running"] is False and s["log_size"] >= entries, repr(s))
        p = subprocess.run([SAMVIRKED, "status", os.path.join(team.home, "nowhere")],
                           capture_output=True, text=True)
        check(p.returncode == 1 and p.stderr.count("\n") == 1 and "samvirked status:" in p.stderr,
              "a directory that is not a daemon's: %r" % p.stderr)
        print("ok: samvirked status")
    finally:
        team.cleanup()


if __name__ == "__main__":
    main()

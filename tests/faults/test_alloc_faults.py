"""test_alloc_faults.py -- out of memory: the daemon's own allocations (malloc, calloc, realloc,
strdup, sodium_malloc, msgpack-c's zone and unpacker) and SQLite's (SQLITE_CONFIG_MALLOC) fail
at the N-th call after a trigger, through samvirked_faults (tests/faults/faultmem.c), under the
representative workload of svworkload.py: once, or from N on until the workload is over.

At every failure the daemon must not crash (ASan and UBSan abort it on any memory error, and
its exit code then fails the trial); every request it answers is answered `ok`, `unavailable`
or `internal` (nothing was done; the message says why), or its connection is closed with a log
line (it could not hold the connection); it serves again by itself once allocations work,
stops cleanly, and its files pass `samvirked run --verify full` with every answer's promise
kept (svworkload.check_log). A failure during start-up must end in a refusal with exit code 1
and a reason, or in a daemon that serves.

SAMVIRKE_ALLOC_SWEEP=full tries every N of every phase (hours); the default tries
SAMVIRKE_ALLOC_SAMPLE Ns spread over each (phase, kind, mode), within about a minute.
SAMVIRKE_ALLOC_ONLY=PHASE:KIND:N[:onwards] runs that one trial (SVFAULT_TRACE=1 as well makes
the daemon log the stack of each failed allocation)."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from svfault import FOREVER  # noqa: E402
from svtest import ProtocolError, check  # noqa: E402
from svworkload import Run, check_log, safe, still_serves, verify_restart  # noqa: E402
from test_storage_faults import Sweep as StorageSweep, spread  # noqa: E402

FULL = os.environ.get("SAMVIRKE_ALLOC_SWEEP", "sample") == "full"
SAMPLE = int(os.environ.get("SAMVIRKE_ALLOC_SAMPLE", "4"))  # Ns per (phase, kind, mode)
ENOMEM = 12
KINDS = ("malloc", "sqlmalloc")
OOM_WORDS = ("out of memory", "memory")


class OomRun(Run):
    """The workload, holding the daemon to what an allocation failure allows: `internal`
    (audited as a failure, nothing done) besides ok and unavailable, a push lost with the
    memory it needed (the recipient finds the note with note.list), a connection closed."""

    dropped = 0

    def outcome(self, r):
        if not r.get("ok") and r.get("error", {}).get("code") == "internal":
            check(r["error"].get("message"), "an internal error without a message: %r" % r)
            return "unavailable"
        return Run.outcome(self, r)

    def wait_push(self, who, note, timeout=3):
        if Run.wait_push(self, who, note, timeout):
            return True
        self.interrupted = True  # no push: the note waits in note.list (checked by check_log)
        return True

    def run(self, reload_policy=True):
        try:
            return Run.run(self, reload_policy)
        except (ProtocolError, OSError):
            self.interrupted = True  # the daemon closed a connection it could not serve
            self.dropped += 1
            self.close()
            return self


class Sweep(StorageSweep):
    RUN = OomRun

    def trial(self, phase, kind, at, count):
        label = "%s: %s fails at %d%s" % (phase, kind, at, "" if count == 1 else " onwards")
        d = self.daemon()
        fired, reached, refused = 0, True, False
        try:
            if phase == "startup":
                self.ctl.arm(kind, at, count, ENOMEM)
                rc = d.start(expect_fail=None)
                fired = self.ctl.fired(kind)
                self.ctl.disarm()
                if rc is not None:  # refused to serve: exit code 1 and a reason, no crash
                    log = d.read_log()
                    check(rc == 1, "%s: start-up ended with exit code %d:\n%s" %
                          (label, rc, log[-3000:]))
                    check("refusing to" in log or "cannot" in log,
                          "%s: the refusal says why:\n%s" % (label, log[-3000:]))
                    refused = True
                    d.start()
            else:
                d.start()
            run = OomRun(self.team, d, "t%d" % self.trials)
            if phase == "workload":
                start_calls = self.ctl.calls(kind)
                self.ctl.arm(kind, start_calls + at, count, ENOMEM)
                run.run()
                fired = self.ctl.fired(kind)
                # the daemon's threads also allocate between our reading the count and the arm
                # taking effect, so call N may pass unarmed: such a trial counts as not reached
                reached = fired > 0
                self.ctl.disarm()
            else:
                safe(run.run)
            check(d.alive(), "%s: the daemon died:\n%s" % (label, d.read_log()[-6000:]))
            run.close()
            safe(lambda: still_serves(run))
            run.close()
            rc, fired, reached = self.stop(d, phase, kind, ENOMEM, at, count, label, fired,
                                           reached)
            check(rc == 0, "%s: clean stop after the failure (exit code %d)" % (label, rc))
            if run.dropped:
                log = d.read_log()
                check(any(w in log for w in OOM_WORDS),
                      "%s: a connection closed without a log line saying why:\n%s" %
                      (label, log[-3000:]))
            verify_restart(d)
            check_log(d, [run], self.signlog, label)
            self.count(phase, kind, "once" if count == 1 else "persistent", fired, reached,
                       refused, run)
        except BaseException:
            sys.stderr.write("--- %s: daemon log ---\n%s\n" % (label, d.read_log()[-6000:]))
            raise
        finally:
            d.cleanup()

    def count(self, phase, kind, mode, fired, reached, refused, run):
        t = self.tally.setdefault((phase, kind, mode), {
            "trials": 0, "fired": 0, "unreached": 0, "refused": 0, "dropped": 0, "ok": 0,
            "unavailable": 0, "internal": 0, "unknown": 0})
        t["trials"] += 1
        t["fired"] += fired
        t["unreached"] += 0 if reached else 1
        t["refused"] += refused
        t["dropped"] += run.dropped
        for _, _, _, r in run.answers:
            code = r.get("error", {}).get("code")
            t["internal" if code == "internal" else run.outcome(r)] += 1
        self.trials += 1


def main():
    t0 = time.time()
    s = Sweep()
    try:
        only = os.environ.get("SAMVIRKE_ALLOC_ONLY")
        if only:
            phase, kind, at, *rest = only.split(":")
            s.trial(phase, kind, int(at), FOREVER if rest else 1)
            print("%s: survived" % only)
            return
        calls = s.calibrate()
        print("allocations of a pass without failures: %s" % "; ".join(
            "%s %s" % (ph, {k: calls[ph][k] for k in KINDS})
            for ph in ("startup", "workload", "shutdown")))
        for phase in ("workload", "startup", "shutdown"):
            for kind in KINDS:
                n = calls[phase][kind]
                if n == 0:
                    continue
                for cnt in (1, FOREVER):
                    k = SAMPLE if phase == "workload" else max(2, SAMPLE // 2)
                    # a sample stays inside the first three quarters of the calibrated count:
                    # how many allocations a workload makes varies with how requests batch
                    for at in (range(1, n + 1) if FULL else spread(max(1, n * 3 // 4), k)):
                        s.trial(phase, kind, at, cnt)
        total = unreached = 0
        for (phase, kind, mode), t in sorted(s.tally.items()):
            total += t["fired"]
            unreached += t["unreached"]
            print("%-8s %-9s %-10s trials %4d (N not reached %d)  failures injected %6d  "
                  "start-up refused %3d  connections closed %3d  answers ok %5d  unavailable %4d"
                  "  internal %4d  unknown %3d" % (
                      phase, kind, mode, t["trials"], t["unreached"], t["fired"], t["refused"],
                      t["dropped"], t["ok"], t["unavailable"], t["internal"], t["unknown"]))
        check(unreached * 5 <= s.trials, "most trials reached their N (%d of %d did not)" %
              (unreached, s.trials))
        print("allocation failures: %d trials, %d failures injected and survived, in %.0f s "
              "(%s sweep)" % (s.trials, total, time.time() - t0, "full" if FULL else "sampled"))
    finally:
        s.cleanup()


if __name__ == "__main__":
    main()

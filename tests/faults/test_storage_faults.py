"""test_storage_faults.py -- I/O faults under the daemon's SQLite at the N-th read, write and
sync of a representative workload (tests/faults/svworkload.py), through the fault VFS of
samvirked_faults: ENOSPC, EIO and a short write, once (the fault clears at once) or from N on
until the workload is over (then cleared). At every fault the daemon must answer `ok` or
`unavailable` (nothing done), never crash, serve again by itself once the fault clears, stop
cleanly, sign and serve only checkpoints of the log it keeps, and its files must pass
`samvirked run --verify full` with every answer's promise kept.

SAMVIRKE_FAULT_SWEEP=full tries every N (make faults); the default tries a spread sample of
them, so that ctest's share stays near a couple of minutes. SAMVIRKE_FAULT_SHARD=K/N runs only
every N-th (phase, kind, error, mode) of the sweep from the K-th (0 <= K < N), each with every N
of its own calibrated pass, so N processes side by side share a full sweep between them (make
faults runs two)."""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import svfault  # noqa: E402
from svfault import FOREVER, FaultCtl, use_faults  # noqa: E402
from svtest import check  # noqa: E402
from svworkload import Run, Team, check_log, safe, still_serves, verify_restart  # noqa: E402

FULL = os.environ.get("SAMVIRKE_FAULT_SWEEP", "sample") == "full"
SAMPLE = int(os.environ.get("SAMVIRKE_FAULT_SAMPLE", "8"))  # Ns per (kind, error, mode)


def shard():
    """(K, N) of SAMVIRKE_FAULT_SHARD=K/N, (0, 1) when unset."""
    v = os.environ.get("SAMVIRKE_FAULT_SHARD", "0/1")
    try:
        k, n = (int(x) for x in v.split("/"))
    except ValueError:
        k, n = -1, 0
    check(0 <= k < n, "SAMVIRKE_FAULT_SHARD is K/N with 0 <= K < N, not %r" % v)
    return k, n

# (kind, errors) pairs; reads and syncs report every errno as one SQLite code, so they are
# tried with EIO only in the sample and with both in the full sweep.
PLAN = [("write", ["ENOSPC", "EIO", "short"]), ("sync", ["EIO", "ENOSPC"] if FULL else ["EIO"]),
        ("read", ["EIO", "ENOSPC"] if FULL else ["EIO"])]


def spread(n, k):
    """k numbers spread over 1..n (all of them when k >= n)."""
    if k >= n:
        return list(range(1, n + 1))
    return sorted({1 + (i * (n - 1)) // (k - 1) for i in range(k)})


class Sweep:
    RUN = Run  # the workload's class (test_alloc_faults.py substitutes its own)

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="svfaults.")
        self.team = Team(conf={"settle_ms": 100})
        self.ctl = FaultCtl(os.path.join(self.tmp, "ctl"))
        self.signlog = os.path.join(self.tmp, "signed")
        self.tally = {}
        self.trials = 0

    def daemon(self):
        d = self.team.template.clone()
        self.ctl.reset()
        if os.path.exists(self.signlog):
            os.remove(self.signlog)
        use_faults(d, self.ctl, signlog=self.signlog)
        return d

    def calibrate(self):
        """Count the calls per kind of each phase of one fault-free pass: start-up, the
        workload (with the requests that follow it), and the orderly stop."""
        d = self.daemon()
        d.start()
        after_start = {k: self.ctl.calls(k) for k in svfault.KINDS}
        run = self.RUN(self.team, d, "cal")
        safe(run.run)
        safe(lambda: still_serves(run))
        after_work = {k: self.ctl.calls(k) for k in svfault.KINDS}
        run.close()
        check(d.stop() == 0, "calibration: clean stop")
        after_stop = {k: self.ctl.calls(k) for k in svfault.KINDS}
        verify_restart(d)
        check_log(d, [run], self.signlog, "calibration")
        check(set(run.counts()) == {"ok"}, "calibration: every answer ok: %r" % run.counts())
        d.cleanup()
        return {"startup": after_start,
                "workload": {k: after_work[k] - after_start[k] for k in svfault.KINDS},
                "shutdown": {k: after_stop[k] - after_work[k] for k in svfault.KINDS}}

    def trial(self, phase, kind, err, at, count, kill=False):
        """One run with the fault armed at call `at` of its phase (count calls); kill: end the
        run with kill -9 instead of the later requests and an orderly stop, so the answers
        given are checked against what survives a crash."""
        label = "%s: %s %s at %d%s%s" % (phase, kind, err, at, "" if count == 1 else " onwards",
                                         ", then kill -9" if kill else "")
        d = self.daemon()
        fired = 0
        reached = True
        try:
            if phase == "startup":
                self.ctl.arm(kind, at, count, err)
                rc = d.start(expect_fail=None)
                if rc is not None:  # refused to serve: must say why, and not crash
                    check(rc == 1, "%s: start-up refused with exit code %d" % (label, rc))
                    check("refusing to serve" in d.read_log() or "cannot" in d.read_log(),
                          "%s: the refusal says why:\n%s" % (label, d.read_log()))
                    fired = self.ctl.fired(kind)
                    self.ctl.disarm()
                    d.start()
                else:
                    fired = self.ctl.fired(kind)
                    self.ctl.disarm()
            else:
                d.start()
            run = Run(self.team, d, "t%d" % self.trials)
            if phase == "workload":
                start_calls = self.ctl.calls(kind)
                self.ctl.arm(kind, start_calls + at, count, err)
                safe(run.run)
                fired = self.ctl.fired(kind)
                reached = self.ctl.calls(kind) - start_calls >= at
                self.ctl.disarm()
                check(fired > 0 or not reached, "%s: the armed fault fired" % label)
            else:
                safe(run.run)
            if kill:
                run.close()
                d.kill9()
                verify_restart(d)
                check_log(d, [run], self.signlog, label)
                self.count(phase, kind, err, "once, kill -9" if count == 1 else
                           "persistent, kill -9", fired, reached, run)
                return
            safe(lambda: still_serves(run))
            run.close()
            rc, fired, reached = self.stop(d, phase, kind, err, at, count, label, fired, reached)
            check(rc == 0, "%s: clean stop after the fault (rc %d)" % (label, rc))
            verify_restart(d)
            check_log(d, [run], self.signlog, label)
            self.count(phase, kind, err, "once" if count == 1 else "persistent", fired, reached,
                       run)
        except BaseException:
            sys.stderr.write("--- %s: daemon log ---\n%s\n" % (label, d.read_log()[-6000:]))
            raise
        finally:
            d.cleanup()

    def stop(self, d, phase, kind, err, at, count, label, fired, reached):
        """Stop d, in the shutdown phase with the fault armed at call `at` of the stop.
        Returns the exit code and the trial's (fired, reached), updated in that phase."""
        if phase != "shutdown":
            return d.stop(), fired, reached
        start_calls = self.ctl.calls(kind)
        self.ctl.arm(kind, start_calls + at, count, err)
        rc = d.stop()
        fired = self.ctl.fired(kind)
        reached = self.ctl.calls(kind) - start_calls >= at
        check(fired > 0 or not reached, "%s: the armed fault fired" % label)
        return rc, fired, reached

    def count(self, phase, kind, err, mode, fired, reached, run):
        t = self.tally.setdefault((phase, kind, err, mode), {
            "trials": 0, "fired": 0, "unavailable": 0, "unknown": 0, "ok": 0, "unreached": 0})
        t["trials"] += 1
        t["fired"] += fired
        t["unreached"] += 0 if reached else 1
        for _, _, _, r in run.answers:
            t[run.outcome(r)] += 1
        self.trials += 1

    def cleanup(self):
        self.team.cleanup()
        import shutil
        shutil.rmtree(self.tmp, ignore_errors=True)


def main():
    t0 = time.time()
    my_shard, shards = shard()
    s = Sweep()
    group = 0
    try:
        calls = s.calibrate()
        print("calls of a fault-free pass: %s" % "; ".join(
            "%s %s" % (ph, {k: calls[ph][k] for k in ("read", "write", "sync")})
            for ph in ("startup", "workload", "shutdown")))
        for phase in ("workload", "shutdown", "startup"):
            for kind, errs in PLAN:
                n = calls[phase][kind]
                for err in errs:
                    modes = [(1, False), (FOREVER, False)]
                    if phase == "workload":
                        modes += [(1, True), (FOREVER, True)]
                    for cnt, kill in modes:
                        # groups are counted whatever this pass's calibration found, so every
                        # shard numbers them alike
                        group += 1
                        if (group - 1) % shards != my_shard or n == 0:
                            continue
                        k = SAMPLE if phase == "workload" else max(2, SAMPLE // 3)
                        if kill and not FULL:
                            k = max(2, SAMPLE // 2)
                        for at in (range(1, n + 1) if FULL else spread(n, k)):
                            s.trial(phase, kind, err, at, cnt, kill)
                            if s.trials % 100 == 0:
                                print("storage faults: %d trials done (%.0f s)" %
                                      (s.trials, time.time() - t0), flush=True)
        total_fired = unreached = 0
        for (phase, kind, err, mode), t in sorted(s.tally.items()):
            total_fired += t["fired"]
            unreached += t["unreached"]
            print("%-8s %-5s %-6s %-20s trials %4d (N not reached %d)  faults injected %5d  "
                  "answers ok %5d  unavailable %5d  unknown %3d" % (
                      phase, kind, err, mode, t["trials"], t["unreached"], t["fired"], t["ok"],
                      t["unavailable"], t["unknown"]))
        check(unreached * 5 <= s.trials, "most trials reached their N (%d of %d did not)" %
              (unreached, s.trials))
        print("storage faults: %d trials, %d faults injected and survived, in %.0f s (%s sweep%s)"
              % (s.trials, total_fired, time.time() - t0, "full" if FULL else "sampled",
                 "" if shards == 1 else ", shard %d of %d" % (my_shard + 1, shards)))
    finally:
        s.cleanup()


if __name__ == "__main__":
    main()

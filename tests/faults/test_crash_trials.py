"""test_crash_trials.py -- crashes by the hundred: the daemon is killed at a random moment under
mixed load, restarted, and everything it ever answered is checked; first with kill -9 (the
kernel keeps what the process wrote), then with a simulated power cut below SQLite
(tests/faults/powercut.c: only what was flushed survives; in every other trial a random part of
the unflushed writes survives as well, in any order, as a disk may write them back).

The load: svworkload.py's mixed pass (area writes pipelined, corrections, interventions, a note
pushed to its online recipient and fetched by the other, acknowledgements, an invite, an
enrolment and a revocation, policy reloads, audit reads) over and over, and beside it a writer
pipelining observations, eight in flight. All trials share one daemon directory, so every
restart recovers a log grown by the trials before it.

After each kill the ordinary samvirked is restarted with `--verify full` (it must serve), and:
  - every audit number any answer of the trial named has an inclusion proof, from the restarted
    daemon, that verifies against its signed checkpoint; entries answered in earlier trials are
    unchanged;
  - every write answered ok, in this trial or any before it, is in the database;
  - each note answered ok has exactly one delivery entry for its online recipient, every push
    names its entry, a delivery not acknowledged is still pending (note.list shows it: none
    lost) and an acknowledged one is not (none duplicated);
  - every checkpoint served or signed is a prefix of the log (svworkload.check_log).

SAMVIRKE_CRASH_TRIALS (kill -9 trials, default 5) and SAMVIRKE_POWERCUT_TRIALS (default 5) set
the size: `make soak` runs 200 of each. SAMVIRKE_CRASH_SEED fixes the random moments."""
import os
import shutil
import sys
import tempfile
import threading
import time
import random

import msgpack

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import svfault  # noqa: E402
import svaudit as A  # noqa: E402
from svfault import use_faults, use_release  # noqa: E402
from svtest import check  # noqa: E402
from svworkload import BASE_AREA, Run, Team, check_expect, check_log  # noqa: E402

KILL_TRIALS = int(os.environ.get("SAMVIRKE_CRASH_TRIALS", "5"))
POWERCUT_TRIALS = int(os.environ.get("SAMVIRKE_POWERCUT_TRIALS", "5"))
SEED = int(os.environ.get("SAMVIRKE_CRASH_SEED", str(int(time.time()))))
PIPELINE = 8
rng = random.Random(SEED)


def pipelined(c, reqs, depth=32):
    """Answers to reqs (maps without "id") sent on client c, depth at a time in flight."""
    out = []
    for k in range(0, len(reqs), depth):
        ids = []
        for req in reqs[k:k + depth]:
            ids.append(c.next_id)
            c.send_frame(msgpack.packb(dict(req, id=c.next_id), use_bin_type=True))
            c.next_id += 1
        out.extend(c.response(rid) for rid in ids)
    return out


class Load:
    """The mixed workload and the pipelining writer against a running daemon, until it dies."""

    def __init__(self, team, d, trial):
        self.team, self.d, self.trial = team, d, trial
        self.killed = threading.Event()
        self.runs = []
        self.failures = []  # (thread, exception) raised while the daemon was still alive
        self.threads = [threading.Thread(target=self.guard, args=(self.mixed,)),
                        threading.Thread(target=self.guard, args=(self.writer,))]

    def guard(self, fn):
        try:
            fn()
        except BaseException as e:  # noqa: B902 -- check() exits with SystemExit
            if not self.killed.is_set():
                self.failures.append((fn.__name__, e))
        for run in self.runs:
            run.close()

    def mixed(self):
        k = 0
        while not self.killed.is_set():
            run = Run(self.team, self.d, "c%d.%d" % (self.trial, k))
            run.interrupted = True  # until it ends by itself
            self.runs.append(run)
            run.run(reload_policy=k % 3 == 1)
            run.interrupted = False
            run.close()
            k += 1

    def writer(self):
        run = Run(self.team, self.d, "p%d" % self.trial)
        run.interrupted = True
        self.runs.append(run)
        n = 0
        while not self.killed.is_set():
            reqs = []
            for _ in range(PIPELINE):
                reqs.append(("observation.add", None, {
                    "area": BASE_AREA, "kind": "resource" if n % 2 else "challenge",
                    "category": "belastning", "level": "area", "text": "w%d-%d" % (self.trial, n),
                    "lat": 56.15, "lon": 10.13}))
                n += 1
            for (_, _, args), r in zip(reqs, run.pipeline("partner", reqs)):
                run.want("observation", args["text"], r)

    def start(self):
        for t in self.threads:
            t.start()

    def wait_answers(self, n, timeout=60):
        """Wait until the mixed workload has had n answers (or a thread ended, or timeout
        seconds)."""
        deadline = time.time() + timeout
        while (sum(len(r.answers) for r in list(self.runs) if r.tag[0] == "c") < n and
               time.time() < deadline and all(t.is_alive() for t in self.threads)):
            time.sleep(0.005)

    def kill(self):
        self.killed.set()
        self.d.kill9()
        for t in self.threads:
            t.join(timeout=60)
            check(not t.is_alive(), "a load thread hung after the kill")


class Trials:
    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="svcrash.")
        self.team = Team(conf={"note_sweep_ms": 3600000})
        self.d = self.team.template.clone()
        self.signlog = os.path.join(self.tmp, "signed")
        self.history = []   # runs of earlier trials
        self.entries = {}   # audit number answered -> its entry bytes
        self.notes = {}     # note id -> {who: acked True/False/None} over all trials
        self.stats = {"trials": 0, "answers": 0, "writes_acked": 0, "audit_proved": 0,
                      "notes_ok": 0, "pushes": 0, "unsynced_dropped": 0, "unsynced_kept": 0,
                      "synced_replayed": 0, "seconds": 0.0}

    def trial(self, i, powercut=False, keep=0.0):
        kind = "power cut%s" % (" (keeping %d%% of unflushed writes)" % (keep * 100) if keep else
                                "") if powercut else "kill -9"
        label = "trial %d (%s)" % (i, kind)
        d = self.d
        shadow = os.path.join(self.tmp, "shadow") if powercut else None
        if os.path.exists(self.signlog):
            os.remove(self.signlog)
        use_faults(d, None, powercut=shadow, signlog=self.signlog)
        t0 = time.time()
        d.start()
        load = Load(self.team, d, i)
        load.start()
        # the moment: somewhere in a pass of the mixed workload (21 answers), or beyond
        load.wait_answers(1 + rng.randrange(30))
        time.sleep(rng.uniform(0.0, 0.5))
        load.kill()
        try:
            check(not load.failures, "%s: the load failed before the kill: %s" %
                  (label, "; ".join("%s: %r" % f for f in load.failures)))
            if powercut:
                rep = svfault.powercut_restore(shadow, d.dir, keep=keep, rng=rng)
                for synced, kept, dropped in rep.values():
                    self.stats["synced_replayed"] += synced
                    self.stats["unsynced_kept"] += kept
                    self.stats["unsynced_dropped"] += dropped
            self.check_restart(d, load.runs, label)
            st = check_log(d, load.runs, self.signlog, label)
            self.check_history(st, load.runs, label)
        except BaseException:
            sys.stderr.write("--- %s (seed %d): daemon log ---\n%s\n" %
                             (label, SEED, d.read_log()[-6000:]))
            raise
        self.stats["trials"] += 1
        self.stats["seconds"] += time.time() - t0
        print("%s: %d answers, %d pushes, all kept (%.1f s)" % (
            label, sum(len(r.answers) for r in load.runs), sum(len(r.pushes) for r in load.runs),
            time.time() - t0), flush=True)

    def check_restart(self, d, runs, label):
        """Restart the ordinary daemon with --verify full; prove every audit number answered
        in this trial and look at the notes waiting for the two recipients."""
        use_release(d)
        d.start(["--verify", "full"])
        aud = self.team.connect(d, "auditor")
        r = aud.call("audit.checkpoint")
        check(r.get("ok"), "%s: audit.checkpoint after the restart: %r" % (label, r))
        _, size, root = A.open_checkpoint(r["result"]["checkpoint"], d.log_key)
        seqs = sorted({r["audit"] for run in runs for _, _, _, r in run.answers if "audit" in r} |
                      {ev["audit"] for run in runs for _, ev in run.pushes})
        for s, r in zip(seqs, pipelined(aud, [{"op": "audit.inclusion", "seq": s, "size": size}
                                              for s in seqs])):
            check(r.get("ok"), "%s: no inclusion proof for acknowledged audit number %d: %r" %
                  (label, s, r))
            res = r["result"]
            check(A.verify_inclusion(s, size, A.leaf_hash(res["entry"]), res["proof"], root),
                  "%s: the inclusion proof of audit number %d does not verify" % (label, s))
            self.entries[s] = res["entry"]
        self.stats["audit_proved"] += len(seqs)
        aud.close()
        for run in runs:
            for nid, info in run.sent_notes.items():
                if info["ok"]:
                    self.notes[nid] = info["acked"]
                    self.stats["notes_ok"] += 1
            self.stats["pushes"] += len(run.pushes)
            self.stats["answers"] += len(run.answers)
            self.stats["writes_acked"] += sum(1 for e in run.expect if e[2] and e[0] != "note")
        for who in ("ssp", "police"):
            c = self.team.connect(d, who)
            r = c.call("note.list")
            c.close()
            check(r.get("ok"), "%s: note.list for %s: %r" % (label, who, r))
            waiting = {n["note"] for n in r["result"]}
            for nid, acked in self.notes.items():
                if acked[who] is None:
                    continue
                check((nid in waiting) == (not acked[who]),
                      "%s: note %s for %s is %s but its delivery was %s" %
                      (label, nid.hex(), who, "waiting" if nid in waiting else "gone",
                       "acknowledged" if acked[who] else "not acknowledged"))
        check(d.stop() == 0, "%s: the restarted daemon stops cleanly" % label)

    def check_history(self, st, runs, label):
        """Everything earlier trials were answered is still so."""
        for run in self.history:
            check_expect(st, run, label + " (an earlier trial's write)")
        entries = st["entries"]
        for s, e in self.entries.items():
            check(s < len(entries) and entries[s] == e,
                  "%s: the entry of audit number %d changed or went missing" % (label, s))
        for run in runs:
            check(set(run.counts()) <= {"ok"}, "%s: under a crash every answer is ok: %r" %
                  (label, run.counts()))
        self.history.extend(runs)

    def cleanup(self):
        self.d.cleanup()
        self.team.cleanup()
        shutil.rmtree(self.tmp, ignore_errors=True)


def main():
    t0 = time.time()
    t = Trials()
    try:
        for i in range(KILL_TRIALS):
            t.trial(i)
        kill_stats = dict(t.stats)
        for i in range(POWERCUT_TRIALS):
            t.trial(KILL_TRIALS + i, powercut=True, keep=0.5 if i % 2 else 0.0)
        pc = {k: t.stats[k] - kill_stats.get(k, 0) for k in t.stats}
        for name, s in (("kill -9", kill_stats), ("power cut", pc)):
            print("%-9s trials %4d, losses 0: %6d answers (%d writes acknowledged), %6d audit "
                  "numbers proved, %4d notes sent (%d pushed), all present; %.0f s" % (
                      name, s["trials"], s["answers"], s["writes_acked"], s["audit_proved"],
                      s["notes_ok"], s["pushes"], s["seconds"]))
        print("power cuts: %d flushed writes replayed, %d unflushed writes dropped, %d kept" % (
            pc["synced_replayed"], pc["unsynced_dropped"], pc["unsynced_kept"]))
        check(t.stats["writes_acked"] > KILL_TRIALS + POWERCUT_TRIALS,
              "the load wrote something (%d writes acknowledged)" % t.stats["writes_acked"])
        print("crash trials: %d kill -9 and %d power cuts, no loss, in %.0f s (seed %d)" % (
            kill_stats["trials"], pc["trials"], time.time() - t0, SEED))
    finally:
        t.cleanup()


if __name__ == "__main__":
    main()

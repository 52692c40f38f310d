"""test_backup.py -- `samvirked backup` of a daemon under load gives copies that restore and pass
`samvirked run --verify full`, keys only with --with-keys (mode 0600); `samvirked restore` refuses
a damaged or partial backup, a running daemon, and a backup that would roll back or fork the log
auditors trust (the live directory's newest checkpoint, or an auditor's file), unless forced;
kill -9 during a backup leaves the live database intact and no usable partial backup."""
import os
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import threading
import time

import msgpack

sys.path.insert(0, os.path.dirname(__file__))
import svtest  # noqa: E402
from areatest import Team, audit_entries, noise_keypair  # noqa: E402
from svtest import SAMVIRKED, check, fail  # noqa: E402


def run(*args, ok=True):
    p = subprocess.run([SAMVIRKED] + list(args), capture_output=True, text=True, timeout=300)
    if ok and p.returncode != 0:
        fail("samvirked %s exited %d: %s" % (" ".join(args), p.returncode, p.stderr.strip()))
    return p


def refused(pattern, *args):
    p = run(*args, ok=False)
    check(p.returncode == 1, "samvirked %s exited %d, expected 1: %s" %
          (" ".join(args), p.returncode, p.stderr))
    check(pattern in p.stderr, "samvirked %s stderr lacks %r: %r" % (" ".join(args), pattern,
                                                                     p.stderr))
    check(p.stderr.count("\n") == 1, "one line on stderr: %r" % p.stderr)
    return p


def entry_count(db):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=10)
    try:
        return con.execute("SELECT count(*) FROM audit_entries").fetchone()[0]
    finally:
        con.close()


def manifest(dest):
    m = {}
    for line in open(os.path.join(dest, "backup.txt")):
        if " = " in line and not line.startswith("#"):
            k, v = line.rstrip("\n").split(" = ", 1)
            m[k] = v
    return m


class Load(threading.Thread):
    """A partner pipelining observations and pings in batches until stopped."""

    def __init__(self, team):
        super().__init__(daemon=True)
        self.client = team.wire("pia")
        self.stop = threading.Event()
        self.done = 0
        self.error = None

    def run(self):
        rid = 1
        try:
            while not self.stop.is_set():
                reqs = []
                for i in range(100):
                    if i % 4 == 0:
                        req = {"id": rid, "op": "observation.add", "area": "Vestparken",
                               "kind": "resource", "category": "fritid", "level": "area",
                               "text": "Lektiecafe nummer %d" % rid}
                    else:
                        req = {"id": rid, "op": "ping"}
                    reqs.append(req)
                    rid += 1
                self.client.send_stream(b"".join(
                    struct.pack(">I", len(b)) + b for b in
                    (msgpack.packb(r, use_bin_type=True) for r in reqs)))
                for r in reqs:
                    resp = self.client.response(r["id"])
                    if not resp.get("ok"):
                        raise RuntimeError("request failed under load: %r" % resp)
                    self.done += 1
        except Exception as e:  # reported by the main thread
            self.error = e


def checkpoint_file(team, path):
    """The latest signed checkpoint as an auditor fetches it, saved like trusted.txt."""
    c = team.wire("ida")
    r = c.call("audit.checkpoint")
    c.close()
    check(r["ok"], "auditor gets the checkpoint: %r" % r)
    with open(path, "w") as f:
        f.write(r["result"]["checkpoint"])
    return r["result"]["size"]


def start_copy(team, d, extra=()):
    """Run samvirked on daemon directory d (listening on a fresh port) and check it serves."""
    port = svtest.free_port()
    conf = os.path.join(d, "samvirked.conf")
    text = open(conf).read().replace("listen = 127.0.0.1:%d" % team.daemon.port,
                                     "listen = 127.0.0.1:%d" % port)
    open(conf, "w").write(text)
    log = open(os.path.join(team.home, "copy.log"), "ab")
    proc = subprocess.Popen([SAMVIRKED, "run", d] + list(extra), stdout=log, stderr=log)
    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            fail("samvirked on %s refused: %s" % (d, open(log.name).read()[-2000:]))
        try:
            c = svtest.Client(port, team.daemon.server_key,
                              keypair=noise_keypair(team.dirs["pia"]))
            r = c.call("observation.list", area="Vestparken")
            c.close()
            proc.send_signal(signal.SIGTERM)
            check(proc.wait(timeout=30) == 0, "the copy's daemon stops cleanly")
            return r
        except OSError:
            time.sleep(0.1)
    proc.kill()
    fail("samvirked on %s did not listen" % d)


def main():
    team = Team([("anna", "coordinator"), ("pia", "partner"), ("ida", "auditor")])
    try:
        d = team.daemon
        d.start()
        team.run_ok("anna", "area", "add", "Vestparken")
        # An auditor's trusted checkpoint, as `samvirke audit fetch/verify` keeps it.
        team.run_ok("ida", "audit", "fetch")
        team.run_ok("ida", "audit", "verify")
        old_cp = os.path.join(team.home, "trusted-before.txt")
        shutil.copy(os.path.join(team.dirs["ida"], "audit", "trusted.txt"), old_cp)
        load = Load(team)
        load.start()
        time.sleep(1.0)
        b1 = os.path.join(team.home, "b1")
        b2 = os.path.join(team.home, "b2")
        out = run("backup", d.dir, b1).stdout
        check("keys not included" in out and "verified" in out, "backup output: %r" % out)
        after_b1 = os.path.join(team.home, "trusted-after-b1.txt")
        after_b1_size = checkpoint_file(team, after_b1)
        out = run("backup", d.dir, b2, "--with-keys").stdout
        check("daemon.key" in out, "backup --with-keys output: %r" % out)
        time.sleep(0.5)
        load.stop.set()
        load.join(60)
        check(load.error is None, "load: %r" % load.error)
        check(load.done >= 200, "the load ran during the backups (%d requests)" % load.done)

        # What a backup holds, and its modes.
        for b in (b1, b2):
            check(os.stat(b).st_mode & 0o777 == 0o700, "backup directory is 0700")
            for f in os.listdir(b):
                check(os.stat(os.path.join(b, f)).st_mode & 0o077 == 0,
                      "%s/%s is private to the daemon's user" % (b, f))
        check(not os.path.exists(os.path.join(b1, "daemon.key")), "no keys without --with-keys")
        check(os.stat(os.path.join(b2, "daemon.key")).st_mode & 0o777 == 0o600, "keys 0600")
        check(open(os.path.join(b2, "daemon.key"), "rb").read() ==
              open(os.path.join(d.dir, "daemon.key"), "rb").read(), "the keys are the daemon's")
        m1, m2 = manifest(b1), manifest(b2)
        check(m1["keys"] == "no" and m2["keys"] == "yes", "manifests: %r %r" % (m1, m2))
        n1, n2 = int(m1["log_size"]), int(m2["log_size"])
        check(entry_count(os.path.join(b1, "samvirke.db")) == n1, "b1 holds its log_size entries")
        check(n1 > 10 and n2 > n1, "the backups caught the log growing: %d, %d" % (n1, n2))
        check(not [f for f in os.listdir(team.home) if ".partial-" in f], "no partial left")
        refused("already exists", "backup", d.dir, b1)

        # Restore needs the daemon stopped.
        refused("stop samvirked first", "restore", d.dir, b2)
        live_cp = os.path.join(team.home, "trusted-live.txt")
        live_size = checkpoint_file(team, live_cp)
        check(d.stop() == 0, "the live daemon stops cleanly")

        # A new directory from the backup with keys: what auditors trust must be given.
        r1 = os.path.join(team.home, "r1")
        refused("nothing shows which checkpoint auditors already trust", "restore", r1, b2)
        refused("roll the log back by", "restore", r1, b2, "--trusted", live_cp)
        check(not os.path.exists(os.path.join(r1, "samvirke.db")), "a refused restore writes nothing")
        out = run("restore", r1, b2, "--trusted", old_cp).stdout
        check("verified; extends the trusted checkpoint" in out, "restore output: %r" % out)
        check(entry_count(os.path.join(r1, "samvirke.db")) == n2 + 1, "restored log + its entry")
        for f in ("daemon.key", "samvirke.db"):
            check(os.stat(os.path.join(r1, f)).st_mode & 0o777 == 0o600, "%s is 0600" % f)
        res = start_copy(team, r1, ["--verify", "full"])
        check(res["ok"] and len(res["result"]["observations"]) >= 1, "the copy serves: %r" % res)
        e = audit_entries(os.path.join(r1, "samvirke.db"))[n2]
        check(e["op"] == "daemon.restore" and e["role"] == "daemon" and
              e["object"].startswith("backup:%d:%s" % (n2, m2["database_sha256"][:16])),
              "the restore is an audit entry: %r" % e)

        # Without keys in the backup, a new directory has none.
        refused("the backup holds none", "restore", os.path.join(team.home, "r2"), b1, "--force")

        # Over the live directory: a backup of it as it is now extends it; b1 is a rollback.
        b4 = os.path.join(team.home, "b4")
        run("backup", d.dir, b4)
        out = run("restore", d.dir, b4).stdout
        check("extends the newest checkpoint" in out and "kept as" in out, "restore: %r" % out)
        aside = out.split("kept as ")[1].strip()
        check(entry_count(aside) == int(manifest(b4)["log_size"]), "the replaced database is kept")
        refused("roll the log back by", "restore", d.dir, b1)
        # With the live database lost, the log signer's record still shows what was signed.
        lost = os.path.join(team.home, "lost.db")
        os.rename(os.path.join(d.dir, "samvirke.db"), lost)
        refused("the log signer's record", "restore", d.dir, b1)
        os.rename(lost, os.path.join(d.dir, "samvirke.db"))
        p = run("restore", d.dir, b1, "--force")
        check("warning (--force)" in p.stderr and "(forced)" in p.stdout, "forced: %r" % p.stderr)
        check("the log signer's replaced record is kept as" in p.stdout,
              "a forced rollback moves the signer's record aside: %r" % p.stdout)
        check(entry_count(os.path.join(d.dir, "samvirke.db")) == n1 + 1, "b1 restored, forced")
        # The auditor's checkpoint taken after b1 covers entries the rolled-back log lost: once
        # the log has grown past it again, a backup of it is a fork of what they trust.
        d.start(extra=["--verify", "full"])
        c = team.wire("pia")
        grow = after_b1_size - (n1 + 1) + 10
        c.send_stream(b"".join(struct.pack(">I", len(b)) + b for b in
                               (msgpack.packb({"id": i + 1, "op": "ping"}) for i in range(grow))))
        for i in range(grow):
            c.response(i + 1)
        c.close()
        b3 = os.path.join(team.home, "b3")
        run("backup", d.dir, b3)
        check(d.stop() == 0, "clean stop")
        check(int(manifest(b3)["log_size"]) >= after_b1_size, "b3 is past the auditor's checkpoint")
        r3 = os.path.join(team.home, "r3")
        os.makedirs(r3, mode=0o700)
        shutil.copy(os.path.join(d.dir, "daemon.key"), r3)
        os.chmod(os.path.join(r3, "daemon.key"), 0o600)
        refused("would fork the log", "restore", r3, b3, "--trusted", after_b1)

        # Damaged and partial backups.
        bad = os.path.join(team.home, "bad")
        shutil.copytree(b2, bad)
        with open(os.path.join(bad, "samvirke.db"), "r+b") as f:
            f.seek(5000)
            byte = f.read(1)
            f.seek(5000)
            f.write(bytes([byte[0] ^ 1]))
        refused("does not match the SHA-256 in its manifest", "restore", r3, bad, "--force")
        os.remove(os.path.join(bad, "backup.txt"))
        refused("is not a complete samvirke backup", "restore", r3, bad, "--force")

        # kill -9 during backups: the live database stays intact, a partial is never usable.
        d.start()
        c = team.wire("pia")
        stream = b"".join(struct.pack(">I", len(b)) + b for b in
                          (msgpack.packb({"id": i + 1, "op": "ping"}) for i in range(4000)))
        c.send_stream(stream)
        for i in range(4000):
            c.response(i + 1)
        c.close()
        t0 = time.time()
        run("backup", d.dir, os.path.join(team.home, "timed"))
        took = time.time() - t0
        partials = 0
        for k, frac in enumerate((0.15, 0.3, 0.45, 0.6, 0.75, 0.9)):
            dest = os.path.join(team.home, "k%d" % k)
            proc = subprocess.Popen([SAMVIRKED, "backup", d.dir, dest],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(took * frac)
            proc.kill()
            proc.wait()
            left = [f for f in os.listdir(team.home) if f.startswith("k%d." % k)]
            if os.path.exists(dest):
                check(not left, "a complete backup leaves no partial")
                check(manifest(dest)["format"] == "samvirke-backup/1", "complete manifest")
            else:
                check(len(left) <= 1, "at most one partial: %r" % left)
                for part in left:
                    partials += 1
                    part = os.path.join(team.home, part)
                    check(".partial-" in part, "partials are named so: %s" % part)
                    check(not os.path.exists(os.path.join(part, "backup.txt")),
                          "a partial has no manifest")
                    refused("is not a complete samvirke backup", "restore", r3, part, "--force")
        check(partials >= 1, "a kill landed inside a backup (took %.2f s)" % took)
        c = team.wire("pia")
        check(c.call("ping")["ok"], "the daemon serves after the killed backups")
        c.close()
        check(d.stop() == 0, "clean stop")
        d.start(extra=["--verify", "full"])
        check(d.stop() == 0, "the live directory still verifies in full")
        print("backup: %d requests under load; backups of %d and %d entries; "
              "a full backup of %d entries took %.2f s; %d of 6 kills left a partial" %
              (load.done, n1, n2, entry_count(os.path.join(d.dir, "samvirke.db")), took,
               partials))
    finally:
        team.cleanup()


if __name__ == "__main__":
    main()

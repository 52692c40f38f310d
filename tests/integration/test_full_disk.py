"""test_full_disk.py -- a real full disk under the ordinary samvirked. The daemon's directory is a
small tmpfs the test mounts (it runs as root, as the suite does), nearly filled by a file of the
test's own; observation writes then fill the rest. While the disk is full every write is
answered `unavailable` (nothing was done), and the connections stay open. Every access is
logged, reads and pings included, so one whose audit entry cannot be written is refused the same
way, never answered unlogged; one that is answered shows only what was committed, and a
checkpoint handed out then is one the log keeps. When space returns (the test deletes its
file) the daemon writes again by itself, without a restart. After a clean stop it starts with
`--verify full`; every acknowledged observation is there with its text, nothing refused is, and
every acknowledged audit number is provable, from a log that extends the checkpoint of the full
disk."""
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import svaudit as A  # noqa: E402
from svnote import Identity  # noqa: E402
from svtest import Client, check  # noqa: E402
from test_notes import connect, make_daemon  # noqa: E402

FS_SIZE = 16 << 20   # the file system
LEFT_FREE = 1 << 20  # what the test's own file leaves for the daemon
AREA = "Vollsmose"


def text_of(n):
    """An observation's text: about 3 KB, unique, plain area-level words."""
    return ("Observation %d fra beboerhuset: " % n) + "mange unge samles om aftenen ved p-kælderen, " * 60


def mount_small_fs(path):
    """Mount the small file system on path; a machine that lets no one mount (not root, or a
    container without the capability) skips the test (exit 77, which ctest reports)."""
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%d,mode=0700" % FS_SIZE, "tmpfs",
                        path], capture_output=True, text=True)
    if r.returncode != 0:
        print("SKIPPED: cannot mount a tmpfs on %s (%s): this test needs root with the right to "
              "mount, as make test has on a Debian machine" % (path, r.stderr.strip()))
        return False
    return True


def main():
    coord, auditor = Identity("Koordinator"), Identity("Revisor")
    d = make_daemon([(coord, "coordinator"), (auditor, "auditor")], start=False)
    mounted = False
    try:
        # The daemon's directory becomes the small file system, its files copied onto it.
        orig = d.dir + ".orig"
        os.rename(d.dir, orig)
        os.mkdir(d.dir, 0o700)
        mounted = mount_small_fs(d.dir)
        if not mounted:
            sys.exit(77)
        shutil.copytree(orig, d.dir, dirs_exist_ok=True)
        st = os.statvfs(d.dir)
        free = st.f_bavail * st.f_frsize
        filler = os.path.join(d.dir, "filler")
        with open(filler, "wb") as f:
            f.write(b"\0" * (free - LEFT_FREE))
        d.start()
        c, au = connect(d, coord), connect(d, auditor)
        check(c.call("area.add", name=AREA)["ok"], "area.add")

        # Fill the rest with writes until they are refused.
        acked, refused, n = {}, [], 0
        while len(refused) < 10:
            check(n < 5000, "5000 writes of 3 KB and the disk is not full")
            r = c.call("observation.add", area=AREA, kind="challenge", category="tryghed",
                       level="area", text=text_of(n))
            if r["ok"]:
                acked[r["result"]["id"]] = (text_of(n), r["audit"])
            else:
                check(r["error"]["code"] == "unavailable",
                      "a write on a full disk is refused unavailable, not %r" % r)
                refused.append(text_of(n))
            n += 1
        check(len(acked) > 20, "the disk filled only after %d writes" % len(acked))

        # Full: the daemon answers; a read is either logged and answered from what was
        # committed, or refused unavailable like a write.
        r = c.call("ping")
        check(r["ok"] or r["error"]["code"] == "unavailable", "a member's ping on a full disk: %r" % r)
        reads = {"ping": r["ok"] or r["error"]["code"]}
        r = Client(d.port, d.server_key).call("ping")
        check(r["ok"] or r["error"]["code"] == "unavailable", "a new key's ping on a full disk: %r" % r)
        reads["ping (new key)"] = r["ok"] or r["error"]["code"]
        r = c.call("observation.list", area=AREA)
        reads["observation.list"] = r["ok"] or r["error"]["code"]
        if r["ok"]:
            listed = {o["id"] for o in r["result"]["observations"]}
            check(listed == set(acked), "a full disk lists the %d acknowledged writes, not %d" %
                  (len(acked), len(listed)))
        else:
            check(r["error"]["code"] == "unavailable", "a read on a full disk: %r" % r)
        full_cp = None
        r = au.call("audit.checkpoint")
        reads["audit.checkpoint"] = r["ok"] or r["error"]["code"]
        if r["ok"]:
            _, size, root = A.open_checkpoint(r["result"]["checkpoint"], d.log_key)
            full_cp = (size, root)
        else:
            check(r["error"]["code"] == "unavailable", "a checkpoint on a full disk: %r" % r)

        # Space returns: the daemon writes again by itself.
        last_cp = au.call("audit.checkpoint")  # the latest one signed before space returned
        if last_cp["ok"]:
            full_cp = full_cp or A.open_checkpoint(last_cp["result"]["checkpoint"], d.log_key)[1:]
        os.unlink(filler)
        t0, r = time.time(), None
        while time.time() - t0 < 30:
            r = c.call("observation.add", area=AREA, kind="resource", category="fritid",
                       level="area", text=text_of(n))
            if r["ok"]:
                break
            check(r["error"]["code"] == "unavailable", "while recovering: %r" % r)
            time.sleep(0.2)
        check(r is not None and r["ok"], "no write succeeded within 30 s of space returning: %r" % r)
        recovered_s = time.time() - t0
        acked[r["result"]["id"]] = (text_of(n), r["audit"])
        n += 1
        for _ in range(5):
            r = c.call("observation.add", area=AREA, kind="resource", category="fritid",
                       level="area", text=text_of(n))
            check(r["ok"], "a write after recovery: %r" % r)
            acked[r["result"]["id"]] = (text_of(n), r["audit"])
            n += 1
        c.close()
        au.close()
        check(d.stop() == 0, "the daemon stops cleanly after the full disk")

        # Restarted with the full check: everything acknowledged, nothing refused, all provable.
        d.start(["--verify", "full"])
        c, au = connect(d, coord), connect(d, auditor)
        r = c.call("observation.list", area=AREA)
        check(r["ok"], "observation.list after the restart: %r" % r)
        got = {o["id"]: o["text"] for o in r["result"]["observations"]}
        check(set(got) == set(acked), "after the restart %d observations, %d acknowledged" %
              (len(got), len(acked)))
        for oid, (text, _) in acked.items():
            check(got[oid] == text, "observation %d came back changed" % oid)
        check(not set(refused) & set(got.values()), "a refused write was carried out")
        r = au.call("audit.checkpoint")
        _, size, root = A.open_checkpoint(r["result"]["checkpoint"], d.log_key)
        if full_cp is not None:
            r = au.call("audit.consistency", old_size=full_cp[0], size=size)
            check(r["ok"] and A.verify_consistency(full_cp[0], size, r["result"]["proof"],
                                                   full_cp[1], root),
                  "the log does not extend the checkpoint handed out on the full disk: %r" % r)
        for oid, (_, seq) in acked.items():
            r = au.call("audit.inclusion", seq=seq, size=size)
            check(r["ok"] and A.verify_inclusion(seq, size, A.leaf_hash(r["result"]["entry"]),
                                                 r["result"]["proof"], root),
                  "acknowledged audit number %d is not provable: %r" % (seq, r))
        c.close()
        au.close()
        check(d.stop() == 0, "the restarted daemon stops cleanly")
        log = d.read_log()
        check("disk is full" in log, "the daemon's log says the disk was full")
        check("AddressSanitizer" not in log and "runtime error" not in log, "sanitizers:\n" + log)
        print("ok: full disk after %d writes, %d refused unavailable, reads on the full disk %r, "
              "writing again %.1f s after space returned, %d acknowledged writes and their audit "
              "numbers kept (--verify full)" % (len(acked) - 6, len(refused), reads, recovered_s,
                                                 len(acked)))
    finally:
        if d.proc is not None and d.alive():
            d.kill9()
        if mounted:
            subprocess.run(["umount", "-l", d.dir], check=False)
        d.cleanup()


if __name__ == "__main__":
    main()

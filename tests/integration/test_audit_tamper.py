"""test_audit_tamper.py -- edits to a stopped daemon's SQLite file make `samvirked run` refuse to
serve and say what does not match: a changed byte in an entry, a deleted entry, two swapped
entries, a truncated tail, an edited stored subtree hash, an edited checkpoint. Each case is
checked in full and in quick start-up mode."""
import os
import shutil
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(__file__))
from svaudit import subtree_pos  # noqa: E402
from svtest import STRANGERS_UNLIMITED, Client, Daemon, check  # noqa: E402

N = 70  # entries before tampering


def flip_time(conn, seq):
    """Change the last byte of the entry's time (a uint64, still canonical msgpack)."""
    (blob,) = conn.execute("SELECT entry FROM audit_entries WHERE seq = ?", (seq,)).fetchone()
    b = bytearray(blob)
    i = b.index(b"\xa4time") + 5
    check(b[i] == 0xcf, "time is a uint64")
    b[i + 8] ^= 0x01
    conn.execute("UPDATE audit_entries SET entry = ? WHERE seq = ?", (bytes(b), seq))


def swap(conn, a, b):
    ea = conn.execute("SELECT entry FROM audit_entries WHERE seq = ?", (a,)).fetchone()[0]
    eb = conn.execute("SELECT entry FROM audit_entries WHERE seq = ?", (b,)).fetchone()[0]
    conn.execute("UPDATE audit_entries SET entry = ? WHERE seq = ?", (eb, a))
    conn.execute("UPDATE audit_entries SET entry = ? WHERE seq = ?", (ea, b))


def edit_node(conn):
    """Zero the stored hash of the subtree (2, 3), entries 12..15."""
    cur = conn.execute("UPDATE audit_subtrees SET hash = zeroblob(32) WHERE pos = ?",
                       (subtree_pos(2, 3),))
    check(cur.rowcount == 1, "the subtree (2, 3) is stored")


def edit_checkpoint(conn):
    (size, note) = conn.execute(
        "SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1").fetchone()
    lines = note.split("\n")
    lines[2] = ("A" if lines[2][0] != "A" else "B") + lines[2][1:]
    conn.execute("UPDATE checkpoints SET note = ? WHERE size = ?", ("\n".join(lines), size))


CASES = [
    ("changed byte", lambda c: flip_time(c, 13), ["13", "edited"]),
    ("changed last entry", lambda c: flip_time(c, N - 1), ["68..69", "edited"]),
    ("deleted entry", lambda c: c.execute("DELETE FROM audit_entries WHERE seq = 21"),
     ["entry 21 is missing"]),
    ("swapped entries", lambda c: swap(c, 30, 31), ["row 30 holds audit entry 31"]),
    ("truncated tail", lambda c: c.execute("DELETE FROM audit_entries WHERE seq >= ?", (N - 5,)),
     ["truncated", "%d..%d" % (N - 5, N - 1)]),
    ("edited subtree hash", edit_node, ["12..15", "stored"]),
    ("edited checkpoint", edit_checkpoint, ["not signed"]),
]


def main():
    d = Daemon(conf=STRANGERS_UNLIMITED)
    try:
        d.start()
        c = Client(d.port, d.server_key)
        for _ in range(N):
            c.call("ping")
        c.close()
        check(d.stop() == 0, "clean stop")
        db = os.path.join(d.dir, "samvirke.db")
        pristine = os.path.join(d.tmp, "pristine.db")
        shutil.copy(db, pristine)
        conn = sqlite3.connect(db)
        n = conn.execute("SELECT count(*) FROM audit_entries").fetchone()[0]
        conn.close()  # no connection may stay open while the files are replaced below
        check(n == N, "log holds %d entries" % n)
        for mode in ("full", "quick"):
            for name, tamper, words in CASES:
                shutil.copy(pristine, db)
                for ext in ("-wal", "-shm"):
                    if os.path.exists(db + ext):
                        os.remove(db + ext)
                conn = sqlite3.connect(db)
                tamper(conn)
                conn.commit()
                conn.close()
                before = len(d.read_log())
                rc = d.start(["--verify", mode], expect_fail=True)
                msg = d.read_log()[before:]
                check(rc != 0, "%s (%s): samvirked run refused (rc %d)" % (name, mode, rc))
                for w in words:
                    check(w in msg, "%s (%s): message names %r:\n%s" % (name, mode, w, msg))
                print("%-20s %-5s refused: %s" % (name, mode, msg.strip().splitlines()[-1][:150]))
        shutil.copy(pristine, db)
        d.start()
        check(d.stop() == 0, "the untouched copy still serves")
    finally:
        d.cleanup()


if __name__ == "__main__":
    main()

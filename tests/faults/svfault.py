"""svfault.py -- the test side of samvirked_faults: its control block (the word layout of
tests/faults/faultctl.h), the power-cut restore (the shadow format of tests/faults/powercut.c),
and its log of signed checkpoints."""
import mmap
import os
import random
import shutil
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import svtest  # noqa: E402

SAMVIRKED_FAULTS = os.environ.get("SAMVIRKED_FAULTS", "samvirked_faults")

KINDS = {"read": 0, "write": 1, "sync": 2, "trunc": 3, "malloc": 4, "sqlmalloc": 5}
FK_NONE = 15
FE_SHORT = 1000
ERRORS = {"ENOSPC": 28, "EIO": 5, "short": FE_SHORT}

MAGIC, CALLS, ARM_KIND, ARM_AT, ARM_COUNT, ARM_ERR = 0, 8, 32, 33, 34, 35
FIRED, CRASH_KIND, CRASH_AT, CRASH_AFTER = 40, 48, 49, 50
WORDS = 64
MAGIC_VALUE = 0x3130544c46565353
FOREVER = 2 ** 64 - 1


class FaultCtl:
    """The control block file shared with a samvirked_faults process (SVFAULT_CTL)."""

    def __init__(self, path):
        self.path = path
        with open(path, "wb") as f:
            f.write(b"\0" * (WORDS * 8))
        self.f = open(path, "r+b")
        self.m = mmap.mmap(self.f.fileno(), WORDS * 8)
        self.set(ARM_KIND, FK_NONE)
        self.set(CRASH_KIND, FK_NONE)
        self.set(MAGIC, MAGIC_VALUE)

    def get(self, i):
        return struct.unpack_from("<Q", self.m, i * 8)[0]

    def set(self, i, v):
        struct.pack_into("<Q", self.m, i * 8, v)

    def calls(self, kind):
        return self.get(CALLS + KINDS[kind])

    def fired(self, kind):
        return self.get(FIRED + KINDS[kind])

    def arm(self, kind, at, count=1, err="EIO"):
        """Fail calls number at .. at+count-1 of kind (numbers count from the block's start)."""
        self.set(ARM_KIND, FK_NONE)
        self.set(ARM_AT, at)
        self.set(ARM_COUNT, count)
        self.set(ARM_ERR, ERRORS[err] if isinstance(err, str) else err)
        self.set(ARM_KIND, KINDS[kind])

    def arm_next(self, kind, count=FOREVER, err="EIO"):
        """Fail the next count calls of kind from now on."""
        self.arm(kind, self.calls(kind) + 1, count, err)

    def disarm(self):
        self.set(ARM_KIND, FK_NONE)

    def crash_at(self, kind, at, after=False):
        """SIGKILL the process at call number at of kind (before it runs, or right after)."""
        self.set(CRASH_KIND, FK_NONE)
        self.set(CRASH_AT, at)
        self.set(CRASH_AFTER, 1 if after else 0)
        self.set(CRASH_KIND, KINDS[kind])

    def reset(self):
        """Zero the counters and disarm everything (between runs; no process attached)."""
        for i in range(WORDS):
            self.set(i, 0)
        self.set(ARM_KIND, FK_NONE)
        self.set(CRASH_KIND, FK_NONE)
        self.set(MAGIC, MAGIC_VALUE)

    def close(self):
        self.m.close()
        self.f.close()


def use_faults(d, ctl=None, powercut=None, signlog=None):
    """Make Daemon d start samvirked_faults with this control block, power-cut shadow
    directory and signing log (each optional)."""
    d.binary = SAMVIRKED_FAULTS
    env = dict(os.environ)
    for name, value in (("SVFAULT_CTL", ctl.path if ctl else None),
                        ("SVFAULT_POWERCUT", powercut), ("SVFAULT_SIGNLOG", signlog)):
        if value:
            env[name] = value
        else:
            env.pop(name, None)
    d.env = env


def use_release(d):
    """Make Daemon d start the ordinary samvirked again."""
    d.binary = svtest.SAMVIRKED
    d.env = None


def signed_checkpoints(path):
    """(size, root bytes) of every note listed in a signing log."""
    import base64
    out = []
    if not os.path.exists(path):
        return out
    for line in open(path):
        word, size, root = line.split()
        assert word == "signed"
        out.append((int(size), base64.b64decode(root)))
    return out


PC_MAGIC, PC_WRITE, PC_TRUNC, PC_SYNC = 0x43524350, 1, 2, 3


def _records(data):
    """Parse a pending-writes file; a torn last record (the process died writing it) ends it."""
    out, o = [], 0
    while o + 24 <= len(data):
        magic, typ, off, n = struct.unpack_from("<IIQQ", data, o)
        if magic != PC_MAGIC or o + 24 + n > len(data):
            break
        out.append((typ, off, data[o + 24:o + 24 + n]))
        o += 24 + n
    return out


def _apply(buf, rec):
    typ, off, data = rec
    if typ == PC_WRITE:
        if len(buf) < off:
            buf.extend(b"\0" * (off - len(buf)))
        buf[off:off + len(data)] = data
    elif typ == PC_TRUNC:
        del buf[off:]
        if len(buf) < off:
            buf.extend(b"\0" * (off - len(buf)))


def powercut_restore(shadow, target_dir, keep=0.0, rng=None):
    """Replace the files of target_dir with what a disk holds after a power cut: each file's
    durable copy with the synced part of its pending writes. keep > 0 also writes back each
    unsynced write with that probability (a disk may write back any of them). Removes the
    WAL index (-shm, rebuilt by SQLite) and the shadow directory. Returns
    {file: (synced records applied, unsynced records kept, unsynced records dropped)}."""
    rng = rng or random.Random(0)
    report = {}
    names = sorted(n[:-len(".durable")] for n in os.listdir(shadow) if n.endswith(".durable"))
    for name in names:
        buf = bytearray(open(os.path.join(shadow, name + ".durable"), "rb").read())
        pending_path = os.path.join(shadow, name + ".pending")
        recs = _records(open(pending_path, "rb").read()) if os.path.exists(pending_path) else []
        last_sync = max((i for i, r in enumerate(recs) if r[0] == PC_SYNC), default=-1)
        kept = dropped = 0
        for i, r in enumerate(recs):
            if r[0] == PC_SYNC:
                continue
            if i < last_sync or (keep > 0 and rng.random() < keep):
                _apply(buf, r)
                kept += i > last_sync
            else:
                dropped += 1
        with open(os.path.join(target_dir, name), "wb") as f:
            f.write(buf)
        synced = sum(1 for r in recs[:max(last_sync, 0)] if r[0] != PC_SYNC)
        report[name] = (synced, kept, dropped)
    for n in os.listdir(target_dir):
        if n.endswith("-shm"):
            os.remove(os.path.join(target_dir, n))
    shutil.rmtree(shadow, ignore_errors=True)
    return report

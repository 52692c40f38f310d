"""bench_quota.py -- the note storage quotas with many notes waiting: what a note.send's quota
check costs when one recipient is away and N notes (1,200 bytes each) wait for them, read as the
daemon reads it (two rows kept by triggers, schema version 4) and as it was read before (a sum
over every waiting note, in all and for the recipient).

usage: SAMVIRKED=... bench_quota.py [N]   (default 100000; prints one line)"""
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
tmp = tempfile.mkdtemp(prefix="svquota.")
try:
    subprocess.run([os.environ["SAMVIRKED"], "init", tmp + "/d"], check=True,
                   stdout=subprocess.DEVNULL)
    con = sqlite3.connect(tmp + "/d/samvirke.db")
    con.execute("INSERT INTO members(id, name, role, card, card_hash, keyid, noise_pk, enc_pk,"
                " fingerprint, enrolled, revoked) VALUES(1000, 'Away', 'ssp', x'00', x'00', 'k',"
                " x'01', x'00', '', 0, 0)")
    with con:
        for i in range(N):
            nid = i.to_bytes(16, "big")
            con.execute("INSERT INTO notes VALUES(?, 1, 'k', 'individual', '', '',"
                        " zeroblob(1200), 1200, 0, 9999999999, 0)", (nid,))
            con.execute("INSERT INTO note_recipients(note, member) VALUES(?, 1000)", (nid,))

    def per_call_ms(sql, args, n):
        t = time.perf_counter()
        for _ in range(n):
            con.execute(sql, args).fetchone()
        return (time.perf_counter() - t) / n * 1e3

    now = (per_call_ms("SELECT bytes FROM notes_held", (), 2000) +
           per_call_ms("SELECT COALESCE((SELECT bytes FROM note_waiting WHERE member = ?), 0)",
                       (1000,), 2000))
    before = (per_call_ms("SELECT COALESCE(SUM(size), 0) FROM notes", (), 10) +
              per_call_ms("SELECT COALESCE(SUM(n.size), 0) FROM note_recipients r JOIN notes n"
                          " ON n.id = r.note WHERE r.member = ? AND r.acked = 0", (1000,), 10))
    held = con.execute("SELECT bytes FROM notes_held").fetchone()[0]
    if held != 1200 * N:
        sys.exit("bench_quota: notes_held says %d bytes, the notes hold %d" % (held, 1200 * N))
    print("note quota check with %d notes waiting for one recipient: %.4f ms now, %.2f ms as a "
          "sum over the waiting notes (%.0fx)" % (N, now, before, before / now))
finally:
    shutil.rmtree(tmp)

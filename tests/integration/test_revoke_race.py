"""test_revoke_race.py -- a member revoked while its own requests are still queued for storage:
no request of that member is carried out (or logged as permitted) after the revocation's audit
entry -- ping and whoami, which change nothing, as little as invites -- and no invite it asked
for after that point exists."""
import os
import sqlite3
import struct
import sys
import tempfile
import threading

import msgpack

sys.path.insert(0, os.path.dirname(__file__))
from svtest import Daemon, check  # noqa: E402
from svmember import Identity, audit_entries  # noqa: E402

FLOOD = 3000


def main():
    tmp = tempfile.mkdtemp(prefix="svrevoke.")
    coord = Identity("Conni Coordinator")
    bob = Identity("Bob Coordinator")
    d = Daemon(admin_card=coord.write_card(os.path.join(tmp, "coord.card")),
               conf={"max_inflight": 64, "batch_max": 32})
    try:
        d.start()
        co = coord.connect(d)
        bc, r = bob.enrol(d, co, "coordinator")
        check(bc is not None and r["ok"], "invite and enrol: %r" % r)

        # Bob pipelines invites, pings and whoamis without waiting; Conni revokes him meanwhile.
        frames = []
        for i in range(FLOOD):
            if i % 3 == 0:
                req = {"id": 1000 + i, "op": "member.invite", "name": "Flood %d" % i,
                       "role": "partner"}
            else:
                req = {"id": 1000 + i, "op": "ping" if i % 3 == 1 else "whoami"}
            req = msgpack.packb(req)
            frames.append(struct.pack(">I", len(req)) + req)

        def flood():
            try:
                for i in range(0, FLOOD, 50):
                    bc.send_stream(b"".join(frames[i:i + 50]))
            except OSError:
                pass  # cut off by the revocation

        t = threading.Thread(target=flood)
        t.start()
        # Wait until some of Bob's invites are done, then revoke.
        bc.response(1000)
        r = co.call("member.revoke", who=bob.name)
        check(r["ok"], "revoke: %r" % r)
        revoke_seq = r["audit"]
        t.join()
        check(bc.closed(10), "the revoked member's connection is closed")
        rc = d.stop()
        check(rc == 0, "exit code %d" % rc)

        entries = audit_entries(d.dir)
        check(entries[revoke_seq]["op"] == "member.revoke", "revoke entry at %d" % revoke_seq)
        everything = [e for e in entries if e["actor"] == bob.keyid]
        late = [e for e in everything if e["seq"] > revoke_seq and
                (e["decision"] == "permit" or e["outcome"] == "ok")]
        check(not late, "%d of Bob's requests permitted after his revocation (entry %d), e.g. %r"
              % (len(late), revoke_seq, late[:1]))
        after = [e for e in everything if e["seq"] > revoke_seq]
        check(all(e["outcome"] == "not_enrolled" for e in after),
              "after the revocation Bob's requests are refused as not enrolled: %r" %
              sorted({e["outcome"] for e in after}))
        sessions = [e for e in after if e["op"] in ("ping", "whoami")]
        check(sessions, "pings and whoamis were queued behind the revocation (the race ran)")
        mine = [e for e in everything if e["op"] == "member.invite"]
        check(mine, "Bob's invites are in the log")
        db = sqlite3.connect(os.path.join(d.dir, "samvirke.db"))
        bob_id = db.execute("SELECT id FROM members WHERE name = ?", (bob.name,)).fetchone()[0]
        n_inv = db.execute("SELECT count(*) FROM invites WHERE created_by = ?",
                           (bob_id,)).fetchone()[0]
        db.close()
        before = [e for e in mine if e["seq"] < revoke_seq and e["decision"] == "permit"]
        check(n_inv <= len(before), "%d invites by Bob stored, only %d permitted before his "
              "revocation" % (n_inv, len(before)))
        print("revoke race: %d of Bob's invites before the revocation, %d after, none carried "
              "out; %d pings and whoamis queued behind it, all refused"
              % (len(before), len(mine) - len(before), len(sessions)))
    finally:
        d.cleanup()


if __name__ == "__main__":
    main()

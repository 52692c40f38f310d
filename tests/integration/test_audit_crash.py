"""test_audit_crash.py -- kill -9 while several clients pipeline requests, then restart: the log
verifies in full, and every response any client received names an entry that exists (its
inclusion proof verifies against the new signed checkpoint, and the entry is that client's)."""
import os
import shutil
import sys
import threading
import time

import msgpack

sys.path.insert(0, os.path.dirname(__file__))
import svaudit as A  # noqa: E402
from svtest import (STRANGERS_UNLIMITED, Client, Daemon, ProtocolError, check,  # noqa: E402
                    new_members)

CLIENTS = 4
PIPELINE = 32


def load(port, key, received, stop):
    """Pipeline pings until the connection dies; record (audit seq, our key id)."""
    try:
        c = Client(port, key)
        while not stop.is_set():
            ids = []
            for _ in range(PIPELINE):
                req = {"id": c.next_id, "op": "ping"}
                ids.append(c.next_id)
                c.next_id += 1
                c.send_frame(msgpack.packb(req))
            for rid in ids:
                r = c.response(rid)
                if "audit" in r:
                    received.append(r["audit"])
    except (ProtocolError, OSError, ValueError, Exception):  # the daemon dies under us
        pass


def main():
    cards, (kp,), members = new_members([("Aud Itor", "auditor")])
    d = Daemon(members=members, conf=STRANGERS_UNLIMITED)
    try:
        d.start()
        stop = threading.Event()
        got = [[] for _ in range(CLIENTS)]
        threads = [threading.Thread(target=load, args=(d.port, d.server_key, got[i], stop))
                   for i in range(CLIENTS)]
        for t in threads:
            t.start()
        time.sleep(1.5)
        d.kill9()
        stop.set()
        for t in threads:
            t.join(timeout=20)
        total = sum(len(g) for g in got)
        check(total > 100, "clients received responses before the crash (%d)" % total)
        rc = d.start(["--verify", "full"])
        check(rc == 0, "restart after kill -9 with full verification")
        aud = Client(d.port, d.server_key, keypair=kp)
        r = aud.call("audit.checkpoint")
        _, size, root = A.open_checkpoint(r["result"]["checkpoint"], d.log_key)
        seqs = sorted(s for g in got for s in g)
        check(len(set(seqs)) == len(seqs), "no audit number was given twice")
        check(seqs[-1] < size, "highest received audit number %d < size %d" % (seqs[-1], size))
        entries = A.fetch_all(aud, size)
        check(A.root([A.leaf_hash(e) for e in entries]) == root, "the whole log verifies")
        for s in seqs:
            e = A.decode_entry(entries[s])
            check(e["seq"] == s and e["op"] == "ping", "entry %d is a ping: %r" % (s, e))
        # Inclusion proofs for a sample, the last one received included.
        step = max(1, len(seqs) // 200)
        for s in seqs[::step] + [seqs[-1]]:
            r = aud.call("audit.inclusion", seq=s, size=size)
            res = r["result"]
            check(A.verify_inclusion(s, size, A.leaf_hash(res["entry"]), res["proof"], root),
                  "inclusion of %d" % s)
        aud.close()
        check(d.stop() == 0, "clean stop")
        print("crash: %d responses received before kill -9; all %d entries verify after restart"
              % (len(seqs), size))
    finally:
        d.cleanup()
        shutil.rmtree(cards, ignore_errors=True)


if __name__ == "__main__":
    main()

"""test_area_kill9.py -- durability: kill -9 the daemon again and again (50 times by default,
SAMVIRKE_KILL9_ROUNDS to change) at random moments while clients write observations with
pipelined requests. After every restart (whose start-up check re-verifies the audit log
against the last signed checkpoint) every write a client saw acknowledged must be there, with
its audit entry; at the end `samvirked run --verify full` must accept the log."""
import os
import random
import sqlite3
import sys
import threading
import time

import msgpack

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import svaudit as A  # noqa: E402
from areatest import Team  # noqa: E402
from svtest import check  # noqa: E402

ROUNDS = int(os.environ.get("SAMVIRKE_KILL9_ROUNDS", "50"))
WORKERS = 4
PIPELINE = 8
rng = random.Random(int(os.environ.get("SAMVIRKE_KILL9_SEED", str(int(time.time())))))

team = Team([("anna", "coordinator"), ("pia", "partner")])
d = team.daemon
db_path = os.path.join(d.dir, "samvirke.db")
acked = {}  # observation id -> (text, audit seq)
acked_lock = threading.Lock()
stats = {"sent": 0, "acked": 0}
errors = []  # responses that refused a write (there must be none)


def worker(who, rnd, k, stop):
    """Write observations with PIPELINE requests in flight until the daemon goes away."""
    try:
        c = team.wire(who)
    except Exception:
        return
    n = 0
    try:
        while not stop.is_set():
            batch = []
            for _ in range(PIPELINE):
                text = "last r%d w%d n%d" % (rnd, k, n)
                n += 1
                rid = c.next_id
                c.next_id += 1
                c.send_frame(msgpack.packb({"id": rid, "op": "observation.add", "area": "Gellerup",
                                            "kind": "challenge" if n % 2 else "resource",
                                            "category": "belastning", "level": "area",
                                            "text": text, "lat": 56.15, "lon": 10.13},
                                           use_bin_type=True))
                batch.append((rid, text))
            with acked_lock:
                stats["sent"] += len(batch)
            for rid, text in batch:
                r = c.response(rid)
                if not r.get("ok"):
                    errors.append(r)
                    return
                with acked_lock:
                    acked[r["result"]["id"]] = (text, r["audit"])
                    stats["acked"] += 1
    except Exception:
        pass  # the daemon was killed: writes not yet answered are simply not acknowledged
    finally:
        try:
            c.close()
        except Exception:
            pass


def verify_all(label, full=False):
    """Every acknowledged write is in the database. Its audit entry is checked for the writes
    acknowledged since the last check and a random sample of older ones (every one when full);
    the daemon's start-up check has already verified the whole log against its checkpoint."""
    con = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True, timeout=10)
    try:
        rows = dict(con.execute("SELECT id, text FROM observations").fetchall())
        with acked_lock:
            items = list(acked.items())
        for oid, (text, seq) in items:
            check(rows.get(oid) == text, "%s: acknowledged observation %d (%r) is missing or "
                  "changed: %r" % (label, oid, text, rows.get(oid)))
        fresh = [it for it in items if it[0] not in checked]
        old = [it for it in items if it[0] in checked]
        sample = fresh + (old if full else rng.sample(old, min(len(old), 200)))
        for oid, (text, seq) in sample:
            row = con.execute("SELECT entry FROM audit_entries WHERE seq = ?", (seq,)).fetchone()
            check(row is not None, "%s: audit entry %d of observation %d is missing" %
                  (label, seq, oid))
            e = A.decode_entry(row[0])
            check(e["seq"] == seq and e["op"] == "observation.add" and
                  e["object"] == "observation:%d" % oid and e["decision"] == "permit",
                  "%s: audit entry %d does not record observation %d: %r" % (label, seq, oid, e))
            checked.add(oid)
        n, hi = con.execute("SELECT count(*), max(seq) FROM audit_entries").fetchone()
        check(n == hi + 1, "audit sequence numbers are dense")
    finally:
        con.close()


checked = set()
try:
    d.start()
    c = team.wire("anna")
    check(c.call("area.add", name="Gellerup")["ok"], "area.add")
    c.close()
    t0 = time.time()
    t_start = t_verify = 0.0
    for rnd in range(ROUNDS):
        if rnd > 0:
            t1 = time.time()
            d.start()  # fails the test if the start-up check refuses the log
            t_start += time.time() - t1
            t1 = time.time()
            verify_all("after restart %d" % rnd)
            t_verify += time.time() - t1
        stop = threading.Event()
        threads = [threading.Thread(target=worker, args=("anna" if k % 2 else "pia", rnd, k, stop))
                   for k in range(WORKERS)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.02, 0.4))
        d.kill9()
        stop.set()
        for t in threads:
            t.join(timeout=30)
            check(not t.is_alive(), "a worker hung after the kill")
        check(not errors, "writes refused: %r" % errors[:3])
    d.start(extra=["--verify", "full"])
    verify_all("after the last restart (--verify full)", full=True)
    c = team.wire("pia")
    r = c.call("observation.list", area="Gellerup")
    check(r["ok"], repr(r))
    listed = {o["id"] for o in r["result"]["observations"]}
    check(set(acked) <= listed or r["result"]["truncated"], "every acknowledged write is listed")
    c.close()
    rc = d.stop()
    check(rc == 0, "exit status %d after SIGTERM" % rc)
    check(len(acked) > ROUNDS, "the load wrote something (%d acknowledged)" % len(acked))
    print("kill9: %d kills in %.1f s (restarts %.1f s, checks %.1f s); %d writes sent, %d "
          "acknowledged, all present; log verifies" % (ROUNDS, time.time() - t0, t_start,
                                                       t_verify, stats["sent"], len(acked)))
finally:
    team.cleanup()

"""test_tracks_kill9.py -- links and statuses survive a restart and kill -9: clients add links
and move interventions through their statuses with pipelined requests while the daemon is
killed with SIGKILL again and again (12 times by default, SAMVIRKE_KILL9_ROUNDS to change).
After every restart every link a client saw acknowledged is there with its ends and its audit
entry, and every intervention's status is the last one acknowledged or one sent after it; a
clean SIGTERM restart keeps them too, and `samvirked run --verify full` accepts the log."""
import os
import random
import sqlite3
import sys
import threading
import time

import msgpack

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from areatest import Team  # noqa: E402
from svtest import check  # noqa: E402

ROUNDS = int(os.environ.get("SAMVIRKE_KILL9_ROUNDS", "12"))
PIPELINE = 8
N_OBS = 40  # resources and as many challenges
N_IV = 8    # interventions per worker
STATUSES = ["running", "done", "evaluated", "planned"]
rng = random.Random(int(os.environ.get("SAMVIRKE_KILL9_SEED", str(int(time.time())))))

team = Team([("anna", "coordinator"), ("sune", "ssp")])
d = team.daemon
db_path = os.path.join(d.dir, "samvirke.db")
lock = threading.Lock()
acked_links = {}   # link id -> (resource, challenge, audit seq)
iv_state = {}      # intervention id -> {"acked": status or None, "sent": [statuses after it]}
refused = []
pairs = {}         # worker -> iterator of (resource, challenge) pairs not yet linked


def worker(who, k, stop):
    try:
        c = team.wire(who)
    except Exception:
        return
    mine = [iv for iv in sorted(iv_state) if iv % 2 == k]
    try:
        while not stop.is_set():
            batch = []
            for _ in range(PIPELINE):
                rid = c.next_id
                c.next_id += 1
                if rng.random() < 0.5:
                    pair = next(pairs[k], None)
                    if pair is None:
                        continue
                    req = {"id": rid, "op": "link.add", "resource": pair[0], "challenge": pair[1]}
                    batch.append((rid, "link", pair))
                else:
                    iv = rng.choice(mine)
                    if any(b[1] == "iv" and b[2][0] == iv for b in batch):
                        continue  # one change of an intervention in flight at a time
                    with lock:
                        cur = iv_state[iv]["sent"][-1] if iv_state[iv]["sent"] else iv_state[iv]["acked"]
                    new = STATUSES[(STATUSES.index(cur) + 1) % 4] if cur else "running"
                    with lock:
                        iv_state[iv]["sent"].append(new)
                    req = {"id": rid, "op": "intervention.update", "intervention": iv,
                           "status": new}
                    batch.append((rid, "iv", (iv, new)))
                c.send_frame(msgpack.packb(req, use_bin_type=True))
            if not batch:
                return
            for rid, kind, what in batch:
                r = c.response(rid)
                if not r.get("ok"):
                    refused.append(r)
                    return
                with lock:
                    if kind == "link":
                        acked_links[r["result"]["id"]] = (what[0], what[1], r["audit"])
                    else:
                        iv, new = what
                        st = iv_state[iv]
                        i = st["sent"].index(new)
                        st["acked"] = new
                        st["sent"] = st["sent"][i + 1:]
    except Exception:
        pass  # killed: what was not answered is simply not acknowledged
    finally:
        try:
            c.close()
        except Exception:
            pass


def verify(label):
    con = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True, timeout=10)
    try:
        links = {i: (r, c) for i, r, c in con.execute("SELECT id, resource, challenge FROM links")}
        with lock:
            items = list(acked_links.items())
            ivs = {k: (v["acked"], list(v["sent"])) for k, v in iv_state.items()}
        for lid, (r, c, seq) in items:
            check(links.get(lid) == (r, c), "%s: acknowledged link %d (%d -> %d) is %r" %
                  (label, lid, r, c, links.get(lid)))
            e = con.execute("SELECT entry FROM audit_entries WHERE seq = ?", (seq,)).fetchone()
            check(e is not None, "%s: audit entry %d of link %d is missing" % (label, seq, lid))
            e = msgpack.unpackb(e[0], raw=False)
            check(e["op"] == "link.add" and e["object"] == "link:%d" % lid, "%s: %r" % (label, e))
        status = dict(con.execute("SELECT id, status FROM interventions"))
        for iv, (acked, sent) in ivs.items():
            allowed = {acked or "planned"} | set(sent)
            check(status[iv] in allowed, "%s: intervention %d is %s, acknowledged %s, sent after "
                  "it %r" % (label, iv, status[iv], acked, sent))
    finally:
        con.close()


try:
    d.start()
    c = team.wire("anna")
    check(c.call("area.add", name="Gellerup")["ok"], "area.add")
    res, chs = [], []
    for i in range(N_OBS):
        for kind, into in (("resource", res), ("challenge", chs)):
            r = c.call("observation.add", area="Gellerup", kind=kind, category="c", level="area",
                       text="%s %d" % (kind, i))
            into.append(r["result"]["id"])
    for i in range(2 * N_IV):
        r = c.call("intervention.add", area="Gellerup", level="area", step="act", text="iv %d" % i)
        iv_state[r["result"]["id"]] = {"acked": None, "sent": []}
    c.close()
    all_pairs = [(r, ch) for r in res for ch in chs]
    rng.shuffle(all_pairs)
    pairs = {0: iter(all_pairs[0::2]), 1: iter(all_pairs[1::2])}
    for rnd in range(ROUNDS):
        if rnd > 0:
            d.start()
            verify("after restart %d" % rnd)
        stop = threading.Event()
        threads = [threading.Thread(target=worker, args=(w, k, stop))
                   for k, w in enumerate(("anna", "sune"))]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(0.05, 0.5))
        d.kill9()
        stop.set()
        for t in threads:
            t.join(timeout=30)
            check(not t.is_alive(), "a worker hung after the kill")
        check(not refused, "requests refused: %r" % refused[:3])
    d.start(extra=["--verify", "full"])
    verify("after the last kill")
    rc = d.stop()
    check(rc == 0, "exit status %d after SIGTERM" % rc)
    d.start()
    verify("after a clean restart")
    c = team.wire("sune")
    listed = {x["id"] for x in c.call("link.list", area="Gellerup")["result"]["links"]}
    check(set(acked_links) <= listed, "every acknowledged link is listed")
    c.close()
    check(d.stop() == 0, "clean stop")
    check(len(acked_links) > ROUNDS and any(v["acked"] for v in iv_state.values()),
          "the load did something (%d links)" % len(acked_links))
    print("tracks kill9: %d kills; %d links and %d status changes acknowledged, all kept" %
          (ROUNDS, len(acked_links), sum(1 for v in iv_state.values() if v["acked"])))
finally:
    team.cleanup()

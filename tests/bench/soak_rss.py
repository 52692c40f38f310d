#!/usr/bin/python3
"""soak_rss.py -- a soak run: many mixed requests against a release samvirked as fast as the
clients go (an hour or more of a team's traffic, compressed), with the daemon's resident memory
(VmRSS in /proc/PID/status) sampled at intervals. Its memory must be flat once warm: a daemon
that keeps something per request, per connection or per note would grow with the count.

The mix, from the five members of tests/faults/svworkload.py's team (each on its own
connection, requests pipelined in batches): pings and whoami, area and observation writes and
reads, interventions, audit checkpoints, inclusion proofs and entries, member lists, notes sent
to the ssp and police members and acknowledged by them, requests the policy denies (a partner
reading the audit log), malformed and unknown-op requests, and connections closed and made
again (a member's, and keys that are not enrolled).

Prints a table (seconds, requests done, RSS in KiB) and the figures at the start (end of the
warm-up, 30% of the requests by default: the daemon's SQLite page cache of 64 MiB fills while
the database grows), the middle and the end; exits 1 when the end is more than 10% + 2 MiB
above the start, or when a request got an answer outside the expected ones (internal,
unavailable, a lost connection).

usage: SAMVIRKED=build/release/daemon/samvirked soak_rss.py [--requests N] [--samples K]
       [--batch B] [--seed S] [--warmup F] [--seconds S] [--daemon PROGRAM]
       (make soak-rss; SOAK_REQUESTS=N and SOAK_SECONDS=S there)"""
import argparse
import os
import random
import sys
import time

import msgpack

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "faults"))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import svworkload as W  # noqa: E402
from svnote import seal  # noqa: E402
from svtest import STRANGERS_UNLIMITED, Client, ProtocolError  # noqa: E402

# Answers a soak accepts: ok, and the refusals the mix asks for on purpose.
EXPECTED = {"ok", "denied", "bad_request", "unknown_op", "not_found", "not_enrolled", "invalid",
            "conflict", "personal_data"}


def memory_kib(pid):
    """(VmRSS, RssAnon) of pid in KiB, from /proc/PID/status."""
    got = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key = line.split(":")[0]
            if key in ("VmRSS", "RssAnon"):
                got[key] = int(line.split()[1])
    return got["VmRSS"], got.get("RssAnon", 0)


def db_mib(d):
    """The daemon's database and its write-ahead log, in MiB."""
    total = 0
    for suffix in ("", "-wal"):
        try:
            total += os.path.getsize(os.path.join(d.dir, "samvirke.db" + suffix))
        except OSError:
            pass
    return total / (1 << 20)


class Soak:
    def __init__(self, team, d, rng, batch):
        self.team, self.d, self.rng, self.batch = team, d, rng, batch
        self.conns = {}
        self.done = 0
        self.codes = {}
        self.unexpected = []
        self.to_ack = {"ssp": [], "police": []}
        self.audit_size = 1
        self.n = 0

    def conn(self, who):
        if who not in self.conns:
            self.conns[who] = self.team.connect(self.d, who)
        return self.conns[who]

    def reconnect(self, who):
        c = self.conns.pop(who, None)
        if c is not None:
            c.close()
        self.conn(who)

    def stranger(self):
        """A key that is not enrolled: connects, pings, asks for what it may not, leaves."""
        c = Client(self.d.port, self.d.server_key, timeout=30)
        self.count(c.call("ping"), "ping")
        self.count(c.call("area.list"), "area.list")
        c.close()

    def count(self, r, op):
        self.done += 1
        if r.get("ok"):
            code = "ok"
        else:
            code = r.get("error", {}).get("code", "?")
        self.codes[code] = self.codes.get(code, 0) + 1
        if code not in EXPECTED and len(self.unexpected) < 20:
            self.unexpected.append((op, r))
        if isinstance(r.get("audit"), int):
            self.audit_size = max(self.audit_size, r["audit"] + 1)

    def request(self, who):
        """One request of the mix for member who: (op, frame bytes)."""
        self.n += 1
        n, rng = self.n, self.rng
        x = rng.random()
        req = None
        if x < 0.12:
            req = {"op": "ping"}
        elif x < 0.20:
            req = {"op": "whoami"}
        elif x < 0.28:
            req = {"op": "area.list"}
        elif x < 0.43 and who in ("coord", "partner", "ssp", "police"):
            req = {"op": "observation.add", "area": W.BASE_AREA,
                   "kind": "resource" if n % 2 else "challenge", "category": "soak",
                   "level": "area", "text": "soak observation %d" % n, "lat": 56.15,
                   "lon": 10.13}
        elif x < 0.48:
            # a filter that matches nothing: the answer stays small as the table grows
            req = {"op": "observation.list", "area": W.BASE_AREA, "category": "none-%d" % (n % 7)}
        elif x < 0.53 and who in ("coord", "partner"):
            req = {"op": "intervention.add", "area": W.BASE_AREA, "level": "area", "step": "act",
                   "text": "soak intervention %d" % n}
        elif x < 0.58:
            req = {"op": "audit.checkpoint"}
        elif x < 0.63:
            req = {"op": "audit.inclusion", "seq": rng.randrange(self.audit_size)}
        elif x < 0.66:
            start = rng.randrange(self.audit_size)
            req = {"op": "audit.entries", "start": start, "count": 20}
        elif x < 0.70:
            req = {"op": "member.list"}
        elif x < 0.72:
            req = {"op": "area.status", "area": W.BASE_AREA}
        elif x < 0.75 and who == "coord":
            ids = self.team.ids
            env = seal(ids["coord"], [ids["ssp"], ids["police"]], b"soak note %d" % n,
                       area=W.BASE_AREA)
            for k in self.to_ack:
                self.to_ack[k].append(env[5:21])
            req = {"op": "note.send", "envelope": env}
        elif x < 0.80 and who in self.to_ack and self.to_ack[who]:
            req = {"op": "note.ack", "note": self.to_ack[who].pop(0)}
        elif x < 0.83 and who == "partner":
            req = {"op": "audit.entries", "start": 0, "count": 1}  # denied by the policy
        elif x < 0.86:
            req = {"op": "area.add"}  # no name: bad_request
        elif x < 0.87:
            req = {"op": "launch.rocket"}  # unknown_op
        elif x < 0.90:
            req = {"op": "note.list"}
        else:
            req = {"op": "intervention.list", "area": W.BASE_AREA, "status": "done"}
        return req

    def send_batch(self, who):
        """Send a pipelined batch for who in one write; returns what to read back."""
        c = self.conn(who)
        ids, out = [], bytearray()
        for _ in range(self.batch):
            req = self.request(who)
            req["id"] = c.next_id
            ids.append((c.next_id, req["op"]))
            c.next_id += 1
            body = msgpack.packb(req, use_bin_type=True)
            plain = len(body).to_bytes(4, "big") + body
            msg = c.send_cs.encrypt_with_ad(b"", plain)
            out += len(msg).to_bytes(2, "big") + msg
        c.sock.sendall(bytes(out))
        return c, ids

    def round(self, members):
        """A batch from every member at once (so storage batches them together), then every
        answer."""
        sent = [self.send_batch(who) for who in members]
        for c, ids in sent:
            for rid, op in ids:
                self.count(c.response(rid), op)
            c.events.clear()  # pushed deliveries: acknowledged by id in later batches

    def close(self):
        for c in self.conns.values():
            c.close()
        self.conns = {}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--requests", type=int, default=1000000)
    ap.add_argument("--samples", type=int, default=40)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--warmup", type=float, default=0.3,
                    help="the fraction of the requests that warms the daemon up (its SQLite "
                         "page cache, 64 MiB, fills while the database grows)")
    ap.add_argument("--seconds", type=float, default=0,
                    help="stop after this long even if fewer requests are done (0: no limit)")
    ap.add_argument("--daemon", default=None,
                    help="the program the soaked daemon runs as (default: $SAMVIRKED), e.g. a "
                         "wrapper that runs it under a heap profiler")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    team = W.Team(conf=STRANGERS_UNLIMITED)  # keys not enrolled come often here
    d = team.template.clone()
    if a.daemon:
        d.binary = a.daemon
    d.start()
    pid = d.proc.pid
    soak = Soak(team, d, rng, a.batch)
    members = [k for k, _ in W.ROLES]
    every = max(a.requests // a.samples, 1)
    warm = int(a.requests * a.warmup)
    table = []
    t0 = time.time()
    def sample():
        table.append((time.time() - t0, soak.done) + memory_kib(pid) + (db_mib(d),))
        print("soak: %.0f s, %d requests, VmRSS %d KiB, RssAnon %d KiB, db %.1f MiB" %
              table[-1], flush=True)

    sample()
    next_sample = every
    rounds = 0
    status = 0
    stopped = None
    try:
        while soak.done < a.requests:
            if a.seconds and time.time() - t0 >= a.seconds:
                stopped = "the time limit (%.0f s)" % a.seconds
                break
            soak.round(members)
            rounds += 1
            if rounds % 10 == 0:
                soak.reconnect(members[(rounds // 10) % len(members)])
            if rounds % 4 == 0:
                soak.stranger()
            if soak.done >= next_sample:
                sample()
                next_sample += every
    except (ProtocolError, OSError) as e:
        print("soak: the connection failed after %d requests: %s" % (soak.done, e))
        status = 1
    except KeyboardInterrupt:
        stopped = "an interrupt"
    finally:
        soak.close()
        sample()
        rc = d.stop()
        if rc != 0:
            print("soak: samvirked exited %d" % rc)
            status = 1
        team.cleanup()
        d.cleanup()
    print("%10s %12s %12s %12s %10s" % ("seconds", "requests", "VmRSS KiB", "RssAnon KiB",
                                         "db MiB"))
    for t, n, r, anon, db in table:
        print("%10.1f %12d %12d %12d %10.1f" % (t, n, r, anon, db))
    after = [row for row in table if row[1] >= warm]
    start, end = after[0], table[-1]
    middle = min(after, key=lambda row: abs(row[1] - (start[1] + end[1]) / 2))
    secs = end[0] or 1
    print("answers: %s" % ", ".join("%s %d" % kv for kv in sorted(soak.codes.items())))
    print("requests: %d in %.0f s (%.0f/s)" % (soak.done, secs, soak.done / secs))
    print("RSS after warm-up (%d requests): start %d KiB, middle %d KiB (%d requests), "
          "end %d KiB (%d requests): %+d KiB" % (start[1], start[2], middle[2], middle[1],
                                                end[2], end[1], end[2] - start[2]))
    if soak.unexpected:
        status = 1
        for op, r in soak.unexpected:
            print("soak: unexpected answer to %s: %r" % (op, r))
    if end[2] > start[2] * 1.10 + 2048:
        print("soak: RSS grew after warm-up: %d -> %d KiB" % (start[2], end[2]))
        status = 1
    if stopped:
        print("soak: stopped by %s after %d of %d requests" % (stopped, soak.done, a.requests))
    elif soak.done < a.requests:
        status = 1
    print("soak: %s" % ("flat" if status == 0 else "FAILED"))
    return status


if __name__ == "__main__":
    sys.exit(main())

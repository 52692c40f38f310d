"""svworkload.py -- a representative, repeatable workload for fault tests, and the checks that
judge a daemon after it: area writes (pipelined), corrections, interventions, notes with a
pushed and a fetched delivery and their acknowledgements, an invite, an enrolment and a
revocation, a policy reload, reads and audit reads. Every request's answer is recorded; the
checker then holds the daemon's files to what the answers promised:
  - an `ok` (or any answer with an audit number) names an entry of the log that records this
    request, and no audit number is given twice;
  - what was answered `ok` is in the database, and what was answered `unavailable` is not
    (nothing was done); no other failure is acceptable;
  - every pushed delivery is one `note.deliver` entry, each note reaches each online
    recipient exactly once, and every delivery not acknowledged is still pending;
  - every checkpoint the daemon served, and every one it signed, is a prefix of the final log;
  - the log verifies against its last signed checkpoint (with the independent verifier)."""
import os
import signal
import socket
import sqlite3
import sys
import tempfile
import time

import msgpack

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import svaudit as A  # noqa: E402
from svnote import Identity, seal  # noqa: E402
from svtest import Client, Daemon, ProtocolError, check  # noqa: E402

BASE_AREA = "Gellerup"
ROLES = [("coord", "coordinator"), ("ssp", "ssp"), ("police", "police"), ("partner", "partner"),
         ("auditor", "auditor")]


class Team:
    """Identities and a template daemon directory (members enrolled, one area) to clone."""

    def __init__(self, conf=None):
        self.ids = {k: Identity("%s member" % k.capitalize()) for k, _ in ROLES}
        cdir = tempfile.mkdtemp(prefix="svcards.")
        cards = {k: self.ids[k].write_card(os.path.join(cdir, k + ".card")) for k, _ in ROLES}
        self.template = Daemon(admin_card=cards["coord"], conf=conf,
                               members=[(cards[k], r) for k, r in ROLES[1:]])
        self.template.start()
        c = self.connect(self.template, "coord")
        check(c.call("area.add", name=BASE_AREA)["ok"], "template area")
        c.close()
        check(self.template.stop() == 0, "template daemon stops")

    def connect(self, d, who, ident=None):
        ident = ident or self.ids[who]
        return Client(d.port, d.server_key, keypair=ident.noise, timeout=30)

    def cleanup(self):
        self.template.cleanup()


class Run:
    """One pass of the workload against a running daemon; records every answer."""

    def __init__(self, team, d, tag="w"):
        self.team, self.d, self.tag = team, d, tag
        self.answers = []       # (who, op, args summary, response)
        self.expect = []        # (kind, key, present: True/False/None) checked afterwards
        self.served = []        # signed checkpoint notes the daemon served
        self.sent_notes = {}    # note id -> {"ok": bool, "acked": {who: bool}}
        self.pushes = []        # (recipient, event)
        # the run was cut short (the daemon killed under it) or lost a push with its connection
        self.interrupted = False
        self.c = {}

    # -- plumbing --
    def conn(self, who):
        if who not in self.c:
            self.c[who] = self.team.connect(self.d, who)
        return self.c[who]

    def record(self, who, op, summary, r):
        self.answers.append((who, op, summary, r))
        if r.get("ok") and isinstance(r.get("result"), dict) and "checkpoint" in r["result"]:
            self.served.append(r["result"]["checkpoint"])
        return r

    def call(self, who, op, summary=None, /, **args):
        c = self.conn(who)
        r = c.call(op, **args)
        self.collect(who)
        return self.record(who, op, summary, r)

    def pipeline(self, who, reqs):
        """Send every (op, summary, args) before reading any answer: they share batches."""
        c = self.conn(who)
        ids = []
        for op, summary, args in reqs:
            req = {"id": c.next_id, "op": op}
            req.update(args)
            ids.append((c.next_id, op, summary))
            c.next_id += 1
            c.send_frame(msgpack.packb(req, use_bin_type=True))
        out = []
        for rid, op, summary in ids:
            out.append(self.record(who, op, summary, c.response(rid)))
        self.collect(who)
        return out

    def collect(self, who):
        c = self.c.get(who)
        while c is not None and c.events:
            self.pushes.append((who, c.events.pop(0)))

    def wait_push(self, who, note, timeout=10):
        """Wait for the pushed event of note on who's connection (the send's answer came)."""
        c = self.conn(who)
        deadline = time.time() + timeout
        while time.time() < deadline:
            self.collect(who)
            if any(w == who and e.get("note") == note for w, e in self.pushes):
                return True
            c.sock.settimeout(max(0.05, deadline - time.time()))
            try:
                r = c.recv_frame()
            except socket.timeout:
                break
            except OSError as e:
                raise ProtocolError("connection lost waiting for the pushed note: %s" % e)
            check("event" in r and "id" not in r, "unexpected frame while waiting: %r" % r)
            c.events.append(r)
        return False

    def outcome(self, r):
        """'ok', 'unavailable' (nothing was done), 'unknown' (unavailable after a disk flush
        that failed and was not settled: it may have been done), or fail: under storage faults
        no other answer is acceptable."""
        if r.get("ok"):
            return "ok"
        code = r.get("error", {}).get("code")
        check(code == "unavailable", "a fault gave %r instead of ok or unavailable: %r" % (code, r))
        check("audit" not in r, "an unavailable answer names an audit entry: %r" % r)
        return "unknown" if "may or may not" in r["error"]["message"] else "unavailable"

    def ack_state(self, r):
        """An ack's answer as the delivery's expected state: True (acked), False, None."""
        o = self.outcome(r)
        return None if o == "unknown" else o == "ok"

    def want(self, kind, key, r):
        """Expect the effect (kind, key) present if r is ok, absent if it is unavailable
        (either way if the outcome is unknown)."""
        o = self.outcome(r)
        self.expect.append((kind, key, None if o == "unknown" else o == "ok"))

    # -- the workload --
    def run(self, reload_policy=True):
        t = self.tag
        ids = self.team.ids
        self.call("coord", "ping")
        r = self.call("coord", "area.add", name="Nordparken-" + t)
        self.want("area", "Nordparken-" + t, r)
        obs = self.pipeline("partner", [
            ("observation.add", None, {"area": BASE_AREA, "kind": "resource" if i % 2 else
                                       "challenge", "category": "leg", "level": "area",
                                       "text": "obs-%s-%d" % (t, i), "lat": 56.15, "lon": 10.13})
            for i in range(4)])
        fixed = None
        for i, r in enumerate(obs):
            if fixed is None and self.outcome(r) == "ok":  # the first one stored is corrected
                fixed = i
                u = self.call("partner", "observation.update", observation=r["result"]["id"],
                              text="fixed-%s" % t)
                self.want("observation", "fixed-%s" % t, u)
                # the original text stays unless the correction was done (either way when
                # its outcome is unknown)
                uo = self.outcome(u)
                self.expect.append(("observation", "obs-%s-%d" % (t, i),
                                    None if uo == "unknown" else uo != "ok"))
            else:
                self.want("observation", "obs-%s-%d" % (t, i), r)
        r = self.call("coord", "intervention.add", area=BASE_AREA, level="area", step="act",
                      text="iv-%s" % t)
        self.want("intervention", "iv-%s" % t, r)
        self.call("partner", "observation.list", area=BASE_AREA)
        self.conn("ssp")  # online: the note is pushed to it
        env = seal(ids["coord"], [ids["ssp"], ids["police"]], b"note body " + t.encode(),
                   area=BASE_AREA)
        r = self.call("coord", "note.send", envelope=env)
        nid = env[5:21]
        ok = self.outcome(r) == "ok"
        self.expect.append(("note", nid.hex(), ok))
        unknown = self.outcome(r) == "unknown"
        self.sent_notes[nid] = {"ok": ok, "unknown": unknown,
                                "acked": {"ssp": False, "police": False}}
        if ok:
            check(self.wait_push("ssp", nid), "the online recipient got the pushed note")
            self.sent_notes[nid]["acked"]["ssp"] = None  # in flight: either state until answered
            r = self.call("ssp", "note.ack", note=nid)
            self.sent_notes[nid]["acked"]["ssp"] = self.ack_state(r)
        r = self.call("police", "note.list")
        if ok and r.get("ok"):
            check(any(n["note"] == nid for n in r["result"]), "the note waits for police")
            r = self.call("police", "note.fetch", note=nid)
            self.outcome(r)
            self.sent_notes[nid]["acked"]["police"] = None
            r = self.call("police", "note.ack", note=nid)
            self.sent_notes[nid]["acked"]["police"] = self.ack_state(r)
        name = "Ny Partner %s" % t
        r = self.call("coord", "member.invite", role="partner", name=name)
        if self.outcome(r) == "ok":
            newbie = Identity(name)
            nc = self.team.connect(self.d, None, ident=newbie)
            self.c["newbie"] = nc
            r = self.call("newbie", "enroll", invite=r["result"]["code"], card=newbie.card)
            self.want("member", newbie.keyid, r)
            if r.get("ok"):
                r = self.call("coord", "member.revoke", who=newbie.keyid)
                self.want("revoked", newbie.keyid, r)
        if reload_policy:
            self.d.signal(signal.SIGHUP)
        self.call("auditor", "audit.checkpoint")
        seqs = [a[3]["audit"] for a in self.answers if "audit" in a[3]]
        if seqs:
            self.call("auditor", "audit.inclusion", seq=min(seqs))
        self.call("coord", "whoami")
        self.call("coord", "member.list")
        return self

    def close(self):
        for c in self.c.values():
            try:
                c.close()
            except OSError:
                pass
        self.c = {}

    def counts(self):
        out = {}
        for _, _, _, r in self.answers:
            k = "ok" if r.get("ok") else r.get("error", {}).get("code", "?")
            out[k] = out.get(k, 0) + 1
        return out


def log_state(d):
    """Entries, latest checkpoint note, and the tables the checks read, from a stopped daemon."""
    con = sqlite3.connect("file:%s?mode=ro" % os.path.join(d.dir, "samvirke.db"), uri=True,
                          timeout=10)
    try:
        st = {
            "entries": [e for _, e in con.execute(
                "SELECT seq, entry FROM audit_entries ORDER BY seq")],
            "checkpoint": (con.execute("SELECT note FROM checkpoints ORDER BY size DESC LIMIT 1")
                           .fetchone() or [None])[0],
            "areas": {n for (n,) in con.execute("SELECT name FROM areas")},
            "observations": {t for (t,) in con.execute("SELECT text FROM observations")},
            "interventions": {t for (t,) in con.execute("SELECT text FROM interventions")},
            "notes": {n.hex() for (n,) in con.execute("SELECT id FROM notes")},
            "pending": {(n.hex(), m) for n, m in con.execute(
                "SELECT r.note, m.keyid FROM note_recipients r JOIN members m ON m.id = r.member"
                " WHERE r.acked = 0")},
            "members": {k: rv for k, rv in con.execute("SELECT keyid, revoked FROM members")},
        }
    finally:
        con.close()
    return st


def check_expect(st, run, label=""):
    """What run's answers promised of the tables in st (log_state): present when answered ok,
    absent when answered unavailable."""
    table = {"area": "areas", "observation": "observations", "intervention": "interventions"}
    for kind, key, present in run.expect:
        if kind in table:
            have = key in st[table[kind]]
        elif kind == "note":
            continue  # judged by deliveries (check_log)
        elif kind == "member":
            have = key in st["members"]
        elif kind == "revoked":
            have = (st["members"].get(key) or 0) != 0
        if present is None:
            continue
        check(have == present, "%s: %s %r is %s but was answered %s" %
              (label, kind, key, "present" if have else "absent",
               "ok" if present else "unavailable"))


def check_log(d, runs, signlog=None, label=""):
    """Hold the stopped daemon's files to everything the runs' answers promised (see the
    module comment). Returns the state read."""
    import svfault
    st = log_state(d)
    entries = st["entries"]
    check(st["checkpoint"] is not None, "%s: a signed checkpoint exists" % label)
    _, size, root = A.open_checkpoint(st["checkpoint"], d.log_key)
    check(size == len(entries), "%s: the last checkpoint covers the whole log (%d of %d)" %
          (label, size, len(entries)))
    leaves = [A.leaf_hash(e) for e in entries]
    check(A.root(leaves) == root, "%s: the log's root is the signed root" % label)
    roots = {}

    def prefix_root(n):
        if n not in roots:
            roots[n] = A.root(leaves[:n])
        return roots[n]

    for note in (n for r in runs for n in r.served):
        _, n, rt = A.open_checkpoint(note, d.log_key)
        check(n <= size and prefix_root(n) == rt,
              "%s: a served checkpoint (size %d) is not a prefix of the log" % (label, n))
    if signlog:
        for n, rt in svfault.signed_checkpoints(signlog):
            check(n <= size and prefix_root(n) == rt,
                  "%s: the daemon signed a checkpoint of size %d that the log does not hold "
                  "(signed before its batch was committed?)" % (label, n))
    seen = {}
    keyids = {k: i.keyid for k, i in runs[0].team.ids.items()} if runs else {}
    deliveries = {}  # "note:<id>" -> its note.deliver entries
    for x in entries:
        e = msgpack.unpackb(x, raw=False)
        if e["op"] == "note.deliver":
            deliveries.setdefault(e["object"], []).append(e)
    for run in runs:
        for who, op, _, r in run.answers:
            run.outcome(r)
            if "audit" not in r:
                continue
            s = r["audit"]
            check(s not in seen, "%s: audit number %d given twice (%r, %r)" % (label, s, seen.get(s), op))
            seen[s] = op
            check(s < size, "%s: audit number %d of %s lies beyond the log (%d)" % (label, s, op, size))
            e = msgpack.unpackb(entries[s], raw=False)
            check(e["seq"] == s and e["op"] == op, "%s: entry %d is %r, not the %s answered" %
                  (label, s, e.get("op"), op))
            if who in keyids:
                check(e["actor"] == keyids[who], "%s: entry %d names another actor" % (label, s))
        for who, ev in run.pushes:
            s = ev["audit"]
            check(s not in seen, "%s: delivery audit number %d given twice" % (label, s))
            seen[s] = "note.deliver"
            e = msgpack.unpackb(entries[s], raw=False)
            check(e["op"] == "note.deliver" and e["actor"] == keyids[who] and
                  e["object"] == "note:" + ev["note"].hex(), "%s: push %d is not its delivery" %
                  (label, s))
        check_expect(st, run, label)
        for nid, info in run.sent_notes.items():
            h = nid.hex()
            pushed = [ev for w, ev in run.pushes if ev["note"] == nid]
            delivers = deliveries.get("note:" + h, [])
            if info["unknown"]:
                check(not pushed, "%s: note %s of unknown outcome was pushed" % (label, h))
                continue
            if not info["ok"]:
                check(not pushed and not delivers and h not in st["notes"],
                      "%s: note %s answered unavailable left a trace" % (label, h))
                continue
            # an interrupted run may have lost the push with its connection (the recipient
            # finds the note with note.list); the delivery entry is there either way
            check((len(pushed) == 1 or (run.interrupted and not pushed)) and len(delivers) == 1,
                  "%s: note %s pushed %d times, %d delivery entries (want 1 and 1)" %
                  (label, h, len(pushed), len(delivers)))
            for who, acked in info["acked"].items():
                if acked is None:
                    continue
                pending = (h, keyids[who]) in st["pending"]
                check(pending != acked, "%s: note %s for %s is %s but its ack was %s" %
                      (label, h, who, "pending" if pending else "gone",
                       "ok" if acked else "not ok"))
    return st


def verify_restart(d):
    """Start the ordinary samvirked with --verify full (it must serve) and stop it."""
    import svfault
    svfault.use_release(d)
    d.start(["--verify", "full"])
    c = Client(d.port, d.server_key)
    r = c.call("ping")
    c.close()
    check(r.get("ok"), "the restarted daemon answers")
    check(d.stop() == 0, "the restarted daemon stops cleanly")


def still_serves(run):
    """After the fault cleared: requests succeed again without a restart."""
    r = run.call("coord", "ping")
    check(r.get("ok"), "ping after the fault cleared: %r" % r)
    text = "after-%s" % run.tag
    r = run.call("partner", "observation.add", area=BASE_AREA, kind="resource", category="leg",
                 level="area", text=text)
    check(r.get("ok"), "a write after the fault cleared: %r" % r)
    run.expect.append(("observation", text, True))


def safe(fn):
    """Run fn, turning a dead connection into a clear failure message."""
    try:
        return fn()
    except (ProtocolError, OSError) as e:
        check(False, "the connection failed under the fault: %s" % e)

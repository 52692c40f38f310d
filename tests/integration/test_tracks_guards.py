"""test_tracks_guards.py -- every text the two tracks' ops carry goes through the guards, over
the wire against a real daemon: for each op and each of its text fields a CPR number is refused
as personal_data (and nothing is stored: the same text cleaned is then accepted, so the refusal
was the guard's and not another check's), and a group below the policy's minimum is refused
where an op takes a group; the refusals are audited. Also: every op of the protocol's table is
documented in PROTOCOL.md and asked of the policy as an action (daemon/ops_table.c)."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from areatest import Team, audit_entries  # noqa: E402
from svtest import check  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CPR = "ring til far, cpr 010190-1234"
CLEAN = "ring til fædregruppen"

# --- documentation and policy mapping of every op ---------------------------------------------
codec = open(os.path.join(ROOT, "protocol", "codec.c")).read()
ops = re.findall(r'\[SV_OP_([A-Z_]+)\]\s*=\s*\{"([a-z]+\.[a-z_]+|[a-z]+)"', codec)
check(len(ops) >= 45, "the op table was read: %d ops" % len(ops))
protocol = open(os.path.join(ROOT, "protocol", "PROTOCOL.md")).read()
table = open(os.path.join(ROOT, "daemon", "ops_table.c")).read()
for enum, name in ops:
    check(re.search(r"^#+ .*`?%s`?\s*$" % re.escape(name), protocol, re.M) is not None,
          "op %s is not documented in PROTOCOL.md (a '### %s' section)" % (name, name))
    m = re.search(r"\[SV_OP_%s\]\s*=\s*\{\s*\"([a-z]+)\"" % enum, table)
    check(m is not None, "op %s has no action in daemon/ops_table.c" % name)

team = Team([("anna", "coordinator"), ("pia", "partner")])
d = team.daemon
db = os.path.join(d.dir, "samvirke.db")
try:
    d.start()
    anna, pia = team.wire("anna"), team.wire("pia")
    check(anna.call("area.add", name="Vollsmose")["ok"], "area")
    ch = pia.call("observation.add", area="Vollsmose", kind="challenge", category="tryghed",
                  level="area", text="Unge samles ved p-kælderen")["result"]["id"]
    m = pia.call("meeting.add", area="Vollsmose", track="area", time=int(time.time()) + 86400)
    check(m["ok"], repr(m))
    mid = m["result"]["id"]
    iv = pia.call("intervention.add", area="Vollsmose", level="area", step="act",
                  text="Natteravne")["result"]["id"]
    a1 = pia.call("actor.add", area="Vollsmose", name="Moskéen", category="forening",
                  form="exchange")["result"]["id"]
    a2 = pia.call("actor.add", area="Vollsmose", name="Klubben", category="fritid",
                  form="partnership")["result"]["id"]
    n = [0]

    def fresh(base):
        n[0] += 1
        return "%s %d" % (base, n[0])

    # (op, the arguments with text T in the field tried); a partner sends them, except where
    # only the area's author may (area.update: anna)
    cases = [
        ("area.update", lambda t: {"area": "Vollsmose", "description": t}),
        ("meeting.add", lambda t: {"area": "Vollsmose", "track": "area", "time": 1900000000,
                                   "title": t[:60]}),
        ("meeting.add", lambda t: {"area": "Vollsmose", "track": "area", "time": 1900000000,
                                   "agenda": ["Velkommen", t]}),
        ("meeting.item", lambda t: {"meeting": mid, "text": t}),
        ("meeting.minutes", lambda t: {"meeting": mid, "text": t}),
        ("meeting.decide", lambda t: {"meeting": mid, "text": t}),
        ("intervention.update", lambda t: {"intervention": iv, "outcome": t}),
        ("actor.add", lambda t: {"area": "Vollsmose", "name": fresh("Forening")[:20] if t == CLEAN
                                 else "Far 010190-1234", "category": "x", "form": "exchange"}),
        ("actor.add", lambda t: {"area": "Vollsmose", "name": fresh("Gruppe"),
                                 "category": "010190-1234" if t == CPR else "forening",
                                 "form": "exchange"}),
        ("actor.add", lambda t: {"area": "Vollsmose", "name": fresh("Lokal"), "category": "x",
                                 "form": "exchange", "description": t}),
        ("actor.update", lambda t: {"actor": a1, "description": t}),
        ("actor.update", lambda t: {"actor": a1, "name": "Imam 010190-1234" if t == CPR
                                    else fresh("Moskéen")}),
        ("actor.tie", lambda t: {"actor": a1, "peer": a2, "text": t}),
    ]
    for op, args in cases:
        c = anna if op == "area.update" else pia
        r = c.call(op, **args(CPR))
        check(not r["ok"] and r["error"]["code"] == "personal_data",
              "%s with a CPR number in %r is refused: %r" % (op, args(CPR), r))
        check("restricted note" in r["error"]["message"], "the message says where it belongs: %r" % r)
        r2 = c.call(op, **args(CLEAN))
        check(r2["ok"], "%s with clean text is accepted: %r" % (op, r2))
    # group sizes where an op takes a group: one below the minimum and at it
    minimum = 5
    for op, args in (("meeting.decide", {"meeting": mid, "text": "for gruppen", "level": "group"}),
                     ("intervention.add", {"area": "Vollsmose", "level": "group", "step": "act",
                                           "text": "for gruppen"})):
        r = pia.call(op, size=minimum - 1, **args)
        check(r["error"]["code"] == "personal_data", "%s: a group of %d: %r" % (op, minimum - 1, r))
        r = pia.call(op, size=minimum, **args)
        check(r["ok"], "%s: a group of %d: %r" % (op, minimum, r))
    # times are Unix seconds from 1 to 2^40 (0 is "none" in meeting.draft's since)
    for t, ok in ((0, False), (1, True), (1 << 40, True), ((1 << 40) + 1, False)):
        r = anna.call("meeting.add", area="Vollsmose", track="area", time=t)
        check(r["ok"] == ok, "meeting at %d: %r" % (t, r))
        r = anna.call("intervention.add", area="Vollsmose", level="area", step="act",
                      text="opfoelgning", due=t)
        check(r["ok"] == ok, "due %d: %r" % (t, r))
    # an outline must enclose an area: all points one, or on one line, is refused; a small
    # triangle is not (points relative to the first, so rounding does not make a line an area)
    for ring, ok in (([10.4, 55.4] * 3, False), ([10.4, 55.4, 10.41, 55.41, 10.42, 55.42], False),
                     ([10.4, 55.4, 10.4, 55.4, 10.41, 55.4], False),
                     ([10.4, 55.4, 10.4001, 55.4, 10.4, 55.4001], True)):
        r = anna.call("area.update", area="Vollsmose", boundary=ring)
        check(r["ok"] == ok and (ok or "encloses no area" in r["error"]["message"]),
              "outline %r: %r" % (ring, r))
    # the refusals are in the audit log, each with its op, and with no text
    entries = audit_entries(db)
    refused = {e["op"] for e in entries if e.get("outcome") == "personal_data"}
    if any(e.get("v") == 2 for e in entries):
        for op in {c[0] for c in cases}:
            check(op in refused, "the refused %s is audited with its outcome: %r" % (op, refused))
    check("010190" not in repr(entries), "no refused text in the audit log")
    anna.close()
    pia.close()
    rc = d.stop()
    check(rc == 0, "daemon exit status %d" % rc)
    log = d.read_log()
    check("LeakSanitizer" not in log and "runtime error" not in log, "sanitizer report:\n" + log)
    print("tracks guards: ok")
finally:
    team.cleanup()

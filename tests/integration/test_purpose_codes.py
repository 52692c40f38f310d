"""test_purpose_codes.py -- a purpose is a code the policy declares, end to end. Free text, a
code with a capital or a trailing space, and a purpose holding a name and a CPR number are
refused `invalid` by the daemon for every op that carries a purpose (note.send, concern.submit,
concern.answer, core-track meeting.minutes), and the offered text reaches neither the audit log
(the refusal's entry has an empty purpose and rule `undeclared purpose`) nor any database file
nor the daemon's log. The same holds for the class a note's envelope states: one the policy does
not declare (a CPR number has the shape of a class name) is refused with rule `undeclared
class` and logged as no class. The CLI refuses the same texts itself, before it connects."""
import glob
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import svaudit as A  # noqa: E402
from areatest import Team  # noqa: E402
from svnote import Identity, seal  # noqa: E402
from svtest import check  # noqa: E402
from test_notes import connect, make_daemon  # noqa: E402

NAME_CPR = "Jonas Kristensen 120305-1453 Vollsmose"
# Not purpose codes: refused by the client and the daemon.
NOT_CODES = ["Efterforskning", "efterforskning ", "efterforskning af tyveri", " ", NAME_CPR]
# Shaped like a code, but the default policy declares no such purpose: refused by the daemon.
UNDECLARED = "tyveri"
# The offered texts that must be found nowhere (" " and the trailing-space form are checked in
# the entries' purpose fields; as bytes they are everywhere).
# A class name is lower-case letters, digits, '-' and '_': a CPR number fits that shape.
CPR_CLASS = "010203-1234"
SEARCHED = ["Efterforskning", "efterforskning af tyveri", "Jonas Kristensen", "120305-1453",
            "120305", CPR_CLASS]


def refused_invalid(d, r, what):
    """r is an `invalid` refusal whose audit entry records no purpose."""
    check(not r["ok"] and r["error"]["code"] == "invalid", "%s: %r" % (what, r))
    check("purpose" in r["error"]["message"], "%s: the message names the purpose: %r" % (what, r))
    e = A.db_entries(os.path.join(d.dir, "samvirke.db"))[r["audit"]]
    check(e["decision"] == "deny" and e["outcome"] == "invalid" and
          e["rule"] == "undeclared purpose" and e["purpose"] == "",
          "%s: the refusal's entry %r" % (what, e))


def wire_part():
    coord, ssp, police = Identity("Koordinator"), Identity("Sara SSP"), Identity("Per Politi")
    partner, auditor = Identity("Bo Boligsocial"), Identity("Revisor")
    d = make_daemon([(coord, "coordinator"), (ssp, "ssp"), (police, "police"),
                     (partner, "partner"), (auditor, "auditor")])
    try:
        cs, ss, pa = connect(d, coord), connect(d, ssp), connect(d, partner)
        # The declared code passes each op (the refusals below are about the purpose alone).
        r = cs.call("note.send", envelope=seal(coord, [ssp, police], b"x"))
        check(r["ok"], "a declared purpose: %r" % r)
        r = pa.call("concern.submit", envelope=seal(partner, [coord, ssp], b"bekymring",
                                                    klass="concern", purpose="bekymring"))
        check(r["ok"], "a concern with a declared purpose: %r" % r)
        concern = A.db_entries(os.path.join(d.dir, "samvirke.db"))[r["audit"]]["object"]
        check(concern.startswith("concern:"), "concern object %r" % concern)
        concern_id = int(concern.split(":")[1])
        r = ss.call("concern.answer", concern=concern_id,
                    envelope=seal(ssp, [coord], b"svar", purpose="bekymring"))
        check(r["ok"], "an answer with a declared purpose: %r" % r)
        r = cs.call("area.add", name="Vollsmose")
        check(r["ok"], "area.add %r" % r)
        r = cs.call("meeting.add", area="Vollsmose", track="core", time=int(time.time()),
                    attendees=[coord.name, ssp.name])
        check(r["ok"], "meeting.add %r" % r)
        meeting = r["result"]["id"]
        r = cs.call("meeting.minutes", meeting=meeting, track="core",
                    envelope=seal(coord, [coord, ssp], b"referat", purpose="forebyggelse"))
        check(r["ok"], "core minutes with a declared purpose: %r" % r)

        for bad in NOT_CODES + [UNDECLARED]:
            what = "purpose %r" % bad
            refused_invalid(d, cs.call("note.send", envelope=seal(coord, [ssp], b"x",
                                                                  purpose=bad)),
                            "note.send with " + what)
            refused_invalid(d, pa.call("concern.submit",
                                       envelope=seal(partner, [coord, ssp], b"x",
                                                     klass="concern", purpose=bad)),
                            "concern.submit with " + what)
            refused_invalid(d, ss.call("concern.answer", concern=concern_id,
                                       envelope=seal(ssp, [coord], b"x", purpose=bad)),
                            "concern.answer with " + what)
            refused_invalid(d, cs.call("meeting.minutes", meeting=meeting, track="core",
                                       envelope=seal(coord, [coord, ssp], b"x", purpose=bad)),
                            "meeting.minutes with " + what)
        # A refused purpose does not depend on who may send what: a partner's note with one is
        # refused invalid too, and a declared but forbidden purpose stays a policy denial.
        refused_invalid(d, pa.call("note.send", envelope=seal(partner, [ssp], b"x",
                                                              purpose=NAME_CPR)),
                        "a partner's note.send")
        r = cs.call("note.send", envelope=seal(coord, [ssp], b"x", purpose="efterforskning"))
        check(not r["ok"] and r["error"]["code"] == "denied" and
              "no-investigation" in r["error"]["message"], "forbidden purpose %r" % r)
        check(cs.call("ping")["ok"], "the connection is still usable")

        # The class an envelope states is a class name the policy declares: one shaped like a
        # class name but holding a CPR number is refused invalid before any policy question, and
        # its entry records no class. A declared class stays in the entry of a note refused for
        # its purpose, so the auditor sees what was sent.
        db = os.path.join(d.dir, "samvirke.db")
        for who, c in ((coord, cs), (partner, pa)):
            r = c.call("note.send", envelope=seal(who, [ssp], b"x", klass=CPR_CLASS))
            check(not r["ok"] and r["error"]["code"] == "invalid" and
                  "class" in r["error"]["message"],
                  "a note of class %r from %s: %r" % (CPR_CLASS, who.name, r))
            e = A.db_entries(db)[r["audit"]]
            check(e["decision"] == "deny" and e["outcome"] == "invalid" and
                  e["rule"] == "undeclared class" and e["class"] == "-",
                  "the entry of an undeclared class %r" % e)
        # a declared class the policy does not let notes carry is the policy's denial, logged
        r = cs.call("note.send", envelope=seal(coord, [ssp], b"x", klass="area"))
        check(not r["ok"] and r["error"]["code"] == "denied", "a note of class area: %r" % r)
        e = A.db_entries(db)[r["audit"]]
        check(e["class"] == "area" and e["rule"].startswith("default deny"),
              "the entry of a declared class's denial %r" % e)
        r = cs.call("note.send", envelope=seal(coord, [ssp], b"x", purpose=UNDECLARED))
        e = A.db_entries(db)[r["audit"]]
        check(e["rule"] == "undeclared purpose" and e["class"] == "individual",
              "a refused purpose's entry keeps the declared class: %r" % e)
        last = r["audit"]

        # The audit entries as an auditor fetches them: no offered text, in any field or byte.
        au = connect(d, auditor)
        deadline = time.time() + 20
        while au.call("audit.entries", start=0, count=1)["result"]["size"] <= last:
            check(time.time() < deadline, "no checkpoint covers the refusals")
            time.sleep(0.1)
        fetched = A.fetch_all(au, last + 1)
        check(len(fetched) == last + 1, "fetched %d entries" % len(fetched))
        decoded = A.check_versions(fetched)
        purposes = {e["purpose"] for e in decoded}
        check(purposes <= {"", "forebyggelse", "bekymring", "efterforskning"},
              "purposes in the log: %r" % purposes)
        for raw in fetched:
            for text in SEARCHED + ["efterforskning "]:
                check(text.encode() not in raw, "%r in a fetched audit entry" % text)
        for c in (cs, ss, pa, au):
            c.close()
    finally:
        rc = d.stop()
    try:
        check(rc == 0, "samvirked exited %d" % rc)
        # No database file holds an offered text (entries, notes, concerns, meetings, WAL).
        files = glob.glob(os.path.join(d.dir, "samvirke.db*"))
        check(files, "no database files")
        for path in files:
            data = open(path, "rb").read()
            for text in SEARCHED:
                check(text.encode() not in data, "%r found in %s" % (text, path))
        log = d.read_log()
        for text in SEARCHED:
            check(text not in log, "%r in the daemon's log" % text)
    finally:
        d.cleanup()


def cli_part():
    team = Team([("anna", "coordinator"), ("sune", "ssp"), ("pia", "partner")])
    d = team.daemon
    db = os.path.join(d.dir, "samvirke.db")
    try:
        d.start()
        body = os.path.join(team.home, "note.txt")
        open(body, "w").write("Samtale med familien tirsdag\n")
        team.run_ok("anna", "note", "send", "--to", "sune", "--purpose", "forebyggelse", body)
        before = len(A.db_entries(db))
        for bad in NOT_CODES:
            for who, args in (("anna", ["note", "send", "--to", "sune", "--purpose", bad, body]),
                              ("pia", ["concern", "submit", "--purpose", bad, body]),
                              ("sune", ["concern", "answer", "1", "--purpose", bad, body]),
                              ("anna", ["meeting", "minutes", "K1", body, "--purpose", bad])):
                err = team.run_fail(who, 2, "invalid purpose", *args)
                check("purpose code" in err or "codes the policy declares" in err, err)
                if bad.strip():
                    check(bad.strip() not in err, "the offered text is echoed: %r" % err)
        check(len(A.db_entries(db)) == before,
              "the client sent a request with a purpose that is not a code")
        # A well-formed code the policy does not declare: the daemon's refusal, one line.
        err = team.run_fail("anna", 1, "invalid", "note", "send", "--to", "sune", "--purpose",
                            UNDECLARED, body)
        check("declares" in err, err)
    finally:
        d.stop()
        team.cleanup()


def main():
    wire_part()
    cli_part()
    print("ok: purpose codes")


if __name__ == "__main__":
    main()

"""test_relay_receive.py -- the note relay asks the policy's `receive` for every recipient, not
only the regime. In the policy written here send, receive and the regime name different roles:
the regime holds coordinator, ssp and police; coordinator and ssp may send individual notes;
all three may receive them, but a forbid keeps police from receiving one declared purpose
(bekymring). A note with that purpose to a police officer is refused with the receive rule
named, while the same note to an SSP consultant, and a note with another purpose to the police
officer, pass. A relay that asked only the regime would deliver the refused one."""
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import svaudit as A  # noqa: E402
from svnote import Identity, seal  # noqa: E402
from svtest import check, run_daemon  # noqa: E402
from test_notes import connect, make_daemon  # noqa: E402

DEFAULT_NOTES_RULE = '''permit "regime-notes"
  role coordinator, ssp, police
  action send, receive
  class individual
  when purpose present
'''
RULES = '''permit "regime-send"
  role coordinator, ssp
  action send
  class individual
  when purpose present

forbid "police-no-concern-notes"
  role police action receive class individual
  when purpose = "bekymring"

permit "regime-receive"
  role coordinator, ssp, police
  action receive
  class individual
  when purpose present
'''


def write_policy(d):
    """The default policy with its notes rule split as above (its expectations, which describe
    the default rule, left out). Returns the line of the forbid."""
    path = os.path.join(d.dir, "policy.conf")
    src = open(path, encoding="utf-8").read()
    check(DEFAULT_NOTES_RULE in src, "the default policy has the regime-notes rule")
    src = src.replace(DEFAULT_NOTES_RULE, RULES)
    src = "\n".join(line for line in src.split("\n") if not line.startswith("expect "))
    open(path, "w", encoding="utf-8").write(src)
    return src.split("\n").index('forbid "police-no-concern-notes"') + 1


def pending(d, ident):
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(d.dir, "samvirke.db"), uri=True,
                         timeout=10)
    try:
        return db.execute("SELECT COUNT(*) FROM note_recipients r JOIN members m"
                          " ON m.id = r.member WHERE m.name = ?", (ident.name,)).fetchone()[0]
    finally:
        db.close()


def run(d, coord, ssp, police):
    cs, ss, ps = connect(d, coord), connect(d, ssp), connect(d, police)
    entries = lambda: A.db_entries(os.path.join(d.dir, "samvirke.db"))
    forbid_line = run.forbid_line

    # The note to the police officer with the forbidden purpose: refused by the receive rule.
    r = cs.call("note.send", envelope=seal(coord, [police], b"x", purpose="bekymring"))
    check(not r["ok"] and r["error"]["code"] == "denied", "forbidden receive passed: %r" % r)
    check(police.keyid in r["error"]["message"] and "police" in r["error"]["message"],
          "the refusal names the recipient and role: %r" % r)
    e = entries()[r["audit"]]
    check(e["op"] == "note.send" and e["decision"] == "deny" and e["outcome"] == "denied" and
          e["rule"] == "receive: police-no-concern-notes (policy.conf:%d)" % forbid_line and
          e["purpose"] == "bekymring", "the refusal's entry names the receive rule: %r" % e)
    check("may not receive individual" in d.read_log(), "the refusal is in the daemon's log")
    # One forbidden recipient among others refuses the whole note: nothing is stored for anyone.
    r = cs.call("note.send", envelope=seal(coord, [ssp, police], b"x", purpose="bekymring"))
    check(not r["ok"] and r["error"]["code"] == "denied" and
          entries()[r["audit"]]["rule"].startswith("receive: police-no-concern-notes"),
          "a mixed recipient list: %r" % r)
    check(pending(d, police) == 0 and pending(d, ssp) == 0, "a refused note was stored")
    check(ps.call("note.list")["result"] == [], "the police officer lists a refused note")

    # The same note to another regime role passes, and so does another purpose to the police.
    r = cs.call("note.send", envelope=seal(coord, [ssp], b"x", purpose="bekymring"))
    check(r["ok"], "the note to the SSP consultant: %r" % r)
    check(entries()[r["audit"]]["rule"].startswith("regime-send ("), "send rule %r" % r)
    r = cs.call("note.send", envelope=seal(coord, [police], b"x", purpose="forebyggelse"))
    check(r["ok"], "another purpose to the police officer: %r" % r)
    check(pending(d, police) == 1 and pending(d, ssp) == 1, "the permitted notes are stored")
    listed = ps.call("note.list")["result"]
    check(len(listed) == 1 and listed[0]["purpose"] == "forebyggelse", "police list %r" % listed)

    # Send and receive are asked of different roles: the police officer receives individual
    # notes but may not send one; the SSP consultant sends to the coordinator.
    r = ps.call("note.send", envelope=seal(police, [ssp], b"x", purpose="forebyggelse"))
    check(not r["ok"] and r["error"]["code"] == "denied" and
          not entries()[r["audit"]]["rule"].startswith("receive:"),
          "the sender's own send decides a police officer's note: %r" % r)
    r = ss.call("note.send", envelope=seal(ssp, [coord], b"x", purpose="bekymring"))
    check(r["ok"], "ssp to coordinator: %r" % r)
    for c in (cs, ss, ps):
        c.close()


def main():
    coord, ssp, police = Identity("Koordinator"), Identity("Sara SSP"), Identity("Per Politi")
    d = make_daemon([(coord, "coordinator"), (ssp, "ssp"), (police, "police")], start=False)
    run.forbid_line = write_policy(d)
    d.start()
    run_daemon(d, run, d, coord, ssp, police)
    print("ok: relay asks receive")


if __name__ == "__main__":
    main()

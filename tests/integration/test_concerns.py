"""test_concerns.py -- concerns flow into the regime and never out. A partner hands in a concern
with the CLI (sealed to the intake recipients, each card proven against the log) and keeps a
receipt; the regime lists, reads, assigns, closes and answers it; the partner learns only that
its receipt was received and handled. The concern is readable by the regime and by no one else:
not the partner (no list, no read, no search, its own included), not an auditor, not the
database (its files hold no plaintext), not another partner's receipt question. An intake rule
that would let a partner read back is rejected by the policy checker."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from areatest import Team, audit_entries  # noqa: E402
from svtest import SAMVIRKE, check  # noqa: E402

CONCERN = "Viceværten: drengen i nr. 14 (Ali, 15) har talt om at rejse ud; familien er bekymret"
ANSWER = "Sagen er overtaget af SSP; mentor tilknyttet"

team = Team([("anna", "coordinator"), ("sune", "ssp"), ("pia", "partner"), ("per", "partner"),
             ("aud", "auditor")])
d = team.daemon
db_path = os.path.join(d.dir, "samvirke.db")
try:
    d.start()
    team.run_ok("anna", "area", "add", "Gellerup")
    body = os.path.join(team.home, "concern.txt")
    open(body, "w").write(CONCERN + "\n")

    # --- the partner hands it in and keeps a receipt -----------------------------------------
    intake = team.wire("pia").call("concern.intake")
    check(intake["ok"] and sorted(m["name"] for m in intake["result"]["recipients"]) ==
          ["anna", "sune"], "the intake recipients are the regime: %r" % intake)
    rec = team.run_json("pia", "concern", "submit", "--purpose", "bekymring", "--area",
                        "Gellerup", body)
    check(len(rec["receipt"]) == 32 and rec["recipients"] == 2 and isinstance(rec["audit"], int),
          repr(rec))
    kept = open(os.path.join(team.dirs["pia"], "receipts")).read()
    check(rec["receipt"] in kept and oct(os.stat(os.path.join(team.dirs["pia"], "receipts"))
                                         .st_mode & 0o777) == "0o600", kept)
    st = team.run_json("pia", "concern", "status")
    check([(r["receipt"], r["state"]) for r in st["receipts"]] == [(rec["receipt"], "received")],
          repr(st))
    team.run_fail("pia", 1, "denied", "concern", "submit", "--purpose", "efterforskning", body)
    rc, _, err = team.cli("pia", "concern", "submit", "--purpose", "nosuchpurpose", body)
    check(rc == 1 and ("denied" in err or "invalid" in err) and err.count("\n") == 1,
          "an undeclared purpose is refused: %r" % err)
    empty = os.path.join(team.home, "empty.txt")
    open(empty, "w").close()
    team.run_fail("pia", 1, "empty", "concern", "submit", "--purpose", "bekymring", empty)

    # --- readable by no one outside the regime -----------------------------------------------
    pia = team.wire("pia")
    per = team.wire("per")
    aud = team.wire("aud")
    for who, c in (("pia", pia), ("per", per), ("aud", aud)):
        for op, args in (("concern.list", {}), ("concern.list", {"status": "closed"}),
                         ("concern.fetch", {"concern": 1}), ("concern.fetch", {"concern": 99}),
                         ("concern.assign", {"concern": 1, "who": "sune"}),
                         ("concern.close", {"concern": 1})):
            r = c.call(op, **args)
            check(not r["ok"] and r["error"]["code"] == "denied", "%s %s: %r" % (who, op, r))
    team.run_fail("pia", 1, "denied", "concern", "list")
    team.run_fail("pia", 1, "denied", "concern", "read", "1")
    # A receipt answers only the one who handed the concern in; anyone else gets the answer a
    # receipt that does not exist gets.
    rid = bytes.fromhex(rec["receipt"])
    r_own = pia.call("receipt.status", receipt=rid)
    check(r_own["ok"] and r_own["result"] == {"receipt": rid, "received": True,
                                              "time": rec["time"], "handled": False},
          "the receipt says received, and nothing more: %r" % r_own)
    r_other = per.call("receipt.status", receipt=rid)
    r_none = per.call("receipt.status", receipt=b"\x00" * 16)
    check(r_other["error"]["code"] == "not_found" and r_none["error"]["code"] == "not_found",
          repr((r_other, r_none)))
    check(r_other["error"]["message"].replace(rec["receipt"], "X") ==
          r_none["error"]["message"].replace("00" * 16, "X"),
          "the same answer for someone else's receipt as for none: %r" % ((r_other, r_none),))
    r = aud.call("receipt.status", receipt=rid)
    check(r["error"]["code"] == "denied", "an auditor has no receipts: %r" % r)
    # The partner's own envelope: stored as ciphertext only.
    for name in os.listdir(d.dir):
        if name.startswith("samvirke.db"):
            data = open(os.path.join(d.dir, name), "rb").read()
            check("Viceværten".encode() not in data,
                  "the concern's plaintext is in %s" % name)
            check(b"nr. 14" not in data, "the concern's plaintext is in %s" % name)

    # --- the regime lists, reads, assigns, answers and closes ---------------------------------
    lst = team.run_json("sune", "concern", "list")["concerns"]
    check(len(lst) == 1 and lst[0]["submitter"] == "pia" and lst[0]["area"] == "Gellerup" and
          lst[0]["purpose"] == "bekymring" and lst[0]["status"] == "received" and
          sorted(lst[0]["recipients"]) == ["anna", "sune"] and "envelope" not in lst[0],
          repr(lst))
    cid = lst[0]["id"]
    got = team.run_json("sune", "concern", "read", str(cid))
    check(got["body"] == CONCERN + "\n" and got["from_name"] == "pia", repr(got))
    out = team.run_ok("anna", "concern", "read", "C%d" % cid)
    check(CONCERN in out, out)
    team.run_fail("anna", 1, "invalid", "concern", "assign", str(cid), "aud")  # not a recipient
    a = team.run_json("anna", "concern", "assign", str(cid), "sune")
    check(a["status"] == "assigned" and a["assignee"] == "sune", repr(a))
    check(team.run_json("pia", "concern", "status")["receipts"][0]["state"] == "received",
          "assigned is not handled yet")
    answer = os.path.join(team.home, "answer.txt")
    open(answer, "w").write(ANSWER + "\n")
    ans = team.run_json("sune", "concern", "answer", str(cid), "--purpose", "bekymring", answer)
    check(ans["concern"] == cid and ans["recipients"] == 1, repr(ans))
    note = team.run_json("anna", "note", "read", ans["note"])
    check(note["body"] == ANSWER + "\n" and note["from_name"] == "sune", repr(note))
    team.run_fail("sune", 1, "denied", "concern", "answer", str(cid), "--purpose", "bekymring",
                  "--to", "pia", answer)  # an answer never leaves the regime
    c = team.run_json("sune", "concern", "close", str(cid))
    check(c["status"] == "closed" and c["answers"] == 1, repr(c))
    team.run_fail("sune", 1, "conflict", "concern", "close", str(cid))
    st = team.run_json("pia", "concern", "status", rec["receipt"])
    check(st["receipts"][0]["state"] == "handled", repr(st))
    check(team.run_json("anna", "concern", "list")["concerns"] == [], "closed ones are not open")
    check(len(team.run_json("anna", "concern", "list", "--status", "closed")["concerns"]) == 1,
          "closed ones are listed on asking")
    # The core team's status of the area counts the open concerns; a partner's does not.
    team.run_json("per", "concern", "submit", "--purpose", "bekymring", "--area", "Gellerup", body)
    check(team.run_json("anna", "area", "status", "Gellerup")["open_concerns"] == 1, "open count")
    check("open_concerns" not in team.run_json("per", "area", "status", "Gellerup"), "partner")

    # --- every step is audited, with identifiers only ----------------------------------------
    entries = audit_entries(db_path)
    seen = {(e["op"], e["decision"]) for e in entries}
    for op in ("concern.intake", "concern.submit", "receipt.status", "concern.list",
               "concern.fetch", "concern.assign", "concern.answer", "concern.close"):
        check((op, "permit") in seen, "no permitted %s in the audit log" % op)
    for op in ("concern.list", "concern.fetch"):
        check((op, "deny") in seen, "the partner's refused %s is in the audit log" % op)
    sub = [e for e in entries if e["op"] == "concern.submit" and e["decision"] == "permit"]
    check(sub[0]["seq"] == rec["audit"] and sub[0]["class"] == "concern" and
          sub[0]["purpose"] == "bekymring" and sub[0]["role"] == "partner", repr(sub[0]))
    blob = repr(entries)
    check("nr. 14" not in blob and "mentor" not in blob, "no text in the audit log")

    # --- an intake rule that would let a partner read back is rejected ------------------------
    pol = open(os.path.join(d.dir, "policy.conf")).read()
    bad = pol.replace('intake "concern-intake"',
                      'permit "read-back"\n  role partner action read class concern\n\n'
                      'intake "concern-intake"')
    check(bad != pol, "policy edited")
    bad_path = os.path.join(team.home, "bad.policy")
    open(bad_path, "w").write(bad)
    p = subprocess.run([SAMVIRKE, "policy", "check", bad_path], capture_output=True, text=True)
    line = pol[:pol.index('intake "concern-intake"')].count("\n") + 2
    check(p.returncode == 1 and "bad.policy:%d:" % line in p.stderr and
          "partner" in p.stderr and "concern" in p.stderr and "ssp" in p.stderr,
          "the checker rejects a read-back rule with file:line:col: %r" % p.stderr)
    for action in ("receive", "update"):
        p = subprocess.run([SAMVIRKE, "policy", "check", "/dev/stdin"], capture_output=True,
                           text=True,
                           input=pol.replace('intake "concern-intake"',
                                             'permit "leak"\n  role partner action %s class '
                                             'concern\n\nintake "concern-intake"' % action))
        check(p.returncode == 1 and "concern" in p.stderr, "%s rejected: %r" % (action, p.stderr))

    for c in (pia, per, aud):
        c.close()
    rc = d.stop()
    check(rc == 0, "daemon exit status %d" % rc)
    log = d.read_log()
    check("LeakSanitizer" not in log and "runtime error" not in log, "sanitizer report:\n" + log)
    print("concerns: ok")
finally:
    team.cleanup()

"""test_audit_outcome.py -- the audit entry records what a request got, not only what the policy
decided: a request the policy permits that the CPR guard, the minimum group size, a wrong invite
or a conflict then refuses is logged with its error code as outcome (decision still permit), a
denial with "denied", a success with "ok"; `samvirke audit show --outcome` finds each of them,
and `--outcome error` finds every failure and nothing else."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import svaudit as A  # noqa: E402
from areatest import Team  # noqa: E402
from svnote import Identity  # noqa: E402
from svtest import Client, check  # noqa: E402

team = Team([("anna", "coordinator"), ("pia", "partner"), ("aud", "auditor")])
d = team.daemon
try:
    d.start()
    anna, pia = team.wire("anna"), team.wire("pia")
    want = {}  # audit seq -> (outcome, decision)

    def expect(r, code, decision="permit"):
        got = "ok" if r["ok"] else r["error"]["code"]
        check(got == code, "request answered %s, expected %s: %r" % (got, code, r))
        want[r["audit"]] = (code, decision)

    expect(anna.call("area.add", name="Vollsmose"), "ok")
    expect(anna.call("area.add", name="Vollsmose"), "conflict")
    base = dict(area="Vollsmose", kind="challenge", category="tryghed")
    expect(pia.call("observation.add", level="area", text="nr 010190-1234", **base),
           "personal_data")
    expect(pia.call("observation.add", level="group", size=2, text="en lille gruppe", **base),
           "personal_data")
    expect(pia.call("observation.add", level="group", size=8, text="en gruppe unge", **base), "ok")
    r = anna.call("member.invite", role="ssp", name="Sara")
    expect(r, "ok")
    code = r["result"]["code"]
    wrong = code[:-1] + ("A" if code[-1] != "A" else "B")
    sara = Identity("Sara")
    s = Client(d.port, d.server_key, keypair=sara.noise)
    expect(s.call("enroll", invite=wrong, card=sara.card), "invite_invalid")
    expect(pia.call("member.invite", role="ssp", name="Mads"), "denied", "deny")
    s.close()

    # The log itself, decoded by the independent verifier.
    aud = team.wire("aud")
    size = aud.call("audit.checkpoint")["result"]["size"]
    while size <= max(want):
        size = aud.call("audit.checkpoint")["result"]["size"]
    entries = A.check_versions(A.fetch_all(aud, size))
    for seq, (code, decision) in want.items():
        e = entries[seq]
        check(e["v"] == 2 and e["outcome"] == code and e["decision"] == decision,
              "entry %d: outcome %r decision %r, expected %s/%s" %
              (seq, e["outcome"], e["decision"], code, decision))
    aud.close()
    anna.close()
    pia.close()

    # The auditor's CLI finds them by outcome.
    team.run_ok("aud", "audit", "fetch")

    def shown(*args):
        return {e["seq"]: e for e in team.run_json("aud", "audit", "show", *args)["entries"]}

    for code in ("personal_data", "conflict", "invite_invalid", "denied"):
        got = shown("--outcome", code)
        mine = {s for s, (c, _) in want.items() if c == code}
        check(mine <= set(got), "--outcome %s lacks %r: %r" % (code, mine - set(got), got))
        check(all(e["outcome"] == code for e in got.values()), "--outcome %s: %r" % (code, got))
    failed = shown("--outcome", "error")
    check({s for s, (c, _) in want.items() if c != "ok"} <= set(failed), "--outcome error")
    check(all(e["outcome"] != "ok" for e in failed.values()), "--outcome error shows only failures")
    check(not ({s for s, (c, _) in want.items() if c == "ok"} & set(failed)), "no success listed")
    ok = shown("--outcome", "ok")
    check(all(e["outcome"] == "ok" for e in ok.values()) and len(ok) > 0, "--outcome ok")
    # Permitted, then refused by a guard: what an auditor looking for refusals needs.
    pd = shown("--outcome", "personal_data", "--decision", "permit")
    check(len([s for s, (c, _) in want.items() if c == "personal_data"]) == 2 and
          {s for s, (c, _) in want.items() if c == "personal_data"} <= set(pd), "permit+pd")
    out = team.run_ok("aud", "audit", "show", "--outcome", "conflict")
    check(" outcome=conflict" in out and "area.add" in out, "text line: %r" % out)
    team.run_fail("aud", 2, "--outcome takes", "audit", "show", "--outcome", "Personal Data")
    print("ok: %d outcomes logged and found (%s)" %
          (len(want), json.dumps(sorted({c for c, _ in want.values()}))))
finally:
    team.cleanup()

"""test_area_limits.py -- the area-data limits at both sides of their boundaries, against a real
daemon: the minimum group size at min - 1 and min (the default 5 and a policy's 8) for
observations, corrections, interventions and meeting decisions, a group-level intervention
without a size; a point farther than 25 km from the middle of its area's other points refused
(24.9 km accepted, 25.1 km and swapped latitude/longitude refused); a withdrawn or corrected
observation's text gone from the database file; and a coordinator withdrawing a partner's
observation that holds personal data, with the reason stated and audited."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import svaudit as A  # noqa: E402
from areatest import Team  # noqa: E402
from svtest import check  # noqa: E402

KM_PER_DEGREE = 6371.0088 * 3.141592653589793 / 180  # along a meridian (guard_distance_km)


def code(r):
    return "ok" if r["ok"] else r["error"]["code"]


def expect(r, want, what, fragment=None):
    check(code(r) == want, "%s: %s, expected %s: %r" % (what, code(r), want, r))
    if fragment is not None:
        check(fragment in r["error"]["message"], "%s: message lacks %r: %r" % (what, fragment, r))
    return r.get("result")


def sizes(team, minimum):
    """The group size at minimum - 1 and minimum, on every op that takes one."""
    pia, anna = team.wire("pia"), team.wire("anna")
    base = dict(area="Vollsmose", kind="challenge", category="tryghed", text="unge samles")
    for lvl in ("group", "area"):  # a size given at area level must reach the minimum too
        expect(pia.call("observation.add", level=lvl, size=minimum - 1, **base), "personal_data",
               "%s observation of %d" % (lvl, minimum - 1), "minimum group size of %d" % minimum)
        expect(pia.call("observation.add", level=lvl, size=minimum, **base), "ok",
               "%s observation of %d" % (lvl, minimum))
    expect(pia.call("observation.add", level="group", **base), "personal_data",
           "group observation without a size", "needs the group's approximate size")
    oid = expect(pia.call("observation.add", level="group", size=minimum + 3, **base), "ok",
                 "group observation")["id"]
    expect(pia.call("observation.update", observation=oid, size=minimum - 1), "personal_data",
           "corrected to %d" % (minimum - 1))
    expect(pia.call("observation.update", observation=oid, size=minimum), "ok",
           "corrected to %d" % minimum)
    iv = dict(area="Vollsmose", step="act", text="natteravne i weekenden")
    expect(pia.call("intervention.add", level="group", **iv), "personal_data",
           "group intervention without a size", "group-level intervention needs")
    expect(pia.call("intervention.add", level="group", size=minimum - 1, **iv), "personal_data",
           "group intervention of %d" % (minimum - 1), "minimum group size of %d" % minimum)
    res = expect(pia.call("intervention.add", level="group", size=minimum, **iv), "ok",
                 "group intervention of %d" % minimum)
    check(res["size"] == minimum and res["level"] == "group", "intervention keeps its size: %r"
          % res)
    res = expect(pia.call("intervention.add", level="area", **iv), "ok", "area intervention")
    check("size" not in res, "an area-level intervention has no size: %r" % res)
    m = expect(anna.call("meeting.add", area="Vollsmose", track="area", time=1900000000),
               "ok", "meeting")
    mid = m["id"]
    dec = dict(meeting=mid, text="en indsats for gruppen", level="group")
    expect(anna.call("meeting.decide", **dec), "personal_data", "group decision without size")
    expect(anna.call("meeting.decide", size=minimum - 1, **dec), "personal_data",
           "group decision of %d" % (minimum - 1))
    expect(anna.call("meeting.decide", size=minimum, **dec), "ok", "group decision of %d" % minimum)
    pia.close()
    anna.close()


def db_bytes(d):
    """Every byte of the daemon's database files (the database, its WAL and shared memory)."""
    out = b""
    for name in sorted(os.listdir(d.dir)):
        if name.startswith("samvirke.db"):
            out += open(os.path.join(d.dir, name), "rb").read()
    return out


team = Team([("anna", "coordinator"), ("pia", "partner"), ("sune", "ssp"), ("aud", "auditor")])
d = team.daemon
try:
    d.start()
    team.run_ok("anna", "area", "add", "Vollsmose")
    team.run_ok("anna", "area", "add", "Gellerup")
    sizes(team, 5)

    # --- coordinates: 25 km from the middle of the area's other points ------------------------
    pia = team.wire("pia")
    obs = dict(area="Vollsmose", kind="resource", category="fritid", level="area", text="bænk")
    lon0 = 10.4230
    first = expect(pia.call("observation.add", lat=55.3920, lon=lon0, **obs), "ok", "first point")
    expect(pia.call("observation.add", lat=55.3930, lon=lon0, **obs), "ok", "second point")
    expect(pia.call("observation.add", lat=55.3940, lon=lon0, **obs), "ok", "third point")
    # The middle is (55.3930, 10.4230); due north, the distance is the latitude difference.
    far = 55.3930 + 25.1 / KM_PER_DEGREE
    near = 55.3930 + 24.9 / KM_PER_DEGREE
    expect(pia.call("observation.add", lat=far, lon=lon0, **obs), "invalid", "25.1 km away",
           "25.1 km from the middle")
    expect(pia.call("observation.add", lat=lon0, lon=55.3930, **obs), "invalid",
           "latitude and longitude swapped", "not swapped")
    expect(pia.call("observation.update", observation=first["id"], lat=lon0, lon=55.3930),
           "invalid", "moved to the swapped point")
    expect(pia.call("observation.add", lat=near, lon=lon0, **obs), "ok", "24.9 km away")
    # Another area's points do not count; a first point anywhere is taken.
    expect(pia.call("observation.add", **dict(obs, area="Gellerup"), lat=56.1543, lon=10.1318),
           "ok", "first point of Gellerup")
    err = team.run_fail("pia", 1, "km from the middle", "observe", "Vollsmose", "--resource",
                        "--category", "fritid", "--at", "10.4230,55.3930", "bænk")
    check("25 km" in err, "the CLI says the rule: %r" % err)

    # --- a withdrawn (or corrected) observation's text leaves the database file --------------
    mark = "MARK%s" % os.urandom(6).hex()
    o = expect(pia.call("observation.add", **dict(obs, text=mark + "-first")), "ok", "marked")
    expect(pia.call("observation.update", observation=o["id"], text=mark + "-second"), "ok",
           "corrected")
    check((mark + "-second").encode() in db_bytes(d), "the marker is found in the files at all")
    expect(pia.call("observation.withdraw", observation=o["id"]), "ok", "withdrawn")
    pia.close()

    # --- the coordinator withdraws a partner's observation that holds personal data -----------
    pia, anna, sune = team.wire("pia"), team.wire("anna"), team.wire("sune")
    p1 = expect(pia.call("observation.add", **dict(obs, text="Mikkel fra nr. 7 sælger")), "ok",
                "an observation naming a person")["id"]
    expect(anna.call("observation.withdraw", observation=p1), "denied",
           "the coordinator without a reason", "only the author")
    expect(anna.call("observation.withdraw", observation=p1, reason="wrong"), "invalid",
           "another reason", "personal_data")
    expect(sune.call("observation.withdraw", observation=p1, reason="personal_data"), "denied",
           "an SSP consultant", "by default the coordinator")
    r = anna.call("observation.withdraw", observation=p1, reason="personal_data")
    expect(r, "ok", "the coordinator, stating personal_data")
    override_seq = r["audit"]
    lst = pia.call("observation.list", area="Vollsmose")["result"]["observations"]
    check(p1 not in [x["id"] for x in lst], "the withdrawn observation is not listed")
    p2 = expect(pia.call("observation.add", **dict(obs, text="endnu en med navn")), "ok", "p2")
    out = team.run_ok("anna", "observation", "withdraw", str(p2["id"]), "--reason",
                      "personal_data")
    check("withdrawn" in out, "CLI withdraw --reason: %r" % out)
    team.run_fail("anna", 2, "--reason takes personal_data", "observation", "withdraw",
                  str(p2["id"]), "--reason", "other")
    for c in (pia, anna, sune):
        c.close()
    aud = team.wire("aud")
    size = aud.call("audit.checkpoint")["result"]["size"]
    while size <= override_seq:
        size = aud.call("audit.checkpoint")["result"]["size"]
    e = A.decode_entry(aud.call("audit.entries", start=override_seq, count=1)
                       ["result"]["entries"][0])
    check(e["op"] == "observation.withdraw" and e["decision"] == "permit" and
          e["outcome"] == "ok" and e["rule"].startswith("withdraw-personal-data (") and
          e["object"] == "observation:%d reason:personal_data" % p1 and e["role"] == "coordinator",
          "the override's audit entry: %r" % e)
    aud.close()
    check(d.stop() == 0, "daemon stopped")
    files = db_bytes(d)
    for t in (mark + "-first", mark + "-second", "Mikkel fra nr. 7", "endnu en med navn"):
        check(t.encode() not in files, "%r is still in the database files" % t)
    check(b"Vollsmose" in files, "the files were read")
finally:
    team.cleanup()

# --- a policy with another minimum group size -------------------------------------------------
team = Team([("anna", "coordinator"), ("pia", "partner")])
d = team.daemon
try:
    pol = os.path.join(d.dir, "policy.conf")
    text = open(pol).read()
    check("set min_group_size = 5" in text, "the default policy sets 5")
    open(pol, "w").write(text.replace("set min_group_size = 5", "set min_group_size = 8"))
    d.start()
    team.run_ok("anna", "area", "add", "Vollsmose")
    sizes(team, 8)
    print("ok: group sizes at min-1/min (5 and 8), 25 km rule at 24.9/25.1 km, withdrawn text "
          "deleted, coordinator override audited")
finally:
    team.cleanup()

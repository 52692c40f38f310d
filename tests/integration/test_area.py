"""test_area.py -- area data through the real CLI against a real daemon: the coordinator sets up
areas, a partner observes and lists, corrections and withdrawals by the author only, the
auditor is kept out, a partner is denied individual data (and the denial is logged), the
privacy guards answer with their error codes, interventions, --json everywhere, and the
GeoJSON and SVG exports."""
import json
import math
import os
import signal
import sys
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import msgpack  # noqa: E402

from areatest import Team, audit_entries  # noqa: E402
from svtest import check, fail  # noqa: E402

team = Team([("anna", "coordinator"), ("pia", "partner"), ("sune", "ssp"),
             ("aud", "auditor")])
d = team.daemon
try:
    d.start()

    # --- areas ---------------------------------------------------------------------------
    out = team.run_ok("anna", "area", "add", "Gellerup", "--description", "Boligområde, Aarhus V")
    check("area #1 'Gellerup' added" in out, "area add output: %r" % out)
    team.run_ok("anna", "area", "add", "Tingbjerg")
    team.run_fail("anna", 1, "conflict", "area", "add", "Gellerup")
    areas = team.run_json("pia", "area", "list")
    check([a["name"] for a in areas["areas"]] == ["Gellerup", "Tingbjerg"], "area list: %r" % areas)
    check(areas["areas"][0]["description"] == "Boligområde, Aarhus V", "description kept")
    check(areas["areas"][0]["author"] == "anna", "area author")
    check(isinstance(areas["audit"], int), "--json carries the audit sequence")

    # --- a partner observes and lists -----------------------------------------------------
    o1 = team.run_json("pia", "observe", "Gellerup", "--resource", "--category", "fritid",
                       "--at", "56.1543,10.1318", "Gospelkoret", "øver", "hver", "tirsdag")
    check(o1["text"] == "Gospelkoret øver hver tirsdag", "TEXT words joined: %r" % o1)
    check(o1["kind"] == "resource" and o1["level"] == "area" and o1["author"] == "pia", repr(o1))
    check(abs(o1["lat"] - 56.1543) < 1e-9 and abs(o1["lon"] - 10.1318) < 1e-9, "coordinates")
    o2 = team.run_json("pia", "observe", "Gellerup", "--challenge", "--category", "tryghed",
                       "--group", "--size", "12", "--at", "56.1519,10.1297",
                       "Unge samles ved indkøbscentrets bagindgang efter kl. 22")
    check(o2["level"] == "group" and o2["size"] == 12, repr(o2))
    o3 = team.run_json("anna", "observe", "Gellerup", "--challenge", "--category", "belysning",
                       "Mørk sti mellem blok 4 og skolen")
    check("lat" not in o3 and "size" not in o3, "no location or size given: %r" % o3)
    out = team.run_ok("pia", "observations", "Gellerup")
    for frag in ("Gospelkoret øver hver tirsdag", "group ~12", "@ 56.15430,10.13180",
                 "Mørk sti mellem blok 4 og skolen"):
        check(frag in out, "observations output lacks %r:\n%s" % (frag, out))
    lst = team.run_json("pia", "observations", "Gellerup")
    check([o["id"] for o in lst["observations"]] == [o1["id"], o2["id"], o3["id"]],
          "list order: %r" % lst)
    lst = team.run_json("pia", "observations", "Gellerup", "--kind", "challenge")
    check([o["id"] for o in lst["observations"]] == [o2["id"], o3["id"]], "--kind filter")
    lst = team.run_json("pia", "observations", "Gellerup", "--category", "fritid")
    check([o["id"] for o in lst["observations"]] == [o1["id"]], "--category filter")
    lst = team.run_json("pia", "observations", "Gellerup", "--since", str(int(time.time()) + 3600))
    check(lst["observations"] == [], "--since in the future lists nothing")
    lst = team.run_json("pia", "observations", "Gellerup", "--since", "1d")
    check(len(lst["observations"]) == 3, "--since 1d lists today's")
    team.run_fail("pia", 1, "not_found", "observations", "Nowhere")
    team.run_fail("pia", 2, "--kind", "observations", "Gellerup", "--kind", "other")

    # --- corrections and withdrawals: the author only ---------------------------------------
    c = team.run_json("pia", "observation", "correct", str(o1["id"]), "--text",
                      "Gospelkoret øver tirsdag og torsdag", "--at", "56.1544,10.1319")
    check(c["text"] == "Gospelkoret øver tirsdag og torsdag" and abs(c["lat"] - 56.1544) < 1e-9,
          "correction applied: %r" % c)
    team.run_fail("anna", 1, "denied", "observation", "correct", str(o1["id"]), "--text", "x")
    team.run_fail("anna", 1, "denied", "observation", "withdraw", str(o2["id"]))
    team.run_fail("pia", 1, "not_found", "observation", "withdraw", "999")
    w = team.run_json("pia", "observation", "withdraw", str(o2["id"]))
    check(w["withdrawn"] is True and w["id"] == o2["id"], repr(w))
    lst = team.run_json("anna", "observations", "Gellerup")
    check(o2["id"] not in [o["id"] for o in lst["observations"]], "withdrawn observation hidden")
    team.run_fail("pia", 1, "not_found", "observation", "withdraw", str(o2["id"]))
    team.run_fail("pia", 1, "not_found", "observation", "correct", str(o2["id"]), "--text", "y")

    # --- the auditor cannot read or write area data ------------------------------------------
    team.run_fail("aud", 1, "denied", "observations", "Gellerup")
    team.run_fail("aud", 1, "denied", "area", "list")
    team.run_fail("aud", 1, "denied", "observe", "Gellerup", "--resource", "--category", "x", "y")
    team.run_fail("aud", 1, "denied", "intervention", "list")

    # --- a partner is denied individual data, and the denial is in the audit log ------------
    pia = team.wire("pia")
    r = pia.call("observation.add", area="Gellerup", kind="challenge", category="x",
                 level="individual", text="about one person")
    check(not r["ok"] and r["error"]["code"] == "denied", "partner individual: %r" % r)
    denial_seq = r["audit"]
    sune = team.wire("sune")
    r = sune.call("observation.add", area="Gellerup", kind="challenge", category="x",
                  level="individual", text="about one person")
    check(not r["ok"] and r["error"]["code"] in ("denied", "personal_data"), repr(r))

    # --- guards, with their error codes (wire level: the CLI refuses CPR numbers itself) -----
    base = dict(area="Gellerup", kind="challenge", category="tryghed", level="area")

    def refused(code, **kw):
        args = dict(base)
        args.update(kw)
        r = pia.call("observation.add", **args)
        check(not r["ok"] and r["error"]["code"] == code,
              "%r: expected %s, got %r" % (kw, code, r))
        check("audit" in r, "a refusal is audited too")
        return r["error"]["message"]

    msg = refused("personal_data", text="Kontakt far, cpr 010190-1234, om sønnen")
    check("restricted note" in msg, "the message points at restricted notes: %r" % msg)
    refused("personal_data", text="nr 2902004234 er nævnt")  # 29 Feb 2000 (serial digit 4)
    r = pia.call("observation.add", text="nr 2902001234 er nævnt", **base)
    check(r["ok"], "29 Feb 1900 with serial digit 1 is not a valid CPR date: %r" % r)
    r = pia.call("observation.add", text="kontonr 01019012345678 i teksten", **base)
    check(r["ok"], "a longer digit run is not a CPR number: %r" % r)
    refused("personal_data", level="group", text="two lads", size=2)
    refused("personal_data", level="group", text="a group, no size")
    refused("personal_data", text="ok", category="cpr 0101901234")
    refused("invalid", text="x" * 5000)
    refused("invalid", text="")
    refused("invalid", text="ok", lat=91.0, lon=10.0)
    refused("invalid", text="ok", lat=56.0, lon=-181.0)
    refused("invalid", text="ok", lat=56.0)
    refused("invalid", text="ok", kind="gossip")
    refused("invalid", text="ok", category=" padded")
    refused("invalid", text="bell\x07")
    refused("bad_request", text="ok", level="street")
    # Invalid UTF-8 in a str: build the frame by hand.
    body = msgpack.packb({"id": 900, "op": "observation.add", "area": "Gellerup",
                          "kind": "challenge", "category": "x", "level": "area",
                          "text": "placeholder"}, use_bin_type=True)
    body = body.replace(b"placeholder", b"bad \xff\xfe text")
    pia.send_frame(body)
    r = pia.response(900)
    check(not r["ok"] and r["error"]["code"] == "invalid", "invalid UTF-8: %r" % r)
    # The CLI refuses a CPR-shaped number before sending anything.
    before = len(audit_entries(os.path.join(d.dir, "samvirke.db")))
    team.run_fail("pia", 1, "personal_data", "observe", "Gellerup", "--challenge", "--category",
                  "x", "Far til 010190-1234")
    check(len(audit_entries(os.path.join(d.dir, "samvirke.db"))) == before,
          "nothing reached the daemon")
    team.run_fail("pia", 1, "personal_data", "observe", "Gellerup", "--challenge", "--category",
                  "x", "--group", "--size", "3", "Tre drenge")
    team.run_fail("pia", 2, "--at", "observe", "Gellerup", "--resource", "--category", "x",
                  "--at", "95,10", "t")

    entries = audit_entries(os.path.join(d.dir, "samvirke.db"))
    e = entries[denial_seq]
    check(e["seq"] == denial_seq and e["op"] == "observation.add" and e["class"] == "individual"
          and e["decision"] == "deny" and e["role"] == "partner",
          "the partner's denial is in the audit log: %r" % e)
    for e in entries:
        check("010190" not in json.dumps(e, default=repr), "no text in audit entries")
    objs = [e["object"] for e in entries if e["op"] == "observation.withdraw"]
    check("observation:%d" % o2["id"] in objs, "withdrawal logged with its object id")

    # --- interventions --------------------------------------------------------------------
    iv = team.run_json("anna", "intervention", "add", "Gellerup", "--level", "group", "--size",
                       "12", "--step", "act", "Gadeplan på aftenvagt ved indkøbscentret")
    check(iv["status"] == "planned" and iv["step"] == "act" and iv["level"] == "group" and
          iv["size"] == 12, repr(iv))
    team.run_ok("pia", "intervention", "add", "Tingbjerg", "--level", "area", "--step", "map",
                "Kortlægning af foreningslivet")
    # Only the owner (by default the author) and the core team change an intervention.
    team.run_fail("pia", 1, "denied", "intervention", "update", str(iv["id"]), "--status",
                  "running")
    up = team.run_json("sune", "intervention", "update", str(iv["id"]), "--status", "running")
    check(up["status"] == "running", repr(up))
    team.run_fail("pia", 2, "--status", "intervention", "update", str(iv["id"]), "--status", "x")
    team.run_fail("pia", 2, "--step", "intervention", "add", "Gellerup", "--level", "area",
                  "--step", "plan", "t")
    team.run_fail("pia", 1, "not_found", "intervention", "update", "99", "--status", "done")
    all_iv = team.run_json("pia", "intervention", "list")
    check([i["area"] for i in all_iv["interventions"]] == ["Gellerup", "Tingbjerg"], repr(all_iv))
    one = team.run_json("pia", "intervention", "list", "Tingbjerg")
    check(len(one["interventions"]) == 1 and one["interventions"][0]["step"] == "map", repr(one))
    out = team.run_ok("pia", "intervention", "list")
    check("running" in out and "Kortlægning af foreningslivet" in out, out)
    r = pia.call("intervention.add", area="Gellerup", level="group", step="act",
                 text="Samtale med 010190-1234")
    check(r["error"]["code"] == "personal_data", repr(r))

    # --- maps -------------------------------------------------------------------------------
    team.run_ok("pia", "observe", "Gellerup", "--resource", "--category", "familie",
                "--at", "56.1527,10.1352", "Fædregruppen <mødes> & \"snakker\"")
    gj_path = os.path.join(team.home, "g.geojson")
    svg_path = os.path.join(team.home, "g.svg")
    out = team.run_ok("pia", "map", "Gellerup", "--geojson", gj_path, "--svg", svg_path,
                      "--lang", "en")
    gj = json.load(open(gj_path))
    # RFC 7946: a FeatureCollection has "features", an array of Feature objects; each has
    # "geometry" (a Point's "coordinates" is [longitude, latitude] of numbers) and "properties".
    check(gj["type"] == "FeatureCollection" and isinstance(gj["features"], list), "collection")
    visible = team.run_json("pia", "observations", "Gellerup")["observations"]
    located = [o for o in visible if "lat" in o]
    check(len(gj["features"]) == len(located) >= 2, "one feature per located observation")
    for f, o in zip(gj["features"], located):
        check(f["type"] == "Feature" and "properties" in f and "geometry" in f, repr(f))
        g = f["geometry"]
        check(g["type"] == "Point" and len(g["coordinates"]) == 2, repr(g))
        lon, lat = g["coordinates"]
        check(all(isinstance(v, (int, float)) and math.isfinite(v) for v in (lon, lat)), repr(g))
        check(abs(lon - o["lon"]) < 1e-9 and abs(lat - o["lat"]) < 1e-9, "[lon, lat] order")
        p = f["properties"]
        for k in ("kind", "category", "level", "text", "time"):
            check(k in p, "property %s: %r" % (k, p))
        check(p["text"] == o["text"] and p["kind"] == o["kind"], repr(p))
        check(time.strptime(p["time"], "%Y-%m-%dT%H:%M:%SZ"), "ISO 8601 time")
        check(isinstance(f.get("id", 0), (int, str)), "feature id is a number or string")
    check("bbox" not in gj or len(gj["bbox"]) == 4, "bbox shape")
    root = ET.parse(svg_path).getroot()  # well-formed XML, despite <, & and " in the text
    ns = "{http://www.w3.org/2000/svg}"
    check(root.tag == ns + "svg", "an SVG document")
    texts = "".join("".join(t.itertext()) for t in root.iter(ns + "text"))
    for frag in ("Gellerup", "Resource", "Challenge", "Not on the map",
                 "Mørk sti mellem blok 4", "Fædregruppen <mødes> & \"snakker\"", " m"):
        check(frag in texts, "SVG text lacks %r" % frag)
    fills = [c.get("fill") for c in root.iter(ns + "circle")]
    check("#1a9850" in fills and "#d73027" in fills, "green and red markers")
    team.run_ok("pia", "map", "Gellerup", "--svg", svg_path)  # Danish by default
    texts = "".join("".join(t.itertext()) for t in ET.parse(svg_path).getroot().iter(ns + "text"))
    for frag in ("Ressource", "Udfordring", "Ikke på kortet", "Mørk sti mellem blok 4"):
        check(frag in texts, "Danish SVG text lacks %r" % frag)
    out = team.run_ok("pia", "map", "Gellerup", "--geojson", "-")
    check(json.loads(out)["type"] == "FeatureCollection", "GeoJSON on stdout")
    team.run_fail("pia", 2, "--geojson", "map", "Gellerup")
    team.run_fail("aud", 1, "denied", "map", "Gellerup", "--svg", svg_path)

    # --- a policy that keeps partners out of group data --------------------------------------
    gp = pia.call("observation.add", area="Gellerup", kind="resource", category="x",
                  level="group", size=8, text="Mødregruppe")
    check(gp["ok"], repr(gp))
    pol_path = os.path.join(d.dir, "policy.conf")
    pol = open(pol_path).read()
    new_pol = pol.replace('permit "group-work"\n  role coordinator, ssp, police, partner',
                          'permit "group-work"\n  role coordinator, ssp, police')
    new_pol = new_pol.replace("expect permit partner read group level group\n", "")
    check(new_pol != pol, "policy edited")
    open(pol_path, "w").write(new_pol)
    d.signal(signal.SIGHUP)
    deadline = time.time() + 10
    while True:
        r = pia.call("observation.list", area="Gellerup")
        ids = [o["id"] for o in r["result"]["observations"]]
        if gp["result"]["id"] not in ids or time.time() > deadline:
            break
        time.sleep(0.1)
    check(gp["result"]["id"] not in ids,
          "group-level observations hidden from a partner who may not read them")
    ids = [o["id"] for o in team.run_json("anna", "observations", "Gellerup")["observations"]]
    check(gp["result"]["id"] in ids, "the coordinator still sees it")
    # The partner's own group observation cannot be changed now: the decision follows the
    # stored level, and the denial is logged with class "group".
    r = pia.call("observation.withdraw", observation=gp["result"]["id"])
    check(not r["ok"] and r["error"]["code"] == "denied", repr(r))
    e = audit_entries(os.path.join(d.dir, "samvirke.db"))[r["audit"]]
    check(e["class"] == "group" and e["decision"] == "deny" and
          e["object"] == "observation:%d" % gp["result"]["id"], repr(e))
    r = pia.call("observation.add", area="Gellerup", kind="resource", category="x",
                 level="group", size=8, text="Endnu en gruppe")
    check(not r["ok"] and r["error"]["code"] == "denied", repr(r))
    r = pia.call("observation.update", observation=o1["id"], text="still mine")
    check(r["ok"], "area-level correction still permitted: %r" % r)
    e = audit_entries(os.path.join(d.dir, "samvirke.db"))[r["audit"]]
    check(e["class"] == "area" and e["object"] == "observation:%d" % o1["id"], repr(e))

    pia.close()
    sune.close()
    rc = d.stop()
    check(rc == 0, "daemon exit status %d" % rc)
    log = d.read_log()
    check("LeakSanitizer" not in log and "runtime error" not in log, "sanitizer report:\n" + log)
    print("area: ok")
finally:
    team.cleanup()

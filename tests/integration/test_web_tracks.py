"""test_web_tracks.py -- the two tracks in `samvirke web`, in a real browser against a real daemon.
A partner sees the area's outline and the links as lines on the map (no base map), the markers
numbered by observation id, where the area stands, the overdue follow-up, the area-track
meetings only (never a core-track one, in no page and no answer), plans an area meeting with the
agenda drafted from what is new since the last one (it then shows in the CLI), adds an item,
records a decision that becomes an intervention linked to the meeting, and writes minutes (a CPR
number stopped beside the field). The core team sees both tracks and reads a core-track
meeting's minutes decrypted in samvirke web (no-store; never sent as plain text) and writes
another's, sealed in samvirke web to the attendees. The projector
view shows the area meeting's agenda (the area track only, whoever looks), the outline and the
links. The pages load nothing from anywhere but samvirke web itself.
SAMVIRKE_KEEP_SCREENSHOTS=DIR keeps the map page and the projector view."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from areatest import Team, audit_entries  # noqa: E402
from svtest import check  # noqa: E402
from webtest import Browser, Web, close_all, png_pixels, region_colors  # noqa: E402

SECRET = "Kerneteam: drengen i blok 4 (15) har brug for en mentor"
SECRET2 = "Kerneteam: familien i opgang 9 er kontaktet af SSP"
KEEP = os.environ.get("SAMVIRKE_KEEP_SCREENSHOTS")

team = Team([("anna", "coordinator"), ("sune", "ssp"), ("pia", "partner")])
d = team.daemon
webs, browser = [], None


def own_resources(b, base):
    """The URLs the page fetched that are not samvirke web's own (a data: URL is no fetch:
    Leaflet blanks a tile it drops with one)."""
    urls = b.d.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    return [u for u in urls if not u.startswith(base + "/") and not u.startswith("data:")]


def shot(b, name):
    png = b.d.get_screenshot_as_png()
    if KEEP:
        with open(os.path.join(KEEP, name), "wb") as f:
            f.write(png)
    p = png_pixels(png)
    colors = region_colors(p, 0, 0, p[0], p[1])
    check(len(colors) > 8 and max(colors.values()) < 0.995 * sum(colors.values()),
          "the %s screenshot is not blank (%d colours)" % (name, len(colors)))
    return p, colors


try:
    d.start()
    now = int(time.time())
    team.run_ok("anna", "area", "add", "Vollsmose", "--description", "Boligområde i Odense Øst")
    outline = os.path.join(team.home, "outline.geojson")
    json.dump({"type": "Polygon", "coordinates": [[
        [10.4280, 55.4040], [10.4420, 55.4040], [10.4420, 55.4120], [10.4280, 55.4120],
        [10.4280, 55.4040]]]}, open(outline, "w"))
    team.run_ok("anna", "area", "update", "Vollsmose", "--boundary", outline)
    res = team.run_json("pia", "observe", "Vollsmose", "--resource", "--category", "fritid",
                        "--at", "55.4085,10.4353", "Gospelkor i beboerhuset")["id"]
    ch = team.run_json("pia", "observe", "Vollsmose", "--challenge", "--category", "tryghed",
                       "--at", "55.4060,10.4335", "Unge samles ved tunnelen")["id"]
    team.run_ok("pia", "link", "add", "--resource", str(res), "--challenge", str(ch))
    iv = team.run_json("pia", "intervention", "add", "Vollsmose", "--level", "area", "--step",
                       "act", "--due", str(now - 86400), "Natteravne ved tunnelen")["id"]
    # an area meeting held just now, and the core team's own meeting with sealed minutes
    time.sleep(1.1)
    team.run_ok("anna", "meeting", "add", "Vollsmose", "--area", "--at", str(int(time.time())),
                "--title", "Områdemøde juni", "--with", "anna,pia")
    team.run_ok("anna", "meeting", "add", "Vollsmose", "--core", "--at", str(now - 3600),
                "--title", "Kerneteam K-møde", "--with", "anna,sune", "--item", "Bekymringer")
    minutes = os.path.join(team.home, "minutes.txt")
    with open(minutes, "w") as f:
        f.write(SECRET + "\n")
    team.run_ok("anna", "meeting", "minutes", "K1", minutes, "--purpose", "forebyggelse")
    os.unlink(minutes)
    team.run_ok("anna", "meeting", "add", "Vollsmose", "--core", "--at", str(now + 86400),
                "--with", "anna,sune")  # K2: its minutes are written in the browser
    kdec = team.run_json("anna", "meeting", "decide", "K1", "--owner", "sune",
                         "Tryghedsvandring")["intervention"]["id"]
    # something new since the area meeting, for the draft
    time.sleep(1.1)
    new = team.run_json("pia", "observe", "Vollsmose", "--challenge", "--category", "belysning",
                        "--at", "55.4100,10.4300", "Mørk sti bag skolen")["id"]

    pia = Web(team, "pia")
    webs.append(pia)
    browser = Browser()
    b = browser
    from selenium.webdriver.support.ui import Select
    b.login(pia, "/area?name=Vollsmose")

    # --- the map: outline and link lines on a plain background -------------------------------
    b.wait(lambda: len(b.find_all("#map path.sv-marker")) == 3, "three markers")
    b.wait(lambda: len(b.find_all("#map path.sv-boundary")) == 1, "the area's outline on the map")
    b.wait(lambda: len(b.find_all("#map path.sv-link")) == 1, "the link as a line on the map")
    b.wait(lambda: len(b.find_all("#map .sv-num")) == 3, "the markers' numbers")
    nums = sorted(int(x.text) for x in b.find_all("#map .sv-num"))
    check(nums == sorted([res, ch, new]), "the markers are numbered by observation id: %r" % nums)
    check("Intet baggrundskort" in b.text("#map-notice") and
          len(b.find_all("#map img.leaflet-tile")) == 0, "no base map, and the map says so")
    b.wait(lambda: "Hvor området står: 4. Igangsæt" in (b.text("#area-steps") or ""), "where the area stands")
    steps = b.text("#area-steps")
    check("null" not in steps and "overskredet" in steps and b.find("#status-concerns") is None,
          "the status shows the overdue follow-up and, to a partner, no concerns: %r" % steps)
    b.wait(lambda: b.find("#iv-%d" % iv) is not None, "the interventions")
    row = b.find("#iv-%d" % iv)
    check("overdue" in row.get_attribute("class") and "OVERSKREDET" in row.text and
          "ansvarlig pia" in row.text, "the overdue intervention is marked: %r" % row.text)
    check(b.find("#iv-%d" % kdec) is not None and "K1" not in b.text("#iv-%d" % kdec),
          "a core decision's intervention shows no trace of its meeting: %r" % b.text("#iv-%d" % kdec))
    # only the owner and the core team change an intervention: the daemon's refusal is shown
    Select(b.find("#iv-status-%d" % kdec)).select_by_value("running")
    b.wait(lambda: b.find("#area-problem").is_displayed() and
           "ikke adgang" in b.text("#area-problem"), "the refusal of another's intervention")
    check(b.find("#iv-status-%d" % kdec).get_attribute("value") == "planned", "the choice goes back")
    check([x["status"] for x in team.run_json("sune", "intervention", "list", "Vollsmose")["interventions"]
           if x["id"] == kdec] == ["planned"], "and nothing changed")
    if KEEP:
        shot(b, "web-area.png")
    check(own_resources(b, pia.base) == [], "the area page loaded something from elsewhere: %r" %
          own_resources(b, pia.base))

    # --- meetings: the area track only -------------------------------------------------------
    b.wait(lambda: b.find("#meeting-area-1") is not None, "the area meeting is listed")
    check(b.find_all("#meeting-list li.core") == [] and b.find("#meeting-core-1") is None,
          "no core-track meeting is listed for a partner")
    page = b.page_text()
    for frag in ("Kerneteam K-møde", "K1", "kerneteamets møde", "blok 4"):
        check(frag not in page, "the partner's page shows %r" % frag)
    check([o.get_attribute("value") for o in b.find_all("#m-track option")] == ["area"],
          "a partner can plan area meetings only")

    # plan one, with the agenda drafted from what is new since the last meeting
    b.d.execute_script("document.getElementById('m-time').value = arguments[0]",
                       time.strftime("%Y-%m-%dT%H:%M", time.localtime(now + 7 * 86400)))
    b.find("#m-title").send_keys("Områdemøde juli")
    b.find("#m-draft").click()
    b.wait(lambda: "#%d" % new in b.find("#m-items").get_attribute("value"), "the drafted agenda")
    drafted = b.find("#m-items").get_attribute("value").split("\n")
    check(any(x.startswith("Ny udfordring #%d" % new) for x in drafted) and
          any("Opfølgning overskredet" in x and "I%d" % iv in x for x in drafted) and
          not any("#%d:" % res in x or "#%d:" % ch in x or "kobling" in x for x in drafted),
          "new since the last meeting, and the overdue follow-up, not what came before: %r" % drafted)
    check(not any("Bekymring" in x for x in drafted), "no concerns count in a partner's draft")
    b.find("#m-items").send_keys("\nEventuelt")
    b.find("#m-save").click()
    b.wait(lambda: "er planlagt" in (b.text("#area-status") or ""), "the meeting is planned")
    ms = [m for m in team.run_json("pia", "meeting", "list", "Vollsmose")["meetings"]
          if m.get("title") == "Områdemøde juli"]
    check(len(ms) == 1 and ms[0]["track"] == "area" and ms[0]["attendees"] == ["pia"],
          "the CLI lists the meeting planned in the browser: %r" % ms)
    mid = ms[0]["id"]
    shown = team.run_json("pia", "meeting", "show", str(mid))
    check([i["text"] for i in shown["agenda"]] == [x for x in drafted if x] + ["Eventuelt"],
          "its agenda: %r" % shown["agenda"])
    b.wait(lambda: b.find("#md-title") is not None and "#%d" % mid in b.text("#md-title"),
           "the new meeting opens")
    b.find("#md-item").send_keys("Fædregruppen fortæller")
    b.find("#md-item-form button").click()
    b.wait(lambda: "Fædregruppen fortæller" in (b.text("#md-agenda") or ""), "the item is added")
    b.find("#md-decide").send_keys("Fædregruppen inviteres til næste møde")
    b.find("#md-decide-form button").click()
    b.wait(lambda: "Beslutningen er indsats" in (b.text("#area-status") or ""), "the decision")
    dec = [x for x in team.run_json("pia", "intervention", "list", "Vollsmose")["interventions"]
           if x["text"] == "Fædregruppen inviteres til næste møde"]
    check(len(dec) == 1 and dec[0]["meeting"] == mid and dec[0]["owner"] == "pia",
          "the decision is an intervention linked to the meeting: %r" % dec)
    b.wait(lambda: b.find("#iv-%d" % dec[0]["id"]) is not None, "and it is listed")
    # minutes: a CPR number is stopped beside the field, plain minutes are saved
    b.find("#md-minutes-text").send_keys("Talte om drengen 010203-1234")
    b.find("#md-minutes-form button").click()
    b.wait(lambda: b.find('#md-minutes-form [data-err="text"]').is_displayed(), "beside the field")
    check("personoplysninger" in b.text('#md-minutes-form [data-err="text"]'),
          b.text('#md-minutes-form [data-err="text"]'))
    check(team.run_json("pia", "meeting", "show", str(mid))["minutes"] is None, "nothing stored")
    b.find("#md-minutes-text").clear()
    b.find("#md-minutes-text").send_keys("Vi talte om lyset på stien.")
    b.find("#md-minutes-form button").click()
    b.wait(lambda: b.find("#md-minutes") is not None, "the minutes are shown")
    check(team.run_json("sune", "meeting", "show", str(mid))["minutes_text"] ==
          "Vi talte om lyset på stien.", "the CLI reads the minutes")

    # --- the partner's API answers hold no core track -----------------------------------------
    pc = pia.login_cookie()
    # an agenda item with a CPR number is stopped in samvirke web: nothing reaches the daemon
    adds = sum(1 for e in audit_entries(os.path.join(d.dir, "samvirke.db")) if e["op"] == "meeting.add")
    form = {"Cookie": pc, "Origin": pia.base, "X-CSRF-Token": pia.csrf(pc),
            "Content-Type": "application/x-www-form-urlencoded"}
    for body, field in ((b"area=Vollsmose&time=1900000000&item=Velkommen&item=Om%20drengen%20010203-1234", "item"),
                        (b"area=Vollsmose&time=1900000000&title=Far%200102031234", "title")):
        st, h, raw = pia.http("POST", "/api/meeting/add", form, body)
        e = json.loads(raw)["error"]
        check(st == 422 and e["code"] == "personal_data" and e["field"] == field,
              "a CPR number in the %s is refused beside it: %d %r" % (field, st, e))
    check(sum(1 for e in audit_entries(os.path.join(d.dir, "samvirke.db")) if e["op"] == "meeting.add") == adds,
          "the refused meetings never reached the daemon")
    # garbage to the new routes gets a clear refusal, and samvirke web stays up
    for path, body in (("/api/meeting/add", b"area=Vollsmose&time=-1"),
                       ("/api/meeting/add", b"area=Vollsmose&time=99999999999999999999"),
                       ("/api/meeting/add", b"area=Vollsmose&time=1&track=kerne"),
                       ("/api/meeting/add", b"area=Vollsmose&time=1&with=%FF%FE"),
                       ("/api/meeting/add", b"&".join(b"item=x%d" % i for i in range(70))),
                       ("/api/meeting/item", b"id=0&text=x"), ("/api/meeting/item", b"id=abc&text=x"),
                       ("/api/meeting/decide", b"id=1&text=x&due=soon"),
                       ("/api/meeting/decide", b"id=1&text=x&level=person"),
                       ("/api/meeting/minutes", b"id=%d" % mid),
                       ("/api/concern/submit", b"purpose=bekymring"),
                       ("/api/concern/submit", b"purpose=" + b"p" * 300 + b"&body=x"),
                       ("/api/concern/assign", b"id=1"), ("/api/concern/close", b"id=-3"),
                       ("/api/concern/answer", b"id=1&purpose=x&body=y")):
        st, h, raw = pia.http("POST", path, form, body)
        check(400 <= st < 500 and json.loads(raw)["ok"] is False,
              "%s %r is refused clearly: %d %r" % (path, body[:40], st, raw[:160]))
    for path in ("/api/meeting?id=", "/api/meeting?id=1&track=x", "/api/meeting/draft",
                 "/api/meetings", "/api/status?area=%00", "/api/links?area=" + "x" * 70,
                 "/api/concern?id=18446744073709551616", "/api/concerns?status=open"):
        st, h, raw = pia.http("GET", path, {"Cookie": pc})
        check(400 <= st < 500, "%s is refused clearly: %d %r" % (path, st, raw[:160]))
    check(pia.alive(), "samvirke web is still running")
    for path in ("/api/meeting?id=1&track=core", "/api/meeting?id=99&track=core",
                 "/api/meeting/draft?area=Vollsmose&track=core"):
        st, h, raw = pia.http("GET", path, {"Cookie": pc})
        check(st == 403 and json.loads(raw)["error"]["code"] == "denied" and b"blok 4" not in raw,
              "%s is refused to a partner: %d %r" % (path, st, raw[:200]))
    st, h, raw = pia.http("GET", "/api/meetings?area=Vollsmose", {"Cookie": pc})
    check(st == 200 and all(m["track"] == "area" for m in json.loads(raw)["result"]["meetings"]) and
          b"Kerneteam" not in raw, "the meeting list: %r" % raw[:300])
    st, h, raw = pia.http("GET", "/api/status?area=Vollsmose", {"Cookie": pc})
    s = json.loads(raw)["result"]
    check(s["last_meeting"]["track"] == "area" and "open_concerns" not in s, repr(s))

    # --- the core team ----------------------------------------------------------------------
    sune = Web(team, "sune")
    webs.append(sune)
    b.login(sune, "/area?name=Vollsmose")
    b.wait(lambda: b.find("#meeting-core-1") is not None and b.find("#meeting-area-1") is not None,
           "both tracks are listed for the core team")
    b.wait(lambda: b.find("#status-concerns") is not None, "the open concerns are counted")
    b.find("#meeting-core-1 button.open").click()
    b.wait(lambda: b.find("#md-minutes") is not None, "the core minutes open")
    check(b.text("#md-minutes") == SECRET, "decrypted in samvirke web: %r" % b.text("#md-minutes"))
    check(b.find("#md-minutes-form") is None, "core minutes are not written as plain text")
    sc = sune.login_cookie()
    st, h, raw = sune.http("GET", "/api/meeting?id=1&track=core", {"Cookie": sc})
    m = json.loads(raw)["result"]
    check(st == 200 and h.get("cache-control") == "no-store" and
          m["minutes"]["text"] == SECRET + "\n" and m["minutes"]["encrypted"] is True and
          "envelope" not in json.dumps(m), "the core meeting's answer: %r" % m.get("minutes"))
    st, h, raw = sune.http("POST", "/api/meeting/minutes",
                           {"Cookie": sc, "Origin": sune.base, "X-CSRF-Token": sune.csrf(sc),
                            "Content-Type": "application/x-www-form-urlencoded"},
                           b"id=1&track=core&text=klar%20tekst")
    check(st == 422 and json.loads(raw)["error"]["code"] == "web_core_minutes",
          "core minutes are never sent as plain text: %d %r" % (st, raw))
    # K2's minutes written in the browser: sealed here to the attendees
    b.find("#meeting-core-2 button.open").click()
    b.wait(lambda: b.find("#md-core-minutes-form") is not None, "the core minutes form")
    check("anna, sune" in b.text("#md-core-minutes-form"), "it names the attendees it seals to")
    b.find("#md-core-minutes-text").send_keys(SECRET2)
    b.find("#md-core-minutes-form button").click()
    b.wait(lambda: b.find("#md-minutes") is not None, "the sealed minutes are shown")
    check(b.text("#md-minutes") == SECRET2, b.text("#md-minutes"))
    check("null" not in b.text("#meeting-detail") and "undefined" not in b.text("#meeting-detail"),
          "the meeting's panel shows no stray words: %r" % b.text("#meeting-detail"))
    shown2 = team.run_json("anna", "meeting", "show", "K2")
    check(shown2["minutes_text"] == SECRET2, "an attendee's CLI decrypts them: %r" % shown2)
    for name in os.listdir(d.dir):
        if name.startswith("samvirke.db"):
            check(b"opgang 9" not in open(os.path.join(d.dir, name), "rb").read(),
                  "the core minutes' plaintext is in %s" % name)

    # --- the projector view -----------------------------------------------------------------
    b.open(pia, "/meeting?area=Vollsmose")  # the meeting going on: just held, no agenda
    b.wait(lambda: "Områdemøde juni" in (b.text("#meeting-agenda") or ""), "the meeting going on")
    check("Ingen dagsorden" in b.text("#meeting-agenda"), b.text("#meeting-agenda"))
    b.open(pia, "/area?name=Vollsmose")
    b.wait(lambda: b.find("#meeting-area-%d button.open" % mid) is not None, "the meeting list")
    b.find("#meeting-area-%d button.open" % mid).click()
    b.wait(lambda: b.find("#md-wall") is not None, "the meeting offers the projector view")
    b.find("#md-wall").click()
    b.wait(lambda: b.find("#meeting-agenda-list") is not None, "the agenda on the wall")
    items = [li.text for li in b.find_all("#meeting-agenda-list li")]
    check(len(items) == len(shown["agenda"]) + 1 and "Eventuelt" in " ".join(items),
          "the next area meeting's agenda: %r" % items)
    b.wait(lambda: len(b.find_all("#map path.sv-boundary")) == 1 and
           len(b.find_all("#map path.sv-link")) == 1, "outline and link on the wall map")
    check("Områdemøde juli" in b.text("#meeting-agenda"), b.text("#meeting-agenda"))
    check(own_resources(b, pia.base) == [], "the projector view loaded something from elsewhere")
    shot(b, "web-projector.png")
    # the core team's wall shows the area track only
    b.login(sune, "/meeting?area=Vollsmose")
    b.wait(lambda: "Områdemøde juni" in (b.text("#meeting-agenda") or ""), "the core team's wall")
    check("Bekymringer" not in b.text("#meeting-agenda") and "Kerneteam" not in b.page_text(),
          "the wall never shows the core track")

finally:
    close_all(browser, webs, team)
print("ok")

"""test_web_area.py -- `samvirke web` in a real browser (Debian's chromium) against a real daemon,
as a housing social worker would use it: the area list, the map without a base map (and saying
so), adding a resource by clicking the map (it then appears in the CLI's list), the guards'
messages beside the field they are about (a CPR number stopped before it is sent; a group below
the policy's minimum refused by the daemon), correcting and withdrawing one's own observation
but not a colleague's, interventions, a screenshot of the map that shows the markers, and the
interface in English."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from areatest import Team, audit_entries  # noqa: E402
from svtest import check  # noqa: E402
from webtest import Browser, Web, png_pixels, region_colors  # noqa: E402

team = Team([("anna", "coordinator"), ("pia", "partner")])
d = team.daemon
web = browser = None
try:
    d.start()
    team.run_ok("anna", "area", "add", "Vollsmose", "--description", "Boligområde i Odense Øst")
    anna_obs = team.run_json("anna", "observe", "Vollsmose", "--challenge", "--category", "tryghed",
                             "--at", "55.4101,10.4318", "Mørk sti ved p-kælderen")
    team.run_ok("anna", "observe", "Vollsmose", "--resource", "--category", "fritid",
                "--at", "55.4072,10.4390", "Fædregruppe i klubben")
    web = Web(team, "pia")
    browser = Browser()
    b = browser
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.support.ui import Select

    # --- the list of areas, in Danish by default ---------------------------------------------
    b.login(web)
    check(b.text("#who") == "Du er pia (samarbejdspartner)", "header names the member: %r" % b.text("#who"))
    check(b.find("#nav-notes") is None, "a partner is offered no restricted notes")
    b.wait(lambda: b.find("a.area-link") is not None, "the area list")
    check(b.text("a.area-link") == "Vollsmose", "the area is listed")
    b.find("a.area-link").click()

    # --- the map, without a base map --------------------------------------------------------
    b.wait(lambda: len(b.find_all("#map path.sv-marker")) == 2, "two markers on the map")
    notice = b.find("#map-notice")
    check(notice.is_displayed() and "Intet baggrundskort" in notice.text,
          "the map says that it has no base map: %r" % notice.text)
    check(len(b.find_all("#map img.leaflet-tile")) == 0, "no tiles are loaded from anywhere")
    check(len(b.find_all("#map path.sv-challenge")) == 1 and len(b.find_all("#map path.sv-resource")) == 1,
          "one challenge and one resource marker")
    check(b.find("#obs-%d .edit" % anna_obs["id"]) is None,
          "a colleague's observation offers no correction")

    mapel = b.find("#map")

    def click_map(dx, dy):
        ActionChains(b.d).move_to_element_with_offset(mapel, dx, dy).click().perform()
        b.wait(lambda: b.find("#obs-form").is_displayed(), "the form opens where the map was clicked")

    def save():
        b.find("#f-save").click()

    # --- a partner adds a resource by clicking the map ---------------------------------------
    click_map(-120, 80)
    at = b.text("#f-at-text")
    check("," in at, "the form shows the clicked place: %r" % at)
    b.find("#f-category").send_keys("fritid")
    b.find("#f-text").send_keys("Lektiecafé i beboerhuset hver onsdag")
    save()
    b.wait(lambda: "er tilføjet" in (b.text("#area-status") or ""), "the page confirms the addition")
    b.wait(lambda: len(b.find_all("#map path.sv-resource")) == 2, "a second resource marker")
    lst = team.run_json("pia", "observations", "Vollsmose")["observations"]
    mine = [o for o in lst if o["text"] == "Lektiecafé i beboerhuset hver onsdag"]
    check(len(mine) == 1, "the CLI lists the observation added in the browser: %r" % lst)
    o = mine[0]
    check(o["kind"] == "resource" and o["category"] == "fritid" and o["author"] == "pia"
          and o["level"] == "area", repr(o))
    lat, lon = (float(x) for x in at.split(","))
    check(abs(o["lat"] - lat) < 1e-4 and abs(o["lon"] - lon) < 1e-4,
          "stored at the clicked place: %r vs %r" % ((o["lat"], o["lon"]), at))
    check(55.38 < o["lat"] < 55.44 and 10.39 < o["lon"] < 10.48,
          "the click landed inside the area's view: %r" % ((o["lat"], o["lon"]),))

    # --- a CPR number: refused beside the text field, and nothing is sent ---------------------
    def adds():
        return sum(1 for e in audit_entries(os.path.join(d.dir, "samvirke.db")) if e["op"] == "observation.add")
    n_before, adds_before = len(lst), adds()
    click_map(60, -40)
    b.find("#f-kind-challenge").click()
    b.find("#f-category").send_keys("tryghed")
    b.find("#f-text").send_keys("Drengen med cpr 010203-1234 er set ved tunnelen")
    save()
    b.wait(lambda: b.find('[data-err="text"]').is_displayed(), "a problem beside the text field")
    msg = b.text('[data-err="text"]')
    check("personoplysninger" in msg and "restricted note" in msg and "CPR" in msg,
          "the CPR guard's message is shown beside the text: %r" % msg)
    check(b.find("#f-text").get_attribute("aria-invalid") == "true", "the text field is marked")
    check(not b.find('[data-err="size"]').is_displayed(), "no problem beside the size field")
    check(len(team.run_json("pia", "observations", "Vollsmose")["observations"]) == n_before,
          "nothing was stored")
    check(adds() == adds_before, "the text never reached the daemon (no observation.add entry)")

    # --- a group below the policy's minimum: the daemon's message beside the size field -------
    b.find("#f-text").clear()
    b.find("#f-text").send_keys("To drenge kaster sten efter busserne")
    Select(b.find("#f-level")).select_by_value("group")
    b.wait(lambda: b.find("#f-size").is_displayed(), "the size field appears for a group")
    b.find("#f-size").send_keys("2")
    save()
    b.wait(lambda: b.find('[data-err="size"]').is_displayed(), "a problem beside the size field")
    msg = b.text('[data-err="size"]')
    check("Gruppen er for lille" in msg and "below the minimum group size of 5" in msg,
          "the daemon's group-size message is shown beside the size: %r" % msg)
    check(not b.find('[data-err="text"]').is_displayed(), "the earlier text problem is cleared")
    # the same group at the minimum is accepted
    b.find("#f-size").clear()
    b.find("#f-size").send_keys("5")
    save()
    b.wait(lambda: "er tilføjet" in (b.text("#area-status") or "") and not b.find("#obs-form").is_displayed(),
           "a group of five is accepted")
    lst = team.run_json("pia", "observations", "Vollsmose")["observations"]
    grp = [o for o in lst if o["level"] == "group"]
    check(len(grp) == 1 and grp[0]["size"] == 5 and grp[0]["kind"] == "challenge", repr(grp))

    # --- correct one's own observation, and move it ----------------------------------------
    b.wait(lambda: b.find("#obs-%d .edit" % o["id"]) is not None, "own observation offers correction")
    b.find("#obs-%d .edit" % o["id"]).click()
    b.wait(lambda: "Ret observation" in b.text("#obs-form-title"), "the form in correction mode")
    b.find("#f-text").clear()
    b.find("#f-text").send_keys("Lektiecafé i beboerhuset onsdag og torsdag")
    ActionChains(b.d).move_to_element_with_offset(mapel, 150, 120).click().perform()
    b.wait(lambda: b.text("#f-at-text") != at, "a click on the map moves it")
    save()
    b.wait(lambda: "er rettet" in (b.text("#area-status") or ""), "the correction is confirmed")
    cur = [x for x in team.run_json("pia", "observations", "Vollsmose")["observations"] if x["id"] == o["id"]][0]
    check(cur["text"] == "Lektiecafé i beboerhuset onsdag og torsdag", repr(cur))
    check(abs(cur["lon"] - o["lon"]) > 1e-5, "it moved: %r -> %r" % (o, cur))

    # --- a screenshot of the map shows the markers on the plain background ------------------
    b.wait(lambda: len(b.find_all("#map path.sv-marker")) == 4, "four markers")
    shot = mapel.screenshot_as_png
    with open(os.path.join(team.home, "map.png"), "wb") as f:
        f.write(shot)
    if os.environ.get("SAMVIRKE_KEEP_SCREENSHOT"):
        with open(os.environ["SAMVIRKE_KEEP_SCREENSHOT"], "wb") as f:
            f.write(shot)
    png = png_pixels(shot)
    colors = region_colors(png, 0, 0, png[0], png[1])
    total = sum(colors.values())
    green = sum(n for (r, g, bb), n in colors.items() if g > 100 and r < 60 and bb < 90)
    red = sum(n for (r, g, bb), n in colors.items() if r > 160 and g < 90 and bb < 80)
    background = max(colors.values())
    check(png[0] > 300 and png[1] > 300, "the map is a real size: %dx%d" % png[:2])
    check(green >= 10 and red >= 10, "the screenshot shows green and red markers (%d, %d)" % (green, red))
    check(background < total * 0.995, "the screenshot is not one flat colour")
    check(len(colors) > 8, "the screenshot has some detail (%d colours)" % len(colors))

    # --- withdraw one's own ------------------------------------------------------------------
    wd = b.find("#obs-%d .withdraw" % o["id"])
    wd.click()
    b.wait(lambda: "Bekræft" in b.find("#obs-%d .withdraw" % o["id"]).text, "withdrawal asks to confirm")
    check(any(x["id"] == o["id"] for x in team.run_json("pia", "observations", "Vollsmose")["observations"]),
          "one click does not withdraw")
    b.find("#obs-%d .withdraw" % o["id"]).click()
    b.wait(lambda: b.find("#obs-%d" % o["id"]) is None, "the withdrawn observation leaves the list")
    check(all(x["id"] != o["id"] for x in team.run_json("pia", "observations", "Vollsmose")["observations"]),
          "the CLI no longer lists it")

    # --- interventions -----------------------------------------------------------------------
    ivf = b.find("#iv-form")
    Select(ivf.find_element("name", "level")).select_by_value("group")
    ivf.find_element("name", "size").send_keys("9")
    Select(ivf.find_element("name", "step")).select_by_value("act")
    ivf.find_element("name", "text").send_keys("Gadeplansmedarbejder ved p-kælderen fredag aften")
    ivf.find_element("css selector", "button[type=submit]").click()
    b.wait(lambda: "Indsats nr." in (b.text("#area-status") or ""), "the intervention is added")
    ivs = team.run_json("pia", "intervention", "list", "Vollsmose")["interventions"]
    check(len(ivs) == 1 and ivs[0]["step"] == "act" and ivs[0]["level"] == "group" and
          ivs[0]["status"] == "planned", repr(ivs))
    b.wait(lambda: b.find("#iv-status-%d" % ivs[0]["id"]) is not None, "the intervention is listed")
    Select(b.find("#iv-status-%d" % ivs[0]["id"])).select_by_value("running")
    b.wait(lambda: "i gang" in (b.text("#area-status") or ""), "the status change is confirmed")
    ivs = team.run_json("pia", "intervention", "list", "Vollsmose")["interventions"]
    check(ivs[0]["status"] == "running", "the CLI sees the new status: %r" % ivs)

    # --- the meeting view for the projector --------------------------------------------------
    b.find("#meeting-link").click()
    b.wait(lambda: b.find("#meeting-title") is not None and len(b.find_all("#map path.sv-marker")) == 3,
           "the meeting view with the area's three markers")
    check(b.text("#meeting-title") == "Områdemøde: Vollsmose", b.text("#meeting-title"))
    check("Gadeplansmedarbejder ved p-kælderen" in b.text("#miv-%d" % ivs[0]["id"]) and "i gang" in b.text("#miv-%d" % ivs[0]["id"]),
          "the running intervention is on the wall")
    check(b.find("#obs-form") is None and "projector" in b.find("body").get_attribute("class"), "a view, not a form")
    b.d.back()
    b.wait(lambda: b.find("#obs-list") is not None, "back to the area page")

    # --- English on request ------------------------------------------------------------------
    b.find("#lang-switch").click()
    b.wait(lambda: b.find("#nav-areas") is not None and b.text("#nav-areas") == "Areas", "English words")
    check("No base map is configured" in b.text("#map-notice"), "the notice in English")
    b.open(web, "/")
    check(b.text("#nav-areas") == "Areas", "the choice of language is remembered")
    check(web.alive(), "samvirke web is still running")
finally:
    if browser:
        browser.quit()
    if web:
        web.stop()
    team.cleanup()
print("ok")

"""test_web_tooltip.py -- what another member wrote reaches the map's tooltips as text, never as
markup: an observation whose category and text hold HTML is shown, on hover, with its angle
brackets, and none of its elements exist in the page (Leaflet puts a string tooltip in with
innerHTML, so the page gives it an element holding text)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from areatest import Team  # noqa: E402
from svtest import check  # noqa: E402
from webtest import Browser, Web  # noqa: E402

MARKUP = '<img src=/static/app.css id=pwn1><a id=pwn2 href="https://evil.example/">Klik</a><b>X</b>'

team = Team([("anna", "coordinator"), ("pia", "partner"), ("mal", "partner")])
d = team.daemon
web = browser = None
try:
    d.start()
    team.run_ok("anna", "area", "add", "Vollsmose")
    team.run_ok("mal", "observe", "Vollsmose", "--challenge", "--category", "tryghed",
                "--at", "55.4101,10.4318", MARKUP)
    web = Web(team, "pia")
    browser = b = Browser()
    from selenium.webdriver.common.action_chains import ActionChains

    for path in ("/area?name=Vollsmose", "/meeting?area=Vollsmose"):
        if path.startswith("/area"):
            b.login(web, path)  # the first page logs in; the second is opened in that session
        else:
            b.open(web, path)
        b.wait(lambda: len(b.find_all("#map path.sv-marker")) == 1, "the marker on %s" % path)
        ActionChains(b.d).move_to_element(b.find("#map path.sv-marker")).perform()
        b.wait(lambda: b.find(".leaflet-tooltip") is not None, "the tooltip on %s" % path)
        tip = b.find(".leaflet-tooltip").text
        check("<img src=" in tip and "id=pwn2" in tip and "tryghed" in tip,
              "the tooltip shows the text: %r" % tip)
        for css in ("#pwn1", "#pwn2", ".leaflet-tooltip b", ".leaflet-tooltip img"):
            check(b.find(css) is None, "no element %s from the member's text on %s" % (css, path))
    print("web tooltip: ok")
finally:
    if browser:
        browser.quit()
    if web:
        web.stop()
    team.cleanup()

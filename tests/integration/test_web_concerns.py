"""test_web_concerns.py -- concerns in `samvirke web`, in a real browser against a real daemon. A
partner (a caretaker) hands in a concern about a person: samvirke web seals it in the client to
the regime's intake recipients (the CLI's regime reads it; no database file holds its text),
keeps the receipt in the identity directory, and afterwards shows for each receipt whether it
was received or handled, and nothing more (not who, not the answer). A partner is refused every
concern read. The core team lists, reads (decrypted in samvirke web, no-store), assigns, answers
with a restricted note (which the CLI decrypts) and closes it."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from areatest import Team  # noqa: E402
from svtest import check  # noqa: E402
from webtest import Browser, Web, close_all, files_containing  # noqa: E402

CONCERN = "Viceværten: pigen i opgang 7 virker bange for at gå hjem"

team = Team([("anna", "coordinator"), ("sune", "ssp"), ("pia", "partner")])
d = team.daemon
webs, browser = [], None
try:
    d.start()
    team.run_ok("anna", "area", "add", "Vollsmose")
    pia = Web(team, "pia")
    webs.append(pia)
    browser = Browser()
    b = browser
    from selenium.webdriver.support.ui import Select
    b.login(pia)
    pc = pia.login_cookie()
    for path in ("/api/concerns", "/api/concerns?status=closed", "/api/concern?id=1",
                 "/api/concern?id=99"):
        st, h, raw = pia.http("GET", path, {"Cookie": pc})
        check(st == 403 and json.loads(raw)["error"]["code"] == "denied",
              "%s is refused to a partner: %d %r" % (path, st, raw[:200]))
    st, h, raw = pia.http("GET", "/api/concern?id=x", {"Cookie": pc})
    check(st == 422, "a malformed concern number: %d" % st)

    # --- a concern, with a receipt -------------------------------------------------------------
    b.find("#nav-concerns").click()
    b.wait(lambda: b.find("#concern-form") is not None, "the concern page")
    check(b.find("#regime-concerns") is None, "a partner gets no list of concerns")
    b.wait(lambda: "Du har ikke afleveret" in (b.text("#receipts") or ""), "no receipts yet")
    b.find("#c-area").send_keys("Vollsmose")
    b.find("#c-body").send_keys(CONCERN)
    b.find("#c-send").click()
    b.wait(lambda: "Kvittering" in (b.text("#concern-status") or ""), "the receipt is shown")
    kept = open(os.path.join(team.dirs["pia"], "receipts")).read().split()
    receipt = [w for w in kept if len(w) == 32][0]
    check(receipt in b.text("#concern-status") and "2 i SSP-regimet" in b.text("#concern-status"),
          "the receipt shown is the one kept: %r" % b.text("#concern-status"))
    b.wait(lambda: b.find("#receipt-" + receipt) is not None, "the receipt is listed")
    check("modtaget" in b.text("#receipt-" + receipt), b.text("#receipt-" + receipt))
    check(CONCERN not in b.page_text(), "the partner's page does not hold the concern after sending")
    st, h, raw = pia.http("GET", "/api/receipts", {"Cookie": pc})
    rr = json.loads(raw)["result"]["receipts"]
    check(st == 200 and h.get("cache-control") == "no-store" and len(rr) == 1 and
          set(rr[0]) == {"receipt", "state", "time", "audit", "area"} and CONCERN.encode() not in raw,
          "a receipt says received or handled, and nothing more: %r" % rr)
    lst = team.run_json("sune", "concern", "list")["concerns"]
    check(len(lst) == 1 and lst[0]["submitter"] == "pia" and lst[0]["area"] == "Vollsmose", repr(lst))
    got = team.run_json("sune", "concern", "read", str(lst[0]["id"]))
    check(got["body"] == CONCERN, "the regime's CLI reads what the browser sealed: %r" % got)
    for name in os.listdir(d.dir):
        if name.startswith("samvirke.db"):
            check("opgang 7".encode() not in open(os.path.join(d.dir, name), "rb").read(),
                  "the concern's plaintext is in %s" % name)


    # --- the regime -------------------------------------------------------------------------
    sune = Web(team, "sune")
    webs.append(sune)
    b.login(sune)
    sc = sune.login_cookie()
    b.find("#nav-concerns").click()
    b.wait(lambda: b.find("#concern-%d" % lst[0]["id"]) is not None, "the concern is listed")
    b.find("#concern-%d button.read" % lst[0]["id"]).click()
    b.wait(lambda: b.find("#concern-body") is not None, "the concern opens")
    check(b.text("#concern-body") == CONCERN and "pia" in b.text("#concern-detail"),
          "decrypted in samvirke web: %r" % b.text("#concern-body"))
    st, h, raw = sune.http("GET", "/api/concern?id=%d" % lst[0]["id"], {"Cookie": sc})
    check(st == 200 and h.get("cache-control") == "no-store" and CONCERN.encode() in raw, "no-store")
    Select(b.find("#cd-who")).select_by_value("sune")
    b.find("#cd-assign button").click()
    b.wait(lambda: "tildelt sune" in (b.text("#concern-status") or "") and
           "(tildelt)" in (b.text("#concern-detail h3") or ""), "assigned")
    b.find("#cd-answer-text").send_keys("SSP tager kontakt til familien")
    b.find("#cd-answer button").click()
    b.wait(lambda: "Sendt til anna" in (b.text("#concern-status") or ""), "answered")
    notes = team.run_json("anna", "note", "list")["notes"]
    check(len(notes) == 1 and notes[0]["from_name"] == "sune", "the answer is a note to anna")
    check(team.run_json("anna", "note", "read", notes[0]["note"])["body"] ==
          "SSP tager kontakt til familien", "which anna's CLI decrypts")
    check("null" not in b.text("#concern-detail"), "no stray words: %r" % b.text("#concern-detail"))
    b.find("#cd-close").click()
    b.wait(lambda: "er afsluttet" in (b.text("#concern-status") or ""), "closed")
    check(team.run_json("sune", "concern", "list", "--status", "closed")["concerns"][0]["answers"] == 1,
          "closed with its answer counted")

    # the partner sees it handled, and still nothing more
    # nothing of the concern on disk: not the identity directories, not the browser's profile
    b.find("#nav-areas").click()  # leave the page, as a user would
    b.wait(lambda: b.find("a.area-link") is not None, "the area list")
    for text in (CONCERN, "SSP tager kontakt til familien"):
        hits = files_containing(team.home, text.encode()) + files_containing(b.profile, text.encode())
        check(hits == [], "%r is on disk in %r" % (text[:30], hits))
    b.login(pia, "/concerns")
    b.wait(lambda: b.find("#receipt-" + receipt) is not None, "the receipt again")
    check("behandlet" in b.text("#receipt-" + receipt), b.text("#receipt-" + receipt))
    page = b.page_text()
    check("SSP tager kontakt" not in page and "sune" not in page and CONCERN not in page,
          "the partner learns only that it was handled: %r" % page)
    # the same page in English, on asking
    b.open(pia, "/concerns?lang=en")
    b.wait(lambda: b.find("#receipt-" + receipt) is not None, "the English page")
    check("Hand in a concern" in b.text("#concern-form") and "handled" in b.text("#receipt-" + receipt),
          "in English: %r" % b.text("#receipt-" + receipt))

finally:
    close_all(browser, webs, team)
print("ok")

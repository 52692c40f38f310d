"""test_web_notes.py -- restricted notes in `samvirke web`, in a real browser against a real daemon:
an SSP consultant reads a note the coordinator sent from the CLI (decrypted by samvirke web, sent
no-store, found on no disk afterwards, not in the browser's profile either), acknowledges it,
and sends one back that the CLI decrypts; the client refuses a partner as recipient before
anything is sent; the daemon's refusal of a forbidden purpose shows on the page; a partner is
offered no notes and sees none."""
import json
import os
import secrets
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from areatest import Team, audit_entries  # noqa: E402
from svtest import check  # noqa: E402
from webtest import Browser, Web, files_containing  # noqa: E402


team = Team([("anna", "coordinator"), ("sune", "ssp"), ("pia", "partner")])
d = team.daemon
webs, browser = [], None
try:
    d.start()
    team.run_ok("anna", "area", "add", "Vollsmose")
    marker = "MENTOR-" + secrets.token_hex(8)
    body = "Ung (17) i Vollsmose har brug for en mentor; mor er kontaktet. " + marker
    note_file = os.path.join(team.home, "note.txt")
    with open(note_file, "w") as f:
        f.write(body)
    sent = team.run_json("anna", "note", "send", "--to", "sune", "--purpose", "forebyggelse",
                         "--area", "Vollsmose", note_file)
    os.unlink(note_file)
    nid = sent["note"]

    sune = Web(team, "sune")
    webs.append(sune)
    browser = Browser()
    b = browser
    b.login(sune)
    check(b.find("#nav-notes") is not None, "the core team is offered notes")
    b.find("#nav-notes").click()
    b.wait(lambda: b.find("#note-" + nid) is not None, "the waiting note is listed")
    row = b.text("#note-" + nid)
    check("anna" in row and "forebyggelse" in row and marker not in row,
          "the list shows sender and purpose, not the content: %r" % row)
    b.find("#note-%s .read" % nid).click()
    b.wait(lambda: b.find("#note-body") is not None, "the note opens")
    check(b.text("#note-body") == body, "decrypted in samvirke web: %r" % b.text("#note-body"))
    check("Fra anna" in b.page_text() and "fingeraftryk" in b.page_text(), "sender, proven card")

    # the answer carrying the plaintext is no-store, and nothing holds it on disk
    cookie = sune.login_cookie()
    st, h, raw = sune.http("GET", "/api/note?id=" + nid, {"Cookie": cookie})
    check(st == 200 and marker.encode() in raw, "the note answer: %d" % st)
    check(h.get("cache-control") == "no-store" and h.get("pragma") == "no-cache", repr(h))
    st, h, raw = sune.http("GET", "/api/note?id=" + "0" * 32, {"Cookie": cookie})
    check(st == 404 and json.loads(raw)["error"]["code"] == "not_found", "an unknown note: %d" % st)
    st, h, raw = sune.http("GET", "/api/note?id=zz", {"Cookie": cookie})
    check(st == 422, "a malformed note id: %d" % st)

    b.find("#note-ack").click()
    b.wait(lambda: b.find("#notes-none") is not None, "acknowledged: nothing waits any more")
    check("Kvitteret" in b.text("#notes-status"), "the acknowledgement is confirmed")
    check(team.run_json("sune", "note", "list")["notes"] == [], "the CLI agrees nothing waits")

    # --- sending from the browser -----------------------------------------------------------
    marker2 = "SVAR-" + secrets.token_hex(8)
    reply = "Mentor er fundet via klubben. " + marker2
    boxes = {x.get_attribute("value"): x for x in b.find_all("#note-to input[name=to]")}
    check(set(boxes) == {"anna"}, "only the regime is offered as recipients: %r" % sorted(boxes))
    boxes["anna"].click()
    b.find("#note-text").send_keys(reply)
    b.find("#note-send").click()
    b.wait(lambda: "Sendt til anna" in (b.text("#notes-status") or ""), "sent")
    notes = team.run_json("anna", "note", "list")["notes"]
    check(len(notes) == 1 and notes[0]["from_name"] == "sune" and notes[0]["purpose"] == "forebyggelse",
          repr(notes))
    got = team.run_json("anna", "note", "read", notes[0]["note"])
    check(got["body"] == reply and got["from_name"] == "sune", "the CLI decrypts the browser's note")

    # a forbidden purpose: the daemon refuses, the page says so
    boxes = {x.get_attribute("value"): x for x in b.find_all("#note-to input[name=to]")}
    if not boxes["anna"].is_selected():
        boxes["anna"].click()
    b.find("#note-purpose").clear()
    b.find("#note-purpose").send_keys("efterforskning")
    b.find("#note-text").send_keys("Skal bruges i en efterforskning")
    b.find("#note-send").click()
    b.wait(lambda: b.find('#note-form [data-err=""]').is_displayed(), "the refusal is shown")
    msg = b.text('#note-form [data-err=""]')
    check("Det har du ikke adgang til" in msg and "no-investigation" in msg,
          "the daemon's denial, with its rule: %r" % msg)
    check(len(team.run_json("anna", "note", "list")["notes"]) == 1, "nothing more was delivered")

    # the client refuses a partner as recipient before anything is sent
    csrf = sune.csrf(cookie)
    form = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie,
            "Origin": sune.base, "X-CSRF-Token": csrf}
    st, h, raw = sune.http("POST", "/api/note/send", form,
                           b"to=pia&purpose=forebyggelse&body=om%20en%20person")
    e = json.loads(raw)["error"]
    check(st == 422 and e["code"] == "web_regime" and e["field"] == "to" and "pia" in e["message"], repr(e))
    st, h, raw = sune.http("POST", "/api/note/send", form, b"to=nobody&purpose=x&body=y")
    check(st == 422 and json.loads(raw)["error"]["code"] == "unknown_recipient", "unknown recipient")
    st, h, raw = sune.http("POST", "/api/note/send", form, b"purpose=x&body=y")
    check(st == 422 and json.loads(raw)["error"]["field"] == "to", "no recipient")
    # a purpose that is not a purpose code is refused before anything is sent
    sends = lambda: [e for e in audit_entries(os.path.join(d.dir, "samvirke.db"))
                     if e["op"] == "note.send"]
    before = len(sends())
    for bad in (b"efterforskning%20af%20tyveri", b"Efterforskning", b"forebyggelse%20", b"%20"):
        st, h, raw = sune.http("POST", "/api/note/send", form, b"to=anna&purpose=" + bad +
                               b"&body=y")
        e = json.loads(raw)["error"]
        check(st == 422 and e["code"] == "invalid" and e["field"] == "purpose" and
              "purpose" in e["message"], "purpose %r: %r" % (bad, e))
    check(len(sends()) == before,
          "a purpose that is not a code reached the daemon")

    # nothing of either note on disk: not the identity directories, not the browser's profile
    b.find("#nav-areas").click()  # leave the page, as a user would
    b.wait(lambda: b.find("a.area-link") is not None, "the area list")
    for m in (marker, marker2):
        hits = files_containing(team.home, m.encode()) + files_containing(b.profile, m.encode())
        check(hits == [], "%s is on disk in %r" % (m, hits))

    # --- a partner --------------------------------------------------------------------------
    pia = Web(team, "pia")
    webs.append(pia)
    b.login(pia)
    check(b.find("#nav-notes") is None, "a partner is offered no notes")
    b.open(pia, "/notes")
    b.wait(lambda: b.find("#notes-notcore") is not None, "the notes page explains")
    check("kun for kerneteamet" in b.text("#notes-notcore") and b.find("#note-list") is None,
          "a partner gets the explanation, not a list: %r" % b.page_text())
    page = b.page_text()
    check(marker not in page and marker2 not in page and "forebyggelse" not in page, "nothing leaks")
    pc = pia.login_cookie()
    st, h, raw = pia.http("GET", "/api/notes", {"Cookie": pc})
    check(st == 200 and json.loads(raw)["notes"] == [], "the daemon has no note for a partner")
    st, h, raw = pia.http("GET", "/api/note?id=" + nid, {"Cookie": pc})
    check(st == 404 and marker.encode() not in raw, "a partner cannot fetch the note: %d" % st)
finally:
    if browser:
        browser.quit()
    for w in webs:
        w.stop()
    team.cleanup()
print("ok")

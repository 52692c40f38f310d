"""test_web_audit.py -- the auditor in `samvirke web`, in a real browser against a real daemon:
verify the whole log with progress (the same size and root the CLI's `audit verify` accepts),
read the refusals and failed requests with the members' names resolved from the key-transparent
directory, page through all entries, prove an entry; an entry changed in the daemon's database
afterwards is caught both when its page is fetched and by the next verification. A partner can
prove their own entry, and only that."""
import json
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from areatest import Team, audit_entries, noise_keypair  # noqa: E402
from svtest import Client, check  # noqa: E402
from webtest import Browser, Web  # noqa: E402

team = Team([("anna", "coordinator"), ("pia", "partner"), ("aud", "auditor")])
d = team.daemon
db = os.path.join(d.dir, "samvirke.db")
webs, browser = [], None
try:
    d.start()
    team.run_ok("anna", "area", "add", "Vollsmose")
    obs = team.run_json("pia", "observe", "Vollsmose", "--resource", "--category", "fritid",
                        "Gospelkor i beboerhuset")
    team.run_fail("pia", 1, "denied", "member", "invite", "--role", "partner", "--name", "Mette")
    team.run_fail("pia", 1, "not_found", "observe", "Nowhere", "--resource", "--category", "x", "y")
    # a longer log, so the verification has some work: 1500 pings from pia's key
    c = Client(d.port, d.server_key, keypair=noise_keypair(team.dirs["pia"]))
    for _ in range(1500):
        r = c.call("ping")
        check(r["ok"], "ping")
    c.close()
    pia_keyid = team.run_json("pia", "whoami")["member"]["keyid"]

    aud = Web(team, "aud")
    webs.append(aud)
    browser = Browser()
    b = browser
    b.login(aud)
    check(b.find("#nav-notes") is None and b.find("#nav-areas") is None, "an auditor is offered no area data")
    b.find("#nav-audit").click()
    b.wait(lambda: b.find("#audit-verify") is not None, "the audit page")
    b.wait(lambda: "Ikke verificeret endnu" in b.text("#audit-progress-text"), "not verified yet")
    size_before = len(audit_entries(db))
    b.find("#audit-verify").click()
    b.wait(lambda: b.find("#audit-verified") is not None, "the verification finishes", timeout=60)
    verified = b.text("#audit-verified")
    bar = b.find("#audit-progress")
    check(bar.get_attribute("value") == bar.get_attribute("max") and int(bar.get_attribute("max")) >= size_before,
          "the progress bar ends full: %s/%s" % (bar.get_attribute("value"), bar.get_attribute("max")))
    cookie = aud.login_cookie()
    st, _, raw = aud.http("GET", "/api/audit/status", {"Cookie": cookie})
    s = json.loads(raw)
    v = s["verified"]
    check(s["phase"] == "done" and s["done"] == s["total"] == v["size"] >= size_before, repr(s))
    check(v["trusted"] == "first" and "første checkpoint" in verified, "trust on first use: %r" % verified)
    check("{:,}".format(v["size"]).replace(",", ".") in verified,
          "the page names the size, written the Danish way: %r" % verified)
    # Entries record the outcome from format version 2 on; until the daemon writes them, a failed
    # request is not distinguishable in the log (said here, not skipped silently).
    outcomes = any(e.get("v") == 2 for e in audit_entries(db))
    if not outcomes:
        print("note: this daemon writes v1 audit entries (no outcome): the failed-request "
              "listing is not checked", file=sys.stderr)
    check(v["denials"] >= 1 and v["permits"] >= 1500 and (v["failures"] >= 1 or not outcomes), repr(v))
    # the CLI's verifier agrees, and its trusted checkpoint is the one the web verified (or later)
    team.run_ok("aud", "audit", "fetch")
    out = team.run_ok("aud", "audit", "verify")
    check("consistent with the trusted checkpoint (size %d)" % v["size"] in out,
          "the CLI verifies the log as extending the web's trusted checkpoint: %r" % out)

    # names from the key-transparent directory
    names = {m["name"]: m for m in v["members"]}
    check(set(names) == {"anna", "pia", "aud"} and all(m["proven"] for m in names.values()), repr(names))
    check("nøgle bekræftet" in b.text("#member-" + pia_keyid), "pia's key is confirmed")

    # refusals and failures, newest first, with names
    b.wait(lambda: len(b.find_all("#audit-entries tbody tr")) >= (2 if outcomes else 1), "the refusals are listed")
    rows = b.find_all("#audit-entries tbody tr")
    texts = [r.text for r in rows]
    deny = [t for t in texts if "member.invite" in t]
    check(len(deny) == 1 and "pia ✓" in deny[0] and "afvist" in deny[0], "pia's refused invite: %r" % texts)
    miss = [t for t in texts if "not_found" in t]
    check(not outcomes or (len(miss) == 1 and "pia ✓" in miss[0] and "observation.add" in miss[0]),
          "the failed add: %r" % texts)
    check(not any("ping" in t for t in texts), "permitted pings are not refusals")

    # all entries, page by page
    b.find('#audit-tabs [data-show="all"]').click()
    b.wait(lambda: len(b.find_all("#audit-entries tbody tr")) == 50, "the newest 50 entries")
    first = int(b.find("#audit-entries tbody tr td").text)
    check(first == v["size"] - 1, "newest first: %d" % first)
    b.find("#audit-more").click()
    b.wait(lambda: len(b.find_all("#audit-entries tbody tr")) == 100, "50 more")
    seqs = [int(r.find_element("css selector", "td").text) for r in b.find_all("#audit-entries tbody tr")]
    check(seqs == list(range(v["size"] - 1, v["size"] - 101, -1)), "consecutive pages: %r" % seqs[:5])

    # prove an entry: pia's observation
    b.find("#prove-seq").clear()
    b.find("#prove-seq").send_keys(str(obs["audit"]))
    b.find("#prove-button").click()
    b.wait(lambda: b.find("#prove-ok") is not None, "the proof is shown")
    check(("Post nr. %d er i loggen" % obs["audit"]) in b.text("#prove-ok"), b.text("#prove-ok"))
    check("observation.add" in b.text("#prove-entry") and "pia" in b.text("#prove-entry"), b.text("#prove-entry"))

    # an entry changed afterwards in the daemon's database is caught
    target = v["size"] - 30
    con = sqlite3.connect(db, timeout=10)
    (blob,) = con.execute("SELECT entry FROM audit_entries WHERE seq = ?", (target,)).fetchone()
    bb = bytearray(blob)
    i = bb.index(b"\xa4time") + 5
    check(bb[i] == 0xcf, "time is a uint64")
    bb[i + 8] ^= 0x01
    con.execute("UPDATE audit_entries SET entry = ? WHERE seq = ?", (bytes(bb), target))
    con.commit()
    con.close()
    st, _, raw = aud.http("GET", "/api/audit/entries?show=all&before=%d&count=50" % v["size"], {"Cookie": cookie})
    e = json.loads(raw)
    check(st == 502 and e["error"]["code"] == "web_tampered" and str(target) in e["error"]["message"],
          "the changed entry is caught on its page: %d %r" % (st, e))
    b.find("#audit-verify").click()
    b.wait(lambda: b.find("#audit-problem").is_displayed(), "the re-verification fails", timeout=60)
    check("kunne ikke verificeres" in b.text("#audit-problem") and "does not match the signed checkpoint" in b.text("#audit-problem"),
          "says why: %r" % b.text("#audit-problem"))

    # a partner proves their own entry, and not another's
    pia = Web(team, "pia")
    webs.append(pia)
    b.login(pia, "/audit")
    b.wait(lambda: b.find("#audit-notauditor") is not None, "a partner's audit page")
    check(b.find("#audit-verify") is None, "no verification for a partner")
    b.find("#prove-seq").send_keys(str(obs["audit"]))
    b.find("#prove-button").click()
    b.wait(lambda: b.find("#prove-ok") is not None, "pia proves her own entry")
    area_add = [x for x in audit_entries(db) if x["op"] == "area.add"][0]
    b.find("#prove-seq").clear()
    b.find("#prove-seq").send_keys(str(area_add["seq"]))
    b.find("#prove-button").click()
    b.wait(lambda: b.find('#prove-form [data-err=""]').is_displayed(), "another's entry is refused")
    check("another actor" in b.text('#prove-form [data-err=""]'), b.text('#prove-form [data-err=""]'))
finally:
    if browser:
        browser.quit()
    for w in webs:
        w.stop()
    team.cleanup()
print("ok")

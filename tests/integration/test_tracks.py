"""test_tracks.py -- the two tracks through the real CLI and the wire against a real daemon:
meetings in both tracks (the core track invisible to a partner through every op: not listed,
not counted, every core-track request denied whether the meeting exists or not), core-track
minutes end to end encrypted to the attendees, area-track minutes guarded as area data,
decisions that become interventions with the link kept, follow-up (owner, due, status, overdue),
links between resources, challenges and interventions, where an area stands (area status), and
the audit entries of every step."""
import json
import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from areatest import Team, audit_entries  # noqa: E402
from svtest import check  # noqa: E402

SECRET = "Mohammed R. (16) fra blok 7 har brug for en mentor"  # core minutes' plaintext

team = Team([("anna", "coordinator"), ("sune", "ssp"), ("kim", "police"), ("pia", "partner"),
             ("aud", "auditor")])
d = team.daemon
db_path = os.path.join(d.dir, "samvirke.db")
try:
    d.start()
    team.run_ok("anna", "area", "add", "Gellerup", "--description", "Aarhus V")
    team.run_ok("anna", "area", "add", "Tingbjerg")
    res = team.run_json("pia", "observe", "Gellerup", "--resource", "--category", "fritid",
                        "--at", "56.1543,10.1318", "Gospelkor i beboerhuset")["id"]
    ch = team.run_json("pia", "observe", "Gellerup", "--challenge", "--category", "tryghed",
                       "--at", "56.1519,10.1297", "Unge samles ved p-kælderen")["id"]
    other = team.run_json("anna", "observe", "Tingbjerg", "--challenge", "--category", "x",
                          "Anden bydel")["id"]

    # --- links ------------------------------------------------------------------------------
    l1 = team.run_json("pia", "link", "add", "--resource", str(res), "--challenge", str(ch))
    check(l1["kind"] == "answers" and l1["resource"] == res and l1["challenge"] == ch, repr(l1))
    team.run_fail("pia", 1, "conflict", "link", "add", "--resource", str(res), "--challenge",
                  str(ch))
    team.run_fail("pia", 1, "invalid", "link", "add", "--resource", str(ch), "--challenge",
                  str(res))  # a challenge is not a resource
    team.run_fail("pia", 1, "invalid", "link", "add", "--resource", str(res), "--challenge",
                  str(other))  # another area
    team.run_fail("pia", 1, "not_found", "link", "add", "--resource", "999", "--challenge",
                  str(ch))
    team.run_fail("pia", 2, "two of", "link", "add", "--resource", str(res))

    # --- follow-up: owner, due date, status, overdue ----------------------------------------
    past = int(time.time()) - 86400
    iv = team.run_json("pia", "intervention", "add", "Gellerup", "--level", "area", "--step",
                       "act", "--due", str(past), "Natteravne ved p-kælderen")
    check(iv["owner"] == "pia" and iv["due"] == past and iv["overdue"] is True and
          iv["status"] == "planned", repr(iv))
    iv2 = team.run_json("anna", "intervention", "add", "Gellerup", "--level", "area", "--step",
                        "map", "--owner", "sune", "--due", "+30d", "Kortlæg foreningerne")
    check(iv2["owner"] == "sune" and iv2["overdue"] is False, repr(iv2))
    team.run_fail("anna", 1, "invalid", "intervention", "add", "Gellerup", "--level", "area",
                  "--step", "act", "--owner", "nobody", "x")
    l2 = team.run_json("pia", "link", "add", "--intervention", str(iv["id"]), "--challenge",
                       str(ch))
    check(l2["kind"] == "addresses", repr(l2))
    l3 = team.run_json("pia", "link", "add", "--intervention", str(iv["id"]), "--resource",
                       str(res))
    check(l3["kind"] == "uses", repr(l3))
    links = team.run_json("pia", "link", "list", "Gellerup")["links"]
    check(sorted(x["id"] for x in links) == sorted([l1["id"], l2["id"], l3["id"]]), repr(links))
    # Only the owner and the core team change an intervention.
    team.run_fail("pia", 1, "denied", "intervention", "update", str(iv2["id"]), "--status",
                  "running")
    up = team.run_json("sune", "intervention", "update", str(iv2["id"]), "--status", "running")
    check(up["status"] == "running", repr(up))
    up = team.run_json("kim", "intervention", "update", str(iv["id"]), "--status", "running",
                       "--outcome", "Tre aftener med natteravne")
    check(up["outcome"] == "Tre aftener med natteravne" and up["overdue"] is True, repr(up))
    up = team.run_json("pia", "intervention", "update", str(iv["id"]), "--status", "evaluated")
    check(up["status"] == "evaluated" and up["overdue"] is False, repr(up))
    team.run_fail("pia", 1, "personal_data", "intervention", "update", str(iv["id"]),
                  "--outcome", "Talte med 010190-1234")
    pia = team.wire("pia")
    r = pia.call("intervention.update", intervention=iv["id"], outcome="Far, cpr 0101901234")
    check(r["error"]["code"] == "personal_data", repr(r))
    r = pia.call("intervention.update", intervention=iv["id"])
    check(r["error"]["code"] == "invalid", "nothing to change: %r" % r)
    team.run_ok("pia", "intervention", "update", str(iv["id"]), "--status", "running",
                "--due", str(past))
    over = team.run_json("pia", "intervention", "list", "Gellerup", "--overdue")["interventions"]
    check([x["id"] for x in over] == [iv["id"]], "overdue list: %r" % over)
    out = team.run_ok("pia", "intervention", "list", "Gellerup")
    check("OVERDUE" in out and "owner sune" in out, out)

    # --- meetings: the area track ------------------------------------------------------------
    soon = int(time.time()) + 7 * 86400
    m1 = team.run_json("anna", "meeting", "add", "Gellerup", "--area", "--at", str(past - 3600),
                       "--title", "Områdemøde maj", "--with", "anna,pia,sune",
                       "--item", "Velkommen", "--item", "Kortet")
    check(m1["id"] == 1 and m1["track"] == "area" and m1["attendees"] == ["anna", "pia", "sune"]
          and [i["text"] for i in m1["agenda"]] == ["Velkommen", "Kortet"], repr(m1))
    team.run_fail("anna", 1, "personal_data", "meeting", "item", "1", "Snak om 010190-1234")
    r = pia.call("meeting.item", meeting=1, text="Ring til 0101901234")
    check(r["error"]["code"] == "personal_data", repr(r))
    item = team.run_json("pia", "meeting", "item", "1", "--observation", str(ch),
                         "Unge ved p-kælderen")
    check(item["agenda"][-1]["observation"] == ch and item["agenda"][-1]["n"] == 3, repr(item))
    team.run_fail("pia", 1, "invalid", "meeting", "item", "1", "--observation", str(other), "x")
    minutes = os.path.join(team.home, "minutes.txt")
    open(minutes, "w").write("Vi talte om kortet.\nNæste gang: natteravne.\n")
    team.run_ok("pia", "meeting", "minutes", "1", minutes)
    shown = team.run_json("sune", "meeting", "show", "1")
    check(shown["minutes"]["author"] == "pia" and
          shown["minutes_text"].startswith("Vi talte om kortet."), repr(shown))
    open(minutes, "w").write("Drengen med cpr 010190-1234 var der.\n")
    team.run_fail("pia", 1, "personal_data", "meeting", "minutes", "1", minutes)
    dec = team.run_json("pia", "meeting", "decide", "1", "--owner", "pia", "--due", "+14d",
                        "Fædregruppen inviteres til næste møde")
    check(dec["meeting"] == 1 and dec["track"] == "area", repr(dec))
    dec_iv = dec["intervention"]
    check(dec_iv["meeting"] == 1 and dec_iv["track"] == "area" and dec_iv["owner"] == "pia" and
          dec_iv["step"] == "act", repr(dec_iv))
    shown = team.run_json("pia", "meeting", "show", "1")
    check(shown["decisions"] == [dec_iv["id"]], repr(shown))
    m2 = team.run_json("pia", "meeting", "add", "Gellerup", "--area", "--at", str(soon),
                       "--draft", "--lang", "en")
    texts = [i["text"] for i in m2["agenda"]]
    check(m2["id"] == 2, repr(m2))
    check(any("Follow-up overdue" in t and "I%d" % iv["id"] in t for t in texts) and
          any(t.startswith("Due ") and "I%d" % dec_iv["id"] in t for t in texts),
          "drafted agenda: %r" % texts)
    check(any(t.startswith("New challenge #%d: " % ch) for t in texts) and
          any(t.startswith("New resource #%d: " % res) for t in texts),
          "the draft names the observations made since the last meeting: %r" % texts)

    # --- meetings: the core track ------------------------------------------------------------
    team.run_fail("anna", 1, "denied", "meeting", "add", "Gellerup", "--core", "--at",
                  str(past), "--with", "anna,pia")  # a partner cannot attend the core track
    k1 = team.run_json("anna", "meeting", "add", "Gellerup", "--core", "--at", str(past),
                       "--title", "Kerneteam", "--with", "anna,sune,kim", "--item",
                       "Bekymringer")
    check(k1["id"] == 1 and k1["track"] == "core", repr(k1))
    k2 = team.run_json("sune", "meeting", "add", "Gellerup", "--core", "--at", str(soon))
    check(k2["id"] == 2, repr(k2))
    open(minutes, "w").write(SECRET + "\n")
    out = team.run_ok("anna", "meeting", "minutes", "K1", minutes, "--purpose", "forebyggelse")
    check("encrypted to 3 attendees" in out, out)
    shown = team.run_json("kim", "meeting", "show", "K1")
    check(shown["minutes_text"] == SECRET + "\n", "an attendee reads the minutes: %r" % shown)
    out = team.run_ok("sune", "meeting", "show", "K1")
    check(SECRET in out and "end-to-end encrypted to 3 attendees" in out, out)
    team.run_fail("anna", 2, "--purpose", "meeting", "minutes", "K1", minutes)
    kdec = team.run_json("sune", "meeting", "decide", "K1", "--owner", "kim",
                         "Tryghedsvandring i området")
    check(kdec["track"] == "core" and kdec["intervention"]["meeting"] == 1 and
          kdec["intervention"]["track"] == "core", repr(kdec))
    # The minutes are stored as ciphertext: the plaintext is in no database file.
    for name in os.listdir(d.dir):
        if name.startswith("samvirke.db"):
            check(b"blok 7" not in open(os.path.join(d.dir, name), "rb").read(),
                  "core minutes' plaintext found in %s" % name)

    # --- the core track is invisible to a partner, through every op --------------------------
    lst = team.run_json("pia", "meeting", "list", "Gellerup")["meetings"]
    check([(m["track"], m["id"]) for m in lst] == [("area", 1), ("area", 2)],
          "a partner's list shows the area track only: %r" % lst)
    lst = team.run_json("anna", "meeting", "list", "Gellerup")["meetings"]
    check(sorted((m["track"], m["id"]) for m in lst) ==
          [("area", 1), ("area", 2), ("core", 1), ("core", 2)], repr(lst))
    out = team.run_ok("pia", "meeting", "list")
    check("K1" not in out and "K2" not in out and "core" not in out, out)
    # Every op that names the core track is denied, and the answer does not depend on whether
    # the meeting exists (K1 exists, K99 does not).
    answers = {}
    for mid in (1, 99):
        for op, args in (("meeting.show", {}), ("meeting.item", {"text": "x"}),
                         ("meeting.minutes", {"text": "x"}), ("meeting.decide", {"text": "x"})):
            r = pia.call(op, meeting=mid, track="core", **args)
            check(not r["ok"] and r["error"]["code"] == "denied", "%s K%d: %r" % (op, mid, r))
            answers.setdefault(op, set()).add(r["error"]["message"])
    for op, msgs in answers.items():
        check(len(msgs) == 1, "%s answers the same for an existing and a missing K: %r" %
              (op, msgs))
    for op, args in (("meeting.list", {"track": "core"}),
                     ("meeting.list", {"track": "core", "area": "Gellerup"}),
                     ("meeting.draft", {"track": "core", "area": "Gellerup"}),
                     ("meeting.add", {"track": "core", "area": "Gellerup", "time": 1})):
        r = pia.call(op, **args)
        check(not r["ok"] and r["error"]["code"] == "denied", "%s %r: %r" % (op, args, r))
    # Not counted: the area's status, a draft, the interventions and the map show nothing of it.
    st = team.run_json("pia", "area", "status", "Gellerup")
    check(st["last_meeting"] == {"id": 1, "track": "area", "time": past - 3600} and
          st["next_meeting"]["track"] == "area" and "open_concerns" not in st,
          "a partner's status counts the area track only: %r" % st)
    st_anna = team.run_json("anna", "area", "status", "Gellerup")
    check(st_anna["last_meeting"]["track"] == "core", "the core team sees K1 as last: %r" % st_anna)
    ivs = team.run_json("pia", "intervention", "list", "Gellerup")["interventions"]
    core_iv = [x for x in ivs if x["id"] == kdec["intervention"]["id"]]
    check(len(core_iv) == 1 and "meeting" not in core_iv[0] and "track" not in core_iv[0],
          "a core decision's intervention carries no trace of the meeting for a partner: %r" %
          core_iv)
    ivs = team.run_json("anna", "intervention", "list", "Gellerup")["interventions"]
    check([x.get("track") for x in ivs if x["id"] == kdec["intervention"]["id"]] == ["core"],
          repr(ivs))
    draft = pia.call("meeting.draft", area="Gellerup")
    check(draft["ok"] and all(i["kind"] != "concerns" for i in draft["result"]["items"]),
          repr(draft))
    # The auditor is kept out of both tracks.
    team.run_fail("aud", 1, "denied", "meeting", "list")
    team.run_fail("aud", 1, "denied", "meeting", "show", "K1")

    # --- area status: the four steps ---------------------------------------------------------
    st = team.run_json("anna", "area", "status", "Gellerup")
    check([s["done"] for s in st["steps"]] == [True, True, True, True] and st["step"] == "act",
          repr(st))
    check(st["observations"]["resources"] == 1 and st["observations"]["challenges"] == 1 and
          st["links"] == 3 and st["overdue"] == 1 and st["interventions"]["running"] >= 1,
          repr(st))
    st = team.run_json("pia", "area", "status", "Tingbjerg")
    check(st["step"] == "establish" and [s["done"] for s in st["steps"]] ==
          [False, False, False, False], repr(st))
    out = team.run_ok("pia", "area", "status", "Gellerup")
    check("step 4 of 4" in out and "[x] analyse" in out, out)
    # A core-track meeting held in Tingbjerg counts for the core team, not for a partner.
    team.run_ok("anna", "meeting", "add", "Tingbjerg", "--core", "--at", str(past),
                "--with", "anna,sune")
    check(team.run_json("anna", "area", "status", "Tingbjerg")["steps"][0]["done"] is True,
          "the core team's status counts its own meeting")
    st = team.run_json("pia", "area", "status", "Tingbjerg")
    check(st["steps"][0]["done"] is False and st["last_meeting"] is None,
          "a partner's status does not count a core-track meeting: %r" % st)
    # The draft holds what changed since the last meeting, and not what came before it.
    time.sleep(1.1)
    team.run_ok("anna", "meeting", "add", "Tingbjerg", "--area", "--at", str(int(time.time())))
    time.sleep(1.1)
    new = team.run_json("pia", "observe", "Tingbjerg", "--challenge", "--category", "x",
                        "Nyt siden mødet")["id"]
    items = pia.call("meeting.draft", area="Tingbjerg")["result"]["items"]
    check([i["observation"] for i in items if i["kind"] == "observation"] == [new],
          "only the observation made after the last meeting is drafted (not #%d): %r" %
          (other, items))

    # --- a withdrawn observation's links are no longer listed --------------------------------
    team.run_ok("pia", "observation", "withdraw", str(res))
    links = team.run_json("anna", "link", "list", "Gellerup")["links"]
    check([x["id"] for x in links] == [l2["id"]], "links to a withdrawn resource are gone: %r" %
          links)
    l4 = team.run_json("anna", "link", "add", "--intervention", str(iv2["id"]), "--challenge",
                       str(ch))
    team.run_fail("pia", 1, "denied", "link", "remove", str(l4["id"]))  # anna's link
    team.run_ok("pia", "link", "remove", str(l2["id"]))  # her own
    team.run_ok("anna", "link", "remove", str(l4["id"]))
    l5 = team.run_json("pia", "link", "add", "--intervention", str(iv2["id"]), "--challenge",
                       str(ch))
    team.run_ok("sune", "link", "remove", str(l5["id"]))  # the core team removes anyone's
    team.run_fail("anna", 1, "not_found", "link", "remove", str(l2["id"]))

    # --- every step is in the audit log, with identifiers only -------------------------------
    entries = audit_entries(db_path)
    ops = {}
    for e in entries:
        ops.setdefault(e["op"], []).append(e)
    for op in ("meeting.add", "meeting.list", "meeting.show", "meeting.item", "meeting.minutes",
               "meeting.decide", "meeting.draft", "link.add", "link.remove", "link.list",
               "area.status", "intervention.update"):
        check(op in ops, "no audit entry for %s" % op)
    core_denials = [e for e in ops["meeting.show"] if e["role"] == "partner" and
                    e["object"].startswith("core-meeting:")]
    check(core_denials and all(e["decision"] == "deny" and e["class"] == "core-meeting"
                               for e in core_denials), repr(core_denials))
    minutes_e = [e for e in ops["meeting.minutes"] if e["object"] == "core-meeting:1" and
                 e["decision"] == "permit"]
    check(minutes_e and minutes_e[0]["purpose"] == "forebyggelse", repr(minutes_e))
    blob = json.dumps(entries, default=repr)
    check("blok 7" not in blob and "natteravne" not in blob.lower(),
          "audit entries hold no text")

    pia.close()
    rc = d.stop()
    check(rc == 0, "daemon exit status %d" % rc)
    log = d.read_log()
    check("LeakSanitizer" not in log and "runtime error" not in log, "sanitizer report:\n" + log)
    print("tracks: ok")
finally:
    team.cleanup()

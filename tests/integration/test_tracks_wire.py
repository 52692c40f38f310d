"""test_tracks_wire.py -- the envelopes of the two tracks, made by an independent implementation
of PROTOCOL.md (svnote.py) and sent over the wire: a concern sealed to anyone outside the regime
is refused, as is one from another sender, one with a bad signature, or one of another class; a
core-track meeting's minutes go only to its attendees, from an attendee, as class individual, and
a partner is refused whatever it sends; the minutes served are the envelope, which the attendees
open and no one else can; the answer to a concern is a note of class individual."""
import os
import sqlite3
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import svaudit as A  # noqa: E402
from svnote import Identity, open_envelope, seal  # noqa: E402
from svtest import Client, Daemon, check  # noqa: E402

coord = Identity("Koordinator")
ssp = Identity("Sara SSP")
police = Identity("Per Politi")
partner = Identity("Bo Boligsocial")
partner2 = Identity("Lis Klub")
people = [(coord, "coordinator"), (ssp, "ssp"), (police, "police"), (partner, "partner"),
          (partner2, "partner")]
cdir = tempfile.mkdtemp(prefix="svcards.")
admin = coord.write_card(os.path.join(cdir, "admin.txt"))
members = ["%s:%s" % (i.write_card(os.path.join(cdir, "m%d.txt" % n)), role)
           for n, (i, role) in enumerate(people[1:])]
d = Daemon(admin_card=admin, members=members)
shutil.rmtree(cdir, ignore_errors=True)


def connect(ident):
    c = Client(d.port, d.server_key, keypair=ident.noise)
    check(c.hello.get("member") is not None, "%s is not enrolled" % ident.name)
    return c


def opens(env, sender, reader):
    """The plaintext reader gets from env, or None when it cannot open it."""
    try:
        return open_envelope(env, sender, reader)
    except ValueError:
        return None


def refused(c, code, op, **args):
    r = c.call(op, **args)
    check(not r["ok"] and r["error"]["code"] == code, "%s: expected %s, got %r" % (op, code, r))
    return r


try:
    d.start()
    cc, cs, cp, cb, cl = (connect(i) for i in (coord, ssp, police, partner, partner2))
    check(cc.call("area.add", name="Nordparken")["ok"], "area")

    # --- concerns ----------------------------------------------------------------------------
    body = b"Bekymring: en dreng i opgang 3 (14 aar) virker presset af aeldre unge"
    ok = cb.call("concern.submit", envelope=seal(partner, [coord, ssp], body, klass="concern",
                                                 area="Nordparken", purpose="bekymring"))
    check(ok["ok"] and len(ok["result"]["receipt"]) == 16, repr(ok))
    for who in ([coord, partner2], [partner2], [coord, partner]):
        r = refused(cb, "denied", "concern.submit",
                    envelope=seal(partner, who, body, klass="concern", purpose="bekymring"))
        e = A.db_entries(os.path.join(d.dir, "samvirke.db"))[r["audit"]]
        check(e["decision"] == "deny" and e["rule"].startswith("read: "),
              "a recipient outside the regime is refused by its read question: %r" % e)
    refused(cb, "bad_request", "concern.submit",
            envelope=seal(partner, [coord], body, klass="individual", purpose="bekymring"))
    refused(cb, "denied", "concern.submit",
            envelope=seal(partner, [coord], body, klass="concern", purpose="bekymring",
                          sender_id=partner2.keyid_bytes))
    bad = bytearray(seal(partner, [coord], body, klass="concern", purpose="bekymring"))
    bad[-1] ^= 1
    refused(cb, "bad_signature", "concern.submit", envelope=bytes(bad))
    refused(cb, "conflict", "concern.submit",
            envelope=seal(partner, [coord, ssp], body, klass="concern", purpose="bekymring",
                          ident=bytes(ok["result"]["receipt"])))
    refused(cb, "bad_request", "concern.submit", envelope=b"SVNE not an envelope")
    # The header's area is kept in clear beside the ciphertext: an existing area's name only.
    before = len(A.db_entries(os.path.join(d.dir, "samvirke.db")))
    for code, area in (("personal_data", "Ali 010190-1234"), ("not_found", "Ali Hassan"),
                       ("invalid", "Nord  parken"), ("invalid", "N" * 65),
                       ("invalid", "Nord\u200bparken")):
        for c, op, env in ((cb, "concern.submit", seal(partner, [coord, ssp], body,
                                                         klass="concern", area=area,
                                                         purpose="bekymring")),
                           (cs, "note.send", seal(ssp, [coord], body, area=area))):
            r = refused(c, code, op, envelope=env)
            check("envelope's area" in r["error"]["message"], "names the header: %r" % r)
    db = sqlite3.connect(os.path.join(d.dir, "samvirke.db"))
    held = db.execute("SELECT area FROM concerns UNION ALL SELECT area FROM notes").fetchall()
    db.close()
    check(all(a in ("", "Nordparken") for (a,) in held), "no other area stored: %r" % held)
    raw = b"".join(open(os.path.join(d.dir, f), "rb").read() for f in os.listdir(d.dir)
                   if f.startswith("samvirke.db"))
    check(b"010190" not in raw and b"Ali Hassan" not in raw, "nor its text in the database")
    check(len(A.db_entries(os.path.join(d.dir, "samvirke.db"))) == before + 10, "each audited")
    # The regime reads it; the envelope opens for its recipients only.
    got = cs.call("concern.fetch", concern=1)
    check(got["ok"], repr(got))
    check(opens(got["result"]["envelope"], partner, ssp) == body, "ssp opens it")
    check(opens(got["result"]["envelope"], partner, police) is None,
          "police was not a recipient and cannot open it")
    refused(cp, "invalid", "concern.assign", concern=1, who=police.name)
    # An answer to a concern is a note of class individual to the regime.
    refused(cs, "bad_request", "concern.answer", concern=1,
            envelope=seal(ssp, [coord], b"svar", klass="concern", purpose="bekymring"))
    refused(cs, "denied", "concern.answer", concern=1,
            envelope=seal(ssp, [partner], b"svar", purpose="bekymring"))
    refused(cs, "not_found", "concern.answer", concern=99,
            envelope=seal(ssp, [coord], b"svar", purpose="bekymring"))
    refused(cb, "denied", "concern.answer", concern=1,
            envelope=seal(partner, [coord], b"svar", purpose="bekymring"))
    ans = cs.call("concern.answer", concern=1,
                  envelope=seal(ssp, [coord], b"svar til koordinator", purpose="bekymring"))
    check(ans["ok"] and ans["result"]["concern"] == 1 and ans["result"]["recipients"] == 1,
          repr(ans))
    notes = cc.call("note.list")["result"]
    check(any(n["note"] == ans["result"]["note"] for n in notes), "the answer waits as a note")

    # --- a core-track meeting's minutes ------------------------------------------------------
    k = cc.call("meeting.add", area="Nordparken", track="core", time=1,
                attendees=[coord.name, ssp.name])
    check(k["ok"] and k["result"]["id"] == 1, repr(k))
    minutes = b"Referat: familien i opgang 3 kontaktes af SSP"
    env = seal(coord, [coord, ssp], minutes, area="Nordparken", purpose="forebyggelse")
    # A partner is refused whatever it sends, for a meeting that exists or not.
    for mid in (1, 99):
        for e in (env, b"junk", seal(partner, [coord], b"x", purpose="forebyggelse")):
            r = refused(cb, "denied", "meeting.minutes", meeting=mid, track="core", envelope=e)
            check(r["error"]["message"] == "denied by policy (no rule permits this)",
                  "one answer for all: %r" % r)
    refused(cc, "denied", "meeting.minutes", meeting=1, track="core",
            envelope=seal(coord, [coord, police], minutes, purpose="forebyggelse"))
    refused(cc, "denied", "meeting.minutes", meeting=1, track="core",
            envelope=seal(coord, [coord, partner], minutes, purpose="forebyggelse"))
    refused(cp, "denied", "meeting.minutes", meeting=1, track="core",
            envelope=seal(police, [coord], minutes, purpose="forebyggelse"))  # not an attendee
    refused(cc, "bad_request", "meeting.minutes", meeting=1, track="core",
            envelope=seal(coord, [ssp], minutes, klass="concern", purpose="bekymring"))
    refused(cc, "invalid", "meeting.minutes", meeting=1, track="core",
            envelope=seal(coord, [ssp], minutes, purpose=""))
    refused(cc, "invalid", "meeting.minutes", meeting=1, track="core", text="klar tekst")
    refused(cc, "invalid", "meeting.minutes", meeting=1, track="core",
            envelope=seal(coord, [ssp], minutes, area="Andetsted", purpose="forebyggelse"))
    refused(cc, "denied", "meeting.minutes", meeting=1, track="core",
            envelope=seal(coord, [ssp], minutes, purpose="efterforskning"))
    r = cc.call("meeting.minutes", meeting=1, track="core", envelope=env)
    check(r["ok"] and r["result"]["minutes"]["envelope"] == env, repr(r))
    shown = cs.call("meeting.show", meeting=1, track="core")["result"]
    check(opens(shown["minutes"]["envelope"], coord, ssp) == minutes, "ssp opens them")
    check(opens(shown["minutes"]["envelope"], coord, police) is None,
          "police did not attend and cannot open them")
    listed = cs.call("meeting.list", track="core")["result"]["meetings"][0]
    check(listed["minutes"]["author"] == coord.name and "envelope" not in listed["minutes"],
          "a list shows who wrote the minutes, not the minutes: %r" % listed)
    for name in os.listdir(d.dir):
        if name.startswith("samvirke.db"):
            data = open(os.path.join(d.dir, name), "rb").read()
            check(b"opgang 3" not in data, "plaintext found in %s" % name)

    # A member is named as member.show finds one: a name, or a key id or fingerprint in any
    # letter case, with or without spaces (active members only).
    show = cc.call("member.show", who=ssp.name)["result"]
    fp, kid = show["fingerprint"], show["keyid"]
    for form in (fp, fp.replace(" ", ""), fp.upper(), kid.upper(), " ".join(kid)):
        check(cc.call("member.show", who=form)["ok"], "member.show takes %r" % form)
        m = cc.call("meeting.add", area="Nordparken", track="core", time=2,
                    attendees=[coord.name, form])
        check(m["ok"] and ssp.name in [a["name"] if isinstance(a, dict) else a
                                       for a in m["result"]["attendees"]],
              "attendee %r: %r" % (form, m))
        iv = cc.call("intervention.add", area="Nordparken", level="area", step="act",
                     text="Lektiecafe", owner=form)
        check(iv["ok"] and iv["result"]["owner"] == ssp.name, "owner %r: %r" % (form, iv))
    refused(cc, "invalid", "intervention.add", area="Nordparken", level="area", step="act",
            text="Lektiecafe", owner=kid[:-1])
    for c in (cc, cs, cp, cb, cl):
        c.close()
    rc = d.stop()
    check(rc == 0, "daemon exit status %d" % rc)
    log = d.read_log()
    check("LeakSanitizer" not in log and "runtime error" not in log, "sanitizer report:\n" + log)
    print("tracks wire: ok")
finally:
    d.cleanup()

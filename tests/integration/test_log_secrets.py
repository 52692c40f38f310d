"""test_log_secrets.py -- with log_level = debug, a scenario that touches every secret and every
piece of content the daemon handles (an invite made and used, observations and an intervention
with marker texts, notes with marker bodies delivered, refused and fetched, a revocation) leaves
neither the invite code nor any marker in the daemon's stderr, while the debug log is really on."""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from svtest import Client, Daemon, check  # noqa: E402
from svnote import Identity, seal  # noqa: E402


def main():
    mark = "MARKER-%s" % os.urandom(6).hex()
    anna, per, bo = Identity("Anna"), Identity("Per"), Identity("Bo")
    cards = tempfile.mkdtemp(prefix="svcards.")
    paths = [x.write_card(os.path.join(cards, x.name + ".card")) for x in (anna, per, bo)]
    d = Daemon(admin_card=paths[0], members=[(paths[1], "police"), (paths[2], "partner")],
               conf={"log_level": "debug"})
    shutil.rmtree(cards)
    try:
        d.start()
        a = Client(d.port, d.server_key, keypair=anna.noise)
        r = a.call("member.invite", role="ssp", name="Sara")
        check(r["ok"], "member.invite: %r" % r)
        code = r["result"]["code"]
        sara = Identity("Sara")
        s = Client(d.port, d.server_key, keypair=sara.noise)
        # A wrong code first, then the right one, then the used one again.
        wrong = code[:-1] + ("A" if code[-1] != "A" else "B")
        check(s.call("enroll", invite=wrong, card=sara.card)["error"]["code"] == "invite_invalid",
              "a wrong code is refused")
        r = s.call("enroll", invite=code, card=sara.card)
        check(r["ok"], "enroll: %r" % r)
        x = Client(d.port, d.server_key, keypair=Identity("X").noise)
        check(not x.call("enroll", invite=code, card=Identity("X").card)["ok"], "code used")

        check(a.call("area.add", name="Nordparken", description=mark + "-area")["ok"], "area")
        r = a.call("observation.add", area="Nordparken", kind="challenge", category="uro",
                   level="area", text=mark + "-obs")
        check(r["ok"], "observation.add: %r" % r)
        oid = r["result"]["id"]
        check(a.call("observation.update", observation=oid, text=mark + "-obs2")["ok"], "update")
        r = a.call("observation.add", area="Nordparken", kind="challenge", category="uro",
                   level="group", size=2, text=mark + "-small-group")
        check(not r["ok"], "a too small group is refused: %r" % r)
        check(a.call("intervention.add", area="Nordparken", level="area", step="act",
                     text=mark + "-iv")["ok"], "intervention.add")
        check(a.call("observation.list", area="Nordparken")["ok"], "observation.list")

        # Notes: delivered to Sara (connected: pushed) and Per, refused for Bo, a bad signature.
        env = seal(anna, [sara, per], (mark + "-note").encode(), purpose="forebyggelse")
        r = a.call("note.send", envelope=env)
        check(r["ok"], "note.send: %r" % r)
        nid = r["result"]["note"]
        check(not a.call("note.send", envelope=seal(anna, [bo], (mark + "-refused").encode()))
              ["ok"], "a note to a partner is refused")
        bad = bytearray(seal(anna, [per], (mark + "-badsig").encode()))
        bad[-1] ^= 1
        check(a.call("note.send", envelope=bytes(bad))["error"]["code"] == "bad_signature",
              "bad signature")
        p = Client(d.port, d.server_key, keypair=per.noise)
        check(p.call("note.fetch", note=nid)["ok"], "note.fetch")
        check(p.call("note.ack", note=nid)["ok"], "note.ack")
        check(a.call("member.revoke", who="Bo")["ok"], "revoke")
        for c in (a, s, x, p):
            c.close()
        rc = d.stop()
        log = d.read_log()
        check(rc == 0, "samvirked exit status %r" % rc)
        check("debug" in log and "handshake done" in log, "the debug log is on:\n" + log[-2000:])
        check("refused" in log, "the note refusals are logged:\n" + log[-2000:])
        plain = code.replace("-", "").upper()
        for secret, what in ((code, "the invite code"), (plain, "the invite code (plain)"),
                             (plain.lower(), "the invite code (lower case)"),
                             (wrong, "the wrong invite code"), ("MARKER-", "a content marker")):
            check(secret not in log, "%s is in the daemon's log:\n%s" % (what, log[-3000:]))
        check(mark.encode() not in open(d.log_path, "rb").read(), "marker bytes in the log")
    finally:
        d.cleanup()
    print("ok: no secrets or contents in a debug log")


if __name__ == "__main__":
    main()

"""test_members.py -- the member directory over the wire: invites and enrolment (wrong, used,
expired codes refused with their reason), roles, revocation cutting off open connections at
once, the key-transparency proof of a member's card, and the audit entries of every change."""
import hashlib
import os
import re
import sqlite3
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from svtest import Client, Daemon, ProtocolError, check  # noqa: E402
from svmember import Identity, audit_entries, verify_member_proof  # noqa: E402

CODE_RE = re.compile(r"^[A-Z2-7]{4}(-[A-Z2-7]{4}){7}$")


def err(r):
    return r["error"]["code"] if not r["ok"] else None


def expect_error(r, code, what):
    check(not r["ok"] and r["error"]["code"] == code, "%s: expected %s, got %r" % (what, code, r))
    check(r["error"]["message"], "%s: error has a message" % what)
    check(isinstance(r.get("audit"), int), "%s: the refusal is audited: %r" % (what, r))


def invite(c, name, role, **kw):
    r = c.call("member.invite", name=name, role=role, **kw)
    check(r["ok"], "invite %s as %s: %r" % (name, role, r))
    return r["result"]


def enroll(d, ident, code):
    c = ident.connect(d)
    check(c.hello["member"] is None, "a new key is not enrolled yet")
    r = c.call("enroll", invite=code, card=ident.card)
    return c, r


def main():
    tmp = tempfile.mkdtemp(prefix="svmembers.")
    coord = Identity("Conni Coordinator")
    d = Daemon(admin_card=coord.write_card(os.path.join(tmp, "coord.card")))
    try:
        d.start()
        co = coord.connect(d)
        check(co.hello["ok"] and co.hello["member"]["role"] == "coordinator",
              "the admin card is the first coordinator: %r" % co.hello)
        check(co.hello["member"]["fingerprint"] == coord.fingerprint, "fingerprint as documented")

        # --- invites ---------------------------------------------------------------------
        t0 = int(time.time())
        inv = invite(co, "Pia Partner", "partner")
        check(CODE_RE.match(inv["code"]), "invite code format: %r" % inv["code"])
        check(inv["role"] == "partner" and inv["name"] == "Pia Partner", "invite echo: %r" % inv)
        check(abs(inv["expires"] - (t0 + 72 * 3600)) <= 5, "default expiry 72 h: %r" % inv)
        expect_error(co.call("member.invite", name="X", role="janitor"), "invalid",
                     "role outside the policy")
        expect_error(co.call("member.invite", name="", role="partner"), "invalid", "empty name")
        expect_error(co.call("member.invite", name="Conni Coordinator", role="partner"),
                     "conflict", "invite for an active member's name")

        pia = Identity("Pia Partner")
        # A wrong code (well formed, unknown) and a malformed one.
        wrong = "AAAA-" + inv["code"][5:] if not inv["code"].startswith("AAAA") else \
            "BBBB-" + inv["code"][5:]
        pc, r = enroll(d, pia, wrong)
        expect_error(r, "invite_invalid", "unknown invite code")
        expect_error(pc.call("enroll", invite="hello", card=pia.card), "invite_invalid",
                     "malformed invite code")
        # Someone else's card on this connection.
        expect_error(pc.call("enroll", invite=inv["code"], card=coord.card), "invalid",
                     "card of another key")
        # A card made out to another name than the invite's.
        mallory = Identity("Mallory", noise_keypair=pia.noise)
        expect_error(pc.call("enroll", invite=inv["code"], card=mallory.card), "invalid",
                     "card name differs from the invite")
        # None of the refusals used the invite up; lower case and no dashes are accepted.
        r = pc.call("enroll", invite=inv["code"].replace("-", "").lower(), card=pia.card)
        check(r["ok"] and r["result"]["role"] == "partner" and
              r["result"]["name"] == "Pia Partner", "enrol: %r" % r)
        enrol_seq = r["audit"]
        # The enrolling connection now acts as the member.
        r = pc.call("whoami")
        check(r["ok"] and r["result"]["name"] == "Pia Partner", "whoami after enrol: %r" % r)
        check(pc.call("member.list")["ok"], "a partner reads the directory")
        expect_error(pc.call("member.invite", name="Z", role="partner"), "denied",
                     "a partner may not invite")
        expect_error(pc.call("enroll", invite=inv["code"], card=pia.card), "conflict",
                     "an enrolled key enrols again")

        # Used code.
        other = Identity("Pia Partner")
        oc, r = enroll(d, other, inv["code"])
        expect_error(r, "invite_used", "used invite")
        check("already used" in r["error"]["message"], "reason: %r" % r["error"])
        oc.close()

        # Expired code.
        exp = invite(co, "Erik Expired", "ssp", ttl=1)
        time.sleep(2.1)
        erik = Identity("Erik Expired")
        ec, r = enroll(d, erik, exp["code"])
        expect_error(r, "invite_expired", "expired invite")
        check("expired" in r["error"]["message"], "reason: %r" % r["error"])
        ec.close()

        # --- list, show ------------------------------------------------------------------
        r = co.call("member.list")
        check(r["ok"] and [m["name"] for m in r["result"]] == ["Conni Coordinator", "Pia Partner"],
              "member list: %r" % r)
        pm = r["result"][1]
        check(pm["card"] == pia.card and pm["keyid"] == pia.keyid and pm["revoked"] is False and
              pm["reg_seq"] == enrol_seq and pm["fingerprint"] == pia.fingerprint,
              "member entry: %r" % pm)
        for who in ("Pia Partner", pia.keyid, pia.fingerprint, pia.fingerprint.replace(" ", "")):
            r = co.call("member.show", who=who)
            check(r["ok"] and r["result"]["name"] == "Pia Partner", "show %r: %r" % (who, r))
        expect_error(co.call("member.show", who="Nobody"), "not_found", "show unknown")

        # --- roles take effect at once ---------------------------------------------------
        expect_error(co.call("member.role", who="Pia Partner", role="king"), "invalid",
                     "role outside the policy")
        expect_error(co.call("member.role", who="Conni Coordinator", role="partner"),
                     "conflict", "own role")
        r = co.call("member.role", who="Pia Partner", role="coordinator")
        check(r["ok"] and r["result"]["old_role"] == "partner", "role change: %r" % r)
        r = pc.call("member.invite", name="Sara SSP", role="ssp")
        check(r["ok"], "the new role applies to the open connection: %r" % r)
        r = co.call("member.role", who="Pia Partner", role="partner")
        check(r["ok"], "role back: %r" % r)
        expect_error(pc.call("member.invite", name="Sara SSP", role="ssp"), "denied",
                     "the old role applies again")
        check(pc.call("whoami")["result"]["role"] == "partner", "whoami shows the role")

        # --- key transparency ------------------------------------------------------------
        r = pc.call("member.proof", who="Conni Coordinator")
        check(r["ok"], "proof: %r" % r)
        why = verify_member_proof(r["result"], d.log_key, expect_card=coord.card)
        check(why is None, "coordinator's card proof verifies: %s" % why)
        r = co.call("member.proof", who=pia.fingerprint)
        check(r["ok"] and verify_member_proof(r["result"], d.log_key, pia.card) is None,
              "Pia's card proof verifies: %r" % r)
        check(r["result"]["reg_seq"] == enrol_seq, "registering entry is the enrol entry")
        import base64
        wrong_key = "samvirke.local/audit+00000000+" + \
            base64.b64encode(b"\x01" + os.urandom(32)).decode()
        check(verify_member_proof(r["result"], wrong_key) is not None,
              "a proof does not verify under another log key")

        # --- revocation ------------------------------------------------------------------
        # A pending note delivery to Pia (the notes ops come later; the row is what counts).
        db = sqlite3.connect(os.path.join(d.dir, "samvirke.db"), timeout=10)
        pia_id = db.execute("SELECT id FROM members WHERE name = 'Pia Partner'").fetchone()[0]
        coord_id = db.execute("SELECT id FROM members WHERE name = 'Conni Coordinator'").fetchone()[0]
        with db:
            db.execute("INSERT INTO note_recipients(note, member) VALUES(?, ?)", (b"n" * 16, pia_id))
            db.execute("INSERT INTO note_recipients(note, member) VALUES(?, ?)",
                       (b"n" * 16, coord_id))
        expect_error(pc.call("member.revoke", who="Conni Coordinator"), "denied",
                     "a partner may not revoke")
        expect_error(co.call("member.revoke", who="Conni Coordinator"), "conflict", "self")
        pia2 = pia.connect(d)  # a second open connection of the same member
        t = time.monotonic()
        r = co.call("member.revoke", who="Pia Partner")
        check(r["ok"] and r["result"]["deliveries_dropped"] == 1, "revoke: %r" % r)
        check(pc.closed(timeout=1.0) and pia2.closed(timeout=1.0),
              "the revoked member's connections are closed")
        elapsed = time.monotonic() - t
        check(elapsed < 1.0, "closed within one second (%.3f s)" % elapsed)
        rows = db.execute("SELECT member FROM note_recipients").fetchall()
        check(rows == [(coord_id,)], "deliveries to the revoked member are gone: %r" % rows)
        db.close()
        # The key is refused from now on, with the reason.
        try:
            rc = pia.connect(d)
            check(rc.hello["ok"] is False and rc.hello["error"]["code"] == "not_enrolled" and
                  "revoked" in rc.hello["error"]["message"], "revoked hello: %r" % rc.hello)
            check(rc.closed(timeout=2), "the daemon closes a revoked key's connection")
        except (ProtocolError, ConnectionError) as e:
            check(False, "the refusal should be readable: %s" % e)
        expect_error(co.call("member.revoke", who="Pia Partner"), "conflict", "revoke twice")
        r = co.call("member.show", who="Pia Partner")
        check(r["ok"] and r["result"]["revoked"] is True, "show revoked: %r" % r)

        # The same person comes back with a new identity (the name is free again); the old
        # key stays refused.
        inv2 = invite(co, "Pia Partner", "partner")
        pia_new = Identity("Pia Partner")
        nc, r = enroll(d, pia_new, inv2["code"])
        check(r["ok"], "re-enrol under the same name with new keys: %r" % r)
        r = co.call("member.show", who="Pia Partner")
        check(r["ok"] and r["result"]["card"] == pia_new.card and not r["result"]["revoked"],
              "show prefers the active member: %r" % r)
        inv3 = invite(co, "Old Key", "partner")
        ok_old = Identity("Old Key", noise_keypair=pia.noise)
        try:
            oc = ok_old.connect(d)
            check(oc.hello["ok"] is False, "old key still refused")
        except (ProtocolError, ConnectionError):
            pass
        nc.close()
        del inv3

        # --- a substituted card is detected ----------------------------------------------
        # The server (here: its database, edited while it is down) hands out another card for
        # Pia; the registering entry in the log still names the real one.
        co.close()
        check(d.stop() == 0, "clean stop")
        fake = Identity("Pia Partner")
        db = sqlite3.connect(os.path.join(d.dir, "samvirke.db"))
        with db:
            db.execute("UPDATE members SET card = ? WHERE name = 'Pia Partner' AND revoked = 0",
                       (fake.card,))
        db.close()
        d.start()
        co = coord.connect(d)
        r = co.call("member.proof", who="Pia Partner")
        check(r["ok"] and r["result"]["card"] == fake.card, "proof of the substituted card")
        why = verify_member_proof(r["result"], d.log_key)
        check(why is not None and "another card" in why, "substitution detected: %s" % why)
        co.close()
        check(d.stop() == 0, "clean stop")

        # --- audit entries ----------------------------------------------------------------
        entries = audit_entries(d.dir)
        by_op = {}
        for e in entries:
            by_op.setdefault(e["op"], []).append(e)
        ch = "card:" + coord.card_hash
        check(any(e["object"] == ch for e in by_op["member.register"]), "init registers the card")
        enrolls = [e["object"] for e in by_op["enroll"] if e["object"].startswith("card:")]
        check(enrolls == ["card:" + pia.card_hash, "card:" + pia_new.card_hash],
              "successful enrolments carry the card hash: %r" % enrolls)
        enrol_entry = [e for e in entries if e["seq"] == enrol_seq][0]
        check(enrol_entry["object"] == "card:" + pia.card_hash and enrol_entry["actor"] == pia.keyid
              and enrol_entry["role"] == "partner", "enrol entry: %r" % enrol_entry)
        roles = [e for e in by_op["member.role"] if e["decision"] == "permit" and
                 e["object"] == "card:" + pia.card_hash]
        check(len(roles) >= 2, "role changes carry the card hash: %r" % by_op["member.role"])
        revs = [e for e in by_op["member.revoke"] if e["object"] == "card:" + pia.card_hash and
                e["decision"] == "permit"]
        check(len(revs) >= 1, "revocation carries the card hash: %r" % by_op["member.revoke"])
        invites = [e["object"] for e in by_op["member.invite"] if e["object"]]
        check(len(invites) == 5 and all(re.match(r"^invite:[0-9a-f]{16}$", o) for o in invites),
              "invites name their code's hash, not the code: %r" % invites)
        check(not any(inv["code"].replace("-", "") in str(e) for e in entries),
              "no invite code in the log")
        check(all(e["decision"] == "deny" for e in by_op["member.invite"]
                  if e["actor"] == pia.keyid and e["role"] == "partner"),
              "a partner's invite attempts are logged as denials")
        print("members: invites, enrolment refusals, roles, revocation, proofs and audit entries OK")
    finally:
        d.cleanup()
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

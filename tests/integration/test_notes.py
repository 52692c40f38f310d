"""test_notes.py -- the note relay end to end over the wire: multi-recipient delivery (pushed and
fetched later), no plaintext in the database, tampered and forged envelopes, a partner recipient
refused and logged, revocation, TTL expiry, a 4 MiB note."""
import glob
import os
import shutil
import sqlite3
import sys
import tempfile
import time


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import svaudit as A  # noqa: E402
from svnote import Identity, open_envelope, seal  # noqa: E402
from svtest import Client, Daemon, ProtocolError, check, fail, run_daemon  # noqa: E402


def audit_entries(d):
    return A.db_entries(os.path.join(d.dir, "samvirke.db"))


def make_daemon(people, conf=None, start=True):
    """people: list of (Identity, role); the first is registered as the coordinator. Started
    unless start is False (a test that writes its own policy first)."""
    cdir = tempfile.mkdtemp(prefix="svcards.")
    admin_card = people[0][0].write_card(os.path.join(cdir, "admin.txt"))
    members = ["%s:%s" % (i.write_card(os.path.join(cdir, "m%d.txt" % n)), role)
               for n, (i, role) in enumerate(people[1:])]
    d = Daemon(admin_card=admin_card, conf=conf, members=members)
    shutil.rmtree(cdir, ignore_errors=True)
    if start:
        d.start()
    return d


def connect(d, ident):
    c = Client(d.port, d.server_key, keypair=ident.noise)
    check(c.hello.get("member") is not None, "%s is not enrolled" % ident.name)
    return c


def wait_event(c, timeout=5):
    c.sock.settimeout(timeout)
    while not c.events:
        r = c.recv_frame()
        if "event" in r:
            c.events.append(r)
        else:
            fail("unexpected frame %r" % r)
    return c.events.pop(0)


def main():
    coord = Identity("Koordinator")
    ssp = Identity("Sara SSP")
    police = Identity("Per Politi")
    partner = Identity("Bo Boligsocial")
    d = make_daemon([(coord, "coordinator"), (ssp, "ssp"), (police, "police"),
                     (partner, "partner")])
    run_daemon(d, run, d, coord, ssp, police, partner)
    ttl_test(coord, ssp)
    print("ok: notes")


def run(d, coord, ssp, police, partner):
    marker = "MARKER-%s-blok-7" % os.urandom(6).hex()
    body = ("Bekymring om en ung i %s; samtale med familien tirsdag." % marker).encode()
    cs = connect(d, coord)
    ss = connect(d, ssp)  # online recipient; police connects later

    # --- multi-recipient send: pushed to the connected recipient, kept for the offline one ---
    check(cs.call("area.add", name="Nordparken")["ok"], "the note's area exists")
    env = seal(coord, [ssp, police], body, area="Nordparken")
    r = cs.call("note.send", envelope=env)
    check(r["ok"], "note.send failed: %r" % r)
    nid = r["result"]["note"]
    check(len(nid) == 16 and r["result"]["recipients"] == 2, "send result %r" % r)
    send_seq = r["audit"]
    ev = wait_event(ss)
    check(ev["event"] == "note" and ev["note"] == nid, "push %r" % ev)
    check(ev["from"] == coord.keyid and ev["class"] == "individual", "push fields %r" % ev)
    check(ev["audit"] > send_seq, "the delivery is audited after the send")
    check(open_envelope(ev["envelope"], coord, ssp) == body, "pushed note does not open")
    entries = audit_entries(d)
    deliver = entries[ev["audit"]]
    check(deliver["op"] == "note.deliver" and deliver["actor"] == ssp.keyid and
          deliver["object"] == "note:" + nid.hex(), "delivery entry %r" % deliver)
    # the send entry has ids only
    sent = entries[send_seq]
    check(sent["op"] == "note.send" and sent["decision"] == "permit" and
          sent["class"] == "individual" and sent["purpose"] == "forebyggelse" and
          sent["object"] == "note:" + nid.hex(), "send entry %r" % sent)

    # the sender is not a recipient: nothing for it
    r = cs.call("note.list")
    check(r["ok"] and r["result"] == [], "sender's list %r" % r)
    r = cs.call("note.fetch", note=nid)
    check(not r["ok"] and r["error"]["code"] == "not_found", "sender fetch %r" % r)

    # --- the police officer connects later and still receives it ---
    ps = connect(d, police)
    r = ps.call("note.list")
    check(r["ok"] and len(r["result"]) == 1, "police list %r" % r)
    item = r["result"][0]
    check(item["note"] == nid and item["from"] == coord.keyid and item["area"] == "Nordparken"
          and item["size"] == len(env), "list item %r" % item)
    r = ps.call("note.fetch", note=nid)
    check(r["ok"] and r["result"]["envelope"] == env, "fetch %r" % r)
    check(open_envelope(r["result"]["envelope"], coord, police) == body, "fetched note opens")
    fetch_entry = audit_entries(d)[r["audit"]]
    check(fetch_entry["op"] == "note.fetch" and fetch_entry["actor"] == police.keyid and
          fetch_entry["class"] == "individual", "fetch entry %r" % fetch_entry)

    # --- the database holds ciphertext only ---
    for path in glob.glob(os.path.join(d.dir, "samvirke.db*")):
        data = open(path, "rb").read()
        check(marker.encode() not in data, "plaintext marker found in %s" % path)
        check(b"Bekymring" not in data, "plaintext found in %s" % path)

    # --- acks: the ciphertext goes with the last one ---
    r = ps.call("note.ack", note=nid)
    check(r["ok"] and r["result"]["deleted"] is False, "first ack %r" % r)
    r = ps.call("note.fetch", note=nid)
    check(not r["ok"] and r["error"]["code"] == "not_found", "fetch after ack %r" % r)
    r = ss.call("note.ack", note=nid)
    check(r["ok"] and r["result"]["deleted"] is True, "last ack %r" % r)
    check(ss.call("note.list")["result"] == [], "list after ack")
    r = ss.call("note.ack", note=nid)
    check(not r["ok"] and r["error"]["code"] == "not_found", "double ack %r" % r)

    # --- the same note twice: the second send is a conflict and leaves nothing behind ---
    env = seal(coord, [ssp], b"to gange")
    r = cs.call("note.send", envelope=env)
    check(r["ok"], "send %r" % r)
    twice = r["result"]["note"]
    r = cs.call("note.send", envelope=env)
    check(not r["ok"] and r["error"]["code"] == "conflict" and
          "already sent" in r["error"]["message"], "the same note again %r" % r)
    r = ss.call("note.list")
    check(r["ok"] and [i["note"] for i in r["result"]] == [twice], "one delivery of it: %r" % r)
    r = ss.call("note.ack", note=twice)
    check(r["ok"] and r["result"]["deleted"] is True, "its one ack deletes it %r" % r)

    # --- a tampered envelope is refused: any byte of header, wrap, body or signature ---
    env = seal(coord, [ssp], b"kort note")
    for pos in (30, 70, len(env) - 80, len(env) - 1):  # header, wrap, body, signature
        bad = bytearray(env)
        bad[pos] ^= 0x01
        r = cs.call("note.send", envelope=bytes(bad))
        check(not r["ok"] and r["error"]["code"] in ("bad_signature", "bad_request"),
              "tampered byte %d accepted: %r" % (pos, r))
    bad = bytearray(env)
    bad[len(env) - 80] ^= 0x01
    r = cs.call("note.send", envelope=bytes(bad))
    check(r["error"]["code"] == "bad_signature", "tampered body: %r" % r)
    check(audit_entries(d)[r["audit"]]["op"] == "note.send", "refusal audited")
    check(ss.call("note.list")["result"] == [], "nothing stored from tampered sends")

    # --- forged sender: an envelope naming someone else as sender ---
    forged = seal(coord, [ssp], b"x", sender_id=ssp.keyid_bytes)
    r = cs.call("note.send", envelope=forged)
    check(not r["ok"] and r["error"]["code"] == "denied", "forged sender %r" % r)
    # the ssp member signing as itself but the coordinator uploading it: not the caller
    r = cs.call("note.send", envelope=seal(ssp, [police], b"x"))
    check(not r["ok"] and r["error"]["code"] == "denied", "relayed foreign envelope %r" % r)

    # --- a partner recipient: refused by the daemon, logged with the deciding rule ---
    crafted = seal(coord, [ssp, partner], b"til partneren")
    r = cs.call("note.send", envelope=crafted)
    check(not r["ok"] and r["error"]["code"] == "denied", "partner recipient %r" % r)
    check(partner.keyid in r["error"]["message"], "message names the recipient: %r" % r)
    e = audit_entries(d)[r["audit"]]
    check(e["op"] == "note.send" and e["decision"] == "deny" and e["rule"].startswith("receive"),
          "refusal entry %r" % e)
    check("may not receive individual" in d.read_log(), "refusal not in the daemon log")
    check(ss.call("note.list")["result"] == [], "refused note not stored")
    # no purpose: the sender's own send is denied (regime-notes needs a purpose)
    r = cs.call("note.send", envelope=seal(coord, [ssp], b"x", purpose=""))
    check(not r["ok"] and r["error"]["code"] == "denied", "no purpose %r" % r)
    # forbidden purpose
    r = cs.call("note.send", envelope=seal(coord, [ssp], b"x", purpose="efterforskning"))
    check(not r["ok"] and "no-investigation" in r["error"]["message"], "purpose %r" % r)
    # partner as sender
    pa = connect(d, partner)
    r = pa.call("note.send", envelope=seal(partner, [ssp], b"x"))
    check(not r["ok"] and r["error"]["code"] == "denied", "partner sender %r" % r)

    # --- unknown recipient, malformed envelope, bad note id ---
    stranger = Identity("Fremmed")
    r = cs.call("note.send", envelope=seal(coord, [ssp, stranger], b"x"))
    check(not r["ok"] and r["error"]["code"] == "unknown_recipient", "stranger %r" % r)
    r = cs.call("note.send", envelope=b"SVNE\x01garbage")
    check(not r["ok"] and r["error"]["code"] == "bad_request", "garbage %r" % r)
    r = cs.call("note.fetch", note=b"short")
    check(not r["ok"] and r["error"]["code"] == "bad_request", "short id %r" % r)

    # --- a 4 MiB note (the default note_max) travels in many Noise messages ---
    big = os.urandom(4 * 1024 * 1024 - 4096)
    env = seal(coord, [police], big)
    check(len(env) <= 4 * 1024 * 1024, "big envelope fits note_max")
    t0 = time.time()
    r = cs.call("note.send", envelope=env)
    check(r["ok"], "4 MiB note.send %r" % (r.get("error"),))
    big_id = r["result"]["note"]
    ev = wait_event(ps, timeout=30)
    check(ev["note"] == big_id and open_envelope(ev["envelope"], coord, police) == big,
          "4 MiB note pushed intact")
    r = ps.call("note.fetch", note=big_id)
    check(r["ok"] and r["result"]["envelope"] == env, "4 MiB fetch")
    check(ps.call("note.ack", note=big_id)["ok"], "4 MiB ack")
    print("4 MiB note: sent, pushed and fetched in %.2f s" % (time.time() - t0))
    over = seal(coord, [police], os.urandom(4 * 1024 * 1024))
    r = cs.call("note.send", envelope=over)
    check(not r["ok"] and r["error"]["code"] == "too_large", "over note_max %r" % r)
    check(cs.call("ping")["ok"], "connection still usable")

    # --- revocation: pending deliveries dropped, the member cannot fetch ---
    env = seal(coord, [ssp, police], b"til revokering")
    r = cs.call("note.send", envelope=env)
    check(r["ok"], "send before revoke")
    rid = r["result"]["note"]
    wait_event(ss)
    wait_event(ps)
    r = cs.call("member.revoke", who=police.name)
    check(r["ok"], "revoke %r" % r)
    check(ps.closed(), "revoked member's connection closed")
    # The revoked key is refused at the handshake (PROTOCOL.md section 1): the reply says why
    # and the daemon closes the connection, so no fetch can follow.
    p2 = Client(d.port, d.server_key, keypair=police.noise)
    check(p2.hello.get("ok") is False and p2.hello.get("member") is None and
          p2.hello.get("error", {}).get("code") == "not_enrolled",
          "revoked key's handshake reply %r" % p2.hello)
    check(p2.closed(), "the daemon closes a revoked key's connection")
    try:
        r = p2.call("note.fetch", note=rid)
    except (ProtocolError, OSError):
        r = None  # the connection is gone: nothing was fetched
    check(r is None, "a revoked key was answered over its refused connection: %r" % r)
    db = sqlite3.connect(os.path.join(d.dir, "samvirke.db"), timeout=10)
    n = db.execute("SELECT COUNT(*) FROM note_recipients r JOIN members m ON m.id = r.member"
                   " WHERE m.name = ?", (police.name,)).fetchone()[0]
    db.close()
    check(n == 0, "pending deliveries to the revoked member remain: %d" % n)
    r = cs.call("note.send", envelope=seal(coord, [police], b"x"))
    check(not r["ok"] and r["error"]["code"] == "revoked_recipient", "to revoked %r" % r)
    for c in (cs, ss, pa):
        c.close()


def ttl_test(coord, ssp):
    """note_ttl = 1 s, sweep every 200 ms: an unacknowledged note is purged and the purge logged."""
    d = make_daemon([(coord, "coordinator"), (ssp, "ssp")],
                    conf={"note_ttl": "1", "note_sweep_ms": "200"})
    try:
        cs = connect(d, coord)
        r = cs.call("note.send", envelope=seal(coord, [ssp], b"kortlivet"))
        check(r["ok"], "send %r" % r)
        deadline = time.time() + 10
        ops = []
        while time.time() < deadline:
            time.sleep(0.3)
            ops = [e for e in audit_entries(d) if e["op"] == "note.expire"]
            if ops:
                break
        check(ops and ops[0]["object"].startswith("expired:1"), "expiry entry %r" % ops)
        ss = connect(d, ssp)
        r = ss.call("note.list")
        check(r["ok"] and r["result"] == [], "expired note still listed %r" % r)
        db = sqlite3.connect(os.path.join(d.dir, "samvirke.db"), timeout=10)
        check(db.execute("SELECT COUNT(*) FROM notes").fetchone()[0] == 0, "notes purged")
        db.close()
        check("deleted 1 expired" in d.read_log(), "purge logged")
        cs.close()
        ss.close()
    except BaseException:
        print(d.read_log(), file=sys.stderr)
        raise
    finally:
        d.stop()
        d.cleanup()


if __name__ == "__main__":
    main()

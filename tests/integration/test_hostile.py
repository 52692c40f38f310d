"""test_hostile.py -- unauthenticated and hostile clients cannot exhaust the daemon: handshake
slots (the oldest pushed out), connections per address, connections of keys that are not
enrolled (refused, audited once per key), a revoked key's handshakes audited once, frames capped
before enrolment, request rates per key and per address (one audited refusal, then the
connection closes), the idle timer kept only by complete requests, answers counted against the
connection's budget before they are kept, decoding bounded in values, a global buffer cap, note
storage quotas, and a role change dropping what the new role was never asked about. Each limit is
tried on both sides of its boundary."""
import os
import socket
import struct
import sys
import time

import msgpack

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import svaudit as A  # noqa: E402
from svnote import Identity, seal  # noqa: E402
from svtest import Client, ProtocolError, check  # noqa: E402
from test_notes import connect, make_daemon  # noqa: E402

H, P, U = 16, 4, 6          # max_handshakes, max_per_address, max_unenrolled
FRAME_U = 4096              # max_frame_unenrolled
RATE, BURST = 1, 5          # rate_unenrolled, rate_unenrolled_burst (address: x4)
BODY = b"x" * 3000          # note body: every test note has the same envelope size


def raw(d, src):
    s = socket.create_connection(("127.0.0.1", d.port), timeout=5, source_address=(src, 0))
    return s


def is_closed(s, wait=0.5):
    s.settimeout(wait)
    try:
        return s.recv(1) == b""
    except socket.timeout:
        return False
    except OSError:
        return True


def entries(d):
    return A.db_entries(os.path.join(d.dir, "samvirke.db"))


def frame(body):
    return struct.pack(">I", len(body)) + body


def handshake_slots(d, member):
    # H - 1 handshakes open: a member still gets in and nobody is pushed out.
    raws = [raw(d, "127.0.0.%d" % (2 + i // P)) for i in range(H - 1)]
    time.sleep(0.2)
    c = connect(d, member)
    check(c.call("ping")["ok"], "member ping beside %d handshakes" % (H - 1))
    c.close()
    check(not any(is_closed(s, 0.05) for s in raws), "below max_handshakes nobody is pushed out")
    # H open: the next connection (the member's) pushes out the oldest, only it.
    raws.append(raw(d, "127.0.0.%d" % (2 + (H - 1) // P)))
    time.sleep(0.2)
    c = connect(d, member)
    check(c.call("ping")["ok"], "member ping beside %d handshakes" % H)
    c.close()
    check(is_closed(raws[0]), "the oldest handshake was pushed out")
    check(not any(is_closed(s, 0.05) for s in raws[1:]), "only the oldest was pushed out")
    for s in raws:
        s.close()
    # A flood of raw sockets from many addresses: members keep getting in.
    flood = []
    for a in range(20, 40):
        for _ in range(P):
            try:
                flood.append(raw(d, "127.0.1.%d" % a))
            except OSError:
                pass
    ok = 0
    for _ in range(10):
        c = connect(d, member)
        ok += 1 if c.call("ping")["ok"] else 0
        c.close()
    check(ok == 10, "a member connects during a flood of %d raw sockets (%d/10)" % (len(flood), ok))
    for s in flood:
        s.close()
    print("handshake slots: oldest pushed out at %d, members get in during a flood" % H)


def per_address(d, member):
    socks = [raw(d, "127.0.2.1") for _ in range(P)]
    time.sleep(0.2)
    check(not any(is_closed(s, 0.05) for s in socks), "%d connections from one address" % P)
    # The address is full of handshakes: a new one pushes out the address's oldest.
    extra = raw(d, "127.0.2.1")
    check(is_closed(socks[0]), "connection %d from one address pushes out its oldest" % (P + 1))
    check(not any(is_closed(s, 0.05) for s in socks[1:] + [extra]), "and only that one")
    # A member behind the same address as that flood still gets in.
    c = Client(d.port, d.server_key, keypair=member.noise, source="127.0.2.1")
    check(c.hello["ok"] and c.call("ping")["ok"], "a member from a flooded address")
    c.close()
    other = raw(d, "127.0.2.2")
    check(not is_closed(other, 0.3), "another address is still served")
    for s in socks + [extra, other]:
        s.close()
    # An address whose connections have all finished the handshake (keys not enrolled): the
    # next one is refused.
    done = [Client(d.port, d.server_key, source="127.0.2.3") for _ in range(P)]
    check(all(x.hello["ok"] for x in done), "%d keys that are not enrolled from one address" % P)
    refused = raw(d, "127.0.2.3")
    check(is_closed(refused, 2), "connection %d from that address is closed" % (P + 1))
    check(done[0].call("ping")["ok"], "the address's open connections are untouched")
    for x in done:
        x.close()
    print("per address: %d served, the %dth pushes out the oldest handshake or is refused"
          % (P, P + 1))


def unenrolled_cap(d, member):
    before = len(entries(d))
    open_ = [Client(d.port, d.server_key, source="127.0.3.%d" % (1 + i // P)) for i in range(U)]
    check(all(c.hello["ok"] for c in open_), "%d keys that are not enrolled are served" % U)
    from dissononce.dh.x25519.x25519 import X25519DH
    kp = X25519DH().generate_keypair()
    refused = Client(d.port, d.server_key, keypair=kp, source="127.0.3.9")
    check(refused.hello["ok"] is False and refused.hello["error"]["code"] == "unavailable",
          "key %d that is not enrolled is refused: %r" % (U + 1, refused.hello))
    check(refused.closed(), "and its connection closed")
    again = Client(d.port, d.server_key, keypair=kp, source="127.0.3.9")
    check(again.hello["ok"] is False, "refused again")
    c = connect(d, member)
    check(c.call("ping")["ok"], "a member still gets in")
    c.close()
    time.sleep(0.3)
    hs = [e for e in entries(d)[before:] if e["op"] == "handshake"]
    check(len(hs) == 1, "one audited refusal for the key, not two: %r" % hs)
    check(hs[0]["decision"] == "deny" and "not enrolled" in hs[0]["rule"], repr(hs[0]))
    for c in open_:
        c.close()
    print("unenrolled: %d served, the next refused and audited once" % U)


def revoked_key(d, coord_c, victim):
    r = coord_c.call("member.revoke", who=victim.name)
    check(r["ok"], "revoke: %r" % r)
    before = len(entries(d))
    for _ in range(3):
        c = Client(d.port, d.server_key, keypair=victim.noise)
        check(c.hello["ok"] is False and c.hello["error"]["code"] == "not_enrolled", repr(c.hello))
        c.close()
    time.sleep(0.3)
    hs = [e for e in entries(d)[before:] if e["op"] == "handshake"]
    check(len(hs) == 1 and hs[0]["actor"] == victim.keyid and hs[0]["rule"] == "revoked key",
          "three refused handshakes of a revoked key, one audit entry: %r" % hs)
    print("revoked key: refused three times, audited once")


def frame_caps(d, member):
    c = Client(d.port, d.server_key, source="127.0.4.1")
    c.send_stream(frame(b"\x81\xa2id\x01" + b"\xc0" * (FRAME_U - 5)))  # not one map: bad_request
    r = c.recv_frame()
    check(r["ok"] is False and r["error"]["code"] == "bad_request", "frame of %d: %r" % (FRAME_U, r))
    c.send_stream(frame(b"\xc0" * (FRAME_U + 1)))
    check(c.closed(1), "a frame of %d before enrolment closes the connection" % (FRAME_U + 1))
    m = connect(d, member)
    m.send_stream(frame(b"\xc0" * (FRAME_U + 1)))
    r = m.recv_frame()
    check(r["ok"] is False and r["error"]["code"] == "bad_request", "a member's larger frame")
    # Decoding is bounded in values: {"id", "op", "x": [nil * n]} holds 7 + n values.
    for n, over in ((4089, False), (4090, True)):
        req = msgpack.packb({"id": 5, "op": "ping", "x": [None] * n})
        m.send_frame(req)
        r = m.recv_frame()
        check(r["ok"] is False and r["error"]["code"] == "bad_request", repr(r)[:200])
        check(("at most 4096 items" in r["error"]["message"]) == over,
              "%d values: %s" % (7 + n, r["error"]["message"]))
    check(m.call("ping")["ok"], "the member's connection is usable")
    m.close()
    print("frames: %d before enrolment, larger for members; 4096 values per request" % FRAME_U)


def rates(d):
    from dissononce.dh.x25519.x25519 import X25519DH
    # Per key: BURST pings pass, the next is refused (audited) and the connection closes.
    c = Client(d.port, d.server_key, source="127.0.5.1")
    for i in range(BURST + 1):
        c.send_frame(msgpack.packb({"id": i + 1, "op": "ping"}))
    for i in range(BURST):
        r = c.response(i + 1)
        check(r["ok"], "ping %d of %d: %r" % (i + 1, BURST, r))
    r = c.response(BURST + 1)
    check(r["ok"] is False and r["error"]["code"] == "rate_limited" and isinstance(r.get("audit"), int),
          "ping %d: %r" % (BURST + 1, r))
    check(c.closed(1), "the connection closes after the refusal")
    e = entries(d)[r["audit"]]
    check(e["decision"] == "deny" and e["rule"] == "rate limit", "the refusal is audited: %r" % e)
    # Per address: 4 x BURST requests from all keys of one address, then refusals.
    t0 = time.time()
    sent = 0
    refused_at = None
    for k in range(6):
        c = Client(d.port, d.server_key, keypair=X25519DH().generate_keypair(),
                   source="127.0.5.2")
        for i in range(BURST):
            r = c.call("ping")
            sent += 1
            if not r["ok"]:
                check(r["error"]["code"] == "rate_limited", repr(r))
                refused_at = sent
                break
        c.close()
        if refused_at:
            break
    elapsed = time.time() - t0
    refill = int(elapsed * 4 * RATE) + 1
    check(refused_at is not None and 4 * BURST < refused_at <= 4 * BURST + refill,
          "the address is refused after %d requests (%d + up to %d refilled in %.2f s): %r" %
          (4 * BURST, 4 * BURST, refill, elapsed, refused_at))
    print("rates: key refused at %d, address at %d" % (BURST + 1, refused_at))


def idle_timer(d, member):
    c = connect(d, member)
    c.send_stream(struct.pack(">I", 100))
    t0 = time.time()
    closed = False
    while time.time() - t0 < 8:
        try:
            c.send_stream(b"\xc0")
        except OSError:
            closed = True
            break
        if is_closed(c.sock, 0.4):
            closed = True
            break
    el = time.time() - t0
    check(closed and 2.5 < el < 6, "bytes without a request do not keep a connection (%.1f s)" % el)
    print("idle: closed after %.1f s of bytes without a complete request" % el)


def answer_budget(d, coord):
    coord_c = connect(d, coord)
    check(coord_c.call("area.add", name="Budget")["ok"], "area")
    text = "y" * 3900

    def add(n):
        for _ in range(n):
            r = coord_c.call("observation.add", area="Budget", kind="resource", category="c",
                             level="area", text=text)
            check(r["ok"], repr(r))
    add(10)
    r = coord_c.call("observation.list", area="Budget")
    check(r["ok"], "a list of ~40 KB fits the 64 KiB budget: %r" % (r.get("error"),))
    add(10)
    r = coord_c.call("observation.list", area="Budget")
    check(r["ok"] is False and r["error"]["code"] == "too_large" and isinstance(r.get("audit"), int),
          "a list of ~80 KB is refused before it is kept: %r" % (r.get("error"),))
    check(coord_c.call("ping")["ok"], "the connection stays usable")
    coord_c.close()
    print("answers: 40 KB sent, 80 KB refused too_large (max_write_queue 64 KiB)")


def buffers(d, member):
    conns = [connect(d, member) for _ in range(6)]  # all open first: only reads add bytes
    dropped_while_sending = 0
    for c in conns:
        try:
            c.send_stream(struct.pack(">I", 4 * 1024 * 1024) + b"\0" * (300 * 1024))
        except OSError:
            dropped_while_sending += 1
    time.sleep(0.5)
    closed = sum(1 for c in conns if is_closed(c.sock, 0.1))
    check(closed >= 1, "connections past max_buffered (1 MiB) are dropped (%d of 6)" % closed)
    check(d.alive(), "the daemon lives")
    c = connect(d, member)
    check(c.call("ping")["ok"], "and serves")
    for x in conns + [c]:
        x.close()
    print("buffers: %d of 6 connections holding 300 KiB each dropped (max_buffered 1 MiB)" % closed)


def quotas_and_roles(d, coord, ssp, police, ssp2, env_len):
    cc = connect(d, coord)

    def send(to):
        return cc.call("note.send", envelope=seal(coord, [to], BODY))
    for i in range(2):
        check(send(ssp)["ok"], "note %d to ssp" % (i + 1))
    r = send(ssp)
    check(r["ok"] is False and r["error"]["code"] == "too_large" and ssp.keyid in r["error"]["message"],
          "a third note passes the recipient's quota: %r" % r)
    for i in range(2):
        check(send(police)["ok"], "note %d to police" % (i + 1))
    check(send(ssp2)["ok"], "the fifth note fills the total quota exactly")
    r = send(ssp2)
    check(r["ok"] is False and r["error"]["code"] == "too_large" and
          "waiting for delivery" in r["error"]["message"], "the sixth passes the total: %r" % r)
    # ssp2 becomes a partner: the note let through for the ssp role is dropped, not kept aside.
    r = cc.call("member.role", who=ssp2.name, role="partner")
    check(r["ok"] and r["result"]["deliveries_dropped"] == 1, "role change: %r" % r)
    p = connect(d, ssp2)
    r = p.call("note.list")
    check(r["ok"] and r["result"] == [], "the demoted member lists nothing: %r" % r)
    r = cc.call("member.role", who=ssp2.name, role="ssp")
    check(r["ok"] and r["result"]["deliveries_dropped"] == 0, repr(r))
    p.close()
    p = connect(d, ssp2)
    r = p.call("note.list")
    check(r["ok"] and r["result"] == [], "and nothing comes back with the old role: %r" % r)
    p.close()
    cc.close()
    print("quotas: 2 per recipient, 5 in all (%d-byte notes); a role change dropped 1 delivery"
          % env_len)


def member_rate():
    """A member's key has a rate too (set low here): the burst passes, the next is refused."""
    who = Identity("Mette Medlem")
    d = make_daemon([(who, "coordinator")], {"rate_member": 2, "rate_member_burst": 10})
    try:
        c = connect(d, who)
        for i in range(11):
            c.send_frame(msgpack.packb({"id": i + 1, "op": "ping"}))
        for i in range(10):
            check(c.response(i + 1)["ok"], "member ping %d" % (i + 1))
        r = c.response(11)
        check(r["ok"] is False and r["error"]["code"] == "rate_limited", "ping 11: %r" % r)
        check(c.closed(1), "closed after the refusal")
        check(d.stop() == 0, "clean stop")
    finally:
        d.cleanup()
    print("member rate: 10 pass, the 11th refused")


def main():
    member_rate()
    coord, ssp, police = Identity("Koordinator"), Identity("Sara SSP"), Identity("Per Politi")
    ssp2, victim = Identity("Sofie SSP"), Identity("Vera Revoked")
    env_len = len(seal(coord, [ssp], BODY))
    conf = {"max_connections": 200, "max_handshakes": H, "max_per_address": P,
            "max_unenrolled": U, "max_frame_unenrolled": FRAME_U, "rate_unenrolled": RATE,
            "rate_unenrolled_burst": BURST, "refusal_audit_s": 3600, "max_write_queue": 65536,
            "max_buffered": 1 << 20, "idle_timeout_ms": 3000,
            "note_quota_recipient": 2 * env_len, "note_quota_total": 5 * env_len}
    d = make_daemon([(coord, "coordinator"), (ssp, "ssp"), (police, "police"), (ssp2, "ssp"),
                     (victim, "ssp")], conf)
    try:
        handshake_slots(d, ssp)
        per_address(d, ssp)
        unenrolled_cap(d, ssp)
        cc = connect(d, coord)
        revoked_key(d, cc, victim)
        cc.close()
        frame_caps(d, ssp)
        rates(d)
        idle_timer(d, ssp)
        answer_budget(d, coord)
        buffers(d, ssp)
        quotas_and_roles(d, coord, ssp, police, ssp2, env_len)
        check(d.stop() == 0, "clean stop")
        log = d.read_log()
        check("AddressSanitizer" not in log and "LeakSanitizer" not in log, "sanitizers:\n" + log)
    finally:
        d.cleanup()


if __name__ == "__main__":
    main()

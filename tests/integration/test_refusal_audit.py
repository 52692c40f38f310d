"""test_refusal_audit.py -- refused handshakes (a revoked key; a key that is not enrolled when the
connections of such keys are all taken) are audited at most once per key per refusal_audit_s:
inside the window further refusals of that key are counted, not logged; another key's refusal
is logged on its own; after the window the next refusal is logged again and says how many were
left out before it (object "refusals left out before: N")."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import svaudit as A  # noqa: E402
from svnote import Identity  # noqa: E402
from svtest import Client, check, run_daemon  # noqa: E402
from test_notes import connect, make_daemon  # noqa: E402

WINDOW = 4  # refusal_audit_s (seconds: room for five handshakes on a loaded machine)


def handshakes(d, before):
    time.sleep(0.3)  # the refusal's entry is committed after the reply
    return [e for e in A.db_entries(os.path.join(d.dir, "samvirke.db"))[before:]
            if e["op"] == "handshake"]


def refuse(d, keypair, code):
    c = Client(d.port, d.server_key, keypair=keypair)
    check(c.hello["ok"] is False and c.hello["error"]["code"] == code, repr(c.hello))
    c.close()


def run(d, coord, victim):
    from dissononce.dh.x25519.x25519 import X25519DH
    cc = connect(d, coord)
    check(cc.call("member.revoke", who=victim.name)["ok"], "revoke")
    n0 = len(A.db_entries(os.path.join(d.dir, "samvirke.db")))
    holder = Client(d.port, d.server_key)  # the one connection of a key that is not enrolled
    check(holder.hello["ok"], "the first stranger is served")
    stranger = X25519DH().generate_keypair()
    t0 = time.time()
    for _ in range(3):
        refuse(d, victim.noise, "not_enrolled")
    for _ in range(2):
        refuse(d, stranger, "unavailable")
    hs = handshakes(d, n0)
    check(time.time() - t0 < WINDOW,
          "the five refusals took longer than the %d s window" % WINDOW)
    check(len(hs) == 2, "one entry per key inside the window: %r" % hs)
    rv = [e for e in hs if e["actor"] == victim.keyid]
    check(len(rv) == 1 and rv[0]["rule"] == "revoked key" and rv[0]["outcome"] == "not_enrolled"
          and rv[0]["decision"] == "deny" and rv[0]["object"] == "", repr(rv))
    st = [e for e in hs if e["actor"] != victim.keyid]
    check(len(st) == 1 and st[0]["rule"].startswith("too many connections") and
          st[0]["outcome"] == "unavailable" and st[0]["object"] == "", repr(st))
    # After the window: logged again, with the count of the refusals left out.
    time.sleep(WINDOW + 0.2)
    n1 = len(A.db_entries(os.path.join(d.dir, "samvirke.db")))
    refuse(d, victim.noise, "not_enrolled")
    refuse(d, stranger, "unavailable")
    refuse(d, victim.noise, "not_enrolled")  # inside the new window: counted only
    hs = handshakes(d, n1)
    objects = sorted((e["actor"] == victim.keyid, e["object"]) for e in hs)
    check(objects == [(False, "refusals left out before: 1"),
                      (True, "refusals left out before: 2")],
          "after the window, one entry per key with the count left out: %r" % hs)
    holder.close()
    cc.close()


def main():
    coord, victim = Identity("Koordinator"), Identity("Vera Revoked")
    d = make_daemon([(coord, "coordinator"), (victim, "ssp")],
                    {"refusal_audit_s": WINDOW, "max_unenrolled": 1})
    run_daemon(d, run, d, coord, victim)
    print("ok: refused handshakes audited once per key per %d s" % WINDOW)


if __name__ == "__main__":
    main()

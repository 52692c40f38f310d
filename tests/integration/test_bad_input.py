"""test_bad_input.py -- every op's arguments at their extremes (huge and empty strings, 0 and
UINT64_MAX, non-finite or out-of-range coordinates, deep nesting, wrong types, ids that do not
exist, note ids of the wrong length), sent by an enrolled coordinator and by a partner: each
request gets a response carrying a stable error code (never "internal"), the connection keeps
serving, the daemon stays up and exits 0 on SIGTERM with no sanitizer report in its log."""
import os
import shutil
import sys
import tempfile

import msgpack

sys.path.insert(0, os.path.dirname(__file__))
from svtest import Client, Daemon, ProtocolError, check  # noqa: E402
from svnote import Identity, seal  # noqa: E402

U64 = 2**64 - 1
MAX_FRAME = 262144
# What a bad request may be answered with. "internal" and "unavailable" mean the daemon broke.
STABLE = {"bad_request", "unknown_op", "not_enrolled", "denied", "not_found", "conflict",
          "invite_invalid", "invite_used", "invite_expired", "personal_data", "invalid",
          "bad_signature", "unknown_recipient", "revoked_recipient", "too_large"}
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
                   "runtime error:")


def nested(depth):
    v = 1
    for _ in range(depth):
        v = {"k": v}
    return v


def cases(ids):
    """(label, op, args, expect): expect is a set of codes, or None when "ok" is acceptable too
    (an extreme that is still a valid request)."""
    huge = "x" * (MAX_FRAME - 200)  # just inside the frame cap
    area = "Nordparken"
    obs = dict(area=area, kind="resource", category="mødested", level="area", text="t")
    out = [
        # session
        ("ping with an argument", "ping", {"text": "x"}, {"bad_request"}),
        ("unknown op", "no.such.op", {}, {"unknown_op"}),
        ("empty op", "", {}, {"unknown_op"}),
        ("huge op name", "x" * 100000, {}, {"unknown_op"}),
        ("unknown argument", "area.list", {"bogus": 1}, {"bad_request"}),
        ("huge unknown argument key", "area.list", {"k" * 100000: 1}, {"bad_request"}),
        ("deeply nested value", "area.add", {"name": nested(31)}, {"bad_request"}),
        ("wrong type string", "area.add", {"name": 5}, {"bad_request"}),
        ("wrong type uint", "audit.entries", {"start": -1}, {"bad_request"}),
        ("wrong type uint float", "audit.entries", {"start": 1.5}, {"bad_request"}),
        ("NUL in a string", "area.add", {"name": "a\0b"}, {"bad_request"}),
        # areas
        ("empty area name", "area.add", {"name": ""}, {"invalid", "denied"}),
        ("huge area name", "area.add", {"name": huge}, {"invalid", "too_large", "denied"}),
        ("control chars in area name", "area.add", {"name": "a\x1b[2Jb"}, {"invalid", "denied"}),
        ("huge description", "area.add", {"name": "Ny", "description": huge},
         {"invalid", "too_large", "denied"}),
        # observations
        ("observation in no area", "observation.add", dict(obs, area="Ingensteds"),
         {"not_found", "denied", "invalid"}),
        ("observation empty area", "observation.add", dict(obs, area=""),
         {"not_found", "denied", "invalid"}),
        ("observation empty text", "observation.add", dict(obs, text=""), {"invalid", "denied"}),
        ("observation huge text", "observation.add", dict(obs, text=huge),
         {"invalid", "too_large", "denied"}),
        ("observation bad kind", "observation.add", dict(obs, kind=""),
         {"bad_request", "invalid", "denied"}),
        ("observation bad level", "observation.add", dict(obs, level="x" * 5000),
         {"bad_request", "invalid", "denied"}),
        ("observation huge category", "observation.add", dict(obs, category=huge),
         {"invalid", "too_large", "denied"}),
        ("observation size 0", "observation.add", dict(obs, level="group", size=0),
         {"invalid", "denied", "personal_data"}),
        ("observation size max", "observation.add", dict(obs, level="group", size=U64), None),
        ("observation lat nan", "observation.add", dict(obs, lat=float("nan"), lon=1.0),
         {"bad_request", "invalid"}),
        ("observation lon inf", "observation.add", dict(obs, lat=1.0, lon=float("inf")),
         {"bad_request", "invalid"}),
        ("observation lat -inf", "observation.add", dict(obs, lat=float("-inf"), lon=1.0),
         {"bad_request", "invalid"}),
        ("observation lat 1e308", "observation.add", dict(obs, lat=1e308, lon=0.0),
         {"invalid", "denied"}),
        ("observation lat only", "observation.add", dict(obs, lat=55.0), {"invalid", "denied"}),
        ("observation lon -2^63", "observation.add", dict(obs, lat=0.0, lon=-2**63),
         {"invalid", "denied"}),
        ("observation.list no area", "observation.list", {"area": "Ingensteds"},
         {"not_found", "denied"}),
        ("observation.list huge area", "observation.list", {"area": huge},
         {"not_found", "denied", "invalid"}),
        ("observation.list since max", "observation.list", {"area": area, "since": U64}, None),
        ("observation.list empty filters", "observation.list",
         {"area": area, "kind": "", "category": ""}, None),
        ("observation.update id 0", "observation.update", {"observation": 0, "text": "y"},
         {"not_found", "denied", "invalid"}),
        ("observation.update id max", "observation.update", {"observation": U64, "text": "y"},
         {"not_found", "denied", "invalid"}),
        ("observation.update nothing", "observation.update", {"observation": ids["obs"]},
         {"invalid", "bad_request", "denied"}),
        ("observation.update huge text", "observation.update",
         {"observation": ids["obs"], "text": huge}, {"invalid", "too_large", "denied"}),
        ("observation.update nan", "observation.update",
         {"observation": ids["obs"], "lat": float("nan")}, {"bad_request", "invalid"}),
        ("observation.withdraw id max", "observation.withdraw", {"observation": U64},
         {"not_found", "denied"}),
        ("observation.withdraw id 2^63", "observation.withdraw", {"observation": 2**63},
         {"not_found", "denied"}),
        # interventions
        ("intervention empty text", "intervention.add",
         {"area": area, "level": "area", "step": "act", "text": ""}, {"invalid", "denied"}),
        ("intervention bad step", "intervention.add",
         {"area": area, "level": "area", "step": "", "text": "t"}, {"invalid", "denied"}),
        ("intervention no area", "intervention.add",
         {"area": "Ingensteds", "level": "area", "step": "act", "text": "t"},
         {"not_found", "denied", "invalid"}),
        ("intervention individual", "intervention.add",
         {"area": area, "level": "individual", "step": "act", "text": "t"},
         {"invalid", "denied", "personal_data"}),
        ("intervention.list no area", "intervention.list", {"area": "Ingensteds"},
         {"not_found", "denied"}),
        ("intervention.update id max", "intervention.update",
         {"intervention": U64, "status": "done"}, {"not_found", "denied", "invalid"}),
        ("intervention.update id 0", "intervention.update",
         {"intervention": 0, "status": "done"}, {"not_found", "denied", "invalid"}),
        ("intervention.update bad status", "intervention.update",
         {"intervention": ids["iv"], "status": "x" * 10000}, {"invalid", "denied"}),
        # audit
        ("audit.entries start max", "audit.entries", {"start": U64}, {"invalid", "denied",
                                                                     "not_found"}),
        ("audit.entries start near max", "audit.entries", {"start": U64 - 1, "count": U64},
         {"invalid", "denied", "not_found"}),
        ("audit.entries count max", "audit.entries", {"start": 0, "count": U64}, None),
        ("audit.entries count 0", "audit.entries", {"start": 0, "count": 0}, None),
        ("audit.inclusion seq max", "audit.inclusion", {"seq": U64}, {"invalid", "denied",
                                                                     "not_found"}),
        ("audit.inclusion size 0", "audit.inclusion", {"seq": 0, "size": 0},
         {"invalid", "denied", "not_found"}),
        ("audit.inclusion size max", "audit.inclusion", {"seq": 0, "size": U64},
         {"invalid", "denied", "not_found"}),
        ("audit.inclusion old_size max", "audit.inclusion", {"seq": 0, "old_size": U64},
         {"invalid", "denied", "not_found"}),
        ("audit.consistency old > size", "audit.consistency", {"old_size": 5, "size": 2},
         {"invalid", "denied"}),
        ("audit.consistency old max", "audit.consistency", {"old_size": U64},
         {"invalid", "denied"}),
        ("audit.consistency size max", "audit.consistency", {"old_size": 1, "size": U64},
         {"invalid", "denied"}),
        ("audit.consistency both 0", "audit.consistency", {"old_size": 0, "size": 0}, None),
        # members
        ("member.show empty", "member.show", {"who": ""}, {"not_found", "invalid"}),
        ("member.show huge", "member.show", {"who": huge}, {"not_found", "invalid"}),
        ("member.show control chars", "member.show", {"who": "\x1b]0;x\x07"},
         {"not_found", "invalid"}),
        ("member.proof nobody", "member.proof", {"who": "nobody"}, {"not_found"}),
        ("member.proof old_size max", "member.proof", {"who": "Anna", "old_size": U64},
         None),  # documented: no consistency proof then
        ("member.invite empty name", "member.invite", {"role": "ssp", "name": ""},
         {"invalid", "denied"}),
        ("member.invite huge name", "member.invite", {"role": "ssp", "name": huge},
         {"invalid", "denied"}),
        ("member.invite bad role", "member.invite", {"role": "", "name": "Ny"},
         {"invalid", "denied"}),
        ("member.invite ttl 0", "member.invite", {"role": "ssp", "name": "Ny", "ttl": 0},
         {"invalid", "denied"}),
        ("member.invite ttl max", "member.invite", {"role": "ssp", "name": "Ny", "ttl": U64},
         {"invalid", "denied"}),
        ("member.role nobody", "member.role", {"who": "nobody", "role": "ssp"},
         {"not_found", "denied", "invalid"}),
        ("member.role bad role", "member.role", {"who": "Bo", "role": "king"},
         {"invalid", "denied"}),
        ("member.revoke nobody", "member.revoke", {"who": "nobody"}, {"not_found", "denied"}),
        ("member.revoke empty", "member.revoke", {"who": ""}, {"not_found", "denied", "invalid"}),
        ("enroll when enrolled", "enroll", {"invite": "", "card": b""},
         {"conflict", "invalid", "bad_request"}),
        # notes
        ("note.send empty envelope", "note.send", {"envelope": b""},
         {"invalid", "bad_request", "denied"}),
        ("note.send garbage", "note.send", {"envelope": os.urandom(3000)},
         {"invalid", "bad_request", "denied"}),
        ("note.send magic only", "note.send", {"envelope": b"SVNE\x01" + b"\0" * 40},
         {"invalid", "bad_request", "denied"}),
        ("note.send truncated", "note.send", {"envelope": ids["env"][:-1]},
         {"invalid", "bad_signature", "bad_request", "denied"}),
        ("note.send flipped", "note.send",
         {"envelope": ids["env"][:-10] + bytes([ids["env"][-10] ^ 1]) + ids["env"][-9:]},
         {"bad_signature", "invalid", "denied"}),
        ("note.send zeros", "note.send", {"envelope": b"\0" * (MAX_FRAME - 100)},
         {"bad_request"}),
        ("note.send too large", "note.send", {"envelope": ids["big"]}, {"too_large", "denied"}),
        ("note.fetch empty id", "note.fetch", {"note": b""}, {"bad_request", "invalid"}),
        ("note.fetch short id", "note.fetch", {"note": b"\1" * 15}, {"bad_request", "invalid"}),
        ("note.fetch long id", "note.fetch", {"note": b"\1" * 17}, {"bad_request", "invalid"}),
        ("note.fetch huge id", "note.fetch", {"note": b"\1" * 100000},
         {"bad_request", "invalid"}),
        ("note.fetch unknown id", "note.fetch", {"note": b"\1" * 16}, {"not_found"}),
        ("note.ack unknown id", "note.ack", {"note": b"\2" * 16}, {"not_found"}),
        ("note.ack short id", "note.ack", {"note": b"\2" * 3}, {"bad_request", "invalid"}),
        ("note.fetch id as str", "note.fetch", {"note": "0" * 32}, {"bad_request"}),
    ]
    return out


def raw_requests():
    """Frames that are not well-formed requests: (label, bytes)."""
    deep = b"\x81\xa1k" * 40 + b"\x01"
    return [
        ("not a map", msgpack.packb([1, 2, 3])),
        ("no id", msgpack.packb({"op": "ping"})),
        ("id negative", msgpack.packb({"id": -1, "op": "ping"})),
        ("deep nesting past the limit", b"\x83\xa2id\x07\xa2op\xa4ping\xa1x" + deep),
        ("array32 header claiming 2^32-1 items",
         b"\x83\xa2id\x08\xa2op\xa4ping\xa1x\xdd\xff\xff\xff\xff"),
        ("trailing bytes", msgpack.packb({"id": 9, "op": "ping"}) + b"\xc0"),
        ("reserved byte", b"\x83\xa2id\x0a\xa2op\xa4ping\xa1x\xc1"),
        ("non-string key", msgpack.packb({"id": 11, "op": "area.list", 5: 1})),
        ("id twice", b"\x83\xa2id\x0c\xa2id\x0d\xa2op\xa4ping"),
        ("invalid UTF-8 in a string",
         b"\x83\xa2id\x0e\xa2op\xa8area.add\xa4name\xa2\xff\xfe", {"invalid", "denied"}),
        ("invalid UTF-8 in the op", b"\x82\xa2id\x0f\xa2op\xa2\xff\xfe", {"unknown_op"}),
    ]


def run_as(d, who, ident, ids):
    c = Client(d.port, d.server_key, keypair=ident.noise)
    check(c.hello.get("member") is not None, "%s is enrolled" % who)
    for label, op, args, expect in cases(ids):
        r = c.call(op, **args)
        what = "%s: %s (%s)" % (who, label, op[:40])
        if r.get("ok"):
            check(expect is None, "%s: expected an error, got ok: %r" % (what, r.get("result")))
            continue
        err = r.get("error")
        check(isinstance(err, dict) and isinstance(err.get("code"), str) and
              isinstance(err.get("message"), str), "%s: malformed error %r" % (what, r))
        code = err["code"]
        check(code in STABLE, "%s: code %r is not a stable client error (%s)" %
              (what, code, err["message"]))
        if expect is not None:
            check(code in expect, "%s: code %r, expected one of %s (%s)" %
                  (what, code, sorted(expect), err["message"]))
        check(c.call("ping")["ok"], "%s: the connection keeps serving" % what)
    for raw in raw_requests():
        label, body = raw[0], raw[1]
        expect = raw[2] if len(raw) > 2 else {"bad_request"}
        c.send_frame(body)
        r = c.recv_frame()
        check(r.get("ok") is False and r["error"]["code"] in expect,
              "%s: raw %s: expected %s, got %r" % (who, label, sorted(expect), r))
        check(c.call("ping")["ok"], "%s: raw %s: the connection keeps serving" % (who, label))
    c.close()


def hellos(d, ident):
    """Message 1's payload is {"v": 1, "client": NAME} and nothing else (it is replayable and
    not forward-secret), NAME a label of 1 to 64 bytes (no controls, no bidi characters):
    anything else closes the connection without an answer, and the next handshake is served."""
    def served(payload):
        try:
            return Client(d.port, d.server_key, keypair=ident.noise,
                          hello=msgpack.packb(payload)).hello["ok"]
        except ProtocolError:
            return False
    for payload, ok in (({"v": 1, "client": "samvirke/1"}, True),
                        ({"v": 1, "client": "x" * 64}, True),
                        ({"v": 1, "client": "x" * 65}, False),
                        ({"v": 1, "client": ""}, False),
                        ({"v": 1, "client": "svtest\n/1"}, False),
                        ({"v": 1, "client": "svtest\u0085/1"}, False),
                        ({"v": 1, "client": "svtest\u202e/1"}, False),
                        ({"v": 1, "client": "samvirke-web/0.1"}, True),
                        ({"v": 1, "client": "svtest/1", "extra": 1}, False),
                        ({"v": 1, "client": "svtest/1", "token": "hemmelig"}, False),
                        ({"v": 2, "client": "svtest/1"}, False),
                        ({"v": 1}, False),
                        ({"client": "svtest/1"}, False)):
        check(served(payload) == ok, "hello %r is %s" % (payload, "served" if ok else "refused"))


def main():
    anna = Identity("Anna")
    sara = Identity("Sara")
    bo = Identity("Bo")
    cards = tempfile.mkdtemp(prefix="svcards.")
    paths = [x.write_card(os.path.join(cards, x.name + ".card")) for x in (anna, sara, bo)]
    d = Daemon(admin_card=paths[0], members=[(paths[1], "ssp"), (paths[2], "partner")],
               conf={"max_frame": MAX_FRAME, "note_max": 65536})
    shutil.rmtree(cards)
    try:
        d.start()
        c = Client(d.port, d.server_key, keypair=anna.noise)
        check(c.call("area.add", name="Nordparken")["ok"], "area.add")
        r = c.call("observation.add", area="Nordparken", kind="resource", category="c",
                   level="area", text="t")
        check(r["ok"], "observation.add: %r" % r)
        r2 = c.call("intervention.add", area="Nordparken", level="area", step="act", text="t")
        check(r2["ok"], "intervention.add: %r" % r2)
        env = seal(anna, [sara], b"hej")
        ids = {"obs": r["result"]["id"], "iv": r2["result"]["id"], "env": env,
               "big": seal(anna, [sara], b"x" * 70000)}
        c.close()
        run_as(d, "coordinator", anna, ids)
        run_as(d, "partner", bo, ids)
        hellos(d, anna)
        check(d.alive(), "the daemon is still running")
        rc = d.stop()
        log = d.read_log()
        check(rc == 0, "samvirked exits 0 on SIGTERM, got %r:\n%s" % (rc, log[-4000:]))
        for mark in SANITIZER_MARKS:
            check(mark not in log, "sanitizer report in the daemon's log:\n" + log[-4000:])
    finally:
        d.cleanup()
    print("ok: bad input")


if __name__ == "__main__":
    main()

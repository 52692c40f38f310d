"""test_revoked_sscache.py -- the daemon keeps the static-static DH of keys that handshook lately
(noise_sscache.h), and wipes a key's entry once it is revoked: at the revocation's commit, and
again when the revoked key tries to connect (its message 1 authenticates, so its result was
kept before the directory refused it). The daemon says so in its debug log, which is what this
test reads: the secret itself is not observable from outside."""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from svtest import Daemon, ProtocolError, check  # noqa: E402
from svmember import Identity  # noqa: E402

AT_REVOKE = "the handshake secret kept for Pia Partner's revoked key is wiped"
AT_REFUSAL = "the handshake secret kept for the revoked key is wiped"


def main():
    tmp = tempfile.mkdtemp(prefix="svsscache.")
    coord = Identity("Conni Coordinator")
    d = Daemon(admin_card=coord.write_card(os.path.join(tmp, "coord.card")),
               conf={"log_level": "debug"})
    try:
        d.start()
        co = coord.connect(d)
        pia = Identity("Pia Partner")
        pc, r = pia.enrol(d, co, "partner")
        check(pc is not None and r["ok"], "invite and enrol: %r" % r)
        pc.close()
        pc = pia.connect(d)  # a member's handshake: its ss is kept (a hit from now on)
        check(pc.hello["ok"] and pc.hello["member"]["name"] == "Pia Partner", "Pia is a member")
        check(AT_REVOKE not in d.read_log(), "nothing is wiped before the revocation")
        r = co.call("member.revoke", who="Pia Partner")
        check(r["ok"], "revoke: %r" % r)
        co.call("ping")  # the revocation's effects are applied before this answer
        check(d.read_log().count(AT_REVOKE) == 1, "the revocation wipes the kept secret")
        for _ in range(2):
            try:
                rc = pia.connect(d)
                check(not rc.hello["ok"], "the revoked key is refused: %r" % rc.hello)
                rc.close()
            except (ProtocolError, ConnectionError):
                pass
        check(d.read_log().count(AT_REFUSAL) == 2,
              "each refused attempt wipes what its message 1 left: %d" %
              d.read_log().count(AT_REFUSAL))
        co.close()
        check(d.stop() == 0, "clean exit")
        print("revoked sscache: wiped at the revocation and at each refused attempt")
    finally:
        d.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

"""test_member_names.py -- member.invite refuses a name shaped like a key id or fingerprint
(16 or 40 hex digits, spaces and letter case aside), since a `who` lookup prefers a name match
and such a name could stand in for another member's key; near misses are ordinary names, and
enrolment stays bound to the invite's name. `samvirked init` refuses such a card name too."""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from svtest import SAMVIRKED, Daemon, check  # noqa: E402
from svmember import Identity  # noqa: E402


def refused(c, name, what):
    r = c.call("member.invite", name=name, role="partner")
    check(not r["ok"] and r["error"]["code"] == "invalid",
          "%s (%r): expected invalid, got %r" % (what, name, r))
    check("key id or fingerprint" in r["error"]["message"],
          "%s: the message says why: %r" % (what, r["error"]["message"]))


def accepted(c, name, what):
    r = c.call("member.invite", name=name, role="partner")
    check(r["ok"] and r["result"]["name"] == name, "%s (%r): expected an invite, got %r"
          % (what, name, r))
    return r["result"]["code"]


def main():
    tmp = tempfile.mkdtemp(prefix="svnames.")
    coord = Identity("Conni Coordinator")
    d = Daemon(admin_card=coord.write_card(os.path.join(tmp, "coord.card")))
    try:
        d.start()
        co = coord.connect(d)
        kid, fp = coord.keyid, coord.fingerprint
        check(len(kid) == 16 and len(fp.replace(" ", "")) == 40, "key id and fingerprint shapes")
        refused(co, kid, "another member's key id")
        refused(co, kid.upper(), "a key id in upper case")
        refused(co, " ".join(kid[i:i + 4] for i in range(0, 16, 4)), "a key id in groups")
        refused(co, fp, "another member's fingerprint")
        refused(co, fp.replace(" ", "").upper(), "a fingerprint without spaces, upper case")
        refused(co, "deadbeefDEADBEEF", "16 hex digits that are nobody's key id")
        refused(co, "0" * 40, "40 hex digits that are nobody's fingerprint")
        refused(co, " " + kid + " ", "a key id between spaces")

        # Near misses are ordinary names.
        accepted(co, kid[:15], "15 hex digits")
        accepted(co, kid + "0", "17 hex digits")
        accepted(co, kid[:15] + "g", "16 characters, one not a hex digit")
        accepted(co, fp.replace(" ", "-"), "a fingerprint with dashes")
        code = accepted(co, "Cafe Bead", "a name of hex letters")

        # The coordinator is still the one a key id lookup finds.
        r = co.call("member.show", who=kid)
        check(r["ok"] and r["result"]["name"] == "Conni Coordinator", "lookup by key id: %r" % r)

        # A card made out to a key-shaped name cannot enrol on an invite for another name.
        squat = Identity(kid)
        sc = squat.connect(d)
        r = sc.call("enroll", invite=code, card=squat.card)
        check(not r["ok"] and r["error"]["code"] == "invalid",
              "a key-shaped card name on an invite for 'Cafe Bead': %r" % r)
        r = co.call("member.show", who=kid)
        check(r["ok"] and r["result"]["name"] == "Conni Coordinator", "still the coordinator")

        # Offline registration (samvirked init --admin/--member) applies the same rule.
        odd = Identity(kid.upper())
        odd_card = odd.write_card(os.path.join(tmp, "odd.card"))
        r = subprocess.run([SAMVIRKED, "init", os.path.join(tmp, "d2"), "--admin", odd_card],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        check(r.returncode != 0 and "key id or fingerprint" in r.stderr,
              "init with a key-shaped admin name: rc %d, %r" % (r.returncode, r.stderr))
        print("member names: key-id and fingerprint shapes refused, near misses accepted OK")
    finally:
        d.cleanup()
        import shutil
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

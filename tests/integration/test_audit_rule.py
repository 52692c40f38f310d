"""test_audit_rule.py -- the audit entry's `rule` field: "name (file:line)" with the policy file's
base name (not its full path), and a rule name too long for the 64-byte field is cut on a
character boundary and marked, the location kept whole."""
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(__file__))
from svaudit import decode_entry  # noqa: E402
from svtest import Client, Daemon, check, new_members  # noqa: E402

# 86 bytes; two-byte characters where a byte cut at 38 would fall (64 bytes less the location
# " (samarbejde.policy:NN)" and "...").
LONG = "forbindelse-for-alle-medlemmer-" + "æ" * 20 + "-af-samarbejdet"


def main():
    cards, (kp_aud, kp_par), members = new_members([("Aud Itor", "auditor"),
                                                    ("Par Tner", "partner")])
    d = Daemon(members=members)
    try:
        # The policy in a deep directory with a long path; its connect rule has a long name.
        deep = os.path.join(d.tmp, "a-rather-long-directory-name-for-policies", "and-deeper")
        os.makedirs(deep)
        src = open(os.path.join(d.dir, "policy.conf"), encoding="utf-8").read()
        check('permit "connect"\n' in src, "default policy has the connect rule")
        src = src.replace('permit "connect"\n', 'permit "%s"\n' % LONG, 1)
        src = src.replace('expect permit partner connect session by "connect"\n', "", 1)
        path = os.path.join(deep, "samarbejde.policy")
        open(path, "w", encoding="utf-8").write(src)
        line = src.split("\n").index('permit "%s"' % LONG) + 1
        conf = os.path.join(d.dir, "samvirked.conf")
        open(conf, "a").write("policy = %s\n" % path)
        d.start()
        par = Client(d.port, d.server_key, keypair=kp_par)
        aud = Client(d.port, d.server_key, keypair=kp_aud)
        ping = par.call("ping")["audit"]
        area = aud.call("member.invite", role="partner", name="X")["audit"]  # default deny
        r = aud.call("audit.entries", start=ping, count=1)
        check(r["ok"], "entries: %r" % r)
        e = decode_entry(r["result"]["entries"][0])
        rule = e["rule"]
        where = " (samarbejde.policy:%d)" % line
        print("long rule logged as %r" % rule)
        check(len(rule.encode()) <= 64, "fits 64 bytes: %d" % len(rule.encode()))
        check(rule.endswith(where), "location kept whole with the base name: %r" % rule)
        head = rule[:-len(where)]
        check(head.endswith("...") and LONG.startswith(head[:-3]) and len(head) > 20,
              "name cut on a character boundary and marked: %r" % rule)
        check("?" not in rule and deep not in rule, "no replacement characters, no path: %r" % rule)
        while aud.call("audit.checkpoint")["result"]["size"] <= area:
            pass
        e = decode_entry(aud.call("audit.entries", start=area, count=1)["result"]["entries"][0])
        check(e["decision"] == "deny" and e["rule"] == "default deny", "default deny: %r" % e)
        r = aud.call("audit.checkpoint")
        e = decode_entry(aud.call("audit.entries", start=r["audit"] - 1, count=1)
                         ["result"]["entries"][0])
        check(e["rule"].startswith("audit-read (samarbejde.policy:"), "short name whole: %r" % e)
        par.close()
        aud.close()
        check(d.stop() == 0, "clean exit")
    finally:
        d.cleanup()
        shutil.rmtree(cards, ignore_errors=True)


if __name__ == "__main__":
    main()

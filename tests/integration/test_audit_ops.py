"""test_audit_ops.py -- the audit ops over the wire, checked by an independent verifier
(svaudit.py): mixed requests, then every entry fetched, the root recomputed and compared with the
signed checkpoint, inclusion and consistency proofs verified; non-auditors are denied and their
denial is itself an entry."""
import os
import shutil
import sys


sys.path.insert(0, os.path.dirname(__file__))
import svaudit as A  # noqa: E402
from svtest import Client, Daemon, check, new_members  # noqa: E402


def main():
    cards, (kp_aud, kp_par, kp_coo), members = new_members(
        [("Aud Itor", "auditor"), ("Par Tner", "partner"), ("Coor Dinator", "coordinator")])
    d = Daemon(members=members)
    try:
        d.start()
        aud = Client(d.port, d.server_key, keypair=kp_aud)
        par = Client(d.port, d.server_key, keypair=kp_par)
        coo = Client(d.port, d.server_key, keypair=kp_coo)
        anon = Client(d.port, d.server_key)
        check(aud.hello["member"]["role"] == "auditor", "auditor enrolled: %r" % aud.hello)
        # Mixed requests: pings, whoami, unknown ops, malformed ones, unenrolled keys.
        received = []
        for i in range(40):
            c = (par, coo, anon, aud)[i % 4]
            r = c.call(("ping", "whoami", "no.such", "area.list")[i % 4])
            received.append(r["audit"])
        r = par.call("ping", bogus=1)
        check(r["error"]["code"] == "bad_request", "malformed: %r" % r)
        # Non-auditors are denied every audit op, and the denial is logged.
        denied = []
        for c in (par, coo):
            for op, args in (("audit.checkpoint", {}), ("audit.entries", {"start": 0}),
                             ("audit.inclusion", {"seq": 0}),
                             ("audit.consistency", {"old_size": 0})):
                r = c.call(op, **args)
                check(not r["ok"] and r["error"]["code"] == "denied", "%s denied: %r" % (op, r))
                check("result" not in r, "a denial carries no result: %r" % r)
                denied.append((r["audit"], op))
        r = anon.call("audit.checkpoint")
        check(r["error"]["code"] == "not_enrolled", "unenrolled: %r" % r)
        # The auditor reads the checkpoint: as of the previous commit, so its own entry is not
        # in it.
        r = aud.call("audit.checkpoint")
        check(r["ok"], "checkpoint: %r" % r)
        own = r["audit"]
        note, size = r["result"]["checkpoint"], r["result"]["size"]
        origin, csize, croot = A.open_checkpoint(note, d.log_key)
        check(csize == size and size <= own, "checkpoint size %d, own entry %d" % (size, own))
        check(max(received) < size, "every earlier response is covered by the checkpoint")
        # A forged note is refused by the independent verifier (sanity of the verifier).
        bad = note.replace("\n%d\n" % size, "\n%d\n" % (size + 1), 1)
        try:
            A.open_checkpoint(bad, d.log_key)
            check(False, "edited checkpoint verified")
        except ValueError:
            pass
        entries = A.fetch_all(aud, size)
        check(len(entries) == size, "fetched %d of %d entries" % (len(entries), size))
        leaves = [A.leaf_hash(e) for e in entries]
        check(A.root(leaves) == croot, "recomputed root equals the signed root")
        decoded = A.check_versions(entries)
        for i, e in enumerate(decoded):
            check(e["seq"] == i, "entry %d carries seq %r" % (i, e["seq"]))
            check(list(e.keys()) == ["v", "seq", "time", "actor", "role", "op", "class",
                                     "object", "decision", "rule", "outcome", "purpose",
                                     "policy", "salt"],
                  "canonical key order of a version 2 entry: %r" % list(e.keys()))
        salts = [e["salt"] for e in decoded]
        check(len(set(salts)) == len(salts), "every entry has its own salt")
        for seq, op in denied:
            e = decoded[seq]
            # audit.inclusion is asked as "read session" (own entries) for non-auditors; entry 0
            # is the daemon's, so exec refuses it.
            klass = "session" if op == "audit.inclusion" else "audit"
            check(e["op"] == op and e["decision"] == "deny" and e["class"] == klass and
                  e["outcome"] == "denied", "denial %d logged: %r" % (seq, e))
            if op == "audit.inclusion":
                check(e["rule"] == "not the caller's entry (read session)", "rule: %r" % e)
            else:
                check(e["rule"] == "default deny", "rule: %r" % e)
        # An unknown op is logged as "?" by its rule: the op's text is the client's and could be
        # anything (a name, a CPR number), and the permanent log holds codes only.
        unknown = [decoded[seq] for i, seq in enumerate(received) if i % 4 == 2]
        check(unknown and all(e["op"] == "?" and e["rule"] == "unknown op" and
                              e["outcome"] == "unknown_op" for e in unknown),
              "unknown ops logged as '?': %r" % unknown[:1])
        check(not any(b"no.such" in bytes(x) for x in entries), "no entry holds the op's text")
        # Entries beyond the checkpoint are not served; count caps the batch.
        r = aud.call("audit.entries", start=2, count=3)
        check([bytes(x) for x in r["result"]["entries"]] == entries[2:5], "range 2..5: %r" % r)
        r = aud.call("audit.entries", start=size + 1000)
        check(r["error"]["code"] == "invalid", "start beyond checkpoint: %r" % r)
        # Inclusion proofs for every entry a client was told about, at the default size.
        r = aud.call("audit.checkpoint")
        _, size2, root2 = A.open_checkpoint(r["result"]["checkpoint"], d.log_key)
        for seq in received + [own]:
            r = aud.call("audit.inclusion", seq=seq, size=size2)
            check(r["ok"], "inclusion %d: %r" % (seq, r))
            res = r["result"]
            check(res["seq"] == seq and res["size"] == size2, "inclusion header %r" % res)
            check(A.verify_inclusion(seq, size2, A.leaf_hash(res["entry"]), res["proof"], root2),
                  "inclusion proof for %d verifies" % seq)
            check(not A.verify_inclusion(seq ^ 1, size2, A.leaf_hash(res["entry"]), res["proof"],
                                         root2) or seq ^ 1 >= size2,
                  "the proof does not verify for a neighbour")
        r = aud.call("audit.inclusion", seq=size2 + 50)
        check(r["error"]["code"] == "not_found", "inclusion beyond size: %r" % r)
        # Without `size` the answer carries the latest signed checkpoint, and with `old_size` a
        # consistency proof from it.
        r = aud.call("audit.inclusion", seq=0, old_size=5)
        res = r["result"]
        _, csz, croot2 = A.open_checkpoint(res["checkpoint"], d.log_key)
        check(csz == res["size"] and A.verify_inclusion(0, csz, A.leaf_hash(res["entry"]),
                                                       res["proof"], croot2), "with checkpoint")
        check(res["old_size"] == 5 and
              A.verify_consistency(5, csz, res["consistency"], A.root(leaves[:5]), croot2),
              "consistency in the inclusion answer")
        check("checkpoint" not in aud.call("audit.inclusion", seq=0, size=3)["result"],
              "no checkpoint for an older size")

        # A partner proves its own entry (read session, rule own-trail) ...
        own_ping = par.call("ping")["audit"]
        while aud.call("audit.checkpoint")["result"]["size"] <= own_ping:
            pass
        r = par.call("audit.inclusion", seq=own_ping, old_size=size2)
        check(r["ok"], "partner proves its own ping: %r" % r)
        res = r["result"]
        _, psz, proot = A.open_checkpoint(res["checkpoint"], d.log_key)
        check(A.verify_inclusion(own_ping, psz, A.leaf_hash(res["entry"]), res["proof"], proot),
              "the partner's proof verifies against the signed checkpoint")
        check(A.verify_consistency(size2, psz, res["consistency"], root2, proot),
              "and extends the checkpoint it trusted")
        check(A.decode_entry(res["entry"])["actor"] == par.hello["member"]["keyid"],
              "it is the partner's own entry")
        own_proof = r["audit"]
        # ... but not the coordinator's, and that refusal is logged.
        coo_ping = coo.call("ping")["audit"]
        while aud.call("audit.checkpoint")["result"]["size"] <= coo_ping:
            pass
        r = par.call("audit.inclusion", seq=coo_ping)
        check(not r["ok"] and r["error"]["code"] == "denied" and "result" not in r,
              "someone else's entry is refused: %r" % r)
        refused = r["audit"]
        # The auditor (read audit) may prove either.
        check(aud.call("audit.inclusion", seq=coo_ping)["ok"], "auditor proves any entry")
        while aud.call("audit.checkpoint")["result"]["size"] <= refused:
            pass
        r = aud.call("audit.entries", start=own_proof, count=refused - own_proof + 1)
        ents = [A.decode_entry(e) for e in r["result"]["entries"]]
        check(ents[0]["decision"] == "permit" and ents[0]["class"] == "session" and
              ents[0]["rule"].startswith("own-trail (policy.conf:"),
              "the permitted own proof is logged with its rule: %r" % ents[0])
        check(ents[-1]["decision"] == "deny" and ents[-1]["class"] == "session" and
              ents[-1]["object"].startswith("inclusion:%d@" % coo_ping) and
              ents[-1]["actor"] == ents[0]["actor"] and ents[-1]["seq"] == refused,
              "the refusal is logged: %r" % ents[-1])
        # Consistency from every earlier size to the new checkpoint.
        for old in range(0, size + 1):
            r = aud.call("audit.consistency", old_size=old, size=size2)
            check(r["ok"], "consistency %d: %r" % (old, r))
            old_root = A.root(leaves[:old])
            check(A.verify_consistency(old, size2, r["result"]["proof"], old_root, root2),
                  "consistency %d -> %d verifies" % (old, size2))
        r = aud.call("audit.consistency", old_size=3)
        check(r["ok"] and r["result"]["size"] > size2, "default size is the latest: %r" % r)
        for c in (aud, par, coo, anon):
            c.close()
        check(d.stop() == 0, "clean exit")
        # Restart: the log verifies and numbering continues.
        d.start()
        aud = Client(d.port, d.server_key, keypair=kp_aud)
        r = aud.call("audit.checkpoint")
        check(r["ok"] and r["audit"] == r["result"]["size"], "continues after restart: %r" % r)
        aud.close()
        check(d.stop() == 0, "clean exit")
        print("audit ops: %d entries verified independently; denials logged" % size2)
    finally:
        d.cleanup()
        shutil.rmtree(cards, ignore_errors=True)


if __name__ == "__main__":
    main()

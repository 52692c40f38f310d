"""test_audit_fresh.py -- a request sent after an answer reads a signed checkpoint that covers that
answer's entry (ARCHITECTURE.md, the path of one request, step 6): the storage thread signs a
released batch's checkpoint before it takes another job, also when it commits the next batch
first. An auditor pings and then asks for the checkpoint, again and again, while two other
members keep the daemon busy, so that batches alternate and commits overlap signatures; then,
under the same load, the coordinator enrols new members one by one, and each one's
directory proof, asked for right after the enrolment's answer, is covered by the checkpoint."""
import os
import shutil
import sys
import threading

sys.path.insert(0, os.path.dirname(__file__))
import svaudit as A  # noqa: E402
from svtest import Client, Daemon, check, new_members  # noqa: E402
from svmember import Identity, verify_member_proof  # noqa: E402

ROUNDS = 300
ENROLMENTS = 40


def load(client, stop, errors):
    """Ping in a loop until told to stop; a failed ping is recorded, not raised."""
    try:
        while not stop.is_set():
            r = client.call("ping")
            if not r.get("ok"):
                errors.append(r)
                return
    except Exception as e:  # noqa: BLE001 -- reported by the main thread's check
        errors.append(repr(e))


def enrol_and_prove(d, co, i):
    """Invite and enrol member i, then ask for their directory proof at once: None when it is
    covered by the signed checkpoint and verifies, else what went wrong."""
    name = "New Member %d" % i
    ident = Identity(name)
    c, r = ident.enrol(d, co, "partner")
    if c is None:
        return "invite: %r" % r
    c.close()
    if not r["ok"]:
        return "enrol: %r" % r
    r = co.call("member.proof", who=name)
    if not r["ok"]:
        return "proof right after the enrolment: %r" % r.get("error")
    return verify_member_proof(r["result"], d.log_key, expect_card=ident.card)


def main():
    cards, (kp_aud, kp_a, kp_b, kp_co), members = new_members(
        [("Aud Itor", "auditor"), ("Par Tner", "partner"), ("Coor Dinator", "coordinator"),
         ("Conni Coordinator", "coordinator")])
    d = Daemon(members=members)
    stop = threading.Event()
    errors = []
    threads = []
    try:
        d.start()
        aud = Client(d.port, d.server_key, keypair=kp_aud)
        for kp in (kp_a, kp_b):
            t = threading.Thread(target=load, args=(Client(d.port, d.server_key, keypair=kp),
                                                    stop, errors), daemon=True)
            t.start()
            threads.append(t)
        stale = []
        first = last = None
        for i in range(ROUNDS):
            r = aud.call("ping")
            check(r["ok"], "ping: %r" % r)
            seq = r["audit"]
            r = aud.call("audit.checkpoint")
            check(r["ok"], "checkpoint: %r" % r)
            size = r["result"]["size"]
            if size <= seq:
                stale.append((i, seq, size))
            last = r["result"]["checkpoint"]
            if first is None:
                first = last
        co = Client(d.port, d.server_key, keypair=kp_co)
        unproven = [(i, why) for i, why in ((i, enrol_and_prove(d, co, i))
                                            for i in range(ENROLMENTS)) if why is not None]
        stop.set()
        for t in threads:
            t.join(timeout=10)
        check(not errors, "the load's pings: %r" % errors[:3])
        check(not stale, "%d of %d checkpoints read after an answer did not cover its entry "
              "(round, entry, size): %r" % (len(stale), ROUNDS, stale[:5]))
        check(not unproven, "%d of %d directory proofs asked for right after the enrolment "
              "failed: %r" % (len(unproven), ENROLMENTS, unproven[:3]))
        for note in (first, last):  # open_checkpoint raises unless the log key signed it
            check(A.open_checkpoint(note, d.log_key)[1] > 0, "a signed checkpoint")
        aud.close()
        co.close()
        check(d.stop() == 0, "clean exit")
        print("audit fresh: %d checkpoints read after an answer, each covering it; %d directory "
              "proofs right after the enrolment, each covered" % (ROUNDS, ENROLMENTS))
    finally:
        stop.set()
        d.cleanup()
        shutil.rmtree(cards, ignore_errors=True)


if __name__ == "__main__":
    main()

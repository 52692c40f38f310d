"""test_answer_memory.py -- what the daemon holds for answers stays inside its limits.

A member who may read large objects pipelines many reads of them on several connections and
reads nothing. Each answer is counted, before it is kept, against the answers' part (7/8) of
its connection's max_write_queue and of the daemon's max_buffered for all connections
together, as the bytes its sealed frame will take; an answer refused (too_large) gives its memory back at once.
So the daemon's peak memory grows by about max_buffered, not by the reads asked for (here 288
answers of 1 MiB), and the refusals name the limit that refused them.

A member who does read, and pipelines answers that only just fit the connection's limit when
counted without their framing, gets every answer (ok or too_large) and keeps the connection: an
answer is admitted only when its sealed frame fits, so the write queue never passes the limit
that closes a connection."""
import os
import struct
import sys
import time

import msgpack

sys.path.insert(0, os.path.dirname(__file__))
import svaudit  # noqa: E402
from svnote import Identity, seal  # noqa: E402
from svtest import ProtocolError, check  # noqa: E402
from test_notes import connect, make_daemon  # noqa: E402

MiB = 1 << 20
WRITE_QUEUE = 4 * MiB
BUFFERED = 8 * MiB
CONNS, PIPELINE = 6, 48


def vm_hwm_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM for %d" % pid)


def recv_raw(c):
    """The next response's msgpack body, undecoded, and decoded (pushed events are skipped)."""
    while True:
        body = c.recv_body()
        r = msgpack.unpackb(body, raw=False)
        if "event" not in r or "id" in r:
            return body, r


def fetches(nid, n, first_id=1):
    one = lambda i: msgpack.packb({"id": i, "op": "note.fetch", "note": nid})  # noqa: E731
    return b"".join(struct.pack(">I", len(b)) + b for b in (one(first_id + i) for i in range(n)))


def entries(d):
    return len(svaudit.db_entries(os.path.join(d.dir, "samvirke.db")))


def main():
    sune, kim, anna = Identity("Sune SSP"), Identity("Kim Politi"), Identity("Anna Koordinator")
    d = make_daemon([(anna, "coordinator"), (sune, "ssp"), (kim, "police")],
                    conf={"max_write_queue": WRITE_QUEUE, "max_buffered": BUFFERED},
                    start=False)
    # Freed memory is reused at once (AddressSanitizer would otherwise keep it in quarantine).
    d.env = dict(os.environ, ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") +
                 ":quarantine_size_mb=0")
    d.start()
    try:
        s = connect(d, sune)
        env = seal(sune, [kim], b"x" * (MiB - 4096), purpose="forebyggelse")
        nid = s.call("note.send", envelope=env)["result"]["note"]
        k = connect(d, kim)
        check(k.call("note.fetch", note=nid)["ok"], "kim fetches the note once")
        base_kib = vm_hwm_kib(d.proc.pid)

        # 1. Six connections, 48 reads of 1 MiB each in flight, nobody reading.
        before = entries(d)
        conns = [connect(d, kim) for _ in range(CONNS)]
        for c in conns:
            c.send_stream(fetches(nid, PIPELINE))
        deadline = time.time() + 60
        while entries(d) < before + CONNS * PIPELINE and time.time() < deadline:
            time.sleep(0.2)
        check(entries(d) >= before + CONNS * PIPELINE, "every read was carried out and audited")
        grown = (vm_hwm_kib(d.proc.pid) - base_kib) / 1024.0
        print("peak memory grew by %.1f MiB for %d reads of 1 MiB (max_buffered %d MiB)"
              % (grown, CONNS * PIPELINE, BUFFERED // MiB))
        check(grown < 64, "the daemon's peak memory grew by %.1f MiB, more than 64" % grown)
        codes, why, dropped = {}, {"connection": 0, "all": 0}, 0
        for c in conns:
            c.sock.settimeout(30)
            try:
                for _ in range(PIPELINE):
                    r = recv_raw(c)[1]
                    code = "ok" if r.get("ok") else r["error"]["code"]
                    codes[code] = codes.get(code, 0) + 1
                    if code == "too_large":
                        m = r["error"]["message"]
                        why["connection" if "for this connection" in m else "all"] += 1
                        check("for this connection" in m or "max_buffered" in m,
                              "names its limit: " + m)
            except ProtocolError:  # shed: a connection that holds the most and does not read
                dropped += 1
            c.close()
        print("answers: %r; refused for the connection's limit %d, for the daemon's %d; %d "
              "connections that did not read dropped" % (codes, why["connection"], why["all"],
                                                         dropped))
        check(set(codes) <= {"ok", "too_large"}, "every answer ok or too_large: %r" % codes)
        check(dropped < CONNS and sum(codes.values()) >= (CONNS - dropped) * PIPELINE,
              "every read on a connection not dropped answered: %r" % codes)
        check(dropped == 0 or "dropping the one that holds the most" in d.read_log(),
              "a connection is dropped only by the shed, which says so")
        check(why["all"] > 0, "some answers were refused for max_buffered (all connections)")
        check(why["connection"] > 0, "and some for max_write_queue (one connection)")

        # 2. A reading member, answers that fit four to the limit without their framing only.
        k.send_frame(msgpack.packb({"id": 99, "op": "note.fetch", "note": nid}))
        body, r = recv_raw(k)
        keys = len(msgpack.packb({"id": 99, "ok": True, "audit": r["audit"], "result": None})) - 1
        result = len(body) - keys
        target = WRITE_QUEUE // 4 - 100  # 4 results fit in the limit; 4 sealed answers do not
        env2 = seal(sune, [kim], b"y" * (MiB - 4096 + target - result), purpose="forebyggelse")
        nid2 = s.call("note.send", envelope=env2)["result"]["note"]
        k.send_frame(msgpack.packb({"id": 100, "op": "note.fetch", "note": nid2}))
        body, r = recv_raw(k)
        result2 = len(body) - (len(msgpack.packb({"id": 100, "ok": True, "audit": r["audit"],
                                                  "result": None})) - 1)
        check(4 * result2 <= WRITE_QUEUE < 4 * (result2 + 300),
              "four results of %d bytes fit the limit, four sealed answers do not" % result2)
        n = 64
        k.send_stream(fetches(nid2, n, first_id=1000))
        k.sock.settimeout(30)
        got = {}
        for _ in range(n):
            try:
                r = recv_raw(k)[1]
            except Exception as e:  # noqa: BLE001 -- the connection was dropped
                check(False, "the reading member's connection was dropped after %r: %s" % (got, e))
            code = "ok" if r.get("ok") else r["error"]["code"]
            got[code] = got.get(code, 0) + 1
        print("a reading member's %d pipelined reads of %d bytes: %r" % (n, target, got))
        check(got.get("ok", 0) > 0, "some were answered")
        check("does not read; dropping" not in d.read_log(), "no connection was dropped")
        check(k.call("ping")["ok"], "the connection still serves")
        for c in (k, s):
            c.close()
        check(d.stop() == 0, "clean stop")
    except BaseException:
        print(d.read_log()[-3000:])  # the daemon's side of a failure
        raise
    finally:
        d.cleanup()


if __name__ == "__main__":
    main()

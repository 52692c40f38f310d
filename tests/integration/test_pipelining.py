"""test_pipelining.py -- a client that pipelines far more requests than max_inflight in one write
gets every answer, in order: frames beyond the limit wait in the reader and are taken up as answers
go out, instead of stalling or being dispatched all at once."""
import os
import struct
import sys
import time

import msgpack

sys.path.insert(0, os.path.dirname(__file__))
from svtest import STRANGERS_UNLIMITED, Client, Daemon, check  # noqa: E402


def main():
    d = Daemon(conf=dict(STRANGERS_UNLIMITED, max_inflight=2))
    try:
        d.start()
        c = Client(d.port, d.server_key)
        n = 500
        stream = b"".join(struct.pack(">I", len(b)) + b for b in
                          (msgpack.packb({"id": i + 1, "op": "ping"}) for i in range(n)))
        t0 = time.time()
        c.send_stream(stream)
        audits = []
        for i in range(n):
            r = c.response(i + 1)
            check(r["ok"], "ping %d: %r" % (i + 1, r))
            audits.append(r["audit"])
        check(audits == sorted(audits) and len(set(audits)) == n, "answers in order, one entry each")
        check(time.time() - t0 < 30, "no stall waiting for the idle timeout")
        check(c.call("whoami")["ok"], "connection still usable")
        c.close()
        check(d.stop() == 0, "clean exit")
        print("pipelining: %d requests through max_inflight=2 in %.2f s" % (n, time.time() - t0))
    finally:
        d.cleanup()


if __name__ == "__main__":
    main()

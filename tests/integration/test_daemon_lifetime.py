"""test_daemon_lifetime.py -- connection lifetime corner cases: reading resumes after a full
in-flight window even with max_inflight = 1."""
import os
import socket
import sys

import msgpack

sys.path.insert(0, os.path.dirname(__file__))
from svtest import Client, Daemon, check  # noqa: E402


def inflight_window_of_one():
    d = Daemon(conf={"max_inflight": 1})
    try:
        d.start()
        c = Client(d.port, d.server_key, timeout=5)
        for i in range(5):
            try:
                r = c.call("ping")
            except socket.timeout:
                check(False, "ping %d not answered: reading never resumed after a full window" % i)
            check(r["ok"], "ping %d with max_inflight = 1: %r" % (i, r))
        # Pipelined requests are all answered too.
        for i in range(20):
            c.send_frame(msgpack.packb({"id": 100 + i, "op": "ping"}))
        for i in range(20):
            check(c.response(100 + i)["ok"], "pipelined ping %d" % i)
        rc = d.stop()
        check(rc == 0, "exit code %d" % rc)
    finally:
        d.cleanup()


def main():
    inflight_window_of_one()
    print("lifetime: max_inflight 1 keeps serving")


if __name__ == "__main__":
    main()

"""test_daemon_lifetime.py -- connection lifetime corner cases: reading resumes after a full
in-flight window even with max_inflight = 1; SIGTERM does not wait for the idle timeout of a
client that stops reading its answers, and repeated signals do not kill the orderly shutdown."""
import os
import signal
import socket
import sqlite3
import struct
import sys
import time

import msgpack

sys.path.insert(0, os.path.dirname(__file__))
from svtest import STRANGERS_UNLIMITED, Client, Daemon, check  # noqa: E402


def inflight_window_of_one():
    d = Daemon(conf=dict(STRANGERS_UNLIMITED, max_inflight=1))
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


def shutdown_with_a_client_that_does_not_read():
    # Long idle timeout; a big write queue allowed: only the shutdown deadline can end it.
    d = Daemon(conf=dict(STRANGERS_UNLIMITED, idle_timeout_ms=120000, handshake_timeout_ms=1000))
    try:
        d.start()
        # The Unix socket: its kernel buffer (about 200 KiB) is smaller than the answers.
        c = Client(unix=d.socket, server_key_b64=d.server_key)
        req = msgpack.packb({"id": 1, "op": "whoami"})
        frame = struct.pack(">I", len(req)) + req
        for _ in range(40):
            c.send_stream(frame * 500)  # 20000 requests, about 480 KiB of answers
        db = sqlite3.connect(os.path.join(d.dir, "samvirke.db"), timeout=10)
        deadline = time.time() + 60
        while db.execute("SELECT count(*) FROM audit_entries").fetchone()[0] < 20000:
            check(time.time() < deadline, "20000 requests not carried out within 60 s")
            time.sleep(0.1)
        db.close()
        watcher = Client(d.port, d.server_key)
        check(watcher.call("ping")["ok"], "daemon serving others")
        t0 = time.time()
        d.signal(signal.SIGTERM)
        # While the last answers are being flushed, more signals must not kill the daemon.
        time.sleep(0.3)
        check(d.alive(), "daemon still flushing its answers")
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            d.signal(sig)
        rc = d.stop(timeout=20)
        took = time.time() - t0
        check(rc == 0, "exit code %d after SIGTERM (and repeated signals)" % rc)
        check(took < 10, "SIGTERM took %.1f s with a client that does not read" % took)
        log = d.read_log()
        check("LeakSanitizer" not in log and "AddressSanitizer" not in log,
              "sanitizer report:\n" + log)
        c.close()
        watcher.close()
    finally:
        d.cleanup()


def main():
    inflight_window_of_one()
    shutdown_with_a_client_that_does_not_read()
    print("lifetime: max_inflight 1 keeps serving; shutdown bounded with a non-reading client")


if __name__ == "__main__":
    main()

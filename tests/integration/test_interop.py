"""test_interop.py -- an independent Noise implementation (dissononce) handshakes with a real
samvirked and pings it, following protocol/PROTOCOL.md alone."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
from svtest import Client, Daemon, check  # noqa: E402


def main():
    d = Daemon()
    try:
        d.start()
        c = Client(d.port, d.server_key)
        check(c.hello == {"v": 1, "ok": True, "member": None}, "handshake payload %r" % c.hello)
        r = c.call("ping")
        check(r["ok"] is True and r["result"]["pong"] is True, "ping: %r" % r)
        first = r["audit"]
        check(isinstance(first, int), "ping response carries an audit number: %r" % r)
        r = c.call("whoami")
        check(r["ok"] is True and r["result"] is None, "whoami of an unenrolled key: %r" % r)
        check(r["audit"] == first + 1, "audit numbers increase: %r" % r)
        r = c.call("area.list")
        check(r["ok"] is False and r["error"]["code"] == "not_enrolled", "not enrolled: %r" % r)
        r = c.call("no.such.op")
        check(r["error"]["code"] == "unknown_op", "unknown op: %r" % r)
        r = c.call("ping", extra=1)
        check(r["error"]["code"] == "bad_request", "unexpected argument: %r" % r)
        check(c.call("ping")["ok"], "connection still usable after errors")
        # The Unix socket speaks the same protocol.
        u = Client(server_key_b64=d.server_key, unix=d.socket)
        check(u.call("ping")["ok"], "ping over the Unix socket")
        u.close()
        c.close()
        check(d.stop() == 0, "clean exit on SIGTERM")
        print("interop: dissononce client handshook, pinged, and got the documented errors")
    finally:
        d.cleanup()


if __name__ == "__main__":
    main()

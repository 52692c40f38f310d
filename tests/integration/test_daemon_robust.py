"""test_daemon_robust.py -- bad input closes only the offending connection; limits are enforced;
200 concurrent connections; SIGTERM finishes cleanly without leaks."""
import os
import socket
import struct
import sys
import time

import msgpack

sys.path.insert(0, os.path.dirname(__file__))
from svtest import STRANGERS_UNLIMITED, Client, Daemon, ProtocolError, check  # noqa: E402


def expect_closed(c, what, timeout=5):
    check(c.closed(timeout), "%s: the daemon should close that connection" % what)


def main():
    d = Daemon(conf=dict(STRANGERS_UNLIMITED, handshake_timeout_ms=2000, idle_timeout_ms=10000,
                         max_connections=240, max_write_queue=65536, note_max=1024,
                         max_frame=4096, max_frame_unenrolled=4096, max_unenrolled=240,
                         max_handshakes=1))
    try:
        d.start()
        watcher = Client(d.port, d.server_key)
        check(watcher.call("ping")["ok"], "first ping")

        # Garbage instead of a handshake.
        s = socket.create_connection(("127.0.0.1", d.port))
        s.sendall(struct.pack(">H", 40) + os.urandom(40))
        s.settimeout(5)
        check(s.recv(100) == b"", "garbage handshake closes the connection")
        s.close()

        # Wrong server key: the daemon cannot decrypt message 1 and closes.
        import base64
        try:
            Client(d.port, base64.b64encode(os.urandom(32)).decode())
            check(False, "handshake with a wrong server key must fail")
        except ProtocolError:
            pass

        # A handshake that never finishes hits the deadline.
        s = socket.create_connection(("127.0.0.1", d.port))
        s.settimeout(5)
        t0 = time.time()
        check(s.recv(100) == b"", "silent connection closed at the handshake deadline")
        check(time.time() - t0 < 4.5, "handshake deadline honoured (2 s)")
        s.close()

        # Garbage transport message after a good handshake.
        c = Client(d.port, d.server_key)
        c.send_noise(os.urandom(64))
        expect_closed(c, "undecryptable transport message")

        # Truncated frame then close: the daemon keeps serving others.
        c = Client(d.port, d.server_key)
        c.send_stream(struct.pack(">I", 100) + b"\x81")
        c.close()

        # A frame that is not a map / trailing bytes / not msgpack: error response, connection usable.
        c = Client(d.port, d.server_key)
        for body in (msgpack.packb([1, 2, 3]), msgpack.packb({"id": 7, "op": "ping"}) + b"\x00",
                     b"\xc1\xc1", msgpack.packb({"op": "ping"}), msgpack.packb({"id": 9, "op": 5})):
            c.send_frame(body)
            r = c.recv_frame()
            check(r["ok"] is False and r["error"]["code"] == "bad_request",
                  "malformed frame %r answered with bad_request: %r" % (body, r))
            check(isinstance(r.get("audit"), int), "malformed requests are audited too: %r" % r)
        check(c.call("ping")["ok"], "connection usable after malformed frames")

        # Oversize frame: header announcing more than max_frame closes the connection.
        c.send_stream(struct.pack(">I", 10 * 1024 * 1024))
        expect_closed(c, "oversize frame")

        # Zero-length frame closes.
        c = Client(d.port, d.server_key)
        c.send_stream(struct.pack(">I", 0))
        expect_closed(c, "zero-length frame")

        # A client that sends requests but never reads is dropped, not buffered forever. The drop
        # comes once max_write_queue bytes of answers wait, and every answer waits for its audit
        # entry's commit: on a loaded machine that takes a while, hence the generous window.
        c = Client(d.port, d.server_key)
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        req = msgpack.packb({"id": 1, "op": "whoami"})
        frame = struct.pack(">I", len(req)) + req
        dropped = False
        t0 = time.time()
        try:
            while time.time() - t0 < 90:
                c.send_stream(frame * 200)
        except OSError:
            dropped = True
        check(dropped, "a client that never reads is disconnected (tried for %.0f s)" %
              (time.time() - t0))
        c.close()

        # 200 concurrent connections, all usable at once. Opening them can take longer than the
        # idle window on a loaded machine, so the open ones ping now and then while more open
        # (each complete request restarts a connection's idle timer).
        clients = []
        refreshed = time.time()
        for _ in range(200):
            clients.append(Client(d.port, d.server_key))
            if time.time() - refreshed > 3:
                for cl in clients:
                    check(cl.call("ping")["ok"], "ping while opening the 200 connections")
                refreshed = time.time()
        for i, cl in enumerate(clients):
            cl.send_frame(msgpack.packb({"id": cl.next_id + i, "op": "ping"}))
        for i, cl in enumerate(clients):
            r = cl.response(cl.next_id + i)
            check(r["ok"], "ping on connection %d: %r" % (i, r))
        # The connection limit (240) is enforced.
        extra = []
        refused = 0
        for _ in range(60):
            try:
                extra.append(Client(d.port, d.server_key, timeout=5))
            except (ProtocolError, OSError):
                refused += 1
        check(refused > 0, "connections beyond max_connections are refused")
        for cl in clients + extra:
            cl.close()

        # Idle timeout.
        c = Client(d.port, d.server_key)
        t0 = time.time()
        expect_closed(c, "idle connection", timeout=20)
        check(time.time() - t0 >= 8, "idle timeout not early")

        # The first connection survived all of the above (it pings inside its idle window).
        watcher = Client(d.port, d.server_key)
        check(watcher.call("ping")["ok"], "daemon still serving")

        # SIGTERM with a request in flight: it is answered, then a clean exit without leaks.
        watcher.send_frame(msgpack.packb({"id": 100, "op": "ping"}))
        d.signal(15)
        r = watcher.response(100)
        check(r["ok"], "in-flight request answered during shutdown")
        rc = d.stop()
        log = d.read_log()
        check(rc == 0, "exit code %d after SIGTERM:\n%s" % (rc, log[-3000:]))
        check("LeakSanitizer" not in log and "AddressSanitizer" not in log, "sanitizer report:\n" + log)
        print("robustness: bad input isolated, limits enforced, 200 connections, clean shutdown")
    finally:
        d.cleanup()


if __name__ == "__main__":
    main()

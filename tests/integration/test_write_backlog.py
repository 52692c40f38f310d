"""test_write_backlog.py -- answers to a client that reads slowly arrive whole and in order.

The daemon writes a connection's answers straight to its socket while the socket takes them,
and hands libuv the rest: a write the socket takes only in part, and every answer behind it.
A client with a small receive buffer pipelines 100,000 requests and reads nothing for a while,
so the socket fills in the middle of a write; then it reads every answer. A byte lost,
doubled or reordered where the direct write stops and libuv's begins breaks the Noise stream
(its nonces count messages) or the order of the answers' ids."""
import os
import socket
import struct
import sys
import time

import msgpack

sys.path.insert(0, os.path.dirname(__file__))
from svtest import STRANGERS_UNLIMITED, Client, Daemon, check  # noqa: E402

N = 100000  # pipelined requests: their answers (6 MiB) are more than the sockets buffer (4 MiB)


def main():
    d = Daemon(conf=dict(STRANGERS_UNLIMITED, max_write_queue=64 * 1024 * 1024,
                         max_inflight=65536))
    try:
        d.start()
        c = Client(d.port, d.server_key, timeout=60)
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        bodies = (msgpack.packb({"id": 1000 + i, "op": "whoami"}) for i in range(N))
        c.send_stream(b"".join(struct.pack(">I", len(b)) + b for b in bodies))
        time.sleep(2)  # the daemon answers into a socket nobody reads
        # Then read at full speed: a window of 4 KiB would take a minute for the lot.
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
        size = 0
        for i in range(N):
            r = c.recv_frame()
            check(r.get("id") == 1000 + i, "answer %d of %d has id %r, expected %d"
                  % (i + 1, N, r.get("id"), 1000 + i))
            check(r.get("ok") is True, "answer %d: %r" % (i + 1, r))
            size += len(msgpack.packb(r))
        check(c.call("ping")["ok"], "the connection still works after the backlog")
        print("%d answers (%d KiB) to a client that read nothing for 2 s arrived whole and in "
              "order" % (N, size // 1024))
        c.close()
    finally:
        d.stop()


if __name__ == "__main__":
    main()

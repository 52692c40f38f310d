"""test_conn_reset.py -- a peer that resets its connection while the daemon holds an answer for
it (the handshake's reply, or responses to pipelined requests) is dropped, and the daemon goes on
serving: the answer's write fails at once, and the close must not try it again without end."""
import base64
import os
import socket
import struct
import sys

import msgpack
from dissononce.cipher.chachapoly import ChaChaPolyCipher
from dissononce.dh.x25519.public import PublicKey
from dissononce.dh.x25519.x25519 import X25519DH
from dissononce.hash.blake2b import Blake2bHash
from dissononce.processing.handshakepatterns.interactive.IK import IKHandshakePattern
from dissononce.processing.impl.cipherstate import CipherState
from dissononce.processing.impl.handshakestate import HandshakeState
from dissononce.processing.impl.symmetricstate import SymmetricState

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from svtest import PROLOGUE, Client, Daemon, check  # noqa: E402

ROUNDS = 50      # handshakes reset before their reply is read
SESSIONS = 100   # sessions reset at once, in each of RESETS rounds
RESETS = 3
PINGS = 8


def reset(sock):
    """Close with a reset (RST) instead of an orderly FIN."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def hello_then_reset(d):
    """Send handshake message 1 and reset before the daemon's reply can be read."""
    hs = HandshakeState(SymmetricState(CipherState(ChaChaPolyCipher()), Blake2bHash()),
                        X25519DH())
    hs.initialize(IKHandshakePattern(), True, PROLOGUE, s=X25519DH().generate_keypair(),
                  rs=PublicKey(base64.b64decode(d.server_key)))
    msg1 = bytearray()
    hs.write_message(msgpack.packb({"v": 1, "client": "test_conn_reset/1"}), msg1)
    s = socket.create_connection(("127.0.0.1", d.port), timeout=5)
    s.sendall(struct.pack(">H", len(msg1)) + bytes(msg1))
    reset(s)


def pings_then_reset(d, n):
    """Pipeline pings on n open sessions, then reset them all at once, while their answers come
    back: some answers are gathered in the loop iteration that reads the reset."""
    cs = [Client(d.port, d.server_key) for _ in range(n)]
    for c in cs:
        for i in range(PINGS):
            c.send_frame(msgpack.packb({"id": i + 1, "op": "ping"}))
    for c in cs:
        reset(c.sock)


def main():
    d = Daemon(conf={"rate_unenrolled": "0", "max_per_address": "4096",
                     "max_unenrolled": "4096", "max_handshakes": "4096",
                     "max_connections": "4096"})
    d.start()
    try:
        for _ in range(ROUNDS):
            hello_then_reset(d)
        for _ in range(RESETS):
            pings_then_reset(d, SESSIONS)
        c = Client(d.port, d.server_key)
        check(c.call("ping")["ok"], "the daemon answers after %d reset connections" %
              (ROUNDS + RESETS * SESSIONS))
        c.close()
        check(d.alive(), "the daemon still runs")
    finally:
        d.stop()
        d.cleanup()
    print("conn_reset: ok")


if __name__ == "__main__":
    main()

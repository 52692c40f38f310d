"""svtest.py -- shared helpers for integration tests: a daemon in a temp dir, and an independent
client of the wire protocol built on Debian's python3-dissononce (Noise) and python3-msgpack."""
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

import msgpack
from dissononce.cipher.chachapoly import ChaChaPolyCipher
from dissononce.dh.x25519.public import PublicKey
from dissononce.dh.x25519.x25519 import X25519DH
from dissononce.hash.blake2b import Blake2bHash
from dissononce.processing.handshakepatterns.interactive.IK import IKHandshakePattern
from dissononce.processing.impl.cipherstate import CipherState
from dissononce.processing.impl.handshakestate import HandshakeState
from dissononce.processing.impl.symmetricstate import SymmetricState

SAMVIRKED = os.environ.get("SAMVIRKED", "samvirked")
SAMVIRKE = os.environ.get("SAMVIRKE", "samvirke")
PROLOGUE = b"samvirke/1"


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


# For tests that use keys that are not enrolled as load, not as what they test: the daemon's
# limits on such keys (request rate, unenrolled connections, connections per address; see
# test_hostile.py for those) are lifted, so the test keeps testing what it is about.
STRANGERS_UNLIMITED = {"rate_unenrolled": 0, "max_unenrolled": 100000, "max_handshakes": 100000,
                       "max_per_address": 100000, "max_connections": 300000}


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Daemon:
    """A samvirked in a fresh temporary directory on a free loopback port."""

    def __init__(self, admin_card=None, conf=None, members=()):
        self.tmp = tempfile.mkdtemp(prefix="svtest.")
        self.dir = os.path.join(self.tmp, "daemon")
        self.port = free_port()
        args = [SAMVIRKED, "init", self.dir]
        if admin_card:
            args += ["--admin", admin_card]
        for m in members:  # "CARDFILE:ROLE" or (cardfile, role)
            args += ["--member", m if isinstance(m, str) else "%s:%s" % m]
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
        conf_path = os.path.join(self.dir, "samvirked.conf")
        text = open(conf_path).read().replace("listen = 127.0.0.1:7350",
                                               "listen = 127.0.0.1:%d" % self.port)
        # Tests drive members' keys as fast as they can: the per-member request rate limit is
        # off unless a test sets it (test_hostile.py does, to test it).
        conf = dict({"rate_member": 0}, **(conf or {}))
        for k, v in conf.items():
            text += "%s = %s\n" % (k, v)
        open(conf_path, "w").write(text)
        import json
        info = json.loads(subprocess.run([SAMVIRKED, "info", self.dir, "--json"], check=True,
                                         capture_output=True, text=True).stdout)
        self.server_key = info["server_key"]
        self.log_key = info["log_key"]
        self.socket = info["socket"]
        self.proc = None
        self.log_path = os.path.join(self.tmp, "daemon.log")
        self.binary = SAMVIRKED  # the program `start` runs (a test build may substitute its own)
        self.env = None          # its environment (None: this process's)

    def clone(self):
        """A new Daemon in a fresh temporary directory holding a copy of this one's directory
        (keys, configuration, database), on the same port. Copy only a stopped daemon."""
        d = Daemon.__new__(Daemon)
        d.__dict__.update({k: v for k, v in self.__dict__.items() if k not in ("proc", "log")})
        d.tmp = tempfile.mkdtemp(prefix="svtest.")
        d.dir = os.path.join(d.tmp, "daemon")
        shutil.copytree(self.dir, d.dir)
        d.log_path = os.path.join(d.tmp, "daemon.log")
        d.proc = None
        return d

    def start(self, extra=(), expect_fail=False, pass_fds=()):
        """Start and wait until it listens (returns 0); with expect_fail, wait for it to
        refuse (returns its exit code); with expect_fail=None, either (None: it serves).
        pass_fds: descriptors it inherits, as from a service manager."""
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([self.binary, "run", self.dir] + list(extra),
                                     stdout=self.log, stderr=self.log, env=self.env,
                                     pass_fds=pass_fds)
        if expect_fail:
            try:
                rc = self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.proc = None
                fail("samvirked was expected to refuse but kept running:\n" + self.read_log())
            self.proc = None
            return rc
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                if expect_fail is None:  # either outcome: report the refusal's exit code
                    rc, self.proc = self.proc.returncode, None
                    self.log.close()
                    return rc
                fail("samvirked exited early:\n" + self.read_log())
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return None if expect_fail is None else 0
            except OSError:
                time.sleep(0.05)
        fail("samvirked did not start listening:\n" + self.read_log())

    def read_log(self):
        try:
            return open(self.log_path, errors="replace").read()
        except OSError:
            return ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=30):
        """SIGTERM and wait; returns the exit code."""
        if self.proc is None:
            return 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            fail("samvirked did not stop within %ds of SIGTERM:\n%s" % (timeout, self.read_log()))
        self.proc = None
        self.log.close()
        return rc

    def kill9(self):
        self.proc.kill()
        self.proc.wait()
        self.proc = None
        self.log.close()

    def cleanup(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


def run_daemon(d, fn, *args):
    """Run fn(*args) against the started daemon d: on failure print the daemon's log; then stop
    it (it must exit 0) and remove its directory."""
    try:
        fn(*args)
    except BaseException:
        print(d.read_log(), file=sys.stderr)
        raise
    finally:
        rc = d.stop()
        d.cleanup()
    check(rc == 0, "samvirked exited %d" % rc)


class ProtocolError(Exception):
    pass


class Client:
    """A client of the wire protocol written from protocol/PROTOCOL.md alone."""

    def __init__(self, port=None, server_key_b64=None, keypair=None, unix=None, timeout=10,
                 source=None, hello=None):
        """hello: message 1's payload (bytes), when not the usual {"v": 1, "client": ...}."""
        import base64
        self.dh = X25519DH()
        self.keypair = keypair or self.dh.generate_keypair()
        if unix:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(timeout)
            self.sock.connect(unix)
        else:
            self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                                 source_address=(source, 0) if source else None)
        self.rbuf = b""
        self.stream = b""
        self.next_id = 1
        self.events = []
        hs = HandshakeState(SymmetricState(CipherState(ChaChaPolyCipher()), Blake2bHash()),
                            X25519DH())
        hs.initialize(IKHandshakePattern(), True, PROLOGUE, s=self.keypair,
                      rs=PublicKey(base64.b64decode(server_key_b64)))
        msg1 = bytearray()
        hs.write_message(hello if hello is not None else
                         msgpack.packb({"v": 1, "client": "svtest/1"}), msg1)
        self.send_noise(bytes(msg1))
        msg2 = self.recv_noise()
        payload = bytearray()
        cs = hs.read_message(msg2, payload)
        self.send_cs, self.recv_cs = cs[0], cs[1]
        self.hello = msgpack.unpackb(bytes(payload), raw=False)

    def send_noise(self, msg):
        self.sock.sendall(struct.pack(">H", len(msg)) + msg)

    def recv_exact(self, n):
        while len(self.rbuf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ProtocolError("connection closed")
            self.rbuf += chunk
        out, self.rbuf = self.rbuf[:n], self.rbuf[n:]
        return out

    def recv_noise(self):
        (n,) = struct.unpack(">H", self.recv_exact(2))
        return self.recv_exact(n)

    def send_stream(self, data):
        """Encrypt a plaintext byte stream into Noise messages of at most 65519 bytes."""
        for i in range(0, len(data), 65519):
            self.send_noise(self.send_cs.encrypt_with_ad(b"", data[i:i + 65519]))

    def send_frame(self, body):
        self.send_stream(struct.pack(">I", len(body)) + body)

    def recv_body(self):
        """The next frame's msgpack body, undecoded."""
        while True:
            if len(self.stream) >= 4:
                (n,) = struct.unpack(">I", self.stream[:4])
                if len(self.stream) >= 4 + n:
                    body, self.stream = self.stream[4:4 + n], self.stream[4 + n:]
                    return body
            self.stream += self.recv_cs.decrypt_with_ad(b"", self.recv_noise())

    def recv_frame(self):
        return msgpack.unpackb(self.recv_body(), raw=False)

    def call(self, op, **args):
        req = {"id": self.next_id, "op": op}
        req.update(args)
        self.next_id += 1
        self.send_frame(msgpack.packb(req, use_bin_type=True))
        return self.response(req["id"])

    def response(self, rid):
        while True:
            r = self.recv_frame()
            if "event" in r and "id" not in r:
                self.events.append(r)
                continue
            if r.get("id") != rid:
                raise ProtocolError("response id %r, expected %r" % (r.get("id"), rid))
            return r

    def closed(self, timeout=5):
        """True when the daemon closes the connection within timeout seconds."""
        self.sock.settimeout(timeout)
        try:
            while True:
                if not self.sock.recv(65536):
                    return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False

    def close(self):
        self.sock.close()


def new_members(people):
    """Cards for fresh identities, people being [(name, role), ...], in a new temporary
    directory (the caller removes it). Returns that directory, the identities' Noise key pairs
    in order, and the members list for Daemon(members=...)."""
    cards = tempfile.mkdtemp(prefix="svcards.")
    keypairs, members = [], []
    for i, (name, role) in enumerate(people):
        path = os.path.join(cards, "m%d.card" % i)
        keypairs.append(make_card(path, name))
        members.append((path, role))
    return cards, keypairs, members


def make_card(path, name):
    """Write a member card file for a fresh identity (keys made here, from PROTOCOL.md's card
    format) and return the Noise key pair to connect with (a dissononce KeyPair)."""
    import base64
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
    raw = (Encoding.Raw, PublicFormat.Raw)
    sign = Ed25519PrivateKey.generate()
    noise = X25519DH().generate_keypair()
    enc = X25519DH().generate_keypair()
    body = {"v": 1, "name": name, "sign": sign.public_key().public_bytes(*raw),
            "noise": noise.public.data, "enc": enc.public.data, "created": int(time.time())}
    body["sig"] = sign.sign(b"samvirke-card-v1\0" + msgpack.packb(body, use_bin_type=True))
    with open(path, "w") as f:
        f.write("samvirke-card-v1 " + base64.b64encode(msgpack.packb(body, use_bin_type=True))
                .decode() + "\n")
    return noise

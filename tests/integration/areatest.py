"""areatest.py -- helpers for the area-data integration tests: a team of CLI identities enrolled
in a daemon with `samvirked init --admin/--member`, the CLI runner, and wire clients that use
the same identities."""
import json
import os
import subprocess

from dissononce.dh.x25519.private import PrivateKey
from dissononce.dh.x25519.x25519 import X25519DH

import svaudit
import svtest
from svtest import SAMVIRKE, check, fail


def noise_keypair(identity_dir):
    """The X25519 Noise key pair of a CLI identity (key file layout in protocol/keyfile.h: an
    8-byte header, the Ed25519 entry of 3+64 bytes, then tag, length and the X25519 secret)."""
    raw = open(os.path.join(identity_dir, "identity.key"), "rb").read()
    check(raw[:5] == b"SVKEY" and raw[6] == 1, "identity.key has the expected header")
    off = 8 + 3 + 64 + 3
    return X25519DH().generate_keypair(PrivateKey(raw[off:off + 32]))


class Team:
    """Identities made with `samvirke init`, enrolled with their roles in a fresh daemon."""

    def __init__(self, members, conf=None):
        import tempfile
        self.home = tempfile.mkdtemp(prefix="svarea.")
        self.dirs = {}
        for name, _ in members:
            self.dirs[name] = os.path.join(self.home, name)
            self.run_ok(name, "init", "--name", name)
        admin = [n for n, r in members if r == "coordinator"][0]
        card = lambda n: os.path.join(self.dirs[n], "card.txt")
        others = [(card(n), r) for n, r in members if n != admin]
        self.daemon = svtest.Daemon(admin_card=card(admin), conf=conf, members=others)
        for n in self.dirs:
            self.run_ok(n, "server", "set", "--address", "127.0.0.1:%d" % self.daemon.port,
                        "--key", self.daemon.server_key, "--log-key", self.daemon.log_key)

    def cli(self, who, *args, input=None):
        """Run the CLI as who; returns (exit code, stdout, stderr)."""
        args = [SAMVIRKE, "--identity", os.path.join(self.home, who)] + list(args)
        p = subprocess.run(args, capture_output=True, text=True, input=input, timeout=60)
        return p.returncode, p.stdout, p.stderr

    def run_ok(self, who, *args):
        rc, out, err = self.cli(who, *args)
        if rc != 0:
            fail("samvirke %s (as %s) exited %d: %s" % (" ".join(args), who, rc, err.strip()))
        return out

    def run_json(self, who, *args):
        return json.loads(self.run_ok(who, "--json", *args))

    def run_fail(self, who, code, pattern, *args):
        rc, out, err = self.cli(who, *args)
        check(rc == code, "samvirke %s (as %s) exited %d, expected %d: %s" %
              (" ".join(args), who, rc, code, err.strip()))
        check(pattern in err, "samvirke %s stderr lacks %r: %r" % (" ".join(args), pattern, err))
        check(err.count("\n") == 1, "one line on stderr, got %r" % err)
        return err

    def wire(self, who):
        d = self.daemon
        return svtest.Client(d.port, d.server_key, keypair=noise_keypair(self.dirs[who]))

    def cleanup(self):
        import shutil
        self.daemon.cleanup()
        shutil.rmtree(self.home, ignore_errors=True)


def audit_entries(db_path):
    """Every audit entry in the daemon's database, decoded (read-only, safe beside a daemon)."""
    return svaudit.db_entries(db_path)

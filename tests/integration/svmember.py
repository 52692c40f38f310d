"""svmember.py -- test helpers for member identities and key transparency, written from
protocol/PROTOCOL.md alone: member cards (canonical msgpack, Ed25519), C2SP checkpoints and
RFC 9162 inclusion proofs. Uses Debian's python3-cryptography, python3-msgpack, dissononce."""
import base64
import hashlib
import os
import time

import msgpack
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519
from dissononce.dh.x25519.x25519 import X25519DH

from svaudit import db_entries, decode_entry, leaf_hash, open_checkpoint, verify_inclusion
from svtest import Client

CARD_CONTEXT = b"samvirke-card-v1\x00"


def _raw_pub(key):
    return key.public_key().public_bytes(serialization.Encoding.Raw,
                                         serialization.PublicFormat.Raw)


def encode_card(fields, sig=None):
    """Canonical card: keys v, name, sign, noise, enc, created (, sig) in this order."""
    m = {"v": 1, "name": fields["name"], "sign": fields["sign"], "noise": fields["noise"],
         "enc": fields["enc"], "created": fields["created"]}
    if sig is not None:
        m["sig"] = sig
    return msgpack.packb(m, use_bin_type=True)


class Identity:
    """A member's three key pairs and signed card."""

    def __init__(self, name, noise_keypair=None):
        self.name = name
        self.sign_key = ed25519.Ed25519PrivateKey.generate()
        self.noise = noise_keypair or X25519DH().generate_keypair()
        self.enc_key = x25519.X25519PrivateKey.generate()
        self.fields = {"name": name, "sign": _raw_pub(self.sign_key),
                       "noise": bytes(self.noise.public.data), "enc": _raw_pub(self.enc_key),
                       "created": int(time.time())}
        sig = self.sign_key.sign(CARD_CONTEXT + encode_card(self.fields))
        self.card = encode_card(self.fields, sig)

    @property
    def card_hash(self):
        return hashlib.sha256(self.card).hexdigest()

    @property
    def keyid(self):
        return hashlib.sha256(self.fields["sign"]).hexdigest()[:16]

    @property
    def fingerprint(self):
        h = hashlib.sha256(self.fields["sign"] + self.fields["noise"] + self.fields["enc"])
        hx = h.hexdigest()[:40]
        return " ".join(hx[i:i + 4] for i in range(0, 40, 4))

    def card_text(self):
        return "samvirke-card-v1 " + base64.b64encode(self.card).decode() + "\n"

    def write_card(self, path):
        with open(path, "w") as f:
            f.write(self.card_text())
        return path

    def connect(self, daemon):
        return Client(daemon.port, daemon.server_key, keypair=self.noise)

    def enrol(self, daemon, inviter, role):
        """Have the connected member inviter invite this identity's name as role, then enrol
        this key with the code on a connection of its own. Returns that connection and the
        enrol answer, or None and the invite's answer when the invite was refused."""
        r = inviter.call("member.invite", name=self.name, role=role)
        if not r["ok"]:
            return None, r
        c = self.connect(daemon)
        return c, c.call("enroll", invite=r["result"]["code"], card=self.card)


# ---- key transparency (the log checks are svaudit.py's independent verifier) ---------------

def verify_member_proof(result, vkey, expect_card=None):
    """Check a member.proof result: checkpoint signed by vkey, entry included, entry object is
    the card's hash. Returns None when it holds, or the reason it does not."""
    try:
        _, size, root = open_checkpoint(result["checkpoint"], vkey)
    except Exception as e:  # noqa: BLE001
        return "checkpoint: %s" % e
    entry = result["entry"]
    if not verify_inclusion(result["reg_seq"], size, leaf_hash(entry), result["proof"], root):
        return "inclusion proof does not lead to the checkpoint's root"
    try:
        e = decode_entry(entry)
    except ValueError as ex:
        return "the registering entry is not a canonical audit entry: %s" % ex
    if e.get("v", 1) == 2 and e["outcome"] != "ok":
        return "the registering entry records a failed request (%s)" % e["outcome"]
    if e["seq"] != result["reg_seq"]:
        return "entry seq %r is not reg_seq %r" % (e["seq"], result["reg_seq"])
    card = result["card"]
    if e["object"] != "card:" + hashlib.sha256(card).hexdigest():
        return "the registering entry names another card (%s)" % e["object"]
    if expect_card is not None and card != expect_card:
        return "card differs from the expected one"
    return None


def audit_entries(daemon_dir):
    """Every audit entry (decoded), read from the daemon's database."""
    return db_entries(os.path.join(daemon_dir, "samvirke.db"))


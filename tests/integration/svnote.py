"""svnote.py -- an independent implementation of samvirke note envelopes and member identities,
written from protocol/PROTOCOL.md ("Note envelopes", "Member cards") for the integration tests:
Ed25519/X25519 from Debian's python3-cryptography, BLAKE2b from hashlib, and XChaCha20-Poly1305
from libsodium through ctypes (Python's standard library has none)."""
import base64
import ctypes
import ctypes.util
import hashlib
import hmac
import os
import struct
import time

import msgpack
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519
from dissononce.dh.keypair import KeyPair
from dissononce.dh.x25519.private import PrivateKey
from dissononce.dh.x25519.public import PublicKey

_sodium = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
_sodium.sodium_init()

MAGIC = b"SVNE"
VERSION = 2
SIG_CONTEXT = b"samvirke note envelope v2\x00"
WRAP_CONTEXT = b"samvirke note wrap v2\x00"
COMMIT_CONTEXT = b"samvirke note key commitment v2\x00"
CARD_CONTEXT = b"samvirke-card-v1\x00"


def xchacha_encrypt(key, nonce, ad, msg):
    out = ctypes.create_string_buffer(len(msg) + 16)
    outlen = ctypes.c_ulonglong(0)
    rc = _sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
        out, ctypes.byref(outlen), msg, ctypes.c_ulonglong(len(msg)), ad,
        ctypes.c_ulonglong(len(ad)), None, nonce, key)
    assert rc == 0
    return out.raw[:outlen.value]


def xchacha_decrypt(key, nonce, ad, ct):
    """Plaintext, or None when the tag does not verify."""
    out = ctypes.create_string_buffer(max(len(ct) - 16, 1))
    outlen = ctypes.c_ulonglong(0)
    rc = _sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(
        out, ctypes.byref(outlen), None, ct, ctypes.c_ulonglong(len(ct)), ad,
        ctypes.c_ulonglong(len(ad)), nonce, key)
    return out.raw[:outlen.value] if rc == 0 else None


def _raw_pub(key):
    return key.public_key().public_bytes(serialization.Encoding.Raw,
                                         serialization.PublicFormat.Raw)


def kdf(seed, subkey_id, context=b"svident1"):
    """libsodium crypto_kdf_derive_from_key: BLAKE2b-256 keyed by the master key, salt = the
    subkey id little-endian padded to 16 bytes, personal = the 8-byte context padded."""
    return hashlib.blake2b(b"", digest_size=32, key=seed,
                           salt=struct.pack("<Q", subkey_id) + b"\0" * 8,
                           person=context + b"\0" * 8).digest()


class Identity:
    """A member's keys and signed card (PROTOCOL.md section 7), random or from a seed."""

    def __init__(self, name, seed=None, created=None):
        self.name = name
        if seed is None:
            seed = os.urandom(32)
        self.sign_key = ed25519.Ed25519PrivateKey.from_private_bytes(kdf(seed, 1))
        noise_sk = x25519.X25519PrivateKey.from_private_bytes(kdf(seed, 2))
        self.enc_key = x25519.X25519PrivateKey.from_private_bytes(kdf(seed, 3))
        nraw = noise_sk.private_bytes(serialization.Encoding.Raw,
                                      serialization.PrivateFormat.Raw,
                                      serialization.NoEncryption())
        self.noise = KeyPair(PublicKey(_raw_pub(noise_sk)), PrivateKey(nraw))
        self.sign_pk = _raw_pub(self.sign_key)
        self.enc_pk = _raw_pub(self.enc_key)
        self.fields = {"v": 1, "name": name, "sign": self.sign_pk,
                       "noise": _raw_pub(noise_sk), "enc": self.enc_pk,
                       "created": int(time.time()) if created is None else created}
        unsigned = msgpack.packb(self.fields, use_bin_type=True)
        self.fields["sig"] = self.sign_key.sign(CARD_CONTEXT + unsigned)
        self.card = msgpack.packb(self.fields, use_bin_type=True)

    @property
    def keyid_bytes(self):
        return hashlib.sha256(self.sign_pk).digest()[:8]

    @property
    def keyid(self):
        return self.keyid_bytes.hex()

    def write_card(self, path):
        with open(path, "w") as f:
            f.write("samvirke-card-v1 " + base64.b64encode(self.card).decode() + "\n")
        return path


def key_commit(content_key, ident):
    """BLAKE2b-256 keyed by the content key over the commitment context and the note id."""
    return hashlib.blake2b(COMMIT_CONTEXT + ident, digest_size=32, key=content_key).digest()


def header(ident, sender, created, klass, area, purpose, recipient_ids, commit):
    h = MAGIC + bytes([VERSION]) + ident + sender + struct.pack(">Q", created)
    for s in (klass, area, purpose):
        b = s.encode()
        h += bytes([len(b)]) + b
    h += bytes([len(recipient_ids)]) + b"".join(recipient_ids)
    return h + commit


def seal(sender, recipients, body, klass="individual", area="", purpose="forebyggelse",
         created=None, ident=None, content_key=None, nonce=None, eph=None, sender_id=None,
         recipient_ids=None, wrap_keys=None):
    """An envelope from sender (Identity) to recipients (objects with keyid_bytes and enc_pk).
    The optional arguments fix the randomness (vectors) or forge fields (negative tests):
    wrap_keys, one per recipient, wraps those content keys instead of the committed one."""
    ident = ident or os.urandom(16)
    ck = content_key or os.urandom(32)
    nonce = nonce or os.urandom(24)
    created = int(time.time()) if created is None else created
    rids = recipient_ids or [r.keyid_bytes for r in recipients]
    hdr = header(ident, sender_id or sender.keyid_bytes, created, klass, area, purpose, rids,
                 key_commit(ck, ident))
    wraps = b""
    for i, r in enumerate(recipients):
        esk = x25519.X25519PrivateKey.from_private_bytes(eph[i] if eph else os.urandom(32))
        epk = _raw_pub(esk)
        shared = esk.exchange(x25519.X25519PublicKey.from_public_bytes(r.enc_pk))
        wk = hashlib.blake2b(WRAP_CONTEXT + shared + epk + r.enc_pk + ident,
                             digest_size=32).digest()
        wraps += epk + xchacha_encrypt(wk, b"\0" * 24, hdr, wrap_keys[i] if wrap_keys else ck)
    ct = xchacha_encrypt(ck, nonce, hdr, body)
    signed = hdr + wraps + nonce + struct.pack(">I", len(ct)) + ct
    sig = sender.sign_key.sign(SIG_CONTEXT + hashlib.blake2b(signed, digest_size=64).digest())
    return signed + sig


def parse(env):
    """Split an envelope into its parts (raises ValueError when malformed)."""
    if env[:5] != MAGIC + bytes([VERSION]):
        raise ValueError("magic/version")
    off = 5
    ident, sender = env[off:off + 16], env[off + 16:off + 24]
    off += 24
    (created,) = struct.unpack(">Q", env[off:off + 8])
    off += 8
    texts = []
    for _ in range(3):
        n = env[off]
        texts.append(env[off + 1:off + 1 + n].decode())
        off += 1 + n
    n = env[off]
    off += 1
    rids = [env[off + 8 * i:off + 8 * i + 8] for i in range(n)]
    off += 8 * n
    commit = env[off:off + 32]
    off += 32
    hdr_len = off
    wraps = [env[off + 80 * i:off + 80 * i + 80] for i in range(n)]
    off += 80 * n
    nonce = env[off:off + 24]
    (blen,) = struct.unpack(">I", env[off + 24:off + 28])
    off += 28
    ct = env[off:off + blen]
    off += blen
    if len(env) - off != 64:
        raise ValueError("length")
    return {"id": ident, "sender": sender, "created": created, "class": texts[0],
            "area": texts[1], "purpose": texts[2], "recipients": rids, "key_commit": commit,
            "header": env[:hdr_len],
            "wraps": wraps, "nonce": nonce, "body": ct, "signed": env[:off], "sig": env[off:]}


def open_envelope(env, sender, reader):
    """Verify and decrypt as reader; returns the body or raises ValueError naming the check."""
    p = parse(env)
    if p["sender"] != sender.keyid_bytes:
        raise ValueError("sender")
    try:
        sender.sign_key.public_key().verify(
            p["sig"], SIG_CONTEXT + hashlib.blake2b(p["signed"], digest_size=64).digest())
    except Exception:
        raise ValueError("signature")
    idx = p["recipients"].index(reader.keyid_bytes)
    w = p["wraps"][idx]
    shared = reader.enc_key.exchange(x25519.X25519PublicKey.from_public_bytes(w[:32]))
    wk = hashlib.blake2b(WRAP_CONTEXT + shared + w[:32] + reader.enc_pk + p["id"],
                         digest_size=32).digest()
    ck = xchacha_decrypt(wk, b"\0" * 24, p["header"], w[32:])
    if ck is None:
        raise ValueError("wrap")
    if not hmac.compare_digest(key_commit(ck, p["id"]), p["key_commit"]):
        raise ValueError("key commitment")
    body = xchacha_decrypt(ck, p["nonce"], p["header"], p["body"])
    if body is None:
        raise ValueError("body")
    return body

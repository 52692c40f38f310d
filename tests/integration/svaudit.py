"""svaudit.py -- an independent verifier of the audit trail for integration tests, written from
RFC 9162 section 2.1, C2SP signed-note / tlog-checkpoint and protocol/PROTOCOL.md alone (no code
shared with the daemon or the client)."""
import base64
import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def leaf_hash(entry):
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def root(leaves):
    """MTH of a list of leaf hashes (RFC 9162 2.1.1), iteratively."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    stack = []  # (level, hash) of the right edge
    for i, h in enumerate(leaves):
        level = 0
        n = i
        while n & 1:
            _, left = stack.pop()
            h = node_hash(left, h)
            level += 1
            n >>= 1
        stack.append((level, h))
    h = stack.pop()[1]
    while stack:
        h = node_hash(stack.pop()[1], h)
    return h


def verify_inclusion(index, size, lh, proof, want_root):
    if index >= size:
        return False
    fn, sn, r = index, size - 1, lh
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == want_root


def verify_consistency(size1, size2, proof, root1, root2):
    if size1 > size2:
        return False
    if size1 == size2:
        return not proof and root1 == root2
    if size1 == 0:
        return not proof and root1 == hashlib.sha256(b"").digest()
    if size1 & (size1 - 1) == 0:
        proof = [root1] + list(proof)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    if not proof:
        return False
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == root1 and sr == root2


def parse_vkey(vkey):
    """C2SP verifier key `name+hexid+base64(0x01||pk)` -> (name, key id bytes, public key)."""
    name, hexid, b64 = vkey.split("+", 2)
    raw = base64.b64decode(b64, validate=True)
    assert raw[0] == 1 and len(raw) == 33
    kid = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
    assert kid.hex() == hexid
    return name, kid, raw[1:]


def open_checkpoint(note, vkey):
    """Verify a signed checkpoint note with the verifier key; returns (origin, size, root) or
    raises ValueError."""
    name, kid, pk = parse_vkey(vkey)
    text, sep, sigs = note.partition("\n\n")
    if not sep:
        raise ValueError("no signature block")
    text += "\n"
    ok = False
    for line in sigs.splitlines():
        if not line.startswith("\u2014 "):
            raise ValueError("bad signature line %r" % line)
        sname, sig64 = line[2:].split(" ")
        raw = base64.b64decode(sig64, validate=True)
        if sname != name or raw[:4] != kid:
            continue
        try:
            Ed25519PublicKey.from_public_bytes(pk).verify(raw[4:], text.encode())
        except InvalidSignature:
            raise ValueError("signature does not verify")
        ok = True
    if not ok:
        raise ValueError("not signed by the log key")
    lines = text.split("\n")
    origin, size, r = lines[0], int(lines[1]), base64.b64decode(lines[2], validate=True)
    if origin != name:
        raise ValueError("origin %r is not the key's name %r" % (origin, name))
    return origin, size, r


def fetch_all(client, upto):
    """Fetch entries 0..upto-1 with audit.entries."""
    out = []
    while len(out) < upto:
        r = client.call("audit.entries", start=len(out))
        assert r["ok"], r
        got = r["result"]["entries"]
        assert r["result"]["start"] == len(out)
        if not got:
            break
        out += got
    return out[:upto]


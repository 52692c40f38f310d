"""svaudit.py -- an independent verifier of the audit trail for integration tests, written from
RFC 9162 section 2.1, C2SP signed-note / tlog-checkpoint and protocol/PROTOCOL.md alone (no code
shared with the daemon or the client)."""
import base64
import hashlib
import re

import msgpack
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


# Audit entry keys in their fixed order (PROTOCOL.md section 8, "Entries").
ENTRY_KEYS_V1 = ["seq", "time", "actor", "role", "op", "class", "object", "decision", "rule",
                 "purpose", "policy"]
ENTRY_KEYS_V2 = ["v", "seq", "time", "actor", "role", "op", "class", "object", "decision",
                 "rule", "outcome", "purpose", "policy", "salt"]
_STR_LIMITS = {"actor": 64, "role": 64, "op": 64, "class": 64, "object": 255, "rule": 64,
               "outcome": 64, "purpose": 512}
_MAY_BE_EMPTY = ("object", "purpose")


def _text_ok(s, key):
    b = s.encode("utf-8")
    if len(b) > _STR_LIMITS[key] or (not b and key not in _MAY_BE_EMPTY):
        return False
    return not any(ord(c) < 0x20 or ord(c) == 0x7f for c in s)


def _check_entry(d):
    """Raise ValueError unless the decoded map d keeps every field rule of its version."""
    v2 = "v" in d
    keys = ENTRY_KEYS_V2 if v2 else ENTRY_KEYS_V1
    if list(d.keys()) != keys:
        raise ValueError("keys %r are not those of a version %d entry" % (list(d), 2 if v2 else 1))
    if v2 and (type(d["v"]) is not int or d["v"] != 2):
        raise ValueError("version %r" % d["v"])
    for k in ("seq", "time"):
        if type(d[k]) is not int or d[k] < 0:
            raise ValueError("%s is not an unsigned integer" % k)
    for k in keys:
        if k in _STR_LIMITS and (type(d[k]) is not str or not _text_ok(d[k], k)):
            raise ValueError("%s breaks its field rule: %r" % (k, d[k]))
    if d["actor"] != "-" and not re.fullmatch(r"[0-9a-f]+", d["actor"]):
        raise ValueError("actor %r" % d["actor"])
    if d["decision"] not in ("permit", "deny"):
        raise ValueError("decision %r" % d["decision"])
    if type(d["policy"]) is not bytes or len(d["policy"]) != 32:
        raise ValueError("policy is not 32 bytes")
    if v2:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", d["outcome"]):
            raise ValueError("outcome %r" % d["outcome"])
        if d["decision"] == "deny" and d["outcome"] == "ok":
            raise ValueError("a denied request with outcome ok")
        if type(d["salt"]) is not bytes or len(d["salt"]) != 16:
            raise ValueError("salt is not 16 bytes")


def encode_entry(d):
    """Canonical encoding of an entry given as a dict with the keys of its version (a "v": 2
    key makes it version 2). Raises ValueError on a field rule broken."""
    v2 = "v" in d
    d = {k: d[k] for k in (ENTRY_KEYS_V2 if v2 else ENTRY_KEYS_V1)}
    _check_entry(d)
    return msgpack.packb(d, use_bin_type=True)


def decode_entry(b):
    """Decode one entry of either version, accepting only its canonical encoding. Returns the
    dict, keys in encoded order (a version 1 entry has no "v"); raises ValueError otherwise."""
    try:
        d = msgpack.unpackb(b, raw=False, strict_map_key=True)
    except Exception as e:  # noqa: BLE001 -- any unpacking failure is a format error
        raise ValueError("not msgpack: %s" % e)
    if type(d) is not dict:
        raise ValueError("not a map")
    _check_entry(d)
    if msgpack.packb(d, use_bin_type=True) != bytes(b):
        raise ValueError("not the canonical encoding")
    return d


def check_versions(entries):
    """Decode a log's entries (bytes, in order) and check that versions never go back (no v1
    entry after a v2 one). Returns the decoded dicts; raises ValueError."""
    out, last = [], 0
    for i, b in enumerate(entries):
        d = decode_entry(b)
        v = d.get("v", 1)
        if v < last:
            raise ValueError("entry %d is version %d after a version %d entry" % (i, v, last))
        last = v
        out.append(d)
    return out


def db_entries(db_path):
    """Every audit entry in a daemon's database file, decoded strictly, versions checked
    (read-only, safe beside a running daemon)."""
    import sqlite3
    con = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True, timeout=10)
    try:
        rows = con.execute("SELECT entry FROM audit_entries ORDER BY seq").fetchall()
    finally:
        con.close()
    return check_versions([r[0] for r in rows])


def subtree_pos(level, idx):
    """Where the daemon's audit_subtrees table keeps the perfect subtree (level, idx): its
    position in append order, each leaf followed by the parents it completes, lowest first
    (docs/ARCHITECTURE.md, "The audit log and its key"). It completes the tree of
    m = (idx + 1) * 2^level leaves, whose first m - 1 leaves made 2(m - 1) - popcount(m - 1)
    subtrees."""
    m = (idx + 1) << level
    return 2 * (m - 1) - bin(m - 1).count("1") + level


def subtrees(size):
    """{position: (level, idx)} of every subtree of level >= 1 in a log of size entries."""
    out = {}
    for m in range(1, size + 1):
        level = 1
        while m % (1 << level) == 0:
            out[subtree_pos(level, (m >> level) - 1)] = (level, (m >> level) - 1)
            level += 1
    return out


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


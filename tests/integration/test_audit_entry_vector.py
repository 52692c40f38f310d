"""test_audit_entry_vector.py -- rebuild the committed audit-entry vector (versions 1 and 2)
byte for byte with an independent implementation (svaudit.py, written from PROTOCOL.md), and
check that its strict decoder refuses what the format forbids."""
import os
import sys

import msgpack

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import svaudit as A  # noqa: E402
from svtest import check  # noqa: E402

src = os.environ.get("SAMVIRKE_SOURCE", os.path.join(os.path.dirname(__file__), "..", ".."))
v = {}
for line in open(os.path.join(src, "tests", "vectors", "audit_entry_v2.txt"), encoding="utf-8"):
    if line.startswith("#") or " = " not in line:
        continue
    k, val = line.rstrip("\n").split(" = ", 1)
    v[k] = val


def field(name, key):
    raw = v["%s.%s" % (name, key)]
    if key in ("v", "seq", "time"):
        return int(raw)
    if key in ("policy", "salt"):
        return bytes.fromhex(raw)
    check(raw.startswith('"') and raw.endswith('"') and "\\" not in raw, "%s.%s: %r"
          % (name, key, raw))
    return raw[1:-1]


entries = []
for name in ("e1", "e2", "e3", "e4"):
    keys = A.ENTRY_KEYS_V2 if "%s.v" % name in v else A.ENTRY_KEYS_V1
    d = {k: field(name, k) for k in keys}
    b = A.encode_entry(d)
    want = bytes.fromhex(v[name + ".entry"])
    check(b == want, "%s rebuilt differs:\n%s\n%s" % (name, b.hex(), want.hex()))
    check(A.leaf_hash(b).hex() == v[name + ".leaf"], "%s leaf hash differs" % name)
    check(A.decode_entry(want) == d, "%s decodes to other fields" % name)
    entries.append(want)
check(A.root([A.leaf_hash(e) for e in entries]).hex() == v["root"], "root differs")
check(A.decode_entry(entries[0]).get("v") is None, "e1 is a version 1 entry")
check([d.get("v", 1) for d in A.check_versions(entries)] == [1, 2, 2, 2], "versions")

# The salt is in the leaf: the same entry with another salt has another leaf hash.
e2 = A.decode_entry(entries[1])
other = dict(e2, salt=bytes(16))
check(A.leaf_hash(A.encode_entry(other)) != A.leaf_hash(entries[1]), "salt not hashed")


def refused(what, b):
    try:
        A.decode_entry(b)
    except ValueError:
        return
    check(False, "decoded: " + what)


def pack(d):
    return msgpack.packb(d, use_bin_type=True)


e3 = A.decode_entry(entries[2])
e1 = A.decode_entry(entries[0])
refused("a denial with outcome ok", pack(dict(e3, outcome="ok")))
refused("outcome in upper case", pack(dict(e2, outcome="Personal_data")))
refused("empty outcome", pack(dict(e2, outcome="")))
refused("version 3", pack(dict(e2, v=3)))
refused("version 1 in a version 2 map", pack(dict(e2, v=1)))
refused("salt of 15 bytes", pack(dict(e2, salt=bytes(15))))
refused("salt as str", pack(dict(e2, salt="0" * 16)))
refused("version 2 without salt", pack({k: e2[k] for k in A.ENTRY_KEYS_V2 if k != "salt"}))
refused("version 1 with an outcome", pack(dict(e1, outcome="ok")))
refused("version 2 keys without v", pack({k: e2[k] for k in A.ENTRY_KEYS_V2 if k != "v"}))
reordered = {k: e2[k] for k in A.ENTRY_KEYS_V2 if k != "outcome"}
reordered["outcome"] = e2["outcome"]
refused("outcome out of order", pack(reordered))
refused("trailing byte", entries[1] + b"\xc0")
wide = bytearray(entries[1])
check(wide[1:4] == b"\xa1v\x02", "v is the first key")
refused("v as uint8", bytes(wide[:3]) + b"\xcc\x02" + bytes(wide[4:]))
try:
    A.check_versions([entries[1], entries[0]])
    check(False, "a version 1 entry after a version 2 one was accepted")
except ValueError:
    pass
print("ok: audit entry vector rebuilt independently (%d entries, root %s...)"
      % (len(entries), v["root"][:16]))

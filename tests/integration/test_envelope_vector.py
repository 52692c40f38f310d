"""test_envelope_vector.py -- rebuild the committed envelope vector byte for byte with an
independent implementation (svnote.py, written from PROTOCOL.md), and open it as each recipient."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from svnote import Identity, key_commit, open_envelope, parse, seal  # noqa: E402
from svtest import check  # noqa: E402

src = os.environ.get("SAMVIRKE_SOURCE", os.path.join(os.path.dirname(__file__), "..", ".."))
v = {}
for line in open(os.path.join(src, "tests", "vectors", "envelope_v2.txt")):
    if line.startswith("#") or " = " not in line:
        continue
    k, val = line.rstrip("\n").split(" = ", 1)
    v[k] = val

created = int(v["card_created"])
a = Identity(v["sender_name"], bytes.fromhex(v["sender_seed"]), created)
b = Identity(v["recipient1_name"], bytes.fromhex(v["recipient1_seed"]), created)
c = Identity(v["recipient2_name"], bytes.fromhex(v["recipient2_seed"]), created)
check(a.sign_pk.hex() == v["sender_sign_pk"], "sender signing key differs")
check(b.enc_pk.hex() == v["recipient1_enc_pk"], "recipient 1 encryption key differs")
check(c.enc_pk.hex() == v["recipient2_enc_pk"], "recipient 2 encryption key differs")
eph = bytes.fromhex(v["eph_sk"])
env = seal(a, [b, c], bytes.fromhex(v["body"]), klass=v["class"], area=v["area"],
           purpose=v["purpose"], created=int(v["created"]), ident=bytes.fromhex(v["id"]),
           content_key=bytes.fromhex(v["content_key"]), nonce=bytes.fromhex(v["nonce"]),
           eph=[eph[:32], eph[32:]])
want = bytes.fromhex(v["envelope"])
if env != want:
    first = next(i for i in range(min(len(env), len(want))) if env[i] != want[i]) \
        if len(env) == len(want) else -1
    check(False, "rebuilt envelope differs (lengths %d/%d, first differing byte %d)"
          % (len(env), len(want), first))
p = parse(want)
check(p["class"] == "individual" and p["area"] == "Nordparken", "header fields")
ck = bytes.fromhex(v["content_key"])
check(key_commit(ck, p["id"]).hex() == v["key_commit"] == p["key_commit"].hex(),
      "key commitment differs")
for r in (b, c):
    check(open_envelope(want, a, r) == bytes.fromhex(v["body"]), "recipient cannot open")

# A sender who wraps another content key for one recipient: the signature and that recipient's
# wrap are valid, the key commitment is not.
other = bytes(32)
forged = seal(a, [b, c], b"x", ident=bytes.fromhex(v["id"]), content_key=ck, wrap_keys=[ck, other])
check(open_envelope(forged, a, b) == b"x", "recipient with the committed key cannot open")
try:
    open_envelope(forged, a, c)
    check(False, "a wrap of an uncommitted content key opened")
except ValueError as e:
    check(str(e) == "key commitment", "wrong check failed: %s" % e)
print("ok: envelope vector rebuilt independently (%d bytes)" % len(want))

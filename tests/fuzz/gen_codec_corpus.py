#!/usr/bin/python3
# gen_codec_corpus.py -- writes the seed corpus of fuzz_codec (request frames) with Python's msgpack.
# Run from the source root:  /usr/bin/python3 tests/fuzz/gen_codec_corpus.py tests/fuzz/corpus/codec
# Output is deterministic.
import os
import struct
import sys

import msgpack


def pack(obj):
    return msgpack.packb(obj, use_bin_type=True)


valid = {
    "ping": {"id": 1, "op": "ping"},
    "whoami": {"id": 2, "op": "whoami"},
    "enroll": {"id": 3, "op": "enroll", "invite": "ABCD-EFGH", "card": b"\x01" * 40},
    "audit-entries": {"id": 4, "op": "audit.entries", "start": 0, "count": 100},
    "audit-consistency": {"id": 5, "op": "audit.consistency", "old_size": 3, "size": 9},
    "member-invite": {"id": 6, "op": "member.invite", "role": "ssp", "name": "kari", "ttl": 86400},
    "member-role": {"id": 7, "op": "member.role", "who": "kari", "role": "police"},
    "area-add": {"id": 8, "op": "area.add", "name": "Sentrum", "description": "bydel \u00e6\u00f8\u00e5"},
    "obs-add": {"id": 9, "op": "observation.add", "area": "Sentrum", "kind": "challenge",
                "category": "gathering", "level": "area", "text": "many people at night",
                "size": 12, "lat": 59.91, "lon": 10.75},
    "obs-add-intlat": {"id": 10, "op": "observation.add", "area": "A", "kind": "resource",
                       "category": "c", "level": "group", "text": "t", "lat": 60, "lon": -5},
    "obs-update": {"id": 11, "op": "observation.update", "observation": 4, "text": "x"},
    "iv-add": {"id": 12, "op": "intervention.add", "area": "A", "level": "area", "step": "map",
               "text": "walk"},
    "iv-update": {"id": 13, "op": "intervention.update", "intervention": 2, "status": "done"},
    "note-send": {"id": 14, "op": "note.send", "envelope": bytes(range(256))},
    "note-fetch": {"id": 15, "op": "note.fetch", "note": b"\x00" * 16},
    "big-id": {"id": 2**64 - 1, "op": "ping"},
    "args-first": {"text": "t", "id": 16, "op": "observation.update", "observation": 1},
    "empty-str": {"id": 17, "op": "area.add", "name": ""},
    "meeting-add": {"id": 18, "op": "meeting.add", "area": "A", "track": "core", "time": 1700000000,
                    "title": "Kerneteam", "attendees": ["anna", "sune"],
                    "agenda": ["Nyt siden sidst", ""]},
    "area-boundary": {"id": 19, "op": "area.update", "area": "A",
                      "boundary": [10.1, 56.1, 10.2, 56.1, 10, -5]},
    "iv-overdue": {"id": 20, "op": "intervention.list", "overdue": True, "status": "running"},
    "receipt": {"id": 21, "op": "receipt.status", "receipt": b"\x07" * 16},
    "link-add": {"id": 22, "op": "link.add", "resource": 3, "challenge": 4},
}

malformed = {
    "not-a-map": pack([1, "ping"]),
    "no-id": pack({"op": "ping"}),
    "no-op": pack({"id": 1}),
    "id-negative": pack({"id": -1, "op": "ping"}),
    "id-string": pack({"id": "1", "op": "ping"}),
    "op-int": pack({"id": 1, "op": 7}),
    "unknown-op": pack({"id": 1, "op": "launch"}),
    "unknown-field": pack({"id": 1, "op": "ping", "x": 1}),
    "nested-value": pack({"id": 1, "op": "ping", "x": [1, {"a": None}]}),
    "missing-field": pack({"id": 1, "op": "member.show"}),
    "wrong-type": pack({"id": 1, "op": "audit.entries", "start": "0"}),
    "nan": pack({"id": 1, "op": "observation.update", "observation": 1, "lat": float("nan")}),
    "nul-in-str": pack({"id": 1, "op": "member.show", "who": "a\x00b"}),
    "int-key": pack({"id": 1, "op": "ping", 5: 5}),
    "trailing": pack({"id": 1, "op": "ping"}) + b"\xc0",
    "truncated": pack({"id": 1, "op": "member.show", "who": "kari"})[:-2],
    "empty": b"",
    # duplicate key: msgpack maps are written by hand
    "duplicate-arg": b"\x84\xa2id\x01\xa2op\xabmember.show\xa3who\xa1a\xa3who\xa1b",
    "duplicate-id": b"\x83\xa2id\x01\xa2op\xa4ping\xa2id\x02",
    # container headers that claim far more elements than there are bytes
    "huge-array-value": b"\x83\xa2id\x01\xa2op\xa4ping\xa1x\xdd\xff\xff\xff\xff",
    "huge-map": b"\xdf\x7f\xff\xff\xff\xa2id\x01",
    "huge-str": b"\x82\xa2id\x01\xa2op\xdb\xff\xff\xff\xf0ping",
}

# valid requests in non-canonical encodings (written by hand)
valid_raw = {
    "wide-headers": b"\xde\x00\x02\xd9\x02id\xcf" + struct.pack(">Q", 1) + b"\xda\x00\x02op\xda\x00\x04ping",
    "float32-lat": b"\x87\xa2id\x01\xa2op\xb2observation.update\xabobservation\x01\xa3lat\xca"
    + struct.pack(">f", 1.5) + b"\xa3lon\xcb" + struct.pack(">d", 2.5)
    + b"\xa4size\x02\xa4text\xa1t",
}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, req in valid.items():
        with open(os.path.join(out, "valid-" + name), "wb") as f:
            f.write(pack(req))
    for name, data in valid_raw.items():
        with open(os.path.join(out, "valid-" + name), "wb") as f:
            f.write(data)
    for name, data in malformed.items():
        with open(os.path.join(out, "bad-" + name), "wb") as f:
            f.write(data)


main()

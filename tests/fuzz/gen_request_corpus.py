#!/usr/bin/python3
# gen_request_corpus.py -- writes the seed corpus of fuzz_request with Python's msgpack: a
# session byte (see tests/fuzz/fuzz_request.c) and a request frame for every op, from several
# sessions, and envelope-mode inputs (the harness seals and signs the note itself).
# Run from the source root:  /usr/bin/python3 tests/fuzz/gen_request_corpus.py tests/fuzz/corpus/request
# Output is deterministic.
import os
import sys

import msgpack

ANNA, SUNE, PIA, PER, AUD, STRANGER = 0, 1, 2, 3, 4, 6

requests = {
    "ping": {"op": "ping"},
    "whoami": {"op": "whoami"},
    "enroll": {"op": "enroll", "invite": "ABCD-EFGH-IJKL", "card": b"\x01" * 40},
    "audit-checkpoint": {"op": "audit.checkpoint"},
    "audit-entries": {"op": "audit.entries", "start": 0, "count": 100},
    "audit-inclusion": {"op": "audit.inclusion", "seq": 3},
    "audit-consistency": {"op": "audit.consistency", "old_size": 3, "size": 9},
    "member-invite": {"op": "member.invite", "role": "ssp", "name": "Kari", "ttl": 86400},
    "member-invite-badrole": {"op": "member.invite", "role": "chief", "name": "Kari"},
    "member-list": {"op": "member.list"},
    "member-show": {"op": "member.show", "who": "Anna"},
    "member-role": {"op": "member.role", "who": "Per", "role": "police"},
    "member-revoke": {"op": "member.revoke", "who": "Per"},
    "member-proof": {"op": "member.proof", "who": "Sune", "old_size": 2},
    "area-add": {"op": "area.add", "name": "Sentrum", "description": "bydel \u00e6\u00f8\u00e5"},
    "area-list": {"op": "area.list"},
    "area-update": {"op": "area.update", "area": "Sentrum",
                    "boundary": [10.1, 56.1, 10.2, 56.1, 10.2, 56.2, 10.1, 56.1]},
    "area-status": {"op": "area.status", "area": "Sentrum"},
    "obs-add": {"op": "observation.add", "area": "Sentrum", "kind": "challenge",
                "category": "gathering", "level": "area", "text": "mange unge ved stationen",
                "lat": 56.15, "lon": 10.2},
    "obs-add-group": {"op": "observation.add", "area": "Sentrum", "kind": "challenge",
                      "category": "gathering", "level": "group", "text": "en gruppe", "size": 6},
    "obs-add-small-group": {"op": "observation.add", "area": "Sentrum", "kind": "resource",
                            "category": "c", "level": "group", "text": "t", "size": 4},
    "obs-add-individual": {"op": "observation.add", "area": "Sentrum", "kind": "challenge",
                           "category": "c", "level": "individual", "text": "Jens 14 år"},
    "obs-add-cpr": {"op": "observation.add", "area": "Sentrum", "kind": "challenge",
                    "category": "c", "level": "area", "text": "cpr 010203-1234"},
    "obs-list": {"op": "observation.list", "area": "Sentrum", "since": 0},
    "obs-update": {"op": "observation.update", "observation": 4, "text": "x"},
    "obs-withdraw": {"op": "observation.withdraw", "observation": 4, "reason": "personal_data"},
    "iv-add": {"op": "intervention.add", "area": "Sentrum", "level": "area", "step": "map",
               "text": "gadeplan", "owner": "Anna", "due": 1800000000},
    "iv-list": {"op": "intervention.list", "overdue": True, "status": "running"},
    "iv-update": {"op": "intervention.update", "intervention": 2, "status": "done",
                  "outcome": "ro"},
    "note-list": {"op": "note.list"},
    "note-fetch": {"op": "note.fetch", "note": b"\x00" * 16},
    "note-ack": {"op": "note.ack", "note": b"\x01" * 16},
    "note-send-junk": {"op": "note.send", "envelope": b"SVNE" + bytes(range(200))},
    "link-add": {"op": "link.add", "resource": 3, "challenge": 4},
    "link-remove": {"op": "link.remove", "link": 1},
    "link-list": {"op": "link.list", "area": "Sentrum"},
    "meeting-add": {"op": "meeting.add", "area": "Sentrum", "track": "area", "time": 1700000000,
                    "title": "Områdemøde", "attendees": ["Anna", "Per"],
                    "agenda": ["Nyt siden sidst", ""]},
    "meeting-add-core": {"op": "meeting.add", "area": "Sentrum", "track": "core",
                         "time": 1700000000, "title": "Kerneteam"},
    "meeting-list": {"op": "meeting.list", "track": "core"},
    "meeting-show": {"op": "meeting.show", "meeting": 1, "track": "area"},
    "meeting-item": {"op": "meeting.item", "meeting": 1, "text": "punkt", "observation": 2},
    "meeting-minutes": {"op": "meeting.minutes", "meeting": 1, "text": "referat"},
    "meeting-decide": {"op": "meeting.decide", "meeting": 1, "text": "indsats", "level": "area",
                       "step": "act", "owner": "Per"},
    "meeting-draft": {"op": "meeting.draft", "area": "Sentrum", "track": "core"},
    "concern-intake": {"op": "concern.intake"},
    "receipt-status": {"op": "receipt.status", "receipt": b"\x07" * 16},
    "concern-list": {"op": "concern.list", "status": "open"},
    "concern-fetch": {"op": "concern.fetch", "concern": 1},
    "concern-assign": {"op": "concern.assign", "concern": 1, "who": "Sune"},
    "concern-close": {"op": "concern.close", "concern": 1},
    "actor-add": {"op": "actor.add", "area": "Sentrum", "name": "Klubben", "category": "klub",
                  "form": "partnership", "description": "fritidsklub"},
    "actor-update": {"op": "actor.update", "actor": 1, "form": "exchange"},
    "actor-tie": {"op": "actor.tie", "actor": 1, "peer": 2, "text": "samarbejde"},
    "actor-untie": {"op": "actor.untie", "actor": 1, "peer": 2},
    "actor-list": {"op": "actor.list", "area": "Sentrum"},
}

sessions = {"anna": ANNA, "per": PER, "aud": AUD, "stranger": STRANGER}

# envelope mode: op (0 note.send, 1 concern.submit, 2 concern.answer, 3 meeting.minutes),
# signer, class, purpose, area, recipients (bit per member: 0 Anna .. 5 Rita, 6 a stranger),
# then the body.
envelopes = {
    "note-regime": (ANNA, [0, ANNA, 0, 1, 1, 0b0000110], b"om Jens"),
    "note-to-partner": (ANNA, [0, ANNA, 0, 1, 1, 0b0001000], b"om Jens"),
    "note-no-purpose": (SUNE, [0, SUNE, 0, 0, 0, 0b0000101], b"x"),
    "note-investigation": (PIA, [0, PIA, 0, 3, 2, 0b0000011], b"x"),
    "note-area": (PER, [0, PER, 2, 0, 1, 0b0000001], b"area"),
    "note-revoked-rcpt": (ANNA, [0, ANNA, 0, 1, 0, 0b0100000], b"x"),
    "note-stranger-rcpt": (ANNA, [0, ANNA, 0, 1, 0, 0b1000000], b"x"),
    "note-wrong-signer": (ANNA, [0, SUNE, 0, 1, 0, 0b0000010], b"x"),
    "concern-submit": (PER, [1, PER, 1, 2, 1, 0b0000111], b"bekymring"),
    "concern-submit-to-partner": (PER, [1, PER, 1, 2, 1, 0b0001001], b"bekymring"),
    "concern-answer": (SUNE, [2, SUNE, 0, 2, 0, 0b0000001], b"svar"),
    "minutes-core": (ANNA, [3 | 0, ANNA, 4, 0, 8, 0b0000111], b"referat"),
}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    n = 0
    for name, req in requests.items():
        for who, s in sessions.items():
            frame = msgpack.packb(dict({"id": 100 + n}, **req), use_bin_type=True)
            with open(os.path.join(out, "%s-%s" % (name, who)), "wb") as f:
                f.write(bytes([s]) + frame)
            n += 1
    for name, (s, head, body) in envelopes.items():
        with open(os.path.join(out, "env-" + name), "wb") as f:
            f.write(bytes([s | 8] + head) + body)


main()

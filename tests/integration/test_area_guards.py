"""test_area_guards.py -- the area-data guards in their Unicode forms against a real daemon:
CPR numbers written with invisible characters, other spaces and dashes, dotted dates and
non-ASCII digits are refused as personal_data (by the daemon over the wire, and by the CLI
before anything is sent), ordinary text is accepted, and area names and categories with
invisible or bidi characters or mixed-script look-alikes are refused as invalid."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from areatest import Team  # noqa: E402
from svtest import check  # noqa: E402

CPR_FORMS = [
    "nr 010190\u200b1234",             # zero-width space
    "nr 0101\u200b901234",
    "nr 010190\u00a01234",             # no-break space
    "nr 010190\u202f1234",             # narrow no-break space
    "nr 010190\u00ad1234",             # soft hyphen
    "nr 010190\u20141234",             # em dash
    "nr 010190\uff0d1234",             # fullwidth hyphen-minus
    "nr 010190\ufe631234",             # small hyphen-minus
    "nr 01.01.90-1234",
    "nr 010190 - 1234",
    "nr \uff10\uff11\uff10\uff11\uff19\uff10\uff0d\uff11\uff12\uff13\uff14",  # fullwidth
    "nr \u0660\u0661\u0660\u0661\u0669\u0660-\u0661\u0662\u0663\u0664",      # Arabic-Indic
    "nr \u0966\u0967\u0966\u0967\u096f\u0966\u0967\u0968\u0969\u096a",       # Devanagari
]
ALLOWED = [
    "Mødes kl. 19:30 den 12.03.2024 i fælleshuset, tlf 12 34 56 78",
    "betalt 01.02.24 2500 kr., +45 1234\u00a05678",
    "Perioden 01.01.90-31.12.90 og 1990\u20142024",
    "nr 010190  1234 og 010190--1234",  # two spaces, two dashes: as the ASCII rules say
]

team = Team([("anna", "coordinator"), ("pia", "partner")])
d = team.daemon
try:
    d.start()
    team.run_ok("anna", "area", "add", "Vollsmose")
    pia = team.wire("pia")
    base = dict(area="Vollsmose", kind="challenge", category="tryghed", level="area")
    for text in CPR_FORMS:
        r = pia.call("observation.add", text=text, **base)
        check(not r["ok"] and r["error"]["code"] == "personal_data",
              "daemon accepted %r: %r" % (text, r))
        team.run_fail("pia", 1, "personal_data", "observe", "Vollsmose", "--challenge",
                      "--category", "tryghed", text)
    for text in ALLOWED:
        r = pia.call("observation.add", text=text, **base)
        check(r["ok"], "daemon refused ordinary text %r: %r" % (text, r))
    n = len(pia.call("observation.list", area="Vollsmose")["result"]["observations"])
    check(n == len(ALLOWED), "only the ordinary texts were stored: %d" % n)

    # Labels: the look-alikes of an existing name cannot be added next to it.
    anna = team.wire("anna")
    for name, why in [("Vollsmose\u200b", "invisible"), ("Voll\u200dsmose", "invisible"),
                      ("\u202eVollsmose", "invisible"), ("V\u043ellsmose", "alphabets"),
                      ("Vollsmos\u0435", "alphabets"), ("Vollsmose\u00a0", "space"),
                      ("Cafe\u0301", "accent")]:
        r = anna.call("area.add", name=name)
        check(not r["ok"] and r["error"]["code"] == "invalid" and why in r["error"]["message"],
              "area %r: %r" % (name, r))
        team.run_fail("anna", 1, why, "area", "add", name)
        r = pia.call("observation.add", text="x", **dict(base, category=name))
        check(not r["ok"] and r["error"]["code"] == "invalid", "category %r: %r" % (name, r))
    for name in ("Gellerup-Toveshøj", "Blok\u00a04", "Café Salam \u0633\u0644\u0627\u0645",
                 "\u0412\u043e\u043b\u043b\u0441\u043c\u043e\u0441\u0435"):
        r = anna.call("area.add", name=name)
        check(r["ok"], "area %r refused: %r" % (name, r))
    pia.close()
    anna.close()
    print("ok: %d CPR forms refused, %d ordinary texts kept, look-alike labels refused"
          % (len(CPR_FORMS), len(ALLOWED)))
finally:
    team.cleanup()

"""test_area_results.py -- observation.add answers with the observation as stored: its result is
the very map observation.list (and observation.update) give for it afterwards, with and without
a size and coordinates, with non-ASCII text and extreme coordinates."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from svtest import Daemon, check  # noqa: E402
from svmember import Identity  # noqa: E402


def main():
    tmp = tempfile.mkdtemp(prefix="svareares.")
    anna = Identity("Anna Ærø-Sørensen")
    d = Daemon(admin_card=anna.write_card(os.path.join(tmp, "anna.card")))
    try:
        d.start()
        c = anna.connect(d)
        check(c.call("area.add", name="Gellerup Ø")["ok"], "area added")
        cases = [
            dict(kind="resource", category="fritid", level="area", text="Gospelkoret øver 🎶"),
            dict(kind="challenge", category="tryghed", level="group", size=12,
                 text="En gruppe samles ved\nstien", lat=-90.0, lon=180.0),
            # Within 25 km of the pole point above (an area's points lie close together).
            dict(kind="resource", category="x", level="area", text="y" * 4000,
                 lat=-89.912345678901, lon=-10.131800000001),
            dict(kind="challenge", category="idræt", level="group", size=5, text="z"),
        ]
        added = []
        for args in cases:
            r = c.call("observation.add", area="Gellerup Ø", **args)
            check(r["ok"], "observation.add %r: %r" % (args, r))
            added.append(r["result"])
        listed = c.call("observation.list", area="Gellerup Ø")
        check(listed["ok"], "observation.list: %r" % listed)
        obs = listed["result"]["observations"]
        check(len(obs) == len(added), "every observation listed: %d of %d" % (len(obs), len(added)))
        for a, o in zip(added, obs):
            check(a == o, "the add result is the stored observation:\n  add  %r\n  list %r" % (a, o))
            check(a["author"] == "Anna Ærø-Sørensen" and a["area"] == "Gellerup Ø",
                  "author and area names: %r" % a)
        check("size" not in added[0] and "lat" not in added[0], "no size or place when none given")
        check(added[1]["size"] == 12 and added[1]["lat"] == -90.0 and added[1]["lon"] == 180.0,
              "size and extreme coordinates kept: %r" % added[1])
        # An update answers with the stored row too: it agrees with the add's view of the rest.
        u = c.call("observation.update", observation=added[0]["id"], text="Koret øver nu onsdag")
        check(u["ok"], "update: %r" % u)
        same = {k: v for k, v in u["result"].items() if k not in ("text", "updated")}
        want = {k: v for k, v in added[0].items() if k not in ("text", "updated")}
        check(same == want, "update result agrees with the add result: %r vs %r" % (same, want))
        c.close()
        check(d.stop() == 0, "clean exit")
    finally:
        d.cleanup()


if __name__ == "__main__":
    main()

"""bench_web.py -- figures for `samvirke web`: the time to first paint of an area's map page with
1,000 observations, measured in Debian's chromium with the Performance API (first paint, first
contentful paint, and the moment the page's script has drawn every marker), and the memory
(resident set) of the `samvirke web` process.

Usage: python3 tests/bench/bench_web.py BUILD_DIR [--observations N] [--loads N]
Starts its own daemon and team in a temporary directory (tests/integration/areatest.py), adds
the observations over the wire protocol, starts `samvirke web` as a partner, loads the page
LOADS times in one browser and prints the medians. Run it on an idle machine: figures taken
while other work runs are noisy."""
import argparse
import os
import random
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

ap = argparse.ArgumentParser()
ap.add_argument("build")
ap.add_argument("--observations", type=int, default=1000)
ap.add_argument("--loads", type=int, default=5)
args = ap.parse_args()
build = os.path.abspath(args.build)
os.environ["SAMVIRKED"] = os.path.join(build, "daemon", "samvirked")
os.environ["SAMVIRKE"] = os.path.join(build, "client", "samvirke")

import svtest  # noqa: E402
import areatest  # noqa: E402
import webtest  # noqa: E402

for mod in (svtest, areatest, webtest):
    mod.SAMVIRKED = os.environ["SAMVIRKED"]
    mod.SAMVIRKE = os.environ["SAMVIRKE"]


def rss_kib(pid):
    """VmRSS and VmHWM (peak) of a process, in KiB."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                out[k] = int(v.split()[0])
    return out["VmRSS"], out["VmHWM"]


team = areatest.Team([("anna", "coordinator"), ("pia", "partner")])
web = browser = None
try:
    team.daemon.start()
    team.run_ok("anna", "area", "add", "Vollsmose")
    c = team.wire("pia")
    rnd = random.Random(1)
    t0 = time.time()
    for i in range(args.observations):
        kind = "resource" if i % 2 else "challenge"
        r = c.call("observation.add", area="Vollsmose", kind=kind, category="fritid" if i % 2 else "tryghed",
                   level="area", text="Observation nummer %d i Vollsmose" % i,
                   lat=55.400 + rnd.random() * 0.02, lon=10.425 + rnd.random() * 0.03)
        svtest.check(r["ok"], "observation.add: %r" % r)
    c.close()
    add_s = time.time() - t0
    web = webtest.Web(team, "pia")
    rss0, _ = rss_kib(web.proc.pid)
    browser = webtest.Browser()
    b = browser
    b.login(web)
    fp, fcp, drawn, done = [], [], [], []
    for _ in range(args.loads):
        b.d.get(web.base + "/area?name=Vollsmose")
        b.wait(lambda: b.d.execute_script("return performance.getEntriesByName('sv-page-done').length") == 1,
               "the page is drawn", timeout=120)
        n = len(b.find_all("#map path.sv-marker"))
        svtest.check(n == args.observations, "%d markers drawn, want %d" % (n, args.observations))
        paint = {e["name"]: e["startTime"] for e in
                 b.d.execute_script("return performance.getEntriesByType('paint').map(e => e.toJSON())")}
        fp.append(paint["first-paint"])
        fcp.append(paint["first-contentful-paint"])
        drawn.append(b.d.execute_script("return performance.getEntriesByName('sv-map-drawn')[0].startTime"))
        done.append(b.d.execute_script("return performance.getEntriesByName('sv-page-done')[0].startTime"))
    rss, hwm = rss_kib(web.proc.pid)
    print("map page of an area with %d observations (%d loads in chromium, median):" %
          (args.observations, args.loads))
    print("  first paint              %7.0f ms" % statistics.median(fp))
    print("  first contentful paint   %7.0f ms" % statistics.median(fcp))
    print("  map with all %d markers %6.0f ms  (the page's mark, one frame after drawing them)" %
          (args.observations, statistics.median(drawn)))
    print("  list of all %d done     %6.0f ms" % (args.observations, statistics.median(done)))
    print("samvirke web (%s) resident memory: %.1f MiB at start, %.1f MiB after the loads, "
          "peak %.1f MiB" % (os.path.basename(build), rss0 / 1024, rss / 1024, hwm / 1024))
    print("(setting up: %d observation.add over the wire in %.1f s)" % (args.observations, add_s))
finally:
    if browser:
        browser.quit()
    if web:
        web.stop()
    team.cleanup()

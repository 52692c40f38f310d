"""test_tracks_docs.py -- what people take to a meeting, made by the real CLI from a real daemon:
the actors and their ties (with the guards), the network map as Graphviz DOT (which dot parses)
and SVG, the area's wall map with links, interventions, markers numbered by observation id and
spread when they share a point and the area's outline (rendered with rsvg-convert and checked
for the new elements), GeoJSON with points, link lines and the outline, spreadsheets (CSV) that
parse with the formula guard in place, and the printable meeting pack. SAMVIRKE_KEEP_DOCS=DIR
keeps the files (and PNG renderings) for a person to look at."""
import csv
import html.parser
import io
import json
import os
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from areatest import Team  # noqa: E402
from svtest import check  # noqa: E402
from webtest import png_pixels, region_colors  # noqa: E402

NS = "{http://www.w3.org/2000/svg}"


def png_colours(path):
    """The set of distinct RGB colours of a PNG, sampled every 4 pixels: enough to tell a blank
    picture from a drawn one."""
    png = png_pixels(open(path, "rb").read())
    return {bytes(c) for c in region_colors(png, 0, 0, png[0], png[1], step=4)}


def render(svg_path):
    png = svg_path + ".png"
    subprocess.run(["rsvg-convert", "-z", "0.5", svg_path, "-o", png], check=True)
    return png


team = Team([("anna", "coordinator"), ("sune", "ssp"), ("pia", "partner")])
d = team.daemon
out_dir = os.path.join(team.home, "docs")
os.makedirs(out_dir)
try:
    d.start()
    team.run_ok("anna", "area", "add", "Vollsmose", "--description", "Boligområde i Odense Øst")
    outline = os.path.join(out_dir, "outline.geojson")
    json.dump({"type": "Feature", "properties": {"name": "Vollsmose"},
               "geometry": {"type": "Polygon", "coordinates": [[
                   [10.4280, 55.4040], [10.4420, 55.4040], [10.4420, 55.4120],
                   [10.4280, 55.4120], [10.4280, 55.4040]]]}}, open(outline, "w"))
    out = team.run_ok("anna", "area", "update", "Vollsmose", "--boundary", outline)
    check("outline has 4 points" in out, out)
    team.run_fail("pia", 1, "denied", "area", "update", "Vollsmose", "--no-boundary")
    ids = {}
    for key, args in (
            ("kor", ["--resource", "--category", "fritid", "--at", "55.4085,10.4353",
                     "Gospelkor i beboerhuset"]),
            ("unge", ["--challenge", "--category", "tryghed", "--group", "--size", "8", "--at",
                      "55.4085,10.4353", "Unge samles ved p-kælderen"]),
            ("hash", ["--challenge", "--category", "tryghed", "--at", "55.4060,10.4335",
                      "Hashsalg ved tunnelen"]),
            ("cafe", ["--resource", "--category", "skole", "=HYPERLINK(\"http://x\";\"klik\")"])):
        ids[key] = team.run_json("pia", "observe", "Vollsmose", *args)["id"]
    team.run_ok("pia", "link", "add", "--resource", str(ids["kor"]), "--challenge",
                str(ids["unge"]))
    iv = team.run_json("pia", "intervention", "add", "Vollsmose", "--level", "area", "--step",
                       "act", "--due", str(int(time.time()) - 3600), "Natteravne ved tunnelen")
    team.run_ok("pia", "link", "add", "--intervention", str(iv["id"]), "--challenge",
                str(ids["hash"]))
    team.run_ok("pia", "link", "add", "--intervention", str(iv["id"]), "--resource",
                str(ids["kor"]))

    # --- actors and their ties ---------------------------------------------------------------
    a1 = team.run_json("pia", "actor", "add", "Vollsmose", "Moskéen", "--category",
                       "religiøst samfund", "--form", "exchange")
    a2 = team.run_json("pia", "actor", "add", "Vollsmose", "Fædregruppen", "--category",
                       "forening", "--form", "co-creation", "--description", "Natteravne")
    a3 = team.run_json("anna", "actor", "add", "Vollsmose", "Boligforeningen \"Øst\"",
                       "--category", "boligsocial", "--form", "partnership")
    team.run_fail("pia", 1, "conflict", "actor", "add", "Vollsmose", "Moskéen", "--category",
                  "x", "--form", "exchange")
    team.run_fail("pia", 2, "--form", "actor", "add", "Vollsmose", "X", "--category", "x",
                  "--form", "friendship")
    team.run_fail("pia", 1, "personal_data", "actor", "add", "Vollsmose", "Far 010190-1234",
                  "--category", "x", "--form", "exchange")
    pia = team.wire("pia")
    r = pia.call("actor.add", area="Vollsmose", name="Kontakt 0101901234", category="x",
                 form="exchange")
    check(r["error"]["code"] == "personal_data", repr(r))
    r = pia.call("actor.add", area="Vollsmose", name="X", category="x", form="friends")
    check(r["error"]["code"] == "invalid", repr(r))
    team.run_ok("pia", "actor", "tie", str(a2["id"]), str(a3["id"]), "lokaler", "i", "kælderen")
    team.run_ok("pia", "actor", "tie", str(a1["id"]), str(a2["id"]))
    team.run_fail("pia", 1, "conflict", "actor", "tie", str(a3["id"]), str(a2["id"]))
    team.run_fail("pia", 1, "invalid", "actor", "tie", str(a1["id"]), str(a1["id"]))
    up = team.run_json("sune", "actor", "update", str(a1["id"]), "--form", "partnership")
    check(up["form"] == "partnership", repr(up))
    team.run_ok("pia", "actor", "untie", str(a1["id"]), str(a2["id"]))
    team.run_fail("pia", 1, "not_found", "actor", "untie", str(a1["id"]), str(a2["id"]))
    lst = team.run_json("pia", "actor", "list", "Vollsmose")
    check([a["name"] for a in lst["actors"]] == ["Boligforeningen \"Øst\"", "Fædregruppen",
                                                 "Moskéen"] and len(lst["ties"]) == 1, repr(lst))

    # --- the network map: DOT that Graphviz parses, and its SVG ------------------------------
    dot_path, net_svg = os.path.join(out_dir, "net.dot"), os.path.join(out_dir, "net.svg")
    team.run_ok("pia", "network", "Vollsmose", "--dot", dot_path, "--svg", net_svg)
    dot = open(dot_path).read()
    check("Kerneteamet" in dot and "reel samskabelse" in dot and "a2 -- a3" in dot, dot)
    p = subprocess.run(["dot", "-Tplain", dot_path], capture_output=True, text=True)
    check(p.returncode == 0, "dot parses the graph: %s" % p.stderr)
    nodes = [ln.split()[1] for ln in p.stdout.splitlines() if ln.startswith("node ")]
    check(sorted(nodes) == sorted(["team", "a%d" % a1["id"], "a%d" % a2["id"], "a%d" % a3["id"]]),
          "nodes: %r" % nodes)
    root = ET.parse(net_svg).getroot()
    texts = " ".join("".join(t.itertext()) for t in root.iter(NS + "text"))
    for frag in ("Kerneteamet", "Moskéen", "Fædregruppen", "Boligforeningen \"Øst\"",
                 "partnerskab", "lokaler i kælderen"):
        check(frag in texts, "network SVG lacks %r: %s" % (frag, texts))
    check(len(png_colours(render(net_svg))) > 8, "the network map renders")
    team.run_ok("pia", "network", "Vollsmose", "--dot", dot_path, "--lang", "en")
    check("The core team" in open(dot_path).read(), "English network map")

    # --- the wall map ------------------------------------------------------------------------
    svg = os.path.join(out_dir, "map.svg")
    team.run_ok("pia", "map", "Vollsmose", "--svg", svg)
    root = ET.parse(svg).getroot()
    check(root.get("{http://www.w3.org/XML/1998/namespace}lang") == "da", "Danish by default")
    texts = ["".join(t.itertext()) for t in root.iter(NS + "text")]
    joined = " ".join(texts)
    for frag in ("Vollsmose", "Ressource", "Udfordring", "Områdegrænse", "Indsatser",
                 "I%d" % iv["id"], "overskredet", "kan imødekomme #%d" % ids["unge"],
                 "adresserer #%d" % ids["hash"], "Ikke på kortet"):
        check(frag in joined, "map lacks %r" % frag)
    for key in ("kor", "unge", "hash"):  # numbered by observation id
        check(str(ids[key]) in texts, "marker %d" % ids[key])
    classes = [e.get("class") for e in root.iter() if e.get("class")]
    check(classes.count("boundary") == 1 and classes.count("link") == 1 and
          classes.count("iv-link") == 2 and classes.count("leader") == 2,
          "outline, a link, the intervention's two links and two spread markers: %r" % classes)
    # The legend lies under the map frame, never over the map (where it hid the outline).
    frame = next(e for e in root.iter(NS + "rect") if e.get("fill") == "#f3f1ea")
    legend = next(e for e in root.iter(NS + "g") if e.get("class") == "legend")
    frame_bottom = float(frame.get("y")) + float(frame.get("height"))
    for e in legend.iter():
        for attr in ("y", "cy", "y1", "y2"):
            if e.get(attr) is not None:
                check(float(e.get(attr)) >= frame_bottom,
                      "legend part %s %s=%s over the map (ends at y=%g)" % (
                          e.tag, attr, e.get(attr), frame_bottom))
    check(float(root.get("height")) >= float(legend.find(NS + "rect").get("y")) +
          float(legend.find(NS + "rect").get("height")), "the legend fits in the picture")
    png = render(svg)
    colours = png_colours(png)
    for rgb in ((0x1a, 0x98, 0x50), (0xd7, 0x30, 0x27), (0x2e, 0x6d, 0xa4)):
        check(bytes(rgb) in colours, "the rendered map shows colour %r" % (rgb,))
    team.run_ok("pia", "map", "Vollsmose", "--svg", svg, "--lang", "en")
    joined = " ".join("".join(t.itertext()) for t in ET.parse(svg).getroot().iter(NS + "text"))
    check("Resource" in joined and "Area boundary" in joined and "Ressource" not in joined,
          "English map")
    team.run_fail("pia", 2, "--lang", "map", "Vollsmose", "--svg", svg, "--lang", "de")

    # --- GeoJSON -----------------------------------------------------------------------------
    gj = json.loads(team.run_ok("pia", "map", "Vollsmose", "--geojson", "-"))
    kinds = [f["geometry"]["type"] for f in gj["features"]]
    check(kinds.count("Point") == 3 and kinds.count("LineString") == 1 and
          kinds.count("Polygon") == 1, repr(kinds))
    poly = [f for f in gj["features"] if f["geometry"]["type"] == "Polygon"][0]
    ring = poly["geometry"]["coordinates"][0]
    check(ring[0] == ring[-1] and len(ring) == 5, "a closed ring: %r" % ring)
    line = [f for f in gj["features"] if f["geometry"]["type"] == "LineString"][0]
    check(line["properties"]["from"] == ids["kor"] and line["properties"]["to"] == ids["unge"],
          repr(line))
    kor = [f for f in gj["features"] if f.get("id") == ids["kor"]][0]
    check(kor["properties"]["links"] == [ids["unge"]] and
          kor["properties"]["interventions"] == [iv["id"]], repr(kor))

    # --- spreadsheets ------------------------------------------------------------------------
    obs_csv = os.path.join(out_dir, "observationer.csv")
    iv_csv = os.path.join(out_dir, "indsatser.csv")
    act_csv = os.path.join(out_dir, "aktorer.csv")
    team.run_ok("pia", "export", "Vollsmose", "--observations", obs_csv, "--interventions",
                iv_csv, "--actors", act_csv)
    raw = open(obs_csv, "rb").read()
    check(raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw, "BOM and CRLF")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
    check(rows[0][:4] == ["id", "type", "kategori", "niveau"], repr(rows[0]))
    by_id = {int(r[0]): r for r in rows[1:]}
    check(set(by_id) == set(ids.values()), repr(by_id.keys()))
    check(by_id[ids["cafe"]][7].startswith("'="), "formula guard: %r" % by_id[ids["cafe"]])
    check(by_id[ids["unge"]][4] == "8" and by_id[ids["unge"]][3] == "gruppe", repr(by_id))
    check(float(by_id[ids["kor"]][5]) == 55.4085, "latitude: %r" % by_id[ids["kor"]])
    check("I%d" % iv["id"] in by_id[ids["hash"]][10], "links column: %r" % by_id[ids["hash"]])
    rows = list(csv.reader(io.StringIO(open(iv_csv, encoding="utf-8-sig", newline="").read()),
                           delimiter=";"))
    header = rows[0]
    r = dict(zip(header, rows[1]))
    check(r["status"] == "planlagt" and r["overskredet"] == "ja" and
          r["adresserer udfordringer"] == "#%d" % ids["hash"] and
          r["bruger ressourcer"] == "#%d" % ids["kor"], repr(r))
    rows = list(csv.reader(io.StringIO(open(act_csv, encoding="utf-8-sig", newline="").read()),
                           delimiter=";"))
    r = {row[1]: dict(zip(rows[0], row)) for row in rows[1:]}
    check(r["Fædregruppen"]["samarbejdsform"] == "reel samskabelse" and
          r["Fædregruppen"]["forbindelser"] == "Boligforeningen \"Øst\"", repr(r))
    en = team.run_ok("pia", "export", "Vollsmose", "--actors", "-", "--lang", "en")
    rows = list(csv.reader(io.StringIO(en.lstrip("\ufeff"), newline=""), delimiter=","))
    check(rows[0] == ["id", "name", "category", "form of collaboration", "description", "ties"],
          repr(rows[0]))

    # --- the meeting pack --------------------------------------------------------------------
    m = team.run_json("anna", "meeting", "add", "Vollsmose", "--area", "--at", "+7d",
                      "--title", "Områdemøde", "--with", "anna,pia", "--draft")
    pack = os.path.join(out_dir, "pack.html")
    team.run_ok("pia", "meeting", "pack", str(m["id"]), "--html", pack)
    text = open(pack, encoding="utf-8").read()

    class Collect(html.parser.HTMLParser):
        def __init__(self):
            super().__init__()
            self.tags, self.text = [], []

        def handle_starttag(self, tag, attrs):
            self.tags.append(tag)

        def handle_data(self, data):
            self.text.append(data)

    c = Collect()
    c.feed(text)
    body = " ".join(c.text)
    check("script" not in c.tags and "svg" in c.tags and "table" in c.tags and
          c.tags.count("li") == len(m["agenda"]) > 0, "pack structure: %r" % c.tags[:40])
    for frag in ("Dagsorden", "Åbne indsatser", "Natteravne ved tunnelen", "overskredet",
                 "Deltagere", "Områdemøde"):
        check(frag in body, "pack lacks %r" % frag)

    keep = os.environ.get("SAMVIRKE_KEEP_DOCS")
    if keep:
        for name in os.listdir(out_dir):
            shutil.copy(os.path.join(out_dir, name), keep)
    pia.close()
    rc = d.stop()
    check(rc == 0, "daemon exit status %d" % rc)
    log = d.read_log()
    check("LeakSanitizer" not in log and "runtime error" not in log, "sanitizer report:\n" + log)
    print("tracks docs: ok")
finally:
    team.cleanup()

"""test_web_tiles.py -- a base map in `samvirke web`, in a real browser: with a tile URL
configured (--tiles, here a local tile server), the map's tiles come from there, the notice that
there is no base map is gone, the attribution is shown, the Content-Security-Policy lets images
come from that server only, and nothing else is loaded from anywhere but samvirke web."""
import http.server
import os
import struct
import sys
import threading
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from areatest import Team  # noqa: E402
from svtest import check, free_port  # noqa: E402
from webtest import Browser, Web, close_all  # noqa: E402


def own_resources(b, base):
    """The URLs the page fetched that are not samvirke web's own (a data: URL is no fetch:
    Leaflet blanks a tile it drops with one)."""
    urls = b.d.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    return [u for u in urls if not u.startswith(base + "/") and not u.startswith("data:")]


team = Team([("anna", "coordinator"), ("pia", "partner")])
d = team.daemon
webs, browser, tiles = [], None, None
try:
    d.start()
    team.run_ok("anna", "area", "add", "Vollsmose")
    team.run_ok("pia", "observe", "Vollsmose", "--resource", "--category", "fritid",
                "--at", "55.4085,10.4353", "Gospelkor i beboerhuset")
    browser = Browser()
    b = browser
    # --- a local tile server: one plain 256x256 PNG for every tile --------------------------
    hits = []

    def chunk(k, data):
        c = struct.pack(">I", len(data)) + k + data
        return c + struct.pack(">I", zlib.crc32(k + data) & 0xffffffff)
    TILE = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 256, 256, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(b"".join(b"\x00" + b"\xdd\xe4\xd0" * 256 for _ in range(256)))) +
            chunk(b"IEND", b""))

    class Tiles(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(TILE)))
            self.end_headers()
            self.wfile.write(TILE)

        def log_message(self, *a):
            pass

    tiles = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Tiles)
    threading.Thread(target=tiles.serve_forever, daemon=True).start()
    turl = "http://127.0.0.1:%d/{z}/{x}/{y}.png" % tiles.server_address[1]
    pia = Web(team, "pia", ["--tiles", turl, "--tiles-attribution", "Testkort"])
    webs.append(pia)
    check("base map from the configured tiles" in pia.banner, pia.banner)
    b.login(pia, "/area?name=Vollsmose")
    b.wait(lambda: len(b.find_all("#map img.leaflet-tile-loaded")) > 0, "tiles from the tile URL")
    check(hits and all(h.count("/") == 3 and h.endswith(".png") for h in hits), repr(hits[:5]))
    check(not b.find("#map-notice").is_displayed(), "no notice when a base map is configured")
    check("Testkort" in b.text("#map"), "the attribution is shown")
    st, h, _ = pia.http("GET", "/", {"Cookie": pia.login_cookie()})
    csp = h.get("content-security-policy", "")
    check("img-src 'self' http://127.0.0.1:%d" % tiles.server_address[1] in csp and
          "default-src 'self'" in csp and "script-src" not in csp.replace("default-src", ""),
          "the CSP lets images come from the tile server only: %r" % csp)
    others = [u for u in own_resources(b, pia.base) if not u.startswith(turl.split("{")[0])]
    check(others == [], "nothing but samvirke web and the tiles: %r" % others)
finally:
    if tiles:
        tiles.shutdown()
    close_all(browser, webs, team)
print("ok")

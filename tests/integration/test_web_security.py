"""test_web_security.py -- the local interface of `samvirke web` defends itself: loopback only;
the launch token becomes an HttpOnly, SameSite=Strict cookie; a foreign Host (DNS rebinding), a
missing token, another local page (Origin, Sec-Fetch-Site), a missing or wrong CSRF token are
refused; every answer carries the CSP and the data answers no-store; garbage of every kind gets
a clear answer and never crashes it; a missing Leaflet gives a clear page. Raw HTTP for the
exact headers, and Debian's chromium for what a browser really does."""
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from areatest import Team  # noqa: E402
from svtest import SAMVIRKE, check, free_port  # noqa: E402
from webtest import Browser, Web  # noqa: E402

team = Team([("anna", "coordinator"), ("pia", "partner")], conf={"idle_timeout_ms": 1000})
d = team.daemon
web = web2 = browser = evil = None


def areas():
    return [a["name"] for a in team.run_json("anna", "area", "list")["areas"]]


try:
    d.start()
    team.run_ok("anna", "area", "add", "Vollsmose")

    # --- loopback only ---------------------------------------------------------------------
    for addr in ("0.0.0.0:0", "192.168.1.10:8080", "[::]:0"):
        rc, out, err = team.cli("pia", "web", "--listen", addr)
        check(rc == 2 and "loopback" in err and err.count("\n") == 1,
              "--listen %s is refused: %d %r" % (addr, rc, err))
    rc, out, err = team.cli("pia", "web", "--tiles", "https://tiles.example.dk/{z}/{x}.png")
    check(rc == 1 and "{y}" in err, "a tile URL without {y} is refused: %d %r" % (rc, err))

    web = Web(team, "pia")
    check("no base map configured" in web.banner, "the banner says there is no base map")

    # --- the token and the cookie ----------------------------------------------------------
    st, h, body = web.http("GET", "/")
    check(st == 401 and b"Ikke logget ind" in body, "no token, no page: %d" % st)
    check("default-src 'self'" in h.get("content-security-policy", ""), "CSP on refusals too")
    st, h, body = web.http("GET", "/api/session")
    check(st == 401 and json.loads(body)["error"]["code"] == "web_login", "no token, no data")
    for bad in ("", "0" * 64, web.token[:-1], web.token + "0", web.token.upper(),
                web.token[:-1] + ("0" if web.token[-1] != "0" else "1")):
        st, h, body = web.http("GET", "/login?token=" + bad)
        check(st == 403 and "set-cookie" not in h, "a wrong token %r is refused: %d" % (bad, st))
    st, h, body = web.http("GET", "/login")
    check(st == 403, "no token at all is refused")
    st, h, body = web.http("GET", "/login?token=" + web.token)
    check(st == 200, "the right token logs in")
    cookie_line = h["set-cookie"][0]
    check(cookie_line.startswith("sv_session_%d=" % web.port), "a cookie for this port: %r" % cookie_line)
    for attr in ("HttpOnly", "SameSite=Strict", "Path=/"):
        check(attr in cookie_line, "the session cookie is %s: %r" % (attr, cookie_line))
    check(web.token not in cookie_line, "the cookie is not the token itself")
    cookie = cookie_line.split(";")[0]
    # The API wants the login's key besides the cookie: a browser sends the cookies of
    # 127.0.0.1 to every port, so another local user's server on another port gets the cookie;
    # the key is handed only to the login page, which keeps it in this origin's localStorage.
    import re
    m = re.search(rb'<meta name="sv-key" content="([0-9a-f]{64})">', body)
    check(m is not None and b'src="/static/login.js"' in body, "the login page holds the key")
    key = m.group(1).decode()
    check(key not in cookie_line and key != web.token and key not in cookie,
          "the key is neither the cookie nor the token")
    check(h.get("cache-control") == "no-store", "the login page is no-store: %r" % h)
    for bad in (None, "", "0" * 64, key[:-1], key.upper(), key + "0"):
        st, _, body = web.http("GET", "/api/session", {"Cookie": cookie, "X-SV-Key": bad})
        check(st == 401 and json.loads(body)["error"]["code"] == "web_login",
              "the cookie with key %r reads nothing: %d" % (bad, st))
    st, _, _ = web.http("POST", "/api/area/add", {"Cookie": cookie, "X-SV-Key": None,
                                                  "Origin": "http://" + web.host,
                                                  "Content-Type":
                                                  "application/x-www-form-urlencoded"},
                        body=b"name=Uden%20noegle")
    check(st in (401, 403), "nor changes anything: %d" % st)
    web.keys = getattr(web, "keys", {})
    web.keys[cookie] = key
    st, h, body = web.http("GET", "/", {"Cookie": cookie})
    check(st == 200 and b'data-view="home"' in body, "with the cookie the page is served")
    check(h.get("cache-control") == "no-store", "pages are no-store: %r" % h.get("cache-control"))
    check(h.get("x-frame-options") == "DENY" and h.get("referrer-policy") == "no-referrer", repr(h))
    st, h, body = web.http("GET", "/api/session", {"Cookie": cookie})
    sess = json.loads(body)
    check(st == 200 and sess["member"]["name"] == "pia" and len(sess["csrf"]) == 64, repr(sess))
    check(h.get("cache-control") == "no-store" and h["content-type"].startswith("application/json"), repr(h))
    check(b"<script>" not in web.http("GET", "/", {"Cookie": cookie})[2], "no inline script")
    csrf = sess["csrf"]

    # --- Host: DNS rebinding and other names are refused, even with the cookie --------------
    for host in ("evil.example:%d" % web.port, "127.0.0.1:%d" % (web.port + 1), "127.0.0.1",
                 "localhost.evil.example:%d" % web.port, "[::1]:%d" % web.port):
        st, h, body = web.http("GET", "/api/session", {"Cookie": cookie}, host=host)
        check(st == 403 and b"csrf" not in body and b"pia" not in body,
              "Host %r is refused: %d %r" % (host, st, body[:200]))
    st, h, body = web.http("GET", "/api/session", {"Cookie": cookie}, host="")
    check(st in (400, 403) and b"csrf" not in body, "an empty Host is refused: %d" % st)
    st, h, body = web.http("GET", "/api/session", {"Cookie": cookie, "Host": None})
    check(st in (400, 403) and b"csrf" not in body, "a request without Host is refused: %d" % st)
    st, h, body = web.http("GET", "/api/session", {"Cookie": cookie}, host="localhost:%d" % web.port)
    check(st == 200, "localhost with the right port is this server")

    # --- changes: Origin and CSRF token ----------------------------------------------------
    origin = "http://127.0.0.1:%d" % web.port
    form = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}

    def post(path, body, **hdrs):
        h = dict(form)
        h.update(hdrs)
        return web.http("POST", path, h, body.encode() if isinstance(body, str) else body)

    cases = [
        ({"Origin": origin}, "web_csrf"),                                   # no CSRF token
        ({"Origin": origin, "X-CSRF-Token": "0" * 64}, "web_csrf"),          # a wrong one
        ({"Origin": origin, "X-CSRF-Token": csrf[:-1]}, "web_csrf"),         # one short
        ({"Origin": origin, "X-CSRF-Token": cookie.split("=")[1]}, "web_csrf"),  # the session id
        ({"X-CSRF-Token": csrf}, "web_origin"),                             # no Origin
        ({"Origin": "http://127.0.0.1:%d" % (web.port + 1), "X-CSRF-Token": csrf}, "web_origin"),
        ({"Origin": "null", "X-CSRF-Token": csrf}, "web_origin"),
        ({"Origin": "http://evil.example:%d" % web.port, "X-CSRF-Token": csrf}, "web_origin"),
        ({"Origin": origin, "X-CSRF-Token": csrf, "Sec-Fetch-Site": "same-site"}, "web_origin"),
        ({"Origin": origin, "X-CSRF-Token": csrf, "Sec-Fetch-Site": "none"}, "web_origin"),
    ]
    for hdrs, code in cases:
        st, h, body = post("/api/area/add", "name=Evil", **hdrs)
        check(st in (403,) and json.loads(body)["error"]["code"] == code,
              "refused as %s: %r -> %d %r" % (code, hdrs, st, body))
    check("Evil" not in areas(), "no refused change reached the daemon")
    st, h, body = post("/api/area/add", "name=Tingbjerg", Origin=origin, **{"X-CSRF-Token": csrf})
    check(st == 200 and json.loads(body)["result"]["name"] == "Tingbjerg", "a proper change works: %r" % body)
    check("Tingbjerg" in areas(), "and reaches the daemon")
    check(h.get("cache-control") == "no-store", "answers to changes are no-store")

    # --- Sec-Fetch-Site on reads -----------------------------------------------------------
    for site, path, want in (("same-site", "/api/session", 403), ("cross-site", "/api/areas", 403),
                             ("none", "/api/session", 403), ("cross-site", "/", 403),
                             ("same-site", "/area?name=Vollsmose", 403), ("none", "/", 200),
                             ("same-origin", "/api/areas", 200)):
        st, h, body = web.http("GET", path, {"Cookie": cookie, "Sec-Fetch-Site": site})
        check(st == want, "Sec-Fetch-Site %s on %s: %d, want %d" % (site, path, st, want))

    # --- methods, types, sizes, and garbage ---------------------------------------------------
    st, _, _ = web.http("GET", "/api/area/add", {"Cookie": cookie})
    check(st == 405, "a change by GET is refused: %d" % st)
    st, _, _ = post("/api/areas", "", Origin=origin, **{"X-CSRF-Token": csrf})
    check(st == 405, "a read by POST is refused: %d" % st)
    for m in ("PUT", "DELETE", "OPTIONS", "PATCH"):
        st, _, _ = web.http(m, "/api/areas", {"Cookie": cookie})
        check(st in (405, 501), "%s is refused: %d" % (m, st))
    st, _, body = post("/api/area/add", '{"name":"J"}', Origin=origin,
                       **{"X-CSRF-Token": csrf, "Content-Type": "application/json"})
    check(st == 415, "a JSON body is refused: %d" % st)
    big = "name=x&description=" + "a" * (1200 * 1024)
    st, _, body = post("/api/area/add", big, Origin=origin, **{"X-CSRF-Token": csrf})
    check(st == 413, "a body over the limit is refused: %d" % st)
    ok = dict(Origin=origin, **{"X-CSRF-Token": csrf})
    # the field limit (1 MiB) at both sides: at the limit the field is read (and then found too
    # long for a description), one byte more and the request is refused as too large
    st, _, rb = post("/api/area/add", "name=x&description=" + "a" * (1 << 20), **ok)
    check(st == 422 and json.loads(rb)["error"]["field"] == "description", "a 1 MiB field is read: %d" % st)
    st, _, rb = post("/api/area/add", "name=x&description=" + "a" * ((1 << 20) + 1), **ok)
    check(st == 413, "a field of 1 MiB + 1 byte is refused: %d" % st)
    # the label limit at both sides
    st, _, rb = post("/api/area/add", "name=" + "x" * 64, **ok)
    check(st == 200, "a 64-byte area name is accepted: %d %r" % (st, rb))
    for body, code in (("name=a%00b", 400), ("name=%FF%FE", 422), ("&".join("f%d=1" % i for i in range(100)), 400),
                       ("name=" + "x" * 65, 422), ("name=", 422), ("name=%20lead", 422),
                       ("name=Fri%20010203-1234", 422), ("=x&&&=", 400), ("%%%%", 422)):
        st, _, rb = post("/api/area/add", body, **ok)
        check(st == code, "form %r: %d %r, want %d" % (body[:40], st, rb[:120], code))
        check(json.loads(rb)["ok"] is False, "an error answer")
    st, _, rb = post("/api/area/add", "name=Fri%20010203-1234", **ok)
    e = json.loads(rb)["error"]
    check(e["code"] == "personal_data" and e["field"] == "name" and "nothing was sent" in e["message"], repr(e))
    for path in ("/static/../web_assets.c", "/leaflet/../../../etc/passwd", "/static/app.html",
                 "/static/strings.txt", "/static/", "/leaflet/", "/api/nothing", "/" + "a" * 5000):
        st, _, _ = web.http("GET", path, {"Cookie": cookie})
        check(st in (404, 414), "%r is not served: %d" % (path[:40], st))
    st, _, rb = web.http("GET", "/api/observations?area=%00x", {"Cookie": cookie})
    check(st == 422, "a NUL in a query argument is refused: %d" % st)
    st, _, rb = web.http("GET", "/api/observations?area=Nowhere", {"Cookie": cookie})
    check(st == 404 and json.loads(rb)["error"]["code"] == "not_found", "the daemon's not_found: %r" % rb)
    for raw in (b"\x00\xff garbage\r\n\r\n", b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X: " + b"a" * 200000 + b"\r\n\r\n",
                b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                b"POST /api/area/add HTTP/1.1\r\nHost: %s\r\nContent-Length: -5\r\n\r\n" % web.host.encode(),
                b"GET /" + b"%" * 3000 + b" HTTP/1.1\r\n\r\n", b"\r\n" * 1000, b"GET / HTTP/9.9\r\n\r\n"):
        s = socket.create_connection(("127.0.0.1", web.port), timeout=10)
        try:
            s.sendall(raw)
            s.shutdown(socket.SHUT_WR)
            while s.recv(65536):
                pass
        except OSError:
            pass
        s.close()
    # a body whose end is given two ways (RFC 9112 6.3): refused, and what follows it is not
    # read as a request of its own
    def raw(data):
        s = socket.create_connection(("127.0.0.1", web.port), timeout=5)
        s.sendall(data)
        got = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += chunk
        except socket.timeout:
            pass
        s.close()
        return got
    smuggled = b"GET /api/smuggled HTTP/1.1\r\nHost: %s\r\n\r\n" % web.host.encode()
    for heads in (b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
                  b"Content-Length: 5\r\nContent-Length: 40\r\n"):
        got = raw(b"POST /api/area/add HTTP/1.1\r\nHost: %s\r\n%s\r\n0\r\n\r\n%s"
                  % (web.host.encode(), heads, smuggled))
        check(got.startswith(b"HTTP/1.1 400") and got.count(b"HTTP/1.1 ") == 1,
              "a request framed two ways is refused, the rest not served: %r" % got[:300])
    # a request that stops half-way, and a slow one left hanging
    hang = socket.create_connection(("127.0.0.1", web.port), timeout=10)
    hang.sendall(b"POST /api/area/add HTTP/1.1\r\nHost: %s\r\nContent-Length: 100\r\n\r\nname=" % web.host.encode())
    st, h, body = web.http("GET", "/api/session", {"Cookie": cookie})
    check(st == 200 and web.alive(), "after all that the interface still answers")
    hang.close()

    # --- the session with the daemon: idle close, restart, and the daemon gone -----------------
    time.sleep(1.5)  # the daemon closes the idle session (idle_timeout_ms 1000)
    st, _, body = web.http("GET", "/api/areas", {"Cookie": cookie})
    check(st == 200, "a read after the daemon closed the idle session: %d %r" % (st, body[:200]))
    time.sleep(1.5)
    st, _, body = post("/api/area/add", "name=Efter%20pausen", **ok)
    check(st == 200 and "Efter pausen" in areas(), "a change after an idle close: %d %r" % (st, body[:200]))
    d.stop()
    st, _, body = web.http("GET", "/api/areas", {"Cookie": cookie})
    e = json.loads(body)["error"]
    check(st == 502 and e["code"] == "server_unreachable" and "cannot connect" in e["message"],
          "the daemon gone: %d %r" % (st, e))
    d.start()
    st, _, body = web.http("GET", "/api/areas", {"Cookie": cookie})
    check(st == 200, "after the daemon is back: %d" % st)

    # --- in a real browser ----------------------------------------------------------------
    browser = Browser()
    b = browser
    b.d.get(web.base + "/")
    b.wait(lambda: b.find("#problem-title") is not None, "a refusal page without the token")
    check(b.text("#problem-title") == "Ikke logget ind", "missing token: %r" % b.text("#problem-title"))
    b.login(web)
    check(b.text("#who") == "Du er pia (samarbejdspartner)", "logged in")
    d.stop()
    b.d.get(web.base + "/area?name=Vollsmose")
    b.wait(lambda: b.find("#fatal") is not None, "a page while the daemon is down")
    check("Kan ikke komme i kontakt med samvirke-serveren" in b.text("#fatal") and "cannot connect" in b.text("#fatal"),
          "says so clearly: %r" % b.text("#fatal"))
    d.start()
    # DNS rebinding: evil.example resolves to 127.0.0.1 in this browser
    b.d.get("http://evil.example:%d/" % web.port)
    b.wait(lambda: b.find("#problem-title") is not None, "the rebinding page is refused")
    check(b.text("#problem-title") == "Forkert adresse" and b.find("#who") is None,
          "a foreign Host gets the refusal, not the interface: %r" % b.page_text())
    b.d.get("http://evil.example:%d/api/session" % web.port)
    check("csrf" not in b.page_text(), "no session data under a foreign Host")
    # another local page (another port on 127.0.0.1) tries to make changes
    evil_dir = os.path.join(team.home, "evil")
    os.makedirs(evil_dir)
    target = web.base
    with open(os.path.join(evil_dir, "index.html"), "w") as f:
        f.write('<!DOCTYPE html><html><body><p id="state">working</p>'
                '<form id="f" method="POST" action="%s/api/area/add">'
                '<input name="name" value="EvilForm"></form>'
                '<script src="evil.js"></script></body></html>' % target)
    with open(os.path.join(evil_dir, "evil.js"), "w") as f:
        f.write("""
(async () => {
  const out = [];
  for (const name of ['EvilFetch', 'EvilFetch2']) {
    try {
      const r = await fetch('%s/api/area/add', {method: 'POST', credentials: 'include', mode: 'no-cors',
        headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: 'name=' + name});
      out.push('sent');
    } catch (e) { out.push('blocked'); }
  }
  try {
    const r = await fetch('%s/api/session', {credentials: 'include'});
    out.push('read:' + (await r.text()).slice(0, 40));
  } catch (e) { out.push('noread'); }
  document.getElementById('state').textContent = 'done ' + out.join(' ');
})();
""" % (target, target))
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=evil_dir, **k)
    evil = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    b.d.get("http://127.0.0.1:%d/index.html" % evil.server_address[1])
    b.wait(lambda: b.text("#state").startswith("done"), "the other page's script ran")
    check("csrf" not in b.text("#state"), "the other page could not read the session: %r" % b.text("#state"))
    b.d.execute_script("document.getElementById('f').submit()")
    b.wait(lambda: "web_origin" in b.page_text(), "the cross-site form post is refused as another page")
    check(not any(a.startswith("Evil") for a in areas()), "no other page made a change: %r" % areas())

    # --- a missing Leaflet: a clear page, the rest works -------------------------------------
    web2 = Web(team, "anna", ["--leaflet", os.path.join(team.home, "no-leaflet")])
    check("libjs-leaflet" in web2.stderr(), "a warning at start: %r" % web2.stderr())
    b.login(web2)
    b.wait(lambda: b.find("a.area-link") is not None, "the area list works without Leaflet")
    b.d.get(web2.base + "/area?name=Vollsmose")
    b.wait(lambda: b.find("#problem-title") is not None, "the map page explains")
    check(b.text("#problem-title") == "Kortet kan ikke vises" and "libjs-leaflet" in b.page_text(),
          "the missing-Leaflet page: %r" % b.page_text())
    st, _, body = web2.http("GET", "/leaflet/leaflet.js")
    check(st == 404 and b"libjs-leaflet" in body, "and the script itself says so too")
    check(web.alive() and web2.alive(), "both interfaces are still running")
finally:
    if evil:
        evil.shutdown()
    if browser:
        browser.quit()
    for w in (web, web2):
        if w:
            w.stop()
    team.cleanup()
print("ok")

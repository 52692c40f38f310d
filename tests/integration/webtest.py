"""webtest.py -- helpers for the browser tests of `samvirke web`: start it as a member of a Team
(areatest.py), drive Debian's chromium through chromium-driver with python3-selenium, raw HTTP
requests with chosen headers, and a small PNG reader to look at screenshots."""
import http.client
import os
import re
import select
import shutil
import signal
import struct
import subprocess
import tempfile
import time
import zlib

from svtest import SAMVIRKE, check, fail

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


class Web:
    """`samvirke web` run as one member of team, on a free loopback port."""

    def __init__(self, team, who, extra=()):
        self.team, self.who = team, who
        self.errpath = os.path.join(team.home, "web-%s-%d.err" % (who, time.time_ns()))
        self.err = open(self.errpath, "wb")
        self.proc = subprocess.Popen(
            [SAMVIRKE, "--identity", team.dirs[who], "web", "--listen", "127.0.0.1:0"] + list(extra),
            stdout=subprocess.PIPE, stderr=self.err)
        out = b""
        deadline = time.time() + 30
        while b"Ctrl-C" not in out:
            if time.time() > deadline or self.proc.poll() is not None:
                self.proc.kill()
                fail("samvirke web did not start: %r\n%s" % (out, self.stderr()))
            r, _, _ = select.select([self.proc.stdout], [], [], 0.5)
            if r:
                chunk = os.read(self.proc.stdout.fileno(), 4096)
                if not chunk:
                    continue
                out += chunk
        self.banner = out.decode()
        m = re.search(r"open: (http://127\.0\.0\.1:(\d+)/login\?token=([0-9a-f]{64}))", self.banner)
        check(m is not None, "samvirke web printed its address: %r" % self.banner)
        self.url, self.port, self.token = m.group(1), int(m.group(2)), m.group(3)
        self.base = "http://127.0.0.1:%d" % self.port
        self.host = "127.0.0.1:%d" % self.port

    def stderr(self):
        try:
            return open(self.errpath, errors="replace").read()
        except OSError:
            return ""

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        """SIGTERM; it must exit 0 with nothing from the sanitizers on stderr."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                fail("samvirke web did not stop on SIGTERM:\n" + self.stderr())
        self.err.close()
        err = self.stderr()
        check(self.proc.returncode == 0, "samvirke web exited %s:\n%s" % (self.proc.returncode, err))
        for bad in ("AddressSanitizer", "runtime error", "LeakSanitizer"):
            check(bad not in err, "samvirke web's stderr reports %s:\n%s" % (bad, err))

    # ---- raw HTTP ----
    def http(self, method, path, headers=None, body=None, host=None):
        """One request with exactly these headers (Host defaults to the right one; a Cookie of a
        login_cookie brings that login's X-SV-Key along unless the headers name it, None to
        leave it out). Returns (status, headers dict with lower-case names, body bytes)."""
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        c.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        h = {"Host": self.host if host is None else host}
        key = self.keys.get((headers or {}).get("Cookie")) if hasattr(self, "keys") else None
        if key:
            h["X-SV-Key"] = key
        h.update(headers or {})
        for k, v in h.items():
            if v is not None:
                c.putheader(k, v)
        if body is not None:
            c.putheader("Content-Length", str(len(body)))
        try:
            c.endheaders(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before the whole body was read: the answer is still there to read
        r = c.getresponse()
        data = r.read()
        hdrs = {}
        for k, v in r.getheaders():
            hdrs.setdefault(k.lower(), []).append(v)
        c.close()
        return r.status, {k: ", ".join(v) if k != "set-cookie" else v for k, v in hdrs.items()}, data

    def login_cookie(self):
        """Log in with the token over raw HTTP; returns the Cookie header value."""
        import re
        st, h, body = self.http("GET", "/login?token=" + self.token)
        check(st == 200, "login with the token: %d" % st)
        c = h["set-cookie"][0].split(";")[0]
        m = re.search(rb'<meta name="sv-key" content="([0-9a-f]{64})">', body)
        check(m is not None, "the login page hands over the API key: %r" % body[:300])
        if not hasattr(self, "keys"):
            self.keys = {}
        self.keys[c] = m.group(1).decode()
        return c

    def csrf(self, cookie):
        import json
        st, _, body = self.http("GET", "/api/session", {"Cookie": cookie})
        check(st == 200, "GET /api/session: %d %r" % (st, body))
        return json.loads(body)["csrf"]


class Browser:
    """Headless chromium with a fresh profile, driven by selenium."""

    def __init__(self, width=1400, height=900):
        for p in (CHROMIUM, CHROMEDRIVER):
            check(os.path.exists(p), "%s is missing (Debian's chromium and chromium-driver; "
                                     "make test installs them)" % p)
        try:
            from selenium import webdriver
            from selenium.webdriver.chrome.service import Service
        except ImportError:
            fail("python3-selenium is missing (make test installs it)")
        self.profile = tempfile.mkdtemp(prefix="svchrome.")
        o = webdriver.ChromeOptions()
        o.binary_location = CHROMIUM
        for a in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--user-data-dir=" + self.profile,
                  "--window-size=%d,%d" % (width, height),
                  # evil.example resolves to this machine: a DNS-rebinding page
                  "--host-resolver-rules=MAP evil.example 127.0.0.1"):
            o.add_argument(a)
        o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.d = webdriver.Chrome(service=Service(CHROMEDRIVER), options=o)
        self.d.set_page_load_timeout(60)

    def login(self, web, path="/"):
        """Open the printed address, then path; waits for the page's header to be drawn."""
        self.d.get(web.url)
        self.wait(lambda: self.d.execute_script("return location.pathname") == "/" and
                  self.find("#who") is not None, "the login forwards to the start page")
        if path != "/":
            self.open(web, path)

    def open(self, web, path):
        self.d.get(web.base + path)
        self.wait(lambda: self.find("#who") is not None or self.find("#fatal") is not None,
                  "page %s drawn" % path)

    def find(self, css):
        from selenium.webdriver.common.by import By
        els = self.d.find_elements(By.CSS_SELECTOR, css)
        return els[0] if els else None

    def find_all(self, css):
        from selenium.webdriver.common.by import By
        return self.d.find_elements(By.CSS_SELECTOR, css)

    def text(self, css):
        e = self.find(css)
        return e.text if e is not None else None

    def wait(self, cond, what, timeout=20):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            try:
                if cond():
                    return
            except Exception as e:  # the page may be between states
                last = e
            time.sleep(0.05)
        fail("timed out waiting for: %s (%r)\npage text:\n%s\nconsole:\n%s" % (
            what, last, self.page_text(), self.console()))

    def page_text(self):
        try:
            return self.d.find_element("tag name", "body").text
        except Exception:
            return "(no page)"

    def console(self):
        try:
            return "\n".join(str(x) for x in self.d.get_log("browser"))
        except Exception:
            return ""

    def quit(self):
        try:
            self.d.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)


def files_containing(root, needle):
    """The files under root whose bytes hold needle."""
    hits = []
    for dirpath, _, names in os.walk(root):
        for n in names:
            p = os.path.join(dirpath, n)
            try:
                with open(p, "rb") as f:
                    if needle in f.read():
                        hits.append(p)
            except OSError:
                pass
    return hits


def close_all(browser, webs, team):
    """The end of a browser test: the browser, then every `samvirke web` (each must exit 0
    with nothing from the sanitizers), then the team's daemon and files."""
    try:
        if browser:
            browser.quit()
        for w in webs:
            w.stop()
    finally:
        team.cleanup()


def png_pixels(data):
    """Decode an 8-bit RGB or RGBA PNG (what chromium's screenshots are) into (width, height,
    rows of bytes, bytes per pixel)."""
    check(data[:8] == b"\x89PNG\r\n\x1a\n", "a PNG")
    pos, idat, w = 8, b"", None
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            check(depth == 8 and ctype in (2, 6) and interlace == 0, "8-bit RGB(A) PNG")
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(h):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, rows, bpp


def region_colors(png, left, top, right, bottom, step=3):
    """How many pixels of each colour (r, g, b) the rectangle holds (sampled every step px)."""
    w, h, rows, bpp = png
    counts = {}
    for y in range(max(0, top), min(h, bottom), step):
        row = rows[y]
        for x in range(max(0, left), min(w, right), step):
            c = tuple(row[x * bpp:x * bpp + 3])
            counts[c] = counts.get(c, 0) + 1
    return counts

"""test_web_open.py -- `samvirke web --open` hands the browser a page, never the token on a
command line: the page is in the identity directory, 0600, and forwards to the login address;
xdg-open gets only its path; the first login removes it, and so does stopping without a login.
Without xdg-open the interface still serves and says to open the address by hand. A stand-in
xdg-open on PATH records what it was given."""
import os
import shutil
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from areatest import Team  # noqa: E402
from svtest import SAMVIRKE, check  # noqa: E402
from webtest import Web  # noqa: E402

team = Team([("anna", "coordinator")])
d = team.daemon
bindir = os.path.join(team.home, "bin")
record = os.path.join(team.home, "xdg-open.txt")
os.mkdir(bindir)
with open(os.path.join(bindir, "xdg-open"), "w") as f:
    # Its argument count, argument, and the page's mode and content, as it sees them.
    f.write('#!/bin/sh\n{ echo "$#"; echo "$1"; stat -c %%a "$1"; cat "$1"; } > %s.tmp\n'
            'mv %s.tmp %s\n' % (record, record, record))
os.chmod(os.path.join(bindir, "xdg-open"), 0o755)
page = os.path.join(team.dirs["anna"], "web-open.html")
path0 = os.environ["PATH"]
web = None


def opened():
    deadline = time.time() + 20
    while not os.path.exists(record):
        check(time.time() < deadline and web.alive(), "xdg-open was run:\n" + web.stderr())
        time.sleep(0.05)
    lines = open(record).read().split("\n")
    os.unlink(record)
    return lines


try:
    d.start()
    os.environ["PATH"] = bindir + ":" + path0

    # --- the page, its mode, what xdg-open is given; the first login removes it ----------------
    web = Web(team, "anna", extra=("--open",))
    argc, arg, mode, content = opened()[:4]
    check(argc == "1" and arg == page, "xdg-open gets one argument, the page: %r %r" % (argc, arg))
    check(web.token not in arg, "the token is not on xdg-open's command line")
    check(mode == "600", "the page is readable by its owner only: %s" % mode)
    check('http-equiv="refresh"' in content and web.url in content,
          "the page forwards to the login address: %r" % content)
    st = os.stat(page)
    check(stat.S_IMODE(st.st_mode) == 0o600, "the page on disk is 0600")
    check(os.path.exists(page), "the page waits for the browser")
    cookie = web.login_cookie()
    check(not os.path.exists(page), "the first login removed the page")
    check(web.csrf(cookie) != "", "the login made a session")
    # A second login with the token (another tab) finds nothing to remove and still works.
    web.login_cookie()
    web.stop()
    check(not os.path.exists(page), "nothing is left after the stop")

    # --- no login: the stop removes it ------------------------------------------------------------
    web = Web(team, "anna", extra=("--open",))
    opened()
    check(os.path.exists(page), "the page is on disk until a login or the stop")
    web.stop()
    check(not os.path.exists(page), "stopping without a login removed the page")

    # --- an old page from a run that was killed is replaced, not trusted ---------------------------
    with open(page, "w") as f:
        f.write("stale")
    os.chmod(page, 0o644)
    web = Web(team, "anna", extra=("--open",))
    _, _, mode, content = opened()[:4]
    check(mode == "600" and web.url in content and "stale" not in content,
          "a stale page is replaced by a fresh 0600 one: %s %r" % (mode, content))
    web.stop()
    check(not os.path.exists(page), "the fresh page was removed at the stop")

    # --- an identity directory whose path leaves no room for the page's name ----------------------
    # The longest path the client builds is 4095 bytes (CLIENT_PATH_MAX with its NUL). With the
    # directory one byte too long for "<dir>/web-open.html", --open is refused at the start with
    # one line (every other file of the identity still fits: their names are shorter); one byte
    # shorter, the page is written there and opened as usual.
    def deep_identity(length):
        top = os.path.join(team.home, "deep%d" % length)
        parts, cur = [], len(top)
        while cur < length:
            room = length - cur - 1  # bytes left for this component after its "/"
            # Components of at most 200 bytes; never leave a remainder of 1 byte, which would
            # need an empty component.
            n = room if room <= 200 else min(200, room - 2)
            check(n >= 1, "a deep path of %d bytes can be built under %s" % (length, top))
            parts.append("d" * n)
            cur += 1 + n
        path = os.path.join(top, *parts)
        check(len(path) == length, "the deep path is %d bytes" % len(path))
        shutil.copytree(team.dirs["anna"], path)
        return path

    fits = 4095 - len("/web-open.html")
    long_dir = deep_identity(fits + 1)
    r = subprocess.run([SAMVIRKE, "--identity", long_dir, "web", "--listen", "127.0.0.1:0",
                        "--open"], capture_output=True, timeout=60)
    err = r.stderr.decode(errors="replace")
    check(r.returncode != 0, "--open with no room for the page's path fails: %d" % r.returncode)
    check(err.count("\n") == 1 and "too long for the page --open writes" in err,
          "one line says the identity directory's path is too long: %r" % err)
    check(not os.path.exists(record), "xdg-open was not run")
    team.dirs["deep"] = deep_identity(fits)
    web = Web(team, "deep", extra=("--open",))
    deep_page = os.path.join(team.dirs["deep"], "web-open.html")
    argc, arg, mode = opened()[:3]
    check(arg == deep_page and len(arg) == 4095 and mode == "600",
          "with the directory one byte shorter the page is written and opened: %d %r" %
          (len(arg), mode))
    web.login_cookie()
    check(not os.path.exists(deep_page), "the login removed the deep page")
    web.stop()

    # --- no xdg-open: it still serves, and says to open the address by hand -----------------------
    empty = os.path.join(team.home, "nobin")
    os.mkdir(empty)
    os.environ["PATH"] = empty
    web = Web(team, "anna", extra=("--open",))
    deadline = time.time() + 20
    while "open the address" not in web.stderr():
        check(time.time() < deadline, "samvirke web said it could not start a browser:\n" +
              web.stderr())
        time.sleep(0.05)
    check(web.alive(), "samvirke web serves on without a browser")
    web.login_cookie()
    check(not os.path.exists(page), "the login by hand removed the page")
    web.stop()
    web = None
    print("ok: --open writes a 0600 page, hands xdg-open its path only, removes it at login or stop")
finally:
    os.environ["PATH"] = path0
    if web is not None and web.alive():
        web.proc.kill()
    team.cleanup()

"""bench_hostile.py -- what hostile and unauthenticated clients cost the daemon, in figures:

  1. daemon RSS with 1,024 unenrolled connections that each announce the largest frame and
     send part of it (memory before enrolment);
  2. an enrolled member's connects while 1,500 raw sockets (no handshake) hold the daemon;
  3. audit entries a single unenrolled key adds by pipelining 20,000 pings.

Usage: SAMVIRKED=... python3 tests/bench/bench_hostile.py [--quick]
Prints one line per figure; exits 1 only when the daemon dies (a figure is never a pass/fail)."""
import os
import socket
import sqlite3
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from svtest import Client, Daemon, ProtocolError, make_card  # noqa: E402

QUICK = "--quick" in sys.argv
N_HOSTILE = 128 if QUICK else 1024
PARTIAL = 256 * 1024 if QUICK else 1024 * 1024  # body bytes each hostile connection sends
N_RAW = 300 if QUICK else 1500
N_PINGS = 2000 if QUICK else 20000


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def mib(kib):
    return "%.1f MiB" % (kib / 1024.0)


def memory_figure(d, announce=4 * 1024 * 1024, partial=PARTIAL):
    base = rss_kib(d.proc.pid)
    conns = []
    opened = 0
    for _ in range(N_HOSTILE):
        try:
            c = Client(d.port, d.server_key, timeout=5)
        except (OSError, ProtocolError):
            break
        opened += 1
        try:
            # a frame header claiming 4 MiB, then part of the body
            body = struct.pack(">I", announce) + b"\0" * partial
            c.send_stream(body)
            conns.append(c)
        except OSError:
            c.close()
    time.sleep(1.0)
    peak = rss_kib(d.proc.pid)
    alive = 0
    for c in conns:
        c.sock.setblocking(False)
        try:
            alive += 0 if c.sock.recv(1) == b"" else 1
        except BlockingIOError:
            alive += 1
        except OSError:
            pass
        c.close()
    print("hostile unenrolled connections announcing %d KiB frames: %d opened, %d still open "
          "after 1 s; daemon RSS %s before, %s with them (%d KiB sent each)" %
          (announce // 1024, opened, alive, mib(base), mib(peak), partial // 1024))


def raw_flood_figure(d, keypair):
    raws = []
    for _ in range(N_RAW):
        try:
            raws.append(socket.create_connection(("127.0.0.1", d.port), timeout=2))
        except OSError:
            break
    time.sleep(0.5)
    ok = 0
    tries = 50
    t0 = time.time()
    for _ in range(tries):
        try:
            c = Client(d.port, d.server_key, keypair=keypair, timeout=2)
            r = c.call("ping")
            ok += 1 if r.get("ok") else 0
            c.close()
        except (OSError, ProtocolError, socket.timeout):
            pass
    el = time.time() - t0
    print("enrolled member during a flood of %d raw sockets: %d of %d connects answered "
          "(%.1f s)" % (len(raws), ok, tries, el))
    for s in raws:
        s.close()


def log_flood_figure(d):
    db = os.path.join(d.dir, "samvirke.db")

    def count():
        con = sqlite3.connect(db)
        n = con.execute("SELECT count(*) FROM audit_entries").fetchone()[0]
        con.close()
        return n

    before = count()
    sent = 0
    t0 = time.time()
    try:
        c = Client(d.port, d.server_key, timeout=10)
        for i in range(N_PINGS):
            c.send_frame(__import__("msgpack").packb({"id": i + 1, "op": "ping"}))
            sent += 1
    except OSError:
        pass
    time.sleep(2.0)
    el = time.time() - t0
    after = count()
    print("unenrolled ping flood: %d pings sent in %.1f s; %d audit entries added" %
          (sent, el, after - before))


def main():
    tmp_card = "/tmp/bench_hostile_card.%d" % os.getpid()
    keypair = make_card(tmp_card, "Bench Member")
    d = Daemon(members=[(tmp_card, "ssp")], conf={"log_level": "warn"})
    os.unlink(tmp_card)
    try:
        d.start()
        memory_figure(d)
        memory_figure(d, announce=16 * 1024, partial=12 * 1024)  # within the unenrolled cap
        if not d.alive():
            print("daemon died:\n" + d.read_log())
            return 1
        raw_flood_figure(d, keypair)
        log_flood_figure(d)
        if not d.alive():
            print("daemon died:\n" + d.read_log())
            return 1
        d.stop()
    finally:
        d.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""test_retention.py -- the retention sweep: content older than its class's retention (the
default policy's `retain` lines) is deleted at start-up, content just inside it is kept, the
deleted text is gone from the bytes of samvirke.db and its write-ahead log, the sweep is one audit
entry with the counts per class (none when it deleted nothing), `samvirke audit verify` stays
green; `samvirked purge --dry-run` shows the same counts and changes nothing, `samvirked purge`
refuses a running daemon and deletes with it stopped; a withdrawn observation's text leaves the
files at once."""
import hashlib
import os
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from areatest import Team, audit_entries  # noqa: E402
from svtest import SAMVIRKED, check, fail  # noqa: E402

DAY = 86400
YEAR = 365 * DAY
# The default policy's retentions (policy/default.policy).
KEEP = {"area": 2 * YEAR, "group": 2 * YEAR, "intervention": 3 * YEAR, "meeting": 2 * YEAR,
        "actor": 3 * YEAR, "individual": 180 * DAY}
MARK = "M%d" % os.getpid()


def run(*args, ok=True):
    p = subprocess.run([SAMVIRKED] + list(args), capture_output=True, text=True, timeout=120)
    if ok and p.returncode != 0:
        fail("samvirked %s exited %d: %s" % (" ".join(args), p.returncode, p.stderr.strip()))
    return p


def files(d):
    """The bytes of the database and of its write-ahead log (when there is one)."""
    out = b""
    for name in ("samvirke.db", "samvirke.db-wal"):
        path = os.path.join(d.dir, name)
        if os.path.exists(path):
            out += open(path, "rb").read()
    return out


def digest(d):
    return hashlib.sha256(files(d)).hexdigest()


def purges(db):
    return [e for e in audit_entries(db) if e["op"] == "retention.purge"]


def counts(entry):
    """{"deleted": N, CLASS: N, ...} from a purge entry's object."""
    return {k: int(v) for k, v in (part.split(":") for part in entry["object"].split())}


def age(db, table, where, secs, cols):
    """Make the rows of table matching where secs old (every time column in cols)."""
    con = sqlite3.connect(db, timeout=10)
    con.execute("PRAGMA secure_delete=ON")
    t = int(time.time()) - secs
    n = con.execute("UPDATE %s SET %s WHERE %s" % (table, ", ".join("%s = %d" % (c, t) for c in cols),
                                                    where)).rowcount
    con.commit()
    con.close()
    check(n >= 1, "aged %d rows of %s where %s" % (n, table, where))


def wait_for(pred, what, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return
        time.sleep(0.1)
    fail("timed out waiting for " + what)


def main():
    team = Team([("anna", "coordinator"), ("sune", "ssp"), ("pia", "partner"), ("ida", "auditor")])
    d = team.daemon
    db = os.path.join(d.dir, "samvirke.db")
    try:
        d.start()
        team.run_ok("anna", "area", "add", "Vestparken")
        obs = {}
        for tag, extra in (("old-area", []), ("keep-area", []), ("old-group", ["--group", "--size", "6"]),
                           ("keep-group", ["--group", "--size", "6"]), ("old-link", [])):
            obs[tag] = team.run_json("pia", "observe", "Vestparken", "--challenge", "--category",
                                     "tryghed", *extra, "%s-%s tekst" % (MARK, tag))["id"]
        res = team.run_json("pia", "observe", "Vestparken", "--resource", "--category", "fritid",
                            "%s-resource tekst" % MARK)["id"]
        iv_old = team.run_json("pia", "intervention", "add", "Vestparken", "--level", "area",
                               "--step", "act", "%s-old-iv tekst" % MARK)["id"]
        iv_keep = team.run_json("pia", "intervention", "add", "Vestparken", "--level", "area",
                                "--step", "act", "%s-keep-iv tekst" % MARK)["id"]
        link = team.run_json("pia", "link", "add", "--resource", str(res), "--challenge",
                             str(obs["old-area"]))["id"]
        past = int(time.time()) - 3600
        team.run_json("anna", "meeting", "add", "Vestparken", "--area", "--at", str(past),
                      "--title", "%s-old-meeting" % MARK, "--with", "anna,pia",
                      "--item", "%s-old-item" % MARK)
        a1 = team.run_json("pia", "actor", "add", "--category", "forening", "--form", "exchange",
                           "--description", "%s-old-actor" % MARK, "Vestparken", "Koret")
        a2 = team.run_json("pia", "actor", "add", "--category", "forening", "--form", "exchange",
                           "Vestparken", "Klubben")
        team.run_ok("pia", "actor", "tie", str(a1["id"]), str(a2["id"]), "%s-old-tie" % MARK)
        note = os.path.join(team.home, "note.txt")
        open(note, "w").write("Samtale tirsdag\n")
        team.run_ok("anna", "note", "send", "--to", "sune", "--purpose", "forebyggelse", note)
        team.run_ok("ida", "audit", "fetch")
        team.run_ok("ida", "audit", "verify")
        check(d.stop() == 0, "the daemon stops cleanly")

        # The markers are in the file before the sweep (the search can find them).
        raw = files(d)
        for tag in ("old-area", "keep-area", "old-group", "old-iv", "keep-iv", "old-meeting",
                    "old-item", "old-actor", "old-tie"):
            check(("%s-%s" % (MARK, tag)).encode() in raw, "%s is in the database file" % tag)
        con = sqlite3.connect(db)
        envelope = con.execute("SELECT envelope FROM notes").fetchone()[0]
        con.close()
        check(envelope in raw, "the note's envelope is in the database file")

        # Age the rows: just past their class's retention (deleted), or just inside it (kept).
        past_by, inside_by = 120, 600
        for tag in ("old-area", "old-group"):
            age(db, "observations", "id = %d" % obs[tag], KEEP["area"] + past_by, ["created", "updated"])
        for tag in ("keep-area", "keep-group"):
            age(db, "observations", "id = %d" % obs[tag], KEEP["area"] - inside_by, ["created", "updated"])
        age(db, "interventions", "id = %d" % iv_old, KEEP["intervention"] + past_by,
            ["created", "updated"])
        age(db, "interventions", "id = %d" % iv_keep, KEEP["intervention"] - inside_by,
            ["created", "updated"])
        age(db, "meetings", "track = 'area'", KEEP["meeting"] + past_by, ["time", "created", "updated"])
        age(db, "actors", "id = %d" % a1["id"], KEEP["actor"] + past_by, ["created", "updated"])
        age(db, "notes", "1", KEEP["individual"] + past_by, ["created"])
        # The tie is young, but goes with its actor; Klubben stays.
        del a2

        # A dry run shows what would go and changes nothing.
        before = digest(d)
        n_entries = len(audit_entries(db))
        out = run("purge", "--dry-run", d.dir).stdout
        for line in ("area           1 would be deleted", "group          1 would be deleted",
                     "intervention   1 would be deleted", "meeting        1 would be deleted",
                     "actor          1 would be deleted", "individual     1 would be deleted",
                     "dry run: 6 items would be deleted; nothing was changed"):
            check(line in out, "dry run shows %r: %s" % (line, out))
        check("core-meeting   nothing past its retention" in out, out)
        check(digest(d) == before, "the dry run changed no byte of the database")
        check(len(audit_entries(db)) == n_entries, "the dry run wrote no audit entry")

        # Start-up sweeps: one entry with the counts; the old text is gone from the files.
        d.start()
        wait_for(lambda: purges(db), "the start-up sweep's audit entry")
        [p] = purges(db)
        c = counts(p)
        check(c == {"deleted": 6, "area": 1, "group": 1, "intervention": 1, "meeting": 1,
                    "actor": 1, "individual": 1}, "purge counts: %r" % p)
        check(p["role"] == "daemon" and p["actor"] == "-" and p["rule"] == "retention sweep" and
              p["outcome"] == "ok" and p["decision"] == "permit", "purge entry: %r" % p)
        raw = b""
        def scrubbed():
            nonlocal raw
            raw = files(d)
            return ("%s-old-area" % MARK).encode() not in raw
        wait_for(scrubbed, "the old text to leave the files")
        for tag in ("old-area", "old-group", "old-iv", "old-meeting", "old-item", "old-actor",
                    "old-tie"):
            check(("%s-%s" % (MARK, tag)).encode() not in raw, "%s is gone from the files" % tag)
        check(envelope not in raw, "the old note's envelope is gone from the files")
        for tag in ("keep-area", "keep-group", "keep-iv", "old-link", "resource"):
            check(("%s-%s" % (MARK, tag)).encode() in raw, "%s is kept" % tag)
        con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=10)
        check(con.execute("SELECT count(*) FROM links WHERE id = ?", (link,)).fetchone()[0] == 0,
              "the (young) link to the deleted observation went with it")
        check(con.execute("SELECT count(*) FROM meeting_items").fetchone()[0] == 0 and
              con.execute("SELECT count(*) FROM meeting_attendees").fetchone()[0] == 0,
              "the meeting's agenda and attendees went with it")
        check(con.execute("SELECT count(*) FROM note_recipients").fetchone()[0] == 0,
              "the note's deliveries went with it")
        check(con.execute("SELECT name FROM actors").fetchall() == [("Klubben",)],
              "Koret went, its tie with it")
        con.close()
        listed = team.run_json("pia", "observations", "Vestparken")["observations"]
        check(sorted(o["id"] for o in listed) == sorted([obs["keep-area"], obs["keep-group"],
                                                         obs["old-link"], res]),
              "what is left is listed: %r" % listed)
        team.run_ok("ida", "audit", "fetch")
        team.run_ok("ida", "audit", "verify")

        # A withdrawn observation's text leaves the files at once, not at the next sweep.
        team.run_ok("pia", "observation", "withdraw", str(obs["keep-area"]))
        wait_for(lambda: ("%s-keep-area" % MARK).encode() not in files(d),
                 "the withdrawn text to leave the files", timeout=5)

        # `samvirked purge` needs the daemon stopped.
        p = run("purge", d.dir, ok=False)
        check(p.returncode == 1 and "stop samvirked first" in p.stderr and
              p.stderr.count("\n") == 1, "purge refuses a running daemon: %r" % p.stderr)
        check(run("purge", "--dry-run", d.dir).returncode == 0, "a dry run works beside it")
        check(d.stop() == 0, "the daemon stops cleanly")

        # A restart with nothing past retention: no new entry.
        d.start()
        team.run_ok("pia", "ping")  # answered after the start-up sweep, which runs first
        check(len(purges(db)) == 1, "a sweep that deletes nothing writes no entry")
        check(d.stop() == 0, "the daemon stops cleanly")

        # `samvirked purge` with the daemon stopped: the same entry, by its own rule.
        age(db, "interventions", "id = %d" % iv_keep, KEEP["intervention"] + past_by,
            ["created", "updated"])
        out = run("purge", d.dir).stdout
        check("intervention   1 deleted" in out and "deleted 1 items (audit #" in out, out)
        p = purges(db)
        check(len(p) == 2 and p[1]["rule"] == "samvirked purge" and
              counts(p[1]) == {"deleted": 1, "intervention": 1}, "purge entry: %r" % p[-1])
        check(("%s-keep-iv" % MARK).encode() not in files(d), "its text is gone from the files")
        out = run("purge", d.dir).stdout
        check("nothing deleted, no audit entry" in out and len(purges(db)) == 2, out)
        d.start(["--verify", "full"])
        team.run_ok("ida", "audit", "fetch")
        team.run_ok("ida", "audit", "verify")
        print("ok: retention sweep, purge and dry run")
    finally:
        team.cleanup()


if __name__ == "__main__":
    main()

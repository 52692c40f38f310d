"""test_tracks_migration.py -- a deployed daemon's database (schema version 1, from before the two
tracks) is migrated when the new samvirked opens it: its data and audit log stay whole (the
start-up check and `--verify full` accept the log), old interventions get their author as owner,
the new ops work on it, its audit subtree hashes move from (level, idx) keys to the positions a new
database gives them (version 5), and the migrated schema is the one a new database gets."""
import os
import shutil
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from areatest import Team  # noqa: E402
from svaudit import subtrees  # noqa: E402
from svtest import check  # noqa: E402

# The schema at version 1, as samvirked created it before the two tracks.
SCHEMA_V1 = """
CREATE TABLE schema_version(version INTEGER NOT NULL);
CREATE TABLE members( id INTEGER PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL,
 card BLOB NOT NULL, card_hash BLOB NOT NULL, keyid TEXT NOT NULL UNIQUE,
 noise_pk BLOB NOT NULL UNIQUE, enc_pk BLOB NOT NULL, fingerprint TEXT NOT NULL,
 enrolled INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0, reg_seq INTEGER);
CREATE UNIQUE INDEX members_active_name ON members(name) WHERE revoked = 0;
CREATE TABLE invites( code_hash BLOB PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL,
 created INTEGER NOT NULL, expires INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0,
 created_by INTEGER) WITHOUT ROWID;
CREATE TABLE audit_entries(seq INTEGER PRIMARY KEY, entry BLOB NOT NULL);
CREATE TABLE audit_nodes(level INTEGER NOT NULL, idx INTEGER NOT NULL,
 hash BLOB NOT NULL, PRIMARY KEY(level, idx)) WITHOUT ROWID;
CREATE TABLE checkpoints(size INTEGER PRIMARY KEY, note TEXT NOT NULL);
CREATE TABLE areas(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
 description TEXT NOT NULL DEFAULT '', created INTEGER NOT NULL, author INTEGER NOT NULL);
CREATE TABLE observations(id INTEGER PRIMARY KEY, area INTEGER NOT NULL REFERENCES areas(id),
 kind TEXT NOT NULL, category TEXT NOT NULL, level TEXT NOT NULL, size INTEGER,
 lat REAL, lon REAL, text TEXT NOT NULL, author INTEGER NOT NULL, created INTEGER NOT NULL,
 updated INTEGER NOT NULL, withdrawn INTEGER NOT NULL DEFAULT 0);
CREATE INDEX observations_area ON observations(area, created);
CREATE TABLE interventions(id INTEGER PRIMARY KEY, area INTEGER NOT NULL REFERENCES areas(id),
 level TEXT NOT NULL, step TEXT NOT NULL, status TEXT NOT NULL, text TEXT NOT NULL,
 author INTEGER NOT NULL, created INTEGER NOT NULL, updated INTEGER NOT NULL);
CREATE TABLE notes(id BLOB PRIMARY KEY, sender INTEGER NOT NULL, sender_keyid TEXT NOT NULL,
 class TEXT NOT NULL, area TEXT NOT NULL, purpose TEXT NOT NULL, envelope BLOB NOT NULL,
 size INTEGER NOT NULL, created INTEGER NOT NULL, expires INTEGER NOT NULL,
 send_seq INTEGER NOT NULL);
CREATE INDEX notes_expires ON notes(expires);
CREATE TABLE note_recipients(note BLOB NOT NULL, member INTEGER NOT NULL,
 role TEXT NOT NULL DEFAULT '', acked INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(note, member))
 WITHOUT ROWID;
CREATE INDEX note_recipients_member ON note_recipients(member, acked);
"""
V1_COLUMNS = {
    "members": "id, name, role, card, card_hash, keyid, noise_pk, enc_pk, fingerprint, enrolled,"
               " revoked, reg_seq",
    "invites": "code_hash, name, role, created, expires, used, created_by",
    "audit_entries": "seq, entry",
    "checkpoints": "size, note",
    "areas": "id, name, description, created, author",
    "observations": "id, area, kind, category, level, size, lat, lon, text, author, created,"
                    " updated, withdrawn",
    "interventions": "id, area, level, step, status, text, author, created, updated",
    "notes": "id, sender, sender_keyid, class, area, purpose, envelope, size, created, expires,"
             " send_seq",
    "note_recipients": "note, member, role, acked",
}


def schema(path):
    con = sqlite3.connect(path)
    try:
        rows = con.execute("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL"
                           " ORDER BY type, name").fetchall()
        version = con.execute("SELECT version FROM schema_version").fetchone()[0]
    finally:
        con.close()
    # SQL text compared without its line breaks (the v1 schema above is wrapped differently).
    return [(t, n, " ".join(q.split())) for t, n, q in rows], version


team = Team([("anna", "coordinator"), ("pia", "partner")])
d = team.daemon
db = os.path.join(d.dir, "samvirke.db")
try:
    fresh_schema, current = schema(db)
    check(current >= 2, "a new database is at the current version (%d)" % current)
    d.start()
    team.run_ok("anna", "area", "add", "Gellerup")
    o1 = team.run_json("pia", "observe", "Gellerup", "--resource", "--category", "fritid",
                       "Gospelkor")["id"]
    o2 = team.run_json("pia", "observe", "Gellerup", "--challenge", "--category", "tryghed",
                       "Unge ved p-kælderen")["id"]
    iv = team.run_json("pia", "intervention", "add", "Gellerup", "--level", "area", "--step",
                       "act", "Natteravne")["id"]
    check(d.stop() == 0, "stopped")

    # The same data in a version-1 database, as a deployed daemon has it.
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    old = db + ".v1"
    v1 = sqlite3.connect(old)
    v1.executescript(SCHEMA_V1)
    v1.execute("INSERT INTO schema_version VALUES(1)")
    v1.execute("ATTACH DATABASE ? AS cur", (db,))
    for table, cols in V1_COLUMNS.items():
        v1.execute("INSERT INTO main.%s(%s) SELECT %s FROM cur.%s" % (table, cols, cols, table))
    # Before version 5 the subtree hashes were keyed by (level, idx).
    (size,) = v1.execute("SELECT count(*) FROM cur.audit_entries").fetchone()
    where = subtrees(size)
    fresh_subtrees = v1.execute("SELECT pos, hash FROM cur.audit_subtrees ORDER BY pos").fetchall()
    check(sorted(where) == [p for p, _ in fresh_subtrees],
          "the new database holds each subtree of its %d entries at its position" % size)
    v1.executemany("INSERT INTO main.audit_nodes(level, idx, hash) VALUES(?, ?, ?)",
                   [(where[p][0], where[p][1], h) for p, h in fresh_subtrees])
    v1.commit()
    v1.execute("DETACH DATABASE cur")
    v1.close()
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    shutil.move(old, db)
    os.chmod(db, 0o600)
    check(schema(db)[1] == 1, "the database is at version 1 now")

    # A subtree row no log can have (level 0 is the entry itself; an index past 2^61 leaves)
    # stops the migration at version 4 with the reason, and the database keeps its rows.
    good = db + ".good"
    shutil.copy(db, good)
    for level, idx in ((0, 3), (1, 1 << 60)):
        con = sqlite3.connect(db)
        con.execute("INSERT INTO audit_nodes(level, idx, hash) VALUES(?, ?, zeroblob(32))",
                    (level, idx))
        con.commit()
        con.close()
        rc = d.start(expect_fail=True)
        log = d.read_log()
        check(rc != 0 and "cannot migrate from schema version 4 to 5" in log and
              "audit_nodes holds a subtree no audit log can have" in log,
              "the row (%d, %d) is refused: %s" % (level, idx, log[-400:]))
        con = sqlite3.connect(db)
        version = con.execute("SELECT version FROM schema_version").fetchone()[0]
        kept = con.execute("SELECT count(*) FROM audit_nodes").fetchone()[0]
        con.close()
        check(version == 4 and kept == len(fresh_subtrees) + 1,
              "stopped at version 4 with every row (%d, %d rows)" % (version, kept))
        for suffix in ("-wal", "-shm"):
            if os.path.exists(db + suffix):
                os.remove(db + suffix)
        shutil.copy(good, db)
    os.remove(good)

    # The new daemon migrates it on start, and its start-up check accepts the log.
    d.start(extra=["--verify", "full"])
    migrated_schema, version = schema(db)
    check(version == current, "migrated to version %d (is %d)" % (current, version))
    check(migrated_schema == fresh_schema,
          "the migrated schema is a new database's:\n%r\n%r" % (migrated_schema, fresh_schema))
    con = sqlite3.connect(db)
    migrated_subtrees = con.execute("SELECT pos, hash FROM audit_subtrees ORDER BY pos").fetchall()
    con.close()
    check(migrated_subtrees == fresh_subtrees,
          "every subtree hash moved to its position: %d rows, %d before" %
          (len(migrated_subtrees), len(fresh_subtrees)))
    lst = team.run_json("pia", "observations", "Gellerup")["observations"]
    check([o["id"] for o in lst] == [o1, o2], "observations kept: %r" % lst)
    ivs = team.run_json("pia", "intervention", "list", "Gellerup")["interventions"]
    check(len(ivs) == 1 and ivs[0]["owner"] == "pia" and ivs[0]["outcome"] == "" and
          "due" not in ivs[0], "the old intervention's owner is its author: %r" % ivs)
    up = team.run_json("pia", "intervention", "update", str(iv), "--status", "running")
    check(up["status"] == "running", repr(up))
    team.run_ok("pia", "link", "add", "--resource", str(o1), "--challenge", str(o2))
    team.run_ok("anna", "meeting", "add", "Gellerup", "--core", "--at", "now", "--with", "anna")
    team.run_ok("pia", "actor", "add", "Gellerup", "Moskéen", "--category", "x", "--form",
                "exchange")
    check(team.run_json("anna", "area", "status", "Gellerup")["links"] == 1, "status works")
    check(d.stop() == 0, "stopped")
    # And a second start finds nothing to migrate.
    d.start(extra=["--verify", "full"])
    check(schema(db) == (fresh_schema, current), "unchanged on a second start")
    check(d.stop() == 0, "stopped")
    # A database from a newer samvirked is refused, not touched.
    con = sqlite3.connect(db)
    con.execute("UPDATE schema_version SET version = ?", (current + 1,))
    con.commit()
    con.close()
    rc = d.start(expect_fail=True)
    check(rc != 0 and "schema version %d" % (current + 1) in d.read_log(),
          "a newer schema is refused: %s" % d.read_log()[-400:])
    log = d.read_log()
    check("LeakSanitizer" not in log and "runtime error" not in log, "sanitizer report:\n" + log)
    print("tracks migration: ok (version 1 -> %d)" % current)
finally:
    team.cleanup()

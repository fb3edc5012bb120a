#!/usr/bin/env python3
"""Validate the SQL corpora in this directory against real database servers.

Valid files (postgres.sql, sqlite.sql, mysql.sql): each is split into statements with
the crate's own `updown_sql::split` (through a scratch helper project built outside the
repository), then run statement by statement, in autocommit, top to bottom, on a fresh
database. Every statement must succeed.

Invalid files (*-invalid.sql): cases separated by lines that are exactly `-- case`. Each
case runs as one script on a fresh database holding the FIXTURE tables below, and must be
rejected with a *syntax* error (PostgreSQL SQLSTATE 42601, MariaDB/MySQL error 1064,
SQLite "syntax error" / "incomplete input" / "unrecognized token"). Each case carries the
server's message in a `-- server: ...` line; `--write-server` rewrites those lines.

SQLite runs twice: with Python's sqlite3 module and with the SQLite bundled in
libsqlite3-sys 0.38 (the one the crate's users get), through the helper's `sqlite-exec`.

Usage:
    python3 validate.py                 # everything
    python3 validate.py postgres mysql  # some dialects only
    python3 validate.py --write-server  # also refresh the `-- server:` lines

Environment (defaults are the local test servers):
    CORPUS_PG_URL     postgres://postgres:pg-secret-updown@127.0.0.1:5432/postgres
    CORPUS_MYSQL      127.0.0.1:3306:updown:my-secret-updown
    CORPUS_HELPER_DIR /tmp/corpus-split      (scratch cargo project, written by this script)
    CARGO_TARGET_DIR  /tmp/corpus-target

Needs: python3 with `psycopg` (3.x) and `PyMySQL`; cargo. Exits non-zero on any failure.

PostgreSQL roles are cluster-wide, so roles named `corpus_%` (the only ones the corpus
creates) are dropped before and after each run; so are MariaDB users and roles named
`corpus_%`.
"""

import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CRATE = os.path.abspath(os.path.join(HERE, "..", ".."))
HELPER = os.environ.get("CORPUS_HELPER_DIR", "/tmp/corpus-split")
TARGET = os.environ.get("CARGO_TARGET_DIR", "/tmp/corpus-target")
PG_URL = os.environ.get(
    "CORPUS_PG_URL", "postgres://postgres:pg-secret-updown@127.0.0.1:5432/postgres"
)
MY_HOST, MY_PORT, MY_USER, MY_PASS = os.environ.get(
    "CORPUS_MYSQL", "127.0.0.1:3306:updown:my-secret-updown"
).split(":", 3)
PG_DB = "corpus_check"
MY_DB = "corpus_check"

# Tables that exist when an invalid case runs, so that its rejection is about syntax and
# not about a missing table.
FIXTURE = {
    "postgres": [
        "CREATE TABLE users (id bigint PRIMARY KEY, email text, name text, created_at timestamptz)",
        "CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint, total numeric(10,2), status text)",
        "CREATE TABLE t (id int, x int)",
    ],
    "mysql": [
        "CREATE TABLE users (id BIGINT PRIMARY KEY, email VARCHAR(255), name VARCHAR(255), created_at DATETIME)",
        "CREATE TABLE orders (id BIGINT PRIMARY KEY, user_id BIGINT, total DECIMAL(10,2), status VARCHAR(20))",
        "CREATE TABLE t (id INT, x INT)",
    ],
    "sqlite": [
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, name TEXT, created_at TEXT)",
        "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER, total REAL, status TEXT)",
        "CREATE TABLE t (id INT, x INT)",
    ],
}

CARGO_TOML = f"""[package]
name = "corpus-split"
version = "0.1.0"
edition = "2021"

[dependencies]
updown-sql = {{ path = "{CRATE}" }}
libsqlite3-sys = {{ version = "0.38", features = ["bundled"] }}

[[bin]]
name = "split"
path = "src/split.rs"

[[bin]]
name = "sqlite-exec"
path = "src/sqlite_exec.rs"

[workspace]
"""

SPLIT_RS = r"""// Prints the statements `updown_sql::split` finds in a file: "<line>\t<text>\0" each.
use std::io::Write;
fn main() {
    let path = std::env::args().nth(1).expect("usage: split FILE");
    let text = std::fs::read_to_string(&path).expect("read");
    let mut out = std::io::stdout().lock();
    for s in updown_sql::split(&text) {
        write!(out, "{}\t{}\0", s.line, s.text).unwrap();
    }
}
"""

SQLITE_EXEC_RS = r"""// Runs NUL-separated SQL chunks from stdin, each with sqlite3_exec, on DB (argv[1]),
// with the SQLite bundled in libsqlite3-sys. Prints one line per chunk: "ok" or
// "err\t<message>". With argv[1] == "--version", prints the library version.
use libsqlite3_sys as ffi;
use std::ffi::{CStr, CString};
use std::io::{Read, Write};
fn main() {
    let arg = std::env::args().nth(1).expect("usage: sqlite-exec DB|--version");
    unsafe {
        if arg == "--version" {
            println!("{}", CStr::from_ptr(ffi::sqlite3_libversion()).to_string_lossy());
            return;
        }
        let mut input = String::new();
        std::io::stdin().read_to_string(&mut input).unwrap();
        let mut db = std::ptr::null_mut();
        let path = CString::new(arg).unwrap();
        let flags = ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_CREATE;
        assert_eq!(ffi::sqlite3_open_v2(path.as_ptr(), &mut db, flags, std::ptr::null()), 0);
        let mut out = std::io::stdout().lock();
        for chunk in input.split('\0').filter(|c| !c.is_empty()) {
            let sql = CString::new(chunk).unwrap();
            let mut err = std::ptr::null_mut();
            let rc = ffi::sqlite3_exec(db, sql.as_ptr(), None, std::ptr::null_mut(), &mut err);
            if rc == 0 {
                writeln!(out, "ok").unwrap();
            } else {
                let msg = if err.is_null() {
                    CStr::from_ptr(ffi::sqlite3_errmsg(db)).to_string_lossy().into_owned()
                } else {
                    CStr::from_ptr(err).to_string_lossy().into_owned()
                };
                writeln!(out, "err\t{}", msg.replace('\n', " ")).unwrap();
                ffi::sqlite3_free(err as *mut _);
            }
        }
        ffi::sqlite3_close(db);
    }
}
"""


def write_if_changed(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if not os.path.exists(path) or open(path).read() != text:
        with open(path, "w") as f:
            f.write(text)


def build_helper():
    write_if_changed(os.path.join(HELPER, "Cargo.toml"), CARGO_TOML)
    write_if_changed(os.path.join(HELPER, "src", "split.rs"), SPLIT_RS)
    write_if_changed(os.path.join(HELPER, "src", "sqlite_exec.rs"), SQLITE_EXEC_RS)
    env = dict(os.environ, CARGO_TARGET_DIR=TARGET)
    build = subprocess.run(
        ["cargo", "build", "--release", "--quiet", "--manifest-path",
         os.path.join(HELPER, "Cargo.toml")],
        env=env, capture_output=True, text=True,
    )
    if build.returncode != 0:
        sys.exit("building the helper failed:\n" + build.stderr)
    return os.path.join(TARGET, "release")


def split(bindir, path):
    out = subprocess.run([os.path.join(bindir, "split"), path], check=True,
                         capture_output=True).stdout.decode()
    stmts = []
    for chunk in out.split("\0"):
        if chunk:
            line, text = chunk.split("\t", 1)
            stmts.append((int(line), text))
    return stmts


def one_line(msg):
    return re.sub(r"\s+", " ", str(msg)).strip()


def read_cases(path):
    """Cases of an invalid file: (start line, text). Text before the first `-- case` is
    a header and is not a case."""
    cases, current, start = [], None, 0
    with open(path) as f:
        for n, line in enumerate(f, 1):
            if line.rstrip("\n") == "-- case":
                if current is not None:
                    cases.append((start, "".join(current)))
                current, start = [line], n
            elif current is not None:
                current.append(line)
    if current is not None:
        cases.append((start, "".join(current)))
    return cases


def recorded_server_message(case_text):
    m = re.search(r"^-- server: (.*)$", case_text, re.M)
    return m.group(1).strip() if m else None


def rewrite_server(path, messages):
    """messages: {line of a case's `-- case`: message}. Puts `-- server: message` on the
    line right after each `-- case`, replacing the one already there."""
    lines = open(path).read().split("\n")
    out = []
    i = 0
    while i < len(lines):
        line = lines[i]
        out.append(line)
        if line == "-- case":
            case_line = i + 1  # 1-based line number of the `-- case` line
            if i + 1 < len(lines) and lines[i + 1].startswith("-- server:"):
                i += 1  # drop the old one
            if case_line in messages:
                out.append("-- server: " + messages[case_line])
        i += 1
    with open(path, "w") as f:
        f.write("\n".join(out))


class Report:
    def __init__(self):
        self.failures = []
        self.counts = []

    def fail(self, what):
        self.failures.append(what)
        print("FAIL " + what)


# --------------------------------------------------------------------------- PostgreSQL

def pg_connect(dbname=None):
    import psycopg
    url = PG_URL if dbname is None else PG_URL.rsplit("/", 1)[0] + "/" + dbname
    return psycopg.connect(url, autocommit=True)


def pg_exec(conn, sql, single=False):
    """Runs `sql` with the simple query protocol (as psql -c does), or, with single=True,
    the extended protocol, which refuses a string holding more than one statement (so a
    statement the splitter failed to cut cannot pass unnoticed). Returns None on success,
    else (sqlstate, message)."""
    from psycopg import pq
    if single:
        res = conn.pgconn.exec_params(sql.encode(), [])
    else:
        res = conn.pgconn.exec_(sql.encode())
    status = res.status
    if status in (pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK,
                  pq.ExecStatus.EMPTY_QUERY, pq.ExecStatus.COPY_OUT):
        return None
    state = (res.error_field(pq.DiagnosticField.SQLSTATE) or b"").decode()
    msg = (res.error_field(pq.DiagnosticField.MESSAGE_PRIMARY) or b"").decode()
    return state, msg or res.error_message.decode()


def pg_reset(admin, create=True):
    admin.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
    for (role,) in admin.execute(
            r"SELECT rolname FROM pg_roles WHERE rolname LIKE 'corpus\_%'").fetchall():
        admin.execute(f'DROP ROLE "{role}"')
    if create:
        admin.execute(f"CREATE DATABASE {PG_DB}")


def validate_postgres(bindir, rep, write):
    admin = pg_connect()
    version = admin.execute("SHOW server_version").fetchone()[0]
    print(f"PostgreSQL {version}")
    stmts = split(bindir, os.path.join(HERE, "postgres.sql"))
    pg_reset(admin)
    try:
        conn = pg_connect(PG_DB)
        t = time.time()
        for n, (line, text) in enumerate(stmts, 1):
            err = pg_exec(conn, text, single=True)
            if err:
                rep.fail(f"postgres.sql #{n} (line {line}): {one_line(text)[:80]!r}: "
                         f"[{err[0]}] {one_line(err[1])}")
        conn.close()
        rep.counts.append(f"postgres.sql: {len(stmts)} statements ({time.time() - t:.1f}s)")

        cases = read_cases(os.path.join(HERE, "postgres-invalid.sql"))
        conn = pg_connect(PG_DB)
        conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        for sql in FIXTURE["postgres"]:
            conn.execute(sql)
        messages = {}
        for start, text in cases:
            pg_exec(conn, "BEGIN")
            err = pg_exec(conn, text)
            pg_exec(conn, "ROLLBACK")
            check_invalid(rep, "postgres-invalid.sql", start, text,
                          None if err is None else (err[0] == "42601", err[1]), messages)
        conn.close()
        rep.counts.append(f"postgres-invalid.sql: {len(cases)} cases")
        if write:
            rewrite_server(os.path.join(HERE, "postgres-invalid.sql"), messages)
    finally:
        pg_reset(admin, create=False)
        admin.close()


def check_invalid(rep, file, start, text, outcome, messages, record=True):
    """outcome: None (accepted) or (is_syntax_error, message)."""
    if outcome is None:
        rep.fail(f"{file} case at line {start}: ACCEPTED by the server")
        return
    is_syntax, msg = outcome
    msg = one_line(msg)
    if not is_syntax:
        rep.fail(f"{file} case at line {start}: rejected, but not as a syntax error: {msg}")
        return
    if record:
        messages[start] = msg
        old = recorded_server_message(text)
        if old != msg:
            print(f"note: {file} case at line {start}: server says {msg!r}, file says {old!r}")


# --------------------------------------------------------------------------- MariaDB/MySQL

def my_connect(db=None, multi=False):
    import pymysql
    from pymysql.constants import CLIENT
    return pymysql.connect(host=MY_HOST, port=int(MY_PORT), user=MY_USER, password=MY_PASS,
                           database=db, autocommit=True, charset="utf8mb4",
                           client_flag=CLIENT.MULTI_STATEMENTS if multi else 0)


def my_exec(conn, sql):
    """Runs sql (possibly several statements); returns None or (errno, message)."""
    import pymysql
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            cur.fetchall()
            while cur.nextset():
                cur.fetchall()
        return None
    except pymysql.err.MySQLError as e:
        return (e.args[0], e.args[1] if len(e.args) > 1 else str(e))


def my_reset(admin, create=True):
    my_exec(admin, f"DROP DATABASE IF EXISTS `{MY_DB}`")
    with admin.cursor() as cur:
        cur.execute(r"SELECT user, host, is_role FROM mysql.user WHERE user LIKE 'corpus\_%'")
        for user, host, is_role in cur.fetchall():
            if is_role == "Y":
                my_exec(admin, f"DROP ROLE '{user}'")
            else:
                my_exec(admin, f"DROP USER '{user}'@'{host}'")
    if create:
        my_exec(admin, f"CREATE DATABASE `{MY_DB}`")


def validate_mysql(bindir, rep, write):
    admin = my_connect()
    with admin.cursor() as cur:
        cur.execute("SELECT VERSION()")
        print(f"MariaDB/MySQL {cur.fetchone()[0]}")
    stmts = split(bindir, os.path.join(HERE, "mysql.sql"))
    my_reset(admin)
    try:
        conn = my_connect(MY_DB)
        t = time.time()
        for n, (line, text) in enumerate(stmts, 1):
            err = my_exec(conn, text)
            if err:
                rep.fail(f"mysql.sql #{n} (line {line}): {one_line(text)[:80]!r}: "
                         f"[{err[0]}] {one_line(err[1])}")
        conn.close()
        rep.counts.append(f"mysql.sql: {len(stmts)} statements ({time.time() - t:.1f}s)")

        cases = read_cases(os.path.join(HERE, "mysql-invalid.sql"))
        messages = {}
        for start, text in cases:
            my_reset(admin)
            conn = my_connect(MY_DB, multi=True)
            for sql in FIXTURE["mysql"]:
                assert my_exec(conn, sql) is None
            err = my_exec(conn, text)
            conn.close()
            # "... at line N" counts the case's comment lines too: leave it out.
            check_invalid(rep, "mysql-invalid.sql", start, text,
                          None if err is None else
                          (err[0] == 1064, re.sub(r"\s+at line \d+\s*$", "", err[1])), messages)
        rep.counts.append(f"mysql-invalid.sql: {len(cases)} cases")
        if write:
            rewrite_server(os.path.join(HERE, "mysql-invalid.sql"), messages)
    finally:
        my_reset(admin, create=False)
        admin.close()


# --------------------------------------------------------------------------- SQLite

SQLITE_SYNTAX = re.compile(r"syntax error|incomplete input|unrecognized token")


def bundled_exec(bindir, dbpath, chunks):
    inp = "\0".join(chunks) + "\0"
    out = subprocess.run([os.path.join(bindir, "sqlite-exec"), dbpath], input=inp.encode(),
                         capture_output=True, check=True).stdout.decode()
    results = []
    for line in out.splitlines():
        results.append(None if line == "ok" else line.split("\t", 1)[1])
    assert len(results) == len(chunks), (len(results), len(chunks))
    return results


def validate_sqlite(bindir, rep, write):
    bundled = subprocess.run([os.path.join(bindir, "sqlite-exec"), "--version"],
                             capture_output=True, check=True).stdout.decode().strip()
    print(f"SQLite {sqlite3.sqlite_version} (Python sqlite3), {bundled} (libsqlite3-sys bundled)")
    if sqlite3.sqlite_version_info < (3, 35, 0):
        rep.fail(f"Python's SQLite {sqlite3.sqlite_version} is older than 3.35")
        return
    stmts = split(bindir, os.path.join(HERE, "sqlite.sql"))
    with tempfile.TemporaryDirectory() as tmp:
        t = time.time()
        conn = sqlite3.connect(os.path.join(tmp, "corpus.db"), isolation_level=None)
        for n, (line, text) in enumerate(stmts, 1):
            try:
                rows = conn.execute(text).fetchall()
                if rows and re.match(r"(?i)PRAGMA\s+foreign_key_check", text):
                    rep.fail(f"sqlite.sql #{n} (line {line}): foreign_key_check found {rows}")
            except sqlite3.Error as e:
                rep.fail(f"sqlite.sql #{n} (line {line}) [python sqlite {sqlite3.sqlite_version}]: "
                         f"{one_line(text)[:80]!r}: {one_line(e)}")
        conn.close()
        results = bundled_exec(bindir, os.path.join(tmp, "bundled.db"), [s for _, s in stmts])
        for n, ((line, text), err) in enumerate(zip(stmts, results), 1):
            if err is not None:
                rep.fail(f"sqlite.sql #{n} (line {line}) [bundled {bundled}]: "
                         f"{one_line(text)[:80]!r}: {one_line(err)}")
        rep.counts.append(f"sqlite.sql: {len(stmts)} statements ({time.time() - t:.1f}s)")

        cases = read_cases(os.path.join(HERE, "sqlite-invalid.sql"))
        messages = {}
        for start, text in cases:
            conn = sqlite3.connect(":memory:", isolation_level=None)
            for sql in FIXTURE["sqlite"]:
                conn.execute(sql)
            try:
                conn.executescript(text)
                outcome = None
            except sqlite3.Error as e:
                outcome = (bool(SQLITE_SYNTAX.search(str(e))), str(e))
            conn.close()
            check_invalid(rep, "sqlite-invalid.sql", start, text, outcome, messages)
            dbpath = os.path.join(tmp, f"invalid-{start}.db")
            err = bundled_exec(bindir, dbpath, FIXTURE["sqlite"] + [text])[-1]
            check_invalid(rep, f"sqlite-invalid.sql [bundled {bundled}]", start, text,
                          None if err is None else (bool(SQLITE_SYNTAX.search(err)), err),
                          messages, record=False)
        rep.counts.append(f"sqlite-invalid.sql: {len(cases)} cases")
        if write:
            rewrite_server(os.path.join(HERE, "sqlite-invalid.sql"), messages)


def main():
    args = sys.argv[1:]
    write = "--write-server" in args
    dialects = [a for a in args if not a.startswith("--")] or ["postgres", "sqlite", "mysql"]
    bindir = build_helper()
    rep = Report()
    for d in dialects:
        {"postgres": validate_postgres, "sqlite": validate_sqlite,
         "mysql": validate_mysql}[d](bindir, rep, write)
    print()
    for c in rep.counts:
        print(c)
    if rep.failures:
        print(f"\n{len(rep.failures)} failure(s):")
        for f in rep.failures:
            print("  " + f)
        sys.exit(1)
    print("all ok")


if __name__ == "__main__":
    main()

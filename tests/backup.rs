//! `updown::backup` on every backend: a backup taken, the database damaged (a table
//! dropped, rows deleted and changed, a table added, a column altered), and the restore
//! giving back the same schema and the same rows. A file that is cut short, not a backup,
//! or of another backend is refused and changes nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::{QueryableByName, RunQueryDsl};
use updown::{Backend, DatabaseUrl, Error, backup};
use updown_tests::{TestDb, databases};

fn exec(db: &TestDb, sql: &str) {
    db.connect()
        .batch_execute(sql)
        .unwrap_or_else(|e| panic!("{}: {sql}: {e}", db.backend));
}

fn url(db: &TestDb) -> DatabaseUrl {
    DatabaseUrl::parse(&db.url).expect("test URL parses")
}

/// Two tables joined by a foreign key, an index, a view, a table with a generated key,
/// and rows holding quotes, NULLs, a line break and non-ASCII text; on the servers a
/// function and a trigger too.
fn populate(db: &TestDb) {
    exec(
        db,
        "CREATE TABLE authors (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, born DATE);
         CREATE TABLE books (
             id INTEGER PRIMARY KEY,
             author_id INTEGER NOT NULL,
             title VARCHAR(200) NOT NULL,
             price DECIMAL(8, 2),
             FOREIGN KEY (author_id) REFERENCES authors (id)
         );
         CREATE INDEX books_title_idx ON books (title);
         CREATE VIEW book_titles AS
             SELECT b.title, a.name FROM books b JOIN authors a ON a.id = b.author_id;
         INSERT INTO authors VALUES
             (1, 'Ursula K. Le Guin', '1929-10-21'), (2, 'O''Brien', NULL), (3, 'Zoë ✓', '1970-01-01');
         INSERT INTO books VALUES
             (10, 1, 'The Dispossessed', 9.99), (11, 1, 'A Wizard of Earthsea', NULL),
             (12, 3, 'Line
break', 0.50);",
    );
    exec(
        db,
        match db.backend {
            Backend::Postgres => {
                "CREATE TABLE tags (id SERIAL PRIMARY KEY, label TEXT NOT NULL UNIQUE);
                 INSERT INTO tags (label) VALUES ('sf'), ('fantasy');
                 CREATE FUNCTION twice(x INTEGER) RETURNS INTEGER
                     LANGUAGE sql IMMUTABLE AS 'SELECT x * 2';
                 CREATE FUNCTION trim_title() RETURNS trigger LANGUAGE plpgsql AS
                     $$ BEGIN NEW.title := trim(NEW.title); RETURN NEW; END $$;
                 CREATE TRIGGER books_trim BEFORE INSERT ON books
                     FOR EACH ROW EXECUTE FUNCTION trim_title();"
            }
            Backend::Mysql => {
                "CREATE TABLE tags (id INTEGER AUTO_INCREMENT PRIMARY KEY, label VARCHAR(50) NOT NULL UNIQUE);
                 INSERT INTO tags (label) VALUES ('sf'), ('fantasy');
                 CREATE FUNCTION twice(x INTEGER) RETURNS INTEGER DETERMINISTIC RETURN x * 2;
                 CREATE TRIGGER books_trim BEFORE INSERT ON books
                     FOR EACH ROW SET NEW.title = TRIM(NEW.title);"
            }
            _ => {
                "CREATE TABLE tags (id INTEGER PRIMARY KEY AUTOINCREMENT, label TEXT NOT NULL UNIQUE);
                 INSERT INTO tags (label) VALUES ('sf'), ('fantasy');
                 CREATE TRIGGER books_trim AFTER INSERT ON books
                     BEGIN UPDATE books SET title = trim(title) WHERE id = NEW.id; END;"
            }
        },
    );
}

/// What a restore must undo.
fn damage(db: &TestDb) {
    exec(
        db,
        "DROP VIEW book_titles;
         DROP TABLE books;
         DELETE FROM authors WHERE id = 2;
         UPDATE authors SET name = 'changed' WHERE id = 1;
         INSERT INTO tags (label) VALUES ('added');
         CREATE TABLE intruders (id INTEGER PRIMARY KEY);
         INSERT INTO intruders VALUES (1);",
    );
    exec(
        db,
        match db.backend {
            Backend::Postgres => {
                "ALTER TABLE authors ALTER COLUMN name TYPE TEXT;
                 DROP FUNCTION twice(INTEGER);
                 CREATE FUNCTION intruder() RETURNS INTEGER LANGUAGE sql AS 'SELECT 1';
                 CREATE SCHEMA extra;
                 CREATE TABLE extra.more (id INTEGER);"
            }
            Backend::Mysql => {
                "ALTER TABLE authors MODIFY name TEXT NOT NULL;
                 DROP FUNCTION twice;
                 CREATE FUNCTION intruder() RETURNS INTEGER DETERMINISTIC RETURN 1;"
            }
            _ => "ALTER TABLE authors ADD COLUMN extra TEXT DEFAULT 'x';",
        },
    );
}

#[derive(QueryableByName)]
struct Text {
    #[diesel(sql_type = diesel::sql_types::Text)]
    r: String,
}

fn texts(db: &TestDb, sql: &str) -> Vec<String> {
    let rows: Vec<Text> = diesel::sql_query(sql)
        .load(&mut db.connect())
        .unwrap_or_else(|e| panic!("{}: {sql}: {e}", db.backend));
    let mut rows: Vec<String> = rows.into_iter().map(|t| t.r).collect();
    rows.sort();
    rows
}

/// Every row of every table, each as one line of text.
fn rows(db: &TestDb, snapshot: &updown::snapshot::Snapshot) -> BTreeMap<String, Vec<String>> {
    let mut all = BTreeMap::new();
    for (name, table) in &snapshot.tables {
        let columns: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
        let sql = match db.backend {
            Backend::Postgres => format!("SELECT CAST(t AS TEXT) AS r FROM \"{name}\" AS t"),
            Backend::Mysql => {
                let values: Vec<String> = columns
                    .iter()
                    .map(|c| format!("CAST(QUOTE(`{c}`) AS CHAR)"))
                    .collect();
                format!(
                    "SELECT CONCAT_WS('|', {}) AS r FROM `{name}`",
                    values.join(", ")
                )
            }
            _ => {
                let values: Vec<String> =
                    columns.iter().map(|c| format!("quote(\"{c}\")")).collect();
                format!("SELECT {} AS r FROM \"{name}\"", values.join(" || '|' || "))
            }
        };
        all.insert(name.clone(), texts(db, &sql));
    }
    all
}

/// The schema and every row.
fn state(db: &TestDb) -> (updown::snapshot::Snapshot, BTreeMap<String, Vec<String>>) {
    let snapshot = updown::snapshot::read(&db.url).expect("snapshot");
    let rows = rows(db, &snapshot);
    (snapshot, rows)
}

#[track_caller]
fn assert_same(db: &TestDb, before: &(updown::snapshot::Snapshot, BTreeMap<String, Vec<String>>)) {
    let after = state(db);
    let diff: Vec<String> = before
        .0
        .diff(&after.0)
        .iter()
        .map(|d| d.to_string())
        .collect();
    assert!(
        diff.is_empty(),
        "{}: schema differs:\n{}",
        db.backend,
        diff.join("\n")
    );
    assert_eq!(before.0, after.0, "{}: snapshot", db.backend);
    assert_eq!(before.1, after.1, "{}: rows", db.backend);
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

fn take(db: &TestDb) -> (tempfile::TempDir, backup::Backup) {
    let dir = tempfile::tempdir().expect("temp dir");
    let taken = backup::take(&url(db), &dir.path().join("backups"))
        .unwrap_or_else(|e| panic!("{}: backup: {e}", db.backend));
    (dir, taken)
}

#[test]
fn a_restore_gives_back_the_schema_and_rows_of_the_moment_of_the_backup() {
    for db in databases() {
        populate(&db);
        let before = state(&db);
        assert_eq!(before.1["books"].len(), 3, "{}", db.backend);
        let (_dir, taken) = take(&db);

        let name = taken
            .file
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let backups = taken.file.parent().unwrap();
        let bytes = std::fs::read(&taken.file).expect("read backup");
        assert_eq!(&bytes[..2], &[0x1f, 0x8b], "{}: gzip magic", db.backend);
        assert_eq!(taken.bytes, bytes.len() as u64);
        let (tool, extension) = match db.backend {
            Backend::Sqlite => ("VACUUM INTO", ".sqlite.gz"),
            Backend::Postgres => ("pg_dump", ".sql.gz"),
            _ => (taken.tool.as_str(), ".sql.gz"),
        };
        assert_eq!(taken.tool, tool);
        assert!(["VACUUM INTO", "pg_dump", "mariadb-dump", "mysqldump"].contains(&tool));
        assert!(name.ends_with(extension), "{name}");
        assert!(is_stamped(&name), "{name}");
        assert_eq!(backup::latest(backups).expect("latest"), taken.file);
        assert_eq!(
            std::fs::read_to_string(backups.join("latest")).unwrap(),
            name
        );
        #[cfg(unix)]
        {
            assert_eq!(mode(&taken.file), 0o600, "{}: backup mode", db.backend);
            assert_eq!(
                mode(&backups.join("latest")),
                0o600,
                "{}: latest mode",
                db.backend
            );
            assert_eq!(mode(backups), 0o700, "{}: folder mode", db.backend);
        }

        damage(&db);
        assert_ne!(state(&db), before, "{}: the damage shows", db.backend);
        backup::restore(&url(&db), &taken.file)
            .unwrap_or_else(|e| panic!("{}: restore: {e}", db.backend));
        assert_same(&db, &before);
        assert!(!db.table_exists("intruders"), "{}", db.backend);
    }
}

/// `<database>-YYYYMMDDTHHMMSS.mmmZ.<ext>.gz`.
fn is_stamped(name: &str) -> bool {
    let Some((_, rest)) = name.rsplit_once('-') else {
        return false;
    };
    let stamp: Vec<char> = rest.chars().take(20).collect();
    stamp.len() == 20
        && stamp.iter().enumerate().all(|(i, c)| match i {
            8 => *c == 'T',
            15 => *c == '.',
            19 => *c == 'Z',
            _ => c.is_ascii_digit(),
        })
}

#[test]
fn postgres_gets_back_its_schemas_and_public_as_it_was() {
    let Some(db) = databases()
        .into_iter()
        .find(|d| d.backend == Backend::Postgres)
    else {
        return;
    };
    populate(&db);
    exec(
        &db,
        "CREATE SCHEMA reports; CREATE TABLE reports.daily (day DATE PRIMARY KEY);",
    );
    let public = "SELECT nspowner::regrole::text || ' ' || COALESCE(nspacl::text, '-') || ' ' \
        || COALESCE(obj_description(oid, 'pg_namespace'), '-') AS r \
        FROM pg_namespace WHERE nspname IN ('public', 'reports', 'extra') ORDER BY nspname";
    let schemas_before = texts(&db, public);
    let (_dir, taken) = take(&db);
    damage(&db);
    exec(
        &db,
        "DROP SCHEMA reports CASCADE; COMMENT ON SCHEMA public IS 'changed';",
    );
    backup::restore(&url(&db), &taken.file).expect("restore");
    assert_eq!(texts(&db, public), schemas_before);
    let next = texts(&db, "SELECT CAST(nextval('tags_id_seq') AS TEXT) AS r");
    assert_eq!(next, ["3"], "the sequence is where it was");
}

#[test]
fn a_sqlite_backup_is_taken_while_another_connection_holds_begin_immediate() {
    let db = updown_tests::sqlite();
    populate(&db);
    let before = state(&db);
    let mut holder = db.connect();
    holder
        .batch_execute("BEGIN IMMEDIATE; INSERT INTO authors VALUES (99, 'uncommitted', NULL);")
        .expect("hold the write lock");
    let (_dir, taken) = take(&db);
    holder.batch_execute("COMMIT").expect("commit");
    backup::restore(&url(&db), &taken.file).expect("restore");
    assert_same(&db, &before);
}

#[test]
fn a_sqlite_restore_into_a_wal_database_is_seen_by_a_connection_left_open() {
    let db = updown_tests::sqlite();
    exec(&db, "PRAGMA journal_mode = WAL;");
    populate(&db);
    let before = state(&db);
    let (_dir, taken) = take(&db);
    damage(&db);
    let mut open = db.connect();
    open.batch_execute("SELECT 1").expect("open");
    backup::restore(&url(&db), &taken.file).expect("restore");
    assert_same(&db, &before);
    let seen: Vec<Text> = diesel::sql_query("SELECT name AS r FROM authors ORDER BY id")
        .load(&mut open)
        .expect("read through the open connection");
    assert_eq!(seen.len(), 3);
    let mode: Vec<Text> = diesel::sql_query("SELECT journal_mode AS r FROM pragma_journal_mode")
        .load(&mut open)
        .expect("journal mode");
    assert_eq!(mode[0].r, "wal");
    let temporary: Vec<_> = std::fs::read_dir(db.dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".updown"))
        .collect();
    assert!(
        temporary.is_empty(),
        "the restore leaves no file behind: {temporary:?}"
    );
}

/// A gzip file of `bytes` in stored (uncompressed) deflate blocks: valid, and made
/// without a compressor.
fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    let chunks: Vec<&[u8]> = match bytes.is_empty() {
        true => vec![&[]],
        false => bytes.chunks(65_535).collect(),
    };
    for (i, chunk) in chunks.iter().enumerate() {
        out.push(u8::from(i + 1 == chunks.len()));
        let len = chunk.len() as u16;
        out.extend(len.to_le_bytes());
        out.extend((!len).to_le_bytes());
        out.extend(*chunk);
    }
    out.extend(crc32(bytes).to_le_bytes());
    out.extend((bytes.len() as u32).to_le_bytes());
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// The opening of a backup of `db`'s kind without its end: a header that passes, and
/// then nothing.
fn beginning_only(db: &TestDb) -> Vec<u8> {
    match db.backend {
        Backend::Sqlite => {
            let file = std::fs::read(db.dir().join("test.db")).expect("read the database");
            file[..4096].to_vec()
        }
        Backend::Postgres => {
            b"--\n-- PostgreSQL database dump\n--\n\nCREATE TABLE half (id integer);\n".to_vec()
        }
        _ => b"-- MariaDB dump 10.19  Distrib 10.11.14-MariaDB\n--\nCREATE TABLE half (id int);\n"
            .to_vec(),
    }
}

/// Broken copies of `file`, each with what is wrong with it.
fn broken(db: &TestDb, file: &Path, dir: &Path) -> Vec<(&'static str, PathBuf)> {
    let raw = std::fs::read(file).unwrap();
    let cases: Vec<(&'static str, Vec<u8>)> = vec![
        ("cut in half", raw[..raw.len() / 2].to_vec()),
        ("without its gzip trailer", raw[..raw.len() - 8].to_vec()),
        ("empty", Vec::new()),
        ("not gzip", b"CREATE TABLE nope (id INTEGER);".to_vec()),
        ("gzip of something else", gzip(b"hello, world\n")),
        ("gzip of nothing", gzip(b"")),
        (
            "a complete gzip of the beginning only",
            gzip(&beginning_only(db)),
        ),
        ("flipped bytes", {
            let mut bytes = raw.clone();
            let middle = bytes.len() / 2;
            bytes[middle] ^= 0xff;
            bytes[middle + 1] ^= 0xff;
            bytes
        }),
    ];
    cases
        .into_iter()
        .enumerate()
        .map(|(i, (what, bytes))| {
            let path = dir.join(format!("broken-{i}.gz"));
            std::fs::write(&path, bytes).unwrap();
            (what, path)
        })
        .collect()
}

#[test]
fn a_broken_file_is_refused_and_changes_nothing() {
    for db in databases() {
        populate(&db);
        let (dir, taken) = take(&db);
        exec(
            &db,
            "CREATE TABLE after_backup (id INTEGER PRIMARY KEY); INSERT INTO after_backup VALUES (7);",
        );
        let now = state(&db);
        for (what, file) in broken(&db, &taken.file, dir.path()) {
            let err = backup::restore(&url(&db), &file).expect_err(what);
            assert!(
                matches!(err, Error::Backup { .. }),
                "{}: {what}: {err:?}",
                db.backend
            );
            let text = err.to_string();
            assert!(
                text.contains("nothing was changed"),
                "{}: {what}: {text}",
                db.backend
            );
            assert_same(&db, &now);
        }
    }
}

#[test]
fn a_backup_of_one_backend_is_refused_by_another() {
    let dbs = databases();
    let taken: Vec<_> = dbs
        .iter()
        .map(|db| {
            populate(db);
            take(db)
        })
        .collect();
    for (from, (_dir, file)) in dbs.iter().zip(&taken) {
        for into in dbs.iter().filter(|d| d.backend != from.backend) {
            let now = state(into);
            let err = backup::restore(&url(into), &file.file).expect_err("refused");
            let text = err.to_string();
            assert!(
                text.contains(&format!("a backup of a {} database", from.backend)),
                "{text}"
            );
            assert!(text.contains("nothing was changed"), "{text}");
            assert_same(into, &now);
        }
    }
}

#[test]
fn a_sqlite_database_in_memory_or_missing_has_nothing_to_back_up() {
    let dir = tempfile::tempdir().unwrap();
    let missing = format!("sqlite://{}", dir.path().join("missing.db").display());
    for url in ["sqlite::memory:", missing.as_str()] {
        let err = backup::take(&DatabaseUrl::parse(url).unwrap(), dir.path()).unwrap_err();
        assert!(err.to_string().contains("nothing to back up"), "{err}");
    }
    let none: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(none.is_empty(), "nothing was written: {none:?}");
}

#[test]
fn a_server_failure_is_reported_without_the_password() {
    for db in databases()
        .into_iter()
        .filter(|d| d.backend != Backend::Sqlite)
    {
        let (root, _) = db.url.rsplit_once('/').unwrap();
        let gone = DatabaseUrl::parse(&format!("{root}/updown_no_such_database")).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let err = backup::take(&gone, dir.path()).unwrap_err();
        assert!(matches!(err, Error::Backup { .. }), "{err:?}");
        let text = format!("{err} {err:?}");
        assert!(text.contains("updown_no_such_database"), "{text}");
        for secret in ["pg-secret-updown", "my-secret-updown"] {
            assert!(!text.contains(secret), "{text}");
        }
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(
            leftovers.is_empty(),
            "a failed backup leaves nothing: {leftovers:?}"
        );
    }
}

#[test]
fn a_dump_that_fails_part_way_is_rolled_back_on_postgres_and_said_to_be_partial_on_mysql() {
    for db in databases()
        .into_iter()
        .filter(|d| d.backend != Backend::Sqlite)
    {
        populate(&db);
        let now = state(&db);
        let (header, trailer) = match db.backend {
            Backend::Postgres => (
                "--\n-- PostgreSQL database dump\n--\n",
                "--\n-- PostgreSQL database dump complete\n--\n",
            ),
            _ => ("-- MariaDB dump 10.19\n--\n", "-- Dump completed\n"),
        };
        let dump = format!(
            "{header}CREATE TABLE half (id integer);\nSELECT no_such_function();\n{trailer}"
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("failing.sql.gz");
        std::fs::write(&file, gzip(dump.as_bytes())).unwrap();
        let err = backup::restore(&url(&db), &file).expect_err("the dump fails");
        let text = err.to_string();
        assert!(matches!(err, Error::Backup { .. }), "{err:?}");
        assert!(text.contains("no_such_function"), "{text}");
        for secret in ["pg-secret-updown", "my-secret-updown"] {
            assert!(!text.contains(secret), "{text}");
        }
        if db.backend == Backend::Postgres {
            assert!(text.contains("rolled back"), "{text}");
            assert_same(&db, &now);
        } else {
            assert!(text.contains("partly restored"), "{text}");
            assert!(text.contains("run the restore again"), "{text}");
        }
    }
}

//! Foreign keys after a run: the keys of the database, and the rows that break them.
//! PostgreSQL can add a key `NOT VALID`, MySQL with `FOREIGN_KEY_CHECKS = 0`, and SQLite
//! never enforces one unless `PRAGMA foreign_keys` is on: each lets rows in that no parent
//! row matches.

use std::collections::HashMap;

use diesel::QueryResult;

use crate::connection::AnyConnection;
use crate::url::Backend;

/// One foreign key of the database.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ForeignKey {
    /// The table holding the key (the child).
    pub table: String,
    /// The constraint's name; on SQLite, which names none, `table(columns)`.
    pub name: String,
    /// The child's columns, in key order.
    pub columns: Vec<String>,
    /// The referenced table (the parent).
    pub parent: String,
    /// The parent's columns, in key order (on SQLite empty when the key names none: the
    /// parent's primary key).
    pub parent_columns: Vec<String>,
    /// Whether the database has checked every row against it (PostgreSQL
    /// `convalidated`; always true elsewhere).
    pub validated: bool,
}

/// What is wrong with one foreign key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyFinding {
    /// Rows of the child that no parent row matches: a failure.
    Orphans {
        /// The key.
        key: ForeignKey,
        /// How many rows (counted up to a limit; see `capped`).
        rows: i64,
        /// Whether counting stopped at the limit, so there may be more.
        capped: bool,
    },
    /// A PostgreSQL key added `NOT VALID` whose rows all match: a note, since
    /// `VALIDATE CONSTRAINT` would pass.
    NotValidated {
        /// The key.
        key: ForeignKey,
    },
}

/// Every foreign key of the database, without updown's tables (there are none on them).
pub(crate) fn foreign_keys(
    conn: &mut AnyConnection,
    backend: Backend,
) -> QueryResult<Vec<ForeignKey>> {
    let mut keys: Vec<ForeignKey> = match backend {
        Backend::Sqlite => sqlite_keys(conn)?,
        Backend::Postgres | Backend::Mysql => server_keys(conn, backend)?
            .into_iter()
            .map(|(key, _)| key)
            .collect(),
    };
    keys.sort();
    Ok(keys)
}

/// Checks `keys` against their rows: orphans, and keys not validated.
pub(crate) fn check_keys(
    conn: &mut AnyConnection,
    backend: Backend,
    keys: &[ForeignKey],
) -> QueryResult<Vec<KeyFinding>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    // How each key's tables are written in SQL, read from the catalog.
    let written: HashMap<(String, String), Tables> = match backend {
        Backend::Sqlite => HashMap::new(),
        Backend::Postgres | Backend::Mysql => server_keys(conn, backend)?
            .into_iter()
            .map(|(key, tables)| ((key.table, key.name), tables))
            .collect(),
    };
    let mut findings = Vec::new();
    for key in keys {
        let n = match backend {
            Backend::Sqlite => sqlite_orphans(conn, key)?,
            Backend::Postgres | Backend::Mysql => {
                let quote = |ident: &str| quote(backend, ident);
                let tables = written
                    .get(&(key.table.clone(), key.name.clone()))
                    .cloned()
                    .unwrap_or_else(|| Tables {
                        child: quote(&key.table),
                        parent: quote(&key.parent),
                    });
                server_orphans(conn, backend, key, &tables)?
            }
        };
        if n > 0 {
            findings.push(KeyFinding::Orphans {
                key: key.clone(),
                rows: n,
                capped: n >= CAP,
            });
        } else if !key.validated && backend == Backend::Postgres {
            findings.push(KeyFinding::NotValidated { key: key.clone() });
        }
    }
    Ok(findings)
}

/// Orphan rows are counted up to this many.
const CAP: i64 = 1000;

/// updown's own tables, left out.
const OWN: &str = "('updown_migrations', 'updown_history', 'updown_layout')";

/// The child and parent tables of a key as SQL writes them: quoted, and qualified where
/// they are not found by their name alone.
#[derive(Clone)]
struct Tables {
    child: String,
    parent: String,
}

fn quote(backend: Backend, ident: &str) -> String {
    match backend {
        Backend::Mysql => format!("`{}`", ident.replace('`', "``")),
        _ => format!("\"{}\"", ident.replace('"', "\"\"")),
    }
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn count(conn: &mut AnyConnection, query: String) -> QueryResult<i64> {
    let c: Count = diesel::RunQueryDsl::get_result(diesel::sql_query(query), conn)?;
    Ok(c.n)
}

/// One column pair of a key, as the server catalogs give them, in key order.
#[derive(diesel::QueryableByName)]
struct KeyColumn {
    #[diesel(sql_type = diesel::sql_types::Text)]
    tbl: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    parent: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    validated: i32,
    #[diesel(sql_type = diesel::sql_types::Text)]
    col: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pcol: String,
    /// The child table as SQL writes it.
    #[diesel(sql_type = diesel::sql_types::Text)]
    child_sql: String,
    /// The parent table as SQL writes it.
    #[diesel(sql_type = diesel::sql_types::Text)]
    parent_sql: String,
}

/// The keys of a PostgreSQL or MySQL database, each with how its tables are written.
/// PostgreSQL: the keys of every schema but the system's, a table outside the current
/// schema named `schema.table`; MySQL: the keys of the current database, a parent in
/// another database named `database.table`.
fn server_keys(
    conn: &mut AnyConnection,
    backend: Backend,
) -> QueryResult<Vec<(ForeignKey, Tables)>> {
    let query = match backend {
        // `conparentid = 0`: not the copies a key on a partitioned table makes on its
        // partitions, nor those a key to one makes for the referenced partitions.
        // `regclass` output is quoted and qualified as the search path needs.
        Backend::Postgres => format!(
            "SELECT CASE WHEN n.nspname = current_schema() THEN c.relname::text
                         ELSE n.nspname || '.' || c.relname END AS tbl,
                    k.conname::text AS name,
                    CASE WHEN pn.nspname = current_schema() THEN p.relname::text
                         ELSE pn.nspname || '.' || p.relname END AS parent,
                    CASE WHEN k.convalidated THEN 1 ELSE 0 END AS validated,
                    ca.attname::text AS col, pa.attname::text AS pcol,
                    k.conrelid::regclass::text AS child_sql,
                    k.confrelid::regclass::text AS parent_sql
             FROM pg_constraint k
             JOIN pg_class c ON c.oid = k.conrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
             JOIN pg_class p ON p.oid = k.confrelid
             JOIN pg_namespace pn ON pn.oid = p.relnamespace
             CROSS JOIN LATERAL unnest(k.conkey, k.confkey) WITH ORDINALITY AS u(ck, pk, i)
             JOIN pg_attribute ca ON ca.attrelid = k.conrelid AND ca.attnum = u.ck
             JOIN pg_attribute pa ON pa.attrelid = k.confrelid AND pa.attnum = u.pk
             WHERE k.contype = 'f' AND k.conparentid = 0
               AND n.nspname NOT IN ('pg_catalog', 'information_schema')
               AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
               AND NOT (n.nspname = current_schema() AND c.relname IN {OWN})
             ORDER BY k.oid, u.i"
        ),
        // Every name through `CAST(.. AS CHAR)`: information_schema's collations do not
        // mix.
        _ => format!(
            "SELECT CAST(k.TABLE_NAME AS CHAR) AS tbl, CAST(k.CONSTRAINT_NAME AS CHAR) AS name,
                    CASE WHEN k.REFERENCED_TABLE_SCHEMA = DATABASE()
                         THEN CAST(k.REFERENCED_TABLE_NAME AS CHAR)
                         ELSE CONCAT(CAST(k.REFERENCED_TABLE_SCHEMA AS CHAR), '.',
                                     CAST(k.REFERENCED_TABLE_NAME AS CHAR)) END AS parent,
                    1 AS validated,
                    CAST(k.COLUMN_NAME AS CHAR) AS col,
                    CAST(k.REFERENCED_COLUMN_NAME AS CHAR) AS pcol,
                    CONCAT('`', REPLACE(CAST(k.TABLE_NAME AS CHAR), '`', '``'), '`') AS child_sql,
                    CONCAT('`', REPLACE(CAST(k.REFERENCED_TABLE_SCHEMA AS CHAR), '`', '``'), '`.`',
                           REPLACE(CAST(k.REFERENCED_TABLE_NAME AS CHAR), '`', '``'), '`')
                        AS parent_sql
             FROM information_schema.KEY_COLUMN_USAGE k
             WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL
               AND k.TABLE_NAME NOT IN {OWN}
             ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION"
        ),
    };
    let rows: Vec<KeyColumn> = diesel::RunQueryDsl::load(diesel::sql_query(query), conn)?;
    let mut keys: Vec<(ForeignKey, Tables)> = Vec::new();
    for row in rows {
        match keys.last_mut() {
            Some((key, _)) if key.table == row.tbl && key.name == row.name => {
                key.columns.push(row.col);
                key.parent_columns.push(row.pcol);
            }
            _ => keys.push((
                ForeignKey {
                    table: row.tbl,
                    name: row.name,
                    columns: vec![row.col],
                    parent: row.parent,
                    parent_columns: vec![row.pcol],
                    validated: row.validated != 0,
                },
                Tables {
                    child: row.child_sql,
                    parent: row.parent_sql,
                },
            )),
        }
    }
    Ok(keys)
}

/// The rows of `key`'s child that no parent row matches, counted up to [`CAP`]. A row
/// with a NULL in any of the key's columns is not checked (MATCH SIMPLE).
fn server_orphans(
    conn: &mut AnyConnection,
    backend: Backend,
    key: &ForeignKey,
    tables: &Tables,
) -> QueryResult<i64> {
    let q = |ident: &str| quote(backend, ident);
    let not_null = key
        .columns
        .iter()
        .map(|c| format!("c.{} IS NOT NULL", q(c)))
        .collect::<Vec<_>>()
        .join(" AND ");
    let matches = key
        .columns
        .iter()
        .zip(&key.parent_columns)
        .map(|(c, p)| format!("p.{} = c.{}", q(p), q(c)))
        .collect::<Vec<_>>()
        .join(" AND ");
    count(
        conn,
        format!(
            "SELECT COUNT(*) AS n FROM (SELECT 1 AS o FROM {} c WHERE {not_null}
               AND NOT EXISTS (SELECT 1 FROM {} p WHERE {matches}) LIMIT {CAP}) s",
            tables.child, tables.parent
        ),
    )
}

/// One column of a key, from SQLite's `pragma_foreign_key_list`.
#[derive(diesel::QueryableByName)]
struct SqliteKeyColumn {
    #[diesel(sql_type = diesel::sql_types::Text)]
    tbl: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    id: i32,
    #[diesel(sql_type = diesel::sql_types::Text)]
    parent: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    col: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pcol: Option<String>,
}

/// The keys of the SQLite tables named `table`, or of all of them, each with its `id`
/// (the `fkid` of `foreign_key_check`).
fn sqlite_key_list(
    conn: &mut AnyConnection,
    table: Option<&str>,
) -> QueryResult<Vec<(ForeignKey, i32)>> {
    let which = match table {
        Some(t) => format!("m.name = {}", crate::schema::sql_literal(t)),
        None => format!("m.name NOT IN {OWN}"),
    };
    // A key is declared only by REFERENCES, which SQLite keeps in the table's SQL (ADD
    // COLUMN rewrites it): the pragma, a statement prepared per table, is skipped for
    // the others, most tables of a large schema.
    let rows: Vec<SqliteKeyColumn> = diesel::RunQueryDsl::load(
        diesel::sql_query(format!(
            "SELECT m.name AS tbl, f.id AS id, f.\"table\" AS parent, f.\"from\" AS col,
                    f.\"to\" AS pcol
             FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f
             WHERE m.type = 'table' AND {which} AND instr(lower(m.sql), 'references') > 0
             ORDER BY m.name, f.id, f.seq"
        )),
        conn,
    )?;
    let mut keys: Vec<(ForeignKey, i32)> = Vec::new();
    for row in rows {
        match keys.last_mut() {
            Some((key, id)) if key.table == row.tbl && *id == row.id => {
                key.columns.push(row.col);
                key.parent_columns.extend(row.pcol);
            }
            _ => keys.push((
                ForeignKey {
                    name: String::new(),
                    table: row.tbl,
                    columns: vec![row.col],
                    parent: row.parent,
                    parent_columns: row.pcol.into_iter().collect(),
                    validated: true,
                },
                row.id,
            )),
        }
    }
    for (key, _) in &mut keys {
        key.name = format!("{}({})", key.table, key.columns.join(", "));
    }
    Ok(keys)
}

fn sqlite_keys(conn: &mut AnyConnection) -> QueryResult<Vec<ForeignKey>> {
    Ok(sqlite_key_list(conn, None)?
        .into_iter()
        .map(|(key, _)| key)
        .collect())
}

/// The rows `foreign_key_check` reports for `key`, counted up to [`CAP`]: it checks
/// whether `PRAGMA foreign_keys` is on or not, MATCH SIMPLE, and finds the parent's
/// primary key where the key names no columns.
fn sqlite_orphans(conn: &mut AnyConnection, key: &ForeignKey) -> QueryResult<i64> {
    let listed = sqlite_key_list(conn, Some(&key.table))?;
    let Some((_, id)) = listed.iter().find(|(k, _)| {
        k.parent == key.parent && k.columns == key.columns && k.parent_columns == key.parent_columns
    }) else {
        // Not a key of the database (any more): nothing to check.
        return Ok(0);
    };
    count(
        conn,
        format!(
            "SELECT COUNT(*) AS n FROM (SELECT 1 AS o FROM pragma_foreign_key_check({}) f
               WHERE f.fkid = {id} LIMIT {CAP}) s",
            crate::schema::sql_literal(&key.table)
        ),
    )
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;

    use super::*;
    #[cfg(feature = "sqlite")]
    use crate::url::DatabaseUrl;

    /// The administrative URL of a server under test, or `None` to skip (a failure
    /// under `CI=true`).
    #[cfg(any(feature = "postgres", feature = "mysql"))]
    use crate::backend::test_server as server;

    use crate::backend::test_connect as connect;

    fn key(table: &str, name: &str, columns: &[&str], parent: &str, to: &[&str]) -> ForeignKey {
        let strings = |s: &[&str]| s.iter().map(|s| s.to_string()).collect();
        ForeignKey {
            table: table.into(),
            name: name.into(),
            columns: strings(columns),
            parent: parent.into(),
            parent_columns: strings(to),
            validated: true,
        }
    }

    fn orphans(key: &ForeignKey, rows: i64) -> KeyFinding {
        KeyFinding::Orphans {
            key: key.clone(),
            rows,
            capped: false,
        }
    }

    fn check(conn: &mut AnyConnection) -> (Vec<ForeignKey>, Vec<KeyFinding>) {
        let backend = conn.backend();
        let keys = foreign_keys(conn, backend).unwrap();
        let findings = check_keys(conn, backend, &keys).unwrap();
        (keys, findings)
    }

    #[cfg(feature = "sqlite")]
    #[test]
    fn sqlite_orphans_are_counted_per_key() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("keys.db").display());
        let mut conn = connect(&DatabaseUrl::parse(&url).unwrap());
        assert_eq!(check(&mut conn), (vec![], vec![]));
        // updown's connection enforces keys: these rows get in as they do without it.
        conn.batch_execute(
            "PRAGMA foreign_keys = OFF;
             CREATE TABLE parent (id INTEGER PRIMARY KEY, a INT, b INT, UNIQUE (a, b));
             CREATE TABLE child (id INTEGER PRIMARY KEY, pid INT REFERENCES parent (id),
                 a INT, b INT, FOREIGN KEY (b, a) REFERENCES parent (b, a));
             CREATE TABLE implicit (id INTEGER PRIMARY KEY, pid INT REFERENCES parent);
             CREATE TABLE fine (pid INT REFERENCES parent (id));
             CREATE TABLE later (id INTEGER PRIMARY KEY);
             ALTER TABLE later ADD COLUMN pid INT ReFeReNcEs parent (id);
             CREATE TABLE keyless (id INTEGER PRIMARY KEY, pid INT);
             INSERT INTO parent VALUES (1, 10, 20);
             INSERT INTO child VALUES (1, 1, 10, 20), (2, 99, NULL, 20), (3, NULL, 10, 21),
                 (4, NULL, NULL, NULL), (5, 98, 11, 20);
             INSERT INTO implicit VALUES (1, 1), (2, 5), (3, NULL);
             INSERT INTO fine VALUES (1), (NULL);
             INSERT INTO later VALUES (1, 1), (2, 7);
             INSERT INTO keyless VALUES (1, 99);",
        )
        .unwrap();
        let (keys, findings) = check(&mut conn);
        let composite = key("child", "child(b, a)", &["b", "a"], "parent", &["b", "a"]);
        let simple = key("child", "child(pid)", &["pid"], "parent", &["id"]);
        let fine = key("fine", "fine(pid)", &["pid"], "parent", &["id"]);
        let implicit = key("implicit", "implicit(pid)", &["pid"], "parent", &[]);
        // Added by ALTER TABLE, the keyword in any case.
        let later = key("later", "later(pid)", &["pid"], "parent", &["id"]);
        assert_eq!(
            keys,
            [
                composite.clone(),
                simple.clone(),
                fine.clone(),
                implicit.clone(),
                later.clone()
            ]
        );
        assert_eq!(
            findings,
            [
                orphans(&composite, 2),
                orphans(&simple, 2),
                orphans(&implicit, 1),
                orphans(&later, 1)
            ]
        );

        // Counting stops at the cap.
        conn.batch_execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1500)
             INSERT INTO implicit (pid) SELECT 1000 + i FROM n",
        )
        .unwrap();
        let findings =
            check_keys(&mut conn, Backend::Sqlite, std::slice::from_ref(&implicit)).unwrap();
        assert_eq!(
            findings,
            [KeyFinding::Orphans {
                key: implicit,
                rows: CAP,
                capped: true
            }]
        );

        conn.batch_execute(
            "DELETE FROM child WHERE id > 1; DELETE FROM implicit WHERE id > 1;
             DELETE FROM later WHERE id > 1",
        )
        .unwrap();
        assert_eq!(check(&mut conn).1, []);
    }

    #[cfg(feature = "postgres")]
    #[test]
    fn postgres_orphans_and_keys_not_validated() {
        let Some(admin) = server("UPDOWN_TEST_POSTGRES_URL") else {
            return;
        };
        let scratch = crate::backend::scratch(&admin, "keys").unwrap_or_else(|e| panic!("{e}"));
        let mut conn = connect(&scratch.url);
        assert_eq!(check(&mut conn), (vec![], vec![]));
        conn.batch_execute(
            r#"CREATE TABLE parent (id INT PRIMARY KEY, a INT, b INT, UNIQUE (a, b));
               CREATE TABLE child (id INT PRIMARY KEY, pid INT, a INT, b INT);
               INSERT INTO parent VALUES (1, 10, 20);
               INSERT INTO child VALUES (1, 1, 10, 20), (2, 99, NULL, 20), (3, NULL, 10, 21),
                   (4, NULL, NULL, NULL), (5, 98, 11, 20);
               ALTER TABLE child ADD CONSTRAINT child_pid FOREIGN KEY (pid)
                   REFERENCES parent (id) NOT VALID;
               ALTER TABLE child ADD CONSTRAINT child_ba FOREIGN KEY (b, a)
                   REFERENCES parent (b, a) NOT VALID;
               CREATE TABLE clean (pid INT);
               INSERT INTO clean VALUES (1), (NULL);
               ALTER TABLE clean ADD CONSTRAINT clean_pid FOREIGN KEY (pid)
                   REFERENCES parent (id) NOT VALID;
               CREATE TABLE fine (pid INT CONSTRAINT fine_pid REFERENCES parent (id));
               INSERT INTO fine VALUES (1);
               CREATE SCHEMA other;
               CREATE TABLE other."Odd ""Child""" ("P id" INT);
               INSERT INTO other."Odd ""Child""" VALUES (1), (7);
               ALTER TABLE other."Odd ""Child""" ADD CONSTRAINT odd FOREIGN KEY ("P id")
                   REFERENCES parent (id) NOT VALID;"#,
        )
        .unwrap();
        let (keys, findings) = check(&mut conn);
        let not_valid = |mut key: ForeignKey| {
            key.validated = false;
            key
        };
        let composite = not_valid(key("child", "child_ba", &["b", "a"], "parent", &["b", "a"]));
        let simple = not_valid(key("child", "child_pid", &["pid"], "parent", &["id"]));
        let clean = not_valid(key("clean", "clean_pid", &["pid"], "parent", &["id"]));
        let fine = key("fine", "fine_pid", &["pid"], "parent", &["id"]);
        let odd = not_valid(key(
            "other.Odd \"Child\"",
            "odd",
            &["P id"],
            "parent",
            &["id"],
        ));
        assert_eq!(
            keys,
            [
                composite.clone(),
                simple.clone(),
                clean.clone(),
                fine.clone(),
                odd.clone()
            ]
        );
        assert_eq!(
            findings,
            [
                orphans(&composite, 2),
                orphans(&simple, 2),
                KeyFinding::NotValidated { key: clean },
                orphans(&odd, 1),
            ]
        );

        conn.batch_execute(
            "CREATE TABLE many (pid INT);
             INSERT INTO many SELECT 1000 + i FROM generate_series(1, 1500) i;
             ALTER TABLE many ADD CONSTRAINT many_pid FOREIGN KEY (pid)
                 REFERENCES parent (id) NOT VALID",
        )
        .unwrap();
        let many = not_valid(key("many", "many_pid", &["pid"], "parent", &["id"]));
        let findings =
            check_keys(&mut conn, Backend::Postgres, std::slice::from_ref(&many)).unwrap();
        assert_eq!(
            findings,
            [KeyFinding::Orphans {
                key: many,
                rows: CAP,
                capped: true
            }]
        );
        conn.batch_execute("DROP TABLE many").unwrap();

        conn.batch_execute(
            r#"DELETE FROM child WHERE id > 1; DELETE FROM other."Odd ""Child""" WHERE "P id" = 7;
               ALTER TABLE child VALIDATE CONSTRAINT child_pid;
               ALTER TABLE child VALIDATE CONSTRAINT child_ba;
               ALTER TABLE clean VALIDATE CONSTRAINT clean_pid;
               ALTER TABLE other."Odd ""Child""" VALIDATE CONSTRAINT odd;"#,
        )
        .unwrap();
        let (keys, findings) = check(&mut conn);
        assert_eq!(keys.len(), 5);
        assert!(keys.iter().all(|k| k.validated));
        assert_eq!(findings, []);
        drop(conn);
    }

    #[cfg(feature = "mysql")]
    #[test]
    fn mysql_orphans_let_in_without_checks() {
        let Some(admin) = server("UPDOWN_TEST_MYSQL_URL") else {
            return;
        };
        let scratch = crate::backend::scratch(&admin, "keys").unwrap_or_else(|e| panic!("{e}"));
        let mut conn = connect(&scratch.url);
        assert_eq!(check(&mut conn), (vec![], vec![]));
        for statement in [
            "CREATE TABLE parent (id INT PRIMARY KEY, a INT, b INT, UNIQUE KEY (b, a)) ENGINE = InnoDB",
            "CREATE TABLE child (id INT PRIMARY KEY, pid INT, a INT, b INT,
                 CONSTRAINT child_pid FOREIGN KEY (pid) REFERENCES parent (id),
                 CONSTRAINT child_ba FOREIGN KEY (b, a) REFERENCES parent (b, a)) ENGINE = InnoDB",
            "CREATE TABLE `odd``one` (`p id` INT,
                 CONSTRAINT odd FOREIGN KEY (`p id`) REFERENCES parent (id)) ENGINE = InnoDB",
            "SET FOREIGN_KEY_CHECKS = 0",
            "INSERT INTO parent VALUES (1, 10, 20)",
            "INSERT INTO child VALUES (1, 1, 10, 20), (2, 99, NULL, 20), (3, NULL, 10, 21),
                 (4, NULL, NULL, NULL), (5, 98, 11, 20)",
            "INSERT INTO `odd``one` VALUES (1), (NULL)",
            "SET FOREIGN_KEY_CHECKS = 1",
        ] {
            conn.batch_execute(statement).unwrap();
        }
        let (keys, findings) = check(&mut conn);
        let composite = key("child", "child_ba", &["b", "a"], "parent", &["b", "a"]);
        let simple = key("child", "child_pid", &["pid"], "parent", &["id"]);
        let odd = key("odd`one", "odd", &["p id"], "parent", &["id"]);
        assert_eq!(keys, [composite.clone(), simple.clone(), odd.clone()]);
        assert_eq!(findings, [orphans(&composite, 2), orphans(&simple, 2)]);

        conn.batch_execute("DELETE FROM child WHERE id > 1")
            .unwrap();
        assert_eq!(check(&mut conn).1, []);
        drop(conn);
    }
}

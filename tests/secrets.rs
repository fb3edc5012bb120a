//! No password is ever shown: an account whose password holds every character a URL
//! treats specially (`@ : / # ? % & '`) runs the whole command line, with the URL written
//! in each form the drivers accept, and no output, error, JSON, history row or panic
//! message holds the password or any piece of it.

use diesel::{QueryableByName, RunQueryDsl};
use updown::Backend;
use updown_tests::{MYSQL_URL_VAR, POSTGRES_URL_VAR, Run, TestDb, bin, connect_url, databases};

/// Its pieces are five letters and digits each, so that a piece that leaks is found
/// without mistaking a common word for one.
const PASSWORD: &str = "Kx7Qm@Tr4Vn:Hp2Xa/Wd9Yb#Ls5Zc?Jc3Rd%2zBg8&Fy6Se'Nu1Tf";

/// A wrong password of the same kind, for the refused connection.
const WRONG: &str = "Gq4Lw@Pz8Mk#Vb3Nj";

fn pieces(password: &str) -> Vec<&str> {
    password
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| p.len() >= 5)
        .collect()
}

/// `text` percent-encoded but for letters and digits.
fn encoded(text: &str) -> String {
    text.bytes()
        .map(|b| match b.is_ascii_alphanumeric() {
            true => (b as char).to_string(),
            false => format!("%{b:02X}"),
        })
        .collect()
}

/// An account with [`PASSWORD`] owning the test database, dropped at the end.
struct Account {
    backend: Backend,
    admin: String,
    user: String,
}

impl Account {
    fn create(backend: Backend) -> Account {
        let user = format!("updown_secret_{}", std::process::id());
        let literal = PASSWORD.replace('\'', "''");
        let (var, statements) = match backend {
            Backend::Postgres => (
                POSTGRES_URL_VAR,
                vec![
                    // Left by a run that was killed, its pid given again.
                    format!("DROP ROLE IF EXISTS {user}"),
                    format!("CREATE ROLE {user} LOGIN CREATEDB PASSWORD '{literal}'"),
                ],
            ),
            _ => (
                MYSQL_URL_VAR,
                vec![
                    format!("DROP USER IF EXISTS '{user}'@'127.0.0.1'"),
                    format!("CREATE USER '{user}'@'127.0.0.1' IDENTIFIED BY '{literal}'"),
                    format!("GRANT ALL ON *.* TO '{user}'@'127.0.0.1'"),
                ],
            ),
        };
        let account = Account {
            backend,
            admin: std::env::var(var).expect("the server's URL"),
            user,
        };
        for sql in statements {
            account.admin_sql(&sql);
        }
        account
    }

    /// Makes the account the owner of `db` (on MySQL it has every database).
    fn own(&self, db: &TestDb) {
        if self.backend == Backend::Postgres {
            self.admin_sql(&format!(
                "ALTER DATABASE {} OWNER TO {}",
                database_of(db),
                self.user
            ));
        }
    }

    fn admin_sql(&self, sql: &str) {
        let mut conn = connect_url(self.backend, &self.admin);
        diesel::sql_query(sql)
            .execute(&mut conn)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// The URL of `database` as this account, in each form the backend's driver reads.
    fn urls(&self, database: &str) -> Vec<(&'static str, String)> {
        let user = &self.user;
        let enc = encoded(PASSWORD);
        match self.backend {
            Backend::Postgres => vec![
                (
                    "URL, password as written",
                    format!("postgres://{user}:{PASSWORD}@127.0.0.1:5432/{database}"),
                ),
                (
                    "URL, password percent-encoded",
                    format!("postgresql://{user}:{enc}@127.0.0.1:5432/{database}"),
                ),
                (
                    "URL, password as a parameter",
                    format!("postgres://127.0.0.1:5432/{database}?user={user}&password={enc}"),
                ),
                (
                    "key=value",
                    format!(
                        "host=127.0.0.1 port=5432 user={user} dbname={database} password='{}'",
                        PASSWORD.replace('\\', "\\\\").replace('\'', "\\'")
                    ),
                ),
            ],
            _ => vec![
                (
                    "URL, password as written",
                    format!("mysql://{user}:{PASSWORD}@127.0.0.1:3306/{database}"),
                ),
                (
                    "URL, password percent-encoded",
                    format!("mariadb://{user}:{enc}@127.0.0.1:3306/{database}"),
                ),
            ],
        }
    }
}

impl Drop for Account {
    fn drop(&mut self) {
        let sql = match self.backend {
            Backend::Postgres => format!("DROP ROLE IF EXISTS {}", self.user),
            _ => format!("DROP USER IF EXISTS '{}'@'127.0.0.1'", self.user),
        };
        let mut conn = connect_url(self.backend, &self.admin);
        let _ = diesel::sql_query(sql).execute(&mut conn);
    }
}

/// Every command of the command line, and some that fail, in an order that leaves each
/// something to do: `(arguments, exit code)`.
const SUITE: &[(&[&str], i32)] = &[
    (&["-v", "status"], 0),
    (&["status", "--format", "json"], 0),
    (&["migrate", "--dry-run"], 0),
    (&["--log-format", "json", "migrate"], 0),
    (&["history"], 0),
    (&["history", "--format", "json"], 0),
    (&["rollback"], 0),
    (&["migrate", "--to", "1002"], 0),
    (&["redo"], 0),
    (&["migrate"], 0),
    (&["verify"], 0),
    (&["verify", "--format", "json"], 0),
    (&["repair"], 0),
    (&["reset", "--yes"], 0),
    (&["migrate", "--to", "999999"], 5),
    (&["check"], 0),
    (&["baseline", "--version", "1001"], 0),
];

fn database_of(db: &TestDb) -> String {
    db.url
        .rsplit('/')
        .next()
        .expect("a database name")
        .to_owned()
}

/// What a run printed must hold no piece of `password`.
#[track_caller]
fn assert_hidden(run: &Run, form: &str, password: &str) {
    for text in [&run.stdout, &run.stderr] {
        for secret in pieces(password)
            .into_iter()
            .map(str::to_owned)
            .chain([password.to_owned(), encoded(password)])
        {
            assert!(
                !text.contains(&secret),
                "{form}: a piece of the password ({secret:?}) was printed:\n{text}"
            );
        }
    }
}

#[derive(QueryableByName)]
struct HistoryText {
    #[diesel(sql_type = diesel::sql_types::Text)]
    text: String,
}

#[test]
fn no_password_is_ever_shown_whatever_its_characters_and_the_url_form() {
    let servers: Vec<Backend> = databases()
        .iter()
        .map(|db| db.backend)
        .filter(|b| *b != Backend::Sqlite)
        .collect();
    for backend in servers {
        let account = Account::create(backend);
        let forms = account.urls("DATABASE");
        for (form, template) in forms {
            // A fresh database for each form: the suite ends with a baseline.
            let db = databases()
                .into_iter()
                .find(|db| db.backend == backend)
                .expect("the server is still there");
            account.own(&db);
            let database = database_of(&db);
            let url = template.replace("DATABASE", &database);
            for (args, code) in SUITE {
                let mut full = vec!["--database-url", url.as_str()];
                full.extend_from_slice(args);
                let run = db.run_bare(bin!("app"), &full, &[]);
                // MySQL cannot rehearse Rust migrations (DDL commits): refused, exit 5.
                let rehearsal = args.contains(&"--dry-run") && backend == Backend::Mysql;
                run.expect(if rehearsal { 5 } else { *code });
                assert_hidden(&run, form, PASSWORD);
            }
            // The same URL from the environment, with a migration that fails and one
            // that panics, whose errors carry the database's messages.
            // On MySQL the first leaves its migration dirty, and the second is refused.
            let second = if backend == Backend::Mysql { 1 } else { 2 };
            for (bin, code) in [(bin!("app_failing_sql"), 2), (bin!("app_panics"), second)] {
                let run = db.run_bare(bin, &["migrate"], &[("DATABASE_URL", &url)]);
                run.expect(code);
                assert_hidden(&run, form, PASSWORD);
            }

            // Refused connections name the URL, redacted.
            let unknown = url.replace(&database, "updown_no_such_database");
            let run = db.run_bare(bin!("app"), &["--database-url", &unknown, "status"], &[]);
            run.expect(5).stderr_has(&["cannot connect", "***"]);
            assert_hidden(&run, form, PASSWORD);
            let wrong = url
                .replace(PASSWORD, WRONG)
                .replace(&encoded(PASSWORD), &encoded(WRONG))
                .replace(&PASSWORD.replace('\'', "\\'"), WRONG);
            assert_ne!(wrong, url, "{form}: the wrong password is in the URL");
            let run = db.run_bare(bin!("app"), &["--database-url", &wrong, "status"], &[]);
            run.expect(5).stderr_has(&["cannot connect", "***"]);
            assert_hidden(&run, form, WRONG);

            // Nor does any row updown wrote.
            let commands = SUITE.len() + 4;
            let rows: Vec<HistoryText> = diesel::sql_query(
                "SELECT CONCAT(COALESCE(error, ''), ' ', COALESCE(note, ''), ' ', name) AS text FROM updown_history",
            )
            .load(&mut db.connect())
            .expect("the history is readable");
            assert!(
                rows.len() >= 10,
                "{form}: the suite wrote {} history rows",
                rows.len()
            );
            for row in rows {
                for piece in pieces(PASSWORD) {
                    assert!(
                        !row.text.contains(piece),
                        "{form}: a history row holds {piece:?}: {}",
                        row.text
                    );
                }
            }
            println!(
                "RELIABILITY | secrets | {backend} | {form} | {commands} commands, the history read | no piece of the password shown |"
            );
        }
    }
}

//! Database URLs: which backend they name, what to hand to the driver, and how to show
//! them without their password.

use std::fmt;

use crate::error::Error;

/// The kind of database a migration runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// SQLite, the `sqlite` feature (on by default; the library is bundled).
    Sqlite,
    /// PostgreSQL, the `postgres` feature.
    Postgres,
    /// MySQL or MariaDB, the `mysql` feature.
    Mysql,
}

impl Backend {
    /// The cargo feature that compiles this backend in.
    pub fn feature(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::Mysql => "mysql",
        }
    }

    /// `SQLite`, `PostgreSQL` or `MySQL`.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
            Backend::Mysql => "MySQL",
        }
    }

    /// The SQL dialect its statements are checked in.
    pub fn dialect(self) -> updown_sql::Dialect {
        match self {
            Backend::Sqlite => updown_sql::Dialect::Sqlite,
            Backend::Postgres => updown_sql::Dialect::Postgres,
            Backend::Mysql => updown_sql::Dialect::Mysql,
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A parsed database URL.
///
/// Accepted forms: `sqlite://PATH`, `sqlite:PATH`, `sqlite::memory:`, a bare file path,
/// `postgres://` or `postgresql://`, `mysql://` or `mariadb://`.
///
/// ```
/// let url = updown::DatabaseUrl::parse("postgres://app:secret@db/app").unwrap();
/// assert_eq!(url.redacted(), "postgres://app:***@db/app");
/// ```
#[derive(Clone)]
pub struct DatabaseUrl {
    backend: Backend,
    /// What the driver connects to: a file path for SQLite, a URL otherwise.
    target: String,
    redacted: String,
    password: Option<String>,
}

impl DatabaseUrl {
    /// Reads `url`, naming the problem (never the password) when it is not usable.
    pub fn parse(url: &str) -> Result<Self, Error> {
        let url = url.trim();
        let redacted = redact(url);
        let invalid = |reason: &str| Error::InvalidUrl {
            url: redacted.clone(),
            reason: reason.to_owned(),
        };
        if url.is_empty() {
            return Err(invalid("it is empty"));
        }
        let (backend, target) = match url.split_once("://") {
            Some((scheme, rest)) => match scheme.to_ascii_lowercase().as_str() {
                "sqlite" => (Backend::Sqlite, rest.to_owned()),
                "postgres" | "postgresql" => (Backend::Postgres, url.to_owned()),
                "mysql" | "mariadb" => (Backend::Mysql, format!("mysql://{rest}")),
                other => {
                    return Err(invalid(&format!(
                        "unsupported scheme `{other}://`; use `sqlite://PATH`, `postgres://...` or `mysql://...`"
                    )));
                }
            },
            None => match url.strip_prefix("sqlite:") {
                Some(":memory:") => (Backend::Sqlite, ":memory:".to_owned()),
                Some(path) => (Backend::Sqlite, path.to_owned()),
                None => (Backend::Sqlite, url.to_owned()),
            },
        };
        if target.is_empty() || (backend == Backend::Sqlite && target.starts_with('?')) {
            return Err(invalid(
                "it names no database; for SQLite give a file path, as in `sqlite://app.db`",
            ));
        }
        let password = server_url(url).and_then(|u| password(&u));
        Ok(DatabaseUrl {
            backend,
            target,
            redacted,
            password,
        })
    }

    /// The backend the URL names.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub(crate) fn target(&self) -> &str {
        &self.target
    }

    /// The same server with another database: `postgres://u@h/app` -> `postgres://u@h/NAME`.
    pub(crate) fn with_database(&self, name: &str) -> Result<DatabaseUrl, Error> {
        let mut url = url::Url::parse(&self.target).map_err(|e| Error::InvalidUrl {
            url: self.redacted.clone(),
            reason: e.to_string(),
        })?;
        url.set_path(name);
        DatabaseUrl::parse(url.as_str())
    }

    /// The URL with its password replaced by `***`: the only form ever shown.
    pub fn redacted(&self) -> &str {
        &self.redacted
    }

    /// Replaces the password wherever it appears in `text` (a driver's error message, say).
    pub fn scrub(&self, text: &str) -> String {
        match &self.password {
            Some(p) => text.replace(p.as_str(), "***"),
            None => text.to_owned(),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted)
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted)
    }
}

/// A server URL (`scheme://authority/...`); SQLite paths are not URLs.
fn server_url(text: &str) -> Option<url::Url> {
    url::Url::parse(text).ok().filter(|u| u.has_host())
}

/// The password as the URL spells it: in the user-info or in a `password=` parameter.
fn password(url: &url::Url) -> Option<String> {
    let in_query = || {
        url.query_pairs()
            .find(|(k, _)| k == "password")
            .map(|(_, v)| v.into_owned())
    };
    url.password()
        .map(str::to_owned)
        .or_else(in_query)
        .filter(|p| !p.is_empty())
}

/// The URL with any password, in the user-info or in a `password=` parameter, shown as
/// `***`. A server URL that does not parse is shown without anything before its `@`.
pub fn redact(text: &str) -> String {
    let Some((scheme, rest)) = text
        .split_once("://")
        .filter(|(scheme, _)| !scheme.eq_ignore_ascii_case("sqlite"))
    else {
        return text.to_owned();
    };
    let Some(mut url) = server_url(text) else {
        return match rest.rsplit_once('@') {
            Some((_, host)) => format!("{scheme}://***@{host}"),
            None => text.to_owned(),
        };
    };
    if url.password().is_some() {
        let _ = url.set_password(Some("***"));
    }
    if url.query_pairs().any(|(k, _)| k == "password") {
        let pairs: Vec<(String, String)> = url
            .query_pairs()
            .map(|(k, v)| {
                let v = if k == "password" {
                    "***".into()
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        url.query_pairs_mut().clear().extend_pairs(pairs);
    }
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact("postgres://app:s3cr%40t@db:5432/app"),
            "postgres://app:***@db:5432/app"
        );
        assert_eq!(
            redact("mysql://root:pw@127.0.0.1/x?ssl=true"),
            "mysql://root:***@127.0.0.1/x?ssl=true"
        );
        assert_eq!(
            redact("postgres://db/app?user=u&password=pw&x=1"),
            "postgres://db/app?user=u&password=***&x=1"
        );
        assert_eq!(redact("postgres://app@db/app"), "postgres://app@db/app");
        assert_eq!(redact("sqlite://app.db"), "sqlite://app.db");
        assert_eq!(
            redact("postgres://u:p@ss@db/app"),
            "postgres://u:***@db/app"
        );
    }

    #[test]
    fn scrubs_the_password_from_messages() {
        let url = DatabaseUrl::parse("postgres://app:hunter2@db/app").unwrap();
        assert_eq!(
            url.scrub("password authentication failed (hunter2)"),
            "password authentication failed (***)"
        );
        assert_eq!(url.to_string(), "postgres://app:***@db/app");
    }

    #[test]
    fn sqlite_forms() {
        for (input, target) in [
            ("sqlite://app.db", "app.db"),
            ("sqlite:///tmp/app.db", "/tmp/app.db"),
            ("sqlite:app.db", "app.db"),
            ("sqlite::memory:", ":memory:"),
            ("./data/app.db", "./data/app.db"),
        ] {
            let url = DatabaseUrl::parse(input).unwrap();
            assert_eq!(url.backend(), Backend::Sqlite, "{input}");
            assert_eq!(url.target(), target, "{input}");
        }
    }

    #[test]
    fn another_database_on_the_same_server() {
        let url = DatabaseUrl::parse("postgres://u:pw@h:5432/app?sslmode=disable").unwrap();
        let other = url.with_database("scratch").unwrap();
        assert_eq!(
            other.target(),
            "postgres://u:pw@h:5432/scratch?sslmode=disable"
        );
        assert_eq!(
            other.redacted(),
            "postgres://u:***@h:5432/scratch?sslmode=disable"
        );
        let maria = DatabaseUrl::parse("mariadb://u:pw@127.0.0.1").unwrap();
        assert_eq!(
            maria.with_database("x").unwrap().target(),
            "mysql://u:pw@127.0.0.1/x"
        );
    }

    #[test]
    fn server_forms() {
        assert_eq!(
            DatabaseUrl::parse("postgresql://h/db").unwrap().backend(),
            Backend::Postgres
        );
        let maria = DatabaseUrl::parse("mariadb://u:p@127.0.0.1/db").unwrap();
        assert_eq!(maria.backend(), Backend::Mysql);
        assert_eq!(maria.target(), "mysql://u:p@127.0.0.1/db");
    }

    #[test]
    fn rejects_unknown_schemes_and_empty_urls() {
        let err = DatabaseUrl::parse("http://u:pw@example.com")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unsupported scheme `http://`"), "{err}");
        assert!(!err.contains("pw@"), "{err}");
        assert!(DatabaseUrl::parse("  ").is_err());
        assert!(DatabaseUrl::parse("sqlite://").is_err());
    }
}

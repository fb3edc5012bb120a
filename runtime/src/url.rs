//! Database URLs: which backend they name, what to hand to the driver, and how to show
//! them without their password.

use crate::backend::Backend;
use crate::error::Error;

/// A parsed database URL.
///
/// Accepted forms: `sqlite://PATH`, `sqlite:PATH`, `sqlite::memory:`, a bare file path,
/// `postgres://` or `postgresql://`, `mysql://` or `mariadb://`.
#[derive(Clone)]
pub struct DatabaseUrl {
    backend: Backend,
    /// What the driver connects to: a file path for SQLite, a URL otherwise.
    target: String,
    redacted: String,
    password: Option<String>,
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, Error> {
        let url = url.trim();
        let redacted = redact(url);
        let invalid = |reason: String| Error::InvalidUrl {
            url: redacted.clone(),
            reason,
        };
        if url.is_empty() {
            return Err(invalid("it is empty".into()));
        }
        let (backend, target) = match url.split_once("://") {
            Some((scheme, rest)) => match scheme.to_ascii_lowercase().as_str() {
                "sqlite" => (Backend::Sqlite, rest.to_owned()),
                "postgres" | "postgresql" => (Backend::Postgres, url.to_owned()),
                "mysql" | "mariadb" => (Backend::Mysql, format!("mysql://{rest}")),
                other => {
                    return Err(invalid(format!(
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
                "it names no database; for SQLite give a file path, as in `sqlite://app.db`".into(),
            ));
        }
        Ok(DatabaseUrl {
            backend,
            target,
            redacted,
            password: password(url).filter(|p| !p.is_empty()),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub(crate) fn target(&self) -> &str {
        &self.target
    }

    /// The same server with another database: `postgres://u@h/app` -> `postgres://u@h/NAME`.
    pub(crate) fn with_database(&self, name: &str) -> Result<DatabaseUrl, Error> {
        let (base, query) = match self.target.split_once('?') {
            Some((b, q)) => (b, format!("?{q}")),
            None => (self.target.as_str(), String::new()),
        };
        let authority = base.find("://").map_or(0, |i| i + 3);
        let root = match base[authority..].find('/') {
            Some(i) => &base[..authority + i],
            None => base,
        };
        DatabaseUrl::parse(&format!("{root}/{name}{query}"))
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

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted)
    }
}

impl std::fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted)
    }
}

/// `(start, end)` of the password in `scheme://user:password@host/...`.
fn password_range(url: &str) -> Option<(usize, usize)> {
    let authority_start = url.find("://")? + 3;
    let rest = &url[authority_start..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let at = authority.rfind('@')?;
    let colon = authority[..at].find(':')?;
    Some((authority_start + colon + 1, authority_start + at))
}

fn password(url: &str) -> Option<String> {
    if let Some((start, end)) = password_range(url) {
        return Some(url[start..end].to_owned());
    }
    query_password(url).map(|(start, end)| url[start..end].to_owned())
}

/// `(start, end)` of the value of a `password=` query parameter.
fn query_password(url: &str) -> Option<(usize, usize)> {
    let query_start = url.find('?')? + 1;
    let mut offset = query_start;
    for pair in url[query_start..].split('&') {
        if let Some(value) = pair.strip_prefix("password=") {
            let start = offset + "password=".len();
            return Some((start, start + value.len()));
        }
        offset += pair.len() + 1;
    }
    None
}

/// The URL with any password, in the user-info or in a `password=` parameter, shown as `***`.
pub fn redact(url: &str) -> String {
    let mut out = url.to_owned();
    if let Some((start, end)) = query_password(&out) {
        out.replace_range(start..end, "***");
    }
    if let Some((start, end)) = password_range(&out) {
        out.replace_range(start..end, "***");
    }
    out
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

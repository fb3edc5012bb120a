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
/// `postgres://` or `postgresql://`, a PostgreSQL `key=value` connection string,
/// `mysql://` or `mariadb://`.
///
/// The password is taken out where the URL is read: what the value holds is the URL with
/// `***` in the password's place, which is all that is ever shown, and the password beside
/// it, put back only for the driver. A password may be percent-encoded or not: `@`, `:`,
/// `/`, `#`, `?` and `%` in it are read as part of it.
///
/// ```
/// let url = updown::DatabaseUrl::parse("postgres://app:se#cr/et@db/app").unwrap();
/// assert_eq!(url.redacted(), "postgres://app:***@db/app");
/// assert_eq!(format!("{url:?}"), "postgres://app:***@db/app");
/// ```
#[derive(Clone)]
pub struct DatabaseUrl {
    backend: Backend,
    /// The URL with every password replaced by `***`.
    redacted: String,
    /// Each password, with where its `***` stands in `redacted`.
    secrets: Vec<Secret>,
    /// For SQLite: the file the driver opens.
    file: Option<String>,
}

/// A password, never shown: `Debug` prints `***`.
#[derive(Clone)]
struct Secret {
    /// The byte offset of its `***` in the redacted URL.
    at: usize,
    /// The password itself, to recognise it in a driver's message.
    plain: String,
    /// How the driver reads it at that place: percent-encoded in a URL, quoted in a
    /// `key=value` string.
    spelled: String,
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

const MASK: &str = "***";

impl DatabaseUrl {
    /// Reads `url`, naming the problem (never the password) when it is not usable.
    pub fn parse(url: &str) -> Result<Self, Error> {
        let url = url.trim();
        let Parsed { redacted, secrets } = parse_secrets(url);
        let shown = redacted.clone();
        let invalid = |reason: &str| Error::InvalidUrl {
            url: shown.clone(),
            reason: reason.to_owned(),
        };
        if url.is_empty() {
            return Err(invalid("it is empty"));
        }
        let no_database = || {
            invalid("it names no database; for SQLite give a file path, as in `sqlite://app.db`")
        };
        if server_scheme_without_slashes(url).is_some() {
            return Err(invalid(
                "write the scheme with `//`, as in `postgres://user@host/app`",
            ));
        }
        let key_value = is_key_value(url);
        let url_parts = match key_value {
            true => None,
            false => url.split_once("://"),
        };
        let (backend, file) = match url_parts {
            Some((scheme, rest)) => match scheme.to_ascii_lowercase().as_str() {
                "sqlite" if rest.is_empty() || rest.starts_with('?') => return Err(no_database()),
                "sqlite" => (Backend::Sqlite, Some(rest.to_owned())),
                "postgres" | "postgresql" => (Backend::Postgres, None),
                "mysql" | "mariadb" => (Backend::Mysql, None),
                other => {
                    return Err(invalid(&format!(
                        "unsupported scheme `{other}://`; use `sqlite://PATH`, `postgres://...` or `mysql://...`"
                    )));
                }
            },
            None if key_value => (Backend::Postgres, None),
            None => match url.strip_prefix("sqlite:") {
                Some("") => return Err(no_database()),
                Some(path) => (Backend::Sqlite, Some(path.to_owned())),
                None => (Backend::Sqlite, Some(url.to_owned())),
            },
        };
        let parsed = DatabaseUrl {
            backend,
            redacted,
            secrets,
            file,
        };
        if backend == Backend::Mysql {
            // The driver reads the URL with the `url` crate: what it would refuse, say now.
            let database = url::Url::parse(&parsed.mysql_redacted())
                .map_err(|e| invalid(&e.to_string()))?
                .path()
                .trim_matches('/')
                .to_owned();
            if database.is_empty() {
                return Err(invalid(
                    "it names no database; add one, as in `mysql://user:password@host/app`",
                ));
            }
        }
        Ok(parsed)
    }

    /// The backend the URL names.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// For SQLite, the file the URL names (or `:memory:`).
    #[cfg(feature = "sqlite")]
    pub(crate) fn file(&self) -> Option<&str> {
        self.file.as_deref()
    }

    /// For SQLite, the file the URL names when it does not exist (yet): reading commands
    /// do not create it.
    pub fn missing_file(&self) -> Option<&std::path::Path> {
        let file = self.file.as_deref()?;
        let plain = file != ":memory:" && !file.starts_with("file:");
        let path = std::path::Path::new(file);
        (plain && !path.exists()).then_some(path)
    }

    /// Runs `f` on the URL as the driver reads it, password included: the only place
    /// the password is put back, for no longer than `f` runs.
    pub(crate) fn with_secret<T>(&self, f: impl FnOnce(&str) -> T) -> T {
        if let Some(file) = &self.file {
            return f(file);
        }
        let mut full = match self.backend {
            Backend::Mysql => self.mysql_redacted(),
            _ => self.redacted.clone(),
        };
        // `mysql://` for `mariadb://` moves what follows the scheme; the secrets go back
        // last first, so that the offsets of those before stay true.
        let (now, then) = (full.len(), self.redacted.len());
        for secret in self.secrets.iter().rev() {
            let at = secret.at + now - then;
            full.replace_range(at..at + MASK.len(), &secret.spelled);
        }
        f(&full)
    }

    /// The redacted URL with `mysql://` for `mariadb://`, the scheme the driver knows.
    fn mysql_redacted(&self) -> String {
        match self.redacted.split_once("://") {
            Some((_, rest)) => format!("mysql://{rest}"),
            None => self.redacted.clone(),
        }
    }

    /// The same server with another database: `postgres://u@h/app` -> `postgres://u@h/NAME`.
    pub(crate) fn with_database(&self, name: &str) -> Result<DatabaseUrl, Error> {
        self.with_secret(|full| {
            if is_key_value(full) {
                // libpq takes the last value of a keyword given twice.
                return DatabaseUrl::parse(&format!("{full} dbname={name}"));
            }
            let mut url = url::Url::parse(full).map_err(|e| Error::InvalidUrl {
                url: self.redacted.clone(),
                reason: e.to_string(),
            })?;
            url.set_path(name);
            DatabaseUrl::parse(url.as_str())
        })
    }

    /// The URL with its password replaced by `***`: the only form ever shown.
    pub fn redacted(&self) -> &str {
        &self.redacted
    }

    /// Replaces the password wherever it appears in `text` (a driver's error message,
    /// say), as written or encoded. A password of fewer than 4 characters is masked only
    /// where it stands apart from letters and digits, so that `a` does not garble
    /// `translate`.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in &self.secrets {
            for needle in [&secret.plain, &secret.spelled] {
                out = mask(&out, needle);
            }
        }
        out
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

/// `text` with the password of a URL in it shown as `***`, for a URL that is shown and not
/// used (one quoted in an argument error).
pub fn redact(text: &str) -> String {
    parse_secrets(text).redacted
}

/// The scheme of a server URL written without `//` (`postgres:u:pw@h/db`), which no
/// driver reads and whose rest cannot be told apart.
fn server_scheme_without_slashes(text: &str) -> Option<&str> {
    let (scheme, rest) = text.split_once(':')?;
    let server = ["postgres", "postgresql", "mysql", "mariadb"]
        .iter()
        .any(|s| s.eq_ignore_ascii_case(scheme));
    (server && !rest.starts_with("//")).then_some(scheme)
}

/// A URL read into its redacted text and its passwords.
struct Parsed {
    redacted: String,
    secrets: Vec<Secret>,
}

/// Takes every password out of `text`: the user-info's and a `password=` query
/// parameter's of a `scheme://` URL (SQLite paths excepted), or the `password` of a
/// `key=value` string.
fn parse_secrets(text: &str) -> Parsed {
    let mut out = Parsed {
        redacted: String::with_capacity(text.len()),
        secrets: Vec::new(),
    };
    if is_key_value(text) {
        key_value_secrets(text, &mut out);
        return out;
    }
    let Some((scheme, rest)) = text
        .split_once("://")
        .filter(|(scheme, _)| !scheme.eq_ignore_ascii_case("sqlite"))
    else {
        match server_scheme_without_slashes(text) {
            // Refused by `DatabaseUrl::parse`; shown, it keeps only its scheme.
            Some(scheme) if text.len() > scheme.len() + 1 => {
                out.redacted.push_str(scheme);
                out.redacted.push_str(":***");
            }
            _ => out.redacted.push_str(text),
        }
        return out;
    };
    out.redacted.push_str(scheme);
    out.redacted.push_str("://");
    let after_info = match user_info_end(rest) {
        Some(at) => {
            let info = &rest[..at];
            let (user, password) = match info.split_once(':') {
                Some((user, password)) => (user, Some(password)),
                None => (info, None),
            };
            // Normalised, so that an `@` or `:` in the user name reaches the driver encoded.
            out.redacted.push_str(&encode(&percent_decode(user)));
            if let Some(password) = password.filter(|p| !p.is_empty()) {
                out.redacted.push(':');
                out.push_secret(percent_decode(password), encode);
            }
            out.redacted.push('@');
            &rest[at + 1..]
        }
        None => rest,
    };
    let Some((before_query, query)) = after_info.split_once('?') else {
        out.redacted.push_str(after_info);
        return out;
    };
    out.redacted.push_str(before_query);
    out.redacted.push('?');
    let (query, fragment) = match query.split_once('#') {
        Some((query, fragment)) => (query, Some(fragment)),
        None => (query, None),
    };
    for (i, pair) in query.split('&').enumerate() {
        if i > 0 {
            out.redacted.push('&');
        }
        match pair.split_once('=') {
            Some(("password", value)) if !value.is_empty() => {
                out.redacted.push_str("password=");
                out.push_secret(percent_decode(value), encode);
            }
            _ => out.redacted.push_str(pair),
        }
    }
    if let Some(fragment) = fragment {
        out.redacted.push('#');
        out.redacted.push_str(fragment);
    }
    out
}

impl Parsed {
    fn push_secret(&mut self, plain: String, spell: fn(&str) -> String) {
        self.secrets.push(Secret {
            at: self.redacted.len(),
            spelled: spell(&plain),
            plain,
        });
        self.redacted.push_str(MASK);
    }
}

/// Where the user-info of a URL's `rest` (after `scheme://`) ends: its last `@` whose
/// user name (up to the first `:`) holds no `/`, `?` or `#`, so that a password may hold
/// any of them, `@` included. An `@` in a query is not taken for it: one that follows
/// `host[:PORT]/path?` after an earlier `@`, or after no `@` at all when no path follows it
/// (`db:5432/app?application_name=a@b`). Where both readings fit, the password one wins:
/// hiding too much is the safe mistake.
fn user_info_end(rest: &str) -> Option<usize> {
    let ats: Vec<usize> = rest.match_indices('@').map(|(at, _)| at).collect();
    ats.iter().rev().copied().find(|&at| {
        let info = &rest[..at];
        let user = info.split(':').next().unwrap_or_default();
        let in_query = ats
            .iter()
            .take_while(|&&earlier| earlier < at)
            .any(|&earlier| host_then_query(&rest[earlier + 1..at]));
        let no_user_info = host_then_query(info) && !rest[at + 1..].contains('/');
        !user.contains(['/', '?', '#']) && !in_query && !no_user_info
    })
}

/// `text` opens with a host (a name, an address, `[IPv6]`), an optional `:PORT`, then a
/// path or a query, and has a query.
fn host_then_query(text: &str) -> bool {
    let Some(end) = text.find(['/', '?']) else {
        return false;
    };
    let host = &text[..end];
    let name = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._[]:".contains(&b))
    };
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    let port = match host.strip_prefix('[') {
        Some(v6) => v6.ends_with(']') || v6.rsplit_once("]:").is_some_and(|(_, p)| digits(p)),
        None => host.rsplit_once(':').is_none_or(|(_, p)| digits(p)),
    };
    name(host) && port && text[end..].contains('?')
}

/// libpq's connection keywords.
const LIBPQ_KEYWORDS: &[&str] = &[
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "password",
    "passfile",
    "require_auth",
    "channel_binding",
    "connect_timeout",
    "client_encoding",
    "options",
    "application_name",
    "fallback_application_name",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_count",
    "tcp_user_timeout",
    "replication",
    "gssencmode",
    "sslmode",
    "requiressl",
    "sslcompression",
    "sslcert",
    "sslkey",
    "sslpassword",
    "sslcertmode",
    "sslrootcert",
    "sslcrl",
    "sslcrldir",
    "sslsni",
    "requirepeer",
    "ssl_min_protocol_version",
    "ssl_max_protocol_version",
    "krbsrvname",
    "gsslib",
    "gssdelegation",
    "service",
    "target_session_attrs",
    "load_balance_hosts",
];

/// A PostgreSQL `key=value` connection string, such as `host=db dbname=app`: it opens
/// with a libpq keyword and an `=`, or with any word and an `=` and has a space (a
/// SQLite file such as `backup=2024.db` stays a file).
fn is_key_value(text: &str) -> bool {
    text.split_once('=').is_some_and(|(key, _)| {
        let key = key.trim();
        let word = !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphabetic() || b == b'_');
        word && (LIBPQ_KEYWORDS.contains(&key) || text.trim().contains(char::is_whitespace))
    })
}

/// The keywords of a `key=value` string whose values are secrets.
const SECRET_KEYWORDS: &[&str] = &["password", "sslpassword"];

/// The `password` of a `key=value` string, whose values are bare words or `'quoted'`
/// with `\'` and `\\` escapes.
fn key_value_secrets(text: &str, out: &mut Parsed) {
    let mut rest = text;
    while !rest.is_empty() {
        let spaces = rest.len() - rest.trim_start().len();
        out.redacted.push_str(&rest[..spaces]);
        rest = &rest[spaces..];
        let Some(eq) = rest.find('=') else {
            out.redacted.push_str(rest);
            return;
        };
        let key = rest[..eq].trim();
        out.redacted.push_str(&rest[..=eq]);
        rest = &rest[eq + 1..];
        let spaces = rest.len() - rest.trim_start().len();
        out.redacted.push_str(&rest[..spaces]);
        rest = &rest[spaces..];
        let (value, len) = key_value_word(rest);
        if SECRET_KEYWORDS.contains(&key) && !value.is_empty() {
            out.push_secret(value, quote_key_value);
        } else {
            out.redacted.push_str(&rest[..len]);
        }
        rest = &rest[len..];
    }
}

/// The value at the start of `text` and how many bytes it takes.
fn key_value_word(text: &str) -> (String, usize) {
    let mut value = String::new();
    let mut chars = text.char_indices().peekable();
    let quoted = text.starts_with('\'');
    if quoted {
        chars.next();
    }
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                if let Some((_, escaped)) = chars.next() {
                    value.push(escaped);
                }
            }
            '\'' if quoted => return (value, i + 1),
            c if c.is_whitespace() && !quoted => return (value, i),
            c => value.push(c),
        }
    }
    (value, text.len())
}

fn quote_key_value(plain: &str) -> String {
    format!("'{}'", plain.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// Percent-decodes what is validly encoded; a `%` not followed by two hex digits stays.
pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((hi * 16 + lo) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_owned())
}

/// Percent-encodes all but the unreserved characters.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `text` with `needle` masked, except where a letter or digit of it runs on into one of
/// the text around it (it is then part of another word).
fn mask(text: &str, needle: &str) -> String {
    if needle.is_empty() {
        return text.to_owned();
    }
    let short = needle.chars().count() < 4;
    let word = |c: Option<char>| short && c.is_some_and(char::is_alphanumeric);
    let (first, last) = (needle.chars().next(), needle.chars().next_back());
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (at, _) in text.match_indices(needle) {
        if at < copied {
            continue;
        }
        let before = text[..at].chars().next_back();
        let after = text[at + needle.len()..].chars().next();
        let joined = (word(first) && word(before)) || (word(last) && word(after));
        if joined {
            continue;
        }
        out.push_str(&text[copied..at]);
        out.push_str(MASK);
        copied = at + needle.len();
    }
    out.push_str(&text[copied..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(url: &DatabaseUrl) -> String {
        url.with_secret(str::to_owned)
    }

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
        for (input, file) in [
            ("sqlite://app.db", "app.db"),
            ("sqlite:///tmp/app.db", "/tmp/app.db"),
            ("sqlite:app.db", "app.db"),
            ("sqlite::memory:", ":memory:"),
            ("./data/app.db", "./data/app.db"),
        ] {
            let url = DatabaseUrl::parse(input).unwrap();
            assert_eq!(url.backend(), Backend::Sqlite, "{input}");
            assert_eq!(target(&url), file, "{input}");
        }
    }

    #[test]
    fn another_database_on_the_same_server() {
        let url = DatabaseUrl::parse("postgres://u:pw@h:5432/app?sslmode=disable").unwrap();
        let other = url.with_database("scratch").unwrap();
        assert_eq!(
            target(&other),
            "postgres://u:pw@h:5432/scratch?sslmode=disable"
        );
        assert_eq!(
            other.redacted(),
            "postgres://u:***@h:5432/scratch?sslmode=disable"
        );
        let maria = DatabaseUrl::parse("mariadb://u:pw@127.0.0.1/app").unwrap();
        assert_eq!(
            target(&maria.with_database("x").unwrap()),
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
        assert_eq!(target(&maria), "mysql://u:p@127.0.0.1/db");
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

    #[test]
    fn passwords_are_taken_out_however_they_are_written() {
        for (input, shown, driver) in [
            (
                "postgres://u:ab#cd12@host/db",
                "postgres://u:***@host/db",
                "postgres://u:ab%23cd12@host/db",
            ),
            (
                "postgres://u:a/b?c:d@host:5432/db?sslmode=disable",
                "postgres://u:***@host:5432/db?sslmode=disable",
                "postgres://u:a%2Fb%3Fc%3Ad@host:5432/db?sslmode=disable",
            ),
            (
                "postgres://u:p%40ss@host/db",
                "postgres://u:***@host/db",
                "postgres://u:p%40ss@host/db",
            ),
            (
                "postgres://u:p@ss@host/db",
                "postgres://u:***@host/db",
                "postgres://u:p%40ss@host/db",
            ),
            (
                "postgres://u:50%off@host/db",
                "postgres://u:***@host/db",
                "postgres://u:50%25off@host/db",
            ),
            (
                "postgres://host/db?user=u&password=a%26b#x",
                "postgres://host/db?user=u&password=***#x",
                "postgres://host/db?user=u&password=a%26b#x",
            ),
            (
                "host=db user=u password='se cr\\'et' dbname=app",
                "host=db user=u password=*** dbname=app",
                "host=db user=u password='se cr\\'et' dbname=app",
            ),
            (
                "host=db password=plain#word dbname=app",
                "host=db password=*** dbname=app",
                "host=db password='plain#word' dbname=app",
            ),
            (
                "mariadb://u:x@y#z@127.0.0.1/app",
                "mariadb://u:***@127.0.0.1/app",
                "mysql://u:x%40y%23z@127.0.0.1/app",
            ),
        ] {
            let url = DatabaseUrl::parse(input).unwrap();
            assert_eq!(url.redacted(), shown, "{input}");
            assert_eq!(format!("{url:?} {url}"), format!("{shown} {shown}"));
            assert_eq!(target(&url), driver, "{input}");
        }
        let kv = DatabaseUrl::parse("host=db user=u password=pw").unwrap();
        assert_eq!(kv.backend(), Backend::Postgres);
        assert_eq!(
            target(&kv.with_database("scratch").unwrap()),
            "host=db user=u password='pw' dbname=scratch"
        );
    }

    #[test]
    fn two_passwords_go_back_where_they_were() {
        let url = DatabaseUrl::parse("mariadb://app:pw12345@db/app?password=abcdefgh&x=1").unwrap();
        assert_eq!(url.redacted(), "mariadb://app:***@db/app?password=***&x=1");
        assert_eq!(
            target(&url),
            "mysql://app:pw12345@db/app?password=abcdefgh&x=1"
        );
        let kv = DatabaseUrl::parse("password=one1 host=db password=two22").unwrap();
        assert_eq!(kv.redacted(), "password=*** host=db password=***");
        assert_eq!(target(&kv), "password='one1' host=db password='two22'");
    }

    #[test]
    fn an_at_after_host_and_port_is_not_a_password() {
        for (input, shown) in [
            (
                "postgres://db:5432/app?application_name=svc@prod",
                "postgres://db:5432/app?application_name=svc@prod",
            ),
            (
                "postgres://db:5432/app?user=u&password=p%40ss",
                "postgres://db:5432/app?user=u&password=***",
            ),
            ("postgres://db/app?x=a@b", "postgres://db/app?x=a@b"),
        ] {
            let url = DatabaseUrl::parse(input).unwrap();
            assert_eq!(url.redacted(), shown);
            assert_eq!(target(&url), input);
        }
    }

    #[test]
    fn the_password_reading_wins_where_a_port_reading_does_not_fit() {
        for (input, shown) in [
            ("postgres://u:2024/spring@db/app", "postgres://u:***@db/app"),
            (
                "postgres://app:secret@db:5432/app?application_name=svc@prod",
                "postgres://app:***@db:5432/app?application_name=svc@prod",
            ),
            (
                "postgres://[::1]:5432/app?x=a@b",
                "postgres://[::1]:5432/app?x=a@b",
            ),
        ] {
            assert_eq!(
                DatabaseUrl::parse(input).unwrap().redacted(),
                shown,
                "{input}"
            );
        }
        assert_eq!(
            DatabaseUrl::parse("backup=2024.db").unwrap().backend(),
            Backend::Sqlite
        );
    }

    #[test]
    fn key_value_strings_are_told_by_their_shape() {
        let kv = DatabaseUrl::parse("sslrootcert=/ca.pem password=s3cret://x host=db").unwrap();
        assert_eq!(kv.backend(), Backend::Postgres);
        assert_eq!(kv.redacted(), "sslrootcert=/ca.pem password=*** host=db");
        let err = DatabaseUrl::parse("postgres:u:pw@h/db")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`postgres:***`") && !err.contains("pw"),
            "{err}"
        );
        assert_eq!(
            DatabaseUrl::parse("./data/x=1.db").unwrap().backend(),
            Backend::Sqlite
        );
    }

    #[test]
    fn a_mysql_url_must_name_a_database() {
        for input in ["mysql://u:pw@127.0.0.1:3306", "mysql://u:pw@127.0.0.1/"] {
            let err = DatabaseUrl::parse(input).unwrap_err().to_string();
            assert!(err.contains("it names no database"), "{err}");
            assert!(!err.contains("pw"), "{err}");
        }
    }

    #[test]
    fn scrubbing_masks_the_password_not_the_letters_it_shares_with_words() {
        let url = DatabaseUrl::parse("postgres://u:a@db/app").unwrap();
        assert_eq!(url.scrub("translate a"), "translate ***");
        let url = DatabaseUrl::parse("postgres://u:ab%23cd@db/app").unwrap();
        assert_eq!(url.scrub("x ab#cd, ab%23cd"), "x ***, ***");
    }
}

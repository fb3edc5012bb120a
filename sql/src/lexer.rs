//! A small SQL lexer: enough to find statement boundaries and to strip comments and
//! whitespace, across the PostgreSQL, MySQL and SQLite spellings of strings, quoted
//! identifiers and comments. It never rejects input: unterminated strings or comments
//! run to the end of the text.

/// What a token is, as far as splitting and canonicalisation care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A keyword or an unquoted identifier.
    Word,
    /// A numeric literal.
    Number,
    /// `'...'`, `E'...'`, `$tag$...$tag$`: a string literal.
    String,
    /// `"..."` or `` `...` ``: a quoted identifier.
    QuotedIdent,
    /// `$1`, `?`, `:name`-style parameters and every other single character.
    Punct,
    /// `;`
    Semicolon,
}

/// One token with its byte range in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token<'a> {
    pub kind: TokenKind,
    pub text: &'a str,
    pub start: usize,
}

impl Token<'_> {
    /// True for the keyword or unquoted identifier `word`, in any case.
    pub(crate) fn is_word(&self, word: &str) -> bool {
        self.kind == TokenKind::Word && self.text.eq_ignore_ascii_case(word)
    }

    /// True for a token a name part can be: a word, a quoted identifier, or a string
    /// (SQLite takes `'name'`). SQLite's `[name]` takes several tokens: see [`name_end`].
    pub(crate) fn is_name_part(&self) -> bool {
        matches!(
            self.kind,
            TokenKind::Word | TokenKind::QuotedIdent | TokenKind::String
        )
    }

    pub(crate) fn is_punct(&self, punct: &str) -> bool {
        self.kind == TokenKind::Punct && self.text == punct
    }
}

/// True when `toks` start with these words (or punctuation, such as `(`).
pub(crate) fn words_are(toks: &[Token<'_>], words: &[&str]) -> bool {
    toks.len() >= words.len()
        && (toks.iter().zip(words)).all(|(t, w)| t.is_word(w) || t.is_punct(w))
}

/// Index just past a possibly qualified name (`a`, `s.a`, `"S".a`, SQLite's `[a b]`)
/// starting at `i`.
pub(crate) fn name_end(toks: &[Token<'_>], i: usize) -> Option<usize> {
    let part_end = |i: usize| match toks.get(i)? {
        t if t.is_name_part() => Some(i + 1),
        t if t.is_punct("[") => Some(i + 1 + toks[i..].iter().position(|t| t.is_punct("]"))?),
        _ => None,
    };
    let mut end = part_end(i)?;
    while let Some(next) = toks
        .get(end)
        .filter(|t| t.is_punct("."))
        .and(part_end(end + 1))
    {
        end = next;
    }
    Some(end)
}

/// The tokens outside parentheses (parentheses left out), with their indexes.
pub(crate) fn top_level<'t, 'a>(
    toks: &'t [Token<'a>],
) -> impl Iterator<Item = (usize, &'t Token<'a>)> {
    let mut depth = 0usize;
    toks.iter().enumerate().filter(move |(_, t)| {
        if t.is_punct("(") {
            depth += 1;
        } else if t.is_punct(")") {
            depth = depth.saturating_sub(1);
        } else {
            return depth == 0;
        }
        false
    })
}

/// `toks` cut at the commas outside parentheses.
pub(crate) fn split_commas<'t, 'a>(toks: &'t [Token<'a>]) -> Vec<&'t [Token<'a>]> {
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, _) in top_level(toks).filter(|(_, t)| t.is_punct(",")) {
        parts.push(&toks[start..i]);
        start = i + 1;
    }
    parts.push(&toks[start..]);
    parts
}

/// Splits `sql` into tokens, skipping whitespace and comments.
pub fn tokens(sql: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let bytes = sql.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let kind = match c {
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => {
                i += 1;
                continue;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = line_end(bytes, i);
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = block_comment_end(bytes, i);
                continue;
            }
            b'\'' => {
                i = quoted_end(bytes, i, b'\'', false);
                TokenKind::String
            }
            b'E' | b'e' if bytes.get(i + 1) == Some(&b'\'') => {
                i = quoted_end(bytes, i + 1, b'\'', true);
                TokenKind::String
            }
            b'"' => {
                i = quoted_end(bytes, i, b'"', false);
                TokenKind::QuotedIdent
            }
            b'`' => {
                i = quoted_end(bytes, i, b'`', false);
                TokenKind::QuotedIdent
            }
            b'$' => match dollar_tag(bytes, i) {
                Some(tag_len) => {
                    i = dollar_quoted_end(bytes, i, tag_len);
                    TokenKind::String
                }
                None => {
                    i += 1;
                    while i < bytes.len() && bytes[i].is_ascii_digit() {
                        i += 1;
                    }
                    TokenKind::Punct
                }
            },
            b';' => {
                i += 1;
                TokenKind::Semicolon
            }
            b'0'..=b'9' => {
                i = number_end(bytes, i);
                TokenKind::Number
            }
            c if is_word_start(c) => {
                while i < bytes.len() && is_word_continue(bytes[i]) {
                    i += 1;
                }
                TokenKind::Word
            }
            _ => {
                i += utf8_len(c);
                TokenKind::Punct
            }
        };
        let end = i.min(bytes.len());
        out.push(Token {
            kind,
            text: &sql[start..end],
            start,
        });
        i = end;
    }
    out
}

/// Byte offset of a `/*` comment after the last token that has no `*/` at all: it hides
/// the rest of the script (PostgreSQL and MySQL refuse it; SQLite reads it to the end).
pub(crate) fn unterminated_comment(sql: &str) -> Option<usize> {
    let tail_start = tokens(sql).last().map_or(0, |t| t.start + t.text.len());
    let tail = &sql.as_bytes()[tail_start..];
    let mut i = 0;
    while i < tail.len() {
        if tail[i..].starts_with(b"--") {
            i = line_end(tail, i);
        } else if tail[i..].starts_with(b"/*") {
            match tail[i + 2..].windows(2).position(|w| w == b"*/") {
                Some(end) => i += 4 + end,
                None => return Some(tail_start + i),
            }
        } else {
            i += 1;
        }
    }
    None
}

fn is_word_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c >= 0x80
}

fn is_word_continue(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xf0..=0xff => 4,
        0xe0..=0xef => 3,
        0xc0..=0xdf => 2,
        _ => 1,
    }
}

fn line_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && bytes[i] != b'\n' {
        i += 1;
    }
    i
}

/// PostgreSQL nests block comments; MySQL and SQLite do not, but nested-looking
/// comments are rare enough in migrations that nesting is the safer reading.
fn block_comment_end(bytes: &[u8], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < bytes.len() {
        if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
            depth += 1;
            i += 2;
        } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    bytes.len()
}

/// End of a quoted run starting at `i` (the opening quote). A doubled quote is an
/// escaped quote; with `backslash`, so is `\` followed by any byte.
fn quoted_end(bytes: &[u8], mut i: usize, quote: u8, backslash: bool) -> usize {
    i += 1;
    while i < bytes.len() {
        let c = bytes[i];
        if backslash && c == b'\\' {
            i += 2;
        } else if c == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
            } else {
                return i + 1;
            }
        } else {
            i += 1;
        }
    }
    bytes.len()
}

/// Length of a dollar-quote tag (`$$` or `$name$`) starting at `i`, if there is one.
pub(crate) fn dollar_tag(bytes: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    if j < bytes.len() && bytes[j].is_ascii_digit() {
        return None;
    }
    while j < bytes.len()
        && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_' || bytes[j] >= 0x80)
    {
        j += 1;
    }
    (bytes.get(j) == Some(&b'$')).then_some(j + 1 - i)
}

fn dollar_quoted_end(bytes: &[u8], i: usize, tag_len: usize) -> usize {
    let tag = &bytes[i..i + tag_len];
    let mut j = i + tag_len;
    while j + tag_len <= bytes.len() {
        if &bytes[j..j + tag_len] == tag {
            return j + tag_len;
        }
        j += 1;
    }
    bytes.len()
}

fn number_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        let c = bytes[i];
        let exponent_sign = (c == b'+' || c == b'-') && matches!(bytes[i - 1], b'e' | b'E');
        if c.is_ascii_alphanumeric() || c == b'.' || c == b'_' || exponent_sign {
            i += 1;
        } else {
            break;
        }
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sql: &str) -> Vec<&str> {
        tokens(sql).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn skips_comments_and_whitespace() {
        assert_eq!(
            texts("SELECT /* a /* nested */ b */ 1 -- trailing\n , 'x'"),
            ["SELECT", "1", ",", "'x'"]
        );
    }

    #[test]
    fn strings_keep_semicolons_and_comment_markers() {
        assert_eq!(
            texts("INSERT INTO t VALUES ('a;--b', 'it''s', E'\\'q;')"),
            [
                "INSERT", "INTO", "t", "VALUES", "(", "'a;--b'", ",", "'it''s'", ",", "E'\\'q;'",
                ")"
            ]
        );
    }

    #[test]
    fn quoted_identifiers_and_dollar_quotes() {
        assert_eq!(
            texts("\"a;b\" `c;d` $$ x; y $$ $fn$ $$ ; $fn$ $1"),
            ["\"a;b\"", "`c;d`", "$$ x; y $$", "$fn$ $$ ; $fn$", "$1"]
        );
    }

    #[test]
    fn unterminated_input_runs_to_the_end() {
        assert_eq!(texts("SELECT 'abc"), ["SELECT", "'abc"]);
        assert_eq!(texts("SELECT /* abc"), ["SELECT"]);
        assert_eq!(texts("$$ abc"), ["$$ abc"]);
    }

    #[test]
    fn numbers_with_exponents() {
        assert_eq!(texts("1.5e-3+2"), ["1.5e-3", "+", "2"]);
    }
}

//! Redaction of credential-like strings before text leaves the machine.
//!
//! [`redact`] replaces every credential-like string with [`REDACTED`] and keeps the text around
//! it. It is a hand-written single-pass scanner (no regex engine to compile on every hook run):
//! a 256-entry table picks out the few bytes a secret can start at, and only there are the
//! shapes checked. Clean text comes back borrowed.
//!
//! Recognised shapes:
//! * prefixed tokens: Anthropic (`sk-ant-…`), OpenAI (`sk-…`, `sk-proj-…`), GitHub (`ghp_`,
//!   `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`), GitLab (`glpat-`), Slack (`xoxb-`, `xoxp-`,
//!   `xoxa-`, `xoxr-`, `xoxs-`, `xapp-`), Stripe (`sk_live_`, `rk_live_`, `sk_test_`,
//!   `rk_test_`), npm (`npm_`), PyPI (`pypi-`), Google API keys (`AIza…`), AWS access key ids
//!   (`AKIA`/`ASIA` + 16), JWTs (`eyJ….….…`): the whole token is replaced;
//! * Slack webhook URLs (`hooks.slack.com/services/…`): the path after `services/`;
//! * private key blocks (`-----BEGIN … PRIVATE KEY-----`): the body, up to the `-----END`
//!   line or, when the block was cut off, to the end of the text;
//! * `Bearer <token>` and `Authorization: <scheme> <credentials>`: the credentials;
//! * `key=value` / `key: value` / `"key": "value"` pairs whose key ends in `password`, `passwd`,
//!   `passphrase`, `secret`, `token`, `api_key`, `apikey`, `api-key`, `secret_key`,
//!   `secret_access_key` or `private_key` (case-insensitive): the value, the key is kept;
//!   `user=` only when the value is a 30-character Pushover-style key;
//! * URLs with credentials (`https://user:pass@host`): the user-info, scheme and host are kept.

use std::borrow::Cow;

/// What a credential is replaced with.
pub const REDACTED: &str = "[redacted]";

/// Replaces every credential-like string in `text` with [`REDACTED`].
///
/// Returns the input borrowed when nothing matched.
///
/// ```
/// use cc_notify_core::redact::redact;
/// assert_eq!(
///     redact("export GITHUB_TOKEN=ghp_0123456789abcdefghijABCDEFGHIJ012345 and go"),
///     "export GITHUB_TOKEN=[redacted] and go"
/// );
/// assert!(matches!(redact("nothing to see"), std::borrow::Cow::Borrowed(_)));
/// ```
pub fn redact(text: &str) -> Cow<'_, str> {
    let b = text.as_bytes();
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if !TRIGGER[usize::from(c)] {
            i += 1;
            continue;
        }
        let hit = match c {
            b'=' | b':' => at_separator(b, i),
            b'-' => private_key(b, i).or_else(|| prefixed_through(b, i)),
            b'_' => prefixed_through(b, i),
            b'/' => slack_hook(b, i),
            b'J' if i >= 2 && &b[i - 2..i] == b"ey" && word_start(b, i - 2) => jwt(b, i - 2),
            _ if word_start(b, i) => at_word_start(b, i),
            _ => None,
        };
        match hit {
            // Spans end on an ASCII byte or the text's end, and start on an ASCII byte, so the
            // slices below are on character boundaries. A span reaching back into one already
            // replaced continues it.
            Some((start, end)) if end > i && end > start.max(copied) => {
                let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
                o.push_str(&text[copied..start.max(copied)]);
                o.push_str(REDACTED);
                copied = end;
                i = end;
            }
            _ => i += 1,
        }
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut o) => {
            o.push_str(&text[copied..]);
            Cow::Owned(o)
        }
    }
}

/// Bytes at which a secret is checked for: the first separator of a prefixed token (`-`, `_`),
/// of a pair (`=`, `:`), of a Slack webhook path (`/`), the `J` of a JWT's `eyJ`, and word
/// starts `A` (AWS, Google) and `b`/`B` (bearer). Ordinary prose has few of them, so the loop
/// rarely leaves its fast path.
static TRIGGER: [bool; 256] = {
    let mut t = [false; 256];
    let starts = b"=:-_/JAbB";
    let mut k = 0;
    while k < starts.len() {
        t[starts[k] as usize] = true;
        k += 1;
    }
    t
};

/// A byte range to replace.
type Span = (usize, usize);

fn word_start(b: &[u8], i: usize) -> bool {
    i == 0 || !is_word(b[i - 1])
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

fn is_tok(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

fn is_alnum(c: u8) -> bool {
    c.is_ascii_alphanumeric()
}

fn is_upper_alnum(c: u8) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit()
}

/// Characters of an HTTP bearer credential (RFC 6750 b64token).
fn is_b64token(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"-._~+/=".contains(&c)
}

/// The end of the run of `class` bytes starting at `from`.
fn run(b: &[u8], from: usize, class: fn(u8) -> bool) -> usize {
    b[from.min(b.len())..]
        .iter()
        .position(|&c| !class(c))
        .map_or(b.len(), |n| from + n)
}

/// A token identified by a fixed prefix: (prefix, minimum body length, body characters).
type Prefixed = (&'static [u8], usize, fn(u8) -> bool);

/// The prefixed tokens.
const PREFIXED: &[Prefixed] = &[
    (b"sk-ant-", 20, is_tok),
    (b"sk_live_", 10, is_alnum),
    (b"sk_test_", 10, is_alnum),
    (b"rk_live_", 10, is_alnum),
    (b"rk_test_", 10, is_alnum),
    (b"ghp_", 30, is_alnum),
    (b"gho_", 30, is_alnum),
    (b"ghu_", 30, is_alnum),
    (b"ghs_", 30, is_alnum),
    (b"ghr_", 30, is_alnum),
    (b"github_pat_", 20, is_word),
    (b"glpat-", 20, is_tok),
    (b"xoxb-", 10, is_tok),
    (b"xoxp-", 10, is_tok),
    (b"xoxa-", 10, is_tok),
    (b"xoxr-", 10, is_tok),
    (b"xoxs-", 10, is_tok),
    (b"xapp-", 10, is_tok),
    (b"AIza", 30, is_tok),
    (b"npm_", 30, is_alnum),
    (b"pypi-", 30, is_tok),
];

/// A `-` or `_` at `i` that may be the first separator of a prefixed token starting at most six
/// bytes earlier (`sk-`, `ghp_`, `xoxb-`, `glpat-`, `github_`).
fn prefixed_through(b: &[u8], i: usize) -> Option<Span> {
    (2..=6)
        .filter_map(|back| i.checked_sub(back))
        .filter(|&s| word_start(b, s) && b[s].is_ascii_alphabetic())
        .find_map(|s| at_word_start(b, s))
}

/// `hooks.slack.com/services/<path>`: the path.
fn slack_hook(b: &[u8], i: usize) -> Option<Span> {
    const HOST: &[u8] = b"hooks.slack.com";
    const PATH: &[u8] = b"/services/";
    if i < HOST.len() || &b[i - HOST.len()..i] != HOST || !b[i..].starts_with(PATH) {
        return None;
    }
    let start = i + PATH.len();
    Some((start, run(b, start, |c| is_tok(c) || c == b'/')))
}

/// A token starting at `i`, a word start.
fn at_word_start(b: &[u8], i: usize) -> Option<Span> {
    let rest = &b[i..];
    for &(prefix, min, class) in PREFIXED {
        if prefix[0] == b[i] && rest.starts_with(prefix) {
            let end = run(b, i + prefix.len(), class);
            if end - i - prefix.len() >= min {
                return Some((i, end));
            }
        }
    }
    match b[i] {
        // OpenAI keys (`sk-…`, `sk-proj-…`, `sk-svcacct-…`): random, so they hold a digit;
        // a long hyphenated phrase does not.
        b's' if rest.starts_with(b"sk-") => {
            let end = run(b, i + 3, is_tok);
            let body = &b[i + 3..end];
            (body.len() >= 20 && body.iter().any(u8::is_ascii_digit)).then_some((i, end))
        }
        b'A' if rest.starts_with(b"AKIA") || rest.starts_with(b"ASIA") => {
            let end = run(b, i + 4, is_upper_alnum);
            (end - i == 20 && b.get(end).is_none_or(|&c| !is_word(c))).then_some((i, end))
        }
        b'b' | b'B' => bearer(b, i),
        _ => None,
    }
}

/// `eyJ<header>.<payload>[.<signature>]`, all base64url.
fn jwt(b: &[u8], i: usize) -> Option<Span> {
    if !b[i..].starts_with(b"eyJ") {
        return None;
    }
    let header_end = run(b, i, is_tok);
    if header_end - i < 10 || b.get(header_end) != Some(&b'.') {
        return None;
    }
    let payload_end = run(b, header_end + 1, is_tok);
    if payload_end - header_end - 1 < 4 {
        return None;
    }
    if b.get(payload_end) == Some(&b'.') {
        Some((i, run(b, payload_end + 1, is_tok)))
    } else {
        Some((i, payload_end))
    }
}

/// `Bearer <token>` outside an `Authorization` header: the token must look random (a digit or
/// a symbol in it, or long), so "bearer of bad news" survives.
fn bearer(b: &[u8], i: usize) -> Option<Span> {
    let word = b.get(i..i + 6)?;
    if !word.eq_ignore_ascii_case(b"bearer") || !matches!(b.get(i + 6), Some(b' ' | b'\t')) {
        return None;
    }
    let start = run(b, i + 6, |c| c == b' ' || c == b'\t');
    if !b.get(start).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    let end = run(b, start, is_b64token);
    let token = &b[start..end];
    let random = token.len() >= 20 || token.iter().any(|c| !c.is_ascii_alphabetic());
    (token.len() >= 8 && random).then_some((start, end))
}

/// `-----BEGIN … PRIVATE KEY-----`: the body up to `-----END` (or the end of a cut-off text).
fn private_key(b: &[u8], i: usize) -> Option<Span> {
    const BEGIN: &[u8] = b"-----BEGIN ";
    if !b[i..].starts_with(BEGIN) {
        return None;
    }
    let label_start = i + BEGIN.len();
    let label_len = memchr::memmem::find(&b[label_start..], b"-----")?;
    let label = &b[label_start..label_start + label_len];
    if label.contains(&b'\n') || memchr::memmem::find(label, b"PRIVATE KEY").is_none() {
        return None;
    }
    let body = label_start + label_len + 5;
    let end = memchr::memmem::find(&b[body..], b"-----END").map_or(b.len(), |n| body + n);
    Some((body, end))
}

/// What a key of a `key=value` pair says about its value.
#[derive(PartialEq, Eq)]
enum KeyKind {
    /// The value is a secret.
    Secret,
    /// The value is a scheme followed by credentials.
    Authorization,
    /// A secret only when it has a Pushover key's shape (30 letters and digits).
    User,
}

const SECRET_KEYS: &[&[u8]] = &[
    b"password",
    b"passwd",
    b"passphrase",
    b"secret",
    b"token",
    b"api_key",
    b"apikey",
    b"api-key",
    b"secret_key",
    b"secret_access_key",
    b"private_key",
];

fn ends_with_ci(s: &[u8], suffix: &[u8]) -> bool {
    s.len() >= suffix.len() && s[s.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}

fn key_kind(key: &[u8]) -> Option<KeyKind> {
    // Every key name below ends in one of these letters: most identifiers are out at once.
    if !b"detnyr".contains(&key.last()?.to_ascii_lowercase()) {
        return None;
    }
    if SECRET_KEYS.iter().any(|k| ends_with_ci(key, k)) {
        Some(KeyKind::Secret)
    } else if ends_with_ci(key, b"authorization") {
        Some(KeyKind::Authorization)
    } else if key.eq_ignore_ascii_case(b"user")
        || [b"_user", b"-user", b".user"]
            .iter()
            .any(|k| ends_with_ci(key, *k))
    {
        Some(KeyKind::User)
    } else {
        None
    }
}

/// Bytes that end an unquoted value.
fn ends_value(c: u8) -> bool {
    c.is_ascii_whitespace() || b"&,;\"'`<>()[]{}".contains(&c)
}

/// A `=` or `:` at `i`: a URL's credentials, or the value of a secret-named key.
fn at_separator(b: &[u8], i: usize) -> Option<Span> {
    if b[i] == b':' && b[i + 1..].starts_with(b"//") {
        return url_userinfo(b, i);
    }
    if b[i] == b'=' && (b.get(i + 1) == Some(&b'=') || i > 0 && b"!<>=".contains(&b[i - 1])) {
        return None; // a comparison
    }
    // The key: back over `:` of `:=`, blanks, a closing quote, then the identifier.
    let mut j = i;
    if b[i] == b'=' && j > 0 && b[j - 1] == b':' {
        j -= 1;
    }
    while j > 0 && matches!(b[j - 1], b' ' | b'\t') {
        j -= 1;
    }
    if j > 0 && matches!(b[j - 1], b'"' | b'\'') {
        j -= 1;
    }
    let key_end = j;
    while j > 0 && (is_tok(b[j - 1]) || b[j - 1] == b'.') {
        j -= 1;
    }
    let kind = key_kind(&b[j..key_end])?;

    let mut v = run(b, i + 1, |c| c == b' ' || c == b'\t');
    let quote = b.get(v).copied().filter(|c| b"\"'`".contains(c));
    if quote.is_some() {
        v += 1;
    }
    if b[v.min(b.len())..].starts_with(b"-----BEGIN") {
        return None; // a key block: `private_key` handles it, lines and all
    }
    if kind == KeyKind::Authorization {
        // Keep the scheme (`Bearer`, `Basic`, …) when credentials follow it.
        let scheme_end = run(b, v, |c| c.is_ascii_alphabetic());
        let creds = run(b, scheme_end, |c| c == b' ');
        if scheme_end > v
            && creds > scheme_end
            && b.get(creds).is_some_and(|&c| !ends_value(c) || c == b'[')
        {
            v = creds;
        }
    }
    let end = match quote {
        Some(q) => quoted_end(b, v, q),
        None => run(b, v, |c| !ends_value(c)),
    };
    let value = &b[v..end];
    let keep = match kind {
        KeyKind::User => value.len() != 30 || !value.iter().all(u8::is_ascii_alphanumeric),
        KeyKind::Secret | KeyKind::Authorization => {
            value == REDACTED.as_bytes()
                || [&b"null"[..], b"true", b"false", b"none"]
                    .iter()
                    .any(|w| value.eq_ignore_ascii_case(w))
        }
    };
    (!keep).then_some((v, end))
}

/// The end of a value quoted with `q` that starts at `from`: the closing quote, else the end of
/// the line. Backslash escapes are skipped.
fn quoted_end(b: &[u8], from: usize, q: u8) -> usize {
    let mut k = from;
    while k < b.len() {
        match b[k] {
            b'\\' => k += 2,
            c if c == q || c == b'\n' => return k,
            _ => k += 1,
        }
    }
    b.len()
}

/// `scheme://user:pass@host`: the user-info when it holds a password or a long token.
fn url_userinfo(b: &[u8], i: usize) -> Option<Span> {
    if i == 0 || !b[i - 1].is_ascii_alphabetic() {
        return None;
    }
    let start = i + 3;
    let at = run(b, start, |c| !(ends_value(c) || b"/?#@".contains(&c)));
    if b.get(at) != Some(&b'@') || at == start {
        return None;
    }
    let info = &b[start..at];
    (info.contains(&b':') || info.len() >= 20).then_some((start, at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_never_split_multibyte_text() {
        let s = "пароль password=héllo€ wörld token:\"ü€\" ✓";
        assert_eq!(
            redact(s),
            "пароль password=[redacted] wörld token:\"[redacted]\" ✓"
        );
    }

    #[test]
    fn comparisons_and_empty_values_are_not_pairs() {
        for s in [
            "if token == other",
            "token != x",
            "password:\n  next",
            "token = null",
        ] {
            assert_eq!(redact(s), s);
        }
    }
}

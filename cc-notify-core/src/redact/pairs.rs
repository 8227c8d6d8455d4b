//! Values labelled as secrets, in the forms config files, programming languages and command
//! lines write them:
//!
//! * `key=v`, `key = "v"`, `key: v`, `"key": "v"`, `key := v`, `key ::= v`, `key :::= v`,
//!   `key ?= v`, `key .= v`, `key ||= v`, `"key" => "v"`, `var key string = "v"`,
//!   `let key: &str = "v"`, `--key=v`, connection strings (`Pwd=v;`, `AccountKey=v;`);
//! * `("KEY", "v")`: a call such as `System.setProperty("X_TOKEN", "v")`;
//! * `<key>v</key>`, the value on its own lines or not;
//! * `--token v`, `curl -u user:pass`;
//! * `scheme://user:pass@host`.
//!
//! The key is classified by [`keys::classify`](super::keys::classify); the value is kept
//! when it is a placeholder, a reference or code ([`placeholder`](super::placeholder)).

use super::entropy::{basic_credentials, is_uuid, looks_random_labelled};
use super::keys::{KeyKind, classify};
use super::placeholder::{is_code, is_placeholder};
use super::{Hit, REDACTED, Span, is_tok, run};

/// Bytes that end an unquoted value.
fn ends_value(c: u8) -> bool {
    c.is_ascii_whitespace() || b"&,;\"'`<>()[]{}".contains(&c)
}

fn blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// Types written between a name and its `=` (`var t string = …`, `let t: &str = …`).
const TYPES: &[&[u8]] = &[
    b"string",
    b"String",
    b"str",
    b"byte",
    b"char",
    b"CharSequence",
];

/// A `=` or `:` at `i`: a URL's credentials, or the value of a secret-named key.
pub(super) fn at_separator(b: &[u8], i: usize) -> Option<Hit> {
    if b[i] == b':' {
        if b[i + 1..].starts_with(b"//") {
            return url_userinfo(b, i).map(Hit::Redact);
        }
        // `:=`, `::=`: the `=` decides.
        if matches!(b.get(i + 1), Some(b':' | b'=')) {
            return None;
        }
    }
    let mut value_at = i + 1;
    // The operator: back over `:` `?` `.` `|` `+` before `=`, refusing comparisons.
    let mut j = i;
    if b[i] == b'=' {
        match b.get(i + 1) {
            Some(b'=' | b'~') => return None,
            Some(b'>') => value_at += 1,
            _ => {}
        }
        let ops = b[..i]
            .iter()
            .rev()
            .take(3)
            .take_while(|&&c| matches!(c, b':' | b'?' | b'.' | b'|' | b'+'))
            .count();
        j -= ops;
        if j > 0 && matches!(b[j - 1], b'!' | b'<' | b'>' | b'=') {
            return None;
        }
    }
    let key = key_before(b, j)?;
    let kind = classify(key)?;
    if b[i] == b':' {
        // `group.artifact:name-1.2` (a package coordinate), `host:port`: no blank after `:`
        // and a dotted key.
        if key.contains(&b'.')
            && b.get(i + 1)
                .is_some_and(|c| !c.is_ascii_whitespace() && *c != b'"' && *c != b'\'')
        {
            return None;
        }
    }
    let v = run(b, value_at, blank);
    // `name: String = "v"`: the `=` that follows decides.
    if b[i] == b':' {
        let t = run(b, v, |c| c.is_ascii_alphanumeric() || c == b'&');
        let after = run(b, t, blank);
        if t > v && b.get(after) == Some(&b'=') {
            return None;
        }
    }
    value_hit(b, v, kind)
}

/// The key that ends at `j` (exclusive), across blanks and a closing quote; a type between
/// the name and the operator is stepped over.
fn key_before(b: &[u8], j: usize) -> Option<&[u8]> {
    let mut j = j;
    while j > 0 && blank(b[j - 1]) {
        j -= 1;
    }
    // `env["KEY"] = …`
    if j > 1 && b[j - 1] == b']' && matches!(b[j - 2], b'"' | b'\'') {
        j -= 1;
    }
    if j > 0 && matches!(b[j - 1], b'"' | b'\'') {
        j -= 1;
    }
    let key_end = j;
    while j > 0 && (is_tok(b[j - 1]) || b[j - 1] == b'.') {
        j -= 1;
    }
    // Part of a path or a package name (`@octokit/auth-token`): not a key.
    if j > 0 && matches!(b[j - 1], b'/' | b'@') {
        return None;
    }
    let key = &b[j..key_end];
    if TYPES.contains(&key) {
        // Back over `&`, `[]`, `*`, blanks and a `:` to the name.
        let mut k = j;
        while k > 0
            && matches!(
                b[k - 1],
                b'&' | b'[' | b']' | b'*' | b' ' | b'\t' | b':' | b'\''
            )
        {
            k -= 1;
        }
        if k < j {
            return key_before(b, k);
        }
    }
    (!key.is_empty()).then_some(key)
}

/// The value starting at `v` (at an opening quote, or the first byte of an unquoted value)
/// for a key of `kind`: redacted, left alone as plain, or nothing.
fn value_hit(b: &[u8], v: usize, kind: KeyKind) -> Option<Hit> {
    let mut v = v;
    // A value quoted inside a JSON string: `{\"api_key\": \"v\"}`.
    if b.get(v) == Some(&b'\\') && matches!(b.get(v + 1), Some(b'"' | b'\'')) {
        let inner = v + 2;
        let end = memchr::memmem::find(&b[inner..], &b[v..v + 2]).map_or(b.len(), |n| inner + n);
        let end = memchr::memchr(b'\n', &b[inner..end]).map_or(end, |n| inner + n);
        if kind == KeyKind::Plain {
            return Some(Hit::Plain(end));
        }
        return secret_value(&b[inner..end], kind, true, None).then_some(Hit::Redact((inner, end)));
    }
    let quote = b.get(v).copied().filter(|c| b"\"'`".contains(c));
    if quote.is_some() {
        v += 1;
    }
    if b[v.min(b.len())..].starts_with(b"-----BEGIN") {
        return None; // a key block: `private_key` handles it, lines and all
    }
    if kind == KeyKind::Authorization {
        // Keep the scheme (`Bearer`, `Basic`, …) when credentials follow it.
        let scheme_end = run(b, v, |c| c.is_ascii_alphabetic() || c == b'-');
        let creds = run(b, scheme_end, |c| c == b' ');
        if scheme_end > v
            && creds > scheme_end
            && b.get(creds).is_some_and(|&c| !c.is_ascii_whitespace())
        {
            v = creds;
        }
    }
    let end = match quote {
        Some(q) => quoted_end(b, v, q),
        None => unquoted_end(b, v),
    };
    if kind == KeyKind::Plain {
        return Some(Hit::Plain(end));
    }
    let next = if quote.is_some() {
        None
    } else {
        b.get(end).copied()
    };
    secret_value(&b[v..end], kind, quote.is_some(), next).then_some(Hit::Redact((v, end)))
}

/// The end of an unquoted value: a byte of [`ends_value`], or an escaped line break (`\n` in
/// a JSON string holding an env file).
///
/// An `&` ends the value where a query's next `key=` follows it, or a blank, or at its start
/// (`token: &str`); inside a connection string's value it does not (`Pwd=a&b;`).
fn unquoted_end(b: &[u8], v: usize) -> usize {
    let mut k = v;
    while k < b.len() {
        match b[k] {
            b'&' => {
                let key_end = run(b, k + 1, |c| {
                    is_tok(c) || c == b'.' || c == b'[' || c == b']'
                });
                if k == v || key_end == k + 1 || b.get(key_end) == Some(&b'=') {
                    break;
                }
            }
            b'\\' if matches!(b.get(k + 1), Some(b'n' | b'r' | b't' | b'"' | b'\\')) => break,
            c if ends_value(c) => break,
            _ => {}
        }
        k += 1;
    }
    k
}

/// Whether `value`, labelled by a key of `kind`, is a secret.
fn secret_value(value: &[u8], kind: KeyKind, quoted: bool, next: Option<u8>) -> bool {
    if value.is_empty() || value == REDACTED.as_bytes() || is_placeholder(value) {
        return false;
    }
    if !quoted && is_code(value, next) {
        return false;
    }
    match kind {
        KeyKind::User => value.len() == 30 && value.iter().all(u8::is_ascii_alphanumeric),
        KeyKind::Weak | KeyKind::Bare => {
            // Numeric tokens (Asana), UUIDs (Heroku, Snyk) under a named key.
            let long_number = value.len() >= 16 && value.iter().all(u8::is_ascii_digit);
            looks_random_labelled(value)
                || basic_credentials(value)
                || (kind == KeyKind::Weak && (long_number || is_uuid(value)))
        }
        KeyKind::Plain => false,
        KeyKind::Secret | KeyKind::Authorization => {
            // Counts and sizes (`max_token = 4096`), one-letter words of prose.
            let small_number = value.len() <= 8 && value.iter().all(u8::is_ascii_digit);
            !(value.len() < 3 || !quoted && small_number)
        }
    }
}

/// The end of a value quoted with `q` that starts at `from`: the closing quote, else the end of
/// the line. Backslash escapes are skipped.
fn quoted_end(b: &[u8], from: usize, q: u8) -> usize {
    let mut k = from;
    while k < b.len() {
        match b[k] {
            b'\\' if k + 1 < b.len() && b[k + 1].is_ascii() => k += 2,
            c if c == q || c == b'\n' => return k,
            _ => k += 1,
        }
    }
    b.len()
}

/// A `,` at `i` between two quoted strings opened by a call or a list:
/// `setProperty("X_TOKEN", "v")`, `["api_key", "v"]`.
pub(super) fn at_comma(b: &[u8], i: usize) -> Option<Hit> {
    let close = i.checked_sub(1).filter(|&k| matches!(b[k], b'"' | b'\''))?;
    let q = b[close];
    let from = close.saturating_sub(80);
    let open = from + b[from..close].iter().rposition(|&c| c == q)?;
    if open == 0 || !matches!(b[open - 1], b'(' | b'[' | b' ' | b'{') {
        return None;
    }
    let key = &b[open + 1..close];
    if key.is_empty() || !key.iter().all(|&c| is_tok(c) || c == b'.') {
        return None;
    }
    let kind = classify(key)?;
    let v = run(b, i + 1, blank);
    if !matches!(b.get(v), Some(b'"' | b'\'')) {
        return None;
    }
    value_hit(b, v, kind)
}

/// A `>` at `i` that closes `<key>`: the element's text, on its own lines or not.
pub(super) fn xml_element(b: &[u8], i: usize) -> Option<Hit> {
    if i == 0 || !(is_tok(b[i - 1]) || b[i - 1] == b'.') {
        return None;
    }
    let from = i.saturating_sub(80);
    let open = from + b[from..i].iter().rposition(|&c| c == b'<')?;
    let name = &b[open + 1..i];
    if name.is_empty() || !name.iter().all(|&c| is_tok(c) || c == b'.' || c == b':') {
        return None;
    }
    let kind = classify(name)?;
    let start = run(b, i + 1, |c| c.is_ascii_whitespace());
    let window = &b[start..b.len().min(start + 4096)];
    let lt = start + memchr::memchr(b'<', window)?;
    if !b[lt..].starts_with(b"</") {
        return None;
    }
    let mut end = lt;
    while end > start && b[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    if kind == KeyKind::Plain {
        return Some(Hit::Plain(end));
    }
    let value = &b[start..end];
    if value.contains(&b'\n') {
        return None;
    }
    secret_value(value, kind, true, None).then_some(Hit::Redact((start, end)))
}

/// A `-` at `i` starting a command-line flag: `--token VALUE` (the `=` form is a pair),
/// `-u user:pass` / `--user user:pass` (curl): the value, or the password.
pub(super) fn cli_flag(b: &[u8], i: usize) -> Option<Hit> {
    if i > 0 && !b[i - 1].is_ascii_whitespace() && !matches!(b[i - 1], b'"' | b'\'' | b'(') {
        return None;
    }
    let name_end = run(b, i, is_tok);
    let name = &b[i..name_end];
    if name.len() < 2 || !b.get(name_end).is_some_and(|&c| blank(c)) {
        return None;
    }
    let v = run(b, name_end, blank);
    if b.get(v).is_none_or(|&c| c == b'-' || c == b'\n') {
        return None;
    }
    if name == b"-u" || name == b"--user" || name == b"--proxy-user" {
        return user_password(b, v).map(Hit::Redact);
    }
    if !name.starts_with(b"--") {
        return None;
    }
    let kind = classify(&name[2..])?;
    if matches!(kind, KeyKind::Plain | KeyKind::User | KeyKind::Bare) {
        return None;
    }
    // `--secret id=x,src=path` (a spec, not the secret).
    let end = unquoted_end(b, v);
    if b[v..end].contains(&b'=') && !b[v..end].ends_with(b"=") {
        return None;
    }
    value_hit(b, v, kind)
}

/// curl's `user:password` at `v`, each part quoted or not: the password; the user when the
/// password is empty and the user looks random (an API key: `-u sk_live_…:`).
fn user_password(b: &[u8], v: usize) -> Option<Span> {
    let part_end = |s: usize| -> (usize, usize, usize) {
        // (start, end, next byte after the part)
        match b.get(s) {
            Some(&q @ (b'"' | b'\'')) => {
                let e = quoted_end(b, s + 1, q);
                (s + 1, e, (e + 1).min(b.len()))
            }
            _ => {
                let e = run(b, s, |c| {
                    !c.is_ascii_whitespace() && !matches!(c, b'"' | b'\'' | b':')
                });
                (s, e, e)
            }
        }
    };
    let (us, ue, after_user) = part_end(v);
    // The colon: after a quoted user, or inside a quoted pair.
    let (colon, quoted_pair) = if b.get(after_user) == Some(&b':') {
        (after_user, false)
    } else if after_user > ue {
        (memchr::memchr(b':', &b[us..ue])? + us, true)
    } else {
        return None;
    };
    let (ps, pe) = if quoted_pair {
        (colon + 1, ue)
    } else {
        let (ps, pe, _) = part_end(colon + 1);
        (ps, pe)
    };
    let user_end = if quoted_pair { colon } else { ue };
    let pass = &b[ps..pe];
    if pass.is_empty() {
        let user = &b[us..user_end];
        return (looks_random_labelled(user) && !is_placeholder(user)).then_some((us, user_end));
    }
    (pass != REDACTED.as_bytes() && !is_placeholder(pass)).then_some((ps, pe))
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
    let password = memchr::memchr(b':', info).map(|k| &info[k + 1..]);
    if password.is_some_and(|p| p.is_empty() || is_placeholder(p)) {
        return None;
    }
    (password.is_some() || info.len() >= 20).then_some((start, at))
}

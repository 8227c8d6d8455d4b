//! Values that stand in for a secret without being one: variable references (`${NPM_TOKEN}`,
//! `$API_KEY`, `%APPDATA%`), format strings (`%s`, `{}`), templates (`{{ secrets.X }}`,
//! `<your-token>`), masks (`xxxx`, `****`, `sk-...`), words (`null`, `changeme`,
//! `YOUR_API_KEY`) and, unquoted, code (`os.environ`, `config.token`).

use super::{ends_with_ci, starts_with_ci};

/// Whole values (case-insensitive) that are not secrets.
const WORDS: &[&[u8]] = &[
    b"null",
    b"nil",
    b"none",
    b"true",
    b"false",
    b"undefined",
    b"empty",
    b"unset",
    b"missing",
    b"required",
    b"optional",
    b"string",
    b"str",
    b"text",
    b"value",
    b"hidden",
    b"masked",
    b"redacted",
    b"secret",
    b"password",
    b"passwd",
    b"token",
    b"apikey",
    b"api_key",
    b"example",
    b"sample",
    b"placeholder",
    b"dummy",
    b"changeme",
    b"change_me",
    b"change-me",
    b"todo",
    b"tbd",
    b"fixme",
    b"env",
    b"the",
    b"your",
    b"this",
    b"that",
    b"here",
    b"not",
    b"is",
    b"was",
    b"are",
    b"and",
    b"for",
    b"from",
    b"with",
    b"see",
    b"set",
    b"test",
    b"pass",
    b"user",
    b"username",
    b"admin",
];

/// Leading words of a value that describes what to put there (`YOUR_API_KEY`,
/// `replace-with-token`, `<insert key>`).
const INSTRUCTIONS: &[&[u8]] = &[
    b"your",
    b"replace",
    b"change",
    b"insert",
    b"enter",
    b"put",
    b"paste",
    b"fill",
    b"redacted",
    b"dummy",
    b"fake",
    b"example",
    b"sample",
    b"placeholder",
    b"secret",
    b"token",
    b"password",
];

/// Whether `v`, a non-empty value, is a placeholder rather than a secret.
pub(super) fn is_placeholder(v: &[u8]) -> bool {
    let Some(&first) = v.first() else {
        return true;
    };
    let last = v[v.len() - 1];
    // References, templates and format strings.
    // Version ranges (`^4.0.0`, `~1.2`).
    if matches!(first, b'^' | b'~') && v.get(1).is_some_and(u8::is_ascii_digit) {
        return true;
    }
    if matches!(first, b'$' | b'{' | b'<' | b'[' | b'%')
        || v.starts_with(b"#{")
        || (first == b'@' && last == b'@')
        || (last == b'%' && v.len() > 2)
    {
        return true;
    }
    if WORDS.iter().any(|w| v.eq_ignore_ascii_case(w)) {
        return true;
    }
    let leads = |w: &[u8]| {
        starts_with_ci(v, w)
            && (w == b"your" || v.get(w.len()).is_none_or(|c| !c.is_ascii_alphanumeric()))
    };
    if INSTRUCTIONS.iter().any(|w| leads(w))
        || ends_with_ci(v, b"here")
        || ends_with_ci(v, b"_goes_here")
    {
        return true;
    }
    // Ellipses: an example cut short (`sk-abc...`, `ghp_…`).
    if memchr::memmem::find(v, b"...").is_some()
        || memchr::memmem::find(v, "…".as_bytes()).is_some()
    {
        return true;
    }
    is_mask(v) || is_constant_name(v)
}

/// `xxxx`, `****`, `XXXX-XXXX`, `sk-xxxxxxxxxxxx`, `0000000`, `aaaa`: mostly one repeated
/// character.
pub(super) fn is_mask(v: &[u8]) -> bool {
    if v.len() < 3 {
        return false;
    }
    let masked = v
        .iter()
        .filter(|&&c| {
            matches!(
                c,
                b'x' | b'X' | b'*' | b'#' | b'.' | b'\xe2' | b'\x80' | b'\xa2'
            )
        })
        .count();
    if masked * 2 >= v.len() && masked >= 4 {
        return true;
    }
    // The most frequent character is most of it.
    let mut counts = [0u16; 256];
    for &c in v {
        counts[usize::from(c)] = counts[usize::from(c)].saturating_add(1);
    }
    let top = counts.iter().copied().max().unwrap_or(0);
    usize::from(top) * 10 >= v.len() * 8
}

/// `API_KEY`, `NPM_TOKEN`: an upper-case name with an underscore, as a variable is named.
fn is_constant_name(v: &[u8]) -> bool {
    v.first().is_some_and(u8::is_ascii_uppercase)
        && v.contains(&b'_')
        && v.iter()
            .all(|&c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_')
        && v.split(|&c| c == b'_')
            .all(|w| w.len() >= 2 && w.iter().filter(|c| c.is_ascii_uppercase()).count() >= 2)
}

/// An unquoted value that is code: a dotted name (`process.env.NPM_TOKEN`, `config.token`,
/// `os.environ`), or a name followed by a call or an index (`getenv(`, `env[`).
pub(super) fn is_code(v: &[u8], next: Option<u8>) -> bool {
    let name = |s: &[u8]| {
        !s.is_empty()
            && s.len() <= 32
            && (s[0].is_ascii_alphabetic() || s[0] == b'_' || s[0] == b'$')
            && {
                // Letters, then at most two trailing digits.
                let digits = s.iter().rev().take_while(|c| c.is_ascii_digit()).count();
                digits <= 2
                    && s[..s.len() - digits]
                        .iter()
                        .all(|&c| c.is_ascii_alphabetic() || c == b'_' || c == b'$')
            }
    };
    if matches!(next, Some(b'(' | b'[' | b'<')) && v.split(|&c| c == b'.').all(name) {
        return true;
    }
    v.contains(&b'.') && v.split(|&c| c == b'.').all(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_told_from_secrets() {
        for v in [
            "${NPM_TOKEN}",
            "$API_KEY",
            "%s",
            "%(password)s",
            "%APPDATA%",
            "{{ secrets.TOKEN }}",
            "<your-token>",
            "[redacted]",
            "xxx",
            "xxxxxxxxxxxxxxxx",
            "********",
            "XXXX-XXXX-XXXX",
            "sk-xxxxxxxxxxxxxxxxxxxx",
            "YOUR_API_KEY",
            "your_token_here",
            "changeme",
            "null",
            "API_KEY",
            "sk-abc...",
            "0000000000",
            "@token@",
        ] {
            assert!(is_placeholder(v.as_bytes()), "{v}");
        }
        for v in [
            "hunter2",
            "s3cr3t!",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "ghp_0123456789abcdefghijABCDEFGHIJ012345",
            "CLOJARS_34bf0e88955ff5a1c328d6a7491acc4f48e865a7b8dd4d70a70749037443",
            "Zm9vYmFy",
            "very secret value",
            "abcd1234efgh5678",
        ] {
            assert!(!is_placeholder(v.as_bytes()), "{v}");
        }
    }

    #[test]
    fn code_is_not_a_value() {
        assert!(is_code(b"process.env.NPM_TOKEN", None));
        assert!(is_code(b"os.environ", Some(b'[')));
        assert!(is_code(b"getenv", Some(b'(')));
        assert!(!is_code(b"hunter2", None));
        assert!(!is_code(b"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0", None));
    }
}

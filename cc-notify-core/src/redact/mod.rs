//! Redaction of credential-like strings before text leaves the machine.
//!
//! [`redact`] replaces every credential-like string with [`REDACTED`] and keeps the text around
//! it. It is a hand-written single-pass scanner (no regex engine to compile on every hook run):
//! a 256-entry table picks out the bytes a secret can start or be labelled at, and only there
//! are the shapes checked. Clean text comes back borrowed.
//!
//! What is recognised, module by module:
//! * `tokens`: provider tokens by their documented formats, standing alone (`ghp_…`,
//!   `sk-ant-…`, `xoxb-…`, `SG.….…`, `hf_…`, `AKIA…`, Discord and Telegram bot tokens, JWTs,
//!   private key blocks, webhook URLs, `Bearer …`, and some hundred more prefixes);
//! * `pairs`: values labelled as secrets — `key = value` in the assignment forms of config
//!   files and programming languages (`=`, `:`, `:=`, `::=`, `?=`, `.=`, `=>`, `key: value`,
//!   `"key": "value"`, `("KEY", "value")`, `<key>value</key>`), command-line flags
//!   (`--token value`, `curl -u user:pass`) and URL credentials; `keys` decides from the
//!   key's words whether it names a secret;
//! * `placeholder`: what is not a secret although labelled as one: variable references
//!   (`${NPM_TOKEN}`, `$API_KEY`), format strings (`%s`), templates and masks (`<your-token>`,
//!   `xxx`), code (`os.environ["X"]`);
//! * `entropy`: unlabelled strings that are random by their statistics (an AWS secret key
//!   alone), told apart from hashes, UUIDs, lockfile digests and base64 of text.

mod entropy;
mod keys;
mod pairs;
mod placeholder;
mod tokens;

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
    // A value whose key says it is not a secret (`commit_sha = …`) is not checked for
    // randomness up to here.
    let mut plain_until = 0;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let hit = match TRIGGER[usize::from(c)] {
            Trigger::None => None,
            Trigger::Word if i > 0 && is_word(b[i - 1]) => None,
            Trigger::Word => tokens::at_word_start(b, i).map(Hit::Redact).or_else(|| {
                (i >= plain_until)
                    .then(|| entropy::unlabelled(b, i))
                    .flatten()
                    .map(Hit::Redact)
            }),
            Trigger::Separator => pairs::at_separator(b, i),
            Trigger::Comma => pairs::at_comma(b, i),
            Trigger::Angle => pairs::xml_element(b, i),
            Trigger::Dash => tokens::pem_block(b, i).or_else(|| pairs::cli_flag(b, i)),
            Trigger::Slash => tokens::webhook(b, i).map(Hit::Redact),
        };
        match hit {
            // Spans end on an ASCII byte or the text's end, and start on an ASCII byte or
            // right after one, so the slices below are on character boundaries. A span
            // reaching back into one already replaced continues it.
            Some(Hit::Redact((start, end))) if end > i && end > start.max(copied) => {
                let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
                o.push_str(&text[copied..start.max(copied)]);
                o.push_str(REDACTED);
                copied = end;
                i = end;
            }
            Some(Hit::Plain(end)) => {
                plain_until = plain_until.max(end);
                i += 1;
            }
            // Nothing starts inside a word: go to its end.
            None if matches!(TRIGGER[usize::from(c)], Trigger::Word) => i = run(b, i + 1, is_word),
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

/// What a detector found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hit {
    /// A byte range to replace.
    Redact(Span),
    /// A value labelled as not secret that ends here: no randomness check inside it.
    Plain(usize),
}

/// A byte range to replace.
type Span = (usize, usize);

/// Why a byte is looked at.
#[derive(Clone, Copy)]
enum Trigger {
    None,
    /// A letter or digit: a token or a random string may start here.
    Word,
    /// `=` or `:`: a labelled value, URL credentials.
    Separator,
    /// `,`: the value of `("KEY", "value")`.
    Comma,
    /// `>`: the text of `<key>value</key>`.
    Angle,
    /// `-`: a private key block, a command-line flag.
    Dash,
    /// `/`: a webhook URL's path.
    Slash,
}

static TRIGGER: [Trigger; 256] = {
    let mut t = [Trigger::None; 256];
    let mut c = 0;
    while c < 256 {
        if (c as u8).is_ascii_alphanumeric() {
            t[c] = Trigger::Word;
        }
        c += 1;
    }
    t[b'=' as usize] = Trigger::Separator;
    t[b':' as usize] = Trigger::Separator;
    t[b',' as usize] = Trigger::Comma;
    t[b'>' as usize] = Trigger::Angle;
    t[b'-' as usize] = Trigger::Dash;
    t[b'/' as usize] = Trigger::Slash;
    t
};

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

fn is_tok(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

/// The end of the run of `class` bytes starting at `from`.
fn run(b: &[u8], from: usize, class: impl Fn(u8) -> bool) -> usize {
    b[from.min(b.len())..]
        .iter()
        .position(|&c| !class(c))
        .map_or(b.len(), |n| from + n)
}

fn starts_with_ci(s: &[u8], prefix: &[u8]) -> bool {
    s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix)
}

fn ends_with_ci(s: &[u8], suffix: &[u8]) -> bool {
    s.len() >= suffix.len() && s[s.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
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
            "if len(password) >= 12",
        ] {
            assert_eq!(redact(s), s);
        }
    }
}

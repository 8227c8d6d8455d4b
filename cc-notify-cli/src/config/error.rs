//! Where a config error is: [`ConfigError`], and how an error the TOML parser or the
//! validation raised is placed at the file's line, column and dotted key.

use std::fmt;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};

/// Why the config file could not be used. Every variant is permanent: the file must be fixed.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists but could not be read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// A syntax error, an unknown key, a wrong type or a refused value. Never contains a secret.
    #[error("{}:{line}:{column}: {}{message}", path.display(), key_prefix(key))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The 1-based line.
        line: usize,
        /// The 1-based column, in characters.
        column: usize,
        /// The dotted key path (`timing.grace`, `timing.bands[1]`); empty at top level.
        key: String,
        /// What is wrong.
        message: String,
    },
}

fn key_prefix(key: &str) -> String {
    if key.is_empty() {
        String::new()
    } else {
        format!("{key}: ")
    }
}

/// An error before it knows its file and line: a key path or a byte offset, and a message.
pub(super) struct Unlocated {
    pub(super) key: Option<String>,
    pub(super) span: Option<Range<usize>>,
    pub(super) message: String,
}

impl Unlocated {
    pub(super) fn at_key(key: &str, message: impl fmt::Display) -> Self {
        Unlocated {
            key: Some(key.to_owned()),
            span: None,
            message: message.to_string(),
        }
    }

    pub(super) fn locate(self, path: &Path, text: &str) -> ConfigError {
        let keys = KeySpans::of(text);
        let (key, offset) = match (self.key, self.span) {
            (Some(key), _) => {
                let offset = keys.value_offset(&key).unwrap_or(0);
                (key, offset)
            }
            (None, Some(span)) => (keys.key_at(&span), span.start),
            (None, None) => (String::new(), 0),
        };
        let offset = offset.min(text.len());
        let before = text.get(..offset).unwrap_or("");
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        let message = if is_secret_key(&key) {
            // A type error quotes the value; for a credential that could be the secret itself.
            "invalid value (not shown, it may be a secret): expected a string".to_owned()
        } else {
            self.message
                .replace("expected u64", "expected a non-negative integer")
                .replace("expected u32", "expected a non-negative integer")
                .replace("expected i8", "expected an integer")
        };
        ConfigError::Invalid {
            path: path.to_owned(),
            line,
            column,
            key,
            message,
        }
    }
}

fn is_secret_key(key: &str) -> bool {
    matches!(
        key,
        "pushover.token" | "pushover.user" | "ntfy.token" | "telegram.bot_token" | "webhook.url"
    )
}

/// Every key of a TOML document with its dotted path and the spans of key and value.
struct KeySpans(Vec<(String, Range<usize>, Range<usize>)>);

impl KeySpans {
    fn of(text: &str) -> Self {
        let (root, _errors) = DeTable::parse_recoverable(text);
        let mut out = Vec::new();
        collect_table(root.get_ref(), "", &mut out);
        KeySpans(out)
    }

    /// The path of the innermost key or value around `span`.
    fn key_at(&self, span: &Range<usize>) -> String {
        let inside = |r: &Range<usize>| r.start <= span.start && span.start <= r.end;
        self.0
            .iter()
            .flat_map(|(path, k, v)| [(path, k), (path, v)])
            .filter(|(_, r)| inside(r))
            .min_by_key(|(_, r)| r.len())
            .map(|(path, _)| path.clone())
            .unwrap_or_default()
    }

    /// Where the value of `key` starts.
    fn value_offset(&self, key: &str) -> Option<usize> {
        self.0
            .iter()
            .find(|(path, _, _)| path == key)
            .map(|(_, _, v)| v.start)
    }
}

fn collect_table(
    table: &DeTable<'_>,
    prefix: &str,
    out: &mut Vec<(String, Range<usize>, Range<usize>)>,
) {
    for (key, value) in table.iter() {
        let path = if prefix.is_empty() {
            key.get_ref().to_string()
        } else {
            format!("{prefix}.{}", key.get_ref())
        };
        out.push((path.clone(), key.span(), value.span()));
        collect_value(value.get_ref(), &path, out);
    }
}

fn collect_value(
    value: &DeValue<'_>,
    path: &str,
    out: &mut Vec<(String, Range<usize>, Range<usize>)>,
) {
    match value {
        DeValue::Table(t) => collect_table(t, path, out),
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let path = format!("{path}[{i}]");
                out.push((path.clone(), item.span(), item.span()));
                collect_value(item.get_ref(), &path, out);
            }
        }
        _ => {}
    }
}

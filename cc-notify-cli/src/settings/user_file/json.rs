//! JSON written back the way the file had it: its indentation (spaces or tabs, how many), one
//! line when it was one line, and its final newline.

use serde::Serialize;
use serde_json::Value;
use serde_json::ser::{PrettyFormatter, Serializer};

/// How a JSON file is laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonStyle {
    /// One level of indentation; `None` for a file kept on one line.
    pub indent: Option<String>,
    /// The text ends with a newline.
    pub final_newline: bool,
}

impl Default for JsonStyle {
    /// Two spaces and a final newline, as Claude Code writes its own files.
    fn default() -> Self {
        JsonStyle {
            indent: Some("  ".to_owned()),
            final_newline: true,
        }
    }
}

impl JsonStyle {
    /// The layout of `text` (with `\n` line endings): the leading whitespace of its first
    /// indented line is one level. A new file (`None`) or one without indented lines gets the
    /// [default](JsonStyle::default); a non-empty document on a single line stays on one.
    pub fn detect(text: Option<&str>) -> Self {
        let Some(text) = text else {
            return JsonStyle::default();
        };
        let final_newline = text.ends_with('\n');
        let body = text.trim();
        if !body.is_empty() && !body.contains('\n') {
            return JsonStyle {
                indent: None,
                final_newline,
            };
        }
        let indent = body
            .lines()
            .skip(1)
            .map(|l| &l[..l.len() - l.trim_start_matches([' ', '\t']).len()])
            .find(|ws| !ws.is_empty())
            .map_or_else(|| "  ".to_owned(), str::to_owned);
        JsonStyle {
            indent: Some(indent),
            final_newline,
        }
    }

    /// `value` as text in this layout.
    pub fn render(&self, value: &Value) -> String {
        let mut out = match &self.indent {
            None => serde_json::to_string(value).unwrap_or_default(),
            Some(indent) => {
                let mut buf = Vec::new();
                let mut ser = Serializer::with_formatter(
                    &mut buf,
                    PrettyFormatter::with_indent(indent.as_bytes()),
                );
                // Serialising a `Value` into memory cannot fail.
                let _ = value.serialize(&mut ser);
                String::from_utf8(buf).unwrap_or_default()
            }
        };
        if self.final_newline {
            out.push('\n');
        }
        out
    }
}

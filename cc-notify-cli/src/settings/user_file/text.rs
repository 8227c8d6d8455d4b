//! A file's text conventions (byte-order mark, line endings), taken off when it is read and put
//! back when it is written, so an edit changes only what it means to change.

use std::path::Path;

use super::FileError;

const BOM: &str = "\u{feff}";

/// How a text file spells what its content does not say: a UTF-8 byte-order mark and CRLF
/// line endings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TextStyle {
    /// The file starts with a UTF-8 byte-order mark.
    pub bom: bool,
    /// Lines end in `\r\n` (judged by the first line ending).
    pub crlf: bool,
}

impl TextStyle {
    /// Splits a file's bytes into its text (no byte-order mark, `\n` line endings) and its
    /// style. Refuses bytes that are not UTF-8.
    pub fn decode(bytes: Vec<u8>, path: &Path) -> Result<(String, TextStyle), FileError> {
        let text = String::from_utf8(bytes).map_err(|_| FileError::NotUtf8 {
            path: path.to_owned(),
        })?;
        let (bom, body) = match text.strip_prefix(BOM) {
            Some(rest) => (true, rest),
            None => (false, text.as_str()),
        };
        let crlf = body.find('\n').is_some_and(|i| body[..i].ends_with('\r'));
        let body = if crlf {
            body.replace("\r\n", "\n")
        } else {
            body.to_owned()
        };
        Ok((body, TextStyle { bom, crlf }))
    }

    /// The bytes of `text` (with `\n` line endings) written in this style.
    pub fn encode(&self, text: &str) -> Vec<u8> {
        let mut out = String::with_capacity(text.len() + 3);
        if self.bom {
            out.push_str(BOM);
        }
        if self.crlf {
            out.push_str(&text.replace('\n', "\r\n"));
        } else {
            out.push_str(text);
        }
        out.into_bytes()
    }
}

//! Reading a hook document from a stream in bounded memory.
//!
//! A PostToolUse carries the tool's whole input and output (a 2 MB file write is 2 MB on
//! stdin, twice). The engine reads none of it, so [`read_input`] streams the document through
//! a fixed buffer and keeps only the top-level fields the parser reads: every other top-level
//! value is replaced by `null` as it passes. Memory then follows the kept fields, not the
//! document, and the skipped bytes are only scanned for their closing quote (`memchr`).
//!
//! For a well-formed document the result parses exactly as the original would
//! (`tests/event_input.rs` and the `hook_event` fuzz target check this). Malformed input stays
//! malformed except inside a skipped value, which is replaced whatever it held.

use std::io::{self, Read};

/// How much is read from the stream at a time, once the document is larger than
/// [`FIRST_CHUNK`].
const CHUNK: usize = 64 * 1024;
/// The first read's size: most documents fit, and a hook run then zeroes and touches one page
/// of buffer instead of sixteen.
const FIRST_CHUNK: usize = 4 * 1024;
/// Keys longer than this are judged rejected without asking `keep` (no kept field is this
/// long); their text is not collected.
pub const MAX_KEY: usize = 64;

/// Reads `input` to its end and returns the JSON document with the value of every top-level
/// key that `keep` rejects, or that is longer than [`MAX_KEY`] bytes, replaced by `null`. A
/// key written with escapes is always kept (its decoded name is unknown here). Input that is
/// not a JSON object passes through unchanged.
///
/// ```
/// let doc = br#"{"hook_event_name":"PostToolUse","tool_response":{"content":"x\"}"}}"#;
/// let kept = cc_notify_core::agent::input::read_input(&doc[..], |k| k != b"tool_response").unwrap();
/// assert_eq!(kept, br#"{"hook_event_name":"PostToolUse","tool_response":null}"#);
/// ```
pub fn read_input(mut input: impl Read, keep: impl Fn(&[u8]) -> bool) -> io::Result<Vec<u8>> {
    let mut skim = Skim::new(keep);
    let mut buf = vec![0; FIRST_CHUNK];
    loop {
        match input.read(&mut buf) {
            Ok(0) => return Ok(skim.out),
            Ok(n) => {
                skim.feed(&buf[..n]);
                if n == buf.len() && buf.len() < CHUNK {
                    buf.resize(CHUNK, 0);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// The skimmer's position in the document.
struct Skim<F> {
    keep: F,
    out: Vec<u8>,
    /// Open objects and arrays around the current position.
    depth: usize,
    /// Whether the outermost container is an object (only its keys are judged).
    top_object: bool,
    /// Inside a string.
    in_string: bool,
    /// Backslashes ending the string bytes seen so far (an odd count escapes the next quote).
    backslashes: usize,
    /// At the top level of the object, where a key comes next.
    expect_key: bool,
    /// Inside a top-level key: its bytes are collected.
    in_key: bool,
    key: Vec<u8>,
    /// The key has escapes: its value is kept.
    key_escaped: bool,
    /// The key is longer than [`MAX_KEY`]: its value is skipped.
    key_overlong: bool,
    /// A complete top-level key waits for its `:`.
    key_done: bool,
    /// Inside a top-level value that is being replaced by `null`.
    skipping: bool,
}

impl<F: Fn(&[u8]) -> bool> Skim<F> {
    fn new(keep: F) -> Self {
        Skim {
            keep,
            out: Vec::new(),
            depth: 0,
            top_object: false,
            in_string: false,
            backslashes: 0,
            expect_key: false,
            in_key: false,
            key: Vec::with_capacity(MAX_KEY),
            key_escaped: false,
            key_overlong: false,
            key_done: false,
            skipping: false,
        }
    }

    fn emit(&mut self, bytes: &[u8]) {
        if !self.skipping {
            self.out.extend_from_slice(bytes);
        }
    }

    fn feed(&mut self, chunk: &[u8]) {
        let mut i = 0;
        while i < chunk.len() {
            if self.in_string {
                i = self.string(chunk, i);
            } else {
                self.structure(chunk[i]);
                i += 1;
            }
        }
    }

    /// Consumes string bytes from `chunk[start..]` up to and including the closing quote;
    /// returns where the string ended (or the chunk's end).
    fn string(&mut self, chunk: &[u8], start: usize) -> usize {
        let mut from = start;
        loop {
            let Some(q) = memchr::memchr(b'"', &chunk[from..]).map(|q| from + q) else {
                self.string_bytes(&chunk[start..]);
                return chunk.len();
            };
            // The backslashes right before this quote, counting those carried from earlier
            // chunks when the run reaches back to where this call started.
            let run = chunk[from..q]
                .iter()
                .rev()
                .take_while(|&&b| b == b'\\')
                .count();
            let run = if run == q - from && from == start {
                run + self.backslashes
            } else {
                run
            };
            if run % 2 == 1 {
                from = q + 1;
                continue;
            }
            self.string_bytes(&chunk[start..q]);
            self.in_string = false;
            self.backslashes = 0;
            self.emit(b"\"");
            if self.in_key {
                self.in_key = false;
                self.key_done = true;
            }
            return q + 1;
        }
    }

    /// String bytes without the closing quote.
    fn string_bytes(&mut self, bytes: &[u8]) {
        let trailing = bytes.iter().rev().take_while(|&&b| b == b'\\').count();
        self.backslashes = if trailing == bytes.len() {
            self.backslashes + trailing
        } else {
            trailing
        };
        if self.in_key {
            if bytes.contains(&b'\\') {
                self.key_escaped = true;
            } else if self.key.len() + bytes.len() > MAX_KEY {
                self.key_overlong = true;
            } else {
                self.key.extend_from_slice(bytes);
            }
        }
        self.emit(bytes);
    }

    /// One byte outside strings.
    fn structure(&mut self, b: u8) {
        let top = self.depth == 1 && self.top_object;
        match b {
            b'"' => {
                self.in_string = true;
                self.backslashes = 0;
                if top && self.expect_key {
                    self.expect_key = false;
                    self.in_key = true;
                    self.key.clear();
                    self.key_escaped = false;
                    self.key_overlong = false;
                }
                self.emit(b"\"");
            }
            b':' if top && self.key_done => {
                self.key_done = false;
                self.emit(b":");
                let keep = self.key_escaped || (!self.key_overlong && (self.keep)(&self.key));
                if !keep {
                    self.emit(b"null");
                    self.skipping = true;
                }
            }
            b',' | b'}' | b']' if top => {
                self.skipping = false;
                self.key_done = false;
                self.expect_key = b == b',';
                if b != b',' {
                    self.depth -= 1;
                }
                self.emit(&[b]);
            }
            b'{' | b'[' => {
                self.depth += 1;
                if self.depth == 1 {
                    self.top_object = b == b'{';
                    self.expect_key = self.top_object;
                }
                self.emit(&[b]);
            }
            b'}' | b']' => {
                self.depth = self.depth.saturating_sub(1);
                self.emit(&[b]);
            }
            _ => self.emit(&[b]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skim(doc: &str, chunk: usize) -> String {
        let mut s = Skim::new(|k: &[u8]| k.starts_with(b"keep"));
        for part in doc.as_bytes().chunks(chunk) {
            s.feed(part);
        }
        String::from_utf8(s.out).unwrap()
    }

    #[test]
    fn only_rejected_top_level_values_are_replaced_whatever_the_chunking() {
        let doc = r#"{ "keep1" : {"drop":[1,"}\\"]}, "drop" : {"a":"\\\"}","b":[{}]} ,"keep2":"x\"y","z":3}"#;
        let want = r#"{ "keep1" : {"drop":[1,"}\\"]}, "drop" :null,"keep2":"x\"y","z":null}"#;
        for chunk in 1..=doc.len() {
            assert_eq!(skim(doc, chunk), want, "chunk size {chunk}");
        }
    }

    #[test]
    fn escaped_keys_and_non_objects_are_kept_overlong_keys_skipped() {
        let escaped = r#"{"dr\u006fp":1}"#;
        assert_eq!(skim(escaped, 3), escaped);
        let long = format!(r#"{{"keep{}":1}}"#, "d".repeat(MAX_KEY));
        assert_eq!(skim(&long, 7), long.replace(":1", ":null"));
        for doc in [r#"["drop",{"drop":1}]"#, "\"drop\"", "12", "not json {"] {
            assert_eq!(skim(doc, 2), doc);
        }
    }
}

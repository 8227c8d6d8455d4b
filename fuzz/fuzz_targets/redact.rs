//! Redaction: never panics (every span on character boundaries), returns the text borrowed
//! exactly when nothing was replaced, and the output is the input with some ranges replaced by
//! the marker: what is left between markers appears in the input, in order.
#![no_main]

use std::borrow::Cow;

use cc_notify_core::redact::{REDACTED, redact};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let out = redact(&text);
    match &out {
        Cow::Borrowed(s) => assert_eq!(*s, &*text),
        Cow::Owned(s) => {
            assert_ne!(s, &*text);
            assert!(s.contains(REDACTED));
        }
    }
    let mut rest: &str = &text;
    for piece in out.split(REDACTED) {
        let Some(at) = rest.find(piece) else {
            panic!("{piece:?} is not in what is left of the input {rest:?}");
        };
        rest = &rest[at + piece.len()..];
    }
});

//! Hook event parsing: never panics; an accepted event names the document's event and session.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cc_notify_core::fuzzing::hook_event(data));

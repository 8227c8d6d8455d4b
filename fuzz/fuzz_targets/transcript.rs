//! Transcript tail lookup and incremental scan: no panics, sane offsets, piecewise == whole.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cc_notify_core::fuzzing::transcript(data));

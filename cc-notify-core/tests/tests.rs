//! The core's integration tests, one binary: each module is one area.

mod agent_payloads;
mod engine;
mod event_input;
mod fuzz_corpus;
mod progress;
mod redact;
mod store;
mod transcripts;

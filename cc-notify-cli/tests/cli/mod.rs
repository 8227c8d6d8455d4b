//! Reliability and security of the real `cc-notify` binary: hostile hook input, broken
//! config, concurrent hooks, safe process control, private state and no leaked secrets.
//!
//! Every test drives `cc-notify` as Claude Code would, in its own temp HOME and state dir,
//! against a Pushover fake on 127.0.0.1.

#![allow(clippy::unwrap_used)]

mod agents;
mod approvals;
mod backends;
mod bad_input;
mod concurrency;
mod config_errors;
mod delivery;
mod desktop;
mod first_use;
pub(crate) mod harness;
mod lossless;
mod presence_view;
mod process_safety;
mod progress;
mod security;
mod setup_and_quiet;
mod setup_backends;
mod terminal_wait;

//! The `cc-notify` binary's integration tests, one binary: `cli` drives the binary as Claude
//! Code would against a Pushover fake; `e2e` (ignored unless asked for) drives the real Claude
//! Code CLI.

mod cli;
mod e2e;

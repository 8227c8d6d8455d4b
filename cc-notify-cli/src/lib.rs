//! The `cc-notify` binary's library: every command and the hook and deliverer processes.
//! `main.rs` is only the C entry point; [`cli::run`] dispatches the command line.
//!
//! A plain list of modules, one idea each.

pub mod agents;
pub mod approve;
pub mod backend_check;
pub mod cli;
pub mod config;
pub mod deliver;
pub mod demo;
pub mod desktop_ids;
pub mod doctor;
pub mod handoff;
pub mod hook;
pub mod local;
pub mod log_view;
pub mod mute;
pub mod notifiers;
pub mod outbox;
pub mod presence_view;
pub mod process;
pub mod recover;
pub mod runtime;
pub mod send;
pub mod session_file;
pub mod settings;
pub mod setup;
pub mod status;
pub mod stop_signals;
pub mod time_text;

pub use cli::usage_error;

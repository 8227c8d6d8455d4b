//! Pushover sender for cc-notify: a [`cc_notify_core::Notifier`] that posts to the
//! [Pushover Message API](https://pushover.net/api).

pub mod config;

pub use config::{ConfigError, Credential, Priorities, PushoverConfig, Sounds};

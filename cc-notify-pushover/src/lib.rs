//! Pushover sender for cc-notify: a [`cc_notify_core::Notifier`] that posts to the
//! [Pushover Message API](https://pushover.net/api).
//!
//! Send one notification:
//!
//! ```no_run
//! use cc_notify_core::{Kind, Notification, Notifier};
//! use cc_notify_pushover::{Pushover, PushoverConfig};
//! let cfg = PushoverConfig::new("azGDORePK8gMaC0QOYAMyEEuzJnyUi", "uQiRzpo4DXghDmr9QzzfQu27cmVRsG");
//! let pushover = Pushover::new(cfg)?;
//! pushover.send(&Notification::new(Kind::Done, "my-project: done", "All tests pass."))?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Each [`Kind`](cc_notify_core::Kind) maps to a priority and a sound (Done 0 `magic`, Error 1
//! `siren`, NeedsInput 1 `echo`, Progress -2 silent), all overridable in [`PushoverConfig`].
//! Texts are cut to Pushover's limits before sending. Answers are classified: 4xx is
//! permanent, 429 is [`NotifyError::QuotaExhausted`](cc_notify_core::NotifyError) until the
//! reset, 5xx, connection failures and timeouts are transient — retry them with
//! [`send_with_retry`], which waits at least [`MIN_RETRY_INTERVAL`].

pub mod config;
pub mod message;
mod response;
mod sender;

pub use cc_notify_core::delivery::{
    MAX_RETRY_INTERVAL, MIN_RETRY_INTERVAL, retry_after, send_with_retry,
};
pub use config::{ConfigError, Credential, Priorities, PushoverConfig, Sounds};
pub use response::next_monthly_reset;
pub use sender::{Pushover, UserInfo};

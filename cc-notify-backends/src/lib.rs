//! More ways for [cc-notify](https://github.com/cc-notify/cc-notify) to reach you, each a
//! [`cc_notify_core::Notifier`]:
//!
//! | module | backend | config table |
//! |---|---|---|
//! | [`ntfy`] | an ntfy server, public or self-hosted | `[ntfy] url topic token` |
//! | [`telegram`] | a Telegram chat through a bot (`sendMessage`) | `[telegram] bot_token chat_id api_url` |
//! | [`webhook`] | a JSON POST: cc-notify's own shape, Slack or Discord | `[webhook] url format` |
//! | [`command`] | the user's program, the notification on stdin and in the environment | `[command] argv` |
//! | [`desktop`] | `org.freedesktop.Notifications` on the session bus | `[desktop] enabled` |
//!
//! Each backend has a serde `…Config` (exactly the table's keys, unknown keys refused) and a
//! `from_config` that checks it locally and names what is missing. Failures are classified
//! like Pushover's: 4xx permanent, 429 [`NotifyError::QuotaExhausted`] until the service's
//! reset, 5xx, connection failures and timeouts transient. Every request is bounded in time,
//! TLS certificates are verified (rustls with the webpki roots), and no credential appears in
//! `Debug` output or an error message.
//!
//! [`NotifyError::QuotaExhausted`]: cc_notify_core::NotifyError::QuotaExhausted

pub mod command;
pub mod config;
pub mod desktop;
pub mod http;
pub mod ntfy;
pub mod telegram;
pub mod webhook;

pub use command::{Command, CommandConfig};
pub use config::{ConfigError, Secret};
pub use desktop::{Desktop, DesktopConfig};
pub use http::Timeouts;
pub use ntfy::{Ntfy, NtfyConfig};
pub use telegram::{Telegram, TelegramConfig};
pub use webhook::{Webhook, WebhookConfig};

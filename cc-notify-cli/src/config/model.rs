//! What the config file configures, as the types that use it: the engine's
//! [`EngineConfig`], the deliverer's [`PresenceConfig`], the notifier's [`PushoverConfig`]
//! and the CLI's own [`Delivery`]. Their defaults are the defaults: each is written once, in
//! the crate that owns the type.

use std::time::Duration;

use cc_notify_backends::{CommandConfig, DesktopConfig, NtfyConfig, TelegramConfig, WebhookConfig};
use cc_notify_core::engine::EngineConfig;
use cc_notify_core::presence::PresenceConfig;
use cc_notify_core::quiet::QuietPolicy;
use cc_notify_core::routing::{Routing, RoutingError, RoutingTable};
use cc_notify_pushover::PushoverConfig;

use super::approvals::Approvals;

/// The whole configuration, validated, with defaults for everything the file leaves out.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Config {
    /// The Pushover notifier (`[pushover]`), with the environment's credentials applied.
    pub pushover: PushoverConfig,
    /// The turn engine: `[timing] bands` and `rate_limit`, `[sessions]`, `[progress]`,
    /// `[privacy]`.
    pub engine: EngineConfig,
    /// Presence at the terminal: `[timing] typing_window` and `grace`.
    pub presence: PresenceConfig,
    /// Retrying failed pushes (`[delivery]`).
    pub delivery: Delivery,
    /// The ntfy backend (`[ntfy]`), with the environment's token applied.
    pub ntfy: NtfyConfig,
    /// Desktop notifications over D-Bus (`[desktop]`).
    pub desktop: DesktopConfig,
    /// The Telegram backend (`[telegram]`), with the environment's token applied.
    pub telegram: TelegramConfig,
    /// A JSON, Slack or Discord webhook (`[webhook]`).
    pub webhook: WebhookConfig,
    /// The user's own program (`[command]`).
    pub command: CommandConfig,
    /// Which kinds go to which backends (`[routing]`), checked against the configured
    /// backends when the file is loaded.
    pub routing: RoutingTable,
    /// Answering permission dialogs from the phone (`[approvals]`).
    pub approvals: Approvals,
    /// Quiet hours and what gets through them (`[quiet]`).
    pub quiet: QuietPolicy,
}

/// `[delivery]`: the outbox of pushes that failed transiently.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// A push older than this is dropped instead of retried.
    pub outbox_max_age: Duration,
    /// How many times a push that failed transiently is retried (5 s, 10 s, 20 s, … apart).
    pub retries: u32,
}

impl Default for Delivery {
    fn default() -> Self {
        Delivery {
            outbox_max_age: Duration::from_secs(3600),
            retries: 3,
        }
    }
}

/// Every backend cc-notify knows, in the order pushes fan out by default.
pub const BACKENDS: [&str; 6] = [
    "pushover", "ntfy", "desktop", "telegram", "webhook", "command",
];

/// What makes backend `name` configured, for error messages.
pub fn required_keys(name: &str) -> &'static str {
    match name {
        "pushover" => "[pushover] token and user",
        "ntfy" => "[ntfy] topic",
        "desktop" => "[desktop] enabled = true",
        "telegram" => "[telegram] bot_token and chat_id",
        "webhook" => "[webhook] url",
        "command" => "[command] argv",
        _ => "",
    }
}

impl Config {
    /// The configured backends (those whose required keys are set), in [`BACKENDS`] order.
    /// Pushover counts as configured as soon as either credential is set, so a half-set one
    /// fails loudly rather than silently falling back.
    pub fn backends(&self) -> Vec<&'static str> {
        let p = &self.pushover;
        let set = [
            !p.token.is_empty() || !p.user.is_empty(),
            self.ntfy.is_configured(),
            self.desktop.is_configured(),
            self.telegram.is_configured(),
            self.webhook.is_configured(),
            self.command.is_configured(),
        ];
        BACKENDS
            .into_iter()
            .zip(set)
            .filter_map(|(name, set)| set.then_some(name))
            .collect()
    }

    /// The `[routing]` table checked against the configured backends.
    pub fn routing(&self) -> Result<Routing, RoutingError> {
        Routing::new(&self.routing, &self.backends())
    }
}

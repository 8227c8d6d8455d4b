//! What the config file configures, as the types that use it: the engine's
//! [`EngineConfig`], the deliverer's [`PresenceConfig`], the notifier's [`PushoverConfig`]
//! and the CLI's own [`Delivery`]. Their defaults are the defaults: each is written once, in
//! the crate that owns the type.

use std::time::Duration;

use cc_notify_core::engine::EngineConfig;
use cc_notify_core::presence::PresenceConfig;
use cc_notify_core::quiet::QuietPolicy;
use cc_notify_pushover::PushoverConfig;

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

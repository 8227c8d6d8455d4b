//! How the engine behaves: [`EngineConfig`], filled by the binary from the user's configuration.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::delay::Bands;

/// How the engine behaves; the binary fills it from the user's configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineConfig {
    /// How long a push waits, by turn duration.
    pub bands: Bands,
    /// The least time between two Done pushes of one session.
    pub rate_limit: Duration,
    /// What to do in sessions without a terminal (`claude -p`).
    pub headless: HeadlessPolicy,
    /// Push when a named subagent finishes (compaction agents never push).
    pub subagent_pushes: bool,
    /// Push intermediate assistant messages as they appear (see [`progress`](crate::progress)).
    pub progress: bool,
    /// The least time between two progress pushes; messages in between are joined into one
    /// push. Zero: one push per message.
    pub progress_min_interval: Duration,
    /// Redact credential-like strings in push bodies.
    pub redact: bool,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            bands: Bands::default(),
            rate_limit: Duration::from_secs(5),
            headless: HeadlessPolicy::Skip,
            subagent_pushes: false,
            progress: false,
            progress_min_interval: Duration::ZERO,
            redact: true,
        }
    }
}

/// What to do in a session nobody is attached to (`claude -p`, scripts, CI).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeadlessPolicy {
    /// Never push for headless sessions.
    #[default]
    Skip,
    /// Push as for any other session.
    Notify,
}

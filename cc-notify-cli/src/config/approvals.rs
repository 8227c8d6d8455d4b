//! `[approvals]`: answering a permission dialog from the phone. Off by default.
//!
//! ```toml
//! [approvals]
//! enabled = false
//! via = "ntfy"      # "ntfy" | "telegram" (inline buttons; chat_id must be your user id)
//! timeout = 120     # seconds to wait for the phone before leaving the local dialog alone
//! ```

use std::time::Duration;

use serde::Deserialize;

use super::error::Unlocated;

/// The longest the phone may be waited for, in seconds: the `PermissionRequest` hook is
/// registered with a timeout above this plus the time to send and withdraw the prompt.
pub const MAX_TIMEOUT_SECS: u64 = 300;

/// The backend that carries the prompt and the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    /// ntfy action buttons posting to a response topic the hook subscribes to.
    #[default]
    Ntfy,
    /// Telegram inline buttons in the private chat `[telegram] chat_id`, read with `getUpdates`
    /// by one poller shared by all waiting hooks.
    Telegram,
}

/// `[approvals]`, validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Approvals {
    /// Whether `PermissionRequest` is answered from the phone at all.
    pub enabled: bool,
    /// Which backend carries the prompt.
    pub via: Via,
    /// How long to wait for the phone's answer.
    pub timeout: Duration,
}

impl Default for Approvals {
    fn default() -> Self {
        Approvals {
            enabled: false,
            via: Via::Ntfy,
            timeout: Duration::from_secs(120),
        }
    }
}

/// The table as written.
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub(super) struct RawApprovals {
    enabled: Option<bool>,
    via: Option<Via>,
    timeout: Option<u64>,
}

impl RawApprovals {
    /// Validates onto the defaults; a timeout of 0 or above [`MAX_TIMEOUT_SECS`] is refused.
    pub(super) fn validate(self) -> Result<Approvals, Unlocated> {
        let mut a = Approvals::default();
        if let Some(enabled) = self.enabled {
            a.enabled = enabled;
        }
        if let Some(via) = self.via {
            a.via = via;
        }
        if let Some(t) = self.timeout {
            if t == 0 || t > MAX_TIMEOUT_SECS {
                return Err(Unlocated::at_key(
                    "approvals.timeout",
                    format!(
                        "{t} s: use 1 to {MAX_TIMEOUT_SECS} seconds (the hook's own timeout is above that)"
                    ),
                ));
            }
            a.timeout = Duration::from_secs(t);
        }
        Ok(a)
    }
}

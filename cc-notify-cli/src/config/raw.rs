//! The file as written ([`RawConfig`]: every table and key optional, unknown keys refused)
//! and its validation onto the defaults of the types it configures ([`parse`]). A key the file
//! leaves out keeps the owning type's default: no default is repeated here.

use std::time::Duration;

use cc_notify_backends::{CommandConfig, DesktopConfig, NtfyConfig, TelegramConfig, WebhookConfig};
use cc_notify_core::activity::PTY_RESOLUTION;
use cc_notify_core::engine::HeadlessPolicy;
use cc_notify_core::routing::RoutingTable;
use cc_notify_core::{Bands, Kind};
use cc_notify_pushover::PushoverConfig;
use serde::Deserialize;

use super::approvals::RawApprovals;
use super::error::Unlocated;
use super::model::Config;

/// The longest any configured duration may be: more is surely a typo.
pub const MAX_SECS: u64 = 86_400;

/// The most delivery attempts a push may get.
pub const MAX_RETRIES: u32 = 20;

/// The file as written.
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct RawConfig {
    pushover: PushoverConfig,
    timing: RawTiming,
    sessions: RawSessions,
    progress: RawProgress,
    privacy: RawPrivacy,
    delivery: RawDelivery,
    ntfy: NtfyConfig,
    desktop: DesktopConfig,
    telegram: TelegramConfig,
    webhook: WebhookConfig,
    command: CommandConfig,
    routing: RoutingTable,
    approvals: RawApprovals,
    quiet: RawQuiet,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct RawTiming {
    bands: Option<Vec<(u64, u64)>>,
    typing_window: Option<u64>,
    grace: Option<u64>,
    rate_limit: Option<u64>,
    needs_input_delay: Option<u64>,
    reminder_after: Option<u64>,
    reminder_for: Option<u64>,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct RawSessions {
    headless: Option<HeadlessPolicy>,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct RawProgress {
    enabled: Option<bool>,
    min_interval: Option<u64>,
    /// Superseded by `[pushover.priorities] progress`; still read so older files keep working.
    priority: Option<i8>,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct RawPrivacy {
    redact: Option<bool>,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct RawDelivery {
    outbox_max_age: Option<u64>,
    retries: Option<u32>,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct RawQuiet {
    hours: Option<String>,
    allow: Option<Vec<String>>,
}

/// A duration in whole seconds, refused above [`MAX_SECS`].
fn secs(key: &str, value: u64) -> Result<Duration, Unlocated> {
    if value > MAX_SECS {
        return Err(Unlocated::at_key(
            key,
            format!("{value} s is more than a day ({MAX_SECS} s)"),
        ));
    }
    Ok(Duration::from_secs(value))
}

/// Parses and validates the text of a config file (without the environment), giving the
/// configuration and the warnings about accepted but questionable keys.
pub(super) fn parse(text: &str) -> Result<(Config, Vec<String>), Unlocated> {
    let raw: RawConfig = toml::from_str(text).map_err(|e| Unlocated {
        key: None,
        span: e.span(),
        message: e.message().to_owned(),
    })?;
    let mut warnings = Vec::new();
    let mut c = Config {
        pushover: raw.pushover,
        ntfy: raw.ntfy,
        desktop: raw.desktop,
        telegram: raw.telegram,
        webhook: raw.webhook,
        command: raw.command,
        routing: raw.routing,
        approvals: raw.approvals.validate()?,
        ..Config::default()
    };

    let timing = raw.timing;
    if let Some(bands) = timing.bands {
        c.engine.bands = Bands::new(bands).map_err(|e| Unlocated::at_key("timing.bands", e))?;
    }
    if let Some(v) = timing.typing_window {
        let mut window = secs("timing.typing_window", v)?;
        if window < PTY_RESOLUTION {
            warnings.push(format!(
                "timing.typing_window = {} s is below the terminal probe's resolution; using {} s",
                window.as_secs(),
                PTY_RESOLUTION.as_secs()
            ));
            window = PTY_RESOLUTION;
        }
        c.presence.typing_window = window;
    }
    if let Some(v) = timing.grace {
        c.presence.grace = secs("timing.grace", v)?;
    }
    if let Some(v) = timing.rate_limit {
        c.engine.rate_limit = secs("timing.rate_limit", v)?;
    }
    if let Some(v) = timing.needs_input_delay {
        c.presence.needs_input_delay = secs("timing.needs_input_delay", v)?;
    }
    if let Some(v) = timing.reminder_after {
        if v == 0 {
            return Err(Unlocated::at_key(
                "timing.reminder_after",
                "0 s would remind you while you type: use at least 1 (to turn reminders off, set \
                 reminder_for = 0)",
            ));
        }
        c.presence.reminder.after = secs("timing.reminder_after", v)?;
    }
    if let Some(v) = timing.reminder_for {
        c.presence.reminder.watch_for = secs("timing.reminder_for", v)?;
    }

    if let Some(headless) = raw.sessions.headless {
        c.engine.headless = headless;
    }

    let progress = raw.progress;
    if let Some(enabled) = progress.enabled {
        c.engine.progress = enabled;
    }
    if let Some(v) = progress.min_interval {
        c.engine.progress_min_interval = secs("progress.min_interval", v)?;
    }
    if let Some(priority) = progress.priority {
        if !matches!(priority, -2 | -1) {
            return Err(Unlocated::at_key(
                "progress.priority",
                format!("{priority} is not allowed: use -2 (no alert) or -1 (quiet)"),
            ));
        }
        warnings.push(format!(
            "progress.priority is superseded by [pushover.priorities] progress; \
             move `priority = {priority}` there (it is applied there meanwhile, unless that \
             key is set too)"
        ));
        let default = PushoverConfig::default().priorities.progress;
        if c.pushover.priorities.progress == default {
            c.pushover.priorities.progress = priority;
        }
    }

    if let Some(redact) = raw.privacy.redact {
        c.engine.redact = redact;
    }

    if let Some(v) = raw.delivery.outbox_max_age {
        c.delivery.outbox_max_age = secs("delivery.outbox_max_age", v)?;
    }
    if let Some(retries) = raw.delivery.retries {
        if retries > MAX_RETRIES {
            return Err(Unlocated::at_key(
                "delivery.retries",
                format!("{retries} is more than {MAX_RETRIES}"),
            ));
        }
        c.delivery.retries = retries;
    }

    if let Some(hours) = raw.quiet.hours {
        c.quiet.hours = Some(
            hours
                .parse()
                .map_err(|e| Unlocated::at_key("quiet.hours", e))?,
        );
    }
    for name in raw.quiet.allow.unwrap_or_default() {
        let kind = Kind::from_name(&name).ok_or_else(|| {
            Unlocated::at_key(
                "quiet.allow",
                format!("{name:?} is not a kind of push: use done, error, needs_input, progress"),
            )
        })?;
        c.quiet.allow.push(kind);
    }
    Ok((c, warnings))
}

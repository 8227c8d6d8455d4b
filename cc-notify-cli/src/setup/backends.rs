//! The backends `setup` configures, once their keys are gathered ([`keys`](super::keys)): each
//! checked with its service before any key is written (Pushover's `users/validate.json`, ntfy's
//! health endpoint and a test publish, Telegram's `getMe` and a test message, the desktop
//! daemon's server information, the command on `$PATH`, a test post to a webhook), the config
//! file written, and the test push through each. A backend the service refuses has none of its
//! keys written; the others are.

use std::path::Path;

use cc_notify_core::{Kind, Notification, NotifyError};

use super::config_file::{self, Edit, Written};
use super::keys::{chosen, gather};
use super::{Ask, SetupArgs, Steps};
use crate::config::{self, Config};
use crate::{backend_check, notifiers, runtime};

/// What [`configure`] left ready: the config as written, and the backends that passed their
/// check (in [`BACKENDS`](crate::config::BACKENDS) order), each with whether its test push already went out.
pub(super) struct Configured {
    /// The config with the new keys.
    config: Config,
    /// The backends whose keys were accepted, and whether their test push was sent already
    /// (ntfy, Telegram and webhooks are checked by sending it).
    accepted: Vec<(&'static str, bool)>,
}

/// The test push.
fn test_notification() -> Notification {
    let mut n = Notification::new(
        Kind::Done,
        "cc-notify setup",
        "Test push: cc-notify can reach this device.",
    );
    n.timestamp = Some(runtime::now_ms() / 1000);
    n
}

/// What a backend's check said.
enum Verdict {
    /// Accepted; `true` when its test push went out as the check.
    Accepted(bool),
    /// Not checked now (the service was unreachable): the keys are written all the same.
    Unchecked,
    /// Refused, or unusable: none of its keys is written.
    Refused,
}

/// Checks backend `name` with its service. ntfy and webhooks are checked by sending the test
/// push (unless `test_push` is off), which also proves the token or the URL; Telegram too,
/// after `getMe`, which proves the chat.
fn verify(steps: &mut Steps, config: &Config, name: &'static str, test_push: bool) -> Verdict {
    if name == "pushover" {
        return verify_pushover(steps, config);
    }
    let fix = if name == "desktop" {
        "run setup in your desktop session, where a notification daemon runs; the config was \
         not changed for desktop"
            .to_owned()
    } else {
        format!(
            "check {}; the config was not changed for {name}",
            config::model::required_keys(name)
        )
    };
    match backend_check::check(config, name) {
        Err(e) => {
            steps.fail(&format!("{name}: {e}"), &fix);
            return Verdict::Refused;
        }
        Ok(Err(e)) if e.is_transient() => {
            steps.fail(
                &format!("cannot reach {name} to check it: {e}"),
                "check the network (or the service), then run setup again",
            );
            return Verdict::Unchecked;
        }
        Ok(Err(e)) => {
            steps.fail(&format!("{name} refused: {e}"), &fix);
            return Verdict::Refused;
        }
        // A webhook's "check" is only that it is configured: the test post tells.
        Ok(Ok(what)) if name != "webhook" => steps.ok(&what),
        Ok(Ok(_)) => {}
    }
    if !matches!(name, "ntfy" | "telegram" | "webhook") {
        return Verdict::Accepted(false);
    }
    if !test_push {
        steps.note(&format!(
            "{name}: not tried (--no-test-push); `cc-notify send --to {name} \"test\"` tries it"
        ));
        return Verdict::Accepted(false);
    }
    match send(config, name) {
        Ok(()) => {
            steps.ok(&format!("test push sent through {name}"));
            Verdict::Accepted(true)
        }
        Err(e) if e.is_transient() => {
            steps.fail(
                &format!("the test push through {name} failed: {e}"),
                "check the network (or the service), then run setup again",
            );
            Verdict::Unchecked
        }
        Err(e) => {
            steps.fail(&format!("{name} refused the test push: {e}"), &fix);
            Verdict::Refused
        }
    }
}

/// Pushover: the keys, checked with `users/validate.json`.
fn verify_pushover(steps: &mut Steps, config: &Config) -> Verdict {
    let pushover = match notifiers::pushover(config) {
        Some(Ok(p)) => p,
        Some(Err(e)) => {
            steps.fail(&format!("Pushover: {e}"), "check the token and user key");
            return Verdict::Refused;
        }
        None => {
            steps.fail("no Pushover keys", "run setup with the keys");
            return Verdict::Refused;
        }
    };
    match pushover.validate_user() {
        Ok(info) => {
            steps.ok(&format!(
                "Pushover accepted the keys; active devices: {}",
                info.devices.join(", ")
            ));
            Verdict::Accepted(false)
        }
        Err(NotifyError::Rejected {
            status: Some(404), ..
        }) => {
            steps.note(&format!(
                "cannot validate the keys here: {} has no users/validate.json (HTTP 404); \
                 the test push shows whether they work",
                config.pushover.api_url
            ));
            Verdict::Accepted(false)
        }
        Err(e) if e.is_transient() => {
            steps.fail(
                &format!("cannot reach Pushover to check the keys: {e}"),
                "check the network, then run setup again",
            );
            Verdict::Unchecked
        }
        Err(e) => {
            steps.fail(
                &format!("Pushover refused the keys: {e}"),
                "copy the user key and application token again from pushover.net; \
                 the config was not changed",
            );
            Verdict::Refused
        }
    }
}

/// Sends the test push through backend `name` alone.
fn send(config: &Config, name: &'static str) -> Result<(), NotifyError> {
    notifiers::build(config, name, None)
        .notifier
        .send(&test_notification())
        .map(drop)
}

/// Steps 1–3 of `setup`: the backends chosen, their keys gathered, checked with their
/// services and written to the config at `path` (0600, every other key kept). `None` when
/// nothing may go on (keys missing, a broken config, nothing accepted).
pub(super) fn configure(
    args: &SetupArgs,
    steps: &mut Steps,
    ask: &Ask,
    path: &Path,
) -> Option<Configured> {
    let file = std::fs::read_to_string(path).unwrap_or_default();
    let mut config = match config::load(path, &runtime::env_var) {
        Ok(loaded) => loaded.config,
        Err(e) => {
            steps.fail(
                &format!("config error: {e}"),
                "fix that key, then run setup again",
            );
            return None;
        }
    };
    let chosen = chosen(args, ask, &config, &file);

    // 1. The keys.
    let mut edits: Vec<(&'static str, Vec<Edit>)> = Vec::new();
    let mut missing = Vec::new();
    for &name in &chosen {
        let mut mine = Vec::new();
        gather(name, args, steps, ask, &mut config, &mut mine, &mut missing);
        edits.push((name, mine));
    }
    if !missing.is_empty() {
        steps.fail(
            &format!("missing: {}", missing.join(", ")),
            "get them from the service, then run `cc-notify setup` again (or set up another \
             backend: --ntfy-topic, --telegram-chat-id, --webhook-url, --command, --desktop)",
        );
    }
    if !steps.failed.is_empty() {
        return None;
    }

    // 2. Each backend checked with its service before its keys are written.
    let mut accepted = Vec::new();
    let mut to_write = Vec::new();
    for (name, mine) in edits {
        match verify(steps, &config, name, !args.no_test_push) {
            Verdict::Refused => {}
            Verdict::Unchecked => to_write.extend(mine),
            Verdict::Accepted(sent) => {
                accepted.push((name, sent));
                to_write.extend(mine);
            }
        }
    }
    if accepted.is_empty() && to_write.is_empty() {
        return None;
    }

    // 3. The config file, 0600, every other key kept.
    match config_file::set_keys(path, &to_write) {
        Ok(Written::Changed) => {
            steps.ok(&format!("config written: {} (mode 0600)", path.display()))
        }
        Ok(Written::Unchanged) => steps.ok(&format!(
            "config {} already has these keys (mode 0600)",
            path.display()
        )),
        Err(e) => {
            steps.fail(
                &e.to_string(),
                "fix the file or its directory, then run setup again",
            );
            return None;
        }
    }
    for unused in notifiers::routing(&config).unused(&config.backends()) {
        steps.note(&format!(
            "[routing] sends {unused} no kind of push: add \"{unused}\" to the kinds it should get"
        ));
    }
    Some(Configured { config, accepted })
}

/// Step 4: the test push through every accepted backend not yet tried, and, when interactive,
/// whether it arrived.
pub(super) fn test_push(steps: &mut Steps, ask: &Ask, configured: &Configured) {
    let mut sent = Vec::new();
    for &(name, already) in &configured.accepted {
        if already {
            sent.push(name);
            continue;
        }
        match send(&configured.config, name) {
            Ok(()) => {
                steps.ok(&format!("test push sent through {name}"));
                sent.push(name);
            }
            Err(e) => steps.fail(
                &format!("the test push through {name} failed: {e}"),
                &format!("`cc-notify doctor` checks {name}'s settings and the network"),
            ),
        }
    }
    if sent.is_empty() {
        return;
    }
    match ask.yes("Did the test push arrive?") {
        None => {}
        Some(true) => steps.ok("the test push arrived"),
        Some(false) => steps.fail(
            "the test push did not arrive",
            &sent
                .iter()
                .map(|name| where_to_look(name))
                .collect::<Vec<_>>()
                .join("; "),
        ),
    }
}

/// What to check when a push that was sent did not show.
fn where_to_look(name: &str) -> &'static str {
    match name {
        "pushover" => {
            "check that the Pushover app is logged in with this user key and that the \
             device is active (pushover.net); its own quiet hours may hold pushes back"
        }
        "ntfy" => "check that the ntfy app subscribes to this topic on this server",
        "telegram" => "check that you wrote to the bot first and that the chat id is yours",
        "webhook" => "check the channel the webhook posts to",
        "command" => "check what your command does with the JSON on its standard input",
        _ => "check that a notification daemon runs on this desktop",
    }
}

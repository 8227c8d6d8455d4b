//! The check each backend's service offers, for `doctor` and `setup`: ntfy's health endpoint,
//! Telegram's `getMe`, the desktop daemon's server information, the command on `$PATH`. A
//! webhook offers none. (Pushover's `users/validate.json` is asked by each caller itself: they
//! say different things about a gateway without it.)

use cc_notify_backends::{Command, Desktop, Ntfy, Telegram, Webhook};
use cc_notify_core::NotifyError;

use crate::config::Config;
use crate::runtime;

/// Checks backend `name` of `config`: `Err` with what is wrong when its settings are unusable
/// (nothing was asked); else the service's answer, as a line saying what was found.
pub fn check(config: &Config, name: &str) -> Result<Result<String, NotifyError>, String> {
    match name {
        "ntfy" => Ntfy::from_config(&config.ntfy)
            .map(|b| {
                b.check()
                    .map(|()| format!("ntfy server {} is up", config.ntfy.url))
            })
            .map_err(|e| e.to_string()),
        "telegram" => Telegram::from_config(&config.telegram)
            .map(|b| {
                b.check()
                    .map(|bot| format!("Telegram bot {bot} accepted the token"))
            })
            .map_err(|e| e.to_string()),
        "desktop" => Desktop::from_config(
            &config.desktop,
            runtime::env_var("DBUS_SESSION_BUS_ADDRESS").as_deref(),
        )
        .map(|b| {
            b.server_information()
                .map(|[name, _, version, _]| format!("desktop notifications by {name} {version}"))
        })
        .map_err(|e| e.to_string()),
        "command" => Command::from_config(&config.command)
            .map(|b| {
                b.check(runtime::env_var("PATH").as_deref())
                    .map(|p| format!("command {} is executable", p.display()))
            })
            .map_err(|e| e.to_string()),
        "webhook" => Webhook::from_config(&config.webhook)
            .map(|_| {
                Ok("webhook configured (a webhook offers no check; \
                    `cc-notify send --to webhook \"test\"` tries it)"
                    .to_owned())
            })
            .map_err(|e| e.to_string()),
        other => Err(format!("unknown backend {other:?}")),
    }
}

//! What `setup` asks for: which backends (`chosen`: their options, `--backend`, those
//! already configured, else a choice), and the keys each needs (`gather`: options, else the
//! environment, else the config, else asked for). A secret from the environment
//! (`CC_NOTIFY_PUSHOVER_TOKEN`, `CC_NOTIFY_NTFY_TOKEN`, `CC_NOTIFY_TELEGRAM_TOKEN`) stays out
//! of the file.

use cc_notify_backends::Secret;
use cc_notify_backends::webhook::Format;
use cc_notify_pushover::Credential;
use clap::Args;
use clap::builder::PossibleValuesParser;
use toml_edit::Value;

use super::config_file::Edit;
use super::{Ask, SetupArgs, Steps};
use crate::config::{BACKENDS, Config, TOKEN_VARS, USER_VARS};
use crate::runtime;

/// The environment variable of ntfy's access token.
const NTFY_TOKEN_VAR: &str = "CC_NOTIFY_NTFY_TOKEN";
/// The environment variable of the Telegram bot's token.
const TELEGRAM_TOKEN_VAR: &str = "CC_NOTIFY_TELEGRAM_TOKEN";

/// `setup`'s options for the backends other than Pushover.
#[derive(Debug, Default, Args)]
pub struct BackendArgs {
    /// Configure this backend (repeatable): pushover, ntfy, desktop, telegram, webhook,
    /// command. The options of a backend choose it too; without any, the backends already
    /// configured are checked again (interactively, setup asks when there are none).
    #[arg(long = "backend", value_name = "NAME", value_parser = PossibleValuesParser::new(BACKENDS))]
    pub backends: Vec<String>,
    /// The ntfy server (default `https://ntfy.sh`). An access token, when the topic needs one:
    /// CC_NOTIFY_NTFY_TOKEN.
    #[arg(long, value_name = "URL")]
    pub ntfy_url: Option<String>,
    /// The ntfy topic pushes go to (anyone who knows it can read them: pick a long one).
    #[arg(long, value_name = "TOPIC")]
    pub ntfy_topic: Option<String>,
    /// The Telegram chat to write to (its numeric id, or @channelname). The bot's token:
    /// CC_NOTIFY_TELEGRAM_TOKEN.
    #[arg(long, value_name = "ID")]
    pub telegram_chat_id: Option<String>,
    /// The webhook to POST to (a Slack or Discord incoming webhook, or your own).
    #[arg(long, value_name = "URL")]
    pub webhook_url: Option<String>,
    /// The webhook's body: json (cc-notify's own), slack or discord (default: from the URL).
    #[arg(long, value_name = "FORMAT", value_parser = ["json", "slack", "discord"])]
    pub webhook_format: Option<String>,
    /// A program to run for each push, with its arguments, split at spaces (the push as JSON
    /// on its standard input).
    #[arg(long, value_name = "COMMAND")]
    pub command: Option<String>,
    /// Show pushes as desktop notifications too.
    #[arg(long)]
    pub desktop: bool,
}

/// The backends to configure: those named by `--backend` or by one of their options, and
/// those already configured; when that is none, the one the user picks (interactive, no
/// `[pushover]` table in the file yet), else Pushover, as setup always did.
pub(super) fn chosen(
    args: &SetupArgs,
    ask: &Ask,
    config: &Config,
    file: &str,
) -> Vec<&'static str> {
    let b = &args.backends;
    let named = |name: &str| {
        b.backends.iter().any(|n| n == name)
            || match name {
                "pushover" => args.pushover_token.is_some() || args.pushover_user.is_some(),
                "ntfy" => b.ntfy_url.is_some() || b.ntfy_topic.is_some(),
                "telegram" => b.telegram_chat_id.is_some(),
                "webhook" => b.webhook_url.is_some() || b.webhook_format.is_some(),
                "command" => b.command.is_some(),
                "desktop" => b.desktop,
                _ => false,
            }
    };
    let configured = config.backends();
    let chosen: Vec<&'static str> = BACKENDS
        .into_iter()
        .filter(|n| named(n) || configured.contains(n))
        .collect();
    if !chosen.is_empty() {
        return chosen;
    }
    let has_pushover_table = file
        .parse::<toml_edit::DocumentMut>()
        .is_ok_and(|doc| doc.contains_key("pushover"));
    if ask.interactive && !has_pushover_table {
        return pick(ask);
    }
    vec!["pushover"]
}

/// The names on the chooser, in [`BACKENDS`] order.
const LABELS: [&str; 6] = [
    "Pushover (app on your phone)",
    "ntfy (app on your phone; ntfy.sh or your own server)",
    "desktop notifications on this machine",
    "Telegram (a bot writes to you)",
    "webhook (Slack, Discord, or your own JSON receiver)",
    "command (your own program)",
];

/// Asks which backends to configure until the answer names only known ones; Pushover on an
/// empty answer (or none).
fn pick(ask: &Ask) -> Vec<&'static str> {
    println!("Where should pushes go?");
    for (i, label) in LABELS.iter().enumerate() {
        println!("  {}. {label}", i + 1);
    }
    loop {
        let Some(answer) = ask.line("Numbers or names, separated by spaces [1]: ") else {
            return vec!["pushover"];
        };
        let words: Vec<&str> = answer
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|w| !w.is_empty())
            .collect();
        if words.is_empty() {
            return vec!["pushover"];
        }
        let found: Option<Vec<&'static str>> = words
            .iter()
            .map(|w| {
                let w = w.to_ascii_lowercase();
                BACKENDS
                    .into_iter()
                    .enumerate()
                    .find_map(|(i, name)| (w == name || w == (i + 1).to_string()).then_some(name))
            })
            .collect();
        match found {
            Some(names) => {
                return BACKENDS.into_iter().filter(|n| names.contains(n)).collect();
            }
            None => println!("  answer with the numbers (1-6) or the names above"),
        }
    }
}

/// Where a key came from, for what to do with it.
enum Source {
    /// Given now (option or answer): to be written.
    New(Value),
    /// Already usable (config or environment): nothing to write.
    Kept,
    /// Nowhere: `setup` must say what is missing.
    Missing,
}

/// The value of one key: `given` (an option), else the environment (`env`, kept out of the
/// file), else the config (`have` non-empty), else asked with `prompt` (when `may_ask`).
fn key(
    steps: &Steps,
    ask: &Ask,
    given: Option<&str>,
    env: Option<&str>,
    have: bool,
    prompt: Option<&str>,
) -> Source {
    if let Some(v) = given {
        return Source::New(v.into());
    }
    if let Some(var) = env.filter(|v| runtime::env_var(v).is_some_and(|s| !s.is_empty())) {
        steps.note(&format!(
            "{var}: taken from the environment, not written to the file"
        ));
        return Source::Kept;
    }
    if have {
        return Source::Kept;
    }
    match prompt.and_then(|p| ask.line(p)).filter(|a| !a.is_empty()) {
        Some(answer) => Source::New(answer.into()),
        None => Source::Missing,
    }
}

/// Gathers backend `name`'s keys into `edits` and applies them to `config`; what is missing
/// goes to `missing` as the option (or variable) that would give it.
pub(super) fn gather(
    name: &'static str,
    args: &SetupArgs,
    steps: &mut Steps,
    ask: &Ask,
    config: &mut Config,
    edits: &mut Vec<Edit>,
    missing: &mut Vec<String>,
) {
    let b = &args.backends;
    let mut need = |source: Source, section, k: &'static str, option: &str| match source {
        Source::New(v) => edits.push(Edit::new(section, k, v)),
        Source::Kept => {}
        Source::Missing => missing.push(option.to_owned()),
    };
    let str_of = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    match name {
        "pushover" => pushover_keys(args, steps, ask, config, edits, missing),
        "ntfy" => {
            let first_time = config.ntfy.topic.is_empty();
            let asking = first_time && b.ntfy_topic.is_none();
            let url = match &b.ntfy_url {
                Some(url) => Source::New(url.as_str().into()),
                None if asking => match key(
                    steps,
                    ask,
                    None,
                    None,
                    false,
                    Some(&format!("ntfy server [{}]: ", config.ntfy.url)),
                ) {
                    Source::Missing => Source::Kept,
                    other => other,
                },
                None => Source::Kept,
            };
            let topic = key(
                steps,
                ask,
                b.ntfy_topic.as_deref(),
                None,
                !first_time,
                Some(
                    "ntfy topic (anyone who knows it can read your pushes: make it long and \
                     unguessable): ",
                ),
            );
            let token = match key(
                steps,
                ask,
                None,
                Some(NTFY_TOKEN_VAR),
                !config.ntfy.token.is_empty(),
                asking.then_some("ntfy access token (empty for none): "),
            ) {
                Source::Missing => Source::Kept,
                other => other,
            };
            if let Source::New(v) = &url {
                config.ntfy.url = str_of(v);
            }
            if let Source::New(v) = &topic {
                config.ntfy.topic = str_of(v);
            }
            if let Source::New(v) = &token {
                config.ntfy.token = Secret::new(str_of(v));
            }
            need(url, "ntfy", "url", "--ntfy-url");
            need(topic, "ntfy", "topic", "--ntfy-topic");
            need(token, "ntfy", "token", NTFY_TOKEN_VAR);
        }
        "telegram" => {
            let token = key(
                steps,
                ask,
                None,
                Some(TELEGRAM_TOKEN_VAR),
                !config.telegram.bot_token.is_empty(),
                Some("Telegram bot token (from @BotFather): "),
            );
            let chat = key(
                steps,
                ask,
                b.telegram_chat_id.as_deref(),
                None,
                !config.telegram.chat_id.is_empty(),
                Some("Telegram chat id (write to your bot first; @userinfobot tells your id): "),
            );
            if let Source::New(v) = &token {
                config.telegram.bot_token = Secret::new(str_of(v));
            }
            if let Source::New(v) = &chat {
                config.telegram.chat_id = str_of(v);
            }
            need(
                token,
                "telegram",
                "bot_token",
                &format!("{TELEGRAM_TOKEN_VAR} (or [telegram] bot_token)"),
            );
            need(chat, "telegram", "chat_id", "--telegram-chat-id");
        }
        "webhook" => {
            let url = key(
                steps,
                ask,
                b.webhook_url.as_deref(),
                None,
                !config.webhook.url.is_empty(),
                Some("Webhook URL (Slack or Discord incoming webhook, or your own): "),
            );
            let mut format = b.webhook_format.clone();
            if let Source::New(v) = &url {
                config.webhook.url = Secret::new(str_of(v));
                format.get_or_insert_with(|| format_of(&str_of(v)).to_owned());
            }
            if let Some(f) = &format {
                config.webhook.format = match f.as_str() {
                    "slack" => Format::Slack,
                    "discord" => Format::Discord,
                    _ => Format::Json,
                };
            }
            need(url, "webhook", "url", "--webhook-url");
            if let Some(f) = format {
                need(Source::New(f.into()), "webhook", "format", "");
            }
        }
        "command" => {
            let argv = key(
                steps,
                ask,
                b.command.as_deref(),
                None,
                !config.command.argv.is_empty(),
                Some("Command to run for each push (program and arguments, split at spaces): "),
            );
            if let Source::New(v) = &argv {
                config.command.argv = str_of(v).split_whitespace().map(str::to_owned).collect();
            }
            match argv {
                Source::New(_) => need(
                    Source::New(Value::from_iter(&config.command.argv)),
                    "command",
                    "argv",
                    "",
                ),
                other => need(other, "command", "argv", "--command"),
            }
        }
        "desktop" if !config.desktop.enabled => {
            config.desktop.enabled = true;
            need(Source::New(true.into()), "desktop", "enabled", "");
        }
        _ => {}
    }
}

/// The webhook format a URL implies: Slack's and Discord's incoming webhooks by their host.
fn format_of(url: &str) -> &'static str {
    let host = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest)
        .split(['/', ':'])
        .next()
        .unwrap_or_default();
    if host == "hooks.slack.com" {
        "slack"
    } else if host == "discord.com" || host == "discordapp.com" {
        "discord"
    } else {
        "json"
    }
}

/// The Pushover keys: options, else `CC_NOTIFY_PUSHOVER_TOKEN`/`_USER`, else the config,
/// else asked for (each checked for its form as it is typed).
fn pushover_keys(
    args: &SetupArgs,
    steps: &mut Steps,
    ask: &Ask,
    config: &mut Config,
    edits: &mut Vec<Edit>,
    missing: &mut Vec<String>,
) {
    let env_key = |vars: [&str; 2]| {
        vars.iter()
            .any(|v| runtime::env_var(v).is_some_and(|s| !s.is_empty()))
    };
    for (which, given, from_env, in_config, option, var, key, prompt) in [
        (
            Credential::Token,
            args.pushover_token.clone(),
            env_key(TOKEN_VARS),
            !config.pushover.token.is_empty(),
            "--pushover-token",
            TOKEN_VARS[0],
            "token",
            "Pushover application token (pushover.net/apps/build): ",
        ),
        (
            Credential::User,
            args.pushover_user.clone(),
            env_key(USER_VARS),
            !config.pushover.user.is_empty(),
            "--pushover-user",
            USER_VARS[0],
            "user",
            "Pushover user key (top of pushover.net once logged in): ",
        ),
    ] {
        let new = if let Some(k) = given {
            if let Err(e) = cc_notify_pushover::config::check_key(which, &k) {
                steps.fail(&format!("{option}: {e}"), "copy it again from pushover.net");
                continue;
            }
            k
        } else if from_env {
            // The environment's key stays out of the file.
            steps.note(&format!(
                "{option}: taken from the environment ({var} or the like), not written to the file"
            ));
            continue;
        } else if in_config {
            continue;
        } else if let Some(k) = ask.key(which, prompt) {
            k
        } else {
            missing.push(format!("{option} (or {var})"));
            continue;
        };
        match which {
            Credential::Token => config.pushover.token.clone_from(&new),
            Credential::User => config.pushover.user.clone_from(&new),
        }
        edits.push(Edit::new("pushover", key, new));
    }
}

#[cfg(test)]
mod tests {
    use super::format_of;

    #[test]
    fn slack_and_discord_urls_pick_their_format() {
        assert_eq!(
            format_of("https://hooks.slack.com/services/T0/B0/x"),
            "slack"
        );
        assert_eq!(
            format_of("https://discord.com/api/webhooks/1/abc"),
            "discord"
        );
        assert_eq!(format_of("https://hooks.slack.com.evil.example/x"), "json");
        assert_eq!(format_of("http://127.0.0.1:8080/hook"), "json");
    }
}

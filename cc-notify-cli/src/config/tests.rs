//! The config file: defaults, the documented keys, errors that point at the spot.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::time::Duration;

use cc_notify_core::activity::PTY_RESOLUTION;
use cc_notify_core::engine::HeadlessPolicy;

use super::*;
use std::collections::HashMap;

const TOKEN: &str = "azGDORePK8gMaC0QOYAMyEEuzJnyUi";

fn no_env(_: &str) -> Option<String> {
    None
}

/// Loads `text` from a file named config.toml in a fresh temp dir.
fn load_text(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Loaded, String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, text).unwrap();
    load(&path, env).map_err(|e| {
        let shown = e.to_string();
        let prefix = format!("{}:", path.display());
        shown
            .strip_prefix(&prefix)
            .map(|rest| format!("config.toml:{rest}"))
            .unwrap_or(shown)
    })
}

fn err(text: &str) -> String {
    load_text(text, &no_env).unwrap_err()
}

#[test]
fn missing_file_gives_the_documented_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let loaded = load(&dir.path().join("absent.toml"), &no_env).unwrap();
    assert!(!loaded.existed);
    assert!(loaded.warnings.is_empty());
    let c = loaded.config;
    assert_eq!(c.engine.bands.as_slice(), &[(60, 20), (120, 15), (300, 10)]);
    assert_eq!(c.presence.typing_window, Duration::from_secs(10));
    assert_eq!(c.presence.grace, Duration::from_secs(15));
    assert_eq!(c.engine.rate_limit, Duration::from_secs(5));
    assert_eq!(c.engine.headless, HeadlessPolicy::Skip);
    assert!(!c.engine.progress);
    assert_eq!(c.engine.progress_min_interval, Duration::ZERO);
    assert_eq!(c.pushover.priorities.progress, -2);
    assert!(c.engine.redact);
    assert_eq!(c.delivery.outbox_max_age, Duration::from_secs(3600));
    assert_eq!(c.delivery.retries, 3);
    assert_eq!(
        c.pushover.api_url,
        "https://api.pushover.net/1/messages.json"
    );
    assert!(c.pushover.token.is_empty());
}

#[test]
fn the_documented_example_file_is_read_as_written() {
    let text = r#"
[pushover]
token = "azGDORePK8gMaC0QOYAMyEEuzJnyUi"
user = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG"
api_url = "http://127.0.0.1:9/1/messages.json"

[timing]
bands = [[30, 40], [90, 5]]
typing_window = 12
grace = 20
rate_limit = 0

[sessions]
headless = "notify"

[pushover.priorities]
progress = -1

[progress]
enabled = true
min_interval = 30

[privacy]
redact = false

[delivery]
outbox_max_age = 600
retries = 0
"#;
    let loaded = load_text(text, &no_env).unwrap();
    assert!(loaded.existed);
    let c = loaded.config;
    assert_eq!(c.pushover.token, TOKEN);
    assert_eq!(c.pushover.api_url, "http://127.0.0.1:9/1/messages.json");
    assert_eq!(c.engine.bands.as_slice(), &[(30, 40), (90, 5)]);
    assert_eq!(c.presence.typing_window, Duration::from_secs(12));
    assert_eq!(c.presence.grace, Duration::from_secs(20));
    assert_eq!(c.engine.rate_limit, Duration::ZERO);
    assert_eq!(c.engine.headless, HeadlessPolicy::Notify);
    assert!(c.engine.progress);
    assert_eq!(c.engine.progress_min_interval, Duration::from_secs(30));
    assert_eq!(c.pushover.priorities.progress, -1);
    assert!(!c.engine.redact);
    assert_eq!(
        c.delivery,
        Delivery {
            outbox_max_age: Duration::from_secs(600),
            retries: 0
        }
    );
}

#[test]
fn wrong_type_names_file_line_column_and_key() {
    assert_eq!(
        err("[timing]\n\ngrace = \"ten\"\n"),
        "config.toml:3:9: timing.grace: invalid type: string \"ten\", expected a non-negative integer"
    );
    assert_eq!(
        err("[timing]\ngrace = -5\n"),
        "config.toml:2:9: timing.grace: invalid value: integer `-5`, expected a non-negative integer"
    );
    assert_eq!(
        err("[timing]\nbands = [[60, 20], [120, \"x\"]]\n"),
        "config.toml:2:26: timing.bands[1][1]: invalid type: string \"x\", expected a non-negative integer"
    );
    assert_eq!(
        err("timing.rate_limit = true\n"),
        "config.toml:1:21: timing.rate_limit: invalid type: boolean `true`, expected a non-negative integer"
    );
    assert_eq!(
        err("[sessions]\nheadless = \"sometimes\"\n"),
        "config.toml:2:12: sessions.headless: unknown variant `sometimes`, expected `skip` or `notify`"
    );
}

#[test]
fn unknown_keys_and_tables_are_refused_by_name() {
    let e = err("[timing]\ngrace = 5\ngarce = 5\n");
    assert!(
        e.starts_with("config.toml:3:1: timing.garce: unknown field `garce`"),
        "{e}"
    );
    let e = err("[timng]\n");
    assert!(
        e.starts_with("config.toml:1:2: timng: unknown field `timng`"),
        "{e}"
    );
    let e = err("[pushover]\ntokne = \"x\"\n");
    assert!(
        e.starts_with("config.toml:2:1: pushover.tokne: unknown field `tokne`"),
        "{e}"
    );
}

#[test]
fn syntax_errors_point_at_the_spot() {
    let e = err("[timing]\ngrace = ten\n");
    assert!(e.starts_with("config.toml:2:9: timing.grace: "), "{e}");
    let e = err("[timing\n");
    assert!(e.starts_with("config.toml:1:8: timing: "), "{e}");
    let e = err("= 5\n");
    assert!(e.starts_with("config.toml:1:1: "), "{e}");
}

#[test]
fn refused_values_name_the_key_and_why() {
    assert_eq!(
        err("[timing]\nbands = [[60, 10], [120, 20]]\n"),
        "config.toml:2:9: timing.bands: a longer turn may not wait longer: 20 s after 10 s"
    );
    assert_eq!(
        err("[timing]\ngrace = 86401\n"),
        "config.toml:2:9: timing.grace: 86401 s is more than a day (86400 s)"
    );
    for key in [
        "typing_window",
        "rate_limit",
        "needs_input_delay",
        "reminder_after",
        "reminder_for",
    ] {
        let e = err(&format!("[timing]\n{key} = 100000\n"));
        assert!(e.starts_with("config.toml:2:"), "{e}");
        assert!(e.contains(&format!("timing.{key}: 100000 s")), "{e}");
    }
    let e = err("[delivery]\noutbox_max_age = 999999\n");
    assert!(e.contains("2:18: delivery.outbox_max_age: 999999 s"), "{e}");
    let e = err("[progress]\npriority = 0\n");
    assert_eq!(
        e,
        "config.toml:2:12: progress.priority: 0 is not allowed: use -2 (no alert) or -1 (quiet)"
    );
    let e = err("[delivery]\nretries = 21\n");
    assert_eq!(e, "config.toml:2:11: delivery.retries: 21 is more than 20");
    let e = err("[timing]\nreminder_after = 0\n");
    assert_eq!(
        e,
        "config.toml:2:18: timing.reminder_after: 0 s would remind you while you type: use at \
         least 1 (to turn reminders off, set reminder_for = 0)"
    );
}

#[test]
fn the_presence_keys_reach_what_the_deliverer_is_handed() {
    let text = "[timing]\nneeds_input_delay = 2\nreminder_after = 30\nreminder_for = 600\n";
    let presence = load_text(text, &no_env).unwrap().config.presence;
    assert_eq!(presence.needs_input_delay, Duration::from_secs(2));
    assert_eq!(presence.reminder.after, Duration::from_secs(30));
    assert_eq!(presence.reminder.watch_for, Duration::from_secs(600));
    let defaults = load_text("", &no_env).unwrap().config.presence;
    assert_eq!(defaults.needs_input_delay, Duration::from_secs(5));
    assert_eq!(defaults.reminder.after, Duration::from_secs(120));
    assert_eq!(defaults.reminder.watch_for, Duration::from_secs(1800));
}

#[test]
fn short_typing_window_is_clamped_with_a_warning() {
    let loaded = load_text("[timing]\ntyping_window = 3\n", &no_env).unwrap();
    assert_eq!(loaded.config.presence.typing_window, PTY_RESOLUTION);
    assert_eq!(loaded.warnings.len(), 1);
    assert!(loaded.warnings[0].contains("timing.typing_window"));
}

#[test]
fn environment_credentials_override_the_file_in_order() {
    let file = "[pushover]\ntoken = \"from-file\"\nuser = \"user-file\"\n";
    let env_of = |pairs: &'static [(&'static str, &'static str)]| {
        let map: HashMap<&str, &str> = pairs.iter().copied().collect();
        move |k: &str| map.get(k).map(|v| v.to_string())
    };
    let c = load_text(file, &no_env).unwrap().config.pushover;
    assert_eq!(
        (c.token.as_str(), c.user.as_str()),
        ("from-file", "user-file")
    );

    let env = env_of(&[
        ("PUSHOVER_TOKEN", "generic"),
        ("PUSHOVER_USER", "u-generic"),
    ]);
    let c = load_text(file, &env).unwrap().config.pushover;
    assert_eq!(
        (c.token.as_str(), c.user.as_str()),
        ("generic", "u-generic")
    );

    let env = env_of(&[
        ("PUSHOVER_TOKEN", "generic"),
        ("CC_NOTIFY_PUSHOVER_TOKEN", "specific"),
        ("CC_NOTIFY_PUSHOVER_USER", ""),
    ]);
    let c = load_text(file, &env).unwrap().config.pushover;
    assert_eq!(
        (c.token.as_str(), c.user.as_str()),
        ("specific", "user-file")
    );
}

#[test]
fn secrets_never_appear_in_errors_or_debug() {
    let e = err("[pushover]\ntoken = 123456789\n");
    assert!(e.starts_with("config.toml:2:9: pushover.token: "), "{e}");
    assert!(!e.contains("123456789"), "{e}");
    let loaded = load_text(&format!("[pushover]\ntoken = \"{TOKEN}\"\n"), &no_env).unwrap();
    assert!(!format!("{loaded:?}").contains(TOKEN));
}

#[test]
fn config_path_follows_the_documented_precedence() {
    let env = crate::runtime::fake_env;
    assert_eq!(
        config_path_in(&env(&[("CC_NOTIFY_CONFIG", "/c.toml"), ("HOME", "/h")])),
        Some(PathBuf::from("/c.toml"))
    );
    assert_eq!(
        config_path_in(&env(&[("XDG_CONFIG_HOME", "/x"), ("HOME", "/h")])),
        Some(PathBuf::from("/x/cc-notify/config.toml"))
    );
    assert_eq!(
        config_path_in(&env(&[("XDG_CONFIG_HOME", ""), ("HOME", "/h")])),
        Some(PathBuf::from("/h/.config/cc-notify/config.toml"))
    );
    assert_eq!(config_path_in(&env(&[])), None);
}

#[test]
fn privacy_of_the_file_follows_its_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(is_private(&path).unwrap());
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    assert!(!is_private(&path).unwrap());
}

#[test]
fn unreadable_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let e = load(dir.path(), &no_env).unwrap_err();
    assert!(matches!(e, ConfigError::Read { .. }));
    assert!(e.to_string().starts_with(&dir.path().display().to_string()));
}

/// Every key the README's configuration reference documents, with a value other than its
/// default.
const ALTERNATES: &[(&str, &str)] = &[
    ("pushover.token", "\"azGDORePK8gMaC0QOYAMyEEuzJnyUi\""),
    ("pushover.user", "\"uQiRzpo4DXghDmr9QzzfQu27cmVRsG\""),
    ("pushover.api_url", "\"http://127.0.0.1:9/1/messages.json\""),
    ("pushover.device", "\"tablet\""),
    ("pushover.url", "\"https://example.org\""),
    ("pushover.url_title", "\"Look\""),
    ("pushover.ttl", "60"),
    ("pushover.retry", "90"),
    ("pushover.expire", "60"),
    ("pushover.connect_timeout", "2"),
    ("pushover.read_timeout", "3"),
    ("pushover.sounds.done", "\"bike\""),
    ("pushover.sounds.error", "\"bike\""),
    ("pushover.sounds.needs_input", "\"bike\""),
    ("pushover.sounds.progress", "\"bike\""),
    ("pushover.priorities.done", "1"),
    ("pushover.priorities.error", "0"),
    ("pushover.priorities.needs_input", "0"),
    ("pushover.priorities.progress", "-1"),
    ("timing.bands", "[[30, 5]]"),
    ("timing.typing_window", "20"),
    ("timing.grace", "30"),
    ("timing.rate_limit", "0"),
    ("timing.needs_input_delay", "2"),
    ("timing.reminder_after", "30"),
    ("timing.reminder_for", "0"),
    ("sessions.headless", "\"notify\""),
    ("progress.enabled", "true"),
    ("progress.min_interval", "30"),
    ("privacy.redact", "false"),
    ("delivery.retries", "0"),
    ("delivery.outbox_max_age", "60"),
];

/// The dotted leaf keys of the TOML blocks in the README's "Configuration reference".
fn documented_keys() -> Vec<String> {
    fn leaves(prefix: &str, table: &toml::Table, out: &mut Vec<String>) {
        for (k, v) in table {
            let path = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            match v {
                toml::Value::Table(t) => leaves(&path, t, out),
                _ => out.push(path),
            }
        }
    }
    let readme = include_str!("../../../README.md");
    let start = readme.find("## Configuration reference").unwrap();
    let section = &readme[start..];
    let end = section[3..].find("\n## ").map_or(section.len(), |i| i + 3);
    let mut keys = Vec::new();
    for block in section[..end].split("```toml\n").skip(1) {
        let text = block.split("```").next().unwrap();
        let table: toml::Table = toml::from_str(text).unwrap();
        leaves("", &table, &mut keys);
    }
    keys.sort();
    keys.dedup();
    keys
}

/// What the config's consumers read: the engine's and the deliverer's settings as the
/// runtime hands them over, the notifier's and the outbox's.
fn consumed(c: Config) -> String {
    let rt = crate::runtime::Runtime::from_config(c.clone());
    format!(
        "{:?} {:?} {:?} {:?}",
        rt.engine, rt.presence, c.pushover, c.delivery
    )
}

#[test]
fn every_documented_key_is_tested_below() {
    let mut tested: Vec<String> = ALTERNATES.iter().map(|(k, _)| (*k).to_owned()).collect();
    tested.sort();
    assert_eq!(documented_keys(), tested);
}

#[test]
fn every_documented_key_changes_what_its_consumer_reads() {
    let default = consumed(load_text("", &no_env).unwrap().config);
    for (key, value) in ALTERNATES {
        let (table, leaf) = key.rsplit_once('.').unwrap();
        let text = format!("[{table}]\n{leaf} = {value}\n");
        let loaded = load_text(&text, &no_env).unwrap_or_else(|e| panic!("{key}: {e}"));
        assert!(loaded.warnings.is_empty(), "{key}: {:?}", loaded.warnings);
        assert_ne!(
            consumed(loaded.config),
            default,
            "{key} = {value} changes nothing"
        );
    }
}

#[test]
fn the_old_progress_priority_key_moves_to_the_pushover_priorities_with_a_warning() {
    let loaded = load_text("[progress]\npriority = -1\n", &no_env).unwrap();
    assert_eq!(loaded.config.pushover.priorities.progress, -1);
    assert!(loaded.warnings[0].contains("[pushover.priorities] progress"));
    let both = "[progress]\npriority = -1\n[pushover.priorities]\nprogress = 0\n";
    let loaded = load_text(both, &no_env).unwrap();
    assert_eq!(loaded.config.pushover.priorities.progress, 0);
}

#[test]
fn the_issues_backend_tables_load_and_a_token_from_the_env_configures_telegram() {
    let text = r#"
[ntfy]
url = "https://ntfy.example"
topic = "builds"

[desktop]
enabled = false

[telegram]
chat_id = "42"

[webhook]
url = ""
format = "json"

[command]
argv = []

[routing]
done = ["ntfy"]
error = ["ntfy", "telegram"]
needs_input = ["ntfy"]
progress = []
"#;
    let e = err(text);
    assert!(
        e.contains("routing.error: \"telegram\" is not configured: set [telegram] bot_token"),
        "{e}"
    );
    let env = |v: &str| (v == "CC_NOTIFY_TELEGRAM_TOKEN").then(|| "123:abc".to_owned());
    let c = load_text(text, &env).unwrap().config;
    assert_eq!(c.backends(), ["ntfy", "telegram"]);
    assert_eq!(c.telegram.bot_token.expose(), "123:abc");
    let routing = c.routing().unwrap();
    assert_eq!(
        routing.backends(cc_notify_core::Kind::Error),
        ["ntfy", "telegram"]
    );
    assert!(routing.backends(cc_notify_core::Kind::Progress).is_empty());
    assert_eq!(
        load_text("", &no_env).unwrap().config.backends(),
        Vec::<&str>::new()
    );
}

#[test]
fn a_backend_secret_of_the_wrong_type_is_not_quoted() {
    let e = err("[webhook]\nurl = 12345678901\n");
    assert!(e.contains("webhook.url: invalid value (not shown"), "{e}");
    assert!(!e.contains("12345678901"), "{e}");
}

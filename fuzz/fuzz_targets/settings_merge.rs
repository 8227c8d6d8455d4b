//! Installing into and uninstalling from Claude Code's settings.json (the CLI's settings
//! module): never panics; install is idempotent and registers every event;
//! neither ever touches a hook that is not ours; uninstall leaves none of ours.
#![no_main]

use cc_notify_cli::settings::command::is_our_command;
use cc_notify_cli::settings::events::EVENTS;
use cc_notify_cli::settings::{Changed, install, uninstall};
use serde_json::Value;

const COMMAND: &str = "/opt/bin/cc-notify hook";

/// Every handler command under `hooks.<event>[].hooks[]`, split into ours and the others.
fn commands(doc: &Value) -> (Vec<String>, Vec<String>) {
    let mut all: Vec<String> = doc
        .get("hooks")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|h| h.values())
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(|g| g.get("hooks")?.as_array())
        .flatten()
        .filter_map(|h| Some(h.get("command")?.as_str()?.to_owned()))
        .collect();
    all.sort();
    all.into_iter().partition(|c| is_our_command(c))
}

fn text(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(doc) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let (_, theirs) = commands(&doc);
    let (removed, _) = uninstall(doc.clone());
    let (ours_left, theirs_left) = commands(&removed);
    assert!(ours_left.is_empty(), "uninstall left {ours_left:?}");
    assert_eq!(theirs_left, theirs, "uninstall touched other hooks");
    let Ok((installed, _)) = install(doc, COMMAND) else {
        return;
    };
    let (ours, theirs_kept) = commands(&installed);
    assert_eq!(theirs_kept, theirs, "install touched other hooks");
    assert!(ours.iter().all(|c| c == COMMAND), "stale commands: {ours:?}");
    let hooks = installed.get("hooks").and_then(Value::as_object);
    for spec in EVENTS {
        let registered = hooks
            .and_then(|h| h.get(spec.name))
            .and_then(Value::as_array)
            .is_some_and(|groups| commands(&serde_json::json!({"hooks": {"e": groups}})).0.len() == 1);
        assert!(registered, "{} not registered exactly once", spec.name);
    }
    let (again, changed) = install(installed.clone(), COMMAND).expect("install accepts its output");
    assert!(changed == Changed::No && text(&again) == text(&installed), "install is not idempotent");
    let (removed, _) = uninstall(installed);
    assert!(commands(&removed).0.is_empty());
    assert_eq!(commands(&removed).1, theirs);
});

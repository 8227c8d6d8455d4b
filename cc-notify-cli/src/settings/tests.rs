#![allow(clippy::unwrap_used)]

use std::fs;
use std::os::unix::fs::PermissionsExt;

use super::command::*;
use super::events::*;
use super::inspect::*;
use super::locate::*;
use super::merge::*;
use super::plugin::*;
use super::user_file::*;
use super::*;
use proptest::prelude::*;
use serde_json::json;

mod engine_coverage;
mod plugin;
mod user_files;

/// Write for real.
const WRITE: EditOptions = EditOptions {
    dry_run: false,
    force: false,
};
/// `--dry-run`.
const DRY: EditOptions = EditOptions {
    dry_run: true,
    force: false,
};

const CMD: &str = "/usr/local/bin/cc-notify hook";

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

/// Text form, so key order counts.
fn text(v: &Value) -> String {
    serde_json::to_string(v).unwrap()
}

/// (event, matcher, command) of every handler, in document order.
fn handlers(doc: &Value) -> Vec<(String, Option<String>, String)> {
    let mut out = Vec::new();
    for (event, list) in doc["hooks"].as_object().into_iter().flatten() {
        for group in list.as_array().into_iter().flatten() {
            let matcher = group
                .get("matcher")
                .and_then(Value::as_str)
                .map(str::to_owned);
            for h in group["hooks"].as_array().into_iter().flatten() {
                let cmd = h.get("command").and_then(Value::as_str).unwrap_or("");
                out.push((event.clone(), matcher.clone(), cmd.to_owned()));
            }
        }
    }
    out
}

fn ours(doc: &Value) -> Vec<(String, Option<String>, String)> {
    handlers(doc)
        .into_iter()
        .filter(|h| is_our_command(&h.2))
        .collect()
}

fn foreign(doc: &Value) -> Vec<(String, Option<String>, String)> {
    handlers(doc)
        .into_iter()
        .filter(|h| !is_our_command(&h.2))
        .collect()
}

#[test]
fn our_commands_are_recognised_precisely() {
    for cmd in [
        "cc-notify hook",
        "/usr/local/bin/cc-notify hook",
        "'/home/me/my tools/cc-notify' hook",
        "\"${CLAUDE_PLUGIN_ROOT}/bin/cc-notify\" hook",
        "/opt/it\\'s/cc-notify hook",
        "'/it'\\''s/cc-notify' hook",
    ] {
        assert!(is_our_command(cmd), "{cmd}");
    }
    for cmd in [
        "other-tool hook",
        "cc-notify-extra hook",
        "/bin/not-cc-notify hook",
        "cc-notify hook --verbose",
        "cc-notify send hook",
        "echo cc-notify hook",
        "/x/cc-notify/other hook",
        "cc-notify",
        "cc-notify  hooks",
        "'cc-notify hook",
    ] {
        assert!(!is_our_command(cmd), "{cmd}");
    }
}

#[test]
fn hook_command_quotes_only_when_needed() {
    assert_eq!(
        hook_command(Path::new("/usr/bin/cc-notify")).unwrap(),
        "/usr/bin/cc-notify hook"
    );
    assert_eq!(
        hook_command(Path::new("/home/me/my bin/it's/cc-notify")).unwrap(),
        r"'/home/me/my bin/it'\''s/cc-notify' hook"
    );
}

#[test]
fn install_into_empty_settings_registers_every_event_once() {
    let (doc, changed) = install(json!({}), CMD).unwrap();
    assert_eq!(changed, Changed::Yes);
    let names: Vec<&str> = doc["hooks"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let expected: Vec<&str> = EVENTS.iter().map(|s| s.name).collect();
    assert_eq!(names, expected);
    assert_eq!(
        doc["hooks"]["Notification"],
        json!([{"matcher": "permission_prompt|idle_prompt|elicitation_dialog|elicitation_url_dialog",
                "hooks": [{"type": "command", "command": CMD, "timeout": 10}]}])
    );
    assert_eq!(
        doc["hooks"]["Stop"],
        json!([{"hooks": [{"type": "command", "command": CMD, "timeout": 10}]}])
    );
}

#[test]
fn install_keeps_foreign_hooks_and_keys_in_order() {
    let before = parse(
        r#"{"model":"opus","hooks":{"Stop":[{"hooks":[{"type":"command","command":"other-tool hook"}]}],
            "PreToolUse":[{"matcher":"Bash","hooks":[{"type":"command","command":"guard"}]}]},"env":{"A":"1"}}"#,
    );
    let (after, _) = install(before.clone(), CMD).unwrap();
    let keys: Vec<&String> = after.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["model", "hooks", "env"]);
    assert_eq!(foreign(&after), foreign(&before));
    let stop = after["hooks"]["Stop"].as_array().unwrap();
    assert_eq!(stop.len(), 2);
    assert_eq!(stop[0], before["hooks"]["Stop"][0]);
    let hook_keys: Vec<&String> = after["hooks"].as_object().unwrap().keys().collect();
    assert_eq!(hook_keys[..2], ["Stop", "PreToolUse"]);
}

#[test]
fn reinstall_with_a_new_path_replaces_the_old_entry_in_place() {
    let (first, _) = install(json!({}), "/old/cc-notify hook").unwrap();
    let (second, changed) = install(first.clone(), CMD).unwrap();
    assert_eq!(changed, Changed::Yes);
    let ours = ours(&second);
    assert_eq!(ours.len(), EVENTS.len());
    assert!(ours.iter().all(|h| h.2 == CMD));
    let (third, changed) = install(second.clone(), CMD).unwrap();
    assert_eq!(changed, Changed::No);
    assert_eq!(text(&third), text(&second));
}

#[test]
fn stray_entries_of_ours_are_cleaned_up() {
    let before = parse(
        r#"{"hooks":{"SubagentStart":[{"hooks":[{"type":"command","command":"cc-notify hook"}]}],
            "Stop":[{"hooks":[{"type":"command","command":"x"},{"type":"command","command":"/a/cc-notify hook"}]}]}}"#,
    );
    let (after, _) = install(before, CMD).unwrap();
    assert!(after["hooks"].get("SubagentStart").is_none());
    assert_eq!(
        after["hooks"]["Stop"],
        json!([{"hooks":[{"type":"command","command":"x"}]},
               {"hooks":[{"type":"command","command":CMD,"timeout":10}]}])
    );
}

#[test]
fn a_binary_not_named_cc_notify_is_refused() {
    let e = install(json!({}), "/tmp/renamed hook").unwrap_err();
    assert!(matches!(e, SettingsError::NotOurCommand(_)), "{e}");
}

#[test]
fn malformed_settings_are_refused() {
    for (doc, why) in [
        (json!([]), "not a JSON object"),
        (json!({"hooks": []}), "\"hooks\" is not an object"),
        (
            json!({"hooks": {"Stop": {}}}),
            "\"hooks.Stop\" is not an array",
        ),
    ] {
        let e = install(doc, CMD).unwrap_err();
        assert!(e.to_string().contains(why), "{e}");
    }
}

#[test]
fn uninstall_removes_only_ours_and_what_it_emptied() {
    let before = parse(
        r#"{"hooks":{"Stop":[{"hooks":[{"type":"command","command":"other-tool hook"}]}],"Foo":[]}}"#,
    );
    let (installed, _) = install(before.clone(), CMD).unwrap();
    let (after, changed) = uninstall(installed);
    assert_eq!(changed, Changed::Yes);
    assert_eq!(text(&after), text(&before));
    let (again, changed) = uninstall(after);
    assert_eq!(changed, Changed::No);
    assert_eq!(text(&again), text(&before));
    let (created, _) = install(json!({"a": 1}), CMD).unwrap();
    assert_eq!(text(&uninstall(created).0), r#"{"a":1}"#);
}

// ---- files -------------------------------------------------------------------------------

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap()
}

#[test]
fn missing_file_and_directory_are_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new").join(".claude").join("settings.json");
    let report = install_file(&path, CMD, WRITE).unwrap();
    assert_eq!(report.changed, Changed::Yes);
    assert_eq!(report.original, None);
    assert_eq!(ours(&parse(&read(&path))).len(), EVENTS.len());
    let again = install_file(&path, CMD, WRITE).unwrap();
    assert_eq!(again.changed, Changed::No);
}

#[test]
fn broken_files_are_refused_and_left_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("settings.json");
    for (bytes, expect) in [
        (&b"{\"hooks\": {\n  \"Stop\": [,]\n}}"[..], "line 2 column"),
        (b"{", "EOF while parsing"),
        (b"\xff{}", "not UTF-8"),
        (b"[1, 2]", "not a JSON object"),
        (b"{\"hooks\": 3}", "\"hooks\" is not an object"),
    ] {
        fs::write(&path, bytes).unwrap();
        let e = install_file(&path, CMD, WRITE).unwrap_err().to_string();
        assert!(e.contains(expect), "{e}");
        assert!(e.contains(&path.display().to_string()), "{e}");
        assert_eq!(fs::read(&path).unwrap(), bytes);
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "a file was left behind"
        );
    }
}

#[test]
fn install_keeps_the_original_and_the_file_mode_and_uninstall_puts_it_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("settings.json");
    let original = "{\n    \"env\": {\"KEY\": \"secret\"}\n}\n";
    fs::write(&path, original).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    let report = install_file(&path, CMD, WRITE).unwrap();
    let backup = report.original.unwrap();
    assert_eq!(backup, dir.path().join("settings.json.before-cc-notify"));
    assert_eq!(read(&backup), original);
    assert_eq!(
        fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        fs::metadata(&backup).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(parse(&read(&path))["env"]["KEY"], "secret");
    // A later install (another binary path) rewrites the file, never the kept original.
    install_file(&path, "/elsewhere/cc-notify hook", WRITE).unwrap();
    assert_eq!(read(&backup), original);
    let removed = uninstall_file(&path, WRITE).unwrap();
    assert_eq!(removed.changed, Changed::Yes);
    assert!(removed.restored);
    assert_eq!(
        read(&path),
        original,
        "uninstall gives back the original bytes"
    );
    assert!(
        !backup.exists(),
        "the copy of the original is gone once it is back"
    );
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn dry_run_writes_nothing_and_shows_the_change() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub").join("settings.json");
    let report = install_file(&path, CMD, DRY).unwrap();
    assert_eq!(report.changed, Changed::Yes);
    assert!(!dir.path().join("sub").exists());
    let diff = report.diff();
    assert!(diff.contains(&format!("\"command\": \"{CMD}\"")), "{diff}");
    assert!(
        !diff
            .lines()
            .any(|l| l.starts_with('-') && !l.starts_with("---"))
    );
    fs::create_dir(dir.path().join("sub")).unwrap();
    fs::write(&path, "{\"a\": 1}").unwrap();
    let report = install_file(&path, CMD, DRY).unwrap();
    assert!(report.diff().contains("-{\"a\": 1}"));
    assert_eq!(read(&path), "{\"a\": 1}");
}

#[test]
fn a_failed_write_leaves_the_original_intact() {
    let dir = tempfile::tempdir().unwrap();
    // A path under a regular file: the directory cannot be created.
    let blocker = dir.path().join("not-a-dir");
    fs::write(&blocker, "x").unwrap();
    let e = install_file(&blocker.join("settings.json"), CMD, WRITE).unwrap_err();
    assert!(
        e.to_string()
            .contains("not-a-dir/settings.json: cannot read: Not a directory"),
        "{e}"
    );
    assert_eq!(read(&blocker), "x");

    // An existing file whose replacement cannot be written (a directory sits where the
    // temp file goes; root ignores permissions, this it cannot ignore).
    let path = dir.path().join("settings.json");
    let original = "{\"keep\": [1, 2, 3]}";
    fs::write(&path, original).unwrap();
    let tmp = format!(".settings.json.cc-notify.{}.tmp", std::process::id());
    fs::create_dir(dir.path().join(tmp)).unwrap();
    let e = install_file(&path, CMD, WRITE).unwrap_err();
    assert!(e.to_string().contains("the previous file is intact"), "{e}");
    assert_eq!(read(&path), original);
}

#[test]
fn writes_go_through_a_symlink() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("dotfiles-settings.json");
    fs::write(&real, "{}").unwrap();
    let link = dir.path().join("settings.json");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    install_file(&link, CMD, WRITE).unwrap();
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(ours(&parse(&read(&real))).len(), EVENTS.len());
}

#[test]
fn concurrent_installs_do_not_corrupt_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("settings.json");
    let foreign_doc = r#"{"hooks":{"Stop":[{"hooks":[{"type":"command","command":"other-tool hook"}]}]},"x":"ü"}"#;
    fs::write(&path, foreign_doc).unwrap();
    std::thread::scope(|s| {
        for t in 0..2 {
            let path = &path;
            s.spawn(move || {
                for i in 0..15 {
                    if (i + t) % 3 == 2 {
                        uninstall_file(path, WRITE).unwrap();
                    } else {
                        install_file(path, CMD, WRITE).unwrap();
                    }
                }
                install_file(path, CMD, WRITE).unwrap();
            });
        }
    });
    let doc = parse(&read(&path));
    let ours = ours(&doc);
    assert_eq!(ours.len(), EVENTS.len());
    for spec in EVENTS {
        assert_eq!(ours.iter().filter(|h| h.0 == spec.name).count(), 1);
    }
    assert_eq!(foreign(&doc), foreign(&parse(foreign_doc)));
    assert_eq!(doc["x"], "ü");
}

fn installed_in(path: &Path) -> Result<InstallState, SettingsError> {
    let this = std::env::current_exe().and_then(fs::canonicalize).ok();
    inspect_hooks(path, None, this.as_deref())
}

#[test]
fn installed_in_reports_what_doctor_needs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("settings.json");
    let state = installed_in(&path).unwrap();
    assert!(!state.exists && !state.is_installed());

    let missing_bin = dir.path().join("gone").join("cc-notify");
    let cmd = hook_command(&missing_bin).unwrap();
    let (mut doc, _) = install(json!({}), &cmd).unwrap();
    doc["hooks"]
        .as_object_mut()
        .unwrap()
        .shift_remove("SessionEnd");
    fs::write(&path, doc.to_string()).unwrap();
    let state = installed_in(&path).unwrap();
    assert!(state.is_installed());
    assert_eq!(state.missing, ["SessionEnd"]);
    assert_eq!(state.registered.len(), EVENTS.len() - 1);
    assert_eq!(
        state.programs,
        [(missing_bin.display().to_string(), ProgramStatus::Missing)]
    );
    assert!(state.points_elsewhere);
    let problem = state.problem().unwrap();
    assert!(
        problem.contains("SessionEnd") && problem.contains("does not exist"),
        "{problem}"
    );

    let bin = dir.path().join("cc-notify");
    fs::write(&bin, "").unwrap();
    fs::set_permissions(&bin, fs::Permissions::from_mode(0o644)).unwrap();
    install_file(&path, &hook_command(&bin).unwrap(), WRITE).unwrap();
    let state = installed_in(&path).unwrap();
    assert!(state.missing.is_empty());
    assert_eq!(state.programs[0].1, ProgramStatus::NotExecutable);
    fs::set_permissions(&bin, fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(
        installed_in(&path).unwrap().programs[0].1,
        ProgramStatus::Executable
    );

    fs::write(&path, "{oops").unwrap();
    assert!(matches!(
        installed_in(&path),
        Err(SettingsError::InvalidJson { .. })
    ));
}

#[test]
fn target_path_follows_the_documented_precedence() {
    let env = crate::runtime::fake_env;
    let proj = Path::new("/p");
    let home = env(&[("HOME", "/h")]);
    assert_eq!(
        target_path(Some("/f.json".into()), true, proj, &home).unwrap(),
        PathBuf::from("/f.json")
    );
    assert_eq!(
        target_path(None, true, proj, &home).unwrap(),
        PathBuf::from("/p/.claude/settings.json")
    );
    assert_eq!(
        target_path(None, false, proj, &home).unwrap(),
        PathBuf::from("/h/.claude/settings.json")
    );
    assert_eq!(
        target_path(
            None,
            false,
            proj,
            &env(&[("HOME", "/h"), ("CLAUDE_CONFIG_DIR", "/c")])
        )
        .unwrap(),
        PathBuf::from("/c/settings.json")
    );
    assert!(matches!(
        target_path(None, false, proj, &env(&[])),
        Err(SettingsError::NoHome)
    ));
}

// ---- properties --------------------------------------------------------------------------

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::from),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::vec(("\\PC{0,8}", inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// A foreign command: never ours, sometimes deceptively close.
fn foreign_command() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("other-tool hook".to_owned()),
        Just("cc-notify-extra hook".to_owned()),
        Just("cc-notify hook --x".to_owned()),
        Just("echo cc-notify hook".to_owned()),
        "\\PC{0,20}",
    ]
    .prop_filter("foreign", |c| !is_our_command(c))
}

fn handler(ours: bool) -> BoxedStrategy<Value> {
    if ours {
        prop_oneof![
            Just("cc-notify hook".to_owned()),
            Just("/old/cc-notify hook".to_owned()),
            Just("'/my dir/cc-notify' hook".to_owned()),
        ]
        .prop_map(|c| json!({"type": "command", "command": c}))
        .boxed()
    } else {
        (foreign_command(), prop::option::of(0u32..100))
            .prop_map(|(c, t)| match t {
                Some(t) => json!({"type": "command", "command": c, "timeout": t}),
                None => json!({"type": "command", "command": c}),
            })
            .boxed()
    }
}

fn event_name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(EVENTS.iter().map(|s| s.name.to_owned()).collect::<Vec<_>>()),
        Just("PreToolUse".to_owned()),
        Just("SubagentStart".to_owned()),
        "[A-Za-zé]{1,8}",
    ]
}

/// A settings document; `with_ours` lets our entries appear too.
fn settings(with_ours: bool) -> impl Strategy<Value = Value> {
    let group = (
        prop::collection::vec(
            any::<bool>().prop_flat_map(move |o| handler(o && with_ours)),
            0..3,
        ),
        prop::option::of("[a-z_|]{0,10}"),
    )
        .prop_map(|(hooks, matcher)| match matcher {
            Some(m) => json!({"matcher": m, "hooks": hooks}),
            None => json!({"hooks": hooks}),
        });
    let hooks = prop::collection::vec((event_name(), prop::collection::vec(group, 0..3)), 0..5)
        .prop_map(|events| {
            Value::Object(
                events
                    .into_iter()
                    .map(|(e, gs)| (e, Value::from(gs)))
                    .collect(),
            )
        });
    (
        prop::collection::vec(("[a-zA-Z0-9ü]{1,6}", json_value()), 0..4),
        prop::option::of(hooks),
        0usize..5,
    )
        .prop_map(|(keys, hooks, at)| {
            let mut pairs: Vec<(String, Value)> =
                keys.into_iter().filter(|(k, _)| k != "hooks").collect();
            if let Some(h) = hooks {
                pairs.insert(at.min(pairs.len()), ("hooks".into(), h));
            }
            Value::Object(pairs.into_iter().collect())
        })
}

/// What an install/uninstall round trip is allowed to drop: event lists of [`EVENTS`] that
/// were empty, then a `hooks` object left empty by that.
fn normalized(mut doc: Value) -> Value {
    if let Some(root) = doc.as_object_mut()
        && let Some(Value::Object(hooks)) = root.get_mut("hooks")
    {
        hooks.retain(|name, list| {
            let is_ours = EVENTS.iter().any(|s| s.name == name);
            !(is_ours && list.as_array().is_some_and(Vec::is_empty))
        });
        if hooks.is_empty() {
            root.shift_remove("hooks");
        }
    }
    doc
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn install_then_uninstall_gives_back_the_document(doc in settings(false)) {
        let (installed, _) = install(doc.clone(), CMD).unwrap();
        let (back, changed) = uninstall(installed);
        prop_assert_eq!(changed, Changed::Yes);
        prop_assert_eq!(text(&back), text(&normalized(doc)));
    }

    #[test]
    fn install_is_idempotent_and_registers_each_event_once(doc in settings(true)) {
        let (once, _) = install(doc, CMD).unwrap();
        let (twice, changed) = install(once.clone(), CMD).unwrap();
        prop_assert_eq!(changed, Changed::No);
        prop_assert_eq!(text(&twice), text(&once));
        let ours = ours(&once);
        prop_assert_eq!(ours.len(), EVENTS.len());
        for spec in EVENTS {
            let mine: Vec<_> = ours.iter().filter(|h| h.0 == spec.name).collect();
            prop_assert_eq!(mine.len(), 1);
            prop_assert_eq!(&mine[0].1.as_deref(), &spec.matcher);
            prop_assert_eq!(&mine[0].2, CMD);
        }
    }

    #[test]
    fn foreign_entries_and_other_keys_are_never_modified(doc in settings(true)) {
        let (installed, _) = install(doc.clone(), CMD).unwrap();
        let (removed, _) = uninstall(doc.clone());
        for after in [&installed, &removed] {
            prop_assert_eq!(foreign(after), foreign(&doc));
            for (k, v) in doc.as_object().unwrap() {
                if k != "hooks" {
                    prop_assert_eq!(text(&after[k]), text(v));
                }
            }
        }
        prop_assert!(ours(&removed).is_empty());
    }

    #[test]
    fn shell_quoting_round_trips(path in "\\PC{1,30}") {
        let cmd = format!("{} hook", shell_quote(&path));
        prop_assert_eq!(shell_word(cmd.strip_suffix(" hook").unwrap()), Some(path));
    }
}

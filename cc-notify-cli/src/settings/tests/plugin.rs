//! The plugin route: the files a checkout offers to `claude plugin marketplace add`, the
//! launcher its hooks run, and what `doctor` says when the plugin delivers.

use std::io::Write;
use std::process::{Command, Stdio};

use super::*;

/// The checkout's root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn json_file(rel: &str) -> Value {
    parse(&read(&root().join(rel)))
}

#[test]
fn plugin_hooks_file_is_generated_from_events() {
    let file = json_file("plugin/hooks/hooks.json");
    assert_eq!(
        text(&file),
        text(&plugin_hooks()),
        "plugin/hooks/hooks.json is stale; write it from settings::events::plugin_hooks()"
    );
    let events: Vec<&str> = file["hooks"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(events, EVENTS.iter().map(|s| s.name).collect::<Vec<_>>());
    assert!(ours(&file).iter().all(|h| h.2 == PLUGIN_COMMAND));
}

#[test]
fn the_checkout_is_a_marketplace_offering_the_plugin() {
    let market = json_file(".claude-plugin/marketplace.json");
    assert_eq!(market["name"], "cc-notify");
    assert!(market["owner"]["name"].is_string());
    let plugins = market["plugins"].as_array().unwrap();
    assert_eq!(plugins.len(), 1);
    assert_eq!(plugins[0]["name"], "cc-notify");
    // A subdirectory: Claude Code copies the whole source, and the checkout holds target/.
    let source = plugins[0]["source"].as_str().unwrap();
    assert_eq!(source, "./plugin");
    let manifest = parse(&read(
        &root().join(source).join(".claude-plugin/plugin.json"),
    ));
    assert_eq!(manifest["name"], "cc-notify");
    assert_eq!(manifest["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(manifest["license"], "MIT OR Apache-2.0");
    for text in [
        read(&root().join("plugin/.claude-plugin/plugin.json")),
        read(&root().join("plugin/hooks/hooks.json")),
        read(&root().join(".claude-plugin/marketplace.json")),
    ] {
        // The crate is not published: that advice cannot work.
        assert!(!text.contains("cargo install cc-notify-cli"), "{text}");
    }
}

/// Runs the plugin's launcher with `args`, `path` as PATH, `home` as HOME and `input` on
/// stdin; returns (exit code, stdout).
fn launch(path: &str, home: &Path, input: &[u8]) -> (Option<i32>, Vec<u8>) {
    let mut child = Command::new(root().join("plugin/hooks/cc-notify"))
        .arg("hook")
        .env_clear()
        .env("PATH", path)
        .env("HOME", home)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // A write to a launcher that does not read its input fails with EPIPE (SIGPIPE is
    // ignored under the test harness).
    let wrote = stdin.write_all(input);
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(
        wrote.is_ok(),
        "the launcher did not read its input: {wrote:?}"
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), out.stdout)
}

#[test]
fn the_launcher_without_a_binary_drains_its_input_and_succeeds_silently() {
    let home = tempfile::tempdir().unwrap();
    let input = vec![b'x'; 1 << 20];
    // Its own directory on PATH: it must not find (and run) itself.
    let path = format!("{}:/usr/bin:/bin", root().join("plugin/hooks").display());
    assert_eq!(launch(&path, home.path(), &input), (Some(0), Vec::new()));
}

#[test]
fn the_launcher_runs_cc_notify_from_path_else_from_cargo_bin() {
    let dir = tempfile::tempdir().unwrap();
    let fake = |at: &Path, name: &str| {
        fs::create_dir_all(at).unwrap();
        let bin = at.join("cc-notify");
        fs::write(
            &bin,
            format!("#!/bin/sh\nprintf '{name} %s ' \"$*\"\ncat\n"),
        )
        .unwrap();
        fs::set_permissions(&bin, fs::Permissions::from_mode(0o755)).unwrap();
    };
    let home = dir.path().join("home");
    fake(&home.join(".cargo/bin"), "cargo");
    let path = format!("{}:/usr/bin:/bin", root().join("plugin/hooks").display());
    assert_eq!(
        launch(&path, &home, b"{}"),
        (Some(0), b"cargo hook {}".to_vec())
    );
    fake(&dir.path().join("onpath"), "path");
    let path = format!("{}:{path}", dir.path().join("onpath").display());
    assert_eq!(
        launch(&path, &home, b"{}"),
        (Some(0), b"path hook {}".to_vec())
    );
    assert_eq!(
        plugin_binary(&|name| match name {
            "PATH" => Some(path.clone()),
            "HOME" => Some(home.to_string_lossy().into_owned()),
            _ => None,
        }),
        Some(dir.path().join("onpath/cc-notify")),
        "doctor searches where the launcher does"
    );
}

/// A Claude Code home: user settings, the installed-plugins record, the plugin's installed
/// copy (this checkout's hooks.json and launcher) and a project directory.
struct ClaudeHome {
    _dir: tempfile::TempDir,
    user: PathBuf,
    project: PathBuf,
    local: PathBuf,
    plugins: PathBuf,
    plugin_root: PathBuf,
}

impl ClaudeHome {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let claude = dir.path().join(".claude");
        let plugin_root = claude.join("plugins/cache/cc-notify/cc-notify/0.1.0");
        fs::create_dir_all(plugin_root.join("hooks")).unwrap();
        fs::copy(
            root().join("plugin/hooks/hooks.json"),
            plugin_root.join("hooks/hooks.json"),
        )
        .unwrap();
        fs::copy(
            root().join("plugin/hooks/cc-notify"),
            plugin_root.join("hooks/cc-notify"),
        )
        .unwrap();
        let plugins = claude.join("plugins");
        fs::write(
            plugins.join("installed_plugins.json"),
            json!({"version": 2, "plugins": {"cc-notify@cc-notify": [
                {"scope": "user", "installPath": plugin_root, "version": "0.1.0"}]}})
            .to_string(),
        )
        .unwrap();
        let project = dir.path().join("proj/.claude");
        fs::create_dir_all(&project).unwrap();
        ClaudeHome {
            user: claude.join("settings.json"),
            local: project.join("settings.local.json"),
            project: project.join("settings.json"),
            plugins,
            plugin_root,
            _dir: dir,
        }
    }

    fn settings(&self) -> Vec<PathBuf> {
        vec![self.user.clone(), self.project.clone(), self.local.clone()]
    }

    fn findings(&self, binary: Option<&Path>) -> Vec<(Level, String)> {
        findings(&self.settings(), Some(&self.plugins), None, binary)
            .into_iter()
            .map(|f| (f.level, f.what))
            .collect()
    }
}

fn enable(path: &Path, on: bool) {
    fs::write(
        path,
        json!({"enabledPlugins": {"cc-notify@cc-notify": on}}).to_string(),
    )
    .unwrap();
}

#[test]
fn doctor_counts_the_plugin_as_registered() {
    let home = ClaudeHome::new();
    let bin = Path::new("/usr/local/bin/cc-notify");
    let none = home.findings(Some(bin));
    assert!(
        none.iter()
            .any(|(l, w)| *l == Level::Fail && w.contains("not registered")),
        "{none:?}"
    );

    enable(&home.user, true);
    let found = home.findings(Some(bin));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, Level::Ok, "{found:?}");
    assert!(
        found[0].1.contains("plugin cc-notify@cc-notify")
            && found[0].1.contains(&bin.display().to_string()),
        "{found:?}"
    );

    // Without a binary the plugin delivers nothing: that is a failure, with the fix.
    let found = home.findings(None);
    assert!(
        found
            .iter()
            .any(|(l, w)| *l == Level::Fail && w.contains("finds no cc-notify binary")),
        "{found:?}"
    );

    // A later settings file has the last word.
    enable(&home.local, false);
    assert!(
        home.findings(Some(bin))
            .iter()
            .any(|(_, w)| w.contains("not registered"))
    );
}

#[test]
fn doctor_warns_when_both_the_plugin_and_install_run_the_hooks() {
    let home = ClaudeHome::new();
    enable(&home.user, true);
    install_file(&home.project, CMD, WRITE).unwrap();
    let found = home.findings(Some(Path::new("/usr/local/bin/cc-notify")));
    let warnings: Vec<_> = found.iter().filter(|(l, _)| *l == Level::Warn).collect();
    assert_eq!(warnings.len(), 1, "{found:?}");
    assert!(warnings[0].1.contains("twice"), "{found:?}");
}

#[test]
fn doctor_fails_a_plugin_enabled_but_not_installed_or_stale() {
    let home = ClaudeHome::new();
    enable(&home.user, true);
    let bin = Some(Path::new("/usr/local/bin/cc-notify"));

    // An installed copy from an older version, without some events.
    let hooks = home.plugin_root.join("hooks/hooks.json");
    let mut doc = parse(&read(&hooks));
    doc["hooks"].as_object_mut().unwrap().shift_remove("Stop");
    fs::write(&hooks, doc.to_string()).unwrap();
    let found = home.findings(bin);
    assert!(
        found
            .iter()
            .any(|(l, w)| *l == Level::Fail && w.contains("not registered for Stop")),
        "{found:?}"
    );

    fs::remove_dir_all(&home.plugin_root).unwrap();
    let found = home.findings(bin);
    assert!(
        found
            .iter()
            .any(|(l, w)| *l == Level::Fail && w.contains("but not installed")),
        "{found:?}"
    );
}

#[test]
fn a_plugin_from_a_directory_marketplace_is_read_in_place() {
    // Claude Code runs a plugin of a local-directory marketplace from that directory, not
    // from its cached copy (which `claude plugin update` leaves as it was).
    let home = ClaudeHome::new();
    enable(&home.user, true);
    let cached = home.plugin_root.join("hooks/hooks.json");
    fs::write(&cached, json!({"hooks": {}}).to_string()).unwrap();
    let bin = Some(Path::new("/usr/local/bin/cc-notify"));
    assert_eq!(home.findings(bin)[0].0, Level::Fail);

    fs::write(
        home.plugins.join("known_marketplaces.json"),
        json!({"cc-notify": {"source": {"source": "directory", "path": root()},
                              "installLocation": root()}})
        .to_string(),
    )
    .unwrap();
    let plugin = &enabled_plugins(&home.settings(), Some(&home.plugins))[0];
    assert_eq!(plugin.root, Some(root().join("./plugin")));
    let found = home.findings(bin);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, Level::Ok, "{found:?}");
}

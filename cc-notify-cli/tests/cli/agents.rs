//! Every coding agent from one command: `install` with no `--agent` registers cc-notify with
//! every agent found installed (its program on PATH or its config directory present), `--agent
//! all` with every supported one, `uninstall` removes it wherever it is registered, `setup` does
//! what `install` does, and `doctor` passes for someone who uses only another agent.
//!
//! Each test has a temp HOME and a PATH holding only its own fake agent programs.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cc_notify_testkit::pushover::{EXAMPLE_TOKEN, EXAMPLE_USER};

use super::harness::World;

/// Every file cc-notify writes for an agent, relative to HOME.
const FILES: [(&str, &str); 6] = [
    ("claude", ".claude/settings.json"),
    ("codex", ".codex/hooks.json"),
    ("gemini", ".gemini/settings.json"),
    ("copilot", ".copilot/settings.json"),
    ("opencode", ".config/opencode/plugins/cc-notify.js"),
    ("qwen", ".qwen/settings.json"),
];

struct Agents {
    world: World,
    home: PathBuf,
    bin: PathBuf,
}

impl Agents {
    fn new() -> Agents {
        let world = World::new("");
        let home = world.root.path().join("home");
        let bin = world.root.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        Agents { world, home, bin }
    }

    /// A fake agent program on PATH.
    fn program(&self, name: &str) {
        let path = self.bin.join(name);
        std::fs::write(&path, "#!/bin/sh\nexit 0\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// Writes `text` at `rel` under HOME (and its directories).
    fn write(&self, rel: &str, text: &str) {
        let path = self.home.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn file(&self, agent: &str) -> PathBuf {
        let rel = FILES.iter().find(|(a, _)| *a == agent).unwrap().1;
        self.home.join(rel)
    }

    fn read(&self, agent: &str) -> Option<String> {
        std::fs::read_to_string(self.file(agent)).ok()
    }

    /// Whether cc-notify's hook (or plugin) is in the agent's file.
    fn registered(&self, agent: &str) -> bool {
        self.read(agent).is_some_and(|t| t.contains("cc-notify"))
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = self.world.command(args);
        cmd.env("PATH", &self.bin);
        cmd
    }

    fn run(&self, args: &[&str]) -> (Option<i32>, String, String) {
        let out: Output = self.command(args).output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn snapshot(&self) -> Vec<(PathBuf, Option<String>)> {
        FILES
            .iter()
            .map(|(_, rel)| {
                let p = self.home.join(rel);
                let t = std::fs::read_to_string(&p).ok();
                (p, t)
            })
            .collect()
    }
}

fn exists(path: &Path) -> bool {
    path.symlink_metadata().is_ok()
}

#[test]
fn install_registers_every_agent_found_and_one_broken_file_stops_only_its_agent() {
    let a = Agents::new();
    a.program("gemini"); // on PATH
    a.write(".qwen/settings.json", "{\"theme\": \"dark\"}\n"); // its config dir
    a.write(".copilot/settings.json", "{\"hooks\": ["); // found, but broken
    let (code, out, err) = a.run(&["install"]);

    assert_eq!(
        code,
        Some(1),
        "a failed agent fails the command\n{out}{err}"
    );
    assert!(
        out.contains("agents found installed: Gemini CLI (")
            && out.contains("Qwen Code (")
            && out.contains("Copilot CLI ("),
        "{out}"
    );
    assert!(out.contains("Gemini CLI: cc-notify registered in"), "{out}");
    assert!(out.contains("Qwen Code: cc-notify registered in"), "{out}");
    assert!(
        err.contains("Copilot CLI: ") && err.contains("not valid JSON"),
        "{err}"
    );
    assert!(a.registered("gemini") && a.registered("qwen"));
    assert!(a.read("qwen").unwrap().contains("\"theme\": \"dark\""));
    assert_eq!(
        a.read("copilot").as_deref(),
        Some("{\"hooks\": ["),
        "the broken file is left as it was"
    );
    // Agents not found are not touched: not even Claude Code, since others were found.
    for agent in ["claude", "codex", "opencode"] {
        assert!(!exists(&a.file(agent)), "{agent} got a file\n{out}");
    }

    // Fixed, a second run completes, and a third changes nothing.
    a.write(".copilot/settings.json", "{}");
    let (code, out, err) = a.run(&["install"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains("Gemini CLI: cc-notify is already registered"),
        "{out}"
    );
    assert!(a.registered("copilot"));
    let before = a.snapshot();
    let (code, _, _) = a.run(&["install"]);
    assert_eq!(code, Some(0));
    assert_eq!(a.snapshot(), before, "install is idempotent");
}

#[test]
fn install_with_no_agent_found_registers_claude_code_as_before() {
    let a = Agents::new();
    let (code, out, err) = a.run(&["install"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("no coding agent found installed"), "{out}");
    assert!(
        out.contains("Claude Code: cc-notify's hooks registered in"),
        "{out}"
    );
    assert!(a.registered("claude"));
    for agent in ["codex", "gemini", "copilot", "opencode", "qwen"] {
        assert!(!exists(&a.file(agent)), "{agent} got a file");
    }
}

#[test]
fn codex_found_gets_its_trust_step_and_claude_flags_mean_claude_only() {
    let a = Agents::new();
    a.program("codex");
    let (code, out, _) = a.run(&["install"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("Codex: cc-notify registered in"), "{out}");
    assert!(out.contains("/hooks"), "the trust step is printed: {out}");

    // --project is Claude Code's: with no --agent, it means Claude Code only.
    let (code, out, err) = a.run(&["install", "--project"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        a.world.root.path().join(".claude/settings.json").exists(),
        "{out}"
    );
    let (code, _, err) = a.run(&["install", "--agent", "all", "--project"]);
    assert_eq!(code, Some(2), "{err}");
}

#[test]
fn agent_all_registers_every_agent_and_uninstall_removes_it_everywhere() {
    let a = Agents::new();
    a.write(".gemini/settings.json", "{\"theme\": \"dark\"}\n");
    let (code, out, err) = a.run(&["install", "--agent", "all"]);
    assert_eq!(code, Some(0), "{out}{err}");
    for (agent, _) in FILES {
        assert!(a.registered(agent), "{agent} not registered\n{out}");
    }

    // A dry run changes nothing.
    let before = a.snapshot();
    let (code, out, _) = a.run(&["uninstall", "--dry-run"]);
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(a.snapshot(), before, "a dry run wrote\n{out}");

    let (code, out, err) = a.run(&["uninstall"]);
    assert_eq!(code, Some(0), "{out}{err}");
    for (agent, _) in FILES {
        assert!(!a.registered(agent), "{agent} still registered\n{out}");
    }
    // Gemini's file is back as it was; the plugin file is gone.
    assert_eq!(a.read("gemini").as_deref(), Some("{\"theme\": \"dark\"}\n"));
    assert!(!exists(&a.file("opencode")));
    assert!(out.contains("OpenCode: cc-notify removed"), "{out}");

    // Nothing left anywhere: each agent says so, nothing is created.
    let (code, out, _) = a.run(&["uninstall"]);
    assert_eq!(code, Some(0));
    assert_eq!(
        out.matches("nothing to remove").count(),
        FILES.len(),
        "{out}"
    );
    assert!(!exists(&a.file("opencode")));
}

#[test]
fn uninstall_with_no_agent_goes_on_past_a_broken_file_and_fails() {
    let a = Agents::new();
    // Where nothing is registered, nothing is created.
    let (code, out, _) = a.run(&["uninstall"]);
    assert_eq!(code, Some(0), "{out}");
    for (agent, _) in FILES {
        assert!(!exists(&a.file(agent)), "{agent} got a file\n{out}");
    }
    let (code, _, _) = a.run(&["install", "--agent", "all"]);
    assert_eq!(code, Some(0));
    a.write(".qwen/settings.json", "not json");
    let (code, out, err) = a.run(&["uninstall"]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(
        err.contains("Qwen Code: ") && err.contains("not valid JSON"),
        "{err}"
    );
    assert_eq!(a.read("qwen").as_deref(), Some("not json"));
    for agent in ["claude", "codex", "gemini", "copilot", "opencode"] {
        assert!(!a.registered(agent), "{agent} still registered\n{out}");
    }
}

/// `doctor`'s lines that start with `mark` and mention `what`.
fn lines<'a>(doctor: &'a str, mark: &str, what: &str) -> Vec<&'a str> {
    doctor
        .lines()
        .filter(|l| l.starts_with(mark) && l.contains(what))
        .collect()
}

#[test]
fn doctor_passes_for_someone_who_uses_only_another_agent() {
    let a = Agents::new();
    a.program("gemini");
    a.program("qwen");
    let (code, _, _) = a.run(&["install", "--agent", "gemini"]);
    assert_eq!(code, Some(0));

    let (code, doctor, _) = a.run(&["doctor"]);
    assert_eq!(code, Some(0), "{doctor}");
    assert_eq!(
        lines(&doctor, "✓", "Gemini CLI: installed").len(),
        1,
        "{doctor}"
    );
    // Installed without cc-notify: a warning with the command that fixes it, not a failure.
    let qwen = lines(&doctor, "!", "Qwen Code: installed");
    assert_eq!(qwen.len(), 1, "{doctor}");
    assert!(
        doctor.contains("`cc-notify install --agent qwen`"),
        "{doctor}"
    );
    assert!(
        lines(&doctor, "•", "Copilot CLI: not installed").len() == 1,
        "{doctor}"
    );
    assert!(!doctor.contains("✗"), "{doctor}");

    // With cc-notify registered nowhere, doctor fails and says how to fix it.
    let (code, _, _) = a.run(&["uninstall", "--agent", "gemini"]);
    assert_eq!(code, Some(0));
    let (code, doctor, _) = a.run(&["doctor"]);
    assert_eq!(code, Some(1), "{doctor}");
    assert_eq!(
        lines(&doctor, "✗", "not registered with any coding agent").len(),
        1,
        "{doctor}"
    );
}

#[test]
fn setup_registers_every_agent_found_installed() {
    let a = Agents::new();
    // No keys yet; the Pushover stand-in checks the ones given.
    a.world.write_config(&format!(
        "[pushover]\napi_url = \"{}\"\n",
        a.world.fake.url()
    ));
    a.program("opencode");
    a.write(".codex/config.toml", "model = \"o3\"\n");
    let (code, out, err) = a.run(&[
        "setup",
        "--no-input",
        "--pushover-token",
        EXAMPLE_TOKEN,
        "--pushover-user",
        EXAMPLE_USER,
    ]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains("✓ hooks registered with every coding agent found installed"),
        "{out}"
    );
    assert!(a.registered("opencode") && a.registered("codex"), "{out}");
    assert!(
        !exists(&a.file("claude")),
        "Claude Code was not found\n{out}"
    );
    assert_eq!(
        std::fs::read_to_string(a.home.join(".codex/config.toml")).unwrap(),
        "model = \"o3\"\n"
    );
}

//! The hook events cc-notify registers with Claude Code: one table for `install` and for the
//! plugin's `hooks/hooks.json`.

use serde_json::{Value, json};

/// One hook event cc-notify registers, with its matcher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventSpec {
    /// The event's name in Claude Code's settings.
    pub name: &'static str,
    /// The matcher, when the event should not fire for everything.
    pub matcher: Option<&'static str>,
}

const fn every(name: &'static str) -> EventSpec {
    EventSpec {
        name,
        matcher: None,
    }
}

/// The events cc-notify listens to: the single source of truth for `install` and the plugin.
/// A test steps every Claude Code event through the engine and checks that each one it acts on
/// is here.
pub const EVENTS: &[EventSpec] = &[
    every("SessionStart"),
    every("UserPromptSubmit"),
    every("PostToolUse"),
    every("PostToolUseFailure"),
    every("PostToolBatch"),
    EventSpec {
        name: "Notification",
        matcher: Some("permission_prompt|idle_prompt|elicitation_dialog|elicitation_url_dialog"),
    },
    every("Stop"),
    every("StopFailure"),
    // Pushes for finished subagents (`subagent_pushes`); compaction agents are ignored.
    every("SubagentStop"),
    every("SessionEnd"),
];

/// Seconds Claude Code gives each hook run before killing it.
pub const HOOK_TIMEOUT_SECS: u64 = 10;

#[cfg(test)]
/// The command of the plugin's hooks: the launcher the plugin ships, which runs the cc-notify
/// binary it finds (see `plugin/hooks/cc-notify`).
pub const PLUGIN_COMMAND: &str = "\"${CLAUDE_PLUGIN_ROOT}/hooks/cc-notify\" hook";

#[cfg(test)]
/// What the plugin's `hooks/hooks.json` says about itself.
pub const PLUGIN_DESCRIPTION: &str = "Push notifications to your phone when a turn ends, fails or \
     needs input, only when you have walked away. Runs the cc-notify binary on PATH or in \
     ~/.cargo/bin (build it with scripts/install.sh --no-register); without one it does nothing.";

/// The matcher group cc-notify registers for `spec`.
pub(super) fn our_group(spec: &EventSpec, command: &str) -> Value {
    let handler = json!({"type": "command", "command": command, "timeout": HOOK_TIMEOUT_SECS});
    match spec.matcher {
        Some(m) => json!({"matcher": m, "hooks": [handler]}),
        None => json!({"hooks": [handler]}),
    }
}

#[cfg(test)]
/// The settings `hooks` object registering every [`EVENTS`] entry with `command`.
pub fn hooks_object(command: &str) -> Value {
    EVENTS
        .iter()
        .map(|spec| (spec.name.to_owned(), json!([our_group(spec, command)])))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

#[cfg(test)]
/// The plugin's `hooks/hooks.json`: [`hooks_object`] running the plugin's launcher.
pub fn plugin_hooks() -> Value {
    json!({"description": PLUGIN_DESCRIPTION, "hooks": hooks_object(PLUGIN_COMMAND)})
}

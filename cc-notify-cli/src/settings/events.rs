//! The hook events cc-notify registers with Claude Code: one table for `install` and for the
//! [plugin](super::plugin)'s `hooks/hooks.json`.

use serde_json::{Value, json};

/// One hook event cc-notify registers, with its matcher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventSpec {
    /// The event's name in Claude Code's settings.
    pub name: &'static str,
    /// The matcher, when the event should not fire for everything.
    pub matcher: Option<&'static str>,
    /// Seconds Claude Code gives the hook run before killing it.
    pub timeout: u64,
}

const fn every(name: &'static str) -> EventSpec {
    EventSpec {
        name,
        matcher: None,
        timeout: HOOK_TIMEOUT_SECS,
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
        timeout: HOOK_TIMEOUT_SECS,
    },
    // Answered from the phone only with `[approvals] enabled`; otherwise (and whenever the
    // user is at the keyboard) the run returns at once, printing nothing.
    EventSpec {
        name: "PermissionRequest",
        matcher: None,
        timeout: APPROVAL_HOOK_TIMEOUT_SECS,
    },
    every("Stop"),
    every("StopFailure"),
    // Pushes for finished subagents (`subagent_pushes`); compaction agents are ignored.
    every("SubagentStop"),
    every("SessionEnd"),
];

/// Seconds Claude Code gives each hook run before killing it.
pub const HOOK_TIMEOUT_SECS: u64 = 10;

/// Seconds Claude Code gives the `PermissionRequest` run: above the longest `[approvals]
/// timeout` (300 s) plus the time to send and withdraw the phone prompt. Past it Claude Code
/// shows its own dialog, which is what the hook's abstaining means anyway.
pub const APPROVAL_HOOK_TIMEOUT_SECS: u64 = 330;

/// The matcher group cc-notify registers for `spec`.
pub(super) fn our_group(spec: &EventSpec, command: &str) -> Value {
    let handler = json!({"type": "command", "command": command, "timeout": spec.timeout});
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

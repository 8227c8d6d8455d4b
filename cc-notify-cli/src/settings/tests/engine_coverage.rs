//! Every event the engine acts on is registered: found by stepping each Claude Code event
//! through the engine, not from a second list kept by hand.

use cc_notify_core::agent::claude;
use cc_notify_core::engine::{self, Context, EngineConfig, HeadlessPolicy};
use cc_notify_core::event::Event;
use cc_notify_core::state::SessionState;

use super::*;

/// Claude Code 2.1.328's hook events.
const CLAUDE_CODE_EVENTS: &[&str] = &[
    "PreToolUse",
    "PermissionRequest",
    "PermissionDenied",
    "PostToolUse",
    "PostToolUseFailure",
    "PostToolBatch",
    "UserPromptSubmit",
    "UserPromptExpansion",
    "SessionStart",
    "SessionEnd",
    "Stop",
    "StopFailure",
    "SubagentStart",
    "SubagentStop",
    "PreCompact",
    "PostCompact",
    "PreModelSwitch",
    "PostModelSwitch",
    "Notification",
    "Setup",
    "TeammateIdle",
    "TaskCreated",
    "TaskCompleted",
    "Elicitation",
    "ElicitationResult",
    "ConfigChange",
    "WorktreeCreate",
    "WorktreeRemove",
    "InstructionsLoaded",
    "CwdChanged",
    "FileChanged",
    "DirectoryAdded",
    "MessageDisplay",
];

/// Claude Code 2.1.328's `notification_type`s.
const NOTIFICATION_TYPES: &[&str] = &[
    "permission_prompt",
    "idle_prompt",
    "auth_success",
    "auth_storage_failure",
    "elicitation_dialog",
    "elicitation_url_dialog",
    "elicitation_complete",
    "elicitation_response",
    "worker_permission_prompt",
    "agent_needs_input",
    "agent_completed",
    "plugin_notification",
    "push_notification",
    "computer_use_exit",
];

/// Every engine feature that reacts to events switched on.
fn everything_on() -> EngineConfig {
    EngineConfig {
        subagent_pushes: true,
        progress: true,
        headless: HeadlessPolicy::Notify,
        rate_limit: std::time::Duration::ZERO,
        ..EngineConfig::default()
    }
}

/// An event carrying every field some event is read for, so no field's absence hides an arm.
fn event(name: &str, notification_type: &str, in_subagent: bool) -> Event {
    let mut raw = json!({
        "session_id": "s", "hook_event_name": name, "cwd": "/p", "prompt_id": "p1",
        "agent_type": "general-purpose", "source": "startup", "prompt": "hi",
        "tool_name": "Bash", "error": "boom", "is_interrupt": false,
        "tool_calls": [{"tool_name": "Bash", "tool_response": "<tool_use_error>x</tool_use_error>"}],
        "notification_type": notification_type, "message": "Claude needs your permission",
        "stop_hook_active": false, "last_assistant_message": "All done.",
        "background_tasks": [], "trigger": "manual", "reason": "prompt_input_exit",
    });
    if in_subagent {
        raw["agent_id"] = json!("a1");
    }
    claude::parse(raw.to_string().as_bytes()).unwrap()
}

/// Session states in which an event could matter: new, in a turn, and with a finished turn's
/// push pending. (A pending needs-input push is answered by any event at all; the registered
/// ones cover every way a person answers, so that state would only list every event.)
fn states() -> Vec<SessionState> {
    let cfg = everything_on();
    let ctx = Context {
        now_ms: 1_000,
        ..Context::default()
    };
    let fresh = SessionState::default();
    let (in_turn, _) = engine::step(
        fresh.clone(),
        &event("UserPromptSubmit", "", false),
        &ctx,
        &cfg,
    );
    let (pending, actions) = engine::step(in_turn.clone(), &event("Stop", "", false), &ctx, &cfg);
    assert!(
        !actions.is_empty(),
        "the Stop scheduled nothing: {actions:?}"
    );
    vec![fresh, in_turn, pending]
}

fn acts_on(name: &str, notification_type: &str) -> bool {
    let cfg = everything_on();
    let ctx = Context {
        now_ms: 60_000,
        ..Context::default()
    };
    states().into_iter().any(|state| {
        [false, true].into_iter().any(|in_subagent| {
            let e = event(name, notification_type, in_subagent);
            let (after, actions) = engine::step(state.clone(), &e, &ctx, &cfg);
            after != state || !actions.is_empty()
        })
    })
}

#[test]
fn every_event_the_engine_acts_on_is_registered() {
    let registered: Vec<&str> = EVENTS.iter().map(|s| s.name).collect();
    let acted: Vec<&str> = CLAUDE_CODE_EVENTS
        .iter()
        .copied()
        .filter(|name| acts_on(name, "permission_prompt"))
        .collect();
    assert!(
        acted.contains(&"Stop") && acted.contains(&"UserPromptSubmit"),
        "the probe does not see the engine act: {acted:?}"
    );
    for name in &acted {
        assert!(
            registered.contains(name),
            "the engine acts on {name}, but install does not register it"
        );
    }
    // And the plugin registers exactly the same (its file is generated from EVENTS, which
    // `plugin_hooks_file_is_generated_from_events` checks against the committed file).
    let plugin: Vec<String> = plugin_hooks()["hooks"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(plugin, registered);
}

#[test]
fn every_notification_the_engine_acts_on_passes_the_matcher() {
    let spec = EVENTS.iter().find(|s| s.name == "Notification").unwrap();
    let matched: Vec<&str> = spec.matcher.map_or(Vec::new(), |m| m.split('|').collect());
    let acted: Vec<&str> = NOTIFICATION_TYPES
        .iter()
        .copied()
        .filter(|t| acts_on("Notification", t))
        .collect();
    assert!(acted.contains(&"permission_prompt"), "{acted:?}");
    for t in acted {
        assert!(
            spec.matcher.is_none() || matched.contains(&t),
            "the engine acts on Notification({t}), but the matcher filters it out"
        );
    }
}

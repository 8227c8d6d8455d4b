//! Every payload captured from the real agents (tests/data/agents/, see its README) decodes to
//! the neutral event it means, with the agent named explicitly and with the agent detected from
//! the payload alone; unknown fields and events are tolerated.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use std::path::Path;

use cc_notify_core::agent::{copilot, select};
use cc_notify_core::event::{Agent, EventKind, InputNeed};
use proptest::prelude::*;
use serde_json::{Value, json};

/// One captured hook run.
struct Capture {
    via: String,
    payload: Value,
}

fn captures(agent: &str, scenario: &str) -> Vec<Capture> {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/agents")
        .join(agent)
        .join(format!("{scenario}.jsonl"));
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file:?}: {e}"));
    text.lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).expect("capture line is JSON");
            Capture {
                via: v["via"].as_str().expect("via").to_owned(),
                payload: v["payload"].clone(),
            }
        })
        .collect()
}

/// A short label of what an event means to the engine.
fn label(kind: &EventKind) -> String {
    match kind {
        EventKind::SessionStarted { .. } => "session-start".into(),
        EventKind::TurnStarted => "prompt".into(),
        EventKind::TurnContinued => "continued".into(),
        EventKind::ToolStarting { .. } => "tool".into(),
        EventKind::PermissionAsked { .. } => "asked".into(),
        EventKind::ToolSucceeded { .. } => "tool-ok".into(),
        EventKind::ToolFailed { .. } => "tool-failed".into(),
        EventKind::NeedsInput {
            need: InputNeed::Permission,
            ..
        } => "needs-permission".into(),
        EventKind::NeedsInput { .. } => "needs-other".into(),
        EventKind::Notice { .. } => "notice".into(),
        EventKind::TurnEnded { reply, .. } => format!("end: {}", reply.as_deref().unwrap_or("-")),
        EventKind::ApiError { .. } => "api-error".into(),
        EventKind::Compacting { .. } => "compacting".into(),
        EventKind::SessionEnded { reason } => format!("session-end {}", reason.user_at_keyboard()),
        EventKind::Unknown => "unknown".into(),
        other => format!("{other:?}"),
    }
}

/// Decodes a capture with `agent` named, checks detection agrees, and labels it.
fn decode(agent: Agent, c: &Capture) -> String {
    let bytes = serde_json::to_vec(&c.payload).expect("serialises");
    let decoded = if c.via == "argv" {
        select::decode_argument(&bytes)
    } else {
        let detected = select::detect(&bytes).expect("detects");
        assert_eq!(detected, agent, "detected agent of {}", c.payload);
        select::decode(Some(agent), &bytes)
    }
    .unwrap_or_else(|e| panic!("{e}: {}", c.payload));
    assert_eq!(decoded.event.agent, agent);
    assert!(!decoded.event.session_id.is_empty());
    label(&decoded.event.kind)
}

fn labels(agent: Agent, scenario: &str) -> Vec<String> {
    captures(agent.id(), scenario)
        .iter()
        .map(|c| decode(agent, c))
        .collect()
}

#[test]
fn codex_exec_plain_turn_ends_once_per_channel_with_the_reply() {
    assert_eq!(
        labels(Agent::Codex, "plain"),
        [
            "session-start",
            "prompt",
            "end: Hello from codex.",
            "end: Hello from codex.",
            "session-end false"
        ]
    );
}

#[test]
fn codex_failing_command_is_known_only_as_a_finished_tool() {
    // Codex reports no failure: the push says less (a Done with the reply), not a failure.
    let got = labels(Agent::Codex, "tool-fails");
    assert_eq!(
        got[2..5],
        [
            "tool",
            "tool-ok",
            "end: The directory does not exist, so the listing failed."
        ]
    );
}

#[test]
fn codex_api_error_is_a_prompt_without_an_end() {
    assert_eq!(
        labels(Agent::Codex, "api-error"),
        ["session-start", "prompt", "session-end false"]
    );
}

#[test]
fn codex_tui_permission_request_needs_input_and_title_thread_notify_is_ignored() {
    assert_eq!(
        labels(Agent::Codex, "tui-permission"),
        [
            "session-start",
            "prompt",
            "tool",
            // The title generator's side thread: not a turn end.
            "unknown",
            "needs-permission",
            // Interrupt: the dialog was cancelled.
            "unknown",
            "prompt",
            "end: Second prompt.",
            // The TUI's notify for the real turn: the Stop hook already reported it.
            "unknown",
            "session-end false"
        ]
    );
}

#[test]
fn gemini_after_agent_carries_the_reply_and_exit_is_not_the_user() {
    assert_eq!(
        labels(Agent::Gemini, "plain"),
        [
            "session-start",
            "prompt",
            "compacting",
            "end: Hello from gemini.",
            // `-p` ends with reason "exit" too: not taken as the user at the keyboard.
            "session-end false"
        ]
    );
}

#[test]
fn gemini_failing_shell_command_is_a_tool_failure() {
    let got = labels(Agent::Gemini, "tool-fails");
    assert!(got.contains(&"tool-failed".to_owned()), "{got:?}");
    assert!(!labels(Agent::Gemini, "tool").contains(&"tool-failed".to_owned()));
}

#[test]
fn gemini_tool_permission_notification_needs_input_and_cancelled_turn_has_no_end() {
    let got = labels(Agent::Gemini, "tui-permission");
    let ask = got
        .iter()
        .position(|l| l == "needs-permission")
        .expect("asked");
    let next = got[ask..]
        .iter()
        .position(|l| l == "prompt")
        .expect("next prompt")
        + ask;
    assert!(
        !got[ask..next].iter().any(|l| l.starts_with("end:")),
        "the cancelled turn has no end: {got:?}"
    );
    assert_eq!(
        got[next..]
            .iter()
            .find(|l| l.starts_with("end:"))
            .map(String::as_str),
        Some("end: Second prompt.")
    );
}

#[test]
fn gemini_permission_push_says_what_is_asked() {
    let asked = captures("gemini", "tui-permission")
        .into_iter()
        .find(|c| c.payload["hook_event_name"] == "Notification")
        .expect("a Notification");
    let ev = select::decode(Some(Agent::Gemini), asked.payload.to_string().as_bytes())
        .unwrap()
        .event;
    assert!(
        matches!(&ev.kind, EventKind::NeedsInput { message: Some(m), .. } if m == "touch ../cc-notify-e2e-outside.txt"),
        "{ev:?}"
    );
}

#[test]
fn copilot_agent_stop_and_stop_both_end_the_turn_without_reply() {
    assert_eq!(
        labels(Agent::Copilot, "plain"),
        [
            "session-start",
            "prompt",
            "end: -",
            "end: -",
            "session-end false"
        ]
    );
}

#[test]
fn copilot_permission_request_under_allow_all_is_not_a_question() {
    let got = labels(Agent::Copilot, "tool-fails");
    assert_eq!(got[2..5], ["tool", "asked", "tool-ok"]);
}

#[test]
fn copilot_retries_are_notices_and_the_error_end_is_an_api_error() {
    let got = labels(Agent::Copilot, "api-error");
    assert_eq!(got.iter().filter(|l| *l == "notice").count(), 6);
    assert_eq!(got.last().map(String::as_str), Some("api-error"));
}

#[test]
fn copilot_reply_comes_from_its_session_file() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/agents/copilot/tool-fails.events.jsonl");
    assert_eq!(
        copilot::read_reply(&file).as_deref(),
        Some("The directory does not exist, so the listing failed.")
    );
    let stop = &captures("copilot", "tool-fails")[5].payload;
    let decoded = select::decode(Some(Agent::Copilot), stop.to_string().as_bytes()).unwrap();
    assert!(
        decoded.reply_file.is_some(),
        "agentStop names its session file"
    );
}

#[test]
fn qwen_is_claude_shaped_with_a_notice_at_start() {
    assert_eq!(
        labels(Agent::Qwen, "plain"),
        ["session-start", "notice", "prompt", "end: Hello from qwen."]
    );
    let got = labels(Agent::Qwen, "tool-fails");
    assert_eq!(got[3..5], ["tool", "tool-failed"]);
    assert_eq!(
        labels(Agent::Qwen, "api-error"),
        ["session-start", "notice", "prompt"]
    );
}

#[test]
fn opencode_idle_ends_the_turn_and_permission_asked_needs_input() {
    let plain = labels(Agent::OpenCode, "plain");
    assert_eq!(plain.last().map(String::as_str), Some("end: -"));
    let permission = labels(Agent::OpenCode, "permission");
    let ask = permission
        .iter()
        .position(|l| l == "needs-permission")
        .expect("asked");
    assert!(permission[ask..].iter().any(|l| l == "end: -"));
    let fails = labels(Agent::OpenCode, "tool-fails");
    assert!(fails.contains(&"prompt".to_owned()));
    // `ls` exiting 2 is a completed tool for OpenCode.
    assert!(fails.contains(&"tool-ok".to_owned()));
}

/// Every captured stdin/plugin payload of every agent.
fn all_payloads() -> Vec<(Agent, Value)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/agents");
    let mut out = Vec::new();
    for agent in [
        Agent::Codex,
        Agent::Gemini,
        Agent::Copilot,
        Agent::OpenCode,
        Agent::Qwen,
    ] {
        let dir = root.join(agent.id());
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.extension().is_some_and(|e| e == "jsonl")
                    && !p.to_string_lossy().ends_with(".events.jsonl")
            })
            .collect();
        files.sort();
        for f in files {
            let scenario = f.file_stem().unwrap().to_string_lossy().into_owned();
            for c in captures(agent.id(), &scenario) {
                if c.via != "argv" {
                    out.push((agent, c.payload));
                }
            }
        }
    }
    out
}

#[test]
fn captures_cover_every_agent() {
    let all = all_payloads();
    for agent in [
        Agent::Codex,
        Agent::Gemini,
        Agent::Copilot,
        Agent::OpenCode,
        Agent::Qwen,
    ] {
        assert!(
            all.iter().filter(|(a, _)| *a == agent).count() >= 5,
            "{agent:?}"
        );
    }
}

proptest! {
    #[test]
    fn unknown_fields_change_nothing(index in any::<prop::sample::Index>(),
                                     key in "[a-z_]{1,12}", value in any::<i64>()) {
        let all = all_payloads();
        let (agent, payload) = &all[index.index(all.len())];
        let mut extended = payload.clone();
        let obj = extended.as_object_mut().unwrap();
        prop_assume!(!obj.contains_key(&key));
        obj.insert(key, json!({"nested": [value, "x"]}));
        let plain = select::decode(Some(*agent), payload.to_string().as_bytes()).unwrap();
        let more = select::decode(Some(*agent), extended.to_string().as_bytes()).unwrap();
        prop_assert_eq!(plain, more);
    }

    #[test]
    fn unknown_event_names_are_unknown_not_errors(index in any::<prop::sample::Index>(),
                                                  name in "[A-Z][a-zA-Z]{3,15}X") {
        let all = all_payloads();
        let (agent, payload) = &all[index.index(all.len())];
        let mut renamed = payload.clone();
        let obj = renamed.as_object_mut().unwrap();
        let key = if obj.contains_key("hook_event_name") { "hook_event_name" }
                  else if obj.contains_key("type") && *agent == Agent::OpenCode { "type" }
                  else { return Ok(()) };
        obj.insert(key.to_owned(), json!(name));
        let ev = select::decode(Some(*agent), renamed.to_string().as_bytes()).unwrap().event;
        prop_assert_eq!(&ev.kind, &EventKind::Unknown);
        prop_assert_eq!(ev.name(), name.as_str());
    }

    #[test]
    fn arbitrary_objects_never_panic(agent in prop::sample::select(Agent::ALL.to_vec()),
                                     keys in prop::collection::vec("[a-zA-Z_]{1,10}", 0..6),
                                     text in ".{0,20}") {
        let mut obj = serde_json::Map::new();
        for k in keys { obj.insert(k, json!(text)); }
        let bytes = Value::Object(obj).to_string();
        let _ = select::decode(Some(agent), bytes.as_bytes());
        let _ = select::decode(None, bytes.as_bytes());
        let _ = select::decode_argument(bytes.as_bytes());
    }
}

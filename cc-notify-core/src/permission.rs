//! A permission dialog answered from the phone: the pure decisions around
//! [`approval`](crate::approval) — what was asked ([`PermissionAsk`]), whether it may be
//! answered remotely at all, what the phone is shown, what the hook prints for a decision
//! ([`output`]), which later events of the session end the request ([`ends_request`]), and
//! whether the user is away from the keyboard ([`presence`]).
//!
//! Nothing here allows on its own: [`output`] turns a [`Decision`] into the only JSON that
//! decides, and a decision exists only once [`PendingRequest`](crate::approval::PendingRequest)
//! has verified an answer's MAC.

use serde_json::{Value, json};

use crate::activity::{Certainty, Reading};
use crate::approval::Decision;
use crate::event::{Event, EventKind};

/// Tools whose dialog is not a yes/no question (they have their own UI, which a forced answer
/// would swallow): never answered from the phone.
pub const NOT_ANSWERABLE: [&str; 2] = ["AskUserQuestion", "ExitPlanMode"];

/// Where Claude Code accepts an `updatedPermissions` entry; any other is rejected.
pub const DESTINATIONS: [&str; 5] = [
    "userSettings",
    "projectSettings",
    "localSettings",
    "session",
    "cliArg",
];

/// The top-level fields of a `PermissionRequest` that [`PermissionAsk::parse`] reads.
pub const FIELDS: [&str; 3] = ["tool_name", "tool_input", "permission_suggestions"];

/// What the agent asks permission for.
#[derive(Debug, Clone, PartialEq)]
pub struct PermissionAsk {
    /// The tool (`Bash`, `Write`, `mcp__server__tool`, …).
    pub tool_name: String,
    /// Its input as the agent will run it.
    pub tool_input: Value,
    /// The permission rules the agent suggested ("always allow"), as it sent them.
    pub suggestions: Vec<Value>,
}

impl PermissionAsk {
    /// Reads a `PermissionRequest` hook document; `None` unless it has a tool name.
    pub fn parse(doc: &[u8]) -> Option<PermissionAsk> {
        let v: Value = serde_json::from_slice(doc).ok()?;
        let tool_name = v.get("tool_name")?.as_str()?.to_owned();
        let suggestions = match v.get("permission_suggestions") {
            Some(Value::Array(list)) => list.clone(),
            _ => Vec::new(),
        };
        Some(PermissionAsk {
            tool_name,
            tool_input: v.get("tool_input").cloned().unwrap_or(Value::Null),
            suggestions,
        })
    }

    /// Whether the phone may answer this dialog (see [`NOT_ANSWERABLE`]).
    pub fn answerable(&self) -> bool {
        !self.tool_name.is_empty() && !NOT_ANSWERABLE.contains(&self.tool_name.as_str())
    }

    /// Whether "always allow" may be offered: the agent suggested at least one rule and every
    /// one has a destination Claude Code accepts (so exactly those rules would be applied).
    pub fn always_offered(&self) -> bool {
        !self.suggestions.is_empty()
            && self.suggestions.iter().all(|s| {
                s.get("destination")
                    .and_then(Value::as_str)
                    .is_some_and(|d| DESTINATIONS.contains(&d))
            })
    }

    /// The exact thing asked for: the command of a `Bash`, the path of a file tool, the URL
    /// of a fetch, else the tool's input as compact JSON. Not redacted: the caller redacts.
    pub fn what(&self) -> String {
        let field = |k: &str| self.tool_input.get(k).and_then(Value::as_str);
        let found = [
            "command",
            "file_path",
            "notebook_path",
            "path",
            "url",
            "pattern",
        ]
        .into_iter()
        .find_map(field);
        match found {
            Some(text) => text.to_owned(),
            None if self.tool_input.is_null() => String::new(),
            None => self.tool_input.to_string(),
        }
    }
}

/// What the hook prints for a phone decision: the `PermissionRequest` answer Claude Code
/// reads. "Always allow" applies exactly the agent's suggested rules; a deny carries
/// `deny_message` (shown to the agent as the tool's result).
pub fn output(decision: Decision, ask: &PermissionAsk, deny_message: &str) -> String {
    let decision = match decision {
        Decision::Allow => json!({"behavior": "allow"}),
        Decision::AlwaysAllow => {
            json!({"behavior": "allow", "updatedPermissions": ask.suggestions})
        }
        Decision::Deny => json!({"behavior": "deny", "message": deny_message}),
    };
    json!({"hookSpecificOutput": {"hookEventName": "PermissionRequest", "decision": decision}})
        .to_string()
}

/// Whether `later`, an event of the same session arriving while a request for `tool_name`
/// waits, means the dialog was answered at the keyboard or the session moved on: the tool
/// ran or failed, the round of tools finished, a prompt was sent, the turn or session ended.
/// A `Notification` (Claude Code's own "needs permission" after 6 s) and another
/// `PermissionRequest` (which replaces this one) are not answers.
pub fn ends_request(later: &Event, tool_name: &str) -> bool {
    match &later.kind {
        EventKind::ToolSucceeded { tool_name: t } | EventKind::ToolFailed { tool_name: t, .. } => {
            t == tool_name
        }
        EventKind::ToolRoundFinished { .. }
        | EventKind::TurnStarted
        | EventKind::TurnContinued
        | EventKind::TurnEnded { .. }
        | EventKind::ApiError { .. }
        | EventKind::SessionStarted { .. }
        | EventKind::SessionEnded { .. } => true,
        _ => false,
    }
}

/// How a phone approval ended, as far as the needs-input push is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The phone answered: the dialog is closed, nobody needs to be told it waits.
    Decided,
    /// The dialog was answered at the keyboard (or the session moved on).
    AnsweredLocally,
    /// No answer came (timeout, a lost channel, an error after the prompt was sent): the
    /// dialog still waits, exactly as if cc-notify had not asked.
    NoAnswer,
}

/// Whether `event`, arriving while the phone is asked about a dialog of its session, is the
/// agent's own "a permission dialog waits" notice (Claude Code sends one about 6 s after the
/// dialog opened): the phone prompt already is that push, so the event is held back rather
/// than scheduling a second one. See [`replays_after`] for what becomes of it.
pub fn deferred_while_asking(event: &Event) -> bool {
    matches!(
        event.kind,
        EventKind::NeedsInput {
            need: crate::event::InputNeed::Permission,
            ..
        }
    )
}

/// Whether an event held back by [`deferred_while_asking`] — or, for an agent whose permission
/// request is itself its needs-input event (Codex), that request — is handled as usual once
/// the approval ended so: only when nobody answered, so the usual Needs-input push still
/// follows a dialog left to the keyboard.
pub fn replays_after(outcome: Outcome) -> bool {
    outcome == Outcome::NoAnswer
}

/// Whether the user is at the keyboard, from the readings the hook can take at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Some signal shows input within the window: abstain, the dialog is in front of them.
    Present,
    /// Every signal with an input time is older than the window, or one says "away now".
    Away,
    /// No signal could tell: abstain (never bother the phone on a guess).
    Unsure,
}

/// Judges `readings` taken at `now_ms`: [`Presence::Away`] when one is certain the user cannot
/// be at this screen, or when at least one has an input time and none is within `window_ms`
/// (widened by its resolution); [`Presence::Present`] when one is; else [`Presence::Unsure`].
pub fn presence(readings: &[Reading], now_ms: u64, window_ms: u64) -> Presence {
    if readings
        .iter()
        .any(|r| matches!(r.certainty, Certainty::AwayNow(_)))
    {
        return Presence::Away;
    }
    let mut any = false;
    for r in readings {
        let Some(input) = r.input else { continue };
        let Some(last) = input.activity.last_input_ms else {
            continue;
        };
        any = true;
        let window = window_ms.max(input.activity.resolution_ms) + input.jitter_ms;
        if now_ms.saturating_sub(last) < window {
            return Presence::Present;
        }
    }
    if any {
        Presence::Away
    } else {
        Presence::Unsure
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use crate::activity::{Activity, Input};

    fn ask(doc: &str) -> PermissionAsk {
        PermissionAsk::parse(doc.as_bytes()).unwrap()
    }

    #[test]
    fn the_exact_command_or_path_is_what_the_phone_shows() {
        let bash = ask(
            r#"{"tool_name":"Bash","tool_input":{"command":"rm -rf build","description":"clean"}}"#,
        );
        assert_eq!(bash.what(), "rm -rf build");
        let write =
            ask(r#"{"tool_name":"Write","tool_input":{"file_path":"/etc/x","content":"y"}}"#);
        assert_eq!(write.what(), "/etc/x");
        let mcp = ask(r#"{"tool_name":"mcp__db__query","tool_input":{"sql":"drop"}}"#);
        assert_eq!(mcp.what(), r#"{"sql":"drop"}"#);
        assert!(PermissionAsk::parse(b"{}").is_none());
        assert!(PermissionAsk::parse(b"not json").is_none());
        assert!(!ask(r#"{"tool_name":"AskUserQuestion"}"#).answerable());
        assert!(!ask(r#"{"tool_name":"ExitPlanMode"}"#).answerable());
        assert!(bash.answerable());
    }

    #[test]
    fn always_is_offered_only_for_suggested_rules_claude_code_accepts() {
        assert!(!ask(r#"{"tool_name":"Bash"}"#).always_offered());
        let good = r#"{"tool_name":"Bash","permission_suggestions":[{"type":"addRules","rules":[{"toolName":"Bash","ruleContent":"ls:*"}],"behavior":"allow","destination":"localSettings"}]}"#;
        let a = ask(good);
        assert!(a.always_offered());
        let out: Value = serde_json::from_str(&output(Decision::AlwaysAllow, &a, "")).unwrap();
        assert_eq!(
            out["hookSpecificOutput"]["decision"]["updatedPermissions"],
            json!(a.suggestions),
            "exactly the suggested rule"
        );
        let bad = good.replace("localSettings", "policySettings");
        assert!(!ask(&bad).always_offered());
    }

    #[test]
    fn output_is_claude_codes_decision_shape() {
        let a = ask(r#"{"tool_name":"Bash","permission_suggestions":[{"destination":"session"}]}"#);
        let allow: Value = serde_json::from_str(&output(Decision::Allow, &a, "m")).unwrap();
        assert_eq!(
            allow,
            json!({"hookSpecificOutput":{"hookEventName":"PermissionRequest","decision":{"behavior":"allow"}}})
        );
        let deny: Value = serde_json::from_str(&output(Decision::Deny, &a, "no")).unwrap();
        assert_eq!(
            deny["hookSpecificOutput"]["decision"],
            json!({"behavior":"deny","message":"no"})
        );
    }

    #[test]
    fn later_events_that_end_a_request() {
        let ev = |kind| Event::new(crate::event::Agent::Claude, "E", "s", kind);
        let tool = |t: &str| EventKind::ToolSucceeded {
            tool_name: t.into(),
        };
        assert!(ends_request(&ev(tool("Bash")), "Bash"));
        assert!(!ends_request(&ev(tool("Read")), "Bash"));
        assert!(ends_request(&ev(EventKind::TurnStarted), "Bash"));
        assert!(!ends_request(
            &ev(EventKind::NeedsInput {
                need: crate::event::InputNeed::Permission,
                message: None
            }),
            "Bash"
        ));
        assert!(!ends_request(
            &ev(EventKind::PermissionAsked {
                tool_name: "Bash".into()
            }),
            "Bash"
        ));
    }

    fn reading(last: Option<u64>, certainty: Certainty) -> Reading {
        Reading {
            probe: "t",
            input: last.map(|ms| Input {
                signal: "atime",
                activity: Activity {
                    last_input_ms: Some(ms),
                    resolution_ms: 1000,
                },
                jitter_ms: 0,
            }),
            certainty,
        }
    }

    #[test]
    fn away_needs_evidence_and_any_recent_input_means_present() {
        let now = 100_000;
        assert_eq!(presence(&[], now, 10_000), Presence::Unsure);
        assert_eq!(
            presence(
                &[reading(None, Certainty::Unknown("x".into()))],
                now,
                10_000
            ),
            Presence::Unsure
        );
        assert_eq!(
            presence(
                &[reading(Some(now - 60_000), Certainty::Nothing)],
                now,
                10_000
            ),
            Presence::Away
        );
        assert_eq!(
            presence(
                &[
                    reading(Some(now - 60_000), Certainty::Nothing),
                    reading(Some(now - 2_000), Certainty::Nothing)
                ],
                now,
                10_000
            ),
            Presence::Present
        );
        assert_eq!(
            presence(
                &[
                    reading(Some(now - 1_000), Certainty::Nothing),
                    reading(None, Certainty::AwayNow("no client"))
                ],
                now,
                10_000
            ),
            Presence::Away
        );
    }

    mod while_asking {
        use super::*;
        use crate::event::{Agent, InputNeed};
        use proptest::prelude::*;

        fn need(need: InputNeed) -> Event {
            Event::new(
                Agent::Claude,
                "Notification",
                "s",
                EventKind::NeedsInput {
                    need,
                    message: None,
                },
            )
        }

        fn outcome() -> impl Strategy<Value = Outcome> {
            prop_oneof![
                Just(Outcome::Decided),
                Just(Outcome::AnsweredLocally),
                Just(Outcome::NoAnswer)
            ]
        }

        fn input_need() -> impl Strategy<Value = InputNeed> {
            prop_oneof![
                Just(InputNeed::Permission),
                Just(InputNeed::Question),
                Just(InputNeed::OpenUrl),
                Just(InputNeed::Idle)
            ]
        }

        proptest! {
            /// Whatever notices arrive while the phone is asked, and however the approval ends:
            /// a permission notice never schedules a push beside the phone prompt; it is handled
            /// as usual (exactly once) when nobody answered, and never when someone did; every
            /// other notice is handled as usual at once.
            #[test]
            fn the_permission_notice_waits_for_the_approval_and_follows_only_a_missing_answer(
                notices in proptest::collection::vec(input_need(), 0..8),
                ended in outcome(),
            ) {
                let mut handled_now = 0;
                let mut held = Vec::new();
                for n in &notices {
                    let ev = need(*n);
                    if deferred_while_asking(&ev) {
                        held.push(ev);
                    } else {
                        prop_assert_ne!(*n, InputNeed::Permission);
                        handled_now += 1;
                    }
                }
                let permission = notices.iter().filter(|n| **n == InputNeed::Permission).count();
                prop_assert_eq!(handled_now, notices.len() - permission);
                let replayed = if replays_after(ended) { held.len() } else { 0 };
                match ended {
                    Outcome::NoAnswer => prop_assert_eq!(replayed, permission),
                    Outcome::Decided | Outcome::AnsweredLocally => prop_assert_eq!(replayed, 0),
                }
            }
        }
    }
}

//! The turn-state machine over whole sessions: property tests over generated event sequences,
//! and replays of the hook event order of real Claude Code 2.1.328 sessions.

use std::path::PathBuf;
use std::time::Duration;

use cc_notify_core::agent::claude;
use cc_notify_core::engine::{
    self, Action, Context, EngineConfig, FireVerdict, HeadlessPolicy, TranscriptFacts,
};
use cc_notify_core::event::{Agent, ApiErrorKind, EndReason, EventKind, InputNeed, ToolCall};
use cc_notify_core::state::{Pending, ProcessRef};
use cc_notify_core::{DecisionKind, Event, Kind, SessionState};
use proptest::prelude::*;

fn event(kind: EventKind, agent: bool) -> Event {
    let mut e = Event::new(Agent::Claude, "generated", "s", kind);
    e.cwd = Some(PathBuf::from("/home/dev/proj"));
    e.turn_id = Some("p".into());
    e.subagent = agent.then(|| "a1".to_owned());
    e
}

fn event_kind() -> impl Strategy<Value = EventKind> {
    let text = prop::option::of("[a-z ]{0,12}");
    let need = prop_oneof![
        Just(InputNeed::Permission),
        Just(InputNeed::Idle),
        Just(InputNeed::Question),
        Just(InputNeed::OpenUrl),
    ];
    let reason = prop_oneof![
        Just(EndReason::Cleared),
        Just(EndReason::LoggedOut),
        Just(EndReason::Exited),
        Just(EndReason::Resumed),
        Just(EndReason::Other("other".into())),
    ];
    prop_oneof![
        3 => prop_oneof![Just(EventKind::TurnStarted), Just(EventKind::TurnContinued)],
        1 => Just(EventKind::SessionStarted { source: Some("startup".into()) }),
        2 => Just(EventKind::ToolStarting { tool_name: "Bash".into() }),
        2 => Just(EventKind::ToolSucceeded { tool_name: "Bash".into() }),
        2 => Just(EventKind::ToolFailed { tool_name: "Bash".into(), error: None, interrupted: false }),
        1 => prop::collection::vec(any::<bool>(), 0..3).prop_map(|errs| EventKind::ToolRoundFinished {
            calls: errs.into_iter().map(|refused| ToolCall { tool_name: "Bash".into(), refused }).collect(),
        }),
        2 => (need, text.clone()).prop_map(|(need, message)| EventKind::NeedsInput { need, message }),
        1 => text.clone().prop_map(|message| EventKind::Notice { what: "auth_success".into(), message }),
        4 => (any::<bool>(), text.clone(), prop_oneof![3 => Just(0u32), 1 => 1u32..3]).prop_map(
            |(after_blocked_end, reply, background_running)| EventKind::TurnEnded {
                after_blocked_end, reply, background_running,
            }),
        1 => text.clone().prop_map(|message| EventKind::ApiError {
            error: ApiErrorKind::Overloaded, message,
        }),
        1 => ("(general-purpose)?", text).prop_map(|(agent_type, reply)| EventKind::SubagentEnded {
            agent_type, reply,
        }),
        1 => reason.prop_map(|reason| EventKind::SessionEnded { reason }),
    ]
}

/// One thing that happens to a session: a hook event, or its deliverer acting.
#[derive(Debug, Clone)]
enum Op {
    Event(Box<Event>),
    /// The deliverer of the pending push checks and sends (or drops) it.
    Deliver,
    /// The CLI attaches the spawned deliverer.
    Attach,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (event_kind(), prop::bool::weighted(0.15)).prop_map(|(k, agent)| Op::Event(Box::new(event(k, agent)))),
        1 => Just(Op::Deliver),
        1 => Just(Op::Attach),
    ]
}

fn config() -> impl Strategy<Value = EngineConfig> {
    (any::<bool>(), any::<bool>(), 0u64..30).prop_map(|(notify, subagents, rate)| EngineConfig {
        headless: if notify {
            HeadlessPolicy::Notify
        } else {
            HeadlessPolicy::Skip
        },
        subagent_pushes: subagents,
        rate_limit: Duration::from_secs(rate),
        ..EngineConfig::default()
    })
}

fn facts() -> impl Strategy<Value = Option<TranscriptFacts>> {
    prop::option::of(
        (
            prop::option::of("API Error: [0-9]{3}"),
            0u32..3,
            any::<bool>(),
        )
            .prop_map(
                |(api_error, tool_failures, last_tool_failed)| TranscriptFacts {
                    final_reply: Some("from the transcript".into()),
                    api_error,
                    tool_failures,
                    last_tool_failed,
                },
            ),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// The invariants the CLI relies on, over arbitrary sessions.
    #[test]
    fn pending_pushes_stay_consistent(
        ops in prop::collection::vec((op(), 0u64..120_000), 1..60),
        cfg in config(),
        silenced in any::<bool>(),
        headless in any::<bool>(),
        transcript in facts(),
    ) {
        let mut state = SessionState::default();
        let mut now = 1_000_000u64;
        // Pushes scheduled and not yet cancelled, delivered or dropped.
        let mut live: Vec<u64> = Vec::new();
        let mut last_id: Option<u64> = None;
        for (op, gap) in ops {
            now += gap;
            match op {
                Op::Deliver => {
                    if let Some(id) = state.pending.as_ref().map(|p| p.id) {
                        match engine::fire_check(&mut state, id, now, &cfg) {
                            FireVerdict::Fire(n) => engine::mark_delivered(&mut state, id, n.kind, now),
                            _ => prop_assert!(state.pending.as_ref().is_none_or(|p| p.id != id), "a push not fired is dropped"),
                        }
                        live.retain(|l| *l != id);
                    }
                }
                Op::Attach => {
                    if let Some(id) = state.pending.as_ref().map(|p| p.id) {
                        engine::attach_deliverer(&mut state, id, ProcessRef { pid: 9, start_time: id });
                    }
                }
                Op::Event(ev) => {
                    let ctx = Context {
                        now_ms: now,
                        silenced,
                        headless,
                        transcript: engine::needs(&state, &ev, &cfg).transcript.is_some().then(|| transcript.clone()).flatten(),
                        ..Context::default()
                    };
                    let before = state.pending.clone();
                    let (after, actions) = engine::step(state, &ev, &ctx, &cfg);
                    let cancels: Vec<(u64, Option<ProcessRef>)> = actions.iter().filter_map(|a| match a {
                        Action::Cancel { push_id, deliverer, .. } => Some((*push_id, *deliverer)),
                        _ => None,
                    }).collect();
                    let schedules: Vec<&Pending> = actions.iter().filter_map(|a| match a {
                        Action::Schedule(p) => Some(p),
                        _ => None,
                    }).collect();

                    // Every Cancel names the push that was pending, with its deliverer.
                    prop_assert!(cancels.len() <= 1);
                    if let Some(&(id, who)) = cancels.first() {
                        let b = before.as_ref();
                        prop_assert_eq!(Some(id), b.map(|p| p.id));
                        prop_assert_eq!(who, b.and_then(|p| p.deliverer));
                    }
                    // A pending push never vanishes without a Cancel.
                    if let Some(b) = &before
                        && after.pending.as_ref().map(|p| p.id) != Some(b.id)
                    {
                        prop_assert_eq!(cancels.first().map(|c| c.0), Some(b.id));
                    }
                    // A person's prompt always clears the pending push.
                    if matches!(ev.kind, EventKind::TurnStarted) {
                        prop_assert!(after.pending.is_none());
                    }
                    // Silenced sessions never push.
                    if silenced {
                        prop_assert!(schedules.is_empty());
                    }
                    prop_assert!(schedules.len() <= 1);
                    for p in &schedules {
                        prop_assert!(last_id.is_none_or(|l| p.id > l), "push ids grow");
                        last_id = Some(p.id);
                        prop_assert_eq!(after.pending.as_ref().map(|x| (x.id, x.kind())), Some((p.id, p.notification.kind)));
                        prop_assert_eq!(p.notification.kind == Kind::Error, p.delay().is_zero() && p.notification.kind == Kind::Error);
                    }
                    // A session end ends the session, and any later event resumes it; the state
                    // is finished once no push waits.
                    let is_end = matches!(ev.kind, EventKind::SessionEnded { .. });
                    prop_assert_eq!(after.ended, is_end);
                    prop_assert_eq!(after.finished(), is_end && after.pending.is_none());
                    for (id, _) in &cancels {
                        live.retain(|l| l != id);
                    }
                    live.extend(schedules.iter().map(|p| p.id));
                    state = after;
                }
            }
            // At most one pending push, and it is the one the state holds.
            prop_assert!(live.len() <= 1);
            prop_assert_eq!(live.first().copied(), state.pending.as_ref().map(|p| p.id));
        }
    }
}

/// Feeds hook payloads (as Claude Code sends them) through the engine, delivering each push
/// when it is due unless something cancelled it first.
struct Replay {
    state: SessionState,
    cfg: EngineConfig,
    headless: bool,
    /// Every push scheduled, in order.
    scheduled: Vec<Pending>,
    /// Pushes actually delivered: (kind, title).
    delivered: Vec<(Kind, String)>,
    records: Vec<DecisionKind>,
}

impl Replay {
    fn new() -> Self {
        Replay {
            state: SessionState::default(),
            cfg: EngineConfig::default(),
            headless: false,
            scheduled: Vec::new(),
            delivered: Vec::new(),
            records: Vec::new(),
        }
    }

    /// Delivers the pending push if it is due by `now_ms`.
    fn deliver_due(&mut self, now_ms: u64) {
        let Some(p) = self.state.pending.clone() else {
            return;
        };
        if p.fire_at_ms > now_ms {
            return;
        }
        if let FireVerdict::Fire(n) =
            engine::fire_check(&mut self.state, p.id, p.fire_at_ms, &self.cfg)
        {
            assert_eq!(
                n, p.notification,
                "the record's notification is what is sent"
            );
            engine::mark_delivered(&mut self.state, p.id, n.kind, p.fire_at_ms);
            let plan = self
                .scheduled
                .iter()
                .find(|s| s.id == p.id)
                .expect("scheduled");
            self.delivered
                .push((p.kind(), plan.notification.title.clone()));
        } else {
            assert_eq!(self.state.pending, None, "a push not fired is dropped");
        }
    }

    /// One hook payload at `secs` into the session.
    fn hook(&mut self, secs: u64, json: &str, transcript: Option<TranscriptFacts>) -> Vec<Action> {
        let now_ms = secs * 1000;
        self.deliver_due(now_ms);
        let ev = claude::parse(json.as_bytes()).expect("a valid hook payload");
        let ctx = Context {
            now_ms,
            silenced: false,
            headless: self.headless,
            transcript: if engine::needs(&self.state, &ev, &self.cfg)
                .transcript
                .is_some()
            {
                transcript
            } else {
                None
            },
            ..Context::default()
        };
        let (state, actions) = engine::step(std::mem::take(&mut self.state), &ev, &ctx, &self.cfg);
        self.state = state;
        for a in &actions {
            match a {
                Action::Schedule(p) => self.scheduled.push(p.clone()),
                Action::Record { decision, .. } => self.records.push(*decision),
                _ => {}
            }
        }
        actions
    }
}

const S: &str = r#""session_id":"fafca5bf","transcript_path":"/home/dev/.claude/projects/-home-dev-proj2/fafca5bf.jsonl","cwd":"/home/dev/proj2""#;

fn j(rest: &str) -> String {
    format!("{{{S},{rest}}}")
}

/// `tui-multi-toolfail-permreject-subagent`: a clean multi-round turn, a turn whose last tool
/// failed, a permission dialog answered "No" (no Stop), and a turn that launched a background
/// subagent (Stop with a running task, `<task-notification>` prompt, second Stop).
#[test]
fn replays_the_tui_session_with_tool_failure_rejection_and_background_subagent() {
    let mut r = Replay::new();
    r.hook(
        0,
        &j(r#""hook_event_name":"SessionStart","source":"startup""#),
        None,
    );
    // Turn 1: two tool rounds, a two-block final reply; the Stop carries only the second block.
    r.hook(10, &j(r#""prompt_id":"p1","hook_event_name":"UserPromptSubmit","prompt":"first MULTI please""#), None);
    for t in [12, 14] {
        r.hook(t, &j(r#""prompt_id":"p1","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"echo p1"}"#), None);
        r.hook(t, &j(r#""prompt_id":"p1","hook_event_name":"PostToolUse","tool_name":"Bash","tool_response":{"stdout":"p1"}"#), None);
        r.hook(t, &j(r#""prompt_id":"p1","hook_event_name":"PostToolBatch","tool_calls":[{"tool_name":"Bash","tool_response":"p1"}]"#), None);
    }
    r.hook(16, &j(r#""prompt_id":"p1","hook_event_name":"Stop","stop_hook_active":false,"last_assistant_message":"Second final block.","background_tasks":[]"#), None);
    assert_eq!(r.scheduled.len(), 1);
    assert_eq!(r.scheduled[0].notification.body, "Second final block.");
    assert_eq!(r.scheduled[0].notification.title, "proj2 — done in 6s");
    // Away for a while: the Done push goes out 20 s later, then the idle prompt adds nothing.
    r.hook(76, &j(r#""prompt_id":"p1","hook_event_name":"Notification","message":"Claude is waiting for your input","notification_type":"idle_prompt""#), None);
    assert_eq!(r.delivered, [(Kind::Done, "proj2 — done in 6s".to_owned())]);
    assert_eq!(r.scheduled.len(), 1);

    // Turn 2: `ls /nonexistent-dir-xyz` fails and the turn ends right after.
    r.hook(100, &j(r#""prompt_id":"p2","hook_event_name":"UserPromptSubmit","prompt":"then USE_TOOL please""#), None);
    r.hook(
        102,
        &j(r#""prompt_id":"p2","hook_event_name":"PreToolUse","tool_name":"Bash""#),
        None,
    );
    r.hook(102, &j(r#""prompt_id":"p2","hook_event_name":"PostToolUseFailure","tool_name":"Bash","error":"Exit code 2\nls: cannot access '/nonexistent-dir-xyz'","is_interrupt":false"#), None);
    r.hook(102, &j(r#""prompt_id":"p2","hook_event_name":"PostToolBatch","tool_calls":[{"tool_name":"Bash","tool_response":"Exit code 2"}]"#), None);
    r.hook(104, &j(r#""prompt_id":"p2","hook_event_name":"Stop","stop_hook_active":false,"last_assistant_message":"The directory does not exist.","background_tasks":[]"#), None);
    let error = r.scheduled.last().expect("error push");
    assert_eq!(error.notification.kind, Kind::Error);
    assert_eq!(error.delay(), Duration::ZERO);

    // Turn 3: a permission dialog, open long enough to notify, then answered "No": no Stop.
    let a = r.hook(
        120,
        &j(r#""prompt_id":"p3","hook_event_name":"UserPromptSubmit","prompt":"then PERMTOOL""#),
        None,
    );
    assert!(a.is_empty(), "the error push was already delivered at once");
    r.hook(
        121,
        &j(r#""prompt_id":"p3","hook_event_name":"PermissionRequest","tool_name":"Bash""#),
        None,
    );
    r.hook(127, &j(r#""prompt_id":"p3","hook_event_name":"Notification","message":"Claude needs your permission to use Bash","notification_type":"permission_prompt""#), None);
    let input = r.scheduled.last().expect("needs-input push");
    assert_eq!(input.notification.kind, Kind::NeedsInput);
    let input_id = input.id;

    // Turn 4, typed before the needs-input push was due: it is cancelled.
    let a = r.hook(
        130,
        &j(r#""prompt_id":"p4","hook_event_name":"UserPromptSubmit","prompt":"then SUBAGENT""#),
        None,
    );
    assert!(matches!(a.as_slice(), [Action::Cancel { push_id, .. }] if *push_id == input_id));
    r.hook(
        131,
        &j(r#""prompt_id":"p4","hook_event_name":"PreToolUse","tool_name":"Agent""#),
        None,
    );
    r.hook(131, &j(r#""prompt_id":"p4","agent_id":"a3790078220671628","agent_type":"general-purpose","hook_event_name":"SubagentStart""#), None);
    r.hook(132, &j(r#""prompt_id":"p4","hook_event_name":"PostToolUse","tool_name":"Agent","tool_response":"Async agent launched successfully""#), None);
    r.hook(132, &j(r#""prompt_id":"p4","agent_id":"a3790078220671628","agent_type":"general-purpose","hook_event_name":"PostToolUse","tool_name":"Bash","tool_response":{"stdout":"sub"}"#), None);
    let before = r.scheduled.len();
    r.hook(134, &j(r#""prompt_id":"p4","hook_event_name":"Stop","stop_hook_active":false,"last_assistant_message":"Launched the subagent.","background_tasks":[{"id":"a3790078220671628","type":"subagent","status":"running","description":"Run sub task","agent_type":"general-purpose"}]"#), None);
    assert_eq!(
        r.scheduled.len(),
        before,
        "a Stop with a running task is a pause"
    );
    r.hook(150, &j(r#""prompt_id":"p4","agent_id":"a3790078220671628","agent_type":"general-purpose","hook_event_name":"SubagentStop","stop_hook_active":false,"last_assistant_message":"Subagent finished: printed sub.","background_tasks":[]"#), None);
    r.hook(151, &j(r#""prompt_id":"p5","hook_event_name":"UserPromptSubmit","prompt":"<task-notification>\n<task-id>a3790078220671628</task-id>\n<status>completed</status>\n</task-notification>""#), None);
    r.hook(153, &j(r#""prompt_id":"p5","hook_event_name":"Stop","stop_hook_active":false,"last_assistant_message":"Subagent reported back; done.","background_tasks":[]"#), None);
    assert_eq!(
        r.scheduled.len(),
        before + 1,
        "exactly one push for the subagent turn"
    );
    let done = r.scheduled.last().expect("done push");
    assert_eq!(done.notification.kind, Kind::Done);
    assert_eq!(
        done.notification.title, "proj2 — done in 23s",
        "measured from the typed prompt"
    );
    assert_eq!(done.notification.body, "Subagent reported back; done.");
    r.deliver_due(200_000);
    let kinds: Vec<Kind> = r.delivered.iter().map(|d| d.0).collect();
    assert_eq!(kinds, [Kind::Done, Kind::Error, Kind::Done]);
}

/// `tui-interrupts-compact`: Esc interrupts end turns without any hook, a `<refused>`
/// round, and `/compact` with its empty-typed compaction agents.
#[test]
fn replays_the_tui_session_with_interrupts_and_compact() {
    let mut r = Replay::new();
    r.hook(
        0,
        &j(r#""hook_event_name":"SessionStart","source":"clear""#),
        None,
    );
    // SLOWTEXT, interrupted with Esc while streaming: no Stop, nothing pushed.
    r.hook(
        5,
        &j(r#""prompt_id":"p1","hook_event_name":"UserPromptSubmit","prompt":"now SLOWTEXT""#),
        None,
    );
    // SLEEPTOOL: the call is refused by validation (only PostToolBatch shows it), then a reply.
    r.hook(
        20,
        &j(r#""prompt_id":"p2","hook_event_name":"UserPromptSubmit","prompt":"now SLEEPTOOL""#),
        None,
    );
    r.hook(22, &j(r#""prompt_id":"p2","hook_event_name":"PostToolBatch","tool_calls":[{"tool_name":"Bash","tool_response":"<tool_use_error>Blocked: standalone sleep 40</tool_use_error>"}]"#), None);
    r.hook(24, &j(r#""prompt_id":"p2","hook_event_name":"Stop","stop_hook_active":false,"last_assistant_message":"I cannot sleep that long.","background_tasks":[]"#), None);
    assert_eq!(r.scheduled.len(), 1);
    assert_eq!(
        r.scheduled[0].notification.kind,
        Kind::Error,
        "the last call was refused"
    );
    assert!(
        r.scheduled[0]
            .notification
            .body
            .starts_with("1 tool call failed along the way.")
    );
    // Typed again at once: the error went out at once (errors never wait).
    r.hook(
        25,
        &j(r#""prompt_id":"p3","hook_event_name":"UserPromptSubmit","prompt":"now SLEEPTOOL""#),
        None,
    );
    r.hook(
        26,
        &j(r#""prompt_id":"p3","hook_event_name":"PreToolUse","tool_name":"Bash""#),
        None,
    );
    // Esc during the tool: nothing fires. Next prompt, a plain turn.
    r.hook(
        40,
        &j(r#""prompt_id":"p4","hook_event_name":"UserPromptSubmit","prompt":"hello MULTI""#),
        None,
    );
    r.hook(45, &j(r#""prompt_id":"p4","hook_event_name":"Stop","stop_hook_active":false,"last_assistant_message":"Hello.","background_tasks":[]"#), None);
    assert_eq!(r.scheduled.len(), 2);
    assert_eq!(
        r.scheduled[1].notification.kind,
        Kind::Done,
        "the earlier refusal belongs to another turn"
    );
    // /compact: PreCompact, two compaction SubagentStops, SessionStart(compact), PostCompact.
    r.hook(
        50,
        &j(r#""hook_event_name":"PreCompact","trigger":"manual""#),
        None,
    );
    for _ in 0..2 {
        r.hook(55, &j(r#""agent_id":"c1","agent_type":"","hook_event_name":"SubagentStop","last_assistant_message":"summary""#), None);
    }
    r.hook(
        56,
        &j(r#""hook_event_name":"SessionStart","source":"compact""#),
        None,
    );
    r.hook(
        56,
        &j(r#""hook_event_name":"PostCompact","trigger":"manual""#),
        None,
    );
    assert_eq!(r.scheduled.len(), 2, "compaction never pushes");
    // /exit before the Done push was due: cancelled, state forgotten.
    let a = r.hook(
        58,
        &j(r#""hook_event_name":"SessionEnd","reason":"prompt_input_exit""#),
        None,
    );
    let id = r.scheduled[1].id;
    assert!(matches!(a.as_slice(), [Action::Cancel { push_id, .. }] if *push_id == id));
    assert!(r.state.finished(), "nothing waits: the state goes");
    assert_eq!(
        r.delivered,
        [(
            Kind::Error,
            "proj2 — error: last tool call failed".to_owned()
        )]
    );
}

/// A `claude -p` run whose API call failed: no Stop, no StopFailure, only SessionEnd(other);
/// the transcript shows the error.
#[test]
fn replays_a_print_mode_api_error() {
    let session = |r: &mut Replay| {
        r.hook(
            0,
            &j(r#""hook_event_name":"SessionStart","source":"startup""#),
            None,
        );
        r.hook(
            1,
            &j(r#""prompt_id":"p1","hook_event_name":"UserPromptSubmit","prompt":"do it""#),
            None,
        );
        let facts = TranscriptFacts {
            api_error: Some("API Error: 500 {\"type\":\"error\"}".into()),
            ..TranscriptFacts::default()
        };
        r.hook(
            3,
            &j(r#""prompt_id":"p1","hook_event_name":"SessionEnd","reason":"other""#),
            Some(facts),
        )
    };
    let mut r = Replay::new();
    r.headless = true;
    session(&mut r);
    assert!(r.state.ended);
    assert!(
        r.scheduled.is_empty(),
        "headless sessions are skipped by default"
    );
    assert_eq!(r.records, [DecisionKind::Suppressed]);

    let mut r = Replay::new();
    r.headless = true;
    r.cfg.headless = HeadlessPolicy::Notify;
    session(&mut r);
    assert_eq!(r.scheduled.len(), 1);
    let n = &r.scheduled[0].notification;
    assert_eq!(
        (n.kind, n.title.as_str()),
        (Kind::Error, "proj2 — error: API error")
    );
    assert!(n.body.starts_with("API Error: 500"));
}

//! The step over sequences of events, with the deliverer's protocol where a scenario needs it.

use std::path::PathBuf;
use std::time::Duration;

use super::*;
use crate::decision::DecisionKind;
use crate::event::{Agent, ApiErrorKind, EndReason, Event, EventKind, InputNeed, ToolCall};
use crate::notification::{Kind, Notification};
use crate::state::{Pending, ProcessRef, SessionState};

fn ev(kind: EventKind) -> Event {
    let mut e = Event::new(Agent::Claude, "test", "s1", kind);
    e.cwd = Some(PathBuf::from("/home/dev/proj"));
    e.turn_id = Some("p1".into());
    e
}

fn at(now_ms: u64) -> Context {
    Context {
        now_ms,
        ..Context::default()
    }
}

fn prompt() -> Event {
    ev(EventKind::TurnStarted)
}

fn injected() -> Event {
    ev(EventKind::TurnContinued)
}

fn stop(msg: &str) -> Event {
    ev(EventKind::TurnEnded {
        after_blocked_end: false,
        reply: Some(msg.into()),
        background_running: 0,
    })
}

fn asks(need: InputNeed) -> Event {
    ev(EventKind::NeedsInput {
        need,
        message: Some("Claude needs your permission to use Bash".into()),
    })
}

fn tool_ok() -> Event {
    ev(EventKind::ToolSucceeded {
        tool_name: "Bash".into(),
    })
}

fn tool_failed() -> Event {
    ev(EventKind::ToolFailed {
        tool_name: "Bash".into(),
        error: Some("Exit code 2".into()),
        interrupted: false,
    })
}

fn end(reason: EndReason) -> Event {
    ev(EventKind::SessionEnded { reason })
}

/// Steps through `(time in s, event)` pairs, returning the final state and all actions.
fn run(
    events: &[(u64, Event)],
    cfg: &EngineConfig,
    ctx: impl Fn(u64) -> Context,
) -> (SessionState, Vec<Action>) {
    let mut state = SessionState::default();
    let mut all = Vec::new();
    for (t, e) in events {
        let (s, a) = step(state, e, &ctx(t * 1000), cfg);
        state = s;
        all.extend(a);
    }
    (state, all)
}

fn plans(actions: &[Action]) -> Vec<&Pending> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Schedule(p) => Some(p),
            _ => None,
        })
        .collect()
}

fn cancels(actions: &[Action]) -> Vec<u64> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Cancel { push_id, .. } => Some(*push_id),
            _ => None,
        })
        .collect()
}

fn id_of(s: &SessionState) -> u64 {
    s.pending.as_ref().expect("a pending push").id
}

fn records(actions: &[Action]) -> Vec<DecisionKind> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Record { decision, .. } => Some(*decision),
            _ => None,
        })
        .collect()
}

#[test]
fn stop_schedules_done_with_the_bands_delay_for_the_turn_length() {
    let cfg = EngineConfig::default();
    let (state, actions) = run(&[(0, prompt()), (125, stop("All tests pass."))], &cfg, at);
    let p = plans(&actions);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].notification.kind, Kind::Done);
    assert_eq!(p[0].notification.title, "proj — done in 2m 05s");
    assert_eq!(p[0].notification.body, "All tests pass.");
    assert_eq!(p[0].notification.session_id.as_deref(), Some("s1"));
    assert_eq!(p[0].notification.timestamp, Some(125));
    assert_eq!(p[0].delay(), Duration::from_secs(10));
    assert!(p[0].presence_checked);
    let pending = state.pending.expect("pending");
    assert_eq!((pending.id, pending.fire_at_ms), (p[0].id, 135_000));
}

#[test]
fn a_turn_stamped_by_a_wrong_wall_clock_has_no_length() {
    let cfg = EngineConfig::default();
    // The prompt came while the clock still said 1970; the Stop after network time set it.
    let (_, actions) = run(&[(0, prompt()), (1_763_700_000, stop("ok"))], &cfg, at);
    let p = plans(&actions);
    assert_eq!(p[0].notification.title, "proj — done");
    assert_eq!(
        p[0].delay(),
        Duration::from_secs(20),
        "as a turn of unknown length"
    );
    // A clock stepped back during the turn: no length, never a negative one.
    let (_, actions) = run(&[(1_000, prompt()), (400, stop("ok"))], &cfg, at);
    assert_eq!(plans(&actions)[0].notification.title, "proj — done in 0s");
    // Long real turns are still measured.
    let (_, actions) = run(&[(0, prompt()), (30 * 3600, stop("ok"))], &cfg, at);
    assert_eq!(
        plans(&actions)[0].notification.title,
        "proj — done in 30h 00m"
    );
}

fn pending_at(scheduled_s: u64, delay_s: u64) -> SessionState {
    let (mut state, _) = run(
        &[(scheduled_s - 10, prompt())],
        &EngineConfig::default(),
        at,
    );
    state.pending = Some(Pending {
        id: 4,
        notification: Notification::new(Kind::Done, "t", "b"),
        scheduled_ms: scheduled_s * 1000,
        fire_at_ms: (scheduled_s + delay_s) * 1000,
        presence_checked: true,
        terminal: None,
        deliverer: Some(ProcessRef {
            pid: 7,
            start_time: 9,
        }),
        reply_file: None,
    });
    state
}

#[test]
fn an_orphaned_push_is_resent_with_what_is_left_of_its_delay() {
    let hour = Duration::from_secs(3600);
    let state = pending_at(1_000, 20);
    let resend = |now_s: u64| orphan_verdict(&state, now_s * 1000, hour);
    assert_eq!(
        resend(1_005),
        Some(Orphan::Resend {
            push_id: 4,
            delay: Duration::from_secs(15)
        })
    );
    assert_eq!(
        resend(1_100),
        Some(Orphan::Resend {
            push_id: 4,
            delay: Duration::ZERO
        }),
        "overdue: at once (the new deliverer still checks presence)"
    );
    // The wall clock stepped back below the scheduling: the whole delay, never more.
    assert_eq!(
        resend(10),
        Some(Orphan::Resend {
            push_id: 4,
            delay: Duration::from_secs(20)
        })
    );
    assert_eq!(orphan_verdict(&SessionState::default(), 0, hour), None);
}

#[test]
fn an_orphaned_push_too_old_or_overtaken_by_a_prompt_is_lost_with_the_reason() {
    let hour = Duration::from_secs(3600);
    let state = pending_at(1_000, 20);
    match orphan_verdict(&state, (1_000 + 3_601) * 1000, hour) {
        Some(Orphan::Lost { push_id: 4, reason }) => {
            assert!(reason.contains("outbox_max_age (3600 s)"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    let mut newer = state.clone();
    newer.turn = Some(crate::state::Turn::started(1_002_000, None));
    match orphan_verdict(&newer, 1_005_000, hour) {
        Some(Orphan::Lost { reason, .. }) => assert!(reason.contains("newer prompt"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn stop_without_a_known_turn_counts_as_zero_length() {
    let (_, actions) = run(&[(50, stop("hi"))], &EngineConfig::default(), at);
    assert_eq!(plans(&actions)[0].delay(), Duration::from_secs(20));
    assert_eq!(plans(&actions)[0].notification.title, "proj — done");
}

#[test]
fn a_human_prompt_cancels_the_pending_push_and_starts_a_turn() {
    let cfg = EngineConfig::default();
    let (state, actions) = run(&[(0, prompt()), (5, stop("x")), (8, prompt())], &cfg, at);
    let id = plans(&actions)[0].id;
    assert_eq!(cancels(&actions), [id]);
    assert_eq!(state.pending, None);
    assert_eq!(state.turn.and_then(|t| t.started_ms), Some(8000));
}

#[test]
fn an_injected_prompt_continues_the_turn_and_keeps_the_pending_push() {
    let cfg = EngineConfig::default();
    let (state, actions) = run(
        &[
            (0, prompt()),
            (1, tool_failed()),
            (5, stop("x")),
            (6, injected()),
        ],
        &cfg,
        at,
    );
    assert!(cancels(&actions).is_empty());
    assert!(state.pending.is_some());
    let turn = state.turn.expect("turn");
    assert_eq!((turn.started_ms, turn.tool_failures), (Some(0), 1));
    assert!(turn.is_open());
}

#[test]
fn a_stop_with_background_tasks_is_a_pause_not_an_end() {
    let cfg = EngineConfig::default();
    let paused = ev(EventKind::TurnEnded {
        after_blocked_end: false,
        reply: Some("launched".into()),
        background_running: 1,
    });
    let (state, actions) = run(&[(0, prompt()), (5, paused)], &cfg, at);
    assert!(plans(&actions).is_empty());
    assert!(state.turn.expect("turn").is_open());
}

#[test]
fn a_failed_last_tool_makes_an_error_pushed_at_once() {
    let cfg = EngineConfig::default();
    let (_, actions) = run(
        &[(0, prompt()), (1, tool_failed()), (2, stop("no luck"))],
        &cfg,
        at,
    );
    let p = plans(&actions)[0];
    assert_eq!(p.notification.kind, Kind::Error);
    assert_eq!(p.notification.title, "proj — error: last tool call failed");
    assert_eq!(p.delay(), Duration::ZERO);
}

#[test]
fn recovered_failures_keep_it_done_but_are_mentioned() {
    let cfg = EngineConfig::default();
    let (_, actions) = run(
        &[
            (0, prompt()),
            (1, tool_failed()),
            (2, tool_failed()),
            (3, tool_ok()),
            (4, stop("fixed")),
        ],
        &cfg,
        at,
    );
    let n = &plans(&actions)[0].notification;
    assert_eq!(n.kind, Kind::Done);
    assert_eq!(n.body, "2 tool calls failed along the way.\n\nfixed");
}

#[test]
fn batch_refuseds_count_and_decide_the_last_round() {
    let cfg = EngineConfig::default();
    let call = |err| ToolCall {
        tool_name: "Bash".into(),
        refused: err,
    };
    let batch = |calls| ev(EventKind::ToolRoundFinished { calls });
    // A refused call in the final round: error, one failure.
    let (_, a) = run(
        &[
            (0, prompt()),
            (1, tool_ok()),
            (1, batch(vec![call(false), call(true)])),
            (2, stop("x")),
        ],
        &cfg,
        at,
    );
    assert_eq!(plans(&a)[0].notification.kind, Kind::Error);
    // A failure in an earlier round, a clean final round with a success after a failure in it.
    let (s, a) = run(
        &[
            (0, prompt()),
            (1, batch(vec![call(true)])),
            (2, tool_failed()),
            (2, tool_ok()),
            (2, batch(vec![call(false), call(false)])),
            (3, stop("x")),
        ],
        &cfg,
        at,
    );
    assert_eq!(s.turn.expect("turn").tool_failures, 2);
    assert_eq!(
        plans(&a)[0].notification.kind,
        Kind::Error,
        "a call of the final round failed"
    );
    let (_, a) = run(
        &[
            (0, prompt()),
            (1, batch(vec![call(true)])),
            (2, tool_ok()),
            (2, batch(vec![call(false)])),
            (3, stop("x")),
        ],
        &cfg,
        at,
    );
    assert_eq!(plans(&a)[0].notification.kind, Kind::Done);
}

#[test]
fn subagent_tool_failures_do_not_count_for_the_turn() {
    let mut failed = tool_failed();
    failed.subagent = Some("a1".into());
    let (_, a) = run(
        &[(0, prompt()), (1, failed), (2, stop("x"))],
        &EngineConfig::default(),
        at,
    );
    assert_eq!(plans(&a)[0].notification.kind, Kind::Done);
}

#[test]
fn stop_hook_continuation_does_not_push_twice() {
    let cfg = EngineConfig::default();
    let again = ev(EventKind::TurnEnded {
        after_blocked_end: true,
        reply: Some("really done".into()),
        background_running: 0,
    });
    let (mut state, a) = run(&[(0, prompt()), (100, stop("done"))], &cfg, at);
    let id = plans(&a)[0].id;
    // Still pending: the continuation replaces it, so only one is ever sent.
    let (s, a) = step(state.clone(), &again, &at(110_000), &cfg);
    assert_eq!(cancels(&a), [id]);
    assert_eq!(plans(&a)[0].notification.body, "really done");
    assert_eq!(s.pending.map(|p| p.id), Some(plans(&a)[0].id));
    // Already delivered: nothing more.
    mark_delivered(&mut state, id, Kind::Done, 120_000);
    let (s, a) = step(state, &again, &at(200_000), &cfg);
    assert!(plans(&a).is_empty());
    assert_eq!(s.pending, None);
}

#[test]
fn stop_failure_pushes_the_error_in_words_at_once() {
    let failure = ev(EventKind::ApiError {
        error: ApiErrorKind::RateLimit,
        message: Some("API Error: Request rejected (429)".into()),
    });
    let (s, a) = run(&[(0, prompt()), (3, failure)], &EngineConfig::default(), at);
    let p = plans(&a)[0];
    assert_eq!(p.notification.kind, Kind::Error);
    assert_eq!(p.notification.title, "proj — error: rate limited");
    assert_eq!(p.notification.body, "API Error: Request rejected (429)");
    assert_eq!(p.delay(), Duration::ZERO);
    assert!(!s.turn.expect("turn").is_open());
}

#[test]
fn permission_prompt_needs_input_and_any_later_event_cancels_it() {
    let cfg = EngineConfig::default();
    let (s, a) = run(
        &[(0, prompt()), (70, asks(InputNeed::Permission))],
        &cfg,
        at,
    );
    let p = plans(&a)[0];
    assert_eq!(p.notification.kind, Kind::NeedsInput);
    assert_eq!(p.notification.title, "proj — needs your input");
    assert_eq!(p.delay(), Duration::from_secs(15), "70 s into the turn");
    assert!(p.presence_checked);
    let id = p.id;
    // A repeated notification keeps it.
    let (s, a) = step(s, &asks(InputNeed::Permission), &at(80_000), &cfg);
    assert!(cancels(&a).is_empty() && plans(&a).is_empty());
    assert_eq!(s.pending.as_ref().map(|p| p.id), Some(id));
    // The dialog was answered: the tool ran.
    let (s, a) = step(s, &tool_ok(), &at(81_000), &cfg);
    assert_eq!(cancels(&a), [id]);
    assert_eq!(s.pending, None);
}

#[test]
fn elicitation_dialogs_need_input_and_other_notifications_do_not() {
    let cfg = EngineConfig::default();
    for t in [InputNeed::Question, InputNeed::OpenUrl] {
        let (_, a) = run(&[(0, prompt()), (1, asks(t))], &cfg, at);
        assert_eq!(plans(&a)[0].notification.kind, Kind::NeedsInput);
    }
    let (s, a) = run(
        &[
            (0, prompt()),
            (
                1,
                ev(EventKind::Notice {
                    what: "auth_success".into(),
                    message: None,
                }),
            ),
        ],
        &cfg,
        at,
    );
    assert!(a.is_empty());
    assert_eq!(s.pending, None);
}

#[test]
fn idle_prompt_pushes_only_when_the_turn_got_no_push() {
    let cfg = EngineConfig::default();
    let idle = || asks(InputNeed::Idle);
    // Done pending: idle adds nothing.
    let (mut s, a) = run(&[(0, prompt()), (5, stop("x")), (15, idle())], &cfg, at);
    assert_eq!(plans(&a).len(), 1);
    // Done delivered: idle adds nothing.
    let id = plans(&a)[0].id;
    mark_delivered(&mut s, id, Kind::Done, 25_000);
    let (_, a) = step(s, &idle(), &at(85_000), &cfg);
    assert!(plans(&a).is_empty());
    // Done rate limited (no push for the turn): idle asks for input.
    let mut s = SessionState {
        last_done_push_ms: Some(4_000),
        ..SessionState::default()
    };
    let (s2, a) = step(s.clone(), &prompt(), &at(0), &cfg);
    s = s2;
    assert!(a.is_empty());
    let (s, a) = step(s, &stop("x"), &at(5_000), &cfg);
    assert_eq!(records(&a), [DecisionKind::RateLimited]);
    let (_, a) = step(s, &idle(), &at(65_000), &cfg);
    assert_eq!(plans(&a)[0].notification.kind, Kind::NeedsInput);
}

#[test]
fn subagents_never_push_by_default() {
    let mut cfg = EngineConfig::default();
    let sub = |t: &str| {
        ev(EventKind::SubagentEnded {
            agent_type: t.into(),
            reply: Some("Subagent finished.".into()),
        })
    };
    let start = ev(EventKind::SubagentStarted {
        agent_type: "general-purpose".into(),
    });
    let (_, a) = run(
        &[
            (0, prompt()),
            (1, start),
            (2, sub("general-purpose")),
            (3, sub("")),
        ],
        &cfg,
        at,
    );
    assert!(a.is_empty());
    cfg.subagent_pushes = true;
    let (_, a) = run(&[(0, prompt()), (2, sub(""))], &cfg, at);
    assert!(a.is_empty(), "compaction agents never push");
    let (_, a) = run(&[(0, prompt()), (2, sub("general-purpose"))], &cfg, at);
    assert_eq!(
        plans(&a)[0].notification.title,
        "proj — general-purpose agent finished"
    );
}

#[test]
fn done_pushes_are_rate_limited_but_errors_are_not() {
    let cfg = EngineConfig::default();
    let (mut s, a) = run(&[(0, prompt()), (400, stop("a"))], &cfg, at);
    let first = plans(&a)[0].id;
    assert!(matches!(
        fire_check(&mut s, first, 400_000, &cfg),
        FireVerdict::Fire(n) if n.body == "a"
    ));
    mark_delivered(&mut s, first, Kind::Done, 400_000);
    assert_eq!(s.last_done_push_ms, Some(400_000));
    let (s, a) = step(s, &prompt(), &at(401_000), &cfg);
    assert!(a.is_empty());
    let (s, a) = step(s, &stop("b"), &at(402_000), &cfg);
    assert_eq!(records(&a), [DecisionKind::RateLimited]);
    assert!(plans(&a).is_empty());
    let (s, a) = step(s, &prompt(), &at(403_000), &cfg);
    assert!(a.is_empty());
    let (_, a) = run_from(s, &[(403, tool_failed()), (404, stop("c"))], &cfg);
    assert_eq!(plans(&a)[0].notification.kind, Kind::Error);
}

fn run_from(
    mut state: SessionState,
    events: &[(u64, Event)],
    cfg: &EngineConfig,
) -> (SessionState, Vec<Action>) {
    let mut all = Vec::new();
    for (t, e) in events {
        let (s, a) = step(state, e, &at(t * 1000), cfg);
        state = s;
        all.extend(a);
    }
    (state, all)
}

#[test]
fn fire_check_rechecks_the_rate_limit_and_supersession() {
    let cfg = EngineConfig::default();
    let (mut s, a) = run(&[(0, prompt()), (1, stop("x"))], &cfg, at);
    let id = plans(&a)[0].id;
    assert_eq!(
        fire_check(&mut s, id + 1, 21_000, &cfg),
        FireVerdict::Superseded
    );
    let fired = Notification {
        session_id: Some("s1".into()),
        project: Some("proj".into()),
        timestamp: Some(1),
        ..Notification::new(Kind::Done, "proj — done in 1s", "x")
    };
    assert_eq!(
        fire_check(&mut s.clone(), id, 24_000, &cfg),
        FireVerdict::Fire(fired)
    );
    let mut fired = s.clone();
    assert!(mark_dropped(&mut fired, id).is_some());
    assert_eq!(fired.pending, None);
    assert_eq!(mark_dropped(&mut fired, id), None, "dropped once");
    assert_eq!(
        fire_check(&mut fired, id, 24_000, &cfg),
        FireVerdict::Superseded
    );
    // Another Done of this session went out meanwhile (e.g. a concurrent deliverer): the push
    // is dropped.
    s.last_done_push_ms = Some(19_000);
    assert_eq!(
        fire_check(&mut s, id, 21_000, &cfg),
        FireVerdict::RateLimited
    );
    assert_eq!(s.pending, None);
}

#[test]
fn attach_deliverer_only_touches_the_pending_push() {
    let (mut s, a) = run(
        &[(0, prompt()), (1, stop("x"))],
        &EngineConfig::default(),
        at,
    );
    let id = plans(&a)[0].id;
    let who = ProcessRef {
        pid: 42,
        start_time: 7,
    };
    attach_deliverer(&mut s, id + 1, who);
    assert_eq!(s.pending.as_ref().and_then(|p| p.deliverer), None);
    attach_deliverer(&mut s, id, who);
    assert_eq!(s.pending.as_ref().and_then(|p| p.deliverer), Some(who));
    let (_, a) = step(s, &prompt(), &at(2_000), &EngineConfig::default());
    assert_eq!(
        a,
        [Action::Cancel {
            push_id: id,
            deliverer: Some(who),
            reason: "new prompt: the user is at the keyboard".into()
        }]
    );
}

#[test]
fn silenced_and_headless_sessions_get_no_push() {
    let cfg = EngineConfig::default();
    let events = [(0, prompt()), (1, stop("x"))];
    let (s, a) = run(&events, &cfg, |now_ms| Context {
        now_ms,
        silenced: true,
        ..Context::default()
    });
    assert!(plans(&a).is_empty() && s.pending.is_none());
    assert!(a.contains(&Action::Record {
        decision: DecisionKind::Suppressed,
        kind: Some(Kind::Done),
        reason: "project silenced by .no-pushover/.cc-notify-off".into()
    }));
    let headless = |now_ms| Context {
        now_ms,
        headless: true,
        ..Context::default()
    };
    let (_, a) = run(&events, &cfg, headless);
    assert_eq!(records(&a), [DecisionKind::Suppressed]);
    let notify = EngineConfig {
        headless: HeadlessPolicy::Notify,
        ..EngineConfig::default()
    };
    let (_, a) = run(&events, &notify, headless);
    assert_eq!(plans(&a).len(), 1);
}

#[test]
fn session_end_by_the_user_cancels_other_ends_let_the_push_complete() {
    let cfg = EngineConfig::default();
    for reason in [EndReason::Cleared, EndReason::Exited, EndReason::LoggedOut] {
        let (s, a) = run(&[(0, prompt()), (1, stop("x")), (2, end(reason))], &cfg, at);
        let id = plans(&a)[0].id;
        assert_eq!(cancels(&a), [id]);
        assert_eq!(s.pending, None);
        assert!(s.finished(), "nothing waits: the state goes");
    }
    for reason in [EndReason::Other("other".into()), EndReason::Resumed] {
        let (s, a) = run(&[(0, prompt()), (1, stop("x")), (2, end(reason))], &cfg, at);
        assert!(cancels(&a).is_empty());
        assert!(s.pending.is_some());
        assert!(s.ended && !s.finished(), "kept for the push still due");
        // The session goes once the push is delivered; an event resumes it.
        let mut delivered = s.clone();
        mark_delivered(&mut delivered, id_of(&s), Kind::Done, 60_000);
        assert!(delivered.finished());
        let (resumed, _) = step(s, &tool_ok(), &at(3_000), &cfg);
        assert!(!resumed.ended && !resumed.finished());
    }
}

#[test]
fn an_api_error_without_stop_shows_at_session_end() {
    let cfg = EngineConfig::default();
    let (s, _) = run(&[(0, prompt()), (1, tool_ok())], &cfg, at);
    let e = end(EndReason::Other("other".into()));
    let cfg_needs = |e: &Event| needs(&s, e, &cfg).transcript;
    assert_eq!(
        cfg_needs(&e),
        Some(TailDepth::Reply),
        "the turn was seen whole"
    );
    assert_eq!(cfg_needs(&end(EndReason::Cleared)), None);
    let facts = TranscriptFacts {
        api_error: Some("API Error: 500 boom".into()),
        ..TranscriptFacts::default()
    };
    let ctx = Context {
        now_ms: 3_000,
        transcript: Some(facts),
        ..Context::default()
    };
    let (ended, a) = step(s.clone(), &e, &ctx, &cfg);
    let p = plans(&a)[0];
    assert_eq!(p.notification.kind, Kind::Error);
    assert_eq!(p.notification.title, "proj — error: API error");
    assert_eq!(p.notification.body, "API Error: 500 boom");
    assert_eq!(p.delay(), Duration::ZERO);
    assert!(ended.ended && !ended.finished());
    // No error in the transcript: nothing to say.
    let (ended, a) = step(s, &e, &at(3_000), &cfg);
    assert_eq!(a, []);
    assert!(ended.finished());
}

#[test]
fn the_transcript_is_read_only_when_the_payload_lacks_the_reply() {
    let cfg = EngineConfig::default();
    let s = SessionState::default();
    let depth = |s: &SessionState, e: &Event| needs(s, e, &cfg).transcript;
    assert_eq!(depth(&s, &stop("reply")), None);
    let bare = ev(EventKind::TurnEnded {
        after_blocked_end: false,
        reply: None,
        background_running: 0,
    });
    assert_eq!(
        depth(&s, &bare),
        Some(TailDepth::Turn),
        "the turn's start was missed: its tool failures come from the transcript"
    );
    let (seen, _) = run(&[(0, prompt())], &cfg, at);
    assert_eq!(
        depth(&seen, &bare),
        Some(TailDepth::Reply),
        "the state counted the turn's tool failures: only the reply is read"
    );
    let mut paused = bare.clone();
    paused.kind = EventKind::TurnEnded {
        after_blocked_end: false,
        reply: None,
        background_running: 1,
    };
    assert_eq!(depth(&seen, &paused), None, "a pause pushes nothing");
    let mut sub = bare.clone();
    sub.subagent = Some("a1".into());
    assert_eq!(depth(&seen, &sub), None);
    assert_eq!(
        depth(&s, &end(EndReason::Other("other".into()))),
        None,
        "no turn open"
    );
    let ctx = Context {
        now_ms: 1_000,
        transcript: Some(TranscriptFacts {
            final_reply: Some("from the file".into()),
            ..TranscriptFacts::default()
        }),
        ..Context::default()
    };
    let (_, a) = step(s, &bare, &ctx, &EngineConfig::default());
    assert_eq!(plans(&a)[0].notification.body, "from the file");
}

#[test]
fn a_new_push_replaces_the_pending_one() {
    let cfg = EngineConfig::default();
    let failure = ev(EventKind::ApiError {
        error: ApiErrorKind::Overloaded,
        message: None,
    });
    let (s, a) = run(
        &[(0, prompt()), (1, stop("x")), (2, injected()), (3, failure)],
        &cfg,
        at,
    );
    let p = plans(&a);
    assert_eq!(p.len(), 2);
    assert_eq!(cancels(&a), [p[0].id]);
    assert_eq!(s.pending.map(|x| x.id), Some(p[1].id));
    assert!(p[1].id > p[0].id);
}

#[test]
fn a_prompt_queued_into_the_running_turn_keeps_its_start_and_failures() {
    let cfg = EngineConfig::default();
    let (state, _) = run(
        &[
            (0, prompt()),
            (10, tool_failed()),
            (20, prompt()),
            (200, stop("done")),
        ],
        &cfg,
        at,
    );
    let turn = state.turn.expect("turn kept");
    assert_eq!(
        turn.started_ms,
        Some(0),
        "the queued prompt must not restart the turn"
    );
    assert_eq!(turn.tool_failures, 1);
}

#[test]
fn only_events_that_can_push_pay_for_the_opt_out_check() {
    let (s, cfg) = (SessionState::default(), EngineConfig::default());
    let checks = |e: &Event| needs(&s, e, &cfg).opt_out;
    for e in [
        stop("x"),
        tool_ok(),
        tool_failed(),
        asks(InputNeed::Idle),
        end(EndReason::Cleared),
    ] {
        assert!(checks(&e), "{:?}", e.kind);
    }
    for e in [
        prompt(),
        injected(),
        ev(EventKind::ToolStarting {
            tool_name: "Bash".into(),
        }),
    ] {
        assert!(!checks(&e), "{:?}", e.kind);
    }
}

#[test]
fn progress_is_scanned_from_the_cursor_only_when_progress_pushes_are_on() {
    let on = EngineConfig {
        progress: true,
        ..EngineConfig::default()
    };
    let mut tool = tool_ok();
    tool.transcript_path = Some(PathBuf::from("/t.jsonl"));
    let mut s = SessionState::default();
    assert_eq!(
        needs(&s, &tool, &EngineConfig::default()).progress_from,
        None
    );
    assert_eq!(
        needs(&s, &tool, &on).progress_from,
        Some(0),
        "unknown place: from 0"
    );
    s.progress.path = Some(PathBuf::from("/t.jsonl"));
    s.progress.offset = 420;
    assert_eq!(needs(&s, &tool, &on).progress_from, Some(420));
    s.progress.path = Some(PathBuf::from("/other.jsonl"));
    assert_eq!(
        needs(&s, &tool, &on).progress_from,
        Some(0),
        "another transcript"
    );
}

#[test]
fn headless_pushes_are_never_presence_checked() {
    let notify = EngineConfig {
        headless: HeadlessPolicy::Notify,
        ..EngineConfig::default()
    };
    let events = [(0, prompt()), (100, stop("x"))];
    let (_, a) = run(&events, &notify, at);
    assert!(plans(&a)[0].presence_checked);
    let (_, a) = run(&events, &notify, |now_ms| Context {
        now_ms,
        headless: true,
        ..Context::default()
    });
    assert!(!plans(&a)[0].presence_checked, "no terminal to watch");
}

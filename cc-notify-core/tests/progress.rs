//! Progress pushes (issue 5), end to end at the library level: a transcript written the way
//! Claude Code writes it, the hooks it fires, the scans the binary makes when
//! `needs` asks for, and the actions `step` returns.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use cc_notify_core::agent::claude;
use cc_notify_core::engine::{self, Action, Context, EngineConfig, HeadlessPolicy};
use cc_notify_core::event::Event;
use cc_notify_core::store::StateDir;
use cc_notify_core::transcript::{self, TranscriptError};
use cc_notify_core::{Kind, Notification, SessionState};
use serde_json::{Value, json};

const THREE_STEPS: &str = "tests/data/progress/three-steps.jsonl";
const MULTI: &str = "tests/data/transcripts/tui-multi-toolfail-permreject-subagent.jsonl";
const STEPS: [&str; 3] = [
    "Step one: listing.",
    "Step two: checking.",
    "Step three: fixing the first error.",
];
const LAST_BLOCK: &str = "Second final block.";

fn fixture(rel: &str) -> Vec<u8> {
    fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap()
}

fn progress_on() -> EngineConfig {
    EngineConfig {
        progress: true,
        ..EngineConfig::default()
    }
}

/// A hook payload for the session, naming `path` as its transcript.
fn payload(path: &Path, event: &str, extra: Value) -> Event {
    let mut v = json!({
        "session_id": "s1",
        "transcript_path": path,
        "cwd": "/home/dev/proj2",
        "hook_event_name": event,
    });
    v.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    claude::parse(v.to_string().as_bytes()).unwrap()
}

fn prompt(path: &Path, injected: bool) -> Event {
    let text = if injected {
        "<task-notification>done</task-notification>"
    } else {
        "go"
    };
    payload(path, "UserPromptSubmit", json!({ "prompt": text }))
}

fn tool_done(path: &Path, failed: bool) -> Event {
    let name = if failed {
        "PostToolUseFailure"
    } else {
        "PostToolUse"
    };
    payload(
        path,
        name,
        json!({ "tool_name": "Bash", "error": "Exit code 2" }),
    )
}

fn stop(path: &Path, last_block: &str) -> Event {
    payload(
        path,
        "Stop",
        json!({ "stop_hook_active": false, "last_assistant_message": last_block }),
    )
}

/// What one step asks the binary to do.
#[derive(Debug, Default)]
struct Outcome {
    /// Progress pushes and banners in action order: `(kind, body)`.
    sent: Vec<(Kind, String)>,
    progress: Vec<Notification>,
    scanned: bool,
}

/// One hook run as the binary does it: scan when asked (from 0 again if the file was
/// replaced), then step.
fn hook(
    state: SessionState,
    ev: &Event,
    cfg: &EngineConfig,
    now_ms: u64,
) -> (SessionState, Outcome) {
    let path = ev.transcript_path.as_deref().unwrap();
    let offset = engine::needs(&state, ev, cfg).progress_from;
    let mut found = offset.map(|offset| transcript::scan_from(path, offset));
    let mut progress_restarted = false;
    if let Some(Err(TranscriptError::OffsetPastEnd { .. })) = found {
        progress_restarted = true;
        found = Some(transcript::scan_from(path, 0));
    }
    let scanned = found.is_some();
    let ctx = Context {
        now_ms,
        progress: found.map(Result::unwrap),
        progress_restarted,
        ..Context::default()
    };
    let (state, actions) = engine::step(state, ev, &ctx, cfg);
    let mut out = outcome(&actions);
    out.scanned = scanned;
    (state, out)
}

fn outcome(actions: &[Action]) -> Outcome {
    let mut out = Outcome::default();
    for a in actions {
        match a {
            Action::SendNow(ns) => {
                out.sent.extend(ns.iter().map(|n| (n.kind, n.body.clone())));
                out.progress.extend(ns.iter().cloned());
            }
            Action::Schedule(p) => out
                .sent
                .push((p.notification.kind, p.notification.body.clone())),
            _ => {}
        }
    }
    out
}

/// A transcript file written record by record, with the hooks Claude Code fires along the way.
struct Replay {
    _dir: tempfile::TempDir,
    path: PathBuf,
    file: File,
    state: SessionState,
    cfg: EngineConfig,
    now_ms: u64,
    sent: Vec<(Kind, String)>,
    progress: Vec<Notification>,
    scans: usize,
    last_block: String,
}

impl Replay {
    fn new(cfg: EngineConfig) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("session.jsonl");
        let file = File::create(&path).unwrap();
        Replay {
            _dir: dir,
            path,
            file,
            state: SessionState::default(),
            cfg,
            now_ms: 0,
            sent: Vec::new(),
            progress: Vec::new(),
            scans: 0,
            last_block: String::new(),
        }
    }

    fn write(&mut self, bytes: &[u8]) {
        self.file.write_all(bytes).unwrap();
    }

    fn fire(&mut self, ev: &Event) {
        self.now_ms += 1_000;
        let state = std::mem::take(&mut self.state);
        let (state, out) = hook(state, ev, &self.cfg, self.now_ms);
        self.state = state;
        self.scans += usize::from(out.scanned);
        self.sent.extend(out.sent);
        self.progress.extend(out.progress);
    }

    /// Writes one record, firing the hooks that belong before and after it. With `noise`, each
    /// record is written in two halves and a tool hook runs in between, as a concurrent hook
    /// of the session may.
    fn record(&mut self, line: &[u8], noise: bool) {
        let v: Value = serde_json::from_slice(line).unwrap();
        if v["subtype"] == "stop_hook_summary" {
            let block = self.last_block.clone();
            self.fire(&stop(&self.path.clone(), &block));
        }
        if noise {
            let (a, b) = line.split_at(line.len() / 2);
            self.write(a);
            self.fire(&tool_done(&self.path.clone(), false));
            self.write(b);
        } else {
            self.write(line);
        }
        let path = self.path.clone();
        let content = &v["message"]["content"];
        match (v["type"].as_str(), v["promptSource"].as_str()) {
            (Some("user"), Some("typed")) => self.fire(&prompt(&path, false)),
            (Some("user"), Some("system")) => self.fire(&prompt(&path, true)),
            (Some("user"), _) => {
                for b in content.as_array().into_iter().flatten() {
                    if b["type"] == "tool_result" {
                        self.fire(&tool_done(&path, b["is_error"] == true));
                    }
                }
            }
            (Some("assistant"), _) => {
                if let Some(t) = content[0]["text"].as_str() {
                    self.last_block = t.to_owned();
                }
            }
            _ => {}
        }
    }

    fn all(&mut self, data: &[u8], noise: bool) {
        for line in data.split_inclusive(|b| *b == b'\n') {
            self.record(line, noise);
        }
    }

    fn progress_texts(&self) -> Vec<&str> {
        self.progress.iter().map(|n| n.body.as_str()).collect()
    }
}

#[test]
fn three_steps_then_one_banner_with_the_final_reply() {
    let mut r = Replay::new(progress_on());
    r.all(&fixture(THREE_STEPS), false);
    let expected: Vec<(Kind, String)> = STEPS
        .iter()
        .map(|s| (Kind::Progress, (*s).to_owned()))
        .chain([(Kind::Done, LAST_BLOCK.to_owned())])
        .collect();
    assert_eq!(r.sent, expected);
    for n in &r.progress {
        assert_eq!(n.kind, Kind::Progress);
        assert_eq!(n.title, "proj2 — working…");
        // The notifier picks the priority per kind ([pushover.priorities] progress).
        assert_eq!(n.priority, None);
        assert_eq!(n.session_id.as_deref(), Some("s1"));
    }
    assert!(r.state.pending.is_some(), "the banner waits as usual");
}

#[test]
fn the_transcript_growing_while_scanned_changes_nothing() {
    // Every record arrives in two writes with a scanning hook in between.
    let mut r = Replay::new(progress_on());
    r.all(&fixture(THREE_STEPS), true);
    assert_eq!(r.progress_texts(), STEPS);
    let banners: Vec<_> = r
        .sent
        .iter()
        .filter(|(k, _)| *k != Kind::Progress)
        .collect();
    assert_eq!(banners, [&(Kind::Done, LAST_BLOCK.to_owned())]);
    assert_eq!(r.sent.last().map(|(k, _)| *k), Some(Kind::Done));
}

#[test]
fn a_half_written_line_is_pushed_once_it_is_complete() {
    let data = fixture(THREE_STEPS);
    let cut = find(&data, STEPS[1]) + 300;
    let line_end = cut + data[cut..].iter().position(|b| *b == b'\n').unwrap() + 1;
    // The whole "Step one" round and the first half of the "Step two" record.
    let start = find(&data, "first MULTI please");
    let mut r = Replay::new(progress_on());
    r.write(&data[..start]);
    r.fire(&prompt(&r.path.clone(), false));
    r.write(&data[start..cut]);
    r.fire(&tool_done(&r.path.clone(), false));
    assert_eq!(r.progress_texts(), STEPS[..1]);
    // The rest of the line: the message may still get blocks, so it waits...
    r.write(&data[cut..line_end]);
    r.fire(&tool_done(&r.path.clone(), false));
    assert_eq!(r.progress_texts(), STEPS[..1]);
    // ...until its tool_use record follows.
    let next = line_end + data[line_end..].iter().position(|b| *b == b'\n').unwrap() + 1;
    r.write(&data[line_end..next]);
    r.fire(&tool_done(&r.path.clone(), false));
    r.fire(&tool_done(&r.path.clone(), false));
    assert_eq!(r.progress_texts(), STEPS[..2]);
}

/// Byte offset of the line holding `needle`.
fn find(data: &[u8], needle: &str) -> usize {
    let at = data
        .windows(needle.len())
        .position(|w| w == needle.as_bytes())
        .unwrap();
    data[..at]
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1)
}

#[test]
fn progress_disabled_means_no_scans_and_only_the_banner() {
    let mut r = Replay::new(EngineConfig::default());
    r.all(&fixture(THREE_STEPS), true);
    assert_eq!(r.scans, 0);
    assert_eq!(r.sent, [(Kind::Done, LAST_BLOCK.to_owned())]);
    // A scan handed in anyway is ignored.
    let ev = tool_done(&r.path, false);
    let ctx = Context {
        progress: Some(transcript::scan_bytes(&fixture(THREE_STEPS), 0).unwrap()),
        ..Context::default()
    };
    let (_, actions) = engine::step(SessionState::default(), &ev, &ctx, &EngineConfig::default());
    assert!(outcome(&actions).progress.is_empty());
}

#[test]
fn hooks_running_at_once_under_the_session_lock_push_each_message_once() {
    let data = fixture(THREE_STEPS);
    let dir = tempfile::tempdir().unwrap();
    let store = StateDir::open(dir.path().join("state")).unwrap();
    let path = dir.path().join("session.jsonl");
    let mut file = File::create(&path).unwrap();
    let cfg = progress_on();
    let sent = Mutex::new(Vec::new());
    // What the binary does per hook: lock, load, scan, step, save.
    let run = |ev: &Event| {
        let guard = store.lock("s1").unwrap();
        let state: SessionState = guard.load().unwrap();
        let (state, out) = hook(state, ev, &cfg, 1_000);
        guard.save(&state).unwrap();
        sent.lock().unwrap().extend(out.sent);
    };
    for line in data.split_inclusive(|b| *b == b'\n') {
        let v: Value = serde_json::from_slice(line).unwrap();
        if v["subtype"] == "stop_hook_summary" {
            run(&stop(&path, LAST_BLOCK));
        }
        file.write_all(line).unwrap();
        if v["promptSource"] == "typed" {
            run(&prompt(&path, false));
        }
        if v["message"]["content"][0]["type"] == "tool_result" {
            // PostToolUse and PostToolBatch of one round, plus a second tool hook, at once.
            let batch = payload(&path, "PostToolBatch", json!({ "tool_calls": [] }));
            let evs = [tool_done(&path, false), batch, tool_done(&path, false)];
            let run = &run;
            std::thread::scope(|s| {
                for ev in &evs {
                    s.spawn(move || run(ev));
                }
            });
        }
    }
    let sent = sent.into_inner().unwrap();
    let expected: Vec<(Kind, String)> = STEPS
        .iter()
        .map(|s| (Kind::Progress, (*s).to_owned()))
        .chain([(Kind::Done, LAST_BLOCK.to_owned())])
        .collect();
    assert_eq!(sent, expected);
}

#[test]
fn interleaved_scans_whose_offsets_lag_push_each_message_once() {
    // Two hooks scan from the same stored offset, each seeing the file at its own length, and
    // their steps then run one after the other on the saved state, in either order.
    let data = fixture(THREE_STEPS);
    let path = PathBuf::from("session.jsonl");
    let cfg = progress_on();
    let turn_start = find(&data, "Step one");
    let (start, _) = hook_bytes(
        SessionState::default(),
        &prompt(&path, false),
        &cfg,
        &data[..turn_start],
    );
    let mut cuts: Vec<usize> = (turn_start..data.len())
        .filter(|&i| data[i - 1] == b'\n')
        .collect();
    cuts.extend(STEPS.iter().map(|s| find(&data, s) + 40)); // inside a text record
    cuts.push(data.len());
    let ev = tool_done(&path, false);
    for &a in &cuts {
        for &b in &cuts {
            let offset = engine::needs(&start, &ev, &cfg).progress_from.unwrap();
            let scan_a = transcript::scan_bytes(&data[..a], offset).unwrap();
            let scan_b = transcript::scan_bytes(&data[..b], offset).unwrap();
            let mut state = start.clone();
            let mut texts = Vec::new();
            for scan in [scan_a, scan_b] {
                let ctx = Context {
                    now_ms: 1_000,
                    progress: Some(scan),
                    ..Context::default()
                };
                let (s, actions) = engine::step(state, &ev, &ctx, &cfg);
                state = s;
                texts.extend(outcome(&actions).progress.into_iter().map(|n| n.body));
            }
            // Later hooks see the whole turn.
            let (_, out) = hook_bytes(state, &stop(&path, LAST_BLOCK), &cfg, &data);
            texts.extend(out.progress.into_iter().map(|n| n.body));
            assert_eq!(texts, STEPS, "scans of {a} and {b} bytes");
        }
    }
}

/// [`hook`] over an in-memory transcript.
fn hook_bytes(
    state: SessionState,
    ev: &Event,
    cfg: &EngineConfig,
    data: &[u8],
) -> (SessionState, Outcome) {
    let progress = engine::needs(&state, ev, cfg)
        .progress_from
        .map(|offset| transcript::scan_bytes(data, offset).unwrap());
    let ctx = Context {
        now_ms: 1_000,
        progress,
        ..Context::default()
    };
    let (state, actions) = engine::step(state, ev, &ctx, cfg);
    (state, outcome(&actions))
}

#[test]
fn a_whole_session_pushes_every_intermediate_message_once_and_no_final_reply() {
    let mut r = Replay::new(progress_on());
    r.all(&fixture(MULTI), false);
    assert_eq!(
        r.progress_texts(),
        [
            "Step one: listing.",
            "Step two: checking.",
            "I'll check the files now.",
            "Touching a file.",
            "Delegating.",
        ]
    );
}

#[test]
fn min_interval_coalesces_and_the_turn_end_flushes() {
    let cfg = EngineConfig {
        progress_min_interval: Duration::from_secs(60),
        ..progress_on()
    };
    let mut r = Replay::new(cfg);
    r.all(&fixture(THREE_STEPS), false);
    let texts = r.progress_texts();
    assert_eq!(
        texts,
        [STEPS[0].to_owned(), format!("{}\n\n{}", STEPS[1], STEPS[2])]
    );
    assert_eq!(r.sent.last(), Some(&(Kind::Done, LAST_BLOCK.to_owned())));
}

#[test]
fn silenced_and_headless_sessions_get_no_progress_and_no_backlog_later() {
    let data = fixture(THREE_STEPS);
    let path = PathBuf::from("session.jsonl");
    let cfg = progress_on();
    let at_step_three = find(&data, STEPS[2]);
    for quiet in [
        Context {
            silenced: true,
            ..Context::default()
        },
        Context {
            headless: true,
            ..Context::default()
        },
    ] {
        let (state, _) = hook_bytes(
            SessionState::default(),
            &prompt(&path, false),
            &cfg,
            &data[..find(&data, "Step one")],
        );
        let ev = tool_done(&path, false);
        let offset = engine::needs(&state, &ev, &cfg).progress_from.unwrap();
        let ctx = Context {
            progress: Some(transcript::scan_bytes(&data[..at_step_three], offset).unwrap()),
            ..quiet.clone()
        };
        let (state, actions) = engine::step(state, &ev, &ctx, &cfg);
        assert!(outcome(&actions).progress.is_empty());
        assert!(actions.iter().any(|a| matches!(a,
            Action::Record { kind: Some(Kind::Progress), reason, .. } if reason.starts_with("2 progress"))));
        // Pushes back on: only what is new since.
        let (_, out) = hook_bytes(state, &ev, &cfg, &data);
        assert_eq!(
            out.progress
                .iter()
                .map(|n| n.body.as_str())
                .collect::<Vec<_>>(),
            STEPS[2..]
        );
    }
    let notify = EngineConfig {
        headless: HeadlessPolicy::Notify,
        ..progress_on()
    };
    let (state, _) = hook_bytes(SessionState::default(), &prompt(&path, false), &notify, b"");
    let ev = tool_done(&path, false);
    let ctx = Context {
        headless: true,
        progress: Some(transcript::scan_bytes(&data, 0).unwrap()),
        ..Context::default()
    };
    let (_, actions) = engine::step(state, &ev, &ctx, &notify);
    assert_eq!(outcome(&actions).progress.len(), 3);
}

#[test]
fn enabling_mid_session_does_not_replay_history() {
    // The first scan of a transcript with earlier turns, in the middle of the USE_TOOL turn.
    let data = fixture(MULTI);
    let cut = find(&data, "Done. Here's the summary");
    let path = PathBuf::from("session.jsonl");
    let (state, out) = hook_bytes(
        SessionState::default(),
        &tool_done(&path, true),
        &progress_on(),
        &data[..cut],
    );
    let texts: Vec<_> = out.progress.iter().map(|n| n.body.as_str()).collect();
    assert_eq!(texts, ["I'll check the files now."]);
    assert_eq!(state.progress.offset, cut as u64);
}

/// A prompt, then a turn end whose reply's last block is `last_block`, with the transcript
/// written up to step three: the transcript, its path, the state and the turn end's outcome.
fn ended_before_step_three(last_block: &str) -> (Vec<u8>, PathBuf, SessionState, Outcome) {
    let data = fixture(THREE_STEPS);
    let path = PathBuf::from("session.jsonl");
    let cfg = progress_on();
    let before_step_three = find(&data, STEPS[2]);
    let (state, _) = hook_bytes(SessionState::default(), &prompt(&path, false), &cfg, b"");
    let (state, out) = hook_bytes(
        state,
        &stop(&path, last_block),
        &cfg,
        &data[..before_step_three],
    );
    (data, path, state, out)
}

#[test]
fn progress_never_touches_the_pending_banner() {
    let cfg = progress_on();
    // The turn ends on "Step two" (say at max_tokens, so without end_turn): it is the banner.
    let (data, path, state, out) = ended_before_step_three(STEPS[1]);
    let step_two = (Kind::Done, STEPS[1].to_owned());
    assert_eq!(out.sent, [(Kind::Progress, STEPS[0].to_owned()), step_two]);
    let pending = state.pending.clone();
    assert!(pending.is_some());
    // The turn goes on (a Stop hook blocked, or a background task): a new step is pushed.
    let (state, actions) = {
        let ev = tool_done(&path, false);
        let offset = engine::needs(&state, &ev, &cfg).progress_from.unwrap();
        let ctx = Context {
            progress: Some(transcript::scan_bytes(&data, offset).unwrap()),
            ..Context::default()
        };
        engine::step(state, &ev, &ctx, &cfg)
    };
    assert!(
        matches!(actions.as_slice(), [Action::SendNow(ns)] if ns.len() == 1 && ns[0].body == STEPS[2])
    );
    assert_eq!(state.pending, pending);
}

#[test]
fn secrets_in_progress_messages_are_redacted() {
    let token = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
    let line = json!({"type":"assistant","isSidechain":false,"message":{"id":"m1","role":"assistant",
        "model":"m","content":[{"type":"text","text":format!("Using {token} now.")}],"stop_reason":"tool_use"}})
    .to_string()
        + "\n{}\n";
    let path = PathBuf::from("session.jsonl");
    for redact in [true, false] {
        let cfg = EngineConfig {
            redact,
            ..progress_on()
        };
        let (_, out) = hook_bytes(
            SessionState::default(),
            &tool_done(&path, false),
            &cfg,
            line.as_bytes(),
        );
        assert_eq!(out.progress.len(), 1);
        assert_eq!(out.progress[0].body.contains(token), !redact);
    }
}

#[test]
fn a_replaced_transcript_starts_over_without_repeats() {
    let data = fixture(THREE_STEPS);
    let mut r = Replay::new(progress_on());
    r.all(&data, false);
    assert_eq!(r.progress_texts(), STEPS);
    // The file is replaced by a shorter one holding the same messages and a new step.
    let mut short = data[find(&data, "first MULTI please")..find(&data, STEPS[2])].to_vec();
    let extra =
        json!({"type":"assistant","isSidechain":false,"message":{"id":"m_new","role":"assistant",
        "model":"m","content":[{"type":"text","text":"A new step."}],"stop_reason":"tool_use"}})
        .to_string()
            + "\n{}\n";
    short.extend_from_slice(extra.as_bytes());
    assert!((short.len() as u64) < r.state.progress.offset);
    fs::write(&r.path, &short).unwrap();
    r.fire(&tool_done(&r.path.clone(), false));
    assert_eq!(r.progress_texts()[3..], ["A new step."]);
}

#[test]
fn an_interrupted_turn_leaves_nothing_for_the_next_one() {
    // Esc while streaming leaves a partial message (no stop_reason) that nothing pushed; the
    // next prompt starts a new turn, so it never is.
    let mut r = Replay::new(progress_on());
    r.all(
        &fixture("tests/data/transcripts/tui-interrupts-compact.jsonl"),
        false,
    );
    assert_eq!(r.progress_texts(), ["Sleeping.", "Sleeping."]);
}

#[test]
fn scans_are_asked_for_only_where_progress_is_decided() {
    let path = PathBuf::from("session.jsonl");
    let cfg = progress_on();
    let fresh = SessionState::default();
    let wants = |ev: &Event| engine::needs(&fresh, ev, &cfg).progress_from;
    assert_eq!(wants(&prompt(&path, false)), Some(0));
    assert_eq!(wants(&tool_done(&path, true)), Some(0));
    assert_eq!(wants(&stop(&path, "x")), Some(0));
    assert_eq!(
        wants(&prompt(&path, true)),
        None,
        "a continuation, not a new turn"
    );
    let mut sub = stop(&path, "x");
    sub.subagent = Some("a1".into());
    assert_eq!(wants(&sub), None);
    let mut bare = tool_done(&path, false);
    bare.transcript_path = None;
    assert_eq!(wants(&bare), None);
    assert_eq!(
        wants(&payload(
            &path,
            "PreToolUse",
            json!({ "tool_name": "Bash" })
        )),
        None
    );
    // The offset belongs to its transcript: another file is read from the start.
    let data = fixture(THREE_STEPS);
    let (state, _) = hook_bytes(fresh.clone(), &prompt(&path, false), &cfg, &data);
    let offset = engine::needs(&state, &tool_done(&path, false), &cfg).progress_from;
    assert_eq!(offset, Some(data.len() as u64));
    let other = tool_done(Path::new("cleared.jsonl"), false);
    assert_eq!(engine::needs(&state, &other, &cfg).progress_from, Some(0));
}

/// Claude Code writes its transcript in batches, so on a busy machine it lags the hooks: the
/// turn-end hook may read it before the last steps are in it, and no later hook of the turn
/// reads it again. Wherever the writes had got to when the hooks ran, every step goes out
/// once, all before the banner (the banner's deliverer scans once more right before sending),
/// and the final reply is the banner's alone.
#[test]
fn steps_the_transcript_writes_after_the_turn_end_still_go_out_before_the_banner() {
    let data = fixture(THREE_STEPS);
    let path = PathBuf::from("session.jsonl");
    let cfg = progress_on();
    let line_ends: Vec<usize> = data
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .map(|(i, _)| i + 1)
        .collect();
    let is_result = |end: &usize| {
        let start = data[..end - 1]
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |i| i + 1);
        let v: Value = serde_json::from_slice(&data[start..*end]).unwrap();
        v["message"]["content"][0]["type"] == "tool_result"
    };
    let results: Vec<usize> = line_ends.iter().copied().filter(is_result).collect();
    let prompt_end = find(&data, "first MULTI please") + 1;
    let prompt_end = prompt_end + data[prompt_end..].iter().position(|b| *b == b'\n').unwrap() + 1;
    let mut caught_up = 0;
    for &written in line_ends.iter().filter(|&&end| end >= prompt_end) {
        let seen = |end: usize| &data[..end.min(written)];
        let (mut state, _) = hook_bytes(
            SessionState::default(),
            &prompt(&path, false),
            &cfg,
            seen(prompt_end),
        );
        let mut texts = Vec::new();
        for &result in &results {
            let (s, out) = hook_bytes(state, &tool_done(&path, false), &cfg, seen(result));
            state = s;
            texts.extend(out.progress.into_iter().map(|n| n.body));
        }
        let (s, out) = hook_bytes(state, &stop(&path, LAST_BLOCK), &cfg, seen(data.len()));
        state = s;
        texts.extend(out.progress.into_iter().map(|n| n.body));
        let banner = state.pending.clone().expect("the banner is pending");
        assert_eq!(banner.notification.body, LAST_BLOCK);

        // Right before the banner goes out, the transcript has caught up.
        let (at, offset) = engine::banner_catch_up_from(&state, banner.id).unwrap();
        assert_eq!(at, path);
        let scan = transcript::scan_bytes(&data, offset).unwrap();
        let late = engine::banner_catch_up(&mut state, banner.id, &scan, &cfg, 9_000);
        caught_up += usize::from(!late.is_empty());
        for n in &late {
            assert_eq!(
                (n.kind, n.title.as_str()),
                (Kind::Progress, "proj2 — working…")
            );
            assert_eq!(n.session_id.as_deref(), Some("s1"));
        }
        texts.extend(late.into_iter().map(|n| n.body));
        assert_eq!(texts, STEPS, "hooks saw the first {written} bytes");
        // Once caught up, there is nothing more to catch up on.
        assert_eq!(engine::banner_catch_up_from(&state, banner.id), None);
        assert!(engine::banner_catch_up(&mut state, banner.id, &scan, &cfg, 9_000).is_empty());
    }
    // The hooks alone missed steps whenever the turn end came before they were written.
    assert!(
        caught_up >= 3,
        "only {caught_up} lagging transcripts needed catching up"
    );
}

#[test]
fn only_the_pending_banner_of_the_turn_that_ended_catches_up() {
    let cfg = progress_on();
    let (data, path, state, _) = ended_before_step_three(LAST_BLOCK);
    let banner = state.pending.as_ref().unwrap().id;
    assert!(engine::banner_catch_up_from(&state, banner).is_some());
    assert_eq!(engine::banner_catch_up_from(&state, banner + 1), None);
    let scan = transcript::scan_bytes(&data, state.progress.offset).unwrap();
    let mut other = state.clone();
    assert!(engine::banner_catch_up(&mut other, banner + 1, &scan, &cfg, 9_000).is_empty());
    // A new prompt: the ended turn's leftovers belong to the past.
    let (mut state, _) = hook_bytes(state, &prompt(&path, false), &cfg, &data);
    assert_eq!(engine::banner_catch_up_from(&state, banner), None);
    assert!(engine::banner_catch_up(&mut state, banner, &scan, &cfg, 9_000).is_empty());
}

//! The hook's in-process work, without process start-up:
//!
//! * `step/…`: one turn-state-machine step ([`engine::step`]) for a tool call and for the Stop
//!   that schedules a push.
//! * `parse/…`: [`claude::parse`] of a PreToolUse and of a 2 MB PostToolUse;
//!   `read/…`: [`claude::read_document`] (the hook's bounded-memory read of stdin) of 2 MB
//!   PostToolUses holding plain text and escape-dense source code.
//! * `render/…`: the push body of a 100 KB reply ([`render::body`], redaction on), and
//!   [`redact::redact`] over all of it, in bytes per second.

use std::hint::black_box;

use cc_notify_core::agent::claude;
use cc_notify_core::engine::{self, Context, EngineConfig};
use cc_notify_core::{Event, SessionState, redact, render};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn event(name: &str, extra: &str) -> Event {
    let doc = format!(
        r#"{{"session_id":"a1b2c3d4","transcript_path":"/p/t.jsonl","cwd":"/home/dev/proj","prompt_id":"68c79dc5","hook_event_name":"{name}"{extra}}}"#
    );
    claude::parse(doc.as_bytes()).expect("valid event")
}

fn ctx(now_ms: u64) -> Context {
    Context {
        now_ms,
        silenced: false,
        headless: false,
        transcript: None,
        progress: None,
        progress_restarted: false,
    }
}

/// A 100 KB assistant reply: prose, code and paths, with a few planted credentials.
fn reply_100k() -> String {
    let para = "I updated `src/parser.rs` so the tokenizer no longer drops the last byte; \
                all 42 tests pass (cargo test --workspace). The config at \
                /home/dev/proj/config.toml now reads `retries = 3`.\n";
    let mut s = String::new();
    let mut n = 0;
    while s.len() < 100 * 1024 {
        s.push_str(para);
        n += 1;
        if n % 50 == 0 {
            s.push_str("export OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwxyz0123456789\n");
        }
    }
    s
}

fn step(c: &mut Criterion) {
    let cfg = EngineConfig::default();
    let t0 = 1_795_000_000_000;
    let prompt = event("UserPromptSubmit", r#","prompt":"fix the tests""#);
    let (open, _) = engine::step(SessionState::default(), &prompt, &ctx(t0), &cfg);
    let tool = event(
        "PreToolUse",
        r#","tool_name":"Bash","tool_input":{"command":"cargo test"}"#,
    );
    let stop = event(
        "Stop",
        r#","stop_hook_active":false,"last_assistant_message":"All 42 tests pass.","background_tasks":[]"#,
    );
    let mut g = c.benchmark_group("step");
    g.bench_function("PreToolUse", |b| {
        b.iter(|| engine::step(open.clone(), black_box(&tool), &ctx(t0 + 1000), &cfg))
    });
    g.bench_function("Stop schedules", |b| {
        b.iter(|| {
            let (state, actions) =
                engine::step(open.clone(), black_box(&stop), &ctx(t0 + 90_000), &cfg);
            assert!(matches!(actions.first(), Some(engine::Action::Schedule(_))));
            (state, actions)
        })
    });
    g.finish();
}

fn parse(c: &mut Criterion) {
    let pre = br#"{"session_id":"a1b2c3d4","transcript_path":"/p/t.jsonl","cwd":"/home/dev/proj","prompt_id":"68c79dc5","permission_mode":"default","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"cargo test","description":"test"},"tool_use_id":"toolu_b1f6"}"#;
    let big = "x".repeat(1 << 20);
    let post = format!(
        r#"{{"session_id":"a1b2c3d4","hook_event_name":"PostToolUse","tool_name":"Write","tool_input":{{"content":"{big}"}},"tool_response":{{"content":"{big}"}}}}"#
    );
    let mut g = c.benchmark_group("parse");
    g.bench_function("PreToolUse", |b| {
        b.iter(|| claude::parse(black_box(pre)).expect("parses"))
    });
    g.throughput(Throughput::Bytes(post.len() as u64));
    g.bench_function("PostToolUse 2MB", |b| {
        b.iter(|| claude::parse(black_box(post.as_bytes())).expect("parses"))
    });
    g.finish();

    // Source code as JSON: an escaped quote or newline every few bytes.
    let code = "fn main() {\\n    println!(\\\"hello\\\");\\n}\\n".repeat((1 << 20) / 40);
    let post_code = post.replace(&big, &code);
    let mut g = c.benchmark_group("read");
    for (name, doc) in [
        ("PostToolUse 2MB text", &post),
        ("PostToolUse 2MB code", &post_code),
    ] {
        g.throughput(Throughput::Bytes(doc.len() as u64));
        g.bench_function(name, |b| {
            b.iter(|| claude::read_document(black_box(doc.as_bytes())).expect("reads"))
        });
    }
    g.finish();
}

fn render_reply(c: &mut Criterion) {
    let reply = reply_100k();
    let mut g = c.benchmark_group("render");
    g.bench_function("body 100KB redacted", |b| {
        b.iter(|| render::body(black_box(&reply), true))
    });
    g.throughput(Throughput::Bytes(reply.len() as u64));
    g.bench_function("redact whole 100KB", |b| {
        b.iter(|| redact::redact(black_box(&reply)).len())
    });
    g.finish();
}

criterion_group!(benches, step, parse, render_reply);
criterion_main!(benches);

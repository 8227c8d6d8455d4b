//! Progress pushes through the real binary: the hooks scan the transcript and queue them, the
//! progress sender and the turn's banner send them.

use serde_json::{Value, json};

use super::harness::{World, wait_until};

const SESSION: &str = "progress-lag";
const STEPS: [&str; 2] = ["Step one: listing.", "Step two: checking."];
const REPLY: &str = "All done.";

/// One transcript record per line, as Claude Code writes them.
fn line(v: &Value) -> String {
    format!("{v}\n")
}

fn assistant_text(id: &str, text: &str, stop_reason: &str) -> String {
    line(
        &json!({"type": "assistant", "isSidechain": false, "message": {
        "id": id, "role": "assistant", "model": "m",
        "content": [{"type": "text", "text": text}], "stop_reason": stop_reason}}),
    )
}

fn assistant_tool(id: &str, tool: &str) -> String {
    line(
        &json!({"type": "assistant", "isSidechain": false, "message": {
        "id": id, "role": "assistant", "model": "m",
        "content": [{"type": "tool_use", "id": tool, "name": "Bash", "input": {}}],
        "stop_reason": "tool_use"}}),
    )
}

fn tool_result(tool: &str) -> String {
    line(
        &json!({"type": "user", "isSidechain": false, "message": {"role": "user",
        "content": [{"type": "tool_result", "tool_use_id": tool, "content": "ok"}]}}),
    )
}

fn banner_fired(world: &World) -> bool {
    world
        .decisions(SESSION, "fired")
        .iter()
        .any(|d| d["kind"] == "done")
}

fn append(path: &std::path::Path, text: &str) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

/// Claude Code writes its transcript in batches, so on a busy machine the turn-end hook can
/// read it before the turn's last steps are in it, and no later hook of the turn reads it
/// again. Those steps still go out, silently, and before the banner.
#[test]
fn steps_written_after_the_turn_end_hook_still_go_out_before_the_banner() {
    let world = World::new(
        "[timing]\nbands = [[600, 3]]\ngrace = 0\nrate_limit = 0\n\
         [sessions]\nheadless = \"notify\"\n[progress]\nenabled = true\n",
    );
    let transcript = world.root.path().join("session.jsonl");
    let path = json!(transcript);
    append(
        &transcript,
        &line(&json!({"type": "user", "message": {"role": "user", "content": "go"}})),
    );
    world.event(
        SESSION,
        "UserPromptSubmit",
        json!({"transcript_path": path, "prompt": "go"}),
    );
    append(&transcript, &assistant_text("m1", STEPS[0], "tool_use"));
    append(&transcript, &assistant_tool("m1", "t1"));
    append(&transcript, &tool_result("t1"));
    let tool = json!({"transcript_path": path, "tool_name": "Bash", "tool_input": {},
        "tool_response": {"stdout": "ok"}});
    world.event(SESSION, "PostToolUse", tool.clone());
    // The second step's records are still in Claude Code's write buffer when the turn ends.
    world.event(
        SESSION,
        "Stop",
        json!({"transcript_path": path, "stop_hook_active": false,
            "last_assistant_message": REPLY}),
    );
    {
        // The banner checks the session under its lock right before sending: once the
        // transcript has caught up (and before that check, which the log would show).
        let _lock = world.lock_session(SESSION);
        append(&transcript, &assistant_text("m2", STEPS[1], "tool_use"));
        append(&transcript, &assistant_tool("m2", "t2"));
        append(&transcript, &tool_result("t2"));
        append(&transcript, &assistant_text("m3", REPLY, "end_turn"));
        assert!(
            !banner_fired(&world),
            "the banner went out before the transcript caught up: {:?}",
            world.log()
        );
    }
    assert!(
        wait_until(|| banner_fired(&world)),
        "no banner: {:?}",
        world.log()
    );
    let pushes: Vec<(String, String)> = world
        .fake
        .requests()
        .iter()
        .filter(|r| r.path == "/1/messages.json")
        .map(|r| {
            let param = |k| r.param(k).unwrap_or_default().to_owned();
            (param("priority"), param("message"))
        })
        .collect();
    let silent = |text: &str| ("-2".to_owned(), text.to_owned());
    assert_eq!(
        pushes,
        [
            silent(STEPS[0]),
            silent(STEPS[1]),
            ("0".to_owned(), REPLY.to_owned())
        ],
        "log: {:?}",
        world.log()
    );
}

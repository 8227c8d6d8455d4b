//! 200 hooks for 10 sessions at once: no lost update, no duplicate push, valid state.

use serde_json::json;

use super::harness::{FAST, PATIENCE, World, event, finish_hook, wait_until};

const SESSIONS: usize = 10;
/// Tool events per session in the burst (then one Stop each: 200 hooks in all).
const TOOL_EVENTS: usize = 19;

fn sid(i: usize) -> String {
    format!("concurrent-{i}")
}

/// Session `i` has `i + 1` failed tool calls among its tool events.
fn failures(i: usize) -> usize {
    i + 1
}

/// Starts all `inputs` as hook processes at once, then checks every one of them.
fn all_at_once(world: &World, inputs: Vec<Vec<u8>>) {
    let running: Vec<_> = inputs.into_iter().map(|i| world.spawn_hook(i)).collect();
    for (child, writer) in running {
        finish_hook(child, writer, "concurrent hook");
    }
}

#[test]
fn two_hundred_hooks_at_once_lose_nothing_and_push_once_per_session() {
    let world = World::new(FAST);
    for i in 0..SESSIONS {
        world.event(&sid(i), "UserPromptSubmit", json!({"prompt": "go"}));
    }

    // Interleaved: every session's lock is contended throughout the burst.
    let mut burst = Vec::new();
    for n in 0..TOOL_EVENTS {
        for i in 0..SESSIONS {
            let name = if n < failures(i) {
                "PostToolUseFailure"
            } else {
                "PostToolUse"
            };
            burst.push(event(
                &sid(i),
                name,
                json!({"tool_name": "Bash", "tool_use_id": format!("toolu_{i}_{n}")}),
            ));
        }
    }
    all_at_once(&world, burst);
    let stops = (0..SESSIONS)
        .map(|i| {
            event(
                &sid(i),
                "Stop",
                json!({"last_assistant_message": format!("reply of {}", sid(i))}),
            )
        })
        .collect();
    all_at_once(&world, stops);

    for i in 0..SESSIONS {
        let state = world.session(&sid(i));
        assert_eq!(
            state["state"]["turn"]["tool_failures"].as_u64(),
            Some(failures(i) as u64),
            "lost update in {}",
            sid(i)
        );
    }

    let pushes = world.fake.wait_for_requests(SESSIONS, PATIENCE);
    assert_eq!(pushes.len(), SESSIONS, "{pushes:#?}");
    // Wait for every deliverer to be done, then make sure nothing else was sent.
    assert!(wait_until(|| {
        world
            .log()
            .iter()
            .filter(|r| r["decision"] == "fired")
            .count()
            >= SESSIONS
    }));
    assert!(wait_until(
        || (0..SESSIONS).all(|i| world.deliverers(&sid(i)).is_empty())
    ));
    let pushes = world.fake.requests();
    assert_eq!(pushes.len(), SESSIONS, "duplicate pushes: {pushes:#?}");
    for i in 0..SESSIONS {
        let reply = format!("reply of {}", sid(i));
        let mine: Vec<_> = pushes
            .iter()
            .filter(|p| p.param("message").is_some_and(|m| m.ends_with(&reply)))
            .collect();
        assert_eq!(mine.len(), 1, "{}: {mine:#?}", sid(i));
        let body = mine[0].param("message").unwrap_or_default();
        let note = match failures(i) {
            1 => "1 tool call failed along the way.".to_owned(),
            n => format!("{n} tool calls failed along the way."),
        };
        assert!(body.starts_with(&note), "{}: {body:?}", sid(i));
        // Still valid state after the push went out.
        assert_eq!(
            world.session(&sid(i))["state"]["turn"]["push_delivered"],
            true
        );
    }
    let fired = world
        .log()
        .iter()
        .filter(|r| r["decision"] == "fired")
        .count();
    assert_eq!(fired, SESSIONS);
}

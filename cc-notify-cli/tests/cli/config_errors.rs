//! A broken config file: `doctor` and `send` name the file, line and key and fail; the hook
//! logs it and carries on with the defaults.

use serde_json::json;

use super::harness::World;

/// Broken configs: (what, text, the line and the key the error must name).
const BROKEN: [(&str, &str, usize, &str); 6] = [
    ("syntax error", "[timing]\ngrace = ten\n", 2, "timing.grace"),
    (
        "unknown key",
        "[timing]\ngrace = 5\ngarce = 5\n",
        3,
        "timing.garce",
    ),
    (
        "wrong type",
        "[sessions]\n\nheadless = true\n",
        3,
        "sessions.headless",
    ),
    (
        "negative duration",
        "[timing]\nrate_limit = -1\n",
        2,
        "timing.rate_limit",
    ),
    (
        "absurd duration",
        "[timing]\ntyping_window = 10\ngrace = 99999999999\n",
        3,
        "timing.grace",
    ),
    (
        "absurd band",
        "[timing]\nbands = [[60, 20], [120, 86401]]\n",
        2,
        "timing.bands",
    ),
];

fn both(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn doctor_and_send_name_file_line_and_key_and_fail() {
    let world = World::new("");
    for (what, text, line, key) in BROKEN {
        world.write_config(text);
        let at = format!("{}:{line}:", world.config.display());
        for args in [&["doctor"][..], &["send", "x"]] {
            let out = world.run(args);
            let shown = both(&out);
            assert!(
                !out.status.success(),
                "{what}: `{}` succeeded:\n{shown}",
                args[0]
            );
            assert!(
                shown.contains(&at) && shown.contains(key),
                "{what}: `{}` does not name {at} and {key}:\n{shown}",
                args[0]
            );
        }
        assert!(
            world.fake.requests().is_empty(),
            "{what}: sent with a broken config"
        );
    }
}

#[test]
fn send_exits_1_on_a_broken_config() {
    let world = World::new("");
    world.write_config(BROKEN[0].1);
    assert_eq!(world.run(&["send", "x"]).status.code(), Some(1));
}

#[test]
fn the_hook_logs_a_broken_config_and_carries_on() {
    let world = World::new("");
    for (i, (what, text, _, key)) in BROKEN.into_iter().enumerate() {
        world.write_config(text);
        let sid = format!("config-{i}");
        let before = world.log().len();
        world.event(&sid, "Stop", json!({"last_assistant_message": "done"}));
        let log = world.log();
        let new = &log[before..];
        let error = new
            .iter()
            .find(|r| {
                r["reason"]
                    .as_str()
                    .is_some_and(|r| r.contains("config error"))
            })
            .unwrap_or_else(|| panic!("{what}: no config error logged: {new:?}"));
        assert!(
            error["reason"].as_str().is_some_and(|r| r.contains(key)),
            "{what}: {error}"
        );
        // …and the event was still handled, with the defaults.
        assert!(
            new.iter()
                .any(|r| r["event"] == "Stop" && r["decision"] != "error"),
            "{what}: the Stop was not handled: {new:?}"
        );
    }
}

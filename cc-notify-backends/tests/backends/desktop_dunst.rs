//! The desktop backend against a real notification daemon: dunst on a headless X server
//! (Xvfb) with a private session bus (dbus-launch), read back with `dunstctl`.
//!
//! Install the programs with `.ci/desktop-setup.sh`, then run
//! `cargo test -p cc-notify-backends --test tests desktop_dunst:: -- --ignored --test-threads=1`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

use std::time::Duration;

use cc_notify_backends::{Desktop, DesktopConfig};
use cc_notify_core::{Kind, Notification, Notifier};
use cc_notify_testkit::dunst::{DunstSession as Session, wait_until};

/// The desktop backend on `s`'s bus.
fn desktop(s: &Session) -> Desktop {
    Desktop::from_config(&DesktopConfig { enabled: true }, Some(&s.bus)).unwrap()
}

const NEEDS: &str = "needs dunst, Xvfb and dbus-launch (.ci/desktop-setup.sh)";

fn with_session(session: &str, kind: Kind, title: &str, body: &str) -> Notification {
    let mut n = Notification::new(kind, title, body);
    n.session_id = Some(session.into());
    n
}

#[test]
#[ignore = "needs dunst, Xvfb and dbus-launch (.ci/desktop-setup.sh)"]
fn each_kind_is_shown_with_its_text_and_urgency() {
    let s = Session::start();
    let d = desktop(&s);
    let kinds = [
        (Kind::Progress, "proj: working", 11_000_000),
        (Kind::Done, "proj: done", 12_000_000),
        (Kind::Error, "proj: failed", 0),
        (Kind::NeedsInput, "proj: needs input", 0),
    ];
    for (i, (kind, title, _)) in kinds.iter().enumerate() {
        // Different sessions: nothing replaces anything here.
        let r = d
            .send(&with_session(&format!("s{i}"), *kind, title, "body ✓"))
            .expect(NEEDS);
        assert!(r.request_id.is_some());
    }
    assert!(
        wait_until(Duration::from_secs(5), || s.displayed() == 4),
        "{}",
        s.displayed()
    );
    // dunst orders its history by urgency; compare as sets.
    let mut history = s.close_all_and_read_history();
    history.sort();
    let mut expected: Vec<_> = kinds
        .iter()
        .map(|(_, title, timeout)| {
            (
                "cc-notify".to_owned(),
                title.to_string(),
                "body ✓".to_owned(),
                *timeout,
            )
        })
        .collect();
    expected.sort();
    assert_eq!(history, expected);
}

#[test]
#[ignore = "needs dunst, Xvfb and dbus-launch (.ci/desktop-setup.sh)"]
fn one_sessions_notifications_replace_each_other_instead_of_stacking() {
    let s = Session::start();
    let d = desktop(&s);
    let first = d
        .send(&with_session("a", Kind::Progress, "a: working", "1"))
        .expect(NEEDS);
    let second = d
        .send(&with_session("a", Kind::Done, "a: done", "2"))
        .unwrap();
    d.send(&with_session("b", Kind::Done, "b: done", "3"))
        .unwrap();
    assert_eq!(first.request_id, second.request_id, "replaced, same id");
    assert!(
        wait_until(Duration::from_secs(5), || s.displayed() == 2),
        "{}",
        s.displayed()
    );
    let summaries: Vec<String> = s
        .close_all_and_read_history()
        .into_iter()
        .map(|(_, summary, _, _)| summary)
        .collect();
    assert!(summaries.contains(&"a: done".to_owned()), "{summaries:?}");
    assert!(summaries.contains(&"b: done".to_owned()), "{summaries:?}");
    assert!(
        !summaries.contains(&"a: working".to_owned()),
        "{summaries:?}"
    );
}

#[test]
#[ignore = "needs dunst, Xvfb and dbus-launch (.ci/desktop-setup.sh)"]
fn separate_processes_replace_through_the_id_or_the_stack_tag() {
    let s = Session::start();
    // Two senders stand for two deliverer processes: no shared memory.
    desktop(&s)
        .send(&with_session("c", Kind::Progress, "c: working", "1"))
        .expect(NEEDS);
    // dunst replaces through the stack tag and gives the replacement a new id: the receipt
    // carries the id that is current.
    let r = desktop(&s)
        .send(&with_session("c", Kind::Done, "c: done", "2"))
        .unwrap();
    let id: u32 = r.request_id.unwrap().parse().unwrap();
    assert!(
        wait_until(Duration::from_secs(5), || s.displayed() == 1),
        "{}",
        s.displayed()
    );
    // A caller that kept the id can also replace explicitly (any spec-conforming daemon).
    let again = desktop(&s)
        .send_replacing(&Notification::new(Kind::Error, "c: failed", "3"), id)
        .unwrap();
    assert_eq!(again, id);
    assert!(
        wait_until(Duration::from_secs(5), || s.displayed() == 1),
        "{}",
        s.displayed()
    );
    let summaries: Vec<String> = s
        .close_all_and_read_history()
        .into_iter()
        .map(|(_, s, _, _)| s)
        .collect();
    assert_eq!(summaries, ["c: failed"]);
}

#[test]
#[ignore = "needs dunst, Xvfb and dbus-launch (.ci/desktop-setup.sh)"]
fn server_information_names_the_daemon() {
    let s = Session::start();
    let [name, _vendor, _version, spec] = desktop(&s).server_information().expect(NEEDS);
    assert_eq!(name, "dunst");
    assert!(spec.starts_with("1."), "{spec}");
}

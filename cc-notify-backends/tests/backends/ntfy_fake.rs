//! The ntfy backend against the strict ntfy fake.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::time::Duration;

use cc_notify_backends::ntfy::{Action, Message};
use cc_notify_backends::{Ntfy, NtfyConfig, Secret, Timeouts};
use cc_notify_core::testing::{ConformanceHarness, Delivered, Mode, run_conformance};
use cc_notify_core::{Kind, Notification, Notifier, NotifyError};
use cc_notify_testkit::ntfy::FakeNtfy;
use cc_notify_testkit::scripted::Fault;

const TOKEN: &str = "tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2";

fn quick() -> Timeouts {
    Timeouts {
        connect: Duration::from_secs(2),
        read: Duration::from_millis(400),
    }
}

fn ntfy(fake: &FakeNtfy, topic: &str, token: &str) -> Ntfy {
    Ntfy::from_config(&NtfyConfig {
        url: fake.base_url(),
        topic: topic.into(),
        token: Secret::new(token),
    })
    .unwrap()
    .with_timeouts(quick())
}

#[derive(Default)]
struct Harness(Vec<FakeNtfy>);

impl ConformanceHarness for Harness {
    fn notifier(&mut self, mode: Mode) -> Box<dyn Notifier> {
        let fake = FakeNtfy::start();
        match mode {
            Mode::Accept => {}
            Mode::RejectPermanent => fake.forbid_topic("cc-conformance"),
            Mode::Unavailable => fake.script(Fault::ServerError(503)),
            Mode::Hang => fake.script(Fault::Hang),
        }
        let n = ntfy(&fake, "cc-conformance", "");
        self.0.push(fake);
        Box::new(n)
    }

    fn delivered(&self) -> Vec<Delivered> {
        self.0
            .iter()
            .flat_map(|f| f.messages())
            .map(|m| Delivered {
                title: m["title"].as_str().unwrap_or_default().into(),
                body: m["message"].as_str().unwrap_or_default().into(),
            })
            .collect()
    }
}

#[test]
fn ntfy_passes_the_notifier_conformance_suite() {
    run_conformance(&mut Harness::default());
}

#[test]
fn a_push_carries_title_priority_tags_click_and_an_open_button_with_the_token() {
    let fake = FakeNtfy::start();
    fake.require_token(TOKEN);
    let mut n = Notification::new(Kind::NeedsInput, "proj: needs input", "Bash: rm -rf build");
    n.url = Some("https://example.com/session/1".into());
    let receipt = ntfy(&fake, "cc-7f3a", TOKEN).send(&n).unwrap();
    let m = &fake.messages()[0];
    assert_eq!(receipt.request_id.as_deref(), m["id"].as_str());
    assert_eq!(m["topic"], "cc-7f3a");
    assert_eq!(m["title"], "proj: needs input");
    assert_eq!(m["message"], "Bash: rm -rf build");
    assert_eq!(m["priority"], 4);
    assert_eq!(m["tags"], serde_json::json!(["bell", "input"]));
    assert_eq!(m["click"], "https://example.com/session/1");
    assert_eq!(m["actions"][0]["label"], "Open");
    let rq = &fake.requests()[0];
    assert_eq!((rq.method.as_str(), rq.path.as_str()), ("POST", "/"));
    assert_eq!(
        rq.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
}

#[test]
fn a_wrong_or_missing_token_is_permanent_and_never_quoted() {
    let fake = FakeNtfy::start();
    fake.require_token(TOKEN);
    let n = Notification::new(Kind::Done, "t", "b");
    let wrong = "tk_wrongwrongwrongwrongwrongwro";
    for token in ["", wrong] {
        let sender = ntfy(&fake, "t", token);
        let e = sender.send(&n).unwrap_err();
        assert!(e.is_permanent(), "{e:?}");
        assert!(
            matches!(
                e,
                NotifyError::Rejected {
                    status: Some(401),
                    ..
                }
            ),
            "{e:?}"
        );
        let shown = format!("{e} {e:?} {sender:?}");
        assert!(!shown.contains("wrongwrong"), "{shown}");
    }
}

#[test]
fn a_429_waits_for_the_announced_reset_and_5xx_or_a_drop_is_transient() {
    let fake = FakeNtfy::start();
    let sender = ntfy(&fake, "t", "");
    let n = Notification::new(Kind::Done, "t", "b");
    fake.script(Fault::TooManyRequests { retry_after: 120 });
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    match sender.send(&n).unwrap_err() {
        NotifyError::QuotaExhausted { until: Some(t) } => {
            assert!(
                (before + 120..=before + 122).contains(&t),
                "{t} vs {before}"
            )
        }
        other => panic!("{other:?}"),
    }
    fake.script(Fault::Drop);
    assert!(sender.send(&n).unwrap_err().is_transient());
    fake.script(Fault::ServerError(502));
    assert!(sender.send(&n).unwrap_err().is_transient());
    assert!(
        sender.send(&n).is_ok(),
        "it works again once the server does"
    );
}

#[test]
fn a_hanging_server_is_a_timeout_within_the_bound() {
    let fake = FakeNtfy::start();
    fake.script(Fault::Hang);
    let e = ntfy(&fake, "t", "")
        .send(&Notification::new(Kind::Done, "t", "b"))
        .unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    assert_eq!(fake.held(), 1);
}

#[test]
fn http_action_buttons_are_published_and_more_than_three_refused_before_sending() {
    let fake = FakeNtfy::start();
    let sender = ntfy(&fake, "cc-7f3a", "");
    let button = |label: &str| Action::Http {
        label: label.into(),
        url: format!("{}/cc-7f3a-resp", fake.base_url()),
        method: "POST".into(),
        headers: vec![("Authorization".into(), "Bearer tk_resp".into())],
        body: format!("{{\"d\":\"{label}\"}}"),
        clear: true,
    };
    let mut m = Message {
        topic: "cc-7f3a".into(),
        title: "proj: Bash needs approval".into(),
        message: "touch /outside/x".into(),
        priority: 4,
        tags: vec!["warning".into()],
        click: None,
        actions: vec![button("allow"), button("deny")],
    };
    sender.publish(&m).unwrap();
    let stored = &fake.messages()[0]["actions"];
    assert_eq!(stored[1]["action"], "http");
    assert_eq!(stored[1]["headers"]["Authorization"], "Bearer tk_resp");
    assert_eq!(stored[0]["body"], "{\"d\":\"allow\"}");
    m.actions.extend([button("a"), button("b")]);
    assert!(sender.publish(&m).unwrap_err().is_permanent());
    assert_eq!(
        fake.requests().len(),
        1,
        "nothing was sent for the refused message"
    );
}

#[test]
fn a_message_over_4096_bytes_is_cut_so_the_server_takes_it() {
    let fake = FakeNtfy::start();
    let body = "é".repeat(5000);
    ntfy(&fake, "t", "")
        .send(&Notification::new(Kind::Done, "t", body.as_str()))
        .unwrap();
    let got = fake.messages()[0]["message"].as_str().unwrap().to_owned();
    assert!(got.len() <= 4096 && got.ends_with('…'), "{}", got.len());
    assert!(body.starts_with(got.trim_end_matches('…')));
}

#[test]
fn check_asks_the_health_endpoint() {
    let fake = FakeNtfy::start();
    let sender = ntfy(&fake, "t", "");
    sender.check().unwrap();
    assert_eq!(fake.requests()[0].path, "/v1/health");
    fake.script(Fault::ServerError(503));
    assert!(sender.check().unwrap_err().is_transient());
}

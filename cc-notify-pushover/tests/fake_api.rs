//! The Pushover sender against the fake Pushover API (cc-notify-testkit).

// Tests may unwrap: a failure here is a test failure.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use cc_notify_core::testing::{ConformanceHarness, Delivered, Mode, run_conformance};
use cc_notify_core::{Kind, Notification, Notifier, NotifyError};
use cc_notify_pushover::{MAX_RETRY_INTERVAL, MIN_RETRY_INTERVAL, Pushover, PushoverConfig};
use cc_notify_testkit::pushover::{
    Behaviour, EXAMPLE_TOKEN, EXAMPLE_USER, FakePushover, LimitHeaders,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

const SHORT: Duration = Duration::from_millis(300);

fn config_for(fake: &FakePushover) -> PushoverConfig {
    PushoverConfig {
        api_url: fake.url(),
        read_timeout: SHORT,
        connect_timeout: SHORT,
        ..PushoverConfig::new(EXAMPLE_TOKEN, EXAMPLE_USER)
    }
}

fn sender(fake: &FakePushover) -> Pushover {
    Pushover::new(config_for(fake)).unwrap()
}

fn done(body: &str) -> Notification {
    Notification::new(Kind::Done, "proj: done", body)
}

#[derive(Default)]
struct Harness(Vec<FakePushover>);

impl ConformanceHarness for Harness {
    fn notifier(&mut self, mode: Mode) -> Box<dyn Notifier> {
        let fake = FakePushover::start();
        match mode {
            Mode::Accept => {}
            Mode::RejectPermanent => fake.accept_users(&["gznej3rKEVAvPUxu9vvNnqpmZpokzF"]),
            Mode::Unavailable => fake.script(Behaviour::ServerError5xx),
            Mode::Hang => fake.script(Behaviour::Hang),
        }
        let notifier = Box::new(sender(&fake));
        self.0.push(fake);
        notifier
    }

    fn delivered(&self) -> Vec<Delivered> {
        self.0
            .iter()
            .flat_map(|f| f.requests())
            .filter(|r| r.status == Some(200))
            .map(|r| Delivered {
                title: r.param("title").unwrap_or_default().to_owned(),
                body: r.param("message").unwrap_or_default().to_owned(),
            })
            .collect()
    }
}

#[test]
fn pushover_passes_the_notifier_conformance_suite() {
    run_conformance(&mut Harness::default());
}

#[test]
fn each_kind_arrives_with_its_priority_sound_and_metadata() {
    let fake = FakePushover::start();
    let mut cfg = config_for(&fake);
    cfg.device = Some("phone".into());
    cfg.ttl = Some(600);
    cfg.url_title = Some("Open".into());
    let p = Pushover::new(cfg).unwrap();
    for kind in Kind::ALL {
        let mut n = Notification::new(kind, "t", "b");
        n.url = Some("https://example.com/s/1".into());
        n.timestamp = Some(1_700_000_000);
        p.send(&n).unwrap();
    }
    let got: Vec<_> = fake
        .requests()
        .iter()
        .map(|r| {
            (
                r.param("priority").map(str::to_owned),
                r.param("sound").map(str::to_owned),
            )
        })
        .collect();
    let s = |v: &str| Some(v.to_owned());
    assert_eq!(
        got,
        [
            (s("0"), s("magic")),
            (s("1"), s("siren")),
            (s("1"), s("echo")),
            (s("-2"), None)
        ]
    );
    let r = &fake.requests()[0];
    assert_eq!(r.param("device"), Some("phone"));
    assert_eq!(r.param("ttl"), Some("600"));
    assert_eq!(r.param("timestamp"), Some("1700000000"));
    assert_eq!(r.param("url"), Some("https://example.com/s/1"));
    assert_eq!(r.param("url_title"), Some("Open"));
}

#[test]
fn success_reports_request_id_quota_and_emergency_receipt() {
    let fake = FakePushover::start();
    let p = sender(&fake);
    let r = p.send(&done("ok")).unwrap();
    assert!(r.request_id.is_some_and(|id| id.starts_with("fake-")));
    assert_eq!(
        (r.quota_remaining, r.quota_reset),
        (Some(7496), Some(1_393_653_600))
    );

    fake.set_limit_headers(LimitHeaders::Malformed);
    let mut n = done("emergency");
    n.priority = Some(2);
    let r = p.send(&n).unwrap();
    assert_eq!((r.quota_remaining, r.quota_reset), (None, None));
    assert_eq!(r.receipt.map(|r| r.len()), Some(30));
    let sent = fake.requests().pop().unwrap();
    assert_eq!(
        (sent.param("retry"), sent.param("expire")),
        (Some("60"), Some("3600"))
    );

    fake.set_limit_headers(LimitHeaders::Absent);
    assert!(p.send(&done("no headers")).is_ok());
}

#[test]
fn a_refused_key_is_permanent_carries_pushovers_text_and_no_secret() {
    let fake = FakePushover::start();
    fake.accept_users(&["gznej3rKEVAvPUxu9vvNnqpmZpokzF"]);
    let e = sender(&fake).send(&done("x")).unwrap_err();
    assert!(e.is_permanent());
    let text = e.to_string();
    assert!(
        text.contains("HTTP 400") && text.contains("user identifier is not a valid"),
        "{text}"
    );
    assert!(!text.contains(EXAMPLE_USER) && !text.contains(EXAMPLE_TOKEN));
}

#[test]
fn quota_429_is_permanent_until_the_announced_reset() {
    let fake = FakePushover::start();
    fake.script(Behaviour::Quota429 {
        reset: Some(1_800_000_000),
    });
    let e = sender(&fake).send(&done("x")).unwrap_err();
    assert_eq!(
        e,
        NotifyError::QuotaExhausted {
            until: Some(1_800_000_000)
        }
    );
    assert!(e.is_permanent());
}

#[test]
fn broken_and_slow_servers_give_transient_errors_within_the_timeout() {
    let fake = FakePushover::start();
    let p = sender(&fake);
    fake.script(Behaviour::DropConnection);
    assert!(p.send(&done("x")).unwrap_err().is_transient());
    fake.script(Behaviour::Slow(Duration::from_secs(30)));
    assert!(p.send(&done("x")).unwrap_err().is_timeout());
    fake.script(Behaviour::Slow(Duration::from_millis(10)));
    assert!(p.send(&done("x")).is_ok());
    fake.script(Behaviour::Reject4xx {
        status: 403,
        errors: vec!["nope".into()],
    });
    assert!(p.send(&done("x")).unwrap_err().to_string().contains("nope"));
}

#[test]
fn nothing_listening_is_transient() {
    let fake = FakePushover::start();
    let cfg = config_for(&fake);
    drop(fake);
    let e = Pushover::new(cfg).unwrap().send(&done("x")).unwrap_err();
    assert!(e.is_transient(), "{e:?}");
}

#[test]
fn retries_transient_failures_with_backoff_from_five_seconds_and_never_permanent_ones() {
    let fake = FakePushover::start();
    let p = sender(&fake);
    fake.script(Behaviour::ServerError5xx);
    fake.script(Behaviour::DropConnection);
    let mut slept = Vec::new();
    assert!(
        p.send_with_retry(&done("x"), 3, &mut |d| slept.push(d))
            .is_ok()
    );
    assert_eq!(slept, [MIN_RETRY_INTERVAL, 2 * MIN_RETRY_INTERVAL]);
    assert_eq!(fake.requests().len(), 3);

    fake.script(Behaviour::Reject4xx {
        status: 400,
        errors: vec!["bad".into()],
    });
    slept.clear();
    assert!(
        p.send_with_retry(&done("x"), 3, &mut |d| slept.push(d))
            .is_err()
    );
    assert!(slept.is_empty(), "a refusal was retried");
    assert_eq!(fake.requests().len(), 4);

    // Bounded: `retries` more attempts and no more, waits capped.
    for _ in 0..8 {
        fake.script(Behaviour::ServerError5xx);
    }
    let e = p
        .send_with_retry(&done("x"), 7, &mut |d| slept.push(d))
        .unwrap_err();
    assert!(e.is_transient());
    assert_eq!(fake.requests().len(), 12);
    assert_eq!(slept.len(), 7);
    assert_eq!(slept[4..], [MAX_RETRY_INTERVAL; 3]);
}

#[test]
fn validate_user_needs_an_active_device() {
    let fake = FakePushover::start();
    let p = sender(&fake);
    let info = p.validate_user().unwrap();
    assert_eq!(info.devices, ["phone"]);
    assert_eq!(fake.requests()[0].path, "/1/users/validate.json");
    fake.set_devices(&[]);
    assert!(p.validate_user().unwrap_err().is_permanent());
    fake.accept_users(&["gznej3rKEVAvPUxu9vvNnqpmZpokzF"]);
    assert!(
        p.validate_user()
            .unwrap_err()
            .to_string()
            .contains("HTTP 400")
    );
}

#[test]
fn fake_waits_for_requests_without_sleeping() {
    let fake = FakePushover::start();
    fake.script(Behaviour::Hang);
    let cfg = config_for(&fake);
    let t = std::thread::spawn(move || Pushover::new(cfg).unwrap().send(&done("x")));
    assert_eq!(fake.wait_for_requests(1, Duration::from_secs(10)).len(), 1);
    assert!(t.join().unwrap().unwrap_err().is_timeout());
}

#[test]
fn any_title_body_and_url_make_a_request_the_fake_accepts() {
    let fake = FakePushover::start();
    let p = sender(&fake);
    let text = || prop::collection::vec(any::<char>(), 0..1500).prop_map(String::from_iter);
    let mut runner = TestRunner::new(Config::with_cases(48));
    runner
        .run(&(text(), text(), text()), |(title, body, path)| {
            let mut n = Notification::new(Kind::Done, title, body);
            n.url = Some(format!("https://example.com/{path}"));
            let r = p.send(&n);
            prop_assert!(r.is_ok(), "{:?}", r);
            Ok(())
        })
        .unwrap();
}

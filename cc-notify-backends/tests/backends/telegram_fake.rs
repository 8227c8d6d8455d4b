//! The Telegram backend against the strict Bot API fake.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::time::Duration;

use cc_notify_backends::{Secret, Telegram, TelegramConfig, Timeouts};
use cc_notify_core::testing::{ConformanceHarness, Delivered, Mode, run_conformance};
use cc_notify_core::{Kind, Notification, Notifier, NotifyError};
use cc_notify_testkit::scripted::Fault;
use cc_notify_testkit::telegram::{EXAMPLE_TOKEN, FakeTelegram};

const CHAT: i64 = 987_654_321;

fn telegram(fake: &FakeTelegram, token: &str, chat: &str) -> Telegram {
    Telegram::from_config(&TelegramConfig {
        bot_token: Secret::new(token),
        chat_id: chat.into(),
        api_url: fake.base_url(),
    })
    .unwrap()
    .with_timeouts(Timeouts {
        connect: Duration::from_secs(2),
        read: Duration::from_millis(400),
    })
}

fn fake() -> FakeTelegram {
    let f = FakeTelegram::start();
    f.add_chat(CHAT);
    f
}

#[derive(Default)]
struct Harness(Vec<FakeTelegram>);

impl ConformanceHarness for Harness {
    fn notifier(&mut self, mode: Mode) -> Box<dyn Notifier> {
        let fake = fake();
        let mut chat = CHAT.to_string();
        match mode {
            Mode::Accept => {}
            Mode::RejectPermanent => chat = "42".into(),
            Mode::Unavailable => fake.script(Fault::ServerError(502)),
            Mode::Hang => fake.script(Fault::Hang),
        }
        let t = telegram(&fake, EXAMPLE_TOKEN, &chat);
        self.0.push(fake);
        Box::new(t)
    }

    fn delivered(&self) -> Vec<Delivered> {
        self.0
            .iter()
            .flat_map(|f| f.sent())
            .map(|s| {
                let (title, body) = s.text.split_once('\n').unwrap_or((&s.text, ""));
                Delivered {
                    title: title.into(),
                    body: body.into(),
                }
            })
            .collect()
    }
}

#[test]
fn telegram_passes_the_notifier_conformance_suite() {
    run_conformance(&mut Harness::default());
}

#[test]
fn send_message_arrives_as_escaped_html_with_an_open_button() {
    let fake = fake();
    let mut n = Notification::new(Kind::Error, "proj: <build> failed", "exit 1 & 2 > 0");
    n.url = Some("https://example.com/run/7".into());
    let r = telegram(&fake, EXAMPLE_TOKEN, &CHAT.to_string())
        .send(&n)
        .unwrap();
    assert_eq!(r.request_id.as_deref(), Some("1"));
    let sent = &fake.sent()[0];
    assert_eq!(sent.chat_id, CHAT);
    assert_eq!(sent.text, "proj: <build> failed\nexit 1 & 2 > 0");
    let markup = sent.reply_markup.as_ref().unwrap();
    assert_eq!(
        markup["inline_keyboard"][0][0]["url"],
        "https://example.com/run/7"
    );
    let rq = &fake.requests()[0];
    assert_eq!(rq.path, format!("/bot{EXAMPLE_TOKEN}/sendMessage"));
    assert!(rq.is_json());
}

#[test]
fn a_wrong_token_or_unknown_chat_is_permanent_and_the_token_is_never_shown() {
    let fake = fake();
    let wrong = "999:WRONGsecretWRONGsecret";
    let sender = telegram(&fake, wrong, &CHAT.to_string());
    let e = sender
        .send(&Notification::new(Kind::Done, "t", "b"))
        .unwrap_err();
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
    assert!(!shown.contains("WRONGsecret"), "{shown}");

    let e = telegram(&fake, EXAMPLE_TOKEN, "-100123")
        .send(&Notification::new(Kind::Done, "t", "b"))
        .unwrap_err();
    assert!(
        e.is_permanent() && e.to_string().contains("chat not found"),
        "{e}"
    );
}

#[test]
fn a_429_waits_for_retry_after_from_the_body() {
    let fake = fake();
    fake.script(Fault::TooManyRequests { retry_after: 35 });
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    match telegram(&fake, EXAMPLE_TOKEN, &CHAT.to_string())
        .send(&Notification::new(Kind::Done, "t", "b"))
        .unwrap_err()
    {
        NotifyError::QuotaExhausted { until: Some(t) } => {
            assert!((before + 35..=before + 37).contains(&t), "{t} vs {before}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn connection_failures_are_transient_and_do_not_leak_the_token_in_the_url() {
    let fake = fake();
    fake.script(Fault::Drop);
    let sender = telegram(&fake, EXAMPLE_TOKEN, &CHAT.to_string());
    let e = sender
        .send(&Notification::new(Kind::Done, "t", "b"))
        .unwrap_err();
    assert!(e.is_transient(), "{e:?}");
    assert!(!format!("{e} {e:?}").contains("ABC-DEF1234"), "{e:?}");
    // Nothing listens on the fake's port once it is gone.
    let addr = fake.base_url();
    drop(fake);
    let gone = Telegram::from_config(&TelegramConfig {
        bot_token: Secret::new(EXAMPLE_TOKEN),
        chat_id: CHAT.to_string(),
        api_url: addr,
    })
    .unwrap();
    let e = gone
        .send(&Notification::new(Kind::Done, "t", "b"))
        .unwrap_err();
    assert!(
        e.is_transient() && !format!("{e:?}").contains("ABC-DEF1234"),
        "{e:?}"
    );
}

#[test]
fn a_long_emoji_body_is_cut_to_what_telegram_accepts() {
    let fake = fake();
    let body = "🦀".repeat(3000);
    telegram(&fake, EXAMPLE_TOKEN, &CHAT.to_string())
        .send(&Notification::new(Kind::Done, "title", body.as_str()))
        .unwrap();
    let text = &fake.sent()[0].text;
    assert!(text.encode_utf16().count() <= 4096 && text.ends_with('…'));
}

#[test]
fn check_reads_the_bot_name_and_refuses_a_wrong_token() {
    let fake = fake();
    let name = telegram(&fake, EXAMPLE_TOKEN, "1").check().unwrap();
    assert_eq!(name, "@cc_notify_test_bot");
    assert_eq!(
        fake.requests()[0].path,
        format!("/bot{EXAMPLE_TOKEN}/getMe")
    );
    let e = telegram(&fake, "1:nope", "1").check().unwrap_err();
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
}

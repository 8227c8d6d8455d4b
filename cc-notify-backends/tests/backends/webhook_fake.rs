//! The webhook backend, in each format, against the strict Slack, Discord and JSON fakes.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

use std::time::Duration;

use cc_notify_backends::webhook::Format;
use cc_notify_backends::{Secret, Timeouts, Webhook, WebhookConfig};
use cc_notify_core::testing::{ConformanceHarness, Delivered, Mode, run_conformance};
use cc_notify_core::{Kind, Notification, Notifier, NotifyError};
use cc_notify_testkit::scripted::Fault;
use cc_notify_testkit::webhook::{FakeWebhook, Flavour};
use serde_json::{Value, json};

fn hook(url: &str, format: Format) -> Webhook {
    Webhook::from_config(&WebhookConfig {
        url: Secret::new(url),
        format,
    })
    .unwrap()
    .with_timeouts(Timeouts {
        connect: Duration::from_secs(2),
        read: Duration::from_millis(400),
    })
}

fn format_of(flavour: Flavour) -> Format {
    match flavour {
        Flavour::Slack => Format::Slack,
        Flavour::Discord => Format::Discord,
        Flavour::Json => Format::Json,
    }
}

struct Harness {
    flavour: Flavour,
    fakes: Vec<FakeWebhook>,
}

impl ConformanceHarness for Harness {
    fn notifier(&mut self, mode: Mode) -> Box<dyn Notifier> {
        let fake = FakeWebhook::start(self.flavour);
        let mut url = fake.url();
        match mode {
            Mode::Accept => {}
            Mode::RejectPermanent => url.push_str("-revoked"),
            Mode::Unavailable => fake.script(Fault::ServerError(500)),
            Mode::Hang => fake.script(Fault::Hang),
        }
        let h = hook(&url, format_of(self.flavour));
        self.fakes.push(fake);
        Box::new(h)
    }

    fn delivered(&self) -> Vec<Delivered> {
        let unwrap = |v: &Value, key: &str, mark: &str| {
            let text = v[key].as_str().unwrap_or_default();
            let text = text.strip_prefix(mark).unwrap_or(text);
            let (title, body) = text.split_once(&format!("{mark}\n")).unwrap_or((text, ""));
            Delivered {
                title: title.trim_end_matches(mark).into(),
                body: body.into(),
            }
        };
        self.fakes
            .iter()
            .flat_map(|f| f.accepted())
            .map(|v| match self.flavour {
                Flavour::Slack => unwrap(&v, "text", "*"),
                Flavour::Discord => unwrap(&v, "content", "**"),
                Flavour::Json => Delivered {
                    title: v["title"].as_str().unwrap_or_default().into(),
                    body: v["body"].as_str().unwrap_or_default().into(),
                },
            })
            .collect()
    }
}

#[test]
fn every_format_passes_the_notifier_conformance_suite() {
    for flavour in [Flavour::Json, Flavour::Slack, Flavour::Discord] {
        run_conformance(&mut Harness {
            flavour,
            fakes: Vec::new(),
        });
    }
}

#[test]
fn each_format_posts_its_documented_body() {
    let mut n = Notification::new(Kind::Done, "proj: done", "All <3> tests pass & more");
    n.session_id = Some("s-1".into());
    n.timestamp = Some(1_700_000_000);

    let json_fake = FakeWebhook::start(Flavour::Json);
    hook(&json_fake.url(), Format::Json).send(&n).unwrap();
    assert_eq!(
        json_fake.accepted()[0],
        json!({"kind":"done","title":"proj: done","body":"All <3> tests pass & more",
               "session_id":"s-1","timestamp":1_700_000_000})
    );

    let slack = FakeWebhook::start(Flavour::Slack);
    hook(&slack.url(), Format::Slack).send(&n).unwrap();
    assert_eq!(
        slack.accepted()[0],
        json!({"text":"*proj: done*\nAll &lt;3&gt; tests pass &amp; more"})
    );
    assert_eq!(slack.requests()[0].status, Some(200));

    let discord = FakeWebhook::start(Flavour::Discord);
    hook(&discord.url(), Format::Discord).send(&n).unwrap();
    assert_eq!(
        discord.accepted()[0]["allowed_mentions"],
        json!({"parse": []})
    );
    assert_eq!(discord.requests()[0].status, Some(204));
}

#[test]
fn a_revoked_url_is_permanent_and_its_secret_path_never_shown() {
    for flavour in [Flavour::Slack, Flavour::Discord] {
        let fake = FakeWebhook::start(flavour);
        let url = format!("{}X", fake.url());
        let sender = hook(&url, format_of(flavour));
        let e = sender
            .send(&Notification::new(Kind::Done, "t", "b"))
            .unwrap_err();
        assert!(e.is_permanent(), "{flavour:?}: {e:?}");
        let shown = format!("{e} {e:?} {sender:?}");
        assert!(
            !shown.contains("XXXXXXXX") && !shown.contains("token"),
            "{shown}"
        );
    }
}

#[test]
fn a_429_waits_for_the_announced_reset() {
    for flavour in [Flavour::Slack, Flavour::Discord] {
        let fake = FakeWebhook::start(flavour);
        fake.script(Fault::TooManyRequests { retry_after: 7 });
        let before = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        match hook(&fake.url(), format_of(flavour))
            .send(&Notification::new(Kind::Done, "t", "b"))
            .unwrap_err()
        {
            NotifyError::QuotaExhausted { until: Some(t) } => {
                assert!((before + 7..=before + 9).contains(&t), "{flavour:?}: {t}")
            }
            other => panic!("{flavour:?}: {other:?}"),
        }
    }
}

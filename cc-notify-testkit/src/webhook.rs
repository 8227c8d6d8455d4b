//! [`FakeWebhook`]: an incoming-webhook stand-in in one of three flavours, each written from
//! its documentation:
//!
//! * [`Flavour::Slack`]: `POST /services/T…/B…/<secret>`; a wrong path answers 404
//!   `no_service`, a body without `text` 400 `invalid_payload`; success is 200 `ok`
//!   (plain text); 429 carries `Retry-After`.
//! * [`Flavour::Discord`]: `POST /api/webhooks/<id>/<token>`; a wrong token answers 401
//!   `{"message":"Invalid Webhook Token","code":50027}`, an unknown id 404 (10015), no content
//!   400 (50006), content over 2,000 characters 400 (50035); success is 204; 429 carries
//!   `retry_after` in the body and `Retry-After`.
//! * [`Flavour::Json`]: cc-notify's own body at `POST /hook`, checked for `kind`, `title` and
//!   `body`; success is 200.
//!
//! Every flavour refuses methods other than POST (405) and bodies that are not a JSON object
//! sent as `application/json` (400).
//!
//! ```
//! use cc_notify_testkit::webhook::{FakeWebhook, Flavour};
//! let fake = FakeWebhook::start(Flavour::Discord);
//! assert!(fake.url().contains("/api/webhooks/"));
//! ```

use serde_json::{Value, json};

use crate::scripted::{Fake, Reply, Request, Service};

/// The Slack webhook path the fake accepts.
pub const SLACK_PATH: &str = "/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX";
/// The Discord webhook id the fake accepts.
pub const DISCORD_ID: &str = "1234567890";
/// The Discord webhook token the fake accepts.
pub const DISCORD_TOKEN: &str = "aBcD-eFgH_token";
/// The path of the generic JSON webhook.
pub const JSON_PATH: &str = "/hook";
/// Discord's limit on `content`, in characters.
pub const DISCORD_MAX_CONTENT: usize = 2000;

/// Which service the fake imitates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// A Slack incoming webhook.
    Slack,
    /// A Discord webhook.
    Discord,
    /// A receiver of cc-notify's own JSON.
    Json,
}

/// The webhook rules and what was accepted.
#[derive(Debug)]
pub struct Webhook {
    flavour: Flavour,
    accepted: Vec<Value>,
}

/// A fake webhook receiver.
pub type FakeWebhook = Fake<Webhook>;

impl Fake<Webhook> {
    /// Starts a fake of `flavour`.
    pub fn start(flavour: Flavour) -> FakeWebhook {
        Fake::start_with(Webhook {
            flavour,
            accepted: Vec::new(),
        })
    }

    /// The URL that works (including the secret path for Slack and Discord).
    pub fn url(&self) -> String {
        let path = match self.with_service(|s| s.flavour) {
            Flavour::Slack => SLACK_PATH.to_owned(),
            Flavour::Discord => format!("/api/webhooks/{DISCORD_ID}/{DISCORD_TOKEN}"),
            Flavour::Json => JSON_PATH.to_owned(),
        };
        format!("{}{path}", self.base_url())
    }

    /// Every body accepted so far.
    pub fn accepted(&self) -> Vec<Value> {
        self.with_service(|s| s.accepted.clone())
    }
}

fn discord_error(status: u16, code: u32, message: &str) -> Reply {
    Reply::json(status, &json!({"message": message, "code": code}))
}

impl Webhook {
    fn slack(&self, rq: &Request, body: Option<&Value>) -> Result<Reply, Reply> {
        if rq.path != SLACK_PATH {
            return Err(Reply::text(404, "no_service"));
        }
        let body = body.ok_or_else(|| Reply::text(400, "invalid_payload"))?;
        let text = body.get("text").and_then(Value::as_str).unwrap_or_default();
        if text.trim().is_empty() && body.get("blocks").is_none() {
            return Err(Reply::text(400, "invalid_payload"));
        }
        Ok(Reply::text(200, "ok"))
    }

    fn discord(&self, rq: &Request, body: Option<&Value>) -> Result<Reply, Reply> {
        let Some((id, token)) = rq
            .path
            .strip_prefix("/api/webhooks/")
            .and_then(|r| r.split_once('/'))
        else {
            return Err(discord_error(404, 0, "404: Not Found"));
        };
        if id != DISCORD_ID {
            return Err(discord_error(404, 10015, "Unknown Webhook"));
        }
        if token != DISCORD_TOKEN {
            return Err(discord_error(401, 50027, "Invalid Webhook Token"));
        }
        let body = body
            .ok_or_else(|| discord_error(400, 50109, "The request body contains invalid JSON."))?;
        let content = body
            .get("content")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if content.trim().is_empty() && body.get("embeds").is_none() {
            return Err(discord_error(400, 50006, "Cannot send an empty message"));
        }
        if content.chars().count() > DISCORD_MAX_CONTENT {
            return Err(Reply::json(
                400,
                &json!({"message": "Invalid Form Body", "code": 50035, "errors": {"content":
                    {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH",
                    "message": "Must be 2000 or fewer in length."}]}}}),
            ));
        }
        Ok(Reply {
            status: 204,
            body: String::new(),
            headers: Vec::new(),
        })
    }

    fn json(&self, rq: &Request, body: Option<&Value>) -> Result<Reply, Reply> {
        if rq.path != JSON_PATH {
            return Err(Reply::text(404, "not found"));
        }
        let body = body.ok_or_else(|| Reply::text(400, "a JSON object is required"))?;
        let is_str = |k: &str| body.get(k).is_some_and(Value::is_string);
        if !(is_str("kind") && is_str("title") && is_str("body")) {
            return Err(Reply::text(
                400,
                "kind, title and body are required strings",
            ));
        }
        Ok(Reply::text(200, ""))
    }
}

impl Service for Webhook {
    fn judge(&mut self, rq: &Request) -> Reply {
        if rq.method != "POST" {
            return Reply::text(405, "method not allowed");
        }
        let body = rq.json().filter(|v| rq.is_json() && v.is_object());
        let outcome = match self.flavour {
            Flavour::Slack => self.slack(rq, body.as_ref()),
            Flavour::Discord => self.discord(rq, body.as_ref()),
            Flavour::Json => self.json(rq, body.as_ref()),
        };
        match outcome {
            Ok(reply) => {
                if let Some(b) = body {
                    self.accepted.push(b);
                }
                reply
            }
            Err(reply) => reply,
        }
    }

    fn too_many(&self, retry_after: u64) -> Reply {
        let reply = match self.flavour {
            Flavour::Discord => Reply::json(
                429,
                &json!({"message": "You are being rate limited.", "retry_after": retry_after as f64, "global": false}),
            ),
            Flavour::Slack => Reply::text(429, "rate_limited"),
            Flavour::Json => Reply::text(429, "slow down"),
        };
        reply.with_header("Retry-After", retry_after.to_string())
    }

    fn server_error(&self, status: u16) -> Reply {
        match self.flavour {
            Flavour::Slack => Reply::text(status, "rollup_error"),
            Flavour::Discord => discord_error(status, 0, "500: Internal Server Error"),
            Flavour::Json => Reply::text(status, "internal error"),
        }
    }
}

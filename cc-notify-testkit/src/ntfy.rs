//! [`FakeNtfy`]: an ntfy server stand-in for JSON publishing (`POST /` or `PUT /`), written
//! from ntfy's documented publish API (and `GET /v1/health`): it requires a valid `topic`, checks priority (1-5),
//! tags, the click URL and at most three well-formed actions, refuses a message over 4,096
//! bytes, and enforces access tokens when told to. Errors use ntfy's shape
//! `{"code","http","error","link"}` (40101 unauthorized, 40301 forbidden, 42901 too many
//! requests as documented; the 400/405/413 codes are this fake's choice of ntfy's numbering).
//!
//! ```
//! use cc_notify_testkit::ntfy::FakeNtfy;
//! use cc_notify_testkit::scripted::Fault;
//! let fake = FakeNtfy::start();
//! fake.require_token("tk_testtoken");
//! fake.script(Fault::ServerError(502));
//! assert!(fake.base_url().starts_with("http://127.0.0.1:"));
//! ```

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

use crate::scripted::{Fake, Reply, Request, Service};

/// ntfy's limit on a message shown as text, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 4096;

/// The ntfy rules and what was published.
#[derive(Debug, Default)]
pub struct Ntfy {
    token: Option<String>,
    forbidden: Vec<String>,
    messages: Vec<Value>,
    next_id: u64,
}

/// A fake ntfy server.
pub type FakeNtfy = Fake<Ntfy>;

impl Fake<Ntfy> {
    /// Starts a fake that allows anonymous publishing to every topic.
    pub fn start() -> FakeNtfy {
        Fake::start_with(Ntfy::default())
    }

    /// Denies anonymous access: only `Authorization: Bearer <token>` may publish.
    pub fn require_token(&self, token: &str) {
        self.with_service(|s| s.token = Some(token.into()));
    }

    /// Refuses publishing to `topic` (403), as an ACL would.
    pub fn forbid_topic(&self, topic: &str) {
        self.with_service(|s| s.forbidden.push(topic.into()));
    }

    /// Every message accepted so far, as the server stored and returned it.
    pub fn messages(&self) -> Vec<Value> {
        self.with_service(|s| s.messages.clone())
    }
}

fn error(http: u16, code: u32, text: &str) -> Reply {
    Reply::json(
        http,
        &json!({"code": code, "http": http, "error": text, "link": "https://ntfy.sh/docs/publish/"}),
    )
}

fn is_topic(t: &str) -> bool {
    (1..=64).contains(&t.len())
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn is_url(u: &str) -> bool {
    u.starts_with("https://") || u.starts_with("http://")
}

fn check_actions(actions: &Value) -> Result<(), &'static str> {
    let list = actions.as_array().ok_or("actions must be an array")?;
    if list.len() > 3 {
        return Err("too many actions (at most 3)");
    }
    for a in list {
        let a = a.as_object().ok_or("an action must be an object")?;
        let label = a.get("label").and_then(Value::as_str).unwrap_or_default();
        if label.is_empty() {
            return Err("action label is required");
        }
        let url = a.get("url").and_then(Value::as_str);
        match a.get("action").and_then(Value::as_str) {
            Some("view") if url.is_some_and(is_url) => {}
            Some("http") => {
                if !url.is_some_and(is_url) {
                    return Err("http action needs a URL");
                }
                if let Some(m) = a.get("method")
                    && !matches!(m.as_str(), Some("GET" | "POST" | "PUT" | "DELETE"))
                {
                    return Err("http action method is invalid");
                }
                if let Some(h) = a.get("headers")
                    && !h
                        .as_object()
                        .is_some_and(|h| h.values().all(Value::is_string))
                {
                    return Err("http action headers must map names to strings");
                }
            }
            Some("broadcast") => {}
            Some("view") => return Err("view action needs a URL"),
            _ => return Err("action type must be view, broadcast or http"),
        }
    }
    Ok(())
}

impl Service for Ntfy {
    fn judge(&mut self, rq: &Request) -> Reply {
        if rq.path == "/v1/health" && rq.method == "GET" {
            return Reply::json(200, &json!({"healthy": true}));
        }
        if rq.path != "/" {
            return error(404, 40401, "page not found");
        }
        if rq.method != "POST" && rq.method != "PUT" {
            return error(405, 40501, "method not allowed");
        }
        if let Some(token) = &self.token {
            let given = rq
                .header("authorization")
                .and_then(|v| v.strip_prefix("Bearer "));
            if given != Some(token.as_str()) {
                return error(401, 40101, "unauthorized");
            }
        }
        let Some(Value::Object(body)) = rq.json() else {
            return error(
                400,
                40024,
                "invalid request: request body must be a JSON object",
            );
        };
        let Some(topic) = body.get("topic").and_then(Value::as_str) else {
            return error(400, 40009, "invalid request: topic is required");
        };
        if !is_topic(topic) {
            return error(400, 40009, "invalid request: invalid topic");
        }
        if self.forbidden.iter().any(|t| t == topic) {
            return error(403, 40301, "forbidden");
        }
        let str_field = |name: &str| match body.get(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(()),
        };
        let (Ok(title), Ok(message), Ok(click)) =
            (str_field("title"), str_field("message"), str_field("click"))
        else {
            return error(
                400,
                40024,
                "invalid request: title, message and click are strings",
            );
        };
        if message
            .as_ref()
            .is_some_and(|m| m.len() > MAX_MESSAGE_BYTES)
        {
            return error(
                413,
                41301,
                "message too large (and attachments are disabled)",
            );
        }
        if click.as_deref().is_some_and(|c| !is_url(c)) {
            return error(400, 40010, "invalid request: click URL is invalid");
        }
        let priority = match body.get("priority") {
            None => 3,
            Some(p) => match p.as_u64() {
                Some(p @ 1..=5) => p,
                _ => return error(400, 40007, "invalid priority"),
            },
        };
        if let Some(tags) = body.get("tags")
            && !tags
                .as_array()
                .is_some_and(|t| t.iter().all(Value::is_string))
        {
            return error(400, 40024, "invalid request: tags must be strings");
        }
        if let Some(actions) = body.get("actions")
            && let Err(why) = check_actions(actions)
        {
            return error(
                400,
                40018,
                &format!("invalid request: actions invalid: {why}"),
            );
        }
        self.next_id += 1;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut stored = Map::new();
        stored.insert("id".into(), json!(format!("fk{:010}", self.next_id)));
        stored.insert("time".into(), json!(now));
        stored.insert("expires".into(), json!(now + 43_200));
        stored.insert("event".into(), json!("message"));
        stored.insert("topic".into(), json!(topic));
        if let Some(t) = title {
            stored.insert("title".into(), json!(t));
        }
        let message = message
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| "triggered".into());
        stored.insert("message".into(), json!(message));
        if priority != 3 {
            stored.insert("priority".into(), json!(priority));
        }
        for key in ["tags", "click", "actions"] {
            if let Some(v) = body.get(key) {
                stored.insert(key.into(), v.clone());
            }
        }
        let stored = Value::Object(stored);
        self.messages.push(stored.clone());
        Reply::json(200, &stored)
    }

    fn too_many(&self, retry_after: u64) -> Reply {
        error(429, 42901, "limit reached: too many requests")
            .with_header("Retry-After", retry_after.to_string())
    }

    fn server_error(&self, status: u16) -> Reply {
        error(status, u32::from(status) * 100, "internal server error")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn judge(body: Value, auth: Option<&str>, token: Option<&str>) -> u16 {
        let mut s = Ntfy {
            token: token.map(Into::into),
            ..Ntfy::default()
        };
        let mut headers = vec![("content-type".into(), "application/json".into())];
        if let Some(a) = auth {
            headers.push(("authorization".into(), a.into()));
        }
        s.judge(&Request {
            method: "POST".into(),
            path: "/".into(),
            query: String::new(),
            headers,
            body: body.to_string().into_bytes(),
            status: None,
        })
        .status
    }

    #[test]
    fn the_documented_rules_are_enforced() {
        assert_eq!(judge(json!({"topic":"t","message":"m"}), None, None), 200);
        assert_eq!(judge(json!({"message":"m"}), None, None), 400);
        assert_eq!(judge(json!({"topic":"a/b"}), None, None), 400);
        assert_eq!(judge(json!({"topic":"t","priority":6}), None, None), 400);
        assert_eq!(
            judge(json!({"topic":"t","message":"x".repeat(4097)}), None, None),
            413
        );
        let view = json!({"action":"view","label":"Open","url":"https://x"});
        assert_eq!(
            judge(
                json!({"topic":"t","actions":[view, view, view]}),
                None,
                None
            ),
            200
        );
        assert_eq!(
            judge(
                json!({"topic":"t","actions":[view, view, view, view]}),
                None,
                None
            ),
            400
        );
        assert_eq!(
            judge(
                json!({"topic":"t","actions":[{"action":"http","label":"Go"}]}),
                None,
                None
            ),
            400
        );
        assert_eq!(judge(json!({"topic":"t"}), None, Some("tk_a")), 401);
        assert_eq!(
            judge(json!({"topic":"t"}), Some("Bearer tk_b"), Some("tk_a")),
            401
        );
        assert_eq!(
            judge(json!({"topic":"t"}), Some("Bearer tk_a"), Some("tk_a")),
            200
        );
    }
}

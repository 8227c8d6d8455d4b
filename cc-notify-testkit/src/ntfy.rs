//! [`FakeNtfy`]: an ntfy server stand-in for JSON publishing (`POST /` or `PUT /`), written
//! from ntfy's documented publish API (and `GET /v1/health`): it requires a valid `topic`, checks priority (1-5),
//! tags, the click URL and at most three well-formed actions, refuses a message over 4,096
//! bytes, and enforces access tokens when told to. Errors use ntfy's shape
//! `{"code","http","error","link"}` (40101 unauthorized, 40301 forbidden, 42901 too many
//! requests as documented; the 400/405/413 codes are this fake's choice of ntfy's numbering).
//!
//! For phone approvals it also takes the header form (`POST /<topic>` with the message as
//! the body, as an `http` action button sends it) and serves subscriptions:
//! `GET /<topic>/json` streams an `open` event, then each message published to the topic,
//! one JSON object per line; `?since=<id|unix time|all>` replays history first and
//! `?poll=1` returns the cached messages and closes; `DELETE /<topic>/<id>` withdraws a
//! message (ntfy 2.16), recorded for [`FakeNtfy::deleted`]. Tokens are required on every path once
//! [`FakeNtfy::require_token`] is set.
//!
//! ```
//! use cc_notify_testkit::ntfy::FakeNtfy;
//! use cc_notify_testkit::scripted::Fault;
//! let fake = FakeNtfy::start();
//! fake.require_token("tk_testtoken");
//! fake.script(Fault::ServerError(502));
//! assert!(fake.base_url().starts_with("http://127.0.0.1:"));
//! ```

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

use crate::scripted::{Fake, Reply, Request, Service, Streamer};

/// ntfy's limit on a message shown as text, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 4096;

/// The ntfy rules and what was published.
#[derive(Debug, Default)]
pub struct Ntfy {
    token: Option<String>,
    forbidden: Vec<String>,
    store: Arc<Store>,
    next_id: u64,
    deleted: Vec<String>,
}

/// Every published message, shared with the subscription streams.
#[derive(Debug, Default)]
struct Store {
    state: Mutex<Stored>,
    changed: Condvar,
}

#[derive(Debug, Default)]
struct Stored {
    messages: Vec<Value>,
    closed: bool,
}

impl Store {
    fn lock(&self) -> MutexGuard<'_, Stored> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
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

    /// The ids of the messages deleted so far (`DELETE /<topic>/<id>`), in order.
    pub fn deleted(&self) -> Vec<String> {
        self.with_service(|s| s.deleted.clone())
    }

    /// Every message accepted so far (all topics), as the server stored and returned it.
    pub fn messages(&self) -> Vec<Value> {
        self.with_service(|s| s.store.lock().messages.clone())
    }
}

impl Ntfy {
    /// `DELETE /<topic>/<id>` (ntfy 2.16): the message must exist on that topic.
    fn delete(&mut self, path: &str) -> Reply {
        let Some((topic, id)) = path.split_once('/') else {
            return error(405, 40501, "method not allowed");
        };
        let found = self
            .store
            .lock()
            .messages
            .iter()
            .any(|m| m["topic"] == topic && m["id"] == id);
        if !is_topic(topic) || !found {
            return error(404, 40401, "page not found");
        }
        self.deleted.push(id.to_owned());
        Reply::json(
            200,
            &json!({"id": id, "event": "message_delete", "topic": topic}),
        )
    }

    fn authorized(&self, rq: &Request) -> bool {
        self.token.as_ref().is_none_or(|token| {
            rq.header("authorization")
                .and_then(|v| v.strip_prefix("Bearer "))
                == Some(token)
        })
    }
}

/// A publish to `/<topic>`: the body is the message, `X-Title`, `X-Priority`, `X-Tags` and
/// `X-Click` (or their short aliases) the rest — turned into the JSON form.
fn header_form(topic: &str, rq: &Request) -> Result<Map<String, Value>, Reply> {
    let header = |names: &[&str]| names.iter().find_map(|n| rq.header(n)).map(str::to_owned);
    let mut body = Map::new();
    body.insert("topic".into(), json!(topic));
    let text = String::from_utf8(rq.body.clone())
        .map_err(|_| error(400, 40024, "invalid request: binary bodies are attachments"))?;
    body.insert("message".into(), json!(text));
    if let Some(t) = header(&["x-title", "title", "t"]) {
        body.insert("title".into(), json!(t));
    }
    if let Some(c) = header(&["x-click", "click"]) {
        body.insert("click".into(), json!(c));
    }
    if let Some(p) = header(&["x-priority", "priority", "p"]) {
        let p = match p.as_str() {
            "min" => 1,
            "low" => 2,
            "default" => 3,
            "high" => 4,
            "max" | "urgent" => 5,
            n => n.parse::<u64>().unwrap_or(0),
        };
        body.insert("priority".into(), json!(p));
    }
    if let Some(t) = header(&["x-tags", "tags", "ta"]) {
        let tags: Vec<&str> = t.split(',').map(str::trim).collect();
        body.insert("tags".into(), json!(tags));
    }
    Ok(body)
}

/// Serves `GET /<topic>/json`: an `open` event (unless polling), the cached messages chosen
/// by `since` (all of them when polling), then — unless polling — each new message as it is
/// published, one JSON object per line, until the fake shuts down or the client leaves.
fn subscribe(
    store: &Store,
    topic: &str,
    since: Option<&str>,
    poll: bool,
    mut w: Box<dyn Write + Send>,
) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let head = "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson; charset=utf-8\r\n\
                Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
    let send = |w: &mut Box<dyn Write + Send>, line: &Value| -> bool {
        let text = format!("{line}\n");
        write!(w, "{:x}\r\n{text}\r\n", text.len()).is_ok() && w.flush().is_ok()
    };
    // Where the stream starts is fixed before `open` is sent: whatever is published after
    // the client has seen `open` reaches it.
    let s = store.lock();
    let on_topic = |m: &Value| m["topic"] == topic;
    let mut seen = match since {
        None if !poll => s.messages.len(),
        None | Some("all") => 0,
        Some(since) => match s.messages.iter().position(|m| m["id"] == since) {
            Some(i) => i + 1,
            None => {
                let t = since.parse::<u64>().unwrap_or(0);
                s.messages
                    .iter()
                    .take_while(|m| m["time"].as_u64() < Some(t))
                    .count()
            }
        },
    };
    drop(s);
    if w.write_all(head.as_bytes()).is_err() {
        return;
    }
    if !poll
        && !send(
            &mut w,
            &json!({"id": "open", "time": now, "event": "open", "topic": topic}),
        )
    {
        return;
    }
    let mut s = store.lock();
    loop {
        let new: Vec<Value> = s.messages[seen..]
            .iter()
            .filter(|m| on_topic(m))
            .cloned()
            .collect();
        seen = s.messages.len();
        drop(s);
        for m in &new {
            if !send(&mut w, m) {
                return;
            }
        }
        s = store.lock();
        if poll || s.closed {
            break;
        }
        while s.messages.len() == seen && !s.closed {
            s = match store.changed.wait(s) {
                Ok(g) => g,
                Err(e) => e.into_inner(),
            };
        }
    }
    drop(s);
    let _ = w.write_all(b"0\r\n\r\n");
    let _ = w.flush();
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
        if !self.authorized(rq) {
            return error(401, 40101, "unauthorized");
        }
        let Some(path) = rq.path.strip_prefix('/') else {
            return error(404, 40401, "page not found");
        };
        if rq.method == "DELETE" {
            return self.delete(path);
        }
        if !path.is_empty() && !is_topic(path) {
            return error(404, 40401, "page not found");
        }
        if rq.method != "POST" && rq.method != "PUT" {
            return error(405, 40501, "method not allowed");
        }
        let body = if path.is_empty() {
            let Some(Value::Object(body)) = rq.json() else {
                return error(
                    400,
                    40024,
                    "invalid request: request body must be a JSON object",
                );
            };
            body
        } else {
            match header_form(path, rq) {
                Ok(body) => body,
                Err(reply) => return reply,
            }
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
        self.store.lock().messages.push(stored.clone());
        self.store.changed.notify_all();
        Reply::json(200, &stored)
    }

    fn stream(&mut self, rq: &Request) -> Option<Streamer> {
        let topic = rq.path.strip_prefix('/')?.strip_suffix("/json")?;
        if rq.method != "GET" || !is_topic(topic) || !self.authorized(rq) {
            return None;
        }
        let params: Vec<(&str, &str)> = rq
            .query
            .split('&')
            .filter_map(|p| p.split_once('='))
            .collect();
        let param = |name: &str| params.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
        let poll = matches!(param("poll"), Some("1" | "true" | "yes"));
        let since = param("since").map(str::to_owned);
        let (store, topic) = (self.store.clone(), topic.to_owned());
        Some(Box::new(move |w| {
            subscribe(&store, &topic, since.as_deref(), poll, w)
        }))
    }

    fn shutdown(&mut self) {
        self.store.lock().closed = true;
        self.store.changed.notify_all();
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
    use std::io::{BufRead, BufReader};
    use std::net::TcpStream;
    use std::time::Duration;

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

    /// Sends one raw HTTP/1.1 request and returns the connection, positioned after the
    /// answer's head, and the status.
    fn raw(fake: &FakeNtfy, head: &str, body: &str) -> (u16, BufReader<TcpStream>) {
        let mut c = TcpStream::connect(fake.addr()).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(
            c,
            "{head}\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut r = BufReader::new(c);
        let mut status = String::new();
        r.read_line(&mut status).unwrap();
        let code = status.split(' ').nth(1).unwrap().parse().unwrap();
        loop {
            let mut line = String::new();
            r.read_line(&mut line).unwrap();
            if line == "\r\n" || line.is_empty() {
                break;
            }
        }
        (code, r)
    }

    /// The next JSON object in a chunked ndjson stream; `None` at its end.
    fn next_event(r: &mut BufReader<TcpStream>) -> Option<Value> {
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).ok()? == 0 {
                return None;
            }
            if line.starts_with('{') {
                return serde_json::from_str(&line).ok();
            }
            if line.trim() == "0" {
                return None;
            }
        }
    }

    #[test]
    fn a_subscriber_gets_what_is_published_to_its_topic_only_until_shutdown() {
        let fake = FakeNtfy::start();
        let (status, mut sub) = raw(&fake, "GET /cc-resp/json HTTP/1.1", "");
        assert_eq!(status, 200);
        assert_eq!(next_event(&mut sub).unwrap()["event"], "open");
        let (status, _) = raw(&fake, "POST /cc-other HTTP/1.1", "not for us");
        assert_eq!(status, 200);
        let (status, _) = raw(
            &fake,
            "POST /cc-resp HTTP/1.1\r\nX-Title: answer",
            "y.abc.def",
        );
        assert_eq!(status, 200);
        let m = next_event(&mut sub).unwrap();
        assert_eq!(
            (m["message"].as_str(), m["title"].as_str()),
            (Some("y.abc.def"), Some("answer"))
        );
        drop(fake);
        assert_eq!(next_event(&mut sub), None, "the stream ends with the fake");
    }

    #[test]
    fn polling_replays_history_and_tokens_guard_subscriptions() {
        let fake = FakeNtfy::start();
        raw(&fake, "POST /cc-resp HTTP/1.1", "first");
        raw(&fake, "POST /cc-resp HTTP/1.1", "second");
        let (_, mut r) = raw(&fake, "GET /cc-resp/json?poll=1&since=all HTTP/1.1", "");
        assert_eq!(next_event(&mut r).unwrap()["message"], "first");
        assert_eq!(next_event(&mut r).unwrap()["message"], "second");
        assert_eq!(next_event(&mut r), None);
        fake.require_token("tk_s");
        assert_eq!(raw(&fake, "GET /cc-resp/json HTTP/1.1", "").0, 401);
        assert_eq!(raw(&fake, "POST /cc-resp HTTP/1.1", "forged").0, 401);
        let (status, mut r) = raw(
            &fake,
            "GET /cc-resp/json?poll=1 HTTP/1.1\r\nAuthorization: Bearer tk_s",
            "",
        );
        assert_eq!(status, 200);
        assert_eq!(next_event(&mut r).unwrap()["message"], "first");
    }
}

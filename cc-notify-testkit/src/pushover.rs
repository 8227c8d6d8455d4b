//! [`FakePushover`]: a Pushover API stand-in on 127.0.0.1 that enforces the documented rules
//! (keys, field limits, priority, emergency retry/expire, sounds, html+monospace) and can be
//! scripted to fail, hang, drop the connection or answer slowly.
//!
//! ```
//! use cc_notify_testkit::pushover::{Behaviour, FakePushover};
//! let fake = FakePushover::start();
//! fake.script(Behaviour::ServerError5xx);
//! assert!(fake.url().ends_with("/1/messages.json"));
//! ```

use std::collections::{BTreeMap, VecDeque};
use std::fs::OpenOptions;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tiny_http::{Header, Method, Response, Server};

use crate::served::{Served, Shared, Stoppable};

/// Pushover's documented (non-working) example application token, accepted by default.
pub const EXAMPLE_TOKEN: &str = "azGDORePK8gMaC0QOYAMyEEuzJnyUi";
/// Pushover's documented (non-working) example user key, accepted by default.
pub const EXAMPLE_USER: &str = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG";

/// The built-in sounds the real API knows.
pub const BUILTIN_SOUNDS: [&str; 23] = [
    "pushover",
    "bike",
    "bugle",
    "cashregister",
    "classical",
    "cosmic",
    "falling",
    "gamelan",
    "incoming",
    "intermission",
    "magic",
    "mechanical",
    "pianobar",
    "siren",
    "spacealarm",
    "tugboat",
    "alien",
    "climb",
    "persistent",
    "echo",
    "updown",
    "vibrate",
    "none",
];

/// How the fake answers the next request (queued with [`FakePushover::script`]; when the
/// queue is empty it answers [`Behaviour::Ok`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Behaviour {
    /// Check the request like the real API and answer accordingly.
    Ok,
    /// Answer this 4xx status with these `errors`.
    Reject4xx {
        /// The HTTP status.
        status: u16,
        /// The `errors` array.
        errors: Vec<String>,
    },
    /// Answer 429 (quota used up), with `X-Limit-App-Reset` when given.
    Quota429 {
        /// The reset time to announce (Unix seconds).
        reset: Option<u64>,
    },
    /// Answer 500.
    ServerError5xx,
    /// Accept the request and never answer (until the fake is dropped).
    Hang,
    /// Wait this long, then answer as [`Behaviour::Ok`].
    Slow(Duration),
    /// Close the connection without answering.
    DropConnection,
}

/// Which `X-Limit-App-*` headers successful answers carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LimitHeaders {
    /// Well-formed headers with these values.
    Present {
        /// `X-Limit-App-Limit`.
        limit: u64,
        /// `X-Limit-App-Remaining`.
        remaining: u64,
        /// `X-Limit-App-Reset`.
        reset: u64,
    },
    /// No limit headers.
    Absent,
    /// Headers whose values are not numbers.
    Malformed,
}

/// One request the fake received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The URL path (`/1/messages.json`, `/1/users/validate.json`, …).
    pub path: String,
    /// The parameters, from a JSON or form-urlencoded body, as text.
    pub params: BTreeMap<String, String>,
    /// The request headers, names lowercased.
    pub headers: Vec<(String, String)>,
    /// The status answered; `None` if the fake hung or dropped the connection.
    pub status: Option<u16>,
    /// When the request arrived (its head was read).
    pub arrived: Instant,
}

impl Request {
    /// A parameter's value.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }
}

struct State {
    script: VecDeque<Behaviour>,
    requests: Vec<Request>,
    tokens: Vec<String>,
    users: Vec<String>,
    sounds: Vec<String>,
    devices: Vec<String>,
    limits: LimitHeaders,
    log: Option<PathBuf>,
    held: Vec<tiny_http::Request>,
    next_id: u64,
    stopping: bool,
}

impl Stoppable for State {
    fn stop(&mut self) -> Vec<tiny_http::Request> {
        self.stopping = true;
        std::mem::take(&mut self.held)
    }
}

/// A fake Pushover API on `127.0.0.1:<random port>`, shut down on drop.
pub struct FakePushover(Served<State>);

impl FakePushover {
    /// Starts the fake on 127.0.0.1 with a free port, accepting the documented example keys.
    ///
    /// # Panics
    /// If no loopback port can be bound (a test environment problem).
    pub fn start() -> FakePushover {
        FakePushover(Served::start(
            State {
                script: VecDeque::new(),
                requests: Vec::new(),
                tokens: vec![EXAMPLE_TOKEN.into()],
                users: vec![EXAMPLE_USER.into()],
                sounds: Vec::new(),
                devices: vec!["phone".into()],
                limits: LimitHeaders::Present {
                    limit: 10_000,
                    remaining: 7_496,
                    reset: 1_393_653_600,
                },
                log: None,
                held: Vec::new(),
                next_id: 0,
                stopping: false,
            },
            serve,
        ))
    }

    /// The address the fake listens on.
    pub fn addr(&self) -> SocketAddr {
        self.0.addr
    }

    /// The messages endpoint, `http://127.0.0.1:PORT/1/messages.json`.
    pub fn url(&self) -> String {
        format!("http://{}/1/messages.json", self.0.addr)
    }

    /// The user validation endpoint, `http://127.0.0.1:PORT/1/users/validate.json`.
    pub fn validate_url(&self) -> String {
        format!("http://{}/1/users/validate.json", self.0.addr)
    }

    /// Queues how to answer the next request not yet scripted.
    pub fn script(&self, behaviour: Behaviour) {
        self.0.shared.lock().script.push_back(behaviour);
    }

    /// Accepts only these application tokens.
    pub fn accept_tokens(&self, tokens: &[&str]) {
        self.0.shared.lock().tokens = tokens.iter().map(|t| t.to_string()).collect();
    }

    /// Accepts only these user keys.
    pub fn accept_users(&self, users: &[&str]) {
        self.0.shared.lock().users = users.iter().map(|u| u.to_string()).collect();
    }

    /// Also accepts these (custom) sound names.
    pub fn add_sounds(&self, sounds: &[&str]) {
        let mut s = self.0.shared.lock();
        s.sounds.extend(sounds.iter().map(|s| s.to_string()));
    }

    /// The active devices `users/validate.json` reports (default `["phone"]`).
    pub fn set_devices(&self, devices: &[&str]) {
        self.0.shared.lock().devices = devices.iter().map(|d| d.to_string()).collect();
    }

    /// Which `X-Limit-App-*` headers successful answers carry.
    pub fn set_limit_headers(&self, limits: LimitHeaders) {
        self.0.shared.lock().limits = limits;
    }

    /// Appends every answered request to `path` as one JSON line
    /// (`{"path", "params", "status"}`).
    pub fn log_requests_to(&self, path: impl Into<PathBuf>) {
        self.0.shared.lock().log = Some(path.into());
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.0.shared.lock().requests.clone()
    }

    /// How many requests the fake holds unanswered right now ([`Behaviour::Hang`]).
    pub fn held(&self) -> usize {
        self.0.shared.lock().held.len()
    }

    /// Waits until at least `n` requests have arrived or `timeout` passed; returns the
    /// requests received so far either way.
    pub fn wait_for_requests(&self, n: usize, timeout: Duration) -> Vec<Request> {
        self.0
            .shared
            .wait(timeout, |s| s.requests.len() >= n)
            .requests
            .clone()
    }
}

fn serve(server: &Server, shared: &Arc<Shared<State>>) {
    while let Ok(mut rq) = server.recv() {
        let arrived = Instant::now();
        if shared.lock().stopping {
            break;
        }
        let mut raw = Vec::new();
        let _ = rq.as_reader().read_to_end(&mut raw);
        let headers = rq
            .headers()
            .iter()
            .map(|h| {
                (
                    h.field.as_str().as_str().to_ascii_lowercase(),
                    h.value.as_str().to_owned(),
                )
            })
            .collect::<Vec<_>>();
        let is_json = headers
            .iter()
            .any(|(k, v)| k == "content-type" && v.starts_with("application/json"));
        let params = parse_params(&raw, is_json);
        let path = rq.url().split('?').next().unwrap_or_default().to_owned();
        let post = *rq.method() == Method::Post;
        let mut record = Request {
            path,
            params: params.clone().unwrap_or_default(),
            headers,
            status: None,
            arrived,
        };
        let behaviour = {
            let mut s = shared.lock();
            s.script.pop_front().unwrap_or(Behaviour::Ok)
        };
        match behaviour {
            Behaviour::Hang => {
                let mut s = shared.lock();
                s.requests.push(record);
                s.held.push(rq);
                shared.changed.notify_all();
            }
            Behaviour::DropConnection => {
                drop(rq.into_writer());
                shared.lock().requests.push(record);
                shared.changed.notify_all();
            }
            Behaviour::Slow(delay) => {
                let shared = shared.clone();
                std::thread::spawn(move || {
                    let deadline = Instant::now() + delay;
                    let mut s = shared.lock();
                    while !s.stopping && Instant::now() < deadline {
                        let left = deadline.saturating_duration_since(Instant::now());
                        s = match shared.changed.wait_timeout(s, left) {
                            Ok((g, _)) => g,
                            Err(e) => e.into_inner().0,
                        };
                    }
                    let answer = judge(&mut s, &record.path, post, params.as_ref());
                    drop(s);
                    finish(&shared, rq, &mut record, answer);
                });
            }
            other => {
                let answer = {
                    let mut s = shared.lock();
                    match other {
                        Behaviour::Reject4xx { status, errors } => {
                            let id = request_id(&mut s);
                            Answer::json(
                                status,
                                json!({"status": 0, "errors": errors, "request": id}),
                            )
                        }
                        Behaviour::Quota429 { reset } => {
                            let id = request_id(&mut s);
                            let mut a = Answer::json(
                                429,
                                json!({"status": 0, "errors": ["application is over its monthly message quota"], "request": id}),
                            );
                            if let Some(r) = reset {
                                a.headers.push(("X-Limit-App-Reset", r.to_string()));
                            }
                            a
                        }
                        Behaviour::ServerError5xx => Answer {
                            status: 500,
                            body: "<html>Internal Server Error</html>".into(),
                            headers: Vec::new(),
                        },
                        _ => judge(&mut s, &record.path, post, params.as_ref()),
                    }
                };
                finish(shared, rq, &mut record, answer);
            }
        }
    }
}

struct Answer {
    status: u16,
    body: String,
    headers: Vec<(&'static str, String)>,
}

impl Answer {
    fn json(status: u16, body: Value) -> Answer {
        Answer {
            status,
            body: body.to_string(),
            headers: vec![("Content-Type", "application/json".into())],
        }
    }
}

fn finish(shared: &Shared<State>, rq: tiny_http::Request, record: &mut Request, answer: Answer) {
    let mut response = Response::from_string(answer.body).with_status_code(answer.status);
    for (k, v) in answer.headers {
        if let Ok(h) = Header::from_bytes(k.as_bytes(), v.as_bytes()) {
            response.add_header(h);
        }
    }
    record.status = Some(answer.status);
    let log = {
        let mut s = shared.lock();
        s.requests.push(record.clone());
        s.log.clone()
    };
    if let Some(path) = log {
        let line = json!({"path": record.path, "params": record.params, "status": answer.status});
        if let Ok(mut f) = OpenOptions::new().create(true).append(true).open(path) {
            let _ = writeln!(f, "{line}");
        }
    }
    shared.changed.notify_all();
    let _ = rq.respond(response);
}

fn request_id(s: &mut State) -> String {
    s.next_id += 1;
    format!("fake-{:08}-0000-4000-8000-000000000000", s.next_id)
}

/// Answers a request the way the real API would.
fn judge(
    s: &mut State,
    path: &str,
    post: bool,
    params: Option<&BTreeMap<String, String>>,
) -> Answer {
    let id = request_id(s);
    let endpoint = match path.strip_prefix("/1/") {
        Some("messages.json") => Endpoint::Messages,
        Some("users/validate.json") => Endpoint::Validate,
        _ => {
            return Answer::json(
                404,
                json!({"status": 0, "errors": ["not found"], "request": id}),
            );
        }
    };
    let rejected = |field: &str, errors: Vec<String>| {
        let mut body = json!({"status": 0, "errors": errors, "request": id});
        body[field] = json!("invalid");
        Answer::json(400, body)
    };
    if !post {
        return rejected("method", vec!["only POST is supported".into()]);
    }
    let Some(p) = params else {
        return rejected("body", vec!["the request body could not be read".into()]);
    };
    let errors = match endpoint {
        Endpoint::Messages => check_message(s, p),
        Endpoint::Validate => check_validate(s, p),
    };
    if let Some((field, error)) = errors {
        return rejected(field, vec![error]);
    }
    match endpoint {
        Endpoint::Validate => Answer::json(
            200,
            json!({"status": 1, "group": 0, "devices": s.devices, "licenses": ["Android", "iOS"], "request": id}),
        ),
        Endpoint::Messages => {
            let mut body = json!({"status": 1, "request": id});
            if p.get("priority").map(String::as_str) == Some("2") {
                body["receipt"] = json!(format!("r{:029}", s.next_id));
            }
            let mut a = Answer::json(200, body);
            match &s.limits {
                LimitHeaders::Present {
                    limit,
                    remaining,
                    reset,
                } => a.headers.extend([
                    ("X-Limit-App-Limit", limit.to_string()),
                    ("X-Limit-App-Remaining", remaining.to_string()),
                    ("X-Limit-App-Reset", reset.to_string()),
                ]),
                LimitHeaders::Absent => {}
                LimitHeaders::Malformed => a.headers.extend([
                    ("X-Limit-App-Limit", "lots".into()),
                    ("X-Limit-App-Remaining", "-1x".into()),
                    ("X-Limit-App-Reset", "soon".into()),
                ]),
            }
            a
        }
    }
}

enum Endpoint {
    Messages,
    Validate,
}

type Problem = Option<(&'static str, String)>;

fn is_key(k: &str) -> bool {
    k.len() == 30 && k.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn check_keys(s: &State, p: &BTreeMap<String, String>) -> Problem {
    let token = p.get("token").map(String::as_str).unwrap_or_default();
    if !is_key(token) || !s.tokens.iter().any(|t| t == token) {
        return Some(("token", "application token is invalid".into()));
    }
    let users = p.get("user").map(String::as_str).unwrap_or_default();
    let list: Vec<&str> = users.split(',').collect();
    if users.is_empty()
        || list.len() > 50
        || !list
            .iter()
            .all(|u| is_key(u) && s.users.iter().any(|k| k == u))
    {
        return Some((
            "user",
            "user identifier is not a valid user, group, or subscribed user key".into(),
        ));
    }
    None
}

fn check_validate(s: &State, p: &BTreeMap<String, String>) -> Problem {
    if let Some(problem) = check_keys(s, p) {
        return Some(problem);
    }
    match p.get("device") {
        Some(d) if !s.devices.iter().any(|x| x == d) => {
            Some(("device", "device name is not valid for user".into()))
        }
        _ => None,
    }
}

fn check_message(s: &State, p: &BTreeMap<String, String>) -> Problem {
    if let Some(problem) = check_keys(s, p) {
        return Some(problem);
    }
    let chars = |name: &str| p.get(name).map_or(0, |v| v.chars().count());
    let int = |name: &str| p.get(name).map(|v| v.trim().parse::<i64>());
    match p.get("message") {
        None => return Some(("message", "message cannot be blank".into())),
        Some(m) if m.trim().is_empty() => {
            return Some(("message", "message cannot be blank".into()));
        }
        _ => {}
    }
    for (name, max) in [
        ("message", 1024),
        ("title", 250),
        ("url", 512),
        ("url_title", 100),
    ] {
        if chars(name) > max {
            return Some((name, format!("{name} is too long (max {max} characters)")));
        }
    }
    let priority = match int("priority") {
        None => 0,
        Some(Ok(v)) if (-2..=2).contains(&v) => v,
        Some(_) => return Some(("priority", "priority is invalid".into())),
    };
    if priority == 2 {
        match int("retry") {
            Some(Ok(r)) if r >= 30 => {}
            _ => {
                return Some((
                    "retry",
                    "retry must be supplied with emergency priority and be at least 30 seconds"
                        .into(),
                ));
            }
        }
        match int("expire") {
            Some(Ok(e)) if (1..=10_800).contains(&e) => {}
            _ => {
                return Some((
                    "expire",
                    "expire must be supplied with emergency priority and be at most 10800 seconds"
                        .into(),
                ));
            }
        }
    }
    if let Some(sound) = p.get("sound")
        && !BUILTIN_SOUNDS.contains(&sound.as_str())
        && !s.sounds.iter().any(|x| x == sound)
    {
        return Some(("sound", "sound is invalid".into()));
    }
    let on = |name: &str| int(name).is_some_and(|v| v.is_ok_and(|v| v == 1));
    if on("html") && on("monospace") {
        return Some((
            "monospace",
            "html and monospace cannot be used together".into(),
        ));
    }
    if let Some(Err(_)) = int("timestamp") {
        return Some(("timestamp", "timestamp is invalid".into()));
    }
    match int("ttl") {
        Some(Ok(t)) if t <= 0 => return Some(("ttl", "ttl must be a positive number".into())),
        Some(Err(_)) => return Some(("ttl", "ttl is invalid".into())),
        _ => {}
    }
    None
}

/// Reads a JSON object or a form-urlencoded body into text parameters.
fn parse_params(raw: &[u8], is_json: bool) -> Option<BTreeMap<String, String>> {
    if is_json {
        let Value::Object(map) = serde_json::from_slice(raw).ok()? else {
            return None;
        };
        return map
            .into_iter()
            .map(|(k, v)| {
                let v = match v {
                    Value::String(s) => s,
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => u8::from(b).to_string(),
                    _ => return None,
                };
                Some((k, v))
            })
            .collect();
    }
    let text = std::str::from_utf8(raw).ok()?;
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            Some((percent_decode(k)?, percent_decode(v)?))
        })
        .collect()
}

fn percent_decode(s: &str) -> Option<String> {
    let mut out = Vec::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = [bytes.next()?, bytes.next()?];
                out.push(u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()?);
            }
            b => out.push(b),
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        let mut p: BTreeMap<String, String> = [("token", EXAMPLE_TOKEN), ("user", EXAMPLE_USER)]
            .iter()
            .chain(pairs)
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        p.retain(|_, v| v != "<omit>");
        p
    }

    fn status_of(pairs: &[(&str, &str)]) -> u16 {
        let fake = FakePushover::start();
        let mut s = fake.0.shared.lock();
        judge(&mut s, "/1/messages.json", true, Some(&params(pairs))).status
    }

    #[test]
    fn the_documented_rules_are_enforced() {
        let long = |n| "ü".repeat(n);
        let ok: &[&[(&str, &str)]] = &[
            &[("message", "hi")],
            &[("message", &long(1024)), ("title", &long(250))],
            &[
                ("message", "x"),
                ("priority", "2"),
                ("retry", "30"),
                ("expire", "10800"),
            ],
            &[("message", "x"), ("sound", "magic"), ("html", "1")],
        ];
        for p in ok {
            assert_eq!(status_of(p), 200, "{p:?}");
        }
        let bad: &[&[(&str, &str)]] = &[
            &[("message", "")],
            &[("message", &long(1025))],
            &[("message", "x"), ("title", &long(251))],
            &[("message", "x"), ("url", &long(513))],
            &[("message", "x"), ("url_title", &long(101))],
            &[("message", "x"), ("priority", "3")],
            &[("message", "x"), ("priority", "2")],
            &[
                ("message", "x"),
                ("priority", "2"),
                ("retry", "29"),
                ("expire", "60"),
            ],
            &[
                ("message", "x"),
                ("priority", "2"),
                ("retry", "30"),
                ("expire", "10801"),
            ],
            &[("message", "x"), ("sound", "kazoo")],
            &[("message", "x"), ("html", "1"), ("monospace", "1")],
            &[
                ("message", "x"),
                ("token", "azGDORePK8gMaC0QOYAMyEEuzJnyUj"),
            ],
            &[("message", "x"), ("user", "short")],
            &[("message", "x"), ("user", "<omit>")],
            &[("message", "x"), ("ttl", "0")],
        ];
        for p in bad {
            assert_eq!(status_of(p), 400, "{p:?}");
        }
    }

    #[test]
    fn form_bodies_are_percent_decoded() {
        let p = parse_params("message=h%C3%A9llo+w%F0%9F%A6%80&title=".as_bytes(), false).unwrap();
        assert_eq!(p["message"], "héllo w🦀");
        assert_eq!(p["title"], "");
        assert!(parse_params(b"message=%E", false).is_none());
        let p = parse_params(br#"{"priority":-2,"message":"m"}"#, true).unwrap();
        assert_eq!(p["priority"], "-2");
    }
}

//! [`Fake`]: the loopback HTTP server the service fakes share. It records every request,
//! answers through a [`Service`] that checks it like the real API, and can be scripted to fail
//! ([`Fault`]): a 5xx, a 429 with its reset, a hang, a dropped connection.

use std::collections::VecDeque;
use std::fs::OpenOptions;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tiny_http::{Header, Server};

use crate::served::{Served, Shared, Stoppable};

/// A scripted failure for the next request (see [`Fake::script`]); with none queued, the fake
/// answers like the real service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer this 5xx status in the service's error shape.
    ServerError(u16),
    /// Answer 429, announcing that sending may resume after this many seconds.
    TooManyRequests {
        /// The wait the service announces, in seconds.
        retry_after: u64,
    },
    /// Read the request and never answer (until the fake is dropped).
    Hang,
    /// Close the connection without answering.
    Drop,
}

/// One request the fake received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `POST`, `GET`, …
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The query string, without `?` (empty when there is none).
    pub query: String,
    /// The headers, names lowercased.
    pub headers: Vec<(String, String)>,
    /// The raw body.
    pub body: Vec<u8>,
    /// The status answered; `None` if the fake hung or dropped the connection.
    pub status: Option<u16>,
}

impl Request {
    /// A header's value (the name in any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The `Content-Type` is JSON.
    pub fn is_json(&self) -> bool {
        self.header("content-type")
            .is_some_and(|v| v.trim().starts_with("application/json"))
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// An answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The body.
    pub body: String,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
}

impl Reply {
    /// A JSON answer.
    pub fn json(status: u16, body: &Value) -> Reply {
        Reply {
            status,
            body: body.to_string(),
            headers: vec![("Content-Type".into(), "application/json".into())],
        }
    }

    /// A plain-text answer.
    pub fn text(status: u16, body: &str) -> Reply {
        Reply {
            status,
            body: body.into(),
            headers: vec![("Content-Type".into(), "text/plain; charset=utf-8".into())],
        }
    }

    /// The same answer with one more header.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// The rules of one service: how it judges a request, and its error shapes.
pub trait Service: Send + 'static {
    /// Checks `rq` like the real service and answers it (recording what it accepted).
    fn judge(&mut self, rq: &Request) -> Reply;
    /// The service's 429 answer.
    fn too_many(&self, retry_after: u64) -> Reply;
    /// The service's answer with a 5xx `status`.
    fn server_error(&self, status: u16) -> Reply;

    /// Takes over a request whose answer streams (a subscription): returns what writes the
    /// whole HTTP response to the connection, run on its own thread. `None`: [`judge`] it.
    ///
    /// [`judge`]: Service::judge
    fn stream(&mut self, _rq: &Request) -> Option<Streamer> {
        None
    }

    /// The fake is shutting down: every stream must end.
    fn shutdown(&mut self) {}
}

/// Writes a streamed HTTP response (status line, headers, body) to the raw connection.
pub type Streamer = Box<dyn FnOnce(Box<dyn Write + Send>) + Send>;

struct State<S> {
    service: S,
    script: VecDeque<Fault>,
    requests: Vec<Request>,
    held: Vec<tiny_http::Request>,
    log: Option<PathBuf>,
    stopping: bool,
}

impl<S: Service> Stoppable for State<S> {
    fn stop(&mut self) -> Vec<tiny_http::Request> {
        self.stopping = true;
        self.service.shutdown();
        std::mem::take(&mut self.held)
    }
}

/// A fake service on `127.0.0.1:<random port>`, shut down on drop.
pub struct Fake<S: Service>(Served<State<S>>);

impl<S: Service> Fake<S> {
    /// Starts `service` on 127.0.0.1 with a free port.
    ///
    /// # Panics
    /// If no loopback port can be bound (a test environment problem).
    pub fn start_with(service: S) -> Fake<S> {
        Fake(Served::start(
            State {
                service,
                script: VecDeque::new(),
                requests: Vec::new(),
                held: Vec::new(),
                log: None,
                stopping: false,
            },
            serve::<S>,
        ))
    }

    /// The address the fake listens on.
    pub fn addr(&self) -> SocketAddr {
        self.0.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.0.addr)
    }

    /// Queues a failure for the next request not yet scripted.
    pub fn script(&self, fault: Fault) {
        self.0.shared.lock().script.push_back(fault);
    }

    /// Runs `f` on the service, e.g. to change what it accepts or read what it stored.
    pub fn with_service<T>(&self, f: impl FnOnce(&mut S) -> T) -> T {
        f(&mut self.0.shared.lock().service)
    }

    /// Appends every answered request to `path` as one JSON line
    /// (`{"method","path","status","body"}`, the body as JSON when it is JSON, else text).
    pub fn log_requests_to(&self, path: impl Into<PathBuf>) {
        self.0.shared.lock().log = Some(path.into());
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.0.shared.lock().requests.clone()
    }

    /// How many requests the fake holds unanswered ([`Fault::Hang`]).
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

fn serve<S: Service>(server: &Server, shared: &Arc<Shared<State<S>>>) {
    while let Ok(mut rq) = server.recv() {
        if shared.lock().stopping {
            break;
        }
        let mut body = Vec::new();
        let _ = rq.as_reader().read_to_end(&mut body);
        let (path, query) = rq.url().split_once('?').unwrap_or((rq.url(), ""));
        let mut record = Request {
            method: rq.method().as_str().to_owned(),
            path: path.to_owned(),
            query: query.to_owned(),
            headers: rq
                .headers()
                .iter()
                .map(|h| {
                    (
                        h.field.as_str().as_str().to_ascii_lowercase(),
                        h.value.as_str().to_owned(),
                    )
                })
                .collect(),
            body,
            status: None,
        };
        let mut s = shared.lock();
        let reply = match s.script.pop_front() {
            Some(Fault::Hang) => {
                s.requests.push(record);
                s.held.push(rq);
                shared.changed.notify_all();
                continue;
            }
            Some(Fault::Drop) => {
                s.requests.push(record);
                drop(s);
                drop(rq.into_writer());
                shared.changed.notify_all();
                continue;
            }
            Some(Fault::ServerError(status)) => s.service.server_error(status),
            Some(Fault::TooManyRequests { retry_after }) => s.service.too_many(retry_after),
            None => match s.service.stream(&record) {
                Some(streamer) => {
                    record.status = Some(200);
                    s.requests.push(record);
                    drop(s);
                    shared.changed.notify_all();
                    let writer = rq.into_writer();
                    std::thread::spawn(move || streamer(writer));
                    continue;
                }
                None => s.service.judge(&record),
            },
        };
        record.status = Some(reply.status);
        if let Some(path) = &s.log {
            let body = record
                .json()
                .unwrap_or_else(|| Value::String(String::from_utf8_lossy(&record.body).into()));
            let line = json!({"method": record.method, "path": record.path,
                "status": reply.status, "body": body});
            if let Ok(mut f) = OpenOptions::new().create(true).append(true).open(path) {
                let _ = writeln!(f, "{line}");
            }
        }
        s.requests.push(record);
        drop(s);
        shared.changed.notify_all();
        let mut response =
            tiny_http::Response::from_string(reply.body).with_status_code(reply.status);
        for (k, v) in reply.headers {
            if let Ok(h) = Header::from_bytes(k.as_bytes(), v.as_bytes()) {
                response.add_header(h);
            }
        }
        let _ = rq.respond(response);
    }
}

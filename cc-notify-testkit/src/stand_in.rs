//! The HTTP plumbing the model-API stand-ins share ([`crate::anthropic`] and
//! [`crate::model_api`]): a loopback server on an ephemeral port, each request answered by the
//! stand-in's own function from its method, path and body, a JSON or SSE (`text/event-stream`)
//! reply, and the log of what was asked and answered.

use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use serde_json::Value;

/// One request a stand-in received, kept for debugging failed tests.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: String,
    /// Path and query.
    pub url: String,
    /// The body as received (lossy UTF-8).
    pub body: String,
    /// A one-line description of the answer given.
    pub answer: String,
}

/// Why a stand-in could not start.
#[derive(Debug)]
pub struct StartError(pub String);

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the API stand-in could not start: {}", self.0)
    }
}

impl std::error::Error for StartError {}

/// One answer: status, content type, body, a one-line description for the log, and any
/// further headers.
pub(crate) struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
    pub described: String,
    pub headers: Vec<(&'static str, &'static str)>,
}

impl Reply {
    /// `value` as a JSON answer with `status`.
    pub fn json(status: u16, value: &Value) -> Self {
        Self::json_described(status, value, format!("{status} json"))
    }

    /// `value` as a JSON answer, described as `described` in the log.
    pub fn json_described(status: u16, value: &Value, described: String) -> Self {
        Self {
            status,
            content_type: "application/json",
            body: value.to_string(),
            described,
            headers: Vec::new(),
        }
    }

    /// A 200 SSE stream.
    pub fn stream(body: String, described: String) -> Self {
        Self {
            status: 200,
            content_type: "text/event-stream",
            body,
            described,
            headers: Vec::new(),
        }
    }
}

/// What a stand-in answers: `(method, path without the query, body)` to the reply.
pub(crate) type Answerer = fn(&str, &str, &str) -> Reply;

/// A running stand-in; stops when dropped.
pub(crate) struct StandIn {
    url: String,
    server: Arc<tiny_http::Server>,
    requests: Arc<Mutex<Vec<RecordedRequest>>>,
    thread: Option<JoinHandle<()>>,
}

impl StandIn {
    /// Starts on 127.0.0.1 with an ephemeral port. `concurrent`: each request on its own thread
    /// (agents that hold a stream open while asking again), else one after the other.
    pub fn start(answer: Answerer, concurrent: bool) -> Result<Self, StartError> {
        let server =
            tiny_http::Server::http("127.0.0.1:0").map_err(|e| StartError(e.to_string()))?;
        let addr = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| StartError("not an IP listener".into()))?;
        let server = Arc::new(server);
        let requests = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let server = Arc::clone(&server);
            let requests = Arc::clone(&requests);
            std::thread::spawn(move || {
                for request in server.incoming_requests() {
                    if concurrent {
                        let requests = Arc::clone(&requests);
                        std::thread::spawn(move || serve(request, &requests, answer));
                    } else {
                        serve(request, &requests, answer);
                    }
                }
            })
        };
        Ok(Self {
            url: format!("http://{addr}"),
            server,
            requests,
            thread: Some(thread),
        })
    }

    /// The base URL (no trailing slash).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// A readable summary of the requests, one line each, for test failure messages.
    pub fn summary(&self) -> String {
        self.requests()
            .iter()
            .map(|r| format!("{} {} -> {}\n", r.method, r.url, r.answer))
            .collect()
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            // A panic in the server thread has already been reported; nothing to add.
            let _ = thread.join();
        }
    }
}

fn serve(mut request: tiny_http::Request, log: &Mutex<Vec<RecordedRequest>>, answer: Answerer) {
    let mut body = Vec::new();
    // A body that cannot be read is answered like an empty one.
    let _ = request.as_reader().read_to_end(&mut body);
    let body = String::from_utf8_lossy(&body).into_owned();
    let method = request.method().to_string();
    let url = request.url().to_owned();
    let path = url.split('?').next().unwrap_or("");
    let reply = answer(&method, path, &body);

    log.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(RecordedRequest {
            method,
            url,
            body,
            answer: reply.described,
        });

    let mut response = tiny_http::Response::from_string(reply.body).with_status_code(reply.status);
    let headers = [("Content-Type", reply.content_type)]
        .into_iter()
        .chain(reply.headers);
    for (name, value) in headers {
        if let Ok(header) = tiny_http::Header::from_bytes(name, value) {
            response.add_header(header);
        }
    }
    // The client may have gone away (agents abort side requests); nothing to do then.
    let _ = request.respond(response);
}

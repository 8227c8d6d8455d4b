//! The life of every fake's server: a `tiny_http` server on 127.0.0.1 with a free port, its
//! loop on a thread, the fake's state behind a lock with a condition variable that signals
//! each change, and the shutdown on drop (the loop ends, requests held unanswered are
//! released). The fakes differ only in their loop and their state ([`crate::scripted`],
//! [`crate::pushover`]).

use std::net::SocketAddr;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tiny_http::Server;

/// A fake's state and the signal of its changes.
pub(crate) struct Shared<St> {
    state: Mutex<St>,
    /// Notified after every change a waiter may look for.
    pub changed: Condvar,
}

impl<St> Shared<St> {
    /// The state (a panic elsewhere does not poison it for the test).
    pub fn lock(&self) -> MutexGuard<'_, St> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until `done` holds or `timeout` has passed; the state either way.
    pub fn wait(&self, timeout: Duration, done: impl Fn(&St) -> bool) -> MutexGuard<'_, St> {
        let deadline = Instant::now() + timeout;
        let mut s = self.lock();
        while !done(&s) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            s = match self.changed.wait_timeout(s, left) {
                Ok((guard, _)) => guard,
                Err(e) => e.into_inner().0,
            };
        }
        s
    }
}

/// What a fake's state does when the fake shuts down.
pub(crate) trait Stoppable: Send + 'static {
    /// Marks the state as stopping (the loop ends at its next request, delayed answers give
    /// up) and hands over the requests held unanswered.
    fn stop(&mut self) -> Vec<tiny_http::Request>;
}

/// A running server; shut down on drop.
pub(crate) struct Served<St: Stoppable> {
    /// The fake's state.
    pub shared: Arc<Shared<St>>,
    /// Where it listens.
    pub addr: SocketAddr,
    server: Arc<Server>,
    thread: Option<JoinHandle<()>>,
}

impl<St: Stoppable> Served<St> {
    /// Starts `serve` on a thread over a fresh server on 127.0.0.1, with `state`.
    ///
    /// # Panics
    /// If no loopback port can be bound (a test environment problem).
    pub fn start(state: St, serve: fn(&Server, &Arc<Shared<St>>)) -> Self {
        let server = Arc::new(Server::http("127.0.0.1:0").expect("bind 127.0.0.1:0"));
        let addr = server
            .server_addr()
            .to_ip()
            .expect("the fake listens on TCP");
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            changed: Condvar::new(),
        });
        let thread = {
            let (server, shared) = (server.clone(), shared.clone());
            std::thread::spawn(move || serve(&server, &shared))
        };
        Served {
            shared,
            addr,
            server,
            thread: Some(thread),
        }
    }
}

impl<St: Stoppable> Drop for Served<St> {
    fn drop(&mut self) {
        let held = self.shared.lock().stop();
        self.shared.changed.notify_all();
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        for rq in held {
            drop(rq.into_writer());
        }
    }
}

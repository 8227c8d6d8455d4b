//! Approvals through ntfy action buttons (`[approvals] via = "ntfy"`): each button posts its
//! answer token to a response topic (`<topic>-resp`) that this process subscribed to before
//! publishing the prompt, so no tap can be missed. When the request ends without a phone
//! decision the prompt is deleted (or, on a server that cannot, followed by a note).

use std::sync::mpsc;

use cc_notify_backends::ntfy::{Action, Message, Ntfy};
use cc_notify_core::approval::{Decision, InstallSecret, RequestId, answer_token};

use super::{Channel, Ended, POLL, QUICK, Seen, Shown};
use crate::runtime::{self, Runtime};

/// Appended to the ntfy topic to name the response topic the buttons post to.
pub const RESPONSE_SUFFIX: &str = "-resp";

/// The ntfy side of one approval request.
pub(crate) struct NtfyChannel {
    ntfy: Ntfy,
    answers: mpsc::Receiver<Heard>,
    prompt_id: String,
}

impl NtfyChannel {
    /// Subscribes to the response topic, then publishes the prompt.
    pub(crate) fn open(
        rt: &Runtime,
        secret: &InstallSecret,
        id: &RequestId,
        always: bool,
        shown: &Shown,
    ) -> Result<NtfyChannel, String> {
        let ntfy = Ntfy::from_config(&rt.config.ntfy)
            .map_err(|e| format!("[ntfy] is not usable: {e}"))?
            .with_timeouts(QUICK);
        let response_topic = format!("{}{RESPONSE_SUFFIX}", ntfy.topic());
        let since = runtime::now_ms() / 1000;
        let answers = listen(ntfy.clone(), response_topic, since);
        // Publish only once the subscription is live, so no tap can be missed.
        match answers.recv_timeout(QUICK.connect + QUICK.read) {
            Ok(Heard::Open) => {}
            Ok(Heard::Lost(why)) => return Err(format!("cannot subscribe to the answers: {why}")),
            _ => return Err("the answer channel did not open in time".into()),
        }
        let prompt = prompt(&ntfy, secret, id, always, shown);
        let prompt_id = match ntfy.publish(&prompt) {
            Ok(receipt) => receipt.request_id.unwrap_or_default(),
            Err(e) => return Err(format!("cannot send the approval request: {e}")),
        };
        Ok(NtfyChannel {
            ntfy,
            answers,
            prompt_id,
        })
    }
}

impl Channel for NtfyChannel {
    fn next(&mut self) -> Seen {
        match self.answers.recv_timeout(POLL) {
            Ok(Heard::Answer(body)) => Seen::Answer(body),
            Ok(Heard::Open) | Err(mpsc::RecvTimeoutError::Timeout) => Seen::Nothing,
            Ok(Heard::Lost(_)) | Err(mpsc::RecvTimeoutError::Disconnected) => Seen::ChannelLost,
        }
    }

    /// Takes the prompt off the phone: deletes it, or — on a server that cannot — says why it
    /// no longer counts. Nothing for a phone decision (its button already cleared it).
    fn finish(&mut self, ended: &Ended) {
        let Ended::Abstained(why) = ended else { return };
        if self.ntfy.delete(self.ntfy.topic(), &self.prompt_id).is_ok() {
            return;
        }
        let note = Message {
            topic: self.ntfy.topic().to_owned(),
            title: "Approval withdrawn".into(),
            message: format!("No longer waiting: {why}."),
            priority: 2,
            tags: vec!["heavy_check_mark".into()],
            click: None,
            actions: Vec::new(),
        };
        let _ = self.ntfy.publish(&note);
    }
}

/// The approval request: title with the project and the tool, the exact command or path,
/// and the buttons, each posting its answer token to the response topic.
fn prompt(
    ntfy: &Ntfy,
    secret: &InstallSecret,
    id: &RequestId,
    always: bool,
    shown: &Shown,
) -> Message {
    let url = format!("{}/{}{RESPONSE_SUFFIX}", ntfy.url(), ntfy.topic());
    let headers: Vec<(String, String)> = ntfy
        .authorization()
        .map(|a| ("Authorization".to_owned(), a))
        .into_iter()
        .collect();
    let button = |label: &str, d: Decision| Action::Http {
        label: label.into(),
        url: url.clone(),
        method: "POST".into(),
        headers: headers.clone(),
        body: answer_token(secret, id, d),
        clear: true,
    };
    let mut actions = vec![button("Allow", Decision::Allow)];
    if always {
        actions.push(button("Always allow", Decision::AlwaysAllow));
    }
    actions.push(button("Deny", Decision::Deny));
    Message {
        topic: ntfy.topic().to_owned(),
        title: shown.title.clone(),
        message: format!(
            "{}\n\nAnswer within {} s; otherwise the dialog waits at the keyboard.",
            shown.what, shown.window_secs
        ),
        priority: 4,
        tags: vec!["lock".into(), "needs_input".into()],
        click: None,
        actions,
    }
}

/// What the subscription thread hears.
enum Heard {
    /// The server accepted the subscription.
    Open,
    /// A message's text on the response topic.
    Answer(Vec<u8>),
    /// The subscription failed or ended.
    Lost(String),
}

/// Subscribes to `topic` (replaying from `since`, Unix seconds) on a thread, which reports
/// [`Heard::Open`] once the server answered, then each message, then [`Heard::Lost`]. The
/// thread is never joined: the process exits when the wait ends.
fn listen(ntfy: Ntfy, topic: String, since: u64) -> mpsc::Receiver<Heard> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut sub = match ntfy.subscribe(&topic, &since.to_string()) {
            Ok(sub) => sub,
            Err(e) => {
                let _ = tx.send(Heard::Lost(e.to_string()));
                return;
            }
        };
        if tx.send(Heard::Open).is_err() {
            return;
        }
        loop {
            let heard = match sub.next_event() {
                Ok(Some(e)) if e.event == "message" => Heard::Answer(e.message.into_bytes()),
                Ok(Some(_)) => continue,
                Ok(None) => Heard::Lost("the server closed the subscription".into()),
                Err(e) => Heard::Lost(e.to_string()),
            };
            let lost = matches!(heard, Heard::Lost(_));
            if tx.send(heard).is_err() || lost {
                return;
            }
        }
    });
    rx
}

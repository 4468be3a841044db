//! One request from arrival to answer: control API, VAS API, config, demo
//! files or the viewer; the request log and delayed answers.

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::emulator::Emulator;
use crate::http::answer::{method_not_allowed, AnswerBody, HttpAnswer, RoutedAnswer};
use crate::http::request::{split_target, RequestParts};
use crate::http::server;
use crate::http::static_files::{safe_relative_path, serve_file};
use crate::live::rig_cameras::LIVE_EVENTS_PATH;
use crate::request_log::LogEntry;

/// One request's answer before it is sent.
pub(crate) struct DispatchedAnswer {
    pub(crate) answer: HttpAnswer,
    /// Answer this long after the request arrived (`delay_ms`).
    pub(crate) delay: Option<Duration>,
    /// The fault that shaped it, for the stderr log.
    pub(crate) fault: Option<String>,
    /// Its entry in the request log; None for control requests.
    pub(crate) log_seq: Option<u64>,
}

impl Emulator {
    /// Answers one request: control requests, or the routed answer recorded
    /// in the request log. No socket: tests call this directly.
    pub(crate) fn dispatch(
        self: &Arc<Self>,
        method: &str,
        target: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> DispatchedAnswer {
        let (path, query) = split_target(target);
        if path == "/__demo" || path.starts_with("/__demo/") || path == LIVE_EVENTS_PATH {
            let answer = self.control(method, path, body);
            return DispatchedAnswer { answer, delay: None, fault: None, log_seq: None };
        }
        let req = RequestParts { method, path, query, headers };
        let RoutedAnswer { answer, delay, fault } = self.route(&req);
        // A chunked answer's bytes are logged once they are sent.
        let bytes = if method == "HEAD" || matches!(answer.body, AnswerBody::Chunked(_)) {
            0
        } else {
            answer.body_len()
        };
        let log_seq = self.lock().record(LogEntry {
            seq: 0,
            method: method.to_string(),
            target: target.to_string(),
            status: answer.status,
            api_key_present: req.header("X-API-Key").is_some(),
            bytes,
            fault: fault.clone(),
            secrets_seen: self.secrets_in(target, headers),
        });
        DispatchedAnswer { answer, delay, fault, log_seq: Some(log_seq) }
    }

    /// Answers one request of the HTTP server: `dispatch`, then the delay,
    /// then the send.
    pub(crate) fn handle(self: &Arc<Self>, request: &server::Request, out: &mut server::Responder) {
        let started = Instant::now();
        let method = request.method.to_ascii_uppercase();
        let target = request.target.as_str();
        let DispatchedAnswer { answer, delay, fault, log_seq } =
            self.dispatch(&method, target, &request.headers, &request.body);
        let status = answer.status;
        if let Some(delay) = delay {
            // This connection's own thread waits; a stop cuts it short.
            let ctl = self.lock();
            let remaining = (started + delay).saturating_duration_since(Instant::now());
            drop(
                self.wake
                    .wait_timeout_while(ctl, remaining, |c| !c.shutting_down)
                    .unwrap_or_else(|e| e.into_inner()),
            );
        }
        let result = match answer.body {
            AnswerBody::Chunked(bytes) => {
                let (sent, result) =
                    out.send_chunked(answer.status, &answer.headers, &mut bytes.as_slice());
                if let Some(entry) =
                    self.lock().log.iter_mut().rev().find(|e| Some(e.seq) == log_seq)
                {
                    entry.bytes = sent;
                }
                result
            }
            body => send(out, HttpAnswer { body, ..answer }),
        };
        if self.log_to_stderr {
            let what = match (log_seq, fault) {
                (None, _) => " (control)".to_string(),
                (Some(_), Some(f)) => format!(" [fault: {f}]"),
                (Some(_), None) => String::new(),
            };
            let failed = match result {
                Ok(()) => String::new(),
                Err(e) => format!(" [send failed: {e}]"),
            };
            eprintln!(
                "demo-backend: {method} {target} -> {status}{what} in {:.1} ms{failed}",
                started.elapsed().as_secs_f64() * 1000.0
            );
        }
    }

    pub(crate) fn route(&self, req: &RequestParts) -> RoutedAnswer {
        if req.path == "/api" || req.path.starts_with("/api/") {
            return self.emulate_api(&self.data, req);
        }
        if req.path == "/config.json" {
            if !req.is_get_or_head() {
                return RoutedAnswer::plain(method_not_allowed());
            }
            return RoutedAnswer::plain(self.config_json());
        }
        if let Some(rest) = req.path.strip_prefix("/demo/") {
            if !req.is_get_or_head() {
                return RoutedAnswer::plain(method_not_allowed());
            }
            let dir = &self.data.dir;
            return RoutedAnswer::plain(match safe_relative_path(rest, true) {
                Some(rel) if dir.join(&rel).is_file() => {
                    serve_file(&dir.join(rel), req.header("Range"))
                }
                _ => HttpAnswer::text(404, "Not Found"),
            });
        }
        RoutedAnswer::plain(self.static_file(req))
    }
}

pub(crate) fn send(out: &mut server::Responder, reply: HttpAnswer) -> io::Result<()> {
    // A Content-Length (chunked only as a fault), which media elements prefer.
    match reply.body {
        AnswerBody::Bytes(bytes) => {
            let len = bytes.len() as u64;
            out.send(reply.status, &reply.headers, &mut bytes.as_slice(), len)
        }
        AnswerBody::File { mut file, len } => {
            out.send(reply.status, &reply.headers, &mut file, len)
        }
        AnswerBody::Chunked(bytes) => {
            out.send_chunked(reply.status, &reply.headers, &mut bytes.as_slice()).1
        }
    }
}

//! One request from arrival to answer: control API, VAS API, config, demo
//! files or the viewer; the request log and delayed answers.

use std::io;
use std::sync::Arc;
use std::time::Instant;

use crate::emulator::Emulator;
use crate::http::answer::{method_not_allowed, AnswerBody, HttpAnswer, RoutedAnswer};
use crate::http::request::{split_target, RequestParts};
use crate::http::server;
use crate::http::static_files::{safe_relative_path, serve_file};
use crate::live::rig_cameras::LIVE_EVENTS_PATH;
use crate::request_log::LogEntry;

impl Emulator {
    pub(crate) fn handle(self: &Arc<Self>, request: &server::Request, out: &mut server::Responder) {
        let started = Instant::now();
        let method = request.method.to_ascii_uppercase();
        let target = request.target.as_str();
        let (path, query) = split_target(target);

        if path == "/__demo" || path.starts_with("/__demo/") || path == LIVE_EVENTS_PATH {
            let reply = self.control(&method, path, &request.body);
            let status = reply.status;
            let result = send(out, reply);
            if self.log_to_stderr {
                eprintln!(
                    "demo-backend: {method} {target} -> {status} (control){}",
                    result
                        .err()
                        .map(|e| format!(" [send failed: {e}]"))
                        .unwrap_or_default()
                );
            }
            return;
        }

        let req = RequestParts {
            method: &method,
            path,
            query,
            headers: &request.headers,
        };
        let RoutedAnswer {
            reply,
            delay,
            fault,
        } = self.route(&req);
        let status = reply.status;
        // A chunked answer's bytes are logged once they are sent.
        let bytes = if method == "HEAD" || matches!(reply.body, AnswerBody::Chunked(_)) {
            0
        } else {
            reply.body_len()
        };
        let seq = self.lock().record(LogEntry {
            seq: 0,
            method: method.clone(),
            target: target.to_string(),
            status,
            api_key_present: req.header("X-API-Key").is_some(),
            bytes,
            fault: fault.clone(),
            secrets_seen: self.secrets_in(target, &request.headers),
        });
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
        let result = match reply.body {
            AnswerBody::Chunked(bytes) => {
                let (sent, result) = out.send_chunked(reply.status, &reply.headers, &mut bytes.as_slice());
                if let Some(entry) = self.lock().log.iter_mut().rev().find(|e| e.seq == seq) {
                    entry.bytes = sent;
                }
                result
            }
            body => send(out, HttpAnswer { body, ..reply }),
        };
        if self.log_to_stderr {
            let fault = fault.map(|f| format!(" [fault: {f}]")).unwrap_or_default();
            let failed = match result {
                Ok(()) => String::new(),
                Err(e) => format!(" [send failed: {e}]"),
            };
            eprintln!(
                "demo-backend: {method} {target} -> {status}{fault} in {:.1} ms{failed}",
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
            let Some(dir) = &self.demo_dir else {
                return RoutedAnswer::plain(HttpAnswer::text(404, "Not Found"));
            };
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
        AnswerBody::File { mut file, len } => out.send(reply.status, &reply.headers, &mut file, len),
        AnswerBody::Chunked(bytes) => out.send_chunked(reply.status, &reply.headers, &mut bytes.as_slice()).1,
    }
}

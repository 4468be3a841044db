//! A native (ureq) transport for the core's event state machines, used by the tooling and its tests.
//!
//! The browser runs the same `WindowFetch`/`LivePoller` logic over gloo-net;
//! this drives it from native code, so the logic can be checked and measured
//! against the demo backend with its fault modes.

use std::io::Read;
use std::time::Duration;

use vas_overlay_viewer::core::backoff::Backoff;
use vas_overlay_viewer::core::time::UnixMicros;
use vas_overlay_viewer::core::window_fetch::{Action, FailureKind, WindowFetch};
use vas_overlay_viewer::core::wire::{decode_event_page, EventPage, EventQuery, WireEvent};

/// Same limit as the viewer's client.
const MAX_BODY_BYTES: u64 = 8 * 1024 * 1024;

pub struct NativeClient {
    pub base: String,
    pub api_key: Option<String>,
    agent: ureq::Agent,
}

/// What one fetch did, for figures.
#[derive(Debug, Default, Clone)]
pub struct FetchTally {
    pub requests: u32,
    pub bytes: u64,
    pub backoffs: u32,
    pub lost: Vec<(UnixMicros, UnixMicros)>,
    pub completed: bool,
}

impl NativeClient {
    pub fn new(base: &str, api_key: Option<&str>, timeout: Duration) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            api_key: api_key.map(str::to_owned),
            agent: ureq::AgentBuilder::new().timeout(timeout).build(),
        }
    }

    /// One list page, classified as the viewer classifies failures.
    pub fn page(&self, q: &EventQuery) -> (Result<EventPage, FailureKind>, u64) {
        let mut req = self.agent.get(&format!("{}{}", self.base, q.path_and_query()));
        if let Some(k) = &self.api_key {
            req = req.set("X-API-Key", k);
        }
        match req.call() {
            Ok(resp) => {
                let mut body = Vec::new();
                let read = resp.into_reader().take(MAX_BODY_BYTES + 1).read_to_end(&mut body);
                let n = body.len() as u64;
                if read.is_err() {
                    return (Err(FailureKind::Transient), n);
                }
                if n > MAX_BODY_BYTES {
                    return (Err(FailureKind::Window), n);
                }
                (decode_event_page(&body).map_err(|_| FailureKind::Window), n)
            }
            Err(ureq::Error::Status(code, _)) if code >= 500 => (Err(FailureKind::Window), 0),
            Err(_) => (Err(FailureKind::Transient), 0),
        }
    }

    /// Runs a fetch to completion, giving up after `max_backoffs` back-offs
    /// (each waits `backoff_ms`, kept short for tests). Events go to `sink`.
    pub fn run(&self, fetch: &mut WindowFetch, max_backoffs: u32, backoff_ms: u64, mut sink: impl FnMut(Vec<WireEvent>)) -> FetchTally {
        let mut tally = FetchTally::default();
        let mut backoff = Backoff::new(backoff_ms as u32, 30_000);
        while let Some(q) = fetch.next_request() {
            tally.requests += 1;
            let (result, bytes) = self.page(&q);
            tally.bytes += bytes;
            let (events, action) = fetch.on_result(result);
            sink(events);
            match action {
                Action::Continue => backoff.on_success(),
                Action::Done => break,
                Action::BackOff => {
                    tally.backoffs += 1;
                    if tally.backoffs > max_backoffs {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(u64::from(backoff.on_failure(0.0)).min(backoff_ms * 4)));
                }
            }
        }
        tally.lost = fetch.lost().to_vec();
        tally.completed = fetch.is_done();
        tally
    }
}

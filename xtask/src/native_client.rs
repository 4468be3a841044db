//! A native (ureq) transport for the core's event state machines, used by the tooling and its tests.
//!
//! The browser runs the same `WindowFetch`/`LivePoller` logic over gloo-net;
//! this drives it from native code, so the logic can be checked and measured
//! against the demo backend with its fault modes.

use std::io::Read;
use std::time::Duration;

use vas_overlay_viewer::core::backoff::Backoff;
use vas_overlay_viewer::core::events::credible_newest::RowSeen;
use vas_overlay_viewer::core::events::event_store::{EventStore, StoreLimits};
use vas_overlay_viewer::core::events::live_poll::LivePoller;
use vas_overlay_viewer::core::events::poll_grid;
use vas_overlay_viewer::core::events::read_failure::{body_too_large, ReadFailure, MAX_BODY_BYTES};
use vas_overlay_viewer::core::events::window_fetch::{Action, FailureKind, WindowFetch};
use vas_overlay_viewer::core::events::wire::{decode_event_page, EventPage, EventQuery, WireEvent};
use vas_overlay_viewer::core::time::UnixMicros;

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
        let (page, bytes) = self.read_page(q);
        (page.map_err(ReadFailure::kind), bytes)
    }

    /// One list page and the body bytes read; a body is read up to one byte past the limit.
    fn read_page(&self, q: &EventQuery) -> (Result<EventPage, ReadFailure>, u64) {
        let mut req = self.agent.get(&format!("{}{}", self.base, q.path_and_query()));
        if let Some(k) = &self.api_key {
            req = req.set("X-API-Key", k);
        }
        let resp = match req.call() {
            Ok(resp) => resp,
            Err(ureq::Error::Status(code, _)) => return (Err(ReadFailure::Status(code)), 0),
            // ureq reports a timeout as a transport error too; both are retried alike.
            Err(ureq::Error::Transport(_)) => return (Err(ReadFailure::Network), 0),
        };
        let mut body = Vec::new();
        let read = resp.into_reader().take(MAX_BODY_BYTES + 1).read_to_end(&mut body);
        let n = body.len() as u64;
        if read.is_err() {
            return (Err(ReadFailure::Network), n);
        }
        if body_too_large(n) {
            return (Err(ReadFailure::TooLarge), n);
        }
        (decode_event_page(&body).map_err(|_| ReadFailure::Malformed), n)
    }

    /// Runs a fetch to completion, giving up after `max_backoffs` back-offs
    /// (each waits `backoff_ms`, kept short for tests). Events go to `sink`.
    pub fn run(
        &self,
        fetch: &mut WindowFetch,
        max_backoffs: u32,
        backoff_ms: u64,
        mut sink: impl FnMut(Vec<WireEvent>),
    ) -> FetchTally {
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
                    std::thread::sleep(Duration::from_millis(
                        u64::from(backoff.on_failure(0.0)).min(backoff_ms * 4),
                    ));
                }
            }
        }
        tally.lost = fetch.lost().to_vec();
        tally.completed = fetch.is_done();
        tally
    }
}

/// One live viewer as the live page polls: its poller, store and transport.
/// [`LiveViewer::poll`] is one turn of the page's loop (`events/live_feed.rs`):
/// the window, then the count probe due in its cell.
pub struct LiveViewer {
    pub poller: LivePoller,
    pub store: EventStore,
    pub client: NativeClient,
    /// Instants given up as poison rows, as reported by the fetches.
    pub lost: Vec<(UnixMicros, UnixMicros)>,
}

impl LiveViewer {
    pub fn new(camera_id: &str, client: NativeClient) -> Self {
        Self {
            poller: LivePoller::new(camera_id),
            store: EventStore::new(StoreLimits::live()),
            client,
            lost: Vec::new(),
        }
    }

    /// One poll started at `started` (the wall clock); `sink` sees every
    /// event new to the store, as it arrives.
    pub fn poll(&mut self, started: UnixMicros, mut sink: impl FnMut(&WireEvent)) {
        let mut fetch = self.poller.next_fetch(started, None);
        let (mut new_rows, mut rows) = (Vec::new(), 0u64);
        let store = &mut self.store;
        let tally = self.client.run(&mut fetch, 3, 50, |events| {
            keep(store, events, &mut new_rows, &mut rows, &mut sink)
        });
        self.poller.stats.requests += u64::from(tally.requests);
        self.poller.stats.bytes += tally.bytes;
        self.poller.on_poll_done(&new_rows, now_wall(), monotonic_micros(), None);
        self.poller.on_lost(&tally.lost);
        self.lost.extend(tally.lost);
        if let Some(probe) = self.poller.next_sweep(started) {
            let (page, bytes) = self.client.page(&probe.query);
            self.poller.stats.requests += 1;
            self.poller.stats.bytes += bytes;
            if let Ok(page) = page {
                let held = self.store.count_between(probe.band.0, probe.band.1) as u64;
                if let Some(mut band) = self.poller.on_sweep(&probe, page.total.unwrap_or(0), held)
                {
                    let (store, mut found) = (&mut self.store, Vec::new());
                    let t = self.client.run(&mut band, 3, 50, |events| {
                        keep(store, events, &mut found, &mut rows, &mut sink)
                    });
                    self.poller.stats.requests += u64::from(t.requests);
                    self.poller.stats.bytes += t.bytes;
                    self.poller.on_lost(&t.lost);
                    self.lost.extend(t.lost);
                }
            }
        }
        self.poller.stats.rows += rows;
        self.poller.stats.new_rows += new_rows.len() as u64;
    }

    /// Polls on the grid (each poll in the middle of a cell, as the page
    /// does) until `deadline`.
    pub fn poll_until(&mut self, deadline: std::time::Instant, mut sink: impl FnMut(&WireEvent)) {
        while std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(u64::from(poll_grid::ms_until_poll(
                now_wall(),
                1,
            ))));
            self.poll(now_wall(), &mut sink);
        }
    }
}

/// Stores a page's events; those new to the store go to `sink` and, as rows seen, to `new_rows`.
fn keep(
    store: &mut EventStore,
    events: Vec<WireEvent>,
    new_rows: &mut Vec<RowSeen>,
    rows: &mut u64,
    sink: &mut impl FnMut(&WireEvent),
) {
    *rows += events.len() as u64;
    for e in events.iter().filter(|e| !store.contains(&e.id)) {
        new_rows.push(RowSeen { model_id: e.model_id.clone(), timestamp: e.timestamp });
        sink(e);
    }
    store.ingest(events);
}

/// The machine's wall clock.
pub fn now_wall() -> UnixMicros {
    UnixMicros(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_micros() as i64),
    )
}

/// A monotonic clock in microseconds (since the first call).
fn monotonic_micros() -> i64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START.get_or_init(std::time::Instant::now).elapsed().as_micros() as i64
}

//! Runs one `WindowFetch` over HTTP: one request in flight, back-off on failures, events into the store.

use std::cell::Cell;
use std::rc::Rc;

use gloo_timers::future::TimeoutFuture;

use super::api_client::ApiClient;
use super::store_handle::StoreHandle;
use crate::core::backoff::Backoff;
use crate::core::events::credible_newest::RowSeen;
use crate::core::events::window_fetch::{Action, WindowFetch};
use crate::core::time::UnixMicros;

/// What a finished (or abandoned) window fetch did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FetchSummary {
    pub completed: bool,
    pub requests: u32,
    pub bytes: u64,
    pub rows: u64,
    /// The rows that were new to the store.
    pub new_rows: Vec<RowSeen>,
    pub lost: Vec<(UnixMicros, UnixMicros)>,
}

/// A flag shared by a feed and its owner; the feed stops when it is cleared.
pub type Alive = Rc<Cell<bool>>;

/// Drives `fetch` to completion (or until `alive` is cleared). Failures back off
/// with `backoff`; the store keeps everything it had, whatever happens.
pub async fn run_fetch(
    client: &ApiClient,
    mut fetch: WindowFetch,
    store: &StoreHandle,
    backoff: &mut Backoff,
    alive: &Alive,
) -> FetchSummary {
    let mut summary = FetchSummary::default();
    while alive.get() {
        let Some(q) = fetch.next_request() else { break };
        summary.requests += 1;
        let outcome = client.event_page(&q).await;
        if !alive.get() {
            return summary;
        }
        let result = match outcome {
            Ok((page, bytes)) => {
                summary.bytes += bytes as u64;
                Ok(page)
            }
            Err(e) => {
                // Faults are silent to the user; a debug line is enough.
                web_sys::console::debug_1(&format!("event request failed: {e}").into());
                Err(e.failure_kind())
            }
        };
        let (events, action) = fetch.on_result(result);
        summary.rows += events.len() as u64;
        let fresh: Vec<RowSeen> = {
            let s = store.borrow();
            events
                .iter()
                .filter(|e| !s.contains(&e.id))
                .map(|e| RowSeen { model_id: e.model_id.clone(), timestamp: e.timestamp })
                .collect()
        };
        store.ingest(events);
        summary.new_rows.extend(fresh);
        match action {
            Action::Continue => backoff.on_success(),
            Action::Done => {
                backoff.on_success();
                break;
            }
            Action::BackOff => {
                let delay = backoff.on_failure(js_sys::Math::random());
                TimeoutFuture::new(delay).await;
            }
        }
    }
    summary.completed = fetch.is_done();
    summary.lost = fetch.lost().to_vec();
    summary
}

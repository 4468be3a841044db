//! The live feed: polls VAS for new events of one camera and keeps the store current.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo_timers::future::TimeoutFuture;

use super::api_client::ApiClient;
use super::store_handle::StoreHandle;
use super::window_runner::{run_fetch, Alive};
use crate::core::backoff::Backoff;
use crate::core::events::live_poll::{LivePoller, LiveStats, HIDDEN_EVERY};
use crate::core::events::poll_grid;
use crate::core::time::UnixMicros;

/// VAS's time of the frame on screen, when the page knows it (the live clock's).
pub type FrameTimeHint = Rc<dyn Fn() -> Option<UnixMicros>>;

/// The viewer's wall clock and monotonic clock, in microseconds.
fn clocks() -> (UnixMicros, i64) {
    let wall = UnixMicros::from_millis_f64(js_sys::Date::now()).unwrap_or_default();
    let mono = web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now());
    (wall, (mono * 1000.0) as i64)
}

/// A running live feed; dropping it stops the polling.
pub struct LiveFeed {
    alive: Alive,
    stats: Rc<RefCell<LiveStats>>,
}

impl LiveFeed {
    /// Starts polling `camera_id` into `store`; `frame_time` tells a quiet
    /// spell where VAS's clock is (see `LivePoller::next_fetch`).
    pub fn start(
        client: ApiClient,
        camera_id: String,
        store: StoreHandle,
        frame_time: Option<FrameTimeHint>,
    ) -> Self {
        let alive: Alive = Rc::new(Cell::new(true));
        let stats = Rc::new(RefCell::new(LiveStats::default()));
        let (alive_task, stats_task) = (alive.clone(), stats.clone());
        wasm_bindgen_futures::spawn_local(async move {
            let mut poller = LivePoller::new(&camera_id);
            let mut backoff = Backoff::for_api();
            while alive_task.get() {
                // The viewer's clock bounds the first poll and places the agreed clock; see `LivePoller`.
                let (started, _) = clocks();
                let vas_now = frame_time.as_ref().and_then(|f| f());
                let summary = run_fetch(
                    &client,
                    poller.next_fetch(started, vas_now),
                    &store,
                    &mut backoff,
                    &alive_task,
                )
                .await;
                if !alive_task.get() {
                    break;
                }
                poller.stats.requests += u64::from(summary.requests);
                poller.stats.bytes += summary.bytes;
                poller.stats.rows += summary.rows;
                poller.stats.new_rows += summary.new_rows.len() as u64;
                let (now, now_mono) = clocks();
                poller.on_poll_done(
                    &summary.new_rows,
                    now,
                    now_mono,
                    frame_time.as_ref().and_then(|f| f()),
                );
                store.set_ceiling(poller.ceiling(now));
                poller.on_lost(&summary.lost);
                if let Some(probe) = poller.next_sweep(started) {
                    // A count probe: one row asked for; `total` tells whether rows were missed.
                    poller.stats.requests += 1;
                    if let Ok((page, bytes)) = client.event_page(&probe.query).await {
                        poller.stats.bytes += bytes as u64;
                        let held = store.borrow().count_between(probe.band.0, probe.band.1) as u64;
                        if let Some(band) = poller.on_sweep(&probe, page.total.unwrap_or(0), held) {
                            let s =
                                run_fetch(&client, band, &store, &mut backoff, &alive_task).await;
                            poller.stats.requests += u64::from(s.requests);
                            poller.stats.bytes += s.bytes;
                            poller.stats.rows += s.rows;
                            poller.stats.new_rows += s.new_rows.len() as u64;
                            poller.on_lost(&s.lost);
                        }
                    }
                }
                *stats_task.borrow_mut() = poller.stats;
                // The next poll in the middle of the next cell (a slow
                // answer skips the cells it overran). Hidden: only in cells
                // of the hidden period, but the page's return is noticed
                // within one cell, not a hidden period.
                loop {
                    TimeoutFuture::new(poll_grid::ms_until_poll(clocks().0, 1)).await;
                    let hidden =
                        web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.hidden());
                    let cell = poll_grid::cell_of(clocks().0);
                    if !hidden || cell.rem_euclid(HIDDEN_EVERY) == 0 || !alive_task.get() {
                        break;
                    }
                }
            }
        });
        Self { alive, stats }
    }

    /// Load counters so far.
    pub fn stats(&self) -> LiveStats {
        *self.stats.borrow()
    }
}

impl Drop for LiveFeed {
    fn drop(&mut self) {
        self.alive.set(false);
    }
}

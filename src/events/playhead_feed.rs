//! The playhead feed: for a played clip or recording, loads event windows around the playhead.

use std::cell::Cell;
use std::rc::Rc;

use gloo_timers::future::TimeoutFuture;
use web_sys::HtmlVideoElement;

use super::api_client::ApiClient;
use super::store_handle::StoreHandle;
use super::window_runner::{run_fetch, Alive};
use crate::core::backoff::Backoff;
use crate::core::events::playhead_windows::{PlayheadWindows, WindowPlan};
use crate::core::events::window_fetch::WindowFetch;
use crate::core::events::wire::MAX_PAGE_LIMIT;
use crate::core::time::UnixMicros;
use crate::media::monotonic::now_mono_ms;
use crate::media::ClockHandle;

/// The unbroken block of loaded windows around the playhead, shared with a timeline.
pub type LoadedSpan = Rc<Cell<Option<(UnixMicros, UnixMicros)>>>;

/// How often the playhead is looked at when nothing needs fetching.
const IDLE_MS: u32 = 250;

/// A running playhead feed; dropping it stops it.
pub struct PlayheadFeed {
    alive: Alive,
}

impl PlayheadFeed {
    /// Starts loading windows of `camera_id` around the video's playhead.
    /// `bounds` limits fetching to the clip's own span.
    pub fn start(
        client: ApiClient,
        camera_id: String,
        store: StoreHandle,
        video: HtmlVideoElement,
        clock: ClockHandle,
        bounds: Option<(UnixMicros, UnixMicros)>,
        loaded: LoadedSpan,
    ) -> Self {
        let alive: Alive = Rc::new(Cell::new(true));
        let alive_task = alive.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let mut windows = PlayheadWindows::new(WindowPlan::default(), bounds);
            let mut backoff = Backoff::for_api();
            while alive_task.get() {
                // currentTime is only read: the feed never touches playback. Until the
                // clock can map it (a recording before its playlist), there is nothing to fetch.
                let Some(playhead) = clock.wall_time(video.current_time()).map(|f| f.at) else {
                    TimeoutFuture::new(IDLE_MS).await;
                    continue;
                };
                loaded.set(windows.loaded_block(playhead));
                let Some(i) = windows.next_to_fetch(playhead, now_mono_ms()) else {
                    TimeoutFuture::new(IDLE_MS).await;
                    continue;
                };
                let (start, end) = windows.span(i);
                let fetch = WindowFetch::new(&camera_id, start, end, MAX_PAGE_LIMIT);
                let summary = run_fetch(&client, fetch, &store, &mut backoff, &alive_task).await;
                if !alive_task.get() {
                    break;
                }
                if summary.completed {
                    // An empty window may hide a database fault in VAS: it is retried later.
                    // An open window (past what the recording held at the fetch) is fetched again too.
                    windows.mark_loaded(
                        i,
                        summary.rows == 0,
                        now_mono_ms(),
                        clock.recorded_until(),
                    );
                }
                if let Some((keep_from, keep_to)) = windows.evict(playhead) {
                    store.retain_between(keep_from, keep_to);
                }
                loaded.set(windows.loaded_block(playhead));
            }
        });
        Self { alive }
    }
}

impl Drop for PlayheadFeed {
    fn drop(&mut self) {
        self.alive.set(false);
    }
}

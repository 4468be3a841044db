//! Reads one recording segment's `Last-Modified` without its body, for the recording clock to place a run.
//!
//! VAS answers `HEAD` with 405 and ignores `Range` (vas-contract.md section
//! 5), so the probe is a `GET` (gloo-net) aborted as soon as the headers are
//! in: the bytes that cross are those in flight then, not the segment. The
//! key goes only to the API's origin, as hls.js's requests do. A failed
//! probe is dropped: the run is placed later by the segments hls.js loads.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_net::http::Request;
use gloo_timers::callback::Timeout;
use web_sys::AbortController;

use crate::core::clock::recording::recording_clock::RecordingClock;

/// A probe that has no headers after this long is abandoned.
pub const PROBE_TIMEOUT_MS: u32 = 5_000;

/// Probes `uri` (relative to the playlist's URL) and hands its `Last-Modified`
/// to the clock as segment `sn`'s; `done` runs after, whatever the outcome.
pub fn spawn(
    playlist_url: &str,
    uri: &str,
    api_key: Option<&str>,
    key_origin: &str,
    sn: u64,
    clock: Rc<RefCell<RecordingClock>>,
    done: impl FnOnce() + 'static,
) {
    let base = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.base_uri().ok().flatten())
        .unwrap_or_default();
    let url = web_sys::Url::new_with_base(playlist_url, &base)
        .ok()
        .and_then(|p| web_sys::Url::new_with_base(uri, &p.href()).ok());
    let key =
        url.as_ref().and_then(|u| api_key.filter(|_| u.origin() == key_origin)).map(str::to_owned);
    // Everything, `done` included, after the caller returns: it holds the clock.
    wasm_bindgen_futures::spawn_local(async move {
        let Some(href) = url.map(|u| u.href()) else {
            done();
            return;
        };
        let Ok(controller) = AbortController::new() else {
            done();
            return;
        };
        let timeout = {
            let controller = controller.clone();
            Timeout::new(PROBE_TIMEOUT_MS, move || controller.abort())
        };
        let mut request = Request::get(&href).abort_signal(Some(&controller.signal()));
        if let Some(k) = &key {
            request = request.header("X-API-Key", k);
        }
        let response = request.send().await;
        // Headers are in: the body is not wanted.
        controller.abort();
        drop(timeout);
        match response {
            Ok(r) if r.ok() => {
                let header = r.headers().get("Last-Modified");
                if let Ok(mut c) = clock.try_borrow_mut() {
                    c.on_last_modified(sn, header.as_deref());
                }
            }
            Ok(r) => web_sys::console::debug_1(
                &format!("segment probe {href}: HTTP {}", r.status()).into(),
            ),
            Err(e) => web_sys::console::debug_1(&format!("segment probe {href}: {e}").into()),
        }
        done();
    });
}

//! Fault isolation in the browser: an overlay panic hides the overlay while the video keeps playing.
//!
//! In its own test binary: after a wasm panic the instance must not run other tests.

#![cfg(target_arch = "wasm32")]

mod support;

use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn an_overlay_panic_hides_the_overlay_and_the_video_plays_on() {
    vas_overlay_viewer::overlay::fault_guard::install();
    let m = mount(640.0, 360.0, store_with(demo_events()));
    assert!(frames_until(900, || m.state() == "ok").await, "the overlay never drew");
    web_sys::console::log_1(
        &"FAULT injecting an overlay panic on purpose: the panic report that follows is expected"
            .into(),
    );
    vas_overlay_viewer::overlay::fault_guard::injection::panic_on_next_frame();
    assert!(
        frames_until(120, || m.state() == "hidden").await,
        "the overlay is not hidden after the panic"
    );
    let root = m.root();
    assert_eq!(root.get_attribute("style").as_deref(), Some("display:none"));
    // The video keeps playing: add up forward steps of currentTime (the clip
    // loops) until 2 s have played, bounded by 15 s of wall time.
    let video = m.video();
    let perf = window().performance().unwrap();
    let t0 = perf.now();
    let (mut played, mut last) = (0.0, video.current_time());
    while played < 2.0 && perf.now() - t0 < 15_000.0 {
        next_animation_frame().await;
        let now = video.current_time();
        if now > last {
            played += now - last;
        }
        last = now;
    }
    web_sys::console::log_1(
        &format!("FAULT video played {played:.2} s after the overlay panic").into(),
    );
    assert!(played >= 2.0, "video stalled after the overlay fault: {played} s");
    assert!(!video.paused());
    assert_eq!(m.state(), "hidden", "the overlay stays hidden after a panic");
}

/// A real overlay panic in the middle of a frame is a wasm trap: nothing
/// unwinds, so the store and the live clock it was reading can stay borrowed
/// for good. The live player shares both; what it calls must answer (or do
/// nothing) instead of trapping in the player's own callbacks.
#[wasm_bindgen_test]
fn what_the_player_shares_with_the_overlay_survives_a_trap_mid_frame() {
    use vas_overlay_viewer::core::clock::live::live_clock::{
        LiveClockParams, LiveFrameMeta, SenderReportSample,
    };
    use vas_overlay_viewer::core::events::event_store::StoreLimits;
    use vas_overlay_viewer::events::store_handle::StoreHandle;
    use vas_overlay_viewer::media::live_clock_handle::LiveClockHandle;

    let store = StoreHandle::new(StoreLimits::default());
    store.stay_borrowed_as_after_a_trap();
    assert_eq!(store.newest(), None);
    assert_eq!(store.version(), 0);

    let clock = LiveClockHandle::new(LiveClockParams::default());
    clock.stay_borrowed_as_after_a_trap();
    clock.reset();
    clock.observe_sender_report(SenderReportSample { remote_ms: 1.0e12, local_ms: 1.0e12 });
    let meta = LiveFrameMeta {
        rtp_timestamp: Some(90_000),
        receive_ms: Some(1.0e12),
        presented_ms: 1.0e12,
    };
    assert_eq!(clock.frame_time(&meta), None);
    assert_eq!(clock.last_frame_time(), None);
    assert_eq!(clock.offset_ms(), None);
}

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
    web_sys::console::log_1(&"FAULT injecting an overlay panic on purpose: the panic report that follows is expected".into());
    vas_overlay_viewer::overlay::fault_guard::injection::panic_on_next_frame();
    assert!(frames_until(120, || m.state() == "hidden").await, "the overlay is not hidden after the panic");
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
    web_sys::console::log_1(&format!("FAULT video played {played:.2} s after the overlay panic").into());
    assert!(played >= 2.0, "video stalled after the overlay fault: {played} s");
    assert!(!video.paused());
    assert_eq!(m.state(), "hidden", "the overlay stays hidden after a panic");
}

//! Live end-to-end tests on the real SFU: signaling conformance, stall and recovery, a hidden tab and a stepped wall clock (`live/background.rs`), alignment per clock method, clock skew.
//!
//! Runs inside the rig's network namespace (see `rig/netns.rs`) against the
//! built viewer. Figures go to stdout and to `target/live-figures.json`.

use crate::browser::Browser;
use crate::rig::{Rig, RigCamera, RigEvents, RigOptions};
use crate::{repo_root, Result};

// Alignment per clock method: the boxes drawn per frame and the frame clock against the truth.
mod alignment;
// A hidden live tab and a stepped wall clock.
mod background;
// Frame accuracy against VAS-truthful event stamps (also `cargo xtask bench --live-calibration`).
pub mod calibration;
// Wild rows and stepped event stamps against the live poller's agreed clock.
mod clock_faults;
// Signaling conformance, stall and recovery.
mod conformance;
// The live picture: a screenshot with boxes, and the page over TLS.
mod picture;
// The in-page probe and the frame numbering its pixel reads give.
mod probe;
// The player state and the rig's signaling log, waited on and read.
mod watch;

pub(crate) use watch::wait_state;
use watch::{connections, log, wait_log};

/// A fed camera and one without a stream.
pub(crate) const CAM_FED: &str = "5e1f0000-0000-4000-8000-00000000c001";
const CAM_IDLE: &str = "5e1f0000-0000-4000-8000-00000000c002";
/// How long each alignment run records: at least 20 s of live video after start-up.
const PROBE_MS: u64 = 24_000;
/// The server's clock against the browser's in the skew runs.
pub const SKEW_MS: i64 = 2_500;
/// Events are posted this long after their frame (inference latency).
pub const EVENT_LATENESS_MS: u32 = 80;

pub(super) fn expect(cond: bool, what: &str, detail: impl std::fmt::Display) -> Result {
    crate::e2e::ensure_loud("live e2e", cond, what, detail)
}

/// The fed camera of [`one_fed_camera`] and one without a stream.
fn rig_options(clock_offset_ms: i64) -> RigOptions {
    let mut opts = one_fed_camera();
    opts.cameras.push(RigCamera {
        id: CAM_IDLE.into(),
        name: "Rig camera (not started)".into(),
        feed: false,
    });
    RigOptions { clock_offset_ms, ..opts }
}

/// The live scene on [`CAM_FED`], with an event a frame posted [`EVENT_LATENESS_MS`] late.
pub(crate) fn one_fed_camera() -> RigOptions {
    RigOptions::in_netns(
        vec![RigCamera::fed(CAM_FED, "Rig camera (live scene)")],
        RigEvents::every_frame(EVENT_LATENESS_MS),
    )
}

/// Runs every live test; returns how many checks passed.
pub fn run_all() -> Result<usize> {
    let mut passed = 0;
    let mut figures = Vec::new();
    // VAS_LIVE_ONLY=clock runs only the clock-fault part, on its own rig (development only).
    if std::env::var("VAS_LIVE_ONLY").as_deref() == Ok("clock") {
        return clock_faults::run();
    }
    // VAS_LIVE_ONLY=calibration runs only the VAS-truthful calibration part (development only).
    if std::env::var("VAS_LIVE_ONLY").as_deref() == Ok("calibration") {
        return calibration::run_e2e();
    }
    // VAS_LIVE_ONLY=background runs only the hidden-tab and wall-clock part (development only).
    if std::env::var("VAS_LIVE_ONLY").as_deref() == Ok("background") {
        let rig = Rig::start(&rig_options(0))?;
        let browser = Browser::start()?;
        browser.set_script_timeout(120_000)?;
        return background::run(&rig, &browser);
    }
    {
        let rig = Rig::start(&rig_options(0))?;
        let browser = Browser::start()?;
        browser.set_script_timeout(120_000)?;
        // VAS_LIVE_ONLY=alignment skips the conformance part (development only).
        if std::env::var("VAS_LIVE_ONLY").as_deref() != Ok("alignment") {
            passed += conformance::conformance(&rig, &browser)?;
            passed += background::run(&rig, &browser)?;
        }
        for (method, delay) in [
            ("rtp-sr", true),
            ("rtp-sr-median", true),
            ("rtp-sr", false),
            ("receive", true),
            ("arrival", true),
        ] {
            let f = alignment::alignment(&rig, &browser, method, delay, 0)?;
            passed += alignment::check_alignment(&f)?;
            figures.push(f);
        }
        passed += picture::screenshot(&rig, &browser)?;
        drop(browser);
        passed += picture::over_tls(&rig)?;
    }
    // The server's clock ahead of the browser's, then behind it.
    for (skew, methods) in
        [(SKEW_MS, &["rtp-sr", "receive", "arrival"][..]), (-SKEW_MS, &["rtp-sr"][..])]
    {
        let rig = Rig::start(&rig_options(skew))?;
        let browser = Browser::start()?;
        browser.set_script_timeout(120_000)?;
        for method in methods {
            let f = alignment::alignment(&rig, &browser, method, true, skew)?;
            passed += alignment::check_alignment(&f)?;
            figures.push(f);
        }
    }
    // An overlay panic on the live page, in the test-only fault-injection build.
    {
        let rig = Rig::start(&RigOptions {
            dist_dir: Some(repo_root().join(crate::FAULT_INJECTION_DIST)),
            ..rig_options(0)
        })?;
        let browser = Browser::start()?;
        browser.set_script_timeout(120_000)?;
        passed += crate::e2e::overlay_panic::run_live(&browser, &rig.url(), CAM_FED)?;
    }
    // VAS-truthful stamps, rates and no track ids, on rigs of their own.
    passed += calibration::run_e2e()?;
    passed += clock_faults::run()?; // last, on a rig of its own: its wild rows stay in that rig's VAS
    alignment::print_figures(&figures);
    let out = repo_root().join("target/live-figures.json");
    let _ = std::fs::write(&out, serde_json::to_string_pretty(&figures).unwrap_or_default());
    println!("  figures: {}", out.display());
    Ok(passed)
}

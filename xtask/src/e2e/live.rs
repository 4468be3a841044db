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

/// A rig and a browser whose page scripts may run 120 s.
fn rig_and_browser(opts: &RigOptions) -> Result<(Rig, Browser)> {
    let rig = Rig::start(opts)?;
    let browser = Browser::start()?;
    browser.set_script_timeout(120_000)?;
    Ok((rig, browser))
}

/// Runs every live test; returns how many checks passed.
pub fn run_all() -> Result<usize> {
    let mut passed = 0;
    let mut figures = Vec::new();
    // Development only: VAS_LIVE_ONLY=clock, calibration or background runs
    // that part alone; =alignment skips the conformance and background parts.
    let only = std::env::var("VAS_LIVE_ONLY").unwrap_or_default();
    match only.as_str() {
        "clock" => return clock_faults::run(),
        "calibration" => return calibration::run_e2e(),
        "background" => {
            let (rig, browser) = rig_and_browser(&rig_options(0))?;
            return background::run(&rig, &browser);
        }
        _ => {}
    }
    {
        let (rig, browser) = rig_and_browser(&rig_options(0))?;
        if only != "alignment" {
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
        let (rig, browser) = rig_and_browser(&rig_options(skew))?;
        for method in methods {
            let f = alignment::alignment(&rig, &browser, method, true, skew)?;
            passed += alignment::check_alignment(&f)?;
            figures.push(f);
        }
    }
    // An overlay panic on the live page, in the test-only fault-injection build.
    {
        let dist_dir = Some(repo_root().join(crate::FAULT_INJECTION_DIST));
        let (rig, browser) = rig_and_browser(&RigOptions { dist_dir, ..rig_options(0) })?;
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

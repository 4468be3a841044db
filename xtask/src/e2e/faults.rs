//! End-to-end fault matrix: the built clip page against every VAS failure the contract lists.
//!
//! For each fault the page is opened while VAS misbehaves, then: the video
//! must keep playing, the page must stay responsive (no long gap between
//! animation frames), the overlay must degrade silently (never an alert,
//! never hidden), and once the fault clears the boxes must come back by
//! themselves. Every row proves its fault fired: the emulator's log names
//! the fault on the requests it shaped, and a limited fault's count went
//! down by as many. During the outage (the API down from the start, for
//! good), the browser's requests are bounded by the feed's back-off
//! (removing it fails the row).
//!
//! A fault that starts mid-session is no row here: once the clip page has
//! loaded its windows it sends nothing, so the fault would never fire (an
//! earlier version of this matrix had such a row, which proved nothing).
//! The live feed's browser test (`tests/live_feed.rs`) meets every fault
//! mid-session, with proof that each fired.

use std::path::Path;

use serde_json::{json, Value};

use vas_overlay_viewer::core::backoff::Backoff;
use vas_overlay_viewer::core::events::window_fetch::OUTAGE_REQUESTS_BEFORE_BACKOFF;

use crate::browser::page_scripts::polling_script;
use crate::browser::Browser;
use crate::Result;
use vas_emulator::{AuthFault, Faults, RunningBackend};

/// Watches the page for `secs` seconds of playback: overlay states seen, any
/// alert, playback progress, and the longest gap between animation frames.
const OBSERVE: &str = polling_script!(
    r#"
const [secs, limitMs, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
const t0 = performance.now();
let played = 0, last = null, lastFrame = t0, worstGap = 0;
const states = {};
poll({done, limitMs, t0, firstFrame: true}, (now, timedOut) => {
  const video = document.querySelector('video');
  const root = document.querySelector('[data-overlay-root]');
  worstGap = Math.max(worstGap, now - lastFrame); lastFrame = now;
  if (video) { if (last !== null && video.currentTime > last) played += video.currentTime - last; last = video.currentTime; }
  const st = root ? root.getAttribute('data-overlay-state') : 'absent';
  states[st] = (states[st] || 0) + 1;
  const alert = document.querySelector('[role=alert]');
  if (played >= secs || timedOut())
    return {played, states, worstGapMs: Math.round(worstGap), alert: alert ? alert.textContent : null, paused: video ? video.paused : null};
});
"#
);

/// Waits until the overlay draws boxes again.
const RECOVERED: &str = polling_script!(
    r#"
const [limitMs, done] = [arguments[0], arguments[arguments.length - 1]];
const t0 = performance.now();
poll({done, limitMs, t0}, (now, timedOut) => {
  const root = document.querySelector('[data-overlay-root]');
  const boxes = root ? [...root.querySelectorAll('[data-kind=box]')].filter(e => e.style.display !== 'none').length : 0;
  if (root && root.getAttribute('data-overlay-state') === 'ok' && boxes > 0) return {ms: Math.round(performance.now() - t0)};
  if (timedOut()) return {timeout: true, state: root && root.getAttribute('data-overlay-state')};
});
"#
);

struct Case {
    name: &'static str,
    faults: Faults,
    /// The name the emulator's log gives the fault on the requests it shaped.
    fault_key: &'static str,
    /// The fault lasts the whole observation: the requests sent meanwhile are
    /// bounded by the back-off.
    outage: bool,
}

fn cases() -> Vec<Case> {
    let f = Faults::default;
    vec![
        Case {
            name: "API down (bare 500, no CORS) for the whole observation",
            fault_key: "bare_500",
            faults: Faults { bare_500: true, ..f() },
            outage: true,
        },
        Case {
            name: "API down at start, 4 requests (bare 500, no CORS)",
            fault_key: "bare_500",
            faults: Faults { bare_500: true, fail_count: Some(4), ..f() },
            outage: false,
        },
        Case {
            name: "JSON 500 (poison row)",
            fault_key: "poison",
            faults: Faults { poison_at: vec!["2026-01-05T12:00:02Z".into()], ..f() },
            outage: false,
        },
        Case {
            name: "401 without CORS",
            fault_key: "auth",
            faults: Faults { auth: Some(AuthFault::Missing), fail_count: Some(3), ..f() },
            outage: false,
        },
        Case {
            name: "403 without CORS",
            fault_key: "auth",
            faults: Faults { auth: Some(AuthFault::Invalid), fail_count: Some(3), ..f() },
            outage: false,
        },
        Case {
            name: "slower than the 10 s timeout",
            fault_key: "delay_ms",
            faults: Faults { delay_ms: Some(10_500), fail_count: Some(1), ..f() },
            outage: false,
        },
        Case {
            name: "truncated body",
            fault_key: "truncate_body",
            faults: Faults { truncate_body: true, fail_count: Some(3), ..f() },
            outage: false,
        },
        Case {
            name: "10 MB body",
            fault_key: "huge_body_mb",
            faults: Faults { huge_body_mb: Some(10), fail_count: Some(3), ..f() },
            outage: false,
        },
        Case {
            name: "empty page (database fault)",
            fault_key: "db_fault_empty",
            faults: Faults { db_fault_empty: true, fail_count: Some(1), ..f() },
            outage: false,
        },
    ]
}

fn check(cond: bool, what: &str, detail: &Value) -> Result {
    crate::e2e::ensure("e2e fault matrix", cond, what, detail)
}

/// Runs the matrix; returns the number of checks passed and writes the table.
pub fn run(browser: &Browser, backend: &RunningBackend, base: &str, root: &Path) -> Result<usize> {
    let page = format!(
        "{base}cameras/{}/clip?src=/demo/clip.mp4&start=2026-01-05T12:00:00Z",
        crate::demo_vas::DEMO_CAMERA
    );
    let mut passed = 0;
    let mut table = String::from(
        "| fault | requests it shaped | video played | worst frame gap | overlay states during the fault | alert | recovered after |\n|---|---|---|---|---|---|---|\n",
    );
    for case in cases() {
        let ok = |cond: bool, what: &str, detail: &Value| {
            check(cond, &format!("{}: {what}", case.name), detail)
        };
        // Nothing left loading from the page before (a recording page keeps
        // fetching segments and playlists): only this case's page meets the fault.
        browser.goto("about:blank")?;
        backend.reset();
        crate::e2e::switch_faults(backend, case.faults.clone())?;
        let fault_on = std::time::Instant::now();
        browser.goto(&page)?;
        let o = browser.execute_async(OBSERVE, json!([3.0, 30_000]))?;
        let outage_ms = fault_on.elapsed().as_millis() as u64;
        // The fault fired: the log names it on the requests it shaped, and a
        // limited fault's count went down by as many.
        let shaped = backend
            .request_log()
            .iter()
            .filter(|e| {
                e.fault.as_deref().is_some_and(|f| f.split('+').any(|k| k == case.fault_key))
            })
            .count();
        let left = backend.faults().fail_count;
        let used = case.faults.fail_count.zip(left).map(|(given, left)| given - left);
        let fired = json!({"shaped": shaped, "fail_count used": used, "fault": case.fault_key});
        ok(shaped > 0 && used.is_none_or(|u| u == shaped as u64), "the fault fired", &fired)?;
        if case.outage {
            // One feed on the page: its window fetch's first requests, then
            // one per back-off step (see `core::events::window_fetch`).
            let bound = (OUTAGE_REQUESTS_BEFORE_BACKOFF - 1
                + Backoff::for_api().most_attempts_within(outage_ms))
                as usize;
            let load = json!({"requests": shaped, "bound": bound, "outage ms": outage_ms});
            ok(shaped <= bound, "the browser backs off during the outage", &load)?;
        }
        ok(
            o["played"].as_f64().unwrap_or(0.0) >= 3.0 && o["paused"] == false,
            "the video keeps playing",
            &o,
        )?;
        ok(o["worstGapMs"].as_u64().unwrap_or(u64::MAX) < 1_000, "the page stays responsive", &o)?;
        ok(o["alert"].is_null(), "the fault is silent", &o)?;
        ok(o["states"].get("hidden").is_none(), "the overlay degrades, it is not hidden", &o)?;
        crate::e2e::switch_faults(backend, Faults::default())?;
        let r = browser.execute_async(RECOVERED, json!([45_000]))?;
        ok(r["timeout"].is_null(), "the overlay recovers by itself", &r)?;
        passed += 6 + usize::from(case.outage);
        table.push_str(&format!(
            "| {} | {shaped} | {:.1} s | {} ms | {} | none | {} ms |\n",
            case.name,
            o["played"].as_f64().unwrap_or(0.0),
            o["worstGapMs"],
            o["states"],
            r["ms"]
        ));
        println!(
            "  ok: {}: video played, page responsive, silent, recovered in {} ms",
            case.name, r["ms"]
        );
    }
    let out = root.join("target/figures");
    let _ = std::fs::create_dir_all(&out);
    let _ = std::fs::write(out.join("fault-matrix.md"), &table);
    println!("{table}");
    Ok(passed)
}

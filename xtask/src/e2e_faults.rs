//! End-to-end fault matrix: the built clip page against every VAS failure the contract lists.
//!
//! For each fault the page is opened while VAS misbehaves (or the fault
//! starts mid-session), then: the video must keep playing, the page must stay
//! responsive (no long gap between animation frames), the overlay must degrade
//! silently (never an alert, never hidden), and once the fault clears the
//! boxes must come back by themselves.

use std::path::Path;

use serde_json::{json, Value};

use crate::demo_backend::{AuthFault, Faults, RunningBackend};
use crate::webdriver::Browser;
use crate::Result;

/// Watches the page for `secs` seconds of playback: overlay states seen, any
/// alert, playback progress, and the longest gap between animation frames.
const OBSERVE: &str = r#"
const [secs, limitMs, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
const t0 = performance.now();
let played = 0, last = null, lastFrame = t0, worstGap = 0;
const states = {};
function tick(now) {
  const video = document.querySelector('video');
  const root = document.querySelector('[data-overlay-root]');
  worstGap = Math.max(worstGap, now - lastFrame); lastFrame = now;
  if (video) { if (last !== null && video.currentTime > last) played += video.currentTime - last; last = video.currentTime; }
  const st = root ? root.getAttribute('data-overlay-state') : 'absent';
  states[st] = (states[st] || 0) + 1;
  const alert = document.querySelector('[role=alert]');
  if (played >= secs || performance.now() - t0 > limitMs)
    return done({played, states, worstGapMs: Math.round(worstGap), alert: alert ? alert.textContent : null, paused: video ? video.paused : null});
  requestAnimationFrame(tick);
}
requestAnimationFrame(tick);
"#;

/// Waits until the overlay draws boxes again.
const RECOVERED: &str = r#"
const [limitMs, done] = [arguments[0], arguments[arguments.length - 1]];
const t0 = performance.now();
function look() {
  const root = document.querySelector('[data-overlay-root]');
  const boxes = root ? [...root.querySelectorAll('[data-kind=box]')].filter(e => e.style.display !== 'none').length : 0;
  if (root && root.getAttribute('data-overlay-state') === 'ok' && boxes > 0) return done({ms: Math.round(performance.now() - t0)});
  if (performance.now() - t0 > limitMs) return done({timeout: true, state: root && root.getAttribute('data-overlay-state')});
  requestAnimationFrame(look);
}
look();
"#;

struct Case {
    name: &'static str,
    faults: Faults,
    /// True: the fault starts after the page has drawn (API dying mid-session).
    mid_session: bool,
}

fn cases() -> Vec<Case> {
    let f = Faults::default;
    vec![
        Case { name: "API down at start (bare 500, no CORS)", faults: Faults { bare_500: true, fail_count: Some(4), ..f() }, mid_session: false },
        Case { name: "API dying mid-session (bare 500)", faults: Faults { bare_500: true, ..f() }, mid_session: true },
        Case { name: "JSON 500 (poison row)", faults: Faults { poison_at: vec!["2026-01-05T12:00:02Z".into()], ..f() }, mid_session: false },
        Case { name: "401 without CORS", faults: Faults { auth: Some(AuthFault::Missing), fail_count: Some(3), ..f() }, mid_session: false },
        Case { name: "403 without CORS", faults: Faults { auth: Some(AuthFault::Invalid), fail_count: Some(3), ..f() }, mid_session: false },
        Case { name: "slower than the 10 s timeout", faults: Faults { delay_ms: Some(10_500), fail_count: Some(1), ..f() }, mid_session: false },
        Case { name: "truncated body", faults: Faults { truncate_body: true, fail_count: Some(3), ..f() }, mid_session: false },
        Case { name: "10 MB body", faults: Faults { huge_body_mb: Some(10), fail_count: Some(3), ..f() }, mid_session: false },
        Case { name: "empty page (database fault)", faults: Faults { db_fault_empty: true, fail_count: Some(1), ..f() }, mid_session: false },
    ]
}

fn check(cond: bool, what: &str, detail: &Value) -> Result {
    crate::e2e::ensure("e2e fault matrix", cond, what, detail)
}

/// Runs the matrix; returns the number of checks passed and writes the table.
pub fn run(browser: &Browser, backend: &RunningBackend, base: &str, root: &Path) -> Result<usize> {
    let page = format!("{base}cameras/9d3f2b1a-6c4e-4b8a-a1f0-2e7d5c9b3a10/clip?src=/demo/clip.mp4&start=2026-01-05T12:00:00Z");
    let mut passed = 0;
    let mut table = String::from("| fault | video played | worst frame gap | overlay states during the fault | alert | recovered after |\n|---|---|---|---|---|---|\n");
    for case in cases() {
        backend.reset();
        if case.mid_session {
            browser.goto(&page)?;
            let r = browser.execute_async(RECOVERED, json!([30_000]))?;
            check(r["timeout"].is_null(), &format!("{}: boxes before the fault", case.name), &r)?;
        }
        backend.set_faults(case.faults.clone()).map_err(|e| format!("set faults: {e}"))?;
        if !case.mid_session {
            browser.goto(&page)?;
        }
        let o = browser.execute_async(OBSERVE, json!([3.0, 30_000]))?;
        check(o["played"].as_f64().unwrap_or(0.0) >= 3.0 && o["paused"] == false, &format!("{}: the video keeps playing", case.name), &o)?;
        check(o["worstGapMs"].as_u64().unwrap_or(u64::MAX) < 1_000, &format!("{}: the page stays responsive", case.name), &o)?;
        check(o["alert"].is_null(), &format!("{}: the fault is silent", case.name), &o)?;
        check(o["states"].get("hidden").is_none(), &format!("{}: the overlay degrades, it is not hidden", case.name), &o)?;
        backend.set_faults(Faults::default()).map_err(|e| format!("clear faults: {e}"))?;
        let r = browser.execute_async(RECOVERED, json!([45_000]))?;
        check(r["timeout"].is_null(), &format!("{}: the overlay recovers by itself", case.name), &r)?;
        passed += 5;
        table.push_str(&format!(
            "| {} | {:.1} s | {} ms | {} | none | {} ms |\n",
            case.name,
            o["played"].as_f64().unwrap_or(0.0),
            o["worstGapMs"],
            o["states"],
            r["ms"]
        ));
        println!("  ok: {}: video played, page responsive, silent, recovered in {} ms", case.name, r["ms"]);
    }
    let out = root.join("target/figures");
    let _ = std::fs::create_dir_all(&out);
    let _ = std::fs::write(out.join("fault-matrix.md"), &table);
    println!("{table}");
    Ok(passed)
}

//! End-to-end, a day of recording: the recordings page on the emulator's day camera (VAS's 24-hour rolling playlist, growing).
//!
//! The day camera lists 14,400 segments of 6 s in four recorder runs and
//! gains one every 6 s while the oldest rolls off; its events cover every
//! second. The page must open at the newest recording and draw boxes as it
//! plays there (where events are written after the first fetch), keep its boxes while
//! the segment it plays rolls off the playlist (no blink at each reload, and
//! back at once after a pause), and open at a time asked for a day back, with
//! the frame drawn within about a second of it.

use anyhow::Context;
use serde_json::{json, Value};

use crate::browser::page_scripts::polling_script;
use crate::browser::Browser;
use crate::Result;
use vas_emulator::day_recording::{DayTruth, DAY_CAMERA_ID};
use vas_emulator::RunningBackend;
use vas_overlay_viewer::core::time::{format_rfc3339_utc, UnixMicros};

/// Waits for boxes, then reports the frame drawn: media time and wall time.
const FIRST_BOXES: &str = polling_script!(
    r#"
const [limitMs, done] = [arguments[0], arguments[arguments.length - 1]];
const t0 = performance.now();
poll({done, limitMs, t0}, (now, timedOut) => {
  const root = document.querySelector('[data-overlay-root]');
  const alert = document.querySelector('[role=alert]');
  const boxes = root ? [...root.querySelectorAll('[data-kind=box]')].filter(b => b.style.display !== 'none').length : 0;
  if (root && root.getAttribute('data-overlay-state') === 'ok' && boxes > 0)
    return {ms: performance.now() - t0, mt: parseFloat(root.getAttribute('data-media-time')),
      frameUs: parseInt(root.getAttribute('data-frame-time-us'), 10), note: (document.querySelector('[data-start-note]') || {}).textContent || null};
  if (alert || timedOut()) return {timeout: true, alert: alert && alert.textContent};
});
"#
);

/// Watches `secs` of playback frame by frame: the share of frames with boxes,
/// the longest stretch without, and the playlist reloads seen.
const WATCH: &str = polling_script!(
    r#"
const [secs, limitMs, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
const video = document.querySelector('video');
const root = document.querySelector('[data-overlay-root]');
const reloadsBefore = performance.getEntriesByType('resource').filter(e => e.name.includes('/playlist')).length;
const t0 = performance.now(), start = video.currentTime;
let frames = 0, withBoxes = 0, gapFrom = null, gapMt = null, gapState = null, worstGap = 0;
const stretches = [];
poll({done, limitMs, t0}, (_, timedOut) => {
  const now = performance.now();
  const boxes = [...root.querySelectorAll('[data-kind=box]')].filter(b => b.style.display !== 'none').length;
  frames++;
  if (boxes > 0 && root.getAttribute('data-overlay-state') === 'ok') {
    withBoxes++;
    if (gapFrom !== null) {
      worstGap = Math.max(worstGap, now - gapFrom);
      if (stretches.length < 10) stretches.push({ms: Math.round(now - gapFrom), mt: gapMt, state: gapState, frameUs: root.getAttribute('data-frame-time-us')});
    }
    gapFrom = null;
  } else if (gapFrom === null) { gapFrom = now; gapMt = video.currentTime; gapState = root.getAttribute('data-overlay-state'); }
  const played = video.currentTime - start;
  if (played >= secs || timedOut(now)) {
    if (gapFrom !== null) worstGap = Math.max(worstGap, now - gapFrom);
    const reloads = performance.getEntriesByType('resource').filter(e => e.name.includes('/playlist')).length - reloadsBefore;
    return {frames, withBoxes, worstGapMs: worstGap, played, reloads, timeout: played < secs, stretches,
      clockInfo: (document.querySelector('[data-clock-info]') || {}).textContent || null};
  }
});
"#
);

/// Pauses for `ms`, plays, and reports how long until boxes are drawn again.
const PAUSE_AND_PLAY: &str = polling_script!(
    r#"
const [ms, limitMs, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
const video = document.querySelector('video');
const root = document.querySelector('[data-overlay-root]');
video.pause();
setTimeout(() => {
  const pausedAt = video.currentTime;
  video.play();
  const t0 = performance.now();
  poll({done, limitMs, t0}, (now, timedOut) => {
    const boxes = [...root.querySelectorAll('[data-kind=box]')].filter(b => b.style.display !== 'none').length;
    const info = (document.querySelector('[data-clock-info]') || {}).textContent || '';
    if (boxes > 0 && video.currentTime > pausedAt && root.getAttribute('data-overlay-state') === 'ok')
      return {ms: performance.now() - t0, clockInfo: info};
    if (timedOut()) return {timeout: true, clockInfo: info, currentTime: video.currentTime, paused: video.paused};
  });
}, ms);
"#
);

fn check(cond: bool, what: &str, detail: &Value) -> Result {
    super::ensure_loud("e2e day recording", cond, what, detail)
}

fn truth(backend: &RunningBackend) -> Result<DayTruth> {
    backend.day_truth().context(
        "e2e day recording: the emulator has no day camera (no demo recording in its data dir)",
    )
}

fn at_text(us: i64) -> String {
    format_rfc3339_utc(UnixMicros(us))
}

/// Runs the checks; returns how many passed.
pub fn run(browser: &Browser, backend: &RunningBackend, base: &str) -> Result<usize> {
    let page = format!("{base}cameras/{DAY_CAMERA_ID}/recordings");

    // Opened without a time: at the newest recording (hls.js's live start, about 18 s back).
    let t = truth(backend)?;
    let newest_end = t.newest.as_ref().map_or(i64::MIN, |s| s.true_start_us + s.duration_us);
    browser.goto(&page)?;
    let first = browser.execute_async(FIRST_BOXES, json!([60_000]))?;
    let behind_s = (newest_end - first["frameUs"].as_i64().unwrap_or(i64::MIN)) as f64 / 1e6;
    println!("  opened without `at`: boxes after {:.0} ms, {behind_s:.1} s behind the newest segment's end", first["ms"].as_f64().unwrap_or(f64::NAN));
    check(first["timeout"].is_null(), "a day of playlist: boxes drawn", &first)?;
    check(
        (0.0..40.0).contains(&behind_s),
        "a day of playlist opens at the newest recording (within 40 s of its end)",
        &json!({"behind_s": behind_s, "first": first}),
    )?;
    // Playing at the newest: the event windows there were fetched before their later events were
    // written, and are fetched again until the recording has passed them.
    let w = browser.execute_async(WATCH, json!([20.0, 50_000]))?;
    let share =
        w["withBoxes"].as_f64().unwrap_or(0.0) / w["frames"].as_f64().unwrap_or(1.0).max(1.0);
    println!("  playing at the newest for {:.1} s: boxes on {:.1}% of frames, longest stretch without {:.0} ms", w["played"].as_f64().unwrap_or(f64::NAN), share * 100.0, w["worstGapMs"].as_f64().unwrap_or(f64::NAN));
    check(w["timeout"] == false && share >= 0.98 && w["worstGapMs"].as_f64().is_some_and(|g| g < 600.0), "playing at the newest, boxes on every frame (events written after the first fetch are fetched)", &w)?;

    // At the oldest listed segment: it rolls off the playlist while it plays.
    let t = truth(backend)?;
    let oldest = t.segments.first().context("e2e day recording: no listed segment")?;
    let asked = oldest.true_start_us + 2_000_000;
    browser.goto(&format!("{page}?at={}", at_text(asked)))?;
    let first = browser.execute_async(FIRST_BOXES, json!([60_000]))?;
    let off_ms = (first["frameUs"].as_i64().unwrap_or(i64::MIN).saturating_sub(asked)) as f64 / 1e3;
    println!("  opened at the oldest listed segment (a day back): boxes after {:.0} ms, frame {off_ms:.0} ms from the time asked", first["ms"].as_f64().unwrap_or(f64::NAN));
    check(
        first["timeout"].is_null() && first["note"].is_null(),
        "`at` a day back: boxes drawn, no note",
        &first,
    )?;
    check(
        (-1_500.0..4_000.0).contains(&off_ms),
        "`at` a day back: the frame drawn is within about a second of the time asked",
        &first,
    )?;
    let w = browser.execute_async(WATCH, json!([14.0, 40_000]))?;
    let share =
        w["withBoxes"].as_f64().unwrap_or(0.0) / w["frames"].as_f64().unwrap_or(1.0).max(1.0);
    let now_first = truth(backend)?.segments.first().map(|s| (s.number, s.true_start_us));
    let rolled = now_first.is_some_and(|(n, _)| n > oldest.number);
    println!(
        "  playing the oldest segments for {:.1} s: {} reloads, boxes on {:.1}% of frames, longest stretch without {:.0} ms",
        w["played"].as_f64().unwrap_or(f64::NAN),
        w["reloads"],
        share * 100.0,
        w["worstGapMs"].as_f64().unwrap_or(f64::NAN)
    );
    let rolled_detail = json!({"watch": w, "oldest_before": [oldest.number, oldest.true_start_us], "oldest_after": now_first});
    check(
        w["timeout"] == false && w["reloads"].as_u64().unwrap_or(0) >= 2 && rolled,
        "the played segment rolls off during two reloads or more",
        &rolled_detail,
    )?;
    check(
        share >= 0.98 && w["worstGapMs"].as_f64().is_some_and(|g| g < 600.0),
        "boxes never blink as the played segment rolls off",
        &w,
    )?;
    let p = browser.execute_async(PAUSE_AND_PLAY, json!([15_000, 20_000]))?;
    println!("  after a 15 s pause: boxes back in {:.0} ms", p["ms"].as_f64().unwrap_or(f64::NAN));
    check(
        p["timeout"].is_null()
            && !p["clockInfo"].as_str().unwrap_or_default().contains("not known yet"),
        "after a 15 s pause, boxes are back and the clock still known",
        &p,
    )?;

    // 12 hours back: placed by the run probes before playback, within about a second.
    let t = truth(backend)?;
    let asked = t
        .newest
        .as_ref()
        .map_or(i64::MIN, |s| s.true_start_us + s.duration_us)
        .saturating_sub(12 * 3_600_000_000);
    browser.goto(&format!("{page}?at={}", at_text(asked)))?;
    let first = browser.execute_async(FIRST_BOXES, json!([60_000]))?;
    let off_ms = (first["frameUs"].as_i64().unwrap_or(i64::MIN).saturating_sub(asked)) as f64 / 1e3;
    println!(
        "  opened 12 h back: boxes after {:.0} ms, frame {off_ms:.0} ms from the time asked",
        first["ms"].as_f64().unwrap_or(f64::NAN)
    );
    check(
        first["timeout"].is_null() && (-1_500.0..4_000.0).contains(&off_ms),
        "`at` 12 h back: boxes on the frame asked for, within about a second",
        &first,
    )?;
    // The page would go on loading segments and playlists under the parts that follow.
    browser.goto("about:blank")?;
    Ok(9)
}

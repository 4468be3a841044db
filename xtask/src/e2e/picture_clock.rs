//! End-to-end, the clock offset learnt from the picture on recordings: every recorder run of the demo recording played from its start under each mapping method, scored against the burnt-in truth.
//!
//! VAS's playlist places a run only to within about a second (segment
//! numbers, `Last-Modified`); on the demo recording those estimates are off
//! by -13.5 to +16.5 frames. The page learns the offset between its frame
//! clock and the events' stamps from the picture's motion and selects events
//! at frame time plus that offset. For each method and run: how long until
//! an offset is applied (seconds of playback), the mapping error before and
//! after it (frames), and the share of frames whose every box is within the
//! distance its object moves in one frame. Program date-time is exact, so
//! there the learnt offset must stay near zero and every box within 2 px.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::json;

use super::recordings::{sample, Truth, AT_RUN_1, CAMERA, PDT_CAMERA, SEEK_AND_WAIT, WAIT_DRAWN};
use crate::browser::page_scripts::polling_script;
use crate::browser::Browser;
use crate::Result;

/// Waits until the overlay applies an offset learnt from the picture while
/// the frame on screen is in [from, to) (media seconds): the media time then,
/// the offset and its text; on timeout, what the root says instead.
const WAIT_OFFSET: &str = polling_script!(
    r#"
const [from, to, limitMs, done] = [arguments[0], arguments[1], arguments[2], arguments[arguments.length - 1]];
const root = document.querySelector('[data-overlay-root]');
const t0 = performance.now();
poll({done, limitMs, t0, everyMs: 50}, (now, timedOut) => {
  const mt = parseFloat(root.getAttribute('data-media-time'));
  const off = root.getAttribute('data-clock-offset-us');
  const text = root.getAttribute('data-clock-offset');
  if (off !== null && mt >= from && mt < to) return {ms: performance.now() - t0, mt, off: parseInt(off, 10), text};
  if (timedOut()) return {timeout: true, mt, text, calibration: root.getAttribute('data-calibration')};
});
"#
);

/// From a run's start: the calibration's main-thread time (`data-calibration-ms`,
/// brought up to date once a second) until it rests, and over `restMs` of
/// rest. Each reading is taken `settleMs` after the moment it stands for, so
/// the value written by then includes everything spent before that moment.
const CPU_WHILE_LEARNING_AND_AT_REST: &str = polling_script!(
    r#"
const [restMs, settleMs, limitMs, done] = [arguments[0], arguments[1], arguments[2], arguments[arguments.length - 1]];
const root = document.querySelector('[data-overlay-root]');
const spent = () => parseFloat(root.getAttribute('data-calibration-ms'));
const t0 = performance.now(), first = {t: t0, ms: spent()};
let restedAt = null, rested = null;
poll({done, limitMs, t0, everyMs: 50}, (now, timedOut) => {
  if (restedAt === null && root.getAttribute('data-calibration') === 'resting') restedAt = now;
  if (restedAt !== null && rested === null && now - restedAt >= settleMs) rested = {t: restedAt, ms: spent()};
  if (rested !== null && now - restedAt >= restMs + settleMs) return {first, rested, end: {t: now - settleMs, ms: spent()}};
  if (timedOut()) return {timeout: true, first, rested, calibration: root.getAttribute('data-calibration')};
});
"#
);

/// Rest measured after the calibration confirmed its offset.
const REST_MS: u64 = 5_000;

/// Limit on one run's wait for an offset: its whole length at least.
const WAIT_LIMIT_MS: u64 = 30_000;
/// Frames scored once the offset is applied.
const SCORED_FRAMES: usize = 60;

fn expect(cond: bool, what: &str, detail: &str) -> Result {
    super::ensure_loud("e2e picture clock", cond, what, detail)
}

/// One method and run: the figures of the table.
struct RunFigures {
    method: &'static str,
    run: usize,
    /// Playback from the run's start until an offset was applied, seconds.
    learn_secs: Option<f64>,
    offset_ms: Option<f64>,
    raw_frames: Option<f64>,
    calibrated_frames: Option<f64>,
    within_motion: usize,
    scored: usize,
    within_px: usize,
}

fn measure_run(
    browser: &Browser,
    base: &str,
    truth: &Truth,
    (method, camera, query): (&'static str, &str, &str),
    run: usize,
) -> Result<RunFigures> {
    browser.goto(&format!("{base}cameras/{camera}/recordings?{query}{AT_RUN_1}"))?;
    let first = browser.execute_async(WAIT_DRAWN, json!([0.0, 30_000]))?;
    expect(first["timeout"].is_null(), "boxes appear", &first.to_string())?;
    let start = truth.media_start_of_run(run);
    if run > 0 {
        let s = browser.execute_async(SEEK_AND_WAIT, json!([start + 0.05, 30_000]))?;
        expect(s["timeout"].is_null(), "a seek to the run's start shows boxes", &s.to_string())?;
    }
    let end = if run + 1 < truth.runs.len() { truth.media_start_of_run(run + 1) } else { f64::MAX };
    let learnt = browser.execute_async(WAIT_OFFSET, json!([start, end, WAIT_LIMIT_MS]))?;
    let mut figures = RunFigures {
        method,
        run,
        learn_secs: None,
        offset_ms: None,
        raw_frames: None,
        calibrated_frames: None,
        within_motion: 0,
        scored: 0,
        within_px: 0,
    };
    if !learnt["timeout"].is_null() {
        println!("  {method}, run {}: no offset applied: {learnt}", run + 1);
        return Ok(figures);
    }
    let applied_at = learnt["mt"].as_f64().unwrap_or(start);
    figures.learn_secs = Some(applied_at - start);
    figures.offset_ms = learnt["off"].as_f64().map(|us| us / 1e3);
    let (score, _) = sample(browser, truth, SCORED_FRAMES, applied_at, end - 0.05)?;
    figures.raw_frames = score.raw_mean();
    figures.calibrated_frames = score.calibrated_mean();
    figures.within_motion = score.within_motion;
    figures.within_px = score.within;
    figures.scored = score.box_scored;
    Ok(figures)
}

/// The calibration's main-thread cost, ms per second of playback.
struct CpuFigures {
    learning_ms_per_s: Option<f64>,
    rest_ms_per_s: Option<f64>,
    secs_to_rest: Option<f64>,
}

impl CpuFigures {
    fn line(&self) -> String {
        let f = |v: Option<f64>| v.map_or_else(|| "n/a".into(), |v| format!("{v:.2}"));
        format!(
            "calibration main-thread cost (segment-epoch, last run from its start): {} ms per second while learning, {} ms per second at rest; resting after {} s",
            f(self.learning_ms_per_s),
            f(self.rest_ms_per_s),
            f(self.secs_to_rest)
        )
    }
}

/// The calibration's cost while it learns (from the last run's start until
/// it rests) and at rest, on VAS's own playlist.
fn cpu_figures(browser: &Browser, base: &str, truth: &Truth) -> Result<CpuFigures> {
    browser.goto(&format!("{base}cameras/{CAMERA}/recordings?clock=segment-epoch&{AT_RUN_1}"))?;
    let first = browser.execute_async(WAIT_DRAWN, json!([0.0, 30_000]))?;
    expect(first["timeout"].is_null(), "boxes appear", &first.to_string())?;
    let start = truth.media_start_of_run(truth.runs.len() - 1);
    let s = browser.execute_async(SEEK_AND_WAIT, json!([start + 0.05, 30_000]))?;
    expect(s["timeout"].is_null(), "a seek to the last run shows boxes", &s.to_string())?;
    let v =
        browser.execute_async(CPU_WHILE_LEARNING_AND_AT_REST, json!([REST_MS, 1_500, 30_000]))?;
    let rate = |a: &serde_json::Value, b: &serde_json::Value| {
        let (t0, m0, t1, m1) =
            (a["t"].as_f64()?, a["ms"].as_f64()?, b["t"].as_f64()?, b["ms"].as_f64()?);
        (t1 > t0).then(|| (m1 - m0) / ((t1 - t0) / 1e3))
    };
    Ok(CpuFigures {
        learning_ms_per_s: rate(&v["first"], &v["rested"]),
        rest_ms_per_s: if v["timeout"].is_null() { rate(&v["rested"], &v["end"]) } else { None },
        secs_to_rest: v["rested"]["t"]
            .as_f64()
            .zip(v["first"]["t"].as_f64())
            .map(|(r, f)| (r - f) / 1e3),
    })
}

fn cell(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "none".into(), |v| format!("{v:+.digits$}"))
}

/// Runs the scenario; returns how many checks passed.
pub fn run(browser: &Browser, base: &str, root: &Path) -> Result<usize> {
    let truth = Truth::load(root)?;
    let methods: [(&'static str, &str, &str); 3] = [
        ("program-date-time", PDT_CAMERA, ""),
        ("segment-epoch", CAMERA, "clock=segment-epoch&"),
        ("last-modified", CAMERA, "clock=last-modified&"),
    ];
    let mut all = Vec::new();
    for m in methods {
        for r in 0..truth.runs.len() {
            all.push(measure_run(browser, base, &truth, m, r)?);
        }
    }
    let cpu = cpu_figures(browser, base, &truth)?;
    let mut report = String::from(
        "Clock offset learnt from the picture, recordings (demo recording, every run from its start)\n\
         | method | run | learnt after (s of playback) | offset applied (ms) | mapping error before (frames) | after | frames with every box within one frame's motion | within 2 px |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    for f in &all {
        writeln!(
            report,
            "| {} | {} | {} | {} | {} | {} | {}/{} | {}/{} |",
            f.method,
            f.run + 1,
            f.learn_secs.map_or_else(|| "never".into(), |s| format!("{s:.1}")),
            cell(f.offset_ms, 1),
            cell(f.raw_frames, 2),
            cell(f.calibrated_frames, 2),
            f.within_motion,
            f.scored,
            f.within_px,
            f.scored,
        )
        .ok();
    }
    writeln!(report, "{}", cpu.line()).ok();
    print!("{report}");
    let path = crate::repo_root().join("target/e2e/picture-clock-report.txt");
    std::fs::create_dir_all(path.parent().unwrap_or(Path::new("."))).ok();
    std::fs::write(&path, &report).ok();
    let mut passed = 0;
    for f in &all {
        let line = format!("{} run {}", f.method, f.run + 1);
        expect(f.learn_secs.is_some(), &format!("{line}: an offset is learnt"), &report)?;
        let after = f.calibrated_frames.unwrap_or(f64::INFINITY);
        expect(after.abs() < 0.5, &format!("{line}: under half a frame after it"), &report)?;
        passed += 2;
    }
    expect(cpu.rest_ms_per_s.is_some(), "the calibration rests once confirmed", &report)?;
    Ok(passed + 1)
}

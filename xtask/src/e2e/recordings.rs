//! End-to-end, recordings: the demo recording played through hls.js, overlay alignment per mapping method against the known truth.
//!
//! The demo recording (`xtask/demo/make_recording.py`) has three recorder
//! runs with restarts between them. Every frame carries its index as a pixel
//! code, and `tests/fixtures/recording-truth.json` gives each frame's true
//! wall time and every object's box. For each presented frame the overlay
//! has drawn, the page reads the frame's code from the video itself, the wall
//! time the overlay mapped it to (`data-frame-time-us`) and the boxes drawn;
//! the mapping error in frames and the box error in CSS px follow.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::json;

use crate::browser::Browser;
use crate::Result;

// Where a page opens: the newest recording, `at`, a time not recorded, a malformed time.
mod opening;
// Sampled frames scored against the truth.
mod score;
// The scripts run in the page.
mod scripts;
// The recording's truth, and what a frame is expected to show.
mod truth;

pub(super) use score::{sample, Score};
pub(super) use scripts::{frame_code_reader, SEEK_AND_WAIT, WAIT_DRAWN};
use scripts::{FULLSCREEN_STATE, WAIT_RUNS};
pub(super) use truth::Truth;

/// The demo camera (VAS-faithful playlist) and the dev-only camera whose playlist carries program date-time.
pub(super) const CAMERA: &str = crate::demo_vas::DEMO_CAMERA;
pub(super) const PDT_CAMERA: &str = "5f0c2d7e-8a41-4c3b-9e6d-2b7a1c4d8e90";
/// The dev-only camera whose recorder restarts while the viewer plays (see the demo backend).
const RESTART_CAMERA: &str = "7a3e9b14-2c5d-4f68-8e01-9d4c3b2a1f07";
pub(super) const TOLERANCE_PX: f64 = 2.0;
/// Opens a page at run 1 of the demo recording (about a second after its first
/// frame): without `at` a page opens at the newest recording.
pub(super) const AT_RUN_1: &str = "at=2026-01-05T13:00:02Z";
/// Frames this close to a run's first or last frame are not scored for boxes:
/// events (every 6th or 10th frame) do not cover them on both sides.
const EDGE_FRAMES: usize = 10;

fn expect(cond: bool, what: &str, detail: &str) -> Result {
    super::ensure_loud("e2e recordings", cond, what, detail)
}

/// Prints a line of the report and adds it to the report.
fn say(report: &mut String, line: &str) {
    println!("  {line}");
    writeln!(report, "{line}").ok();
}

/// One camera page: run 1 (before any restart), then seeks into run 2 and
/// into run 3 (about half an hour later on the wall clock: far outside the
/// event windows loaded so far). One score per run, and the seek times.
struct PageScores {
    runs: Vec<Score>,
    seek_ms: Vec<f64>,
}

fn measure(
    browser: &Browser,
    base: &str,
    camera: &str,
    query: &str,
    truth: &Truth,
) -> Result<PageScores> {
    let sep = if query.is_empty() { "?" } else { "&" };
    browser.goto(&format!("{base}cameras/{camera}/recordings{query}{sep}{AT_RUN_1}"))?;
    let first = browser.execute_async(WAIT_DRAWN, json!([1.0, 30_000]))?;
    expect(
        first["timeout"].is_null(),
        &format!("boxes appear on the playing recording ({camera}{query})"),
        &first.to_string(),
    )?;
    let mut runs = Vec::new();
    let mut seek_ms = Vec::new();
    for r in 0..truth.runs.len() {
        let from = if r == 0 {
            0.0
        } else {
            let target = truth.media_start_of_run(r) + 1.5;
            let s = browser.execute_async(SEEK_AND_WAIT, json!([target, 30_000, true]))?;
            expect(
                s["timeout"].is_null(),
                &format!("after a seek into run {}, boxes follow", r + 1),
                &s.to_string(),
            )?;
            seek_ms.push(s["ms"].as_f64().unwrap_or(f64::NAN));
            target
        };
        let to = if r + 1 < truth.runs.len() {
            truth.media_start_of_run(r + 1) - 0.05
        } else {
            f64::MAX
        };
        let (score, raw) = sample(browser, truth, 45, from, to)?;
        expect(
            score.samples >= 30,
            &format!("frames sampled in run {}", r + 1),
            &format!("{} samples, timeout {}", score.samples, raw["timeout"]),
        )?;
        runs.push(score);
    }
    Ok(PageScores { runs, seek_ms })
}

fn run_name(r: usize) -> &'static str {
    match r {
        0 => "run 1 (before any restart)",
        1 => "run 2 (after a restart)",
        _ => "run 3 (after a second restart, far seek)",
    }
}

/// Runs the recordings checks; returns how many passed and writes the report.
pub fn run(browser: &Browser, base: &str, root: &Path) -> Result<usize> {
    let truth = Truth::load(root)?;
    let mut passed = 0;
    let mut report = String::from(
        "Recording overlay alignment (demo recording, 3 runs, restarts between them)\n",
    );

    // Exact mapping (program date-time): every scored frame within 2 px, before and after restarts.
    let pdt = measure(browser, base, PDT_CAMERA, "", &truth)?;
    passed += 1 + 2 * truth.runs.len() + pdt.seek_ms.len();
    for (r, s) in pdt.runs.iter().enumerate() {
        let what = format!("program-date-time, {}", run_name(r));
        let line = s.line(&what);
        say(&mut report, &line);
        expect(
            s.clocks.keys().eq(["program-date-time"]),
            "data-clock says program-date-time",
            &line,
        )?;
        expect(
            s.box_scored >= 15 && s.within == s.box_scored,
            "every scored frame within 2 css px",
            &s.detail(&what),
        )?;
        expect(s.max_abs_error() < 0.5, "mapping error under half a frame", &line)?;
        passed += 3;
    }
    let seeks = format!(
        "time from seek to boxes shown (program-date-time): into run 2 {:.0} ms; far seek into run 3 (32 min later on the wall clock, outside the loaded windows) {:.0} ms",
        pdt.seek_ms.first().copied().unwrap_or(f64::NAN),
        pdt.seek_ms.last().copied().unwrap_or(f64::NAN)
    );
    say(&mut report, &seeks);

    // The estimates VAS's playlist allows, each preferred in turn.
    for method in ["segment-epoch", "last-modified"] {
        let m = measure(browser, base, CAMERA, &format!("?clock={method}"), &truth)?;
        passed += 1 + 2 * truth.runs.len() + m.seek_ms.len();
        for (r, s) in m.runs.iter().enumerate() {
            let line = s.line(&format!("{method}, {}", run_name(r)));
            say(&mut report, &line);
            expect(s.clocks.keys().eq([method]), &format!("data-clock says {method}"), &line)?;
            // Both sources have whole-second resolution: an estimate off by a second or more is a bug.
            expect(s.max_abs_error() < truth.fps, "mapping error under one second", &line)?;
            passed += 2;
        }
        writeln!(
            report,
            "time from seek to boxes shown ({method}): {:?} ms",
            m.seek_ms.iter().map(|v| v.round()).collect::<Vec<_>>()
        )
        .ok();
    }

    // A restart while the viewer plays: the media sequence jumps to the new
    // run's epoch while the old entries stay listed. Unfixed, hls.js takes it
    // for a slide of the playlist and replays old segments at later media
    // times; with the fixer every segment stays where the playlist puts it.
    browser.goto(&format!("{base}cameras/{RESTART_CAMERA}/recordings"))?;
    let first = browser.execute_async(WAIT_DRAWN, json!([1.0, 30_000]))?;
    expect(
        first["timeout"].is_null(),
        "boxes appear on the recording before the restart",
        &first.to_string(),
    )?;
    let seen = browser.execute_async(WAIT_RUNS, json!([truth.runs.len(), 40_000]))?;
    expect(
        seen["timeout"].is_null(),
        "the restart reaches the page (a third run listed)",
        &seen.to_string(),
    )?;
    let target = truth.media_start_of_run(truth.runs.len() - 1) + 1.5;
    let s = browser.execute_async(SEEK_AND_WAIT, json!([target, 30_000, true]))?;
    expect(s["timeout"].is_null(), "after a seek into the new run, boxes follow", &s.to_string())?;
    let (score, _) = sample(browser, &truth, 45, target, f64::MAX)?;
    let line = score.line("restart while playing (auto clock), new run");
    say(&mut report, &format!("{line}; frames off the playlist timeline: {}", score.off_timeline));
    expect(
        score.samples >= 30 && score.off_timeline == 0,
        "every frame is where the playlist puts it after the restart",
        &format!("{} of {} off", score.off_timeline, score.samples),
    )?;
    expect(
        score.max_abs_error() < truth.fps,
        "mapping error under one second after the restart",
        &line,
    )?;
    passed += 5;

    passed += opening::opening(browser, base, &truth, &mut report)?;

    // Fullscreen: the stage (video and overlay) goes fullscreen, and boxes stay aligned.
    browser.goto(&format!("{base}cameras/{PDT_CAMERA}/recordings?{AT_RUN_1}"))?;
    let first = browser.execute_async(WAIT_DRAWN, json!([1.0, 30_000]))?;
    expect(first["timeout"].is_null(), "boxes appear before fullscreen", &first.to_string())?;
    browser.click("button.fullscreen")?;
    let fs = browser.execute_async(FULLSCREEN_STATE, json!([]))?;
    let entered = fs["element"].as_str().is_some_and(|c| c.contains("stage"));
    writeln!(
        report,
        "fullscreen: {}",
        if entered {
            format!("entered on the stage: {fs}")
        } else {
            format!("NOT entered headless: {fs}")
        }
    )
    .ok();
    expect(entered, "the stage (video and overlay) is the fullscreen element", &fs.to_string())?;
    let (s, raw) = sample(browser, &truth, 45, 0.0, truth.media_start_of_run(1) - 0.05)?;
    let line = s.line("program-date-time, fullscreen");
    say(&mut report, &line);
    expect(
        raw["fullscreen"].as_str().is_some_and(|c| c.contains("stage")),
        "still fullscreen while sampling",
        &raw["fullscreen"].to_string(),
    )?;
    expect(
        s.box_scored >= 15 && s.within == s.box_scored,
        "every scored frame within 2 css px in fullscreen",
        &s.detail("fullscreen"),
    )?;
    passed += 4;

    let out = root.join("target/e2e");
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join("recordings-report.txt"), &report)?;
    std::fs::write(out.join("recording-fullscreen.png"), browser.screenshot_png()?)?;
    println!("  report: target/e2e/recordings-report.txt");
    Ok(passed)
}

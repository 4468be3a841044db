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

use serde_json::{json, Value};
use vas_overlay_viewer::core::time::{format_rfc3339_utc, UnixMicros};

use super::calibration_cost::{CostFigures, CPU_WHILE_LEARNING_AND_AT_REST};
use super::recordings::{
    sample, Score, Truth, AT_RUN_1, CAMERA, PDT_CAMERA, SEEK_AND_WAIT, WAIT_DRAWN,
};
use crate::browser::page_scripts::polling_script;
use crate::browser::Browser;
use crate::demo_backend::{RunningBackend, BARE_CAMERA_ID};
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

/// Waits until the recording's note on wall-clock time agrees with the
/// offset applied now: the correction in ms (to the 0.1 it shows), or, for
/// an offset of 0, the method's own precision and no correction.
const WAIT_NOTE: &str = polling_script!(
    r#"
const [limitMs, done] = [arguments[0], arguments[arguments.length - 1]];
const root = document.querySelector('[data-overlay-root]');
const t0 = performance.now();
poll({done, limitMs, t0, everyMs: 50}, (now, timedOut) => {
  const info = (document.querySelector('[data-clock-info]') || {}).textContent || '';
  const off = parseInt(root.getAttribute('data-clock-offset-us'), 10);
  const m = info.match(/corrected by ([+-][0-9]+[.][0-9]) ms/);
  const ok = off === 0 ? (!m && /Wall-clock time: (exact|estimated)/.test(info))
    : (m !== null && Math.abs(parseFloat(m[1]) * 1000 - off) <= 50);
  if (ok) return {info, off};
  if (timedOut()) return {timeout: true, info, off};
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
    /// The page's note on wall-clock time agreed with the offset applied
    /// (None: not looked at).
    note_agrees: Option<bool>,
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
        let s = browser.execute_async(SEEK_AND_WAIT, json!([start + 0.05, 30_000, true]))?;
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
        note_agrees: None,
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
    let note = browser.execute_async(WAIT_NOTE, json!([5_000]))?;
    figures.note_agrees = Some(note["timeout"].is_null());
    if !note["timeout"].is_null() {
        println!("  {method}, run {}: the note on wall-clock time: {note}", run + 1);
    }
    Ok(figures)
}

/// The calibration's cost while it learns (from the last run's start until
/// it rests) and at rest, on VAS's own playlist.
fn cpu_figures(browser: &Browser, base: &str, truth: &Truth) -> Result<CostFigures> {
    browser.goto(&format!("{base}cameras/{CAMERA}/recordings?clock=segment-epoch&{AT_RUN_1}"))?;
    let first = browser.execute_async(WAIT_DRAWN, json!([0.0, 30_000]))?;
    expect(first["timeout"].is_null(), "boxes appear", &first.to_string())?;
    let start = truth.media_start_of_run(truth.runs.len() - 1);
    let s = browser.execute_async(SEEK_AND_WAIT, json!([start + 0.05, 30_000, true]))?;
    expect(s["timeout"].is_null(), "a seek to the last run shows boxes", &s.to_string())?;
    let v =
        browser.execute_async(CPU_WHILE_LEARNING_AND_AT_REST, json!([REST_MS, 1_500, 30_000]))?;
    Ok(CostFigures::from_settled(&v))
}

fn cpu_line(cpu: &CostFigures) -> String {
    let f = |v: Option<f64>| v.map_or_else(|| "n/a".into(), |v| format!("{v:.2}"));
    format!(
        "calibration main-thread cost (segment-epoch, last run from its start): {} ms per second while learning, {} ms per second at rest; resting after {} s",
        f(cpu.learning_ms_per_s),
        f(cpu.rest_ms_per_s),
        f(cpu.secs_to_rest)
    )
}

fn cell(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "none".into(), |v| format!("{v:+.digits$}"))
}

/// The cases the test command runs (the bench runs them all): a sparse
/// model without track ids half a second late and one frame early, every
/// frame with tracks two seconds late, and boxes the picture does not show.
fn test_cases() -> [Case; 4] {
    [
        Case { per_second: 10, tracked: false, offset_us: 500_000, mirrored: false },
        Case { per_second: 5, tracked: false, offset_us: -33_333, mirrored: false },
        Case { per_second: 30, tracked: true, offset_us: 2_000_000, mirrored: false },
        Case { per_second: 10, tracked: false, offset_us: 0, mirrored: true },
    ]
}

/// The whole matrix (`cargo xtask bench --picture-clock`): prints its table.
pub fn run_matrix(
    browser: &Browser,
    backend: &RunningBackend,
    base: &str,
    root: &Path,
    only: Option<&str>,
) -> Result<String> {
    let truth = Truth::load(root)?;
    let mut rows = Vec::new();
    for case in full_matrix().into_iter().filter(|c| only.is_none_or(|o| c.name().contains(o))) {
        rows.push(run_case(browser, backend, base, &truth, case)?);
        println!("{}", rows.last().map(CaseFigures::row).unwrap_or_default());
    }
    Ok(matrix_table(&rows))
}

/// Runs the scenario; returns how many checks passed.
pub fn run(browser: &Browser, backend: &RunningBackend, base: &str, root: &Path) -> Result<usize> {
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
    let mut cases = Vec::new();
    for case in test_cases() {
        cases.push(run_case(browser, backend, base, &truth, case)?);
    }
    backend.reset();
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
    writeln!(report, "{}", cpu_line(&cpu)).ok();
    report.push_str(&matrix_table(&cases));
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
        expect(
            f.note_agrees == Some(true),
            &format!("{line}: the note on wall-clock time gives the offset applied"),
            &report,
        )?;
        passed += 3;
    }
    expect(cpu.rest_ms_per_s.is_some(), "the calibration rests once confirmed", &report)?;
    passed += 1;
    for c in &cases {
        let what = c.row();
        if c.case.mirrored {
            expect(
                c.run.learn_secs.is_none(),
                "boxes the picture does not show: no offset applied",
                &what,
            )?;
            passed += 1;
            continue;
        }
        let residual = c.residual_ms().unwrap_or(f64::INFINITY);
        expect(
            residual.abs() < 1e3 / truth.fps / 2.0,
            "the stamps' offset learnt to under half a frame",
            &what,
        )?;
        expect(
            c.run.scored >= 30 && c.run.within_motion * 10 >= c.run.scored * 9,
            "nine frames in ten or more with every box within one frame's motion once learnt",
            &what,
        )?;
        passed += 2;
    }
    Ok(passed)
}

/// One case of the matrix: events at a model's rate, with or without track
/// ids, stamped `offset_us` off the frames' true times (event time = frame
/// time + offset), on the program date-time camera (an exact frame clock),
/// so the offset to learn is `offset_us` exactly. `mirrored` flips the
/// boxes left to right: motion the events do not explain.
#[derive(Clone, Copy)]
pub(super) struct Case {
    pub per_second: usize,
    pub tracked: bool,
    pub offset_us: i64,
    pub mirrored: bool,
}

impl Case {
    /// For `--only`: "5/s tracked +2000.0 ms" (or "untracked").
    fn name(&self) -> String {
        format!(
            "{}/s {} {:+.1} ms{}",
            self.per_second,
            if self.tracked { "tracked" } else { "untracked" },
            self.offset_us as f64 / 1e3,
            if self.mirrored { " mirrored" } else { "" }
        )
    }
}

/// Every rate, tracking and offset the issue names.
pub(super) fn full_matrix() -> Vec<Case> {
    let mut cases = Vec::new();
    for per_second in [30, 10, 5] {
        for tracked in [true, false] {
            for offset_us in [0, 33_333, -33_333, 500_000, -500_000, 2_000_000, -2_000_000] {
                cases.push(Case { per_second, tracked, offset_us, mirrored: false });
            }
        }
    }
    cases
}

/// What a case measured.
pub(super) struct CaseFigures {
    case: Case,
    /// Before any offset is applied (the first frames of the run).
    before: (usize, usize),
    run: RunFigures,
    /// What the root said when no offset was applied.
    unsure_text: Option<String>,
}

/// The case's events, and the truth to score them with: its event frames, and matching by position without track ids.
fn case_events(truth: &Truth, case: Case) -> (Vec<Value>, Truth) {
    let step = (truth.fps.round() as usize / case.per_second.max(1)).max(1);
    let mut event_frames: std::collections::BTreeMap<String, Vec<usize>> = Default::default();
    let mut events = Vec::new();
    for n in (0..truth.frame_times.len()).step_by(step) {
        let mut by_model: std::collections::BTreeMap<&str, Vec<Value>> = Default::default();
        for ((model, track), boxes) in &truth.objects {
            let Some(b) = boxes.get(n) else { continue };
            let (x0, x1) =
                if case.mirrored { (truth.width - b[2], truth.width - b[0]) } else { (b[0], b[2]) };
            let norm =
                [x0 / truth.width, b[1] / truth.height, x1 / truth.width, b[3] / truth.height]
                    .map(|v| (v.clamp(0.0, 1.0) * 1e6).round() / 1e6);
            if norm[2] <= norm[0] || norm[3] <= norm[1] {
                continue;
            }
            let label = if model.contains("person") { "person" } else { "vehicle" };
            let mut det = json!({"class_name": label, "confidence": 0.9, "bbox": norm});
            if case.tracked {
                det["track_id"] = json!(track.parse::<i64>().unwrap_or(0));
            }
            by_model.entry(model).or_default().push(det);
        }
        for (m, (model, dets)) in by_model.into_iter().enumerate() {
            event_frames.entry(model.to_owned()).or_default().push(n);
            events.push(json!({
                "id": format!("9c7a{m:04x}-0000-4000-8000-{n:012x}"),
                "camera_id": BARE_CAMERA_ID,
                "model_id": model,
                "timestamp": format_rfc3339_utc(UnixMicros(truth.frame_times[n] + case.offset_us)),
                "frame_id": n,
                "detections": {"detections": dets},
                "confidence": 0.9,
                "event_metadata": {"frame_width": truth.width, "frame_height": truth.height},
                "created_at": "2026-01-01T00:00:00Z",
            }));
        }
    }
    (events, truth.with_events(event_frames, case.tracked))
}

/// Plays the last (longest) run of the bare camera with the case's events:
/// frames before any offset is applied, the time to an offset, and frames after.
pub(super) fn run_case(
    browser: &Browser,
    backend: &RunningBackend,
    base: &str,
    truth: &Truth,
    case: Case,
) -> Result<CaseFigures> {
    backend.reset();
    let (events, scored) = case_events(truth, case);
    backend.insert_events(events).map_err(anyhow::Error::msg)?;
    let run = truth.runs.len() - 1;
    let start = truth.media_start_of_run(run);
    browser.goto(&format!("{base}cameras/{BARE_CAMERA_ID}/recordings?{AT_RUN_1}"))?;
    let first = browser.execute_async(WAIT_DRAWN, json!([0.0, 30_000]))?;
    expect(first["timeout"].is_null(), "boxes appear", &first.to_string())?;
    let s = browser.execute_async(SEEK_AND_WAIT, json!([start + 0.05, 30_000, false]))?;
    expect(s["timeout"].is_null(), "a seek to the run's start shows its frames", &s.to_string())?;
    // Every frame from the run's start, before and after an offset is applied.
    let (_, v) = sample(browser, &scored, CASE_FRAMES, start, f64::MAX)?;
    let samples = v["samples"].as_array().cloned().unwrap_or_default();
    let (before, after): (Vec<&Value>, Vec<&Value>) =
        samples.iter().partition(|s| s["off"].is_null());
    let score = |list: &[&Value]| {
        let mut score = Score::default();
        list.iter().for_each(|s| score.add(&scored, s));
        score
    };
    let (early, late) = (score(&before), score(&after));
    let applied = after.first();
    let text = samples.last().and_then(|s| s["offText"].as_str()).map(str::to_owned);
    Ok(CaseFigures {
        case,
        before: (early.within_motion, early.box_scored),
        run: RunFigures {
            method: "program-date-time",
            run,
            learn_secs: applied.and_then(|s| s["mt"].as_f64()).map(|mt| mt - start),
            // The last one applied: agreeing scans refine the first.
            offset_ms: after
                .last()
                .and_then(|s| s["off"].as_str()?.parse::<f64>().ok())
                .map(|us| us / 1e3),
            raw_frames: None,
            calibrated_frames: None,
            within_motion: late.within_motion,
            scored: late.box_scored,
            within_px: late.within,
            note_agrees: None,
        },
        unsure_text: if applied.is_none() { text } else { None },
    })
}

/// Frames sampled from the run's start: about 12 s of its 25 (sampling
/// ends at 20 s of waiting in any case).
const CASE_FRAMES: usize = 360;

impl CaseFigures {
    pub(super) fn residual_ms(&self) -> Option<f64> {
        self.run.offset_ms.map(|o| o - self.case.offset_us as f64 / 1e3)
    }

    fn row(&self) -> String {
        let share = |(a, b): (usize, usize)| {
            if b == 0 {
                "n/a".into()
            } else {
                format!("{:.0}% ({a}/{b})", 100.0 * a as f64 / b as f64)
            }
        };
        format!(
            "| {}/s | {} | {:+.1} ms{} | {} | {} | {} | {} |",
            self.case.per_second,
            if self.case.tracked { "yes" } else { "no" },
            self.case.offset_us as f64 / 1e3,
            if self.case.mirrored { ", mirrored boxes" } else { "" },
            share(self.before),
            self.run.learn_secs.map_or_else(
                || format!("never ({})", self.unsure_text.as_deref().unwrap_or("?")),
                |s| format!("{s:.1} s")
            ),
            self.residual_ms().map_or_else(|| "n/a".into(), |r| format!("{r:+.1} ms")),
            share((self.run.within_motion, self.run.scored)),
        )
    }
}

/// The table of a set of cases.
pub(super) fn matrix_table(rows: &[CaseFigures]) -> String {
    let mut t = String::from(
        "Clock offset learnt from the picture, recordings: the bare camera (program date-time, so the stamps' offset is known) with events derived from the truth, last run (25 s) from its start\n\
         | events | track ids | stamps off the frames by | frames with every box within one frame's motion, before an offset | offset applied after | residual offset | frames within one frame's motion, after |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        writeln!(t, "{}", r.row()).ok();
    }
    t
}

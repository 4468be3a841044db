//! Frame accuracy against events stamped as the unchanged VAS stamps them: the share of frames whose boxes are right, the clock offset learnt from the picture against the true one, and a still scene.
//!
//! The rig runs VAS-truthful events ([`RigEvents::vas_truthful`]: stamped a
//! frame after the picture leaves on RTP, +-3 ms, written 100-250 ms later)
//! at 30, 10 or 5 events per second, with or without track ids, and the
//! fault `event-stamps` moves every stamp by a further offset. Each case runs
//! on a camera of its own (a fresh feed, so no earlier case's rows are in its
//! VAS window) and a freshly opened live page, for which the probe
//! (`probe.js`) records the frames presented and what the overlay drew.
//!
//! Per case:
//! - aligned: the share of presented frames the overlay drew on whose every
//!   drawn box lies within one frame's motion of its object (plus
//!   [`PIXEL_SLACK`]) of the truth in that frame, the frame being read from
//!   its pixels and the truth from the rig's scene (`GET /__rig/scene`); a
//!   frame without boxes is not aligned (the scene always has three objects);
//! - the same share over the frames after an offset was applied;
//! - lag: the median, over frames with boxes, of the source frame whose
//!   truth lies closest to the drawn boxes minus the frame on screen;
//! - the overlay's applied offset (`data-clock-offset-us`, absent until one
//!   is learnt: "not applied") against the true one (the stamp lag plus the
//!   case's offset), and the time from the first presented frame to the
//!   first applied offset;
//! - on a still scene (objects that never move) the calibration's state and
//!   its text: no offset may be applied there.
//!
//! `cargo xtask bench --live-calibration` runs the whole matrix and prints a
//! table (`target/figures/live-calibration.txt`); the live e2e stage runs
//! [`run_e2e`], a few cases with assertions that hold with and without
//! calibration (the calibration's own ones only once the page applies an
//! offset).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{json, Value};

use super::expect;
use super::probe::{self, FrameNumbering};
use crate::browser::Browser;
use crate::e2e::calibration_cost::CostFigures;
use crate::rig::{Rig, RigCamera, RigEvents, RigOptions};
use crate::{repo_root, Result};

/// Tolerance added to one frame's motion (video pixels): box centres go
/// through normalized coordinates and CSS layout, so a box of the right frame
/// can land a pixel off.
pub const PIXEL_SLACK: f64 = 1.5;
/// One frame at 30 fps (ms).
const FRAME_MS: f64 = 1000.0 / 30.0;
/// How far (frames) the lag search looks either side of the frame on screen.
const LAG_SEARCH: i64 = 90;

/// One case of the matrix.
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    pub per_second: u32,
    pub track_ids: bool,
    /// Added to every stamp on top of the VAS-truthful lag (ms).
    pub extra_ms: f64,
    /// The scene's objects never move.
    pub still: bool,
}

impl Case {
    fn moving(per_second: u32, track_ids: bool, extra_ms: f64) -> Case {
        Case { per_second, track_ids, extra_ms, still: false }
    }

    fn still(per_second: u32, track_ids: bool) -> Case {
        Case { per_second, track_ids, extra_ms: 0.0, still: true }
    }

    /// Event time minus frame time, what a perfect calibration applies (ms).
    pub fn true_offset_ms(&self) -> f64 {
        RigEvents::VAS_STAMP_LAG_MS + self.extra_ms
    }

    fn name(&self) -> String {
        let tracks = if self.track_ids { "tracked" } else { "untracked" };
        if self.still {
            format!("{}/s {tracks} still", self.per_second)
        } else {
            format!("{}/s {tracks} {:+.0} ms", self.per_second, self.extra_ms)
        }
    }
}

/// The full matrix: 30, 10 and 5 events/s, with and without track ids, extra
/// offsets of 0, +-1 frame, +-0.5 s and +-2 s, and a still scene each.
pub fn matrix() -> Vec<Case> {
    let mut out = Vec::new();
    for per_second in [30, 10, 5] {
        for track_ids in [true, false] {
            for extra_ms in [0.0, FRAME_MS, -FRAME_MS, 500.0, -500.0, 2000.0, -2000.0] {
                out.push(Case::moving(per_second, track_ids, extra_ms));
            }
            out.push(Case::still(per_second, track_ids));
        }
    }
    out
}

/// One case's figures.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CaseFigures {
    pub case: String,
    pub per_second: u32,
    pub track_ids: bool,
    pub extra_ms: f64,
    pub still: bool,
    pub pixel_reads: usize,
    /// Presented frames the overlay drew (identified by their pixels).
    pub frames: usize,
    /// ... with no box at all.
    pub none: usize,
    /// ... whose every box is within one frame's motion of the truth.
    pub aligned: usize,
    /// ... whose boxes lie closest to the truth of the frame on screen (lag 0).
    pub exact: usize,
    /// Frames drawn after the first applied offset, and those aligned.
    pub after_offset: usize,
    pub aligned_after_offset: usize,
    /// Median of (the source frame closest to the drawn boxes - the frame on screen).
    pub lag_frames_median: Option<f64>,
    /// The applied offset at the end of the run (us); None: not applied.
    pub offset_us: Option<i64>,
    pub true_offset_ms: f64,
    /// Applied minus true offset (ms).
    pub residual_ms: Option<f64>,
    /// First presented frame to the first applied offset (ms).
    pub to_offset_ms: Option<f64>,
    pub offset_text: Option<String>,
    pub calibration: Option<String>,
    /// The calibration's main-thread time (`data-calibration-ms`), ms per
    /// second, while learning and at rest, and first frame to rest (s).
    pub cost: CostFigures,
}

impl CaseFigures {
    pub fn aligned_pct(&self) -> f64 {
        pct(self.aligned, self.frames)
    }
}

fn pct(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        100.0 * a as f64 / b as f64
    }
}

/// The scene's truth over a range of frames: per frame, (label, centre x, y).
struct SceneTruth {
    from: i64,
    frames: Vec<Vec<(String, f64, f64)>>,
}

impl SceneTruth {
    fn fetch(rig: &Rig, camera: &str, from: i64, to: i64) -> Result<SceneTruth> {
        let from = from.max(0);
        let v =
            rig.get(&format!("/__rig/scene?camera={camera}&from={from}&to={}", to.max(from)))?;
        let frames = v["frames"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|objects| {
                objects
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|o| {
                        Some((o["label"].as_str()?.to_owned(), o["x"].as_f64()?, o["y"].as_f64()?))
                    })
                    .collect()
            })
            .collect();
        Ok(SceneTruth { from, frames })
    }

    fn at(&self, n: i64) -> Option<&[(String, f64, f64)]> {
        let i = usize::try_from(n - self.from).ok()?;
        self.frames.get(i).map(Vec::as_slice)
    }

    fn centre(&self, n: i64, label: &str) -> Option<(f64, f64)> {
        self.at(n)?.iter().find(|o| o.0 == label).map(|o| (o.1, o.2))
    }

    /// How far the object moves between frame `n` and either neighbour (the larger).
    fn motion(&self, n: i64, label: &str) -> f64 {
        let Some((x, y)) = self.centre(n, label) else { return 0.0 };
        [n - 1, n + 1]
            .iter()
            .filter_map(|m| self.centre(*m, label))
            .map(|(mx, my)| (mx - x).hypot(my - y))
            .fold(0.0, f64::max)
    }

    /// Mean distance of drawn boxes to their objects in frame `n`; None if a label is unknown.
    fn error(&self, n: i64, drawn: &[(String, f64, f64)]) -> Option<f64> {
        let mut sum = 0.0;
        for (label, x, y) in drawn {
            let (tx, ty) = self.centre(n, label)?;
            sum += (x - tx).hypot(y - ty);
        }
        Some(sum / drawn.len() as f64)
    }
}

/// The figures of one run from its probe record and the scene's truth.
fn analyze(case: &Case, probe: &Value, truth: &SceneTruth) -> CaseFigures {
    let numbering = FrameNumbering::learn(probe);
    let offset_us = probe["final"]["offsetUs"].as_str().and_then(|v| v.parse::<i64>().ok());
    let mut f = CaseFigures {
        case: case.name(),
        per_second: case.per_second,
        track_ids: case.track_ids,
        extra_ms: case.extra_ms,
        still: case.still,
        pixel_reads: numbering.as_ref().map_or(0, |n| n.reads),
        frames: 0,
        none: 0,
        aligned: 0,
        exact: 0,
        after_offset: 0,
        aligned_after_offset: 0,
        lag_frames_median: None,
        offset_us,
        true_offset_ms: case.true_offset_ms(),
        residual_ms: offset_us.map(|o| o as f64 / 1000.0 - case.true_offset_ms()),
        to_offset_ms: match (probe["firstFrameT"].as_f64(), probe["offsetFirstT"].as_f64()) {
            (Some(a), Some(b)) => Some(b - a),
            _ => None,
        },
        offset_text: probe["final"]["offset"].as_str().map(str::to_owned),
        calibration: probe["final"]["calibration"].as_str().map(str::to_owned),
        cost: CostFigures::from_readings(
            &probe["cost"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| Some((r[0].as_f64()?, r[1].as_f64()?, r[2].as_str()?.to_owned())))
                .collect::<Vec<_>>(),
            probe["firstFrameT"].as_f64(),
        ),
    };
    let Some(numbering) = numbering else { return f };
    let mut lags = Vec::new();
    for s in probe["samples"].as_array().into_iter().flatten() {
        let Some(n) = s["rtp"].as_u64().and_then(|rtp| numbering.frame(rtp)) else { continue };
        if truth.at(n).is_none() {
            continue;
        }
        f.frames += 1;
        let offset_applied = s["offsetUs"].is_number();
        if offset_applied {
            f.after_offset += 1;
        }
        let drawn: Vec<(String, f64, f64)> = s["boxes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|b| Some((b[3].as_str()?.to_owned(), b[1].as_f64()?, b[2].as_f64()?)))
            .collect();
        if drawn.is_empty() {
            f.none += 1;
            continue;
        }
        let aligned = drawn.iter().all(|(label, x, y)| {
            truth.centre(n, label).is_some_and(|(tx, ty)| {
                (x - tx).hypot(y - ty) <= truth.motion(n, label) + PIXEL_SLACK
            })
        });
        if aligned {
            f.aligned += 1;
            if offset_applied {
                f.aligned_after_offset += 1;
            }
        }
        if !case.still {
            let best = (n - LAG_SEARCH..=n + LAG_SEARCH)
                .filter_map(|m| Some((m, truth.error(m, &drawn)?)))
                .min_by(|a, b| a.1.total_cmp(&b.1));
            if let Some((m, _)) = best.filter(|(_, e)| *e < 2.5) {
                lags.push((m - n) as f64);
                if m == n {
                    f.exact += 1;
                }
            }
        }
    }
    if !lags.is_empty() {
        lags.sort_by(f64::total_cmp);
        f.lag_frames_median = Some(lags[lags.len() / 2]);
    }
    f
}

/// A camera id per case index (a UUID, as VAS's are).
fn camera_id(i: usize) -> String {
    format!("5e1f0000-0000-4000-8000-0000ca1b{i:04x}")
}

/// Runs `cases` (grouped by rate and track ids, one rig per group) and
/// returns their figures in the order given. `probe_ms`: the recording per
/// case, from the page's video element on.
pub fn run_cases(cases: &[Case], probe_ms: u64) -> Result<Vec<CaseFigures>> {
    let mut groups: BTreeMap<(u32, bool), Vec<usize>> = BTreeMap::new();
    for (i, c) in cases.iter().enumerate() {
        groups.entry((c.per_second, c.track_ids)).or_default().push(i);
    }
    let mut out: Vec<Option<CaseFigures>> = vec![None; cases.len()];
    for ((per_second, track_ids), members) in groups {
        let rig = Rig::start(&RigOptions::in_netns(
            members
                .iter()
                .map(|i| RigCamera {
                    id: camera_id(*i),
                    name: format!("Calibration case {}", cases[*i].name()),
                    feed: false,
                })
                .collect(),
            RigEvents::vas_truthful(per_second, track_ids),
        ))?;
        let browser = Browser::start()?;
        browser.set_script_timeout(probe_ms + 60_000)?;
        for i in members {
            let case = &cases[i];
            let camera = camera_id(i);
            rig.post("/__rig/faults", json!([{"on": "event-stamps", "offsetMs": case.extra_ms}]))?;
            rig.post(
                "/__rig/feed",
                json!({"action": "start", "camera": camera, "still": case.still}),
            )?;
            let page = format!("{}cameras/{camera}", rig.url());
            let raw_name = format!("live-calibration-{}", case.name().replace(['/', ' '], "-"));
            let probe = probe::record(&browser, &page, &rig.url(), probe_ms, &raw_name);
            rig.post("/__rig/feed", json!({"action": "stop", "camera": camera, "close": true}))?;
            rig.post("/__rig/faults", json!([]))?;
            let probe = probe?;
            let frames: Vec<i64> = probe["reads"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r[1].as_i64())
                .collect();
            let (lo, hi) = (
                frames.iter().copied().min().unwrap_or(0),
                frames.iter().copied().max().unwrap_or(0),
            );
            let truth = SceneTruth::fetch(&rig, &camera, lo - 2 * LAG_SEARCH, hi + 2 * LAG_SEARCH)?;
            let f = analyze(case, &probe, &truth);
            println!("    {}", row(&f));
            out[i] = Some(f);
        }
    }
    Ok(out.into_iter().flatten().collect())
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map_or("-".into(), |v| format!("{v:.digits$}"))
}

const HEADER: &str = "case                      frames  none% aligned% exact% aligned_after_offset% lag_frames offset_ms true_ms residual_ms to_offset_ms calibration  cpu_ms/s_learning/rest/rest_after_s offset text";

fn row(f: &CaseFigures) -> String {
    format!(
        "{:25} {:6} {:6.1} {:8.1} {:>6} {:21} {:>10} {:>9} {:>7} {:>11} {:>12} {:12} {:34} {}",
        f.case,
        f.frames,
        pct(f.none, f.frames),
        f.aligned_pct(),
        if f.still { "-".into() } else { format!("{:.1}", pct(f.exact, f.frames)) },
        if f.after_offset == 0 {
            "-".into()
        } else {
            format!("{:.1}", pct(f.aligned_after_offset, f.after_offset))
        },
        opt(f.lag_frames_median, 0),
        f.offset_us.map_or("not applied".into(), |o| format!("{:.1}", o as f64 / 1000.0)),
        if f.still { "-".into() } else { format!("{:.1}", f.true_offset_ms) },
        opt(f.residual_ms, 1),
        opt(f.to_offset_ms, 0),
        f.calibration.as_deref().unwrap_or("-"),
        f.cost.text(),
        f.offset_text.as_deref().unwrap_or("-"),
    )
}

/// The table of a run.
pub fn table(all: &[CaseFigures], probe_ms: u64) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "Frame accuracy on the live rig with VAS-truthful events (stamp = RTP send + {} ms +-3 ms + the case's offset; written 100-250 ms after the frame); {} s per case.",
        RigEvents::VAS_STAMP_LAG_MS,
        probe_ms / 1000
    );
    let _ = writeln!(t, "aligned: frames whose every box is within one frame's motion (+{PIXEL_SLACK} px) of the truth in that frame; exact: frames whose boxes are closest to their own frame's truth;");
    let _ = writeln!(t, "lag: the source frame closest to the drawn boxes minus the frame on screen (median); offset: data-clock-offset-us at the end; to_offset: first frame to first applied offset;");
    let _ = writeln!(t, "cpu: the calibration's main-thread time (data-calibration-ms) per second while learning and at rest, and first frame to rest (s).");
    let _ = writeln!(t, "{HEADER}");
    for f in all {
        let _ = writeln!(t, "{}", row(f));
    }
    t
}

/// `cargo xtask bench --live-calibration`, inside the rig's namespace: the
/// whole matrix, `probe_s` seconds per case.
pub fn run_bench(probe_s: u64) -> Result {
    let cases = matrix();
    println!("== live calibration: {} cases, {probe_s} s each (plus start-up)", cases.len());
    let all = run_cases(&cases, probe_s * 1000)?;
    let t = table(&all, probe_s * 1000);
    println!("\n{t}");
    let dir = repo_root().join("target/figures");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("live-calibration.txt"), &t)?;
    std::fs::write(
        repo_root().join("target/live-calibration.json"),
        serde_json::to_string_pretty(&all).unwrap_or_default(),
    )?;
    println!(
        "(table in target/figures/live-calibration.txt, figures in target/live-calibration.json)"
    );
    Ok(())
}

/// The live e2e stage's part: 10 events/s without track ids at the true
/// offset and 0.5 s off it, and a still scene. Returns the checks passed.
pub fn run_e2e() -> Result<usize> {
    const PROBE_MS: u64 = 20_000;
    let cases =
        [Case::moving(10, false, 0.0), Case::moving(10, false, 500.0), Case::still(10, false)];
    let all = run_cases(&cases, PROBE_MS)?;
    print!("{}", table(&all, PROBE_MS));
    let mut passed = 0;
    for f in &all {
        let mut check = |cond: bool, what: &str| -> Result {
            expect(cond, &format!("calibration {}: {what}", f.case), format!("{f:?}"))?;
            passed += 1;
            Ok(())
        };
        check(
            f.frames >= 300 && f.pixel_reads >= 300,
            "at least 300 presented frames drawn and read",
        )?;
        if f.still {
            // No motion: nothing to learn an offset from, and the page says so.
            check(f.offset_us.is_none(), "no offset applied on a still scene")?;
            check(f.calibration.is_some(), "the page states its calibration")?;
            if f.calibration.is_some() {
                // It says why nothing is applied.
                check(
                    f.offset_text.as_deref().is_some_and(|t| !t.trim().is_empty()),
                    "the page says why no offset is applied",
                )?;
            }
            continue;
        }
        if f.extra_ms == 0.0 {
            // Stamps half a second off are not: once the offset is applied the
            // selection moves half a second later and the playout delay grows
            // to match, a step at a time, with frames drawn bare meanwhile.
            check(pct(f.none, f.frames) <= 10.0, "boxes on at least 90% of the frames")?;
            // Stamped as VAS stamps them: uncalibrated, the boxes lag a frame
            // (measured 95% within one frame's motion); calibrated, they do not.
            check(f.aligned_pct() >= 80.0, "at least 80% of the frames aligned")?;
        }
        check(f.residual_ms.is_some(), "an offset is learnt from the picture")?;
        if let Some(residual) = f.residual_ms {
            check(
                residual.abs() <= FRAME_MS / 2.0,
                "the applied offset within half a frame of the truth",
            )?;
            check(
                pct(f.aligned_after_offset, f.after_offset) >= 80.0,
                "at least 80% of the frames aligned once it is applied",
            )?;
        }
    }
    Ok(passed)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A car moving 6 px per frame along x, frames 0..100.
    fn truth() -> SceneTruth {
        SceneTruth {
            from: 0,
            frames: (0..100)
                .map(|n| vec![("car".to_owned(), 10.0 + 6.0 * n as f64, 50.0)])
                .collect(),
        }
    }

    /// A probe whose frame `n` has RTP time 1000 + 3000 n, drawing the car of
    /// frame `n + shift` (None: nothing) on frames 10..20.
    fn probe(shift: impl Fn(i64) -> Option<i64>, offset_from: i64) -> Value {
        let rtp = |n: i64| 1000 + 3000 * n;
        let reads: Vec<Value> = (0..30).map(|n| json!([rtp(n), n])).collect();
        let samples: Vec<Value> = (10..20)
            .map(|n| {
                let boxes: Vec<Value> = shift(n)
                    .map(|m| vec![json!([0, 10.0 + 6.0 * m as f64 + 0.4, 50.3, "car"])])
                    .unwrap_or_default();
                let offset = if n >= offset_from { json!(33_000) } else { Value::Null };
                json!({"rtp": rtp(n), "boxes": boxes, "offsetUs": offset})
            })
            .collect();
        json!({"reads": reads, "samples": samples, "firstFrameT": 100.0, "offsetFirstT": 600.0,
               "final": {"offsetUs": "33000", "offset": "33.0 ms", "calibration": "resting"}})
    }

    #[test]
    fn a_box_within_one_frames_motion_is_aligned_two_frames_off_is_not() {
        let case = Case::moving(10, false, 0.0);
        // Frames 10..14 exact, 15..16 a frame late, 17..18 two late, 19 nothing.
        let shift = |n: i64| match n {
            10..=14 => Some(n),
            15..=16 => Some(n - 1),
            17..=18 => Some(n - 2),
            _ => None,
        };
        let f = analyze(&case, &probe(shift, 15), &truth());
        assert_eq!((f.frames, f.none, f.aligned, f.exact), (10, 1, 7, 5));
        assert_eq!((f.after_offset, f.aligned_after_offset), (5, 2));
        assert_eq!(f.lag_frames_median, Some(0.0));
        assert_eq!(f.offset_us, Some(33_000));
        assert!((f.residual_ms.unwrap() - (33.0 - RigEvents::VAS_STAMP_LAG_MS)).abs() < 1e-9);
        assert_eq!(f.to_offset_ms, Some(500.0));
    }

    #[test]
    fn the_lag_is_the_median_source_frame_offset() {
        let f = analyze(&Case::moving(5, true, 500.0), &probe(|n| Some(n - 16), 99), &truth());
        assert_eq!((f.aligned, f.exact), (0, 0));
        assert_eq!(f.lag_frames_median, Some(-16.0));
        assert_eq!(f.after_offset, 0);
    }

    #[test]
    fn the_matrix_has_every_rate_track_and_offset_and_a_still_scene_each() {
        let m = matrix();
        assert_eq!(m.len(), 3 * 2 * 8);
        assert_eq!(m.iter().filter(|c| c.still).count(), 6);
        assert!(m.iter().any(|c| c.per_second == 5 && !c.track_ids && c.extra_ms == -2000.0));
    }
}

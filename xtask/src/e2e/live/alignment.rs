//! Alignment per clock method on the real SFU: the boxes drawn on each presented frame against the frame they belong to, and the overlay's frame clock against the frame's true VAS time.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::probe::{self, FrameNumbering};
use super::{expect, CAM_FED, EVENT_LATENESS_MS, PROBE_MS};
use crate::browser::Browser;
use crate::rig::Rig;
use crate::Result;

/// One alignment run's figures.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Figures {
    pub method: String,
    /// The playout delay was on.
    pub delay: bool,
    /// Its target at the end of the run (ms).
    pub delay_ms: Option<f64>,
    pub skew_ms: i64,
    /// Frames the overlay drew (one per presented frame it saw).
    pub frames: usize,
    /// ... with boxes whose source frame was identified.
    pub with_boxes: usize,
    pub exact: usize,
    pub within_one: usize,
    /// Boxes of a later frame than the one on screen.
    pub later: usize,
    pub earlier: usize,
    pub none: usize,
    pub unmatched: usize,
    pub worst_frames: i64,
    /// The overlay's frame time minus the frame's true VAS time (ms), over
    /// the frames timed by the run's own method (start-up frames timed by a
    /// lesser one are counted in `clocks`).
    pub clock_median_ms: f64,
    pub clock_p95_abs_ms: f64,
    pub clock_max_abs_ms: f64,
    /// Page open to the first frame whose boxes were its own.
    pub first_aligned_ms: Option<f64>,
    /// From that frame on (start-up excluded): frames, and those with their own boxes.
    pub steady_frames: usize,
    pub steady_exact: usize,
    /// Methods the overlay reported, with frame counts.
    pub clocks: BTreeMap<String, usize>,
    pub pixel_reads: usize,
}

/// Truth for one stream: frame number to (VAS time in us, box centres by track, in video pixels).
type Truth = HashMap<i64, (i64, HashMap<i64, (f64, f64)>)>;

fn truth(rig: &Rig, stream: u64) -> Result<Truth> {
    let mut out = Truth::new();
    for page in 0..6 {
        let v = rig.api(&format!(
            "/api/v1/ai-events/cameras/{CAM_FED}/events?limit=1000&offset={}",
            page * 1000
        ))?;
        let events = v["events"].as_array().cloned().unwrap_or_default();
        for e in &events {
            if e["event_metadata"]["rig_stream"].as_u64() != Some(stream) {
                continue;
            }
            let (Some(n), Some(ts)) = (e["frame_id"].as_i64(), e["timestamp"].as_str()) else {
                continue;
            };
            let ts = vas_emulator::parse_time_us(ts).unwrap_or(0);
            let mut boxes = HashMap::new();
            for d in e["detections"]["detections"].as_array().into_iter().flatten() {
                let b: Vec<f64> =
                    d["bbox"].as_array().into_iter().flatten().filter_map(Value::as_f64).collect();
                if let (Some(track), [x1, y1, x2, y2]) = (d["track_id"].as_i64(), b.as_slice()) {
                    boxes.insert(track, ((x1 + x2) / 2.0 * 640.0, (y1 + y2) / 2.0 * 360.0));
                }
            }
            out.insert(n, (ts, boxes));
        }
        if events.len() < 1000 {
            break;
        }
    }
    Ok(out)
}

pub(super) fn alignment(
    rig: &Rig,
    browser: &Browser,
    method: &str,
    delay: bool,
    skew_ms: i64,
) -> Result<Figures> {
    let stream = rig.get("/__rig/state")?["cameras"][CAM_FED]["stream"].as_u64().unwrap_or(1);
    let off = if delay { "" } else { "&delay=off" };
    // `rtp-sr-median`: the method as first proposed, anchored on the running median.
    let clock = match method {
        "rtp-sr-median" => "rtp-sr&anchor=0.5",
        m => m,
    };
    let page = format!("{}cameras/{CAM_FED}?clock={clock}{off}", rig.url());
    let raw_name =
        format!("live-probe-{method}-{}-{skew_ms}", if delay { "delay" } else { "nodelay" });
    let probe = probe::record(browser, &page, &rig.url(), PROBE_MS, &raw_name)?;
    let truth = truth(rig, stream)?;
    let mut f = analyze(method, skew_ms, &probe, &truth);
    f.delay = delay;
    f.delay_ms = probe["delayMs"].as_str().and_then(|d| d.parse().ok());
    Ok(f)
}

fn analyze(method: &str, skew_ms: i64, probe: &Value, truth: &Truth) -> Figures {
    let numbering = FrameNumbering::learn(probe);
    let mut f = Figures {
        method: method.into(),
        delay: true,
        delay_ms: None,
        skew_ms,
        frames: 0,
        with_boxes: 0,
        exact: 0,
        within_one: 0,
        later: 0,
        earlier: 0,
        none: 0,
        unmatched: 0,
        worst_frames: 0,
        clock_median_ms: f64::NAN,
        clock_p95_abs_ms: f64::NAN,
        clock_max_abs_ms: f64::NAN,
        first_aligned_ms: None,
        steady_frames: 0,
        steady_exact: 0,
        clocks: BTreeMap::new(),
        pixel_reads: numbering.as_ref().map_or(0, |f| f.reads),
    };
    let Some(numbering) = numbering else { return f };
    let mut clock_errors = Vec::new();
    for s in probe["samples"].as_array().into_iter().flatten() {
        let Some(n) = s["rtp"].as_u64().and_then(|rtp| numbering.frame(rtp)) else { continue };
        f.frames += 1;
        if f.first_aligned_ms.is_some() {
            f.steady_frames += 1;
        }
        *f.clocks.entry(s["clock"].as_str().unwrap_or_default().to_owned()).or_default() += 1;
        let own_method = s["clock"].as_str() == Some(method.trim_end_matches("-median"));
        if let (Some((true_us, _)), Some(vas), true) =
            (truth.get(&n), s["vas"].as_f64().filter(|v| *v > 0.0), own_method)
        {
            clock_errors.push((vas - *true_us as f64) / 1000.0);
        }
        let drawn: Vec<(i64, f64, f64)> = s["boxes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|b| Some((b[0].as_i64()?, b[1].as_f64()?, b[2].as_f64()?)))
            .collect();
        if drawn.is_empty() {
            f.none += 1;
            continue;
        }
        // The source frame whose boxes lie closest to the drawn ones.
        let best = (n - 15..=n + 15)
            .filter_map(|m| {
                let (_, boxes) = truth.get(&m)?;
                let errs: Vec<f64> = drawn
                    .iter()
                    .filter_map(|(t, x, y)| boxes.get(t).map(|(bx, by)| (x - bx).hypot(y - by)))
                    .collect();
                (!errs.is_empty()).then(|| (m, errs.iter().sum::<f64>() / errs.len() as f64))
            })
            .min_by(|a, b| a.1.total_cmp(&b.1));
        let Some((m, err)) = best.filter(|(_, e)| *e < 2.5) else {
            f.unmatched += 1;
            continue;
        };
        let _ = err;
        f.with_boxes += 1;
        let d = m - n;
        f.worst_frames = f.worst_frames.max(d.abs());
        match d {
            0 => {
                f.exact += 1;
                if f.first_aligned_ms.is_none() {
                    f.first_aligned_ms = s["t"].as_f64();
                    f.steady_frames += 1;
                }
                f.steady_exact += 1;
            }
            d if d > 0 => f.later += 1,
            _ => f.earlier += 1,
        }
        if d.abs() <= 1 {
            f.within_one += 1;
        }
    }
    if !clock_errors.is_empty() {
        clock_errors.sort_by(f64::total_cmp);
        f.clock_median_ms = clock_errors[clock_errors.len() / 2];
        let mut abs: Vec<f64> = clock_errors.iter().map(|e| e.abs()).collect();
        abs.sort_by(f64::total_cmp);
        f.clock_p95_abs_ms = abs[(abs.len() * 95 / 100).min(abs.len() - 1)];
        f.clock_max_abs_ms = *abs.last().unwrap_or(&f64::NAN);
    }
    f
}

fn pct(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        100.0 * a as f64 / b as f64
    }
}

pub(super) fn print_figures(all: &[Figures]) {
    println!("  alignment on the real SFU ({} s per run, events posted {EVENT_LATENESS_MS} ms after their frame):", PROBE_MS / 1000);
    println!("  method        delay_ms skew_ms frames exact% within1% later none earlier unmatched worst_frames clock_med_ms clock_p95_ms clock_max_ms first_aligned_ms steady_exact%");
    for f in all {
        println!(
            "  {:13} {:>8} {:7} {:6} {:6.1} {:8.1} {:5} {:4} {:7} {:9} {:12} {:12.1} {:12.1} {:12.1} {:>16} {:13.1}",
            f.method,
            if f.delay { f.delay_ms.map_or("?".into(), |d| format!("{d:.0}")) } else { "off".into() },
            f.skew_ms,
            f.frames,
            pct(f.exact, f.frames),
            pct(f.within_one, f.frames),
            f.later,
            f.none,
            f.earlier,
            f.unmatched,
            f.worst_frames,
            f.clock_median_ms,
            f.clock_p95_abs_ms,
            f.clock_max_abs_ms,
            f.first_aligned_ms.map_or("never".into(), |t| format!("{t:.0}")),
            pct(f.steady_exact, f.steady_frames)
        );
    }
}

/// The pass criteria of one run (the figures themselves are reported either way).
pub(super) fn check_alignment(f: &Figures) -> Result<usize> {
    let (delay, skew_ms) = (if f.delay { "on" } else { "off" }, f.skew_ms);
    let check = |cond: bool, what: &str| {
        let what = format!("{} (delay {delay}, skew {skew_ms} ms): {what}", f.method);
        expect(cond, &what, format!("{f:?}"))
    };
    check(f.frames >= 400 && f.pixel_reads >= 400, "at least 400 presented frames seen")?;
    if f.method == "rtp-sr" && !f.delay {
        // Without the playout delay the frame's own event is not there in time.
        check(f.later == 0, "never a box from a later frame")?;
        return Ok(2);
    }
    if f.method == "rtp-sr" {
        check(f.clock_p95_abs_ms < 16.7, "frame clock within half a frame (p95)")?;
        check(f.later == 0, "never a box from a later frame")?;
        let own = pct(f.within_one, f.frames) >= 50.0;
        check(own, "most frames carry boxes of their own frame (within one)")?;
        return Ok(4);
    }
    Ok(1)
}

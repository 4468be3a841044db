//! End-to-end, HLS segment faults: the recordings page plays past missing and damaged segments, with the overlay on the frames shown.
//!
//! Each row opens the recordings page (the program date-time camera, whose
//! exact mapping lets boxes be scored to the pixel) in a fresh browser (a
//! segment fetched earlier would come from the HTTP cache, since VAS serves
//! segments cacheable for a year), with segments made missing (404) or
//! damaged (bytes that are not media) by the demo backend. It seeks a few
//! seconds before the hole and watches in the page, frame by frame: seconds
//! played, jumps of the playhead, the longest stall, the longest gap between
//! animation frames, any alert, and every presented frame's own index (read
//! from its pixels) with the boxes drawn on it. The boxes of the frames after
//! the hole are scored against the recording's truth, as in `recordings.rs`.
//! The newest segment missing is waited for, not skipped past the end; when
//! the fault clears it plays.
//!
//! One more row serves playlists past the viewer's limit
//! (`MAX_PLAYLIST_BYTES`) to hls.js's reloads while the recording plays: the
//! viewer refuses them unparsed (hls.js retries, as after a failed load),
//! the video and the overlay go on, and the next playlist of normal size is
//! taken. The emulator's log shows every oversized playlist sent; the
//! video's duration, unchanged, shows none was parsed (its synthetic
//! entries would have made it days long).

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{anyhow, bail, Context};
use serde_json::{json, Value};

use vas_overlay_viewer::core::clock::recording::hls_playlist::MAX_PLAYLIST_BYTES;

use super::recordings::{Score, Truth, TOLERANCE_PX, WAIT_DRAWN};
use crate::browser::page_scripts::polling_script;
use crate::browser::Browser;
use crate::Result;
use vas_emulator::{Faults, LogEntry, RunningBackend};

/// The dev-only camera whose playlist carries program date-time (exact mapping).
const CAMERA: &str = "5f0c2d7e-8a41-4c3b-9e6d-2b7a1c4d8e90";
/// Seconds of playback watched before the hole.
const LEAD_SECS: f64 = 3.0;
/// Seconds of playback watched after the landing point.
const AFTER_SECS: f64 = 3.0;
/// A playhead step larger than this within one animation frame is a jump, not playback.
const JUMP_STEP_SECS: f64 = 0.3;
/// Seconds of playback the oversized-playlist row must see.
const PLAYS_ON_SECS: f64 = 4.0;
/// How long the newest-segment row waits at the hole before the fault clears.
const NEWEST_HOLD_MS: u64 = 4_000;
/// An observation that ends only at its media time or its limit.
const NO_HOLD: u64 = u64::MAX / 2;
/// The oversized playlist row: playlists of this many MiB (past the
/// viewer's limit), this many times in a row (a reload and hls.js's first
/// retry; its second retry gets a normal one).
const HUGE_PLAYLIST_MB: u32 = 6;
const HUGE_PLAYLISTS: u64 = 2;
/// How long that row waits for the oversized playlists to be asked for and a normal one after them.
const HUGE_PLAYLIST_LIMIT: std::time::Duration = std::time::Duration::from_secs(40);

/// Seeks and waits until the video plays from there.
const SEEK_AND_PLAY: &str = polling_script!(
    r#"
const [target, limitMs, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
const video = document.querySelector('video');
const t0 = performance.now();
video.currentTime = target;
poll({done, limitMs, t0}, (now, timedOut) => {
  if (!video.seeking && video.currentTime >= target + 0.2 && !video.paused) return {ms: performance.now() - t0, ct: video.currentTime};
  if (timedOut()) return {timeout: true, ct: video.currentTime, seeking: video.seeking, rs: video.readyState};
});
"#
);

/// Watches playback until the playhead passes `stopAt` (media seconds), or
/// `holdMs` after it first reached `gapStart`, or `limitMs`. Per animation
/// frame: playhead steps (played, jumps), stalls, the frame interval, alerts.
/// Per presented frame: its index from its pixels; per newly drawn overlay
/// frame: the boxes, as `recordings.rs` samples them, with the time.
const OBSERVE: &str = polling_script!(
    r#"
const [p, done] = [arguments[0], arguments[arguments.length - 1]];
const video = document.querySelector('video');
const root = document.querySelector('[data-overlay-root]');
const fc = p.fc;
"#,
    super::recordings::frame_code_reader!(),
    r#"const t0 = performance.now();
let last = null, lastFrame = null, worstGap = 0, played = 0, stallStart = null, longestStall = 0, maxCt = 0;
let reachedAt = null, alert = null, lastMt = null;
const jumps = [], samples = [];
poll({done, limitMs: p.limitMs, t0, firstFrame: true}, (now, timedOut) => {
  const ct = video.currentTime;
  if (lastFrame !== null) worstGap = Math.max(worstGap, now - lastFrame);
  lastFrame = now;
  if (last !== null) {
    const step = ct - last;
    if (step > p.jumpStep) jumps.push({from: last, to: ct, at: now - t0});
    else if (step > 0) played += step;
    if (step === 0 && !video.paused) {
      if (stallStart === null) stallStart = now;
      longestStall = Math.max(longestStall, now - stallStart);
    } else stallStart = null;
  }
  last = ct;
  maxCt = Math.max(maxCt, ct);
  if (reachedAt === null && ct >= p.gapStart - 0.1) reachedAt = now;
  const a = document.querySelector('[role=alert]');
  if (a && alert === null) alert = a.textContent;
  const mt = root.getAttribute('data-media-time');
  const code = codes.get(mt);
  if (mt !== lastMt && code !== undefined) {
    lastMt = mt;
    const vr = video.getBoundingClientRect();
    const boxes = [...root.querySelectorAll('[data-kind=box]')].filter(b => b.style.display !== 'none').map(b => {
      const r = b.getBoundingClientRect(), cs = getComputedStyle(b), px = v => parseFloat(v) || 0;
      return {model: b.dataset.model, track: b.dataset.track, r: [r.left - vr.left, r.top - vr.top, r.right - vr.left, r.bottom - vr.top],
        border: [px(cs.borderLeftWidth) + px(cs.borderRightWidth), px(cs.borderTopWidth) + px(cs.borderBottomWidth)]};
    });
    samples.push({t: now - t0, mt: parseFloat(mt), code, ft: root.getAttribute('data-frame-time-us'), off: root.getAttribute('data-clock-offset-us'), clock: root.getAttribute('data-clock'),
      note: root.getAttribute('data-clock-note'), boxes, w: vr.width, h: vr.height, vw: video.videoWidth, vh: video.videoHeight});
  }
  const held = reachedAt !== null && now - reachedAt >= p.holdMs;
  if (ct >= p.stopAt || held || timedOut(now)) {
    active = false;
    return {played, jumps, longestStallMs: longestStall, worstGapMs: worstGap, alert, maxCt, ct, paused: video.paused,
      reachedAtMs: reachedAt === null ? null : reachedAt - t0, samples, timeout: !(ct >= p.stopAt || held)};
  }
});
"#
);

/// A segment of the demo recording on the player's media timeline.
struct Segment {
    number: u64,
    run: u64,
    start: f64,
    end: f64,
}

fn segments(root: &Path) -> Result<Vec<Segment>> {
    let path = root.join("static/demo/recording/recording.json");
    let text = std::fs::read_to_string(&path).map_err(|e| anyhow!("{}: {e:#}", path.display()))?;
    let v: Value = serde_json::from_str(&text).map_err(|e| anyhow!("{}: {e:#}", path.display()))?;
    let mut start = 0.0;
    let mut out = Vec::new();
    for s in v["segments"].as_array().into_iter().flatten() {
        let (Some(number), Some(run), Some(extinf)) =
            (s["number"].as_u64(), s["run"].as_u64(), s["extinf"].as_f64())
        else {
            bail!("{}: a segment without number, run or extinf", path.display());
        };
        out.push(Segment { number, run, start, end: start + extinf });
        start += extinf;
    }
    Ok(out)
}

/// One row: which segments fail and how.
struct Case {
    name: &'static str,
    missing: Vec<u64>,
    garbage: Vec<u64>,
}

fn cases(segs: &[Segment]) -> Result<Vec<Case>> {
    let first_of_run = |r: u64| {
        segs.iter()
            .position(|s| s.run == r)
            .with_context(|| format!("the demo recording has no run {}", r + 1))
    };
    let (run2, run3) = (first_of_run(1)?, first_of_run(2)?);
    let n = |i: usize| segs[i].number;
    Ok(vec![
        Case { name: "one segment 404 mid-run", missing: vec![n(run3 + 1)], garbage: vec![] },
        Case {
            name: "two segments 404 across a recorder restart",
            missing: vec![n(run2 - 1), n(run2)],
            garbage: vec![],
        },
        Case { name: "one damaged segment (not media)", missing: vec![], garbage: vec![n(1)] },
        Case { name: "the newest segment 404", missing: vec![n(segs.len() - 1)], garbage: vec![] },
    ])
}

fn check(cond: bool, what: &str, detail: &str) -> Result {
    super::ensure("e2e HLS faults", cond, what, detail)
}

/// What one observation says about the boxes after `from` (media seconds).
struct Boxes {
    /// Every frame from the first one drawn with boxes on.
    score: Score,
    /// Frames shown with no boxes at all before that: the overlay waiting for
    /// the events of a new time (a jump across a restart is like a far seek).
    empty_before: usize,
    /// Milliseconds from the hole being reached to the first frame with every box within tolerance.
    first_aligned_ms: Option<f64>,
}

fn score_after(truth: &Truth, o: &Value, from: f64, reached_ms: f64) -> Boxes {
    let mut score = Score::default();
    let mut first_aligned_ms = None;
    let mut empty_before = 0;
    let mut drawing = false;
    for s in o["samples"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["mt"].as_f64().is_some_and(|m| m >= from))
    {
        // Nothing drawn is the overlay degrading silently; boxes drawn must be right.
        drawing |= s["boxes"].as_array().is_some_and(|b| !b.is_empty());
        if !drawing {
            empty_before += 1;
            continue;
        }
        score.add(truth, s);
        let mut one = Score::default();
        one.add(truth, s);
        if first_aligned_ms.is_none() && one.box_scored == 1 && one.within == 1 {
            first_aligned_ms = s["t"].as_f64().map(|t| t - reached_ms);
        }
    }
    Boxes { score, empty_before, first_aligned_ms }
}

fn observe(
    browser: &Browser,
    gap_start: f64,
    stop_at: f64,
    hold_ms: u64,
    limit_ms: u64,
    truth: &Truth,
) -> Result<Value> {
    let p = json!({"gapStart": gap_start, "stopAt": stop_at, "holdMs": hold_ms, "limitMs": limit_ms, "jumpStep": JUMP_STEP_SECS, "fc": truth.frame_code});
    browser.execute_async(OBSERVE, json!([p]))
}

/// The worst box error for the table: px, or that a box was missing.
fn worst_px_text(scored: &Score) -> String {
    if scored.worst_px.is_finite() {
        format!("{:.2}", scored.worst_px)
    } else {
        "a box missing".into()
    }
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

/// Runs the rows; returns the number of checks passed and writes the table.
pub fn run(backend: &RunningBackend, base: &str, root: &Path) -> Result<usize> {
    let truth = Truth::load(root)?;
    let segs = segments(root)?;
    let page = format!("{base}cameras/{CAMERA}/recordings?{}", super::recordings::AT_RUN_1);
    let mut passed = 0;
    let mut ok = |cond: bool, what: &str, detail: &str| -> Result {
        check(cond, what, detail)?;
        passed += 1;
        Ok(())
    };
    let mut table = String::from(
        "HLS segment and playlist faults, end to end (recordings page, hls.js, program date-time camera; boxes within 2 css px of the truth)\n\
         | fault | played | jump | longest stall | worst rAF gap | boxes after the gap | gap to aligned boxes | alert | responsive |\n\
         |---|---|---|---|---|---|---|---|---|\n",
    );
    for case in cases(&segs)? {
        let mut case_ok = |cond: bool, what: &str, detail: &str| {
            ok(cond, &format!("{}: {what}", case.name), detail)
        };
        let faulty: Vec<&Segment> = segs
            .iter()
            .filter(|s| case.missing.contains(&s.number) || case.garbage.contains(&s.number))
            .collect();
        let (Some(first), Some(last)) = (faulty.first(), faulty.last()) else {
            bail!("e2e HLS faults: {}: no such segments", case.name);
        };
        let gap_start = first.start;
        // Where playback should land: the next segment after the faulty ones (none: the newest is missing).
        let resume = segs.iter().find(|s| s.start >= last.end - 1e-6).map(|s| s.start);
        backend.reset();
        super::switch_faults(
            backend,
            Faults {
                missing_segments: case.missing.iter().map(u64::to_string).collect(),
                garbage_segments: case.garbage.iter().map(u64::to_string).collect(),
                ..Faults::default()
            },
        )?;
        // A fresh browser: an empty HTTP cache, so every segment is asked for.
        let browser = Browser::start()?;
        browser.set_script_timeout(90_000)?;
        browser.goto(&page)?;
        let first_boxes = browser.execute_async(WAIT_DRAWN, json!([0.5, 30_000]))?;
        case_ok(
            first_boxes["timeout"].is_null(),
            "boxes on the playing recording",
            &first_boxes.to_string(),
        )?;
        let seek_to = (gap_start - LEAD_SECS).max(0.5);
        let s = browser.execute_async(SEEK_AND_PLAY, json!([seek_to, 20_000]))?;
        case_ok(s["timeout"].is_null(), &format!("plays from {seek_to:.1} s"), &s.to_string())?;

        let detail = |o: &Value| {
            let mut o = o.clone();
            o["samples"] = json!(o["samples"].as_array().map_or(0, Vec::len));
            o.to_string()
        };
        let (o, boxes, jump_text) = match resume {
            Some(resume) => {
                let o = observe(&browser, gap_start, resume + AFTER_SECS, NO_HOLD, 40_000, &truth)?;
                let jumps: Vec<(f64, f64)> = o["jumps"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|j| (f(&j["from"]), f(&j["to"])))
                    .collect();
                let jumped: f64 = jumps.iter().map(|(a, b)| b - a).sum();
                case_ok(o["timeout"] == false, "the video plays past the hole", &detail(&o))?;
                case_ok(
                    jumps.first().is_some_and(|j| j.0 >= gap_start - 0.5) && jumps.last().is_some_and(|j| (j.1 - resume).abs() < 0.3),
                    &format!("playback jumps from the hole at {gap_start:.1} s to the next playable segment at {resume:.1} s"),
                    &detail(&o),
                )?;
                case_ok(
                    (jumped - (resume - gap_start)).abs() < 0.5,
                    "only the hole is skipped",
                    &detail(&o),
                )?;
                let boxes = score_after(&truth, &o, resume, f(&o["reachedAtMs"]));
                let jump_text = format!(
                    "{:.1} -> {:.1} s ({jumped:.1} s in {} jump{})",
                    jumps[0].0,
                    jumps[jumps.len() - 1].1,
                    jumps.len(),
                    if jumps.len() == 1 { "" } else { "s" }
                );
                (o, boxes, jump_text)
            }
            None => {
                // The newest segment: wait at the hole, never past it...
                let o = observe(&browser, gap_start, f64::MAX, NEWEST_HOLD_MS, 40_000, &truth)?;
                case_ok(
                    o["timeout"] == false,
                    "the playhead reaches the newest segment",
                    &detail(&o),
                )?;
                case_ok(
                    o["jumps"].as_array().is_some_and(Vec::is_empty)
                        && f(&o["maxCt"]) < gap_start + 0.05,
                    "no jump past the end while the newest segment is missing",
                    &detail(&o),
                )?;
                case_ok(o["alert"].is_null(), "waiting is silent", &detail(&o))?;
                // ...and play it once it is there.
                super::switch_faults(backend, Faults::default())?;
                let after = observe(&browser, gap_start, gap_start + 0.8, NO_HOLD, 30_000, &truth)?;
                case_ok(
                    after["timeout"] == false,
                    "the newest segment plays once it is there",
                    &detail(&after),
                )?;
                let recovered_ms = after["samples"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|s| f(&s["mt"]) >= gap_start)
                    .map_or(f64::NAN, |s| f(&s["t"]));
                let boxes = score_after(&truth, &after, gap_start, 0.0);
                let text = format!(
                    "none: waited {:.1} s at {gap_start:.1} s, played {recovered_ms:.0} ms after the fault cleared",
                    NEWEST_HOLD_MS as f64 / 1000.0
                );
                (merge(Some(o), after), boxes, text)
            }
        };
        let played = f(&o["played"]);
        case_ok(played >= 2.0, "the video advances", &detail(&o))?;
        case_ok(o["alert"].is_null(), "no alert or error shown", &detail(&o))?;
        case_ok(f(&o["worstGapMs"]) < 1_000.0, "the page stays responsive", &detail(&o))?;
        let stall_bound_ms = if resume.is_some() { 3_000.0 } else { f64::INFINITY };
        case_ok(
            f(&o["longestStallMs"]) < stall_bound_ms,
            "the stall at the hole is short",
            &detail(&o),
        )?;
        let scored = &boxes.score;
        case_ok(
            scored.box_scored >= 5 && scored.within == scored.box_scored,
            "boxes after the gap aligned with the frame shown",
            &scored.detail(case.name),
        )?;
        // The page answers a script promptly after all this.
        let ping = browser.execute_async("const d = arguments[arguments.length - 1]; const t = performance.now(); requestAnimationFrame(() => d(performance.now() - t));", json!([]))?;
        case_ok(f(&ping) < 500.0, "the page answers", &ping.to_string())?;
        let to_aligned =
            boxes.first_aligned_ms.map_or("never".to_owned(), |ms| format!("{ms:.0} ms"));
        // The newest segment's hole was reached long before: its clock starts when the fault clears.
        let to_aligned = if resume.is_some() {
            to_aligned
        } else {
            format!("{to_aligned} after the fault cleared")
        };
        let worst = worst_px_text(scored);
        writeln!(
            table,
            "| {} | {played:.1} s | {jump_text} | {:.0} ms | {:.0} ms | {}/{} within {TOLERANCE_PX} px (worst {worst} px), {} empty before | {to_aligned} | none | yes ({:.0} ms) |",
            case.name,
            f(&o["longestStallMs"]),
            f(&o["worstGapMs"]),
            scored.within,
            scored.box_scored,
            boxes.empty_before,
            f(&ping),
        )
        .ok();
        println!("  ok: {}: played {played:.1} s, jump {jump_text}, boxes {}/{} aligned, silent, responsive", case.name, scored.within, scored.box_scored);
        drop(browser);
    }
    passed += oversized_playlist(backend, &page, &truth, &mut table)?;
    backend.reset();
    let out = root.join("target/figures");
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join("hls-faults.txt"), &table)?;
    println!("  table: target/figures/hls-faults.txt");
    Ok(passed)
}

/// Two observations as one: playback added up, the worst of the rest, samples and jumps in order.
fn merge(a: Option<Value>, b: Value) -> Value {
    let Some(mut a) = a else { return b };
    a["played"] = json!(f(&a["played"]) + f(&b["played"]));
    for k in ["longestStallMs", "worstGapMs"] {
        a[k] = json!(f(&a[k]).max(f(&b[k])));
    }
    for k in ["jumps", "samples"] {
        let more = b[k].as_array().cloned().unwrap_or_default();
        if let Some(list) = a[k].as_array_mut() {
            list.extend(more);
        }
    }
    if a["alert"].is_null() {
        a["alert"] = b["alert"].clone();
    }
    a["timeout"] = json!(a["timeout"] == true || b["timeout"] == true);
    for k in ["ct", "maxCt", "paused"] {
        a[k] = b[k].clone();
    }
    a
}

/// The row of oversized playlists: refused while the recording plays on, with proof they were sent.
fn oversized_playlist(
    backend: &RunningBackend,
    page: &str,
    truth: &Truth,
    table: &mut String,
) -> Result<usize> {
    let name = format!(
        "playlist of {HUGE_PLAYLIST_MB} MiB (limit {} MiB) on {HUGE_PLAYLISTS} loads",
        MAX_PLAYLIST_BYTES >> 20
    );
    let mut passed = 0;
    let mut ok = |cond: bool, what: &str, detail: &str| -> Result {
        check(cond, &format!("{name}: {what}"), detail)?;
        passed += 1;
        Ok(())
    };
    backend.reset();
    let browser = Browser::start()?;
    browser.set_script_timeout(90_000)?;
    browser.goto(page)?;
    let first = browser.execute_async(WAIT_DRAWN, json!([0.5, 30_000]))?;
    ok(first["timeout"].is_null(), "boxes on the playing recording", &first.to_string())?;
    const DURATION: &str =
        "arguments[arguments.length - 1](document.querySelector('video').duration)";
    let duration_before = f(&browser.execute_async(DURATION, json!([]))?);
    let since = backend.request_log().last().map_or(0, |e| e.seq);
    super::switch_faults(
        backend,
        Faults {
            huge_playlist_mb: Some(HUGE_PLAYLIST_MB),
            fail_count: Some(HUGE_PLAYLISTS),
            ..Faults::default()
        },
    )?;
    let playlists = || -> Vec<LogEntry> {
        backend
            .request_log()
            .into_iter()
            .filter(|e| e.seq > since && e.target.ends_with("/playlist"))
            .collect()
    };
    let oversized = |log: &[LogEntry]| {
        log.iter().filter(|e| e.fault.as_deref() == Some("huge_playlist_mb")).count() as u64
    };
    // Watch playback 2 s at a time until hls.js has asked for every oversized
    // playlist and then for a normal one (the emulator's log says when).
    let started = std::time::Instant::now();
    let mut at = f(&first["mt"]);
    let mut watched = None;
    loop {
        let o = observe(&browser, f64::MAX, at + 2.0, NO_HOLD, 20_000, truth)?;
        at = f(&o["ct"]);
        watched = Some(merge(watched, o));
        let log = playlists();
        let normal_after =
            log.iter().rev().take_while(|e| e.fault.is_none()).filter(|e| e.status == 200).count();
        if (oversized(&log) == HUGE_PLAYLISTS && normal_after > 0)
            || started.elapsed() > HUGE_PLAYLIST_LIMIT
        {
            break;
        }
    }
    // And on, past the normal playlist, for longer than "plays on" asks: the
    // faults can be over within the first window, which starts at the last
    // media time drawn, a little behind the playhead.
    let o = merge(
        watched,
        observe(&browser, f64::MAX, at + PLAYS_ON_SECS + 0.5, NO_HOLD, 20_000, truth)?,
    );
    let log = playlists();
    let sizes: Vec<String> = log
        .iter()
        .map(|e| format!("{}{}", e.bytes, if e.fault.is_some() { " (oversized)" } else { "" }))
        .collect();
    let fired = format!(
        "playlists sent since the fault was set, bytes: {sizes:?}; fail_count left {:?}",
        backend.faults().fail_count
    );
    ok(
        oversized(&log) == HUGE_PLAYLISTS && backend.faults().fail_count == Some(0),
        "the fault fired on every oversized playlist",
        &fired,
    )?;
    ok(
        log.iter().filter(|e| e.fault.is_some()).all(|e| e.bytes > MAX_PLAYLIST_BYTES as u64),
        "each was past the limit",
        &fired,
    )?;
    let normal_after =
        log.iter().rev().take_while(|e| e.fault.is_none()).filter(|e| e.status == 200).count();
    ok(normal_after > 0, "hls.js asks again and gets a normal playlist", &fired)?;
    let duration_after = f(&browser.execute_async(DURATION, json!([]))?);
    let durations = format!("video duration {duration_before} s before, {duration_after} s after");
    ok(
        duration_before.is_finite() && duration_after == duration_before,
        "no oversized playlist was parsed",
        &durations,
    )?;
    let detail = {
        let mut d = o.clone();
        d["samples"] = json!(d["samples"].as_array().map_or(0, Vec::len));
        d.to_string()
    };
    let played = f(&o["played"]);
    ok(played >= PLAYS_ON_SECS && o["paused"] == false, "the video plays on", &detail)?;
    ok(o["jumps"].as_array().is_some_and(Vec::is_empty), "no jump", &detail)?;
    ok(f(&o["longestStallMs"]) < 1_000.0, "no stall", &detail)?;
    ok(o["alert"].is_null(), "no alert or error shown", &detail)?;
    ok(f(&o["worstGapMs"]) < 1_000.0, "the page stays responsive", &detail)?;
    let boxes = score_after(truth, &o, 0.0, 0.0);
    let scored = &boxes.score;
    ok(
        scored.box_scored >= 5 && scored.within == scored.box_scored && boxes.empty_before == 0,
        "boxes aligned with the frame shown throughout",
        &scored.detail(&name),
    )?;
    let worst = worst_px_text(scored);
    writeln!(
        table,
        "| {name} | {played:.1} s | none | {:.0} ms | {:.0} ms | {}/{} within {TOLERANCE_PX} px (worst {worst} px), {} empty | no gap; refused {HUGE_PLAYLISTS} x {} bytes, then a normal one loaded, duration unchanged ({duration_after:.1} s) | none | yes |",
        f(&o["longestStallMs"]),
        f(&o["worstGapMs"]),
        scored.within,
        scored.box_scored,
        boxes.empty_before,
        log.iter().find(|e| e.fault.is_some()).map_or(0, |e| e.bytes),
    )
    .ok();
    println!("  ok: {name}: refused, played {played:.1} s, boxes {}/{} aligned, silent; {fired}; {durations}", scored.within, scored.box_scored);
    Ok(passed)
}

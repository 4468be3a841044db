//! Where a recordings page opens: the newest recording, a time asked for with `at`, a time not recorded, a malformed time.

use std::fmt::Write as _;

use serde_json::{json, Value};

use super::scripts::OPENED;
use super::{expect, say, Truth, CAMERA, PDT_CAMERA};
use crate::browser::Browser;
use crate::Result;

/// Where a page opens: at the newest recording by default, at the frame
/// nearest a time asked for with `at`, at the nearest recorded moment (and
/// saying so) for a time VAS does not hold, and never for a malformed time.
pub(super) fn opening(
    browser: &Browser,
    base: &str,
    truth: &Truth,
    report: &mut String,
) -> Result<usize> {
    let open = |camera: &str, query: &str| -> Result<Value> {
        browser.goto(&format!("{base}cameras/{camera}/recordings{query}"))?;
        browser.execute_async(OPENED, json!([30_000]))
    };
    // Default: the newest recording (hls.js's live start, three 6 s target durations before the end).
    let newest = open(CAMERA, "")?;
    let end = truth.media_start_of_run(truth.runs.len() - 1);
    let duration = newest["duration"].as_f64().unwrap_or(f64::NAN);
    let line = format!("opened without `at`: media {:.2} s of {duration:.2} s (the newest run starts at {end:.2} s), boxes after {:.0} ms", newest["mt"].as_f64().unwrap_or(f64::NAN), newest["ms"].as_f64().unwrap_or(f64::NAN));
    say(report, &line);
    expect(
        newest["timeout"].is_null() && newest["alert"].is_null(),
        "without `at`, boxes are drawn",
        &newest.to_string(),
    )?;
    expect(
        newest["mt"].as_f64().is_some_and(|m| m >= end && m >= duration - 3.0 * 6.0 - 1.0),
        "without `at`, the page opens at the newest recording",
        &newest.to_string(),
    )?;
    // A time in run 3, exact clock: the first frame drawn is the one asked for (or just after, as it plays).
    let asked = "2026-01-05T13:32:20Z";
    let asked_us = vas_overlay_viewer::core::time::parse_rfc3339(asked).map_or(0, |t| t.0);
    // The wall time of the frame drawn after the time asked (ms).
    let after_asked_ms = |v: &Value| {
        (v["frameUs"].as_i64().unwrap_or(i64::MIN).saturating_sub(asked_us)) as f64 / 1e3
    };
    let inside = open(PDT_CAMERA, &format!("?at={asked}"))?;
    let late_ms = after_asked_ms(&inside);
    let line = format!("opened at {asked} (program date-time): first frame drawn {late_ms:.0} ms after the time asked, {:.0} ms after load", inside["ms"].as_f64().unwrap_or(f64::NAN));
    say(report, &line);
    expect(
        inside["timeout"].is_null() && inside["note"].is_null(),
        "`at` inside a run: boxes, no note",
        &inside.to_string(),
    )?;
    expect(
        (-40.0..3_000.0).contains(&late_ms),
        "`at` inside a run: the frame drawn is the one asked for, or played on from it",
        &inside.to_string(),
    )?;
    // VAS's own playlist (segment numbers, Last-Modified): within a second.
    let vas = open(CAMERA, &format!("?at={asked}"))?;
    let off_ms = after_asked_ms(&vas);
    expect(
        (-1_000.0..4_000.0).contains(&off_ms),
        "`at` on VAS's playlist: the frame drawn is within a second of the time asked",
        &vas.to_string(),
    )?;
    // Between runs 1 and 2: not recorded, said, and played from the nearest recorded moment (the end of run 1).
    let between = open(PDT_CAMERA, "?at=2026-01-05T13:02:00Z")?;
    let note = between["note"].as_str().unwrap_or_default().to_owned();
    writeln!(report, "opened at 13:02:00 (between runs): {note}").ok();
    expect(
        note.contains("no recording at 2026-01-05T13:02:00Z")
            && note.contains("2026-01-05T13:00:21"),
        "`at` between runs: the page says so and names the nearest recording",
        &between.to_string(),
    )?;
    // Its last frame is where playback starts: boxes are drawn there or just after, as run 2 plays on.
    let run_2 = truth.media_start_of_run(1);
    expect(
        between["mt"].as_f64().is_some_and(|m| (run_2 - 0.2..run_2 + 1.5).contains(&m)),
        "`at` between runs: playback from the end of run 1",
        &between.to_string(),
    )?;
    // A malformed time: refused with a message, nothing played.
    let bad = open(CAMERA, "?at=13:02")?;
    expect(
        bad["paramError"] == "at" && bad["alert"].as_str().is_some_and(|a| a.contains("RFC 3339")),
        "a malformed `at` is refused with a message",
        &bad.to_string(),
    )?;
    Ok(7)
}

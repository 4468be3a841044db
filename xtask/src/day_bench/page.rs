//! Measuring one page of the day-recording benchmark in a fresh headless Chromium: navigation, play, pause, memory and the trace of its reloads.

use std::time::Duration;

use anyhow::Context;
use serde_json::{json, Value};

use super::report::show;
use super::scripts::{INSTRUMENT, MEMORY, PAUSE_PLAY, WAIT_FIRST};
use super::{
    day_newest, Memory, Newest, PageOptions, PageRun, Reload, AFTER_RELOAD_MS, LIMIT_MS, PAUSE_MS,
    SYNC_MARK,
};
use crate::browser::{Browser, CdpClient};
use crate::Result;
use vas_emulator::RunningBackend;

/// A fresh browser whose pages all run the instrumentation first.
fn open_browser() -> Result<(Browser, CdpClient)> {
    let browser = Browser::start_with(&["--enable-precise-memory-info"])?;
    browser.set_script_timeout(PAUSE_MS + LIMIT_MS + 30_000)?;
    let mut cdp = browser.devtools_page()?;
    cdp.call("Page.enable", json!({}))?;
    // Without Page.enable the script is accepted but never runs.
    cdp.call("Page.addScriptToEvaluateOnNewDocument", json!({"source": INSTRUMENT}))?;
    Ok((browser, cdp))
}

/// A page script's answer; a WebDriver error (its script timeout included) becomes a timeout answer.
pub(super) fn script(browser: &Browser, source: &str, args: Value) -> Value {
    browser
        .execute_async(source, args)
        .unwrap_or_else(|e| json!({"timeout": true, "error": format!("{e:#}")}))
}

pub(super) fn memory(cdp: &mut CdpClient) -> Result<Memory> {
    cdp.call("HeapProfiler.collectGarbage", json!({}))?;
    let m = cdp.eval(MEMORY)?;
    let wasm = crate::rig::live_memory::wasm_memory_bytes(cdp).ok().filter(|b| *b > 0.0);
    Ok(Memory {
        js_used: m["used"].as_f64().unwrap_or(f64::NAN),
        js_total: m["total"].as_f64().unwrap_or(f64::NAN),
        wasm,
    })
}

/// A page that could not be measured at all: its cells say so, the run goes on.
pub(super) fn measure_page(opts: &PageOptions, newest: &dyn Fn() -> Option<Newest>) -> PageRun {
    measure_page_or_fail(opts, newest).unwrap_or_else(|e| {
        println!("  the page could not be measured: {e:#}");
        PageRun {
            first: json!({"error": format!("{e:#}")}),
            snap: None,
            day_speed: opts.day_speed,
            newest_end_us: None,
            memory_start: None,
            window: Value::Null,
            segments_gained: 0,
            reloads: Vec::new(),
            trace_note: "no trace".into(),
            pause: None,
            memory_end: None,
            errors: vec![format!("not measured: {e}")],
        }
    })
}

fn measure_page_or_fail(
    opts: &PageOptions,
    newest: &dyn Fn() -> Option<Newest>,
) -> Result<PageRun> {
    let (browser, mut cdp) = open_browser()?;
    let mut errors = Vec::new();
    browser.goto(&opts.url)?;
    let first = script(&browser, WAIT_FIRST, json!([LIMIT_MS]));
    let snap = newest();
    let newest_end_us = snap.map(|n| n.end_us);
    println!(
        "  first frame {} ms, first boxes {} ms{}",
        show(&first["firstFrameMs"]),
        show(&first["firstBoxesMs"]),
        if first["timeout"] == true { " (timeout)" } else { "" }
    );
    let memory_start = if opts.memory_at_start {
        memory(&mut cdp).map_err(|e| errors.push(format!("memory at start: {e}"))).ok()
    } else {
        None
    };
    // The measured period, traced (top-level tasks and the sync mark only, to keep the trace small).
    let traced = cdp
        .call(
            "Tracing.start",
            json!({"traceConfig": {"includedCategories": ["toplevel", "blink.user_timing"], "excludedCategories": ["*"], "recordMode": "recordUntilFull"},
                   "transferMode": "ReportEvents"}),
        )
        .and_then(|_| cdp.eval(&format!("performance.mark('{SYNC_MARK}').startTime")))
        .map_err(|e| errors.push(format!("trace not started: {e}")))
        .ok();
    let newest_at_start = newest();
    cdp.eval("window.__dayBench.windowStart()")?;
    println!("  playing {:.1} min", opts.window.as_secs_f64() / 60.0);
    // The period is a duration, not something to wait for.
    std::thread::sleep(opts.window);
    let window = cdp.eval("window.__dayBench.windowStop()")?;
    let newest_at_end = newest();
    let segments_gained = match (newest_at_start, newest_at_end) {
        (Some(a), Some(b)) => b.number.saturating_sub(a.number),
        _ => 0,
    };
    let (tasks, trace_note) = match traced.as_ref().and_then(Value::as_f64) {
        Some(sync_ms) => match end_trace(&mut cdp, sync_ms) {
            Ok((tasks, note)) => (Some(tasks), note),
            Err(e) => (None, format!("no trace ({e:#}): animation-frame gaps instead")),
        },
        None => (None, "no trace: animation-frame gaps instead".into()),
    };
    let reloads = reloads(&window, tasks.as_deref());
    println!(
        "  {} reloads, frames with boxes {} of {}, long tasks {}",
        reloads.len(),
        show(&window["withBoxes"]),
        show(&window["frames"]),
        window["longtasks"].as_array().map_or(0, Vec::len)
    );
    let pause = opts.pause.then(|| {
        let p = script(&browser, PAUSE_PLAY, json!([PAUSE_MS, LIMIT_MS]));
        println!("  after a {} s pause: boxes again after {} ms", PAUSE_MS / 1000, show(&p["ms"]));
        p
    });
    let memory_end = memory(&mut cdp).map_err(|e| errors.push(format!("memory at end: {e}"))).ok();
    Ok(PageRun {
        first,
        snap,
        day_speed: opts.day_speed,
        newest_end_us,
        memory_start,
        window,
        segments_gained,
        reloads,
        trace_note,
        pause,
        memory_end,
        errors,
    })
}

/// `?at=`: time to the first boxes and the wall time of the first frame drawn against the time asked.
pub(super) fn measure_at(url: &str, asked_us: i64, backend: &RunningBackend) -> Result<Value> {
    let (browser, _cdp) = open_browser()?;
    browser.goto(url)?;
    let mut v = script(&browser, WAIT_FIRST, json!([LIMIT_MS]));
    let frame_us = v["firstBoxes"]["frameUs"].as_str().and_then(|s| s.parse::<i64>().ok());
    v["offsetMs"] = json!(frame_us.map(|f| (f - asked_us) as f64 / 1000.0));
    v["newestEndUs"] = json!(day_newest(backend).map(|n| n.end_us));
    println!(
        "  first boxes {} ms, first frame drawn {} ms after the time asked",
        show(&v["firstBoxesMs"]),
        show(&v["offsetMs"])
    );
    Ok(v)
}

/// Ends the trace and returns the renderer main thread's top-level tasks as
/// (start, duration) on the page's clock (ms from navigation).
fn end_trace(cdp: &mut CdpClient, sync_ms: f64) -> Result<(Vec<(f64, f64)>, String)> {
    cdp.call("Tracing.end", json!({}))?;
    let mut mark: Option<(Value, Value, f64)> = None;
    // (pid, tid, ts, dur), microseconds: only what the analysis needs, as it arrives.
    let mut slices: Vec<(Value, Value, f64, f64)> = Vec::new();
    let mut events = 0usize;
    let complete = cdp.wait_event("Tracing.tracingComplete", Duration::from_secs(180), |e| {
        if e["method"] != "Tracing.dataCollected" {
            return;
        }
        for t in e["params"]["value"].as_array().into_iter().flatten() {
            events += 1;
            if mark.is_none()
                && t["name"] == SYNC_MARK
                && t["cat"].as_str().is_some_and(|c| c.contains("user_timing"))
            {
                mark = Some((
                    t["pid"].clone(),
                    t["tid"].clone(),
                    t["ts"].as_f64().unwrap_or(f64::NAN),
                ));
            } else if t["ph"] == "X" && t["cat"].as_str().is_some_and(|c| c.contains("toplevel")) {
                if let (Some(ts), Some(dur)) = (t["ts"].as_f64(), t["dur"].as_f64()) {
                    slices.push((t["pid"].clone(), t["tid"].clone(), ts, dur));
                }
            }
        }
    })?;
    let (pid, tid, mark_ts) = mark.context("the trace has no sync mark")?;
    let mut main: Vec<(f64, f64)> =
        slices.into_iter().filter(|s| s.0 == pid && s.1 == tid).map(|s| (s.2, s.3)).collect();
    main.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.total_cmp(&a.1)));
    // Top-level only: a slice inside the previous top-level one is part of it.
    let mut tasks: Vec<(f64, f64)> = Vec::new();
    let mut end = f64::NEG_INFINITY;
    for (ts, dur) in main {
        if ts >= end {
            tasks.push((sync_ms + (ts - mark_ts) / 1000.0, dur / 1000.0));
            end = ts + dur;
        }
    }
    let lost = complete["params"]["dataLossOccurred"] == true;
    let note = format!(
        "trace: {events} events, {} top-level main-thread tasks{}",
        tasks.len(),
        if lost { ", DATA LOSS reported" } else { "" }
    );
    Ok((tasks, note))
}

/// The period's playlist responses with the longest task and worst frame gap in the second after each.
pub(super) fn reloads(window: &Value, tasks: Option<&[(f64, f64)]>) -> Vec<Reload> {
    let gaps: Vec<(f64, f64)> = window["rafGaps"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|g| Some((g[0].as_f64()?, g[1].as_f64()?)))
        .collect();
    window["reloads"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| {
            let end_ms = r["end"].as_f64()?;
            let upto = end_ms + AFTER_RELOAD_MS;
            let task_ms = tasks.map(|t| {
                t.iter()
                    .filter(|(s, d)| s + d > end_ms && *s < upto)
                    .map(|(_, d)| *d)
                    .fold(0.0, f64::max)
            });
            let raf_gap_ms = gaps
                .iter()
                .filter(|(s, g)| s + g > end_ms && *s < upto)
                .map(|(_, g)| *g)
                .fold(0.0, f64::max);
            let n = |k: &str| r[k].as_f64().unwrap_or(f64::NAN);
            Some(Reload {
                end_ms,
                transfer: n("transfer"),
                encoded: n("encoded"),
                decoded: n("decoded"),
                task_ms,
                raf_gap_ms,
            })
        })
        .collect()
}

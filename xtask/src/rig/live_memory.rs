//! Benchmark: the live page's memory as the browser measures it (JS heap, WebAssembly memory) over a dense live run, beside the same page without the dense model.
//!
//! `cargo xtask bench --live-memory [--minutes N]` (default 10). On the live
//! rig (its real SFU, the production server, the emulated VAS), the live page
//! of the fed camera plays for 2 minutes with the rig's own model only (a few
//! boxes per frame): the baseline. Then a dense model is added: one event of
//! 1,000 boxes every 100 ms (10 events/s), stamped 150 ms behind the machine's
//! clock as VAS stamps its events, for N minutes. Every minute: JS heap used
//! (`performance.memory`, precise with `--enable-precise-memory-info`, after
//! a garbage collection through DevTools), the WebAssembly memory's size
//! (found by DevTools' `Runtime.queryObjects`; linear memory only grows, so
//! it is the peak), DOM elements, the renderer in use, frames presented and
//! dropped. The page's store is bounded by
//! `StoreLimits::live()` (32 MB by its own accounting); the figures say what
//! that costs in the browser, and whether it stays flat.
//!
//! Printed and written to `target/figures/live-memory.txt`; a benchmark, never a test.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, bail, Context};
use serde_json::{json, Value};
use vas_overlay_viewer::core::time::{format_rfc3339_utc, UnixMicros};

use super::{netns, Rig};
use crate::browser::{Browser, CdpClient};
use crate::e2e::live::{one_fed_camera, wait_state, CAM_FED};
use crate::{repo_root, Result};

/// Minutes of the baseline (the rig's own model only).
const BASELINE_MINUTES: u64 = 2;
/// The dense model: boxes per event and events per second.
const DENSE_BOXES: usize = 1_000;
const DENSE_PERIOD: Duration = Duration::from_millis(100);
/// How far behind the clock a dense event is stamped (inference latency).
const DENSE_LATENESS_US: i64 = 150_000;
const DENSE_MODEL: &str = "bench-dense-1000";

/// One sample of the page.
const SAMPLE: &str = r#"(() => {
  const v = document.querySelector('video');
  const q = v && v.getVideoPlaybackQuality ? v.getVideoPlaybackQuality() : null;
  const root = document.querySelector('[data-overlay-root]');
  return {
    jsUsed: performance.memory.usedJSHeapSize,
    jsTotal: performance.memory.totalJSHeapSize,
    dom: document.getElementsByTagName('*').length,
    frames: q ? q.totalVideoFrames : null,
    dropped: q ? q.droppedVideoFrames : null,
    renderer: root ? root.dataset.renderer : null,
  };
})()"#;

/// `cargo xtask bench --live-memory`: enters the rig's network namespace.
pub fn run_outside(minutes: u64) -> Result {
    crate::build_viewer_and_server(crate::setup::test_tools)?;
    netns::run_inside("bench-memory", &[minutes.to_string()])
}

/// Inside the namespace.
pub fn run(minutes: u64) -> Result {
    let rig = Rig::start(&one_fed_camera())?;
    let browser = Browser::start_with(&["--enable-precise-memory-info"])?;
    browser.set_script_timeout(120_000)?;
    let mut cdp = browser.devtools_page()?;
    browser.goto(&format!("{}cameras/{CAM_FED}", rig.url()))?;
    let state = wait_state(&browser, &["live"], 60_000)?;
    if state["state"] != "live" {
        bail!("the live page did not play: {state}");
    }
    let started = Instant::now();
    let mut samples: Vec<(String, Value)> = Vec::new();
    let mut sample = |cdp: &mut CdpClient, label: String, posted: u64| -> Result {
        cdp.call("HeapProfiler.collectGarbage", json!({}))?;
        let mut v = cdp.eval(SAMPLE)?;
        v["wasm"] = json!(wasm_memory_bytes(cdp)?);
        v["posted"] = json!(posted);
        v["minute"] = json!(started.elapsed().as_secs_f64() / 60.0);
        println!("  {label:<22} {}", line(&v));
        samples.push((label, v));
        Ok(())
    };
    println!("== live page memory: {BASELINE_MINUTES} min with the rig's model only, then {minutes} min with {DENSE_BOXES} boxes x 10 events/s added");
    sample(&mut cdp, "baseline start".into(), 0)?;
    for m in 1..=BASELINE_MINUTES {
        wait_until(started + Duration::from_secs(60 * m));
        sample(&mut cdp, format!("baseline {m} min"), 0)?;
    }
    let posted = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let feeder = {
        let (posted, stop, url) = (
            posted.clone(),
            stop.clone(),
            format!("{}/__live/events", rig.vas_url().trim_end_matches('/')),
        );
        std::thread::spawn(move || feed_dense(&url, &posted, &stop))
    };
    let dense_start = Instant::now();
    for m in 1..=minutes {
        wait_until(dense_start + Duration::from_secs(60 * m));
        if feeder.is_finished() {
            break;
        }
        sample(&mut cdp, format!("dense {m} min"), posted.load(Ordering::Relaxed))?;
    }
    stop.store(true, Ordering::Relaxed);
    feeder.join().map_err(|_| anyhow!("the dense feeder panicked"))??;
    report(&samples, minutes)
}

/// The size of every WebAssembly memory in the page (the viewer has one),
/// found by DevTools among the heap's objects: the page exposes none.
pub(crate) fn wasm_memory_bytes(cdp: &mut CdpClient) -> Result<f64> {
    let proto =
        cdp.call("Runtime.evaluate", json!({"expression": "WebAssembly.Memory.prototype"}))?;
    let proto_id =
        proto["result"]["objectId"].as_str().context("no WebAssembly.Memory prototype")?.to_owned();
    let found = cdp.call("Runtime.queryObjects", json!({"prototypeObjectId": proto_id}))?;
    let list_id =
        found["objects"]["objectId"].as_str().context("queryObjects gave no list")?.to_owned();
    let sizes = cdp.call(
        "Runtime.callFunctionOn",
        json!({"objectId": list_id, "functionDeclaration": "function () { return this.reduce((n, m) => n + m.buffer.byteLength, 0); }", "returnByValue": true}),
    )?;
    sizes["result"]["value"].as_f64().with_context(|| format!("wasm memory size: {sizes}"))
}

/// Posts one dense event every 100 ms until `stop`.
fn feed_dense(url: &str, posted: &AtomicU64, stop: &AtomicBool) -> Result {
    let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(10)).build();
    let mut next = Instant::now();
    let mut n = 0u64;
    while !stop.load(Ordering::Relaxed) {
        wait_until(next);
        next += DENSE_PERIOD;
        let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_micros() as i64;
        let stamp = UnixMicros(now - DENSE_LATENESS_US);
        let boxes: Vec<Value> = (0..DENSE_BOXES)
            .map(|k| {
                // A grid of small boxes drifting with time.
                let (col, row) = ((k % 40) as f64, (k / 40) as f64);
                let drift = (n % 100) as f64 * 0.0001;
                let (x, y) = (col * 0.025 + drift, row * 0.04);
                json!({"class_name": "person", "confidence": 0.5, "bbox": [x, y, x + 0.02, y + 0.03], "track_id": k})
            })
            .collect();
        let event = json!([{
            "id": format!("5e1f0000-0000-4000-9000-{:012x}", n),
            "camera_id": CAM_FED,
            "model_id": DENSE_MODEL,
            "timestamp": format_rfc3339_utc(stamp),
            "frame_id": n,
            "detections": {"detections": boxes},
            "confidence": 0.5,
            "event_metadata": {"frame_width": 1280, "frame_height": 720},
            "created_at": "2026-01-01T00:00:00Z",
        }]);
        agent.post(url).send_json(event).with_context(|| format!("dense event {n}"))?;
        n += 1;
        posted.store(n, Ordering::Relaxed);
    }
    Ok(())
}

fn wait_until(t: Instant) {
    if let Some(d) = t.checked_duration_since(Instant::now()) {
        std::thread::sleep(d);
    }
}

fn mb(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN) / 1_048_576.0
}

fn line(v: &Value) -> String {
    format!(
        "JS heap {:>6.1} MB (of {:>6.1}), wasm memory {:>6.1} MB, DOM elements {:>5}, renderer {}, frames {:>6} ({} dropped), dense events posted {}",
        mb(&v["jsUsed"]),
        mb(&v["jsTotal"]),
        mb(&v["wasm"]),
        v["dom"],
        v["renderer"],
        v["frames"],
        v["dropped"],
        v["posted"]
    )
}

fn report(samples: &[(String, Value)], minutes: u64) -> Result {
    let find = |label: &str| samples.iter().find(|(l, _)| l == label).map(|(_, v)| v);
    let base = find(&format!("baseline {BASELINE_MINUTES} min")).context("no baseline sample")?;
    let last = samples.last().map(|(_, v)| v).context("no sample")?;
    let half = find(&format!("dense {} min", minutes.div_ceil(2))).unwrap_or(last);
    let ratio = |a: &Value, b: &Value, key: &str| {
        a[key].as_f64().unwrap_or(f64::NAN) / b[key].as_f64().unwrap_or(f64::NAN)
    };
    let mut out = String::new();
    let _ = writeln!(out, "Live page memory, browser-measured (rig: real SFU, production server, emulated VAS); store bounded by StoreLimits::live()");
    for (label, v) in samples {
        let _ = writeln!(out, "  {label:<22} {}", line(v));
    }
    let _ = writeln!(
        out,
        "  dense end / baseline: JS heap x{:.2}, wasm memory x{:.2}; dense end / dense half-way: JS heap x{:.2}, wasm memory x{:.2}",
        ratio(last, base, "jsUsed"),
        ratio(last, base, "wasm"),
        ratio(last, half, "jsUsed"),
        ratio(last, half, "wasm")
    );
    print!("{out}");
    let dir = repo_root().join("target/figures");
    std::fs::create_dir_all(&dir)?;
    Ok(std::fs::write(dir.join("live-memory.txt"), out)?)
}

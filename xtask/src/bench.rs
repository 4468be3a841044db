//! `cargo xtask bench`: the viewer's overlay against a naive canvas overlay, measured in headless Chromium.
//!
//! Builds the bench page (`xtask/bench/`, the viewer's crate with the bench
//! page as its binary) and a 2 s, 30 fps, 1280x720 bench clip, serves both
//! with the demo backend, and measures every scene in a fresh page:
//! - window A, untraced: the overlay update rate and the video's presented,
//!   decoded and dropped frames (page counters), main-thread time from
//!   `Performance.getMetrics` deltas, and CPU time of every browser thread
//!   from `/proc`;
//! - window B, traced: per-frame main-thread costs from Chromium's trace
//!   (see `frame_costs.rs`).
//!
//! Then memory over 10 simulated minutes, the production bundle's sizes,
//! and the core's native benchmark (`benches/core.rs`, criterion, summarized
//! by `core_bench.rs`). It prints figures; timing never fails it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use serde_json::{json, Value};

use crate::browser::{Browser, CdpClient};
use crate::frame_costs::{percentile, FrameCost, FrameCosts};
use crate::proc_cpu::{machine_busy_ms, ProcessCpu};
use crate::{build_viewer, core_bench, repo_root, run, setup, Result};

/// The bench clip: the demo clip's first 60 frames (2 s at 30 fps, 1280x720), looped.
const CLIP_FRAMES: u32 = 60;
const FPS: u32 = 30;
const START: &str = "2026-01-05T12:00:00Z";
const START_MS: i64 = 1_767_614_400_000;

/// Main-thread trace categories: top-level tasks, the DevTools timeline
/// events (script, style, layout, paint, commit) and the frame and
/// user-timing markers the analysis keys on.
const TRACE_CATEGORIES: &[&str] = &[
    "toplevel",
    "devtools.timeline",
    "disabled-by-default-devtools.timeline",
    "disabled-by-default-devtools.timeline.frame",
    "blink.user_timing",
];

/// One measured configuration.
#[derive(Debug, Clone)]
struct Scene {
    /// `off` (the video alone), `viewer` (the viewer's overlay) or `naive`.
    mode: &'static str,
    n: u32,
    moving: bool,
    dpr: u32,
}

impl Scene {
    fn name(&self) -> String {
        if self.mode == "off" {
            return format!(
                "video only{}",
                if self.dpr != 1 { format!(", DPR {}", self.dpr) } else { String::new() }
            );
        }
        let dpr = if self.dpr != 1 { format!(" DPR {}", self.dpr) } else { String::new() };
        format!("{} {}{dpr}", self.n, if self.moving { "moving" } else { "static" })
    }
}

fn scenes(only: Option<&str>, crossover: bool) -> Vec<Scene> {
    let mut out = vec![Scene { mode: "off", n: 0, moving: true, dpr: 1 }];
    for n in [10, 100, 1000, 5000] {
        for moving in [true, false] {
            for mode in ["viewer", "naive"] {
                out.push(Scene { mode, n, moving, dpr: 1 });
            }
        }
    }
    if crossover {
        // Each renderer pinned, moving scenes around the threshold.
        for n in [10, 25, 50, 100, 200, 500, 1000] {
            for mode in ["dom", "canvas"] {
                out.push(Scene { mode, n, moving: true, dpr: 1 });
            }
        }
    }
    out.push(Scene { mode: "off", n: 0, moving: true, dpr: 2 });
    for mode in ["viewer", "naive"] {
        out.push(Scene { mode, n: 1000, moving: true, dpr: 2 });
    }
    if let Some(only) = only {
        out.retain(|s| s.mode == "off" || format!("{} {}", s.mode, s.name()).contains(only));
    }
    out
}

/// What one scene measured.
struct Measured {
    scene: Scene,
    setup: Value,
    /// Page counters of the untraced window.
    window: Value,
    /// `Performance.getMetrics` deltas of the untraced window, ms.
    metrics: BTreeMap<String, f64>,
    /// CPU per browser thread group in the untraced window, ms.
    cpu: BTreeMap<String, f64>,
    /// CPU the whole machine spent in the untraced window, ms (to see other load).
    machine_ms: f64,
    costs: FrameCosts,
}

fn build_bench_page(root: &Path) -> Result<PathBuf> {
    println!("== building the bench page (trunk build --release, feature bench)");
    let dist = root.join("target/bench-dist");
    run(setup::trunk()
        .args(["build", "--release=true", "--dist"])
        .arg(&dist)
        .arg("xtask/bench/index.html")
        .current_dir(root))?;
    let clip = dist.join("bench-clip.mp4");
    run(Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i"])
        .arg(root.join("static/demo/clip.mp4"))
        .args([
            "-frames:v",
            &CLIP_FRAMES.to_string(),
            "-an",
            "-c:v",
            "libx264",
            "-preset",
            "medium",
            "-crf",
            "23",
        ])
        .args(["-g", "30", "-pix_fmt", "yuv420p", "-movflags", "+faststart"])
        .arg(&clip))
    .map_err(|e| anyhow!("{e:#} (the bench needs ffmpeg with libx264)"))?;
    Ok(dist)
}

fn sleep_s(s: f64) {
    std::thread::sleep(Duration::from_secs_f64(s));
}

/// Collects a trace started with `Tracing.start` (events reported over the socket).
fn end_trace(cdp: &mut CdpClient) -> Result<Vec<Value>> {
    cdp.call("Tracing.end", json!({}))?;
    let mut events = Vec::new();
    cdp.wait_event("Tracing.tracingComplete", Duration::from_secs(180), |e| {
        if e["method"] == "Tracing.dataCollected" {
            if let Some(list) = e["params"]["value"].as_array() {
                events.extend(list.iter().cloned());
            }
        }
    })?;
    Ok(events)
}

fn metrics(cdp: &mut CdpClient) -> Result<BTreeMap<String, f64>> {
    let m = cdp.call("Performance.getMetrics", json!({}))?;
    Ok(m["metrics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| Some((x["name"].as_str()?.to_owned(), x["value"].as_f64()?)))
        .collect())
}

/// Loads the bench page afresh and waits for its wasm; true when it started.
///
/// Navigation goes through the DevTools protocol rather than WebDriver: now
/// and then (under heavy machine load) a load never finishes instantiating
/// the wasm, and WebDriver's navigation would block on it; here the page is
/// simply loaded again.
fn load_page(cdp: &mut CdpClient, url: &str) -> Result<bool> {
    cdp.call("Page.navigate", json!({ "url": url }))?;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::time::Instant::now() < deadline {
        // The old document may answer (or vanish mid-call) until the new one is in.
        let probe = cdp.eval("location.href + '|' + (typeof bench) + '|' + !!window.wasmBindings");
        if let Ok(Value::String(s)) = probe {
            if s.starts_with(url) && s.ends_with("|object|true") {
                return Ok(true);
            }
        }
        sleep_s(0.1);
    }
    Ok(false)
}

/// Opens the bench page afresh and sets `scene` up on it.
fn open_scene(cdp: &mut CdpClient, base: &str, scene: &Scene) -> Result<Value> {
    let url = format!("{base}index.html");
    let mut loaded = false;
    for attempt in 1..=3 {
        if load_page(cdp, &url)? {
            loaded = true;
            break;
        }
        println!("   the bench page's wasm did not start within 20 s (attempt {attempt}); loading it again");
    }
    if !loaded {
        bail!("the bench page's wasm never started");
    }
    let opts = json!({"mode": scene.mode, "n": scene.n, "moving": scene.moving, "frames": CLIP_FRAMES, "fps": FPS,
                      "start": START, "src": "/bench-clip.mp4", "width": 1280, "height": 720});
    cdp.eval(&format!("bench.setup({opts})")).inspect_err(|_| {
        // What the page said before failing (exceptions, console errors) explains most failures.
        for e in cdp.take_events() {
            if e["method"] == "Runtime.exceptionThrown" || e["method"] == "Runtime.consoleAPICalled"
            {
                println!("   page: {}", e["params"]);
            }
        }
    })
}

fn measure(
    browser: &Browser,
    cdp: &mut CdpClient,
    base: &str,
    scene: &Scene,
    window_s: f64,
) -> Result<Measured> {
    let setup = open_scene(cdp, base, scene)?;
    sleep_s(2.0);
    // Window A, untraced.
    cdp.call("Performance.enable", json!({}))?;
    let m0 = metrics(cdp)?;
    let cpu0 = ProcessCpu::snapshot(browser.driver_pid());
    let busy0 = machine_busy_ms();
    cdp.eval("bench.windowStart()")?;
    sleep_s(window_s);
    let window = cdp.eval("bench.windowStop()")?;
    let busy1 = machine_busy_ms();
    let cpu1 = ProcessCpu::snapshot(browser.driver_pid());
    let m1 = metrics(cdp)?;
    cdp.call("Performance.disable", json!({}))?;
    let metrics: BTreeMap<String, f64> =
        m1.iter().map(|(k, v)| (k.clone(), v - m0.get(k).copied().unwrap_or(0.0))).collect();
    // Window B, traced.
    cdp.call("Tracing.start", json!({"traceConfig": {"includedCategories": TRACE_CATEGORIES, "excludedCategories": ["*"]}, "transferMode": "ReportEvents"}))?;
    cdp.eval("bench.windowStart()")?;
    sleep_s(window_s.min(5.0));
    cdp.eval("bench.windowStop()")?;
    let trace = end_trace(cdp)?;
    let costs = FrameCosts::from_trace(&trace)?;
    if std::env::var("VAS_BENCH_KEEP_TRACES").is_ok_and(|v| v == "1") {
        let out = repo_root().join("target/bench");
        let _ = std::fs::create_dir_all(&out);
        let name = format!("trace-{}-{}.json", scene.mode, scene.name().replace([' ', ','], "-"));
        let _ = std::fs::write(out.join(name), Value::Array(trace).to_string());
    }
    if std::env::var("VAS_BENCH_PROFILE").is_ok_and(|v| v == "1") {
        // A V8 sampling profile of a further window, for finding where script time goes.
        cdp.call("Profiler.enable", json!({}))?;
        cdp.call("Profiler.setSamplingInterval", json!({"interval": 100}))?;
        cdp.call("Profiler.start", json!({}))?;
        sleep_s(window_s.min(5.0));
        let profile = cdp.call("Profiler.stop", json!({}))?;
        cdp.call("Profiler.disable", json!({}))?;
        let out = repo_root().join("target/bench");
        let _ = std::fs::create_dir_all(&out);
        let name =
            format!("profile-{}-{}.cpuprofile", scene.mode, scene.name().replace([' ', ','], "-"));
        let _ = std::fs::write(out.join(name), profile["profile"].to_string());
    }
    Ok(Measured {
        scene: scene.clone(),
        setup,
        window,
        metrics,
        cpu: cpu0.ms_since(&cpu1),
        machine_ms: busy1 - busy0,
        costs,
    })
}

/// Memory after warm-up and after each further 10 simulated minutes of events at 30/s.
///
/// The viewer draws the 100-box moving scene throughout. Warm-up fills the
/// store to its span bound (30 minutes of history, ending 5 s before the
/// clip, so none of it is drawn); each later feed then evicts as much as it
/// adds. Ten minutes is what the issue asks for; three rounds (a whole
/// turnover of the store) show whether the figures keep rising.
fn measure_memory(cdp: &mut CdpClient, base: &str) -> Result<Value> {
    let scene = Scene { mode: "viewer", n: 100, moving: true, dpr: 1 };
    open_scene(cdp, base, &scene)?;
    let history = json!({"fromMs": START_MS - 30 * 60_000 - 5_000, "minutes": 30, "perSecond": 30, "detections": 4, "idPrefix": "h"});
    cdp.eval(&format!("bench.feed({history})"))?;
    sleep_s(3.0);
    let mut points = vec![json!({"minutes": 0, "memory": snapshot_memory(cdp)?})];
    for round in 0..3 {
        let t = std::time::Instant::now();
        let from = START_MS + 10_000 + round * 10 * 60_000;
        let later = json!({"fromMs": from, "minutes": 10, "perSecond": 30, "detections": 4, "idPrefix": format!("f{round}-")});
        cdp.eval(&format!("bench.feed({later})"))?;
        let feed_s = t.elapsed().as_secs_f64();
        sleep_s(3.0);
        points.push(json!({"minutes": (round + 1) * 10, "feed_seconds": feed_s, "memory": snapshot_memory(cdp)?}));
    }
    Ok(Value::Array(points))
}

fn snapshot_memory(cdp: &mut CdpClient) -> Result<Value> {
    cdp.call("HeapProfiler.collectGarbage", json!({}))?;
    let heap = cdp.call("Runtime.getHeapUsage", json!({}))?;
    let page = cdp.eval("bench.memory()")?;
    Ok(
        json!({"domNodes": page["domNodes"], "wasmBytes": page["wasmBytes"], "held": page["held"], "jsHeapUsed": heap["usedSize"]}),
    )
}

/// Gzipped size of a file (`gzip -9`), bytes.
fn gzip_size(path: &Path) -> Result<u64> {
    let out = Command::new("gzip").args(["-9", "-c"]).arg(path).output().context("gzip")?;
    Ok(out.stdout.len() as u64)
}

/// Where the production build keeps what only some pages import, on demand:
/// the hls.js bundle (recordings) and mediasoup-client (live cameras).
const LAZY_DIRS: &[&str] = &["js/", "live-js/"];

/// One file of the production build.
struct BundleFile {
    /// The path inside `dist/`.
    name: String,
    raw: u64,
    gzip: u64,
    /// Imported on demand by some pages, not loaded at start.
    lazy: bool,
}

/// The production build's files (`dist/`, subfolders included), raw and gzipped.
fn bundle_sizes(root: &Path) -> Result<Vec<BundleFile>> {
    build_viewer()?;
    let dist = root.join("dist");
    let mut dirs = vec![dist.clone()];
    let mut out = Vec::new();
    while let Some(dir) = dirs.pop() {
        for entry in
            std::fs::read_dir(&dir).map_err(|e| anyhow!("{}: {e:#}", dir.display()))?.flatten()
        {
            let p = entry.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.is_file() && !p.extension().is_some_and(|e| e == "br" || e == "gz") {
                // The precompressed siblings are other encodings of the same files.
                let name = p.strip_prefix(&dist)?.to_string_lossy().into_owned();
                let raw = p.metadata().map(|m| m.len()).unwrap_or(0);
                let lazy = LAZY_DIRS.iter().any(|d| name.starts_with(d));
                out.push(BundleFile { name, raw, gzip: gzip_size(&p)?, lazy });
            }
        }
    }
    out.sort_by(|a, b| (a.lazy, &a.name).cmp(&(b.lazy, &b.name)));
    Ok(out)
}

/// The sizes' part of the report: what a page loads at start, and what it imports on demand.
fn sizes_report(sizes: &[BundleFile]) -> String {
    let mut report = String::new();
    let _ = writeln!(report, "\nProduction bundle (dist/, gzip -9), loaded at start:");
    let initial: u64 = sizes.iter().filter(|f| !f.lazy).map(|f| f.gzip).sum();
    for f in sizes.iter().filter(|f| !f.lazy) {
        let _ = writeln!(report, "  {}: {} bytes, {} gzip", f.name, f.raw, f.gzip);
    }
    let _ = writeln!(
        report,
        "  initial download (all of the above): {initial} bytes gzip ({:.1} KB)",
        initial as f64 / 1024.0
    );
    let _ = writeln!(
        report,
        "Loaded on demand (recordings: the hls.js bundle; live cameras: mediasoup-client):"
    );
    for f in sizes.iter().filter(|f| f.lazy) {
        let _ = writeln!(
            report,
            "  {}: {} bytes, {} gzip ({:.1} KB)",
            f.name,
            f.raw,
            f.gzip,
            f.gzip as f64 / 1024.0
        );
    }
    report
}

fn f1(v: f64) -> String {
    format!("{v:.1}")
}

fn f2(v: f64) -> String {
    format!("{v:.2}")
}

struct Row {
    cells: Vec<String>,
}

/// Medians of each part over `frames`, p50/p95/max of their totals, and the median CPU time.
fn frame_stats(frames: &[FrameCost]) -> [f64; 7] {
    let pick = |f: fn(&FrameCost) -> f64| frames.iter().map(f).collect::<Vec<f64>>();
    let totals = pick(FrameCost::total);
    [
        percentile(&pick(|f| f.script), 50.0),
        percentile(&pick(|f| f.style_layout), 50.0),
        percentile(&pick(|f| f.paint_composite), 50.0),
        percentile(&totals, 50.0),
        percentile(&totals, 95.0),
        percentile(&totals, 100.0),
        percentile(&pick(|f| f.cpu), 50.0),
    ]
}

fn row(m: &Measured, naive: Option<&Measured>) -> Row {
    let w = &m.window;
    let secs = w["seconds"].as_f64().unwrap_or(1.0).max(1e-3);
    let video_frames = w["videoCallbacks"].as_f64().unwrap_or(0.0);
    let per_video_frame = |ms: f64| if video_frames > 0.0 { ms / video_frames } else { 0.0 };
    let updates = m.costs.updates();
    // Without overlay updates (the video alone), every frame is reported.
    let frames: Vec<FrameCost> = if updates.is_empty() { m.costs.frames.clone() } else { updates };
    let s = frame_stats(&frames);
    let cpu = |prefix: &str| {
        m.cpu.iter().filter(|(k, _)| k.starts_with(prefix)).map(|(_, v)| v).sum::<f64>()
    };
    let renderer_main = cpu("renderer/main");
    let renderer_all = cpu("renderer/");
    let gpu = cpu("gpu/");
    let trace_busy = m.costs.busy_ms / (m.costs.window_ms / 1000.0).max(1e-3);
    let metrics_busy = m.metrics.get("TaskDuration").copied().unwrap_or(0.0) * 1000.0 / secs;
    let own_ms: f64 = m.cpu.values().sum();
    let others = ((m.machine_ms - own_ms) / (secs * 1000.0) * 100.0).max(0.0);
    // Whole-frame cost against the naive canvas's: per update (wall, then CPU) and per video frame (renderer CPU).
    let ratio = naive.map(|n| {
        let ns = frame_stats(&n.costs.updates());
        let nw = &n.window;
        let n_frames = nw["videoCallbacks"].as_f64().unwrap_or(0.0).max(1.0);
        let n_cpu: f64 =
            n.cpu.iter().filter(|(k, _)| k.starts_with("renderer/")).map(|(_, v)| v).sum::<f64>()
                / n_frames;
        let r = |a: f64, b: f64| if b > 0.0 { format!("{:.2}", a / b) } else { "-".into() };
        format!(
            "{} / {} / {}",
            r(s[3], ns[3]),
            r(s[6], ns[6]),
            r(per_video_frame(renderer_all), n_cpu)
        )
    });
    let cells = vec![
        m.scene.name(),
        match m.scene.mode {
            "viewer" => format!("viewer/{}", w["renderer"].as_str().unwrap_or("?")),
            "dom" | "canvas" => format!("{} pinned", m.scene.mode),
            other => other.to_owned(),
        },
        f1(w["updates"].as_f64().unwrap_or(0.0) / secs),
        f1(video_frames / secs),
        format!("{}/{}", w["dropped"], w["decoded"]),
        f2(s[0]),
        f2(s[1]),
        f2(s[2]),
        f2(s[3]),
        f2(s[4]),
        f2(s[5]),
        f2(s[6]),
        f1(trace_busy),
        f1(metrics_busy),
        f2(per_video_frame(renderer_main)),
        f2(per_video_frame(renderer_all)),
        f2(per_video_frame(gpu)),
        ratio.unwrap_or_else(|| "-".into()),
        format!("{others:.0}%"),
    ];
    Row { cells }
}

const HEADERS: &[&str] = &[
    "scene",
    "overlay",
    "upd/s",
    "video fps",
    "dropped/decoded",
    "script p50",
    "style+layout p50",
    "paint+comp p50",
    "total p50",
    "total p95",
    "total max",
    "CPU p50",
    "main ms/s trace",
    "main ms/s metrics",
    "CPU/vframe main",
    "CPU/vframe renderer",
    "CPU/vframe gpu",
    "x naive: p50 / CPU p50 / CPU per vframe",
    "other load",
];

fn markdown_table(rows: &[Row]) -> String {
    let mut widths: Vec<usize> = HEADERS.iter().map(|h| h.len()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(&r.cells) {
            *w = (*w).max(c.len());
        }
    }
    let line = |cells: Vec<String>| {
        let mut s = String::from("|");
        for (c, w) in cells.iter().zip(&widths) {
            let _ = write!(s, " {c:>w$} |");
        }
        s
    };
    let mut out = line(HEADERS.iter().map(|h| h.to_string()).collect());
    out.push('\n');
    out.push_str(&line(widths.iter().map(|w| "-".repeat(*w)).collect()));
    for r in rows {
        out.push('\n');
        out.push_str(&line(r.cells.clone()));
    }
    out
}

/// Runs `xtask/bench/micro_canvas.js` (ways to draw boxes and labels on a
/// canvas, timed in the page) at each pixel ratio and prints its figures.
fn micro_canvas(root: &Path, base: &str) -> Result {
    let script = std::fs::read_to_string(root.join("xtask/bench/micro_canvas.js"))?;
    for dpr in [1, 2] {
        let browser = Browser::start_with(&[&format!("--force-device-scale-factor={dpr}")])?;
        let mut cdp = browser.devtools_page()?;
        load_page(&mut cdp, &format!("{base}index.html"))?;
        for n in [100, 1000, 5000] {
            if std::env::var("VAS_BENCH_MICRO_DOM_ONLY").is_ok() {
                break;
            }
            let v = cdp.eval(&format!("window.__N = {n}; window.__DPR = {dpr}; {script}"))?;
            println!("micro canvas, {n} boxes, DPR {dpr} (ms per frame, drawn and flushed):");
            for (k, ms) in v.as_object().into_iter().flatten() {
                println!("  {k:<40} {ms}");
            }
        }
        if dpr == 1 {
            micro_dom(root, &mut cdp, base)?;
        }
        if std::env::var("VAS_BENCH_MICRO_DOM_ONLY").is_ok() {
            break;
        }
    }
    Ok(())
}

/// Runs `xtask/bench/micro_dom.js` (ways to style and move DOM boxes over the
/// playing bench clip) and prints Chromium's main-thread time per frame for each.
fn micro_dom(root: &Path, cdp: &mut CdpClient, base: &str) -> Result {
    let script = std::fs::read_to_string(root.join("xtask/bench/micro_dom.js"))?;
    let variants = [
        "shadows+will-change|clip|transform",
        "shadows|clip|transform",
        "shadows|plain|transform",
        "outline|plain|transform",
        "border only|plain|transform",
        "outline|plain|translate",
        "outline|plain|leftTop",
        "class|class|transform",
    ];
    for n in [10, 100, 300] {
        println!("micro DOM, {n} boxes with chips, DPR 1 (main-thread ms per frame from Performance.getMetrics):");
        for v in variants {
            open_scene(cdp, base, &Scene { mode: "off", n: 0, moving: true, dpr: 1 })?;
            cdp.call("Performance.enable", json!({}))?;
            let m0 = metrics(cdp)?;
            let frames = cdp
                .eval(&format!("window.__N = {n}; window.__VARIANT = {v:?}; {script}"))?
                .as_f64()
                .unwrap_or(1.0);
            let m1 = metrics(cdp)?;
            cdp.call("Performance.disable", json!({}))?;
            let d = |k: &str| {
                (m1.get(k).copied().unwrap_or(0.0) - m0.get(k).copied().unwrap_or(0.0)) * 1000.0
                    / frames
            };
            println!(
                "  {v:<36} task {:>6.2}  script {:>5.2}  style {:>5.2}  layout {:>5.2}",
                d("TaskDuration"),
                d("ScriptDuration"),
                d("RecalcStyleDuration"),
                d("LayoutDuration")
            );
        }
    }
    Ok(())
}

pub fn run_bench(flags: &crate::flags::Bench) -> Result {
    let root = repo_root();
    let quick = flags.quick;
    let only = flags.only.clone();
    let window_s = if quick { 3.0 } else { 10.0 };
    if flags.core {
        println!("\nCore, native (cargo bench --bench core, criterion; details in target/criterion/):\n\n{}", core_bench::run_and_summarize(&root, quick)?);
        return Ok(());
    }
    setup::build_tools()?;
    setup::test_tools()?;
    let sizes = bundle_sizes(&root)?;
    if flags.sizes {
        println!("{}", sizes_report(&sizes));
        return Ok(());
    }
    let core =
        if flags.no_core { String::new() } else { core_bench::run_and_summarize(&root, quick)? };
    let dist = build_bench_page(&root)?;
    let backend = crate::demo_vas::start(&dist, None)?;
    let base = backend.url();
    if flags.micro {
        return micro_canvas(&root, &base);
    }
    let all = scenes(only.as_deref(), flags.crossover);
    let mut measured: Vec<Measured> = Vec::new();
    let mut memory = Value::Null;
    for dpr in [1, 2] {
        let batch: Vec<&Scene> = all.iter().filter(|s| s.dpr == dpr).collect();
        if batch.iter().all(|s| s.mode == "off") && only.is_some() {
            continue;
        }
        let browser = Browser::start_with(&[&format!("--force-device-scale-factor={dpr}")])?;
        let mut cdp = browser.devtools_page()?;
        cdp.call("Runtime.enable", json!({}))?;
        for scene in batch {
            println!("== {} {} (DPR {dpr})", scene.mode, scene.name());
            cdp.take_events();
            let m = measure(&browser, &mut cdp, &base, scene, window_s)?;
            println!("   {}", m.window);
            measured.push(m);
        }
        if dpr == 1 && !flags.no_memory {
            println!("== memory: 30 simulated minutes of warm-up, then 10 more at 30 events/s");
            memory = measure_memory(&mut cdp, &base)?;
        }
    }
    backend.stop();

    let rows: Vec<Row> = measured
        .iter()
        .map(|m| {
            let naive = (m.scene.mode != "naive" && m.scene.mode != "off")
                .then(|| {
                    measured.iter().find(|n| {
                        n.scene.mode == "naive"
                            && n.scene.n == m.scene.n
                            && n.scene.moving == m.scene.moving
                            && n.scene.dpr == m.scene.dpr
                    })
                })
                .flatten();
            row(m, naive)
        })
        .collect();
    let mut report = String::new();
    let _ = writeln!(report, "\nOverlay cost per update frame (ms, renderer main thread, Chromium trace), window {window_s} s per scene:\n");
    report.push_str(&markdown_table(&rows));
    report.push('\n');
    if let Some(points) = memory.as_array() {
        let mb = |v: &Value| v.as_f64().unwrap_or(0.0) / 1_048_576.0;
        let _ = writeln!(
            report,
            "\nMemory (viewer drawing 100 moving boxes; simulated events of 4 boxes at 30/s, fed 1 simulated minute per 0.1 s; store bounded at 30 min):"
        );
        for p in points {
            let v = &p["memory"];
            let when = match p["minutes"].as_u64() {
                Some(0) => "after warm-up (30 simulated min)".to_owned(),
                Some(m) => format!("+{m} simulated min"),
                None => "?".into(),
            };
            let _ = writeln!(
                report,
                "  {when:<34} DOM elements {:>4}, JS heap {:>5.1} MB, wasm memory {:>5.1} MB, events held {}",
                v["domNodes"],
                mb(&v["jsHeapUsed"]),
                mb(&v["wasmBytes"]),
                v["held"]
            );
        }
    }
    report.push_str(&sizes_report(&sizes));
    if flags.breakdown {
        let _ = writeln!(report, "\nWhere the main thread's time goes (trace self time by event, ms per overlay update, or per frame without updates; top 6):");
        for m in &measured {
            let updates = match m.costs.updates().len() {
                0 => m.costs.frames.len().max(1),
                n => n,
            } as f64;
            let top: Vec<String> = m
                .costs
                .by_name
                .iter()
                .take(6)
                .map(|(k, v)| format!("{k} {:.2}", v / updates))
                .collect();
            let _ = writeln!(report, "  {} {}: {}", m.scene.name(), m.scene.mode, top.join(", "));
        }
    }
    if !core.is_empty() {
        let _ = writeln!(report, "\nCore, native (cargo bench --bench core, criterion; details in target/criterion/):\n\n{core}");
    }
    println!("{report}");
    let out = root.join("target/bench");
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join("report.md"), &report)?;
    let raw: Vec<Value> = measured
        .iter()
        .map(|m| {
            json!({"scene": m.scene.name(), "mode": m.scene.mode, "setup": m.setup, "window": m.window, "metrics": m.metrics,
                   "cpu": m.cpu, "machine_ms": m.machine_ms, "frames": m.costs.frames.iter().map(|f| json!([f.script, f.style_layout, f.paint_composite, f.other, f.update])).collect::<Vec<_>>()})
        })
        .collect();
    std::fs::write(out.join("results.json"), json!({"scenes": raw, "memory": memory}).to_string())?;
    println!("(report in target/bench/report.md, raw figures in target/bench/results.json)");
    Ok(())
}

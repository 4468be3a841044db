//! Benchmark: many headless viewers of the same live cameras through the production server, against the emulated VAS: VAS's requests and bytes per minute, the share of viewer requests answered without VAS, the insert-to-drawn delay per viewer, the server's CPU and memory, with ratios against 1 viewer in the same run.
//!
//! `cargo xtask bench --many-viewers [--minutes N]` (default 1; fractions
//! allowed; `VAS_VIEWERS_ONLY=1x1,1x50` runs only those, for development).
//! Four configurations, each on a rig of its own (real SFU, the
//! production server, the emulated VAS, in the rig's network namespace):
//! 1, 10 and 50 viewers of the fed camera, then 16 fed cameras x 3 viewers.
//! Every viewer is a window of its own in ONE headless Chromium
//! (`Target.createTarget` with `newWindow`): a background tab of a shared
//! window is hidden (`document.hidden`, and the page then polls once per 5 s),
//! a window of its own is not. Each page's `document.hidden` is read when the
//! window starts and when it ends, and printed. Viewers are opened 10 at a
//! time in windows of 480x360, each batch once the previous one plays; once
//! every page has drawn boxes (or 60 s passed: the pages that never did are
//! counted), 10 s of warm-up, then the window of N minutes:
//!
//! - VAS's side: the emulator's request log (every answered `GET`, the live
//!   cameras' event lists included), read every 2 s, in classes: event lists,
//!   count probes (`limit=1`), other (devices, playlists, ...); bytes are the
//!   body bytes the emulator sent.
//! - The viewers' side: each page's resource-timing entries under `/api/`
//!   (a `PerformanceObserver` installed at the window's start), in the same
//!   classes, with their encoded body bytes. The share answered without VAS
//!   is 1 - VAS's requests / the viewers' requests.
//! - Insert-to-drawn delay: besides the rig's own model (one row per video
//!   frame), the benchmark inserts a marker model through the emulator's
//!   live side door (`POST /__live/events`): every 200 ms, per camera, one
//!   row of one box whose track id is unique to the row, stamped 80 ms
//!   behind the clock as the rig's rows are (inference latency). The
//!   emulator answers with the wall time at which the rows became listable
//!   (`inserted_at_us`). In every page a `MutationObserver` on the overlay's
//!   pooled box elements records the wall time (`Date.now()`, the same
//!   machine clock) at which a box of the marker model with that track id
//!   was first shown: the overlay writes its boxes for a presented video
//!   frame, and that frame is painted in the same rendering update. The delay
//!   of a row for a viewer of its camera is first shown - inserted, over the
//!   rows inserted in the window and shown within 5 s after it; a row never
//!   shown counts as missed. It covers the page's poll period, the server's
//!   round trip to VAS, the playout delay the page holds the video for (a
//!   row is drawn with its own frame), and the page's CPU. p50 and p95 per
//!   viewer, and over all rows of all viewers of the configuration.
//! - CPU from `/proc` (percent of one core) over the window: the production
//!   server, Chromium (all its processes), the SFU (Node, worker, FFmpeg),
//!   this process (the emulator, VAS's front, the benchmark), the machine
//!   (percent of all cores, so a saturated machine shows beside the delays)
//!   and what of it none of these used (other work on the machine).
//!   The server's resident memory: the peak of samples every 2 s during the
//!   window, and its high-water mark since start.
//!
//! Priorities: the viewers stand in for many machines, yet share this one
//! with VAS's stand-in and the server. Run as root, Chromium raises its
//! compositor, media and IO threads to nice -8, ahead of everything else, so
//! VAS's side (the emulator, VAS's front, the SFU, its worker and FFmpeg
//! feeds) and the production server run at nice -10, Chromium at 0 (its
//! raised threads at -8). That does not make the machine bigger: once it is
//! saturated, the emulator's live store (one lock, held while each answer is
//! built) convoys, the rig's own event posts pile up as open connections
//! until it refuses them (503), and rows reach the pages too late for their
//! frames. Connections open at the emulator, how long it takes to store a
//! marker post, and how long the pages' requests take (and how they failed)
//! are reported, so that a jammed VAS stand-in shows as such, not as a
//! figure of the server.
//!
//! A configuration that cannot run says why in its notes (pages that never
//! drew, Chromium's or the machine's memory), the others are still reported.
//! Printed and written to `target/figures/many-viewers.txt`; a benchmark,
//! never a test: no figure fails it, only being unable to measure the
//! 1-viewer baseline.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, bail, Context};
use serde_json::json;

use super::{netns, Rig, RigCamera, RigEvents, RigOptions};
use crate::browser::{Browser, CdpClient};
use crate::e2e::live::{CAM_FED, EVENT_LATENESS_MS};
use crate::proc_cpu::{self, ProcessCpu};
use crate::Result;

// The marker rows and their feeder.
mod markers;
// Memory, CPU and connections from /proc.
mod host;
// The report.
mod report;

use host::{chromium_memory, cpu_ms, own_cpu_ms, rss, Connections};
use markers::{feed_markers, Marker};
use report::report;

/// After every page draws boxes, before the window.
const WARM_UP: Duration = Duration::from_secs(10);
/// After the window, for rows inserted near its end to be drawn.
const GRACE: Duration = Duration::from_secs(5);
/// The emulator's log and the server's memory are read this often.
const SAMPLE_EVERY: Duration = Duration::from_secs(2);
/// The marker model: one row per camera every `MARKER_PERIOD`.
const MARKER_MODEL: &str = "bench-marker";
const MARKER_PERIOD: Duration = Duration::from_millis(200);
/// Viewers opened at once; the next batch waits until these play.
const OPEN_BATCH: usize = 10;
/// How long a batch may take to play (stragglers go on connecting meanwhile).
const BATCH_LIMIT: Duration = Duration::from_secs(30);
/// How long, once all are open, the pages may take to draw boxes.
const DRAW_LIMIT: Duration = Duration::from_secs(60);
/// Each viewer's window (CSS pixels): small, as the pages' compositing
/// grows with it; the 640x360 video is shown scaled down.
const WINDOW_W: u32 = 480;
const WINDOW_H: u32 = 360;
/// The nice value of VAS's side (the emulator, the SFU and its FFmpeg feeds)
/// and of the production server; Chromium runs at 0 (see the module's notes).
const VAS_SIDE_NICE: i32 = -10;

/// One configuration: `cameras` fed cameras, `per_camera` viewers of each.
struct Config {
    label: &'static str,
    cameras: usize,
    per_camera: usize,
}

const CONFIGS: [Config; 4] = [
    Config { label: "1 cam x 1", cameras: 1, per_camera: 1 },
    Config { label: "1 cam x 10", cameras: 1, per_camera: 10 },
    Config { label: "1 cam x 50", cameras: 1, per_camera: 50 },
    Config { label: "16 cams x 3", cameras: 16, per_camera: 3 },
];

/// Whether a page draws boxes on live video, and whether it is visible.
const READY: &str = r#"(() => {
  const root = document.querySelector('[data-overlay-root]');
  const player = document.querySelector('[data-player-state]');
  const boxes = root ? [...root.querySelectorAll('[data-kind=box]')].filter((b) => b.style.display !== 'none').length : 0;
  return { state: player ? player.dataset.playerState : null, boxes, hidden: document.hidden, renderer: root ? root.dataset.renderer || null : null };
})()"#;

/// Installed in every page at the window's start: the page's `/api/`
/// requests (resource timing) and the first time each marker row's box was shown.
const INSTALL: &str = r#"(() => {
  const MARKER = '__MARKER__';
  const video = document.querySelector('video');
  const q = video && video.getVideoPlaybackQuality ? video.getVideoPlaybackQuality() : null;
  const m = (window.__manyViewers = { t0: Date.now(), api: [], drawn: {}, hiddenAtStart: document.hidden, visibilityChanges: 0, framesAtStart: q ? q.totalVideoFrames : null });
  document.addEventListener('visibilitychange', () => { m.visibilityChanges += 1; });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const u = new URL(e.name);
      if (u.pathname.startsWith('/api/')) m.api.push([performance.timeOrigin + e.startTime, u.pathname + u.search, e.encodedBodySize, e.responseStatus, e.duration]);
    }
  }).observe({ type: 'resource' });
  const look = (el) => {
    if (el.nodeType !== 1 || el.dataset.model !== MARKER || el.style.display === 'none') return;
    const track = el.dataset.track;
    if (track && !(track in m.drawn)) m.drawn[track] = Date.now();
  };
  new MutationObserver((records) => { for (const r of records) look(r.target); })
    .observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-track', 'style'] });
  return { hidden: document.hidden, visibility: document.visibilityState };
})()"#;

/// What the installed script recorded.
const COLLECT: &str = r#"(() => {
  const m = window.__manyViewers;
  const video = document.querySelector('video');
  const q = video && video.getVideoPlaybackQuality ? video.getVideoPlaybackQuality() : null;
  const root = document.querySelector('[data-overlay-root]');
  const player = document.querySelector('[data-player-state]');
  if (!m) return null;
  return {
    t0: m.t0, now: Date.now(), api: m.api, drawn: m.drawn, hiddenAtStart: m.hiddenAtStart, hiddenAtEnd: document.hidden,
    visibilityChanges: m.visibilityChanges, framesAtStart: m.framesAtStart, framesAtEnd: q ? q.totalVideoFrames : null,
    state: player ? player.dataset.playerState : null, renderer: root ? root.dataset.renderer || null : null,
    playoutDelayMs: player ? player.getAttribute('data-playout-delay-ms') : null,
  };
})()"#;

/// `cargo xtask bench --many-viewers`: builds, then enters the rig's network namespace.
pub fn run_outside(minutes: f64) -> Result {
    if !(0.05..=60.0).contains(&minutes) {
        bail!("--minutes: {minutes} is outside 0.05..=60");
    }
    crate::build_viewer_and_server(crate::setup::test_tools)?;
    netns::run_inside("bench-viewers", &[minutes.to_string()])
}

/// Inside the namespace: every configuration, then the report.
pub fn run(minutes: f64) -> Result {
    let started = Instant::now();
    // Before any thread or child exists: they all inherit it, but Chromium (see `measure_on`).
    set_thread_nice(VAS_SIDE_NICE)?;
    let window = Duration::from_secs_f64(minutes * 60.0);
    let mut results: Vec<(&Config, Result<Measured>)> = Vec::new();
    // VAS_VIEWERS_ONLY=1x1,16x3 runs only those (cameras x viewers each; development only).
    let only = std::env::var("VAS_VIEWERS_ONLY").unwrap_or_default();
    let chosen = |c: &&Config| {
        only.is_empty()
            || only.split(',').any(|k| k.trim() == format!("{}x{}", c.cameras, c.per_camera))
    };
    for cfg in CONFIGS.iter().filter(chosen) {
        let t = Instant::now();
        println!(
            "== many viewers: {} ({} viewers), window {:.1} min",
            cfg.label,
            cfg.cameras * cfg.per_camera,
            minutes
        );
        let r = measure(cfg, window);
        match &r {
            Ok(m) => println!(
                "   {}: measured in {:.0} s{}",
                cfg.label,
                t.elapsed().as_secs_f64(),
                if m.notes.is_empty() {
                    String::new()
                } else {
                    format!("; {}", m.notes.join("; "))
                }
            ),
            Err(e) => println!(
                "   {}: could not be measured after {:.0} s: {e:#}",
                cfg.label,
                t.elapsed().as_secs_f64()
            ),
        }
        results.push((cfg, r));
    }
    let base = match results.first().map(|r| &r.1) {
        Some(Ok(m)) => m.clone(),
        Some(Err(e)) => {
            return Err(anyhow!(
                "the baseline ({}) could not be measured, so no ratio can be given: {e:#}",
                results[0].0.label
            ))
        }
        None => return Err(anyhow!("VAS_VIEWERS_ONLY={only} names no configuration")),
    };
    report(&results, &base, minutes, started.elapsed())
}

/// Sets the calling thread's nice value; threads and processes it starts inherit it.
fn set_thread_nice(nice: i32) -> Result {
    let tid = std::fs::read_link("/proc/thread-self")
        .ok()
        .and_then(|p| p.file_name()?.to_str()?.parse::<u32>().ok())
        .context("the calling thread's id (/proc/thread-self)")?;
    crate::run(
        std::process::Command::new("renice")
            .args(["-n", &nice.to_string(), "-p", &tid.to_string()])
            .stdout(std::process::Stdio::null()),
    )
}

fn camera_id(k: usize) -> String {
    if k == 0 {
        CAM_FED.into()
    } else {
        format!("5e1f0000-0000-4000-8000-0000000c{:04x}", 0x100 + k)
    }
}

fn now_us() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros() as i64)
}

/// A request's class, at VAS or as a page sent it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Events,
    Probe,
    Other,
}

fn kind(target: &str) -> Kind {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if !(path.ends_with("/events") || path == "/api/v1/ai-events") {
        return Kind::Other;
    }
    if query.split('&').any(|p| p == "limit=1") {
        Kind::Probe
    } else {
        Kind::Events
    }
}

/// Requests and body bytes by class.
#[derive(Clone, Default, Debug)]
struct Counts {
    events: u64,
    probes: u64,
    other: u64,
    bytes: u64,
}

impl Counts {
    fn add(&mut self, target: &str, bytes: u64) {
        match kind(target) {
            Kind::Events => self.events += 1,
            Kind::Probe => self.probes += 1,
            Kind::Other => self.other += 1,
        }
        self.bytes += bytes;
    }

    fn total(&self) -> u64 {
        self.events + self.probes + self.other
    }
}

/// The emulator's log entries after `last_seq`, added to `counts`; returns entries lost to the log's bound.
fn absorb_log(rig: &Rig, last_seq: &mut u64, counts: &mut Counts) -> u64 {
    let mut lost = 0;
    let since = *last_seq;
    for e in rig.backend().request_log().into_iter().filter(|e| e.seq > since) {
        lost += e.seq - *last_seq - 1;
        *last_seq = e.seq;
        counts.add(&e.target, e.bytes);
    }
    lost
}

/// One viewer's figures.
#[derive(Clone, Debug, Default)]
struct Viewer {
    camera: usize,
    /// Marker rows of its camera inserted in the window, and their delays (ms) when shown.
    rows: usize,
    delays_ms: Vec<f64>,
    requests: Counts,
    /// Its `/api/` requests answered with an error (or none at all).
    errors: u64,
    /// How long each of its `/api/` requests took (resource timing's duration).
    request_ms: Vec<f64>,
    fps: Option<f64>,
    playout_delay_ms: Option<f64>,
    hidden_at_start: Option<bool>,
    hidden_at_end: Option<bool>,
    visibility_changes: u64,
    state: String,
}

/// One configuration's figures.
#[derive(Clone, Debug, Default)]
struct Measured {
    viewers: Vec<Viewer>,
    /// Pages drawing boxes when the window started.
    drawing: usize,
    /// From the first page opened to every page drawing (or the limit).
    open_s: f64,
    window_s: f64,
    upstream: Counts,
    upstream_lost: u64,
    /// Peaks over the window's samples.
    connections: Connections,
    /// How long the emulator took to store each marker post in the window (ms).
    marker_post_ms: Vec<f64>,
    /// The pages' error answers by status (0: none).
    error_statuses: std::collections::BTreeMap<u64, u64>,
    server_cpu_ms: f64,
    server_rss_peak_bytes: u64,
    server_hwm_bytes: u64,
    chromium_cpu_ms: f64,
    sfu_cpu_ms: f64,
    own_cpu_ms: f64,
    machine_busy_ms: f64,
    cores: usize,
    renderers: usize,
    chromium_pss_bytes: u64,
    mem_available_bytes: u64,
    notes: Vec<String>,
}

impl Measured {
    fn per_min(&self, n: u64) -> f64 {
        n as f64 * 60.0 / self.window_s
    }

    fn cpu_pct(&self, ms: f64) -> f64 {
        100.0 * ms / (self.window_s * 1000.0)
    }

    fn viewer_requests(&self) -> Counts {
        let mut c = Counts::default();
        for v in &self.viewers {
            c.events += v.requests.events;
            c.probes += v.requests.probes;
            c.other += v.requests.other;
            c.bytes += v.requests.bytes;
        }
        c
    }

    fn all_delays(&self) -> Vec<f64> {
        self.viewers.iter().flat_map(|v| v.delays_ms.iter().copied()).collect()
    }

    fn missed_pct(&self) -> f64 {
        let rows: usize = self.viewers.iter().map(|v| v.rows).sum();
        let shown: usize = self.viewers.iter().map(|v| v.delays_ms.len()).sum();
        if rows == 0 {
            f64::NAN
        } else {
            100.0 * (rows - shown.min(rows)) as f64 / rows as f64
        }
    }
}

/// One open viewer.
struct Page {
    camera: usize,
    cdp: CdpClient,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    v
}

fn median(v: &[f64]) -> f64 {
    percentile(&sorted(v.to_vec()), 50.0)
}

/// Waits (asking each page once a second) until every page of `pages` has
/// reached the player state `live` and, with `boxes`, drawn boxes (at any of
/// the looks), or `limit` passes; returns how many did.
fn wait_pages(pages: &mut [Page], boxes: bool, limit: Duration) -> Result<usize> {
    let deadline = Instant::now() + limit;
    let mut done = vec![false; pages.len()];
    loop {
        let mut states = Vec::new();
        for (p, done) in pages.iter_mut().zip(done.iter_mut()).filter(|(_, d)| !**d) {
            let s = p.cdp.eval(READY)?;
            *done = s["state"] == "live" && (!boxes || s["boxes"].as_u64().unwrap_or(0) > 0);
            if !*done {
                states.push(format!(
                    "{} with {} boxes",
                    s["state"].as_str().unwrap_or("no player"),
                    s["boxes"]
                ));
            }
        }
        if states.is_empty() || Instant::now() > deadline {
            if !states.is_empty() {
                let what = if boxes { "drawing boxes" } else { "live" };
                println!(
                    "   {} of {} pages not {what} within {:.0} s: {}",
                    states.len(),
                    pages.len(),
                    limit.as_secs_f64(),
                    states.join(", ")
                );
            }
            return Ok(done.iter().filter(|d| **d).count());
        }
        std::thread::sleep(Duration::from_secs(1));
    }
}

fn measure(cfg: &Config, window: Duration) -> Result<Measured> {
    let cameras: Vec<String> = (0..cfg.cameras).map(camera_id).collect();
    let rig = Rig::start(&RigOptions::in_netns(
        cameras
            .iter()
            .enumerate()
            .map(|(k, id)| RigCamera::fed(id, &format!("Rig camera {k} (live scene)")))
            .collect(),
        RigEvents::every_frame(EVENT_LATENESS_MS),
    ))?;
    // The marker rows run from the start, so that every page knows the model's pace before the window.
    let markers = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let feeder = {
        let (markers, stop, cams, url) = (
            markers.clone(),
            stop.clone(),
            cameras.clone(),
            format!("{}__live/events", rig.backend().url()),
        );
        std::thread::spawn(move || feed_markers(&url, &cams, &markers, &stop))
    };
    let result = measure_on(cfg, &rig, &markers, window);
    stop.store(true, Ordering::Relaxed);
    let fed = feeder.join().map_err(|_| anyhow!("the marker feeder panicked"))?;
    let mut m = result?;
    match fed {
        Ok(0) => {}
        Ok(refused) => m
            .notes
            .push(format!("{refused} marker posts failed (the emulator refused or dropped them)")),
        Err(e) => m.notes.push(format!("the marker feeder stopped: {e:#}")),
    }
    Ok(m)
}

fn measure_on(
    cfg: &Config,
    rig: &Rig,
    markers: &Mutex<Vec<Marker>>,
    window: Duration,
) -> Result<Measured> {
    let mut m = Measured {
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        ..Measured::default()
    };
    // Occluded and background windows are not throttled either (they are not hidden: these flags do not touch `document.hidden`).
    // Started from a thread at nice 0, so ChromeDriver and Chromium run at 0, below VAS's side.
    let browser = std::thread::spawn(|| {
        set_thread_nice(0)?;
        Browser::start_with(&[
            "--disable-renderer-backgrounding",
            "--disable-background-timer-throttling",
            "--disable-backgrounding-occluded-windows",
        ])
    })
    .join()
    .map_err(|_| anyhow!("starting the browser panicked"))??;
    let address = browser.devtools_address()?;
    let mut control = browser.devtools_browser()?;
    let viewers = cfg.cameras * cfg.per_camera;
    let mut pages: Vec<Page> = Vec::new();
    let opened = Instant::now();
    for batch_start in (0..viewers).step_by(OPEN_BATCH) {
        for i in batch_start..(batch_start + OPEN_BATCH).min(viewers) {
            let camera = i % cfg.cameras;
            let url = format!("{}cameras/{}", rig.url(), camera_id(camera));
            let made = control
                .call(
                    "Target.createTarget",
                    json!({"url": url, "newWindow": true, "width": WINDOW_W, "height": WINDOW_H}),
                )
                .map_err(|e| anyhow!("viewer {} of {viewers}: {e:#}", i + 1))?;
            let id = made["targetId"]
                .as_str()
                .with_context(|| format!("Target.createTarget gave no target: {made}"))?;
            let cdp = CdpClient::connect(&format!("ws://{address}/devtools/page/{id}"))
                .map_err(|e| anyhow!("viewer {} of {viewers}: {e:#}", i + 1))?;
            pages.push(Page { camera, cdp });
        }
        // The next batch once these play (session set-up is the costly part), whatever they draw.
        let batch = batch_start..pages.len();
        wait_pages(&mut pages[batch], false, BATCH_LIMIT)?;
    }
    // Measured whatever they draw: pages that never draw miss every row.
    wait_pages(&mut pages, true, DRAW_LIMIT)?;
    m.open_s = opened.elapsed().as_secs_f64();
    std::thread::sleep(WARM_UP);
    m.drawing = wait_pages(&mut pages, true, Duration::from_secs(5))?;
    if m.drawing < viewers {
        m.notes.push(format!(
            "{} of {viewers} pages were not drawing boxes when the window started",
            viewers - m.drawing
        ));
    }
    let script = INSTALL.replace("__MARKER__", MARKER_MODEL);
    for p in pages.iter_mut() {
        p.cdp.eval(&script)?;
    }
    // The window.
    let server_pid = rig.server_pid();
    let (cpu_server, cpu_chromium, cpu_sfu) = (
        ProcessCpu::snapshot(server_pid),
        ProcessCpu::snapshot(browser.driver_pid()),
        ProcessCpu::snapshot(rig.sfu_pid()),
    );
    let (own0, busy0) = (own_cpu_ms(), proc_cpu::machine_busy_ms());
    let mut last_seq = rig.backend().request_log().last().map_or(0, |e| e.seq);
    let (t0, t0_us) = (Instant::now(), now_us());
    let deadline = t0 + window;
    m.server_rss_peak_bytes = rss(server_pid).0;
    m.connections = Connections::sample(rig);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        std::thread::sleep(left.min(SAMPLE_EVERY));
        m.upstream_lost += absorb_log(rig, &mut last_seq, &mut m.upstream);
        m.server_rss_peak_bytes = m.server_rss_peak_bytes.max(rss(server_pid).0);
        m.connections = m.connections.max(Connections::sample(rig));
    }
    m.window_s = t0.elapsed().as_secs_f64();
    let t1_us = now_us();
    m.server_cpu_ms = cpu_ms(&cpu_server, &ProcessCpu::snapshot(server_pid), false);
    m.chromium_cpu_ms = cpu_ms(&cpu_chromium, &ProcessCpu::snapshot(browser.driver_pid()), true);
    m.sfu_cpu_ms = cpu_ms(&cpu_sfu, &ProcessCpu::snapshot(rig.sfu_pid()), false);
    m.own_cpu_ms = own_cpu_ms() - own0;
    m.machine_busy_ms = proc_cpu::machine_busy_ms() - busy0;
    m.server_hwm_bytes = rss(server_pid).1;
    (m.renderers, m.chromium_pss_bytes, m.mem_available_bytes) =
        chromium_memory(browser.driver_pid());
    if m.upstream_lost > 0 {
        m.notes.push(format!(
            "{} of VAS's requests left the emulator's log before they were read",
            m.upstream_lost
        ));
    }
    // Rows inserted near the end may still be drawn.
    std::thread::sleep(GRACE);
    let rows: Vec<Marker> = markers
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .filter(|r| (t0_us..=t1_us).contains(&r.inserted_us))
        .copied()
        .collect();
    if rows.is_empty() {
        m.notes.push("no marker row was inserted in the window: no delay can be given".into());
    }
    m.marker_post_ms = rows.iter().map(|r| r.post_ms).collect();
    let (t0_ms, t1_ms) = (t0_us as f64 / 1000.0, t1_us as f64 / 1000.0);
    for p in pages.iter_mut() {
        let c = p.cdp.eval(COLLECT)?;
        let mut v = Viewer {
            camera: p.camera,
            state: c["state"].as_str().unwrap_or("none").to_owned(),
            ..Viewer::default()
        };
        if c.is_null() {
            m.notes.push("a page lost its counters (it was reloaded)".into());
            m.viewers.push(v);
            continue;
        }
        for e in c["api"].as_array().into_iter().flatten() {
            let at = e[0].as_f64().unwrap_or(0.0);
            if (t0_ms..=t1_ms).contains(&at) {
                v.requests.add(e[1].as_str().unwrap_or_default(), e[2].as_u64().unwrap_or(0));
                // 0: no answer (a network error); absent: not reported by this browser.
                if let Some(status) = e[3].as_u64().filter(|s| !(200..300).contains(s)) {
                    v.errors += 1;
                    *m.error_statuses.entry(status).or_default() += 1;
                }
                v.request_ms.extend(e[4].as_f64());
            }
        }
        let mine: Vec<&Marker> = rows.iter().filter(|r| r.camera == p.camera).collect();
        v.rows = mine.len();
        v.delays_ms = mine
            .iter()
            .filter_map(|r| {
                c["drawn"][r.track.to_string()]
                    .as_f64()
                    .map(|at| at - r.inserted_us as f64 / 1000.0)
            })
            .collect();
        let seconds = (c["now"].as_f64().unwrap_or(0.0) - c["t0"].as_f64().unwrap_or(0.0)) / 1000.0;
        v.fps = match (c["framesAtStart"].as_f64(), c["framesAtEnd"].as_f64()) {
            (Some(a), Some(b)) if seconds > 0.0 && b >= a => Some((b - a) / seconds),
            _ => None,
        };
        v.playout_delay_ms = c["playoutDelayMs"].as_str().and_then(|d| d.parse().ok());
        v.hidden_at_start = c["hiddenAtStart"].as_bool();
        v.hidden_at_end = c["hiddenAtEnd"].as_bool();
        v.visibility_changes = c["visibilityChanges"].as_u64().unwrap_or(0);
        if c["renderer"] != "dom" {
            m.notes.push(format!("a page drew with the {} renderer: its boxes are not elements, its delays cannot be read", c["renderer"]));
        }
        m.viewers.push(v);
    }
    let hidden = m
        .viewers
        .iter()
        .filter(|v| v.hidden_at_start != Some(false) || v.hidden_at_end != Some(false))
        .count();
    if hidden > 0 {
        m.notes.push(format!("{hidden} pages were hidden at the window's start or end"));
    }
    for p in pages.drain(..) {
        drop(p.cdp);
    }
    drop(control);
    drop(browser);
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_classed_as_the_viewer_sends_them() {
        let list = "/api/v1/ai-events/cameras/5e1f/events?start_time=2026-01-05T12%3A00%3A00Z&end_time=x&limit=1000&offset=0";
        let probe =
            "/api/v1/ai-events/cameras/5e1f/events?start_time=a&end_time=b&limit=1&offset=0";
        assert!(kind(list) == Kind::Events && kind(probe) == Kind::Probe);
        assert!(kind("/api/v1/devices?skip=0&limit=1000") == Kind::Other);
        assert!(kind("/api/v1/recordings/devices/x/playlist") == Kind::Other);
    }

    #[test]
    fn nearest_rank_percentiles() {
        let v = sorted(vec![5.0, 1.0, 3.0, 2.0, 4.0]);
        assert_eq!(
            (percentile(&v, 50.0), percentile(&v, 95.0), percentile(&v, 0.0)),
            (3.0, 5.0, 1.0)
        );
        assert!(percentile(&[], 50.0).is_nan());
    }
}

//! `cargo xtask bench --day-recording`: the recordings page on a day of VAS recording (14,400 segments) beside the demo recording, in the same run.
//!
//! The VAS emulator serves the demo recording (12 segments, about a minute)
//! and its day camera (a 24-hour rolling playlist of 6 s segments that grows
//! by one every 6 s, events at 2/s per model on every segment); the
//! production server is in front of it, as in production. Each page is
//! opened in a fresh headless Chromium, with an instrumentation script that
//! DevTools adds to the document before any of the viewer's code runs: it
//! watches the presented video frames (`requestVideoFrameCallback`), reads
//! the overlay after the rendering update that drew each frame, and keeps the
//! playlist's resource entries and the long tasks. It reads only what the
//! page shows (`[data-overlay-root]`, `[data-kind=box]`, `[data-clock-info]`,
//! `[data-start-note]`), so an older build of the viewer (`--dist DIR`) can be
//! measured too: one that ignores `?at=` is reported where it opened.
//!
//! Per page (demo, day), at the day's real speed:
//! 1. time to the first presented frame and to the first frame with boxes,
//!    from navigation;
//! 2. where it opened: the wall time of the first frame with boxes against
//!    the end of the newest listed segment;
//! 3. N minutes of play (default 2): every playlist reload, its bytes, the
//!    longest main-thread task in the second after its response arrived
//!    (from a Chromium trace, top-level tasks of the renderer's main thread;
//!    the worst animation-frame gap when no trace could be taken), and the
//!    long tasks (over 50 ms) of the period;
//! 4. the share of presented frames with boxes drawn and the longest stretch
//!    without (the day has events on every second: anything missing is a blink);
//! 5. a 15 s pause, then play: time until boxes are drawn again, and whether
//!    the timeline's clock info said "not known yet";
//! 6. JS heap (after a garbage collection through DevTools) and the
//!    WebAssembly memory at the end.
//!
//! Day camera only: 7. `?at=` 12 hours before the newest segment's end (time
//! to boxes, the first frame drawn against the time asked); 8. a second
//! emulator whose day runs 60 times faster (an hour of the day per real
//! minute; 60 new segments per reload), the page open for N minutes (default
//! 1): memory after first boxes and at the end, the longest task per reload.
//!
//! Printed as one table (demo | day | day / demo) with raw details after it,
//! and written to `target/figures/day-recording.txt`. A benchmark, never a
//! test: nothing here fails on a figure; a page that does not get somewhere
//! within its limit gives a "timeout" cell.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use vas_overlay_viewer::core::time::{format_rfc3339_utc, parse_rfc3339, UnixMicros};

use crate::cdp::CdpClient;
use vas_emulator::day_recording::DAY_CAMERA_ID;
use vas_emulator::{self as demo_backend, BackendConfig, RunningBackend};
use crate::webdriver::Browser;
use crate::{repo_root, viewer_server, Result};

/// The demo recording's camera.
const DEMO_CAMERA: &str = "9d3f2b1a-6c4e-4b8a-a1f0-2e7d5c9b3a10";
/// A page that has not drawn boxes this long after navigation is a timeout.
const LIMIT_MS: u64 = 60_000;
const PAUSE_MS: u64 = 15_000;
/// The window after a playlist response in which its longest task is looked for.
const AFTER_RELOAD_MS: f64 = 1_000.0;
const FAST_SPEED: f64 = 60.0;
const HOUR_US: i64 = 3_600_000_000;
/// The user-timing mark that ties the trace's clock to the page's.
const SYNC_MARK: &str = "day-bench-sync";

/// Added to every new document before the viewer's scripts (DevTools'
/// `Page.addScriptToEvaluateOnNewDocument`). `window.__dayBench` keeps:
/// the first presented frame (`requestVideoFrameCallback`) and the first
/// frame with boxes; for each new presented frame, the overlay as drawn
/// (read in a task posted from the animation frame, so after the overlay's
/// own animation-frame callback for that frame has run); playlist resource
/// entries; long tasks; animation-frame gaps over 50 ms. `windowStart` /
/// `windowStop` bracket a measured period.
const INSTRUMENT: &str = r#"(() => {
  if (window.__dayBench) return;
  const B = {firstFrameMs: null, firstFrameMt: null, firstBoxesMs: null, firstBoxes: null, video: null,
    presented: 0, lastMt: null, lastSeen: -1, lastRaf: null, lastEval: null, reloads: [], eventFetches: [], longtasks: [], rafGaps: [], win: null};
  window.__dayBench = B;
  B.rootOf = () => document.querySelector('[data-overlay-root]:not([data-timeline-strip])');
  B.boxesShown = (root) => { let n = 0; for (const b of root.querySelectorAll('[data-kind=box]')) if (b.style.display !== 'none') n++; return n; };
  try {
    new PerformanceObserver(l => { for (const e of l.getEntries()) {
      if (e.name.includes('/playlist'))
        B.reloads.push({start: e.startTime, end: e.responseEnd, transfer: e.transferSize, encoded: e.encodedBodySize, decoded: e.decodedBodySize});
      else if (e.name.includes('/ai-events/') && B.eventFetches.length < 2000)
        B.eventFetches.push({url: e.name, start: e.startTime, end: e.responseEnd, decoded: e.decodedBodySize});
    } }).observe({type: 'resource', buffered: true});
  } catch (e) { B.resourceError = String(e); }
  try {
    new PerformanceObserver(l => { for (const e of l.getEntries()) B.longtasks.push([e.startTime, e.duration]); }).observe({type: 'longtask', buffered: true});
  } catch (e) { B.longtaskError = String(e); }
  function attach(v) {
    B.video = v;
    if (typeof v.requestVideoFrameCallback !== 'function') { B.noFrameCallback = true; return; }
    const onFrame = (now, md) => {
      if (B.firstFrameMs === null) { B.firstFrameMs = now; B.firstFrameMt = md.mediaTime; }
      B.presented = md.presentedFrames; B.lastMt = md.mediaTime;
      if (B.video === v) v.requestVideoFrameCallback(onFrame);
    };
    v.requestVideoFrameCallback(onFrame);
  }
  function closeStretch(w, t, open) {
    const s = {at: w.noBoxSince - w.t0, ms: t - w.noBoxSince, mt: w.noBoxMt, open};
    w.count++;
    w.stretches.push(s);
    w.stretches.sort((a, b) => b.ms - a.ms);
    if (w.stretches.length > 8) w.stretches.length = 8;
    w.noBoxSince = null;
  }
  const jobs = [];
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    const job = jobs.shift();
    if (!job) return;
    const root = B.rootOf();
    const n = root && root.getAttribute('data-overlay-state') !== 'hidden' ? B.boxesShown(root) : 0;
    B.lastEval = {p: job.p, t: job.t, n};
    if (n > 0 && B.firstBoxesMs === null) {
      B.firstBoxesMs = job.t;
      B.firstBoxes = {frameUs: root.getAttribute('data-frame-time-us'), mt: root.getAttribute('data-media-time'), boxes: n,
        currentTime: B.video && B.video.currentTime, duration: B.video && B.video.duration};
    }
    const w = B.win;
    if (w && !w.closed) {
      w.frames++;
      if (n > 0) { w.withBoxes++; if (w.noBoxSince !== null) closeStretch(w, job.t, false); }
      else if (w.noBoxSince === null) { w.noBoxSince = job.t; w.noBoxMt = job.mt; }
    }
  };
  function tick(now) {
    if (B.lastRaf !== null && now - B.lastRaf > 50 && B.rafGaps.length < 20000) B.rafGaps.push([B.lastRaf, now - B.lastRaf]);
    B.lastRaf = now;
    const v = document.querySelector('video');
    if (v && v !== B.video) attach(v);
    if (B.presented !== B.lastSeen) {
      B.lastSeen = B.presented;
      jobs.push({p: B.presented, t: now, mt: B.lastMt});
      channel.port2.postMessage(null);
    }
    requestAnimationFrame(tick);
  }
  requestAnimationFrame(tick);
  B.quality = () => { const v = B.video; const q = v && v.getVideoPlaybackQuality ? v.getVideoPlaybackQuality() : null;
    return q ? {total: q.totalVideoFrames, dropped: q.droppedVideoFrames} : null; };
  B.windowStart = () => {
    B.win = {t0: performance.now(), frames: 0, withBoxes: 0, noBoxSince: null, noBoxMt: null, stretches: [], count: 0,
      q0: B.quality(), ct0: B.video ? B.video.currentTime : null};
    return B.win.t0;
  };
  B.windowStop = () => {
    const w = B.win, t1 = performance.now();
    if (!w) return null;
    if (w.noBoxSince !== null) closeStretch(w, t1, true);
    w.closed = true;
    const inside = (t) => t >= w.t0 && t <= t1;
    return {t0: w.t0, t1, frames: w.frames, withBoxes: w.withBoxes, stretches: w.stretches, stretchCount: w.count,
      q0: w.q0, q1: B.quality(), ct0: w.ct0, ct1: B.video ? B.video.currentTime : null, paused: B.video ? B.video.paused : null,
      ended: B.video ? B.video.ended || B.video.currentTime >= B.video.duration - 0.5 : null, timeOrigin: performance.timeOrigin, eventFetches: B.eventFetches,
      reloads: B.reloads.filter(r => inside(r.end)), allReloads: B.reloads.length, firstReload: B.reloads[0] || null,
      longtasks: B.longtasks.filter(l => inside(l[0])), rafGaps: B.rafGaps.filter(g => inside(g[0] + g[1])),
      resourceError: B.resourceError || null, longtaskError: B.longtaskError || null, noFrameCallback: !!B.noFrameCallback};
  };
})();"#;

/// Waits (from navigation) until a frame with boxes was drawn, a parameter
/// was refused, or the limit; says what the page shows.
const WAIT_FIRST: &str = r#"
const [limitMs, done] = [arguments[0], arguments[arguments.length - 1]];
const B = window.__dayBench;
function info() {
  const root = B ? B.rootOf() : null;
  const v = document.querySelector('video');
  const alert = document.querySelector('[role=alert]');
  const note = document.querySelector('[data-start-note]');
  const ci = document.querySelector('[data-clock-info]');
  return {firstFrameMs: B ? B.firstFrameMs : null, firstFrameMt: B ? B.firstFrameMt : null, firstBoxesMs: B ? B.firstBoxesMs : null,
    firstBoxes: B ? B.firstBoxes : null, note: note && note.textContent, alert: alert && alert.textContent,
    paramError: alert && alert.getAttribute('data-param-error'), clockInfo: ci && ci.textContent,
    currentTime: v && v.currentTime, duration: v && v.duration, state: root && root.getAttribute('data-overlay-state'), now: performance.now()};
}
if (!B) return done(Object.assign(info(), {error: 'the instrumentation script did not run'}));
(function look() {
  if (B.firstBoxesMs !== null) return done(info());
  const alert = document.querySelector('[role=alert][data-param-error]');
  if (alert) return done(Object.assign(info(), {refused: true}));
  if (performance.now() > limitMs) return done(Object.assign(info(), {timeout: true}));
  requestAnimationFrame(look);
})();
"#;

/// Pauses for `pauseMs`, plays, and waits for a new presented frame with
/// boxes; watches the timeline's clock info meanwhile.
const PAUSE_PLAY: &str = r#"
const [pauseMs, limitMs, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
const B = window.__dayBench;
const v = document.querySelector('video');
if (!B || !v) return done({error: 'no video'});
const info = () => { const p = document.querySelector('[data-clock-info]'); return p ? p.textContent : ''; };
const unknown = (t) => t.includes('not known yet');
let duringPause = unknown(info()), afterPlay = false, playError = null, pausedAt = null;
const play = () => { const p = v.play(); if (p && p.catch) p.catch(e => { playError = String(e); }); };
// Waits for a frame presented after `t0` with boxes drawn, then calls `then(ms, boxes)`.
function whenDrawn(p0, t0, then, onTimeout) {
  (function look() {
    if (unknown(info())) afterPlay = pausedAt !== null;
    const e = B.lastEval;
    if (e && e.p > p0 && e.n > 0 && e.t >= t0) return then(e.t - t0, e.n);
    if (performance.now() - t0 > limitMs) return onTimeout();
    requestAnimationFrame(look);
  })();
}
function pauseNow() {
  pausedAt = v.currentTime;
  v.pause();
  const watch = setInterval(() => { if (unknown(info())) duringPause = true; }, 100);
  setTimeout(() => {
    clearInterval(watch);
    const infoAtPlay = info(), resumedAt = v.currentTime, p0 = B.presented, t0 = performance.now();
    play();
    const base = () => ({duringPause, afterPlay, infoAtPlay, info: info(), pausedAt, resumedAt, rewound, currentTime: v.currentTime, playError});
    whenDrawn(p0, t0, (ms, boxes) => done(Object.assign(base(), {ms, boxes})), () => done(Object.assign(base(), {timeout: true, paused: v.paused})));
  }, pauseMs);
}
// A recording that does not grow (the demo) may have played to its end: the
// pause is then taken 18 s before its end (about where it opens), once boxes show there.
const rewound = v.ended || v.currentTime >= v.duration - 0.5 ? Math.max(0, v.duration - 18) : null;
if (rewound === null) {
  pauseNow();
} else {
  const p0 = B.presented, t0 = performance.now();
  v.currentTime = rewound;
  play();
  whenDrawn(p0, t0, () => pauseNow(), () => done({timeout: true, rewound, rewindFailed: true, currentTime: v.currentTime, playError}));
}
"#;

const MEMORY: &str = "({used: performance.memory.usedJSHeapSize, total: performance.memory.totalJSHeapSize})";

/// A table cell: what is printed and, when it is a figure, its value.
#[derive(Clone, Debug)]
struct Cell {
    text: String,
    value: Option<f64>,
}

impl Cell {
    fn text(t: impl Into<String>) -> Cell {
        Cell { text: t.into(), value: None }
    }
    fn num(v: f64, text: String) -> Cell {
        Cell { text, value: Some(v).filter(|v| v.is_finite()) }
    }
    fn ms(v: Option<f64>, missing: &str) -> Cell {
        v.map_or_else(|| Cell::text(missing), |v| Cell::num(v, format!("{v:.0} ms")))
    }
    fn mb(bytes: Option<f64>) -> Cell {
        bytes.map_or_else(|| Cell::text("n/a"), |b| Cell::num(b / 1_048_576.0, format!("{:.1} MB", b / 1_048_576.0)))
    }
    fn kb(bytes: Option<f64>) -> Cell {
        bytes.map_or_else(|| Cell::text("n/a"), |b| Cell::num(b / 1024.0, format!("{:.1} kB", b / 1024.0)))
    }
    fn count(n: usize) -> Cell {
        Cell::num(n as f64, n.to_string())
    }
    fn seconds_behind(s: f64) -> Cell {
        let text = if s.abs() >= 3_600.0 { format!("{:.2} h", s / 3_600.0) } else { format!("{s:.1} s") };
        Cell::num(s, text)
    }
    fn dash() -> Cell {
        Cell::text("-")
    }
}

/// JS heap and WebAssembly memory, bytes.
#[derive(Clone, Copy, Debug)]
struct Memory {
    js_used: f64,
    js_total: f64,
    wasm: Option<f64>,
}

/// One playlist response of the measured period.
#[derive(Debug)]
struct Reload {
    /// Page clock (ms from navigation) when the response arrived.
    end_ms: f64,
    transfer: f64,
    encoded: f64,
    decoded: f64,
    /// Longest top-level main-thread task overlapping the second after it (trace).
    task_ms: Option<f64>,
    /// Worst animation-frame gap over 50 ms ending in that second (0: none).
    raf_gap_ms: f64,
}

/// The newest listed segment, and the day's clock beside the machine's.
#[derive(Clone, Copy)]
struct Newest {
    end_us: i64,
    number: u64,
    /// The day's now (the emulator's clock for the day camera) and the machine's wall time, read together.
    day_now_us: i64,
    wall_us: i64,
}

/// How one page was opened and measured.
struct PageOptions {
    url: String,
    /// The day camera's clock speed; None for the demo (its events are not on the day's clock).
    day_speed: Option<f64>,
    window: Duration,
    pause: bool,
    memory_at_start: bool,
}

/// What one page measured.
struct PageRun {
    first: Value,
    /// The newest segment and the day's clock when the first boxes were drawn.
    snap: Option<Newest>,
    day_speed: Option<f64>,
    /// The newest listed segment's end when the first boxes were drawn.
    newest_end_us: Option<i64>,
    memory_start: Option<Memory>,
    window: Value,
    /// Segments the playlist gained over the measured period.
    segments_gained: u64,
    reloads: Vec<Reload>,
    trace_note: String,
    pause: Option<Value>,
    memory_end: Option<Memory>,
    errors: Vec<String>,
}

/// `cargo xtask bench --day-recording [--dist DIR] [--minutes N]`.
pub fn run(args: &[String]) -> Result {
    let root = repo_root();
    let minutes: Option<f64> = crate::flag(args, "--minutes")?
        .map(|m| m.parse::<f64>().ok().filter(|m| m.is_finite() && *m > 0.0).ok_or_else(|| format!("--minutes: not a positive number: {m}")))
        .transpose()?;
    let play_window = Duration::from_secs_f64(minutes.unwrap_or(2.0) * 60.0);
    let fast_window = Duration::from_secs_f64(minutes.unwrap_or(1.0) * 60.0);
    let dist = match crate::flag(args, "--dist")? {
        Some(d) => {
            let d = PathBuf::from(d);
            let d = if d.is_absolute() { d } else { std::env::current_dir().map_err(|e| e.to_string())?.join(d) };
            if !d.join("index.html").is_file() {
                return Err(format!("--dist {}: no index.html there (a viewer build, as `cargo xtask build` writes dist/)", d.display()));
            }
            d
        }
        None => {
            crate::setup::build_tools()?;
            crate::build_viewer()?;
            root.join("dist")
        }
    };
    crate::setup::test_tools()?;
    viewer_server::build()?;
    let started = Instant::now();
    let demo_end_us = demo_newest_end_us(&root)?;
    let key = viewer_server::EMULATED_VAS_KEY;
    let config = |speed: Option<f64>| BackendConfig {
        dist_dir: dist.clone(),
        data_dir: Some(root.join("static/demo")),
        api_key: Some(key.into()),
        viewer_api_key: None,
        day_speed: speed,
    };
    println!("== day recording bench: viewer {}, {:.1} min of play per page, {:.1} min at day speed {FAST_SPEED}", dist.display(), play_window.as_secs_f64() / 60.0, fast_window.as_secs_f64() / 60.0);

    let backend = demo_backend::start(config(None), "127.0.0.1:0").map_err(|e| format!("VAS emulator: {e}"))?;
    let server = viewer_server::in_front_of(&backend.url(), &dist, Some(&root.join("static/demo")), "day-bench", "127.0.0.1:0", Some(key.into()))?;
    let base = server.url().to_owned();
    let truth0 = backend.day_truth().ok_or("the emulator has no day camera (static/demo/recording missing?)")?;
    println!("  day camera: {} listed segments, media sequence {}, {} runs", truth0.segments.len(), truth0.media_sequence, truth0.runs.len());

    println!("== demo recording page");
    let demo = measure_page(
        &PageOptions { url: format!("{base}cameras/{DEMO_CAMERA}/recordings"), window: play_window, pause: true, memory_at_start: false, day_speed: None },
        &|| Some(Newest { end_us: demo_end_us, number: 0, day_now_us: 0, wall_us: 0 }),
    );
    println!("== day camera page");
    let day = measure_page(
        &PageOptions {
            url: format!("{base}cameras/{DAY_CAMERA_ID}/recordings"),
            window: play_window,
            pause: true,
            memory_at_start: false,
            day_speed: Some(1.0),
        },
        &|| day_newest(&backend),
    );
    println!("== day camera page, ?at= 12 h before the newest segment's end");
    let asked_us = day_newest(&backend).map(|n| (n.end_us - 12 * HOUR_US).div_euclid(1_000_000) * 1_000_000).ok_or("no day truth")?;
    let asked = format_rfc3339_utc(UnixMicros(asked_us));
    let at = measure_at(&format!("{base}cameras/{DAY_CAMERA_ID}/recordings?at={asked}"), asked_us, &backend).unwrap_or_else(|e| {
        println!("  the page could not be measured: {e}");
        json!({"error": e})
    });
    drop(server);
    backend.stop();

    println!("== day camera page, day speed {FAST_SPEED} (an hour of the day per real minute)");
    let fast_backend = demo_backend::start(config(Some(FAST_SPEED)), "127.0.0.1:0").map_err(|e| format!("VAS emulator (fast day): {e}"))?;
    let fast_server =
        viewer_server::in_front_of(&fast_backend.url(), &dist, Some(&root.join("static/demo")), "day-bench-fast", "127.0.0.1:0", Some(key.into()))?;
    let fast = measure_page(
        &PageOptions {
            url: format!("{}cameras/{DAY_CAMERA_ID}/recordings", fast_server.url()),
            window: fast_window,
            pause: false,
            memory_at_start: true,
            day_speed: Some(FAST_SPEED),
        },
        &|| day_newest(&fast_backend),
    );
    drop(fast_server);
    fast_backend.stop();

    let report = report(&Report {
        dist: &dist,
        play_window,
        fast_window,
        demo: &demo,
        day: &day,
        at: &at,
        asked: &asked,
        fast: &fast,
        elapsed: started.elapsed(),
    });
    print!("{report}");
    let dir = root.join("target/figures");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("day-recording.txt"), &report).map_err(|e| e.to_string())?;
    println!("(written to target/figures/day-recording.txt)");
    Ok(())
}

/// The end of the demo recording's last segment (recording.json: its true start plus its frames at 30 fps).
fn demo_newest_end_us(root: &Path) -> Result<i64> {
    let path = root.join("static/demo/recording/recording.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let v: Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    v["segments"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| {
            let start = parse_rfc3339(s["true_start"].as_str()?)?.0;
            Some(start + (s["frames"].as_f64()? * 1e6 / 30.0).round() as i64)
        })
        .max()
        .ok_or_else(|| format!("{}: no segments", path.display()))
}

fn day_newest(backend: &RunningBackend) -> Option<Newest> {
    let truth = backend.day_truth()?;
    let wall_us = wall_now_us();
    truth.newest.map(|n| Newest { end_us: n.true_start_us + n.duration_us, number: n.number, day_now_us: truth.now_us, wall_us })
}

fn wall_now_us() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_micros() as i64)
}

/// A fresh browser whose pages all run the instrumentation first.
fn open_browser() -> Result<(Browser, CdpClient)> {
    let browser = Browser::start_with(&["--enable-precise-memory-info"])?;
    browser.set_script_timeout(PAUSE_MS + LIMIT_MS + 30_000)?;
    let address = browser.debugger_address.clone().ok_or("chromedriver reported no DevTools address")?;
    let mut cdp = CdpClient::connect_to_page(&address)?;
    cdp.call("Page.enable", json!({}))?;
    // Without Page.enable the script is accepted but never runs.
    cdp.call("Page.addScriptToEvaluateOnNewDocument", json!({"source": INSTRUMENT}))?;
    Ok((browser, cdp))
}

/// A page script's answer; a WebDriver error (its script timeout included) becomes a timeout answer.
fn script(browser: &Browser, source: &str, args: Value) -> Value {
    browser.execute_async(source, args).unwrap_or_else(|e| json!({"timeout": true, "error": e}))
}

fn memory(cdp: &mut CdpClient) -> Result<Memory> {
    cdp.call("HeapProfiler.collectGarbage", json!({}))?;
    let m = cdp.eval(MEMORY)?;
    let wasm = crate::rig::live_memory::wasm_memory_bytes(cdp).ok().filter(|b| *b > 0.0);
    Ok(Memory { js_used: m["used"].as_f64().unwrap_or(f64::NAN), js_total: m["total"].as_f64().unwrap_or(f64::NAN), wasm })
}

/// A page that could not be measured at all: its cells say so, the run goes on.
fn measure_page(opts: &PageOptions, newest: &dyn Fn() -> Option<Newest>) -> PageRun {
    measure_page_or_fail(opts, newest).unwrap_or_else(|e| {
        println!("  the page could not be measured: {e}");
        PageRun {
            first: json!({"error": e}),
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

fn measure_page_or_fail(opts: &PageOptions, newest: &dyn Fn() -> Option<Newest>) -> Result<PageRun> {
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
            Err(e) => (None, format!("no trace ({e}): animation-frame gaps instead")),
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
    Ok(PageRun { first, snap, day_speed: opts.day_speed, newest_end_us, memory_start, window, segments_gained, reloads, trace_note, pause, memory_end, errors })
}

/// `?at=`: time to the first boxes and the wall time of the first frame drawn against the time asked.
fn measure_at(url: &str, asked_us: i64, backend: &RunningBackend) -> Result<Value> {
    let (browser, _cdp) = open_browser()?;
    browser.goto(url)?;
    let mut v = script(&browser, WAIT_FIRST, json!([LIMIT_MS]));
    let frame_us = v["firstBoxes"]["frameUs"].as_str().and_then(|s| s.parse::<i64>().ok());
    v["offsetMs"] = json!(frame_us.map(|f| (f - asked_us) as f64 / 1000.0));
    v["newestEndUs"] = json!(day_newest(backend).map(|n| n.end_us));
    println!("  first boxes {} ms, first frame drawn {} ms after the time asked", show(&v["firstBoxesMs"]), show(&v["offsetMs"]));
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
            if mark.is_none() && t["name"] == SYNC_MARK && t["cat"].as_str().is_some_and(|c| c.contains("user_timing")) {
                mark = Some((t["pid"].clone(), t["tid"].clone(), t["ts"].as_f64().unwrap_or(f64::NAN)));
            } else if t["ph"] == "X" && t["cat"].as_str().is_some_and(|c| c.contains("toplevel")) {
                if let (Some(ts), Some(dur)) = (t["ts"].as_f64(), t["dur"].as_f64()) {
                    slices.push((t["pid"].clone(), t["tid"].clone(), ts, dur));
                }
            }
        }
    })?;
    let (pid, tid, mark_ts) = mark.ok_or("the trace has no sync mark")?;
    let mut main: Vec<(f64, f64)> = slices.into_iter().filter(|s| s.0 == pid && s.1 == tid).map(|s| (s.2, s.3)).collect();
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
    let note = format!("trace: {events} events, {} top-level main-thread tasks{}", tasks.len(), if lost { ", DATA LOSS reported" } else { "" });
    Ok((tasks, note))
}

/// The period's playlist responses with the longest task and worst frame gap in the second after each.
fn reloads(window: &Value, tasks: Option<&[(f64, f64)]>) -> Vec<Reload> {
    let gaps: Vec<(f64, f64)> = window["rafGaps"].as_array().into_iter().flatten().filter_map(|g| Some((g[0].as_f64()?, g[1].as_f64()?))).collect();
    window["reloads"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| {
            let end_ms = r["end"].as_f64()?;
            let upto = end_ms + AFTER_RELOAD_MS;
            let task_ms = tasks.map(|t| t.iter().filter(|(s, d)| s + d > end_ms && *s < upto).map(|(_, d)| *d).fold(0.0, f64::max));
            let raf_gap_ms = gaps.iter().filter(|(s, g)| s + g > end_ms && *s < upto).map(|(_, g)| *g).fold(0.0, f64::max);
            let n = |k: &str| r[k].as_f64().unwrap_or(f64::NAN);
            Some(Reload { end_ms, transfer: n("transfer"), encoded: n("encoded"), decoded: n("decoded"), task_ms, raf_gap_ms })
        })
        .collect()
}

fn show(v: &Value) -> String {
    match v.as_f64() {
        Some(x) => format!("{x:.0}"),
        None if v.is_null() => "-".into(),
        None => v.to_string(),
    }
}

fn median(v: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[v.len() / 2])
}

fn max(v: &[f64]) -> Option<f64> {
    v.iter().copied().filter(|x| x.is_finite()).reduce(f64::max)
}

/// The figures of one page, in table order.
struct PageCells {
    first_frame: Cell,
    first_boxes: Cell,
    behind: Cell,
    reloads: Cell,
    transfer: Cell,
    encoded: Cell,
    task_median: Cell,
    task_worst: Cell,
    long_tasks: Cell,
    with_boxes: Cell,
    no_boxes: Cell,
    resume: Cell,
    not_known: Cell,
    heap: Cell,
    wasm: Cell,
}

fn first_cells(first: &Value) -> (Cell, Cell) {
    let missing = if first["timeout"] == true { "timeout" } else { "none" };
    (Cell::ms(first["firstFrameMs"].as_f64(), missing), Cell::ms(first["firstBoxesMs"].as_f64(), missing))
}

/// The longest task after each reload (trace), or the worst frame gap when there was no trace.
fn reload_costs(p: &PageRun) -> (Vec<f64>, &'static str) {
    if p.reloads.iter().all(|r| r.task_ms.is_some()) {
        (p.reloads.iter().filter_map(|r| r.task_ms).collect(), "")
    } else {
        (p.reloads.iter().map(|r| r.raf_gap_ms).collect(), " (frame gap)")
    }
}

fn page_cells(p: &PageRun) -> PageCells {
    let (first_frame, first_boxes) = first_cells(&p.first);
    let frame_us = p.first["firstBoxes"]["frameUs"].as_str().and_then(|s| s.parse::<i64>().ok());
    let behind = match (frame_us, p.newest_end_us) {
        (Some(f), Some(end)) => Cell::seconds_behind((end - f) as f64 / 1e6),
        _ if p.first["timeout"] == true => Cell::text("timeout"),
        _ => Cell::text("n/a"),
    };
    let (costs, how) = reload_costs(p);
    let cost_cell = |v: Option<f64>| v.map_or_else(|| Cell::text("none"), |v| Cell::num(v, format!("{v:.0} ms{how}")));
    let transfer: Vec<f64> = p.reloads.iter().map(|r| r.transfer).collect();
    let encoded: Vec<f64> = p.reloads.iter().map(|r| r.encoded).collect();
    let w = &p.window;
    let frames = w["frames"].as_f64().unwrap_or(0.0);
    let with_boxes = if frames > 0.0 {
        let share = w["withBoxes"].as_f64().unwrap_or(0.0) / frames * 100.0;
        Cell::num(share, format!("{share:.1}%"))
    } else {
        Cell::text("no frames")
    };
    let no_boxes = match w["stretches"].as_array().and_then(|s| s.first()) {
        Some(s) => {
            let ms = s["ms"].as_f64().unwrap_or(f64::NAN);
            Cell::num(ms, format!("{ms:.0} ms{}", if s["open"] == true { " (to the end)" } else { "" }))
        }
        None if frames > 0.0 => Cell::num(0.0, "0 ms".into()),
        None => Cell::text("no frames"),
    };
    let (resume, not_known) = match &p.pause {
        Some(v) if v["timeout"] == true => (Cell::text("timeout"), not_known_cell(v)),
        Some(v) => (Cell::ms(v["ms"].as_f64(), "n/a"), not_known_cell(v)),
        None => (Cell::dash(), Cell::dash()),
    };
    PageCells {
        first_frame,
        first_boxes,
        behind,
        reloads: Cell::count(p.reloads.len()),
        transfer: Cell::kb(median(&transfer)),
        encoded: Cell::kb(median(&encoded)),
        task_median: cost_cell(median(&costs)),
        task_worst: cost_cell(max(&costs)),
        long_tasks: Cell::count(w["longtasks"].as_array().map_or(0, Vec::len)),
        with_boxes,
        no_boxes,
        resume,
        not_known,
        heap: Cell::mb(p.memory_end.map(|m| m.js_used)),
        wasm: Cell::mb(p.memory_end.and_then(|m| m.wasm)),
    }
}

fn not_known_cell(v: &Value) -> Cell {
    let pause = v["duringPause"] == true;
    let after = v["afterPlay"] == true;
    Cell::text(match (pause, after) {
        (false, false) => "no".to_string(),
        (true, true) => "yes (paused and after play)".into(),
        (true, false) => "yes (while paused)".into(),
        (false, true) => "yes (after play)".into(),
    })
}

struct Report<'a> {
    dist: &'a Path,
    play_window: Duration,
    fast_window: Duration,
    demo: &'a PageRun,
    day: &'a PageRun,
    at: &'a Value,
    asked: &'a str,
    fast: &'a PageRun,
    elapsed: Duration,
}

fn ratio(a: &Cell, b: &Cell) -> String {
    match (a.value, b.value) {
        (Some(demo), Some(day)) if demo != 0.0 => format!("x{:.2}", day / demo),
        _ => "-".into(),
    }
}

fn report(r: &Report) -> String {
    let play_min = r.play_window.as_secs_f64() / 60.0;
    let fast_min = r.fast_window.as_secs_f64() / 60.0;
    let demo = page_cells(r.demo);
    let day = page_cells(r.day);
    let mut rows: Vec<[String; 4]> = Vec::new();
    let mut both = |name: &str, a: &Cell, b: &Cell| rows.push([name.to_string(), a.text.clone(), b.text.clone(), ratio(a, b)]);
    both("time to first frame (from navigation)", &demo.first_frame, &day.first_frame);
    both("time to first boxes drawn (from navigation)", &demo.first_boxes, &day.first_boxes);
    both("opened behind the newest segment's end (first frame with boxes)", &demo.behind, &day.behind);
    both(&format!("playlist reloads in {play_min:.1} min"), &demo.reloads, &day.reloads);
    both("playlist bytes per reload, transferred (median)", &demo.transfer, &day.transfer);
    both("playlist bytes per reload, body as sent (median)", &demo.encoded, &day.encoded);
    both("longest main-thread task in the second after a reload, median", &demo.task_median, &day.task_median);
    both("longest main-thread task in the second after a reload, worst", &demo.task_worst, &day.task_worst);
    both(&format!("long tasks over 50 ms in {play_min:.1} min"), &demo.long_tasks, &day.long_tasks);
    both("presented frames with boxes drawn", &demo.with_boxes, &day.with_boxes);
    both("longest stretch without boxes", &demo.no_boxes, &day.no_boxes);
    both(&format!("after a {} s pause, play: time to boxes again", PAUSE_MS / 1000), &demo.resume, &day.resume);
    both("clock info said \"not known yet\" (pause, play)", &demo.not_known, &day.not_known);
    both("JS heap at the end (after a GC)", &demo.heap, &day.heap);
    both("wasm memory at the end", &demo.wasm, &day.wasm);

    // Day only: ?at=.
    let mut day_only = |name: String, c: Cell| rows.push([name, "-".into(), c.text, "-".into()]);
    let at_missing = if r.at["timeout"] == true { "timeout" } else { "none" };
    day_only("?at= 12 h back: time to first boxes".into(), Cell::ms(r.at["firstBoxesMs"].as_f64(), at_missing));
    let offset = r.at["offsetMs"].as_f64();
    let offset_cell = match offset {
        Some(ms) if ms.abs() >= 3_600_000.0 => Cell::num(ms, format!("{:+.2} h", ms / 3_600_000.0)),
        Some(ms) => Cell::num(ms, format!("{ms:+.0} ms")),
        None => Cell::text(at_missing),
    };
    day_only("?at= 12 h back: first frame drawn minus the time asked".into(), offset_cell);
    // Day only: an hour of growth.
    let f = r.fast;
    let grow = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => Cell::num(b / 1_048_576.0, format!("{:.1} -> {:.1} MB", a / 1_048_576.0, b / 1_048_576.0)),
        _ => Cell::text("n/a"),
    };
    let hours = fast_min * FAST_SPEED / 60.0;
    day_only(format!("day x{FAST_SPEED:.0}, {hours:.1} h of growth: JS heap start -> end"), grow(f.memory_start.map(|m| m.js_used), f.memory_end.map(|m| m.js_used)));
    day_only(format!("day x{FAST_SPEED:.0}, {hours:.1} h of growth: wasm memory start -> end"), grow(f.memory_start.and_then(|m| m.wasm), f.memory_end.and_then(|m| m.wasm)));
    let (fast_costs, how) = reload_costs(f);
    let cost = |v: Option<f64>| v.map_or_else(|| Cell::text("none"), |v| Cell::num(v, format!("{v:.0} ms{how}")));
    day_only(format!("day x{FAST_SPEED:.0}: longest task after a reload, median"), cost(median(&fast_costs)));
    day_only(format!("day x{FAST_SPEED:.0}: longest task after a reload, worst"), cost(max(&fast_costs)));
    let fast_cells = page_cells(f);
    day_only(format!("day x{FAST_SPEED:.0}: reloads in {fast_min:.1} min"), fast_cells.reloads.clone());
    let per_reload = f.segments_gained as f64 / f.reloads.len().max(1) as f64;
    day_only(format!("day x{FAST_SPEED:.0}: segments gained per reload"), Cell::num(per_reload, format!("{per_reload:.0}")));
    day_only(format!("day x{FAST_SPEED:.0}: presented frames with boxes drawn"), fast_cells.with_boxes.clone());

    let mut out = String::new();
    let _ = writeln!(
        out,
        "Recordings page, a day of VAS recording (14,400 x 6 s segments, 4 runs, events 2/s per model x 2) against the demo recording (12 segments, 3 runs); viewer {}; production server in front of the VAS emulator; headless Chromium, one fresh browser per page; {play_min:.1} min of play per page",
        r.dist.display()
    );
    out.push_str(&table(&["figure", "demo", "day", "day / demo"], &rows));
    out.push('\n');
    let _ = writeln!(out, "\nRaw details");
    for (name, p) in [("demo", r.demo), ("day", r.day), (&*format!("day x{FAST_SPEED:.0}"), r.fast)] {
        details(&mut out, name, p);
    }
    let _ = writeln!(out, "  ?at={}: {}", r.asked, at_line(r.at));
    let _ = writeln!(out, "  run took {:.1} min (builds excluded)", r.elapsed.as_secs_f64() / 60.0);
    out
}

fn at_line(v: &Value) -> String {
    let mut s = format!(
        "first frame {} ms, first boxes {} ms, frame drawn at {} (media {} s of {} s)",
        show(&v["firstFrameMs"]),
        show(&v["firstBoxesMs"]),
        v["firstBoxes"]["frameUs"].as_str().and_then(|t| t.parse::<i64>().ok()).map_or("-".into(), |us| format_rfc3339_utc(UnixMicros(us))),
        v["firstBoxes"]["mt"].as_str().unwrap_or("-"),
        v["firstBoxes"]["duration"].as_f64().map_or("-".into(), |d| format!("{d:.1}")),
    );
    if let Some(n) = v["note"].as_str() {
        let _ = write!(s, "; start note: {n:?}");
    } else {
        s.push_str("; no start note");
    }
    if let Some(a) = v["alert"].as_str() {
        let _ = write!(s, "; alert: {a:?}");
    }
    if v["timeout"] == true {
        let _ = write!(s, "; TIMEOUT (video at {} s, overlay state {})", show(&v["currentTime"]), v["state"]);
    }
    if let Some(e) = v["error"].as_str() {
        let _ = write!(s, "; error: {e}");
    }
    s
}

fn details(out: &mut String, name: &str, p: &PageRun) {
    let w = &p.window;
    let f = &p.first;
    let _ = writeln!(
        out,
        "  {name}: opened: first frame at media {} s, first boxes at media {} s of {} s, frame wall time {}, newest segment end {}{}{}",
        f["firstFrameMt"].as_f64().map_or("-".into(), |m| format!("{m:.2}")),
        f["firstBoxes"]["mt"].as_str().unwrap_or("-"),
        f["firstBoxes"]["duration"].as_f64().map_or("-".into(), |d| format!("{d:.1}")),
        f["firstBoxes"]["frameUs"].as_str().and_then(|t| t.parse::<i64>().ok()).map_or("-".into(), |us| format_rfc3339_utc(UnixMicros(us))),
        p.newest_end_us.map_or("-".into(), |us| format_rfc3339_utc(UnixMicros(us))),
        f["alert"].as_str().map_or(String::new(), |a| format!("; alert: {a:?}")),
        if f["timeout"] == true { format!("; TIMEOUT (video at {} s, overlay state {})", show(&f["currentTime"]), f["state"]) } else { String::new() },
    );
    if let Some(first) = w["firstReload"].as_object() {
        let n = |k: &str| first.get(k).and_then(Value::as_f64).unwrap_or(f64::NAN);
        let _ = writeln!(
            out,
            "  {name}: first playlist load: {:.1} kB transferred, {:.1} kB body, {:.1} kB decoded, {:.0} ms (request to response end); {} playlist loads in all",
            n("transfer") / 1024.0,
            n("encoded") / 1024.0,
            n("decoded") / 1024.0,
            n("end") - n("start"),
            show(&w["allReloads"])
        );
    }
    let _ = writeln!(out, "  {name}: {}", p.trace_note);
    if p.segments_gained > 0 {
        let _ = writeln!(
            out,
            "  {name}: the playlist gained {} segments over the period ({:.1} per reload)",
            p.segments_gained,
            p.segments_gained as f64 / p.reloads.len().max(1) as f64
        );
    }
    let per: Vec<String> = p
        .reloads
        .iter()
        .map(|r| {
            format!(
                "{:.1}s {:.0}kB task {} gap {:.0}",
                (r.end_ms - w["t0"].as_f64().unwrap_or(0.0)) / 1000.0,
                r.transfer / 1024.0,
                r.task_ms.map_or("-".into(), |t| format!("{t:.0}")),
                r.raf_gap_ms
            )
        })
        .collect();
    let _ = writeln!(out, "  {name}: reloads (time into the period, bytes transferred, longest task ms, worst frame gap ms over 50): {}", if per.is_empty() { "none".into() } else { per.join("; ") });
    let decoded: Vec<f64> = p.reloads.iter().map(|r| r.decoded).collect();
    if let Some(d) = median(&decoded) {
        let _ = writeln!(out, "  {name}: playlist decoded size per reload (median) {:.1} kB", d / 1024.0);
    }
    let long: Vec<String> = w["longtasks"].as_array().into_iter().flatten().map(|l| format!("{:.0}", l[1].as_f64().unwrap_or(f64::NAN))).collect();
    let _ = writeln!(out, "  {name}: long tasks (ms): {}", if long.is_empty() { "none".into() } else { long.join(", ") });
    let gaps: Vec<f64> = w["rafGaps"].as_array().into_iter().flatten().filter_map(|g| g[1].as_f64()).collect();
    let _ = writeln!(out, "  {name}: animation-frame gaps over 50 ms: {} (worst {})", gaps.len(), max(&gaps).map_or("-".into(), |g| format!("{g:.0} ms")));
    let q = |k: &str| w["q1"][k].as_f64().unwrap_or(f64::NAN) - w["q0"][k].as_f64().unwrap_or(f64::NAN);
    let _ = writeln!(
        out,
        "  {name}: period: {} presented frames seen, {} with boxes; video frames {} ({} dropped); media time {} -> {} s{}{}; {} stretches without boxes, longest: {}",
        show(&w["frames"]),
        show(&w["withBoxes"]),
        q("total"),
        q("dropped"),
        w["ct0"].as_f64().map_or("-".into(), |t| format!("{t:.1}")),
        w["ct1"].as_f64().map_or("-".into(), |t| format!("{t:.1}")),
        if w["paused"] == true { " (paused at the end)" } else { "" },
        if w["ended"] == true { " (at the end of the recording: the frame figures cover only what played)" } else { "" },
        show(&w["stretchCount"]),
        w["stretches"]
            .as_array()
            .into_iter()
            .flatten()
            .take(5)
            .map(|s| format!("{:.0} ms at {:.1} s (media {})", s["ms"].as_f64().unwrap_or(f64::NAN), s["at"].as_f64().unwrap_or(f64::NAN) / 1000.0, show(&s["mt"])))
            .collect::<Vec<_>>()
            .join("; ")
    );
    if let (Some(speed), Some(snap)) = (p.day_speed, p.snap) {
        event_fetches(out, name, w, speed, snap);
    }
    if let Some(v) = &p.pause {
        let _ = writeln!(
            out,
            "  {name}: pause{} at media {} s, play at {} s: boxes after {} ms{}; clock info at play: {:?}; after boxes: {:?}{}",
            v["rewound"].as_f64().map_or(String::new(), |r| format!(" (the recording had ended: played again from {r:.1} s first)")),
            show(&v["pausedAt"]),
            show(&v["resumedAt"]),
            show(&v["ms"]),
            if v["timeout"] == true { " (TIMEOUT)" } else { "" },
            v["infoAtPlay"].as_str().unwrap_or("-"),
            v["info"].as_str().unwrap_or("-"),
            v["playError"].as_str().map_or(String::new(), |e| format!("; play() failed: {e}"))
        );
    }
    for (when, m) in [("start", p.memory_start), ("end", p.memory_end)] {
        if let Some(m) = m {
            let _ = writeln!(
                out,
                "  {name}: memory at the {when}: JS heap {:.1} MB used of {:.1} MB, wasm {}",
                m.js_used / 1_048_576.0,
                m.js_total / 1_048_576.0,
                m.wasm.map_or("n/a".into(), |b| format!("{:.1} MB", b / 1_048_576.0))
            );
        }
    }
    for flag in ["resourceError", "longtaskError"] {
        if let Some(e) = w[flag].as_str() {
            let _ = writeln!(out, "  {name}: {flag}: {e}");
        }
    }
    if w["noFrameCallback"] == true {
        let _ = writeln!(out, "  {name}: this browser has no requestVideoFrameCallback: no frames were counted");
    }
    for e in &p.errors {
        let _ = writeln!(out, "  {name}: {e}");
    }
}

/// The event windows the page fetched (from navigation), each against the
/// day's now when it was asked for: a window reaching past it was fetched
/// before all its rows existed.
fn event_fetches(out: &mut String, name: &str, w: &Value, speed: f64, snap: Newest) {
    let Some(origin) = w["timeOrigin"].as_f64() else { return };
    let param = |url: &str, key: &str| -> Option<i64> {
        let q = url.split_once('?')?.1;
        let v = q.split('&').find_map(|kv| kv.strip_prefix(&format!("{key}=")))?;
        parse_rfc3339(&v.replace("%3A", ":").replace("%3a", ":").replace("%2B", "+").replace("%2b", "+")).map(|t| t.0)
    };
    let hms = |us: i64| format_rfc3339_utc(UnixMicros(us.div_euclid(1_000_000) * 1_000_000)).get(11..19).unwrap_or("?").to_string();
    let mut past_now = 0;
    let mut lines = Vec::new();
    let fetches = w["eventFetches"].as_array().cloned().unwrap_or_default();
    for f in &fetches {
        let url = f["url"].as_str().unwrap_or_default();
        let (Some(from), Some(to), Some(start)) = (param(url, "start_time"), param(url, "end_time"), f["start"].as_f64()) else { continue };
        let wall = ((origin + start) * 1000.0) as i64;
        let day_now = snap.day_now_us + ((wall - snap.wall_us) as f64 * speed) as i64;
        let ahead_s = (to - day_now) as f64 / 1e6;
        past_now += usize::from(ahead_s > 0.0);
        lines.push(format!("{:.1}s {}-{} {:.0}kB {:+.0}s", start / 1000.0, hms(from), hms(to), f["decoded"].as_f64().unwrap_or(0.0) / 1024.0, ahead_s));
    }
    let _ = writeln!(
        out,
        "  {name}: event windows fetched: {} ({past_now} reaching past the day's now when asked for); each: time from navigation, window (UTC), body, window end minus the day's now: {}",
        fetches.len(),
        if lines.is_empty() { "none".into() } else { lines.join("; ") }
    );
}

fn table(headers: &[&str; 4], rows: &[[String; 4]]) -> String {
    let mut widths = headers.map(str::len);
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: [&str; 4]| {
        let mut s = String::from("|");
        for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
            if i == 0 {
                let _ = write!(s, " {c:<w$} |");
            } else {
                let _ = write!(s, " {c:>w$} |");
            }
        }
        s
    };
    let mut out = line(*headers);
    out.push('\n');
    let dashes = widths.map(|w| "-".repeat(w));
    out.push_str(&line([&dashes[0], &dashes[1], &dashes[2], &dashes[3]]));
    for r in rows {
        out.push('\n');
        out.push_str(&line([&r[0], &r[1], &r[2], &r[3]]));
    }
    out
}

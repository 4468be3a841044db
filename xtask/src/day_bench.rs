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

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use serde_json::{json, Value};
use vas_overlay_viewer::core::time::{format_rfc3339_utc, parse_rfc3339, UnixMicros};

use crate::demo_vas::DEMO_CAMERA;
use crate::{repo_root, viewer_server, Result};
use vas_emulator::day_recording::DAY_CAMERA_ID;
use vas_emulator::{self as demo_backend, BackendConfig, RunningBackend};

// The scripts run in the pages.
mod scripts;
// One page measured in a fresh browser.
mod page;
// The table and the details.
mod report;

use page::{measure_at, measure_page};
use report::{report, Report};

/// A page that has not drawn boxes this long after navigation is a timeout.
const LIMIT_MS: u64 = 60_000;
const PAUSE_MS: u64 = 15_000;
/// The window after a playlist response in which its longest task is looked for.
const AFTER_RELOAD_MS: f64 = 1_000.0;
const FAST_SPEED: f64 = 60.0;
const HOUR_US: i64 = 3_600_000_000;
/// The user-timing mark that ties the trace's clock to the page's.
const SYNC_MARK: &str = "day-bench-sync";

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
pub fn run(dist: Option<&Path>, minutes: Option<f64>) -> Result {
    let root = repo_root();
    if let Some(m) = minutes.filter(|m| !(m.is_finite() && *m > 0.0)) {
        bail!("--minutes: not a positive number: {m}");
    }
    let play_window = Duration::from_secs_f64(minutes.unwrap_or(2.0) * 60.0);
    let fast_window = Duration::from_secs_f64(minutes.unwrap_or(1.0) * 60.0);
    let dist = match dist {
        Some(d) => {
            let d =
                if d.is_absolute() { d.to_path_buf() } else { std::env::current_dir()?.join(d) };
            if !d.join("index.html").is_file() {
                bail!("--dist {}: no index.html there (a viewer build, as `cargo xtask build` writes dist/)", d.display());
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

    let backend = demo_backend::start(config(None), "127.0.0.1:0").context("VAS emulator")?;
    let server = crate::demo_vas::server(&backend, &dist, "day-bench", Some(key), &[])?;
    let base = server.url().to_owned();
    let truth0 = backend
        .day_truth()
        .context("the emulator has no day camera (static/demo/recording missing?)")?;
    println!(
        "  day camera: {} listed segments, media sequence {}, {} runs",
        truth0.segments.len(),
        truth0.media_sequence,
        truth0.runs.len()
    );

    println!("== demo recording page");
    let demo = measure_page(
        &PageOptions {
            url: format!("{base}cameras/{DEMO_CAMERA}/recordings"),
            window: play_window,
            pause: true,
            memory_at_start: false,
            day_speed: None,
        },
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
    let asked_us = day_newest(&backend)
        .map(|n| (n.end_us - 12 * HOUR_US).div_euclid(1_000_000) * 1_000_000)
        .context("no day truth")?;
    let asked = format_rfc3339_utc(UnixMicros(asked_us));
    let at = measure_at(
        &format!("{base}cameras/{DAY_CAMERA_ID}/recordings?at={asked}"),
        asked_us,
        &backend,
    )
    .unwrap_or_else(|e| {
        println!("  the page could not be measured: {e:#}");
        json!({"error": format!("{e:#}")})
    });
    drop(server);
    backend.stop();

    println!("== day camera page, day speed {FAST_SPEED} (an hour of the day per real minute)");
    let fast_backend = demo_backend::start(config(Some(FAST_SPEED)), "127.0.0.1:0")
        .context("VAS emulator (fast day)")?;
    let fast_server =
        crate::demo_vas::server(&fast_backend, &dist, "day-bench-fast", Some(key), &[])?;
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
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("day-recording.txt"), &report)?;
    println!("(written to target/figures/day-recording.txt)");
    Ok(())
}

/// The end of the demo recording's last segment (recording.json: its true start plus its frames at 30 fps).
fn demo_newest_end_us(root: &Path) -> Result<i64> {
    let path = root.join("static/demo/recording/recording.json");
    let text = std::fs::read_to_string(&path).map_err(|e| anyhow!("{}: {e:#}", path.display()))?;
    let v: Value = serde_json::from_str(&text).map_err(|e| anyhow!("{}: {e:#}", path.display()))?;
    v["segments"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| {
            let start = parse_rfc3339(s["true_start"].as_str()?)?.0;
            Some(start + (s["frames"].as_f64()? * 1e6 / 30.0).round() as i64)
        })
        .max()
        .with_context(|| format!("{}: no segments", path.display()))
}

fn day_newest(backend: &RunningBackend) -> Option<Newest> {
    let truth = backend.day_truth()?;
    let wall_us = wall_now_us();
    truth.newest.map(|n| Newest {
        end_us: n.true_start_us + n.duration_us,
        number: n.number,
        day_now_us: truth.now_us,
        wall_us,
    })
}

fn wall_now_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

//! `cargo xtask bench --viewers`: what VAS pays for N live viewers of a camera through the production server, with its answer cache on and off in the same run.
//!
//! The viewers are the live page's own polling (`LivePoller`, the store, the
//! window fetch, on the shared poll grid) driven natively, one thread each
//! (`native_client::LiveViewer`), so 50 of them measure the polling and the
//! server, not 50 video decoders on this machine's 2 cores (the browser
//! benchmark `--many-viewers` measures pages). A feeder stores 10 rows/s per
//! camera in the VAS emulator, each stamped 300 ms before it is stored, as
//! after inference. For each configuration (1, 10 and 50 viewers of one
//! camera; 16 cameras x 3 viewers) and each server mode (the answer cache on
//! as shipped; `--cache-period-ms 0`, every request sent on to VAS), over a
//! 30 s window:
//!
//! - requests and body bytes per minute at VAS (the emulator's log), and
//!   what the viewers sent: the share answered without contacting VAS;
//! - insert-to-store delay of every row at every viewer (the row's store
//!   time at the emulator to its arrival in the viewer's store), p50 / p95;
//! - the server's CPU (% of one core) and resident memory.
//!
//! Ratios against 1 viewer in the same run. Printed and written to
//! `target/figures/viewers.txt`; a benchmark, never a test.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::anyhow;
use serde_json::json;
use vas_overlay_viewer::core::time::{format_rfc3339_utc, UnixMicros};

use crate::native_client::{now_wall, LiveViewer, NativeClient};
use crate::proc_cpu::ProcessCpu;
use crate::{repo_root, Result};
use vas_emulator::RunningBackend;

const WINDOW: Duration = Duration::from_secs(30);
/// Before the window: every viewer has made its first polls.
const WARM_UP: Duration = Duration::from_secs(3);
const ROWS_PER_S: u64 = 10;
const LATENESS_US: i64 = 300_000;
const MODEL: &str = "bench-viewers";
/// (cameras, viewers per camera)
const CONFIGS: [(usize, usize); 4] = [(1, 1), (1, 10), (1, 50), (16, 3)];

fn camera_id(i: usize) -> String {
    format!("5e1f0000-0000-4000-8000-{:012x}", 0xbe00 + i)
}

/// One configuration in one mode.
struct Figures {
    viewers: usize,
    vas_requests_per_min: f64,
    vas_kb_per_min: f64,
    sent_per_min: f64,
    delay_p50_ms: f64,
    delay_p95_ms: f64,
    missing_rows: usize,
    server_cpu_pct: f64,
    server_rss_mb: f64,
}

pub fn run() -> Result {
    let root = repo_root();
    crate::build_viewer_and_server(crate::setup::build_tools)?;
    let backend = crate::demo_vas::start(&root.join("dist"), None)?;
    let mut out = String::new();
    let mut rows: Vec<(String, &str, Figures)> = Vec::new();
    for (mode, extra) in [
        ("cache on", vec![]),
        ("cache off", vec!["--cache-period-ms".to_string(), "0".to_string()]),
    ] {
        let server =
            crate::demo_vas::server(&backend, &root.join("dist"), "bench-viewers", None, &extra)?;
        for (cameras, per_camera) in CONFIGS {
            let f = measure(&backend, server.url(), server.pid(), cameras, per_camera)?;
            let name = format!("{cameras} cam x {per_camera}");
            println!(
                "  {mode:9} {name:12}: {:.0} requests/min at VAS, p50 {:.0} ms",
                f.vas_requests_per_min, f.delay_p50_ms
            );
            rows.push((name, mode, f));
        }
    }
    let _ = writeln!(out, "Live viewers through the production server (native viewers on the poll grid, VAS emulator, 10 rows/s per camera stored 300 ms after their stamp; {} s windows)", WINDOW.as_secs());
    let _ = writeln!(out, "| viewers | server | VAS requests/min | VAS kB/min | viewers' requests/min | answered without VAS | insert-to-store p50 / p95 (ms) | rows missing | server CPU (% of a core) | server RSS (MB) | VAS requests vs 1 viewer |");
    let _ = writeln!(out, "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for (name, mode, f) in &rows {
        let one = rows
            .iter()
            .find(|(n, m, _)| n == "1 cam x 1" && m == mode)
            .map_or(f64::NAN, |(_, _, o)| o.vas_requests_per_min);
        let _ = writeln!(
            out,
            "| {name} ({}) | {mode} | {:.0} | {:.0} | {:.0} | {:.0}% | {:.0} / {:.0} | {} | {:.1} | {:.1} | x{:.2} |",
            f.viewers,
            f.vas_requests_per_min,
            f.vas_kb_per_min,
            f.sent_per_min,
            (1.0 - f.vas_requests_per_min / f.sent_per_min.max(1e-9)) * 100.0,
            f.delay_p50_ms,
            f.delay_p95_ms,
            f.missing_rows,
            f.server_cpu_pct,
            f.server_rss_mb,
            f.vas_requests_per_min / one
        );
    }
    print!("{out}");
    let dir = root.join("target/figures");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("viewers.txt"), &out)?;
    backend.stop();
    Ok(())
}

fn measure(
    backend: &RunningBackend,
    base: &str,
    server_pid: u32,
    cameras: usize,
    per_camera: usize,
) -> Result<Figures> {
    backend.reset();
    let stored_at: Mutex<HashMap<String, UnixMicros>> = Mutex::new(HashMap::new());
    let stop = AtomicBool::new(false);
    let started = Instant::now();
    let window_start = started + WARM_UP;
    let window_from = now_wall().plus(WARM_UP.as_micros() as i64);
    let cutoff = window_from.plus((WINDOW - Duration::from_secs(2)).as_micros() as i64);
    let deadline = window_start + WINDOW;
    let mut cpu = None;
    let mut log_start = 0;
    let (delays, sent, missing) = std::thread::scope(|s| -> Result<(Vec<f64>, u64, usize)> {
        let feeder = s.spawn(|| feed(backend, cameras, &stored_at, &stop));
        let viewers: Vec<_> = (0..cameras * per_camera)
            .map(|i| {
                let camera = camera_id(i % cameras);
                let stored_at = &stored_at;
                s.spawn(move || {
                    let mut viewer = LiveViewer::new(
                        &camera,
                        NativeClient::new(base, None, Duration::from_secs(15)),
                    );
                    let mut delays = Vec::new();
                    viewer.poll_until(deadline, |e| {
                        let now = now_wall();
                        if let Some(at) = stored_at.lock().expect("rows").get(&e.id) {
                            delays.push((now, now.since(*at) as f64 / 1000.0));
                        }
                    });
                    let held = viewer.store.timeline(MODEL).map_or(0, |t| t.events().len());
                    (delays, viewer.poller.stats.requests, held)
                })
            })
            .collect();
        std::thread::sleep(window_start.saturating_duration_since(Instant::now()));
        cpu = Some(ProcessCpu::snapshot(server_pid));
        log_start = backend.request_log().last().map_or(0, |e| e.seq);
        let mut all = Vec::new();
        let mut sent = 0;
        let mut held = Vec::new();
        for v in viewers {
            let (d, requests, h) = v.join().map_err(|_| anyhow!("a viewer thread panicked"))?;
            all.extend(d.into_iter().filter(|(t, _)| *t >= window_from).map(|(_, ms)| ms));
            sent += requests;
            held.push(h);
        }
        stop.store(true, Ordering::Relaxed);
        feeder.join().map_err(|_| anyhow!("the feeder panicked"))??;
        // Rows stored more than 2 s before the end: every viewer of their camera should hold them.
        let expected = stored_at.lock().expect("rows").values().filter(|at| **at < cutoff).count()
            / cameras.max(1);
        let missing = held.iter().map(|h| expected.saturating_sub(*h)).sum();
        Ok((all, sent, missing))
    })?;
    let elapsed_min = WINDOW.as_secs_f64() / 60.0;
    let cpu_ms: f64 = cpu
        .map(|c| c.ms_since(&ProcessCpu::snapshot(server_pid)).values().sum())
        .unwrap_or(f64::NAN);
    let log: Vec<_> = backend
        .request_log()
        .into_iter()
        .filter(|e| e.seq > log_start && e.target.starts_with("/api/v1/ai-events"))
        .collect();
    let mut delays = delays;
    delays.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        if delays.is_empty() {
            f64::NAN
        } else {
            delays[((delays.len() - 1) as f64 * p) as usize]
        }
    };
    // The viewers' requests over the whole run (warm-up included) scaled to the window's share.
    let run_min = (WARM_UP + WINDOW).as_secs_f64() / 60.0;
    Ok(Figures {
        viewers: cameras * per_camera,
        vas_requests_per_min: log.len() as f64 / elapsed_min,
        vas_kb_per_min: log.iter().map(|e| e.bytes).sum::<u64>() as f64 / 1024.0 / elapsed_min,
        sent_per_min: sent as f64 / run_min,
        delay_p50_ms: pct(0.5),
        delay_p95_ms: pct(0.95),
        missing_rows: missing,
        server_cpu_pct: cpu_ms / (WINDOW.as_secs_f64() * 1000.0) * 100.0,
        server_rss_mb: rss_mb(server_pid),
    })
}

/// Stores ROWS_PER_S rows per camera each second until `stop`, stamped
/// LATENESS_US before they are stored; records when each was stored.
fn feed(
    backend: &RunningBackend,
    cameras: usize,
    stored_at: &Mutex<HashMap<String, UnixMicros>>,
    stop: &AtomicBool,
) -> Result {
    let period = Duration::from_micros(1_000_000 / ROWS_PER_S);
    let mut next = Instant::now();
    let mut n: u64 = 0;
    while !stop.load(Ordering::Relaxed) {
        let now = now_wall();
        let events: Vec<_> = (0..cameras)
            .map(|c| {
                let id = format!("5e1f{c:04x}-0000-4000-8000-{n:012x}");
                json!({
                    "id": id, "camera_id": camera_id(c), "model_id": MODEL,
                    "timestamp": format_rfc3339_utc(now.plus(-LATENESS_US)), "frame_id": n,
                    "detections": {"detections": [{"bbox": [100, 100, 200, 300], "class_name": "person", "confidence": 0.9, "track_id": 1}]},
                    "confidence": 0.9, "event_metadata": null, "created_at": "2026-01-01T00:00:00Z",
                })
            })
            .collect();
        // Recorded first: a viewer may fetch the row as soon as it is stored.
        let at = now_wall();
        let mut map = stored_at.lock().expect("rows");
        for c in 0..cameras {
            map.insert(format!("5e1f{c:04x}-0000-4000-8000-{n:012x}"), at);
        }
        drop(map);
        backend.insert_events(events).map_err(anyhow::Error::msg)?;
        n += 1;
        next += period;
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
    }
    Ok(())
}

fn rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

//! `cargo xtask bench --server`: what the production server adds, measured beside direct requests to the same VAS emulator in the same run.
//!
//! Prints, never fails on timing:
//! - latency of an AI-event list request (the viewer's live poll) and of a
//!   recording segment, through the server and straight to the emulator,
//!   interleaved request by request so drift hits both alike: p50, p95 and
//!   their ratios;
//! - the server's resident memory idle, with 100 open keep-alive
//!   connections, and with 100 segment downloads in flight at once.

use std::io::Read;
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::demo_vas::DEMO_CAMERA as CAMERA;
use crate::{repo_root, Result};

/// Requests per path and route.
const ROUNDS: usize = 400;
const CONNECTIONS: usize = 100;

pub fn run() -> Result {
    let root = repo_root();
    crate::build_viewer_and_server(crate::setup::build_tools)?;
    let backend = crate::demo_vas::start(&root.join("dist"), None)?;
    // Auth off, so the direct requests need no key either: both paths ask the same.
    let server = crate::demo_vas::server(&backend, &root.join("dist"), "bench", None, &[])?;
    let direct = backend.url();
    let through = server.url().to_owned();
    let events = format!("api/v1/ai-events/cameras/{CAMERA}/events?start_time=2026-01-05T12:00:00Z&end_time=2026-01-05T12:00:02Z&limit=1000");
    let segment = format!("api/v1/recordings/devices/{CAMERA}/segment-1767618001.ts");
    let mut out = String::from("| request | direct p50 / p95 (ms) | through the server p50 / p95 (ms) | ratio p50 / p95 | added p50 (ms) | bytes |\n| --- | --- | --- | --- | --- | --- |\n");
    for (name, path) in
        [("AI-event list, 2 s window (live poll)", &events), ("recording segment", &segment)]
    {
        let (d, t, bytes) = interleaved(&direct, &through, path)?;
        out.push_str(&format!(
            "| {name} | {:.2} / {:.2} | {:.2} / {:.2} | {:.2} / {:.2} | {:+.2} | {bytes} |\n",
            d.0,
            d.1,
            t.0,
            t.1,
            t.0 / d.0,
            t.1 / d.1,
            t.0 - d.0
        ));
    }
    let pid = server.pid();
    let idle = rss_kb(pid)?;
    // 100 keep-alive connections, each having made one request.
    let mut agents = Vec::new();
    for _ in 0..CONNECTIONS {
        let agent = ureq::AgentBuilder::new().max_idle_connections_per_host(1).build();
        agent.get(&format!("{through}{events}")).call()?.into_string()?;
        agents.push(agent);
    }
    let with_idle = rss_kb(pid)?;
    // 100 segment downloads in flight: each reads its first bytes, then holds.
    let mut readers = Vec::new();
    for _ in 0..CONNECTIONS {
        let answer = ureq::get(&format!("{through}{segment}")).call()?;
        let mut reader = answer.into_reader();
        let mut first = [0u8; 1024];
        reader.read_exact(&mut first)?;
        readers.push(reader);
    }
    std::thread::sleep(Duration::from_millis(500));
    let with_streams = rss_kb(pid)?;
    drop(readers);
    drop(agents);
    out.push_str(&format!(
        "\nServer memory (VmRSS): idle {:.1} MB; {CONNECTIONS} open keep-alive connections {:.1} MB; {CONNECTIONS} segment downloads in flight {:.1} MB\n",
        idle as f64 / 1024.0,
        with_idle as f64 / 1024.0,
        with_streams as f64 / 1024.0
    ));
    println!("\nThe production server beside direct requests to the VAS emulator ({ROUNDS} requests each, interleaved):\n\n{out}");
    std::fs::create_dir_all(root.join("target/figures"))?;
    std::fs::write(root.join("target/figures/server-bench.md"), &out)?;
    drop(server);
    backend.stop();
    Ok(())
}

/// p50 and p95 in ms.
type Percentiles = (f64, f64);

/// p50 and p95 in ms of `ROUNDS` GETs of `path` on each base, alternating,
/// each on a kept-alive connection; and the answer's size.
fn interleaved(
    direct: &str,
    through: &str,
    path: &str,
) -> Result<(Percentiles, Percentiles, usize)> {
    let (a, b) = (ureq::agent(), ureq::agent());
    let mut times = (Vec::with_capacity(ROUNDS), Vec::with_capacity(ROUNDS));
    let mut bytes = 0;
    for i in 0..ROUNDS + 20 {
        for (agent, base, into) in [(&a, direct, &mut times.0), (&b, through, &mut times.1)] {
            let start = Instant::now();
            let mut body = Vec::new();
            agent
                .get(&format!("{base}{path}"))
                .call()
                .with_context(|| format!("{base}{path}"))?
                .into_reader()
                .read_to_end(&mut body)?;
            // The first 20 rounds warm both paths up and are not counted.
            if i >= 20 {
                into.push(start.elapsed().as_secs_f64() * 1000.0);
            }
            bytes = body.len();
        }
    }
    Ok((percentiles(&mut times.0), percentiles(&mut times.1), bytes))
}

fn percentiles(v: &mut [f64]) -> (f64, f64) {
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize];
    (at(0.5), at(0.95))
}

fn rss_kb(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .context("no VmRSS")
}

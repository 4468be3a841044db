//! The many-viewers benchmark's report: per configuration and against 1 viewer, printed and written to target/figures/many-viewers.txt.

use std::fmt::Write as _;
use std::time::Duration;

use super::{median, percentile, sorted, Config, Measured, GRACE, VAS_SIDE_NICE};
use crate::{repo_root, Result};

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

pub(super) fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 && a.is_finite() && b.is_finite() {
        format!("x{:.2}", a / b)
    } else {
        "-".into()
    }
}

pub(super) fn report(
    results: &[(&Config, Result<Measured>)],
    base: &Measured,
    minutes: f64,
    elapsed: Duration,
) -> Result {
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .current_dir(repo_root())
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Many viewers through the production server (live rig: real SFU, emulated VAS; VAS side and server at nice {VAS_SIDE_NICE}, Chromium at 0), window {minutes:.1} min per configuration, at {head}; {} cores",
        base.cores
    );
    let _ = writeln!(out, "\nRequests (per minute; VAS = the emulator's log, viewers = the pages' resource timing under /api/):");
    let _ = writeln!(
        out,
        "  {:<12} {:>7} {:>7} {:>7} {:>10} {:>10} {:>10} {:>11} {:>11} {:>10} {:>11} {:>12}",
        "config",
        "viewers",
        "drawing",
        "visible",
        "vas_events",
        "vas_probes",
        "vas_other",
        "vas_kB",
        "viewer_req",
        "viewer_err",
        "viewer_kB",
        "without_vas%"
    );
    for (cfg, r) in results {
        let Ok(m) = r else { continue };
        let visible = m
            .viewers
            .iter()
            .filter(|v| v.hidden_at_start == Some(false) && v.hidden_at_end == Some(false))
            .count();
        let vr = m.viewer_requests();
        let share = if vr.total() > 0 {
            100.0 * (1.0 - m.upstream.total() as f64 / vr.total() as f64)
        } else {
            f64::NAN
        };
        let _ = writeln!(
            out,
            "  {:<12} {:>7} {:>7} {:>7} {:>10.0} {:>10.0} {:>10.0} {:>11.0} {:>11.0} {:>10.0} {:>11.0} {:>12.1}",
            cfg.label,
            m.viewers.len(),
            m.drawing,
            format!("{visible}/{}", m.viewers.len()),
            m.per_min(m.upstream.events),
            m.per_min(m.upstream.probes),
            m.per_min(m.upstream.other),
            m.per_min(m.upstream.bytes) / 1000.0,
            m.per_min(vr.total()),
            m.per_min(m.viewers.iter().map(|v| v.errors).sum()),
            m.per_min(vr.bytes) / 1000.0,
            share
        );
    }
    let _ = writeln!(out, "\nInsert-to-drawn delay of the marker rows (ms; all = every row of every viewer), video, CPU (% of one core) and memory over the window:");
    let _ = writeln!(
        out,
        "  {:<12} {:>8} {:>8} {:>15} {:>12} {:>7} {:>9} {:>10} {:>10} {:>10} {:>12} {:>8} {:>9} {:>8} {:>8} {:>9} {:>10}",
        "config", "all_p50", "all_p95", "viewer_p50", "viewer_p95", "missed%", "fps", "playout", "server%", "server_MB", "chromium%", "sfu%", "xtask%", "busy%", "others%", "renderers", "chrome_MB"
    );
    for (cfg, r) in results {
        let Ok(m) = r else { continue };
        let all = sorted(m.all_delays());
        // Each viewer's percentile `p` of its delays, sorted over the viewers.
        let per_viewer = |p: f64| {
            sorted(
                m.viewers
                    .iter()
                    .map(|v| percentile(&sorted(v.delays_ms.clone()), p))
                    .filter(|x| x.is_finite())
                    .collect(),
            )
        };
        let (p50s, p95s) = (per_viewer(50.0), per_viewer(95.0));
        let fps = sorted(m.viewers.iter().filter_map(|v| v.fps).collect());
        let playout: Vec<f64> = m.viewers.iter().filter_map(|v| v.playout_delay_ms).collect();
        let _ = writeln!(
            out,
            "  {:<12} {:>8.0} {:>8.0} {:>15} {:>12} {:>7.1} {:>9} {:>10.0} {:>10.1} {:>10.1} {:>12.0} {:>8.0} {:>9.0} {:>8.0} {:>8.0} {:>9} {:>10.0}",
            cfg.label,
            percentile(&all, 50.0),
            percentile(&all, 95.0),
            format!("{:.0}..{:.0}", p50s.first().copied().unwrap_or(f64::NAN), p50s.last().copied().unwrap_or(f64::NAN)),
            format!("{:.0}..{:.0}", p95s.first().copied().unwrap_or(f64::NAN), p95s.last().copied().unwrap_or(f64::NAN)),
            m.missed_pct(),
            format!("{:.0}/{:.0}", fps.first().copied().unwrap_or(f64::NAN), median(&fps)),
            median(&playout),
            m.cpu_pct(m.server_cpu_ms),
            mb(m.server_rss_peak_bytes),
            m.cpu_pct(m.chromium_cpu_ms),
            m.cpu_pct(m.sfu_cpu_ms),
            m.cpu_pct(m.own_cpu_ms),
            100.0 * m.machine_busy_ms / (m.window_s * 1000.0 * m.cores as f64),
            100.0 * (m.machine_busy_ms - m.server_cpu_ms - m.chromium_cpu_ms - m.sfu_cpu_ms - m.own_cpu_ms).max(0.0) / (m.window_s * 1000.0 * m.cores as f64),
            m.renderers,
            mb(m.chromium_pss_bytes)
        );
    }
    let _ = writeln!(out, "\nAgainst {} in the same run:", results[0].0.label);
    let _ = writeln!(
        out,
        "  {:<12} {:>7} {:>9} {:>10} {:>11} {:>9} {:>9} {:>9} {:>10} {:>10}",
        "config",
        "viewers",
        "vas_req",
        "vas_bytes",
        "viewer_req",
        "p50",
        "p95",
        "server%",
        "server_MB",
        "chromium%"
    );
    let base_all = sorted(base.all_delays());
    for (cfg, r) in results {
        let Ok(m) = r else { continue };
        let all = sorted(m.all_delays());
        let _ = writeln!(
            out,
            "  {:<12} {:>7} {:>9} {:>10} {:>11} {:>9} {:>9} {:>9} {:>10} {:>10}",
            cfg.label,
            m.viewers.len(),
            ratio(m.per_min(m.upstream.total()), base.per_min(base.upstream.total())),
            ratio(m.per_min(m.upstream.bytes), base.per_min(base.upstream.bytes)),
            ratio(
                m.per_min(m.viewer_requests().total()),
                base.per_min(base.viewer_requests().total())
            ),
            ratio(percentile(&all, 50.0), percentile(&base_all, 50.0)),
            ratio(percentile(&all, 95.0), percentile(&base_all, 95.0)),
            ratio(m.cpu_pct(m.server_cpu_ms), base.cpu_pct(base.server_cpu_ms)),
            ratio(mb(m.server_rss_peak_bytes), mb(base.server_rss_peak_bytes)),
            ratio(m.cpu_pct(m.chromium_cpu_ms), base.cpu_pct(base.chromium_cpu_ms))
        );
    }
    let _ = writeln!(
        out,
        "\n  columns: drawing = pages drawing boxes at the window's start; visible = document.hidden false at its start and end; vas_kB, viewer_kB = body \
         kilobytes per minute; viewer_err = the pages' /api/ requests answered with an error or not at all, per minute; viewer_p50, viewer_p95 = lowest..highest over the viewers; missed = marker rows never drawn within {} s; fps = video \
         frames presented per second, lowest/median viewer; playout = the pages' playout delay, median (ms); server_MB = the server's peak resident \
         memory; busy = the machine, % of all cores; others = of that, what none of the measured processes used (other work on the machine); chrome_MB = Chromium's proportional memory at the window's end",
        GRACE.as_secs()
    );
    for (cfg, r) in results {
        match r {
            Ok(m) => {
                let _ = writeln!(
                    out,
                    "  {}: viewers opened and drawing in {:.0} s; window {:.1} s; server memory high-water mark since start {:.1} MB; machine memory available at the end {:.0} MB; \
                     connections open at the emulator (peak) {} of its {} (the SFU's event posts {}, VAS's front relaying the server's API requests {}); the server's to VAS {} (of them signaling relays {}); \
                     the emulator stored a marker post in p50 {:.0} ms, p95 {:.0} ms; the pages' /api/ requests took p50 {:.0} ms, p95 {:.0} ms; their error answers by status: {}{}",
                    cfg.label,
                    m.open_s,
                    m.window_s,
                    mb(m.server_hwm_bytes),
                    mb(m.mem_available_bytes),
                    m.connections.at_vas,
                    vas_emulator::MAX_CONNECTIONS,
                    m.connections.from_sfu,
                    m.connections.from_front,
                    m.connections.from_server,
                    m.connections.signaling,
                    percentile(&sorted(m.marker_post_ms.clone()), 50.0),
                    percentile(&sorted(m.marker_post_ms.clone()), 95.0),
                    percentile(&sorted(m.viewers.iter().flat_map(|v| v.request_ms.iter().copied()).collect()), 50.0),
                    percentile(&sorted(m.viewers.iter().flat_map(|v| v.request_ms.iter().copied()).collect()), 95.0),
                    if m.error_statuses.is_empty() { "none".to_string() } else { m.error_statuses.iter().map(|(s, n)| format!("{s} x {n}")).collect::<Vec<_>>().join(", ") },
                    if m.notes.is_empty() { String::new() } else { format!("; {}", m.notes.join("; ")) }
                );
            }
            Err(e) => {
                let _ = writeln!(out, "  {}: not measured: {e:#}", cfg.label);
            }
        }
    }
    let _ = writeln!(out, "  whole run {:.1} min", elapsed.as_secs_f64() / 60.0);
    print!("{out}");
    let mut detail = out.clone();
    let _ =
        writeln!(detail, "\nPer viewer (delay ms over its camera's marker rows in the window):");
    for (cfg, r) in results {
        let Ok(m) = r else { continue };
        for (i, v) in m.viewers.iter().enumerate() {
            let d = sorted(v.delays_ms.clone());
            let _ = writeln!(
                detail,
                "  {:<12} viewer {:>2} camera {:>2}: rows {:>4}, drawn {:>4}, p50 {:>6.0}, p95 {:>6.0}, requests {:>5} (events {}, probes {}, other {}, errors {}), fps {:>5.1}, playout {:>5.0}, hidden at start/end {:?}/{:?}, visibility changes {}, state {}",
                cfg.label,
                i + 1,
                v.camera,
                v.rows,
                d.len(),
                percentile(&d, 50.0),
                percentile(&d, 95.0),
                v.requests.total(),
                v.requests.events,
                v.requests.probes,
                v.requests.other,
                v.errors,
                v.fps.unwrap_or(f64::NAN),
                v.playout_delay_ms.unwrap_or(f64::NAN),
                v.hidden_at_start,
                v.hidden_at_end,
                v.visibility_changes,
                v.state
            );
        }
    }
    let dir = repo_root().join("target/figures");
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("many-viewers.txt"), detail)?;
    println!("  (per viewer: target/figures/many-viewers.txt)");
    Ok(())
}

//! Several live viewers of two cameras through the production server: each gets every row of its camera and none of the other's, poison rows are given up by each as when it polls alone, and VAS answers their identical polls once.
//!
//! The viewers are the live page's own state machines (`LivePoller`, the
//! store, the window fetch) driven natively, polling on the shared grid as
//! the page does (`poll_grid`), so five of them cost what a browser page
//! each would cost VAS without the video. Camera A has three viewers and two
//! poison rows inside its live window, camera B two viewers; both cameras'
//! generators write 10 rows/s stamped 300 ms before they are stored, as
//! after inference. The server's answer cache and coalescing (its
//! `answer_cache`) must make the five viewers cost VAS no more than about
//! two (one per camera), while no viewer loses a row or is given another
//! camera's answer.

use std::time::{Duration, Instant};

use serde_json::json;

use super::expect;
use crate::native_client::{now_wall, LiveViewer, NativeClient};
use crate::Result;
use vas_emulator::{Faults, LiveConfig, PoisonRow, PoisonSpec, RunningBackend};
use vas_overlay_viewer::core::time::{format_rfc3339_utc, UnixMicros};

/// The demo camera (poison rows and the generator of camera A).
const CAM_A: &str = crate::demo_vas::DEMO_CAMERA;
/// A second camera, only in the event table.
const CAM_B: &str = "5e1f0000-0000-4000-8000-0000000000b2";
const MODEL_A: &str = "shared-live-a";
const MODEL_B: &str = "shared-live-b";
/// Viewers per camera.
const VIEWERS: [(&str, usize); 2] = [(CAM_A, 3), (CAM_B, 2)];
const GENERATOR_S: f64 = 8.0;
const LATENESS_MS: u64 = 300;

/// What one viewer ended with.
struct Outcome {
    camera: &'static str,
    rows_a: usize,
    rows_b: usize,
    lost: Vec<(UnixMicros, UnixMicros)>,
    requests: u64,
}

pub fn run(backend: &RunningBackend, base: &str) -> Result<usize> {
    println!("== e2e: several live viewers of two cameras through the production server");
    backend.reset();
    let now = now_wall();
    let poison: Vec<UnixMicros> = [3_000_000, 5_000_000].iter().map(|d| now.plus(*d)).collect();
    let spec = |t: &UnixMicros| {
        PoisonSpec::Row(PoisonRow {
            timestamp: format_rfc3339_utc(*t),
            camera_id: Some(CAM_A.into()),
            model_id: None,
        })
    };
    backend
        .set_faults(Faults { poison_at: poison.iter().map(spec).collect(), ..Faults::default() })
        .map_err(anyhow::Error::msg)?;
    let mut expected = Vec::new();
    for (camera, model) in [(CAM_A, MODEL_A), (CAM_B, MODEL_B)] {
        let config = LiveConfig {
            camera_id: Some(camera.into()),
            model_id: Some(model.into()),
            rate_hz: 10.0,
            lateness_ms: LATENESS_MS,
            duration_s: GENERATOR_S,
        };
        expected.push(backend.start_live(config).map_err(anyhow::Error::msg)?.count as usize);
    }
    let deadline = Instant::now() + Duration::from_secs_f64(GENERATOR_S + 2.0);
    let outcomes: Vec<Outcome> = std::thread::scope(|s| {
        let handles: Vec<_> = VIEWERS
            .iter()
            .flat_map(|(camera, n)| std::iter::repeat_n(*camera, *n))
            .map(|camera| {
                s.spawn(move || {
                    let mut viewer = LiveViewer::new(
                        camera,
                        NativeClient::new(base, None, Duration::from_secs(10)),
                    );
                    viewer.poll_until(deadline, |_| {});
                    let rows =
                        |model: &str| viewer.store.timeline(model).map_or(0, |t| t.events().len());
                    Outcome {
                        camera,
                        rows_a: rows(MODEL_A),
                        rows_b: rows(MODEL_B),
                        lost: viewer.lost.clone(),
                        requests: viewer.poller.stats.requests,
                    }
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("a viewer thread")).collect()
    });
    let log = backend.request_log();
    backend.reset();
    let upstream = log.iter().filter(|e| e.target.starts_with("/api/v1/ai-events")).count() as u64;
    let sent: u64 = outcomes.iter().map(|o| o.requests).sum();
    let share = upstream as f64 / sent.max(1) as f64;
    let detail = json!({
        "expected": expected, "upstream": upstream, "sent": sent,
        "viewers": outcomes.iter().map(|o| json!({"camera": o.camera, "a": o.rows_a, "b": o.rows_b, "lost": o.lost.len(), "requests": o.requests})).collect::<Vec<_>>(),
    });
    let mut passed = 0;
    for o in &outcomes {
        let (own, other) = if o.camera == CAM_A {
            ((o.rows_a, expected[0]), o.rows_b)
        } else {
            ((o.rows_b, expected[1]), o.rows_a)
        };
        expect(own.0 == own.1, "each viewer of several holds every row of its camera", &detail)?;
        expect(other == 0, "no viewer is given another camera's rows", &detail)?;
        if o.camera == CAM_A {
            let given_up = poison.iter().all(|p| o.lost.contains(&(*p, *p)));
            expect(
                given_up,
                "each viewer of several gives up each poison row at its microsecond",
                &detail,
            )?;
        }
        passed += 1;
    }
    expect(
        log.iter().any(|e| e.fault.as_deref() == Some("poison")),
        "the poison rows fired at VAS",
        &detail,
    )?;
    // Five viewers of two cameras: ideally two requests reach VAS for every five sent.
    expect(
        share <= 0.6,
        "VAS answers the viewers' identical polls once (at most 3 of 5 requests reach it)",
        &detail,
    )?;
    println!(
        "  {} viewers, {sent} requests sent, {upstream} reached VAS ({:.0}%): every row held by each, poison rows given up by each",
        outcomes.len(),
        share * 100.0
    );
    Ok(passed + 2)
}

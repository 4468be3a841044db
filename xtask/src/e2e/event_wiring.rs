//! The viewer's event-wiring logic (core state machines) against the demo backend with VAS's real flaws.
//!
//! Native transport (ureq), same core as the browser. Figures go to
//! `target/figures/event-wiring.txt`, which `cargo xtask test` prints.

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::json;
use vas_overlay_viewer::core::events::event_store::{EventStore, StoreLimits};
use vas_overlay_viewer::core::events::live_poll::LIVE_INTERVAL_MS;
use vas_overlay_viewer::core::events::window_fetch::WindowFetch;
use vas_overlay_viewer::core::events::wire::{decode_event_page, WireEvent};
use vas_overlay_viewer::core::time::{parse_rfc3339, UnixMicros};

use crate::demo_vas::DEMO_CAMERA as CAMERA;
use crate::native_client::{now_wall, LiveViewer, NativeClient};
use vas_emulator::{self as demo_backend, AuthFault, Faults, LiveConfig, RunningBackend};

fn backend() -> RunningBackend {
    crate::demo_vas::start(&crate::repo_root().join("dist"), None).expect("backend starts")
}

fn demo_ids() -> (HashSet<String>, Vec<WireEvent>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let body = std::fs::read(root.join("static/demo/events.json")).unwrap();
    let events = decode_event_page(&body).unwrap().events;
    (events.iter().map(|e| e.id.clone()).collect(), events)
}

fn demo_window() -> (UnixMicros, UnixMicros) {
    let start = parse_rfc3339("2026-01-05T12:00:00Z").unwrap();
    (start, start.plus(10_000_000))
}

fn fetch_all(
    client: &NativeClient,
    limit: u32,
) -> (HashSet<String>, crate::native_client::FetchTally, usize) {
    let (start, end) = demo_window();
    let mut fetch = WindowFetch::new(CAMERA, start, end, limit);
    let mut ids = HashSet::new();
    let mut rows = 0;
    let tally = client.run(&mut fetch, 8, 10, |events| {
        rows += events.len();
        ids.extend(events.into_iter().map(|e| e.id));
    });
    (ids, tally, rows)
}

fn append_figure(line: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().join("target/figures");
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("event-wiring.txt");
    let mut text = std::fs::read_to_string(&path).unwrap_or_default();
    // One line per figure name, replaced on every run.
    let key = line.split(':').next().unwrap_or_default();
    text = text.lines().filter(|l| !l.starts_with(key)).map(|l| format!("{l}\n")).collect();
    text.push_str(line);
    text.push('\n');
    let _ = std::fs::write(path, text);
}

#[test]
fn paging_with_shuffled_ties_and_inserts_between_pages_loses_and_doubles_nothing() {
    let b = backend();
    b.set_faults(Faults { insert_between_pages: Some(3), ..Faults::default() }).unwrap();
    let client = NativeClient::new(&b.url(), None, Duration::from_secs(10));
    let (ids, tally, rows) = fetch_all(&client, 20);
    let (originals, _) = demo_ids();
    assert!(originals.is_subset(&ids), "lost {} rows", originals.difference(&ids).count());
    assert!(tally.completed && tally.lost.is_empty());
    // The store keeps each id once, however often it arrived.
    let mut store = EventStore::new(StoreLimits::default());
    let (_, events) = demo_ids();
    store.ingest(events.clone());
    store.ingest(events);
    assert_eq!(store.len(), originals.len());
    append_figure(&format!(
        "paging: 150 demo rows in pages of 20 with 3 rows inserted between pages and ties shuffled: {} requests, {} rows received, {} distinct, none lost",
        tally.requests,
        rows,
        ids.len()
    ));
}

#[test]
fn a_poison_row_costs_only_its_own_instant() {
    let b = backend();
    let poison = "2026-01-05T12:00:05Z";
    b.set_faults(Faults { poison_at: vec![poison.into()], ..Faults::default() }).unwrap();
    let client = NativeClient::new(&b.url(), None, Duration::from_secs(10));
    let (ids, tally, _) = fetch_all(&client, 1000);
    let at = parse_rfc3339(poison).unwrap();
    let (_, events) = demo_ids();
    let expected: HashSet<String> =
        events.iter().filter(|e| e.timestamp != at).map(|e| e.id.clone()).collect();
    let lost_good = events.len() - expected.len();
    assert_eq!(ids, expected, "everything outside the poison row's instant arrives");
    assert_eq!(tally.lost, vec![(at, at)]);
    append_figure(&format!(
        "poison: a poison row at {poison} cost 1 microsecond of timeline ({lost_good} good rows sharing that instant) and {} requests for a 10 s window",
        tally.requests
    ));
}

#[test]
fn every_failure_mode_backs_off_or_narrows_and_recovers() {
    let b = backend();
    let (originals, _) = demo_ids();
    let modes: Vec<(&str, Faults)> = vec![
        ("bare 500", Faults { bare_500: true, ..Faults::default() }),
        ("401", Faults { auth: Some(AuthFault::Missing), ..Faults::default() }),
        ("403", Faults { auth: Some(AuthFault::Invalid), ..Faults::default() }),
        ("slower than the timeout", Faults { delay_ms: Some(1_500), ..Faults::default() }),
        ("truncated body", Faults { truncate_body: true, ..Faults::default() }),
        ("10 MB body", Faults { huge_body_mb: Some(10), ..Faults::default() }),
    ];
    for (name, faults) in modes {
        b.reset();
        b.set_faults(Faults { fail_count: Some(2), ..faults }).unwrap();
        let client = NativeClient::new(&b.url(), None, Duration::from_millis(1_000));
        let (ids, tally, _) = fetch_all(&client, 1000);
        assert!(tally.completed, "{name}: did not complete");
        assert_eq!(ids, originals, "{name}: rows missing after recovery");
        assert!(tally.lost.is_empty(), "{name}: gave up {:?}", tally.lost);
        append_figure(&format!(
            "fault {name}: recovered after {} requests, {} back-offs, nothing lost",
            tally.requests, tally.backoffs
        ));
    }
    // A database fault looks like an empty page: the fetch completes empty (the
    // playhead cache retries empty windows later), and the next fetch is whole.
    b.reset();
    b.set_faults(Faults { db_fault_empty: true, fail_count: Some(1), ..Faults::default() })
        .unwrap();
    let client = NativeClient::new(&b.url(), None, Duration::from_secs(10));
    let (first, _, _) = fetch_all(&client, 1000);
    assert!(first.is_empty());
    let (second, _, _) = fetch_all(&client, 1000);
    assert_eq!(second, originals);
}

#[test]
fn the_api_key_travels_only_as_a_header() {
    let b = backend();
    let key = "k-SECRET-1234";
    b.set_faults(Faults { required_key: Some(key.into()), ..Faults::default() }).unwrap();
    let without = NativeClient::new(&b.url(), None, Duration::from_secs(5));
    let (ids, tally, _) = {
        let (start, end) = demo_window();
        let mut fetch = WindowFetch::new(CAMERA, start, end, 1000);
        let mut ids = HashSet::new();
        let t = without.run(&mut fetch, 2, 5, |e| ids.extend(e.into_iter().map(|e| e.id)));
        (ids, t, 0)
    };
    assert!(
        ids.is_empty() && !tally.completed,
        "401 is a transient failure: back off, never split"
    );
    let with = NativeClient::new(&b.url(), Some(key), Duration::from_secs(5));
    let (ids, _, _) = fetch_all(&with, 1000);
    assert_eq!(ids.len(), 150);
    let log = b.request_log();
    assert!(log
        .iter()
        .all(|e| !e.target.contains(key) && !e.target.to_lowercase().contains("key")));
    assert!(log.iter().any(|e| e.api_key_present && e.status == 200));
}

/// Live polling in real time against the backend's generator: 10 events/s
/// stamped 300 ms in the past, as after inference. Every row must arrive;
/// the figures give the load per viewer and the delay from insert to store.
#[test]
fn live_polling_catches_every_late_row_with_bounded_load() {
    let b = backend();
    let seconds = 12.0;
    let lateness_ms = 300;
    let started = b
        .start_live(LiveConfig {
            camera_id: Some(CAMERA.into()),
            model_id: None,
            rate_hz: 10.0,
            lateness_ms,
            duration_s: seconds,
        })
        .unwrap();
    let mut viewer =
        LiveViewer::new(CAMERA, NativeClient::new(&b.url(), None, Duration::from_secs(10)));
    let mut delays_ms: Vec<f64> = Vec::new();
    let t0 = Instant::now();
    viewer.poll_until(t0 + Duration::from_secs_f64(seconds + 2.0), |e| {
        // Inserted at timestamp + lateness on the server's clock (the same machine).
        // Only the generator's rows have a known insert time (the demo data is old).
        if e.model_id == demo_backend::LIVE_MODEL_ID {
            delays_ms.push(
                now_wall().since(e.timestamp.plus(lateness_ms as i64 * 1000)) as f64 / 1000.0,
            );
        }
    });
    let (poller, store) = (&viewer.poller, &viewer.store);
    let live_rows = store.timeline(demo_backend::LIVE_MODEL_ID).map_or(0, |t| t.events().len());
    assert_eq!(live_rows as u64, started.count, "every generated row reached the store");
    let minutes = t0.elapsed().as_secs_f64() / 60.0;
    let s = poller.stats;
    delays_ms.sort_by(f64::total_cmp);
    let pct = |p: f64| delays_ms[((delays_ms.len() - 1) as f64 * p) as usize];
    let refetch = s.rows as f64 / s.new_rows.max(1) as f64 - 1.0;
    append_figure(&format!(
        "live: at 10 events/s ({lateness_ms} ms late), polling every {LIVE_INTERVAL_MS} ms: {:.0} requests/min, {:.0} KB/min per viewer; \
         rows re-fetched {:.0}% of new rows (margin {:.0} ms, a count probe every 5 s); insert to store p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms",
        s.requests as f64 / minutes,
        s.bytes as f64 / 1024.0 / minutes,
        refetch * 100.0,
        poller.margin() as f64 / 1000.0,
        pct(0.5),
        pct(0.95),
        pct(1.0)
    ));
    let _ = json!({});
}

/// An hour of live events at 10 per second through the live store limits:
/// memory stays flat (the figure is the store's own estimate of its heap).
#[test]
fn an_hour_of_live_events_keeps_the_store_bounded() {
    let (_, demo) = demo_ids();
    let template = demo.iter().find(|e| e.model_id == "yolov8-person-detection").unwrap().clone();
    let mut store = EventStore::new(StoreLimits::live());
    let t0 = parse_rfc3339("2026-01-05T12:00:00Z").unwrap();
    let mut after_5_min = 0;
    for i in 0..36_000i64 {
        let mut e = template.clone();
        e.id = format!("00000000-0000-4000-8000-{i:012x}");
        e.timestamp = t0.plus(i * 100_000);
        store.ingest([e]);
        if i == 3_000 {
            after_5_min = store.approx_bytes();
        }
    }
    let after_hour = store.approx_bytes();
    assert_eq!(after_hour, after_5_min, "flat once the retention window is full");
    append_figure(&format!(
        "memory: after a simulated hour of live events at 10/s (2 persons with keypoints each): {} events held, about {} KB, the same as after 5 minutes",
        store.len(),
        after_hour / 1024
    ));
}

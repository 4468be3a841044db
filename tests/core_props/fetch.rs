//! Properties of fetching event windows: the paged walk against honest and hostile answers, and the playhead's windows.

use std::collections::{HashMap, HashSet};

use proptest::prelude::*;
use serde_json::json;
use vas_overlay_viewer::core::events::playhead_windows::{
    PlayheadWindows, WindowPlan, OPEN_MARGIN_US,
};
use vas_overlay_viewer::core::events::window_fetch::{Action, FailureKind, WindowFetch};
use vas_overlay_viewer::core::events::wire::{EventPage, EventQuery, WireEvent, MAX_PAGE_LIMIT};
use vas_overlay_viewer::core::time::UnixMicros;

use super::gen::{hostile_f64, hostile_i64, hostile_instant, T0};
use super::runner::check;

fn wire_event(id: String, ts: i64) -> WireEvent {
    WireEvent {
        id,
        camera_id: None,
        model_id: "m".into(),
        timestamp: UnixMicros(ts),
        frame_id: None,
        detections: json!({}),
        confidence: None,
        event_metadata: None,
    }
}

/// One answer of a hostile VAS: rows anywhere in time, pages claiming more
/// rows than they carry, any `total`, or a failure.
#[derive(Debug, Clone)]
enum Answer {
    Page { times: Vec<i64>, extra_raw: usize, total: Option<u64> },
    Transient,
    Window,
}

fn answer() -> impl Strategy<Value = Answer> {
    prop_oneof![
        4 => (prop::collection::vec(prop_oneof![4 => T0 - 60_000_000..T0 + 60_000_000, 1 => hostile_i64()], 0..30), prop_oneof![3 => Just(0usize), 1 => 0usize..1200], prop::option::of(any::<u64>()))
            .prop_map(|(times, extra_raw, total)| Answer::Page { times, extra_raw, total }),
        1 => Just(Answer::Transient),
        2 => Just(Answer::Window),
    ]
}

/// Whatever VAS answers (including windows spanning all of `i64`, pages of
/// rows outside the window, and errors without end), a window fetch asks
/// at most its budget of requests, each with a limit VAS accepts, and ends.
#[test]
fn window_fetches_end_within_their_budget_whatever_vas_answers() {
    check(
        "window_fetches_end_within_their_budget_whatever_vas_answers",
        1.0,
        || {
            let window = prop_oneof![
                3 => (T0 - 60_000_000..T0, T0..T0 + 60_000_000),
                1 => (hostile_instant(), hostile_instant()),
                1 => Just((i64::MIN, i64::MAX)),
            ];
            (window, any::<u32>(), 1u32..120, prop::collection::vec(answer(), 1..40))
        },
        |((start, end), limit, budget, answers)| {
            let mut fetch = WindowFetch::new("cam", UnixMicros(start), UnixMicros(end), limit)
                .with_max_requests(budget);
            let (lo, hi) = fetch.window();
            prop_assert!(lo <= hi && lo.0 == start.min(end) && hi.0 == start.max(end));
            let mut sent = 0u32;
            while let Some(q) = fetch.next_request() {
                sent += 1;
                prop_assert!(sent <= budget, "{sent} requests on a budget of {budget}");
                prop_assert!((1..=MAX_PAGE_LIMIT).contains(&q.limit));
                let outcome = match &answers[(sent as usize - 1) % answers.len()] {
                    Answer::Page { times, extra_raw, total } => {
                        let events: Vec<WireEvent> = times
                            .iter()
                            .enumerate()
                            .map(|(i, t)| wire_event(format!("r{i}-{t}"), *t))
                            .collect();
                        Ok(EventPage {
                            raw_len: events.len() + extra_raw,
                            events,
                            skipped: *extra_raw,
                            total: *total,
                        })
                    }
                    Answer::Transient => Err(FailureKind::Transient),
                    Answer::Window => Err(FailureKind::Window),
                };
                let (_, action) = fetch.on_result(outcome);
                if action == Action::Done {
                    prop_assert!(fetch.is_done());
                }
            }
            prop_assert!(fetch.is_done());
            prop_assert_eq!(fetch.requests(), sent);
            Ok(())
        },
    );
}

/// A stored row of the honest VAS.
#[derive(Debug, Clone)]
struct Row {
    ts: i64,
    id: String,
    poison: bool,
}

/// VAS as it behaves: newest first, ties in a different order on every
/// request, `total` counting every match, a poison row failing any page it is on.
fn honest_answer(rows: &[Row], q: &EventQuery, shuffle: u64) -> Result<EventPage, FailureKind> {
    let mut matching: Vec<&Row> =
        rows.iter().filter(|r| r.ts >= q.start.0 && r.ts <= q.end.0).collect();
    matching.sort_by_key(|r| {
        (
            std::cmp::Reverse(r.ts),
            (r.id.len() as u64).wrapping_mul(shuffle)
                ^ r.id.bytes().fold(shuffle, |h, b| h.rotate_left(5) ^ u64::from(b)),
        )
    });
    let total = matching.len() as u64;
    let page: Vec<&Row> =
        matching.into_iter().skip(q.offset as usize).take(q.limit as usize).collect();
    if page.iter().any(|r| r.poison) {
        return Err(FailureKind::Window);
    }
    let events: Vec<WireEvent> = page.iter().map(|r| wire_event(r.id.clone(), r.ts)).collect();
    Ok(EventPage { raw_len: events.len(), events, skipped: 0, total: Some(total) })
}

/// Against an honest VAS with poison rows, ties larger than a page and
/// passing outages: every row of the window is either fetched or inside a
/// span the fetch reports as given up, every poison row is given up, and
/// nothing outside the window is asked for except the one-row probe.
#[test]
fn window_fetches_get_every_row_of_an_honest_vas() {
    check(
        "window_fetches_get_every_row_of_an_honest_vas",
        0.5,
        || {
            let row = (0i64..3_000_000, prop::bool::weighted(0.02), 0u8..4);
            (
                prop::collection::vec(row, 0..300),
                1u32..40,
                prop::collection::hash_set(0u32..60, 0..6),
                any::<u64>(),
            )
        },
        |(raw, limit, outages, shuffle)| {
            let (start, end) = (T0, T0 + 2_000_000);
            // A quarter of the rows share a few instants, so ties fill whole pages.
            let rows: Vec<Row> = raw
                .iter()
                .enumerate()
                .map(|(i, (t, poison, tie))| {
                    let ts = if *tie == 0 { T0 + 1_000_000 } else { T0 - 500_000 + t };
                    // Poison rows only inside the window: the probe outside it must answer.
                    Row { ts, id: format!("r{i}"), poison: *poison && (start..=end).contains(&ts) }
                })
                .collect();
            let mut fetch = WindowFetch::new("cam", UnixMicros(start), UnixMicros(end), limit);
            let mut got: HashSet<String> = HashSet::new();
            let mut n = 0u32;
            while let Some(q) = fetch.next_request() {
                n += 1;
                prop_assert!(n <= 400, "more requests than the default budget");
                prop_assert!(
                    q.start.0 >= start - 1 && q.end.0 <= end,
                    "asked outside the window: {:?}..{:?}",
                    q.start,
                    q.end
                );
                let outcome = if outages.contains(&n) {
                    Err(FailureKind::Transient)
                } else {
                    honest_answer(&rows, &q, shuffle.wrapping_add(u64::from(n)))
                };
                let (events, _) = fetch.on_result(outcome);
                got.extend(events.into_iter().map(|e| e.id));
            }
            let lost = fetch.lost();
            let given_up = |ts: i64| lost.iter().any(|(a, b)| a.0 <= ts && ts <= b.0);
            for r in rows.iter().filter(|r| (start..=end).contains(&r.ts)) {
                if r.poison {
                    prop_assert!(given_up(r.ts), "poison row {} at {} not reported", r.id, r.ts);
                } else {
                    prop_assert!(
                        got.contains(&r.id) || given_up(r.ts),
                        "row {} at {} neither fetched nor given up",
                        r.id,
                        r.ts
                    );
                }
            }
            if !rows.iter().any(|r| r.poison) && fetch.requests() < 400 {
                prop_assert!(lost.is_empty(), "lost {lost:?} without poison");
            }
            Ok(())
        },
    );
}

#[derive(Debug, Clone)]
enum PlayheadOp {
    Fetch { playhead: i64, now: f64, mark_empty: Option<bool>, recorded: Option<i64> },
    Evict { playhead: i64 },
}

/// The playhead's windows, for any playhead and clock: the window asked for
/// is the playhead's own or one of its neighbours within the plan and the
/// bounds, never one loaded (unless empty or open, and due again); eviction keeps the
/// bound; the loaded block around the playhead contains it.
#[test]
fn playhead_windows_stay_near_the_playhead_and_bounded() {
    check(
        "playhead_windows_stay_near_the_playhead_and_bounded",
        1.0,
        || {
            let plan = (
                1_000_000i64..3_600_000_000,
                0i64..4,
                0i64..3,
                1usize..16,
                prop_oneof![Just(10_000.0), 0.0f64..20_000.0],
            );
            let bounds = prop::option::weighted(0.3, (hostile_instant(), hostile_instant()));
            let playhead = prop_oneof![4 => T0 - 600_000_000..T0 + 600_000_000, 1 => hostile_i64()];
            let op = prop_oneof![
                5 => (playhead.clone(), prop_oneof![0.0f64..1e6, hostile_f64()], prop::option::weighted(0.8, any::<bool>()), prop::option::weighted(0.5, playhead.clone()))
                    .prop_map(|(playhead, now, mark_empty, recorded)| PlayheadOp::Fetch { playhead, now, mark_empty, recorded }),
                1 => playhead.prop_map(|playhead| PlayheadOp::Evict { playhead }),
            ];
            (plan, bounds, prop::collection::vec(op, 0..60))
        },
        |((len, ahead, behind, max_windows, retry), bounds, ops)| {
            let open_retry = retry / 3.0;
            let plan = WindowPlan {
                window_len: len,
                ahead,
                behind,
                max_windows,
                empty_retry_ms: retry,
                open_retry_ms: open_retry,
            };
            let bounds = bounds.map(|(a, b)| (UnixMicros(a.min(b)), UnixMicros(a.max(b))));
            let mut w = PlayheadWindows::new(plan, bounds);
            // Window index -> (came back empty, when, open), as marked.
            let mut marked: HashMap<i64, (bool, f64, bool)> = HashMap::new();
            for op in ops {
                match op {
                    PlayheadOp::Fetch { playhead, now, mark_empty, recorded } => {
                        let p = UnixMicros(playhead);
                        let here = w.index_of(p);
                        let (a, b) = w.span(here);
                        prop_assert!(a <= p && p <= b, "{p:?} outside its window {a:?}..{b:?}");
                        if let Some(i) = w.next_to_fetch(p, now) {
                            prop_assert!(
                                i >= here.saturating_sub(behind) && i <= here.saturating_add(ahead),
                                "window {i} for {here}"
                            );
                            let (s, e) = w.span(i);
                            prop_assert!(s <= e);
                            if let Some((lo, hi)) = bounds {
                                prop_assert!(e >= lo && s <= hi, "window {i} outside the bounds");
                            }
                            if let Some((empty, at, open)) = marked.get(&i) {
                                prop_assert!(
                                    (*empty && now - at >= retry)
                                        || (*open && now - at >= open_retry),
                                    "window {i} asked for again though loaded"
                                );
                            }
                            if let Some(empty) = mark_empty {
                                let recorded = recorded.map(UnixMicros);
                                w.mark_loaded(i, empty, now, recorded);
                                // Open: it reached past what was recorded (by the margin for late events).
                                let open = recorded.is_some_and(|r| e.plus(OPEN_MARGIN_US) > r);
                                marked.insert(i, (empty, now, open));
                            }
                        }
                        if let Some((lo, hi)) = w.loaded_block(p) {
                            prop_assert!(lo <= p && p <= hi);
                        }
                    }
                    PlayheadOp::Evict { playhead } => {
                        let kept = w.evict(UnixMicros(playhead));
                        prop_assert!(w.loaded_count() <= max_windows);
                        marked.retain(|i, _| w.is_loaded(*i));
                        prop_assert_eq!(marked.len(), w.loaded_count());
                        if let Some((lo, hi)) = kept {
                            prop_assert!(lo <= hi);
                        }
                    }
                }
            }
            Ok(())
        },
    );
}

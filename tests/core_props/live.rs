//! Properties of the live path: the frame clock, the playout delay, the poller, and the signaling replies.

use proptest::prelude::*;
use serde_json::{json, Value};
use std::collections::HashSet;
use vas_overlay_viewer::core::clock::clip::ClipClockMethod;
use vas_overlay_viewer::core::clock::live::live_clock::{
    LiveClock, LiveClockMethod, LiveClockParams, LiveFrameMeta, SenderReportSample,
};
use vas_overlay_viewer::core::clock::live::live_delay::{DelayParams, PlayoutDelay};
use vas_overlay_viewer::core::clock::recording::recording_method::RecordingClockMethod;
use vas_overlay_viewer::core::clock::FrameClockMethod;

use vas_overlay_viewer::core::clock::live::live_signaling::{
    consumer_info, parse_reply, producer_to_consume, websocket_url, ReplyError, Request,
    TransportInfo,
};
use vas_overlay_viewer::core::events::credible_newest::{RowSeen, WILD_GAP};
use vas_overlay_viewer::core::events::live_poll::{
    LivePoller, FAR_FUTURE, SWEEP_EVERY, SWEEP_PHASE,
};
use vas_overlay_viewer::core::events::poll_grid::{self, CELL};
use vas_overlay_viewer::core::time::UnixMicros;

use super::gen::{hostile_f64, hostile_i64, text, T0};
use super::runner::check;

const METHODS: [LiveClockMethod; 3] =
    [LiveClockMethod::Arrival, LiveClockMethod::Receive, LiveClockMethod::RtpSr];

/// A clean stream (constant network delays, any RTP start, across the RTP
/// wrap, any browser clock skew): once a sender report is in, every frame is
/// placed at its capture time plus its delay minus the report's delay, by
/// either method, to the millisecond; and times only go forward.
#[test]
fn live_frame_times_of_a_clean_stream_are_exact() {
    check(
        "live_frame_times_of_a_clean_stream_are_exact",
        1.0,
        || (any::<u32>(), 0.0f64..500.0, 0.0f64..100.0, -1e7f64..1e7, 1usize..200, 0usize..3),
        |(rtp0, delay, sr_delay, skew, frames, cap)| {
            let max_method = METHODS[cap];
            let mut clock = LiveClock::new(LiveClockParams {
                max_method,
                arrival_grace_frames: 0,
                ..LiveClockParams::default()
            });
            let base = 1_800_000_000_000.0;
            clock.observe_sender_report(SenderReportSample {
                remote_ms: base - 1000.0,
                local_ms: base - 1000.0 + sr_delay + skew,
            });
            let mut last = None;
            for n in 0..frames as u32 {
                let capture = base + f64::from(n) * 1000.0 / 30.0;
                let meta = LiveFrameMeta {
                    rtp_timestamp: Some(rtp0.wrapping_add(n * 3000)),
                    receive_ms: Some(capture + delay + skew),
                    presented_ms: capture + delay + skew + 16.0,
                };
                let (t, method) = clock.frame_time(&meta).expect("a clean frame is timed");
                prop_assert!(method <= max_method);
                let want = match method {
                    LiveClockMethod::Arrival => capture + delay + skew,
                    _ => capture + delay - sr_delay,
                };
                prop_assert!(
                    (t.0 as f64 / 1000.0 - want).abs() < 1.0,
                    "frame {n} by {method:?}: {} vs {want}",
                    t.0 as f64 / 1000.0
                );
                prop_assert!(last.is_none_or(|l| l < t), "frame {n} is not after the one before");
                prop_assert_eq!(clock.last_frame_time(), Some((t, method)));
                last = Some(t);
            }
            Ok(())
        },
    );
}

#[derive(Debug, Clone)]
enum LiveEvent {
    Report { remote_ms: f64, local_ms: f64 },
    Frame { rtp: Option<u32>, receive_ms: Option<f64>, presented_ms: f64 },
    Reset,
}

/// Hostile reports and frames, with any tuning (the `anchor=` page parameter
/// included, NaN and all): no panic, a method never above the cap and never
/// one whose inputs were missing, and the clock remembers what it answered.
#[test]
fn the_live_clock_survives_hostile_inputs() {
    check(
        "the_live_clock_survives_hostile_inputs",
        1.0,
        || {
            let ms = prop_oneof![3 => 1.7e12f64..1.9e12, 2 => hostile_f64()];
            let event = prop_oneof![
                1 => (ms.clone(), ms.clone()).prop_map(|(remote_ms, local_ms)| LiveEvent::Report { remote_ms, local_ms }),
                6 => (prop::option::weighted(0.9, any::<u32>()), prop::option::weighted(0.9, ms.clone()), ms).prop_map(|(rtp, receive_ms, presented_ms)| LiveEvent::Frame { rtp, receive_ms, presented_ms }),
                1 => Just(LiveEvent::Reset),
            ];
            let params = (
                0usize..3,
                hostile_f64(),
                0usize..200,
                0usize..10,
                0usize..20,
                hostile_f64(),
                0usize..5,
                0usize..100,
            );
            (params, prop::collection::vec(event, 0..80))
        },
        |((cap, quantile, window, min_frames, offsets, jump_ms, jump_frames, grace), events)| {
            let params = LiveClockParams {
                max_method: METHODS[cap],
                anchor_quantile: quantile,
                anchor_window: window,
                min_anchor_frames: min_frames,
                offset_window: offsets,
                jump_ms,
                jump_frames,
                arrival_grace_frames: grace,
            };
            let mut clock = LiveClock::new(params);
            for event in events {
                match event {
                    LiveEvent::Report { remote_ms, local_ms } => {
                        clock.observe_sender_report(SenderReportSample { remote_ms, local_ms })
                    }
                    LiveEvent::Reset => clock.reset(),
                    LiveEvent::Frame { rtp, receive_ms, presented_ms } => {
                        let offset = clock.offset_ms();
                        prop_assert!(offset.is_none_or(f64::is_finite));
                        let got = clock.frame_time(&LiveFrameMeta {
                            rtp_timestamp: rtp,
                            receive_ms,
                            presented_ms,
                        });
                        let receive_ok = receive_ms.is_some_and(|r| r.is_finite() && r > 0.0);
                        if let Some((_, method)) = got {
                            prop_assert!(method <= params.max_method);
                            if method >= LiveClockMethod::Receive {
                                prop_assert!(
                                    receive_ok && offset.is_some(),
                                    "{method:?} without its inputs"
                                );
                            }
                            if method == LiveClockMethod::RtpSr {
                                prop_assert!(rtp.is_some());
                            }
                            prop_assert_eq!(clock.last_frame_time(), got);
                        }
                        if params.max_method == LiveClockMethod::Arrival {
                            let ms = if receive_ok { receive_ms.unwrap() } else { presented_ms };
                            if ms.is_finite() && ms.abs() < 9e15 {
                                prop_assert!(got.is_some(), "arrival always answers");
                            }
                        }
                    }
                }
            }
            Ok(())
        },
    );
}

#[derive(Debug, Clone)]
enum DelayEvent {
    Observe { now: f64, frame_us: i64, room_us: i64, newest_us: Option<i64> },
    Next { now: f64 },
    Forget,
}

/// The playout controller under any clock and any frame and event times:
/// the target stays finite within 0..=max, a change is announced as the new
/// target, never smaller than the minimum step, and (on a clock that goes
/// forward) never sooner than the minimum interval after the last.
#[test]
fn the_playout_delay_stays_within_its_bounds() {
    check(
        "the_playout_delay_stays_within_its_bounds",
        1.0,
        || {
            let deficit = prop_oneof![4 => -3_000_000i64..3_000_000, 1 => hostile_i64()];
            let event = prop_oneof![
                8 => (0.0f64..100.0, deficit, hostile_i64(), prop::bool::weighted(0.9), prop_oneof![4 => 0i64..600_000, 1 => hostile_i64()]).prop_map(|(step, deficit, wild, sane, room_us)| {
                    // `now` as a step here; made absolute below.
                    let (frame_us, newest_us) = if sane { (T0.saturating_add(deficit), Some(T0)) } else { (wild, Some(deficit)) };
                    DelayEvent::Observe { now: step, frame_us, room_us, newest_us }
                }),
                1 => Just(DelayEvent::Observe { now: 1.0, frame_us: T0, room_us: 0, newest_us: None }),
                2 => (0.0f64..2_000.0).prop_map(|now| DelayEvent::Next { now }),
                1 => Just(DelayEvent::Forget),
            ];
            (prop::collection::vec(event, 0..200), prop::option::weighted(0.1, hostile_f64()))
        },
        |(events, wild_now)| {
            let params = DelayParams::default();
            let mut delay = PlayoutDelay::new(params);
            let mut now = 0.0;
            let mut last_change: Option<f64> = None;
            for event in events {
                match event {
                    DelayEvent::Observe { now: step, frame_us, room_us, newest_us } => {
                        now += step;
                        delay.observe(wild_now.unwrap_or(now), frame_us, room_us, newest_us);
                    }
                    DelayEvent::Next { now: step } => {
                        now += step;
                        let before = delay.target_ms();
                        if let Some(t) = delay.next_target(wild_now.unwrap_or(now)) {
                            prop_assert_eq!(t, delay.target_ms());
                            prop_assert!((t - before).abs() >= params.min_step_ms);
                            if wild_now.is_none() {
                                prop_assert!(
                                    last_change.is_none_or(|c| now - c >= params.every_ms),
                                    "changed at {now} after {last_change:?}"
                                );
                                last_change = Some(now);
                            }
                        }
                    }
                    DelayEvent::Forget => delay.forget_recent(),
                }
                let t = delay.target_ms();
                prop_assert!(t.is_finite() && (0.0..=params.max_ms).contains(&t), "target {t}");
            }
            Ok(())
        },
    );
}

#[derive(Debug, Clone)]
enum PollEvent {
    /// New rows of models 0..3 at these times (relative to the newest held when `relative`).
    Done {
        rows: Vec<(u8, i64)>,
        relative: bool,
    },
    Sweep {
        total: u64,
        held: u64,
    },
    Lost {
        pairs: Vec<(i64, i64)>,
    },
    Fetch {
        now: i64,
    },
}

/// The live poller under rows of several models at any time, late and wild
/// ones included, with the viewer's clock anywhere: "newest" is always a
/// time some row had, the margin stays within its bounds, each poll asks
/// from the margin before "newest" (or, in a quiet spell, around the frame
/// on screen or for the newest rows of all time), and a count probe asks
/// about an ordered band.
#[test]
fn the_live_poller_stays_anchored_and_bounded() {
    check(
        "the_live_poller_stays_anchored_and_bounded",
        1.0,
        || {
            let time = prop_oneof![4 => -120_000_000i64..2_000_000, 1 => hostile_i64()];
            let event = prop_oneof![
                6 => (prop::collection::vec((0u8..3, time), 0..6), prop::bool::weighted(0.8)).prop_map(|(rows, relative)| PollEvent::Done { rows, relative }),
                2 => (any::<u64>(), 0u64..1_000_000).prop_map(|(total, held)| PollEvent::Sweep { total, held }),
                1 => prop::collection::vec((hostile_i64(), hostile_i64()), 0..4).prop_map(|pairs| PollEvent::Lost { pairs }),
                2 => hostile_i64().prop_map(|now| PollEvent::Fetch { now }),
            ];
            (prop::collection::vec(event, 0..120), hostile_i64())
        },
        |(events, viewer_offset)| {
            let mut poller = LivePoller::new("cam");
            let mut seen: HashSet<i64> = HashSet::new();
            let mut mono = 0i64;
            for event in events {
                mono = mono.saturating_add(250_000);
                match event {
                    PollEvent::Done { rows, relative } => {
                        let anchor = poller.newest_held().map_or(T0, |t| t.0);
                        let rows: Vec<RowSeen> = rows
                            .iter()
                            .map(|(m, t)| RowSeen {
                                model_id: format!("m{m}"),
                                timestamp: UnixMicros(if relative {
                                    anchor.saturating_add(*t)
                                } else {
                                    *t
                                }),
                            })
                            .collect();
                        seen.extend(rows.iter().map(|r| r.timestamp.0));
                        poller.on_poll_done(
                            &rows,
                            UnixMicros(T0.saturating_add(viewer_offset)),
                            mono,
                            None,
                        );
                        if let Some(n) = poller.newest_held() {
                            prop_assert!(seen.contains(&n.0), "newest {n:?} is no row's time");
                        }
                        let started =
                            UnixMicros(T0.saturating_add(viewer_offset).saturating_add(mono));
                        if let Some(probe) = poller.next_sweep(started) {
                            prop_assert!(poller.stats.polls >= SWEEP_EVERY as u64);
                            prop_assert_eq!(
                                poll_grid::cell_of(started).rem_euclid(SWEEP_EVERY),
                                SWEEP_PHASE
                            );
                            prop_assert!(
                                probe.band.0 <= probe.band.1,
                                "an inverted band {:?} (margin {})",
                                probe.band,
                                poller.margin()
                            );
                            prop_assert_eq!(
                                (probe.query.start, probe.query.end, probe.query.limit),
                                (probe.band.0, probe.band.1, 1)
                            );
                        }
                    }
                    PollEvent::Sweep { total, held } => {
                        // A poll that started in a probe's cell.
                        if let Some(probe) = poller.next_sweep(UnixMicros(SWEEP_PHASE * CELL)) {
                            let margin = poller.margin();
                            if let Some(fetch) = poller.on_sweep(&probe, total, held) {
                                prop_assert_eq!(fetch.window(), probe.band);
                                prop_assert!(poller.margin() >= margin, "a miss shrank the margin");
                            }
                        }
                    }
                    PollEvent::Lost { pairs } => {
                        let pairs: Vec<(UnixMicros, UnixMicros)> = pairs
                            .into_iter()
                            .map(|(a, b)| {
                                (UnixMicros(a), UnixMicros(if b % 2 == 0 { a } else { b }))
                            })
                            .collect();
                        poller.on_lost(&pairs);
                    }
                    PollEvent::Fetch { now } => {
                        let on_screen = UnixMicros(now.saturating_sub(viewer_offset));
                        let fetch = poller.next_fetch(UnixMicros(now), Some(on_screen));
                        let (start, end) = fetch.window();
                        prop_assert!(start <= end);
                        if let Some(n) = poller.newest_held() {
                            // On the grid, and never narrower than the window it rounds.
                            let on_grid = |(a, b): (UnixMicros, UnixMicros)| {
                                (poll_grid::floor_to(a, CELL), poll_grid::ceil_to(b, CELL))
                            };
                            let usual = (
                                n.plus(-poller.margin()),
                                n.max(UnixMicros(now)).plus(3_600_000_000),
                            );
                            let around =
                                (on_screen.plus(-10_000_000), on_screen.plus(3_600_000_000));
                            let all_time = (UnixMicros(0), FAR_FUTURE);
                            let shape = [usual, around]
                                .into_iter()
                                .find(|w| on_grid(*w) == (start, end))
                                .or(Some(all_time).filter(|w| *w == (start, end)));
                            prop_assert!(shape.is_some(), "window {:?}", (start, end));
                            let (a, b) = shape.unwrap_or(all_time);
                            prop_assert!(
                                start <= a && end >= b,
                                "window {:?} narrower than {:?}",
                                (start, end),
                                (a, b)
                            );
                            prop_assert!(
                                a.since(start) < CELL && b.since(end) > -CELL,
                                "window {:?} widened too far from {:?}",
                                (start, end),
                                (a, b)
                            );
                        }
                    }
                }
                let margin = poller.margin();
                prop_assert!((100_000..=60_000_000).contains(&margin), "margin {margin}");
            }
            Ok(())
        },
    );
}

/// Two models on VAS's clock and a third sending anything: "newest" stays
/// at the honest models' newest row (or within the tolerance above it),
/// whatever the third sends and however far the viewer's clock is off: from
/// the first poll when the page knows VAS's time from the frame on screen,
/// else from the second (the first may stand aside, its rows all ahead of
/// the viewer's clock).
#[test]
fn a_model_sending_anything_cannot_move_newest() {
    check(
        "a_model_sending_anything_cannot_move_newest",
        0.5,
        || {
            // The viewer's clock anywhere RFC 3339 can write (0001 to 9999 is within this).
            (
                prop::collection::vec(
                    (0i64..1_000_000, prop::collection::vec(hostile_i64(), 0..4)),
                    1..80,
                ),
                -T0..253_402_300_799_000_000 - T0,
                any::<bool>(),
            )
        },
        |(polls, viewer_offset, frame_known)| {
            let mut poller = LivePoller::new("cam");
            let mut honest_newest = 0i64;
            for (i, (late, wild)) in polls.iter().enumerate() {
                let vas_now = T0 + i as i64 * 250_000;
                let mut rows: Vec<RowSeen> = ["a", "b"]
                    .iter()
                    .map(|m| RowSeen {
                        model_id: (*m).into(),
                        timestamp: UnixMicros(vas_now - late),
                    })
                    .collect();
                honest_newest = honest_newest.max(vas_now - late);
                rows.extend(
                    wild.iter()
                        .map(|t| RowSeen { model_id: "wild".into(), timestamp: UnixMicros(*t) }),
                );
                let on_screen = frame_known.then_some(UnixMicros(vas_now));
                poller.on_poll_done(
                    &rows,
                    UnixMicros(vas_now.saturating_add(viewer_offset)),
                    i as i64 * 250_000,
                    on_screen,
                );
                let newest = match poller.newest_held() {
                    Some(n) => n.0,
                    None if i == 0 && !frame_known => continue,
                    None => return Err(TestCaseError::fail(format!("no newest after poll {i}"))),
                };
                // A wild row within the tolerance of the honest clock is indistinguishable from a real one.
                prop_assert!(
                    newest >= honest_newest && newest <= honest_newest + WILD_GAP + 1_000_000,
                    "newest {newest}, honest {honest_newest}, poll {i}"
                );
            }
            Ok(())
        },
    );
}

fn request(kind: u8, a: String, b: String, v: Value) -> Request {
    match kind {
        0 => Request::GetRouterRtpCapabilities { room_id: a },
        1 => Request::CreateWebRtcTransport { room_id: a },
        2 => Request::GetProducers { room_id: a },
        3 => Request::Consume { transport_id: a, producer_id: b, rtp_capabilities: v },
        4 => Request::ConnectWebRtcTransport { transport_id: a, dtls_parameters: v },
        _ => Request::CloseTransport { transport_id: a },
    }
}

/// A JSON value of some kind, for reply fields.
fn any_json() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        Just(json!({})),
        Just(json!([])),
        text().prop_map(Value::String),
        any::<i64>().prop_map(|n| json!(n)),
        prop::collection::vec(prop_oneof![text().prop_map(Value::String), Just(json!(5)), Just(Value::Null)], 0..4).prop_map(Value::Array),
        (prop::option::of(text()), any::<bool>(), any::<bool>()).prop_map(|(id, full, video)| {
            let mut o = json!({"iceParameters": {}, "iceCandidates": [], "dtlsParameters": {}, "producerId": "p", "rtpParameters": {}, "kind": if video { "video" } else { "audio" }});
            if let Some(id) = id {
                o["id"] = json!(id);
            }
            if !full {
                o.as_object_mut().unwrap().remove("dtlsParameters");
            }
            o
        }),
    ]
    .boxed()
}

/// A field read at the top level, else inside `payload`, as the core documents.
fn field<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    v.get(name).or_else(|| v.get("payload").and_then(|p| p.get(name))).filter(|f| !f.is_null())
}

/// Requests carry their fields intact; replies are matched by type: an
/// error reply is the server's message, another type is unexpected, and the
/// expected one is read field by field as documented (top level first, then
/// `payload`), whatever the fields hold.
#[test]
fn signaling_replies_are_matched_and_read_as_documented() {
    check(
        "signaling_replies_are_matched_and_read_as_documented",
        1.5,
        || {
            let types = prop_oneof![
                Just(json!("routerRtpCapabilities")),
                Just(json!("webRtcTransportCreated")),
                Just(json!("producersList")),
                Just(json!("consumerCreated")),
                Just(json!("webRtcTransportConnected")),
                Just(json!("transportClosed")),
                Just(json!("error")),
                Just(json!(7)),
                Just(Value::Null),
                text().prop_map(Value::String),
            ];
            let names = prop_oneof![
                Just("transportInfo"),
                Just("producers"),
                Just("consumerInfo"),
                Just("error"),
                Just("other")
            ];
            let fields = prop::collection::vec((names.clone(), any_json()), 0..4);
            let reply = prop_oneof![
                4 => (prop::option::weighted(0.95, types), fields.clone(), prop::option::of(fields)).prop_map(|(ty, top, payload)| {
                    let mut o = serde_json::Map::new();
                    if let Some(ty) = ty {
                        o.insert("type".into(), ty);
                    }
                    for (k, v) in top {
                        o.insert(k.into(), v);
                    }
                    if let Some(p) = payload {
                        o.insert("payload".into(), Value::Object(p.into_iter().map(|(k, v)| (k.to_string(), v)).collect()));
                    }
                    Value::Object(o).to_string()
                }),
                1 => text(),
            ];
            let req = (0u8..6, text(), text(), any_json());
            (req, reply)
        },
        |((kind, a, b, v), reply)| {
            let request = request(kind, a.clone(), b.clone(), v.clone());
            let sent: Value = serde_json::from_str(&request.to_json()).expect("a request is JSON");
            prop_assert_eq!(&sent["type"], &json!(request.type_name()));
            let id_field = if kind <= 2 { "roomId" } else { "transportId" };
            prop_assert_eq!(&sent["payload"][id_field], &json!(a));
            if kind == 3 {
                prop_assert_eq!(&sent["payload"]["producerId"], &json!(b));
                prop_assert_eq!(&sent["payload"]["rtpCapabilities"], &v);
            }
            let got = parse_reply(&request, &reply);
            let Ok(value) = serde_json::from_str::<Value>(&reply) else {
                prop_assert!(matches!(got, Err(ReplyError::Malformed(_))));
                return Ok(());
            };
            let Some(ty) = value.get("type").and_then(Value::as_str) else {
                prop_assert_eq!(got, Err(ReplyError::Malformed("no type".into())));
                return Ok(());
            };
            if ty == "error" {
                let message = value
                    .get("error")
                    .or_else(|| value.get("payload").and_then(|p| p.get("error")));
                let want = message.map_or("no message".to_string(), |m| {
                    m.as_str().map_or_else(|| m.to_string(), str::to_owned)
                });
                prop_assert_eq!(got, Err(ReplyError::Server(want)));
                return Ok(());
            }
            if ty != request.reply_type() {
                prop_assert_eq!(
                    got,
                    Err(ReplyError::Unexpected {
                        expected: request.reply_type(),
                        got: ty.to_owned()
                    })
                );
                return Ok(());
            }
            let reply = got
                .map_err(|e| TestCaseError::fail(format!("the expected type was refused: {e}")))?;
            let info = field(&value, "transportInfo");
            let transport_ok = info.is_some_and(|i| {
                i.get("id").is_some_and(Value::is_string)
                    && ["iceParameters", "iceCandidates", "dtlsParameters"]
                        .iter()
                        .all(|k| i.get(*k).is_some_and(|x| !x.is_null()))
            });
            prop_assert_eq!(TransportInfo::from_reply(&reply).is_ok(), transport_ok);
            let producers = field(&value, "producers");
            let want = producers
                .and_then(Value::as_array)
                .map(|l| l.iter().rev().find_map(|p| p.as_str().map(str::to_owned)));
            prop_assert_eq!(producer_to_consume(&reply).ok(), want);
            let consumer = field(&value, "consumerInfo");
            let consumer_ok = consumer.is_some_and(|c| {
                ["id", "producerId", "rtpParameters"]
                    .iter()
                    .all(|k| c.get(*k).is_some_and(|x| !x.is_null()))
                    && c.get("kind").and_then(Value::as_str) == Some("video")
            });
            prop_assert_eq!(consumer_info(&reply).is_ok(), consumer_ok);
            Ok(())
        },
    );
}

/// A URL base in many spellings, good and bad.
pub fn url_base() -> impl Strategy<Value = String> {
    let scheme = prop_oneof![
        Just("http://"),
        Just("https://"),
        Just("HTTPS://"),
        Just("Http://"),
        Just("ws://"),
        Just("https:/"),
        Just("https:"),
        Just(""),
        Just("//")
    ];
    let host = prop_oneof![
        Just("vas.example"),
        Just("10.0.0.2"),
        Just("[::1]"),
        Just("vas"),
        Just(""),
        Just("/vas"),
        Just("xn--bcher-kva.example")
    ];
    let port = prop_oneof![Just(""), Just(":8443"), Just(":0")];
    let path = prop_oneof![Just(""), Just("/prefix"), Just("/a/b"), Just("/ä")];
    let slashes = prop_oneof![Just(""), Just("/"), Just("///")];
    let pad = prop_oneof![Just(""), Just(" "), Just("\t")];
    prop_oneof![
        6 => (scheme, host, port, path, slashes, pad).prop_map(|(s, h, p, a, t, w)| format!("{w}{s}{h}{p}{a}{t}{w}")),
        1 => text(),
    ]
}

/// The signaling URL: the base's own host and path with `ws`/`wss` for
/// `http`/`https` (in any letter case), `/ws/mediasoup` after it; refused
/// for other schemes and for a base without a host.
#[test]
fn websocket_urls_keep_host_and_path() {
    check(
        "websocket_urls_keep_host_and_path",
        3.0,
        || (url_base(), url_base()),
        |(base, origin)| {
            let used = if base.trim().is_empty() { origin.as_str() } else { base.trim() };
            let used = used.trim_end_matches('/');
            let lower = used.to_ascii_lowercase();
            let (ws, rest) = if lower.starts_with("https://") {
                ("wss://", &used[8..])
            } else if lower.starts_with("http://") {
                ("ws://", &used[7..])
            } else {
                prop_assert!(websocket_url(&base, &origin).is_err(), "{used}");
                return Ok(());
            };
            let got = websocket_url(&base, &origin);
            if rest.is_empty() || rest.starts_with('/') {
                prop_assert!(got.is_err(), "{used}: {got:?}");
            } else {
                prop_assert_eq!(got, Ok(format!("{ws}{rest}/ws/mediasoup")));
            }
            Ok(())
        },
    );
}

/// `clock=` of the recordings and live pages: a method exactly when the
/// value is one's attribute name, and every name reads back as its method.
#[test]
fn clock_parameters_name_a_method_or_nothing() {
    let all = FrameClockMethod::ALL;
    check(
        "clock_parameters_name_a_method_or_nothing",
        4.0,
        || {
            let value = prop_oneof![
                (
                    0usize..7,
                    any::<u32>(),
                    prop_oneof![Just(""), Just(" "), Just("\u{0}"), Just("x")],
                    any::<bool>()
                )
                    .prop_map(move |(i, mask, pad, upper)| {
                        let name: String = all[i]
                            .as_attr()
                            .chars()
                            .enumerate()
                            .map(|(k, c)| {
                                if upper && mask >> (k % 32) & 1 == 1 {
                                    c.to_ascii_uppercase()
                                } else {
                                    c
                                }
                            })
                            .collect();
                        if mask % 3 == 0 {
                            format!("{pad}{name}")
                        } else {
                            format!("{name}{pad}")
                        }
                    }),
                text(),
            ];
            value
        },
        move |value| {
            prop_assert_eq!(
                FrameClockMethod::from_attr(&value),
                all.iter().copied().find(|m| m.as_attr() == value)
            );
            prop_assert_eq!(
                LiveClockMethod::from_attr(&value),
                METHODS.iter().copied().find(|m| m.as_attr() == value)
            );
            prop_assert_eq!(
                RecordingClockMethod::from_attr(&value),
                RecordingClockMethod::ALL.iter().copied().find(|m| m.as_attr() == value)
            );
            prop_assert_eq!(
                ClipClockMethod::from_attr(&value),
                ClipClockMethod::ALL.iter().copied().find(|m| m.as_attr() == value)
            );
            for m in all {
                prop_assert_eq!(FrameClockMethod::from_attr(m.as_attr()), Some(m));
            }
            for m in METHODS {
                prop_assert_eq!(LiveClockMethod::from_attr(m.as_attr()), Some(m));
                prop_assert_eq!(FrameClockMethod::from(m).as_attr(), m.as_attr());
            }
            for m in RecordingClockMethod::ALL {
                prop_assert_eq!(FrameClockMethod::from(m).as_attr(), m.as_attr());
            }
            Ok(())
        },
    );
}

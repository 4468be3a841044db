//! Properties of the VAS answers as sent: event pages, devices, recording dates, and the queries the viewer writes.

use proptest::prelude::*;
use serde_json::{json, Map, Value};
use vas_overlay_viewer::core::clock::recording::recording_dates::decode_recording_dates;
use vas_overlay_viewer::core::events::wire::{
    decode_devices, decode_event_page, EventQuery, MAX_PAGE_LIMIT,
};
use vas_overlay_viewer::core::time::{format_rfc3339_utc, parse_rfc3339, UnixMicros};

use super::gen::{hostile_instant, number, text, YEAR_0, YEAR_9999_END};
use super::runner::check;

#[test]
fn decoding_arbitrary_bytes_never_panics() {
    check(
        "decoding_arbitrary_bytes_never_panics",
        1.5,
        || {
            let bytes = prop_oneof![
                prop::collection::vec(any::<u8>(), 0..512),
                "\\PC{0,300}".prop_map(String::into_bytes),
                // JSON-looking text: brackets, quotes and the keys the decoders read.
                prop::collection::vec(
                    prop_oneof![
                        Just("{"),
                        Just("}"),
                        Just("["),
                        Just("]"),
                        Just(","),
                        Just(":"),
                        Just("\""),
                        Just("events"),
                        Just("dates"),
                        Just("id"),
                        Just("1e999"),
                        Just("-0"),
                        Just("null"),
                        Just("\\u0000")
                    ],
                    0..64
                )
                .prop_map(|parts| parts.concat().into_bytes()),
            ];
            bytes
        },
        |bytes| {
            if let Ok(page) = decode_event_page(&bytes) {
                prop_assert_eq!(page.events.len() + page.skipped, page.raw_len);
            }
            let _ = decode_devices(&bytes);
            let _ = decode_recording_dates(&bytes);
            let _ = parse_rfc3339(&String::from_utf8_lossy(&bytes));
            Ok(())
        },
    );
}

/// A field of a generated object: absent, or a value of some JSON type.
#[derive(Debug, Clone)]
enum Field {
    Absent,
    Present(Value),
}

fn field(string: impl Strategy<Value = String> + 'static) -> impl Strategy<Value = Field> {
    prop_oneof![
        2 => Just(Field::Absent),
        1 => Just(Field::Present(Value::Null)),
        4 => string.prop_map(|s| Field::Present(Value::String(s))),
        1 => number().prop_map(Field::Present),
        1 => any::<bool>().prop_map(|b| Field::Present(Value::Bool(b))),
        1 => Just(Field::Present(json!(["x"]))),
    ]
}

fn object(fields: Vec<(&'static str, Field)>, extra: Option<(String, Value)>) -> Value {
    let mut m = Map::new();
    for (k, f) in fields {
        if let Field::Present(v) = f {
            m.insert(k.to_owned(), v);
        }
    }
    if let Some((k, v)) = extra {
        m.entry(k).or_insert(v);
    }
    Value::Object(m)
}

fn is_string_or_missing(f: &Field) -> bool {
    matches!(f, Field::Absent | Field::Present(Value::Null) | Field::Present(Value::String(_)))
}

fn usable_text(f: &Field) -> Option<String> {
    match f {
        Field::Present(Value::String(s)) if !s.trim().is_empty() => {
            Some(s.trim().chars().take(128).collect())
        }
        _ => None,
    }
}

fn timestamp_text() -> impl Strategy<Value = String> {
    prop_oneof![
        hostile_instant().prop_map(|t| format_rfc3339_utc(UnixMicros(t))),
        text(),
        Just("2026-01-05T12:00:00".to_string()),
        Just(" 2026-01-05t12:00:00.5+01:00 ".to_string()),
    ]
}

/// Structured pages: each event usable exactly when its id and model are
/// non-blank strings and its timestamp parses; the page keeps every usable
/// one, in order, with ids cut to 128 characters and no non-finite confidence.
#[test]
fn event_pages_keep_exactly_the_usable_events() {
    check(
        "event_pages_keep_exactly_the_usable_events",
        0.3,
        || {
            let event = (
                field(text()),
                field(text()),
                field(timestamp_text()),
                field(text()),
                prop::option::of(number()),
                prop::option::of(number()),
            )
                .prop_map(|(id, model, ts, camera, confidence, frame)| {
                    let mut v = object(
                        vec![
                            ("id", id.clone()),
                            ("model_id", model.clone()),
                            ("timestamp", ts.clone()),
                            ("camera_id", camera),
                        ],
                        None,
                    );
                    if let (Some(c), Some(o)) = (confidence, v.as_object_mut()) {
                        o.insert("confidence".into(), c);
                    }
                    if let (Some(f), Some(o)) = (frame, v.as_object_mut()) {
                        o.insert("frame_id".into(), f);
                    }
                    (v, id, model, ts)
                });
            let items = prop::collection::vec(
                prop_oneof![9 => event.prop_map(Some), 1 => Just(None)],
                0..40,
            );
            (items, prop::option::of(number()))
        },
        |(items, total)| {
            let mut want = Vec::new();
            let list: Vec<Value> = items
                .iter()
                .map(|item| match item {
                    Some((v, id, model, ts)) => {
                        let stamp = match ts {
                            Field::Present(Value::String(s)) => parse_rfc3339(s),
                            _ => None,
                        };
                        if let (Some(id), Some(model), Some(stamp)) =
                            (usable_text(id), usable_text(model), stamp)
                        {
                            want.push((id, model, stamp));
                        }
                        v.clone()
                    }
                    None => json!(42),
                })
                .collect();
            let mut root = json!({ "events": list });
            if let Some(t) = &total {
                root["total"] = t.clone();
            }
            let page = decode_event_page(root.to_string().as_bytes())
                .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            let got: Vec<(String, String, UnixMicros)> = page
                .events
                .iter()
                .map(|e| (e.id.clone(), e.model_id.clone(), e.timestamp))
                .collect();
            prop_assert_eq!(got, want);
            prop_assert_eq!(page.raw_len, items.len());
            prop_assert_eq!(page.skipped, items.len() - page.events.len());
            prop_assert_eq!(page.total, total.and_then(|t| t.as_u64()));
            for e in &page.events {
                prop_assert!(e.confidence.is_none_or(f64::is_finite));
                prop_assert!(e
                    .camera_id
                    .as_ref()
                    .is_none_or(|c| !c.is_empty() && c.chars().count() <= 128));
            }
            Ok(())
        },
    );
}

/// Devices: exactly the items with a usable id and fields of the right
/// types, sorted by name then id, named by their id when the name is blank,
/// and never anything of `rtsp_url` (its credentials carry a canary here).
#[test]
fn devices_decode_sorted_and_without_the_rtsp_url() {
    let canary = "rtsp://admin:Canary-Rtsp-77@10.0.0.9/stream";
    check(
        "devices_decode_sorted_and_without_the_rtsp_url",
        0.4,
        || {
            let device = (
                field("[a-c ]{0,3}"),
                field("[A-Z ]{0,3}"),
                field(text()),
                field(text()),
                field(Just("?".to_string())),
                any::<bool>(),
            );
            prop::collection::vec(prop_oneof![9 => device.prop_map(Some), 1 => Just(None)], 0..30)
        },
        |items| {
            let mut want: Vec<(String, String)> = Vec::new();
            let list: Vec<Value> = items
                .iter()
                .map(|item| {
                    let Some((id, name, description, location, active, with_url)) = item else {
                        return json!("not a device");
                    };
                    // `is_active` takes booleans only: a string there is a wrong type.
                    let active = active.clone();
                    let id_ok =
                        matches!(id, Field::Present(Value::String(s)) if !s.trim().is_empty());
                    let types_ok =
                        [name, description, location].iter().all(|f| is_string_or_missing(f))
                            && matches!(
                                active,
                                Field::Absent
                                    | Field::Present(Value::Null)
                                    | Field::Present(Value::Bool(_))
                            );
                    if let (true, true, Field::Present(Value::String(id))) = (id_ok, types_ok, id) {
                        let name = match name {
                            Field::Present(Value::String(n)) if !n.trim().is_empty() => n.clone(),
                            _ => id.clone(),
                        };
                        want.push((name, id.clone()));
                    }
                    let extra = with_url.then(|| ("rtsp_url".to_string(), json!(canary)));
                    object(
                        vec![
                            ("id", id.clone()),
                            ("name", name.clone()),
                            ("description", description.clone()),
                            ("location", location.clone()),
                            ("is_active", active),
                        ],
                        extra,
                    )
                })
                .collect();
            want.sort();
            let devices = decode_devices(Value::Array(list).to_string().as_bytes())
                .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            let got: Vec<(String, String)> =
                devices.iter().map(|d| (d.name.clone(), d.id.clone())).collect();
            prop_assert_eq!(got, want);
            let shown = format!("{devices:?}");
            prop_assert!(!shown.contains("Canary-Rtsp"), "{}", shown);
            Ok(())
        },
    );
}

/// Recording dates: exactly the items with a string `date` and fields of the right types.
#[test]
fn recording_dates_keep_exactly_the_usable_items() {
    check(
        "recording_dates_keep_exactly_the_usable_items",
        0.5,
        || {
            let count = prop_oneof![
                2 => Just(Field::Absent),
                1 => Just(Field::Present(Value::Null)),
                2 => any::<u64>().prop_map(|n| Field::Present(json!(n))),
                1 => (i64::MIN..0).prop_map(|n| Field::Present(json!(n))),
                1 => Just(Field::Present(json!(12.5))),
                1 => Just(Field::Present(json!("12"))),
            ];
            let item = (field("[0-9]{8}"), field("[0-9-]{10}"), count);
            prop::collection::vec(prop_oneof![9 => item.prop_map(Some), 1 => Just(None)], 0..30)
        },
        |items| {
            let mut want = Vec::new();
            let list: Vec<Value> = items
                .iter()
                .map(|item| {
                    let Some((date, formatted, count)) = item else { return json!([]) };
                    let count_ok = match count {
                        Field::Absent | Field::Present(Value::Null) => true,
                        Field::Present(v) => v.as_u64().is_some(),
                    };
                    if let (Field::Present(Value::String(d)), true, true) =
                        (date, is_string_or_missing(formatted), count_ok)
                    {
                        want.push(d.clone());
                    }
                    object(
                        vec![
                            ("date", date.clone()),
                            ("formatted", formatted.clone()),
                            ("segments_count", count.clone()),
                        ],
                        None,
                    )
                })
                .collect();
            let body = json!({"status": "success", "dates": list}).to_string();
            let dates = decode_recording_dates(body.as_bytes())
                .map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            prop_assert_eq!(dates.into_iter().map(|d| d.date).collect::<Vec<_>>(), want);
            Ok(())
        },
    );
}

fn percent_decode(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(s.get(i + 1..i + 3)?, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Some(out)
}

/// The event query the viewer writes: every part percent-encoded and read
/// back intact, the limit inside what VAS accepts, the times as RFC 3339
/// that parses back to the same instant (within the four-digit years).
#[test]
fn event_queries_encode_every_part_and_parse_back() {
    check(
        "event_queries_encode_every_part_and_parse_back",
        1.0,
        || {
            (
                text(),
                prop::option::of(text()),
                hostile_instant(),
                hostile_instant(),
                any::<u32>(),
                any::<u64>(),
            )
        },
        |(camera, model, start, end, limit, offset)| {
            let q = EventQuery {
                camera_id: camera.clone(),
                model_id: model.clone(),
                start: UnixMicros(start),
                end: UnixMicros(end),
                limit,
                offset,
            };
            let text = q.path_and_query();
            prop_assert!(text.bytes().all(|b| b.is_ascii_graphic()), "{text}");
            let (path, query) = text.split_once('?').expect("a query string");
            let segment = path
                .strip_prefix("/api/v1/ai-events/cameras/")
                .and_then(|p| p.strip_suffix("/events"))
                .expect("the list path");
            prop_assert_eq!(percent_decode(segment), Some(camera.into_bytes()));
            let params: Vec<(&str, &str)> =
                query.split('&').map(|kv| kv.split_once('=').expect("key=value")).collect();
            let get = |k: &str| params.iter().find(|(p, _)| *p == k).map(|(_, v)| *v);
            let limit_sent: u32 = get("limit").unwrap().parse().unwrap();
            prop_assert!((1..=MAX_PAGE_LIMIT).contains(&limit_sent));
            prop_assert_eq!(get("offset").unwrap().parse::<u64>().ok(), Some(offset));
            prop_assert_eq!(
                get("model_id").map(|m| percent_decode(m).unwrap()),
                model.map(String::into_bytes)
            );
            for (key, t) in [("start_time", start), ("end_time", end)] {
                let sent = String::from_utf8(percent_decode(get(key).unwrap()).unwrap()).unwrap();
                if (YEAR_0..=YEAR_9999_END).contains(&t) {
                    prop_assert_eq!(parse_rfc3339(&sent), Some(UnixMicros(t)), "{}", sent);
                }
            }
            Ok(())
        },
    );
}

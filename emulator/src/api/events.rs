//! Event lists, filtered, ordered and paged as VAS does.

use serde::Serialize;
use serde_json::{json, Value};

use crate::api::{api_error, api_json};
use crate::day_recording;
use crate::demo_data::{DemoData, StoredEvent};
use crate::faults::{AnswerFaults, InsertTemplate};
use crate::http::answer::HttpAnswer;
use crate::run_time_state::RunTimeState;
use crate::text_formats::{format_vas_time, now_us, parse_uuid};
use crate::validation::{int_param, query_get, time_param, uuid_error, validation_error, Detail};

/// Model of the synthetic `huge_body_mb` event when the query names none.
pub const HUGE_MODEL_ID: &str = "demo-huge-body";

#[derive(Serialize)]
pub(crate) struct ListPage<'a> {
    pub(crate) events: Vec<&'a Value>,
    pub(crate) total: usize,
    pub(crate) limit: i64,
    pub(crate) offset: i64,
}

/// A 64-bit mix (splitmix64 finalizer).
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// FNV-1a of a string's bytes.
pub(crate) fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// Rank of a row among its ties in list request number `counter`: VAS has
/// no tie-breaker, so ties come in an order that changes per request, yet is
/// the same for the same sequence of requests.
pub(crate) fn tie_rank(id: &str, counter: u64) -> u64 {
    mix64(fnv1a(id) ^ mix64(counter.wrapping_add(0x9e37_79b9_7f4a_7c15)))
}

/// The filters and page of an event list request (the demo's and a live camera's).
#[derive(Clone, Copy)]
pub(crate) struct ListQuery<'a> {
    pub(crate) model: Option<&'a str>,
    pub(crate) start: Option<i64>,
    pub(crate) end: Option<i64>,
    pub(crate) limit: i64,
    pub(crate) offset: i64,
}

impl<'a> ListQuery<'a> {
    /// Reads them as VAS does, in VAS's order; each invalid one adds its 422
    /// detail to `errors`.
    pub(crate) fn parse(query: &'a [(String, String)], errors: &mut Vec<Detail>) -> ListQuery<'a> {
        ListQuery {
            model: query_get(query, "model_id"),
            start: time_param(query, "start_time", errors),
            end: time_param(query, "end_time", errors),
            limit: int_param(query, "limit", 100, Some(1), Some(1000), errors),
            offset: int_param(query, "offset", 0, Some(0), None, errors),
        }
    }
}

pub(crate) fn list_events(
    data: &DemoData,
    ctl: &mut RunTimeState,
    query: &[(String, String)],
    path_camera: Option<&str>,
    path: &str,
    applied: &AnswerFaults,
    faults: &mut Vec<&'static str>,
) -> HttpAnswer {
    let mut errors = Vec::new();
    let mut camera: Option<String> = None;
    match path_camera {
        Some(raw) => match parse_uuid(raw) {
            Ok(id) => camera = Some(id),
            Err(e) => errors.push(uuid_error("path", "camera_id", raw, &e)),
        },
        None => {
            if let Some(raw) = query_get(query, "camera_id") {
                match parse_uuid(raw) {
                    Ok(id) => camera = Some(id),
                    Err(e) => errors.push(uuid_error("query", "camera_id", raw, &e)),
                }
            }
        }
    }
    let list_query = ListQuery::parse(query, &mut errors);
    let ListQuery { model, start, end, limit, offset } = list_query;
    if !errors.is_empty() {
        return validation_error(errors, path);
    }

    if applied.db_fault_empty {
        faults.push("db_fault_empty");
        return api_json(
            200,
            &json!({"events": [], "total": 0, "limit": limit, "offset": offset}),
            true,
        );
    }
    if let Some(mb) = applied.huge_mb {
        faults.push("huge_body_mb");
        let camera = camera.as_deref().unwrap_or(&data.device_id_raw);
        let ts = end.or(start).unwrap_or_else(now_us);
        return huge_list(data, camera, model, ts, limit, offset, mb);
    }

    let counter = ctl.list_requests;
    ctl.list_requests += 1;
    let stable = ctl.faults.stable_ties;
    let between = ctl.faults.insert_between_pages.filter(|&k| k > 0);

    let stored: &RunTimeState = ctl;
    let mut matches: Vec<&StoredEvent> = data
        .events
        .iter()
        .chain(&stored.inserted)
        .chain(&stored.poison)
        .filter(|e| camera.as_ref().is_none_or(|c| &e.camera_id == c))
        .filter(|e| model.is_none_or(|m| e.model_id == m))
        .filter(|e| start.is_none_or(|s| e.ts_us >= s))
        .filter(|e| end.is_none_or(|t| e.ts_us <= t))
        .collect();
    // The day camera's rows: generated for this page only, the rest counted.
    let day =
        day_recording::rows_for(data.day.as_ref(), camera.as_deref(), &list_query, matches.len());
    matches.extend(&day.rows);
    if stable {
        matches.sort_by_key(|e| (std::cmp::Reverse(e.ts_us), e.order));
    } else {
        // Ranks only where rows tie: the live rig's long runs have few ties.
        matches.sort_by_key(|e| std::cmp::Reverse(e.ts_us));
        for ties in matches.chunk_by_mut(|a, b| a.ts_us == b.ts_us).filter(|run| run.len() > 1) {
            ties.sort_by_cached_key(|e| tie_rank(&e.id, counter));
        }
    }
    let total = matches.len() + day.skipped_newer + day.skipped_older;
    let rows: Vec<&StoredEvent> = matches
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX).saturating_sub(day.skipped_newer))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .collect();
    if rows.iter().any(|e| e.poison) {
        // VAS fails serializing the page: the JSON envelope, CORS on.
        faults.push("poison");
        return api_error(500, "Internal server error", path);
    }
    let body = serde_json::to_vec(&ListPage {
        events: rows.iter().map(|e| &e.raw).collect(),
        total,
        limit,
        offset,
    })
    .unwrap_or_default();
    let seeds: Vec<InsertTemplate> = match between {
        Some(_) if rows.len() as i64 == limit => rows
            .iter()
            .map(|e| InsertTemplate {
                ts_us: e.ts_us,
                timestamp: e.raw["timestamp"].as_str().unwrap_or_default().to_string(),
                camera_id: e.raw["camera_id"].clone(),
                model_id: e.model_id.clone(),
            })
            .collect(),
        _ => Vec::new(),
    };
    if let Some(k) = between.filter(|_| !seeds.is_empty()) {
        ctl.insert_between_pages(&seeds, k, end, &data.created_at);
    }
    HttpAnswer::bytes(200, "application/json", body).with("Access-Control-Allow-Origin", "*")
}

/// `huge_body_mb`: a valid list response of `mb` MiB, one synthetic event
/// (matching the query) whose `event_metadata.padding` fills the size.
pub(crate) fn huge_list(
    data: &DemoData,
    camera: &str,
    model: Option<&str>,
    ts: i64,
    limit: i64,
    offset: i64,
    mb: u32,
) -> HttpAnswer {
    const MARK: &str = "\"padding\":\"@@padding@@\"";
    let event = json!({
        "id": "b16b0d1e-0000-4000-8000-000000000001", "camera_id": camera,
        "model_id": model.unwrap_or(HUGE_MODEL_ID), "timestamp": format_vas_time(ts),
        "frame_id": null, "detections": {"detections": []}, "confidence": null,
        "event_metadata": {"padding": "@@padding@@"}, "created_at": data.created_at,
    });
    let page = json!({"events": [event], "total": offset + 1, "limit": limit, "offset": offset})
        .to_string();
    let target = mb as usize * 1024 * 1024;
    let Some(at) = page.find(MARK) else {
        return HttpAnswer::bytes(200, "application/json", page)
            .with("Access-Control-Allow-Origin", "*");
    };
    let fixed = page.len() - "@@padding@@".len();
    let pad = target.saturating_sub(fixed);
    let mut body = Vec::with_capacity(fixed + pad);
    let value_at = at + MARK.len() - "@@padding@@\"".len();
    body.extend_from_slice(&page.as_bytes()[..value_at]);
    body.resize(body.len() + pad, b'x');
    body.extend_from_slice(&page.as_bytes()[value_at + "@@padding@@".len()..]);
    HttpAnswer::bytes(200, "application/json", body).with("Access-Control-Allow-Origin", "*")
}

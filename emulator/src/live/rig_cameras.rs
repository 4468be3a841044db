//! The live rig's cameras and their events.
//!
//! The live test rig (`xtask/src/rig/`) runs a real SFU whose feeds stand for
//! VAS cameras. The emulator lists those cameras beside the demo data and
//! serves their events, which the rig posts as its frames are produced, as
//! VAS's pipeline would write them:
//!
//! | request | body | answer |
//! | --- | --- | --- |
//! | `POST /__live/events` | an array of VAS events of live cameras | `{"inserted": n, "stored": total, "inserted_at_us": when they became listable (server clock)}` |
//! | `GET /api/v1/devices` | | the demo's devices, then the live cameras |
//! | `GET /api/v1/devices/{live id}` | | that camera |
//! | event lists of a live camera | | its events, filtered and paged as VAS does |
//!
//! Everything else is answered by the other modules. The `GET` answers go
//! into the request log as every other answer does (the `POST` does not).

use std::io;

use serde_json::{json, Value};

use crate::api::events::ListQuery;
use crate::api::{api_json, match_api_route, ApiRoute};
use crate::emulator::Emulator;
use crate::http::answer::{AnswerBody, HttpAnswer};
use crate::http::dispatch::send;
use crate::http::request::{header_value, split_target, RequestParts};
use crate::http::server;
use crate::request_log::LogEntry;
use crate::text_formats::{now_us, parse_query, parse_rfc3339, parse_uuid};
use crate::validation::{query_get, validation_error};

/// The live cameras: VAS device objects (with a UUID `id`).
#[derive(Clone, Debug, Default)]
pub struct LiveCameras {
    pub devices: Vec<Value>,
}

/// An RFC 3339 time in microseconds since the epoch, as the backend reads `timestamp`.
pub fn parse_time_us(s: &str) -> Option<i64> {
    parse_rfc3339(s).ok()
}

/// Most live events kept; the oldest go first (a long demo run stays bounded).
pub(crate) const MAX_RIG_EVENTS: usize = 200_000;

pub(crate) struct RigEventStore {
    /// Canonical ids of the live cameras, in `devices` order.
    pub(crate) ids: Vec<String>,
    pub(crate) devices: Vec<Value>,
    /// (timestamp in us, canonical camera id, model id, event), newest first.
    pub(crate) events: std::sync::Mutex<Vec<(i64, String, String, Value)>>,
}

impl RigEventStore {
    pub(crate) fn new(cameras: LiveCameras) -> io::Result<RigEventStore> {
        let ids = cameras
            .devices
            .iter()
            .map(|d| {
                let raw = d.get("id").and_then(Value::as_str).unwrap_or_default();
                parse_uuid(raw).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("live camera id {raw:?}: {e}")))
            })
            .collect::<io::Result<Vec<_>>>()?;
        Ok(RigEventStore { ids, devices: cameras.devices, events: std::sync::Mutex::new(Vec::new()) })
    }

    pub(crate) fn is_live(&self, raw_id: &str) -> bool {
        parse_uuid(raw_id).is_ok_and(|id| self.ids.contains(&id))
    }

    /// Stores events (all or nothing); each must name a live camera.
    pub(crate) fn insert(&self, body: &[u8]) -> Result<(usize, usize), String> {
        let list: Vec<Value> = serde_json::from_slice(body).map_err(|e| format!("not a JSON array of events: {e}"))?;
        let mut rows = Vec::with_capacity(list.len());
        for (i, e) in list.into_iter().enumerate() {
            let text = |k: &str| e.get(k).and_then(Value::as_str).map(str::to_owned).ok_or(format!("events[{i}]: `{k}` must be a string"));
            let camera = parse_uuid(&text("camera_id")?).map_err(|err| format!("events[{i}]: camera_id: {err}"))?;
            if !self.ids.contains(&camera) {
                return Err(format!("events[{i}]: camera {camera} is not a live camera"));
            }
            let ts = parse_rfc3339(&text("timestamp")?).map_err(|err| format!("events[{i}]: timestamp: {err}"))?;
            rows.push((ts, camera, text("model_id")?, e));
        }
        let mut events = self.events.lock().unwrap_or_else(|p| p.into_inner());
        let n = rows.len();
        events.extend(rows);
        events.sort_by_key(|r| std::cmp::Reverse(r.0));
        events.truncate(MAX_RIG_EVENTS);
        Ok((n, events.len()))
    }

    /// An event list of one live camera, as `list_events` answers for the demo data.
    pub(crate) fn list(&self, camera: &str, query: &[(String, String)], path: &str) -> HttpAnswer {
        let mut errors = Vec::new();
        let ListQuery { model, start, end, limit, offset } = ListQuery::parse(query, &mut errors);
        if !errors.is_empty() {
            return validation_error(errors, path);
        }
        let camera = parse_uuid(camera).unwrap_or_default();
        let events = self.events.lock().unwrap_or_else(|p| p.into_inner());
        let matches: Vec<&Value> = events
            .iter()
            .filter(|(ts, cam, m, _)| {
                *cam == camera && model.is_none_or(|x| x == m) && start.is_none_or(|s| *ts >= s) && end.is_none_or(|t| *ts <= t)
            })
            .map(|r| &r.3)
            .collect();
        let page: Vec<&Value> = matches
            .iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .copied()
            .collect();
        api_json(200, &json!({"events": page, "total": matches.len(), "limit": limit, "offset": offset}), true)
    }
}

impl Emulator {
    /// Answers the live rig's requests; returns false for every other request.
    pub(crate) fn live_handle(&self, request: &server::Request, out: &mut server::Responder) -> bool {
        let Some(live) = &self.live else { return false };
        let target = request.target.as_str();
        let (path, query) = split_target(target);
        let method = request.method.to_ascii_uppercase();
        let reply = if path == "/__live/events" && method == "POST" {
            match live.insert(&request.body) {
                Ok((n, total)) => api_json(200, &json!({"inserted": n, "stored": total, "inserted_at_us": now_us()}), true),
                Err(e) => api_json(400, &json!({"error": e}), true),
            }
        } else if method != "GET" {
            return false;
        } else {
            let q = parse_query(query.unwrap_or(""));
            match match_api_route(path) {
                Some(ApiRoute::Devices) => {
                    // The demo's answer, then the live cameras.
                    let req = RequestParts { method: &method, path, query, headers: &request.headers };
                    let outcome = self.route(&req);
                    let mut list: Vec<Value> = match &outcome.reply.body {
                        AnswerBody::Bytes(b) if outcome.reply.status == 200 => serde_json::from_slice(b).unwrap_or_default(),
                        _ => return false,
                    };
                    list.extend(live.devices.iter().cloned());
                    api_json(200, &json!(list), true)
                }
                Some(ApiRoute::Device(id)) if live.is_live(&id) => {
                    let i = live.ids.iter().position(|x| parse_uuid(&id).is_ok_and(|id| &id == x)).unwrap_or(0);
                    api_json(200, &live.devices[i], true)
                }
                Some(ApiRoute::CameraEvents(camera)) if live.is_live(&camera) => live.list(&camera, &q, path),
                Some(ApiRoute::Events) if query_get(&q, "camera_id").is_some_and(|c| live.is_live(c)) => {
                    let camera = query_get(&q, "camera_id").unwrap_or_default().to_owned();
                    live.list(&camera, &q, path)
                }
                _ => return false,
            }
        };
        if method == "GET" {
            let api_key_present = header_value(&request.headers, "X-API-Key").is_some();
            let secrets_seen = self.secrets_in(target, &request.headers);
            let entry = LogEntry { seq: 0, method, target: target.to_string(), status: reply.status, api_key_present, bytes: reply.body_len(), fault: None, secrets_seen };
            self.lock().record(entry);
        }
        let _ = send(out, reply);
        true
    }
}

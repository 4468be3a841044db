//! The emulated VAS API (`/api/v1/`): auth, CORS preflight, routing, and the
//! answer faults around them, in VAS's order.

use serde_json::{json, Value};

use crate::api::devices::list_devices;
use crate::api::events::list_events;
use crate::demo_data::DemoData;
use crate::emulator::Emulator;
use crate::faults::{gzip, AnswerFaults, AuthFault, FaultScope};
use crate::http::answer::{AnswerBody, HttpAnswer, RoutedAnswer};
use crate::http::request::RequestParts;
use crate::run_time_state::RunTimeState;
use crate::text_formats::{parse_query, parse_uuid, percent_decode};
use crate::validation::{uuid_error, validation_error};
use crate::{day_recording, recording};

pub(crate) mod devices;
pub(crate) mod events;

#[cfg(test)]
mod tests;

impl Emulator {
    pub(crate) fn host(&self, req: &RequestParts) -> String {
        req.header("Host")
            .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_graphic()))
            .unwrap_or(&self.local_host)
            .to_string()
    }

    /// An `/api/` request, faults included.
    pub(crate) fn emulate_api(&self, data: &DemoData, req: &RequestParts) -> RoutedAnswer {
        let route = match_api_route(req.path);
        let scope = match (req.method, &route) {
            ("OPTIONS", _) => FaultScope::Preflight,
            ("GET", Some(ApiRoute::Events | ApiRoute::CameraEvents(_))) => FaultScope::EventList,
            ("GET", Some(ApiRoute::Event(_))) => FaultScope::Event,
            ("GET", None) if recording::is_playlist(req.path) => FaultScope::Playlist,
            _ => FaultScope::Other,
        };
        // VAS's auth middleware runs before CORS and routing. A key from its
        // database fails inside it, unhandled; then the environment key
        // (configuration), then the fault's.
        let database_key = self.lock().faults.database_key.clone();
        if database_key.is_some() && req.header("X-API-Key") == database_key.as_deref() {
            let answer = HttpAnswer::text(500, "Internal Server Error");
            return RoutedAnswer::faulted(answer, "database_key");
        }
        if let Some(kind) = self.api_key.as_deref().and_then(|key| key_refusal(req, key)) {
            return RoutedAnswer::faulted(auth_reply(kind), "api_key");
        }
        let mut ctl = self.lock();
        if let Some(kind) = ctl.faults.required_key.as_deref().and_then(|key| key_refusal(req, key))
        {
            return RoutedAnswer::faulted(auth_reply(kind), "required_key");
        }
        let applied = ctl.answer_faults(req, scope);
        let mut faults: Vec<&'static str> = Vec::new();
        let mut reply = self.emulate(data, &mut ctl, req, route, &applied, &mut faults);
        drop(ctl);
        if applied.truncate {
            let is_json = reply
                .headers
                .iter()
                .any(|(k, v)| k.eq_ignore_ascii_case("Content-Type") && v == "application/json");
            if let (true, AnswerBody::Bytes(bytes)) = (is_json, &mut reply.body) {
                if !bytes.is_empty() {
                    bytes.truncate(bytes.len() / 2);
                    faults.push("truncate_body");
                }
            }
        }
        if let (true, AnswerBody::Bytes(bytes)) = (applied.gzip, &mut reply.body) {
            *bytes = gzip(bytes);
            reply.headers.push(("Content-Encoding".into(), "gzip".into()));
            faults.push("gzip_body");
        }
        if let (true, AnswerBody::Bytes(bytes)) = (applied.chunked, &mut reply.body) {
            reply.body = AnswerBody::Chunked(std::mem::take(bytes));
            faults.push("chunked_body");
        }
        if applied.delay.is_some() {
            faults.push("delay_ms");
        }
        RoutedAnswer {
            answer: reply,
            delay: applied.delay,
            fault: (!faults.is_empty()).then(|| faults.join("+")),
        }
    }

    pub(crate) fn emulate(
        &self,
        data: &DemoData,
        ctl: &mut RunTimeState,
        req: &RequestParts,
        route: Option<ApiRoute>,
        applied: &AnswerFaults,
        faults: &mut Vec<&'static str>,
    ) -> HttpAnswer {
        if let Some(kind) = applied.auth {
            faults.push("auth");
            return auth_reply(kind);
        }
        if req.method == "OPTIONS" {
            return preflight(req);
        }
        if applied.bare_500 {
            faults.push("bare_500");
            return HttpAnswer::text(500, "Internal Server Error");
        }
        if let Some((reply, fault)) =
            day_recording::route(data.day.as_ref(), req, &ctl.faults, applied.huge_playlist_mb)
        {
            faults.extend(fault);
            return reply;
        }
        if let Some((reply, fault)) =
            recording::route(data.recording.as_ref(), req, &ctl.faults, applied.huge_playlist_mb)
        {
            faults.extend(fault);
            return reply;
        }
        let route = match route {
            Some(route) => route,
            None => {
                // Starlette redirect_slashes: the same path without the
                // trailing slash names a route.
                if let Some(stripped) = req.path.strip_suffix('/') {
                    if match_api_route(stripped).is_some() {
                        let mut location = format!("http://{}{}", self.host(req), stripped);
                        if let Some(q) = req.query {
                            location.push('?');
                            location.push_str(q);
                        }
                        return api_json(307, &Value::Null, false).with("Location", location);
                    }
                }
                return api_error(404, "Not Found", req.path);
            }
        };
        if req.method != "GET" {
            return api_method_not_allowed(req.path);
        }
        let query = parse_query(req.query.unwrap_or(""));
        match route {
            ApiRoute::Devices => list_devices(data, &query, req.path),
            ApiRoute::Device(id) => match parse_uuid(&id) {
                Err(e) => {
                    validation_error(vec![uuid_error("path", "device_id", &id, &e)], req.path)
                }
                Ok(id) if id == data.device_id => api_json(200, &data.device, true),
                Ok(id) => match data.live_cameras.iter().find(|c| c.id == id) {
                    Some(camera) => api_json(200, &camera.device, true),
                    None => api_error(404, "Device not found", req.path),
                },
            },
            ApiRoute::Event(id) => match parse_uuid(&id) {
                Err(e) => validation_error(vec![uuid_error("path", "event_id", &id, &e)], req.path),
                Ok(id) => {
                    let not_found =
                        || api_error(404, &format!("AI event {id} not found"), req.path);
                    if applied.db_fault_empty {
                        faults.push("db_fault_empty");
                        return not_found();
                    }
                    let found = data
                        .by_id
                        .get(&id)
                        .map(|&i| &data.events[i])
                        .or_else(|| ctl.inserted_ids.get(&id).map(|&i| &ctl.inserted[i]))
                        .or_else(|| ctl.poison.iter().find(|p| p.id == id));
                    match found {
                        Some(e) if e.poison => {
                            faults.push("poison");
                            api_error(500, "Internal server error", req.path)
                        }
                        Some(e) => api_json(200, &e.raw, true),
                        None => not_found(),
                    }
                }
            },
            ApiRoute::Events => list_events(data, ctl, &query, None, req.path, applied, faults),
            ApiRoute::CameraEvents(camera) => {
                list_events(data, ctl, &query, Some(&camera), req.path, applied, faults)
            }
        }
    }
}

/// How a request's `X-API-Key` fails `key`, if it does (absent or empty, or another key).
fn key_refusal(req: &RequestParts, key: &str) -> Option<AuthFault> {
    match req.header("X-API-Key") {
        None | Some("") => Some(AuthFault::Missing),
        Some(given) if given != key => Some(AuthFault::Invalid),
        Some(_) => None,
    }
}

/// VAS's authentication answers: JSON, and no CORS header.
pub(crate) fn auth_reply(kind: AuthFault) -> HttpAnswer {
    let (status, detail) = match kind {
        AuthFault::Missing => (401, "API key required. Provide X-API-Key header."),
        AuthFault::Invalid => (403, "Invalid or expired API key"),
    };
    HttpAnswer::bytes(status, "application/json", json!({"detail": detail}).to_string())
}

pub(crate) enum ApiRoute {
    Devices,
    Device(String),
    Events,
    Event(String),
    CameraEvents(String),
}

pub(crate) fn match_api_route(raw_path: &str) -> Option<ApiRoute> {
    let rest = raw_path.strip_prefix("/api/v1/")?;
    let segs: Vec<String> = rest.split('/').map(|s| percent_decode(s, false)).collect();
    if segs.iter().any(String::is_empty) {
        return None;
    }
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    match segs.as_slice() {
        ["devices"] => Some(ApiRoute::Devices),
        ["devices", id] => Some(ApiRoute::Device(id.to_string())),
        ["ai-events"] => Some(ApiRoute::Events),
        ["ai-events", id] => Some(ApiRoute::Event(id.to_string())),
        ["ai-events", "cameras", camera, "events"] => {
            Some(ApiRoute::CameraEvents(camera.to_string()))
        }
        _ => None,
    }
}

pub(crate) fn api_json(status: u16, body: &Value, with_body: bool) -> HttpAnswer {
    let bytes = if with_body { serde_json::to_vec(body).unwrap_or_default() } else { Vec::new() };
    HttpAnswer::bytes(status, "application/json", bytes).with("Access-Control-Allow-Origin", "*")
}

pub(crate) fn api_error(status: u16, message: &str, path: &str) -> HttpAnswer {
    api_json(status, &json!({"error": {"status": status, "message": message, "path": path}}), true)
}

/// 405 to a method other than GET on a GET route.
pub(crate) fn api_method_not_allowed(path: &str) -> HttpAnswer {
    api_error(405, "Method Not Allowed", path).with("Allow", "GET")
}

pub(crate) fn preflight(req: &RequestParts) -> HttpAnswer {
    let mut allow_headers = String::from("X-API-Key, Content-Type");
    if let Some(requested) = req.header("Access-Control-Request-Headers") {
        if !requested.trim().is_empty() {
            allow_headers = format!("{}, X-API-Key", requested.trim());
        }
    }
    HttpAnswer::bytes(204, "application/json", Vec::new())
        .with("Access-Control-Allow-Origin", "*")
        .with("Access-Control-Allow-Methods", "GET, OPTIONS")
        .with("Access-Control-Allow-Headers", allow_headers)
        .with("Access-Control-Max-Age", "600")
}

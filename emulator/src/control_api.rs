//! The test control API (`/__demo/`): faults, reset, inserted events,
//! generators, the request log.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{json, Value};

use crate::demo_data::StoredEvent;
use crate::emulator::Emulator;
use crate::faults::Faults;
use crate::http::answer::HttpAnswer;
use crate::live::generator::LiveConfig;
use crate::live::rig_cameras::LIVE_EVENTS_PATH;
use crate::run_time_state::MAX_INSERTED;

/// An error of a control operation: HTTP status and message.
pub(crate) type ControlError = (u16, String);

impl Emulator {
    /// A `/__demo/` request, or the live rig's `POST /__live/events`.
    pub(crate) fn control(self: &Arc<Self>, method: &str, path: &str, body: &[u8]) -> HttpAnswer {
        /// Every control path and the methods it takes (for a 405's `Allow`).
        const ALLOWED: [(&str, &str); 6] = [
            ("/__demo/faults", "GET, POST, OPTIONS"),
            ("/__demo/reset", "POST, OPTIONS"),
            ("/__demo/events", "POST, OPTIONS"),
            ("/__demo/live", "POST, OPTIONS"),
            ("/__demo/log", "GET, OPTIONS"),
            (LIVE_EVENTS_PATH, "POST, OPTIONS"),
        ];
        if method == "OPTIONS" {
            return HttpAnswer::bytes(204, "application/json", Vec::new())
                .with("Access-Control-Allow-Origin", "*")
                .with("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
                .with("Access-Control-Allow-Headers", "Content-Type")
                .with("Access-Control-Max-Age", "600");
        }
        let result: Result<Value, ControlError> = match (method, path) {
            ("GET", "/__demo/faults") => Ok(self.faults_json()),
            ("POST", "/__demo/faults") => parse_body::<Faults>(body)
                .and_then(|f| self.set_faults(f))
                .map(|()| self.faults_json()),
            ("POST", "/__demo/reset") => {
                self.reset();
                Ok(json!({"reset": true}))
            }
            ("POST", "/__demo/events") => parse_body::<Value>(body)
                .and_then(|v| match v {
                    Value::Array(list) => Ok(list),
                    Value::Object(mut o) => match o.remove("events") {
                        Some(Value::Array(list)) => Ok(list),
                        _ => {
                            Err((400, "expected an array of events or {\"events\": [...]}".into()))
                        }
                    },
                    _ => Err((400, "expected an array of events or {\"events\": [...]}".into())),
                })
                .and_then(|list| self.insert_events(list))
                .map(|n| json!({"inserted": n, "stored": self.lock().inserted.len()})),
            ("POST", "/__demo/live") => parse_body::<LiveConfig>(body)
                .and_then(|c| self.start_live(&c))
                .map(|started| json!(started)),
            ("GET", "/__demo/log") => Ok(json!(self.lock().log)),
            ("POST", LIVE_EVENTS_PATH) => self.insert_rig_events(body),
            _ => match ALLOWED.iter().find(|(known, _)| *known == path) {
                Some((_, allow)) => {
                    return control_reply(405, &json!({"error": "method not allowed"}))
                        .with("Allow", *allow);
                }
                None => Err((404, format!("no demo control at {path}; see emulator/src/lib.rs"))),
            },
        };
        match result {
            Ok(body) => control_reply(200, &body),
            Err((status, message)) => control_reply(status, &json!({"error": message})),
        }
    }
}

impl Emulator {
    /// Stores VAS event objects (all or nothing); returns how many.
    pub(crate) fn insert_events(&self, events: Vec<Value>) -> Result<usize, ControlError> {
        let data = &self.data;
        let mut ctl = self.lock();
        if ctl.inserted.len() + events.len() > MAX_INSERTED {
            return Err((400, format!("at most {MAX_INSERTED} inserted events")));
        }
        let mut parsed: Vec<StoredEvent> = Vec::with_capacity(events.len());
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, event) in events.iter().enumerate() {
            let row =
                StoredEvent::parse(event, 0).map_err(|e| (400, format!("events[{i}]: {e}")))?;
            if data.by_id.contains_key(&row.id) || ctl.inserted_ids.contains_key(&row.id) {
                return Err((
                    409,
                    format!("events[{i}]: duplicate `id` {} (already stored)", row.id),
                ));
            }
            if let Some(first) = seen.insert(row.id.clone(), i) {
                return Err((
                    409,
                    format!("events[{i}]: duplicate `id` {} (also events[{first}])", row.id),
                ));
            }
            parsed.push(row);
        }
        let n = parsed.len();
        for row in parsed {
            ctl.store(row);
        }
        Ok(n)
    }
}

pub(crate) fn parse_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ControlError> {
    serde_json::from_slice(body).map_err(|e| (400, format!("invalid JSON body: {e}")))
}

pub(crate) fn control_reply(status: u16, body: &Value) -> HttpAnswer {
    HttpAnswer::bytes(status, "application/json", body.to_string())
        .with("Access-Control-Allow-Origin", "*")
        .with("Cache-Control", "no-store")
}

#[cfg(test)]
mod tests;

//! Wire types of the VAS read API, decoded tolerantly: one bad item never loses the rest.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Deserialize;
use serde_json::Value;

use crate::core::time::{parse_rfc3339, UnixMicros};

/// One AI event as VAS sends it, with only the fields the viewer uses.
///
/// `created_at` is deliberately absent: VAS writes the same frozen value on
/// every row, so it carries no information.
#[derive(Debug, Clone, PartialEq)]
pub struct WireEvent {
    pub id: String,
    pub camera_id: Option<String>,
    pub model_id: String,
    /// Wall time on the VAS host of the frame the inference ran on.
    pub timestamp: UnixMicros,
    pub frame_id: Option<i64>,
    /// Opaque, model-specific payload; see `detection` for the adapters.
    pub detections: Value,
    pub confidence: Option<f64>,
    pub event_metadata: Option<Value>,
}

/// Why one event of a page was skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    NotAnObject,
    MissingId,
    MissingModel,
    BadTimestamp,
}

/// A decoded list page: the usable events and a count of the skipped ones.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventPage {
    pub events: Vec<WireEvent>,
    pub skipped: usize,
    /// `total` as VAS reported it (every match, ignoring limit and offset).
    pub total: Option<u64>,
    /// How many items the page held, usable or not (decides whether a page was full).
    pub raw_len: usize,
}

/// Why a whole response could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageError {
    NotJson(String),
    NoEventList,
}

/// Maximum length kept for identifiers; longer ones are cut (VAS caps model ids at 128).
const MAX_ID_CHARS: usize = 128;

fn short_string(v: Option<&Value>) -> Option<String> {
    let s = v?.as_str()?.trim();
    if s.is_empty() {
        return None;
    }
    Some(s.chars().take(MAX_ID_CHARS).collect())
}

/// Decodes one event object; anything unusable yields the reason instead of a panic.
pub fn decode_event(v: &Value) -> Result<WireEvent, SkipReason> {
    decode_owned_event(v.clone())
}

/// As [`decode_event`], taking the value: its detections and metadata are
/// moved into the event, not copied (a page of dense events would otherwise
/// be held twice while it is decoded).
fn decode_owned_event(mut v: Value) -> Result<WireEvent, SkipReason> {
    let obj = v.as_object_mut().ok_or(SkipReason::NotAnObject)?;
    let id = short_string(obj.get("id")).ok_or(SkipReason::MissingId)?;
    let model_id = short_string(obj.get("model_id")).ok_or(SkipReason::MissingModel)?;
    let timestamp = obj
        .get("timestamp")
        .and_then(Value::as_str)
        .and_then(parse_rfc3339)
        .ok_or(SkipReason::BadTimestamp)?;
    Ok(WireEvent {
        id,
        camera_id: short_string(obj.get("camera_id")),
        model_id,
        timestamp,
        frame_id: obj.get("frame_id").and_then(Value::as_i64),
        detections: obj.remove("detections").unwrap_or(Value::Null),
        confidence: obj.get("confidence").and_then(Value::as_f64).filter(|c| c.is_finite()),
        event_metadata: obj.remove("event_metadata").filter(Value::is_object),
    })
}

/// Decodes a list response body (`{"events": [...], "total": ...}`). Each
/// row's value is consumed as it is decoded.
pub fn decode_event_page(body: &[u8]) -> Result<EventPage, PageError> {
    let mut root: Value =
        serde_json::from_slice(body).map_err(|e| PageError::NotJson(e.to_string()))?;
    let total = root.get("total").and_then(Value::as_u64);
    let Some(Value::Array(list)) = root.get_mut("events").map(Value::take) else {
        return Err(PageError::NoEventList);
    };
    let mut page = EventPage { total, raw_len: list.len(), ..EventPage::default() };
    for item in list {
        match decode_owned_event(item) {
            Ok(ev) => page.events.push(ev),
            Err(_) => page.skipped += 1,
        }
    }
    Ok(page)
}

/// A camera as the viewer keeps it. `rtsp_url` is intentionally not a field:
/// it may embed camera credentials, so it is never decoded, shown or logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub location: Option<String>,
    pub is_active: bool,
}

#[derive(Deserialize)]
struct WireDevice {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    location: Option<String>,
    #[serde(default)]
    is_active: Option<bool>,
}

/// Decodes `GET /api/v1/devices` (a bare array), skipping unusable items, sorted by name.
pub fn decode_devices(body: &[u8]) -> Result<Vec<Device>, PageError> {
    let root: Value =
        serde_json::from_slice(body).map_err(|e| PageError::NotJson(e.to_string()))?;
    let list = root.as_array().ok_or(PageError::NoEventList)?;
    let mut out: Vec<Device> = list
        .iter()
        .filter_map(|v| serde_json::from_value::<WireDevice>(v.clone()).ok())
        .filter(|d| !d.id.trim().is_empty())
        .map(|d| Device {
            name: d.name.filter(|n| !n.trim().is_empty()).unwrap_or_else(|| d.id.clone()),
            id: d.id,
            description: d.description,
            location: d.location,
            is_active: d.is_active.unwrap_or(false),
        })
        .collect();
    // VAS returns no fixed order; a stable one keeps the list from jumping.
    out.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
    Ok(out)
}

/// Largest page VAS serves; `limit` outside 1..=1000 is answered with 422.
pub const MAX_PAGE_LIMIT: u32 = 1000;

/// A query of `GET /api/v1/ai-events/cameras/{camera_id}/events`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventQuery {
    pub camera_id: String,
    pub model_id: Option<String>,
    /// Inclusive bounds on the event timestamp.
    pub start: UnixMicros,
    pub end: UnixMicros,
    pub limit: u32,
    pub offset: u64,
}

/// What `percent_encode` escapes: everything but RFC 3986's unreserved characters.
const ESCAPED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Percent-encodes a path segment or query value (RFC 3986 unreserved kept).
pub fn percent_encode(s: &str) -> String {
    utf8_percent_encode(s, ESCAPED).to_string()
}

impl EventQuery {
    /// Path and query. Times are always sent as RFC 3339 with `Z` (a time
    /// without a zone would be read in VAS's local zone), and `limit` is
    /// clamped into 1..=1000 because VAS rejects anything else.
    pub fn path_and_query(&self) -> String {
        let mut q = format!(
            "/api/v1/ai-events/cameras/{}/events?start_time={}&end_time={}&limit={}&offset={}",
            percent_encode(&self.camera_id),
            percent_encode(&crate::core::time::format_rfc3339_utc(self.start)),
            percent_encode(&crate::core::time::format_rfc3339_utc(self.end)),
            self.limit.clamp(1, MAX_PAGE_LIMIT),
            self.offset
        );
        if let Some(m) = &self.model_id {
            q.push_str("&model_id=");
            q.push_str(&percent_encode(m));
        }
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = include_str!("../../../tests/fixtures/list-response.json");

    #[test]
    fn decodes_the_contract_sample() {
        let page = decode_event_page(LIST.as_bytes()).unwrap();
        assert_eq!(page.events.len(), 2);
        assert_eq!(page.skipped, 0);
        assert_eq!(page.total, Some(2));
        let newest = &page.events[0];
        assert_eq!(newest.model_id, "yolov8-person-detection");
        assert_eq!(newest.timestamp.0 - page.events[1].timestamp.0, 200_000);
        assert_eq!(newest.frame_id, Some(6));
        assert!(newest.event_metadata.is_some());
    }

    #[test]
    fn one_bad_event_is_skipped_and_the_rest_kept() {
        let body = r#"{"events": [
            {"id": "a", "model_id": "m", "timestamp": "2026-01-05T12:00:00Z", "detections": {}, "extra": [1,2]},
            {"id": "b", "model_id": "m", "timestamp": "not a time", "detections": {}},
            {"id": 7, "model_id": "m", "timestamp": "2026-01-05T12:00:00Z"},
            {"id": "c", "timestamp": "2026-01-05T12:00:00Z"},
            42,
            {"id": "d", "model_id": "m", "timestamp": "2026-01-05T12:00:01.500000Z", "frame_id": "x", "confidence": "high", "event_metadata": null}
        ], "total": 6}"#;
        let page = decode_event_page(body.as_bytes()).unwrap();
        let ids: Vec<_> = page.events.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["a", "d"]);
        assert_eq!(page.skipped, 4);
        assert_eq!(page.raw_len, 6);
        assert_eq!(page.events[1].frame_id, None);
        assert_eq!(page.events[1].confidence, None);
        assert_eq!(page.events[1].event_metadata, None);
    }

    #[test]
    fn whole_page_errors_are_reported() {
        assert!(matches!(decode_event_page(b"Internal Server Error"), Err(PageError::NotJson(_))));
        assert!(matches!(decode_event_page(br#"{"events": [{"id": "#), Err(PageError::NotJson(_))));
        assert_eq!(
            decode_event_page(br#"{"error": {"status": 500}}"#),
            Err(PageError::NoEventList)
        );
        assert_eq!(decode_event_page(br#"{"events": {}}"#), Err(PageError::NoEventList));
    }

    #[test]
    fn event_queries_follow_the_contract() {
        let q = EventQuery {
            camera_id: "cam/1".into(),
            model_id: Some("yolo v8".into()),
            start: UnixMicros(1_767_614_400_000_000),
            end: UnixMicros(1_767_614_400_500_000),
            limit: 5000,
            offset: 20,
        };
        assert_eq!(
            q.path_and_query(),
            "/api/v1/ai-events/cameras/cam%2F1/events?start_time=2026-01-05T12%3A00%3A00Z\
             &end_time=2026-01-05T12%3A00%3A00.500000Z&limit=1000&offset=20&model_id=yolo%20v8"
        );
        assert!(EventQuery { limit: 0, ..q }.path_and_query().contains("limit=1&"));
    }

    #[test]
    fn devices_never_keep_the_rtsp_url() {
        let body = br#"[
            {"id": "b", "name": "Yard", "rtsp_url": "rtsp://u:p@h/x", "is_active": true, "location": null},
            {"id": "a", "name": "Gate", "rtsp_url": "rtsp://u:p@h/y", "is_active": false, "description": "d"},
            {"name": "no id"},
            {"id": "c", "name": ""}
        ]"#;
        let devices = decode_devices(body).unwrap();
        let names: Vec<_> = devices.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["Gate", "Yard", "c"]);
        assert!(!format!("{devices:?}").contains("rtsp"));
    }
}

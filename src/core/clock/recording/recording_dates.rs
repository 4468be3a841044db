//! `GET /api/v1/recordings/devices/{id}/dates`: the days a camera has recordings for.

use serde::Deserialize;

use crate::core::events::wire::PageError;

/// One recorded day, newest first as VAS lists them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RecordedDate {
    /// `YYYYMMDD`.
    pub date: String,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub formatted: Option<String>,
    #[serde(default)]
    pub segments_count: Option<u64>,
}

#[derive(Deserialize)]
struct WireDates {
    #[serde(default)]
    dates: Vec<serde_json::Value>,
}

/// Decodes the answer; unusable items are skipped. A camera without
/// recordings answers `{"status": "success", "dates": []}` (no `device_id`).
pub fn decode_recording_dates(body: &[u8]) -> Result<Vec<RecordedDate>, PageError> {
    let wire: WireDates =
        serde_json::from_slice(body).map_err(|e| PageError::NotJson(e.to_string()))?;
    Ok(wire.dates.into_iter().filter_map(|v| serde_json::from_value(v).ok()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_dates() {
        let body = br#"{"status":"success","device_id":"x","dates":[{"date":"20260105","formatted":"2026-01-05","segments_count":12},{"bad":1}]}"#;
        let d = decode_recording_dates(body).unwrap();
        assert_eq!(
            d,
            vec![RecordedDate {
                date: "20260105".into(),
                formatted: Some("2026-01-05".into()),
                segments_count: Some(12)
            }]
        );
        assert_eq!(decode_recording_dates(br#"{"status":"success","dates":[]}"#).unwrap(), vec![]);
        assert!(decode_recording_dates(b"<html>").is_err());
    }
}

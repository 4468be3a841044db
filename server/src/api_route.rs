//! The allow-list of VAS read paths the viewer uses, parsed from the raw request path.
//!
//! Only these paths are ever forwarded to VAS. The raw path (before any
//! decoding) is checked character by character: the viewer's paths are made
//! of fixed words, UUIDs and segment file names, so a `%` (an encoded dot or
//! slash), a backslash, an empty segment or a `.`/`..` segment can only come
//! from someone probing for another path, and is refused. The upstream path
//! is then rebuilt from the parsed route, never copied from the request, so
//! nothing an HTTP client might normalize later can change what VAS sees.

use uuid::Uuid;

/// One allowed VAS read path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiRoute {
    /// `/api/v1/devices` (camera list).
    Devices,
    /// `/api/v1/devices/{id}`.
    Device(Uuid),
    /// `/api/v1/ai-events` (event list, filtered by query).
    Events,
    /// `/api/v1/ai-events/{event_id}`.
    Event(Uuid),
    /// `/api/v1/ai-events/cameras/{camera_id}/events`.
    CameraEvents(Uuid),
    /// `/api/v1/recordings/devices/{id}/dates`.
    RecordingDates(Uuid),
    /// `/api/v1/recordings/devices/{id}/playlist` (the rolling playlist).
    Playlist(Uuid),
    /// `/api/v1/recordings/devices/{id}/{segment}.ts`.
    Segment { device: Uuid, file: String },
}

/// Longest segment file name accepted (VAS writes `segment-<epoch+n>.ts`).
const MAX_SEGMENT_NAME: usize = 64;
/// Longest query string forwarded.
pub const MAX_QUERY_BYTES: usize = 2048;

impl ApiRoute {
    /// Parses a raw request path (no query). `None` for anything that is not
    /// exactly one of the allowed paths.
    pub fn parse(raw_path: &str) -> Option<ApiRoute> {
        let rest = raw_path.strip_prefix("/api/v1/")?;
        if !rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.' || b == b'/')
        {
            return None;
        }
        let parts: Vec<&str> = rest.split('/').collect();
        if parts.iter().any(|p| p.is_empty() || p.bytes().all(|b| b == b'.')) {
            return None;
        }
        let id = |s: &str| canonical_uuid(s);
        match parts.as_slice() {
            ["devices"] => Some(ApiRoute::Devices),
            ["devices", d] => id(d).map(ApiRoute::Device),
            ["ai-events"] => Some(ApiRoute::Events),
            ["ai-events", e] => id(e).map(ApiRoute::Event),
            ["ai-events", "cameras", c, "events"] => id(c).map(ApiRoute::CameraEvents),
            ["recordings", "devices", d, "dates"] => id(d).map(ApiRoute::RecordingDates),
            ["recordings", "devices", d, "playlist"] => id(d).map(ApiRoute::Playlist),
            ["recordings", "devices", d, file] if is_segment_name(file) => {
                id(d).map(|device| ApiRoute::Segment { device, file: (*file).to_owned() })
            }
            _ => None,
        }
    }

    /// The path sent to VAS, rebuilt from the parsed parts.
    pub fn upstream_path(&self) -> String {
        match self {
            ApiRoute::Devices => "/api/v1/devices".into(),
            ApiRoute::Device(d) => format!("/api/v1/devices/{d}"),
            ApiRoute::Events => "/api/v1/ai-events".into(),
            ApiRoute::Event(e) => format!("/api/v1/ai-events/{e}"),
            ApiRoute::CameraEvents(c) => format!("/api/v1/ai-events/cameras/{c}/events"),
            ApiRoute::RecordingDates(d) => format!("/api/v1/recordings/devices/{d}/dates"),
            ApiRoute::Playlist(d) => format!("/api/v1/recordings/devices/{d}/playlist"),
            ApiRoute::Segment { device, file } => {
                format!("/api/v1/recordings/devices/{device}/{file}")
            }
        }
    }

    /// Device answers carry `rtsp_url` (camera credentials): they are
    /// rewritten without it, never streamed through.
    pub fn carries_devices(&self) -> bool {
        matches!(self, ApiRoute::Devices | ApiRoute::Device(_))
    }

    /// Media segments: large, streamed, and cacheable as VAS says.
    pub fn is_segment(&self) -> bool {
        matches!(self, ApiRoute::Segment { .. })
    }
}

/// A UUID in its hyphenated form only (VAS's ids); other spellings that the
/// `uuid` crate accepts (braces, `urn:`, no hyphens) are refused, so the
/// upstream path is the one the viewer asked for.
fn canonical_uuid(s: &str) -> Option<Uuid> {
    if s.len() != 36 {
        return None;
    }
    Uuid::try_parse(s).ok()
}

fn is_segment_name(s: &str) -> bool {
    let Some(stem) = s.strip_suffix(".ts") else { return false };
    !stem.is_empty()
        && s.len() <= MAX_SEGMENT_NAME
        && stem.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Whether a raw query string may be forwarded as it is: printable ASCII,
/// bounded, nothing that would end the request target.
pub fn query_is_forwardable(query: &str) -> bool {
    query.len() <= MAX_QUERY_BYTES && query.bytes().all(|b| b.is_ascii_graphic() && b != b'#')
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAM: &str = "5e1f0000-0000-4000-8000-0000000de300";

    fn check(path: &str, expected: Option<&str>) {
        let got = ApiRoute::parse(path).map(|r| r.upstream_path());
        assert_eq!(got.as_deref(), expected, "{path}");
    }

    #[test]
    fn allowed_paths_are_rebuilt_exactly() {
        let rows = [
            ("/api/v1/devices", "/api/v1/devices".to_string()),
            (&format!("/api/v1/devices/{CAM}"), format!("/api/v1/devices/{CAM}")),
            ("/api/v1/ai-events", "/api/v1/ai-events".into()),
            (&format!("/api/v1/ai-events/{CAM}"), format!("/api/v1/ai-events/{CAM}")),
            (
                &format!("/api/v1/ai-events/cameras/{CAM}/events"),
                format!("/api/v1/ai-events/cameras/{CAM}/events"),
            ),
            (
                &format!("/api/v1/recordings/devices/{CAM}/dates"),
                format!("/api/v1/recordings/devices/{CAM}/dates"),
            ),
            (
                &format!("/api/v1/recordings/devices/{CAM}/playlist"),
                format!("/api/v1/recordings/devices/{CAM}/playlist"),
            ),
            (
                &format!("/api/v1/recordings/devices/{CAM}/segment-1795578823.ts"),
                format!("/api/v1/recordings/devices/{CAM}/segment-1795578823.ts"),
            ),
        ];
        for (path, upstream) in rows {
            check(path, Some(&upstream));
        }
    }

    #[test]
    fn everything_else_is_refused() {
        let rows = [
            "/api/v1/devices/",
            "/api/v1/ai-events/",
            "/api/../api/v1/devices",
            "/api/v1/../v1/devices",
            "/api/v1/./devices",
            "/api/v1/%2e%2e/admin",
            "/api/v1/devices%2f..%2fusers",
            "/api/v1/devices/..%2F..%2Fusers",
            "/api/v1//devices",
            "/api/v1/devices\\..\\x",
            "/api/v1/users",
            "/api/v1/devices/not-a-uuid",
            &format!("/api/v1/devices/{CAM}/start-stream"),
            &format!("/api/v1/devices/{CAM}/stop-stream"),
            &format!("/api/v1/devices/{{{CAM}}}"),
            "/api/v1/devices/5e1f00000000400080000000000de300",
            &format!("/api/v1/recordings/devices/{CAM}/segment-1.mp4"),
            &format!("/api/v1/recordings/devices/{CAM}/.ts"),
            &format!("/api/v1/recordings/devices/{CAM}/../../x.ts"),
            &format!("/api/v1/recordings/devices/{CAM}/playlist/x"),
            &format!("/api/v1/recordings/devices/{CAM}/{}.ts", "a".repeat(80)),
            "/api/v2/devices",
            "/docs",
            "/openapi.json",
            "/health",
            "/__demo/faults",
            "/ws/mediasoup",
            "",
        ];
        for path in rows {
            check(path, None);
        }
    }

    #[test]
    fn only_device_answers_are_rewritten_and_only_segments_are_media() {
        let dev = ApiRoute::parse("/api/v1/devices").unwrap();
        assert!(dev.carries_devices() && !dev.is_segment());
        let seg =
            ApiRoute::parse(&format!("/api/v1/recordings/devices/{CAM}/segment-7.ts")).unwrap();
        assert!(seg.is_segment() && !seg.carries_devices());
        assert!(!ApiRoute::Events.carries_devices());
    }

    #[test]
    fn queries() {
        assert!(query_is_forwardable("camera_id=x&start_time=2026-01-05T12:00:00Z&limit=1000"));
        assert!(query_is_forwardable("start_time=2026-01-05T12:00:00%2B01:00"));
        assert!(!query_is_forwardable("a=b c"));
        assert!(!query_is_forwardable("a=b#c"));
        assert!(!query_is_forwardable("a=\u{7f}"));
        assert!(!query_is_forwardable(&"a".repeat(MAX_QUERY_BYTES + 1)));
    }
}

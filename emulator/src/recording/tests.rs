//! Tests of the demo recording: its endpoints, variants and segment faults.

use serde_json::{json, Value};

use super::*;
use crate::test_support::{demo_backend, request, Resp};

#[test]
fn dates_and_pdt_text() {
    assert_eq!(date_of(1_767_618_000_830_000), "20260105");
    assert_eq!(date_of(0), "19700101");
    assert_eq!(pdt_text(1_767_618_000_950_000), "2026-01-05T13:00:00.950Z");
    assert_eq!(
        flip_first_group("0b6f7a52-3c1e-4f0a-9d2b-7e5c4a1f8e01", 1),
        "955803eb-3c1e-4f0a-9d2b-7e5c4a1f8e01"
    );
    assert_ne!(
        flip_first_group("0b6f7a52-3c1e-4f0a-9d2b-7e5c4a1f8e01", 2),
        flip_first_group("0b6f7a52-3c1e-4f0a-9d2b-7e5c4a1f8e01", 1)
    );
    assert!(matches!(
        match_route("/api/v1/recordings/devices/x/segment-1.ts"),
        Some(Route::Segment("x", "segment-1.ts"))
    ));
    assert!(match_route("/api/v1/recordings/devices/x/segment-1.ts/y").is_none());
    assert!(match_route("/api/v1/recordings/devices/x/other").is_none());
}

/// Against the shipped demo recording: endpoints, headers, numbering, program date-time variant.
#[test]
fn serves_the_shipped_recording_as_vas_does() {
    let (backend, _) = demo_backend();
    let cam = "9d3f2b1a-6c4e-4b8a-a1f0-2e7d5c9b3a10";
    let base = format!("http://127.0.0.1:{}/api/v1/recordings/devices", backend.port());

    let dates = request("GET", &format!("{base}/{cam}/dates"), &[]);
    assert_eq!(dates.status, 200);
    let v = dates.json();
    assert_eq!(v["device_id"], cam);
    assert_eq!(v["dates"][0]["date"], "20260105");
    assert_eq!(v["dates"][0]["formatted"], "2026-01-05");
    assert_eq!(v["dates"][0]["segments_count"], 12);
    let none = request("GET", &format!("{base}/00000000-0000-4000-8000-000000000000/dates"), &[]);
    assert_eq!(none.json(), json!({"status": "success", "dates": []}));

    let pl = request("GET", &format!("{base}/{cam}/playlist"), &[]);
    let text = String::from_utf8(pl.body).unwrap();
    assert_eq!(pl.status, 200);
    assert!(
        text.contains("#EXT-X-PLAYLIST-TYPE:EVENT")
            && !text.contains("ENDLIST")
            && !text.contains("PROGRAM-DATE-TIME")
    );
    assert!(text.contains("#EXT-X-MEDIA-SEQUENCE:1767619925"), "the newest run's start epoch");
    assert_eq!(text.matches("#EXT-X-DISCONTINUITY").count(), 3);
    assert!(text.contains("segment-1767618441.ts"), "run 2: 1767618437 + 4 listed");
    assert!(text.contains("segment-1767619932.ts"), "run 3: 1767619925 + 7 listed");
    let missing =
        request("GET", &format!("{base}/00000000-0000-4000-8000-000000000000/playlist"), &[]);
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json()["error"]["status"], 404);

    let seg = request("GET", &format!("{base}/{cam}/segment-1767618000.ts"), &[]);
    assert_eq!(seg.status, 200);
    assert_eq!(seg.header("Last-Modified"), Some("Mon, 05 Jan 2026 13:00:07 GMT"));
    assert_eq!(seg.header("Cache-Control"), Some("public, max-age=31536000"));
    assert_eq!(seg.header("Content-Type"), Some("video/mp2t"));
    assert!(seg.header("ETag").is_some());
    assert_eq!(seg.body.first(), Some(&0x47), "an MPEG-TS sync byte");
    assert_eq!(request("HEAD", &format!("{base}/{cam}/segment-1767618000.ts"), &[]).status, 405);
    assert_eq!(request("GET", &format!("{base}/{cam}/segment-1.ts"), &[]).status, 404);

    let pdt =
        String::from_utf8(request("GET", &format!("{base}/{PDT_CAMERA_ID}/playlist"), &[]).body)
            .unwrap();
    assert_eq!(pdt.matches("#EXT-X-PROGRAM-DATE-TIME:").count(), 12);
    assert!(
        pdt.contains("#EXT-X-PROGRAM-DATE-TIME:2026-01-05T13:00:00.950Z\nsegment-1767618000.ts"),
        "{pdt}"
    );

    // The restart camera: the pre-restart playlist twice, then the full one.
    let restart = |_: usize| {
        String::from_utf8(request("GET", &format!("{base}/{RESTART_CAMERA_ID}/playlist"), &[]).body)
            .unwrap()
    };
    let before = restart(0);
    assert!(
        before.contains("#EXT-X-MEDIA-SEQUENCE:1767618437")
            && !before.contains("segment-1767619932.ts"),
        "{before}"
    );
    assert_eq!(before.matches("#EXT-X-DISCONTINUITY").count(), 2);
    assert_eq!(restart(1), before);
    assert_eq!(restart(2), text);

    // The recording's events are served for every camera id.
    let events = |c: &str| {
        let url = format!(
            "http://127.0.0.1:{}/api/v1/ai-events/cameras/{c}/events?start_time=2026-01-05T13:00:00Z&end_time=2026-01-05T13:00:10Z&limit=1000",
            backend.port()
        );
        request("GET", &url, &[]).json()["total"].as_u64().unwrap()
    };
    assert!(events(cam) > 0);
    assert_eq!(events(cam), events(PDT_CAMERA_ID));
    assert_eq!(events(cam), events(RESTART_CAMERA_ID));
    // The bare camera: the program date-time playlist, no events of its own.
    let bare =
        String::from_utf8(request("GET", &format!("{base}/{BARE_CAMERA_ID}/playlist"), &[]).body)
            .unwrap();
    assert_eq!(bare, pdt);
    assert_eq!(events(BARE_CAMERA_ID), 0);
}

/// Segment faults: a 404 as VAS sends it, or the usual answer with bytes that are not media;
/// on every camera serving the recording, logged, refused when malformed, cleared by reset.
#[test]
fn missing_and_garbage_segments() {
    let (backend, data) = demo_backend();
    let base = format!("http://127.0.0.1:{}/api/v1/recordings/devices", backend.port());
    let seg = |cam: &str, n: u64| request("GET", &format!("{base}/{cam}/segment-{n}.ts"), &[]);
    let cam = "9d3f2b1a-6c4e-4b8a-a1f0-2e7d5c9b3a10";
    let original = std::fs::read(data.join("recording/segment-1767618002.ts")).unwrap();
    backend
        .set_faults(Faults {
            missing_segments: vec!["segment-1767618001.ts".into(), "1767619936".into()],
            garbage_segments: vec!["1767618002".into()],
            ..Faults::default()
        })
        .unwrap();
    for camera in [cam, PDT_CAMERA_ID, RESTART_CAMERA_ID] {
        for n in [1_767_618_001, 1_767_619_936] {
            let Resp { status, body, .. } = seg(camera, n);
            assert_eq!(status, 404, "{camera} {n}");
            let v: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(v["error"]["status"], 404);
            assert_eq!(v["error"]["message"], "Segment not found");
        }
        let damaged = seg(camera, 1_767_618_002);
        let body = &damaged.body;
        assert_eq!(damaged.status, 200);
        assert_eq!(damaged.header("Content-Type"), Some("video/mp2t"));
        assert_eq!(damaged.header("Last-Modified"), Some("Mon, 05 Jan 2026 13:00:19 GMT"));
        assert_eq!(body.len(), original.len(), "the file's length");
        assert!(
            *body != original && !body.contains(&0x47) && !body.contains(&0xFF),
            "no sync byte of any demuxer"
        );
        // Other segments are untouched.
        let Resp { status, body, .. } = seg(camera, 1_767_618_000);
        assert_eq!((status, body.first()), (200, Some(&0x47)));
    }
    let faults: Vec<Option<String>> = backend.request_log().into_iter().map(|e| e.fault).collect();
    assert_eq!(faults.iter().filter(|f| f.as_deref() == Some("missing_segments")).count(), 6);
    assert_eq!(faults.iter().filter(|f| f.as_deref() == Some("garbage_segments")).count(), 3);
    assert_eq!(faults.iter().filter(|f| f.is_none()).count(), 3);
    // A segment that does not exist stays a plain 404, not a fault.
    backend.set_faults(Faults { missing_segments: vec!["1".into()], ..Faults::default() }).unwrap();
    assert_eq!(seg(cam, 1).status, 404);
    assert_eq!(backend.request_log().last().and_then(|e| e.fault.clone()), None);
    // Malformed entries are refused with the field named.
    for bad in ["segment-.ts", "seg-1.ts", "12a", "", "segment-1.mp4"] {
        let err = backend
            .set_faults(Faults { garbage_segments: vec![bad.into()], ..Faults::default() })
            .unwrap_err();
        assert!(err.contains("garbage_segments[0]"), "{bad}: {err}");
    }
    // Reset serves every segment again.
    backend.reset();
    assert_eq!(seg(cam, 1_767_618_001).status, 200);
    assert_eq!(seg(cam, 1_767_618_002).body, original);
    assert_eq!(segment_key("segment-1767618001.ts"), Some(1_767_618_001));
    assert_eq!(segment_key("42"), Some(42));
    assert_eq!(segment_key("segment-99999999999999999999.ts"), None);
}

/// An oversized playlist: the usual one, then synthetic entries to the size asked, for playlists only, counted by `fail_count`.
#[test]
fn huge_playlist() {
    let (backend, _) = demo_backend();
    let base =
        format!("http://127.0.0.1:{}/api/v1/recordings/devices/{PDT_CAMERA_ID}", backend.port());
    let usual = String::from_utf8(request("GET", &format!("{base}/playlist"), &[]).body).unwrap();
    backend
        .set_faults(Faults { huge_playlist_mb: Some(3), fail_count: Some(1), ..Faults::default() })
        .unwrap();
    // A segment is not a playlist: untouched, and not counted.
    assert_eq!(
        request("GET", &format!("{base}/segment-1767618000.ts"), &[]).body.first(),
        Some(&0x47)
    );
    let Resp { status, body, .. } = request("GET", &format!("{base}/playlist"), &[]);
    let huge = String::from_utf8(body).unwrap();
    assert_eq!(status, 200);
    assert!(huge.starts_with(&usual), "the usual entries first");
    assert!((3 << 20..(3 << 20) + 64).contains(&huge.len()), "{} bytes", huge.len());
    assert!(
        huge[usual.len()..].starts_with("#EXTINF:6.000000,\nsegment-1767619937.ts\n"),
        "numbered on from the last"
    );
    let parsed =
        vas_overlay_viewer::core::clock::recording::hls_playlist::MediaPlaylist::parse(&huge);
    assert_eq!(
        (parsed.entries.len(), parsed.skipped_lines),
        (12 + (huge.len() - usual.len()) / 40, 0)
    );
    // fail_count: the next playlist is the usual one again.
    assert_eq!(
        String::from_utf8(request("GET", &format!("{base}/playlist"), &[]).body).unwrap(),
        usual
    );
    let faults: Vec<Option<String>> = backend.request_log().into_iter().map(|e| e.fault).collect();
    assert_eq!(faults, [None, None, Some("huge_playlist_mb".into()), None]);
    assert_eq!(backend.faults().fail_count, Some(0));
}

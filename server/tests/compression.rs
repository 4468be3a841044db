//! Gzip on the API relay: event pages and playlists go out compressed to a browser that accepts it, byte-identical once decoded; segments, short answers and clients that do not ask pass as VAS sent them.

mod support;

use std::io::Read;

use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use support::*;
use tokio::net::TcpListener;

/// A day of VAS's rolling playlist: 14,400 entries, about 576 KB.
fn day_playlist() -> String {
    let mut s = String::from("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:1795570000\n#EXT-X-PLAYLIST-TYPE:EVENT\n#EXT-X-DISCONTINUITY\n");
    for n in 1_795_570_000u64..1_795_584_400 {
        s.push_str(&format!("#EXTINF:6.000000,\nsegment-{n}.ts\n"));
    }
    s
}

/// An event page of 200 rows.
fn event_page() -> String {
    let rows: Vec<serde_json::Value> = (0..200)
        .map(|i| serde_json::json!({"id": format!("7a1f0000-0000-4000-8000-{i:012}"), "camera_id": CAMERA, "model_id": "yolov8", "timestamp": format!("2026-12-05T10:00:{:02}.{:06}Z", i / 10, i * 1000), "detections": {"detections": [{"class_name": "person", "confidence": 0.9, "bbox": [0.1, 0.2, 0.3, 0.4]}]}}))
        .collect();
    serde_json::json!({"events": rows, "total": 200, "limit": 200, "offset": 0}).to_string()
}

async fn stand_in() -> StandInVas {
    let app = Router::new()
        .route(
            "/api/v1/ai-events",
            get(|| async {
                ([("content-type", "application/json")], event_page()).into_response()
            }),
        )
        .route(
            "/api/v1/devices",
            get(|| async { ([("content-type", "application/json")], "[]").into_response() }),
        )
        .route(
            "/api/v1/recordings/devices/{id}/playlist",
            get(|| async {
                ([("content-type", "application/vnd.apple.mpegurl")], day_playlist())
                    .into_response()
            }),
        )
        .route(
            "/api/v1/recordings/devices/{id}/{file}",
            get(|| async {
                ([("content-type", "video/mp2t")], vec![0x47u8; 256 * 1024]).into_response()
            }),
        );
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    StandInVas { addr, seen: Default::default() }
}

struct Answer {
    encoding: Option<String>,
    length: Option<String>,
    wire: Vec<u8>,
}

async fn get_raw(server: &Running, path: &str, gzip: bool) -> Answer {
    let mut request = client().get(server.url(path));
    if gzip {
        request = request.header("accept-encoding", "gzip, deflate, br, zstd");
    }
    let answer = request.send().await.unwrap();
    assert_eq!(answer.status(), 200, "{path}");
    let header = |name: &str| answer.headers().get(name).map(|v| v.to_str().unwrap().to_owned());
    let (encoding, length) = (header("content-encoding"), header("content-length"));
    Answer { encoding, length, wire: answer.bytes().await.unwrap().to_vec() }
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out).unwrap();
    out
}

#[tokio::test]
async fn text_answers_are_gzipped_for_browsers_and_nothing_else_changes() {
    let vas = stand_in().await;
    let server = start_server(&vas, "compression", &[]).await;
    let playlist_path = format!("/api/v1/recordings/devices/{CAMERA}/playlist");
    let mut figures = String::new();
    for (path, original) in [
        (playlist_path.as_str(), day_playlist().into_bytes()),
        ("/api/v1/ai-events?limit=200", event_page().into_bytes()),
    ] {
        let zipped = get_raw(&server, path, true).await;
        assert_eq!(zipped.encoding.as_deref(), Some("gzip"), "{path}");
        assert_eq!(gunzip(&zipped.wire), original, "{path}: decoded, the very bytes VAS sent");
        assert!(
            zipped.wire.len() * 4 < original.len(),
            "{path}: {} of {} bytes",
            zipped.wire.len(),
            original.len()
        );
        figures.push_str(&format!(
            "{path}: {} bytes -> {} gzipped (x{:.1})\n",
            original.len(),
            zipped.wire.len(),
            original.len() as f64 / zipped.wire.len() as f64
        ));
        // A client that does not ask gets what VAS sent.
        let plain = get_raw(&server, path, false).await;
        assert_eq!((plain.encoding, plain.wire), (None, original), "{path}");
    }
    // Video and short answers are sent as they are, with their length.
    let segment = get_raw(
        &server,
        &format!("/api/v1/recordings/devices/{CAMERA}/segment-1795570000.ts"),
        true,
    )
    .await;
    assert_eq!(
        (segment.encoding, segment.length.as_deref(), segment.wire.len()),
        (None, Some("262144"), 256 * 1024)
    );
    let short = get_raw(&server, "/api/v1/devices", true).await;
    assert_eq!((short.encoding, short.wire), (None, b"[]".to_vec()));
    print!("{figures}");
    std::fs::write(figures_dir().join("api-compression.txt"), figures).unwrap();
}

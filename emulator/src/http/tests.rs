//! Tests of the served files: config, viewer, demo files, traversal.

use serde_json::json;

use crate::test_support::{clip_bytes, raw_status, request, Fixture, CAM_A, CLIP_LEN};

#[test]
fn config_json() {
    let f = Fixture::emulated();
    let r = f.get("/config.json");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Content-Type"), Some("application/json"));
    assert_eq!(
        r.json(),
        json!({"apiBaseUrl": "", "clips": [
            {"cameraId": CAM_A, "src": "/demo/clip.mp4", "start": "2026-01-05T12:00:00Z"}
        ]})
    );
    let clip = f.get("/demo/clip.mp4");
    assert_eq!((clip.status, clip.body), (200, clip_bytes()));
}

#[test]
fn static_files_mime_types_and_spa_fallback() {
    let f = Fixture::emulated();
    let cases: &[(&str, u16, &str)] = &[
        ("/", 200, "text/html; charset=utf-8"),
        ("/index.html", 200, "text/html; charset=utf-8"),
        ("/app.js", 200, "text/javascript; charset=utf-8"),
        ("/app_bg.wasm", 200, "application/wasm"),
        ("/style.css", 200, "text/css; charset=utf-8"),
        ("/assets/icon.svg", 200, "image/svg+xml"),
        ("/assets/logo.png", 200, "image/png"),
        ("/assets/data.json", 200, "application/json"),
        ("/assets/seg.ts", 200, "video/mp2t"),
        ("/assets/list.m3u8", 200, "application/vnd.apple.mpegurl"),
        ("/assets/movie.mp4", 200, "video/mp4"),
        ("/demo/clip.mp4", 200, "video/mp4"),
        ("/demo/camera.json", 200, "application/json"),
        ("/demo/events.json", 200, "application/json"),
        // SPA routes
        ("/cameras/abc/clip", 200, "text/html; charset=utf-8"),
        ("/cameras/abc/clip?t=12", 200, "text/html; charset=utf-8"),
        ("/live/", 200, "text/html; charset=utf-8"),
        // missing files with an extension are real 404s
        ("/missing.js", 404, "text/plain; charset=utf-8"),
        ("/assets/missing.wasm", 404, "text/plain; charset=utf-8"),
        ("/demo/missing.mp4", 404, "text/plain; charset=utf-8"),
        ("/demo/", 404, "text/plain; charset=utf-8"),
    ];
    let index = std::fs::read(f._dir.dist().join("index.html")).unwrap();
    for (path, status, ctype) in cases {
        let r = f.get(path);
        assert_eq!(r.status, *status, "{path}");
        assert_eq!(r.header("Content-Type"), Some(*ctype), "{path}");
        if ctype.starts_with("text/html") {
            assert_eq!(r.body, index, "{path}");
            assert_eq!(r.header("Cache-Control"), Some("no-cache"), "{path}");
        }
    }
    assert_eq!(request("POST", &f.url("/index.html"), &[]).status, 405);
    let head = request("HEAD", &f.url("/app.js"), &[]);
    assert_eq!((head.status, head.body.len()), (200, 0));
    assert_eq!(head.header("Content-Length"), Some("10"));
}

#[test]
fn demo_range_requests() {
    let f = Fixture::emulated();
    let clip = clip_bytes();
    let full = f.get_over_http("/demo/clip.mp4");
    assert_eq!(full.status, 200);
    assert_eq!(full.header("Accept-Ranges"), Some("bytes"));
    assert_eq!(full.header("Content-Length"), Some("1000"));
    // range, status, Content-Range, body range
    type Case<'a> = (&'a str, u16, &'a str, Option<(usize, usize)>);
    let cases: &[Case] = &[
        ("bytes=0-9", 206, "bytes 0-9/1000", Some((0, 10))),
        ("bytes=100-199", 206, "bytes 100-199/1000", Some((100, 200))),
        ("bytes=990-", 206, "bytes 990-999/1000", Some((990, 1000))),
        ("bytes=0-", 206, "bytes 0-999/1000", Some((0, 1000))),
        ("bytes=995-5000", 206, "bytes 995-999/1000", Some((995, 1000))),
        ("bytes=-4", 206, "bytes 996-999/1000", Some((996, 1000))),
        ("bytes=1000-", 416, "bytes */1000", None),
        ("bytes=5000-6000", 416, "bytes */1000", None),
    ];
    for (range, status, content_range, slice) in cases {
        let r = request("GET", &f.url("/demo/clip.mp4"), &[("Range", range)]);
        assert_eq!(r.status, *status, "{range}");
        assert_eq!(r.header("Content-Range"), Some(*content_range), "{range}");
        assert_eq!(r.header("Accept-Ranges"), Some("bytes"), "{range}");
        if let Some((a, b)) = slice {
            assert_eq!(r.header("Content-Type"), Some("video/mp4"));
            assert_eq!(r.body, clip[*a..*b].to_vec(), "{range}");
            assert_eq!(r.header("Content-Length"), Some((b - a).to_string().as_str()));
        }
    }
    // Several ranges: the whole file.
    let r = request("GET", &f.url("/demo/clip.mp4"), &[("Range", "bytes=0-1,4-5")]);
    assert_eq!((r.status, r.body.len()), (200, CLIP_LEN));
}

#[test]
fn path_traversal_refused() {
    let f = Fixture::emulated();
    let port = f.backend.port();
    // Files that exist next to the served roots.
    std::fs::write(f._dir.0.join("secret.txt"), "secret").unwrap();
    assert_eq!(raw_status(port, "/demo/camera.json"), 200);
    for target in [
        "/../secret.txt",
        "/..%2fsecret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/%2e%2e/etc/passwd",
        "/assets/../../secret.txt",
        "/demo/../secret.txt",
        "/demo/%2e%2e/secret.txt",
        "/demo/..%5csecret.txt",
        "/demo/..\\secret.txt",
        "/demo//etc/passwd",
        "/demo/%2fetc%2fpasswd",
        "//etc/passwd",
        "/demo/./camera.json",
        "/demo/../dist/index.html",
    ] {
        assert_eq!(raw_status(port, target), 404, "{target}");
    }
}

#[test]
fn config_json_carries_a_viewer_key_only_when_configured() {
    let f = Fixture::emulated();
    assert!(f.get("/config.json").json().get("apiKey").is_none());
    let keyed = Fixture::configured(|config| config.viewer_api_key = Some("viewer-key".into()));
    assert_eq!(keyed.get_over_http("/config.json").json()["apiKey"], "viewer-key");
}

//! Tests of the request log and the secrets scan.

use serde_json::json;

use crate::request_log::LogEntry;
use crate::test_support::{assert_api_headers, request, Fixture, LIST};

#[test]
fn request_log_records_requests_never_key_values() {
    let f = Fixture::emulated();
    let key = "log-secret-3";
    let a = request("GET", &f.url(&format!("{LIST}?limit=2")), &[("X-API-Key", key)]);
    let b = f.get("/api/v1/devices?skip=0&limit=100");
    let c = f.get("/missing.js");
    let _ = f.get("/__demo/faults");
    let d = f.dispatch("HEAD", "/app.js", &[]);
    assert_eq!(d.status, 200);
    let log = f.backend.request_log();
    // seq, method, target, status, key sent, bytes
    let rows = [
        (1, "GET", format!("{LIST}?limit=2"), 200, true, a.body.len()),
        (2, "GET", "/api/v1/devices?skip=0&limit=100".into(), 200, false, b.body.len()),
        (3, "GET", "/missing.js".into(), 404, false, c.body.len()),
        (4, "HEAD", "/app.js".into(), 200, false, 0),
    ];
    let want: Vec<LogEntry> = rows
        .into_iter()
        .map(|(seq, method, target, status, api_key_present, bytes)| LogEntry {
            seq,
            method: method.into(),
            target,
            status,
            api_key_present,
            bytes: bytes as u64,
            fault: None,
            secrets_seen: vec![],
        })
        .collect();
    assert_eq!(log, want);
    let r = f.get("/__demo/log");
    assert_eq!(r.status, 200);
    assert_api_headers(&r);
    assert_eq!(r.json(), json!(want));
    assert_eq!(
        r.json()[0],
        json!({"seq": 1, "method": "GET", "target": format!("{LIST}?limit=2"), "status": 200,
               "api_key_present": true, "bytes": a.body.len(), "fault": null})
    );
    assert!(!String::from_utf8_lossy(&r.body).contains(key));
    f.backend.reset();
    assert!(f.backend.request_log().is_empty());
    let _ = f.get(LIST);
    assert_eq!(f.backend.request_log()[0].seq, 1);
}

#[test]
fn watched_secrets_are_logged_by_label_and_place_only() {
    let f = Fixture::emulated();
    let (key, pass) = ("Watch-Key-9", "p@ss");
    f.backend.watch_secrets(vec![
        ("api-key".into(), key.into()),
        ("rtsp-password".into(), pass.into()),
        ("empty".into(), String::new()),
    ]);
    let _ = f.dispatch("GET", LIST, &[("X-API-Key", key)]);
    // Lower case and percent-encoded still count.
    let _ = f.dispatch(
        "GET",
        &format!("{LIST}?k=watch-key-9&p=p%40ss"),
        &[("Referer", "http://x/?q=p%40ss")],
    );
    let _ = f.get("/api/v1/devices");
    let seen: Vec<Vec<String>> =
        f.backend.request_log().into_iter().map(|e| e.secrets_seen).collect();
    let want: Vec<Vec<String>> = vec![
        vec!["api-key in header x-api-key".into()],
        vec![
            "api-key in target".into(),
            "rtsp-password in target".into(),
            "rtsp-password in header referer".into(),
        ],
        vec![],
    ];
    assert_eq!(seen, want);
    let log = f.get("/__demo/log").json();
    assert_eq!(log[0]["secrets_seen"], json!(["api-key in header x-api-key"]));
    assert!(log[2].get("secrets_seen").is_none(), "left out when empty: {}", log[2]);
    f.backend.reset();
    let _ = f.dispatch("GET", "/index.html", &[("X-Other", key)]);
    let seen: Vec<Vec<String>> =
        f.backend.request_log().into_iter().map(|e| e.secrets_seen).collect();
    assert_eq!(
        seen,
        vec![vec!["api-key in header x-other".to_string()]],
        "the watch outlives a reset"
    );
}

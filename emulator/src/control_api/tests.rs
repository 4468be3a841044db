//! Tests of the control API.

use serde_json::json;

use crate::faults::{AuthFault, Faults, PoisonRow, PoisonSpec};
use crate::test_support::{
    assert_api_headers, eid, event, ids, post, request, Fixture, CAM_A, LIST,
};

#[test]
fn control_endpoints_set_get_reset() {
    let f = Fixture::emulated();
    let faults_url = f.url("/__demo/faults");
    let defaults = json!({
        "poison_at": [], "bare_500": false, "db_fault_empty": false, "auth": null,
        "required_key": null, "database_key": null, "delay_ms": null, "truncate_body": false,
        "huge_body_mb": null, "chunked_body": false, "gzip_body": false, "huge_playlist_mb": null,
        "fail_count": null, "path_filter": null,
        "insert_between_pages": null, "stable_ties": false,
        "missing_segments": [], "garbage_segments": []
    });
    let r = f.get("/__demo/faults");
    assert_eq!(r.status, 200);
    assert_api_headers(&r);
    assert_eq!(r.json(), defaults);

    let set = json!({
        "poison_at": ["2026-01-05T12:00:01.5Z",
            {"timestamp": "2026-01-05T12:00:02.5Z", "model_id": "m1"}],
        "bare_500": true, "auth": "invalid", "fail_count": 3, "path_filter": "/cameras/"
    });
    let r = post(&faults_url, &set.to_string());
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let mut want = defaults.clone();
    for (k, v) in set.as_object().unwrap() {
        want[k] = v.clone();
    }
    // Answered with every field of a row.
    want["poison_at"][1]["camera_id"] = json!(null);
    assert_eq!(r.json(), want);
    assert_eq!(f.get("/__demo/faults").json(), want);
    let faults = f.backend.faults();
    assert_eq!(faults.auth, Some(AuthFault::Invalid));
    assert_eq!(
        faults.poison_at[1],
        PoisonSpec::Row(PoisonRow {
            timestamp: "2026-01-05T12:00:02.5Z".into(),
            camera_id: None,
            model_id: Some("m1".into()),
        })
    );

    // A POST replaces the whole set.
    let r = post(&faults_url, r#"{"db_fault_empty": true}"#);
    let mut want = defaults.clone();
    want["db_fault_empty"] = json!(true);
    assert_eq!(r.json(), want);

    // Refused settings change nothing and say why.
    let bad: &[(&str, &str)] = &[
        (r#"{"bare500": true}"#, "unknown field"),
        (r#"{"auth": "maybe"}"#, "unknown variant"),
        (r#"{"poison_at": ["yesterday"]}"#, "poison_at[0]"),
        (
            r#"{"poison_at": [{"timestamp": "2026-01-05T12:00:00Z", "camera_id": "cam"}]}"#,
            "camera_id",
        ),
        (r#"{"delay_ms": 999999}"#, "delay_ms"),
        (r#"{"huge_body_mb": 0}"#, "huge_body_mb"),
        (r#"{"huge_playlist_mb": 0}"#, "huge_playlist_mb"),
        (r#"{"insert_between_pages": 5000}"#, "insert_between_pages"),
        (r#"{"required_key": ""}"#, "required_key"),
        ("not json", "invalid JSON"),
    ];
    for (body, needle) in bad {
        let r = post(&faults_url, body);
        assert_eq!(r.status, 400, "{body}");
        assert_api_headers(&r);
        let message = r.json()["error"].as_str().unwrap().to_string();
        assert!(message.contains(needle), "{body}: {message}");
    }
    assert_eq!(f.get("/__demo/faults").json(), want);
    assert!(f.backend.set_faults(Faults { delay_ms: Some(70_000), ..Faults::default() }).is_err());

    // The key is never echoed.
    f.set(Faults { required_key: Some("k-secret-1".into()), ..Faults::default() });
    let r = f.get("/__demo/faults");
    assert_eq!(r.json()["required_key"], json!("<redacted>"));
    assert!(!String::from_utf8_lossy(&r.body).contains("k-secret-1"));

    // Preflight for browser tests on another origin; methods; unknown paths.
    let r = request(
        "OPTIONS",
        &faults_url,
        &[("Origin", "http://127.0.0.1:9"), ("Access-Control-Request-Method", "POST")],
    );
    assert_eq!(r.status, 204);
    assert_eq!(r.header("Access-Control-Allow-Origin"), Some("*"));
    assert!(r.header("Access-Control-Allow-Methods").unwrap().contains("POST"));
    assert_eq!(request("PUT", &faults_url, &[]).status, 405);
    assert_eq!(f.dispatch("GET", "/__demo/reset", &[]).status, 405);
    assert_eq!(f.get("/__demo/nothing").status, 404);
    assert_eq!(f.get("/__demo").status, 404);

    let r = post(&f.url("/__demo/reset"), "");
    assert_eq!((r.status, r.json()), (200, json!({"reset": true})));
    assert_eq!(f.get("/__demo/faults").json(), defaults);
    assert_eq!(f.backend.faults(), Faults::default());
    // Control requests never enter the request log, nor take faults.
    assert!(f.backend.request_log().is_empty());
}

#[test]
fn inserted_events_show_at_once_and_reset_removes_them() {
    let f = Fixture::emulated();
    f.stable_ties();
    let newer = event(7, CAM_A, "m1", "2026-01-05T12:00:04Z");
    let tied = event(8, CAM_A, "m1", "2026-01-05T12:00:03.500000Z");
    assert_eq!(f.backend.insert_events(vec![newer.clone()]), Ok(1));
    let r = post(&f.url("/__demo/events"), &json!({"events": [tied.clone()]}).to_string());
    assert_eq!((r.status, r.json()), (200, json!({"inserted": 1, "stored": 2})));
    assert_api_headers(&r);

    let r = f.get(LIST);
    assert_eq!(r.ids(), ids(&[7, 5, 6, 8, 4, 3, 2, 1]));
    assert_eq!(r.json()["total"], json!(8));
    assert_eq!(f.get(&format!("{LIST}/{}", eid(7))).json(), newer);
    assert_eq!(f.get(&format!("{LIST}/cameras/{CAM_A}/events?limit=2")).ids(), ids(&[7, 5]));
    assert_eq!(
        f.get(&format!("{LIST}?start_time=2026-01-05T12:00:03.5Z&end_time=2026-01-05T12:00:03.5Z"))
            .ids(),
        ids(&[5, 6, 8])
    );

    // Duplicates and bad events are refused, all or nothing.
    let r = post(
        &f.url("/__demo/events"),
        &json!([
            event(9, CAM_A, "m1", "2026-01-05T12:00:09Z"),
            event(1, CAM_A, "m1", "2026-01-05T12:00:09Z")
        ])
        .to_string(),
    );
    assert_eq!(r.status, 409);
    assert!(r.json()["error"].as_str().unwrap().contains("events[1]"));
    let mut broken = event(9, CAM_A, "m1", "x");
    broken["timestamp"] = json!("2026-01-05T12:00:00 01:00");
    let err = f
        .backend
        .insert_events(vec![event(9, CAM_A, "m1", "2026-01-05T12:00:09Z"), broken])
        .unwrap_err();
    assert!(err.contains("events[1]") && err.contains("invalid timezone sign"), "{err}");
    let err = f
        .backend
        .insert_events(vec![event(9, CAM_A, "m1", "2026-01-05T12:00:09Z"); 2])
        .unwrap_err();
    assert!(err.contains("duplicate"), "{err}");
    assert_eq!(post(&f.url("/__demo/events"), r#"{"nope": 1}"#).status, 400);
    assert_eq!(f.get(LIST).json()["total"], json!(8));

    f.backend.reset();
    let r = f.get(LIST);
    assert_eq!(r.json()["total"], json!(6));
    assert_eq!(f.get(&format!("{LIST}/{}", eid(7))).status, 404);
}

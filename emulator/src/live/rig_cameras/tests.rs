//! Tests of the live rig's cameras: ordinary devices, their events ordinary
//! rows, read through the key check, the fault modes and the request log.

use serde_json::{json, Value};

use crate::faults::Faults;
use crate::live::rig_cameras::LiveCameras;
use crate::test_support::{
    emulated_config, event, post, request, write_data, write_dist, TempDir, CAM_A,
};
use crate::{start_with_live, BackendConfig, RunningBackend};

const LIVE_CAM: &str = "1a7e0000-0000-4000-8000-00000000ca01";
const KEY: &str = "rig-key";

fn live_device() -> Value {
    json!({"id": LIVE_CAM.to_uppercase(), "name": "Live camera", "description": null, "rtsp_url": "rtsp://cam", "created_at": "2026-01-01T00:00:00Z"})
}

/// An emulator with one live camera and VAS's key set, as the rig starts it.
fn rig_backend(dir: &TempDir) -> RunningBackend {
    write_data(&dir.data());
    write_dist(&dir.dist());
    let config = BackendConfig {
        api_key: Some(KEY.into()),
        ..emulated_config(dir.dist(), Some(dir.data()))
    };
    start_with_live(config, "127.0.0.1:0", Some(LiveCameras { devices: vec![live_device()] }))
        .unwrap()
}

fn get(backend: &RunningBackend, path: &str) -> (u16, Value) {
    let r = request(
        "GET",
        &format!("{}{}", backend.url(), path.trim_start_matches('/')),
        &[("X-API-Key", KEY)],
    );
    let body = if r.body.is_empty() { Value::Null } else { r.json() };
    (r.status, body)
}

fn post_events(backend: &RunningBackend, events: &[Value]) -> (u16, Value) {
    let r =
        post(&format!("{}__live/events", backend.url()), &Value::from(events.to_vec()).to_string());
    (r.status, r.json())
}

#[test]
fn live_cameras_are_devices_and_their_events_rows() {
    let dir = TempDir::new();
    let backend = rig_backend(&dir);

    let (status, devices) = get(&backend, "/api/v1/devices");
    assert_eq!(status, 200);
    let ids: Vec<&str> =
        devices.as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [CAM_A, LIVE_CAM.to_uppercase().as_str()]);
    let (status, device) = get(&backend, &format!("/api/v1/devices/{LIVE_CAM}"));
    assert_eq!((status, device), (200, live_device()));
    // skip and limit page over every device.
    let (_, devices) = get(&backend, "/api/v1/devices?skip=1");
    assert_eq!(devices, json!([live_device()]));

    let rows = [
        event(7, LIVE_CAM, "rig", "2026-01-05T12:00:01Z"),
        event(8, LIVE_CAM, "rig", "2026-01-05T12:00:02Z"),
    ];
    let (status, answer) = post_events(&backend, &rows);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["inserted"], json!(2));
    assert!(answer["inserted_at_us"].as_i64().unwrap() > 0, "{answer}");
    // Posting the same events again stores nothing twice.
    assert_eq!(post_events(&backend, &rows).1["inserted"], json!(0));

    for path in [
        format!("/api/v1/ai-events/cameras/{LIVE_CAM}/events"),
        format!("/api/v1/ai-events?camera_id={LIVE_CAM}"),
    ] {
        let (status, page) = get(&backend, &path);
        assert_eq!(status, 200, "{path}");
        assert_eq!(page["total"], json!(2), "{path}");
        assert_eq!(page["events"], json!([rows[1], rows[0]]), "{path}: newest first");
    }
    let (status, one) =
        get(&backend, &format!("/api/v1/ai-events/{}", rows[0]["id"].as_str().unwrap()));
    assert_eq!((status, one), (200, rows[0].clone()));
    // The demo camera's lists do not hold them.
    let (_, demo) =
        get(&backend, &format!("/api/v1/ai-events/cameras/{CAM_A}/events?model_id=rig"));
    assert_eq!(demo["total"], json!(0));
}

#[test]
fn live_reads_pass_the_key_check_the_faults_and_the_log() {
    let dir = TempDir::new();
    let backend = rig_backend(&dir);
    post_events(&backend, &[event(7, LIVE_CAM, "rig", "2026-01-05T12:00:01Z")]);
    let list = format!("{}api/v1/ai-events/cameras/{LIVE_CAM}/events", backend.url());

    // No key, a wrong key: VAS's 401 and 403.
    assert_eq!(request("GET", &list, &[]).status, 401);
    assert_eq!(request("GET", &list, &[("X-API-Key", "wrong")]).status, 403);
    // The fault modes apply to a live camera's list as to any other.
    backend.set_faults(Faults { bare_500: true, ..Faults::default() }).unwrap();
    assert_eq!(request("GET", &list, &[("X-API-Key", KEY)]).status, 500);
    backend.set_faults(Faults::default()).unwrap();
    assert_eq!(request("GET", &list, &[("X-API-Key", KEY)]).status, 200);

    // Every read is logged, with its fault; the rig's writes are control requests, never logged.
    let log = backend.request_log();
    let statuses: Vec<(u16, Option<&str>)> =
        log.iter().map(|e| (e.status, e.fault.as_deref())).collect();
    assert_eq!(
        statuses,
        [(401, Some("api_key")), (403, Some("api_key")), (500, Some("bare_500")), (200, None)]
    );
    assert!(log.iter().all(|e| !e.target.starts_with("/__live")), "{log:?}");

    // The secrets scan sees live reads too.
    backend.watch_secrets(vec![("vas key".into(), KEY.into())]);
    request("GET", &list, &[("X-API-Key", KEY)]);
    assert_eq!(backend.request_log().last().unwrap().secrets_seen, ["vas key in header x-api-key"]);
}

#[test]
fn rig_events_must_name_a_live_camera() {
    let dir = TempDir::new();
    let backend = rig_backend(&dir);
    let cases: &[(&str, &str)] = &[
        ("{}", "not a JSON array"),
        (&Value::from(vec![event(7, CAM_A, "rig", "2026-01-05T12:00:01Z")]).to_string(), "not a live camera"),
        (&json!([{"id": "x", "camera_id": LIVE_CAM, "model_id": "rig", "timestamp": "2026-01-05T12:00:01Z"}]).to_string(), "events[0]"),
        (&Value::from(vec![event(7, LIVE_CAM, "rig", "noon")]).to_string(), "`timestamp`"),
    ];
    for (body, needle) in cases {
        let r = post(&format!("{}__live/events", backend.url()), body);
        assert_eq!(r.status, 400, "{body}");
        let message = r.json()["error"].as_str().unwrap().to_string();
        assert!(message.contains(needle), "{body}: {message}");
    }
    // All or nothing: nothing was stored.
    let (_, page) = get(&backend, &format!("/api/v1/ai-events/cameras/{LIVE_CAM}/events"));
    assert_eq!(page["total"], json!(0));
}

//! Tests of loading the demo data.

use std::io;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::start;
use crate::test_support::{
    demo_backend, emulated_config, request, write_camera_with, write_data, write_events_with,
    write_json, TempDir,
};
use crate::text_formats::parse_rfc3339;

#[test]
fn load_errors_name_the_file_and_the_problem() {
    type Mutation = fn(&Path);
    let cases: &[(&str, Mutation, &[&str])] = &[
        (
            "no camera.json",
            |d| std::fs::remove_file(d.join("camera.json")).unwrap(),
            &["camera.json", "cannot read"],
        ),
        (
            "no events.json",
            |d| std::fs::remove_file(d.join("events.json")).unwrap(),
            &["events.json", "cannot read"],
        ),
        (
            "bad JSON",
            |d| std::fs::write(d.join("camera.json"), "{").unwrap(),
            &["camera.json", "invalid JSON"],
        ),
        (
            "no device",
            |d| {
                write_camera_with(d, |c| {
                    c.as_object_mut().unwrap().remove("device");
                })
            },
            &["camera.json", "`device`"],
        ),
        (
            "bad device id",
            |d| write_camera_with(d, |c| c["device"] = json!({"id": "cam"})),
            &["camera.json", "`device.id`", "UUID"],
        ),
        (
            "bad start",
            |d| write_camera_with(d, |c| c["start"] = json!("noon")),
            &["camera.json", "`start`", "RFC 3339"],
        ),
        (
            "clip missing",
            |d| std::fs::remove_file(d.join("clip.mp4")).unwrap(),
            &["camera.json", "`clip`", "does not exist"],
        ),
        (
            "clip escapes",
            |d| write_camera_with(d, |c| c["clip"] = json!("../clip.mp4")),
            &["camera.json", "`clip`", "inside the data dir"],
        ),
        (
            "no envelope",
            |d| write_json(&d.join("events.json"), &json!([])),
            &["events.json", "envelope"],
        ),
        (
            "bad timestamp",
            |d| {
                write_events_with(d, |list| {
                    list[1]["timestamp"] = json!("2026-01-05T12:00:00 01:00")
                })
            },
            &["events.json", "events[1]", "`timestamp`", "invalid timezone sign"],
        ),
        (
            "missing model",
            |d| {
                write_events_with(d, |list| {
                    list[2].as_object_mut().unwrap().remove("model_id");
                })
            },
            &["events.json", "events[2]", "`model_id`"],
        ),
        (
            "duplicate id",
            |d| write_events_with(d, |list| list[4]["id"] = list[0]["id"].clone()),
            &["events.json", "events[4]", "duplicate", "events[0]"],
        ),
    ];
    for (name, mutate, needles) in cases {
        let dir = TempDir::new();
        write_data(&dir.data());
        mutate(&dir.data());
        let err = match start(emulated_config(dir.dist(), Some(dir.data())), "127.0.0.1:0") {
            Ok(_) => panic!("{name}: started"),
            Err(e) => e.to_string(),
        };
        for needle in *needles {
            assert!(err.contains(needle), "{name}: {err:?} lacks {needle:?}");
        }
    }

    let dir = TempDir::new();
    let config = |data_dir: Option<PathBuf>| emulated_config(dir.dist(), data_dir);
    let err = start(config(Some(dir.0.join("nope"))), "127.0.0.1:0").err().unwrap();
    assert!(err.to_string().contains("not a directory"), "{err}");
    let err = start(config(None), "127.0.0.1:0").err().unwrap();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
}

/// The data the generator ships in `static/demo/` loads and serves (the
/// test is skipped while that dir does not exist yet).
#[test]
fn shipped_demo_data_loads() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../static/demo");
    if !data.join("camera.json").is_file() {
        eprintln!("skipped: {} has no camera.json", data.display());
        return;
    }
    let (backend, _) = demo_backend();
    let url = |path: &str| format!("http://127.0.0.1:{}{path}", backend.port());

    let camera: Value =
        serde_json::from_slice(&std::fs::read(data.join("camera.json")).unwrap()).unwrap();
    let stored: Value =
        serde_json::from_slice(&std::fs::read(data.join("events.json")).unwrap()).unwrap();
    let stored = stored["events"].as_array().unwrap();

    let config = request("GET", &url("/config.json"), &[]).json();
    let clip = &config["clips"][0];
    assert_eq!(clip["cameraId"], camera["device"]["id"]);
    assert_eq!(clip["start"], camera["start"]);
    let src = clip["src"].as_str().unwrap();
    let r = request("GET", &url(src), &[("Range", "bytes=0-99")]);
    assert_eq!((r.status, r.body.len()), (206, 100));
    assert_eq!(r.header("Content-Type"), Some("video/mp4"));

    // The clip's span only: the data dir's recording adds events of its own, later.
    let list =
        request("GET", &url("/api/v1/ai-events?limit=1000&end_time=2026-01-05T12:00:10Z"), &[])
            .json();
    assert_eq!(list["total"], json!(stored.len()));
    let listed = list["events"].as_array().unwrap();
    let times: Vec<i64> =
        listed.iter().map(|e| parse_rfc3339(e["timestamp"].as_str().unwrap()).unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "not newest first");
    assert!(listed.iter().all(|e| stored.contains(e)));
    if let Some(first) = stored.first() {
        let id = first["id"].as_str().unwrap();
        let one = request("GET", &url(&format!("/api/v1/ai-events/{id}")), &[]);
        assert_eq!(&one.json(), first);
    }
}

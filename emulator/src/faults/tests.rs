//! Tests of the fault modes.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::faults::{AuthFault, Faults, PoisonRow, PoisonSpec};
use crate::test_support::{
    assert_api_headers, assert_no_cors, assert_poison_500, device, eid, event, events, ids,
    request, wait_until, Fixture, Resp, ABSENT, CAM_A, CAM_B, LIST, POISON_ID,
};

/// A browser's preflight for a request carrying the key.
const PREFLIGHT: [(&str, &str); 3] = [
    ("Origin", "http://127.0.0.1:9"),
    ("Access-Control-Request-Method", "GET"),
    ("Access-Control-Request-Headers", "x-api-key"),
];

#[test]
fn poison_row_fails_only_pages_that_contain_it() {
    // Newest first with the poison row P: 5, 6, 4, P, 3, 2, 1.
    let f = Fixture::with_faults(Faults {
        poison_at: vec!["2026-01-05T12:00:01.5Z".into()],
        stable_ties: true,
        ..Faults::default()
    });
    let w = |start: &str, end: &str| {
        let mut q = format!("{LIST}?");
        if !start.is_empty() {
            q.push_str(&format!("start_time=2026-01-05T{start}Z&"));
        }
        if !end.is_empty() {
            q.push_str(&format!("end_time=2026-01-05T{end}Z"));
        }
        q
    };
    /// Some((ids, total)) when the page succeeds, None when it fails.
    type Expected<'a> = Option<(&'a [u32], usize)>;
    let cases: &[(String, Expected)] = &[
        (w("12:00:01", "12:00:02"), None),
        (w("12:00:01.5", "12:00:01.5"), None),
        (w("12:00:00", "12:00:01.4"), Some((&[3, 2, 1], 3))),
        (w("12:00:01.6", "12:00:04"), Some((&[5, 6, 4], 3))),
        (w("", "12:00:01.499999"), Some((&[3, 2, 1], 3))),
        (w("12:00:01.500001", ""), Some((&[5, 6, 4], 3))),
        (w("12:00:00", "12:00:01.5"), None),
        (w("12:00:01.5", ""), None),
        // paging over the whole set: total counts the poison row
        (format!("{LIST}?limit=2"), Some((&[5, 6], 7))),
        (format!("{LIST}?limit=2&offset=2"), None),
        (format!("{LIST}?limit=2&offset=4"), Some((&[3, 2], 7))),
        (format!("{LIST}?limit=2&offset=6"), Some((&[1], 7))),
        (format!("{LIST}?limit=1&offset=2"), Some((&[4], 7))),
        (format!("{LIST}?limit=1&offset=3"), None),
        (format!("{LIST}?limit=3&offset=4"), Some((&[3, 2, 1], 7))),
        (format!("{LIST}?offset=7"), Some((&[], 7))),
        // other cameras and models do not hold it
        (format!("{LIST}/cameras/{CAM_A}/events?end_time=2026-01-05T12:00:02Z"), None),
        (format!("{LIST}/cameras/{CAM_B}/events"), Some((&[4], 1))),
        (format!("{LIST}?model_id=m1&limit=1000"), Some((&[5, 6, 4, 2, 1], 5))),
    ];
    for (target, want) in cases {
        let path = target.split('?').next().unwrap();
        // Every time, not only once.
        for _ in 0..2 {
            let r = f.get(target);
            match want {
                None => assert_poison_500(&r, path),
                Some((ids_want, total)) => {
                    assert_eq!(r.status, 200, "{target}");
                    assert_api_headers(&r);
                    assert_eq!(r.ids(), ids(ids_want), "{target}");
                    assert_eq!(r.json()["total"], json!(total), "{target}");
                }
            }
        }
    }
    // The poison row itself, by id.
    let path = format!("{LIST}/{POISON_ID}");
    assert_poison_500(&f.get(&path), &path);
    let poisoned =
        f.backend.request_log().iter().filter(|e| e.fault.as_deref() == Some("poison")).count();
    assert_eq!(poisoned, 2 * 7 + 1);

    // A row with its own camera and model.
    f.set(Faults {
        poison_at: vec![PoisonSpec::Row(PoisonRow {
            timestamp: "2026-01-05T12:00:00.1Z".into(),
            camera_id: Some(CAM_B.into()),
            model_id: Some("m1".into()),
        })],
        ..Faults::default()
    });
    assert_poison_500(&f.get(&format!("{LIST}?model_id=m1")), LIST);
    assert_eq!(f.get(&format!("{LIST}?camera_id={CAM_A}")).status, 200);
    assert_eq!(f.get(&format!("{LIST}?model_id=m2")).status, 200);

    // Any stored event whose detections is not an object is a poison row.
    f.set(Faults::default());
    let mut bad = event(7, CAM_A, "m2", "2026-01-05T12:00:05Z");
    bad["detections"] = json!(null);
    f.backend.insert_events(vec![bad]).unwrap();
    assert_poison_500(&f.get(&format!("{LIST}?limit=1")), LIST);
    let r = f.get(&format!("{LIST}?limit=1&offset=1"));
    assert_eq!((r.status, r.json()["total"].clone()), (200, json!(7)));
    let path = format!("{LIST}/{}", eid(7));
    assert_poison_500(&f.get(&path), &path);
}

#[test]
fn bare_500_is_plain_text_without_cors() {
    let f = Fixture::with_faults(Faults { bare_500: true, ..Faults::default() });
    let targets = [
        LIST.to_string(),
        format!("{LIST}?limit=5&offset=1"),
        format!("{LIST}/cameras/{CAM_A}/events"),
        format!("{LIST}/{}", eid(1)),
        "/api/v1/devices?skip=0&limit=100".to_string(),
        format!("/api/v1/devices/{CAM_A}"),
        "/api/v1/unknown".to_string(),
    ];
    for target in &targets {
        let r = f.get(target);
        assert_eq!(r.status, 500, "{target}");
        assert_eq!(r.header("Content-Type"), Some("text/plain; charset=utf-8"));
        assert_eq!(r.body, b"Internal Server Error", "{target}");
        assert_no_cors(&r, target);
    }
    // The preflight still passes: the browser then sees a network error.
    let r = request("OPTIONS", &f.url(LIST), &[("Access-Control-Request-Method", "GET")]);
    assert_eq!(r.status, 204);
    assert_eq!(r.header("Access-Control-Allow-Origin"), Some("*"));
    // Not VAS: untouched.
    assert_eq!(f.get("/config.json").status, 200);
    assert_eq!(f.get("/demo/clip.mp4").status, 200);
}

#[test]
fn db_fault_answers_an_empty_page_and_404() {
    let f = Fixture::with_faults(Faults { db_fault_empty: true, ..Faults::default() });
    let cases: &[(String, i64, i64)] = &[
        (LIST.to_string(), 100, 0),
        (format!("{LIST}?limit=5&offset=3"), 5, 3),
        (format!("{LIST}/cameras/{CAM_A}/events?limit=1000"), 1000, 0),
    ];
    for (target, limit, offset) in cases {
        let r = f.get(target);
        assert_eq!(r.status, 200, "{target}");
        assert_api_headers(&r);
        assert_eq!(
            r.json(),
            json!({"events": [], "total": 0, "limit": limit, "offset": offset}),
            "{target}"
        );
    }
    let path = format!("{LIST}/{}", eid(1));
    let r = f.get(&path);
    assert_eq!(r.status, 404);
    assert_api_headers(&r);
    assert_eq!(
        r.json(),
        json!({"error": {"status": 404, "message": format!("AI event {} not found", eid(1)), "path": path}})
    );
    // Validation happens before the database.
    assert_eq!(f.get(&format!("{LIST}?limit=0")).status, 422);
    // Devices are not affected.
    assert_eq!(f.get("/api/v1/devices").json(), json!([device()]));
}

/// VAS with auth on (its environment key): every `/api/` request needs
/// the key, the preflight included, before CORS; the setting survives a
/// reset; the emulator's own extras (`/config.json`, `/demo/`) do not
/// need it.
#[test]
fn environment_key_is_required_like_vas_with_auth_on() {
    let f = Fixture::configured(|config| config.api_key = Some("env-key-3".into()));
    for round in 0..2 {
        for (headers, status) in [
            (&[][..], 401),
            (&[("X-API-Key", "wrong")][..], 403),
            (&[("X-API-Key", "env-key-3")][..], 200),
        ] {
            for target in [LIST.to_string(), "/api/v1/devices".to_string()] {
                let r = f.dispatch("GET", &target, headers);
                assert_eq!(r.status, status, "round {round} {target} {headers:?}");
                if status != 200 {
                    assert_no_cors(&r, &target);
                }
            }
        }
        let r = f.dispatch("OPTIONS", LIST, &PREFLIGHT);
        assert_eq!(r.status, 401);
        assert_no_cors(&r, "preflight");
        assert_eq!(f.get("/config.json").status, 200);
        assert_eq!(f.get("/demo/clip.mp4").status, 200);
        f.backend.reset();
    }
    // A key created in VAS's database: a bare 500, no CORS.
    f.set(Faults { database_key: Some("db-key-1".into()), ..Faults::default() });
    let r = f.dispatch("GET", LIST, &[("X-API-Key", "db-key-1")]);
    assert_eq!((r.status, r.body.as_slice()), (500, &b"Internal Server Error"[..]));
    assert_no_cors(&r, LIST);
    assert_eq!(f.get("/__demo/faults").json()["database_key"], json!("<redacted>"));
}

#[test]
fn auth_faults_and_required_key() {
    let f = Fixture::emulated();
    let missing = json!({"detail": "API key required. Provide X-API-Key header."});
    let invalid = json!({"detail": "Invalid or expired API key"});

    for (mode, status, body) in
        [(AuthFault::Missing, 401, &missing), (AuthFault::Invalid, 403, &invalid)]
    {
        f.set(Faults { auth: Some(mode), ..Faults::default() });
        for headers in [&[][..], &[("X-API-Key", "whatever")][..]] {
            for target in
                [LIST.to_string(), "/api/v1/devices".to_string(), format!("{LIST}/{}", eid(1))]
            {
                let r = f.dispatch("GET", &target, headers);
                assert_eq!(r.status, status, "{mode:?} {target}");
                assert_eq!(r.header("Content-Type"), Some("application/json"));
                assert_eq!(&r.json(), body, "{mode:?} {target}");
                assert_no_cors(&r, &target);
            }
        }
        let r = f.dispatch("OPTIONS", LIST, &PREFLIGHT);
        assert_eq!(r.status, status, "{mode:?} preflight");
        assert_no_cors(&r, "preflight");
    }

    f.set(Faults { required_key: Some("k-secret-7".into()), ..Faults::default() });
    // key sent, status, body (None: a normal answer with CORS)
    let cases: &[(Option<&str>, u16, Option<&Value>)] = &[
        (None, 401, Some(&missing)),
        (Some(""), 401, Some(&missing)),
        (Some("k-secret-8"), 403, Some(&invalid)),
        (Some("K-SECRET-7"), 403, Some(&invalid)),
        (Some("k-secret-7"), 200, None),
    ];
    for (key, status, body) in cases {
        let headers: Vec<(&str, &str)> = key.iter().map(|k| ("X-API-Key", *k)).collect();
        for target in
            [format!("{LIST}?limit=2"), "/api/v1/devices".to_string(), "/api/v1/nope".to_string()]
        {
            let r = f.dispatch("GET", &target, &headers);
            let want_status =
                if *status == 200 && target.ends_with("nope") { 404 } else { *status };
            assert_eq!(r.status, want_status, "{key:?} {target}");
            match body {
                Some(b) => {
                    assert_eq!(&r.json(), *b, "{key:?} {target}");
                    assert_no_cors(&r, &target);
                }
                None => assert_api_headers(&r),
            }
        }
    }
    // A browser preflight carries no key: refused, without CORS.
    let r = f.dispatch("OPTIONS", LIST, &PREFLIGHT);
    assert_eq!((r.status, r.json()), (401, missing.clone()));
    assert_no_cors(&r, "preflight");
    // Only the API is guarded here: the viewer itself is still served.
    assert_eq!(f.get("/config.json").status, 200);
    assert_eq!(f.get("/").status, 200);
    // No fail_count or path_filter escape for the key.
    f.set(Faults {
        required_key: Some("k-secret-7".into()),
        fail_count: Some(0),
        path_filter: Some("/nothing".into()),
        ..Faults::default()
    });
    assert_eq!(f.get(LIST).status, 401);

    let log = f.backend.request_log();
    assert!(log.iter().any(|e| e.api_key_present && e.status == 200));
    assert!(log.iter().any(|e| !e.api_key_present && e.status == 401));
    assert!(log.iter().filter(|e| e.status == 401 || e.status == 403).all(|e| e.fault.is_some()));
    let text = serde_json::to_string(&log).unwrap();
    assert!(!text.contains("k-secret"), "{text}");
}

#[test]
fn delay_holds_only_its_own_connection_and_stop_is_prompt() {
    const N: usize = 40;
    let Fixture { backend, _dir } = Fixture::emulated();
    let url = |path: &str| format!("http://127.0.0.1:{}{path}", backend.port());
    backend
        .set_faults(Faults {
            delay_ms: Some(400),
            path_filter: Some("/devices".into()),
            ..Faults::default()
        })
        .unwrap();
    let started = Instant::now();
    // A burst of delayed requests, each on its own connection.
    let slow: Vec<_> = (0..N)
        .map(|_| {
            let u = url("/api/v1/devices");
            std::thread::spawn(move || {
                let t = Instant::now();
                let r = request("GET", &u, &[]);
                (r, t.elapsed())
            })
        })
        .collect();
    // The server takes every one of them at once (each is logged before
    // its wait), long before the first is due.
    wait_until("all delayed requests taken", || backend.request_log().len() == N);
    assert!(started.elapsed() < Duration::from_millis(350), "{:?}", started.elapsed());
    // Meanwhile other requests are answered at once.
    let t = Instant::now();
    let r = request("GET", &url(LIST), &[]);
    assert_eq!(r.status, 200);
    assert!(t.elapsed() < Duration::from_millis(300), "undelayed request took {:?}", t.elapsed());
    for handle in slow {
        let (r, took) = handle.join().unwrap();
        assert_eq!(r.status, 200);
        assert_api_headers(&r);
        assert_eq!(r.json(), json!([device()]));
        assert!(took >= Duration::from_millis(395), "answered after {took:?}");
    }
    assert!(started.elapsed() < Duration::from_millis(1500), "{:?}", started.elapsed());
    let log = backend.request_log();
    assert_eq!(log.iter().filter(|e| e.fault.as_deref() == Some("delay_ms")).count(), N);
    assert_eq!(log.iter().filter(|e| e.fault.is_none()).count(), 1);

    // A pending delayed answer never holds up stop: it is sent at once.
    backend.set_faults(Faults { delay_ms: Some(60_000), ..Faults::default() }).unwrap();
    let u = url("/api/v1/devices");
    let pending = std::thread::spawn(move || request("GET", &u, &[]).status);
    wait_until("the pending request", || backend.request_log().len() == N + 2);
    let t = Instant::now();
    backend.stop();
    assert_eq!(pending.join().unwrap(), 200);
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
}

#[test]
fn truncated_body_is_half_with_matching_length() {
    let f = Fixture::emulated();
    f.stable_ties();
    let targets = [
        format!("{LIST}?limit=3"),
        format!("{LIST}/{}", eid(2)),
        format!("{LIST}/{ABSENT}"),
        "/api/v1/devices".to_string(),
    ];
    let full: Vec<Resp> = targets.iter().map(|t| f.get_over_http(t)).collect();
    f.set(Faults { truncate_body: true, stable_ties: true, ..Faults::default() });
    for (target, whole) in targets.iter().zip(&full) {
        let r = f.get_over_http(target);
        assert_eq!(r.status, whole.status, "{target}");
        assert_api_headers(&r);
        assert_eq!(r.body, whole.body[..whole.body.len() / 2], "{target}");
        assert_eq!(r.header("Content-Length"), Some(r.body.len().to_string().as_str()));
        assert!(serde_json::from_slice::<Value>(&r.body).is_err(), "{target}");
    }
    let log = f.backend.request_log();
    assert!(log[..4].iter().all(|e| e.fault.is_none()));
    assert!(log[4..].iter().all(|e| e.fault.as_deref() == Some("truncate_body")));
}

#[test]
fn huge_body_is_a_valid_list_of_the_requested_size() {
    let f = Fixture::with_faults(Faults { huge_body_mb: Some(3), ..Faults::default() });
    let r = f.get_over_http(&format!(
        "{LIST}/cameras/{CAM_B}/events?model_id=m1&end_time=2026-01-05T12:00:02Z&limit=10&offset=2"
    ));
    assert_eq!(r.status, 200);
    assert_api_headers(&r);
    assert_eq!(r.body.len(), 3 * 1024 * 1024);
    assert_eq!(r.header("Content-Length"), Some("3145728"));
    let body = r.json();
    assert_eq!(
        (body["limit"].clone(), body["offset"].clone(), body["total"].clone()),
        (json!(10), json!(2), json!(3))
    );
    let events = body["events"].as_array().unwrap();
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!((e["camera_id"].as_str(), e["model_id"].as_str()), (Some(CAM_B), Some("m1")));
    assert_eq!(e["timestamp"], json!("2026-01-05T12:00:02Z"));
    assert!(e["detections"].is_object());
    assert!(e["event_metadata"]["padding"].as_str().unwrap().len() > 3_000_000);
    // Single events and devices are not affected.
    assert_eq!(f.get_over_http(&format!("{LIST}/{}", eid(1))).json(), events_by_id(1));
    assert_eq!(f.get_over_http("/api/v1/devices").json(), json!([device()]));
    // Validation first.
    assert_eq!(f.get_over_http(&format!("{LIST}?limit=1001")).status, 422);
}

#[test]
fn chunked_and_gzip_bodies_carry_the_same_list() {
    let gunzip = |bytes: &[u8]| {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(bytes), &mut out).unwrap();
        out
    };
    let f = Fixture::emulated();
    let path = format!("{LIST}/cameras/{CAM_B}/events?limit=10");
    let plain = f.get_over_http(&path);
    assert_eq!((plain.status, plain.header("Content-Encoding")), (200, None));

    // Chunked: no length, the same bytes.
    f.set(Faults { chunked_body: true, ..Faults::default() });
    let chunked = f.get_over_http(&path);
    assert_eq!(
        (chunked.header("Content-Length"), chunked.header("Transfer-Encoding")),
        (None, Some("chunked"))
    );
    assert_eq!(chunked.body, plain.body);
    // Devices are not affected.
    assert!(f.get_over_http("/api/v1/devices").header("Content-Length").is_some());

    // Gzip, to a request that accepts it only.
    f.set(Faults { gzip_body: true, ..Faults::default() });
    assert_eq!(f.get_over_http(&path).body, plain.body);
    let gz = request("GET", &f.url(&path), &[("Accept-Encoding", "br, GZip;q=0.8")]);
    assert_eq!(gz.header("Content-Encoding"), Some("gzip"));
    assert_eq!(gz.header("Content-Length"), Some(gz.body.len().to_string().as_str()));
    assert_eq!(gunzip(&gz.body), plain.body);

    // All three: small on the wire, past any sane limit decoded.
    f.set(Faults {
        huge_body_mb: Some(16),
        gzip_body: true,
        chunked_body: true,
        ..Faults::default()
    });
    let both = request("GET", &f.url(&path), &[("Accept-Encoding", "gzip")]);
    assert_eq!(
        (both.header("Content-Length"), both.header("Content-Encoding")),
        (None, Some("gzip"))
    );
    assert!(both.body.len() < 100_000, "{} bytes on the wire", both.body.len());
    assert_eq!(gunzip(&both.body).len(), 16 << 20);

    // The log names what shaped each answer; a chunked one's bytes are
    // those sent, logged once sent.
    let faults = |f: &Fixture| {
        f.backend
            .request_log()
            .iter()
            .map(|e| e.fault.clone().unwrap_or_default())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        faults(&f),
        ["", "chunked_body", "", "", "gzip_body", "huge_body_mb+gzip_body+chunked_body"]
    );
    wait_until("the chunked answer's bytes in the log", || {
        f.backend.request_log().last().is_some_and(|e| e.bytes > 0)
    });
    assert_eq!(f.backend.request_log().last().map(|e| e.bytes), Some(both.body.len() as u64));
}

fn events_by_id(n: u32) -> Value {
    events().into_iter().find(|e| e["id"] == json!(eid(n))).unwrap()
}

#[test]
fn fail_count_recovers_and_path_filter_targets() {
    let f =
        Fixture::with_faults(Faults { bare_500: true, fail_count: Some(2), ..Faults::default() });
    let statuses: Vec<u16> = (0..4).map(|_| f.get(LIST).status).collect();
    assert_eq!(statuses, [500, 500, 200, 200]);
    assert_eq!(f.backend.faults().fail_count, Some(0));
    assert_eq!(f.get("/__demo/faults").json()["fail_count"], json!(0));

    // Only matching paths fail, and only they count.
    f.set(Faults {
        bare_500: true,
        fail_count: Some(1),
        path_filter: Some("/devices".into()),
        ..Faults::default()
    });
    assert_eq!(f.get(LIST).status, 200);
    assert_eq!(f.get(&format!("{LIST}/{}", eid(1))).status, 200);
    assert_eq!(f.get("/api/v1/devices").status, 500);
    assert_eq!(f.get("/api/v1/devices").status, 200);

    // A request no active mode applies to does not count.
    f.set(Faults { db_fault_empty: true, fail_count: Some(1), ..Faults::default() });
    assert_eq!(f.get("/api/v1/devices").json(), json!([device()]));
    assert_eq!(f.get(LIST).json()["total"], json!(0));
    assert_eq!(f.get(LIST).json()["total"], json!(6));

    // Several modes at once: the first that answers wins; the count is per request.
    f.set(Faults {
        auth: Some(AuthFault::Missing),
        bare_500: true,
        fail_count: Some(1),
        ..Faults::default()
    });
    assert_eq!(f.get(LIST).status, 401);
    assert_eq!(f.get(LIST).status, 200);

    let faults: Vec<Option<String>> =
        f.backend.request_log().into_iter().map(|e| e.fault).collect();
    let named = |s: &str| Some(s.to_string());
    assert_eq!(
        faults,
        [
            named("bare_500"),
            named("bare_500"),
            None,
            None,
            None,
            None,
            named("bare_500"),
            None,
            None,
            named("db_fault_empty"),
            None,
            named("auth"),
            None,
        ]
    );
}

#[test]
fn insert_between_pages_shifts_offsets() {
    let f = Fixture::with_faults(Faults {
        insert_between_pages: Some(1),
        stable_ties: true,
        ..Faults::default()
    });
    let x = |n: u32| format!("feedc0de-0000-4000-8000-{n:012x}");
    let page = |offset: u32| f.get(&format!("{LIST}?limit=2&offset={offset}"));

    // page, ids, total: each full page adds one row newer than its first
    // row, so the next page repeats a row already seen.
    for (offset, want, total) in [(0, [5, 6], 6), (2, [6, 4], 7), (4, [4, 3], 8)] {
        let r = page(offset);
        assert_eq!((r.ids(), r.json()["total"].clone()), (ids(&want), json!(total)), "{offset}");
    }
    let all = f.get(&format!("{LIST}?limit=1000"));
    let got = all.ids();
    assert_eq!(got, [x(1), x(2), eid(5), eid(6), x(3), eid(4), eid(3), eid(2), eid(1)],);
    let listed = all.json()["events"].as_array().unwrap().clone();
    assert_eq!(listed[0]["timestamp"], json!("2026-01-05T12:00:03.501000Z"));
    assert_eq!(listed[4]["timestamp"], json!("2026-01-05T12:00:02.001000Z"));
    assert_eq!(listed[0]["camera_id"], json!(CAM_A));
    assert!(listed[0]["detections"]["detections"].is_array());
    // Not a full page (limit 1000, 9 rows): nothing added.
    assert_eq!(f.get(&format!("{LIST}?limit=1000")).json()["total"], json!(9));

    // Two per page: one newest, one sharing a row's timestamp exactly.
    f.backend.reset();
    f.set(Faults { insert_between_pages: Some(2), stable_ties: true, ..Faults::default() });
    assert_eq!(page(0).ids(), ids(&[5, 6]));
    let listed = f.get(&format!("{LIST}?limit=1000")).json()["events"].as_array().unwrap().clone();
    let added: Vec<&Value> =
        listed.iter().filter(|e| e["id"].as_str().unwrap().starts_with("feedc0de")).collect();
    assert_eq!(added.len(), 2);
    assert_eq!(added[0]["timestamp"], json!("2026-01-05T12:00:03.501000Z"));
    assert_eq!(added[1]["timestamp"], json!("2026-01-05T12:00:03.500000Z"));

    // With an end_time, the newest ones sit at it (inside the window), on
    // the filters of the page.
    f.backend.reset();
    f.set(Faults { insert_between_pages: Some(1), stable_ties: true, ..Faults::default() });
    let window = format!("{LIST}/cameras/{CAM_A}/events?model_id=m1&end_time=2026-01-05T12:00:01Z");
    assert_eq!(f.get(&format!("{window}&limit=1")).ids(), ids(&[2]));
    let r = f.get(&window);
    assert_eq!(r.ids(), [x(1), eid(2), eid(1)]);
    assert_eq!(r.json()["events"][0]["timestamp"], json!("2026-01-05T12:00:01Z"));
    assert_eq!(r.json()["events"][0]["model_id"], json!("m1"));
}

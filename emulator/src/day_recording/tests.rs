//! Tests of the day camera: its clock, playlist, segments and event rows.

use std::path::Path;

use serde_json::{json, Value};
use vas_overlay_viewer::core::clock::recording::hls_playlist::MediaPlaylist;
use vas_overlay_viewer::core::clock::recording::http_date::parse_http_date;

use super::answers::{extinf, http_date};
use super::event_rows::derived_id;
use super::sources::frames_us;
use super::*;
use crate::api::events::ListQuery;
use crate::http::answer::AnswerBody;
use crate::recording::segment_key;
use crate::test_support::{demo_backend, request};
use crate::text_formats::{format_vas_time, parse_rfc3339};

/// 2026-01-06T10:00:00.123456Z: the listed day spans two UTC dates.
const T0: i64 = 1_767_693_600_123_456;
const PERSON: &str = "yolov8-person-detection";

fn data_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../static/demo")
}

fn day() -> DayRecording {
    DayRecording::load(&data_dir(), DayClock::start(T0, None).unwrap())
        .unwrap()
        .expect("the shipped data has a recording")
}

fn header<'a>(reply: &'a HttpAnswer, name: &str) -> Option<&'a str> {
    reply.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

fn body(reply: &HttpAnswer) -> &[u8] {
    match &reply.body {
        AnswerBody::Bytes(b) => b,
        _ => panic!("a segment is sent from memory"),
    }
}

fn epoch(offset_us: i64) -> u64 {
    u64::try_from((T0 + offset_us).div_euclid(1_000_000)).unwrap()
}

/// A list query of these filters and page.
fn query(
    model: Option<&str>,
    start: Option<i64>,
    end: Option<i64>,
    offset: i64,
    limit: i64,
) -> ListQuery<'_> {
    ListQuery { model, start, end, limit, offset }
}

/// The playlist's entries split into runs at the discontinuities.
fn runs_of(p: &MediaPlaylist) -> Vec<Vec<(u64, f64)>> {
    let mut runs: Vec<Vec<(u64, f64)>> = Vec::new();
    for e in &p.entries {
        if e.discontinuity || runs.is_empty() {
            runs.push(Vec::new());
        }
        let n = segment_key(&e.uri).unwrap();
        runs.last_mut().unwrap().push((n, e.duration));
    }
    runs
}

#[test]
fn formats() {
    assert_eq!(http_date(1_767_618_007), "Mon, 05 Jan 2026 13:00:07 GMT");
    assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    for secs in [951_782_400, 1_767_693_599, 4_102_444_800] {
        assert_eq!(
            parse_http_date(&http_date(secs)).map(|t| t.0),
            Some(secs * 1_000_000),
            "{}",
            http_date(secs)
        );
    }
    assert_eq!(extinf(6_000_000), "#EXTINF:6.000000,");
    assert_eq!(extinf(2_400_000), "#EXTINF:2.400000,");
    assert_eq!(frames_us(105), 3_500_000);
    let id = derived_id(T0, "64ed384f-f442-5527-bd58-2e3d96f4a742");
    assert_eq!(crate::text_formats::parse_uuid(&id).as_deref(), Ok(id.as_str()), "canonical");
    assert_eq!(&id[14..15], "8");
    assert!("89ab".contains(&id[19..20]));
    assert_eq!(id, derived_id(T0, "64ed384f-f442-5527-bd58-2e3d96f4a742"), "stable");
    assert_ne!(id, derived_id(T0 + SEGMENT_US, "64ed384f-f442-5527-bd58-2e3d96f4a742"));
    assert_ne!(id, derived_id(T0, "64ed384f-f442-5527-bd58-2e3d96f4a743"));
    assert!(DayClock::start(T0, Some(0.0)).is_err());
    assert!(DayClock::start(T0, Some(f64::NAN)).is_err());
    assert!(DayClock::start(T0, Some(MAX_DAY_SPEED * 2.0)).is_err());
}

#[test]
fn clock_runs_at_its_speed() {
    let clock = DayClock::start(T0, Some(200.0)).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(50));
    let now = clock.now_us();
    assert!(now >= T0 + 10_000_000, "50 ms at 200x is at least 10 s: {}", now - T0);
    assert!(now < T0 + 600_000_000, "{}", now - T0);
    let real = DayClock::start(T0, None).unwrap();
    assert!(real.now_us() - T0 < 5_000_000);
}

/// At T0: full, four runs, numbering and media sequence by hlsenc's rules.
#[test]
fn playlist_at_t0() {
    let day = day();
    let text = day.playlist_at(T0).unwrap();
    assert!(
        text.starts_with(
            "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:"
        ),
        "{}",
        &text[..200]
    );
    assert!(
        text.contains("\n#EXT-X-PLAYLIST-TYPE:EVENT\n")
            && text.contains("\n#EXTINF:6.000000,\nsegment-")
    );
    assert!(!text.contains("ENDLIST") && !text.contains("PROGRAM-DATE-TIME"));
    let p = MediaPlaylist::parse(&text);
    assert_eq!((p.entries.len(), p.skipped_lines), (14_400, 0));
    let runs = runs_of(&p);
    assert_eq!(runs.len(), 4);
    assert_eq!(
        text.matches("#EXT-X-DISCONTINUITY").count(),
        3,
        "run 0's first segment, and its tag, rolled off"
    );
    assert!(!p.entries[0].discontinuity && runs.iter().skip(1).all(|r| !r.is_empty()));
    for run in &runs {
        assert!(run.windows(2).all(|w| w[1].0 == w[0].0 + 1), "numbers run on within a run");
    }
    // Short last segments of the stopped runs, 6 s everywhere else.
    let durations: Vec<Vec<f64>> =
        runs.iter().map(|r| r.iter().map(|e| e.1).filter(|d| *d != 6.0).collect()).collect();
    assert_eq!(durations, [vec![2.4], vec![3.5], vec![1.2], vec![]]);

    // Numbering: run 0 started on an empty playlist, so its first number is its epoch.
    let run0_len = runs[0].last().unwrap().0 - epoch(RUN_STARTS_US[0]) + 1;
    assert!(run0_len > runs[0].len() as u64, "run 0 partly rolled off");
    // Run 1 started with run 0 listed (fewer than 14 400): start_epoch + K.
    assert!(run0_len < LIST_SIZE);
    assert_eq!(runs[1][0].0, epoch(RUN_STARTS_US[1]) + run0_len);
    let k2 = run0_len + runs[1].len() as u64;
    assert!(k2 < LIST_SIZE);
    assert_eq!(runs[2][0].0, epoch(RUN_STARTS_US[2]) + k2);
    // Run 3 started on a full playlist: start_epoch + 14 400.
    assert!(k2 + runs[2].len() as u64 >= LIST_SIZE, "full when run 3 started");
    assert_eq!(runs[3][0].0, epoch(RUN_STARTS_US[3]) + LIST_SIZE);
    // Media sequence: run 3's first number minus the entries listed before it;
    // each of run 3's segments pushed one entry off, so also its epoch + its count.
    let before3 = (runs[0].len() + runs[1].len() + runs[2].len()) as i64;
    assert_eq!(p.media_sequence, Some(runs[3][0].0 as i64 - before3));
    assert_eq!(p.media_sequence, Some((epoch(RUN_STARTS_US[3]) + runs[3].len() as u64) as i64));
    assert_ne!(
        p.media_sequence,
        Some(runs[0][0].0 as i64),
        "VAS's quirk: not the first listed number"
    );
    // Run 3 has recorded 90 min less the first frame's latency.
    assert_eq!(runs[3].len() as i64, (90 * MINUTE_US - FIRST_FRAME_LATENCY_US) / SEGMENT_US);
    // Gaps between runs: seconds to minutes.
    let truth = day.truth_at(T0);
    for w in truth.segments.windows(2).filter(|w| w[1].run != w[0].run) {
        let gap = w[1].true_start_us - (w[0].true_start_us + w[0].duration_us);
        assert!((5_000_000..10 * MINUTE_US).contains(&gap), "{gap}");
    }
    // The truth lists exactly the playlist's entries.
    let listed: Vec<(u64, f64)> =
        truth.segments.iter().map(|s| (s.number, s.duration_us as f64 / 1e6)).collect();
    assert_eq!(listed, runs.concat());
    assert_eq!(truth.media_sequence as i64, p.media_sequence.unwrap());
    let newest = truth.newest.clone().unwrap();
    assert_eq!((newest.run, newest.number), (3, runs[3].last().unwrap().0));
    assert!(
        newest.true_start_us + newest.duration_us <= T0
            && T0 < newest.true_start_us + 2 * SEGMENT_US
    );
    assert_eq!(truth.runs[3].first_frame_us, T0 + RUN_STARTS_US[3] + FIRST_FRAME_LATENCY_US);
}

/// A minute later: ten more at the end, ten fewer at the front, the media sequence ten on.
#[test]
fn playlist_grows_and_rolls() {
    let day = day();
    let at = |t: i64| MediaPlaylist::parse(&day.playlist_at(t).unwrap());
    let (a, b) = (at(T0), at(T0 + 60_000_000));
    assert_eq!(b.entries.len(), 14_400);
    let names = |p: &MediaPlaylist| p.entries.iter().map(|e| e.uri.clone()).collect::<Vec<_>>();
    let (na, nb) = (names(&a), names(&b));
    assert_eq!(na[10..], nb[..14_390], "ten rolled off the front");
    let last = segment_key(na.last().unwrap()).unwrap();
    let added: Vec<u64> = nb[14_390..].iter().map(|n| segment_key(n).unwrap()).collect();
    assert_eq!(added, (last + 1..=last + 10).collect::<Vec<_>>());
    assert_eq!(b.media_sequence, a.media_sequence.map(|s| s + 10));
    // In between, one at a time, every 6 s.
    let t = day.truth_at(T0).newest.unwrap();
    let end = t.true_start_us + t.duration_us;
    assert_eq!(day.truth_at(end + SEGMENT_US - 1).segments.len(), 14_400);
    assert_eq!(day.truth_at(end + SEGMENT_US - 1).newest.unwrap().number, t.number);
    assert_eq!(day.truth_at(end + SEGMENT_US).newest.unwrap().number, t.number + 1);
}

#[test]
fn segments_answer_shifted_media_with_true_headers() {
    let day = day();
    let faults = Faults::default();
    let truth = day.truth_at(T0);
    let get = |n: u64, now: i64| day.segment_at(&format!("segment-{n}.ts"), now, &faults, "/p").0;
    let in_run = |r: usize| truth.segments.iter().filter(move |s| s.run == r);
    // The third segment of run 3: the full source, 2 x 6 s on.
    let third = in_run(3).nth(2).unwrap();
    let reply = get(third.number, T0);
    assert_eq!(reply.status, 200);
    let bytes = body(&reply);
    assert_eq!(ts_shift::walk(bytes).unwrap().first_pts, Some(126_000 + 2 * 540_000));
    assert_eq!(bytes.len(), day.sources[0].bytes.len());
    let modified = third.true_start_us + third.duration_us + LAST_MODIFIED_LATENCY_US;
    assert_eq!(
        header(&reply, "Last-Modified").and_then(parse_http_date).map(|t| t.0),
        Some(modified / 1_000_000 * 1_000_000)
    );
    assert_eq!(header(&reply, "Cache-Control"), Some("public, max-age=31536000"));
    assert_eq!(header(&reply, "Content-Type"), Some("video/mp2t"));
    assert_eq!(header(&reply, "Access-Control-Allow-Origin"), Some("*"));
    assert!(header(&reply, "ETag").is_some_and(|e| e.starts_with('"') && e.ends_with('"')));
    // The first of a run restarts the clock; a stopped run's last is the short source, on time.
    let first2 = in_run(2).next().unwrap();
    assert_eq!(first2.index, 0);
    assert_eq!(ts_shift::walk(body(&get(first2.number, T0))).unwrap().first_pts, Some(126_000));
    let tail = in_run(2).next_back().unwrap();
    assert_eq!(tail.duration_us, 1_200_000);
    let tail_bytes = get(tail.number, T0);
    assert_eq!(
        body(&tail_bytes).len(),
        std::fs::read(data_dir().join("recording/segment-1767619936.ts")).unwrap().len()
    );
    assert_eq!(
        ts_shift::walk(body(&tail_bytes)).unwrap().first_pts,
        Some((126_000 + tail.index * 540_000) % ts_shift::WRAP)
    );
    // Not yet ended, between runs, or never: 404 with the envelope.
    let newest = truth.newest.clone().unwrap();
    for n in [newest.number + 1, tail.number + 1, 1, u64::MAX] {
        let r = get(n, T0);
        assert_eq!(r.status, 404, "{n}");
        assert_eq!(
            serde_json::from_slice::<Value>(body(&r)).unwrap()["error"]["message"],
            "Segment not found"
        );
    }
    assert_eq!(get(newest.number + 1, T0 + SEGMENT_US).status, 200, "listed once ended");
    // Rolled off: served for ten minutes after it left the playlist.
    let oldest = truth.segments[0].clone();
    assert_eq!(get(oldest.number, T0).status, 200);
    let later = day.truth_at(T0 + 60_000_000);
    assert!(later.segments.iter().all(|s| s.number != oldest.number));
    assert_eq!(get(oldest.number, T0 + 60_000_000).status, 200);
    assert_eq!(get(oldest.number, T0 + 11 * MINUTE_US).status, 404);
    // Faults by number.
    let f = Faults {
        missing_segments: vec![third.number.to_string()],
        garbage_segments: vec![format!("segment-{}.ts", first2.number)],
        ..Faults::default()
    };
    let (r, fault) = day.segment_at(&format!("segment-{}.ts", third.number), T0, &f, "/p");
    assert_eq!((r.status, fault), (404, Some("missing_segments")));
    let (r, fault) = day.segment_at(&format!("segment-{}.ts", first2.number), T0, &f, "/p");
    assert_eq!((r.status, fault), (200, Some("garbage_segments")));
    assert!(!body(&r).contains(&0x47) && body(&r).len() == day.sources[0].bytes.len());
}

/// ffprobe reads a shifted segment's PTS where they belong, and two consecutive
/// segments of a run concatenated play on without a jump.
#[test]
fn ffprobe_reads_continuous_timestamps() {
    if std::process::Command::new("ffprobe").arg("-version").output().is_err() {
        eprintln!(
            "ffprobe is not on PATH: the ffprobe check is skipped (ts_shift's own tests still ran)"
        );
        return;
    }
    let day = day();
    let faults = Faults::default();
    let truth = day.truth_at(T0);
    let run1: Vec<&DaySegment> = truth.segments.iter().filter(|s| s.run == 1).collect();
    let (a, b) = (run1[4000], run1[4001]);
    let mut joined = Vec::new();
    for s in [a, b] {
        joined.extend_from_slice(body(
            &day.segment_at(&format!("segment-{}.ts", s.number), T0, &faults, "/p").0,
        ));
    }
    let dir = std::env::temp_dir().join(format!("day-recording-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("joined.ts");
    std::fs::write(&file, &joined).unwrap();
    let out = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v",
            "-show_packets",
            "-show_entries",
            "packet=pts,dts",
            "-of",
            "csv=p=0",
        ])
        .arg(&file)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let pts: Vec<u64> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split(',').next()?.trim().parse().ok())
        .collect();
    assert_eq!(pts.len(), 360, "two segments of 180 frames");
    let first = 126_000 + 4000 * 540_000;
    assert_eq!(pts[0], first);
    let mut sorted = pts.clone();
    sorted.sort_unstable();
    assert!(
        sorted.windows(2).all(|w| w[1] - w[0] == 3_000),
        "one frame (3000 ticks) apart throughout, no jump at the join"
    );
    assert_eq!(*sorted.last().unwrap(), first + 359 * 3_000);
}

#[test]
fn dates_follow_the_listed_segments() {
    let day = day();
    let v = day.dates_at(T0, DAY_CAMERA_ID);
    assert_eq!(v["status"], "success");
    assert_eq!(v["device_id"], DAY_CAMERA_ID);
    let midnight = 1_767_657_600_000_000; // 2026-01-06T00:00:00Z
    let truth = day.truth_at(T0);
    let today = truth.segments.iter().filter(|s| s.true_start_us >= midnight).count() as u64;
    assert!(today > 0 && today < LIST_SIZE);
    assert_eq!(
        v["dates"],
        json!([
            {"date": "20260106", "formatted": "2026-01-06", "segments_count": today},
            {"date": "20260105", "formatted": "2026-01-05", "segments_count": LIST_SIZE - today},
        ])
    );
}

/// A 30 s span starting on a segment of run 2: five segments of 24 events, and the
/// two on the next segment's first frame (the span is inclusive).
#[test]
fn events_of_a_span_are_generated_aligned_and_stable() {
    let day = day();
    let truth = day.truth_at(T0);
    let seg = truth.segments.iter().find(|s| s.run == 2 && s.index == 100).unwrap();
    let (s, e) = (seg.true_start_us, seg.true_start_us + 30_000_000);
    let rows = day.rows_at(T0, &query(None, Some(s), Some(e), 0, 1000), 0);
    assert_eq!((rows.rows.len(), rows.skipped_newer, rows.skipped_older), (122, 0, 0));
    let again = day.rows_at(T0, &query(None, Some(s), Some(e), 0, 1000), 0);
    let ids: Vec<&str> = rows.rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        again.rows.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        "stable between requests"
    );
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), 122, "distinct");
    assert!(rows.rows.windows(2).all(|w| w[0].ts_us >= w[1].ts_us), "newest first");
    assert!(rows.rows.iter().all(|r| (s..=e).contains(&r.ts_us)
        && r.camera_id == DAY_CAMERA_ID
        && r.raw["camera_id"] == DAY_CAMERA_ID
        && !r.poison));
    // Aligned as on the demo recording: the same offset into the segment as in the source.
    let source_events = &day.sources[0].events;
    for r in rows.rows.iter().filter(|r| r.ts_us < s + SEGMENT_US) {
        let offset = r.ts_us - s;
        assert!(source_events.iter().any(|e| e.offset_us == offset
            && e.model_id == r.model_id
            && e.raw["detections"] == r.raw["detections"]));
        assert_eq!(
            r.raw["frame_id"].as_u64(),
            Some(100 * 180 + (offset as u64 * 30 + 500_000) / 1_000_000)
        );
        assert_eq!(parse_rfc3339(r.raw["timestamp"].as_str().unwrap()), Ok(r.ts_us));
    }
    // 2 events/s per model.
    let person = day.rows_at(T0, &query(Some(PERSON), Some(s), Some(e), 0, 1000), 0);
    assert_eq!(person.rows.len(), 61);
    assert!(person.rows.iter().all(|r| r.model_id == PERSON));
    // Paging: positions 100.. of 122.
    let page = day.rows_at(T0, &query(None, Some(s), Some(e), 100, 50), 0);
    assert_eq!((page.rows.len(), page.skipped_newer, page.skipped_older), (22, 100, 0));
    assert_eq!(page.rows[0].id, rows.rows[100].id);
    // With 3 other rows matching, 3 more are generated before the page.
    let page = day.rows_at(T0, &query(None, Some(s), Some(e), 100, 10), 3);
    assert_eq!((page.rows.len(), page.skipped_newer, page.skipped_older), (13, 97, 12));
    // Nothing after the day's now.
    let future =
        day.rows_at(T0, &query(None, Some(T0 - 1_000_000), Some(T0 + HOUR_US), 0, 1000), 0);
    assert!(!future.rows.is_empty() && future.rows.iter().all(|r| r.ts_us <= T0));
    assert_eq!(
        future.rows.len(),
        day.rows_at(T0 + 10_000_000, &query(None, Some(T0 - 1_000_000), Some(T0), 0, 1000), 0)
            .rows
            .len()
    );
}

/// No bounds: the whole day counted, one page built; the same count as hour by hour.
#[test]
fn unbounded_query_counts_the_day_and_builds_one_page() {
    let day = day();
    let all = day.rows_at(T0, &query(None, None, None, 0, 100), 0);
    let total = all.rows.len() + all.skipped_older;
    assert_eq!((all.rows.len(), all.skipped_newer), (100, 0));
    assert!(
        total > 2 * 2 * 25 * 3600,
        "about 2 events/s per model for 26 h less the gaps: {total}"
    );
    let mut by_hour = 0;
    let mut t = T0 - 27 * HOUR_US;
    while t <= T0 {
        let r = day.rows_at(T0, &query(None, Some(t), Some(t + HOUR_US - 1), 0, 1), 0);
        by_hour += r.rows.len() + r.skipped_older;
        t += HOUR_US;
    }
    assert_eq!(total, by_hour);
    // The last page: the oldest rows, ending on run 0's first frame.
    let tail = day.rows_at(T0, &query(None, None, None, total as i64 - 10, 100), 0);
    assert_eq!((tail.rows.len(), tail.skipped_newer, tail.skipped_older), (10, total - 10, 0));
    assert_eq!(tail.rows.last().unwrap().ts_us, T0 + RUN_STARTS_US[0] + FIRST_FRAME_LATENCY_US);
    // Past the end: nothing built, all counted.
    let past = day.rows_at(T0, &query(None, None, None, total as i64 + 5, 1000), 0);
    assert_eq!((past.rows.len(), past.skipped_newer), (0, total));
    // Only the day camera's queries get them.
    let first_page = query(None, None, None, 0, 100);
    assert_eq!(rows_for(Some(&day), None, &first_page, 0).rows.len(), 0);
    assert_eq!(
        rows_for(Some(&day), Some(crate::recording::PDT_CAMERA_ID), &first_page, 0).rows.len(),
        0
    );
}

/// Through the running backend: routes, headers, faults, the event endpoints'
/// filters, paging and `total` with an inserted row among the generated ones.
#[test]
fn served_by_the_backend() {
    let (backend, _) = demo_backend();
    let base = format!("http://127.0.0.1:{}/api/v1", backend.port());
    let rec = format!("{base}/recordings/devices/{DAY_CAMERA_ID}");
    let truth = backend.day_truth().expect("the shipped data has the day camera");
    assert_eq!(truth.segments.len(), 14_400);
    let newest = truth.newest.clone().unwrap();

    let playlist = request("GET", &format!("{rec}/playlist"), &[]);
    assert_eq!(playlist.status, 200);
    assert_eq!(playlist.header("Content-Type"), Some("application/vnd.apple.mpegurl"));
    let p = MediaPlaylist::parse(&String::from_utf8(playlist.body).unwrap());
    assert_eq!(p.entries.len(), 14_400);
    let last = segment_key(&p.entries.last().unwrap().uri).unwrap();
    assert!(last == newest.number || last == newest.number + 1, "{last} vs {}", newest.number);

    let dates = request("GET", &format!("{rec}/dates"), &[]);
    let v = dates.json();
    assert_eq!((dates.status, v["device_id"].as_str()), (200, Some(DAY_CAMERA_ID)));
    let counted: u64 =
        v["dates"].as_array().unwrap().iter().map(|d| d["segments_count"].as_u64().unwrap()).sum();
    assert_eq!(counted, 14_400);

    let seg = &truth.segments[14_000];
    let url = format!("{rec}/segment-{}.ts", seg.number);
    let segment = request("GET", &url, &[]);
    assert_eq!((segment.status, segment.body.first()), (200, Some(&0x47)));
    let modified =
        (seg.true_start_us + seg.duration_us + LAST_MODIFIED_LATENCY_US) / 1_000_000 * 1_000_000;
    assert_eq!(
        segment.header("Last-Modified").and_then(parse_http_date).map(|t| t.0),
        Some(modified)
    );
    assert_eq!(segment.header("Cache-Control"), Some("public, max-age=31536000"));
    assert_eq!(segment.header("Access-Control-Allow-Origin"), Some("*"));
    assert_eq!(request("HEAD", &url, &[]).status, 405);
    backend
        .set_faults(Faults { missing_segments: vec![seg.number.to_string()], ..Faults::default() })
        .unwrap();
    assert_eq!(request("GET", &url, &[]).status, 404);
    assert_eq!(
        backend.request_log().last().and_then(|e| e.fault.clone()).as_deref(),
        Some("missing_segments")
    );
    backend.reset();
    assert_eq!(request("GET", &url, &[]).status, 200);

    // Events of a 30 s span of run 2, by both list endpoints.
    let s = truth.segments.iter().find(|s| s.run == 2 && s.index == 100).unwrap().true_start_us;
    let span =
        format!("start_time={}&end_time={}", format_vas_time(s), format_vas_time(s + 30_000_000));
    let list = |query: &str| {
        request("GET", &format!("{base}/ai-events/cameras/{DAY_CAMERA_ID}/events?{query}"), &[])
    };
    let all = list(&format!("{span}&limit=1000"));
    assert_eq!((all.status, all.json()["total"].as_u64(), all.ids().len()), (200, Some(122), 122));
    let by_filter = request(
        "GET",
        &format!("{base}/ai-events?camera_id={DAY_CAMERA_ID}&{span}&limit=1000"),
        &[],
    );
    assert_eq!(by_filter.json()["total"], 122);
    assert_eq!(list(&format!("{span}&model_id={PERSON}")).json()["total"], 61);
    let page = list(&format!("{span}&limit=50&offset=100"));
    let v = page.json();
    assert_eq!(
        (v["total"].as_u64(), v["limit"].as_u64(), v["offset"].as_u64()),
        (Some(122), Some(50), Some(100))
    );
    assert_eq!(page.ids().len(), 22);
    assert_eq!(list(&format!("{span}&limit=0")).status, 422, "validated as every list");
    // Not in a list without a camera filter.
    let other = request("GET", &format!("{base}/ai-events?{span}"), &[]);
    assert_eq!(other.json()["total"], 0);
    // An inserted row of the day camera in the span: counted, and paged through with the generated ones.
    let inserted = "0d0d0d0d-0000-4000-8000-000000000001";
    backend
        .insert_events(vec![json!({"id": inserted, "camera_id": DAY_CAMERA_ID, "model_id": "m", "timestamp": format_vas_time(s + 15_250_000),
            "frame_id": null, "detections": {}, "confidence": null, "event_metadata": {}, "created_at": "2026-01-01T00:00:00Z"})])
        .unwrap();
    let mut seen = Vec::new();
    for offset in (0..123).step_by(20) {
        let page = list(&format!("{span}&limit=20&offset={offset}"));
        assert_eq!(page.json()["total"], 123);
        seen.extend(page.ids());
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (123, 123), "every row once");
    assert!(seen.iter().any(|i| i == inserted));
    let mut generated = all.ids();
    generated.sort();
    assert!(generated.iter().all(|g| unique.binary_search(g).is_ok()), "the same ids as before");
    // No bounds: an answer, the whole day counted.
    let unbounded = list("limit=5");
    assert_eq!((unbounded.status, unbounded.ids().len()), (200, 5));
    let total = &unbounded.json()["total"];
    assert!(total.as_u64().unwrap() > 370_000, "{total}");
}

//! The day-recording benchmark's table (demo | day | day / demo) and the raw details printed after it.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use vas_overlay_viewer::core::time::{format_rfc3339_utc, parse_rfc3339, UnixMicros};

use super::{Newest, PageRun, FAST_SPEED, PAUSE_MS};

/// A table cell: what is printed and, when it is a figure, its value.
#[derive(Clone, Debug)]
struct Cell {
    text: String,
    value: Option<f64>,
}

impl Cell {
    fn text(t: impl Into<String>) -> Cell {
        Cell { text: t.into(), value: None }
    }
    fn num(v: f64, text: String) -> Cell {
        Cell { text, value: Some(v).filter(|v| v.is_finite()) }
    }
    fn ms(v: Option<f64>, missing: &str) -> Cell {
        v.map_or_else(|| Cell::text(missing), |v| Cell::num(v, format!("{v:.0} ms")))
    }
    fn mb(bytes: Option<f64>) -> Cell {
        bytes.map_or_else(
            || Cell::text("n/a"),
            |b| Cell::num(b / 1_048_576.0, format!("{:.1} MB", b / 1_048_576.0)),
        )
    }
    fn kb(bytes: Option<f64>) -> Cell {
        bytes.map_or_else(
            || Cell::text("n/a"),
            |b| Cell::num(b / 1024.0, format!("{:.1} kB", b / 1024.0)),
        )
    }
    fn count(n: usize) -> Cell {
        Cell::num(n as f64, n.to_string())
    }
    fn seconds_behind(s: f64) -> Cell {
        let text =
            if s.abs() >= 3_600.0 { format!("{:.2} h", s / 3_600.0) } else { format!("{s:.1} s") };
        Cell::num(s, text)
    }
    fn dash() -> Cell {
        Cell::text("-")
    }
}

pub(super) fn show(v: &Value) -> String {
    match v.as_f64() {
        Some(x) => format!("{x:.0}"),
        None if v.is_null() => "-".into(),
        None => v.to_string(),
    }
}

fn median(v: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[v.len() / 2])
}

pub(super) fn max(v: &[f64]) -> Option<f64> {
    v.iter().copied().filter(|x| x.is_finite()).reduce(f64::max)
}

/// The figures of one page, in table order.
struct PageCells {
    first_frame: Cell,
    first_boxes: Cell,
    behind: Cell,
    reloads: Cell,
    transfer: Cell,
    encoded: Cell,
    task_median: Cell,
    task_worst: Cell,
    long_tasks: Cell,
    with_boxes: Cell,
    no_boxes: Cell,
    resume: Cell,
    not_known: Cell,
    heap: Cell,
    wasm: Cell,
}

fn first_cells(first: &Value) -> (Cell, Cell) {
    let missing = if first["timeout"] == true { "timeout" } else { "none" };
    (
        Cell::ms(first["firstFrameMs"].as_f64(), missing),
        Cell::ms(first["firstBoxesMs"].as_f64(), missing),
    )
}

/// The longest task after each reload (trace), or the worst frame gap when there was no trace.
fn reload_costs(p: &PageRun) -> (Vec<f64>, &'static str) {
    if p.reloads.iter().all(|r| r.task_ms.is_some()) {
        (p.reloads.iter().filter_map(|r| r.task_ms).collect(), "")
    } else {
        (p.reloads.iter().map(|r| r.raf_gap_ms).collect(), " (frame gap)")
    }
}

fn page_cells(p: &PageRun) -> PageCells {
    let (first_frame, first_boxes) = first_cells(&p.first);
    let frame_us = p.first["firstBoxes"]["frameUs"].as_str().and_then(|s| s.parse::<i64>().ok());
    let behind = match (frame_us, p.newest_end_us) {
        (Some(f), Some(end)) => Cell::seconds_behind((end - f) as f64 / 1e6),
        _ if p.first["timeout"] == true => Cell::text("timeout"),
        _ => Cell::text("n/a"),
    };
    let (costs, how) = reload_costs(p);
    let cost_cell = |v: Option<f64>| {
        v.map_or_else(|| Cell::text("none"), |v| Cell::num(v, format!("{v:.0} ms{how}")))
    };
    let transfer: Vec<f64> = p.reloads.iter().map(|r| r.transfer).collect();
    let encoded: Vec<f64> = p.reloads.iter().map(|r| r.encoded).collect();
    let w = &p.window;
    let frames = w["frames"].as_f64().unwrap_or(0.0);
    let with_boxes = if frames > 0.0 {
        let share = w["withBoxes"].as_f64().unwrap_or(0.0) / frames * 100.0;
        Cell::num(share, format!("{share:.1}%"))
    } else {
        Cell::text("no frames")
    };
    let no_boxes = match w["stretches"].as_array().and_then(|s| s.first()) {
        Some(s) => {
            let ms = s["ms"].as_f64().unwrap_or(f64::NAN);
            Cell::num(
                ms,
                format!("{ms:.0} ms{}", if s["open"] == true { " (to the end)" } else { "" }),
            )
        }
        None if frames > 0.0 => Cell::num(0.0, "0 ms".into()),
        None => Cell::text("no frames"),
    };
    let (resume, not_known) = match &p.pause {
        Some(v) if v["timeout"] == true => (Cell::text("timeout"), not_known_cell(v)),
        Some(v) => (Cell::ms(v["ms"].as_f64(), "n/a"), not_known_cell(v)),
        None => (Cell::dash(), Cell::dash()),
    };
    PageCells {
        first_frame,
        first_boxes,
        behind,
        reloads: Cell::count(p.reloads.len()),
        transfer: Cell::kb(median(&transfer)),
        encoded: Cell::kb(median(&encoded)),
        task_median: cost_cell(median(&costs)),
        task_worst: cost_cell(max(&costs)),
        long_tasks: Cell::count(w["longtasks"].as_array().map_or(0, Vec::len)),
        with_boxes,
        no_boxes,
        resume,
        not_known,
        heap: Cell::mb(p.memory_end.map(|m| m.js_used)),
        wasm: Cell::mb(p.memory_end.and_then(|m| m.wasm)),
    }
}

fn not_known_cell(v: &Value) -> Cell {
    let pause = v["duringPause"] == true;
    let after = v["afterPlay"] == true;
    Cell::text(match (pause, after) {
        (false, false) => "no".to_string(),
        (true, true) => "yes (paused and after play)".into(),
        (true, false) => "yes (while paused)".into(),
        (false, true) => "yes (after play)".into(),
    })
}

pub(super) struct Report<'a> {
    pub(super) dist: &'a Path,
    pub(super) play_window: Duration,
    pub(super) fast_window: Duration,
    pub(super) demo: &'a PageRun,
    pub(super) day: &'a PageRun,
    pub(super) at: &'a Value,
    pub(super) asked: &'a str,
    pub(super) fast: &'a PageRun,
    pub(super) elapsed: Duration,
}

fn ratio(a: &Cell, b: &Cell) -> String {
    match (a.value, b.value) {
        (Some(demo), Some(day)) if demo != 0.0 => format!("x{:.2}", day / demo),
        _ => "-".into(),
    }
}

pub(super) fn report(r: &Report) -> String {
    let play_min = r.play_window.as_secs_f64() / 60.0;
    let fast_min = r.fast_window.as_secs_f64() / 60.0;
    let demo = page_cells(r.demo);
    let day = page_cells(r.day);
    let mut rows: Vec<[String; 4]> = Vec::new();
    let mut both = |name: &str, a: &Cell, b: &Cell| {
        rows.push([name.to_string(), a.text.clone(), b.text.clone(), ratio(a, b)])
    };
    both("time to first frame (from navigation)", &demo.first_frame, &day.first_frame);
    both("time to first boxes drawn (from navigation)", &demo.first_boxes, &day.first_boxes);
    both(
        "opened behind the newest segment's end (first frame with boxes)",
        &demo.behind,
        &day.behind,
    );
    both(&format!("playlist reloads in {play_min:.1} min"), &demo.reloads, &day.reloads);
    both("playlist bytes per reload, transferred (median)", &demo.transfer, &day.transfer);
    both("playlist bytes per reload, body as sent (median)", &demo.encoded, &day.encoded);
    both(
        "longest main-thread task in the second after a reload, median",
        &demo.task_median,
        &day.task_median,
    );
    both(
        "longest main-thread task in the second after a reload, worst",
        &demo.task_worst,
        &day.task_worst,
    );
    both(&format!("long tasks over 50 ms in {play_min:.1} min"), &demo.long_tasks, &day.long_tasks);
    both("presented frames with boxes drawn", &demo.with_boxes, &day.with_boxes);
    both("longest stretch without boxes", &demo.no_boxes, &day.no_boxes);
    both(
        &format!("after a {} s pause, play: time to boxes again", PAUSE_MS / 1000),
        &demo.resume,
        &day.resume,
    );
    both("clock info said \"not known yet\" (pause, play)", &demo.not_known, &day.not_known);
    both("JS heap at the end (after a GC)", &demo.heap, &day.heap);
    both("wasm memory at the end", &demo.wasm, &day.wasm);

    // Day only: ?at=.
    let mut day_only = |name: String, c: Cell| rows.push([name, "-".into(), c.text, "-".into()]);
    let at_missing = if r.at["timeout"] == true { "timeout" } else { "none" };
    day_only(
        "?at= 12 h back: time to first boxes".into(),
        Cell::ms(r.at["firstBoxesMs"].as_f64(), at_missing),
    );
    let offset = r.at["offsetMs"].as_f64();
    let offset_cell = match offset {
        Some(ms) if ms.abs() >= 3_600_000.0 => Cell::num(ms, format!("{:+.2} h", ms / 3_600_000.0)),
        Some(ms) => Cell::num(ms, format!("{ms:+.0} ms")),
        None => Cell::text(at_missing),
    };
    day_only("?at= 12 h back: first frame drawn minus the time asked".into(), offset_cell);
    // Day only: an hour of growth.
    let f = r.fast;
    let grow = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) => Cell::num(
            b / 1_048_576.0,
            format!("{:.1} -> {:.1} MB", a / 1_048_576.0, b / 1_048_576.0),
        ),
        _ => Cell::text("n/a"),
    };
    let hours = fast_min * FAST_SPEED / 60.0;
    day_only(
        format!("day x{FAST_SPEED:.0}, {hours:.1} h of growth: JS heap start -> end"),
        grow(f.memory_start.map(|m| m.js_used), f.memory_end.map(|m| m.js_used)),
    );
    day_only(
        format!("day x{FAST_SPEED:.0}, {hours:.1} h of growth: wasm memory start -> end"),
        grow(f.memory_start.and_then(|m| m.wasm), f.memory_end.and_then(|m| m.wasm)),
    );
    let (fast_costs, how) = reload_costs(f);
    let cost = |v: Option<f64>| {
        v.map_or_else(|| Cell::text("none"), |v| Cell::num(v, format!("{v:.0} ms{how}")))
    };
    day_only(
        format!("day x{FAST_SPEED:.0}: longest task after a reload, median"),
        cost(median(&fast_costs)),
    );
    day_only(
        format!("day x{FAST_SPEED:.0}: longest task after a reload, worst"),
        cost(max(&fast_costs)),
    );
    let fast_cells = page_cells(f);
    day_only(
        format!("day x{FAST_SPEED:.0}: reloads in {fast_min:.1} min"),
        fast_cells.reloads.clone(),
    );
    let per_reload = f.segments_gained as f64 / f.reloads.len().max(1) as f64;
    day_only(
        format!("day x{FAST_SPEED:.0}: segments gained per reload"),
        Cell::num(per_reload, format!("{per_reload:.0}")),
    );
    day_only(
        format!("day x{FAST_SPEED:.0}: presented frames with boxes drawn"),
        fast_cells.with_boxes.clone(),
    );

    let mut out = String::new();
    let _ = writeln!(
        out,
        "Recordings page, a day of VAS recording (14,400 x 6 s segments, 4 runs, events 2/s per model x 2) against the demo recording (12 segments, 3 runs); viewer {}; production server in front of the VAS emulator; headless Chromium, one fresh browser per page; {play_min:.1} min of play per page",
        r.dist.display()
    );
    out.push_str(&table(&["figure", "demo", "day", "day / demo"], &rows));
    out.push('\n');
    let _ = writeln!(out, "\nRaw details");
    for (name, p) in [("demo", r.demo), ("day", r.day), (&*format!("day x{FAST_SPEED:.0}"), r.fast)]
    {
        details(&mut out, name, p);
    }
    let _ = writeln!(out, "  ?at={}: {}", r.asked, at_line(r.at));
    let _ = writeln!(out, "  run took {:.1} min (builds excluded)", r.elapsed.as_secs_f64() / 60.0);
    out
}

fn at_line(v: &Value) -> String {
    let mut s = format!(
        "first frame {} ms, first boxes {} ms, frame drawn at {} (media {} s of {} s)",
        show(&v["firstFrameMs"]),
        show(&v["firstBoxesMs"]),
        v["firstBoxes"]["frameUs"]
            .as_str()
            .and_then(|t| t.parse::<i64>().ok())
            .map_or("-".into(), |us| format_rfc3339_utc(UnixMicros(us))),
        v["firstBoxes"]["mt"].as_str().unwrap_or("-"),
        v["firstBoxes"]["duration"].as_f64().map_or("-".into(), |d| format!("{d:.1}")),
    );
    if let Some(n) = v["note"].as_str() {
        let _ = write!(s, "; start note: {n:?}");
    } else {
        s.push_str("; no start note");
    }
    if let Some(a) = v["alert"].as_str() {
        let _ = write!(s, "; alert: {a:?}");
    }
    if v["timeout"] == true {
        let _ = write!(
            s,
            "; TIMEOUT (video at {} s, overlay state {})",
            show(&v["currentTime"]),
            v["state"]
        );
    }
    if let Some(e) = v["error"].as_str() {
        let _ = write!(s, "; error: {e}");
    }
    s
}

pub(super) fn details(out: &mut String, name: &str, p: &PageRun) {
    let w = &p.window;
    let f = &p.first;
    let _ = writeln!(
        out,
        "  {name}: opened: first frame at media {} s, first boxes at media {} s of {} s, frame wall time {}, newest segment end {}{}{}",
        f["firstFrameMt"].as_f64().map_or("-".into(), |m| format!("{m:.2}")),
        f["firstBoxes"]["mt"].as_str().unwrap_or("-"),
        f["firstBoxes"]["duration"].as_f64().map_or("-".into(), |d| format!("{d:.1}")),
        f["firstBoxes"]["frameUs"].as_str().and_then(|t| t.parse::<i64>().ok()).map_or("-".into(), |us| format_rfc3339_utc(UnixMicros(us))),
        p.newest_end_us.map_or("-".into(), |us| format_rfc3339_utc(UnixMicros(us))),
        f["alert"].as_str().map_or(String::new(), |a| format!("; alert: {a:?}")),
        if f["timeout"] == true { format!("; TIMEOUT (video at {} s, overlay state {})", show(&f["currentTime"]), f["state"]) } else { String::new() },
    );
    if let Some(first) = w["firstReload"].as_object() {
        let n = |k: &str| first.get(k).and_then(Value::as_f64).unwrap_or(f64::NAN);
        let _ = writeln!(
            out,
            "  {name}: first playlist load: {:.1} kB transferred, {:.1} kB body, {:.1} kB decoded, {:.0} ms (request to response end); {} playlist loads in all",
            n("transfer") / 1024.0,
            n("encoded") / 1024.0,
            n("decoded") / 1024.0,
            n("end") - n("start"),
            show(&w["allReloads"])
        );
    }
    let _ = writeln!(out, "  {name}: {}", p.trace_note);
    if p.segments_gained > 0 {
        let _ = writeln!(
            out,
            "  {name}: the playlist gained {} segments over the period ({:.1} per reload)",
            p.segments_gained,
            p.segments_gained as f64 / p.reloads.len().max(1) as f64
        );
    }
    let per: Vec<String> = p
        .reloads
        .iter()
        .map(|r| {
            format!(
                "{:.1}s {:.0}kB task {} gap {:.0}",
                (r.end_ms - w["t0"].as_f64().unwrap_or(0.0)) / 1000.0,
                r.transfer / 1024.0,
                r.task_ms.map_or("-".into(), |t| format!("{t:.0}")),
                r.raf_gap_ms
            )
        })
        .collect();
    let _ = writeln!(out, "  {name}: reloads (time into the period, bytes transferred, longest task ms, worst frame gap ms over 50): {}", if per.is_empty() { "none".into() } else { per.join("; ") });
    let decoded: Vec<f64> = p.reloads.iter().map(|r| r.decoded).collect();
    if let Some(d) = median(&decoded) {
        let _ = writeln!(
            out,
            "  {name}: playlist decoded size per reload (median) {:.1} kB",
            d / 1024.0
        );
    }
    let long: Vec<String> = w["longtasks"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| format!("{:.0}", l[1].as_f64().unwrap_or(f64::NAN)))
        .collect();
    let _ = writeln!(
        out,
        "  {name}: long tasks (ms): {}",
        if long.is_empty() { "none".into() } else { long.join(", ") }
    );
    let gaps: Vec<f64> =
        w["rafGaps"].as_array().into_iter().flatten().filter_map(|g| g[1].as_f64()).collect();
    let _ = writeln!(
        out,
        "  {name}: animation-frame gaps over 50 ms: {} (worst {})",
        gaps.len(),
        max(&gaps).map_or("-".into(), |g| format!("{g:.0} ms"))
    );
    let q =
        |k: &str| w["q1"][k].as_f64().unwrap_or(f64::NAN) - w["q0"][k].as_f64().unwrap_or(f64::NAN);
    let _ = writeln!(
        out,
        "  {name}: period: {} presented frames seen, {} with boxes; video frames {} ({} dropped); media time {} -> {} s{}{}; {} stretches without boxes, longest: {}",
        show(&w["frames"]),
        show(&w["withBoxes"]),
        q("total"),
        q("dropped"),
        w["ct0"].as_f64().map_or("-".into(), |t| format!("{t:.1}")),
        w["ct1"].as_f64().map_or("-".into(), |t| format!("{t:.1}")),
        if w["paused"] == true { " (paused at the end)" } else { "" },
        if w["ended"] == true { " (at the end of the recording: the frame figures cover only what played)" } else { "" },
        show(&w["stretchCount"]),
        w["stretches"]
            .as_array()
            .into_iter()
            .flatten()
            .take(5)
            .map(|s| format!("{:.0} ms at {:.1} s (media {})", s["ms"].as_f64().unwrap_or(f64::NAN), s["at"].as_f64().unwrap_or(f64::NAN) / 1000.0, show(&s["mt"])))
            .collect::<Vec<_>>()
            .join("; ")
    );
    if let (Some(speed), Some(snap)) = (p.day_speed, p.snap) {
        event_fetches(out, name, w, speed, snap);
    }
    if let Some(v) = &p.pause {
        let _ = writeln!(
            out,
            "  {name}: pause{} at media {} s, play at {} s: boxes after {} ms{}; clock info at play: {:?}; after boxes: {:?}{}",
            v["rewound"].as_f64().map_or(String::new(), |r| format!(" (the recording had ended: played again from {r:.1} s first)")),
            show(&v["pausedAt"]),
            show(&v["resumedAt"]),
            show(&v["ms"]),
            if v["timeout"] == true { " (TIMEOUT)" } else { "" },
            v["infoAtPlay"].as_str().unwrap_or("-"),
            v["info"].as_str().unwrap_or("-"),
            v["playError"].as_str().map_or(String::new(), |e| format!("; play() failed: {e}"))
        );
    }
    for (when, m) in [("start", p.memory_start), ("end", p.memory_end)] {
        if let Some(m) = m {
            let _ = writeln!(
                out,
                "  {name}: memory at the {when}: JS heap {:.1} MB used of {:.1} MB, wasm {}",
                m.js_used / 1_048_576.0,
                m.js_total / 1_048_576.0,
                m.wasm.map_or("n/a".into(), |b| format!("{:.1} MB", b / 1_048_576.0))
            );
        }
    }
    for flag in ["resourceError", "longtaskError"] {
        if let Some(e) = w[flag].as_str() {
            let _ = writeln!(out, "  {name}: {flag}: {e}");
        }
    }
    if w["noFrameCallback"] == true {
        let _ = writeln!(
            out,
            "  {name}: this browser has no requestVideoFrameCallback: no frames were counted"
        );
    }
    for e in &p.errors {
        let _ = writeln!(out, "  {name}: {e}");
    }
}

/// The event windows the page fetched (from navigation), each against the
/// day's now when it was asked for: a window reaching past it was fetched
/// before all its rows existed.
fn event_fetches(out: &mut String, name: &str, w: &Value, speed: f64, snap: Newest) {
    let Some(origin) = w["timeOrigin"].as_f64() else { return };
    let param = |url: &str, key: &str| -> Option<i64> {
        let q = url.split_once('?')?.1;
        let v = q.split('&').find_map(|kv| kv.strip_prefix(&format!("{key}=")))?;
        parse_rfc3339(
            &v.replace("%3A", ":").replace("%3a", ":").replace("%2B", "+").replace("%2b", "+"),
        )
        .map(|t| t.0)
    };
    let hms = |us: i64| {
        format_rfc3339_utc(UnixMicros(us.div_euclid(1_000_000) * 1_000_000))
            .get(11..19)
            .unwrap_or("?")
            .to_string()
    };
    let mut past_now = 0;
    let mut lines = Vec::new();
    let fetches = w["eventFetches"].as_array().cloned().unwrap_or_default();
    for f in &fetches {
        let url = f["url"].as_str().unwrap_or_default();
        let (Some(from), Some(to), Some(start)) =
            (param(url, "start_time"), param(url, "end_time"), f["start"].as_f64())
        else {
            continue;
        };
        let wall = ((origin + start) * 1000.0) as i64;
        let day_now = snap.day_now_us + ((wall - snap.wall_us) as f64 * speed) as i64;
        let ahead_s = (to - day_now) as f64 / 1e6;
        past_now += usize::from(ahead_s > 0.0);
        lines.push(format!(
            "{:.1}s {}-{} {:.0}kB {:+.0}s",
            start / 1000.0,
            hms(from),
            hms(to),
            f["decoded"].as_f64().unwrap_or(0.0) / 1024.0,
            ahead_s
        ));
    }
    let _ = writeln!(
        out,
        "  {name}: event windows fetched: {} ({past_now} reaching past the day's now when asked for); each: time from navigation, window (UTC), body, window end minus the day's now: {}",
        fetches.len(),
        if lines.is_empty() { "none".into() } else { lines.join("; ") }
    );
}

pub(super) fn table(headers: &[&str; 4], rows: &[[String; 4]]) -> String {
    let mut widths = headers.map(str::len);
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: [&str; 4]| {
        let mut s = String::from("|");
        for (i, (c, w)) in cells.iter().zip(widths).enumerate() {
            if i == 0 {
                let _ = write!(s, " {c:<w$} |");
            } else {
                let _ = write!(s, " {c:>w$} |");
            }
        }
        s
    };
    let mut out = line(*headers);
    out.push('\n');
    let dashes = widths.map(|w| "-".repeat(w));
    out.push_str(&line([&dashes[0], &dashes[1], &dashes[2], &dashes[3]]));
    for r in rows {
        out.push('\n');
        out.push_str(&line([&r[0], &r[1], &r[2], &r[3]]));
    }
    out
}

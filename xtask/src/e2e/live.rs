//! Live end-to-end tests on the real SFU: signaling conformance, stall and recovery, a hidden tab and a stepped wall clock (`live/background.rs`), alignment per clock method, clock skew.
//!
//! Runs inside the rig's network namespace (see `rig/netns.rs`) against the
//! built viewer. Figures go to stdout and to `target/live-figures.json`.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use anyhow::bail;
use serde_json::{json, Value};

use crate::browser::page_scripts::polling_script;
use crate::browser::Browser;
use crate::rig::{netns, Rig, RigCamera, RigEvents, RigOptions};
use crate::{repo_root, Result};

// A hidden live tab and a stepped wall clock.
mod background;
// Frame accuracy against VAS-truthful event stamps (also `cargo xtask bench --live-calibration`).
pub mod calibration;
// Wild rows and stepped event stamps against the live poller's agreed clock.
mod clock_faults;

/// A fed camera and one without a stream.
pub(crate) const CAM_FED: &str = "5e1f0000-0000-4000-8000-00000000c001";
const CAM_IDLE: &str = "5e1f0000-0000-4000-8000-00000000c002";
/// How long each alignment run records: at least 20 s of live video after start-up.
const PROBE_MS: u64 = 24_000;
/// The server's clock against the browser's in the skew runs.
pub const SKEW_MS: i64 = 2_500;
/// Events are posted this long after their frame (inference latency).
pub const EVENT_LATENESS_MS: u32 = 80;

/// Waits (a MutationObserver in the page) until the player's state is one of
/// `states`; reports the state, its text and the time since page open.
const WAIT_FOR_STATE: &str = r#"
const [states, limitMs, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
const report = (el, timeout) => done({state: el ? el.dataset.playerState : null, text: el ? el.textContent : null, t: performance.now(), timeout});
const check = () => {
  const el = document.querySelector('[data-player-state]');
  if (el && states.includes(el.dataset.playerState)) { observer.disconnect(); clearTimeout(timer); report(el, false); return true; }
  return false;
};
const observer = new MutationObserver(check);
const timer = setTimeout(() => { observer.disconnect(); report(document.querySelector('[data-player-state]'), true); }, limitMs);
if (!check()) observer.observe(document.documentElement, {subtree: true, childList: true, attributes: true, attributeFilter: ['data-player-state']});
"#;

/// The page's text (to check what the camera list shows).
const BODY_TEXT: &str = r#"
const [limitMs, done] = [arguments[0], arguments[arguments.length - 1]];
const look = () => document.querySelector('a[href^="/cameras/"]') ? done(document.body.innerText) : null;
const observer = new MutationObserver(look);
setTimeout(() => { observer.disconnect(); done(document.body.innerText); }, limitMs);
if (look() === null) observer.observe(document.documentElement, {subtree: true, childList: true});
"#;

pub(super) fn expect(cond: bool, what: &str, detail: impl std::fmt::Display) -> Result {
    crate::e2e::ensure_loud("live e2e", cond, what, detail)
}

fn rig_options(clock_offset_ms: i64) -> RigOptions {
    RigOptions {
        cameras: vec![
            RigCamera { id: CAM_FED.into(), name: "Rig camera (live scene)".into(), feed: true },
            RigCamera { id: CAM_IDLE.into(), name: "Rig camera (not started)".into(), feed: false },
        ],
        rtc_ip: netns::RTC_IP.into(),
        events: RigEvents::every_frame(EVENT_LATENESS_MS),
        clock_offset_ms,
        front_bind: "127.0.0.1:0".into(),
        dist_dir: None,
    }
}

/// Runs every live test; returns how many checks passed.
pub fn run_all() -> Result<usize> {
    let mut passed = 0;
    let mut figures = Vec::new();
    // VAS_LIVE_ONLY=clock runs only the clock-fault part, on its own rig (development only).
    if std::env::var("VAS_LIVE_ONLY").as_deref() == Ok("clock") {
        return clock_faults::run();
    }
    // VAS_LIVE_ONLY=calibration runs only the VAS-truthful calibration part (development only).
    if std::env::var("VAS_LIVE_ONLY").as_deref() == Ok("calibration") {
        return calibration::run_e2e();
    }
    // VAS_LIVE_ONLY=background runs only the hidden-tab and wall-clock part (development only).
    if std::env::var("VAS_LIVE_ONLY").as_deref() == Ok("background") {
        let rig = Rig::start(&rig_options(0))?;
        let browser = Browser::start()?;
        browser.set_script_timeout(120_000)?;
        return background::run(&rig, &browser);
    }
    {
        let rig = Rig::start(&rig_options(0))?;
        let browser = Browser::start()?;
        browser.set_script_timeout(120_000)?;
        // VAS_LIVE_ONLY=alignment skips the conformance part (development only).
        if std::env::var("VAS_LIVE_ONLY").as_deref() != Ok("alignment") {
            passed += conformance(&rig, &browser)?;
            passed += background::run(&rig, &browser)?;
        }
        for (method, delay) in [
            ("rtp-sr", true),
            ("rtp-sr-median", true),
            ("rtp-sr", false),
            ("receive", true),
            ("arrival", true),
        ] {
            let f = alignment(&rig, &browser, method, delay, 0)?;
            passed += check_alignment(&f)?;
            figures.push(f);
        }
        passed += screenshot(&rig, &browser)?;
        drop(browser);
        passed += over_tls(&rig)?;
    }
    // The server's clock ahead of the browser's, then behind it.
    for (skew, methods) in
        [(SKEW_MS, &["rtp-sr", "receive", "arrival"][..]), (-SKEW_MS, &["rtp-sr"][..])]
    {
        let rig = Rig::start(&rig_options(skew))?;
        let browser = Browser::start()?;
        browser.set_script_timeout(120_000)?;
        for method in methods {
            let f = alignment(&rig, &browser, method, true, skew)?;
            passed += check_alignment(&f)?;
            figures.push(f);
        }
    }
    // An overlay panic on the live page, in the test-only fault-injection build.
    {
        let rig = Rig::start(&RigOptions {
            dist_dir: Some(repo_root().join(crate::FAULT_INJECTION_DIST)),
            ..rig_options(0)
        })?;
        let browser = Browser::start()?;
        browser.set_script_timeout(120_000)?;
        passed += crate::e2e::overlay_panic::run_live(&browser, &rig.url(), CAM_FED)?;
    }
    // VAS-truthful stamps, rates and no track ids, on rigs of their own.
    passed += calibration::run_e2e()?;
    passed += clock_faults::run()?; // last, on a rig of its own: its wild rows stay in that rig's VAS
    print_figures(&figures);
    let out = repo_root().join("target/live-figures.json");
    let _ = std::fs::write(&out, serde_json::to_string_pretty(&figures).unwrap_or_default());
    println!("  figures: {}", out.display());
    Ok(passed)
}

// ---------------------------------------------------------------------------
// Signaling conformance, stall and recovery

pub(crate) fn wait_state(browser: &Browser, states: &[&str], limit_ms: u64) -> Result<Value> {
    browser.execute_async(WAIT_FOR_STATE, json!([states, limit_ms]))
}

/// The rig's message log: entries `{conn, dir, type, payload, overlapping}`.
pub(super) fn log(rig: &Rig) -> Result<Vec<Value>> {
    Ok(rig.get("/__rig/log")?.as_array().cloned().unwrap_or_default())
}

/// The request types a connection sent, in order.
fn sent(log: &[Value], conn: u64) -> Vec<String> {
    log.iter()
        .filter(|e| e["conn"] == conn && e["dir"] == "in")
        .filter_map(|e| e["type"].as_str().map(str::to_owned))
        .collect()
}

pub(super) fn connections(log: &[Value]) -> Vec<u64> {
    let mut c: Vec<u64> =
        log.iter().filter(|e| e["dir"] == "open").filter_map(|e| e["conn"].as_u64()).collect();
    c.dedup();
    c
}

/// Waits (bounded) until the rig's log satisfies `cond`; the log is in another
/// process, so it is asked every 100 ms.
pub(super) fn wait_log(
    rig: &Rig,
    limit: Duration,
    cond: impl Fn(&[Value]) -> bool,
) -> Result<Vec<Value>> {
    let deadline = Instant::now() + limit;
    loop {
        let l = log(rig)?;
        if cond(&l) || Instant::now() > deadline {
            return Ok(l);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

const SEQUENCE: [&str; 5] = [
    "getRouterRtpCapabilities",
    "createWebRtcTransport",
    "getProducers",
    "consume",
    "connectWebRtcTransport",
];
const PRODUCER_SIDE: [&str; 3] = ["createPlainRtpTransport", "createProducer", "closeProducer"];

fn transport_of(log: &[Value], conn: u64) -> Option<String> {
    log.iter()
        .find(|e| e["conn"] == conn && e["type"] == "consume")
        .and_then(|e| e["payload"]["transportId"].as_str().map(str::to_owned))
}

fn closed(log: &[Value], conn: u64) -> Vec<String> {
    log.iter()
        .filter(|e| e["conn"] == conn && e["type"] == "closeTransport")
        .filter_map(|e| e["payload"]["transportId"].as_str().map(str::to_owned))
        .collect()
}

fn conformance(rig: &Rig, browser: &Browser) -> Result<usize> {
    let base = rig.url();
    let mut passed = 0;
    let live_url = |cam: &str| format!("{base}cameras/{cam}");

    // 1. The camera list links the live cameras and never shows an rtsp_url.
    browser.goto(&base)?;
    let body = browser.execute_async(BODY_TEXT, json!([20_000]))?;
    let text = body.as_str().unwrap_or_default();
    expect(
        text.contains("Rig camera (live scene)")
            && text.contains("Live")
            && !text.contains("secret"),
        "the camera list shows the rig cameras with a Live link",
        text,
    )?;
    passed += 1;

    // 2. The exact sequence, one request at a time, to a live picture.
    rig.post("/__rig/reset-log", json!({}))?;
    let t0 = Instant::now();
    browser.goto(&live_url(CAM_FED))?;
    let s = wait_state(browser, &["live"], 30_000)?;
    expect(s["state"] == "live", "the live page reaches the live state", &s)?;
    println!("    live after {:.0} ms from page open", s["t"].as_f64().unwrap_or(0.0));
    let l = log(rig)?;
    let conns = connections(&l);
    expect(conns.len() == 1, "one signaling connection", json!(conns))?;
    let seq = sent(&l, conns[0]);
    expect(seq == SEQUENCE, "the viewer's exact message sequence", json!(seq))?;
    expect(
        l.iter().all(|e| e["overlapping"] != true),
        "never a second request while one is unanswered",
        json!(l),
    )?;
    expect(
        l.iter().all(|e| !PRODUCER_SIDE.contains(&e["type"].as_str().unwrap_or_default())),
        "never a producer-side message",
        "",
    )?;
    let consume = l.iter().find(|e| e["type"] == "consume").cloned().unwrap_or_default();
    let codecs: Vec<String> = consume["payload"]["rtpCapabilities"]["codecs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["mimeType"].as_str().map(str::to_ascii_lowercase))
        .collect();
    expect(
        !codecs.is_empty() && codecs.iter().all(|c| c == "video/h264" || c == "video/rtx"),
        "consume offers H.264 only",
        json!(codecs),
    )?;
    let producers = rig.get("/__rig/state")?["cameras"][CAM_FED]["producers"].clone();
    expect(
        consume["payload"]["producerId"]
            == producers.as_array().and_then(|p| p.last()).cloned().unwrap_or_default(),
        "the last listed producer is consumed",
        &producers,
    )?;
    passed += 7;

    // 3. Leaving sends closeTransport for the viewer's own transport.
    let transport = transport_of(&l, conns[0]).unwrap_or_default();
    browser.goto(&base)?;
    let l = wait_log(rig, Duration::from_secs(10), |l| !closed(l, conns[0]).is_empty())?;
    expect(
        closed(&l, conns[0]) == [transport.clone()],
        "leaving the page closes the viewer's own transport",
        json!(closed(&l, conns[0])),
    )?;
    let open = rig.get("/__rig/state")?["transports"].clone();
    expect(
        !open.as_array().into_iter().flatten().any(|t| t == transport.as_str()),
        "the server no longer holds it",
        &open,
    )?;
    // VAS's relay (the front) keeps its upstream connection, as VAS does;
    // the production server closed its own side, so nothing else stays open.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while rig.signaling_clients_open() > 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let sides = json!({"server sessions open at VAS": rig.signaling_clients_open(), "kept by VAS's relay": rig.signaling_leaked()});
    expect(
        rig.signaling_clients_open() == 0 && rig.signaling_leaked() >= 1,
        "the server closed its side of the signaling; VAS's relay kept its own (as VAS does)",
        &sides,
    )?;
    passed += 3;

    // 4. An error reply: teardown, then a new session that works.
    rig.post("/__rig/reset-log", json!({}))?;
    rig.post("/__rig/faults", json!([{"on": "consume", "reply": "error", "count": 1}]))?;
    browser.goto(&live_url(CAM_FED))?;
    let s = wait_state(browser, &["reconnecting"], 20_000)?;
    expect(
        s["state"] == "reconnecting"
            && s["text"].as_str().unwrap_or_default().contains("Injected failure"),
        "an error reply shows as reconnecting, with the reason",
        &s,
    )?;
    let s = wait_state(browser, &["live"], 30_000)?;
    expect(s["state"] == "live", "the next session plays", &s)?;
    let l = log(rig)?;
    let conns = connections(&l);
    let first = conns.first().copied().unwrap_or_default();
    expect(
        sent(&l, first)
            == [
                "getRouterRtpCapabilities",
                "createWebRtcTransport",
                "getProducers",
                "consume",
                "closeTransport",
            ],
        "after the error: closeTransport, nothing else",
        json!(sent(&l, first)),
    )?;
    expect(
        conns.len() == 2 && sent(&l, conns[1]) == SEQUENCE,
        "a fresh connection with the full sequence",
        json!(conns),
    )?;
    passed += 4;

    // 5. A request that is never answered: the 10 s timeout, then a new session.
    rig.post("/__rig/reset-log", json!({}))?;
    rig.post("/__rig/faults", json!([{"on": "getProducers", "reply": "silent", "count": 1}]))?;
    browser.goto(&base)?;
    browser.goto(&live_url(CAM_FED))?;
    let s = wait_state(browser, &["reconnecting"], 25_000)?;
    let t_timeout = s["t"].as_f64().unwrap_or(0.0);
    expect(
        s["state"] == "reconnecting"
            && s["text"].as_str().unwrap_or_default().contains("no answer to getProducers"),
        "an unanswered request times out",
        &s,
    )?;
    expect((9_000.0..16_000.0).contains(&t_timeout), "after about 10 s", t_timeout)?;
    let s = wait_state(browser, &["live"], 30_000)?;
    expect(s["state"] == "live", "and the next session plays", &s)?;
    let l = log(rig)?;
    let first = connections(&l).first().copied().unwrap_or_default();
    expect(
        sent(&l, first)
            == [
                "getRouterRtpCapabilities",
                "createWebRtcTransport",
                "getProducers",
                "closeTransport",
            ],
        "the timed-out session closed its transport",
        json!(sent(&l, first)),
    )?;
    passed += 5;

    // 5b. The signaling socket refused twice (closed before its handshake):
    //     reconnecting with the reason, back-off, then a session that plays.
    browser.goto(&base)?;
    rig.post("/__rig/reset-log", json!({}))?;
    rig.refuse_signaling(2);
    let refused_at = Instant::now();
    browser.goto(&live_url(CAM_FED))?;
    let s = wait_state(browser, &["reconnecting"], 20_000)?;
    expect(
        s["state"] == "reconnecting" && !s["text"].as_str().unwrap_or_default().is_empty(),
        "a refused signaling socket shows as reconnecting, with the reason",
        &s,
    )?;
    let s = wait_state(browser, &["live"], 40_000)?;
    expect(s["state"] == "live", "once the socket is accepted again, the session plays", &s)?;
    expect(
        rig.signaling_refusals_left() == 0,
        "both refused connections were attempts of the page",
        rig.signaling_refusals_left(),
    )?;
    let l = log(rig)?;
    let conns = connections(&l);
    let last = conns.last().copied().unwrap_or_default();
    expect(
        sent(&l, last) == SEQUENCE,
        "the connection accepted after them carries the full sequence",
        json!(sent(&l, last)),
    )?;
    println!(
        "    refused twice: live {:.1} s after the first refusal",
        refused_at.elapsed().as_secs_f64()
    );
    passed += 4;

    // 6. An empty producer list: stream not started, and picked up once it starts.
    rig.post("/__rig/reset-log", json!({}))?;
    browser.goto(&live_url(CAM_IDLE))?;
    let s = wait_state(browser, &["not-started"], 20_000)?;
    expect(
        s["state"] == "not-started",
        "an empty producer list shows the stream as not started",
        &s,
    )?;
    // The state can show before the rig has logged the closeTransport sent with it.
    let l = wait_log(rig, Duration::from_secs(5), |l| {
        connections(l).first().is_some_and(|c| !closed(l, *c).is_empty())
    })?;
    let first = connections(&l).first().copied().unwrap_or_default();
    expect(
        sent(&l, first)
            == [
                "getRouterRtpCapabilities",
                "createWebRtcTransport",
                "getProducers",
                "closeTransport",
            ],
        "no consume without a producer; the transport is closed",
        json!(sent(&l, first)),
    )?;
    rig.post("/__rig/feed", json!({"camera": CAM_IDLE, "action": "start"}))?;
    let t = Instant::now();
    let s = wait_state(browser, &["live"], 30_000)?;
    expect(s["state"] == "live", "a stream started later is picked up", &s)?;
    println!("    picked up {:.1} s after the stream started", t.elapsed().as_secs_f64());
    rig.post("/__rig/feed", json!({"camera": CAM_IDLE, "action": "stop", "close": true}))?;
    passed += 3;

    // 7. The producer dies mid-stream (it stays listed, stale): stall, then
    //    recovery once a new producer appears.
    browser.goto(&live_url(CAM_FED))?;
    let s = wait_state(browser, &["live"], 30_000)?;
    expect(s["state"] == "live", "playing before the producer dies", &s)?;
    let playing = connections(&log(rig)?).last().copied().unwrap_or_default();
    let killed = Instant::now();
    rig.post("/__rig/feed", json!({"camera": CAM_FED, "action": "stop"}))?;
    let s = wait_state(browser, &["stalled"], 20_000)?;
    let stall_s = killed.elapsed().as_secs_f64();
    expect(s["state"] == "stalled", "a dead producer is noticed as a stall", &s)?;
    let l = wait_log(rig, Duration::from_secs(5), |l| !closed(l, playing).is_empty())?;
    expect(
        closed(&l, playing).len() == 1,
        "the stalled session closed its transport",
        json!(sent(&l, playing)),
    )?;
    let restarted = Instant::now();
    rig.post("/__rig/feed", json!({"camera": CAM_FED, "action": "start"}))?;
    let s = wait_state(browser, &["live"], 40_000)?;
    let recover_s = restarted.elapsed().as_secs_f64();
    expect(s["state"] == "live", "live again once a new producer appears", &s)?;
    let l = log(rig)?;
    let consumed: Vec<String> = l
        .iter()
        .filter(|e| e["type"] == "consume" && e["conn"].as_u64() > Some(playing))
        .filter_map(|e| e["payload"]["producerId"].as_str().map(str::to_owned))
        .collect();
    let producers = rig.get("/__rig/state")?["cameras"][CAM_FED]["producers"].clone();
    expect(
        consumed.last()
            == producers
                .as_array()
                .and_then(|p| p.last())
                .and_then(Value::as_str)
                .map(str::to_owned)
                .as_ref(),
        "the new producer (the last listed) is consumed",
        json!({"consumed": consumed, "listed": producers}),
    )?;
    println!(
        "    stall noticed {stall_s:.1} s after the producer died; live {recover_s:.1} s after the new producer appeared; sessions after the stall: {}",
        connections(&l).iter().filter(|c| **c > playing).count()
    );
    passed += 4;
    let _ = t0;
    Ok(passed)
}

/// Waits for boxes on the live picture and keeps a screenshot of it.
fn screenshot(rig: &Rig, browser: &Browser) -> Result<usize> {
    const WAIT_FOR_BOXES: &str = polling_script!(
        r#"
const [limitMs, done] = [arguments[0], arguments[arguments.length - 1]];
poll({done, limitMs}, (now, timedOut) => {
  const root = document.querySelector('[data-overlay-root]');
  const boxes = root ? [...root.querySelectorAll('[data-kind=box]')].filter(b => b.style.display !== 'none').length : 0;
  const clock = root && root.getAttribute('data-clock');
  if ((boxes >= 3 && clock === 'rtp-sr') || timedOut()) return {boxes, clock};
});
"#
    );
    browser.goto(&format!("{}cameras/{CAM_FED}", rig.url()))?;
    let s = browser.execute_async(WAIT_FOR_BOXES, json!([20_000]))?;
    expect(
        s["boxes"].as_u64() >= Some(3) && s["clock"] == "rtp-sr",
        "boxes on the live picture, clock rtp-sr",
        &s,
    )?;
    let png = browser.screenshot_png()?;
    let out = repo_root().join("target/e2e");
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join("live-camera.png"), &png)?;
    println!("  screenshot: target/e2e/live-camera.png ({} bytes)", png.len());
    browser.goto(&rig.url())?;
    Ok(1)
}

// ---------------------------------------------------------------------------
// Alignment

/// One alignment run's figures.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Figures {
    pub method: String,
    /// The playout delay was on.
    pub delay: bool,
    /// Its target at the end of the run (ms).
    pub delay_ms: Option<f64>,
    pub skew_ms: i64,
    /// Frames the overlay drew (one per presented frame it saw).
    pub frames: usize,
    /// ... with boxes whose source frame was identified.
    pub with_boxes: usize,
    pub exact: usize,
    pub within_one: usize,
    /// Boxes of a later frame than the one on screen.
    pub later: usize,
    pub earlier: usize,
    pub none: usize,
    pub unmatched: usize,
    pub worst_frames: i64,
    /// The overlay's frame time minus the frame's true VAS time (ms), over
    /// the frames timed by the run's own method (start-up frames timed by a
    /// lesser one are counted in `clocks`).
    pub clock_median_ms: f64,
    pub clock_p95_abs_ms: f64,
    pub clock_max_abs_ms: f64,
    /// Page open to the first frame whose boxes were its own.
    pub first_aligned_ms: Option<f64>,
    /// From that frame on (start-up excluded): frames, and those with their own boxes.
    pub steady_frames: usize,
    pub steady_exact: usize,
    /// Methods the overlay reported, with frame counts.
    pub clocks: BTreeMap<String, usize>,
    pub pixel_reads: usize,
}

const PROBE_JS: &str = include_str!("live/probe.js");

/// Truth for one stream: frame number to (VAS time in us, box centres by track, in video pixels).
type Truth = HashMap<i64, (i64, HashMap<i64, (f64, f64)>)>;

fn truth(rig: &Rig, stream: u64) -> Result<Truth> {
    let mut out = Truth::new();
    for page in 0..6 {
        let v = rig.api(&format!(
            "/api/v1/ai-events/cameras/{CAM_FED}/events?limit=1000&offset={}",
            page * 1000
        ))?;
        let events = v["events"].as_array().cloned().unwrap_or_default();
        for e in &events {
            if e["event_metadata"]["rig_stream"].as_u64() != Some(stream) {
                continue;
            }
            let (Some(n), Some(ts)) = (e["frame_id"].as_i64(), e["timestamp"].as_str()) else {
                continue;
            };
            let ts = vas_emulator::parse_time_us(ts).unwrap_or(0);
            let mut boxes = HashMap::new();
            for d in e["detections"]["detections"].as_array().into_iter().flatten() {
                let b: Vec<f64> =
                    d["bbox"].as_array().into_iter().flatten().filter_map(Value::as_f64).collect();
                if let (Some(track), [x1, y1, x2, y2]) = (d["track_id"].as_i64(), b.as_slice()) {
                    boxes.insert(track, ((x1 + x2) / 2.0 * 640.0, (y1 + y2) / 2.0 * 360.0));
                }
            }
            out.insert(n, (ts, boxes));
        }
        if events.len() < 1000 {
            break;
        }
    }
    Ok(out)
}

/// The live page over HTTPS, its signaling over WSS: the production server
/// terminating TLS (rustls) with a self-signed certificate, in front of the
/// same rig; the browser is told to accept that certificate.
fn over_tls(rig: &Rig) -> Result<usize> {
    let (cert, key) = crate::viewer_server::self_signed_tls(&repo_root().join("target/tls"))?;
    let extra = vec![
        "--tls-cert".into(),
        cert.display().to_string(),
        "--tls-key".into(),
        key.display().to_string(),
    ];
    let server = crate::viewer_server::in_front_of_with(
        &rig.vas_url(),
        &repo_root().join("dist"),
        Some(&repo_root().join("static/demo")),
        "rig-tls",
        "127.0.0.1:0",
        Some(crate::viewer_server::EMULATED_VAS_KEY.into()),
        extra,
    )?;
    expect(server.url().starts_with("https://"), "the server serves HTTPS", server.url())?;
    let browser = Browser::start_with(&["--ignore-certificate-errors"])?;
    browser.set_script_timeout(60_000)?;
    browser.goto(&format!("{}cameras/{CAM_FED}", server.url()))?;
    let s = browser.execute_async(
        polling_script!(r#"
const [limitMs, done] = [arguments[0], arguments[arguments.length - 1]];
poll({done, limitMs}, (now, timedOut) => {
  const root = document.querySelector('[data-overlay-root]');
  const boxes = root ? [...root.querySelectorAll('[data-kind=box]')].filter(b => b.style.display !== 'none').length : 0;
  const video = document.querySelector('video');
  if ((boxes >= 3 && video && video.currentTime > 0.5) || timedOut()) return {boxes, playing: video ? video.currentTime : null, protocol: location.protocol, secure: window.isSecureContext};
});
"#),
        json!([30_000]),
    )?;
    expect(
        s["boxes"].as_u64() >= Some(3) && s["protocol"] == "https:" && s["secure"] == true,
        "over HTTPS and WSS through the server's own TLS: live video plays with boxes",
        &s,
    )?;
    Ok(1)
}

fn alignment(
    rig: &Rig,
    browser: &Browser,
    method: &str,
    delay: bool,
    skew_ms: i64,
) -> Result<Figures> {
    let stream = rig.get("/__rig/state")?["cameras"][CAM_FED]["stream"].as_u64().unwrap_or(1);
    let off = if delay { "" } else { "&delay=off" };
    // `rtp-sr-median`: the method as first proposed, anchored on the running median.
    let clock = match method {
        "rtp-sr-median" => "rtp-sr&anchor=0.5",
        m => m,
    };
    browser.goto(&format!("{}cameras/{CAM_FED}?clock={clock}{off}", rig.url()))?;
    let probe = browser.execute_async(PROBE_JS, json!([PROBE_MS]))?;
    browser.goto(&rig.url())?;
    if let Some(e) = probe["error"].as_str() {
        bail!("probe: {e}");
    }
    // The raw record stays for inspection beside the figures.
    let raw = repo_root().join(format!(
        "target/live-probe-{method}-{}-{skew_ms}.json",
        if delay { "delay" } else { "nodelay" }
    ));
    let _ = std::fs::write(raw, probe.to_string());
    let truth = truth(rig, stream)?;
    let mut f = analyze(method, skew_ms, &probe, &truth);
    f.delay = delay;
    f.delay_ms = probe["delayMs"].as_str().and_then(|d| d.parse().ok());
    Ok(f)
}

/// Extends RTP timestamps around a reference without wrapping.
fn unwrap_rtp(reference: u32, rtp: u32) -> i64 {
    i64::from(reference) + i64::from(rtp.wrapping_sub(reference) as i32)
}

/// RTP time to the frame number burned into the pixels, learnt from a probe's
/// pixel reads: RTP time = offset + 3000 * frame number, the most common offset
/// winning (single misreads do not matter).
pub(super) struct FrameNumbering {
    reference: u32,
    offset: i64,
    /// Pixel reads the probe made.
    pub reads: usize,
}

impl FrameNumbering {
    /// None when no frame number was read.
    pub(super) fn learn(probe: &Value) -> Option<FrameNumbering> {
        let reads: Vec<(u32, i64)> = probe["reads"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| Some((r[0].as_u64()? as u32, r[1].as_i64()?)))
            .collect();
        let reference = reads.first()?.0;
        let mut offsets: HashMap<i64, usize> = HashMap::new();
        for (rtp, n) in &reads {
            *offsets.entry(unwrap_rtp(reference, *rtp) - 3000 * n).or_default() += 1;
        }
        let offset = offsets.into_iter().max_by_key(|(_, c)| *c).map(|(o, _)| o)?;
        Some(FrameNumbering { reference, offset, reads: reads.len() })
    }

    /// The frame number of an RTP timestamp; None off the 3000-tick grid.
    pub(super) fn frame(&self, rtp: u64) -> Option<i64> {
        let ext = unwrap_rtp(self.reference, rtp as u32) - self.offset;
        (ext % 3000 == 0).then_some(ext / 3000)
    }
}

fn analyze(method: &str, skew_ms: i64, probe: &Value, truth: &Truth) -> Figures {
    let numbering = FrameNumbering::learn(probe);
    let mut f = Figures {
        method: method.into(),
        delay: true,
        delay_ms: None,
        skew_ms,
        frames: 0,
        with_boxes: 0,
        exact: 0,
        within_one: 0,
        later: 0,
        earlier: 0,
        none: 0,
        unmatched: 0,
        worst_frames: 0,
        clock_median_ms: f64::NAN,
        clock_p95_abs_ms: f64::NAN,
        clock_max_abs_ms: f64::NAN,
        first_aligned_ms: None,
        steady_frames: 0,
        steady_exact: 0,
        clocks: BTreeMap::new(),
        pixel_reads: numbering.as_ref().map_or(0, |f| f.reads),
    };
    let Some(numbering) = numbering else { return f };
    let mut clock_errors = Vec::new();
    for s in probe["samples"].as_array().into_iter().flatten() {
        let Some(n) = s["rtp"].as_u64().and_then(|rtp| numbering.frame(rtp)) else { continue };
        f.frames += 1;
        if f.first_aligned_ms.is_some() {
            f.steady_frames += 1;
        }
        *f.clocks.entry(s["clock"].as_str().unwrap_or_default().to_owned()).or_default() += 1;
        let own_method = s["clock"].as_str() == Some(method.trim_end_matches("-median"));
        if let (Some((true_us, _)), Some(vas), true) =
            (truth.get(&n), s["vas"].as_f64().filter(|v| *v > 0.0), own_method)
        {
            clock_errors.push((vas - *true_us as f64) / 1000.0);
        }
        let drawn: Vec<(i64, f64, f64)> = s["boxes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|b| Some((b[0].as_i64()?, b[1].as_f64()?, b[2].as_f64()?)))
            .collect();
        if drawn.is_empty() {
            f.none += 1;
            continue;
        }
        // The source frame whose boxes lie closest to the drawn ones.
        let best = (n - 15..=n + 15)
            .filter_map(|m| {
                let (_, boxes) = truth.get(&m)?;
                let errs: Vec<f64> = drawn
                    .iter()
                    .filter_map(|(t, x, y)| boxes.get(t).map(|(bx, by)| (x - bx).hypot(y - by)))
                    .collect();
                (!errs.is_empty()).then(|| (m, errs.iter().sum::<f64>() / errs.len() as f64))
            })
            .min_by(|a, b| a.1.total_cmp(&b.1));
        let Some((m, err)) = best.filter(|(_, e)| *e < 2.5) else {
            f.unmatched += 1;
            continue;
        };
        let _ = err;
        f.with_boxes += 1;
        let d = m - n;
        f.worst_frames = f.worst_frames.max(d.abs());
        match d {
            0 => {
                f.exact += 1;
                if f.first_aligned_ms.is_none() {
                    f.first_aligned_ms = s["t"].as_f64();
                    f.steady_frames += 1;
                }
                f.steady_exact += 1;
            }
            d if d > 0 => f.later += 1,
            _ => f.earlier += 1,
        }
        if d.abs() <= 1 {
            f.within_one += 1;
        }
    }
    if !clock_errors.is_empty() {
        clock_errors.sort_by(f64::total_cmp);
        f.clock_median_ms = clock_errors[clock_errors.len() / 2];
        let mut abs: Vec<f64> = clock_errors.iter().map(|e| e.abs()).collect();
        abs.sort_by(f64::total_cmp);
        f.clock_p95_abs_ms = abs[(abs.len() * 95 / 100).min(abs.len() - 1)];
        f.clock_max_abs_ms = *abs.last().unwrap_or(&f64::NAN);
    }
    f
}

fn pct(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        100.0 * a as f64 / b as f64
    }
}

fn print_figures(all: &[Figures]) {
    println!("  alignment on the real SFU ({} s per run, events posted {EVENT_LATENESS_MS} ms after their frame):", PROBE_MS / 1000);
    println!("  method        delay_ms skew_ms frames exact% within1% later none earlier unmatched worst_frames clock_med_ms clock_p95_ms clock_max_ms first_aligned_ms steady_exact%");
    for f in all {
        println!(
            "  {:13} {:>8} {:7} {:6} {:6.1} {:8.1} {:5} {:4} {:7} {:9} {:12} {:12.1} {:12.1} {:12.1} {:>16} {:13.1}",
            f.method,
            if f.delay { f.delay_ms.map_or("?".into(), |d| format!("{d:.0}")) } else { "off".into() },
            f.skew_ms,
            f.frames,
            pct(f.exact, f.frames),
            pct(f.within_one, f.frames),
            f.later,
            f.none,
            f.earlier,
            f.unmatched,
            f.worst_frames,
            f.clock_median_ms,
            f.clock_p95_abs_ms,
            f.clock_max_abs_ms,
            f.first_aligned_ms.map_or("never".into(), |t| format!("{t:.0}")),
            pct(f.steady_exact, f.steady_frames)
        );
    }
}

/// The pass criteria of one run (the figures themselves are reported either way).
fn check_alignment(f: &Figures) -> Result<usize> {
    let what = format!(
        "{} (delay {}, skew {} ms)",
        f.method,
        if f.delay { "on" } else { "off" },
        f.skew_ms
    );
    expect(
        f.frames >= 400 && f.pixel_reads >= 400,
        &format!("{what}: at least 400 presented frames seen"),
        format!("{f:?}"),
    )?;
    if f.method == "rtp-sr" && !f.delay {
        // Without the playout delay the frame's own event is not there in time.
        expect(f.later == 0, &format!("{what}: never a box from a later frame"), format!("{f:?}"))?;
        return Ok(2);
    }
    if f.method == "rtp-sr" {
        expect(
            f.clock_p95_abs_ms < 16.7,
            &format!("{what}: frame clock within half a frame (p95)"),
            format!("{f:?}"),
        )?;
        expect(f.later == 0, &format!("{what}: never a box from a later frame"), format!("{f:?}"))?;
        expect(
            pct(f.within_one, f.frames) >= 50.0,
            &format!("{what}: most frames carry boxes of their own frame (within one)"),
            format!("{f:?}"),
        )?;
        return Ok(4);
    }
    Ok(1)
}

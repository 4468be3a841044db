//! Signaling conformance on the real SFU: the viewer's exact message sequence, error replies, timeouts, refused sockets, a stream not started, stall and recovery.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::{connections, expect, log, wait_log, wait_state, CAM_FED, CAM_IDLE};
use crate::browser::Browser;
use crate::rig::Rig;
use crate::Result;

/// The page's text (to check what the camera list shows).
const BODY_TEXT: &str = r#"
const [limitMs, done] = [arguments[0], arguments[arguments.length - 1]];
const look = () => document.querySelector('a[href^="/cameras/"]') ? done(document.body.innerText) : null;
const observer = new MutationObserver(look);
setTimeout(() => { observer.disconnect(); done(document.body.innerText); }, limitMs);
if (look() === null) observer.observe(document.documentElement, {subtree: true, childList: true});
"#;

/// The request types a connection sent, in order.
fn sent(log: &[Value], conn: u64) -> Vec<String> {
    log.iter()
        .filter(|e| e["conn"] == conn && e["dir"] == "in")
        .filter_map(|e| e["type"].as_str().map(str::to_owned))
        .collect()
}

const SEQUENCE: [&str; 5] = [
    "getRouterRtpCapabilities",
    "createWebRtcTransport",
    "getProducers",
    "consume",
    "connectWebRtcTransport",
];
/// A session that got no producer to consume, closed.
const NO_CONSUME_THEN_CLOSE: [&str; 4] =
    ["getRouterRtpCapabilities", "createWebRtcTransport", "getProducers", "closeTransport"];
const PRODUCER_SIDE: [&str; 3] = ["createPlainRtpTransport", "createProducer", "closeProducer"];

/// Checks the request types connection `conn` sent, in order.
fn expect_sent(log: &[Value], conn: u64, want: &[&str], what: &str) -> Result {
    let seq = sent(log, conn);
    expect(seq == want, what, json!(seq))
}

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

pub(super) fn conformance(rig: &Rig, browser: &Browser) -> Result<usize> {
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
    browser.goto(&live_url(CAM_FED))?;
    let s = wait_state(browser, &["live"], 30_000)?;
    expect(s["state"] == "live", "the live page reaches the live state", &s)?;
    println!("    live after {:.0} ms from page open", s["t"].as_f64().unwrap_or(0.0));
    let l = log(rig)?;
    let conns = connections(&l);
    expect(conns.len() == 1, "one signaling connection", json!(conns))?;
    expect_sent(&l, conns[0], &SEQUENCE, "the viewer's exact message sequence")?;
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
    let after_error = [&SEQUENCE[..4], &["closeTransport"]].concat();
    expect_sent(&l, first, &after_error, "after the error: closeTransport, nothing else")?;
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
    expect_sent(&l, first, &NO_CONSUME_THEN_CLOSE, "the timed-out session closed its transport")?;
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
    let what = "the connection accepted after them carries the full sequence";
    expect_sent(&l, last, &SEQUENCE, what)?;
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
    let what = "no consume without a producer; the transport is closed";
    expect_sent(&l, first, &NO_CONSUME_THEN_CLOSE, what)?;
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
    Ok(passed)
}

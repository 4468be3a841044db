//! Live end-to-end tests of a page in the background and of a stepped wall clock: no session rebuilt while hidden, the picture back on return, no false stall.
//!
//! - A live tab hidden for 30 s (another tab opened and activated over it
//!   through the DevTools protocol: `document.visibilityState` really becomes
//!   `hidden` in headless Chromium and video-frame callbacks stop, checked
//!   in the page): no signaling session is opened while hidden, the old one
//!   stays open, and on return frames and boxes come back without a new one.
//! - The same, but the stream dies while the tab is hidden and a new
//!   producer appears: still nothing while hidden; on return the dead
//!   session is noticed after the resume grace and rebuilt once.
//! - The page's wall clock stepped an hour forward and an hour back while
//!   live (`Date.now` replaced before the page's own scripts run, through
//!   `Page.addScriptToEvaluateOnNewDocument`): no new session, boxes on new
//!   frames; and a producer that dies, with the clock stepped an hour back
//!   after its last frame, is still noticed as a stall. (At the rig's 30 fps
//!   every 100 ms check of the player sees a new frame, which re-based a
//!   wall-clock stall watch too: a forward step could only fake a stall on a
//!   slower stream, a case the core's table test covers; the back step after
//!   the last frame is what a wall-clock watch fails here.)
//!
//! Figures go to stdout and to `target/figures/live-background.txt`.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::json;

use super::{connections, expect, log, wait_log, wait_state, CAM_FED};
use crate::browser::page_scripts::polling_script;
use crate::browser::{Browser, CdpClient};
use crate::rig::Rig;
use crate::{repo_root, Result};

/// How long the live tab stays in the background.
const HIDDEN_FOR: Duration = Duration::from_secs(30);
/// After the return, how long no new session may open when the old one
/// works: past the player's resume grace (5 s), so a rebuild would show.
const QUIET_AFTER_RETURN: Duration = Duration::from_secs(8);
/// The stated bound: frames presented again this soon after the return.
const FRAMES_BACK_WITHIN_MS: f64 = 1_000.0;
/// ... and boxes drawn on a new frame this soon.
const BOXES_BACK_WITHIN_MS: f64 = 2_000.0;
/// A dead session is rebuilt within the resume grace (5 s), the first
/// back-off (at most 1 s) and a session's set-up.
const REBUILT_WITHIN_MS: f64 = 10_000.0;
/// The wall-clock steps.
const HOUR_MS: i64 = 3_600_000;

/// Installed in the live page: watches visibility, presented frames, the
/// overlay and the player's state, into `window.__bg`; returns once it has
/// seen a few frames presented.
const BG_PROBE: &str = r#"
const done = arguments[arguments.length - 1];
const video = document.querySelector('video');
const root = () => document.querySelector('[data-overlay-root]');
const boxesShown = (r) => r ? [...r.querySelectorAll('[data-kind=box]')].filter((b) => b.style.display !== 'none').length : 0;
const p = window.__bg = { hiddenAt: null, shownAt: null, framesWhileHidden: 0, firstFrame: null, firstNewFrame: null, firstBoxes: null, boxes: 0, states: [] };
// Every frame presented before the return, by RTP time: after it, a frame
// presented again (the last one is, on return) is not a new one.
const seenBefore = new Set();
document.addEventListener('visibilitychange', () => {
  const t = performance.now();
  if (document.visibilityState === 'hidden') { p.hiddenAt = t; return; }
  p.shownAt = t;
  // Boxes left on screen from before do not count: they must be drawn for a new frame.
  const look = () => {
    const r = root();
    const rtp = r && r.getAttribute('data-rtp-timestamp');
    const boxes = boxesShown(r);
    if (rtp && !seenBefore.has(Number(rtp)) && boxes > 0) { p.firstBoxes = performance.now(); p.boxes = boxes; return; }
    requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
});
const onFrame = (now, meta) => {
  const t = performance.now();
  // A callback right at the moment of hiding is not a frame of the hidden page.
  if (document.visibilityState === 'hidden' && p.hiddenAt !== null && t - p.hiddenAt > 500) p.framesWhileHidden++;
  if (p.shownAt === null) seenBefore.add(meta.rtpTimestamp);
  // Ready once a few frames are known: the overlay's frame at the hiding is then one of them.
  if (seenBefore.size === 5) done(true);
  if (p.shownAt !== null && p.firstFrame === null) p.firstFrame = t;
  if (p.shownAt !== null && p.firstNewFrame === null && !seenBefore.has(meta.rtpTimestamp)) p.firstNewFrame = t;
  video.requestVideoFrameCallback(onFrame);
};
video.requestVideoFrameCallback(onFrame);
new MutationObserver(() => {
  const el = document.querySelector('[data-player-state]');
  if (el) p.states.push([el.dataset.playerState, Math.round(performance.now())]);
}).observe(document.documentElement, { subtree: true, attributes: true, attributeFilter: ['data-player-state'] });
"#;

/// Waits (bounded) until the page is shown again and has presented a frame
/// and drawn boxes on a new one (or, with `after_state`, until the player
/// reached that state after the return too); reports `window.__bg` with
/// times relative to the return.
const BG_RESULT: &str = polling_script!(
    r#"
const [limitMs, afterState, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
poll({done, limitMs, everyMs: 20}, (now, timedOut) => {
  const p = window.__bg;
  const rel = (t) => (t === null || p.shownAt === null ? null : t - p.shownAt);
  const stateAt = afterState ? (p.states.find(([s, t]) => s === afterState && p.shownAt !== null && t >= p.shownAt) || [null, null])[1] : 0;
  const ready = p.shownAt !== null && p.firstNewFrame !== null && p.firstBoxes !== null && stateAt !== null;
  if (ready || timedOut()) {
    const el = document.querySelector('[data-player-state]');
    return {
      visibility: document.visibilityState,
      state: el ? el.dataset.playerState : null,
      hiddenMs: p.hiddenAt === null || p.shownAt === null ? null : p.shownAt - p.hiddenAt,
      framesWhileHidden: p.framesWhileHidden,
      firstFrameMs: rel(p.firstFrame),
      firstNewFrameMs: rel(p.firstNewFrame),
      firstBoxesMs: rel(p.firstBoxes),
      boxes: p.boxes,
      stateMs: afterState ? rel(stateAt) : null,
      states: p.states.map(([s, t]) => [s, p.shownAt === null ? null : Math.round(t - p.shownAt)]),
    };
  }
});
"#
);

/// The page's visibility and player state, as the page reports them.
const PAGE_STATE: &str = r#"
const done = arguments[arguments.length - 1];
const el = document.querySelector('[data-player-state]');
done({ visibility: document.visibilityState, hidden: document.hidden, state: el ? el.dataset.playerState : null });
"#;

/// Waits (bounded) until the overlay draws boxes on a frame newer than the one on screen now.
const FRESH_BOXES: &str = polling_script!(
    r#"
const [limitMs, done] = [arguments[0], arguments[arguments.length - 1]];
const root = () => document.querySelector('[data-overlay-root]');
const start = root() && root().getAttribute('data-rtp-timestamp');
const t0 = performance.now();
poll({done, limitMs, t0}, (now, timedOut) => {
  const r = root();
  const rtp = r && r.getAttribute('data-rtp-timestamp');
  const boxes = r ? [...r.querySelectorAll('[data-kind=box]')].filter((b) => b.style.display !== 'none').length : 0;
  if ((rtp && rtp !== start && boxes >= 3) || timedOut()) return { boxes, fresh: !!rtp && rtp !== start, ms: performance.now() - t0 };
});
"#
);

/// Waits (bounded) until no frame has been presented for `quietMs`.
const FRAMES_STOPPED: &str = polling_script!(
    r#"
const [quietMs, limitMs, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
const video = document.querySelector('video');
const t0 = performance.now();
let last = t0;
const onFrame = () => { last = performance.now(); video.requestVideoFrameCallback(onFrame); };
video.requestVideoFrameCallback(onFrame);
poll({done, limitMs, t0, everyMs: 20}, (_, timedOut) => {
  const now = performance.now();
  if (now - last > quietMs || timedOut(now)) return { stopped: now - last > quietMs, quietMs: now - last, waitedMs: now - t0 };
});
"#
);

/// A steppable wall clock, installed before any script of the page runs (so
/// every script of the page, the viewer's wasm glue included, reads it).
const WALL_CLOCK_INIT: &str = r#"
(() => {
  const real = Date.now.bind(Date);
  window.__wall = { offset: 0, real };
  Date.now = () => real() + window.__wall.offset;
})();
"#;

/// Steps the page's wall clock: `Date.now()` returns the real time plus
/// `offset` ms from now on (the monotonic clock cannot be stepped).
const STEP_WALL_CLOCK: &str = r#"
const [offset, done] = [arguments[0], arguments[arguments.length - 1]];
if (!window.__wall) return done({ error: 'no steppable wall clock in this page' });
window.__wall.offset = offset;
done({ offsetSeen: Date.now() - window.__wall.real() });
"#;

/// The other tab that hides the live one: opened and activated through the
/// browser's DevTools endpoint (ChromeDriver keeps addressing the live tab).
struct Tabs {
    cdp: CdpClient,
    live: String,
    /// The browser's DevTools endpoint (`host:port`).
    address: String,
}

impl Tabs {
    fn new(browser: &Browser, url_prefix: &str) -> Result<Tabs> {
        let address = browser.devtools_address()?;
        let mut cdp = browser.devtools_browser()?;
        let targets = cdp.call("Target.getTargets", json!({}))?;
        let live = targets["targetInfos"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|t| {
                t["type"] == "page" && t["url"].as_str().is_some_and(|u| u.starts_with(url_prefix))
            })
            .and_then(|t| t["targetId"].as_str())
            .with_context(|| format!("no tab at {url_prefix}: {targets}"))?
            .to_owned();
        Ok(Tabs { cdp, live, address })
    }

    /// Opens a blank tab in front of the live one; returns its id.
    fn hide_live(&mut self) -> Result<String> {
        let other = self.cdp.call("Target.createTarget", json!({"url": "about:blank"}))?
            ["targetId"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        self.cdp.call("Target.activateTarget", json!({"targetId": other}))?;
        Ok(other)
    }

    /// Brings the live tab back to the front and closes the other one.
    fn show_live(&mut self, other: &str) -> Result {
        self.cdp.call("Target.activateTarget", json!({"targetId": self.live}))?;
        self.cdp.call("Target.closeTarget", json!({"targetId": other}))?;
        Ok(())
    }
}

fn newest_connection(rig: &Rig) -> Result<u64> {
    Ok(connections(&log(rig)?).into_iter().max().unwrap_or(0))
}

fn opened_since(rig: &Rig, newest_before: u64) -> Result<usize> {
    Ok(connections(&log(rig)?).into_iter().filter(|c| *c > newest_before).count())
}

/// Keeps the live tab hidden for `duration`, looking once a second at the
/// sessions opened and the server's signaling sessions still open at VAS;
/// returns (sessions opened, fewest open, most open).
fn stay_hidden(rig: &Rig, newest_before: u64, duration: Duration) -> Result<(usize, usize, usize)> {
    let end = Instant::now() + duration;
    let (mut fewest, mut most) = (usize::MAX, 0);
    loop {
        let open = rig.signaling_clients_open();
        fewest = fewest.min(open);
        most = most.max(open);
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok((opened_since(rig, newest_before)?, fewest, most));
        }
        std::thread::sleep(left.min(Duration::from_secs(1)));
    }
}

/// Runs the three parts on the first rig's fed camera; returns the checks passed.
pub fn run(rig: &Rig, browser: &Browser) -> Result<usize> {
    let mut passed = 0;
    let mut figures = String::new();
    let url = format!("{}cameras/{CAM_FED}", rig.url());
    browser.goto(&url)?;
    let s = wait_state(browser, &["live"], 30_000)?;
    expect(s["state"] == "live", "background: the live page plays", &s)?;
    let b = browser.execute_async(FRESH_BOXES, json!([20_000]))?;
    expect(
        b["fresh"] == true && b["boxes"].as_u64() >= Some(3),
        "background: boxes on the live picture before hiding",
        &b,
    )?;
    let mut tabs = Tabs::new(browser, &url)?;
    passed += 2;

    // 1. Hidden for 30 s with a working session.
    browser.execute_async(BG_PROBE, json!([]))?;
    let before = newest_connection(rig)?;
    let other = tabs.hide_live()?;
    let page = browser.execute_async(PAGE_STATE, json!([]))?;
    expect(
        page["visibility"] == "hidden" && page["hidden"] == true,
        "the live tab is really hidden (document.visibilityState, not faked)",
        &page,
    )?;
    let (opened, fewest, most) = stay_hidden(rig, before, HIDDEN_FOR)?;
    let page = browser.execute_async(PAGE_STATE, json!([]))?;
    tabs.show_live(&other)?;
    let r = browser.execute_async(BG_RESULT, json!([20_000, null]))?;
    let quiet =
        wait_log(rig, QUIET_AFTER_RETURN, |l| connections(l).into_iter().any(|c| c > before))?;
    // Sessions opened after the return: all since hiding, less those while hidden.
    let after =
        connections(&quiet).into_iter().filter(|c| *c > before).count().saturating_sub(opened);
    let line = format!(
        "hidden {:.1} s with a working session: sessions opened while hidden {opened}, signaling sessions open at VAS while hidden {fewest}..{most}, \
         frame callbacks while hidden {}, after the return: first frame callback {:.0} ms, first new frame {:.0} ms, boxes on a new frame {:.0} ms, sessions opened in the {} s after it {after}",
        r["hiddenMs"].as_f64().unwrap_or(f64::NAN) / 1000.0,
        r["framesWhileHidden"],
        r["firstFrameMs"].as_f64().unwrap_or(f64::NAN),
        r["firstNewFrameMs"].as_f64().unwrap_or(f64::NAN),
        r["firstBoxesMs"].as_f64().unwrap_or(f64::NAN),
        QUIET_AFTER_RETURN.as_secs(),
    );
    println!("    {line}");
    let _ = writeln!(figures, "{line}");
    expect(
        r["framesWhileHidden"] == 0,
        "the condition under test holds: no video-frame callbacks in the hidden tab",
        &r,
    )?;
    expect(opened == 0, "no signaling session is opened while the tab is hidden", opened)?;
    expect(
        fewest >= 1 && page["state"] == "live",
        "the session stays open and live while hidden",
        json!({"fewest": fewest, "page": page}),
    )?;
    expect(
        r["visibility"] == "visible"
            && r["firstNewFrameMs"].as_f64().is_some_and(|t| t < FRAMES_BACK_WITHIN_MS),
        "new frames are presented again within 1 s of the return",
        &r,
    )?;
    expect(
        r["firstBoxesMs"].as_f64().is_some_and(|t| t < BOXES_BACK_WITHIN_MS)
            && r["state"] == "live",
        "boxes are drawn on a new frame within 2 s of the return",
        &r,
    )?;
    expect(
        after == 0,
        "no new session after the return: the old one still works",
        json!({"after": after, "states": r["states"]}),
    )?;
    passed += 6;

    // 2. Hidden while the stream dies and a new producer appears: still no
    //    session while hidden; the dead one is rebuilt once, after the return.
    browser.execute_async(BG_PROBE, json!([]))?;
    let before = newest_connection(rig)?;
    let other = tabs.hide_live()?;
    rig.post("/__rig/feed", json!({"camera": CAM_FED, "action": "stop"}))?;
    // Past the stall time (3 s) and the first-frame grace (8 s) of a new session.
    let (_, fewest_dead, _) = stay_hidden(rig, before, Duration::from_secs(12))?;
    rig.post("/__rig/feed", json!({"camera": CAM_FED, "action": "start"}))?;
    let (opened_hidden, fewest, _) = stay_hidden(rig, before, Duration::from_secs(3))?;
    let fewest = fewest.min(fewest_dead);
    tabs.show_live(&other)?;
    let r = browser.execute_async(BG_RESULT, json!([30_000, "live"]))?;
    let rebuilt = opened_since(rig, before)?;
    let line = format!(
        "hidden 15 s while the stream died and restarted: sessions opened while hidden {}, after the return the dead session was rebuilt ({rebuilt} new) and live {:.0} ms after it, boxes on a new frame {:.0} ms; states after the return {}",
        opened_hidden,
        r["stateMs"].as_f64().unwrap_or(f64::NAN),
        r["firstBoxesMs"].as_f64().unwrap_or(f64::NAN),
        r["states"],
    );
    println!("    {line}");
    let _ = writeln!(figures, "{line}");
    expect(
        opened_hidden == 0 && fewest >= 1,
        "a dead stream in a hidden tab opens no session (the old one stays until the return)",
        json!({"opened": opened_hidden, "fewest open": fewest}),
    )?;
    expect(
        rebuilt == 1,
        "after the return the dead session is rebuilt, once",
        json!({"rebuilt": rebuilt, "states": r["states"]}),
    )?;
    expect(
        r["stateMs"].as_f64().is_some_and(|t| t < REBUILT_WITHIN_MS)
            && r["firstBoxesMs"].as_f64().is_some(),
        "live again within 10 s of the return, with boxes",
        &r,
    )?;
    passed += 3;

    // 3. The wall clock stepped an hour forward, then an hour back, while
    //    live: the page is loaded again with a steppable `Date.now`.
    let mut page_cdp = CdpClient::connect_to_page(&tabs.address)?;
    // Without the Page domain enabled the script is accepted but never run.
    page_cdp.call("Page.enable", json!({}))?;
    let init = page_cdp
        .call("Page.addScriptToEvaluateOnNewDocument", json!({"source": WALL_CLOCK_INIT}))?
        ["identifier"]
        .clone();
    browser.goto(&url)?;
    let s = wait_state(browser, &["live"], 30_000)?;
    let b = browser.execute_async(FRESH_BOXES, json!([20_000]))?;
    expect(
        s["state"] == "live" && b["fresh"] == true,
        "the live page plays again, with a steppable wall clock",
        json!({"state": s, "boxes": b}),
    )?;
    passed += 1;
    let before = newest_connection(rig)?;
    for (offset, what) in [(HOUR_MS, "an hour forward"), (-HOUR_MS, "an hour back")] {
        let stepped = browser.execute_async(STEP_WALL_CLOCK, json!([offset]))?;
        expect(
            stepped["offsetSeen"].as_i64().is_some_and(|o| (o - offset).abs() < 1_000),
            &format!("the page's Date.now() is {what}"),
            &stepped,
        )?;
        let l =
            wait_log(rig, QUIET_AFTER_RETURN, |l| connections(l).into_iter().any(|c| c > before))?;
        let opened = connections(&l).into_iter().filter(|c| *c > before).count();
        let page = browser.execute_async(PAGE_STATE, json!([]))?;
        let b = browser.execute_async(FRESH_BOXES, json!([5_000]))?;
        let line = format!("wall clock {what}: sessions opened in {} s {opened}, player {}, boxes on a new frame {} ({:.0} ms)", QUIET_AFTER_RETURN.as_secs(), page["state"], b["boxes"], b["ms"].as_f64().unwrap_or(f64::NAN));
        println!("    {line}");
        let _ = writeln!(figures, "{line}");
        expect(
            opened == 0 && page["state"] == "live",
            &format!("the wall clock {what}: no false stall, no new session"),
            json!({"opened": opened, "page": page}),
        )?;
        expect(
            b["fresh"] == true && b["boxes"].as_u64() >= Some(3),
            &format!("the wall clock {what}: boxes still drawn on new frames"),
            &b,
        )?;
        passed += 3;
    }
    // The producer dies, and once its last frame is shown the wall clock
    // steps an hour back: the stall must still be noticed (a stall watch on
    // the wall clock would wait an hour, its last frame being "in the future").
    browser.execute_async(STEP_WALL_CLOCK, json!([0]))?;
    let killed = Instant::now();
    rig.post("/__rig/feed", json!({"camera": CAM_FED, "action": "stop"}))?;
    let quiet = browser.execute_async(FRAMES_STOPPED, json!([700, 10_000]))?;
    let stepped_at = Instant::now();
    browser.execute_async(STEP_WALL_CLOCK, json!([-HOUR_MS]))?;
    let s = wait_state(browser, &["stalled"], 15_000)?;
    let (stall_s, after_step_s) =
        (killed.elapsed().as_secs_f64(), stepped_at.elapsed().as_secs_f64());
    rig.post("/__rig/feed", json!({"camera": CAM_FED, "action": "start"}))?;
    let live = wait_state(browser, &["live"], 40_000)?;
    let line = format!(
        "producer killed, the wall clock stepped an hour back {:.0} ms after its last frame: stall noticed {stall_s:.1} s after the kill ({after_step_s:.1} s after the step), live again: {}",
        quiet["quietMs"].as_f64().unwrap_or(f64::NAN),
        live["state"]
    );
    println!("    {line}");
    let _ = writeln!(figures, "{line}");
    expect(quiet["stopped"] == true, "the dead producer's last frame was shown", &quiet)?;
    expect(
        s["state"] == "stalled",
        "a wall clock stepped back after the last frame does not hide the stall",
        &s,
    )?;
    expect(live["state"] == "live", "and a new producer is played", &live)?;
    passed += 3;
    browser.execute_async(STEP_WALL_CLOCK, json!([0]))?;
    // Later pages of this browser get the real `Date.now` again.
    page_cdp.call("Page.removeScriptToEvaluateOnNewDocument", json!({"identifier": init}))?;
    drop(page_cdp);
    browser.goto(&rig.url())?;

    let dir = repo_root().join("target/figures");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join("live-background.txt"), &figures);
    Ok(passed)
}

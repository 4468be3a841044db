//! Live end-to-end test of the poller's agreed "newest" under clock faults: VAS's event stamps stepped an hour ahead and back, wild rows inserted while live, and pages opened afterwards.
//!
//! The live poller places its window, and the store its eviction, from the
//! newest VAS time the models agree on (`src/core/events/credible_newest.rs`,
//! `src/core/events/live_poll.rs`, `EventStore::set_ceiling`). On the live page of
//! the fed camera, watched by a probe (`window.__clk`: every frame the overlay
//! drew, with its visible boxes; every event request of the page, from the
//! browser's resource timing, with its window and size):
//!
//! 1. (rig A) The stamps of the rig's events stepped an hour ahead for 20 s
//!    (the SFU's `event-stamps` fault; the frames' sender-report clock is not
//!    stepped), then back. The fault fired: VAS holds the rig's own rows
//!    stamped an hour ahead, none after the correction, and the page's poll
//!    windows moved an hour ahead (a single model is followed wherever its
//!    clock goes). While stepped no event matches a frame's time, so boxes
//!    are expected to vanish (measured, not required). After the correction
//!    boxes are drawn on new frames, steadily, within 15 s (the native
//!    simulation: about 12 s), the windows are back on VAS's clock, and no
//!    signaling session is opened.
//! 2. (rig A) The page opened again: VAS still holds the rig's rows stamped
//!    an hour ahead (for an hour, as after any corrected step of VAS's clock).
//! 3. (rig B, a clean camera) N = 2, 10, 100 wild rows an hour ahead and N in
//!    the year 9999, each of the rig's model and of another model, inserted
//!    through the backend's `/__live/events` while live, 10 s apart. The
//!    fault fired: VAS holds them all, and the page's polls covered the
//!    hour-ahead ones (the year-9999 ones only a quiet spell's "newest of all
//!    time" look reaches). The share of presented frames with boxes in the
//!    10 s after each insertion does not drop against the 10 s before (nor
//!    against the 10 s before the first), and no poll window moves ahead.
//!    Boxes on new frames after polls brought the wild rows mean both halves
//!    held: the windows stayed on VAS's clock (real rows fetched), and the
//!    store kept the real rows (one anchored on the wild rows, which 3 rows of
//!    a model already do, `ANCHOR_RANK`, would evict every real row of that
//!    model as it arrives).
//! 4. (rig B) The page opened again while VAS holds all those wild rows.
//!
//! A page opened on each rig's clean camera is measured the same way, as the
//! reference for 2 and 4, which are held to what it achieves (checked on rig
//! A): boxes on new frames within 5 s of live, poll windows on VAS's clock
//! from the first poll on (within 2 s: one more poll).
//!
//! Each fault runs on a rig of its own, so each is measured alone; the rows
//! it leaves in VAS (an hour ahead, in the year 9999: VAS's newest of all
//! time, which a quiet spell's look fetches) stay in that rig, dropped at the
//! end of its part, and no other live test ever sees them. The bounds are
//! all checked and reported before the part fails, so every figure is
//! measured even when an early bound is missed.
//!
//! Figures go to stdout and to `target/figures/live-clock-faults.txt`; the
//! probe's raw records to `target/live-clock-faults-<part>.json`.

use std::fmt::Write as _;
use std::time::Duration;

use anyhow::{anyhow, Context};
use serde_json::{json, Value};

use super::{connections, expect, log, wait_state, CAM_FED};
use crate::browser::page_scripts::polling_script;
use crate::browser::Browser;
use crate::rig::{Rig, RigOptions};
use crate::{repo_root, Result};

// The probe's record of a page and the figures read from it.
mod record;
// The rows put into VAS and read back.
mod vas_rows;

use record::{ms_or_never, s_or_none, Poll, Record, Window};
use vas_rows::{held, insert, is_rig_row, is_wild_row, now_us, wild_rows};

const HOUR_MS: i64 = 3_600_000;
/// How long the event stamps stay an hour ahead.
const STEPPED_FOR: Duration = Duration::from_secs(20);
/// Frames watched before the step, for the share of frames with boxes.
const BEFORE_STEP: Duration = Duration::from_secs(5);
/// The stated bound: boxes on new frames, steadily, this soon after the
/// correction (native simulation: about 12 s; the poller waits 40 polls of a
/// still "newest", 10 s at 250 ms, before it looks around the frame on screen).
const RECOVERED_WITHIN_MS: f64 = 15_000.0;
/// The poll windows follow a model's clock from its second poll on (250 ms
/// apart, events 80 ms late): well within this.
const FOLLOWED_WITHIN_MS: f64 = 5_000.0;
/// "Steadily": this many presented frames in a row with boxes (1 s at 30 fps).
const STEADY_RUN: usize = 30;
/// After a recovery, the share of frames with boxes is measured over this long.
const AFTER_RECOVERY: Duration = Duration::from_secs(5);
/// Each insertion of wild rows is measured over this long before and after.
const WILD_WINDOW: Duration = Duration::from_secs(10);
const WILD_COUNTS: [usize; 3] = [2, 10, 100];
/// The share of frames with boxes may wobble this much (2 busy cores).
const SHARE_TOLERANCE: f64 = 0.05;
/// Below this share of frames with boxes the page is not working at all.
const WORKING_SHARE: f64 = 0.8;
/// A page opened draws boxes on new frames, steadily, this soon after it is live.
const OPENED_BOXES_WITHIN_MS: f64 = 5_000.0;
/// ... and its poll windows are on VAS's clock for good this soon after its first poll.
const OPENED_WINDOWS_WITHIN_MS: f64 = 2_000.0;
/// The model id of the rig's events (`modelId` in `sfu-server.mjs`).
const RIG_MODEL: &str = "rig-tracker";
/// Another model, all of whose rows are wild.
const WILD_MODEL: &str = "wild-clock-model";
/// A poll window starting this far past the wall time of its request is on a clock an hour ahead.
const AHEAD_MS: f64 = 1_800_000.0;
/// 9999-12-31T23:59:59Z in microseconds: the year-9999 rows lie just before it.
const FAR_FUTURE_US: i64 = 253_402_300_799_000_000;
/// The span of a quiet spell's look around the frame on screen (`FIRST_LOOKBACK` plus `AHEAD` in `live_poll.rs`),
/// before both ends are rounded out to the poll grid's cell (`poll_grid.rs`: up to a cell each).
const AROUND_SPAN_MS: f64 = 3_610_000.0;
/// The poll grid's cell.
const CELL_MS: f64 = vas_overlay_viewer::core::events::poll_grid::CELL as f64 / 1000.0;

/// Installed in the live page: every frame the overlay drew (an animation
/// frame in which the root's `data-rtp-timestamp` changed) with its visible
/// boxes and the playout delay, and every event request of the page (resource
/// timing, buffered ones included) with its window, into `window.__clk`.
const CLOCK_PROBE: &str = r#"
const done = arguments[arguments.length - 1];
const fresh = !window.__clk;
window.__clk = { frames: [], polls: [] };
if (fresh) {
  const root = () => document.querySelector('[data-overlay-root]');
  const boxesShown = (r) => r ? [...r.querySelectorAll('[data-kind=box]')].filter((b) => b.style.display !== 'none').length : 0;
  let lastRtp = null;
  const look = () => {
    const r = root();
    const rtp = r && r.getAttribute('data-rtp-timestamp');
    if (rtp && rtp !== lastRtp) {
      lastRtp = rtp;
      const el = document.querySelector('[data-player-state]');
      const delay = el && el.getAttribute('data-playout-delay-ms');
      window.__clk.frames.push([performance.now(), boxesShown(r), delay === null || delay === undefined ? null : Number(delay)]);
    }
    requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
  // RFC 3339 with microseconds: Date.parse is only sure of milliseconds.
  const ms = (s) => (s ? Date.parse(s.replace(/(\.\d{3})\d*Z$/, '$1Z')) : null);
  const onEntries = (list) => {
    for (const e of list.getEntries()) {
      if (!e.name.includes('/ai-events/')) continue;
      const q = new URL(e.name).searchParams;
      window.__clk.polls.push({
        t: e.startTime, wall: performance.timeOrigin + e.startTime,
        start: ms(q.get('start_time')), end: ms(q.get('end_time')), limit: Number(q.get('limit')),
        bytes: e.encodedBodySize,
      });
    }
  };
  performance.setResourceTimingBufferSize(100000);
  new PerformanceObserver(onEntries).observe({ type: 'resource', buffered: true });
}
done(performance.now());
"#;

/// The page's monotonic time now (marks the moment a fault is applied).
const PAGE_NOW: &str = "arguments[arguments.length - 1](performance.now());";

/// What the probe recorded.
const PROBE_READ: &str = "arguments[arguments.length - 1](window.__clk);";

/// Waits (bounded) until `run` frames in a row drawn after `since` carry boxes.
const WAIT_STEADY: &str = polling_script!(
    r#"
const [since, run, limitMs, done] = [arguments[0], arguments[1], arguments[2], arguments[arguments.length - 1]];
poll({done, limitMs, everyMs: 100}, (now, timedOut) => {
  let n = 0, first = null;
  for (const [t, boxes] of window.__clk.frames) {
    if (t < since) continue;
    if (boxes > 0) { if (n === 0) first = t; n += 1; if (n >= run) return { found: true, t: first }; } else n = 0;
  }
  if (timedOut()) return { found: false, t: null };
});
"#
);

const PAGE_STATE: &str = r#"
const el = document.querySelector('[data-player-state]');
arguments[arguments.length - 1]({ state: el ? el.dataset.playerState : null, delay: el ? el.getAttribute('data-playout-delay-ms') : null });
"#;

/// Checks of stated bounds: each is reported as it is made, and the part
/// fails at its end if any failed, so that every figure is measured first.
#[derive(Default)]
struct Checks {
    passed: usize,
    failed: Vec<String>,
}

impl Checks {
    fn check(&mut self, cond: bool, what: &str, detail: impl std::fmt::Display) {
        if cond {
            println!("  ok: {what}");
            self.passed += 1;
        } else {
            println!("  FAILED: {what}: {detail}");
            self.failed.push(format!("{what}: {detail}"));
        }
    }

    fn finish(self) -> Result<usize> {
        if self.failed.is_empty() {
            return Ok(self.passed);
        }
        Err(anyhow!(
            "live e2e: {} clock-fault check(s) failed ({} passed):\n  {}",
            self.failed.len(),
            self.passed,
            self.failed.join("\n  ")
        ))
    }
}

fn newest_connection(rig: &Rig) -> Result<u64> {
    Ok(connections(&log(rig)?).into_iter().max().unwrap_or(0))
}

/// Reads the probe's record; the raw one stays for inspection in `target/live-clock-faults-<part>.json`.
fn read(browser: &Browser, part: &str) -> Result<Record> {
    let raw = browser.execute_async(PROBE_READ, json!([]))?;
    let _ = std::fs::write(
        repo_root().join(format!("target/live-clock-faults-{part}.json")),
        raw.to_string(),
    );
    Ok(Record::parse(&raw))
}

fn mark(browser: &Browser) -> Result<f64> {
    browser.execute_async(PAGE_NOW, json!([]))?.as_f64().context("the page gave no time")
}

/// Sets the SFU's event-stamp offset; checks the SFU took it.
fn step_stamps(rig: &Rig, offset_ms: i64) -> Result {
    let r = rig.post("/__rig/faults", json!([{"on": "event-stamps", "offsetMs": offset_ms}]))?;
    expect(
        r["eventStampOffsetMs"].as_i64() == Some(offset_ms),
        &format!("the SFU stamps its events {offset_ms} ms off"),
        &r,
    )
}

/// The figures and the stdout lines.
#[derive(Default)]
struct Figures(String);

impl Figures {
    fn say(&mut self, line: String) {
        println!("    {line}");
        let _ = writeln!(self.0, "{line}");
    }
}

/// A rig of its own, with one fed camera, and a browser. `VAS_LIVE_DIST`
/// serves a viewer built elsewhere instead of `dist/` (development only: for
/// instance one built before a change, to see which checks it fails).
fn start() -> Result<(Rig, Browser)> {
    super::rig_and_browser(&RigOptions {
        dist_dir: std::env::var_os("VAS_LIVE_DIST")
            .filter(|d| !d.is_empty())
            .map(std::path::PathBuf::from),
        ..super::one_fed_camera()
    })
}

/// A page opened on the fed camera: how soon it drew boxes and placed its windows on VAS's clock.
struct Opened {
    live: Value,
    /// After live: boxes on new frames, steadily.
    boxes_ms: Option<f64>,
    /// After the first poll: windows on VAS's clock for good.
    windows_ms: Option<f64>,
    ahead: usize,
    all_time: usize,
    bytes_per_s: f64,
}

/// Opens the live page and watches it: until boxes are drawn steadily
/// (bounded, 30 s), then 5 s more for the windows.
fn open_page(rig: &Rig, browser: &Browser, part: &str) -> Result<Opened> {
    browser.goto(&rig.url())?;
    browser.goto(&format!("{}cameras/{CAM_FED}", rig.url()))?;
    let live = wait_state(browser, &["live"], 30_000)?;
    expect(live["state"] == "live", &format!("{part}: the live page plays"), &live)?;
    let live_at = live["t"].as_f64().unwrap_or(0.0);
    browser.execute_async(CLOCK_PROBE, json!([]))?;
    browser.execute_async(WAIT_STEADY, json!([live_at, STEADY_RUN, 30_000]))?;
    std::thread::sleep(Duration::from_secs(5)); // the windows must stay on the clock
    let r = read(browser, part)?;
    let first_poll = r.polls(0.0, f64::INFINITY).next().map_or(0.0, |p| p.t);
    let end = r.polls.last().map_or(first_poll, |p| p.t);
    Ok(Opened {
        live,
        boxes_ms: r.steady_boxes(live_at, STEADY_RUN),
        windows_ms: r.on_clock_for_good(first_poll),
        ahead: r.polls(0.0, f64::INFINITY).filter(|p| p.kind == Window::Ahead).count(),
        all_time: r.polls(0.0, f64::INFINITY).filter(|p| p.kind == Window::AllTime).count(),
        bytes_per_s: r.bytes_per_s(first_poll, end),
    })
}

fn opened_line(what: &str, o: &Opened) -> String {
    format!(
        "{what}: live {:.0} ms after open, boxes on new frames (steadily) {} after live, windows on VAS's clock for good {} after the first poll \
         (windows an hour ahead before that {}, looks at the newest rows of all time {}), event answers {:.0} B/s",
        o.live["t"].as_f64().unwrap_or(f64::NAN),
        ms_or_never(o.boxes_ms),
        ms_or_never(o.windows_ms),
        o.ahead,
        o.all_time,
        o.bytes_per_s,
    )
}

fn check_opened(checks: &mut Checks, what: &str, o: &Opened) {
    checks.check(
        o.boxes_ms.is_some_and(|t| t <= OPENED_BOXES_WITHIN_MS),
        &format!("{what}: boxes on new frames within 5 s of live"),
        ms_or_never(o.boxes_ms),
    );
    checks.check(
        o.windows_ms.is_some_and(|t| t <= OPENED_WINDOWS_WITHIN_MS),
        &format!("{what}: poll windows on VAS's clock within 2 s of the first poll"),
        ms_or_never(o.windows_ms),
    );
}

/// Part 1 and 2 (rig A): the event stamps an hour ahead for 20 s, then back; the page opened again.
fn stepped_stamps(checks: &mut Checks, figures: &mut Figures) -> Result {
    let (rig, browser) = start()?;
    let clean = open_page(&rig, &browser, "clean-a")?;
    figures.say(opened_line("page opened on a clean camera (rig A)", &clean));
    check_opened(checks, "a page opened on a clean camera", &clean);
    let sessions_before = newest_connection(&rig)?;

    browser.execute_async(CLOCK_PROBE, json!([]))?;
    std::thread::sleep(BEFORE_STEP); // frames watched before the step
    let s0 = mark(&browser)?;
    let s0_us = now_us();
    step_stamps(&rig, HOUR_MS)?;
    std::thread::sleep(STEPPED_FOR); // the fault's duration
    let s1 = mark(&browser)?;
    let s1_us = now_us();
    step_stamps(&rig, 0)?;
    let w = browser.execute_async(WAIT_STEADY, json!([s1, STEADY_RUN, 30_000]))?;
    let after_from = w["t"].as_f64().unwrap_or(s1);
    std::thread::sleep(AFTER_RECOVERY); // the share after, and the windows staying on the clock
    let r = read(&browser, "step")?;
    let state = browser.execute_async(PAGE_STATE, json!([]))?;
    let opened = connections(&log(&rig)?).into_iter().filter(|c| *c > sessions_before).count();

    // The fault fired: VAS holds the rig's rows stamped an hour ahead while stepped, none after, real ones again.
    let hour = HOUR_MS * 1000;
    let rig_rows = |from_us: i64, to_us: i64| -> Result<usize> {
        Ok(held(&rig, from_us, to_us, Some(RIG_MODEL))?.iter().filter(|e| is_rig_row(e)).count())
    };
    let ahead = rig_rows(s0_us + hour - 1_000_000, s1_us + hour + 1_000_000)?;
    let ahead_after = rig_rows(s1_us + hour + 2_000_000, s1_us + hour + 30_000_000)?;
    let back = rig_rows(s1_us + 1_000_000, s1_us + 5_000_000)?;
    let stepped_s = STEPPED_FOR.as_secs_f64();
    expect(
        ahead as f64 >= stepped_s * 30.0 * 0.5 && ahead_after == 0 && back >= 60,
        "the fault fired: VAS holds the rig's rows stamped an hour ahead while stepped, none after the correction, real ones again",
        json!({"ahead": ahead, "ahead after": ahead_after, "real in the 4 s after": back}),
    )?;

    // The frames watched before the step: from here to the step.
    let before_from = s0 - BEFORE_STEP.as_secs_f64() * 1000.0;
    let before = r.share(before_from, s0);
    let stepped = r.share(s0 + 2_000.0, s1);
    let after = r.share(after_from, after_from + AFTER_RECOVERY.as_secs_f64() * 1000.0);
    let followed = r.first(s0, Window::Ahead);
    let first_around = r.first(s1, Window::Around);
    let windows_back = r.on_clock_for_good(s1);
    let first_boxes = r.first_boxes(s1);
    let steady = r.steady_boxes(s1, STEADY_RUN);
    let all_time = r.polls(s1, f64::INFINITY).filter(|p| p.kind == Window::AllTime).count();
    let end = r.polls.last().map_or(s1, |p| p.t);
    let recovered = s1 + windows_back.unwrap_or(0.0);
    figures.say(format!(
        "event stamps an hour ahead for {stepped_s:.0} s, then back: boxes before {before}, while stepped {stepped} (playout delay up to {} ms), \
         windows an hour ahead {} after the step",
        r.max_delay(s0, s1).map_or("?".into(), |d| format!("{d:.0}")),
        ms_or_never(followed),
    ));
    figures.say(format!(
        "  after the correction: polls every {} (median), first quiet-spell look around the frame on screen {}, looks at the newest rows of all time {all_time}, \
         windows on VAS's clock for good {}, first boxes on a new frame {}, steadily ({STEADY_RUN} frames in a row) {}, boxes in the 5 s after {after}; \
         no new signaling session ({opened} opened), player {}",
        ms_or_never(r.poll_period(s1, s1 + 10_000.0)),
        ms_or_never(first_around),
        ms_or_never(windows_back),
        ms_or_never(first_boxes),
        ms_or_never(steady),
        state["state"],
    ));
    figures.say(format!(
        "  cost: lateness margin (median) {} before the step, {} once back on VAS's clock; requests per poll {:.1} before, {:.1} after; \
         event answers {:.0} B/s before, {:.0} B/s after; VAS rows of the rig an hour ahead {ahead} (after the correction {ahead_after})",
        s_or_none(r.margin(before_from, s0)),
        s_or_none(r.margin(recovered, end)),
        r.requests_per_poll(before_from, s0),
        r.requests_per_poll(recovered, end),
        r.bytes_per_s(before_from, s0),
        r.bytes_per_s(recovered, end),
    ));
    checks.check(
        before.frames >= 60 && before.ratio() >= WORKING_SHARE,
        "boxes on most frames before the step",
        before,
    );
    checks.check(
        followed.is_some_and(|t| t <= FOLLOWED_WITHIN_MS),
        "the page's poll windows followed the stamps an hour ahead within 5 s",
        ms_or_never(followed),
    );
    checks.check(
        steady.is_some_and(|t| t <= RECOVERED_WITHIN_MS),
        "after the correction boxes are drawn on new frames, steadily, within 15 s",
        ms_or_never(steady),
    );
    checks.check(
        windows_back.is_some_and(|t| t <= RECOVERED_WITHIN_MS),
        "after the correction the poll windows are back on VAS's clock for good within 15 s",
        ms_or_never(windows_back),
    );
    checks.check(
        after.frames >= 60 && after.ratio() >= WORKING_SHARE,
        "boxes on most frames after the recovery",
        after,
    );
    checks.check(
        opened == 0 && state["state"] == "live",
        "no signaling session opened by the step; still live",
        json!({"opened": opened, "state": state}),
    );

    let reopened = open_page(&rig, &browser, "reopened-after-step")?;
    figures.say(opened_line(
        "page opened after the corrected step (VAS holds the rig's rows an hour ahead)",
        &reopened,
    ));
    check_opened(checks, "a page opened after the corrected step", &reopened);
    browser.goto(&rig.url())?;
    Ok(())
}

/// Part 3 and 4 (rig B): wild rows inserted while live; the page opened again.
fn wild_rows_live(checks: &mut Checks, figures: &mut Figures) -> Result {
    let (rig, browser) = start()?;
    let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(20)).build();
    let clean = open_page(&rig, &browser, "clean-b")?;
    figures.say(opened_line("page opened on a clean camera (rig B)", &clean));
    let sessions_before = newest_connection(&rig)?;

    browser.execute_async(CLOCK_PROBE, json!([]))?;
    std::thread::sleep(WILD_WINDOW); // the frames before the first insertion
    let mut marks = Vec::new();
    let mut inserted = 0;
    for n in WILD_COUNTS {
        let at = mark(&browser)?;
        let at_us = now_us();
        let rows = wild_rows(n, at_us);
        let r = insert(&agent, &rig, &rows)?;
        expect(
            r["inserted"].as_u64() == Some(rows.len() as u64),
            &format!("{} wild rows inserted for the fed camera", rows.len()),
            &r,
        )?;
        inserted += rows.len();
        marks.push((n, at, at_us));
        std::thread::sleep(WILD_WINDOW); // the frames after it
    }
    let r = read(&browser, "wild")?;
    let state = browser.execute_async(PAGE_STATE, json!([]))?;
    let opened = connections(&log(&rig)?).into_iter().filter(|c| *c > sessions_before).count();

    // The fault fired: VAS holds every wild row.
    let hour = HOUR_MS * 1000;
    let ahead_held: Vec<Value> =
        held(&rig, marks[0].2 + hour - 1_000_000, now_us() + hour + 2_000_000, None)?
            .into_iter()
            .filter(is_wild_row)
            .collect();
    let far_held: Vec<Value> = held(&rig, FAR_FUTURE_US - 3_600_000_000, FAR_FUTURE_US, None)?
        .into_iter()
        .filter(is_wild_row)
        .collect();
    let per_model = |rows: &[Value], m: &str| rows.iter().filter(|e| e["model_id"] == m).count();
    figures.say(format!(
        "wild rows held by VAS for the fed camera: an hour ahead {} ({} of {RIG_MODEL}, {} of {WILD_MODEL}), in the year 9999 {} ({} and {})",
        ahead_held.len(),
        per_model(&ahead_held, RIG_MODEL),
        per_model(&ahead_held, WILD_MODEL),
        far_held.len(),
        per_model(&far_held, RIG_MODEL),
        per_model(&far_held, WILD_MODEL)
    ));
    expect(
        ahead_held.len() + far_held.len() == inserted && ahead_held.len() == far_held.len(),
        "the fault fired: VAS holds every wild row inserted, half of them an hour ahead, half in the year 9999",
        json!({"inserted": inserted, "ahead": ahead_held.len(), "9999": far_held.len()}),
    )?;

    let window_ms = WILD_WINDOW.as_secs_f64() * 1000.0;
    let baseline = r.share(marks[0].1 - window_ms, marks[0].1);
    for (n, at, at_us) in &marks {
        let before = r.share(at - window_ms, *at);
        let after = r.share(*at, at + window_ms);
        let polls: Vec<&Poll> = r.polls(*at, at + window_ms).collect();
        let wild_ms = (at_us + hour) as f64 / 1000.0;
        // From 1 s after the insertion every window (ending an hour past the viewer's clock) reaches the rows.
        let late: Vec<&&Poll> =
            polls.iter().filter(|p| p.wall >= wild_ms - HOUR_MS as f64 + 1_000.0).collect();
        let covers = |p: &Poll| p.start <= wild_ms && p.end >= wild_ms;
        let (could, covering) = (late.len(), late.iter().filter(|p| covers(p)).count());
        let reaching_far =
            polls.iter().filter(|p| p.end >= (FAR_FUTURE_US / 1000 - 3_600_000) as f64).count();
        let ahead = polls.iter().filter(|p| p.kind == Window::Ahead).count();
        let all_time = polls.iter().filter(|p| p.kind == Window::AllTime).count();
        figures.say(format!(
            "{n} wild rows an hour ahead and {n} in 9999, each of {RIG_MODEL} and {WILD_MODEL}: boxes in the 10 s before {before}, after {after}; \
             polls after {} ({:.1} requests each), of the {could} from 1 s on covering the hour-ahead rows {covering}, reaching 9999 {reaching_far}, \
             windows ahead {ahead}, looks at all time {all_time}; event answers {:.0} B/s before, {:.0} B/s after",
            polls.len(),
            r.requests_per_poll(*at, at + window_ms),
            r.bytes_per_s(at - window_ms, *at),
            r.bytes_per_s(*at, at + window_ms),
        ));
        checks.check(could > 0 && covering == could, &format!("{n} wild rows: the fault reached the page (every poll from 1 s on covered the hour-ahead rows)"), json!({"polls": polls.len(), "from 1 s on": could, "covering": covering}));
        checks.check(
            ahead == 0 && all_time == 0,
            &format!("{n} wild rows: no poll window moves ahead (nor looks at all time)"),
            json!({"ahead": ahead, "all time": all_time}),
        );
        checks.check(
            after.frames >= 120 && after.ratio() >= before.ratio() - SHARE_TOLERANCE && after.ratio() >= baseline.ratio() - SHARE_TOLERANCE,
            &format!("{n} wild rows: the share of frames with boxes does not drop (real rows fetched and kept)"),
            format!("before {before}, after {after}, before the first insertion {baseline}"),
        );
    }
    figures.say(format!(
        "signaling sessions opened while the wild rows were inserted: {opened}; player {}",
        state["state"]
    ));
    checks.check(
        opened == 0 && state["state"] == "live",
        "no signaling session opened by the wild rows; still live",
        json!({"opened": opened, "state": state}),
    );

    let reopened = open_page(&rig, &browser, "reopened-wild")?;
    figures.say(opened_line("page opened while VAS holds the wild rows", &reopened));
    check_opened(checks, "a page opened while VAS holds the wild rows", &reopened);
    browser.goto(&rig.url())?;
    Ok(())
}

/// Runs the parts, each on a rig of its own; returns the checks passed.
pub fn run() -> Result<usize> {
    let mut checks = Checks::default();
    let mut figures = Figures::default();
    stepped_stamps(&mut checks, &mut figures)?;
    wild_rows_live(&mut checks, &mut figures)?;
    let dir = repo_root().join("target/figures");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join("live-clock-faults.txt"), &figures.0);
    checks.finish()
}

#[cfg(test)]
mod tests {
    use super::record::{classify, Frame, Share};
    use super::vas_rows::rfc3339;
    use super::*;

    #[test]
    fn rfc3339_round_trips_through_the_backend_parser() {
        for us in [0, 1_800_000_000_123_456, FAR_FUTURE_US - 1, 951_782_400_000_000] {
            let text = rfc3339(us);
            assert_eq!(vas_emulator::parse_time_us(&text), Some(us), "{text}");
        }
        assert_eq!(rfc3339(FAR_FUTURE_US), "9999-12-31T23:59:59.000000Z");
        assert_eq!(rfc3339(951_782_400_000_000), "2000-02-29T00:00:00.000000Z");
    }

    fn frames(boxes: &[u64]) -> Record {
        Record {
            frames: boxes
                .iter()
                .enumerate()
                .map(|(i, b)| Frame { t: i as f64 * 100.0, boxes: *b, delay: None })
                .collect(),
            polls: Vec::new(),
        }
    }

    #[test]
    fn boxes_are_steady_only_after_a_full_run() {
        let r = frames(&[1, 0, 1, 1, 0, 1, 1, 1, 0]);
        assert_eq!(r.first_boxes(50.0), Some(150.0));
        assert_eq!(r.steady_boxes(0.0, 3), Some(500.0));
        assert_eq!(r.steady_boxes(0.0, 4), None);
        assert_eq!(r.share(0.0, 500.0), Share { with_boxes: 3, frames: 5 });
    }

    #[test]
    fn windows_are_classified_and_on_clock_for_good_after_the_last_off() {
        let wall = 1_800_000_000_000.0;
        let hour = 3_600_000.0;
        assert_eq!(classify(wall - 300.0, wall + hour + 400.0, wall, 1000), Window::OnClock);
        assert_eq!(classify(wall - 10_200.0, wall - 200.0 + hour, wall, 1000), Window::Around);
        assert_eq!(classify(wall - 10_250.0, wall + hour, wall, 1000), Window::Around);
        assert_eq!(classify(wall - 1_250.0, wall + hour, wall, 1000), Window::OnClock);
        assert_eq!(classify(wall + hour, wall + 2.0 * hour, wall, 1000), Window::Ahead);
        assert_eq!(classify(0.0, 253_402_300_799_000.0, wall, 100), Window::AllTime);
        assert_eq!(classify(wall + hour, wall + 2.0 * hour, wall, 1), Window::Sweep);
        // Requests as the probe records them: a walk's further pages keep the start and lower the end.
        let req = |t: f64, start: f64, end: f64, limit: u64| json!({"t": t, "wall": wall + t, "start": start, "end": end, "limit": limit, "bytes": 10});
        let r = Record::parse(&json!({"frames": [], "polls": [
            req(0.0, wall + hour, wall + 2.0 * hour, 1000),
            req(100.0, wall - 60_000.0, wall + hour, 1000),
            req(150.0, wall - 60_000.0, wall - 13_000.0, 1000),
            req(160.0, wall - 90_000.0, wall - 60_000.0, 1),
            req(200.0, 0.0, 253_402_300_799_000.0, 100),
            req(300.0, wall - 400.0, wall + hour + 300.0, 1000),
            req(400.0, wall - 10_200.0, wall - 200.0 + hour, 1000),
            req(500.0, wall - 300.0, wall + hour + 500.0, 1000),
        ]}));
        let kinds: Vec<Window> = r.polls.iter().map(|p| p.kind).collect();
        use Window::*;
        assert_eq!(kinds, [Ahead, OnClock, Page, Sweep, AllTime, OnClock, Around, OnClock]);
        assert_eq!(r.polls(0.0, f64::INFINITY).count(), 6);
        assert_eq!(r.requests_per_poll(0.0, 250.0), 4.0 / 3.0);
        assert_eq!(r.first(0.0, Ahead), Some(0.0));
        assert_eq!(r.first(50.0, Ahead), None);
        assert_eq!(r.on_clock_for_good(0.0), Some(300.0));
        assert_eq!(r.on_clock_for_good(450.0), Some(50.0));
        // Regular polls at 300 and 500 ms: windows from 700 and 800 ms before their wall time.
        assert_eq!(r.margin(250.0, 600.0), Some(800.0));
    }
}

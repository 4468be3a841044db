//! End-to-end tests: the built viewer, served by the demo backend, used in headless Chromium like a user.

use std::path::Path;

use anyhow::{anyhow, bail, Context};
use serde_json::{json, Value};

use crate::browser::page_scripts::polling_script;
use crate::browser::Browser;
use crate::viewer_server;
use crate::Result;
use vas_emulator as demo_backend;
use vas_overlay_viewer::core::events::poll_grid;

// The recordings page against the demo recording: a separate module, see its notes.
mod recordings;
// The recordings page learning its clock offset from the picture.
mod picture_clock;
// The calibration's main-thread cost, as the live probe and the recordings page read it.
mod calibration_cost;
// The clip page against every VAS failure the contract lists (the fault matrix).
mod faults;
// The event wiring's state machines, native, against the demo backend with VAS's real flaws.
#[cfg(test)]
mod event_wiring;
// The live stage: the real MediaSoup SFU of the live rig in a private network namespace.
pub mod live;
// The recordings page with segments missing or damaged.
mod hls_faults;
// An overlay panic injected into the test-only fault-injection build (the live stage uses it too).
pub mod overlay_panic;
// The secrets scan: API key and camera credentials nowhere but where they belong.
mod secrets;
// The built viewer on a plain static host with an SPA fallback and no config.json.
mod static_hosting;
// The production server's flags and start-up check, as an operator meets them.
mod server_cli;
// Several live viewers of two cameras through the production server.
mod shared_polls;
// The recordings page on a day of VAS's rolling playlist.
mod day_recording;

/// The parts of the stage, for `cargo xtask e2e --only PART`.
const PARTS: &[&str] = &[
    "clip",
    "recordings",
    "picture-clock",
    "day",
    "faults",
    "hls",
    "shared",
    "panic",
    "secrets",
    "static",
    "server",
];

/// Waits (in the page, frame by frame) until `[data-overlay-root]` is `ok`
/// with at least `min_boxes` boxes, then reports what is drawn, or reports
/// a timeout with the state seen.
const WAIT_FOR_OVERLAY: &str = polling_script!(
    r#"
const [minBoxes, limitMs, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
function snapshot() {
  const root = document.querySelector('[data-overlay-root]');
  const video = document.querySelector('video');
  const visible = (sel) => root ? [...root.querySelectorAll(sel)].filter(e => e.style.display !== 'none') : [];
  return {
    state: root ? root.getAttribute('data-overlay-state') : null,
    clock: root ? root.getAttribute('data-clock') : null,
    frameSource: root ? root.getAttribute('data-frame-source') : null,
    currentTime: video ? video.currentTime : null,
    boxes: visible('[data-kind=box]').map(b => ({model: b.dataset.model, track: b.dataset.track, label: b.dataset.label})),
    labels: visible('[data-kind=label]').map(l => l.textContent),
    keypoints: visible('[data-kind=keypoint]').length,
    trails: visible('[data-kind=polyline]').length,
    message: (document.querySelector('[role=alert]') || {}).textContent || null,
  };
}
poll({done, limitMs}, (now, timedOut) => {
  const s = snapshot();
  if (s.state === 'ok' && s.boxes.length >= minBoxes && s.currentTime > 0.5) return s;
  if (timedOut()) { s.timeout = true; return s; }
});
"#
);

/// Waits until the video has played `secs` more seconds, or reports a timeout.
const WAIT_FOR_PLAYBACK: &str = polling_script!(
    r#"
const [secs, limitMs, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
const video = document.querySelector('video');
if (!video) return done({error: 'no video'});
const start = video.currentTime, t0 = performance.now();
let played = 0, last = start;
poll({done, limitMs, t0}, (_, timedOut) => {
  // Loops wrap currentTime back to 0: add up forward steps only.
  const now = video.currentTime;
  if (now > last) played += now - last;
  last = now;
  if (played >= secs) return {played, paused: video.paused};
  if (timedOut()) return {played, paused: video.paused, timeout: true};
});
"#
);

/// Waits for an element matching a selector, then clicks it.
const CLICK_WHEN_PRESENT: &str = polling_script!(
    r#"
const [sel, limitMs, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
poll({done, limitMs}, (now, timedOut) => {
  const el = document.querySelector(sel);
  if (el) { const body = document.body.innerText; el.click(); return {clicked: true, text: el.textContent, body}; }
  if (timedOut()) return {clicked: false, body: document.body.innerText.slice(0, 300)};
});
"#
);

/// Waits for an alert message and returns its text.
const READ_ALERT: &str = polling_script!(
    r#"
const [limitMs, done] = [arguments[0], arguments[arguments.length - 1]];
poll({done, limitMs}, (now, timedOut) => {
  const el = document.querySelector('[role=alert]');
  if (el) return el.textContent;
  if (timedOut()) return null;
});
"#
);

/// One end-to-end assertion: an error naming the part, the check and what was seen.
pub fn ensure(part: &str, cond: bool, what: &str, detail: impl std::fmt::Display) -> Result {
    if cond {
        Ok(())
    } else {
        Err(anyhow!("{part}: {what}: {detail}"))
    }
}

/// [`ensure`], printing the check when it holds.
pub fn ensure_loud(part: &str, cond: bool, what: &str, detail: impl std::fmt::Display) -> Result {
    ensure(part, cond, what, detail)?;
    println!("  ok: {what}");
    Ok(())
}

/// Switches the emulator's fault modes, then waits out the production
/// server's answer cache: answers from before the switch are kept to the end
/// of their cell of the wall clock (`server/src/answer_cache.rs`, one cell of
/// `poll_grid::CELL` by default), so a page asking in that cell could be
/// answered from before the switch and the new fault never reach it. The
/// wait is to the next cell boundary of the clock the server shares with
/// this process, plus 5 ms.
pub fn switch_faults(
    backend: &demo_backend::RunningBackend,
    faults: demo_backend::Faults,
) -> Result {
    backend.set_faults(faults).map_err(anyhow::Error::msg).context("set faults")?;
    let now = crate::native_client::now_wall();
    let next_cell = poll_grid::floor_to(now, poll_grid::CELL).plus(poll_grid::CELL);
    let wait_us = next_cell.since(now).max(0) as u64 + 5_000;
    std::thread::sleep(std::time::Duration::from_micros(wait_us));
    Ok(())
}

fn expect(cond: bool, what: &str, detail: &Value) -> Result {
    ensure_loud("e2e", cond, what, detail)
}

/// Runs every end-to-end check (or only the part named, one of [`PARTS`])
/// against a fresh demo backend on a free port.
pub fn run_all(root: &Path, only: Option<&str>) -> Result<usize> {
    if let Some(part) = only.filter(|p| !PARTS.contains(p)) {
        bail!("e2e: no part named {part}; the parts are {}", PARTS.join(", "));
    }
    let wanted = |part: &str| only.is_none_or(|p| p == part);
    let mut passed = 0;
    if ["clip", "recordings", "picture-clock", "day", "faults", "hls", "shared"]
        .iter()
        .any(|p| wanted(p))
    {
        passed += run_demo_parts(root, &wanted)?;
    }
    if wanted("panic") {
        passed += overlay_panic::run(root)?;
    }
    if wanted("secrets") {
        passed += secrets::run(root)?;
    }
    if wanted("static") {
        passed += static_hosting::run(root)?;
    }
    if wanted("server") {
        passed += server_cli::run(root)?;
    }
    Ok(passed)
}

/// The demo backend (VAS with auth on), the production server in front of
/// it, and a browser: what the demo parts and the picture-clock matrix run on.
struct DemoStage {
    backend: demo_backend::RunningBackend,
    /// Kept alive while the stage runs.
    _server: viewer_server::ViewerServer,
    base: String,
    browser: Browser,
}

fn demo_stage(root: &Path) -> Result<DemoStage> {
    let (dist, key) = (root.join("dist"), Some(viewer_server::EMULATED_VAS_KEY));
    let backend = crate::demo_vas::start(&dist, key)?;
    // The pages reach the emulator (VAS with auth on) through the production
    // server, as a browser reaches VAS; the tests drive the emulator directly.
    let server = crate::demo_vas::server(&backend, &dist, "e2e", key, &[])?;
    let base = server.url().to_owned();
    let browser = Browser::start()?;
    browser.set_script_timeout(60_000)?;
    Ok(DemoStage { backend, _server: server, base, browser })
}

/// The picture-clock matrix (`cargo xtask bench --picture-clock`), or its
/// cases whose name contains `only`: prints its table and writes it to
/// `target/picture-clock-matrix.txt`.
pub fn picture_clock_matrix(root: &Path, only: Option<&str>) -> Result {
    let stage = demo_stage(root)?;
    let table = picture_clock::run_matrix(&stage.browser, &stage.backend, &stage.base, root, only)?;
    print!("{table}");
    std::fs::write(root.join("target/picture-clock-matrix.txt"), &table)?;
    Ok(())
}

/// The clip page, the recordings page and the fault matrix, on one backend and browser.
fn run_demo_parts(root: &Path, wanted: &dyn Fn(&str) -> bool) -> Result<usize> {
    let DemoStage { backend, _server: server, base, browser } = demo_stage(root)?;
    let mut passed = 0;
    if wanted("clip") {
        passed += run_clip(&browser, &base, root)?;
    }
    // 3. The recordings page: hls.js playback and alignment per mapping method.
    if wanted("recordings") {
        passed += recordings::run(&browser, &base, root)?;
    }
    // A day of VAS's rolling playlist: opened at the newest, no blink as segments roll off, a day back.
    if wanted("day") {
        passed += day_recording::run(&browser, &backend, &base)?;
    }
    // 4. The fault matrix: every VAS failure, the video plays on and the overlay recovers.
    if wanted("faults") {
        passed += faults::run(&browser, &backend, &base, root)?;
    }
    // 5. The HLS segment faults: playback moves past missing and damaged segments, boxes stay aligned.
    if wanted("picture-clock") {
        passed += picture_clock::run(&browser, &backend, &base, root)?;
    }
    if wanted("hls") {
        passed += hls_faults::run(&backend, &base, root)?;
    }
    // 6. Several live viewers of two cameras: every row to each, VAS asked once.
    if wanted("shared") {
        passed += shared_polls::run(&backend, &base)?;
    }
    drop(browser);
    drop(server);
    backend.stop();
    Ok(passed)
}

/// The camera list, the clip page, its CSP and its parameter messages.
fn run_clip(browser: &Browser, base: &str, root: &Path) -> Result<usize> {
    let mut passed = 0;

    // 1. A newcomer opens the printed URL, sees the camera list and follows the clip link.
    browser.goto(base)?;
    let click = browser.execute_async(CLICK_WHEN_PRESENT, json!(["a[href*='/clip']", 20_000]))?;
    expect(click["clicked"] == true, "the camera list links the demo camera's clip", &click)?;
    let body = click["body"].as_str().unwrap_or_default();
    expect(
        body.contains("Demo street") && !body.contains("rtsp") && !body.contains("secret"),
        "the list shows the camera's name and never its rtsp_url",
        &click,
    )?;
    passed += 2;
    let s = browser.execute_async(WAIT_FOR_OVERLAY, json!([3, 30_000]))?;
    expect(s["timeout"].is_null(), "boxes appear on the playing demo clip", &s)?;
    let models: std::collections::BTreeSet<&str> =
        s["boxes"].as_array().into_iter().flatten().filter_map(|b| b["model"].as_str()).collect();
    expect(
        models.len() >= 2,
        "both demo models are drawn (canonical and non-canonical payloads)",
        &s,
    )?;
    let labels = s["labels"].as_array().cloned().unwrap_or_default();
    expect(
        labels.iter().any(|l| l.as_str().is_some_and(|t| t.ends_with('%'))),
        "label chips show class and confidence",
        &s,
    )?;
    expect(
        s["clock"] == "clip-start" && s["frameSource"] == "video-frame-callback",
        "frame clock from video-frame metadata",
        &s,
    )?;
    expect(
        s["keypoints"].as_u64().unwrap_or(0) > 0 && s["trails"].as_u64().unwrap_or(0) > 0,
        "keypoints and track trails drawn",
        &s,
    )?;
    passed += 5;
    let shot = browser.screenshot_png()?;
    let out = root.join("target/e2e");
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join("demo-camera.png"), &shot)?;
    println!("  screenshot: target/e2e/demo-camera.png ({} bytes)", shot.len());
    let p = browser.execute_async(WAIT_FOR_PLAYBACK, json!([2.0, 20_000]))?;
    expect(
        p["timeout"].is_null() && p["paused"] == false,
        "the video keeps playing under the overlay",
        &p,
    )?;
    passed += 1;

    // The page runs under its Content-Security-Policy: everything above worked
    // under it, and an injected inline script does not run.
    let index = ureq::get(base).call()?.into_string()?;
    expect(
        index.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'"),
        "index.html carries the CSP",
        &json!(index.len()),
    )?;
    let blocked = browser.execute_async(
        "const done = arguments[arguments.length - 1]; const s = document.createElement('script'); \
         s.textContent = 'window.__injected = 1'; document.head.appendChild(s); \
         requestAnimationFrame(() => done(window.__injected === undefined));",
        json!([]),
    )?;
    expect(blocked == true, "an injected inline script is refused by the CSP", &blocked)?;
    passed += 2;

    // 2. A bad address gives a clear message, not a blank page.
    browser.goto(&format!("{base}cameras/abc/clip?src=/demo/clip.mp4"))?;
    let msg = browser.execute_async(READ_ALERT, json!([20_000]))?;
    expect(
        msg.as_str().is_some_and(|m| m.contains("start")),
        "a missing `start` parameter is explained",
        &msg,
    )?;
    browser.goto(&format!(
        "{base}cameras/abc/clip?src=javascript:alert(1)&start=2026-01-05T12:00:00Z"
    ))?;
    let msg = browser.execute_async(READ_ALERT, json!([20_000]))?;
    expect(
        msg.as_str().is_some_and(|m| m.contains("src")),
        "an unsupported `src` is refused with a message",
        &msg,
    )?;
    passed += 2;
    Ok(passed)
}

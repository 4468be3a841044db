//! End-to-end, overlay panic: a panic injected into the overlay of the built viewer hides it, and nothing else stops.
//!
//! Runs against the test-only copy of the viewer built with `--features
//! fault-injection` (`target/fault-injection-dist/`), whose page hook
//! `window.__vasInjectFault('overlay-panic')` makes the next overlay frame
//! panic. A Rust panic in wasm ends in a trap, so this is the real failure:
//! the panic hook and the window `error` listener of `fault_guard` must hide
//! every overlay root, and the player, the router and the rest of the page
//! must go on. On the clip page, the recordings page (hls.js, whose
//! playlists still pass through the Rust fixer after the trap) and, in the
//! live stage, the live page (WebRTC from the rig's SFU) it measures
//! how fast the overlay is hidden, how much video plays after the panic, the
//! worst gap between animation frames, and then routes to the camera list
//! and back inside the same page instance. It also checks that the
//! production `dist/` holds no trace of the hook.
//!
//! Each page takes two panics, in two page loads: one at the start of an
//! overlay frame, and one inside the store's borrow
//! (`'overlay-panic-in-borrow'`), which leaves the store borrowed for good,
//! as a trap does: the players, which reach what they share with the
//! overlay only through `try_borrow*`, must play on regardless. The second
//! panic can only fire in a frame that reads the store, so an overlay hidden
//! after it proves it fired there.

use std::path::Path;

use anyhow::{anyhow, bail};
use serde_json::{json, Value};

use crate::browser::page_scripts::polling_script;
use crate::browser::Browser;
use crate::demo_vas::DEMO_CAMERA as CAMERA;
use crate::Result;

/// The page hook's name, as `fault_guard::injection::PAGE_HOOK` defines it
/// (that module is wasm-only, so it is repeated here; the check that the
/// fault-injection build contains it keeps the two in step).
const PAGE_HOOK: &str = "__vasInjectFault";
/// Strings that only the fault-injection build may contain.
const INJECTION_TRACES: &[&str] = &[PAGE_HOOK, "overlay-panic", "injected overlay fault"];
/// The panics the page hook arms (`fault_guard::injection`'s kinds).
const KINDS: [(&str, &str); 2] =
    [("overlay-panic", ""), ("overlay-panic-in-borrow", " (in the store's borrow)")];
/// Every overlay root must be hidden within this long after the hook is
/// called, and by the second presented video frame: the panic happens in
/// the overlay's next frame, and the overlay's frames are the video's
/// (`requestVideoFrameCallback`; at 30 frames/s an animation-frame count
/// would depend on where between two video frames the hook was called).
/// The time bound leaves room for a loaded machine.
const HIDE_WITHIN_MS: f64 = 500.0;
const HIDE_WITHIN_FRAMES: u64 = 2;
/// Video that must play after the panic.
const PLAY_AFTER_S: f64 = 2.0;
/// Longest tolerated gap between animation frames after the panic (as in the fault matrix).
const MAX_FRAME_GAP_MS: f64 = 1_000.0;

/// Injects the panic and watches the page until `secs` of video have played
/// after every overlay root was hidden: when they were hidden (from a
/// MutationObserver, so to within the task that hid them), video played,
/// the worst gap between animation frames from the injection on, frames on
/// which any root showed again, dialogs and alerts.
const INJECT_AND_OBSERVE: &str = polling_script!(
    r#"
const [hook, kind, secs, limitMs, done] = [arguments[0], arguments[1], arguments[2], arguments[3], arguments[arguments.length - 1]];
if (typeof window[hook] !== 'function') return done({error: 'no page hook ' + hook});
const roots = () => [...document.querySelectorAll('[data-overlay-root]')];
const allHidden = () => { const r = roots(); return r.length > 0 && r.every(e => e.getAttribute('data-overlay-state') === 'hidden' && e.style.display === 'none'); };
const before = roots().map(e => e.getAttribute('data-overlay-state'));
// A dialog would be shown to the user: count any attempt.
window.__e2eDialogs = 0;
for (const name of ['alert', 'confirm', 'prompt']) window[name] = () => { window.__e2eDialogs++; };
// Set once; a full reload (instead of in-app routing) would lose it.
window.__e2eSameInstance = true;
// What reached the window uncaught: a real panic ends in a WebAssembly trap.
const uncaught = [];
window.addEventListener('error', e => uncaught.push(e.error && e.error.constructor ? e.error.constructor.name : String(e.message)));
const video = document.querySelector('video');
const unknown = window[hook]('no-such-fault');
let hiddenAt = null;
const observer = new MutationObserver(() => { if (hiddenAt === null && allHidden()) hiddenAt = performance.now(); });
roots().forEach(r => observer.observe(r, {attributes: true}));
const t0 = performance.now();
const known = window[hook](kind);
let played = 0, last = video.currentTime, lastFrame = null, worstGap = 0, hiddenFrames = 0, shownFrames = 0;
let frames = 0, framesToHide = null;
// Presented video frames since the hook was called, until the overlay is hidden.
function videoTick() {
  frames++;
  if (hiddenAt === null && allHidden()) hiddenAt = performance.now();
  if (hiddenAt !== null) { if (framesToHide === null) framesToHide = frames; return; }
  video.requestVideoFrameCallback(videoTick);
}
video.requestVideoFrameCallback(videoTick);
poll({done, limitMs, t0, firstFrame: true}, (now, timedOut) => {
  if (lastFrame !== null) worstGap = Math.max(worstGap, now - lastFrame);
  lastFrame = now;
  if (hiddenAt === null && allHidden()) hiddenAt = performance.now();
  const ct = video.currentTime;
  if (hiddenAt !== null) {
    // Loops wrap currentTime back to 0: add up forward steps only.
    if (ct > last) played += ct - last;
    if (allHidden()) hiddenFrames++; else shownFrames++;
  }
  last = ct;
  const alert = document.querySelector('[role=alert]');
  const timeout = timedOut();
  if ((hiddenAt !== null && played >= secs) || timeout) {
    observer.disconnect();
    return {known, unknown, before, roots: roots().length, hiddenMs: hiddenAt === null ? null : hiddenAt - t0, framesToHide,
      played, worstGapMs: worstGap, paused: video.paused, hiddenFrames, shownFrames, uncaught,
      dialogs: window.__e2eDialogs, alert: alert ? alert.textContent : null, timeout};
  }
});
"#
);

/// Waits until the camera list is shown by in-app routing (same page instance).
const CAMERA_LIST_SHOWN: &str = polling_script!(
    r#"
const [limitMs, done] = [arguments[0], arguments[arguments.length - 1]];
poll({done, limitMs}, (now, timedOut) => {
  const rows = document.querySelectorAll('tr[data-camera]').length;
  if (location.pathname === '/' && rows > 0)
    return {rows, sameInstance: window.__e2eSameInstance === true,
      alert: (document.querySelector('[role=alert]') || {}).textContent || null};
  if (timedOut()) return {timeout: true, path: location.pathname, rows};
});
"#
);

/// After routing back to a camera page: waits until its video has played
/// `secs`, watching that every overlay root stays hidden meanwhile.
const BACK_ON_PAGE: &str = polling_script!(
    r#"
const [path, secs, limitMs, done] = [arguments[0], arguments[1], arguments[2], arguments[arguments.length - 1]];
let played = 0, last = null, shownFrames = 0, frames = 0, worstGap = 0, lastFrame = null;
poll({done, limitMs, firstFrame: true}, (now, timedOut) => {
  if (lastFrame !== null) worstGap = Math.max(worstGap, now - lastFrame);
  lastFrame = now;
  const video = location.pathname === path ? document.querySelector('video') : null;
  const roots = [...document.querySelectorAll('[data-overlay-root]')];
  if (video && roots.length > 0) {
    frames++;
    if (!roots.every(e => e.getAttribute('data-overlay-state') === 'hidden' && e.style.display === 'none')) shownFrames++;
    if (last !== null && video.currentTime > last) played += video.currentTime - last;
    last = video.currentTime;
  }
  const timeout = timedOut();
  if (played >= secs || timeout)
    return {played, frames, shownFrames, roots: roots.length, worstGapMs: worstGap, paused: video ? video.paused : null,
      sameInstance: window.__e2eSameInstance === true, dialogs: window.__e2eDialogs,
      alert: (document.querySelector('[role=alert]') || {}).textContent || null, timeout};
});
"#
);

fn check(cond: bool, what: &str, detail: &Value) -> Result {
    super::ensure_loud("e2e overlay panic", cond, what, detail)
}

/// One camera page under test: where it is, how it is reached from the camera list.
struct PageCase {
    name: String,
    /// The panic armed (one of [`KINDS`]).
    kind: &'static str,
    path: String,
    query: &'static str,
    /// The camera list's link back to this page.
    link: String,
    /// Boxes the overlay must draw before the panic.
    min_boxes: u64,
}

/// Runs the overlay-panic checks; returns how many passed and writes
/// `target/figures/overlay-panic.txt`.
pub fn run(root: &Path) -> Result<usize> {
    let mut passed = check_no_trace_in_production(root)?;
    let dist = root.join(crate::FAULT_INJECTION_DIST);
    if !dist.join("index.html").is_file() {
        bail!("e2e overlay panic: {} is not built (cargo xtask e2e builds it)", dist.display());
    }
    let key = crate::viewer_server::EMULATED_VAS_KEY;
    let backend = crate::demo_vas::start(&dist, Some(key))?;
    // The fault-injection build, served by the production server in front of the emulator.
    let server = crate::demo_vas::server(&backend, &dist, "overlay-panic", Some(key), &[])?;
    let base = server.url().to_owned();
    let browser = Browser::start()?;
    browser.set_script_timeout(90_000)?;
    let pages = [
        (
            "clip",
            format!("/cameras/{CAMERA}/clip"),
            "?src=/demo/clip.mp4&start=2026-01-05T12:00:00Z",
            format!("tr[data-camera='{CAMERA}'] a[href*='/clip']"),
            3,
        ),
        (
            "recordings",
            format!("/cameras/{CAMERA}/recordings"),
            "?at=2026-01-05T13:00:02Z",
            format!("tr[data-camera='{CAMERA}'] a[href$='/recordings']"),
            1,
        ),
    ];
    let cases: Vec<PageCase> = pages
        .iter()
        .flat_map(|(name, path, query, link, min_boxes)| {
            KINDS.map(|(kind, note)| PageCase {
                name: format!("{name}{note}"),
                kind,
                path: path.clone(),
                query,
                link: link.clone(),
                min_boxes: *min_boxes,
            })
        })
        .collect();
    let mut figures = format!(
        "overlay panic injected through window.{PAGE_HOOK}('overlay-panic' or 'overlay-panic-in-borrow') in the fault-injection build\n\
         | page | hidden after (bound {HIDE_WITHIN_MS} ms, {HIDE_WITHIN_FRAMES} frames) | video played after | worst frame gap | paused | routed away and back |\n|---|---|---|---|---|---|\n"
    );
    for case in &cases {
        let (n, line) = run_case(&browser, &base, case)?;
        passed += n;
        figures.push_str(&line);
    }
    drop(browser);
    drop(server);
    backend.stop();
    let out = root.join("target/figures");
    let _ = std::fs::create_dir_all(&out);
    let _ = std::fs::write(out.join("overlay-panic.txt"), &figures);
    Ok(passed)
}

/// One page: boxes first, then the panic and what follows it, then routing
/// to the camera list and back. Returns the checks passed and the figures row.
fn run_case(browser: &Browser, base: &str, case: &PageCase) -> Result<(usize, String)> {
    let mut passed = 0;
    let ok = |cond: bool, what: &str, detail: &Value| {
        check(cond, &format!("{}: {what}", case.name), detail)
    };
    let url = format!("{}{}{}", base.trim_end_matches('/'), case.path, case.query);
    browser.goto(&url)?;
    let s = browser.execute_async(super::WAIT_FOR_OVERLAY, json!([case.min_boxes, 45_000]))?;
    ok(s["timeout"].is_null(), "boxes drawn before the panic", &s)?;

    let o = browser
        .execute_async(INJECT_AND_OBSERVE, json!([PAGE_HOOK, case.kind, PLAY_AFTER_S, 45_000]))?;
    ok(
        o["error"].is_null() && o["known"] == true && o["unknown"] == false,
        "the page hook arms only a known fault",
        &o,
    )?;
    let hidden_ms = o["hiddenMs"].as_f64();
    ok(
        hidden_ms.is_some_and(|ms| ms <= HIDE_WITHIN_MS) && o["framesToHide"].as_u64().is_some_and(|f| f <= HIDE_WITHIN_FRAMES),
        &format!("every overlay root hidden within {HIDE_WITHIN_MS} ms and {HIDE_WITHIN_FRAMES} animation frames of the panic"),
        &o,
    )?;
    let played = o["played"].as_f64().unwrap_or(0.0);
    ok(played >= PLAY_AFTER_S && o["paused"] == false, "the video plays on after the panic", &o)?;
    let gap = o["worstGapMs"].as_f64().unwrap_or(f64::MAX);
    ok(
        gap < MAX_FRAME_GAP_MS,
        &format!("the page stays responsive (worst frame gap under {MAX_FRAME_GAP_MS} ms)"),
        &o,
    )?;
    ok(o["alert"].is_null() && o["dialogs"] == 0, "the fault is silent (no alert, no dialog)", &o)?;
    ok(o["shownFrames"] == 0, "the overlay stays hidden", &o)?;
    let trapped = o["uncaught"].as_array().is_some_and(|u| u.iter().any(|n| n == "RuntimeError"));
    ok(trapped, "the panic was a real WebAssembly trap", &o)?;
    passed += 7;

    // In-app routing: to the camera list and back, in the same page instance.
    browser.click("a[href='/']")?;
    let l = browser.execute_async(CAMERA_LIST_SHOWN, json!([20_000]))?;
    ok(
        l["timeout"].is_null() && l["sameInstance"] == true && l["alert"].is_null(),
        "routing to the camera list works after the panic",
        &l,
    )?;
    browser.click(&case.link)?;
    let b = browser.execute_async(BACK_ON_PAGE, json!([case.path, 1.0, 30_000]))?;
    ok(
        b["timeout"] == false && b["sameInstance"] == true && b["paused"] == false,
        "routing back to the page plays its video again",
        &b,
    )?;
    ok(
        b["frames"].as_u64().unwrap_or(0) > 0
            && b["shownFrames"] == 0
            && b["alert"].is_null()
            && b["dialogs"] == 0,
        "back on the page, the overlay is still hidden and nothing is shown to the user",
        &b,
    )?;
    passed += 3;
    let line = format!(
        "| {} | {:.0} ms, frame {} | {:.2} s | {:.0} ms | no | yes |\n",
        case.name,
        hidden_ms.unwrap_or(f64::NAN),
        o["framesToHide"],
        played,
        gap,
    );
    print!("  {line}");
    Ok((passed, line))
}

/// The live page of `camera` (the live stage's rig serves the
/// fault-injection build): the same checks; its row is added to the figures.
pub fn run_live(browser: &Browser, base: &str, camera: &str) -> Result<usize> {
    let mut passed = 0;
    let mut lines = String::new();
    for (kind, note) in KINDS {
        let case = PageCase {
            name: format!("live{note}"),
            kind,
            path: format!("/cameras/{camera}"),
            query: "",
            link: format!("tr[data-camera='{camera}'] a[href='/cameras/{camera}']"),
            min_boxes: 1,
        };
        let (n, line) = run_case(browser, base, &case)?;
        passed += n;
        lines.push_str(&line);
    }
    let path = crate::repo_root().join("target/figures/overlay-panic.txt");
    // Replaces the live rows of an earlier live run, if any.
    let text: String = std::fs::read_to_string(&path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.starts_with("| live"))
        .map(|l| format!("{l}\n"))
        .collect();
    let _ = std::fs::write(&path, text + &lines);
    Ok(passed)
}

/// Bytes of every file under `dir`, with its path.
fn files_under(dir: &Path) -> Result<Vec<(std::path::PathBuf, Vec<u8>)>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).map_err(|e| anyhow!("{}: {e:#}", d.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes =
                    std::fs::read(&path).map_err(|e| anyhow!("{}: {e:#}", path.display()))?;
                out.push((path, bytes));
            }
        }
    }
    Ok(out)
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// The production build holds none of the injection's strings, in any file
/// (wasm, its JS glue, index.html), while the fault-injection build holds
/// the hook's name: the search is shown to find it where it is.
fn check_no_trace_in_production(root: &Path) -> Result<usize> {
    let prod = files_under(&root.join("dist"))?;
    let fault = files_under(&root.join(crate::FAULT_INJECTION_DIST))?;
    let scanned = |files: &Vec<(std::path::PathBuf, Vec<u8>)>| {
        files
            .iter()
            .filter(|(p, _)| p.extension().is_some_and(|e| e == "wasm" || e == "js" || e == "html"))
            .count()
    };
    let hits: Vec<String> = prod
        .iter()
        .flat_map(|(p, bytes)| {
            INJECTION_TRACES
                .iter()
                .filter(move |t| contains(bytes, t))
                .map(move |t| format!("{t} in {}", p.display()))
        })
        .collect();
    let detail =
        json!({"production files": prod.len(), "wasm/js/html": scanned(&prod), "hits": hits});
    check(
        scanned(&prod) >= 3 && hits.is_empty(),
        "the production dist/ holds no trace of the fault-injection hook",
        &detail,
    )?;
    let in_fault_build = fault
        .iter()
        .any(|(p, bytes)| p.extension().is_some_and(|e| e == "wasm") && contains(bytes, PAGE_HOOK));
    check(
        in_fault_build,
        "the fault-injection build does hold the hook (the search finds it)",
        &json!({"files": fault.len()}),
    )?;
    Ok(2)
}

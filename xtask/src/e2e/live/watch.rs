//! What the live checks wait on and read: the page's player state and the rig's signaling log.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::browser::Browser;
use crate::rig::Rig;
use crate::Result;

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

pub(crate) fn wait_state(browser: &Browser, states: &[&str], limit_ms: u64) -> Result<Value> {
    browser.execute_async(WAIT_FOR_STATE, json!([states, limit_ms]))
}

/// The rig's message log: entries `{conn, dir, type, payload, overlapping}`.
pub(super) fn log(rig: &Rig) -> Result<Vec<Value>> {
    Ok(rig.get("/__rig/log")?.as_array().cloned().unwrap_or_default())
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

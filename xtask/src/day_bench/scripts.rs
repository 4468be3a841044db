//! The scripts the day-recording benchmark runs in its pages: the instrumentation added before the viewer's code, and the waits.

use crate::browser::page_scripts::polling_script;

/// Added to every new document before the viewer's scripts (DevTools'
/// `Page.addScriptToEvaluateOnNewDocument`). `window.__dayBench` keeps:
/// the first presented frame (`requestVideoFrameCallback`) and the first
/// frame with boxes; for each new presented frame, the overlay as drawn
/// (read in a task posted from the animation frame, so after the overlay's
/// own animation-frame callback for that frame has run); playlist resource
/// entries; long tasks; animation-frame gaps over 50 ms. `windowStart` /
/// `windowStop` bracket a measured period.
pub(super) const INSTRUMENT: &str = r#"(() => {
  if (window.__dayBench) return;
  const B = {firstFrameMs: null, firstFrameMt: null, firstBoxesMs: null, firstBoxes: null, video: null,
    presented: 0, lastMt: null, lastSeen: -1, lastRaf: null, lastEval: null, reloads: [], eventFetches: [], longtasks: [], rafGaps: [], win: null};
  window.__dayBench = B;
  B.rootOf = () => document.querySelector('[data-overlay-root]:not([data-timeline-strip])');
  B.boxesShown = (root) => { let n = 0; for (const b of root.querySelectorAll('[data-kind=box]')) if (b.style.display !== 'none') n++; return n; };
  try {
    new PerformanceObserver(l => { for (const e of l.getEntries()) {
      if (e.name.includes('/playlist'))
        B.reloads.push({start: e.startTime, end: e.responseEnd, transfer: e.transferSize, encoded: e.encodedBodySize, decoded: e.decodedBodySize});
      else if (e.name.includes('/ai-events/') && B.eventFetches.length < 2000)
        B.eventFetches.push({url: e.name, start: e.startTime, end: e.responseEnd, decoded: e.decodedBodySize});
    } }).observe({type: 'resource', buffered: true});
  } catch (e) { B.resourceError = String(e); }
  try {
    new PerformanceObserver(l => { for (const e of l.getEntries()) B.longtasks.push([e.startTime, e.duration]); }).observe({type: 'longtask', buffered: true});
  } catch (e) { B.longtaskError = String(e); }
  function attach(v) {
    B.video = v;
    if (typeof v.requestVideoFrameCallback !== 'function') { B.noFrameCallback = true; return; }
    const onFrame = (now, md) => {
      if (B.firstFrameMs === null) { B.firstFrameMs = now; B.firstFrameMt = md.mediaTime; }
      B.presented = md.presentedFrames; B.lastMt = md.mediaTime;
      if (B.video === v) v.requestVideoFrameCallback(onFrame);
    };
    v.requestVideoFrameCallback(onFrame);
  }
  function closeStretch(w, t, open) {
    const s = {at: w.noBoxSince - w.t0, ms: t - w.noBoxSince, mt: w.noBoxMt, open};
    w.count++;
    w.stretches.push(s);
    w.stretches.sort((a, b) => b.ms - a.ms);
    if (w.stretches.length > 8) w.stretches.length = 8;
    w.noBoxSince = null;
  }
  const jobs = [];
  const channel = new MessageChannel();
  channel.port1.onmessage = () => {
    const job = jobs.shift();
    if (!job) return;
    const root = B.rootOf();
    const n = root && root.getAttribute('data-overlay-state') !== 'hidden' ? B.boxesShown(root) : 0;
    B.lastEval = {p: job.p, t: job.t, n};
    if (n > 0 && B.firstBoxesMs === null) {
      B.firstBoxesMs = job.t;
      B.firstBoxes = {frameUs: root.getAttribute('data-frame-time-us'), mt: root.getAttribute('data-media-time'), boxes: n,
        currentTime: B.video && B.video.currentTime, duration: B.video && B.video.duration};
    }
    const w = B.win;
    if (w && !w.closed) {
      w.frames++;
      if (n > 0) { w.withBoxes++; if (w.noBoxSince !== null) closeStretch(w, job.t, false); }
      else if (w.noBoxSince === null) { w.noBoxSince = job.t; w.noBoxMt = job.mt; }
    }
  };
  function tick(now) {
    if (B.lastRaf !== null && now - B.lastRaf > 50 && B.rafGaps.length < 20000) B.rafGaps.push([B.lastRaf, now - B.lastRaf]);
    B.lastRaf = now;
    const v = document.querySelector('video');
    if (v && v !== B.video) attach(v);
    if (B.presented !== B.lastSeen) {
      B.lastSeen = B.presented;
      jobs.push({p: B.presented, t: now, mt: B.lastMt});
      channel.port2.postMessage(null);
    }
    requestAnimationFrame(tick);
  }
  requestAnimationFrame(tick);
  B.quality = () => { const v = B.video; const q = v && v.getVideoPlaybackQuality ? v.getVideoPlaybackQuality() : null;
    return q ? {total: q.totalVideoFrames, dropped: q.droppedVideoFrames} : null; };
  B.windowStart = () => {
    B.win = {t0: performance.now(), frames: 0, withBoxes: 0, noBoxSince: null, noBoxMt: null, stretches: [], count: 0,
      q0: B.quality(), ct0: B.video ? B.video.currentTime : null};
    return B.win.t0;
  };
  B.windowStop = () => {
    const w = B.win, t1 = performance.now();
    if (!w) return null;
    if (w.noBoxSince !== null) closeStretch(w, t1, true);
    w.closed = true;
    const inside = (t) => t >= w.t0 && t <= t1;
    return {t0: w.t0, t1, frames: w.frames, withBoxes: w.withBoxes, stretches: w.stretches, stretchCount: w.count,
      q0: w.q0, q1: B.quality(), ct0: w.ct0, ct1: B.video ? B.video.currentTime : null, paused: B.video ? B.video.paused : null,
      ended: B.video ? B.video.ended || B.video.currentTime >= B.video.duration - 0.5 : null, timeOrigin: performance.timeOrigin, eventFetches: B.eventFetches,
      reloads: B.reloads.filter(r => inside(r.end)), allReloads: B.reloads.length, firstReload: B.reloads[0] || null,
      longtasks: B.longtasks.filter(l => inside(l[0])), rafGaps: B.rafGaps.filter(g => inside(g[0] + g[1])),
      resourceError: B.resourceError || null, longtaskError: B.longtaskError || null, noFrameCallback: !!B.noFrameCallback};
  };
})();"#;

/// Waits (from navigation) until a frame with boxes was drawn, a parameter
/// was refused, or the limit; says what the page shows.
pub(super) const WAIT_FIRST: &str = polling_script!(
    r#"
pub(super) const [limitMs, done] = [arguments[0], arguments[arguments.length - 1]];
const B = window.__dayBench;
function info() {
  const root = B ? B.rootOf() : null;
  const v = document.querySelector('video');
  const alert = document.querySelector('[role=alert]');
  const note = document.querySelector('[data-start-note]');
  const ci = document.querySelector('[data-clock-info]');
  return {firstFrameMs: B ? B.firstFrameMs : null, firstFrameMt: B ? B.firstFrameMt : null, firstBoxesMs: B ? B.firstBoxesMs : null,
    firstBoxes: B ? B.firstBoxes : null, note: note && note.textContent, alert: alert && alert.textContent,
    paramError: alert && alert.getAttribute('data-param-error'), clockInfo: ci && ci.textContent,
    currentTime: v && v.currentTime, duration: v && v.duration, state: root && root.getAttribute('data-overlay-state'), now: performance.now()};
}
if (!B) return done(Object.assign(info(), {error: 'the instrumentation script did not run'}));
// The limit counts from the navigation (the page's time origin).
poll({done, limitMs, t0: 0}, (now, timedOut) => {
  if (B.firstBoxesMs !== null) return info();
  const alert = document.querySelector('[role=alert][data-param-error]');
  if (alert) return Object.assign(info(), {refused: true});
  if (timedOut()) return Object.assign(info(), {timeout: true});
});
"#
);

/// Pauses for `pauseMs`, plays, and waits for a new presented frame with
/// boxes; watches the timeline's clock info meanwhile.
pub(super) const PAUSE_PLAY: &str = polling_script!(
    r#"
pub(super) const [pauseMs, limitMs, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
const B = window.__dayBench;
pub(super) const v = document.querySelector('video');
if (!B || !v) return done({error: 'no video'});
pub(super) const info = () => { const p = document.querySelector('[data-clock-info]'); return p ? p.textContent : ''; };
const unknown = (t) => t.includes('not known yet');
let duringPause = unknown(info()), afterPlay = false, playError = null, pausedAt = null;
pub(super) const play = () => { const p = v.play(); if (p && p.catch) p.catch(e => { playError = String(e); }); };
// Waits for a frame presented after `t0` with boxes drawn, then calls `then(ms, boxes)`.
function whenDrawn(p0, t0, then, onTimeout) {
  const finish = (drawn) => (drawn ? then(drawn.ms, drawn.boxes) : onTimeout());
  poll({done: finish, limitMs, t0}, (now, timedOut) => {
    if (unknown(info())) afterPlay = pausedAt !== null;
    const e = B.lastEval;
    if (e && e.p > p0 && e.n > 0 && e.t >= t0) return {ms: e.t - t0, boxes: e.n};
    if (timedOut()) return null;
  });
}
function pauseNow() {
  pausedAt = v.currentTime;
  v.pause();
  const watch = setInterval(() => { if (unknown(info())) duringPause = true; }, 100);
  setTimeout(() => {
    clearInterval(watch);
    const infoAtPlay = info(), resumedAt = v.currentTime, p0 = B.presented, t0 = performance.now();
    play();
    const base = () => ({duringPause, afterPlay, infoAtPlay, info: info(), pausedAt, resumedAt, rewound, currentTime: v.currentTime, playError});
    whenDrawn(p0, t0, (ms, boxes) => done(Object.assign(base(), {ms, boxes})), () => done(Object.assign(base(), {timeout: true, paused: v.paused})));
  }, pauseMs);
}
// A recording that does not grow (the demo) may have played to its end: the
// pause is then taken 18 s before its end (about where it opens), once boxes show there.
pub(super) const rewound = v.ended || v.currentTime >= v.duration - 0.5 ? Math.max(0, v.duration - 18) : null;
if (rewound === null) {
  pauseNow();
} else {
  const p0 = B.presented, t0 = performance.now();
  v.currentTime = rewound;
  play();
  whenDrawn(p0, t0, () => pauseNow(), () => done({timeout: true, rewound, rewindFailed: true, currentTime: v.currentTime, playError}));
}
"#
);

pub(super) const MEMORY: &str =
    "({used: performance.memory.usedJSHeapSize, total: performance.memory.totalJSHeapSize})";

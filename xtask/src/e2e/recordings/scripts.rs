//! The in-page scripts of the recordings checks: reading each frame's burnt-in code, sampling what the overlay drew, waiting for boxes, seeks, runs, fullscreen and where a page opens.

use crate::browser::page_scripts::polling_script;

/// Page script (a literal, for `concat!`): reads the frame code burnt into
/// each presented frame's pixels, in the frame callback, into `codes`
/// (media time -> frame index) until `active` is false. Needs `video` and
/// `fc` (the code's cell geometry) in scope.
macro_rules! frame_code_reader {
    () => {
        r#"const canvas = document.createElement('canvas');
canvas.width = video.videoWidth; canvas.height = video.videoHeight;
const g = canvas.getContext('2d', {willReadFrequently: true});
const codes = new Map();
let active = true;
function onFrame(now, md) {
  if (!active) return;
  g.drawImage(video, 0, 0, canvas.width, canvas.height);
  const d = g.getImageData(fc.x, fc.y, fc.cell * fc.bits, fc.cell).data;
  let n = 0;
  for (let i = 0; i < fc.bits; i++) {
    const o = ((fc.cell >> 1) * fc.cell * fc.bits + i * fc.cell + (fc.cell >> 1)) * 4;
    n = n * 2 + (d[o] + d[o + 1] + d[o + 2] > 384 ? 1 : 0);
  }
  codes.set(md.mediaTime.toFixed(6), n);
  video.requestVideoFrameCallback(onFrame);
}
video.requestVideoFrameCallback(onFrame);
"#
    };
}
pub(crate) use frame_code_reader;

/// Samples presented frames the overlay has drawn, with media time in
/// [min, max]: the frame's own code (read from the video pixels in the
/// frame callback), the overlay's wall time and clock attributes, and its
/// boxes relative to the video element.
pub(super) const SAMPLE: &str = polling_script!(
    r#"
const [wanted, limitMs, minMedia, maxMedia, fc, done] = [arguments[0], arguments[1], arguments[2], arguments[3], arguments[4], arguments[arguments.length - 1]];
const video = document.querySelector('video');
const root = document.querySelector('[data-overlay-root]');
"#,
    frame_code_reader!(),
    r#"const samples = [], seen = new Set(), t0 = performance.now();
poll({done, limitMs, t0}, (now, timedOut) => {
  const mt = root.getAttribute('data-media-time');
  const code = codes.get(mt);
  const m = parseFloat(mt);
  if (code !== undefined && !seen.has(mt) && m >= minMedia && m <= maxMedia) {
    seen.add(mt);
    const vr = video.getBoundingClientRect();
    const boxes = [...root.querySelectorAll('[data-kind=box]')].filter(b => b.style.display !== 'none').map(b => {
      const r = b.getBoundingClientRect(), cs = getComputedStyle(b), px = v => parseFloat(v) || 0;
      return {model: b.dataset.model, track: b.dataset.track, r: [r.left - vr.left, r.top - vr.top, r.right - vr.left, r.bottom - vr.top],
        border: [px(cs.borderLeftWidth) + px(cs.borderRightWidth), px(cs.borderTopWidth) + px(cs.borderBottomWidth)]};
    });
    samples.push({mt: m, code, ft: root.getAttribute('data-frame-time-us'), clock: root.getAttribute('data-clock'),
      off: root.getAttribute('data-clock-offset-us'), offText: root.getAttribute('data-clock-offset'),
      note: root.getAttribute('data-clock-note'), boxes, w: vr.width, h: vr.height, vw: video.videoWidth, vh: video.videoHeight});
  }
  // Past the last media time wanted, no frame can qualify (the video plays forward).
  if (samples.length >= wanted || timedOut() || m > maxMedia) {
    active = false;
    return {samples, timeout: samples.length < wanted, currentTime: video.currentTime, paused: video.paused,
      fullscreen: document.fullscreenElement ? document.fullscreenElement.className : null};
  }
});
"#
);

/// Waits until the overlay draws boxes for a frame at media time >= `from`
/// (the recording is playing), or reports what it saw.
pub(crate) const WAIT_DRAWN: &str = polling_script!(
    r#"
const [from, limitMs, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
const t0 = performance.now();
poll({done, limitMs, t0}, (now, timedOut) => {
  const root = document.querySelector('[data-overlay-root]');
  const video = document.querySelector('video');
  const mt = root ? parseFloat(root.getAttribute('data-media-time')) : NaN;
  const boxes = root ? [...root.querySelectorAll('[data-kind=box]')].filter(b => b.style.display !== 'none').length : 0;
  if (root && root.getAttribute('data-overlay-state') === 'ok' && boxes > 0 && mt >= from) return {ms: performance.now() - t0, mt, boxes};
  if (timedOut()) return {timeout: true, mt, boxes, state: root && root.getAttribute('data-overlay-state'),
    currentTime: video && video.currentTime, alert: (document.querySelector('[role=alert]') || {}).textContent || null};
});
"#
);

/// Seeks (as a user does with the native controls), then waits until the
/// overlay shows boxes on a frame of the new place: the time from the seek
/// to boxes shown. Without `needBoxes`, until the video plays in the new
/// place (events that do not reach its first seconds draw nothing there,
/// and the overlay writes its frame's media time only when it draws).
pub(crate) const SEEK_AND_WAIT: &str = polling_script!(
    r#"
const [target, limitMs, needBoxes, done] = [arguments[0], arguments[1], arguments[2], arguments[arguments.length - 1]];
const video = document.querySelector('video');
const root = document.querySelector('[data-overlay-root]');
const t0 = performance.now();
video.currentTime = target;
poll({done, limitMs, t0}, (now, timedOut) => {
  const mt = parseFloat(root.getAttribute('data-media-time'));
  const boxes = [...root.querySelectorAll('[data-kind=box]')].filter(b => b.style.display !== 'none').length;
  const ct = video.currentTime;
  const there = needBoxes
    ? root.getAttribute('data-overlay-state') === 'ok' && boxes > 0 && mt >= target && mt < target + 2
    : !video.seeking && ct >= target && ct < target + 2;
  if (there) return {ms: performance.now() - t0, mt, ct, boxes, state: root.getAttribute('data-overlay-state')};
  if (timedOut()) return {timeout: true, mt, boxes, currentTime: video.currentTime};
});
"#
);

/// Waits until the page's recording clock knows `runs` recording runs.
pub(super) const WAIT_RUNS: &str = polling_script!(
    r#"
const [runs, limitMs, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
const t0 = performance.now();
poll({done, limitMs, t0, everyMs: 100}, (now, timedOut) => {
  const info = document.querySelector('[data-clock-info]');
  const n = info ? info.getAttribute('data-runs') : null;
  if (n === String(runs)) return {ms: performance.now() - t0};
  if (timedOut()) return {timeout: true, runs: n};
});
"#
);

pub(super) const FULLSCREEN_STATE: &str = polling_script!(
    r#"
const done = arguments[arguments.length - 1];
poll({done, limitMs: 3000}, (now, timedOut) => {
  const fs = document.fullscreenElement;
  if (fs || timedOut()) {
    const stage = document.querySelector('.stage').getBoundingClientRect();
    const video = document.querySelector('video').getBoundingClientRect();
    const root = document.querySelector('[data-overlay-root]').getBoundingClientRect();
    return {element: fs ? fs.className : null, stage: [stage.width, stage.height], video: [video.left, video.top, video.width, video.height],
      root: [root.left, root.top, root.width, root.height], screen: [window.innerWidth, window.innerHeight]};
  }
});
"#
);

/// Where the page opens, once boxes are drawn: the media time, the wall time
/// of the frame drawn, the start note and any alert.
pub(super) const OPENED: &str = polling_script!(
    r#"
const [limitMs, done] = [arguments[0], arguments[arguments.length - 1]];
const t0 = performance.now();
poll({done, limitMs, t0}, (now, timedOut) => {
  const root = document.querySelector('[data-overlay-root]');
  const video = document.querySelector('video');
  const alert = document.querySelector('[role=alert]');
  const note = document.querySelector('[data-start-note]');
  const boxes = root ? [...root.querySelectorAll('[data-kind=box]')].filter(b => b.style.display !== 'none').length : 0;
  const base = {ms: performance.now() - t0, note: note && note.textContent, alert: alert && alert.textContent,
    paramError: alert && alert.getAttribute('data-param-error'), duration: video && video.duration};
  if (alert) return base;
  if (root && boxes > 0) return Object.assign(base, {mt: parseFloat(root.getAttribute('data-media-time')),
    frameUs: parseInt(root.getAttribute('data-frame-time-us'), 10)});
  if (timedOut()) return Object.assign(base, {timeout: true, currentTime: video && video.currentTime});
});
"#
);

// Synthetic VAS events for the benchmark scenes: N boxes with label chips, one event per video frame.
//
// Every object is a box with a class and a confidence (so every box has a
// label chip), without a track id unless `tracked` is set (tracked boxes
// also get a trail and a color of their own). In a moving scene each object drifts a few pixels per frame
// and bounces off the frame edges; in a static scene the same events carry
// the same boxes on every frame. Events use the canonical payload shape
// (`detections.detections[]` with a corner `bbox`), as VAS model containers send.
'use strict';

const BENCH_CLASSES = ['person', 'car', 'bicycle', 'truck', 'bus', 'dog'];

// A small deterministic PRNG, so every run draws the same scene.
function benchRandom(seed) {
  let a = seed >>> 0;
  return function () {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Position along one axis after `f` frames, bouncing inside [0, 1 - size].
function benchBounce(p0, v, size, f) {
  const span = 1 - size;
  if (span <= 0 || v === 0) return Math.min(Math.max(p0, 0), Math.max(span, 0));
  let p = (p0 + v * f) % (2 * span);
  if (p < 0) p += 2 * span;
  return p <= span ? p : 2 * span - p;
}

function benchTimestamp(startMs, us) {
  const secs = Math.floor(us / 1e6);
  const frac = String(us - secs * 1e6).padStart(6, '0');
  return new Date(startMs + secs * 1000).toISOString().slice(0, 19) + '.' + frac + 'Z';
}

const r4 = (v) => Math.round(v * 1e4) / 1e4;

// The events of a scene: [{t (ms since the epoch), text (the event's JSON)}], oldest first.
// `firstFrame` offsets frame numbers (and so times); `idPrefix` keeps several feeds' ids apart.
function benchScene({ n, moving, frames, fps, startMs, seed = 1, model = 'bench', firstFrame = 0, idPrefix = '', tracked = false, cameraId }) {
  const rnd = benchRandom(seed);
  const objects = [];
  for (let i = 0; i < n; i++) {
    const w = 0.02 + 0.06 * rnd();
    const h = 0.03 + 0.1 * rnd();
    objects.push({
      track: i + 1,
      cls: BENCH_CLASSES[i % BENCH_CLASSES.length],
      conf: r4(0.5 + 0.49 * rnd()),
      w, h,
      x: rnd() * (1 - w),
      y: rnd() * (1 - h),
      // Up to about 5 px per frame at 1280x720.
      vx: moving ? (rnd() * 2 - 1) * 0.004 : 0,
      vy: moving ? (rnd() * 2 - 1) * 0.007 : 0,
    });
  }
  const events = [];
  for (let f = 0; f < frames; f++) {
    const us = Math.round(((firstFrame + f) * 1e6) / fps);
    const dets = objects.map((o) => {
      const x = benchBounce(o.x, o.vx, o.w, f);
      const y = benchBounce(o.y, o.vy, o.h, f);
      return { class_id: 0, class_name: o.cls, confidence: o.conf, bbox: [r4(x), r4(y), r4(x + o.w), r4(y + o.h)], track_id: tracked ? o.track : null };
    });
    const id = `${model}-${idPrefix}${firstFrame + f}`;
    const event = {
      id,
      camera_id: cameraId || '00000000-0000-4000-8000-00000000b0b0',
      model_id: model,
      timestamp: benchTimestamp(startMs, us),
      frame_id: firstFrame + f,
      detections: { detections: dets },
      event_metadata: {},
    };
    events.push({ t: startMs + us / 1000, text: JSON.stringify(event) });
  }
  return events;
}

// VAS list pages (`{"events": [...], "total": n}`) of at most `perPage` events each.
function benchPages(events, perPage) {
  const pages = [];
  for (let i = 0; i < events.length; i += perPage) {
    const chunk = events.slice(i, i + perPage);
    pages.push(`{"events":[${chunk.map((e) => e.text).join(',')}],"total":${chunk.length}}`);
  }
  return pages;
}

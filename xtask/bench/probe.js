// The page side of `cargo xtask bench`: sets a scene up, then counts video frames and overlay updates.
//
// The harness calls these functions over the DevTools protocol. Costs are
// not measured here: they come from Chromium's own trace and metrics. What
// this adds to the page is small and the same for every overlay: one
// `performance.mark` per overlay update (so the trace shows which frames
// updated) and one video-frame callback per presented frame.
'use strict';

const bench = {
  naive: null,
  marks: 0,
  observer: null,
  rvfc: 0,
  counting: false,
  quality0: null,
  startMs: 0,

  // Waits until the wasm bindings are there; false after `ms` without them.
  async ready(ms = 15000) {
    for (let i = 0; i < ms / 50 && !window.wasmBindings; i++) await new Promise((r) => setTimeout(r, 50));
    return !!window.wasmBindings;
  },

  // Mounts the stage and loads the scene. opts: {mode, n, moving, frames, fps, start, src, width, height}.
  async setup(opts) {
    if (!(await bench.ready())) throw new Error('the bench page wasm did not start');
    const w = window.wasmBindings;
    bench.startMs = Date.parse(opts.start);
    w.bench_mount(opts.mode, opts.src, opts.start, opts.width, opts.height);
    const t0 = performance.now();
    const events = opts.n > 0 ? benchScene({ n: opts.n, moving: opts.moving, frames: opts.frames, fps: opts.fps, startMs: bench.startMs }) : [];
    const generatedMs = performance.now() - t0;
    // Yew renders the stage on its scheduler, a moment after mounting.
    let stage = null;
    for (let i = 0; i < 200 && !(stage = document.querySelector('[data-bench-stage]')); i++) await new Promise((r) => setTimeout(r, 10));
    if (!stage) throw new Error('the bench stage was not rendered');
    const video = stage.querySelector('video');
    let held = 0;
    const t1 = performance.now();
    if (opts.mode === 'naive') {
      bench.naive = new NaiveCanvasOverlay(stage, video, bench.startMs);
      bench.naive.setEvents(events);
      bench.naive.start();
      held = events.length;
    } else if (opts.mode !== 'off') {
      // Pages of about 1 MB, like a client paging through the API.
      const perPage = Math.max(1, Math.floor(10000 / Math.max(opts.n, 1)));
      for (const page of benchPages(events, perPage)) held = w.bench_ingest(page);
    }
    const ingestMs = performance.now() - t1;
    // Playing, with at least one frame presented.
    for (let i = 0; i < 400 && !(video.currentTime > 0.2 && !video.paused); i++) await new Promise((r) => setTimeout(r, 25));
    return { generatedMs, ingestMs, held, events: events.length, playing: !video.paused, dpr: devicePixelRatio };
  },

  overlayRoot() {
    return document.querySelector('[data-overlay-root]');
  },

  // Starts counting: video frames (callbacks and playback quality) and overlay updates (trace marks).
  windowStart() {
    const video = document.querySelector('[data-bench-stage] video');
    bench.marks = 0;
    bench.rvfc = 0;
    bench.counting = true;
    // A callback of an earlier window that is still pending stops at its generation.
    const generation = (bench.generation = (bench.generation || 0) + 1);
    const onFrame = (_now, meta) => {
      if (!bench.counting || generation !== bench.generation) return;
      bench.rvfc++;
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
    const root = bench.overlayRoot();
    if (root) {
      // The viewer writes data-media-time once per update: a presented frame whose picture changed.
      bench.observer = new MutationObserver((records) => {
        for (let i = 0; i < records.length; i++) performance.mark('bench-update');
        bench.marks += records.length;
      });
      bench.observer.observe(root, { attributes: true, attributeFilter: ['data-media-time'] });
    }
    if (bench.naive) {
      bench.naive.onDraw = () => {
        performance.mark('bench-update');
        bench.marks++;
      };
    }
    bench.quality0 = video.getVideoPlaybackQuality();
    performance.mark('bench-window-start');
    bench.t0 = performance.now();
    return true;
  },

  windowStop() {
    performance.mark('bench-window-end');
    const video = document.querySelector('[data-bench-stage] video');
    const q = video.getVideoPlaybackQuality();
    bench.counting = false;
    if (bench.observer) bench.observer.disconnect();
    bench.observer = null;
    if (bench.naive) bench.naive.onDraw = null;
    const root = bench.overlayRoot();
    return {
      seconds: (performance.now() - bench.t0) / 1000,
      updates: bench.marks,
      videoCallbacks: bench.rvfc,
      decoded: q.totalVideoFrames - bench.quality0.totalVideoFrames,
      dropped: q.droppedVideoFrames - bench.quality0.droppedVideoFrames,
      renderer: root ? root.getAttribute('data-renderer') || 'dom' : bench.naive ? 'naive' : 'none',
      state: root ? root.getAttribute('data-overlay-state') : null,
      domNodes: document.getElementsByTagName('*').length,
    };
  },

  // Feeds `minutes` of simulated events of model `feed` at `perSecond`, each with `detections`
  // moving boxes, timestamped from `fromMs` on. One simulated minute is ingested at a time,
  // with a pause between minutes so the overlay keeps drawing (accelerated time).
  async feed({ fromMs, minutes, perSecond, detections, idPrefix }) {
    const w = window.wasmBindings;
    const perMinute = perSecond * 60;
    for (let m = 0; m < minutes; m++) {
      const events = benchScene({
        n: detections, moving: true, frames: perMinute, fps: perSecond, startMs: fromMs,
        firstFrame: m * perMinute, idPrefix, model: 'feed', seed: 7,
      });
      for (const page of benchPages(events, 1000)) w.bench_ingest(page);
      await new Promise((r) => setTimeout(r, 100));
    }
    return w.bench_store_len();
  },

  memory() {
    return {
      domNodes: document.getElementsByTagName('*').length,
      wasmBytes: window.wasmBindings.bench_wasm_memory_bytes(),
      held: window.wasmBindings.bench_store_len(),
    };
  },
};

// The reference overlay of the benchmark: a naive canvas overlay after the upstream VAS frontend.
//
// On every animation frame, whether or not anything changed, it clears its
// canvas, picks the latest event at or before the video's current time,
// parses that event's JSON again, and strokes every box and fills every label
// chip and its text. The canvas has the video's own size (videoWidth x
// videoHeight) and is stretched over the element by CSS, as the upstream code
// does. It is the baseline the viewer's overlay is compared with, not code
// of the viewer.
'use strict';

const NAIVE_COLORS = { person: '#ff5a5a', car: '#4fc3f7', bicycle: '#ffd54f', truck: '#81c784', bus: '#ba68c8', dog: '#ffb74d' };

class NaiveCanvasOverlay {
  constructor(stage, video, startMs) {
    this.video = video;
    this.startMs = startMs;
    this.events = [];
    this.draws = 0;
    // Called after every redraw (the harness marks it in the trace).
    this.onDraw = null;
    this.canvas = document.createElement('canvas');
    this.canvas.setAttribute('data-naive-canvas', '');
    this.canvas.style.cssText = 'position:absolute;left:0;top:0;width:100%;height:100%;pointer-events:none';
    stage.appendChild(this.canvas);
    this.ctx = this.canvas.getContext('2d');
    this.raf = 0;
  }

  // `events`: [{t, text}] as the scene generator makes them.
  setEvents(events) {
    this.events = events.slice();
  }

  start() {
    const loop = () => {
      this.frame();
      this.raf = requestAnimationFrame(loop);
    };
    this.raf = requestAnimationFrame(loop);
  }

  stop() {
    cancelAnimationFrame(this.raf);
  }

  frame() {
    const v = this.video;
    const c = this.canvas;
    if (!v.videoWidth) return;
    if (c.width !== v.videoWidth || c.height !== v.videoHeight) {
      c.width = v.videoWidth;
      c.height = v.videoHeight;
    }
    const ctx = this.ctx;
    ctx.clearRect(0, 0, c.width, c.height);
    const now = this.startMs + v.currentTime * 1000;
    let pick = null;
    for (const e of this.events) {
      if (e.t <= now + 1 && (pick === null || e.t > pick.t)) pick = e;
    }
    this.draws++;
    if (pick !== null) this.draw(JSON.parse(pick.text));
    if (this.onDraw) this.onDraw();
  }

  draw(event) {
    const c = this.canvas;
    const ctx = this.ctx;
    const dets = (event.detections && event.detections.detections) || [];
    const W = c.width;
    const H = c.height;
    ctx.lineWidth = 2;
    ctx.font = '12px monospace';
    ctx.textBaseline = 'middle';
    for (const d of dets) {
      const [x1, y1, x2, y2] = d.bbox;
      const x = x1 * W;
      const y = y1 * H;
      const color = NAIVE_COLORS[d.class_name] || '#ffffff';
      ctx.strokeStyle = color;
      ctx.strokeRect(x, y, (x2 - x1) * W, (y2 - y1) * H);
      const text = `${d.class_name} ${Math.round(d.confidence * 100)}%`;
      const tw = ctx.measureText(text).width;
      const ty = y >= 16 ? y - 16 : y;
      ctx.fillStyle = color;
      ctx.fillRect(x, ty, tw + 8, 16);
      ctx.fillStyle = '#000000';
      ctx.fillText(text, x + 4, ty + 8);
    }
  }
}

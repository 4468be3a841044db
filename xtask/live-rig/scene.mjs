// The rig's generated scene: three objects on known paths over a static
// background, and the frame number written into the pixels as a barcode.
//
// Barcode (read back by the end-to-end tests, see xtask/src/e2e/live/probe.js):
// the top BAR_H rows, BAR_BLOCKS blocks of BAR_BLOCK_W pixels from x = 0;
// block 0 white and block 1 black (a reference for the threshold), then
// blocks 2.. hold the bits of the frame number, most significant first,
// white = 1. Frames are YUV 4:2:0, BT.601 limited range.

export const FRAME_W = 640;
export const FRAME_H = 360;
export const FPS = 30;
export const BAR_H = 20;
export const BAR_BLOCK_W = 20;
export const BAR_BITS = 24;

const WHITE = 235;
const BLACK = 16;

/** Objects: a class, a track id, a size and a path over frame numbers (top-left corner in pixels). */
const OBJECTS = [
  { label: 'car', track: 1, w: 96, h: 56, y: 96, color: [81, 90, 240], path: (n, o) => [pingPong(n * 6, FRAME_W - o.w - 16) + 8, o.y] },
  { label: 'person', track: 2, w: 40, h: 96, color: [145, 54, 34], path: (n, o) => [420, pingPong(n * 3, FRAME_H - o.h - BAR_H - 24) + BAR_H + 12] },
  {
    label: 'bicycle',
    track: 3,
    w: 64,
    h: 44,
    color: [210, 16, 146],
    path: (n, o) => {
      const a = (n * 2 * Math.PI) / 120;
      return [Math.round(200 + 90 * Math.cos(a) - o.w / 2), Math.round(250 + 60 * Math.sin(a) - o.h / 2)];
    },
  },
];

/** Goes 0..span and back, in whole pixels. */
function pingPong(v, span) {
  const period = 2 * span;
  const m = ((v % period) + period) % period;
  return m <= span ? m : period - m;
}

export class Scene {
  /** `still`: every object stays where it is in frame 0 (the barcode still counts). */
  constructor({ still = false } = {}) {
    this.still = still;
    this.ySize = FRAME_W * FRAME_H;
    this.cSize = (FRAME_W / 2) * (FRAME_H / 2);
    this.background = Buffer.alloc(this.ySize + 2 * this.cSize);
    // A quiet static background: a soft vertical gradient with a faint grid.
    for (let y = 0; y < FRAME_H; y++) {
      for (let x = 0; x < FRAME_W; x++) {
        const grid = x % 64 === 0 || y % 64 === 0 ? 18 : 0;
        this.background[y * FRAME_W + x] = 48 + Math.round((y / FRAME_H) * 40) + grid;
      }
    }
    this.background.fill(128, this.ySize);
    this.frame = Buffer.alloc(this.background.length);
  }

  /** Top-left corners of every object in frame `n`. */
  boxes(n) {
    return OBJECTS.map((o) => {
      const [x, y] = o.path(this.still ? 0 : n, o);
      return { o, x, y };
    });
  }

  /** The canonical (shape A) detections of frame `n`, normalized corner boxes. */
  detections(n) {
    return this.boxes(n).map(({ o, x, y }) => ({
      class_id: o.track - 1,
      class_name: o.label,
      confidence: 0.9,
      bbox: [x / FRAME_W, y / FRAME_H, (x + o.w) / FRAME_W, (y + o.h) / FRAME_H].map((v) => Math.round(v * 1e6) / 1e6),
      track_id: o.track,
    }));
  }

  /** Every object's label, track id and box centre in frame `n`, in pixels. */
  centres(n) {
    return this.boxes(n).map(({ o, x, y }) => ({ label: o.label, track: o.track, x: x + o.w / 2, y: y + o.h / 2 }));
  }

  /** The I420 pixels of frame `n` (a buffer reused between calls). */
  render(n) {
    const f = this.frame;
    this.background.copy(f);
    for (const { o, x, y } of this.boxes(n)) this.fill(x, y, o.w, o.h, o.color);
    // The barcode: reference blocks, then the bits.
    const blocks = [1, 0];
    for (let b = BAR_BITS - 1; b >= 0; b--) blocks.push((n >> b) & 1);
    blocks.forEach((bit, i) => this.fill(i * BAR_BLOCK_W, 0, BAR_BLOCK_W, BAR_H, [bit ? WHITE : BLACK, 128, 128]));
    return f;
  }

  fill(x0, y0, w, h, [yv, u, v]) {
    const x1 = Math.min(FRAME_W, x0 + w);
    const y1 = Math.min(FRAME_H, y0 + h);
    x0 = Math.max(0, x0);
    y0 = Math.max(0, y0);
    for (let y = y0; y < y1; y++) this.frame.fill(yv, y * FRAME_W + x0, y * FRAME_W + x1);
    const cw = FRAME_W / 2;
    for (let y = y0 >> 1; y < y1 >> 1; y++) {
      this.frame.fill(u, this.ySize + y * cw + (x0 >> 1), this.ySize + y * cw + (x1 >> 1));
      this.frame.fill(v, this.ySize + this.cSize + y * cw + (x0 >> 1), this.ySize + this.cSize + y * cw + (x1 >> 1));
    }
  }
}

// Alignment probe, run in the live page by the end-to-end tests (WebDriver
// execute/async). For `durationMs` it records:
// - per frame presented by the video (requestVideoFrameCallback): its RTP
//   timestamp and the frame number read back from the barcode in its pixels
//   (see xtask/live-rig/scene.mjs);
// - per frame the overlay drew (animation frames in which the overlay root's
//   `data-rtp-timestamp` changed): that RTP timestamp, the frame's VAS time
//   and clock method as the overlay worked them out, and the centres of the
//   drawn boxes in video pixels (with their track and label), and the clock
//   offset learnt from the picture as the overlay root states it
//   (`data-clock-offset-us`, absent until one is applied);
// - when the first frame was presented, when an offset was first applied, and
//   the calibration's state at the end;
// - each new reading of the calibration's main-thread time so far
//   (`data-calibration-ms`, brought up to date at most once a second) and of
//   its state (`data-calibration`: learning or resting), with the time seen.
// Pixel reads can return the next frame now and then; the analysis maps RTP
// time to frame numbers by the most common offset, so single misreads do not
// matter.
const [durationMs, done] = [arguments[0], arguments[arguments.length - 1]];
const BAR = { w: 520, h: 20, block: 20, bits: 24 };
let video = null;
const canvas = document.createElement('canvas');
canvas.width = BAR.w;
canvas.height = BAR.h;
const ctx = canvas.getContext('2d', { willReadFrequently: true });
const reads = [];
const samples = [];
let stop = false;
let firstFrameT = null;
let offsetFirstT = null;
let offsetFirstUs = null;
const cost = [];
let lastCost = null;

function frameNumber() {
  if (video.videoWidth !== 640 || video.videoHeight !== 360) return null;
  ctx.drawImage(video, 0, 0, BAR.w, BAR.h, 0, 0, BAR.w, BAR.h);
  const px = ctx.getImageData(0, 0, BAR.w, BAR.h).data;
  const lum = (block) => {
    const o = ((BAR.h >> 1) * BAR.w + block * BAR.block + (BAR.block >> 1)) * 4;
    return (px[o] + px[o + 1] + px[o + 2]) / 3;
  };
  const white = lum(0);
  const black = lum(1);
  if (white - black < 80) return null;
  const mid = (white + black) / 2;
  let n = 0;
  for (let b = 0; b < BAR.bits; b++) n = n * 2 + (lum(2 + b) > mid ? 1 : 0);
  return n;
}

function onVideoFrame(now, meta) {
  if (stop) return;
  if (firstFrameT === null) firstFrameT = performance.now();
  reads.push([meta.rtpTimestamp ?? null, frameNumber()]);
  video.requestVideoFrameCallback(onVideoFrame);
}

let lastRtp = null;
function onAnimationFrame() {
  if (stop) return;
  const root = document.querySelector('[data-overlay-root]');
  const rtp = root && root.getAttribute('data-rtp-timestamp');
  const offsetUs = root && root.getAttribute('data-clock-offset-us');
  if (offsetUs !== null && offsetUs !== undefined && offsetFirstT === null) {
    offsetFirstT = performance.now();
    offsetFirstUs = Number(offsetUs);
  }
  const spentMs = root && root.getAttribute('data-calibration-ms');
  const state = root && root.getAttribute('data-calibration');
  if (spentMs !== null && spentMs !== undefined && `${spentMs} ${state}` !== lastCost) {
    lastCost = `${spentMs} ${state}`;
    cost.push([performance.now(), Number(spentMs), state]);
  }
  if (rtp && rtp !== lastRtp && video.videoWidth > 0) {
    lastRtp = rtp;
    const vr = video.getBoundingClientRect();
    const scale = Math.min(vr.width / video.videoWidth, vr.height / video.videoHeight);
    const left = vr.left + (vr.width - video.videoWidth * scale) / 2;
    const top = vr.top + (vr.height - video.videoHeight * scale) / 2;
    const boxes = [...root.querySelectorAll('[data-kind=box]')]
      .filter((b) => b.style.display !== 'none')
      .map((b) => {
        const r = b.getBoundingClientRect();
        const x = ((r.left + r.right) / 2 - left) / scale;
        return [Number(b.dataset.track), x, ((r.top + r.bottom) / 2 - top) / scale, b.dataset.label || null];
      });
    samples.push({
      t: performance.now(),
      rtp: Number(rtp),
      vas: Number(root.getAttribute('data-frame-time') || 0),
      clock: root.getAttribute('data-clock'),
      offsetUs: offsetUs === null ? null : Number(offsetUs),
      boxes,
    });
  }
  requestAnimationFrame(onAnimationFrame);
}

function start() {
  video.requestVideoFrameCallback(onVideoFrame);
  requestAnimationFrame(onAnimationFrame);
  setTimeout(() => {
    stop = true;
    const player = document.querySelector('[data-player-state]');
    const root = document.querySelector('[data-overlay-root]');
    const attr = (name) => (root ? root.getAttribute(name) : null);
    done({
      firstFrameT,
      offsetFirstT,
      offsetFirstUs,
      final: { offsetUs: attr('data-clock-offset-us'), offset: attr('data-clock-offset'), calibration: attr('data-calibration') },
      reads,
      samples,
      cost,
      state: player ? player.dataset.playerState : null,
      delayMs: player ? player.getAttribute('data-playout-delay-ms') : null,
    });
  }, durationMs);
}

// The page may still be starting: wait for the player's video element.
function whenVideo() {
  video = document.querySelector('video');
  if (video) return start();
  const observer = new MutationObserver(() => {
    video = document.querySelector('video');
    if (video) {
      observer.disconnect();
      start();
    }
  });
  observer.observe(document.documentElement, { childList: true, subtree: true });
}
whenVideo();

// Ways to draw N boxes with labels on a 1280x720 canvas at the page's pixel ratio, each timed
// with its raster forced (getImageData), for `cargo xtask bench --micro`. Not part of the viewer.
(async () => {
  const out = {};
  const dpr = devicePixelRatio;
  const W = 1280 * dpr, H = 720 * dpr;
  const c = document.createElement('canvas'); c.width = W; c.height = H; document.body.appendChild(c);
  const ctx = c.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const rnd = (() => { let a = 7; return () => { a = (a * 16807) % 2147483647; return a / 2147483647; }; })();
  const N = +window.__N || 1000;
  const boxes = [...Array(N)].map((_, i) => ({ x: Math.round(rnd() * 1200), y: Math.round(rnd() * 650) + 16, w: 20 + Math.round(rnd() * 80), h: 20 + Math.round(rnd() * 80), c: ['#ff5a5a','#4fc3f7','#ffd54f','#81c784','#ba68c8','#ffb74d'][i % 6], t: ['person','car','bicycle','truck','bus','dog'][i % 6] + ' ' + (50 + (i % 50)) + '%' }));
  const flush = () => ctx.getImageData(0, 0, 1, 1);
  function time(name, f) {
    for (let k = 0; k < 3; k++) { ctx.clearRect(0, 0, 1280, 720); f(); flush(); }
    const t = performance.now(); const R = 20;
    for (let k = 0; k < R; k++) { ctx.clearRect(0, 0, 1280, 720); f(); flush(); }
    out[name] = +((performance.now() - t) / R).toFixed(3);
  }
  time('clear only', () => {});
  time('strokeRect each', () => { ctx.lineWidth = 2; for (const b of boxes) { ctx.strokeStyle = b.c; ctx.strokeRect(b.x + 1, b.y + 1, b.w - 2, b.h - 2); } });
  const byColor = {}; for (const b of boxes) (byColor[b.c] = byColor[b.c] || []).push(b);
  time('path per color stroke', () => { ctx.lineWidth = 2; for (const [col, bs] of Object.entries(byColor)) { ctx.beginPath(); for (const b of bs) ctx.rect(b.x + 1, b.y + 1, b.w - 2, b.h - 2); ctx.strokeStyle = col; ctx.stroke(); } });
  time('strokeRect x3 (rings) sorted by color', () => {
    ctx.lineWidth = 1; ctx.strokeStyle = 'rgba(0,0,0,.55)'; for (const b of boxes) ctx.strokeRect(b.x - .5, b.y - .5, b.w + 1, b.h + 1);
    ctx.lineWidth = 2; for (const [col, bs] of Object.entries(byColor)) { ctx.strokeStyle = col; for (const b of bs) ctx.strokeRect(b.x + 1, b.y + 1, b.w - 2, b.h - 2); }
    ctx.lineWidth = 1; ctx.strokeStyle = 'rgba(0,0,0,.35)'; for (const b of boxes) ctx.strokeRect(b.x + 2.5, b.y + 2.5, b.w - 5, b.h - 5);
  });
  time('strokeRect dark 4px + color 2px', () => {
    ctx.lineWidth = 4; ctx.strokeStyle = 'rgba(0,0,0,.45)'; for (const b of boxes) ctx.strokeRect(b.x + 1, b.y + 1, b.w - 2, b.h - 2);
    ctx.lineWidth = 2; for (const [col, bs] of Object.entries(byColor)) { ctx.strokeStyle = col; for (const b of bs) ctx.strokeRect(b.x + 1, b.y + 1, b.w - 2, b.h - 2); }
  });
  time('3 rings paths', () => {
    ctx.lineWidth = 1; ctx.beginPath(); for (const b of boxes) ctx.rect(b.x - .5, b.y - .5, b.w + 1, b.h + 1); ctx.strokeStyle = 'rgba(0,0,0,.55)'; ctx.stroke();
    ctx.lineWidth = 2; for (const [col, bs] of Object.entries(byColor)) { ctx.beginPath(); for (const b of bs) ctx.rect(b.x + 1, b.y + 1, b.w - 2, b.h - 2); ctx.strokeStyle = col; ctx.stroke(); }
    ctx.lineWidth = 1; ctx.beginPath(); for (const b of boxes) ctx.rect(b.x + 2.5, b.y + 2.5, b.w - 5, b.h - 5); ctx.strokeStyle = 'rgba(0,0,0,.35)'; ctx.stroke();
  });
  time('evenodd ring fill per color', () => { for (const [col, bs] of Object.entries(byColor)) { ctx.beginPath(); for (const b of bs) { ctx.rect(b.x, b.y, b.w, b.h); ctx.rect(b.x + 2, b.y + 2, b.w - 4, b.h - 4); } ctx.fillStyle = col; ctx.fill('evenodd'); } });
  time('4 fillRect each', () => { for (const b of boxes) { ctx.fillStyle = b.c; ctx.fillRect(b.x, b.y, b.w, 2); ctx.fillRect(b.x, b.y + b.h - 2, b.w, 2); ctx.fillRect(b.x, b.y + 2, 2, b.h - 4); ctx.fillRect(b.x + b.w - 2, b.y + 2, 2, b.h - 4); } });
  time('4 fillRect sorted by color', () => { for (const [col, bs] of Object.entries(byColor)) { ctx.fillStyle = col; for (const b of bs) { ctx.fillRect(b.x, b.y, b.w, 2); ctx.fillRect(b.x, b.y + b.h - 2, b.w, 2); ctx.fillRect(b.x, b.y + 2, 2, b.h - 4); ctx.fillRect(b.x + b.w - 2, b.y + 2, 2, b.h - 4); } } });
  ctx.font = '12px monospace'; ctx.textBaseline = 'middle';
  time('label fillRect+fillText by color', () => {
    for (const [col, bs] of Object.entries(byColor)) { ctx.fillStyle = col; for (const b of bs) ctx.fillRect(b.x, b.y - 16, 82, 16); }
    ctx.font = '12px monospace'; ctx.textBaseline = 'middle'; ctx.fillStyle = '#000'; for (const b of boxes) ctx.fillText(b.t, b.x + 4, b.y - 8);
  });
  time('label fillRect+fillText', () => { ctx.font = '12px monospace'; ctx.textBaseline = 'middle'; for (const b of boxes) { ctx.fillStyle = b.c; ctx.fillRect(b.x, b.y - 16, 82, 16); ctx.fillStyle = '#000'; ctx.fillText(b.t, b.x + 4, b.y - 8); } });
  // atlas as a canvas
  // Chips cached as images, in device pixels, copied 1:1.
  const cw = 82 * dpr, ch = 16 * dpr;
  const atlas = document.createElement('canvas'); atlas.width = 2048; atlas.height = 512 * dpr; const actx = atlas.getContext('2d');
  const slots = {}; let ax = 0, ay = 0;
  for (const b of boxes) { const k = b.t + b.c; if (slots[k]) continue; if (ax + cw > 2048) { ax = 0; ay += ch + 1; } actx.fillStyle = b.c; actx.fillRect(ax, ay, cw, ch); actx.fillStyle = '#000'; actx.font = `${12 * dpr}px monospace`; actx.textBaseline = 'middle'; actx.fillText(b.t, ax + 4 * dpr, ay + ch / 2); slots[k] = [ax, ay]; ax += cw + 1; }
  const blit = (src) => () => { ctx.setTransform(1, 0, 0, 1, 0, 0); for (const b of boxes) { const s = slots[b.t + b.c]; ctx.drawImage(src, s[0], s[1], cw, ch, b.x * dpr, (b.y - 16) * dpr, cw, ch); } ctx.setTransform(dpr, 0, 0, dpr, 0, 0); };
  time('label drawImage canvas atlas', blit(atlas));
  ctx.imageSmoothingEnabled = false;
  time('label drawImage canvas atlas, no smoothing', blit(atlas));
  ctx.imageSmoothingEnabled = true;
  const bmp = await createImageBitmap(atlas);
  time('label drawImage bitmap atlas', blit(bmp));
  ctx.imageSmoothingEnabled = false;
  time('label drawImage bitmap atlas, no smoothing', blit(bmp));
  ctx.imageSmoothingEnabled = true;
  const chips = {};
  for (const k of Object.keys(slots)) chips[k] = await createImageBitmap(atlas, slots[k][0], slots[k][1], cw, ch);
  time('label drawImage one bitmap per chip', () => { ctx.setTransform(1, 0, 0, 1, 0, 0); for (const b of boxes) ctx.drawImage(chips[b.t + b.c], b.x * dpr, (b.y - 16) * dpr); ctx.setTransform(dpr, 0, 0, dpr, 0, 0); });
  c.remove();
  return out;
})()

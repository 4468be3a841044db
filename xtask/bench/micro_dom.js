// One way of styling and moving N DOM boxes with label chips over a playing video, animated for
// 90 animation frames, for `cargo xtask bench --micro`; the harness reads Chromium's metrics around it.
// Not part of the viewer. `window.__VARIANT` names the way.
(async () => {
  const N = window.__N || 100;
  const variant = window.__VARIANT;
  const stage = document.querySelector('[data-bench-stage]');
  const root = document.createElement('div');
  root.style.cssText = 'position:absolute;inset:0;overflow:hidden;pointer-events:none;contain:strict';
  stage.appendChild(root);
  const boxStyles = {
    shadows: 'position:absolute;left:0;top:0;box-sizing:border-box;border:2px solid;box-shadow:0 0 0 1px rgba(0,0,0,.55),inset 0 0 0 1px rgba(0,0,0,.35)',
    'shadows+will-change': 'position:absolute;left:0;top:0;box-sizing:border-box;border:2px solid;box-shadow:0 0 0 1px rgba(0,0,0,.55),inset 0 0 0 1px rgba(0,0,0,.35);will-change:transform',
    outline: 'position:absolute;left:0;top:0;box-sizing:border-box;border:2px solid;outline:1px solid rgba(0,0,0,.55)',
    'border only': 'position:absolute;left:0;top:0;box-sizing:border-box;border:2px solid',
  };
  const chipClip = 'position:absolute;left:0;top:0;box-sizing:border-box;height:16px;padding:0 4px;font:12px/16px monospace;white-space:pre;overflow:hidden;text-overflow:ellipsis;unicode-bidi:isolate';
  const chipPlain = 'position:absolute;left:0;top:0;box-sizing:border-box;height:16px;padding:0 4px;font:12px/16px monospace;white-space:pre';
  const [boxKey, chipKey, writeKey] = variant.split('|');
  // Static styles in a stylesheet rule instead of inline, for the `class` variants.
  const sheet = document.createElement('style');
  sheet.textContent = `.mb{${boxStyles.shadows}} .mc{${chipPlain}}`;
  document.head.appendChild(sheet);
  const boxes = [], chips = [];
  const colors = ['#ff5a5a', '#4fc3f7', '#ffd54f', '#81c784', '#ba68c8', '#ffb74d'];
  for (let i = 0; i < N; i++) {
    const b = document.createElement('div'); if (boxKey === 'class') b.className = 'mb'; else b.style.cssText = boxStyles[boxKey]; b.style.borderColor = colors[i % 6];
    b.style.width = (20 + (i * 7) % 80) + 'px'; b.style.height = (20 + (i * 13) % 80) + 'px';
    const c = document.createElement('div'); if (chipKey === 'class') c.className = 'mc'; else c.style.cssText = chipKey === 'clip' ? chipClip : chipPlain; c.style.backgroundColor = colors[i % 6];
    c.style.width = '82px'; c.textContent = 'person ' + (50 + i % 50) + '%';
    root.appendChild(b); chips.push(c); boxes.push(b);
  }
  for (const c of chips) root.appendChild(c);
  const pos = boxes.map((_, i) => [(i * 97) % 1180, 16 + (i * 53) % 620, ((i % 7) - 3) * 0.7, ((i % 5) - 2) * 0.9]);
  const styleB = boxes.map((b) => b.style), styleC = chips.map((c) => c.style);
  let frame = 0;
  await new Promise((resolve) => {
    const step = () => {
      frame++;
      for (let i = 0; i < N; i++) {
        const p = pos[i]; p[0] = (p[0] + p[2] + 1200) % 1200; p[1] = 16 + ((p[1] - 16 + p[3] + 620) % 620);
        const x = Math.round(p[0]), y = Math.round(p[1]);
        if (writeKey === 'translate') { styleB[i].translate = x + 'px ' + y + 'px'; styleC[i].translate = x + 'px ' + (y - 16) + 'px'; }
        else if (writeKey === 'leftTop') { styleB[i].left = x + 'px'; styleB[i].top = y + 'px'; styleC[i].left = x + 'px'; styleC[i].top = (y - 16) + 'px'; }
        else { styleB[i].setProperty('transform', 'translate(' + x + 'px,' + y + 'px)'); styleC[i].setProperty('transform', 'translate(' + x + 'px,' + (y - 16) + 'px)'); }
      }
      if (frame >= 90) resolve(); else requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  });
  root.remove();
  sheet.remove();
  return frame;
})()

// The live test rig's SFU: a real MediaSoup router per camera, VAS's WebSocket
// signaling message for message (vas-contract.md section 4), and a feed like
// VAS's: a generated scene encoded by FFmpeg to H.264 and sent as RTP into a
// PlainTransport (comedia, rtcpMux). Every frame carries its frame number in
// its pixels, and for every frame (or every 3rd, 6th: `eventsPerSecond`) an
// event stamped with the frame's time on this server's clock (or, as VAS
// stamps, a frame later: `stampLagMs`) is posted to the demo backend, as VAS's
// pipeline would. `GET /__rig/scene` tells the truth in those frames.
//
// Dev tooling only, never part of the viewer. Started by `cargo xtask` with
// one JSON argument (see `defaults` below); prints one JSON line
// `{"ready": {...}}` on stdout once it listens. A small control API under
// `/__rig/` on the same port lets tests stop and start feeds, inject faulty
// replies, step the stamps of posted events and read the message log.

import http from 'node:http';
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import * as mediasoup from 'mediasoup';
import { WebSocketServer } from 'ws';

import { Scene, FRAME_W, FRAME_H, FPS } from './scene.mjs';

const defaults = {
  workerBin: null,
  // Signaling and control, on loopback.
  host: '127.0.0.1',
  port: 0,
  // The address WebRtcTransports listen on (a veth address in the test namespace).
  rtcIp: '127.0.0.1',
  rtcAnnouncedAddress: null,
  // Cameras served (roomId = camera id), as ids or {id, feed}; each gets a
  // router and, unless `feed` is false, a producer fed from the start.
  cameras: [],
  // Where events are posted (`POST` of a JSON array of VAS events), or null.
  eventsUrl: null,
  // Events are posted this long after their frame, like an inference pipeline:
  // each after a uniform delay in eventLatenessMs..eventLatenessMaxMs (null: exactly
  // eventLatenessMs). VAS writes its events 100-250 ms after their frame.
  eventLatenessMs: 80,
  eventLatenessMaxMs: null,
  // Events per second: 30 is one for every frame; 10 and 5 one for every 3rd and
  // 6th frame (frames 0, 3, 6, ...), as a model under VAS's FPS scheduling.
  eventsPerSecond: 30,
  // Detections carry `track_id` (many real models give none).
  trackIds: true,
  // An event's stamp is its frame's send time plus stampLagMs, plus a uniform
  // +-stampJitterMs. VAS stamps a frame when its reader takes the decoded
  // picture, one frame (33.7 ms) after the same picture leaves on RTP.
  stampLagMs: 0,
  stampJitterMs: 0,
  modelId: 'rig-tracker',
  ffmpeg: 'ffmpeg',
};

const cfg = { ...defaults, ...JSON.parse(process.argv[2] || '{}') };
const latenessMin = Number(cfg.eventLatenessMs);
const latenessMax = cfg.eventLatenessMaxMs == null ? latenessMin : Number(cfg.eventLatenessMaxMs);
if (!(latenessMin >= 0 && latenessMax >= latenessMin)) throw new Error('eventLatenessMs..eventLatenessMaxMs must be a range of non-negative numbers');
if (!(cfg.eventsPerSecond > 0 && cfg.eventsPerSecond <= FPS)) throw new Error(`eventsPerSecond must be in (0, ${FPS}]`);
/** An event is made for every `eventEvery`-th frame. */
const eventEvery = Math.max(1, Math.round(FPS / cfg.eventsPerSecond));

/** This server's wall clock in microseconds since the epoch ("VAS's clock").
 * For clock-skew tests xtask shifts it (and the worker's) with LD_PRELOAD. */
function nowUs() {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

function rfc3339(us) {
  const d = new Date(Math.floor(us / 1000));
  const frac = String(((us % 1_000_000) + 1_000_000) % 1_000_000).padStart(6, '0');
  const base = d.toISOString().slice(0, 19);
  return frac === '000000' ? `${base}Z` : `${base}.${frac}Z`;
}

function log(...args) {
  process.stderr.write(`sfu-server: ${args.join(' ')}\n`);
}

// ---------------------------------------------------------------------------
// MediaSoup

const mediaCodecs = [
  {
    kind: 'video',
    mimeType: 'video/H264',
    clockRate: 90000,
    parameters: {
      'packetization-mode': 1,
      'profile-level-id': '42e01f',
      'level-asymmetry-allowed': 1,
    },
  },
];

const worker = await mediasoup.createWorker({
  ...(cfg.workerBin ? { workerBin: cfg.workerBin } : {}),
  logLevel: process.env.RIG_WORKER_DEBUG ? 'debug' : 'warn',
  logTags: process.env.RIG_WORKER_DEBUG ? ['info', 'rtp', 'rtcp'] : [],
});
worker.on('died', () => {
  log('worker died');
  process.exit(1);
});

/** camera id -> { router, producers: [Producer] (oldest first), feed } */
const rooms = new Map();
/** transport id -> WebRtcTransport */
const transports = new Map();

const cameras = cfg.cameras.map((c) => (typeof c === 'string' ? { id: c, feed: true } : { feed: true, ...c }));
for (const camera of cameras) {
  rooms.set(camera.id, { router: await worker.createRouter({ mediaCodecs }), producers: [], feed: null, streams: 0, scene: null });
}

// ---------------------------------------------------------------------------
// The feed: scene -> FFmpeg (H.264) -> RTP -> PlainTransport -> Producer

const eventQueue = [];
let eventTimer = null;
/** Added to the stamps of posted events only (not to the frames' RTP or
 * sender-report clock): VAS's clock stepped for its events. Set by the fault
 * `{on: 'event-stamps', offsetMs}` (see `/__rig/faults`). */
let stampOffsetUs = 0;

/** A uniform draw in lo..hi. */
function uniform(lo, hi) {
  return lo + Math.random() * (hi - lo);
}

function queueEvent(event) {
  if (!cfg.eventsUrl) return;
  const due = performance.now() + uniform(latenessMin, latenessMax);
  // Kept in order of due time (a random lateness can overtake an earlier event).
  let i = eventQueue.length;
  while (i > 0 && eventQueue[i - 1].due > due) i -= 1;
  eventQueue.splice(i, 0, { due, event });
  if (i === 0) {
    clearTimeout(eventTimer);
    eventTimer = setTimeout(flushEvents, Math.max(0, due - performance.now()));
  }
}

async function flushEvents() {
  eventTimer = null;
  const now = performance.now();
  const ready = [];
  while (eventQueue.length && eventQueue[0].due <= now + 1) ready.push(eventQueue.shift().event);
  if (eventQueue.length) eventTimer = setTimeout(flushEvents, Math.max(1, eventQueue[0].due - now));
  if (!ready.length) return;
  try {
    const res = await fetch(cfg.eventsUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ready),
    });
    if (!res.ok) log(`event post answered ${res.status}`);
  } catch (e) {
    log(`event post failed: ${e.message}`);
  }
}

let nextEventSerial = 1;
function eventId(camera, stream, frame) {
  // A UUID whose last groups count: stream and frame, unique per run.
  const serial = (nextEventSerial++).toString(16).padStart(12, '0');
  return `${camera.slice(0, 8)}-${stream.toString(16).padStart(4, '0').slice(-4)}-4000-8000-${serial}`;
}

/** Starts a feed; `still`: a scene whose objects never move (the barcode still counts frames). */
async function startFeed(camera, still = false) {
  const room = rooms.get(camera);
  if (!room) throw new Error(`no such camera ${camera}`);
  if (room.feed) return room.feed.info;
  const stream = ++room.streams;
  room.scene = new Scene({ still });
  const transport = await room.router.createPlainTransport({
    listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
    rtcpMux: true,
    comedia: true,
  });
  const ssrc = 0x10000000 + Math.floor(Math.random() * 0x6fffffff);
  const payloadType = 102;
  const producer = await transport.produce({
    kind: 'video',
    rtpParameters: {
      codecs: [
        {
          mimeType: 'video/H264',
          payloadType,
          clockRate: 90000,
          parameters: { 'packetization-mode': 1, 'profile-level-id': '42e01f', 'level-asymmetry-allowed': 1 },
          rtcpFeedback: [],
        },
      ],
      encodings: [{ ssrc }],
    },
  });
  room.producers.push(producer);
  const port = transport.tuple.localPort;
  const args = [
    '-hide_banner', '-loglevel', 'error', '-nostdin',
    '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-video_size', `${FRAME_W}x${FRAME_H}`, '-framerate', String(FPS),
    '-i', 'pipe:0',
    '-c:v', 'libx264', '-profile:v', 'baseline', '-level', '3.1', '-pix_fmt', 'yuv420p',
    '-preset', 'veryfast', '-tune', 'zerolatency', '-g', '30', '-keyint_min', '30', '-sc_threshold', '0',
    '-b:v', '2M', '-maxrate', '2M', '-bufsize', '1M',
    '-f', 'rtp', '-payload_type', String(payloadType), '-ssrc', String(ssrc), '-pkt_size', '1200',
    // As VAS runs it: FFmpeg's RTCP goes to port + 1 from another socket, so the
    // comedia tuple is learnt from the first RTP packet and the producer's own
    // sender reports never reach MediaSoup.
    `rtp://127.0.0.1:${port}`,
  ];
  const ffmpeg = spawn(cfg.ffmpeg, args, { stdio: ['pipe', 'ignore', 'inherit'] });
  ffmpeg.stdin.on('error', () => {});
  const scene = room.scene;
  const feed = { stream, transport, producer, ffmpeg, timer: null, frame: 0, info: { producerId: producer.id, stream, still } };
  room.feed = feed;
  const t0 = performance.now();
  const tick = () => {
    if (room.feed !== feed) return;
    // Frames are written on schedule; each is stamped when it leaves for the
    // encoder, as VAS stamps a frame when it leaves its decoder.
    const n = feed.frame;
    const pixels = scene.render(n);
    const sentUs = nowUs();
    ffmpeg.stdin.write(pixels);
    if (n % eventEvery === 0) {
      const lagUs = (cfg.stampLagMs + uniform(-cfg.stampJitterMs, cfg.stampJitterMs)) * 1000;
      const detections = scene.detections(n).map(({ track_id, ...d }) => (cfg.trackIds ? { ...d, track_id } : d));
      queueEvent({
        id: eventId(camera, stream, n),
        camera_id: camera,
        model_id: cfg.modelId,
        timestamp: rfc3339(Math.round(sentUs + lagUs) + stampOffsetUs),
        frame_id: n,
        detections: { detections },
        confidence: 0.9,
        event_metadata: { frame_width: FRAME_W, frame_height: FRAME_H, rig_stream: stream },
        created_at: '2026-01-01T00:00:00Z',
      });
    }
    feed.frame = n + 1;
    const due = t0 + (feed.frame * 1000) / FPS;
    feed.timer = setTimeout(tick, Math.max(0, due - performance.now()));
  };
  tick();
  log(`feed ${stream} of ${camera} on RTP port ${port}, producer ${producer.id}`);
  return feed.info;
}

/** Stops the feed. Like a VAS FFmpeg that dies: the producer stays listed (stale) unless `close`. */
function stopFeed(camera, close) {
  const room = rooms.get(camera);
  const feed = room && room.feed;
  if (!feed) return false;
  room.feed = null;
  clearTimeout(feed.timer);
  feed.ffmpeg.stdin.end();
  feed.ffmpeg.kill('SIGKILL');
  if (close) {
    feed.producer.close();
    feed.transport.close();
    room.producers = room.producers.filter((p) => p !== feed.producer);
  }
  return true;
}

// ---------------------------------------------------------------------------
// Signaling: VAS's protocol (vas-contract.md section 4)

/** Every message in and out, for conformance tests. */
const messageLog = [];
/** Injected faults: [{ on: type, reply: 'error'|'silent', count }] (the event-stamp offset is kept apart, in `stampOffsetUs`) */
let faults = [];
let nextConnection = 1;

function takeFault(type) {
  const f = faults.find((x) => x.on === type && x.count > 0);
  if (!f) return null;
  f.count -= 1;
  return f.reply;
}

async function handle(msg) {
  const p = msg.payload || {};
  const room = () => {
    const r = rooms.get(p.roomId);
    if (!r) throw new Error(`Room ${p.roomId} not found`);
    return r;
  };
  switch (msg.type) {
    case 'getRouterRtpCapabilities':
      return { type: 'routerRtpCapabilities', rtpCapabilities: room().router.rtpCapabilities };
    case 'createWebRtcTransport': {
      const listen = { protocol: 'udp', ip: cfg.rtcIp };
      if (cfg.rtcAnnouncedAddress) listen.announcedAddress = cfg.rtcAnnouncedAddress;
      const t = await room().router.createWebRtcTransport({ listenInfos: [listen] });
      transports.set(t.id, t);
      return {
        type: 'webRtcTransportCreated',
        transportInfo: { id: t.id, iceParameters: t.iceParameters, iceCandidates: t.iceCandidates, dtlsParameters: t.dtlsParameters },
      };
    }
    case 'getProducers':
      return { type: 'producersList', producers: room().producers.filter((x) => !x.closed).map((x) => x.id) };
    case 'consume': {
      const t = transports.get(p.transportId);
      if (!t) throw new Error(`Transport ${p.transportId} not found`);
      const r = [...rooms.values()].find((x) => x.producers.some((pr) => pr.id === p.producerId));
      if (!r || !r.router.canConsume({ producerId: p.producerId, rtpCapabilities: p.rtpCapabilities })) {
        throw new Error('Cannot consume');
      }
      const c = await t.consume({ producerId: p.producerId, rtpCapabilities: p.rtpCapabilities, paused: false });
      return { type: 'consumerCreated', consumerInfo: { id: c.id, producerId: c.producerId, kind: c.kind, rtpParameters: c.rtpParameters } };
    }
    case 'connectWebRtcTransport': {
      const t = transports.get(p.transportId);
      if (!t) throw new Error(`Transport ${p.transportId} not found`);
      await t.connect({ dtlsParameters: p.dtlsParameters });
      return { type: 'webRtcTransportConnected' };
    }
    case 'closeTransport': {
      const t = transports.get(p.transportId);
      if (t) {
        t.close();
        transports.delete(p.transportId);
      }
      return { type: 'transportClosed' };
    }
    default:
      throw new Error(`Unknown message type: ${msg.type}`);
  }
}

function onConnection(ws) {
  const conn = nextConnection++;
  let pending = 0;
  const record = (dir, type, extra = {}) => messageLog.push({ conn, dir, type, t: Date.now(), ...extra });
  record('open', null);
  ws.on('message', async (data) => {
    let msg;
    try {
      msg = JSON.parse(String(data));
    } catch {
      record('in', '(not JSON)');
      ws.send(JSON.stringify({ type: 'error', error: 'Invalid JSON' }));
      return;
    }
    // A request arriving while an earlier one is unanswered breaks the
    // one-at-a-time rule (replies carry no id); the log says so.
    record('in', msg.type, { overlapping: pending > 0, payload: msg.payload });
    const fault = takeFault(msg.type);
    if (fault === 'silent') return; // never answered: the client's timeout must fire
    pending += 1;
    let reply;
    try {
      if (fault === 'error') throw new Error(`Injected failure of ${msg.type}`);
      reply = await handle(msg);
    } catch (e) {
      reply = { type: 'error', error: e.message };
    }
    pending -= 1;
    if (ws.readyState === ws.OPEN) {
      record('out', reply.type);
      ws.send(JSON.stringify(reply));
    }
  });
  // Like VAS: a closed socket closes nothing on the server (leaked transports
  // are exactly why the viewer sends closeTransport).
  ws.on('close', () => record('close', null));
}

// ---------------------------------------------------------------------------
// HTTP: the WebSocket endpoint and the control API

function readBody(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      try {
        resolve(body ? JSON.parse(body) : {});
      } catch (e) {
        reject(e);
      }
    });
  });
}

function state() {
  return {
    transports: [...transports.keys()],
    eventStampOffsetMs: stampOffsetUs / 1000,
    cameras: Object.fromEntries(
      [...rooms].map(([id, r]) => [
        id,
        { producers: r.producers.filter((x) => !x.closed).map((x) => x.id), feeding: !!r.feed, frames: r.feed ? r.feed.frame : 0, stream: r.streams },
      ]),
    ),
  };
}

/** Media counters of producers and WebRTC transports (for diagnosis). */
async function stats() {
  const out = { producers: {}, transports: {} };
  for (const r of rooms.values()) {
    for (const p of r.producers) if (!p.closed) out.producers[p.id] = (await p.getStats()).map((s) => ({ packetCount: s.packetCount, byteCount: s.byteCount }));
    if (r.feed) out.plain = (await r.feed.transport.getStats()).map((s) => ({ bytesReceived: s.bytesReceived, tuple: s.tuple }));
  }
  for (const [id, t] of transports) {
    out.transports[id] = { iceState: t.iceState, dtlsState: t.dtlsState, stats: (await t.getStats()).map((s) => ({ bytesSent: s.bytesSent, bytesReceived: s.bytesReceived })) };
  }
  return out;
}

const server = http.createServer(async (req, res) => {
  const reply = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  try {
    const url = new URL(req.url, 'http://rig');
    if (req.method === 'GET' && url.pathname === '/__rig/state') return reply(200, state());
    if (req.method === 'GET' && url.pathname === '/__rig/log') return reply(200, messageLog);
    if (req.method === 'GET' && url.pathname === '/__rig/stats') return reply(200, await stats());
    if (req.method === 'GET' && url.pathname === '/__rig/scene') {
      // The truth burned into frames from..to of the camera's last feed: every
      // object's label, track and box centre in video pixels, by frame number.
      const r = rooms.get(url.searchParams.get('camera'));
      const [from, to] = ['from', 'to'].map((k) => Number(url.searchParams.get(k)));
      if (!r || !r.scene) return reply(404, { error: 'no such camera or no feed yet' });
      if (!(Number.isInteger(from) && Number.isInteger(to) && from >= 0 && to >= from && to - from <= 100_000)) {
        return reply(400, { error: 'from and to must be frame numbers, at most 100000 apart' });
      }
      const frames = [];
      for (let n = from; n <= to; n++) frames.push(r.scene.centres(n));
      return reply(200, { from, to, still: r.scene.still, frames });
    }
    if (req.method === 'POST' && url.pathname === '/__rig/feed') {
      const b = await readBody(req);
      if (b.action === 'start') return reply(200, await startFeed(b.camera, !!b.still));
      if (b.action === 'stop') return reply(200, { stopped: stopFeed(b.camera, !!b.close) });
      return reply(400, { error: 'action must be start or stop' });
    }
    if (req.method === 'POST' && url.pathname === '/__rig/faults') {
      const b = await readBody(req);
      // The list replaces every fault: `{on: 'event-stamps', offsetMs}` steps
      // the stamps of events posted from now on, until a list without it.
      const list = Array.isArray(b) ? b : [];
      const stamps = list.filter((f) => f.on === 'event-stamps');
      const offsetMs = stamps.reduce((sum, f) => sum + Number(f.offsetMs || 0), 0);
      if (!Number.isFinite(offsetMs)) return reply(400, { error: 'offsetMs must be a number' });
      stampOffsetUs = Math.round(offsetMs * 1000);
      faults = list.filter((f) => f.on !== 'event-stamps').map((f) => ({ on: f.on, reply: f.reply, count: f.count ?? 1 }));
      return reply(200, { faults, eventStampOffsetMs: stampOffsetUs / 1000 });
    }
    if (req.method === 'POST' && url.pathname === '/__rig/reset-log') {
      messageLog.length = 0;
      return reply(200, { ok: true });
    }
    reply(404, { error: 'not found' });
  } catch (e) {
    reply(500, { error: e.message });
  }
});

const wss = new WebSocketServer({ noServer: true });
wss.on('connection', onConnection);
server.on('upgrade', (req, socket, head) => {
  if (new URL(req.url, 'http://rig').pathname !== '/ws/mediasoup') {
    socket.destroy();
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
});

server.listen(cfg.port, cfg.host, async () => {
  for (const camera of cameras) if (camera.feed) await startFeed(camera.id);
  const { port } = server.address();
  process.stdout.write(`${JSON.stringify({ ready: { port, rtcIp: cfg.rtcIp, cameras: cameras.map((c) => c.id) } })}\n`);
});

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const camera of rooms.keys()) stopFeed(camera, true);
    worker.close();
    process.exit(0);
  });
}

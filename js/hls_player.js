// Entry of the hls.js bundle: plays a VAS recording playlist in a <video> and reports what the viewer needs.
//
// Loaded only by the recordings page, through a dynamic import() (see
// src/player/hls_bindings.rs). Bundled at build time with esbuild into
// js/dist/hls_player.js; nothing is fetched from elsewhere at run time.
//
// The viewer's Rust code owns every decision: this file only wires hls.js to
// the hooks it is given, and applies the playlist size limit Rust gives
// (options.maxPlaylistLength).
//   hooks.fixPlaylist(text) -> [header, bodyStart]
//                                     rewrites each playlist before hls.js parses it: the
//                                     text before index bodyStart is replaced by header
//   hooks.onTimeline(Float64Array)    [sn, start, duration, ...] of the level's fragments,
//                                     media seconds as hls.js places them (after every update)
//   hooks.onFragment(sn, lastModified) the Last-Modified header of each loaded segment (or null)
//   hooks.onBuffered(sn)              a segment was parsed and appended: it plays
//   hooks.onError(fatal, type, details, sn, status)
//                                     hls.js errors as reported: the fragment's sn (-1: none) and
//                                     the HTTP status of its response (0: none). What to do about
//                                     them (skip a segment, retry, recover, show) is Rust's call,
//                                     carried out through the controller's methods below.

import Hls from 'hls.js/light';

export function isSupported() {
  return Hls.isSupported();
}

export function hlsVersion() {
  return Hls.version;
}

function lastModifiedOf(networkDetails) {
  if (!networkDetails) return null;
  if (typeof networkDetails.getResponseHeader === 'function') {
    return networkDetails.getResponseHeader('Last-Modified');
  }
  if (networkDetails.headers && typeof networkDetails.headers.get === 'function') {
    return networkDetails.headers.get('Last-Modified');
  }
  return null;
}

// Runs `f` in a task of its own, after the current one (a message is not
// clamped as nested timers are).
const tasks = new MessageChannel();
const queued = [];
tasks.port1.onmessage = () => {
  const f = queued.shift();
  if (f) f();
};
function nextTask(f) {
  queued.push(f);
  tasks.port2.postMessage(null);
}

function timelineOf(details) {
  const frags = (details && details.fragments) || [];
  const out = new Float64Array(frags.length * 3);
  frags.forEach((f, i) => {
    out[i * 3] = f.sn;
    out[i * 3 + 1] = f.start;
    out[i * 3 + 2] = f.duration;
  });
  return out;
}

// options: { url, apiKey (string or null), keyOrigin (origin the key may go to), startPosition,
//            autoStartLoad (false: loading waits for startLoad), maxPlaylistLength (characters) }
export function startHls(video, options, hooks) {
  // Set by destroy(): the hooks are freed after it, so no deferred call may reach them.
  let destroyed = false;
  const Base = Hls.DefaultConfig.loader;
  const maxLength = options.maxPlaylistLength;
  // Playlists pass through the viewer's fixer before hls.js parses them.
  class PlaylistLoader extends Base {
    load(context, config, callbacks) {
      const loader = this;
      const onSuccess = callbacks.onSuccess;
      const wrapped = Object.assign({}, callbacks, {
        onSuccess(response, stats, ctx, details) {
          if (typeof response.data === 'string') {
            if (response.data.length > maxLength) {
              // Refused unparsed, as a failed load: hls.js retries it per its
              // playlist load policy (the HTTP status is a success), then reports it.
              const text = `playlist of ${response.data.length} characters refused (limit ${maxLength})`;
              callbacks.onError({ code: response.code, text }, ctx, details, stats);
              return;
            }
            const [header, bodyStart] = hooks.fixPlaylist(response.data);
            response.data = header + response.data.slice(bodyStart);
            // hls.js's own parse of the playlist (a day of VAS's is 14,400
            // entries) runs in the next task, not in this one with the fix.
            nextTask(() => {
              if (loader.callbacks && loader.stats && !loader.stats.aborted) onSuccess(response, stats, ctx, details);
            });
            return;
          }
          onSuccess(response, stats, ctx, details);
        },
      });
      super.load(context, config, wrapped);
    }
  }
  const apiKey = options.apiKey || null;
  const hls = new Hls({
    pLoader: PlaylistLoader,
    startPosition: typeof options.startPosition === 'number' ? options.startPosition : -1,
    autoStartLoad: options.autoStartLoad !== false,
    enableWorker: false,
    lowLatencyMode: false,
    backBufferLength: 60,
    xhrSetup(xhr, url) {
      // The key goes only to the API's origin, and only as a header.
      if (apiKey && new URL(url, document.baseURI).origin === options.keyOrigin) {
        if (!xhr.readyState) xhr.open('GET', url, true);
        xhr.setRequestHeader('X-API-Key', apiKey);
      }
    },
  });
  // The positions go to Rust in a task of their own, not in hls.js's (its
  // parse of a day of playlist is long enough), the latest of a burst once.
  let latest = null;
  const report = (data) => {
    if (!data || !data.details) return;
    const queued = latest !== null;
    latest = data.details;
    if (queued) return;
    nextTask(() => {
      const details = latest;
      latest = null;
      if (!destroyed) hooks.onTimeline(timelineOf(details));
    });
  };
  hls.on(Hls.Events.LEVEL_UPDATED, (_e, data) => report(data));
  hls.on(Hls.Events.LEVEL_PTS_UPDATED, (_e, data) => report(data));
  hls.on(Hls.Events.FRAG_LOADED, (_e, data) => {
    const frag = data.frag;
    if (frag && typeof frag.sn === 'number') {
      hooks.onFragment(frag.sn, lastModifiedOf(data.networkDetails));
    }
  });
  hls.on(Hls.Events.FRAG_BUFFERED, (_e, data) => {
    const frag = data.frag;
    if (frag && typeof frag.sn === 'number') hooks.onBuffered(frag.sn);
  });
  // Registered after hls.js's own error handling, so `fatal` is final here.
  hls.on(Hls.Events.ERROR, (_e, data) => {
    const sn = data.frag && typeof data.frag.sn === 'number' ? data.frag.sn : -1;
    const status = data.response && typeof data.response.code === 'number' ? data.response.code : 0;
    hooks.onError(!!data.fatal, String(data.type || ''), String(data.details || 'error'), sn, status);
  });
  hls.attachMedia(video);
  hls.loadSource(options.url);
  return {
    destroy() {
      destroyed = true;
      hls.destroy();
    },
    // Loading after a fatal error stopped it, or from a new position (-1: the playhead).
    startLoad(position) {
      hls.startLoad(position);
    },
    recoverMediaError() {
      hls.recoverMediaError();
    },
    // For tests and diagnostics: the fragment under a media time.
    fragmentAt(t) {
      const level = hls.levels[hls.currentLevel >= 0 ? hls.currentLevel : 0];
      const frags = (level && level.details && level.details.fragments) || [];
      const f = frags.find((x) => x.start <= t && t < x.start + x.duration);
      return f ? { sn: f.sn, start: f.start, duration: f.duration, cc: f.cc, url: f.url } : null;
    },
  };
}

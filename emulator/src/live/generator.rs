//! The live event generator (`POST /__demo/live`): synthetic events on the
//! server clock, at a set rate and lateness.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::control_api::ControlError;
use crate::demo_data::StoredEvent;
use crate::emulator::Emulator;
use crate::run_time_state::MAX_INSERTED;
use crate::text_formats::{format_vas_time, now_us, parse_uuid};

/// Live generators: at most this many at once, each bounded in rate,
/// duration and count.
pub(crate) const MAX_GENERATORS: usize = 8;
pub(crate) const MAX_LIVE_RATE_HZ: f64 = 100.0;
pub(crate) const MAX_LIVE_DURATION_S: f64 = 600.0;
pub(crate) const MAX_LIVE_LATENESS_MS: u64 = 600_000;
pub(crate) const MAX_LIVE_EVENTS: u64 = 10_000;

/// Model of live-generator events when none is given.
pub const LIVE_MODEL_ID: &str = "demo-live";

/// A live event generator (`POST /__demo/live`,
/// [`crate::RunningBackend::start_live`]): from now on, one event every `1/rate_hz`
/// seconds with `timestamp = now - lateness_ms` (server clock), for
/// `duration_s` seconds (`ceil(rate_hz * duration_s)` events, at most
/// 10 000), or until a reset. Each carries one canonical (shape A) `person`
/// detection moving left and right, `track_id` = the generator number,
/// `frame_id` counting from 0, and ids `11fe<4 hex: generator>-0000-4000-8000-<12 hex: index>`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LiveConfig {
    /// Default: the demo camera.
    #[serde(default)]
    pub camera_id: Option<String>,
    /// Default: [`LIVE_MODEL_ID`].
    #[serde(default)]
    pub model_id: Option<String>,
    /// Events per second, in (0, 100].
    pub rate_hz: f64,
    /// How far behind the server clock each event is stamped, <= 600 000.
    #[serde(default)]
    pub lateness_ms: u64,
    /// In (0, 600].
    pub duration_s: f64,
}

/// A started generator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct LiveStarted {
    /// Its number (from 1), also the `track_id` of its detections.
    pub generator: u64,
    /// How many events it will insert unless reset first.
    pub count: u64,
}

impl Emulator {
    /// Starts a live generator (see [`LiveConfig`]).
    pub(crate) fn start_live(
        self: &Arc<Self>,
        config: &LiveConfig,
    ) -> Result<LiveStarted, ControlError> {
        let data = &self.data;
        let bad = |m: String| -> ControlError { (400, m) };
        if !(config.rate_hz.is_finite()
            && config.rate_hz > 0.0
            && config.rate_hz <= MAX_LIVE_RATE_HZ)
        {
            return Err(bad(format!("rate_hz must be in (0, {MAX_LIVE_RATE_HZ}]")));
        }
        if !(config.duration_s.is_finite()
            && config.duration_s > 0.0
            && config.duration_s <= MAX_LIVE_DURATION_S)
        {
            return Err(bad(format!("duration_s must be in (0, {MAX_LIVE_DURATION_S}]")));
        }
        if config.lateness_ms > MAX_LIVE_LATENESS_MS {
            return Err(bad(format!("lateness_ms must be at most {MAX_LIVE_LATENESS_MS}")));
        }
        let count = (config.rate_hz * config.duration_s).ceil() as u64;
        if count > MAX_LIVE_EVENTS {
            return Err(bad(format!(
                "rate_hz * duration_s gives {count} events, more than {MAX_LIVE_EVENTS}"
            )));
        }
        let camera_id = match &config.camera_id {
            Some(c) => {
                parse_uuid(c).map_err(|e| bad(format!("camera_id {c:?} is not a UUID ({e})")))?;
                c.clone()
            }
            None => data.device_id_raw.clone(),
        };
        let model_id = config.model_id.clone().unwrap_or_else(|| LIVE_MODEL_ID.into());
        if model_id.is_empty() || model_id.chars().count() > 128 {
            return Err(bad("model_id must have 1 to 128 characters".into()));
        }
        let mut ctl = self.lock();
        if ctl.shutting_down {
            return Err((503, "the backend is stopping".into()));
        }
        ctl.generators.retain(|h| !h.is_finished());
        if ctl.generators.len() >= MAX_GENERATORS {
            return Err((409, format!("at most {MAX_GENERATORS} live generators at once")));
        }
        ctl.next_generator += 1;
        let generator = LiveGenerator {
            number: ctl.next_generator,
            generation: ctl.generation,
            count,
            interval_s: 1.0 / config.rate_hz,
            lateness_us: config.lateness_ms as i64 * 1000,
            camera_id,
            model_id,
            created_at: data.created_at.clone(),
        };
        let number = generator.number;
        let state = Arc::clone(self);
        let handle = std::thread::Builder::new()
            .name(format!("demo-backend-live-{number}"))
            .spawn(move || generator.run(&state))
            .map_err(|e| (500, format!("cannot start the generator: {e}")))?;
        ctl.generators.push(handle);
        Ok(LiveStarted { generator: number, count })
    }
}

/// A running live generator's settings.
pub(crate) struct LiveGenerator {
    pub(crate) number: u64,
    pub(crate) generation: u64,
    pub(crate) count: u64,
    pub(crate) interval_s: f64,
    pub(crate) lateness_us: i64,
    pub(crate) camera_id: String,
    pub(crate) model_id: String,
    pub(crate) created_at: String,
}

impl LiveGenerator {
    pub(crate) fn run(self, state: &Emulator) {
        let started = Instant::now();
        let mut ctl = state.lock();
        for i in 0..self.count {
            let due = started + Duration::from_secs_f64(i as f64 * self.interval_s);
            loop {
                if ctl.generation != self.generation || ctl.shutting_down {
                    return;
                }
                let now = Instant::now();
                if now >= due {
                    break;
                }
                ctl = match state.wake.wait_timeout(ctl, due - now) {
                    Ok((guard, _)) => guard,
                    Err(poisoned) => poisoned.into_inner().0,
                };
            }
            if ctl.inserted.len() >= MAX_INSERTED {
                return;
            }
            let ts = now_us() - self.lateness_us;
            // A box sweeping left and right once every 8 s of events.
            let phase = (i as f64 * self.interval_s / 8.0).fract();
            let sweep = if phase < 0.5 { phase * 2.0 } else { 2.0 - phase * 2.0 };
            let x = ((0.05 + 0.7 * sweep) * 10_000.0).round() / 10_000.0;
            let x2 = ((x + 0.2) * 10_000.0).round() / 10_000.0;
            let raw = json!({
                "id": format!("11fe{:04x}-0000-4000-8000-{:012x}", self.number & 0xffff, i),
                "camera_id": self.camera_id, "model_id": self.model_id,
                "timestamp": format_vas_time(ts), "frame_id": i,
                "detections": {"detections": [{"class_id": 0, "class_name": "person",
                    "confidence": 0.9, "bbox": [x, 0.3, x2, 0.8], "track_id": self.number}]},
                "confidence": 0.9,
                "event_metadata": {"frame_width": 1920, "frame_height": 1080, "generator": self.number},
                "created_at": self.created_at,
            });
            if let Ok(row) = StoredEvent::parse(&raw, 0) {
                if !ctl.inserted_ids.contains_key(&row.id) {
                    ctl.store(row);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;

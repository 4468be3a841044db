//! The player's clock as the overlay and the feeds share it: a clip's fixed start, a recording's per-segment mapping, or the live frame clock.

use std::cell::RefCell;
use std::rc::Rc;

use crate::core::clock::{ClipClock, ClockMethod, FrameClock, FrameTime};
use crate::core::clock::live::live_clock::LiveFrameMeta;
use crate::core::clock::recording::recording_clock::RecordingClock;
use crate::core::time::UnixMicros;
use crate::overlay::video_frame_callback::PresentedFrame;

use super::live_clock_handle::LiveClockHandle;

/// A frame clock owned by a player. The recording clock changes as hls.js
/// loads playlists and segments, so it is shared; its `version` tells readers
/// when a frame already drawn may have moved in wall time.
#[derive(Clone)]
pub enum ClockHandle {
    Clip(ClipClock),
    Recording(Rc<RefCell<RecordingClock>>),
    /// Live WebRTC video: RTP and receive times anchored through sender reports.
    Live(LiveClockHandle),
}

impl PartialEq for ClockHandle {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Clip(a), Self::Clip(b)) => a == b,
            (Self::Recording(a), Self::Recording(b)) => Rc::ptr_eq(a, b),
            (Self::Live(a), Self::Live(b)) => a == b,
            _ => false,
        }
    }
}

impl ClockHandle {
    /// Wall time of the frame at `media_secs` (`None` while it cannot be known).
    pub fn wall_time(&self, media_secs: f64) -> Option<FrameTime> {
        match self {
            Self::Clip(c) => c.wall_time(media_secs),
            // A failed borrow skips one frame. It can last only after an
            // overlay trap left the cell borrowed (wasm does not unwind),
            // when the overlay is hidden anyway.
            Self::Recording(c) => c.try_borrow().ok()?.wall_time(media_secs),
            // Live media time means nothing on VAS's clock: use `frame_time`.
            Self::Live(_) => None,
        }
    }

    /// What a growing recording holds up to (its newest segment's end); `None` for a clip or live.
    pub fn recorded_until(&self) -> Option<UnixMicros> {
        match self {
            ClockHandle::Recording(c) => c.try_borrow().ok()?.recorded_until(),
            _ => None,
        }
    }

    pub fn is_live(&self) -> bool {
        matches!(self, Self::Live(_))
    }

    /// Wall time of a presented frame from everything the browser said about it
    /// (`time_origin` is `performance.timeOrigin`). The live clock learns from
    /// each call, so call it once per new frame.
    pub fn frame_time(&self, frame: &PresentedFrame, time_origin: f64) -> Option<FrameTime> {
        match self {
            Self::Live(h) => {
                let meta = LiveFrameMeta {
                    rtp_timestamp: frame.rtp_timestamp,
                    receive_ms: frame.receive_time.filter(|r| *r > 0.0).map(|r| time_origin + r),
                    presented_ms: time_origin + frame.expected_display_time,
                };
                h.frame_time(&meta).map(|(at, m)| FrameTime { at, method: m.into(), methods_disagree: false })
            }
            _ => self.wall_time(frame.media_time),
        }
    }

    pub fn version(&self) -> u64 {
        match self {
            Self::Clip(_) => 0,
            Self::Recording(c) => c.try_borrow().map(|c| c.version()).unwrap_or(0),
            Self::Live(_) => 0,
        }
    }

    /// The method to announce before the first frame is mapped, if known in advance.
    pub fn initial_method(&self) -> Option<ClockMethod> {
        match self {
            Self::Clip(c) => Some(c.method()),
            Self::Recording(_) | Self::Live(_) => None,
        }
    }
}

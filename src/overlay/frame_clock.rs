//! Which clock gives a presented frame its VAS time: a clip's start, or the live frame clock.

use super::video_frame_callback::PresentedFrame;
use crate::core::clock::ClipClock;
use crate::core::live_clock::LiveFrameMeta;
use crate::core::time::UnixMicros;
use crate::player::clock_handle::LiveClockHandle;

/// The overlay's frame clock.
#[derive(Clone, PartialEq)]
pub enum FrameClock {
    /// A played file: `start + mediaTime`.
    Clip(ClipClock),
    /// Live WebRTC video: RTP and receive times anchored through sender reports.
    Live(LiveClockHandle),
}

impl From<ClipClock> for FrameClock {
    fn from(c: ClipClock) -> Self {
        FrameClock::Clip(c)
    }
}

/// A frame's VAS time and the `data-clock` name of the method that gave it.
pub type Timed = (UnixMicros, &'static str);

impl FrameClock {
    /// The `data-clock` value before any frame.
    pub fn initial_attr(&self) -> &'static str {
        match self {
            FrameClock::Clip(c) => c.method().as_attr(),
            FrameClock::Live(_) => "",
        }
    }

    /// The time of a presented frame (`time_origin` is `performance.timeOrigin`).
    /// The live clock learns from every frame, so call it once per new frame.
    pub fn frame_time(&self, frame: &PresentedFrame, time_origin: f64) -> Option<Timed> {
        match self {
            FrameClock::Clip(c) => c.frame_time(frame.media_time).map(|t| (t, c.method().as_attr())),
            FrameClock::Live(h) => {
                let meta = LiveFrameMeta {
                    rtp_timestamp: frame.rtp_timestamp,
                    receive_ms: frame.receive_time.filter(|r| *r > 0.0).map(|r| time_origin + r),
                    presented_ms: time_origin + frame.expected_display_time,
                };
                h.frame_time(&meta).map(|(t, m)| (t, m.as_attr()))
            }
        }
    }
}

//! The page's frame clock as the overlay, the feeds and the players share it: each clock in the cell its player updates, lent to the core's dispatch per call.

use std::cell::RefCell;
use std::rc::Rc;

use crate::core::clock::clip::ClipClock;
use crate::core::clock::page_clock::PageClock;
use crate::core::clock::presented_frame::PresentedFrame;
use crate::core::clock::recording::recording_clock::RecordingClock;
use crate::core::clock::{FrameClockMethod, FrameTime};
use crate::core::time::{Micros, UnixMicros};

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
    /// Lends the clock to `f` for one call. A failed borrow answers `None`: it
    /// can last only after an overlay trap left the cell borrowed (wasm does
    /// not unwind), when the overlay is hidden anyway.
    fn lend<R>(&self, f: impl FnOnce(PageClock<'_>) -> Option<R>) -> Option<R> {
        match self {
            Self::Clip(c) => f(PageClock::Clip(c)),
            Self::Recording(c) => f(PageClock::Recording(&*c.try_borrow().ok()?)),
            Self::Live(h) => h.with_clock(|c| f(PageClock::Live(c))).flatten(),
        }
    }

    /// Wall time of the frame at `media_secs` (`None` while it cannot be known, and always for live).
    pub fn wall_time(&self, media_secs: f64) -> Option<FrameTime> {
        self.lend(|c| c.wall_time(media_secs))
    }

    /// What a growing recording holds up to (its newest segment's end); `None` for a clip or live.
    pub fn recorded_until(&self) -> Option<UnixMicros> {
        self.lend(|c| c.recorded_until())
    }

    /// Tells the clock what the overlay adds to frame times before selecting
    /// events: a live clock's playout delay and polls reach that far, a
    /// recording's note on the page says so.
    pub fn set_selection_offset_us(&self, offset_us: Micros) {
        match self {
            Self::Live(h) => h.set_selection_offset_us(offset_us),
            Self::Recording(c) => {
                if let Ok(mut c) = c.try_borrow_mut() {
                    c.set_picture_offset_us(offset_us);
                }
            }
            Self::Clip(_) => {}
        }
    }

    pub fn is_live(&self) -> bool {
        matches!(self, Self::Live(_))
    }

    /// Wall time of a presented frame from everything the browser said about it
    /// (`time_origin` is `performance.timeOrigin`). The live clock learns from
    /// each call, so call it once per new frame.
    pub fn frame_time(&self, frame: &PresentedFrame, time_origin: f64) -> Option<FrameTime> {
        self.lend(|c| c.frame_time(frame, time_origin))
    }

    pub fn version(&self) -> u64 {
        self.lend(|c| Some(c.version())).unwrap_or(0)
    }

    /// The method to announce before the first frame is mapped, if known in advance.
    pub fn initial_method(&self) -> Option<FrameClockMethod> {
        self.lend(|c| c.initial_method())
    }
}

//! The player's clock as the overlay and the feeds share it: a clip's fixed start, or a recording's live mapping.

use std::cell::RefCell;
use std::rc::Rc;

use crate::core::clock::{ClipClock, ClockMethod, FrameClock, FrameTime};
use crate::core::recording_clock::RecordingClock;

/// A frame clock owned by a player. The recording clock changes as hls.js
/// loads playlists and segments, so it is shared; its `version` tells readers
/// when a frame already drawn may have moved in wall time.
#[derive(Clone)]
pub enum ClockHandle {
    Clip(ClipClock),
    Recording(Rc<RefCell<RecordingClock>>),
}

impl PartialEq for ClockHandle {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Clip(a), Self::Clip(b)) => a == b,
            (Self::Recording(a), Self::Recording(b)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl ClockHandle {
    /// Wall time of the frame at `media_secs` (`None` while it cannot be known).
    pub fn wall_time(&self, media_secs: f64) -> Option<FrameTime> {
        match self {
            Self::Clip(c) => c.wall_time(media_secs),
            // A borrow failure cannot outlast the call that holds it; skipping one frame is harmless.
            Self::Recording(c) => c.try_borrow().ok()?.wall_time(media_secs),
        }
    }

    pub fn version(&self) -> u64 {
        match self {
            Self::Clip(_) => 0,
            Self::Recording(c) => c.try_borrow().map(|c| c.version()).unwrap_or(0),
        }
    }

    /// The method to announce before the first frame is mapped, if known in advance.
    pub fn initial_method(&self) -> Option<ClockMethod> {
        match self {
            Self::Clip(c) => Some(c.method()),
            Self::Recording(_) => None,
        }
    }
}

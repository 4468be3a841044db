//! Frame clocks: a presented frame's media time to its wall time on VAS's clock, one family per source.
//!
//! Each family has its own method enum (`ClipClockMethod`,
//! `RecordingClockMethod`, `LiveClockMethod`), so a page can only be given a
//! method of its own family. `FrameClockMethod` is what a timed frame says
//! about itself, whichever family timed it (`data-clock`).

pub mod clip;
pub mod live;
pub mod page_clock;
pub mod picture_calibration;
pub mod picture_offset;
pub mod presented_frame;
pub mod recording;

use crate::core::clock::clip::ClipClockMethod;
use crate::core::clock::live::live_clock::LiveClockMethod;
use crate::core::clock::recording::recording_method::RecordingClockMethod;
use crate::core::time::UnixMicros;

/// How a frame's wall time was worked out, by a clock of one family; written on the overlay root as `data-clock`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FrameClockMethod {
    Clip(ClipClockMethod),
    Recording(RecordingClockMethod),
    Live(LiveClockMethod),
}

impl From<ClipClockMethod> for FrameClockMethod {
    fn from(m: ClipClockMethod) -> Self {
        Self::Clip(m)
    }
}

impl From<RecordingClockMethod> for FrameClockMethod {
    fn from(m: RecordingClockMethod) -> Self {
        Self::Recording(m)
    }
}

impl From<LiveClockMethod> for FrameClockMethod {
    fn from(m: LiveClockMethod) -> Self {
        Self::Live(m)
    }
}

impl FrameClockMethod {
    /// Every method of every family.
    pub const ALL: [Self; 7] = [
        Self::Clip(ClipClockMethod::Start),
        Self::Recording(RecordingClockMethod::ProgramDateTime),
        Self::Recording(RecordingClockMethod::SegmentEpoch),
        Self::Recording(RecordingClockMethod::LastModified),
        Self::Live(LiveClockMethod::RtpSr),
        Self::Live(LiveClockMethod::Receive),
        Self::Live(LiveClockMethod::Arrival),
    ];

    /// The `data-clock` name (unique across families).
    pub fn as_attr(self) -> &'static str {
        match self {
            Self::Clip(m) => m.as_attr(),
            Self::Recording(m) => m.as_attr(),
            Self::Live(m) => m.as_attr(),
        }
    }

    pub fn from_attr(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_attr() == text)
    }

    /// How far off a wall time from this method may be, for people: the viewer
    /// never claims frame accuracy it cannot have.
    pub fn precision_note(self) -> &'static str {
        match self {
            Self::Clip(m) => m.precision_note(),
            Self::Recording(m) => m.precision_note(),
            Self::Live(m) => m.precision_note(),
        }
    }
}

/// A presented frame's wall time and how it was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameTime {
    pub at: UnixMicros,
    pub method: FrameClockMethod,
    /// Two methods disagreed by more than a segment for this frame's segment,
    /// and `last-modified` was preferred (see `RecordingClock`).
    pub methods_disagree: bool,
    /// The clock epoch: frames of one epoch share one offset against VAS's
    /// event stamps (a recorder run timed by one method, a live session timed
    /// by one method), which the picture calibration learns once per epoch.
    pub epoch: u64,
}

/// The epoch of frames timed by `method` within run or session `base`.
pub fn clock_epoch(base: u64, method: FrameClockMethod) -> u64 {
    let family_index = FrameClockMethod::ALL.iter().position(|m| *m == method).unwrap_or(0) as u64;
    base.wrapping_mul(FrameClockMethod::ALL.len() as u64).wrapping_add(family_index)
}

/// Anything that maps a presented frame's media time to VAS wall time.
pub trait FrameClock {
    /// Wall time of the frame whose media time is `media_secs`, if it can be known.
    fn wall_time(&self, media_secs: f64) -> Option<FrameTime>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_across_families() {
        for m in FrameClockMethod::ALL {
            assert_eq!(FrameClockMethod::from_attr(m.as_attr()), Some(m));
        }
        assert_eq!(FrameClockMethod::from_attr("auto"), None);
        assert_eq!(FrameClockMethod::from(LiveClockMethod::RtpSr).as_attr(), "rtp-sr");
    }

    #[test]
    fn each_run_and_method_is_its_own_epoch() {
        let mut seen = std::collections::HashSet::new();
        for base in 0..4 {
            for m in FrameClockMethod::ALL {
                assert!(seen.insert(clock_epoch(base, m)), "{base} {m:?}");
            }
        }
    }
}

//! The clip clock: a played file whose media time 0 is a known wall time, and its one method.

use crate::core::clock::{clock_epoch, FrameClock, FrameClockMethod, FrameTime};
use crate::core::time::{Micros, UnixMicros};

/// How a clip frame's wall time is worked out: the clip page cannot be given any other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClipClockMethod {
    /// A played file whose media time 0 is a known wall time (`start` parameter).
    Start,
}

impl ClipClockMethod {
    pub const ALL: [Self; 1] = [Self::Start];

    /// The `data-clock` name.
    pub fn as_attr(self) -> &'static str {
        match self {
            Self::Start => "clip-start",
        }
    }

    pub fn from_attr(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_attr() == text)
    }

    /// How far off a wall time from this method may be, for people.
    pub fn precision_note(self) -> &'static str {
        match self {
            Self::Start => "as exact as the clip's start time",
        }
    }
}

/// The clock of a played clip: `start + mediaTime`.
///
/// `mediaTime` is the presentation timestamp of the frame on screen, as given
/// by `requestVideoFrameCallback` metadata, not `currentTime` (which runs
/// ahead of and between frames).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClipClock {
    pub start: UnixMicros,
}

impl ClipClock {
    pub fn method(&self) -> ClipClockMethod {
        ClipClockMethod::Start
    }

    /// Wall time of the frame whose media time is `media_secs`; `None` for
    /// NaN, infinite or negative media times.
    pub fn frame_time(&self, media_secs: f64) -> Option<UnixMicros> {
        if !media_secs.is_finite() || media_secs < 0.0 {
            return None;
        }
        let offset: Micros = UnixMicros::from_secs_f64(media_secs)?.0;
        Some(self.start.plus(offset))
    }
}

impl FrameClock for ClipClock {
    fn wall_time(&self, media_secs: f64) -> Option<FrameTime> {
        let method = FrameClockMethod::Clip(ClipClockMethod::Start);
        Some(FrameTime {
            at: self.frame_time(media_secs)?,
            method,
            methods_disagree: false,
            epoch: clock_epoch(0, method),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_times() {
        let c = ClipClock { start: UnixMicros(1_000_000) };
        let cases = [
            (0.0, Some(1_000_000)),
            (1.0 / 30.0, Some(1_033_333)),
            (512.0 / 15360.0 * 4.0, Some(1_133_333)),
            (f64::NAN, None),
            (-0.5, None),
            (f64::INFINITY, None),
        ];
        for (media, expect) in cases {
            assert_eq!(c.frame_time(media).map(|t| t.0), expect, "{media}");
        }
        assert_eq!(c.method().as_attr(), "clip-start");
        assert_eq!(
            c.wall_time(1.0).map(|f| (f.at.0, f.method)),
            Some((2_000_000, FrameClockMethod::Clip(ClipClockMethod::Start)))
        );
        assert_eq!(ClipClockMethod::from_attr("clip-start"), Some(ClipClockMethod::Start));
        for m in ["program-date-time", "segment-epoch", "last-modified", "rtp-sr", "auto"] {
            assert_eq!(ClipClockMethod::from_attr(m), None, "{m}");
        }
    }
}

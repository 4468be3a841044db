//! Frame clocks: a presented frame's media time to its wall time on VAS's clock.

pub mod live;
pub mod recording;

use crate::core::time::{Micros, UnixMicros};

/// How a frame's wall time was worked out; written on the overlay root as `data-clock`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClockMethod {
    /// A played file whose media time 0 is a known wall time (`start` parameter).
    ClipStart,
    /// A recording segment's `EXT-X-PROGRAM-DATE-TIME` (exact).
    ProgramDateTime,
    /// A recording run's start from VAS's segment numbering, plus `EXTINF` (about half a second).
    SegmentEpoch,
    /// A recording segment's `Last-Modified` minus its `EXTINF` (about half a second).
    LastModified,
    /// Live: the frame's RTP time anchored to VAS's clock through sender reports.
    LiveRtpSr,
    /// Live: the frame's receive time moved onto VAS's clock by the sender-report offset.
    LiveReceive,
    /// Live: the browser's own time of the frame, clocks assumed equal.
    LiveArrival,
}

impl From<crate::core::clock::live::live_clock::LiveClockMethod> for ClockMethod {
    fn from(m: crate::core::clock::live::live_clock::LiveClockMethod) -> Self {
        use crate::core::clock::live::live_clock::LiveClockMethod as L;
        match m {
            L::RtpSr => ClockMethod::LiveRtpSr,
            L::Receive => ClockMethod::LiveReceive,
            L::Arrival => ClockMethod::LiveArrival,
        }
    }
}

impl ClockMethod {
    pub fn as_attr(self) -> &'static str {
        match self {
            ClockMethod::ClipStart => "clip-start",
            ClockMethod::ProgramDateTime => "program-date-time",
            ClockMethod::SegmentEpoch => "segment-epoch",
            ClockMethod::LastModified => "last-modified",
            ClockMethod::LiveRtpSr => "rtp-sr",
            ClockMethod::LiveReceive => "receive",
            ClockMethod::LiveArrival => "arrival",
        }
    }

    pub fn from_attr(text: &str) -> Option<Self> {
        [Self::ClipStart, Self::ProgramDateTime, Self::SegmentEpoch, Self::LastModified, Self::LiveRtpSr, Self::LiveReceive, Self::LiveArrival]
            .into_iter()
            .find(|m| m.as_attr() == text)
    }

    /// How far off a wall time from this method may be, for people: the viewer
    /// never claims frame accuracy it cannot have.
    pub fn precision_note(self) -> &'static str {
        match self {
            ClockMethod::ClipStart => "as exact as the clip's start time",
            ClockMethod::ProgramDateTime => "exact (program date-time)",
            ClockMethod::SegmentEpoch => "estimated from segment numbers, within about half a second",
            ClockMethod::LastModified => "estimated from segment Last-Modified times, within about half a second",
            ClockMethod::LiveRtpSr => "live: RTP time anchored through the SFU's sender reports",
            ClockMethod::LiveReceive => "live: receive time moved onto VAS's clock by the sender-report offset",
            ClockMethod::LiveArrival => "live: the browser's own clock, assumed equal to VAS's",
        }
    }
}

/// A presented frame's wall time and how it was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameTime {
    pub at: UnixMicros,
    pub method: ClockMethod,
    /// Two methods disagreed by more than a segment for this frame's segment,
    /// and `last-modified` was preferred (see `RecordingClock`).
    pub methods_disagree: bool,
}

/// Anything that maps a presented frame's media time to VAS wall time.
pub trait FrameClock {
    /// Wall time of the frame whose media time is `media_secs`, if it can be known.
    fn wall_time(&self, media_secs: f64) -> Option<FrameTime>;
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
    pub fn method(&self) -> ClockMethod {
        ClockMethod::ClipStart
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
        Some(FrameTime { at: self.frame_time(media_secs)?, method: ClockMethod::ClipStart, methods_disagree: false })
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
        assert_eq!(c.wall_time(1.0).map(|f| (f.at.0, f.method)), Some((2_000_000, ClockMethod::ClipStart)));
        for m in ["clip-start", "program-date-time", "segment-epoch", "last-modified"] {
            assert_eq!(ClockMethod::from_attr(m).map(ClockMethod::as_attr), Some(m));
        }
        assert_eq!(ClockMethod::from_attr("auto"), None);
    }
}

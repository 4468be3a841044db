//! Frame clocks: a presented frame's media time to its wall time on VAS's clock.

use super::time::{Micros, UnixMicros};

/// How a frame's wall time was worked out; written on the overlay root as `data-clock`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockMethod {
    /// A played file whose media time 0 is a known wall time (`start` parameter).
    ClipStart,
}

impl ClockMethod {
    pub fn as_attr(self) -> &'static str {
        match self {
            ClockMethod::ClipStart => "clip-start",
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
    }
}

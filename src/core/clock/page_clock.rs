//! The one dispatch of frame clocks: a presented frame's VAS time from the clip, recording or live clock a page plays by.
//!
//! The shell keeps each clock where its player can update it (a shared
//! cell) and lends it here for one call; every decision about which input
//! a family reads is made here.

use crate::core::clock::clip::ClipClock;
use crate::core::clock::live::live_clock::LiveClock;
use crate::core::clock::presented_frame::PresentedFrame;
use crate::core::clock::recording::recording_clock::RecordingClock;
use crate::core::clock::{clock_epoch, FrameClock, FrameClockMethod, FrameTime};
use crate::core::time::UnixMicros;

/// A page's frame clock, lent for one call. The live clock learns from every
/// frame it times, hence `&mut`.
pub enum PageClock<'a> {
    Clip(&'a ClipClock),
    Recording(&'a RecordingClock),
    Live(&'a mut LiveClock),
}

impl PageClock<'_> {
    /// Wall time of the frame at `media_secs`; live media time means nothing
    /// on VAS's clock, so live answers `None` (use `frame_time`).
    pub fn wall_time(&self, media_secs: f64) -> Option<FrameTime> {
        match self {
            Self::Clip(c) => c.wall_time(media_secs),
            Self::Recording(c) => c.wall_time(media_secs),
            Self::Live(_) => None,
        }
    }

    /// Wall time of a presented frame from everything the browser said about
    /// it (`time_origin_ms` is `performance.timeOrigin`): media time for a
    /// clip or a recording, RTP and receive times for live. The live clock
    /// learns from each call, so call it once per new frame.
    pub fn frame_time(self, frame: &PresentedFrame, time_origin_ms: f64) -> Option<FrameTime> {
        match self {
            Self::Live(c) => {
                let (at, method) = c.frame_time(&frame.live_meta(time_origin_ms))?;
                let method = FrameClockMethod::Live(method);
                Some(FrameTime {
                    at,
                    method,
                    methods_disagree: false,
                    epoch: clock_epoch(c.session(), method),
                })
            }
            other => other.wall_time(frame.media_time),
        }
    }

    /// What a growing recording holds up to (its newest segment's end); `None` for a clip or live.
    pub fn recorded_until(&self) -> Option<UnixMicros> {
        match self {
            Self::Recording(c) => c.recorded_until(),
            Self::Clip(_) | Self::Live(_) => None,
        }
    }

    /// Bumped when a frame already drawn may have moved in wall time (only a recording's mapping changes).
    pub fn version(&self) -> u64 {
        match self {
            Self::Recording(c) => c.version(),
            Self::Clip(_) | Self::Live(_) => 0,
        }
    }

    /// The method to announce before the first frame is mapped, if known in advance.
    pub fn initial_method(&self) -> Option<FrameClockMethod> {
        match self {
            Self::Clip(c) => Some(FrameClockMethod::Clip(c.method())),
            Self::Recording(_) | Self::Live(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::clock::clip::ClipClockMethod;
    use crate::core::clock::live::live_clock::{LiveClockMethod, LiveClockParams};

    #[test]
    fn each_family_reads_its_own_input() {
        let clip = ClipClock { start: UnixMicros(1_000_000) };
        let frame = PresentedFrame {
            receive_time: Some(500.0),
            expected_display_time: 510.0,
            ..PresentedFrame::at_media_time(2.0)
        };
        // A clip reads the media time.
        let t = PageClock::Clip(&clip)
            .frame_time(&frame, 1_700_000_000_000.0)
            .map(|t| (t.at.0, t.method));
        assert_eq!(t, Some((3_000_000, FrameClockMethod::Clip(ClipClockMethod::Start))));
        assert_eq!(
            PageClock::Clip(&clip).initial_method(),
            Some(FrameClockMethod::Clip(ClipClockMethod::Start))
        );
        assert_eq!(
            (PageClock::Clip(&clip).version(), PageClock::Clip(&clip).recorded_until()),
            (0, None)
        );
        // A recording with nothing mapped yet places nothing.
        let rec = RecordingClock::new(None);
        assert_eq!(PageClock::Recording(&rec).frame_time(&frame, 0.0), None);
        assert_eq!(PageClock::Recording(&rec).initial_method(), None);
        // Live ignores media time, and reads the receive time on the Unix clock.
        let mut live = LiveClock::new(LiveClockParams {
            max_method: LiveClockMethod::Arrival,
            ..LiveClockParams::default()
        });
        assert_eq!(PageClock::Live(&mut live).wall_time(2.0), None);
        let t = PageClock::Live(&mut live)
            .frame_time(&frame, 1_700_000_000_000.0)
            .map(|t| (t.at.0, t.method));
        assert_eq!(
            t,
            Some((1_700_000_000_500_000, FrameClockMethod::Live(LiveClockMethod::Arrival)))
        );
        assert_eq!(PageClock::Live(&mut live).initial_method(), None);
    }
}

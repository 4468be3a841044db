//! What the browser says about a presented video frame, as data: the one input of every frame clock.

use crate::core::clock::live::live_clock::LiveFrameMeta;

/// What the browser says about the frame it just presented
/// (`requestVideoFrameCallback` metadata, or `currentTime` where it is missing).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PresentedFrame {
    /// The frame's presentation timestamp in the media, seconds.
    pub media_time: f64,
    /// Frames presented since load; distinguishes repeats of one media time (loops).
    pub presented_frames: u32,
    /// RTP timestamp of a WebRTC frame (90 kHz), when the browser gives it.
    pub rtp_timestamp: Option<u32>,
    /// When a WebRTC frame's last packet arrived (`performance.now()` time base, ms).
    pub receive_time: Option<f64>,
    /// When the frame is expected on screen (`performance.now()` time base, ms).
    pub expected_display_time: f64,
}

impl PresentedFrame {
    /// A frame known only by its media time (no frame metadata available).
    pub fn at_media_time(media_time: f64) -> Self {
        Self {
            media_time,
            presented_frames: 0,
            rtp_timestamp: None,
            receive_time: None,
            expected_display_time: 0.0,
        }
    }

    /// The frame's times on the browser's Unix clock, for the live clock
    /// (`time_origin_ms` is `performance.timeOrigin`). A receive time of 0 or
    /// less is no receive time.
    pub fn live_meta(&self, time_origin_ms: f64) -> LiveFrameMeta {
        LiveFrameMeta {
            rtp_timestamp: self.rtp_timestamp,
            receive_ms: self.receive_time.filter(|r| *r > 0.0).map(|r| time_origin_ms + r),
            presented_ms: time_origin_ms + self.expected_display_time,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_meta_on_the_unix_clock() {
        let check = |receive_time: Option<f64>, want_receive: Option<f64>| {
            let f = PresentedFrame {
                receive_time,
                rtp_timestamp: Some(9),
                expected_display_time: 20.0,
                ..PresentedFrame::at_media_time(1.0)
            };
            assert_eq!(
                f.live_meta(1000.0),
                LiveFrameMeta {
                    rtp_timestamp: Some(9),
                    receive_ms: want_receive,
                    presented_ms: 1020.0
                },
                "{receive_time:?}"
            );
        };
        check(Some(15.0), Some(1015.0));
        check(Some(0.0), None);
        check(Some(-1.0), None);
        check(None, None);
    }
}

//! The live frame clock: each presented WebRTC frame's time on VAS's clock.
//!
//! What the browser gets from VAS's SFU (stock MediaSoup, see
//! `real-sfu-facts.md`): per presented frame `rtpTimestamp` (90 kHz, exact
//! frame spacing) and `receiveTime` (when its last packet arrived, browser
//! clock); and per RTCP sender report, in `getStats()` `remote-outbound-rtp`,
//! `remoteTimestamp` (the SFU's wall clock, which is VAS's clock) and
//! `timestamp` (when the report arrived, browser clock). `captureTime` never
//! appears against a receive-only peer of stock MediaSoup.
//!
//! - `remoteTimestamp - timestamp` is the VAS-to-browser clock offset minus
//!   the one-way delay; a running median over reports removes rare outliers.
//! - `receiveTime + offset` is then a frame's time on VAS's clock plus the
//!   encoder's latency and that frame's own network and pacing delay.
//! - The RTP timestamp spaces frames exactly, so `rtp + anchor`, with the
//!   anchor a low running quantile of `receiveTime - rtp` over recent frames,
//!   removes most of the per-frame delay. A low quantile rather than the
//!   median: delays are never negative, so the earliest arrivals are the
//!   closest to the frame's real time (measured in the closing figures).
//!
//! Methods, best first, and the inputs each needs ([`LiveClockMethod`]):
//! `rtp-sr` (RTP time, receive times, a sender report), `receive` (receive
//! time and a sender report), `arrival` (the browser's own time of the
//! frame, as if both clocks agreed). Each frame uses the best method whose
//! inputs are present; `max_method` caps it (tests measure each method).

use std::collections::VecDeque;

use crate::core::time::{Micros, UnixMicros};

/// How a live frame's VAS time was worked out; written on the overlay root as `data-clock`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LiveClockMethod {
    /// The browser's own time of the frame (receive or presentation), clocks assumed equal.
    Arrival,
    /// The frame's receive time moved onto VAS's clock by the sender-report offset.
    Receive,
    /// The frame's RTP time anchored to VAS's clock through receive times and sender reports.
    RtpSr,
}

impl LiveClockMethod {
    pub fn as_attr(self) -> &'static str {
        match self {
            LiveClockMethod::Arrival => "arrival",
            LiveClockMethod::Receive => "receive",
            LiveClockMethod::RtpSr => "rtp-sr",
        }
    }

    /// Parses an attribute value (used for the `clock` page parameter).
    pub fn from_attr(s: &str) -> Option<Self> {
        [LiveClockMethod::Arrival, LiveClockMethod::Receive, LiveClockMethod::RtpSr]
            .into_iter()
            .find(|m| m.as_attr() == s)
    }

    /// How far off a wall time from this method may be, for people.
    pub fn precision_note(self) -> &'static str {
        match self {
            LiveClockMethod::RtpSr => "live: RTP time anchored through the SFU's sender reports",
            LiveClockMethod::Receive => {
                "live: receive time moved onto VAS's clock by the sender-report offset"
            }
            LiveClockMethod::Arrival => "live: the browser's own clock, assumed equal to VAS's",
        }
    }
}

/// What `requestVideoFrameCallback` said about one presented frame. Times are
/// milliseconds since the Unix epoch on the browser's clock
/// (`performance.timeOrigin +` the callback's value).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LiveFrameMeta {
    pub rtp_timestamp: Option<u32>,
    pub receive_ms: Option<f64>,
    /// When the frame is (expected to be) shown; the last resort.
    pub presented_ms: f64,
}

/// One RTCP sender report as `getStats()` shows it (both in Unix milliseconds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SenderReportSample {
    /// The SFU's wall clock when it sent the report (`remoteTimestamp`).
    pub remote_ms: f64,
    /// The browser's clock when the report arrived (`timestamp`).
    pub local_ms: f64,
}

/// Tuning of the clock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LiveClockParams {
    /// The best method allowed.
    pub max_method: LiveClockMethod,
    /// Frames in the anchor's window (about 4 s at 30 fps).
    pub anchor_window: usize,
    /// The quantile of `receive - rtp` taken as the anchor, 0..=1.
    pub anchor_quantile: f64,
    /// Frames needed before the RTP anchor is trusted.
    pub min_anchor_frames: usize,
    /// Sender reports in the offset's median.
    pub offset_window: usize,
    /// A frame this far (ms) from the anchored time is a jump of the RTP
    /// timeline (a new stream, a reset encoder) once it repeats.
    pub jump_ms: f64,
    /// Consecutive jumped frames that restart the anchor.
    pub jump_frames: usize,
    /// Frames of a session that get no time at all (nothing is drawn) while
    /// no sender report has arrived, before `arrival` is used: the first
    /// report comes within about a second, and until then the browser's
    /// clock may be off by any amount (boxes seconds away from their frame).
    /// Not applied when `arrival` is the cap.
    pub arrival_grace_frames: usize,
}

impl Default for LiveClockParams {
    fn default() -> Self {
        Self {
            max_method: LiveClockMethod::RtpSr,
            anchor_window: 120,
            anchor_quantile: 0.1,
            min_anchor_frames: 5,
            offset_window: 9,
            jump_ms: 500.0,
            jump_frames: 3,
            arrival_grace_frames: 60,
        }
    }
}

/// A bounded window of recent values with quantile queries.
#[derive(Debug, Clone, Default)]
struct Window {
    values: VecDeque<f64>,
    cap: usize,
}

impl Window {
    fn new(cap: usize) -> Self {
        Self { values: VecDeque::with_capacity(cap.max(1)), cap: cap.max(1) }
    }

    fn push(&mut self, v: f64) {
        if self.values.len() == self.cap {
            self.values.pop_front();
        }
        self.values.push_back(v);
    }

    fn len(&self) -> usize {
        self.values.len()
    }

    fn clear(&mut self) {
        self.values.clear();
    }

    /// The `q` quantile (nearest rank, lower), or `None` when empty.
    fn quantile(&self, q: f64) -> Option<f64> {
        if self.values.is_empty() {
            return None;
        }
        let mut v: Vec<f64> = self.values.iter().copied().collect();
        let k = ((v.len() - 1) as f64 * q.clamp(0.0, 1.0)).floor() as usize;
        let (_, nth, _) = v.select_nth_unstable_by(k, f64::total_cmp);
        Some(*nth)
    }
}

/// Extends 32-bit RTP timestamps into a continuous 64-bit timeline.
#[derive(Debug, Clone, Copy, Default)]
struct RtpUnwrapper {
    last: Option<(u32, i64)>,
}

impl RtpUnwrapper {
    fn unwrap(&mut self, rtp: u32) -> i64 {
        let ext = match self.last {
            None => i64::from(rtp),
            // The signed 32-bit difference handles wrap-around in either direction.
            Some((raw, ext)) => ext + i64::from(rtp.wrapping_sub(raw) as i32),
        };
        self.last = Some((rtp, ext));
        ext
    }
}

/// RTP video clock rate.
const RTP_TICKS_PER_MS: f64 = 90.0;

/// The clock of one live session (reset when a new consumer starts).
#[derive(Debug, Clone)]
pub struct LiveClock {
    params: LiveClockParams,
    offsets: Window,
    /// `receive_ms - rtp_ms` of recent frames (browser clock).
    anchors: Window,
    rtp: RtpUnwrapper,
    jumped: usize,
    last_report_local: Option<f64>,
    /// The VAS time of the latest frame timed, and how.
    last_frame: Option<(UnixMicros, LiveClockMethod)>,
    /// Frames seen since the session started.
    frames: usize,
    /// Sessions started before this one (resets).
    session: u64,
    /// What the picture calibration adds to a frame's time before events
    /// are selected for it (`PictureCalibration::applied_offset_us`).
    selection_offset_us: Micros,
}

impl LiveClock {
    pub fn new(params: LiveClockParams) -> Self {
        Self {
            params,
            offsets: Window::new(params.offset_window),
            anchors: Window::new(params.anchor_window),
            rtp: RtpUnwrapper::default(),
            jumped: 0,
            last_report_local: None,
            last_frame: None,
            frames: 0,
            session: 0,
            selection_offset_us: 0,
        }
    }

    pub fn params(&self) -> LiveClockParams {
        self.params
    }

    /// Forgets everything learnt (a new session: new RTP timeline, maybe a new SFU).
    pub fn reset(&mut self) {
        let session = self.session.wrapping_add(1);
        *self = Self { session, ..Self::new(self.params) };
    }

    /// The session's number: resets before it.
    pub fn session(&self) -> u64 {
        self.session
    }

    /// Records a sender report; the same report seen again (same arrival) is ignored.
    pub fn observe_sender_report(&mut self, sr: SenderReportSample) {
        if !(sr.remote_ms.is_finite() && sr.local_ms.is_finite())
            || sr.remote_ms <= 0.0
            || sr.local_ms <= 0.0
        {
            return;
        }
        if self.last_report_local == Some(sr.local_ms) {
            return;
        }
        self.last_report_local = Some(sr.local_ms);
        self.offsets.push(sr.remote_ms - sr.local_ms);
    }

    /// VAS clock minus browser clock minus the one-way delay, in ms, once a report arrived.
    pub fn offset_ms(&self) -> Option<f64> {
        self.offsets.quantile(0.5)
    }

    /// Learns from a presented frame and returns its time on VAS's clock with
    /// the method used. Call once per presented frame, in presentation order.
    pub fn frame_time(&mut self, meta: &LiveFrameMeta) -> Option<(UnixMicros, LiveClockMethod)> {
        self.frames = self.frames.saturating_add(1);
        let receive = meta.receive_ms.filter(|r| r.is_finite() && *r > 0.0);
        let offset = self.offset_ms();
        let rtp_ms = meta.rtp_timestamp.map(|r| self.rtp.unwrap(r) as f64 / RTP_TICKS_PER_MS);
        if let (Some(rtp_ms), Some(receive)) = (rtp_ms, receive) {
            self.learn_anchor(receive - rtp_ms);
        }
        let max = self.params.max_method;
        let (ms, method) = match (rtp_ms, receive, offset) {
            (Some(rtp_ms), Some(_), Some(offset))
                if max >= LiveClockMethod::RtpSr
                    && self.anchors.len() >= self.params.min_anchor_frames =>
            {
                let anchor = self.anchors.quantile(self.params.anchor_quantile)?;
                (rtp_ms + anchor + offset, LiveClockMethod::RtpSr)
            }
            (_, Some(receive), Some(offset)) if max >= LiveClockMethod::Receive => {
                (receive + offset, LiveClockMethod::Receive)
            }
            _ if max > LiveClockMethod::Arrival
                && self.frames <= self.params.arrival_grace_frames =>
            {
                return None
            }
            _ => (receive.unwrap_or(meta.presented_ms), LiveClockMethod::Arrival),
        };
        let t = UnixMicros::from_millis_f64(ms)?;
        self.last_frame = Some((t, method));
        Some((t, method))
    }

    /// The VAS time of the latest frame timed (the one on screen) and its method.
    pub fn last_frame_time(&self) -> Option<(UnixMicros, LiveClockMethod)> {
        self.last_frame
    }

    /// The offset the overlay adds to frame times before selecting events
    /// (0 until the picture calibration learns one, and in a new session).
    pub fn set_selection_offset_us(&mut self, offset_us: Micros) {
        self.selection_offset_us = offset_us;
    }

    /// The time events are selected at for the latest frame: its time plus
    /// the selection offset. What the playout delay and the event polls
    /// must reach.
    pub fn last_selection_time(&self) -> Option<(UnixMicros, LiveClockMethod)> {
        self.last_frame.map(|(t, m)| (t.plus(self.selection_offset_us), m))
    }

    fn learn_anchor(&mut self, sample: f64) {
        if let Some(current) = self.anchors.quantile(self.params.anchor_quantile) {
            if (sample - current).abs() > self.params.jump_ms {
                self.jumped += 1;
                if self.jumped < self.params.jump_frames {
                    // Possibly one very late frame: not learnt from.
                    return;
                }
                // The RTP timeline itself moved: start over from this frame.
                self.anchors.clear();
            }
        }
        self.jumped = 0;
        self.anchors.push(sample);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use LiveClockMethod::*;

    const T0: f64 = 1_800_000_000_000.0; // ms, VAS clock
    const RTP0: u32 = 4_294_000_000; // wraps after about 10 s

    /// Frame `n` of a 30 fps stream captured at `T0 + n * 33.33` on VAS's clock,
    /// received `delay` ms later on a browser clock `skew` ms ahead of VAS's.
    fn frame(n: u32, delay: f64, skew: f64) -> LiveFrameMeta {
        let t = T0 + f64::from(n) * 1000.0 / 30.0;
        LiveFrameMeta {
            rtp_timestamp: Some(RTP0.wrapping_add(n * 3000)),
            receive_ms: Some(t + delay + skew),
            presented_ms: t + delay + skew + 20.0,
        }
    }

    /// A sender report sent at VAS time `t` that took `delay` ms.
    fn report(t: f64, delay: f64, skew: f64) -> SenderReportSample {
        SenderReportSample { remote_ms: t, local_ms: t + delay + skew }
    }

    fn err_ms(clock: &mut LiveClock, n: u32, meta: &LiveFrameMeta) -> (f64, LiveClockMethod) {
        let (t, m) = clock.frame_time(meta).unwrap();
        (t.0 as f64 / 1000.0 - (T0 + f64::from(n) * 1000.0 / 30.0), m)
    }

    #[test]
    fn degrades_when_inputs_are_missing() {
        let skew = 2500.0;
        let mut c = LiveClock::new(LiveClockParams {
            arrival_grace_frames: 0,
            ..LiveClockParams::default()
        });
        // No sender report yet: the browser's own clock, skew and all.
        let (e, m) = err_ms(&mut c, 0, &frame(0, 5.0, skew));
        assert_eq!(m, Arrival);
        assert!((e - 2505.0).abs() < 0.01, "{e}");
        c.observe_sender_report(report(T0, 2.0, skew));
        // A report, but the anchor needs a few frames: receive time plus offset.
        let (e, m) = err_ms(&mut c, 1, &frame(1, 5.0, skew));
        assert_eq!(m, Receive);
        assert!((e - 3.0).abs() < 0.01, "{e}");
        for n in 2..10 {
            err_ms(&mut c, n, &frame(n, 5.0, skew));
        }
        let (e, m) = err_ms(&mut c, 10, &frame(10, 5.0, skew));
        assert_eq!(m, RtpSr);
        assert!((e - 3.0).abs() < 0.01, "{e}");
        // A frame without RTP time (or a capped clock) falls back to receive.
        let mut no_rtp = frame(11, 9.0, skew);
        no_rtp.rtp_timestamp = None;
        assert_eq!(err_ms(&mut c, 11, &no_rtp).1, Receive);
        let mut bare = no_rtp;
        bare.receive_ms = None;
        let (e, m) = err_ms(&mut c, 11, &bare);
        assert_eq!(m, Arrival);
        assert!((e - (skew + 29.0)).abs() < 0.01, "presentation time is the last resort: {e}");
    }

    #[test]
    fn no_time_before_the_first_report_during_the_grace_frames() {
        let params = LiveClockParams { arrival_grace_frames: 3, ..LiveClockParams::default() };
        let mut c = LiveClock::new(params);
        let got: Vec<Option<LiveClockMethod>> =
            (0..5).map(|n| c.frame_time(&frame(n, 5.0, 900.0)).map(|(_, m)| m)).collect();
        assert_eq!(
            got,
            [None, None, None, Some(Arrival), Some(Arrival)],
            "then the browser's clock, for want of better"
        );
        let mut capped = LiveClock::new(LiveClockParams { max_method: Arrival, ..params });
        assert_eq!(
            capped.frame_time(&frame(0, 5.0, 0.0)).map(|(_, m)| m),
            Some(Arrival),
            "no grace when arrival is the cap"
        );
        c.reset();
        c.observe_sender_report(report(T0, 1.0, 900.0));
        assert_eq!(
            c.frame_time(&frame(0, 5.0, 900.0)).map(|(_, m)| m),
            Some(Receive),
            "a report ends the grace"
        );
    }

    #[test]
    fn the_selection_offset_moves_the_last_frame_and_a_new_session_drops_it() {
        let mut c = LiveClock::new(LiveClockParams::default());
        c.observe_sender_report(report(T0, 1.0, 0.0));
        for n in 0..20 {
            c.frame_time(&frame(n, 4.0, 0.0));
        }
        let (frame_at, method) = c.last_frame_time().expect("timed");
        assert_eq!(c.last_selection_time(), Some((frame_at, method)), "no offset yet");
        c.set_selection_offset_us(33_700);
        assert_eq!(c.last_selection_time(), Some((frame_at.plus(33_700), method)));
        c.set_selection_offset_us(-500_000);
        assert_eq!(c.last_selection_time(), Some((frame_at.plus(-500_000), method)));
        let session = c.session();
        c.reset();
        assert_eq!((c.session(), c.last_selection_time()), (session + 1, None));
        c.observe_sender_report(report(T0, 1.0, 0.0));
        for n in 30..50 {
            c.frame_time(&frame(n, 4.0, 0.0));
        }
        let (t, m) = c.last_frame_time().expect("timed with the new session's report");
        assert_eq!(c.last_selection_time(), Some((t, m)), "the offset was the old session's");
    }

    #[test]
    fn the_cap_limits_the_method() {
        for (cap, expect) in [(Arrival, Arrival), (Receive, Receive), (RtpSr, RtpSr)] {
            let mut c =
                LiveClock::new(LiveClockParams { max_method: cap, ..LiveClockParams::default() });
            c.observe_sender_report(report(T0, 1.0, 0.0));
            let mut last = None;
            for n in 0..20 {
                last = Some(err_ms(&mut c, n, &frame(n, 4.0, 0.0)).1);
            }
            assert_eq!(last, Some(expect));
            assert_eq!(LiveClockMethod::from_attr(cap.as_attr()), Some(cap));
        }
    }

    /// Jittery receive times: the RTP anchor keeps each frame within a couple of
    /// ms of the truth where the receive time alone is off by its own delay.
    #[test]
    fn rtp_anchor_removes_per_frame_delay_across_the_rtp_wrap() {
        let skew = -1234.5;
        let mut c = LiveClock::new(LiveClockParams::default());
        let mut receive_only =
            LiveClock::new(LiveClockParams { max_method: Receive, ..LiveClockParams::default() });
        let (mut worst_rtp, mut worst_recv) = (0.0f64, 0.0f64);
        for n in 0..600u32 {
            if n % 30 == 0 {
                // Reports every second, one of them a 60 ms outlier.
                let d = if n == 90 { 60.0 } else { 1.0 };
                let sr = report(T0 + f64::from(n) * 33.3, d, skew);
                c.observe_sender_report(sr);
                receive_only.observe_sender_report(sr);
            }
            // 3 ms base delay plus up to 40 ms of pseudo-random jitter.
            let jitter = f64::from((n * 7919) % 41);
            let meta = frame(n, 3.0 + jitter, skew);
            let (e, m) = err_ms(&mut c, n, &meta);
            let (er, _) = err_ms(&mut receive_only, n, &meta);
            if n > 60 {
                assert_eq!(m, RtpSr);
                worst_rtp = worst_rtp.max(e.abs());
                worst_recv = worst_recv.max(er.abs());
            }
        }
        assert!(worst_rtp < 8.0, "rtp-sr worst {worst_rtp}");
        assert!(worst_recv > 35.0, "receive worst {worst_recv}");
    }

    #[test]
    fn a_new_rtp_timeline_restarts_the_anchor_but_one_late_frame_does_not() {
        let mut c = LiveClock::new(LiveClockParams::default());
        c.observe_sender_report(report(T0, 1.0, 0.0));
        for n in 0..30 {
            err_ms(&mut c, n, &frame(n, 5.0, 0.0));
        }
        // One frame 900 ms late: not learnt from; the next ones are fine.
        let (e, _) = err_ms(&mut c, 30, &frame(30, 900.0, 0.0));
        assert!((e - 4.0).abs() < 0.01, "{e}");
        // The encoder restarts: RTP jumps by an arbitrary amount.
        let mut errs = Vec::new();
        for n in 31..45u32 {
            let mut meta = frame(n, 5.0, 0.0);
            meta.rtp_timestamp = meta.rtp_timestamp.map(|r| r.wrapping_add(123_456_789));
            errs.push(err_ms(&mut c, n, &meta).0);
        }
        assert!(errs.last().unwrap().abs() < 4.01, "{errs:?}");
    }

    #[test]
    fn reports_are_deduplicated_and_garbage_ignored() {
        let mut c = LiveClock::new(LiveClockParams::default());
        c.observe_sender_report(report(T0, 10.0, 0.0));
        c.observe_sender_report(report(T0, 10.0, 0.0));
        c.observe_sender_report(SenderReportSample { remote_ms: f64::NAN, local_ms: 5.0 });
        c.observe_sender_report(SenderReportSample { remote_ms: 0.0, local_ms: 5.0 });
        assert_eq!(c.offsets.len(), 1);
        assert_eq!(c.offset_ms(), Some(-10.0));
        c.reset();
        assert_eq!(c.offset_ms(), None);
    }

    #[test]
    fn window_quantiles() {
        let mut w = Window::new(4);
        assert_eq!(w.quantile(0.5), None);
        for v in [5.0, 1.0, 9.0, 3.0, 7.0] {
            w.push(v);
        }
        // 5.0 fell out: [1, 9, 3, 7].
        let cases = [(0.0, 1.0), (0.1, 1.0), (0.5, 3.0), (0.9, 7.0), (1.0, 9.0)];
        for (q, expect) in cases {
            assert_eq!(w.quantile(q), Some(expect), "q={q}");
        }
    }
}

//! The live player's states, stall detection and reconnect policy (no browser code).
//!
//! A session is one WebSocket, one receive transport and one consumer. It
//! ends on a signaling error or timeout, an empty producer list, a stall (no
//! new frame for a few seconds) or the track ending; the player then tears
//! it down and starts a new one after a back-off. The states are what the
//! player shows in its own area, never in the overlay.

use super::backoff::Backoff;

/// What the player area says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlayerState {
    /// The first session is being set up.
    Connecting,
    /// Frames are arriving.
    Live,
    /// VAS lists no producer for this camera: nobody started the stream.
    NotStarted { retry_in_ms: u32 },
    /// Frames stopped; a new session follows after the back-off.
    Stalled { retry_in_ms: u32 },
    /// A session failed; the next one starts after the back-off.
    Reconnecting { attempt: u32, retry_in_ms: u32, reason: String },
}

impl PlayerState {
    /// The value of the player's `data-player-state` attribute.
    pub fn as_attr(&self) -> &'static str {
        match self {
            PlayerState::Connecting => "connecting",
            PlayerState::Live => "live",
            PlayerState::NotStarted { .. } => "not-started",
            PlayerState::Stalled { .. } => "stalled",
            PlayerState::Reconnecting { .. } => "reconnecting",
        }
    }

    /// The text shown to the user, if any.
    pub fn message(&self) -> Option<String> {
        let secs = |ms: &u32| (f64::from(*ms) / 1000.0).ceil() as u32;
        match self {
            PlayerState::Connecting => Some("Connecting to the camera...".into()),
            PlayerState::Live => None,
            PlayerState::NotStarted { retry_in_ms } => {
                Some(format!("The camera's stream is not started. Checking again in {} s.", secs(retry_in_ms)))
            }
            PlayerState::Stalled { retry_in_ms } => {
                Some(format!("The stream stalled: no new picture. Reconnecting in {} s.", secs(retry_in_ms)))
            }
            PlayerState::Reconnecting { attempt, retry_in_ms: 0, reason } => {
                Some(format!("Connection lost ({reason}). Reconnecting now (attempt {attempt})."))
            }
            PlayerState::Reconnecting { attempt, retry_in_ms, reason } => {
                Some(format!("Connection lost ({reason}). Reconnecting in {} s (attempt {attempt}).", secs(retry_in_ms)))
            }
        }
    }
}

/// Why a session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionEnd {
    NotStarted,
    /// No new frame for the stall time, or the track ended.
    Stalled,
    /// Signaling, transport or media failure, with a short reason.
    Failed(String),
}

/// Timing of the player.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionTiming {
    /// The upstream client gives the socket this long to open.
    pub open_timeout_ms: u32,
    /// And each request this long.
    pub request_timeout_ms: u32,
    /// No new frame for this long is a stall.
    pub stall_after_ms: u32,
    /// Before the first frame of a session, this long without one is a stall
    /// (ICE, DTLS and the first keyframe take a moment).
    pub first_frame_within_ms: u32,
    pub backoff_base_ms: u32,
    pub backoff_max_ms: u32,
}

impl Default for SessionTiming {
    fn default() -> Self {
        Self {
            open_timeout_ms: 5_000,
            request_timeout_ms: 10_000,
            stall_after_ms: 3_000,
            first_frame_within_ms: 8_000,
            backoff_base_ms: 1_000,
            backoff_max_ms: 15_000,
        }
    }
}

/// Watches frame arrivals of one session.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StallWatch {
    started_ms: f64,
    last_frame_ms: Option<f64>,
    last_frame_id: Option<u64>,
}

impl StallWatch {
    pub fn new(now_ms: f64) -> Self {
        Self { started_ms: now_ms, last_frame_ms: None, last_frame_id: None }
    }

    /// Records the frame on screen (an id that changes with every new frame,
    /// such as the presented-frame count); returns whether it is a new one.
    pub fn on_frame(&mut self, frame_id: u64, now_ms: f64) -> bool {
        if self.last_frame_id == Some(frame_id) {
            return false;
        }
        self.last_frame_id = Some(frame_id);
        self.last_frame_ms = Some(now_ms);
        true
    }

    pub fn has_frames(&self) -> bool {
        self.last_frame_ms.is_some()
    }

    /// Whether the session has stalled by `now_ms`.
    pub fn is_stalled(&self, now_ms: f64, t: &SessionTiming) -> bool {
        match self.last_frame_ms {
            Some(last) => now_ms - last > f64::from(t.stall_after_ms),
            None => now_ms - self.started_ms > f64::from(t.first_frame_within_ms),
        }
    }
}

/// Decides what follows a session.
#[derive(Debug, Clone, PartialEq)]
pub struct ReconnectPolicy {
    backoff: Backoff,
    failures: u32,
}

impl ReconnectPolicy {
    pub fn new(t: &SessionTiming) -> Self {
        Self { backoff: Backoff::new(t.backoff_base_ms, t.backoff_max_ms), failures: 0 }
    }

    /// A session showed frames: the next failure starts the back-off afresh.
    pub fn on_frames(&mut self) {
        self.backoff.on_success();
        self.failures = 0;
    }

    /// The state to show and how long to wait before the next session.
    pub fn on_end(&mut self, end: &SessionEnd, jitter01: f64) -> (PlayerState, u32) {
        let wait = self.backoff.on_failure(jitter01);
        self.failures += 1;
        let state = match end {
            SessionEnd::NotStarted => PlayerState::NotStarted { retry_in_ms: wait },
            SessionEnd::Stalled => PlayerState::Stalled { retry_in_ms: wait },
            SessionEnd::Failed(reason) => PlayerState::Reconnecting { attempt: self.failures, retry_in_ms: wait, reason: reason.clone() },
        };
        (state, wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stalls_before_and_after_the_first_frame() {
        let t = SessionTiming::default();
        let mut w = StallWatch::new(1000.0);
        let cases = [(5000.0, false), (9000.0, false), (9001.0, true)];
        for (now, expect) in cases {
            assert_eq!(w.is_stalled(now, &t), expect, "no frame yet, now={now}");
        }
        assert!(w.on_frame(1, 2000.0));
        assert!(!w.on_frame(1, 4000.0), "the same frame again is no progress");
        assert!(w.has_frames());
        let cases = [(4999.0, false), (5000.0, false), (5001.0, true)];
        for (now, expect) in cases {
            assert_eq!(w.is_stalled(now, &t), expect, "now={now}");
        }
    }

    #[test]
    fn back_off_grows_and_frames_reset_it() {
        let t = SessionTiming::default();
        let mut p = ReconnectPolicy::new(&t);
        let ends = [SessionEnd::Failed("timeout".into()), SessionEnd::Stalled, SessionEnd::NotStarted, SessionEnd::Failed("closed".into())];
        let got: Vec<(&'static str, u32)> = ends.iter().map(|e| p.on_end(e, 0.0)).map(|(s, w)| (s.as_attr(), w)).collect();
        assert_eq!(got, [("reconnecting", 1000), ("stalled", 2000), ("not-started", 4000), ("reconnecting", 8000)]);
        for _ in 0..5 {
            p.on_end(&SessionEnd::Stalled, 0.0);
        }
        assert_eq!(p.on_end(&SessionEnd::Stalled, 0.0).1, 15_000, "capped");
        p.on_frames();
        let (s, w) = p.on_end(&SessionEnd::Failed("x".into()), 0.0);
        assert_eq!((w, s), (1000, PlayerState::Reconnecting { attempt: 1, retry_in_ms: 1000, reason: "x".into() }));
    }

    #[test]
    fn messages() {
        let cases = [
            (PlayerState::Connecting, Some("Connecting to the camera...")),
            (PlayerState::Live, None),
            (PlayerState::NotStarted { retry_in_ms: 4000 }, Some("The camera's stream is not started. Checking again in 4 s.")),
            (PlayerState::Stalled { retry_in_ms: 1500 }, Some("The stream stalled: no new picture. Reconnecting in 2 s.")),
        ];
        for (s, expect) in cases {
            assert_eq!(s.message().as_deref(), expect);
        }
    }
}

//! The live player's states, stall detection (visibility-aware, on a monotonic clock) and reconnect policy (no browser code).
//!
//! A session is one WebSocket, one receive transport and one consumer. It
//! ends on a signaling error or timeout, an empty producer list, a stall (no
//! new frame for a few seconds) or the track ending; the player then tears
//! it down and starts a new one after a back-off. The states are what the
//! player shows in its own area, never in the overlay.
//!
//! Every time here is a duration measured on the page's monotonic clock
//! (`performance.now()`, arguments named `*_mono_ms`), never the wall clock:
//! a step of the computer's clock must neither fake a stall (forward) nor
//! switch stall detection off (back).
//!
//! A hidden page gets no video-frame callbacks (Chromium stops presenting
//! frames in background tabs), so frames cannot tell a stall from a tab in
//! the background: [`StallWatch`] is suspended while the page is hidden and
//! re-armed with a fresh grace period when it is shown again; a session that
//! shows a new frame within that grace goes on, one that does not is a stall.
//! No session is opened while the page is hidden
//! ([`ReconnectPolicy::may_open`]).

use crate::core::backoff::Backoff;

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
            PlayerState::NotStarted { retry_in_ms } => Some(format!(
                "The camera's stream is not started. Checking again in {} s.",
                secs(retry_in_ms)
            )),
            PlayerState::Stalled { retry_in_ms } => Some(format!(
                "The stream stalled: no new picture. Reconnecting in {} s.",
                secs(retry_in_ms)
            )),
            PlayerState::Reconnecting { attempt, retry_in_ms: 0, reason } => {
                Some(format!("Connection lost ({reason}). Reconnecting now (attempt {attempt})."))
            }
            PlayerState::Reconnecting { attempt, retry_in_ms, reason } => Some(format!(
                "Connection lost ({reason}). Reconnecting in {} s (attempt {attempt}).",
                secs(retry_in_ms)
            )),
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
    /// After the page is shown again, a session that had frames gets this
    /// long to present a new one before it is a stall (a keyframe interval
    /// and a little more: the decoder may wait for the next keyframe).
    pub resume_within_ms: u32,
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
            resume_within_ms: 5_000,
            backoff_base_ms: 1_000,
            backoff_max_ms: 15_000,
        }
    }
}

/// Whether the page is shown (`document.visibilityState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    Visible,
    Hidden,
}

/// Which grace applies until the next new frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Awaiting {
    /// A new frame arrived since the session started or the page was shown.
    Nothing,
    /// The session's first frame (`first_frame_within_ms`).
    FirstFrame,
    /// A new frame after the page was shown again (`resume_within_ms`).
    Resume,
}

/// Watches frame arrivals of one session, on the monotonic clock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StallWatch {
    /// When the current grace started: the session's start, or the page's
    /// return to visible.
    armed_mono_ms: f64,
    awaiting: Awaiting,
    last_frame_mono_ms: Option<f64>,
    last_frame_id: Option<u64>,
    hidden: bool,
}

impl StallWatch {
    /// A session starting at `now_mono_ms` with the page as `visibility` says.
    pub fn new(now_mono_ms: f64, visibility: Visibility) -> Self {
        Self {
            armed_mono_ms: now_mono_ms,
            awaiting: Awaiting::FirstFrame,
            last_frame_mono_ms: None,
            last_frame_id: None,
            hidden: visibility == Visibility::Hidden,
        }
    }

    /// Records the frame on screen (an id that changes with every new frame,
    /// such as its RTP timestamp or the presented-frame count); returns
    /// whether it is a new one.
    pub fn on_frame(&mut self, frame_id: u64, now_mono_ms: f64) -> bool {
        if self.last_frame_id == Some(frame_id) {
            return false;
        }
        self.last_frame_id = Some(frame_id);
        self.last_frame_mono_ms = Some(now_mono_ms);
        self.awaiting = Awaiting::Nothing;
        true
    }

    /// The page was hidden or shown at `at_mono_ms`. Hiding suspends stall
    /// detection; showing re-arms it with a fresh grace from `at_mono_ms`
    /// (the resume grace once the session has had frames, else the
    /// first-frame grace). Repeating the current state changes nothing.
    pub fn on_visibility(&mut self, visibility: Visibility, at_mono_ms: f64) {
        match (visibility, self.hidden) {
            (Visibility::Hidden, _) => self.hidden = true,
            (Visibility::Visible, true) => {
                self.hidden = false;
                self.armed_mono_ms = at_mono_ms;
                self.awaiting =
                    if self.has_frames() { Awaiting::Resume } else { Awaiting::FirstFrame };
            }
            (Visibility::Visible, false) => {}
        }
    }

    pub fn has_frames(&self) -> bool {
        self.last_frame_mono_ms.is_some()
    }

    pub fn is_hidden(&self) -> bool {
        self.hidden
    }

    /// Whether the frame on screen is a current one: the page is shown and,
    /// since it was last shown, a new frame arrived. Only then does the frame
    /// on screen say anything about lateness (the playout delay learns from
    /// it); a hidden page keeps showing its last frame while time goes on.
    pub fn picture_is_current(&self) -> bool {
        !self.hidden && self.awaiting == Awaiting::Nothing
    }

    /// Whether the session has stalled by `now_mono_ms`. Never while the
    /// page is hidden; a clock that went back (or is not a number) is no
    /// elapsed time, so it cannot make a stall either.
    pub fn is_stalled(&self, now_mono_ms: f64, t: &SessionTiming) -> bool {
        if self.hidden {
            return false;
        }
        let (since, limit) = match (self.awaiting, self.last_frame_mono_ms) {
            (Awaiting::FirstFrame, _) => (self.armed_mono_ms, t.first_frame_within_ms),
            (Awaiting::Resume, _) => (self.armed_mono_ms, t.resume_within_ms),
            (Awaiting::Nothing, Some(last)) => (last, t.stall_after_ms),
            (Awaiting::Nothing, None) => (self.armed_mono_ms, t.first_frame_within_ms),
        };
        now_mono_ms - since > f64::from(limit)
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

    /// Whether a new session may be opened now: only while the page is shown.
    /// A hidden page would get no frames to prove the session plays, and a
    /// session that failed while hidden is rebuilt once the page is shown.
    pub fn may_open(&self, visibility: Visibility) -> bool {
        visibility == Visibility::Visible
    }

    /// The state to show and how long to wait before the next session.
    pub fn on_end(&mut self, end: &SessionEnd, jitter01: f64) -> (PlayerState, u32) {
        let wait = self.backoff.on_failure(jitter01);
        self.failures += 1;
        let state = match end {
            SessionEnd::NotStarted => PlayerState::NotStarted { retry_in_ms: wait },
            SessionEnd::Stalled => PlayerState::Stalled { retry_in_ms: wait },
            SessionEnd::Failed(reason) => PlayerState::Reconnecting {
                attempt: self.failures,
                retry_in_ms: wait,
                reason: reason.clone(),
            },
        };
        (state, wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What happens at one instant of a simulated session.
    #[derive(Debug, Clone, Copy)]
    enum Step {
        Frame(u64),
        Hide,
        Show,
        /// The expected `is_stalled` verdict.
        Stalled(bool),
        /// The expected `picture_is_current` verdict.
        Current(bool),
    }
    use Step::*;

    /// One row: the monotonic instant, where the wall clock stands then, the step.
    type Row = (f64, f64, Step);

    /// Runs `rows` through a watch started at the first row's time, timed by
    /// `clock` (the monotonic or the wall column); returns each checked
    /// verdict as (row index, expected, got).
    fn run(rows: &[Row], clock: fn(&Row) -> f64) -> Vec<(usize, bool, bool)> {
        let t = SessionTiming::default();
        let mut w = StallWatch::new(clock(&rows[0]), Visibility::Visible);
        let mut verdicts = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            let now = clock(row);
            match row.2 {
                Frame(id) => {
                    w.on_frame(id, now);
                }
                Hide => w.on_visibility(Visibility::Hidden, now),
                Show => w.on_visibility(Visibility::Visible, now),
                Stalled(expect) => verdicts.push((i, expect, w.is_stalled(now, &t))),
                Current(expect) => verdicts.push((i, expect, w.picture_is_current())),
            }
        }
        verdicts
    }

    fn mono(r: &Row) -> f64 {
        r.0
    }

    fn wall(r: &Row) -> f64 {
        r.1
    }

    const HOUR_MS: f64 = 3_600_000.0;
    /// The wall clock of these sessions: an arbitrary epoch instant.
    const W: f64 = 1_767_614_400_000.0;

    /// Frames every 100 ms from `from` to `to` (monotonic), the wall clock
    /// `wall_offset` ahead of `W`, frame ids counting from `first_id`.
    fn frames(from: f64, to: f64, wall_offset: f64, first_id: u64) -> Vec<Row> {
        let n = ((to - from) / 100.0) as u64;
        (0..=n)
            .map(|k| {
                (
                    from + k as f64 * 100.0,
                    W + wall_offset + from + k as f64 * 100.0,
                    Frame(first_id + k),
                )
            })
            .collect()
    }

    /// The stall verdicts of simulated sessions, timed by the monotonic
    /// clock as the player times them. `wall_matters`: timed by the wall
    /// column instead, some verdict differs (the wall clock steps in that
    /// session); the row would catch a shell that passed `Date.now()`.
    #[test]
    fn stall_verdicts_on_the_monotonic_clock() {
        let mut cases: Vec<(&str, bool, Vec<Row>)> = Vec::new();
        cases.push((
            "no frame yet: the first-frame grace (8 s) from the start",
            false,
            vec![
                (1000.0, W, Current(false)),
                (5000.0, W + 4000.0, Stalled(false)),
                (9000.0, W + 8000.0, Stalled(false)),
                (9001.0, W + 8001.0, Stalled(true)),
            ],
        ));
        cases.push((
            "frames, then the same frame again (no progress): a stall 3 s after the last new one",
            false,
            vec![
                (1000.0, W, Stalled(false)),
                (2000.0, W + 1000.0, Frame(1)),
                (2000.0, W + 1000.0, Current(true)),
                (4000.0, W + 3000.0, Frame(1)),
                (4999.0, W + 3999.0, Stalled(false)),
                (5000.0, W + 4000.0, Stalled(false)),
                (5001.0, W + 4001.0, Stalled(true)),
            ],
        ));
        // The step lands between two frames: the next tick already reads the new wall time.
        let mut forward = frames(0.0, 2000.0, 0.0, 1);
        forward.push((2050.0, W + HOUR_MS + 2050.0, Stalled(false)));
        forward.extend(frames(2100.0, 6000.0, HOUR_MS, 100));
        forward.push((6050.0, W + HOUR_MS + 6050.0, Stalled(false)));
        cases.push((
            "the wall clock steps an hour forward while frames flow: no stall",
            true,
            forward,
        ));
        // The step lands after the last frame, so no later frame re-bases the wall time.
        let mut back = frames(0.0, 3000.0, 0.0, 1);
        back.extend([
            (3050.0, W - HOUR_MS + 3050.0, Stalled(false)),
            (6000.0, W - HOUR_MS + 6000.0, Stalled(false)),
            (6001.0, W - HOUR_MS + 6001.0, Stalled(true)),
        ]);
        cases.push((
            "the wall clock steps an hour back, then frames stop: the stall is still seen",
            true,
            back,
        ));
        let mut hidden = frames(0.0, 2000.0, 0.0, 1);
        hidden.extend([
            (2100.0, W + 2100.0, Hide),
            (2100.0, W + 2100.0, Current(false)),
            (5200.0, W + 5200.0, Stalled(false)),
            (32_000.0, W + 32_000.0, Stalled(false)),
            (32_100.0, W + 32_100.0, Show),
            (32_100.0, W + 32_100.0, Current(false)),
            (32_200.0, W + 32_200.0, Stalled(false)),
            (32_300.0, W + 32_300.0, Frame(100)),
            (32_300.0, W + 32_300.0, Current(true)),
            (35_300.0, W + 35_300.0, Stalled(false)),
            (35_301.0, W + 35_301.0, Stalled(true)),
        ]);
        cases.push(("hidden 30 s: never a stall while hidden; shown again, frames resume and stalls count again", false, hidden));
        let mut dead = frames(0.0, 2000.0, 0.0, 1);
        dead.extend([
            (2100.0, W + 2100.0, Hide),
            (32_100.0, W + 32_100.0, Show),
            (32_100.0, W + 32_100.0, Frame(21)),
            (37_100.0, W + 37_100.0, Stalled(false)),
            (37_101.0, W + 37_101.0, Stalled(true)),
        ]);
        cases.push(("shown again, but no new frame comes (the last one repeated): a stall after the resume grace (5 s)", false, dead));
        cases.push((
            "hidden before the first frame: a fresh first-frame grace from the return",
            false,
            vec![
                (0.0, W, Hide),
                (20_000.0, W + 20_000.0, Stalled(false)),
                (20_000.0, W + 20_000.0, Show),
                (28_000.0, W + 28_000.0, Stalled(false)),
                (28_001.0, W + 28_001.0, Stalled(true)),
            ],
        ));
        let mut shown_twice = frames(0.0, 2000.0, 0.0, 1);
        shown_twice.extend([(4000.0, W + 4000.0, Show), (5001.0, W + 5001.0, Stalled(true))]);
        cases.push(("'shown' while already visible re-arms nothing", false, shown_twice));
        let mut hidden_twice = frames(0.0, 2000.0, 0.0, 1);
        hidden_twice.extend([
            (2100.0, W + 2100.0, Hide),
            (9000.0, W + 9000.0, Hide),
            (9000.0, W + 9000.0, Show),
            (14_000.0, W + 14_000.0, Stalled(false)),
            (14_001.0, W + 14_001.0, Stalled(true)),
        ]);
        cases.push((
            "hidden twice, shown once: the grace runs from the return",
            false,
            hidden_twice,
        ));
        let mut bad_clock = frames(0.0, 2000.0, 0.0, 1);
        bad_clock.extend([
            (0.0, W, Stalled(false)),
            (f64::NAN, W, Stalled(false)),
            (-1e12, W, Stalled(false)),
        ]);
        cases.push(("a clock that went back or is not a number makes no stall", false, bad_clock));
        for (what, wall_matters, rows) in &cases {
            let got = run(rows, mono);
            for (i, expect, verdict) in &got {
                assert_eq!(verdict, expect, "{what}: row {i} {:?}", rows[*i]);
            }
            let on_wall: Vec<bool> = run(rows, wall).iter().map(|v| v.2).collect();
            let expected: Vec<bool> = got.iter().map(|v| v.1).collect();
            assert_eq!(
                on_wall != expected,
                *wall_matters,
                "{what}: on the wall clock {on_wall:?}, expected {expected:?}"
            );
        }
    }

    #[test]
    fn sessions_open_only_while_the_page_is_shown() {
        let p = ReconnectPolicy::new(&SessionTiming::default());
        for (v, expect) in [(Visibility::Visible, true), (Visibility::Hidden, false)] {
            assert_eq!(p.may_open(v), expect, "{v:?}");
        }
    }

    #[test]
    fn back_off_grows_and_frames_reset_it() {
        let t = SessionTiming::default();
        let mut p = ReconnectPolicy::new(&t);
        let ends = [
            SessionEnd::Failed("timeout".into()),
            SessionEnd::Stalled,
            SessionEnd::NotStarted,
            SessionEnd::Failed("closed".into()),
        ];
        let got: Vec<(&'static str, u32)> =
            ends.iter().map(|e| p.on_end(e, 0.0)).map(|(s, w)| (s.as_attr(), w)).collect();
        assert_eq!(
            got,
            [
                ("reconnecting", 1000),
                ("stalled", 2000),
                ("not-started", 4000),
                ("reconnecting", 8000)
            ]
        );
        for _ in 0..5 {
            p.on_end(&SessionEnd::Stalled, 0.0);
        }
        assert_eq!(p.on_end(&SessionEnd::Stalled, 0.0).1, 15_000, "capped");
        p.on_frames();
        let (s, w) = p.on_end(&SessionEnd::Failed("x".into()), 0.0);
        assert_eq!(
            (w, s),
            (1000, PlayerState::Reconnecting { attempt: 1, retry_in_ms: 1000, reason: "x".into() })
        );
    }

    #[test]
    fn messages() {
        let cases = [
            (PlayerState::Connecting, Some("Connecting to the camera...")),
            (PlayerState::Live, None),
            (
                PlayerState::NotStarted { retry_in_ms: 4000 },
                Some("The camera's stream is not started. Checking again in 4 s."),
            ),
            (
                PlayerState::Stalled { retry_in_ms: 1500 },
                Some("The stream stalled: no new picture. Reconnecting in 2 s."),
            ),
        ];
        for (s, expect) in cases {
            assert_eq!(s.message().as_deref(), expect);
        }
    }
}

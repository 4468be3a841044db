//! Bounded recovery from fatal media errors: hls.js can rebuild its media pipeline, but not forever.
//!
//! A fatal media error (the browser's decoder or MediaSource refused what
//! hls.js gave it, not the fault of one segment) is recovered by hls.js's
//! `recoverMediaError`, which re-attaches the video and reloads from the
//! playhead. A stream that keeps failing would loop through recoveries
//! without ever playing, so only `max_recoveries` are allowed within
//! `window_ms`; the next one fails with an error the player shows. Times are
//! the caller's monotonic millisecond clock (`performance.now()`), never the
//! wall clock: a step back would keep old recoveries in the window for hours.

/// hls.js's error type of media pipeline errors (`Hls.ErrorTypes.MEDIA_ERROR`).
pub const HLS_MEDIA_ERROR: &str = "mediaError";

/// What to do about a fatal media error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecoveryVerdict {
    /// Ask hls.js to recover (the `n`-th recovery within the window).
    Recover { n: u32 },
    /// Too many in a short time: stop and show the error.
    Fail { recoveries: u32 },
}

/// The recoveries made recently.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaRecovery {
    max_recoveries: u32,
    window_ms: f64,
    /// When each recent recovery was made, oldest first.
    recent_ms: Vec<f64>,
}

impl Default for MediaRecovery {
    fn default() -> Self {
        // Three in a minute: a stream that needs more is not going to play.
        Self::new(3, 60_000.0)
    }
}

impl MediaRecovery {
    pub fn new(max_recoveries: u32, window_ms: f64) -> Self {
        Self { max_recoveries, window_ms, recent_ms: Vec::new() }
    }

    /// Decides about one fatal media error at `now_mono_ms` (`performance.now()`).
    pub fn on_fatal_media_error(&mut self, now_mono_ms: f64) -> RecoveryVerdict {
        // A clock that is not finite or runs backwards forgives nothing:
        // the bound must hold whatever the caller's clock does. A recovery
        // made at a non-finite time never leaves the window either (one at
        // minus infinity would otherwise be forgiven by any finite clock).
        if now_mono_ms.is_finite() {
            let window = self.window_ms;
            self.recent_ms
                .retain(|t| !(t.is_finite() && now_mono_ms >= *t && now_mono_ms - *t >= window));
        }
        let made = self.recent_ms.len() as u32;
        if made >= self.max_recoveries {
            return RecoveryVerdict::Fail { recoveries: made };
        }
        self.recent_ms.push(now_mono_ms);
        RecoveryVerdict::Recover { n: made + 1 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(times: &[f64]) -> Vec<RecoveryVerdict> {
        let mut r = MediaRecovery::default();
        times.iter().map(|t| r.on_fatal_media_error(*t)).collect()
    }

    #[test]
    fn bounded_within_the_window() {
        use RecoveryVerdict::*;
        let rows: &[(&str, &[f64], &[RecoveryVerdict])] = &[
            ("one", &[0.0], &[Recover { n: 1 }]),
            (
                "three in quick succession",
                &[0.0, 10.0, 20.0],
                &[Recover { n: 1 }, Recover { n: 2 }, Recover { n: 3 }],
            ),
            (
                "the fourth within a minute fails",
                &[0.0, 10.0, 20.0, 30.0],
                &[Recover { n: 1 }, Recover { n: 2 }, Recover { n: 3 }, Fail { recoveries: 3 }],
            ),
            (
                "spread over minutes: always recovered",
                &[0.0, 61_000.0, 122_000.0, 183_000.0, 244_000.0],
                &[
                    Recover { n: 1 },
                    Recover { n: 1 },
                    Recover { n: 1 },
                    Recover { n: 1 },
                    Recover { n: 1 },
                ],
            ),
            (
                "the oldest leaves the window",
                &[0.0, 10.0, 20.0, 60_000.0],
                &[Recover { n: 1 }, Recover { n: 2 }, Recover { n: 3 }, Recover { n: 3 }],
            ),
            (
                "a NaN clock forgives nothing",
                &[0.0, f64::NAN, f64::NAN, f64::NAN],
                &[Recover { n: 1 }, Recover { n: 2 }, Recover { n: 3 }, Fail { recoveries: 3 }],
            ),
            (
                "a clock going backwards forgives nothing",
                &[100_000.0, 0.0, 10.0, 20.0],
                &[Recover { n: 1 }, Recover { n: 2 }, Recover { n: 3 }, Fail { recoveries: 3 }],
            ),
            (
                "recoveries at minus infinity are never forgiven",
                &[f64::NEG_INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY, 0.0, 1e9],
                &[
                    Recover { n: 1 },
                    Recover { n: 2 },
                    Recover { n: 3 },
                    Fail { recoveries: 3 },
                    Fail { recoveries: 3 },
                ],
            ),
            (
                "nor at infinity",
                &[f64::INFINITY, f64::INFINITY, f64::INFINITY, 1e9],
                &[Recover { n: 1 }, Recover { n: 2 }, Recover { n: 3 }, Fail { recoveries: 3 }],
            ),
        ];
        for (what, times, want) in rows {
            assert_eq!(run(times), *want, "{what}");
        }
    }
}

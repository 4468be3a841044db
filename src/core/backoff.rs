//! Bounded exponential back-off, so a dead API is retried but never hammered.

/// First wait after a failed API request.
pub const API_BACKOFF_BASE_MS: u32 = 500;
/// Longest wait between API retries.
pub const API_BACKOFF_MAX_MS: u32 = 30_000;

/// Back-off state for one poller.
#[derive(Debug, Clone, PartialEq)]
pub struct Backoff {
    pub base_ms: u32,
    pub max_ms: u32,
    failures: u32,
}

impl Backoff {
    pub fn new(base_ms: u32, max_ms: u32) -> Self {
        Self { base_ms, max_ms, failures: 0 }
    }

    /// The back-off of the event feeds' API requests.
    pub fn for_api() -> Self {
        Self::new(API_BACKOFF_BASE_MS, API_BACKOFF_MAX_MS)
    }

    /// The most requests a feed backing off from its first failure can send
    /// within `window_ms` (every wait at its shortest, jitter included).
    pub fn most_attempts_within(&self, window_ms: u64) -> u32 {
        let mut probe = Self::new(self.base_ms, self.max_ms);
        let (mut attempts, mut t) = (1u32, 0u64);
        loop {
            t = t.saturating_add(u64::from(probe.on_failure(1.0)));
            if t > window_ms || attempts == u32::MAX {
                return attempts;
            }
            attempts += 1;
        }
    }

    /// Consecutive failures so far.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Records a failure and returns how long to wait before the next try:
    /// `base * 2^(n-1)`, capped, with up to 25% taken off by `jitter01`
    /// (a random number in 0..1 from the caller) so viewers desynchronize.
    pub fn on_failure(&mut self, jitter01: f64) -> u32 {
        self.failures = self.failures.saturating_add(1);
        let exp = self.failures.saturating_sub(1).min(20);
        let raw = u64::from(self.base_ms).saturating_mul(1u64 << exp).min(u64::from(self.max_ms));
        let j = if jitter01.is_finite() { jitter01.clamp(0.0, 1.0) } else { 0.0 };
        (raw as f64 * (1.0 - 0.25 * j)).round() as u32
    }

    /// A success ends the back-off.
    pub fn on_success(&mut self) {
        self.failures = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap_and_resets() {
        let mut b = Backoff::new(500, 30_000);
        let delays: Vec<u32> = (0..9).map(|_| b.on_failure(0.0)).collect();
        assert_eq!(delays, [500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
        assert_eq!(b.failures(), 9);
        b.on_success();
        assert_eq!(b.on_failure(1.0), 375, "jitter takes at most a quarter off");
        assert_eq!(b.on_failure(f64::NAN), 1000);
        for _ in 0..100 {
            b.on_failure(0.5);
        }
        assert!(b.on_failure(0.0) <= 30_000);
    }

    #[test]
    fn attempts_within_a_window() {
        // Shortest waits (a quarter off): 375, 750, 1500, 3000 ms after the first try.
        let b = Backoff::for_api();
        let rows = [
            (0, 1),
            (374, 1),
            (375, 2),
            (1_125, 3),
            (2_625, 4),
            (5_624, 4),
            (5_625, 5),
            (60_000, 8),
        ];
        for (window, attempts) in rows {
            assert_eq!(b.most_attempts_within(window), attempts, "{window} ms");
        }
    }
}

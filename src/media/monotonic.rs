//! The page's monotonic clock (`performance.now()`), the one clock every duration of the shell is measured on.
//!
//! The wall clock (`Date.now()`) can be stepped by the user or by time
//! synchronisation at any moment; a duration measured on it can jump by
//! hours or go negative. It stays right where an instant on VAS's clock is
//! needed (the live feed's first poll window), never for stalls, delays,
//! timeouts or back-off.

/// Milliseconds on the page's monotonic clock. A window always has
/// `performance`; without one (not a page) the clock stands still at 0, so
/// nothing timed by it can expire early.
pub fn now_mono_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

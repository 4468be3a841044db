//! The live frame clock shared by the live player (which feeds it sender reports) and the overlay (which asks it per frame).

use std::cell::RefCell;
use std::rc::Rc;

use crate::core::clock::live::live_clock::{
    LiveClock, LiveClockMethod, LiveClockParams, LiveFrameMeta, SenderReportSample,
};
use crate::core::time::{Micros, UnixMicros};

/// A cheaply cloned handle, compared by identity for Yew props.
#[derive(Clone)]
pub struct LiveClockHandle(Rc<RefCell<LiveClock>>);

impl PartialEq for LiveClockHandle {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

// Fault path: the overlay asks this clock for frame times inside its frame.
// A panic there is a wasm trap, which does not unwind, so the cell can stay
// borrowed for the rest of the page's life. The overlay is hidden by then
// (fault_guard), but the live player still calls in here: every method
// therefore tries the borrow and, when the cell is stuck, does nothing (or
// answers `None`), so the player and its video go on untouched. Outside that
// fault a borrow never fails: each call holds it only for its own duration.
impl LiveClockHandle {
    pub fn new(params: LiveClockParams) -> Self {
        Self(Rc::new(RefCell::new(LiveClock::new(params))))
    }

    /// A new session: a new RTP timeline, learnt afresh.
    pub fn reset(&self) {
        if let Ok(mut clock) = self.0.try_borrow_mut() {
            clock.reset();
        }
    }

    pub fn observe_sender_report(&self, sr: SenderReportSample) {
        if let Ok(mut clock) = self.0.try_borrow_mut() {
            clock.observe_sender_report(sr);
        }
    }

    pub fn frame_time(&self, meta: &LiveFrameMeta) -> Option<(UnixMicros, LiveClockMethod)> {
        self.0.try_borrow_mut().ok()?.frame_time(meta)
    }

    /// Lends the clock to `f` for one call (`None` when the cell is stuck).
    pub fn with_clock<R>(&self, f: impl FnOnce(&mut LiveClock) -> R) -> Option<R> {
        Some(f(&mut *self.0.try_borrow_mut().ok()?))
    }

    pub fn offset_ms(&self) -> Option<f64> {
        self.0.try_borrow().ok()?.offset_ms()
    }

    /// Test only: leaves the cell borrowed for good, as an overlay trap in
    /// the middle of a frame does (wasm does not unwind).
    #[cfg(feature = "fault-injection")]
    pub fn stay_borrowed_as_after_a_trap(&self) {
        std::mem::forget(self.0.borrow_mut());
    }

    pub fn last_frame_time(&self) -> Option<(UnixMicros, LiveClockMethod)> {
        self.0.try_borrow().ok()?.last_frame_time()
    }

    /// See `LiveClock::last_selection_time`.
    pub fn last_selection_time(&self) -> Option<(UnixMicros, LiveClockMethod)> {
        self.0.try_borrow().ok()?.last_selection_time()
    }

    pub fn set_selection_offset_us(&self, offset_us: Micros) {
        if let Ok(mut clock) = self.0.try_borrow_mut() {
            clock.set_selection_offset_us(offset_us);
        }
    }
}

//! The live frame clock shared by the live player (which feeds it sender reports) and the overlay (which asks it per frame).

use std::cell::RefCell;
use std::rc::Rc;

use crate::core::live_clock::{LiveClock, LiveClockParams, LiveFrameMeta, LiveClockMethod, SenderReportSample};
use crate::core::time::UnixMicros;

/// A cheaply cloned handle, compared by identity for Yew props.
#[derive(Clone)]
pub struct LiveClockHandle(Rc<RefCell<LiveClock>>);

impl PartialEq for LiveClockHandle {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl LiveClockHandle {
    pub fn new(params: LiveClockParams) -> Self {
        Self(Rc::new(RefCell::new(LiveClock::new(params))))
    }

    /// A new session: a new RTP timeline, learnt afresh.
    pub fn reset(&self) {
        self.0.borrow_mut().reset();
    }

    pub fn observe_sender_report(&self, sr: SenderReportSample) {
        self.0.borrow_mut().observe_sender_report(sr);
    }

    pub fn frame_time(&self, meta: &LiveFrameMeta) -> Option<(UnixMicros, LiveClockMethod)> {
        self.0.borrow_mut().frame_time(meta)
    }

    pub fn offset_ms(&self) -> Option<f64> {
        self.0.borrow().offset_ms()
    }

    pub fn last_frame_time(&self) -> Option<(UnixMicros, LiveClockMethod)> {
        self.0.borrow().last_frame_time()
    }
}

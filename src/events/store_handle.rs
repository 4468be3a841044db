//! A shared, cheaply cloned handle to one camera's event store, comparable by identity for Yew props.

use std::cell::{Ref, RefCell};
use std::rc::Rc;

use crate::core::events::event_store::{EventStore, IngestReport, StoreLimits};
use crate::core::events::wire::WireEvent;
use crate::core::time::UnixMicros;

#[derive(Clone, Default)]
pub struct StoreHandle(Rc<RefCell<EventStore>>);

impl PartialEq for StoreHandle {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl StoreHandle {
    pub fn new(limits: StoreLimits) -> Self {
        Self(Rc::new(RefCell::new(EventStore::new(limits))))
    }

    pub fn borrow(&self) -> Ref<'_, EventStore> {
        self.0.borrow()
    }

    /// The store's change counter (0 if it is busy, which never lasts past a call).
    pub fn version(&self) -> u64 {
        self.0.try_borrow().map(|s| s.version()).unwrap_or(0)
    }

    /// The newest event time held, for the live player's playout delay.
    /// The player must not trap because the overlay did: after an overlay
    /// panic mid-frame (a wasm trap, no unwinding) the store may stay
    /// borrowed forever, and then this answers `None`.
    pub fn newest(&self) -> Option<UnixMicros> {
        self.0.try_borrow().ok()?.newest()
    }

    /// The longest usual interval between two events of one model (us),
    /// for the live player's room for the next event; 0 when none is known
    /// or after an overlay trap (see `newest`).
    pub fn slowest_model_interval_us(&self) -> i64 {
        let Ok(store) = self.0.try_borrow() else { return 0 };
        store.models().filter_map(|(_, timeline)| timeline.median_interval()).max().unwrap_or(0)
    }

    /// Test only: leaves the cell borrowed for good, as an overlay trap in
    /// the middle of a frame does (wasm does not unwind).
    #[cfg(feature = "fault-injection")]
    pub fn stay_borrowed_as_after_a_trap(&self) {
        std::mem::forget(self.0.borrow_mut());
    }

    /// Adds events. After an overlay trap inside the store's borrow the
    /// store stays borrowed for good: the events are then dropped (nothing
    /// draws them any more) rather than trapping the feed as well.
    pub fn ingest(&self, events: Vec<WireEvent>) -> IngestReport {
        match self.0.try_borrow_mut() {
            Ok(mut store) => store.ingest(events),
            Err(_) => IngestReport::default(),
        }
    }

    /// Sets the time above which events are wild (see `EventStore::set_ceiling`); nothing after an overlay trap.
    pub fn set_ceiling(&self, ceiling: Option<UnixMicros>) {
        if let Ok(mut store) = self.0.try_borrow_mut() {
            store.set_ceiling(ceiling);
        }
    }

    /// Drops events outside `[from, to]`; nothing after an overlay trap (see [`Self::ingest`]).
    pub fn retain_between(&self, from: UnixMicros, to: UnixMicros) -> usize {
        self.0.try_borrow_mut().map(|mut store| store.retain_between(from, to)).unwrap_or(0)
    }
}

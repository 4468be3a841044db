//! Carries out the recording player's decisions about hls.js faults: jumps past unplayable segments, retries, bounded media recovery.
//!
//! The decisions are the core's (`SegmentSkips`, `MediaRecovery`); this file
//! only measures the video (playhead, whether it is stalled), runs the
//! timers and calls hls.js. It belongs to the player, which owns the
//! `<video>`: seeking past a hole is the player's act, never the overlay's.
//!
//! Fault paths:
//! - a fragment error is handled one event-loop turn later (hls.js is still
//!   dispatching it when the hook runs, and calls back into hls.js from
//!   there would re-enter it);
//! - every fatal error has already made hls.js stop loading (its error
//!   controller calls `stopLoad`); whatever resumes playback (a jump, a
//!   retry, a media recovery) starts loading again;
//! - a check every `TICK_MS` sees whether the playhead has reached a hole
//!   and stalled there, and jumps to the next playable segment; stalled
//!   anywhere else while hls.js is stopped, it starts loading from the
//!   playhead.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::callback::{Interval, Timeout};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlVideoElement;

use super::hls_bindings::{HlsError, HlsSession};
use crate::core::clock::recording::media_recovery::{
    MediaRecovery, RecoveryVerdict, HLS_MEDIA_ERROR,
};
use crate::core::clock::recording::segment_skips::{FaultVerdict, SegmentFault, SegmentSkips};

/// How often the playhead is checked against known holes: a stall at a hole
/// lasts at most about this long before the jump.
const TICK_MS: u32 = 100;
/// `HTMLMediaElement.HAVE_FUTURE_DATA`: below it a playing video has nothing to play next.
const HAVE_FUTURE_DATA: u16 = 3;

struct Inner {
    video: HtmlVideoElement,
    session: Rc<RefCell<Option<HlsSession>>>,
    skips: Rc<RefCell<SegmentSkips>>,
    media: MediaRecovery,
    /// A retry or a wait for the newest segment, pending.
    retry: Option<Timeout>,
    /// hls.js stopped loading after a fatal error and nothing has restarted it yet.
    stopped: bool,
    on_failed: FatalCallback,
    failed: bool,
}

/// Told, with the message, when playback cannot go on.
type FatalCallback = Rc<dyn Fn(String)>;

/// The fault handling of one hls.js session; dropping it stops its timers and listener.
pub struct HlsRecovery {
    inner: Rc<RefCell<Inner>>,
    _tick: Interval,
    seeking: Closure<dyn FnMut()>,
}

impl HlsRecovery {
    /// Starts watching `video`. `on_failed` is told once when playback cannot go on.
    pub fn start(
        video: HtmlVideoElement,
        session: Rc<RefCell<Option<HlsSession>>>,
        skips: Rc<RefCell<SegmentSkips>>,
        on_failed: impl Fn(String) + 'static,
    ) -> Self {
        let inner = Rc::new(RefCell::new(Inner {
            video: video.clone(),
            session,
            skips,
            media: MediaRecovery::default(),
            retry: None,
            stopped: false,
            on_failed: Rc::new(on_failed),
            failed: false,
        }));
        let tick = {
            let weak = Rc::downgrade(&inner);
            Interval::new(TICK_MS, move || {
                if let Some(inner) = weak.upgrade() {
                    if let Ok(mut i) = inner.try_borrow_mut() {
                        i.tick();
                    }
                }
            })
        };
        let seeking = {
            let weak = Rc::downgrade(&inner);
            Closure::<dyn FnMut()>::new(move || {
                if let Some(inner) = weak.upgrade() {
                    if let Ok(i) = inner.try_borrow() {
                        let target = i.video.current_time();
                        if let Ok(mut s) = i.skips.try_borrow_mut() {
                            s.on_seeking(target);
                        }
                    }
                }
            })
        };
        let _ = video.add_event_listener_with_callback("seeking", seeking.as_ref().unchecked_ref());
        Self { inner, _tick: tick, seeking }
    }

    /// The error hook's target: handled on the next turn of the event loop.
    pub fn error_handler(&self) -> impl FnMut(HlsError) + 'static {
        let weak = Rc::downgrade(&self.inner);
        move |error: HlsError| {
            web_sys::console::debug_1(
                &format!(
                    "hls.js {} {} {} (sn {:?}, HTTP {})",
                    if error.fatal { "fatal" } else { "error" },
                    error.kind,
                    error.details,
                    error.sn,
                    error.http_status
                )
                .into(),
            );
            let weak = weak.clone();
            Timeout::new(0, move || {
                if let Some(inner) = weak.upgrade() {
                    let failed =
                        inner.try_borrow_mut().ok().and_then(|mut i| i.on_error(&error, &inner));
                    if let Some((message, notify)) = failed {
                        notify(message);
                    }
                }
            })
            .forget();
        }
    }
}

impl Drop for HlsRecovery {
    fn drop(&mut self) {
        if let Ok(mut i) = self.inner.try_borrow_mut() {
            i.retry = None;
            let _ = i.video.remove_event_listener_with_callback(
                "seeking",
                self.seeking.as_ref().unchecked_ref(),
            );
        }
    }
}

impl Inner {
    fn with_session(&self, f: impl FnOnce(&HlsSession)) {
        if let Ok(s) = self.session.try_borrow() {
            if let Some(s) = s.as_ref() {
                f(s);
            }
        }
    }

    /// Decides about one error; returns the message and the callback to tell when playback cannot go on
    /// (called by the caller once this state is no longer borrowed).
    fn on_error(
        &mut self,
        error: &HlsError,
        this: &Rc<RefCell<Inner>>,
    ) -> Option<(String, FatalCallback)> {
        if self.failed {
            return None;
        }
        self.stopped |= error.fatal;
        let fault = SegmentFault::from_hls_error(&error.details, error.http_status);
        let message = match (fault, error.sn) {
            (Some(fault), Some(sn)) => {
                let verdict = self.skips.try_borrow_mut().ok()?.on_fragment_error(
                    sn,
                    fault,
                    js_sys::Math::random(),
                );
                web_sys::console::debug_1(
                    &format!("segment {sn}: {fault:?} -> {verdict:?}").into(),
                );
                match verdict {
                    FaultVerdict::RetryAfterMs(ms)
                    | FaultVerdict::WaitForNewest { retry_after_ms: ms } => {
                        // hls.js retries a non-fatal error by itself; after a fatal one it waits for us.
                        if error.fatal {
                            self.retry_after(ms, this);
                        }
                        None
                    }
                    // The jump comes when the playhead reaches the hole (see `tick`).
                    FaultVerdict::SkipTo { .. } | FaultVerdict::EndsHere => None,
                    FaultVerdict::GiveUp { in_a_row } => {
                        Some(format!("{in_a_row} segments in a row are missing or damaged"))
                    }
                    FaultVerdict::NotListed if error.fatal => Some(error.details.clone()),
                    FaultVerdict::NotListed => None,
                }
            }
            _ if error.fatal && error.kind == HLS_MEDIA_ERROR => {
                match self.media.on_fatal_media_error(crate::media::monotonic::now_mono_ms()) {
                    RecoveryVerdict::Recover { n } => {
                        web_sys::console::debug_1(&format!("media error recovery {n}").into());
                        // hls.js restarts loading after a recovery only if it was loading, and a
                        // fatal error has stopped it: start again from the playhead.
                        let at = self.video.current_time();
                        self.with_session(|s| {
                            s.recover_media_error();
                            s.start_load(if at > 0.0 { at } else { -1.0 });
                        });
                        self.stopped = false;
                        None
                    }
                    RecoveryVerdict::Fail { recoveries } => Some(format!(
                        "the video could not be decoded ({}; {recoveries} recoveries tried)",
                        error.details
                    )),
                }
            }
            _ if error.fatal => Some(error.details.clone()),
            _ => None,
        };
        let message = message?;
        self.failed = true;
        self.retry = None;
        Some((message, self.on_failed.clone()))
    }

    /// Loads again from the playhead after `ms`.
    fn retry_after(&mut self, ms: u32, this: &Rc<RefCell<Inner>>) {
        let weak = Rc::downgrade(this);
        self.retry = Some(Timeout::new(ms, move || {
            if let Some(inner) = weak.upgrade() {
                if let Ok(mut i) = inner.try_borrow_mut() {
                    i.retry = None;
                    if !i.failed {
                        i.with_session(|s| s.start_load(-1.0));
                        i.stopped = false;
                    }
                }
            }
        }));
    }

    /// Jumps past a hole the playhead has reached and stalled at.
    fn tick(&mut self) {
        if self.failed {
            return;
        }
        let v = &self.video;
        let stalled = !v.paused() && v.ready_state() < HAVE_FUTURE_DATA;
        let playhead = v.current_time();
        let jump = match self.skips.try_borrow_mut() {
            Ok(mut s) => s.due_jump(playhead, stalled),
            Err(_) => return,
        };
        if let Some(jump) = jump {
            web_sys::console::debug_1(
                &format!(
                    "jump over segment {} from {:.3} s to {:.3} s",
                    jump.over_sn, jump.from_secs, jump.to_secs
                )
                .into(),
            );
            self.video.set_current_time(jump.to_secs);
            if self.stopped {
                // Stopped by a fatal error: loading starts over from the new position.
                // Otherwise hls.js is loading and follows the seek by itself.
                self.retry = None;
                self.with_session(|s| s.start_load(jump.to_secs));
                self.stopped = false;
            }
        } else if stalled && self.stopped && self.retry.is_none() {
            // Stalled away from any hole while hls.js is stopped (the user seeked
            // somewhere unbuffered after a fatal error): load from the playhead.
            self.with_session(|s| s.start_load(-1.0));
            self.stopped = false;
        }
    }
}

//! The live player's stall watch: frames, hidden and shown pages, and any clock.

use proptest::prelude::*;
use vas_overlay_viewer::core::clock::live::live_session::{SessionTiming, StallWatch, Visibility};

use super::gen::hostile_f64;
use super::runner::check;

#[derive(Debug, Clone, Copy)]
enum WatchEvent {
    /// A frame id from a small range, so repeats (no progress) are common.
    Frame(u64),
    Hide,
    Show,
    Check,
}

/// What the latest of (session start, return to visible, new frame) was.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Latest {
    Start,
    Return { had_frames: bool },
    NewFrame,
}

/// The stall watch under any sequence of frames, hidden and shown pages and
/// checks, on a monotonic clock (steps of 0..2 s) or, in a tenth of the
/// runs, a hostile one (NaN, infinities, going back). Always: never a stall
/// while hidden. On the monotonic clock, the documented rule exactly: the
/// latest of the session's start, the page's return and a new frame decides,
/// with the first-frame grace after the start (or after a return before any
/// frame), the resume grace after a return, the stall time after a new
/// frame; and the picture is current only when shown with a new frame since
/// the return.
#[test]
fn the_stall_watch_never_stalls_while_hidden_and_always_past_its_grace() {
    check(
        "the_stall_watch_never_stalls_while_hidden_and_always_past_its_grace",
        1.0,
        || {
            let event = prop_oneof![
                6 => (0u64..4).prop_map(WatchEvent::Frame),
                1 => Just(WatchEvent::Hide),
                1 => Just(WatchEvent::Show),
                4 => Just(WatchEvent::Check),
            ];
            let step = prop_oneof![8 => 0.0f64..2_000.0, 1 => 2_000.0f64..40_000.0];
            (
                prop::collection::vec((event, step), 0..150),
                prop::bool::ANY,
                prop::option::weighted(0.1, hostile_f64()),
            )
        },
        |(events, start_hidden, wild)| {
            let t = SessionTiming::default();
            let start_visibility =
                if start_hidden { Visibility::Hidden } else { Visibility::Visible };
            let mut now = 1_000.0;
            let mut w = StallWatch::new(now, start_visibility);
            let (mut hidden, mut latest, mut since, mut last_id, mut had_frames) =
                (start_hidden, Latest::Start, now, None, false);
            for (event, step) in events {
                now += step;
                // A hostile clock: every reading is the wild value (the model is not checked then).
                let at = wild.unwrap_or(now);
                match event {
                    WatchEvent::Frame(id) => {
                        let new = w.on_frame(id, at);
                        prop_assert_eq!(
                            new,
                            last_id != Some(id),
                            "frame {} after {:?}",
                            id,
                            last_id
                        );
                        if new {
                            (last_id, had_frames, latest, since) =
                                (Some(id), true, Latest::NewFrame, now);
                        }
                    }
                    WatchEvent::Hide => {
                        w.on_visibility(Visibility::Hidden, at);
                        hidden = true;
                    }
                    WatchEvent::Show => {
                        w.on_visibility(Visibility::Visible, at);
                        if hidden {
                            (latest, since) = (Latest::Return { had_frames }, now);
                        }
                        hidden = false;
                    }
                    WatchEvent::Check => {
                        let stalled = w.is_stalled(at, &t);
                        prop_assert_eq!(w.is_hidden(), hidden);
                        if hidden {
                            prop_assert!(!stalled, "a stall while hidden at {}", at);
                            prop_assert!(!w.picture_is_current());
                        }
                        if wild.is_none() {
                            let limit = match latest {
                                Latest::Start | Latest::Return { had_frames: false } => {
                                    t.first_frame_within_ms
                                }
                                Latest::Return { had_frames: true } => t.resume_within_ms,
                                Latest::NewFrame => t.stall_after_ms,
                            };
                            prop_assert_eq!(
                                stalled,
                                !hidden && now - since > f64::from(limit),
                                "{:?} since {} at {}",
                                latest,
                                since,
                                now
                            );
                            prop_assert_eq!(
                                w.picture_is_current(),
                                !hidden && latest == Latest::NewFrame
                            );
                        }
                    }
                }
            }
            Ok(())
        },
    );
}

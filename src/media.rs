//! The `<video>` as both the players and the overlay read it: presented frames, the monotonic clock, and the frame clock they share.
//!
//! A thin shell layer under `player` and `overlay`: neither imports the
//! other. The browser bindings here measure and hold; the frame clocks'
//! decisions are the core's (`core::clock::page_clock`).

pub mod clock_handle;
pub mod live_clock_handle;
pub mod monotonic;
pub mod video_frame_callback;

pub use clock_handle::ClockHandle;

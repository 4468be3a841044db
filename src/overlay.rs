//! The overlay layer: frame loop, element pool, video-frame metadata and the fault guard.

pub mod element_pool;
pub mod fault_guard;
pub mod frame_clock;
pub mod frame_loop;
#[allow(clippy::module_inception)]
pub mod overlay;
pub mod video_frame_callback;

pub use frame_clock::FrameClock;
pub use overlay::{Overlay, OverlayProps};

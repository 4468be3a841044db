//! The overlay layer: frame loop, its two renderers (element pool, canvas) and the fault guard.

pub mod canvas_renderer;
pub mod element_pool;
pub mod fault_guard;
pub mod frame_loop;
#[allow(clippy::module_inception)]
pub mod overlay;
pub mod picture_sampler;
pub mod pool_slot;
pub mod screen_measure;
pub mod timeline_strip;

pub use overlay::{Overlay, OverlayProps};

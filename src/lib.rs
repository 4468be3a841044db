//! vas-overlay-viewer: a Yew single-page app that draws VAS AI detections on the video frame they belong to.
//!
//! `core` is the pure logic, built and tested natively. Everything else is
//! the browser shell and is compiled for `wasm32` only.

pub mod core;

#[cfg(target_arch = "wasm32")]
pub mod app;
#[cfg(target_arch = "wasm32")]
pub mod config;
#[cfg(target_arch = "wasm32")]
pub mod events;
#[cfg(target_arch = "wasm32")]
pub mod hooks;
#[cfg(target_arch = "wasm32")]
pub mod media;
#[cfg(target_arch = "wasm32")]
pub mod overlay;
#[cfg(target_arch = "wasm32")]
pub mod pages;
#[cfg(target_arch = "wasm32")]
pub mod player;

/// Installs the fault guard (and, in the fault-injection build, its page
/// hook) and mounts the app on `<body>`.
#[cfg(target_arch = "wasm32")]
pub fn start() {
    overlay::fault_guard::install();
    // Only in the test-only build of `cargo xtask` (target/fault-injection-dist).
    #[cfg(feature = "fault-injection")]
    overlay::fault_guard::injection::install_page_hook();
    yew::Renderer::<app::App>::new().render();
}

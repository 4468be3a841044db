//! Entry point: the thin binary that starts the viewer (see `lib.rs`).

fn main() {
    #[cfg(target_arch = "wasm32")]
    vas_overlay_viewer::start();
}

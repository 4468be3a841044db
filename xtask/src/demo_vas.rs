//! The VAS emulator on the demo data (`static/demo`), and the production server in front of it, as the tests and benchmarks start them.

use std::path::Path;

use anyhow::Context;
use vas_emulator::{BackendConfig, RunningBackend};

use crate::viewer_server::ViewerServer;
use crate::{repo_root, Result};

/// The demo camera (`static/demo/camera.json`).
pub const DEMO_CAMERA: &str = "9d3f2b1a-6c4e-4b8a-a1f0-2e7d5c9b3a10";

/// Starts the emulator on a free port, serving the viewer built into `dist`;
/// with `api_key`, VAS's key is required as VAS with auth on requires it.
pub fn start(dist: &Path, api_key: Option<&str>) -> Result<RunningBackend> {
    let config = BackendConfig {
        dist_dir: dist.to_owned(),
        data_dir: Some(repo_root().join("static/demo")),
        api_key: api_key.map(str::to_owned),
        viewer_api_key: None,
        day_speed: None,
    };
    vas_emulator::start(config, "127.0.0.1:0").context("the VAS emulator on the demo data")
}

/// The production server in front of `backend` on a free port, holding
/// VAS's key `api_key`: its site is `dist` staged (as `target/sites/<name>`)
/// with the emulator's `config.json` and the demo clips; `extra`: more flags.
pub fn server(
    backend: &RunningBackend,
    dist: &Path,
    name: &str,
    api_key: Option<&str>,
    extra: &[String],
) -> Result<ViewerServer> {
    let data = repo_root().join("static/demo");
    let key = api_key.map(str::to_owned);
    crate::viewer_server::in_front_of(
        &backend.url(),
        dist,
        Some(&data),
        name,
        "127.0.0.1:0",
        key,
        extra,
    )
}

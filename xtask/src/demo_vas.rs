//! The VAS emulator on the demo data (`static/demo`), as the tests and benchmarks start it.

use std::path::Path;

use anyhow::Context;
use vas_emulator::{BackendConfig, RunningBackend};

use crate::{repo_root, Result};

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

//! The live test rig: a real MediaSoup SFU with VAS's signaling, fed by FFmpeg, in a private network namespace.
//!
//! - `worker.rs`: builds the MediaSoup worker from the npm package, cached.
//!
//! The Node parts live in `xtask/live-rig/` (its own `package.json`, pinned).

pub mod worker;

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{repo_root, run, Result};

/// `xtask/live-rig/`: the Node package of the rig.
pub fn rig_dir() -> PathBuf {
    repo_root().join("xtask/live-rig")
}

/// Where built artefacts that outlive a clone are kept: `$VAS_RIG_CACHE`, else
/// `$XDG_CACHE_HOME/vas-overlay-viewer`, else `~/.cache/vas-overlay-viewer`.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("VAS_RIG_CACHE").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| repo_root().join("target"));
    base.join("vas-overlay-viewer")
}

/// `npm ci` (no install scripts: nothing is downloaded or built by npm) when
/// `node_modules` is missing or older than the lock file.
pub fn npm_ci(dir: &Path) -> Result {
    let lock = dir.join("package-lock.json");
    let marker = dir.join("node_modules/.package-lock.json");
    let fresh = match (std::fs::metadata(&lock).and_then(|m| m.modified()), std::fs::metadata(&marker).and_then(|m| m.modified())) {
        (Ok(l), Ok(m)) => m >= l,
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    println!("== npm ci in {}", dir.display());
    run(Command::new("npm").args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"]).current_dir(dir))
}

/// `cargo xtask rig <what>`: the rig's parts by hand.
pub fn cmd(args: &[String]) -> Result {
    match args.first().map(String::as_str) {
        Some("build-worker") => worker::ensure_worker().map(|bin| println!("{}", bin.display())),
        _ => Err("usage: cargo xtask rig build-worker".into()),
    }
}

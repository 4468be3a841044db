//! Building the viewer with Trunk: `dist/` for release, the test-only fault-injection copy, and the bundled mediasoup-client both import.

use std::process::Command;

use anyhow::anyhow;

use crate::{csp, precompress, repo_root, rig, run, setup, Result};

/// `trunk build --release` into `dist/`, after bundling mediasoup-client.
pub fn build_viewer() -> Result {
    bundle_mediasoup_client()?;
    println!("== building the viewer (trunk build --release)");
    run(setup::trunk().args(["build", "--release"]).current_dir(repo_root()))?;
    let origins: Vec<String> = std::env::var("VAS_CSP_ORIGINS").unwrap_or_default().split_whitespace().map(str::to_owned).collect();
    let policy = csp::apply(&repo_root().join("dist/index.html"), &origins)?;
    println!("== Content-Security-Policy in dist/index.html: {policy}");
    let (files, raw, br) = precompress::precompress(&repo_root().join("dist"))?;
    println!("== precompressed {files} files for the server: {} KB -> {} KB (brotli), gzip beside", raw / 1024, br / 1024);
    Ok(())
}

/// Where the test-only copy of the viewer built with `--features
/// fault-injection` goes: never `dist/`, so it cannot be served or shipped
/// by mistake.
pub const FAULT_INJECTION_DIST: &str = "target/fault-injection-dist";

/// `trunk build --release --features fault-injection` into
/// [`FAULT_INJECTION_DIST`], under the same Content-Security-Policy as
/// `dist/`: the viewer with the page hook `window.__vasInjectFault`, for the
/// end-to-end overlay-panic tests.
pub fn build_fault_injection_viewer() -> Result {
    bundle_mediasoup_client()?;
    let out = repo_root().join(FAULT_INJECTION_DIST);
    println!("== building the test-only fault-injection viewer into {FAULT_INJECTION_DIST}");
    run(setup::trunk()
        .args(["build", "--release", "--features", "fault-injection", "--dist"])
        .arg(&out)
        .current_dir(repo_root()))?;
    let origins: Vec<String> = std::env::var("VAS_CSP_ORIGINS").unwrap_or_default().split_whitespace().map(str::to_owned).collect();
    csp::apply(&out.join("index.html"), &origins)?;
    Ok(())
}

/// Bundles the pinned `mediasoup-client` into one ES module,
/// `target/live-js/mediasoup-client.mjs`, which Trunk copies beside the
/// viewer; the live page imports it (never from a CDN).
pub fn bundle_mediasoup_client() -> Result {
    let dir = repo_root().join("js/mediasoup-client");
    let out = repo_root().join("target/live-js");
    std::fs::create_dir_all(&out).map_err(|e| anyhow!("{}: {e:#}", out.display()))?;
    rig::npm_ci(&dir)?;
    run(Command::new(dir.join("node_modules/.bin/esbuild"))
        .args(["entry.mjs", "--bundle", "--format=esm", "--platform=browser", "--target=es2020", "--minify", "--log-level=warning"])
        .arg(format!("--outfile={}", out.join("mediasoup-client.mjs").display()))
        .current_dir(&dir))
}

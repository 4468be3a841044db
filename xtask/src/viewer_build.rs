//! Building the viewer with Trunk: `dist/` for release and the test-only fault-injection copy, each after the JavaScript bundles.

use crate::{csp, precompress, repo_root, run, setup, Result};

/// `trunk build --release` into `dist/`, after bundling hls.js and mediasoup-client.
pub fn build_viewer() -> Result {
    setup::js_bundle()?;
    println!("== building the viewer (trunk build --release)");
    run(setup::trunk().args(["build", "--release"]).current_dir(repo_root()))?;
    let policy = csp::apply(&repo_root().join("dist/index.html"), &csp_origins())?;
    println!("== Content-Security-Policy in dist/index.html: {policy}");
    let (files, raw, br) = precompress::precompress(&repo_root().join("dist"))?;
    println!(
        "== precompressed {files} files for the server: {} KB -> {} KB (brotli), gzip beside",
        raw / 1024,
        br / 1024
    );
    Ok(())
}

/// `tools` (setup's build or test tools), then `dist/` and the production
/// server: what a run of the viewer behind the server needs.
pub fn build_viewer_and_server(tools: fn() -> Result) -> Result {
    tools()?;
    build_viewer()?;
    crate::viewer_server::build()
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
    setup::js_bundle()?;
    let out = repo_root().join(FAULT_INJECTION_DIST);
    println!("== building the test-only fault-injection viewer into {FAULT_INJECTION_DIST}");
    run(setup::trunk()
        .args(["build", "--release", "--features", "fault-injection", "--dist"])
        .arg(&out)
        .current_dir(repo_root()))?;
    csp::apply(&out.join("index.html"), &csp_origins())?;
    Ok(())
}

/// More origins the policy allows (`VAS_CSP_ORIGINS`, separated by spaces).
fn csp_origins() -> Vec<String> {
    let origins = std::env::var("VAS_CSP_ORIGINS").unwrap_or_default();
    origins.split_whitespace().map(str::to_owned).collect()
}

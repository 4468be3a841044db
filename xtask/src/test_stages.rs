//! `cargo xtask test`: native, browser, end-to-end and live tests, with the figures they write.

use std::process::Command;

use anyhow::{anyhow, Context};

use crate::{
    browser, build_fault_injection_viewer, build_viewer, cargo_fuzz, core_bench, e2e, print_figure,
    repo_root, rig, run, setup, viewer_server, Result,
};

/// Generated inputs per unit of weight of a core property in the test
/// command (`tests/core_props/runner.rs`: each property runs this times its
/// weight, cheap parsers more, whole stores and playlists fewer).
const FUZZ_CASES: u32 = 20_000;

/// The style stage: the tree formatted as `rustfmt.toml` says (the fuzz
/// crate, a workspace of its own, too), and clippy without a warning on
/// every native target and on the wasm32 build of the viewer, its browser
/// tests and the benchmark page (built only by `cargo xtask bench`, so a
/// change to the overlay's props cannot leave it broken).
fn style(root: &std::path::Path) -> Result {
    println!("== style: cargo fmt --check, cargo clippy -D warnings (native and wasm32)");
    run(Command::new("cargo").args(["fmt", "--all", "--check"]).current_dir(root))?;
    run(Command::new("cargo").args(["fmt", "--check"]).current_dir(root.join("fuzz")))?;
    run(Command::new("cargo")
        .args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"])
        .current_dir(root))?;
    run(Command::new("cargo")
        .args(["clippy", "--target", "wasm32-unknown-unknown", "--lib", "--bins", "--tests"])
        .args(["--features", "fault-injection,bench", "--", "-D", "warnings"])
        .current_dir(root))
}

/// `cargo xtask test`: every stage, in order; a failing stage ends the run.
pub fn run_all() -> Result {
    setup::build_tools()?;
    setup::test_tools()?;
    let root = repo_root();
    style(&root)?;
    println!("== native tests (pure core and tooling)");
    run(Command::new("cargo").args(["test", "--workspace"]).current_dir(&root))?;
    print_figure(
        "server-security.txt",
        "the production server under attack (server/tests/security.rs)",
    );
    // The core's benchmark is run only by `cargo xtask bench`: run each of its
    // benchmarks once here (criterion's test mode, nothing timed), so it cannot rot.
    println!("== the core benchmark runs (cargo bench --bench core -- --test)");
    core_bench::test_once(&root)?;
    println!("== property tests of the core on hostile input (release with overflow checks, {FUZZ_CASES} cases per unit of weight)");
    // Each property that passes writes its case count there: the line below states what ran.
    let fuzz_report = root.join("target/figures/fuzz-cases");
    let _ = std::fs::remove_dir_all(&fuzz_report);
    let fuzz_started = std::time::Instant::now();
    run(Command::new("cargo")
        .args(["test", "--release", "--test", "core_fuzz"])
        .env("VAS_FUZZ_CASES", FUZZ_CASES.to_string())
        .env("VAS_FUZZ_REPORT", &fuzz_report)
        // A silent wrap on generated input then panics, and the property that met it fails.
        .env("CARGO_PROFILE_RELEASE_OVERFLOW_CHECKS", "true")
        .current_dir(&root))?;
    let fuzz_cases: Vec<u64> = std::fs::read_dir(&fuzz_report)
        .map_err(|e| anyhow!("{}: {e:#}", fuzz_report.display()))?
        .filter_map(|entry| std::fs::read_to_string(entry.ok()?.path()).ok()?.trim().parse().ok())
        .collect();
    println!(
        "FUZZ: {} properties x {} to {} cases = {} generated inputs in {:.0} s (build included), plus the hostile corpus",
        fuzz_cases.len(),
        fuzz_cases.iter().min().unwrap_or(&0),
        fuzz_cases.iter().max().unwrap_or(&0),
        fuzz_cases.iter().sum::<u64>(),
        fuzz_started.elapsed().as_secs_f64()
    );
    println!(
        "== cargo fuzz: {} targets of fuzz/, {} s each from their seed corpora (stable Rust, no sanitizer)",
        cargo_fuzz::TARGETS.len(),
        cargo_fuzz::SECONDS_PER_TARGET
    );
    cargo_fuzz::run_short(&root)?;
    // The browser tests of the event wiring talk to a demo backend of their own.
    let backend = crate::demo_vas::start(&root.join("dist"), None)
        .context("demo backend for browser tests")?;
    for (dpr, json) in [("1", "tests/webdriver/dpr1.json"), ("2", "tests/webdriver/dpr2.json")] {
        println!("== browser tests in headless Chromium, device pixel ratio {dpr}");
        let mut tests = vec!["--test", "browser", "--test", "canvas", "--test", "fault"];
        if dpr == "1" {
            // Geometry does not depend on the event wiring: once is enough.
            tests.extend(["--test", "live_feed"]);
        }
        run(Command::new("cargo")
            .args(["test", "--target", "wasm32-unknown-unknown", "--features", "fault-injection"])
            .args(&tests)
            .args(["--", "--nocapture"])
            .env("CHROMEDRIVER", browser::chromium::CHROMEDRIVER)
            .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", root.join(json))
            .env("WASM_BINDGEN_TEST_TIMEOUT", "300")
            .env("WASM_BINDGEN_TEST_NO_ORIGIN_ISOLATION", "1")
            .env("VAS_EXPECT_DPR", dpr)
            .env("VAS_TEST_BACKEND", backend.url())
            .current_dir(&root))?;
    }
    backend.stop();
    println!("== end-to-end: the built viewer served by the demo backend");
    build_viewer()?;
    build_fault_injection_viewer()?;
    viewer_server::build()?;
    let passed = e2e::run_all(&root, None)?;
    print_figure("event-wiring.txt", "event wiring (from the native checks)");
    print_figure("hls-faults.txt", "HLS segment and playlist faults (end to end)");
    println!("== live: the real MediaSoup SFU in a private network namespace (the first run builds its worker)");
    let count = root.join("target/live-e2e-passed");
    let _ = std::fs::remove_file(&count);
    rig::netns::run_inside("test", &[])?;
    let live: usize =
        std::fs::read_to_string(&count).ok().and_then(|n| n.trim().parse().ok()).unwrap_or(0);
    // The overlay-panic figures have their live row only now.
    for (what, file) in [
        ("overlay panic", "overlay-panic.txt"),
        ("secrets", "secrets.txt"),
        ("the production server's flags and --check", "server-cli.txt"),
        ("a hidden live tab and a stepped wall clock", "live-background.txt"),
    ] {
        if let Ok(text) = std::fs::read_to_string(root.join("target/figures").join(file)) {
            println!("== figures: {what} (end-to-end)\n{text}");
        }
    }
    println!("all test stages passed (native, browser at DPR 1 and 2, end-to-end, live)");
    println!("e2e: {} passed, 0 failed", passed + live);
    Ok(())
}

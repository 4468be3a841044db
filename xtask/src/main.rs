//! Project automation: `cargo xtask run` serves the viewer, `cargo xtask test` runs every test.

mod bench;
mod cdp;
mod demo_backend;
mod e2e;
mod frame_costs;
mod proc_cpu;
mod setup;
mod webdriver;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const USAGE: &str = "\
usage:
  cargo xtask run [--port N] [--vas URL] [--data DIR]
        build the viewer and serve it on 127.0.0.1 with the demo backend
        (default: the bundled demo; --vas proxies a real VAS API instead;
        --data replays another data dir: camera.json, events.json, clip;
        the API key for --vas is read from the VAS_API_KEY environment variable)
  cargo xtask test      install what tests need, run native, browser and end-to-end tests
  cargo xtask bench [--quick] [--crossover] [--breakdown] [--micro] [--only TEXT] [--no-core] [--no-memory]
        measure the overlay in headless Chromium and print one table (see BENCHMARKS.md);
        --quick: 3 s windows; --crossover: both renderers pinned from 10 to 1000 boxes;
        --breakdown: where the main thread's time goes, by trace event; --micro: the canvas
        and DOM micro-benchmarks instead; --only: scenes whose name contains TEXT
  cargo xtask build     build the viewer into dist/ (release)
  cargo xtask setup     install the build tools only";

type Result<T = ()> = std::result::Result<T, String>;

/// The repository root (the parent of `xtask/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the repo").to_path_buf()
}

/// Runs a command to completion, inheriting output; an error names the command.
pub fn run(cmd: &mut Command) -> Result {
    let shown = format!("{cmd:?}");
    let status = cmd.status().map_err(|e| format!("could not start {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed with {status}"))
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => cmd_run(&args[1..]),
        Some("test") => cmd_test(),
        Some("bench") => bench::run_bench(&args[1..]),
        Some("build") => setup::build_tools().and_then(|_| build_viewer()),
        Some("setup") => setup::build_tools(),
        // The end-to-end stage alone, against the current dist/ (for development).
        Some("e2e") => setup::test_tools().and_then(|_| e2e::run_all(&repo_root())).map(|n| println!("e2e: {n} passed, 0 failed")),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `trunk build --release` into `dist/`.
pub fn build_viewer() -> Result {
    println!("== building the viewer (trunk build --release)");
    run(Command::new("trunk").args(["build", "--release"]).current_dir(repo_root()))
}

fn flag(args: &[String], name: &str) -> Result<Option<String>> {
    match args.iter().position(|a| a == name) {
        None => Ok(None),
        Some(i) => args.get(i + 1).cloned().map(Some).ok_or_else(|| format!("{name} needs a value")),
    }
}

fn cmd_run(args: &[String]) -> Result {
    for a in args.iter().filter(|a| a.starts_with("--")) {
        if !["--port", "--vas", "--data"].contains(&a.as_str()) {
            return Err(format!("unknown option {a}\n{USAGE}"));
        }
    }
    let port: u16 = match flag(args, "--port")? {
        Some(p) => p.parse().map_err(|_| format!("--port: not a port number: {p}"))?,
        None => 8080,
    };
    let vas = flag(args, "--vas")?;
    if let Some(v) = &vas {
        if !(v.starts_with("http://") || v.starts_with("https://")) {
            return Err(format!("--vas must be an http(s) URL, not {v}"));
        }
    }
    let data_dir = match (flag(args, "--data")?, &vas) {
        (Some(d), _) => Some(PathBuf::from(d)),
        (None, None) => Some(repo_root().join("static/demo")),
        (None, Some(_)) => None,
    };
    setup::build_tools()?;
    build_viewer()?;
    let config = demo_backend::BackendConfig {
        dist_dir: repo_root().join("dist"),
        data_dir,
        vas_base_url: vas.clone(),
        vas_api_key: std::env::var("VAS_API_KEY").ok().filter(|k| !k.is_empty()),
    };
    let backend = demo_backend::start(config, &format!("127.0.0.1:{port}"))
        .map_err(|e| format!("the demo backend could not start on 127.0.0.1:{port}: {e} (try --port)"))?;
    println!();
    match &vas {
        Some(v) => println!("Viewer against VAS at {v} (API proxied):"),
        None => println!("Viewer with the bundled demo camera:"),
    }
    println!("  {}", backend.url());
    if vas.is_none() {
        println!("  (open it and follow the camera's Clip link; Ctrl-C stops the server)");
    }
    // Serve until the process is stopped.
    loop {
        std::thread::park();
    }
}

fn cmd_test() -> Result {
    setup::build_tools()?;
    setup::test_tools()?;
    let root = repo_root();
    println!("== native tests (pure core and tooling)");
    run(Command::new("cargo").args(["test", "--workspace"]).current_dir(&root))?;
    for (dpr, json) in [("1", "tests/webdriver/dpr1.json"), ("2", "tests/webdriver/dpr2.json")] {
        println!("== browser tests in headless Chromium, device pixel ratio {dpr}");
        run(Command::new("cargo")
            .args(["test", "--target", "wasm32-unknown-unknown", "--features", "fault-injection"])
            .args(["--test", "browser", "--test", "canvas", "--test", "fault", "--", "--nocapture"])
            .env("CHROMEDRIVER", "/usr/bin/chromedriver")
            .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", root.join(json))
            .env("WASM_BINDGEN_TEST_TIMEOUT", "180")
            .env("VAS_EXPECT_DPR", dpr)
            .current_dir(&root))?;
    }
    println!("== end-to-end: the built viewer served by the demo backend");
    build_viewer()?;
    let passed = e2e::run_all(&root)?;
    println!("all test stages passed (native, browser at DPR 1 and 2, end-to-end)");
    println!("e2e: {passed} passed, 0 failed");
    Ok(())
}

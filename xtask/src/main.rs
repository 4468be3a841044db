//! Project automation: `cargo xtask run` serves the viewer, `cargo xtask test` runs every test.

mod bench;
mod cargo_fuzz;
mod cdp;
#[cfg(test)]
mod client_checks;
mod core_bench;
mod csp;
mod day_bench;
use vas_emulator as demo_backend;
mod e2e;
mod e2e_faults;
mod frame_costs;
mod native_client;
mod precompress;
mod proc_cpu;
mod rig;
mod server_bench;
mod setup;
mod viewer_server;
mod viewers_bench;
mod webdriver;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const USAGE: &str = "\
usage:
  cargo xtask run [--port N] [--vas URL [-- SERVER FLAGS]] [--data DIR]
        build the viewer and the production server (vas-viewer-server) and serve
        the viewer through it on 127.0.0.1 (default: in front of the VAS emulator
        with the bundled demo, and the live rig when installed; --vas: in front of
        a real VAS, its key read from VAS_API_KEY, flags after `--` passed to
        vas-viewer-server, e.g. -- --listen 0.0.0.0:443 --server-name NAME
        --tls-cert FILE --tls-key FILE; --data: the emulator replays another data
        dir: camera.json, events.json, clip)
  cargo xtask test      install what tests need, run native, browser and end-to-end tests
  cargo xtask bench [--quick] [--crossover] [--breakdown] [--micro] [--sizes] [--core] [--server] [--viewers] [--live-memory [--minutes N]] [--many-viewers [--minutes N]] [--day-recording [--dist DIR] [--minutes N]] [--only TEXT] [--no-core] [--no-memory]
        measure the overlay in headless Chromium and print one table (see BENCHMARKS.md);
        --quick: 3 s windows (and criterion's --quick for the core); --crossover: both
        renderers pinned from 10 to 1000 boxes; --breakdown: where the main thread's time
        goes, by trace event; --micro: the canvas and DOM micro-benchmarks instead;
        --sizes: the production build's sizes only; --core: the core's native benchmark
        only (criterion); --server: the production server's added latency and memory
        beside direct requests; --viewers: what VAS pays for 1, 10 and 50 live
        viewers of a camera and 16 cameras x 3 (native viewers), the server's answer
        cache on and off; --live-memory: the live page's browser-measured memory
        on the live rig, 2 min as it is then N (10) min with a dense model added;
        --many-viewers: 1, 10 and 50 viewers of one live camera, then 16 cameras x 3
        viewers, on the live rig through the server: VAS's requests and bytes per minute,
        insert-to-drawn delay, the server's CPU and memory, N (1) min each;
        --day-recording: the recordings page on a day of VAS recording (14,400
        segments, growing) beside the demo recording, through the server: time to
        first frame and boxes, where it opens, per playlist reload its bytes and the
        longest main-thread task after it, frames with boxes, resume after a pause,
        memory, ?at= 12 h back, memory after an hour of growth (day clock x60);
        N (2) min of play per page, N (1) min at x60; --dist: another viewer build;
        --only: scenes whose name contains TEXT
  cargo xtask build     build the viewer into dist/ (release)
  cargo xtask e2e [--only clip|recordings|faults|hls|shared|panic|secrets|static|server]
                        the end-to-end stage alone, against the current dist/
                        (it builds the test-only fault-injection copy first)
  cargo xtask setup     install the build tools only
  cargo xtask rig build-worker
                        build (or find cached) the MediaSoup worker of the live test rig";

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
        Some("bench") if args.iter().any(|a| a == "--server") => server_bench::run(),
        Some("bench") if args.iter().any(|a| a == "--viewers") => viewers_bench::run(),
        Some("bench") if args.iter().any(|a| a == "--live-memory") => rig::live_memory::run_outside(&args[1..]),
        Some("bench") if args.iter().any(|a| a == "--day-recording") => day_bench::run(&args[1..]),
        Some("bench") if args.iter().any(|a| a == "--many-viewers") => rig::many_viewers::run_outside(&args[1..]),
        Some("bench") => bench::run_bench(&args[1..]),
        Some("build") => setup::build_tools().and_then(|_| build_viewer()),
        Some("setup") => setup::build_tools(),
        Some("rig") => rig::cmd(&args[1..]),
        // The live stage alone, against the current dist/ (for development).
        Some("live-e2e") => setup::test_tools()
            .and_then(|_| build_fault_injection_viewer())
            .and_then(|_| viewer_server::build())
            .and_then(|_| rig::netns::run_inside("test", &[])),
        // The end-to-end stage alone, against the current dist/ (for development).
        // `--only hls|panic|secrets|...` runs one part (see `e2e::run_all`).
        Some("e2e") => setup::test_tools()
            .and_then(|_| build_fault_injection_viewer())
            .and_then(|_| viewer_server::build())
            .and_then(|_| e2e::run_all(&repo_root(), flag(&args[1..], "--only")?.as_deref()))
            .map(|n| {
                print_figure("hls-faults.txt", "HLS segment and playlist faults (end to end)");
                println!("e2e: {n} passed, 0 failed")
            }),
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
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    rig::npm_ci(&dir)?;
    run(Command::new(dir.join("node_modules/.bin/esbuild"))
        .args(["entry.mjs", "--bundle", "--format=esm", "--platform=browser", "--target=es2020", "--minify", "--log-level=warning"])
        .arg(format!("--outfile={}", out.join("mediasoup-client.mjs").display()))
        .current_dir(&dir))
}

fn flag(args: &[String], name: &str) -> Result<Option<String>> {
    match args.iter().position(|a| a == name) {
        None => Ok(None),
        Some(i) => args.get(i + 1).cloned().map(Some).ok_or_else(|| format!("{name} needs a value")),
    }
}

fn cmd_run(args: &[String]) -> Result {
    // After `--`: flags for vas-viewer-server itself (with --vas only).
    let (args, server_flags) = match args.iter().position(|a| a == "--") {
        Some(i) => (&args[..i], args[i + 1..].to_vec()),
        None => (args, Vec::new()),
    };
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
        (Some(_), Some(_)) => return Err("--data replays recorded data in place of VAS: give --data or --vas, not both".into()),
        (Some(d), None) => Some(PathBuf::from(d)),
        (None, None) => Some(repo_root().join("static/demo")),
        (None, Some(_)) => None,
    };
    if vas.is_none() && !server_flags.is_empty() {
        return Err("flags after `--` go to vas-viewer-server in front of a real VAS: give --vas URL".into());
    }
    setup::build_tools()?;
    build_viewer()?;
    viewer_server::build()?;
    let listen = format!("127.0.0.1:{port}");
    let root = repo_root();
    let dist = root.join("dist");
    let in_use = |e: String| format!("the viewer's server could not start on {listen}: {e} (try --port)");
    // Against a real VAS: the production server alone, in front of it.
    if let Some(v) = &vas {
        // `-- --listen ADDR` replaces --port's loopback address.
        let listen = if server_flags.iter().any(|f| f == "--listen" || f.starts_with("--listen=")) { None } else { Some(listen.clone()) };
        let server = viewer_server::ViewerServer::start(&viewer_server::ServerOptions {
            site: dist,
            vas: v.clone(),
            listen,
            api_key: std::env::var("VAS_API_KEY").ok().filter(|k| !k.is_empty()),
            extra: server_flags,
        })
        .map_err(in_use)?;
        println!();
        println!("Viewer against VAS at {v} (its read API and live signaling relayed by vas-viewer-server):");
        println!("  {}", server.url());
        return park_forever();
    }
    // The demo: the VAS emulator (and the live rig when it is installed)
    // behind the production server, as a real VAS would be.
    if data_dir.as_deref() == Some(root.join("static/demo").as_path()) && rig::demo_ready() {
        rig::prepare()?;
        let rig = rig::Rig::start(&rig::demo_options(&listen)).map_err(in_use)?;
        println!();
        println!("Viewer with the bundled demo camera and a live camera (the test rig's SFU):");
        println!("  {}", rig.url());
        println!("  (the camera list links the demo clip and the live scene; Ctrl-C stops everything)");
        let _keep = rig;
        return park_forever();
    }
    let key = viewer_server::EMULATED_VAS_KEY;
    let config = demo_backend::BackendConfig { dist_dir: dist.clone(), data_dir: data_dir.clone(), api_key: Some(key.into()), viewer_api_key: None, day_speed: None };
    let backend = demo_backend::start(config, "127.0.0.1:0").map_err(|e| format!("the VAS emulator could not start: {e}"))?;
    let server = viewer_server::in_front_of(&backend.url(), &dist, data_dir.as_deref(), "demo", &listen, Some(key.into())).map_err(in_use)?;
    println!();
    println!("Viewer with the bundled demo camera:");
    println!("  {}", server.url());
    println!("  (open it and follow the camera's Clip link; Ctrl-C stops the server)");
    println!("  (a live camera is added once the live rig is installed: `cargo xtask rig build-worker`, or `cargo xtask test`)");
    let _keep = (backend, server);
    park_forever()
}

/// Serves until the process is stopped (Ctrl-C ends every child with it).
fn park_forever() -> Result {
    loop {
        std::thread::park();
    }
}

/// Waits up to `limit` for the first line of the child's stdout that `parse`
/// accepts, and returns what it made of it; later output is drained, so the
/// child never blocks on a full pipe.
pub fn wait_for_stdout_line<T: Send + 'static>(
    child: &mut std::process::Child,
    limit: std::time::Duration,
    parse: impl Fn(&str) -> Option<T> + Send + 'static,
) -> Option<T> {
    use std::io::BufRead;
    let stdout = child.stdout.take()?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut sent = false;
        for line in std::io::BufReader::new(stdout).lines().map_while(|l| l.ok()) {
            if !sent {
                if let Some(found) = parse(&line) {
                    let _ = tx.send(found);
                    sent = true;
                }
            }
        }
    });
    rx.recv_timeout(limit).ok()
}

/// Stops a child process: SIGTERM (so it can stop its own children), up
/// to `grace` to exit, then a kill.
pub fn stop_child(child: &mut std::process::Child, grace: std::time::Duration) {
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let deadline = std::time::Instant::now() + grace;
    while std::time::Instant::now() < deadline {
        if matches!(child.try_wait(), Ok(Some(_))) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Prints a figures file of `target/figures/` under a heading, if it was written.
fn print_figure(file: &str, heading: &str) {
    if let Ok(text) = std::fs::read_to_string(repo_root().join("target/figures").join(file)) {
        println!("== figures: {heading}\n{text}");
    }
}

/// Generated inputs per unit of weight of a core property in the test
/// command (`tests/core_props/runner.rs`: each property runs this times its
/// weight, cheap parsers more, whole stores and playlists fewer).
const FUZZ_CASES: u32 = 20_000;

fn cmd_test() -> Result {
    setup::build_tools()?;
    setup::test_tools()?;
    let root = repo_root();
    println!("== native tests (pure core and tooling)");
    run(Command::new("cargo").args(["test", "--workspace"]).current_dir(&root))?;
    print_figure("server-security.txt", "the production server under attack (server/tests/security.rs)");
    // The benchmark page is built only by `cargo xtask bench`: type-check it
    // here, so a change to the overlay's props cannot leave the bench broken.
    println!("== the benchmark page compiles");
    run(Command::new("cargo")
        .args(["check", "--target", "wasm32-unknown-unknown", "--bin", "vas-overlay-bench", "--features", "bench"])
        .current_dir(&root))?;
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
        .map_err(|e| format!("{}: {e}", fuzz_report.display()))?
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
    let backend = demo_backend::start(
        demo_backend::BackendConfig {
            dist_dir: root.join("dist"),
            data_dir: Some(root.join("static/demo")),
            api_key: None,
            viewer_api_key: None,
            day_speed: None,
        },
        "127.0.0.1:0",
    )
    .map_err(|e| format!("demo backend for browser tests: {e}"))?;
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
            .env("CHROMEDRIVER", "/usr/bin/chromedriver")
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
    let live: usize = std::fs::read_to_string(&count).ok().and_then(|n| n.trim().parse().ok()).unwrap_or(0);
    // The overlay-panic figures have their live row only now.
    for (what, file) in [("overlay panic", "overlay-panic.txt"), ("secrets", "secrets.txt"), ("the production server's flags and --check", "server-cli.txt"), ("a hidden live tab and a stepped wall clock", "live-background.txt")] {
        if let Ok(text) = std::fs::read_to_string(root.join("target/figures").join(file)) {
            println!("== figures: {what} (end-to-end)\n{text}");
        }
    }
    println!("all test stages passed (native, browser at DPR 1 and 2, end-to-end, live)");
    println!("e2e: {} passed, 0 failed", passed + live);
    Ok(())
}

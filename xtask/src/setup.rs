//! Installs what building and testing need, and nothing that is already there (Rust tools, wasm-opt, the hls.js bundle, Chromium).

use std::path::PathBuf;
use std::process::Command;

use anyhow::{anyhow, bail, Context};

use crate::{repo_root, run, Result};

const TRUNK_VERSION: &str = "0.21.14";
/// The fuzzing driver of `fuzz/` (its targets build on stable Rust with `--sanitizer none`).
const CARGO_FUZZ_VERSION: &str = "0.13.2";

fn output(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The exact wasm-bindgen version in Cargo.lock; the CLI must match it.
fn locked_wasm_bindgen() -> Result<String> {
    let lock = std::fs::read_to_string(repo_root().join("Cargo.lock")).context("Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(l) = lines.next() {
        if l == "name = \"wasm-bindgen\"" {
            if let Some(v) = lines.next().and_then(|v| v.strip_prefix("version = \"")) {
                return Ok(v.trim_end_matches('"').to_owned());
            }
        }
    }
    Err(anyhow!("Cargo.lock names no wasm-bindgen version"))
}

/// The exact wasm-opt version pinned in Trunk.toml (`[tools] wasm_opt = "version_N"`).
fn pinned_wasm_opt() -> Result<String> {
    let toml = std::fs::read_to_string(repo_root().join("Trunk.toml")).context("Trunk.toml")?;
    toml.lines()
        .find_map(|l| l.strip_prefix("wasm_opt = \"").map(|v| v.trim_end_matches('"').to_owned()))
        .context("Trunk.toml pins no wasm_opt version")
}

/// Where `npm ci` puts the executables of the JavaScript build dependencies,
/// among them `wasm-opt` from the pinned `binaryen` package.
fn npm_bin_dir() -> PathBuf {
    repo_root().join("node_modules/.bin")
}

/// `trunk`, with the pinned wasm-opt (`node_modules/.bin`) first on its PATH.
///
/// Trunk looks wasm-opt up on PATH and uses it when its version is the one
/// Trunk.toml names; `build_tools` checks that it is, so Trunk never
/// downloads one.
pub fn trunk() -> Command {
    let mut dirs = vec![npm_bin_dir()];
    dirs.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()));
    let mut cmd = Command::new("trunk");
    if let Ok(path) = std::env::join_paths(dirs) {
        cmd.env("PATH", path);
    }
    cmd
}

/// The wasm32 target, Trunk, wasm-bindgen-cli and wasm-opt at the pinned versions.
pub fn build_tools() -> Result {
    let targets = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if !targets.lines().any(|t| t.trim() == "wasm32-unknown-unknown") {
        println!("== installing the wasm32-unknown-unknown target");
        run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    if !output("trunk", &["--version"]).is_some_and(|v| v.contains(TRUNK_VERSION)) {
        println!("== installing trunk {TRUNK_VERSION} (about 6 minutes on 2 cores; cargo shows progress)");
        run(Command::new("cargo").args([
            "install",
            "--locked",
            &format!("trunk@{TRUNK_VERSION}"),
        ]))?;
    }
    let wb = locked_wasm_bindgen()?;
    let have = |bin: &str| output(bin, &["--version"]).is_some_and(|v| v.contains(&wb));
    if !have("wasm-bindgen") || !have("wasm-bindgen-test-runner") {
        println!("== installing wasm-bindgen-cli {wb} (matches Cargo.lock)");
        run(Command::new("cargo").args(["install", "wasm-bindgen-cli", "--version", &wb]))?;
    }
    js_bundle()?;
    check_wasm_opt()
}

/// The wasm-opt that `npm ci` installed (npm's `binaryen`) must be the
/// version Trunk.toml names: on a mismatch Trunk would download its own.
fn check_wasm_opt() -> Result {
    let want = pinned_wasm_opt()?;
    let bin = npm_bin_dir().join("wasm-opt");
    let text = output(&bin.to_string_lossy(), &["--version"]).with_context(|| {
        format!("{} --version failed (is npm's binaryen installed?)", bin.display())
    })?;
    // Trunk's reading of `wasm-opt version N (...)`: the third word.
    let have = text.split(' ').nth(2).map(|v| format!("version_{}", v.trim())).unwrap_or_default();
    if have != want {
        bail!("{} is {have:?} but Trunk.toml pins wasm_opt = {want:?}; pin the same version in both package.json and Trunk.toml", bin.display());
    }
    Ok(())
}

fn modified(path: &std::path::Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The JavaScript build dependencies pinned in package-lock.json (hls.js,
/// mediasoup-client, esbuild, binaryen for wasm-opt), and the viewer's two
/// bundles made with esbuild (`js/bundle.mjs`): hls.js into `js/dist/`,
/// mediasoup-client into `js/live-dist/`, which Trunk copies into the built viewer. Node and npm come from Debian
/// when missing (as root); `npm ci` and the bundling run only when their
/// inputs changed.
pub fn js_bundle() -> Result {
    let root = repo_root();
    if output("npm", &["--version"]).is_none() {
        if !is_root() {
            bail!("the hls.js bundle needs Node.js and npm: run `sudo apt-get install -y nodejs npm` and try again");
        }
        println!("== installing nodejs and npm (apt-get)");
        run(Command::new("apt-get").arg("update"))?;
        run(Command::new("apt-get")
            .args(["install", "-y", "--no-install-recommends", "nodejs", "npm"])
            .env("DEBIAN_FRONTEND", "noninteractive"))?;
    }
    let lock = root.join("package-lock.json");
    let installed = root.join("node_modules/.package-lock.json");
    if modified(&installed).is_none() || modified(&installed) < modified(&lock) {
        println!("== installing the JavaScript build dependencies (npm ci: hls.js, mediasoup-client, esbuild, binaryen's wasm-opt)");
        run(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(&root))?;
    }
    let outputs =
        [root.join("js/dist/hls_player.js"), root.join("js/live-dist/mediasoup-client.mjs")];
    let inputs =
        ["js/hls_player.js", "js/mediasoup_client.mjs", "js/bundle.mjs", "package-lock.json"];
    let stale = |out: &PathBuf| {
        inputs.iter().any(|i| modified(out).is_none() || modified(out) < modified(&root.join(i)))
    };
    if outputs.iter().any(stale) {
        println!("== bundling hls.js and mediasoup-client (esbuild)");
        run(Command::new("node").arg("js/bundle.mjs").current_dir(&root))?;
    }
    Ok(())
}

fn is_root() -> bool {
    output("id", &["-u"]).is_some_and(|u| u.trim() == "0")
}

/// rustfmt and clippy, cargo-fuzz at the pinned version (libFuzzer is built from source by
/// `libfuzzer-sys` with the machine's C++ compiler), and Debian's Chromium
/// and ChromeDriver for the browser and end-to-end tests.
pub fn test_tools() -> Result {
    // The style stage's checks: `cargo fmt` and `cargo clippy` (rustup components).
    let components = output("rustup", &["component", "list", "--installed"]).unwrap_or_default();
    let missing: Vec<&str> = ["rustfmt", "clippy"]
        .into_iter()
        .filter(|c| !components.lines().any(|l| l.trim().starts_with(&format!("{c}-"))))
        .collect();
    if !missing.is_empty() {
        println!("== installing the rustup components {}", missing.join(" and "));
        run(Command::new("rustup").args(["component", "add"]).args(&missing))?;
    }
    // `cargo fuzz --version` prints `cargo-fuzz 0.13.2`.
    if output("cargo", &["fuzz", "--version"])
        .is_none_or(|v| v.split_whitespace().nth(1) != Some(CARGO_FUZZ_VERSION))
    {
        println!("== installing cargo-fuzz {CARGO_FUZZ_VERSION} (about 2 minutes on 2 cores; cargo shows progress)");
        run(Command::new("cargo").args([
            "install",
            "--locked",
            &format!("cargo-fuzz@{CARGO_FUZZ_VERSION}"),
        ]))?;
    }
    let missing: Vec<&str> = [
        (crate::browser::chromium::CHROMIUM, "chromium"),
        (crate::browser::chromium::CHROMEDRIVER, "chromium-driver"),
    ]
    .into_iter()
    .filter(|(path, _)| !std::path::Path::new(path).exists())
    .map(|(_, pkg)| pkg)
    .collect();
    apt_install(&missing, "the browser tests need")
}

/// Installs Debian's `missing` packages (apt-get, as root; none: nothing to
/// do); without root, an error "`who_needs` Debian's ...: run ...".
pub fn apt_install(missing: &[&str], who_needs: &str) -> Result {
    if missing.is_empty() {
        return Ok(());
    }
    if !is_root() {
        return Err(anyhow!(
            "{who_needs} Debian's {}: run `sudo apt-get install -y {}` and try again",
            missing.join(", "),
            missing.join(" ")
        ));
    }
    println!("== installing {} (apt-get)", missing.join(" "));
    run(Command::new("apt-get").arg("update"))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "--no-install-recommends"])
        .args(missing)
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

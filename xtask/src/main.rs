//! Project automation: `cargo xtask run` serves the viewer, `cargo xtask test` runs every test.

mod bench;
mod browser;
mod cargo_fuzz;
mod core_bench;
mod csp;
mod day_bench;
mod demo_vas;
use vas_emulator as demo_backend;
mod e2e;
mod flags;
mod frame_costs;
mod native_client;
mod precompress;
mod proc_cpu;
mod rig;
mod serve;
mod server_bench;
mod setup;
mod test_stages;
mod viewer_build;
mod viewer_server;
mod viewers_bench;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{anyhow, Context};

pub use viewer_build::{
    build_fault_injection_viewer, build_viewer, build_viewer_and_server, FAULT_INJECTION_DIST,
};

/// The result of every fallible step of xtask: one error type, with context.
type Result<T = (), E = anyhow::Error> = std::result::Result<T, E>;

/// The repository root (the parent of `xtask/`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the repo").to_path_buf()
}

/// Runs a command to completion, inheriting output; an error names the command.
pub fn run(cmd: &mut Command) -> Result {
    let shown = format!("{cmd:?}");
    let status = cmd.status().with_context(|| format!("could not start {shown}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(anyhow!("{shown} failed with {status}"))
    }
}

fn main() -> ExitCode {
    if std::env::args().len() <= 1 {
        eprintln!("{}", flags::usage());
        return ExitCode::from(2);
    }
    let flags = match flags::Xtask::from_env() {
        Ok(flags) => flags,
        Err(e) if e.is_help() => {
            println!("{e}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("xtask: {e}\n(`cargo xtask --help` lists the commands and their flags)");
            return ExitCode::from(2);
        }
    };
    match dispatch(flags.subcommand) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // `{:#}` prints the chain of context: "what failed: why".
            eprintln!("xtask: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs one command of the command line.
fn dispatch(command: flags::XtaskCmd) -> Result {
    use flags::XtaskCmd;
    match command {
        XtaskCmd::Run(run) => serve::run(run),
        XtaskCmd::Test(_) => test_stages::run_all(),
        XtaskCmd::Bench(bench) => cmd_bench(bench),
        XtaskCmd::Build(_) => setup::build_tools().and_then(|_| build_viewer()),
        XtaskCmd::Setup(_) => setup::build_tools(),
        XtaskCmd::Rig(rig) => match rig.subcommand {
            flags::RigCmd::BuildWorker(_) => rig::prepare()
                .and_then(|_| rig::worker::ensure_worker())
                .map(|bin| println!("{}", bin.display())),
            // Inside the namespace made by `netns::run_inside` (not for direct use).
            flags::RigCmd::InsideNetns(inside) => {
                rig::netns::inside(&inside.stage, inside.minutes.as_deref())
            }
        },
        // The live stage alone, against the current dist/ (for development).
        XtaskCmd::LiveE2e(_) => setup::test_tools()
            .and_then(|_| build_fault_injection_viewer())
            .and_then(|_| viewer_server::build())
            .and_then(|_| rig::netns::run_inside("test", &[])),
        // The end-to-end stage alone, against the current dist/ (for development).
        // `--only hls|panic|secrets|...` runs one part (see `e2e::run_all`).
        XtaskCmd::E2e(e2e) => setup::test_tools()
            .and_then(|_| build_fault_injection_viewer())
            .and_then(|_| viewer_server::build())
            .and_then(|_| e2e::run_all(&repo_root(), e2e.only.as_deref()))
            .map(|n| {
                print_figure("hls-faults.txt", "HLS segment and playlist faults (end to end)");
                println!("e2e: {n} passed, 0 failed")
            }),
    }
}

/// `cargo xtask bench`: the flag naming a benchmark picks it (in this order), the overlay's table otherwise.
fn cmd_bench(bench: flags::Bench) -> Result {
    if bench.server {
        server_bench::run()
    } else if bench.viewers {
        viewers_bench::run()
    } else if bench.live_memory {
        let minutes = match bench.minutes {
            None => 10,
            Some(m) if m >= 0.0 && m.fract() == 0.0 => m as u64,
            Some(m) => return Err(anyhow!("--minutes: not a whole number of minutes: {m}")),
        };
        rig::live_memory::run_outside(minutes)
    } else if bench.day_recording {
        day_bench::run(bench.dist.as_deref(), bench.minutes)
    } else if bench.picture_clock {
        build_viewer_and_server(setup::test_tools)?;
        e2e::picture_clock_matrix(&repo_root(), bench.only.as_deref())
    } else if bench.live_calibration {
        build_viewer_and_server(setup::test_tools)?;
        let seconds = if bench.quick { 10 } else { 20 };
        rig::netns::run_inside("bench-calibration", &[seconds.to_string()])
    } else if bench.many_viewers {
        rig::many_viewers::run_outside(bench.minutes.unwrap_or(1.0))
    } else {
        bench::run_bench(&bench)
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

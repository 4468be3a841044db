//! The short `cargo fuzz` stage of `cargo xtask test`: each target of `fuzz/` for a few seconds from its seed corpus.
//!
//! The targets are built once on the stable toolchain with `--sanitizer
//! none`: cargo-fuzz then passes rustc only stable `-C` flags (the SanitizerCoverage
//! pass and its LLVM options), so neither nightly nor `RUSTC_BOOTSTRAP` is
//! needed; safe Rust needs no AddressSanitizer, and an overflow still panics
//! (cargo-fuzz builds with debug assertions). Each target then runs for
//! `SECONDS_PER_TARGET` with a fresh working corpus in `fuzz/target/` (new inputs
//! go there, the committed seeds in `fuzz/corpus/<target>/` are only read),
//! its output in `fuzz/target/logs/<target>.log`. A crash or a failed
//! assertion fails the stage and names the input libFuzzer wrote to
//! `fuzz/artifacts/<target>/`. The longer run is documented in the README.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{anyhow, bail, Context};

use crate::{run, Result};

/// Every target of `fuzz/Cargo.toml`, one per text parser of the core.
pub const TARGETS: [&str; 5] = ["playlist", "http_date", "rfc3339", "signaling", "config"];

/// How long each target runs in the test command. The runs take about 50 s
/// in all (start-up included); a build from nothing (`fuzz/target` absent)
/// takes about 105 s of CPU, about a minute on 2 otherwise idle cores (4 when
/// other builds share them), and an unchanged one none: about 2 minutes for
/// the stage on an idle 2-core machine, 1 when the build is cached.
pub const SECONDS_PER_TARGET: u32 = 8;

/// What libFuzzer's last lines say about one run.
#[derive(Debug, Default, PartialEq)]
pub struct RunStats {
    pub executions: u64,
    /// libFuzzer's own rate (`stat::average_exec_per_sec`), without start-up.
    pub per_second: u64,
    /// Inputs in the corpus at the end (seeds kept plus new ones).
    pub corpus: u64,
}

/// Reads `stat::number_of_executed_units: N` (or `Done N runs`), `stat::average_exec_per_sec` and the last `corp: N/...`.
pub fn parse_stats(log: &str) -> RunStats {
    let mut stats = RunStats::default();
    for line in log.lines() {
        if let Some(n) = line.strip_prefix("stat::number_of_executed_units:") {
            stats.executions = n.trim().parse().unwrap_or(stats.executions);
        } else if let Some(n) = line.strip_prefix("stat::average_exec_per_sec:") {
            stats.per_second = n.trim().parse().unwrap_or(0);
        } else if let Some(n) = line.strip_prefix("Done ").and_then(|r| r.split_whitespace().next())
        {
            stats.executions = stats.executions.max(n.parse().unwrap_or(0));
        }
        if let Some(n) = line.split("corp: ").nth(1).and_then(|r| r.split('/').next()) {
            stats.corpus = n.trim().parse().unwrap_or(stats.corpus);
        }
    }
    stats
}

/// The input libFuzzer saved when the target crashed (`Test unit written to PATH`).
pub fn crash_input(log: &str) -> Option<&str> {
    log.lines().find_map(|l| l.split("Test unit written to ").nth(1)).map(str::trim)
}

/// What to show of a failed run: from the panic (or libFuzzer's own error:
/// a timeout, out of memory) to the end of cargo-fuzz's report of the
/// input, without backtrace frames.
pub fn failure_excerpt(log: &str) -> Vec<&str> {
    let lines: Vec<&str> = log.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.contains("panicked at"))
        .or_else(|| lines.iter().position(|l| l.contains("ERROR: libFuzzer")))
        .unwrap_or(lines.len().saturating_sub(40));
    let frame = |l: &str| {
        let t = l.trim_start();
        t.starts_with("at ")
            || t.split_once(": ")
                .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    lines[start..]
        .iter()
        .copied()
        .filter(|l| !frame(l))
        .take_while(|l| !l.starts_with("Error: Fuzz target exited"))
        .take(60)
        .collect()
}

fn cargo_fuzz(root: &Path, subcommand: &str) -> Command {
    let mut cmd = Command::new("cargo");
    cmd.args(["fuzz", subcommand, "--sanitizer", "none"]).current_dir(root);
    cmd
}

/// Builds every target, runs each for `SECONDS_PER_TARGET`, prints a line per target and a total.
pub fn run_short(root: &Path) -> Result {
    let started = Instant::now();
    run(&mut cargo_fuzz(root, "build"))?;
    let logs = root.join("fuzz/target/logs");
    std::fs::create_dir_all(&logs).map_err(|e| anyhow!("{}: {e:#}", logs.display()))?;
    let mut total = 0;
    for target in TARGETS {
        let work = root.join("fuzz/target/work-corpus").join(target);
        let _ = std::fs::remove_dir_all(&work);
        std::fs::create_dir_all(&work).map_err(|e| anyhow!("{}: {e:#}", work.display()))?;
        let log_path = logs.join(format!("{target}.log"));
        let log = std::fs::File::create(&log_path)
            .map_err(|e| anyhow!("{}: {e:#}", log_path.display()))?;
        let err = log.try_clone().map_err(|e| anyhow!("{}: {e:#}", log_path.display()))?;
        let run_started = Instant::now();
        let status = cargo_fuzz(root, "run")
            .arg(target)
            .arg(&work)
            .arg(root.join("fuzz/corpus").join(target))
            .args(["--", &format!("-max_total_time={SECONDS_PER_TARGET}"), "-print_final_stats=1"])
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err)
            .status()
            .with_context(|| format!("could not start cargo fuzz run {target}"))?;
        let seconds = run_started.elapsed().as_secs_f64();
        let text = std::fs::read_to_string(&log_path).unwrap_or_default();
        if !status.success() {
            for line in failure_excerpt(&text) {
                eprintln!("{line}");
            }
            let input = crash_input(&text).map_or_else(
                || "no input saved (see the log)".to_owned(),
                |p| format!("input {p}"),
            );
            return Err(anyhow!(
                "fuzz target {target} failed ({status}): {input}; log {}; replay with `cargo fuzz run --sanitizer none {target} <input>`",
                log_path.display()
            ));
        }
        let stats = parse_stats(&text);
        if stats.executions == 0 {
            bail!("fuzz target {target} ran no input; log {}", log_path.display());
        }
        total += stats.executions;
        println!(
            "FUZZ TARGET {target}: {} executions in {seconds:.0} s ({}/s), corpus {} inputs",
            stats.executions, stats.per_second, stats.corpus
        );
    }
    println!(
        "CARGO FUZZ: {} targets, {total} executions, {SECONDS_PER_TARGET} s each, {:.0} s in all (build included)",
        TARGETS.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_libfuzzer_output() {
        let log = "#2\tINITED cov: 10 ft: 11 corp: 7/2310b exec/s: 0 rss: 45Mb\n\
                   #283208\tDONE   cov: 529 ft: 2247 corp: 590/140Kb lim: 670 exec/s: 13486 rss: 45Mb\n\
                   Done 283208 runs in 21 second(s)\n\
                   stat::number_of_executed_units: 283209\n\
                   stat::average_exec_per_sec:     13486\n";
        assert_eq!(
            parse_stats(log),
            RunStats { executions: 283_209, per_second: 13_486, corpus: 590 }
        );
        assert_eq!(
            parse_stats("Done 12 runs in 1 second(s)\n"),
            RunStats { executions: 12, per_second: 0, corpus: 0 }
        );
        let crash = "==1== ERROR: libFuzzer: deadly signal\nartifact_prefix='/r/fuzz/artifacts/config/'; Test unit written to /r/fuzz/artifacts/config/crash-ab12\n";
        assert_eq!(crash_input(crash), Some("/r/fuzz/artifacts/config/crash-ab12"));
        assert_eq!(crash_input("Done 1 runs"), None);
        let failed = "INFO: Seed: 1\nthread '<unnamed>' (1) panicked at fuzz_targets/config.rs:59:17:\na long message\nstack backtrace:\n   0: __rustc::rust_begin_unwind\n             at /rustc/x/panicking.rs:689:5\n\
                      ==1== ERROR: libFuzzer: deadly signal\nTest unit written to /r/crash-ab12\nFailing input:\n\n\tfuzz/artifacts/config/crash-ab12\n\
                      Error: Fuzz target exited with exit status: 77\n\nStack backtrace:\n   0: anyhow::error\n";
        assert_eq!(
            failure_excerpt(failed),
            [
                "thread '<unnamed>' (1) panicked at fuzz_targets/config.rs:59:17:",
                "a long message",
                "stack backtrace:",
                "==1== ERROR: libFuzzer: deadly signal",
                "Test unit written to /r/crash-ab12",
                "Failing input:",
                "",
                "\tfuzz/artifacts/config/crash-ab12",
            ]
        );
    }
}

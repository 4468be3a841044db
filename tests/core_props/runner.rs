//! How each property runs: its case count, its regression file, and the count reported to `cargo xtask test`.
//!
//! A property is one `#[test]` that calls [`check`] with its name, its
//! weight and its input strategy. Its cases are `VAS_FUZZ_CASES` (200 when
//! unset, for quick debug runs) times its weight: cheap parsers get more
//! cases than properties that build whole stores or playlists.
//!
//! Failures are persisted and replayed: when a property fails, proptest
//! appends the failing case's seed to `tests/fuzz_regressions/<name>.txt`
//! (one file per property, created on the first failure), and every later
//! run replays each seed of that file before generating new inputs. Commit
//! the file with the fix, so the case is replayed on every run from then on.
//!
//! When `VAS_FUZZ_REPORT` names a directory, each property that passes
//! writes its case count there (a file named after it); `cargo xtask test`
//! sums those files into its `FUZZ:` line, so the line states what really ran.

use std::fmt::Debug;

use proptest::strategy::Strategy;
use proptest::test_runner::{
    Config, FileFailurePersistence, TestCaseResult, TestError, TestRunner,
};

/// Cases per unit of weight when `VAS_FUZZ_CASES` is unset.
const DEFAULT_BASE_CASES: u32 = 200;
/// No property runs fewer cases than this, whatever its weight.
const MIN_CASES: u32 = 8;
/// The stack of a property's thread.
const STACK_BYTES: usize = 256 * 1024 * 1024;

/// `VAS_FUZZ_CASES`, the cases of a property of weight 1.
pub fn base_cases() -> u32 {
    std::env::var("VAS_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(DEFAULT_BASE_CASES)
}

/// The cases of a property of weight `weight`.
pub fn cases(weight: f64) -> u32 {
    ((f64::from(base_cases()) * weight).round() as u32).max(MIN_CASES)
}

/// Runs property `name` over `cases(weight)` inputs from the strategy that
/// `strategy` makes, replaying the seeds of its regression file first;
/// panics with the shrunk input on a failure (a failed assertion or a panic
/// of the core).
///
/// The property runs on a thread of its own with a large stack: deeply
/// nested strategies of a debug build overflow a test thread's default one.
pub fn check<S, M, T>(name: &'static str, weight: f64, strategy: M, test: T)
where
    S: Strategy,
    S::Value: Debug,
    M: FnOnce() -> S + Send,
    T: Fn(S::Value) -> TestCaseResult + Send,
{
    let path: &'static str = Box::leak(
        format!("{}/tests/fuzz_regressions/{name}.txt", env!("CARGO_MANIFEST_DIR"))
            .into_boxed_str(),
    );
    let cases = cases(weight);
    let outcome = std::thread::scope(|scope| {
        let run = move || {
            let config = Config {
                cases,
                failure_persistence: Some(Box::new(FileFailurePersistence::Direct(path))),
                // Shrinking a large hostile input can take long; a bounded shrink still names the fault.
                max_shrink_iters: 4096,
                ..Config::default()
            };
            match TestRunner::new(config).run(&strategy(), test) {
                Ok(()) => Ok(()),
                Err(TestError::Fail(why, input)) => {
                    Err(format!("property {name} failed: {why}\nminimal failing input: {input:#?}"))
                }
                Err(TestError::Abort(why)) => Err(format!("property {name} aborted: {why}")),
            }
        };
        std::thread::Builder::new()
            .name(name.into())
            .stack_size(STACK_BYTES)
            .spawn_scoped(scope, run)
            .expect("a property thread starts")
            .join()
    });
    match outcome {
        Ok(Ok(())) => report(name, cases),
        Ok(Err(message)) => panic!("{message}"),
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

fn report(name: &str, cases: u32) {
    let Ok(dir) = std::env::var("VAS_FUZZ_REPORT") else { return };
    let dir = std::path::Path::new(&dir);
    std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(dir.join(name), cases.to_string()))
        .expect("the fuzz report directory is writable");
}

//! In-page helpers for the scripts the tests and benchmarks run in the page: the polling loop, written once.

/// An asynchronous page script (WebDriver's `execute_async`) whose body may
/// call `poll`, the one polling loop of every waiting script:
///
/// ```js
/// poll({done, limitMs, t0, everyMs, firstFrame}, (now, timedOut) => { ... })
/// ```
///
/// `poll` calls the step until it returns something other than
/// `undefined`, and hands that to `done`. The step gets the time of the
/// check (the animation frame's timestamp, `performance.now()` otherwise)
/// and `timedOut(at)`, whether more than `limitMs` have passed from `t0`
/// to `at` (by default now; `t0` is the call of `poll` unless given, and
/// `t0: 0` makes `limitMs` a deadline since the page's time origin). The step decides what a timeout returns.
/// The first check runs at once (or at the next animation frame with
/// `firstFrame: true`), the next ones on every animation frame (or every
/// `everyMs` milliseconds).
///
/// The arguments are string literals (or macros expanding to them), joined
/// after the helper, so the script stays a `&'static str`.
macro_rules! polling_script {
    ($($part:expr),+ $(,)?) => {
        concat!(
            r#"
function poll({done, limitMs, t0 = performance.now(), everyMs = null, firstFrame = false}, step) {
  const timedOut = (at = performance.now()) => at - t0 > limitMs;
  const check = (now) => {
    const result = step(now, timedOut);
    if (result !== undefined) return done(result);
    if (everyMs === null) requestAnimationFrame(check); else setTimeout(() => check(performance.now()), everyMs);
  };
  if (firstFrame) requestAnimationFrame(check); else check(performance.now());
}
"#,
            $($part),+
        )
    };
}
pub(crate) use polling_script;

//! Per-frame main-thread costs from a Chromium trace, split the way DevTools splits them.
//!
//! The renderer main thread is found by the `bench-window-start` user-timing
//! mark the page sets. A frame is the span from one BeginMainFrame task (the
//! top-level task holding a `BeginMainThreadFrame` instant) to the next; it
//! is charged with every top-level task that starts in it, so timers, media
//! events and garbage collection between frames count too. Each trace event's
//! self time (its duration less its children's) goes to the category of the
//! innermost categorized event around it: script, style and layout, paint and
//! composite, or other (scheduler and task overhead the trace names nothing).
//! A frame that holds a `bench-update` mark is an overlay update.
//!
//! Durations are wall time on the main thread, as DevTools shows them; a
//! frame's `cpu` is the thread time of the same tasks (`tdur`), which leaves
//! out time the thread spent descheduled or blocked (the main thread waits
//! for the compositor during a commit), so it is also the figure least
//! disturbed by other load on the machine.

use anyhow::Context;
use serde_json::Value;

/// Where main-thread time goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    Script,
    StyleLayout,
    PaintComposite,
    Other,
}

fn category_of(name: &str) -> Option<Category> {
    use Category::*;
    Some(match name {
        "FunctionCall"
        | "FireAnimationFrame"
        | "EvaluateScript"
        | "TimerFire"
        | "EventDispatch"
        | "FireIdleCallback"
        | "BlinkScheduler_PerformMicrotaskCheckpoint"
        | "RunMicrotasks"
        | "v8.compile"
        | "v8.compileModule"
        | "v8.execute"
        | "V8.Execute"
        | "MajorGC"
        | "MinorGC"
        | "XHRReadyStateChange"
        | "XHRLoad" => Script,
        n if n.starts_with("V8.GC") || n.starts_with("v8.") => Script,
        "UpdateLayoutTree"
        | "RecalculateStyles"
        | "Layout"
        | "ParseAuthorStyleSheet"
        | "IntersectionObserverController::computeIntersections" => StyleLayout,
        "PrePaint" | "Paint" | "PaintImage" | "Layerize" | "Commit" | "UpdateLayer"
        | "UpdateLayerTree" | "CompositeLayers" | "Decode Image" | "Draw LazyPixelRef"
        | "PaintSetup" => PaintComposite,
        _ => return None,
    })
}

/// The main-thread cost of one frame, milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FrameCost {
    pub script: f64,
    pub style_layout: f64,
    pub paint_composite: f64,
    pub other: f64,
    /// Thread (CPU) time of the frame's tasks, ms.
    pub cpu: f64,
    /// True when the overlay updated in this frame.
    pub update: bool,
}

impl FrameCost {
    pub fn total(&self) -> f64 {
        self.script + self.style_layout + self.paint_composite + self.other
    }

    fn add(&mut self, c: Category, ms: f64) {
        match c {
            Category::Script => self.script += ms,
            Category::StyleLayout => self.style_layout += ms,
            Category::PaintComposite => self.paint_composite += ms,
            Category::Other => self.other += ms,
        }
    }
}

/// The frames of the measured window.
#[derive(Debug, Clone, Default)]
pub struct FrameCosts {
    pub frames: Vec<FrameCost>,
    /// Main-thread time of all top-level tasks in the window, ms.
    pub busy_ms: f64,
    /// The window's length by the trace clock, ms.
    pub window_ms: f64,
    /// Self time per trace event name over the window, ms, largest first.
    pub by_name: Vec<(String, f64)>,
}

#[derive(Debug, Clone)]
struct Slice {
    ts: f64,
    dur: f64,
    /// Thread time, when the trace has it.
    tdur: Option<f64>,
    name: String,
}

impl FrameCosts {
    /// Analyses the events of a trace (the `value` arrays of `Tracing.dataCollected`, joined).
    pub fn from_trace(events: &[Value]) -> crate::Result<Self> {
        let mark = |name: &str| {
            events.iter().find(|e| {
                e["name"] == name && e["cat"].as_str().is_some_and(|c| c.contains("user_timing"))
            })
        };
        let start = mark("bench-window-start").context("trace: no bench-window-start mark")?;
        let end = mark("bench-window-end").context("trace: no bench-window-end mark")?;
        let (pid, tid) = (start["pid"].clone(), start["tid"].clone());
        let (t0, t1) = (start["ts"].as_f64().unwrap_or(0.0), end["ts"].as_f64().unwrap_or(0.0));
        let on_main = |e: &&Value| e["pid"] == pid && e["tid"] == tid;
        let mut slices: Vec<Slice> = events
            .iter()
            .filter(on_main)
            .filter(|e| e["ph"] == "X")
            .filter_map(|e| {
                Some(Slice {
                    ts: e["ts"].as_f64()?,
                    dur: e["dur"].as_f64().unwrap_or(0.0),
                    tdur: e["tdur"].as_f64(),
                    name: e["name"].as_str()?.to_owned(),
                })
            })
            .collect();
        // Parents before children: by start, then longest first.
        slices.sort_by(|a, b| a.ts.total_cmp(&b.ts).then(b.dur.total_cmp(&a.dur)));
        let marks = |name: &str| -> Vec<f64> {
            events
                .iter()
                .filter(on_main)
                .filter(|e| e["name"] == name)
                .filter_map(|e| e["ts"].as_f64())
                .collect()
        };
        let (frame_marks, update_marks) = (marks("BeginMainThreadFrame"), marks("bench-update"));

        // Top-level tasks with their categorized self times.
        struct Task {
            ts: f64,
            end: f64,
            cost: FrameCost,
        }
        let mut tasks: Vec<Task> = Vec::new();
        // Stack of (end, category, index of the slice) for the current top-level task.
        let mut stack: Vec<(f64, Option<Category>, usize)> = Vec::new();
        let mut self_ms: Vec<f64> = slices.iter().map(|s| s.dur / 1000.0).collect();
        let mut cat_of: Vec<Category> = vec![Category::Other; slices.len()];
        let mut task_of: Vec<usize> = vec![0; slices.len()];
        for (i, s) in slices.iter().enumerate() {
            while stack.last().is_some_and(|(end, _, _)| s.ts >= *end) {
                stack.pop();
            }
            let own = category_of(&s.name);
            match stack.last() {
                Some(&(_, parent_cat, parent)) => {
                    self_ms[parent] -= s.dur / 1000.0;
                    cat_of[i] = own.or(parent_cat).unwrap_or(Category::Other);
                    task_of[i] = task_of[parent];
                }
                None => {
                    cat_of[i] = own.unwrap_or(Category::Other);
                    task_of[i] = tasks.len();
                    let cpu = s.tdur.unwrap_or(s.dur) / 1000.0;
                    tasks.push(Task {
                        ts: s.ts,
                        end: s.ts + s.dur,
                        cost: FrameCost { cpu, ..FrameCost::default() },
                    });
                }
            }
            let inherited = own.or(stack.last().and_then(|(_, c, _)| *c));
            stack.push((s.ts + s.dur, inherited, i));
        }
        let mut by_name: std::collections::HashMap<&str, f64> = std::collections::HashMap::new();
        for i in 0..slices.len() {
            tasks[task_of[i]].cost.add(cat_of[i], self_ms[i].max(0.0));
            if slices[i].ts >= t0 && slices[i].ts < t1 {
                *by_name.entry(slices[i].name.as_str()).or_default() += self_ms[i].max(0.0);
            }
        }
        let mut by_name: Vec<(String, f64)> =
            by_name.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        by_name.sort_by(|a, b| b.1.total_cmp(&a.1));
        tasks.retain(|t| t.ts >= t0 && t.ts < t1);

        // Frame starts: the tasks that hold a BeginMainThreadFrame.
        let mut starts: Vec<f64> = tasks
            .iter()
            .filter(|t| frame_marks.iter().any(|m| *m >= t.ts && *m <= t.end))
            .map(|t| t.ts)
            .collect();
        starts.dedup();
        let mut frames: Vec<FrameCost> = vec![FrameCost::default(); starts.len()];
        let mut busy_ms = 0.0;
        for t in &tasks {
            busy_ms += t.cost.total();
            // Tasks before the first frame start belong to no whole frame.
            let Some(k) = starts.iter().rposition(|s| *s <= t.ts) else { continue };
            let f = &mut frames[k];
            f.script += t.cost.script;
            f.style_layout += t.cost.style_layout;
            f.paint_composite += t.cost.paint_composite;
            f.other += t.cost.other;
            f.cpu += t.cost.cpu;
        }
        for m in update_marks.iter().filter(|m| **m >= t0 && **m < t1) {
            if let Some(k) = starts.iter().rposition(|s| s <= m) {
                frames[k].update = true;
            }
        }
        // The last frame may be cut by the end of the window: leave it out.
        frames.pop();
        Ok(Self { frames, busy_ms, window_ms: (t1 - t0) / 1000.0, by_name })
    }

    /// The frames the overlay updated in.
    pub fn updates(&self) -> Vec<FrameCost> {
        self.frames.iter().copied().filter(|f| f.update).collect()
    }
}

/// The `p`-th percentile (0..100) by nearest rank; 0 for no values.
pub fn percentile(values: &[f64], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
    v[rank.clamp(1, v.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn x(name: &str, ts: f64, dur: f64) -> Value {
        // Thread time: half the wall time (the thread waited for the rest).
        json!({"name": name, "ph": "X", "ts": ts, "dur": dur, "tdur": dur / 2.0, "pid": 1, "tid": 1, "cat": "t"})
    }
    fn i(name: &str, ts: f64, cat: &str) -> Value {
        json!({"name": name, "ph": "I", "ts": ts, "pid": 1, "tid": 1, "cat": cat})
    }

    #[test]
    fn self_times_go_to_the_innermost_category_and_frames_split_at_begin_main_frame() {
        let task = "ThreadControllerImpl::RunTask";
        let events = vec![
            i("bench-window-start", 0.0, "blink.user_timing"),
            // Frame 1 (an update): 1 ms script of which 0.4 ms forced layout, 0.5 ms paint, 0.1 ms task overhead.
            x(task, 1000.0, 1600.0),
            i("BeginMainThreadFrame", 1001.0, "frame"),
            x("FunctionCall", 1050.0, 1000.0),
            x("Layout", 1300.0, 400.0),
            i("bench-update", 1500.0, "blink.user_timing"),
            x("Paint", 2050.0, 500.0),
            // A timer between frames counts to frame 1.
            x(task, 5000.0, 200.0),
            x("TimerFire", 5000.0, 200.0),
            // Frame 2: no update.
            x(task, 17000.0, 300.0),
            i("BeginMainThreadFrame", 17001.0, "frame"),
            x("UpdateLayoutTree", 17100.0, 100.0),
            // Frame 3, cut by the window's end.
            x(task, 33000.0, 100.0),
            i("BeginMainThreadFrame", 33001.0, "frame"),
            i("bench-window-end", 34000.0, "blink.user_timing"),
            // Another thread is ignored.
            json!({"name": "Paint", "ph": "X", "ts": 1000.0, "dur": 9000.0, "pid": 1, "tid": 2}),
        ];
        let f = FrameCosts::from_trace(&events).unwrap();
        assert_eq!(f.frames.len(), 2);
        let a = f.frames[0];
        assert!(a.update && !f.frames[1].update);
        let close = |x: f64, y: f64| (x - y).abs() < 1e-9;
        assert!(close(a.script, 0.6 + 0.2), "{a:?}");
        assert!(
            close(a.style_layout, 0.4) && close(a.paint_composite, 0.5) && close(a.other, 0.1),
            "{a:?}"
        );
        assert!(close(f.frames[1].style_layout, 0.1) && close(f.frames[1].other, 0.2));
        // CPU: the top-level tasks' thread time.
        assert!(close(a.cpu, (1.6 + 0.2) / 2.0) && close(f.frames[1].cpu, 0.15), "{a:?}");
        assert!(close(f.busy_ms, 1.6 + 0.2 + 0.3 + 0.1));
        assert_eq!(f.updates().len(), 1);
        // Where the time went, by event name (self time), largest first.
        assert_eq!(f.by_name[0].0, "FunctionCall");
        assert!(close(f.by_name[0].1, 0.6));
    }

    #[test]
    fn percentiles_by_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 50.0), 50.0);
        assert_eq!(percentile(&v, 95.0), 95.0);
        assert_eq!(percentile(&v, 100.0), 100.0);
        assert_eq!(percentile(&[], 50.0), 0.0);
        assert_eq!(percentile(&[3.0], 95.0), 3.0);
    }
}

//! What the clock-fault probe recorded on one page (frames drawn, polls made) and the figures read from it: steady boxes, windows on VAS's clock, shares of frames with boxes.

use serde_json::Value;

use super::{AHEAD_MS, AROUND_SPAN_MS, CELL_MS};

/// One frame the overlay drew: page time (ms), visible boxes, playout delay (ms).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Frame {
    pub(super) t: f64,
    pub(super) boxes: u64,
    pub(super) delay: Option<f64>,
}

/// What kind of window an event request asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Window {
    /// A count probe (one row).
    Sweep,
    /// A further page of the window before (same start, an earlier end: VAS pages newest first).
    Page,
    /// The newest rows of all time (a quiet spell's look, or the fallback of a first poll that found nothing).
    AllTime,
    /// Starting an hour or so past the request's wall time: on a clock ahead.
    Ahead,
    /// From 10 s before to an hour after one instant: a quiet spell's look
    /// around the frame on screen, or a page's first poll (`live_poll.rs`).
    Around,
    /// A regular window on the viewer's (and VAS's) clock.
    OnClock,
}

/// One event request of the page.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Poll {
    /// Page time of the request (ms).
    pub(super) t: f64,
    /// The viewer's wall clock then (Unix ms).
    pub(super) wall: f64,
    /// Its window, as Unix milliseconds.
    pub(super) start: f64,
    pub(super) end: f64,
    pub(super) kind: Window,
    pub(super) bytes: f64,
}

pub(super) fn classify(start: f64, end: f64, wall: f64, limit: u64) -> Window {
    if limit == 1 {
        Window::Sweep
    } else if start < 946_684_800_000.0 {
        // Before 2000: the window from the epoch.
        Window::AllTime
    } else if start - wall > AHEAD_MS {
        Window::Ahead
    } else if (AROUND_SPAN_MS..AROUND_SPAN_MS + 2.0 * CELL_MS).contains(&(end - start)) {
        // A regular window spans an hour plus the margin and the time since
        // the newest row (a second or two on the rig), rounded out to the grid.
        Window::Around
    } else {
        Window::OnClock
    }
}

/// The probe's record, parsed.
#[derive(Debug, Default)]
pub(super) struct Record {
    pub(super) frames: Vec<Frame>,
    pub(super) polls: Vec<Poll>,
}

impl Record {
    pub(super) fn parse(v: &Value) -> Record {
        let frames = v["frames"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| {
                Some(Frame { t: f[0].as_f64()?, boxes: f[1].as_u64()?, delay: f[2].as_f64() })
            })
            .collect();
        let mut polls: Vec<Poll> = Vec::new();
        for p in v["polls"].as_array().into_iter().flatten() {
            let (Some(t), Some(start), Some(end), Some(wall), Some(limit)) = (
                p["t"].as_f64(),
                p["start"].as_f64(),
                p["end"].as_f64(),
                p["wall"].as_f64(),
                p["limit"].as_u64(),
            ) else {
                continue;
            };
            let mut kind = classify(start, end, wall, limit);
            let previous = polls.iter().rev().find(|q| q.kind != Window::Sweep);
            if kind != Window::Sweep && previous.is_some_and(|q| q.start == start && q.end > end) {
                kind = Window::Page;
            }
            polls.push(Poll {
                t,
                wall,
                start,
                end,
                kind,
                bytes: p["bytes"].as_f64().unwrap_or(0.0),
            });
        }
        Record { frames, polls }
    }

    /// Frames drawn in `[from, to)`, and those with boxes.
    pub(super) fn share(&self, from: f64, to: f64) -> Share {
        let frames: Vec<&Frame> = self.frames.iter().filter(|f| f.t >= from && f.t < to).collect();
        Share { with_boxes: frames.iter().filter(|f| f.boxes > 0).count(), frames: frames.len() }
    }

    /// The first frame drawn after `since` with boxes: ms after `since`.
    pub(super) fn first_boxes(&self, since: f64) -> Option<f64> {
        self.frames.iter().find(|f| f.t >= since && f.boxes > 0).map(|f| f.t - since)
    }

    /// The first frame after `since` of a run of `run` frames with boxes: ms after `since`.
    pub(super) fn steady_boxes(&self, since: f64, run: usize) -> Option<f64> {
        let mut n = 0;
        let mut first = None;
        for f in self.frames.iter().filter(|f| f.t >= since) {
            if f.boxes == 0 {
                n = 0;
                continue;
            }
            if n == 0 {
                first = Some(f.t);
            }
            n += 1;
            if n >= run {
                return first.map(|t| t - since);
            }
        }
        None
    }

    /// The largest playout delay seen in `[from, to)`.
    pub(super) fn max_delay(&self, from: f64, to: f64) -> Option<f64> {
        self.frames
            .iter()
            .filter(|f| f.t >= from && f.t < to)
            .filter_map(|f| f.delay)
            .reduce(f64::max)
    }

    /// Polls (first requests of a window; count probes and further pages aside) in `[from, to)`.
    pub(super) fn polls(&self, from: f64, to: f64) -> impl Iterator<Item = &Poll> {
        self.polls.iter().filter(move |p| {
            !matches!(p.kind, Window::Sweep | Window::Page) && p.t >= from && p.t < to
        })
    }

    /// The first poll after `since` of this kind: ms after `since`.
    pub(super) fn first(&self, since: f64, kind: Window) -> Option<f64> {
        self.polls(since, f64::INFINITY).find(|p| p.kind == kind).map(|p| p.t - since)
    }

    /// The first poll after `since` from which every later one is on VAS's
    /// clock (none ahead, no look at the newest rows of all time): ms after `since`.
    pub(super) fn on_clock_for_good(&self, since: f64) -> Option<f64> {
        let polls: Vec<&Poll> = self.polls(since, f64::INFINITY).collect();
        let last_off =
            polls.iter().rposition(|p| matches!(p.kind, Window::Ahead | Window::AllTime));
        let first_good = last_off.map_or(0, |i| i + 1);
        polls.get(first_good).map(|p| p.t - since)
    }

    /// The median time between polls in `[from, to)` (a poll starts
    /// `LIVE_INTERVAL_MS` after the previous one ended, pages and count probe included).
    pub(super) fn poll_period(&self, from: f64, to: f64) -> Option<f64> {
        let t: Vec<f64> = self.polls(from, to).map(|p| p.t).collect();
        median(t.windows(2).map(|w| w[1] - w[0]).collect())
    }

    /// Requests per poll in `[from, to)`, count probes aside.
    pub(super) fn requests_per_poll(&self, from: f64, to: f64) -> f64 {
        let requests = self
            .polls
            .iter()
            .filter(|p| p.kind != Window::Sweep && p.t >= from && p.t < to)
            .count();
        requests as f64 / self.polls(from, to).count().max(1) as f64
    }

    /// The median lateness margin of regular polls in `[from, to)`: how far
    /// before the request's wall time its window starts (the margin, plus how
    /// far the newest row held lies behind the viewer's clock).
    pub(super) fn margin(&self, from: f64, to: f64) -> Option<f64> {
        median(
            self.polls(from, to)
                .filter(|p| p.kind == Window::OnClock)
                .map(|p| p.wall - p.start)
                .collect(),
        )
    }

    /// Bytes of event answers per second in `[from, to)`, pages and count probes included.
    pub(super) fn bytes_per_s(&self, from: f64, to: f64) -> f64 {
        let sum: f64 = self.polls.iter().filter(|p| p.t >= from && p.t < to).map(|p| p.bytes).sum();
        sum / ((to - from) / 1000.0)
    }
}

pub(super) fn median(mut v: Vec<f64>) -> Option<f64> {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied()
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Share {
    pub(super) with_boxes: usize,
    pub(super) frames: usize,
}

impl Share {
    pub(super) fn ratio(self) -> f64 {
        if self.frames == 0 {
            0.0
        } else {
            self.with_boxes as f64 / self.frames as f64
        }
    }
}

impl std::fmt::Display for Share {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.1}% of {} frames", 100.0 * self.ratio(), self.frames)
    }
}

pub(super) fn ms_or_never(v: Option<f64>) -> String {
    v.map_or("never".into(), |v| format!("{v:.0} ms"))
}

pub(super) fn s_or_none(v: Option<f64>) -> String {
    v.map_or("none".into(), |v| format!("{:.1} s", v / 1000.0))
}

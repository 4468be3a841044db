//! The detection timeline under a recording: per model, where detections occur in the loaded range, gaps and the playhead.
//!
//! Purely visual: it reads the event store, the clock and the video's
//! `currentTime`, and never seeks. It redraws a few times a second (and so
//! follows windows as they load); the layout comes from
//! `core::draw::timeline_strip`. Like the overlay it carries `data-overlay-root`,
//! so the fault guard hides it too.

use gloo_timers::callback::Interval;
use web_sys::HtmlVideoElement;
use yew::prelude::*;

use super::fault_guard;
use crate::core::clock::clip::ClipClockMethod;
use crate::core::clock::FrameClockMethod;
use crate::core::draw::timeline_strip::{axis_label, StripLayout};
use crate::core::time::UnixMicros;
use crate::events::playhead_feed::LoadedSpan;
use crate::events::store_handle::StoreHandle;
use crate::media::ClockHandle;

const BINS: usize = 120;
const REFRESH_MS: u32 = 250;
const ROW_HEIGHT: f64 = 14.0;

#[derive(Properties, Clone)]
pub struct TimelineStripProps {
    pub video: NodeRef,
    pub store: StoreHandle,
    pub clock: ClockHandle,
    pub loaded: LoadedSpan,
}

impl PartialEq for TimelineStripProps {
    fn eq(&self, o: &Self) -> bool {
        self.video == o.video
            && self.store == o.store
            && self.clock == o.clock
            && std::rc::Rc::ptr_eq(&self.loaded, &o.loaded)
    }
}

#[function_component(TimelineStrip)]
pub fn timeline_strip(props: &TimelineStripProps) -> Html {
    let tick = use_state(|| 0u32);
    {
        let tick = tick.clone();
        use_effect_with((), move |_| {
            let mut n = 0u32;
            let interval = Interval::new(REFRESH_MS, move || {
                n = n.wrapping_add(1);
                tick.set(n);
            });
            move || drop(interval)
        });
    }
    if fault_guard::has_faulted() {
        return html! { <div data-overlay-root="" data-overlay-state="hidden" style="display:none" /> };
    }
    let frame = props
        .video
        .cast::<HtmlVideoElement>()
        .and_then(|v| props.clock.wall_time(v.current_time()));
    let playhead = frame.map(|f| f.at);
    let (runs, disagreeing, method_note) = match &props.clock {
        ClockHandle::Recording(c) => match c.try_borrow() {
            Ok(c) => {
                let runs: Vec<(UnixMicros, UnixMicros)> =
                    c.runs().iter().filter_map(|r| r.wall).collect();
                let note = frame.map(|f| match f.method {
                    FrameClockMethod::Recording(m) => m.wall_time_note(c.picture_offset_us()),
                    other => other.precision_note().to_string(),
                });
                (runs, c.disagreeing_segments(), note)
            }
            Err(_) => (Vec::new(), 0, None),
        },
        ClockHandle::Clip(_) => {
            (Vec::new(), 0, Some(ClipClockMethod::Start.precision_note().to_string()))
        }
        // The strip belongs to recordings; a live clock has no runs or segments to show.
        ClockHandle::Live(_) => (Vec::new(), 0, None),
    };
    // The newest recorded moment: labels on its date need none.
    let newest = runs.iter().map(|r| r.1).max();
    let span = props.loaded.get();
    let layout =
        span.map(|s| StripLayout::compute(&props.store.borrow(), s, BINS, &runs, playhead));
    let height = layout.as_ref().map_or(0.0, |l| l.rows.len().max(1) as f64 * ROW_HEIGHT);
    let body = match &layout {
        None => {
            html! { <div class="strip-empty">{ "Loading detections around the playhead..." }</div> }
        }
        Some(l) => {
            let w = 1000.0 / BINS as f64;
            let rows = l.rows.iter().enumerate().map(|(r, row)| {
                let y = r as f64 * ROW_HEIGHT;
                let fill = row.color.css();
                let cells = row.densities().into_iter().enumerate().filter(|(_, d)| *d > 0.0).map(|(i, d)| {
                    html! { <rect x={format!("{:.2}", i as f64 * w)} y={format!("{:.1}", y + 2.0)} width={format!("{w:.2}")} height={format!("{:.1}", ROW_HEIGHT - 4.0)} fill={fill.clone()} fill-opacity={format!("{d:.2}")} /> }
                });
                html! { <g data-model={row.model_id.clone()} data-bins={row.counts.iter().filter(|c| **c > 0).count().to_string()}>{ for cells }</g> }
            });
            let gaps = l.gaps.iter().map(|(a, b)| {
                html! { <rect class="strip-gap" data-gap="" x={format!("{:.2}", a * 1000.0)} y="0" width={format!("{:.2}", (b - a) * 1000.0)} height={format!("{height:.1}")} fill="url(#strip-hatch)" /> }
            });
            let cursor = l.playhead.map(|p| {
                html! { <line data-playhead="" x1={format!("{:.2}", p * 1000.0)} x2={format!("{:.2}", p * 1000.0)} y1="0" y2={format!("{height:.1}")} stroke="#fff" stroke-width="2" vector-effect="non-scaling-stroke" /> }
            });
            let labels = l.rows.iter().map(|row| html! { <div class="strip-label" style={format!("color:{}", row.color.css())}>{ row.model_id.clone() }</div> });
            html! {
                <div class="strip-body">
                    <div class="strip-labels">{ for labels }</div>
                    <div class="strip-track">
                        <svg viewBox={format!("0 0 1000 {height:.1}")} preserveAspectRatio="none" width="100%" height={format!("{height:.1}")}>
                            <defs>
                                <pattern id="strip-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                                    <rect width="6" height="6" fill="#1b1e22" />
                                    <line x1="0" y1="0" x2="0" y2="6" stroke="#3c4148" stroke-width="3" />
                                </pattern>
                            </defs>
                            { for gaps }
                            { for rows }
                            { for cursor }
                        </svg>
                        <div class="strip-axis">
                            <span data-axis-from="">{ axis_label(l.span.0, newest) }</span>
                            <span data-axis-to="">{ format!("{} UTC", axis_label(l.span.1, newest)) }</span>
                        </div>
                    </div>
                </div>
            }
        }
    };
    html! {
        <section class="timeline-strip" data-overlay-root="" data-overlay-state="ok" data-timeline-strip="" aria-label="Detections along the recording">
            { body }
            <p class="clock-info" data-clock-info="" data-runs={runs.len().to_string()}>
                { method_note.map(|n| format!("Wall-clock time: {n}.")).unwrap_or_else(|| "Wall-clock time: not known yet.".into()) }
                if disagreeing > 0 {
                    <span data-clock-disagree={disagreeing.to_string()}>
                        { format!(" Segment numbers and Last-Modified times disagree by more than a segment for {disagreeing} segment(s): Last-Modified is used there.") }
                    </span>
                }
                if runs.len() > 1 {
                    { format!(" {} recording runs; hatched: no recording.", runs.len()) }
                }
            </p>
        </section>
    }
}

//! The per-frame loop: learn the presented frame, measure the screen, select, lay out, draw.
//!
//! It runs on animation-frame callbacks. `requestVideoFrameCallback` only
//! records which frame is on screen; the animation frame that follows does
//! the work, so the overlay follows the browser's own frame pacing and never
//! holds up the video. Nothing here seeks, pauses, buffers or otherwise
//! touches playback: the video element is only read.
//!
//! Work is done only when something changed: an unchanged frame key (media
//! time, store version, geometry, pixel ratio) skips everything, and a frame
//! whose primitives equal the last drawn ones (a static scene on a playing
//! video) writes nothing to the DOM and draws nothing on the canvas.
//! Ordinary frames go to pooled DOM elements; dense ones to one canvas
//! (`core::draw::renderer_choice` decides). A switch draws the new renderer and
//! clears the old one in the same callback, so no frame shows neither.
//!
//! The clock offset against VAS's event stamps is learnt from the picture
//! (`core::clock::picture_calibration`): while the calibration wants frames,
//! each new presented frame is sampled once (`picture_sampler`), and each
//! animation frame scores a few offsets of a running scan. Events are
//! selected at the frame's time plus the offset applied; the root says what
//! is applied (`data-clock-offset-us`, `data-clock-offset`) and whether the
//! calibration is learning or resting (`data-calibration`).

use std::cell::RefCell;
use std::rc::Rc;

use gloo_render::{request_animation_frame, AnimationFrame};
use wasm_bindgen::prelude::*;
use web_sys::{Element, HtmlVideoElement};

use super::canvas_renderer::CanvasRenderer;
use super::element_pool::ElementPool;
use super::fault_guard::{self, STATE_ATTR};
use super::picture_sampler::PictureSampler;
use super::screen_measure::ScreenMeasure;
use crate::core::clock::picture_calibration::{CalibrationPolicy, PictureCalibration};
use crate::core::clock::presented_frame::PresentedFrame;
use crate::core::clock::{FrameClockMethod, FrameTime};
use crate::core::draw::geometry::{CssRect, CssSize, ObjectFit, ScreenMapping, VideoPx};
use crate::core::draw::primitive::{layout_frame, Primitive};
use crate::core::draw::renderer_choice::{RendererChoice, RendererKind, RendererPolicy};
use crate::core::draw::selection::{boxes_at, select_frame, SelectionParams};
use crate::core::time::{Micros, UnixMicros};
use crate::events::store_handle::StoreHandle;
use crate::media::monotonic::now_mono_ms;
use crate::media::video_frame_callback::VideoFrameWatcher;
use crate::media::ClockHandle;

/// Offsets searched by the picture calibration: VAS's event stamps against
/// the page's frame clock, up to 2 s either way (a recording's segment
/// evidence can be off that much), plus the half-width of a walking
/// person's run of matching offsets.
const CALIBRATION_RANGE_US: Micros = 3_500_000;

/// Everything that decides what is drawn; when it is unchanged, nothing is written.
#[derive(Clone, PartialEq)]
struct FrameKey {
    media_time: Option<f64>,
    store_version: u64,
    /// A recording's mapping can change under a frame already drawn.
    clock_version: u64,
    element: CssRect,
    video: VideoPx,
    fit: ObjectFit,
    dpr: f64,
    /// The clock offset applied (a new one moves every box).
    offset_us: Micros,
}

/// What the root says about the calibration now.
#[derive(Clone, PartialEq, Default)]
struct CalibrationAttrs {
    offset_us: Option<Micros>,
    text: String,
    resting: bool,
}

struct LoopState {
    video: HtmlVideoElement,
    root: Element,
    store: StoreHandle,
    clock: ClockHandle,
    /// What `data-clock` and `data-clock-note` say now.
    clock_attr: Option<(FrameClockMethod, bool)>,
    /// The live clock learns from every frame, so each presented frame is
    /// timed once: its presented-frame count and the time it got.
    timed: Option<(u32, Option<FrameTime>)>,
    /// `performance.timeOrigin`, to put frame metadata times on the wall clock.
    time_origin: f64,
    params: SelectionParams,
    watcher: Option<VideoFrameWatcher>,
    pool: ElementPool,
    /// Created the first time a frame is dense enough for it.
    canvas: Option<CanvasRenderer>,
    choice: RendererChoice,
    /// What is on screen: the primitives, by which renderer, over which root size.
    drawn: Vec<Primitive>,
    drawn_with: Option<RendererKind>,
    drawn_size: CssSize,
    last_key: Option<FrameKey>,
    state_attr: &'static str,
    measure: ScreenMeasure,
    calibration: PictureCalibration,
    /// `None` when no canvas could be made: no calibration, today's clocks.
    sampler: Option<PictureSampler>,
    /// The frame time of the frame sampled last, so each frame is sampled once.
    sampled_at: Option<UnixMicros>,
    calibration_attrs: Option<CalibrationAttrs>,
    /// Main-thread milliseconds spent sampling and scanning since the page
    /// opened, and when `data-calibration-ms` last said so.
    calibration_spent_ms: f64,
    calibration_spent_written_ms: f64,
    next: Option<AnimationFrame>,
}

/// How often `data-calibration-ms` is brought up to date.
const SPENT_WRITE_EVERY_MS: f64 = 1_000.0;

/// A running overlay loop; dropping it stops the loop and the frame watcher.
pub struct FrameLoop {
    state: Rc<RefCell<LoopState>>,
}

impl FrameLoop {
    pub fn start(
        video: HtmlVideoElement,
        root: Element,
        store: StoreHandle,
        clock: ClockHandle,
        policy: RendererPolicy,
    ) -> Result<Self, JsValue> {
        let document = root
            .owner_document()
            .ok_or_else(|| JsValue::from_str("overlay root has no document"))?;
        let pool = ElementPool::new(&document, &root)?;
        let watcher = VideoFrameWatcher::start(&video);
        let choice = RendererChoice::new(policy);
        let measure = ScreenMeasure::new(&root, &video)?;
        root.set_attribute("data-renderer", choice.current().as_attr())?;
        if let Some(m) = clock.initial_method() {
            root.set_attribute("data-clock", m.as_attr())?;
        }
        let time_origin =
            web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.time_origin());
        root.set_attribute(
            "data-frame-source",
            if watcher.is_some() { "video-frame-callback" } else { "current-time" },
        )?;
        let policy_calibration = CalibrationPolicy::within(CALIBRATION_RANGE_US);
        let grid = (policy_calibration.offset.grid_width, policy_calibration.offset.grid_height);
        let sampler = u32::try_from(grid.0)
            .ok()
            .zip(u32::try_from(grid.1).ok())
            .and_then(|(w, h)| PictureSampler::new(&document, w, h).ok());
        let state = Rc::new(RefCell::new(LoopState {
            video,
            root,
            store,
            clock_attr: clock.initial_method().map(|m| (m, false)),
            timed: None,
            time_origin,
            clock,
            params: SelectionParams::default(),
            watcher,
            pool,
            canvas: None,
            choice,
            drawn: Vec::new(),
            drawn_with: None,
            drawn_size: CssSize::default(),
            last_key: None,
            state_attr: "",
            measure,
            calibration: PictureCalibration::new(policy_calibration),
            sampler,
            sampled_at: None,
            calibration_attrs: None,
            calibration_spent_ms: 0.0,
            calibration_spent_written_ms: f64::NEG_INFINITY,
            next: None,
        }));
        arm(&state);
        Ok(Self { state })
    }
}

impl Drop for FrameLoop {
    fn drop(&mut self) {
        if let Ok(mut s) = self.state.try_borrow_mut() {
            s.next = None;
            s.watcher = None;
            s.measure.stop();
        }
    }
}

fn arm(state: &Rc<RefCell<LoopState>>) {
    let weak = Rc::downgrade(state);
    let handle = request_animation_frame(move |_ts| {
        let Some(state) = weak.upgrade() else { return };
        // Re-armed only after a frame completed: a panic (a wasm trap) or a
        // DOM error ends the loop instead of faulting on every frame.
        let result = { state.borrow_mut().tick() };
        match result {
            Ok(()) => arm(&state),
            Err(e) => {
                let s = state.borrow();
                fault_guard::report(&s.root, &format!("{e:?}"));
            }
        }
    });
    if let Ok(mut s) = state.try_borrow_mut() {
        s.next = Some(handle);
    }
}

impl LoopState {
    /// One animation frame: what is on screen now, and whether anything must be drawn.
    fn tick(&mut self) -> Result<(), JsValue> {
        self.check_faults()?;
        let now_ms = now_mono_ms();
        let presented = self.presented_frame();
        let media_time = presented.map(|f| f.media_time);
        let (root, element) = self.measure.boxes(&self.root, &self.video, media_time);
        let fit = self.measure.object_fit(&self.video, element)?;
        let dpr = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio());
        let video = VideoPx {
            width: f64::from(self.video.video_width()),
            height: f64::from(self.video.video_height()),
        };
        let key = FrameKey {
            media_time,
            store_version: self.store.version(),
            clock_version: self.clock.version(),
            element,
            video,
            fit,
            dpr,
            offset_us: self.calibration.applied_offset_us(),
        };
        if self.last_key.as_ref() == Some(&key) {
            return Ok(());
        }
        // The calibration works only when something changed, like the rest:
        // a paused video's scan waits for the next frame.
        self.calibration_work(now_ms);
        self.calibration_spent_ms += now_mono_ms() - now_ms;
        let key = FrameKey { offset_us: self.calibration.applied_offset_us(), ..key };
        if self.last_key.as_ref().is_none_or(|k| k.offset_us != key.offset_us) {
            self.clock.set_selection_offset_us(key.offset_us);
        }
        let frame = match presented {
            Some(f) => self.time_frame(&f)?,
            None => None,
        };
        if let Some(f) = frame {
            let before_ms = now_mono_ms();
            self.sample_picture(now_ms, &f);
            self.calibration_spent_ms += now_mono_ms() - before_ms;
        }
        let primitives = self.lay_out(ScreenMapping::new(element, video, fit, dpr), frame);
        self.last_key = Some(key);
        if let Some(f) = frame {
            self.write_clock_method(&f)?;
        }
        self.write_calibration_attrs(now_ms)?;
        self.write_calibration_spent(now_ms)?;
        let kind = self.choice.choose(primitives.len());
        let size = CssSize { width: root.width, height: root.height };
        // The same picture as the last one drawn, by the same renderer: nothing to do.
        if self.drawn_with == Some(kind)
            && self.drawn == primitives
            && (kind == RendererKind::Dom || self.drawn_size == size)
        {
            return Ok(());
        }
        self.draw(kind, &primitives, size, dpr)?;
        self.write_frame_attrs(&primitives, media_time, frame)?;
        self.drawn = primitives;
        self.drawn_with = Some(kind);
        self.drawn_size = size;
        Ok(())
    }

    /// Ends the frame with an error after an injected fault (test builds) or
    /// a fault anywhere in the page, hiding the overlay.
    fn check_faults(&self) -> Result<(), JsValue> {
        #[cfg(feature = "fault-injection")]
        if fault_guard::injection::take() {
            panic!("injected overlay fault (test only)");
        }
        if fault_guard::has_faulted() {
            fault_guard::hide(&self.root);
            return Err(JsValue::from_str("a fault happened earlier in this page"));
        }
        Ok(())
    }

    /// The frame on screen, if the video has one.
    fn presented_frame(&self) -> Option<PresentedFrame> {
        match &self.watcher {
            Some(w) => w.latest(),
            // Without requestVideoFrameCallback, currentTime is the best available guess.
            None => Some(self.video.current_time())
                .filter(|_| self.video.ready_state() >= 2)
                .map(PresentedFrame::at_media_time),
        }
    }

    /// This animation frame's share of the calibration's scan (a few
    /// offsets, each scored over the samples held).
    fn calibration_work(&mut self, now_ms: f64) {
        let store = self.store.borrow();
        self.calibration.work(now_ms, &mut |t| boxes_at(&store, t));
    }

    /// Samples a new presented frame while the calibration wants frames.
    fn sample_picture(&mut self, now_ms: f64, f: &FrameTime) {
        self.calibration.on_epoch(f.epoch);
        if self.sampled_at == Some(f.at) || !self.calibration.wants_frame(now_ms) {
            return;
        }
        self.sampled_at = Some(f.at);
        if let Some(luma) = self.sampler.as_mut().and_then(|s| s.sample(&self.video)) {
            self.calibration.push_frame(now_ms, f.at, luma);
        }
    }

    /// The primitives of the frame at `frame`'s time plus the clock offset
    /// applied, laid out on the screen; none without a picture on screen or
    /// a time for it.
    fn lay_out(&self, mapping: Option<ScreenMapping>, frame: Option<FrameTime>) -> Vec<Primitive> {
        let (Some(mapping), Some(t)) = (mapping, frame.map(|f| f.at)) else {
            return Vec::new();
        };
        let t = t.plus(self.calibration.applied_offset_us());
        let store = self.store.borrow();
        #[cfg(feature = "fault-injection")]
        if fault_guard::injection::take_in_borrow() {
            panic!("injected overlay fault inside the store's borrow (test only)");
        }
        let models = select_frame(&store, t, &self.params);
        layout_frame(&models, &mapping).primitives
    }

    /// Says on the root how this frame's wall time was found (a recording
    /// can mix methods). Written only when it changes, so not per frame.
    fn write_clock_method(&mut self, f: &FrameTime) -> Result<(), JsValue> {
        if self.clock_attr == Some((f.method, f.methods_disagree)) {
            return Ok(());
        }
        self.root.set_attribute("data-clock", f.method.as_attr())?;
        if f.methods_disagree {
            self.root.set_attribute("data-clock-note", "methods-disagree")?;
        } else {
            self.root.remove_attribute("data-clock-note")?;
        }
        self.clock_attr = Some((f.method, f.methods_disagree));
        Ok(())
    }

    /// Says on the root which clock offset is applied and whether the
    /// calibration is learning or resting; written only when it changes.
    fn write_calibration_attrs(&mut self, now_ms: f64) -> Result<(), JsValue> {
        let attrs = CalibrationAttrs {
            offset_us: self.calibration.applied().map(|_| self.calibration.applied_offset_us()),
            text: self.calibration.describe(),
            resting: self.calibration.is_resting(now_ms),
        };
        if self.calibration_attrs.as_ref() == Some(&attrs) {
            return Ok(());
        }
        match attrs.offset_us {
            Some(us) => self.root.set_attribute("data-clock-offset-us", &us.to_string())?,
            None => self.root.remove_attribute("data-clock-offset-us")?,
        }
        self.root.set_attribute("data-clock-offset", &attrs.text)?;
        self.root.set_attribute(
            "data-calibration",
            if attrs.resting { "resting" } else { "learning" },
        )?;
        self.calibration_attrs = Some(attrs);
        Ok(())
    }

    /// `data-calibration-ms`: the main-thread time the calibration has cost
    /// so far (ms, `performance.now()`'s resolution summed), at most once a
    /// second, on a frame that changed something.
    fn write_calibration_spent(&mut self, now_ms: f64) -> Result<(), JsValue> {
        if now_ms - self.calibration_spent_written_ms < SPENT_WRITE_EVERY_MS {
            return Ok(());
        }
        self.calibration_spent_written_ms = now_ms;
        self.root.set_attribute("data-calibration-ms", &format!("{:.1}", self.calibration_spent_ms))
    }

    /// Draws `primitives` with the renderer `kind` and clears the other one
    /// in the same frame on a switch, which `data-renderer` then names.
    fn draw(
        &mut self,
        kind: RendererKind,
        primitives: &[Primitive],
        size: CssSize,
        dpr: f64,
    ) -> Result<(), JsValue> {
        match kind {
            RendererKind::Dom => {
                self.pool.render(primitives)?;
                if let Some(canvas) = &mut self.canvas {
                    canvas.hide()?;
                }
            }
            RendererKind::Canvas => {
                if self.canvas.is_none() {
                    let document = self
                        .root
                        .owner_document()
                        .ok_or_else(|| JsValue::from_str("overlay root has no document"))?;
                    self.canvas = Some(CanvasRenderer::new(&document, &self.root)?);
                }
                if let Some(canvas) = &mut self.canvas {
                    canvas.render(primitives, size, dpr)?;
                }
                if self.drawn_with != Some(RendererKind::Canvas) {
                    self.pool.render(&[])?;
                }
            }
        }
        if self.drawn_with != Some(kind) {
            self.root.set_attribute("data-renderer", kind.as_attr())?;
        }
        Ok(())
    }

    /// The root's state (`ok`, `empty`), and the media time of the frame
    /// drawn and the wall time it was mapped to (microseconds), for tests
    /// and diagnostics. Like everything else they are written only when the
    /// picture changed: a static scene writes nothing.
    fn write_frame_attrs(
        &mut self,
        primitives: &[Primitive],
        media_time: Option<f64>,
        frame: Option<FrameTime>,
    ) -> Result<(), JsValue> {
        let state = if primitives.is_empty() { "empty" } else { "ok" };
        if self.state_attr != state {
            self.root.set_attribute(STATE_ATTR, state)?;
            self.state_attr = state;
        }
        let text = media_time.map(|t| format!("{t:.6}")).unwrap_or_default();
        self.root.set_attribute("data-media-time", &text)?;
        let wall = frame.map(|f| f.at.0.to_string()).unwrap_or_default();
        self.root.set_attribute("data-frame-time-us", &wall)?;
        Ok(())
    }

    /// The VAS time of a presented frame. Live frames are timed once each (the
    /// live clock learns from every frame) and their RTP and VAS times are
    /// written on the root for diagnosis and the live tests.
    fn time_frame(&mut self, f: &PresentedFrame) -> Result<Option<FrameTime>, JsValue> {
        if !self.clock.is_live() {
            return Ok(self.clock.frame_time(f, self.time_origin));
        }
        if let Some((n, t)) = self.timed {
            if n == f.presented_frames && n > 0 {
                return Ok(t);
            }
        }
        let t = self.clock.frame_time(f, self.time_origin);
        self.timed = Some((f.presented_frames, t));
        let rtp = f.rtp_timestamp.map(|r| r.to_string()).unwrap_or_default();
        self.root.set_attribute("data-rtp-timestamp", &rtp)?;
        let vas = t.map(|t| t.at.0.to_string()).unwrap_or_default();
        self.root.set_attribute("data-frame-time", &vas)?;
        Ok(t)
    }
}

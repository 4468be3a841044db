//! The overlay's screen measurements: the root's box, the video's box on it and the video's object-fit, measured only when they can have changed.
//!
//! Boxes are measured when a new frame is presented, and between frames
//! only after a resize of the root or the video: measuring costs two layout
//! queries, which were the largest fixed cost of an animation frame without
//! a new video frame. Object-fit is read from computed style only when the
//! video's size changes.

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlVideoElement, ResizeObserver};

use crate::core::draw::geometry::{CssRect, ObjectFit};

/// The measurements of one overlay root over one video.
pub struct ScreenMeasure {
    /// The root's and the video's boxes as last measured (video relative to root).
    boxes: Option<(CssRect, CssRect)>,
    /// The media time they were measured at.
    boxes_for: Option<f64>,
    /// Whether a resize of the root or the video was observed since.
    resized: Rc<Cell<bool>>,
    resize_observer: Option<(ResizeObserver, Closure<dyn FnMut()>)>,
    fit: ObjectFit,
    /// The video box size `fit` was read for.
    fit_for: (f64, f64),
}

impl ScreenMeasure {
    /// Starts observing resizes of `root` and `video`.
    pub fn new(root: &Element, video: &HtmlVideoElement) -> Result<Self, JsValue> {
        let resized = Rc::new(Cell::new(true));
        let flag = Rc::clone(&resized);
        let on_resize = Closure::<dyn FnMut()>::new(move || flag.set(true));
        let resize_observer = ResizeObserver::new(on_resize.as_ref().unchecked_ref())?;
        resize_observer.observe(root);
        resize_observer.observe(video);
        Ok(Self {
            boxes: None,
            boxes_for: None,
            resized,
            resize_observer: Some((resize_observer, on_resize)),
            fit: ObjectFit::Contain,
            fit_for: (f64::NAN, f64::NAN),
        })
    }

    /// The root's box and the video element's box relative to it, for the
    /// frame at `media_time`. Both are measured, so a root that does not
    /// exactly cover the video still lines up. They are measured again for
    /// every new presented frame and after any resize; an animation frame
    /// between video frames reuses them.
    pub fn boxes(
        &mut self,
        root: &Element,
        video: &HtmlVideoElement,
        media_time: Option<f64>,
    ) -> (CssRect, CssRect) {
        match self.boxes {
            Some(m) if !self.resized.get() && self.boxes_for == media_time => m,
            _ => {
                self.resized.set(false);
                let root = rect_of(root);
                let v = rect_of(video);
                let m = (
                    root,
                    CssRect { x: v.x - root.x, y: v.y - root.y, width: v.width, height: v.height },
                );
                self.boxes = Some(m);
                self.boxes_for = media_time;
                m
            }
        }
    }

    /// The video's object-fit, read again only when its box (`element`) changed size.
    pub fn object_fit(
        &mut self,
        video: &HtmlVideoElement,
        element: CssRect,
    ) -> Result<ObjectFit, JsValue> {
        if (element.width, element.height) != self.fit_for {
            let window = web_sys::window().ok_or_else(|| JsValue::from_str("no window"))?;
            if let Some(style) = window.get_computed_style(video)? {
                self.fit = ObjectFit::from_css(&style.get_property_value("object-fit")?);
            }
            self.fit_for = (element.width, element.height);
        }
        Ok(self.fit)
    }

    /// Stops observing resizes.
    pub fn stop(&mut self) {
        if let Some((observer, _)) = self.resize_observer.take() {
            observer.disconnect();
        }
    }
}

fn rect_of(el: &Element) -> CssRect {
    let r = el.get_bounding_client_rect();
    CssRect { x: r.left(), y: r.top(), width: r.width(), height: r.height() }
}

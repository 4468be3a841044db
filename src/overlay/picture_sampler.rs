//! Small grayscale copies of presented frames for the picture calibration: the video drawn into a detached canvas of the calibration's grid and read back.
//!
//! The canvas is never in the document and only reads the video element
//! (`drawImage`), so sampling cannot touch playback. It is a software canvas
//! (`willReadFrequently`), so the read-back does not wait on the GPU. A
//! video the page may not read (a cross-origin source taints the canvas)
//! gives no samples: the calibration then has no evidence and says so.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, Document, HtmlCanvasElement, HtmlVideoElement};

use crate::core::clock::picture_offset::luma_from_rgba;

pub struct PictureSampler {
    context: CanvasRenderingContext2d,
    width_cells: u32,
    height_cells: u32,
    luma: Vec<u8>,
}

impl PictureSampler {
    pub fn new(document: &Document, width_cells: u32, height_cells: u32) -> Result<Self, JsValue> {
        let canvas: HtmlCanvasElement = document.create_element("canvas")?.dyn_into()?;
        canvas.set_width(width_cells);
        canvas.set_height(height_cells);
        let options = js_sys::Object::new();
        js_sys::Reflect::set(&options, &"willReadFrequently".into(), &JsValue::TRUE)?;
        let context: CanvasRenderingContext2d = canvas
            .get_context_with_context_options("2d", &options)?
            .ok_or_else(|| JsValue::from_str("no 2d context for the picture sampler"))?
            .dyn_into()?;
        // Each cell averages the pixels it covers instead of picking a few.
        context.set_image_smoothing_enabled(true);
        js_sys::Reflect::set(&context, &"imageSmoothingQuality".into(), &"high".into())?;
        Ok(Self { context, width_cells, height_cells, luma: Vec::new() })
    }

    /// The frame on screen now as grid-sized luma, row-major; `None` when it
    /// cannot be read (no frame yet, a tainted canvas).
    pub fn sample(&mut self, video: &HtmlVideoElement) -> Option<&[u8]> {
        let (w, h) = (f64::from(self.width_cells), f64::from(self.height_cells));
        self.context
            .draw_image_with_html_video_element_and_dw_and_dh(video, 0.0, 0.0, w, h)
            .ok()?;
        let pixels = self.context.get_image_data(0.0, 0.0, w, h).ok()?.data();
        luma_from_rgba(&pixels, &mut self.luma);
        Some(&self.luma)
    }
}

//! The dense-scene renderer: a frame's primitives drawn on one canvas layer, following `core::draw::canvas_plan`.
//!
//! It draws the same primitive list as the DOM renderer. The canvas is the
//! overlay root's last child, so it sits above the DOM layers and falls under
//! the same fault guard (hiding the root hides it). Its backing store has
//! the device pixel ratio, and the primitives arrive snapped to device
//! pixels, so lines stay crisp. It draws only when the frame loop asks,
//! which is never for an unchanged frame. Canvas state (fonts, line widths,
//! colors) is set only when it changes: each setter parses its value. Label
//! texts and colors are kept as JavaScript strings from frame to frame, so a
//! frame hands numbers and cached strings to the canvas and converts no text.

use std::collections::HashMap;
use std::f64::consts::TAU;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    CanvasRenderingContext2d, CssStyleDeclaration, Document, Element, HtmlCanvasElement,
};

use crate::core::draw::canvas_plan::{
    CanvasPlan, BOX_OUTLINE_ALPHA, KEYPOINT_RIM_ALPHA, TRAIL_ALPHA, TRAIL_WIDTH_PX,
};
use crate::core::draw::color::Rgb;
use crate::core::draw::geometry::CssSize;
use crate::core::draw::primitive::{Primitive, CHIP_FONT_PX, CHIP_HEIGHT_PX, CHIP_PADDING_PX};

#[wasm_bindgen]
extern "C" {
    /// The 2D context seen through setters and a `fillText` that take strings already in JavaScript.
    #[wasm_bindgen(extends = CanvasRenderingContext2d)]
    type Context2d;
    #[wasm_bindgen(method, setter = fillStyle)]
    fn set_fill_style_value(this: &Context2d, value: &JsValue);
    #[wasm_bindgen(method, setter = strokeStyle)]
    fn set_stroke_style_value(this: &Context2d, value: &JsValue);
    #[wasm_bindgen(method, catch, js_name = fillText)]
    fn fill_text_value(this: &Context2d, text: &JsValue, x: f64, y: f64) -> Result<(), JsValue>;
}

/// Most label texts kept; past it the cache starts over (a scene's texts are few).
const MAX_CACHED_TEXTS: usize = 8192;

/// Colors and label texts as JavaScript strings, made once each.
#[derive(Default)]
struct JsStrings {
    colors: HashMap<Rgb, JsValue>,
    texts: HashMap<String, JsValue>,
}

impl JsStrings {
    fn color(&mut self, c: Rgb) -> &JsValue {
        self.colors.entry(c).or_insert_with(|| JsValue::from_str(&c.css()))
    }

    fn text(&mut self, t: &str) -> &JsValue {
        if !self.texts.contains_key(t) {
            if self.texts.len() >= MAX_CACHED_TEXTS {
                self.texts.clear();
            }
            self.texts.insert(t.to_owned(), JsValue::from_str(t));
        }
        &self.texts[t]
    }
}

/// The canvas layer of one overlay root.
pub struct CanvasRenderer {
    canvas: HtmlCanvasElement,
    style: CssStyleDeclaration,
    ctx: CanvasRenderingContext2d,
    plan: CanvasPlan,
    strings: JsStrings,
    /// The boxes' dark outline color, made once.
    outline: JsValue,
    /// CSS size and pixel ratio the backing store was made for.
    css_size: CssSize,
    dpr: f64,
    visible: bool,
}

/// Sets a color style only when it differs from the last one set (strings are parsed by the canvas).
struct Pen<'a> {
    ctx: &'a Context2d,
    strings: &'a mut JsStrings,
    stroke: Option<Rgb>,
    fill: Option<Rgb>,
    line_width: f64,
}

impl Pen<'_> {
    fn stroke(&mut self, c: Rgb) {
        if self.stroke != Some(c) {
            self.ctx.set_stroke_style_value(self.strings.color(c));
            self.stroke = Some(c);
        }
    }
    fn stroke_css(&mut self, css: &JsValue) {
        self.ctx.set_stroke_style_value(css);
        self.stroke = None;
    }
    fn fill(&mut self, c: Rgb) {
        if self.fill != Some(c) {
            self.ctx.set_fill_style_value(self.strings.color(c));
            self.fill = Some(c);
        }
    }
    fn line_width(&mut self, w: f64) {
        if self.line_width != w {
            self.ctx.set_line_width(w);
            self.line_width = w;
        }
    }
}

fn black(alpha: f64) -> JsValue {
    JsValue::from_str(&format!("rgba(0,0,0,{alpha})"))
}

impl CanvasRenderer {
    /// Adds a hidden canvas above everything else under `root`.
    pub fn new(document: &Document, root: &Element) -> Result<Self, JsValue> {
        let canvas: HtmlCanvasElement = document.create_element("canvas")?.dyn_into()?;
        canvas.set_attribute("data-layer", "canvas")?;
        canvas.set_attribute("style", "position:absolute;left:0;top:0;display:none")?;
        root.append_child(&canvas)?;
        let ctx: CanvasRenderingContext2d = canvas
            .get_context("2d")?
            .ok_or_else(|| JsValue::from_str("no 2d context"))?
            .dyn_into()?;
        let style = canvas.style();
        Ok(Self {
            canvas,
            style,
            ctx,
            plan: CanvasPlan::default(),
            strings: JsStrings::default(),
            outline: black(BOX_OUTLINE_ALPHA),
            css_size: CssSize::default(),
            dpr: 0.0,
            visible: false,
        })
    }

    /// Sizes the backing store to `css_size` at `dpr` (which also clears it).
    fn fit(&mut self, css_size: CssSize, dpr: f64) -> Result<(), JsValue> {
        if css_size == self.css_size && dpr == self.dpr {
            return Ok(());
        }
        self.canvas.set_width((css_size.width * dpr).ceil().max(1.0) as u32);
        self.canvas.set_height((css_size.height * dpr).ceil().max(1.0) as u32);
        self.style.set_property("width", &format!("{}px", css_size.width))?;
        self.style.set_property("height", &format!("{}px", css_size.height))?;
        self.css_size = css_size;
        self.dpr = dpr;
        Ok(())
    }

    fn set_visible(&mut self, visible: bool) -> Result<(), JsValue> {
        if self.visible != visible {
            self.style.set_property("display", if visible { "block" } else { "none" })?;
            self.visible = visible;
        }
        Ok(())
    }

    fn clear(&self) -> Result<(), JsValue> {
        self.ctx.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0)?;
        self.ctx.clear_rect(
            0.0,
            0.0,
            f64::from(self.canvas.width()),
            f64::from(self.canvas.height()),
        );
        Ok(())
    }

    /// Clears the canvas and hides it (the DOM renderer took over).
    pub fn hide(&mut self) -> Result<(), JsValue> {
        if self.visible {
            self.clear()?;
        }
        self.set_visible(false)
    }

    /// Shows exactly `primitives` on a root of `css_size` at device pixel ratio `dpr`.
    pub fn render(
        &mut self,
        primitives: &[Primitive],
        css_size: CssSize,
        dpr: f64,
    ) -> Result<(), JsValue> {
        self.fit(css_size, dpr)?;
        self.plan.rebuild(primitives, dpr);
        self.clear()?;
        let Self { ctx, plan, strings, outline, .. } = self;
        ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0)?;
        let mut pen = Pen {
            ctx: ctx.unchecked_ref::<Context2d>(),
            strings,
            stroke: None,
            fill: None,
            line_width: f64::NAN,
        };

        // Trails, under everything: one path per color.
        if !plan.trails.batches.is_empty() {
            ctx.set_line_join("round");
            ctx.set_global_alpha(TRAIL_ALPHA);
            pen.line_width(TRAIL_WIDTH_PX);
            for batch in &plan.trails.batches {
                ctx.begin_path();
                for &i in &batch.items {
                    if let Primitive::Polyline { points, .. } = &primitives[i] {
                        let mut pts = points.iter();
                        if let Some(first) = pts.next() {
                            ctx.move_to(first.x, first.y);
                        }
                        for p in pts {
                            ctx.line_to(p.x, p.y);
                        }
                    }
                }
                pen.stroke(batch.color);
                ctx.stroke();
            }
            ctx.set_global_alpha(1.0);
            ctx.set_line_join("miter");
        }

        // Boxes: every dark outline (one style, one width), then the borders
        // color by color. One `strokeRect` each, the canvas's fast path for
        // rectangles; each color string is handed over once per frame.
        pen.stroke_css(outline);
        for s in plan.boxes.iter().filter_map(|b| b.outline) {
            pen.line_width(s.width);
            ctx.stroke_rect(s.path.x, s.path.y, s.path.width, s.path.height);
        }
        for batch in &plan.box_colors.batches {
            pen.stroke(batch.color);
            for s in batch.items.iter().filter_map(|&i| plan.boxes[i].border) {
                pen.line_width(s.width);
                ctx.stroke_rect(s.path.x, s.path.y, s.path.width, s.path.height);
            }
        }

        // Keypoints: filled discs, one path per color, then one path of dark rims.
        if !plan.keypoints.batches.is_empty() {
            let r = primitives
                .iter()
                .find_map(|p| {
                    if let Primitive::Keypoint { radius, .. } = p {
                        Some(*radius)
                    } else {
                        None
                    }
                })
                .unwrap_or(3.0);
            for batch in &plan.keypoints.batches {
                ctx.begin_path();
                for c in &batch.items {
                    ctx.move_to(c.x + r, c.y);
                    ctx.arc(c.x, c.y, r, 0.0, TAU)?;
                }
                pen.fill(batch.color);
                ctx.fill();
            }
            ctx.begin_path();
            for c in plan.keypoints.batches.iter().flat_map(|b| &b.items) {
                ctx.move_to(c.x + r - 0.5, c.y);
                ctx.arc(c.x, c.y, r - 0.5, 0.0, TAU)?;
            }
            pen.line_width(1.0);
            pen.stroke_css(&black(KEYPOINT_RIM_ALPHA));
            ctx.stroke();
        }

        // Label chips on top, in order: background, then text (text only: a
        // label is model output, and fillText never parses markup).
        if !plan.labels.is_empty() {
            ctx.set_font(&format!("{CHIP_FONT_PX}px monospace"));
            ctx.set_text_baseline("middle");
        }
        for l in &plan.labels {
            let Primitive::Label { origin, size, text, background, foreground, .. } =
                &primitives[l.index]
            else {
                continue;
            };
            pen.fill(*background);
            ctx.fill_rect(origin.x, origin.y, size.width, size.height);
            pen.fill(*foreground);
            let (x, y) = (origin.x + CHIP_PADDING_PX, origin.y + CHIP_HEIGHT_PX / 2.0);
            if l.clip {
                // Rare: a chip narrowed to the visible picture cuts its text at its edge.
                ctx.save();
                ctx.begin_path();
                ctx.rect(origin.x, origin.y, size.width, size.height);
                ctx.clip();
                pen.ctx.fill_text_value(pen.strings.text(text), x, y)?;
                ctx.restore();
                pen.fill = None;
            } else {
                pen.ctx.fill_text_value(pen.strings.text(text), x, y)?;
            }
        }
        self.set_visible(true)
    }
}

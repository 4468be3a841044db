//! Pooled DOM elements for the primitives: created once, then only changed properties are written.
//!
//! Each primitive kind has its own layer and pool; the layers' order is the
//! stacking order (trails, boxes, keypoints, labels). Static styles are one
//! stylist class per kind; positions are written as inline `transform`s on
//! pooled elements, never as classes, and a slot whose primitive did not
//! change receives no write at all.
//!
//! Per-frame cost, as measured (`cargo xtask bench`, BENCHMARKS.md): the
//! elements are not promoted to layers of their own (`will-change` on every
//! box made Chromium layerize and commit one layer per box); a chip clips
//! its text only when it was narrowed (an `overflow` clip on every chip
//! cost a paint clip node each, a third of the frame at 100 boxes); values
//! are compared as numbers, handed over as numbers, and each slot keeps its
//! `CSSStyleDeclaration`, so a write is one call into the browser.

use std::fmt::Write as _;
use std::rc::Rc;

use stylist::{css, Style};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CssStyleDeclaration, Document, Element, HtmlElement, SvgElement};

use crate::core::color::Rgb;
use crate::core::primitive::{chip_clips_text, Primitive, PrimitiveTag, CHIP_FONT_PX, CHIP_HEIGHT_PX, CHIP_PADDING_PX};

const SVG_NS: &str = "http://www.w3.org/2000/svg";

/// What was last written to a slot, so unchanged properties are skipped.
#[derive(Default, PartialEq)]
struct Written {
    visible: bool,
    /// The translation, CSS px.
    at: Option<(f64, f64)>,
    size: (f64, f64),
    color: Option<Rgb>,
    text: String,
    /// The chip's text is cut at its edge (an ellipsis).
    clipped: bool,
    points: String,
    tag: Option<(Rc<str>, Rc<str>, Option<i64>)>,
}

struct Slot {
    el: Element,
    style: CssStyleDeclaration,
    written: Written,
}

/// The primitive kinds, each with its layer, declared in stacking order.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Polyline,
    Box,
    Keypoint,
    Label,
}

// Each kind's layer index (`Kind::layer`) is its position in the stacking order.
const _: () = {
    let mut i = 0;
    while i < Kind::STACKING.len() {
        assert!(Kind::STACKING[i] as usize == i);
        i += 1;
    }
};

struct Layer {
    kind: Kind,
    container: Element,
    slots: Vec<Slot>,
}

/// All pools of one overlay root.
pub struct ElementPool {
    document: Document,
    layers: Vec<Layer>,
    styles: PoolStyles,
    /// Reused to build trail point lists without allocating per write.
    buf: String,
}

fn style_of(el: &Element) -> Result<CssStyleDeclaration, JsValue> {
    if let Some(h) = el.dyn_ref::<HtmlElement>() {
        Ok(h.style())
    } else if let Some(s) = el.dyn_ref::<SvgElement>() {
        Ok(s.style())
    } else {
        Err(JsValue::from_str("a pooled element without a style"))
    }
}

// Per-frame style writes take numbers, and JavaScript turns them into CSS
// text: handing a Rust-formatted string to the browser costs a float
// formatting in wasm and a UTF-8 decode in JavaScript per write, the largest
// script cost of a moving frame as profiled.
#[wasm_bindgen(inline_js = r#"
export function set_translate(style, x, y) { style.transform = 'translate(' + x + 'px,' + y + 'px)'; }
export function set_width(style, v) { style.width = v + 'px'; }
export function set_height(style, v) { style.height = v + 'px'; }
"#)]
extern "C" {
    fn set_translate(style: &CssStyleDeclaration, x: f64, y: f64);
    fn set_width(style: &CssStyleDeclaration, v: f64);
    fn set_height(style: &CssStyleDeclaration, v: f64);
}

impl ElementPool {
    /// Creates the layers under `root`, which must be positioned (relative or absolute).
    pub fn new(document: &Document, root: &Element) -> Result<Self, JsValue> {
        let mut layers = Vec::new();
        for kind in Kind::STACKING {
            let container = if kind == Kind::Polyline {
                let svg = document.create_element_ns(Some(SVG_NS), "svg")?;
                svg.set_attribute("style", "position:absolute;left:0;top:0;width:100%;height:100%;overflow:visible")?;
                svg
            } else {
                let div = document.create_element("div")?;
                div.set_attribute("style", "position:absolute;left:0;top:0;width:0;height:0")?;
                div
            };
            container.set_attribute("data-layer", kind.name())?;
            root.append_child(&container)?;
            layers.push(Layer { kind, container, slots: Vec::new() });
        }
        Ok(Self { document: document.clone(), layers, styles: PoolStyles::new()?, buf: String::with_capacity(64) })
    }

    /// Shows exactly `primitives`, reusing elements and writing only differences.
    pub fn render(&mut self, primitives: &[Primitive]) -> Result<(), JsValue> {
        let mut used = [0usize; Kind::STACKING.len()];
        for p in primitives {
            let li = Kind::of(p).layer();
            let index = used[li];
            used[li] += 1;
            let layer = &mut self.layers[li];
            if index == layer.slots.len() {
                let el = create_slot(&self.document, layer.kind, &self.styles)?;
                layer.container.append_child(&el)?;
                let style = style_of(&el)?;
                layer.slots.push(Slot { el, style, written: Written::default() });
            }
            write_slot(&mut layer.slots[index], p, &mut self.buf)?;
        }
        for (layer, n) in self.layers.iter_mut().zip(used) {
            for slot in &mut layer.slots[n..] {
                if slot.written.visible {
                    slot.style.set_property("display", "none")?;
                    slot.written.visible = false;
                }
            }
        }
        Ok(())
    }
}

impl Kind {
    /// Every kind, bottom layer first: trails, boxes, keypoints, labels.
    const STACKING: [Kind; 4] = [Kind::Polyline, Kind::Box, Kind::Keypoint, Kind::Label];

    /// The kind that draws `p`. The match is exhaustive, so a new primitive
    /// cannot be left without a layer.
    fn of(p: &Primitive) -> Kind {
        match p {
            Primitive::Polyline { .. } => Kind::Polyline,
            Primitive::Box { .. } => Kind::Box,
            Primitive::Keypoint { .. } => Kind::Keypoint,
            Primitive::Label { .. } => Kind::Label,
        }
    }

    /// The index of its layer in the pool.
    fn layer(self) -> usize {
        self as usize
    }

    /// The `data-kind` of each element: the primitive it draws.
    fn primitive_name(self) -> &'static str {
        match self {
            Kind::Polyline => "polyline",
            Kind::Box => "box",
            Kind::Keypoint => "keypoint",
            Kind::Label => "label",
        }
    }

    /// The `data-layer` of the container.
    fn name(self) -> &'static str {
        match self {
            Kind::Polyline => "trails",
            Kind::Box => "boxes",
            Kind::Keypoint => "keypoints",
            Kind::Label => "labels",
        }
    }
}

/// The static styles of the pooled elements, one stylist class per kind.
///
/// Static declarations live in a stylesheet rather than inline: Chromium
/// then recomputes a moved element's style from a short inline list (its
/// transform, size and color), which measured up to a third less style
/// recalc with many boxes. Per-frame values stay inline.
struct PoolStyles {
    boxes: Style,
    keypoints: Style,
    labels: Style,
}

impl PoolStyles {
    fn new() -> Result<Self, JsValue> {
        let err = |e: stylist::Error| JsValue::from_str(&format!("overlay styles: {e}"));
        Ok(Self {
            boxes: Style::create(
                "vas-overlay-box",
                css!(
                    r#"position: absolute; left: 0; top: 0; box-sizing: border-box; border: 2px solid;
                    box-shadow: 0 0 0 1px rgba(0,0,0,.55), inset 0 0 0 1px rgba(0,0,0,.35);"#
                ),
            )
            .map_err(err)?,
            keypoints: Style::create(
                "vas-overlay-keypoint",
                css!(r#"position: absolute; left: 0; top: 0; box-sizing: border-box; border-radius: 50%; border: 1px solid rgba(0,0,0,.7);"#),
            )
            .map_err(err)?,
            // No overflow clip by default: a clip per chip costs a paint clip
            // node each; only a narrowed chip gets one (see write_slot).
            labels: Style::create(
                "vas-overlay-label",
                css!(
                    r#"position: absolute; left: 0; top: 0; box-sizing: border-box; height: ${h};
                    padding: ${pad}; font: ${font}; white-space: pre; unicode-bidi: isolate;"#,
                    h = format!("{CHIP_HEIGHT_PX}px"),
                    pad = format!("0 {CHIP_PADDING_PX}px"),
                    font = format!("{CHIP_FONT_PX}px/{CHIP_HEIGHT_PX}px monospace")
                ),
            )
            .map_err(err)?,
        })
    }
}

/// A new pooled element with its static styles.
fn create_slot(doc: &Document, kind: Kind, styles: &PoolStyles) -> Result<Element, JsValue> {
    let el = match kind {
        Kind::Polyline => {
            let line = doc.create_element_ns(Some(SVG_NS), "polyline")?;
            line.set_attribute("fill", "none")?;
            line.set_attribute("stroke-width", "2")?;
            line.set_attribute("stroke-opacity", "0.75")?;
            line.set_attribute("stroke-linejoin", "round")?;
            line
        }
        Kind::Box | Kind::Keypoint | Kind::Label => {
            let div = doc.create_element("div")?;
            let style = match kind {
                Kind::Box => &styles.boxes,
                Kind::Keypoint => &styles.keypoints,
                _ => &styles.labels,
            };
            div.set_attribute("class", style.get_class_name())?;
            div
        }
    };
    el.set_attribute("data-kind", kind.primitive_name())?;
    Ok(el)
}

fn write_tag(slot: &mut Slot, tag: &PrimitiveTag) -> Result<(), JsValue> {
    if slot.written.tag.as_ref().is_some_and(|(m, l, t)| *m == tag.model_id && *l == tag.label && *t == tag.track_id) {
        return Ok(());
    }
    slot.el.set_attribute("data-model", &tag.model_id)?;
    slot.el.set_attribute("data-label", &tag.label)?;
    slot.el.set_attribute("data-track", &tag.track_id.map(|t| t.to_string()).unwrap_or_default())?;
    slot.written.tag = Some((Rc::clone(&tag.model_id), Rc::clone(&tag.label), tag.track_id));
    Ok(())
}

fn write_transform(slot: &mut Slot, x: f64, y: f64) {
    if slot.written.at != Some((x, y)) {
        set_translate(&slot.style, x, y);
        slot.written.at = Some((x, y));
    }
}

fn write_size(slot: &mut Slot, w: f64, h: f64) {
    if slot.written.size.0 != w {
        set_width(&slot.style, w);
    }
    if slot.written.size.1 != h {
        set_height(&slot.style, h);
    }
    slot.written.size = (w, h);
}

fn write_color(slot: &mut Slot, prop: &str, color: Rgb) -> Result<(), JsValue> {
    if slot.written.color != Some(color) {
        if prop == "stroke" {
            slot.el.set_attribute("stroke", &color.css())?;
        } else {
            slot.style.set_property(prop, &color.css())?;
        }
        slot.written.color = Some(color);
    }
    Ok(())
}

fn write_slot(slot: &mut Slot, p: &Primitive, buf: &mut String) -> Result<(), JsValue> {
    if !slot.written.visible {
        slot.style.set_property("display", "block")?;
        slot.written.visible = true;
    }
    match p {
        Primitive::Box { rect, color, tag } => {
            write_transform(slot, rect.x, rect.y);
            write_size(slot, rect.width, rect.height);
            write_color(slot, "border-color", *color)?;
            write_tag(slot, tag)?;
        }
        Primitive::Keypoint { center, radius, color, tag } => {
            write_transform(slot, center.x - radius, center.y - radius);
            write_size(slot, radius * 2.0, radius * 2.0);
            write_color(slot, "background-color", *color)?;
            write_tag(slot, tag)?;
        }
        Primitive::Label { origin, size, text, background, foreground, tag } => {
            write_transform(slot, origin.x, origin.y);
            write_size(slot, size.width, size.height);
            if slot.written.color != Some(*background) {
                slot.style.set_property("background-color", &background.css())?;
                slot.style.set_property("color", &foreground.css())?;
                slot.written.color = Some(*background);
            }
            if slot.written.text != *text {
                // Text only, never markup: labels are untrusted model output.
                slot.el.set_text_content(Some(text));
                slot.written.text.clone_from(text);
            }
            let clip = chip_clips_text(text, *size);
            if slot.written.clipped != clip {
                slot.style.set_property("overflow", if clip { "hidden" } else { "visible" })?;
                slot.style.set_property("text-overflow", if clip { "ellipsis" } else { "clip" })?;
                slot.written.clipped = clip;
            }
            write_tag(slot, tag)?;
        }
        Primitive::Polyline { points, color, tag } => {
            buf.clear();
            for (i, p) in points.iter().enumerate() {
                if i > 0 {
                    buf.push(' ');
                }
                let _ = write!(buf, "{:.2},{:.2}", p.x, p.y);
            }
            if slot.written.points != *buf {
                slot.el.set_attribute("points", buf)?;
                slot.written.points.clone_from(buf);
            }
            write_color(slot, "stroke", *color)?;
            write_tag(slot, tag)?;
        }
    }
    Ok(())
}

//! Pooled DOM elements for the primitives: created once, then only changed properties are written.
//!
//! Each primitive kind has its own layer and pool; the layers' order is the
//! stacking order (trails, boxes, keypoints, labels). Positions are written
//! as inline `transform`s on pooled elements, never as classes, and a slot
//! whose primitive did not change receives no write at all.

use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, HtmlElement, SvgElement};

use crate::core::color::Rgb;
use crate::core::primitive::{Primitive, PrimitiveTag, CHIP_FONT_PX, CHIP_HEIGHT_PX, CHIP_PADDING_PX};

const SVG_NS: &str = "http://www.w3.org/2000/svg";

/// What was last written to a slot, so unchanged properties are skipped.
#[derive(Default, PartialEq)]
struct Written {
    visible: bool,
    transform: String,
    size: (f64, f64),
    color: Option<Rgb>,
    text: String,
    points: String,
    tag: Option<(String, String, String)>,
}

struct Slot {
    el: Element,
    written: Written,
}

/// The four primitive kinds, each with its layer.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Polyline,
    Box,
    Keypoint,
    Label,
}

struct Layer {
    kind: Kind,
    container: Element,
    slots: Vec<Slot>,
}

/// All pools of one overlay root.
pub struct ElementPool {
    document: Document,
    layers: Vec<Layer>,
    /// Elements created since the pool was made (for tests: zero after warm-up).
    pub created: usize,
}

fn set_style(el: &Element, prop: &str, value: &str) -> Result<(), JsValue> {
    if let Some(h) = el.dyn_ref::<HtmlElement>() {
        h.style().set_property(prop, value)
    } else if let Some(s) = el.dyn_ref::<SvgElement>() {
        s.style().set_property(prop, value)
    } else {
        Ok(())
    }
}

fn px(v: f64) -> String {
    // Three decimals keep device-pixel snapping exact at any common DPR.
    format!("{:.3}px", v)
}

impl ElementPool {
    /// Creates the layers under `root`, which must be positioned (relative or absolute).
    pub fn new(document: &Document, root: &Element) -> Result<Self, JsValue> {
        let mut layers = Vec::new();
        for kind in [Kind::Polyline, Kind::Box, Kind::Keypoint, Kind::Label] {
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
        Ok(Self { document: document.clone(), layers, created: 0 })
    }

    /// Shows exactly `primitives`, reusing elements and writing only differences.
    pub fn render(&mut self, primitives: &[Primitive]) -> Result<(), JsValue> {
        let mut used = [0usize; 4];
        for p in primitives {
            let li = match p {
                Primitive::Polyline { .. } => 0,
                Primitive::Box { .. } => 1,
                Primitive::Keypoint { .. } => 2,
                Primitive::Label { .. } => 3,
            };
            let index = used[li];
            used[li] += 1;
            let layer = &mut self.layers[li];
            if index == layer.slots.len() {
                let el = create_slot(&self.document, layer.kind)?;
                layer.container.append_child(&el)?;
                layer.slots.push(Slot { el, written: Written::default() });
                self.created += 1;
            }
            write_slot(&mut layer.slots[index], p)?;
        }
        for (layer, n) in self.layers.iter_mut().zip(used) {
            for slot in &mut layer.slots[n..] {
                if slot.written.visible {
                    set_style(&slot.el, "display", "none")?;
                    slot.written.visible = false;
                }
            }
        }
        Ok(())
    }

    /// Visible primitives per kind (for tests and debugging).
    pub fn visible_count(&self) -> usize {
        self.layers.iter().flat_map(|l| &l.slots).filter(|s| s.written.visible).count()
    }
}

impl Kind {
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

/// A new pooled element with its static styles (set once, inline, so the
/// overlay works without any stylesheet).
fn create_slot(doc: &Document, kind: Kind) -> Result<Element, JsValue> {
    let el = match kind {
        Kind::Polyline => {
            let line = doc.create_element_ns(Some(SVG_NS), "polyline")?;
            line.set_attribute("fill", "none")?;
            line.set_attribute("stroke-width", "2")?;
            line.set_attribute("stroke-opacity", "0.75")?;
            line.set_attribute("stroke-linejoin", "round")?;
            line
        }
        Kind::Box => {
            let div = doc.create_element("div")?;
            div.set_attribute(
                "style",
                "position:absolute;left:0;top:0;box-sizing:border-box;border:2px solid;\
                 box-shadow:0 0 0 1px rgba(0,0,0,.55),inset 0 0 0 1px rgba(0,0,0,.35);will-change:transform",
            )?;
            div
        }
        Kind::Keypoint => {
            let div = doc.create_element("div")?;
            div.set_attribute(
                "style",
                "position:absolute;left:0;top:0;box-sizing:border-box;border-radius:50%;border:1px solid rgba(0,0,0,.7)",
            )?;
            div
        }
        Kind::Label => {
            let div = doc.create_element("div")?;
            div.set_attribute(
                "style",
                &format!(
                    "position:absolute;left:0;top:0;box-sizing:border-box;height:{CHIP_HEIGHT_PX}px;\
                     padding:0 {CHIP_PADDING_PX}px;font:{CHIP_FONT_PX}px/{CHIP_HEIGHT_PX}px monospace;\
                     white-space:pre;overflow:hidden;text-overflow:ellipsis;unicode-bidi:isolate"
                ),
            )?;
            div
        }
    };
    el.set_attribute("data-kind", kind.primitive_name())?;
    Ok(el)
}

fn write_tag(slot: &mut Slot, tag: &PrimitiveTag) -> Result<(), JsValue> {
    let track = tag.track_id.map(|t| t.to_string()).unwrap_or_default();
    let next = (tag.model_id.to_string(), tag.label.to_string(), track);
    if slot.written.tag.as_ref() != Some(&next) {
        slot.el.set_attribute("data-model", &next.0)?;
        slot.el.set_attribute("data-label", &next.1)?;
        slot.el.set_attribute("data-track", &next.2)?;
        slot.written.tag = Some(next);
    }
    Ok(())
}

fn write_transform(slot: &mut Slot, x: f64, y: f64) -> Result<(), JsValue> {
    let t = format!("translate({},{})", px(x), px(y));
    if slot.written.transform != t {
        set_style(&slot.el, "transform", &t)?;
        slot.written.transform = t;
    }
    Ok(())
}

fn write_size(slot: &mut Slot, w: f64, h: f64) -> Result<(), JsValue> {
    if slot.written.size != (w, h) {
        set_style(&slot.el, "width", &px(w))?;
        set_style(&slot.el, "height", &px(h))?;
        slot.written.size = (w, h);
    }
    Ok(())
}

fn write_color(slot: &mut Slot, prop: &str, color: Rgb) -> Result<(), JsValue> {
    if slot.written.color != Some(color) {
        if prop == "stroke" {
            slot.el.set_attribute("stroke", &color.css())?;
        } else {
            set_style(&slot.el, prop, &color.css())?;
        }
        slot.written.color = Some(color);
    }
    Ok(())
}

fn write_slot(slot: &mut Slot, p: &Primitive) -> Result<(), JsValue> {
    if !slot.written.visible {
        set_style(&slot.el, "display", "block")?;
        slot.written.visible = true;
    }
    match p {
        Primitive::Box { rect, color, tag } => {
            write_transform(slot, rect.x, rect.y)?;
            write_size(slot, rect.width, rect.height)?;
            write_color(slot, "border-color", *color)?;
            write_tag(slot, tag)?;
        }
        Primitive::Keypoint { center, radius, color, tag } => {
            write_transform(slot, center.x - radius, center.y - radius)?;
            write_size(slot, radius * 2.0, radius * 2.0)?;
            write_color(slot, "background-color", *color)?;
            write_tag(slot, tag)?;
        }
        Primitive::Label { origin, size, text, background, foreground, tag } => {
            write_transform(slot, origin.x, origin.y)?;
            write_size(slot, size.width, size.height)?;
            if slot.written.color != Some(*background) {
                set_style(&slot.el, "background-color", &background.css())?;
                set_style(&slot.el, "color", &foreground.css())?;
                slot.written.color = Some(*background);
            }
            if slot.written.text != *text {
                // Text only, never markup: labels are untrusted model output.
                slot.el.set_text_content(Some(text));
                slot.written.text.clone_from(text);
            }
            write_tag(slot, tag)?;
        }
        Primitive::Polyline { points, color, tag } => {
            let mut s = String::with_capacity(points.len() * 16);
            for p in points {
                s.push_str(&format!("{:.2},{:.2} ", p.x, p.y));
            }
            if slot.written.points != s {
                slot.el.set_attribute("points", s.trim_end())?;
                slot.written.points = s;
            }
            write_color(slot, "stroke", *color)?;
            write_tag(slot, tag)?;
        }
    }
    Ok(())
}

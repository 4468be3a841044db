//! One pooled element of the DOM renderer and its diffed writes: a primitive's position, size, color, text and tags, each written only when it changed.
//!
//! Per-frame cost, as measured (`cargo xtask bench`, BENCHMARKS.md): a chip
//! clips its text only when it was narrowed (an `overflow` clip on every
//! chip cost a paint clip node each, a third of the frame at 100 boxes);
//! values are compared as numbers, handed over as numbers, and each slot
//! keeps its `CSSStyleDeclaration`, so a write is one call into the browser.

use std::fmt::Write as _;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{CssStyleDeclaration, Element, HtmlElement, SvgElement};

use crate::core::draw::color::Rgb;
use crate::core::draw::primitive::{chip_clips_text, Primitive, PrimitiveTag};

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

/// One pooled element, its style declaration (kept, so a write is one call
/// into the browser) and what it shows.
pub struct Slot {
    el: Element,
    style: CssStyleDeclaration,
    written: Written,
}

impl Slot {
    /// A slot for a new pooled element, shown nothing yet.
    pub fn new(el: Element) -> Result<Self, JsValue> {
        let style = style_of(&el)?;
        Ok(Self { el, style, written: Written::default() })
    }

    /// Shows `p`, writing only the properties that differ from what the
    /// element shows. `buf` is scratch space for a trail's point list.
    pub fn show(&mut self, p: &Primitive, buf: &mut String) -> Result<(), JsValue> {
        write_slot(self, p, buf)
    }

    /// Hides the element, if it is shown.
    pub fn hide(&mut self) -> Result<(), JsValue> {
        if self.written.visible {
            self.style.set_property("display", "none")?;
            self.written.visible = false;
        }
        Ok(())
    }
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

fn write_tag(slot: &mut Slot, tag: &PrimitiveTag) -> Result<(), JsValue> {
    if slot
        .written
        .tag
        .as_ref()
        .is_some_and(|(m, l, t)| *m == tag.model_id && *l == tag.label && *t == tag.track_id)
    {
        return Ok(());
    }
    slot.el.set_attribute("data-model", &tag.model_id)?;
    slot.el.set_attribute("data-label", &tag.label)?;
    slot.el
        .set_attribute("data-track", &tag.track_id.map(|t| t.to_string()).unwrap_or_default())?;
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

//! Pooled DOM elements for the primitives: created once, then only changed properties are written.
//!
//! Each primitive kind has its own layer and pool; the layers' order is the
//! stacking order (trails, boxes, keypoints, labels). Static styles are one
//! stylist class per kind; positions are written as inline `transform`s on
//! pooled elements, never as classes, and a slot whose primitive did not
//! change receives no write at all (`pool_slot.rs` writes one element).
//!
//! Per-frame cost, as measured (`cargo xtask bench`, BENCHMARKS.md): the
//! elements are not promoted to layers of their own (`will-change` on every
//! box made Chromium layerize and commit one layer per box).

use stylist::{css, Style};
use wasm_bindgen::prelude::*;
use web_sys::{Document, Element};

use super::pool_slot::Slot;
use crate::core::draw::primitive::{Primitive, CHIP_FONT_PX, CHIP_HEIGHT_PX, CHIP_PADDING_PX};

const SVG_NS: &str = "http://www.w3.org/2000/svg";

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

impl ElementPool {
    /// Creates the layers under `root`, which must be positioned (relative or absolute).
    pub fn new(document: &Document, root: &Element) -> Result<Self, JsValue> {
        let mut layers = Vec::new();
        for kind in Kind::STACKING {
            let container = if kind == Kind::Polyline {
                let svg = document.create_element_ns(Some(SVG_NS), "svg")?;
                svg.set_attribute(
                    "style",
                    "position:absolute;left:0;top:0;width:100%;height:100%;overflow:visible",
                )?;
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
        Ok(Self {
            document: document.clone(),
            layers,
            styles: PoolStyles::new()?,
            buf: String::with_capacity(64),
        })
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
                layer.slots.push(Slot::new(el)?);
            }
            layer.slots[index].show(p, &mut self.buf)?;
        }
        for (layer, n) in self.layers.iter_mut().zip(used) {
            for slot in &mut layer.slots[n..] {
                slot.hide()?;
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
            // node each; only a narrowed chip gets one (see `pool_slot.rs`).
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

//! How the canvas renderer draws a frame: each primitive's strokes and fills, in drawing order.
//!
//! The canvas must look like the DOM renderer, whose CSS is the reference: a
//! box is a 2 px border inside its rectangle (`box-sizing: border-box`) with
//! a dark ring on either side of it; a keypoint is a filled disc of radius 3
//! with a 1 px dark rim; a trail is a 2 px line at 75 % opacity; a label chip
//! (background, 4 px padding, 12 px monospace text) sits on top of all.
//!
//! What is batched follows measurement in Chromium's software canvas
//! (`cargo xtask bench --micro`, BENCHMARKS.md): one `strokeRect` per box is
//! about 6 times cheaper than one path of many rectangles per color, and
//! `fillText` (Skia keeps rasterized glyphs in its cache) is cheaper than
//! copying cached chip bitmaps, so boxes and labels are drawn one call each,
//! in order, which also keeps the DOM's stacking. Trails and keypoints are
//! paths anyway and go one path per color. A canvas stroke is centred on its
//! path, so each stroke runs along the middle of the pixels it must cover.

use std::collections::HashMap;

use super::color::Rgb;
use super::geometry::{CssPoint, CssRect};
use super::primitive::{chip_clips_text, Primitive};

/// Width of a box's colored border, CSS px.
pub const BOX_BORDER_PX: f64 = 2.0;
/// The dark outline: one 4 px stroke under the border, so 1 px of it shows
/// on either side (the DOM uses two shadows, 0.55 outside and 0.35 inside).
pub const BOX_OUTLINE_PX: f64 = 4.0;
pub const BOX_OUTLINE_ALPHA: f64 = 0.45;
/// Opacity of a keypoint's rim and of a trail.
pub const KEYPOINT_RIM_ALPHA: f64 = 0.7;
pub const TRAIL_ALPHA: f64 = 0.75;
pub const TRAIL_WIDTH_PX: f64 = 2.0;

/// Paths of one color.
#[derive(Debug, Clone, PartialEq)]
pub struct ColorBatch<T> {
    pub color: Rgb,
    pub items: Vec<T>,
}

/// Items grouped by color, groups in order of first appearance.
#[derive(Debug, Clone)]
pub struct ByColor<T> {
    pub batches: Vec<ColorBatch<T>>,
    index: HashMap<Rgb, usize>,
}

impl<T> Default for ByColor<T> {
    fn default() -> Self {
        Self { batches: Vec::new(), index: HashMap::new() }
    }
}

impl<T> ByColor<T> {
    fn clear(&mut self) {
        self.batches.clear();
        self.index.clear();
    }

    fn push(&mut self, color: Rgb, item: T) {
        let i = *self.index.entry(color).or_insert_with(|| {
            self.batches.push(ColorBatch { color, items: Vec::new() });
            self.batches.len() - 1
        });
        self.batches[i].items.push(item);
    }
}

/// The stroke of a rectangle: the path's rectangle (the middle of the
/// covered pixels) and the line width, CSS px.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RectStroke {
    pub path: CssRect,
    pub width: f64,
}

/// How one box is drawn: its outline, then its border (either may be too small to draw).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoxStrokes {
    pub color: Rgb,
    pub outline: Option<RectStroke>,
    pub border: Option<RectStroke>,
}

/// The strokes of a box rectangle `r`.
pub fn box_strokes(r: CssRect, color: Rgb) -> BoxStrokes {
    let stroke = |inset: f64, width: f64| {
        let path = CssRect { x: r.x + inset, y: r.y + inset, width: r.width - 2.0 * inset, height: r.height - 2.0 * inset };
        (path.width > 0.0 && path.height > 0.0).then_some(RectStroke { path, width })
    };
    // The border covers [x, x + 2]: its path runs 1 px in. The outline shares
    // that path, 4 px wide, covering [x - 1, x + 3].
    BoxStrokes { color, outline: stroke(BOX_BORDER_PX / 2.0, BOX_OUTLINE_PX), border: stroke(BOX_BORDER_PX / 2.0, BOX_BORDER_PX) }
}

/// A label chip to draw: its index in the primitive list, and whether its text needs a clip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LabelDraw {
    pub index: usize,
    pub clip: bool,
}

/// A frame's primitives as the canvas draws them.
#[derive(Debug, Clone, Default)]
pub struct CanvasPlan {
    /// Trails, one path of polylines per color (indices into the primitive list).
    pub trails: ByColor<usize>,
    /// Boxes, in order.
    pub boxes: Vec<BoxStrokes>,
    /// Keypoint centres, one path of discs per color.
    pub keypoints: ByColor<CssPoint>,
    /// Label chips, in order, drawn last.
    pub labels: Vec<LabelDraw>,
}

impl CanvasPlan {
    /// Rebuilds the plan for `primitives`, reusing its buffers.
    pub fn rebuild(&mut self, primitives: &[Primitive]) {
        self.trails.clear();
        self.boxes.clear();
        self.keypoints.clear();
        self.labels.clear();
        for (index, p) in primitives.iter().enumerate() {
            match p {
                Primitive::Polyline { color, points, .. } if points.len() >= 2 => self.trails.push(*color, index),
                Primitive::Polyline { .. } => {}
                Primitive::Box { rect, color, .. } => self.boxes.push(box_strokes(*rect, *color)),
                Primitive::Keypoint { center, color, .. } => self.keypoints.push(*color, *center),
                Primitive::Label { text, size, .. } => self.labels.push(LabelDraw { index, clip: chip_clips_text(text, *size) }),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::geometry::CssSize;
    use crate::core::primitive::PrimitiveTag;
    use std::rc::Rc;

    fn tag() -> PrimitiveTag {
        PrimitiveTag { model_id: Rc::from("m"), label: Rc::from("p"), track_id: None }
    }
    const RED: Rgb = Rgb { r: 255, g: 0, b: 0 };
    const BLUE: Rgb = Rgb { r: 0, g: 0, b: 255 };

    fn rect(x: f64, y: f64, width: f64, height: f64) -> CssRect {
        CssRect { x, y, width, height }
    }

    #[test]
    fn box_strokes_cover_the_pixels_of_the_css_box() {
        let s = box_strokes(rect(10.0, 20.0, 100.0, 50.0), RED);
        // A stroke of width w along x covers [x - w/2, x + w/2]: the border [10, 12], the outline [9, 13].
        assert_eq!(s.border, Some(RectStroke { path: rect(11.0, 21.0, 98.0, 48.0), width: 2.0 }));
        assert_eq!(s.outline, Some(RectStroke { path: rect(11.0, 21.0, 98.0, 48.0), width: 4.0 }));
        assert_eq!(s.color, RED);
        // Too thin for a stroked border: nothing to draw.
        let s = box_strokes(rect(0.0, 0.0, 2.0, 9.0), RED);
        assert_eq!((s.outline, s.border), (None, None));
    }

    #[test]
    fn boxes_and_labels_in_order_trails_and_keypoints_by_color() {
        let b = |x: f64, color| Primitive::Box { rect: rect(x, 0.0, 10.0, 10.0), color, tag: tag() };
        let label = |width: f64| Primitive::Label {
            origin: CssPoint { x: 0.0, y: 0.0 },
            size: CssSize { width, height: 16.0 },
            text: "p".into(),
            background: RED,
            foreground: Rgb::BLACK,
            tag: tag(),
        };
        let kp = |color| Primitive::Keypoint { center: CssPoint { x: 1.0, y: 1.0 }, radius: 3.0, color, tag: tag() };
        let line = |color, n| Primitive::Polyline { points: vec![CssPoint::default(); n], color, tag: tag() };
        let primitives =
            vec![line(RED, 2), line(RED, 1), line(BLUE, 3), b(0.0, BLUE), b(20.0, RED), b(40.0, BLUE), kp(RED), kp(RED), label(20.0), label(5.0)];
        let mut plan = CanvasPlan::default();
        plan.rebuild(&primitives);
        let colors: Vec<Rgb> = plan.boxes.iter().map(|b| b.color).collect();
        assert_eq!(colors, [BLUE, RED, BLUE]);
        assert_eq!(plan.boxes[2].border.unwrap().path.x, 41.0);
        // A one-point trail draws nothing; the rest group by color.
        let trails: Vec<(Rgb, Vec<usize>)> = plan.trails.batches.iter().map(|b| (b.color, b.items.clone())).collect();
        assert_eq!(trails, [(RED, vec![0]), (BLUE, vec![2])]);
        assert_eq!(plan.keypoints.batches.len(), 1);
        assert_eq!(plan.keypoints.batches[0].items.len(), 2);
        assert_eq!(plan.labels, [LabelDraw { index: 8, clip: false }, LabelDraw { index: 9, clip: true }]);
        // Rebuilding reuses the plan and forgets the previous frame.
        plan.rebuild(&primitives[3..4]);
        assert_eq!((plan.boxes.len(), plan.labels.len(), plan.trails.batches.len()), (1, 0, 0));
    }
}

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
//! copying cached chip bitmaps, so boxes and labels are drawn one call each.
//! Boxes go in two passes, every dark outline first (one style), then the
//! borders color by color, so a frame sets each color once; where boxes
//! overlap, a border is never hidden under a later box's outline. Labels go
//! in order, which keeps the DOM's stacking of overlapping chips. Trails and
//! keypoints are paths anyway and go one path per color. A canvas stroke is centred on its
//! path, so each stroke runs along the middle of the pixels it must cover.

use std::collections::HashMap;

use crate::core::draw::color::Rgb;
use crate::core::draw::geometry::{CssPoint, CssRect};
use crate::core::draw::primitive::{chip_clips_text, Primitive};

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
        let path = CssRect {
            x: r.x + inset,
            y: r.y + inset,
            width: r.width - 2.0 * inset,
            height: r.height - 2.0 * inset,
        };
        (path.width > 0.0 && path.height > 0.0).then_some(RectStroke { path, width })
    };
    // The border covers [x, x + 2]: its path runs 1 px in. The outline shares
    // that path, 4 px wide, covering [x - 1, x + 3].
    BoxStrokes {
        color,
        outline: stroke(BOX_BORDER_PX / 2.0, BOX_OUTLINE_PX),
        border: stroke(BOX_BORDER_PX / 2.0, BOX_BORDER_PX),
    }
}

/// A label chip to draw: its index in the primitive list, and whether its text needs a clip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LabelDraw {
    pub index: usize,
    pub clip: bool,
}

/// Where the chips drawn so far cover the picture: per row of pixels, the
/// covered spans, sorted and disjoint. Rows are one device pixel high, so
/// chips (snapped to device pixels) cover whole rows.
#[derive(Debug, Clone, Default)]
pub struct ChipCover {
    rows: Vec<Vec<(f64, f64)>>,
    top: f64,
    row: f64,
}

/// Tolerance for coordinates that are multiples of a device pixel.
const EPS: f64 = 1e-6;

impl ChipCover {
    /// Empties the cover for chips within `top..bottom`, rows `row` CSS px high.
    fn reset(&mut self, top: f64, bottom: f64, row: f64) {
        let n = ((bottom - top) / row + EPS).ceil().max(1.0) as usize;
        self.rows.iter_mut().for_each(Vec::clear);
        self.rows.resize_with(n, Vec::new);
        self.rows.truncate(n);
        (self.top, self.row) = (top, row);
    }

    /// Rows a rectangle touches, and rows it covers whole.
    fn rows_of(&self, r: &CssRect) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
        let (a, b) = ((r.y - self.top) / self.row, (r.bottom() - self.top) / self.row);
        let n = self.rows.len();
        let clamp = |v: f64| (v.max(0.0) as usize).min(n);
        (
            (clamp((a + EPS).floor())..clamp((b - EPS).ceil())),
            (clamp((a - EPS).ceil())..clamp((b + EPS).floor())),
        )
    }

    /// Whether `r` lies wholly under what was added so far.
    fn hides(&self, r: &CssRect) -> bool {
        let (touched, _) = self.rows_of(r);
        !touched.is_empty()
            && self.rows[touched].iter().all(|spans| {
                let i = spans.partition_point(|s| s.0 <= r.x + EPS);
                i > 0 && spans[i - 1].1 >= r.right() - EPS
            })
    }

    fn add(&mut self, r: &CssRect) {
        let (_, covered) = self.rows_of(r);
        for spans in &mut self.rows[covered] {
            let (mut x0, mut x1) = (r.x, r.right());
            // Merge with every span that overlaps or touches [x0, x1].
            let lo = spans.partition_point(|s| s.1 < x0 - EPS);
            let hi = spans.partition_point(|s| s.0 <= x1 + EPS);
            if lo < hi {
                x0 = x0.min(spans[lo].0);
                x1 = x1.max(spans[hi - 1].1);
            }
            spans.splice(lo..hi, [(x0, x1)]);
        }
    }
}

/// Which chips are hidden under chips drawn after them (on top), so that
/// drawing them would change no pixel: `hidden[i]` for `rects[i]`.
///
/// Chips are opaque rectangles. Walking from the top chip down, `cover`
/// records the pixel rows' spans covered by the chips above; a chip wholly
/// under them cannot show. `row_px` is one device pixel in CSS px. The test
/// never drops a visible chip; a chip that touches a row only in part (not
/// snapped to device pixels) is kept. In a dense frame more than half the
/// chips are hidden (5,000 chips cover a 1280x720 picture seven times over).
pub fn hidden_chips(rects: &[CssRect], row_px: f64, cover: &mut ChipCover, hidden: &mut Vec<bool>) {
    hidden.clear();
    hidden.resize(rects.len(), false);
    let top = rects.iter().map(|r| r.y).fold(f64::INFINITY, f64::min);
    let bottom = rects.iter().map(|r| r.bottom()).fold(f64::NEG_INFINITY, f64::max);
    if !(top.is_finite() && bottom.is_finite() && row_px > 0.0) {
        return;
    }
    cover.reset(top, bottom, row_px);
    for (i, r) in rects.iter().enumerate().rev() {
        if cover.hides(r) {
            hidden[i] = true;
        } else {
            cover.add(r);
        }
    }
}

/// A frame's primitives as the canvas draws them.
#[derive(Debug, Clone, Default)]
pub struct CanvasPlan {
    /// Trails, one path of polylines per color (indices into the primitive list).
    pub trails: ByColor<usize>,
    /// Boxes, in order.
    pub boxes: Vec<BoxStrokes>,
    /// The same boxes (indices into `boxes`) grouped by color, for the border pass.
    pub box_colors: ByColor<usize>,
    /// Keypoint centres, one path of discs per color.
    pub keypoints: ByColor<CssPoint>,
    /// Label chips, in order, drawn last; chips hidden under later chips are left out.
    pub labels: Vec<LabelDraw>,
    /// Chips left out because later chips hide them (for tests and figures).
    pub hidden_labels: usize,
    /// Buffers reused by `hidden_chips`.
    chip_rects: Vec<CssRect>,
    cover: ChipCover,
    chip_hidden: Vec<bool>,
}

impl CanvasPlan {
    /// Rebuilds the plan for `primitives` at device pixel ratio `dpr`, reusing its buffers.
    pub fn rebuild(&mut self, primitives: &[Primitive], dpr: f64) {
        self.trails.clear();
        self.boxes.clear();
        self.box_colors.clear();
        self.keypoints.clear();
        self.labels.clear();
        self.chip_rects.clear();
        for (index, p) in primitives.iter().enumerate() {
            match p {
                Primitive::Polyline { color, points, .. } if points.len() >= 2 => {
                    self.trails.push(*color, index)
                }
                Primitive::Polyline { .. } => {}
                Primitive::Box { rect, color, .. } => {
                    self.box_colors.push(*color, self.boxes.len());
                    self.boxes.push(box_strokes(*rect, *color));
                }
                Primitive::Keypoint { center, color, .. } => self.keypoints.push(*color, *center),
                Primitive::Label { text, size, origin, .. } => {
                    self.labels.push(LabelDraw { index, clip: chip_clips_text(text, *size) });
                    self.chip_rects.push(CssRect {
                        x: origin.x,
                        y: origin.y,
                        width: size.width,
                        height: size.height,
                    });
                }
            }
        }
        hidden_chips(&self.chip_rects, 1.0 / dpr, &mut self.cover, &mut self.chip_hidden);
        let before = self.labels.len();
        let hidden = &self.chip_hidden;
        let mut i = 0;
        self.labels.retain(|_| {
            i += 1;
            !hidden[i - 1]
        });
        self.hidden_labels = before - self.labels.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::draw::geometry::CssSize;
    use crate::core::draw::primitive::PrimitiveTag;
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
        let b =
            |x: f64, color| Primitive::Box { rect: rect(x, 0.0, 10.0, 10.0), color, tag: tag() };
        let label = |width: f64| Primitive::Label {
            origin: CssPoint { x: 0.0, y: 0.0 },
            size: CssSize { width, height: 16.0 },
            text: "p".into(),
            background: RED,
            foreground: Rgb::BLACK,
            tag: tag(),
        };
        let kp = |color| Primitive::Keypoint {
            center: CssPoint { x: 1.0, y: 1.0 },
            radius: 3.0,
            color,
            tag: tag(),
        };
        let line = |color, n| Primitive::Polyline {
            points: vec![CssPoint::default(); n],
            color,
            tag: tag(),
        };
        let primitives = vec![
            line(RED, 2),
            line(RED, 1),
            line(BLUE, 3),
            b(0.0, BLUE),
            b(20.0, RED),
            b(40.0, BLUE),
            kp(RED),
            kp(RED),
            label(20.0),
            label(5.0),
        ];
        let mut plan = CanvasPlan::default();
        plan.rebuild(&primitives, 1.0);
        let colors: Vec<Rgb> = plan.boxes.iter().map(|b| b.color).collect();
        assert_eq!(colors, [BLUE, RED, BLUE]);
        assert_eq!(plan.boxes[2].border.unwrap().path.x, 41.0);
        // The border pass goes color by color, boxes in order within a color.
        let by_color: Vec<(Rgb, Vec<usize>)> =
            plan.box_colors.batches.iter().map(|b| (b.color, b.items.clone())).collect();
        let mut want: Vec<(Rgb, Vec<usize>)> = Vec::new();
        for (i, c) in colors.iter().enumerate() {
            match want.iter_mut().find(|(w, _)| w == c) {
                Some((_, items)) => items.push(i),
                None => want.push((*c, vec![i])),
            }
        }
        assert_eq!(by_color, want);
        // A one-point trail draws nothing; the rest group by color.
        let trails: Vec<(Rgb, Vec<usize>)> =
            plan.trails.batches.iter().map(|b| (b.color, b.items.clone())).collect();
        assert_eq!(trails, [(RED, vec![0]), (BLUE, vec![2])]);
        assert_eq!(plan.keypoints.batches.len(), 1);
        assert_eq!(plan.keypoints.batches[0].items.len(), 2);
        // Chip 9 (5 px wide) lies on chip 8 (20 px), which it does not cover: both are drawn.
        assert_eq!(
            plan.labels,
            [LabelDraw { index: 8, clip: false }, LabelDraw { index: 9, clip: true }]
        );
        // Rebuilding reuses the plan and forgets the previous frame.
        plan.rebuild(&primitives[3..4], 1.0);
        assert_eq!((plan.boxes.len(), plan.labels.len(), plan.trails.batches.len()), (1, 0, 0));
    }

    fn hidden_of(rects: &[CssRect]) -> Vec<bool> {
        let (mut cover, mut hidden) = (ChipCover::default(), Vec::new());
        hidden_chips(rects, 0.5, &mut cover, &mut hidden);
        hidden
    }

    #[test]
    fn chips_under_later_chips_are_hidden_and_no_visible_chip_is() {
        let chip = |x: f64, y: f64| rect(x, y, 82.0, 16.0);
        // (chips in drawing order, which are hidden)
        let cases: Vec<(Vec<CssRect>, Vec<bool>)> = vec![
            (vec![], vec![]),
            (vec![chip(10.0, 10.0)], vec![false]),
            // The same place twice: the lower one is hidden.
            (vec![chip(0.0, 0.0), chip(0.0, 0.0)], vec![true, false]),
            (vec![chip(3.25, 5.5), chip(3.25, 5.5)], vec![true, false]),
            // Off the device-pixel grid (rows of 0.5 px from the top chip's y here): kept, though hidden.
            (vec![chip(3.0, 5.25), chip(3.0, 5.25), chip(500.0, 0.0)], vec![false, false, false]),
            // Shifted by a pixel: a sliver shows.
            (vec![chip(10.0, 10.0), chip(11.0, 10.0)], vec![false, false]),
            // Covered by two later chips side by side, which overlap.
            (
                vec![
                    rect(40.0, 8.0, 40.0, 16.0),
                    rect(0.0, 0.0, 64.0, 32.0),
                    rect(56.0, 0.0, 64.0, 32.0),
                ],
                vec![true, false, false],
            ),
            // A later chip under which it does not lie does not hide it.
            (vec![chip(0.0, 0.0), chip(0.0, 100.0)], vec![false, false]),
        ];
        for (rects, want) in cases {
            assert_eq!(hidden_of(&rects), want, "{rects:?}");
        }
    }

    #[test]
    fn a_dense_frame_hides_most_chips_and_only_covered_ones() {
        // 5,000 chips over a 1280x720 picture, pseudo-random.
        let mut seed = 12345u64;
        let mut next = move |m: f64| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) as f64 / (1u64 << 31) as f64 * m
        };
        let rects: Vec<CssRect> = (0..5000)
            .map(|_| {
                rect(next(1200.0).round(), next(700.0).round(), 60.0 + next(40.0).round(), 16.0)
            })
            .collect();
        let hidden = hidden_of(&rects);
        let n = hidden.iter().filter(|h| **h).count();
        // About seven layers deep, but a chip is only hidden where every pixel of it is.
        assert!(n > 2500, "only {n} of 5000 chips found hidden");
        // Every hidden chip: each of its pixels lies in some later chip.
        for (i, r) in rects.iter().enumerate().filter(|(i, _)| hidden[*i]).take(300) {
            let mut y = r.y + 0.5;
            while y < r.bottom() {
                let mut x = r.x + 0.5;
                while x < r.right() {
                    let under = rects[i + 1..]
                        .iter()
                        .any(|s| x > s.x && x < s.right() && y > s.y && y < s.bottom());
                    assert!(under, "chip {i} {r:?} is visible at ({x}, {y})");
                    x += 1.0;
                }
                y += 1.0;
            }
        }
    }
}

//! The overlay primitives (one enum) and the layout of a selected frame into them.

use std::collections::HashMap;
use std::rc::Rc;

use crate::core::draw::color::{color_for, Rgb};
use crate::core::draw::geometry::{CssPoint, CssRect, CssSize, ScreenMapping};
use crate::core::draw::selection::ModelFrame;
use crate::core::events::detection::Detection;

/// Most primitives laid out for one frame; the rest are dropped (and counted).
/// Room for 5,000 boxes with their label chips.
pub const MAX_PRIMITIVES_PER_FRAME: usize = 10_000;
/// Label chip metrics. The chip uses a monospace font of this size, so its
/// width follows from the character count without measuring text in the DOM.
pub const CHIP_FONT_PX: f64 = 12.0;
pub const CHIP_CHAR_ADVANCE_PX: f64 = 7.25;
pub const CHIP_HEIGHT_PX: f64 = 16.0;
pub const CHIP_PADDING_PX: f64 = 4.0;
/// Keypoint marker radius.
pub const KEYPOINT_RADIUS_PX: f64 = 3.0;

/// Which model, class and track a primitive belongs to (for `data-*` attributes and colors).
#[derive(Debug, Clone, PartialEq)]
pub struct PrimitiveTag {
    pub model_id: Rc<str>,
    pub label: Rc<str>,
    pub track_id: Option<i64>,
}

/// Everything the overlay can draw. Positions are CSS pixels relative to the
/// overlay root, already clipped and snapped.
#[derive(Debug, Clone, PartialEq)]
pub enum Primitive {
    /// A detection box outline.
    Box { rect: CssRect, color: Rgb, tag: PrimitiveTag },
    /// A label chip: class and confidence, as plain text.
    Label {
        origin: CssPoint,
        size: CssSize,
        text: String,
        background: Rgb,
        foreground: Rgb,
        tag: PrimitiveTag,
    },
    /// A keypoint marker centred on `center`.
    Keypoint { center: CssPoint, radius: f64, color: Rgb, tag: PrimitiveTag },
    /// A track's recent path.
    Polyline { points: Vec<CssPoint>, color: Rgb, tag: PrimitiveTag },
}

/// The primitives of one frame.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FrameLayout {
    pub primitives: Vec<Primitive>,
    /// Primitives dropped by the per-frame cap.
    pub dropped: usize,
}

/// The text of a label chip: class and confidence in percent.
pub fn chip_text(d: &Detection) -> String {
    match (d.label.is_empty(), d.confidence) {
        (false, Some(c)) => format!("{} {:.0}%", d.label, c * 100.0),
        (false, None) => d.label.clone(),
        (true, Some(c)) => format!("{:.0}%", c * 100.0),
        (true, None) => String::new(),
    }
}

/// The size of a chip for `text`, never wider than the visible picture.
pub fn chip_size(text: &str, mapping: &ScreenMapping) -> CssSize {
    // One pixel of slack, rounded up to a device pixel: a chip a hair too
    // narrow would ellipsize its last character.
    let w = text.chars().count() as f64 * CHIP_CHAR_ADVANCE_PX + 2.0 * CHIP_PADDING_PX + 1.0;
    let dpr = mapping.device_pixel_ratio;
    let w = (w * dpr).ceil() / dpr;
    CssSize { width: w.min(mapping.visible.width), height: CHIP_HEIGHT_PX }
}

/// Whether a chip's text is wider than its chip (the chip was narrowed to
/// the visible picture), so the text must be clipped to it. Only then do
/// renderers clip: a clip per chip costs the DOM a paint clip node each.
pub fn chip_clips_text(text: &str, size: CssSize) -> bool {
    text.chars().count() as f64 * CHIP_CHAR_ADVANCE_PX + 2.0 * CHIP_PADDING_PX > size.width
}

/// Lays out the selected detections of every model for one frame.
///
/// Order is the drawing order: trails, boxes, keypoints, then labels on top.
pub fn layout_frame(models: &[ModelFrame<'_>], mapping: &ScreenMapping) -> FrameLayout {
    let mut trails = Vec::new();
    let mut boxes = Vec::new();
    let mut points = Vec::new();
    let mut labels = Vec::new();
    for m in models {
        let model_id: Rc<str> = Rc::from(m.model_id);
        for d in &m.detections {
            let color = color_for(m.model_id, &d.label, d.track_id);
            let tag = PrimitiveTag {
                model_id: Rc::clone(&model_id),
                label: Rc::from(d.label.as_str()),
                track_id: d.track_id,
            };
            let rect = d.rect.and_then(|r| mapping.norm_to_css_rect(r));
            if let Some(rect) = rect {
                let text = chip_text(d);
                if !text.is_empty() {
                    let size = chip_size(&text, mapping);
                    let origin = mapping.place_label(rect, size);
                    labels.push(Primitive::Label {
                        origin,
                        size,
                        text,
                        background: color,
                        foreground: color.text_on(),
                        tag: tag.clone(),
                    });
                }
                boxes.push(Primitive::Box { rect, color, tag: tag.clone() });
            }
            for p in &d.keypoints {
                let c = mapping.norm_to_css_point(*p);
                let v = mapping.visible;
                if c.x >= v.x && c.x <= v.right() && c.y >= v.y && c.y <= v.bottom() {
                    let center = CssPoint { x: mapping.snap(c.x), y: mapping.snap(c.y) };
                    points.push(Primitive::Keypoint {
                        center,
                        radius: KEYPOINT_RADIUS_PX,
                        color,
                        tag: tag.clone(),
                    });
                }
            }
        }
        // A trail's class, looked up by track id (a scan per trail would be quadratic in dense frames).
        let labels_by_track: HashMap<i64, &str> = if m.trails.is_empty() {
            HashMap::new()
        } else {
            m.detections
                .iter()
                .rev()
                .filter_map(|d| Some((d.track_id?, d.label.as_str())))
                .collect()
        };
        for (track_id, path) in &m.trails {
            let label = labels_by_track.get(track_id).copied().unwrap_or("");
            let color = color_for(m.model_id, label, Some(*track_id));
            let points: Vec<CssPoint> =
                path.iter().map(|p| mapping.norm_to_css_point(*p)).collect();
            let tag = PrimitiveTag {
                model_id: Rc::clone(&model_id),
                label: Rc::from(label),
                track_id: Some(*track_id),
            };
            trails.push(Primitive::Polyline { points, color, tag });
        }
    }
    // Over the cap, the least informative kinds go first: trails, then
    // keypoints, then labels; boxes are kept longest. The drawing order stays.
    let total = trails.len() + boxes.len() + points.len() + labels.len();
    let mut budget = MAX_PRIMITIVES_PER_FRAME;
    for kind in [&mut boxes, &mut labels, &mut points, &mut trails] {
        kind.truncate(budget);
        budget -= kind.len();
    }
    let mut primitives = trails;
    primitives.extend(boxes);
    primitives.extend(points);
    primitives.extend(labels);
    FrameLayout { dropped: total - primitives.len(), primitives }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::draw::geometry::{ObjectFit, VideoPx};
    use crate::core::draw::selection::SelectionKind;
    use crate::core::events::detection::{NormPoint, NormRect};
    use crate::core::time::UnixMicros;

    fn mapping() -> ScreenMapping {
        let element = CssRect { x: 0.0, y: 0.0, width: 1280.0, height: 720.0 };
        ScreenMapping::new(
            element,
            VideoPx { width: 1280.0, height: 720.0 },
            ObjectFit::Contain,
            1.0,
        )
        .unwrap()
    }

    fn det(
        label: &str,
        conf: Option<f64>,
        rect: Option<[f64; 4]>,
        kps: &[(f64, f64)],
    ) -> Detection {
        Detection {
            rect: rect.map(|r| NormRect { x_min: r[0], y_min: r[1], x_max: r[2], y_max: r[3] }),
            label: label.into(),
            confidence: conf,
            track_id: Some(3),
            keypoints: kps.iter().map(|&(x, y)| NormPoint { x, y }).collect(),
        }
    }

    fn frame(dets: Vec<Detection>) -> ModelFrame<'static> {
        ModelFrame {
            model_id: "m",
            kind: SelectionKind::Exact,
            event_time: UnixMicros(0),
            detections: dets,
            trails: vec![],
        }
    }

    #[test]
    fn a_detection_becomes_box_keypoints_and_chip_in_drawing_order() {
        let f = frame(vec![det(
            "person",
            Some(0.914),
            Some([0.5, 0.5, 0.75, 1.0]),
            &[(0.6, 0.6), (0.7, 0.7)],
        )]);
        let layout = layout_frame(&[f], &mapping());
        let kinds: Vec<&str> = layout
            .primitives
            .iter()
            .map(|p| match p {
                Primitive::Box { .. } => "box",
                Primitive::Label { .. } => "label",
                Primitive::Keypoint { .. } => "kp",
                Primitive::Polyline { .. } => "line",
            })
            .collect();
        assert_eq!(kinds, ["box", "kp", "kp", "label"]);
        let Primitive::Box { rect, .. } = &layout.primitives[0] else { panic!() };
        assert_eq!(*rect, CssRect { x: 640.0, y: 360.0, width: 320.0, height: 360.0 });
        let Primitive::Label { text, origin, size, tag, .. } = &layout.primitives[3] else {
            panic!()
        };
        assert_eq!(text, "person 91%");
        assert_eq!(*origin, CssPoint { x: 640.0, y: 344.0 });
        assert_eq!(size.height, CHIP_HEIGHT_PX);
        // 10 characters at 7.25 px, 2 x 4 px padding, 1 px slack, rounded up: never ellipsized.
        assert_eq!(size.width, 82.0);
        assert_eq!((&*tag.model_id, &*tag.label, tag.track_id), ("m", "person", Some(3)));
    }

    #[test]
    fn chips_clip_only_when_narrowed() {
        // "person 91%": 10 characters, 72.5 px of text and 8 px of padding.
        let chip = |width| CssSize { width, height: CHIP_HEIGHT_PX };
        assert!(!chip_clips_text("person 91%", chip(82.0)));
        assert!(!chip_clips_text("person 91%", chip(80.5)));
        assert!(chip_clips_text("person 91%", chip(60.0)));
        // The width layout gives a chip never clips its own text.
        let m = mapping();
        for text in ["a", "person 91%", "a much longer class name 100%"] {
            assert!(!chip_clips_text(text, chip_size(text, &m)), "{text}");
        }
    }

    #[test]
    fn chip_texts() {
        let cases = [
            (det("car", Some(0.5), None, &[]), "car 50%"),
            (det("car", None, None, &[]), "car"),
            (det("", Some(0.07), None, &[]), "7%"),
            (det("", None, None, &[]), ""),
            (det("<b>x</b>", Some(1.0), None, &[]), "<b>x</b> 100%"),
        ];
        for (d, text) in cases {
            assert_eq!(chip_text(&d), text);
        }
    }

    #[test]
    fn keypoint_only_detection_and_the_cap() {
        let f = frame(vec![det("", None, None, &[(0.5, 0.5)])]);
        let l = layout_frame(&[f], &mapping());
        assert_eq!(l.primitives.len(), 1);
        assert!(matches!(
            l.primitives[0],
            Primitive::Keypoint { center: CssPoint { x: 640.0, y: 360.0 }, .. }
        ));
        // Over the cap, trails and keypoints go first, then labels; every box stays.
        let many: Vec<_> = (0..6000)
            .map(|i| det("x", None, Some([0.0, 0.0, 0.1 + i as f64 * 1e-5, 0.1]), &[(0.05, 0.05)]))
            .collect();
        let mut f = frame(many);
        f.trails = vec![(3, vec![NormPoint { x: 0.1, y: 0.1 }, NormPoint { x: 0.2, y: 0.2 }])];
        let l = layout_frame(&[f], &mapping());
        assert_eq!(l.primitives.len(), MAX_PRIMITIVES_PER_FRAME);
        assert_eq!(l.dropped, 6000 * 3 + 1 - MAX_PRIMITIVES_PER_FRAME);
        let count = |want: fn(&Primitive) -> bool| l.primitives.iter().filter(|p| want(p)).count();
        assert_eq!(count(|p| matches!(p, Primitive::Box { .. })), 6000);
        assert_eq!(
            count(|p| matches!(p, Primitive::Label { .. })),
            MAX_PRIMITIVES_PER_FRAME - 6000
        );
        assert_eq!(
            count(|p| matches!(p, Primitive::Keypoint { .. })
                || matches!(p, Primitive::Polyline { .. })),
            0
        );
    }
}

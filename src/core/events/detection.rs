//! The canonical `Detection` and one adapter per VAS payload shape (contract section 2).
//!
//! Every adapter turns model-specific JSON into detections in one coordinate
//! space: the analysed frame, normalized to 0..1, top-left origin, corner
//! form. Nothing here fails on data: unusable items are skipped and counted.

use std::collections::HashSet;

use serde_json::{Map, Value};

/// Longest label kept, in characters; longer model output is cut, never rejected.
pub const MAX_LABEL_CHARS: usize = 64;
/// Most detections taken from one event; the rest are skipped (and counted).
/// Dense scenes (crowds, parking lots) reach thousands; the overlay draws
/// them on its canvas layer.
pub const MAX_DETECTIONS_PER_EVENT: usize = 5_000;
/// Most keypoints kept per detection.
pub const MAX_KEYPOINTS: usize = 64;
/// VAS's analysis size, used for pixel payloads that do not state their frame size.
pub const DEFAULT_FRAME_PX: FramePx = FramePx { width: 1920.0, height: 1080.0 };
/// Above this, an unflagged coordinate is taken as pixels (contract section 2).
const PIXEL_THRESHOLD: f64 = 1.5;

/// A rectangle in analysed-frame coordinates normalized to 0..1 (corner form).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NormRect {
    pub x_min: f64,
    pub y_min: f64,
    pub x_max: f64,
    pub y_max: f64,
}

impl NormRect {
    /// Clips to the frame; `None` when nothing with area is left or a value is not finite.
    pub fn clipped_to_frame(self) -> Option<NormRect> {
        let vals = [self.x_min, self.y_min, self.x_max, self.y_max];
        if vals.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let r = NormRect {
            x_min: self.x_min.clamp(0.0, 1.0),
            y_min: self.y_min.clamp(0.0, 1.0),
            x_max: self.x_max.clamp(0.0, 1.0),
            y_max: self.y_max.clamp(0.0, 1.0),
        };
        (r.x_max > r.x_min && r.y_max > r.y_min).then_some(r)
    }

    /// Linear interpolation between two rectangles, `alpha` in 0..=1.
    pub fn lerp(self, to: NormRect, alpha: f64) -> NormRect {
        let l = |a: f64, b: f64| a + (b - a) * alpha;
        NormRect {
            x_min: l(self.x_min, to.x_min),
            y_min: l(self.y_min, to.y_min),
            x_max: l(self.x_max, to.x_max),
            y_max: l(self.y_max, to.y_max),
        }
    }
}

/// A point in normalized analysed-frame coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NormPoint {
    pub x: f64,
    pub y: f64,
}

/// The analysed frame's size in its own pixels (not the browser video's size).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FramePx {
    pub width: f64,
    pub height: f64,
}

impl FramePx {
    /// The frame size an event states in `event_metadata`, else VAS's default.
    pub fn from_metadata(meta: Option<&Value>) -> FramePx {
        let dim = |k: &str| {
            meta.and_then(|m| m.get(k))
                .and_then(Value::as_f64)
                .filter(|v| v.is_finite() && *v >= 1.0 && *v <= 100_000.0)
        };
        match (dim("frame_width"), dim("frame_height")) {
            (Some(width), Some(height)) => FramePx { width, height },
            _ => DEFAULT_FRAME_PX,
        }
    }
}

/// The one detection type every payload shape is normalized into.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// The box, already clipped to the frame. `None` for keypoint-only detections.
    pub rect: Option<NormRect>,
    pub label: String,
    /// 0..=1 when the model gave one.
    pub confidence: Option<f64>,
    pub track_id: Option<i64>,
    /// Visible keypoints only (a score of 0 marks an unseen point and is dropped).
    pub keypoints: Vec<NormPoint>,
}

/// The detections of one payload, with a count of items that could not be used.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Normalized {
    pub detections: Vec<Detection>,
    pub skipped: usize,
}

fn num(v: Option<&Value>) -> Option<f64> {
    v.and_then(Value::as_f64).filter(|f| f.is_finite())
}

fn first_num(obj: &Map<String, Value>, keys: &[&str]) -> Option<f64> {
    keys.iter().find_map(|k| num(obj.get(*k)))
}

/// Confidence in 0..=1; a value in (1, 100] is a percentage.
fn confidence_of(obj: &Map<String, Value>) -> Option<f64> {
    let c = first_num(obj, &["confidence", "conf", "score"])?;
    match c {
        c if (0.0..=1.0).contains(&c) => Some(c),
        c if c > 1.0 && c <= 100.0 => Some(c / 100.0),
        _ => None,
    }
}

fn label_of(obj: &Map<String, Value>) -> String {
    let text = ["class_name", "class", "label", "name"]
        .iter()
        .find_map(|k| obj.get(*k).and_then(Value::as_str).filter(|s| !s.trim().is_empty()))
        .map(str::to_owned)
        .or_else(|| obj.get("class_id").and_then(Value::as_i64).map(|id| format!("class {id}")))
        .unwrap_or_default();
    // Control characters would break a one-line chip; the cap bounds hostile output.
    text.chars().filter(|c| !c.is_control()).take(MAX_LABEL_CHARS).collect()
}

fn track_of(obj: &Map<String, Value>) -> Option<i64> {
    match obj.get("track_id")? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Whether coordinates are pixels: an explicit `normalized` flag wins, else
/// any coordinate above the threshold means pixels (contract section 2).
fn is_pixels(obj: &Map<String, Value>, coords: &[f64]) -> bool {
    match obj.get("normalized").and_then(Value::as_bool) {
        Some(flag) => !flag,
        None => coords.iter().any(|c| c.abs() > PIXEL_THRESHOLD),
    }
}

fn to_norm(coords: [f64; 4], pixels: bool, frame: FramePx) -> NormRect {
    let (sx, sy) = if pixels { (frame.width, frame.height) } else { (1.0, 1.0) };
    NormRect {
        x_min: coords[0] / sx,
        y_min: coords[1] / sy,
        x_max: coords[2] / sx,
        y_max: coords[3] / sy,
    }
}

/// Shapes A and B: `bbox` as corners `[x_min, y_min, x_max, y_max]`,
/// normalized (A) or in analysed-frame pixels (B). Never `[x, y, w, h]`.
fn corner_box(obj: &Map<String, Value>, frame: FramePx) -> Option<Option<(NormRect, bool)>> {
    let bbox = obj.get("bbox")?;
    let vals: Option<Vec<f64>> =
        bbox.as_array().map(|a| a.iter().map(|v| num(Some(v))).collect())?;
    let Some(v) = vals.filter(|v| v.len() == 4) else { return Some(None) };
    let coords = [v[0], v[1], v[2], v[3]];
    if coords[2] <= coords[0] || coords[3] <= coords[1] {
        return Some(None);
    }
    let pixels = is_pixels(obj, &coords);
    Some(to_norm(coords, pixels, frame).clipped_to_frame().map(|r| (r, pixels)))
}

/// Shape C: top-left `x`/`y` plus `w`/`h`, or `left`/`top`/`width`/`height`.
fn xywh_box(obj: &Map<String, Value>, frame: FramePx) -> Option<Option<(NormRect, bool)>> {
    let x = first_num(obj, &["x", "left"]);
    let y = first_num(obj, &["y", "top"]);
    let w = first_num(obj, &["w", "width"]);
    let h = first_num(obj, &["h", "height"]);
    if x.is_none() && y.is_none() && w.is_none() && h.is_none() {
        return None;
    }
    let (Some(x), Some(y), Some(w), Some(h)) = (x, y, w, h) else { return Some(None) };
    if w <= 0.0 || h <= 0.0 {
        return Some(None);
    }
    let coords = [x, y, x + w, y + h];
    let pixels = is_pixels(obj, &coords);
    Some(to_norm(coords, pixels, frame).clipped_to_frame().map(|r| (r, pixels)))
}

/// Keypoints as `[x, y]` / `[x, y, score]` (or `{x, y, score}`), in the same
/// units as the box; a point with score 0 is unseen and dropped.
fn keypoints_of(
    obj: &Map<String, Value>,
    box_pixels: Option<bool>,
    frame: FramePx,
) -> Vec<NormPoint> {
    let Some(list) = obj.get("keypoints").and_then(Value::as_array) else { return Vec::new() };
    let raw: Vec<(f64, f64)> = list
        .iter()
        .take(MAX_KEYPOINTS)
        .filter_map(|kp| {
            let (x, y, score) = match kp {
                Value::Array(a) => (num(a.first()), num(a.get(1)), num(a.get(2))),
                Value::Object(o) => (num(o.get("x")), num(o.get("y")), num(o.get("score"))),
                _ => return None,
            };
            if score.is_some_and(|s| s <= 0.0) {
                return None;
            }
            Some((x?, y?))
        })
        .collect();
    let pixels = box_pixels.unwrap_or_else(|| {
        let flat: Vec<f64> = raw.iter().flat_map(|&(x, y)| [x, y]).collect();
        is_pixels(obj, &flat)
    });
    let (sx, sy) = if pixels { (frame.width, frame.height) } else { (1.0, 1.0) };
    raw.into_iter()
        .map(|(x, y)| NormPoint { x: x / sx, y: y / sy })
        .filter(|p| (0.0..=1.0).contains(&p.x) && (0.0..=1.0).contains(&p.y))
        .collect()
}

/// One item of any recognised list, through the adapter of its shape.
fn adapt_item(item: &Value, frame: FramePx) -> Option<Detection> {
    let obj = item.as_object()?;
    let geometry = corner_box(obj, frame).or_else(|| xywh_box(obj, frame));
    let (rect, pixels) = match geometry {
        Some(Some((r, px))) => (Some(r), Some(px)),
        Some(None) => return None, // a box was given but is unusable: skip the item
        None => (None, None),
    };
    let keypoints = keypoints_of(obj, pixels, frame);
    if rect.is_none() && keypoints.is_empty() {
        return None;
    }
    Some(Detection {
        rect,
        label: label_of(obj),
        confidence: confidence_of(obj),
        track_id: track_of(obj),
        keypoints,
    })
}

/// The lists a payload may carry detections in, in the order they are read.
const LIST_KEYS: [&str; 3] = ["detections", "objects", "boxes"];

/// Normalizes one event's `detections` payload.
///
/// A payload may hold several recognised lists; a detection repeated in two
/// of them (same label, track and box) is kept once. Payloads without
/// geometry (shape D) yield nothing and are not errors.
pub fn normalize_payload(payload: &Value, metadata: Option<&Value>) -> Normalized {
    let frame = FramePx::from_metadata(metadata);
    let mut out = Normalized::default();
    let Some(root) = payload.as_object() else { return out };
    // Keys of the detections of the lists already read: a repeat is looked for
    // there only (hashed, so a dense payload stays linear). Identical items of
    // one list are separate detections and are all kept.
    let mut seen: HashSet<DedupeKey> = HashSet::new();
    for key in LIST_KEYS {
        let Some(list) = root.get(key).and_then(Value::as_array) else { continue };
        let mut this_list: Vec<DedupeKey> = Vec::new();
        for item in list {
            if out.detections.len() >= MAX_DETECTIONS_PER_EVENT {
                out.skipped += 1;
                continue;
            }
            match adapt_item(item, frame) {
                Some(d) => {
                    let k = dedupe_key(&d);
                    if !seen.contains(&k) {
                        this_list.push(k);
                        out.detections.push(d);
                    }
                }
                None => out.skipped += 1,
            }
        }
        seen.extend(this_list);
    }
    out
}

/// Identity of a detection for de-duplication across lists: label, track, and
/// geometry quantized to a millionth of the frame (well below a pixel).
type DedupeKey = (String, Option<i64>, Vec<i64>);

fn dedupe_key(d: &Detection) -> DedupeKey {
    let q = |v: f64| (v * 1e6).round() as i64;
    let mut geometry: Vec<i64> =
        d.rect.map_or_else(Vec::new, |r| vec![q(r.x_min), q(r.y_min), q(r.x_max), q(r.y_max)]);
    geometry.extend(d.keypoints.iter().flat_map(|p| [q(p.x), q(p.y)]));
    (d.label.clone(), d.track_id, geometry)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHAPES: &str = include_str!("../../../tests/fixtures/payload-shapes.json");

    /// The shared fixture table: every case must produce exactly its `expect` list.
    #[test]
    fn payload_shape_table_passes_in_full() {
        let table: Value = serde_json::from_str(SHAPES).unwrap();
        let cases = table["cases"].as_array().unwrap();
        assert!(cases.len() >= 13);
        for case in cases {
            let name = case["name"].as_str().unwrap();
            let meta = case.get("event_metadata").filter(|m| !m.is_null());
            let got = normalize_payload(&case["detections"], meta).detections;
            let expect = case["expect"].as_array().unwrap();
            assert_eq!(got.len(), expect.len(), "{name}: {got:?}");
            for (g, e) in got.iter().zip(expect) {
                let b: Vec<f64> =
                    e["box"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
                let r = g.rect.expect("a box");
                for (have, want) in [r.x_min, r.y_min, r.x_max, r.y_max].iter().zip(&b) {
                    assert!((have - want).abs() < 1e-9, "{name}: {r:?} vs {b:?}");
                }
                assert_eq!(g.label, e["label"].as_str().unwrap(), "{name}");
                let conf = e["confidence"].as_f64().unwrap();
                assert!((g.confidence.unwrap() - conf).abs() < 1e-9, "{name}");
                assert_eq!(g.track_id, e["track_id"].as_i64(), "{name}");
            }
        }
    }

    fn check(payload: &str, meta: Option<&str>, expect_rects: &[[f64; 4]], expect_skipped: usize) {
        let p: Value = serde_json::from_str(payload).unwrap();
        let m: Option<Value> = meta.map(|m| serde_json::from_str(m).unwrap());
        let got = normalize_payload(&p, m.as_ref());
        let rects: Vec<[f64; 4]> = got
            .detections
            .iter()
            .filter_map(|d| d.rect.map(|r| [r.x_min, r.y_min, r.x_max, r.y_max]))
            .collect();
        assert_eq!(rects.len(), expect_rects.len(), "{payload}: {rects:?}");
        for (g, e) in rects.iter().zip(expect_rects) {
            for (a, b) in g.iter().zip(e) {
                assert!((a - b).abs() < 1e-9, "{payload}: {g:?} vs {e:?}");
            }
        }
        assert_eq!(got.skipped, expect_skipped, "{payload}");
    }

    #[test]
    fn adapters_cover_edge_cases() {
        // The same detection in two lists is drawn once.
        check(
            r#"{"detections": [{"class_name": "p", "bbox": [0.1,0.1,0.2,0.2]}], "objects": [{"class": "p", "bbox": [0.1,0.1,0.2,0.2]}]}"#,
            None,
            &[[0.1, 0.1, 0.2, 0.2]],
            0,
        );
        // Within one list nothing is compared (that would be quadratic): the list is taken as it is.
        check(
            r#"{"detections": [{"class_name": "p", "bbox": [0.1,0.1,0.2,0.2]}, {"class_name": "p", "bbox": [0.1,0.1,0.2,0.2]}]}"#,
            None,
            &[[0.1, 0.1, 0.2, 0.2], [0.1, 0.1, 0.2, 0.2]],
            0,
        );
        // Different detections in two lists are both kept.
        check(
            r#"{"detections": [{"class_name": "p", "bbox": [0.1,0.1,0.2,0.2]}], "boxes": [{"label": "q", "x": 0.5, "y": 0.5, "w": 0.1, "h": 0.1}]}"#,
            None,
            &[[0.1, 0.1, 0.2, 0.2], [0.5, 0.5, 0.6, 0.6]],
            0,
        );
        // Normalized flag true forces normalized even for small pixel-looking values.
        check(
            r#"{"boxes": [{"x": 0.2, "y": 0.2, "w": 0.2, "h": 0.2, "normalized": true}]}"#,
            None,
            &[[0.2, 0.2, 0.4, 0.4]],
            0,
        );
        // Reversed corners, NaN-like strings, infinite numbers and zero size are skipped.
        check(
            r#"{"detections": [{"bbox": [0.5,0.5,0.1,0.1]}, {"bbox": [0.1, null, 0.2, 0.2]}, {"bbox": [1e300, 0, 1e301, 1]}, {"x": 1, "y": 1, "w": 0, "h": 5}]}"#,
            None,
            &[],
            4,
        );
        // Entirely outside the frame after scaling: skipped.
        check(r#"{"objects": [{"bbox": [2000, 100, 2100, 200]}]}"#, None, &[], 1);
        // Non-object payloads and lists of the wrong type draw nothing and fail nothing.
        check(r#"[1, 2, 3]"#, None, &[], 0);
        check(r#"{"detections": {"bbox": [0.1,0.1,0.2,0.2]}}"#, None, &[], 0);
        check(r#"null"#, None, &[], 0);
        // Frame size with nonsense values falls back to 1920x1080.
        check(
            r#"{"objects": [{"bbox": [192, 108, 384, 216]}]}"#,
            Some(r#"{"frame_width": -5, "frame_height": "x"}"#),
            &[[0.1, 0.1, 0.2, 0.2]],
            0,
        );
    }

    #[test]
    fn keypoints_follow_the_box_units_and_drop_unseen_points() {
        let p: Value = serde_json::from_str(
            r#"{"detections": [{"class_name": "person", "bbox": [96, 108, 480, 1080],
                "keypoints": [[192, 216, 0.9], [300, 300, 0], [960, 540], {"x": 96, "y": 108, "score": 1}, "junk", [5000, 1]]}]}"#,
        )
        .unwrap();
        let d = &normalize_payload(&p, None).detections[0];
        assert_eq!(
            d.keypoints,
            vec![
                NormPoint { x: 0.1, y: 0.2 },
                NormPoint { x: 0.5, y: 0.5 },
                NormPoint { x: 0.05, y: 0.1 }
            ]
        );
        // Keypoint-only detection (pose without a box) is kept.
        let p: Value =
            serde_json::from_str(r#"{"detections": [{"keypoints": [[0.5, 0.5, 1.0]]}]}"#).unwrap();
        let n = normalize_payload(&p, None);
        assert_eq!(n.detections.len(), 1);
        assert_eq!(n.detections[0].rect, None);
    }

    #[test]
    fn labels_confidence_and_tracks_are_sanitized() {
        let long = "x".repeat(500);
        let p: Value = serde_json::from_str(&format!(
            r#"{{"detections": [
                {{"class_name": "{long}", "bbox": [0.1,0.1,0.2,0.2], "confidence": 150, "track_id": "12"}},
                {{"class_id": 3, "bbox": [0.3,0.3,0.4,0.4], "conf": -1, "track_id": 1.5}},
                {{"label": "a\nb\u0000c", "bbox": [0.5,0.5,0.6,0.6], "score": 0.5, "track_id": [1]}}
            ]}}"#
        ))
        .unwrap();
        let d = normalize_payload(&p, None).detections;
        assert_eq!(d[0].label.chars().count(), MAX_LABEL_CHARS);
        assert_eq!(d[0].confidence, None);
        assert_eq!(d[0].track_id, Some(12));
        assert_eq!(d[1].label, "class 3");
        assert_eq!((d[1].confidence, d[1].track_id), (None, None));
        assert_eq!(d[2].label, "abc");
        assert_eq!(d[2].track_id, None);
    }

    #[test]
    fn huge_lists_are_capped() {
        let items: Vec<String> = (0..(MAX_DETECTIONS_PER_EVENT + 10))
            .map(|i| format!(r#"{{"bbox":[0.1,0.1,{},0.3]}}"#, 0.2 + i as f64 * 1e-4))
            .collect();
        let p: Value =
            serde_json::from_str(&format!(r#"{{"objects": [{}]}}"#, items.join(","))).unwrap();
        let n = normalize_payload(&p, None);
        assert_eq!(n.detections.len(), MAX_DETECTIONS_PER_EVENT);
        assert_eq!(n.skipped, 10);
    }
}

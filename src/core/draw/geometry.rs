//! Coordinate spaces: analysed-frame normalized coordinates to on-screen CSS pixels.
//!
//! Three spaces meet here. `NormRect`/`NormPoint` live in the analysed frame
//! (0..1). `CssRect`/`CssPoint` are CSS pixels relative to the overlay root,
//! which exactly covers the `<video>` element's box. Between them sits the
//! displayed content rectangle: where the browser actually paints the
//! picture inside the element, after `object-fit` (letterbox or crop).
//! The analysed frame is assumed to be the whole video picture (same aspect
//! ratio), which is how VAS analyses and encodes the same decoded frames.

use crate::core::events::detection::{NormPoint, NormRect};

/// A rectangle in CSS pixels relative to the overlay root.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CssRect {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

impl CssRect {
    pub fn right(&self) -> f64 {
        self.x + self.width
    }
    pub fn bottom(&self) -> f64 {
        self.y + self.height
    }
    fn is_usable(&self) -> bool {
        [self.x, self.y, self.width, self.height].iter().all(|v| v.is_finite())
            && self.width > 0.0
            && self.height > 0.0
    }
    /// The overlap of two rectangles, `None` when they do not overlap.
    pub fn intersect(&self, other: &CssRect) -> Option<CssRect> {
        let x = self.x.max(other.x);
        let y = self.y.max(other.y);
        let r = CssRect {
            x,
            y,
            width: self.right().min(other.right()) - x,
            height: self.bottom().min(other.bottom()) - y,
        };
        r.is_usable().then_some(r)
    }
}

/// A point in CSS pixels relative to the overlay root.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CssPoint {
    pub x: f64,
    pub y: f64,
}

/// A size in CSS pixels.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CssSize {
    pub width: f64,
    pub height: f64,
}

/// The video's intrinsic size in its own pixels (`videoWidth` x `videoHeight`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct VideoPx {
    pub width: f64,
    pub height: f64,
}

/// The `object-fit` of the `<video>` element. `object-position` is taken as
/// its default, centred.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ObjectFit {
    #[default]
    Contain,
    Cover,
    Fill,
    /// Intrinsic size, centred, cropped by the element.
    None,
    /// The smaller of `None` and `Contain`.
    ScaleDown,
}

impl ObjectFit {
    /// From the computed CSS value; anything unknown is the browser default for video (`contain`).
    pub fn from_css(value: &str) -> ObjectFit {
        match value.trim() {
            "cover" => ObjectFit::Cover,
            "fill" => ObjectFit::Fill,
            "none" => ObjectFit::None,
            "scale-down" => ObjectFit::ScaleDown,
            _ => ObjectFit::Contain,
        }
    }
}

/// Where the picture is painted: `element` is the video element's box (CSS px,
/// relative to the overlay root). The result may extend beyond the element
/// (cover, none); `None` while the video has no size yet.
pub fn content_rect(element: CssRect, video: VideoPx, fit: ObjectFit) -> Option<CssRect> {
    let video_ok = video.width > 0.0
        && video.height > 0.0
        && video.width.is_finite()
        && video.height.is_finite();
    if !element.is_usable() || !video_ok {
        return None;
    }
    let sx = element.width / video.width;
    let sy = element.height / video.height;
    let (w, h) = match fit {
        ObjectFit::Fill => (element.width, element.height),
        ObjectFit::Contain => (video.width * sx.min(sy), video.height * sx.min(sy)),
        ObjectFit::Cover => (video.width * sx.max(sy), video.height * sx.max(sy)),
        ObjectFit::None => (video.width, video.height),
        ObjectFit::ScaleDown => {
            let s = sx.min(sy).min(1.0);
            (video.width * s, video.height * s)
        }
    };
    Some(CssRect {
        x: element.x + (element.width - w) / 2.0,
        y: element.y + (element.height - h) / 2.0,
        width: w,
        height: h,
    })
}

/// Everything needed to place primitives for one frame on screen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScreenMapping {
    /// The displayed picture (may extend past the element with `cover`).
    pub content: CssRect,
    /// The part of the picture the user can see: content clipped to the element.
    pub visible: CssRect,
    /// `window.devicePixelRatio`, for snapping lines to device pixels.
    pub device_pixel_ratio: f64,
}

impl ScreenMapping {
    /// Builds the mapping from measurements; `None` while nothing is visible.
    pub fn new(
        element: CssRect,
        video: VideoPx,
        fit: ObjectFit,
        device_pixel_ratio: f64,
    ) -> Option<Self> {
        let content = content_rect(element, video, fit)?;
        let visible = content.intersect(&element)?;
        let dpr = if device_pixel_ratio.is_finite() && device_pixel_ratio > 0.0 {
            device_pixel_ratio
        } else {
            1.0
        };
        Some(Self { content, visible, device_pixel_ratio: dpr })
    }

    /// Snaps a CSS coordinate to the nearest device pixel, so 1-device-pixel
    /// lines stay crisp on HiDPI screens instead of smearing over two.
    pub fn snap(&self, v: f64) -> f64 {
        (v * self.device_pixel_ratio).round() / self.device_pixel_ratio
    }

    /// A normalized frame point in CSS pixels (unsnapped).
    pub fn norm_to_css_point(&self, p: NormPoint) -> CssPoint {
        CssPoint {
            x: self.content.x + p.x * self.content.width,
            y: self.content.y + p.y * self.content.height,
        }
    }

    /// A normalized frame rectangle on screen: clipped to the visible picture
    /// and snapped to device pixels. `None` if nothing of it is visible.
    pub fn norm_to_css_rect(&self, r: NormRect) -> Option<CssRect> {
        let a = self.norm_to_css_point(NormPoint { x: r.x_min, y: r.y_min });
        let b = self.norm_to_css_point(NormPoint { x: r.x_max, y: r.y_max });
        let clipped = CssRect { x: a.x, y: a.y, width: b.x - a.x, height: b.y - a.y }
            .intersect(&self.visible)?;
        let (x0, y0) = (self.snap(clipped.x), self.snap(clipped.y));
        let (x1, y1) = (self.snap(clipped.right()), self.snap(clipped.bottom()));
        let r = CssRect { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
        r.is_usable().then_some(r)
    }

    /// Where a label chip of `chip` size goes for a box: above its top-left
    /// corner; inside the box, below the top edge, when there is no room above
    /// within the picture; shifted left to stay within the right edge.
    pub fn place_label(&self, boxed: CssRect, chip: CssSize) -> CssPoint {
        let bounds = self.visible;
        let mut y = boxed.y - chip.height;
        if y < bounds.y {
            y = boxed.y;
        }
        let y = y.min(bounds.bottom() - chip.height).max(bounds.y);
        let x = boxed.x.min(bounds.right() - chip.width).max(bounds.x);
        CssPoint { x: self.snap(x), y: self.snap(y) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rect(x: f64, y: f64, width: f64, height: f64) -> CssRect {
        CssRect { x, y, width, height }
    }
    const HD: VideoPx = VideoPx { width: 1280.0, height: 720.0 };

    #[test]
    fn content_rect_table() {
        let cases = [
            // Wider element: pillarbox (bars left and right).
            (
                rect(0.0, 0.0, 1000.0, 360.0),
                ObjectFit::Contain,
                Some(rect(180.0, 0.0, 640.0, 360.0)),
            ),
            // Taller element: letterbox (bars top and bottom).
            (
                rect(0.0, 0.0, 640.0, 1000.0),
                ObjectFit::Contain,
                Some(rect(0.0, 320.0, 640.0, 360.0)),
            ),
            // Same aspect, offset element.
            (
                rect(10.0, 20.0, 640.0, 360.0),
                ObjectFit::Contain,
                Some(rect(10.0, 20.0, 640.0, 360.0)),
            ),
            // Cover overflows the taller side.
            (
                rect(0.0, 0.0, 640.0, 720.0),
                ObjectFit::Cover,
                Some(rect(-320.0, 0.0, 1280.0, 720.0)),
            ),
            (rect(0.0, 0.0, 500.0, 100.0), ObjectFit::Fill, Some(rect(0.0, 0.0, 500.0, 100.0))),
            (
                rect(0.0, 0.0, 640.0, 360.0),
                ObjectFit::None,
                Some(rect(-320.0, -180.0, 1280.0, 720.0)),
            ),
            (
                rect(0.0, 0.0, 2560.0, 1440.0),
                ObjectFit::ScaleDown,
                Some(rect(640.0, 360.0, 1280.0, 720.0)),
            ),
            (rect(0.0, 0.0, 0.0, 360.0), ObjectFit::Contain, None),
            (rect(0.0, 0.0, f64::NAN, 360.0), ObjectFit::Contain, None),
        ];
        for (element, fit, expect) in cases {
            assert_eq!(content_rect(element, HD, fit), expect, "{element:?} {fit:?}");
        }
        assert_eq!(
            content_rect(rect(0.0, 0.0, 10.0, 10.0), VideoPx::default(), ObjectFit::Contain),
            None
        );
    }

    #[test]
    fn boxes_map_through_letterbox_both_ways() {
        let norm = NormRect { x_min: 0.25, y_min: 0.5, x_max: 0.5, y_max: 1.0 };
        let wide =
            ScreenMapping::new(rect(0.0, 0.0, 1000.0, 360.0), HD, ObjectFit::Contain, 1.0).unwrap();
        assert_eq!(wide.norm_to_css_rect(norm), Some(rect(340.0, 180.0, 160.0, 180.0)));
        let tall =
            ScreenMapping::new(rect(0.0, 0.0, 640.0, 1000.0), HD, ObjectFit::Contain, 1.0).unwrap();
        assert_eq!(tall.norm_to_css_rect(norm), Some(rect(160.0, 500.0, 160.0, 180.0)));
    }

    #[test]
    fn cover_clips_to_the_element_and_hides_cropped_boxes() {
        let m =
            ScreenMapping::new(rect(0.0, 0.0, 640.0, 720.0), HD, ObjectFit::Cover, 1.0).unwrap();
        assert_eq!(m.visible, rect(0.0, 0.0, 640.0, 720.0));
        // Straddles the left crop edge: clipped, kept.
        let straddle = NormRect { x_min: 0.2, y_min: 0.0, x_max: 0.3, y_max: 0.5 };
        assert_eq!(m.norm_to_css_rect(straddle), Some(rect(0.0, 0.0, 64.0, 360.0)));
        // Entirely in the cropped-away part: nothing to draw.
        let hidden = NormRect { x_min: 0.0, y_min: 0.0, x_max: 0.2, y_max: 0.5 };
        assert_eq!(m.norm_to_css_rect(hidden), None);
    }

    #[test]
    fn snapping_lands_on_device_pixels() {
        let m = ScreenMapping::new(rect(0.0, 0.0, 333.0, 187.3125), HD, ObjectFit::Contain, 2.0)
            .unwrap();
        let r = m
            .norm_to_css_rect(NormRect { x_min: 0.1, y_min: 0.1, x_max: 0.7, y_max: 0.9 })
            .unwrap();
        for v in [r.x, r.y, r.right(), r.bottom()] {
            assert_eq!((v * 2.0).fract(), 0.0, "{v} is not on a device pixel");
        }
        // At DPR 1.5 snapped values are multiples of 2/3.
        let m =
            ScreenMapping::new(rect(0.0, 0.0, 640.0, 360.0), HD, ObjectFit::Contain, 1.5).unwrap();
        let v = m.snap(10.3);
        assert!(((v * 1.5).round() - v * 1.5).abs() < 1e-9);
        // A bogus DPR falls back to 1.
        let m = ScreenMapping::new(rect(0.0, 0.0, 640.0, 360.0), HD, ObjectFit::Contain, f64::NAN)
            .unwrap();
        assert_eq!(m.device_pixel_ratio, 1.0);
    }

    #[test]
    fn label_placement_table() {
        // Picture at (100, 50) size 640x360, DPR 1.
        let m = ScreenMapping::new(
            rect(0.0, 0.0, 840.0, 460.0),
            VideoPx { width: 640.0, height: 360.0 },
            ObjectFit::None,
            1.0,
        )
        .unwrap();
        assert_eq!(m.visible, rect(100.0, 50.0, 640.0, 360.0));
        let chip = CssSize { width: 80.0, height: 16.0 };
        let cases = [
            // Room above: chip sits on the box's top edge, outside it.
            (rect(200.0, 200.0, 50.0, 50.0), CssPoint { x: 200.0, y: 184.0 }),
            // Box touches the top of the picture: chip goes inside, below the top edge.
            (rect(200.0, 50.0, 50.0, 50.0), CssPoint { x: 200.0, y: 50.0 }),
            (rect(200.0, 60.0, 50.0, 50.0), CssPoint { x: 200.0, y: 60.0 }),
            // Near the right edge: shifted left so it ends at the edge.
            (rect(700.0, 200.0, 40.0, 50.0), CssPoint { x: 660.0, y: 184.0 }),
            // Top-right corner: both rules.
            (rect(730.0, 50.0, 10.0, 10.0), CssPoint { x: 660.0, y: 50.0 }),
        ];
        for (boxed, expect) in cases {
            assert_eq!(m.place_label(boxed, chip), expect, "{boxed:?}");
        }
    }

    #[test]
    fn object_fit_parses_css() {
        assert_eq!(ObjectFit::from_css("cover"), ObjectFit::Cover);
        assert_eq!(ObjectFit::from_css(" fill "), ObjectFit::Fill);
        assert_eq!(ObjectFit::from_css("scale-down"), ObjectFit::ScaleDown);
        assert_eq!(ObjectFit::from_css("inherit"), ObjectFit::Contain);
    }
}

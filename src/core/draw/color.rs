//! Stable colors: one per class, or per track when a track id exists, readable on any video.

use std::sync::OnceLock;

/// An sRGB color.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rgb {
    pub r: u8,
    pub g: u8,
    pub b: u8,
}

impl Rgb {
    pub const BLACK: Rgb = Rgb { r: 0, g: 0, b: 0 };
    pub const WHITE: Rgb = Rgb { r: 255, g: 255, b: 255 };

    /// CSS text, e.g. `rgb(12,34,56)`.
    pub fn css(self) -> String {
        format!("rgb({},{},{})", self.r, self.g, self.b)
    }

    /// WCAG relative luminance, 0 (black) to 1 (white).
    pub fn luminance(self) -> f64 {
        // The overlay asks for colors of every box on every frame it lays
        // out: a table of the 256 linearized channel values saves three `powf`.
        static LINEAR: OnceLock<[f64; 256]> = OnceLock::new();
        let lin = LINEAR.get_or_init(|| {
            std::array::from_fn(|i| {
                let c = i as f64 / 255.0;
                if c <= 0.039_28 {
                    c / 12.92
                } else {
                    ((c + 0.055) / 1.055).powf(2.4)
                }
            })
        });
        0.2126 * lin[usize::from(self.r)]
            + 0.7152 * lin[usize::from(self.g)]
            + 0.0722 * lin[usize::from(self.b)]
    }

    /// WCAG contrast ratio between two colors (1 to 21).
    pub fn contrast(self, other: Rgb) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }

    /// Black or white, whichever reads better on this color (for label text).
    pub fn text_on(self) -> Rgb {
        if self.contrast(Rgb::BLACK) >= self.contrast(Rgb::WHITE) {
            Rgb::BLACK
        } else {
            Rgb::WHITE
        }
    }
}

/// FNV-1a: stable across runs, platforms and builds (unlike `std`'s hasher).
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for b in *part {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        // Separator, so ("ab", "c") and ("a", "bc") differ.
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn hsl(h_deg: f64, s: f64, l: f64) -> Rgb {
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let hp = (h_deg.rem_euclid(360.0)) / 60.0;
    let x = c * (1.0 - (hp % 2.0 - 1.0).abs());
    let (r, g, b) = match hp as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = l - c / 2.0;
    let to8 = |v: f64| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    Rgb { r: to8(r), g: to8(g), b: to8(b) }
}

/// A near-black video background, the worst case for a dark color.
const NIGHT: Rgb = Rgb { r: 20, g: 20, b: 20 };

/// The color of a primitive: per track when it has one (so neighbouring
/// objects of one class stay apart), else per class label.
///
/// Hues vary; saturation and lightness are fixed in a band that is vivid on
/// dark video, and boxes also get a dark outline (see the overlay styles)
/// so they stay visible on bright video.
pub fn color_for(model_id: &str, label: &str, track_id: Option<i64>) -> Rgb {
    let h = match track_id {
        Some(id) => fnv1a(&[model_id.as_bytes(), &id.to_le_bytes()]),
        None => fnv1a(&[label.as_bytes()]),
    };
    // Golden-angle steps spread consecutive hashes around the wheel.
    let hue = (h % 1_000) as f64 * 137.507_764;
    let mut lightness = 0.55 + ((h >> 20) % 3) as f64 * 0.05;
    let mut c = hsl(hue, 0.85, lightness);
    // Deep blues and purples are too dark on night video at this lightness: lift them.
    while c.contrast(NIGHT) < 3.0 && lightness < 0.9 {
        lightness += 0.05;
        c = hsl(hue, 0.85, lightness);
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_and_distinct() {
        assert_eq!(color_for("m", "person", Some(7)), color_for("m", "person", Some(7)));
        assert_eq!(
            color_for("m", "car", None),
            color_for("other", "car", None),
            "per class across models"
        );
        let tracks: std::collections::HashSet<_> =
            (0..20).map(|i| color_for("m", "person", Some(i))).collect();
        assert!(tracks.len() >= 18, "track colors collide too often: {}", tracks.len());
    }

    #[test]
    fn readable_on_dark_and_bright_video_with_readable_text() {
        for i in 0..200 {
            let c = color_for("model", &format!("class{i}"), None);
            // Visible on near-black video by itself.
            assert!(c.contrast(NIGHT) >= 3.0, "{c:?} too dark");
            // Label text always reaches WCAG AA for large text.
            assert!(c.contrast(c.text_on()) >= 4.5, "{c:?} text contrast");
        }
    }

    #[test]
    fn css_text() {
        assert_eq!(Rgb { r: 1, g: 2, b: 3 }.css(), "rgb(1,2,3)");
        assert_eq!(Rgb::WHITE.text_on(), Rgb::BLACK);
        assert_eq!(Rgb::BLACK.text_on(), Rgb::WHITE);
    }
}

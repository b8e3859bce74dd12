//! Geometric figures: a generated five-class image set — circle, square, triangle, cross, stripes —
//! for watching a convnet learn in seconds.
//!
//! Each image is a filled figure of random size, position, rotation and colour on a background of
//! another random colour (their luminances differ by at least [`MIN_CONTRAST`], so every figure is
//! visible), drawn with 4×4 supersampling for anti-aliased edges, plus uniform per-pixel noise.
//! Classes are balanced — exactly `count/5` each when 5 divides `count`, otherwise differing by at
//! most one — and come in shuffled order, so any prefix is a fair sample and
//! [`Dataset::split`] gives a training and a validation set.
//!
//! The same seed gives bit-identical images on every platform: the only randomness is
//! [`crate::rng::Rng`]'s uniform stream, and the drawing uses only `+ − × ÷`, `sqrt` and `floor`
//! (all exactly rounded in IEEE arithmetic); even the rotation's sine and cosine come from a
//! polynomial here instead of the platform's maths library, whose last bits may differ.
//!
//! ```
//! use cnn_playground::data::{figures, FiguresConfig};
//! let config = FiguresConfig { count: 103, size: 16, seed: 7, ..Default::default() };
//! let a = figures(&config).unwrap();
//! assert_eq!(a, figures(&config).unwrap()); // deterministic
//! assert_eq!(a.class_counts(), vec![21, 21, 21, 20, 20]);
//! assert_eq!(a.class_names()[2], "triangle");
//! ```

use super::{normalise, Dataset};
use crate::error::{Error, Result};
use crate::i18n::Message;
use crate::rng::Rng;
use ndarray::{Array4, ArrayViewMut3, Axis};
use std::f64::consts::PI;

/// The five classes, in label order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figure {
    Circle,
    Square,
    Triangle,
    Cross,
    Stripes,
}

impl Figure {
    /// All figures; `Figure::ALL[label]` is the figure of that label.
    pub const ALL: [Figure; 5] = [
        Figure::Circle,
        Figure::Square,
        Figure::Triangle,
        Figure::Cross,
        Figure::Stripes,
    ];

    /// The class name shown to users.
    pub fn name(self) -> &'static str {
        match self {
            Figure::Circle => "circle",
            Figure::Square => "square",
            Figure::Triangle => "triangle",
            Figure::Cross => "cross",
            Figure::Stripes => "stripes",
        }
    }

    /// Whether the point `(u, v)`, in the figure's own frame (centred, unrotated, in units of its
    /// half-extent), is inside. Each figure fits in the unit disc, or nearly (square corners).
    fn contains(self, u: f64, v: f64) -> bool {
        match self {
            Figure::Circle => u * u + v * v <= 0.9 * 0.9,
            Figure::Square => u.abs() <= 0.8 && v.abs() <= 0.8,
            Figure::Triangle => {
                // Equilateral, circumradius 1, so inradius 0.5: inside all three edges,
                // whose outward normals point at −90°, 30° and 150°.
                let half_root3 = 3f64.sqrt() / 2.0;
                let r_in = 0.5;
                -v <= r_in && half_root3 * u + 0.5 * v <= r_in && -half_root3 * u + 0.5 * v <= r_in
            }
            Figure::Cross => {
                let (au, av) = (u.abs(), v.abs());
                (au <= 0.28 && av <= 0.95) || (av <= 0.28 && au <= 0.95)
            }
            Figure::Stripes => {
                // Five bands across a square; the 1st, 3rd and 5th are drawn.
                if u.abs() > 0.9 || v.abs() > 0.9 {
                    return false;
                }
                let band = ((v + 0.9) / (1.8 / 5.0)).floor() as i64;
                band % 2 == 0
            }
        }
    }
}

/// Smallest luminance difference between a figure and its background.
pub const MIN_CONTRAST: f64 = 0.3;
/// Subsamples per pixel along each axis (so 16 per pixel) for anti-aliasing.
const SUPERSAMPLE: usize = 4;
/// Smallest and largest image side the generator draws.
pub const SIZE_RANGE: (usize, usize) = (8, 128);

/// Settings of [`figures`].
#[derive(Debug, Clone, PartialEq)]
pub struct FiguresConfig {
    /// Number of examples `N`.
    pub count: usize,
    /// Image side in pixels: images are `3 × size × size`.
    pub size: usize,
    /// Fixes every image and the order.
    pub seed: u64,
    /// Per-pixel noise: each channel gets a uniform value in `[−noise, noise]` added to its
    /// intensity in `[0, 1]` (then clamped). 0 to 0.5.
    pub noise: f64,
}

impl Default for FiguresConfig {
    /// 1,000 images of 32×32, seed 0, noise 0.1.
    fn default() -> Self {
        FiguresConfig {
            count: 1000,
            size: 32,
            seed: 0,
            noise: 0.1,
        }
    }
}

/// `(sin θ, cos θ)` for `θ ∈ [−π, π]` by Taylor series (error below 1e-13), written out so that
/// the result is the same on every platform.
fn sin_cos(theta: f64) -> (f64, f64) {
    let x2 = theta * theta;
    let (mut sin, mut cos) = (0.0, 0.0);
    let (mut s_term, mut c_term) = (theta, 1.0);
    for k in 0..14 {
        sin += s_term;
        cos += c_term;
        let k = k as f64;
        s_term *= -x2 / ((2.0 * k + 2.0) * (2.0 * k + 3.0));
        c_term *= -x2 / ((2.0 * k + 1.0) * (2.0 * k + 2.0));
    }
    (sin, cos)
}

fn luminance(rgb: [f64; 3]) -> f64 {
    0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
}

fn random_colour(rng: &mut Rng) -> [f64; 3] {
    [rng.uniform(), rng.uniform(), rng.uniform()]
}

/// Draws one figure into `out` (`3 × size × size`), consuming a fixed pattern of `rng` draws.
fn draw(figure: Figure, out: &mut ArrayViewMut3<f32>, noise: f64, rng: &mut Rng) {
    let (_, size, _) = out.dim();
    let s = size as f64;
    let background = random_colour(rng);
    // Rejection sampling for a visible foreground; the fallback keeps the draw count bounded.
    let mut foreground = random_colour(rng);
    let mut tries = 1;
    while (luminance(foreground) - luminance(background)).abs() < MIN_CONTRAST && tries < 32 {
        foreground = random_colour(rng);
        tries += 1;
    }
    if (luminance(foreground) - luminance(background)).abs() < MIN_CONTRAST {
        foreground = if luminance(background) < 0.5 {
            [1.0; 3]
        } else {
            [0.0; 3]
        };
    }
    let radius = s * rng.uniform_range(0.22, 0.4);
    let margin = 0.75 * radius;
    let cx = rng.uniform_range(margin, s - margin);
    let cy = rng.uniform_range(margin, s - margin);
    let (sin, cos) = sin_cos(PI * (2.0 * rng.uniform() - 1.0));

    let placed = Placed {
        figure,
        cx,
        cy,
        radius,
        sin,
        cos,
    };
    for y in 0..size {
        for x in 0..size {
            let coverage = placed.coverage(x, y);
            for c in 0..3 {
                let p = background[c] + coverage * (foreground[c] - background[c]);
                let p = (p + noise * (2.0 * rng.uniform() - 1.0)).clamp(0.0, 1.0);
                out[[c, y, x]] = normalise(p as f32);
            }
        }
    }
}

/// A figure at its place in the image: centre `(cx, cy)` in pixels, half-extent `radius`, rotation
/// given by its sine and cosine.
struct Placed {
    figure: Figure,
    cx: f64,
    cy: f64,
    radius: f64,
    sin: f64,
    cos: f64,
}

impl Placed {
    /// The fraction of pixel `(x, y)` (the square `[x, x+1) × [y, y+1)`) the figure covers,
    /// estimated on a `SUPERSAMPLE × SUPERSAMPLE` grid.
    fn coverage(&self, x: usize, y: usize) -> f64 {
        // Every figure lies within 1.3 half-extents of its centre (the stripes' corners reach
        // 0.9·√2), so a pixel whose centre is farther than that plus half a pixel diagonal is all
        // background: skipping it saves most of the work and changes nothing.
        let (px, py) = (x as f64 + 0.5 - self.cx, y as f64 + 0.5 - self.cy);
        let reach = 1.3 * self.radius + 0.75;
        if px * px + py * py > reach * reach {
            return 0.0;
        }
        let step = 1.0 / SUPERSAMPLE as f64;
        let mut inside = 0usize;
        for sy in 0..SUPERSAMPLE {
            for sx in 0..SUPERSAMPLE {
                let dx = x as f64 + (sx as f64 + 0.5) * step - self.cx;
                let dy = y as f64 + (sy as f64 + 0.5) * step - self.cy;
                // Rotate the sample into the figure's frame and scale by its half-extent.
                let u = (dx * self.cos + dy * self.sin) / self.radius;
                let v = (-dx * self.sin + dy * self.cos) / self.radius;
                inside += self.figure.contains(u, v) as usize;
            }
        }
        inside as f64 / (SUPERSAMPLE * SUPERSAMPLE) as f64
    }
}

/// Errors unless `size` is in [`SIZE_RANGE`].
pub fn check_side(size: usize) -> Result<()> {
    let (lo, hi) = SIZE_RANGE;
    if size < lo || size > hi {
        return Err(Error::invalid(
            Message::new("layers.figures.side")
                .arg("lo", lo)
                .arg("hi", hi)
                .arg("size", size),
        ));
    }
    Ok(())
}

/// The figures dataset: `config.count` images `(N, 3, size, size)` normalised to `[−1, 1]`, labels
/// in `0..5` (see [`Figure::ALL`]), balanced and shuffled.
///
/// Errors: `count` is zero; `size` outside [`SIZE_RANGE`]; `noise` not in `[0, 0.5]`.
pub fn figures(config: &FiguresConfig) -> Result<Dataset> {
    let &FiguresConfig {
        count,
        size,
        seed,
        noise,
    } = config;
    if count == 0 {
        return Err(Error::Zero {
            what: Message::new("layers.figures.count"),
        });
    }
    check_side(size)?;
    if !(0.0..=0.5).contains(&noise) {
        return Err(Error::InvalidHyperparameter {
            name: "noise".into(),
            value: noise,
            reason: Message::new("layers.figures.noise"),
        });
    }
    // The images, the labels and the permutation they are drawn from.
    crate::budget::Tally::new(
        Message::new("layers.figures.dataset")
            .arg("count", count)
            .arg("size", size),
    )
    .add::<f32>(&[count, 3, size, size])
    .add::<usize>(&[2, count])
    .check()?;
    let mut rng = Rng::new(seed);
    let classes = Figure::ALL.len();
    let labels: Vec<usize> = rng
        .permutation(count)
        .into_iter()
        .map(|i| i % classes)
        .collect();
    let mut images = Array4::zeros((count, 3, size, size));
    for (mut image, &label) in images.axis_iter_mut(Axis(0)).zip(&labels) {
        draw(Figure::ALL[label], &mut image, noise, &mut rng);
    }
    let names = Figure::ALL.iter().map(|s| s.name().to_string()).collect();
    Dataset::new(images, labels, names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sin_cos_matches_the_library_closely() {
        for i in 0..=200 {
            let t = PI * (i as f64 / 100.0 - 1.0);
            let (s, c) = sin_cos(t);
            assert!(
                (s - t.sin()).abs() < 1e-12,
                "sin({t}) = {s}, expected {}",
                t.sin()
            );
            assert!(
                (c - t.cos()).abs() < 1e-12,
                "cos({t}) = {c}, expected {}",
                t.cos()
            );
        }
    }

    #[test]
    fn each_shape_covers_a_sensible_area_of_its_frame() {
        // Fraction of a fine grid over [−1, 1]² inside each figure, against its exact area / 4.
        let n = 400;
        let area = |figure: Figure| {
            let mut inside = 0;
            for i in 0..n {
                for j in 0..n {
                    let u = -1.0 + 2.0 * (i as f64 + 0.5) / n as f64;
                    let v = -1.0 + 2.0 * (j as f64 + 0.5) / n as f64;
                    inside += figure.contains(u, v) as usize;
                }
            }
            inside as f64 / (n * n) as f64
        };
        let root3 = 3f64.sqrt();
        let expected = [
            (Figure::Circle, PI * 0.81 / 4.0),
            (Figure::Square, 1.6 * 1.6 / 4.0),
            (Figure::Triangle, 3.0 * root3 * 0.5 * 0.5 / 4.0),
            (Figure::Cross, (2.0 * 0.56 * 1.9 - 0.56 * 0.56) / 4.0),
            (Figure::Stripes, 3.0 * 0.36 * 1.8 / 4.0),
        ];
        for (figure, want) in expected {
            let got = area(figure);
            assert!(
                (got - want).abs() < 0.01,
                "{figure:?}: area {got}, expected {want}"
            );
        }
    }
}

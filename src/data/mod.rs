//! The datasets the playground trains on: generated geometric [`figures()`], the handwritten digits (a file
//! that native builds embed, [`digits()`], and the page fetches and parses with
//! [`parse_digits_resized`]; see [`digits`](mod@digits)), and datasets of the user's own images
//! built from RGBA buffers with [`Dataset::from_rgba_examples`].
//!
//! A [`Dataset`] holds images `(N, C, H, W)` as `f32`, one label in `0..classes` per image, and
//! the class names.
//!
//! **Normalisation.** Every pixel intensity `p ∈ [0, 1]` (a byte over 255, or a digit's ink over
//! 16) is stored as `x = 2p − 1 ∈ [−1, 1]` ([`normalise`]): roughly zero-centred and of unit
//! scale, which is what a net with small random initial weights trains well on. The mapping is
//! fixed rather than fitted to the data (no mean image), so an image drawn for a prediction is
//! converted exactly like the training images, and [`Dataset::rgba`] can turn any example back
//! into displayable pixels.
//!
//! **Your own images.** [`rgba_to_example`] composites an RGBA buffer of any size over black,
//! resizes it to `H×W` by exact integer area averaging ([`resize_rgba`]) and, for a one-channel
//! dataset, takes its luminance. So a digit to predict should be drawn as light ink on a dark
//! background, like the digits themselves.
//!
//! ```
//! use cnn_playground::data::{figures, FiguresConfig};
//! let data = figures(&FiguresConfig { count: 50, size: 16, ..Default::default() }).unwrap();
//! assert_eq!(data.images().dim(), (50, 3, 16, 16));
//! assert_eq!(data.class_counts(), vec![10; 5]);
//! let (train, val) = data.split(40, 10).unwrap();
//! let mut x = ndarray::Array4::<f32>::zeros((0, 0, 0, 0));
//! let mut y = Vec::new();
//! train.gather_into(&[0, 5, 7], &mut x, &mut y).unwrap(); // a minibatch, reusing x and y
//! assert_eq!((x.dim(), y.len(), val.len()), ((3, 3, 16, 16), 3, 10));
//! ```

pub mod digits;
pub mod figures;

#[cfg(not(target_arch = "wasm32"))]
pub use digits::{digits, digits_resized};
pub use digits::{
    embedded_digits_file, parse_digits, parse_digits_resized, DIGITS_CLASSES, DIGITS_URL,
};
pub use figures::{figures, Figure, FiguresConfig};

use crate::budget::Tally;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::i18n::Message;
use crate::rng::Rng;
use ndarray::{s, Array3, Array4, ArrayView3, ArrayView4, Axis};

/// Fewest classes a dataset of the user's own may have.
pub const MIN_CLASSES: usize = 2;
/// Most classes a dataset of the user's own may have.
pub const MAX_CLASSES: usize = 10;
/// Largest width or height of an RGBA image the engine accepts (larger uploads should be scaled
/// down by the page first).
pub const MAX_IMAGE_SIDE: usize = 4096;
/// Largest height or width of a dataset's images.
pub const MAX_DATASET_SIDE: usize = 256;

/// Longest part of a user's text (a class name) that a message quotes.
const QUOTE_CHARS: usize = 40;

/// A user's text quoted for a message: whole when short, else its first 40 characters, an
/// ellipsis and the full length (`"aaaa…" (100000 characters)`), so a pasted novel is not echoed.
pub(crate) fn quoted(text: &str) -> String {
    let total = text.chars().count();
    if total <= QUOTE_CHARS {
        return format!("\"{text}\"");
    }
    let head: String = text.chars().take(QUOTE_CHARS).collect();
    format!("\"{head}…\" ({total} characters)")
}

/// Intensity `p ∈ [0, 1]` → the value training sees, `2p − 1 ∈ [−1, 1]`.
pub fn normalise(p: f32) -> f32 {
    2.0 * p - 1.0
}

/// The inverse of [`normalise`]: a training value back to an intensity in `[0, 1]` (clamped).
pub fn denormalise(x: f32) -> f32 {
    ((x + 1.0) * 0.5).clamp(0.0, 1.0)
}

/// A training value as a display byte `0..=255`.
fn display_byte(x: f32) -> u8 {
    (denormalise(x) * 255.0).round() as u8
}

/// An image as the browser gives it: `height` rows of `width` pixels, 4 bytes each (R, G, B, A),
/// not premultiplied (as `getImageData` returns it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RgbaImage {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
}

impl RgbaImage {
    /// Wraps `pixels` (`width · height · 4` bytes). Errors: a zero side, a side above
    /// [`MAX_IMAGE_SIDE`], or a buffer of the wrong length.
    pub fn new(width: usize, height: usize, pixels: Vec<u8>) -> Result<Self> {
        if width == 0 {
            return Err(Error::Zero {
                what: Message::new("layers.filters.image_width"),
            });
        }
        if height == 0 {
            return Err(Error::Zero {
                what: Message::new("layers.filters.image_height"),
            });
        }
        if width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE {
            return Err(Error::invalid(
                Message::new("layers.data.image_too_large")
                    .arg("height", height)
                    .arg("width", width)
                    .arg("max", MAX_IMAGE_SIDE),
            ));
        }
        let expected = width * height * 4;
        if pixels.len() != expected {
            return Err(Error::shape(
                Message::new("layers.data.rgba_pixels")
                    .arg("height", height)
                    .arg("width", width),
                format!("{expected} bytes ({height}·{width}·4)"),
                format!("{} bytes", pixels.len()),
            ));
        }
        Ok(RgbaImage {
            width,
            height,
            pixels,
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> usize {
        self.height
    }

    /// The RGBA bytes, row by row.
    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }
}

/// The images of one class of a dataset of the user's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassExamples {
    /// The name the user gave the class.
    pub name: String,
    /// Its images, of any sizes.
    pub images: Vec<RgbaImage>,
}

/// Per-axis weights of an area resize from `src` to `dst` pixels: for each output pixel, the
/// source pixels it overlaps and by how much, in units of `1/dst` of a source pixel. The weights of
/// one output pixel sum to `src`, so all the arithmetic is exact in integers.
fn area_weights(src: usize, dst: usize) -> Vec<Vec<(usize, u64)>> {
    (0..dst)
        .map(|o| {
            let (lo, hi) = (o * src, (o + 1) * src);
            let first = lo / dst;
            let last = hi.div_ceil(dst); // exclusive
            (first..last)
                .filter_map(|k| {
                    let overlap = hi.min((k + 1) * dst).saturating_sub(lo.max(k * dst));
                    (overlap > 0).then_some((k, overlap as u64))
                })
                .collect()
        })
        .collect()
}

/// Area-average resize of an interleaved `sh × sw × channels` byte image to `dh × dw`, rounding
/// half up. Every output pixel is the exact average of the source area it covers, so a constant
/// image stays exactly constant and an integer upscale repeats pixels.
fn area_resize(src: &[u8], channels: usize, sw: usize, sh: usize, dw: usize, dh: usize) -> Vec<u8> {
    debug_assert_eq!(src.len(), sw * sh * channels);
    let wx = area_weights(sw, dw);
    let wy = area_weights(sh, dh);
    let total = (sw * sh) as u64;
    let mut out = vec![0u8; dw * dh * channels];
    let mut acc = vec![0u64; channels];
    for (oy, ys) in wy.iter().enumerate() {
        for (ox, xs) in wx.iter().enumerate() {
            acc.iter_mut().for_each(|a| *a = 0);
            for &(sy, wy) in ys {
                for &(sx, wx) in xs {
                    let p = (sy * sw + sx) * channels;
                    for (a, &v) in acc.iter_mut().zip(&src[p..p + channels]) {
                        *a += wy * wx * v as u64;
                    }
                }
            }
            let o = (oy * dw + ox) * channels;
            for (dst, a) in out[o..o + channels].iter_mut().zip(&acc) {
                *dst = ((a + total / 2) / total) as u8;
            }
        }
    }
    out
}

/// Resizes an RGBA image to `width × height` by area averaging (each output pixel is the exact
/// average of the source area under it; all four channels alike). Works for shrinking and
/// enlarging; a constant image stays exactly constant.
///
/// ```
/// use cnn_playground::data::{resize_rgba, RgbaImage};
/// let grey = RgbaImage::new(3, 5, [90, 90, 90, 255].repeat(15)).unwrap();
/// let small = resize_rgba(&grey, 2, 2).unwrap();
/// assert_eq!(small.pixels(), [90, 90, 90, 255].repeat(4).as_slice());
/// ```
pub fn resize_rgba(image: &RgbaImage, width: usize, height: usize) -> Result<RgbaImage> {
    check_dataset_side(width, height)?;
    let pixels = area_resize(&image.pixels, 4, image.width, image.height, width, height);
    RgbaImage::new(width, height, pixels)
}

fn check_dataset_side(width: usize, height: usize) -> Result<()> {
    if width == 0 {
        return Err(Error::Zero {
            what: Message::new("layers.data.image_axis").nested("axis", Message::new("axis.width")),
        });
    }
    if height == 0 {
        return Err(Error::Zero {
            what: Message::new("layers.data.image_axis")
                .nested("axis", Message::new("axis.height")),
        });
    }
    if width > MAX_DATASET_SIDE || height > MAX_DATASET_SIDE {
        return Err(Error::invalid(
            Message::new("layers.data.dataset_too_large")
                .arg("height", height)
                .arg("width", width)
                .arg("max", MAX_DATASET_SIDE),
        ));
    }
    Ok(())
}

/// Converts an RGBA image of any size into one example of shape `(channels, height, width)`,
/// normalised like every dataset (see [`normalise`]).
///
/// The image is composited over black (a transparent canvas is black), resized by area averaging
/// ([`resize_rgba`]), and, when `channels` is 1, reduced to its luminance
/// `(299 R + 587 G + 114 B)/1000`. `channels` must be 1 or 3.
pub fn rgba_to_example(
    image: &RgbaImage,
    channels: usize,
    height: usize,
    width: usize,
) -> Result<Array3<f32>> {
    if channels != 1 && channels != 3 {
        return Err(Error::invalid(
            Message::new("layers.data.convert_channels").arg("channels", channels),
        ));
    }
    check_dataset_side(width, height)?;
    // Premultiply by alpha (compositing over black) before averaging, so that transparent pixels
    // whose RGB happens to be non-zero do not leak colour into their neighbours.
    let rgb: Vec<u8> = image
        .pixels
        .chunks_exact(4)
        .flat_map(|p| {
            let a = p[3] as u32;
            [0, 1, 2].map(|c| ((p[c] as u32 * a + 127) / 255) as u8)
        })
        .collect();
    let small = area_resize(&rgb, 3, image.width, image.height, width, height);
    let mut out = Array3::zeros((channels, height, width));
    for y in 0..height {
        for x in 0..width {
            let p = &small[(y * width + x) * 3..][..3];
            if channels == 3 {
                for c in 0..3 {
                    out[[c, y, x]] = normalise(p[c] as f32 / 255.0);
                }
            } else {
                let lum = 299 * p[0] as u32 + 587 * p[1] as u32 + 114 * p[2] as u32;
                out[[0, y, x]] = normalise(lum as f32 / 255_000.0);
            }
        }
    }
    Ok(out)
}

/// Labelled images `(N, C, H, W)`, normalised to `[−1, 1]` (see the module docs), with the name of
/// each class. Invariants, checked on construction: one label per image, each in
/// `0..class_names.len()`.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    images: Array4<f32>,
    labels: Vec<usize>,
    class_names: Vec<String>,
}

impl Dataset {
    /// A dataset from images `(N, C, H, W)`, `N` labels and the class names (at least one).
    ///
    /// Errors: `C`, `H` or `W` is zero; the label count is not `N`; a label is not below the
    /// number of classes.
    pub fn new(images: Array4<f32>, labels: Vec<usize>, class_names: Vec<String>) -> Result<Self> {
        DatasetView::new(images.view(), &labels, &class_names)?;
        Ok(Dataset {
            images,
            labels,
            class_names,
        })
    }

    /// The user's own images, one [`ClassExamples`] per class, as a dataset of
    /// `(channels, height, width)` images (`channels` 1 or 3), each converted by
    /// [`rgba_to_example`]. Examples keep the given order, class by class; call
    /// [`Dataset::shuffled`] before [`Dataset::split`].
    ///
    /// Errors: fewer than [`MIN_CLASSES`] or more than [`MAX_CLASSES`] classes; a class with an
    /// empty name, a name used twice (ignoring case and surrounding spaces) or no images; bad
    /// `channels`, `height` or `width`.
    pub fn from_rgba_examples(
        classes: &[ClassExamples],
        channels: usize,
        height: usize,
        width: usize,
    ) -> Result<Self> {
        if classes.len() < MIN_CLASSES || classes.len() > MAX_CLASSES {
            return Err(Error::invalid(
                Message::new("layers.data.classes")
                    .arg("min", MIN_CLASSES)
                    .arg("max", MAX_CLASSES)
                    .arg("got", classes.len()),
            ));
        }
        let mut names: Vec<String> = Vec::with_capacity(classes.len());
        for (i, class) in classes.iter().enumerate() {
            let name = class.name.trim();
            if name.is_empty() {
                return Err(Error::invalid(
                    Message::new("layers.data.no_name").arg("class", i + 1),
                ));
            }
            if let Some(j) = names
                .iter()
                .position(|n| n.to_lowercase() == name.to_lowercase())
            {
                return Err(Error::invalid(
                    Message::new("layers.data.same_name")
                        .arg("a", j + 1)
                        .arg("b", i + 1)
                        .arg("name", quoted(name)),
                ));
            }
            if class.images.is_empty() {
                return Err(Error::invalid(
                    Message::new("layers.data.no_images").arg("name", quoted(name)),
                ));
            }
            names.push(name.to_string());
        }
        let n: usize = classes.iter().map(|c| c.images.len()).sum();
        if channels != 1 && channels != 3 {
            return Err(Error::invalid(
                Message::new("layers.data.channels").arg("channels", channels),
            ));
        }
        check_dataset_side(width, height)?;
        Tally::new(
            Message::new("layers.data.yours")
                .arg("n", n)
                .arg("height", height)
                .arg("width", width)
                .arg("channels", channels),
        )
        .add::<f32>(&[n, channels, height, width])
        .add::<usize>(&[n])
        .check()?;
        let mut images = Array4::zeros((n, channels, height, width));
        let mut labels = Vec::with_capacity(n);
        let mut i = 0;
        for (label, class) in classes.iter().enumerate() {
            for image in &class.images {
                let example = rgba_to_example(image, channels, height, width)?;
                images.index_axis_mut(Axis(0), i).assign(&example);
                labels.push(label);
                i += 1;
            }
        }
        Dataset::new(images, labels, names)
    }

    /// Number of examples `N`.
    pub fn len(&self) -> usize {
        self.view().len()
    }

    /// Whether there are no examples.
    pub fn is_empty(&self) -> bool {
        self.view().is_empty()
    }

    /// Number of classes.
    pub fn num_classes(&self) -> usize {
        self.view().num_classes()
    }

    /// The shape `(C, H, W)` of one image.
    pub fn image_shape(&self) -> (usize, usize, usize) {
        self.view().image_shape()
    }

    /// All images, `(N, C, H, W)`, normalised to `[−1, 1]`.
    pub fn images(&self) -> &Array4<f32> {
        &self.images
    }

    /// The `N` labels, each in `0..num_classes()`.
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// The class names; label `k` is `class_names()[k]`.
    pub fn class_names(&self) -> &[String] {
        &self.class_names
    }

    /// How many examples each class has.
    pub fn class_counts(&self) -> Vec<usize> {
        self.view().class_counts()
    }

    fn check_index(&self, index: usize, position: usize) -> Result<()> {
        check_index(self.len(), index, position)
    }

    /// Example `i` as a `(C, H, W)` view.
    pub fn example(&self, i: usize) -> Result<ArrayView3<'_, f32>> {
        self.view().example(i)
    }

    /// Example `i` as displayable pixels: `H · W · 4` bytes, row by row, R G B A with A = 255.
    /// A three-channel image gives its colours, any other its first channel as grey.
    pub fn rgba(&self, i: usize) -> Result<Vec<u8>> {
        self.view().rgba(i)
    }

    /// The dataset borrowed as a [`DatasetView`].
    pub fn view(&self) -> DatasetView<'_> {
        DatasetView {
            images: self.images.view(),
            labels: &self.labels,
            class_names: &self.class_names,
        }
    }

    /// Images, labels and class names, taken apart without a copy.
    pub fn into_parts(self) -> (Array4<f32>, Vec<usize>, Vec<String>) {
        (self.images, self.labels, self.class_names)
    }

    /// [`Dataset::split`] that consumes the dataset: the training set keeps the first `n_train`
    /// images in place (no copy), only the validation set is copied out, so the two together
    /// never need more than the dataset plus its validation part.
    ///
    /// Errors as [`Dataset::split`].
    pub fn into_split(self, n_train: usize, n_val: usize) -> Result<(Dataset, Dataset)> {
        let needed = self.check_split(n_train, n_val)?;
        let val = self.part(n_train, needed);
        let (_, c, h, w) = self.images.dim();
        let per_image = c * h * w;
        let Dataset {
            images,
            mut labels,
            class_names,
        } = self;
        labels.truncate(n_train);
        let images = if images.is_standard_layout() {
            let (mut raw, offset) = images.into_raw_vec_and_offset();
            // A standard-layout array starts at `offset` of its buffer (0 unless sliced in place).
            raw.drain(..offset.unwrap_or(0).min(raw.len()));
            raw.truncate(n_train * per_image);
            // Shrinking reallocates in place with the usual allocators.
            raw.shrink_to_fit();
            Array4::from_shape_vec((n_train, c, h, w), raw)
                .map_err(|e| Error::invalid(Message::new("layers.data.split").arg("why", e)))?
        } else {
            images.slice(s![..n_train, .., .., ..]).to_owned()
        };
        let train = Dataset {
            images,
            labels,
            class_names,
        };
        Ok((train, val))
    }

    /// Errors unless `n_train ≥ 1` and `n_train + n_val ≤ N`; returns `n_train + n_val`.
    fn check_split(&self, n_train: usize, n_val: usize) -> Result<usize> {
        if n_train == 0 {
            return Err(Error::Zero {
                what: Message::new("layers.data.training_examples"),
            });
        }
        match n_train.checked_add(n_val) {
            Some(needed) if needed <= self.len() => Ok(needed),
            sum => Err(Error::invalid(
                Message::new("layers.data.too_few")
                    .arg("train", n_train)
                    .arg("val", n_val)
                    .arg("len", self.len())
                    .arg(
                        "needs",
                        sum.map_or_else(
                            || (n_train as u128 + n_val as u128).to_string(),
                            |s| s.to_string(),
                        ),
                    ),
            )),
        }
    }

    /// Examples `lo..hi` as a new dataset (a copy); the caller has checked the range.
    fn part(&self, lo: usize, hi: usize) -> Dataset {
        Dataset {
            images: self.images.slice(s![lo..hi, .., .., ..]).to_owned(),
            labels: self.labels[lo..hi].to_vec(),
            class_names: self.class_names.clone(),
        }
    }

    /// A new dataset of the examples at `indices`, in that order (repeats allowed).
    pub fn subset(&self, indices: &[usize]) -> Result<Dataset> {
        for (pos, &i) in indices.iter().enumerate() {
            self.check_index(i, pos)?;
        }
        let (c, h, w) = self.image_shape();
        crate::budget::check_named::<f32>(
            Message::new("layers.data.subset_images"),
            &[indices.len(), c, h, w],
        )?;
        Ok(Dataset {
            images: self.images.select(Axis(0), indices),
            labels: indices.iter().map(|&i| self.labels[i]).collect(),
            class_names: self.class_names.clone(),
        })
    }

    /// The first `n_train` examples as the training set and the next `n_val` as the validation
    /// set. The generated datasets come shuffled; shuffle others first ([`Dataset::shuffled`]).
    ///
    /// Errors: `n_train` is zero, or `n_train + n_val` exceeds `N`.
    pub fn split(&self, n_train: usize, n_val: usize) -> Result<(Dataset, Dataset)> {
        let needed = self.check_split(n_train, n_val)?;
        Ok((self.part(0, n_train), self.part(n_train, needed)))
    }

    /// The same examples in an order fixed by `seed`.
    pub fn shuffled(&self, seed: u64) -> Dataset {
        let order = Rng::new(seed).permutation(self.len());
        Dataset {
            images: self.images.select(Axis(0), &order),
            labels: order.iter().map(|&i| self.labels[i]).collect(),
            class_names: self.class_names.clone(),
        }
    }

    /// Gathers the examples at `indices` into a minibatch: `x` becomes `(B, C, H, W)` with
    /// `B = indices.len()`, `y` their labels. `x` and `y` are reused when `x` already has that
    /// shape, so a training loop allocates only when the batch size changes.
    ///
    /// Errors: `indices` is empty, or an index is out of range.
    pub fn gather_into<F: Float>(
        &self,
        indices: &[usize],
        x: &mut Array4<F>,
        y: &mut Vec<usize>,
    ) -> Result<()> {
        if indices.is_empty() {
            return Err(Error::EmptyBatch {
                context: Message::new("layers.data.minibatch"),
            });
        }
        for (pos, &i) in indices.iter().enumerate() {
            self.check_index(i, pos)?;
        }
        let (c, h, w) = self.image_shape();
        let shape = (indices.len(), c, h, w);
        crate::budget::check_named::<F>(
            Message::new("layers.data.the_minibatch"),
            &[indices.len(), c, h, w],
        )?;
        if x.dim() != shape {
            *x = Array4::zeros(shape);
        }
        for (mut dst, &i) in x.outer_iter_mut().zip(indices) {
            dst.zip_mut_with(&self.images.index_axis(Axis(0), i), |d, &s| {
                *d = F::of(s as f64)
            });
        }
        y.clear();
        y.extend(indices.iter().map(|&i| self.labels[i]));
        Ok(())
    }

    /// The examples at `indices` as a new minibatch `(B, C, H, W)` and its labels (see
    /// [`Dataset::gather_into`] to reuse buffers).
    pub fn batch(&self, indices: &[usize]) -> Result<(Array4<f32>, Vec<usize>)> {
        let mut x = Array4::zeros((0, 0, 0, 0));
        let mut y = Vec::new();
        self.gather_into(indices, &mut x, &mut y)?;
        Ok((x, y))
    }

    /// An RGBA image converted to this dataset's `(C, H, W)` for a prediction, exactly as
    /// [`Dataset::from_rgba_examples`] converts training images (see [`rgba_to_example`]).
    pub fn example_from_rgba(&self, image: &RgbaImage) -> Result<Array3<f32>> {
        let (c, h, w) = self.image_shape();
        rgba_to_example(image, c, h, w)
    }
}

fn check_index(len: usize, index: usize, position: usize) -> Result<()> {
    if index >= len {
        return Err(Error::invalid(
            Message::new("layers.data.index")
                .arg("index", index)
                .arg("position", position)
                .arg("len", len)
                .arg("last", len.saturating_sub(1)),
        ));
    }
    Ok(())
}

/// A dataset borrowed from arrays held elsewhere (a [`Dataset`], or the training data a solver
/// owns): images `(N, C, H, W)`, one label per image below the number of class names. It reads
/// like a [`Dataset`] without copying one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DatasetView<'a> {
    images: ArrayView4<'a, f32>,
    labels: &'a [usize],
    class_names: &'a [String],
}

impl<'a> DatasetView<'a> {
    /// A view of images `(N, C, H, W)`, N labels and the class names. Errors: a zero channel
    /// count, height or width, no class names, a label count other than N, a label out of range
    /// (the checks of [`Dataset::new`], which calls this).
    pub fn new(
        images: ArrayView4<'a, f32>,
        labels: &'a [usize],
        class_names: &'a [String],
    ) -> Result<Self> {
        let (n, c, h, w) = images.dim();
        for (size, what) in [
            (c, "layers.network.channels"),
            (h, "axis.height"),
            (w, "axis.width"),
        ] {
            if size == 0 {
                return Err(Error::Zero {
                    what: Message::new("layers.data.image_axis").nested("axis", Message::new(what)),
                });
            }
        }
        if class_names.is_empty() {
            return Err(Error::Zero {
                what: Message::new("layers.data.classes_count"),
            });
        }
        if labels.len() != n {
            return Err(Error::shape(
                Message::new("layers.data.labels"),
                format!("one per image ({n})"),
                labels.len(),
            ));
        }
        let classes = class_names.len();
        if let Some((index, &label)) = labels.iter().enumerate().find(|(_, &l)| l >= classes) {
            return Err(Error::LabelOutOfRange {
                label,
                index,
                classes,
            });
        }
        Ok(DatasetView {
            images,
            labels,
            class_names,
        })
    }

    /// A view whose invariants the caller guarantees (labels checked when the data were made).
    pub(crate) fn trusted(
        images: ArrayView4<'a, f32>,
        labels: &'a [usize],
        class_names: &'a [String],
    ) -> Self {
        debug_assert_eq!(images.dim().0, labels.len());
        DatasetView {
            images,
            labels,
            class_names,
        }
    }

    /// Number of examples `N`.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no examples.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Number of classes.
    pub fn num_classes(&self) -> usize {
        self.class_names.len()
    }

    /// The shape `(C, H, W)` of one image.
    pub fn image_shape(&self) -> (usize, usize, usize) {
        let (_, c, h, w) = self.images.dim();
        (c, h, w)
    }

    /// All images, `(N, C, H, W)`.
    pub fn images(&self) -> ArrayView4<'a, f32> {
        self.images
    }

    /// The `N` labels.
    pub fn labels(&self) -> &'a [usize] {
        self.labels
    }

    /// The class names; label `k` is `class_names()[k]`.
    pub fn class_names(&self) -> &'a [String] {
        self.class_names
    }

    /// How many examples each class has.
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.num_classes()];
        self.labels.iter().for_each(|&l| counts[l] += 1);
        counts
    }

    /// Example `i` as a `(C, H, W)` view.
    pub fn example(&self, i: usize) -> Result<ArrayView3<'a, f32>> {
        check_index(self.len(), i, 0)?;
        Ok(self.images.index_axis_move(Axis(0), i))
    }

    /// Example `i` as displayable pixels (see [`Dataset::rgba`]).
    pub fn rgba(&self, i: usize) -> Result<Vec<u8>> {
        let x = self.example(i)?;
        let (c, h, w) = x.dim();
        let mut out = Vec::with_capacity(h * w * 4);
        for y in 0..h {
            for xx in 0..w {
                let px = if c == 3 {
                    [0, 1, 2].map(|ch| display_byte(x[[ch, y, xx]]))
                } else {
                    [display_byte(x[[0, y, xx]]); 3]
                };
                out.extend_from_slice(&px);
                out.push(255);
            }
        }
        Ok(out)
    }

    /// A [`Dataset`] holding a copy of these examples.
    pub fn to_owned(&self) -> Dataset {
        Dataset {
            images: self.images.to_owned(),
            labels: self.labels.to_vec(),
            class_names: self.class_names.to_vec(),
        }
    }
}

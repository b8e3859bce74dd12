//! Image filters as conv layers: the assignment's point that a hand-made filter *is* a conv layer.
//!
//! Every filter here — grayscale, Sobel, Laplacian, blur, sharpen, a kernel the user types — is
//! built as conv weights `w` of shape `(F, C, k, k)` with biases `b` of shape `(F,)` and run
//! through the engine's conv layer ([`crate::layers::conv_forward_naive`], or
//! [`crate::layers::conv_forward_fast`] for larger images — see [`ConvLayer`]): cross-correlation
//! with zero padding, out\[f, i, j\] = b\[f\] + Σ_c Σ_di Σ_dj w\[f, c, di, dj\] ·
//! xpad\[c, i·S + di, j·S + dj\]. The result is a stack of float maps `(F, H', W')` with
//! H' = (H − k + 2P)/S + 1; [`to_pixels`] and [`FilterOutput::pictures`] turn them into 0–255
//! pixels for a canvas.
//!
//! The filters are generic over the float type like the layers ([`Float`]: `f32` or `f64`): the
//! page computes in `f32` (the functions without a type parameter, such as [`apply_rgba`], and
//! the types' default `F = f32`), a check against a reference in `f64` ([`apply_rgba_as`],
//! [`apply`] on an `f64` input).
//!
//! Images come in as RGBA bytes (a canvas's `ImageData`, `(H·W·4,)`, alpha ignored) or as
//! grayscale floats `(H·W,)`, and become an input `x` of shape `(1, C, H, W)` with C = 3 or 1 and
//! values 0–255. A single-channel kernel meets a colour image in one of two ways ([`Channels`]):
//! on the luma (one map; `w[0, c] = luma_c · K`, which by linearity is grayscale-then-filter), or on
//! each colour channel separately (three maps; `w[c, c] = K`, every other weight zero).
//!
//! ```
//! use cnn_playground::filters::{apply_gray, Channels, Filter, FilterParam};
//! // A 4×4 image that is 0 on the left half and 1 on the right: a vertical edge.
//! let gray = [0.0, 0.0, 1.0, 1.0f32].repeat(4);
//! let param = FilterParam::same(&Filter::SobelX, Channels::Luma);
//! let out = apply_gray(&gray, 4, 4, &Filter::SobelX, param).unwrap();
//! assert_eq!(out.layer.w.dim(), (1, 1, 3, 3)); // the filter as what it is: conv weights
//! assert_eq!(out.maps.dim(), (1, 4, 4)); // (4 − 3 + 2·1)/1 + 1 = 4
//! assert_eq!(out.maps[[0, 1, 1]], 4.0); // Sobel x: 1·(1−0) + 2·(1−0) + 1·(1−0)
//! assert_eq!(out.maps[[0, 1, 2]], 4.0);
//! ```

use ndarray::{
    s, Array1, Array3, Array4, ArrayBase, ArrayView2, ArrayView3, Axis, Data, Dimension,
};
use serde::{Deserialize, Serialize};

use crate::budget;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::i18n::Message;
use crate::layers::{conv_forward_fast, conv_forward_naive, ConvParam};
use crate::shapes::output_size;

/// ITU-R BT.601 luma weights of R, G, B: Y = 0.299 R + 0.587 G + 0.114 B.
pub const LUMA: [f32; 3] = [0.299, 0.587, 0.114];

/// [`LUMA`] in `f64`, from which the weights of every float type are rounded.
pub const LUMA_F64: [f64; 3] = [0.299, 0.587, 0.114];

/// The largest kernel side accepted: 9×9 (81 weights) is plenty to see what a kernel does.
pub const MAX_KERNEL: usize = 9;

/// The largest image accepted, in pixels (4096 × 4096). The page scales images down before this.
pub const MAX_PIXELS: usize = 4096 * 4096;

/// A `size × size` kernel, row-major: `values[r·size + c]` is row r, column c. Any size from 1
/// to [`MAX_KERNEL`], odd or even; every value finite. The page's kernels are `f32`
/// (`Kernel` is `Kernel<f32>`); [`Filter::kernel_as`] gives a built-in kernel in any float type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Kernel<F = f32> {
    pub size: usize,
    pub values: Vec<F>,
}

impl<F: Float> Kernel<F> {
    /// A checked kernel; see [`Kernel::check`] for the errors.
    pub fn new(size: usize, values: Vec<F>) -> Result<Self> {
        let kernel = Kernel { size, values };
        kernel.check()?;
        Ok(kernel)
    }

    /// Errors: a size of 0 or above [`MAX_KERNEL`], a number of values other than `size²`, a value
    /// that is NaN or infinite (the message gives its row and column, counted from 1).
    pub fn check(&self) -> Result<()> {
        let k = self.size;
        check_kernel_size(k)?;
        if self.values.len() != k * k {
            return Err(Error::shape(
                Message::new("layers.filters.a_kernel").arg("k", k),
                format!("{} values", k * k),
                format!("{} values", self.values.len()),
            ));
        }
        if let Some(i) = self.values.iter().position(|v| !v.is_finite()) {
            return Err(Error::invalid(
                Message::new("layers.filters.kernel_value")
                    .arg("row", i / k + 1)
                    .arg("column", i % k + 1)
                    .arg("value", self.values[i]),
            ));
        }
        Ok(())
    }

    fn from_rows<const K: usize>(rows: [[f64; K]; K]) -> Self {
        Kernel {
            size: K,
            values: rows.iter().flatten().map(|&v| F::of(v)).collect(),
        }
    }

    /// The same kernel in another float type (rounded to it).
    pub fn cast<G: Float>(&self) -> Kernel<G> {
        Kernel {
            size: self.size,
            values: self.values.iter().map(|v| G::of(v.as_f64())).collect(),
        }
    }
}

fn check_kernel_size(k: usize) -> Result<()> {
    if k == 0 {
        return Err(Error::Zero {
            what: Message::new("layers.filters.kernel_size"),
        });
    }
    if k > MAX_KERNEL {
        return Err(Error::invalid(
            Message::new("layers.filters.kernel_too_large")
                .arg("k", k)
                .arg("max", MAX_KERNEL),
        ));
    }
    Ok(())
}

/// The built-in filters, and any kernel the user gives.
///
/// Serialised for JavaScript with a `type` tag: `{"type":"sobelX"}`, `{"type":"boxBlur","size":3}`,
/// `{"type":"custom","size":3,"values":[…9 numbers…]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Filter {
    /// A 1×1 conv with the [`LUMA`] weights: one map. (On a grayscale image, the identity.)
    Grayscale,
    /// `[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]`: positive where brightness rises to the right, so it
    /// responds to vertical edges.
    SobelX,
    /// `[[-1, -2, -1], [0, 0, 0], [1, 2, 1]]`: positive where brightness rises downwards
    /// (horizontal edges). The assignment's demo uses its negative.
    SobelY,
    /// `sqrt(gx² + gy²)` of Sobel x and y: a conv with two filters per map, then this
    /// non-linearity on each pair (as a ReLU follows a conv).
    GradientMagnitude,
    /// `[[0, 1, 0], [1, -4, 1], [0, 1, 0]]`: the second derivative, strong at edges and dots.
    Laplacian,
    /// The mean of a `size × size` window (every weight `1/size²`).
    BoxBlur { size: usize },
    /// `[[0, -1, 0], [-1, 5, -1], [0, -1, 0]]`: the image plus its negative Laplacian.
    Sharpen,
    /// Any kernel, see [`Kernel`].
    Custom(Kernel),
}

impl Filter {
    /// The single-channel kernel behind the filter; for [`Filter::GradientMagnitude`], Sobel x
    /// (its second kernel is Sobel y).
    pub fn kernel(&self) -> Result<Kernel> {
        self.kernel_as::<f32>()
    }

    /// [`Filter::kernel`] in the float type `F`: built-in weights such as a blur's `1/k²` are
    /// computed in `F`; a custom kernel's `f32` values are converted (exactly, to `f64`).
    pub fn kernel_as<F: Float>(&self) -> Result<Kernel<F>> {
        let kernel = match self {
            Filter::Grayscale => Kernel::from_rows([[1.0]]),
            Filter::SobelX | Filter::GradientMagnitude => {
                Kernel::from_rows([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]])
            }
            Filter::SobelY => {
                Kernel::from_rows([[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]])
            }
            Filter::Laplacian => {
                Kernel::from_rows([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])
            }
            Filter::BoxBlur { size } => {
                let k = *size;
                check_kernel_size(k)?; // before allocating k² values
                Kernel::new(k, vec![F::one() / F::of((k * k) as f64); k * k])?
            }
            Filter::Sharpen => {
                Kernel::from_rows([[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]])
            }
            Filter::Custom(kernel) => kernel.cast(),
        };
        kernel.check()?;
        Ok(kernel)
    }

    /// How to show the output: [`Scale::Clamp`] for filters whose output is already in pixel
    /// range (grayscale, blur, sharpen), [`Scale::MinMax`] for the others (signed responses).
    pub fn scale(&self) -> Scale {
        match self {
            Filter::Grayscale | Filter::BoxBlur { .. } | Filter::Sharpen => Scale::Clamp,
            _ => Scale::MinMax,
        }
    }

    /// The conv layer that computes this filter on an input with `channels` channels (1 or 3).
    ///
    /// Shapes: w is `(F, C, k, k)` and b `(F,)` with F = 1 on the luma or on a 1-channel input,
    /// F = 3 per colour channel ([`Channels::Color`]); twice that for the gradient magnitude (the
    /// first half Sobel x, the second Sobel y). [`Filter::Grayscale`] always gives one map.
    pub fn layer(&self, channels: usize, mode: Channels) -> Result<FilterLayer> {
        self.layer_as::<f32>(channels, mode)
    }

    /// [`Filter::layer`] in the float type `F`.
    pub fn layer_as<F: Float>(&self, channels: usize, mode: Channels) -> Result<FilterLayer<F>> {
        if channels != 1 && channels != 3 {
            return Err(Error::shape(
                Message::new("layers.filters.filter_input"),
                "1 (grayscale) or 3 (RGB) channels",
                format!("{channels} channels"),
            ));
        }
        let mut kernels = vec![self.kernel_as::<F>()?];
        if *self == Filter::GradientMagnitude {
            kernels.push(Filter::SobelY.kernel_as::<F>()?);
        }
        let k = kernels[0].size;
        let per_channel = channels == 3 && mode == Channels::Color && *self != Filter::Grayscale;
        let maps = if per_channel { 3 } else { 1 };
        // How much of input channel c output map m sees: all of a gray input, its own colour
        // channel per channel, the luma weights on the luma.
        let share = |m: usize, c: usize| match (channels, per_channel) {
            (1, _) => F::one(),
            (_, true) => F::of(f64::from(u8::from(c == m))),
            (_, false) => F::of(LUMA_F64[c]),
        };
        let mut w = Array4::<F>::zeros((maps * kernels.len(), channels, k, k));
        for (half, kernel) in kernels.iter().enumerate() {
            let kernel = ArrayView2::from_shape((k, k), &kernel.values)
                .map_err(|e| Error::invalid(Message::new("layers.filters.kernel").arg("why", e)))?;
            for m in 0..maps {
                let f = half * maps + m;
                for c in 0..channels {
                    w.slice_mut(s![f, c, .., ..])
                        .assign(&(&kernel * share(m, c)));
                }
            }
        }
        let f = w.dim().0;
        Ok(FilterLayer {
            w,
            b: Array1::zeros(f),
            magnitude: *self == Filter::GradientMagnitude,
            color: per_channel,
        })
    }
}

/// How a single-channel kernel is applied to a colour image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Channels {
    /// On the BT.601 luma: one output map.
    #[default]
    Luma,
    /// On R, G and B separately: three output maps, shown as a colour picture.
    Color,
}

/// Stride and zero padding of a filter, and how it meets colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterParam {
    pub stride: usize,
    /// Zero padding on every side; at most `k − 1` (more would add outputs that see only zeros).
    pub pad: usize,
    pub channels: Channels,
}

impl FilterParam {
    /// Stride 1 and the pad `(k − 1)/2` that keeps the size for odd `k` (an even `k` shrinks the
    /// output by one pixel; symmetric padding cannot keep it).
    pub fn same(filter: &Filter, channels: Channels) -> Self {
        let k = filter.kernel().map(|k| k.size).unwrap_or(1);
        FilterParam {
            stride: 1,
            pad: (k - 1) / 2,
            channels,
        }
    }
}

/// A conv layer that computes a filter: weights `w (F, C, k, k)`, biases `b (F,)`, and whether the
/// maps are combined pairwise into `sqrt(gx² + gy²)` afterwards.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterLayer<F = f32> {
    pub w: Array4<F>,
    pub b: Array1<F>,
    /// Map `f` and map `f + F/2` are combined into `sqrt(map_f² + map_{f+F/2}²)`.
    pub magnitude: bool,
    /// The output maps are R, G, B of one picture.
    pub color: bool,
}

impl<F: Float> FilterLayer<F> {
    /// The weights as plain data for the page: shape `[F, C, k, k]`, `w` row-major, `b`.
    pub fn weights(&self) -> Weights<F> {
        let (f, c, hh, ww) = self.w.dim();
        Weights {
            shape: [f, c, hh, ww],
            w: self.w.iter().copied().collect(),
            b: self.b.to_vec(),
        }
    }
}

/// Conv weights as plain, serialisable data: `w[((f·C + c)·k + r)·k + col]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Weights<F = f32> {
    pub shape: [usize; 4],
    pub w: Vec<F>,
    pub b: Vec<F>,
}

/// How float maps become 0–255 pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Scale {
    /// `255·(v − min)/(max − min)`, rounded: the smallest value black, the largest white. A
    /// constant map is all 0. This is how the assignment shows its filter outputs.
    MinMax,
    /// `v` rounded and clamped to 0–255, for output already in pixel range (blur, grayscale).
    Clamp,
}

/// The result of a filter: the float maps, the layer that made them, and how to show them.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterOutput<F = f32> {
    /// `(F', H', W')`: F' is the conv's F, halved for the gradient magnitude.
    pub maps: Array3<F>,
    pub layer: FilterLayer<F>,
    pub conv_param: ConvParam,
    pub scale: Scale,
    /// Which conv layer computed the maps.
    pub computed_by: ConvLayer,
}

impl<F: Float> FilterOutput<F> {
    /// RGBA pictures `(H'·W'·4,)` for a canvas: one colour picture when the maps are R, G, B
    /// (normalised together, so colours keep their balance), else one gray picture per map
    /// (each normalised on its own, as the assignment shows its two maps).
    pub fn pictures(&self) -> Vec<Vec<u8>> {
        if self.layer.color && self.maps.dim().0 == 3 {
            vec![color_to_rgba(self.maps.view(), self.scale).unwrap_or_default()]
        } else {
            self.maps
                .outer_iter()
                .map(|map| map_to_rgba(map, self.scale))
                .collect()
        }
    }

    /// `(H', W')` of the maps.
    pub fn size(&self) -> (usize, usize) {
        let (_, h, w) = self.maps.dim();
        (h, w)
    }
}

// ---------------------------------------------------------------------------------------------
// Images in
// ---------------------------------------------------------------------------------------------

fn pixel_count(width: usize, height: usize) -> Result<usize> {
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
    match width.checked_mul(height) {
        Some(n) if n <= MAX_PIXELS => Ok(n),
        _ => Err(Error::invalid(
            Message::new("layers.filters.image_too_large")
                .arg("height", height)
                .arg("width", width)
                .arg("max", MAX_PIXELS),
        )),
    }
}

/// RGBA bytes `(H·W·4,)`, row by row, to an input `x` of shape `(1, 3, H, W)` with values 0–255;
/// alpha is ignored.
///
/// Errors: a zero width or height, more than [`MAX_PIXELS`], a length other than `W·H·4`.
pub fn rgba_to_input(rgba: &[u8], width: usize, height: usize) -> Result<Array4<f32>> {
    rgba_to_input_as(rgba, width, height)
}

/// [`rgba_to_input`] in the float type `F`.
pub fn rgba_to_input_as<F: Float>(rgba: &[u8], width: usize, height: usize) -> Result<Array4<F>> {
    let n = pixel_count(width, height)?;
    budget::check_named::<F>(
        Message::new("layers.filters.the_image"),
        &[1, 3, height, width],
    )?;
    if rgba.len() != n * 4 {
        return Err(Error::shape(
            Message::new("layers.filters.rgba_image")
                .arg("height", height)
                .arg("width", width),
            format!("{height}·{width}·4 = {} bytes", n * 4),
            format!("{} bytes", rgba.len()),
        ));
    }
    let mut x = Array4::zeros((1, 3, height, width));
    for (p, px) in rgba.chunks_exact(4).enumerate() {
        let (i, j) = (p / width, p % width);
        for c in 0..3 {
            x[[0, c, i, j]] = F::of(f64::from(px[c]));
        }
    }
    Ok(x)
}

/// Grayscale floats `(H·W,)`, row by row, to an input `x` of shape `(1, 1, H, W)`.
///
/// Errors: a zero width or height, more than [`MAX_PIXELS`], a length other than `W·H`, a value
/// that is NaN or infinite.
pub fn gray_to_input<F: Float>(gray: &[F], width: usize, height: usize) -> Result<Array4<F>> {
    let n = pixel_count(width, height)?;
    budget::check_named::<F>(
        Message::new("layers.filters.the_image"),
        &[1, 1, height, width],
    )?;
    if gray.len() != n {
        return Err(Error::shape(
            Message::new("layers.filters.gray_image")
                .arg("height", height)
                .arg("width", width),
            format!("{height}·{width} = {n} values"),
            format!("{} values", gray.len()),
        ));
    }
    if let Some(p) = gray.iter().position(|v| !v.is_finite()) {
        return Err(Error::invalid(
            Message::new("layers.filters.pixel_value")
                .arg("row", p / width + 1)
                .arg("column", p % width + 1)
                .arg("value", gray[p]),
        ));
    }
    Array4::from_shape_vec((1, 1, height, width), gray.to_vec())
        .map_err(|e| Error::invalid(Message::new("layers.filters.grayscale").arg("why", e)))
}

// ---------------------------------------------------------------------------------------------
// Filters through the conv layer
// ---------------------------------------------------------------------------------------------

/// Which of the engine's conv layers runs a filter. Both compute the same cross-correlation (the
/// layer tests check they agree); the naive loops are the ones to read beside the assignment, the
/// fast one (im2col + matrix product) keeps a photo interactive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ConvLayer {
    /// [`conv_forward_naive`].
    Naive,
    /// [`conv_forward_fast`].
    Fast,
}

/// Output maps of at least this many pixels (64×64) may be computed by the fast layer.
pub const FAST_FROM_PIXELS: usize = 64 * 64;

/// The largest unrolled input (im2col columns, `C·k²·H'·W'` f32 values) the fast layer may build
/// for a filter: 64 MiB, so a browser tab is not asked for gigabytes.
pub const FAST_MAX_COLUMN_BYTES: usize = 64 << 20;

impl ConvLayer {
    /// The fast layer for outputs of at least [`FAST_FROM_PIXELS`] with kernels up to 3×3 whose
    /// unrolled input stays within [`FAST_MAX_COLUMN_BYTES`]; the naive loops otherwise.
    ///
    /// Why not always the fast one: a filter has few output maps (F = 1 to 6), too few to pay
    /// for unrolling a large kernel. Measured on a 512×512 RGB image (release build, best of 3,
    /// on a shared 2-core machine): 1×1 grayscale naive 17 ms / fast 1 ms; 3×3 Sobel on the luma
    /// 21 / 21 ms; 3×3 per colour channel 65 / 23 ms; gradient magnitude per channel 124 / 16 ms;
    /// but 5×5 blur on the luma 25 / 135 ms and 9×9 per channel 250 / 580 ms.
    pub fn choose(channels: usize, kernel: usize, h_out: usize, w_out: usize) -> Self {
        Self::choose_for::<f32>(channels, kernel, h_out, w_out)
    }

    /// [`ConvLayer::choose`] for values of type `F` (whose size the unrolled input's bytes count).
    pub fn choose_for<F>(channels: usize, kernel: usize, h_out: usize, w_out: usize) -> Self {
        let pixels = h_out.saturating_mul(w_out);
        let column_bytes = budget::bytes_of::<F>(&[pixels, channels, kernel, kernel]);
        if pixels >= FAST_FROM_PIXELS
            && kernel <= 3
            && column_bytes <= FAST_MAX_COLUMN_BYTES as u128
        {
            ConvLayer::Fast
        } else {
            ConvLayer::Naive
        }
    }

    /// The layer's function name, for the page to show: `conv_forward_naive` or `conv_forward_fast`.
    pub fn name(self) -> &'static str {
        match self {
            ConvLayer::Naive => "conv_forward_naive",
            ConvLayer::Fast => "conv_forward_fast",
        }
    }
}

/// Runs `layer` on `x (1, C, H, W)` through the engine's conv layer (chosen by
/// [`ConvLayer::choose`]) and returns the maps `(F', H', W')`, H' = (H − k + 2P)/S + 1,
/// W' = (W − k + 2P)/S + 1; F' = F, or F/2 after the pairwise gradient magnitude.
///
/// Errors: C not matching the layer's weights, a pad of `k` or more, and every error of
/// [`output_size`] (a stride of 0, a size that is not whole, a kernel larger than the padded image).
pub fn run<F: Float>(
    x: &Array4<F>,
    layer: &FilterLayer<F>,
    conv_param: ConvParam,
) -> Result<Array3<F>> {
    run_with(x, layer, conv_param, None).map(|(maps, _)| maps)
}

/// [`run`] with the conv layer chosen by the caller (`None`: by [`ConvLayer::choose`]);
/// returns the maps and the layer that computed them.
pub fn run_with<F: Float>(
    x: &Array4<F>,
    layer: &FilterLayer<F>,
    conv_param: ConvParam,
    conv: Option<ConvLayer>,
) -> Result<(Array3<F>, ConvLayer)> {
    let (_, _, hh, ww) = layer.w.dim();
    let k = hh.max(ww);
    if hh == 0 || ww == 0 {
        return Err(Error::Zero {
            what: Message::new("layers.filters.filter_size"),
        });
    }
    if conv_param.pad >= k {
        return Err(Error::invalid(
            Message::new("layers.filters.pad_too_large")
                .arg("pad", conv_param.pad)
                .arg("hh", hh)
                .arg("ww", ww)
                .arg("k", k)
                .arg("last", k - 1),
        ));
    }
    let (_, _, h, w) = x.dim();
    // Checked here too so that the message names the image's axes before the layer runs.
    let h_out = output_size("height", h, hh, conv_param.pad, conv_param.stride)?;
    let w_out = output_size("width", w, ww, conv_param.pad, conv_param.stride)?;
    let (n, c, _, _) = x.dim();
    budget::check_named::<F>(
        Message::new("layers.filters.output"),
        &[n, layer.w.dim().0, h_out, w_out],
    )?;
    let conv = conv.unwrap_or(ConvLayer::choose_for::<F>(c, k, h_out, w_out));
    let out = match conv {
        ConvLayer::Naive => conv_forward_naive(x, &layer.w, &layer.b, conv_param)?.0,
        ConvLayer::Fast => conv_forward_fast(x, &layer.w, &layer.b, conv_param)?.0,
    };
    let maps = out.index_axis_move(Axis(0), 0);
    if !layer.magnitude {
        return Ok((maps, conv));
    }
    let (f, _, _) = maps.dim();
    if f % 2 != 0 {
        return Err(Error::invalid(
            Message::new("layers.filters.odd_maps").arg("f", f),
        ));
    }
    let half = f / 2;
    let gx = maps.slice(s![..half, .., ..]);
    let gy = maps.slice(s![half.., .., ..]);
    let mut mag = gx.to_owned();
    mag.zip_mut_with(&gy, |g, &y| *g = (*g * *g + y * y).sqrt());
    Ok((mag, conv))
}

/// Applies `filter` to an RGBA image `(H·W·4,)` (see [`rgba_to_input`]); maps `(F', H', W')`.
pub fn apply_rgba(
    rgba: &[u8],
    width: usize,
    height: usize,
    filter: &Filter,
    param: FilterParam,
) -> Result<FilterOutput> {
    apply_rgba_as(rgba, width, height, filter, param)
}

/// [`apply_rgba`] in the float type `F`.
pub fn apply_rgba_as<F: Float>(
    rgba: &[u8],
    width: usize,
    height: usize,
    filter: &Filter,
    param: FilterParam,
) -> Result<FilterOutput<F>> {
    let x = rgba_to_input_as::<F>(rgba, width, height)?;
    apply(&x, filter, param)
}

/// Applies `filter` to a grayscale image `(H·W,)` (see [`gray_to_input`]); maps `(F', H', W')`.
pub fn apply_gray<F: Float>(
    gray: &[F],
    width: usize,
    height: usize,
    filter: &Filter,
    param: FilterParam,
) -> Result<FilterOutput<F>> {
    let x = gray_to_input(gray, width, height)?;
    apply(&x, filter, param)
}

/// Applies `filter` to an input `x (1, C, H, W)` with C = 1 or 3; maps `(F', H', W')`.
pub fn apply<F: Float>(
    x: &Array4<F>,
    filter: &Filter,
    param: FilterParam,
) -> Result<FilterOutput<F>> {
    let layer = filter.layer_as::<F>(x.dim().1, param.channels)?;
    let conv_param = ConvParam {
        stride: param.stride,
        pad: param.pad,
    };
    let (maps, computed_by) = run_with(x, &layer, conv_param, None)?;
    Ok(FilterOutput {
        maps,
        layer,
        conv_param,
        scale: filter.scale(),
        computed_by,
    })
}

// ---------------------------------------------------------------------------------------------
// The assignment's demo
// ---------------------------------------------------------------------------------------------

/// The assignment's demo uses stride 1 and pad 1.
pub const DEMO_CONV_PARAM: ConvParam = ConvParam { stride: 1, pad: 1 };

/// The conv layer of the assignment's filter demo, exactly: w of shape `(2, 3, 3, 3)`, all zero
/// but for filter 0's centre taps R 0.3, G 0.6, B 0.1 (grayscale) and filter 1's blue channel,
/// the horizontal-edge Sobel `[[1, 2, 1], [0, 0, 0], [-1, -2, -1]]`; b = (0, 128).
pub fn assignment_demo_layer() -> FilterLayer {
    assignment_demo_layer_as::<f32>()
}

/// [`assignment_demo_layer`] in the float type `F`.
pub fn assignment_demo_layer_as<F: Float>() -> FilterLayer<F> {
    let mut w = Array4::<F>::zeros((2, 3, 3, 3));
    w[[0, 0, 1, 1]] = F::of(0.3);
    w[[0, 1, 1, 1]] = F::of(0.6);
    w[[0, 2, 1, 1]] = F::of(0.1);
    let sobel = [[1.0, 2.0, 1.0], [0.0, 0.0, 0.0], [-1.0, -2.0, -1.0]];
    for (r, row) in sobel.iter().enumerate() {
        for (c, &v) in row.iter().enumerate() {
            w[[1, 2, r, c]] = F::of(v);
        }
    }
    FilterLayer {
        w,
        b: Array1::from(vec![F::zero(), F::of(128.0)]),
        magnitude: false,
        color: false,
    }
}

/// Runs the assignment's demo ([`assignment_demo_layer`], [`DEMO_CONV_PARAM`]) on an RGBA image:
/// maps `(2, H, W)`, shown min-max normalised one map at a time.
pub fn assignment_demo(rgba: &[u8], width: usize, height: usize) -> Result<FilterOutput> {
    assignment_demo_as(rgba, width, height)
}

/// [`assignment_demo`] in the float type `F`.
pub fn assignment_demo_as<F: Float>(
    rgba: &[u8],
    width: usize,
    height: usize,
) -> Result<FilterOutput<F>> {
    let x = rgba_to_input_as::<F>(rgba, width, height)?;
    let layer = assignment_demo_layer_as::<F>();
    let (maps, computed_by) = run_with(&x, &layer, DEMO_CONV_PARAM, None)?;
    Ok(FilterOutput {
        maps,
        layer,
        conv_param: DEMO_CONV_PARAM,
        scale: Scale::MinMax,
        computed_by,
    })
}

// ---------------------------------------------------------------------------------------------
// Pixels out
// ---------------------------------------------------------------------------------------------

/// Maps float values (any shape, in iteration order) to 0–255 pixels with `scale`.
///
/// [`Scale::MinMax`] takes min and max over the finite values; a NaN becomes 0, ±∞ 255 or 0.
///
/// ```
/// use cnn_playground::filters::{to_pixels, Scale};
/// use ndarray::arr1;
/// let v = arr1(&[-4.0f32, 0.0, 4.0, 300.0]);
/// assert_eq!(to_pixels(&v, Scale::MinMax), vec![0, 3, 7, 255]);
/// assert_eq!(to_pixels(&v, Scale::Clamp), vec![0, 0, 4, 255]);
/// ```
pub fn to_pixels<F, S, D>(values: &ArrayBase<S, D>, scale: Scale) -> Vec<u8>
where
    F: Float,
    S: Data<Elem = F>,
    D: Dimension,
{
    // Rounded in F, then `as u8` (through f64, which holds every f32 exactly), which saturates:
    // NaN → 0, below 0 → 0, above 255 → 255.
    let byte = |v: F| v.round().as_f64() as u8;
    match scale {
        Scale::Clamp => values.iter().map(|&v| byte(v)).collect(),
        Scale::MinMax => {
            let (lo, hi) = values
                .iter()
                .filter(|v| v.is_finite())
                .fold((F::infinity(), F::neg_infinity()), |(lo, hi), &v| {
                    (lo.min(v), hi.max(v))
                });
            let range = hi - lo;
            values
                .iter()
                .map(|&v| {
                    if range > F::zero() && range.is_finite() {
                        byte(F::of(255.0) * (v - lo) / range)
                    } else if v.is_infinite() && v > F::zero() {
                        255
                    } else {
                        0
                    }
                })
                .collect()
        }
    }
}

/// One map `(H', W')` as a gray RGBA picture `(H'·W'·4,)`, opaque.
pub fn map_to_rgba<F: Float>(map: ArrayView2<F>, scale: Scale) -> Vec<u8> {
    to_pixels(&map, scale)
        .into_iter()
        .flat_map(|g| [g, g, g, 255])
        .collect()
}

/// Three maps `(3, H', W')` as the R, G, B of one RGBA picture `(H'·W'·4,)`, opaque, normalised
/// together.
///
/// Errors: a number of maps other than 3.
pub fn color_to_rgba<F: Float>(maps: ArrayView3<F>, scale: Scale) -> Result<Vec<u8>> {
    let (f, h, w) = maps.dim();
    if f != 3 {
        return Err(Error::shape(
            Message::new("layers.filters.colour_picture"),
            format!("3 maps (R, G, B) of {h}×{w}"),
            format!("{f} maps"),
        ));
    }
    let pixels = to_pixels(&maps, scale);
    let plane = h * w;
    Ok((0..plane)
        .flat_map(|p| [pixels[p], pixels[plane + p], pixels[2 * plane + p], 255])
        .collect())
}

//! Convolution: the naive loops, written to be read beside the assignment's `conv_forward_naive`.
//!
//! A conv layer slides each of F filters over the zero-padded input and takes a dot product at
//! every position: out\[n, f, i, j\] = b\[f\] + Σ_c Σ_di Σ_dj w\[f, c, di, dj\] ·
//! xpad\[n, c, i·S + di, j·S + dj\]. The output height is H' = (H − HH + 2P)/S + 1, the width
//! W' = (W − WW + 2P)/S + 1 (see [`crate::shapes::output_size`]).
//!
//! The backward pass runs the same loops and, at each position, sends the upstream gradient back
//! along the two factors of the product: to the input window (scaled by the weights) and to the
//! weights (scaled by the input window). [`crate::layers::conv_fast`] computes the same with
//! matrix products.
//!
//! ```
//! use cnn_playground::layers::{conv_forward_naive, ConvParam};
//! use ndarray::{Array1, Array4};
//! // A 7×7 input and a 3×3 filter of ones give a 5×5 map of window sums.
//! let x = Array4::<f64>::ones((1, 1, 7, 7));
//! let w = Array4::<f64>::ones((1, 1, 3, 3));
//! let b = Array1::<f64>::zeros(1);
//! let (out, _cache) = conv_forward_naive(&x, &w, &b, ConvParam { stride: 1, pad: 0 }).unwrap();
//! assert_eq!(out.dim(), (1, 1, 5, 5));
//! assert_eq!(out[[0, 0, 2, 2]], 9.0);
//! ```

use crate::error::{Error, Result};
use crate::float::Float;
use crate::i18n::Message;
use crate::layers::Allocations;
use crate::shapes::output_hw;
use ndarray::{s, Array1, Array4};

/// Stride and zero padding of a conv layer (padding is applied on every side).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvParam {
    pub stride: usize,
    pub pad: usize,
}

impl Default for ConvParam {
    fn default() -> Self {
        ConvParam { stride: 1, pad: 0 }
    }
}

/// What [`conv_backward_naive`] needs: the inputs of the forward pass.
#[derive(Debug, Clone)]
pub struct ConvCache<F> {
    pub x: Array4<F>,
    pub w: Array4<F>,
    pub b: Array1<F>,
    pub conv_param: ConvParam,
}

/// Checks x `(N, C, H, W)`, w `(F, C, HH, WW)` and b `(F,)` against each other and returns the
/// output shape `(N, F, H', W')`. Shared by the naive and fast conv layers (see
/// `conv_output_dim`).
///
/// Errors: an empty batch (N = 0), no filters (F = 0), no channels (C = 0: a filter with no
/// weights would make a bias-only output, which is never what a student means), channels or
/// bias that do not match, and the output-size errors of [`output_hw`] (both axes named when
/// both are wrong).
pub fn conv_output_shape<F: Float>(
    x: &Array4<F>,
    w: &Array4<F>,
    b: &Array1<F>,
    conv_param: ConvParam,
) -> Result<(usize, usize, usize, usize)> {
    conv_output_dim(x.dim(), w.dim(), Some(b.len()), conv_param)
}

/// [`conv_output_shape`] from the shapes alone: x `(N, C, H, W)`, w `(F, C, HH, WW)` and, when
/// there is a bias (a forward pass), its length. The one output-shape rule of every conv layer,
/// naive and fast, forward and backward; same errors.
pub(crate) fn conv_output_dim(
    (n, c, h, wd): (usize, usize, usize, usize),
    (f, wc, hh, ww): (usize, usize, usize, usize),
    b_len: Option<usize>,
    conv_param: ConvParam,
) -> Result<(usize, usize, usize, usize)> {
    if n == 0 {
        return Err(Error::EmptyBatch {
            context: Message::new("layers.context.conv_forward"),
        });
    }
    if f == 0 {
        return Err(Error::Zero {
            what: Message::new("layers.context.filters_f"),
        });
    }
    if c != wc {
        return Err(Error::shape(
            Message::new("layers.context.conv_forward_channels"),
            format!("w with C = {c} to match x of shape ({n}, {c}, {h}, {wd})"),
            format!("w of shape ({f}, {wc}, {hh}, {ww})"),
        ));
    }
    if c == 0 {
        return Err(Error::Zero {
            what: Message::new("layers.context.channels_c"),
        });
    }
    if let Some(b_len) = b_len.filter(|&len| len != f) {
        return Err(Error::shape(
            Message::new("layers.context.conv_forward_b"),
            format!("({f},)"),
            format!("({b_len},)"),
        ));
    }
    let ConvParam { stride, pad } = conv_param;
    // output_hw also checks that H + 2P and W + 2P fit in a usize.
    let (h_out, w_out) = output_hw((h, wd), (hh, ww), pad, stride)?;
    Ok((n, f, h_out, w_out))
}

/// The shape `(N, C, H + 2P, W + 2P)` of `x (N, C, H, W)` padded by `pad`, or an error if a
/// side would be too large to index.
pub(crate) fn padded_dim(
    (n, c, h, w): (usize, usize, usize, usize),
    pad: usize,
) -> Result<(usize, usize, usize, usize)> {
    let side = |size: usize| {
        pad.checked_mul(2)
            .and_then(|p| p.checked_add(size))
            .ok_or_else(|| {
                Error::invalid(
                    Message::new("layers.context.pad_too_large")
                        .arg("pad", pad)
                        .arg("size", size)
                        .arg("padded", size as u128 + 2 * pad as u128)
                        .arg("max", usize::MAX),
                )
            })
    };
    Ok((n, c, side(h)?, side(w)?))
}

/// `x` with `pad` zeros added on every side of the two spatial axes: `(N, C, H + 2P, W + 2P)`.
///
/// Errors: a padded size too large to index, or an [`Error::OverBudget`] for the padded copy.
pub fn zero_pad<F: Float>(x: &Array4<F>, pad: usize) -> Result<Array4<F>> {
    let (_, _, h, w) = x.dim();
    let dim = padded_dim(x.dim(), pad)?;
    Allocations::new("layers.alloc.zero_padding")
        .add::<F>("layers.alloc.padded_input", &[dim.0, dim.1, dim.2, dim.3])
        .check()?;
    let mut xpad = Array4::zeros(dim);
    xpad.slice_mut(s![.., .., pad..pad + h, pad..pad + w])
        .assign(x);
    Ok(xpad)
}

/// Naive forward pass of a conv layer.
///
/// - x: input `(N, C, H, W)`
/// - w: filters `(F, C, HH, WW)`
/// - b: biases `(F,)`
/// - conv_param: stride S and zero padding P
///
/// Returns `out` of shape `(N, F, H', W')`, H' = (H − HH + 2P)/S + 1, W' = (W − WW + 2P)/S + 1,
/// and the cache `(x, w, b, conv_param)`.
///
/// Errors: see [`conv_output_shape`]; and [`crate::Error::OverBudget`] if the output, the padded
/// input and the cache would exceed the engine's memory budget (checked before anything is
/// allocated).
pub fn conv_forward_naive<F: Float>(
    x: &Array4<F>,
    w: &Array4<F>,
    b: &Array1<F>,
    conv_param: ConvParam,
) -> Result<(Array4<F>, ConvCache<F>)> {
    let (n, f, h_out, w_out) = conv_output_shape(x, w, b, conv_param)?;
    let (_, c, hh, ww) = w.dim();
    let stride = conv_param.stride;
    let (_, _, hp, wp) = padded_dim(x.dim(), conv_param.pad)?;
    Allocations::new("layers.alloc.conv_forward_naive")
        .add::<F>("layers.alloc.conv_output", &[n, f, h_out, w_out])
        .add::<F>("layers.alloc.padded_input", &[n, c, hp, wp])
        .add::<F>("layers.alloc.cache_x", x.shape())
        .add::<F>("layers.alloc.cache_w", w.shape())
        .add::<F>("layers.alloc.cache_b", b.shape())
        .check()?;
    let xpad = zero_pad(x, conv_param.pad)?;
    let mut out = Array4::zeros((n, f, h_out, w_out));
    for img in 0..n {
        for filt in 0..f {
            for i in 0..h_out {
                for j in 0..w_out {
                    let mut sum = b[filt];
                    for ch in 0..c {
                        for di in 0..hh {
                            for dj in 0..ww {
                                sum += w[[filt, ch, di, dj]]
                                    * xpad[[img, ch, i * stride + di, j * stride + dj]];
                            }
                        }
                    }
                    out[[img, filt, i, j]] = sum;
                }
            }
        }
    }
    let cache = ConvCache {
        x: x.clone(),
        w: w.clone(),
        b: b.clone(),
        conv_param,
    };
    Ok((out, cache))
}

/// Naive backward pass of a conv layer.
///
/// - dout: upstream gradient `(N, F, H', W')`
/// - cache: from [`conv_forward_naive`]
///
/// Returns `(dx, dw, db)` of shapes `(N, C, H, W)`, `(F, C, HH, WW)`, `(F,)`.
///
/// Errors: the cache's arrays checked as in [`conv_forward_naive`], a dout that does not have the
/// output's shape, and [`crate::Error::OverBudget`] before anything is allocated.
pub fn conv_backward_naive<F: Float>(
    dout: &Array4<F>,
    cache: &ConvCache<F>,
) -> Result<(Array4<F>, Array4<F>, Array1<F>)> {
    let ConvCache {
        x,
        w,
        b,
        conv_param,
    } = cache;
    let expected = conv_output_shape(x, w, b, *conv_param)?;
    check_dout("layers.call.conv_backward", dout.dim(), expected)?;
    let (n, f, h_out, w_out) = expected;
    let (_, c, hh, ww) = w.dim();
    let ConvParam { stride, pad } = *conv_param;
    let (_, _, hp, wp) = padded_dim(x.dim(), pad)?;
    Allocations::new("layers.alloc.conv_backward_naive")
        .add::<F>("layers.alloc.padded_input", &[n, c, hp, wp])
        .add::<F>("layers.alloc.padded_input_gradient", &[n, c, hp, wp])
        .add::<F>("layers.alloc.dx", x.shape())
        .add::<F>("layers.alloc.dw", w.shape())
        .add::<F>("layers.alloc.db", &[f])
        .check()?;
    let xpad = zero_pad(x, pad)?;
    let mut dxpad = Array4::zeros(xpad.raw_dim());
    let mut dw = Array4::zeros(w.raw_dim());
    let mut db = Array1::zeros(f);
    for img in 0..n {
        for filt in 0..f {
            for i in 0..h_out {
                for j in 0..w_out {
                    let g = dout[[img, filt, i, j]];
                    db[filt] += g;
                    for ch in 0..c {
                        for di in 0..hh {
                            for dj in 0..ww {
                                let (r, col) = (i * stride + di, j * stride + dj);
                                dw[[filt, ch, di, dj]] += g * xpad[[img, ch, r, col]];
                                dxpad[[img, ch, r, col]] += g * w[[filt, ch, di, dj]];
                            }
                        }
                    }
                }
            }
        }
    }
    let (_, _, h, wd) = x.dim();
    let dx = dxpad
        .slice(s![.., .., pad..pad + h, pad..pad + wd])
        .to_owned();
    Ok((dx, dw, db))
}

/// An upstream gradient must have the shape of the forward output.
pub(crate) fn check_dout(
    context: &'static str,
    got: (usize, usize, usize, usize),
    expected: (usize, usize, usize, usize),
) -> Result<()> {
    if got != expected {
        return Err(Error::shape(
            Message::new("layers.context.dout").nested("context", Message::new(context)),
            format!("{expected:?}"),
            format!("{got:?}"),
        ));
    }
    Ok(())
}

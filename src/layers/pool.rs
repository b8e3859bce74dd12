//! Max and average pooling: the naive loops.
//!
//! Each output cell of max pooling is the largest value in its `pool_height × pool_width` window:
//! out\[n, c, i, j\] = max over the window at (i·S, j·S). Max pooling has no parameters; it
//! downsamples, and keeps where the image is most active.
//!
//! The backward pass is routing, not arithmetic: each upstream gradient goes, unchanged, to the
//! one input cell that won its window (the first maximum in row-major order, if there are ties);
//! every other input cell gets zero.
//!
//! Average pooling, the alternative the lecture compares max pooling with, takes the mean of the
//! window instead; its backward pass shares each upstream gradient evenly, dout/(HH·WW) to every
//! cell of the window (the local gradient of a mean of HH·WW numbers is 1/(HH·WW) for each).
//!
//! ```
//! use cnn_playground::layers::{max_pool_forward_naive, PoolParam};
//! use ndarray::Array4;
//! let x = Array4::from_shape_vec((1, 1, 2, 2), vec![1.0_f64, 4.0, 3.0, 2.0]).unwrap();
//! let (out, _cache) = max_pool_forward_naive(&x, PoolParam::default()).unwrap();
//! assert_eq!(out[[0, 0, 0, 0]], 4.0);
//! ```

use crate::error::{Error, Result};
use crate::float::Float;
use crate::i18n::Message;
use crate::layers::conv::check_dout;
use crate::layers::Allocations;
use crate::shapes::pool_output_hw;
use ndarray::Array4;

/// The pooling window and its stride.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolParam {
    pub pool_height: usize,
    pub pool_width: usize,
    pub stride: usize,
}

impl Default for PoolParam {
    /// The common choice: 2×2 windows, stride 2.
    fn default() -> Self {
        PoolParam {
            pool_height: 2,
            pool_width: 2,
            stride: 2,
        }
    }
}

/// What [`max_pool_backward_naive`] needs: the input of the forward pass.
#[derive(Debug, Clone)]
pub struct PoolCache<F> {
    pub x: Array4<F>,
    pub pool_param: PoolParam,
}

/// The output shape `(N, C, H', W')` of max pooling an input of shape `(N, C, H, W)`, with
/// H' = (H − pool_height)/S + 1 and W' = (W − pool_width)/S + 1. Shared by naive and fast pooling.
///
/// Errors: an empty batch, no channels, and the errors of [`pool_output_hw`], which speak of the
/// pool window and its stride and name both axes when both are wrong.
pub fn pool_output_shape(
    x_dim: (usize, usize, usize, usize),
    pool_param: PoolParam,
) -> Result<(usize, usize, usize, usize)> {
    output_shape_in("layers.call.max_pool_forward", x_dim, pool_param)
}

/// [`pool_output_shape`], with `context` naming the layer in the empty-batch error.
pub(crate) fn output_shape_in(
    context: &'static str,
    x_dim: (usize, usize, usize, usize),
    pool_param: PoolParam,
) -> Result<(usize, usize, usize, usize)> {
    let (n, c, h, w) = x_dim;
    if n == 0 {
        return Err(Error::EmptyBatch {
            context: Message::new(context),
        });
    }
    if c == 0 {
        return Err(Error::Zero {
            what: Message::new("layers.context.channels_c"),
        });
    }
    let PoolParam {
        pool_height,
        pool_width,
        stride,
    } = pool_param;
    let (h_out, w_out) = pool_output_hw((h, w), (pool_height, pool_width), stride)?;
    Ok((n, c, h_out, w_out))
}

/// The row and column (within the image) of the first maximum of the window at output (i, j).
fn argmax_in_window<F: Float>(
    x: &Array4<F>,
    img: usize,
    ch: usize,
    i: usize,
    j: usize,
    p: PoolParam,
) -> (usize, usize) {
    let (r0, c0) = (i * p.stride, j * p.stride);
    let mut best = (r0, c0);
    for r in r0..r0 + p.pool_height {
        for col in c0..c0 + p.pool_width {
            // Strict `>`: the first maximum wins ties; `!(best ≥ v)` would also pick NaN.
            if x[[img, ch, r, col]] > x[[img, ch, best.0, best.1]] {
                best = (r, col);
            }
        }
    }
    best
}

/// Naive forward pass of max pooling.
///
/// - x: input `(N, C, H, W)`
/// - pool_param: window `pool_height × pool_width` and stride S (no padding)
///
/// Returns `out` of shape `(N, C, H', W')`, H' = (H − pool_height)/S + 1,
/// W' = (W − pool_width)/S + 1, and the cache `(x, pool_param)`.
pub fn max_pool_forward_naive<F: Float>(
    x: &Array4<F>,
    pool_param: PoolParam,
) -> Result<(Array4<F>, PoolCache<F>)> {
    let (n, c, h_out, w_out) = pool_output_shape(x.dim(), pool_param)?;
    Allocations::new("layers.alloc.max_pool_forward_cache")
        .add::<F>("layers.alloc.pool_output", &[n, c, h_out, w_out])
        .add::<F>("layers.alloc.cache_x", x.shape())
        .check()?;
    let mut out = Array4::zeros((n, c, h_out, w_out));
    for img in 0..n {
        for ch in 0..c {
            for i in 0..h_out {
                for j in 0..w_out {
                    let (r, col) = argmax_in_window(x, img, ch, i, j, pool_param);
                    out[[img, ch, i, j]] = x[[img, ch, r, col]];
                }
            }
        }
    }
    Ok((
        out,
        PoolCache {
            x: x.clone(),
            pool_param,
        },
    ))
}

/// Naive backward pass of max pooling.
///
/// - dout: upstream gradient `(N, C, H', W')`
/// - cache: from [`max_pool_forward_naive`]
///
/// Returns `dx` of shape `(N, C, H, W)`: each dout cell added to the argmax of its window.
pub fn max_pool_backward_naive<F: Float>(
    dout: &Array4<F>,
    cache: &PoolCache<F>,
) -> Result<Array4<F>> {
    let PoolCache { x, pool_param } = cache;
    let expected = pool_output_shape(x.dim(), *pool_param)?;
    check_dout("layers.call.max_pool_backward", dout.dim(), expected)?;
    let (n, c, h_out, w_out) = expected;
    Allocations::new("layers.alloc.max_pool_backward")
        .add::<F>("layers.alloc.dx", x.shape())
        .check()?;
    let mut dx = Array4::zeros(x.raw_dim());
    for img in 0..n {
        for ch in 0..c {
            for i in 0..h_out {
                for j in 0..w_out {
                    let (r, col) = argmax_in_window(x, img, ch, i, j, *pool_param);
                    dx[[img, ch, r, col]] += dout[[img, ch, i, j]];
                }
            }
        }
    }
    Ok(dx)
}

/// Naive forward pass of average pooling.
///
/// - x: input `(N, C, H, W)`
/// - pool_param: window `pool_height × pool_width` and stride S (no padding)
///
/// Returns `out` of shape `(N, C, H', W')`, H' = (H − pool_height)/S + 1,
/// W' = (W − pool_width)/S + 1, each cell the mean of its window, and the cache `(x, pool_param)`.
pub fn avg_pool_forward_naive<F: Float>(
    x: &Array4<F>,
    pool_param: PoolParam,
) -> Result<(Array4<F>, PoolCache<F>)> {
    let (n, c, h_out, w_out) =
        output_shape_in("layers.call.avg_pool_forward", x.dim(), pool_param)?;
    Allocations::new("layers.alloc.avg_pool_forward_cache")
        .add::<F>("layers.alloc.pool_output", &[n, c, h_out, w_out])
        .add::<F>("layers.alloc.cache_x", x.shape())
        .check()?;
    let PoolParam {
        pool_height: hh,
        pool_width: ww,
        stride: s,
    } = pool_param;
    // The window is at least 1×1 (pool_output_hw refuses 0) and fits in x, so hh·ww ≤ H·W.
    let area = F::of((hh * ww) as f64);
    let mut out = Array4::zeros((n, c, h_out, w_out));
    for img in 0..n {
        for ch in 0..c {
            for i in 0..h_out {
                for j in 0..w_out {
                    let mut sum = F::zero();
                    for r in i * s..i * s + hh {
                        for col in j * s..j * s + ww {
                            sum += x[[img, ch, r, col]];
                        }
                    }
                    out[[img, ch, i, j]] = sum / area;
                }
            }
        }
    }
    Ok((
        out,
        PoolCache {
            x: x.clone(),
            pool_param,
        },
    ))
}

/// Naive backward pass of average pooling.
///
/// - dout: upstream gradient `(N, C, H', W')`
/// - cache: from [`avg_pool_forward_naive`]
///
/// Returns `dx` of shape `(N, C, H, W)`: each dout cell divided by the window's size
/// `pool_height · pool_width` and added to every cell of its window.
pub fn avg_pool_backward_naive<F: Float>(
    dout: &Array4<F>,
    cache: &PoolCache<F>,
) -> Result<Array4<F>> {
    let PoolCache { x, pool_param } = cache;
    let expected = output_shape_in("layers.call.avg_pool_forward", x.dim(), *pool_param)?;
    check_dout("layers.call.avg_pool_backward", dout.dim(), expected)?;
    let (n, c, h_out, w_out) = expected;
    Allocations::new("layers.alloc.avg_pool_backward")
        .add::<F>("layers.alloc.dx", x.shape())
        .check()?;
    let PoolParam {
        pool_height: hh,
        pool_width: ww,
        stride: s,
    } = *pool_param;
    let area = F::of((hh * ww) as f64);
    let mut dx = Array4::zeros(x.raw_dim());
    for img in 0..n {
        for ch in 0..c {
            for i in 0..h_out {
                for j in 0..w_out {
                    let share = dout[[img, ch, i, j]] / area;
                    for r in i * s..i * s + hh {
                        for col in j * s..j * s + ww {
                            dx[[img, ch, r, col]] += share;
                        }
                    }
                }
            }
        }
    }
    Ok(dx)
}

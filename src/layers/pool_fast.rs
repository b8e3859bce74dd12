//! Fast max and average pooling: the same results as [`crate::layers::pool`]'s naive loops, on
//! contiguous planes, with `_into` variants that write into reusable arrays.
//!
//! Max pooling records, for every output cell, the flat index in `x` of its window's first
//! maximum (row-major order, as in the naive layer, so ties go to the same cell). The backward
//! pass then adds each upstream gradient to that one cell, without looking at `x` again. The
//! common 2×2, stride 2 window has a loop of its own that reads two input rows side by side.
//!
//! Average pooling needs no record at all: its backward pass shares each upstream gradient
//! evenly over the window, whatever `x` was, so its cache is only the shapes. Both passes add in
//! the naive layer's order (row by row within a window, windows in row-major order), so the fast
//! results are the naive ones bit for bit.
//!
//! ```
//! use cnn_playground::layers::{max_pool_backward_fast, max_pool_forward_fast, PoolParam};
//! use ndarray::Array4;
//! let x = Array4::from_shape_vec((1, 1, 2, 2), vec![1.0_f64, 4.0, 3.0, 4.0]).unwrap();
//! let (out, cache) = max_pool_forward_fast(&x, PoolParam::default()).unwrap();
//! assert_eq!(out[[0, 0, 0, 0]], 4.0);
//! // The tie between the two 4s goes to the first in row-major order.
//! let dx = max_pool_backward_fast(&Array4::<f64>::ones((1, 1, 1, 1)), &cache).unwrap();
//! assert_eq!(dx.into_raw_vec_and_offset().0, vec![0.0, 1.0, 0.0, 0.0]);
//! ```
//!
//! ```
//! use cnn_playground::layers::{avg_pool_backward_fast, avg_pool_forward_fast, PoolParam};
//! use ndarray::Array4;
//! let x = Array4::from_shape_vec((1, 1, 2, 2), vec![1.0_f64, 4.0, 3.0, 4.0]).unwrap();
//! let (out, cache) = avg_pool_forward_fast(&x, PoolParam::default()).unwrap();
//! assert_eq!(out[[0, 0, 0, 0]], 3.0);
//! // Each of the four cells gets a quarter of the upstream gradient.
//! let dx = avg_pool_backward_fast(&Array4::<f64>::ones((1, 1, 1, 1)), &cache).unwrap();
//! assert_eq!(dx.into_raw_vec_and_offset().0, vec![0.25; 4]);
//! ```

use crate::error::{Error, Result};
use crate::float::Float;
use crate::i18n::Message;
use crate::layers::conv::check_dout;
use crate::layers::pool::{output_shape_in, pool_output_shape, PoolParam};
use crate::layers::{check_output_shape, Allocations};
use ndarray::{Array4, ArrayView4, ArrayViewMut4};

/// What [`max_pool_backward_fast`] needs: the shapes, and for every output cell (in row-major
/// order) the flat row-major index in `x` of the input cell that won its window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolFastCache {
    pub x_dim: (usize, usize, usize, usize),
    pub out_dim: (usize, usize, usize, usize),
    pub argmax: Vec<usize>,
}

/// Fast forward pass of max pooling.
///
/// - x: input `(N, C, H, W)`
/// - pool_param: window `pool_height × pool_width` and stride S (no padding)
///
/// Returns `out` of shape `(N, C, H', W')`, H' = (H − pool_height)/S + 1,
/// W' = (W − pool_width)/S + 1, and the cache of argmax indices. Same results and errors as
/// [`crate::layers::max_pool_forward_naive`].
pub fn max_pool_forward_fast<F: Float>(
    x: &Array4<F>,
    pool_param: PoolParam,
) -> Result<(Array4<F>, PoolFastCache)> {
    let out_dim = pool_output_shape(x.dim(), pool_param)?;
    let (n, c, h_out, w_out) = out_dim;
    Allocations::new("layers.alloc.max_pool_forward_argmax")
        .add::<F>("layers.alloc.pool_output", &[n, c, h_out, w_out])
        .add::<usize>("layers.alloc.argmax", &[n, c, h_out, w_out])
        .check()?;
    let mut out = Array4::zeros(out_dim);
    let mut argmax = vec![0; out.len()];
    max_pool_forward_into(x.view(), pool_param, out.view_mut(), &mut argmax)?;
    let cache = PoolFastCache {
        x_dim: x.dim(),
        out_dim,
        argmax,
    };
    Ok((out, cache))
}

/// Fast backward pass of max pooling.
///
/// - dout: upstream gradient `(N, C, H', W')`
/// - cache: from [`max_pool_forward_fast`]
///
/// Returns `dx` of shape `(N, C, H, W)`: each dout cell added to the argmax of its window.
///
/// Errors: a dout of another shape than the forward output, a cache whose indices lie outside x,
/// and [`Error::OverBudget`] for a `dx` (of the cache's `x_dim`) over the memory budget.
pub fn max_pool_backward_fast<F: Float>(
    dout: &Array4<F>,
    cache: &PoolFastCache,
) -> Result<Array4<F>> {
    check_dout("layers.call.max_pool_backward", dout.dim(), cache.out_dim)?;
    let (n, c, h, w) = cache.x_dim;
    Allocations::new("layers.alloc.max_pool_backward")
        .add::<F>("layers.alloc.dx", &[n, c, h, w])
        .check()?;
    let mut dx = Array4::zeros(cache.x_dim);
    max_pool_backward_into(dout.view(), &cache.argmax, dx.view_mut())?;
    Ok(dx)
}

/// The forward pass of [`max_pool_forward_fast`] into an existing `out (N, C, H', W')` and
/// `argmax` (one index per output cell), without allocating.
///
/// `out` must be in standard (row-major, contiguous) layout; `x` may have any layout (the
/// indices refer to its row-major order).
pub fn max_pool_forward_into<F: Float>(
    x: ArrayView4<'_, F>,
    pool_param: PoolParam,
    mut out: ArrayViewMut4<'_, F>,
    argmax: &mut [usize],
) -> Result<()> {
    let x = x.as_standard_layout();
    let out_dim = pool_output_shape(x.dim(), pool_param)?;
    if out.dim() != out_dim || argmax.len() != out.len() {
        return Err(Error::shape(
            Message::new("layers.context.max_pool_forward_out"),
            format!("out of shape {out_dim:?} and {} indices", out.len()),
            format!("out of shape {:?} and {} indices", out.dim(), argmax.len()),
        ));
    }
    let (_, _, h, w) = x.dim();
    let (_, _, h_out, w_out) = out_dim;
    let out = out.as_slice_mut().ok_or_else(|| {
        Error::invalid(
            Message::new("layers.context.not_contiguous_shape")
                .nested("context", Message::new("layers.call.max_pool_forward"))
                .arg("name", "out")
                .arg("dim", format!("{out_dim:?}")),
        )
    })?;
    let x = x.as_slice().expect("as_standard_layout is row-major");
    let PoolParam {
        pool_height: ph,
        pool_width: pw,
        stride: s,
    } = pool_param;
    let planes = x
        .chunks_exact(h * w)
        .zip(out.chunks_exact_mut(h_out * w_out))
        .zip(argmax.chunks_exact_mut(h_out * w_out));
    for (plane_idx, ((plane, out), arg)) in planes.enumerate() {
        let base = plane_idx * h * w;
        if (ph, pw, s) == (2, 2, 2) {
            // Two input rows at a time; candidates in row-major order, first maximum wins.
            for (i, (out, arg)) in out
                .chunks_exact_mut(w_out)
                .zip(arg.chunks_exact_mut(w_out))
                .enumerate()
            {
                let r0 = 2 * i * w;
                let (top, bottom) = (&plane[r0..r0 + w], &plane[r0 + w..r0 + 2 * w]);
                let cells = top
                    .chunks_exact(2)
                    .zip(bottom.chunks_exact(2))
                    .zip(out.iter_mut().zip(arg.iter_mut()));
                for (j, ((t, b), (o, a))) in cells.enumerate() {
                    let mut best = (t[0], r0 + 2 * j);
                    for (v, idx) in [
                        (t[1], r0 + 2 * j + 1),
                        (b[0], r0 + w + 2 * j),
                        (b[1], r0 + w + 2 * j + 1),
                    ] {
                        if v > best.0 {
                            best = (v, idx);
                        }
                    }
                    *o = best.0;
                    *a = base + best.1;
                }
            }
        } else {
            for i in 0..h_out {
                for j in 0..w_out {
                    let first = i * s * w + j * s;
                    let mut best = (plane[first], first);
                    for r in 0..ph {
                        let start = first + r * w;
                        for (dc, &v) in plane[start..start + pw].iter().enumerate() {
                            // Strict `>`: the first maximum wins ties, as in the naive layer.
                            if v > best.0 {
                                best = (v, start + dc);
                            }
                        }
                    }
                    out[i * w_out + j] = best.0;
                    arg[i * w_out + j] = base + best.1;
                }
            }
        }
    }
    Ok(())
}

/// The backward pass of [`max_pool_backward_fast`] into an existing `dx (N, C, H, W)`
/// (overwritten), from the `argmax` indices of the forward pass.
///
/// `dx` must be in standard (row-major, contiguous) layout.
pub fn max_pool_backward_into<F: Float>(
    dout: ArrayView4<'_, F>,
    argmax: &[usize],
    mut dx: ArrayViewMut4<'_, F>,
) -> Result<()> {
    if dout.len() != argmax.len() {
        return Err(Error::shape(
            Message::new("layers.context.max_pool_backward_argmax"),
            format!("{} indices for dout of shape {:?}", dout.len(), dout.dim()),
            format!("{} indices", argmax.len()),
        ));
    }
    let dx_dim = dx.dim();
    let dx = dx.as_slice_mut().ok_or_else(|| {
        Error::invalid(
            Message::new("layers.context.not_contiguous_shape")
                .nested("context", Message::new("layers.call.max_pool_backward"))
                .arg("name", "dx")
                .arg("dim", format!("{dx_dim:?}")),
        )
    })?;
    dx.fill(F::zero());
    // `dout.iter()` walks in row-major order whatever the layout, like `argmax`.
    for (&g, &idx) in dout.iter().zip(argmax) {
        let cell = dx.get_mut(idx).ok_or_else(|| {
            Error::invalid(
                Message::new("layers.context.argmax_outside")
                    .arg("idx", idx)
                    .arg("dim", format!("{dx_dim:?}")),
            )
        })?;
        *cell += g;
    }
    Ok(())
}

/// The layer's name in average pooling's errors, the same as in the naive layer's.
const AVG_FORWARD: &str = "layers.call.avg_pool_forward";
const AVG_BACKWARD: &str = "layers.call.avg_pool_backward";

/// What [`avg_pool_backward_fast`] needs: the input's shape and the window. The backward pass of
/// a mean does not depend on the values averaged, so no copy of `x` is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AvgPoolFastCache {
    pub x_dim: (usize, usize, usize, usize),
    pub pool_param: PoolParam,
}

/// Fast forward pass of average pooling.
///
/// - x: input `(N, C, H, W)`
/// - pool_param: window `pool_height × pool_width` and stride S (no padding)
///
/// Returns `out` of shape `(N, C, H', W')`, H' = (H − pool_height)/S + 1,
/// W' = (W − pool_width)/S + 1, each cell the mean of its window, and the cache (x's shape and
/// the window). Same results and errors as [`crate::layers::avg_pool_forward_naive`].
pub fn avg_pool_forward_fast<F: Float>(
    x: &Array4<F>,
    pool_param: PoolParam,
) -> Result<(Array4<F>, AvgPoolFastCache)> {
    let out_dim = output_shape_in(AVG_FORWARD, x.dim(), pool_param)?;
    let (n, c, h_out, w_out) = out_dim;
    Allocations::new("layers.alloc.avg_pool_forward")
        .add::<F>("layers.alloc.pool_output", &[n, c, h_out, w_out])
        .check()?;
    let mut out = Array4::zeros(out_dim);
    avg_pool_forward_into(x.view(), pool_param, out.view_mut())?;
    let cache = AvgPoolFastCache {
        x_dim: x.dim(),
        pool_param,
    };
    Ok((out, cache))
}

/// Fast backward pass of average pooling.
///
/// - dout: upstream gradient `(N, C, H', W')`
/// - cache: from [`avg_pool_forward_fast`]
///
/// Returns `dx` of shape `(N, C, H, W)`: each dout cell divided by the window's size
/// `pool_height · pool_width` and added to every cell of its window.
///
/// Errors: a dout of another shape than the forward output (the message of
/// [`crate::layers::avg_pool_backward_naive`]), and [`Error::OverBudget`] for a `dx` (of the
/// cache's `x_dim`) over the memory budget.
pub fn avg_pool_backward_fast<F: Float>(
    dout: &Array4<F>,
    cache: &AvgPoolFastCache,
) -> Result<Array4<F>> {
    let expected = output_shape_in(AVG_FORWARD, cache.x_dim, cache.pool_param)?;
    check_dout(AVG_BACKWARD, dout.dim(), expected)?;
    let (n, c, h, w) = cache.x_dim;
    Allocations::new("layers.alloc.avg_pool_backward")
        .add::<F>("layers.alloc.dx", &[n, c, h, w])
        .check()?;
    let mut dx = Array4::zeros(cache.x_dim);
    avg_pool_backward_into(dout.view(), cache.pool_param, dx.view_mut())?;
    Ok(dx)
}

/// The forward pass of [`avg_pool_forward_fast`] into an existing `out (N, C, H', W')`, without
/// allocating (unless `x` is not in standard layout, which is copied first).
///
/// `out` must be in standard (row-major, contiguous) layout.
pub fn avg_pool_forward_into<F: Float>(
    x: ArrayView4<'_, F>,
    pool_param: PoolParam,
    mut out: ArrayViewMut4<'_, F>,
) -> Result<()> {
    let out_dim = output_shape_in(AVG_FORWARD, x.dim(), pool_param)?;
    check_output_shape("layers.alloc.avg_pool_forward_out", out.dim(), out_dim)?;
    let x = x.as_standard_layout();
    let (_, _, h, w) = x.dim();
    let (_, _, h_out, w_out) = out_dim;
    let out = out.as_slice_mut().ok_or_else(|| {
        Error::invalid(
            Message::new("layers.context.not_contiguous_shape")
                .nested("context", Message::new("layers.call.avg_pool_forward"))
                .arg("name", "out")
                .arg("dim", format!("{out_dim:?}")),
        )
    })?;
    let x = x.as_slice().expect("as_standard_layout is row-major");
    let PoolParam {
        pool_height: ph,
        pool_width: pw,
        stride: s,
    } = pool_param;
    // The window fits in x (output_shape_in checked), so ph·pw ≤ H·W does not overflow.
    let area = F::of((ph * pw) as f64);
    for (plane, out) in x
        .chunks_exact(h * w)
        .zip(out.chunks_exact_mut(h_out * w_out))
    {
        if (ph, pw, s) == (2, 2, 2) {
            for (i, out) in out.chunks_exact_mut(w_out).enumerate() {
                let r0 = 2 * i * w;
                let (top, bottom) = (&plane[r0..r0 + w], &plane[r0 + w..r0 + 2 * w]);
                let cells = top.chunks_exact(2).zip(bottom.chunks_exact(2)).zip(out);
                for ((t, b), o) in cells {
                    // From zero and in the naive order, so the sum is the naive one bit for bit
                    // (0 + (−0) is +0, as there).
                    *o = (F::zero() + t[0] + t[1] + b[0] + b[1]) / area;
                }
            }
        } else {
            for i in 0..h_out {
                for j in 0..w_out {
                    let first = i * s * w + j * s;
                    let mut sum = F::zero();
                    for r in 0..ph {
                        let start = first + r * w;
                        for &v in &plane[start..start + pw] {
                            sum += v;
                        }
                    }
                    out[i * w_out + j] = sum / area;
                }
            }
        }
    }
    Ok(())
}

/// The backward pass of [`avg_pool_backward_fast`] into an existing `dx (N, C, H, W)`
/// (overwritten), for the input shape `dx` has and the window `pool_param`.
///
/// `dx` must be in standard (row-major, contiguous) layout.
pub fn avg_pool_backward_into<F: Float>(
    dout: ArrayView4<'_, F>,
    pool_param: PoolParam,
    mut dx: ArrayViewMut4<'_, F>,
) -> Result<()> {
    let dx_dim = dx.dim();
    let expected = output_shape_in(AVG_FORWARD, dx_dim, pool_param)?;
    check_dout(AVG_BACKWARD, dout.dim(), expected)?;
    let dout = dout.as_standard_layout();
    let (_, _, h, w) = dx_dim;
    let (_, _, h_out, w_out) = expected;
    let dx = dx.as_slice_mut().ok_or_else(|| {
        Error::invalid(
            Message::new("layers.context.not_contiguous_shape")
                .nested("context", Message::new("layers.call.avg_pool_backward"))
                .arg("name", "dx")
                .arg("dim", format!("{dx_dim:?}")),
        )
    })?;
    let dout = dout.as_slice().expect("as_standard_layout is row-major");
    let PoolParam {
        pool_height: ph,
        pool_width: pw,
        stride: s,
    } = pool_param;
    let area = F::of((ph * pw) as f64);
    dx.fill(F::zero());
    for (plane, g) in dx
        .chunks_exact_mut(h * w)
        .zip(dout.chunks_exact(h_out * w_out))
    {
        for i in 0..h_out {
            for j in 0..w_out {
                let share = g[i * w_out + j] / area;
                let first = i * s * w + j * s;
                for r in 0..ph {
                    let start = first + r * w;
                    for v in &mut plane[start..start + pw] {
                        *v += share;
                    }
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gradient_check::{numerical_gradient_array, rel_error, DEFAULT_H};
    use crate::rng::Rng;

    #[test]
    fn backward_matches_numerical_gradients() {
        // Random normal inputs: with these seeds no two cells of a window are within 2h of each
        // other, so the finite differences never straddle a change of winner.
        let configs = [
            ((2, 3, 8, 8), (2, 2, 2)),
            ((2, 2, 7, 9), (3, 3, 2)),
            ((1, 3, 5, 7), (1, 3, 2)),
            ((2, 1, 6, 4), (2, 1, 1)),
            ((1, 2, 4, 6), (4, 6, 1)),
        ];
        for (seed, &(x_dim, (ph, pw, s))) in configs.iter().enumerate() {
            let p = PoolParam {
                pool_height: ph,
                pool_width: pw,
                stride: s,
            };
            let mut rng = Rng::new(seed as u64);
            let x: Array4<f64> = rng.normal_array(x_dim, 1.0);
            let (out, cache) = max_pool_forward_fast(&x, p).unwrap();
            let dout: Array4<f64> = rng.normal_array(out.raw_dim(), 1.0);
            let dx = max_pool_backward_fast(&dout, &cache).unwrap();
            let num = numerical_gradient_array(
                |x| max_pool_forward_fast(x, p).unwrap().0,
                &x,
                &dout,
                DEFAULT_H,
            );
            let e = rel_error(&dx, &num);
            assert!(e < 1e-7, "x {x_dim:?}, {p:?}: rel error {e}");
        }
    }

    #[test]
    fn ties_go_to_the_first_maximum_in_row_major_order() {
        // Every window is constant except one; the generic and 2×2 paths must agree.
        let x = Array4::from_shape_vec(
            (1, 1, 4, 4),
            vec![
                1.0_f64, 1.0, 2.0, 0.0, //
                1.0, 1.0, 0.0, 2.0, //
                0.0, 3.0, 5.0, 5.0, //
                3.0, 3.0, 5.0, 5.0,
            ],
        )
        .unwrap();
        let (out, cache) = max_pool_forward_fast(&x, PoolParam::default()).unwrap();
        assert_eq!(out.into_raw_vec_and_offset().0, vec![1.0, 2.0, 3.0, 5.0]);
        assert_eq!(cache.argmax, vec![0, 2, 9, 10]);
        // The same four windows through the generic loop: 2×2 windows with stride 1, read at
        // the even output positions.
        let p = PoolParam {
            pool_height: 2,
            pool_width: 2,
            stride: 1,
        };
        let (_, cache) = max_pool_forward_fast(&x, p).unwrap();
        assert_eq!(
            [
                cache.argmax[0],
                cache.argmax[2],
                cache.argmax[6],
                cache.argmax[8]
            ],
            [0, 2, 9, 10]
        );
    }

    #[test]
    fn overlapping_windows_add_up_in_the_backward_pass() {
        // A single peak in the middle of a 3×3 input wins all four 2×2 stride-1 windows.
        let mut x = Array4::<f64>::zeros((1, 1, 3, 3));
        x[[0, 0, 1, 1]] = 1.0;
        let p = PoolParam {
            pool_height: 2,
            pool_width: 2,
            stride: 1,
        };
        let (_, cache) = max_pool_forward_fast(&x, p).unwrap();
        let dout = Array4::from_shape_vec((1, 1, 2, 2), vec![1.0, 2.0, 3.0, 4.0]).unwrap();
        let dx = max_pool_backward_fast(&dout, &cache).unwrap();
        assert_eq!(dx[[0, 0, 1, 1]], 10.0);
        assert_eq!(dx.sum(), 10.0);
    }

    #[test]
    fn bad_shapes_are_errors() {
        let x = Array4::<f64>::zeros((2, 3, 7, 8));
        let err = max_pool_forward_fast(&x, PoolParam::default()).unwrap_err();
        assert!(
            matches!(
                err,
                Error::NotWhole {
                    axis: "height",
                    input: 7,
                    ..
                }
            ),
            "{err}"
        );
        let x = Array4::<f64>::zeros((2, 3, 8, 8));
        let (_, cache) = max_pool_forward_fast(&x, PoolParam::default()).unwrap();
        let err = max_pool_backward_fast(&Array4::<f64>::zeros((2, 3, 4, 5)), &cache).unwrap_err();
        assert_eq!(
            err.to_string(),
            "shape mismatch in max pool backward (dout must have the shape of the forward output): expected (2, 3, 4, 4), got (2, 3, 4, 5)"
        );
        let mut dx = Array4::<f64>::zeros((1, 1, 2, 2));
        let err = max_pool_backward_into(Array4::ones((1, 1, 1, 1)).view(), &[4], dx.view_mut())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "max pool backward: argmax index 4 is outside dx of shape (1, 1, 2, 2)"
        );
    }
}

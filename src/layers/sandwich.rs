//! Sandwich layers: common sequences of layers as one forward/backward pair, as in the course's
//! `layer_utils.py`. Each cache is the tuple of its sub-layers' caches; the backward unwinds them
//! in reverse order.

use crate::error::Result;
use crate::float::Float;
use crate::layers::affine::{affine_backward, affine_forward, AffineCache};
use crate::layers::conv::{conv_backward_naive, conv_forward_naive, ConvCache, ConvParam};
use crate::layers::pool::{max_pool_backward_naive, max_pool_forward_naive, PoolCache, PoolParam};
use crate::layers::relu::{relu_backward, relu_forward, ReluCache};
use ndarray::{Array1, Array2, Array4, ArrayD, Ix2, Ix4};

/// The sub-caches of conv → ReLU → max pool.
pub type ConvReluPoolCache<F> = (ConvCache<F>, ReluCache<F, Ix4>, PoolCache<F>);

/// conv → ReLU → max pool, forward.
///
/// - x `(N, C, H, W)`, w `(F, C, HH, WW)`, b `(F,)`, the conv and pool parameters
///
/// Returns `out` `(N, F, H'', W'')` (the conv output size, then pooled) and the three caches.
pub fn conv_relu_pool_forward<F: Float>(
    x: &Array4<F>,
    w: &Array4<F>,
    b: &Array1<F>,
    conv_param: ConvParam,
    pool_param: PoolParam,
) -> Result<(Array4<F>, ConvReluPoolCache<F>)> {
    let (a, conv_cache) = conv_forward_naive(x, w, b, conv_param)?;
    let (s, relu_cache) = relu_forward(&a);
    let (out, pool_cache) = max_pool_forward_naive(&s, pool_param)?;
    Ok((out, (conv_cache, relu_cache, pool_cache)))
}

/// conv → ReLU → max pool, backward: takes dout `(N, F, H'', W'')`, returns `(dx, dw, db)`.
pub fn conv_relu_pool_backward<F: Float>(
    dout: &Array4<F>,
    cache: &ConvReluPoolCache<F>,
) -> Result<(Array4<F>, Array4<F>, Array1<F>)> {
    let (conv_cache, relu_cache, pool_cache) = cache;
    let ds = max_pool_backward_naive(dout, pool_cache)?;
    let da = relu_backward(&ds, relu_cache)?;
    conv_backward_naive(&da, conv_cache)
}

/// The sub-caches of affine → ReLU.
pub type AffineReluCache<F> = (AffineCache<F>, ReluCache<F, Ix2>);

/// affine → ReLU, forward: x `(N, d1, …, dk)`, w `(D, M)`, b `(M,)` → out `(N, M)` and the caches.
pub fn affine_relu_forward<F: Float>(
    x: &ArrayD<F>,
    w: &Array2<F>,
    b: &Array1<F>,
) -> Result<(Array2<F>, AffineReluCache<F>)> {
    let (a, fc_cache) = affine_forward(x, w, b)?;
    let (out, relu_cache) = relu_forward(&a);
    Ok((out, (fc_cache, relu_cache)))
}

/// affine → ReLU, backward: takes dout `(N, M)`, returns `(dx, dw, db)`.
pub fn affine_relu_backward<F: Float>(
    dout: &Array2<F>,
    cache: &AffineReluCache<F>,
) -> Result<(ArrayD<F>, Array2<F>, Array1<F>)> {
    let (fc_cache, relu_cache) = cache;
    let da = relu_backward(dout, relu_cache)?;
    affine_backward(&da, fc_cache)
}

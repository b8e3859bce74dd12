//! CS231n's layers, one file per layer family, each forward directly above its backward.
//!
//! Conventions, as in the assignment: images `x` are `(N, C, H, W)`; conv filters `w` are
//! `(F, C, HH, WW)` with bias `b` of shape `(F,)`; every `*_forward` returns `(out, cache)` and
//! every `*_backward` takes `(dout, cache)` and returns the gradients named `dx, dw, db`.

pub mod affine;
pub mod batchnorm;
pub mod conv;
pub mod conv_fast;
pub mod loss;
pub mod pool;
pub mod pool_fast;
pub mod relu;
pub mod sandwich;

use crate::error::{Error, Result};

pub use affine::{
    affine_backward, affine_backward_into, affine_forward, affine_forward_into, AffineCache,
    AffineGradsMut,
};
pub use batchnorm::{
    spatial_batchnorm_backward, spatial_batchnorm_forward, BatchNormCache, BatchNormParam, Mode,
};
pub use conv::{conv_backward_naive, conv_forward_naive, ConvCache, ConvParam};
pub use conv_fast::{conv_backward_fast, conv_forward_fast, ConvFastCache};
pub use loss::{softmax_loss, svm_loss};
pub use pool::{max_pool_backward_naive, max_pool_forward_naive, PoolCache, PoolParam};
pub use pool_fast::{max_pool_backward_fast, max_pool_forward_fast, PoolFastCache};
pub use relu::{relu_backward, relu_forward, ReluCache};
pub use sandwich::{
    affine_relu_backward, affine_relu_forward, conv_relu_pool_backward, conv_relu_pool_forward,
    AffineReluCache, ConvReluPoolCache,
};

/// An output array given to an `_into` function must have the shape it will receive (`got`).
pub(crate) fn check_output_shape<D: PartialEq + std::fmt::Debug>(
    context: &str,
    got: D,
    expected: D,
) -> Result<()> {
    if got != expected {
        return Err(Error::shape(
            context,
            format!("{expected:?}"),
            format!("{got:?}"),
        ));
    }
    Ok(())
}

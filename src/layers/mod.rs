//! CS231n's layers, one file per layer family, each forward directly above its backward.
//!
//! Conventions, as in the assignment: images `x` are `(N, C, H, W)`; conv filters `w` are
//! `(F, C, HH, WW)` with bias `b` of shape `(F,)`; every `*_forward` returns `(out, cache)` and
//! every `*_backward` takes `(dout, cache)` and returns the gradients named `dx, dw, db`.
//!
//! Every layer checks what it is about to allocate (outputs, gradients, padded copies, caches,
//! workspaces) against the engine's memory budget ([`crate::budget`]) before it allocates any of
//! it: a pad of 10 000 on a 4×4 image is an [`Error::OverBudget`] that names the output and what it
//! would need, not an out-of-memory trap in the browser.

pub mod affine;
pub mod batchnorm;
pub mod conv;
pub mod conv_fast;
pub mod dropout;
pub mod init;
pub mod loss;
pub mod pool;
pub mod pool_fast;
pub mod relu;
pub mod sandwich;

use crate::budget;
use crate::error::{Error, Result};
use crate::i18n::Message;

pub use affine::{
    affine_backward, affine_backward_into, affine_forward, affine_forward_into, AffineCache,
    AffineGradsMut,
};
pub use batchnorm::{
    spatial_batchnorm_backward, spatial_batchnorm_forward, BatchNormCache, BatchNormParam, Mode,
};
pub use conv::{conv_backward_naive, conv_forward_naive, ConvCache, ConvParam};
pub use conv_fast::{conv_backward_fast, conv_forward_fast, ConvFastCache};
pub use dropout::{
    dropout_backward, dropout_forward, dropout_forward_with_mask, DropoutCache, DropoutParam,
};
pub use init::{he_affine_weights, he_conv_weights, he_std_affine, he_std_conv};
pub use loss::{check_scores, softmax_loss, svm_loss};
pub use pool::{
    avg_pool_backward_naive, avg_pool_forward_naive, max_pool_backward_naive,
    max_pool_forward_naive, PoolCache, PoolParam,
};
pub use pool_fast::{
    avg_pool_backward_fast, avg_pool_backward_into, avg_pool_forward_fast, avg_pool_forward_into,
    max_pool_backward_fast, max_pool_forward_fast, AvgPoolFastCache, PoolFastCache,
};
pub use relu::{relu_backward, relu_forward, ReluCache};
pub use sandwich::{
    affine_relu_backward, affine_relu_forward, conv_relu_pool_backward, conv_relu_pool_forward,
    AffineReluCache, ConvReluPoolCache,
};

/// An output array given to an `_into` function must have the shape it will receive (`got`);
/// `context` is the catalog key that names it ("affine forward (out)").
pub(crate) fn check_output_shape<D: PartialEq + std::fmt::Debug>(
    context: &'static str,
    got: D,
    expected: D,
) -> Result<()> {
    if got != expected {
        return Err(Error::shape(
            Message::new(context),
            format!("{expected:?}"),
            format!("{got:?}"),
        ));
    }
    Ok(())
}

/// The arrays one layer call is about to allocate, checked against the budget before any is:
/// each on its own (so the error names the array that is too large, with its dimensions), then
/// all together. Allocates nothing unless there is an error to report (a training loop calls the
/// `_into` layers every step).
#[derive(Debug)]
pub(crate) struct Allocations {
    /// The catalog key of the call ("conv forward").
    request: &'static str,
    bytes: u128,
    first_error: Option<Error>,
}

impl Allocations {
    /// `request` names the call in the error for the total: a catalog key (`layers.alloc.…`).
    pub(crate) fn new(request: &'static str) -> Self {
        Allocations {
            request,
            bytes: 0,
            first_error: None,
        }
    }

    /// An array of `dims` values of type `T`, named by the catalog key `what` ("the conv output").
    pub(crate) fn add<T>(&mut self, what: &'static str, dims: &[usize]) -> &mut Self {
        let bytes = budget::bytes_of::<T>(dims);
        self.bytes = self.bytes.saturating_add(bytes);
        if self.first_error.is_some() {
            return self;
        }
        if bytes > u128::from(budget::MAX_BYTES) {
            self.first_error = budget::check_named::<T>(Message::new(what), dims).err();
        }
        // An empty array still needs its other sides to multiply to at most isize::MAX (ndarray
        // refuses to make it otherwise): a hand-made cache could ask for (2^63, 0, 1, 1).
        let sides = dims
            .iter()
            .filter(|&&d| d != 0)
            .try_fold(1u128, |acc, &d| acc.checked_mul(d as u128));
        if self.first_error.is_none() && sides.is_none_or(|n| n > isize::MAX as u128) {
            self.first_error = Some(Error::invalid(
                Message::new("layers.alloc.too_many_sides")
                    .nested("what", Message::new(what))
                    .arg("dims", budget::dims_text(dims)),
            ));
        }
        self
    }

    /// The first array over the budget, else the total if that is.
    pub(crate) fn check(&self) -> Result<()> {
        if let Some(e) = &self.first_error {
            return Err(e.clone());
        }
        if self.bytes > u128::from(budget::MAX_BYTES) {
            return Err(Error::OverBudget {
                what: Message::new(self.request),
                needed: self.bytes,
                limit: budget::MAX_BYTES,
            });
        }
        Ok(())
    }
}

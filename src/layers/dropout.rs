//! Inverted dropout, as in the assignment's `dropout_forward` / `dropout_backward`.
//!
//! In training, each unit of `x` is kept with probability `p` and set to zero otherwise, and the
//! kept units are divided by `p` ("inverted" dropout): every unit's expected value is unchanged,
//! E\[out\] = p · x/p = x, so at test time the layer is the identity and needs no rescaling.
//!
//! **`p` is the probability of KEEPING a unit**, the assignment's convention (its
//! `dropout_param['p']`: "we keep each neuron output with probability p"); some libraries use
//! the probability of dropping instead. (The course's notes this project started from, on
//! lecture 5, do not cover dropout, so the assignment's convention is the one followed.)
//!
//! The mask is drawn from [`crate::rng::Rng`] seeded by [`DropoutParam::seed`], one uniform
//! number per unit in row-major order: the same seed gives the same mask, in f32 and f64, natively
//! and in WebAssembly. For a gradient check, [`dropout_forward_with_mask`] takes a given mask
//! instead, so that the function checked does not change between the ±h steps.
//!
//! ```
//! use cnn_playground::layers::{dropout_backward, dropout_forward, DropoutParam, Mode};
//! use ndarray::array;
//! let x = array![[1.0_f64, 2.0, 3.0, 4.0]];
//! let param = DropoutParam { p: 0.5, mode: Mode::Train, seed: 1 };
//! let (out, cache) = dropout_forward(&x, param).unwrap();
//! // Each unit is either dropped or doubled (divided by p = 0.5).
//! for (o, v) in out.iter().zip(&x) {
//!     assert!(*o == 0.0 || *o == 2.0 * v);
//! }
//! let dx = dropout_backward(&array![[1.0, 1.0, 1.0, 1.0]], &cache).unwrap();
//! assert_eq!(dx, out.mapv(|o| if o == 0.0 { 0.0 } else { 2.0 }));
//! // At test time, the identity.
//! let test = DropoutParam { mode: Mode::Test, ..param };
//! assert_eq!(dropout_forward(&x, test).unwrap().0, x);
//! ```

use crate::error::{Error, Result};
use crate::float::Float;
use crate::i18n::Message;
use crate::layers::batchnorm::Mode;
use crate::layers::Allocations;
use crate::rng::Rng;
use ndarray::{Array, Dimension, Zip};

/// The settings of a dropout layer (the assignment's `dropout_param`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DropoutParam {
    /// The probability of KEEPING each unit, in (0, 1]; 1 keeps every unit.
    pub p: f64,
    /// Train draws a mask; Test is the identity.
    pub mode: Mode,
    /// Seeds the mask's draw (train mode only). A training loop passes a new seed each step.
    pub seed: u64,
}

impl Default for DropoutParam {
    /// Keep half the units (the common choice), train mode, seed 0.
    fn default() -> Self {
        DropoutParam {
            p: 0.5,
            mode: Mode::Train,
            seed: 0,
        }
    }
}

/// What [`dropout_backward`] needs: x's shape, the keep probability and the mask.
#[derive(Debug, Clone, PartialEq)]
pub struct DropoutCache<D: Dimension> {
    /// The shape of x (and of out, and of the dout the backward pass takes).
    pub dim: D,
    /// The probability of keeping a unit the forward pass used.
    pub p: f64,
    /// `true` where a unit was kept, of x's shape; `None` in test mode, where the layer was the
    /// identity.
    pub mask: Option<Array<bool, D>>,
}

/// Refuses a keep probability outside (0, 1], NaN included.
fn check_keep_probability(p: f64) -> Result<()> {
    if p > 0.0 && p <= 1.0 {
        return Ok(());
    }
    Err(Error::InvalidHyperparameter {
        name: "the dropout probability p".into(),
        value: p,
        reason: Message::new("layers.network.keep_probability"),
    })
}

/// Forward pass of inverted dropout.
///
/// - x: input of any shape (`(N, D)` after an affine layer, `(N, C, H, W)` after a conv)
/// - dropout_param: the keep probability p, the mode and the seed of the mask
///
/// Returns `out` of x's shape — in train mode x/p where the mask keeps a unit (probability p,
/// drawn per unit) and 0 elsewhere; in test mode x itself — and the cache `(p, mask)`.
///
/// Errors: p outside (0, 1] ([`Error::InvalidHyperparameter`]), and [`Error::OverBudget`] for an
/// output and mask over the memory budget.
pub fn dropout_forward<F: Float, D: Dimension>(
    x: &Array<F, D>,
    dropout_param: DropoutParam,
) -> Result<(Array<F, D>, DropoutCache<D>)> {
    let DropoutParam { p, mode, seed } = dropout_param;
    check_keep_probability(p)?;
    match mode {
        Mode::Test => {
            Allocations::new("layers.alloc.dropout_forward")
                .add::<F>("layers.alloc.dropout_output", x.shape())
                .check()?;
            let cache = DropoutCache {
                dim: x.raw_dim(),
                p,
                mask: None,
            };
            Ok((x.clone(), cache))
        }
        Mode::Train => {
            Allocations::new("layers.alloc.dropout_forward_mask")
                .add::<F>("layers.alloc.dropout_output", x.shape())
                .add::<bool>("layers.alloc.dropout_mask", x.shape())
                .check()?;
            let mut rng = Rng::new(seed);
            // One draw per unit in row-major order, whatever x's memory layout.
            let keep: Vec<bool> = (0..x.len()).map(|_| rng.uniform() < p).collect();
            let mask =
                Array::from_shape_vec(x.raw_dim(), keep).expect("one mask value per element of x");
            let out = apply_mask(x, &mask, p);
            let cache = DropoutCache {
                dim: x.raw_dim(),
                p,
                mask: Some(mask),
            };
            Ok((out, cache))
        }
    }
}

/// Forward pass of inverted dropout in train mode with a given mask instead of a drawn one (the
/// fixed-mask mode, for gradient checks).
///
/// - x: input of any shape
/// - mask: `true` where a unit is kept, of x's shape
/// - p: the keep probability the kept units are divided by, in (0, 1]
///
/// Returns `out` (x/p where kept, 0 elsewhere) and the cache `(p, mask)`.
pub fn dropout_forward_with_mask<F: Float, D: Dimension>(
    x: &Array<F, D>,
    mask: &Array<bool, D>,
    p: f64,
) -> Result<(Array<F, D>, DropoutCache<D>)> {
    check_keep_probability(p)?;
    if mask.shape() != x.shape() {
        return Err(Error::shape(
            Message::new("layers.context.dropout_forward_mask"),
            format!("{:?}", x.shape()),
            format!("{:?}", mask.shape()),
        ));
    }
    Allocations::new("layers.alloc.dropout_forward_mask")
        .add::<F>("layers.alloc.dropout_output", x.shape())
        .add::<bool>("layers.alloc.dropout_mask", x.shape())
        .check()?;
    let out = apply_mask(x, mask, p);
    let cache = DropoutCache {
        dim: x.raw_dim(),
        p,
        mask: Some(mask.clone()),
    };
    Ok((out, cache))
}

/// `v/p` where the mask keeps a unit, 0 elsewhere; the shapes are equal.
fn apply_mask<F: Float, D: Dimension>(
    v: &Array<F, D>,
    mask: &Array<bool, D>,
    p: f64,
) -> Array<F, D> {
    let p = F::of(p);
    Zip::from(v)
        .and(mask)
        .map_collect(|&v, &keep| if keep { v / p } else { F::zero() })
}

/// Backward pass of inverted dropout.
///
/// - dout: upstream gradient, of x's shape
/// - cache: from [`dropout_forward`] or [`dropout_forward_with_mask`]
///
/// Returns `dx` of x's shape: dout/p where the mask kept a unit and 0 elsewhere (train mode);
/// dout itself (test mode).
///
/// Errors: a dout of another shape than x's, and a hand-made cache with p outside (0, 1] or a
/// mask of another shape than its x's.
pub fn dropout_backward<F: Float, D: Dimension>(
    dout: &Array<F, D>,
    cache: &DropoutCache<D>,
) -> Result<Array<F, D>> {
    check_keep_probability(cache.p)?;
    if dout.raw_dim() != cache.dim {
        return Err(Error::shape(
            Message::new("layers.context.dropout_backward_dout"),
            format!("{:?}", cache.dim.slice()),
            format!("{:?}", dout.shape()),
        ));
    }
    Allocations::new("layers.alloc.dropout_backward")
        .add::<F>("layers.alloc.dx", dout.shape())
        .check()?;
    match &cache.mask {
        None => Ok(dout.clone()),
        Some(mask) if mask.raw_dim() == cache.dim => Ok(apply_mask(dout, mask, cache.p)),
        Some(mask) => Err(Error::shape(
            Message::new("layers.context.dropout_backward_mask"),
            format!("{:?}", cache.dim.slice()),
            format!("{:?}", mask.shape()),
        )),
    }
}

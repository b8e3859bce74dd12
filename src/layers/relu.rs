//! The rectified linear unit: `out = max(0, x)`, elementwise, for arrays of any shape.
//!
//! Its backward pass lets the gradient through where the input was positive and stops it
//! elsewhere. At exactly 0 the function has a kink; we take the gradient there to be 0, as the
//! course does.
//!
//! ```
//! use cnn_playground::layers::{relu_backward, relu_forward};
//! use ndarray::array;
//! let x = array![-1.0_f64, 0.0, 2.0];
//! let (out, cache) = relu_forward(&x);
//! assert_eq!(out, array![0.0, 0.0, 2.0]);
//! let dx = relu_backward(&array![5.0, 5.0, 5.0], &cache).unwrap();
//! assert_eq!(dx, array![0.0, 0.0, 5.0]);
//! ```

use crate::error::{Error, Result};
use crate::float::Float;
use crate::i18n::Message;
use ndarray::{Array, Dimension, Zip};

/// What [`relu_backward`] needs: the input x.
#[derive(Debug, Clone)]
pub struct ReluCache<F, D: Dimension> {
    pub x: Array<F, D>,
}

/// Forward pass of ReLU: x of any shape → `max(0, x)` of the same shape, and the cache `x`.
pub fn relu_forward<F: Float, D: Dimension>(x: &Array<F, D>) -> (Array<F, D>, ReluCache<F, D>) {
    let out = x.mapv(|v| if v > F::zero() { v } else { F::zero() });
    (out, ReluCache { x: x.clone() })
}

/// Backward pass of ReLU: `dx = dout` where `x > 0`, else 0; dout has x's shape.
pub fn relu_backward<F: Float, D: Dimension>(
    dout: &Array<F, D>,
    cache: &ReluCache<F, D>,
) -> Result<Array<F, D>> {
    if dout.shape() != cache.x.shape() {
        return Err(Error::shape(
            Message::new("layers.context.relu_backward_dout"),
            format!("{:?}", cache.x.shape()),
            format!("{:?}", dout.shape()),
        ));
    }
    let mut dx = dout.clone();
    Zip::from(&mut dx)
        .and(&cache.x)
        .for_each(|d, &x| *d = if x > F::zero() { *d } else { F::zero() });
    Ok(dx)
}

//! Helpers shared by the integration tests.
#![allow(dead_code)]

use ndarray::{Array, Array1, IxDyn};

/// numpy's `np.linspace(lo, hi, num=n)`.
pub fn linspace(lo: f64, hi: f64, n: usize) -> Array1<f64> {
    Array1::linspace(lo, hi, n)
}

/// `np.linspace(lo, hi, num=prod(shape)).reshape(shape)`, the course's favourite test input.
pub fn linspace_shaped(lo: f64, hi: f64, shape: &[usize]) -> Array<f64, IxDyn> {
    let n = shape.iter().product();
    linspace(lo, hi, n)
        .into_shape_with_order(IxDyn(shape))
        .unwrap()
}

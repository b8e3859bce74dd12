//! Numerical gradients by centred differences, and the course's relative error.
//!
//! This is how a student learns to trust a backward pass: perturb each input by ±h, watch the loss
//! (or the output, weighted by an upstream gradient) move, and compare the slope with what the
//! backward pass computed. Check in `f64`: in `f32` the rounding error of `f(x + h) − f(x − h)` is
//! larger than the difference itself for small `h`.
//!
//! ```
//! use cnn_playground::gradient_check::{numerical_gradient, rel_error};
//! use ndarray::array;
//! let x = array![1.0_f64, -2.0, 3.0];
//! // f(x) = Σ x², so df/dx = 2x.
//! let num = numerical_gradient(|x| x.mapv(|v| v * v).sum(), &x, 1e-5);
//! assert!(rel_error(&num, &(&x * 2.0)) < 1e-9);
//! ```

use crate::float::Float;
use ndarray::{Array, ArrayBase, Data, Dimension, Zip};

/// The step used by the course: `h = 1e-5`.
pub const DEFAULT_H: f64 = 1e-5;

/// Gradient of the scalar function `f` at `x`: `(f(x + h·e_i) − f(x − h·e_i)) / 2h` for every `i`.
pub fn numerical_gradient<F, D>(
    mut f: impl FnMut(&Array<F, D>) -> F,
    x: &Array<F, D>,
    h: F,
) -> Array<F, D>
where
    F: Float,
    D: Dimension,
{
    let mut xp = x.clone();
    let mut grad = Array::zeros(x.raw_dim());
    for i in 0..xp.len() {
        let old = flat(&xp, i);
        set_flat(&mut xp, i, old + h);
        let fxph = f(&xp);
        set_flat(&mut xp, i, old - h);
        let fxmh = f(&xp);
        set_flat(&mut xp, i, old);
        set_flat(&mut grad, i, (fxph - fxmh) / (h + h));
    }
    grad
}

/// Gradient at `x` of `Σ f(x) ⊙ df`, i.e. what a backward pass returns for an array-valued `f`
/// given the upstream gradient `df`.
pub fn numerical_gradient_array<F, D, E>(
    mut f: impl FnMut(&Array<F, D>) -> Array<F, E>,
    x: &Array<F, D>,
    df: &Array<F, E>,
    h: F,
) -> Array<F, D>
where
    F: Float,
    D: Dimension,
    E: Dimension,
{
    numerical_gradient(|x| weighted_sum(&f(x), df), x, h)
}

/// `Σ a ⊙ b` over all elements (arrays of the same number of elements, read in logical order).
fn weighted_sum<F: Float, E: Dimension>(a: &Array<F, E>, b: &Array<F, E>) -> F {
    let mut s = F::zero();
    Zip::from(a).and(b).for_each(|&x, &y| s += x * y);
    s
}

/// The course's relative error: `max_i |a_i − b_i| / max(1e-8, |a_i| + |b_i|)`.
///
/// Reading it: below 1e-7 the gradient is right; 1e-7 to 1e-4 is suspicious (unless the function
/// has kinks, like ReLU or max); above 1e-4 it is probably wrong.
pub fn rel_error<F, S1, S2, D>(a: &ArrayBase<S1, D>, b: &ArrayBase<S2, D>) -> f64
where
    F: Float,
    S1: Data<Elem = F>,
    S2: Data<Elem = F>,
    D: Dimension,
{
    assert_eq!(
        a.shape(),
        b.shape(),
        "rel_error compares arrays of one shape"
    );
    let mut worst = 0.0_f64;
    Zip::from(a).and(b).for_each(|&x, &y| {
        let (x, y) = (x.as_f64(), y.as_f64());
        let e = (x - y).abs() / (x.abs() + y.abs()).max(1e-8);
        // NaN must not hide as "0 error".
        if e.is_nan() || e > worst {
            worst = if e.is_nan() { f64::INFINITY } else { e };
        }
    });
    worst
}

fn flat<F: Float, D: Dimension>(a: &Array<F, D>, i: usize) -> F {
    a.as_slice_memory_order()
        .expect("owned arrays are contiguous")[i]
}

fn set_flat<F: Float, D: Dimension>(a: &mut Array<F, D>, i: usize, v: F) {
    a.as_slice_memory_order_mut()
        .expect("owned arrays are contiguous")[i] = v;
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn rel_error_of_equal_arrays_is_zero() {
        let a = array![1.0_f64, 2.0];
        assert_eq!(rel_error(&a, &a), 0.0);
    }

    #[test]
    fn rel_error_matches_the_course_formula() {
        let a = array![1.0_f64, 0.0];
        let b = array![3.0_f64, 0.0];
        assert_eq!(rel_error(&a, &b), 0.5);
    }

    #[test]
    fn rel_error_reports_nan_as_infinite() {
        let a = array![f64::NAN];
        let b = array![1.0_f64];
        assert_eq!(rel_error(&a, &b), f64::INFINITY);
    }

    #[test]
    fn numerical_gradient_array_of_a_product() {
        // f(x) = 3x elementwise; with upstream df the gradient is 3·df.
        let x = array![[1.0_f64, 2.0], [3.0, 4.0]];
        let df = array![[0.5_f64, -1.0], [2.0, 0.25]];
        let g = numerical_gradient_array(|x| x * 3.0, &x, &df, 1e-5);
        assert!(rel_error(&g, &(&df * 3.0)) < 1e-9);
    }
}

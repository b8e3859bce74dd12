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

/// Gradient of the scalar function `f` at `x`: `(f(x + h·e_i) − f(x − h·e_i)) / 2h` for every `i`
/// (the course's `eval_numerical_gradient`).
pub fn numerical_gradient<F, D>(
    mut f: impl FnMut(&Array<F, D>) -> F,
    x: &Array<F, D>,
    h: F,
) -> Array<F, D>
where
    F: Float,
    D: Dimension,
{
    perturbed(x, h, |xp| {
        let fxph = f(xp.plus());
        let fxmh = f(xp.minus());
        (fxph - fxmh) / (h + h)
    })
}

/// Gradient at `x` of `Σ f(x) ⊙ df`, i.e. what a backward pass returns for an array-valued `f`
/// given the upstream gradient `df`, computed as the course's `eval_numerical_gradient_array`:
/// for every `i`, [`centred_difference_array`] of `f(x + h·e_i)` and `f(x − h·e_i)`.
///
/// Subtracting the two outputs element by element before weighting them by `df` lets the outputs
/// that `x_i` does not touch cancel exactly, where the difference of the two sums
/// `Σ f(x ± h·e_i) ⊙ df` would keep their rounding error, divided by `2h`.
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
    perturbed(x, h, |xp| {
        let fxph = f(xp.plus());
        let fxmh = f(xp.minus());
        centred_difference_array(&fxph, &fxmh, df, h)
    })
}

/// One element of the course's numerical gradient of an array-valued function:
/// `Σ (f(x + h·e_i) − f(x − h·e_i)) ⊙ df / 2h`, the outputs subtracted element by element first
/// (`np.sum((pos - neg) * df) / (2 * h)` in `eval_numerical_gradient_array`).
///
/// NaN if the three arrays do not have one shape: a step that changes the output's shape has no
/// slope, and a check must show that rather than hide it.
///
/// ```
/// use cnn_playground::gradient_check::centred_difference_array;
/// use ndarray::array;
/// let plus = array![2.0_f64, 5.0];
/// let minus = array![1.0_f64, 5.0];
/// let df = array![3.0_f64, 7.0];
/// // Only the first output moved: (2 − 1)·3 / (2·0.5).
/// assert_eq!(centred_difference_array(&plus, &minus, &df, 0.5), 3.0);
/// assert!(centred_difference_array(&plus, &array![1.0], &array![3.0], 0.5).is_nan());
/// ```
pub fn centred_difference_array<F, E>(
    fxph: &Array<F, E>,
    fxmh: &Array<F, E>,
    df: &Array<F, E>,
    h: F,
) -> F
where
    F: Float,
    E: Dimension,
{
    if fxph.shape() != df.shape() || fxmh.shape() != df.shape() {
        return F::nan();
    }
    let mut s = F::zero();
    Zip::from(fxph)
        .and(fxmh)
        .and(df)
        .for_each(|&p, &m, &d| s += (p - m) * d);
    s / (h + h)
}

/// `x` (in standard layout) with its element `index` movable by ±h, for [`perturbed`].
struct Perturbed<F: Float, D: Dimension> {
    x: Array<F, D>,
    index: usize,
    old: F,
    h: F,
}

impl<F: Float, D: Dimension> Perturbed<F, D> {
    /// `x + h·e_i`.
    fn plus(&mut self) -> &Array<F, D> {
        self.set(self.old + self.h)
    }

    /// `x − h·e_i`.
    fn minus(&mut self) -> &Array<F, D> {
        self.set(self.old - self.h)
    }

    fn set(&mut self, v: F) -> &Array<F, D> {
        // Standard layout, so the slice exists and its order is x's logical order.
        if let Some(e) = self.x.as_slice_mut().and_then(|s| s.get_mut(self.index)) {
            *e = v;
        }
        &self.x
    }
}

/// Calls `slope` once per element of `x`, in logical order, with that element movable by ±h, and
/// collects what it returns into an array of x's shape.
fn perturbed<F, D>(
    x: &Array<F, D>,
    h: F,
    mut slope: impl FnMut(&mut Perturbed<F, D>) -> F,
) -> Array<F, D>
where
    F: Float,
    D: Dimension,
{
    let mut xp = Perturbed {
        x: x.as_standard_layout().into_owned(),
        index: 0,
        old: F::zero(),
        h,
    };
    let mut grad = Array::zeros(x.raw_dim());
    for (i, (g, &old)) in grad.iter_mut().zip(x.iter()).enumerate() {
        (xp.index, xp.old) = (i, old);
        *g = slope(&mut xp);
        xp.set(old);
    }
    grad
}

/// The course's relative error: `max_i |a_i − b_i| / max(1e-8, |a_i| + |b_i|)`.
///
/// Reading it: below 1e-7 the gradient is right; 1e-7 to 1e-4 is suspicious (unless the function
/// has kinks, like ReLU or max); above 1e-4 it is probably wrong. Arrays of different shapes do
/// not agree at all: their error is infinite.
pub fn rel_error<F, S1, S2, D>(a: &ArrayBase<S1, D>, b: &ArrayBase<S2, D>) -> f64
where
    F: Float,
    S1: Data<Elem = F>,
    S2: Data<Elem = F>,
    D: Dimension,
{
    if a.shape() != b.shape() {
        return f64::INFINITY;
    }
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
    fn rel_error_of_different_shapes_is_infinite() {
        let a = array![1.0_f64, 2.0];
        let b = array![1.0_f64, 2.0, 3.0];
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

    #[test]
    fn outputs_that_a_step_does_not_touch_cancel_exactly() {
        // f(x) = [x, c]: the three inputs pass through, and 200 large constants do not move.
        // The difference of the sums Σ f(x ± h·e_i) ⊙ df keeps the rounding of Σ c ⊙ df (about
        // 1e-16 · 1e8, divided by 2h: 1e-3); subtracted element by element, c cancels exactly.
        let x = array![0.3_f64, -1.7, 2.9];
        let c = Array::from_shape_fn(200, |i| 1e6 * (i as f64 + 1.0) / 3.0);
        let df = Array::from_shape_fn(203, |i| 1.0 + (i as f64 * 0.37).sin());
        let f = |x: &Array<f64, ndarray::Ix1>| {
            ndarray::concatenate![ndarray::Axis(0), x.view(), c.view()]
        };
        let g = numerical_gradient_array(f, &x, &df, 1e-5);
        let expected = df.slice(ndarray::s![..3]).to_owned();
        assert!(
            rel_error(&g, &expected) < 1e-10,
            "{}",
            rel_error(&g, &expected)
        );
        let by_sums = numerical_gradient(|x| (&f(x) * &df).sum(), &x, 1e-5);
        assert!(
            rel_error(&by_sums, &expected) > 1e-7,
            "{}",
            rel_error(&by_sums, &expected)
        );
    }

    #[test]
    fn any_layout_is_perturbed_in_logical_order() {
        // A transposed (column-major) input: the gradient of Σ x ⊙ w is w, element for element.
        let x = array![[1.0_f64, 2.0, 3.0], [4.0, 5.0, 6.0]].reversed_axes();
        let w = array![[0.5_f64, -1.0], [2.0, 0.25], [3.0, -4.0]];
        let g = numerical_gradient(|x| (x * &w).sum(), &x, 1e-5);
        assert!(rel_error(&g, &w) < 1e-9);
        let every_second = Array::from_shape_fn((4, 3), |(i, j)| (i * 3 + j) as f64)
            .slice_move(ndarray::s![..;2, ..]);
        let g = numerical_gradient(|x| x.mapv(|v| v * v).sum(), &every_second, 1e-5);
        assert!(rel_error(&g, &(&every_second * 2.0)) < 1e-9);
    }
}

//! The fully connected (affine) layer: `out = x · w + b`.
//!
//! x of any shape `(N, d1, …, dk)` is flattened to `(N, D)` with D = d1·…·dk; w is `(D, M)`,
//! b is `(M,)`, out is `(N, M)`. A 32×32×3 image makes D = 3072: every output neuron has 3072
//! weights, which is why convnets share small filters instead.
//!
//! Two versions with the same values. [`affine_forward`] / [`affine_backward`] are the course's
//! reference: the flatten, `x · w + b`, and the two products and the sum of the backward pass, in
//! plain ndarray, with a cache; the Lab's gradient checks and the tests use them. The net's fast
//! path is [`affine_forward_into`] / [`affine_backward_into`]: into arrays the caller keeps, no
//! cache (the net holds x and w itself), on [`crate::gemm`] (ndarray's `dot` has no WebAssembly
//! SIMD kernel).
//!
//! ```
//! use cnn_playground::layers::affine_forward;
//! use ndarray::{array, ArrayD};
//! let x = ArrayD::from_shape_vec(vec![1, 2], vec![1.0_f64, 2.0]).unwrap();
//! let w = array![[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]];
//! let b = array![0.5, 0.5, 0.5];
//! let (out, _cache) = affine_forward(&x, &w, &b).unwrap();
//! assert_eq!(out, array![[1.5, 2.5, 3.5]]);
//! ```

use crate::budget;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::gemm::{gemm_nn, gemm_nt, gemm_tn, GemmScratch, MatMut, MatRef, Update};
use crate::i18n::Message;
use crate::layers::{check_output_shape, Allocations};
use ndarray::{Array1, Array2, ArrayD, ArrayView1, ArrayView2, ArrayViewMut1, ArrayViewMut2, Axis};

/// What [`affine_backward`] needs: x as given (for dx's shape) and flattened, and w.
#[derive(Debug, Clone)]
pub struct AffineCache<F> {
    /// The shape of x as given, `(N, d1, …, dk)`.
    pub x_shape: Vec<usize>,
    /// x flattened to `(N, D)`.
    pub x2: Array2<F>,
    pub w: Array2<F>,
}

/// Forward pass of an affine layer.
///
/// - x: `(N, d1, …, dk)`, flattened to `(N, D)`
/// - w: `(D, M)`
/// - b: `(M,)`
///
/// Returns `out = x · w + b` of shape `(N, M)`, and the cache `(x, w)`.
///
/// Errors: an empty batch, an example with no values (D = 0: the output would be the bias alone),
/// w or b that do not match, and [`Error::OverBudget`] for the output and the cache (checked
/// before anything is allocated: a small x and w can ask for a large N × M output).
pub fn affine_forward<F: Float>(
    x: &ArrayD<F>,
    w: &Array2<F>,
    b: &Array1<F>,
) -> Result<(Array2<F>, AffineCache<F>)> {
    let n = x.shape().first().copied().unwrap_or(0);
    if n == 0 {
        return Err(Error::EmptyBatch {
            context: Message::new("layers.context.affine_forward"),
        });
    }
    let d = x.len() / n;
    if d == 0 {
        return Err(Error::Zero {
            what: Message::new("layers.context.affine_d").arg("shape", format!("{:?}", x.shape())),
        });
    }
    let (wd, m) = w.dim();
    if wd != d {
        return Err(Error::shape(
            Message::new("layers.context.affine_forward_xw"),
            format!("w with D = {d} rows, for x of shape {:?}", x.shape()),
            format!("w of shape ({wd}, {m})"),
        ));
    }
    if b.len() != m {
        return Err(Error::shape(
            Message::new("layers.context.affine_forward_b"),
            format!("({m},)"),
            format!("({},)", b.len()),
        ));
    }
    Allocations::new("layers.alloc.affine_forward_cache")
        .add::<F>("layers.alloc.affine_output", &[n, m])
        .add::<F>("layers.alloc.cache_x", &[n, d])
        .add::<F>("layers.alloc.cache_w", &[d, m])
        .check()?;
    // The course's two lines: each example flattened to a row of D values, then x·w + b.
    let x2 = x.to_shape((n, d)).expect("x has N·D values").into_owned();
    let out = x2.dot(w) + b;
    let cache = AffineCache {
        x_shape: x.shape().to_vec(),
        x2,
        w: w.clone(),
    };
    Ok((out, cache))
}

/// Backward pass of an affine layer.
///
/// - dout: `(N, M)`
/// - cache: from [`affine_forward`]
///
/// Returns `(dx, dw, db)`: dx = dout · wᵀ reshaped to x's shape `(N, d1, …, dk)`,
/// dw = xᵀ · dout `(D, M)`, db = Σ_n dout `(M,)`.
///
/// Errors: a dout of another shape than the output, a cache whose parts do not agree (its
/// `x_shape` must have N·D values), and [`Error::OverBudget`] for the gradients.
pub fn affine_backward<F: Float>(
    dout: &Array2<F>,
    cache: &AffineCache<F>,
) -> Result<(ArrayD<F>, Array2<F>, Array1<F>)> {
    let AffineCache { x_shape, x2, w } = cache;
    if budget::count(x_shape) != x2.len() as u128 || x_shape.first() != Some(&x2.nrows()) {
        return Err(Error::shape(
            Message::new("layers.context.affine_backward_x_shape"),
            format!(
                "a shape (N, …) with N = {} and {} values",
                x2.nrows(),
                x2.len()
            ),
            format!("{x_shape:?}"),
        ));
    }
    Allocations::new("layers.alloc.affine_backward")
        .add::<F>("layers.alloc.dx", x2.shape())
        .add::<F>("layers.alloc.dw", w.shape())
        .add::<F>("layers.alloc.db", &[w.ncols()])
        .check()?;
    let ((n, d), m) = (x2.dim(), w.ncols());
    if w.nrows() != d {
        return Err(Error::shape(
            Message::new("layers.context.affine_backward_xw"),
            format!("w with D = {d} rows"),
            format!("w of shape {:?}", w.dim()),
        ));
    }
    if dout.dim() != (n, m) {
        return Err(Error::shape(
            Message::new("layers.context.affine_backward_dout"),
            format!("{:?}", (n, m)),
            format!("{:?}", dout.dim()),
        ));
    }
    // The course's three lines: dx = dout · wᵀ in x's shape, dw = xᵀ · dout, db = Σ_n dout.
    let dx = dout
        .dot(&w.t())
        .into_shape_clone(x_shape.clone())
        .expect("x_shape holds N·D values (checked above)");
    let dw = x2.t().dot(dout);
    let db = dout.sum_axis(Axis(0));
    Ok((dx, dw, db))
}

/// The forward pass of [`affine_forward`] for x already flattened to `(N, D)`, into an existing
/// `out (N, M)` (overwritten), keeping no cache: what a network calls when it holds x and w
/// itself until the backward pass (copying a large w into a cache every step would cost time).
pub fn affine_forward_into<F: Float>(
    x: ArrayView2<'_, F>,
    w: ArrayView2<'_, F>,
    b: ArrayView1<'_, F>,
    mut out: ArrayViewMut2<'_, F>,
    scratch: &mut GemmScratch<F>,
) -> Result<()> {
    let ((n, d), (wd, m)) = (x.dim(), w.dim());
    if wd != d {
        return Err(Error::shape(
            Message::new("layers.context.affine_forward_into_xw"),
            format!("w with D = {d} rows, for x of shape ({n}, {d})"),
            format!("w of shape ({wd}, {m})"),
        ));
    }
    if b.len() != m {
        return Err(Error::shape(
            Message::new("layers.context.affine_forward_b"),
            format!("({m},)"),
            format!("({},)", b.len()),
        ));
    }
    check_output_shape("layers.alloc.affine_forward_out", out.dim(), (n, m))?;
    let (x, w) = (x.as_standard_layout(), w.as_standard_layout());
    let out_s = out
        .as_slice_mut()
        .ok_or_else(|| not_contiguous("layers.call.affine_forward", "out"))?;
    // crate::gemm rather than ndarray's dot: the latter has no WebAssembly SIMD kernel.
    gemm_nn(
        MatRef::new(std_slice(&x), n, d),
        MatRef::new(std_slice(&w), d, m),
        MatMut::new(out_s, n, m),
        Update::Overwrite,
        scratch,
    );
    out += &b;
    Ok(())
}

/// The gradients [`affine_backward_into`] writes: `dx (N, D)` (skipped if `None`), `dw (D, M)`,
/// `db (M,)`.
#[derive(Debug)]
pub struct AffineGradsMut<'a, F> {
    pub dx: Option<ArrayViewMut2<'a, F>>,
    pub dw: ArrayViewMut2<'a, F>,
    pub db: ArrayViewMut1<'a, F>,
}

/// The backward pass of [`affine_backward`] from the forward's inputs x `(N, D)` and w `(D, M)`,
/// into existing gradient arrays (overwritten, in standard layout).
pub fn affine_backward_into<F: Float>(
    dout: ArrayView2<'_, F>,
    x: ArrayView2<'_, F>,
    w: ArrayView2<'_, F>,
    grads: AffineGradsMut<'_, F>,
    scratch: &mut GemmScratch<F>,
) -> Result<()> {
    let ((n, d), m) = (x.dim(), w.ncols());
    if w.nrows() != d {
        return Err(Error::shape(
            Message::new("layers.context.affine_backward_xw"),
            format!("w with D = {d} rows"),
            format!("w of shape {:?}", w.dim()),
        ));
    }
    if dout.dim() != (n, m) {
        return Err(Error::shape(
            Message::new("layers.context.affine_backward_dout"),
            format!("{:?}", (n, m)),
            format!("{:?}", dout.dim()),
        ));
    }
    let AffineGradsMut { dx, mut dw, mut db } = grads;
    check_output_shape("layers.alloc.affine_backward_dw", dw.dim(), (d, m))?;
    if db.len() != m {
        return Err(Error::shape(
            Message::new("layers.context.affine_backward_db"),
            format!("({m},)"),
            format!("({},)", db.len()),
        ));
    }
    let (dout, x, w) = (
        dout.as_standard_layout(),
        x.as_standard_layout(),
        w.as_standard_layout(),
    );
    let (dout_s, w_s, x_s) = (std_slice(&dout), std_slice(&w), std_slice(&x));
    let dm = MatRef::new(dout_s, n, m);
    // dx = dout · wᵀ and dw = xᵀ · dout, the transposes read in place.
    if let Some(mut dx) = dx {
        check_output_shape("layers.alloc.affine_backward_dx", dx.dim(), (n, d))?;
        let dx_s = dx
            .as_slice_mut()
            .ok_or_else(|| not_contiguous("layers.call.affine_backward", "dx"))?;
        let wm = MatRef::new(w_s, d, m);
        gemm_nt(dm, wm, MatMut::new(dx_s, n, d), Update::Overwrite, scratch);
    }
    let dw_s = dw
        .as_slice_mut()
        .ok_or_else(|| not_contiguous("layers.call.affine_backward", "dw"))?;
    let xm = MatRef::new(x_s, n, d);
    gemm_tn(xm, dm, MatMut::new(dw_s, d, m), Update::Overwrite, scratch);
    db.assign(&dout.sum_axis(Axis(0)));
    Ok(())
}

fn not_contiguous(context: &'static str, name: &str) -> Error {
    Error::invalid(
        Message::new("layers.context.not_contiguous")
            .nested("context", Message::new(context))
            .arg("name", name),
    )
}

/// A batch `(N, d1, …, dk)` in standard layout as the affine layer sees it, `(N, d1·…·dk)`, without
/// a copy: for callers of the `_into` functions that keep their layer outputs in standard layout.
///
/// # Panics
/// If `x` is not in standard layout or has no batch axis (the callers' own arrays, not user input).
pub(crate) fn rows<F, D: ndarray::Dimension>(x: &ndarray::Array<F, D>) -> ArrayView2<'_, F> {
    let n = x.shape()[0];
    x.view()
        .into_shape_with_order((n, x.len() / n.max(1)))
        .expect("layer outputs are in standard layout")
}

/// The elements of a standard-layout array (every array here was made standard first).
fn std_slice<F, D: ndarray::Dimension>(
    a: &ndarray::ArrayBase<impl ndarray::Data<Elem = F>, D>,
) -> &[F] {
    a.as_slice().expect("standard layout")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gradient_check::rel_error;
    use crate::rng::Rng;

    /// The reference and the fast path: the same values, up to the order of the sums.
    #[test]
    fn the_reference_and_the_into_variants_agree() {
        let mut rng = Rng::new(12);
        let x: ArrayD<f64> = rng.normal_array(vec![4, 3, 2, 5], 1.0);
        let w: Array2<f64> = rng.normal_array((30, 7), 1.0);
        let b: Array1<f64> = rng.normal_array(7, 1.0);
        let dout: Array2<f64> = rng.normal_array((4, 7), 1.0);
        let (out, cache) = affine_forward(&x, &w, &b).unwrap();
        let (dx, dw, db) = affine_backward(&dout, &cache).unwrap();

        let x2 = rows(&x);
        let mut scratch = GemmScratch::new();
        let mut fast_out = Array2::zeros((4, 7));
        affine_forward_into(x2, w.view(), b.view(), fast_out.view_mut(), &mut scratch).unwrap();
        let (mut fast_dx, mut fast_dw) = (Array2::zeros((4, 30)), Array2::zeros((30, 7)));
        let mut fast_db = Array1::zeros(7);
        let grads = AffineGradsMut {
            dx: Some(fast_dx.view_mut()),
            dw: fast_dw.view_mut(),
            db: fast_db.view_mut(),
        };
        affine_backward_into(dout.view(), x2, w.view(), grads, &mut scratch).unwrap();

        assert!(
            rel_error(&out, &fast_out) < 1e-13,
            "{}",
            rel_error(&out, &fast_out)
        );
        let fast_dx = fast_dx.into_shape_with_order(vec![4, 3, 2, 5]).unwrap();
        assert!(
            rel_error(&dx, &fast_dx) < 1e-13,
            "{}",
            rel_error(&dx, &fast_dx)
        );
        assert!(
            rel_error(&dw, &fast_dw) < 1e-13,
            "{}",
            rel_error(&dw, &fast_dw)
        );
        assert!(
            rel_error(&db, &fast_db) < 1e-13,
            "{}",
            rel_error(&db, &fast_db)
        );
        // And the reference is what it says: out = x·w + b, element by element.
        let (i, j) = (2, 5);
        let direct = (0..30).map(|k| x2[[i, k]] * w[[k, j]]).sum::<f64>() + b[j];
        assert!((out[[i, j]] - direct).abs() < 1e-12);
    }

    #[test]
    fn the_reference_takes_x_in_any_layout() {
        let mut rng = Rng::new(3);
        // x (3, 2, 4) as the transpose of a (4, 2, 3) array: not in standard layout.
        let x: ArrayD<f64> = rng.normal_array(vec![4, 2, 3], 1.0).reversed_axes();
        let w: Array2<f64> = rng.normal_array((8, 5), 1.0);
        let b: Array1<f64> = rng.normal_array(5, 1.0);
        let standard = x.as_standard_layout().into_owned();
        let (out, cache) = affine_forward(&x, &w, &b).unwrap();
        let (want, _) = affine_forward(&standard, &w, &b).unwrap();
        assert_eq!(out, want);
        let (dx, _, _) = affine_backward(&Array2::ones((3, 5)), &cache).unwrap();
        assert_eq!(dx.shape(), &[3, 2, 4]);
    }
}

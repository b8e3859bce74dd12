//! The fully connected (affine) layer: `out = x · w + b`.
//!
//! x of any shape `(N, d1, …, dk)` is flattened to `(N, D)` with D = d1·…·dk; w is `(D, M)`,
//! b is `(M,)`, out is `(N, M)`. A 32×32×3 image makes D = 3072: every output neuron has 3072
//! weights, which is why convnets share small filters instead.
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

use crate::error::{Error, Result};
use crate::float::Float;
use crate::gemm::{gemm_nn, gemm_nt, gemm_tn, GemmScratch, MatMut, MatRef, Update};
use ndarray::{Array1, Array2, ArrayD, Axis};

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
pub fn affine_forward<F: Float>(
    x: &ArrayD<F>,
    w: &Array2<F>,
    b: &Array1<F>,
) -> Result<(Array2<F>, AffineCache<F>)> {
    let n = x.shape().first().copied().unwrap_or(0);
    if n == 0 {
        return Err(Error::EmptyBatch {
            context: "affine forward".into(),
        });
    }
    let d = x.len() / n;
    let (wd, m) = w.dim();
    if wd != d {
        return Err(Error::shape(
            "affine forward (x flattened to (N, D) times w of shape (D, M))",
            format!("w with D = {d} rows, for x of shape {:?}", x.shape()),
            format!("w of shape ({wd}, {m})"),
        ));
    }
    if b.len() != m {
        return Err(Error::shape(
            "affine forward (bias b)",
            format!("({m},)"),
            format!("({},)", b.len()),
        ));
    }
    let x2 = x
        .as_standard_layout()
        .into_owned()
        .into_shape_with_order((n, d))
        .expect("a standard-layout array of N·D elements reshapes to (N, D)");
    // crate::gemm rather than ndarray's dot: the latter has no WebAssembly SIMD kernel.
    let w_std = w.as_standard_layout();
    let mut out = Array2::<F>::zeros((n, m));
    gemm_nn(
        MatRef::new(std_slice(&x2), n, d),
        MatRef::new(std_slice(&w_std), d, m),
        MatMut::new(out.as_slice_mut().expect("new array"), n, m),
        Update::Overwrite,
        &mut GemmScratch::new(),
    );
    out += b;
    Ok((
        out,
        AffineCache {
            x_shape: x.shape().to_vec(),
            x2,
            w: w.clone(),
        },
    ))
}

/// Backward pass of an affine layer.
///
/// - dout: `(N, M)`
/// - cache: from [`affine_forward`]
///
/// Returns `(dx, dw, db)`: dx = dout · wᵀ reshaped to x's shape `(N, d1, …, dk)`,
/// dw = xᵀ · dout `(D, M)`, db = Σ_n dout `(M,)`.
pub fn affine_backward<F: Float>(
    dout: &Array2<F>,
    cache: &AffineCache<F>,
) -> Result<(ArrayD<F>, Array2<F>, Array1<F>)> {
    let AffineCache { x_shape, x2, w } = cache;
    let expected = (x2.nrows(), w.ncols());
    if dout.dim() != expected {
        return Err(Error::shape(
            "affine backward (dout must have the shape of the forward output)",
            format!("{expected:?}"),
            format!("{:?}", dout.dim()),
        ));
    }
    let (n, d) = x2.dim();
    let m = w.ncols();
    let w_std = w.as_standard_layout();
    let dout_std = dout.as_standard_layout();
    let (dout_s, w_s, x_s) = (std_slice(&dout_std), std_slice(&w_std), std_slice(x2));
    let mut scratch = GemmScratch::new();
    // dx = dout · wᵀ and dw = xᵀ · dout, the transposes read in place.
    let mut dx = Array2::<F>::zeros((n, d));
    let dx_s = dx.as_slice_mut().expect("new array");
    let (dm, wm) = (MatRef::new(dout_s, n, m), MatRef::new(w_s, d, m));
    gemm_nt(
        dm,
        wm,
        MatMut::new(dx_s, n, d),
        Update::Overwrite,
        &mut scratch,
    );
    let dx = dx
        .into_shape_with_order(x_shape.clone())
        .expect("dout · wᵀ has N·D elements, the size of x");
    let mut dw = Array2::<F>::zeros((d, m));
    let dw_s = dw.as_slice_mut().expect("new array");
    let xm = MatRef::new(x_s, n, d);
    gemm_tn(
        xm,
        dm,
        MatMut::new(dw_s, d, m),
        Update::Overwrite,
        &mut scratch,
    );
    let db = dout.sum_axis(Axis(0));
    Ok((dx, dw, db))
}

/// The elements of a standard-layout array (every array here was made standard first).
fn std_slice<F, D: ndarray::Dimension>(
    a: &ndarray::ArrayBase<impl ndarray::Data<Elem = F>, D>,
) -> &[F] {
    a.as_slice().expect("standard layout")
}

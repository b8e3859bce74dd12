//! Fast convolution: the same results as [`crate::layers::conv`]'s naive loops, computed as
//! matrix products (im2col + GEMM, like the assignment's `conv_forward_im2col`).
//!
//! For one image, unroll every receptive field of the zero-padded input into a column: `cols`
//! has one row per filter weight `(c, di, dj)` — K = C·HH·WW rows — and one column per output
//! position `(i, j)` — P = H'·W' columns. Then, with the filters viewed as a `(F, K)` matrix `Wm`:
//! - forward: `out = Wm · cols + b` (an `(F, P)` matrix: exactly the image's slice of the output);
//! - backward: `dWm += dout · colsᵀ`, `db += Σ_P dout`, and `dcols = Wmᵀ · dout`, whose columns
//!   are added back onto the input positions they were copied from (col2im) to give `dx`.
//!
//! The products are [`crate::gemm`]'s, which read the transposes without forming them. `cols`
//! itself is never written out: the product packs the blocks it needs straight from the padded
//! image (element `(k, p)` of `cols` is one pixel of it, at an offset that depends on k plus one
//! that depends on p), so the forward pass and the weight gradient touch the C·HH·WW-times larger
//! unrolled matrix only a cache-sized block at a time. Buffers live in a [`ConvWorkspace`] a
//! training loop can keep.
//!
//! ```
//! use cnn_playground::layers::{conv_backward_fast, conv_forward_fast, ConvParam};
//! use ndarray::{Array1, Array4};
//! // A 7×7 input and a 3×3 filter of ones give a 5×5 map of window sums.
//! let x = Array4::<f64>::ones((1, 1, 7, 7));
//! let w = Array4::<f64>::ones((1, 1, 3, 3));
//! let b = Array1::<f64>::zeros(1);
//! let (out, cache) = conv_forward_fast(&x, &w, &b, ConvParam { stride: 1, pad: 0 }).unwrap();
//! assert_eq!(out.dim(), (1, 1, 5, 5));
//! assert_eq!(out[[0, 0, 2, 2]], 9.0);
//! // With dout = 1 everywhere, the centre pixel is in all 9 windows, a corner in one.
//! let (dx, _dw, db) = conv_backward_fast(&Array4::ones(out.dim()), &cache).unwrap();
//! assert_eq!((dx[[0, 0, 3, 3]], dx[[0, 0, 0, 0]], db[0]), (9.0, 1.0, 25.0));
//! ```

use crate::error::{Error, Result};
use crate::float::Float;
use crate::gemm::{gemm_packed, gemm_tn, GemmScratch, MatMut, MatRef, PackB, Update};
use crate::i18n::Message;
use crate::layers::conv::{check_dout, conv_output_dim, ConvParam};
use crate::layers::{check_output_shape, Allocations};
use ndarray::{Array1, Array4, ArrayView1, ArrayView4, ArrayViewMut1, ArrayViewMut4};

mod weight_grad;

/// What [`conv_backward_fast`] needs: the input and filters of the forward pass (the unrolled
/// columns are read from the input again rather than kept).
#[derive(Debug, Clone)]
pub struct ConvFastCache<F> {
    pub x: Array4<F>,
    pub w: Array4<F>,
    pub conv_param: ConvParam,
}

/// Buffers of the fast conv layer — one image's column gradient, a zero-padded image, the
/// unrolling's offsets and the pack buffers of the matrix products — kept between calls so that a
/// training loop does not allocate.
#[derive(Debug, Clone, Default)]
pub struct ConvWorkspace<F> {
    dcols: Vec<F>,
    xpad: Vec<F>,
    offsets: Offsets,
    gemm: GemmScratch<F>,
}

impl<F: Float> ConvWorkspace<F> {
    /// Empty buffers; the first call sizes them.
    pub fn new() -> Self {
        ConvWorkspace {
            dcols: Vec::new(),
            xpad: Vec::new(),
            offsets: Offsets::default(),
            gemm: GemmScratch::new(),
        }
    }
}

/// The gradients [`conv_backward_into`] writes: `dx (N, C, H, W)` (skipped if `None`, as for the
/// first layer of a network, which saves a third of the work), `dw (F, C, HH, WW)`, `db (F,)`.
#[derive(Debug)]
pub struct ConvGradsMut<'a, F> {
    pub dx: Option<ArrayViewMut4<'a, F>>,
    pub dw: ArrayViewMut4<'a, F>,
    pub db: ArrayViewMut1<'a, F>,
}

/// Fast forward pass of a conv layer.
///
/// - x: input `(N, C, H, W)`
/// - w: filters `(F, C, HH, WW)`
/// - b: biases `(F,)`
/// - conv_param: stride S and zero padding P
///
/// Returns `out` of shape `(N, F, H', W')`, H' = (H − HH + 2P)/S + 1, W' = (W − WW + 2P)/S + 1,
/// and the cache `(x, w, conv_param)`. Same results and errors as
/// [`crate::layers::conv_forward_naive`] (C = 0 included: both refuse it), and
/// [`Error::OverBudget`] if the output, the cache and the workspace would exceed the engine's
/// memory budget (checked before anything is allocated).
pub fn conv_forward_fast<F: Float>(
    x: &Array4<F>,
    w: &Array4<F>,
    b: &Array1<F>,
    conv_param: ConvParam,
) -> Result<(Array4<F>, ConvFastCache<F>)> {
    let g = Geometry::new(x.dim(), w.dim(), Some(b.len()), conv_param)?;
    let shape = g.out_dim();
    let mut allocations = Allocations::new("layers.alloc.conv_forward_fast");
    allocations
        .add::<F>(
            "layers.alloc.conv_output",
            &[shape.0, shape.1, shape.2, shape.3],
        )
        .add::<F>("layers.alloc.cache_x", x.shape())
        .add::<F>("layers.alloc.cache_w", w.shape());
    g.add_workspace::<F>(&mut allocations, false);
    allocations.check()?;
    let mut out = Array4::zeros(shape);
    conv_forward_into(
        x.view(),
        w.view(),
        b.view(),
        conv_param,
        out.view_mut(),
        &mut ConvWorkspace::new(),
    )?;
    let cache = ConvFastCache {
        x: x.clone(),
        w: w.clone(),
        conv_param,
    };
    Ok((out, cache))
}

/// Fast backward pass of a conv layer.
///
/// - dout: upstream gradient `(N, F, H', W')`
/// - cache: from [`conv_forward_fast`]
///
/// Returns `(dx, dw, db)` of shapes `(N, C, H, W)`, `(F, C, HH, WW)`, `(F,)`.
///
/// Errors: as [`conv_backward_into`]'s; the gradients and the workspace are checked against the
/// memory budget before anything is allocated.
pub fn conv_backward_fast<F: Float>(
    dout: &Array4<F>,
    cache: &ConvFastCache<F>,
) -> Result<(Array4<F>, Array4<F>, Array1<F>)> {
    let ConvFastCache { x, w, conv_param } = cache;
    let g = Geometry::new(x.dim(), w.dim(), None, *conv_param)?;
    check_dout("layers.call.conv_backward", dout.dim(), g.out_dim())?;
    let mut allocations = Allocations::new("layers.alloc.conv_backward_fast");
    allocations
        .add::<F>("layers.alloc.dx", x.shape())
        .add::<F>("layers.alloc.dw", w.shape())
        .add::<F>("layers.alloc.db", &[g.f]);
    g.add_workspace::<F>(&mut allocations, true);
    allocations.check()?;
    let mut dx = Array4::zeros(x.raw_dim());
    let mut dw = Array4::zeros(w.raw_dim());
    let mut db = Array1::zeros(w.dim().0);
    let grads = ConvGradsMut {
        dx: Some(dx.view_mut()),
        dw: dw.view_mut(),
        db: db.view_mut(),
    };
    conv_backward_into(
        dout.view(),
        x.view(),
        w.view(),
        *conv_param,
        grads,
        &mut ConvWorkspace::new(),
    )?;
    Ok((dx, dw, db))
}

/// The forward pass of [`conv_forward_fast`] into an existing `out (N, F, H', W')`, with
/// reusable buffers and no cache: what a training loop calls to avoid allocating.
///
/// `out` must be in standard (row-major, contiguous) layout; the inputs may have any layout.
/// The workspace's buffers are checked against the memory budget before they grow.
pub fn conv_forward_into<F: Float>(
    x: ArrayView4<'_, F>,
    w: ArrayView4<'_, F>,
    b: ArrayView1<'_, F>,
    conv_param: ConvParam,
    mut out: ArrayViewMut4<'_, F>,
    ws: &mut ConvWorkspace<F>,
) -> Result<()> {
    let g = Geometry::new(x.dim(), w.dim(), Some(b.len()), conv_param)?;
    check_output_shape("layers.alloc.conv_forward_out", out.dim(), g.out_dim())?;
    let mut allocations = Allocations::new("layers.alloc.conv_forward_workspace");
    g.add_workspace::<F>(&mut allocations, false);
    allocations.check()?;
    let out = standard_slice_mut("layers.call.conv_forward", "out", &mut out)?;
    let (x, w) = (x.as_standard_layout(), w.as_standard_layout());
    let (x, w) = (standard_slice(&x), standard_slice(&w));
    let (k, p, f) = (g.k(), g.p(), g.f);
    let wm = MatRef::new(w, f, k);
    ws.offsets.fill(&g);

    for (xi, oi) in x
        .chunks_exact(g.image_len())
        .zip(out.chunks_exact_mut(f * p))
    {
        let cols = Unrolled {
            image: padded(xi, &g, &mut ws.xpad),
            offsets: &ws.offsets,
            transposed: false,
        };
        gemm_packed(
            wm,
            &cols,
            MatMut::new(oi, f, p),
            Update::Overwrite,
            &mut ws.gemm,
        );
        for (row, &bf) in oi.chunks_exact_mut(p).zip(b.iter()) {
            row.iter_mut().for_each(|v| *v += bf);
        }
    }
    Ok(())
}

/// The backward pass of [`conv_backward_fast`] from the forward's inputs `x` and `w`, into
/// existing gradient arrays (overwritten), with reusable buffers.
///
/// The gradient arrays must be in standard (row-major, contiguous) layout. The workspace's
/// buffers are checked against the memory budget before they grow.
pub fn conv_backward_into<F: Float>(
    dout: ArrayView4<'_, F>,
    x: ArrayView4<'_, F>,
    w: ArrayView4<'_, F>,
    conv_param: ConvParam,
    grads: ConvGradsMut<'_, F>,
    ws: &mut ConvWorkspace<F>,
) -> Result<()> {
    let g = Geometry::new(x.dim(), w.dim(), None, conv_param)?;
    check_dout("layers.call.conv_backward", dout.dim(), g.out_dim())?;
    let ConvGradsMut { dx, mut dw, mut db } = grads;
    check_output_shape("layers.alloc.conv_backward_dw", dw.dim(), w.dim())?;
    if db.len() != g.f {
        return Err(Error::shape(
            Message::new("layers.context.conv_backward_db"),
            format!("({},)", g.f),
            format!("({},)", db.len()),
        ));
    }
    let mut dx = dx;
    if let Some(dx) = &dx {
        check_output_shape("layers.alloc.conv_backward_dx", dx.dim(), x.dim())?;
    }
    let mut allocations = Allocations::new("layers.alloc.conv_backward_workspace");
    g.add_workspace::<F>(&mut allocations, dx.is_some());
    allocations.check()?;
    let dw = standard_slice_mut("layers.call.conv_backward", "dw", &mut dw)?;
    let dx = match dx.as_mut() {
        Some(dx) => Some(standard_slice_mut("layers.call.conv_backward", "dx", dx)?),
        None => None,
    };
    let (dout, x, w) = (
        dout.as_standard_layout(),
        x.as_standard_layout(),
        w.as_standard_layout(),
    );
    let (dout, x, w) = (
        standard_slice(&dout),
        standard_slice(&x),
        standard_slice(&w),
    );
    let (k, p, f) = (g.k(), g.p(), g.f);

    db.fill(F::zero());
    for di in dout.chunks_exact(f * p) {
        for (dbf, row) in db.iter_mut().zip(di.chunks_exact(p)) {
            *dbf += sum(row);
        }
    }

    // dW (F, K) = Σ_images dout_i (F, P) · cols_iᵀ (P, K): at stride 1 as dot products along
    // the image's rows (see `weight_grad`), else as a matrix product.
    ws.offsets.fill(&g);
    let images = x.chunks_exact(g.image_len()).zip(dout.chunks_exact(f * p));
    if g.stride == 1 {
        dw.fill(F::zero());
        let runs = weight_grad::Runs {
            k_offset: &ws.offsets.k_offset,
            h_out: g.h_out,
            w_out: g.w_out,
            wp: g.wp(),
        };
        for (xi, di) in images {
            weight_grad::accumulate(di, padded(xi, &g, &mut ws.xpad), runs, dw);
        }
    } else {
        for (idx, (xi, di)) in images.enumerate() {
            let update = if idx == 0 {
                Update::Overwrite
            } else {
                Update::Accumulate
            };
            let cols_t = Unrolled {
                image: padded(xi, &g, &mut ws.xpad),
                offsets: &ws.offsets,
                transposed: true,
            };
            let (dm, dwm) = (MatRef::new(di, f, p), MatMut::new(dw, f, k));
            gemm_packed(dm, &cols_t, dwm, update, &mut ws.gemm);
        }
    }

    // dcols_i (K, P) = Wmᵀ (K, F) · dout_i (F, P), folded back onto dx_i.
    if let Some(dx) = dx {
        let wm = MatRef::new(w, f, k);
        let images = dx
            .chunks_exact_mut(g.image_len())
            .zip(dout.chunks_exact(f * p));
        for (dxi, di) in images {
            let dm = MatRef::new(di, f, p);
            if g.pointwise() {
                gemm_tn(
                    wm,
                    dm,
                    MatMut::new(dxi, k, p),
                    Update::Overwrite,
                    &mut ws.gemm,
                );
            } else {
                ws.dcols.resize(k * p, F::zero());
                let dcols = MatMut::new(&mut ws.dcols, k, p);
                gemm_tn(wm, dm, dcols, Update::Overwrite, &mut ws.gemm);
                col2im(&ws.dcols, &g, dxi, &mut ws.xpad);
            }
        }
    }
    Ok(())
}

/// The sizes of one conv layer, checked: every product the layer forms from them (K, P, the
/// padded sides) fits in a `usize` once the arrays of those sizes passed the budget.
#[derive(Debug, Clone, Copy)]
struct Geometry {
    n: usize,
    c: usize,
    h: usize,
    w: usize,
    f: usize,
    hh: usize,
    ww: usize,
    h_out: usize,
    w_out: usize,
    stride: usize,
    pad: usize,
}

impl Geometry {
    /// Checks x `(N, C, H, W)` against w `(F, C, HH, WW)` (and b's length `(F,)`, for a forward
    /// pass) by the conv layers' one output-shape rule, [`conv_output_dim`]: the same errors as
    /// the naive layer.
    fn new(
        x: (usize, usize, usize, usize),
        w: (usize, usize, usize, usize),
        b_len: Option<usize>,
        conv_param: ConvParam,
    ) -> Result<Geometry> {
        let (_, f, h_out, w_out) = conv_output_dim(x, w, b_len, conv_param)?;
        let ((n, c, h, wd), (_, _, hh, ww)) = (x, w);
        let ConvParam { stride, pad } = conv_param;
        Ok(Geometry {
            n,
            c,
            h,
            w: wd,
            f,
            hh,
            ww,
            h_out,
            w_out,
            stride,
            pad,
        })
    }

    fn out_dim(&self) -> (usize, usize, usize, usize) {
        (self.n, self.f, self.h_out, self.w_out)
    }

    /// Adds what a [`ConvWorkspace`] grows to for this layer: one zero-padded image (if there is
    /// padding), the unrolling's K + P offsets and, for dx, one image's unrolled gradient
    /// `dcols (K, P)` with K = C·HH·WW and P = H'·W'.
    fn add_workspace<F>(&self, allocations: &mut Allocations, dcols: bool) {
        if self.pad > 0 {
            allocations.add::<F>(
                "layers.alloc.one_padded_image",
                &[self.c, self.h + 2 * self.pad, self.w + 2 * self.pad],
            );
        }
        allocations
            .add::<usize>("layers.alloc.unroll_offsets", &[self.c, self.hh, self.ww])
            .add::<usize>("layers.alloc.unroll_offsets", &[self.h_out, self.w_out]);
        if dcols && !self.pointwise() {
            allocations.add::<F>(
                "layers.alloc.one_dcols",
                &[self.c, self.hh, self.ww, self.h_out, self.w_out],
            );
        }
    }

    /// Rows of `cols`: one per filter weight, K = C·HH·WW.
    fn k(&self) -> usize {
        self.c * self.hh * self.ww
    }

    /// Columns of `cols`: one per output position, P = H'·W'.
    fn p(&self) -> usize {
        self.h_out * self.w_out
    }

    /// Padded height and width.
    fn hp(&self) -> usize {
        self.h + 2 * self.pad
    }

    fn wp(&self) -> usize {
        self.w + 2 * self.pad
    }

    fn image_len(&self) -> usize {
        self.c * self.h * self.w
    }

    /// A 1×1 filter, stride 1, no padding: `cols` is the image itself, so `dcols` is `dx`.
    fn pointwise(&self) -> bool {
        self.hh == 1 && self.ww == 1 && self.stride == 1 && self.pad == 0
    }
}

/// One image `(C, H, W)` as the unrolling reads it: itself without padding, else its zero-padded
/// copy `(C, H + 2P, W + 2P)` in `xpad`.
fn padded<'a, F: Float>(x: &'a [F], g: &Geometry, xpad: &'a mut Vec<F>) -> &'a [F] {
    if g.pad == 0 {
        return x;
    }
    xpad.resize(g.c * g.hp() * g.wp(), F::zero());
    pad_image(x, g, xpad);
    xpad
}

/// Copies one image `(C, H, W)` into the middle of `xpad (C, H + 2P, W + 2P)`, zero around it.
fn pad_image<F: Float>(x: &[F], g: &Geometry, xpad: &mut [F]) {
    let (wp, pad) = (g.wp(), g.pad);
    xpad.fill(F::zero());
    for (src, dst) in x
        .chunks_exact(g.h * g.w)
        .zip(xpad.chunks_exact_mut(g.hp() * wp))
    {
        for (r, row) in src.chunks_exact(g.w).enumerate() {
            let start = (r + pad) * wp + pad;
            dst[start..start + g.w].copy_from_slice(row);
        }
    }
}

/// Where the unrolled matrix `cols (K, P)` reads the (padded) image: element `(k, p)` of `cols`
/// is `image[k_offset[k] + p_offset[p]]` — the receptive field of output position
/// `p = (i, j)` starts at `p_offset[p] = i·S·Wp + j·S`, and filter weight `k = (c, di, dj)` sits
/// at `k_offset[k] = c·Hp·Wp + di·Wp + dj` inside it.
#[derive(Debug, Clone, Default)]
struct Offsets {
    k_offset: Vec<usize>,
    p_offset: Vec<usize>,
}

impl Offsets {
    /// The offsets of layer `g` (the buffers are reused).
    fn fill(&mut self, g: &Geometry) {
        let (hp, wp, s) = (g.hp(), g.wp(), g.stride);
        self.k_offset.clear();
        for c in 0..g.c {
            for di in 0..g.hh {
                self.k_offset
                    .extend((0..g.ww).map(|dj| c * hp * wp + di * wp + dj));
            }
        }
        self.p_offset.clear();
        for i in 0..g.h_out {
            self.p_offset
                .extend((0..g.w_out).map(|j| i * s * wp + j * s));
        }
    }
}

/// One image's unrolled columns `cols (K, P)` (im2col), or their transpose `(P, K)`, read in
/// place: the matrix product packs its blocks straight from the image, so the K·P matrix —
/// C·HH·WW times larger than the image — is never written out.
struct Unrolled<'a, F> {
    image: &'a [F],
    offsets: &'a Offsets,
    /// `(P, K)`, the operand of the weight gradient `dW = dout · colsᵀ`.
    transposed: bool,
}

impl<F: Float> PackB<F> for Unrolled<'_, F> {
    fn dim(&self) -> (usize, usize) {
        let (k, p) = (self.offsets.k_offset.len(), self.offsets.p_offset.len());
        if self.transposed {
            (p, k)
        } else {
            (k, p)
        }
    }

    #[inline(always)]
    fn pack<const NR: usize>(&self, p0: usize, kc: usize, j0: usize, nc: usize, out: &mut [F]) {
        let Offsets { k_offset, p_offset } = self.offsets;
        let (row_offset, col_offset) = if self.transposed {
            (p_offset, k_offset)
        } else {
            (k_offset, p_offset)
        };
        let rows = &row_offset[p0..p0 + kc];
        for (s, strip) in out
            .chunks_exact_mut(NR * kc)
            .take(nc.div_ceil(NR))
            .enumerate()
        {
            let c0 = j0 + s * NR;
            let cols = &col_offset[c0..(c0 + NR).min(j0 + nc)];
            // Offsets increase strictly, so NR of them spanning NR − 1 are neighbours in the
            // image (NR output positions along a row at stride 1): a fixed-size copy per row.
            if cols.len() == NR && cols[NR - 1] - cols[0] == NR - 1 {
                for (dst, &r) in strip.chunks_exact_mut(NR).zip(rows) {
                    let start = r + cols[0];
                    let src: &[F; NR] = self.image[start..start + NR]
                        .try_into()
                        .expect("a slice of NR elements");
                    let dst: &mut [F; NR] = dst.try_into().expect("a chunk of NR elements");
                    *dst = *src;
                }
            } else {
                for (dst, &r) in strip.chunks_exact_mut(NR).zip(rows) {
                    let (dst, zeros) = dst.split_at_mut(cols.len());
                    for (d, &c) in dst.iter_mut().zip(cols) {
                        *d = self.image[r + c];
                    }
                    zeros.fill(F::zero());
                }
            }
        }
    }
}

/// The adjoint of unrolling ([`Unrolled`]): overwrites one image's `dx (C, H, W)` with the sum, over every
/// entry of `dcols (K, P)`, of that entry added to the input position it was copied from
/// (summed in the padded `dxpad` if there is padding, whose border is then dropped).
fn col2im<F: Float>(dcols: &[F], g: &Geometry, dx: &mut [F], dxpad: &mut Vec<F>) {
    if g.pad == 0 {
        col2im_padded(dcols, g, dx);
        return;
    }
    let (wp, pad) = (g.wp(), g.pad);
    dxpad.resize(g.c * g.hp() * wp, F::zero());
    col2im_padded(dcols, g, dxpad);
    for (dst, src) in dx
        .chunks_exact_mut(g.h * g.w)
        .zip(dxpad.chunks_exact(g.hp() * wp))
    {
        for (r, row) in dst.chunks_exact_mut(g.w).enumerate() {
            let start = (r + pad) * wp + pad;
            row.copy_from_slice(&src[start..start + g.w]);
        }
    }
}

/// [`col2im`] into a padded image `(C, H + 2P, W + 2P)` (overwritten).
fn col2im_padded<F: Float>(dcols: &[F], g: &Geometry, dxpad: &mut [F]) {
    dxpad.fill(F::zero());
    let (s, wp, w_out) = (g.stride, g.wp(), g.w_out);
    let mut rows = dcols.chunks_exact(g.p());
    for plane in dxpad.chunks_exact_mut(g.hp() * wp) {
        for di in 0..g.hh {
            for dj in 0..g.ww {
                let row = rows.next().expect("dcols has K = C·HH·WW rows");
                for (i, src) in row.chunks_exact(w_out).enumerate() {
                    let dst = &mut plane[(i * s + di) * wp + dj..];
                    if s == 1 {
                        for (d, &v) in dst[..w_out].iter_mut().zip(src) {
                            *d += v;
                        }
                    } else {
                        for (d, &v) in dst.iter_mut().step_by(s).zip(src) {
                            *d += v;
                        }
                    }
                }
            }
        }
    }
}

/// Σ of a slice, in eight interleaved partial sums so that the additions vectorise.
fn sum<F: Float>(v: &[F]) -> F {
    let mut acc = [F::zero(); 8];
    let chunks = v.chunks_exact(8);
    let tail = chunks.remainder().iter().fold(F::zero(), |s, &x| s + x);
    for c in chunks {
        for (a, &x) in acc.iter_mut().zip(c) {
            *a += x;
        }
    }
    acc.iter().fold(tail, |s, &a| s + a)
}

/// The elements of a standard-layout array, in row-major order.
fn standard_slice<'a, F, D: ndarray::Dimension>(a: &'a ndarray::CowArray<'_, F, D>) -> &'a [F] {
    a.as_slice()
        .expect("as_standard_layout returns a standard-layout array")
}

/// The elements of an output array, which must be in standard layout.
fn standard_slice_mut<'a, F>(
    context: &'static str,
    name: &str,
    a: &'a mut ArrayViewMut4<'_, F>,
) -> Result<&'a mut [F]> {
    let dim = a.dim();
    a.as_slice_mut().ok_or_else(|| {
        Error::invalid(
            Message::new("layers.context.not_contiguous_shape")
                .nested("context", Message::new(context))
                .arg("name", name)
                .arg("dim", format!("{dim:?}")),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gradient_check::{numerical_gradient_array, rel_error, DEFAULT_H};
    use crate::rng::Rng;
    use ndarray::s;

    /// Every backward gradient against centred differences of the forward pass, in f64.
    fn gradient_check(
        x_shape: (usize, usize, usize, usize),
        w_shape: (usize, usize, usize, usize),
        conv_param: ConvParam,
        seed: u64,
    ) {
        let mut rng = Rng::new(seed);
        let x: Array4<f64> = rng.normal_array(x_shape, 1.0);
        let w: Array4<f64> = rng.normal_array(w_shape, 1.0);
        let b: Array1<f64> = rng.normal_array(w_shape.0, 1.0);
        let (out, cache) = conv_forward_fast(&x, &w, &b, conv_param).unwrap();
        let dout: Array4<f64> = rng.normal_array(out.raw_dim(), 1.0);
        let (dx, dw, db) = conv_backward_fast(&dout, &cache).unwrap();
        let fwd = |x: &Array4<f64>, w: &Array4<f64>, b: &Array1<f64>| {
            conv_forward_fast(x, w, b, conv_param).unwrap().0
        };
        let dx_num = numerical_gradient_array(|x| fwd(x, &w, &b), &x, &dout, DEFAULT_H);
        let dw_num = numerical_gradient_array(|w| fwd(&x, w, &b), &w, &dout, DEFAULT_H);
        let db_num = numerical_gradient_array(|b| fwd(&x, &w, b), &b, &dout, DEFAULT_H);
        let what = format!("x {x_shape:?}, w {w_shape:?}, {conv_param:?}");
        for (name, e) in [
            ("dx", rel_error(&dx, &dx_num)),
            ("dw", rel_error(&dw, &dw_num)),
            ("db", rel_error(&db, &db_num)),
        ] {
            assert!(e < 1e-7, "{name} of {what}: rel error {e}");
        }
    }

    #[test]
    fn backward_matches_numerical_gradients() {
        let configs = [
            ((2, 3, 7, 7), (4, 3, 3, 3), 1, 0),
            ((2, 3, 7, 7), (4, 3, 3, 3), 2, 1),
            ((1, 1, 7, 8), (3, 1, 2, 3), 3, 2),
            ((2, 3, 6, 5), (2, 3, 4, 1), 1, 3),
            ((3, 2, 4, 4), (5, 2, 1, 1), 1, 0), // pointwise: no im2col
            ((2, 3, 5, 6), (2, 3, 5, 6), 1, 0), // filter as large as the image
            ((1, 2, 3, 3), (2, 2, 7, 7), 1, 2), // filter larger than the image
        ];
        for (i, &(xs, wsh, stride, pad)) in configs.iter().enumerate() {
            gradient_check(xs, wsh, ConvParam { stride, pad }, i as u64);
        }
    }

    #[test]
    fn forward_is_the_definition_at_every_position() {
        // out[n, f, i, j] = b[f] + Σ w[f] ⊙ xpad[n, :, i·S.., j·S..], spelled out with slices.
        let mut rng = Rng::new(5);
        let x: Array4<f64> = rng.normal_array((2, 3, 9, 6), 1.0);
        let w: Array4<f64> = rng.normal_array((4, 3, 3, 2), 1.0);
        let b: Array1<f64> = rng.normal_array(4, 1.0);
        let (stride, pad) = (2, 2);
        let (out, _) = conv_forward_fast(&x, &w, &b, ConvParam { stride, pad }).unwrap();
        assert_eq!(out.dim(), (2, 4, 6, 5));
        let mut xpad = Array4::zeros((2, 3, 13, 10));
        xpad.slice_mut(s![.., .., 2..11, 2..8]).assign(&x);
        for ((n, f, i, j), &v) in out.indexed_iter() {
            let window = xpad.slice(s![
                n,
                ..,
                i * stride..i * stride + 3,
                j * stride..j * stride + 2
            ]);
            let want = b[f] + (&window * &w.slice(s![f, .., .., ..])).sum();
            assert!(
                (v - want).abs() < 1e-12,
                "out[{n}, {f}, {i}, {j}] = {v}, want {want}"
            );
        }
    }

    #[test]
    fn into_variants_reuse_buffers_and_can_skip_dx() {
        let mut rng = Rng::new(3);
        let param = ConvParam { stride: 1, pad: 1 };
        let x: Array4<f64> = rng.normal_array((2, 3, 5, 5), 1.0);
        let w: Array4<f64> = rng.normal_array((4, 3, 3, 3), 1.0);
        let b: Array1<f64> = rng.normal_array(4, 1.0);
        let (out, cache) = conv_forward_fast(&x, &w, &b, param).unwrap();
        let dout: Array4<f64> = rng.normal_array(out.raw_dim(), 1.0);
        let (_, dw, db) = conv_backward_fast(&dout, &cache).unwrap();

        let mut ws = ConvWorkspace::new();
        let mut out2 = Array4::from_elem(out.raw_dim(), f64::NAN);
        let (mut dw2, mut db2) = (
            Array4::from_elem(dw.raw_dim(), 7.0),
            Array1::from_elem(4, 7.0),
        );
        for _ in 0..2 {
            conv_forward_into(
                x.view(),
                w.view(),
                b.view(),
                param,
                out2.view_mut(),
                &mut ws,
            )
            .unwrap();
            let grads = ConvGradsMut {
                dx: None,
                dw: dw2.view_mut(),
                db: db2.view_mut(),
            };
            conv_backward_into(dout.view(), x.view(), w.view(), param, grads, &mut ws).unwrap();
            assert_eq!(out2, out);
            assert_eq!(dw2, dw);
            assert_eq!(db2, db);
        }
    }

    #[test]
    fn transposed_inputs_give_the_same_result() {
        let mut rng = Rng::new(4);
        let param = ConvParam { stride: 1, pad: 1 };
        let xt: Array4<f64> = rng.normal_array((5, 4, 3, 2), 1.0);
        let x = xt.view().reversed_axes(); // (2, 3, 4, 5), not in standard layout
        let w: Array4<f64> = rng.normal_array((2, 3, 3, 3), 1.0);
        let b: Array1<f64> = rng.normal_array(2, 1.0);
        let (want, _) = conv_forward_fast(&x.to_owned(), &w, &b, param).unwrap();
        let mut out = Array4::zeros(want.raw_dim());
        conv_forward_into(
            x,
            w.view(),
            b.view(),
            param,
            out.view_mut(),
            &mut ConvWorkspace::new(),
        )
        .unwrap();
        assert_eq!(out, want);
        let mut bad = Array4::zeros((5, 4, 2, 2));
        let bad_view = bad.view_mut().reversed_axes();
        let err = conv_forward_into(
            x,
            w.view(),
            b.view(),
            param,
            bad_view,
            &mut ConvWorkspace::new(),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "conv forward: out of shape (2, 2, 4, 5) must be a contiguous row-major array"
        );
    }

    #[test]
    fn bad_shapes_are_errors_that_show_the_values() {
        let x = Array4::<f64>::zeros((2, 3, 8, 8));
        let w = Array4::<f64>::zeros((4, 1, 3, 3));
        let b = Array1::<f64>::zeros(4);
        let p = ConvParam { stride: 1, pad: 1 };
        let err = conv_forward_fast(&x, &w, &b, p).unwrap_err();
        assert_eq!(
            err.to_string(),
            "shape mismatch in conv forward (channels C of x and w): expected w with C = 3 to match x of shape (2, 3, 8, 8), got w of shape (4, 1, 3, 3)"
        );
        let w = Array4::<f64>::zeros((4, 3, 3, 3));
        let err = conv_forward_fast(&x, &w, &Array1::zeros(3), p).unwrap_err();
        assert_eq!(
            err.to_string(),
            "shape mismatch in conv forward (bias b): expected (4,), got (3,)"
        );
        let err = conv_forward_fast(&x, &w, &b, ConvParam { stride: 3, pad: 0 }).unwrap_err();
        assert!(
            matches!(
                err,
                Error::NotWhole {
                    axis: "height and width",
                    input: 8,
                    filter: 3,
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(
            err.to_string(),
            "height and width: (8 − 3 + 2·0)/3 + 1 = 2.67 is not a whole number: try stride 1, or pad 2"
        );
        let err = conv_forward_fast(&Array4::zeros((0, 3, 8, 8)), &w, &b, p).unwrap_err();
        assert!(matches!(err, Error::EmptyBatch { .. }), "{err}");

        let (_, cache) = conv_forward_fast(&x, &w, &b, p).unwrap();
        let err = conv_backward_fast(&Array4::zeros((2, 4, 8, 7)), &cache).unwrap_err();
        assert_eq!(
            err.to_string(),
            "shape mismatch in conv backward (dout must have the shape of the forward output): expected (2, 4, 8, 8), got (2, 4, 8, 7)"
        );
    }
}

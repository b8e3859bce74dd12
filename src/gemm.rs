//! Matrix products for the fast layers: `C (+)= A·B`, `C (+)= Aᵀ·B` and `C (+)= A·Bᵀ` on row-major
//! slices, cache-blocked the way GotoBLAS and BLIS do it.
//!
//! A conv layer is three matrix products once its input is unrolled into columns (im2col): the
//! forward pass `out = W·cols`, and in the backward pass `dW = dout·colsᵀ` and `dcols = Wᵀ·dout`.
//! The transposes are never materialised: the operands are *packed* (copied into small contiguous
//! panels) anyway, and packing can read a matrix either way round.
//!
//! The loops, outermost first: `NC` columns of `B` at a time; a `KC`-deep slice of the inner
//! dimension, whose `KC × NC` block of `B` is packed into strips `NR` columns wide; `MC` rows of
//! `A`, whose `MC × KC` block is packed into strips `MR` rows high; then a *micro-kernel* keeps an
//! `MR × NR` tile of `C` in registers while it walks the `KC` depth of one strip of each. The
//! pack buffers live in a [`GemmScratch`] the caller can keep, so a training loop does not
//! allocate. The micro-kernel is, per target:
//! - WebAssembly with `simd128`: a hand-written `f32x4` kernel on a 4×8 tile (8 accumulators —
//!   V8 spills registers beyond about ten), with fused multiply-adds if the build also enables
//!   `relaxed-simd`;
//! - x86-64 with AVX2 and FMA (detected at run time): the portable kernel compiled for those
//!   features, with fused multiply-adds, on a 4×16 (`f32`) or 4×8 (`f64`) tile;
//! - anything else: a portable kernel the compiler vectorises, on a 4×8 (`f32`) or 4×4 (`f64`) tile.
//!
//! ```
//! use cnn_playground::gemm::{gemm_nn, GemmScratch, MatMut, MatRef, Update};
//! let a = [1.0_f32, 2.0, 3.0, 4.0, 5.0, 6.0]; // 2×3
//! let b = [1.0_f32, 0.0, 0.0, 1.0, 1.0, 1.0]; // 3×2
//! let mut c = [0.0_f32; 4]; // 2×2
//! let mut scratch = GemmScratch::new();
//! gemm_nn(
//!     MatRef::new(&a, 2, 3),
//!     MatRef::new(&b, 3, 2),
//!     MatMut::new(&mut c, 2, 2),
//!     Update::Overwrite,
//!     &mut scratch,
//! );
//! assert_eq!(c, [4.0, 5.0, 10.0, 11.0]);
//! ```

use crate::float::Float;

/// Depth of one packed slice of the inner dimension.
const KC: usize = 256;
/// Rows of `A` packed at a time.
const MC: usize = 96;
/// Columns of `B` packed at a time.
const NC: usize = 2048;
/// The largest tile of any micro-kernel below, which sizes the pack buffers.
const MAX_MR: usize = 4;
const MAX_NR: usize = 16;

/// Whether a product replaces the contents of `C` or is added to them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Update {
    /// `C = op(A)·op(B)`.
    Overwrite,
    /// `C += op(A)·op(B)`.
    Accumulate,
}

/// A read-only row-major matrix in a slice: element `(i, j)` is `data[i·ld + j]`.
#[derive(Debug, Clone, Copy)]
pub struct MatRef<'a, F> {
    data: &'a [F],
    rows: usize,
    cols: usize,
    ld: usize,
}

/// A writable row-major matrix in a slice: element `(i, j)` is `data[i·ld + j]`.
#[derive(Debug)]
pub struct MatMut<'a, F> {
    data: &'a mut [F],
    rows: usize,
    cols: usize,
    ld: usize,
}

/// The number of elements a `rows × cols` matrix with leading dimension `ld` spans.
fn span(what: &str, len: usize, rows: usize, cols: usize, ld: usize) -> usize {
    assert!(
        rows <= 1 || ld >= cols,
        "{what}: leading dimension {ld} is smaller than the {cols} columns"
    );
    let need = if rows == 0 || cols == 0 {
        0
    } else {
        (rows - 1) * ld + cols
    };
    assert!(
        len >= need,
        "{what}: a {rows}×{cols} matrix with leading dimension {ld} needs {need} elements, the slice has {len}"
    );
    need
}

impl<'a, F> MatRef<'a, F> {
    /// A `rows × cols` matrix stored densely (`ld = cols`).
    ///
    /// # Panics
    /// If `data` is shorter than `rows·cols`: the layers compute these sizes themselves, so a
    /// mismatch is a bug in the caller, not bad user input.
    pub fn new(data: &'a [F], rows: usize, cols: usize) -> Self {
        Self::with_ld(data, rows, cols, cols)
    }

    /// A `rows × cols` matrix whose rows start `ld` elements apart (a block of a larger matrix).
    ///
    /// # Panics
    /// If `ld < cols` or `data` is too short for the shape.
    pub fn with_ld(data: &'a [F], rows: usize, cols: usize, ld: usize) -> Self {
        span("MatRef", data.len(), rows, cols, ld);
        MatRef {
            data,
            rows,
            cols,
            ld,
        }
    }

    /// `(rows, cols)`.
    pub fn dim(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }
}

impl<'a, F> MatMut<'a, F> {
    /// A `rows × cols` matrix stored densely (`ld = cols`).
    ///
    /// # Panics
    /// If `data` is shorter than `rows·cols`.
    pub fn new(data: &'a mut [F], rows: usize, cols: usize) -> Self {
        Self::with_ld(data, rows, cols, cols)
    }

    /// A `rows × cols` matrix whose rows start `ld` elements apart.
    ///
    /// # Panics
    /// If `ld < cols` or `data` is too short for the shape.
    pub fn with_ld(data: &'a mut [F], rows: usize, cols: usize, ld: usize) -> Self {
        span("MatMut", data.len(), rows, cols, ld);
        MatMut {
            data,
            rows,
            cols,
            ld,
        }
    }

    /// `(rows, cols)`.
    pub fn dim(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }
}

/// The pack buffers of a product, kept between calls so that repeated products do not allocate.
///
/// One scratch serves products of any size and any of the three kinds; it grows to the largest
/// blocks it has seen (at most `MC·KC + KC·NC` elements, about 2.2 MB in `f32`).
#[derive(Debug, Clone, Default)]
pub struct GemmScratch<F> {
    a: Vec<F>,
    b: Vec<F>,
}

impl<F: Float> GemmScratch<F> {
    /// Empty buffers; the first product sizes them.
    pub fn new() -> Self {
        GemmScratch {
            a: Vec::new(),
            b: Vec::new(),
        }
    }

    /// The two pack buffers for an `(M, K)·(K, N)` product, grown if need be (never shrunk).
    fn buffers(&mut self, m: usize, n: usize, k: usize) -> (&mut [F], &mut [F]) {
        // Blocks no larger than the problem, plus room to round up to whole strips of any kernel.
        let kc = k.min(KC);
        let a_len = (m.min(MC) + MAX_MR) * kc;
        let b_len = (n.min(NC) + MAX_NR) * kc;
        if self.a.len() < a_len {
            self.a.resize(a_len, F::zero());
        }
        if self.b.len() < b_len {
            self.b.resize(b_len, F::zero());
        }
        (&mut self.a[..a_len], &mut self.b[..b_len])
    }
}

/// `C (+)= A·B` with `A` of shape `(M, K)`, `B` of shape `(K, N)` and `C` of shape `(M, N)`.
///
/// # Panics
/// If the shapes do not agree (a bug in the caller: the layers derive them from checked shapes).
pub fn gemm_nn<F: Float>(
    a: MatRef<'_, F>,
    b: MatRef<'_, F>,
    c: MatMut<'_, F>,
    update: Update,
    scratch: &mut GemmScratch<F>,
) {
    let a = Operand::as_stored(a);
    let b = Operand::as_stored(b);
    gemm(a, &b, c, update, scratch, Path::best());
}

/// `C (+)= Aᵀ·B` with `A` stored as `(K, M)`, `B` of shape `(K, N)` and `C` of shape `(M, N)`.
///
/// # Panics
/// If the shapes do not agree.
pub fn gemm_tn<F: Float>(
    a: MatRef<'_, F>,
    b: MatRef<'_, F>,
    c: MatMut<'_, F>,
    update: Update,
    scratch: &mut GemmScratch<F>,
) {
    let a = Operand::transposed(a);
    let b = Operand::as_stored(b);
    gemm(a, &b, c, update, scratch, Path::best());
}

/// `C (+)= A·Bᵀ` with `A` of shape `(M, K)`, `B` stored as `(N, K)` and `C` of shape `(M, N)`.
///
/// # Panics
/// If the shapes do not agree.
pub fn gemm_nt<F: Float>(
    a: MatRef<'_, F>,
    b: MatRef<'_, F>,
    c: MatMut<'_, F>,
    update: Update,
    scratch: &mut GemmScratch<F>,
) {
    let a = Operand::as_stored(a);
    let b = Operand::transposed(b);
    gemm(a, &b, c, update, scratch, Path::best());
}

/// A matrix as the product sees it (already transposed if need be): element `(i, j)` is
/// `data[i·rs + j·cs]`.
#[derive(Clone, Copy)]
struct Operand<'a, F> {
    data: &'a [F],
    rows: usize,
    cols: usize,
    rs: usize,
    cs: usize,
}

impl<'a, F> Operand<'a, F> {
    /// The matrix as stored, row-major with leading dimension `ld`.
    fn as_stored(m: MatRef<'a, F>) -> Self {
        Operand {
            data: m.data,
            rows: m.rows,
            cols: m.cols,
            rs: m.ld,
            cs: 1,
        }
    }

    /// Its transpose, read in place: rows and columns swap roles, no copy is made.
    fn transposed(m: MatRef<'a, F>) -> Self {
        Operand {
            data: m.data,
            rows: m.cols,
            cols: m.rows,
            rs: 1,
            cs: m.ld,
        }
    }
}

/// The right-hand operand `B` of a product as the product reads it: a block at a time, packed
/// into strips of `NR` columns. A stored matrix is one ([`MatRef`], possibly transposed);
/// [`crate::layers::conv_fast`]'s unrolled image is another, packed straight from the image so
/// that the unrolled matrix (im2col's `cols`) is never written out in full.
pub trait PackB<F> {
    /// `(rows, cols)`: `(K, N)` of the product.
    fn dim(&self) -> (usize, usize);

    /// Packs rows `p0..p0 + kc`, columns `j0..j0 + nc` into `out` in strips of `NR` columns:
    /// strip `s` holds, for each `p`, the `NR` values of row `p` at columns `j0 + s·NR ..`, zero
    /// past the last column. `out` has room for `⌈nc/NR⌉` strips of `NR·kc` values.
    fn pack<const NR: usize>(&self, p0: usize, kc: usize, j0: usize, nc: usize, out: &mut [F]);
}

impl<F: Float> PackB<F> for Operand<'_, F> {
    fn dim(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    #[inline(always)]
    fn pack<const NR: usize>(&self, p0: usize, kc: usize, j0: usize, nc: usize, out: &mut [F]) {
        pack_b::<F, NR>(self, p0, kc, j0, nc, out)
    }
}

/// `C (+)= A·B` with `A` of shape `(M, K)` and `B` any [`PackB`] of shape `(K, N)` — the entry
/// for operands that pack themselves.
///
/// # Panics
/// If the shapes do not agree.
pub fn gemm_packed<F: Float, B: PackB<F>>(
    a: MatRef<'_, F>,
    b: &B,
    c: MatMut<'_, F>,
    update: Update,
    scratch: &mut GemmScratch<F>,
) {
    gemm(Operand::as_stored(a), b, c, update, scratch, Path::best());
}

/// Which micro-kernel runs the product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Path {
    /// The portable kernel (and, for `f32` on wasm32 with `simd128`, the `f32x4` kernel).
    Portable,
    /// The portable kernel compiled for AVX2 and FMA (x86-64 only, when the CPU has them).
    #[cfg(target_arch = "x86_64")]
    Avx2Fma,
}

impl Path {
    /// The fastest path this machine supports.
    fn best() -> Path {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            return Path::Avx2Fma;
        }
        Path::Portable
    }

    /// Every path this machine supports, so that tests cover each one.
    #[cfg(test)]
    fn available() -> Vec<Path> {
        let mut paths = vec![Path::Portable];
        #[cfg(target_arch = "x86_64")]
        if Path::best() == Path::Avx2Fma {
            paths.push(Path::Avx2Fma);
        }
        paths
    }
}

/// Checks the shapes, then hands the product to the micro-kernel of `path`.
fn gemm<F: Float, B: PackB<F>>(
    a: Operand<'_, F>,
    b: &B,
    c: MatMut<'_, F>,
    update: Update,
    scratch: &mut GemmScratch<F>,
    path: Path,
) {
    let (b_rows, b_cols) = b.dim();
    assert!(
        a.cols == b_rows && c.rows == a.rows && c.cols == b_cols,
        "gemm: cannot multiply {}×{} by {}×{} into {}×{}",
        a.rows,
        a.cols,
        b_rows,
        b_cols,
        c.rows,
        c.cols
    );
    let (m, n, k) = (a.rows, b_cols, a.cols);
    if m == 0 || n == 0 {
        return;
    }
    let ldc = c.ld;
    if k == 0 {
        // An empty sum: C = 0, or C unchanged.
        if update == Update::Overwrite {
            for row in c.data.chunks_mut(ldc).take(m) {
                row[..n].fill(F::zero());
            }
        }
        return;
    }
    let c = &mut c.data[..];
    let (pa, pb) = scratch.buffers(m, n, k);
    let f32_sized = std::mem::size_of::<F>() == 4;
    match path {
        Path::Portable => {
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            if wasm_simd::try_gemm(a, b, c, ldc, update, pa, pb) {
                return;
            }
            if f32_sized {
                blocked::<F, 4, 8, _, _>(a, b, c, ldc, update, pa, pb, kernel::<F, 4, 8, false>)
            } else {
                blocked::<F, 4, 4, _, _>(a, b, c, ldc, update, pa, pb, kernel::<F, 4, 4, false>)
            }
        }
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Path::Avx2Fma` is only chosen when the CPU reports AVX2 and FMA.
        Path::Avx2Fma => unsafe { avx2_fma::gemm(a, b, c, ldc, update, pa, pb) },
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2_fma {
    use super::*;

    /// The blocked product with every loop compiled for AVX2 and FMA.
    ///
    /// The kernel goes in as a closure: a closure inherits this function's target features, so
    /// even if it is not inlined its `mul_add` is an FMA instruction. (A plain function item
    /// reached through `Fn::call` was once left out of line and compiled without them, making
    /// every `mul_add` a call to software `fmaf`: twenty times slower.)
    ///
    /// # Safety
    /// The CPU must support AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn gemm<F: Float, B: PackB<F>>(
        a: Operand<'_, F>,
        b: &B,
        c: &mut [F],
        ldc: usize,
        update: Update,
        pack_a: &mut [F],
        pack_b: &mut [F],
    ) {
        if std::mem::size_of::<F>() == 4 {
            blocked::<F, 4, 16, _, _>(a, b, c, ldc, update, pack_a, pack_b, |kc, a, b| {
                kernel::<F, 4, 16, true>(kc, a, b)
            })
        } else {
            blocked::<F, 4, 8, _, _>(a, b, c, ldc, update, pack_a, pack_b, |kc, a, b| {
                kernel::<F, 4, 8, true>(kc, a, b)
            })
        }
    }
}

/// The five loops around the micro-kernel (see the module docs). `C` is `(M, N)` with rows `ldc`
/// apart; `kernel(kc, a_strip, b_strip)` returns the `MR × NR` tile of one strip pair; the pack
/// buffers come from [`GemmScratch::buffers`].
#[inline(always)]
#[allow(clippy::too_many_arguments)] // one private call site per kernel; a struct would only rename them
fn blocked<F, const MR: usize, const NR: usize, B, K>(
    a: Operand<'_, F>,
    b: &B,
    c: &mut [F],
    ldc: usize,
    update: Update,
    pack_a_buf: &mut [F],
    pack_b_buf: &mut [F],
    kernel: K,
) where
    F: Float,
    B: PackB<F>,
    K: Fn(usize, &[F], &[F]) -> [[F; NR]; MR],
{
    let (m, n, k) = (a.rows, b.dim().1, a.cols);

    for jc in (0..n).step_by(NC) {
        let nc = NC.min(n - jc);
        for pc in (0..k).step_by(KC) {
            let kc = KC.min(k - pc);
            let overwrite = pc == 0 && update == Update::Overwrite;
            b.pack::<NR>(pc, kc, jc, nc, pack_b_buf);
            for ic in (0..m).step_by(MC) {
                let mc = MC.min(m - ic);
                pack_a::<F, MR>(&a, ic, mc, pc, kc, pack_a_buf);
                for (js, jr) in (0..nc).step_by(NR).enumerate() {
                    let nr = NR.min(nc - jr);
                    let b_strip = &pack_b_buf[js * NR * kc..(js + 1) * NR * kc];
                    for (is, ir) in (0..mc).step_by(MR).enumerate() {
                        let mr = MR.min(mc - ir);
                        let a_strip = &pack_a_buf[is * MR * kc..(is + 1) * MR * kc];
                        let tile = kernel(kc, a_strip, b_strip);
                        let c0 = (ic + ir) * ldc + jc + jr;
                        if mr == MR && nr == NR {
                            // A whole tile: constant trip counts, so the stores vectorise.
                            store(&tile, &mut c[c0..], ldc, MR, NR, overwrite);
                        } else {
                            store(&tile, &mut c[c0..], ldc, mr, nr, overwrite);
                        }
                    }
                }
            }
        }
    }
}

/// Writes (or adds) the top-left `mr × nr` corner of `tile` to `c`, whose rows are `ldc` apart.
#[inline(always)]
fn store<F: Float, const MR: usize, const NR: usize>(
    tile: &[[F; NR]; MR],
    c: &mut [F],
    ldc: usize,
    mr: usize,
    nr: usize,
    overwrite: bool,
) {
    for (i, row) in tile.iter().enumerate().take(mr) {
        let dst = &mut c[i * ldc..i * ldc + nr];
        if overwrite {
            dst.copy_from_slice(&row[..nr]);
        } else {
            for (d, &t) in dst.iter_mut().zip(row) {
                *d += t;
            }
        }
    }
}

/// Packs rows `i0..i0 + mc`, columns `p0..p0 + kc` of `a` into strips of `MR` rows: strip `s`
/// holds, for each `p`, the `MR` values of column `p` (zero past the last row).
#[inline(always)]
fn pack_a<F: Float, const MR: usize>(
    a: &Operand<'_, F>,
    i0: usize,
    mc: usize,
    p0: usize,
    kc: usize,
    out: &mut [F],
) {
    // Strips of rows of A are strips of columns of Aᵀ.
    let at = Operand {
        data: a.data,
        rows: a.cols,
        cols: a.rows,
        rs: a.cs,
        cs: a.rs,
    };
    pack_b::<F, MR>(&at, p0, kc, i0, mc, out);
}

/// Packs rows `p0..p0 + kc`, columns `j0..j0 + nc` of `b` into strips of `NR` columns: strip `s`
/// holds, for each `p`, the `NR` values of row `p` (zero past the last column).
#[inline(always)]
fn pack_b<F: Float, const NR: usize>(
    b: &Operand<'_, F>,
    p0: usize,
    kc: usize,
    j0: usize,
    nc: usize,
    out: &mut [F],
) {
    for (s, strip) in out
        .chunks_exact_mut(NR * kc)
        .take(nc.div_ceil(NR))
        .enumerate()
    {
        let c0 = j0 + s * NR;
        let cols = NR.min(j0 + nc - c0);
        if cols < NR {
            strip.fill(F::zero());
        }
        if b.cs == 1 && cols == NR {
            // Whole rows of the strip: fixed-size copies, which compile to vector moves (a
            // copy of run-time length would be a call to memcpy).
            for (p, dst) in strip.chunks_exact_mut(NR).enumerate() {
                let start = (p0 + p) * b.rs + c0;
                let src: &[F; NR] = b.data[start..start + NR]
                    .try_into()
                    .expect("a slice of NR elements");
                let dst: &mut [F; NR] = dst.try_into().expect("a chunk of NR elements");
                *dst = *src;
            }
        } else if b.cs == 1 {
            for (p, dst) in strip.chunks_exact_mut(NR).enumerate() {
                let start = (p0 + p) * b.rs + c0;
                dst[..cols].copy_from_slice(&b.data[start..start + cols]);
            }
        } else if b.rs == 1 && cols == NR {
            // Columns are contiguous (a transposed operand): walk the NR columns side by side,
            // one value of each per row of the strip, so every read and the write stay sequential.
            let columns: [&[F]; NR] = core::array::from_fn(|j| {
                let start = (c0 + j) * b.cs + p0;
                &b.data[start..start + kc]
            });
            for (p, dst) in strip.chunks_exact_mut(NR).enumerate() {
                for (d, column) in dst.iter_mut().zip(&columns) {
                    *d = column[p];
                }
            }
        } else if b.rs == 1 {
            for j in 0..cols {
                let start = (c0 + j) * b.cs + p0;
                for (dst, &v) in strip[j..]
                    .iter_mut()
                    .step_by(NR)
                    .zip(&b.data[start..start + kc])
                {
                    *dst = v;
                }
            }
        } else {
            for (p, dst) in strip.chunks_exact_mut(NR).enumerate() {
                let base = (p0 + p) * b.rs + c0 * b.cs;
                for (j, d) in dst.iter_mut().enumerate().take(cols) {
                    *d = b.data[base + j * b.cs];
                }
            }
        }
    }
}

/// The portable micro-kernel: the `MR × NR` tile `Σ_p a[p]·b[p]ᵀ` over `kc` packed columns of
/// `a` (`MR` values each) and rows of `b` (`NR` values each). Fixed sizes let the compiler keep
/// the tile in vector registers; `FMA` fuses each multiply-add (only where the CPU has FMA: a
/// software `mul_add` would be a library call).
#[inline(always)]
fn kernel<F: Float, const MR: usize, const NR: usize, const FMA: bool>(
    kc: usize,
    a: &[F],
    b: &[F],
) -> [[F; NR]; MR] {
    let mut acc = [[F::zero(); NR]; MR];
    for (ap, bp) in a.chunks_exact(MR).zip(b.chunks_exact(NR)).take(kc) {
        for (row, &ai) in acc.iter_mut().zip(ap) {
            for (t, &bj) in row.iter_mut().zip(bp) {
                *t = if FMA {
                    ai.mul_add(bj, *t)
                } else {
                    *t + ai * bj
                };
            }
        }
    }
    acc
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod wasm_simd {
    //! The `f32x4` micro-kernel for WebAssembly SIMD.
    use super::*;
    use crate::float::{is_f32, on_f32};
    use core::arch::wasm32::*;

    const MR: usize = 4;
    const NR: usize = 8;

    /// Runs the product with the SIMD kernel if `F` is `f32` (and says so); does nothing and
    /// returns `false` otherwise.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn try_gemm<F: Float, B: PackB<F>>(
        a: Operand<'_, F>,
        b: &B,
        c: &mut [F],
        ldc: usize,
        update: Update,
        pack_a: &mut [F],
        pack_b: &mut [F],
    ) -> bool {
        if !is_f32::<F>() {
            return false;
        }
        // The loops around the kernel are generic; only the kernel needs to see f32.
        let kernel = |kc: usize, a: &[F], b: &[F]| -> [[F; NR]; MR] {
            on_f32(a, b, |a, b| kernel_4x8(kc, a, b)).expect("F is f32 (checked above)")
        };
        blocked::<F, MR, NR, _, _>(a, b, c, ldc, update, pack_a, pack_b, kernel);
        true
    }

    /// `c + a·b`: fused where the build enables relaxed SIMD (about 20% faster in V8, but not
    /// every browser has it, so the default build does not), a multiply and an add otherwise.
    #[inline(always)]
    fn madd(a: v128, b: v128, c: v128) -> v128 {
        #[cfg(target_feature = "relaxed-simd")]
        return f32x4_relaxed_madd(a, b, c);
        #[cfg(not(target_feature = "relaxed-simd"))]
        return f32x4_add(c, f32x4_mul(a, b));
    }

    /// The 4×8 tile in eight `f32x4` accumulators: per step, two loads of `b`, four broadcasts
    /// of `a` and eight multiply-adds. (A 6×8 tile, twelve accumulators, measured slower in V8:
    /// it spills.)
    #[inline(always)]
    fn kernel_4x8(kc: usize, a: &[f32], b: &[f32]) -> [[f32; NR]; MR] {
        assert!(a.len() >= kc * MR && b.len() >= kc * NR);
        let zero = f32x4_splat(0.0);
        let (mut c00, mut c01, mut c10, mut c11) = (zero, zero, zero, zero);
        let (mut c20, mut c21, mut c30, mut c31) = (zero, zero, zero, zero);
        let (pa, pb) = (a.as_ptr(), b.as_ptr());
        for p in 0..kc {
            // SAFETY: p < kc, and the assert above keeps every read inside `a` and `b`.
            unsafe {
                let b0 = core::ptr::read_unaligned(pb.add(p * NR) as *const v128);
                let b1 = core::ptr::read_unaligned(pb.add(p * NR + 4) as *const v128);
                let ap = pa.add(p * MR);
                let a0 = f32x4_splat(*ap);
                c00 = madd(a0, b0, c00);
                c01 = madd(a0, b1, c01);
                let a1 = f32x4_splat(*ap.add(1));
                c10 = madd(a1, b0, c10);
                c11 = madd(a1, b1, c11);
                let a2 = f32x4_splat(*ap.add(2));
                c20 = madd(a2, b0, c20);
                c21 = madd(a2, b1, c21);
                let a3 = f32x4_splat(*ap.add(3));
                c30 = madd(a3, b0, c30);
                c31 = madd(a3, b1, c31);
            }
        }
        let mut tile = [[0.0_f32; NR]; MR];
        for (row, (lo, hi)) in tile
            .iter_mut()
            .zip([(c00, c01), (c10, c11), (c20, c21), (c30, c31)])
        {
            // SAFETY: each row holds 8 f32, i.e. two v128.
            unsafe {
                core::ptr::write_unaligned(row.as_mut_ptr() as *mut v128, lo);
                core::ptr::write_unaligned(row.as_mut_ptr().add(4) as *mut v128, hi);
            }
        }
        tile
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// The textbook triple loop on operands read through their strides.
    fn reference(a: &Operand<'_, f64>, b: &Operand<'_, f64>) -> Vec<f64> {
        let (m, n, k) = (a.rows, b.cols, a.cols);
        let mut c = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                let mut s = 0.0;
                for p in 0..k {
                    s += a.data[i * a.rs + p * a.cs] * b.data[p * b.rs + j * b.cs];
                }
                c[i * n + j] = s;
            }
        }
        c
    }

    /// A stored `rows × cols` matrix as an operand, transposed if `t`.
    fn operand<F>(data: &[F], rows: usize, cols: usize, ld: usize, t: bool) -> Operand<'_, F> {
        let m = MatRef::with_ld(data, rows, cols, ld);
        if t {
            Operand {
                data: m.data,
                rows: cols,
                cols: rows,
                rs: 1,
                cs: ld,
            }
        } else {
            Operand {
                data: m.data,
                rows,
                cols,
                rs: ld,
                cs: 1,
            }
        }
    }

    fn max_abs_diff(x: &[f64], y: &[f64]) -> f64 {
        x.iter()
            .zip(y)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max)
    }

    #[derive(Clone, Copy, Debug)]
    enum Kind {
        Nn,
        Tn,
        Nt,
    }

    /// Runs one product of each kind through `path` in `f64` and `f32`, with padded leading
    /// dimensions and both updates, and compares with the triple loop.
    fn check(kind: Kind, m: usize, n: usize, k: usize, path: Path, rng: &mut Rng) {
        // Stored shapes of A and B for this kind, with 3 spare columns so ld > cols.
        let (ar, ac) = match kind {
            Kind::Tn => (k, m),
            _ => (m, k),
        };
        let (br, bc) = match kind {
            Kind::Nt => (n, k),
            _ => (k, n),
        };
        let (lda, ldb, ldc) = (ac + 3, bc + 3, n + 3);
        let a: Vec<f64> = (0..ar * lda).map(|_| rng.normal()).collect();
        let b: Vec<f64> = (0..br * ldb).map(|_| rng.normal()).collect();
        let c0: Vec<f64> = (0..m * ldc).map(|_| rng.normal()).collect();
        let op = operand::<f64>;
        let ta = matches!(kind, Kind::Tn);
        let tb = matches!(kind, Kind::Nt);
        let want = reference(&op(&a, ar, ac, lda, ta), &op(&b, br, bc, ldb, tb));

        // f64, overwrite then accumulate onto the starting C.
        for update in [Update::Overwrite, Update::Accumulate] {
            let mut c = c0.clone();
            let mut scratch = GemmScratch::new();
            gemm(
                op(&a, ar, ac, lda, ta),
                &op(&b, br, bc, ldb, tb),
                MatMut::with_ld(&mut c, m, n, ldc),
                update,
                &mut scratch,
                path,
            );
            for i in 0..m {
                let got = &c[i * ldc..i * ldc + n];
                let expect: Vec<f64> = (0..n)
                    .map(|j| {
                        want[i * n + j]
                            + if update == Update::Accumulate {
                                c0[i * ldc + j]
                            } else {
                                0.0
                            }
                    })
                    .collect();
                let err = max_abs_diff(got, &expect);
                assert!(
                    err < 1e-12 * (k as f64 + 1.0),
                    "{kind:?} {m}×{n}×{k} {update:?} {path:?}: error {err}"
                );
                // Padding columns of C are never touched.
                assert_eq!(
                    &c[i * ldc + n..(i + 1) * ldc],
                    &c0[i * ldc + n..(i + 1) * ldc]
                );
            }
        }

        // f32, overwrite.
        let a32: Vec<f32> = a.iter().map(|&v| v as f32).collect();
        let b32: Vec<f32> = b.iter().map(|&v| v as f32).collect();
        let mut c32 = vec![0.0_f32; m * ldc];
        let opf = operand::<f32>;
        gemm(
            opf(&a32, ar, ac, lda, ta),
            &opf(&b32, br, bc, ldb, tb),
            MatMut::with_ld(&mut c32, m, n, ldc),
            Update::Overwrite,
            &mut GemmScratch::new(),
            path,
        );
        for i in 0..m {
            for j in 0..n {
                let (got, expect) = (c32[i * ldc + j] as f64, want[i * n + j]);
                // Sums of k products of N(0,1) values: error grows like √k·ε·magnitude.
                assert!(
                    (got - expect).abs() < 1e-5 * (k as f64).sqrt() * 4.0,
                    "{kind:?} f32 {m}×{n}×{k} {path:?}: {got} vs {expect}"
                );
            }
        }
    }

    #[test]
    fn all_three_products_match_the_triple_loop_on_awkward_sizes() {
        let mut rng = Rng::new(11);
        let sizes = [1, 3, 7, 17, 33, 65];
        for path in Path::available() {
            for kind in [Kind::Nn, Kind::Tn, Kind::Nt] {
                for &m in &sizes {
                    for &n in &sizes {
                        for &k in &[1, 7, 33] {
                            check(kind, m, n, k, path, &mut rng);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn products_larger_than_one_block_match_the_triple_loop() {
        // Past KC in depth, past MC in rows, past NC in columns (one at a time, to stay quick).
        let mut rng = Rng::new(12);
        for path in Path::available() {
            for kind in [Kind::Nn, Kind::Tn, Kind::Nt] {
                check(kind, 5, 9, KC * 2 + 3, path, &mut rng);
                check(kind, MC + 5, 11, 20, path, &mut rng);
                check(kind, 3, NC + 13, 2, path, &mut rng);
                check(kind, MC * 2 + 1, 130, KC + 1, path, &mut rng);
            }
        }
    }

    #[test]
    fn an_empty_inner_dimension_gives_zero_or_leaves_c() {
        let a: [f64; 0] = [];
        let mut c = [5.0_f64; 6];
        let mut s = GemmScratch::new();
        gemm_nn(
            MatRef::new(&a, 2, 0),
            MatRef::new(&a, 0, 3),
            MatMut::new(&mut c, 2, 3),
            Update::Accumulate,
            &mut s,
        );
        assert_eq!(c, [5.0; 6]);
        gemm_nn(
            MatRef::new(&a, 2, 0),
            MatRef::new(&a, 0, 3),
            MatMut::new(&mut c, 2, 3),
            Update::Overwrite,
            &mut s,
        );
        assert_eq!(c, [0.0; 6]);
    }

    #[test]
    fn the_named_products_transpose_the_right_operand() {
        // A = [[1, 2], [3, 4]], B = [[5, 6], [7, 8]].
        let a = [1.0_f64, 2.0, 3.0, 4.0];
        let b = [5.0_f64, 6.0, 7.0, 8.0];
        let mut s = GemmScratch::new();
        let mut c = [0.0; 4];
        gemm_nn(
            MatRef::new(&a, 2, 2),
            MatRef::new(&b, 2, 2),
            MatMut::new(&mut c, 2, 2),
            Update::Overwrite,
            &mut s,
        );
        assert_eq!(c, [19.0, 22.0, 43.0, 50.0]);
        gemm_tn(
            MatRef::new(&a, 2, 2),
            MatRef::new(&b, 2, 2),
            MatMut::new(&mut c, 2, 2),
            Update::Overwrite,
            &mut s,
        );
        assert_eq!(c, [26.0, 30.0, 38.0, 44.0]);
        gemm_nt(
            MatRef::new(&a, 2, 2),
            MatRef::new(&b, 2, 2),
            MatMut::new(&mut c, 2, 2),
            Update::Overwrite,
            &mut s,
        );
        assert_eq!(c, [17.0, 23.0, 39.0, 53.0]);
        // Non-square: Aᵀ of a 3×2 A is 2×3; times a 3×1 B.
        let a = [1.0_f64, 2.0, 3.0, 4.0, 5.0, 6.0];
        let b = [1.0_f64, 1.0, 1.0];
        let mut c = [0.0; 2];
        gemm_tn(
            MatRef::new(&a, 3, 2),
            MatRef::new(&b, 3, 1),
            MatMut::new(&mut c, 2, 1),
            Update::Overwrite,
            &mut s,
        );
        assert_eq!(c, [9.0, 12.0]);
    }

    #[test]
    #[should_panic(expected = "cannot multiply 2×3 by 2×2")]
    fn mismatched_inner_dimensions_are_a_bug() {
        let a = [0.0_f64; 6];
        let mut c = [0.0_f64; 4];
        gemm_nn(
            MatRef::new(&a, 2, 3),
            MatRef::new(&a[..4], 2, 2),
            MatMut::new(&mut c, 2, 2),
            Update::Overwrite,
            &mut GemmScratch::new(),
        );
    }
}

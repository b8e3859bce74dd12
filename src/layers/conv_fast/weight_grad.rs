//! The conv layer's weight gradient at stride 1, read straight from the image.
//!
//! `dW[f, k] = Σ_p dout[f, p] · cols[k, p]` is a product of two matrices that are both read along
//! the output positions p. At stride 1, row k of the unrolled `cols` is the padded image itself:
//! H' runs of W' neighbouring pixels, starting at `k_offset[k]` and `Wp` apart. So every entry of
//! dW is a sum of dot products of contiguous runs, and a kernel with its vector lanes along p
//! needs neither the unrolled matrix nor a packed or transposed copy of anything. (The matrix
//! product has to transpose `cols` while packing it: for the benchmark's conv, 32 filters 7×7 on
//! a batch of 50 3×32×32 images, this kernel took the weight gradient from 23.6 to 17.6 ms in
//! Chromium. At stride > 1 the runs are strided and the layer uses the product.)
//!
//! The kernel computes a 2×4 block of dW at a time (two filters, four weights): per four output
//! positions (eight with AVX2) it loads two runs of `dout` and four of the image and does eight
//! vector multiply-adds into eight accumulators, the same balance as [`crate::gemm`]'s
//! micro-kernel.

use crate::float::Float;

/// Filters per block.
const MR: usize = 2;
/// Filter weights per block.
const NR: usize = 4;
/// Vector lanes (output positions) per step.
const LANES: usize = 4;
// The SIMD kernel names its two filter rows.
const _: () = assert!(MR == 2);

/// Where the runs of one image are: `k_offset[k]` (of [`super::Offsets`]), the output height H'
/// and width W', and the padded width Wp.
#[derive(Debug, Clone, Copy)]
pub(super) struct Runs<'a> {
    pub k_offset: &'a [usize],
    pub h_out: usize,
    pub w_out: usize,
    pub wp: usize,
}

/// `dw (F, K) += dout (F, H'·W') · colsᵀ` for one padded image (stride 1).
///
/// # Panics
/// If the slices are shorter than the shapes say (the layer derives both from one checked
/// geometry, so that would be a bug).
pub(super) fn accumulate<F: Float>(dout: &[F], image: &[F], runs: Runs<'_>, dw: &mut [F]) {
    let (k, p) = (runs.k_offset.len(), runs.h_out * runs.w_out);
    if k == 0 || p == 0 {
        return;
    }
    let f = dw.len() / k;
    assert!(dout.len() >= f * p && dw.len() == f * k);
    // The furthest pixel any run reads; checked once so that the kernels need not.
    let last = runs.k_offset.iter().max().copied().unwrap_or(0) + (runs.h_out - 1) * runs.wp;
    assert!(
        last + runs.w_out <= image.len(),
        "the runs stay inside the image"
    );

    for f0 in (0..f).step_by(MR) {
        // A block past the last filter or weight repeats the last one and drops the copy, so
        // that one kernel of fixed size serves every shape.
        let filters: [usize; MR] = core::array::from_fn(|a| (f0 + a).min(f - 1));
        for k0 in (0..k).step_by(NR) {
            let weights: [usize; NR] = core::array::from_fn(|b| (k0 + b).min(k - 1));
            let block = block(dout, image, runs, filters, weights);
            for (a, row) in block.iter().enumerate().take(f - f0) {
                let dw_row = &mut dw[(f0 + a) * k..(f0 + a + 1) * k];
                for (b, &v) in row.iter().enumerate().take(k - k0) {
                    dw_row[k0 + b] += v;
                }
            }
        }
    }
}

/// `Σ_p dout[filters[a], p] · cols[weights[b], p]` for the 2×4 block.
#[inline(always)]
fn block<F: Float>(
    dout: &[F],
    image: &[F],
    runs: Runs<'_>,
    filters: [usize; MR],
    weights: [usize; NR],
) -> [[F; NR]; MR] {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    if let Some(block) = simd::try_block(dout, image, runs, filters, weights) {
        return block;
    }
    // Checked per block (a cached flag) on purpose: compiling the whole loop nest for AVX2
    // instead of just the block made the native training step four times slower.
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked on the line above).
        return unsafe { portable_avx2(dout, image, runs, filters, weights) };
    }
    portable::<F, LANES>(dout, image, runs, filters, weights)
}

/// [`portable`] compiled for AVX2, eight lanes wide.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn portable_avx2<F: Float>(
    dout: &[F],
    image: &[F],
    runs: Runs<'_>,
    filters: [usize; MR],
    weights: [usize; NR],
) -> [[F; NR]; MR] {
    portable::<F, 8>(dout, image, runs, filters, weights)
}

/// The block in plain arithmetic, `L` lanes as arrays the compiler vectorises.
#[inline(always)]
fn portable<F: Float, const L: usize>(
    dout: &[F],
    image: &[F],
    runs: Runs<'_>,
    filters: [usize; MR],
    weights: [usize; NR],
) -> [[F; NR]; MR] {
    let Runs {
        k_offset,
        h_out,
        w_out,
        wp,
    } = runs;
    let p = h_out * w_out;
    let mut acc = [[[F::zero(); L]; NR]; MR];
    let mut tail = [[F::zero(); NR]; MR];
    for i in 0..h_out {
        let d: [&[F]; MR] = filters.map(|fi| &dout[fi * p + i * w_out..][..w_out]);
        let x: [&[F]; NR] = weights.map(|kb| &image[k_offset[kb] + i * wp..][..w_out]);
        let (d_body, x_body) = (
            d.map(|r| r.as_chunks::<L>().0),
            x.map(|r| r.as_chunks::<L>().0),
        );
        for j in 0..w_out / L {
            for (acc_a, d_a) in acc.iter_mut().zip(&d_body) {
                for (acc_ab, x_b) in acc_a.iter_mut().zip(&x_body) {
                    for ((t, &dv), &xv) in acc_ab.iter_mut().zip(&d_a[j]).zip(&x_b[j]) {
                        *t += dv * xv;
                    }
                }
            }
        }
        for j in w_out - w_out % L..w_out {
            for (tail_a, d_a) in tail.iter_mut().zip(&d) {
                for (t, x_b) in tail_a.iter_mut().zip(&x) {
                    *t += d_a[j] * x_b[j];
                }
            }
        }
    }
    let mut out = tail;
    for (out_a, acc_a) in out.iter_mut().zip(&acc) {
        for (o, lanes) in out_a.iter_mut().zip(acc_a) {
            *o += lanes.iter().fold(F::zero(), |s, &v| s + v);
        }
    }
    out
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    //! The block with `f32x4` lanes, for WebAssembly SIMD.
    use super::*;
    use crate::float::on_f32;
    use core::arch::wasm32::*;

    /// The block with SIMD if `F` is `f32`; `None` otherwise.
    #[inline(always)]
    pub(super) fn try_block<F: Float>(
        dout: &[F],
        image: &[F],
        runs: Runs<'_>,
        filters: [usize; MR],
        weights: [usize; NR],
    ) -> Option<[[F; NR]; MR]> {
        on_f32(dout, image, |dout, image| {
            block_f32(dout, image, runs, filters, weights)
        })
    }

    /// [`super::portable`]'s block with the lanes in `f32x4` registers.
    #[inline(always)]
    fn block_f32(
        dout: &[f32],
        image: &[f32],
        runs: Runs<'_>,
        filters: [usize; MR],
        weights: [usize; NR],
    ) -> [[f32; NR]; MR] {
        let Runs {
            k_offset,
            h_out,
            w_out,
            wp,
        } = runs;
        let p = h_out * w_out;
        let body = w_out - w_out % LANES;
        // Every read below is inside these bounds (`accumulate` checked the image's).
        assert!(filters.iter().all(|&fi| (fi + 1) * p <= dout.len()));
        assert!(weights
            .iter()
            .all(|&kb| k_offset[kb] + (h_out - 1) * wp + w_out <= image.len()));
        let k_start: [usize; NR] = weights.map(|kb| k_offset[kb]);
        let zero = f32x4_splat(0.0);
        let mut acc = [[zero; NR]; MR];
        let mut tail = [[0.0_f32; NR]; MR];
        // Row i of each run starts w_out (dout) or wp (image) elements after row i − 1.
        let mut d: [*const f32; MR] = filters.map(|fi| dout[fi * p..].as_ptr());
        let mut x: [*const f32; NR] = k_start.map(|s| image[s..].as_ptr());
        for i in 0..h_out {
            if i > 0 {
                // SAFETY: row i < H' of every run is inside its slice (asserted above).
                unsafe {
                    d = d.map(|ptr| ptr.add(w_out));
                    x = x.map(|ptr| ptr.add(wp));
                }
            }
            for j in (0..body).step_by(LANES) {
                // SAFETY: j + 4 ≤ W', and each run has W' elements (asserted above).
                unsafe {
                    let d0 = v128_load(d[0].add(j) as *const v128);
                    let d1 = v128_load(d[1].add(j) as *const v128);
                    for (b, &xb) in x.iter().enumerate() {
                        let xv = v128_load(xb.add(j) as *const v128);
                        acc[0][b] = f32x4_add(acc[0][b], f32x4_mul(d0, xv));
                        acc[1][b] = f32x4_add(acc[1][b], f32x4_mul(d1, xv));
                    }
                }
            }
            for j in body..w_out {
                for (tail_a, &da) in tail.iter_mut().zip(&d) {
                    for (t, &xb) in tail_a.iter_mut().zip(&x) {
                        // SAFETY: j < W' (asserted above).
                        unsafe { *t += *da.add(j) * *xb.add(j) };
                    }
                }
            }
        }
        let mut out = tail;
        for (out_a, acc_a) in out.iter_mut().zip(&acc) {
            for (o, &v) in out_a.iter_mut().zip(acc_a) {
                *o += (f32x4_extract_lane::<0>(v) + f32x4_extract_lane::<1>(v))
                    + (f32x4_extract_lane::<2>(v) + f32x4_extract_lane::<3>(v));
            }
        }
        out
    }
}

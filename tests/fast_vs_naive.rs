//! The fast conv and pool (max and average) layers against the naive ones, on many random configurations.
//!
//! In f64 every output and gradient agrees to a relative error below 1e-10 (the course's
//! `rel_error`); in f32 to 1e-4 of the array's largest value (elementwise relative error is
//! meaningless for the sums that cancel to nearly zero). Configurations are drawn at random —
//! stride 1–3, pad 0–3, non-square inputs and filters, C = 1 and 3 — so that most sizes are
//! not multiples of the SIMD width or of the matrix-product blocks; some are drawn without
//! regard to validity, and a configuration one layer refuses the other must refuse with the
//! same error.
//!
//! The matrix products under the fast conv are checked here too, through their public API,
//! against the triple loop. The file also runs in WebAssembly (`wasm-bindgen-test-runner`),
//! where f32 goes through the hand-written SIMD kernel:
//! `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
//! RUSTFLAGS="-C target-feature=+simd128" cargo test --target wasm32-unknown-unknown --test fast_vs_naive`.

use cnn_playground::gemm::{gemm_nn, gemm_nt, gemm_tn, GemmScratch, MatMut, MatRef, Update};
use cnn_playground::gradient_check::rel_error;
use cnn_playground::layers::*;
use cnn_playground::rng::Rng;
use ndarray::{Array, Array1, Array4, Dimension};

/// max |a − b| / max |b|: agreement relative to the scale of the array.
fn scaled_error<D: Dimension>(a: &Array<f32, D>, b: &Array<f64, D>) -> f64 {
    let scale = b.iter().fold(0.0_f64, |m, v| m.max(v.abs())).max(1e-30);
    let worst = a
        .iter()
        .zip(b)
        .fold(0.0_f64, |m, (&x, &y)| m.max((x as f64 - y).abs()));
    worst / scale
}

fn to_f32<D: Dimension>(a: &Array<f64, D>) -> Array<f32, D> {
    a.mapv(|v| v as f32)
}

/// A conv configuration: x `(N, C, H, W)`, w `(F, C, HH, WW)`, stride, pad.
#[derive(Debug, Clone, Copy)]
struct ConvConfig {
    x: (usize, usize, usize, usize),
    w: (usize, usize, usize, usize),
    param: ConvParam,
}

/// Runs naive and fast conv, forward and backward, in f64 and f32. Returns whether the
/// configuration was valid (both layers must agree on that too).
fn compare_conv(cfg: ConvConfig, rng: &mut Rng) -> bool {
    let x: Array4<f64> = rng.normal_array(cfg.x, 1.0);
    let w: Array4<f64> = rng.normal_array(cfg.w, 1.0);
    let b: Array1<f64> = rng.normal_array(cfg.w.0, 1.0);
    let naive = conv_forward_naive(&x, &w, &b, cfg.param);
    let fast = conv_forward_fast(&x, &w, &b, cfg.param);
    let ((out_n, cache_n), (out_f, cache_f)) = match (naive, fast) {
        (Ok(n), Ok(f)) => (n, f),
        (Err(en), Err(ef)) => {
            assert_eq!(en, ef, "{cfg:?}: the layers refuse it differently");
            return false;
        }
        (n, f) => panic!("{cfg:?}: naive gives {:?}, fast {:?}", n.err(), f.err()),
    };
    let e = rel_error(&out_f, &out_n);
    assert!(e < 1e-10, "{cfg:?}: forward rel error {e}");

    let dout: Array4<f64> = rng.normal_array(out_n.raw_dim(), 1.0);
    let (dx_n, dw_n, db_n) = conv_backward_naive(&dout, &cache_n).unwrap();
    let (dx_f, dw_f, db_f) = conv_backward_fast(&dout, &cache_f).unwrap();
    for (name, e) in [
        ("dx", rel_error(&dx_f, &dx_n)),
        ("dw", rel_error(&dw_f, &dw_n)),
        ("db", rel_error(&db_f, &db_n)),
    ] {
        assert!(e < 1e-10, "{cfg:?}: {name} rel error {e}");
    }

    // f32 fast against f64 naive.
    let (out32, cache32) =
        conv_forward_fast(&to_f32(&x), &to_f32(&w), &to_f32(&b), cfg.param).unwrap();
    let (dx32, dw32, db32) = conv_backward_fast(&to_f32(&dout), &cache32).unwrap();
    for (name, e) in [
        ("out", scaled_error(&out32, &out_n)),
        ("dx", scaled_error(&dx32, &dx_n)),
        ("dw", scaled_error(&dw32, &dw_n)),
        ("db", scaled_error(&db32, &db_n)),
    ] {
        assert!(e < 1e-4, "{cfg:?}: f32 {name} error {e}");
    }
    true
}

/// An input length that makes `filter`, `pad`, `stride` give `out` outputs, if there is one.
fn input_len(out: usize, filter: usize, pad: usize, stride: usize) -> Option<usize> {
    ((out - 1) * stride + filter)
        .checked_sub(2 * pad)
        .filter(|&len| len >= 1)
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn fast_conv_agrees_with_naive_on_random_configurations() {
    let mut rng = Rng::new(2024);
    let mut valid = 0;
    for round in 0..400 {
        let c = if rng.below(2) == 0 { 1 } else { 3 };
        let (n, f) = (1 + rng.below(3), 1 + rng.below(9));
        let (hh, ww) = (1 + rng.below(6), 1 + rng.below(6));
        let param = ConvParam {
            stride: 1 + rng.below(3),
            pad: rng.below(4),
        };
        // Mostly sizes chosen to be valid; every fifth round any size, to compare the errors.
        let (h, w) = if round % 5 == 0 {
            (1 + rng.below(19), 1 + rng.below(19))
        } else {
            let h = input_len(1 + rng.below(12), hh, param.pad, param.stride);
            let w = input_len(1 + rng.below(12), ww, param.pad, param.stride);
            match (h, w) {
                (Some(h), Some(w)) => (h, w),
                _ => continue,
            }
        };
        let cfg = ConvConfig {
            x: (n, c, h, w),
            w: (f, c, hh, ww),
            param,
        };
        if compare_conv(cfg, &mut rng) {
            valid += 1;
        }
    }
    assert!(valid >= 250, "only {valid} valid configurations");
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn fast_conv_agrees_with_naive_on_chosen_configurations() {
    let mut rng = Rng::new(7);
    let configs = [
        // The assignment's timing example, smaller batch.
        ((2, 3, 31, 31), (25, 3, 3, 3), 2, 1),
        // Pointwise 1×1 (no im2col in the fast layer).
        ((2, 3, 5, 7), (4, 3, 1, 1), 1, 0),
        // K = 3·10·10 = 300 > one depth block of the matrix product; F = 100 > one row block.
        ((1, 3, 12, 11), (100, 3, 10, 10), 1, 1),
        // P = 33·35 = 1155 output positions, many column strips and a ragged last one.
        ((1, 1, 35, 37), (3, 1, 3, 3), 1, 0),
        // The three-layer net's conv: 7×7 filters, pad 3.
        ((2, 3, 16, 16), (8, 3, 7, 7), 1, 3),
        // The benchmark's width (W' = 32, four blocks of 8 for the wasm forward kernel), with a
        // number of filters that leaves a partial strip of four; and W' = 24 without padding.
        ((2, 3, 32, 32), (10, 3, 7, 7), 1, 3),
        ((1, 2, 6, 26), (5, 2, 3, 3), 1, 0),
        // Filter larger than the image, reaching into the padding on both sides.
        ((1, 3, 2, 3), (2, 3, 6, 7), 1, 2),
        // Stride larger than the filter (skips input rows and columns entirely).
        ((2, 1, 9, 9), (2, 1, 2, 2), 3, 1),
    ];
    for (x, w, stride, pad) in configs {
        let cfg = ConvConfig {
            x,
            w,
            param: ConvParam { stride, pad },
        };
        assert!(compare_conv(cfg, &mut rng), "{cfg:?} should be valid");
    }
}

/// Runs naive and fast max pooling forward and backward in f64 and f32 on `x`.
fn compare_pool(x: &Array4<f64>, p: PoolParam, rng: &mut Rng) -> bool {
    let ((out_n, cache_n), (out_f, cache_f)) =
        match (max_pool_forward_naive(x, p), max_pool_forward_fast(x, p)) {
            (Ok(n), Ok(f)) => (n, f),
            (Err(en), Err(ef)) => {
                assert_eq!(en, ef, "x {:?}, {p:?}: refused differently", x.dim());
                return false;
            }
            (n, f) => panic!(
                "x {:?}, {p:?}: naive {:?}, fast {:?}",
                x.dim(),
                n.err(),
                f.err()
            ),
        };
    // Max pooling selects values: they must be identical, not merely close.
    assert_eq!(out_f, out_n, "x {:?}, {p:?}: forward", x.dim());
    let dout: Array4<f64> = rng.normal_array(out_n.raw_dim(), 1.0);
    let dx_n = max_pool_backward_naive(&dout, &cache_n).unwrap();
    let dx_f = max_pool_backward_fast(&dout, &cache_f).unwrap();
    let e = rel_error(&dx_f, &dx_n);
    assert!(e < 1e-10, "x {:?}, {p:?}: dx rel error {e}", x.dim());

    let (out32, cache32) = max_pool_forward_fast(&to_f32(x), p).unwrap();
    let dx32 = max_pool_backward_fast(&to_f32(&dout), &cache32).unwrap();
    assert!(scaled_error(&out32, &out_n) < 1e-4);
    assert!(scaled_error(&dx32, &dx_n) < 1e-4);
    true
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn fast_pool_agrees_with_naive_on_random_configurations() {
    let mut rng = Rng::new(99);
    let mut valid = 0;
    for round in 0..300 {
        let c = if rng.below(2) == 0 { 1 } else { 3 };
        // Every third round the common 2×2 stride 2 window (its own loop in the fast layer).
        let p = if round % 3 == 0 {
            PoolParam::default()
        } else {
            PoolParam {
                pool_height: 1 + rng.below(4),
                pool_width: 1 + rng.below(4),
                stride: 1 + rng.below(3),
            }
        };
        // Mostly sizes chosen to be valid; every fifth round any size, to compare the errors.
        let (h, w) = if round % 5 == 1 {
            (1 + rng.below(17), 1 + rng.below(17))
        } else {
            let h = input_len(1 + rng.below(9), p.pool_height, 0, p.stride);
            let w = input_len(1 + rng.below(9), p.pool_width, 0, p.stride);
            (h.unwrap(), w.unwrap())
        };
        let n = 1 + rng.below(3);
        let x: Array4<f64> = rng.normal_array((n, c, h, w), 1.0);
        if compare_pool(&x, p, &mut rng) {
            valid += 1;
        }
    }
    assert!(valid >= 240, "only {valid} valid configurations");
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn fast_pool_breaks_ties_like_naive() {
    // Small integers: most windows hold several equal maxima, and the gradient must go to the
    // same one (the first in row-major order) in both layers.
    let mut rng = Rng::new(5);
    for p in [
        PoolParam::default(),
        PoolParam {
            pool_height: 3,
            pool_width: 2,
            stride: 1,
        },
        PoolParam {
            pool_height: 2,
            pool_width: 3,
            stride: 2,
        },
    ] {
        let x: Array4<f64> = Array4::from_shape_fn((2, 3, 8, 9), |_| rng.below(3) as f64);
        let x = if p == PoolParam::default() {
            x.slice(ndarray::s![.., .., .., ..8]).to_owned()
        } else {
            x
        };
        assert!(compare_pool(&x, p, &mut rng), "{p:?} should be valid");
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn fast_pool_agrees_with_naive_on_the_assignment_size() {
    let mut rng = Rng::new(1);
    let x: Array4<f64> = rng.normal_array((4, 3, 32, 32), 1.0);
    assert!(compare_pool(&x, PoolParam::default(), &mut rng));
}

/// Runs naive and fast average pooling forward and backward in f64 and f32 on `x`, and the
/// `_into` variants on reused arrays holding stale values. Returns whether the configuration was
/// valid (both layers must refuse an invalid one with the same error).
fn compare_avg_pool(x: &Array4<f64>, p: PoolParam, rng: &mut Rng) -> bool {
    let ((out_n, cache_n), (out_f, cache_f)) =
        match (avg_pool_forward_naive(x, p), avg_pool_forward_fast(x, p)) {
            (Ok(n), Ok(f)) => (n, f),
            (Err(en), Err(ef)) => {
                assert_eq!(en, ef, "x {:?}, {p:?}: refused differently", x.dim());
                return false;
            }
            (n, f) => panic!(
                "x {:?}, {p:?}: naive {:?}, fast {:?}",
                x.dim(),
                n.err(),
                f.err()
            ),
        };
    // Both add in the same order: the results are identical, not merely close.
    assert_eq!(out_f, out_n, "x {:?}, {p:?}: forward", x.dim());
    let dout: Array4<f64> = rng.normal_array(out_n.raw_dim(), 1.0);
    let dx_n = avg_pool_backward_naive(&dout, &cache_n).unwrap();
    let dx_f = avg_pool_backward_fast(&dout, &cache_f).unwrap();
    assert_eq!(dx_f, dx_n, "x {:?}, {p:?}: dx", x.dim());

    let mut out_into = Array4::from_elem(out_n.raw_dim(), f64::NAN);
    avg_pool_forward_into(x.view(), p, out_into.view_mut()).unwrap();
    assert_eq!(out_into, out_n, "x {:?}, {p:?}: forward into", x.dim());
    let mut dx_into = Array4::from_elem(x.raw_dim(), f64::NAN);
    avg_pool_backward_into(dout.view(), p, dx_into.view_mut()).unwrap();
    assert_eq!(dx_into, dx_n, "x {:?}, {p:?}: backward into", x.dim());

    let (out32, cache32) = avg_pool_forward_fast(&to_f32(x), p).unwrap();
    let dx32 = avg_pool_backward_fast(&to_f32(&dout), &cache32).unwrap();
    assert!(scaled_error(&out32, &out_n) < 1e-6);
    assert!(scaled_error(&dx32, &dx_n) < 1e-6);
    true
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn fast_avg_pool_agrees_with_naive_on_random_configurations() {
    let mut rng = Rng::new(131);
    let mut valid = 0;
    for round in 0..300 {
        let c = if rng.below(2) == 0 { 1 } else { 3 };
        // Every third round the common 2×2 stride 2 window (its own loop in the fast layer).
        let p = if round % 3 == 0 {
            PoolParam::default()
        } else {
            PoolParam {
                pool_height: 1 + rng.below(4),
                pool_width: 1 + rng.below(4),
                stride: 1 + rng.below(3),
            }
        };
        // Mostly sizes chosen to be valid; every fifth round any size, to compare the errors.
        let (h, w) = if round % 5 == 1 {
            (1 + rng.below(17), 1 + rng.below(17))
        } else {
            let h = input_len(1 + rng.below(9), p.pool_height, 0, p.stride);
            let w = input_len(1 + rng.below(9), p.pool_width, 0, p.stride);
            (h.unwrap(), w.unwrap())
        };
        let n = 1 + rng.below(3);
        let x: Array4<f64> = rng.normal_array((n, c, h, w), 1.0);
        if compare_avg_pool(&x, p, &mut rng) {
            valid += 1;
        }
    }
    assert!(valid >= 240, "only {valid} valid configurations");
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn fast_avg_pool_agrees_with_naive_on_chosen_configurations() {
    let mut rng = Rng::new(3);
    for (x_dim, (ph, pw, s)) in [
        // The assignment's size, 2×2 stride 2.
        ((4, 3, 32, 32), (2, 2, 2)),
        // A non-square input with 2×2 stride 2.
        ((2, 3, 6, 10), (2, 2, 2)),
        // Overlapping windows, a window as large as the input, and a stride past the window.
        ((2, 2, 5, 6), (3, 3, 1)),
        ((1, 3, 4, 6), (4, 6, 1)),
        ((2, 1, 8, 7), (2, 1, 3)),
    ] {
        let p = PoolParam {
            pool_height: ph,
            pool_width: pw,
            stride: s,
        };
        let x: Array4<f64> = rng.normal_array(x_dim, 1.0);
        assert!(
            compare_avg_pool(&x, p, &mut rng),
            "{x_dim:?} {p:?} should be valid"
        );
    }
    // A transposed (not row-major) x gives the same as its row-major copy.
    let x: Array4<f64> = rng.normal_array((6, 6, 3, 2), 1.0);
    let xt = x.view().permuted_axes([3, 2, 1, 0]);
    let mut out = Array4::zeros((2, 3, 3, 3));
    avg_pool_forward_into(xt, PoolParam::default(), out.view_mut()).unwrap();
    let (want, _) = avg_pool_forward_naive(&xt.to_owned(), PoolParam::default()).unwrap();
    assert_eq!(out, want);
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn fast_avg_pool_refuses_what_naive_refuses_with_the_same_error() {
    let x = Array4::<f64>::zeros((2, 3, 7, 8));
    let cases = [
        (x.clone(), PoolParam::default()),
        (
            x.clone(),
            PoolParam {
                pool_height: 8,
                pool_width: 2,
                stride: 1,
            },
        ),
        (
            x.clone(),
            PoolParam {
                pool_height: 0,
                pool_width: 2,
                stride: 1,
            },
        ),
        (
            x.clone(),
            PoolParam {
                pool_height: 2,
                pool_width: 2,
                stride: 0,
            },
        ),
        (Array4::<f64>::zeros((0, 3, 8, 8)), PoolParam::default()),
        (Array4::<f64>::zeros((2, 0, 8, 8)), PoolParam::default()),
    ];
    for (x, p) in cases {
        let naive = avg_pool_forward_naive(&x, p).unwrap_err();
        let fast = avg_pool_forward_fast(&x, p).unwrap_err();
        assert_eq!(fast, naive, "x {:?}, {p:?}", x.dim());
        let into =
            avg_pool_forward_into(x.view(), p, Array4::zeros((1, 1, 1, 1)).view_mut()).unwrap_err();
        assert_eq!(into, naive, "x {:?}, {p:?}: into", x.dim());
    }
    // A dout of the wrong shape, and an out of the wrong shape for the _into forward.
    let x = Array4::<f64>::zeros((2, 3, 8, 8));
    let (_, cache_n) = avg_pool_forward_naive(&x, PoolParam::default()).unwrap();
    let (_, cache_f) = avg_pool_forward_fast(&x, PoolParam::default()).unwrap();
    let wrong = Array4::<f64>::zeros((2, 3, 4, 5));
    let naive = avg_pool_backward_naive(&wrong, &cache_n).unwrap_err();
    assert_eq!(avg_pool_backward_fast(&wrong, &cache_f).unwrap_err(), naive);
    assert_eq!(
        naive.to_string(),
        "shape mismatch in average pool backward (dout must have the shape of the forward output): expected (2, 3, 4, 4), got (2, 3, 4, 5)"
    );
    let mut dx = Array4::<f64>::zeros((2, 3, 8, 8));
    let into = avg_pool_backward_into(wrong.view(), PoolParam::default(), dx.view_mut());
    assert_eq!(into.unwrap_err(), naive);
    let mut out = Array4::<f64>::zeros((2, 3, 4, 5));
    let err = avg_pool_forward_into(x.view(), PoolParam::default(), out.view_mut()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "shape mismatch in average pool forward (out): expected (2, 3, 4, 4), got (2, 3, 4, 5)"
    );
}

/// `C = A·B` (+ `C0` when accumulating) by the textbook triple loop, in f64, with `A` and `B`
/// given as element functions so that any storage order can be read.
fn triple_loop(
    (m, n, k): (usize, usize, usize),
    a: impl Fn(usize, usize) -> f64,
    b: impl Fn(usize, usize) -> f64,
) -> Vec<f64> {
    let mut c = vec![0.0; m * n];
    for i in 0..m {
        for j in 0..n {
            c[i * n + j] = (0..k).map(|p| a(i, p) * b(p, j)).sum();
        }
    }
    c
}

/// All three products in f32 and f64, overwriting and accumulating, against the triple loop.
fn check_products<F: cnn_playground::Float>(
    (m, n, k): (usize, usize, usize),
    rng: &mut Rng,
    tol: f64,
) {
    let a: Vec<F> = (0..m * k).map(|_| F::of(rng.normal())).collect();
    let b: Vec<F> = (0..k * n).map(|_| F::of(rng.normal())).collect();
    let c0: Vec<F> = (0..m * n).map(|_| F::of(rng.normal())).collect();
    let af = |i: usize| a[i].as_f64();
    let bf = |i: usize| b[i].as_f64();
    let mut s = GemmScratch::new();
    for kind in ["A·B", "Aᵀ·B", "A·Bᵀ"] {
        let want = match kind {
            "A·B" => triple_loop((m, n, k), |i, p| af(i * k + p), |p, j| bf(p * n + j)),
            "Aᵀ·B" => triple_loop((m, n, k), |i, p| af(p * m + i), |p, j| bf(p * n + j)),
            _ => triple_loop((m, n, k), |i, p| af(i * k + p), |p, j| bf(j * k + p)),
        };
        for update in [Update::Overwrite, Update::Accumulate] {
            let mut c = c0.clone();
            let cm = MatMut::new(&mut c, m, n);
            match kind {
                "A·B" => gemm_nn(
                    MatRef::new(&a, m, k),
                    MatRef::new(&b, k, n),
                    cm,
                    update,
                    &mut s,
                ),
                "Aᵀ·B" => gemm_tn(
                    MatRef::new(&a, k, m),
                    MatRef::new(&b, k, n),
                    cm,
                    update,
                    &mut s,
                ),
                _ => gemm_nt(
                    MatRef::new(&a, m, k),
                    MatRef::new(&b, n, k),
                    cm,
                    update,
                    &mut s,
                ),
            }
            for (idx, (&got, &w)) in c.iter().zip(&want).enumerate() {
                let base = if update == Update::Accumulate {
                    c0[idx].as_f64()
                } else {
                    0.0
                };
                // Sums of k products of N(0, 1) values: rounding grows like √k.
                let err = (got.as_f64() - base - w).abs() / (k as f64).sqrt();
                assert!(
                    err < tol,
                    "{kind} {m}×{n}×{k} {update:?}: element {idx} off by {err}"
                );
            }
        }
    }
}

#[cfg_attr(not(target_arch = "wasm32"), test)]
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
fn matrix_products_match_the_triple_loop_on_sizes_off_the_tile_and_block_sizes() {
    let mut rng = Rng::new(17);
    let sizes = [1, 3, 7, 17, 33, 65];
    for &m in &sizes {
        for &n in &sizes {
            for &k in &[1, 9, 33, 300] {
                check_products::<f32>((m, n, k), &mut rng, 1e-5);
                check_products::<f64>((m, n, k), &mut rng, 1e-13);
            }
        }
    }
    // Past one row block (96) and one column block (2048) of the blocked loops.
    check_products::<f32>((97, 5, 3), &mut rng, 1e-5);
    check_products::<f32>((2, 2051, 3), &mut rng, 1e-5);
}

//! Property tests at every entry of the layers and the shape arithmetic (issue 10): random and
//! absurd arguments — zeros, pads and strides near `usize::MAX`, NaN and infinite values — never
//! panic, never allocate over the engine's budget, and every `Ok` has the documented shape.
//!
//! The arrays are small (every axis below 6), so an `Ok` is always small; the absurd values are in
//! the settings (pad, stride, window, the numbers of a shape or of a network string), where they
//! must be refused before anything is allocated. The test binary's allocator refuses any single
//! allocation over [`budget::MAX_BYTES`] — the process then aborts, which fails the run — and the
//! largest request it saw is checked after every case.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use cnn_playground::budget;
use cnn_playground::layers::conv_fast::{
    conv_backward_into, conv_forward_into, ConvGradsMut, ConvWorkspace,
};
use cnn_playground::layers::*;
use cnn_playground::rng::Rng;
use cnn_playground::shapes::{
    formula, output_hw, output_size, pool_output_hw, valid_pads, valid_strides, LayerSpec, Network,
    Shape,
};
use cnn_playground::{Error, Float};
use ndarray::{Array1, Array2, Array4, ArrayD};
use proptest::prelude::*;
use proptest::test_runner::Config;

/// The system allocator, refusing (and remembering) requests over the engine's budget.
struct Guarded;

static LARGEST: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Guarded {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        if layout.size() as u64 > budget::MAX_BYTES {
            return std::ptr::null_mut();
        }
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LARGEST.fetch_max(layout.size(), Ordering::Relaxed);
        if layout.size() as u64 > budget::MAX_BYTES {
            return std::ptr::null_mut();
        }
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LARGEST.fetch_max(new_size, Ordering::Relaxed);
        if new_size as u64 > budget::MAX_BYTES {
            return std::ptr::null_mut();
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Guarded = Guarded;

fn within_budget() -> bool {
    LARGEST.load(Ordering::Relaxed) as u64 <= budget::MAX_BYTES
}

fn config() -> Config {
    Config {
        cases: 1000,
        // Nothing is written next to the tests (a failure prints its minimal case).
        failure_persistence: None,
        // The same cases on every run: a test that passes passes again.
        rng_seed: proptest::test_runner::RngSeed::Fixed(231),
        ..Config::default()
    }
}

/// Absurd sizes: large enough to overflow `input + 2·pad`, to ask for terabytes, or to make a
/// divisor search walk for ever.
const ABSURD: [usize; 8] = [
    10_000,
    1 << 20,
    1_000_000_000,
    1 << 31,
    usize::MAX / 2,
    usize::MAX / 2 + 1,
    usize::MAX - 1,
    usize::MAX,
];

/// Mostly `small`, sometimes absurd.
fn size(small: std::ops::Range<usize>) -> impl Strategy<Value = usize> {
    prop_oneof![4 => small, 1 => prop::sample::select(ABSURD.to_vec())]
}

/// Finite values, with NaN and both infinities now and then.
fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        8 => -10.0..10.0f64,
        1 => prop::sample::select(vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e308, -1e308]),
    ]
}

/// `(input − filter + 2·pad)/stride + 1` in exact arithmetic, if it is a valid size.
fn expected_size(input: usize, filter: usize, pad: usize, stride: usize) -> Option<usize> {
    let padded = input as u128 + 2 * pad as u128;
    if input == 0 || filter == 0 || stride == 0 || filter as u128 > padded {
        return None;
    }
    if padded > usize::MAX as u128 {
        return None;
    }
    let span = padded - filter as u128;
    span.is_multiple_of(stride as u128)
        .then(|| (span / stride as u128 + 1) as usize)
}

// ------------------------------------------------------------------------------------------------
// Shape arithmetic
// ------------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    #[test]
    fn output_size_is_the_formula_or_an_error(
        input in size(0..40), filter in size(0..10), pad in size(0..6), stride in size(0..6),
    ) {
        let got = output_size("width", input, filter, pad, stride);
        prop_assert_eq!(got.as_ref().ok().copied(), expected_size(input, filter, pad, stride));
        let text = formula(input, filter, pad, stride);
        if let Ok(out) = got {
            let ends_with_size = text.ends_with(&format!(" = {out}"));
            prop_assert!(ends_with_size, "{}", text);
        }
        // A message for people: bounded, whatever the numbers.
        if let Err(e) = output_size("width", input, filter, pad, stride) {
            prop_assert!(e.to_string().len() < 400, "{}", e);
        }
    }

    #[test]
    fn every_listed_stride_and_pad_works(
        input in size(0..40), filter in size(0..10), pad in size(0..6), stride in size(1..6),
    ) {
        let strides = valid_strides(input, filter, pad);
        prop_assert!(strides.windows(2).all(|p| p[0] < p[1]));
        for &s in &strides {
            prop_assert!(output_size("width", input, filter, pad, s).is_ok(), "stride {}", s);
        }
        // Some stride works exactly when stride 1 does.
        prop_assert_eq!(strides.is_empty(), output_size("width", input, filter, pad, 1).is_err());
        let pads = valid_pads(input, filter, stride);
        prop_assert!(pads.len() <= cnn_playground::shapes::MAX_LISTED_PADS);
        prop_assert!(pads.windows(2).all(|p| p[0] < p[1]));
        for &p in &pads {
            prop_assert!(p < filter);
            prop_assert!(output_size("width", input, filter, p, stride).is_ok(), "pad {}", p);
        }
    }

    #[test]
    fn both_axes_agree_with_each_axis(
        h in size(0..12), w in size(0..12), hh in size(0..6), ww in size(0..6),
        pad in size(0..4), stride in size(0..4),
    ) {
        let got = output_hw((h, w), (hh, ww), pad, stride);
        let each = (expected_size(h, hh, pad, stride), expected_size(w, ww, pad, stride));
        match (got, each) {
            (Ok(out), (Some(a), Some(b))) => prop_assert_eq!(out, (a, b)),
            (Err(e), (a, b)) => {
                prop_assert!(a.is_none() || b.is_none());
                let text = e.to_string();
                // Both bad axes are named: once for both, or each with its own message.
                if a.is_none() && b.is_none() {
                    let eh = output_size("height", h, hh, pad, stride).unwrap_err();
                    let ew = output_size("width", w, ww, pad, stride).unwrap_err();
                    prop_assert!(
                        text.starts_with("height and width")
                            || text.contains("height and width must")
                            || eh == ew
                            || text == format!("{eh}; {ew}"),
                        "{}", text
                    );
                }
            }
            (Ok(out), each) => prop_assert!(false, "Ok({:?}) but each axis gives {:?}", out, each),
        }
        let pool = pool_output_hw((h, w), (hh, ww), stride);
        let each = (expected_size(h, hh, 0, stride), expected_size(w, ww, 0, stride));
        match pool {
            Ok(out) => prop_assert_eq!(Some(out), each.0.zip(each.1)),
            Err(e) => {
                prop_assert!(each.0.is_none() || each.1.is_none());
                let text = e.to_string();
                prop_assert!(!text.contains("filter") && !text.contains("padded"), "{}", text);
            }
        }
    }

    #[test]
    fn any_network_string_parses_or_says_why_briefly(
        pieces in prop::collection::vec(
            prop::sample::select(vec![
                "32", "x", "3", ":", " ", ",", "conv", "3x3", "-", "16", "pad", "stride", "relu",
                "pool", "fc", "0", "99999999999999999999999", "18446744073709551615",
                "9223372036854775807", "é", "×", "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
            ]),
            0..40,
        ),
    ) {
        let text: String = pieces.concat();
        match text.parse::<Network>() {
            Ok(net) => {
                prop_assert_eq!(net.to_string().parse::<Network>(), Ok(net.clone()));
                if let Ok(report) = net.walk() {
                    prop_assert!(report.rows.len() <= net.layers.len());
                    let mut shape = net.input;
                    for row in &report.rows {
                        prop_assert_eq!(row.input, shape);
                        shape = row.output;
                    }
                    prop_assert_eq!(report.summary.output, shape);
                }
            }
            Err(e) => prop_assert!(e.to_string().chars().count() < 400, "{}", e),
        }
    }

    #[test]
    fn the_walk_never_panics_and_its_rows_follow_the_formula(
        c in size(1..5), h in size(1..40), w in size(1..40),
        filters in size(0..8), k in size(0..6), stride in size(0..4), pad in size(0..4),
        outputs in size(0..8),
    ) {
        let layers = [
            LayerSpec::Conv { filters, size: k, stride, pad },
            LayerSpec::Relu,
            LayerSpec::Pool { size: k, stride },
            LayerSpec::Fc { outputs },
        ];
        if let Ok(report) = cnn_playground::shapes::walk(Shape::new(c, h, w), &layers) {
            if let Some(row) = report.rows.first() {
                let want = (expected_size(h, k, pad, stride), expected_size(w, k, pad, stride));
                prop_assert_eq!((Some(row.output.h), Some(row.output.w)), want);
                prop_assert_eq!(row.output.c, filters);
            }
            prop_assert_eq!(report.rows.len() == layers.len(), report.error.is_none());
        }
    }
}

// ------------------------------------------------------------------------------------------------
// Layers
// ------------------------------------------------------------------------------------------------

/// A conv case: small arrays, settings that may be absurd.
#[derive(Debug, Clone, Copy)]
struct ConvCase {
    x: (usize, usize, usize, usize),
    w: (usize, usize, usize, usize),
    stride: usize,
    pad: usize,
    seed: u64,
}

fn conv_case() -> impl Strategy<Value = ConvCase> {
    (
        (0..4usize, 0..4usize, 0..7usize, 0..7usize),
        (0..4usize, 0..4usize, 0..5usize, 0..5usize),
        size(0..4),
        size(0..4),
        any::<u64>(),
        any::<bool>(),
    )
        .prop_map(|(x, w, stride, pad, seed, same_c)| {
            // Mostly matching channels, so that the size arithmetic is reached.
            let w = if same_c { (w.0, x.1, w.2, w.3) } else { w };
            ConvCase {
                x,
                w,
                stride,
                pad,
                seed,
            }
        })
}

fn check_conv<F: Float>(case: ConvCase) -> Result<(), TestCaseError> {
    let ConvCase {
        x: xd,
        w: wd,
        stride,
        pad,
        seed,
    } = case;
    let mut rng = Rng::new(seed);
    let x: Array4<F> = rng.normal_array(xd, 1.0);
    let w: Array4<F> = rng.normal_array(wd, 1.0);
    let b: Array1<F> = rng.normal_array(wd.0, 1.0);
    let p = ConvParam { stride, pad };
    let naive = conv_forward_naive(&x, &w, &b, p);
    let fast = conv_forward_fast(&x, &w, &b, p);
    let want = (xd.0 > 0 && wd.0 > 0 && xd.1 > 0 && xd.1 == wd.1)
        .then(|| {
            Some((
                xd.0,
                wd.0,
                expected_size(xd.2, wd.2, pad, stride)?,
                expected_size(xd.3, wd.3, pad, stride)?,
            ))
        })
        .flatten();
    match (naive, fast) {
        (Ok((out, cache)), Ok((out_fast, cache_fast))) => {
            prop_assert_eq!(Some(out.dim()), want);
            prop_assert_eq!(out_fast.dim(), out.dim());
            let dout: Array4<F> = rng.normal_array(out.raw_dim(), 1.0);
            let (dx, dw, db) = conv_backward_naive(&dout, &cache)?;
            prop_assert_eq!((dx.dim(), dw.dim(), db.dim()), (xd, wd, wd.0));
            let (dx, dw, db) = conv_backward_fast(&dout, &cache_fast)?;
            prop_assert_eq!((dx.dim(), dw.dim(), db.dim()), (xd, wd, wd.0));
            // The _into variants with one workspace, dx skipped or not.
            let mut ws = ConvWorkspace::new();
            let mut out_into = Array4::zeros(out.raw_dim());
            conv_forward_into(
                x.view(),
                w.view(),
                b.view(),
                p,
                out_into.view_mut(),
                &mut ws,
            )?;
            let (mut dw_into, mut db_into) = (Array4::zeros(wd), Array1::zeros(wd.0));
            let grads = ConvGradsMut {
                dx: None,
                dw: dw_into.view_mut(),
                db: db_into.view_mut(),
            };
            conv_backward_into(dout.view(), x.view(), w.view(), p, grads, &mut ws)?;
            prop_assert_eq!(dw_into, dw);
        }
        (Err(a), Err(b)) => {
            let over_budget = |e: &Error| matches!(e, Error::OverBudget { .. });
            // Refused although the formula gives a size: only for the budget, by both paths.
            if want.is_some() {
                prop_assert!(over_budget(&a) && over_budget(&b), "{} / {}", a, b);
            }
            // The two paths refuse alike, but for the budget's wording (the naive layer pads the
            // whole batch, the fast one an image at a time).
            if !(over_budget(&a) && over_budget(&b)) {
                prop_assert_eq!(a, b);
            }
        }
        (naive, fast) => prop_assert!(
            false,
            "naive {:?} but fast {:?}",
            naive.map(|r| r.0.dim()),
            fast.map(|r| r.0.dim())
        ),
    }
    prop_assert!(within_budget());
    Ok(())
}

/// A pool case: small x, window and stride that may be absurd.
fn pool_case() -> impl Strategy<Value = ((usize, usize, usize, usize), usize, usize, usize, u64)> {
    (
        (0..4usize, 0..4usize, 0..8usize, 0..8usize),
        size(0..5),
        size(0..5),
        size(0..4),
        any::<u64>(),
    )
}

fn check_pool<F: Float>(
    (xd, ph, pw, stride, seed): ((usize, usize, usize, usize), usize, usize, usize, u64),
) -> Result<(), TestCaseError> {
    let x: Array4<F> = Rng::new(seed).normal_array(xd, 1.0);
    let p = PoolParam {
        pool_height: ph,
        pool_width: pw,
        stride,
    };
    let want = (xd.0 > 0 && xd.1 > 0)
        .then(|| {
            Some((
                xd.0,
                xd.1,
                expected_size(xd.2, ph, 0, stride)?,
                expected_size(xd.3, pw, 0, stride)?,
            ))
        })
        .flatten();
    match (max_pool_forward_naive(&x, p), max_pool_forward_fast(&x, p)) {
        (Ok((out, cache)), Ok((out_fast, cache_fast))) => {
            prop_assert_eq!(Some(out.dim()), want);
            prop_assert_eq!(&out_fast, &out);
            let dout = Array4::<F>::ones(out.raw_dim());
            let dx = max_pool_backward_naive(&dout, &cache)?;
            prop_assert_eq!(dx.dim(), xd);
            prop_assert_eq!(max_pool_backward_fast(&dout, &cache_fast)?, dx);
        }
        (Err(a), Err(b)) => {
            prop_assert_eq!(want, None);
            prop_assert_eq!(&a, &b);
            let text = a.to_string();
            prop_assert!(
                !text.contains("filter") && !text.contains("padded"),
                "{}",
                text
            );
        }
        (naive, fast) => prop_assert!(
            false,
            "naive {:?} but fast {:?}",
            naive.map(|r| r.0.dim()),
            fast.map(|r| r.0.dim())
        ),
    }
    prop_assert!(within_budget());
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn conv_never_panics_and_ok_has_the_documented_shape_f64(case in conv_case()) {
        check_conv::<f64>(case)?;
    }

    #[test]
    fn conv_never_panics_and_ok_has_the_documented_shape_f32(case in conv_case()) {
        check_conv::<f32>(case)?;
    }

    #[test]
    fn pool_never_panics_and_ok_has_the_documented_shape_f64(case in pool_case()) {
        check_pool::<f64>(case)?;
    }

    #[test]
    fn pool_never_panics_and_ok_has_the_documented_shape_f32(case in pool_case()) {
        check_pool::<f32>(case)?;
    }

    #[test]
    fn a_hand_made_pool_cache_never_panics(
        x_dim in (size(0..4), size(0..4), size(0..4), size(0..4)),
        argmax in prop::collection::vec(size(0..40), 0..5),
    ) {
        let out_dim = (1, 1, 1, argmax.len());
        let cache = PoolFastCache { x_dim, out_dim, argmax };
        if let Ok(dx) = max_pool_backward_fast(&Array4::<f32>::ones(out_dim), &cache) {
            prop_assert_eq!(dx.dim(), x_dim);
        }
        prop_assert!(within_budget());
    }

    #[test]
    fn affine_never_panics_and_ok_has_the_documented_shape(
        n in 0..4usize, d1 in 0..4usize, d2 in 0..4usize, wd in 0..10usize, m in 0..5usize,
        b_len in 0..5usize, seed in any::<u64>(),
    ) {
        let mut rng = Rng::new(seed);
        let x: ArrayD<f64> = rng.normal_array(vec![n, d1, d2], 1.0);
        let w: Array2<f64> = rng.normal_array((wd, m), 1.0);
        let b: Array1<f64> = rng.normal_array(b_len, 1.0);
        match affine_forward(&x, &w, &b) {
            Ok((out, cache)) => {
                prop_assert!(n > 0 && d1 * d2 > 0 && wd == d1 * d2 && b_len == m);
                prop_assert_eq!(out.dim(), (n, m));
                let (dx, dw, db) = affine_backward(&Array2::ones((n, m)), &cache)?;
                prop_assert_eq!(dx.shape(), &[n, d1, d2]);
                prop_assert_eq!((dw.dim(), db.len()), ((wd, m), m));
            }
            Err(_) => prop_assert!(!(n > 0 && d1 * d2 > 0 && wd == d1 * d2 && b_len == m)),
        }
        prop_assert!(within_budget());
    }

    #[test]
    fn relu_keeps_the_shape_whatever_the_values(
        values in prop::collection::vec(value(), 0..30), dout_len in 0..30usize,
    ) {
        let x = Array1::from(values);
        let (out, cache) = relu_forward(&x);
        prop_assert_eq!(out.dim(), x.dim());
        prop_assert!(out.iter().all(|&v| v >= 0.0 || v.is_nan()));
        match relu_backward(&Array1::ones(dout_len), &cache) {
            Ok(dx) => prop_assert_eq!(dx.dim(), x.dim()),
            Err(_) => prop_assert_ne!(dout_len, x.len()),
        }
    }

    #[test]
    fn losses_never_give_a_finite_loss_for_a_non_finite_score(
        (n, c, values) in (0..4usize, 0..5usize).prop_flat_map(|(n, c)| {
            (Just(n), Just(c), prop::collection::vec(value(), n * c))
        }),
        labels in prop::collection::vec(0..6usize, 0..5),
    ) {
        let scores = Array2::from_shape_vec((n, c), values).unwrap();
        let finite = scores.iter().all(|v| v.is_finite());
        let labels_ok = n > 0 && labels.len() == n && labels.iter().all(|&l| l < c);
        prop_assert_eq!(check_scores("loss", &scores).is_ok(), finite);
        for (name, result) in [
            ("softmax", softmax_loss(&scores, &labels)),
            ("svm", svm_loss(&scores, &labels)),
        ] {
            match result {
                Ok((loss, dscores)) => {
                    prop_assert!(labels_ok, "{} accepted bad labels", name);
                    prop_assert_eq!(dscores.dim(), (n, c));
                    prop_assert_eq!(loss.is_nan(), !finite, "{} loss {}", name, loss);
                }
                Err(_) => prop_assert!(!labels_ok, "{} refused good labels", name),
            }
        }
    }

    #[test]
    fn spatial_batchnorm_never_panics_and_never_poisons_its_running_statistics(
        (dims, values) in (0..4usize, 0..4usize, 0..4usize, 0..4usize).prop_flat_map(|d| {
            (Just(d), prop::collection::vec(-10.0..10.0f64, d.0 * d.1 * d.2 * d.3))
        }),
        g_len in 0..4usize,
        eps in prop::sample::select(vec![1e-5, 0.0, -1.0, f64::NAN, f64::INFINITY]),
        momentum in prop::sample::select(vec![0.9, 0.0, 1.0, -0.5, f64::NAN]),
        test_mode in any::<bool>(),
    ) {
        let x = Array4::from_shape_vec(dims, values).unwrap();
        let (n, c, h, w) = dims;
        let mut bn = BatchNormParam::<f64>::new(c);
        bn.eps = eps;
        bn.momentum = momentum;
        bn.running_var.fill(1.0);
        if test_mode {
            bn.mode = Mode::Test;
        }
        let gamma = Array1::ones(g_len);
        let beta = Array1::zeros(g_len);
        let good_dims = n > 0 && c > 0 && h > 0 && w > 0 && g_len == c;
        let good_settings =
            eps.is_finite() && eps >= 0.0 && momentum.is_finite() && momentum >= 0.0;
        match spatial_batchnorm_forward(&x, &gamma, &beta, &mut bn) {
            Ok((out, cache)) => {
                prop_assert!(good_dims && good_settings);
                prop_assert_eq!(out.dim(), dims);
                let (dx, dgamma, dbeta) = spatial_batchnorm_backward(&Array4::ones(dims), &cache)?;
                prop_assert_eq!((dx.dim(), dgamma.len(), dbeta.len()), (dims, c, c));
            }
            Err(_) => prop_assert!(!(good_dims && good_settings)),
        }
        // Finite inputs keep finite running statistics, accepted or refused.
        prop_assert!(bn.running_mean.iter().chain(&bn.running_var).all(|v| v.is_finite()));
    }
}

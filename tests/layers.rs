//! The layers against the course's reference outputs and against numerical gradients (f64).
//!
//! The reference outputs are the `correct_out` arrays of CS231n Assignment 2
//! (FullyConnectedNets.ipynb and ConvolutionalNetworks.ipynb), produced there by:
//!     x = np.linspace(lo, hi, num=np.prod(shape)).reshape(shape)   (and likewise w, b)
//!     out, _ = layer_forward(x, ...)

mod common;

use cnn_playground::gradient_check::{
    numerical_gradient, numerical_gradient_array, rel_error, DEFAULT_H,
};
use cnn_playground::layers::*;
use cnn_playground::rng::Rng;
use cnn_playground::Error;
use common::linspace_shaped;
use ndarray::{array, Array1, Array2, Array4, ArrayD, Ix1, Ix2, Ix4};

fn as4(a: ArrayD<f64>) -> Array4<f64> {
    a.into_dimensionality::<Ix4>().unwrap()
}

// ---------------------------------------------------------------- reference outputs

#[test]
fn affine_forward_matches_the_course() {
    let x = linspace_shaped(-0.1, 0.5, &[2, 4, 5, 6]);
    let w = linspace_shaped(-0.2, 0.3, &[120, 3])
        .into_dimensionality::<Ix2>()
        .unwrap();
    let b = linspace_shaped(-0.3, 0.1, &[3])
        .into_dimensionality::<Ix1>()
        .unwrap();
    let (out, _) = affine_forward(&x, &w, &b).unwrap();
    let correct = array![
        [1.49834967, 1.70660132, 1.91485297],
        [3.25553199, 3.5141327, 3.77273342]
    ];
    assert!(
        rel_error(&out, &correct) < 1e-8,
        "rel error {}",
        rel_error(&out, &correct)
    );
}

#[test]
fn relu_forward_matches_the_course() {
    let x = linspace_shaped(-0.5, 0.5, &[3, 4])
        .into_dimensionality::<Ix2>()
        .unwrap();
    let (out, _) = relu_forward(&x);
    let correct = array![
        [0.0, 0.0, 0.0, 0.0],
        [0.0, 0.0, 0.04545455, 0.13636364],
        [0.22727273, 0.31818182, 0.40909091, 0.5]
    ];
    assert!(
        rel_error(&out, &correct) < 1e-7,
        "rel error {}",
        rel_error(&out, &correct)
    );
}

#[test]
fn conv_forward_naive_matches_the_course() {
    let x = as4(linspace_shaped(-0.1, 0.5, &[2, 3, 4, 4]));
    let w = as4(linspace_shaped(-0.2, 0.3, &[3, 3, 4, 4]));
    let b = linspace_shaped(-0.1, 0.2, &[3])
        .into_dimensionality::<Ix1>()
        .unwrap();
    let (out, _) = conv_forward_naive(&x, &w, &b, ConvParam { stride: 2, pad: 1 }).unwrap();
    let correct = Array4::from_shape_vec(
        (2, 3, 2, 2),
        vec![
            -0.08759809,
            -0.10987781,
            -0.18387192,
            -0.2109216,
            0.21027089,
            0.21661097,
            0.22847626,
            0.23004637,
            0.50813986,
            0.54309974,
            0.64082444,
            0.67101435,
            -0.98053589,
            -1.03143541,
            -1.19128892,
            -1.24695841,
            0.69108355,
            0.66880383,
            0.59480972,
            0.56776003,
            2.36270298,
            2.36904306,
            2.38090835,
            2.38247847,
        ],
    )
    .unwrap();
    assert!(
        rel_error(&out, &correct) < 1e-7,
        "rel error {}",
        rel_error(&out, &correct)
    );
}

#[test]
fn max_pool_forward_naive_matches_the_course() {
    let x = as4(linspace_shaped(-0.3, 0.4, &[2, 3, 4, 4]));
    let (out, _) = max_pool_forward_naive(&x, PoolParam::default()).unwrap();
    let correct = Array4::from_shape_vec(
        (2, 3, 2, 2),
        vec![
            -0.26315789,
            -0.24842105,
            -0.20421053,
            -0.18947368,
            -0.14526316,
            -0.13052632,
            -0.08631579,
            -0.07157895,
            -0.02736842,
            -0.01263158,
            0.03157895,
            0.04631579,
            0.09052632,
            0.10526316,
            0.14947368,
            0.16421053,
            0.20842105,
            0.22315789,
            0.26736842,
            0.28210526,
            0.32631579,
            0.34105263,
            0.38526316,
            0.4,
        ],
    )
    .unwrap();
    assert!(
        rel_error(&out, &correct) < 1e-7,
        "rel error {}",
        rel_error(&out, &correct)
    );
}

#[test]
fn losses_on_small_random_scores_are_near_their_chance_values() {
    // With scores ≈ 0 and 10 classes: softmax loss ≈ ln 10 ≈ 2.3, SVM loss ≈ 9 (nine margins of 1).
    let mut rng = Rng::new(0);
    let scores: Array2<f64> = rng.normal_array((50, 10), 1e-3);
    let y: Vec<usize> = (0..50).map(|_| rng.below(10)).collect();
    let (softmax, _) = softmax_loss(&scores, &y).unwrap();
    let (svm, _) = svm_loss(&scores, &y).unwrap();
    assert!(
        (softmax - 10f64.ln()).abs() < 1e-2,
        "softmax loss {softmax}"
    );
    assert!((svm - 9.0).abs() < 1e-1, "svm loss {svm}");
}

#[test]
fn svm_loss_of_a_hand_computed_example() {
    // Row 0, label 0: margins max(0, 2−3+1) = 0 and max(0, 1−3+1) = 0 → 0.
    // Row 1, label 2: margins max(0, 1−0.5+1) = 1.5 and max(0, 2−0.5+1) = 2.5 → 4.
    let scores = array![[3.0, 2.0, 1.0], [1.0, 2.0, 0.5]];
    let (loss, dscores) = svm_loss(&scores, &[0, 2]).unwrap();
    assert_eq!(loss, 2.0);
    assert_eq!(dscores, array![[0.0, 0.0, 0.0], [0.5, 0.5, -1.0]]);
}

// ---------------------------------------------------------------- gradient checks

/// Conv gradient check on one configuration: dx, dw, db all below 1e-7 relative error.
fn check_conv(
    x_shape: (usize, usize, usize, usize),
    w_shape: (usize, usize, usize, usize),
    param: ConvParam,
    seed: u64,
) {
    let mut rng = Rng::new(seed);
    let x: Array4<f64> = rng.normal_array(x_shape, 1.0);
    let w: Array4<f64> = rng.normal_array(w_shape, 1.0);
    let b: Array1<f64> = rng.normal_array(w_shape.0, 1.0);
    let (out, cache) = conv_forward_naive(&x, &w, &b, param).unwrap();
    let dout: Array4<f64> = rng.normal_array(out.raw_dim(), 1.0);
    let (dx, dw, db) = conv_backward_naive(&dout, &cache).unwrap();

    let h = DEFAULT_H;
    let dx_num = numerical_gradient_array(
        |x| conv_forward_naive(x, &w, &b, param).unwrap().0,
        &x,
        &dout,
        h,
    );
    let dw_num = numerical_gradient_array(
        |w| conv_forward_naive(&x, w, &b, param).unwrap().0,
        &w,
        &dout,
        h,
    );
    let db_num = numerical_gradient_array(
        |b| conv_forward_naive(&x, &w, b, param).unwrap().0,
        &b,
        &dout,
        h,
    );
    let what = format!("x {x_shape:?}, w {w_shape:?}, {param:?}");
    assert!(
        rel_error(&dx, &dx_num) < 1e-7,
        "dx: {} for {what}",
        rel_error(&dx, &dx_num)
    );
    assert!(
        rel_error(&dw, &dw_num) < 1e-7,
        "dw: {} for {what}",
        rel_error(&dw, &dw_num)
    );
    assert!(
        rel_error(&db, &db_num) < 1e-7,
        "db: {} for {what}",
        rel_error(&db, &db_num)
    );
}

#[test]
fn conv_backward_naive_matches_numerical_gradients() {
    // The assignment's check: x 4×3×5×5, w 2×3×3×3, stride 1, pad 1.
    check_conv(
        (4, 3, 5, 5),
        (2, 3, 3, 3),
        ConvParam { stride: 1, pad: 1 },
        1,
    );
    // Stride 2, pad 0; non-square input and filter; C = 1. Conv is linear in w, so the numerical
    // gradient's error is pure rounding (~1e-11 absolute); a dw entry that happens to be near zero
    // turns that into a large *relative* error. Seed 2 draws one at 1e-3; seed 20 does not.
    check_conv(
        (2, 1, 7, 9),
        (3, 1, 3, 5),
        ConvParam { stride: 2, pad: 0 },
        20,
    );
    // Pad 2 and 3, C = 3, stride 1 and 3.
    check_conv(
        (2, 3, 4, 6),
        (2, 3, 2, 2),
        ConvParam { stride: 1, pad: 2 },
        3,
    );
    check_conv(
        (1, 3, 6, 6),
        (2, 3, 3, 3),
        ConvParam { stride: 3, pad: 3 },
        4,
    );
}

fn check_pool(x_shape: (usize, usize, usize, usize), param: PoolParam, seed: u64) {
    let mut rng = Rng::new(seed);
    let x: Array4<f64> = rng.normal_array(x_shape, 1.0);
    let (out, cache) = max_pool_forward_naive(&x, param).unwrap();
    let dout: Array4<f64> = rng.normal_array(out.raw_dim(), 1.0);
    let dx = max_pool_backward_naive(&dout, &cache).unwrap();
    let dx_num = numerical_gradient_array(
        |x| max_pool_forward_naive(x, param).unwrap().0,
        &x,
        &dout,
        DEFAULT_H,
    );
    assert!(
        rel_error(&dx, &dx_num) < 1e-7,
        "dx: {} for {x_shape:?} {param:?}",
        rel_error(&dx, &dx_num)
    );
}

#[test]
fn max_pool_backward_naive_matches_numerical_gradients() {
    check_pool((3, 2, 8, 8), PoolParam::default(), 5);
    check_pool(
        (2, 1, 7, 5),
        PoolParam {
            pool_height: 3,
            pool_width: 1,
            stride: 2,
        },
        6,
    );
    // Overlapping windows: one input can win several windows.
    check_pool(
        (2, 3, 5, 5),
        PoolParam {
            pool_height: 3,
            pool_width: 3,
            stride: 1,
        },
        7,
    );
}

#[test]
fn max_pool_backward_routes_each_gradient_to_its_argmax() {
    let x =
        Array4::from_shape_vec((1, 1, 2, 4), vec![1.0, 5.0, 2.0, 0.0, 3.0, 4.0, 9.0, 2.0]).unwrap();
    let (_, cache) = max_pool_forward_naive(&x, PoolParam::default()).unwrap();
    let dout = Array4::from_shape_vec((1, 1, 1, 2), vec![10.0, 20.0]).unwrap();
    let dx = max_pool_backward_naive(&dout, &cache).unwrap();
    let expected =
        Array4::from_shape_vec((1, 1, 2, 4), vec![0.0, 10.0, 0.0, 0.0, 0.0, 0.0, 20.0, 0.0])
            .unwrap();
    assert_eq!(dx, expected);
}

fn check_avg_pool(x_shape: (usize, usize, usize, usize), param: PoolParam, seed: u64) {
    let mut rng = Rng::new(seed);
    let x: Array4<f64> = rng.normal_array(x_shape, 1.0);
    let (out, cache) = avg_pool_forward_naive(&x, param).unwrap();
    let dout: Array4<f64> = rng.normal_array(out.raw_dim(), 1.0);
    let dx = avg_pool_backward_naive(&dout, &cache).unwrap();
    let dx_num = numerical_gradient_array(
        |x| avg_pool_forward_naive(x, param).unwrap().0,
        &x,
        &dout,
        DEFAULT_H,
    );
    assert!(
        rel_error(&dx, &dx_num) < 1e-7,
        "dx: {} for {x_shape:?} {param:?}",
        rel_error(&dx, &dx_num)
    );
}

#[test]
fn avg_pool_backward_naive_matches_numerical_gradients() {
    check_avg_pool((3, 2, 8, 8), PoolParam::default(), 15);
    check_avg_pool(
        (2, 1, 7, 5),
        PoolParam {
            pool_height: 3,
            pool_width: 1,
            stride: 2,
        },
        16,
    );
    // Overlapping windows: one input gets a share of several gradients.
    check_avg_pool(
        (2, 3, 5, 5),
        PoolParam {
            pool_height: 3,
            pool_width: 3,
            stride: 1,
        },
        17,
    );
}

#[test]
fn avg_pool_backward_fast_matches_numerical_gradients() {
    for (seed, x_shape, (ph, pw, s)) in [
        (18, (3, 2, 8, 8), (2, 2, 2)),
        (19, (2, 1, 7, 5), (3, 1, 2)),
        (20, (2, 3, 5, 5), (3, 3, 1)),
    ] {
        let param = PoolParam {
            pool_height: ph,
            pool_width: pw,
            stride: s,
        };
        let mut rng = Rng::new(seed);
        let x: Array4<f64> = rng.normal_array(x_shape, 1.0);
        let (out, cache) = avg_pool_forward_fast(&x, param).unwrap();
        let dout: Array4<f64> = rng.normal_array(out.raw_dim(), 1.0);
        let dx = avg_pool_backward_fast(&dout, &cache).unwrap();
        let dx_num = numerical_gradient_array(
            |x| avg_pool_forward_fast(x, param).unwrap().0,
            &x,
            &dout,
            DEFAULT_H,
        );
        // A mean is linear: no kinks, so the check is far tighter than the course's 1e-7.
        let e = rel_error(&dx, &dx_num);
        assert!(e < 1e-8, "dx: {e} for {x_shape:?} {param:?}");
    }
}

#[test]
fn a_hand_made_avg_pool_cache_cannot_ask_for_a_huge_dx() {
    let cache = AvgPoolFastCache {
        x_dim: (1, 1, 1 << 31, 1 << 31),
        pool_param: PoolParam {
            pool_height: 1 << 31,
            pool_width: 1 << 31,
            stride: 1,
        },
    };
    // One window over the whole (never made) input: a 1×1 dout, and a dx of 2^62 values.
    let err = avg_pool_backward_fast(&Array4::<f32>::ones((1, 1, 1, 1)), &cache).unwrap_err();
    assert_eq!(
        err.to_string(),
        "dx (1×1×2147483648×2147483648 values) would need 1.8e19 bytes; the engine's limit is 1 GiB"
    );
}

#[test]
fn avg_pool_forward_naive_takes_the_mean_of_each_window() {
    let x =
        Array4::from_shape_vec((1, 1, 2, 4), vec![1.0, 5.0, 2.0, 0.0, 3.0, 4.0, 9.0, 2.0]).unwrap();
    let (out, _) = avg_pool_forward_naive(&x, PoolParam::default()).unwrap();
    // (1 + 5 + 3 + 4)/4 and (2 + 0 + 9 + 2)/4.
    assert_eq!(
        out,
        Array4::from_shape_vec((1, 1, 1, 2), vec![3.25, 3.25]).unwrap()
    );
}

#[test]
fn avg_pool_backward_shares_each_gradient_evenly_over_its_window() {
    let x = Array4::<f64>::zeros((1, 1, 3, 3));
    let param = PoolParam {
        pool_height: 2,
        pool_width: 2,
        stride: 1,
    };
    let (_, cache) = avg_pool_forward_naive(&x, param).unwrap();
    let dout = Array4::from_shape_vec((1, 1, 2, 2), vec![4.0, 8.0, 12.0, 16.0]).unwrap();
    let dx = avg_pool_backward_naive(&dout, &cache).unwrap();
    // Each window cell gets a quarter of its dout; the centre is in all four windows.
    let expected = Array4::from_shape_vec(
        (1, 1, 3, 3),
        vec![1.0, 3.0, 2.0, 4.0, 10.0, 6.0, 3.0, 7.0, 4.0],
    )
    .unwrap();
    assert_eq!(dx, expected);
    let wrong = Array4::<f64>::zeros((1, 1, 3, 3));
    assert_eq!(
        avg_pool_backward_naive(&wrong, &cache)
            .unwrap_err()
            .to_string(),
        max_pool_backward_naive(&wrong, &cache)
            .unwrap_err()
            .to_string()
            .replace("max pool", "average pool")
    );
}

#[test]
fn avg_pool_refuses_what_max_pool_refuses_in_its_own_name() {
    let param = PoolParam {
        pool_height: 3,
        pool_width: 3,
        stride: 1,
    };
    for x in [
        Array4::<f64>::zeros((0, 1, 4, 4)),
        Array4::<f64>::zeros((1, 1, 2, 2)),
    ] {
        let max = max_pool_forward_naive(&x, param).unwrap_err().to_string();
        let avg = avg_pool_forward_naive(&x, param).unwrap_err().to_string();
        assert_eq!(avg, max.replace("max pool", "average pool"));
    }
    let empty = avg_pool_forward_naive(&Array4::<f64>::zeros((0, 1, 4, 4)), param).unwrap_err();
    assert!(
        empty.to_string().contains("average pool forward"),
        "{empty}"
    );
}

#[test]
fn affine_backward_matches_numerical_gradients() {
    for (seed, x_shape, m) in [
        (10, vec![10, 2, 3], 5),
        (11, vec![4, 7], 3),
        (12, vec![3, 2, 2, 2], 1),
    ] {
        let mut rng = Rng::new(seed);
        let x: ArrayD<f64> = rng.normal_array(x_shape.clone(), 1.0);
        let d: usize = x_shape[1..].iter().product();
        let w: Array2<f64> = rng.normal_array((d, m), 1.0);
        let b: Array1<f64> = rng.normal_array(m, 1.0);
        let (out, cache) = affine_forward(&x, &w, &b).unwrap();
        let dout: Array2<f64> = rng.normal_array(out.raw_dim(), 1.0);
        let (dx, dw, db) = affine_backward(&dout, &cache).unwrap();
        let dx_num = numerical_gradient_array(
            |x| affine_forward(x, &w, &b).unwrap().0,
            &x,
            &dout,
            DEFAULT_H,
        );
        let dw_num = numerical_gradient_array(
            |w| affine_forward(&x, w, &b).unwrap().0,
            &w,
            &dout,
            DEFAULT_H,
        );
        let db_num = numerical_gradient_array(
            |b| affine_forward(&x, &w, b).unwrap().0,
            &b,
            &dout,
            DEFAULT_H,
        );
        assert_eq!(dx.shape(), x.shape());
        assert!(
            rel_error(&dx, &dx_num) < 1e-7,
            "dx {}",
            rel_error(&dx, &dx_num)
        );
        assert!(
            rel_error(&dw, &dw_num) < 1e-7,
            "dw {}",
            rel_error(&dw, &dw_num)
        );
        assert!(
            rel_error(&db, &db_num) < 1e-7,
            "db {}",
            rel_error(&db, &db_num)
        );
    }
}

#[test]
fn relu_backward_matches_numerical_gradients() {
    let mut rng = Rng::new(13);
    // Keep inputs away from the kink at 0, where the numerical gradient is not the derivative.
    let x: Array2<f64> = rng
        .normal_array((10, 10), 1.0)
        .mapv(|v: f64| if v.abs() < 1e-3 { 0.5 } else { v });
    let dout: Array2<f64> = rng.normal_array((10, 10), 1.0);
    let (_, cache) = relu_forward(&x);
    let dx = relu_backward(&dout, &cache).unwrap();
    let dx_num = numerical_gradient_array(|x| relu_forward(x).0, &x, &dout, DEFAULT_H);
    assert!(
        rel_error(&dx, &dx_num) < 1e-7,
        "dx {}",
        rel_error(&dx, &dx_num)
    );
}

#[test]
fn loss_gradients_match_numerical_gradients() {
    let mut rng = Rng::new(14);
    let scores: Array2<f64> = rng.normal_array((50, 10), 1e-3);
    let y: Vec<usize> = (0..50).map(|_| rng.below(10)).collect();
    let (_, dsoftmax) = softmax_loss(&scores, &y).unwrap();
    let num = numerical_gradient(|s| softmax_loss(s, &y).unwrap().0, &scores, DEFAULT_H);
    assert!(
        rel_error(&dsoftmax, &num) < 1e-7,
        "softmax {}",
        rel_error(&dsoftmax, &num)
    );
    // The hinge has kinks where a margin is exactly 0; well-spread scores stay clear of them.
    let scores: Array2<f64> = rng.normal_array((50, 10), 1.0);
    let (_, dsvm) = svm_loss(&scores, &y).unwrap();
    let num = numerical_gradient(|s| svm_loss(s, &y).unwrap().0, &scores, DEFAULT_H);
    assert!(
        rel_error(&dsvm, &num) < 1e-7,
        "svm {}",
        rel_error(&dsvm, &num)
    );
}

#[test]
fn spatial_batchnorm_backward_matches_numerical_gradients() {
    for (seed, shape) in [(15, (2, 3, 4, 5)), (16, (4, 1, 3, 3))] {
        let mut rng = Rng::new(seed);
        let x: Array4<f64> = rng.normal_array(shape, 5.0) + 12.0;
        let c = shape.1;
        let gamma: Array1<f64> = rng.normal_array(c, 1.0);
        let beta: Array1<f64> = rng.normal_array(c, 1.0);
        let dout: Array4<f64> = rng.normal_array(shape, 1.0);
        let fwd = |x: &Array4<f64>, g: &Array1<f64>, b: &Array1<f64>| {
            spatial_batchnorm_forward(x, g, b, &mut BatchNormParam::new(c))
                .unwrap()
                .0
        };
        let (_, cache) =
            spatial_batchnorm_forward(&x, &gamma, &beta, &mut BatchNormParam::new(c)).unwrap();
        let (dx, dgamma, dbeta) = spatial_batchnorm_backward(&dout, &cache).unwrap();
        let dx_num = numerical_gradient_array(|x| fwd(x, &gamma, &beta), &x, &dout, DEFAULT_H);
        let dg_num = numerical_gradient_array(|g| fwd(&x, g, &beta), &gamma, &dout, DEFAULT_H);
        let db_num = numerical_gradient_array(|b| fwd(&x, &gamma, b), &beta, &dout, DEFAULT_H);
        assert!(
            rel_error(&dx, &dx_num) < 1e-6,
            "dx {}",
            rel_error(&dx, &dx_num)
        );
        assert!(
            rel_error(&dgamma, &dg_num) < 1e-6,
            "dgamma {}",
            rel_error(&dgamma, &dg_num)
        );
        assert!(
            rel_error(&dbeta, &db_num) < 1e-6,
            "dbeta {}",
            rel_error(&dbeta, &db_num)
        );
    }
}

#[test]
fn spatial_batchnorm_test_mode_backward_matches_numerical_gradients() {
    let mut rng = Rng::new(17);
    let x: Array4<f64> = rng.normal_array((2, 3, 4, 4), 2.0);
    let gamma: Array1<f64> = rng.normal_array(3, 1.0);
    let beta: Array1<f64> = rng.normal_array(3, 1.0);
    let mut bn = BatchNormParam::new(3);
    bn.running_mean = array![0.5, -0.5, 1.0];
    bn.running_var = array![2.0, 0.5, 1.5];
    bn.mode = Mode::Test;
    let dout: Array4<f64> = rng.normal_array((2, 3, 4, 4), 1.0);
    let (_, cache) = spatial_batchnorm_forward(&x, &gamma, &beta, &mut bn.clone()).unwrap();
    let (dx, _, _) = spatial_batchnorm_backward(&dout, &cache).unwrap();
    let dx_num = numerical_gradient_array(
        |x| {
            spatial_batchnorm_forward(x, &gamma, &beta, &mut bn.clone())
                .unwrap()
                .0
        },
        &x,
        &dout,
        DEFAULT_H,
    );
    assert!(
        rel_error(&dx, &dx_num) < 1e-7,
        "dx {}",
        rel_error(&dx, &dx_num)
    );
}

#[test]
fn spatial_batchnorm_train_mode_normalises_and_updates_running_statistics() {
    let mut rng = Rng::new(18);
    let x: Array4<f64> = rng.normal_array((10, 3, 4, 5), 4.0) + 7.0;
    let mut bn = BatchNormParam::new(3);
    let gamma = array![1.0, 2.0, 3.0];
    let beta = array![0.0, -1.0, 4.0];
    let (out, _) = spatial_batchnorm_forward(&x, &gamma, &beta, &mut bn).unwrap();
    let (mean, var) = cnn_playground::layers::batchnorm::channel_mean_var(&out);
    let (x_mean, x_var) = cnn_playground::layers::batchnorm::channel_mean_var(&x);
    for c in 0..3 {
        assert!(
            (mean[c] - beta[c]).abs() < 1e-12,
            "channel {c} mean {}",
            mean[c]
        );
        // var(γ·x̂) = γ²·σ²/(σ² + eps).
        let expected = gamma[c] * gamma[c] * x_var[c] / (x_var[c] + 1e-5);
        assert!(
            (var[c] - expected).abs() < 1e-12,
            "channel {c} var {}",
            var[c]
        );
        assert!((bn.running_mean[c] - 0.1 * x_mean[c]).abs() < 1e-12);
        assert!((bn.running_var[c] - 0.1 * x_var[c]).abs() < 1e-12);
    }
}

/// An analytic gradient within 1e-7 relative error of the numerical one.
fn assert_close<D: ndarray::Dimension>(
    name: &str,
    analytic: &ndarray::Array<f64, D>,
    numerical: &ndarray::Array<f64, D>,
) {
    let e = rel_error(analytic, numerical);
    assert!(e < 1e-7, "{name}: relative error {e}");
}

#[test]
fn sandwich_layers_match_numerical_gradients() {
    let mut rng = Rng::new(19);
    let x: Array4<f64> = rng.normal_array((2, 3, 8, 8), 1.0);
    let w: Array4<f64> = rng.normal_array((3, 3, 3, 3), 1.0);
    let b: Array1<f64> = rng.normal_array(3, 1.0);
    let (cp, pp) = (ConvParam { stride: 1, pad: 1 }, PoolParam::default());
    let (out, cache) = conv_relu_pool_forward(&x, &w, &b, cp, pp).unwrap();
    let dout: Array4<f64> = rng.normal_array(out.raw_dim(), 1.0);
    let (dx, dw, db) = conv_relu_pool_backward(&dout, &cache).unwrap();
    let f = |x: &Array4<f64>, w: &Array4<f64>, b: &Array1<f64>| {
        conv_relu_pool_forward(x, w, b, cp, pp).unwrap().0
    };
    assert_close(
        "dx",
        &dx,
        &numerical_gradient_array(|x| f(x, &w, &b), &x, &dout, DEFAULT_H),
    );
    assert_close(
        "dw",
        &dw,
        &numerical_gradient_array(|w| f(&x, w, &b), &w, &dout, DEFAULT_H),
    );
    assert_close(
        "db",
        &db,
        &numerical_gradient_array(|b| f(&x, &w, b), &b, &dout, DEFAULT_H),
    );

    let x: ArrayD<f64> = rng.normal_array(vec![2, 3, 4], 1.0);
    let w: Array2<f64> = rng.normal_array((12, 10), 1.0);
    let b: Array1<f64> = rng.normal_array(10, 1.0);
    let (out, cache) = affine_relu_forward(&x, &w, &b).unwrap();
    let dout: Array2<f64> = rng.normal_array(out.raw_dim(), 1.0);
    let (dx, dw, db) = affine_relu_backward(&dout, &cache).unwrap();
    let f =
        |x: &ArrayD<f64>, w: &Array2<f64>, b: &Array1<f64>| affine_relu_forward(x, w, b).unwrap().0;
    assert_close(
        "dx",
        &dx,
        &numerical_gradient_array(|x| f(x, &w, &b), &x, &dout, DEFAULT_H),
    );
    assert_close(
        "dw",
        &dw,
        &numerical_gradient_array(|w| f(&x, w, &b), &w, &dout, DEFAULT_H),
    );
    assert_close(
        "db",
        &db,
        &numerical_gradient_array(|b| f(&x, &w, b), &b, &dout, DEFAULT_H),
    );
}

// ---------------------------------------------------------------- bad input

#[test]
fn bad_input_is_an_error_with_the_offending_values() {
    let x = Array4::<f64>::zeros((2, 3, 7, 7));
    let w = Array4::<f64>::zeros((4, 1, 3, 3));
    let b = Array1::<f64>::zeros(4);
    let err = conv_forward_naive(&x, &w, &b, ConvParam::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "shape mismatch in conv forward (channels C of x and w): expected w with C = 3 to match x of shape \
         (2, 3, 7, 7), got w of shape (4, 1, 3, 3)"
    );

    let w = Array4::<f64>::zeros((4, 3, 3, 3));
    let err = conv_forward_naive(&x, &w, &b, ConvParam { stride: 3, pad: 0 }).unwrap_err();
    assert_eq!(
        err.to_string(),
        "height and width: (7 − 3 + 2·0)/3 + 1 = 2.33 is not a whole number: try stride 1 or 2, or pad 1"
    );

    // A pool layer has no padding, so only strides are suggested.
    let pool = PoolParam {
        pool_height: 3,
        pool_width: 3,
        stride: 3,
    };
    let err = max_pool_forward_naive(&x, pool).unwrap_err();
    assert_eq!(
        err.to_string(),
        "height and width: (7 − 3 + 2·0)/3 + 1 = 2.33 is not a whole number: try stride 1 or 2"
    );

    let err = softmax_loss(&Array2::<f64>::zeros((2, 3)), &[0, 3]).unwrap_err();
    assert_eq!(
        err,
        Error::LabelOutOfRange {
            label: 3,
            index: 1,
            classes: 3
        }
    );
    assert_eq!(
        err.to_string(),
        "label 3 at position 1 is out of range: there are 3 classes (0 to 2)"
    );

    let err = svm_loss(&Array2::<f64>::zeros((0, 3)), &[]).unwrap_err();
    assert!(matches!(err, Error::EmptyBatch { .. }));

    let empty = Array4::<f64>::zeros((0, 3, 4, 4));
    assert!(matches!(
        max_pool_forward_naive(&empty, PoolParam::default()),
        Err(Error::EmptyBatch { .. })
    ));

    let (_, cache) = conv_forward_naive(&x, &w, &b, ConvParam::default()).unwrap();
    let wrong_dout = Array4::<f64>::zeros((2, 4, 4, 4));
    assert!(matches!(
        conv_backward_naive(&wrong_dout, &cache),
        Err(Error::ShapeMismatch { .. })
    ));

    let mut bn = BatchNormParam::<f64>::new(3);
    bn.momentum = f64::NAN;
    let err =
        spatial_batchnorm_forward(&x, &Array1::ones(3), &Array1::zeros(3), &mut bn).unwrap_err();
    assert!(matches!(err, Error::InvalidHyperparameter { .. }), "{err}");
}

// ---------------------------------------------------------------- hostile input (issue 10)

use cnn_playground::layers::conv_fast::{
    conv_backward_into, conv_forward_into, ConvGradsMut, ConvWorkspace,
};

#[test]
fn conv_with_no_channels_is_refused_by_both_paths_alike() {
    // The fast layer used to panic ("chunk size must be non-zero"); the naive one returned the
    // bias alone. Both now refuse: a filter with no weights is never what a student means.
    let x = Array4::<f64>::zeros((2, 0, 4, 4));
    let w = Array4::<f64>::zeros((3, 0, 3, 3));
    let b = Array1::<f64>::ones(3);
    let p = ConvParam { stride: 1, pad: 1 };
    let naive = conv_forward_naive(&x, &w, &b, p).unwrap_err();
    let fast = conv_forward_fast(&x, &w, &b, p).unwrap_err();
    assert_eq!(
        naive.to_string(),
        "the number of channels C must be at least 1, got 0"
    );
    assert_eq!(fast, naive);
    let mut out = Array4::<f64>::zeros((2, 3, 4, 4));
    let err = conv_forward_into(
        x.view(),
        w.view(),
        b.view(),
        p,
        out.view_mut(),
        &mut ConvWorkspace::new(),
    )
    .unwrap_err();
    assert_eq!(err, naive);
}

#[test]
fn a_pad_of_ten_thousand_on_a_four_by_four_image_is_over_budget_before_allocating() {
    // A 20 002 × 20 002 output: 1.49 GiB in f32, 2.98 GiB in f64 (it used to be computed).
    let x = Array4::<f32>::ones((1, 1, 4, 4));
    let w = Array4::<f32>::ones((1, 1, 3, 3));
    let b = Array1::<f32>::zeros(1);
    let p = ConvParam {
        stride: 1,
        pad: 10_000,
    };
    let want =
        "the conv output (1×1×20002×20002 values) would need 1.49 GiB; the engine's limit is 1 GiB";
    assert_eq!(
        conv_forward_naive(&x, &w, &b, p).unwrap_err().to_string(),
        want
    );
    assert_eq!(
        conv_forward_fast(&x, &w, &b, p).unwrap_err().to_string(),
        want
    );
    let (x, w, b) = (x.mapv(f64::from), w.mapv(f64::from), b.mapv(f64::from));
    let want =
        "the conv output (1×1×20002×20002 values) would need 2.98 GiB; the engine's limit is 1 GiB";
    assert_eq!(
        conv_forward_naive(&x, &w, &b, p).unwrap_err().to_string(),
        want
    );
    assert_eq!(
        conv_forward_fast(&x, &w, &b, p).unwrap_err().to_string(),
        want
    );
    let err = conv_forward_fast(&x, &w, &b, p).unwrap_err();
    let Error::OverBudget {
        what,
        needed,
        limit,
    } = err
    else {
        panic!("not over budget: {err}");
    };
    // `what` is a catalog message (it reads in the page's language); in English:
    assert_eq!(what.to_string(), "the conv output (1×1×20002×20002 values)");
    assert_eq!((needed, limit), (20_002 * 20_002 * 8, 1 << 30));
}

#[test]
fn a_pad_of_a_billion_is_over_budget_not_a_capacity_overflow() {
    let x = Array4::<f64>::ones((1, 1, 4, 4));
    let w = Array4::<f64>::ones((1, 1, 3, 3));
    let b = Array1::<f64>::zeros(1);
    let p = ConvParam {
        stride: 1,
        pad: 1_000_000_000,
    };
    let want = "the conv output (1×1×2000000002×2000000002 values) would need 3.2e19 bytes; \
                the engine's limit is 1 GiB";
    assert_eq!(
        conv_forward_naive(&x, &w, &b, p).unwrap_err().to_string(),
        want
    );
    assert_eq!(
        conv_forward_fast(&x, &w, &b, p).unwrap_err().to_string(),
        want
    );
    let err = max_pool_forward_fast(
        &x,
        PoolParam {
            pool_height: 5,
            pool_width: 1,
            stride: 1,
        },
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "height: a pool window of size 5 does not fit in an input of size 4"
    );
}

#[test]
fn a_huge_pad_with_a_small_output_is_refused_for_the_padded_input_in_every_path() {
    // Stride 200 001 makes the output 2×2, but the padded input is 200 004 × 200 004.
    let x = Array4::<f64>::ones((1, 1, 4, 4));
    let w = Array4::<f64>::ones((1, 1, 3, 3));
    let b = Array1::<f64>::zeros(1);
    let p = ConvParam {
        stride: 200_001,
        pad: 100_000,
    };
    let padded_input = "the padded input (1×1×200004×200004 values) would need 298.04 GiB; \
                        the engine's limit is 1 GiB";
    let padded_image = "one zero-padded image (1×200004×200004 values) would need 298.04 GiB; \
                        the engine's limit is 1 GiB";
    assert_eq!(
        conv_forward_naive(&x, &w, &b, p).unwrap_err().to_string(),
        padded_input
    );
    assert_eq!(
        conv_forward_fast(&x, &w, &b, p).unwrap_err().to_string(),
        padded_image
    );

    let dout = Array4::<f64>::ones((1, 1, 2, 2));
    let naive_cache = ConvCache {
        x: x.clone(),
        w: w.clone(),
        b: b.clone(),
        conv_param: p,
    };
    assert_eq!(
        conv_backward_naive(&dout, &naive_cache)
            .unwrap_err()
            .to_string(),
        padded_input
    );
    let fast_cache = conv_fast::ConvFastCache {
        x: x.clone(),
        w: w.clone(),
        conv_param: p,
    };
    assert_eq!(
        conv_backward_fast(&dout, &fast_cache)
            .unwrap_err()
            .to_string(),
        padded_image
    );

    let mut ws = ConvWorkspace::new();
    let mut out = Array4::<f64>::zeros((1, 1, 2, 2));
    let err =
        conv_forward_into(x.view(), w.view(), b.view(), p, out.view_mut(), &mut ws).unwrap_err();
    assert_eq!(err.to_string(), padded_image);
    let (mut dx, mut dw, mut db) = (
        Array4::zeros((1, 1, 4, 4)),
        Array4::zeros((1, 1, 3, 3)),
        Array1::zeros(1),
    );
    let grads = ConvGradsMut {
        dx: Some(dx.view_mut()),
        dw: dw.view_mut(),
        db: db.view_mut(),
    };
    let err = conv_backward_into(dout.view(), x.view(), w.view(), p, grads, &mut ws).unwrap_err();
    assert_eq!(err.to_string(), padded_image);
}

#[test]
fn the_unrolled_column_gradient_is_budgeted_too() {
    // 128 channels of 128×128 with an 11×11 filter: one image's dcols is 128·121 × 118·118
    // values (1.61 GiB in f64), though x (16 MB), w and the output are small.
    let x = Array4::<f64>::zeros((1, 128, 128, 128));
    let w = Array4::<f64>::zeros((1, 128, 11, 11));
    let b = Array1::<f64>::zeros(1);
    let p = ConvParam { stride: 1, pad: 0 };
    let (out, cache) = conv_forward_fast(&x, &w, &b, p).unwrap();
    assert_eq!(out.dim(), (1, 1, 118, 118));
    let err = conv_backward_fast(&out, &cache).unwrap_err();
    assert_eq!(
        err.to_string(),
        "one image's unrolled gradient dcols (128×11×11×118×118 values) would need 1.61 GiB; \
         the engine's limit is 1 GiB"
    );
}

#[test]
fn a_hand_made_pool_cache_cannot_ask_for_a_huge_dx() {
    let cache = PoolFastCache {
        x_dim: (1 << 20, 1 << 20, 1 << 20, 1 << 20),
        out_dim: (1, 1, 1, 1),
        argmax: vec![0],
    };
    let err = max_pool_backward_fast(&Array4::<f32>::ones((1, 1, 1, 1)), &cache).unwrap_err();
    assert_eq!(
        err.to_string(),
        "dx (1048576×1048576×1048576×1048576 values) would need 4.8e24 bytes; the engine's limit is 1 GiB"
    );
}

#[test]
fn affine_refuses_an_empty_example_and_an_output_over_budget() {
    let x = ArrayD::<f64>::zeros(vec![2, 0]);
    let err = affine_forward(&x, &Array2::zeros((0, 3)), &Array1::zeros(3)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the number of values D per example (x has shape [2, 0]) must be at least 1, got 0"
    );
    // 800 KB of x and w ask for a 100 000 × 100 000 output.
    let x = ArrayD::<f64>::zeros(vec![100_000, 1]);
    let err =
        affine_forward(&x, &Array2::zeros((1, 100_000)), &Array1::zeros(100_000)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the affine output (100000×100000 values) would need 74.51 GiB; the engine's limit is 1 GiB"
    );
    // A hand-made cache whose x_shape does not hold x: an error, not a panic.
    let x = ArrayD::<f64>::zeros(vec![2, 3]);
    let (out, mut cache) = affine_forward(&x, &Array2::zeros((3, 4)), &Array1::zeros(4)).unwrap();
    cache.x_shape = vec![2, 5];
    assert_eq!(
        affine_backward(&out, &cache).unwrap_err().to_string(),
        "shape mismatch in affine backward (the cache's x_shape must hold x flattened to (N, D)): \
         expected a shape (N, …) with N = 2 and 6 values, got [2, 5]"
    );
}

#[test]
fn a_non_finite_score_never_gives_a_finite_loss() {
    // The hinge skipped the NaN margin and returned 2; now the loss is NaN, which the solver
    // reads as divergence. check_scores names the position.
    let mut scores = Array2::<f64>::zeros((4, 3));
    scores[[3, 1]] = f64::NAN;
    let y = [0, 1, 2, 0];
    assert!(svm_loss(&scores, &y).unwrap().0.is_nan());
    assert!(softmax_loss(&scores, &y).unwrap().0.is_nan());
    assert_eq!(
        check_scores("svm loss", &scores).unwrap_err().to_string(),
        "svm loss: the score at (3, 1) is NaN: the scores must be finite numbers"
    );
    // −inf on a wrong class made a finite softmax loss (its probability is 0): NaN all the same.
    let mut scores = Array2::<f32>::zeros((2, 3));
    scores[[1, 2]] = f32::NEG_INFINITY;
    assert!(softmax_loss(&scores, &[0, 0]).unwrap().0.is_nan());
    assert!(svm_loss(&scores, &[0, 0]).unwrap().0.is_nan());
    assert_eq!(
        check_scores("softmax loss", &scores)
            .unwrap_err()
            .to_string(),
        "softmax loss: the score at (1, 2) is -inf: the scores must be finite numbers"
    );
    scores[[1, 2]] = f32::INFINITY;
    assert!(softmax_loss(&scores, &[0, 0]).unwrap().0.is_nan());
    assert_eq!(
        check_scores("softmax loss", &scores)
            .unwrap_err()
            .to_string(),
        "softmax loss: the score at (1, 2) is inf: the scores must be finite numbers"
    );
    assert_eq!(
        check_scores("softmax loss", &Array2::<f64>::zeros((2, 2))),
        Ok(())
    );
}

#[test]
fn spatial_batchnorm_refuses_empty_axes_and_keeps_its_running_statistics() {
    let mut bn = BatchNormParam::<f64>::new(2);
    bn.running_mean.fill(0.5);
    bn.running_var.fill(2.0);
    let x = Array4::<f64>::zeros((4, 2, 0, 0));
    let err =
        spatial_batchnorm_forward(&x, &Array1::ones(2), &Array1::zeros(2), &mut bn).unwrap_err();
    assert_eq!(
        err.to_string(),
        "spatial batch norm forward: x of shape (4, 2, 0, 0) has an empty axis (H = 0, W = 0): \
         every channel needs at least one value to take its mean and variance"
    );
    assert_eq!(bn.running_mean, array![0.5, 0.5]);
    assert_eq!(bn.running_var, array![2.0, 2.0]);
    let mut bn0 = BatchNormParam::<f64>::new(0);
    let err = spatial_batchnorm_forward(
        &Array4::zeros((4, 0, 3, 3)),
        &Array1::ones(0),
        &Array1::zeros(0),
        &mut bn0,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "spatial batch norm forward: x of shape (4, 0, 3, 3) has an empty axis (C = 0): \
         every channel needs at least one value to take its mean and variance"
    );
    // A hand-made cache with too few γ: an error, not an index out of bounds.
    let x = Rng::new(1).normal_array((2, 2, 3, 3), 1.0);
    let (out, mut cache) =
        spatial_batchnorm_forward(&x, &Array1::ones(2), &Array1::zeros(2), &mut bn).unwrap();
    cache.gamma = Array1::ones(1);
    assert_eq!(
        spatial_batchnorm_backward(&out, &cache).unwrap_err().to_string(),
        "shape mismatch in spatial batch norm backward (the cache's gamma, one value per channel): \
         expected (2,), got (1,)"
    );
}

#[cfg(target_pointer_width = "64")]
#[test]
fn a_hand_made_cache_with_an_empty_but_enormous_shape_is_refused() {
    // No bytes, but ndarray cannot make an array whose other sides multiply beyond isize::MAX.
    let cache = PoolFastCache {
        x_dim: (usize::MAX / 2, 0, 1, 2),
        out_dim: (1, 1, 1, 1),
        argmax: vec![0],
    };
    let err = max_pool_backward_fast(&Array4::<f64>::ones((1, 1, 1, 1)), &cache).unwrap_err();
    assert_eq!(
        err.to_string(),
        "dx of shape 9223372036854775807×0×1×2 cannot be made: its sides multiply beyond the largest array"
    );
}

#[test]
fn a_loss_with_no_classes_says_so() {
    // It used to read "label 0 at position 0 is out of range: there are 0 classes (0 to 0)".
    let err = softmax_loss(&Array2::<f64>::zeros((2, 0)), &[0, 0]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "softmax loss: the number of classes C (columns of scores) must be at least 1, got 0"
    );
    let err = svm_loss(&Array2::<f32>::zeros((1, 0)), &[0]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "svm loss: the number of classes C (columns of scores) must be at least 1, got 0"
    );
}

// ---------------------------------------------------------------- dropout

/// The kept count and the means of a train-mode dropout of 100 000 units around 10.
fn dropout_counts(p: f64, seed: u64) -> (usize, f64, f64) {
    let mut rng = Rng::new(100 + seed);
    let x: Array2<f64> = rng.normal_array((100, 1000), 1.0) + 10.0;
    let param = DropoutParam {
        p,
        mode: Mode::Train,
        seed,
    };
    let (out, cache) = dropout_forward(&x, param).unwrap();
    let mask = cache.mask.as_ref().expect("train mode keeps its mask");
    // Every unit is either dropped or kept and divided by p, as the mask says.
    for ((&o, &v), &keep) in out.iter().zip(&x).zip(mask) {
        assert_eq!(o, if keep { v / p } else { 0.0 });
    }
    let kept = mask.iter().filter(|&&k| k).count();
    (kept, out.mean().unwrap(), x.mean().unwrap())
}

#[test]
fn dropout_train_mode_keeps_a_fraction_p_and_keeps_the_mean() {
    // The counts are those of the seeded generator's stream (one uniform per unit, row-major).
    for (p, seed, expected_kept) in [
        (0.25, 1, 25176),
        (0.5, 2, 49978),
        (0.75, 3, 74966),
        (1.0, 4, 100_000),
    ] {
        let (kept, out_mean, x_mean) = dropout_counts(p, seed);
        assert_eq!(kept, expected_kept, "p = {p}, seed {seed}");
        // With the count fixed these follow; they are what inverted dropout is for.
        assert!(
            (kept as f64 / 1e5 - p).abs() < 0.005,
            "p = {p}: kept {kept}"
        );
        let drift = (out_mean - x_mean).abs() / x_mean;
        assert!(drift < 0.01, "p = {p}: mean {out_mean} against {x_mean}");
    }
}

#[test]
fn dropout_masks_follow_the_seed_alone() {
    let x: Array4<f64> = Rng::new(9).normal_array((2, 3, 4, 5), 1.0);
    let param = DropoutParam {
        p: 0.5,
        mode: Mode::Train,
        seed: 42,
    };
    let (_, a) = dropout_forward(&x, param).unwrap();
    let (_, b) = dropout_forward(&x, param).unwrap();
    assert_eq!(a, b);
    // The same mask in f32: it depends on the seed and the shape, not on the values.
    let (_, c) = dropout_forward(&x.mapv(|v| v as f32), param).unwrap();
    assert_eq!(a, c);
    let (_, d) = dropout_forward(&x, DropoutParam { seed: 43, ..param }).unwrap();
    assert_ne!(a.mask, d.mask);
}

#[test]
fn dropout_test_mode_is_the_identity() {
    let x: Array4<f64> = Rng::new(10).normal_array((2, 3, 4, 5), 1.0);
    let param = DropoutParam {
        p: 0.3,
        mode: Mode::Test,
        seed: 1,
    };
    let (out, cache) = dropout_forward(&x, param).unwrap();
    assert_eq!(out, x);
    assert_eq!(
        cache,
        DropoutCache {
            dim: x.raw_dim(),
            p: 0.3,
            mask: None
        }
    );
    let dout: Array4<f64> = Rng::new(11).normal_array((2, 3, 4, 5), 1.0);
    assert_eq!(dropout_backward(&dout, &cache).unwrap(), dout);
    // Even the identity checks the shape of dout.
    let err = dropout_backward(&Array4::<f64>::zeros((2, 3, 5, 4)), &cache).unwrap_err();
    assert_eq!(
        err.to_string(),
        "shape mismatch in dropout backward (dout must have the shape of the forward output): expected [2, 3, 4, 5], got [2, 3, 5, 4]"
    );
}

#[test]
fn dropout_backward_is_dout_times_the_mask_over_p() {
    let mut rng = Rng::new(12);
    let x: Array4<f64> = rng.normal_array((3, 2, 5, 4), 1.0);
    let dout: Array4<f64> = rng.normal_array((3, 2, 5, 4), 1.0);
    let p = 0.6;
    let param = DropoutParam {
        p,
        mode: Mode::Train,
        seed: 5,
    };
    let (_, cache) = dropout_forward(&x, param).unwrap();
    let dx = dropout_backward(&dout, &cache).unwrap();
    let mask = cache.mask.as_ref().unwrap();
    let expected = ndarray::Zip::from(&dout)
        .and(mask)
        .map_collect(|&g, &keep| g * if keep { 1.0 } else { 0.0 } / p);
    assert_eq!(dx, expected);
    // Some units of each kind, so both branches were compared.
    let kept = mask.iter().filter(|&&k| k).count();
    assert!(kept > 0 && kept < mask.len(), "kept {kept}");
}

#[test]
fn dropout_with_a_fixed_mask_matches_numerical_gradients() {
    let mut rng = Rng::new(13);
    // After an affine layer (N, D), and after a conv (N, C, H, W).
    let x: Array2<f64> = rng.normal_array((6, 7), 1.0);
    let mask = Array2::from_shape_fn((6, 7), |(i, j)| (i * 7 + j) % 3 != 0);
    let dout: Array2<f64> = rng.normal_array((6, 7), 1.0);
    let (_, cache) = dropout_forward_with_mask(&x, &mask, 0.7).unwrap();
    let dx = dropout_backward(&dout, &cache).unwrap();
    let num = numerical_gradient_array(
        |x| dropout_forward_with_mask(x, &mask, 0.7).unwrap().0,
        &x,
        &dout,
        DEFAULT_H,
    );
    let e = rel_error(&dx, &num);
    assert!(e < 1e-8, "(N, D): rel error {e}");

    let x: Array4<f64> = rng.normal_array((2, 3, 4, 4), 1.0);
    let param = DropoutParam {
        p: 0.4,
        mode: Mode::Train,
        seed: 8,
    };
    // The mask one seeded draw gave, then held fixed for the ±h steps.
    let (_, drawn) = dropout_forward(&x, param).unwrap();
    let mask = drawn.mask.clone().unwrap();
    let dout: Array4<f64> = rng.normal_array((2, 3, 4, 4), 1.0);
    let dx = dropout_backward(&dout, &drawn).unwrap();
    let num = numerical_gradient_array(
        |x| dropout_forward_with_mask(x, &mask, 0.4).unwrap().0,
        &x,
        &dout,
        DEFAULT_H,
    );
    let e = rel_error(&dx, &num);
    assert!(e < 1e-8, "(N, C, H, W): rel error {e}");
}

#[test]
fn dropout_refuses_a_keep_probability_outside_zero_to_one() {
    let x = Array2::<f64>::ones((2, 3));
    for p in [0.0, -0.5, 1.5, f64::NAN, f64::INFINITY] {
        for mode in [Mode::Train, Mode::Test] {
            let param = DropoutParam { p, mode, seed: 0 };
            let err = dropout_forward(&x, param).unwrap_err();
            assert!(
                matches!(&err, Error::InvalidHyperparameter { value, .. } if value.to_bits() == p.to_bits()),
                "p = {p}: {err}"
            );
        }
        let err = dropout_forward_with_mask(&x, &Array2::from_elem((2, 3), true), p).unwrap_err();
        assert!(matches!(err, Error::InvalidHyperparameter { .. }), "{err}");
    }
    let err = dropout_forward(
        &x,
        DropoutParam {
            p: 0.0,
            ..DropoutParam::default()
        },
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the dropout probability p = 0 is not allowed: p is the probability of keeping each unit, so it must be more than 0 and at most 1 (p = 1 keeps every unit; p = 0 would keep none)"
    );
}

#[test]
fn dropout_refuses_a_mask_or_dout_of_another_shape() {
    let x = Array2::<f64>::ones((2, 3));
    let err = dropout_forward_with_mask(&x, &Array2::from_elem((3, 2), true), 0.5).unwrap_err();
    assert_eq!(
        err.to_string(),
        "shape mismatch in dropout forward (the mask must have the shape of x): expected [2, 3], got [3, 2]"
    );
    let (_, cache) = dropout_forward(&x, DropoutParam::default()).unwrap();
    let err = dropout_backward(&Array2::<f64>::ones((2, 4)), &cache).unwrap_err();
    assert_eq!(
        err.to_string(),
        "shape mismatch in dropout backward (dout must have the shape of the forward output): expected [2, 3], got [2, 4]"
    );
    // A hand-made cache with an impossible p is refused too, not divided by.
    let cache = DropoutCache {
        dim: ndarray::Ix2(2, 3),
        p: 0.0,
        mask: Some(Array2::from_elem((2, 3), true)),
    };
    let err = dropout_backward(&Array2::<f64>::ones((2, 3)), &cache).unwrap_err();
    assert!(matches!(err, Error::InvalidHyperparameter { .. }), "{err}");
    // And one whose mask does not have its x's shape.
    let cache = DropoutCache {
        dim: ndarray::Ix2(2, 3),
        p: 0.5,
        mask: Some(Array2::from_elem((3, 2), true)),
    };
    let err = dropout_backward(&Array2::<f64>::ones((2, 3)), &cache).unwrap_err();
    assert_eq!(
        err.to_string(),
        "shape mismatch in dropout backward (the cache's mask must have the shape of x): expected [2, 3], got [3, 2]"
    );
}

// ---------------------------------------------------------------- He initialisation

#[test]
fn he_std_is_the_square_root_of_two_over_the_fan_in() {
    // fan_in = C·HH·WW for conv filters: 2·2·2 = 8 → 1/2; 8·3·3 = 72 → 1/6; 3·7·7 = 147.
    assert_eq!(he_std_conv(2, 2, 2).unwrap(), 0.5);
    assert_eq!(he_std_conv(8, 3, 3).unwrap(), (2.0_f64 / 72.0).sqrt());
    assert_eq!(he_std_conv(3, 7, 7).unwrap(), (2.0_f64 / 147.0).sqrt());
    assert_eq!(he_std_conv(1, 1, 1).unwrap(), 2.0_f64.sqrt());
    // fan_in = D for affine weights (D, M): 2 → 1, 8 → 1/2, the flattened 32×32×3 image → 3072.
    assert_eq!(he_std_affine(2).unwrap(), 1.0);
    assert_eq!(he_std_affine(8).unwrap(), 0.5);
    assert_eq!(he_std_affine(3072).unwrap(), (2.0_f64 / 3072.0).sqrt());
    assert_eq!(
        he_std_conv(3, 0, 3).unwrap_err().to_string(),
        "the fan-in C·HH·WW of a conv filter must be at least 1, got 0"
    );
    assert_eq!(
        he_std_affine(0).unwrap_err().to_string(),
        "the fan-in D of an affine layer must be at least 1, got 0"
    );
}

/// The sample mean and standard deviation of an array's values.
fn mean_std<'a>(values: impl Iterator<Item = &'a f64> + Clone) -> (f64, f64) {
    let n = values.clone().count() as f64;
    let mean = values.clone().sum::<f64>() / n;
    let var = values.map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}

#[test]
fn he_weights_are_drawn_with_the_he_std_for_a_fixed_seed() {
    // 64 filters 3×3 on 16 channels: fan_in 144, std sqrt(2/144) = 0.11785…; 9216 draws.
    let w = he_conv_weights::<f64>((64, 16, 3, 3), &mut Rng::new(21)).unwrap();
    // The draw is the generator's normal stream, scaled, in row-major order.
    let again: Array4<f64> = Rng::new(21).normal_array((64, 16, 3, 3), (2.0_f64 / 144.0).sqrt());
    assert_eq!(w, again);
    let (mean, std) = mean_std(w.iter());
    // For this seed, to four places: the sample mean, and the sample std over the He std.
    let ratio = std / (2.0_f64 / 144.0).sqrt();
    assert_eq!(format!("{mean:.4} {ratio:.4}"), "0.0004 1.0012");
    // An affine layer from the flattened 16×8×8 maps to 100 hidden units: fan_in 1024.
    let w = he_affine_weights::<f64>((1024, 100), &mut Rng::new(22)).unwrap();
    assert_eq!(w.dim(), (1024, 100));
    let (mean, std) = mean_std(w.iter());
    let ratio = std / (2.0_f64 / 1024.0).sqrt();
    assert_eq!(format!("{mean:.4} {ratio:.4}"), "0.0002 0.9961");
}

#[test]
fn he_weights_refuse_empty_and_oversized_layers() {
    let mut rng = Rng::new(0);
    assert_eq!(
        he_conv_weights::<f32>((0, 3, 3, 3), &mut rng)
            .unwrap_err()
            .to_string(),
        "the number of filters F must be at least 1, got 0"
    );
    assert_eq!(
        he_affine_weights::<f32>((10, 0), &mut rng)
            .unwrap_err()
            .to_string(),
        "the number of outputs M of an affine layer must be at least 1, got 0"
    );
    assert_eq!(
        he_affine_weights::<f32>((1 << 20, 1 << 20), &mut rng)
            .unwrap_err()
            .to_string(),
        "the affine weights (1048576×1048576 values) would need 4 TiB; the engine's limit is 1 GiB"
    );
}

#[test]
fn he_initialisation_keeps_the_signal_through_ten_affine_relu_layers() {
    // What He initialisation is for: the mean square of the activations stays near the input's
    // through ten affine–ReLU layers of 256 units, where the page's fixed scale 0.03 shrinks it
    // by 0.03²·256/2 ≈ 0.115 per layer.
    let mut rng = Rng::new(23);
    let x: Array2<f64> = rng.normal_array((64, 256), 1.0);
    let mean_square = |a: &Array2<f64>| a.mapv(|v| v * v).mean().unwrap();
    let b = Array1::<f64>::zeros(256);
    let mut he = x.clone();
    let mut fixed = x.clone();
    for _ in 0..10 {
        let w = he_affine_weights::<f64>((256, 256), &mut rng).unwrap();
        he = relu_forward(&affine_forward(&he.into_dyn(), &w, &b).unwrap().0).0;
        let w: Array2<f64> = rng.normal_array((256, 256), 0.03);
        fixed = relu_forward(&affine_forward(&fixed.into_dyn(), &w, &b).unwrap().0).0;
    }
    // After a ReLU the mean square is half the pre-activation variance: 1/2 of the input's.
    let (he_ms, fixed_ms) = (mean_square(&he), mean_square(&fixed));
    assert!((0.25..1.0).contains(&he_ms), "He: {he_ms}");
    assert!(fixed_ms < 1e-8, "fixed 0.03: {fixed_ms}");
}

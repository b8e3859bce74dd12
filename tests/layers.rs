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

//! ThreeLayerConvNet: the course's sanity checks, gradient checks, input validation, and the
//! model file (export → import, and every kind of bad file).

use cnn_playground::gradient_check::{numerical_gradient, rel_error, DEFAULT_H};
use cnn_playground::layers::Mode;
use cnn_playground::models::file::crc32;
use cnn_playground::models::{
    ConvNetConfig, Init, Loss, Params, Sequential, SequentialConfig, ThreeLayerConvNet,
};
use cnn_playground::optim::{sgd, Sgd};
use cnn_playground::rng::Rng;
use cnn_playground::Error;
use ndarray::{s, Array, Array4, Dimension, ShapeBuilder};

fn labels(n: usize, classes: usize, rng: &mut Rng) -> Vec<usize> {
    (0..n).map(|_| rng.below(classes)).collect()
}

/// The sum of squares of W1, W2 and W3.
fn weight_norm(p: &Params<f64>) -> f64 {
    [
        p.w1.view().into_dyn(),
        p.w2.view().into_dyn(),
        p.w3.view().into_dyn(),
    ]
    .iter()
    .map(|w| w.iter().map(|v| v * v).sum::<f64>())
    .sum()
}

#[test]
fn initial_loss_is_ln_10_and_grows_with_reg() {
    // The course's sanity check: the default net, 50 random images, random labels.
    let mut rng = Rng::new(231);
    let x: Array4<f64> = rng.normal_array((50, 3, 32, 32), 1.0);
    let y = labels(50, 10, &mut rng);
    let mut net = ThreeLayerConvNet::<f64>::new(ConvNetConfig::default()).unwrap();
    let (loss, _) = net.loss(&x, &y).unwrap();
    assert!(
        (loss - 10f64.ln()).abs() < 0.05,
        "initial loss {loss}, expected about ln 10 = 2.3026"
    );

    net.set_reg(0.5).unwrap();
    let (loss_reg, _) = net.loss(&x, &y).unwrap();
    // Same weights, same data: the difference is exactly the regularization term 0.5·reg·ΣW².
    let expected = 0.5 * 0.5 * weight_norm(net.params());
    assert!(
        expected > 0.1,
        "W² sum {expected}: the check would be too weak"
    );
    assert!(
        ((loss_reg - loss) - expected).abs() < 1e-12 * loss_reg,
        "{loss_reg} − {loss} ≠ {expected}"
    );
}

fn small_config(batchnorm: bool, reg: f64) -> ConvNetConfig {
    // The course's gradient-check net: 2 inputs of 3×16×16, 3 filters of 3×3, hidden 7. With weight
    // scale 0.1 and these seeds every ReLU input and pool runner-up is over 3e-4 from its kink.
    ConvNetConfig {
        input_dim: (3, 16, 16),
        num_filters: 3,
        filter_size: 3,
        hidden_dim: 7,
        num_classes: 10,
        weight_scale: 0.1,
        reg,
        batchnorm,
        seed: 2,
    }
}

/// The smallest distance of any ReLU input from 0, and of any pool window's maximum from its
/// runner-up (only where that maximum is positive: a window of ReLU zeros passes no gradient).
fn distances_to_kinks(net: &ThreeLayerConvNet<f64>, x: &Array4<f64>) -> (f64, f64) {
    let a = net.activations(x, Mode::Train).unwrap();
    let relu1_in = a.batchnorm.as_ref().unwrap_or(&a.conv);
    let relu = relu1_in
        .iter()
        .chain(a.affine1.iter())
        .fold(f64::INFINITY, |m, v| m.min(v.abs()));
    let (n, f, h, w) = a.relu1.dim();
    let mut pool = f64::INFINITY;
    for img in 0..n {
        for ch in 0..f {
            for i in (0..h).step_by(2) {
                for j in (0..w).step_by(2) {
                    let mut win: Vec<f64> = a
                        .relu1
                        .slice(s![img, ch, i..i + 2, j..j + 2])
                        .iter()
                        .copied()
                        .collect();
                    win.sort_by(|p, q| q.total_cmp(p));
                    if win[0] > 0.0 {
                        pool = pool.min(win[0] - win[1]);
                    }
                }
            }
        }
    }
    (relu, pool)
}

/// The numerical gradient of the loss with respect to the array `pick` selects.
fn numeric<D: Dimension>(
    net: &ThreeLayerConvNet<f64>,
    x: &Array4<f64>,
    y: &[usize],
    pick: impl Fn(&mut Params<f64>) -> &mut Array<f64, D>,
) -> Array<f64, D> {
    let mut params = net.params().clone();
    let at = pick(&mut params).clone();
    numerical_gradient(
        |v| {
            let mut net = net.clone();
            let mut p = params.clone();
            *pick(&mut p) = v.clone();
            net.set_params(p).unwrap();
            net.loss(x, y).unwrap().0
        },
        &at,
        DEFAULT_H,
    )
}

fn check_gradients(batchnorm: bool, reg: f64) {
    let net = ThreeLayerConvNet::<f64>::new(small_config(batchnorm, reg)).unwrap();
    let x: Array4<f64> = Rng::new(102).normal_array((2, 3, 16, 16), 1.0);
    let y = [3, 8];

    // A finite difference of h across a kink measures the kink, not the code: make sure none is near.
    let (relu, pool) = distances_to_kinks(&net, &x);
    assert!(
        relu > 1e-4,
        "a ReLU input is {relu:e} from 0: pick another seed"
    );
    assert!(
        pool > 1e-4,
        "a pool window's top two values are {pool:e} apart: pick another seed"
    );

    let (_, grads) = net.clone().loss(&x, &y).unwrap();
    let db1 = numeric(&net, &x, &y, |p| &mut p.b1);
    if batchnorm {
        // Batch norm subtracts each channel's mean, so b1 cannot change the loss: its gradient is 0
        // (up to rounding), and a relative error between two roundings would mean nothing.
        let largest = |a: &ndarray::Array1<f64>| a.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        assert!(
            largest(&grads.b1) < 1e-12,
            "db1 = {:?}, expected 0",
            grads.b1
        );
        assert!(largest(&db1) < 1e-9, "numerical db1 = {db1:?}, expected 0");
    } else {
        let err = rel_error(&db1, &grads.b1);
        assert!(err < 1e-5, "b1 (reg {reg}): relative error {err:e}");
    }
    let checks = [
        (
            "W1",
            rel_error(&numeric(&net, &x, &y, |p| &mut p.w1), &grads.w1),
        ),
        (
            "W2",
            rel_error(&numeric(&net, &x, &y, |p| &mut p.w2), &grads.w2),
        ),
        (
            "b2",
            rel_error(&numeric(&net, &x, &y, |p| &mut p.b2), &grads.b2),
        ),
        (
            "W3",
            rel_error(&numeric(&net, &x, &y, |p| &mut p.w3), &grads.w3),
        ),
        (
            "b3",
            rel_error(&numeric(&net, &x, &y, |p| &mut p.b3), &grads.b3),
        ),
    ];
    for (name, err) in checks {
        assert!(
            err < 1e-5,
            "{name} (batchnorm {batchnorm}, reg {reg}): relative error {err:e}"
        );
    }
    if batchnorm {
        let dgamma = numeric(&net, &x, &y, |p| &mut p.bn.as_mut().unwrap().gamma);
        let dbeta = numeric(&net, &x, &y, |p| &mut p.bn.as_mut().unwrap().beta);
        let (eg, eb) = (
            rel_error(&dgamma, grads.gamma.as_ref().unwrap()),
            rel_error(&dbeta, grads.beta.as_ref().unwrap()),
        );
        assert!(eg < 1e-5, "gamma: relative error {eg:e}");
        assert!(eb < 1e-5, "beta: relative error {eb:e}");
    } else {
        assert!(grads.gamma.is_none() && grads.beta.is_none());
    }
}

#[test]
fn gradients_match_numerical_gradients() {
    check_gradients(false, 0.0);
}

#[test]
fn gradients_with_regularization_match() {
    check_gradients(false, 0.7);
}

#[test]
fn gradients_with_batchnorm_match() {
    check_gradients(true, 0.0);
}

fn tiny_config() -> ConvNetConfig {
    ConvNetConfig {
        input_dim: (2, 8, 6),
        num_filters: 4,
        filter_size: 3,
        hidden_dim: 5,
        num_classes: 3,
        weight_scale: 0.1,
        ..ConvNetConfig::default()
    }
}

#[test]
fn shapes_follow_the_architecture() {
    let net = ThreeLayerConvNet::<f64>::new(ConvNetConfig::default()).unwrap();
    let p = net.params();
    assert_eq!(p.w1.dim(), (32, 3, 7, 7));
    assert_eq!(p.b1.dim(), 32);
    assert_eq!(p.w2.dim(), (32 * 16 * 16, 100));
    assert_eq!(p.b2.dim(), 100);
    assert_eq!(p.w3.dim(), (100, 10));
    assert_eq!(p.b3.dim(), 10);
    assert!(p.bn.is_none());
    assert_eq!(
        net.num_parameters(),
        32 * 3 * 49 + 32 + 8192 * 100 + 100 + 1000 + 10
    );
    assert!(p.b1.iter().chain(&p.b2).chain(&p.b3).all(|&b| b == 0.0));
    // weight_scale is the standard deviation of the weights.
    let std = (p.w2.iter().map(|v| v * v).sum::<f64>() / p.w2.len() as f64).sqrt();
    assert!((std - 1e-3).abs() < 1e-5, "W2 standard deviation {std}");

    let bn = ThreeLayerConvNet::<f32>::new(ConvNetConfig {
        batchnorm: true,
        ..tiny_config()
    })
    .unwrap();
    let b = bn.params().bn.as_ref().unwrap();
    assert_eq!(b.gamma.to_vec(), vec![1.0; 4]);
    assert_eq!(b.beta.to_vec(), vec![0.0; 4]);
    // 8×6 keeps its size through a 3×3 conv with pad 1, then pools to 4×3.
    assert_eq!(bn.params().w2.dim(), (4 * 4 * 3, 5));

    let x: Array4<f32> = Rng::new(1).normal_array((7, 2, 8, 6), 1.0);
    let a = bn.activations(&x, Mode::Test).unwrap();
    assert_eq!(a.conv.dim(), (7, 4, 8, 6));
    assert_eq!(a.batchnorm.as_ref().unwrap().dim(), (7, 4, 8, 6));
    assert_eq!(a.relu1.dim(), (7, 4, 8, 6));
    assert_eq!(a.pool.dim(), (7, 4, 4, 3));
    assert_eq!(a.affine1.dim(), (7, 5));
    assert_eq!(a.relu2.dim(), (7, 5));
    assert_eq!(a.scores, bn.scores(&x).unwrap());
}

#[test]
fn the_same_seed_gives_the_same_net() {
    let a = ThreeLayerConvNet::<f64>::new(tiny_config()).unwrap();
    let b = ThreeLayerConvNet::<f64>::new(tiny_config()).unwrap();
    let c = ThreeLayerConvNet::<f64>::new(ConvNetConfig {
        seed: 1,
        ..tiny_config()
    })
    .unwrap();
    assert_eq!(a, b);
    assert_ne!(a.params().w1, c.params().w1);
}

#[test]
fn predictions_and_probabilities() {
    let net = ThreeLayerConvNet::<f64>::new(tiny_config()).unwrap();
    let x: Array4<f64> = Rng::new(2).normal_array((6, 2, 8, 6), 1.0);
    let scores = net.scores(&x).unwrap();
    let probs = net.probabilities(&x).unwrap();
    let predicted = net.predict(&x).unwrap();
    assert_eq!(scores.dim(), (6, 3));
    for (i, row) in probs.rows().into_iter().enumerate() {
        assert!((row.sum() - 1.0).abs() < 1e-12);
        let s = scores.row(i);
        // softmax: p_j / p_0 = e^(s_j − s_0)
        assert!((row[1] / row[0] - (s[1] - s[0]).exp()).abs() < 1e-12);
        let best = (0..3).fold(0, |b, j| if s[j] > s[b] { j } else { b });
        assert_eq!(predicted[i], best);
    }
}

#[test]
fn bad_input_is_refused_with_the_offending_values() {
    let mut net = ThreeLayerConvNet::<f64>::new(tiny_config()).unwrap();
    let x: Array4<f64> = Array4::zeros((2, 2, 8, 6));
    let err = net.loss(&Array4::zeros((2, 3, 8, 6)), &[0, 1]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "shape mismatch in ThreeLayerConvNet input x (N, C, H, W): expected (N, 2, 8, 6), got (2, 3, 8, 6)"
    );
    assert!(matches!(
        net.scores(&Array4::zeros((2, 2, 8, 8))),
        Err(Error::ShapeMismatch { .. })
    ));
    assert_eq!(
        net.loss(&Array4::zeros((0, 2, 8, 6)), &[]).unwrap_err(),
        Error::EmptyBatch {
            context: "ThreeLayerConvNet".into()
        }
    );
    assert_eq!(
        net.loss(&x, &[0, 3]).unwrap_err(),
        Error::LabelOutOfRange {
            label: 3,
            index: 1,
            classes: 3
        }
    );
    assert_eq!(
        net.loss(&x, &[0]).unwrap_err().to_string(),
        "shape mismatch in ThreeLayerConvNet labels y (one per image of x): expected 2 labels, got 1 labels"
    );
    assert!(matches!(
        net.set_reg(f64::NAN),
        Err(Error::InvalidHyperparameter { .. })
    ));
    assert_eq!(
        net.set_class_names(vec!["cat".into()])
            .unwrap_err()
            .to_string(),
        "1 class names given for a net with 3 classes"
    );
    net.set_class_names(vec!["circle".into(), "square".into(), "cross".into()])
        .unwrap();
    assert_eq!(net.class_names(), ["circle", "square", "cross"]);
}

#[test]
fn bad_configurations_are_refused() {
    let new = |c: ConvNetConfig| ThreeLayerConvNet::<f32>::new(c).unwrap_err().to_string();
    assert_eq!(
        new(ConvNetConfig {
            num_filters: 0,
            ..tiny_config()
        }),
        "the number of filters F must be at least 1, got 0"
    );
    assert_eq!(
        new(ConvNetConfig {
            input_dim: (0, 8, 6),
            ..tiny_config()
        }),
        "the input channels C must be at least 1, got 0"
    );
    assert_eq!(
        new(ConvNetConfig {
            num_classes: 1,
            ..tiny_config()
        }),
        "num_classes = 1: a classifier needs at least 2 classes"
    );
    assert_eq!(
        new(ConvNetConfig { input_dim: (2, 7, 6), ..tiny_config() }),
        "the conv output is 7×6 (height × width), which 2×2 max pooling with stride 2 cannot halve: use an even \
         image height and width, and an odd filter size"
    );
    assert_eq!(
        new(ConvNetConfig {
            weight_scale: f64::NAN,
            ..tiny_config()
        }),
        "weight_scale = NaN is not allowed: it must be a finite number ≥ 0"
    );
    assert_eq!(
        new(ConvNetConfig {
            reg: -1.0,
            ..tiny_config()
        }),
        "reg = -1 is not allowed: it must be a finite number ≥ 0"
    );
    assert!(new(ConvNetConfig {
        hidden_dim: 1 << 40,
        ..tiny_config()
    })
    .starts_with("this net would have more than 50000000"));
}

#[test]
fn set_params_checks_shapes_and_keeps_the_net_on_error() {
    let mut net = ThreeLayerConvNet::<f64>::new(tiny_config()).unwrap();
    let before = net.clone();
    let mut p = net.params().clone();
    p.w2 = ndarray::Array2::zeros((47, 5));
    assert_eq!(
        net.set_params(p).unwrap_err().to_string(),
        "shape mismatch in parameter W2: expected [48, 5], got [47, 5]"
    );
    let mut p = net.params().clone();
    p.bn = ThreeLayerConvNet::<f64>::new(ConvNetConfig {
        batchnorm: true,
        ..tiny_config()
    })
    .unwrap()
    .params()
    .bn
    .clone();
    assert!(net
        .set_params(p)
        .unwrap_err()
        .to_string()
        .starts_with("the net has no spatial batch norm but the parameters include gamma"));
    assert_eq!(net, before);
    // A transposed (column-major) array is accepted and stored row-major.
    let mut p = net.params().clone();
    let mut column_major = ndarray::Array2::zeros(p.w3.dim().f());
    column_major.assign(&p.w3);
    p.w3 = column_major;
    assert!(!p.w3.is_standard_layout());
    net.set_params(p).unwrap();
    assert!(net.params().w3.is_standard_layout());
    assert_eq!(net, before);
}

/// A small f32 net with batch norm whose running statistics have moved, and named classes.
fn trained_bn_net() -> (ThreeLayerConvNet<f32>, Array4<f32>) {
    let mut net = ThreeLayerConvNet::<f32>::new(ConvNetConfig {
        batchnorm: true,
        reg: 0.25,
        seed: 9,
        ..tiny_config()
    })
    .unwrap();
    net.set_class_names(vec!["circle".into(), "square".into(), "triangle △".into()])
        .unwrap();
    let mut rng = Rng::new(4);
    let x: Array4<f32> = rng.normal_array((8, 2, 8, 6), 1.0);
    let y = labels(8, 3, &mut rng);
    for _ in 0..3 {
        let (_, grads) = net.loss(&x, &y).unwrap();
        let mut p = net.params().clone();
        let config = Sgd { learning_rate: 0.1 };
        sgd(
            p.w1.as_slice_mut().unwrap(),
            grads.w1.as_slice().unwrap(),
            &config,
        )
        .unwrap();
        sgd(
            p.w3.as_slice_mut().unwrap(),
            grads.w3.as_slice().unwrap(),
            &config,
        )
        .unwrap();
        net.set_params(p).unwrap();
    }
    assert!(net
        .params()
        .bn
        .as_ref()
        .unwrap()
        .running_var
        .iter()
        .all(|&v| v > 0.0));
    (net, x)
}

#[test]
fn export_then_import_gives_bit_identical_predictions() {
    let (net, x) = trained_bn_net();
    let bytes = net.to_bytes();
    let loaded = ThreeLayerConvNet::<f32>::from_bytes(&bytes).unwrap();
    assert_eq!(
        loaded, net,
        "config, class names, weights and running statistics all come back"
    );
    let (a, b) = (net.scores(&x).unwrap(), loaded.scores(&x).unwrap());
    assert!(
        a.iter().zip(&b).all(|(p, q)| p.to_bits() == q.to_bits()),
        "{a} vs {b}"
    );
    assert_eq!(loaded.to_bytes(), bytes);

    let plain = ThreeLayerConvNet::<f32>::new(ConvNetConfig::default()).unwrap();
    let loaded = ThreeLayerConvNet::<f32>::from_bytes(&plain.to_bytes()).unwrap();
    assert_eq!(loaded, plain);
    // Header 69 bytes, ten one-letter class names, 6 arrays with rank and dims, 4 bytes per value, checksum.
    let header = 69 + 10 * 5 + (4 + 16) + (4 + 4) + (4 + 8) + (4 + 4) + (4 + 8) + (4 + 4);
    assert_eq!(
        plain.to_bytes().len(),
        header + 4 * plain.num_parameters() + 4
    );
}

#[test]
fn an_f64_net_comes_back_rounded_to_f32() {
    let net = ThreeLayerConvNet::<f64>::new(tiny_config()).unwrap();
    let loaded = ThreeLayerConvNet::<f64>::from_bytes(&net.to_bytes()).unwrap();
    let rounded = net.params().w2.mapv(|v| v as f32 as f64);
    assert_eq!(loaded.params().w2, rounded);
    assert_ne!(loaded.params().w2, net.params().w2);
}

#[track_caller]
fn refused(bytes: &[u8]) -> String {
    match ThreeLayerConvNet::<f32>::from_bytes(bytes) {
        Err(Error::ModelFile(message)) => message.to_string(),
        Err(other) => panic!("expected Error::ModelFile, got {other:?}"),
        Ok(_) => panic!("a malformed file was accepted"),
    }
}

/// Writes a little-endian u32 at `offset` (see the layout table in `models::file`).
fn patch_u32(bytes: &mut [u8], offset: usize, v: u32) {
    bytes[offset..offset + 4].copy_from_slice(&v.to_le_bytes());
}

#[test]
fn each_kind_of_bad_file_is_refused_with_its_own_message() {
    let (net, _) = trained_bn_net();
    let good = net.to_bytes();

    assert_eq!(refused(&[]), "the file is empty");
    assert_eq!(
        refused(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
        "this is not a cnn-playground model file (it does not start with the bytes \"CNNMODEL\")"
    );
    assert_eq!(refused(b"{\"weights\": []}"), refused(b"\x89PNG\r\n\x1a\n"));

    let mut v3 = good.clone();
    patch_u32(&mut v3, 8, 3);
    assert_eq!(
        refused(&v3),
        "the file has format version 3, but this playground reads only versions 1 and 2 (it was written by a \
         newer version of the playground)"
    );
    let mut v0 = good.clone();
    patch_u32(&mut v0, 8, 0);
    assert_eq!(
        refused(&v0),
        "the file has format version 0, but this playground reads only versions 1 and 2 (it is older than \
         any version this playground knows)"
    );

    let mut arch = good.clone();
    patch_u32(&mut arch, 12, 7);
    assert_eq!(
        refused(&arch),
        "the file holds architecture 7, but this playground knows only the three-layer convnet (architecture 1)"
    );

    // Every cut, from inside the magic bytes to inside the checksum, is reported as a truncation.
    for len in 1..good.len() {
        let message = refused(&good[..len]);
        assert!(
            message.starts_with(&format!(
                "the file is truncated: it ends after {len} bytes, in the middle of "
            )),
            "cut at {len}: {message}"
        );
    }
    assert_eq!(
        refused(&good[..200]),
        "the file is truncated: it ends after 200 bytes, in the middle of the array W1 (was the download cut short?)"
    );

    // Declaring 5 filters where the arrays hold 4.
    let mut shapes = good.clone();
    patch_u32(&mut shapes, 28, 5);
    assert_eq!(
        refused(&shapes),
        "W1 has shape [4, 2, 3, 3] in the file, but the architecture it declares (8×6×2 input, K = 5 filters of 3×3×2, \
         hidden 5, 3 classes, with batch norm) needs [5, 2, 3, 3]"
    );

    let mut unusable = good.clone();
    patch_u32(&mut unusable, 40, 1);
    assert_eq!(
        refused(&unusable),
        "the architecture it declares is unusable: num_classes = 1: a classifier needs at least 2 classes"
    );

    let mut flag = good.clone();
    flag[44] = 7;
    assert_eq!(
        refused(&flag),
        "the batch norm flag is 7; it must be 0 or 1"
    );

    let mut name = good.clone();
    name[69 + 4] = 0xFF; // the first byte of the first class name
    assert_eq!(
        refused(&name),
        "the name of class 0 is not valid UTF-8 text"
    );

    let mut trailing = good.clone();
    trailing.extend_from_slice(b"abc");
    assert_eq!(
        refused(&trailing),
        format!(
            "the file has 3 unexpected bytes after the end of the model (which ends at byte {})",
            good.len()
        )
    );

    let mut flipped = good.clone();
    let middle = good.len() / 2;
    flipped[middle] ^= 0x10;
    let message = refused(&flipped);
    assert!(
        message.starts_with("the file is corrupted: its checksum is "),
        "{message}"
    );

    let mut broken = net.clone();
    let mut p = broken.params().clone();
    p.w2[[3, 1]] = f32::NAN;
    broken.set_params(p).unwrap();
    assert_eq!(
        refused(&broken.to_bytes()),
        "W2 holds a NaN or infinite value (at position 16): the model was saved from a broken run"
    );

    // The messages reach the user with the error's own prefix.
    assert_eq!(
        ThreeLayerConvNet::<f32>::from_bytes(&[])
            .unwrap_err()
            .to_string(),
        "cannot load the model: the file is empty"
    );
}

#[test]
fn a_weight_scale_that_overflows_once_drawn_is_refused() {
    // 3e38 is a finite f32, but 3e38 · z overflows for |z| > 1.13: some weight would be infinite.
    let config = ConvNetConfig {
        weight_scale: 3e38,
        ..tiny_config()
    };
    let err = ThreeLayerConvNet::<f32>::new(config.clone()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "weight_scale = 3e38 is not allowed: weight_scale · N(0, 1) overflows the net's 32-bit \
         numbers (the largest is 3.4e38), so some initial weights would be infinite: use a small \
         value such as 1e-2"
    );
    // In f64 the same scale gives finite weights.
    assert!(ThreeLayerConvNet::<f64>::new(config).is_ok());
}

/// A file of format version 1, written once by `examples/model_v1_fixture.rs` before version 2
/// existed (see there for the net). The tests only read it.
const MODEL_V1: &[u8] = include_bytes!("data/model-v1.bin");

#[test]
fn the_committed_version_1_file_still_loads() {
    assert_eq!(MODEL_V1.len(), 1629);
    assert_eq!(&MODEL_V1[..12], b"CNNMODEL\x01\x00\x00\x00");
    let net = ThreeLayerConvNet::<f32>::from_bytes(MODEL_V1).unwrap();
    assert_eq!(
        net.config(),
        &ConvNetConfig {
            input_dim: (2, 8, 6),
            num_filters: 4,
            filter_size: 3,
            hidden_dim: 5,
            num_classes: 3,
            weight_scale: 0.1,
            reg: 0.25,
            batchnorm: true,
            seed: 9,
        }
    );
    assert_eq!(net.class_names(), ["circle", "square", "triangle △"]);
    // Values recorded when the file was written, bit for bit.
    let p = net.params();
    let bn = p.bn.as_ref().unwrap();
    let bits = [
        p.w1[[0, 0, 0, 0]].to_bits(),
        p.w2[[7, 3]].to_bits(),
        p.w3[[4, 2]].to_bits(),
        bn.running_var[1].to_bits(),
        bn.running_mean[2].to_bits(),
    ];
    assert_eq!(
        bits,
        [0xbc50e48e, 0xbd9372e0, 0x3cdcbfcd, 0x3d0863e5, 0x3b034d43]
    );
    let x: Array4<f32> = Rng::new(11).normal_array((4, 2, 8, 6), 1.0);
    assert_eq!(net.predict(&x).unwrap(), [2, 0, 2, 2]);
    let scores = net.scores(&x).unwrap();
    assert_eq!(
        [scores[[0, 0]].to_bits(), scores[[3, 2]].to_bits()],
        [0xbd9e8638, 0x3d0b8e65]
    );
    // The three-layer net is still written as version 1: the same bytes come back.
    assert_eq!(net.to_bytes(), MODEL_V1);
}

/// A designed network trained a few SGD steps, so that its weights and biases are all learned.
fn trained_sequential() -> (Sequential<f32>, Array4<f32>) {
    let network = "8x6x2: conv3x3-4 pad1, relu, pool2, conv3x3-3 pad1, relu, fc5, relu, fc3"
        .parse()
        .unwrap();
    let config = SequentialConfig {
        init: Init::Scale(0.1),
        reg: 0.25,
        seed: 3,
        ..SequentialConfig::new(network, 3)
    };
    let mut model = Sequential::<f32>::new(config).unwrap();
    let mut rng = Rng::new(4);
    let x: Array4<f32> = rng.normal_array((8, 2, 8, 6), 1.0);
    let y = labels(8, 3, &mut rng);
    for _ in 0..3 {
        let (_, table) = model.loss(&x, &y).unwrap();
        let updates: Vec<_> = table
            .entries()
            .iter()
            .map(|p| (p.name.clone(), &p.value - &(&p.grad * 0.1)))
            .collect();
        for (name, value) in updates {
            model.set_param(&name, value).unwrap();
        }
    }
    assert!(model
        .params()
        .entries()
        .iter()
        .all(|p| p.value.iter().any(|&v| v != 0.0)));
    model
        .set_class_names(vec!["circle".into(), "square".into(), "triangle".into()])
        .unwrap();
    (model, x)
}

#[test]
fn a_designed_network_with_batch_norm_dropout_and_the_svm_loss_comes_back_the_same() {
    let network = "8x6x2: conv3x3-4 pad1, bn, relu, avgpool2, dropout0.5, fc5, relu, fc3"
        .parse()
        .unwrap();
    let config = SequentialConfig {
        loss: Loss::Svm,
        seed: 7,
        ..SequentialConfig::new(network, 3)
    };
    assert_eq!(config.init, Init::He);
    let mut model = Sequential::<f32>::new(config).unwrap();
    let mut rng = Rng::new(8);
    let x: Array4<f32> = rng.normal_array((6, 2, 8, 6), 1.0);
    let y = labels(6, 3, &mut rng);
    // Two training passes move batch norm's running statistics away from (0, 1).
    for _ in 0..2 {
        model.loss(&x, &y).unwrap();
    }
    let bytes = model.to_bytes();
    let loaded = Sequential::<f32>::from_bytes(&bytes).unwrap();
    assert_eq!(loaded.config(), model.config());
    let names: Vec<String> = loaded
        .params()
        .entries()
        .iter()
        .map(|p| p.name.clone())
        .collect();
    assert_eq!(
        names,
        ["W1", "b1", "gamma1", "beta1", "W2", "b2", "W3", "b3"]
    );
    let stats = |m: &Sequential<f32>| -> Vec<Vec<f32>> {
        m.running_stats()
            .into_iter()
            .flat_map(|(mean, var)| [mean.to_vec(), var.to_vec()])
            .collect()
    };
    assert_eq!(stats(&loaded), stats(&model));
    assert!(stats(&model)[0].iter().any(|&m| m != 0.0));
    // Test-time scores use the running statistics and no dropout: the same, bit for bit.
    let (a, b) = (model.scores(&x).unwrap(), loaded.scores(&x).unwrap());
    assert!(
        a.iter().zip(&b).all(|(p, q)| p.to_bits() == q.to_bits()),
        "{a} vs {b}"
    );
    assert_eq!(loaded.to_bytes(), bytes);
    // The loss and initialisation codes follow the number of classes.
    assert_eq!(&bytes[16..22], [3, 0, 0, 0, 1, 0]);
}

#[track_caller]
fn refused_sequential(bytes: &[u8]) -> String {
    match Sequential::<f32>::from_bytes(bytes) {
        Err(Error::ModelFile(message)) => message.to_string(),
        Err(other) => panic!("expected Error::ModelFile, got {other:?}"),
        Ok(_) => panic!("a malformed file was accepted"),
    }
}

#[test]
fn a_designed_network_comes_back_with_the_same_scores() {
    let (model, x) = trained_sequential();
    let bytes = model.to_bytes();
    assert_eq!(&bytes[..16], b"CNNMODEL\x02\x00\x00\x00\x02\x00\x00\x00");
    let loaded = Sequential::<f32>::from_bytes(&bytes).unwrap();
    assert_eq!(loaded.config(), model.config());
    assert_eq!(loaded.class_names(), ["circle", "square", "triangle"]);
    let names = |m: &Sequential<f32>| -> Vec<String> {
        m.params()
            .entries()
            .iter()
            .map(|p| p.name.clone())
            .collect()
    };
    assert_eq!(
        names(&loaded),
        ["W1", "b1", "W2", "b2", "W3", "b3", "W4", "b4"]
    );
    for (a, b) in loaded
        .params()
        .entries()
        .iter()
        .zip(model.params().entries())
    {
        assert_eq!(a.value, b.value, "{}", a.name);
        assert!(a.grad.iter().all(|&g| g == 0.0), "{}", a.name);
    }
    let (a, b) = (model.scores(&x).unwrap(), loaded.scores(&x).unwrap());
    assert!(
        a.iter().zip(&b).all(|(p, q)| p.to_bits() == q.to_bits()),
        "{a} vs {b}"
    );
    assert_eq!(loaded.predict(&x).unwrap(), model.predict(&x).unwrap());
    assert_eq!(loaded.to_bytes(), bytes);
    // Header 50 bytes, the text, the class names (4 + 6, 4 + 6, 4 + 8 bytes), the count, per
    // entry its name, rank, dims and values, checksum.
    let text = model.config().network.to_string();
    let entries: usize = model
        .params()
        .entries()
        .iter()
        .map(|p| 4 + p.name.len() + 4 + 4 * p.value.ndim())
        .sum();
    assert_eq!(
        bytes.len(),
        50 + text.len() + 32 + 4 + entries + 4 * model.params().num_values() + 4
    );

    // An f64 model comes back rounded to f32.
    let config = model.config().clone();
    let wide = Sequential::<f64>::new(config).unwrap();
    let loaded = Sequential::<f64>::from_bytes(&wide.to_bytes()).unwrap();
    let w2 = wide.params().value("W2").unwrap();
    assert_eq!(
        loaded.params().value("W2").unwrap(),
        w2.mapv(|v| v as f32 as f64)
    );
}

#[test]
fn each_kind_of_bad_designed_network_file_is_refused_with_its_own_message() {
    let (model, _) = trained_sequential();
    let good = model.to_bytes();
    let text = model.config().network.to_string();
    // Rebuilds the file with another text (and the same parameters), sealed with its checksum.
    let with_text = |new: &str| -> Vec<u8> {
        let mut bytes = good[..46].to_vec();
        bytes.extend_from_slice(&(new.len() as u32).to_le_bytes());
        bytes.extend_from_slice(new.as_bytes());
        bytes.extend_from_slice(&good[50 + text.len()..good.len() - 4]);
        let crc = crc32(&bytes);
        bytes.extend_from_slice(&crc.to_le_bytes());
        bytes
    };
    assert_eq!(
        Sequential::<f32>::from_bytes(&with_text(&text))
            .unwrap()
            .to_bytes(),
        good
    );

    assert_eq!(
        refused_sequential(&with_text("8x6x2: conv3x3-4 pad1, relu, pool2, conv3x3-3 pad1, relu, fc5, relu, fc3 nope")),
        "the network text cannot be read: layer 8: cannot read the layer \"fc3 nope\": fc takes no settings, got \"nope\""
    );
    assert_eq!(
        refused_sequential(&with_text("8x6x2 conv3x3-4")),
        "the network text cannot be read: cannot read the network \"8x6x2 conv3x3-4\": it starts with the input \
         and a colon, e.g. \"32x32x3: conv3x3-16 pad1, relu, pool2, fc5\""
    );
    assert_eq!(
        refused_sequential(&with_text("8x6x2: conv3x3-4 pad1, relu, pool3, conv3x3-3 pad1, relu, fc5, relu, fc3")),
        "the network it declares does not fit: layer 3 (pool3) on its input 8×6×4: height: (8 − 3 + 2·0)/3 + 1 = 2.67 \
         is not a whole number: try stride 1"
    );
    // One more filter in the first conv: W1 in the file is too small for it.
    assert_eq!(
        refused_sequential(&with_text("8x6x2: conv3x3-5 pad1, relu, pool2, conv3x3-3 pad1, relu, fc5, relu, fc3")),
        "W1 has shape [4, 2, 3, 3] in the file, but layer 1 (conv3x3-5 pad1) of the network it declares needs [5, 2, 3, 3]"
    );
    assert_eq!(
        refused_sequential(&with_text("8x6x2: conv3x3-4 pad1, relu, pool2, fc5, relu, fc3")),
        "the file holds 8 parameter arrays, but the network it declares has 6 (W1, b1, W2, b2, W3, b3)"
    );
    assert_eq!(
        refused_sequential(&with_text(
            "8x6x2: conv3x3-4 pad1, relu, pool2, conv3x3-3 pad1, relu, fc5, relu, fc4"
        )),
        "the network it declares is unusable: layer 8 (fc4) is the last layer, whose outputs are \
         the class scores: it must be fc3, one score for each of the 3 classes"
    );
    let mut bad_utf8 = with_text(&text);
    bad_utf8[50] = 0xFF;
    let crc = crc32(&bad_utf8[..bad_utf8.len() - 4]);
    let end = bad_utf8.len() - 4;
    bad_utf8[end..].copy_from_slice(&crc.to_le_bytes());
    assert_eq!(
        refused_sequential(&bad_utf8),
        "the network text is not valid UTF-8 text"
    );

    // A parameter renamed: b1 called c1.
    let at = 50 + text.len() + 32 + 4 + 4 + 2 + 4 + 16 + 4 * 72 + 4;
    assert_eq!(&good[at..at + 2], b"b1");
    let mut renamed = good.clone();
    renamed[at] = b'c';
    let end = renamed.len() - 4;
    let crc = crc32(&renamed[..end]);
    renamed[end..].copy_from_slice(&crc.to_le_bytes());
    assert_eq!(
        refused_sequential(&renamed),
        "parameter 2 is named \"c1\" in the file, but the network it declares has b1 there (for layer 1 (conv3x3-4 pad1))"
    );

    // The classes must be the last layer's outputs.
    let mut classes = good.clone();
    patch_u32(&mut classes, 16, 4);
    let end = classes.len() - 4;
    let crc = crc32(&classes[..end]);
    classes[end..].copy_from_slice(&crc.to_le_bytes());
    assert_eq!(
        refused_sequential(&classes),
        "the network it declares is unusable: layer 8 (fc3) is the last layer, whose outputs \
         are the class scores: it must be fc4, one score for each of the 4 classes"
    );

    let mut truncated_at = good.clone();
    truncated_at.truncate(60);
    assert_eq!(
        refused_sequential(&truncated_at),
        "the file is truncated: it ends after 60 bytes, in the middle of the network text (was the download cut short?)"
    );

    // The two kinds of file are not confused.
    assert_eq!(
        refused_sequential(MODEL_V1),
        "the file holds the assignment's three-layer convnet (format version 1), not a network designed in \
         the table: load it as the three-layer convnet"
    );
    assert_eq!(
        refused(&good),
        "the file holds a network designed in the table (format version 2), not the assignment's three-layer \
         convnet: load it as a designed network"
    );

    let mut broken = model.clone();
    let mut w3 = broken.params().value("W3").unwrap().clone();
    w3[[2, 4]] = f32::INFINITY;
    broken.set_param("W3", w3).unwrap();
    assert_eq!(
        refused_sequential(&broken.to_bytes()),
        "W3 holds a NaN or infinite value (at position 14): the model was saved from a broken run"
    );
}

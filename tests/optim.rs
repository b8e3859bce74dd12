//! The update rules against hand-computed steps and against the assignment's check values.
//!
//! Hand-computed examples: every step's arithmetic is written out in the comments; the literals are
//! the f64 results of that arithmetic, reproduced with Python floats (IEEE doubles) by loops that
//! transcribe the formulas, e.g. `for dw in dws: v = 0.9*v - 0.1*dw; w = w + v; print(repr(w))`.

use cnn_playground::optim::{
    adam, rmsprop, sgd, sgd_momentum, Adam, AdamState, Optimizer, RmsProp, Sgd, SgdMomentum, State,
};
use cnn_playground::Error;

/// Each element within 1e-15 of the expected value, relatively.
#[track_caller]
fn assert_close(got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len());
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= 1e-15 * w.abs(),
            "element {i}: got {g:e}, expected {w:e} (difference {:e})",
            g - w
        );
    }
}

#[test]
fn defaults_are_the_course_defaults() {
    assert_eq!(
        Sgd::default(),
        Sgd {
            learning_rate: 1e-2
        }
    );
    assert_eq!(
        SgdMomentum::default(),
        SgdMomentum {
            learning_rate: 1e-2,
            momentum: 0.9
        }
    );
    assert_eq!(
        RmsProp::default(),
        RmsProp {
            learning_rate: 1e-2,
            decay_rate: 0.99,
            epsilon: 1e-8
        }
    );
    assert_eq!(
        Adam::default(),
        Adam {
            learning_rate: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8
        }
    );
    assert_eq!(Optimizer::default(), Optimizer::Sgd(Sgd::default()));
}

#[test]
fn sgd_three_steps_by_hand() {
    let config = Sgd { learning_rate: 0.1 };
    let mut w = [1.0, -0.5];
    // w − 0.1·dw with dw = [0.5, −1]: [1 − 0.05, −0.5 + 0.1] = [0.95, −0.4]
    sgd(&mut w, &[0.5, -1.0], &config).unwrap();
    assert_close(&w, &[0.95, -0.4]);
    // dw = [1, 2]: [0.95 − 0.1, −0.4 − 0.2] = [0.85, −0.6]
    sgd(&mut w, &[1.0, 2.0], &config).unwrap();
    assert_close(&w, &[0.85, -0.6]);
    // dw = [−0.5, 0]: [0.85 + 0.05, −0.6] = [0.9, −0.6]
    sgd(&mut w, &[-0.5, 0.0], &config).unwrap();
    assert_close(&w, &[0.9, -0.6]);
}

#[test]
fn sgd_momentum_three_steps_by_hand() {
    let config = SgdMomentum {
        learning_rate: 0.1,
        momentum: 0.9,
    };
    let mut w = [1.0, -0.5];
    let mut v = [0.0, 0.0];
    // v = 0.9·0 − 0.1·[1, 0.25] = [−0.1, −0.025]; w + v = [0.9, −0.525]
    sgd_momentum(&mut w, &[1.0, 0.25], &config, &mut v).unwrap();
    assert_close(&v, &[-0.1, -0.025]);
    assert_close(&w, &[0.9, -0.525]);
    // v = 0.9·[−0.1, −0.025] − 0.1·[1, −0.5] = [−0.09 − 0.1, −0.0225 + 0.05] = [−0.19, 0.0275];
    // w = [0.9 − 0.19, −0.525 + 0.0275] = [0.71, −0.4975]
    sgd_momentum(&mut w, &[1.0, -0.5], &config, &mut v).unwrap();
    assert_close(&v, &[-0.19, 0.0275]);
    assert_close(&w, &[0.71, -0.4975]);
    // v = 0.9·[−0.19, 0.0275] − 0.1·[−2, 0.5] = [−0.171 + 0.2, 0.02475 − 0.05] = [0.029, −0.02525];
    // w = [0.71 + 0.029, −0.4975 − 0.02525] = [0.739, −0.52275]
    sgd_momentum(&mut w, &[-2.0, 0.5], &config, &mut v).unwrap();
    assert_close(&v, &[0.029, -0.02525]);
    assert_close(&w, &[0.739, -0.52275]);
}

#[test]
fn rmsprop_three_steps_by_hand() {
    let config = RmsProp::default(); // lr 1e-2, decay 0.99, eps 1e-8
    let mut w = [1.0, -0.5];
    let mut cache = [0.0, 0.0];
    // dw = [2, −1]: cache = 0.99·0 + 0.01·[4, 1] = [0.04, 0.01];
    // w = [1 − 0.01·2/(0.2 + 1e-8), −0.5 + 0.01/(0.1 + 1e-8)] = [1 − 0.0999999950, −0.5 + 0.0999999900]
    rmsprop(&mut w, &[2.0, -1.0], &config, &mut cache).unwrap();
    assert_close(&cache, &[0.04, 0.01]);
    assert_close(&w, &[0.9000000049999998, -0.4000000099999991]);
    // dw = [1, 0]: cache = [0.99·0.04 + 0.01·1, 0.99·0.01] = [0.0496, 0.0099];
    // w = [0.900000005 − 0.01/(√0.0496 + 1e-8), unchanged] = [0.900000005 − 0.0449013235, −0.40000001]
    rmsprop(&mut w, &[1.0, 0.0], &config, &mut cache).unwrap();
    assert_close(&cache, &[0.0496, 0.0099]);
    assert_close(&w, &[0.855098681509435, -0.4000000099999991]);
    // dw = [−4, 0.5]: cache = [0.99·0.0496 + 0.01·16, 0.99·0.0099 + 0.01·0.25] = [0.209104, 0.012301];
    // w = [0.8550986815 + 0.04/(√0.209104 + 1e-8), −0.40000001 − 0.005/(√0.012301 + 1e-8)]
    //   = [0.8550986815 + 0.0874739648, −0.40000001 − 0.0450816451]
    rmsprop(&mut w, &[-4.0, 0.5], &config, &mut cache).unwrap();
    assert_close(&cache, &[0.209104, 0.012301]);
    assert_close(&w, &[0.9425726462975211, -0.44508165511854186]);
}

#[test]
fn adam_three_steps_by_hand_with_bias_correction() {
    let config = Adam::default(); // lr 1e-3, β1 0.9, β2 0.999, eps 1e-8
    let mut w = [1.0, -0.5];
    let mut s = AdamState::new(2);
    // t = 1, dw = [1, −2]: m = 0.1·dw = [0.1, −0.2], mt = m/(1 − 0.9) = [1, −2];
    // v = 0.001·dw² = [0.001, 0.004], vt = v/(1 − 0.999) = [1, 4];
    // w = [1 − 1e-3·1/(1 + 1e-8), −0.5 + 1e-3·2/(2 + 1e-8)] = [0.99900000001, −0.499000000005].
    // Without the correction the step would be 1e-3·0.1/√0.001 ≈ 3.2e-3, not ≈ 1e-3.
    adam(&mut w, &[1.0, -2.0], &config, &mut s).unwrap();
    assert_eq!(s.t, 1);
    assert_close(&s.m, &[0.09999999999999998, -0.19999999999999996]);
    assert_close(&s.v, &[0.0010000000000000009, 0.0040000000000000036]);
    assert_close(&w, &[0.99900000001, -0.499000000005]);
    // t = 2, dw = [1, 0]: m = [0.09 + 0.1, −0.18] = [0.19, −0.18], mt = m/(1 − 0.81) = [1, −0.9473684211];
    // v = [0.999·0.001 + 0.001, 0.999·0.004] = [0.001999, 0.003996], vt = v/(1 − 0.998001) = [1, 1.9989994997];
    // w = [0.99900000001 − 1e-3/(1 + 1e-8), −0.499000000005 + 1e-3·0.9473684211/(1.4138595049 + 1e-8)]
    adam(&mut w, &[1.0, 0.0], &config, &mut s).unwrap();
    assert_eq!(s.t, 2);
    assert_close(&s.m, &[0.18999999999999995, -0.17999999999999997]);
    assert_close(&s.v, &[0.0019990000000000016, 0.003996000000000004]);
    assert_close(&w, &[0.99800000002, -0.4983299417556027]);
    // t = 3, dw = [−2, 4]: m = [0.171 − 0.2, −0.162 + 0.4] = [−0.029, 0.238],
    // mt = m/(1 − 0.729) = [−0.1070110701, 0.8782287823];
    // v = [0.999·0.001999 + 0.001·4, 0.999·0.003996 + 0.001·16] = [0.005997001, 0.019992004],
    // vt = v/(1 − 0.997002999) = [2.0010006670, 6.6706697796];
    // w = [0.99800000002 + 1e-3·0.1070110701/(1.4145673107 + 1e-8),
    //      −0.4983299418 − 1e-3·0.8782287823/(2.5827639802 + 1e-8)]
    adam(&mut w, &[-2.0, 4.0], &config, &mut s).unwrap();
    assert_eq!(s.t, 3);
    assert_close(&s.m, &[-0.028999999999999998, 0.23799999999999993]);
    assert_close(&s.v, &[0.005997001000000005, 0.019992004000000018]);
    assert_close(&w, &[0.9980756493502219, -0.4986699762246751]);
}

#[test]
fn the_enum_dispatches_to_the_same_rules() {
    let dws = [[1.0, -2.0], [1.0, 0.0], [-2.0, 4.0]];
    let rules = [
        Optimizer::Sgd(Sgd::default()),
        Optimizer::SgdMomentum(SgdMomentum::default()),
        Optimizer::RmsProp(RmsProp::default()),
        Optimizer::Adam(Adam::default()),
    ];
    for opt in rules {
        let mut w = [1.0, -0.5];
        let mut state = opt.state::<f64>(2);
        let mut direct = [1.0, -0.5];
        let (mut v, mut cache, mut s) = ([0.0; 2], [0.0; 2], AdamState::new(2));
        for dw in &dws {
            opt.update(&mut w, dw, &mut state).unwrap();
            match &opt {
                Optimizer::Sgd(c) => sgd(&mut direct, dw, c).unwrap(),
                Optimizer::SgdMomentum(c) => sgd_momentum(&mut direct, dw, c, &mut v).unwrap(),
                Optimizer::RmsProp(c) => rmsprop(&mut direct, dw, c, &mut cache).unwrap(),
                Optimizer::Adam(c) => adam(&mut direct, dw, c, &mut s).unwrap(),
            }
        }
        assert_eq!(w, direct, "{}", opt.name());
    }
}

#[test]
fn f32_follows_the_f64_result() {
    let opt = Optimizer::Adam(Adam::default());
    let mut w = [1.0_f32, -0.5];
    let mut state = opt.state::<f32>(2);
    for dw in [[1.0_f32, -2.0], [1.0, 0.0], [-2.0, 4.0]] {
        opt.update(&mut w, &dw, &mut state).unwrap();
    }
    assert!((w[0] as f64 - 0.9980756493502219).abs() < 1e-6);
    assert!((w[1] as f64 + 0.4986699762246751).abs() < 1e-6);
}

fn linspace(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| lo + (hi - lo) * i as f64 / (n - 1) as f64)
        .collect()
}

/// The assignment prints its expected arrays to 8 decimals; each value must round to it.
#[track_caller]
fn assert_matches_printed(got: &[f64], printed: &[f64]) {
    for (i, (&g, &p)) in got.iter().zip(printed).enumerate() {
        assert!(
            (g - p).abs() <= 5.000001e-9,
            "element {i}: got {g}, the assignment prints {p}"
        );
    }
}

// The checks of the assignment's FullyConnectedNets notebook: N, D = 4, 5;
// w = np.linspace(-0.4, 0.6, num=N*D).reshape(N, D); dw = np.linspace(-0.6, 0.4, num=N*D).reshape(N, D).
// Its expected arrays are regenerated (to the printed 8 decimals) by, for momentum,
//   v = np.linspace(0.6, 0.9, num=N*D); v = 0.9*v - 1e-3*dw; print(np.round(w + v, 8))
// and likewise for the other rules.

#[test]
fn sgd_momentum_matches_the_assignment_check() {
    let mut w = linspace(-0.4, 0.6, 20);
    let dw = linspace(-0.6, 0.4, 20);
    let mut v = linspace(0.6, 0.9, 20);
    let config = SgdMomentum {
        learning_rate: 1e-3,
        ..SgdMomentum::default()
    };
    sgd_momentum(&mut w, &dw, &config, &mut v).unwrap();
    #[rustfmt::skip]
    let expected_next_w = [
        0.1406, 0.20738947, 0.27417895, 0.34096842, 0.40775789,
        0.47454737, 0.54133684, 0.60812632, 0.67491579, 0.74170526,
        0.80849474, 0.87528421, 0.94207368, 1.00886316, 1.07565263,
        1.14244211, 1.20923158, 1.27602105, 1.34281053, 1.4096,
    ];
    #[rustfmt::skip]
    let expected_velocity = [
        0.5406, 0.55475789, 0.56891579, 0.58307368, 0.59723158,
        0.61138947, 0.62554737, 0.63970526, 0.65386316, 0.66802105,
        0.68217895, 0.69633684, 0.71049474, 0.72465263, 0.73881053,
        0.75296842, 0.76712632, 0.78128421, 0.79544211, 0.8096,
    ];
    assert_matches_printed(&w, &expected_next_w);
    assert_matches_printed(&v, &expected_velocity);
}

#[test]
fn rmsprop_matches_the_assignment_check() {
    let mut w = linspace(-0.4, 0.6, 20);
    let dw = linspace(-0.6, 0.4, 20);
    let mut cache = linspace(0.6, 0.9, 20);
    rmsprop(&mut w, &dw, &RmsProp::default(), &mut cache).unwrap();
    #[rustfmt::skip]
    let expected_next_w = [
        -0.39223849, -0.34037513, -0.28849239, -0.23659121, -0.18467247,
        -0.132737, -0.08078555, -0.02881884, 0.02316247, 0.07515774,
        0.12716641, 0.17918792, 0.23122175, 0.28326742, 0.33532447,
        0.38739248, 0.43947102, 0.49155973, 0.54365823, 0.59576619,
    ];
    #[rustfmt::skip]
    let expected_cache = [
        0.5976, 0.6126277, 0.6277108, 0.64284931, 0.65804321,
        0.67329252, 0.68859723, 0.70395734, 0.71937285, 0.73484377,
        0.75037008, 0.7659518, 0.78158892, 0.79728144, 0.81302936,
        0.82883269, 0.84469141, 0.86060554, 0.87657507, 0.8926,
    ];
    assert_matches_printed(&w, &expected_next_w);
    assert_matches_printed(&cache, &expected_cache);
}

#[test]
fn adam_matches_the_assignment_check() {
    let mut w = linspace(-0.4, 0.6, 20);
    let dw = linspace(-0.6, 0.4, 20);
    let mut s = AdamState {
        m: linspace(0.6, 0.9, 20),
        v: linspace(0.7, 0.5, 20),
        t: 5,
    };
    let config = Adam {
        learning_rate: 1e-2,
        ..Adam::default()
    };
    adam(&mut w, &dw, &config, &mut s).unwrap();
    assert_eq!(s.t, 6);
    #[rustfmt::skip]
    let expected_next_w = [
        -0.40094747, -0.34836187, -0.29577703, -0.24319299, -0.19060977,
        -0.1380274, -0.08544591, -0.03286534, 0.01971428, 0.0722929,
        0.1248705, 0.17744702, 0.23002243, 0.28259667, 0.33516969,
        0.38774145, 0.44031188, 0.49288093, 0.54544852, 0.59801459,
    ];
    #[rustfmt::skip]
    let expected_v = [
        0.69966, 0.68908382, 0.67851319, 0.66794809, 0.65738853,
        0.64683452, 0.63628604, 0.6257431, 0.61520571, 0.60467385,
        0.59414753, 0.58362676, 0.57311152, 0.56260183, 0.55209767,
        0.54159906, 0.53110598, 0.52061845, 0.51013645, 0.49966,
    ];
    #[rustfmt::skip]
    let expected_m = [
        0.48, 0.49947368, 0.51894737, 0.53842105, 0.55789474,
        0.57736842, 0.59684211, 0.61631579, 0.63578947, 0.65526316,
        0.67473684, 0.69421053, 0.71368421, 0.73315789, 0.75263158,
        0.77210526, 0.79157895, 0.81105263, 0.83052632, 0.85,
    ];
    assert_matches_printed(&w, &expected_next_w);
    assert_matches_printed(&s.v, &expected_v);
    assert_matches_printed(&s.m, &expected_m);
}

#[track_caller]
fn assert_refused(opt: Optimizer, name: &str, value: f64) {
    let mut w = [1.0_f64];
    let mut state = opt.state(1);
    let err = opt.update(&mut w, &[1.0], &mut state).unwrap_err();
    match &err {
        Error::InvalidHyperparameter {
            name: n, value: v, ..
        } => {
            assert_eq!(n, name);
            assert!(
                v.to_bits() == value.to_bits(),
                "{v} reported instead of {value}"
            );
        }
        other => panic!("expected InvalidHyperparameter for {name}, got {other:?}"),
    }
    assert_eq!(w, [1.0], "a refused update must leave w alone");
    assert_eq!(opt.validate().unwrap_err().to_string(), err.to_string());
}

#[test]
fn bad_hyperparameters_are_refused() {
    assert_refused(
        Optimizer::Sgd(Sgd {
            learning_rate: f64::NAN,
        }),
        "learning_rate",
        f64::NAN,
    );
    assert_refused(
        Optimizer::Sgd(Sgd {
            learning_rate: -0.1,
        }),
        "learning_rate",
        -0.1,
    );
    assert_refused(
        Optimizer::Sgd(Sgd {
            learning_rate: f64::INFINITY,
        }),
        "learning_rate",
        f64::INFINITY,
    );
    let m = SgdMomentum::default();
    assert_refused(
        Optimizer::SgdMomentum(SgdMomentum { momentum: 1.0, ..m }),
        "momentum",
        1.0,
    );
    assert_refused(
        Optimizer::SgdMomentum(SgdMomentum {
            momentum: -0.5,
            ..m
        }),
        "momentum",
        -0.5,
    );
    let r = RmsProp::default();
    assert_refused(
        Optimizer::RmsProp(RmsProp {
            decay_rate: 1.0,
            ..r
        }),
        "decay_rate",
        1.0,
    );
    assert_refused(
        Optimizer::RmsProp(RmsProp {
            decay_rate: f64::NAN,
            ..r
        }),
        "decay_rate",
        f64::NAN,
    );
    assert_refused(
        Optimizer::RmsProp(RmsProp { epsilon: 0.0, ..r }),
        "epsilon",
        0.0,
    );
    let a = Adam::default();
    assert_refused(Optimizer::Adam(Adam { beta1: 1.5, ..a }), "beta1", 1.5);
    assert_refused(Optimizer::Adam(Adam { beta2: 1.0, ..a }), "beta2", 1.0);
    assert_refused(
        Optimizer::Adam(Adam {
            learning_rate: -1e-3,
            ..a
        }),
        "learning_rate",
        -1e-3,
    );
    assert_refused(
        Optimizer::Adam(Adam {
            epsilon: f64::NAN,
            ..a
        }),
        "epsilon",
        f64::NAN,
    );

    let err = Optimizer::Adam(Adam { beta2: 1.0, ..a })
        .validate()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "beta2 = 1 is not allowed: it must be at least 0 and below 1 (typical values are 0.9 to 0.999)"
    );
}

#[test]
fn mismatched_lengths_and_states_are_refused() {
    let opt = Optimizer::SgdMomentum(SgdMomentum::default());
    let mut w = [1.0_f64, 2.0];
    let mut state = opt.state(2);
    assert!(matches!(
        opt.update(&mut w, &[1.0], &mut state),
        Err(Error::ShapeMismatch { .. })
    ));
    let mut short = opt.state(1);
    assert!(matches!(
        opt.update(&mut w, &[1.0, 1.0], &mut short),
        Err(Error::ShapeMismatch { .. })
    ));
    let mut wrong: State<f64> = Optimizer::Adam(Adam::default()).state(2);
    assert_eq!(
        opt.update(&mut w, &[1.0, 1.0], &mut wrong).unwrap_err().to_string(),
        "the optimizer is sgd_momentum but the state was made for adam: make the state with the same optimizer"
    );
    assert_eq!(w, [1.0, 2.0]);
}

#[test]
fn learning_rate_can_be_read_and_decayed() {
    let mut opt = Optimizer::RmsProp(RmsProp::default());
    assert_eq!(opt.learning_rate(), 1e-2);
    opt.set_learning_rate(opt.learning_rate() * 0.5);
    assert_eq!(
        opt,
        Optimizer::RmsProp(RmsProp {
            learning_rate: 5e-3,
            ..RmsProp::default()
        })
    );
}

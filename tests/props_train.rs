//! Property tests of the entries a user reaches through the Train panel, a link or a library
//! call: the net's configuration, the trainer's settings, datasets from the user's RGBA images,
//! the figures generator and the solver. Random and absurd arguments (sizes of 0 and `usize::MAX`,
//! NaN, infinities, 1e308, negative numbers) never panic; every `Ok` has the documented shapes.
//!
//! Sizes are drawn from lists that mix small working values with absurd ones, so a case either
//! fails fast or builds something small: the suite stays within a few seconds.

use cnn_playground::data::{
    figures, rgba_to_example, ClassExamples, Dataset, FiguresConfig, RgbaImage,
};
use cnn_playground::models::{ConvNetConfig, Loss, ThreeLayerConvNet, MAX_PARAMETERS};
use cnn_playground::optim::{Adam, Optimizer, RmsProp, Sgd, SgdMomentum};
use cnn_playground::rng::Rng;
use cnn_playground::solver::{Solver, SolverConfig, TrainingData};
use cnn_playground::trainer::{
    DataSettings, DataSources, DatasetKind, RunSettings, Trainer, UpdateRule, WeightInit,
};
use cnn_playground::Error;
use ndarray::Array4;
use proptest::prelude::*;
use proptest::sample::select;

/// Mostly `valid` (nine cases in ten), otherwise one of `absurd`: so that a case with a dozen
/// settings is accepted often enough for its `Ok` shapes to be checked too.
fn mostly<T: Clone + std::fmt::Debug + 'static>(valid: Vec<T>, absurd: Vec<T>) -> BoxedStrategy<T> {
    prop_oneof![9 => select(valid), 1 => select(absurd)].boxed()
}

fn good_floats(valid: Vec<f64>) -> BoxedStrategy<f64> {
    mostly(
        valid,
        vec![
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            1e308,
            3e38,
            -1.0,
        ],
    )
}

/// Runs `property` on `cases` values of `strategy` and returns how many it accepted (returned
/// `Ok(true)` for): a property whose `Ok` branch never ran would check nothing.
fn accepted<S: Strategy>(
    cases: u32,
    strategy: S,
    property: impl Fn(S::Value) -> Result<bool, TestCaseError>,
) -> usize {
    let count = std::cell::Cell::new(0);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases,
        failure_persistence: None,
        // The same cases on every run: a test that passes passes again.
        rng_seed: proptest::test_runner::RngSeed::Fixed(231),
        ..ProptestConfig::default()
    });
    let result = runner.run(&strategy, |value| {
        if property(value)? {
            count.set(count.get() + 1);
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    count.get()
}

/// Errors are for people: never an empty message.
fn readable(e: &Error) -> bool {
    !e.to_string().is_empty()
}

#[test]
fn a_net_from_any_configuration() {
    let small = || {
        mostly(
            vec![1usize, 2, 3, 4, 8],
            vec![0, 1 << 28, 1 << 31, usize::MAX],
        )
    };
    let strategy = (
        (small(), small(), small(), small()),
        (small(), small(), small()),
        (good_floats(vec![1e-2, 1.0]), good_floats(vec![0.0, 1e-3])),
        (any::<bool>(), any::<u64>()),
    );
    let ok = accepted(
        400,
        strategy,
        |((c, h, w, f), (k, hidden, classes), (weight_scale, reg), (batchnorm, seed))| {
            let config = ConvNetConfig {
                input_dim: (c, h, w),
                num_filters: f,
                filter_size: k,
                hidden_dim: hidden,
                num_classes: classes,
                weight_scale,
                reg,
                batchnorm,
                seed,
            };
            let net = match ThreeLayerConvNet::<f32>::new(config.clone()) {
                Err(e) => {
                    prop_assert!(readable(&e));
                    return Ok(false);
                }
                Ok(net) => net,
            };
            // Every array has the shape tensor_shapes documents.
            let shapes = config.tensor_shapes().unwrap();
            let tensors = net.params().tensors();
            prop_assert_eq!(tensors.len(), shapes.len());
            for ((name, t), (want_name, want)) in tensors.iter().zip(&shapes) {
                prop_assert_eq!(name, want_name);
                prop_assert_eq!(t.shape(), want.as_slice());
            }
            prop_assert!(net.num_parameters() <= MAX_PARAMETERS);
            prop_assert_eq!(net.class_names().len(), classes);
            prop_assert!(net.params().w1.iter().all(|v| v.is_finite()));
            // A small net scores one image as (1, classes).
            if net.num_parameters() < 100_000 && c * h * w <= 1024 {
                let x = Array4::<f32>::zeros((1, c, h, w));
                prop_assert_eq!(net.scores(&x).unwrap().dim(), (1, classes));
            }
            Ok(true)
        },
    );
    assert!(ok >= 10, "only {ok} configurations were accepted");
}

#[test]
fn a_trainer_from_any_settings() {
    let strategy = (
        (
            select(vec![
                DatasetKind::Figures,
                DatasetKind::Digits,
                DatasetKind::Own,
            ]),
            mostly(
                vec![8usize, 16],
                vec![0, 1, 7, 129, 257, 1 << 31, usize::MAX],
            ),
            mostly(
                vec![1usize, 2, 12],
                vec![0, 20_001, usize::MAX / 2, usize::MAX],
            ),
            mostly(vec![1usize, 5], vec![0, 20_001, usize::MAX]),
            any::<u64>(),
        ),
        (
            mostly(vec![1usize, 2, 4], vec![0, 300, usize::MAX]),
            mostly(vec![1usize, 3, 5], vec![0, 2, 17, usize::MAX]),
            mostly(vec![1usize, 8], vec![0, 1 << 30, usize::MAX]),
            any::<bool>(),
        ),
        (
            good_floats(vec![1e-2, 3e-2, 1e20]),
            good_floats(vec![0.0, 1e-3]),
            good_floats(vec![1e-3, 1e6]),
            good_floats(vec![1.0, 0.95, 0.0]),
        ),
        (
            select(vec![
                UpdateRule::Sgd,
                UpdateRule::SgdMomentum,
                UpdateRule::Rmsprop,
                UpdateRule::Adam,
            ]),
            mostly(vec![1usize, 7], vec![0, usize::MAX]),
            mostly(vec![1usize, 2], vec![0, usize::MAX]),
        ),
    );
    let own = [
        ClassExamples {
            name: "a".into(),
            images: vec![solid(3, 5, 200); 3],
        },
        ClassExamples {
            name: "b".into(),
            images: vec![solid(9, 2, 20); 2],
        },
    ];
    let ok = accepted(
        300,
        strategy,
        |(
            (kind, size, n_train, n_val, seed),
            (num_filters, filter_size, hidden_dim, batchnorm),
            (weight_scale, reg, learning_rate, lr_decay),
            (update_rule, batch_size, num_epochs),
        )| {
            let data = DataSettings {
                dataset: kind,
                size,
                n_train,
                n_val,
                seed,
            };
            let run = RunSettings {
                network: String::new(),
                init: WeightInit::Scale,
                loss: Loss::Softmax,
                num_filters,
                filter_size,
                hidden_dim,
                batchnorm,
                weight_scale,
                reg,
                update_rule,
                learning_rate,
                lr_decay,
                batch_size,
                num_epochs,
                seed,
            };
            let sources = DataSources {
                own: &own,
                digits_file: None,
            };
            let mut t = match Trainer::new(&data, sources, &run) {
                Err(e) => {
                    prop_assert!(readable(&e));
                    return Ok(false);
                }
                Ok(t) => t,
            };
            let s = t.summary().unwrap();
            let (train, val) = t.datasets();
            prop_assert_eq!(s.n_train, train.len());
            prop_assert_eq!(s.n_val, val.len());
            let (c, h, w) = train.image_shape();
            prop_assert_eq!(s.image_shape, [c, h, w]);
            prop_assert_eq!((h, w), (size, size));
            prop_assert_eq!(s.batch_size, batch_size.min(train.len()));
            prop_assert_eq!(s.layers[0].output.c, num_filters);
            prop_assert_eq!(
                t.data_bytes(),
                (train.len() + val.len()) * (c * h * w * 4 + 8)
            );
            let p = t.step(3).unwrap();
            prop_assert!(p.iteration <= 3);
            prop_assert_eq!(p.losses.len(), p.iteration);
            prop_assert!(p.losses.iter().all(|l| l.is_finite()));
            prop_assert_eq!(p.finished || p.diverged.is_some(), p.iteration < 3);
            Ok(true)
        },
    );
    assert!(ok >= 20, "only {ok} trainers were made");
}

#[test]
fn images_and_datasets_of_your_own() {
    let long: &'static str = "x".repeat(100_000).leak();
    let strategy = (
        mostly(vec![1usize, 3, 8], vec![0, 4096, 4097, usize::MAX]),
        mostly(vec![1usize, 2, 8], vec![0, 4097, usize::MAX]),
        mostly(vec![0i64], vec![-1, 1]),
        mostly(vec![1usize, 3], vec![0, 2, 4]),
        mostly(vec![1usize, 5], vec![0, 256, 257, usize::MAX]),
        (
            mostly(vec![2usize, 3], vec![0, 1, 11]),
            mostly(vec![1usize, 2], vec![0]),
        ),
        select(vec!["cat", "", "  ", "Class 0", long]),
    );
    let ok = accepted(
        400,
        strategy,
        |(width, height, len_delta, channels, side, (classes, per_class), name)| {
            // A buffer whose length is right, one short or one long (only for small images).
            let small = width <= 8 && height <= 8;
            let len = if small {
                (width * height * 4) as i64 + len_delta
            } else {
                16
            };
            let image = RgbaImage::new(width, height, vec![128; len.max(0) as usize]);
            if let Ok(image) = &image {
                prop_assert_eq!(image.pixels().len(), width * height * 4);
                match rgba_to_example(image, channels, side, side) {
                    Ok(x) => prop_assert_eq!(x.dim(), (channels, side, side)),
                    Err(e) => prop_assert!(readable(&e)),
                }
            }
            let image = image.unwrap_or_else(|_| solid(2, 2, 7));
            let class_list: Vec<ClassExamples> = (0..classes)
                .map(|i| ClassExamples {
                    name: if i == 1 {
                        name.to_string()
                    } else {
                        format!("class {i}")
                    },
                    images: vec![image.clone(); per_class],
                })
                .collect();
            match Dataset::from_rgba_examples(&class_list, channels, side, side) {
                Ok(d) => {
                    prop_assert_eq!(
                        d.images().dim(),
                        (classes * per_class, channels, side, side)
                    );
                    prop_assert_eq!(d.class_counts(), vec![per_class; classes]);
                    Ok(true)
                }
                Err(e) => {
                    // Long names are quoted shortened.
                    prop_assert!(e.to_string().chars().count() < 300, "{}", e);
                    Ok(false)
                }
            }
        },
    );
    assert!(ok >= 20, "only {ok} datasets were made");
}

#[test]
fn the_figures_generator() {
    let strategy = (
        mostly(
            vec![1usize, 5, 12],
            vec![0, 20_001, usize::MAX / 2, usize::MAX],
        ),
        mostly(vec![8usize, 9, 16], vec![0, 7, 129, usize::MAX]),
        good_floats(vec![0.0, 0.1, 0.5]),
        any::<u64>(),
    );
    let ok = accepted(200, strategy, |(count, size, noise, seed)| {
        match figures(&FiguresConfig {
            count,
            size,
            seed,
            noise,
        }) {
            Ok(d) => {
                prop_assert_eq!(d.images().dim(), (count, 3, size, size));
                prop_assert!(d.images().iter().all(|v| (-1.0..=1.0).contains(v)));
                prop_assert_eq!(d.labels().len(), count);
                Ok(true)
            }
            Err(e) => {
                prop_assert!(readable(&e));
                Ok(false)
            }
        }
    });
    assert!(ok >= 20, "only {ok} datasets were made");
}

#[test]
fn a_solver_from_any_data_and_settings() {
    let strategy = (
        (
            mostly(vec![1usize, 2, 5], vec![0]),
            mostly(vec![1usize, 3], vec![0]),
            mostly(
                vec![(1usize, 4usize, 4usize)],
                vec![(1, 4, 6), (2, 4, 4), (1, 0, 4)],
            ),
            mostly(vec![0usize], vec![3, usize::MAX]),
            mostly(vec![false], vec![true]),
        ),
        (
            0usize..4,
            good_floats(vec![1e-2, 1e6]),
            good_floats(vec![1.0, 0.5]),
        ),
        (
            mostly(vec![1usize, 3], vec![0, usize::MAX]),
            mostly(vec![1usize, 3], vec![0, usize::MAX]),
            mostly(vec![1usize, 1000], vec![0, usize::MAX]),
            mostly(vec![None, Some(1usize)], vec![Some(0), Some(usize::MAX)]),
        ),
    );
    let ok = accepted(
        300,
        strategy,
        |(
            (n_train, n_val, (c, h, w), label_shift, poison),
            (rule, learning_rate, lr_decay),
            (batch_size, num_epochs, num_train_samples, num_val_samples),
        )| {
            let net = ThreeLayerConvNet::<f32>::new(ConvNetConfig {
                input_dim: (1, 4, 4),
                num_filters: 2,
                filter_size: 3,
                hidden_dim: 4,
                num_classes: 3,
                weight_scale: 0.1,
                ..ConvNetConfig::default()
            })
            .unwrap();
            let mut rng = Rng::new(n_train as u64);
            let mut x_train: Array4<f32> = rng.normal_array((n_train, c, h, w), 1.0);
            if poison && !x_train.is_empty() {
                x_train[[0, 0, 0, 0]] = f32::NAN;
            }
            let data = TrainingData {
                x_train,
                y_train: (0..n_train)
                    .map(|i| (i % 3).saturating_add(label_shift))
                    .collect(),
                x_val: rng.normal_array((n_val, c, h, w), 1.0),
                y_val: (0..n_val).map(|i| i % 3).collect(),
            };
            let optimizer = match rule {
                0 => Optimizer::Sgd(Sgd { learning_rate }),
                1 => Optimizer::SgdMomentum(SgdMomentum {
                    learning_rate,
                    ..SgdMomentum::default()
                }),
                2 => Optimizer::RmsProp(RmsProp {
                    learning_rate,
                    ..RmsProp::default()
                }),
                _ => Optimizer::Adam(Adam {
                    learning_rate,
                    ..Adam::default()
                }),
            };
            let config = SolverConfig {
                optimizer,
                lr_decay,
                batch_size,
                num_epochs,
                num_train_samples,
                num_val_samples,
                ..SolverConfig::default()
            };
            let mut solver = match Solver::new(net, data, config) {
                Err(e) => {
                    prop_assert!(readable(&e));
                    return Ok(false);
                }
                Ok(solver) => solver,
            };
            let n = solver.data().x_train.dim().0;
            prop_assert_eq!(solver.batch_size(), batch_size.min(n));
            let per_epoch = (n / solver.batch_size()).max(1);
            prop_assert_eq!(solver.iterations_per_epoch(), per_epoch);
            prop_assert_eq!(solver.num_iterations(), num_epochs * per_epoch);
            for i in 1..=3usize {
                match solver.step() {
                    Ok(step) => {
                        prop_assert_eq!(step.iteration, i);
                        prop_assert!(step.loss.is_finite());
                        if step.finished {
                            break;
                        }
                    }
                    Err(e) => {
                        prop_assert!(readable(&e));
                        break;
                    }
                }
            }
            Ok(true)
        },
    );
    assert!(ok >= 20, "only {ok} solvers were made");
}

fn solid(width: usize, height: usize, grey: u8) -> RgbaImage {
    RgbaImage::new(
        width,
        height,
        [grey, grey, grey, 255].repeat(width * height),
    )
    .unwrap()
}

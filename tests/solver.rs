//! The solver: overfitting a small training set (the lesson of the assignment), the step-by-step
//! interface a page drives, learning-rate decay, determinism, divergence, and bad settings.

use cnn_playground::models::{ConvNetConfig, ThreeLayerConvNet};
use cnn_playground::optim::{Adam, Optimizer, Sgd, SgdMomentum};
use cnn_playground::rng::Rng;
use cnn_playground::solver::{
    check_accuracy, confusion_matrix, Solver, SolverConfig, Step, TrainingData,
};
use cnn_playground::Error;
use ndarray::{Array4, Axis};

/// `n` noisy images of `classes` fixed random templates: image = template of its class + noise.
/// With noise this strong, memorising the training images is easy and generalising is hard.
fn templates_plus_noise(
    templates: &Array4<f32>,
    n: usize,
    noise: f64,
    rng: &mut Rng,
) -> (Array4<f32>, Vec<usize>) {
    let (classes, c, h, w) = templates.dim();
    let y: Vec<usize> = (0..n).map(|_| rng.below(classes)).collect();
    let mut x: Array4<f32> = rng.normal_array((n, c, h, w), noise);
    for (mut image, &label) in x.axis_iter_mut(Axis(0)).zip(&y) {
        image += &templates.index_axis(Axis(0), label);
    }
    (x, y)
}

fn dataset(
    n_train: usize,
    n_val: usize,
    dim: (usize, usize, usize),
    classes: usize,
    seed: u64,
) -> TrainingData<f32> {
    let mut rng = Rng::new(seed);
    let templates: Array4<f32> = rng.normal_array((classes, dim.0, dim.1, dim.2), 1.0);
    let (x_train, y_train) = templates_plus_noise(&templates, n_train, 8.0, &mut rng);
    let (x_val, y_val) = templates_plus_noise(&templates, n_val, 8.0, &mut rng);
    TrainingData {
        x_train,
        y_train,
        x_val,
        y_val,
    }
}

/// The assignment's overfitting run: the default net (32×32×3 input, 32 filters of 7×7×3, hidden
/// 100), weight scale 1e-2, 100 training images, batch 50, 15 epochs, adam at 1e-3.
fn overfit_run(seed: u64) -> Solver<f32> {
    let net = ThreeLayerConvNet::<f32>::new(ConvNetConfig {
        weight_scale: 1e-2,
        ..ConvNetConfig::default()
    })
    .unwrap();
    let config = SolverConfig {
        optimizer: Optimizer::Adam(Adam {
            learning_rate: 1e-3,
            ..Adam::default()
        }),
        batch_size: 50,
        num_epochs: 15,
        seed,
        ..SolverConfig::default()
    };
    let mut solver = Solver::new(net, dataset(100, 200, (3, 32, 32), 10, 0), config).unwrap();
    solver.train().unwrap();
    solver
}

#[test]
fn overfits_100_examples_deterministically() {
    let solver = overfit_run(0);
    let h = solver.history();
    assert_eq!(h.loss_history.len(), 30);
    assert_eq!(
        h.train_acc_history.len(),
        16,
        "after the first iteration, then after each of 15 epochs"
    );
    let (train, val) = (
        *h.train_acc_history.last().unwrap(),
        *h.val_acc_history.last().unwrap(),
    );
    assert!(train >= 0.95, "training accuracy {train} after 15 epochs");
    // The lesson: the net memorises its 100 images but has learned little that carries over.
    assert!(
        val <= train - 0.5,
        "validation accuracy {val} is not far below training accuracy {train}"
    );
    assert!(
        h.loss_history[29] < 0.1 * h.loss_history[0],
        "loss {:?}",
        h.loss_history
    );

    let again = overfit_run(0);
    assert_eq!(
        again.history(),
        h,
        "the same seed must give the same history"
    );
    assert_eq!(again.model(), solver.model());
}

fn tiny_net(weight_scale: f64) -> ThreeLayerConvNet<f32> {
    ThreeLayerConvNet::new(ConvNetConfig {
        input_dim: (1, 6, 6),
        num_filters: 3,
        filter_size: 3,
        hidden_dim: 8,
        num_classes: 3,
        weight_scale,
        ..ConvNetConfig::default()
    })
    .unwrap()
}

#[test]
fn step_reports_iterations_epochs_accuracies_and_decay() {
    let config = SolverConfig {
        optimizer: Optimizer::SgdMomentum(SgdMomentum {
            learning_rate: 0.04,
            ..SgdMomentum::default()
        }),
        lr_decay: 0.5,
        batch_size: 10,
        num_epochs: 3,
        seed: 3,
        ..SolverConfig::default()
    };
    // 25 images in batches of 10: 2 iterations per epoch (5 images wait for a later shuffle).
    let data = dataset(25, 12, (1, 6, 6), 3, 1);
    let initial = tiny_net(0.1);
    let mut solver = Solver::new(initial.clone(), data.clone(), config).unwrap();
    assert_eq!(
        (
            solver.iterations_per_epoch(),
            solver.num_iterations(),
            solver.batch_size()
        ),
        (2, 6, 10)
    );

    let steps: Vec<Step> = (0..6).map(|_| solver.step().unwrap()).collect();
    let iterations: Vec<usize> = steps.iter().map(|s| s.iteration).collect();
    assert_eq!(iterations, [1, 2, 3, 4, 5, 6]);
    assert!(steps.iter().all(|s| s.num_iterations == 6));
    let epochs: Vec<usize> = steps.iter().map(|s| s.epoch).collect();
    assert_eq!(epochs, [0, 1, 1, 2, 2, 3]);
    let ends: Vec<bool> = steps.iter().map(|s| s.epoch_end).collect();
    assert_eq!(ends, [false, true, false, true, false, true]);
    let measured: Vec<Option<usize>> = steps.iter().map(|s| s.accuracy.map(|a| a.epoch)).collect();
    assert_eq!(measured, [Some(0), Some(1), None, Some(2), None, Some(3)]);
    let rates: Vec<f64> = steps.iter().map(|s| s.learning_rate).collect();
    assert_eq!(rates, [0.04, 0.04, 0.02, 0.02, 0.01, 0.01]);
    assert_eq!(solver.learning_rate(), 0.005);
    let finished: Vec<bool> = steps.iter().map(|s| s.finished).collect();
    assert_eq!(finished, [false, false, false, false, false, true]);
    assert!(solver.is_finished());

    let h = solver.history();
    assert_eq!(
        h.loss_history,
        steps.iter().map(|s| s.loss).collect::<Vec<_>>()
    );
    let accs: Vec<f64> = steps
        .iter()
        .filter_map(|s| s.accuracy)
        .map(|a| a.val_acc)
        .collect();
    assert_eq!(h.val_acc_history, accs);
    // The model ends with the parameters of the best validation accuracy.
    let best = h
        .val_acc_history
        .iter()
        .cloned()
        .fold(f64::NEG_INFINITY, f64::max);
    assert_eq!(solver.best_val_acc(), Some(best));
    assert_eq!(solver.model().params(), solver.best_params());

    assert_eq!(
        solver.step().unwrap_err().to_string(),
        "training has finished after 6 iterations; make a new solver to train again"
    );

    // The first minibatch is the first 10 images of the seed's permutation.
    let order = Rng::new(3).permutation(25);
    let x0 = data.x_train.select(Axis(0), &order[..10]);
    let y0: Vec<usize> = order[..10].iter().map(|&i| data.y_train[i]).collect();
    let (loss0, _) = initial.clone().loss(&x0, &y0).unwrap();
    assert_eq!(steps[0].loss, loss0 as f64);
}

#[test]
fn a_small_training_set_is_one_batch() {
    let data = dataset(7, 5, (1, 6, 6), 3, 2);
    let solver = Solver::new(
        tiny_net(0.1),
        data,
        SolverConfig {
            batch_size: 50,
            ..SolverConfig::default()
        },
    )
    .unwrap();
    assert_eq!(
        (
            solver.batch_size(),
            solver.iterations_per_epoch(),
            solver.num_iterations()
        ),
        (7, 1, 10)
    );
}

#[test]
fn different_seeds_give_different_minibatches() {
    let run = |seed| {
        let config = SolverConfig {
            batch_size: 5,
            num_epochs: 1,
            seed,
            ..SolverConfig::default()
        };
        let mut s = Solver::new(tiny_net(0.1), dataset(20, 5, (1, 6, 6), 3, 4), config).unwrap();
        s.train().unwrap();
        s.history().loss_history.clone()
    };
    assert_eq!(run(1), run(1));
    assert_ne!(run(1), run(2));
}

#[test]
fn divergence_stops_training_and_keeps_the_last_good_parameters() {
    let config = SolverConfig {
        optimizer: Optimizer::Sgd(Sgd { learning_rate: 1e6 }),
        batch_size: 10,
        num_epochs: 50,
        ..SolverConfig::default()
    };
    let mut solver = Solver::new(tiny_net(1.0), dataset(20, 5, (1, 6, 6), 3, 5), config).unwrap();
    let mut before = vec![solver.model().params().clone()];
    let err = loop {
        match solver.step() {
            Ok(step) => {
                assert!(step.loss.is_finite());
                before.push(solver.model().params().clone());
            }
            Err(e) => break e,
        }
    };
    let Error::Diverged {
        iteration,
        loss,
        suggested_lr,
    } = err.clone()
    else {
        panic!("expected Error::Diverged, got {err:?}");
    };
    assert!(iteration >= 2 && !loss.is_finite());
    assert_eq!(suggested_lr, 1e5);
    assert_eq!(
        err.to_string(),
        format!("training diverged at iteration {iteration}: the loss is {loss}. Try a lower learning rate (for example 1e5)")
    );
    // The weights of iteration `iteration` gave the bad loss; those of the iteration before did not.
    assert_eq!(solver.model().params(), &before[iteration - 2]);
    assert_eq!(solver.history().loss_history.len(), iteration - 1);
    assert_eq!(
        solver.diverged().map(|e| e.to_string()),
        Some(err.to_string())
    );
    assert_eq!(solver.step().unwrap_err().to_string(), err.to_string());
    assert_eq!(solver.model().params(), &before[iteration - 2]);
}

#[test]
fn bad_settings_and_data_are_refused() {
    let good = dataset(10, 5, (1, 6, 6), 3, 6);
    let new = |data: TrainingData<f32>, config: SolverConfig| {
        Solver::new(tiny_net(0.1), data, config)
            .unwrap_err()
            .to_string()
    };
    let sgd = |lr| SolverConfig {
        optimizer: Optimizer::Sgd(Sgd { learning_rate: lr }),
        ..SolverConfig::default()
    };

    assert_eq!(
        new(good.clone(), sgd(f64::NAN)),
        "learning_rate = NaN is not allowed: it must be a finite number ≥ 0 (typical values are 1e-4 to 1e-1)"
    );
    assert_eq!(
        new(good.clone(), sgd(-1.0)),
        "learning_rate = -1 is not allowed: it must be a finite number ≥ 0 (typical values are 1e-4 to 1e-1)"
    );
    assert_eq!(
        new(good.clone(), SolverConfig { lr_decay: f64::INFINITY, ..SolverConfig::default() }),
        "lr_decay = inf is not allowed: it must be a finite number ≥ 0 (1 keeps the learning rate, 0.95 lowers it by \
         5% per epoch)"
    );
    assert_eq!(
        new(
            good.clone(),
            SolverConfig {
                batch_size: 0,
                ..SolverConfig::default()
            }
        ),
        "batch_size must be at least 1, got 0"
    );
    assert_eq!(
        new(
            good.clone(),
            SolverConfig {
                num_epochs: 0,
                ..SolverConfig::default()
            }
        ),
        "num_epochs must be at least 1, got 0"
    );

    let mut labels = good.clone();
    labels.y_val[4] = 3;
    assert_eq!(
        new(labels, SolverConfig::default()),
        "label 3 at position 4 is out of range: there are 3 classes (0 to 2)"
    );
    let mut short = good.clone();
    short.y_train.pop();
    assert_eq!(
        new(short, SolverConfig::default()),
        "shape mismatch in y_train (one label per image of x_train): expected 10 labels, got 9 labels"
    );
    let mut empty = good.clone();
    empty.x_val = Array4::zeros((0, 1, 6, 6));
    empty.y_val.clear();
    assert_eq!(
        new(empty, SolverConfig::default()),
        "x_val: the batch is empty (N = 0)"
    );
    let mut wrong = good.clone();
    wrong.x_train = Array4::zeros((10, 3, 6, 6));
    assert_eq!(
        new(wrong, SolverConfig::default()),
        "shape mismatch in ThreeLayerConvNet input x (N, C, H, W): expected (N, 1, 6, 6), got (1, 3, 6, 6)"
    );
    let mut nan = good;
    nan.x_train[[7, 0, 2, 2]] = f32::NAN;
    assert_eq!(
        new(nan, SolverConfig::default()),
        "x_train holds a NaN or infinite value (in image 7): the data must be finite numbers"
    );
}

#[test]
fn check_accuracy_counts_correct_predictions() {
    let net = tiny_net(0.5);
    let data = dataset(250, 1, (1, 6, 6), 3, 7);
    let predicted = net.predict(&data.x_train).unwrap();
    // Labels equal to the predictions for the first 150 images, and wrong for the other 100.
    let y: Vec<usize> = predicted
        .iter()
        .enumerate()
        .map(|(i, &p)| if i < 150 { p } else { (p + 1) % 3 })
        .collect();
    let mut rng = Rng::new(0);
    assert_eq!(
        check_accuracy(&net, &data.x_train, &y, None, &mut rng).unwrap(),
        0.6
    );
    assert_eq!(
        check_accuracy(&net, &data.x_train, &y, Some(1000), &mut rng).unwrap(),
        0.6
    );
    // A sample of 100 distinct images, drawn from the generator.
    let sample = Rng::new(1).permutation(250)[..100].to_vec();
    let expected = sample.iter().filter(|&&i| i < 150).count() as f64 / 100.0;
    assert_eq!(
        check_accuracy(&net, &data.x_train, &y, Some(100), &mut Rng::new(1)).unwrap(),
        expected
    );
    assert!(matches!(
        check_accuracy(&net, &data.x_train, &y[..5], None, &mut rng),
        Err(Error::ShapeMismatch { .. })
    ));
}

#[test]
fn the_model_ends_with_the_best_or_the_last_parameters() {
    let data = dataset(25, 12, (1, 6, 6), 3, 1);
    for restore_best_params in [true, false] {
        let config = SolverConfig {
            optimizer: Optimizer::Adam(Adam {
                learning_rate: 1e-2,
                ..Adam::default()
            }),
            batch_size: 10,
            num_epochs: 6,
            restore_best_params,
            ..SolverConfig::default()
        };
        let mut solver = Solver::new(tiny_net(0.1), data.clone(), config).unwrap();
        solver.train().unwrap();
        let h = solver.history();
        let (best, last) = (
            solver.best_val_acc().unwrap(),
            *h.val_acc_history.last().unwrap(),
        );
        assert!(
            best > last,
            "this run must peak before its end to tell the two apart: {h:?}"
        );
        // Validation accuracy is measured on all 12 images, so it can be measured again exactly.
        let now = check_accuracy(
            solver.model(),
            &data.x_val,
            &data.y_val,
            None,
            &mut Rng::new(0),
        )
        .unwrap();
        if restore_best_params {
            assert_eq!(now, best);
            assert_eq!(solver.model().params(), solver.best_params());
        } else {
            assert_eq!(now, last);
        }
    }
}

#[test]
fn confusion_matrix_counts_true_against_predicted_classes() {
    let net = tiny_net(0.5);
    let data = dataset(250, 1, (1, 6, 6), 3, 7);
    let predicted = net.predict(&data.x_train).unwrap();
    // The first 150 labels are the predictions, the other 100 are the next class along.
    let y: Vec<usize> = predicted
        .iter()
        .enumerate()
        .map(|(i, &p)| if i < 150 { p } else { (p + 1) % 3 })
        .collect();
    let m = confusion_matrix(&net, &data.x_train, &y).unwrap();
    let mut expected = ndarray::Array2::<usize>::zeros((3, 3));
    for (&t, &p) in y.iter().zip(&predicted) {
        expected[[t, p]] += 1;
    }
    assert_eq!(m, expected);
    assert_eq!(m.sum(), 250);
    assert_eq!(m.diag().sum(), 150);
    assert_eq!(
        confusion_matrix(&net, &data.x_train, &vec![5; 250]).unwrap_err(),
        Error::LabelOutOfRange {
            label: 5,
            index: 0,
            classes: 3
        }
    );
}

#[test]
fn settings_read_from_json_with_defaults_for_what_is_left_out() {
    // What a page sends: only the values the user changed.
    let config: SolverConfig = serde_json::from_str(
        r#"{"optimizer": {"rule": "adam", "learning_rate": 0.003}, "batch_size": 50, "num_epochs": 15}"#,
    )
    .unwrap();
    assert_eq!(
        config,
        SolverConfig {
            optimizer: Optimizer::Adam(Adam {
                learning_rate: 0.003,
                ..Adam::default()
            }),
            batch_size: 50,
            num_epochs: 15,
            ..SolverConfig::default()
        }
    );
    for (json, rule) in [
        (r#"{"rule": "sgd"}"#, Optimizer::Sgd(Sgd::default())),
        (
            r#"{"rule": "sgd_momentum", "momentum": 0.5}"#,
            Optimizer::SgdMomentum(SgdMomentum {
                momentum: 0.5,
                ..SgdMomentum::default()
            }),
        ),
        (
            r#"{"rule": "rmsprop"}"#,
            Optimizer::RmsProp(Default::default()),
        ),
    ] {
        let parsed: Optimizer = serde_json::from_str(json).unwrap();
        assert_eq!(parsed, rule);
        assert_eq!(serde_json::to_value(parsed).unwrap()["rule"], rule.name());
    }
    assert!(serde_json::from_str::<Optimizer>(r#"{"rule": "adagrad"}"#).is_err());

    let net: ConvNetConfig =
        serde_json::from_str(r#"{"input_dim": [3, 16, 16], "batchnorm": true}"#).unwrap();
    assert_eq!(
        net,
        ConvNetConfig {
            input_dim: (3, 16, 16),
            batchnorm: true,
            ..ConvNetConfig::default()
        }
    );

    // What a page receives after each step.
    let mut solver = Solver::new(
        tiny_net(0.1),
        dataset(20, 5, (1, 6, 6), 3, 8),
        SolverConfig {
            batch_size: 10,
            ..SolverConfig::default()
        },
    )
    .unwrap();
    let step = serde_json::to_value(solver.step().unwrap()).unwrap();
    assert_eq!(step["iteration"], 1);
    assert_eq!(step["num_iterations"], 20);
    assert_eq!(step["epoch_end"], false);
    assert!(step["accuracy"]["val_acc"].is_number());
    assert!(serde_json::to_value(solver.history()).unwrap()["loss_history"].is_array());
}

#[test]
fn settings_whose_run_cannot_be_counted_or_computed_are_refused() {
    let new = |config: SolverConfig| {
        Solver::new(tiny_net(0.1), dataset(10, 5, (1, 6, 6), 3, 6), config)
            .unwrap_err()
            .to_string()
    };
    // A decay above 1 that would take the learning rate past the largest f64 by the last epoch
    // (found by tests/props_train.rs: the run was accepted, then an update refused mid-run).
    assert_eq!(
        new(SolverConfig {
            optimizer: Optimizer::Sgd(Sgd { learning_rate: 1e308 }),
            lr_decay: 3e38,
            num_epochs: 2,
            ..SolverConfig::default()
        }),
        "lr_decay = 3e38 is not allowed here: over 2 epochs it would raise the learning rate 1e308 past \
         the largest number; use at most 1 (0.95 lowers it by 5% per epoch)"
    );
    // More iterations than a usize counts: 10 images in batches of 5 are 2 iterations an epoch.
    assert_eq!(
        new(SolverConfig {
            batch_size: 5,
            num_epochs: usize::MAX,
            ..SolverConfig::default()
        }),
        format!(
            "num_epochs = {} with 2 iterations per epoch makes more iterations than can be counted: \
             use fewer epochs",
            usize::MAX
        )
    );
}

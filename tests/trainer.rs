//! The training page's engine side: presets, stepping, divergence, previews, the views of a net
//! (filters, activations, confusion matrix, predictions), export/import with its refusals, and
//! datasets of the user's own images, the digits from a given file.

mod common;
use cnn_playground::data::{ClassExamples, RgbaImage};
use cnn_playground::inspect::{filter_tiles, layer_activations};
use cnn_playground::layers::Mode;
use cnn_playground::models::{ConvNetConfig, ThreeLayerConvNet};
use cnn_playground::trainer::{
    limits, load_data, preset, DataSettings, DataSources, DatasetKind, Limits, Preset, RunSettings,
    Split, Trainer, UpdateRule, MAX_FIGURES,
};
use cnn_playground::Error;
use common::small_trainer_settings as small;
use ndarray::Array4;

#[test]
fn presets_differ_in_data_and_schedule() {
    for kind in [DatasetKind::Figures, DatasetKind::Digits, DatasetKind::Own] {
        let (od, or) = preset(kind, Preset::Overfit);
        let (fd, fr) = preset(kind, Preset::Full);
        assert_eq!((od.dataset, fd.dataset), (kind, kind));
        assert_eq!(or.update_rule, UpdateRule::Adam);
        assert_eq!(
            (or.reg, or.lr_decay),
            (0.0, 1.0),
            "overfitting uses no regularization"
        );
        assert!(fr.reg > 0.0 && fr.lr_decay < 1.0);
        if kind != DatasetKind::Own {
            assert_eq!(od.n_train, 100);
            assert!(fd.n_train > 1000);
        }
    }
    assert_eq!(preset(DatasetKind::Figures, Preset::Overfit).0.size, 16);
    assert_eq!(preset(DatasetKind::Figures, Preset::Full).0.size, 32);
    assert_eq!(
        preset(DatasetKind::Digits, Preset::Full).0.n_train + 300,
        1797
    );
}

#[test]
fn step_runs_up_to_n_iterations_and_stops_at_the_end() {
    let (data, run) = small();
    let mut t = Trainer::new(&data, DataSources::default(), &run).unwrap();
    let s = t.summary().unwrap();
    assert_eq!((s.n_train, s.n_val, s.image_shape), (40, 20, [3, 16, 16]));
    assert_eq!(
        (s.iterations_per_epoch, s.num_iterations, s.iteration),
        (4, 8, 0)
    );
    assert_eq!(
        s.network,
        "16x16x3: conv5x5-4 pad2, relu, pool2, fc16, relu, fc5"
    );
    let shapes: Vec<(String, [usize; 3])> = s
        .layers
        .iter()
        .map(|r| (r.label.clone(), [r.output.c, r.output.h, r.output.w]))
        .collect();
    assert_eq!(
        shapes,
        [
            ("conv5x5-4 pad2".to_string(), [4, 16, 16]),
            ("relu".to_string(), [4, 16, 16]),
            ("pool2".to_string(), [4, 8, 8]),
            ("fc16".to_string(), [16, 1, 1]),
            ("relu".to_string(), [16, 1, 1]),
            ("fc5".to_string(), [5, 1, 1]),
        ]
    );
    assert_eq!(s.train_counts.iter().sum::<usize>(), 40);
    // 4·3·5·5 + 4 + 256·16 + 16 + 16·5 + 5
    assert_eq!(s.num_parameters, 300 + 4 + 4096 + 16 + 80 + 5);

    let p = t.step(3).unwrap();
    assert_eq!((p.iteration, p.losses.len(), p.epoch), (3, 3, 0));
    assert_eq!(p.accuracies.len(), 1, "measured after the first iteration");
    assert_eq!(p.accuracies[0].iteration, 1);
    let p = t.step(100).unwrap();
    assert_eq!((p.iteration, p.losses.len(), p.epoch), (8, 5, 2));
    assert!(p.finished);
    assert_eq!(
        p.accuracies.iter().map(|a| a.iteration).collect::<Vec<_>>(),
        vec![4, 8]
    );
    // After the end, nothing more happens.
    let p = t.step(5).unwrap();
    assert!(p.finished && p.losses.is_empty());
    assert_eq!(p.iteration, 8);
}

#[test]
fn reset_starts_over_on_the_same_data_and_keeps_the_net_on_error() {
    let (data, run) = small();
    let mut t = Trainer::new(&data, DataSources::default(), &run).unwrap();
    let first = t.step(2).unwrap().losses;
    t.reset(&run).unwrap();
    assert_eq!(t.summary().unwrap().iteration, 0);
    assert_eq!(
        t.step(2).unwrap().losses,
        first,
        "the same seed gives the same run"
    );
    let before = t.export();
    let bad = RunSettings {
        filter_size: 4,
        ..run.clone()
    };
    let err = t.reset(&bad).unwrap_err();
    assert!(err.to_string().contains("odd filter size"), "{err}");
    assert_eq!(t.export(), before);
    assert_eq!(t.summary().unwrap().iteration, 2);
}

#[test]
fn a_diverging_run_stops_with_a_message_and_the_trainer_still_works() {
    let (data, _) = small();
    let (_, mut run) = preset(DatasetKind::Figures, Preset::Overfit);
    run.update_rule = UpdateRule::Sgd;
    run.learning_rate = 1e3;
    run.batch_size = 10;
    run.num_epochs = 20;
    let mut t = Trainer::new(&data, DataSources::default(), &run).unwrap();
    let p = t.step(80).unwrap();
    let message = p.diverged.expect("sgd at 1e3 diverges").to_string();
    assert!(!p.finished);
    assert!(p.iteration < 80, "stopped at iteration {}", p.iteration);
    assert!(
        message.contains("Try a lower learning rate (for example 1e2)"),
        "{message}"
    );
    // Later calls report the same and run nothing; the views still work on the last good weights.
    let again = t.step(5).unwrap();
    assert_eq!(
        again.diverged.map(|e| e.to_string()).as_deref(),
        Some(message.as_str())
    );
    assert!(again.losses.is_empty());
    let probs = t.example(Split::Val, 0).unwrap().probabilities;
    assert!(probs.iter().all(|p| p.is_finite()));
    assert!(t.confusion().is_ok());
}

#[test]
fn previews_take_each_class_in_turn() {
    let (data, run) = small();
    let t = Trainer::new(&data, DataSources::default(), &run).unwrap();
    let p = t.previews(3).unwrap();
    assert_eq!(p.labels, vec![0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4]);
    assert_eq!(p.class_names[2], "triangle");
    assert_eq!((p.tiles.count, p.tiles.height, p.tiles.width), (15, 16, 16));
    assert_eq!(p.tiles.rgba.0.len(), 15 * 16 * 16 * 4);
    // The first tile is the first circle of the training set, as the dataset draws it.
    let (train, _) = t.datasets();
    let first_circle = train.labels().iter().position(|&l| l == 0).unwrap();
    assert_eq!(
        &p.tiles.rgba.0[..16 * 16 * 4],
        train.rgba(first_circle).unwrap().as_slice()
    );
}

#[test]
fn the_views_of_a_net_have_the_right_shapes() {
    let (data, mut run) = small();
    run.batchnorm = true;
    let mut t = Trainer::new(&data, DataSources::default(), &run).unwrap();
    t.step(4).unwrap();

    let filters = t.filters();
    assert_eq!(filters.len(), 1, "one conv layer");
    assert_eq!(filters[0].layer, "layer 1: conv5x5-4 pad2");
    assert_eq!(
        (filters[0].name.as_str(), filters[0].shape.as_slice()),
        ("W1", &[4, 3, 5, 5][..])
    );
    let f = &filters[0].tiles;
    assert_eq!(
        (f.count, f.height, f.width, f.rgba.0.len()),
        (4, 5, 5, 4 * 25 * 4)
    );

    let v = t.example(Split::Train, 3).unwrap();
    assert_eq!((v.split, v.index), (Split::Train, 3));
    assert_eq!(v.label, t.datasets().0.labels()[3]);
    let names: Vec<&str> = v.layers.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "layer 1: conv5x5-4 pad2",
            "layer 2: bn",
            "layer 3: relu",
            "layer 4: pool2",
            "layer 5: fc16",
            "layer 6: relu",
            "layer 7: fc5 (scores)"
        ]
    );
    assert_eq!(v.layers[0].shape, vec![4, 16, 16]);
    assert_eq!(v.layers[2].shape, vec![4, 16, 16]);
    assert!(v.layers[2].min >= 0.0, "after a relu, before the pool");
    assert_eq!(v.layers[3].shape, vec![4, 8, 8]);
    assert_eq!(v.layers[3].maps.as_ref().unwrap().rgba.0.len(), 4 * 64 * 4);
    assert_eq!(v.layers[4].values.len(), 16);
    assert!(v.layers[5].values.iter().all(|&x| x >= 0.0), "after a relu");
    assert_eq!(v.layers[6].values.len(), 5);
    // The hidden layers' vectors are values, not 1×1 maps.
    assert!(v.layers[4..].iter().all(|l| l.maps.is_none()));
    let sum: f64 = v.probabilities.iter().sum();
    assert!((sum - 1.0).abs() < 1e-5);
    let best = (0..5)
        .max_by(|&a, &b| v.layers[6].values[a].total_cmp(&v.layers[6].values[b]))
        .unwrap();
    assert_eq!(v.predicted, best, "the prediction is the highest score");
    assert_eq!((v.input.width, v.input.rgba.0.len()), (16, 16 * 16 * 4));
    let err = t.example(Split::Val, 20).unwrap_err();
    assert!(err.to_string().contains("out of range"), "{err}");

    let c = t.confusion().unwrap();
    assert_eq!(c.counts.len(), 5);
    assert_eq!(c.counts.iter().flatten().sum::<usize>(), 20);
    let diagonal: usize = (0..5).map(|k| c.counts[k][k]).sum();
    assert_eq!(c.accuracy, diagonal as f64 / 20.0);
    // Each row holds the validation examples of that class.
    let (_, val) = t.datasets();
    for (k, row) in c.counts.iter().enumerate() {
        assert_eq!(row.iter().sum::<usize>(), val.class_counts()[k]);
    }
}

#[test]
fn predictions_convert_images_like_the_data() {
    let (data, run) = small();
    let t = Trainer::new(&data, DataSources::default(), &run).unwrap();
    // An image of the dataset, given at 4× its size, predicts exactly as the example itself.
    let (train, _) = t.datasets();
    let small_rgba = train.rgba(0).unwrap();
    let mut big = Vec::with_capacity(64 * 64 * 4);
    for y in 0..64 {
        for x in 0..64 {
            let p = ((y / 4) * 16 + x / 4) * 4;
            big.extend_from_slice(&small_rgba[p..p + 4]);
        }
    }
    let p = t.predict(&RgbaImage::new(64, 64, big).unwrap()).unwrap();
    assert_eq!((p.input.width, p.input.height), (16, 16));
    assert_eq!(p.input.rgba.0, small_rgba, "the net sees the example again");
    let same = t
        .predict(&RgbaImage::new(16, 16, small_rgba).unwrap())
        .unwrap();
    assert_eq!(p.probabilities, same.probabilities);
    // Bytes are coarser than the data's floats, so the example itself scores slightly differently.
    let example = t.example(Split::Train, 0).unwrap();
    for (a, b) in p.probabilities.iter().zip(&example.probabilities) {
        assert!((a - b).abs() < 1e-3, "{a} vs {b}");
    }
    assert_eq!(p.class_names.len(), 5);
}

#[test]
fn export_import_gives_identical_predictions() {
    let (data, run) = small();
    let mut trained = Trainer::new(&data, DataSources::default(), &run).unwrap();
    trained.step(100).unwrap();
    let bytes = trained.export();
    let mut fresh = Trainer::new(&data, DataSources::default(), &run).unwrap();
    assert_ne!(
        fresh.example(Split::Val, 1).unwrap().probabilities,
        trained.example(Split::Val, 1).unwrap().probabilities
    );
    let summary = fresh.import(&bytes).unwrap();
    assert_eq!(summary.iteration, 0, "an imported net starts a new run");
    for i in 0..20 {
        assert_eq!(
            fresh.example(Split::Val, i).unwrap().probabilities,
            trained.example(Split::Val, i).unwrap().probabilities
        );
    }
    assert_eq!(fresh.confusion().unwrap(), trained.confusion().unwrap());
    assert_eq!(fresh.export(), bytes);
    // It trains further from there.
    assert_eq!(fresh.step(1).unwrap().iteration, 1);
}

#[test]
fn import_takes_the_architecture_of_the_file() {
    let (data, run) = small();
    let mut t = Trainer::new(&data, DataSources::default(), &run).unwrap();
    let other = ThreeLayerConvNet::<f32>::new(ConvNetConfig {
        input_dim: (3, 16, 16),
        num_filters: 6,
        filter_size: 3,
        hidden_dim: 12,
        num_classes: 5,
        batchnorm: true,
        ..ConvNetConfig::default()
    })
    .unwrap();
    let s = t.import(&other.to_bytes()).unwrap();
    assert_eq!(
        (
            s.net.num_filters,
            s.net.filter_size,
            s.net.hidden_dim,
            s.net.batchnorm
        ),
        (6, 3, 12, true)
    );
    assert_eq!(
        s.net.learning_rate, run.learning_rate,
        "the optimizer settings stay"
    );
    assert_eq!(t.filters()[0].tiles.count, 6);
}

#[test]
fn bad_model_files_are_refused_and_the_net_kept() {
    let (data, run) = small();
    let mut t = Trainer::new(&data, DataSources::default(), &run).unwrap();
    t.step(3).unwrap();
    let good = t.export();
    let before = t.example(Split::Val, 0).unwrap();

    let mut version = good.clone();
    version[8..12].copy_from_slice(&7u32.to_le_bytes());
    let mut flipped = good.clone();
    let mid = good.len() / 2;
    flipped[mid] ^= 0x10;
    let digits = ThreeLayerConvNet::<f32>::new(ConvNetConfig {
        input_dim: (1, 16, 16),
        num_classes: 10,
        num_filters: 2,
        filter_size: 3,
        hidden_dim: 4,
        ..ConvNetConfig::default()
    })
    .unwrap()
    .to_bytes();
    let cases: [(&str, &[u8], &str); 5] = [
        ("not a model", b"hello, this is text", "not a cnn-playground model file"),
        ("truncated", &good[..good.len() - 10], "truncated"),
        ("wrong version", &version, "format version 7"),
        ("damaged", &flipped, "corrupted"),
        (
            "another dataset's model",
            &digits,
            "takes 16×16×1 images in 10 classes, but the current dataset has 16×16×3 images in 5 classes",
        ),
    ];
    for (what, bytes, expected) in cases {
        let err = t.import(bytes).unwrap_err();
        assert!(matches!(err, Error::ModelFile(_)), "{what}: {err:?}");
        assert!(err.to_string().contains(expected), "{what}: {err}");
        assert_eq!(t.export(), good, "{what}: the net is kept");
        assert_eq!(t.summary().unwrap().iteration, 3, "{what}: the run is kept");
    }
    assert_eq!(t.example(Split::Val, 0).unwrap(), before);
}

fn solid(rgb: [u8; 3], side: usize) -> RgbaImage {
    let px = [rgb[0], rgb[1], rgb[2], 255];
    RgbaImage::new(side, side, px.repeat(side * side)).unwrap()
}

#[test]
fn your_own_images_are_split_four_to_one() {
    let classes = vec![
        ClassExamples {
            name: "red".into(),
            images: (0..5).map(|i| solid([200 + i, 0, 0], 20)).collect(),
        },
        ClassExamples {
            name: "blue".into(),
            images: (0..5).map(|i| solid([0, 0, 200 + i], 30)).collect(),
        },
    ];
    let (mut data, mut run) = preset(DatasetKind::Own, Preset::Full);
    data.size = 8;
    run.num_filters = 2;
    run.hidden_dim = 4;
    let own = DataSources {
        own: &classes,
        ..DataSources::default()
    };
    let mut t = Trainer::new(&data, own, &run).unwrap();
    let s = t.summary().unwrap();
    assert_eq!((s.n_train, s.n_val), (8, 2));
    assert_eq!(s.class_names, vec!["red", "blue"]);
    assert_eq!(s.image_shape, [3, 8, 8]);
    assert_eq!(s.batch_size, 8, "a batch is at most the training set");
    let p = t.step(1000).unwrap();
    assert!(p.finished);
    assert_eq!(p.iteration, run.num_epochs);

    let one = vec![
        ClassExamples {
            name: "a".into(),
            images: vec![solid([1, 2, 3], 4)],
        },
        ClassExamples {
            name: "b".into(),
            images: vec![],
        },
    ];
    let own = DataSources {
        own: &one,
        ..DataSources::default()
    };
    let err = Trainer::new(&data, own, &run).unwrap_err();
    assert!(
        err.to_string().contains("class \"b\" has no images"),
        "{err}"
    );
    let err = Trainer::new(&data, DataSources::default(), &run).unwrap_err();
    assert!(
        err.to_string().contains("needs 2 to 10 classes, got 0"),
        "{err}"
    );
}

#[test]
fn bad_data_settings_are_explained() {
    let (mut data, run) = small();
    data.n_val = 0;
    let err = Trainer::new(&data, DataSources::default(), &run).unwrap_err();
    assert!(err.to_string().contains("validation examples"), "{err}");
    let (mut data, run) = preset(DatasetKind::Digits, Preset::Full);
    data.n_train = 1700;
    let err = Trainer::new(&data, DataSources::default(), &run).unwrap_err();
    assert!(
        err.to_string().contains(
            "cannot take 1700 training and 300 validation examples from a dataset of 1797"
        ),
        "{err}"
    );
    let (mut data, run) = small();
    data.n_train = 30_000;
    let err = Trainer::new(&data, DataSources::default(), &run).unwrap_err();
    assert!(err.to_string().contains("the most is 20000"), "{err}");
}

#[test]
fn digits_train_at_their_native_size_too() {
    let (mut data, mut run) = preset(DatasetKind::Digits, Preset::Overfit);
    data.size = 8;
    run.filter_size = 3;
    run.num_epochs = 1;
    let mut t = Trainer::new(&data, DataSources::default(), &run).unwrap();
    assert_eq!(t.summary().unwrap().image_shape, [1, 8, 8]);
    assert_eq!(t.filters()[0].tiles.count, 16);
    assert!(t.step(10).unwrap().finished);
}

#[test]
fn digits_come_from_the_given_file_as_the_page_passes_it() {
    let (mut data, mut run) = preset(DatasetKind::Digits, Preset::Overfit);
    run.num_filters = 4;
    run.num_epochs = 1;
    // The file the page fetches gives exactly the embedded digits, and trains alike.
    let served = std::fs::read("www/data/digits.bin").unwrap();
    let given = DataSources {
        digits_file: Some(&served),
        ..DataSources::default()
    };
    let mut fetched = Trainer::new(&data, given, &run).unwrap();
    let mut embedded = Trainer::new(&data, DataSources::default(), &run).unwrap();
    assert_eq!(fetched.datasets(), embedded.datasets());
    assert_eq!(fetched.step(3).unwrap(), embedded.step(3).unwrap());

    // A file of 12 blank 8×8 digits: the trainer uses it, not the embedded one.
    let mut small = b"CNPD".to_vec();
    for v in [1u32, 12, 8, 8] {
        small.extend(v.to_le_bytes());
    }
    small.extend([0; 12 * 64]);
    small.extend((0..12).map(|i| i % 10));
    data.size = 8;
    let given = DataSources {
        digits_file: Some(&small),
        ..DataSources::default()
    };
    let err = Trainer::new(&data, given, &run).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cannot take 100 training and 300 validation examples from a dataset of 12: that needs 400"
    );
    (data.n_train, data.n_val) = (10, 2);
    let t = Trainer::new(&data, given, &run).unwrap();
    assert_eq!(
        t.summary().unwrap().train_counts,
        [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
    );

    // What a server sends for a page it does not have is refused with the parser's message.
    let html = b"<!DOCTYPE html><title>Not found</title>";
    let given = DataSources {
        digits_file: Some(html),
        ..DataSources::default()
    };
    let err = Trainer::new(&data, given, &run).unwrap_err();
    assert_eq!(
        err.to_string(),
        "not a valid digits file: it starts with \"<!DO\", not the magic bytes \"CNPD\""
    );
}

#[test]
fn inspect_scales_tiles_per_filter_and_per_layer() {
    // Filters: each scaled on its own, colour for three channels.
    let mut w = Array4::<f32>::zeros((2, 3, 1, 2));
    w[[0, 0, 0, 1]] = 2.0; // filter 0: red at pixel 1 is the maximum, all else the minimum 0
    w[[1, 2, 0, 0]] = -1.0; // filter 1: blue at pixel 0 is the minimum, all else the maximum 0
    let t = filter_tiles(&w);
    assert_eq!((t.count, t.height, t.width), (2, 1, 2));
    assert_eq!(
        t.rgba.0,
        vec![0, 0, 0, 255, 255, 0, 0, 255, 255, 255, 0, 255, 255, 255, 255, 255]
    );
    // A constant filter is drawn mid-grey rather than dividing by zero.
    let flat = filter_tiles(&Array4::<f32>::from_elem((1, 1, 1, 1), 0.5));
    assert_eq!(flat.rgba.0, vec![128, 128, 128, 255]);

    // Activations of a batch: layer maps share one scale.
    let net = ThreeLayerConvNet::<f32>::new(ConvNetConfig {
        input_dim: (1, 4, 4),
        num_filters: 2,
        filter_size: 3,
        hidden_dim: 3,
        num_classes: 2,
        weight_scale: 0.5,
        ..ConvNetConfig::default()
    })
    .unwrap();
    let x = Array4::from_shape_fn((2, 1, 4, 4), |(n, _, h, w)| {
        (n * 16 + h * 4 + w) as f32 / 10.0
    });
    let acts = net.activations(&x, Mode::Test).unwrap();
    let layers = layer_activations(&acts, 1).unwrap();
    let conv = &layers[0];
    let values = acts.conv.index_axis(ndarray::Axis(0), 1);
    let lo = values.iter().fold(f32::INFINITY, |a, &b| a.min(b)) as f64;
    let hi = values.iter().fold(f32::NEG_INFINITY, |a, &b| a.max(b)) as f64;
    assert_eq!((conv.min, conv.max), (lo, hi));
    let bytes = &conv.maps.as_ref().unwrap().rgba.0;
    assert_eq!(bytes.iter().step_by(4).copied().min(), Some(0));
    assert_eq!(bytes.iter().step_by(4).copied().max(), Some(255));
    assert_eq!(layers.last().unwrap().values.len(), 2);
    assert!(layer_activations(&acts, 2).is_err());
}

/// The settings of the link `#tab=train&tntrain=19000&tnval=1000&tsize=128&tf=256&th=4096` (the
/// rest the page's defaults), which made the wasm engine panic with "capacity overflow".
fn the_link_that_panicked() -> (DataSettings, RunSettings) {
    let (mut data, mut run) = preset(DatasetKind::Figures, Preset::Overfit);
    data.n_train = 19_000;
    data.n_val = 1_000;
    data.size = 128;
    run.num_filters = 256;
    run.hidden_dim = 4096;
    (data, run)
}

#[test]
fn a_training_set_over_the_budget_is_refused_before_it_is_made() {
    let (data, run) = the_link_that_panicked();
    let err = Trainer::new(&data, DataSources::default(), &run).unwrap_err();
    // 20 000 × 3 × 128 × 128 f32, the validation part copied out once, and the labels.
    let needed: u128 = 4 * 20_000 * 3 * 128 * 128 + 4 * 1_000 * 3 * 128 * 128 + 8 * 2 * 20_000;
    assert_eq!(
        err,
        Error::OverBudget {
            // "20000 figures of 128×128×3 (19000 training + 1000 validation)", from the catalog.
            what: cnn_playground::i18n::Message::new("models.trainer.figures_memory")
                .arg("count", 20000)
                .arg("side", 128)
                .arg("train", 19000)
                .arg("val", 1000),
            needed,
            limit: 1 << 30,
        }
    );
    assert_eq!(
        err.to_string(),
        "20000 figures of 128×128×3 (19000 training + 1000 validation) would need 3.85 GiB; the \
         engine's limit is 1 GiB"
    );
    // load_data on its own refuses it the same way.
    assert_eq!(load_data(&data, DataSources::default()).unwrap_err(), err);
}

#[test]
fn a_net_over_the_budget_is_refused_before_the_data_are_made() {
    // Few images, but 256 filters of 5×5 on 128×128: one step on minibatches of 50 is
    // 3 · 50 · 256·128·128·3·25 multiply-adds, refused before anything is made.
    let (mut data, mut run) = the_link_that_panicked();
    data.n_train = 100;
    data.n_val = 20;
    run.hidden_dim = 2;
    let err = Trainer::new(&data, DataSources::default(), &run).unwrap_err();
    assert_eq!(
        err.to_string(),
        "a training step of this network on minibatches of 50 images, up to layer 1 (conv5x5-256 pad2) \
         would take 4.7e10 multiply-adds per step; the engine's limit is 1.0e10, which takes a few \
         seconds in a browser: use fewer or smaller filters, smaller images or a smaller batch"
    );
    // Cheap 1×1 convs whose outputs do not fit: 100 images (the scored chunk) of 32×128×128
    // f32 (210 MB), an output and its gradient per layer, pass the 1 GiB budget at the third.
    run.network = "conv1x1-32, relu, conv1x1-32, relu, conv1x1-32, relu, fc5".into();
    let err = Trainer::new(&data, DataSources::default(), &run).unwrap_err();
    let Error::OverBudget { what, needed, .. } = &err else {
        panic!("expected OverBudget, got {err:?}");
    };
    assert_eq!(
        what.to_string(),
        "a pass of 100 images through the network up to layer 3 (conv1x1-32) (outputs and their gradients)"
    );
    assert!(*needed > 3 * 2 * 4 * 100 * 32 * 128 * 128, "{err}");
    run.network = String::new();
    // Too many parameters is said as such, before the data are generated too.
    let (data, run) = {
        let (mut d, r) = the_link_that_panicked();
        d.size = 64;
        d.n_train = 100;
        d.n_val = 20;
        (d, r)
    };
    assert!(Trainer::new(&data, DataSources::default(), &run)
        .unwrap_err()
        .to_string()
        .starts_with("this net would have more than 50000000 parameters"));
}

#[test]
fn the_data_are_held_once_by_the_solver() {
    let (data, run) = small();
    let mut t = Trainer::new(&data, DataSources::default(), &run).unwrap();
    // Exactly one copy of 40 + 20 images of 3×16×16 f32 and their labels.
    let one_copy = (40 + 20) * 3 * 16 * 16 * 4 + (40 + 20) * std::mem::size_of::<usize>();
    assert_eq!(t.data_bytes(), one_copy);
    assert_eq!(t.solver().data().bytes(), one_copy);
    // The datasets the trainer shows are the solver's arrays, not a copy.
    let x_train = t.solver().data().x_train.as_ptr();
    let x_val = t.solver().data().x_val.as_ptr();
    let (train, val) = t.datasets();
    assert_eq!(
        (train.images().as_ptr(), val.images().as_ptr()),
        (x_train, x_val)
    );
    assert_eq!((train.len(), val.len()), (40, 20));
    // A reset and an import start over on the same arrays.
    t.step(2).unwrap();
    t.reset(&run).unwrap();
    assert_eq!(t.solver().data().x_train.as_ptr(), x_train);
    let bytes = t.export();
    t.import(&bytes).unwrap();
    assert_eq!(t.solver().data().x_train.as_ptr(), x_train);
    assert_eq!(t.solver().data().x_val.as_ptr(), x_val);
    assert_eq!(t.data_bytes(), one_copy);
    // And they are the images load_data makes for these settings.
    let (want_train, want_val) = load_data(&data, DataSources::default()).unwrap();
    let (train, val) = t.datasets();
    assert_eq!((train, val), (want_train.view(), want_val.view()));
}

#[test]
fn a_huge_weight_scale_is_named_not_the_learning_rate() {
    let (data, mut run) = small();
    // 1e308 is a valid f64 but every f32 weight would be infinite: refused up front.
    run.weight_scale = 1e308;
    assert_eq!(
        Trainer::new(&data, DataSources::default(), &run)
            .unwrap_err()
            .to_string(),
        "weight_scale = 1e308 is not allowed: the net computes in 32-bit numbers, whose largest is \
         3.4e38, so the initial weights would be infinite: use a small value such as 1e-2"
    );
    // 1e20 gives finite weights whose scores overflow: the loss of the first minibatch, before
    // any update, is not finite, and the message says the weight scale is the cause.
    run.weight_scale = 1e20;
    let mut t = Trainer::new(&data, DataSources::default(), &run).unwrap();
    let progress = t.step(5).unwrap();
    assert_eq!(progress.iteration, 0);
    assert_eq!(
        progress.diverged.map(|e| e.to_string()).as_deref(),
        Some(
            "training diverged at iteration 1: the loss is NaN before any update, so the learning \
             rate is not the cause: the starting weights (weight scale 1e20) make the class scores \
             overflow: use a smaller weight scale, for example 1e-2"
        )
    );
    // A huge regularization is named as such.
    run.weight_scale = 3e-2;
    run.reg = 3e38;
    let mut t = Trainer::new(&data, DataSources::default(), &run).unwrap();
    let message = t.step(1).unwrap().diverged.unwrap().to_string();
    assert!(
        message.starts_with(
            "training diverged at iteration 1: the loss is inf before any update, so the learning \
             rate is not the cause: the regularization loss 0.5·reg·ΣW² = "
        ) && message.ends_with("is too large (reg = 3e38): use a smaller reg, for example 1e-3"),
        "{message}"
    );
    // A learning rate that blows up later is still blamed on the learning rate.
    run.reg = 0.0;
    run.weight_scale = 1.0;
    run.update_rule = UpdateRule::Sgd;
    run.learning_rate = 1e6;
    let mut t = Trainer::new(&data, DataSources::default(), &run).unwrap();
    let message = t.step(8).unwrap().diverged.unwrap().to_string();
    assert!(
        message.starts_with("training diverged at iteration ")
            && !message.starts_with("training diverged at iteration 1:")
            && message.ends_with("Try a lower learning rate (for example 1e5)"),
        "{message}"
    );
}

#[test]
fn the_limits_are_the_engines_constants() {
    let l = limits();
    assert_eq!(
        l,
        Limits {
            max_figures: MAX_FIGURES,
            min_figures_side: 8,
            max_figures_side: 128,
            max_dataset_side: 256,
            min_classes: 2,
            max_classes: 10,
            max_image_side: 4096,
            max_parameters: 50_000_000,
            budget_bytes: 1 << 30,
        }
    );
    assert_eq!(
        serde_json::to_string(&l).unwrap(),
        "{\"maxFigures\":20000,\"minFiguresSide\":8,\"maxFiguresSide\":128,\"maxDatasetSide\":256,\
         \"minClasses\":2,\"maxClasses\":10,\"maxImageSide\":4096,\"maxParameters\":50000000,\
         \"budgetBytes\":1073741824}"
    );
}

#[test]
fn the_figures_dataset_is_written_figures_and_read_under_its_old_name_shapes_too() {
    // Links and saved work from before the rename say "shapes"; they still mean the figures.
    let old: DataSettings =
        serde_json::from_str(r#"{"dataset":"shapes","size":16,"nTrain":100,"nVal":500,"seed":0}"#)
            .unwrap();
    assert_eq!(old, preset(DatasetKind::Figures, Preset::Overfit).0);
    let new: DatasetKind = serde_json::from_str("\"figures\"").unwrap();
    assert_eq!(new, DatasetKind::Figures);
    assert_eq!(
        serde_json::to_string(&DatasetKind::Figures).unwrap(),
        "\"figures\""
    );
    let err = serde_json::from_str::<DatasetKind>("\"shape\"")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(
            "unknown variant `shape`, expected one of `figures`, `shapes`, `digits`, `own`"
        ),
        "{err}"
    );
}

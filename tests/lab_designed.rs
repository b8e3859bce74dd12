//! The Lab's gradient check of a designed network (the Shapes panel's table as a `Sequential`
//! model): every parameter of the panel's example reads "correct", the kink watch names its
//! layers as the table does and finds the crossings a large h makes, and bad or too large
//! networks are refused with the parser's or the check's own message.

use cnn_playground::lab::{
    gradient_check, GradCheckSettings, KinkSite, LabInit, LabLayer, Precision, Sampled, Verdict,
    DESIGNED_EXAMPLE,
};
use cnn_playground::shapes::{LayerSpec, Network};

mod lab_support;

fn designed() -> GradCheckSettings {
    GradCheckSettings::for_layer(LabLayer::Designed)
}

fn refused(settings: GradCheckSettings) -> String {
    gradient_check(&settings).unwrap_err().to_string()
}

#[test]
fn the_example_has_every_kind_of_layer_and_checks_correct_everywhere() {
    let settings = designed();
    assert_eq!(settings.network, DESIGNED_EXAMPLE);
    assert_eq!((settings.n, settings.seed, settings.step), (4, 231, 1e-5));
    assert_eq!(
        (settings.init, settings.precision),
        (LabInit::He, Precision::F64)
    );
    let network: Network = DESIGNED_EXAMPLE.parse().unwrap();
    let kinds: Vec<&str> = network
        .layers
        .iter()
        .map(|l| match l {
            LayerSpec::Conv { .. } => "conv",
            LayerSpec::Relu => "relu",
            LayerSpec::Pool { .. } => "pool",
            LayerSpec::AvgPool { .. } => "avgpool",
            LayerSpec::Dropout { .. } => "dropout",
            LayerSpec::Bn => "bn",
            LayerSpec::Fc { .. } => "fc",
        })
        .collect();
    assert_eq!(
        kinds,
        ["conv", "relu", "pool", "bn", "conv", "relu", "avgpool", "dropout", "fc"]
    );

    let report = gradient_check(&settings).unwrap();
    let names: Vec<&str> = report.gradients.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(
        names,
        ["dW1", "db1", "dgamma1", "dbeta1", "dW2", "db2", "dW3", "db3"]
    );
    let shapes: Vec<Vec<usize>> = report.gradients.iter().map(|g| g.shape.clone()).collect();
    assert_eq!(
        shapes,
        [
            vec![4, 3, 3, 3],
            vec![4],
            vec![4],
            vec![4],
            vec![6, 4, 3, 3],
            vec![6],
            vec![24, 10],
            vec![10]
        ]
    );
    for g in &report.gradients {
        assert_eq!(g.verdict, Verdict::Correct, "{}: {:e}", g.name, g.rel_error);
        assert!(g.kinked.is_empty(), "{}", g.name);
        assert_eq!(g.kink_free_error, g.rel_error);
        assert_eq!(g.error_map.len(), g.shape.iter().product::<usize>());
    }
    // The inputs the summary names: the batch and every weight array.
    let inputs: Vec<(&str, &[usize])> = report
        .input_shapes
        .iter()
        .map(|(name, shape)| (name.as_str(), shape.as_slice()))
        .collect();
    assert_eq!(
        inputs,
        [
            ("x", &[4, 3, 8, 8][..]),
            ("W1", &[4, 3, 3, 3][..]),
            ("W2", &[6, 4, 3, 3][..]),
            ("W3", &[24, 10][..])
        ]
    );

    let kinks = report.kinks.as_ref().unwrap();
    assert_eq!(kinks.parameters, 112 + 8 + 222 + 250);
    assert_eq!(kinks.kinked_parameters, 0);
    let sites: Vec<(KinkSite, &str, usize, usize)> = kinks
        .sites
        .iter()
        .map(|s| (s.site, s.layer.as_deref().unwrap(), s.total, s.crossed))
        .collect();
    // Every input of each ReLU layer; a window of the max pool only where its largest input is
    // positive (the ReLU before it runs after it, and passes 0 whoever wins).
    assert_eq!(
        sites,
        [
            (KinkSite::Relu, "layer 2 (relu)", 4 * 4 * 4 * 4, 0),
            (KinkSite::MaxPool, "layer 3 (pool2)", 243, 0),
            (KinkSite::Relu, "layer 6 (relu)", 4 * 6 * 4 * 4, 0),
        ]
    );
}

#[test]
fn a_large_step_crosses_kinks_and_the_report_finds_exactly_those() {
    // At h = 1e-3 and seed 4 some steps move a ReLU input across 0 and change a pool window's
    // winner: those parameters' centred differences average two slopes.
    let report = gradient_check(&GradCheckSettings {
        seed: 4,
        step: 1e-3,
        ..designed()
    })
    .unwrap();
    let kinks = report.kinks.as_ref().unwrap();
    let crossed: Vec<(&str, usize)> = kinks
        .sites
        .iter()
        .map(|s| (s.layer.as_deref().unwrap(), s.crossed))
        .collect();
    assert_eq!(
        crossed,
        [
            ("layer 2 (relu)", 1),
            ("layer 3 (pool2)", 1),
            ("layer 6 (relu)", 0)
        ]
    );
    assert_eq!(kinks.kinked_parameters, 10);
    let kinked: usize = report.gradients.iter().map(|g| g.kinked.len()).sum();
    assert_eq!(kinked, 10);
    // The crossed sites are listed first, each with a parameter that crossed it.
    let listed: Vec<&str> = kinks
        .nearest
        .iter()
        .take_while(|k| k.crossings > 0)
        .map(|k| k.layer.as_deref().unwrap())
        .collect();
    assert_eq!(listed.len(), 2);
    assert!(listed.contains(&"layer 2 (relu)") && listed.contains(&"layer 3 (pool2)"));
    assert!(kinks.nearest[..2].iter().all(|k| k.example.is_some()));
    // dW1 reads "wrong" only because of its kinked steps: without them its error is h's
    // truncation error, far below the wrong threshold.
    let dw1 = &report.gradients[0];
    assert_eq!(dw1.name, "dW1");
    assert_eq!(dw1.verdict, Verdict::Wrong);
    assert!(!dw1.kinked.is_empty());
    assert!(dw1.kink_free_error < 1e-5, "{:e}", dw1.kink_free_error);
    assert!(report
        .gradients
        .iter()
        .all(|g| g.kink_free_verdict != Verdict::Wrong));
}

#[test]
fn a_broken_backward_pass_is_caught() {
    let report = gradient_check(&GradCheckSettings {
        inject_bug: true,
        ..designed()
    })
    .unwrap();
    assert_eq!(report.gradients[0].name, "dW1");
    assert_eq!(report.gradients[0].verdict, Verdict::Wrong);
    assert_eq!(report.gradients[0].kink_free_verdict, Verdict::Wrong);
    assert!(report.gradients[1..]
        .iter()
        .all(|g| g.verdict == Verdict::Correct));
}

#[test]
fn other_networks_agree_to_rounding_with_their_own_names() {
    for (text, names) in [
        // Fully connected only, dropout between: its mask is the same in every pass.
        (
            "5x5x1: fc6, relu, dropout0.5, fc3",
            &["dW1", "db1", "dW2", "db2"][..],
        ),
        // Batch norm on the input, overlapping max pool windows, an average pool. (A bias or
        // a uniform shift just before batch norm would have a zero gradient, whose numerical
        // rounding reads "wrong" against the course's 1e-8 floor.)
        (
            "7x7x2: bn, conv3x3-3 pad1, relu, pool3 stride2, avgpool3, fc4",
            &["dgamma1", "dbeta1", "dW1", "db1", "dW2", "db2"][..],
        ),
    ] {
        let report = gradient_check(&GradCheckSettings {
            network: text.into(),
            n: 3,
            ..designed()
        })
        .unwrap();
        let got: Vec<&str> = report.gradients.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(got, names, "{text}");
        // No gradient reads "wrong", and each agrees with its numerical one to rounding: the
        // largest difference at most 1e-8 of its largest element plus 1e-10, a few roundings of
        // the loss (≈ 1.4, ulp 2.2e-16) divided by 2h (an element a thousand times smaller than
        // the largest can read "suspicious" on rounding alone, as tests/lab_seeds.rs shows for
        // single layers).
        for g in &report.gradients {
            assert_ne!(g.kink_free_verdict, Verdict::Wrong, "{text} {}", g.name);
            let (largest, diff) = lab_support::agreement(g);
            assert!(
                diff <= 1e-8 * largest + 1e-10,
                "{text} {}: {diff:e} of {largest:e}",
                g.name
            );
        }
    }
}

#[test]
fn the_weight_scale_initialisation_is_used_when_asked() {
    let he = gradient_check(&designed()).unwrap();
    let scaled = gradient_check(&GradCheckSettings {
        init: LabInit::Scale,
        weight_scale: 0.5,
        ..designed()
    })
    .unwrap();
    assert_ne!(he.gradients[0].analytic, scaled.gradients[0].analytic);
    assert_eq!(
        refused(GradCheckSettings {
            init: LabInit::Scale,
            weight_scale: 1e308,
            ..designed()
        }),
        "weight_scale = 1e308 is not allowed: weight_scale · N(0, 1) overflows the net's 64-bit \
         numbers (the largest is 1.8e308), so some initial weights would be infinite: use a small \
         value such as 1e-2"
    );
}

#[test]
fn the_kink_report_serialises_with_the_names_the_page_uses() {
    let report = serde_json::to_value(gradient_check(&designed()).unwrap()).unwrap();
    assert_eq!(report["settings"]["layer"], "designed");
    assert_eq!(report["settings"]["init"], "he");
    assert_eq!(report["settings"]["network"], DESIGNED_EXAMPLE);
    let site = &report["kinks"]["sites"][1];
    assert_eq!(site["site"], "maxPool");
    assert_eq!(site["layer"], "layer 3 (pool2)");
    assert_eq!(report["gradients"][2]["name"], "dgamma1");
    // The three-layer net's sites carry no layer.
    let net =
        serde_json::to_value(gradient_check(&GradCheckSettings::for_layer(LabLayer::Net)).unwrap())
            .unwrap();
    assert_eq!(net["kinks"]["sites"][0]["site"], "convRelu");
    assert_eq!(net["kinks"]["sites"][0]["layer"], serde_json::Value::Null);
}

mod messages {
    use super::*;

    fn with(network: &str) -> GradCheckSettings {
        GradCheckSettings {
            network: network.into(),
            ..designed()
        }
    }

    #[test]
    fn bad_text_gets_the_parsers_message() {
        assert_eq!(
            refused(with("conv3x3-4, fc10")),
            "cannot read the network \"conv3x3-4, fc10\": it starts with the input and a colon, \
             e.g. \"32x32x3: conv3x3-16 pad1, relu, pool2, fc5\""
        );
        assert_eq!(
            refused(with("8x8x3: conv3x3-4 pad1, rleu, fc10")),
            "layer 2: cannot read the layer \"rleu\": a layer is conv<k>x<k>-<filters> \
             [stride<s>] [pad<p>], relu, pool<k> [stride<s>], avgpool<k> [stride<s>], \
             dropout<p>, bn or fc<outputs>"
        );
    }

    #[test]
    fn a_network_that_does_not_end_in_class_scores_is_explained() {
        assert_eq!(
            refused(with("8x8x3: conv3x3-4 pad1, relu")),
            "layer 2 (relu) is the last layer, whose outputs are the class scores: a network to \
             check ends with an fc layer of at least 2 outputs, one per class (e.g. fc10)"
        );
        assert_eq!(
            refused(with("8x8x3: conv3x3-4 pad1, relu, fc1")),
            "layer 3 (fc1) is the last layer, whose outputs are the class scores: a network to \
             check ends with an fc layer of at least 2 outputs, one per class (e.g. fc10)"
        );
        assert_eq!(
            refused(with("8x8x3:")),
            "the network has no layers: it needs at least the class scores, an fc layer with one \
             output per class (e.g. fc10)"
        );
    }

    #[test]
    fn a_layer_that_does_not_fit_is_named() {
        assert_eq!(
            refused(with("8x8x3: conv3x3-4 stride2, fc10")),
            "layer 1 (conv3x3-4 stride2) does not fit its input 8×8×3: height and width: \
             (8 − 3 + 2·0)/2 + 1 = 3.50 is not a whole number: try stride 1"
        );
    }

    #[test]
    fn a_network_too_large_even_for_a_sample_is_refused_with_the_counts() {
        // An empty text is the lecture's network, as in the Shapes panel: one value of each of
        // its 14 arrays, two passes of 1000 images each, is too much. Per image: 9 884 672
        // multiply-adds (the six convs' 442 368 + 2 · 2 359 296 + 2 · 1 179 648 + 2 359 296, the
        // fc's 5120) and 121 861 activation values.
        assert_eq!(
            refused(GradCheckSettings {
                n: 1000,
                ..with("")
            }),
            "checking the lecture's network takes 2 passes × 1000 images × 10006533 operations \
             per image = 20013066000 operations for each parameter; even one from each of its 14 \
             parameter arrays is more than 4000000000 operations (fewer images, a smaller input \
             or fewer filters)"
        );
        // Too many parameters to hold even for a sampled check: 3·3·3·100 000 + 100 000 in the
        // conv, 100 000·10 + 10 in the fc.
        assert_eq!(
            refused(with("8x8x3: conv3x3-100000 pad1, avgpool8, fc10")),
            "this network has 3800010 parameters; even a check of a sample of them holds every \
             one several times and draws them in heat maps, so keep it at most 300000 (fewer \
             filters or fc outputs, or a smaller input: the Shapes panel's table shows each \
             layer's parameters)"
        );
        // Counted exactly however large the batch. The example per image: 10 608 multiply-adds
        // (6912 + 3456 + 240) and 890 activation values.
        assert_eq!(
            refused(GradCheckSettings {
                n: usize::MAX,
                ..designed()
            }),
            format!(
                "checking this network takes 2 passes × {} images × 11498 operations per image = \
                 {} operations for each parameter; even one from each of its 8 parameter arrays \
                 is more than 4000000000 operations (fewer images, a smaller input or fewer \
                 filters)",
                usize::MAX,
                2 * 11498 * u128::from(u64::MAX)
            )
        );
    }

    #[test]
    fn zero_images_and_a_bad_step_are_refused() {
        assert_eq!(
            refused(GradCheckSettings { n: 0, ..designed() }),
            "N must be at least 1, got 0"
        );
        assert!(refused(GradCheckSettings {
            step: 0.0,
            ..designed()
        })
        .starts_with("h = 0 is not allowed"));
    }
}

#[test]
fn a_large_network_is_checked_on_a_seeded_sample_of_each_array() {
    // The lecture's network (the table's empty text): 77 205 parameters, each check two passes of
    // 4 images of about 10⁷ operations, so 50 values fit in the budget: 3 from each of 14 arrays.
    let settings = GradCheckSettings {
        network: String::new(),
        ..designed()
    };
    let report = gradient_check(&settings).unwrap();
    assert_eq!(
        report.sampled,
        Some(Sampled {
            parameters: 77205,
            checked: 42,
            per_array: 3
        })
    );
    let names: Vec<&str> = report.gradients.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "dW1", "db1", "dW2", "db2", "dW3", "db3", "dW4", "db4", "dW5", "db5", "dW6", "db6",
            "dW7", "db7"
        ]
    );
    for g in &report.gradients {
        let checked = g.checked.as_ref().unwrap();
        assert_eq!(checked.len(), 3, "{}", g.name);
        assert!(checked.windows(2).all(|w| w[0] < w[1]), "{}", g.name);
        assert!(checked.contains(&g.worst_index), "{}", g.name);
        assert_eq!(g.verdict, Verdict::Correct, "{}: {:e}", g.name, g.rel_error);
        // The others were not checked: no numerical value, no error.
        for i in 0..g.numerical.len() {
            assert_eq!(
                g.numerical[i].is_nan(),
                !checked.contains(&i),
                "{} {i}",
                g.name
            );
            assert_eq!(
                g.error_map[i].is_nan(),
                !checked.contains(&i),
                "{} {i}",
                g.name
            );
        }
    }
    let kinks = report.kinks.as_ref().unwrap();
    assert_eq!((kinks.parameters, kinks.kinked_parameters), (42, 0));
    let layers: Vec<&str> = kinks
        .sites
        .iter()
        .map(|s| s.layer.as_deref().unwrap())
        .collect();
    assert_eq!(
        layers,
        [
            "layer 2 (relu)",
            "layer 4 (relu)",
            "layer 5 (pool2)",
            "layer 7 (relu)",
            "layer 9 (relu)",
            "layer 10 (pool2)",
            "layer 12 (relu)",
            "layer 14 (relu)",
            "layer 15 (pool2)"
        ]
    );
    // The sample is the seed's: the same again, another for another seed.
    let again = gradient_check(&settings).unwrap();
    assert_eq!(again.gradients[0].checked, report.gradients[0].checked);
    let other = gradient_check(&GradCheckSettings {
        seed: 7,
        ..settings.clone()
    })
    .unwrap();
    assert_ne!(other.gradients[0].checked, report.gradients[0].checked);

    // Within the parameters' limit but over the work's: a smaller array is checked whole.
    let report = gradient_check(&GradCheckSettings {
        network: "32x32x3: conv5x5-6, relu, pool2, fc10".into(),
        ..designed()
    })
    .unwrap();
    assert_eq!(
        report.sampled,
        Some(Sampled {
            parameters: 12226,
            checked: 682,
            per_array: 333
        })
    );
    let sizes: Vec<usize> = report
        .gradients
        .iter()
        .map(|g| g.checked.as_ref().unwrap().len())
        .collect();
    assert_eq!(sizes, [333, 6, 333, 10]);
    // A network within both limits is checked whole.
    assert_eq!(gradient_check(&designed()).unwrap().sampled, None);
}

#[test]
fn a_bias_just_before_batch_norm_is_explained_not_just_read() {
    // conv – bn – relu, the usual pattern: b1 is cancelled by batch norm's mean.
    let report = gradient_check(&GradCheckSettings {
        network: "8x8x2: conv3x3-3 pad1, bn, relu, pool2, fc4".into(),
        n: 3,
        ..designed()
    })
    .unwrap();
    let db1 = &report.gradients[1];
    assert_eq!(db1.name, "db1");
    // Both ways the gradient is 0 up to rounding.
    assert!(
        db1.analytic
            .iter()
            .chain(&db1.numerical)
            .all(|v| v.abs() < 1e-10),
        "{:?} {:?}",
        db1.analytic,
        db1.numerical
    );
    assert_eq!(
        db1.note.as_deref(),
        Some(
            "b1 is added just before batch norm (layer 2), which subtracts each channel's mean \
             over the batch, and b1 with it: the loss does not depend on b1, so its true gradient \
             is 0 and both values are rounding noise. Their relative error means nothing here \
             (the formula divides by at least 1e-8); a net with batch norm after a layer can \
             leave out that layer's bias."
        )
    );
    // No other gradient has a note, and they read correct.
    for g in report.gradients.iter().filter(|g| g.name != "db1") {
        assert_eq!(g.note, None, "{}", g.name);
        assert_eq!(g.verdict, Verdict::Correct, "{}: {:e}", g.name, g.rel_error);
    }
    // The example has batch norm after a pool: nothing to note.
    let example = gradient_check(&designed()).unwrap();
    assert!(example.gradients.iter().all(|g| g.note.is_none()));
}

/// Random network texts, some absurd (huge sizes, a last layer that is not class scores), and
/// absurd batch sizes: the check never panics; it refuses with a message or checks exactly the
/// parameters the text describes, named as the table names them, and watches one kink group per
/// ReLU and max-pool layer.
#[test]
fn any_text_and_batch_is_checked_or_refused_in_words() {
    use proptest::prelude::*;
    use proptest::sample::select;
    use proptest::test_runner::{Config, RngSeed, TestRunner};

    const LAYERS: [&str; 18] = [
        "conv3x3-2 pad1",
        "conv1x1-3",
        "conv2x2-2 stride2",
        "conv3x3-1",
        "relu",
        "relu",
        "pool2",
        "pool3 stride1",
        "avgpool2",
        "avgpool3 stride2",
        "dropout0.5",
        "bn",
        "fc4",
        // Absurd: refused, never allocated.
        "conv3x3-4294967296 pad1",
        "conv99999x99999-1",
        "fc18446744073709551615",
        "pool0",
        "dropout0",
    ];
    let strategy = (
        prop_oneof![9 => select(vec![1usize, 2, 4, 6, 8]), 1 => select(vec![0usize, 1 << 31, usize::MAX])],
        select(vec![1usize, 2, 3]),
        proptest::collection::vec(select(LAYERS.to_vec()), 0..6),
        prop_oneof![9 => select(vec!["fc2", "fc3"]), 1 => select(vec!["fc1", "relu", ""])],
        prop_oneof![9 => select(vec![1usize, 2, 3]), 1 => select(vec![0usize, 1 << 40, usize::MAX])],
    );
    let mut runner = TestRunner::new(Config {
        cases: 200,
        failure_persistence: None,
        // The same cases on every run: a test that passes passes again.
        rng_seed: RngSeed::Fixed(231),
        ..Config::default()
    });
    let checked = std::cell::Cell::new(0);
    runner
        .run(&strategy, |(side, c, layers, last, n)| {
            let mut all = layers.clone();
            if !last.is_empty() {
                all.push(last);
            }
            let text = format!("{side}x{side}x{c}: {}", all.join(", "));
            let settings = GradCheckSettings {
                network: text.clone(),
                n,
                ..designed()
            };
            match gradient_check(&settings) {
                Err(e) => prop_assert!(!e.to_string().is_empty(), "{text}"),
                Ok(report) => {
                    checked.set(checked.get() + 1);
                    let network: Network = text.parse().unwrap();
                    let (mut weighted, mut norms, mut kinky) = (0, 0, 0);
                    let mut names = Vec::new();
                    for layer in &network.layers {
                        match layer {
                            LayerSpec::Conv { .. } | LayerSpec::Fc { .. } => {
                                weighted += 1;
                                names.push(format!("dW{weighted}"));
                                names.push(format!("db{weighted}"));
                            }
                            LayerSpec::Bn => {
                                norms += 1;
                                names.push(format!("dgamma{norms}"));
                                names.push(format!("dbeta{norms}"));
                            }
                            LayerSpec::Relu | LayerSpec::Pool { .. } => kinky += 1,
                            _ => {}
                        }
                    }
                    let got: Vec<&str> = report.gradients.iter().map(|g| g.name.as_str()).collect();
                    prop_assert_eq!(got, names.iter().map(String::as_str).collect::<Vec<_>>());
                    prop_assert_eq!(report.kinks.as_ref().unwrap().sites.len(), kinky);
                }
            }
            Ok(())
        })
        .unwrap();
    // The property's Ok branch ran, so it checked something.
    assert!(
        checked.get() > 50,
        "only {} of 200 cases were checked",
        checked.get()
    );
}

#[test]
fn f32_reads_far_worse_than_f64_on_the_same_network() {
    let worst = |precision| {
        gradient_check(&GradCheckSettings {
            precision,
            ..designed()
        })
        .unwrap()
        .gradients
        .iter()
        .map(|g| g.rel_error)
        .fold(0.0, f64::max)
    };
    let (f64_error, f32_error) = (worst(Precision::F64), worst(Precision::F32));
    assert!(f64_error < 1e-7, "{f64_error:e}");
    assert!(f32_error > 1e-4, "{f32_error:e}");
}

//! The Lab panel's checks: every layer passes on the panel's defaults in f64, and a deliberately
//! broken backward pass fails, so the check can tell right from wrong.

use cnn_playground::lab::{gradient_check, GradCheckSettings, LabLayer, Precision, Verdict};

#[test]
fn every_layer_passes_its_default_check_in_f64() {
    for layer in LabLayer::ALL {
        let report = gradient_check(&GradCheckSettings::for_layer(layer)).unwrap();
        assert!(!report.gradients.is_empty());
        for g in &report.gradients {
            assert!(
                g.rel_error < 1e-7,
                "{} {}: {}",
                layer.name(),
                g.name,
                g.rel_error
            );
            assert_eq!(g.verdict, Verdict::Correct);
            assert_eq!(g.error_map.len(), g.shape.iter().product::<usize>());
        }
    }
}

#[test]
fn a_broken_backward_pass_is_caught() {
    for layer in LabLayer::ALL {
        let settings = GradCheckSettings {
            inject_bug: true,
            ..GradCheckSettings::for_layer(layer)
        };
        let report = gradient_check(&settings).unwrap();
        let first = &report.gradients[0];
        assert!(
            first.rel_error > 1e-3,
            "{} {}: {}",
            layer.name(),
            first.name,
            first.rel_error
        );
        assert_eq!(first.verdict, Verdict::Wrong);
    }
}

#[test]
fn f32_gives_a_larger_error_than_f64() {
    let f64_report = gradient_check(&GradCheckSettings::default()).unwrap();
    let f32_report = gradient_check(&GradCheckSettings {
        precision: Precision::F32,
        ..Default::default()
    })
    .unwrap();
    let worst = |r: &cnn_playground::lab::GradCheckReport| {
        r.gradients.iter().map(|g| g.rel_error).fold(0.0, f64::max)
    };
    assert!(worst(&f64_report) < 1e-7);
    assert!(
        worst(&f32_report) > 1e-4,
        "f32 error {}",
        worst(&f32_report)
    );
}

#[test]
fn bad_settings_are_refused_with_a_message() {
    let err = gradient_check(&GradCheckSettings {
        stride: 3,
        h: 5,
        pad: 0,
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "height and width: (5 − 3 + 2·0)/3 + 1 = 1.67 is not a whole number: try stride 1 or 2, or pad 2"
    );
    let err = gradient_check(&GradCheckSettings {
        step: f64::NAN,
        ..Default::default()
    })
    .unwrap_err();
    assert!(
        err.to_string().starts_with("h = NaN is not allowed"),
        "{err}"
    );
    let err = gradient_check(&GradCheckSettings {
        n: 0,
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(err.to_string(), "N must be at least 1, got 0");
    assert!(LabLayer::from_name("pooling")
        .unwrap_err()
        .to_string()
        .contains("choose one of affine, relu"));
}

#[test]
fn batchnorm_train_mode_gives_zero_mean_unit_std_and_running_stats_converge() {
    use cnn_playground::lab::{batchnorm_demo, BatchNormDemoSettings};
    let settings = BatchNormDemoSettings {
        warmup_batches: 60,
        ..Default::default()
    };
    let report = batchnorm_demo(&settings).unwrap();
    assert_eq!(report.before.len(), settings.f);
    for (ch, (before, after)) in report.before.iter().zip(&report.train).enumerate() {
        // The demo's channels start far from (0, 1) …
        assert!(
            before.mean.abs() > 0.1 || (before.std - 1.0).abs() > 0.1,
            "channel {ch}: {before:?}"
        );
        // … and train mode brings every channel to mean 0, std √(σ²/(σ² + eps)) ≈ 1.
        assert!(after.mean.abs() < 1e-12, "channel {ch} mean {}", after.mean);
        assert!(
            (after.std - 1.0).abs() < 1e-3,
            "channel {ch} std {}",
            after.std
        );
        assert_eq!(
            after.histogram.iter().sum::<usize>(),
            settings.n * settings.h * settings.w
        );
    }
    // After 60 batches with momentum 0.9 the running statistics carry 1 − 0.9^60 ≈ 99.8% of the truth.
    for ch in 0..settings.f {
        let (m, t) = (report.running_mean[ch], report.true_mean[ch]);
        assert!(
            (m - t).abs() < 0.02 * t.abs().max(1.0),
            "channel {ch}: running mean {m}, true {t}"
        );
        let (v, t) = (report.running_var[ch], report.true_var[ch]);
        assert!(
            (v - t).abs() < 0.05 * t,
            "channel {ch}: running var {v}, true {t}"
        );
        assert!(
            report.test[ch].mean.abs() < 0.3,
            "test-mode mean {}",
            report.test[ch].mean
        );
    }
    // With no warm-up the running statistics are still zero, and test mode barely normalises.
    let cold = batchnorm_demo(&BatchNormDemoSettings {
        warmup_batches: 0,
        ..settings
    })
    .unwrap();
    assert!(cold.running_mean.iter().all(|&m| m == 0.0));
    let moved = cold
        .test
        .iter()
        .zip(&cold.test_before)
        .all(|(t, b)| (t.mean - b.mean / (1e-5f64).sqrt()).abs() < 1e-6);
    assert!(moved, "test mode with zero running stats divides by √eps");
}

#[test]
fn the_stepwise_check_computes_exactly_the_course_numerical_gradient() {
    use cnn_playground::gradient_check::numerical_gradient_array;
    use cnn_playground::lab::GradCheckJob;
    use cnn_playground::layers::{conv_forward_naive, ConvParam};
    use cnn_playground::rng::Rng;
    use ndarray::{Array1, Array4};

    let settings = GradCheckSettings::default();
    let mut job = GradCheckJob::new(&settings).unwrap();
    // x 4×3×5×5, w 2×3×3×3, b 2: 300 + 54 + 2 values.
    assert_eq!(job.progress(), (0, 356));
    assert!(job.report().is_err(), "no report before the end");
    assert!(!job.step(100));
    assert_eq!(job.progress(), (100, 356));
    assert!(!job.step(250));
    assert!(job.step(1000));
    assert_eq!(job.progress(), (356, 356));
    let report = job.report().unwrap();
    assert_eq!(report, gradient_check(&settings).unwrap());

    // The same draws as the check (x, w, b, then dout), differentiated by the reference function.
    let mut rng = Rng::new(settings.seed);
    let x: Array4<f64> = rng.normal_array((4, 3, 5, 5), 1.0);
    let w: Array4<f64> = rng.normal_array((2, 3, 3, 3), 1.0);
    let b: Array1<f64> = rng.normal_array(2, 1.0);
    let p = ConvParam { stride: 1, pad: 1 };
    let dout: Array4<f64> = rng.normal_array((4, 2, 5, 5), 1.0);
    let dw = numerical_gradient_array(
        |w| conv_forward_naive(&x, w, &b, p).unwrap().0,
        &w,
        &dout,
        1e-5,
    );
    let dw_report = &report.gradients[1];
    assert_eq!(dw_report.name, "dw");
    assert_eq!(dw_report.numerical, dw.iter().copied().collect::<Vec<_>>());
}

#[test]
fn settings_and_reports_use_the_names_the_page_uses() {
    for layer in LabLayer::ALL {
        let json = serde_json::to_value(GradCheckSettings::for_layer(layer)).unwrap();
        assert_eq!(json["layer"], layer.name());
        assert_eq!(LabLayer::from_name(layer.name()).unwrap(), layer);
        let back: GradCheckSettings = serde_json::from_value(json).unwrap();
        assert_eq!(back, GradCheckSettings::for_layer(layer));
    }
    let json = serde_json::to_value(GradCheckSettings::default()).unwrap();
    let mut keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "c",
            "f",
            "filterSize",
            "h",
            "hidden",
            "init",
            "injectBug",
            "layer",
            "n",
            "network",
            "pad",
            "precision",
            "seed",
            "step",
            "stride",
            "w",
            "weightScale"
        ]
    );
    let typo = serde_json::json!({ "layer": "conv", "filtersize": 3 });
    assert!(serde_json::from_value::<GradCheckSettings>(typo).is_err());
    let report =
        serde_json::to_value(gradient_check(&GradCheckSettings::default()).unwrap()).unwrap();
    assert_eq!(report["gradients"][0]["verdict"], "correct");
    assert_eq!(
        report["inputShapes"][1],
        serde_json::json!(["w", [2, 3, 3, 3]])
    );
}

#[test]
fn fields_list_what_each_layer_uses() {
    use cnn_playground::lab::Field;
    assert_eq!(
        LabLayer::Softmax.fields(),
        [Field::N, Field::C],
        "scores are N × C"
    );
    // A zero in a field the layer ignores is not an error.
    let report = gradient_check(&GradCheckSettings {
        f: 0,
        stride: 0,
        ..GradCheckSettings::for_layer(LabLayer::Relu)
    });
    assert!(report.is_ok());
    let err = gradient_check(&GradCheckSettings {
        f: 0,
        ..GradCheckSettings::default()
    })
    .unwrap_err();
    assert_eq!(err.to_string(), "F must be at least 1, got 0");
}

mod speed {
    use cnn_playground::lab::{Pass, SpeedBench, SpeedLayer, SpeedSettings, Variant};

    fn run_all(bench: &mut SpeedBench) {
        for pass in [Pass::Forward, Pass::Backward] {
            for variant in [Variant::Naive, Variant::Fast] {
                bench.run(variant, pass).unwrap();
            }
        }
    }

    #[test]
    fn naive_and_fast_agree_on_the_assignment_sizes() {
        for layer in [SpeedLayer::Conv, SpeedLayer::MaxPool] {
            let mut bench = SpeedBench::new(&SpeedSettings::for_layer(layer)).unwrap();
            assert!(bench.comparison().out.is_none(), "nothing computed yet");
            run_all(&mut bench);
            let c = bench.comparison();
            for (name, d) in [("out", c.out), ("dx", c.dx)] {
                let d = d.unwrap();
                assert!(d.rel_error < 1e-9, "{layer:?} {name}: {d:?}");
                assert!(d.max_abs < 1e-9, "{layer:?} {name}: {d:?}");
            }
            match layer {
                SpeedLayer::Conv => {
                    assert!(c.dw.unwrap().rel_error < 1e-9);
                    assert!(c.db.unwrap().rel_error < 1e-9);
                    assert_eq!(
                        bench.shapes(),
                        vec![
                            ("x", vec![100, 3, 31, 31]),
                            ("w", vec![25, 3, 3, 3]),
                            ("out", vec![100, 25, 16, 16])
                        ]
                    );
                }
                SpeedLayer::MaxPool => {
                    assert!(c.dw.is_none() && c.db.is_none());
                    assert_eq!(bench.shapes()[1], ("out", vec![100, 3, 16, 16]));
                }
            }
        }
    }

    #[test]
    fn a_backward_pass_needs_its_forward_pass_and_sizes_are_checked() {
        let small = SpeedSettings {
            n: 2,
            ..SpeedSettings::default()
        };
        let mut bench = SpeedBench::new(&small).unwrap();
        let err = bench.run(Variant::Fast, Pass::Backward).unwrap_err();
        assert_eq!(
            err.to_string(),
            "run the fast forward pass first: its backward pass needs the cache"
        );
        let err = SpeedBench::new(&SpeedSettings {
            stride: 4,
            ..small.clone()
        })
        .err()
        .unwrap();
        assert!(
            err.to_string()
                .starts_with("height and width: (31 − 3 + 2·1)/4 + 1 = 8.50 is not a whole number"),
            "{err}"
        );
        let err = SpeedBench::new(&SpeedSettings {
            n: 10_000,
            h: 100,
            w: 100,
            ..small
        })
        .err()
        .unwrap();
        assert!(err.to_string().contains("so the arrays fit"), "{err}");
    }
}

mod net {
    use cnn_playground::lab::{
        gradient_check, GradCheckSettings, KinkSite, LabLayer, Verdict, DEFAULT_WEIGHT_SCALE,
    };

    #[test]
    fn the_default_net_crosses_no_kink_and_checks_out() {
        let settings = GradCheckSettings::for_layer(LabLayer::Net);
        // The assignment's small net: 2 images 3×16×16, 3 filters 3×3, hidden 7, 10 classes.
        assert_eq!(
            (settings.n, settings.c, settings.h, settings.w),
            (2, 3, 16, 16)
        );
        assert_eq!(
            (settings.f, settings.filter_size, settings.hidden),
            (3, 3, 7)
        );
        assert_eq!(settings.weight_scale, DEFAULT_WEIGHT_SCALE);
        let report = gradient_check(&settings).unwrap();
        let names: Vec<&str> = report.gradients.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["dW1", "db1", "dW2", "db2", "dW3", "db3"]);
        assert_eq!(report.gradients[2].shape, vec![3 * 8 * 8, 7]);
        let kinks = report.kinks.as_ref().unwrap();
        assert_eq!(kinks.parameters, 81 + 3 + 192 * 7 + 7 + 70 + 10);
        assert_eq!(kinks.kinked_parameters, 0);
        // Every conv output and hidden unit is watched; a pool window only if its maximum is positive.
        assert_eq!(kinks.sites[0].total, 2 * 3 * 16 * 16);
        assert!(kinks.sites[1].total > 0 && kinks.sites[1].total <= 2 * 3 * 8 * 8);
        assert_eq!(kinks.sites[2].total, 2 * 7);
        assert!(kinks.sites.iter().all(|s| s.crossed == 0));
        for g in &report.gradients {
            assert!(g.kinked.is_empty());
            assert_eq!(g.kink_free_error, g.rel_error);
            assert_eq!(g.verdict, Verdict::Correct, "{}: {}", g.name, g.rel_error);
        }
    }

    #[test]
    fn at_the_course_weight_scale_kinks_explain_the_largest_errors() {
        // The course's weight scale 1e-3 with h = 1e-5: some ±h steps push ReLU inputs and pool
        // winners across their kinks.
        let report = gradient_check(&GradCheckSettings {
            weight_scale: 1e-3,
            ..GradCheckSettings::for_layer(LabLayer::Net)
        })
        .unwrap();
        let kinks = report.kinks.as_ref().unwrap();
        assert!(kinks.kinked_parameters > 0);
        let kinked: usize = report.gradients.iter().map(|g| g.kinked.len()).sum();
        assert_eq!(kinked, kinks.kinked_parameters);
        // The listed sites: crossed ones first, each with the parameter that crossed it.
        let first = &kinks.nearest[0];
        assert!(first.crossings > 0 && first.example.is_some(), "{first:?}");
        let crossed_listed = kinks.nearest.iter().take_while(|k| k.crossings > 0).count();
        assert!(kinks.nearest[crossed_listed..]
            .iter()
            .all(|k| k.crossings == 0));
        assert!(kinks
            .nearest
            .iter()
            .any(|k| k.site == KinkSite::ConvRelu && k.index.len() == 4));
        // A crossed kink is within reach by definition: its margin is less than one step moved it.
        assert!(kinks
            .nearest
            .iter()
            .filter(|k| k.crossings > 0)
            .all(|k| k.margin < k.reach));
        // Some gradient reads "wrong" only because of kinks: without its kinked elements, its
        // error drops by orders of magnitude.
        let worst = report
            .gradients
            .iter()
            .max_by(|a, b| a.rel_error.total_cmp(&b.rel_error))
            .unwrap();
        assert!(
            worst.rel_error > 1e-2,
            "{}: {}",
            worst.name,
            worst.rel_error
        );
        assert!(!worst.kinked.is_empty());
        assert!(
            worst.kink_free_error < worst.rel_error * 1e-2,
            "{}: {} without kinks, {} with",
            worst.name,
            worst.kink_free_error,
            worst.rel_error
        );
        assert!(report
            .gradients
            .iter()
            .all(|g| g.kink_free_error <= g.rel_error));
        // Each error carries its own reading: the worst's drops from wrong.
        assert_eq!(worst.verdict, Verdict::Wrong);
        assert_ne!(worst.kink_free_verdict, Verdict::Wrong);
        for g in &report.gradients {
            assert_eq!(g.verdict, Verdict::of(g.rel_error), "{}", g.name);
            assert_eq!(
                g.kink_free_verdict,
                Verdict::of(g.kink_free_error),
                "{}",
                g.name
            );
        }
    }

    #[test]
    fn net_settings_are_checked() {
        let base = GradCheckSettings::for_layer(LabLayer::Net);
        let err = gradient_check(&GradCheckSettings {
            h: 15,
            ..base.clone()
        })
        .unwrap_err();
        assert!(err.to_string().contains("cannot halve"), "{err}");
        let err = gradient_check(&GradCheckSettings {
            hidden: 0,
            ..base.clone()
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "the hidden size must be at least 1, got 0");
        let err = gradient_check(&GradCheckSettings {
            hidden: 100,
            f: 16,
            ..base.clone()
        })
        .unwrap_err();
        assert!(err.to_string().starts_with("this net has 103"), "{err}");
        let err = gradient_check(&GradCheckSettings {
            weight_scale: -1.0,
            ..base
        })
        .unwrap_err();
        assert!(err.to_string().starts_with("weight_scale = -1"), "{err}");
    }
}

mod messages {
    use cnn_playground::lab::{
        batchnorm_demo, gradient_check, BatchNormDemoSettings, GradCheckSettings, LabLayer,
        Precision, SpeedBench, SpeedSettings,
    };

    fn refused(settings: GradCheckSettings) -> String {
        gradient_check(&settings).unwrap_err().to_string()
    }

    #[test]
    fn counts_are_exact_however_large() {
        // 10¹² values: on a 32-bit target a saturating product read 4294967295.
        assert_eq!(
            refused(GradCheckSettings {
                n: 1_000_000,
                c: 1_000_000,
                h: 1,
                w: 1,
                ..Default::default()
            }),
            "x has N·C·H·W = 1000000000000 values; a gradient check runs the layer twice per \
             value, so keep it at most 20000"
        );
        assert_eq!(
            refused(GradCheckSettings {
                n: 1_000_000,
                c: 1_000_000,
                h: 1_000_000,
                w: 1_000_000,
                ..Default::default()
            }),
            "x has N·C·H·W = 1000000000000000000000000 values; a gradient check runs the layer \
             twice per value, so keep it at most 20000"
        );
        // w of an affine layer: D·M without overflow.
        assert_eq!(
            refused(GradCheckSettings {
                n: 1,
                c: 1,
                h: 1,
                w: 1,
                f: usize::MAX,
                ..GradCheckSettings::for_layer(LabLayer::Affine)
            }),
            format!(
                "w has {} values; the check perturbs each one, so keep it at most 20000",
                usize::MAX
            )
        );
    }

    #[test]
    fn outputs_are_limited_before_the_layer_runs() {
        // Pad 10⁹ on a 1×1 image: a (2·10⁹ + 1)² output, refused by its true size.
        assert_eq!(
            refused(GradCheckSettings {
                n: 1,
                c: 1,
                h: 1,
                w: 1,
                f: 1,
                filter_size: 1,
                stride: 1,
                pad: 1_000_000_000,
                ..Default::default()
            }),
            "the output would have 4000000004000000001 values; every step computes it twice, so \
             keep it at most 100000"
        );
        // x and w within the limits, but N·M = 4·10⁸ outputs.
        assert_eq!(
            refused(GradCheckSettings {
                n: 20_000,
                c: 1,
                h: 1,
                w: 1,
                f: 20_000,
                ..GradCheckSettings::for_layer(LabLayer::Affine)
            }),
            "the output would have 400000000 values; every step computes it twice, so keep it at \
             most 100000"
        );
        // The page's largest conv settings stay allowed: x 8×8×16×16, 16 filters 5×5, pad 2.
        let big = GradCheckSettings {
            n: 8,
            c: 8,
            h: 16,
            w: 16,
            f: 16,
            filter_size: 5,
            pad: 2,
            ..Default::default()
        };
        assert!(cnn_playground::lab::GradCheckJob::new(&big).is_ok());
    }

    #[test]
    fn the_step_h_is_refused_with_a_short_message() {
        let why = "is not allowed: the step must be a number between 0 and 1, above 0 (the \
                   course uses 1e-5)";
        for (h, text) in [
            (1e308, "1e308"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "inf"),
            (-1e-5, "-1e-5"),
            (0.0, "0"),
            (1.0, "1"),
        ] {
            assert_eq!(
                refused(GradCheckSettings {
                    step: h,
                    ..Default::default()
                }),
                format!("h = {text} {why}")
            );
        }
    }

    #[test]
    fn an_overflowing_weight_scale_is_named_as_the_cause() {
        for (precision, scale, name) in [
            (Precision::F64, 1e308, "f64"),
            (Precision::F32, 1e308, "f32"),
            (Precision::F32, 1e39, "f32"),
        ] {
            let message = refused(GradCheckSettings {
                weight_scale: scale,
                precision,
                ..GradCheckSettings::for_layer(LabLayer::Net)
            });
            assert!(
                message.starts_with(&format!(
                    "weight scale {} is too large: the net's scores overflow {name}",
                    cnn_playground::lab::number_text(scale)
                )),
                "{message}"
            );
            assert!(message.contains("0.2 is the panel's default"), "{message}");
            assert!(!message.contains("learning rate"), "{message}");
        }
    }

    #[test]
    fn speed_and_batch_norm_sizes_are_exact_and_limited() {
        let err = SpeedBench::new(&SpeedSettings {
            n: 1_000_000,
            c: 1_000_000,
            ..SpeedSettings::default()
        })
        .err()
        .unwrap();
        assert_eq!(
            err.to_string(),
            "x has 961000000000000 values and w 225000000: keep x at most 4000000 and w at most \
             1000000 values, so the arrays fit in a browser tab"
        );
        let err = SpeedBench::new(&SpeedSettings {
            n: 1,
            c: 1,
            h: 1,
            w: 1,
            f: 1,
            filter_size: 1,
            stride: 1,
            pad: 1_000_000_000,
            ..SpeedSettings::default()
        })
        .err()
        .unwrap();
        assert_eq!(
            err.to_string(),
            "the output would have 4000000004000000001 values; keep it at most 4000000"
        );
        let big = 1 << 20;
        let err = batchnorm_demo(&BatchNormDemoSettings {
            n: big,
            c: big,
            h: big,
            w: big,
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "N·C·H·W = 1208925819614629174706176, F = 4, 10 warm-up batches and 20 bins: keep \
             N·C·H·W at most 200000, F at most 64, the warm-up at most 1000 batches and the bins \
             at most 1000"
        );
        let err = batchnorm_demo(&BatchNormDemoSettings {
            bins: 1_000_000_000_000,
            ..Default::default()
        })
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("N·C·H·W = 3840, F = 4, 10 warm-up batches and 1000000000000 bins"),
            "{err}"
        );
    }
}

#[test]
fn channel_stats_refuses_zero_or_too_many_bins() {
    use cnn_playground::lab::channel_stats;
    let x = ndarray::Array4::<f64>::from_shape_fn((2, 2, 3, 3), |(n, c, i, j)| {
        (n + c * 10 + i * 3 + j) as f64
    });
    assert_eq!(
        channel_stats(&x, 0).unwrap_err().to_string(),
        "the number of bins must be at least 1, got 0"
    );
    assert_eq!(
        channel_stats(&x, usize::MAX).unwrap_err().to_string(),
        format!("{} bins: keep the bins at most 1000", usize::MAX)
    );
    let stats = channel_stats(&x, 4).unwrap();
    assert_eq!(stats.len(), 2);
    assert_eq!(stats[0].histogram.iter().sum::<usize>(), 18);
}

#[test]
fn the_readings_thresholds_are_the_courses_and_serialise_for_the_page() {
    use cnn_playground::lab::Thresholds;
    assert_eq!(
        Verdict::THRESHOLDS,
        Thresholds {
            correct_below: 1e-7,
            wrong_above: 1e-4
        }
    );
    assert_eq!(
        serde_json::to_string(&Verdict::THRESHOLDS).unwrap(),
        r#"{"correctBelow":1e-7,"wrongAbove":0.0001}"#
    );
    // Each side of each threshold, the thresholds themselves, and the ends.
    let cases = [
        (0.0, Verdict::Correct),
        (9.99e-8, Verdict::Correct),
        (1e-7, Verdict::Suspicious),
        (1.01e-7, Verdict::Suspicious),
        (9.99e-5, Verdict::Suspicious),
        (1e-4, Verdict::Suspicious),
        (1.01e-4, Verdict::Wrong),
        (f64::INFINITY, Verdict::Wrong),
        (f64::NAN, Verdict::Wrong),
    ];
    for (e, want) in cases {
        assert_eq!(Verdict::of(e), want, "{e}");
        assert_eq!(
            serde_json::to_string(&want).unwrap(),
            format!("\"{}\"", want.name())
        );
    }
}

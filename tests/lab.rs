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
        "height: (5 − 3 + 2·0)/3 + 1 = 1.67 is not a whole number: try stride 1 or 2, or pad 2"
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

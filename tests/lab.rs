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

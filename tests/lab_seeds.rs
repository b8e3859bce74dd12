//! The Lab's verdict on correct layers over many seeds and shapes: every f64 check reads
//! "correct", because the numerical gradient of an array-valued layer is computed the course's way
//! (`eval_numerical_gradient_array`: the outputs at x ± h·e_i are subtracted element by element,
//! then weighted by dout), not as the difference of the two scalars Σ out ⊙ dout.

use cnn_playground::lab::{gradient_check, GradCheckSettings, LabLayer, Verdict};
use cnn_playground::rng::Rng;

mod lab_support;

/// Seeds per layer.
const SEEDS: u64 = 64;

/// A uniform draw from `lo..=hi`.
fn pick(rng: &mut Rng, lo: usize, hi: usize) -> usize {
    lo + rng.below(hi - lo + 1)
}

/// Settings for `layer` with shapes drawn from `seed`, within what the Lab allows.
fn drawn(layer: LabLayer, seed: u64) -> GradCheckSettings {
    let mut rng = Rng::new(seed.wrapping_mul(0x2545_f491_4f6c_dd1d) ^ 0x5eed);
    let base = GradCheckSettings {
        seed,
        ..GradCheckSettings::for_layer(layer)
    };
    let (n, c) = (pick(&mut rng, 1, 4), pick(&mut rng, 1, 4));
    match layer {
        LabLayer::Conv => {
            // Filter size, pad and stride first, then an input size that makes a whole output.
            let k = [1, 3, 5][rng.below(3)];
            let pad = pick(&mut rng, 0, (k - 1) / 2 + 1).min(k - 1);
            let stride = pick(&mut rng, 1, 2);
            let size = |rng: &mut Rng| {
                let out = pick(rng, 1, 5);
                ((out - 1) * stride + k).saturating_sub(2 * pad).max(1)
            };
            let (h, w) = (size(&mut rng), size(&mut rng));
            // An input smaller than k − 2·pad after the max(1) may not tile: redraw the pad to 0.
            let tiles =
                |x: usize, pad: usize| x + 2 * pad >= k && (x + 2 * pad - k).is_multiple_of(stride);
            let pad = if tiles(h, pad) && tiles(w, pad) {
                pad
            } else {
                0
            };
            let (h, w) = if tiles(h, pad) && tiles(w, pad) {
                (h, w)
            } else {
                (k, k)
            };
            GradCheckSettings {
                n,
                c,
                h,
                w,
                f: pick(&mut rng, 1, 5),
                filter_size: k,
                stride,
                pad,
                ..base
            }
        }
        LabLayer::MaxPool => {
            let k = pick(&mut rng, 2, 3);
            let stride = pick(&mut rng, 1, k);
            let size = |rng: &mut Rng| (pick(rng, 1, 5) - 1) * stride + k;
            GradCheckSettings {
                n,
                c,
                h: size(&mut rng),
                w: size(&mut rng),
                filter_size: k,
                stride,
                ..base
            }
        }
        LabLayer::Affine => GradCheckSettings {
            n,
            c,
            h: pick(&mut rng, 1, 6),
            w: pick(&mut rng, 1, 6),
            f: pick(&mut rng, 1, 8),
            ..base
        },
        LabLayer::Relu | LabLayer::SpatialBatchNorm => GradCheckSettings {
            n,
            c,
            h: pick(&mut rng, 1, 8),
            w: pick(&mut rng, 1, 8),
            ..base
        },
        LabLayer::Softmax | LabLayer::Svm => GradCheckSettings {
            n: pick(&mut rng, 1, 60),
            c: pick(&mut rng, 2, 12),
            ..base
        },
        LabLayer::Net | LabLayer::Designed => {
            unreachable!(
                "the whole networks have kinks of their own (tests/lab.rs, tests/lab_designed.rs)"
            )
        }
    }
}

/// Checks `layer` on [`SEEDS`] seeds and returns at how many every gradient reads "correct".
/// At every seed no gradient may read "wrong", and the numerical gradient must agree with the
/// analytic one to rounding: max |a − n| at most 1e-8 of the gradient's largest element. What
/// keeps a few seeds from "correct" is a gradient element a thousand or more times smaller than
/// the largest, whose relative error is the f64 rounding of the layer's outputs (about
/// 1e-16 · |out| / 2h) over its own size.
fn correct_seeds(layer: LabLayer) -> usize {
    correct_of((0..SEEDS).map(|seed| drawn(layer, seed)))
}

/// [`correct_seeds`] over any settings: how many read "correct" in every gradient.
fn correct_of(all: impl Iterator<Item = GradCheckSettings>) -> usize {
    let mut correct = 0;
    for settings in all {
        let seed = settings.seed;
        let report =
            gradient_check(&settings).unwrap_or_else(|e| panic!("{settings:?} was refused: {e}"));
        for g in &report.gradients {
            assert_ne!(
                g.verdict,
                Verdict::Wrong,
                "seed {seed} {}: {settings:?}",
                g.name
            );
            let (largest, apart) = lab_support::agreement(g);
            assert!(
                apart <= 1e-8 * largest,
                "seed {seed} {}: max |a − n| = {apart:e}, max |a| = {largest:e}",
                g.name
            );
        }
        correct += usize::from(
            report
                .gradients
                .iter()
                .all(|g| g.verdict == Verdict::Correct),
        );
    }
    correct
}

#[test]
fn the_issue_case_reads_correct() {
    // Conv in f64, x 2×3×7×7, w 4×3×3×3, stride 2, pad 1, seed 1234: dx read 2.44e-7
    // ("suspicious") when the check differentiated the scalar Σ out ⊙ dout.
    let settings = GradCheckSettings {
        layer: LabLayer::Conv,
        n: 2,
        c: 3,
        h: 7,
        w: 7,
        f: 4,
        filter_size: 3,
        stride: 2,
        pad: 1,
        seed: 1234,
        ..Default::default()
    };
    let report = gradient_check(&settings).unwrap();
    let names: Vec<&str> = report.gradients.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["dx", "dw", "db"]);
    for g in &report.gradients {
        assert!(g.rel_error < 1e-8, "{}: {:e}", g.name, g.rel_error);
        assert_eq!(g.verdict, Verdict::Correct, "{}", g.name);
    }
}

#[test]
fn the_issue_shape_reads_correct_at_59_of_60_seeds() {
    // The issue's simulation: differentiating Σ out ⊙ dout put 8 of these 60 seeds at 1e-7 or
    // more (the worst 1.5e-6); the course's method leaves one, at 3.9e-7, whose worst dx element
    // is small enough for the f64 rounding of its outputs to show.
    let issue = |seed| GradCheckSettings {
        layer: LabLayer::Conv,
        n: 2,
        c: 3,
        h: 7,
        w: 7,
        f: 4,
        filter_size: 3,
        stride: 2,
        pad: 1,
        seed,
        ..Default::default()
    };
    assert_eq!(correct_of((0..60).map(issue)), 59);
}

// The counts below are those of the course's method; differentiating Σ out ⊙ dout instead read
// "correct" at 59 (conv), 63 (max pool), 57 (affine), 62 (ReLU), 32 (batch norm) and 64
// (softmax) of the same 64 seeds.

#[test]
fn conv_reads_correct_at_63_of_64_seeds_and_never_wrong() {
    assert_eq!(correct_seeds(LabLayer::Conv), 63);
}

#[test]
fn max_pool_reads_correct_at_every_seed() {
    assert_eq!(correct_seeds(LabLayer::MaxPool), 64);
}

#[test]
fn affine_reads_correct_at_62_of_64_seeds_and_never_wrong() {
    assert_eq!(correct_seeds(LabLayer::Affine), 62);
}

#[test]
fn relu_reads_correct_at_every_seed() {
    assert_eq!(correct_seeds(LabLayer::Relu), 64);
}

#[test]
fn batch_norm_reads_correct_at_46_of_64_seeds_and_never_wrong() {
    // x = 5·N(0, 1) + 12 as in the course: the mean of 12 costs batch norm's outputs more
    // rounding than the other layers', and dx has many small elements.
    assert_eq!(correct_seeds(LabLayer::SpatialBatchNorm), 46);
}

#[test]
fn softmax_reads_correct_at_every_seed() {
    assert_eq!(correct_seeds(LabLayer::Softmax), 64);
}

#[test]
fn an_injected_bug_reads_wrong_at_every_seed() {
    for layer in [
        LabLayer::Conv,
        LabLayer::MaxPool,
        LabLayer::Affine,
        LabLayer::Relu,
        LabLayer::SpatialBatchNorm,
        LabLayer::Softmax,
    ] {
        for seed in 0..16 {
            let settings = GradCheckSettings {
                inject_bug: true,
                ..drawn(layer, seed)
            };
            let report = gradient_check(&settings).unwrap();
            let first = &report.gradients[0];
            assert_eq!(
                first.verdict,
                Verdict::Wrong,
                "{layer:?} seed {seed} {}: {:e}",
                first.name,
                first.rel_error
            );
        }
    }
}

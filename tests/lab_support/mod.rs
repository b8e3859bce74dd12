//! Helpers shared by the Lab's tests (tests/lab_seeds.rs, tests/lab_designed.rs).

use cnn_playground::lab::GradientReport;

/// How far a gradient's numerical values are from its analytic ones, and how large it is:
/// `(max |a|, max |a − n|)`.
pub fn agreement(g: &GradientReport) -> (f64, f64) {
    let largest = g.analytic.iter().fold(0.0_f64, |m, a| m.max(a.abs()));
    let apart = g
        .analytic
        .iter()
        .zip(&g.numerical)
        .fold(0.0_f64, |m, (a, n)| m.max((a - n).abs()));
    (largest, apart)
}

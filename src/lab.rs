//! The assignment's checks as functions the Lab panel calls: gradient checks of any layer with a
//! report a student can read, naive against fast layers, and batch norm statistics before and
//! after.
//!
//! - [`gradient_check`] (or, a few elements at a time, [`GradCheckJob`]) draws random inputs from
//!   a shown seed, runs the layer's backward pass (the analytic gradient) and centred differences
//!   the course's way (the numerical gradient: `eval_numerical_gradient_array`, the outputs at
//!   x ± h·e_i subtracted element by element, then weighted by dout), and reports, for each
//!   gradient, the course's relative error, its
//!   reading (correct / suspicious / wrong) and the elementwise error map for a heat map. It runs
//!   in `f64` or in `f32`, to show why the course checks in double precision. Two choices check a
//!   whole network's loss against every parameter and report the ReLU and max-pool kinks the ±h
//!   steps cross: the course's `ThreeLayerConvNet` ([`LabLayer::Net`]) and any network of the
//!   Shapes panel's table ([`LabLayer::Designed`], its text in [`GradCheckSettings::network`]).
//! - [`SpeedBench`] holds the data of a naive-against-fast comparison and runs one pass of one
//!   variant when asked, so the page can time it; it then reports how far the results differ.
//! - [`batchnorm_demo`] shows per-channel statistics of conv activations before and after spatial
//!   batch norm, in train and in test mode.
//!
//! ```
//! use cnn_playground::lab::{gradient_check, GradCheckSettings, LabLayer, Verdict};
//! let report = gradient_check(&GradCheckSettings { layer: LabLayer::Conv, ..Default::default() }).unwrap();
//! assert!(report.gradients.iter().all(|g| g.verdict == Verdict::Correct));
//! ```

mod batchnorm;
mod designed;
mod gradcheck;
mod kinks;
mod net;
mod speed;

pub use batchnorm::{
    batchnorm_demo, channel_stats, BatchNormDemoReport, BatchNormDemoSettings, ChannelStats,
};
pub use designed::{
    DESIGNED_EXAMPLE, DESIGNED_EXAMPLE_N, DESIGNED_EXAMPLE_SEED, MAX_DESIGNED_WORK,
    MAX_SAMPLED_PARAMETERS,
};
pub use gradcheck::{
    compare, gradient_check, number_text, Field, GradCheckJob, GradCheckReport, GradCheckSettings,
    GradientReport, LabInit, LabLayer, Precision, Sampled, Thresholds, Verdict,
};
pub use kinks::{Kink, KinkReport, KinkSite, SiteSummary};
pub use net::{DEFAULT_SEED, DEFAULT_WEIGHT_SCALE, NET_CLASSES};
pub use speed::{
    Difference, Pass, SpeedBench, SpeedComparison, SpeedLayer, SpeedSettings, Variant,
};

//! The assignment's checks as functions the Lab panel calls: gradient checks of any layer with a
//! report a student can read, and batch norm statistics before and after.
//!
//! A gradient check draws random inputs from a shown seed, runs the layer's backward pass (the
//! analytic gradient) and centred differences (the numerical gradient), and reports, for each
//! gradient, the course's relative error, its reading (correct / suspicious / wrong) and the
//! elementwise error map for a heat map. It runs in `f64` or in `f32`, to show why the course checks
//! in double precision.
//!
//! ```
//! use cnn_playground::lab::{gradient_check, GradCheckSettings, LabLayer, Verdict};
//! let report = gradient_check(&GradCheckSettings { layer: LabLayer::Conv, ..Default::default() }).unwrap();
//! assert!(report.gradients.iter().all(|g| g.verdict == Verdict::Correct));
//! ```

use crate::error::{Error, Result};
use crate::float::Float;
use crate::gradient_check::{numerical_gradient, numerical_gradient_array};
use crate::layers::*;
use crate::rng::Rng;
use ndarray::{Array, Array1, Array2, Array4, ArrayD, Dimension, Zip};

/// The layers the Lab can check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LabLayer {
    Affine,
    Relu,
    #[default]
    Conv,
    MaxPool,
    Softmax,
    Svm,
    SpatialBatchNorm,
}

impl LabLayer {
    /// Every layer, in the order the panel lists them.
    pub const ALL: [LabLayer; 7] = [
        LabLayer::Affine,
        LabLayer::Relu,
        LabLayer::Conv,
        LabLayer::MaxPool,
        LabLayer::Softmax,
        LabLayer::Svm,
        LabLayer::SpatialBatchNorm,
    ];

    /// The name shown in the page and used in its URL.
    pub fn name(self) -> &'static str {
        match self {
            LabLayer::Affine => "affine",
            LabLayer::Relu => "relu",
            LabLayer::Conv => "conv",
            LabLayer::MaxPool => "maxpool",
            LabLayer::Softmax => "softmax",
            LabLayer::Svm => "svm",
            LabLayer::SpatialBatchNorm => "batchnorm",
        }
    }

    /// The layer with this [`name`](Self::name).
    pub fn from_name(name: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|l| l.name() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|l| l.name()).collect();
                Error::InvalidInput(format!(
                    "unknown layer {name:?}: choose one of {}",
                    names.join(", ")
                ))
            })
    }
}

/// Which float type the check computes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Precision {
    F32,
    #[default]
    F64,
}

/// What to check, on which shapes. Defaults are the panel's defaults (the assignment's conv check).
#[derive(Debug, Clone, PartialEq)]
pub struct GradCheckSettings {
    pub layer: LabLayer,
    /// Batch size N.
    pub n: usize,
    /// Channels C (classes, for the losses).
    pub c: usize,
    pub h: usize,
    pub w: usize,
    /// Filters F of a conv layer; outputs M of an affine layer.
    pub f: usize,
    /// Filter size of conv (and window size of max pool).
    pub filter_size: usize,
    pub stride: usize,
    pub pad: usize,
    pub seed: u64,
    /// The finite-difference step.
    pub step: f64,
    pub precision: Precision,
    /// Deliberately break the backward pass (scale its first gradient by 1.01), to see what a
    /// wrong gradient looks like.
    pub inject_bug: bool,
}

impl Default for GradCheckSettings {
    /// The assignment's conv check: x 4×3×5×5, w 2×3×3×3, stride 1, pad 1, h = 1e-5, f64.
    fn default() -> Self {
        GradCheckSettings {
            layer: LabLayer::Conv,
            n: 4,
            c: 3,
            h: 5,
            w: 5,
            f: 2,
            filter_size: 3,
            stride: 1,
            pad: 1,
            seed: 231,
            step: 1e-5,
            precision: Precision::F64,
            inject_bug: false,
        }
    }
}

impl GradCheckSettings {
    /// The panel's defaults for `layer`: the shapes of the assignment's own check of that layer.
    pub fn for_layer(layer: LabLayer) -> Self {
        let base = GradCheckSettings {
            layer,
            ..Default::default()
        };
        match layer {
            // x (10, 2, 3) and w (6, 5) in FullyConnectedNets.ipynb.
            LabLayer::Affine => GradCheckSettings {
                n: 10,
                c: 2,
                h: 3,
                w: 1,
                f: 5,
                ..base
            },
            // x (10, 10).
            LabLayer::Relu => GradCheckSettings {
                n: 10,
                c: 10,
                h: 1,
                w: 1,
                ..base
            },
            // x (4, 3, 5, 5), w (2, 3, 3, 3), stride 1, pad 1.
            LabLayer::Conv => base,
            // x (3, 2, 8, 8), 2×2 windows, stride 2.
            LabLayer::MaxPool => GradCheckSettings {
                n: 3,
                c: 2,
                h: 8,
                w: 8,
                filter_size: 2,
                stride: 2,
                pad: 0,
                ..base
            },
            // 50 examples, 10 classes.
            LabLayer::Softmax | LabLayer::Svm => GradCheckSettings {
                n: 50,
                c: 10,
                h: 1,
                w: 1,
                ..base
            },
            // x (2, 3, 4, 5).
            LabLayer::SpatialBatchNorm => GradCheckSettings {
                n: 2,
                c: 3,
                h: 4,
                w: 5,
                ..base
            },
        }
    }
}

/// The course's reading of a relative error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Below 1e-7: the backward pass is right.
    Correct,
    /// 1e-7 to 1e-4: suspicious, unless the function has kinks (ReLU, max) near the inputs.
    Suspicious,
    /// Above 1e-4: almost certainly a bug.
    Wrong,
}

impl Verdict {
    /// The reading of a relative error `e`.
    pub fn of(e: f64) -> Self {
        if e < 1e-7 {
            Verdict::Correct
        } else if e <= 1e-4 {
            Verdict::Suspicious
        } else {
            Verdict::Wrong
        }
    }
}

/// One gradient's comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct GradientReport {
    /// "dx", "dw", "db", "dgamma", "dbeta" or "dscores".
    pub name: &'static str,
    pub shape: Vec<usize>,
    /// The course's relative error (the maximum of [`Self::error_map`]).
    pub rel_error: f64,
    pub verdict: Verdict,
    /// Elementwise |a − n| / max(1e-8, |a| + |n|), in row-major order of `shape`.
    pub error_map: Vec<f64>,
    /// Where the error is largest (a row-major index into the gradient).
    pub worst_index: usize,
    pub analytic: Vec<f64>,
    pub numerical: Vec<f64>,
}

/// The result of a gradient check.
#[derive(Debug, Clone, PartialEq)]
pub struct GradCheckReport {
    pub settings: GradCheckSettings,
    /// The shapes of the inputs, for display, e.g. `[("x", [4, 3, 5, 5]), ("w", [2, 3, 3, 3])]`.
    pub input_shapes: Vec<(&'static str, Vec<usize>)>,
    pub gradients: Vec<GradientReport>,
}

/// Compares an analytic and a numerical gradient of one input.
pub fn compare<F: Float, D: Dimension>(
    name: &'static str,
    analytic: &Array<F, D>,
    numerical: &Array<F, D>,
) -> GradientReport {
    let mut error_map = Vec::with_capacity(analytic.len());
    Zip::from(analytic).and(numerical).for_each(|&a, &n| {
        let (a, n) = (a.as_f64(), n.as_f64());
        let e = (a - n).abs() / (a.abs() + n.abs()).max(1e-8);
        error_map.push(if e.is_nan() { f64::INFINITY } else { e });
    });
    let (worst_index, rel_error) =
        error_map
            .iter()
            .copied()
            .enumerate()
            .fold(
                (0, 0.0),
                |best, (i, e)| if e > best.1 { (i, e) } else { best },
            );
    GradientReport {
        name,
        shape: analytic.shape().to_vec(),
        rel_error,
        verdict: Verdict::of(rel_error),
        error_map,
        worst_index,
        analytic: analytic.iter().map(|v| v.as_f64()).collect(),
        numerical: numerical.iter().map(|v| v.as_f64()).collect(),
    }
}

/// Runs the gradient check the settings describe.
pub fn gradient_check(settings: &GradCheckSettings) -> Result<GradCheckReport> {
    validate(settings)?;
    match settings.precision {
        Precision::F64 => check_in::<f64>(settings),
        Precision::F32 => check_in::<f32>(settings),
    }
}

/// Limits that keep a check to a few seconds in a browser.
const MAX_ELEMENTS: usize = 20_000;

fn validate(s: &GradCheckSettings) -> Result<()> {
    for (what, v) in [
        ("N", s.n),
        ("C", s.c),
        ("H", s.h),
        ("W", s.w),
        ("F", s.f),
        ("the filter size", s.filter_size),
        ("the stride", s.stride),
    ] {
        if v == 0 {
            return Err(Error::Zero { what: what.into() });
        }
    }
    if !(s.step.is_finite() && s.step > 0.0 && s.step < 1.0) {
        return Err(Error::InvalidHyperparameter {
            name: "h".into(),
            value: s.step,
            reason: "the step must be a number between 0 and 1 (the course uses 1e-5)".into(),
        });
    }
    let elements = s.n * s.c * s.h * s.w;
    if elements > MAX_ELEMENTS {
        return Err(Error::InvalidInput(format!(
            "x has N·C·H·W = {elements} values; a gradient check runs the layer twice per value, so keep it \
             at most {MAX_ELEMENTS}"
        )));
    }
    Ok(())
}

fn check_in<F: Float>(s: &GradCheckSettings) -> Result<GradCheckReport> {
    let mut rng = Rng::new(s.seed);
    let h = F::of(s.step);
    let x4 = |rng: &mut Rng| -> Array4<F> { rng.normal_array((s.n, s.c, s.h, s.w), 1.0) };
    let mut pairs: Vec<(&'static str, ArrayD<F>, ArrayD<F>)> = Vec::new();
    let mut input_shapes: Vec<(&'static str, Vec<usize>)> = Vec::new();
    let mut add = |name: &'static str, a: ArrayD<F>, n: ArrayD<F>| pairs.push((name, a, n));
    match s.layer {
        LabLayer::Affine => {
            let x = x4(&mut rng).into_dyn();
            let d = s.c * s.h * s.w;
            let w: Array2<F> = rng.normal_array((d, s.f), 1.0);
            let b: Array1<F> = rng.normal_array(s.f, 1.0);
            input_shapes.extend([
                ("x", x.shape().to_vec()),
                ("w", vec![d, s.f]),
                ("b", vec![s.f]),
            ]);
            let (out, cache) = affine_forward(&x, &w, &b)?;
            let dout: Array2<F> = rng.normal_array(out.raw_dim(), 1.0);
            let (dx, dw, db) = affine_backward(&dout, &cache)?;
            let fwd =
                |x: &ArrayD<F>, w: &Array2<F>, b: &Array1<F>| affine_forward(x, w, b).map(|r| r.0);
            add(
                "dx",
                dx,
                numerical_gradient_array(|x| or_nan(fwd(x, &w, &b), &out), &x, &dout, h),
            );
            add(
                "dw",
                dw.into_dyn(),
                numerical_gradient_array(|w| or_nan(fwd(&x, w, &b), &out), &w, &dout, h).into_dyn(),
            );
            add(
                "db",
                db.into_dyn(),
                numerical_gradient_array(|b| or_nan(fwd(&x, &w, b), &out), &b, &dout, h).into_dyn(),
            );
        }
        LabLayer::Relu => {
            let x = x4(&mut rng);
            input_shapes.push(("x", x.shape().to_vec()));
            let (out, cache) = relu_forward(&x);
            let dout: Array4<F> = rng.normal_array(out.raw_dim(), 1.0);
            let dx = relu_backward(&dout, &cache)?;
            add(
                "dx",
                dx.into_dyn(),
                numerical_gradient_array(|x| relu_forward(x).0, &x, &dout, h).into_dyn(),
            );
        }
        LabLayer::Conv => {
            let x = x4(&mut rng);
            let k = s.filter_size;
            let w: Array4<F> = rng.normal_array((s.f, s.c, k, k), 1.0);
            let b: Array1<F> = rng.normal_array(s.f, 1.0);
            let p = ConvParam {
                stride: s.stride,
                pad: s.pad,
            };
            input_shapes.extend([
                ("x", x.shape().to_vec()),
                ("w", w.shape().to_vec()),
                ("b", vec![s.f]),
            ]);
            let (out, cache) = conv_forward_naive(&x, &w, &b, p)?;
            let dout: Array4<F> = rng.normal_array(out.raw_dim(), 1.0);
            let (dx, dw, db) = conv_backward_naive(&dout, &cache)?;
            let fwd = |x: &Array4<F>, w: &Array4<F>, b: &Array1<F>| {
                conv_forward_naive(x, w, b, p).map(|r| r.0)
            };
            add(
                "dx",
                dx.into_dyn(),
                numerical_gradient_array(|x| or_nan(fwd(x, &w, &b), &out), &x, &dout, h).into_dyn(),
            );
            add(
                "dw",
                dw.into_dyn(),
                numerical_gradient_array(|w| or_nan(fwd(&x, w, &b), &out), &w, &dout, h).into_dyn(),
            );
            add(
                "db",
                db.into_dyn(),
                numerical_gradient_array(|b| or_nan(fwd(&x, &w, b), &out), &b, &dout, h).into_dyn(),
            );
        }
        LabLayer::MaxPool => {
            let x = x4(&mut rng);
            let p = PoolParam {
                pool_height: s.filter_size,
                pool_width: s.filter_size,
                stride: s.stride,
            };
            input_shapes.push(("x", x.shape().to_vec()));
            let (out, cache) = max_pool_forward_naive(&x, p)?;
            let dout: Array4<F> = rng.normal_array(out.raw_dim(), 1.0);
            let dx = max_pool_backward_naive(&dout, &cache)?;
            let num = numerical_gradient_array(
                |x| or_nan(max_pool_forward_naive(x, p).map(|r| r.0), &out),
                &x,
                &dout,
                h,
            );
            add("dx", dx.into_dyn(), num.into_dyn());
        }
        LabLayer::Softmax | LabLayer::Svm => {
            // Scores (N, C) with C classes; small scores as at the start of training.
            let scores: Array2<F> = rng.normal_array(
                (s.n, s.c),
                if s.layer == LabLayer::Softmax {
                    1e-3
                } else {
                    1.0
                },
            );
            let y: Vec<usize> = (0..s.n).map(|_| rng.below(s.c)).collect();
            input_shapes.push(("scores", vec![s.n, s.c]));
            let loss = |sc: &Array2<F>| match s.layer {
                LabLayer::Softmax => softmax_loss(sc, &y),
                _ => svm_loss(sc, &y),
            };
            let (_, dscores) = loss(&scores)?;
            let num =
                numerical_gradient(|sc| loss(sc).map(|r| r.0).unwrap_or(F::nan()), &scores, h);
            add("dscores", dscores.into_dyn(), num.into_dyn());
        }
        LabLayer::SpatialBatchNorm => {
            let x: Array4<F> = rng.normal_array((s.n, s.c, s.h, s.w), 5.0) + F::of(12.0);
            let gamma: Array1<F> = rng.normal_array(s.c, 1.0);
            let beta: Array1<F> = rng.normal_array(s.c, 1.0);
            input_shapes.extend([
                ("x", x.shape().to_vec()),
                ("gamma", vec![s.c]),
                ("beta", vec![s.c]),
            ]);
            let fwd = |x: &Array4<F>, g: &Array1<F>, b: &Array1<F>| {
                spatial_batchnorm_forward(x, g, b, &mut BatchNormParam::new(s.c)).map(|r| r.0)
            };
            let (out, cache) =
                spatial_batchnorm_forward(&x, &gamma, &beta, &mut BatchNormParam::new(s.c))?;
            let dout: Array4<F> = rng.normal_array(out.raw_dim(), 1.0);
            let (dx, dgamma, dbeta) = spatial_batchnorm_backward(&dout, &cache)?;
            add(
                "dx",
                dx.into_dyn(),
                numerical_gradient_array(|x| or_nan(fwd(x, &gamma, &beta), &out), &x, &dout, h)
                    .into_dyn(),
            );
            add(
                "dgamma",
                dgamma.into_dyn(),
                numerical_gradient_array(|g| or_nan(fwd(&x, g, &beta), &out), &gamma, &dout, h)
                    .into_dyn(),
            );
            add(
                "dbeta",
                dbeta.into_dyn(),
                numerical_gradient_array(|b| or_nan(fwd(&x, &gamma, b), &out), &beta, &dout, h)
                    .into_dyn(),
            );
        }
    }
    if s.inject_bug {
        if let Some((_, analytic, _)) = pairs.first_mut() {
            analytic.mapv_inplace(|v| v * F::of(1.01));
        }
    }
    let gradients = pairs
        .iter()
        .map(|(name, a, n)| compare(name, a, n))
        .collect();
    Ok(GradCheckReport {
        settings: s.clone(),
        input_shapes,
        gradients,
    })
}

/// The forward output, or NaNs of the reference output's shape if the forward failed: a perturbed
/// input cannot make a valid forward pass invalid, but if it did the check must show it, not hide it.
fn or_nan<F: Float, D: Dimension>(r: Result<Array<F, D>>, like: &Array<F, D>) -> Array<F, D> {
    r.unwrap_or_else(|_| Array::from_elem(like.raw_dim(), F::nan()))
}

// ---------------------------------------------------------------- batch norm

/// A batch of random images through a conv layer, then spatial batch norm.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchNormDemoSettings {
    /// Batch size N of every batch.
    pub n: usize,
    /// Input channels, height and width of the images.
    pub c: usize,
    pub h: usize,
    pub w: usize,
    /// Conv filters (3×3, pad 1): the channels batch norm normalises.
    pub f: usize,
    pub seed: u64,
    /// Train-mode batches run before the test-mode batch, to warm up the running statistics.
    pub warmup_batches: usize,
    /// Histogram bins per channel.
    pub bins: usize,
}

impl Default for BatchNormDemoSettings {
    fn default() -> Self {
        BatchNormDemoSettings {
            n: 20,
            c: 3,
            h: 8,
            w: 8,
            f: 4,
            seed: 231,
            warmup_batches: 10,
            bins: 20,
        }
    }
}

/// Statistics of one channel at one stage.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelStats {
    pub mean: f64,
    /// Standard deviation (biased, as batch norm computes it).
    pub std: f64,
    /// Counts of values in `bins` equal-width bins from `lo` to `hi`.
    pub histogram: Vec<usize>,
    pub lo: f64,
    pub hi: f64,
}

/// Per-channel statistics before and after batch norm, in both modes.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchNormDemoReport {
    /// The conv activations of the first batch, before batch norm.
    pub before: Vec<ChannelStats>,
    /// The first batch after batch norm in train mode (γ = 1, β = 0): mean 0, std ≈ 1.
    pub train: Vec<ChannelStats>,
    /// A fresh batch's conv activations, before batch norm.
    pub test_before: Vec<ChannelStats>,
    /// That batch after batch norm in test mode, with the running statistics after the warm-up.
    pub test: Vec<ChannelStats>,
    pub running_mean: Vec<f64>,
    pub running_var: Vec<f64>,
    /// The true per-channel mean and variance of the conv activations (over all warm-up batches),
    /// which the running statistics approach.
    pub true_mean: Vec<f64>,
    pub true_var: Vec<f64>,
}

/// Runs the batch norm demonstration in f64.
pub fn batchnorm_demo(s: &BatchNormDemoSettings) -> Result<BatchNormDemoReport> {
    for (what, v) in [
        ("N", s.n),
        ("C", s.c),
        ("H", s.h),
        ("W", s.w),
        ("F", s.f),
        ("the number of bins", s.bins),
    ] {
        if v == 0 {
            return Err(Error::Zero { what: what.into() });
        }
    }
    if s.n * s.c * s.h * s.w > 200_000 || s.warmup_batches > 1000 || s.f > 64 {
        return Err(Error::InvalidInput(
            "keep N·C·H·W at most 200000, F at most 64 and the warm-up at most 1000 batches".into(),
        ));
    }
    let mut rng = Rng::new(s.seed);
    // Filters and biases chosen so each channel has its own mean and spread, far from (0, 1).
    let w: Array4<f64> = rng.normal_array((s.f, s.c, 3, 3), 0.7);
    let b: Array1<f64> = rng.uniform_array(s.f, -3.0, 5.0);
    let conv = |rng: &mut Rng| -> Result<Array4<f64>> {
        let x: Array4<f64> = rng.normal_array((s.n, s.c, s.h, s.w), 1.0);
        Ok(conv_forward_naive(&x, &w, &b, ConvParam { stride: 1, pad: 1 })?.0)
    };
    let (gamma, beta) = (Array1::ones(s.f), Array1::zeros(s.f));
    let mut bn = BatchNormParam::new(s.f);

    // The first batch shows train mode; it does not count as warm-up.
    let first = conv(&mut rng)?;
    let (train_out, _) = spatial_batchnorm_forward(&first, &gamma, &beta, &mut bn.clone())?;
    let (mut sum_mean, mut sum_var) = (Array1::zeros(s.f), Array1::zeros(s.f));
    for _ in 0..s.warmup_batches {
        let a = conv(&mut rng)?;
        let (m, v) = batchnorm::channel_mean_var(&a);
        sum_mean += &m;
        sum_var += &v;
        spatial_batchnorm_forward(&a, &gamma, &beta, &mut bn)?;
    }
    let batches = s.warmup_batches.max(1) as f64;
    let test_batch = conv(&mut rng)?;
    let mut test_bn = BatchNormParam {
        mode: Mode::Test,
        ..bn.clone()
    };
    let (test_out, _) = spatial_batchnorm_forward(&test_batch, &gamma, &beta, &mut test_bn)?;
    Ok(BatchNormDemoReport {
        before: channel_stats(&first, s.bins),
        train: channel_stats(&train_out, s.bins),
        test_before: channel_stats(&test_batch, s.bins),
        test: channel_stats(&test_out, s.bins),
        running_mean: bn.running_mean.to_vec(),
        running_var: bn.running_var.to_vec(),
        true_mean: (sum_mean / batches).to_vec(),
        true_var: (sum_var / batches).to_vec(),
    })
}

/// Mean, std and a histogram of each channel of x `(N, C, H, W)`.
pub fn channel_stats(x: &Array4<f64>, bins: usize) -> Vec<ChannelStats> {
    let (mean, var) = batchnorm::channel_mean_var(x);
    x.axis_iter(ndarray::Axis(1))
        .enumerate()
        .map(|(ch, plane)| {
            let lo = plane.fold(f64::INFINITY, |m, &v| m.min(v));
            let hi = plane.fold(f64::NEG_INFINITY, |m, &v| m.max(v));
            let mut histogram = vec![0; bins];
            let width = (hi - lo) / bins as f64;
            for &v in plane.iter() {
                let i = if width > 0.0 {
                    ((v - lo) / width) as usize
                } else {
                    0
                };
                histogram[i.min(bins - 1)] += 1;
            }
            ChannelStats {
                mean: mean[ch],
                std: var[ch].sqrt(),
                histogram,
                lo,
                hi,
            }
        })
        .collect()
}

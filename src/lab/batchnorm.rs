//! Batch norm, watched: a random batch through a conv layer, its per-channel statistics before
//! and after spatial batch norm in train mode, and a fresh batch in test mode after a number of
//! warm-up batches have moved the running mean and variance.

use crate::budget;
use crate::error::{Error, Result};
use crate::i18n::Message;
use crate::layers::*;
use crate::rng::Rng;
use ndarray::{Array1, Array4};
use serde::{Deserialize, Serialize};

/// A batch of random images through a conv layer, then spatial batch norm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
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
#[derive(Debug, Clone, PartialEq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
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

/// The demonstration's own limits: a batch of at most this many values N·C·H·W, …
const MAX_ELEMENTS: usize = 200_000;
/// … at most this many conv filters, …
const MAX_FILTERS: usize = 64;
/// … warm-up batches …
const MAX_WARMUP: usize = 1000;
/// … and histogram bins per channel.
const MAX_BINS: usize = 1000;

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
            return Err(Error::Zero {
                what: crate::models::quantity(what),
            });
        }
    }
    // Exact counts (u128), never wrapped or saturated.
    let x_len = budget::count(&[s.n, s.c, s.h, s.w]);
    if x_len > MAX_ELEMENTS as u128
        || s.f > MAX_FILTERS
        || s.warmup_batches > MAX_WARMUP
        || s.bins > MAX_BINS
    {
        return Err(Error::invalid(
            Message::new("models.lab.batchnorm_limits")
                .arg("x", x_len)
                .arg("f", s.f)
                .arg("warmup", s.warmup_batches)
                .arg("bins", s.bins)
                .arg("max_x", MAX_ELEMENTS)
                .arg("max_f", MAX_FILTERS)
                .arg("max_warmup", MAX_WARMUP)
                .arg("max_bins", MAX_BINS),
        ));
    }
    // A batch, its conv activations (N, F, H, W) and their normalised copy, counted all the same.
    let mut tally = budget::Tally::new(crate::i18n::Message::new("models.lab.batchnorm_demo"));
    tally
        .add::<f64>(&[s.n, s.c, s.h, s.w])
        .add::<f64>(&[s.n, s.f, s.h, s.w])
        .add::<f64>(&[s.n, s.f, s.h, s.w])
        .add::<f64>(&[s.n, s.f, s.h, s.w]);
    tally.check()?;
    let mut rng = Rng::new(s.seed);
    // Filters and biases chosen so each channel has its own mean and spread, far from (0, 1).
    let w: Array4<f64> = rng.normal_array((s.f, s.c, 3, 3), 0.7);
    let b: Array1<f64> = rng.uniform_array(s.f, -3.0, 5.0);
    let conv = |rng: &mut Rng| -> Result<Array4<f64>> {
        let x: Array4<f64> = rng.normal_array((s.n, s.c, s.h, s.w), 1.0);
        Ok(conv_forward_fast(&x, &w, &b, ConvParam { stride: 1, pad: 1 })?.0)
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
        before: channel_stats(&first, s.bins)?,
        train: channel_stats(&train_out, s.bins)?,
        test_before: channel_stats(&test_batch, s.bins)?,
        test: channel_stats(&test_out, s.bins)?,
        running_mean: bn.running_mean.to_vec(),
        running_var: bn.running_var.to_vec(),
        true_mean: (sum_mean / batches).to_vec(),
        true_var: (sum_var / batches).to_vec(),
    })
}

/// Mean, std and a histogram of `bins` bins of each channel of x `(N, C, H, W)`.
///
/// Errors: 0 bins, or more than 1000.
pub fn channel_stats(x: &Array4<f64>, bins: usize) -> Result<Vec<ChannelStats>> {
    if bins == 0 {
        return Err(Error::Zero {
            what: Message::new("models.quantity.bins"),
        });
    }
    if bins > MAX_BINS {
        return Err(Error::invalid(
            Message::new("models.lab.too_many_bins")
                .arg("bins", bins)
                .arg("max", MAX_BINS),
        ));
    }
    let (mean, var) = batchnorm::channel_mean_var(x);
    let stats = x
        .axis_iter(ndarray::Axis(1))
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
                // bins ≥ 1 (checked above); NaN and values past hi land in the last bin.
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
        .collect();
    Ok(stats)
}

//! Spatial batch normalization: batch norm for conv activations, one mean and variance per channel.
//!
//! For x `(N, C, H, W)`, each channel c is normalised over its N·H·W values:
//! x̂ = (x − μ_c)/√(σ²_c + eps), out = γ_c·x̂ + β_c. In train mode μ and σ² are the batch mean
//! and biased variance, and the running estimates move towards them:
//! running = momentum·running + (1 − momentum)·batch. In test mode the running values are used.
//!
//! ```
//! use cnn_playground::layers::{spatial_batchnorm_forward, BatchNormParam};
//! use cnn_playground::rng::Rng;
//! use ndarray::{Array1, Array4};
//! let x: Array4<f64> = Rng::new(0).normal_array((4, 2, 3, 3), 5.0) + 10.0;
//! let mut bn_param = BatchNormParam::new(2);
//! let (out, _cache) =
//!     spatial_batchnorm_forward(&x, &Array1::ones(2), &Array1::zeros(2), &mut bn_param).unwrap();
//! let mean = out.mean().unwrap();
//! assert!(mean.abs() < 1e-12);
//! ```

use crate::error::{Error, Result};
use crate::float::Float;
use crate::i18n::Message;
use crate::layers::Allocations;
use ndarray::{Array1, Array4, Axis, Zip};

/// Training or test time, for the layers that behave differently (batch norm, dropout).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Batch norm normalises with the batch's own mean and variance, and updates the running
    /// estimates; dropout draws a mask.
    #[default]
    Train,
    /// Batch norm normalises with the running estimates; dropout is the identity.
    Test,
}

/// Settings and running statistics of a batch norm layer with C channels.
#[derive(Debug, Clone)]
pub struct BatchNormParam<F> {
    pub mode: Mode,
    /// Added to the variance before the square root; the course uses 1e-5.
    pub eps: f64,
    /// Weight of the old running value in each update; the course uses 0.9.
    pub momentum: f64,
    /// `(C,)`, starts at 0.
    pub running_mean: Array1<F>,
    /// `(C,)`, starts at 0, as in the course.
    pub running_var: Array1<F>,
}

impl<F: Float> BatchNormParam<F> {
    /// Train mode, eps 1e-5, momentum 0.9, running statistics at zero, for `channels` channels.
    pub fn new(channels: usize) -> Self {
        BatchNormParam {
            mode: Mode::Train,
            eps: 1e-5,
            momentum: 0.9,
            running_mean: Array1::zeros(channels),
            running_var: Array1::zeros(channels),
        }
    }
}

/// What [`spatial_batchnorm_backward`] needs: x̂, γ, 1/√(σ² + eps) per channel, and the mode.
#[derive(Debug, Clone)]
pub struct BatchNormCache<F> {
    pub x_hat: Array4<F>,
    pub gamma: Array1<F>,
    /// 1/√(σ² + eps) per channel, `(C,)`.
    pub inv_std: Array1<F>,
    pub mode: Mode,
}

/// Per-channel mean and biased variance of x `(N, C, H, W)` over N, H and W.
pub fn channel_mean_var<F: Float>(x: &Array4<F>) -> (Array1<F>, Array1<F>) {
    let c = x.dim().1;
    let mut mean = Array1::zeros(c);
    let mut var = Array1::zeros(c);
    for (ch, plane) in x.axis_iter(Axis(1)).enumerate() {
        let count = F::of(plane.len() as f64);
        let m = plane.sum() / count;
        mean[ch] = m;
        var[ch] = plane.fold(F::zero(), |acc, &v| acc + (v - m) * (v - m)) / count;
    }
    (mean, var)
}

/// Forward pass of spatial batch norm.
///
/// - x: `(N, C, H, W)`
/// - gamma, beta: scale and shift `(C,)`
/// - bn_param: mode, eps, momentum and running statistics `(C,)` (updated in train mode)
///
/// Returns `out` `(N, C, H, W)` and the cache.
///
/// Errors: an empty batch or any other empty axis (C, H or W = 0: a channel with no values has no
/// mean, and the running statistics would become NaN), γ, β or the running statistics not of
/// length C, an eps or momentum that is negative or not finite, and
/// [`Error::OverBudget`] for the output and the cache. On an error nothing is updated.
pub fn spatial_batchnorm_forward<F: Float>(
    x: &Array4<F>,
    gamma: &Array1<F>,
    beta: &Array1<F>,
    bn_param: &mut BatchNormParam<F>,
) -> Result<(Array4<F>, BatchNormCache<F>)> {
    let (n, c, h, w) = x.dim();
    if n == 0 {
        return Err(Error::EmptyBatch {
            context: Message::new("layers.context.bn_forward"),
        });
    }
    let empty: Vec<String> = [("C", c), ("H", h), ("W", w)]
        .iter()
        .filter(|(_, len)| *len == 0)
        .map(|(name, _)| format!("{name} = 0"))
        .collect();
    if !empty.is_empty() {
        return Err(Error::invalid(
            Message::new("layers.context.bn_empty")
                .arg("shape", format!("({n}, {c}, {h}, {w})"))
                .arg("empty", empty.join(", ")),
        ));
    }
    for (name, len) in [
        ("gamma", gamma.len()),
        ("beta", beta.len()),
        ("running_mean", bn_param.running_mean.len()),
        ("running_var", bn_param.running_var.len()),
    ] {
        if len != c {
            return Err(Error::shape(
                Message::new("layers.context.bn_forward_param").arg("name", name),
                format!("({c},)"),
                format!("({len},)"),
            ));
        }
    }
    for (name, v) in [("eps", bn_param.eps), ("momentum", bn_param.momentum)] {
        if !v.is_finite() || v < 0.0 {
            return Err(Error::InvalidHyperparameter {
                name: name.into(),
                value: v,
                reason: Message::new("layers.context.finite"),
            });
        }
    }
    Allocations::new("layers.alloc.bn_forward")
        .add::<F>("layers.alloc.output", x.shape())
        .add::<F>("layers.alloc.cache_x_hat", x.shape())
        .check()?;
    let eps = F::of(bn_param.eps);
    let (mean, var) = match bn_param.mode {
        Mode::Train => {
            let (mean, var) = channel_mean_var(x);
            let m = F::of(bn_param.momentum);
            let one_minus_m = F::one() - m;
            Zip::from(&mut bn_param.running_mean)
                .and(&mean)
                .for_each(|r, &b| *r = m * *r + one_minus_m * b);
            Zip::from(&mut bn_param.running_var)
                .and(&var)
                .for_each(|r, &b| *r = m * *r + one_minus_m * b);
            (mean, var)
        }
        Mode::Test => (bn_param.running_mean.clone(), bn_param.running_var.clone()),
    };
    let inv_std = var.mapv(|v| F::one() / (v + eps).sqrt());
    let mut x_hat = x.clone();
    let mut out = x.clone();
    for ch in 0..c {
        let (m, s, g, b) = (mean[ch], inv_std[ch], gamma[ch], beta[ch]);
        Zip::from(x_hat.index_axis_mut(Axis(1), ch))
            .and(out.index_axis_mut(Axis(1), ch))
            .for_each(|xh, o| {
                *xh = (*xh - m) * s;
                *o = g * *xh + b;
            });
    }
    let cache = BatchNormCache {
        x_hat,
        gamma: gamma.clone(),
        inv_std,
        mode: bn_param.mode,
    };
    Ok((out, cache))
}

/// Backward pass of spatial batch norm.
///
/// - dout: `(N, C, H, W)`
/// - cache: from [`spatial_batchnorm_forward`]
///
/// Returns `(dx, dgamma, dbeta)` of shapes `(N, C, H, W)`, `(C,)`, `(C,)`. In train mode, with
/// M = N·H·W values per channel, dx = (γ/σ)/M · (M·dout − Σdout − x̂·Σ(dout·x̂)), because the
/// batch mean and variance depend on every x; in test mode they are constants and dx = γ·dout/σ.
///
/// Errors: a dout of another shape than x, a cache whose γ or 1/σ is not of length C, and
/// [`Error::OverBudget`] for dx.
pub fn spatial_batchnorm_backward<F: Float>(
    dout: &Array4<F>,
    cache: &BatchNormCache<F>,
) -> Result<(Array4<F>, Array1<F>, Array1<F>)> {
    let BatchNormCache {
        x_hat,
        gamma,
        inv_std,
        mode,
    } = cache;
    if dout.dim() != x_hat.dim() {
        return Err(Error::shape(
            Message::new("layers.context.bn_backward_dout"),
            format!("{:?}", x_hat.dim()),
            format!("{:?}", dout.dim()),
        ));
    }
    let c = x_hat.dim().1;
    for (name, len) in [("gamma", gamma.len()), ("inv_std", inv_std.len())] {
        if len != c {
            return Err(Error::shape(
                Message::new("layers.context.bn_backward_param").arg("name", name),
                format!("({c},)"),
                format!("({len},)"),
            ));
        }
    }
    Allocations::new("layers.alloc.bn_backward")
        .add::<F>("layers.alloc.dx", x_hat.shape())
        .check()?;
    let mut dx = Array4::zeros(x_hat.raw_dim());
    let mut dgamma = Array1::zeros(c);
    let mut dbeta = Array1::zeros(c);
    for ch in 0..c {
        let d = dout.index_axis(Axis(1), ch);
        let xh = x_hat.index_axis(Axis(1), ch);
        let sum_d = d.sum();
        let sum_d_xh = Zip::from(&d)
            .and(&xh)
            .fold(F::zero(), |acc, &a, &b| acc + a * b);
        dbeta[ch] = sum_d;
        dgamma[ch] = sum_d_xh;
        let scale = gamma[ch] * inv_std[ch];
        let mut dx_ch = dx.index_axis_mut(Axis(1), ch);
        match mode {
            Mode::Train => {
                let m = F::of(d.len() as f64);
                Zip::from(&mut dx_ch)
                    .and(&d)
                    .and(&xh)
                    .for_each(|o, &g, &h| {
                        *o = scale / m * (m * g - sum_d - h * sum_d_xh);
                    });
            }
            Mode::Test => Zip::from(&mut dx_ch)
                .and(&d)
                .for_each(|o, &g| *o = scale * g),
        }
    }
    Ok((dx, dgamma, dbeta))
}

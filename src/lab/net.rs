//! The gradient check of a whole [`ThreeLayerConvNet`], and the kinks that can spoil it.
//!
//! The analytic gradients are the model's own (`loss` returns them); the numerical ones
//! differentiate the very loss `loss` returns, one parameter at a time. A ReLU is not
//! differentiable at 0, and a max pool not where two inputs of a window tie: when a ±h step of a
//! parameter moves some ReLU input across 0, or changes the winner of a pool window, the centred
//! difference straddles a kink and measures the average of two slopes — a large relative error
//! with a correct backward pass. The check therefore watches every ReLU input and pool window
//! during every step and reports which ones were within reach of their kink, which ones a step
//! actually pushed across, and the error over the parameters whose steps crossed none.

use super::gradcheck::{
    flat, number_text, one, scalar, Checked, GradCheckSettings, Moved, Objective, Precision, Setup,
};
use crate::budget;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::layers::Mode;
use crate::models::{Activations, ConvNetConfig, Params, ThreeLayerConvNet};
use crate::rng::Rng;
use ndarray::{Array4, ArrayD, Ix1, Ix2, Ix4};
use serde::Serialize;

/// The net's initial weight scale in the panel. With the course's 1e-3 many gradients are so
/// small that the rounding of the loss (about 1e-16 of ln 10, divided by 2h) is a sizeable part of
/// them, and relative errors of 1e-5 to 1e-2 appear with a correct backward pass; much above 0.3
/// the scores grow, the softmax saturates and the same happens to dW3. At 0.2 every gradient is
/// well inside its float's precision.
pub const DEFAULT_WEIGHT_SCALE: f64 = 0.2;

/// The panel's seed of the net check: with the default shapes, scale and h, no ±h step of any
/// parameter crosses a kink (tests/lab.rs checks it), so every gradient reads "correct".
pub const DEFAULT_SEED: u64 = 231;

/// Classes of the checked net (the course's 10).
pub const NET_CLASSES: usize = 10;

/// The most parameters a net check perturbs (each costs two forward and backward passes).
const MAX_PARAMETERS: usize = 20_000;

/// Where a kink is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum KinkSite {
    /// The ReLU after the conv layer: input `(n, f, i, j)`; kink at 0.
    ConvRelu,
    /// A 2×2 max-pool window `(n, f, i, j)`: kink where its two largest inputs tie.
    Pool,
    /// The ReLU after the hidden affine layer: input `(n, j)`; kink at 0.
    HiddenRelu,
}

/// One ReLU input or pool window near its kink.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Kink {
    pub site: KinkSite,
    /// Its index in the layer's input (ReLU) or output (pool window).
    pub index: Vec<usize>,
    /// Distance from the kink at the drawn parameters: |v| for a ReLU input, the gap between
    /// the window's largest and second-largest inputs for a pool window.
    pub margin: f64,
    /// The most that one ±h step of any single parameter moved that distance.
    pub reach: f64,
    /// How many parameters' ±h steps pushed it across its kink.
    pub crossings: usize,
    /// The first such parameter: (gradient name, row-major index).
    pub example: Option<(&'static str, usize)>,
}

/// Counts for one kind of site.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SiteSummary {
    pub site: KinkSite,
    /// ReLU inputs or pool windows in all (pool windows whose inputs are all 0 have no kink of
    /// their own: only their ReLUs do).
    pub total: usize,
    /// Within reach of the kink: margin < reach.
    pub near: usize,
    /// Pushed across it by at least one parameter's ±h step.
    pub crossed: usize,
}

/// What the whole-net check learnt about kinks.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KinkReport {
    pub sites: Vec<SiteSummary>,
    /// Every site that was crossed, then the nearest others (by margin / reach), at most
    /// [`KinkReport::LISTED`] in all.
    pub nearest: Vec<Kink>,
    /// Parameters whose ±h steps crossed at least one kink.
    pub kinked_parameters: usize,
    /// Parameters in all.
    pub parameters: usize,
    /// Per gradient (in report order), the row-major indices of its kinked elements.
    #[serde(skip)]
    pub kinked_elements: Vec<Vec<usize>>,
}

impl KinkReport {
    /// How many sites [`KinkReport::nearest`] lists at most.
    pub const LISTED: usize = 12;
}

/// The ReLU inputs and pool winners of one forward pass.
struct Pattern {
    /// Conv output (the first ReLU's input), flat `(N, F, H', W')`.
    conv: Vec<f64>,
    /// Per pool window: its winner's flat index into `conv`-shaped relu1 and the signed gap,
    /// `None` when the window's largest input is not positive.
    pool: Vec<Option<(usize, f64)>>,
    /// Hidden affine output (the second ReLU's input), flat `(N, hidden)`.
    hidden: Vec<f64>,
}

impl Pattern {
    fn of<F: Float>(a: &Activations<F>) -> Self {
        let relu1 = a.relu1.as_standard_layout();
        let (n, f, h, w) = relu1.dim();
        let (ho, wo) = (a.pool.dim().2, a.pool.dim().3);
        let mut pool = Vec::with_capacity(n * f * ho * wo);
        for img in 0..n {
            for ch in 0..f {
                for i in 0..ho {
                    for j in 0..wo {
                        // The 2×2 stride-2 window; the first maximum wins, as in the layer.
                        let cells = [(0, 0), (0, 1), (1, 0), (1, 1)]
                            .map(|(di, dj)| (2 * i + di, 2 * j + dj))
                            .map(|(r, c)| {
                                (((img * f + ch) * h + r) * w + c, relu1[[img, ch, r, c]])
                            });
                        pool.push(window(&cells));
                    }
                }
            }
        }
        Pattern {
            conv: a.conv.iter().map(|v| v.as_f64()).collect(),
            pool,
            hidden: a.affine1.iter().map(|v| v.as_f64()).collect(),
        }
    }
}

/// The winner of a window and its lead over the runner-up, if the winner is positive.
fn window<F: Float>(cells: &[(usize, F); 4]) -> Option<(usize, f64)> {
    let mut best = 0;
    for k in 1..4 {
        if cells[k].1 > cells[best].1 {
            best = k;
        }
    }
    let top = cells[best].1.as_f64();
    if top <= 0.0 {
        return None;
    }
    let second = (0..4)
        .filter(|&k| k != best)
        .map(|k| cells[k].1.as_f64())
        .fold(f64::NEG_INFINITY, f64::max);
    Some((cells[best].0, top - second))
}

/// Per site: how far steps moved it and who crossed it.
#[derive(Clone, Default)]
struct Watch {
    reach: f64,
    crossings: usize,
    example: Option<Moved>,
    /// The last parameter step that crossed it (so +h and −h count once).
    last: Option<Moved>,
}

impl Watch {
    fn moved(&mut self, by: f64) {
        if by > self.reach || by.is_nan() {
            self.reach = if by.is_nan() { f64::INFINITY } else { by };
        }
    }

    fn crossed(&mut self, step: Moved) {
        if self.last != Some(step) {
            self.crossings += 1;
            self.last = Some(step);
            self.example.get_or_insert(step);
        }
    }
}

/// The net, its batch, and what the check has seen of its kinks.
pub(super) struct NetObjective<F: Float> {
    net: ThreeLayerConvNet<F>,
    x: Array4<F>,
    y: Vec<usize>,
    base: Pattern,
    conv: Vec<Watch>,
    pool: Vec<Watch>,
    hidden: Vec<Watch>,
    /// Per input, per element: did its ±h steps cross a kink?
    kinked: Vec<Vec<bool>>,
    conv_dim: (usize, usize, usize, usize),
    pool_dim: (usize, usize, usize, usize),
    hidden_dim: (usize, usize),
    /// The loss's weight in the centred difference.
    one: ArrayD<F>,
}

/// The message for a weight scale whose net overflows: the weights, not anything else, are to
/// blame.
/// `why` says what overflowed ("the loss is inf", "the weights themselves are infinite in f32").
fn too_large_a_scale(s: &GradCheckSettings, why: &str) -> Error {
    Error::invalid(format!(
        "weight scale {} is too large: the net's scores overflow {} ({why}), so there is \
         no gradient to check. Use a weight scale of about 0.01 to 1 ({DEFAULT_WEIGHT_SCALE} is \
         the panel's default, 1e-3 the course's)",
        number_text(s.weight_scale),
        match s.precision {
            Precision::F32 => "f32",
            Precision::F64 => "f64",
        },
    ))
}

impl<F: Float> NetObjective<F> {
    /// Draws a net (the course's `ThreeLayerConvNet` with the settings' shapes, weight scale and
    /// seed; 10 classes; reg 0), a batch x `(N, C, H, W)` from N(0, 1) and labels, and computes
    /// the analytic gradients with `loss`.
    pub(super) fn setup(s: &GradCheckSettings) -> Result<Setup<F>> {
        let config = ConvNetConfig {
            input_dim: (s.c, s.h, s.w),
            num_filters: s.f,
            filter_size: s.filter_size,
            hidden_dim: s.hidden,
            num_classes: NET_CLASSES,
            weight_scale: s.weight_scale,
            reg: 0.0,
            batchnorm: false,
            seed: s.seed,
        };
        let parameters: u128 = config
            .tensor_shapes()?
            .iter()
            .map(|(_, shape)| budget::count(shape))
            .sum();
        if parameters > MAX_PARAMETERS as u128 {
            return Err(Error::invalid(format!(
                "this net has {parameters} parameters; the check runs the net twice per parameter, so keep \
                 it at most {MAX_PARAMETERS} (fewer filters, a smaller hidden layer or smaller images)"
            )));
        }
        // With the sizes valid and reg 0, the net refuses only a weight scale whose weights would
        // be infinite in F; it says so in words about training, the Lab in its own.
        config.validate()?;
        config.layer_dims()?;
        let mut net = ThreeLayerConvNet::<F>::new(config)
            .map_err(|_| too_large_a_scale(s, "the initial weights would be infinite"))?;
        // The weights came from Rng::new(seed); the batch from a second stream of the same seed.
        let mut rng = Rng::new(s.seed ^ 0x9e37_79b9_7f4a_7c15);
        let x: Array4<F> = rng.normal_array((s.n, s.c, s.h, s.w), 1.0);
        let y: Vec<usize> = (0..s.n).map(|_| rng.below(NET_CLASSES)).collect();
        let (loss, grads) = net.loss(&x, &y)?;
        let finite = |a: &[F]| a.iter().all(|v| v.is_finite());
        if !loss.is_finite() || !grads.slices().into_iter().all(finite) {
            return Err(too_large_a_scale(
                s,
                &format!("the loss is {}", number_text(loss.as_f64())),
            ));
        }
        let acts = net.activations(&x, Mode::Train)?;
        let base = Pattern::of(&acts);
        let p = net.params();
        let inputs: Vec<ArrayD<F>> = vec![
            p.w1.clone().into_dyn(),
            p.b1.clone().into_dyn(),
            p.w2.clone().into_dyn(),
            p.b2.clone().into_dyn(),
            p.w3.clone().into_dyn(),
            p.b3.clone().into_dyn(),
        ];
        let names = ["dW1", "db1", "dW2", "db2", "dW3", "db3"];
        let analytic: Vec<ArrayD<F>> = vec![
            grads.w1.into_dyn(),
            grads.b1.into_dyn(),
            grads.w2.into_dyn(),
            grads.b2.into_dyn(),
            grads.w3.into_dyn(),
            grads.b3.into_dyn(),
        ];
        let input_shapes = vec![
            ("x", x.shape().to_vec()),
            ("W1", inputs[0].shape().to_vec()),
            ("W2", inputs[2].shape().to_vec()),
            ("W3", inputs[4].shape().to_vec()),
        ];
        let checked = names
            .iter()
            .zip(analytic)
            .map(|(&name, a)| Checked {
                name,
                numerical: ArrayD::zeros(a.raw_dim()),
                analytic: a.as_standard_layout().into_owned(),
            })
            .collect();
        let objective = NetObjective {
            kinked: inputs.iter().map(|a| vec![false; a.len()]).collect(),
            conv: vec![Watch::default(); base.conv.len()],
            pool: vec![Watch::default(); base.pool.len()],
            hidden: vec![Watch::default(); base.hidden.len()],
            conv_dim: acts.conv.dim(),
            pool_dim: acts.pool.dim(),
            hidden_dim: acts.affine1.dim(),
            base,
            net,
            x,
            y,
            one: one(),
        };
        Ok(Setup {
            input_shapes,
            inputs,
            checked,
            objective: Box::new(objective),
        })
    }

    fn params_of(inputs: &[ArrayD<F>]) -> Params<F> {
        fn dim<F: Clone, D: ndarray::Dimension>(a: &ArrayD<F>) -> ndarray::Array<F, D> {
            a.clone()
                .into_dimensionality()
                .expect("the check built the net's arrays with their own shapes")
        }
        Params {
            w1: dim::<F, Ix4>(&inputs[0]),
            b1: dim::<F, Ix1>(&inputs[1]),
            w2: dim::<F, Ix2>(&inputs[2]),
            b2: dim::<F, Ix1>(&inputs[3]),
            w3: dim::<F, Ix2>(&inputs[4]),
            b3: dim::<F, Ix1>(&inputs[5]),
            bn: None,
        }
    }

    /// Compares a forward pass with the drawn point's and records what moved and what crossed.
    fn watch(&mut self, a: &Activations<F>, step: Moved) {
        let now = Pattern::of(a);
        let mut crossed = false;
        for (k, (&v, &v0)) in now.conv.iter().zip(&self.base.conv).enumerate() {
            self.conv[k].moved((v - v0).abs());
            if (v > 0.0) != (v0 > 0.0) {
                self.conv[k].crossed(step);
                crossed = true;
            }
        }
        for (k, (&v, &v0)) in now.hidden.iter().zip(&self.base.hidden).enumerate() {
            self.hidden[k].moved((v - v0).abs());
            if (v > 0.0) != (v0 > 0.0) {
                self.hidden[k].crossed(step);
                crossed = true;
            }
        }
        for (k, (now, base)) in now.pool.iter().zip(&self.base.pool).enumerate() {
            if let (Some((winner, gap)), Some((winner0, gap0))) = (now, base) {
                // Signed lead of the drawn point's winner: negative once another input wins.
                let lead = if winner == winner0 { *gap } else { -gap };
                self.pool[k].moved((lead - gap0).abs());
                if winner != winner0 {
                    self.pool[k].crossed(step);
                    crossed = true;
                }
            }
        }
        if crossed {
            self.kinked[step.input][step.index] = true;
        }
    }
}

impl<F: Float> Objective<F> for NetObjective<F> {
    fn value(&mut self, inputs: &[ArrayD<F>], moved: Moved) -> Option<ArrayD<F>> {
        self.net.set_params(Self::params_of(inputs)).ok()?;
        let (loss, _) = self.net.loss(&self.x, &self.y).ok()?;
        if let Ok(a) = self.net.activations(&self.x, Mode::Train) {
            self.watch(&a, moved);
        }
        Some(scalar(loss))
    }

    fn upstream(&self) -> &ArrayD<F> {
        &self.one
    }

    fn kinks(&self, inputs: &[ArrayD<F>], names: &[&'static str]) -> Option<KinkReport> {
        let unravel = |mut k: usize, dims: &[usize]| {
            let mut index = vec![0; dims.len()];
            for d in (0..dims.len()).rev() {
                index[d] = k % dims[d];
                k /= dims[d];
            }
            index
        };
        let (cn, cf, ch, cw) = self.conv_dim;
        let (pn, pf, ph, pw) = self.pool_dim;
        let (hn, hh) = self.hidden_dim;
        let mut all = Vec::new();
        let mut sites = Vec::new();
        let margins_conv: Vec<Option<f64>> = self.base.conv.iter().map(|v| Some(v.abs())).collect();
        let margins_pool: Vec<Option<f64>> =
            self.base.pool.iter().map(|p| p.map(|(_, g)| g)).collect();
        let margins_hidden: Vec<Option<f64>> =
            self.base.hidden.iter().map(|v| Some(v.abs())).collect();
        for (site, watches, margins, dims) in [
            (
                KinkSite::ConvRelu,
                &self.conv,
                &margins_conv,
                vec![cn, cf, ch, cw],
            ),
            (
                KinkSite::Pool,
                &self.pool,
                &margins_pool,
                vec![pn, pf, ph, pw],
            ),
            (
                KinkSite::HiddenRelu,
                &self.hidden,
                &margins_hidden,
                vec![hn, hh],
            ),
        ] {
            let mut summary = SiteSummary {
                site,
                total: 0,
                near: 0,
                crossed: 0,
            };
            for (k, (watch, margin)) in watches.iter().zip(margins.iter()).enumerate() {
                let Some(margin) = *margin else { continue };
                summary.total += 1;
                let near = margin < watch.reach;
                summary.near += usize::from(near);
                summary.crossed += usize::from(watch.crossings > 0);
                if near || watch.crossings > 0 {
                    all.push(Kink {
                        site,
                        index: unravel(k, &dims),
                        margin,
                        reach: watch.reach,
                        crossings: watch.crossings,
                        example: watch.example.map(|m| (names[m.input], m.index)),
                    });
                }
            }
            sites.push(summary);
        }
        // Crossed first, then by how close they came (margin relative to reach).
        all.sort_by(|a, b| {
            (b.crossings > 0)
                .cmp(&(a.crossings > 0))
                .then((a.margin / a.reach).total_cmp(&(b.margin / b.reach)))
        });
        all.truncate(KinkReport::LISTED);
        let kinked_elements: Vec<Vec<usize>> = self
            .kinked
            .iter()
            .map(|flags| {
                flags
                    .iter()
                    .enumerate()
                    .filter(|(_, &f)| f)
                    .map(|(i, _)| i)
                    .collect()
            })
            .collect();
        Some(KinkReport {
            sites,
            nearest: all,
            kinked_parameters: kinked_elements.iter().map(Vec::len).sum(),
            parameters: inputs.iter().map(|a| flat(a).len()).sum(),
            kinked_elements,
        })
    }
}

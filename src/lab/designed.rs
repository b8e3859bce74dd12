//! The gradient check of a designed network: any stack the Shapes panel's network table
//! describes, run as a [`Sequential`] model with the softmax loss, every entry of its parameter
//! table (`dW1`, `db1`, `dgamma1`, …) checked in the chosen precision.
//!
//! The network comes as the table's text (an empty text is the lecture's network, as in the
//! Shapes panel); its input shape is the batch's, its last fc layer's outputs are the classes.
//! The batch is N(0, 1) images and labels drawn from the seed, the weights are He-initialised (or
//! `weight_scale · N(0, 1)`), dropout keeps one mask for the whole check
//! ([`Sequential::fix_dropout`]) and batch norm normalises with the batch's statistics, as
//! training does. The analytic gradients are the model's own ([`Sequential::loss`]); the numerical
//! ones differentiate the same loss, computed from the scores of
//! [`Sequential::training_layer_outputs`] (the very forward pass `loss` runs, reg 0), one
//! parameter at a time. Those outputs are also what the kink watch reads: every ReLU layer's input
//! and every max-pool layer's windows ([`super::kinks`]), each group named as the table names its
//! layer, `layer 3 (relu)`.
//!
//! A check costs two forward passes per parameter. A network of more than 20 000 parameters (the
//! limit of the three-layer net's check), or whose passes would do more than
//! [`MAX_DESIGNED_WORK`] operations, is checked on a sample, as the course's `grad_check_sparse`
//! does: the same number of values from each parameter array, as many as those limits allow,
//! drawn from the seed ([`super::Sampled`] in the report says how many). A network too large for
//! even one value per array, or of more than [`MAX_SAMPLED_PARAMETERS`], is refused before
//! anything is drawn; the batch's activations are checked against the engine's budget
//! ([`Sequential::check_batch`]).
//!
//! ```
//! use cnn_playground::lab::{gradient_check, GradCheckSettings, LabLayer, Verdict};
//! let settings = GradCheckSettings {
//!     network: "6x6x2: conv3x3-2 pad1, relu, pool2, fc3".into(),
//!     n: 2,
//!     ..GradCheckSettings::for_layer(LabLayer::Designed)
//! };
//! let report = gradient_check(&settings).unwrap();
//! let names: Vec<&str> = report.gradients.iter().map(|g| g.name.as_str()).collect();
//! assert_eq!(names, ["dW1", "db1", "dW2", "db2"]);
//! assert!(report.gradients.iter().all(|g| g.kink_free_verdict == Verdict::Correct));
//! ```

use super::gradcheck::{checked, one, scalar, GradCheckSettings, LabInit, Moved, Objective, Setup};
use super::kinks::{
    pool_windows, relu_inputs, KinkReport, KinkSite, Kinks, Values, BYTES_PER_SITE,
};
use super::net::{draw_batch, too_large_a_scale, MAX_PARAMETERS};
use crate::budget::Tally;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::i18n::{Lang, Message};
use crate::layers::softmax_loss;
use crate::models::{Init, LayerOutput, Loss, Sequential, SequentialConfig};
use crate::rng::Rng;
use crate::shapes::{LayerSpec, Network};
use ndarray::{Array4, ArrayD};

/// The panel's example of a designed network: every kind of layer the table knows — conv, batch
/// norm, ReLU, max pool, average pool, dropout, fc — on 8×8×3 images, 10 classes, 592 parameters.
pub const DESIGNED_EXAMPLE: &str =
    "8x8x3: conv3x3-4 pad1, relu, pool2, bn, conv3x3-6 pad1, relu, avgpool2, dropout0.8, fc10";

/// The example's batch size.
pub const DESIGNED_EXAMPLE_N: usize = 4;

/// The example's seed: with He initialisation and h = 1e-5 no ±h step of any parameter crosses a
/// kink (tests/lab_designed.rs checks it), so every gradient reads "correct".
pub const DESIGNED_EXAMPLE_SEED: u64 = 231;

/// The most operations a designed network's check may do (beyond it, the check samples): two
/// forward passes per checked parameter, each counted as the network's multiply-adds plus one per
/// activation value, for every image of the batch. A few seconds of the Lab's worker in f64:
/// 3.3·10⁹ of them (a 16×16×3 net of two conv layers, 3 962 parameters, 3 images) took 2.5 s in
/// Chromium on the project's 2-core machine.
pub const MAX_DESIGNED_WORK: u128 = 4_000_000_000;

/// The most parameters of a network the check takes, even on a sample: it holds each one several
/// times (the model's value and gradient, the checked copy, the analytic and numerical gradients)
/// and the report carries three values of each to the page, which draws them in heat maps. Four
/// times the lecture's network.
pub const MAX_SAMPLED_PARAMETERS: usize = 300_000;

/// What a designed network's check watches for kinks, per group: the step whose input it reads.
#[derive(Debug, Clone, Copy)]
enum Watched {
    /// The ReLU of step `step` (its input).
    Relu { step: usize },
    /// The max pool of step `step` (windows on its input); `through_relu` if a ReLU follows it.
    MaxPool {
        step: usize,
        size: usize,
        stride: usize,
        through_relu: bool,
    },
}

/// The model, its batch, and what the check has seen of its kinks.
pub(super) struct DesignedObjective<F: Float> {
    model: Sequential<F>,
    /// The parameter table's names, in its order (the checked inputs' order).
    names: Vec<String>,
    x: Array4<F>,
    y: Vec<usize>,
    classes: usize,
    watched: Vec<Watched>,
    kinks: Kinks,
    /// The input set in the model by the last evaluation (restored in the next one).
    last: Option<usize>,
    /// Per input, what the student should know about its gradient (see [`bias_notes`]).
    notes: Vec<Option<Message>>,
    /// Per input, the elements to check when the network is too large to check whole.
    sample: Option<Vec<Vec<usize>>>,
    /// The loss's weight in the centred difference.
    one: ArrayD<F>,
}

/// The network of `text` (empty: the lecture's) and how a message calls it.
fn network_of(text: &str) -> Result<(Network, Message)> {
    if text.trim().is_empty() {
        Ok((
            Network::lecture(),
            Message::new("models.lab.lecture_network"),
        ))
    } else {
        Ok((text.parse()?, Message::new("models.lab.this_network")))
    }
}

/// The classes: the outputs of the last layer, which must be an fc layer with at least 2.
fn classes_of(network: &Network) -> Result<usize> {
    let layers = &network.layers;
    match layers.last() {
        Some(&LayerSpec::Fc { outputs }) if outputs >= 2 => Ok(outputs),
        Some(last) => Err(Error::invalid(
            Message::new("models.lab.last_layer")
                .nested("layer", crate::models::layer_name(layers.len(), last)),
        )),
        None => Err(Error::InvalidInput(Message::new("models.lab.no_layers"))),
    }
}

/// Per entry of the parameter table (`names`, in its order): a note for the bias of a conv or fc
/// layer directly followed by batch norm. Batch norm subtracts each channel's mean over the batch,
/// and with it whatever the bias added: the loss does not depend on that bias, its true gradient is
/// 0, and both its analytic and numerical values are rounding noise — whose relative error the
/// course's formula (divided by at least 1e-8) can read as "wrong".
fn bias_notes(network: &Network, names: &[String]) -> Vec<Option<Message>> {
    let mut notes = vec![None; names.len()];
    let mut weighted = 0;
    for (i, layer) in network.layers.iter().enumerate() {
        if !matches!(layer, LayerSpec::Conv { .. } | LayerSpec::Fc { .. }) {
            continue;
        }
        weighted += 1;
        if network.layers.get(i + 1) != Some(&LayerSpec::Bn) {
            continue;
        }
        let bias = format!("b{weighted}");
        if let Some(k) = names.iter().position(|n| *n == bias) {
            notes[k] = Some(
                Message::new("models.lab.bias_before_batchnorm")
                    .arg("bias", &bias)
                    .arg("layer", i + 2),
            );
        }
    }
    notes
}

/// How many elements of each parameter array the check takes: `None` for all of them, when the
/// network has at most [`MAX_PARAMETERS`] parameters and checking them all takes at most
/// [`MAX_DESIGNED_WORK`] operations. Otherwise it samples, as the course's `grad_check_sparse`
/// does, the same number from each array: as many as those limits allow. Each checked value costs
/// two passes of the batch, counted as the network's multiply-adds plus one per activation
/// value per image. Errors if not even one value per array fits.
fn sample_size(
    network: &Network,
    which: &Message,
    n: usize,
    summary: &crate::shapes::Summary,
) -> Result<Option<usize>> {
    let parameters = u128::from(summary.params);
    if parameters > MAX_SAMPLED_PARAMETERS as u128 {
        return Err(Error::invalid(
            Message::new("models.lab.too_many_parameters")
                .nested("which", which.clone())
                .arg("parameters", parameters)
                .arg("max", MAX_SAMPLED_PARAMETERS),
        ));
    }
    let per_image = u128::from(summary.macs) + u128::from(summary.activations);
    // The walk counts at most 2^53 of each per image, so this is below 2^55 · 2^64.
    let per_value = 2 * per_image * n as u128;
    let all = per_value.checked_mul(parameters);
    if parameters <= MAX_PARAMETERS as u128 && all.is_some_and(|w| w <= MAX_DESIGNED_WORK) {
        return Ok(None);
    }
    let arrays = 2 * network
        .layers
        .iter()
        .filter(|l| {
            matches!(
                l,
                LayerSpec::Conv { .. } | LayerSpec::Fc { .. } | LayerSpec::Bn
            )
        })
        .count();
    let affordable = (MAX_DESIGNED_WORK / per_value.max(1)).min(MAX_PARAMETERS as u128);
    let per_array = affordable / arrays.max(1) as u128;
    if per_array == 0 {
        return Err(Error::invalid(
            Message::new("models.lab.too_much_work")
                .nested("which", which.clone())
                .arg("n", n)
                .arg("per_image", per_image)
                .arg("per_value", per_value)
                .arg("arrays", arrays)
                .arg("max", MAX_DESIGNED_WORK),
        ));
    }
    // Below MAX_PARAMETERS, so it fits.
    Ok(Some(per_array as usize))
}

/// `k` distinct indices below `len` drawn from `rng`, sorted (all of them if `len ≤ k`): Floyd's
/// algorithm, which allocates only the `k` it draws.
fn pick(rng: &mut Rng, len: usize, k: usize) -> Vec<usize> {
    if len <= k {
        return (0..len).collect();
    }
    let mut chosen = std::collections::BTreeSet::new();
    for j in len - k..len {
        let t = rng.below(j + 1);
        if !chosen.insert(t) {
            chosen.insert(j);
        }
    }
    chosen.into_iter().collect()
}

/// `layer 3 (relu)`: a layer as the table names it.
fn layer_label(output: &LayerOutput<impl Float>) -> Message {
    crate::models::layer_name(output.number, &output.layer)
}

impl<F: Float> DesignedObjective<F> {
    /// Builds the model of `s.network` (seeded by `s.seed`, initialised as `s.init` says), draws
    /// the batch of `s.n` images and its labels, and computes the analytic gradients with `loss`.
    pub(super) fn setup(s: &GradCheckSettings) -> Result<Setup<F>> {
        let (network, which) = network_of(&s.network)?;
        let classes = classes_of(&network)?;
        let walk = network.walk()?;
        // A layer that does not fit is the model's to explain (Sequential::new names it).
        let per_array = match walk.error {
            None => sample_size(&network, &which, s.n, &walk.summary)?,
            Some(_) => None,
        };
        let config = SequentialConfig {
            init: match s.init {
                LabInit::He => Init::He,
                LabInit::Scale => Init::Scale(s.weight_scale),
            },
            loss: Loss::Softmax,
            reg: 0.0,
            seed: s.seed,
            ..SequentialConfig::new(network.clone(), classes)
        };
        let mut model = Sequential::<F>::new(config)?;
        model.check_batch(s.n)?;
        // One dropout mask for every pass of the check.
        model.fix_dropout(Some(s.seed));
        let input = network.input;
        let (x, y) = draw_batch(s.seed, (s.n, input.c, input.h, input.w), classes);
        let (loss, table) = model.loss(&x, &y)?;
        let finite = table
            .entries()
            .iter()
            .all(|p| p.grad.iter().all(|v| v.is_finite()));
        if !loss.is_finite() || !finite {
            let why = super::net::loss_is(loss.as_f64());
            return Err(match s.init {
                LabInit::Scale => too_large_a_scale(s, why),
                LabInit::He => Error::invalid(
                    Message::new("models.lab.he_overflows")
                        .nested("which", which.clone())
                        .nested("why", why),
                ),
            });
        }
        let names: Vec<String> = table.entries().iter().map(|p| p.name.clone()).collect();
        // The sample's own stream of the seed (the weights and the batch have theirs).
        let mut rng = Rng::new(s.seed ^ 0x0005_eed0_f5a4_d1e5);
        let sample = per_array.map(|k| {
            table
                .entries()
                .iter()
                .map(|p| pick(&mut rng, p.value.len(), k))
                .collect()
        });
        let inputs: Vec<ArrayD<F>> = table.entries().iter().map(|p| p.value.clone()).collect();
        let checked = table
            .entries()
            .iter()
            .map(|p| checked(format!("d{}", p.name), p.grad.clone()))
            .collect();
        let mut input_shapes = vec![("x".to_string(), x.shape().to_vec())];
        input_shapes.extend(
            table
                .entries()
                .iter()
                .filter(|p| p.decays)
                .map(|p| (p.name.clone(), p.value.shape().to_vec())),
        );

        let outs = model.training_layer_outputs(&x)?;
        let mut order: Vec<(usize, Watched)> = Vec::new();
        for (i, out) in outs.iter().enumerate() {
            match out.layer {
                LayerSpec::Relu => order.push((out.number, Watched::Relu { step: i })),
                LayerSpec::Pool { size, stride } => {
                    let through_relu = outs.get(i + 1).is_some_and(|o| o.layer == LayerSpec::Relu);
                    order.push((
                        out.number,
                        Watched::MaxPool {
                            step: i,
                            size,
                            stride,
                            through_relu,
                        },
                    ));
                }
                _ => {}
            }
        }
        // In the table's order (a ReLU directly before a max pool runs after it).
        order.sort_by_key(|&(number, _)| number);
        let watched: Vec<Watched> = order.into_iter().map(|(_, w)| w).collect();
        // The watch keeps, per site, its drawn value and what the steps did to it, and builds
        // the values of one pass at a time.
        let sites: usize = watched
            .iter()
            .map(|w| match *w {
                Watched::Relu { step } => input_of(&x, &outs, step).len(),
                Watched::MaxPool { step, .. } => outs[step].output.len(),
            })
            .sum();
        Tally::new(format!(
            "the kink watch of {sites} ReLU inputs and pool windows"
        ))
        .add::<u8>(&[sites, BYTES_PER_SITE])
        .check()?;
        let groups = watched
            .iter()
            .map(|&w| {
                let (site, step) = match w {
                    Watched::Relu { step } => (KinkSite::Relu, step),
                    Watched::MaxPool { step, .. } => (KinkSite::MaxPool, step),
                };
                let dims = match w {
                    Watched::Relu { step } => input_of(&x, &outs, step).shape().to_vec(),
                    Watched::MaxPool { step, .. } => outs[step].output.shape().to_vec(),
                };
                (
                    site,
                    Some(layer_label(&outs[step])),
                    dims,
                    values(w, &x, &outs),
                )
            })
            .collect();
        let kinks = Kinks::new(groups, inputs.iter().map(|a| a.len()));
        let notes = bias_notes(&network, &names);
        let objective = DesignedObjective {
            model,
            names,
            x,
            y,
            classes,
            watched,
            kinks,
            last: None,
            notes,
            sample,
            one: one(),
        };
        Ok(Setup {
            input_shapes,
            inputs,
            checked,
            objective: Box::new(objective),
        })
    }

    /// The training loss at the model's current parameters, as [`Sequential::loss`] computes it
    /// (reg 0), and every layer's output.
    fn forward(&self) -> Result<(F, Vec<LayerOutput<F>>)> {
        let outs = self.model.training_layer_outputs(&self.x)?;
        let last = outs
            .last()
            .ok_or_else(|| Error::InvalidInput(Message::new("models.lab.no_layers_at_all")))?;
        let n = self.x.dim().0;
        let scores = last
            .output
            .view()
            .into_shape_with_order((n, self.classes))
            .expect("the last layer is fc with one output per class")
            .to_owned();
        let (loss, _) = softmax_loss(&scores, &self.y)?;
        Ok((loss, outs))
    }
}

/// The input of step `step`: x for the first, else the previous step's output.
fn input_of<'a, F: Float>(
    x: &'a Array4<F>,
    outs: &'a [LayerOutput<F>],
    step: usize,
) -> &'a Array4<F> {
    match step.checked_sub(1) {
        Some(prev) => &outs[prev].output,
        None => x,
    }
}

/// The values one group watches in a pass.
fn values<F: Float>(w: Watched, x: &Array4<F>, outs: &[LayerOutput<F>]) -> Values {
    match w {
        Watched::Relu { step } => relu_inputs(input_of(x, outs, step).iter().copied()),
        Watched::MaxPool {
            step,
            size,
            stride,
            through_relu,
        } => pool_windows(input_of(x, outs, step).view(), size, stride, through_relu),
    }
}

impl<F: Float> Objective<F> for DesignedObjective<F> {
    fn value(&mut self, inputs: &[ArrayD<F>], moved: Moved) -> Option<ArrayD<F>> {
        // The check restores an element after its two steps; the model learns it here.
        if let Some(prev) = self.last.filter(|&p| p != moved.input) {
            self.model
                .set_param(&self.names[prev], inputs[prev].clone())
                .ok()?;
        }
        self.model
            .set_param(&self.names[moved.input], inputs[moved.input].clone())
            .ok()?;
        self.last = Some(moved.input);
        let (loss, outs) = self.forward().ok()?;
        let now: Vec<Values> = self
            .watched
            .iter()
            .map(|&w| values(w, &self.x, &outs))
            .collect();
        self.kinks.watch(&now, moved);
        Some(scalar(loss))
    }

    fn upstream(&self) -> &ArrayD<F> {
        &self.one
    }

    fn kinks(&self, inputs: &[ArrayD<F>], names: &[String], lang: Lang) -> Option<KinkReport> {
        Some(self.kinks.report(inputs, names, lang))
    }

    fn note(&self, input: usize) -> Option<Message> {
        self.notes.get(input).cloned().flatten()
    }

    fn sample(&self) -> Option<&[Vec<usize>]> {
        self.sample.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::LabLayer;

    /// The numerical gradients differentiate exactly the loss `Sequential::loss` returns.
    #[test]
    fn the_checked_loss_is_the_models_loss_bit_for_bit() {
        let s = GradCheckSettings::for_layer(LabLayer::Designed);
        let (network, _) = network_of(DESIGNED_EXAMPLE).unwrap();
        let config = SequentialConfig {
            seed: s.seed,
            ..SequentialConfig::new(network, 10)
        };
        let mut model = Sequential::<f64>::new(config).unwrap();
        model.fix_dropout(Some(s.seed));
        let (x, y) = draw_batch(s.seed, (s.n, 3, 8, 8), 10);
        let objective = DesignedObjective {
            model: model.clone(),
            names: Vec::new(),
            x: x.clone(),
            y: y.clone(),
            classes: 10,
            watched: Vec::new(),
            kinks: Kinks::new(Vec::new(), []),
            last: None,
            notes: Vec::new(),
            sample: None,
            one: one(),
        };
        let (checked, _) = objective.forward().unwrap();
        let (loss, _) = model.loss(&x, &y).unwrap();
        assert_eq!(checked.to_bits(), loss.to_bits());
    }
}

//! A network built from its description: the Shapes panel's network table becomes the model.
//!
//! [`Sequential`] runs any stack the table's text format describes ([`Network`]: conv, ReLU,
//! max and average pool, dropout, spatial batch norm, fc) with the softmax or SVM loss on the last
//! layer's scores ([`Loss`]), on the same fast layers as [`super::ThreeLayerConvNet`] (conv into
//! a reused [`ConvWorkspace`], pooling with an argmax, affine on the GEMM), so the same
//! architecture trains as fast either way and gives the same loss and gradients from the same
//! weights.
//!
//! Its learned arrays live in one [`ParamTable`], named as the course names them: the k-th layer
//! with weights (conv or fc) owns `Wk` and `bk`, the j-th batch norm layer `gammaj` and `betaj`.
//! Each entry holds its value and its gradient (and is the place an optimizer's state for it
//! belongs), so a new kind of layer adds entries, not fields.
//!
//! [`Sequential::loss`] is training: dropout draws a fresh mask on every call (seeded from the
//! model's seed and a count of the calls, so a run is reproducible; [`Sequential::fix_dropout`]
//! keeps one mask for a gradient check) and batch norm normalises with the batch's statistics and
//! updates its running ones. [`Sequential::scores`], [`Sequential::predict`] and
//! [`Sequential::layer_outputs`] are test time: dropout is the identity and batch norm uses the
//! running statistics.
//!
//! As in the three-layer net, a ReLU directly followed by a max pool runs after it (pooling the
//! pre-activation, then the ReLU on the pooled values, a quarter of them with 2×2 windows): max
//! pooling and `max(0, ·)` commute exactly, gradients included.
//!
//! ```
//! use cnn_playground::models::{Init, Sequential, SequentialConfig};
//! use cnn_playground::rng::Rng;
//! use ndarray::Array4;
//! let network = "8x8x3: conv3x3-4 pad1, relu, pool2, fc10, relu, fc5".parse().unwrap();
//! let config = SequentialConfig { init: Init::Scale(1e-3), ..SequentialConfig::new(network, 5) };
//! let mut model = Sequential::<f64>::new(config).unwrap();
//! let x: Array4<f64> = Rng::new(1).normal_array((4, 3, 8, 8), 1.0);
//! let (loss, grads) = model.loss(&x, &[0, 1, 2, 3]).unwrap();
//! // Small random weights give near-uniform class scores: the loss starts near ln 5.
//! assert!((loss - 5f64.ln()).abs() < 0.01);
//! assert_eq!(grads.grad("W1").unwrap().shape(), &[4, 3, 3, 3]);
//! assert_eq!(grads.grad("W2").unwrap().shape(), &[64, 10]);
//! ```

use crate::budget::{self, Tally};
use crate::error::{Error, Result};
use crate::float::Float;
use crate::gemm::GemmScratch;
use crate::i18n::{Lang, Message};
use crate::layers::batchnorm::{
    spatial_batchnorm_backward, spatial_batchnorm_forward, BatchNormCache, BatchNormParam, Mode,
};
use crate::layers::conv_fast::{
    conv_backward_into, conv_forward_into, ConvGradsMut, ConvWorkspace,
};
use crate::layers::dropout::{dropout_backward, dropout_forward, DropoutCache, DropoutParam};
use crate::layers::init::{he_std_affine, he_std_conv};
use crate::layers::pool_fast::{
    avg_pool_backward_into, avg_pool_forward_into, max_pool_backward_into, max_pool_forward_into,
};
use crate::layers::{
    affine_backward_into, affine_forward_into, softmax_loss, svm_loss, AffineGradsMut, ConvParam,
    PoolParam,
};
use crate::optim::{Optimizer, State};
use crate::rng::Rng;
use crate::shapes::{LayerSpec, Network, Shape};
use ndarray::{
    Array1, Array2, Array4, ArrayD, ArrayView1, ArrayView2, ArrayView4, ArrayViewMut2,
    ArrayViewMut4, Ix1, Ix2, Ix4, IxDyn, Zip,
};
use serde::{Deserialize, Serialize};

use super::model::Model;
use super::three_layer::{argmax_rows, check_representable, short_number, ThreeLayerConvNet};

/// The description, the classes and the initialisation of a [`Sequential`] model.
#[derive(Debug, Clone, PartialEq)]
pub struct SequentialConfig {
    /// The input `(C, H, W)` and the layers, as the network table writes them. The last layer is
    /// the scores: an fc layer with one output per class.
    pub network: Network,
    /// Number of classes (at least 2).
    pub num_classes: usize,
    /// How the initial weights are drawn (biases start at 0, batch norm's γ at 1 and β at 0).
    pub init: Init,
    /// The loss on the scores: softmax (cross-entropy) or the multiclass SVM.
    pub loss: Loss,
    /// L2 regularization strength: the loss adds `0.5·reg·Σ W²` over every weight array (not the
    /// biases).
    pub reg: f64,
    /// Seed of the initial weights: W1, W2, … are drawn in that order from `Rng::new(seed)`, as
    /// the three-layer net draws its own. Dropout's masks are seeded from it too.
    pub seed: u64,
}

/// How a [`Sequential`] model draws its initial weights, each `std · N(0, 1)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Init {
    /// He (Kaiming) initialisation: `std = sqrt(2 / fan_in)`, with fan_in `C·k·k` for a conv
    /// layer's filters and `D = C·H·W` for an fc layer's weights, so that the signal keeps its
    /// scale through ReLU layers. The default for designed networks.
    He,
    /// One standard deviation for every weight array, the course's `weight_scale` (the
    /// three-layer net's initialisation).
    Scale(f64),
}

/// The loss on the class scores.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Loss {
    /// Softmax cross-entropy (the course's `softmax_loss`).
    #[default]
    Softmax,
    /// Multiclass SVM hinge loss with margin 1 (the course's `svm_loss`).
    Svm,
}

impl SequentialConfig {
    /// `network` for `num_classes` classes with He initialisation, the softmax loss, reg 0 and
    /// seed 0.
    pub fn new(network: Network, num_classes: usize) -> Self {
        SequentialConfig {
            network,
            num_classes,
            init: Init::He,
            loss: Loss::Softmax,
            reg: 0.0,
            seed: 0,
        }
    }
}

/// One learned array of a model: its name, value and gradient (same shape, standard layout).
#[derive(Debug, Clone, PartialEq)]
pub struct Param<F> {
    /// `W1`, `b1`, `W2`, …
    pub name: String,
    pub value: ArrayD<F>,
    /// The gradient of the last [`Sequential::loss`] (zeros before the first).
    pub grad: ArrayD<F>,
    /// Whether the L2 regularization applies (weights yes, biases no).
    pub decays: bool,
}

/// The learned arrays of a model in one table, in the order the layers use them.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamTable<F> {
    entries: Vec<Param<F>>,
}

impl<F: Float> ParamTable<F> {
    /// Every entry, in layer order (W1, b1, W2, b2, …).
    pub fn entries(&self) -> &[Param<F>] {
        &self.entries
    }

    /// The entry named `name`, if there is one.
    pub fn get(&self, name: &str) -> Option<&Param<F>> {
        self.entries.iter().find(|p| p.name == name)
    }

    /// The value of `name`.
    pub fn value(&self, name: &str) -> Option<&ArrayD<F>> {
        self.get(name).map(|p| &p.value)
    }

    /// The gradient of `name` from the last loss.
    pub fn grad(&self, name: &str) -> Option<&ArrayD<F>> {
        self.get(name).map(|p| &p.grad)
    }

    /// The number of learned values.
    pub fn num_values(&self) -> usize {
        self.entries.iter().map(|p| p.value.len()).sum()
    }

    /// Adds an entry of `shape` with value `value` and a zero gradient; returns its position.
    fn push(&mut self, name: String, value: ArrayD<F>, decays: bool) -> usize {
        let grad = ArrayD::zeros(value.raw_dim());
        self.entries.push(Param {
            name,
            value,
            grad,
            decays,
        });
        self.entries.len() - 1
    }
}

/// What a layer computes, with the positions of its entries in the [`ParamTable`].
#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Conv {
        w: usize,
        b: usize,
        param: ConvParam,
    },
    Relu,
    MaxPool(PoolParam),
    AvgPool(PoolParam),
    /// Keep probability p.
    Dropout(f64),
    /// γ and β in the table, and the layer's place in [`Sequential::norms`].
    BatchNorm {
        gamma: usize,
        beta: usize,
        slot: usize,
    },
    Affine {
        w: usize,
        b: usize,
    },
}

/// One layer as the model runs it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Step {
    op: Op,
    /// The layer's place in the description, from 1, and its text, for messages.
    number: usize,
    label: LayerSpec,
    /// One example's output `(C, H, W)` (an fc layer's is `(outputs, 1, 1)`).
    out: Shape,
}

/// One layer's output, from [`Sequential::layer_outputs`].
#[derive(Debug, Clone, PartialEq)]
pub struct LayerOutput<F> {
    /// The layer's place in the description, from 1.
    pub number: usize,
    pub layer: LayerSpec,
    /// `(N, C, H, W)`; an fc layer's `(N, M, 1, 1)`.
    pub output: Array4<F>,
}

/// What one step keeps for the backward pass besides its output.
enum Cache<F> {
    None,
    /// A max pool's argmax.
    Argmax(Vec<usize>),
    Dropout(DropoutCache<Ix4>),
    BatchNorm(BatchNormCache<F>),
}

/// What the forward pass keeps for the backward: every step's output `(N, C, H, W)` (an fc
/// layer's `(N, M, 1, 1)`), and each step's [`Cache`].
struct Pass<F> {
    outs: Vec<Array4<F>>,
    caches: Vec<Cache<F>>,
}

/// How a forward pass runs: training (with the seed of this pass's dropout masks) or test time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Run {
    Train { seed: u64 },
    Test,
}

/// The seed of dropout layer `number`'s mask in the pass seeded by `seed`: a SplitMix64 mix, so
/// that neighbouring seeds and layers give unrelated masks.
fn mix(seed: u64, number: u64) -> u64 {
    let mut z = seed ^ number.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A network of conv, ReLU, max and average pool, dropout, spatial batch norm and fc layers with
/// the softmax or SVM loss, built from a [`Network`] description. A ReLU directly followed by a max pool runs after it (max pooling
/// and `max(0, ·)` commute exactly, gradients included), on the pooled values.
///
/// Input x is `(N, C, H, W)` with `(C, H, W)` the description's input; scores are
/// `(N, classes)`.
#[derive(Debug, Clone)]
pub struct Sequential<F> {
    config: SequentialConfig,
    steps: Vec<Step>,
    params: ParamTable<F>,
    /// The conv layers' scratch buffers, shared by them and reused by every loss.
    workspace: ConvWorkspace<F>,
    /// Each batch norm layer's settings and running statistics, in layer order.
    norms: Vec<BatchNormParam<F>>,
    /// Training passes so far: the next pass's dropout masks are seeded from it.
    passes: u64,
    /// A seed every training pass uses for its dropout masks instead (see
    /// [`Sequential::fix_dropout`]).
    fixed_dropout: Option<u64>,
    /// One name per class, for the page and the model file.
    class_names: Vec<String>,
}

/// A copy of a [`Sequential`] model's learned values and batch norm running statistics: what a
/// solver keeps as the last parameters whose loss was finite and the best on validation.
#[derive(Debug, Clone, PartialEq)]
pub struct SequentialSnapshot<F> {
    values: Vec<ArrayD<F>>,
    norms: Vec<(Array1<F>, Array1<F>)>,
}

fn check_non_negative<F: Float>(name: &str, value: f64, what: &'static str) -> Result<()> {
    if !(value.is_finite() && value >= 0.0) {
        return Err(Error::InvalidHyperparameter {
            name: name.into(),
            value,
            reason: Message::new("models.finite_non_negative"),
        });
    }
    check_representable::<F>(name, value, what)
}

/// Errors unless the last layer of `network` is an fc layer of one output per class.
pub(crate) fn check_scores_layer(network: &Network, classes: usize) -> Result<()> {
    match network.layers.last() {
        Some(&LayerSpec::Fc { outputs }) if outputs == classes => Ok(()),
        Some(last) => Err(Error::invalid(
            Message::new("models.sequential.last_layer")
                .nested("layer", layer_name(network.layers.len(), last))
                .arg("classes", classes),
        )),
        None => Err(Error::invalid(
            Message::new("models.sequential.no_layers").arg("classes", classes),
        )),
    }
}

/// `layer 3 (fc100)`: how messages name a layer, counted from 1 as the table's parser does.
pub(crate) fn layer_name(number: usize, label: &LayerSpec) -> Message {
    Message::new("models.layer")
        .arg("number", number)
        .arg("layer", label)
}

/// The execution order of the description's layers: a ReLU directly followed by a max pool is
/// run after it (see the module docs). Each step keeps its own layer's number and label.
fn plan(layers: &[LayerSpec], outputs: &[Shape]) -> Vec<(usize, LayerSpec, Shape)> {
    let mut order = Vec::with_capacity(layers.len());
    let mut i = 0;
    while i < layers.len() {
        if let (LayerSpec::Relu, Some(pool @ LayerSpec::Pool { .. })) =
            (layers[i], layers.get(i + 1))
        {
            // The pool's output shape is also the ReLU's, now that it runs on the pooled values.
            order.push((i + 2, *pool, outputs[i + 1]));
            order.push((i + 1, LayerSpec::Relu, outputs[i + 1]));
            i += 2;
        } else {
            order.push((i + 1, layers[i], outputs[i]));
            i += 1;
        }
    }
    order
}

impl<F: Float> Sequential<F> {
    /// A model of `config.network` with weights `std · N(0, 1)` drawn from `Rng::new(config.seed)`
    /// layer by layer (W1, W2, … in order; the three-layer net draws the same for the same
    /// architecture, seed and [`Init::Scale`]), `std` as [`SequentialConfig::init`] says, biases
    /// 0, batch norm's γ 1 and β 0 (with eps 1e-5 and momentum 0.9, as the course).
    ///
    /// Errors, before anything is allocated: a layer that does not fit what reaches it (named,
    /// with the output-size arithmetic), fewer than 2 classes, a network that does not end with
    /// an fc layer of one output per class, a weight scale or reg NaN, infinite, negative or too
    /// large for `F`, and [`Error::OverBudget`] naming the layer at which the parameters (values
    /// and gradients) pass the engine's budget.
    pub fn new(config: SequentialConfig) -> Result<Self> {
        if let Init::Scale(scale) = config.init {
            check_non_negative::<F>("weight_scale", scale, "models.initial_weights")?;
        }
        check_non_negative::<F>("reg", config.reg, "models.reg_loss")?;
        let classes = config.num_classes;
        if classes < 2 {
            return Err(Error::invalid(
                Message::new("models.two_classes").arg("classes", classes),
            ));
        }
        let network = &config.network;
        // The walk's own error is passed on (nested), so its words follow the page's language.
        let (report, failure) =
            crate::shapes::network::walk_with_error(network.input, &network.layers, Lang::En)?;
        if let (Some(e), Some(why)) = (report.error, failure) {
            return Err(Error::invalid(
                Message::new("models.sequential.does_not_fit")
                    .nested("layer", layer_name(e.index + 1, &e.layer))
                    .arg("input", e.input)
                    .nested("why", why.message()),
            ));
        }
        check_scores_layer(network, classes)?;
        let outputs: Vec<Shape> = report.rows.iter().map(|r| r.output).collect();
        let order = plan(&network.layers, &outputs);

        // The parameters, values and gradients, are checked layer by layer against the budget
        // before any is drawn: the first layer that takes the total over it is named.
        let mut total: u128 = 0;
        let mut input = network.input;
        for &(number, layer, out) in &order {
            let name = layer_name(number, &layer);
            // Conv filters (F, C, k, k) have F biases; fc weights (D, M), D = C·H·W, have M;
            // batch norm has γ and β (C each) and its running mean and variance (C each).
            let arrays: Option<Vec<Vec<usize>>> = match layer {
                LayerSpec::Conv { filters, size, .. } => Some(vec![
                    vec![2, filters, input.c, size, size],
                    vec![2, filters],
                ]),
                LayerSpec::Fc { outputs } => {
                    let what = format!("the input of {name}");
                    let d = budget::check::<F>(&what, &[input.c, input.h, input.w])?;
                    Some(vec![vec![2, d, outputs], vec![2, outputs]])
                }
                LayerSpec::Bn => Some(vec![vec![6, input.c]]),
                LayerSpec::Relu
                | LayerSpec::Pool { .. }
                | LayerSpec::AvgPool { .. }
                | LayerSpec::Dropout { .. } => None,
            };
            if let Some(arrays) = arrays {
                let mut tally = Tally::new(format!(
                    "the parameters of the network up to {name} (values and gradients)"
                ));
                tally.add_bytes(total);
                for dims in &arrays {
                    tally.add::<F>(dims);
                }
                tally.check().map_err(|e| {
                    super::over_budget_as(
                        e,
                        Message::new("models.sequential.params_up_to")
                            .nested("layer", name.clone()),
                    )
                })?;
                total = tally.bytes();
            }
            input = out;
        }

        let mut rng = Rng::new(config.seed);
        let mut params: ParamTable<F> = ParamTable {
            entries: Vec::new(),
        };
        let mut norms = Vec::new();
        let mut steps = Vec::with_capacity(order.len());
        let mut weighted = 0;
        let mut input = network.input;
        for &(number, label, out) in &order {
            let Shape { c, h, w } = input;
            let op = match label {
                LayerSpec::Conv {
                    filters,
                    size,
                    stride,
                    pad,
                } => {
                    weighted += 1;
                    let std = match config.init {
                        Init::He => he_std_conv(c, size, size)?,
                        Init::Scale(scale) => scale,
                    };
                    let value = rng.normal_array(IxDyn(&[filters, c, size, size]), std);
                    let w = params.push(format!("W{weighted}"), value, true);
                    let b = params.push(
                        format!("b{weighted}"),
                        ArrayD::zeros(IxDyn(&[filters])),
                        false,
                    );
                    Op::Conv {
                        w,
                        b,
                        param: ConvParam { stride, pad },
                    }
                }
                LayerSpec::Fc { outputs } => {
                    weighted += 1;
                    // Checked against the budget above, so the product fits.
                    let d = c * h * w;
                    let std = match config.init {
                        Init::He => he_std_affine(d)?,
                        Init::Scale(scale) => scale,
                    };
                    let value = rng.normal_array(IxDyn(&[d, outputs]), std);
                    let w = params.push(format!("W{weighted}"), value, true);
                    let b = params.push(
                        format!("b{weighted}"),
                        ArrayD::zeros(IxDyn(&[outputs])),
                        false,
                    );
                    Op::Affine { w, b }
                }
                LayerSpec::Bn => {
                    let slot = norms.len();
                    let j = slot + 1;
                    let gamma = params.push(format!("gamma{j}"), ArrayD::ones(IxDyn(&[c])), false);
                    let beta = params.push(format!("beta{j}"), ArrayD::zeros(IxDyn(&[c])), false);
                    norms.push(BatchNormParam::new(c));
                    Op::BatchNorm { gamma, beta, slot }
                }
                LayerSpec::Relu => Op::Relu,
                LayerSpec::Pool { size, stride } => Op::MaxPool(PoolParam {
                    pool_height: size,
                    pool_width: size,
                    stride,
                }),
                LayerSpec::AvgPool { size, stride } => Op::AvgPool(PoolParam {
                    pool_height: size,
                    pool_width: size,
                    stride,
                }),
                LayerSpec::Dropout { p } => Op::Dropout(p.get()),
            };
            steps.push(Step {
                op,
                number,
                label,
                out,
            });
            input = out;
        }
        if let Init::Scale(scale) = config.init {
            if !params
                .entries
                .iter()
                .all(|p| p.value.iter().all(|v| v.is_finite()))
            {
                return Err(Error::invalid(
                    Message::new("models.scale_overflows")
                        .arg("scale", short_number(scale))
                        .arg("bits", 8 * std::mem::size_of::<F>())
                        .arg("largest", format!("{:.1e}", F::max_value().as_f64())),
                ));
            }
        }
        Ok(Sequential {
            config,
            steps,
            params,
            workspace: ConvWorkspace::new(),
            norms,
            passes: 0,
            fixed_dropout: None,
            class_names: (0..classes).map(|i| format!("class {i}")).collect(),
        })
    }

    /// Each batch norm layer's running mean and variance `(C,)`, in layer order (batch norm
    /// layer j owns `gammaj` and `betaj`).
    pub fn running_stats(&self) -> Vec<(&Array1<F>, &Array1<F>)> {
        self.norms
            .iter()
            .map(|n| (&n.running_mean, &n.running_var))
            .collect()
    }

    /// Replaces batch norm layer `j`'s (from 1) running mean and variance, as a saved model
    /// restores them. Errors, leaving the model as it was, if there is no such layer or either
    /// array is not of its C channels.
    pub fn set_running_stats(&mut self, j: usize, mean: Array1<F>, var: Array1<F>) -> Result<()> {
        let count = self.norms.len();
        let Some(norm) = j.checked_sub(1).and_then(|i| self.norms.get_mut(i)) else {
            return Err(Error::invalid(
                Message::new("models.sequential.no_batchnorm_layer")
                    .arg("layer", j)
                    .arg("count", count),
            ));
        };
        let c = norm.running_mean.len();
        for (what, a) in [("running mean", &mean), ("running variance", &var)] {
            if a.len() != c {
                return Err(Error::shape(
                    format!("batch norm layer {j}'s {what}"),
                    format!("[{c}]"),
                    format!("[{}]", a.len()),
                ));
            }
        }
        norm.running_mean = mean;
        norm.running_var = var;
        Ok(())
    }

    /// Makes every following [`Sequential::loss`] draw its dropout masks from `seed` (the same
    /// masks on every call, as a gradient check needs), or with `None` from a new seed on every
    /// call again (training). Without dropout layers it changes nothing.
    pub fn fix_dropout(&mut self, seed: Option<u64>) {
        self.fixed_dropout = seed;
    }

    /// The description, classes and initialisation of this model.
    pub fn config(&self) -> &SequentialConfig {
        &self.config
    }

    /// The learned arrays with their gradients.
    pub fn params(&self) -> &ParamTable<F> {
        &self.params
    }

    /// Replaces the value of the entry `name`. Errors, leaving the model as it was, if there is
    /// no such entry or `value`'s shape differs from it.
    pub fn set_param(&mut self, name: &str, value: ArrayD<F>) -> Result<()> {
        let Some(entry) = self.params.entries.iter_mut().find(|p| p.name == name) else {
            let names: Vec<&str> = self
                .params
                .entries
                .iter()
                .map(|p| p.name.as_str())
                .collect();
            return Err(Error::invalid(
                Message::new("models.sequential.no_parameter")
                    .arg("name", name)
                    .arg("names", names.join(", ")),
            ));
        };
        if value.shape() != entry.value.shape() {
            return Err(Error::shape(
                format!("parameter {name}"),
                format!("{:?}", entry.value.shape()),
                format!("{:?}", value.shape()),
            ));
        }
        entry.value = if value.is_standard_layout() {
            value
        } else {
            value.as_standard_layout().into_owned()
        };
        Ok(())
    }

    /// The arrays one training pass (forward and backward) of `n` images holds, counted layer by
    /// layer against the engine's budget: each layer's output and its gradient `(N, C, H, W)`, a
    /// max pool's argmax, a dropout layer's mask and a batch norm layer's normalised input. Errors with [`Error::OverBudget`] naming the layer at which the total
    /// passes the budget; nothing is allocated.
    pub fn check_batch(&self, n: usize) -> Result<()> {
        self.batch_bytes(n).map(|_| ())
    }

    /// The bytes [`Sequential::check_batch`] counts for a pass of `n` images, after checking
    /// them layer by layer against the budget (it errors as that does).
    pub fn batch_bytes(&self, n: usize) -> Result<u128> {
        let mut total: u128 = 0;
        let Shape { c, h, w } = self.config.network.input;
        total = total.saturating_add(budget::bytes_of::<F>(&[n, c, h, w]));
        for step in &self.steps {
            let Shape { c, h, w } = step.out;
            let mut tally = Tally::new(format!(
                "a pass of {n} images through the network up to {} (outputs and their gradients)",
                layer_name(step.number, &step.label)
            ));
            tally.add_bytes(total).add::<F>(&[2, n, c, h, w]);
            match step.op {
                Op::MaxPool(_) => {
                    tally.add::<usize>(&[n, c, h, w]);
                }
                Op::Dropout(_) => {
                    tally.add::<bool>(&[n, c, h, w]);
                }
                Op::BatchNorm { .. } => {
                    tally.add::<F>(&[n, c, h, w]);
                }
                _ => {}
            }
            tally.check().map_err(|e| {
                super::over_budget_as(
                    e,
                    Message::new("models.sequential.pass_up_to")
                        .arg("n", n)
                        .nested("layer", layer_name(step.number, &step.label)),
                )
            })?;
            total = tally.bytes();
        }
        Ok(total)
    }

    /// Errors with [`Error::TooMuchWork`] if one training step on minibatches of `n` images —
    /// the forward pass and the two products of each conv and fc layer's backward pass, three
    /// times the forward's multiply-adds — would take more than
    /// [`budget::MAX_STEP_MULTIPLY_ADDS`], naming the layer at which the count passes it.
    pub fn check_step_work(&self, n: usize) -> Result<()> {
        let report = self.config.network.walk()?;
        let mut total: u128 = 0;
        for row in &report.rows {
            total = total.saturating_add(3 * row.macs as u128 * n as u128);
            if total > budget::MAX_STEP_MULTIPLY_ADDS as u128 {
                return Err(Error::TooMuchWork {
                    what: Message::new("models.sequential.step_work")
                        .arg("n", n)
                        .nested("layer", layer_name(row.index + 1, &row.layer)),
                    needed: total,
                    limit: budget::MAX_STEP_MULTIPLY_ADDS,
                    fix: Message::new("models.sequential.step_work_fix"),
                });
            }
        }
        Ok(())
    }

    /// The class names, one per class ("class 0", "class 1", … until named).
    pub fn class_names(&self) -> &[String] {
        &self.class_names
    }

    /// Names the classes (for the page and the model file). Errors unless there is exactly one
    /// name per class, each shorter than 4 GiB (the file stores its length as a u32).
    pub fn set_class_names(&mut self, names: Vec<String>) -> Result<()> {
        super::check_class_names(&names, self.config.num_classes)?;
        self.class_names = names;
        Ok(())
    }

    /// Changes the regularization strength (part of the loss, not of the architecture). Errors
    /// if it is NaN, infinite, negative or too large for `F`.
    pub fn set_reg(&mut self, reg: f64) -> Result<()> {
        check_non_negative::<F>("reg", reg, "models.reg_loss")?;
        self.config.reg = reg;
        Ok(())
    }

    /// Errors unless x is `(N, C, H, W)` with N ≥ 1 and `(C, H, W)` the description's input.
    fn check_input(&self, x: &Array4<F>) -> Result<()> {
        let (n, c, h, w) = x.dim();
        if n == 0 {
            return Err(Error::EmptyBatch {
                context: "the sequential model".into(),
            });
        }
        let Shape {
            c: ec,
            h: eh,
            w: ew,
        } = self.config.network.input;
        if (c, h, w) != (ec, eh, ew) {
            return Err(Error::shape(
                "the sequential model's input x (N, C, H, W)",
                format!("(N, {ec}, {eh}, {ew})"),
                format!("({n}, {c}, {h}, {w})"),
            ));
        }
        Ok(())
    }

    /// The forward pass of x (standard layout), after checking the batch against the budget.
    /// Batch norm's running statistics in `norms` are updated in a training run.
    fn forward(
        &self,
        x: ArrayView4<'_, F>,
        ws: &mut ConvWorkspace<F>,
        run: Run,
        norms: &mut [BatchNormParam<F>],
    ) -> Result<Pass<F>> {
        let n = x.dim().0;
        self.check_batch(n)?;
        let mut outs: Vec<Array4<F>> = Vec::with_capacity(self.steps.len());
        let mut caches = Vec::with_capacity(self.steps.len());
        let mut scratch = GemmScratch::new();
        for step in &self.steps {
            let input = outs.last().map_or(x.view(), |o| o.view());
            let Shape { c, h, w } = step.out;
            let mut cache = Cache::None;
            let out = match step.op {
                Op::Conv { w: wi, b, param } => {
                    let mut out = Array4::zeros((n, c, h, w));
                    let (w, b) = (self.weights4(wi), self.vector(b));
                    conv_forward_into(input, w, b, param, out.view_mut(), ws)?;
                    out
                }
                Op::Relu => {
                    let mut out = Array4::zeros((n, c, h, w));
                    Zip::from(&mut out).and(&input).for_each(|o, &v| {
                        *o = if v > F::zero() { v } else { F::zero() };
                    });
                    out
                }
                Op::MaxPool(param) => {
                    let mut out = Array4::zeros((n, c, h, w));
                    let mut argmax = vec![0; out.len()];
                    max_pool_forward_into(input, param, out.view_mut(), &mut argmax)?;
                    cache = Cache::Argmax(argmax);
                    out
                }
                Op::AvgPool(param) => {
                    let mut out = Array4::zeros((n, c, h, w));
                    avg_pool_forward_into(input, param, out.view_mut())?;
                    out
                }
                Op::Dropout(p) => match run {
                    // Test time: the identity, exactly.
                    Run::Test => input.to_owned(),
                    Run::Train { seed } => {
                        let param = DropoutParam {
                            p,
                            mode: Mode::Train,
                            seed: mix(seed, step.number as u64),
                        };
                        let (out, c) = dropout_forward(&input.to_owned(), param)?;
                        cache = Cache::Dropout(c);
                        out
                    }
                },
                Op::BatchNorm { gamma, beta, slot } => {
                    let norm = &mut norms[slot];
                    norm.mode = match run {
                        Run::Train { .. } => Mode::Train,
                        Run::Test => Mode::Test,
                    };
                    let (gamma, beta) =
                        (self.vector(gamma).to_owned(), self.vector(beta).to_owned());
                    let (out, c) =
                        spatial_batchnorm_forward(&input.to_owned(), &gamma, &beta, norm)?;
                    cache = Cache::BatchNorm(c);
                    out
                }
                Op::Affine { w: wi, b } => {
                    let mut out = Array4::zeros((n, c, h, w));
                    let (w, b) = (self.weights2(wi), self.vector(b));
                    let input = input.as_standard_layout();
                    affine_forward_into(
                        rows(input.view()),
                        w,
                        b,
                        rows_mut(out.view_mut()),
                        &mut scratch,
                    )?;
                    out
                }
            };
            outs.push(out);
            caches.push(cache);
        }
        Ok(Pass { outs, caches })
    }

    fn weights4(&self, i: usize) -> ArrayView4<'_, F> {
        self.params.entries[i]
            .value
            .view()
            .into_dimensionality::<Ix4>()
            .expect("conv weights are (F, C, k, k) by construction")
    }

    fn weights2(&self, i: usize) -> ArrayView2<'_, F> {
        self.params.entries[i]
            .value
            .view()
            .into_dimensionality::<Ix2>()
            .expect("fc weights are (D, M) by construction")
    }

    fn vector(&self, i: usize) -> ArrayView1<'_, F> {
        self.params.entries[i]
            .value
            .view()
            .into_dimensionality::<Ix1>()
            .expect("biases, γ and β are vectors by construction")
    }

    /// Training loss and gradients for a batch, as the assignment's `loss(X, y)`.
    ///
    /// - x: `(N, C, H, W)`, N ≥ 1, `(C, H, W)` = the description's input
    /// - y: N labels in `0..num_classes`
    ///
    /// Returns the softmax or SVM loss ([`SequentialConfig::loss`]) averaged over N plus
    /// `0.5·reg·Σ W²` (every weight array; not biases, γ or β), and the table with every entry's
    /// gradient of that loss. This is a training pass: dropout draws its masks (a new seed per
    /// call, unless [`Sequential::fix_dropout`] fixed one) and batch norm uses the batch's
    /// statistics and updates its running ones. Errors on a bad x or y, or a batch whose
    /// activations exceed the budget ([`Sequential::check_batch`]); the gradients and running
    /// statistics are then as they were.
    pub fn loss(&mut self, x: &Array4<F>, y: &[usize]) -> Result<(F, &ParamTable<F>)> {
        self.check_input(x)?;
        super::check_labels(
            "the sequential model's",
            x.dim().0,
            y,
            self.config.num_classes,
        )?;
        let seed = match self.fixed_dropout {
            Some(seed) => seed,
            None => mix(self.config.seed, self.passes),
        };
        // The workspace is lent to the passes and put back, even if one of them fails; the
        // running statistics are updated on a copy, kept only if the pass succeeds.
        let mut ws = std::mem::take(&mut self.workspace);
        let mut norms = self.norms.clone();
        let result = self.loss_and_grads(
            x.as_standard_layout().view(),
            y,
            &mut ws,
            Run::Train { seed },
            &mut norms,
        );
        self.workspace = ws;
        let (loss, grads) = result?;
        self.norms = norms;
        if self.fixed_dropout.is_none() {
            self.passes = self.passes.wrapping_add(1);
        }
        for (entry, grad) in self.params.entries.iter_mut().zip(grads) {
            entry.grad = grad;
        }
        Ok((loss, &self.params))
    }

    /// The forward and backward passes of [`Sequential::loss`]: the loss and one gradient per
    /// entry of the table, in its order.
    fn loss_and_grads(
        &self,
        x: ArrayView4<'_, F>,
        y: &[usize],
        ws: &mut ConvWorkspace<F>,
        run: Run,
        norms: &mut [BatchNormParam<F>],
    ) -> Result<(F, Vec<ArrayD<F>>)> {
        let n = x.dim().0;
        let Pass { outs, caches } = self.forward(x, ws, run, norms)?;
        let scores = rows(
            outs.last()
                .expect("a network has at least its fc layer")
                .view(),
        );
        let (data_loss, dscores) = match self.config.loss {
            Loss::Softmax => softmax_loss(&scores.to_owned(), y)?,
            Loss::Svm => svm_loss(&scores.to_owned(), y)?,
        };
        let reg = F::of(self.config.reg);
        let squares = self
            .params
            .entries
            .iter()
            .filter(|p| p.decays)
            .fold(F::zero(), |acc, p| {
                acc + p.value.fold(F::zero(), |a, &v| a + v * v)
            });
        let reg_loss = F::of(0.5) * reg * squares;

        let mut grads: Vec<ArrayD<F>> = self
            .params
            .entries
            .iter()
            .map(|p| ArrayD::zeros(p.value.raw_dim()))
            .collect();
        let mut scratch = GemmScratch::new();
        let classes = self.config.num_classes;
        let mut dout = dscores
            .into_shape_with_order((n, classes, 1, 1))
            .expect("the scores are (N, classes)");
        for (i, step) in self.steps.iter().enumerate().rev() {
            let input = if i == 0 { x.view() } else { outs[i - 1].view() };
            // The first layer's dx is nobody's gradient: it is skipped.
            let dx_needed = i > 0;
            match step.op {
                Op::Relu => {
                    // out > 0 exactly where the input was > 0.
                    Zip::from(&mut dout).and(&outs[i]).for_each(|d, &o| {
                        if o <= F::zero() {
                            *d = F::zero();
                        }
                    });
                }
                Op::MaxPool(_) => {
                    let Cache::Argmax(argmax) = &caches[i] else {
                        unreachable!("a max pool's forward keeps its argmax");
                    };
                    let mut dx = Array4::zeros(input.raw_dim());
                    max_pool_backward_into(dout.view(), argmax, dx.view_mut())?;
                    dout = dx;
                }
                Op::AvgPool(param) => {
                    let mut dx = Array4::zeros(input.raw_dim());
                    avg_pool_backward_into(dout.view(), param, dx.view_mut())?;
                    dout = dx;
                }
                Op::Dropout(_) => {
                    // A test-time pass (no mask) is the identity: dout passes unchanged.
                    if let Cache::Dropout(cache) = &caches[i] {
                        dout = dropout_backward(&dout, cache)?;
                    }
                }
                Op::BatchNorm { gamma, beta, .. } => {
                    let Cache::BatchNorm(cache) = &caches[i] else {
                        unreachable!("a batch norm's forward keeps its cache");
                    };
                    let (dx, dgamma, dbeta) = spatial_batchnorm_backward(&dout, cache)?;
                    grads[gamma] = dgamma.into_dyn();
                    grads[beta] = dbeta.into_dyn();
                    dout = dx;
                }
                Op::Conv { w, b, param } => {
                    let mut dx = Array4::zeros(if dx_needed {
                        input.raw_dim()
                    } else {
                        Ix4(0, 0, 0, 0)
                    });
                    let (dw, db) = two_mut(&mut grads, w, b);
                    let g = ConvGradsMut {
                        dx: dx_needed.then(|| dx.view_mut()),
                        dw: dw
                            .view_mut()
                            .into_dimensionality::<Ix4>()
                            .expect("conv weights are 4-d"),
                        db: db
                            .view_mut()
                            .into_dimensionality::<Ix1>()
                            .expect("biases are 1-d"),
                    };
                    conv_backward_into(dout.view(), input, self.weights4(w), param, g, ws)?;
                    dout = dx;
                }
                Op::Affine { w, b } => {
                    let mut dx = Array4::zeros(if dx_needed {
                        input.raw_dim()
                    } else {
                        Ix4(0, 0, 0, 0)
                    });
                    let (dw, db) = two_mut(&mut grads, w, b);
                    let g = AffineGradsMut {
                        dx: dx_needed.then(|| rows_mut(dx.view_mut())),
                        dw: dw
                            .view_mut()
                            .into_dimensionality::<Ix2>()
                            .expect("fc weights are 2-d"),
                        db: db
                            .view_mut()
                            .into_dimensionality::<Ix1>()
                            .expect("biases are 1-d"),
                    };
                    let d = dout.as_standard_layout();
                    affine_backward_into(
                        rows(d.view()),
                        rows(input),
                        self.weights2(w),
                        g,
                        &mut scratch,
                    )?;
                    dout = dx;
                }
            }
        }
        for (grad, entry) in grads.iter_mut().zip(&self.params.entries) {
            if entry.decays {
                grad.scaled_add(reg, &entry.value);
            }
        }
        Ok((data_loss + reg_loss, grads))
    }

    /// Class scores `(N, classes)` for x `(N, C, H, W)`, at test time (dropout is the identity,
    /// batch norm uses its running statistics).
    pub fn scores(&self, x: &Array4<F>) -> Result<Array2<F>> {
        self.check_input(x)?;
        let x = x.as_standard_layout();
        let outs = self
            .forward(
                x.view(),
                &mut ConvWorkspace::new(),
                Run::Test,
                &mut self.norms.clone(),
            )?
            .outs;
        let last = outs
            .into_iter()
            .last()
            .expect("a network has at least its fc layer");
        let n = last.dim().0;
        Ok(last
            .into_shape_with_order((n, self.config.num_classes))
            .expect("the last layer is fc with one output per class"))
    }

    /// Every layer's output for x `(N, C, H, W)` at test time (an fc layer's as `(N, M, 1, 1)`),
    /// in the description's order, each with its layer's number (from 1) and its description.
    /// Where the model runs a ReLU after the max pool that follows it (see the module docs), the
    /// ReLU's own output, `max(0, ·)` of the pool's input, is computed here for the picture, so
    /// every layer shows what the description says it outputs.
    pub fn layer_outputs(&self, x: &Array4<F>) -> Result<Vec<LayerOutput<F>>> {
        self.check_input(x)?;
        let x = x.as_standard_layout();
        let outs = self
            .forward(
                x.view(),
                &mut ConvWorkspace::new(),
                Run::Test,
                &mut self.norms.clone(),
            )?
            .outs;
        let mut result = Vec::with_capacity(outs.len());
        let mut i = 0;
        while i < self.steps.len() {
            let step = &self.steps[i];
            let swapped = matches!(step.op, Op::MaxPool(_))
                && self
                    .steps
                    .get(i + 1)
                    .is_some_and(|next| next.op == Op::Relu && next.number + 1 == step.number);
            if swapped {
                let relu = &self.steps[i + 1];
                let input = if i == 0 { x.view() } else { outs[i - 1].view() };
                result.push(LayerOutput {
                    number: relu.number,
                    layer: relu.label,
                    output: input.mapv(|v| if v > F::zero() { v } else { F::zero() }),
                });
                result.push(LayerOutput {
                    number: step.number,
                    layer: step.label,
                    output: outs[i + 1].clone(),
                });
                i += 2;
            } else {
                result.push(LayerOutput {
                    number: step.number,
                    layer: step.label,
                    output: outs[i].clone(),
                });
                i += 1;
            }
        }
        Ok(result)
    }

    /// Every layer's output for x as the next [`Sequential::loss`] computes it (training: the
    /// dropout masks that call would draw, batch norm with the batch's statistics), in the order
    /// the model runs them (a ReLU directly followed by a max pool after it, on the pooled
    /// values). Nothing is updated: a gradient check uses it to see how
    /// near the ReLU inputs are to their kink.
    pub fn training_layer_outputs(&self, x: &Array4<F>) -> Result<Vec<LayerOutput<F>>> {
        self.check_input(x)?;
        let x = x.as_standard_layout();
        let seed = match self.fixed_dropout {
            Some(seed) => seed,
            None => mix(self.config.seed, self.passes),
        };
        let outs = self
            .forward(
                x.view(),
                &mut ConvWorkspace::new(),
                Run::Train { seed },
                &mut self.norms.clone(),
            )?
            .outs;
        Ok(self
            .steps
            .iter()
            .zip(outs)
            .map(|(step, output)| LayerOutput {
                number: step.number,
                layer: step.label,
                output,
            })
            .collect())
    }

    /// The predicted class (highest score; the first on ties) of each image of x `(N, C, H, W)`.
    pub fn predict(&self, x: &Array4<F>) -> Result<Vec<usize>> {
        Ok(argmax_rows(&self.scores(x)?))
    }

    /// The course's [`ThreeLayerConvNet`] as the network it is — conv (stride 1, pad
    /// (k − 1)/2) – [bn] – relu – 2×2 max pool – fc – relu – fc, with [`Init::Scale`] of its
    /// weight scale — with its weights, batch norm statistics and class names: the same scores
    /// and gradients (tests/sequential.rs). A three-layer file of format version 1 loads this way
    /// into the page's trainer.
    pub fn from_three_layer(net: &ThreeLayerConvNet<F>) -> Result<Self> {
        let c = net.config();
        let (channels, h, w) = c.input_dim;
        let mut layers = vec![LayerSpec::conv_same(c.num_filters, c.filter_size)];
        if c.batchnorm {
            layers.push(LayerSpec::Bn);
        }
        layers.extend([
            LayerSpec::Relu,
            LayerSpec::pool2(),
            LayerSpec::Fc {
                outputs: c.hidden_dim,
            },
            LayerSpec::Relu,
            LayerSpec::Fc {
                outputs: c.num_classes,
            },
        ]);
        let config = SequentialConfig {
            network: Network {
                input: Shape::new(channels, h, w),
                layers,
            },
            num_classes: c.num_classes,
            init: Init::Scale(c.weight_scale),
            loss: Loss::Softmax,
            reg: c.reg,
            seed: c.seed,
        };
        let mut model = Sequential::new(config)?;
        let p = net.params();
        for (name, value) in [
            ("W1", p.w1.clone().into_dyn()),
            ("b1", p.b1.clone().into_dyn()),
            ("W2", p.w2.clone().into_dyn()),
            ("b2", p.b2.clone().into_dyn()),
            ("W3", p.w3.clone().into_dyn()),
            ("b3", p.b3.clone().into_dyn()),
        ] {
            model.set_param(name, value)?;
        }
        if let Some(bn) = &p.bn {
            model.set_param("gamma1", bn.gamma.clone().into_dyn())?;
            model.set_param("beta1", bn.beta.clone().into_dyn())?;
            model.set_running_stats(1, bn.running_mean.clone(), bn.running_var.clone())?;
        }
        model.set_class_names(net.class_names().to_vec())?;
        Ok(model)
    }
}

impl<F: Float> Model<F> for Sequential<F> {
    /// The gradients stay in the table, beside their values.
    type Grads = ();
    type Snapshot = SequentialSnapshot<F>;

    fn train_loss(&mut self, x: &Array4<F>, y: &[usize]) -> Result<(F, ())> {
        Ok((self.loss(x, y)?.0, ()))
    }

    fn apply_update(
        &mut self,
        _: &(),
        optimizer: &Optimizer,
        states: &mut [State<F>],
    ) -> Result<()> {
        for (entry, state) in self.params.entries.iter_mut().zip(states) {
            // Both are made in standard layout; a copy keeps that true whatever happens.
            if !entry.value.is_standard_layout() {
                entry.value = entry.value.as_standard_layout().into_owned();
            }
            let grad = entry.grad.as_standard_layout();
            let (Some(value), Some(grad)) = (entry.value.as_slice_mut(), grad.as_slice()) else {
                unreachable!("standard-layout arrays are contiguous");
            };
            optimizer.update(value, grad, state)?;
        }
        Ok(())
    }

    fn param_lengths(&self) -> Vec<usize> {
        self.params.entries.iter().map(|p| p.value.len()).collect()
    }

    fn predict(&self, x: &Array4<F>) -> Result<Vec<usize>> {
        Sequential::predict(self, x)
    }

    fn num_classes(&self) -> usize {
        self.config.num_classes
    }

    fn snapshot(&self) -> SequentialSnapshot<F> {
        SequentialSnapshot {
            values: self
                .params
                .entries
                .iter()
                .map(|p| p.value.clone())
                .collect(),
            norms: self
                .norms
                .iter()
                .map(|n| (n.running_mean.clone(), n.running_var.clone()))
                .collect(),
        }
    }

    fn restore(&mut self, snapshot: &SequentialSnapshot<F>) {
        for (entry, value) in self.params.entries.iter_mut().zip(&snapshot.values) {
            entry.value.assign(value);
        }
        for (norm, (mean, var)) in self.norms.iter_mut().zip(&snapshot.norms) {
            norm.running_mean.assign(mean);
            norm.running_var.assign(var);
        }
    }

    fn save_into(&self, snapshot: &mut SequentialSnapshot<F>) {
        for (value, entry) in snapshot.values.iter_mut().zip(&self.params.entries) {
            value.assign(&entry.value);
        }
        for ((mean, var), norm) in snapshot.norms.iter_mut().zip(&self.norms) {
            mean.assign(&norm.running_mean);
            var.assign(&norm.running_var);
        }
    }

    fn batch_tally(&self, n: usize) -> Result<Tally> {
        let mut tally = Tally::new(format!("a pass of {n} images through the network"));
        tally.add_bytes(self.batch_bytes(n)?);
        Ok(tally)
    }

    fn input_shape(&self) -> (usize, usize, usize) {
        let Shape { c, h, w } = self.config.network.input;
        (c, h, w)
    }

    fn reg_loss(&self) -> f64 {
        let squares: f64 = (self.params.entries.iter().filter(|p| p.decays))
            .flat_map(|p| p.value.iter())
            .map(|v| v.as_f64() * v.as_f64())
            .sum();
        0.5 * self.config.reg * squares
    }

    fn start_settings(&self) -> (f64, Message) {
        let init = match self.config.init {
            Init::He => Message::new("models.he_init"),
            Init::Scale(scale) => {
                Message::new("models.weight_scale").arg("scale", short_number(scale))
            }
        };
        (self.config.reg, init)
    }
}

/// Two distinct entries of `v`, both mutable.
fn two_mut<T>(v: &mut [T], a: usize, b: usize) -> (&mut T, &mut T) {
    assert!(a < b, "a layer's weights come before its biases");
    let (left, right) = v.split_at_mut(b);
    (&mut left[a], &mut right[0])
}

/// `(N, C, H, W)` in standard layout viewed as `(N, C·H·W)`.
fn rows<F>(x: ArrayView4<'_, F>) -> ArrayView2<'_, F> {
    let n = x.dim().0;
    let d = x.len() / n.max(1);
    x.into_shape_with_order((n, d))
        .expect("the model's arrays are in standard layout")
}

/// The same as [`rows`], mutable.
fn rows_mut<F>(x: ArrayViewMut4<'_, F>) -> ArrayViewMut2<'_, F> {
    let n = x.dim().0;
    let d = x.len() / n.max(1);
    x.into_shape_with_order((n, d))
        .expect("the model's arrays are in standard layout")
}

//! Gradient checks of any layer, run a few elements at a time so the page can show progress and
//! stop a long check between two elements.
//!
//! A check draws random inputs from a shown seed, runs the layer's backward pass (the analytic
//! gradient) and centred differences (the numerical gradient), and reports, for each gradient, the
//! course's relative error, its reading and the elementwise error map for a heat map.
//!
//! The numerical gradient of a layer is the course's `eval_numerical_gradient_array`: for each
//! input element, `Σ (out(x + h·e_i) − out(x − h·e_i)) ⊙ dout / 2h`, the two outputs subtracted
//! element by element before they are weighted
//! ([`crate::gradient_check::centred_difference_array`]). The outputs the element does not touch
//! then cancel exactly; differentiating the scalar `Σ out ⊙ dout` instead keeps their rounding,
//! divided by 2h, and read a correct conv layer as "suspicious" at about one seed in eight. What
//! is left is the rounding of the outputs the element does move (about 1e-16 · |out| / 2h in
//! f64): a gradient element a thousand or more times smaller than the largest can still read
//! "suspicious" (tests/lab_seeds.rs counts how often).

use super::designed::DesignedObjective;
use super::net::NetObjective;
use crate::budget;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::gradient_check::centred_difference_array;
use crate::i18n::{Lang, Message};
use crate::layers::*;
use crate::rng::Rng;
use ndarray::{Array, Array1, Array2, Array4, ArrayD, Dimension, Ix1, Ix2, Ix4, Zip};
use serde::{Deserialize, Serialize};

/// The layers the Lab can check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LabLayer {
    Affine,
    Relu,
    #[default]
    Conv,
    MaxPool,
    Softmax,
    Svm,
    #[serde(rename = "batchnorm")]
    SpatialBatchNorm,
    /// The whole ThreeLayerConvNet: conv – relu – 2×2 max pool – affine – relu – affine – softmax.
    Net,
    /// A designed network: the network table's text ([`GradCheckSettings::network`]) with the
    /// softmax loss, every parameter checked (see `lab/designed.rs`).
    Designed,
}

/// A setting of [`GradCheckSettings`] the panel shows as a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Field {
    N,
    C,
    H,
    W,
    F,
    FilterSize,
    Stride,
    Pad,
    Hidden,
    WeightScale,
    /// The network table's text (a designed network).
    Network,
    /// How a designed network's weights are drawn ([`LabInit`]: He, or the weight scale).
    Init,
}

impl LabLayer {
    /// Every layer, in the order the panel lists them.
    pub const ALL: [LabLayer; 9] = [
        LabLayer::Affine,
        LabLayer::Relu,
        LabLayer::Conv,
        LabLayer::MaxPool,
        LabLayer::Softmax,
        LabLayer::Svm,
        LabLayer::SpatialBatchNorm,
        LabLayer::Net,
        LabLayer::Designed,
    ];

    /// The name used in the page's URL.
    pub fn name(self) -> &'static str {
        match self {
            LabLayer::Affine => "affine",
            LabLayer::Relu => "relu",
            LabLayer::Conv => "conv",
            LabLayer::MaxPool => "maxpool",
            LabLayer::Softmax => "softmax",
            LabLayer::Svm => "svm",
            LabLayer::SpatialBatchNorm => "batchnorm",
            LabLayer::Net => "net",
            LabLayer::Designed => "designed",
        }
    }

    /// The name shown in the page.
    pub fn title(self) -> &'static str {
        match self {
            LabLayer::Affine => "Affine",
            LabLayer::Relu => "ReLU",
            LabLayer::Conv => "Conv",
            LabLayer::MaxPool => "Max pool",
            LabLayer::Softmax => "Softmax loss",
            LabLayer::Svm => "SVM loss",
            LabLayer::SpatialBatchNorm => "Spatial batch norm",
            LabLayer::Net => "ThreeLayerConvNet",
            LabLayer::Designed => "Designed network (the Shapes panel's table)",
        }
    }

    /// The layer with this [`name`](Self::name).
    pub fn from_name(name: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|l| l.name() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|l| l.name()).collect();
                Error::invalid(
                    Message::new("models.lab.unknown_layer")
                        .arg("name", format!("{name:?}"))
                        .arg("names", names.join(", ")),
                )
            })
    }

    /// The settings that shape this layer's check; the others are ignored.
    pub fn fields(self) -> &'static [Field] {
        use Field::*;
        match self {
            LabLayer::Affine => &[N, C, H, W, F],
            LabLayer::Relu | LabLayer::SpatialBatchNorm => &[N, C, H, W],
            LabLayer::Conv => &[N, C, H, W, F, FilterSize, Stride, Pad],
            LabLayer::MaxPool => &[N, C, H, W, FilterSize, Stride],
            LabLayer::Softmax | LabLayer::Svm => &[N, C],
            LabLayer::Net => &[N, C, H, W, F, FilterSize, Hidden, WeightScale],
            // The input's shape and the classes come from the network's text.
            LabLayer::Designed => &[N, Network, Init],
        }
    }
}

/// Which float type the check computes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    F32,
    #[default]
    F64,
}

/// How a designed network's initial weights are drawn (biases 0, batch norm's γ 1 and β 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LabInit {
    /// He (Kaiming): `std = sqrt(2 / fan_in)` per layer, the default for designed networks.
    #[default]
    He,
    /// Every weight `weight_scale · N(0, 1)`, the course's initialisation.
    Scale,
}

/// What to check, on which shapes. Defaults are the panel's defaults (the assignment's conv check).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GradCheckSettings {
    pub layer: LabLayer,
    /// Batch size N.
    pub n: usize,
    /// Channels C (classes, for the losses).
    pub c: usize,
    pub h: usize,
    pub w: usize,
    /// Filters F of a conv layer (and of the net); outputs M of an affine layer.
    pub f: usize,
    /// Filter size of conv (and of the net's conv), window size of max pool.
    pub filter_size: usize,
    pub stride: usize,
    pub pad: usize,
    /// Hidden units of the net.
    pub hidden: usize,
    /// Standard deviation of the net's initial weights (the layers draw N(0, 1) inputs), and of
    /// a designed network's with [`LabInit::Scale`].
    pub weight_scale: f64,
    /// A designed network's text, as the network table writes it (`"8x8x3: conv3x3-4 pad1,
    /// relu, pool2, fc10"`); empty means the lecture's network ([`crate::shapes::Network::lecture`]),
    /// as in the Shapes panel. Its classes are the last fc layer's outputs.
    #[serde(default)]
    pub network: String,
    /// How a designed network's weights are drawn.
    #[serde(default)]
    pub init: LabInit,
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
            hidden: 7,
            weight_scale: super::net::DEFAULT_WEIGHT_SCALE,
            network: String::new(),
            init: LabInit::He,
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
            // ConvolutionalNetworks.ipynb: 2 images 3×16×16, 3 filters 3×3, hidden 7, 10 classes.
            LabLayer::Net => GradCheckSettings {
                n: 2,
                c: 3,
                h: 16,
                w: 16,
                f: 3,
                filter_size: 3,
                pad: 1,
                seed: super::net::DEFAULT_SEED,
                ..base
            },
            // A small network with every kind of layer the table knows (see
            // `designed::DESIGNED_EXAMPLE`), 4 images, He initialisation.
            LabLayer::Designed => GradCheckSettings {
                n: super::designed::DESIGNED_EXAMPLE_N,
                network: super::designed::DESIGNED_EXAMPLE.to_string(),
                seed: super::designed::DESIGNED_EXAMPLE_SEED,
                ..base
            },
        }
    }
}

/// The course's reading of a relative error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Below 1e-7 ([`Verdict::CORRECT_BELOW`]): the backward pass is right.
    Correct,
    /// 1e-7 to 1e-4, both included: suspicious, unless the function has kinks (ReLU, max) near
    /// the inputs.
    Suspicious,
    /// Above 1e-4 ([`Verdict::WRONG_ABOVE`]), or NaN: almost certainly a bug.
    Wrong,
}

/// The two thresholds of the course's reading, as the page shows them and colours its heat maps
/// (`{ correctBelow, wrongAbove }`): an error `e < correct_below` is correct, `e > wrong_above`
/// (or NaN) wrong, anything between suspicious.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Thresholds {
    pub correct_below: f64,
    pub wrong_above: f64,
}

impl Verdict {
    /// Relative errors below this are correct.
    pub const CORRECT_BELOW: f64 = 1e-7;
    /// Relative errors above this are wrong.
    pub const WRONG_ABOVE: f64 = 1e-4;
    /// Both thresholds, for the page.
    pub const THRESHOLDS: Thresholds = Thresholds {
        correct_below: Self::CORRECT_BELOW,
        wrong_above: Self::WRONG_ABOVE,
    };

    /// The reading of a relative error `e`.
    ///
    /// ```
    /// use cnn_playground::lab::Verdict;
    /// assert_eq!(Verdict::of(9.9e-8), Verdict::Correct);
    /// assert_eq!(Verdict::of(1e-7), Verdict::Suspicious);
    /// assert_eq!(Verdict::of(1e-4), Verdict::Suspicious);
    /// assert_eq!(Verdict::of(1.1e-4), Verdict::Wrong);
    /// assert_eq!(Verdict::of(f64::NAN), Verdict::Wrong);
    /// ```
    pub fn of(e: f64) -> Self {
        if e < Self::CORRECT_BELOW {
            Verdict::Correct
        } else if e <= Self::WRONG_ABOVE {
            Verdict::Suspicious
        } else {
            Verdict::Wrong
        }
    }

    /// The page's name of the reading: "correct", "suspicious" or "wrong" (as serialised).
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Correct => "correct",
            Verdict::Suspicious => "suspicious",
            Verdict::Wrong => "wrong",
        }
    }
}

/// One gradient's comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GradientReport {
    /// "dx", "dw", "db", "dgamma", "dbeta", "dscores"; "dW1" … "db3" for the net; "dW1",
    /// "db1", "dgamma1", … for a designed network (its parameter table's names).
    pub name: String,
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
    /// Row-major indices of the elements whose ±h steps moved a ReLU or max-pool input across
    /// its kink (the whole net or a designed network only; empty otherwise).
    pub kinked: Vec<usize>,
    /// The relative error over the elements not in [`Self::kinked`].
    pub kink_free_error: f64,
    /// The reading of [`Self::kink_free_error`].
    pub kink_free_verdict: Verdict,
    /// What the check knows about this gradient beyond the numbers, for the student (a designed
    /// network's bias right before batch norm, whose true gradient is 0).
    pub note: Option<String>,
    /// The row-major indices of the elements the check sampled, when it did not check them all
    /// (a designed network too large to check whole, see [`GradCheckReport::sampled`]); the others
    /// have NaN in [`Self::numerical`] and [`Self::error_map`] and count in no error.
    pub checked: Option<Vec<usize>>,
}

/// The result of a gradient check.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GradCheckReport {
    pub settings: GradCheckSettings,
    /// The shapes of the inputs, for display, e.g. `[("x", [4, 3, 5, 5]), ("w", [2, 3, 3, 3])]`.
    pub input_shapes: Vec<(String, Vec<usize>)>,
    pub gradients: Vec<GradientReport>,
    /// For a designed network too large to check whole: how many of its parameters were sampled.
    pub sampled: Option<Sampled>,
    /// For the whole net or a designed network: the ReLU and max-pool inputs near their kinks (see [`super::KinkReport`]).
    pub kinks: Option<super::KinkReport>,
}

/// A sampled check, as the course's `grad_check_sparse`: up to `per_array` elements of each
/// parameter array (all of a smaller one), drawn from the seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Sampled {
    /// Parameters in all.
    pub parameters: usize,
    /// Parameters checked.
    pub checked: usize,
    pub per_array: usize,
}

/// Compares an analytic and a numerical gradient of one input.
pub fn compare<F: Float, D: Dimension>(
    name: impl Into<String>,
    analytic: &Array<F, D>,
    numerical: &Array<F, D>,
) -> GradientReport {
    let mut error_map = Vec::with_capacity(analytic.len());
    Zip::from(analytic).and(numerical).for_each(|&a, &n| {
        let (a, n) = (a.as_f64(), n.as_f64());
        let e = (a - n).abs() / (a.abs() + n.abs()).max(1e-8);
        error_map.push(if e.is_nan() { f64::INFINITY } else { e });
    });
    let (worst_index, rel_error) = worst(error_map.iter().copied().enumerate());
    GradientReport {
        name: name.into(),
        shape: analytic.shape().to_vec(),
        rel_error,
        verdict: Verdict::of(rel_error),
        error_map,
        worst_index,
        analytic: analytic.iter().map(|v| v.as_f64()).collect(),
        numerical: numerical.iter().map(|v| v.as_f64()).collect(),
        kinked: Vec::new(),
        kink_free_error: rel_error,
        kink_free_verdict: Verdict::of(rel_error),
        note: None,
        checked: None,
    }
}

/// The index and value of the largest error (the first on ties; 0 and 0.0 if there are none).
fn worst(errors: impl Iterator<Item = (usize, f64)>) -> (usize, f64) {
    errors.fold(
        (0, 0.0),
        |best, (i, e)| if e > best.1 { (i, e) } else { best },
    )
}

/// Runs the gradient check the settings describe, all at once.
///
/// ```
/// use cnn_playground::lab::{gradient_check, GradCheckSettings, LabLayer, Verdict};
/// let report = gradient_check(&GradCheckSettings::for_layer(LabLayer::MaxPool)).unwrap();
/// assert_eq!(report.gradients[0].shape, vec![3, 2, 8, 8]);
/// assert_eq!(report.gradients[0].verdict, Verdict::Correct);
/// ```
pub fn gradient_check(settings: &GradCheckSettings) -> Result<GradCheckReport> {
    let mut job = GradCheckJob::new(settings)?;
    while !job.step(usize::MAX) {}
    job.report()
}

/// A gradient check in progress: the analytic gradients are computed when it starts, the
/// numerical ones element by element in [`GradCheckJob::step`].
pub struct GradCheckJob {
    inner: Inner,
}

enum Inner {
    F32(Job<f32>),
    F64(Job<f64>),
}

impl GradCheckJob {
    /// Validates the settings, draws the inputs and runs the forward and backward passes.
    pub fn new(settings: &GradCheckSettings) -> Result<Self> {
        validate(settings)?;
        let inner = match settings.precision {
            Precision::F32 => Inner::F32(Job::new(settings)?),
            Precision::F64 => Inner::F64(Job::new(settings)?),
        };
        Ok(GradCheckJob { inner })
    }

    /// Computes the numerical gradient of up to `elements` more input elements (two forward
    /// passes each). Returns true when every element is done.
    pub fn step(&mut self, elements: usize) -> bool {
        match &mut self.inner {
            Inner::F32(j) => j.step(elements),
            Inner::F64(j) => j.step(elements),
        }
    }

    /// `(elements done, elements in all)`.
    pub fn progress(&self) -> (usize, usize) {
        match &self.inner {
            Inner::F32(j) => (j.done, j.total),
            Inner::F64(j) => (j.done, j.total),
        }
    }

    /// The report, its words in English; errors if [`GradCheckJob::step`] has not finished.
    pub fn report(&self) -> Result<GradCheckReport> {
        self.report_in(Lang::En)
    }

    /// The report with its words (notes, layer names) in `lang`, as the page shows them.
    pub fn report_in(&self, lang: Lang) -> Result<GradCheckReport> {
        match &self.inner {
            Inner::F32(j) => j.report(lang),
            Inner::F64(j) => j.report(lang),
        }
    }
}

/// Which element of which input differs from the drawn point in a call of [`Objective::value`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Moved {
    pub input: usize,
    pub index: usize,
}

/// The function whose gradient is checked: a layer's output, weighted by its upstream gradient
/// `dout` (the gradient of `Σ out ⊙ dout` is exactly what the backward pass returns), or a loss,
/// a 0-d output weighted by 1.
pub(super) trait Objective<F: Float> {
    /// The output at `inputs`, or `None` if the forward pass failed (a perturbed input cannot make
    /// a valid forward pass invalid, but if it did the check must show it, not hide it).
    fn value(&mut self, inputs: &[ArrayD<F>], moved: Moved) -> Option<ArrayD<F>>;
    /// What the output is weighted by: dout for a layer, a 0-d 1 for a loss.
    fn upstream(&self) -> &ArrayD<F>;
    /// What the check learnt beyond the gradients (the net's kinks).
    fn kinks(
        &self,
        _inputs: &[ArrayD<F>],
        _names: &[String],
        _lang: Lang,
    ) -> Option<super::KinkReport> {
        None
    }
    /// A note on the gradient of input `input`, if the objective knows something about it.
    fn note(&self, _input: usize) -> Option<Message> {
        None
    }
    /// Per input, the sorted row-major indices of the elements to check, if not all of them.
    fn sample(&self) -> Option<&[Vec<usize>]> {
        None
    }
}

/// A layer's objective: its forward pass as a closure of the inputs, and its upstream gradient.
struct Layer<F, C> {
    forward: C,
    dout: ArrayD<F>,
}

impl<F: Float, C: FnMut(&[ArrayD<F>]) -> Result<ArrayD<F>>> Layer<F, C> {
    fn boxed<D: Dimension>(dout: Array<F, D>, forward: C) -> Box<Self> {
        let dout = dout.as_standard_layout().into_owned().into_dyn();
        Box::new(Layer { forward, dout })
    }
}

impl<F: Float, C: FnMut(&[ArrayD<F>]) -> Result<ArrayD<F>>> Objective<F> for Layer<F, C> {
    fn value(&mut self, inputs: &[ArrayD<F>], _moved: Moved) -> Option<ArrayD<F>> {
        (self.forward)(inputs).ok()
    }

    fn upstream(&self) -> &ArrayD<F> {
        &self.dout
    }
}

/// A loss as a 0-d output, which its objective weights by [`one`].
pub(super) fn scalar<F: Float>(loss: F) -> ArrayD<F> {
    ArrayD::from_elem(ndarray::IxDyn(&[]), loss)
}

/// The 0-d weight of a loss.
pub(super) fn one<F: Float>() -> ArrayD<F> {
    scalar(F::one())
}

/// One checked input: its gradient's name, the analytic gradient and the numerical one so far.
pub(super) struct Checked<F> {
    pub name: String,
    pub analytic: ArrayD<F>,
    pub numerical: ArrayD<F>,
}

/// Everything a check needs, in one float type.
pub(super) struct Setup<F: Float> {
    pub input_shapes: Vec<(String, Vec<usize>)>,
    /// The inputs, perturbed one element at a time (each in standard layout).
    pub inputs: Vec<ArrayD<F>>,
    /// One per input, in the same order.
    pub checked: Vec<Checked<F>>,
    pub objective: Box<dyn Objective<F>>,
}

struct Job<F: Float> {
    settings: GradCheckSettings,
    setup: Setup<F>,
    /// Per input, the elements to check when not all (the objective's [`Objective::sample`]).
    sample: Option<Vec<Vec<usize>>>,
    /// The next element to perturb: (input, index).
    cursor: (usize, usize),
    done: usize,
    total: usize,
}

impl<F: Float> Job<F> {
    fn new(s: &GradCheckSettings) -> Result<Self> {
        let mut setup = match s.layer {
            LabLayer::Net => NetObjective::setup(s)?,
            LabLayer::Designed => DesignedObjective::setup(s)?,
            _ => layer_setup(s)?,
        };
        if s.inject_bug {
            if let Some(first) = setup.checked.first_mut() {
                first.analytic.mapv_inplace(|v| v * F::of(1.01));
            }
        }
        let sample = setup.objective.sample().map(<[Vec<usize>]>::to_vec);
        let total = match &sample {
            Some(sample) => sample.iter().map(Vec::len).sum(),
            None => setup.inputs.iter().map(|a| a.len()).sum(),
        };
        Ok(Job {
            settings: s.clone(),
            setup,
            sample,
            cursor: (0, 0),
            done: 0,
            total,
        })
    }

    /// Centred differences the course's way, one element at a time, exactly as
    /// [`crate::gradient_check::numerical_gradient_array`] computes them:
    /// `Σ (f(x + h·e_i) − f(x − h·e_i)) ⊙ dout / 2h`, the outputs subtracted element by element
    /// before they are weighted (for a loss, `(L(x + h·e_i) − L(x − h·e_i)) / 2h`).
    fn step(&mut self, elements: usize) -> bool {
        let h = F::of(self.settings.step);
        let Setup {
            inputs,
            checked,
            objective,
            ..
        } = &mut self.setup;
        let sample = self.sample.as_deref();
        let mut left = elements;
        while left > 0 && self.cursor.0 < inputs.len() {
            let (k, j) = self.cursor;
            let len = sample.map_or(inputs[k].len(), |s| s[k].len());
            if j >= len {
                self.cursor = (k + 1, 0);
                continue;
            }
            // The j-th element to check of input k.
            let i = sample.map_or(j, |s| s[k][j]);
            let moved = Moved { input: k, index: i };
            let old = flat(&inputs[k])[i];
            flat_mut(&mut inputs[k])[i] = old + h;
            let fxph = objective.value(inputs, moved);
            flat_mut(&mut inputs[k])[i] = old - h;
            let fxmh = objective.value(inputs, moved);
            flat_mut(&mut inputs[k])[i] = old;
            flat_mut(&mut checked[k].numerical)[i] = match (fxph, fxmh) {
                (Some(p), Some(m)) => centred_difference_array(&p, &m, objective.upstream(), h),
                _ => F::nan(),
            };
            self.done += 1;
            left -= 1;
            self.cursor = (k, j + 1);
        }
        self.done == self.total
    }

    fn report(&self, lang: Lang) -> Result<GradCheckReport> {
        if self.done < self.total {
            return Err(Error::invalid(
                Message::new("models.lab.not_finished")
                    .arg("done", self.done)
                    .arg("total", self.total),
            ));
        }
        let names: Vec<String> = self.setup.checked.iter().map(|c| c.name.clone()).collect();
        let mut kinks = self.setup.objective.kinks(&self.setup.inputs, &names, lang);
        if let (Some(kinks), Some(_)) = (&mut kinks, &self.sample) {
            kinks.parameters = self.total;
        }
        let gradients = self
            .setup
            .checked
            .iter()
            .enumerate()
            .map(|(k, c)| {
                let mut g = compare(c.name.as_str(), &c.analytic, &c.numerical);
                g.note = self.setup.objective.note(k).map(|m| m.text(lang));
                if let Some(sample) = &self.sample {
                    restrict(&mut g, &sample[k]);
                }
                if let Some(kinks) = &kinks {
                    g.kinked = kinks.kinked_elements[k].clone();
                    let skip: std::collections::HashSet<usize> = g.kinked.iter().copied().collect();
                    let free = |i: &usize| !skip.contains(i);
                    g.kink_free_error = match &g.checked {
                        Some(checked) => worst(
                            checked
                                .iter()
                                .filter(|i| free(i))
                                .map(|&i| (i, g.error_map[i])),
                        ),
                        None => worst(
                            g.error_map
                                .iter()
                                .copied()
                                .enumerate()
                                .filter(|(i, _)| free(i)),
                        ),
                    }
                    .1;
                    g.kink_free_verdict = Verdict::of(g.kink_free_error);
                }
                g
            })
            .collect();
        let sampled = self.sample.as_ref().map(|sample| Sampled {
            parameters: self.setup.inputs.iter().map(|a| a.len()).sum(),
            checked: self.total,
            per_array: sample.iter().map(Vec::len).max().unwrap_or(0),
        });
        Ok(GradCheckReport {
            settings: self.settings.clone(),
            input_shapes: self.setup.input_shapes.clone(),
            gradients,
            sampled,
            kinks,
        })
    }
}

/// Limits a report to the elements the check sampled (`checked`, sorted): the others' numerical
/// value and error become NaN, and the error, its reading and the worst element are over the
/// sampled ones only.
fn restrict(g: &mut GradientReport, checked: &[usize]) {
    let mut next = checked.iter().peekable();
    for i in 0..g.error_map.len() {
        if next.peek() == Some(&&i) {
            next.next();
        } else {
            g.error_map[i] = f64::NAN;
            g.numerical[i] = f64::NAN;
        }
    }
    let (worst_index, rel_error) = worst(checked.iter().map(|&i| (i, g.error_map[i])));
    // With every sampled error 0, the worst is the first sampled element.
    g.worst_index = if rel_error > 0.0 {
        worst_index
    } else {
        checked.first().copied().unwrap_or(0)
    };
    g.rel_error = rel_error;
    g.verdict = Verdict::of(rel_error);
    g.kink_free_error = rel_error;
    g.kink_free_verdict = g.verdict;
    g.checked = Some(checked.to_vec());
}

pub(super) fn flat<F, D: Dimension>(a: &Array<F, D>) -> &[F] {
    a.as_slice()
        .expect("checked inputs are kept in standard layout")
}

fn flat_mut<F, D: Dimension>(a: &mut Array<F, D>) -> &mut [F] {
    a.as_slice_mut()
        .expect("checked inputs are kept in standard layout")
}

/// The largest x a check accepts: it runs the layer twice per input value.
const MAX_ELEMENTS: usize = 20_000;

/// The largest layer output a check accepts: every step computes two of them.
const MAX_OUTPUT: usize = 100_000;

/// A number for a message, short however large or small: `"0.2"`, `"1e-5"`, `"1e308"`, `"NaN"`
/// (`{}` would print 1e308 with 309 digits).
///
/// ```
/// use cnn_playground::lab::number_text;
/// assert_eq!(number_text(1e308), "1e308");
/// assert_eq!(number_text(1e-5), "1e-5");
/// assert_eq!(number_text(0.2), "0.2");
/// assert_eq!(number_text(-2.5e-7), "-2.5e-7");
/// assert_eq!(number_text(f64::NEG_INFINITY), "-inf");
/// ```
pub fn number_text(v: f64) -> String {
    if v == 0.0 || !v.is_finite() || (1e-3..1e6).contains(&v.abs()) {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

/// Refuses a count over one of the Lab's own limits, saying the true count (never a saturated
/// one) and the limit; `what` names it ("x has N·C·H·W =").
fn at_most(what: &'static str, dims: &[usize], limit: usize, why: &'static str) -> Result<()> {
    let count = budget::count(dims);
    if count > limit as u128 {
        return Err(Error::invalid(
            Message::new(what)
                .arg("count", count)
                .nested("why", Message::new(why))
                .arg("limit", limit),
        ));
    }
    Ok(())
}

/// `(input + 2·pad − k)/stride + 1` in u128, or `None` where the layer itself will explain why
/// the window does not fit (it is only used to refuse outputs that are too large).
fn out_size(input: usize, k: usize, pad: usize, stride: usize) -> Option<usize> {
    let padded = input as u128 + 2 * pad as u128;
    let span = padded.checked_sub(k as u128)?;
    let size = span / (stride.max(1) as u128) + 1;
    Some(usize::try_from(size).unwrap_or(usize::MAX))
}

fn validate(s: &GradCheckSettings) -> Result<()> {
    let fields = s.layer.fields();
    for (field, what, v) in [
        (Field::N, "N", s.n),
        (Field::C, "C", s.c),
        (Field::H, "H", s.h),
        (Field::W, "W", s.w),
        (Field::F, "F", s.f),
        (Field::FilterSize, "the filter size", s.filter_size),
        (Field::Stride, "the stride", s.stride),
        (Field::Hidden, "the hidden size", s.hidden),
    ] {
        if fields.contains(&field) && v == 0 {
            return Err(Error::Zero {
                what: crate::models::quantity(what),
            });
        }
    }
    if !(s.step.is_finite() && s.step > 0.0 && s.step < 1.0) {
        return Err(Error::invalid(
            Message::new("models.lab.bad_step").arg("h", number_text(s.step)),
        ));
    }
    if s.layer == LabLayer::Designed {
        // Its shapes come from the network's text: lab::designed checks them, and its budget.
        return Ok(());
    }
    let (n, c, h, w) = match s.layer {
        // Scores are N × C: H and W are not used.
        LabLayer::Softmax | LabLayer::Svm => (s.n, s.c, 1, 1),
        _ => (s.n, s.c, s.h, s.w),
    };
    let twice = "models.lab.limit.twice";
    at_most("models.lab.limit.x", &[n, c, h, w], MAX_ELEMENTS, twice)?;
    let k = s.filter_size;
    let (params, out): (Vec<usize>, Vec<usize>) = match s.layer {
        LabLayer::Affine => (vec![c, h, w, s.f], vec![n, s.f]),
        LabLayer::Conv => {
            let ho = out_size(h, k, s.pad, s.stride).unwrap_or(0);
            let wo = out_size(w, k, s.pad, s.stride).unwrap_or(0);
            (vec![s.f, c, k, k], vec![n, s.f, ho, wo])
        }
        LabLayer::MaxPool => {
            let ho = out_size(h, k, 0, s.stride).unwrap_or(0);
            let wo = out_size(w, k, 0, s.stride).unwrap_or(0);
            (vec![0], vec![n, c, ho, wo])
        }
        // The net's conv keeps (at most) the size: its activations are at most N·F·H·W.
        LabLayer::Net => (vec![0], vec![n, s.f, h, w]),
        LabLayer::Relu | LabLayer::SpatialBatchNorm => (vec![0], vec![n, c, h, w]),
        LabLayer::Softmax | LabLayer::Svm => (vec![0], vec![1]),
        LabLayer::Designed => unreachable!("returned above"),
    };
    at_most(
        "models.lab.limit.w",
        &params,
        MAX_ELEMENTS,
        "models.lab.limit.perturbs",
    )?;
    let out_what = if s.layer == LabLayer::Net {
        "models.lab.limit.net_output"
    } else {
        "models.lab.limit.output"
    };
    at_most(
        out_what,
        &out,
        MAX_OUTPUT,
        "models.lab.limit.computes_twice",
    )?;
    // Within the Lab's limits these are far below the engine's budget; counted all the same:
    // x and its analytic and numerical gradients, w likewise, the output, dout and the two
    // outputs of a step.
    let mut tally = budget::Tally::new(crate::i18n::Message::new("models.lab.gradient_check"));
    for _ in 0..3 {
        tally.add::<f64>(&[n, c, h, w]).add::<f64>(&params);
    }
    for _ in 0..4 {
        tally.add::<f64>(&out);
    }
    tally.check()
}

fn as4<F: Float>(a: &ArrayD<F>) -> Array4<F> {
    a.view()
        .into_dimensionality::<Ix4>()
        .expect("the check built this input 4-d")
        .to_owned()
}

fn as2<F: Float>(a: &ArrayD<F>) -> Array2<F> {
    a.view()
        .into_dimensionality::<Ix2>()
        .expect("the check built this input 2-d")
        .to_owned()
}

fn as1<F: Float>(a: &ArrayD<F>) -> Array1<F> {
    a.view()
        .into_dimensionality::<Ix1>()
        .expect("the check built this input 1-d")
        .to_owned()
}

/// `(name, shape)` of each input, for the report's heading.
fn named_shapes<F: Float>(names: &[&str], inputs: &[ArrayD<F>]) -> Vec<(String, Vec<usize>)> {
    names
        .iter()
        .zip(inputs)
        .map(|(&name, a)| (name.to_string(), a.shape().to_vec()))
        .collect()
}

/// An input's analytic gradient, named, with a numerical one still to compute.
pub(super) fn checked<F: Float, D: Dimension>(
    name: impl Into<String>,
    analytic: Array<F, D>,
) -> Checked<F> {
    let analytic = analytic.as_standard_layout().into_owned().into_dyn();
    Checked {
        name: name.into(),
        numerical: ArrayD::zeros(analytic.raw_dim()),
        analytic,
    }
}

/// Draws the inputs of one layer, runs its forward and backward passes, and builds the objective.
fn layer_setup<F: Float>(s: &GradCheckSettings) -> Result<Setup<F>> {
    let mut rng = Rng::new(s.seed);
    let x4 = |rng: &mut Rng| -> Array4<F> { rng.normal_array((s.n, s.c, s.h, s.w), 1.0) };
    let setup = match s.layer {
        LabLayer::Affine => {
            let x = x4(&mut rng).into_dyn();
            let d = s.c * s.h * s.w;
            let w: Array2<F> = rng.normal_array((d, s.f), 1.0);
            let b: Array1<F> = rng.normal_array(s.f, 1.0);
            let (out, cache) = affine_forward(&x, &w, &b)?;
            let dout: Array2<F> = rng.normal_array(out.raw_dim(), 1.0);
            let (dx, dw, db) = affine_backward(&dout, &cache)?;
            let inputs = vec![x, w.into_dyn(), b.into_dyn()];
            Setup {
                input_shapes: named_shapes(&["x", "w", "b"], &inputs),
                inputs,
                checked: vec![checked("dx", dx), checked("dw", dw), checked("db", db)],
                objective: Layer::boxed(dout, |v: &[ArrayD<F>]| {
                    Ok(affine_forward(&v[0], &as2(&v[1]), &as1(&v[2]))?
                        .0
                        .into_dyn())
                }),
            }
        }
        LabLayer::Relu => {
            let x = x4(&mut rng);
            let (out, cache) = relu_forward(&x);
            let dout: Array4<F> = rng.normal_array(out.raw_dim(), 1.0);
            let dx = relu_backward(&dout, &cache)?;
            let inputs = vec![x.into_dyn()];
            Setup {
                input_shapes: named_shapes(&["x"], &inputs),
                inputs,
                checked: vec![checked("dx", dx)],
                objective: Layer::boxed(dout, |v: &[ArrayD<F>]| {
                    Ok(relu_forward(&as4(&v[0])).0.into_dyn())
                }),
            }
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
            let (out, cache) = conv_forward_naive(&x, &w, &b, p)?;
            let dout: Array4<F> = rng.normal_array(out.raw_dim(), 1.0);
            let (dx, dw, db) = conv_backward_naive(&dout, &cache)?;
            let inputs = vec![x.into_dyn(), w.into_dyn(), b.into_dyn()];
            Setup {
                input_shapes: named_shapes(&["x", "w", "b"], &inputs),
                inputs,
                checked: vec![checked("dx", dx), checked("dw", dw), checked("db", db)],
                objective: Layer::boxed(dout, move |v: &[ArrayD<F>]| {
                    Ok(
                        conv_forward_naive(&as4(&v[0]), &as4(&v[1]), &as1(&v[2]), p)?
                            .0
                            .into_dyn(),
                    )
                }),
            }
        }
        LabLayer::MaxPool => {
            let x = x4(&mut rng);
            let p = PoolParam {
                pool_height: s.filter_size,
                pool_width: s.filter_size,
                stride: s.stride,
            };
            let (out, cache) = max_pool_forward_naive(&x, p)?;
            let dout: Array4<F> = rng.normal_array(out.raw_dim(), 1.0);
            let dx = max_pool_backward_naive(&dout, &cache)?;
            let inputs = vec![x.into_dyn()];
            Setup {
                input_shapes: named_shapes(&["x"], &inputs),
                inputs,
                checked: vec![checked("dx", dx)],
                objective: Layer::boxed(dout, move |v: &[ArrayD<F>]| {
                    Ok(max_pool_forward_naive(&as4(&v[0]), p)?.0.into_dyn())
                }),
            }
        }
        LabLayer::Softmax | LabLayer::Svm => {
            // Scores (N, C) with C classes; small softmax scores as at the start of training.
            let scale = if s.layer == LabLayer::Softmax {
                1e-3
            } else {
                1.0
            };
            let scores: Array2<F> = rng.normal_array((s.n, s.c), scale);
            let y: Vec<usize> = (0..s.n).map(|_| rng.below(s.c)).collect();
            let svm = s.layer == LabLayer::Svm;
            let loss = move |sc: &Array2<F>| {
                if svm {
                    svm_loss(sc, &y)
                } else {
                    softmax_loss(sc, &y)
                }
            };
            let (_, dscores) = loss(&scores)?;
            let inputs = vec![scores.into_dyn()];
            Setup {
                input_shapes: named_shapes(&["scores"], &inputs),
                inputs,
                checked: vec![checked("dscores", dscores)],
                objective: Layer::boxed(one(), move |v: &[ArrayD<F>]| {
                    Ok(scalar(loss(&as2(&v[0]))?.0))
                }),
            }
        }
        LabLayer::SpatialBatchNorm => {
            let x: Array4<F> = rng.normal_array((s.n, s.c, s.h, s.w), 5.0) + F::of(12.0);
            let gamma: Array1<F> = rng.normal_array(s.c, 1.0);
            let beta: Array1<F> = rng.normal_array(s.c, 1.0);
            let (out, cache) =
                spatial_batchnorm_forward(&x, &gamma, &beta, &mut BatchNormParam::new(s.c))?;
            let dout: Array4<F> = rng.normal_array(out.raw_dim(), 1.0);
            let (dx, dgamma, dbeta) = spatial_batchnorm_backward(&dout, &cache)?;
            let c = s.c;
            let inputs = vec![x.into_dyn(), gamma.into_dyn(), beta.into_dyn()];
            Setup {
                input_shapes: named_shapes(&["x", "gamma", "beta"], &inputs),
                inputs,
                checked: vec![
                    checked("dx", dx),
                    checked("dgamma", dgamma),
                    checked("dbeta", dbeta),
                ],
                objective: Layer::boxed(dout, move |v: &[ArrayD<F>]| {
                    // A fresh train-mode param each time: batch statistics, nothing carried over.
                    let (out, _) = spatial_batchnorm_forward(
                        &as4(&v[0]),
                        &as1(&v[1]),
                        &as1(&v[2]),
                        &mut BatchNormParam::new(c),
                    )?;
                    Ok(out.into_dyn())
                }),
            }
        }
        LabLayer::Net | LabLayer::Designed => {
            unreachable!("the whole networks have their own setups (lab::net, lab::designed)")
        }
    };
    Ok(setup)
}

//! The gradient check of a whole [`ThreeLayerConvNet`], and the kinks that can spoil it.
//!
//! The analytic gradients are the model's own (`loss` returns them); the numerical ones
//! differentiate the very loss `loss` returns, one parameter at a time. The check watches every
//! ReLU input and pool window during every step ([`super::kinks`]) and reports which ones were
//! within reach of their kink, which ones a step actually pushed across, and the error over the
//! parameters whose steps crossed none.

use super::gradcheck::{
    checked, number_text, one, scalar, GradCheckSettings, Moved, Objective, Precision, Setup,
};
use super::kinks::{pool_windows, relu_inputs, KinkReport, KinkSite, Kinks, Values};
use crate::budget;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::i18n::{Lang, Message};
use crate::layers::Mode;
use crate::models::{Activations, ConvNetConfig, Params, ThreeLayerConvNet};
use crate::rng::Rng;
use ndarray::{Array4, ArrayD, Ix1, Ix2, Ix4};

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

/// The most parameters a net check perturbs (each costs two forward passes); a designed
/// network's check keeps the same limit.
pub(super) const MAX_PARAMETERS: usize = 20_000;

/// A batch x `(N, C, H, W)` from N(0, 1) and N labels below `classes`. The weights come from
/// `Rng::new(seed)`; the batch from a second stream of the same seed.
pub(super) fn draw_batch<F: Float>(
    seed: u64,
    shape: (usize, usize, usize, usize),
    classes: usize,
) -> (Array4<F>, Vec<usize>) {
    let mut rng = Rng::new(seed ^ 0x9e37_79b9_7f4a_7c15);
    let x: Array4<F> = rng.normal_array(shape, 1.0);
    let y: Vec<usize> = (0..shape.0).map(|_| rng.below(classes)).collect();
    (x, y)
}

/// The net, its batch, and what the check has seen of its kinks.
pub(super) struct NetObjective<F: Float> {
    net: ThreeLayerConvNet<F>,
    x: Array4<F>,
    y: Vec<usize>,
    kinks: Kinks,
    /// The loss's weight in the centred difference.
    one: ArrayD<F>,
}

/// The net's kink sites in one forward pass: the conv output (the first ReLU's input), the 2×2
/// pool windows on the first ReLU's output, the hidden affine output (the second ReLU's input).
fn sites<F: Float>(a: &Activations<F>) -> [Values; 3] {
    [
        relu_inputs(a.conv.iter().copied()),
        // The pool's output goes through no ReLU here, but relu1 ≥ 0: a window whose largest
        // input is 0 is all zeros, and only its ReLUs have kinks.
        pool_windows(a.relu1.view(), 2, 2, true),
        relu_inputs(a.affine1.iter().copied()),
    ]
}

/// The message for a weight scale whose net overflows: the weights, not anything else, are to
/// blame.
/// `why` says what overflowed ("the loss is inf", "the weights themselves are infinite in f32").
pub(super) fn too_large_a_scale(s: &GradCheckSettings, why: Message) -> Error {
    Error::invalid(
        Message::new("models.lab.scale_too_large")
            .arg("scale", number_text(s.weight_scale))
            .arg(
                "precision",
                match s.precision {
                    Precision::F32 => "f32",
                    Precision::F64 => "f64",
                },
            )
            .nested("why", why)
            .arg("default", DEFAULT_WEIGHT_SCALE),
    )
}

/// "the loss is inf": what overflowed, for [`too_large_a_scale`].
pub(super) fn loss_is(loss: f64) -> Message {
    Message::new("models.lab.loss_is").arg("loss", number_text(loss))
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
            return Err(Error::invalid(
                Message::new("models.lab.net_too_many_parameters")
                    .arg("parameters", parameters)
                    .arg("max", MAX_PARAMETERS),
            ));
        }
        // With the sizes valid and reg 0, the net refuses only a weight scale whose weights would
        // be infinite in F; it says so in words about training, the Lab in its own.
        config.validate()?;
        config.layer_dims()?;
        let mut net = ThreeLayerConvNet::<F>::new(config)
            .map_err(|_| too_large_a_scale(s, Message::new("models.lab.weights_infinite")))?;
        let (x, y) = draw_batch(s.seed, (s.n, s.c, s.h, s.w), NET_CLASSES);
        let (loss, grads) = net.loss(&x, &y)?;
        let finite = |a: &[F]| a.iter().all(|v| v.is_finite());
        if !loss.is_finite() || !grads.slices().into_iter().all(finite) {
            return Err(too_large_a_scale(s, loss_is(loss.as_f64())));
        }
        let acts = net.activations(&x, Mode::Train)?;
        let p = net.params();
        let inputs: Vec<ArrayD<F>> = vec![
            p.w1.clone().into_dyn(),
            p.b1.clone().into_dyn(),
            p.w2.clone().into_dyn(),
            p.b2.clone().into_dyn(),
            p.w3.clone().into_dyn(),
            p.b3.clone().into_dyn(),
        ];
        let checked = vec![
            checked("dW1", grads.w1),
            checked("db1", grads.b1),
            checked("dW2", grads.w2),
            checked("db2", grads.b2),
            checked("dW3", grads.w3),
            checked("db3", grads.b3),
        ];
        let input_shapes = vec![
            ("x".to_string(), x.shape().to_vec()),
            ("W1".to_string(), inputs[0].shape().to_vec()),
            ("W2".to_string(), inputs[2].shape().to_vec()),
            ("W3".to_string(), inputs[4].shape().to_vec()),
        ];
        let [conv, pool, hidden] = sites(&acts);
        let kinks = Kinks::new(
            vec![
                (KinkSite::ConvRelu, None, dims(acts.conv.shape()), conv),
                (KinkSite::Pool, None, dims(acts.pool.shape()), pool),
                (
                    KinkSite::HiddenRelu,
                    None,
                    dims(acts.affine1.shape()),
                    hidden,
                ),
            ],
            inputs.iter().map(|a| a.len()),
        );
        let objective = NetObjective {
            kinks,
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
}

impl<F: Float> Objective<F> for NetObjective<F> {
    fn value(&mut self, inputs: &[ArrayD<F>], moved: Moved) -> Option<ArrayD<F>> {
        self.net.set_params(Self::params_of(inputs)).ok()?;
        let (loss, _) = self.net.loss(&self.x, &self.y).ok()?;
        if let Ok(a) = self.net.activations(&self.x, Mode::Train) {
            self.kinks.watch(&sites(&a), moved);
        }
        Some(scalar(loss))
    }

    fn upstream(&self) -> &ArrayD<F> {
        &self.one
    }

    fn kinks(&self, inputs: &[ArrayD<F>], names: &[String], lang: Lang) -> Option<KinkReport> {
        Some(self.kinks.report(inputs, names, lang))
    }
}

/// A shape as a list.
fn dims(shape: &[usize]) -> Vec<usize> {
    shape.to_vec()
}

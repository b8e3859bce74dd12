//! The three-layer convnet of the assignment's `cnn.py`:
//! conv – [spatial batch norm] – relu – 2×2 max pool – affine – relu – affine – softmax.
//!
//! One liberty with the order of the layers: ReLU then max pooling gives exactly what max pooling
//! then ReLU gives (ReLU never changes which value of a window is largest, and `max(0, ·)` of
//! the largest is the largest of `max(0, ·)`), gradients included, so the net pools first and
//! runs the ReLU on a quarter of the values. [`ThreeLayerConvNet::activations`] still shows the
//! ReLU's full-size output.

use crate::budget::{self, Tally};
use crate::error::{Error, Result};
use crate::float::Float;
use crate::gemm::GemmScratch;
use crate::i18n::Message;
use crate::layers::affine::rows;
use crate::layers::{
    affine_backward_into, affine_forward_into, relu_backward, relu_forward, softmax_loss,
    spatial_batchnorm_backward, spatial_batchnorm_forward, AffineGradsMut, BatchNormCache,
    BatchNormParam, ConvParam, Mode, PoolParam, ReluCache,
};
// The fast conv and pool layers: the naive loops' values, much sooner. The conv writes into
// buffers the net keeps, and its backward skips dx, which the first layer does not need.
use crate::layers::conv_fast::{
    conv_backward_into, conv_forward_into, ConvGradsMut, ConvWorkspace,
};
use crate::layers::{max_pool_backward_fast, max_pool_forward_fast, PoolFastCache};
use crate::rng::Rng;
use crate::shapes::output_size;
use ndarray::{Array, Array1, Array2, Array4, ArrayD, ArrayViewD, Axis, Dimension, Ix2, Ix4};
use serde::{Deserialize, Serialize};

/// More parameters than this would not fit in a browser tab's memory (and would take forever to
/// train there), so such a configuration is refused before anything is allocated.
pub const MAX_PARAMETERS: usize = 50_000_000;

/// The architecture and initialisation of a [`ThreeLayerConvNet`], named as in the course's
/// `ThreeLayerConvNet(input_dim, num_filters, filter_size, hidden_dim, num_classes, weight_scale, reg)`.
/// In JSON (serde) any field may be left out for its default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConvNetConfig {
    /// `(C, H, W)` of one input image.
    pub input_dim: (usize, usize, usize),
    /// F, the number of conv filters.
    pub num_filters: usize,
    /// k: filters are k×k, applied with stride 1 and pad (k − 1)/2 (so an odd k keeps H and W).
    pub filter_size: usize,
    /// Neurons of the hidden affine layer.
    pub hidden_dim: usize,
    /// Number of classes (at least 2).
    pub num_classes: usize,
    /// Standard deviation of the initial weights (biases start at 0).
    pub weight_scale: f64,
    /// L2 regularization strength: the loss adds 0.5·reg·(ΣW1² + ΣW2² + ΣW3²).
    pub reg: f64,
    /// Spatial batch norm between the conv and its ReLU.
    pub batchnorm: bool,
    /// Seed of the initial weights: the same seed always gives the same net.
    pub seed: u64,
}

impl Default for ConvNetConfig {
    /// The course's defaults: input 3×32×32, 32 filters of 7×7, hidden 100, 10 classes,
    /// weight scale 1e-3, reg 0, no batch norm; seed 0.
    fn default() -> Self {
        ConvNetConfig {
            input_dim: (3, 32, 32),
            num_filters: 32,
            filter_size: 7,
            hidden_dim: 100,
            num_classes: 10,
            weight_scale: 1e-3,
            reg: 0.0,
            batchnorm: false,
            seed: 0,
        }
    }
}

/// The activation shapes of one image inside the net.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayerDims {
    /// `(F, H', W')` after the conv (and batch norm, and ReLU).
    pub conv: (usize, usize, usize),
    /// `(F, H'', W'')` after the 2×2 max pool.
    pub pool: (usize, usize, usize),
}

fn check_non_negative(name: &str, value: f64) -> Result<()> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidHyperparameter {
            name: name.into(),
            value,
            reason: Message::new("models.finite_non_negative"),
        })
    }
}

impl ConvNetConfig {
    /// The conv layer's stride (1) and pad ((k − 1)/2).
    pub fn conv_param(&self) -> ConvParam {
        ConvParam {
            stride: 1,
            pad: self.filter_size.saturating_sub(1) / 2,
        }
    }

    /// The pool layer: 2×2 windows, stride 2.
    pub fn pool_param(&self) -> PoolParam {
        PoolParam::default()
    }

    /// The shapes after the conv and after the pool, by the output-size formula.
    /// Errors if a size is zero or a layer does not fit.
    pub fn layer_dims(&self) -> Result<LayerDims> {
        let (c, h, w) = self.input_dim;
        for (what, v) in [
            ("the input channels C", c),
            ("the number of filters F", self.num_filters),
            ("the filter size", self.filter_size),
            ("the hidden size", self.hidden_dim),
        ] {
            if v == 0 {
                return Err(Error::Zero {
                    what: crate::models::quantity(what),
                });
            }
        }
        // Absurd sizes (a model file may declare an input 2^31 pixels high) are refused by the
        // budget before any shape arithmetic: after these checks every side and the pad are below
        // 2^28, so `input + 2·pad` cannot overflow even in a 32-bit usize.
        let k = self.filter_size;
        budget::check::<f32>("one input image", &[c, h, w])?;
        budget::check::<f32>("the conv filters W1", &[self.num_filters, c, k, k])?;
        budget::check::<f32>("the conv output of one image", &[self.num_filters, h, w])?;
        let conv = self.conv_param();
        let (hc, wc) = (
            output_size("height", h, k, conv.pad, conv.stride)?,
            output_size("width", w, k, conv.pad, conv.stride)?,
        );
        // 2×2 windows with stride 2 fit exactly when the side is even (and at least 2); said
        // directly rather than through `output_size`, whose suggestions this message replaces.
        if hc < 2 || wc < 2 || hc % 2 != 0 || wc % 2 != 0 {
            return Err(Error::invalid(
                Message::new("models.three_layer.pool_cannot_halve")
                    .arg("h", hc)
                    .arg("w", wc),
            ));
        }
        let (hp, wp) = (hc / 2, wc / 2);
        Ok(LayerDims {
            conv: (self.num_filters, hc, wc),
            pool: (self.num_filters, hp, wp),
        })
    }

    /// The name and shape of every array of the net, in a fixed order: W1 `(F, C, k, k)`, b1 `(F,)`,
    /// W2 `(F·H''·W'', hidden)`, b2 `(hidden,)`, W3 `(hidden, classes)`, b3 `(classes,)`, then, with
    /// batch norm, gamma, beta, running_mean and running_var, each `(F,)`.
    ///
    /// Errors if the configuration is unusable (see [`ConvNetConfig::validate`]).
    pub fn tensor_shapes(&self) -> Result<Vec<(&'static str, Vec<usize>)>> {
        let (c, _, _) = self.input_dim;
        let (f, hp, wp) = self.layer_dims()?.pool;
        if self.num_classes < 2 {
            return Err(Error::invalid(
                Message::new("models.two_classes").arg("classes", self.num_classes),
            ));
        }
        let k = self.filter_size;
        let too_big = || {
            Error::invalid(
                Message::new("models.three_layer.too_many_parameters").arg("max", MAX_PARAMETERS),
            )
        };
        let pooled = f
            .checked_mul(hp)
            .and_then(|v| v.checked_mul(wp))
            .ok_or_else(too_big)?;
        let mut shapes = vec![
            ("W1", vec![f, c, k, k]),
            ("b1", vec![f]),
            ("W2", vec![pooled, self.hidden_dim]),
            ("b2", vec![self.hidden_dim]),
            ("W3", vec![self.hidden_dim, self.num_classes]),
            ("b3", vec![self.num_classes]),
        ];
        if self.batchnorm {
            for name in ["gamma", "beta", "running_mean", "running_var"] {
                shapes.push((name, vec![f]));
            }
        }
        let mut total: usize = 0;
        for (_, shape) in &shapes {
            let size = shape
                .iter()
                .try_fold(1usize, |a, &d| a.checked_mul(d))
                .ok_or_else(too_big)?;
            total = total.checked_add(size).ok_or_else(too_big)?;
        }
        if total > MAX_PARAMETERS {
            return Err(too_big());
        }
        Ok(shapes)
    }

    /// The arrays one training pass (forward and backward) of `n` images allocates, in values of
    /// `F`, as a [`Tally`] to check against the budget. An estimate from above of the net's own
    /// buffers: the conv output and its gradient `(N, F, H', W')` (three more with batch norm: its
    /// output, its cache and its dx), five arrays `(N, F, H'', W'')` around the pool and the
    /// first ReLU plus the pool's argmax, the padded input `(N, C, H + 2P, W + 2P)`, five
    /// `(N, hidden)` and three `(N, classes)`.
    ///
    /// Errors as [`ConvNetConfig::layer_dims`].
    pub fn batch_tally<F>(&self, n: usize) -> Result<Tally> {
        let (c, h, w) = self.input_dim;
        let LayerDims {
            conv: (f, hc, wc),
            pool: (_, hp, wp),
        } = self.layer_dims()?;
        // layer_dims refused any side or pad of 2^28 or more, so this cannot overflow.
        let pad = self.conv_param().pad;
        let conv_copies = if self.batchnorm { 5 } else { 2 };
        let mut tally = Tally::new(format!(
            "a pass of {n} images through the net ({f} filters of {h}×{w})"
        ));
        tally
            .add::<F>(&[conv_copies, n, f, hc, wc])
            .add::<F>(&[5, n, f, hp, wp])
            .add::<usize>(&[n, f, hp, wp])
            .add::<F>(&[n, c, h + 2 * pad, w + 2 * pad])
            .add::<F>(&[5, n, self.hidden_dim])
            .add::<F>(&[3, n, self.num_classes]);
        Ok(tally)
    }

    /// Errors if a size is zero, the conv or pool does not fit the input (shown with the
    /// output-size arithmetic), there are fewer than 2 classes, the net is too large, or
    /// weight_scale or reg is NaN, infinite or negative.
    pub fn validate(&self) -> Result<()> {
        check_non_negative("weight_scale", self.weight_scale)?;
        check_non_negative("reg", self.reg)?;
        self.tensor_shapes().map(|_| ())
    }
}

/// Spatial batch norm's learned scale and shift and its running statistics, each `(F,)`.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchNorm<F> {
    pub gamma: Array1<F>,
    pub beta: Array1<F>,
    pub running_mean: Array1<F>,
    pub running_var: Array1<F>,
}

/// The arrays of a [`ThreeLayerConvNet`]; shapes as in [`ConvNetConfig::tensor_shapes`].
#[derive(Debug, Clone, PartialEq)]
pub struct Params<F> {
    /// Conv filters `(F, C, k, k)`.
    pub w1: Array4<F>,
    /// Conv biases `(F,)`.
    pub b1: Array1<F>,
    /// Hidden affine weights `(F·H''·W'', hidden)`.
    pub w2: Array2<F>,
    pub b2: Array1<F>,
    /// Output affine weights `(hidden, classes)`.
    pub w3: Array2<F>,
    pub b3: Array1<F>,
    /// Present exactly when the net has batch norm.
    pub bn: Option<BatchNorm<F>>,
}

/// Gradients of the loss with respect to each learned parameter (same shapes as in [`Params`];
/// `gamma` and `beta` only with batch norm). Always in standard (row-major) layout.
#[derive(Debug, Clone, PartialEq)]
pub struct Grads<F> {
    pub w1: Array4<F>,
    pub b1: Array1<F>,
    pub w2: Array2<F>,
    pub b2: Array1<F>,
    pub w3: Array2<F>,
    pub b3: Array1<F>,
    pub gamma: Option<Array1<F>>,
    pub beta: Option<Array1<F>>,
}

/// Every layer's output for a batch, for drawing activation maps: N images `(N, C, H, W)` in.
#[derive(Debug, Clone, PartialEq)]
pub struct Activations<F> {
    /// Conv output `(N, F, H', W')`.
    pub conv: Array4<F>,
    /// Spatial batch norm output `(N, F, H', W')`, when the net has batch norm.
    pub batchnorm: Option<Array4<F>>,
    /// After the first ReLU `(N, F, H', W')`.
    pub relu1: Array4<F>,
    /// After max pooling `(N, F, H'', W'')`.
    pub pool: Array4<F>,
    /// Hidden affine layer, before its ReLU `(N, hidden)`.
    pub affine1: Array2<F>,
    /// After the second ReLU `(N, hidden)`.
    pub relu2: Array2<F>,
    /// Class scores `(N, classes)`.
    pub scores: Array2<F>,
}

/// Every layer's output in the order the net computes them (pooling before the first ReLU; see
/// the module docs).
struct Outputs<F> {
    conv: Array4<F>,
    batchnorm: Option<Array4<F>>,
    pool: Array4<F>,
    affine1: Array2<F>,
    relu2: Array2<F>,
    scores: Array2<F>,
}

/// What the backward pass needs besides the layers' inputs and weights, which the net has at
/// hand (so the conv and affine layers keep no cache: copying W2 into one would cost a copy of
/// the largest array every step).
struct Caches<F> {
    bn: Option<BatchNormCache<F>>,
    pool: PoolFastCache,
    relu1: ReluCache<F, Ix4>,
    relu2: ReluCache<F, Ix2>,
}

/// `a` in standard layout (a copy only if it is not already).
fn standard<F: Float, D: Dimension>(a: Array<F, D>) -> Array<F, D> {
    if a.is_standard_layout() {
        a
    } else {
        a.as_standard_layout().into_owned()
    }
}

fn sum_of_squares<F: Float, D: Dimension>(a: &Array<F, D>) -> F {
    a.fold(F::zero(), |acc, &v| acc + v * v)
}

fn slice<F: Float, D: Dimension>(a: &Array<F, D>) -> &[F] {
    a.as_slice()
        .expect("parameters and gradients are kept in standard layout")
}

fn slice_mut<F: Float, D: Dimension>(a: &mut Array<F, D>) -> &mut [F] {
    a.as_slice_mut()
        .expect("parameters are kept in standard layout")
}

impl<F: Float> Params<F> {
    /// Every array with its name, in the order of [`ConvNetConfig::tensor_shapes`].
    pub fn tensors(&self) -> Vec<(&'static str, ArrayViewD<'_, F>)> {
        let mut t = vec![
            ("W1", self.w1.view().into_dyn()),
            ("b1", self.b1.view().into_dyn()),
            ("W2", self.w2.view().into_dyn()),
            ("b2", self.b2.view().into_dyn()),
            ("W3", self.w3.view().into_dyn()),
            ("b3", self.b3.view().into_dyn()),
        ];
        if let Some(bn) = &self.bn {
            t.push(("gamma", bn.gamma.view().into_dyn()));
            t.push(("beta", bn.beta.view().into_dyn()));
            t.push(("running_mean", bn.running_mean.view().into_dyn()));
            t.push(("running_var", bn.running_var.view().into_dyn()));
        }
        t
    }

    /// Rebuilds the arrays from [`Params::tensors`]' order; the caller has checked the shapes.
    pub(crate) fn from_tensors(tensors: Vec<ArrayD<F>>) -> Self {
        fn dim<F, D: Dimension>(a: ArrayD<F>) -> Array<F, D> {
            a.into_dimensionality()
                .expect("tensor shapes were checked against the architecture")
        }
        let mut it = tensors.into_iter();
        let mut next = || {
            it.next()
                .expect("tensor count was checked against the architecture")
        };
        let (w1, b1, w2, b2, w3, b3) = (
            dim(next()),
            dim(next()),
            dim(next()),
            dim(next()),
            dim(next()),
            dim(next()),
        );
        let rest: Vec<ArrayD<F>> = it.collect();
        let bn = match <[ArrayD<F>; 4]>::try_from(rest) {
            Ok([gamma, beta, running_mean, running_var]) => Some(BatchNorm {
                gamma: dim(gamma),
                beta: dim(beta),
                running_mean: dim(running_mean),
                running_var: dim(running_var),
            }),
            Err(rest) => {
                assert!(
                    rest.is_empty(),
                    "tensor count was checked against the architecture"
                );
                None
            }
        };
        Params {
            w1,
            b1,
            w2,
            b2,
            w3,
            b3,
            bn,
        }
    }

    /// The learned arrays as flat slices, in the order W1, b1, W2, b2, W3, b3[, gamma, beta].
    pub(crate) fn trainable_mut(&mut self) -> Vec<&mut [F]> {
        let mut t = vec![
            slice_mut(&mut self.w1),
            slice_mut(&mut self.b1),
            slice_mut(&mut self.w2),
            slice_mut(&mut self.b2),
            slice_mut(&mut self.w3),
            slice_mut(&mut self.b3),
        ];
        if let Some(bn) = &mut self.bn {
            t.push(slice_mut(&mut bn.gamma));
            t.push(slice_mut(&mut bn.beta));
        }
        t
    }

    /// Overwrites these arrays with `other`'s (same architecture) without allocating.
    pub(crate) fn copy_from(&mut self, other: &Params<F>) {
        self.w1.assign(&other.w1);
        self.b1.assign(&other.b1);
        self.w2.assign(&other.w2);
        self.b2.assign(&other.b2);
        self.w3.assign(&other.w3);
        self.b3.assign(&other.b3);
        match (&mut self.bn, &other.bn) {
            (Some(a), Some(b)) => {
                a.gamma.assign(&b.gamma);
                a.beta.assign(&b.beta);
                a.running_mean.assign(&b.running_mean);
                a.running_var.assign(&b.running_var);
            }
            (None, None) => {}
            _ => panic!("copy_from between nets with and without batch norm"),
        }
    }
}

impl<F: Float> Grads<F> {
    /// The gradients as flat slices, in the order of the learned parameters (W1, b1, W2, b2, W3,
    /// b3[, gamma, beta]).
    pub fn slices(&self) -> Vec<&[F]> {
        let mut t = vec![
            slice(&self.w1),
            slice(&self.b1),
            slice(&self.w2),
            slice(&self.b2),
            slice(&self.w3),
            slice(&self.b3),
        ];
        if let (Some(g), Some(b)) = (&self.gamma, &self.beta) {
            t.push(slice(g));
            t.push(slice(b));
        }
        t
    }
}

/// The assignment's three-layer convolutional network, generic over the float type.
///
/// conv (F filters k×k, stride 1, pad (k − 1)/2) – [spatial batch norm] – relu – 2×2 max pool
/// stride 2 – affine(hidden) – relu – affine(classes) – softmax. Input x is `(N, C, H, W)`.
#[derive(Debug, Clone)]
pub struct ThreeLayerConvNet<F> {
    config: ConvNetConfig,
    params: Params<F>,
    class_names: Vec<String>,
    /// The conv layer's scratch buffers, reused by every [`ThreeLayerConvNet::loss`].
    workspace: ConvWorkspace<F>,
}

/// Two nets are equal when their configuration, arrays and class names are (scratch space aside).
impl<F: Float> PartialEq for ThreeLayerConvNet<F> {
    fn eq(&self, other: &Self) -> bool {
        self.config == other.config
            && self.params == other.params
            && self.class_names == other.class_names
    }
}

/// A number for a message: plain when it is short (`0.003`, `-1`), in exponent form when plain
/// would be long (`1e308` rather than 309 digits).
pub(crate) fn short_number(v: f64) -> String {
    let a = v.abs();
    if v.is_finite() && a != 0.0 && !(1e-4..1e6).contains(&a) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// Errors unless `value` (weight_scale or reg, already finite and ≥ 0) is finite in `F` too,
/// where the net computes with it: 1e308 is a valid f64 but an infinite f32.
pub(super) fn check_representable<F: Float>(
    name: &str,
    value: f64,
    what: &'static str,
) -> Result<()> {
    if F::of(value).is_finite() {
        return Ok(());
    }
    Err(Error::invalid(
        Message::new("models.too_large_for_float")
            .arg("name", name)
            .arg("value", short_number(value))
            .arg("bits", 8 * std::mem::size_of::<F>())
            .arg("largest", format!("{:.1e}", F::max_value().as_f64()))
            .nested("what", Message::new(what)),
    ))
}

impl<F: Float> ThreeLayerConvNet<F> {
    /// A net with weights drawn from `Rng::new(config.seed)`: W1, W2, W3 in that order, each
    /// `weight_scale · N(0, 1)`; biases 0; batch norm's gamma 1, beta 0, running statistics 0.
    /// Classes are named "0", "1", … until [`ThreeLayerConvNet::set_class_names`].
    ///
    /// Errors as [`ConvNetConfig::validate`], and if weight_scale or reg is too large for `F`
    /// (1e308 is a valid f64 but would make every f32 weight infinite).
    pub fn new(config: ConvNetConfig) -> Result<Self> {
        config.validate()?;
        check_representable::<F>(
            "weight_scale",
            config.weight_scale,
            "models.initial_weights",
        )?;
        check_representable::<F>("reg", config.reg, "models.reg_loss")?;
        let (f, c, k) = (config.num_filters, config.input_dim.0, config.filter_size);
        let (_, hp, wp) = config.layer_dims()?.pool;
        let (hidden, classes, scale) = (config.hidden_dim, config.num_classes, config.weight_scale);
        let mut rng = Rng::new(config.seed);
        let w1 = rng.normal_array((f, c, k, k), scale);
        let w2 = rng.normal_array((f * hp * wp, hidden), scale);
        let w3 = rng.normal_array((hidden, classes), scale);
        // A scale below F's largest number can still overflow once multiplied by a draw (3e38 in
        // f32): the weights must come out finite.
        if !w1
            .iter()
            .chain(w2.iter())
            .chain(w3.iter())
            .all(|v: &F| v.is_finite())
        {
            return Err(Error::invalid(
                Message::new("models.scale_overflows")
                    .arg("scale", short_number(scale))
                    .arg("bits", 8 * std::mem::size_of::<F>())
                    .arg("largest", format!("{:.1e}", F::max_value().as_f64())),
            ));
        }
        let bn = config.batchnorm.then(|| BatchNorm {
            gamma: Array1::ones(f),
            beta: Array1::zeros(f),
            running_mean: Array1::zeros(f),
            running_var: Array1::zeros(f),
        });
        let params = Params {
            w1,
            b1: Array1::zeros(f),
            w2,
            b2: Array1::zeros(hidden),
            w3,
            b3: Array1::zeros(classes),
            bn,
        };
        let class_names = (0..classes).map(|i| i.to_string()).collect();
        Ok(ThreeLayerConvNet {
            config,
            params,
            class_names,
            workspace: ConvWorkspace::new(),
        })
    }

    /// A net from all its parts, checked against each other (used when loading a file).
    pub(crate) fn from_parts(
        config: ConvNetConfig,
        params: Params<F>,
        class_names: Vec<String>,
    ) -> Result<Self> {
        config.validate()?;
        check_representable::<F>("reg", config.reg, "models.reg_loss")?;
        check_params(&config, &params)?;
        let mut net = ThreeLayerConvNet {
            config,
            params: standard_params(params),
            class_names: Vec::new(),
            workspace: ConvWorkspace::new(),
        };
        net.set_class_names(class_names)?;
        Ok(net)
    }

    /// The architecture, initialisation and regularization of this net.
    pub fn config(&self) -> &ConvNetConfig {
        &self.config
    }

    /// Changes the regularization strength (it is part of the loss, not of the architecture).
    /// Errors if it is NaN, infinite or negative.
    pub fn set_reg(&mut self, reg: f64) -> Result<()> {
        check_non_negative("reg", reg)?;
        check_representable::<F>("reg", reg, "models.reg_loss")?;
        self.config.reg = reg;
        Ok(())
    }

    /// All arrays of the net (for drawing the first-layer filters, `params().w1` `(F, C, k, k)`).
    pub fn params(&self) -> &Params<F> {
        &self.params
    }

    pub(crate) fn params_mut(&mut self) -> &mut Params<F> {
        &mut self.params
    }

    /// The learned arrays as flat mutable slices, in the order of [`Grads::slices`] (W1, b1, W2,
    /// b2, W3, b3[, gamma, beta]), so a training loop can zip the two into optimizer updates.
    /// Slices, not arrays: a caller can change values but not shapes.
    pub fn trainable_mut(&mut self) -> Vec<&mut [F]> {
        self.params.trainable_mut()
    }

    /// Replaces all arrays. Errors, leaving the net as it was, if a shape differs from
    /// [`ConvNetConfig::tensor_shapes`] or batch norm is present in one and not the other.
    pub fn set_params(&mut self, params: Params<F>) -> Result<()> {
        check_params(&self.config, &params)?;
        self.params = standard_params(params);
        Ok(())
    }

    /// The class names, one per class.
    pub fn class_names(&self) -> &[String] {
        &self.class_names
    }

    /// Names the classes (for the page and the model file). Errors unless there is exactly one
    /// name per class.
    pub fn set_class_names(&mut self, names: Vec<String>) -> Result<()> {
        super::check_class_names(&names, self.config.num_classes)?;
        self.class_names = names;
        Ok(())
    }

    /// The number of learned values (weights, biases, gamma and beta).
    pub fn num_parameters(&self) -> usize {
        let bn = self
            .params
            .bn
            .as_ref()
            .map_or(0, |bn| bn.gamma.len() + bn.beta.len());
        self.params.w1.len()
            + self.params.b1.len()
            + self.params.w2.len()
            + self.params.b2.len()
            + self.params.w3.len()
            + self.params.b3.len()
            + bn
    }

    /// Errors unless x is `(N, C, H, W)` with N ≥ 1 and `(C, H, W)` the configured input.
    fn check_input(&self, x: &Array4<F>) -> Result<()> {
        let (n, c, h, w) = x.dim();
        if n == 0 {
            return Err(Error::EmptyBatch {
                context: "ThreeLayerConvNet".into(),
            });
        }
        let (ec, eh, ew) = self.config.input_dim;
        if (c, h, w) != (ec, eh, ew) {
            return Err(Error::shape(
                "ThreeLayerConvNet input x (N, C, H, W)",
                format!("(N, {ec}, {eh}, {ew})"),
                format!("({n}, {c}, {h}, {w})"),
            ));
        }
        Ok(())
    }

    /// Batch norm's settings for a forward pass in `mode`, holding a copy of the running statistics.
    fn bn_param(&self, mode: Mode) -> Option<BatchNormParam<F>> {
        self.params.bn.as_ref().map(|bn| BatchNormParam {
            mode,
            running_mean: bn.running_mean.clone(),
            running_var: bn.running_var.clone(),
            ..BatchNormParam::new(0)
        })
    }

    /// The forward pass: every layer's output and cache. `bn_param` is updated in train mode.
    fn forward(
        &self,
        x: &Array4<F>,
        bn_param: Option<&mut BatchNormParam<F>>,
        ws: &mut ConvWorkspace<F>,
    ) -> Result<(Outputs<F>, Caches<F>)> {
        let p = &self.params;
        let (f, hc, wc) = self.config.layer_dims()?.conv;
        // A batch the net's buffers would not fit in the budget is refused before any of them.
        self.config.batch_tally::<F>(x.dim().0)?.check()?;
        let mut conv = Array4::zeros((x.dim().0, f, hc, wc));
        conv_forward_into(
            x.view(),
            p.w1.view(),
            p.b1.view(),
            self.config.conv_param(),
            conv.view_mut(),
            ws,
        )?;
        let (batchnorm, bn_cache) = match (&p.bn, bn_param) {
            (Some(bn), Some(bn_param)) => {
                let (out, cache) = spatial_batchnorm_forward(&conv, &bn.gamma, &bn.beta, bn_param)?;
                (Some(out), Some(cache))
            }
            _ => (None, None),
        };
        // Pool, then ReLU: the same values as the other way round, on a quarter of the data.
        let (pooled, pool_cache) = max_pool_forward_fast(
            batchnorm.as_ref().unwrap_or(&conv),
            self.config.pool_param(),
        )?;
        let (pool, relu1_cache) = relu_forward(&pooled);
        let n = x.dim().0;
        let mut scratch = GemmScratch::new();
        let mut affine1 = Array2::zeros((n, p.w2.ncols()));
        let (w2, b2) = (p.w2.view(), p.b2.view());
        affine_forward_into(rows(&pool), w2, b2, affine1.view_mut(), &mut scratch)?;
        let (relu2, relu2_cache) = relu_forward(&affine1);
        let mut scores = Array2::zeros((n, p.w3.ncols()));
        let (w3, b3) = (p.w3.view(), p.b3.view());
        affine_forward_into(relu2.view(), w3, b3, scores.view_mut(), &mut scratch)?;
        let outputs = Outputs {
            conv,
            batchnorm,
            pool,
            affine1,
            relu2,
            scores,
        };
        let caches = Caches {
            bn: bn_cache,
            pool: pool_cache,
            relu1: relu1_cache,
            relu2: relu2_cache,
        };
        Ok((outputs, caches))
    }

    /// Training loss and gradients for a batch, as the assignment's `loss(X, y)`.
    ///
    /// - x: `(N, C, H, W)`, N ≥ 1, `(C, H, W)` = the configured `input_dim`
    /// - y: N labels in `0..num_classes`
    ///
    /// Returns the softmax loss averaged over N plus `0.5·reg·(ΣW1² + ΣW2² + ΣW3²)`, and the
    /// gradient of that loss for every learned parameter. Batch norm runs in train mode (batch
    /// statistics) and its running statistics move towards the batch's.
    pub fn loss(&mut self, x: &Array4<F>, y: &[usize]) -> Result<(F, Grads<F>)> {
        self.check_input(x)?;
        super::check_labels("ThreeLayerConvNet", x.dim().0, y, self.config.num_classes)?;
        let mut bn_param = self.bn_param(Mode::Train);
        // The workspace is lent to the passes and put back, even if one of them fails.
        let mut ws = std::mem::take(&mut self.workspace);
        let result = self.loss_and_grads(x, y, bn_param.as_mut(), &mut ws);
        self.workspace = ws;
        let (loss, grads) = result?;
        // Only a pass that got this far may move the running statistics.
        if let (Some(bn), Some(bn_param)) = (&mut self.params.bn, bn_param) {
            bn.running_mean = bn_param.running_mean;
            bn.running_var = bn_param.running_var;
        }
        Ok((loss, grads))
    }

    /// The forward and backward passes of [`ThreeLayerConvNet::loss`].
    fn loss_and_grads(
        &self,
        x: &Array4<F>,
        y: &[usize],
        bn_param: Option<&mut BatchNormParam<F>>,
        ws: &mut ConvWorkspace<F>,
    ) -> Result<(F, Grads<F>)> {
        let (acts, c) = self.forward(x, bn_param, ws)?;
        let (data_loss, dscores) = softmax_loss(&acts.scores, y)?;
        let p = &self.params;
        let reg = F::of(self.config.reg);
        let reg_loss = F::of(0.5)
            * reg
            * (sum_of_squares(&p.w1) + sum_of_squares(&p.w2) + sum_of_squares(&p.w3));

        let mut scratch = GemmScratch::new();
        let mut drelu2 = Array2::zeros(acts.relu2.raw_dim());
        let (mut dw3, mut db3) = (Array2::zeros(p.w3.raw_dim()), Array1::zeros(p.b3.len()));
        let grads3 = AffineGradsMut {
            dx: Some(drelu2.view_mut()),
            dw: dw3.view_mut(),
            db: db3.view_mut(),
        };
        let (relu2, w3) = (acts.relu2.view(), p.w3.view());
        affine_backward_into(dscores.view(), relu2, w3, grads3, &mut scratch)?;
        let daffine1 = relu_backward(&drelu2, &c.relu2)?;
        let mut dpool = Array4::zeros(acts.pool.raw_dim());
        let (mut dw2, mut db2) = (Array2::zeros(p.w2.raw_dim()), Array1::zeros(p.b2.len()));
        let dpool_flat = dpool
            .view_mut()
            .into_shape_with_order(rows(&acts.pool).raw_dim())
            .expect("a new array is in standard layout");
        let grads2 = AffineGradsMut {
            dx: Some(dpool_flat),
            dw: dw2.view_mut(),
            db: db2.view_mut(),
        };
        let (pool, w2) = (rows(&acts.pool), p.w2.view());
        affine_backward_into(daffine1.view(), pool, w2, grads2, &mut scratch)?;
        let dpooled = relu_backward(&dpool, &c.relu1)?;
        let mut dconv = max_pool_backward_fast(&dpooled, &c.pool)?;
        let (mut dgamma, mut dbeta) = (None, None);
        if let Some(bn_cache) = &c.bn {
            let (dx, dg, db) = spatial_batchnorm_backward(&dconv, bn_cache)?;
            dconv = dx;
            (dgamma, dbeta) = (Some(standard(dg)), Some(standard(db)));
        }
        let mut dw1 = Array4::zeros(p.w1.raw_dim());
        let mut db1 = Array1::zeros(p.b1.len());
        let grads1 = ConvGradsMut {
            dx: None,
            dw: dw1.view_mut(),
            db: db1.view_mut(),
        };
        conv_backward_into(
            dconv.view(),
            x.view(),
            p.w1.view(),
            self.config.conv_param(),
            grads1,
            ws,
        )?;
        dw1.scaled_add(reg, &p.w1);
        dw2.scaled_add(reg, &p.w2);
        dw3.scaled_add(reg, &p.w3);
        let grads = Grads {
            w1: standard(dw1),
            b1: standard(db1),
            w2: standard(dw2),
            b2: standard(db2),
            w3: standard(dw3),
            b3: standard(db3),
            gamma: dgamma,
            beta: dbeta,
        };
        Ok((data_loss + reg_loss, grads))
    }

    /// Every layer's output for x `(N, C, H, W)`; batch norm in `mode` (Test: running
    /// statistics, as for predictions; Train: this batch's statistics, without updating the net).
    pub fn activations(&self, x: &Array4<F>, mode: Mode) -> Result<Activations<F>> {
        let o = self.outputs(x, mode)?;
        let (relu1, _) = relu_forward(o.batchnorm.as_ref().unwrap_or(&o.conv));
        Ok(Activations {
            conv: o.conv,
            batchnorm: o.batchnorm,
            relu1,
            pool: o.pool,
            affine1: o.affine1,
            relu2: o.relu2,
            scores: o.scores,
        })
    }

    /// The forward pass's outputs for x `(N, C, H, W)`, batch norm in `mode`, the net unchanged.
    fn outputs(&self, x: &Array4<F>, mode: Mode) -> Result<Outputs<F>> {
        self.check_input(x)?;
        let mut bn_param = self.bn_param(mode);
        Ok(self
            .forward(x, bn_param.as_mut(), &mut ConvWorkspace::new())?
            .0)
    }

    /// Class scores `(N, classes)` for x `(N, C, H, W)`, batch norm in test mode.
    pub fn scores(&self, x: &Array4<F>) -> Result<Array2<F>> {
        Ok(self.outputs(x, Mode::Test)?.scores)
    }

    /// Softmax class probabilities `(N, classes)` for x `(N, C, H, W)`; each row sums to 1.
    pub fn probabilities(&self, x: &Array4<F>) -> Result<Array2<F>> {
        let mut p = self.scores(x)?;
        for mut row in p.rows_mut() {
            // Shift by the maximum so exp cannot overflow; softmax is unchanged by the shift.
            let max = row.fold(F::neg_infinity(), |m, &v| m.max(v));
            row.mapv_inplace(|v| (v - max).exp());
            let sum = row.sum();
            row /= sum;
        }
        Ok(p)
    }

    /// The predicted class (highest score; the first on ties) of each image of x `(N, C, H, W)`.
    pub fn predict(&self, x: &Array4<F>) -> Result<Vec<usize>> {
        Ok(argmax_rows(&self.scores(x)?))
    }
}

/// Errors if a shape of `params` differs from [`ConvNetConfig::tensor_shapes`] or batch norm is
/// present in one and not the other.
fn check_params<F: Float>(config: &ConvNetConfig, params: &Params<F>) -> Result<()> {
    let want = config.tensor_shapes()?;
    let got = params.tensors();
    if want.len() != got.len() {
        return Err(Error::InvalidInput(Message::new(if config.batchnorm {
            "models.three_layer.params_lack_batchnorm"
        } else {
            "models.three_layer.params_have_batchnorm"
        })));
    }
    for ((name, shape), (_, array)) in want.iter().zip(&got) {
        if array.shape() != shape.as_slice() {
            return Err(Error::shape(
                format!("parameter {name}"),
                format!("{shape:?}"),
                format!("{:?}", array.shape()),
            ));
        }
    }
    Ok(())
}

/// `params` with every array in standard layout, as the optimizer's flat slices need.
fn standard_params<F: Float>(params: Params<F>) -> Params<F> {
    let Params {
        w1,
        b1,
        w2,
        b2,
        w3,
        b3,
        bn,
    } = params;
    Params {
        w1: standard(w1),
        b1: standard(b1),
        w2: standard(w2),
        b2: standard(b2),
        w3: standard(w3),
        b3: standard(b3),
        bn: bn.map(|bn| BatchNorm {
            gamma: standard(bn.gamma),
            beta: standard(bn.beta),
            running_mean: standard(bn.running_mean),
            running_var: standard(bn.running_var),
        }),
    }
}

/// The column of each row's largest value (the first on ties).
pub(crate) fn argmax_rows<F: Float>(scores: &Array2<F>) -> Vec<usize> {
    scores
        .axis_iter(Axis(0))
        .map(|row| {
            let mut best = 0;
            for (j, &v) in row.iter().enumerate() {
                if v > row[best] {
                    best = j;
                }
            }
            best
        })
        .collect()
}

//! The in-browser benchmark's handles (bench/), built only with the `bench` feature into the
//! benchmark's own module (www/pkg-bench/), so the page's module does not carry them:
//! [`TrainBench`], one [`ThreeLayerConvNet`] in f32 on a fixed batch with the engine's training
//! step and the same step taken apart layer by layer ([`crate::models::StepParts`]),
//! [`SequentialBench`], a [`Sequential`] model built from a network description's text, trained
//! with the same step (loss, gradients, plain SGD), and [`GemmBench`], the matrix product alone.
//!
//! The harness hands over the data and every initial weight (it generates them once, seeded, for
//! all contenders), so the losses here can be compared with TensorFlow.js's and ConvNetJS's. The
//! timing itself happens in JavaScript (`performance.now()` around each call): the engine has no
//! clock.

use ndarray::{Array4, IxDyn};
use wasm_bindgen::prelude::*;

use super::js_error;
use crate::budget;
use crate::error::{Error, Result};
use crate::gemm::{gemm_nn, GemmScratch, MatMut, MatRef, Update};
use crate::layers::conv_fast::{conv_forward_into, ConvWorkspace};
use crate::layers::softmax_loss;
use crate::models::{
    training_step, ConvNetConfig, Model, Params, Sequential, SequentialConfig, StepParts,
    ThreeLayerConvNet, STEP_PARTS,
};
use crate::optim::{Optimizer, Sgd, State};
use crate::shapes::{Network, Shape};

/// A benchmark net: `conv(F, k×k, pad (k − 1)/2) – relu – 2×2 pool – affine(hidden) – relu –
/// affine(classes) – softmax` on a fixed batch `x (N, C, S, S)`, `y (N,)`.
#[wasm_bindgen]
pub struct TrainBench {
    net: ThreeLayerConvNet<f32>,
    x: Array4<f32>,
    y: Vec<usize>,
    sgd: Sgd,
    /// The conv forward's workspace and output `(N, F, H', W')`, for [`TrainBench::conv_forward`].
    conv: (ConvWorkspace<f32>, Array4<f32>),
    /// The step taken apart, made on the first [`TrainBench::run_part`].
    parts: Option<StepParts<f32>>,
}

/// `data` as an array of `shape`, or an error naming the array and both counts.
fn array<D: ndarray::Dimension, Sh: ndarray::ShapeBuilder<Dim = D>>(
    name: &str,
    shape: Sh,
    data: &[f32],
) -> Result<ndarray::Array<f32, D>> {
    let shape = shape.into_shape_with_order();
    let want: usize = shape.raw_dim().size();
    ndarray::Array::from_shape_vec(shape, data.to_vec()).map_err(|_| {
        Error::shape(
            "benchmark array",
            format!("{name}: {want} values"),
            format!("{} values", data.len()),
        )
    })
}

#[wasm_bindgen]
impl TrainBench {
    /// A net of `filters` k×k filters (k = `filter_size`), `hidden` and `classes` units on
    /// `channels × size × size` images, with the given weights in the engine's layouts — w1
    /// `(F, C, k, k)`, w2 `(F·(S/2)², hidden)` (rows in F×H''×W'' order), w3 `(hidden, classes)` —
    /// and the batch x `(N, C, S, S)`, y `(N,)`. Errors on any size mismatch.
    #[wasm_bindgen(constructor)]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        channels: usize,
        size: usize,
        filters: usize,
        filter_size: usize,
        hidden: usize,
        classes: usize,
        learning_rate: f64,
        x: &[f32],
        y: &[u32],
        w1: &[f32],
        b1: &[f32],
        w2: &[f32],
        b2: &[f32],
        w3: &[f32],
        b3: &[f32],
    ) -> std::result::Result<TrainBench, JsError> {
        let inner = || -> Result<TrainBench> {
            let config = ConvNetConfig {
                input_dim: (channels, size, size),
                num_filters: filters,
                filter_size,
                hidden_dim: hidden,
                num_classes: classes,
                ..ConvNetConfig::default()
            };
            let mut net = ThreeLayerConvNet::new(config)?;
            let n = y.len();
            // The batch (the handle's copy of x and the conv output kept for `convForward`) and one
            // training pass must fit the budget before any of them is allocated.
            let (_, hc, wc) = net.config().layer_dims()?.conv;
            let mut tally = net.config().batch_tally::<f32>(n)?;
            tally
                .add::<f32>(&[n, channels, size, size])
                .add::<f32>(&[n, filters, hc, wc])
                .check()?;
            let (fk, d) = (
                filter_size,
                budget::count(&[filters, size / 2, size / 2]) as usize,
            );
            net.set_params(Params {
                w1: array("w1", (filters, channels, fk, fk), w1)?,
                b1: array("b1", filters, b1)?,
                w2: array("w2", (d, hidden), w2)?,
                b2: array("b2", hidden, b2)?,
                w3: array("w3", (hidden, classes), w3)?,
                b3: array("b3", classes, b3)?,
                bn: None,
            })?;
            let sgd = Sgd { learning_rate };
            sgd.validate()?;
            Ok(TrainBench {
                conv: (ConvWorkspace::new(), Array4::zeros((n, filters, hc, wc))),
                net,
                x: array("x", (n, channels, size, size), x)?,
                y: y.iter().map(|&l| l as usize).collect(),
                sgd,
                parts: None,
            })
        };
        inner().map_err(js_error)
    }

    /// One training step: the model's loss and gradients on the batch, then `w -= lr · dw` for
    /// every parameter. Returns the loss before the update.
    pub fn step(&mut self) -> std::result::Result<f32, JsError> {
        training_step(&mut self.net, &self.x, &self.y, &self.sgd).map_err(js_error)
    }

    /// A forward pass: the model's class scores for the batch and their softmax loss.
    pub fn forward(&self) -> std::result::Result<f32, JsError> {
        let scores = self.net.scores(&self.x).map_err(js_error)?;
        Ok(softmax_loss(&scores, &self.y).map_err(js_error)?.0)
    }

    /// The conv layer's forward pass alone, as the model runs it in a training step: into an
    /// output array and a workspace kept between calls.
    #[wasm_bindgen(js_name = convForward)]
    pub fn conv_forward(&mut self) -> std::result::Result<(), JsError> {
        let p = self.net.params();
        let (ws, out) = &mut self.conv;
        let (x, w, b) = (self.x.view(), p.w1.view(), p.b1.view());
        conv_forward_into(x, w, b, self.net.config().conv_param(), out.view_mut(), ws)
            .map_err(js_error)
    }

    /// The names of the parts [`TrainBench::run_part`] runs, in the order of a training step
    /// ([`STEP_PARTS`]).
    #[wasm_bindgen(js_name = partNames)]
    pub fn part_names() -> Vec<String> {
        STEP_PARTS.iter().map(|s| s.to_string()).collect()
    }

    /// Runs part `i` of a training step once, on the input it has in a step from the current
    /// weights (the whole step is computed on the first call): [`StepParts::run`]. The SGD part
    /// updates copies, not the net.
    #[wasm_bindgen(js_name = runPart)]
    pub fn run_part(&mut self, i: usize) -> std::result::Result<(), JsError> {
        let parts = match &mut self.parts {
            Some(parts) => parts,
            None => {
                let (x, y) = (self.x.clone(), self.y.clone());
                let parts = StepParts::new(&self.net, x, y, self.sgd).map_err(js_error)?;
                self.parts.insert(parts)
            }
        };
        parts.run(&self.net, i).map_err(js_error)
    }
}

/// A [`Sequential`] model in f32 on a fixed batch `x (N, C, H, W)`, `y (N,)`, built from a
/// network description's text (`32x32x3: conv7x7-32 pad3, relu, pool2, fc100, relu, fc10`), and
/// trained with the step [`TrainBench::step`] takes: the model's loss and gradients, then
/// `w -= lr · dw` on every entry of its parameter table, in place, as the page's solver updates it
/// ([`Model::apply_update`]).
#[wasm_bindgen]
pub struct SequentialBench {
    model: Sequential<f32>,
    x: Array4<f32>,
    y: Vec<usize>,
    sgd: Optimizer,
    /// Plain SGD's state of each entry (nothing to remember; the solver keeps one per entry).
    states: Vec<State<f32>>,
}

#[wasm_bindgen]
impl SequentialBench {
    /// The model `network` (the network table's text) for `classes` classes, with every learned
    /// value in `params`: the entries of its table in order (W1, b1, W2, b2, …; conv weights
    /// `(F, C, k, k)`, fc weights `(D, M)` with rows in C×H×W order), each in standard layout, one
    /// after the other. The batch is x `(N, C, H, W)` with `(C, H, W)` the description's input,
    /// y `(N,)`. Errors on a description that does not parse or fit, a batch over the engine's
    /// budget, or any size mismatch.
    #[wasm_bindgen(constructor)]
    pub fn new(
        network: &str,
        classes: usize,
        learning_rate: f64,
        x: &[f32],
        y: &[u32],
        params: &[f32],
    ) -> std::result::Result<SequentialBench, JsError> {
        let inner = || -> Result<SequentialBench> {
            let network: Network = network.parse()?;
            let Shape { c, h, w } = network.input;
            let mut model = Sequential::<f32>::new(SequentialConfig::new(network, classes))?;
            let n = y.len();
            // The handle's copy of x, then one training pass, must fit before either exists.
            budget::check::<f32>("the benchmark's batch x", &[n, c, h, w])?;
            model.check_batch(n)?;
            let sizes: Vec<(String, Vec<usize>)> = model
                .params()
                .entries()
                .iter()
                .map(|p| (p.name.clone(), p.value.shape().to_vec()))
                .collect();
            let want = model.params().num_values();
            if params.len() != want {
                return Err(Error::shape(
                    "the benchmark's parameters (every entry of the table, in order)",
                    format!("{want} values"),
                    format!("{} values", params.len()),
                ));
            }
            let mut rest = params;
            for (name, shape) in sizes {
                let len = shape.iter().product::<usize>();
                let (head, tail) = rest.split_at(len);
                model.set_param(&name, array(&name, IxDyn(&shape), head)?)?;
                rest = tail;
            }
            let sgd = Sgd { learning_rate };
            sgd.validate()?;
            let sgd = Optimizer::Sgd(sgd);
            let states = model
                .param_lengths()
                .into_iter()
                .map(|len| sgd.state(len))
                .collect();
            Ok(SequentialBench {
                model,
                x: array("x", (n, c, h, w), x)?,
                y: y.iter().map(|&l| l as usize).collect(),
                sgd,
                states,
            })
        };
        inner().map_err(js_error)
    }

    /// One training step: the model's loss and gradients on the batch, then `w -= lr · dw` for
    /// every entry of its table, as the page's solver takes it. Returns the loss before the update.
    pub fn step(&mut self) -> std::result::Result<f32, JsError> {
        let (loss, ()) = self.model.train_loss(&self.x, &self.y).map_err(js_error)?;
        self.model
            .apply_update(&(), &self.sgd, &mut self.states)
            .map_err(js_error)?;
        Ok(loss)
    }

    /// A forward pass: the model's class scores for the batch and their softmax loss.
    pub fn forward(&self) -> std::result::Result<f32, JsError> {
        let scores = self.model.scores(&self.x).map_err(js_error)?;
        Ok(softmax_loss(&scores, &self.y).map_err(js_error)?.0)
    }

    /// The names of the table's entries, in order (W1, b1, W2, …).
    #[wasm_bindgen(js_name = paramNames)]
    pub fn param_names(&self) -> Vec<String> {
        let entries = self.model.params().entries();
        entries.iter().map(|p| p.name.clone()).collect()
    }
}

/// `C = A·B` on `n × n` matrices through [`crate::gemm`], with its buffers kept: the engine's own
/// counterpart of the harness's tfjs `matMul` 512³ reference.
#[wasm_bindgen]
pub struct GemmBench {
    n: usize,
    a: Vec<f32>,
    b: Vec<f32>,
    c: Vec<f32>,
    scratch: GemmScratch<f32>,
}

#[wasm_bindgen]
impl GemmBench {
    /// Two `n × n` matrices of small varied values (any values time the same). Throws if the
    /// three matrices would not fit the engine's memory budget.
    #[wasm_bindgen(constructor)]
    pub fn new(n: usize) -> std::result::Result<GemmBench, JsError> {
        let mut tally = budget::Tally::new(format!("three {n}×{n} matrices"));
        tally.add::<f32>(&[3, n, n]).check().map_err(js_error)?;
        // Within the budget, n·n·17 fits in a usize.
        let fill = |k: usize| (0..n * n).map(|i| ((i * k) % 17) as f32 / 17.0).collect();
        Ok(GemmBench {
            n,
            a: fill(3),
            b: fill(5),
            c: vec![0.0; n * n],
            scratch: GemmScratch::new(),
        })
    }

    /// One product.
    pub fn run(&mut self) {
        let n = self.n;
        gemm_nn(
            MatRef::new(&self.a, n, n),
            MatRef::new(&self.b, n, n),
            MatMut::new(&mut self.c, n, n),
            Update::Overwrite,
            &mut self.scratch,
        );
    }
}

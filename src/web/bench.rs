//! The in-browser benchmark's handle (bench/): one [`ThreeLayerConvNet`] in f32 with a fixed
//! batch, trained with plain SGD, plus the same net taken apart layer by layer, in the model's
//! order (pooling before the first ReLU), so the harness can time each part of a training step.
//!
//! The harness hands over the data and every initial weight (it generates them once, seeded, for
//! all contenders), so the losses here can be compared with TensorFlow.js's and ConvNetJS's. The
//! timing itself happens in JavaScript (`performance.now()` around each call): the engine has no
//! clock.

use ndarray::{Array1, Array2, Array4, ArrayD, Ix2, Ix4};
use wasm_bindgen::prelude::*;

use super::js_error;
use crate::budget;
use crate::error::{Error, Result};
use crate::gemm::{gemm_nn, GemmScratch, MatMut, MatRef, Update};
use crate::layers::affine::rows;
use crate::layers::conv_fast::{
    conv_backward_into, conv_forward_into, ConvGradsMut, ConvWorkspace,
};
use crate::layers::{
    affine_backward, affine_backward_into, affine_forward, affine_forward_into, conv_backward_fast,
    conv_forward_fast, max_pool_backward_fast, max_pool_forward_fast, relu_backward, relu_forward,
    softmax_loss, AffineGradsMut, PoolFastCache, ReluCache,
};
use crate::models::{ConvNetConfig, Params, ThreeLayerConvNet};
use crate::optim::{sgd, Sgd};

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
    parts: Option<Parts>,
}

/// Every intermediate of one training step, kept so that each part can be rerun on its own input.
struct Parts {
    conv: Array4<f32>,
    pooled: Array4<f32>,
    pool_cache: PoolFastCache,
    relu1_cache: ReluCache<f32, Ix4>,
    pool: ArrayD<f32>,
    hidden: Array2<f32>,
    relu2: ArrayD<f32>,
    relu2_cache: ReluCache<f32, Ix2>,
    scores: Array2<f32>,
    dscores: Array2<f32>,
    drelu2: Array2<f32>,
    dhidden: Array2<f32>,
    dpool: Array4<f32>,
    dpooled: Array4<f32>,
    dconv: Array4<f32>,
    dw1: Array4<f32>,
    dw2: Array2<f32>,
    /// Copies of the weights the SGD part updates, so that timing it leaves the net alone.
    w1: Array4<f32>,
    w2: Array2<f32>,
    /// The conv layer's buffers, as the model keeps them between steps.
    workspace: ConvWorkspace<f32>,
    conv_out: Array4<f32>,
    dw1_out: Array4<f32>,
    db1_out: Array1<f32>,
}

/// The parts of a training step, in order: name, and what each does.
const PARTS: [&str; 14] = [
    "conv forward",
    "pool forward",
    "relu forward",
    "affine forward (hidden)",
    "relu forward (hidden)",
    "affine forward (scores)",
    "softmax loss",
    "affine backward (scores)",
    "relu backward (hidden)",
    "affine backward (hidden)",
    "relu backward",
    "pool backward",
    "conv backward (dw, db; no dx)",
    "sgd update",
];

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

/// `x · w + b` into a new array, as the model's forward pass computes it.
fn affine_into(x: &ArrayD<f32>, w: &Array2<f32>, b: &Array1<f32>) -> Result<Array2<f32>> {
    let x = rows(x);
    let mut out = Array2::zeros((x.nrows(), w.ncols()));
    affine_forward_into(
        x,
        w.view(),
        b.view(),
        out.view_mut(),
        &mut GemmScratch::new(),
    )?;
    Ok(out)
}

/// The affine layer's gradients into new arrays, as the model's backward pass computes them.
fn affine_backward_new(
    dout: &Array2<f32>,
    x: &ArrayD<f32>,
    w: &Array2<f32>,
) -> Result<(Array2<f32>, Array2<f32>, Array1<f32>)> {
    let x = rows(x);
    let mut dx = Array2::zeros(x.raw_dim());
    let mut dw = Array2::zeros(w.raw_dim());
    let mut db = Array1::zeros(w.ncols());
    let grads = AffineGradsMut {
        dx: Some(dx.view_mut()),
        dw: dw.view_mut(),
        db: db.view_mut(),
    };
    affine_backward_into(dout.view(), x, w.view(), grads, &mut GemmScratch::new())?;
    Ok((dx, dw, db))
}

impl TrainBench {
    /// The model's loss and gradients on the batch, then `w -= lr · dw` for every parameter.
    fn train_step(&mut self) -> Result<f32> {
        let (loss, g) = self.net.loss(&self.x, &self.y)?;
        let p = self.net.params_mut();
        // The model keeps its arrays and returns its gradients in standard layout.
        let pairs = [
            (p.w1.as_slice_mut(), g.w1.as_slice()),
            (p.b1.as_slice_mut(), g.b1.as_slice()),
            (p.w2.as_slice_mut(), g.w2.as_slice()),
            (p.b2.as_slice_mut(), g.b2.as_slice()),
            (p.w3.as_slice_mut(), g.w3.as_slice()),
            (p.b3.as_slice_mut(), g.b3.as_slice()),
        ];
        for (w, dw) in pairs {
            sgd(
                w.expect("standard layout"),
                dw.expect("standard layout"),
                &self.sgd,
            )?;
        }
        Ok(loss)
    }

    fn prepare(&self) -> Result<Parts> {
        let p = self.net.params();
        let config = self.net.config();
        let (conv, conv_cache) = conv_forward_fast(&self.x, &p.w1, &p.b1, config.conv_param())?;
        let conv_dim = conv.raw_dim();
        let (pooled, pool_cache) = max_pool_forward_fast(&conv, config.pool_param())?;
        let (pool, relu1_cache) = relu_forward(&pooled);
        let pool = pool.into_dyn();
        let (hidden, affine1_cache) = affine_forward(&pool, &p.w2, &p.b2)?;
        let (relu2, relu2_cache) = relu_forward(&hidden);
        let relu2 = relu2.into_dyn();
        let (scores, affine2_cache) = affine_forward(&relu2, &p.w3, &p.b3)?;
        let (_, dscores) = softmax_loss(&scores, &self.y)?;
        let (drelu2, _, _) = affine_backward(&dscores, &affine2_cache)?;
        let drelu2 = drelu2.into_dimensionality::<Ix2>().expect("2-d");
        let dhidden = relu_backward(&drelu2, &relu2_cache)?;
        let (dpool, dw2, _) = affine_backward(&dhidden, &affine1_cache)?;
        let dpool = dpool.into_dimensionality::<Ix4>().expect("4-d");
        let dpooled = relu_backward(&dpool, &relu1_cache)?;
        let dconv = max_pool_backward_fast(&dpooled, &pool_cache)?;
        let (_, dw1, _) = conv_backward_fast(&dconv, &conv_cache)?;
        Ok(Parts {
            conv,
            pooled,
            pool_cache,
            relu1_cache,
            pool,
            hidden,
            relu2,
            relu2_cache,
            scores,
            dscores,
            drelu2,
            dhidden,
            dpool,
            dpooled,
            dconv,
            dw1,
            dw2,
            w1: p.w1.clone(),
            w2: p.w2.clone(),
            workspace: ConvWorkspace::new(),
            conv_out: Array4::zeros(conv_dim),
            dw1_out: Array4::zeros(p.w1.raw_dim()),
            db1_out: Array1::zeros(p.b1.raw_dim()),
        })
    }
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
            // The batch's buffers (the conv output kept for `convForward`, and one training pass)
            // must fit the budget before any is allocated.
            let mut tally = net.config().batch_tally::<f32>(n)?;
            tally.add::<f32>(&[2, n, channels, size, size]).check()?;
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
            let (_, hc, wc) = net.config().layer_dims()?.conv;
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
        self.train_step().map_err(js_error)
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

    /// The names of the parts [`TrainBench::run_part`] runs, in the order of a training step.
    #[wasm_bindgen(js_name = partNames)]
    pub fn part_names() -> Vec<String> {
        PARTS.iter().map(|s| s.to_string()).collect()
    }

    /// Runs part `i` of a training step once, on the inputs it had in a step from the current
    /// weights (computed on the first call). The SGD part updates copies, not the net.
    #[wasm_bindgen(js_name = runPart)]
    pub fn run_part(&mut self, i: usize) -> std::result::Result<(), JsError> {
        if self.parts.is_none() {
            self.parts = Some(self.prepare().map_err(js_error)?);
        }
        let p = self.net.params();
        let config = self.net.config();
        let s = self.parts.as_mut().expect("prepared above");
        let r: Result<()> = (|| {
            match i {
                0 => conv_forward_into(
                    self.x.view(),
                    p.w1.view(),
                    p.b1.view(),
                    config.conv_param(),
                    s.conv_out.view_mut(),
                    &mut s.workspace,
                )?,
                1 => drop(max_pool_forward_fast(&s.conv, config.pool_param())?),
                2 => drop(relu_forward(&s.pooled)),
                // The affine layers as the model runs them: into new arrays, without a cache.
                3 => drop(affine_into(&s.pool, &p.w2, &p.b2)?),
                4 => drop(relu_forward(&s.hidden)),
                5 => drop(affine_into(&s.relu2, &p.w3, &p.b3)?),
                6 => drop(softmax_loss(&s.scores, &self.y)?),
                7 => drop(affine_backward_new(&s.dscores, &s.relu2, &p.w3)?),
                8 => drop(relu_backward(&s.drelu2, &s.relu2_cache)?),
                9 => drop(affine_backward_new(&s.dhidden, &s.pool, &p.w2)?),
                10 => drop(relu_backward(&s.dpool, &s.relu1_cache)?),
                11 => drop(max_pool_backward_fast(&s.dpooled, &s.pool_cache)?),
                12 => {
                    let grads = ConvGradsMut {
                        dx: None,
                        dw: s.dw1_out.view_mut(),
                        db: s.db1_out.view_mut(),
                    };
                    let (x, w) = (self.x.view(), p.w1.view());
                    let cp = config.conv_param();
                    conv_backward_into(s.dconv.view(), x, w, cp, grads, &mut s.workspace)?;
                }
                // The two large arrays; the biases and w3 are a few hundred values.
                13 => {
                    let dw1 = s.dw1.as_slice().expect("standard layout");
                    sgd(
                        s.w1.as_slice_mut().expect("standard layout"),
                        dw1,
                        &self.sgd,
                    )?;
                    let dw2 = s.dw2.as_slice().expect("standard layout");
                    sgd(
                        s.w2.as_slice_mut().expect("standard layout"),
                        dw2,
                        &self.sgd,
                    )?;
                }
                _ => {
                    return Err(Error::InvalidInput(format!(
                        "part {i} does not exist; there are {}",
                        PARTS.len()
                    )))
                }
            }
            Ok(())
        })();
        r.map_err(js_error)
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

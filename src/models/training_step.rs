//! One training step of a [`ThreeLayerConvNet`], whole and taken apart layer by layer: what the
//! browser benchmark (bench/, through the `TrainBench` handle of `src/web/bench.rs`) times.
//!
//! [`training_step`] is the step as a training loop runs it: the model's loss and gradients, then
//! plain SGD on every learned parameter. [`StepParts`] keeps every intermediate of such a step, so
//! that each of its parts ([`STEP_PARTS`]: the layer calls the model makes, in the model's order,
//! pooling before the first ReLU) can be rerun alone on the input it has in the step, with the
//! functions and buffers the model uses. Run in order, the parts are the step: their loss and
//! gradients are exactly the model's (the tests below check it).

use crate::error::{Error, Result};
use crate::float::Float;
use crate::gemm::GemmScratch;
use crate::i18n::Message;
use crate::layers::affine::rows;
use crate::layers::conv_fast::{
    conv_backward_into, conv_forward_into, ConvGradsMut, ConvWorkspace,
};
use crate::layers::{
    affine_backward_into, affine_forward_into, max_pool_backward_fast, max_pool_forward_fast,
    relu_backward, relu_forward, softmax_loss, AffineGradsMut, PoolFastCache, ReluCache,
};
use crate::models::{Grads, ThreeLayerConvNet};
use crate::optim::{sgd, Sgd};
use ndarray::{Array, Array1, Array2, Array4, Dimension, Ix2, Ix4};

/// One training step: the model's loss and gradients on the batch x `(N, C, H, W)`, y `(N,)`
/// ([`ThreeLayerConvNet::loss`]), then `w -= learning_rate · dw` for every learned parameter.
/// Returns the loss before the update.
///
/// Errors as [`ThreeLayerConvNet::loss`], and for an invalid learning rate (the net is then left
/// as it was).
pub fn training_step<F: Float>(
    net: &mut ThreeLayerConvNet<F>,
    x: &Array4<F>,
    y: &[usize],
    config: &Sgd,
) -> Result<F> {
    config.validate()?;
    let (loss, grads) = net.loss(x, y)?;
    for (w, dw) in net.trainable_mut().into_iter().zip(grads.slices()) {
        sgd(w, dw, config)?;
    }
    Ok(loss)
}

/// The parts of a training step, in the order the model runs them; [`StepParts::run`] takes the
/// index. The benchmark's report shows these names.
pub const STEP_PARTS: [&str; 14] = [
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

/// Every intermediate of one training step of a net without batch norm and with `reg = 0`, on a
/// fixed batch, so that each part can be rerun on its own input. Shapes: conv `(N, F, H', W')`,
/// pool `(N, F, H'', W'')`, hidden `(N, hidden)`, scores `(N, classes)`; each gradient has the
/// shape of what it is the gradient of.
#[derive(Debug, Clone)]
pub struct StepParts<F> {
    x: Array4<F>,
    y: Vec<usize>,
    sgd: Sgd,
    /// The conv layer's buffers, kept between calls as the model keeps them between steps.
    workspace: ConvWorkspace<F>,
    conv: Array4<F>,
    pooled: Array4<F>,
    pool_cache: PoolFastCache,
    relu1: Array4<F>,
    relu1_cache: ReluCache<F, Ix4>,
    hidden: Array2<F>,
    relu2: Array2<F>,
    relu2_cache: ReluCache<F, Ix2>,
    scores: Array2<F>,
    loss: F,
    dscores: Array2<F>,
    drelu2: Array2<F>,
    dw3: Array2<F>,
    db3: Array1<F>,
    dhidden: Array2<F>,
    drelu1: Array4<F>,
    dw2: Array2<F>,
    db2: Array1<F>,
    dpooled: Array4<F>,
    dconv: Array4<F>,
    dw1: Array4<F>,
    db1: Array1<F>,
    /// Copies of W1 and W2 (the two large arrays) for the SGD part to update, so that timing it
    /// leaves the net alone.
    w1: Array4<F>,
    w2: Array2<F>,
}

/// Errors unless the parts cover `net`: they have no batch norm and no regularization term.
fn check_net<F: Float>(net: &ThreeLayerConvNet<F>) -> Result<()> {
    let config = net.config();
    if config.batchnorm || config.reg != 0.0 {
        return Err(Error::invalid(
            Message::new(if config.batchnorm {
                "models.training_step.not_covered_bn_on"
            } else {
                "models.training_step.not_covered_bn_off"
            })
            .arg("reg", config.reg),
        ));
    }
    Ok(())
}

/// `x · w + b` into a new `(N, M)` array, as the model's forward pass computes it (no cache).
fn affine<F: Float, D: Dimension>(
    x: &Array<F, D>,
    w: &Array2<F>,
    b: &Array1<F>,
) -> Result<Array2<F>> {
    let x = rows(x);
    let mut out = Array2::zeros((x.nrows(), w.ncols()));
    let (w, b) = (w.view(), b.view());
    affine_forward_into(x, w, b, out.view_mut(), &mut GemmScratch::new())?;
    Ok(out)
}

/// The affine layer's gradients `(dx, dw, db)` into new arrays, dx in the shape of x, as the
/// model's backward pass computes them.
#[allow(clippy::type_complexity)]
fn affine_grads<F: Float, D: Dimension>(
    dout: &Array2<F>,
    x: &Array<F, D>,
    w: &Array2<F>,
) -> Result<(Array<F, D>, Array2<F>, Array1<F>)> {
    let x_rows = rows(x);
    let mut dx = Array::zeros(x.raw_dim());
    let (mut dw, mut db) = (Array2::zeros(w.raw_dim()), Array1::zeros(w.ncols()));
    let grads = AffineGradsMut {
        dx: Some(
            dx.view_mut()
                .into_shape_with_order(x_rows.raw_dim())
                .expect("a new array is in standard layout"),
        ),
        dw: dw.view_mut(),
        db: db.view_mut(),
    };
    affine_backward_into(
        dout.view(),
        x_rows,
        w.view(),
        grads,
        &mut GemmScratch::new(),
    )?;
    Ok((dx, dw, db))
}

/// The elements of an array this module made (all in standard layout).
fn flat<F, D: Dimension>(a: &Array<F, D>) -> &[F] {
    a.as_slice()
        .expect("the parts' arrays are in standard layout")
}

fn flat_mut<F, D: Dimension>(a: &mut Array<F, D>) -> &mut [F] {
    a.as_slice_mut()
        .expect("the parts' arrays are in standard layout")
}

impl<F: Float> StepParts<F> {
    /// Runs the forward and backward parts (0 to 12) once from `net`'s weights on the batch
    /// x `(N, C, H, W)`, y `(N,)`, and copies W1 and W2 for the SGD part.
    ///
    /// Errors: a net with batch norm or `reg ≠ 0`, x not `(N, C, H, W)` with N ≥ 1 and `(C, H, W)`
    /// the net's input, not one label per image, a label out of range, an invalid learning rate,
    /// and [`Error::OverBudget`] if the step's arrays would not fit the budget (checked before
    /// they are allocated).
    pub fn new(net: &ThreeLayerConvNet<F>, x: Array4<F>, y: Vec<usize>, sgd: Sgd) -> Result<Self> {
        check_net(net)?;
        sgd.validate()?;
        let config = net.config();
        let (n, c, h, w) = x.dim();
        let (ec, eh, ew) = config.input_dim;
        if n == 0 {
            return Err(Error::EmptyBatch {
                context: "the parts of a training step".into(),
            });
        }
        if (c, h, w) != (ec, eh, ew) {
            return Err(Error::shape(
                "the parts of a training step: x (N, C, H, W)",
                format!("(N, {ec}, {eh}, {ew})"),
                format!("({n}, {c}, {h}, {w})"),
            ));
        }
        if y.len() != n {
            return Err(Error::shape(
                "the parts of a training step: labels y (one per image of x)",
                format!("{n} labels"),
                format!("{} labels", y.len()),
            ));
        }
        // The net's own pass, plus the copy of x, the gradients and the copies of W1 and W2.
        let mut tally = config.batch_tally::<F>(n)?;
        tally
            .add::<F>(&[n, c, h, w])
            .add::<F>(&[2, net.num_parameters()])
            .check()?;
        let p = net.params();
        let (f, hc, wc) = config.layer_dims()?.conv;
        let empty2 = || Array2::zeros((0, 0));
        let empty4 = || Array4::zeros((0, 0, 0, 0));
        // Placeholders for what the first pass below computes; only the arrays the conv parts
        // write into must have their shapes already.
        let mut parts = StepParts {
            x,
            y,
            sgd,
            workspace: ConvWorkspace::new(),
            conv: Array4::zeros((n, f, hc, wc)),
            pooled: empty4(),
            pool_cache: PoolFastCache {
                x_dim: (0, 0, 0, 0),
                out_dim: (0, 0, 0, 0),
                argmax: Vec::new(),
            },
            relu1: empty4(),
            relu1_cache: ReluCache { x: empty4() },
            hidden: empty2(),
            relu2: empty2(),
            relu2_cache: ReluCache { x: empty2() },
            scores: empty2(),
            loss: F::zero(),
            dscores: empty2(),
            drelu2: empty2(),
            dw3: empty2(),
            db3: Array1::zeros(0),
            dhidden: empty2(),
            drelu1: empty4(),
            dw2: empty2(),
            db2: Array1::zeros(0),
            dpooled: empty4(),
            dconv: empty4(),
            dw1: Array4::zeros(p.w1.raw_dim()),
            db1: Array1::zeros(p.b1.len()),
            w1: p.w1.clone(),
            w2: p.w2.clone(),
        };
        for part in 0..STEP_PARTS.len() - 1 {
            parts.run(net, part)?;
        }
        Ok(parts)
    }

    /// Runs part `part` of [`STEP_PARTS`] once, with `net`'s weights, on the input it has in the
    /// step (the output of the part before), and keeps its output for the part after. Run in order
    /// from 0, the parts recompute the whole step. The SGD part (13) updates the copies of W1 and
    /// W2, not the net.
    ///
    /// Errors: a part that does not exist, a net with batch norm or `reg ≠ 0`, and the layers'
    /// own errors if `net` does not have the architecture the parts were made for.
    pub fn run(&mut self, net: &ThreeLayerConvNet<F>, part: usize) -> Result<()> {
        check_net(net)?;
        let (p, config) = (net.params(), net.config());
        match part {
            0 => conv_forward_into(
                self.x.view(),
                p.w1.view(),
                p.b1.view(),
                config.conv_param(),
                self.conv.view_mut(),
                &mut self.workspace,
            )?,
            1 => {
                (self.pooled, self.pool_cache) =
                    max_pool_forward_fast(&self.conv, config.pool_param())?
            }
            2 => (self.relu1, self.relu1_cache) = relu_forward(&self.pooled),
            // The affine layers as the model runs them: into new arrays, without a cache.
            3 => self.hidden = affine(&self.relu1, &p.w2, &p.b2)?,
            4 => (self.relu2, self.relu2_cache) = relu_forward(&self.hidden),
            5 => self.scores = affine(&self.relu2, &p.w3, &p.b3)?,
            6 => (self.loss, self.dscores) = softmax_loss(&self.scores, &self.y)?,
            7 => {
                (self.drelu2, self.dw3, self.db3) = affine_grads(&self.dscores, &self.relu2, &p.w3)?
            }
            8 => self.dhidden = relu_backward(&self.drelu2, &self.relu2_cache)?,
            9 => {
                (self.drelu1, self.dw2, self.db2) = affine_grads(&self.dhidden, &self.relu1, &p.w2)?
            }
            10 => self.dpooled = relu_backward(&self.drelu1, &self.relu1_cache)?,
            11 => self.dconv = max_pool_backward_fast(&self.dpooled, &self.pool_cache)?,
            12 => {
                let grads = ConvGradsMut {
                    dx: None,
                    dw: self.dw1.view_mut(),
                    db: self.db1.view_mut(),
                };
                let (dconv, x, w) = (self.dconv.view(), self.x.view(), p.w1.view());
                conv_backward_into(dconv, x, w, config.conv_param(), grads, &mut self.workspace)?;
            }
            // The two large arrays; the biases and W3 are a few hundred values.
            13 => {
                sgd(flat_mut(&mut self.w1), flat(&self.dw1), &self.sgd)?;
                sgd(flat_mut(&mut self.w2), flat(&self.dw2), &self.sgd)?;
            }
            _ => {
                return Err(Error::invalid(
                    Message::new("models.training_step.no_part")
                        .arg("part", part)
                        .arg("count", STEP_PARTS.len())
                        .arg("last", STEP_PARTS.len() - 1),
                ))
            }
        }
        Ok(())
    }

    /// The softmax loss of the last run of the loss part (6).
    pub fn loss(&self) -> F {
        self.loss
    }

    /// The gradients of the last runs of the backward parts (7, 9 and 12), as
    /// [`ThreeLayerConvNet::loss`] returns them (no `gamma` or `beta`: the parts have no batch
    /// norm).
    pub fn grads(&self) -> Grads<F> {
        Grads {
            w1: self.dw1.clone(),
            b1: self.db1.clone(),
            w2: self.dw2.clone(),
            b2: self.db2.clone(),
            w3: self.dw3.clone(),
            b3: self.db3.clone(),
            gamma: None,
            beta: None,
        }
    }

    /// The copies of W1 `(F, C, k, k)` and W2 `(F·H''·W'', hidden)` that the SGD part updates.
    pub fn sgd_weights(&self) -> (&Array4<F>, &Array2<F>) {
        (&self.w1, &self.w2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::ConvNetConfig;
    use crate::rng::Rng;

    fn config(seed: u64) -> ConvNetConfig {
        ConvNetConfig {
            input_dim: (3, 8, 8),
            num_filters: 4,
            filter_size: 3,
            hidden_dim: 10,
            num_classes: 5,
            weight_scale: 0.1,
            seed,
            ..ConvNetConfig::default()
        }
    }

    fn batch<F: Float>(n: usize) -> (Array4<F>, Vec<usize>) {
        let mut rng = Rng::new(7);
        let x = rng.normal_array((n, 3, 8, 8), 1.0);
        let y = (0..n).map(|_| rng.below(5)).collect();
        (x, y)
    }

    fn parts_are_the_models_step<F: Float>() {
        let net = ThreeLayerConvNet::<F>::new(config(1)).unwrap();
        let (x, y) = batch::<F>(6);
        let parts = StepParts::new(&net, x.clone(), y.clone(), Sgd::default()).unwrap();
        let (loss, grads) = net.clone().loss(&x, &y).unwrap();
        assert_eq!(parts.loss(), loss);
        assert_eq!(parts.grads(), grads);
    }

    #[test]
    fn the_parts_give_exactly_the_models_loss_and_gradients() {
        parts_are_the_models_step::<f32>();
        parts_are_the_models_step::<f64>();
    }

    #[test]
    fn each_part_reads_the_output_of_the_part_before() {
        // Parts made from one net, then rerun in order with another net's weights: every value
        // must be the other net's, so no part may keep a value from the first pass.
        let (a, b) = (
            ThreeLayerConvNet::<f64>::new(config(1)).unwrap(),
            ThreeLayerConvNet::<f64>::new(config(2)).unwrap(),
        );
        let (x, y) = batch::<f64>(5);
        let mut parts = StepParts::new(&a, x.clone(), y.clone(), Sgd::default()).unwrap();
        let (loss_a, grads_a) = a.clone().loss(&x, &y).unwrap();
        let (loss_b, grads_b) = b.clone().loss(&x, &y).unwrap();
        assert_ne!(loss_a, loss_b);
        assert_ne!(grads_a.w1, grads_b.w1);
        for part in 0..13 {
            parts.run(&b, part).unwrap();
        }
        assert_eq!(parts.loss(), loss_b);
        assert_eq!(parts.grads(), grads_b);
    }

    #[test]
    fn the_sgd_part_updates_copies_of_w1_and_w2_and_not_the_net() {
        let net = ThreeLayerConvNet::<f32>::new(config(3)).unwrap();
        let before = net.clone();
        let (x, y) = batch::<f32>(4);
        let sgd = Sgd {
            learning_rate: 0.25,
        };
        let mut parts = StepParts::new(&net, x, y, sgd).unwrap();
        let grads = parts.grads();
        assert_eq!(parts.sgd_weights(), (&net.params().w1, &net.params().w2));
        parts.run(&net, 13).unwrap();
        let lr = 0.25_f32;
        let w1 = &net.params().w1 - &grads.w1.mapv(|g| lr * g);
        let w2 = &net.params().w2 - &grads.w2.mapv(|g| lr * g);
        assert_eq!(parts.sgd_weights(), (&w1, &w2));
        assert_ne!(w1, net.params().w1);
        assert_eq!(net, before);
    }

    #[test]
    fn a_training_step_is_the_models_loss_then_sgd_on_every_parameter() {
        let mut net = ThreeLayerConvNet::<f64>::new(config(4)).unwrap();
        let start = net.clone();
        let (x, y) = batch::<f64>(6);
        let sgd = Sgd { learning_rate: 0.5 };
        let loss = training_step(&mut net, &x, &y, &sgd).unwrap();
        let (want_loss, grads) = start.clone().loss(&x, &y).unwrap();
        assert_eq!(loss, want_loss);
        let (p, q) = (net.params(), start.params());
        assert_eq!(p.w1, &q.w1 - &grads.w1.mapv(|g| 0.5 * g));
        assert_eq!(p.b1, &q.b1 - &grads.b1.mapv(|g| 0.5 * g));
        assert_eq!(p.w2, &q.w2 - &grads.w2.mapv(|g| 0.5 * g));
        assert_eq!(p.b2, &q.b2 - &grads.b2.mapv(|g| 0.5 * g));
        assert_eq!(p.w3, &q.w3 - &grads.w3.mapv(|g| 0.5 * g));
        assert_eq!(p.b3, &q.b3 - &grads.b3.mapv(|g| 0.5 * g));
        // An invalid learning rate leaves the net as it was.
        let bad = Sgd {
            learning_rate: f64::NAN,
        };
        let after = net.clone();
        assert!(training_step(&mut net, &x, &y, &bad).is_err());
        assert_eq!(net, after);
    }

    #[test]
    fn bad_parts_and_nets_are_errors_that_say_why() {
        let net = ThreeLayerConvNet::<f32>::new(config(1)).unwrap();
        let (x, y) = batch::<f32>(3);
        let mut parts = StepParts::new(&net, x.clone(), y.clone(), Sgd::default()).unwrap();
        assert_eq!(
            parts.run(&net, 14).unwrap_err().to_string(),
            "part 14 of a training step does not exist: there are 14 parts, 0 to 13"
        );
        let bn = ThreeLayerConvNet::<f32>::new(ConvNetConfig {
            batchnorm: true,
            ..config(1)
        })
        .unwrap();
        let want = "the parts of a training step cover a net without batch norm \
                    and with reg = 0; this one has batch norm on and reg = 0";
        assert_eq!(parts.run(&bn, 0).unwrap_err().to_string(), want);
        let reg = ThreeLayerConvNet::<f32>::new(ConvNetConfig {
            reg: 0.5,
            ..config(1)
        })
        .unwrap();
        let err = StepParts::new(&reg, x.clone(), y.clone(), Sgd::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the parts of a training step cover a net without batch norm and with \
             reg = 0; this one has batch norm off and reg = 0.5"
        );
        let err = StepParts::new(&net, x.clone(), vec![0, 1], Sgd::default()).unwrap_err();
        assert_eq!(err.to_string(), "shape mismatch in the parts of a training step: labels y (one per image of x): expected 3 labels, got 2 labels");
        let small = Array4::<f32>::zeros((3, 3, 6, 6));
        let err = StepParts::new(&net, small, y.clone(), Sgd::default()).unwrap_err();
        assert_eq!(err.to_string(), "shape mismatch in the parts of a training step: x (N, C, H, W): expected (N, 3, 8, 8), got (3, 3, 6, 6)");
        let err = StepParts::new(&net, x, vec![0, 1, 5], Sgd::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "label 5 at position 2 is out of range: there are 5 classes (0 to 4)"
        );
    }
}

//! What a [`crate::solver::Solver`] needs of a model, so that one solver trains both the course's
//! [`ThreeLayerConvNet`] and a designed [`Sequential`] network, as the course's `solver.py` trains
//! any model with `params`, `loss(X, y)` and the gradients it returns.
//!
//! The solver keeps one optimizer state per learned array, in the model's order, and copies of
//! the parameters (the last whose loss was finite, the best on validation); the model says how
//! many arrays it has, how to update them from the last loss's gradients, and how to copy and
//! restore them.

use super::three_layer::{Grads, Params, ThreeLayerConvNet};
use crate::budget::Tally;
use crate::error::Result;
use crate::float::Float;
use crate::optim::{Optimizer, State};
use crate::solver::SolverConfig;
use ndarray::Array4;

/// A classifier the solver can train: a training loss with gradients, an update of every learned
/// array from them, predictions, and copies of the parameters.
pub trait Model<F: Float>: Clone {
    /// The gradients one [`Model::train_loss`] returns for [`Model::apply_update`] (a model that
    /// keeps them beside its parameters returns `()`).
    type Grads;
    /// A copy of the learned arrays and of the running statistics a training pass moves.
    type Snapshot: Clone + std::fmt::Debug;

    /// The loss of a training batch x `(N, C, H, W)` with labels y, and its gradients.
    fn train_loss(&mut self, x: &Array4<F>, y: &[usize]) -> Result<(F, Self::Grads)>;
    /// One optimizer step of every learned array from `grads`, each with its own state (one per
    /// array, in the order of [`Model::param_lengths`]).
    fn apply_update(
        &mut self,
        grads: &Self::Grads,
        optimizer: &Optimizer,
        states: &mut [State<F>],
    ) -> Result<()>;
    /// The number of values of each learned array, in update order.
    fn param_lengths(&self) -> Vec<usize>;
    /// The predicted class of each image of x, at test time.
    fn predict(&self, x: &Array4<F>) -> Result<Vec<usize>>;
    /// The number of classes.
    fn num_classes(&self) -> usize;
    fn snapshot(&self) -> Self::Snapshot;
    /// Copies `snapshot` (taken from this model) back in.
    fn restore(&mut self, snapshot: &Self::Snapshot);
    /// Copies the model into `snapshot` (taken from this model) without allocating.
    fn save_into(&self, snapshot: &mut Self::Snapshot);
    /// The memory of one forward and backward pass of `n` images, as a [`Tally`].
    fn batch_tally(&self, n: usize) -> Result<Tally>;
    /// `(C, H, W)` of the images the model takes.
    fn input_shape(&self) -> (usize, usize, usize);

    /// The memory a solver needs besides its data to train this model with `config` on
    /// `n_train` training and `n_val` validation images: the largest pass (a minibatch, or a
    /// chunk of up to 100 images when accuracy is scored), the minibatch itself, the epoch's
    /// order, and the parameters' last good and best copies and the optimizer's state.
    fn training_tally(&self, config: &SolverConfig, n_train: usize, n_val: usize) -> Result<Tally> {
        let batch_size = config.batch_size.min(n_train).max(1);
        let scored = n_train.max(n_val).min(100);
        let pass = self.batch_tally(batch_size.max(scored))?;
        let parameters: u128 = self.param_lengths().iter().map(|&n| n as u128).sum();
        let (c, h, w) = self.input_shape();
        Ok(solver_tally::<F>(
            crate::i18n::Message::new("models.training_network")
                .arg("parameters", parameters)
                .arg("batch", batch_size)
                .arg("shape", format!("{h}×{w}×{c}")),
            &pass,
            parameters,
            config,
            self.input_shape(),
            n_train,
        ))
    }
    /// The regularization loss `0.5·reg·ΣW²` of the current weights, in f64.
    fn reg_loss(&self) -> f64;
    /// The regularization strength and how the weights were drawn, for the message of a loss
    /// that is not finite before any update: `(reg, "weight scale 3e-2")`.
    fn start_settings(&self) -> (f64, crate::i18n::Message);
}

/// A solver's memory around the largest pass `pass` of a model with `parameters` learned values
/// on images `input`: the parameters' last good and best copies and gradients, the optimizer's
/// state, the minibatch and the epoch's order of `n_train` images. `what` names it in messages.
pub(crate) fn solver_tally<F>(
    what: impl Into<crate::i18n::Message>,
    pass: &Tally,
    parameters: u128,
    config: &SolverConfig,
    input: (usize, usize, usize),
    n_train: usize,
) -> Tally {
    let batch_size = config.batch_size.min(n_train).max(1);
    let copies: u128 = 3 + match config.optimizer {
        Optimizer::Sgd(_) => 0,
        Optimizer::SgdMomentum(_) | Optimizer::RmsProp(_) => 1,
        Optimizer::Adam(_) => 2,
    };
    let (c, h, w) = input;
    let mut tally = Tally::new(what);
    tally
        .add_bytes(pass.bytes())
        .add_bytes(copies * parameters * std::mem::size_of::<F>() as u128)
        .add::<F>(&[batch_size, c, h, w])
        .add::<usize>(&[n_train]);
    tally
}

impl<F: Float> Model<F> for ThreeLayerConvNet<F> {
    type Grads = Grads<F>;
    type Snapshot = Params<F>;

    fn train_loss(&mut self, x: &Array4<F>, y: &[usize]) -> Result<(F, Grads<F>)> {
        self.loss(x, y)
    }

    fn apply_update(
        &mut self,
        grads: &Grads<F>,
        optimizer: &Optimizer,
        states: &mut [State<F>],
    ) -> Result<()> {
        let params = self.trainable_mut();
        for ((w, dw), state) in params.into_iter().zip(grads.slices()).zip(states) {
            optimizer.update(w, dw, state)?;
        }
        Ok(())
    }

    fn param_lengths(&self) -> Vec<usize> {
        self.params()
            .tensors()
            .iter()
            .map(|(_, t)| t.len())
            .collect()
    }

    fn predict(&self, x: &Array4<F>) -> Result<Vec<usize>> {
        ThreeLayerConvNet::predict(self, x)
    }

    fn num_classes(&self) -> usize {
        self.config().num_classes
    }

    fn snapshot(&self) -> Params<F> {
        self.params().clone()
    }

    fn restore(&mut self, snapshot: &Params<F>) {
        self.params_mut().copy_from(snapshot);
    }

    fn save_into(&self, snapshot: &mut Params<F>) {
        snapshot.copy_from(self.params());
    }

    fn batch_tally(&self, n: usize) -> Result<Tally> {
        self.config().batch_tally::<F>(n)
    }

    fn input_shape(&self) -> (usize, usize, usize) {
        self.config().input_dim
    }

    fn training_tally(&self, config: &SolverConfig, n_train: usize, n_val: usize) -> Result<Tally> {
        crate::solver::training_tally::<F>(self.config(), config, n_train, n_val)
    }

    fn reg_loss(&self) -> f64 {
        let p = self.params();
        let squares: f64 = (p.w1.iter().chain(p.w2.iter()).chain(p.w3.iter()))
            .map(|v| v.as_f64() * v.as_f64())
            .sum();
        0.5 * self.config().reg * squares
    }

    fn start_settings(&self) -> (f64, crate::i18n::Message) {
        let config = self.config();
        (
            config.reg,
            crate::i18n::Message::new("models.weight_scale")
                .arg("scale", super::short_number(config.weight_scale)),
        )
    }
}

//! Minibatch training of a model — the course's [`ThreeLayerConvNet`] or a designed
//! [`crate::models::Sequential`], anything that is a [`Model`] — as the course's `solver.py`, one
//! iteration at a time.
//!
//! Each epoch visits the training set in a new random order (fixed by the seed), one minibatch per
//! iteration; the optimizer updates every parameter from the minibatch's gradients; after each
//! epoch the learning rate is multiplied by `lr_decay`. Train accuracy (on a sample of up to
//! `num_train_samples` training images, as `check_accuracy` does in the course) and validation
//! accuracy are measured after the first iteration and at the end of every epoch; the parameters
//! with the best validation accuracy are kept and, as in the course, put back in the model when
//! training ends (unless `restore_best_params` is off).
//!
//! [`Solver::step`] does exactly one iteration and says what happened, so a web page can drive
//! training, pause between steps and draw; [`Solver::train`] runs to the end. A NaN or infinite
//! loss stops training with [`Error::Diverged`] and leaves the model at the last parameters whose
//! loss was finite.
//!
//! ```
//! use cnn_playground::models::{ConvNetConfig, ThreeLayerConvNet};
//! use cnn_playground::optim::{Adam, Optimizer};
//! use cnn_playground::rng::Rng;
//! use cnn_playground::solver::{Solver, SolverConfig, TrainingData};
//! let net = ThreeLayerConvNet::<f32>::new(ConvNetConfig {
//!     input_dim: (1, 8, 8), num_filters: 4, filter_size: 3, hidden_dim: 20, num_classes: 2,
//!     weight_scale: 1e-2, ..ConvNetConfig::default()
//! }).unwrap();
//! let mut rng = Rng::new(0);
//! let data = TrainingData {
//!     x_train: rng.normal_array((20, 1, 8, 8), 1.0),
//!     y_train: (0..20).map(|i| i % 2).collect(),
//!     x_val: rng.normal_array((10, 1, 8, 8), 1.0),
//!     y_val: (0..10).map(|i| i % 2).collect(),
//! };
//! let config = SolverConfig {
//!     optimizer: Optimizer::Adam(Adam { learning_rate: 1e-2, ..Adam::default() }),
//!     batch_size: 10, num_epochs: 5, ..SolverConfig::default()
//! };
//! let mut solver = Solver::new(net, data, config).unwrap();
//! let first = solver.step().unwrap();
//! assert_eq!((first.iteration, first.num_iterations), (1, 10));
//! assert!(first.accuracy.is_some()); // measured after the first iteration
//! solver.train().unwrap();
//! assert_eq!(solver.history().loss_history.len(), 10);
//! assert_eq!(solver.history().val_acc_history.len(), 6); // after iteration 1, then 5 epochs
//! ```

use crate::budget::{self, Tally};
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::i18n::Message;
use crate::models::{short_number, ConvNetConfig, Model, ThreeLayerConvNet};
use crate::optim::{Optimizer, State};
use crate::rng::Rng;
use ndarray::{Array2, Array4, Axis};
use serde::{Deserialize, Serialize};

/// How to train: the update rule with its hyperparameters, and the schedule. In JSON (serde)
/// any field may be left out for its default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SolverConfig {
    /// The update rule and its starting learning rate.
    pub optimizer: Optimizer,
    /// After each epoch the learning rate is multiplied by this (finite, ≥ 0; 1 keeps it).
    pub lr_decay: f64,
    /// Images per minibatch (at most the number of training images is used).
    pub batch_size: usize,
    /// Passes over the training set.
    pub num_epochs: usize,
    /// Train accuracy is measured on a random sample of at most this many training images.
    pub num_train_samples: usize,
    /// Validation accuracy is measured on at most this many validation images (None: all).
    pub num_val_samples: Option<usize>,
    /// Seed of the minibatch order and the accuracy samples.
    pub seed: u64,
    /// When training ends, put back the parameters with the best validation accuracy, as the
    /// course's solver does. Off, the model keeps its last parameters (a net that has memorised
    /// its training set then still shows it).
    pub restore_best_params: bool,
}

impl Default for SolverConfig {
    /// The course's defaults: sgd (lr 1e-2), no decay, batch 100, 10 epochs, train accuracy on
    /// 1000 samples, validation on all, the best parameters restored at the end; seed 0.
    fn default() -> Self {
        SolverConfig {
            optimizer: Optimizer::default(),
            lr_decay: 1.0,
            batch_size: 100,
            num_epochs: 10,
            num_train_samples: 1000,
            num_val_samples: None,
            seed: 0,
            restore_best_params: true,
        }
    }
}

/// Training and validation images `(N, C, H, W)` with one label per image.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingData<F> {
    pub x_train: Array4<F>,
    pub y_train: Vec<usize>,
    pub x_val: Array4<F>,
    pub y_val: Vec<usize>,
}

impl TrainingData<f32> {
    /// The images and labels of two [`Dataset`]s (e.g. the halves of [`Dataset::split`]), copied.
    pub fn from_datasets(train: &Dataset, val: &Dataset) -> Self {
        TrainingData {
            x_train: train.images().clone(),
            y_train: train.labels().to_vec(),
            x_val: val.images().clone(),
            y_val: val.labels().to_vec(),
        }
    }

    /// The images and labels of two [`Dataset`]s, moved rather than copied; the class names are
    /// dropped (the solver has no use for them).
    pub fn from_owned_datasets(train: Dataset, val: Dataset) -> Self {
        let (x_train, y_train, _) = train.into_parts();
        let (x_val, y_val, _) = val.into_parts();
        TrainingData {
            x_train,
            y_train,
            x_val,
            y_val,
        }
    }
}

impl<F: Float> TrainingData<F> {
    /// No images at all (allocates nothing); a placeholder while the data changes hands.
    fn empty() -> Self {
        TrainingData {
            x_train: Array4::zeros((0, 0, 0, 0)),
            y_train: Vec::new(),
            x_val: Array4::zeros((0, 0, 0, 0)),
            y_val: Vec::new(),
        }
    }

    /// The bytes these images and labels occupy.
    pub fn bytes(&self) -> usize {
        let value = std::mem::size_of::<F>();
        let label = std::mem::size_of::<usize>();
        (self.x_train.len() + self.x_val.len()) * value
            + (self.y_train.len() + self.y_val.len()) * label
    }
}

/// What training has recorded so far, named as in the course.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct History {
    /// The minibatch loss of every iteration.
    pub loss_history: Vec<f64>,
    /// Train accuracy after the first iteration, then after each epoch.
    pub train_acc_history: Vec<f64>,
    /// Validation accuracy, measured with the train accuracy.
    pub val_acc_history: Vec<f64>,
}

/// Train and validation accuracy (fractions in [0, 1]) measured after `epoch` completed epochs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EpochAccuracy {
    pub epoch: usize,
    pub train_acc: f64,
    pub val_acc: f64,
}

/// What one call of [`Solver::step`] did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    /// Iterations done, this one included (the first step reports 1).
    pub iteration: usize,
    /// Iterations the whole run will take: `num_epochs · iterations_per_epoch`.
    pub num_iterations: usize,
    /// Epochs completed, this step included.
    pub epoch: usize,
    /// The minibatch loss of this iteration, before its update.
    pub loss: f64,
    /// The learning rate this iteration's update used.
    pub learning_rate: f64,
    /// This iteration completed an epoch (and the learning rate has been decayed for the next).
    pub epoch_end: bool,
    /// Accuracies, measured after the first iteration and at the end of every epoch.
    pub accuracy: Option<EpochAccuracy>,
    /// This was the last iteration: further steps are refused, and the model now holds the
    /// parameters with the best validation accuracy (if `restore_best_params`).
    pub finished: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Status {
    Running,
    Finished,
    Diverged(Error),
}

/// Trains a model (by default the course's [`ThreeLayerConvNet`]) on [`TrainingData`], one
/// minibatch per [`Solver::step`].
#[derive(Debug, Clone)]
pub struct Solver<F: Float, M: Model<F> = ThreeLayerConvNet<F>> {
    model: M,
    data: TrainingData<F>,
    config: SolverConfig,
    /// The update rule with the current (decayed) learning rate.
    optimizer: Optimizer,
    /// One optimizer state per learned parameter, in the order of the model's trainable arrays.
    states: Vec<State<F>>,
    rng: Rng,
    /// This epoch's order of the training images.
    order: Vec<usize>,
    /// The minibatch, refilled in place every iteration.
    x_batch: Array4<F>,
    y_batch: Vec<usize>,
    /// The parameters before the latest update, whose loss was finite.
    last_good: M::Snapshot,
    best_params: M::Snapshot,
    best_val_acc: Option<f64>,
    iteration: usize,
    epoch: usize,
    iterations_per_epoch: usize,
    history: History,
    status: Status,
}

/// Errors unless x is `(N, …)` with N ≥ 1, y has N labels, and every value of x is finite.
fn check_split<F: Float>(name: &str, x: &Array4<F>, y: &[usize]) -> Result<()> {
    let n = x.dim().0;
    if n == 0 {
        return Err(Error::EmptyBatch {
            context: Message::new("models.solver.split_x").arg("name", name),
        });
    }
    if y.len() != n {
        return Err(Error::shape(
            format!("y_{name} (one label per image of x_{name})"),
            format!("{n} labels"),
            format!("{} labels", y.len()),
        ));
    }
    if let Some(i) = x.iter().position(|v| !v.is_finite()) {
        let per_image = x.len() / n;
        return Err(Error::invalid(
            Message::new("models.solver.data_not_finite")
                .arg("name", name)
                .arg("image", i / per_image),
        ));
    }
    Ok(())
}

/// The fraction of images whose predicted class is their label.
///
/// - x: `(N, C, H, W)` and y: N labels
/// - num_samples: if N is larger, a random sample of this many images (drawn from `rng`, without
///   repetition) is scored instead of all
///
/// Scores in batches of 100 images, with batch norm in test mode.
pub fn check_accuracy<F: Float, M: Model<F>>(
    model: &M,
    x: &Array4<F>,
    y: &[usize],
    num_samples: Option<usize>,
    rng: &mut Rng,
) -> Result<f64> {
    let n = x.dim().0;
    if y.len() != n {
        return Err(Error::shape(
            "check_accuracy (one label per image of x)",
            format!("{n} labels"),
            format!("{} labels", y.len()),
        ));
    }
    let indices: Vec<usize> = match num_samples {
        Some(k) if n > k => {
            let mut p = rng.permutation(n);
            p.truncate(k);
            p
        }
        _ => (0..n).collect(),
    };
    if indices.is_empty() {
        return Err(Error::EmptyBatch {
            context: "check_accuracy".into(),
        });
    }
    let mut correct = 0;
    for chunk in indices.chunks(100) {
        let predicted = model.predict(&x.select(Axis(0), chunk))?;
        correct += predicted
            .iter()
            .zip(chunk)
            .filter(|&(&p, &i)| p == y[i])
            .count();
    }
    Ok(correct as f64 / indices.len() as f64)
}

/// Counts of (true class, predicted class) pairs: `m[[t, p]]` images of class t were predicted
/// as class p. x is `(N, C, H, W)` with N labels in y; the result is `(classes, classes)`, its
/// diagonal the correct predictions. Scores in batches of 100, with batch norm in test mode.
pub fn confusion_matrix<F: Float, M: Model<F>>(
    model: &M,
    x: &Array4<F>,
    y: &[usize],
) -> Result<Array2<usize>> {
    let n = x.dim().0;
    if y.len() != n {
        return Err(Error::shape(
            "confusion_matrix (one label per image of x)",
            format!("{n} labels"),
            format!("{} labels", y.len()),
        ));
    }
    let classes = model.num_classes();
    if let Some(index) = y.iter().position(|&l| l >= classes) {
        return Err(Error::LabelOutOfRange {
            label: y[index],
            index,
            classes,
        });
    }
    let mut m = Array2::zeros((classes, classes));
    let indices: Vec<usize> = (0..n).collect();
    for chunk in indices.chunks(100) {
        let predicted = model.predict(&x.select(Axis(0), chunk))?;
        for (&p, &i) in predicted.iter().zip(chunk) {
            m[[y[i], p]] += 1;
        }
    }
    Ok(m)
}

/// The memory a [`Solver`] needs besides its data to train a net of `net` with `config` on
/// `n_train` training and `n_val` validation images, as a [`Tally`] to check against the budget:
/// the largest forward and backward pass (a minibatch, or a chunk of up to 100 images when
/// accuracy is scored; [`ConvNetConfig::batch_tally`]), the minibatch itself, the epoch's order,
/// and the parameters' gradients, last good and best copies and the optimizer's state.
///
/// Errors as [`ConvNetConfig::layer_dims`].
pub fn training_tally<F>(
    net: &ConvNetConfig,
    config: &SolverConfig,
    n_train: usize,
    n_val: usize,
) -> Result<Tally> {
    let batch_size = config.batch_size.min(n_train).max(1);
    let scored = n_train.max(n_val).min(100);
    let pass = net.batch_tally::<F>(batch_size.max(scored))?;
    let parameters: u128 = net
        .tensor_shapes()?
        .iter()
        .map(|(_, shape)| budget::count(shape))
        .sum();
    let (_, h, w) = net.input_dim;
    Ok(crate::models::solver_tally::<F>(
        format!(
            "training this net ({parameters} parameters, {} filters of {h}×{w}) on minibatches of {batch_size}",
            net.num_filters
        ),
        &pass,
        parameters,
        config,
        net.input_dim,
        n_train,
    ))
}

impl<F: Float, M: Model<F>> Solver<F, M> {
    /// A solver ready to train `model` on `data`.
    ///
    /// Errors if a hyperparameter is invalid (learning rate, betas, decay, …), batch_size,
    /// num_epochs or num_train_samples is 0, the run would have more iterations than a `usize`
    /// counts, a split is empty, images do not fit the model's input, labels are missing or out
    /// of range, the images hold NaN or infinite values, or training would need more memory than
    /// the budget ([`crate::budget`]: the minibatch's activations and gradients, and the copies of
    /// the parameters the optimizer and the solver keep).
    pub fn new(model: M, data: TrainingData<F>, config: SolverConfig) -> Result<Self> {
        Self::check(&model, &data, &config)?;
        Ok(Self::fresh(model, data, config))
    }

    /// Starts over with a new `model` and `config` on the data this solver holds, without
    /// copying it (iteration 0, empty history). Errors as [`Solver::new`], leaving the solver as
    /// it was.
    pub fn restart(&mut self, model: M, config: SolverConfig) -> Result<()> {
        Self::check(&model, &self.data, &config)?;
        let data = std::mem::replace(&mut self.data, TrainingData::empty());
        *self = Self::fresh(model, data, config);
        Ok(())
    }

    /// Every check of [`Solver::new`].
    fn check(model: &M, data: &TrainingData<F>, config: &SolverConfig) -> Result<()> {
        config.optimizer.validate()?;
        if !(config.lr_decay.is_finite() && config.lr_decay >= 0.0) {
            return Err(Error::InvalidHyperparameter {
                name: "lr_decay".into(),
                value: config.lr_decay,
                reason: Message::new("models.solver.lr_decay_reason"),
            });
        }
        // A decay above 1 raises the learning rate every epoch: refused if by the last epoch it
        // would pass the largest number (an update would then be refused mid-run).
        let last_lr =
            config.optimizer.learning_rate() * config.lr_decay.powf(config.num_epochs as f64);
        if config.lr_decay > 1.0 && !last_lr.is_finite() {
            return Err(Error::invalid(
                Message::new("models.solver.lr_decay_overflows")
                    .arg("decay", short_number(config.lr_decay))
                    .arg("epochs", config.num_epochs)
                    .arg("lr", short_number(config.optimizer.learning_rate())),
            ));
        }
        for (what, v) in [
            ("batch_size", config.batch_size),
            ("num_epochs", config.num_epochs),
            ("num_train_samples", config.num_train_samples),
        ] {
            if v == 0 {
                return Err(Error::Zero {
                    what: crate::models::quantity(what),
                });
            }
        }
        check_split("train", &data.x_train, &data.y_train)?;
        check_split("val", &data.x_val, &data.y_val)?;
        let n = data.x_train.dim().0;
        let batch_size = config.batch_size.min(n);
        let iterations_per_epoch = (n / batch_size).max(1);
        if config
            .num_epochs
            .checked_mul(iterations_per_epoch)
            .is_none()
        {
            return Err(Error::invalid(
                Message::new("models.solver.too_many_iterations")
                    .arg("epochs", config.num_epochs)
                    .arg("per_epoch", iterations_per_epoch),
            ));
        }
        model
            .training_tally(config, n, data.x_val.dim().0)?
            .check()?;
        // Predicting one image of each split checks the image shape against the model.
        let classes = model.num_classes();
        for (x, y) in [(&data.x_train, &data.y_train), (&data.x_val, &data.y_val)] {
            model.predict(&x.select(Axis(0), &[0]))?;
            if let Some(index) = y.iter().position(|&l| l >= classes) {
                return Err(Error::LabelOutOfRange {
                    label: y[index],
                    index,
                    classes,
                });
            }
        }
        Ok(())
    }

    /// A solver at iteration 0; [`Solver::check`] has passed.
    fn fresh(model: M, data: TrainingData<F>, config: SolverConfig) -> Self {
        let n = data.x_train.dim().0;
        let batch_size = config.batch_size.min(n);
        let iterations_per_epoch = (n / batch_size).max(1);
        let (_, c, h, w) = data.x_train.dim();
        let states = model
            .param_lengths()
            .into_iter()
            .map(|len| config.optimizer.state(len))
            .collect();
        Solver {
            last_good: model.snapshot(),
            best_params: model.snapshot(),
            model,
            optimizer: config.optimizer,
            states,
            rng: Rng::new(config.seed),
            order: Vec::new(),
            x_batch: Array4::zeros((batch_size, c, h, w)),
            y_batch: vec![0; batch_size],
            best_val_acc: None,
            iteration: 0,
            epoch: 0,
            iterations_per_epoch,
            history: History::default(),
            status: Status::Running,
            data,
            config,
        }
    }

    /// One iteration: the next minibatch's loss and gradients, then one optimizer update.
    ///
    /// Errors: [`Error::Diverged`] if the loss is NaN or infinite (the model goes back to the
    /// parameters before the previous update, whose loss was finite, and every later step repeats
    /// the error); [`Error::InvalidInput`] once training has finished.
    pub fn step(&mut self) -> Result<Step> {
        match &self.status {
            Status::Running => {}
            Status::Finished => {
                return Err(Error::invalid(
                    Message::new("models.solver.finished").arg("iterations", self.iteration),
                ))
            }
            Status::Diverged(e) => return Err(e.clone()),
        }
        let within = self.iteration % self.iterations_per_epoch;
        if within == 0 {
            self.order = self.rng.permutation(self.data.x_train.dim().0);
        }
        let batch_size = self.y_batch.len();
        let picks = &self.order[within * batch_size..(within + 1) * batch_size];
        for (i, &idx) in picks.iter().enumerate() {
            self.x_batch
                .index_axis_mut(Axis(0), i)
                .assign(&self.data.x_train.index_axis(Axis(0), idx));
            self.y_batch[i] = self.data.y_train[idx];
        }

        let (loss, grads) = self.model.train_loss(&self.x_batch, &self.y_batch)?;
        let loss = loss.as_f64();
        let learning_rate = self.optimizer.learning_rate();
        if !loss.is_finite() {
            // The current weights (and the running statistics this pass just moved) are unusable.
            self.model.restore(&self.last_good);
            let err = if self.iteration == 0 {
                Error::DivergedAtStart {
                    loss,
                    cause: self.cause_at_start(),
                }
            } else {
                Error::Diverged {
                    iteration: self.iteration + 1,
                    loss,
                    suggested_lr: learning_rate / 10.0,
                }
            };
            self.status = Status::Diverged(err.clone());
            return Err(err);
        }
        self.model.save_into(&mut self.last_good);
        self.model
            .apply_update(&grads, &self.optimizer, &mut self.states)?;
        self.history.loss_history.push(loss);
        self.iteration += 1;

        let epoch_end = self.iteration.is_multiple_of(self.iterations_per_epoch);
        if epoch_end {
            self.epoch += 1;
            self.optimizer
                .set_learning_rate(learning_rate * self.config.lr_decay);
        }
        let finished = self.iteration == self.num_iterations();
        let accuracy = if self.iteration == 1 || epoch_end || finished {
            Some(self.record_accuracy()?)
        } else {
            None
        };
        if finished && self.config.restore_best_params {
            self.model.restore(&self.best_params);
        }
        if finished {
            self.status = Status::Finished;
        }
        Ok(Step {
            iteration: self.iteration,
            num_iterations: self.num_iterations(),
            epoch: self.epoch,
            loss,
            learning_rate,
            epoch_end,
            accuracy,
            finished,
        })
    }

    /// Why the loss of the first minibatch, before any update, is not finite (the data are
    /// finite, checked by [`Solver::new`]): the regularization loss `0.5·reg·ΣW²` overflows, or
    /// else the weights the net starts from make its scores overflow.
    fn cause_at_start(&self) -> Message {
        let reg_loss = self.model.reg_loss();
        let (reg, init) = self.model.start_settings();
        if !F::of(reg_loss).is_finite() {
            return Message::new("models.solver.reg_loss_too_large")
                .arg("reg_loss", short_number(reg_loss))
                .arg("reg", short_number(reg));
        }
        Message::new("models.solver.scores_overflow").nested("init", init)
    }

    /// Measures train and validation accuracy, records them, and keeps the parameters if their
    /// validation accuracy is the best so far.
    fn record_accuracy(&mut self) -> Result<EpochAccuracy> {
        let d = &self.data;
        let train_acc = check_accuracy(
            &self.model,
            &d.x_train,
            &d.y_train,
            Some(self.config.num_train_samples),
            &mut self.rng,
        )?;
        let val_acc = check_accuracy(
            &self.model,
            &d.x_val,
            &d.y_val,
            self.config.num_val_samples,
            &mut self.rng,
        )?;
        self.history.train_acc_history.push(train_acc);
        self.history.val_acc_history.push(val_acc);
        if self.best_val_acc.is_none_or(|best| val_acc > best) {
            self.best_val_acc = Some(val_acc);
            self.model.save_into(&mut self.best_params);
        }
        Ok(EpochAccuracy {
            epoch: self.epoch,
            train_acc,
            val_acc,
        })
    }

    /// Steps until the last iteration. Errors as [`Solver::step`].
    pub fn train(&mut self) -> Result<()> {
        while !self.step()?.finished {}
        Ok(())
    }

    /// The model being trained (after the last step, with `restore_best_params`: the parameters
    /// with the best validation accuracy).
    pub fn model(&self) -> &M {
        &self.model
    }

    /// Ends the solver and hands back its model.
    pub fn into_model(self) -> M {
        self.model
    }

    /// The images and labels this solver trains and validates on (its own, only copy).
    pub fn data(&self) -> &TrainingData<F> {
        &self.data
    }

    /// Losses and accuracies recorded so far.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// The best validation accuracy measured so far, if any.
    pub fn best_val_acc(&self) -> Option<f64> {
        self.best_val_acc
    }

    /// The parameters that gave [`Solver::best_val_acc`] (the initial ones before any measurement).
    pub fn best_params(&self) -> &M::Snapshot {
        &self.best_params
    }

    /// The settings this solver was made with.
    pub fn config(&self) -> &SolverConfig {
        &self.config
    }

    /// The learning rate the next update will use (decayed after each epoch).
    pub fn learning_rate(&self) -> f64 {
        self.optimizer.learning_rate()
    }

    /// Iterations done so far.
    pub fn iteration(&self) -> usize {
        self.iteration
    }

    /// Epochs completed so far.
    pub fn epoch(&self) -> usize {
        self.epoch
    }

    /// Images per minibatch: the configured batch size, or all training images if there are fewer.
    pub fn batch_size(&self) -> usize {
        self.y_batch.len()
    }

    /// `max(N_train / batch_size, 1)`, as in the course; the images left over in an epoch wait
    /// for a later epoch's shuffle.
    pub fn iterations_per_epoch(&self) -> usize {
        self.iterations_per_epoch
    }

    /// `num_epochs · iterations_per_epoch`.
    pub fn num_iterations(&self) -> usize {
        self.config.num_epochs * self.iterations_per_epoch
    }

    /// True once the last iteration has run.
    pub fn is_finished(&self) -> bool {
        matches!(self.status, Status::Finished)
    }

    /// The divergence error, if training stopped on a NaN or infinite loss.
    pub fn diverged(&self) -> Option<&Error> {
        match &self.status {
            Status::Diverged(e) => Some(e),
            _ => None,
        }
    }
}

//! The update rules of the course's `optim.py`: sgd, sgd with momentum, RMSprop and Adam.
//!
//! Each rule has a small config struct whose `Default` is the course's default, and a free function
//! that updates one parameter in place, like the assignment's `sgd_momentum(w, dw, config)`. What a
//! rule remembers between steps (velocity, squared-gradient cache, Adam's moments and step count)
//! lives in a per-parameter state the caller keeps. The update is elementwise, so parameters are
//! passed as flat slices: the shape of `w` does not matter, only that `dw` and the state match it.
//! [`Optimizer`] wraps the four rules so a solver (or a page's drop-down) can pick one.
//!
//! ```
//! use cnn_playground::optim::{Adam, Optimizer};
//! let opt = Optimizer::Adam(Adam::default());
//! let mut w = [1.0_f64, -0.5];
//! let mut state = opt.state(w.len());
//! opt.update(&mut w, &[1.0, -2.0], &mut state).unwrap();
//! // Adam's first step moves each weight by about the learning rate (1e-3), whatever the gradient's size.
//! assert!((w[0] - 0.999).abs() < 1e-10 && (w[1] + 0.499).abs() < 1e-10);
//! ```

use crate::error::{Error, Result};
use crate::float::Float;
use crate::i18n::Message;
use serde::{Deserialize, Serialize};

/// Vanilla stochastic gradient descent: `w -= learning_rate · dw`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Sgd {
    pub learning_rate: f64,
}

impl Default for Sgd {
    /// The course's default: `learning_rate = 1e-2`.
    fn default() -> Self {
        Sgd {
            learning_rate: 1e-2,
        }
    }
}

/// SGD with momentum: `v = momentum · v − learning_rate · dw; w += v`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SgdMomentum {
    pub learning_rate: f64,
    /// In `[0, 1)`; 0 is plain SGD.
    pub momentum: f64,
}

impl Default for SgdMomentum {
    /// The course's defaults: `learning_rate = 1e-2`, `momentum = 0.9`.
    fn default() -> Self {
        SgdMomentum {
            learning_rate: 1e-2,
            momentum: 0.9,
        }
    }
}

/// RMSprop: a moving average of squared gradients scales each weight's step.
/// `cache = decay_rate · cache + (1 − decay_rate) · dw²; w −= learning_rate · dw / (√cache + epsilon)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RmsProp {
    pub learning_rate: f64,
    /// In `[0, 1)`.
    pub decay_rate: f64,
    /// Positive; keeps the division finite where the cache is zero.
    pub epsilon: f64,
}

impl Default for RmsProp {
    /// The course's defaults: `learning_rate = 1e-2`, `decay_rate = 0.99`, `epsilon = 1e-8`.
    fn default() -> Self {
        RmsProp {
            learning_rate: 1e-2,
            decay_rate: 0.99,
            epsilon: 1e-8,
        }
    }
}

/// Adam: momentum on the gradient (`m`) and RMSprop on its square (`v`), both bias-corrected.
///
/// With `t` incremented first:
/// `m = β1·m + (1−β1)·dw; mt = m/(1−β1^t); v = β2·v + (1−β2)·dw²; vt = v/(1−β2^t);
/// w −= learning_rate · mt / (√vt + epsilon)`. Without the correction the first steps would be
/// far too small, because `m` and `v` start at zero.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Adam {
    pub learning_rate: f64,
    /// In `[0, 1)`.
    pub beta1: f64,
    /// In `[0, 1)`.
    pub beta2: f64,
    /// Positive.
    pub epsilon: f64,
}

impl Default for Adam {
    /// The course's defaults: `learning_rate = 1e-3`, `beta1 = 0.9`, `beta2 = 0.999`, `epsilon = 1e-8`.
    fn default() -> Self {
        Adam {
            learning_rate: 1e-3,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
        }
    }
}

/// Adam's memory for one parameter: first and second moments and the number of steps taken.
#[derive(Debug, Clone, PartialEq)]
pub struct AdamState<F> {
    pub m: Vec<F>,
    pub v: Vec<F>,
    /// Steps taken so far; incremented before each update, so the first update uses `t = 1`.
    pub t: u64,
}

impl<F: Float> AdamState<F> {
    /// Zero moments for a parameter of `len` elements, `t = 0`.
    pub fn new(len: usize) -> Self {
        AdamState {
            m: vec![F::zero(); len],
            v: vec![F::zero(); len],
            t: 0,
        }
    }
}

fn check_learning_rate(lr: f64) -> Result<()> {
    if lr.is_finite() && lr >= 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidHyperparameter {
            name: "learning_rate".into(),
            value: lr,
            reason: Message::new("layers.optim.learning_rate"),
        })
    }
}

/// Decay rates and betas average old and new values, so they must lie in `[0, 1)`.
fn check_rate(name: &str, value: f64) -> Result<()> {
    if (0.0..1.0).contains(&value) {
        Ok(())
    } else {
        Err(Error::InvalidHyperparameter {
            name: name.into(),
            value,
            reason: Message::new("layers.optim.rate"),
        })
    }
}

fn check_epsilon(value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidHyperparameter {
            name: "epsilon".into(),
            value,
            reason: Message::new("layers.optim.epsilon"),
        })
    }
}

fn check_len(context: &str, what: &str, expected: usize, got: usize) -> Result<()> {
    if expected == got {
        Ok(())
    } else {
        Err(Error::shape(
            Message::new("layers.optim.update").arg("optimizer", context),
            format!("{expected} elements (as many as w)"),
            format!("{got} in {what}"),
        ))
    }
}

impl Sgd {
    /// Errors if the learning rate is NaN, infinite or negative.
    pub fn validate(&self) -> Result<()> {
        check_learning_rate(self.learning_rate)
    }
}

impl SgdMomentum {
    /// Errors if the learning rate or the momentum is out of range.
    pub fn validate(&self) -> Result<()> {
        check_learning_rate(self.learning_rate)?;
        check_rate("momentum", self.momentum)
    }
}

impl RmsProp {
    /// Errors if the learning rate, decay rate or epsilon is out of range.
    pub fn validate(&self) -> Result<()> {
        check_learning_rate(self.learning_rate)?;
        check_rate("decay_rate", self.decay_rate)?;
        check_epsilon(self.epsilon)
    }
}

impl Adam {
    /// Errors if the learning rate, a beta or epsilon is out of range.
    pub fn validate(&self) -> Result<()> {
        check_learning_rate(self.learning_rate)?;
        check_rate("beta1", self.beta1)?;
        check_rate("beta2", self.beta2)?;
        check_epsilon(self.epsilon)
    }
}

/// `w -= learning_rate · dw`. `w` and `dw` have the same number of elements (any shape, flattened).
pub fn sgd<F: Float>(w: &mut [F], dw: &[F], config: &Sgd) -> Result<()> {
    config.validate()?;
    check_len("sgd", "dw", w.len(), dw.len())?;
    let lr = F::of(config.learning_rate);
    for (w, &dw) in w.iter_mut().zip(dw) {
        *w -= lr * dw;
    }
    Ok(())
}

/// `v = momentum · v − learning_rate · dw; w += v`. `velocity` starts at zero and has as many
/// elements as `w`.
pub fn sgd_momentum<F: Float>(
    w: &mut [F],
    dw: &[F],
    config: &SgdMomentum,
    velocity: &mut [F],
) -> Result<()> {
    config.validate()?;
    check_len("sgd_momentum", "dw", w.len(), dw.len())?;
    check_len("sgd_momentum", "the velocity", w.len(), velocity.len())?;
    let (lr, mu) = (F::of(config.learning_rate), F::of(config.momentum));
    for ((w, &dw), v) in w.iter_mut().zip(dw).zip(velocity) {
        *v = mu * *v - lr * dw;
        *w += *v;
    }
    Ok(())
}

/// `cache = decay_rate · cache + (1 − decay_rate) · dw²; w −= learning_rate · dw / (√cache + epsilon)`.
/// `cache` starts at zero and has as many elements as `w`.
pub fn rmsprop<F: Float>(w: &mut [F], dw: &[F], config: &RmsProp, cache: &mut [F]) -> Result<()> {
    config.validate()?;
    check_len("rmsprop", "dw", w.len(), dw.len())?;
    check_len("rmsprop", "the cache", w.len(), cache.len())?;
    let lr = F::of(config.learning_rate);
    let (decay, keep) = (F::of(config.decay_rate), F::of(1.0 - config.decay_rate));
    let eps = F::of(config.epsilon);
    for ((w, &dw), c) in w.iter_mut().zip(dw).zip(cache) {
        *c = decay * *c + keep * dw * dw;
        *w -= lr * dw / (c.sqrt() + eps);
    }
    Ok(())
}

/// Adam with bias correction, as in the assignment (`t` is incremented before the update).
/// The moments in `state` have as many elements as `w`.
pub fn adam<F: Float>(
    w: &mut [F],
    dw: &[F],
    config: &Adam,
    state: &mut AdamState<F>,
) -> Result<()> {
    config.validate()?;
    check_len("adam", "dw", w.len(), dw.len())?;
    check_len("adam", "m", w.len(), state.m.len())?;
    check_len("adam", "v", w.len(), state.v.len())?;
    state.t += 1;
    // powi takes an i32; beyond 2^31 steps β^t has long been 0 anyway.
    let t = state.t.min(i32::MAX as u64) as i32;
    let (b1, b2) = (F::of(config.beta1), F::of(config.beta2));
    let (one_minus_b1, one_minus_b2) = (F::of(1.0 - config.beta1), F::of(1.0 - config.beta2));
    let correct1 = F::of(1.0 - config.beta1.powi(t));
    let correct2 = F::of(1.0 - config.beta2.powi(t));
    let (lr, eps) = (F::of(config.learning_rate), F::of(config.epsilon));
    for (((w, &dw), m), v) in w.iter_mut().zip(dw).zip(&mut state.m).zip(&mut state.v) {
        *m = b1 * *m + one_minus_b1 * dw;
        let mt = *m / correct1;
        *v = b2 * *v + one_minus_b2 * (dw * dw);
        let vt = *v / correct2;
        *w -= lr * mt / (vt.sqrt() + eps);
    }
    Ok(())
}

/// One of the four update rules with its hyperparameters.
///
/// In JSON (serde) the rule is named by a `rule` field beside its hyperparameters, any of which
/// may be left out for its default: `{"rule": "adam", "learning_rate": 0.003}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Optimizer {
    Sgd(Sgd),
    SgdMomentum(SgdMomentum),
    #[serde(rename = "rmsprop")]
    RmsProp(RmsProp),
    Adam(Adam),
}

impl Default for Optimizer {
    /// Plain SGD, the course solver's default `update_rule`.
    fn default() -> Self {
        Optimizer::Sgd(Sgd::default())
    }
}

/// What an [`Optimizer`] remembers about one parameter between steps.
#[derive(Debug, Clone, PartialEq)]
pub enum State<F> {
    /// Plain SGD remembers nothing.
    Sgd,
    SgdMomentum {
        velocity: Vec<F>,
    },
    RmsProp {
        cache: Vec<F>,
    },
    Adam(AdamState<F>),
}

impl Optimizer {
    /// The rule's name as the course spells it: `sgd`, `sgd_momentum`, `rmsprop`, `adam`.
    pub fn name(&self) -> &'static str {
        match self {
            Optimizer::Sgd(_) => "sgd",
            Optimizer::SgdMomentum(_) => "sgd_momentum",
            Optimizer::RmsProp(_) => "rmsprop",
            Optimizer::Adam(_) => "adam",
        }
    }

    /// The current learning rate.
    pub fn learning_rate(&self) -> f64 {
        match self {
            Optimizer::Sgd(c) => c.learning_rate,
            Optimizer::SgdMomentum(c) => c.learning_rate,
            Optimizer::RmsProp(c) => c.learning_rate,
            Optimizer::Adam(c) => c.learning_rate,
        }
    }

    /// Replaces the learning rate (the solver decays it after each epoch). Checked at the next update.
    pub fn set_learning_rate(&mut self, learning_rate: f64) {
        match self {
            Optimizer::Sgd(c) => c.learning_rate = learning_rate,
            Optimizer::SgdMomentum(c) => c.learning_rate = learning_rate,
            Optimizer::RmsProp(c) => c.learning_rate = learning_rate,
            Optimizer::Adam(c) => c.learning_rate = learning_rate,
        }
    }

    /// Errors if any hyperparameter is NaN or out of its range.
    pub fn validate(&self) -> Result<()> {
        match self {
            Optimizer::Sgd(c) => c.validate(),
            Optimizer::SgdMomentum(c) => c.validate(),
            Optimizer::RmsProp(c) => c.validate(),
            Optimizer::Adam(c) => c.validate(),
        }
    }

    /// A fresh (all-zero) state for a parameter of `len` elements.
    pub fn state<F: Float>(&self, len: usize) -> State<F> {
        match self {
            Optimizer::Sgd(_) => State::Sgd,
            Optimizer::SgdMomentum(_) => State::SgdMomentum {
                velocity: vec![F::zero(); len],
            },
            Optimizer::RmsProp(_) => State::RmsProp {
                cache: vec![F::zero(); len],
            },
            Optimizer::Adam(_) => State::Adam(AdamState::new(len)),
        }
    }

    /// Updates `w` in place from its gradient `dw` (same number of elements, any shape, flattened).
    /// `state` must come from [`Optimizer::state`] of the same rule.
    pub fn update<F: Float>(&self, w: &mut [F], dw: &[F], state: &mut State<F>) -> Result<()> {
        match (self, state) {
            (Optimizer::Sgd(c), State::Sgd) => sgd(w, dw, c),
            (Optimizer::SgdMomentum(c), State::SgdMomentum { velocity }) => {
                sgd_momentum(w, dw, c, velocity)
            }
            (Optimizer::RmsProp(c), State::RmsProp { cache }) => rmsprop(w, dw, c, cache),
            (Optimizer::Adam(c), State::Adam(s)) => adam(w, dw, c, s),
            (opt, state) => Err(Error::invalid(
                Message::new("layers.optim.wrong_state")
                    .arg("optimizer", opt.name())
                    .arg(
                        "state",
                        match state {
                            State::Sgd => "sgd",
                            State::SgdMomentum { .. } => "sgd_momentum",
                            State::RmsProp { .. } => "rmsprop",
                            State::Adam(_) => "adam",
                        },
                    ),
            )),
        }
    }
}

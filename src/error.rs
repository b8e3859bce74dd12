//! The one error type of the engine.
//!
//! Every function that takes input a user controls (shapes, labels, hyperparameters, files) returns
//! `Result<_, Error>`; the engine panics only when one of its own invariants breaks. Messages are
//! written for a student: they name the offending values and, where there is one, the fix.

use thiserror::Error as ThisError;

/// Everything that can go wrong in the engine, with messages meant for people.
#[derive(Debug, Clone, PartialEq, ThisError)]
pub enum Error {
    /// Two arrays that must agree do not, e.g. x has 3 channels and w expects 1.
    #[error("shape mismatch in {context}: expected {expected}, got {got}")]
    ShapeMismatch {
        context: String,
        expected: String,
        got: String,
    },

    /// `(W − F + 2P)/S + 1` is not a whole number.
    #[error("{axis}: ({input} − {filter} + 2·{pad})/{stride} + 1 = {value:.2} is not a whole number: {suggestion}")]
    NotWhole {
        axis: &'static str,
        input: usize,
        filter: usize,
        pad: usize,
        stride: usize,
        value: f64,
        suggestion: String,
    },

    /// The filter does not fit in the padded input.
    #[error("{axis}: a filter of size {filter} does not fit in an input of size {input} padded by {pad} on each side ({padded} in all)")]
    FilterTooLarge {
        axis: &'static str,
        input: usize,
        filter: usize,
        pad: usize,
        padded: usize,
    },

    /// A pool window larger than its input (a pool layer has no padding).
    #[error("{axis}: a pool window of size {window} does not fit in an input of size {input}")]
    WindowTooLarge {
        axis: &'static str,
        input: usize,
        window: usize,
    },

    /// A size, stride or count that must be positive is zero.
    #[error("{what} must be at least 1, got 0")]
    Zero { what: String },

    /// A batch with no examples.
    #[error("{context}: the batch is empty (N = 0)")]
    EmptyBatch { context: String },

    /// A class label outside `0..classes`.
    #[error("label {label} at position {index} is out of range: there are {classes} classes (0 to {max})", max = .classes.saturating_sub(1))]
    LabelOutOfRange {
        label: usize,
        index: usize,
        classes: usize,
    },

    /// A hyperparameter that is NaN, infinite, negative or otherwise unusable.
    #[error("{name} = {value} is not allowed: {reason}")]
    InvalidHyperparameter {
        name: String,
        value: f64,
        reason: String,
    },

    /// Any other input the engine cannot use; the message says why.
    #[error("{0}")]
    InvalidInput(String),

    /// A saved model that cannot be loaded; the message says what is wrong with it.
    #[error("cannot load the model: {0}")]
    ModelFile(String),

    /// A request that would make the engine hold more memory than its budget
    /// ([`crate::budget::MAX_BYTES`]); nothing was allocated.
    #[error("{what} would need {needed}; the engine's limit is {limit}", needed = crate::budget::bytes_text(*.needed), limit = crate::budget::bytes_text(*.limit as u128))]
    OverBudget {
        /// What would have been allocated, with its dimensions where there is one array.
        what: String,
        /// Bytes it would need (exact; never wrapped).
        needed: u128,
        /// The budget in bytes.
        limit: u64,
    },

    /// A training step that would take more multiply-adds than the engine allows one step
    /// ([`crate::budget::MAX_STEP_MULTIPLY_ADDS`]), so that a step never runs for minutes.
    #[error("{what} would take {needed} multiply-adds per step; the engine's limit is {limit}, which takes a few seconds in a browser: {fix}", needed = crate::budget::count_text(*.needed), limit = crate::budget::count_text(*.limit as u128))]
    TooMuchWork {
        /// The step, up to the layer at which it passes the limit.
        what: String,
        needed: u128,
        limit: u64,
        /// What to change.
        fix: String,
    },

    /// Training produced a NaN or infinite loss.
    #[error("training diverged at iteration {iteration}: the loss is {loss}. Try a lower learning rate (for example {suggested_lr:e})")]
    Diverged {
        iteration: usize,
        loss: f64,
        suggested_lr: f64,
    },

    /// The loss is NaN or infinite on the first minibatch, before any update: the learning rate
    /// cannot be the cause; `cause` names what is (the starting weights' scale, or the
    /// regularization) and what to change.
    #[error("training diverged at iteration 1: the loss is {loss} before any update, so the learning rate is not the cause: {cause}")]
    DivergedAtStart { loss: f64, cause: String },
}

/// Shorthand for results of the engine.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// A [`Error::ShapeMismatch`] from anything printable.
    pub fn shape(
        context: impl Into<String>,
        expected: impl std::fmt::Display,
        got: impl std::fmt::Display,
    ) -> Self {
        Error::ShapeMismatch {
            context: context.into(),
            expected: expected.to_string(),
            got: got.to_string(),
        }
    }
}

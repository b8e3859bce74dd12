//! The one error type of the engine.
//!
//! Every function that takes input a user controls (shapes, labels, hyperparameters, files) returns
//! `Result<_, Error>`; the engine panics only when one of its own invariants breaks. Messages are
//! written for a student: they name the offending values and, where there is one, the fix.
//!
//! Each error is a kind with its values; its words come from the catalogs of [`crate::i18n`]
//! ([`Error::message`], [`Error::text`]), so the page can show it in English or Korean. `Display`
//! is the English text.

use crate::i18n::{Lang, Message};

/// Everything that can go wrong in the engine, with messages meant for people.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// Two arrays that must agree do not, e.g. x has 3 channels and w expects 1.
    ShapeMismatch {
        context: Message,
        expected: String,
        got: String,
    },

    /// `(W − F + 2P)/S + 1` is not a whole number.
    NotWhole {
        axis: &'static str,
        input: usize,
        filter: usize,
        pad: usize,
        stride: usize,
        value: f64,
        suggestion: Message,
    },

    /// The filter does not fit in the padded input.
    FilterTooLarge {
        axis: &'static str,
        input: usize,
        filter: usize,
        pad: usize,
        padded: usize,
    },

    /// A pool window larger than its input (a pool layer has no padding).
    WindowTooLarge {
        axis: &'static str,
        input: usize,
        window: usize,
    },

    /// A size, stride or count that must be positive is zero.
    Zero { what: Message },

    /// A batch with no examples.
    EmptyBatch { context: Message },

    /// A class label outside `0..classes`.
    LabelOutOfRange {
        label: usize,
        index: usize,
        classes: usize,
    },

    /// A hyperparameter that is NaN, infinite, negative or otherwise unusable.
    InvalidHyperparameter {
        name: String,
        value: f64,
        reason: Message,
    },

    /// Any other input the engine cannot use; the message says why.
    InvalidInput(Message),

    /// A saved model that cannot be loaded; the message says what is wrong with it.
    ModelFile(Message),

    /// A request that would make the engine hold more memory than its budget
    /// ([`crate::budget::MAX_BYTES`]); nothing was allocated.
    OverBudget {
        /// What would have been allocated, with its dimensions where there is one array.
        what: Message,
        /// Bytes it would need (exact; never wrapped).
        needed: u128,
        /// The budget in bytes.
        limit: u64,
    },

    /// A training step that would take more multiply-adds than the engine allows one step
    /// ([`crate::budget::MAX_STEP_MULTIPLY_ADDS`]), so that a step never runs for minutes.
    TooMuchWork {
        /// The step, up to the layer at which it passes the limit.
        what: Message,
        needed: u128,
        limit: u64,
        /// What to change.
        fix: Message,
    },

    /// Training produced a NaN or infinite loss.
    Diverged {
        iteration: usize,
        loss: f64,
        suggested_lr: f64,
    },

    /// The loss is NaN or infinite on the first minibatch, before any update: the learning rate
    /// cannot be the cause; `cause` names what is (the starting weights' scale, or the
    /// regularization) and what to change.
    DivergedAtStart { loss: f64, cause: Message },
}

/// Shorthand for results of the engine.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// A [`Error::ShapeMismatch`]; `expected` and `got` are shapes or counts, written the same in
    /// every language.
    pub fn shape(
        context: impl Into<Message>,
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

impl Error {
    /// An [`Error::InvalidInput`] with `message`.
    pub fn invalid(message: impl Into<Message>) -> Self {
        Error::InvalidInput(message.into())
    }

    /// The error's message: its kind's catalog key with its values.
    pub fn message(&self) -> Message {
        use crate::budget::{bytes_text, count_text};
        match self {
            Error::ShapeMismatch {
                context,
                expected,
                got,
            } => Message::new("error.shape_mismatch")
                .nested("context", context.clone())
                .arg("expected", expected)
                .arg("got", got),
            Error::NotWhole {
                axis,
                input,
                filter,
                pad,
                stride,
                value,
                suggestion,
            } => Message::new("error.not_whole")
                .nested("axis", crate::shapes::axis_message(axis))
                .arg("input", input)
                .arg("filter", filter)
                .arg("pad", pad)
                .arg("stride", stride)
                .arg("value", format!("{value:.2}"))
                .nested("suggestion", suggestion.clone()),
            Error::FilterTooLarge {
                axis,
                input,
                filter,
                pad,
                padded,
            } => Message::new("error.filter_too_large")
                .nested("axis", crate::shapes::axis_message(axis))
                .arg("input", input)
                .arg("filter", filter)
                .arg("pad", pad)
                .arg("padded", padded),
            Error::WindowTooLarge {
                axis,
                input,
                window,
            } => Message::new("error.window_too_large")
                .nested("axis", crate::shapes::axis_message(axis))
                .arg("input", input)
                .arg("window", window),
            Error::Zero { what } => Message::new("error.zero").nested("what", what.clone()),
            Error::EmptyBatch { context } => {
                Message::new("error.empty_batch").nested("context", context.clone())
            }
            Error::LabelOutOfRange {
                label,
                index,
                classes,
            } => Message::new("error.label_out_of_range")
                .arg("label", label)
                .arg("index", index)
                .arg("classes", classes)
                .arg("max", classes.saturating_sub(1)),
            Error::InvalidHyperparameter {
                name,
                value,
                reason,
            } => Message::new("error.invalid_hyperparameter")
                .arg("name", name)
                .arg("value", value)
                .nested("reason", reason.clone()),
            Error::InvalidInput(m) => m.clone(),
            Error::ModelFile(m) => Message::new("error.model_file").nested("why", m.clone()),
            Error::OverBudget {
                what,
                needed,
                limit,
            } => Message::new("error.over_budget")
                .nested("what", what.clone())
                .arg("needed", bytes_text(*needed))
                .arg("limit", bytes_text(*limit as u128)),
            Error::TooMuchWork {
                what,
                needed,
                limit,
                fix,
            } => Message::new("error.too_much_work")
                .nested("what", what.clone())
                .arg("needed", count_text(*needed))
                .arg("limit", count_text(*limit as u128))
                .nested("fix", fix.clone()),
            Error::Diverged {
                iteration,
                loss,
                suggested_lr,
            } => Message::new("error.diverged")
                .arg("iteration", iteration)
                .arg("loss", loss)
                .arg("suggested_lr", format!("{suggested_lr:e}")),
            Error::DivergedAtStart { loss, cause } => Message::new("error.diverged_at_start")
                .arg("loss", loss)
                .nested("cause", cause.clone()),
        }
    }

    /// The error in `lang`, as the page shows it.
    pub fn text(&self, lang: Lang) -> String {
        self.message().text(lang)
    }
}

impl std::fmt::Display for Error {
    /// The English text.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text(Lang::En))
    }
}

impl std::error::Error for Error {}

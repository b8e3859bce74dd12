//! The two classification losses of the course, both averaged over the N examples.
//!
//! - softmax (cross-entropy): L = −(1/N) Σ_i log( e^{s_{i,y_i}} / Σ_j e^{s_{i,j}} );
//!   its gradient is (softmax(s) − onehot(y)) / N.
//! - multiclass SVM (hinge, margin 1): L = (1/N) Σ_i Σ_{j≠y_i} max(0, s_{i,j} − s_{i,y_i} + 1).
//!
//! scores are `(N, C)` (C classes), labels `y` are N class indices in `0..C`.
//!
//! Non-finite scores: neither loss has a meaning for a NaN or infinite score, and a finite loss
//! from one would hide it (the hinge used to skip a NaN margin and report 2). The rule is that a
//! batch with any NaN or infinite score has the loss NaN — never a finite number — so that a
//! training loop sees it: the solver stops with [`crate::Error::Diverged`] and its advice on the
//! learning rate (an error from the loss instead would reach the student as a message about
//! scores, with the model left at its broken weights). Code that wants the position of the bad
//! score calls [`check_scores`] first,
//! which refuses it with a message: "softmax loss: the score at (3, 1) is NaN: the scores must
//! be finite numbers".
//!
//! ```
//! use cnn_playground::layers::softmax_loss;
//! use ndarray::Array2;
//! // With all scores equal, the loss is ln C.
//! let (loss, _dscores) = softmax_loss(&Array2::<f64>::zeros((4, 10)), &[0, 1, 2, 3]).unwrap();
//! assert!((loss - 10f64.ln()).abs() < 1e-12);
//! ```

use crate::error::{Error, Result};
use crate::float::Float;
use crate::i18n::Message;
use ndarray::Array2;

/// Checks that there is at least one example and one class, one label per example, and every
/// label is a class.
fn check_labels<F: Float>(context: &'static str, scores: &Array2<F>, y: &[usize]) -> Result<()> {
    let (n, classes) = scores.dim();
    if n == 0 {
        return Err(Error::EmptyBatch {
            context: Message::new(context),
        });
    }
    if classes == 0 {
        return Err(Error::Zero {
            what: Message::new("layers.context.classes_c").nested("context", Message::new(context)),
        });
    }
    if y.len() != n {
        return Err(Error::shape(
            Message::new("layers.context.labels").nested("context", Message::new(context)),
            format!("{n} labels"),
            format!("{} labels", y.len()),
        ));
    }
    if let Some((index, &label)) = y.iter().enumerate().find(|(_, &l)| l >= classes) {
        return Err(Error::LabelOutOfRange {
            label,
            index,
            classes,
        });
    }
    Ok(())
}

/// Refuses scores `(N, C)` with a NaN or infinite entry, naming the first in row-major order
/// (`context` starts the message, e.g. "softmax loss").
///
/// ```
/// use cnn_playground::layers::check_scores;
/// use ndarray::array;
/// let scores = array![[0.0, 1.0], [f64::NAN, 2.0]];
/// assert_eq!(
///     check_scores("softmax loss", &scores).unwrap_err().to_string(),
///     "softmax loss: the score at (1, 0) is NaN: the scores must be finite numbers"
/// );
/// ```
pub fn check_scores<F: Float>(context: &str, scores: &Array2<F>) -> Result<()> {
    match scores.indexed_iter().find(|(_, v)| !v.is_finite()) {
        Some(((i, j), v)) => Err(Error::invalid(
            Message::new("layers.context.not_finite")
                .arg("context", context)
                .arg("i", i)
                .arg("j", j)
                .arg("value", v.as_f64()),
        )),
        None => Ok(()),
    }
}

/// The loss, or NaN if any score is not finite (see the module's note).
fn finite_or_nan<F: Float>(scores: &Array2<F>, loss: F) -> F {
    if scores.iter().all(|v| v.is_finite()) {
        loss
    } else {
        F::nan()
    }
}

/// Softmax (cross-entropy) loss and its gradient.
///
/// - scores: `(N, C)`
/// - y: N labels in `0..C`
///
/// Returns `(loss, dscores)` with dscores `(N, C)`. A NaN or infinite score makes the loss NaN
/// (see the module's note; [`check_scores`] names the score).
///
/// Errors: no examples, no classes (C = 0), a label count that is not N, a label outside `0..C`.
pub fn softmax_loss<F: Float>(scores: &Array2<F>, y: &[usize]) -> Result<(F, Array2<F>)> {
    check_labels("layers.call.softmax_loss", scores, y)?;
    let n = F::of(y.len() as f64);
    let mut loss = F::zero();
    let mut dscores = Array2::zeros(scores.raw_dim());
    for ((row, mut drow), &label) in scores.rows().into_iter().zip(dscores.rows_mut()).zip(y) {
        // Shift by the row maximum so exp never overflows; the softmax is unchanged.
        let max = row.fold(F::neg_infinity(), |m, &v| m.max(v));
        let sum: F = row.iter().map(|&v| (v - max).exp()).sum();
        let log_sum = sum.ln();
        loss -= row[label] - max - log_sum;
        for (d, &v) in drow.iter_mut().zip(row) {
            *d = (v - max - log_sum).exp() / n;
        }
        drow[label] -= F::one() / n;
    }
    Ok((finite_or_nan(scores, loss / n), dscores))
}

/// Multiclass SVM (hinge) loss with margin 1, and its gradient.
///
/// - scores: `(N, C)`
/// - y: N labels in `0..C`
///
/// Returns `(loss, dscores)` with dscores `(N, C)`. A NaN or infinite score makes the loss NaN
/// (see the module's note; [`check_scores`] names the score).
///
/// Errors: as [`softmax_loss`]'s.
pub fn svm_loss<F: Float>(scores: &Array2<F>, y: &[usize]) -> Result<(F, Array2<F>)> {
    check_labels("layers.call.svm_loss", scores, y)?;
    let n = F::of(y.len() as f64);
    let mut loss = F::zero();
    let mut dscores = Array2::zeros(scores.raw_dim());
    for ((row, mut drow), &label) in scores.rows().into_iter().zip(dscores.rows_mut()).zip(y) {
        let correct = row[label];
        for (j, &s) in row.iter().enumerate() {
            let margin = s - correct + F::one();
            if j != label && margin > F::zero() {
                loss += margin;
                drow[j] += F::one() / n;
                drow[label] -= F::one() / n;
            }
        }
    }
    Ok((finite_or_nan(scores, loss / n), dscores))
}

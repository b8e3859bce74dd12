//! The engine's one memory budget.
//!
//! Every size that a user, a link or a file controls — a batch, a pad, a filter count, a dataset,
//! the numbers in a model file — goes through this module before the engine allocates anything for
//! it. Counts are multiplied in `u128`, which never overflows for the up to four `usize` factors an
//! array has here, and compared with [`MAX_BYTES`]; a request over the budget is an
//! [`Error::OverBudget`] that says what it would need and what the limit is, so a student reads
//! "would need 1.5 GiB; the engine's limit is 1 GiB" instead of a browser tab that runs out of
//! memory.
//!
//! The budget is per request (one layer call, one dataset, one file), not a running total of the
//! process: the page keeps a few such objects alive, and 1 GiB each stays well inside what a
//! browser gives a WebAssembly module (4 GiB at most).
//!
//! ```
//! use cnn_playground::budget::{self, Tally};
//! // A 4×4 image padded by 10 000 with a 3×3 filter: a 20 002 × 20 002 output.
//! let err = budget::check::<f32>("the conv output", &[1, 1, 20_002, 20_002]).unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "the conv output (1×1×20002×20002 values) would need 1.49 GiB; the engine's limit is 1 GiB"
//! );
//! // Several arrays of one request add up:
//! let mut tally = Tally::new("conv forward");
//! tally.add::<f64>(&[2, 3, 9, 9]).add::<f64>(&[2, 4, 4, 4]);
//! assert_eq!(tally.bytes(), 8 * (2 * 3 * 9 * 9 + 2 * 4 * 4 * 4));
//! assert!(tally.check().is_ok());
//! ```

use crate::error::{Error, Result};
use crate::i18n::Message;

/// The most bytes one request may make the engine hold: 1 GiB.
pub const MAX_BYTES: u64 = 1 << 30;

/// The most multiply-adds one training step (forward and backward of a minibatch) may take:
/// 10 billion, a few seconds of a browser's single thread. A network beyond it is refused before
/// training, with the layer at which its step passes the limit.
pub const MAX_STEP_MULTIPLY_ADDS: u64 = 10_000_000_000;

/// The product of `dims`, exact (`u128` holds the product of any four `usize`s; past that it
/// saturates at `u128::MAX`, which is far over any budget all the same).
pub fn count(dims: &[usize]) -> u128 {
    dims.iter()
        .try_fold(1u128, |acc, &d| acc.checked_mul(d as u128))
        .unwrap_or(u128::MAX)
}

/// Bytes for `dims` values of type `T`.
pub fn bytes_of<T>(dims: &[usize]) -> u128 {
    count(dims).saturating_mul(std::mem::size_of::<T>() as u128)
}

/// Checks that an array of `dims` values of type `T` fits in the budget and returns its number of
/// values, which then fits in a `usize` too. `what` names the array in the error ("the conv
/// output"), the same in every language; [`check_named`] names it from the catalogs.
pub fn check<T>(what: &str, dims: &[usize]) -> Result<usize> {
    check_named::<T>(Message::from(what), dims)
}

/// [`check`] with the array named by a catalog message, so that the error reads in the page's
/// language.
pub fn check_named<T>(what: Message, dims: &[usize]) -> Result<usize> {
    let bytes = bytes_of::<T>(dims);
    if bytes > MAX_BYTES as u128 {
        return Err(Error::OverBudget {
            what: Message::new("layers.budget.array")
                .nested("what", what)
                .arg("dims", dims_text(dims)),
            needed: bytes,
            limit: MAX_BYTES,
        });
    }
    // At most MAX_BYTES, so it fits in any usize of 32 bits or more.
    Ok(count(dims) as usize)
}

/// The bytes of several arrays that one request needs at the same time, checked together.
#[derive(Debug, Clone)]
pub struct Tally {
    what: Message,
    bytes: u128,
}

impl Tally {
    /// An empty tally for the request `what` ("conv forward", "the training set"): a catalog
    /// message, or a text shown as it is in every language.
    pub fn new(what: impl Into<Message>) -> Self {
        Tally {
            what: what.into(),
            bytes: 0,
        }
    }

    /// Adds an array of `dims` values of type `T`.
    pub fn add<T>(&mut self, dims: &[usize]) -> &mut Self {
        self.bytes = self.bytes.saturating_add(bytes_of::<T>(dims));
        self
    }

    /// Adds a number of bytes counted elsewhere.
    pub fn add_bytes(&mut self, bytes: u128) -> &mut Self {
        self.bytes = self.bytes.saturating_add(bytes);
        self
    }

    /// The bytes added so far.
    pub fn bytes(&self) -> u128 {
        self.bytes
    }

    /// Errors with [`Error::OverBudget`] if the arrays added so far exceed [`MAX_BYTES`].
    pub fn check(&self) -> Result<()> {
        if self.bytes > MAX_BYTES as u128 {
            return Err(Error::OverBudget {
                what: self.what.clone(),
                needed: self.bytes,
                limit: MAX_BYTES,
            });
        }
        Ok(())
    }
}

/// `"1×1×20002×20002"`.
pub fn dims_text(dims: &[usize]) -> String {
    let parts: Vec<String> = dims.iter().map(|d| d.to_string()).collect();
    parts.join("×")
}

/// A count for people, in powers of ten past a million: `"950,000"`, `"1.2e10"`.
pub fn count_text(n: u128) -> String {
    if n < 1_000_000 {
        let digits = n.to_string();
        let mut out = String::new();
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(ch);
        }
        return out;
    }
    format!("{:.1e}", n as f64)
}

/// A byte count for people: `"512 bytes"`, `"3.50 MiB"`, `"1 GiB"`, `"1.49 GiB"`, and beyond
/// pebibytes in powers of ten (`"3.4e38 bytes"`), so a count never reads as a wrapped or capped
/// number.
///
/// Its words are English; [`bytes_message`] is the same count for any language.
pub fn bytes_text(bytes: u128) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64;
    for unit in UNITS {
        value /= 1024.0;
        if value < 1024.0 {
            return if value.fract() == 0.0 {
                format!("{value} {unit}")
            } else {
                format!("{value:.2} {unit}")
            };
        }
    }
    format!("{:.1e} bytes", bytes as f64)
}

/// [`bytes_text`] as a message: the number and the units (KiB, MiB …) are the same in every
/// language, "bytes" is the language's word.
pub fn bytes_message(bytes: u128) -> Message {
    if bytes < 1024 {
        return Message::new("layers.budget.bytes").arg("n", bytes);
    }
    let text = bytes_text(bytes);
    match text.strip_suffix(" bytes") {
        Some(n) => Message::new("layers.budget.bytes").arg("n", n),
        None => Message::new("layers.budget.units").arg("text", text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_with_separators_then_in_powers_of_ten() {
        assert_eq!(count_text(7), "7");
        assert_eq!(count_text(950_000), "950,000");
        assert_eq!(count_text(12_000_000_000), "1.2e10");
    }

    #[test]
    fn counts_do_not_wrap_or_saturate_below_u128() {
        assert_eq!(count(&[usize::MAX, 2]), usize::MAX as u128 * 2);
        assert_eq!(count(&[]), 1);
        assert_eq!(count(&[3, 0, usize::MAX]), 0);
        assert_eq!(
            count(&[usize::MAX, usize::MAX, usize::MAX, usize::MAX]),
            u128::MAX
        );
    }

    #[test]
    fn check_returns_the_count_or_the_needed_bytes() {
        assert_eq!(check::<f32>("x", &[2, 3, 4, 5]).unwrap(), 120);
        // Exactly the budget is allowed; one value more is not.
        let at_limit = (MAX_BYTES / 4) as usize;
        assert_eq!(check::<f32>("x", &[at_limit]).unwrap(), at_limit);
        let err = check::<f32>("x", &[at_limit + 1]).unwrap_err();
        assert_eq!(
            err,
            Error::OverBudget {
                what: Message::new("layers.budget.array")
                    .nested("what", Message::from("x"))
                    .arg("dims", at_limit + 1),
                needed: MAX_BYTES as u128 + 4,
                limit: MAX_BYTES,
            }
        );
    }

    #[test]
    fn tally_adds_and_checks() {
        let mut tally = Tally::new("the training set");
        tally.add::<f32>(&[20_000, 3, 128, 128]);
        assert_eq!(tally.bytes(), 3_932_160_000);
        assert_eq!(
            tally.check().unwrap_err().to_string(),
            "the training set would need 3.66 GiB; the engine's limit is 1 GiB"
        );
    }

    #[test]
    fn bytes_read_as_people_write_them() {
        assert_eq!(bytes_text(0), "0 bytes");
        assert_eq!(bytes_text(1023), "1023 bytes");
        assert_eq!(bytes_text(1024), "1 KiB");
        assert_eq!(bytes_text(3 * 1024 * 1024 + 512 * 1024), "3.50 MiB");
        assert_eq!(bytes_text(1 << 30), "1 GiB");
        assert_eq!(bytes_text(u128::MAX), "3.4e38 bytes");
    }
}

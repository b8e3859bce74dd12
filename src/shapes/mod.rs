//! The shape rule: the output size of conv and pool layers, `(W − F + 2P)/S + 1`, and [`Shape`],
//! the dimensions of one example's activations. [`network`] builds on them: a network
//! description as text and its walk, layer by layer.
//!
//! One function, [`output_size`], is shared by every layer, so that a configuration the page calls
//! invalid is exactly one the layers refuse. A configuration whose size is not a whole number is
//! an error that shows the arithmetic and suggests the nearest strides and pads that work.
//! [`output_hw`] and [`pool_output_hw`] check both axes and name both when both are wrong.
//!
//! The arithmetic is exact whatever the numbers (`input + 2·pad` is computed in `u128`, so a pad
//! near `usize::MAX/2` is refused with its true size instead of wrapping), and the suggestions do
//! bounded work: strides by trial division up to 2^16, pads by solving the congruence — a model
//! file that declares an input 2^31 pixels high is answered at once.
//!
//! ```
//! use cnn_playground::shapes::output_size;
//! assert_eq!(output_size("width", 7, 3, 0, 1).unwrap(), 5);
//! assert_eq!(output_size("width", 7, 3, 0, 2).unwrap(), 3);
//! let err = output_size("width", 7, 3, 0, 3).unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "width: (7 − 3 + 2·0)/3 + 1 = 2.33 is not a whole number: try stride 1 or 2, or pad 1"
//! );
//! ```
//!
//! The network format's items are re-exported here (`shapes::{walk, LayerSpec, Network, …}`), so
//! callers name the shape rule and the walk from one place.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::i18n::{Lang, Message};

pub mod network;

pub use network::{
    walk, walk_in, FcComparison, FcVsConv, KeepProbability, LayerError, LayerRow, LayerSpec,
    Network, NetworkReport, Summary, BYTES_PER_VALUE,
};

/// `(input − filter + 2·pad)/stride + 1` along one axis (`axis` names it in messages).
///
/// Errors: a zero input, filter or stride; a padded input `input + 2·pad` too large to index
/// (its true size is in the message, never a wrapped one); a filter larger than the padded input;
/// a result that is not a whole number.
pub fn output_size(
    axis: &'static str,
    input: usize,
    filter: usize,
    pad: usize,
    stride: usize,
) -> Result<usize> {
    if input == 0 {
        return Err(Error::Zero {
            what: Message::new("layers.shapes.input_axis").nested("axis", axis_message(axis)),
        });
    }
    if filter == 0 {
        return Err(Error::Zero {
            what: Message::new("layers.shapes.filter_axis").nested("axis", axis_message(axis)),
        });
    }
    if stride == 0 {
        return Err(Error::Zero {
            what: Message::new("layers.shapes.the_stride"),
        });
    }
    let padded = indexable_padded(axis, input, pad)?;
    if filter > padded {
        return Err(Error::FilterTooLarge {
            axis,
            input,
            filter,
            pad,
            padded,
        });
    }
    let span = padded - filter;
    if !span.is_multiple_of(stride) {
        return Err(Error::NotWhole {
            axis,
            input,
            filter,
            pad,
            stride,
            value: span as f64 / stride as f64 + 1.0,
            suggestion: suggest(input, filter, pad, stride),
        });
    }
    Ok(span / stride + 1)
}

/// The output height and width of a conv layer, `(H − HH + 2P)/S + 1` and `(W − WW + 2P)/S + 1`,
/// with [`output_size`]'s checks on both axes. When both are wrong, the one error names both:
/// as "height and width: …" when they are wrong in the same way (a square input and filter), else
/// as the height's message and the width's, joined by "; ".
///
/// ```
/// use cnn_playground::shapes::output_hw;
/// assert_eq!(output_hw((7, 9), (3, 3), 0, 2).unwrap(), (3, 4));
/// assert_eq!(
///     output_hw((7, 7), (3, 3), 0, 3).unwrap_err().to_string(),
///     "height and width: (7 − 3 + 2·0)/3 + 1 = 2.33 is not a whole number: try stride 1 or 2, or pad 1"
/// );
/// ```
pub fn output_hw(
    (h, w): (usize, usize),
    (hh, ww): (usize, usize),
    pad: usize,
    stride: usize,
) -> Result<(usize, usize)> {
    both_axes((h, hh), (w, ww), |axis, input, filter| {
        output_size(axis, input, filter, pad, stride)
    })
}

/// The output size of a pooling window along one axis, `(input − window)/stride + 1` (a pool
/// layer has no padding). Errors as [`output_size`]'s, in the words of a pool: a zero window, a
/// window larger than the input ([`Error::WindowTooLarge`]), and a size that is not whole, whose
/// message suggests strides only.
///
/// ```
/// use cnn_playground::shapes::pool_output_size;
/// assert_eq!(pool_output_size("height", 8, 2, 2).unwrap(), 4);
/// assert_eq!(
///     pool_output_size("height", 4, 5, 1).unwrap_err().to_string(),
///     "height: a pool window of size 5 does not fit in an input of size 4"
/// );
/// ```
pub fn pool_output_size(
    axis: &'static str,
    input: usize,
    window: usize,
    stride: usize,
) -> Result<usize> {
    if input == 0 {
        return Err(Error::Zero {
            what: Message::new("layers.shapes.input_axis").nested("axis", axis_message(axis)),
        });
    }
    if window == 0 {
        return Err(Error::Zero {
            what: Message::new("layers.shapes.pool_window_axis").nested("axis", axis_message(axis)),
        });
    }
    if stride == 0 {
        return Err(Error::Zero {
            what: Message::new("layers.shapes.the_stride"),
        });
    }
    if window > input {
        return Err(Error::WindowTooLarge {
            axis,
            input,
            window,
        });
    }
    let span = input - window;
    if !span.is_multiple_of(stride) {
        return Err(Error::NotWhole {
            axis,
            input,
            filter: window,
            pad: 0,
            stride,
            value: span as f64 / stride as f64 + 1.0,
            suggestion: suggest_for(input, window, 0, stride, false),
        });
    }
    Ok(span / stride + 1)
}

/// The output height and width of max pooling, [`pool_output_size`] on both axes; an error names
/// both axes when both are wrong (see [`output_hw`]).
pub fn pool_output_hw(
    (h, w): (usize, usize),
    (pool_height, pool_width): (usize, usize),
    stride: usize,
) -> Result<(usize, usize)> {
    both_axes((h, pool_height), (w, pool_width), |axis, input, window| {
        pool_output_size(axis, input, window, stride)
    })
}

/// Runs `size(axis, input, filter)` for the height and the width, and names both axes in the
/// error when both fail.
fn both_axes(
    (h, hh): (usize, usize),
    (w, ww): (usize, usize),
    size: impl Fn(&'static str, usize, usize) -> Result<usize>,
) -> Result<(usize, usize)> {
    if (h, hh) == (w, ww) {
        // Both axes give the same answer, right or wrong: say it once, for both.
        let n = size("height and width", h, hh)?;
        return Ok((n, n));
    }
    match (size("height", h, hh), size("width", w, ww)) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (Err(e), Ok(_)) | (Ok(_), Err(e)) => Err(e),
        // A zero stride is not an axis's fault: the same error twice.
        (Err(a), Err(b)) if a == b => Err(a),
        // The same fault on both axes but for the axis name (a zero window of a non-square
        // input): said once, for both.
        (Err(a), Err(b)) if a.to_string().replace("height", "width") == b.to_string() => {
            match size("height and width", h, hh) {
                Err(both) => Err(both),
                Ok(_) => Err(a),
            }
        }
        (Err(a), Err(b)) => Err(Error::invalid(
            Message::new("layers.shapes.both_axes")
                .nested("height", a.message())
                .nested("width", b.message()),
        )),
    }
}

/// `input + 2·pad`, exact (in `u128`, so it never wraps).
fn padded_size(input: usize, pad: usize) -> u128 {
    input as u128 + 2 * pad as u128
}

/// `input + 2·pad` as an index, or an error with the true size if that is beyond `usize`.
fn indexable_padded(axis: &str, input: usize, pad: usize) -> Result<usize> {
    let padded = padded_size(input, pad);
    usize::try_from(padded).map_err(|_| {
        Error::invalid(
            Message::new("layers.shapes.pad_too_large")
                .nested("axis", axis_message(axis))
                .arg("pad", pad)
                .arg("input", input)
                .arg("padded", padded)
                .arg("max", usize::MAX),
        )
    })
}

/// How far [`valid_strides`] looks for divisors: every divisor of a span below 2^32 (far beyond
/// any image) is found; of a larger span, the divisors up to 2^16 and their cofactors. This keeps
/// the work bounded (at most 65 536 trial divisions) even for a span of 2^63 from a crafted file.
const DIVISOR_SEARCH: u64 = 1 << 16;

/// How many pads [`valid_pads`] lists at most.
pub const MAX_LISTED_PADS: usize = 256;

/// The strides that work with the given pad: the divisors of `input − filter + 2·pad`, in
/// increasing order. For a span of 2^32 or more (no image is that large, but a file can claim
/// one) only the divisors up to 2^16 and their cofactors are listed, so the work stays bounded.
/// If the filter covers the padded input exactly, every stride gives one output and the list is
/// `[1]`; if no stride works (the filter does not fit, or a size is zero), it is empty.
///
/// ```
/// use cnn_playground::shapes::valid_strides;
/// assert_eq!(valid_strides(7, 3, 0), vec![1, 2, 4]);
/// assert_eq!(valid_strides(2, 5, 0), Vec::<usize>::new());
/// ```
pub fn valid_strides(input: usize, filter: usize, pad: usize) -> Vec<usize> {
    let padded = padded_size(input, pad);
    if input == 0 || filter == 0 || filter as u128 > padded || padded > usize::MAX as u128 {
        return Vec::new();
    }
    let span = padded as u64 - filter as u64;
    if span == 0 {
        // The filter covers the padded input exactly: one output, whatever the stride.
        return vec![1];
    }
    let mut small = Vec::new();
    let mut large = Vec::new();
    let mut d: u64 = 1;
    while d <= DIVISOR_SEARCH && d.saturating_mul(d) <= span {
        if span.is_multiple_of(d) {
            small.push(d as usize);
            if d * d != span {
                large.push((span / d) as usize);
            }
        }
        d += 1;
    }
    small.extend(large.into_iter().rev());
    small
}

/// The pads below `filter` (so the window still overlaps the image) that make `stride` valid, in
/// increasing order, at most [`MAX_LISTED_PADS`] of them. Found by arithmetic, not by trying
/// every pad, so a huge filter costs no time.
///
/// ```
/// use cnn_playground::shapes::valid_pads;
/// assert_eq!(valid_pads(7, 3, 3), vec![1]);
/// assert_eq!(valid_pads(8, 5, 1), vec![0, 1, 2, 3, 4]);
/// // 4 − 5 + 2·pad is odd for every pad: no pad works at stride 2.
/// assert_eq!(valid_pads(4, 5, 2), Vec::<usize>::new());
/// ```
pub fn valid_pads(input: usize, filter: usize, stride: usize) -> Vec<usize> {
    match PadProgression::new(input, filter, stride) {
        Some(p) => (0..MAX_LISTED_PADS as u128)
            .map(|k| p.first + k * p.period)
            .take_while(|&pad| pad <= p.last)
            .map(|pad| pad as usize)
            .collect(),
        None => Vec::new(),
    }
}

/// The pads that make `stride` valid form an arithmetic progression `first, first + period, …,
/// last` (every pad with `input − filter + 2·pad ≡ 0 (mod stride)`, the filter fitting, below
/// `filter`, and the padded input indexable).
#[derive(Debug, Clone, Copy)]
struct PadProgression {
    first: u128,
    period: u128,
    last: u128,
}

impl PadProgression {
    fn new(input: usize, filter: usize, stride: usize) -> Option<Self> {
        if input == 0 || filter == 0 || stride == 0 {
            return None;
        }
        let (input, filter, s) = (input as u128, filter as u128, stride as u128);
        // Solve 2·pad ≡ filter − input (mod s).
        let r = (filter + s - input % s) % s;
        let (residue, period) = if s % 2 == 1 {
            // 2 has the inverse (s + 1)/2 modulo an odd s.
            (r * s.div_ceil(2) % s, s)
        } else if r % 2 == 0 {
            (r / 2, s / 2)
        } else {
            return None;
        };
        // The filter fits from pad ⌈(filter − input)/2⌉ on; below `filter`; indexable.
        let lowest = filter.saturating_sub(input).div_ceil(2);
        let highest = (filter - 1).min((usize::MAX as u128 - input) / 2);
        let first = lowest + (residue + period - lowest % period) % period;
        if first > highest {
            return None;
        }
        let last = first + (highest - first) / period * period;
        Some(PadProgression {
            first,
            period,
            last,
        })
    }

    /// The pad of the progression nearest to `pad` (the smaller one on a tie).
    fn nearest(&self, pad: usize) -> usize {
        let pad = pad as u128;
        if pad <= self.first {
            return self.first as usize;
        }
        let below = (self.first + (pad - self.first) / self.period * self.period).min(self.last);
        let above = below + self.period;
        let best = if above <= self.last && above - pad < pad - below {
            above
        } else {
            below
        };
        best as usize
    }
}

/// "try stride 1 or 2, or pad 1": the (up to two) largest valid strides below `stride` — or, if
/// none is smaller, the smallest above it — and the pad nearest to `pad` that works with `stride`.
fn suggest(input: usize, filter: usize, pad: usize, stride: usize) -> Message {
    suggest_for(input, filter, pad, stride, true)
}

/// [`suggest`], leaving pads out where the layer has none (max pool).
fn suggest_for(input: usize, filter: usize, pad: usize, stride: usize, padding: bool) -> Message {
    let valid = valid_strides(input, filter, pad);
    let below: Vec<usize> = valid.iter().copied().filter(|&s| s < stride).collect();
    let strides: Vec<usize> = if below.is_empty() {
        valid
            .iter()
            .copied()
            .filter(|&s| s > stride)
            .take(2)
            .collect()
    } else {
        below[below.len().saturating_sub(2)..].to_vec()
    };
    let nearest_pad = if padding {
        PadProgression::new(input, filter, stride).map(|p| p.nearest(pad))
    } else {
        None
    };
    // At most two strides: "1", or "1 or 2".
    let strides = match strides[..] {
        [] => None,
        [s] => Some(Message::new("layers.shapes.one").arg("a", s)),
        [a, b, ..] => Some(Message::new("layers.shapes.either").arg("a", a).arg("b", b)),
    };
    match (strides, nearest_pad) {
        (Some(s), Some(p)) => Message::new("layers.shapes.try_stride_or_pad")
            .nested("strides", s)
            .arg("pad", p),
        (Some(s), None) => Message::new("layers.shapes.try_stride").nested("strides", s),
        (None, Some(p)) => Message::new("layers.shapes.try_pad").arg("pad", p),
        (None, None) if padding => Message::new("layers.shapes.no_fit_filter"),
        (None, None) => Message::new("layers.shapes.no_fit_window"),
    }
}

/// The message of an axis name ("height", "width", "height and width"), as the errors name it.
pub(crate) fn axis_message(axis: &str) -> Message {
    Message::new(match axis {
        "height" => "axis.height",
        "width" => "axis.width",
        "height and width" => "axis.both",
        "depth" => "layers.shapes.depth",
        _ => "axis.size",
    })
}

/// The arithmetic of [`output_size`] written out with the numbers filled in, as the page shows it:
/// `"(7 − 3 + 2·0)/1 + 1 = 5"`, or `"(7 − 3 + 2·0)/3 + 1 = 2.33"` when it is not whole.
///
/// The caller checks validity with [`output_size`]; this only renders the formula (with exact
/// arithmetic, whatever the numbers). A filter larger than the padded input or a zero stride has
/// no value, and says so.
///
/// ```
/// use cnn_playground::shapes::formula;
/// assert_eq!(formula(4, 3, 1, 1), "(4 − 3 + 2·1)/1 + 1 = 4");
/// assert_eq!(formula(7, 3, 0, 3), "(7 − 3 + 2·0)/3 + 1 = 2.33");
/// assert_eq!(formula(2, 5, 0, 1), "(2 − 5 + 2·0)/1 + 1: the filter is larger than the padded input");
/// ```
pub fn formula(input: usize, filter: usize, pad: usize, stride: usize) -> String {
    formula_in(input, filter, pad, stride, Lang::En)
}

/// [`formula`] in `lang`: the arithmetic is the same, the words of a formula with no value
/// change.
pub fn formula_in(input: usize, filter: usize, pad: usize, stride: usize, lang: Lang) -> String {
    let text = format!("({input} − {filter} + 2·{pad})/{stride} + 1");
    let padded = padded_size(input, pad);
    if stride == 0 {
        return Message::new("layers.shapes.formula_zero_stride")
            .arg("formula", text)
            .text(lang);
    }
    if filter as u128 > padded {
        return Message::new("layers.shapes.formula_too_large")
            .arg("formula", text)
            .text(lang);
    }
    let (span, stride) = (padded - filter as u128, stride as u128);
    if span.is_multiple_of(stride) {
        format!("{text} = {}", span / stride + 1)
    } else {
        format!("{text} = {:.2}", span as f64 / stride as f64 + 1.0)
    }
}

// ---------------------------------------------------------------------------------------------
// The shape of an example
// ---------------------------------------------------------------------------------------------

/// The largest count the walk reports: 2^53 − 1, so that every count is exact as a JavaScript
/// number. A network needing more is refused at the layer that crosses it.
pub const MAX_COUNT: u64 = (1 << 53) - 1;

/// The shape of one example's activations: `C` channels of `H × W`, stored `(C, H, W)` like the
/// engine's arrays. It is written height×width×channels, as the lecture writes "32×32×3".
/// This is the only "shape" in the code: the dataset's circles and squares are
/// [`crate::data::Figure`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Shape {
    /// Channels (depth): 3 for an RGB image, the number of filters after a conv layer.
    pub c: usize,
    /// Height.
    pub h: usize,
    /// Width.
    pub w: usize,
}

impl Shape {
    /// `(C, H, W)`, in the engine's order.
    pub fn new(c: usize, h: usize, w: usize) -> Self {
        Shape { c, h, w }
    }

    /// `C·H·W`, or `None` beyond [`MAX_COUNT`].
    pub fn values(&self) -> Option<u64> {
        product(&[self.c, self.h, self.w])
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}×{}×{}", self.h, self.w, self.c)
    }
}

/// The product of `factors`, or `None` beyond [`MAX_COUNT`].
fn product(factors: &[usize]) -> Option<u64> {
    factors
        .iter()
        .try_fold(1u64, |acc, &f| checked(acc.checked_mul(f as u64)))
}

fn checked(n: Option<u64>) -> Option<u64> {
    n.filter(|&n| n <= MAX_COUNT)
}

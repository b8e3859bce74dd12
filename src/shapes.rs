//! The output-size arithmetic of conv and pool layers, `(W − F + 2P)/S + 1`, and a walk through a
//! whole network description that reports each layer's shape, parameters, multiply-adds and memory.
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
//! [`Network`] describes a stack of layers on an input; [`Network::walk`] follows the shapes
//! through it. The lecture's `[CONV-RELU-CONV-RELU-POOL]×3 → FC → 5` on a 32×32×3 image:
//!
//! ```
//! use cnn_playground::shapes::Network;
//! let report = Network::lecture().walk().unwrap();
//! assert!(report.error.is_none());
//! assert_eq!(report.rows[0].output.to_string(), "32×32×16");
//! assert_eq!(report.rows.last().unwrap().output.to_string(), "1×1×5");
//! // A fully connected neuron on the raw image needs 32·32·3 = 3072 weights; a 3×3 conv filter 27.
//! assert_eq!(report.summary.fc.weights_per_neuron, 3072);
//! assert_eq!(report.rows[0].weights / 16, 27);
//! // The same network as compact text, as the page puts it in a URL:
//! let text = Network::lecture().to_string();
//! assert!(text.starts_with("32x32x3: conv3x3-16 pad1, relu, conv3x3-16 pad1, relu, pool2,"));
//! assert_eq!(text.parse::<Network>().unwrap(), Network::lecture());
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

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
            what: format!("the input {axis}"),
        });
    }
    if filter == 0 {
        return Err(Error::Zero {
            what: format!("the filter {axis}"),
        });
    }
    if stride == 0 {
        return Err(Error::Zero {
            what: "the stride".into(),
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
            what: format!("the input {axis}"),
        });
    }
    if window == 0 {
        return Err(Error::Zero {
            what: format!("the pool window {axis}"),
        });
    }
    if stride == 0 {
        return Err(Error::Zero {
            what: "the stride".into(),
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
        (Err(a), Err(b)) => Err(Error::InvalidInput(format!("{a}; {b}"))),
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
        Error::InvalidInput(format!(
            "{axis}: pad {pad} is far too large: an input of size {input} padded by {pad} on each side \
             would be {padded} in all, beyond the largest size the engine can index ({})",
            usize::MAX
        ))
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
fn suggest(input: usize, filter: usize, pad: usize, stride: usize) -> String {
    suggest_for(input, filter, pad, stride, true)
}

/// [`suggest`], leaving pads out where the layer has none (max pool).
fn suggest_for(input: usize, filter: usize, pad: usize, stride: usize, padding: bool) -> String {
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
    let mut parts = Vec::new();
    if !strides.is_empty() {
        let list: Vec<String> = strides.iter().map(|s| s.to_string()).collect();
        parts.push(format!("stride {}", list.join(" or ")));
    }
    if let Some(p) = nearest_pad {
        parts.push(format!("pad {p}"));
    }
    if parts.is_empty() {
        if padding {
            "no stride or pad makes this filter fit".into()
        } else {
            "no stride makes this pool window fit".into()
        }
    } else {
        format!("try {}", parts.join(", or "))
    }
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
    let text = format!("({input} − {filter} + 2·{pad})/{stride} + 1");
    let padded = padded_size(input, pad);
    if stride == 0 {
        return format!("{text}: the stride must be at least 1");
    }
    if filter as u128 > padded {
        return format!("{text}: the filter is larger than the padded input");
    }
    let (span, stride) = (padded - filter as u128, stride as u128);
    if span.is_multiple_of(stride) {
        format!("{text} = {}", span / stride + 1)
    } else {
        format!("{text} = {:.2}", span as f64 / stride as f64 + 1.0)
    }
}

// ---------------------------------------------------------------------------------------------
// Walking a network description
// ---------------------------------------------------------------------------------------------

/// Bytes per stored value: the browser trains in `f32`.
pub const BYTES_PER_VALUE: u64 = 4;

/// The largest count the walk reports: 2^53 − 1, so that every count is exact as a JavaScript
/// number. A network needing more is refused at the layer that crosses it.
pub const MAX_COUNT: u64 = (1 << 53) - 1;

/// The shape of one example's activations: `C` channels of `H × W`, stored `(C, H, W)` like the
/// engine's arrays. It is written height×width×channels, as the lecture writes "32×32×3".
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

/// One layer of a network description. Conv filters and pool windows are square.
///
/// Serialised for JavaScript with a `type` tag: `{"type":"conv","filters":16,"size":3,"stride":1,"pad":1}`,
/// `{"type":"relu"}`, `{"type":"pool","size":2,"stride":2}`, `{"type":"fc","outputs":5}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum LayerSpec {
    /// `filters` filters of `size × size × C`, each with a bias; zero padding `pad` on every side.
    Conv {
        filters: usize,
        size: usize,
        stride: usize,
        pad: usize,
    },
    /// Elementwise `max(0, x)`: no parameters, same shape.
    Relu,
    /// Max pooling over `size × size` windows, no padding.
    Pool { size: usize, stride: usize },
    /// Fully connected: flattens `C·H·W` inputs to `outputs` values (shape `outputs×1×1`).
    Fc { outputs: usize },
}

impl LayerSpec {
    /// A conv layer with stride 1 and the padding `(size − 1)/2` that keeps odd-sized inputs' size.
    pub fn conv_same(filters: usize, size: usize) -> Self {
        LayerSpec::Conv {
            filters,
            size,
            stride: 1,
            pad: size.saturating_sub(1) / 2,
        }
    }

    /// The course's common pool: 2×2, stride 2.
    pub fn pool2() -> Self {
        LayerSpec::Pool { size: 2, stride: 2 }
    }
}

/// The compact text form: `conv3x3-16 pad1`, `conv5x5-6 stride2`, `relu`, `pool2`, `pool3 stride2`,
/// `fc5`. Defaults are left out (conv stride 1 and pad 0; pool stride equal to its size).
impl fmt::Display for LayerSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            LayerSpec::Conv {
                filters,
                size,
                stride,
                pad,
            } => {
                write!(f, "conv{size}x{size}-{filters}")?;
                if stride != 1 {
                    write!(f, " stride{stride}")?;
                }
                if pad != 0 {
                    write!(f, " pad{pad}")?;
                }
                Ok(())
            }
            LayerSpec::Relu => write!(f, "relu"),
            LayerSpec::Pool { size, stride } => {
                write!(f, "pool{size}")?;
                if stride != size {
                    write!(f, " stride{stride}")?;
                }
                Ok(())
            }
            LayerSpec::Fc { outputs } => write!(f, "fc{outputs}"),
        }
    }
}

/// Parses one layer of the compact text form (see [`Display`](#impl-Display-for-LayerSpec));
/// case and extra spaces do not matter. The errors say what was expected.
impl FromStr for LayerSpec {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        let lower = text.trim().to_lowercase();
        let mut words = lower.split_whitespace();
        let head = words.next().ok_or_else(|| bad_layer(text, "it is empty"))?;
        let options: Vec<&str> = words.collect();
        if head == "relu" {
            if let Some(extra) = options.first() {
                return Err(bad_layer(
                    text,
                    &format!("relu takes no settings, got {}", quoted(extra)),
                ));
            }
            return Ok(LayerSpec::Relu);
        }
        if let Some(rest) = head.strip_prefix("conv") {
            const FORM: &str =
                "a conv layer is written conv<size>x<size>-<filters>, e.g. conv3x3-16";
            let (sizes, filters) = rest.split_once('-').ok_or_else(|| bad_layer(text, FORM))?;
            let (hh, ww) = sizes.split_once('x').ok_or_else(|| bad_layer(text, FORM))?;
            let hh = number(text, hh, "the filter height")?;
            let ww = number(text, ww, "the filter width")?;
            if hh != ww {
                return Err(bad_layer(
                    text,
                    &format!("filters must be square here, got {hh}x{ww}"),
                ));
            }
            let filters = number(text, filters, "the number of filters")?;
            let (stride, pad) = settings(text, &options, &["stride", "pad"], [1, 0])?;
            return Ok(LayerSpec::Conv {
                filters,
                size: hh,
                stride,
                pad,
            });
        }
        if let Some(rest) = head.strip_prefix("pool") {
            let size = number(text, rest, "the pool size (pool2 is a 2×2 window)")?;
            let (stride, _) = settings(text, &options, &["stride"], [size, 0])?;
            return Ok(LayerSpec::Pool { size, stride });
        }
        if let Some(rest) = head.strip_prefix("fc") {
            if let Some(extra) = options.first() {
                return Err(bad_layer(
                    text,
                    &format!("fc takes no settings, got {}", quoted(extra)),
                ));
            }
            let outputs = number(text, rest, "the number of outputs (fc5 has 5)")?;
            return Ok(LayerSpec::Fc { outputs });
        }
        Err(bad_layer(
            text,
            "a layer is conv<k>x<k>-<filters> [stride<s>] [pad<p>], relu, pool<k> [stride<s>] or fc<outputs>",
        ))
    }
}

fn bad_layer(text: &str, why: &str) -> Error {
    Error::InvalidInput(format!("cannot read the layer {}: {why}", quoted(text)))
}

fn number(text: &str, digits: &str, what: &str) -> Result<usize> {
    digits.parse().map_err(|_| {
        bad_layer(
            text,
            &format!("{what} should be a whole number, got {}", quoted(digits)),
        )
    })
}

/// How many characters of an input a message quotes.
const QUOTED_CHARS: usize = 40;

/// `text`, trimmed, in quotes — cut to its first [`QUOTED_CHARS`] characters and "…" if longer,
/// so that a message never echoes a whole 100 000-character input.
fn quoted(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(QUOTED_CHARS) {
        Some((end, _)) => format!("\"{}…\"", &text[..end]),
        None => format!("\"{text}\""),
    }
}

/// Reads `stride2`, `pad1`, … (each at most once, names from `names`) over the given defaults.
fn settings(
    text: &str,
    options: &[&str],
    names: &[&str],
    defaults: [usize; 2],
) -> Result<(usize, usize)> {
    let mut values = defaults;
    let mut seen = [false; 2];
    for option in options {
        let found = names
            .iter()
            .enumerate()
            .find_map(|(i, name)| option.strip_prefix(name).map(|digits| (i, *name, digits)));
        let Some((i, name, digits)) = found else {
            return Err(bad_layer(
                text,
                &format!(
                    "unknown setting {} (allowed: {})",
                    quoted(option),
                    names.join(", ")
                ),
            ));
        };
        if seen[i] {
            return Err(bad_layer(text, &format!("{name} is given twice")));
        }
        seen[i] = true;
        values[i] = number(text, digits, name)?;
    }
    Ok((values[0], values[1]))
}

/// A network description: an input shape and the layers applied to it in order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Network {
    pub input: Shape,
    pub layers: Vec<LayerSpec>,
}

impl Network {
    /// The lecture's `[CONV-RELU-CONV-RELU-POOL]×3 → FC → 5` on a 32×32×3 image.
    ///
    /// The lecture leaves the conv settings open; these are the common choice: 3×3 filters with
    /// stride 1 and pad 1 (so a conv keeps the size and only the 2×2 stride-2 pools halve it,
    /// 32 → 16 → 8 → 4), and 16, 32, 64 filters in the three blocks (doubling the depth as the
    /// size halves). The FC layer sees 4×4×64 = 1024 values.
    pub fn lecture() -> Self {
        let mut layers = Vec::new();
        for filters in [16, 32, 64] {
            layers.extend([
                LayerSpec::conv_same(filters, 3),
                LayerSpec::Relu,
                LayerSpec::conv_same(filters, 3),
                LayerSpec::Relu,
                LayerSpec::pool2(),
            ]);
        }
        layers.push(LayerSpec::Fc { outputs: 5 });
        Network {
            input: Shape::new(3, 32, 32),
            layers,
        }
    }

    /// Follows the shapes through every layer; see [`walk`].
    pub fn walk(&self) -> Result<NetworkReport> {
        walk(self.input, &self.layers)
    }
}

/// The compact text form: `32x32x3: conv3x3-16 pad1, relu, pool2, fc5` — the input as
/// height×width×channels, a colon, and the layers separated by commas.
impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Shape { c, h, w } = self.input;
        write!(f, "{h}x{w}x{c}:")?;
        for (i, layer) in self.layers.iter().enumerate() {
            let sep = if i == 0 { " " } else { ", " };
            write!(f, "{sep}{layer}")?;
        }
        Ok(())
    }
}

/// Parses the compact text form of [`Display`](#impl-Display-for-Network). Errors name the
/// layer (counted from 1) that could not be read.
impl FromStr for Network {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        let (input, layers) = text.split_once(':').ok_or_else(|| {
            Error::InvalidInput(format!(
                "cannot read the network {}: it starts with the input and a colon, e.g. \"32x32x3: conv3x3-16 pad1, relu, pool2, fc5\"",
                quoted(text)
            ))
        })?;
        let dims: Option<Vec<usize>> = input
            .trim()
            .split(['x', 'X', '×'])
            .map(|d| d.trim().parse().ok())
            .collect();
        let Some(&[h, w, c]) = dims.as_deref() else {
            return Err(Error::InvalidInput(format!(
                "cannot read the input {}: it is height x width x channels in whole numbers, e.g. 32x32x3",
                quoted(input)
            )));
        };
        let layers = if layers.trim().is_empty() {
            Vec::new()
        } else {
            layers
                .split(',')
                .enumerate()
                .map(|(i, layer)| {
                    layer
                        .parse()
                        .map_err(|e: Error| Error::InvalidInput(format!("layer {}: {e}", i + 1)))
                })
                .collect::<Result<Vec<LayerSpec>>>()?
        };
        Ok(Network {
            input: Shape::new(c, h, w),
            layers,
        })
    }
}

/// What one layer does to the shape and what it costs, for one example.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerRow {
    /// Position in the network, from 0.
    pub index: usize,
    pub layer: LayerSpec,
    /// The layer in compact text, e.g. `conv3x3-16 pad1`.
    pub label: String,
    pub input: Shape,
    pub output: Shape,
    /// Conv: `F·C·k·k`; FC: `outputs·C·H·W`; 0 otherwise.
    pub weights: u64,
    /// One per filter or output neuron.
    pub biases: u64,
    /// `weights + biases`.
    pub params: u64,
    /// Multiply-adds: conv `F·H'·W'·C·k·k`, FC `outputs·C·H·W`; ReLU and pool count none.
    pub macs: u64,
    /// Values in the output (`C'·H'·W'`).
    pub activations: u64,
    /// Those values in bytes at `f32`.
    pub bytes: u64,
    /// Conv and pool: the output-size arithmetic, e.g. `(32 − 3 + 2·1)/1 + 1 = 32`, written once
    /// when height and width agree, else as `height …, width …`.
    pub formula: Option<String>,
}

/// The layer where the walk stopped, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerError {
    /// Position in the network, from 0.
    pub index: usize,
    pub layer: LayerSpec,
    pub label: String,
    /// The shape that reached the layer.
    pub input: Shape,
    /// The engine's error text, e.g. "height: (7 − 3 + 2·0)/3 + 1 = 2.33 is not a whole number: …".
    pub message: String,
}

impl fmt::Display for LayerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "layer {} ({}) on {}: {}",
            self.index, self.label, self.input, self.message
        )
    }
}

/// A fully connected layer on the raw input, against the first conv layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FcComparison {
    /// `C·H·W` of the input: 3072 for 32×32×3.
    pub input_values: u64,
    /// Weights of one fully connected neuron on the input (= `input_values`).
    pub weights_per_neuron: u64,
    /// Weights of one conv filter of the first conv layer (`C·k·k`), if there is one.
    pub conv_weights_per_filter: Option<u64>,
    /// An FC layer with as many outputs as the first conv layer produces values; `None` without
    /// a conv layer (or beyond [`MAX_COUNT`]).
    pub same_outputs: Option<FcVsConv>,
}

/// The first conv layer against an FC layer mapping the same input to the same number of values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FcVsConv {
    /// Index of the first conv layer.
    pub conv_index: usize,
    /// Its output values `F·H'·W'`, which are the FC layer's outputs.
    pub outputs: u64,
    pub conv_params: u64,
    pub conv_macs: u64,
    /// `input_values · outputs`.
    pub fc_weights: u64,
    /// `fc_weights + outputs`.
    pub fc_params: u64,
    /// Equal to `fc_weights`: one multiply-add per weight.
    pub fc_macs: u64,
}

/// Totals over the layers that were walked (all of them, or those before the error).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub params: u64,
    pub macs: u64,
    /// Values of all layer outputs (the input not included), and their bytes at `f32`.
    pub activations: u64,
    pub bytes: u64,
    /// The shape after the last layer walked (the input if none was).
    pub output: Shape,
    pub fc: FcComparison,
}

/// The result of [`walk`]: one row per layer up to the first error, the error, and totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkReport {
    pub input: Shape,
    pub rows: Vec<LayerRow>,
    pub error: Option<LayerError>,
    pub summary: Summary,
}

/// Follows an input of shape `(C, H, W)` through `layers`, for one example.
///
/// Every layer gets a [`LayerRow`]: output shape, parameters (weights + biases), multiply-adds,
/// activation values and bytes. Conv output is `(F, H', W')` with `H' = (H − k + 2P)/S + 1` (and so
/// for `W'`), pool output `(C, H', W')` with `P = 0`, FC output `(outputs, 1, 1)`, ReLU keeps the
/// shape. The first layer that cannot work (a size that is not whole, a filter larger than the
/// padded input, a zero stride, size or count, a count beyond [`MAX_COUNT`]) ends the walk: its
/// index and message are in [`NetworkReport::error`], the rows before it are kept.
///
/// Errors (as `Err`): only an input shape with a zero or too many values.
pub fn walk(input: Shape, layers: &[LayerSpec]) -> Result<NetworkReport> {
    for (what, n) in [
        ("channels", input.c),
        ("height", input.h),
        ("width", input.w),
    ] {
        if n == 0 {
            return Err(Error::Zero {
                what: format!("the input {what}"),
            });
        }
    }
    let input_values = input
        .values()
        .ok_or_else(|| too_many(&format!("the input {input}"), "values"))?;

    let mut rows: Vec<LayerRow> = Vec::new();
    let mut error = None;
    let mut totals = [0u64; 3]; // params, macs, activations
    let mut shape = input;
    for (index, &layer) in layers.iter().enumerate() {
        let step = row(index, layer, shape).and_then(|row| {
            for (total, add) in totals.iter_mut().zip([row.params, row.macs, row.activations]) {
                *total = total
                    .checked_add(add)
                    .filter(|&t| t <= MAX_COUNT)
                    .ok_or_else(|| {
                        Error::InvalidInput(format!(
                            "the network's totals grow beyond 2^53 − 1 = {MAX_COUNT}, too many to count exactly"
                        ))
                    })?;
            }
            Ok(row)
        });
        match step {
            Ok(r) => {
                shape = r.output;
                rows.push(r);
            }
            Err(e) => {
                error = Some(LayerError {
                    index,
                    layer,
                    label: layer.to_string(),
                    input: shape,
                    message: e.to_string(),
                });
                break;
            }
        }
    }

    let first_conv = rows
        .iter()
        .find(|r| matches!(r.layer, LayerSpec::Conv { .. }));
    let same_outputs = first_conv.and_then(|conv| {
        let fc_weights = checked(input_values.checked_mul(conv.activations))?;
        Some(FcVsConv {
            conv_index: conv.index,
            outputs: conv.activations,
            conv_params: conv.params,
            conv_macs: conv.macs,
            fc_weights,
            fc_params: checked(fc_weights.checked_add(conv.activations))?,
            fc_macs: fc_weights,
        })
    });
    let conv_weights_per_filter = first_conv.map(|conv| conv.weights / conv.biases);
    let [params, macs, activations] = totals;
    let summary = Summary {
        params,
        macs,
        activations,
        // activations ≤ MAX_COUNT = 2^53 − 1, so the bytes (·4) stay below 2^55: no overflow.
        bytes: activations * BYTES_PER_VALUE,
        output: shape,
        fc: FcComparison {
            input_values,
            weights_per_neuron: input_values,
            conv_weights_per_filter,
            same_outputs,
        },
    };
    Ok(NetworkReport {
        input,
        rows,
        error,
        summary,
    })
}

/// One layer's row, or the error the layer causes on an input of shape `input`.
fn row(index: usize, layer: LayerSpec, input: Shape) -> Result<LayerRow> {
    let Shape { c, h, w } = input;
    let label = layer.to_string();
    let (output, weights, biases, macs, formula) = match layer {
        LayerSpec::Conv {
            filters,
            size,
            stride,
            pad,
        } => {
            if filters == 0 {
                return Err(Error::Zero {
                    what: "the number of filters".into(),
                });
            }
            let (hout, wout) = output_hw((h, w), (size, size), pad, stride)?;
            let output = Shape::new(filters, hout, wout);
            let per_filter = count(&[c, size, size], &label, "weights per filter")?;
            let weights = count(&[filters, c, size, size], &label, "weights")?;
            let outputs = count(&[filters, hout, wout], &label, "output values")?;
            let macs = checked(outputs.checked_mul(per_filter))
                .ok_or_else(|| too_many(&label, "multiply-adds"))?;
            let formula = two_axis_formula(h, w, size, pad, stride);
            (output, weights, filters as u64, macs, Some(formula))
        }
        LayerSpec::Relu => (input, 0, 0, 0, None),
        LayerSpec::Pool { size, stride } => {
            let (hout, wout) = pool_output_hw((h, w), (size, size), stride)?;
            let formula = two_axis_formula(h, w, size, 0, stride);
            (Shape::new(c, hout, wout), 0, 0, 0, Some(formula))
        }
        LayerSpec::Fc { outputs } => {
            if outputs == 0 {
                return Err(Error::Zero {
                    what: "the number of outputs".into(),
                });
            }
            let weights = count(&[outputs, c, h, w], &label, "weights")?;
            (
                Shape::new(outputs, 1, 1),
                weights,
                outputs as u64,
                weights,
                None,
            )
        }
    };
    let activations = output
        .values()
        .ok_or_else(|| too_many(&label, "output values"))?;
    let params =
        checked(weights.checked_add(biases)).ok_or_else(|| too_many(&label, "parameters"))?;
    Ok(LayerRow {
        index,
        layer,
        label,
        input,
        output,
        weights,
        biases,
        params,
        macs,
        activations,
        // ≤ (2^53 − 1)·4 < 2^55, as `activations` is at most MAX_COUNT.
        bytes: activations * BYTES_PER_VALUE,
        formula,
    })
}

fn two_axis_formula(h: usize, w: usize, size: usize, pad: usize, stride: usize) -> String {
    let (fh, fw) = (formula(h, size, pad, stride), formula(w, size, pad, stride));
    if h == w {
        fh
    } else {
        format!("height {fh}, width {fw}")
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

fn count(factors: &[usize], label: &str, what: &str) -> Result<u64> {
    product(factors).ok_or_else(|| too_many(label, what))
}

fn too_many(whose: &str, what: &str) -> Error {
    Error::InvalidInput(format!(
        "{whose} has too many {what} to count exactly (more than 2^53 − 1 = {MAX_COUNT})"
    ))
}

//! A network description and its walk: a stack of layers on an input, written as the compact text
//! the page keeps in a URL, followed shape by shape through [`super::output_size`] to report each
//! layer's output, parameters, multiply-adds and memory, and how a fully connected layer on the
//! same input would compare.
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

use super::{checked, formula_in, output_hw, pool_output_hw, product, Shape, MAX_COUNT};
use crate::error::{Error, Result};
use crate::i18n::{Lang, Message};

/// Bytes per stored value: the browser trains in `f32`.
pub const BYTES_PER_VALUE: u64 = 4;

/// One layer of a network description. Conv filters and pool windows are square.
///
/// Serialised for JavaScript with a `type` tag: `{"type":"conv","filters":16,"size":3,"stride":1,"pad":1}`,
/// `{"type":"relu"}`, `{"type":"pool","size":2,"stride":2}`, `{"type":"avgpool","size":2,"stride":2}`,
/// `{"type":"dropout","p":0.5}`, `{"type":"bn"}`, `{"type":"fc","outputs":5}`.
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
    /// Average pooling over `size × size` windows, no padding.
    #[serde(rename = "avgpool")]
    AvgPool { size: usize, stride: usize },
    /// Inverted dropout keeping each unit with probability `p` (the assignment's convention):
    /// no parameters, same shape; the identity at test time.
    Dropout { p: KeepProbability },
    /// Spatial batch normalization: per channel, a scale γ and a shift β (2·C parameters), same
    /// shape.
    Bn,
    /// Fully connected: flattens `C·H·W` inputs to `outputs` values (shape `outputs×1×1`).
    Fc { outputs: usize },
}

/// The probability of keeping a unit in a dropout layer: a number in (0, 1], never NaN (so it
/// compares and hashes exactly, by its bits). Serialised as the bare number.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct KeepProbability(f64);

impl KeepProbability {
    /// `p` if it is in (0, 1]; else an error saying what p means.
    pub fn new(p: f64) -> Result<Self> {
        if p > 0.0 && p <= 1.0 {
            Ok(KeepProbability(p))
        } else {
            Err(Error::InvalidHyperparameter {
                name: "the dropout probability p".into(),
                value: p,
                reason: Message::new("layers.network.keep_probability"),
            })
        }
    }

    /// The probability, in (0, 1].
    pub fn get(self) -> f64 {
        self.0
    }
}

// Never NaN (see `new`), so equality is reflexive.
impl Eq for KeepProbability {}

impl std::hash::Hash for KeepProbability {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.to_bits().hash(state);
    }
}

impl TryFrom<f64> for KeepProbability {
    type Error = Error;
    fn try_from(p: f64) -> Result<Self> {
        KeepProbability::new(p)
    }
}

impl From<KeepProbability> for f64 {
    fn from(p: KeepProbability) -> f64 {
        p.0
    }
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
/// `avgpool2`, `dropout0.5` (p, the keep probability), `bn`, `fc5`. Defaults are left out (conv stride 1 and pad 0; pool stride equal to its size).
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
            LayerSpec::AvgPool { size, stride } => {
                write!(f, "avgpool{size}")?;
                if stride != size {
                    write!(f, " stride{stride}")?;
                }
                Ok(())
            }
            // f64's Display is the shortest text that reads back as the same number.
            LayerSpec::Dropout { p } => write!(f, "dropout{}", p.get()),
            LayerSpec::Bn => write!(f, "bn"),
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
        let head = words
            .next()
            .ok_or_else(|| bad_layer(text, Message::new("layers.network.empty")))?;
        let options: Vec<&str> = words.collect();
        if head == "relu" || head == "bn" {
            if let Some(extra) = options.first() {
                return Err(bad_layer(text, no_settings(head, extra)));
            }
            return Ok(if head == "relu" {
                LayerSpec::Relu
            } else {
                LayerSpec::Bn
            });
        }
        if let Some(rest) = head.strip_prefix("dropout") {
            if let Some(extra) = options.first() {
                return Err(bad_layer(text, no_settings("dropout", extra)));
            }
            let form = || bad_layer(text, Message::new("layers.network.dropout_form"));
            // Only plain decimals: "inf", "nan" or "1e-1" are not how the course writes p.
            if rest.is_empty() || !rest.chars().all(|ch| ch.is_ascii_digit() || ch == '.') {
                return Err(form());
            }
            let p: f64 = rest.parse().map_err(|_| form())?;
            let p = KeepProbability::new(p).map_err(|_| form())?;
            return Ok(LayerSpec::Dropout { p });
        }
        if let Some(rest) = head.strip_prefix("avgpool") {
            let size = number(text, rest, "layers.network.avgpool_size")?;
            let (stride, _) = settings(text, &options, &["stride"], [size, 0])?;
            return Ok(LayerSpec::AvgPool { size, stride });
        }
        if let Some(rest) = head.strip_prefix("conv") {
            let form = || bad_layer(text, Message::new("layers.network.conv_form"));
            let (sizes, filters) = rest.split_once('-').ok_or_else(form)?;
            let (hh, ww) = sizes.split_once('x').ok_or_else(form)?;
            let hh = number(text, hh, "layers.network.filter_height")?;
            let ww = number(text, ww, "layers.network.filter_width")?;
            if hh != ww {
                return Err(bad_layer(
                    text,
                    Message::new("layers.network.square")
                        .arg("hh", hh)
                        .arg("ww", ww),
                ));
            }
            let filters = number(text, filters, "layers.network.filters")?;
            let (stride, pad) = settings(text, &options, &["stride", "pad"], [1, 0])?;
            return Ok(LayerSpec::Conv {
                filters,
                size: hh,
                stride,
                pad,
            });
        }
        if let Some(rest) = head.strip_prefix("pool") {
            let size = number(text, rest, "layers.network.pool_size")?;
            let (stride, _) = settings(text, &options, &["stride"], [size, 0])?;
            return Ok(LayerSpec::Pool { size, stride });
        }
        if let Some(rest) = head.strip_prefix("fc") {
            if let Some(extra) = options.first() {
                return Err(bad_layer(text, no_settings("fc", extra)));
            }
            let outputs = number(text, rest, "layers.network.fc_outputs")?;
            return Ok(LayerSpec::Fc { outputs });
        }
        Err(bad_layer(
            text,
            Message::new("layers.network.unknown_layer"),
        ))
    }
}

fn bad_layer(text: &str, why: Message) -> Error {
    Error::invalid(
        Message::new("layers.network.bad_layer")
            .arg("layer", quoted(text))
            .nested("why", why),
    )
}

/// "relu takes no settings, got "x"".
fn no_settings(head: &str, extra: &str) -> Message {
    Message::new("layers.network.no_settings")
        .arg("head", head)
        .arg("extra", quoted(extra))
}

/// `digits` as a whole number, or an error naming `what` (a catalog key: "the filter height" …).
fn number(text: &str, digits: &str, what: &'static str) -> Result<usize> {
    digits.parse().map_err(|_| {
        bad_layer(
            text,
            Message::new("layers.network.not_whole_number")
                .nested("what", Message::new(what))
                .arg("digits", quoted(digits)),
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
                Message::new("layers.network.unknown_setting")
                    .arg("setting", quoted(option))
                    .arg("allowed", names.join(", ")),
            ));
        };
        if seen[i] {
            return Err(bad_layer(
                text,
                Message::new("layers.network.twice").arg("name", name),
            ));
        }
        seen[i] = true;
        let what = if name == "pad" {
            "layers.network.setting_pad"
        } else {
            "layers.network.setting_stride"
        };
        values[i] = number(text, digits, what)?;
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

    /// [`Network::walk`] with the report's words (the failing layer's message, the formulas of
    /// unequal axes) in `lang`; see [`walk_in`].
    pub fn walk_in(&self, lang: Lang) -> Result<NetworkReport> {
        walk_in(self.input, &self.layers, lang)
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
            Error::invalid(Message::new("layers.network.no_colon").arg("text", quoted(text)))
        })?;
        let dims: Option<Vec<usize>> = input
            .trim()
            .split(['x', 'X', '×'])
            .map(|d| d.trim().parse().ok())
            .collect();
        let Some(&[h, w, c]) = dims.as_deref() else {
            return Err(Error::invalid(
                Message::new("layers.network.bad_input").arg("text", quoted(input)),
            ));
        };
        let layers = if layers.trim().is_empty() {
            Vec::new()
        } else {
            layers
                .split(',')
                .enumerate()
                .map(|(i, layer)| {
                    layer.parse().map_err(|e: Error| {
                        Error::invalid(
                            Message::new("layers.network.layer_n")
                                .arg("n", i + 1)
                                .nested("why", e.message()),
                        )
                    })
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
    /// Conv: `F·C·k·k`; FC: `outputs·C·H·W`; batch norm: the C scales γ; 0 otherwise.
    pub weights: u64,
    /// One per filter or output neuron; batch norm: the C shifts β.
    pub biases: u64,
    /// `weights + biases`.
    pub params: u64,
    /// Multiply-adds: conv `F·H'·W'·C·k·k`, FC `outputs·C·H·W`; the other layers count none.
    pub macs: u64,
    /// Values in the output (`C'·H'·W'`).
    pub activations: u64,
    /// Those values in bytes at `f32`.
    pub bytes: u64,
    /// Conv and pools: the output-size arithmetic, e.g. `(32 − 3 + 2·1)/1 + 1 = 32`, written once
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
/// for `W'`), max and average pool output `(C, H', W')` with `P = 0`, FC output `(outputs, 1, 1)`;
/// ReLU, dropout and batch norm keep the shape (batch norm has `2·C` parameters: γ and β). The first layer that cannot work (a size that is not whole, a filter larger than the
/// padded input, a zero stride, size or count, a count beyond [`MAX_COUNT`]) ends the walk: its
/// index and message are in [`NetworkReport::error`], the rows before it are kept.
///
/// Errors (as `Err`): only an input shape with a zero or too many values.
///
/// The report's texts are English; [`walk_in`] writes them in another language.
pub fn walk(input: Shape, layers: &[LayerSpec]) -> Result<NetworkReport> {
    walk_in(input, layers, Lang::En)
}

/// [`walk`], with the texts of the report — the failing layer's [`LayerError::message`] and the
/// rows' [`LayerRow::formula`] where height and width differ — in `lang`, as the page shows them.
/// The numbers are the same in every language.
pub fn walk_in(input: Shape, layers: &[LayerSpec], lang: Lang) -> Result<NetworkReport> {
    walk_with_error(input, layers, lang).map(|(report, _)| report)
}

/// [`walk_in`], and the error that ended the walk (the one [`NetworkReport::error`] writes), for
/// callers that pass it on as an [`Error`] and so keep it in every language.
pub(crate) fn walk_with_error(
    input: Shape,
    layers: &[LayerSpec],
    lang: Lang,
) -> Result<(NetworkReport, Option<Error>)> {
    for (what, n) in [
        ("layers.network.channels", input.c),
        ("axis.height", input.h),
        ("axis.width", input.w),
    ] {
        if n == 0 {
            return Err(Error::Zero {
                what: Message::new("layers.shapes.input_axis").nested("axis", Message::new(what)),
            });
        }
    }
    let input_values = input.values().ok_or_else(|| {
        too_many(
            Message::new("layers.network.the_input").arg("shape", input),
            "layers.network.values",
        )
    })?;

    let mut rows: Vec<LayerRow> = Vec::new();
    let mut error = None;
    let mut failure = None;
    let mut totals = [0u64; 3]; // params, macs, activations
    let mut shape = input;
    for (index, &layer) in layers.iter().enumerate() {
        let step = row(index, layer, shape, lang).and_then(|row| {
            for (total, add) in totals
                .iter_mut()
                .zip([row.params, row.macs, row.activations])
            {
                *total = total
                    .checked_add(add)
                    .filter(|&t| t <= MAX_COUNT)
                    .ok_or_else(|| {
                        Error::invalid(Message::new("layers.network.totals").arg("max", MAX_COUNT))
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
                    message: e.text(lang),
                });
                failure = Some(e);
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
    Ok((
        NetworkReport {
            input,
            rows,
            error,
            summary,
        },
        failure,
    ))
}

/// One layer's row (its formula in `lang`), or the error the layer causes on an input of shape
/// `input`.
fn row(index: usize, layer: LayerSpec, input: Shape, lang: Lang) -> Result<LayerRow> {
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
                    what: Message::new("layers.network.filters"),
                });
            }
            let (hout, wout) = output_hw((h, w), (size, size), pad, stride)?;
            let output = Shape::new(filters, hout, wout);
            let per_filter = count(
                &[c, size, size],
                &label,
                "layers.network.weights_per_filter",
            )?;
            let weights = count(&[filters, c, size, size], &label, "layers.network.weights")?;
            let outputs = count(
                &[filters, hout, wout],
                &label,
                "layers.network.output_values",
            )?;
            let macs = checked(outputs.checked_mul(per_filter))
                .ok_or_else(|| too_many(layer_name(&label), "layers.network.multiply_adds"))?;
            let formula = two_axis_formula(h, w, size, pad, stride, lang);
            (output, weights, filters as u64, macs, Some(formula))
        }
        LayerSpec::Relu | LayerSpec::Dropout { .. } => (input, 0, 0, 0, None),
        LayerSpec::Bn => (input, c as u64, c as u64, 0, None),
        LayerSpec::Pool { size, stride } | LayerSpec::AvgPool { size, stride } => {
            let (hout, wout) = pool_output_hw((h, w), (size, size), stride)?;
            let formula = two_axis_formula(h, w, size, 0, stride, lang);
            (Shape::new(c, hout, wout), 0, 0, 0, Some(formula))
        }
        LayerSpec::Fc { outputs } => {
            if outputs == 0 {
                return Err(Error::Zero {
                    what: Message::new("layers.network.outputs"),
                });
            }
            let weights = count(&[outputs, c, h, w], &label, "layers.network.weights")?;
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
        .ok_or_else(|| too_many(layer_name(&label), "layers.network.output_values"))?;
    let params = checked(weights.checked_add(biases))
        .ok_or_else(|| too_many(layer_name(&label), "layers.network.parameters"))?;
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

fn two_axis_formula(
    h: usize,
    w: usize,
    size: usize,
    pad: usize,
    stride: usize,
    lang: Lang,
) -> String {
    let (fh, fw) = (
        formula_in(h, size, pad, stride, lang),
        formula_in(w, size, pad, stride, lang),
    );
    if h == w {
        fh
    } else {
        Message::new("layers.network.two_formulas")
            .arg("height", fh)
            .arg("width", fw)
            .text(lang)
    }
}

/// A layer named by its compact text (`conv3x3-16 pad1`), the same in every language.
fn layer_name(label: &str) -> Message {
    Message::new("layers.network.layer_name").arg("label", label)
}

/// `F·C·k·k` and the like, or an error naming the layer and `what` (a catalog key).
fn count(factors: &[usize], label: &str, what: &'static str) -> Result<u64> {
    product(factors).ok_or_else(|| too_many(layer_name(label), what))
}

fn too_many(whose: Message, what: &'static str) -> Error {
    Error::invalid(
        Message::new("layers.network.too_many")
            .nested("whose", whose)
            .nested("what", Message::new(what))
            .arg("max", MAX_COUNT),
    )
}

//! Shape arithmetic for the page: `(W − F + 2P)/S + 1`, the valid strides and pads, and the walk
//! of a whole network (the Shapes panel's network table).

use wasm_bindgen::prelude::*;

use super::{js_error, language};
use crate::shapes::{self, Network};

/// The engine names the axis in its messages; it takes a `'static` name.
fn axis_name(axis: &str) -> &'static str {
    match axis {
        "height" => "height",
        "depth" => "depth",
        _ => "width",
    }
}

/// `(input − filter + 2·pad)/stride + 1`, or the engine's explanation of why it is not valid.
#[wasm_bindgen(js_name = outputSize)]
pub fn output_size(
    axis: &str,
    input: usize,
    filter: usize,
    pad: usize,
    stride: usize,
) -> Result<usize, JsError> {
    shapes::output_size(axis_name(axis), input, filter, pad, stride).map_err(js_error)
}

/// Every stride that gives a whole output size with this pad.
#[wasm_bindgen(js_name = validStrides)]
pub fn valid_strides(input: usize, filter: usize, pad: usize) -> Vec<usize> {
    shapes::valid_strides(input, filter, pad)
}

/// The pads below `filter` that make `stride` valid.
#[wasm_bindgen(js_name = validPads)]
pub fn valid_pads(input: usize, filter: usize, stride: usize) -> Vec<usize> {
    shapes::valid_pads(input, filter, stride)
}

/// The formula with the numbers filled in: `"(7 − 3 + 2·0)/1 + 1 = 5"` (a formula with no value
/// says why in the page's language).
#[wasm_bindgen]
pub fn formula(input: usize, filter: usize, pad: usize, stride: usize) -> String {
    shapes::formula_in(input, filter, pad, stride, language())
}

/// The lecture's `[CONV-RELU-CONV-RELU-POOL]×3 → FC → 5` on 32×32×3, as a `Network` object
/// (`{ input: { c, h, w }, layers: [{ type: "conv", filters, size, stride, pad }, …] }`).
#[wasm_bindgen(js_name = lectureNetwork)]
pub fn lecture_network() -> Result<JsValue, JsError> {
    Ok(serde_wasm_bindgen::to_value(&Network::lecture())?)
}

/// Walks a `Network` object: each layer's output shape, parameters, multiply-adds and memory, the
/// first layer that fails (with the engine's message), and the comparison with a fully connected
/// layer. Returns a `NetworkReport` object, its texts in the page's language.
#[wasm_bindgen(js_name = walkNetwork)]
pub fn walk_network(network: JsValue) -> Result<JsValue, JsError> {
    let network: Network = serde_wasm_bindgen::from_value(network)?;
    let report = network.walk_in(language()).map_err(js_error)?;
    Ok(serde_wasm_bindgen::to_value(&report)?)
}

/// A `Network` object in the compact text form the URL keeps: `"32x32x3: conv3x3-16 pad1, relu, …"`.
#[wasm_bindgen(js_name = networkToText)]
pub fn network_to_text(network: JsValue) -> Result<String, JsError> {
    let network: Network = serde_wasm_bindgen::from_value(network)?;
    Ok(network.to_string())
}

/// The compact text form back to a `Network` object; throws the engine's message if it cannot.
#[wasm_bindgen(js_name = parseNetwork)]
pub fn parse_network(text: &str) -> Result<JsValue, JsError> {
    let network: Network = text.parse().map_err(js_error)?;
    Ok(serde_wasm_bindgen::to_value(&network)?)
}

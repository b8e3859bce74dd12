//! Output-size arithmetic for the page: `(W − F + 2P)/S + 1` and the valid strides and pads.

use wasm_bindgen::prelude::*;

use super::js_error;
use crate::shapes;

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

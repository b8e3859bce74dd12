//! The Filters panel's filters: an RGBA image in, the conv layer's maps out as pictures for a canvas.
//!
//! [`apply_filter`] and [`assignment_demo`] return a [`FilterResult`] that keeps the pictures in
//! wasm memory; the page reads each through a typed-array view ([`FilterResult::picture_ptr`],
//! `picture_len`) straight into an `ImageData`, then calls `free()`.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::{js_error, language};
use crate::filters::{self, Filter, FilterOutput, FilterParam, Scale, Weights};
use crate::i18n::Message;
use crate::layers::ConvParam;

/// A filter's output: pictures `(H'·W'·4,)` RGBA each, and the layer that made them.
#[wasm_bindgen]
pub struct FilterResult {
    inner: FilterOutput,
    pictures: Vec<Vec<u8>>,
}

/// What the page shows beside the pictures.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Summary {
    /// Output height H′ and width W′.
    height: usize,
    width: usize,
    /// Number of float maps F′ (after the magnitude pairs Sobel x with Sobel y).
    maps: usize,
    stride: usize,
    pad: usize,
    /// The conv weights `w (F, C, k, k)` and biases `b (F,)`.
    weights: Weights,
    magnitude: bool,
    color: bool,
    scale: Scale,
    /// The engine function that computed the maps: `conv_forward_naive` or `conv_forward_fast`.
    computed_by: &'static str,
}

#[wasm_bindgen]
impl FilterResult {
    /// How many pictures there are: one colour picture, or one gray picture per map.
    #[wasm_bindgen(getter, js_name = pictureCount)]
    pub fn picture_count(&self) -> usize {
        self.pictures.len()
    }

    /// Where picture `i` starts in wasm memory. The view is valid until the next call into the
    /// engine (which may grow the memory): copy it, e.g. into a canvas, before calling again.
    #[wasm_bindgen(js_name = picturePtr)]
    pub fn picture_ptr(&self, i: usize) -> Result<*const u8, JsError> {
        self.pictures
            .get(i)
            .map(|p| p.as_ptr())
            .ok_or_else(|| no_picture(i, self.pictures.len()))
    }

    /// Length in bytes of picture `i`: `H′·W′·4`.
    #[wasm_bindgen(js_name = pictureLen)]
    pub fn picture_len(&self, i: usize) -> Result<usize, JsError> {
        self.pictures
            .get(i)
            .map(Vec::len)
            .ok_or_else(|| no_picture(i, self.pictures.len()))
    }

    /// Output size, weights, stride, pad and display scale as a plain object.
    pub fn summary(&self) -> Result<JsValue, JsError> {
        let (height, width) = self.inner.size();
        let ConvParam { stride, pad } = self.inner.conv_param;
        let summary = Summary {
            height,
            width,
            maps: self.inner.maps.dim().0,
            stride,
            pad,
            weights: self.inner.layer.weights(),
            magnitude: self.inner.layer.magnitude,
            color: self.inner.layer.color,
            scale: self.inner.scale,
            computed_by: self.inner.computed_by.name(),
        };
        Ok(serde_wasm_bindgen::to_value(&summary)?)
    }
}

fn no_picture(i: usize, count: usize) -> JsError {
    JsError::new(
        &Message::new("layers.filters.no_picture")
            .arg("i", i)
            .arg("count", count)
            .text(language()),
    )
}

fn result(inner: FilterOutput) -> FilterResult {
    let pictures = inner.pictures();
    FilterResult { inner, pictures }
}

/// Applies `filter` (a `Filter` object, e.g. `{ type: "sobelX" }` or
/// `{ type: "custom", size: 3, values: [...] }`) with `param` (`{ stride, pad, channels }`) to an
/// RGBA image `(H·W·4,)`: `height` rows of `width` pixels. Throws the engine's message if the settings
/// do not fit the image.
#[wasm_bindgen(js_name = applyFilter)]
pub fn apply_filter(
    rgba: &[u8],
    width: usize,
    height: usize,
    filter: JsValue,
    param: JsValue,
) -> Result<FilterResult, JsError> {
    let filter: Filter = serde_wasm_bindgen::from_value(filter)?;
    let param: FilterParam = serde_wasm_bindgen::from_value(param)?;
    let out = filters::apply_rgba(rgba, width, height, &filter, param).map_err(js_error)?;
    Ok(result(out))
}

/// The assignment's own demo on an RGBA image: w `(2, 3, 3, 3)`, stride 1, pad 1, biases (0, 128).
#[wasm_bindgen(js_name = assignmentDemo)]
pub fn assignment_demo(rgba: &[u8], width: usize, height: usize) -> Result<FilterResult, JsError> {
    Ok(result(
        filters::assignment_demo(rgba, width, height).map_err(js_error)?,
    ))
}

/// The kernel of a filter (for Gradient magnitude, Sobel x), e.g. to copy into the custom grid.
#[wasm_bindgen(js_name = filterKernel)]
pub fn filter_kernel(filter: JsValue) -> Result<JsValue, JsError> {
    let filter: Filter = serde_wasm_bindgen::from_value(filter)?;
    Ok(serde_wasm_bindgen::to_value(
        &filter.kernel().map_err(js_error)?,
    )?)
}

/// The pad that keeps the size at stride 1 for this filter: `(k − 1)/2`.
#[wasm_bindgen(js_name = samePad)]
pub fn same_pad(filter: JsValue) -> Result<usize, JsError> {
    let filter: Filter = serde_wasm_bindgen::from_value(filter)?;
    Ok(FilterParam::same(&filter, Default::default()).pad)
}

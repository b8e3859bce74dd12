//! The engine's limits, for the page: it reads its rules (most classes, largest images, most
//! shapes, the memory budget) from here instead of repeating the numbers in JavaScript
//! (`www/js/config.js` `ENGINE_LIMITS`, which bounds the URL's settings in `www/js/state.js`).

use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::lab::to_js;
use crate::{budget, data, filters, trainer};

/// The limits as the page sees them (camelCase names; every count fits a JS Number exactly).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Limits {
    /// Fewest and most classes of a dataset of the user's own.
    min_classes: usize,
    max_classes: usize,
    /// Largest width or height of an RGBA image the engine accepts.
    max_image_side: usize,
    /// Largest height or width of a dataset's images.
    max_dataset_side: usize,
    /// Most shapes (training + validation) the shapes generator makes.
    max_shapes: usize,
    /// Largest image a filter accepts, in pixels.
    max_filter_pixels: usize,
    /// Largest side of a filter kernel.
    max_kernel: usize,
    /// The memory budget of one request, in bytes (2³⁰: a Number holds it exactly).
    max_bytes: f64,
}

/// `{ minClasses, maxClasses, maxImageSide, maxDatasetSide, maxShapes, maxFilterPixels,
/// maxKernel, maxBytes }`, from the engine's constants.
#[wasm_bindgen]
pub fn limits() -> Result<JsValue, JsError> {
    to_js(&Limits {
        min_classes: data::MIN_CLASSES,
        max_classes: data::MAX_CLASSES,
        max_image_side: data::MAX_IMAGE_SIDE,
        max_dataset_side: data::MAX_DATASET_SIDE,
        max_shapes: trainer::MAX_SHAPES,
        max_filter_pixels: filters::MAX_PIXELS,
        max_kernel: filters::MAX_KERNEL,
        // Exact: MAX_BYTES is 2^30, far below 2^53.
        max_bytes: budget::MAX_BYTES as f64,
    })
}

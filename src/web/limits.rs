//! The engine's limits, for the page: it reads its rules (most classes, largest images, most
//! geometric figures, the memory budget, the stepper's first view and bounds) from here instead of
//! repeating the numbers in JavaScript
//! (`www/js/config.js` `ENGINE_LIMITS`, which bounds the URL's settings in `www/js/state.js`).

use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::lab::to_js;
use crate::{filters, stepper, trainer};

/// The Train panel's limits ([`trainer::Limits`], field by field: serde's `flatten` would make a JS
/// `Map`) and the Filters panel's, as one object.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PageLimits {
    max_figures: usize,
    min_figures_side: usize,
    max_figures_side: usize,
    max_dataset_side: usize,
    min_classes: usize,
    max_classes: usize,
    max_image_side: usize,
    max_parameters: usize,
    budget_bytes: u64,
    /// Largest image a filter accepts, in pixels.
    max_filter_pixels: usize,
    /// Largest side of a filter kernel.
    max_kernel: usize,
    /// The Shapes panel's stepper: `{ defaults, lecture, limits }` ([`stepper::SETTINGS`]).
    stepper: stepper::Settings,
}

/// `{ maxFigures, minFiguresSide, maxFiguresSide, maxDatasetSide, minClasses, maxClasses,
/// maxImageSide, maxParameters, budgetBytes, maxFilterPixels, maxKernel, stepper }`, from the engine's
/// constants (every count is far below 2^53, so a JS Number holds it exactly).
#[wasm_bindgen]
pub fn limits() -> Result<JsValue, JsError> {
    let train = trainer::limits();
    to_js(&PageLimits {
        max_figures: train.max_figures,
        min_figures_side: train.min_figures_side,
        max_figures_side: train.max_figures_side,
        max_dataset_side: train.max_dataset_side,
        min_classes: train.min_classes,
        max_classes: train.max_classes,
        max_image_side: train.max_image_side,
        max_parameters: train.max_parameters,
        budget_bytes: train.budget_bytes,
        max_filter_pixels: filters::MAX_PIXELS,
        max_kernel: filters::MAX_KERNEL,
        stepper: stepper::SETTINGS,
    })
}

//! The step-by-step grid of the Shapes panel, for the page: its config in, its plan out. The plan
//! itself — the layer's values, windows, routing and terms — is the engine's
//! ([`crate::stepper::plan`], tested natively in tests/stepper.rs).

use wasm_bindgen::prelude::*;

use super::js_error;
use crate::stepper::{self, StepperConfig};

/// The plan of the grid for `config` (a `StepperConfig` object: `{ op, height, width, channels,
/// filters, filter, stride, pad, seed, backward }`): values, windows and gradients.
///
/// Throws the engine's message (with the arithmetic and the nearest valid strides/pads) when
/// `(W − F + 2P)/S + 1` is not a whole number or the filter does not fit, and the engine's
/// budget message when the plan would be too large to hold.
#[wasm_bindgen(js_name = stepperPlan)]
pub fn stepper_plan(config: JsValue) -> std::result::Result<JsValue, JsError> {
    let config: StepperConfig = serde_wasm_bindgen::from_value(config)?;
    let plan = stepper::plan(config).map_err(js_error)?;
    Ok(serde_wasm_bindgen::to_value(&plan)?)
}

//! The Lab panel's computations, in the Lab module only (feature `lab`, built into www/pkg-lab/):
//! gradient checks run a few elements at a time ([`GradCheckRun`]), naive against fast layers one
//! timed call at a time ([`SpeedRun`]), and the batch norm demonstration. The Lab's worker
//! (www/js/lab/worker.js) owns these objects; leaving them out of the page's module keeps the
//! gradient checks (and the f64 layers they run) out of what the page loads at start.

use wasm_bindgen::prelude::*;

use super::js_error;
use super::lab::to_js;
use crate::lab::{
    self, BatchNormDemoSettings, GradCheckJob, GradCheckSettings, Pass, SpeedBench, SpeedSettings,
    Variant,
};

/// A gradient check in progress. `new GradCheckRun(settings)` validates the settings and computes
/// the analytic gradients (throwing the engine's message if the settings are unusable: for a
/// designed network also the parser's message on its text, or the count that is over the check's
/// limits); each
/// `step(k)` computes k more numerical gradient elements, so the worker can report progress and
/// stop between steps.
#[wasm_bindgen]
pub struct GradCheckRun {
    inner: GradCheckJob,
}

#[wasm_bindgen]
impl GradCheckRun {
    #[wasm_bindgen(constructor)]
    pub fn new(settings: JsValue) -> Result<GradCheckRun, JsError> {
        let settings: GradCheckSettings = serde_wasm_bindgen::from_value(settings)?;
        let inner = GradCheckJob::new(&settings).map_err(js_error)?;
        Ok(GradCheckRun { inner })
    }

    /// Computes up to `elements` more elements; true when the check is complete.
    pub fn step(&mut self, elements: usize) -> bool {
        self.inner.step(elements)
    }

    /// Elements done so far.
    #[wasm_bindgen(getter)]
    pub fn done(&self) -> usize {
        self.inner.progress().0
    }

    /// Elements in all (every value of every checked input).
    #[wasm_bindgen(getter)]
    pub fn total(&self) -> usize {
        self.inner.progress().1
    }

    /// The `GradCheckReport` object; throws if the check is not complete.
    pub fn report(&self) -> Result<JsValue, JsError> {
        to_js(&self.inner.report_in(super::language()).map_err(js_error)?)
    }
}

/// The data of one naive-against-fast comparison. `run("naive" | "fast", "forward" | "backward")`
/// runs that pass once (the worker times it); `comparison()` gives the differences so far.
#[wasm_bindgen]
pub struct SpeedRun {
    inner: SpeedBench,
}

#[wasm_bindgen]
impl SpeedRun {
    #[wasm_bindgen(constructor)]
    pub fn new(settings: JsValue) -> Result<SpeedRun, JsError> {
        let settings: SpeedSettings = serde_wasm_bindgen::from_value(settings)?;
        let inner = SpeedBench::new(&settings).map_err(js_error)?;
        Ok(SpeedRun { inner })
    }

    /// Runs one pass of one variant once.
    pub fn run(&mut self, variant: JsValue, pass: JsValue) -> Result<(), JsError> {
        let variant: Variant = serde_wasm_bindgen::from_value(variant)?;
        let pass: Pass = serde_wasm_bindgen::from_value(pass)?;
        self.inner.run(variant, pass).map_err(js_error)
    }

    /// `{ out, dx, dw, db }`, each `{ relError, maxAbs }` once both variants computed it.
    pub fn comparison(&self) -> Result<JsValue, JsError> {
        to_js(&self.inner.comparison())
    }

    /// `[["x", [N, C, H, W]], ["w", …], ["out", …]]`.
    pub fn shapes(&self) -> Result<JsValue, JsError> {
        to_js(&self.inner.shapes())
    }
}

/// Runs the batch norm demonstration; returns a `BatchNormDemoReport` object.
#[wasm_bindgen(js_name = batchnormDemo)]
pub fn batchnorm_demo(settings: JsValue) -> Result<JsValue, JsError> {
    let settings: BatchNormDemoSettings = serde_wasm_bindgen::from_value(settings)?;
    to_js(&lab::batchnorm_demo(&settings).map_err(js_error)?)
}

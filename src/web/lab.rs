//! The Lab panel's defaults and rules: the layers the gradient check knows with their settings,
//! the default sizes of the naive-against-fast comparison and the batch norm demonstration, and
//! the thresholds of the course's reading of a relative error. The panel draws its forms, texts and
//! heat maps from these on the main thread, so they are in the page's module; the
//! computations themselves are in `lab_jobs` (the Lab module, feature `lab`), which only the Lab's
//! worker loads. Settings cross the boundary as plain objects (see the serde names in
//! `crate::lab`).

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::lab::{
    BatchNormDemoSettings, Field, GradCheckSettings, LabLayer, SpeedLayer, SpeedSettings, Verdict,
};

pub(super) fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsError> {
    Ok(serde_wasm_bindgen::to_value(value)?)
}

#[derive(Serialize)]
struct LayerInfo {
    name: &'static str,
    title: &'static str,
    fields: &'static [Field],
    defaults: GradCheckSettings,
}

/// Every layer the gradient check knows, in panel order:
/// `[{ name, title, fields: ["n", "c", …], defaults: GradCheckSettings }, …]`. The last,
/// `"designed"`, checks the network table's text (its field `"network"`; the page sends the
/// Shapes panel's, `""` for the lecture's network) and its defaults carry the Lab's example
/// network (`lab::DESIGNED_EXAMPLE`).
#[wasm_bindgen(js_name = labLayers)]
pub fn lab_layers() -> Result<JsValue, JsError> {
    let layers: Vec<LayerInfo> = LabLayer::ALL
        .iter()
        .map(|&l| LayerInfo {
            name: l.name(),
            title: l.title(),
            fields: l.fields(),
            defaults: GradCheckSettings::for_layer(l),
        })
        .collect();
    to_js(&layers)
}

/// The gradient check the panel opens on: `GradCheckSettings::default()` (the assignment's conv
/// check), whose values are the defaults of the page's `g…` settings.
#[wasm_bindgen(js_name = gradcheckDefaults)]
pub fn gradcheck_defaults() -> Result<JsValue, JsError> {
    to_js(&GradCheckSettings::default())
}

/// The course's `ThreeLayerConvNet` weight scale (`ConvNetConfig::default()`, 1e-3), which the
/// Lab's check of the whole net offers to try.
#[wasm_bindgen(js_name = courseWeightScale)]
pub fn course_weight_scale() -> f64 {
    crate::models::ConvNetConfig::default().weight_scale
}

/// The default sizes of the naive-against-fast comparison: `{ conv: SpeedSettings, maxpool: … }`
/// (the assignment's).
#[wasm_bindgen(js_name = speedDefaults)]
pub fn speed_defaults() -> Result<JsValue, JsError> {
    #[derive(Serialize)]
    struct Defaults {
        conv: SpeedSettings,
        maxpool: SpeedSettings,
    }
    to_js(&Defaults {
        conv: SpeedSettings::for_layer(SpeedLayer::Conv),
        maxpool: SpeedSettings::for_layer(SpeedLayer::MaxPool),
    })
}

/// The default `BatchNormDemoSettings`.
#[wasm_bindgen(js_name = batchnormDefaults)]
pub fn batchnorm_defaults() -> Result<JsValue, JsError> {
    to_js(&BatchNormDemoSettings::default())
}

/// The thresholds of the course's reading, `{ correctBelow: 1e-7, wrongAbove: 1e-4 }`
/// ([`Verdict::THRESHOLDS`]): the page writes them in its texts and colours each heat-map cell by
/// them, while the table's readings are the report's own `verdict` and `kinkFreeVerdict`.
#[wasm_bindgen(js_name = labThresholds)]
pub fn lab_thresholds() -> Result<JsValue, JsError> {
    to_js(&Verdict::THRESHOLDS)
}

/// The engine's reading of one relative error ([`Verdict::of`]): "correct", "suspicious" or
/// "wrong". The page's tests check that its heat-map colours, drawn from [`lab_thresholds`], read
/// every error as this does.
#[wasm_bindgen(js_name = labVerdict)]
pub fn lab_verdict(rel_error: f64) -> String {
    Verdict::of(rel_error).name().to_string()
}

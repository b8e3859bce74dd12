//! The Lab panel's defaults: the layers the gradient check knows with their settings, and the
//! default sizes of the naive-against-fast comparison and the batch norm demonstration. The panel
//! draws its forms from these on the main thread, so they are in the page's module; the
//! computations themselves are in `lab_jobs` (the Lab module, feature `lab`), which only the Lab's
//! worker loads. Settings cross the boundary as plain objects (see the serde names in
//! `crate::lab`).

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::lab::{
    BatchNormDemoSettings, Field, GradCheckSettings, LabLayer, SpeedLayer, SpeedSettings,
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
/// `[{ name, title, fields: ["n", "c", …], defaults: GradCheckSettings }, …]`.
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

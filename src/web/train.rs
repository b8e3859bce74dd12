//! The training panel's handle on the engine: one [`Trainer`] that the page's Web Worker keeps,
//! wrapping [`crate::trainer::Trainer`]. Settings arrive as plain objects (the page's
//! `{ dataset, size, nTrain, … }` and `{ numFilters, filterSize, … }`), results leave as plain
//! objects whose pixels are `Uint8Array`s, ready to be transferred to the main thread.
//!
//! This build carries no digits file: the worker fetches `data/digits.bin` (see
//! [`crate::data::DIGITS_URL`]) when the digits are first chosen and passes its bytes to the
//! [`Trainer`] constructor.

use wasm_bindgen::prelude::*;

use super::{js_error, language};
use crate::data::{ClassExamples, RgbaImage};
use crate::i18n::Message;
use crate::trainer::{self, DataSettings, DataSources, DatasetKind, Preset, RunSettings, Split};

fn to_js<T: serde::Serialize>(value: &T) -> Result<JsValue, JsError> {
    Ok(serde_wasm_bindgen::to_value(value)?)
}

/// The user's own images, class by class, gathered before a [`Trainer`] is made from them.
#[wasm_bindgen]
#[derive(Default)]
pub struct OwnImages {
    classes: Vec<ClassExamples>,
}

#[wasm_bindgen]
impl OwnImages {
    #[wasm_bindgen(constructor)]
    pub fn new() -> OwnImages {
        OwnImages::default()
    }

    /// Adds an empty class; its images follow with `addImage(classIndex, …)`.
    #[wasm_bindgen(js_name = addClass)]
    pub fn add_class(&mut self, name: String) {
        self.classes.push(ClassExamples {
            name,
            images: Vec::new(),
        });
    }

    /// Adds an RGBA image (`width · height · 4` bytes) to class `class`.
    #[wasm_bindgen(js_name = addImage)]
    pub fn add_image(
        &mut self,
        class: usize,
        width: usize,
        height: usize,
        pixels: Vec<u8>,
    ) -> Result<(), JsError> {
        let image = RgbaImage::new(width, height, pixels).map_err(js_error)?;
        let count = self.classes.len();
        let target = self.classes.get_mut(class).ok_or_else(|| {
            JsError::new(
                &Message::new("models.trainer.no_class")
                    .arg("class", class)
                    .arg("count", count)
                    .text(language()),
            )
        })?;
        target.images.push(image);
        Ok(())
    }
}

/// A preset as the page receives it.
#[derive(serde::Serialize)]
struct PresetSettings {
    data: DataSettings,
    run: RunSettings,
}

/// The settings of a preset, `{ data, run }`: `dataset` is "figures" (or "shapes", its name
/// before), "digits" or "own", `preset` "overfit" or "full".
/// One ready-made network for the page: its name, its words, and the settings that train it.
#[derive(serde::Serialize)]
struct NetworkPresetView {
    name: trainer::NetworkPreset,
    /// In the page's language.
    label: String,
    /// The network in the Shapes panel's text, its input the preset's images.
    text: String,
    data: DataSettings,
    run: RunSettings,
}

/// The ready-made networks ([`trainer::network_preset`]) in the order the page offers them.
#[wasm_bindgen(js_name = networkPresets)]
pub fn network_presets() -> Result<JsValue, JsError> {
    let views: Vec<NetworkPresetView> = trainer::NetworkPreset::ALL
        .into_iter()
        .map(|name| {
            let (data, run) = trainer::network_preset(name);
            NetworkPresetView {
                name,
                label: name.label().text(language()),
                text: trainer::network_text(&data, &run),
                data,
                run,
            }
        })
        .collect();
    to_js(&views)
}

#[wasm_bindgen(js_name = trainPreset)]
pub fn train_preset(dataset: JsValue, preset: JsValue) -> Result<JsValue, JsError> {
    let kind: DatasetKind = serde_wasm_bindgen::from_value(dataset)?;
    let which: Preset = serde_wasm_bindgen::from_value(preset)?;
    let (data, run) = trainer::preset(kind, which);
    to_js(&PresetSettings { data, run })
}

/// A [`trainer::Progress`] as the page receives it: the divergence written in its language.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct ProgressView {
    iteration: usize,
    num_iterations: usize,
    epoch: usize,
    losses: Vec<f64>,
    accuracies: Vec<trainer::AccuracyPoint>,
    learning_rate: f64,
    finished: bool,
    diverged: Option<String>,
}

/// Dataset, net and solver of one training run (see [`crate::trainer::Trainer`]).
#[wasm_bindgen]
pub struct Trainer {
    inner: trainer::Trainer,
}

#[wasm_bindgen]
impl Trainer {
    /// Loads the data and makes a fresh net; throws the engine's message if a setting is
    /// refused. `own` holds the user's images (used when `data.dataset` is "own");
    /// `digitsFile`, a `Uint8Array` of the digits file, is needed when it is "digits" and
    /// may be left out otherwise.
    #[wasm_bindgen(constructor)]
    pub fn new(
        data: JsValue,
        run: JsValue,
        own: &OwnImages,
        digits_file: Option<Vec<u8>>,
    ) -> Result<Trainer, JsError> {
        let data: DataSettings = serde_wasm_bindgen::from_value(data)?;
        let run: RunSettings = serde_wasm_bindgen::from_value(run)?;
        let sources = DataSources {
            own: &own.classes,
            digits_file: digits_file.as_deref(),
        };
        let inner = trainer::Trainer::new(&data, sources, &run).map_err(js_error)?;
        Ok(Trainer { inner })
    }

    /// A fresh net on the same data; throws (keeping the current net) if a setting is refused.
    pub fn reset(&mut self, run: JsValue) -> Result<(), JsError> {
        let run: RunSettings = serde_wasm_bindgen::from_value(run)?;
        self.inner.reset(&run).map_err(js_error)
    }

    /// Up to `n` iterations: `{ iteration, numIterations, epoch, losses, accuracies,
    /// learningRate, finished, diverged }`, `diverged` the engine's message in the page's
    /// language (or null).
    pub fn step(&mut self, n: usize) -> Result<JsValue, JsError> {
        let p = self.inner.step(n).map_err(js_error)?;
        to_js(&ProgressView {
            iteration: p.iteration,
            num_iterations: p.num_iterations,
            epoch: p.epoch,
            losses: p.losses,
            accuracies: p.accuracies,
            learning_rate: p.learning_rate,
            finished: p.finished,
            diverged: p.diverged.map(|e| e.text(language())),
        })
    }

    /// The dataset and the net in numbers.
    pub fn summary(&self) -> Result<JsValue, JsError> {
        to_js(&self.inner.summary().map_err(js_error)?)
    }

    /// Up to `perClass` training examples of each class: `{ classNames, labels, tiles }`.
    pub fn previews(&self, per_class: usize) -> Result<JsValue, JsError> {
        to_js(&self.inner.previews(per_class).map_err(js_error)?)
    }

    /// The first-layer filters as tiles `{ count, height, width, rgba }`.
    pub fn filters(&self) -> Result<JsValue, JsError> {
        to_js(&self.inner.filters_in(super::language()))
    }

    /// Example `index` of "train" or "val" through every layer of the net.
    pub fn example(&self, split: JsValue, index: usize) -> Result<JsValue, JsError> {
        let split: Split = serde_wasm_bindgen::from_value(split)?;
        to_js(
            &self
                .inner
                .example_in(split, index, super::language())
                .map_err(js_error)?,
        )
    }

    /// Class probabilities for an RGBA image (`width · height · 4` bytes) of any size.
    pub fn predict(
        &self,
        width: usize,
        height: usize,
        pixels: Vec<u8>,
    ) -> Result<JsValue, JsError> {
        let image = RgbaImage::new(width, height, pixels).map_err(js_error)?;
        to_js(&self.inner.predict(&image).map_err(js_error)?)
    }

    /// The validation set's confusion matrix `{ classNames, counts, accuracy }`.
    pub fn confusion(&self) -> Result<JsValue, JsError> {
        to_js(&self.inner.confusion().map_err(js_error)?)
    }

    /// The current net as a model file.
    pub fn export(&self) -> Vec<u8> {
        self.inner.export()
    }

    /// Loads a model file in place of the current net and returns the new summary; throws the
    /// reason a file is refused, keeping the current net.
    pub fn import(&mut self, bytes: &[u8]) -> Result<JsValue, JsError> {
        to_js(&self.inner.import(bytes).map_err(js_error)?)
    }
}

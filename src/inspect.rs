//! What the training page draws about a net, as pixels and plain numbers: the filters of every
//! conv layer as small images and every layer's activations for one example.
//!
//! Pixels are RGBA bytes (4 per pixel, A = 255), ready for the browser's `ImageData`; the page only
//! places them. Each image is min–max scaled on its own or per layer, as the function says, so
//! that the darkest pixel is the smallest value and the brightest the largest — the
//! `visualize_grid` convention of the course.
//!
//! ```
//! use cnn_playground::inspect::filter_tiles;
//! use ndarray::Array4;
//! // Two 2×2 filters on one channel: each becomes a grey tile, black at its minimum.
//! let w = Array4::from_shape_vec((2, 1, 2, 2), vec![0.0f32, 1.0, 2.0, 3.0, -1.0, -1.0, 5.0, 5.0]).unwrap();
//! let tiles = filter_tiles(&w);
//! assert_eq!((tiles.count, tiles.height, tiles.width), (2, 2, 2));
//! assert_eq!(&tiles.rgba.0[..8], &[0, 0, 0, 255, 85, 85, 85, 255]);
//! ```

use crate::error::{Error, Result};
use crate::float::Float;
use crate::i18n::{Lang, Message};
use crate::models::{Activations, LayerOutput, Sequential};
use crate::shapes::LayerSpec;
use ndarray::{Array2, ArrayView1, ArrayView3, Axis, Ix4};
use serde::{Serialize, Serializer};

/// Bytes that serialise as one byte string (a `Uint8Array` in the browser) instead of a list of
/// numbers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Bytes(pub Vec<u8>);

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

/// `count` images of `height × width` pixels, one after another in `rgba` (4 bytes a pixel).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tiles {
    pub count: usize,
    pub height: usize,
    pub width: usize,
    pub rgba: Bytes,
}

/// The smallest and largest of `values` (`(0, 0)` when empty; NaN is ignored).
fn range<F: Float>(values: impl Iterator<Item = F>) -> (f64, f64) {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for v in values {
        let v = v.as_f64();
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if lo > hi {
        (0.0, 0.0)
    } else {
        (lo, hi)
    }
}

/// `v` scaled from `[lo, hi]` to a byte; a constant image is drawn mid-grey.
fn byte(v: f64, lo: f64, hi: f64) -> u8 {
    if hi > lo {
        (255.0 * (v - lo) / (hi - lo)).round().clamp(0.0, 255.0) as u8
    } else {
        128
    }
}

/// Appends one `(C, H, W)` image to `out` as RGBA, scaled from `[lo, hi]`: three channels as
/// colour, one channel as grey.
fn push_image<F: Float>(out: &mut Vec<u8>, image: ArrayView3<F>, lo: f64, hi: f64) {
    let (c, h, w) = image.dim();
    for y in 0..h {
        for x in 0..w {
            let px = if c == 3 {
                [0, 1, 2].map(|k| byte(image[[k, y, x]].as_f64(), lo, hi))
            } else {
                [byte(image[[0, y, x]].as_f64(), lo, hi); 3]
            };
            out.extend_from_slice(&px);
            out.push(255);
        }
    }
}

/// The conv filters w `(F, C, HH, WW)` as F tiles of `HH × WW`, each scaled between its own
/// minimum and maximum (over all its channels): colour for C = 3, the first channel as grey
/// otherwise.
pub fn filter_tiles<F: Float>(w: &ndarray::Array4<F>) -> Tiles {
    let (f, _, hh, ww) = w.dim();
    let mut rgba = Vec::with_capacity(f * hh * ww * 4);
    for filter in w.axis_iter(Axis(0)) {
        let (lo, hi) = range(filter.iter().copied());
        push_image(&mut rgba, filter, lo, hi);
    }
    Tiles {
        count: f,
        height: hh,
        width: ww,
        rgba: Bytes(rgba),
    }
}

/// One conv layer's filters, for the page to draw under the layer's name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConvFilters {
    /// The layer as the table names it: `layer 1: conv3x3-16 pad1`.
    pub layer: String,
    /// The weights' name in the parameter table (`W1`) and shape `[F, C, k, k]`.
    pub name: String,
    pub shape: Vec<usize>,
    /// F tiles of k×k ([`filter_tiles`]: colour when C = 3, else the first channel in grey).
    pub tiles: Tiles,
}

/// The filters of every conv layer of `model`, in layer order. The k-th layer with weights (conv
/// or fc) owns `Wk`, so the conv layers' weights are found by counting.
pub fn conv_filters<F: Float>(model: &Sequential<F>) -> Vec<ConvFilters> {
    conv_filters_in(model, Lang::En)
}

/// [`conv_filters`] with the layers named in `lang` (`1번째 층: conv3x3-16 pad1`).
pub fn conv_filters_in<F: Float>(model: &Sequential<F>, lang: Lang) -> Vec<ConvFilters> {
    let mut out = Vec::new();
    let mut weighted = 0;
    for (i, layer) in model.config().network.layers.iter().enumerate() {
        match layer {
            LayerSpec::Conv { .. } => weighted += 1,
            LayerSpec::Fc { .. } => {
                weighted += 1;
                continue;
            }
            _ => continue,
        }
        let name = format!("W{weighted}");
        let Some(w) = model.params().value(&name) else {
            continue;
        };
        let Ok(w) = w.view().into_dimensionality::<Ix4>() else {
            continue;
        };
        out.push(ConvFilters {
            layer: layer_name(i + 1, &layer.to_string(), false, lang),
            shape: w.shape().to_vec(),
            tiles: filter_tiles(&w.to_owned()),
            name,
        });
    }
    out
}

/// `layer 3: conv3x3-16 pad1` (and ` (scores)` for the last layer), in `lang`.
fn layer_name(number: usize, layer: &str, scores: bool, lang: Lang) -> String {
    let key = if scores {
        "layers.inspect.layer_scores"
    } else {
        "layers.inspect.layer"
    };
    Message::new(key)
        .arg("n", number)
        .arg("layer", layer)
        .text(lang)
}

/// Softmax of the first row of `scores` `(N, classes)`, in f64: the class probabilities of one
/// image.
pub fn probabilities<F: Float>(scores: &Array2<F>) -> Vec<f64> {
    let row: Vec<f64> = scores.row(0).iter().map(|v| v.as_f64()).collect();
    let max = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let exps: Vec<f64> = row.iter().map(|v| (v - max).exp()).collect();
    let sum: f64 = exps.iter().sum();
    exps.into_iter().map(|e| e / sum).collect()
}

/// The activations of one layer for one example.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerActivations {
    /// The layer's name as the page shows it ("conv", "relu", "pool", "affine", …).
    pub name: String,
    /// Shape of this example's activations: `[F, H, W]` for maps, `[D]` for a vector.
    pub shape: Vec<usize>,
    /// Smallest and largest value, the ends of the grey scale.
    pub min: f64,
    pub max: f64,
    /// Feature maps (layers with spatial extent): one grey tile per channel, all scaled together
    /// between the layer's `min` and `max` so that maps can be compared.
    pub maps: Option<Tiles>,
    /// The values of a vector layer (hidden units, class scores); empty for maps.
    pub values: Vec<f64>,
}

fn maps_layer<F: Float>(name: &str, a: ArrayView3<F>) -> LayerActivations {
    let (c, h, w) = a.dim();
    let (lo, hi) = range(a.iter().copied());
    let mut rgba = Vec::with_capacity(c * h * w * 4);
    for map in a.axis_iter(Axis(0)) {
        push_image(&mut rgba, map.insert_axis(Axis(0)), lo, hi);
    }
    LayerActivations {
        name: name.into(),
        shape: vec![c, h, w],
        min: lo,
        max: hi,
        maps: Some(Tiles {
            count: c,
            height: h,
            width: w,
            rgba: Bytes(rgba),
        }),
        values: Vec::new(),
    }
}

fn vector_layer<F: Float>(name: &str, a: ArrayView1<F>) -> LayerActivations {
    let (lo, hi) = range(a.iter().copied());
    LayerActivations {
        name: name.into(),
        shape: vec![a.len()],
        min: lo,
        max: hi,
        maps: None,
        values: a.iter().map(|v| v.as_f64()).collect(),
    }
}

/// Every layer of a three-layer convnet for example `index` of a batch whose activations are
/// `acts` (see `ThreeLayerConvNet::activations`): conv, batch norm (if any), relu, pool as maps;
/// the hidden affine layer, its relu and the class scores as vectors.
///
/// Errors if `index` is not an example of the batch.
pub fn layer_activations<F: Float>(
    acts: &Activations<F>,
    index: usize,
) -> Result<Vec<LayerActivations>> {
    let n = acts.scores.dim().0;
    if index >= n {
        return Err(Error::invalid(
            Message::new("layers.inspect.no_example")
                .arg("index", index)
                .arg("n", n),
        ));
    }
    let map = |a: &ndarray::Array4<F>| a.index_axis(Axis(0), index).to_owned();
    let mut layers = vec![maps_layer("conv", map(&acts.conv).view())];
    if let Some(bn) = &acts.batchnorm {
        layers.push(maps_layer("spatial batch norm", map(bn).view()));
    }
    layers.push(maps_layer("relu", map(&acts.relu1).view()));
    layers.push(maps_layer("2×2 max pool", map(&acts.pool).view()));
    layers.push(vector_layer(
        "affine (hidden)",
        acts.affine1.index_axis(Axis(0), index),
    ));
    layers.push(vector_layer("relu", acts.relu2.index_axis(Axis(0), index)));
    layers.push(vector_layer(
        "scores",
        acts.scores.index_axis(Axis(0), index),
    ));
    Ok(layers)
}

/// Every layer of a designed network for example `index` of a batch whose layer outputs are
/// `outputs` (see [`Sequential::layer_outputs`]), in the description's order, named
/// `layer 3: conv3x3-16 pad1`: layers with spatial extent as maps, fc layers as vectors, the last
/// one named the scores.
///
/// Errors if `index` is not an example of the batch.
pub fn sequential_activations<F: Float>(
    outputs: &[LayerOutput<F>],
    index: usize,
) -> Result<Vec<LayerActivations>> {
    sequential_activations_in(outputs, index, Lang::En)
}

/// [`sequential_activations`] with the layers named in `lang`.
pub fn sequential_activations_in<F: Float>(
    outputs: &[LayerOutput<F>],
    index: usize,
    lang: Lang,
) -> Result<Vec<LayerActivations>> {
    let n = outputs.first().map_or(0, |o| o.output.dim().0);
    if index >= n {
        return Err(Error::invalid(
            Message::new("layers.inspect.no_example")
                .arg("index", index)
                .arg("n", n),
        ));
    }
    let last = outputs.len().saturating_sub(1);
    Ok(outputs
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let name = layer_name(o.number, &o.layer.to_string(), i == last, lang);
            let a = o.output.index_axis(Axis(0), index);
            let (c, h, w) = a.dim();
            if (h, w) == (1, 1) && vector_like(outputs, i) {
                vector_layer(
                    &name,
                    a.into_shape_with_order(c).expect("c×1×1 is c values"),
                )
            } else {
                maps_layer(&name, a)
            }
        })
        .collect())
}

/// Whether layer i's output continues a vector: every layer from the first fc on is drawn as
/// values, not as 1×1 maps.
fn vector_like<F>(outputs: &[LayerOutput<F>], i: usize) -> bool {
    outputs[..=i]
        .iter()
        .any(|o| matches!(o.layer, LayerSpec::Fc { .. }))
}

/// One image `(C, H, W)` as RGBA, mapping the data's `[−1, 1]` to `0..=255` (not rescaled, so it
/// looks as the dataset does).
pub fn image_rgba<F: Float>(image: ArrayView3<F>) -> Bytes {
    let mut out = Vec::with_capacity(image.len() / image.dim().0.max(1) * 4);
    push_image(&mut out, image, -1.0, 1.0);
    Bytes(out)
}

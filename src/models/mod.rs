//! Models built from the layers: the assignment's three-layer convnet, and its file format.
//!
//! [`ThreeLayerConvNet`] is `conv – [spatial batch norm] – relu – 2×2 max pool – affine – relu –
//! affine – softmax`, as in the assignment's `cnn.py`. Its [`ThreeLayerConvNet::loss`] returns the
//! loss and the gradients of every parameter; [`ThreeLayerConvNet::scores`] the class scores.
//! [`ThreeLayerConvNet::to_bytes`] / [`ThreeLayerConvNet::from_bytes`] save and load a trained net
//! in a small versioned binary format (see [`file`](mod@file)).
//!
//! [`training_step`] is one step of training (loss, gradients, SGD); [`StepParts`] is the same step
//! taken apart layer by layer, so that the browser benchmark can time each part.
//!
//! ```
//! use cnn_playground::models::{ConvNetConfig, ThreeLayerConvNet};
//! use cnn_playground::rng::Rng;
//! use ndarray::Array4;
//! let config = ConvNetConfig { input_dim: (3, 8, 8), num_filters: 4, filter_size: 3, hidden_dim: 10, ..ConvNetConfig::default() };
//! let mut model = ThreeLayerConvNet::<f64>::new(config).unwrap();
//! let x: Array4<f64> = Rng::new(1).normal_array((5, 3, 8, 8), 1.0);
//! let (loss, grads) = model.loss(&x, &[0, 1, 2, 3, 4]).unwrap();
//! // Small random weights give near-uniform class scores: the loss starts near ln 10.
//! assert!((loss - 10f64.ln()).abs() < 0.01);
//! assert_eq!(grads.w1.dim(), (4, 3, 3, 3));
//! ```

pub mod file;
mod model;
mod sequential;
pub(crate) use sequential::layer_name;
mod three_layer;
mod training_step;

pub(crate) use model::solver_tally;
pub use model::Model;
pub use sequential::{
    Init, LayerOutput, Loss, Param, ParamTable, Sequential, SequentialConfig, SequentialSnapshot,
};
pub(crate) use three_layer::short_number;
pub use three_layer::{
    Activations, BatchNorm, ConvNetConfig, Grads, LayerDims, Params, ThreeLayerConvNet,
    MAX_PARAMETERS,
};
pub use training_step::{training_step, StepParts, STEP_PARTS};

use crate::error::{Error, Result};
use crate::i18n::Message;

/// Errors unless there is one label in `0..classes` per example of a batch of `n`; `model` names
/// the model in the message ("ThreeLayerConvNet", "the sequential model's").
fn check_labels(model: &str, n: usize, y: &[usize], classes: usize) -> Result<()> {
    if y.len() != n {
        return Err(Error::shape(
            format!("{model} labels y (one per image of x)"),
            format!("{n} labels"),
            format!("{} labels", y.len()),
        ));
    }
    match y.iter().position(|&l| l >= classes) {
        Some(index) => Err(Error::LabelOutOfRange {
            label: y[index],
            index,
            classes,
        }),
        None => Ok(()),
    }
}

/// Errors unless there is exactly one name per class of `classes`, each shorter than 4 GiB (the
/// model file stores each name's length as a u32).
fn check_class_names(names: &[String], classes: usize) -> Result<()> {
    if names.len() != classes {
        return Err(Error::invalid(
            Message::new("models.class_names_count")
                .arg("count", names.len())
                .arg("classes", classes),
        ));
    }
    if let Some(i) = names.iter().position(|n| u32::try_from(n.len()).is_err()) {
        return Err(Error::invalid(
            Message::new("models.class_name_too_long")
                .arg("index", i)
                .arg("len", names[i].len()),
        ));
    }
    Ok(())
}

/// `error` with `what` as the thing that would not fit, if it is [`Error::OverBudget`]: a
/// [`crate::budget::Tally`] names its total in English, and this gives it the catalog's words.
pub(crate) fn over_budget_as(error: Error, what: Message) -> Error {
    match error {
        Error::OverBudget { needed, limit, .. } => Error::OverBudget {
            what,
            needed,
            limit,
        },
        other => other,
    }
}

/// A quantity that must be at least 1, named for [`Error::Zero`]: the catalog's words for the
/// sizes the page names in words ("the filter size"), a symbol or setting name (`N`,
/// `batch_size`) as it is in every language.
pub(crate) fn quantity(what: &str) -> Message {
    let key = match what {
        "the input channels C" => "models.quantity.input_channels",
        "the number of filters F" => "models.quantity.filters",
        "the filter size" => "models.quantity.filter_size",
        "the hidden size" => "models.quantity.hidden_size",
        "the stride" => "models.quantity.stride",
        "the number of bins" => "models.quantity.bins",
        _ => return Message::new("models.symbol").arg("name", what),
    };
    Message::new(key)
}

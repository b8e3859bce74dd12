//! Helpers shared by the integration tests.
#![allow(dead_code)]

use ndarray::{Array, Array1, IxDyn};

/// numpy's `np.linspace(lo, hi, num=n)`.
pub fn linspace(lo: f64, hi: f64, n: usize) -> Array1<f64> {
    Array1::linspace(lo, hi, n)
}

/// `np.linspace(lo, hi, num=prod(shape)).reshape(shape)`, the course's favourite test input.
pub fn linspace_shaped(lo: f64, hi: f64, shape: &[usize]) -> Array<f64, IxDyn> {
    let n = shape.iter().product();
    linspace(lo, hi, n)
        .into_shape_with_order(IxDyn(shape))
        .unwrap()
}

/// A small, quick trainer set-up: 40 + 20 figures of 16×16, a net of 4 filters, 2 epochs of
/// batch 10.
pub fn small_trainer_settings() -> (
    cnn_playground::trainer::DataSettings,
    cnn_playground::trainer::RunSettings,
) {
    use cnn_playground::trainer::{preset, DatasetKind, Preset};
    let (mut data, mut run) = preset(DatasetKind::Figures, Preset::Overfit);
    data.n_train = 40;
    data.n_val = 20;
    run.num_filters = 4;
    run.hidden_dim = 16;
    run.batch_size = 10;
    run.num_epochs = 2;
    (data, run)
}

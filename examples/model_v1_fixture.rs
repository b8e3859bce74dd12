//! Writes the committed version-1 model file `tests/data/model-v1.bin` (1 629 bytes), which
//! `tests/model.rs` loads to prove that files of the first format version still load. It was run
//! once, before version 2 existed; the tests only read the file, never rewrite it.
//!
//! ```sh
//! cargo run --example model_v1_fixture -- tests/data/model-v1.bin
//! ```
//!
//! The net: a 2×8×6 input, 4 filters of 3×3, batch norm, hidden 5, 3 named classes, weights from
//! seed 9, then three SGD steps (learning rate 0.1) on W1 and W3 with batch norm's running
//! statistics moved by the training passes, so that every kind of array holds learned values.

use cnn_playground::models::{ConvNetConfig, ThreeLayerConvNet};
use cnn_playground::optim::{sgd, Sgd};
use cnn_playground::rng::Rng;
use ndarray::Array4;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: model_v1_fixture FILE")?;
    let config = ConvNetConfig {
        input_dim: (2, 8, 6),
        num_filters: 4,
        filter_size: 3,
        hidden_dim: 5,
        num_classes: 3,
        weight_scale: 0.1,
        batchnorm: true,
        reg: 0.25,
        seed: 9,
    };
    let mut net = ThreeLayerConvNet::<f32>::new(config)?;
    net.set_class_names(vec!["circle".into(), "square".into(), "triangle △".into()])?;
    let mut rng = Rng::new(4);
    let x: Array4<f32> = rng.normal_array((8, 2, 8, 6), 1.0);
    let y = [0, 1, 2, 0, 1, 2, 2, 1];
    let step = Sgd { learning_rate: 0.1 };
    for _ in 0..3 {
        let (_, grads) = net.loss(&x, &y)?;
        let mut p = net.params().clone();
        sgd(
            p.w1.as_slice_mut().ok_or("w1 in standard layout")?,
            grads.w1.as_slice().ok_or("dw1 in standard layout")?,
            &step,
        )?;
        sgd(
            p.w3.as_slice_mut().ok_or("w3 in standard layout")?,
            grads.w3.as_slice().ok_or("dw3 in standard layout")?,
            &step,
        )?;
        net.set_params(p)?;
    }
    let bytes = net.to_bytes();
    std::fs::write(&path, &bytes)?;
    println!("wrote {} bytes to {path}", bytes.len());
    Ok(())
}

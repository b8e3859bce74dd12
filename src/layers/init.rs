//! He (Kaiming) initialisation of conv and affine weights: `N(0, 2/fan_in)`.
//!
//! A layer's output sums `fan_in` products of inputs and weights, so its variance is `fan_in ·
//! Var(w)` times the inputs' second moment; a ReLU after it zeroes the negative half and halves
//! that moment again. Weights with standard deviation `sqrt(2 / fan_in)` cancel both, and the
//! signal keeps its scale through any number of conv–ReLU or affine–ReLU layers (He et al., 2015,
//! "Delving Deep into Rectifiers"). A fixed scale such as the course's `weight_scale` (1e-3 in
//! the assignment, 0.03 on the page) shrinks or grows the signal by the same factor at every
//! layer, which a deep net cannot train from.
//!
//! `fan_in` is the number of inputs one output sums: C·HH·WW for conv filters `(F, C, HH, WW)`,
//! D for affine weights `(D, M)`. Biases start at zero, as in the course.
//!
//! ```
//! use cnn_playground::layers::init::{he_conv_weights, he_std_conv};
//! use cnn_playground::rng::Rng;
//! // Sixteen 3×3 filters on 8 channels: fan_in = 8·3·3 = 72, std = sqrt(2/72) = 1/6.
//! assert_eq!(he_std_conv(8, 3, 3).unwrap(), (2.0_f64 / 72.0).sqrt());
//! let w = he_conv_weights::<f32>((16, 8, 3, 3), &mut Rng::new(0)).unwrap();
//! assert_eq!(w.dim(), (16, 8, 3, 3));
//! ```

use crate::budget;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::i18n::Message;
use crate::rng::Rng;
use ndarray::{Array2, Array4};

/// `sqrt(2 / fan_in)`, the He standard deviation for a layer whose outputs each sum `fan_in`
/// inputs. `fan_in` is exact (`u128`); `what` (a catalog key) names it in the error for zero.
fn he_std(fan_in: u128, what: &'static str) -> Result<f64> {
    if fan_in == 0 {
        return Err(Error::Zero {
            what: Message::new(what),
        });
    }
    Ok((2.0 / fan_in as f64).sqrt())
}

/// The He standard deviation `sqrt(2 / (C·HH·WW))` of conv filters `(F, C, HH, WW)`.
///
/// Errors: [`Error::Zero`] if C, HH or WW is 0 (there would be no inputs to scale for).
pub fn he_std_conv(c: usize, hh: usize, ww: usize) -> Result<f64> {
    he_std(budget::count(&[c, hh, ww]), "layers.context.fan_in_conv")
}

/// The He standard deviation `sqrt(2 / D)` of affine weights `(D, M)`.
///
/// Errors: [`Error::Zero`] if D is 0.
pub fn he_std_affine(d: usize) -> Result<f64> {
    he_std(d as u128, "layers.context.fan_in_affine")
}

/// Conv filters `(F, C, HH, WW)` drawn from `N(0, 2/(C·HH·WW))`, in row-major order from `rng`.
///
/// Errors: [`Error::Zero`] for a zero side, [`Error::OverBudget`] for filters over the memory
/// budget.
pub fn he_conv_weights<F: Float>(
    shape: (usize, usize, usize, usize),
    rng: &mut Rng,
) -> Result<Array4<F>> {
    let (f, c, hh, ww) = shape;
    if f == 0 {
        return Err(Error::Zero {
            what: Message::new("layers.context.filters_f"),
        });
    }
    let std = he_std_conv(c, hh, ww)?;
    budget::check_named::<F>(Message::new("layers.context.conv_weights"), &[f, c, hh, ww])?;
    Ok(rng.normal_array(shape, std))
}

/// Affine weights `(D, M)` drawn from `N(0, 2/D)`, in row-major order from `rng`.
///
/// Errors: [`Error::Zero`] for D or M of 0, [`Error::OverBudget`] for weights over the memory
/// budget.
pub fn he_affine_weights<F: Float>(shape: (usize, usize), rng: &mut Rng) -> Result<Array2<F>> {
    let (d, m) = shape;
    if m == 0 {
        return Err(Error::Zero {
            what: Message::new("layers.context.affine_outputs_m"),
        });
    }
    let std = he_std_affine(d)?;
    budget::check_named::<F>(Message::new("layers.context.affine_weights"), &[d, m])?;
    Ok(rng.normal_array(shape, std))
}

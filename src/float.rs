//! The float type the engine is generic over: `f64` for gradient checks, `f32` for the browser.

use ndarray::NdFloat;
use num_traits::FromPrimitive;

/// A float the layers can compute in. Implemented for `f32` and `f64`.
pub trait Float: NdFloat + FromPrimitive + Default + std::iter::Sum {
    /// Converts an `f64` constant (a hyperparameter, `eps`, …) to this type.
    fn of(v: f64) -> Self {
        Self::from_f64(v).expect("every f64 converts to f32/f64")
    }
    /// This value as `f64`, for reporting.
    fn as_f64(self) -> f64;
}

impl Float for f32 {
    fn as_f64(self) -> f64 {
        self as f64
    }
}

impl Float for f64 {
    fn as_f64(self) -> f64 {
        self
    }
}

//! The float type the engine is generic over: `f64` for gradient checks, `f32` for the browser;
//! and `on_f32`, the one place generic code reaches a kernel written for `f32`.

use ndarray::NdFloat;
use num_traits::FromPrimitive;
use std::any::TypeId;

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

/// Whether `F` is `f32` (a constant once `F` is known: the check costs nothing).
#[cfg_attr(
    not(all(target_arch = "wasm32", target_feature = "simd128")),
    allow(dead_code)
)]
pub(crate) fn is_f32<F: Float>() -> bool {
    TypeId::of::<F>() == TypeId::of::<f32>()
}

/// `f(a, b)` on the two slices seen as `f32`, its `R × C` tile seen as `F` again, when `F` is
/// `f32`; `None` when it is not. The one place the engine reinterprets its generic float as
/// `f32`: the WebAssembly SIMD kernels (the GEMM micro-kernel in `gemm.rs`, the conv weight
/// gradient's block in `conv_fast/weight_grad.rs`) are written for `f32x4` lanes and reached from
/// code generic over [`Float`].
#[cfg_attr(
    not(all(target_arch = "wasm32", target_feature = "simd128")),
    allow(dead_code)
)]
#[inline(always)]
pub(crate) fn on_f32<F: Float, const R: usize, const C: usize>(
    a: &[F],
    b: &[F],
    f: impl FnOnce(&[f32], &[f32]) -> [[f32; C]; R],
) -> Option<[[F; C]; R]> {
    if !is_f32::<F>() {
        return None;
    }
    // SAFETY: F is f32 (checked above), so each slice is reinterpreted as its own type.
    let (a, b) = unsafe {
        (
            std::slice::from_raw_parts(a.as_ptr().cast::<f32>(), a.len()),
            std::slice::from_raw_parts(b.as_ptr().cast::<f32>(), b.len()),
        )
    };
    let tile = f(a, b);
    // SAFETY: F is f32 (checked above), so the tile is reinterpreted as its own type.
    Some(unsafe { std::mem::transmute_copy::<[[f32; C]; R], [[F; C]; R]>(&tile) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_f32_runs_for_f32_only_and_sees_the_same_values() {
        let (a, b) = ([1.5_f32, -2.0], [0.25_f32, 4.0, 8.0]);
        let tile = on_f32(&a, &b, |a, b| [[a[0] * b[0], a[1] * b[2]], [a[1], b[1]]]);
        assert_eq!(tile, Some([[0.375_f32, -16.0], [-2.0, 4.0]]));
        let (a, b) = ([1.5_f64, -2.0], [0.25_f64]);
        let mut called = false;
        let tile = on_f32(&a, &b, |_, _| {
            called = true;
            [[0.0_f32; 2]; 2]
        });
        assert_eq!(tile, None);
        assert!(!called);
        assert!(is_f32::<f32>() && !is_f32::<f64>());
    }
}

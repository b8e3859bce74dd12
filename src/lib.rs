//! # cnn-playground
//!
//! The layer engine of a browser playground for convolutional networks, written to be read next to
//! Stanford CS231n's Assignment 2. Images are `(N, C, H, W)`, conv filters `(F, C, HH, WW)`; every
//! layer has a `*_forward` that returns `(out, cache)` and a `*_backward` that takes
//! `(dout, cache)`. The engine is plain Rust — no threads, files or clock — so it runs unchanged
//! natively and in WebAssembly; the `web` module (wasm only) is the thin boundary to the page.

// Every `unsafe` block says why it is sound (clippy checks, with -D warnings in scripts/test.sh).
#![warn(clippy::undocumented_unsafe_blocks, unsafe_op_in_unsafe_fn)]

pub mod budget;
pub mod data;
pub mod error;
pub mod filters;
pub mod float;
pub mod gemm;
pub mod gradient_check;
pub mod i18n;
pub mod inspect;
pub mod lab;
pub mod layers;
pub mod models;
pub mod optim;
pub mod rng;
pub mod shapes;
pub mod solver;
pub mod stepper;
pub mod trainer;
#[cfg(target_arch = "wasm32")]
pub mod web;

pub use error::{Error, Result};
pub use float::Float;

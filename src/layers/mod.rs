//! CS231n's layers, one file per layer family, each forward directly above its backward.
//!
//! Conventions, as in the assignment: images `x` are `(N, C, H, W)`; conv filters `w` are
//! `(F, C, HH, WW)` with bias `b` of shape `(F,)`; every `*_forward` returns `(out, cache)` and
//! every `*_backward` takes `(dout, cache)` and returns the gradients named `dx, dw, db`.

pub mod conv;
pub mod pool;

pub use conv::{conv_backward_naive, conv_forward_naive, ConvCache, ConvParam};
pub use pool::PoolParam;

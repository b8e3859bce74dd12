//! The `models` part of the engine's words in Korean (see `super`).

pub const TEXTS: &[(&str, &str)] = &[];

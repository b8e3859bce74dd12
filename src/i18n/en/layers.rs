//! The `layers` part of the engine's words in English (see `super`).

pub const TEXTS: &[(&str, &str)] = &[];

//! The engine's words in English, one table per part of the engine: `core` (the error
//! kinds), `layers` (shapes, layers, filters, data, budget, optimizers), `models` (models,
//! their file, the trainer, the solver, the Lab).

mod core;
mod layers;
mod models;

/// Every table of this language.
pub const TABLES: &[&[(&str, &str)]] = &[core::TEXTS, layers::TEXTS, models::TEXTS];

//! The boundary between the engine and the page: thin `#[wasm_bindgen]` wrappers, compiled for
//! `wasm32` only.
//!
//! Each wrapper converts its arguments, calls one engine function and converts the result back;
//! engine errors become a JavaScript `Error` whose message is the engine's own text
//! (`JsError::new(&e.to_string())`), so the page shows exactly what the engine says. No maths lives
//! here beyond unpacking shapes; the page's modules in `www/` draw what these functions return.
//!
//! Three modules are built from these wrappers (scripts/build-wasm.sh): the page's (www/pkg/),
//! which the page loads at start (the training worker loads it too); the Lab module
//! (www/pkg-lab/, feature `lab`), which adds the Lab's computations (`lab_jobs`) and is loaded by
//! the Lab's worker only; and the browser benchmark's (www/pkg-bench/, feature `bench`), which
//! adds the benchmark's handles (`bench`) and is loaded by bench/ only.

#[cfg(feature = "bench")]
pub mod bench;
mod filters;
mod lab;
#[cfg(feature = "lab")]
mod lab_jobs;
mod limits;
mod shapes;
mod stepper;
pub mod train;

pub use filters::*;
pub use lab::*;
#[cfg(feature = "lab")]
pub use lab_jobs::*;
pub use limits::*;
pub use shapes::*;
pub use stepper::*;

use crate::i18n::Lang;
use wasm_bindgen::prelude::*;

/// Runs once when the page instantiates the module: panics then print a readable message and
/// stack to the console instead of "unreachable executed".
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

thread_local! {
    /// The page's language, in which errors are written (English until the page says).
    static LANGUAGE: std::cell::Cell<Lang> = const { std::cell::Cell::new(Lang::En) };
}

/// Sets the language of the engine's messages: `"en"` or `"ko"` (another code is English).
#[wasm_bindgen(js_name = setLanguage)]
pub fn set_language(code: &str) {
    LANGUAGE.with(|l| l.set(Lang::from_code(code).unwrap_or_default()));
}

/// The language the page asked for.
pub(crate) fn language() -> Lang {
    LANGUAGE.with(|l| l.get())
}

/// An engine error as a JavaScript `Error` carrying the engine's message in the page's language.
pub(crate) fn js_error(e: crate::Error) -> JsError {
    JsError::new(&e.text(language()))
}

//! What the page should draw for a filter, computed natively: the browser tests compare the
//! canvas pixels of Panel 1 with this, so the expectation is always the engine's current result.
//!
//! ```text
//! cargo run --example filter_pixels -- <rgba file> <width> <height> <filter> [<param>]
//! ```
//!
//! `<rgba file>` holds `width·height·4` bytes, row by row. `<filter>` is a `Filter` in JSON as the
//! page sends it (`{"type":"sobelX"}`) or `demo` for the assignment's demo; `<param>` is a
//! `FilterParam` in JSON (`{"stride":1,"pad":1,"channels":"luma"}`). Prints
//! `{"height":H′,"width":W′,"pictures":[[r,g,b,a,…],…]}`: the same `FilterOutput::pictures` the
//! page's wasm build puts on its canvases.

use cnn_playground::filters::{apply_rgba, assignment_demo, Filter, FilterParam};
use std::process::ExitCode;

fn run(args: &[String]) -> Result<String, String> {
    let [path, width, height, filter, rest @ ..] = args else {
        return Err(
            "usage: filter_pixels <rgba file> <width> <height> <filter JSON | demo> [<param JSON>]"
                .into(),
        );
    };
    let rgba = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let width: usize = width.parse().map_err(|e| format!("width {width}: {e}"))?;
    let height: usize = height
        .parse()
        .map_err(|e| format!("height {height}: {e}"))?;
    let out = if filter == "demo" {
        assignment_demo(&rgba, width, height)
    } else {
        let filter: Filter =
            serde_json::from_str(filter).map_err(|e| format!("filter {filter}: {e}"))?;
        let param: FilterParam = match rest.first() {
            Some(p) => serde_json::from_str(p).map_err(|e| format!("param {p}: {e}"))?,
            None => FilterParam::same(&filter, Default::default()),
        };
        apply_rgba(&rgba, width, height, &filter, param)
    }
    .map_err(|e| e.to_string())?;
    let (h, w) = out.size();
    let pictures = serde_json::to_string(&out.pictures()).map_err(|e| e.to_string())?;
    Ok(format!(
        "{{\"height\":{h},\"width\":{w},\"pictures\":{pictures}}}"
    ))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("filter_pixels: {e}");
            ExitCode::FAILURE
        }
    }
}

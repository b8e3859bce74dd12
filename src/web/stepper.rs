//! The numbers behind the step-by-step grid of Panel 2: one small conv or max-pool layer on a
//! single-channel input, run forward and backward by the engine's naive layers.
//!
//! The page draws what [`stepper_plan`] returns and does no arithmetic of its own: the output and
//! gradient values come from `conv_forward_naive`/`conv_backward_naive` and
//! `max_pool_forward_naive`/`max_pool_backward_naive`; the argmax of every pool window is read off
//! the engine's own backward pass (a one-hot upstream gradient lands on exactly that cell). The
//! window positions and the lists of terms are index bookkeeping from the layer's definition,
//! out\[i, j\] = Σ w\[di, dj\] · xpad\[i·S + di, j·S + dj\], so the page can point at them.

use ndarray::{Array1, Array4};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use super::js_error;
use crate::budget::Tally;
use crate::layers::{
    conv_backward_naive, conv_forward_naive, max_pool_backward_naive, max_pool_forward_naive,
    ConvParam, PoolParam,
};
use crate::rng::Rng;
use crate::shapes::{walk, LayerSpec, Shape};
use crate::{Error, Result};

/// Which layer the grid shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    Conv,
    Pool,
}

/// The grid's settings, as the page sends them.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StepperConfig {
    pub op: Op,
    /// Input height H and width W.
    pub height: usize,
    pub width: usize,
    /// Filter (or pool window) size F, square.
    pub filter: usize,
    pub stride: usize,
    /// Zero padding P on every side (conv only: the engine's max pool has none).
    pub pad: usize,
    /// Seed of the small integer input, weights and upstream gradient.
    pub seed: u32,
}

/// One term of a sum in the backward pass: an output (dout) cell times a weight or an input cell.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Term {
    /// Index of the output cell, row-major in `(H', W')`.
    pub out: usize,
    /// Row and column of the other factor: in the filter for dx terms, in the padded input for dw terms.
    pub row: usize,
    pub col: usize,
}

/// Everything the grid shows for one setting. Grids are row-major `Vec`s.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepperPlan {
    pub op: Op,
    pub height: usize,
    pub width: usize,
    pub filter: usize,
    pub stride: usize,
    pub pad: usize,
    pub out_height: usize,
    pub out_width: usize,
    /// x `(H, W)`: integers 0–9.
    pub input: Vec<f64>,
    /// w `(F, F)` (conv only, else empty): integers −1, 0, 1; bias 0.
    pub weights: Vec<f64>,
    /// out `(H', W')`, computed by the engine's forward pass.
    pub output: Vec<f64>,
    /// Top-left corner, in padded coordinates, of the window of each output cell.
    pub windows: Vec<[usize; 2]>,
    /// dout `(H', W')`: the upstream gradient, integers 1–5.
    pub dout: Vec<f64>,
    /// dx `(H, W)` from the engine's backward pass.
    pub dx: Vec<f64>,
    /// dw `(F, F)` from the engine's backward pass (conv only).
    pub dw: Vec<f64>,
    /// Max pool: for each output cell, the row-major input index its gradient is routed to.
    pub argmax: Vec<usize>,
    /// Max pool: dx `(H, W)` after routing dout cells 0..=k, for every k (the engine's backward
    /// pass on dout with the later cells zeroed), so the page can show the sum building up.
    pub dx_after: Vec<Vec<f64>>,
    /// Conv: for each input cell, the (dout cell, weight) pairs that make up its dx.
    pub dx_terms: Vec<Vec<Term>>,
    /// Conv: for each weight, the (dout cell, padded input cell) pairs that make up its dw.
    pub dw_terms: Vec<Vec<Term>>,
    /// Conv: db, the bias gradient from the engine's backward pass (the sum of dout).
    pub db: f64,
    /// Conv: w rotated by 180°, `(F, F)`: flipped\[u, v\] = w\[F−1−u, F−1−v\].
    pub flipped: Vec<f64>,
    /// Conv: the size of [`StepperPlan::dout_full`]: dout dilated by the stride and padded by
    /// F − 1 on every side, ((H′−1)·S + 1 + 2(F−1)) × ((W′−1)·S + 1 + 2(F−1)) = (H + 2P + F − 1) × (W + 2P + F − 1).
    pub dout_full_height: usize,
    pub dout_full_width: usize,
    /// Conv: dout with S − 1 zeros between its cells and F − 1 zeros around, row-major, so that
    /// dx\[i, j\] = Σ dout_full\[i + P + u, j + P + v\] · flipped\[u, v\] (a convolution of it
    /// with the flipped filter, cropped by the padding P).
    pub dout_full: Vec<f64>,
    /// Conv: for each cell of `dout_full`, the row-major dout index it holds (none for the zeros).
    pub dout_full_source: Vec<Option<usize>>,
    /// Conv: for each dx cell, the top-left corner in `dout_full` of the F×F window that the
    /// flipped filter multiplies: (i + P, j + P).
    pub dx_windows: Vec<[usize; 2]>,
}

/// The plan of the grid for `config` (a `StepperConfig` object): values, windows and gradients.
///
/// Throws the engine's message (with the arithmetic and the nearest valid strides/pads) when
/// `(W − F + 2P)/S + 1` is not a whole number or the filter does not fit, and the engine's
/// budget message when the plan would be too large to hold (see [`plan_budget`]).
#[wasm_bindgen(js_name = stepperPlan)]
pub fn stepper_plan(config: JsValue) -> std::result::Result<JsValue, JsError> {
    let config: StepperConfig = serde_wasm_bindgen::from_value(config)?;
    let plan = plan(config).map_err(js_error)?;
    Ok(serde_wasm_bindgen::to_value(&plan)?)
}

fn plan(config: StepperConfig) -> Result<StepperPlan> {
    let StepperConfig {
        op,
        height,
        width,
        filter,
        stride,
        seed,
        ..
    } = config;
    let pad = if op == Op::Pool { 0 } else { config.pad };
    // The network walk's check of this one layer, so the message (and its suggested strides and
    // pads — strides only for pooling, which has no padding) is the one the network table shows.
    let spec = match op {
        Op::Conv => LayerSpec::Conv {
            filters: 1,
            size: filter,
            stride,
            pad,
        },
        Op::Pool => LayerSpec::Pool {
            size: filter,
            stride,
        },
    };
    let report = walk(Shape::new(1, height, width), &[spec])?;
    if let Some(e) = report.error {
        return Err(Error::InvalidInput(e.message));
    }
    let Shape {
        h: out_height,
        w: out_width,
        ..
    } = report.summary.output;
    plan_budget(op, (height, width), (out_height, out_width), filter, pad)?;

    let mut rng = Rng::new(u64::from(seed));
    let x = Array4::from_shape_fn((1, 1, height, width), |_| rng.below(10) as f64);
    let dout = Array4::from_shape_fn((1, 1, out_height, out_width), |_| (rng.below(5) + 1) as f64);
    let windows = (0..out_height * out_width)
        .map(|k| [k / out_width * stride, k % out_width * stride])
        .collect();

    let mut plan = StepperPlan {
        op,
        height,
        width,
        filter,
        stride,
        pad,
        out_height,
        out_width,
        input: x.iter().copied().collect(),
        weights: Vec::new(),
        output: Vec::new(),
        windows,
        dout: dout.iter().copied().collect(),
        dx: Vec::new(),
        dw: Vec::new(),
        argmax: Vec::new(),
        dx_after: Vec::new(),
        dx_terms: Vec::new(),
        dw_terms: Vec::new(),
        db: 0.0,
        flipped: Vec::new(),
        dout_full_height: 0,
        dout_full_width: 0,
        dout_full: Vec::new(),
        dout_full_source: Vec::new(),
        dx_windows: Vec::new(),
    };
    match op {
        Op::Conv => {
            let w = Array4::from_shape_fn((1, 1, filter, filter), |_| rng.below(3) as f64 - 1.0);
            let b = Array1::zeros(1);
            let (out, cache) = conv_forward_naive(&x, &w, &b, ConvParam { stride, pad })?;
            let (dx, dw, db) = conv_backward_naive(&dout, &cache)?;
            plan.db = db[0];
            plan.flipped = (0..filter * filter)
                .map(|k| w[[0, 0, filter - 1 - k / filter, filter - 1 - k % filter]])
                .collect();
            plan.weights = w.iter().copied().collect();
            plan.output = out.iter().copied().collect();
            plan.dx = dx.iter().copied().collect();
            plan.dw = dw.iter().copied().collect();
            (plan.dx_terms, plan.dw_terms) = conv_terms(&plan);
            dout_full(&mut plan);
        }
        Op::Pool => {
            let param = PoolParam {
                pool_height: filter,
                pool_width: filter,
                stride,
            };
            let (out, cache) = max_pool_forward_naive(&x, param)?;
            plan.output = out.iter().copied().collect();
            plan.dx = max_pool_backward_naive(&dout, &cache)?
                .iter()
                .copied()
                .collect();
            let mut argmax = Vec::with_capacity(out.len());
            let mut prefix = Array4::zeros(out.raw_dim());
            for k in 0..out.len() {
                let at = [0, 0, k / out_width, k % out_width];
                prefix[at] = dout[at];
                plan.dx_after.push(
                    max_pool_backward_naive(&prefix, &cache)?
                        .iter()
                        .copied()
                        .collect(),
                );
                let mut one_hot = Array4::zeros(out.raw_dim());
                one_hot[at] = 1.0;
                let routed = max_pool_backward_naive(&one_hot, &cache)?;
                // Exactly one cell receives the 1; the position of the largest is that cell.
                let (cell, _) = routed
                    .iter()
                    .enumerate()
                    .fold(
                        (0, f64::MIN),
                        |best, (i, &v)| if v > best.1 { (i, v) } else { best },
                    );
                argmax.push(cell);
            }
            plan.argmax = argmax;
        }
    }
    Ok(plan)
}

/// Checks that everything the plan holds fits in the engine's memory budget, before any of it is
/// made: the input, output and gradient grids, the windows, and — the large parts — the lists of
/// terms of a conv layer (H'·W'·F² each way) or the running dx of a pool layer (one H×W grid per
/// output cell). The layers check their own arrays.
fn plan_budget(
    op: Op,
    (height, width): (usize, usize),
    (out_height, out_width): (usize, usize),
    filter: usize,
    pad: usize,
) -> Result<()> {
    // Saturating: a side past usize is refused by the budget all the same.
    let full = [height, width].map(|n| {
        n.saturating_add(pad.saturating_mul(2))
            .saturating_add(filter.saturating_sub(1))
    });
    let mut tally = Tally::new(format!(
        "the step-by-step plan of a {height}×{width} input with a {filter}×{filter} {}",
        match op {
            Op::Conv => "filter",
            Op::Pool => "pool window",
        }
    ));
    tally
        .add::<f64>(&[2, height, width]) // input, dx
        .add::<f64>(&[2, out_height, out_width]) // output, dout
        .add::<[usize; 2]>(&[out_height, out_width]); // windows
    match op {
        Op::Conv => {
            tally
                .add::<f64>(&[2, filter, filter]) // weights, dw
                .add::<Vec<Term>>(&[height, width]) // dx_terms
                .add::<Vec<Term>>(&[filter, filter]) // dw_terms
                .add::<Term>(&[2, out_height, out_width, filter, filter]) // their terms
                .add::<f64>(&[filter, filter]) // flipped
                .add::<[usize; 2]>(&[height, width]) // dx_windows
                .add::<f64>(&full) // dout_full
                .add::<Option<usize>>(&full); // dout_full_source
        }
        Op::Pool => {
            tally
                .add::<usize>(&[out_height, out_width]) // argmax
                .add::<f64>(&[out_height, out_width, height, width]); // dx_after
        }
    }
    tally.check()
}

/// Which products make up each dx and dw cell of the conv layer: output (i, j) multiplies
/// w\[di, dj\] with xpad\[i·S + di, j·S + dj\], so it sends dout·w to dx there and dout·xpad to dw.
fn conv_terms(plan: &StepperPlan) -> (Vec<Vec<Term>>, Vec<Vec<Term>>) {
    let (f, p) = (plan.filter, plan.pad);
    let mut dx_terms = vec![Vec::new(); plan.height * plan.width];
    let mut dw_terms = vec![Vec::new(); f * f];
    for (out, &[r0, c0]) in plan.windows.iter().enumerate() {
        for di in 0..f {
            for dj in 0..f {
                let (r, c) = (r0 + di, c0 + dj);
                dw_terms[di * f + dj].push(Term {
                    out,
                    row: r,
                    col: c,
                });
                // Padding cells are not inputs: their gradient is dropped.
                let inside = (p..p + plan.height).contains(&r) && (p..p + plan.width).contains(&c);
                if inside {
                    dx_terms[(r - p) * plan.width + (c - p)].push(Term {
                        out,
                        row: di,
                        col: dj,
                    });
                }
            }
        }
    }
    (dx_terms, dw_terms)
}

/// dout laid out for dx as a convolution: each dout\[a, b\] at (F − 1 + a·S, F − 1 + b·S) of a
/// zero grid (H + 2P + F − 1) × (W + 2P + F − 1), and the window of each dx cell in it. Index
/// bookkeeping only: the plan's dx is still the engine's backward pass.
fn dout_full(plan: &mut StepperPlan) {
    let (f, s, p) = (plan.filter, plan.stride, plan.pad);
    let rows = plan.height + 2 * p + f - 1;
    let cols = plan.width + 2 * p + f - 1;
    let mut full = vec![0.0; rows * cols];
    let mut source = vec![None; rows * cols];
    for (k, &g) in plan.dout.iter().enumerate() {
        let (a, b) = (k / plan.out_width, k % plan.out_width);
        let at = (f - 1 + a * s) * cols + (f - 1 + b * s);
        full[at] = g;
        source[at] = Some(k);
    }
    plan.dout_full_height = rows;
    plan.dout_full_width = cols;
    plan.dout_full = full;
    plan.dout_full_source = source;
    plan.dx_windows = (0..plan.height * plan.width)
        .map(|k| [k / plan.width + p, k % plan.width + p])
        .collect();
}

//! The numbers behind the step-by-step grid of the Shapes panel: one small conv, max-pool or
//! average-pool layer, run forward and backward by the engine's naive layers, with the index
//! bookkeeping the page needs to point at each window and each term of a sum.
//!
//! The page draws what [`plan`] returns and does no arithmetic of its own: the output and gradient
//! values come from `conv_forward_naive`/`conv_backward_naive`,
//! `max_pool_forward_naive`/`max_pool_backward_naive` and
//! `avg_pool_forward_naive`/`avg_pool_backward_naive`; the argmax of every max-pool window is read
//! off the engine's own backward pass (a one-hot upstream gradient lands on exactly that cell).
//! The window positions and the lists of terms follow the conv layer's definition,
//! out\[k, i, j\] = Σ_c Σ w\[k, c, di, dj\] · xpad\[c, i·S + di, j·S + dj\] + b\[k\].
//!
//! Depth, as in the lecture: an input of C channels and K filters of F×F×C give K activation maps
//! (pooling keeps the C channels). Every grid is a row-major `Vec` in the course's order:
//! x `(C, H, W)`, w `(K, C, F, F)`, out and dout `(K, H', W')`. `src/web/stepper.rs` only converts
//! a page's config to [`StepperConfig`] and the plan to a JS object.

use ndarray::{Array1, Array4};
use serde::{Deserialize, Serialize};

use crate::budget::Tally;
use crate::i18n::{Lang, Message};
use crate::layers::{
    avg_pool_backward_naive, avg_pool_forward_naive, conv_backward_naive, conv_forward_naive,
    max_pool_backward_naive, max_pool_forward_naive, ConvParam, PoolCache, PoolParam,
};
use crate::rng::Rng;
use crate::shapes::network::walk_with_error;
use crate::shapes::{LayerSpec, Shape};
use crate::Result;

/// Which layer the grid shows. `pool` is max pooling (the name the page's links have always used).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    Conv,
    Pool,
    AvgPool,
}

impl Op {
    fn is_pool(self) -> bool {
        self != Op::Conv
    }
}

fn one() -> usize {
    1
}

fn yes() -> bool {
    true
}

/// The grid's settings, as the page sends them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepperConfig {
    pub op: Op,
    /// Input height H and width W.
    pub height: usize,
    pub width: usize,
    /// Input channels C (1 when left out).
    #[serde(default = "one")]
    pub channels: usize,
    /// Number of filters K (conv only; 1 when left out). Pooling keeps the C channels.
    #[serde(default = "one")]
    pub filters: usize,
    /// Filter (or pool window) size F, square.
    pub filter: usize,
    pub stride: usize,
    /// Zero padding P on every side (conv only: the engine's pooling has none).
    pub pad: usize,
    /// Seed of the small integer input, weights and upstream gradient.
    pub seed: u32,
    /// Whether to run the backward pass too (true when left out). The forward view of a large
    /// layer does not need its lists of terms.
    #[serde(default = "yes")]
    pub backward: bool,
}

/// The page's first view: a 7×7 input, one 3×3 filter, stride 1, no padding.
pub const DEFAULTS: StepperConfig = StepperConfig {
    op: Op::Conv,
    height: 7,
    width: 7,
    channels: 1,
    filters: 1,
    filter: 3,
    stride: 1,
    pad: 0,
    seed: 231,
    backward: false,
};

/// The lecture's example: a 32×32×3 image and six 5×5×3 filters, stride 1, no padding → 28×28×6.
pub const LECTURE: StepperConfig = StepperConfig {
    op: Op::Conv,
    height: 32,
    width: 32,
    channels: 3,
    filters: 6,
    filter: 5,
    stride: 1,
    pad: 0,
    seed: 231,
    backward: false,
};

/// The largest settings the page offers (its number fields and its links): sides up to the
/// lecture's 32, its 3 channels and 6 filters. [`plan`] itself only asks that a plan fit in the
/// memory budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Limits {
    pub max_side: usize,
    pub max_filter: usize,
    pub max_stride: usize,
    pub max_pad: usize,
    pub max_channels: usize,
    pub max_filters: usize,
    /// The most steps any setting within these limits has: one per output cell of the deepest
    /// output with F = 1, S = 1 and the largest side and pad (38 × 38 × 6).
    pub max_steps: usize,
}

pub const LIMITS: Limits = Limits::new(32, 7, 6, 3, 3, 6);

impl Limits {
    const fn new(
        max_side: usize,
        max_filter: usize,
        max_stride: usize,
        max_pad: usize,
        max_channels: usize,
        max_filters: usize,
    ) -> Self {
        let side = max_side + 2 * max_pad;
        let depth = if max_filters > max_channels {
            max_filters
        } else {
            max_channels
        };
        Limits {
            max_side,
            max_filter,
            max_stride,
            max_pad,
            max_channels,
            max_filters,
            max_steps: side * side * depth,
        }
    }
}

/// What the page reads from the engine about the stepper (`limits().stepper`): its first view,
/// the lecture's example and the bounds of its settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Settings {
    pub defaults: StepperConfig,
    pub lecture: StepperConfig,
    pub limits: Limits,
}

pub const SETTINGS: Settings = Settings {
    defaults: DEFAULTS,
    lecture: LECTURE,
    limits: LIMITS,
};

/// One term of a sum in the backward pass: an output (dout) cell times a weight or an input cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Term {
    /// Index of the dout cell, row-major in `(K, H', W')`.
    pub out: usize,
    /// Row and column of the other factor: for a dx\[c, ·, ·\] term the weight w\[k, c, row, col\]
    /// (k the dout cell's map); for a dw\[k, c, ·, ·\] term the padded input xpad\[c, row, col\].
    pub row: usize,
    pub col: usize,
}

/// Everything the grid shows for one setting. Grids are row-major `Vec`s.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepperPlan {
    pub op: Op,
    pub height: usize,
    pub width: usize,
    /// C, the input's channels.
    pub channels: usize,
    /// K, the number of filters (conv); 0 for pooling.
    pub filters: usize,
    pub filter: usize,
    pub stride: usize,
    pub pad: usize,
    pub out_height: usize,
    pub out_width: usize,
    /// The output's depth: K for conv, C for pooling.
    pub out_depth: usize,
    /// x `(C, H, W)`: integers 0–9.
    pub input: Vec<f64>,
    /// w `(K, C, F, F)` (conv only, else empty): integers −1, 0, 1.
    pub weights: Vec<f64>,
    /// b `(K,)` (conv only): 0.
    pub bias: Vec<f64>,
    /// out `(D, H', W')`, D = [`StepperPlan::out_depth`], computed by the engine's forward pass.
    pub output: Vec<f64>,
    /// Conv: for each output cell `(K, H', W')` and each channel c, Σ over the F×F window of
    /// channel c of w·x: `(K, H', W', C)`. out = Σ_c sums + b.
    pub channel_sums: Vec<f64>,
    /// Top-left corner, in padded coordinates, of the window of each output cell `(H', W')`
    /// (the same in every map).
    pub windows: Vec<[usize; 2]>,
    /// dout `(D, H', W')`: the upstream gradient, integers 1–5 (empty without the backward pass).
    pub dout: Vec<f64>,
    /// dx `(C, H, W)` from the engine's backward pass.
    pub dx: Vec<f64>,
    /// dw `(K, C, F, F)` from the engine's backward pass (conv only).
    pub dw: Vec<f64>,
    /// Conv: db `(K,)`, the bias gradient from the engine's backward pass (the sum of each map of dout).
    pub db: Vec<f64>,
    /// Max pool: for each output cell `(C, H', W')`, the row-major `(C, H, W)` input index its
    /// gradient is routed to.
    pub argmax: Vec<usize>,
    /// Average pool: each dout cell's share, dout/(F·F), that every cell of its window receives
    /// `(C, H', W')`.
    pub shares: Vec<f64>,
    /// Pooling: dx `(C, H, W)` after sending back dout cells 0..=k, for every k (the engine's
    /// backward pass on dout with the later cells zeroed), so the page can show the sum building up.
    pub dx_after: Vec<Vec<f64>>,
    /// Conv: for each input cell `(C, H, W)`, the (dout cell, weight) pairs that make up its dx.
    pub dx_terms: Vec<Vec<Term>>,
    /// Conv: for each weight `(K, C, F, F)`, the (dout cell, padded input cell) pairs of its dw.
    pub dw_terms: Vec<Vec<Term>>,
    /// Conv: w with each F×F slice rotated by 180°, `(K, C, F, F)`:
    /// flipped\[k, c, u, v\] = w\[k, c, F−1−u, F−1−v\].
    pub flipped: Vec<f64>,
    /// Conv: the size of each map of [`StepperPlan::dout_full`]: dout dilated by the stride and
    /// padded by F − 1 on every side, (H + 2P + F − 1) × (W + 2P + F − 1).
    pub dout_full_height: usize,
    pub dout_full_width: usize,
    /// Conv: dout `(K, ·, ·)` with S − 1 zeros between its cells and F − 1 zeros around, so that
    /// dx\[c, i, j\] = Σ_k Σ dout_full\[k, i + P + u, j + P + v\] · flipped\[k, c, u, v\] (a
    /// convolution with the flipped filters, cropped by the padding P).
    pub dout_full: Vec<f64>,
    /// Conv: for each cell of `dout_full`, the row-major dout index it holds (none for the zeros).
    pub dout_full_source: Vec<Option<usize>>,
    /// Conv: for each dx cell `(H, W)`, the top-left corner in `dout_full` of the F×F window that
    /// the flipped filter multiplies: (i + P, j + P).
    pub dx_windows: Vec<[usize; 2]>,
}

/// The plan of the grid for `config`: values, windows and gradients.
///
/// Errors: the network walk's message (with the arithmetic and the nearest valid strides/pads)
/// when `(W − F + 2P)/S + 1` is not a whole number or the filter does not fit, and the budget's
/// message when the plan would be too large to hold (checked before any of it is made).
pub fn plan(config: StepperConfig) -> Result<StepperPlan> {
    let StepperConfig {
        op,
        height,
        width,
        channels,
        filter,
        stride,
        seed,
        backward,
        ..
    } = config;
    let pad = if op.is_pool() { 0 } else { config.pad };
    let filters = if op.is_pool() { 0 } else { config.filters };
    // The network walk's check of this one layer, so the message (and its suggested strides and
    // pads — strides only for pooling, which has no padding) is the one the network table shows.
    let spec = match op {
        Op::Conv => LayerSpec::Conv {
            filters,
            size: filter,
            stride,
            pad,
        },
        Op::Pool | Op::AvgPool => LayerSpec::Pool {
            size: filter,
            stride,
        },
    };
    let (report, failure) =
        walk_with_error(Shape::new(channels, height, width), &[spec], Lang::En)?;
    if let Some(e) = failure {
        return Err(e);
    }
    let Shape {
        c: out_depth,
        h: out_height,
        w: out_width,
    } = report.summary.output;
    plan_budget(&config, (out_depth, out_height, out_width))?;

    let mut rng = Rng::new(u64::from(seed));
    // Drawn in this order (x, dout, w) so that a setting's numbers do not change with the pass.
    let x = Array4::from_shape_fn((1, channels, height, width), |_| rng.below(10) as f64);
    let dout = Array4::from_shape_fn((1, out_depth, out_height, out_width), |_| {
        (rng.below(5) + 1) as f64
    });
    let windows = (0..out_height * out_width)
        .map(|k| [k / out_width * stride, k % out_width * stride])
        .collect();

    let mut plan = StepperPlan {
        op,
        height,
        width,
        channels,
        filters,
        filter,
        stride,
        pad,
        out_height,
        out_width,
        out_depth,
        input: x.iter().copied().collect(),
        weights: Vec::new(),
        bias: Vec::new(),
        output: Vec::new(),
        channel_sums: Vec::new(),
        windows,
        dout: Vec::new(),
        dx: Vec::new(),
        dw: Vec::new(),
        db: Vec::new(),
        argmax: Vec::new(),
        shares: Vec::new(),
        dx_after: Vec::new(),
        dx_terms: Vec::new(),
        dw_terms: Vec::new(),
        flipped: Vec::new(),
        dout_full_height: 0,
        dout_full_width: 0,
        dout_full: Vec::new(),
        dout_full_source: Vec::new(),
        dx_windows: Vec::new(),
    };
    if backward {
        plan.dout = dout.iter().copied().collect();
    }
    match op {
        Op::Conv => {
            let w = Array4::from_shape_fn((filters, channels, filter, filter), |_| {
                rng.below(3) as f64 - 1.0
            });
            let b = Array1::zeros(filters);
            let (out, cache) = conv_forward_naive(&x, &w, &b, ConvParam { stride, pad })?;
            plan.weights = w.iter().copied().collect();
            plan.bias = b.to_vec();
            plan.output = out.iter().copied().collect();
            plan.channel_sums = channel_sums(&plan);
            if backward {
                let (dx, dw, db) = conv_backward_naive(&dout, &cache)?;
                plan.db = db.to_vec();
                plan.flipped = w
                    .indexed_iter()
                    .map(|((k, c, u, v), _)| w[[k, c, filter - 1 - u, filter - 1 - v]])
                    .collect();
                plan.dx = dx.iter().copied().collect();
                plan.dw = dw.iter().copied().collect();
                (plan.dx_terms, plan.dw_terms) = conv_terms(&plan);
                dout_full(&mut plan);
            }
        }
        Op::Pool | Op::AvgPool => {
            let param = PoolParam {
                pool_height: filter,
                pool_width: filter,
                stride,
            };
            type Backward = fn(&Array4<f64>, &PoolCache<f64>) -> Result<Array4<f64>>;
            let (out, cache, backward_pass): (_, _, Backward) = if op == Op::Pool {
                let (out, cache) = max_pool_forward_naive(&x, param)?;
                (out, cache, max_pool_backward_naive)
            } else {
                let (out, cache) = avg_pool_forward_naive(&x, param)?;
                (out, cache, avg_pool_backward_naive)
            };
            plan.output = out.iter().copied().collect();
            if backward {
                plan.dx = backward_pass(&dout, &cache)?.iter().copied().collect();
                if op == Op::AvgPool {
                    // What avg_pool_backward_naive adds to each cell of the window (F ≥ 1 here:
                    // the walk refused a zero window).
                    let area = (filter * filter) as f64;
                    plan.shares = dout.iter().map(|&g| g / area).collect();
                }
                let mut prefix = Array4::zeros(out.raw_dim());
                for ((_, c, i, j), &g) in dout.indexed_iter() {
                    prefix[[0, c, i, j]] = g;
                    plan.dx_after
                        .push(backward_pass(&prefix, &cache)?.iter().copied().collect());
                    if op == Op::Pool {
                        let mut one_hot = Array4::zeros(out.raw_dim());
                        one_hot[[0, c, i, j]] = 1.0;
                        let routed = max_pool_backward_naive(&one_hot, &cache)?;
                        // Exactly one cell receives the 1; the position of the largest is that cell.
                        let (cell, _) =
                            routed
                                .iter()
                                .enumerate()
                                .fold(
                                    (0, f64::MIN),
                                    |best, (i, &v)| if v > best.1 { (i, v) } else { best },
                                );
                        plan.argmax.push(cell);
                    }
                }
            }
        }
    }
    Ok(plan)
}

/// Checks that everything the plan holds fits in the engine's memory budget, before any of it is
/// made: the input, output and gradient grids, the windows, and — the large parts — the lists of
/// terms of a conv layer (K·C·H'·W'·F² each way) or the running dx of a pool layer (one C×H×W
/// grid per output cell). The layers check their own arrays.
fn plan_budget(
    config: &StepperConfig,
    (depth, out_height, out_width): (usize, usize, usize),
) -> Result<()> {
    let StepperConfig {
        op,
        height,
        width,
        channels,
        filter,
        backward,
        ..
    } = *config;
    let (pad, filters) = if op.is_pool() {
        (0, 0)
    } else {
        (config.pad, config.filters)
    };
    // Saturating: a side past usize is refused by the budget all the same.
    let full = [height, width].map(|n| {
        n.saturating_add(pad.saturating_mul(2))
            .saturating_add(filter.saturating_sub(1))
    });
    let mut tally = Tally::new(
        Message::new(match op {
            Op::Conv => "layers.stepper.plan_filter",
            Op::Pool | Op::AvgPool => "layers.stepper.plan_window",
        })
        .arg("height", height)
        .arg("width", width)
        .arg("filter", filter),
    );
    tally
        .add::<f64>(&[channels, height, width]) // input
        .add::<f64>(&[depth, out_height, out_width]) // output
        .add::<[usize; 2]>(&[out_height, out_width]); // windows
    if op == Op::Conv {
        tally
            .add::<f64>(&[filters, channels, filter, filter]) // weights
            .add::<f64>(&[filters, out_height, out_width, channels]); // channel_sums
    }
    if !backward {
        return tally.check();
    }
    tally
        .add::<f64>(&[channels, height, width]) // dx
        .add::<f64>(&[depth, out_height, out_width]); // dout
    match op {
        Op::Conv => {
            tally
                .add::<f64>(&[2, filters, channels, filter, filter]) // dw, flipped
                .add::<Vec<Term>>(&[channels, height, width]) // dx_terms
                .add::<Vec<Term>>(&[filters, channels, filter, filter]) // dw_terms
                .add::<Term>(&[2, filters, channels, out_height, out_width, filter, filter]) // their terms
                .add::<[usize; 2]>(&[height, width]) // dx_windows
                .add::<f64>(&[filters, full[0], full[1]]) // dout_full
                .add::<Option<usize>>(&[filters, full[0], full[1]]); // dout_full_source
        }
        Op::Pool | Op::AvgPool => {
            tally
                .add::<usize>(&[depth, out_height, out_width]) // argmax
                .add::<f64>(&[depth, out_height, out_width]) // shares
                .add::<f64>(&[depth, out_height, out_width, channels, height, width]);
            // dx_after
        }
    }
    tally.check()
}

/// The padded input xpad\[c, r, col\] of a plan (0 in the padding).
fn xpad(plan: &StepperPlan, c: usize, r: usize, col: usize) -> f64 {
    let p = plan.pad;
    let inside = (p..p + plan.height).contains(&r) && (p..p + plan.width).contains(&col);
    if inside {
        plan.input[(c * plan.height + r - p) * plan.width + col - p]
    } else {
        0.0
    }
}

/// Σ over each window and channel of w·x, `(K, H', W', C)`: the dot product of out\[k, i, j\]
/// split by channel, so the page can show the F·F·C products as C sums.
fn channel_sums(plan: &StepperPlan) -> Vec<f64> {
    let (f, ch) = (plan.filter, plan.channels);
    let mut sums = Vec::with_capacity(plan.filters * plan.windows.len() * ch);
    for k in 0..plan.filters {
        for &[r0, c0] in &plan.windows {
            for c in 0..ch {
                let mut sum = 0.0;
                for di in 0..f {
                    for dj in 0..f {
                        let w = plan.weights[((k * ch + c) * f + di) * f + dj];
                        sum += w * xpad(plan, c, r0 + di, c0 + dj);
                    }
                }
                sums.push(sum);
            }
        }
    }
    sums
}

/// Which products make up each dx and dw cell of the conv layer: output (k, i, j) multiplies
/// w\[k, c, di, dj\] with xpad\[c, i·S + di, j·S + dj\], so it sends dout·w to dx there and dout·xpad
/// to dw.
fn conv_terms(plan: &StepperPlan) -> (Vec<Vec<Term>>, Vec<Vec<Term>>) {
    let (f, p, ch) = (plan.filter, plan.pad, plan.channels);
    let (h, w) = (plan.height, plan.width);
    let maps = plan.windows.len();
    let mut dx_terms = vec![Vec::new(); ch * h * w];
    let mut dw_terms = vec![Vec::new(); plan.filters * ch * f * f];
    for k in 0..plan.filters {
        for (cell, &[r0, c0]) in plan.windows.iter().enumerate() {
            let out = k * maps + cell;
            for c in 0..ch {
                for di in 0..f {
                    for dj in 0..f {
                        let (r, col) = (r0 + di, c0 + dj);
                        dw_terms[((k * ch + c) * f + di) * f + dj].push(Term { out, row: r, col });
                        // Padding cells are not inputs: their gradient is dropped.
                        let inside = (p..p + h).contains(&r) && (p..p + w).contains(&col);
                        if inside {
                            dx_terms[(c * h + r - p) * w + (col - p)].push(Term {
                                out,
                                row: di,
                                col: dj,
                            });
                        }
                    }
                }
            }
        }
    }
    (dx_terms, dw_terms)
}

/// dout laid out for dx as a convolution: in each map k, dout\[k, a, b\] at
/// (F − 1 + a·S, F − 1 + b·S) of a zero grid (H + 2P + F − 1) × (W + 2P + F − 1), and the window
/// of each dx cell in it. Index bookkeeping only: the plan's dx is still the engine's backward pass.
fn dout_full(plan: &mut StepperPlan) {
    let (f, s, p) = (plan.filter, plan.stride, plan.pad);
    let rows = plan.height + 2 * p + f - 1;
    let cols = plan.width + 2 * p + f - 1;
    let maps = plan.out_height * plan.out_width;
    let mut full = vec![0.0; plan.filters * rows * cols];
    let mut source = vec![None; plan.filters * rows * cols];
    for (index, &g) in plan.dout.iter().enumerate() {
        let (k, cell) = (index / maps, index % maps);
        let (a, b) = (cell / plan.out_width, cell % plan.out_width);
        let at = (k * rows + f - 1 + a * s) * cols + (f - 1 + b * s);
        full[at] = g;
        source[at] = Some(index);
    }
    plan.dout_full_height = rows;
    plan.dout_full_width = cols;
    plan.dout_full = full;
    plan.dout_full_source = source;
    plan.dx_windows = (0..plan.height * plan.width)
        .map(|k| [k / plan.width + p, k % plan.width + p])
        .collect();
}

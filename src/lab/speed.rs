//! Naive against fast: the conv and max-pool layers' loops against their fast versions, on the
//! same random data, as in the assignment's `fast_layers` comparison.
//!
//! The engine has no clock, so it does not time anything: a [`SpeedBench`] holds the data, runs
//! one variant of one pass when asked ([`SpeedBench::run`]) — the page times each call — and
//! compares what the two variants computed ([`SpeedBench::comparison`]).
//!
//! ```
//! use cnn_playground::lab::{Pass, SpeedBench, SpeedLayer, SpeedSettings, Variant};
//! let settings = SpeedSettings { n: 2, ..SpeedSettings::for_layer(SpeedLayer::Conv) };
//! let mut bench = SpeedBench::new(&settings).unwrap();
//! for variant in [Variant::Naive, Variant::Fast] {
//!     bench.run(variant, Pass::Forward).unwrap();
//!     bench.run(variant, Pass::Backward).unwrap();
//! }
//! let diff = bench.comparison();
//! assert!(diff.out.unwrap().rel_error < 1e-9);
//! assert!(diff.dw.unwrap().max_abs < 1e-9);
//! ```

use crate::budget;
use crate::error::{Error, Result};
use crate::i18n::Message;
use crate::layers::conv::conv_output_shape;
use crate::layers::pool::pool_output_shape;
use crate::layers::*;
use crate::rng::Rng;
use ndarray::{Array, Array1, Array4, Dimension, Zip};
use serde::{Deserialize, Serialize};

/// The layer to time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SpeedLayer {
    #[default]
    Conv,
    #[serde(rename = "maxpool")]
    MaxPool,
}

/// The naive loops or the fast version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Variant {
    Naive,
    Fast,
}

/// The forward or the backward pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Pass {
    Forward,
    Backward,
}

/// The sizes to time on. x is `(N, C, H, W)`; conv filters are `(F, C, k, k)` with stride and
/// pad; a max pool has `k×k` windows with stride (F and pad are ignored).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SpeedSettings {
    pub layer: SpeedLayer,
    pub n: usize,
    pub c: usize,
    pub h: usize,
    pub w: usize,
    pub f: usize,
    pub filter_size: usize,
    pub stride: usize,
    pub pad: usize,
    pub seed: u64,
}

impl Default for SpeedSettings {
    /// The assignment's conv comparison.
    fn default() -> Self {
        SpeedSettings::for_layer(SpeedLayer::Conv)
    }
}

impl SpeedSettings {
    /// The assignment's sizes: conv x 100×3×31×31, w 25×3×3×3, stride 2, pad 1; max pool x
    /// 100×3×32×32, 2×2 windows, stride 2.
    pub fn for_layer(layer: SpeedLayer) -> Self {
        match layer {
            SpeedLayer::Conv => SpeedSettings {
                layer,
                n: 100,
                c: 3,
                h: 31,
                w: 31,
                f: 25,
                filter_size: 3,
                stride: 2,
                pad: 1,
                seed: 231,
            },
            SpeedLayer::MaxPool => SpeedSettings {
                layer,
                n: 100,
                c: 3,
                h: 32,
                w: 32,
                f: 1,
                filter_size: 2,
                stride: 2,
                pad: 0,
                seed: 231,
            },
        }
    }
}

/// How far apart the two variants' results are.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Difference {
    /// The course's `rel_error`: max |a − b| / max(1e-8, |a| + |b|).
    pub rel_error: f64,
    /// max |a − b|.
    pub max_abs: f64,
}

/// The differences between the naive and fast results computed so far (`None` until both
/// variants have computed that array; dw and db only for conv).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SpeedComparison {
    pub out: Option<Difference>,
    pub dx: Option<Difference>,
    pub dw: Option<Difference>,
    pub db: Option<Difference>,
}

/// The data of a comparison and what each variant computed from it.
pub struct SpeedBench {
    settings: SpeedSettings,
    x: Array4<f64>,
    w: Array4<f64>,
    b: Array1<f64>,
    dout: Array4<f64>,
    naive: Results,
    fast: Results,
}

/// What the backward pass of each variant needs.
enum Cache {
    ConvNaive(ConvCache<f64>),
    ConvFast(ConvFastCache<f64>),
    PoolNaive(PoolCache<f64>),
    PoolFast(PoolFastCache),
}

#[derive(Default)]
struct Results {
    out: Option<Array4<f64>>,
    cache: Option<Cache>,
    dx: Option<Array4<f64>>,
    dw: Option<Array4<f64>>,
    db: Option<Array1<f64>>,
}

/// Sizes above which the data would not fit comfortably in a browser tab (f64: 8 bytes each).
const MAX_ELEMENTS: usize = 4_000_000;
const MAX_WEIGHTS: usize = 1_000_000;

impl SpeedBench {
    /// Draws x, w, b and dout from N(0, 1) with the settings' seed (as the assignment's
    /// `np.random.randn`). Errors if a size is zero, the layer does not fit, or the arrays would
    /// be too large for a browser.
    pub fn new(s: &SpeedSettings) -> Result<Self> {
        let conv = s.layer == SpeedLayer::Conv;
        for (what, v, used) in [
            ("N", s.n, true),
            ("C", s.c, true),
            ("H", s.h, true),
            ("W", s.w, true),
            ("F", s.f, conv),
            ("the filter size", s.filter_size, true),
            ("the stride", s.stride, true),
        ] {
            if used && v == 0 {
                return Err(Error::Zero {
                    what: crate::models::quantity(what),
                });
            }
        }
        // Exact counts (u128): never a wrapped or saturated number in the message.
        let x_len = budget::count(&[s.n, s.c, s.h, s.w]);
        let w_len = if conv {
            budget::count(&[s.f, s.c, s.filter_size, s.filter_size])
        } else {
            0
        };
        if x_len > MAX_ELEMENTS as u128 || w_len > MAX_WEIGHTS as u128 {
            return Err(Error::invalid(
                Message::new("models.lab.speed_inputs")
                    .arg("x", x_len)
                    .arg("w", w_len)
                    .arg("max_x", MAX_ELEMENTS)
                    .arg("max_w", MAX_WEIGHTS),
            ));
        }
        // The output's size before the layer computes it (a pad of 10⁹ must not reach the
        // layer's own arithmetic): (H + 2·pad − k)/stride + 1 in u128.
        let pad = if conv { s.pad } else { 0 };
        let side = |input: usize| {
            (input as u128 + 2 * pad as u128)
                .checked_sub(s.filter_size as u128)
                .map_or(0, |span| span / s.stride as u128 + 1)
        };
        let channels = if conv { s.f } else { s.c };
        let out_len = (s.n as u128 * channels as u128)
            .saturating_mul(side(s.h))
            .saturating_mul(side(s.w));
        if out_len > MAX_ELEMENTS as u128 {
            return Err(Error::invalid(
                Message::new("models.lab.speed_output")
                    .arg("count", out_len)
                    .arg("max", MAX_ELEMENTS),
            ));
        }
        let mut rng = Rng::new(s.seed);
        let x: Array4<f64> = rng.normal_array((s.n, s.c, s.h, s.w), 1.0);
        let (w, b, out_dim) = if conv {
            let w: Array4<f64> = rng.normal_array((s.f, s.c, s.filter_size, s.filter_size), 1.0);
            let b: Array1<f64> = rng.normal_array(s.f, 1.0);
            let p = ConvParam {
                stride: s.stride,
                pad: s.pad,
            };
            let out_dim = conv_output_shape(&x, &w, &b, p)?;
            (w, b, out_dim)
        } else {
            let out_dim = pool_output_shape(x.dim(), pool_param(s))?;
            (Array4::zeros((0, 0, 0, 0)), Array1::zeros(0), out_dim)
        };
        let (n, f, ho, wo) = out_dim;
        // What both variants hold at once: x, w, dout, each variant's out, dx and dw, and the
        // fast conv's unrolled input (C·k² rows, N·H'·W' columns) and its gradient.
        let mut tally =
            budget::Tally::new(crate::i18n::Message::new("models.lab.speed_comparison"));
        tally
            .add::<f64>(&[s.n, s.c, s.h, s.w])
            .add::<f64>(&[n, f, ho, wo]);
        for _ in 0..2 {
            tally
                .add::<f64>(&[n, f, ho, wo])
                .add::<f64>(&[s.n, s.c, s.h, s.w])
                .add::<f64>(w.shape());
        }
        if conv {
            let columns = [s.c, s.filter_size, s.filter_size, n, ho, wo];
            tally.add::<f64>(&columns).add::<f64>(&columns);
        }
        tally.check()?;
        let dout: Array4<f64> = rng.normal_array(out_dim, 1.0);
        Ok(SpeedBench {
            settings: s.clone(),
            x,
            w,
            b,
            dout,
            naive: Results::default(),
            fast: Results::default(),
        })
    }

    /// The shapes of x, w (conv only), and out, for display.
    pub fn shapes(&self) -> Vec<(&'static str, Vec<usize>)> {
        let mut shapes = vec![("x", self.x.shape().to_vec())];
        if self.settings.layer == SpeedLayer::Conv {
            shapes.push(("w", self.w.shape().to_vec()));
        }
        shapes.push(("out", self.dout.shape().to_vec()));
        shapes
    }

    /// Runs one pass of one variant once, keeping its results. The backward pass uses the cache
    /// of this variant's last forward pass; errors if there is none yet.
    pub fn run(&mut self, variant: Variant, pass: Pass) -> Result<()> {
        let conv = self.settings.layer == SpeedLayer::Conv;
        let p = ConvParam {
            stride: self.settings.stride,
            pad: self.settings.pad,
        };
        let pool = pool_param(&self.settings);
        let results = match variant {
            Variant::Naive => &mut self.naive,
            Variant::Fast => &mut self.fast,
        };
        match pass {
            Pass::Forward => {
                let (out, cache) = match (conv, variant) {
                    (true, Variant::Naive) => conv_forward_naive(&self.x, &self.w, &self.b, p)
                        .map(|(o, c)| (o, Cache::ConvNaive(c)))?,
                    (true, Variant::Fast) => conv_forward_fast(&self.x, &self.w, &self.b, p)
                        .map(|(o, c)| (o, Cache::ConvFast(c)))?,
                    (false, Variant::Naive) => max_pool_forward_naive(&self.x, pool)
                        .map(|(o, c)| (o, Cache::PoolNaive(c)))?,
                    (false, Variant::Fast) => max_pool_forward_fast(&self.x, pool)
                        .map(|(o, c)| (o, Cache::PoolFast(c)))?,
                };
                results.out = Some(out);
                results.cache = Some(cache);
            }
            Pass::Backward => {
                let dout = &self.dout;
                match &results.cache {
                    Some(Cache::ConvNaive(c)) => {
                        let (dx, dw, db) = conv_backward_naive(dout, c)?;
                        (results.dx, results.dw, results.db) = (Some(dx), Some(dw), Some(db));
                    }
                    Some(Cache::ConvFast(c)) => {
                        let (dx, dw, db) = conv_backward_fast(dout, c)?;
                        (results.dx, results.dw, results.db) = (Some(dx), Some(dw), Some(db));
                    }
                    Some(Cache::PoolNaive(c)) => {
                        results.dx = Some(max_pool_backward_naive(dout, c)?);
                    }
                    Some(Cache::PoolFast(c)) => {
                        results.dx = Some(max_pool_backward_fast(dout, c)?);
                    }
                    None => {
                        return Err(Error::invalid(Message::new(match variant {
                            Variant::Naive => "models.lab.naive_forward_first",
                            Variant::Fast => "models.lab.fast_forward_first",
                        })));
                    }
                }
            }
        }
        Ok(())
    }

    /// How far the naive and fast results computed so far are apart.
    pub fn comparison(&self) -> SpeedComparison {
        let (a, b) = (&self.naive, &self.fast);
        SpeedComparison {
            out: difference(&a.out, &b.out),
            dx: difference(&a.dx, &b.dx),
            dw: difference(&a.dw, &b.dw),
            db: difference(&a.db, &b.db),
        }
    }
}

fn pool_param(s: &SpeedSettings) -> PoolParam {
    PoolParam {
        pool_height: s.filter_size,
        pool_width: s.filter_size,
        stride: s.stride,
    }
}

fn difference<D: Dimension>(
    a: &Option<Array<f64, D>>,
    b: &Option<Array<f64, D>>,
) -> Option<Difference> {
    let (a, b) = (a.as_ref()?, b.as_ref()?);
    let mut d = Difference {
        rel_error: 0.0,
        max_abs: 0.0,
    };
    Zip::from(a).and(b).for_each(|&x, &y| {
        let abs = (x - y).abs();
        let rel = abs / (x.abs() + y.abs()).max(1e-8);
        // NaN must show as a difference, not as none.
        d.max_abs = if abs.is_nan() {
            f64::INFINITY
        } else {
            d.max_abs.max(abs)
        };
        d.rel_error = if rel.is_nan() {
            f64::INFINITY
        } else {
            d.rel_error.max(rel)
        };
    });
    Some(d)
}

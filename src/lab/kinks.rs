//! The kinks a whole-network gradient check can cross, watched during the check.
//!
//! A ReLU is not differentiable at 0, and a max pool not where two inputs of a window tie: when a
//! ±h step of a parameter moves some ReLU input across 0, or changes the winner of a pool window,
//! the centred difference straddles a kink and measures the average of two slopes — a large
//! relative error with a correct backward pass. [`Kinks`] holds every ReLU input and pool window
//! of a network at the drawn parameters, compares each forward pass of the check with them, and
//! reports which ones were within reach of their kink, which ones a step actually pushed across,
//! and which parameters' steps crossed any (so that the error over the others can be read on its
//! own). The three-layer net (`net.rs`) and a designed network (`designed.rs`) fill it from their
//! own activations.

use super::gradcheck::{flat, Moved};
use crate::float::Float;
use crate::i18n::{Lang, Message};
use ndarray::{ArrayD, ArrayView4};
use serde::Serialize;

/// Where a kink is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum KinkSite {
    /// The three-layer net's ReLU after the conv layer: input `(n, f, i, j)`; kink at 0.
    ConvRelu,
    /// The three-layer net's 2×2 max-pool window `(n, f, i, j)`: kink where its two largest
    /// inputs tie.
    Pool,
    /// The three-layer net's ReLU after the hidden affine layer: input `(n, j)`; kink at 0.
    HiddenRelu,
    /// A designed network's ReLU layer (named in [`SiteSummary::layer`]): input `(n, c, i, j)`;
    /// kink at 0.
    Relu,
    /// A designed network's max-pool layer: window `(n, c, i, j)` of its output; kink where its
    /// two largest inputs tie.
    MaxPool,
}

/// One ReLU input or pool window near its kink.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Kink {
    pub site: KinkSite,
    /// The layer as the network table names it, `layer 3 (relu)` (a designed network only).
    pub layer: Option<String>,
    /// Its index in the layer's input (ReLU) or output (pool window).
    pub index: Vec<usize>,
    /// Distance from the kink at the drawn parameters: |v| for a ReLU input, the gap between
    /// the window's largest and second-largest inputs for a pool window.
    pub margin: f64,
    /// The most that one ±h step of any single parameter moved that distance.
    pub reach: f64,
    /// How many parameters' ±h steps pushed it across its kink.
    pub crossings: usize,
    /// The first such parameter: (gradient name, row-major index).
    pub example: Option<(String, usize)>,
}

/// Counts for one group of sites: one kind in the three-layer net, one layer in a designed
/// network.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SiteSummary {
    pub site: KinkSite,
    /// The layer as the network table names it, `layer 3 (relu)` (a designed network only).
    pub layer: Option<String>,
    /// ReLU inputs or pool windows in all (a pool window whose output goes through a ReLU and
    /// whose inputs are all ≤ 0 has no kink of its own: only that ReLU has).
    pub total: usize,
    /// Within reach of the kink: margin < reach.
    pub near: usize,
    /// Pushed across it by at least one parameter's ±h step.
    pub crossed: usize,
}

/// What a whole-network check learnt about kinks.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KinkReport {
    /// One per group, in the network's order.
    pub sites: Vec<SiteSummary>,
    /// Every site that was crossed, then the nearest others (by margin / reach), at most
    /// [`KinkReport::LISTED`] in all.
    pub nearest: Vec<Kink>,
    /// Parameters whose ±h steps crossed at least one kink.
    pub kinked_parameters: usize,
    /// Parameters in all.
    pub parameters: usize,
    /// Per gradient (in report order), the row-major indices of its kinked elements.
    #[serde(skip)]
    pub kinked_elements: Vec<Vec<usize>>,
}

impl KinkReport {
    /// How many sites [`KinkReport::nearest`] lists at most.
    pub const LISTED: usize = 12;
}

/// The values of one group of sites in one forward pass.
pub(super) enum Values {
    /// A ReLU's inputs, flat.
    Relu(Vec<f64>),
    /// Per pool window: its winner's flat index into the pool's input and its lead over the
    /// runner-up; `None` for a window without a kink of its own.
    Pool(Vec<Option<(usize, f64)>>),
}

/// The inputs of a ReLU, flat, in f64.
pub(super) fn relu_inputs<F: Float>(x: impl IntoIterator<Item = F>) -> Values {
    Values::Relu(x.into_iter().map(|v| v.as_f64()).collect())
}

/// The windows of a max pool of `size × size`, stride `stride`, no padding, on x `(N, C, H, W)`,
/// in the row-major order of its output `(N, C, H', W')`, `H' = (H − size)/stride + 1`: each
/// window's winner (the first of its largest inputs, as the layer takes it) and its lead over the
/// runner-up. With `through_relu` (the pool's output goes through a ReLU), a window whose largest
/// input is not positive has no kink of its own (`None`): whichever input wins, the ReLU passes 0.
pub(super) fn pool_windows<F: Float>(
    x: ArrayView4<'_, F>,
    size: usize,
    stride: usize,
    through_relu: bool,
) -> Values {
    let x = x.as_standard_layout();
    let (n, c, h, w) = x.dim();
    let stride = stride.max(1);
    let (ho, wo) = (
        h.checked_sub(size).map_or(0, |d| d / stride + 1),
        w.checked_sub(size).map_or(0, |d| d / stride + 1),
    );
    let mut windows = Vec::with_capacity(n * c * ho * wo);
    let mut cells = Vec::with_capacity(size * size);
    for img in 0..n {
        for ch in 0..c {
            for i in 0..ho {
                for j in 0..wo {
                    cells.clear();
                    for r in i * stride..i * stride + size {
                        for col in j * stride..j * stride + size {
                            cells.push((((img * c + ch) * h + r) * w + col, x[[img, ch, r, col]]));
                        }
                    }
                    windows.push(window(&cells, through_relu));
                }
            }
        }
    }
    Values::Pool(windows)
}

/// The winner of a window (the first maximum) and its lead over the runner-up (infinite for a
/// 1×1 window, which has no runner-up); `None` if `through_relu` and the winner is not positive.
fn window<F: Float>(cells: &[(usize, F)], through_relu: bool) -> Option<(usize, f64)> {
    let mut best = 0;
    for k in 1..cells.len() {
        if cells[k].1 > cells[best].1 {
            best = k;
        }
    }
    let top = cells.get(best)?.1.as_f64();
    if through_relu && top <= 0.0 {
        return None;
    }
    let second = (0..cells.len())
        .filter(|&k| k != best)
        .map(|k| cells[k].1.as_f64())
        .fold(f64::NEG_INFINITY, f64::max);
    Some((cells[best].0, top - second))
}

/// What the watch holds per site, in bytes: its watch, its value at the drawn parameters and its
/// value in the pass being compared.
pub(super) const BYTES_PER_SITE: usize =
    std::mem::size_of::<Watch>() + 2 * std::mem::size_of::<Option<(usize, f64)>>();

/// Per site: how far steps moved it and who crossed it.
#[derive(Clone, Default)]
struct Watch {
    reach: f64,
    crossings: usize,
    example: Option<Moved>,
    /// The last parameter step that crossed it (so +h and −h count once).
    last: Option<Moved>,
}

impl Watch {
    fn moved(&mut self, by: f64) {
        if by > self.reach || by.is_nan() {
            self.reach = if by.is_nan() { f64::INFINITY } else { by };
        }
    }

    fn crossed(&mut self, step: Moved) {
        if self.last != Some(step) {
            self.crossings += 1;
            self.last = Some(step);
            self.example.get_or_insert(step);
        }
    }
}

/// One group of sites: what it is, its shape, its values at the drawn parameters and its
/// watches.
struct Group {
    site: KinkSite,
    layer: Option<Message>,
    dims: Vec<usize>,
    base: Values,
    watches: Vec<Watch>,
}

/// Every kink site of a network at the drawn parameters, and what the check's steps did to them.
pub(super) struct Kinks {
    groups: Vec<Group>,
    /// Per input, per element: did its ±h steps cross a kink?
    kinked: Vec<Vec<bool>>,
}

impl Kinks {
    /// The sites at the drawn parameters: per group its kind, its layer's name (if any), its
    /// shape (a ReLU's input, a pool's output) and its values; `sizes` are the checked inputs'
    /// numbers of elements.
    pub(super) fn new(
        groups: Vec<(KinkSite, Option<Message>, Vec<usize>, Values)>,
        sizes: impl IntoIterator<Item = usize>,
    ) -> Self {
        Kinks {
            groups: groups
                .into_iter()
                .map(|(site, layer, dims, base)| {
                    let len = match &base {
                        Values::Relu(v) => v.len(),
                        Values::Pool(v) => v.len(),
                    };
                    Group {
                        site,
                        layer,
                        dims,
                        base,
                        watches: vec![Watch::default(); len],
                    }
                })
                .collect(),
            kinked: sizes.into_iter().map(|n| vec![false; n]).collect(),
        }
    }

    /// Compares a forward pass's values (one per group, in the order of [`Kinks::new`]) with the
    /// drawn point's and records what moved and what crossed.
    pub(super) fn watch(&mut self, now: &[Values], step: Moved) {
        let mut crossed = false;
        for (group, now) in self.groups.iter_mut().zip(now) {
            match (&group.base, now) {
                (Values::Relu(base), Values::Relu(now)) => {
                    for (k, (&v, &v0)) in now.iter().zip(base).enumerate() {
                        group.watches[k].moved((v - v0).abs());
                        if (v > 0.0) != (v0 > 0.0) {
                            group.watches[k].crossed(step);
                            crossed = true;
                        }
                    }
                }
                (Values::Pool(base), Values::Pool(now)) => {
                    for (k, (now, base)) in now.iter().zip(base).enumerate() {
                        if let (Some((winner, gap)), Some((winner0, gap0))) = (now, base) {
                            // Signed lead of the drawn point's winner: negative once another
                            // input wins.
                            let lead = if winner == winner0 { *gap } else { -gap };
                            group.watches[k].moved((lead - gap0).abs());
                            if winner != winner0 {
                                group.watches[k].crossed(step);
                                crossed = true;
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        if crossed {
            if let Some(flag) = self
                .kinked
                .get_mut(step.input)
                .and_then(|f| f.get_mut(step.index))
            {
                *flag = true;
            }
        }
    }

    /// The report: per group the counts, the crossed and nearest sites, and the kinked elements
    /// of each input (`names` are the gradients' names, in the inputs' order); the layers' names
    /// in `lang`.
    pub(super) fn report<F: Float>(
        &self,
        inputs: &[ArrayD<F>],
        names: &[String],
        lang: Lang,
    ) -> KinkReport {
        let unravel = |mut k: usize, dims: &[usize]| {
            let mut index = vec![0; dims.len()];
            for d in (0..dims.len()).rev() {
                index[d] = k % dims[d].max(1);
                k /= dims[d].max(1);
            }
            index
        };
        let mut all = Vec::new();
        let mut sites = Vec::new();
        for group in &self.groups {
            let margins: Vec<Option<f64>> = match &group.base {
                Values::Relu(v) => v.iter().map(|v| Some(v.abs())).collect(),
                Values::Pool(v) => v.iter().map(|p| p.map(|(_, g)| g)).collect(),
            };
            let layer = group.layer.as_ref().map(|m| m.text(lang));
            let mut summary = SiteSummary {
                site: group.site,
                layer: layer.clone(),
                total: 0,
                near: 0,
                crossed: 0,
            };
            for (k, (watch, margin)) in group.watches.iter().zip(&margins).enumerate() {
                let Some(margin) = *margin else { continue };
                summary.total += 1;
                let near = margin < watch.reach;
                summary.near += usize::from(near);
                summary.crossed += usize::from(watch.crossings > 0);
                if near || watch.crossings > 0 {
                    all.push(Kink {
                        site: group.site,
                        layer: layer.clone(),
                        index: unravel(k, &group.dims),
                        margin,
                        reach: watch.reach,
                        crossings: watch.crossings,
                        example: watch.example.map(|m| (names[m.input].clone(), m.index)),
                    });
                }
            }
            sites.push(summary);
        }
        // Crossed first, then by how close they came (margin relative to reach).
        all.sort_by(|a, b| {
            (b.crossings > 0)
                .cmp(&(a.crossings > 0))
                .then((a.margin / a.reach).total_cmp(&(b.margin / b.reach)))
        });
        all.truncate(KinkReport::LISTED);
        let kinked_elements: Vec<Vec<usize>> = self
            .kinked
            .iter()
            .map(|flags| {
                flags
                    .iter()
                    .enumerate()
                    .filter(|(_, &f)| f)
                    .map(|(i, _)| i)
                    .collect()
            })
            .collect();
        KinkReport {
            sites,
            nearest: all,
            kinked_parameters: kinked_elements.iter().map(Vec::len).sum(),
            parameters: inputs.iter().map(|a| flat(a).len()).sum(),
            kinked_elements,
        }
    }
}

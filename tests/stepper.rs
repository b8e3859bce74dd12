//! The stepper's plan (src/stepper.rs) against the layers it illustrates: its outputs are the
//! naive layers' outputs, its max-pool routing is max_pool_backward_naive's, and every list of
//! terms it shows sums to the value the layer's backward pass computes. All values are small
//! integers (or quarters of them), so every comparison is exact.

use cnn_playground::layers::*;
use cnn_playground::shapes::{walk, LayerSpec, Shape};
use cnn_playground::stepper::{plan, Op, StepperConfig, StepperPlan, DEFAULTS, LECTURE, LIMITS};
use ndarray::{Array1, Array4};

fn config(
    op: Op,
    (channels, filters): (usize, usize),
    (h, w): (usize, usize),
    f: usize,
    s: usize,
    p: usize,
) -> StepperConfig {
    StepperConfig {
        op,
        height: h,
        width: w,
        channels,
        filters,
        filter: f,
        stride: s,
        pad: p,
        seed: 7,
        backward: true,
    }
}

fn x_of(p: &StepperPlan) -> Array4<f64> {
    Array4::from_shape_vec((1, p.channels, p.height, p.width), p.input.clone()).unwrap()
}

fn w_of(p: &StepperPlan) -> Array4<f64> {
    Array4::from_shape_vec(
        (p.filters, p.channels, p.filter, p.filter),
        p.weights.clone(),
    )
    .unwrap()
}

fn dout_of(p: &StepperPlan) -> Array4<f64> {
    Array4::from_shape_vec((1, p.out_depth, p.out_height, p.out_width), p.dout.clone()).unwrap()
}

fn flat(a: &Array4<f64>) -> Vec<f64> {
    a.iter().copied().collect()
}

fn xpad(p: &StepperPlan, c: usize, r: usize, col: usize) -> f64 {
    let (h, w, pad) = (p.height, p.width, p.pad);
    if r < pad || col < pad || r >= h + pad || col >= w + pad {
        0.0
    } else {
        p.input[(c * h + r - pad) * w + col - pad]
    }
}

/// The conv plan's values are the naive layer's, and each list of terms sums to its gradient.
fn check_conv(cfg: StepperConfig) {
    let p = plan(cfg).unwrap();
    let (x, w) = (x_of(&p), w_of(&p));
    assert_eq!(p.bias, vec![0.0; p.filters]);
    let param = ConvParam {
        stride: p.stride,
        pad: p.pad,
    };
    let (out, cache) = conv_forward_naive(&x, &w, &Array1::from(p.bias.clone()), param).unwrap();
    assert_eq!(out.dim(), (1, p.filters, p.out_height, p.out_width));
    assert_eq!(p.out_depth, p.filters);
    assert_eq!(p.output, flat(&out));
    let (dx, dw, db) = conv_backward_naive(&dout_of(&p), &cache).unwrap();
    assert_eq!(p.dx, flat(&dx));
    assert_eq!(p.dw, flat(&dw));
    assert_eq!(p.db, db.to_vec());

    let (ch, f, maps) = (p.channels, p.filter, p.out_height * p.out_width);
    // The dot product of each output split by channel: C sums of F·F products, plus the bias.
    assert_eq!(p.channel_sums.len(), p.filters * maps * ch);
    for (o, &value) in p.output.iter().enumerate() {
        let sums = &p.channel_sums[o * ch..(o + 1) * ch];
        assert_eq!(
            sums.iter().sum::<f64>() + p.bias[o / maps],
            value,
            "out cell {o}"
        );
        let [r0, c0] = p.windows[o % maps];
        for (c, &sum) in sums.iter().enumerate() {
            let mut products = 0.0;
            for di in 0..f {
                for dj in 0..f {
                    products += p.weights[((o / maps * ch + c) * f + di) * f + dj]
                        * xpad(&p, c, r0 + di, c0 + dj);
                }
            }
            assert_eq!(sum, products, "out cell {o}, channel {c}");
        }
    }
    // dx[c, i, j] = Σ dout[k, a, b]·w[k, c, row, col] over its terms.
    let plane = p.height * p.width;
    for (cell, terms) in p.dx_terms.iter().enumerate() {
        let c = cell / plane;
        let sum: f64 = terms
            .iter()
            .map(|t| p.dout[t.out] * p.weights[((t.out / maps * ch + c) * f + t.row) * f + t.col])
            .sum();
        assert_eq!(sum, p.dx[cell], "dx cell {cell}");
    }
    // dw[k, c, u, v] = Σ xpad[c, row, col]·dout[k, a, b]; every term's dout is in map k.
    for (cell, terms) in p.dw_terms.iter().enumerate() {
        let (k, c) = (cell / (ch * f * f), cell / (f * f) % ch);
        assert_eq!(terms.len(), maps, "one term per output cell of map {k}");
        assert!(terms.iter().all(|t| t.out / maps == k));
        let sum: f64 = terms
            .iter()
            .map(|t| xpad(&p, c, t.row, t.col) * p.dout[t.out])
            .sum();
        assert_eq!(sum, p.dw[cell], "dw cell {cell}");
    }
    // dx as a convolution: dout dilated and padded, times the flipped filters, summed over K.
    let (fh, fw) = (p.dout_full_height, p.dout_full_width);
    assert_eq!(
        (fh, fw),
        (p.height + 2 * p.pad + f - 1, p.width + 2 * p.pad + f - 1)
    );
    for (cell, &expected) in p.dx.iter().enumerate() {
        let (c, ij) = (cell / plane, cell % plane);
        let [r0, c0] = p.dx_windows[ij];
        assert_eq!([r0, c0], [ij / p.width + p.pad, ij % p.width + p.pad]);
        let mut sum = 0.0;
        for k in 0..p.filters {
            for u in 0..f {
                for v in 0..f {
                    let at = (k * fh + r0 + u) * fw + c0 + v;
                    sum += p.dout_full[at] * p.flipped[((k * ch + c) * f + u) * f + v];
                }
            }
        }
        assert_eq!(sum, expected, "dx cell {cell} as a convolution");
    }
    for (at, source) in p.dout_full_source.iter().enumerate() {
        match source {
            Some(o) => assert_eq!(p.dout_full[at], p.dout[*o]),
            None => assert_eq!(p.dout_full[at], 0.0),
        }
    }
    assert_eq!(p.dout_full_source.iter().flatten().count(), p.dout.len());
    for k in 0..p.filters {
        for c in 0..ch {
            for u in 0..f {
                for v in 0..f {
                    let slice = (k * ch + c) * f * f;
                    assert_eq!(
                        p.flipped[slice + u * f + v],
                        p.weights[slice + (f - 1 - u) * f + (f - 1 - v)]
                    );
                }
            }
        }
    }
}

#[test]
fn the_first_view_is_seven_by_seven_with_one_three_by_three_filter() {
    let p = plan(DEFAULTS).unwrap();
    assert_eq!(
        (p.height, p.width, p.channels, p.filters, p.filter, p.stride, p.pad),
        (7, 7, 1, 1, 3, 1, 0)
    );
    assert_eq!((p.out_height, p.out_width, p.out_depth), (5, 5, 1));
    // The first view does not run the backward pass.
    assert!(p.dout.is_empty() && p.dx_terms.is_empty() && p.dx.is_empty());
    check_conv(StepperConfig {
        backward: true,
        ..DEFAULTS
    });
}

#[test]
fn a_conv_plan_is_the_naive_layer_with_every_sum_spelled_out() {
    check_conv(config(Op::Conv, (1, 1), (7, 7), 3, 2, 0));
    check_conv(config(Op::Conv, (1, 1), (5, 6), 3, 1, 1));
    check_conv(config(Op::Conv, (1, 1), (7, 7), 3, 2, 2));
}

#[test]
fn depth_gives_one_map_per_filter_and_dx_sums_over_the_filters() {
    check_conv(config(Op::Conv, (3, 2), (6, 5), 3, 1, 1));
    check_conv(config(Op::Conv, (2, 3), (7, 7), 3, 2, 0));
    check_conv(config(Op::Conv, (3, 6), (9, 9), 5, 2, 1));
    // Some dx cell is reached from more than one filter's map.
    let p = plan(config(Op::Conv, (2, 3), (7, 7), 3, 2, 0)).unwrap();
    let maps = p.out_height * p.out_width;
    let reached: Vec<usize> = {
        let mut ks: Vec<usize> = p.dx_terms[24].iter().map(|t| t.out / maps).collect();
        ks.dedup();
        ks
    };
    assert_eq!(reached, vec![0, 1, 2]);
}

#[test]
fn the_lecture_example_is_twenty_eight_by_twenty_eight_by_six_with_seventy_five_products() {
    assert_eq!(
        (
            LECTURE.height,
            LECTURE.width,
            LECTURE.channels,
            LECTURE.filters,
            LECTURE.filter,
            LECTURE.stride,
            LECTURE.pad
        ),
        (32, 32, 3, 6, 5, 1, 0)
    );
    let p = plan(LECTURE).unwrap();
    assert_eq!((p.out_height, p.out_width, p.out_depth), (28, 28, 6));
    assert_eq!(p.output.len(), 28 * 28 * 6);
    assert_eq!(p.weights.len(), 6 * 75);
    // Each output: 3 channel sums of 25 products each, plus the bias.
    assert_eq!(p.channel_sums.len(), 28 * 28 * 6 * 3);
    let (x, w) = (x_of(&p), w_of(&p));
    let (out, _) =
        conv_forward_naive(&x, &w, &Array1::zeros(6), ConvParam { stride: 1, pad: 0 }).unwrap();
    assert_eq!(p.output, flat(&out));
    // Forward only: nothing of the backward pass is made.
    assert!(
        p.dout.is_empty()
            && p.dx.is_empty()
            && p.dw.is_empty()
            && p.dx_terms.is_empty()
            && p.dw_terms.is_empty()
    );
    check_conv(StepperConfig {
        backward: true,
        ..LECTURE
    });
}

#[test]
fn the_forward_values_do_not_depend_on_the_pass_and_channel_zero_is_the_one_channel_input() {
    for op in [Op::Conv, Op::Pool, Op::AvgPool] {
        let both = plan(config(op, (2, 2), (6, 6), 2, 2, 0)).unwrap();
        let forward = plan(StepperConfig {
            backward: false,
            ..config(op, (2, 2), (6, 6), 2, 2, 0)
        })
        .unwrap();
        assert_eq!(
            (forward.output.clone(), forward.weights.clone()),
            (both.output.clone(), both.weights.clone())
        );
    }
    // The page shows the backward pass for one channel: channel 0 of a deeper input.
    let deep = plan(config(Op::Conv, (3, 6), (7, 7), 3, 1, 0)).unwrap();
    let flat1 = plan(config(Op::Conv, (1, 1), (7, 7), 3, 1, 0)).unwrap();
    assert_eq!(deep.input[..49], flat1.input[..]);
}

/// The pool plan's values are the naive layer's; dx_after builds up to dx one dout cell at a time.
fn check_pool(op: Op, channels: usize, (h, w): (usize, usize), f: usize, s: usize) -> StepperPlan {
    let p = plan(config(op, (channels, 4), (h, w), f, s, 2)).unwrap();
    assert_eq!(
        (p.filters, p.pad, p.out_depth),
        (0, 0, channels),
        "pooling keeps C and has no pad"
    );
    let param = PoolParam {
        pool_height: f,
        pool_width: f,
        stride: s,
    };
    let x = x_of(&p);
    let (out, cache) = if op == Op::Pool {
        max_pool_forward_naive(&x, param).unwrap()
    } else {
        avg_pool_forward_naive(&x, param).unwrap()
    };
    assert_eq!(p.output, flat(&out));
    let dx = if op == Op::Pool {
        max_pool_backward_naive(&dout_of(&p), &cache).unwrap()
    } else {
        avg_pool_backward_naive(&dout_of(&p), &cache).unwrap()
    };
    assert_eq!(p.dx, flat(&dx));
    assert_eq!(p.dx_after.len(), p.dout.len());
    assert_eq!(p.dx_after.last(), Some(&p.dx));
    p
}

#[test]
fn max_pool_routes_each_dout_cell_to_the_argmax_of_its_window() {
    for (channels, (h, w), f, s) in [(1, (7, 7), 3, 2), (2, (6, 6), 2, 2), (3, (5, 7), 3, 1)] {
        let p = check_pool(Op::Pool, channels, (h, w), f, s);
        let maps = p.out_height * p.out_width;
        assert_eq!(p.argmax.len(), p.output.len());
        let mut routed = vec![0.0; p.input.len()];
        for (o, &cell) in p.argmax.iter().enumerate() {
            // The winner is in the window's channel and inside the window, and holds the max.
            let (c, ij) = (o / maps, o % maps);
            let [r0, c0] = p.windows[ij];
            let (cc, r, col) = (cell / (h * w), cell % (h * w) / w, cell % w);
            assert_eq!(cc, c);
            assert!((r0..r0 + f).contains(&r) && (c0..c0 + f).contains(&col));
            assert_eq!(p.input[cell], p.output[o]);
            routed[cell] += p.dout[o];
            let before = if o == 0 {
                vec![0.0; p.input.len()]
            } else {
                p.dx_after[o - 1].clone()
            };
            let mut expected = before;
            expected[cell] += p.dout[o];
            assert_eq!(p.dx_after[o], expected, "after routing dout cell {o}");
        }
        assert_eq!(routed, p.dx);
        assert!(p.channel_sums.is_empty() && p.dx_terms.is_empty() && p.shares.is_empty());
    }
}

#[test]
fn average_pool_shares_each_dout_cell_evenly_over_its_window() {
    for (channels, (h, w), f, s) in [(1, (7, 7), 3, 2), (2, (6, 6), 2, 2), (1, (4, 4), 2, 1)] {
        let p = check_pool(Op::AvgPool, channels, (h, w), f, s);
        assert!(p.argmax.is_empty());
        let maps = p.out_height * p.out_width;
        let share = (f * f) as f64;
        for (o, after) in p.dx_after.iter().enumerate() {
            let (c, [r0, c0]) = (o / maps, p.windows[o % maps]);
            assert_eq!(p.shares[o], p.dout[o] / share);
            let mut expected = if o == 0 {
                vec![0.0; p.input.len()]
            } else {
                p.dx_after[o - 1].clone()
            };
            for r in r0..r0 + f {
                for col in c0..c0 + f {
                    expected[(c * h + r) * w + col] += p.shares[o];
                }
            }
            assert_eq!(after, &expected, "after sharing dout cell {o}");
        }
    }
    // One window of four cells: out is their mean, and each gets a quarter of dout.
    let p = plan(config(Op::AvgPool, (1, 1), (2, 2), 2, 1, 0)).unwrap();
    assert_eq!(p.output, vec![p.input.iter().sum::<f64>() / 4.0]);
    assert_eq!(p.dx, vec![p.dout[0] / 4.0; 4]);
}

#[test]
fn a_stride_that_does_not_fit_is_the_network_tables_message() {
    let cfg = config(Op::Conv, (1, 1), (7, 7), 3, 3, 0);
    let expected = walk(
        Shape::new(1, 7, 7),
        &[LayerSpec::Conv {
            filters: 1,
            size: 3,
            stride: 3,
            pad: 0,
        }],
    )
    .unwrap()
    .error
    .unwrap()
    .message;
    assert_eq!(plan(cfg).unwrap_err().to_string(), expected);
    assert!(expected.contains("(7 − 3 + 2·0)/3 + 1"), "{expected}");
}

#[test]
fn a_plan_too_large_for_the_budget_is_refused_before_it_is_made() {
    let err = plan(config(Op::Pool, (1, 1), (200, 200), 1, 1, 0)).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the step-by-step plan of a 200×200 input with a 1×1 pool window would need 11.92 GiB; the engine's limit is 1 GiB"
    );
    // Forward only, the same grid is small.
    let p = plan(StepperConfig {
        backward: false,
        ..config(Op::Pool, (1, 1), (200, 200), 1, 1, 0)
    })
    .unwrap();
    assert_eq!(p.output.len(), 40_000);
    let err = plan(config(Op::Conv, (3, 6), (4, 4), 3, 1, 10_000)).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("the step-by-step plan of a 4×4 input with a 3×3 filter would need "),
        "{err}"
    );
}

#[test]
fn the_limits_cover_the_lecture_example_and_bound_the_steps() {
    assert_eq!(
        (
            LIMITS.max_side,
            LIMITS.max_filter,
            LIMITS.max_stride,
            LIMITS.max_pad,
            LIMITS.max_channels,
            LIMITS.max_filters
        ),
        (32, 7, 6, 3, 3, 6)
    );
    assert_eq!(LIMITS.max_steps, 38 * 38 * 6);
    // The deepest, largest setting within the limits has exactly that many forward steps.
    let p = plan(StepperConfig {
        backward: false,
        ..config(Op::Conv, (3, 6), (32, 32), 1, 1, 3)
    })
    .unwrap();
    assert_eq!(p.output.len(), LIMITS.max_steps);
}

//! The filters in f64 against an independent f64 reference: a direct cross-correlation loop over
//! the zero-padded image, written here with the kernels and luma weights typed out, for every
//! built-in kind of filter, a custom kernel, and strides and pads. The page's f32 results are
//! checked pixel by pixel in tests/filters.rs and the browser tests.

use cnn_playground::filters::{
    apply, apply_gray, apply_rgba, apply_rgba_as, assignment_demo_as, rgba_to_input_as, Channels,
    Filter, FilterParam, Kernel,
};
use ndarray::{Array3, Array4};

/// BT.601 luma, typed out independently of the module's constant.
const Y: [f64; 3] = [0.299, 0.587, 0.114];

/// A `width × height` RGBA image of pseudo-random bytes (alpha 255).
fn image(width: usize, height: usize, seed: u32) -> Vec<u8> {
    let mut state = seed.wrapping_mul(2_654_435_761).max(1);
    let mut next = || {
        // xorshift32
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        (state >> 24) as u8
    };
    (0..width * height)
        .flat_map(|_| [next(), next(), next(), 255])
        .collect()
}

/// `out[i, j] = Σ_di Σ_dj k[di][dj] · xpad[i·s + di, j·s + dj]` over one plane `x (H, W)`.
fn correlate(x: &[Vec<f64>], k: &[Vec<f64>], stride: usize, pad: usize) -> Vec<Vec<f64>> {
    let (h, w, kk) = (x.len() as isize, x[0].len() as isize, k.len() as isize);
    let (s, p) = (stride as isize, pad as isize);
    let ho = (h - kk + 2 * p) / s + 1;
    let wo = (w - kk + 2 * p) / s + 1;
    (0..ho)
        .map(|i| {
            (0..wo)
                .map(|j| {
                    let mut sum = 0.0;
                    for di in 0..kk {
                        for dj in 0..kk {
                            let (r, c) = (i * s + di - p, j * s + dj - p);
                            if r >= 0 && r < h && c >= 0 && c < w {
                                sum += k[di as usize][dj as usize] * x[r as usize][c as usize];
                            }
                        }
                    }
                    sum
                })
                .collect()
        })
        .collect()
}

/// The R, G, B planes of an RGBA image as f64.
fn planes(rgba: &[u8], width: usize, height: usize) -> [Vec<Vec<f64>>; 3] {
    [0, 1, 2].map(|c| {
        (0..height)
            .map(|i| {
                (0..width)
                    .map(|j| f64::from(rgba[(i * width + j) * 4 + c]))
                    .collect()
            })
            .collect()
    })
}

fn sum3(a: [Vec<Vec<f64>>; 3], weights: [f64; 3]) -> Vec<Vec<f64>> {
    let mut out = a[0].clone();
    for (i, row) in out.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            *v = (0..3).map(|c| weights[c] * a[c][i][j]).sum();
        }
    }
    out
}

/// The reference maps of a single-kernel filter on an RGBA image.
fn reference(
    rgba: &[u8],
    width: usize,
    height: usize,
    kernel: &[Vec<f64>],
    param: FilterParam,
) -> Vec<Vec<Vec<f64>>> {
    let [r, g, b] = planes(rgba, width, height);
    let on = |x: &Vec<Vec<f64>>| correlate(x, kernel, param.stride, param.pad);
    match param.channels {
        // Filter each channel, then weight by the luma (the module weights the kernel instead).
        Channels::Luma => vec![sum3([on(&r), on(&g), on(&b)], Y)],
        Channels::Color => vec![on(&r), on(&g), on(&b)],
    }
}

/// max |a − b| / max(1, max |b|) over the maps; errors if the shapes differ.
fn apart(maps: &Array3<f64>, expected: &[Vec<Vec<f64>>]) -> f64 {
    let (f, h, w) = maps.dim();
    assert_eq!(
        (f, h, w),
        (expected.len(), expected[0].len(), expected[0][0].len())
    );
    let scale = expected
        .iter()
        .flatten()
        .flatten()
        .fold(1.0_f64, |m, v| m.max(v.abs()));
    let mut worst = 0.0_f64;
    for m in 0..f {
        for i in 0..h {
            for j in 0..w {
                worst = worst.max((maps[[m, i, j]] - expected[m][i][j]).abs());
            }
        }
    }
    worst / scale
}

fn rows(values: &[f64], k: usize) -> Vec<Vec<f64>> {
    values.chunks(k).map(<[f64]>::to_vec).collect()
}

/// Every stride/pad/channel variant the test tries: pads 0 to k − 1, strides 1 to 3.
fn params(k: usize) -> Vec<FilterParam> {
    let mut out = Vec::new();
    for stride in 1..=3 {
        for pad in 0..k {
            for channels in [Channels::Luma, Channels::Color] {
                out.push(FilterParam {
                    stride,
                    pad,
                    channels,
                });
            }
        }
    }
    out
}

/// Image sizes for which `(size − k + 2·pad)` is a multiple of the stride, so the output is whole.
fn fits(size: usize, k: usize, p: FilterParam) -> bool {
    size + 2 * p.pad >= k && (size + 2 * p.pad - k).is_multiple_of(p.stride)
}

#[test]
fn f64_filters_agree_with_a_direct_f64_loop_to_1e_12() {
    let third = 1.0 / 3.0;
    let custom = [0.5_f32, -1.25, 3.0, 0.1, 2.0, -0.75, 1.0, 0.0, -2.5];
    let cases: Vec<(Filter, Vec<Vec<f64>>)> = vec![
        (
            Filter::SobelX,
            rows(&[-1., 0., 1., -2., 0., 2., -1., 0., 1.], 3),
        ),
        (
            Filter::SobelY,
            rows(&[-1., -2., -1., 0., 0., 0., 1., 2., 1.], 3),
        ),
        (
            Filter::Laplacian,
            rows(&[0., 1., 0., 1., -4., 1., 0., 1., 0.], 3),
        ),
        (
            Filter::Sharpen,
            rows(&[0., -1., 0., -1., 5., -1., 0., -1., 0.], 3),
        ),
        (Filter::BoxBlur { size: 3 }, rows(&[1.0 / 9.0; 9], 3)),
        (Filter::BoxBlur { size: 2 }, rows(&[0.25; 4], 2)),
        (Filter::BoxBlur { size: 5 }, rows(&[1.0 / 25.0; 25], 5)),
        (
            Filter::Custom(Kernel::new(3, custom.to_vec()).unwrap()),
            rows(&custom.map(f64::from), 3),
        ),
        (
            Filter::Custom(Kernel::new(2, vec![third as f32, -2.0, 0.7, 1.5]).unwrap()),
            rows(&[f64::from(third as f32), -2.0, f64::from(0.7_f32), 1.5], 2),
        ),
    ];
    let mut checked = 0;
    for (width, height, seed) in [(9, 7, 1), (12, 12, 2), (70, 66, 3)] {
        let rgba = image(width, height, seed);
        for (filter, kernel) in &cases {
            for p in params(kernel.len()) {
                if !(fits(width, kernel.len(), p) && fits(height, kernel.len(), p)) {
                    continue;
                }
                let out = apply_rgba_as::<f64>(&rgba, width, height, filter, p).unwrap();
                let expected = reference(&rgba, width, height, kernel, p);
                let e = apart(&out.maps, &expected);
                assert!(
                    e < 1e-12,
                    "{filter:?} {p:?} on {width}×{height}: {e:e} ({})",
                    out.computed_by.name()
                );
                checked += 1;
            }
        }
    }
    // Every filter on every image with at least stride 1 and its pads, luma and colour.
    assert!(checked >= 3 * 9 * 2, "{checked} cases");
}

#[test]
fn f64_grayscale_and_gradient_magnitude_agree_with_the_direct_loop() {
    let (width, height) = (11, 8);
    let rgba = image(width, height, 4);
    let [r, g, b] = planes(&rgba, width, height);
    let gray = sum3([r, g, b], Y);
    for channels in [Channels::Luma, Channels::Color] {
        let p = FilterParam {
            stride: 1,
            pad: 0,
            channels,
        };
        let out = apply_rgba_as::<f64>(&rgba, width, height, &Filter::Grayscale, p).unwrap();
        assert!(apart(&out.maps, std::slice::from_ref(&gray)) < 1e-12);
    }
    let p = FilterParam {
        stride: 1,
        pad: 1,
        channels: Channels::Luma,
    };
    let sobel_x = rows(&[-1., 0., 1., -2., 0., 2., -1., 0., 1.], 3);
    let sobel_y = rows(&[-1., -2., -1., 0., 0., 0., 1., 2., 1.], 3);
    let gx = &reference(&rgba, width, height, &sobel_x, p)[0];
    let gy = &reference(&rgba, width, height, &sobel_y, p)[0];
    let magnitude: Vec<Vec<f64>> = gx
        .iter()
        .zip(gy)
        .map(|(a, b)| a.iter().zip(b).map(|(x, y)| x.hypot(*y)).collect())
        .collect();
    let out = apply_rgba_as::<f64>(&rgba, width, height, &Filter::GradientMagnitude, p).unwrap();
    assert!(apart(&out.maps, &[magnitude]) < 1e-12);
}

#[test]
fn f64_grayscale_input_and_the_assignment_demo_agree_with_the_direct_loop() {
    // A grayscale f64 image through apply_gray: the input type chooses the float type.
    let (width, height) = (11, 9);
    let gray: Vec<f64> = (0..width * height)
        .map(|p| ((p * 37) % 101) as f64 / 7.0)
        .collect();
    let plane: Vec<Vec<f64>> = gray.chunks(width).map(<[f64]>::to_vec).collect();
    let p = FilterParam {
        stride: 2,
        pad: 1,
        channels: Channels::Luma,
    };
    let blur = rows(&[1.0 / 9.0; 9], 3);
    let out = apply_gray(&gray, width, height, &Filter::BoxBlur { size: 3 }, p).unwrap();
    assert!(apart(&out.maps, &[correlate(&plane, &blur, 2, 1)]) < 1e-12);
    let x: Array4<f64> = Array4::from_shape_vec((1, 1, height, width), gray).unwrap();
    assert_eq!(
        apply(&x, &Filter::BoxBlur { size: 3 }, p).unwrap().maps,
        out.maps
    );

    // The demo: filter 0 is 0.3 R + 0.6 G + 0.1 B at the centre tap, filter 1 the blue
    // channel's Sobel [[1, 2, 1], [0, 0, 0], [-1, -2, -1]] plus 128.
    let rgba = image(8, 6, 5);
    let [r, g, b] = planes(&rgba, 8, 6);
    let one = rows(&[0., 0., 0., 0., 1., 0., 0., 0., 0.], 3);
    let centre = sum3(
        [
            correlate(&r, &one, 1, 1),
            correlate(&g, &one, 1, 1),
            correlate(&b, &one, 1, 1),
        ],
        [0.3, 0.6, 0.1],
    );
    let sobel = rows(&[1., 2., 1., 0., 0., 0., -1., -2., -1.], 3);
    let edges: Vec<Vec<f64>> = correlate(&b, &sobel, 1, 1)
        .into_iter()
        .map(|row| row.into_iter().map(|v| v + 128.0).collect())
        .collect();
    let demo = assignment_demo_as::<f64>(&rgba, 8, 6).unwrap();
    assert!(apart(&demo.maps, &[centre, edges]) < 1e-12);
}

#[test]
fn the_page_computes_in_f32_and_f64_is_closer_to_the_reference() {
    // A 3×3 blur has weights 1/9, which f32 rounds: its maps are within f32 precision of the
    // reference, the f64 maps a hundred million times closer.
    let (width, height) = (16, 16);
    let rgba = image(width, height, 6);
    let p = FilterParam {
        stride: 1,
        pad: 1,
        channels: Channels::Color,
    };
    let blur = Filter::BoxBlur { size: 3 };
    let expected = reference(&rgba, width, height, &rows(&[1.0 / 9.0; 9], 3), p);
    let f32_maps = apply_rgba(&rgba, width, height, &blur, p)
        .unwrap()
        .maps
        .mapv(f64::from);
    let f64_maps = apply_rgba_as::<f64>(&rgba, width, height, &blur, p)
        .unwrap()
        .maps;
    let (e32, e64) = (apart(&f32_maps, &expected), apart(&f64_maps, &expected));
    assert!(e32 > 1e-9 && e32 < 1e-6, "f32: {e32:e}");
    assert!(e64 < 1e-14, "f64: {e64:e}");
    // The f64 input is the same image: 0–255 in every channel.
    let x = rgba_to_input_as::<f64>(&rgba, width, height).unwrap();
    assert_eq!(x[[0, 2, 3, 4]], f64::from(rgba[(3 * width + 4) * 4 + 2]));
}

//! Image filters run through the conv layer: values computed by hand, display scaling, errors.

use cnn_playground::error::Error;
use cnn_playground::filters::{
    apply, apply_gray, apply_rgba, assignment_demo, assignment_demo_layer, color_to_rgba,
    gray_to_input, map_to_rgba, rgba_to_input, run, run_with, to_pixels, Channels, ConvLayer,
    Filter, FilterParam, Kernel, Scale, DEMO_CONV_PARAM, FAST_FROM_PIXELS, LUMA, MAX_PIXELS,
};
use cnn_playground::layers::ConvParam;
use ndarray::{arr1, arr2, arr3, s, Array2, Array4};

fn param(stride: usize, pad: usize) -> FilterParam {
    FilterParam {
        stride,
        pad,
        channels: Channels::Luma,
    }
}

/// An RGBA image of `width × height` where `colour(i, j)` gives the RGB of row i, column j.
fn rgba(width: usize, height: usize, colour: impl Fn(usize, usize) -> [u8; 3]) -> Vec<u8> {
    let mut out = Vec::new();
    for i in 0..height {
        for j in 0..width {
            let [r, g, b] = colour(i, j);
            out.extend([r, g, b, 255]);
        }
    }
    out
}

/// A 5×6 grayscale image: 0 in columns 0–2, 1 in columns 3–5 (a vertical step edge).
fn step_edge() -> Vec<f32> {
    (0..5)
        .flat_map(|_| (0..6).map(|j| if j >= 3 { 1.0 } else { 0.0 }))
        .collect()
}

// ------------------------------------------------------------------------------------------------
// Grayscale
// ------------------------------------------------------------------------------------------------

#[test]
fn grayscale_of_pure_red_green_blue_is_the_luma_weight_times_255() {
    for (c, colour) in [[255, 0, 0], [0, 255, 0], [0, 0, 255]]
        .into_iter()
        .enumerate()
    {
        let image = rgba(2, 2, |_, _| colour);
        let out = apply_rgba(&image, 2, 2, &Filter::Grayscale, param(1, 0)).unwrap();
        assert_eq!(out.maps.dim(), (1, 2, 2));
        let expected = LUMA[c] * 255.0;
        assert!(
            out.maps.iter().all(|&v| v == expected),
            "channel {c}: {:?}",
            out.maps
        );
    }
    assert_eq!(LUMA, [0.299, 0.587, 0.114]);
    // White is 255 (up to f32 rounding of 0.299 + 0.587 + 0.114); the display clamps it.
    let white = rgba(1, 1, |_, _| [255, 255, 255]);
    let out = apply_rgba(&white, 1, 1, &Filter::Grayscale, param(1, 0)).unwrap();
    assert!(
        (out.maps[[0, 0, 0]] - 255.0).abs() < 1e-4,
        "{}",
        out.maps[[0, 0, 0]]
    );
    assert_eq!(out.scale, Scale::Clamp);
    assert_eq!(out.pictures(), vec![vec![255, 255, 255, 255]]);
}

#[test]
fn grayscale_is_a_one_by_one_conv_with_the_luma_weights_in_either_channel_mode() {
    for channels in [Channels::Luma, Channels::Color] {
        let layer = Filter::Grayscale.layer(3, channels).unwrap();
        assert_eq!(layer.w.dim(), (1, 3, 1, 1));
        assert_eq!(layer.w.iter().copied().collect::<Vec<_>>(), LUMA.to_vec());
        assert_eq!(layer.b.to_vec(), vec![0.0]);
    }
    // On a gray image it is the identity.
    let gray = [3.0, 1.5, -2.0, 7.0];
    let out = apply_gray(&gray, 2, 2, &Filter::Grayscale, param(1, 0)).unwrap();
    assert_eq!(out.maps.iter().copied().collect::<Vec<_>>(), gray.to_vec());
}

// ------------------------------------------------------------------------------------------------
// Edges
// ------------------------------------------------------------------------------------------------

/// Sobel x at column j of an interior row is 4·(x[j+1] − x[j−1]) (the column weights 1, 2, 1
/// sum to 4); in the top and bottom rows the padded row above or below drops out, leaving 3.
/// The step 0 → 1 between columns 2 and 3 gives +4 on columns 2 and 3; the zero padding right
/// of column 5 makes a −4 "edge" there (1 → 0); column 0 sees padding 0 and 0, so stays 0.
#[test]
fn sobel_x_on_a_vertical_step_responds_only_along_the_edge_and_the_padded_border() {
    let out = apply_gray(&step_edge(), 6, 5, &Filter::SobelX, param(1, 1)).unwrap();
    let expected = arr2(&[
        [0.0, 0.0, 3.0, 3.0, 0.0, -3.0],
        [0.0, 0.0, 4.0, 4.0, 0.0, -4.0],
        [0.0, 0.0, 4.0, 4.0, 0.0, -4.0],
        [0.0, 0.0, 4.0, 4.0, 0.0, -4.0],
        [0.0, 0.0, 3.0, 3.0, 0.0, -3.0f32],
    ]);
    assert_eq!(out.maps.index_axis(ndarray::Axis(0), 0), expected);
    assert_eq!(out.layer.w.dim(), (1, 1, 3, 3));
    assert_eq!(
        out.layer.w.slice(s![0, 0, .., ..]),
        arr2(&[[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0f32]])
    );
    // Without padding only the interior is computed: columns 1..5, rows 1..4.
    let valid = apply_gray(&step_edge(), 6, 5, &Filter::SobelX, param(1, 0)).unwrap();
    assert_eq!(valid.maps.dim(), (1, 3, 4));
    assert_eq!(
        valid.maps.index_axis(ndarray::Axis(0), 0),
        arr2(&[
            [0.0, 4.0, 4.0, 0.0],
            [0.0, 4.0, 4.0, 0.0],
            [0.0, 4.0, 4.0, 0.0f32]
        ])
    );
}

/// A photo-sized image runs through the fast conv layer, with the same hand-computed values.
#[test]
fn large_images_use_the_fast_layer_with_the_same_results() {
    let (w, h) = (100, 70);
    assert!(w * h >= FAST_FROM_PIXELS);
    let gray: Vec<f32> = (0..h)
        .flat_map(|_| (0..w).map(|j| if j >= 40 { 1.0 } else { 0.0 }))
        .collect();
    let out = apply_gray(&gray, w, h, &Filter::SobelX, param(1, 1)).unwrap();
    assert_eq!(out.computed_by, ConvLayer::Fast);
    assert_eq!(out.computed_by.name(), "conv_forward_fast");
    let map = out.maps.index_axis(ndarray::Axis(0), 0);
    for ((i, j), &v) in map.indexed_iter() {
        let interior = if i == 0 || i == h - 1 { 3.0 } else { 4.0 };
        let expected = match j {
            39 | 40 => interior,
            99 => -interior,
            _ => 0.0,
        };
        assert_eq!(v, expected, "row {i}, column {j}");
    }
    // Small images use the naive loops; forcing either layer gives the same maps.
    let small = apply_gray(&step_edge(), 6, 5, &Filter::SobelX, param(1, 1)).unwrap();
    assert_eq!(small.computed_by, ConvLayer::Naive);
    // Larger kernels stay on the naive loops (unrolling them costs more than it saves).
    let blur = apply_gray(&gray, 100, 70, &Filter::BoxBlur { size: 5 }, param(1, 2)).unwrap();
    assert_eq!(blur.computed_by, ConvLayer::Naive);
    assert_eq!(ConvLayer::choose(3, 3, 512, 512), ConvLayer::Fast);
    assert_eq!(
        ConvLayer::choose(3, 3, 2048, 2048),
        ConvLayer::Naive,
        "2048²·3·9·4 bytes = 453 MB of columns"
    );
    assert_eq!(ConvLayer::choose(1, 3, 63, 64), ConvLayer::Naive);
    let (w, h) = (101, 71); // odd sizes, so that stride 2 with pad 1 fits
    let image = rgba(w, h, |i, j| {
        [
            (i * 3 % 256) as u8,
            (j * 7 % 256) as u8,
            ((i + j) % 256) as u8,
        ]
    });
    let x = rgba_to_input(&image, w, h).unwrap();
    let layer = Filter::Sharpen.layer(3, Channels::Color).unwrap();
    let conv = ConvParam { stride: 2, pad: 1 };
    let (naive, _) = run_with(&x, &layer, conv, Some(ConvLayer::Naive)).unwrap();
    let (fast, _) = run_with(&x, &layer, conv, Some(ConvLayer::Fast)).unwrap();
    assert_eq!(naive.dim(), (3, 36, 51));
    // Integer pixels and integer weights: every sum is exact in f32, whatever the order.
    assert_eq!(naive, fast);
}

#[test]
fn sobel_y_sees_no_vertical_edge_except_at_the_padded_top_and_bottom() {
    let out = apply_gray(&step_edge(), 6, 5, &Filter::SobelY, param(1, 1)).unwrap();
    // Row 0: the padded row above is 0, the row below has (1, 2, 1)-weighted sums of the step.
    // Interior rows: the rows above and below are equal, so 0. The last row mirrors row 0.
    let edge_row = [0.0, 0.0, 1.0, 3.0, 4.0, 3.0f32];
    let map = out.maps.index_axis(ndarray::Axis(0), 0);
    assert_eq!(map.row(0).to_vec(), edge_row.to_vec());
    for i in 1..4 {
        assert!(
            map.row(i).iter().all(|&v| v == 0.0),
            "row {i}: {:?}",
            map.row(i)
        );
    }
    assert_eq!(map.row(4).to_vec(), edge_row.map(|v| -v).to_vec());
}

#[test]
fn gradient_magnitude_is_the_root_of_the_squared_sobel_maps() {
    let gray = step_edge();
    let gx = apply_gray(&gray, 6, 5, &Filter::SobelX, param(1, 1))
        .unwrap()
        .maps;
    let gy = apply_gray(&gray, 6, 5, &Filter::SobelY, param(1, 1))
        .unwrap()
        .maps;
    let mag = apply_gray(&gray, 6, 5, &Filter::GradientMagnitude, param(1, 1)).unwrap();
    assert_eq!(
        mag.layer.w.dim(),
        (2, 1, 3, 3),
        "Sobel x and Sobel y in one conv"
    );
    assert!(mag.layer.magnitude);
    assert_eq!(mag.maps.dim(), (1, 5, 6));
    let expected = ndarray::Zip::from(&gx)
        .and(&gy)
        .map_collect(|&x, &y| (x * x + y * y).sqrt());
    assert_eq!(mag.maps, expected);
    assert_eq!(
        mag.maps[[0, 0, 3]],
        18f32.sqrt(),
        "gx = 3, gy = 3 at the top of the edge"
    );
    assert_eq!(mag.maps[[0, 2, 3]], 4.0, "gx = 4, gy = 0 in the middle");
}

#[test]
fn edges_of_a_colour_image_on_the_luma_and_per_channel() {
    // Black on the left, pure red on the right.
    let image = rgba(4, 3, |_, j| if j >= 2 { [255, 0, 0] } else { [0, 0, 0] });
    let luma = apply_rgba(&image, 4, 3, &Filter::SobelX, param(1, 1)).unwrap();
    assert_eq!(luma.layer.w.dim(), (1, 3, 3, 3));
    assert_eq!(luma.maps.dim(), (1, 3, 4));
    let red = 0.299f32 * 255.0;
    assert!(
        (luma.maps[[0, 1, 1]] - 4.0 * red).abs() < 1e-3,
        "{}",
        luma.maps[[0, 1, 1]]
    );
    assert_eq!(luma.maps[[0, 1, 0]], 0.0);

    let color = FilterParam {
        channels: Channels::Color,
        ..param(1, 1)
    };
    let per_channel = apply_rgba(&image, 4, 3, &Filter::SobelX, color).unwrap();
    assert_eq!(per_channel.layer.w.dim(), (3, 3, 3, 3));
    // Filter f looks at channel f only.
    for f in 0..3 {
        for c in 0..3 {
            let nonzero = per_channel
                .layer
                .w
                .slice(s![f, c, .., ..])
                .iter()
                .any(|&v| v != 0.0);
            assert_eq!(nonzero, f == c, "w[{f}, {c}]");
        }
    }
    assert_eq!(per_channel.maps[[0, 1, 1]], 4.0 * 255.0);
    assert!(per_channel
        .maps
        .slice(s![1.., .., ..])
        .iter()
        .all(|&v| v == 0.0));
    assert_eq!(per_channel.pictures().len(), 1, "one colour picture");
    assert_eq!(per_channel.pictures()[0].len(), 4 * 3 * 4);
}

// ------------------------------------------------------------------------------------------------
// Other kernels, stride and padding
// ------------------------------------------------------------------------------------------------

#[test]
fn a_custom_kernel_is_cross_correlation_not_flipped() {
    // A single 1 in the top-left tap reads xpad[i, j] = x[i − 1, j − 1]: the image moves one
    // pixel right and down. (A true convolution would flip the kernel and move it the other way.)
    let kernel = Kernel::new(3, vec![1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]).unwrap();
    let gray: Vec<f32> = (1..=9).map(|v| v as f32).collect();
    let out = apply_gray(&gray, 3, 3, &Filter::Custom(kernel), param(1, 1)).unwrap();
    assert_eq!(
        out.maps,
        arr3(&[[[0.0, 0.0, 0.0], [0.0, 1.0, 2.0], [0.0, 4.0, 5.0f32]]])
    );
}

#[test]
fn stride_and_padding_set_the_output_size_by_the_formula() {
    let gray = vec![1.0f32; 7 * 7];
    let blur = Filter::BoxBlur { size: 3 };
    let size = |stride, pad| apply_gray(&gray, 7, 7, &blur, param(stride, pad)).map(|o| o.size());
    assert_eq!(size(1, 0), Ok((5, 5)));
    assert_eq!(size(2, 0), Ok((3, 3)));
    assert_eq!(size(1, 1), Ok((7, 7)));
    assert_eq!(size(2, 1), Ok((4, 4)));
    assert_eq!(
        size(3, 0).unwrap_err().to_string(),
        "height: (7 − 3 + 2·0)/3 + 1 = 2.33 is not a whole number: try stride 1 or 2, or pad 1"
    );
    // An even kernel: 2×2 on 7×7 gives 6×6, with pad 1 8×8.
    let even = Filter::Custom(Kernel::new(2, vec![0.25; 4]).unwrap());
    assert_eq!(
        apply_gray(&gray, 7, 7, &even, param(1, 0)).unwrap().size(),
        (6, 6)
    );
    assert_eq!(
        apply_gray(&gray, 7, 7, &even, param(1, 1)).unwrap().size(),
        (8, 8)
    );
    assert_eq!(FilterParam::same(&even, Channels::Luma).pad, 0);
    assert_eq!(
        FilterParam::same(&Filter::BoxBlur { size: 5 }, Channels::Luma).pad,
        2
    );
}

#[test]
fn box_blur_averages_and_the_zero_padding_darkens_the_border() {
    let gray = vec![9.0f32; 4 * 4];
    let out = apply_gray(&gray, 4, 4, &Filter::BoxBlur { size: 3 }, param(1, 1)).unwrap();
    // Interior: 9 taps of 9/9; edge: 6 taps; corner: 4 taps.
    let close = |v: f32, want: f32| (v - want).abs() < 1e-5;
    assert!(close(out.maps[[0, 1, 1]], 9.0));
    assert!(close(out.maps[[0, 0, 1]], 6.0));
    assert!(close(out.maps[[0, 0, 0]], 4.0));
    let five = apply_gray(&gray, 4, 4, &Filter::BoxBlur { size: 5 }, param(1, 2)).unwrap();
    assert!(
        close(five.maps[[0, 0, 0]], 9.0 * 9.0 / 25.0),
        "3×3 of 25 taps at the corner"
    );
    assert_eq!(five.layer.w.dim(), (1, 1, 5, 5));
}

#[test]
fn laplacian_and_sharpen_on_a_single_bright_pixel() {
    let mut gray = vec![0.0f32; 9];
    gray[4] = 10.0;
    let lap = apply_gray(&gray, 3, 3, &Filter::Laplacian, param(1, 1)).unwrap();
    assert_eq!(
        lap.maps,
        arr3(&[[[0.0, 10.0, 0.0], [10.0, -40.0, 10.0], [0.0, 10.0, 0.0]]])
    );
    let sharp = apply_gray(&gray, 3, 3, &Filter::Sharpen, param(1, 1)).unwrap();
    assert_eq!(
        sharp.maps,
        arr3(&[[[0.0, -10.0, 0.0], [-10.0, 50.0, -10.0], [0.0, -10.0, 0.0]]])
    );
    assert_eq!(sharp.scale, Scale::Clamp);
    assert_eq!(lap.scale, Scale::MinMax);
}

// ------------------------------------------------------------------------------------------------
// The assignment's demo
// ------------------------------------------------------------------------------------------------

#[test]
fn demo_layer_has_the_assignment_weights_and_biases() {
    let layer = assignment_demo_layer();
    let mut w = Array4::<f32>::zeros((2, 3, 3, 3));
    w[[0, 0, 1, 1]] = 0.3;
    w[[0, 1, 1, 1]] = 0.6;
    w[[0, 2, 1, 1]] = 0.1;
    w.slice_mut(s![1, 2, .., ..]).assign(&arr2(&[
        [1.0, 2.0, 1.0],
        [0.0, 0.0, 0.0],
        [-1.0, -2.0, -1.0],
    ]));
    assert_eq!(layer.w, w);
    assert_eq!(layer.b, arr1(&[0.0, 128.0]));
    assert_eq!(DEMO_CONV_PARAM, ConvParam { stride: 1, pad: 1 });
    let weights = layer.weights();
    assert_eq!(weights.shape, [2, 3, 3, 3]);
    assert_eq!(weights.w.len(), 54);
    assert_eq!(weights.w[4], 0.3, "w[0, 0, 1, 1] at (0·3 + 0)·9 + 1·3 + 1");
    assert_eq!(weights.w[(3 + 2) * 9..(3 + 2) * 9 + 3], [1.0, 2.0, 1.0]);
    assert_eq!(weights.b, vec![0.0, 128.0]);
}

#[test]
fn demo_output_maps_and_their_min_max_display() {
    // 3 wide, 4 high; blue 100 in the top two rows, 0 below; red 10 and green 20 everywhere.
    let image = rgba(3, 4, |i, _| [10, 20, if i < 2 { 100 } else { 0 }]);
    let out = assignment_demo(&image, 3, 4).unwrap();
    assert_eq!(out.maps.dim(), (2, 4, 3));
    let gray = |blue: f32| 0.3f32 * 10.0 + 0.6 * 20.0 + 0.1 * blue;
    let close = |a: f32, b: f32| (a - b).abs() < 1e-4;
    assert!(close(out.maps[[0, 0, 0]], gray(100.0)));
    assert!(close(out.maps[[0, 3, 2]], gray(0.0)));
    // Map 1 = 128 + (row above)·(1, 2, 1) − (row below)·(1, 2, 1) on blue; the middle column
    // sees all three taps (sum 4), the side columns lose one to the padding (sum 3). Rows 1 and 2
    // have blue 100 above and 0 below; row 0 has padding above, row 3 padding below.
    let expected = arr2(&[
        [128.0 - 300.0, 128.0 - 400.0, 128.0 - 300.0],
        [128.0 + 300.0, 128.0 + 400.0, 128.0 + 300.0],
        [128.0 + 300.0, 128.0 + 400.0, 128.0 + 300.0],
        [128.0, 128.0, 128.0f32],
    ]);
    assert_eq!(out.maps.index_axis(ndarray::Axis(0), 1), expected);

    let pictures = out.pictures();
    assert_eq!(pictures.len(), 2, "one gray picture per map");
    // Map 1 from −272 (black) to 528 (white): 128 → 255·400/800 = 127.5 → 128.
    let gray_of = |pic: &Vec<u8>| pic.chunks(4).map(|p| p[0]).collect::<Vec<u8>>();
    assert_eq!(
        gray_of(&pictures[1]),
        vec![32, 0, 32, 223, 255, 223, 223, 255, 223, 128, 128, 128]
    );
    // Map 0 is normalised on its own: top rows white, bottom rows black.
    assert_eq!(
        gray_of(&pictures[0]),
        vec![255, 255, 255, 255, 255, 255, 0, 0, 0, 0, 0, 0]
    );
}

// ------------------------------------------------------------------------------------------------
// Pixels out
// ------------------------------------------------------------------------------------------------

#[test]
fn min_max_maps_the_smallest_to_0_and_the_largest_to_255() {
    assert_eq!(
        to_pixels(&arr1(&[-4.0f32, 0.0, 4.0]), Scale::MinMax),
        vec![0, 128, 255]
    );
    assert_eq!(
        to_pixels(&arr1(&[10.0f32, 20.0, 30.0, 40.0, 50.0]), Scale::MinMax),
        vec![0, 64, 128, 191, 255]
    );
    assert_eq!(
        to_pixels(&arr1(&[7.0f32; 3]), Scale::MinMax),
        vec![0, 0, 0],
        "constant map"
    );
    assert_eq!(
        to_pixels(
            &arr1(&[0.0f32, f32::NAN, 2.0, f32::INFINITY]),
            Scale::MinMax
        ),
        vec![0, 0, 255, 255],
        "non-finite values do not spoil the range"
    );
    assert_eq!(
        to_pixels(
            &arr1(&[-3.0f32, 0.4, 0.6, 254.5, 255.2, 1e9, f32::NAN]),
            Scale::Clamp
        ),
        vec![0, 0, 1, 255, 255, 255, 0]
    );
}

#[test]
fn maps_become_opaque_rgba_pictures() {
    let map: Array2<f32> = arr2(&[[0.0, 1.0], [2.0, 4.0]]);
    assert_eq!(
        map_to_rgba(map.view(), Scale::Clamp),
        vec![0, 0, 0, 255, 1, 1, 1, 255, 2, 2, 2, 255, 4, 4, 4, 255]
    );
    let rgb = arr3(&[[[255.0f32, 0.0]], [[0.0, 255.0]], [[10.0, 0.0]]]);
    assert_eq!(
        color_to_rgba(rgb.view(), Scale::Clamp),
        Ok(vec![255, 0, 10, 255, 0, 255, 0, 255])
    );
    // Colour maps are normalised together: the red/green/blue balance survives.
    assert_eq!(
        color_to_rgba(rgb.view(), Scale::MinMax),
        Ok(vec![255, 0, 10, 255, 0, 255, 0, 255])
    );
    assert_eq!(
        color_to_rgba(rgb.slice(s![..2, .., ..]), Scale::Clamp)
            .unwrap_err()
            .to_string(),
        "shape mismatch in colour picture: expected 3 maps (R, G, B) of 1×2, got 2 maps"
    );
}

// ------------------------------------------------------------------------------------------------
// Errors
// ------------------------------------------------------------------------------------------------

#[test]
fn bad_images_are_errors_with_the_numbers() {
    let msg = |r: Result<Array4<f32>, Error>| r.unwrap_err().to_string();
    assert_eq!(
        msg(rgba_to_input(&[], 0, 4)),
        "the image width must be at least 1, got 0"
    );
    assert_eq!(
        msg(rgba_to_input(&[], 4, 0)),
        "the image height must be at least 1, got 0"
    );
    assert_eq!(
        msg(rgba_to_input(&[0; 47], 4, 3)),
        "shape mismatch in RGBA image of 3×4 (height × width): expected 3·4·4 = 48 bytes, got 47 bytes"
    );
    assert_eq!(
        msg(gray_to_input(&[0.0; 5], 2, 3)),
        "shape mismatch in grayscale image of 3×2 (height × width): expected 3·2 = 6 values, got 5 values"
    );
    assert_eq!(
        msg(gray_to_input(&[0.0, 1.0, f32::NAN, 0.0], 2, 2)),
        "the pixel at row 2, column 1 is NaN: every value must be a finite number"
    );
    assert_eq!(
        msg(rgba_to_input(&[], 5000, 5000)),
        format!("a 5000×5000 image (height × width) is too large: at most {MAX_PIXELS} pixels (4096×4096) are allowed; scale it down first")
    );
    assert_eq!(
        msg(rgba_to_input(&[], usize::MAX, 3)),
        format!("a 3×{} image (height × width) is too large: at most {MAX_PIXELS} pixels (4096×4096) are allowed; scale it down first", usize::MAX)
    );
    assert!(assignment_demo(&[0; 3], 1, 1).is_err());
}

#[test]
fn bad_kernels_are_errors_with_the_numbers() {
    let msg = |r: Result<Kernel, Error>| r.unwrap_err().to_string();
    assert_eq!(
        msg(Kernel::new(0, vec![])),
        "the kernel size must be at least 1, got 0"
    );
    assert_eq!(
        msg(Kernel::new(10, vec![0.0; 100])),
        "a 10×10 kernel is too large: the largest allowed is 9×9"
    );
    assert_eq!(
        msg(Kernel::new(3, vec![0.0; 8])),
        "shape mismatch in a 3×3 kernel: expected 9 values, got 8 values"
    );
    let mut values = vec![0.0; 9];
    values[5] = f32::NAN;
    assert_eq!(
        msg(Kernel::new(3, values.clone())),
        "the kernel value at row 2, column 3 is NaN: every value must be a finite number"
    );
    // A kernel built without `Kernel::new` (say, sent from the page) is checked when applied.
    let gray = [0.0f32; 16];
    let unchecked = Filter::Custom(Kernel { size: 3, values });
    assert!(apply_gray(&gray, 4, 4, &unchecked, param(1, 1))
        .unwrap_err()
        .to_string()
        .contains("is NaN"));
    assert_eq!(
        apply_gray(
            &gray,
            4,
            4,
            &Filter::BoxBlur { size: usize::MAX },
            param(1, 0)
        )
        .unwrap_err()
        .to_string(),
        format!(
            "a {0}×{0} kernel is too large: the largest allowed is 9×9",
            usize::MAX
        )
    );
    assert_eq!(
        apply_gray(&gray, 4, 4, &Filter::BoxBlur { size: 0 }, param(1, 0))
            .unwrap_err()
            .to_string(),
        "the kernel size must be at least 1, got 0"
    );
}

#[test]
fn bad_settings_are_errors_with_the_numbers() {
    let gray = [0.0f32; 16];
    let msg = |filter: &Filter, p: FilterParam| {
        apply_gray(&gray, 4, 4, filter, p).unwrap_err().to_string()
    };
    assert_eq!(
        msg(&Filter::SobelX, param(0, 1)),
        "the stride must be at least 1, got 0"
    );
    assert_eq!(
        msg(&Filter::SobelX, param(1, 3)),
        "pad 3 is too large for a 3×3 filter: with pad 3 or more the outermost outputs see only zero padding (use pad 0 to 2)"
    );
    assert_eq!(
        msg(&Filter::Custom(Kernel::new(9, vec![1.0; 81]).unwrap()), param(1, 2)),
        "height: a filter of size 9 does not fit in an input of size 4 padded by 2 on each side (8 in all)"
    );
    // Two channels are neither gray nor RGB.
    let x = Array4::<f32>::zeros((1, 2, 4, 4));
    assert_eq!(
        apply(&x, &Filter::SobelX, param(1, 1)).unwrap_err().to_string(),
        "shape mismatch in filter input: expected 1 (grayscale) or 3 (RGB) channels, got 2 channels"
    );
    // A layer made for RGB refuses a gray input (the conv layer's own check).
    let layer = Filter::SobelX.layer(3, Channels::Luma).unwrap();
    let gray_x = gray_to_input(&gray, 4, 4).unwrap();
    let mut odd = Filter::GradientMagnitude.layer(1, Channels::Luma).unwrap();
    odd.w = odd.w.slice(s![..1, .., .., ..]).to_owned();
    odd.b = arr1(&[0.0]);
    assert_eq!(
        run(&gray_x, &odd, ConvParam { stride: 1, pad: 1 }).unwrap_err().to_string(),
        "the gradient magnitude pairs its maps (Sobel x with Sobel y), but the layer has an odd number of filters F = 1"
    );
    assert!(matches!(
        run(&gray_x, &layer, ConvParam { stride: 1, pad: 1 }),
        Err(Error::ShapeMismatch { .. })
    ));
    // A hand-built layer with 0×0 filters is refused, not a panic.
    let mut empty = Filter::SobelX.layer(1, Channels::Luma).unwrap();
    empty.w = Array4::zeros((1, 1, 0, 0));
    assert_eq!(
        run(&gray_x, &empty, ConvParam { stride: 1, pad: 0 })
            .unwrap_err()
            .to_string(),
        "the filter size must be at least 1, got 0"
    );
}

#[test]
fn filters_serialise_for_javascript() {
    let json = |f: &Filter| serde_json::to_string(f).unwrap();
    assert_eq!(json(&Filter::SobelX), r#"{"type":"sobelX"}"#);
    assert_eq!(
        json(&Filter::BoxBlur { size: 5 }),
        r#"{"type":"boxBlur","size":5}"#
    );
    let custom = Filter::Custom(Kernel::new(2, vec![1.0, 0.0, 0.0, -1.0]).unwrap());
    assert_eq!(
        json(&custom),
        r#"{"type":"custom","size":2,"values":[1.0,0.0,0.0,-1.0]}"#
    );
    assert_eq!(
        serde_json::from_str::<Filter>(&json(&custom)).unwrap(),
        custom
    );
    assert_eq!(
        serde_json::to_string(&FilterParam::same(&Filter::Sharpen, Channels::Color)).unwrap(),
        r#"{"stride":1,"pad":1,"channels":"color"}"#
    );
}

//! The datasets: the figures generator is deterministic and balanced, the digits (the file the page
//! serves, which native builds embed) are the ones scikit-learn ships, and datasets of the user's
//! own images are validated and converted exactly.

use cnn_playground::data::{
    digits, digits_resized, embedded_digits_file, figures, normalise, parse_digits,
    parse_digits_resized, resize_rgba, rgba_to_example, ClassExamples, Dataset, Figure,
    FiguresConfig, RgbaImage, DIGITS_URL, MAX_CLASSES,
};
use cnn_playground::i18n::Message;
use cnn_playground::Error;
use ndarray::{Array4, Axis};

fn config(count: usize, size: usize, seed: u64) -> FiguresConfig {
    FiguresConfig {
        count,
        size,
        seed,
        ..Default::default()
    }
}

/// FNV-1a over the bit patterns of the images and the labels.
fn fingerprint(d: &Dataset) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let bits = d.images().iter().map(|v| v.to_bits() as u64);
    for v in bits.chain(d.labels().iter().map(|&l| l as u64)) {
        h = (h ^ v).wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

// ---------------------------------------------------------------- figures

#[test]
fn figures_same_seed_gives_identical_data() {
    for size in [16, 32] {
        let a = figures(&config(60, size, 42)).unwrap();
        let b = figures(&config(60, size, 42)).unwrap();
        assert_eq!(a, b, "size {size}: two runs with seed 42 differ");
        assert_eq!(fingerprint(&a), fingerprint(&b));
    }
}

#[test]
fn figures_different_seeds_give_different_data() {
    let a = figures(&config(60, 16, 1)).unwrap();
    let b = figures(&config(60, 16, 2)).unwrap();
    assert_ne!(
        a.labels(),
        b.labels(),
        "seeds 1 and 2 gave the same label order"
    );
    let same = a
        .images()
        .iter()
        .zip(b.images().iter())
        .filter(|(x, y)| x == y)
        .count();
    // Independent noisy images agree on almost no pixel value.
    assert!(
        same < a.images().len() / 100,
        "{same} of {} values agree",
        a.images().len()
    );
}

#[test]
fn figures_are_pinned_bit_for_bit() {
    // Pins the generator's exact output (FNV-1a of the f32 bits and labels): a change to the
    // drawing, or a platform whose arithmetic differs, fails here. Value from this generator.
    let d = figures(&config(25, 16, 2024)).unwrap();
    assert_eq!(fingerprint(&d), 0x60d6_b68b_0292_2255);
}

#[test]
fn figures_are_balanced() {
    let d = figures(&config(100, 16, 0)).unwrap();
    assert_eq!(d.class_counts(), vec![20; 5]);
    for count in 1..=23 {
        let counts = figures(&config(count, 8, 5)).unwrap().class_counts();
        let (lo, hi) = (*counts.iter().min().unwrap(), *counts.iter().max().unwrap());
        assert_eq!(
            counts.iter().sum::<usize>(),
            count,
            "count {count}: {counts:?}"
        );
        assert!(
            hi - lo <= 1,
            "count {count}: classes {counts:?} differ by more than 1"
        );
    }
}

#[test]
fn figures_are_shuffled() {
    let d = figures(&config(100, 8, 0)).unwrap();
    let cyclic: Vec<usize> = (0..100).map(|i| i % 5).collect();
    assert_ne!(d.labels(), cyclic.as_slice());
    let mut sorted = d.labels().to_vec();
    sorted.sort();
    assert_ne!(d.labels(), sorted.as_slice());
}

#[test]
fn figures_have_the_documented_layout_and_range() {
    let d = figures(&FiguresConfig::default()).unwrap();
    assert_eq!(d.images().dim(), (1000, 3, 32, 32));
    assert_eq!(d.image_shape(), (3, 32, 32));
    assert_eq!(
        d.class_names(),
        ["circle", "square", "triangle", "cross", "stripes"]
    );
    for (k, figure) in Figure::ALL.iter().enumerate() {
        assert_eq!(d.class_names()[k], figure.name());
    }
    let (lo, hi) = d
        .images()
        .iter()
        .fold((f32::MAX, f32::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    assert!(lo >= -1.0 && hi <= 1.0, "values span {lo} to {hi}");
    let mean = d.images().iter().map(|&v| v as f64).sum::<f64>() / d.images().len() as f64;
    assert!(mean.abs() < 0.1, "mean {mean} is not roughly zero");
}

#[test]
fn figures_without_noise_show_two_colours_and_edges() {
    // With no noise an image holds the background colour, the figure colour, and anti-aliased
    // blends between them on the edges.
    let d = figures(&FiguresConfig {
        count: 5,
        size: 32,
        seed: 3,
        noise: 0.0,
    })
    .unwrap();
    for i in 0..5 {
        let x = d.example(i).unwrap();
        let mut colours: Vec<[u32; 3]> = (0..32 * 32)
            .map(|p| [0, 1, 2].map(|c| x[[c, p / 32, p % 32]].to_bits()))
            .collect();
        colours.sort();
        colours.dedup();
        assert!(
            colours.len() > 3 && colours.len() < 200,
            "example {i} has {} distinct colours",
            colours.len()
        );
    }
}

#[test]
fn figures_refuse_bad_settings() {
    assert_eq!(
        figures(&config(0, 32, 0)).unwrap_err(),
        Error::Zero {
            what: Message::new("layers.figures.count")
        }
    );
    assert_eq!(
        figures(&config(0, 32, 0)).unwrap_err().to_string(),
        "the number of figures must be at least 1, got 0"
    );
    for size in [0, 7, 129] {
        let err = figures(&config(10, size, 0)).unwrap_err().to_string();
        assert_eq!(
            err,
            format!("figures are drawn at 8×8 to 128×128 pixels, not {size}×{size}")
        );
    }
    for noise in [-0.1, 0.6, f64::NAN] {
        let err = figures(&FiguresConfig {
            noise,
            ..config(10, 16, 0)
        })
        .unwrap_err();
        assert!(
            matches!(err, Error::InvalidHyperparameter { ref name, .. } if name == "noise"),
            "noise {noise}: {err}"
        );
    }
}

// ---------------------------------------------------------------- Dataset

#[test]
fn split_takes_consecutive_examples() {
    let d = figures(&config(50, 8, 9)).unwrap();
    let (train, val) = d.split(30, 15).unwrap();
    assert_eq!((train.len(), val.len()), (30, 15));
    assert_eq!(train.labels(), &d.labels()[..30]);
    assert_eq!(val.labels(), &d.labels()[30..45]);
    assert_eq!(val.example(0).unwrap(), d.example(30).unwrap());
    assert_eq!(train.class_names(), d.class_names());
    let (all, none) = d.split(50, 0).unwrap();
    assert_eq!((all.len(), none.len(), none.is_empty()), (50, 0, true));

    assert_eq!(
        d.split(40, 20).unwrap_err().to_string(),
        "cannot take 40 training and 20 validation examples from a dataset of 50: that needs 60"
    );
    assert_eq!(
        d.split(0, 10).unwrap_err().to_string(),
        "the number of training examples must be at least 1, got 0"
    );
    assert!(d.split(usize::MAX, 1).is_err());
}

#[test]
fn subset_and_shuffle_keep_examples_with_their_labels() {
    let d = figures(&config(20, 8, 4)).unwrap();
    let s = d.subset(&[7, 3, 7]).unwrap();
    assert_eq!(s.labels(), [d.labels()[7], d.labels()[3], d.labels()[7]]);
    assert_eq!(s.example(1).unwrap(), d.example(3).unwrap());
    assert_eq!(
        d.subset(&[1, 20]).unwrap_err().to_string(),
        "example index 20 (at position 1) is out of range: the dataset has 20 examples (0 to 19)"
    );

    let a = d.shuffled(5);
    assert_eq!(a, d.shuffled(5));
    assert_ne!(a.labels(), d.labels());
    assert_eq!(a.class_counts(), d.class_counts());
    // Every shuffled example is some original example with the same label.
    for i in 0..a.len() {
        let j = (0..d.len())
            .find(|&j| d.example(j).unwrap() == a.example(i).unwrap())
            .unwrap();
        assert_eq!(a.labels()[i], d.labels()[j]);
    }
}

#[test]
fn gather_into_reuses_the_buffer_and_copies_exactly() {
    let d = figures(&config(30, 8, 6)).unwrap();
    let mut x = Array4::<f32>::zeros((0, 0, 0, 0));
    let mut y = Vec::new();
    d.gather_into(&[4, 0, 29], &mut x, &mut y).unwrap();
    assert_eq!(x.dim(), (3, 3, 8, 8));
    assert_eq!(y, [d.labels()[4], d.labels()[0], d.labels()[29]]);
    assert_eq!(x.index_axis(Axis(0), 2), d.example(29).unwrap());
    let buffer = x.as_ptr();
    d.gather_into(&[1, 2, 3], &mut x, &mut y).unwrap();
    assert_eq!(x.as_ptr(), buffer, "a batch of the same size reallocated");
    assert_eq!(x.index_axis(Axis(0), 0), d.example(1).unwrap());

    // Into f64, for gradient checks.
    let mut x64 = Array4::<f64>::zeros((1, 1, 1, 1));
    d.gather_into(&[5], &mut x64, &mut y).unwrap();
    assert_eq!(x64[[0, 2, 3, 4]], d.images()[[5, 2, 3, 4]] as f64);

    let (xb, yb) = d.batch(&[4, 0, 29]).unwrap();
    assert_eq!(xb.index_axis(Axis(0), 1), d.example(0).unwrap());
    assert_eq!(yb.len(), 3);

    assert!(matches!(
        d.gather_into(&[], &mut x, &mut y),
        Err(Error::EmptyBatch { .. })
    ));
    assert!(d.gather_into(&[0, 30], &mut x, &mut y).is_err());
}

#[test]
fn dataset_new_checks_its_invariants() {
    let images = Array4::<f32>::zeros((3, 1, 2, 2));
    let names = vec!["a".to_string(), "b".to_string()];
    assert!(Dataset::new(images.clone(), vec![0, 1, 1], names.clone()).is_ok());
    assert_eq!(
        Dataset::new(images.clone(), vec![0, 1], names.clone()).unwrap_err(),
        Error::shape(Message::new("layers.data.labels"), "one per image (3)", 2)
    );
    assert_eq!(
        Dataset::new(images.clone(), vec![0, 1], names.clone())
            .unwrap_err()
            .to_string(),
        "shape mismatch in dataset labels: expected one per image (3), got 2"
    );
    assert_eq!(
        Dataset::new(images.clone(), vec![0, 2, 1], names.clone()).unwrap_err(),
        Error::LabelOutOfRange {
            label: 2,
            index: 1,
            classes: 2
        }
    );
    assert!(Dataset::new(images, vec![0, 0, 0], vec![]).is_err());
    assert!(Dataset::new(Array4::zeros((3, 1, 0, 2)), vec![0; 3], names).is_err());
}

#[test]
fn rgba_preview_converts_back_to_the_same_example() {
    let d = figures(&config(5, 16, 8)).unwrap();
    for i in 0..5 {
        let pixels = d.rgba(i).unwrap();
        assert_eq!(pixels.len(), 16 * 16 * 4);
        assert!(pixels.chunks(4).all(|p| p[3] == 255));
        let back = d
            .example_from_rgba(&RgbaImage::new(16, 16, pixels).unwrap())
            .unwrap();
        let worst = back
            .iter()
            .zip(d.example(i).unwrap().iter())
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        // A display byte rounds the intensity to 1/510, which is 1/255 after normalising.
        assert!(worst <= 1.0 / 255.0 + 1e-6, "example {i}: off by {worst}");
    }
    assert!(d.rgba(5).is_err());

    // A grey dataset shows its one channel as grey.
    let g = digits().unwrap();
    let p = g.rgba(0).unwrap();
    assert_eq!(&p[8..12], [80, 80, 80, 255]); // ink 5 of 16 at (0, 2): 5/16 · 255 = 79.7
}

// ---------------------------------------------------------------- digits

// Figures from scikit-learn 1.9.1 (printed by scripts/make_digits.py):
//   from sklearn.datasets import load_digits; import numpy as np
//   d = load_digits(); np.bincount(d.target); int(d.images.sum())
//   [int(d.images[d.target == k].sum()) for k in range(10)]
//   flat = d.images.astype(np.int64).reshape(-1); int((flat * (np.arange(flat.size) % 251 + 1)).sum())
//   d.images[1796].astype(int).tolist(), d.target[1796]
const DIGIT_COUNTS: [usize; 10] = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180];
const INK_SUM: u64 = 561_718;
const INK_SUM_PER_CLASS: [u64; 10] = [
    56415, 57007, 55566, 56151, 56239, 55915, 56336, 54289, 57408, 56392,
];
const POSITION_WEIGHTED_INK: u64 = 70_784_718;
const LAST_DIGIT: [[u64; 8]; 8] = [
    [0, 0, 10, 14, 8, 1, 0, 0],
    [0, 2, 16, 14, 6, 1, 0, 0],
    [0, 0, 15, 15, 8, 15, 0, 0],
    [0, 0, 5, 16, 16, 10, 0, 0],
    [0, 0, 12, 15, 15, 12, 0, 0],
    [0, 4, 16, 6, 4, 16, 6, 0],
    [0, 8, 16, 10, 8, 16, 8, 0],
    [0, 1, 8, 12, 14, 12, 1, 0],
];

/// The ink `0..=16` of a normalised digit pixel (exact: `x = 2·v/16 − 1`).
fn ink(x: f32) -> u64 {
    let v = (x + 1.0) * 8.0;
    assert_eq!(v, v.round(), "{x} is not a whole ink value");
    v as u64
}

#[test]
fn digits_are_the_scikit_learn_digits() {
    let d = digits().unwrap();
    assert_eq!(d.len(), 1797);
    assert_eq!(d.images().dim(), (1797, 1, 8, 8));
    assert_eq!(d.class_counts(), DIGIT_COUNTS);
    let names: Vec<String> = (0..10).map(|k| k.to_string()).collect();
    assert_eq!(d.class_names(), names.as_slice());

    let total: u64 = d.images().iter().map(|&x| ink(x)).sum();
    assert_eq!(total, INK_SUM);
    let mut per_class = [0u64; 10];
    for (image, &label) in d.images().outer_iter().zip(d.labels()) {
        per_class[label] += image.iter().map(|&x| ink(x)).sum::<u64>();
    }
    assert_eq!(per_class, INK_SUM_PER_CLASS);
    let weighted: u64 = d
        .images()
        .iter()
        .enumerate()
        .map(|(i, &x)| ink(x) * (i as u64 % 251 + 1))
        .sum();
    assert_eq!(weighted, POSITION_WEIGHTED_INK);

    let last = d.example(1796).unwrap();
    for (r, row) in LAST_DIGIT.iter().enumerate() {
        for (c, &v) in row.iter().enumerate() {
            assert_eq!(
                ink(last[[0, r, c]]),
                v,
                "pixel ({r}, {c}) of the last digit"
            );
        }
    }
    assert_eq!(d.labels()[1796], 8);
    assert_eq!(d.labels()[..10], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
}

#[test]
fn the_served_digits_file_is_the_embedded_one() {
    // The page fetches DIGITS_URL relative to www/, the web root; native builds embed that file.
    let served = std::fs::read(format!("www/{DIGITS_URL}")).unwrap();
    assert_eq!(served.len(), 116_825);
    assert_eq!(embedded_digits_file(), Some(served.as_slice()));
    let d = parse_digits(&served).unwrap();
    assert_eq!((d.len(), d.image_shape()), (1797, (1, 8, 8)));
    assert_eq!(d, digits().unwrap());
    assert_eq!(
        parse_digits_resized(&served, 16).unwrap(),
        digits_resized(16).unwrap()
    );
    assert_eq!(
        parse_digits_resized(&served, 300).unwrap_err().to_string(),
        digits_resized(300).unwrap_err().to_string()
    );
}

#[test]
fn digits_resized_repeats_pixels_for_a_whole_factor() {
    let small = digits().unwrap();
    let big = digits_resized(16).unwrap();
    assert_eq!(big.images().dim(), (1797, 1, 16, 16));
    assert_eq!(big.labels(), small.labels());
    for i in [0, 900, 1796] {
        let (s, b) = (small.example(i).unwrap(), big.example(i).unwrap());
        for y in 0..16 {
            for x in 0..16 {
                assert_eq!(
                    b[[0, y, x]],
                    s[[0, y / 2, x / 2]],
                    "example {i} at ({y}, {x})"
                );
            }
        }
    }
    assert_eq!(digits_resized(8).unwrap(), small);
    // Shrinking averages ink: the total is kept up to rounding (to 1/240 of full ink).
    let tiny = digits_resized(4).unwrap();
    let total: f64 = tiny
        .images()
        .iter()
        .map(|&x| ((x + 1.0) * 8.0) as f64)
        .sum();
    let expected = INK_SUM as f64 / 4.0;
    assert!(
        (total - expected).abs() / expected < 0.01,
        "{total} vs {expected}"
    );
    assert!(digits_resized(0).is_err());
}

fn digits_file(count: u32, h: u32, w: u32, pixels: &[u8], labels: &[u8]) -> Vec<u8> {
    let mut f = b"CNPD".to_vec();
    for v in [1, count, h, w] {
        f.extend(v.to_le_bytes());
    }
    f.extend(pixels);
    f.extend(labels);
    f
}

#[test]
fn parse_digits_reads_a_small_file() {
    let f = digits_file(2, 1, 2, &[0, 16, 8, 4], &[3, 9]);
    let d = parse_digits(&f).unwrap();
    assert_eq!(d.images().dim(), (2, 1, 1, 2));
    assert_eq!(d.labels(), [3, 9]);
    assert_eq!(
        d.images().iter().copied().collect::<Vec<_>>(),
        [-1.0, 1.0, 0.0, -0.5]
    );
}

#[test]
fn parse_digits_refuses_malformed_files() {
    let good = digits_file(2, 1, 2, &[0, 16, 8, 4], &[3, 9]);
    let message = |bytes: &[u8]| parse_digits(bytes).unwrap_err().to_string();
    let prefix = "not a valid digits file: ";

    assert_eq!(
        message(&good[..10]),
        format!("{prefix}it is 10 bytes long, shorter than the 20-byte header")
    );
    let mut wrong_magic = good.clone();
    wrong_magic[..4].copy_from_slice(b"\x89PNG");
    assert!(message(&wrong_magic).contains("not the magic bytes \"CNPD\""));
    let mut version = good.clone();
    version[4] = 2;
    assert_eq!(
        message(&version),
        format!("{prefix}it is version 2; this engine reads version 1")
    );
    assert_eq!(
        message(&good[..good.len() - 1]),
        format!(
            "{prefix}its header promises 2 images of 1×2, which take 26 bytes, but it is 25 \
             bytes long"
        )
    );
    let huge = digits_file(u32::MAX, u32::MAX, u32::MAX, &[], &[]);
    assert!(message(&huge).contains("which take far more bytes"));
    assert_eq!(
        message(&digits_file(0, 8, 8, &[], &[])),
        format!("{prefix}it holds 0 images of 8×8: nothing to load")
    );
    assert_eq!(
        message(&digits_file(2, 1, 2, &[0, 16, 17, 4], &[3, 9])),
        format!("{prefix}pixel 0 of image 1 is 17, above the largest value 16")
    );
    assert_eq!(
        message(&digits_file(2, 1, 2, &[0, 16, 8, 4], &[3, 10])),
        format!("{prefix}image 1 has label 10; digits are 0 to 9")
    );
}

// ---------------------------------------------------------------- the user's own images

fn solid(width: usize, height: usize, rgba: [u8; 4]) -> RgbaImage {
    RgbaImage::new(width, height, rgba.repeat(width * height)).unwrap()
}

#[test]
fn resize_keeps_a_constant_image_constant() {
    let colour = [37, 201, 118, 255];
    for (sw, sh) in [(1, 1), (3, 7), (32, 32), (280, 280), (301, 97)] {
        for (dw, dh) in [(1, 1), (8, 8), (16, 16), (32, 32), (5, 13)] {
            let out = resize_rgba(&solid(sw, sh, colour), dw, dh).unwrap();
            assert_eq!((out.width(), out.height()), (dw, dh));
            assert!(
                out.pixels().chunks(4).all(|p| p == colour),
                "{sw}×{sh} → {dw}×{dh} changed a constant colour"
            );
        }
    }
    // And as an example: every value is the normalised colour.
    let x = rgba_to_example(&solid(300, 200, colour), 3, 32, 32).unwrap();
    for (plane, &byte) in x.outer_iter().zip(&colour[..3]) {
        let want = normalise(byte as f32 / 255.0);
        assert!(plane.iter().all(|&v| v == want), "{want} expected");
    }
}

#[test]
fn resize_averages_areas_exactly() {
    // 2×2 → 1×1 is the mean (rounded half up); 1×2 → 3×2 splits the middle column.
    let four = RgbaImage::new(
        2,
        2,
        vec![0, 0, 0, 255, 10, 0, 0, 255, 20, 0, 0, 255, 32, 0, 0, 255],
    )
    .unwrap();
    assert_eq!(resize_rgba(&four, 1, 1).unwrap().pixels(), [16, 0, 0, 255]); // 62/4 = 15.5
    let two = RgbaImage::new(2, 1, vec![0, 0, 0, 255, 90, 0, 0, 255]).unwrap();
    assert_eq!(
        resize_rgba(&two, 3, 1).unwrap().pixels(),
        [0, 0, 0, 255, 45, 0, 0, 255, 90, 0, 0, 255]
    );
}

#[test]
fn grey_examples_use_luminance_over_black() {
    let white = rgba_to_example(&solid(4, 4, [255, 255, 255, 255]), 1, 2, 2).unwrap();
    assert!(white.iter().all(|&v| v == 1.0));
    let red = rgba_to_example(&solid(4, 4, [255, 0, 0, 255]), 1, 2, 2).unwrap();
    assert!(red.iter().all(|&v| v == normalise(299.0 / 1000.0)));
    // A transparent canvas is black, whatever its RGB.
    let clear = rgba_to_example(&solid(4, 4, [255, 255, 255, 0]), 3, 2, 2).unwrap();
    assert!(clear.iter().all(|&v| v == -1.0));
    assert!(rgba_to_example(&solid(4, 4, [0; 4]), 2, 2, 2).is_err());
}

fn class(name: &str, images: Vec<RgbaImage>) -> ClassExamples {
    ClassExamples {
        name: name.into(),
        images,
    }
}

#[test]
fn own_dataset_from_rgba_examples() {
    let classes = [
        class(
            " cat ",
            vec![solid(40, 30, [255; 4]), solid(10, 10, [0, 0, 0, 255])],
        ),
        class("dog", vec![solid(5, 5, [255, 0, 0, 255])]),
    ];
    let d = Dataset::from_rgba_examples(&classes, 3, 16, 16).unwrap();
    assert_eq!(d.images().dim(), (3, 3, 16, 16));
    assert_eq!(d.labels(), [0, 0, 1]);
    assert_eq!(d.class_names(), ["cat", "dog"]);
    assert!(d.example(0).unwrap().iter().all(|&v| v == 1.0));
    assert!(d.example(1).unwrap().iter().all(|&v| v == -1.0));
    assert_eq!(d.example(2).unwrap()[[0, 5, 5]], 1.0);
    assert_eq!(d.example(2).unwrap()[[1, 5, 5]], -1.0);

    let grey = Dataset::from_rgba_examples(&classes, 1, 8, 8).unwrap();
    assert_eq!(grey.image_shape(), (1, 8, 8));
}

#[test]
fn own_dataset_validates_its_inputs() {
    let img = || vec![solid(4, 4, [9, 9, 9, 255])];
    let build = |classes: &[ClassExamples]| {
        Dataset::from_rgba_examples(classes, 3, 16, 16)
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        build(&[class("only", img())]),
        "a dataset of your own needs 2 to 10 classes, got 1"
    );
    let eleven: Vec<_> = (0..MAX_CLASSES + 1)
        .map(|k| class(&format!("c{k}"), img()))
        .collect();
    assert_eq!(
        build(&eleven),
        "a dataset of your own needs 2 to 10 classes, got 11"
    );
    let ten = &eleven[..MAX_CLASSES];
    assert_eq!(
        Dataset::from_rgba_examples(ten, 3, 16, 16)
            .unwrap()
            .num_classes(),
        10
    );
    assert_eq!(
        build(&[class("a", img()), class("b", vec![])]),
        "class \"b\" has no images: draw or upload at least one"
    );
    assert_eq!(
        build(&[class("a", img()), class("  ", img())]),
        "class 2 has no name: give every class a name"
    );
    assert_eq!(
        build(&[
            class("Cat", img()),
            class("dog", img()),
            class(" cat", img())
        ]),
        "classes 1 and 3 are both named \"cat\": give them different names"
    );
    let two = [class("a", img()), class("b", img())];
    assert_eq!(
        Dataset::from_rgba_examples(&two, 4, 16, 16)
            .unwrap_err()
            .to_string(),
        "a dataset's images have 1 channel (grey) or 3 (RGB), not 4"
    );
    assert!(matches!(
        Dataset::from_rgba_examples(&two, 3, 0, 16),
        Err(Error::Zero { .. })
    ));
    assert!(Dataset::from_rgba_examples(&two, 3, 16, 1000).is_err());

    assert_eq!(
        RgbaImage::new(2, 2, vec![0; 15]).unwrap_err(),
        Error::shape(
            Message::new("layers.data.rgba_pixels")
                .arg("height", 2)
                .arg("width", 2),
            "16 bytes (2·2·4)",
            "15 bytes"
        )
    );
    assert_eq!(
        RgbaImage::new(2, 2, vec![0; 15]).unwrap_err().to_string(),
        "shape mismatch in RGBA pixels of a 2×2 image: expected 16 bytes (2·2·4), got 15 bytes"
    );
    assert!(matches!(
        RgbaImage::new(0, 2, vec![]),
        Err(Error::Zero { .. })
    ));
    assert!(RgbaImage::new(5000, 1, vec![0; 20000]).is_err());
}

#[test]
fn messages_write_sizes_height_by_width_as_the_page_does() {
    // The page writes H×W×C (32×32×3) everywhere; an image 3 wide and 2 high is 2×3.
    assert_eq!(
        RgbaImage::new(3, 2, vec![0; 23]).unwrap_err(),
        Error::shape(
            Message::new("layers.data.rgba_pixels")
                .arg("height", 2)
                .arg("width", 3),
            "24 bytes (2·3·4)",
            "23 bytes"
        )
    );
    assert_eq!(
        RgbaImage::new(3, 2, vec![0; 23]).unwrap_err().to_string(),
        "shape mismatch in RGBA pixels of a 2×3 image: expected 24 bytes (2·3·4), got 23 bytes"
    );
    assert_eq!(
        RgbaImage::new(5000, 1, vec![0; 20000])
            .unwrap_err()
            .to_string(),
        "an image of 1×5000 pixels is too large: the most is 4096×4096; scale it down first"
    );
    let small = RgbaImage::new(1, 1, vec![0; 4]).unwrap();
    assert_eq!(
        resize_rgba(&small, 300, 2).unwrap_err().to_string(),
        "dataset images of 2×300 pixels are too large: the most is 256×256"
    );
}

#[test]
fn long_class_names_are_quoted_shortened() {
    let image = RgbaImage::new(2, 2, vec![9; 16]).unwrap();
    let long = "y".repeat(100_000);
    let classes = vec![
        ClassExamples {
            name: long.clone(),
            images: vec![image.clone()],
        },
        ClassExamples {
            name: long.to_uppercase(),
            images: vec![image],
        },
    ];
    assert_eq!(
        Dataset::from_rgba_examples(&classes, 3, 4, 4)
            .unwrap_err()
            .to_string(),
        format!(
            "classes 1 and 2 are both named \"{}…\" (100000 characters): give them different names",
            "Y".repeat(40)
        )
    );
}

#[test]
fn into_split_gives_what_split_gives() {
    let data = figures(&FiguresConfig {
        count: 30,
        size: 8,
        ..FiguresConfig::default()
    })
    .unwrap();
    let (want_train, want_val) = data.split(20, 7).unwrap();
    let (train, val) = data.into_split(20, 7).unwrap();
    assert_eq!((&train, &val), (&want_train, &want_val));
    let data = figures(&FiguresConfig {
        count: 30,
        size: 8,
        ..FiguresConfig::default()
    })
    .unwrap();
    assert_eq!(
        data.into_split(20, 11).unwrap_err().to_string(),
        "cannot take 20 training and 11 validation examples from a dataset of 30: that needs 31"
    );
}

#[test]
fn a_dataset_over_the_budget_is_refused_before_it_is_made() {
    assert_eq!(
        figures(&FiguresConfig {
            count: 1 << 40,
            size: 8,
            ..FiguresConfig::default()
        })
        .unwrap_err()
        .to_string(),
        "the figures dataset (1099511627776 images of 8×8×3) would need 784 TiB; the engine's limit is 1 GiB"
    );
}

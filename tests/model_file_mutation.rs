//! The model file reader against damaged and hostile files: every single-byte change of a real
//! export, every truncation, junk appended, header fields rewritten with a recomputed checksum
//! (so the checks behind the checksum run too), and two crafted files from the issue. Never a
//! panic, every refusal an `Error::ModelFile`, every accepted file a net whose arrays have the
//! shapes its header declares, and never an allocation larger than a small multiple of the file.
//!
//! The same for a designed network's file (format version 2), whose architecture is text: every
//! single-byte change, every truncation, every byte rewritten with a recomputed checksum, the
//! text's length rewritten, and a small file declaring a huge network.
//!
//! A counting allocator measures the largest single allocation made by this thread while a file
//! is read (a per-thread record, so tests running in parallel do not disturb each other).

use cnn_playground::models::file::crc32;
use cnn_playground::models::{Init, Sequential, SequentialConfig, ThreeLayerConvNet};
use cnn_playground::rng::Rng;
use cnn_playground::solver::{Solver, TrainingData};
use cnn_playground::trainer::{load_data, preset, DataSources, DatasetKind, Preset, Trainer};
use cnn_playground::Error;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn note(size: usize) {
    // try_with: the allocator may run while this thread's locals are being torn down.
    let _ = LARGEST.try_with(|l| l.set(l.get().max(size)));
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Reads `bytes` as a model and returns the result with the largest single allocation made.
fn read(bytes: &[u8]) -> (Result<ThreeLayerConvNet<f32>, Error>, usize) {
    LARGEST.with(|l| l.set(0));
    let result = ThreeLayerConvNet::<f32>::from_bytes(bytes);
    (result, LARGEST.with(|l| l.get()))
}

/// A real export: a small net trained a few steps on the figures, with batch norm so that every
/// kind of array is in the file. 2 filters of 3×3 on 3×8×8, hidden 6: 1 413 bytes.
fn real_export() -> Vec<u8> {
    let (mut data, mut run) = preset(DatasetKind::Figures, Preset::Overfit);
    data.size = 8;
    data.n_train = 20;
    data.n_val = 5;
    run.num_filters = 2;
    run.filter_size = 3;
    run.hidden_dim = 6;
    run.batchnorm = true;
    run.batch_size = 5;
    // The course's net and solver, as the page trained it before it trained designed networks:
    // the Trainer now exports format version 2.
    let (train, val) = load_data(&data, DataSources::default()).unwrap();
    let names = train.class_names().to_vec();
    let mut net =
        ThreeLayerConvNet::<f32>::new(run.net_config(train.image_shape(), names.len())).unwrap();
    net.set_class_names(names).unwrap();
    let data = TrainingData::from_owned_datasets(train, val);
    let mut solver = Solver::new(net, data, run.solver_config()).unwrap();
    for _ in 0..4 {
        solver.step().unwrap();
    }
    solver.model().to_bytes()
}

/// The header's u32 fields: offset and name (see the layout table in `models::file`).
const U32_FIELDS: [(usize, &str); 9] = [
    (8, "version"),
    (12, "architecture"),
    (16, "C"),
    (20, "H"),
    (24, "W"),
    (28, "num_filters"),
    (32, "filter_size"),
    (36, "hidden_dim"),
    (40, "num_classes"),
];

/// Replaces the checksum with the one of the (changed) contents.
fn reseal(bytes: &mut [u8]) {
    let end = bytes.len() - 4;
    let crc = crc32(&bytes[..end]);
    bytes[end..].copy_from_slice(&crc.to_le_bytes());
}

fn u32_at(bytes: &[u8], at: usize) -> usize {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]) as usize
}

/// Tally of what the cases gave, to show that each kind of case was exercised.
#[derive(Default, Debug)]
struct Outcomes {
    refused: usize,
    accepted: usize,
}

/// Checks one mutated file: no panic (a panic fails the test), a refusal is `ModelFile`, an
/// accepted net has the arrays its header declares, and no allocation exceeds the bound.
#[track_caller]
fn check(case: &str, bytes: &[u8], outcomes: &mut Outcomes) {
    let (result, largest) = read(bytes);
    // Names and values are at most the file's bytes; a Vec<String> of the names is 24 bytes a
    // name of at least 4 bytes; the rest (shapes, messages) is small.
    let bound = 8 * bytes.len() + 64 * 1024;
    assert!(
        largest <= bound,
        "{case}: an allocation of {largest} bytes for a file of {}",
        bytes.len()
    );
    match result {
        Err(Error::ModelFile(message)) => {
            assert!(!message.to_string().is_empty(), "{case}");
            outcomes.refused += 1;
        }
        Err(other) => panic!("{case}: expected Error::ModelFile, got {other:?}"),
        Ok(net) => {
            let c = net.config();
            let header: Vec<usize> = (16..44).step_by(4).map(|at| u32_at(bytes, at)).collect();
            assert_eq!(
                header,
                [
                    c.input_dim.0,
                    c.input_dim.1,
                    c.input_dim.2,
                    c.num_filters,
                    c.filter_size,
                    c.hidden_dim,
                    c.num_classes
                ],
                "{case}"
            );
            assert_eq!(c.batchnorm, bytes[44] == 1, "{case}");
            let shapes = c.tensor_shapes().unwrap();
            let tensors = net.params().tensors();
            assert_eq!(tensors.len(), shapes.len(), "{case}");
            for ((name, view), (want_name, want)) in tensors.iter().zip(&shapes) {
                assert_eq!((name, view.shape()), (want_name, want.as_slice()), "{case}");
            }
            assert_eq!(net.class_names().len(), c.num_classes, "{case}");
            outcomes.accepted += 1;
        }
    }
}

#[test]
fn every_single_byte_change_is_refused() {
    let good = real_export();
    assert_eq!(good.len(), 1413);
    assert_eq!(read(&good).0.unwrap().to_bytes(), good);
    let mut outcomes = Outcomes::default();
    // Three changes at every position: the lowest bit, the highest bit, every bit.
    for at in 0..good.len() {
        for mask in [0x01u8, 0x80, 0xFF] {
            let mut bytes = good.clone();
            bytes[at] ^= mask;
            check(&format!("byte {at} ^ {mask:#04x}"), &bytes, &mut outcomes);
        }
    }
    // A CRC-32 detects every change within 32 bits: no damaged file gets through.
    assert_eq!((outcomes.refused, outcomes.accepted), (3 * 1413, 0));
}

#[test]
fn every_truncation_and_every_extension_is_refused() {
    let good = real_export();
    let mut outcomes = Outcomes::default();
    for len in 0..good.len() {
        check(&format!("cut at {len}"), &good[..len], &mut outcomes);
    }
    let mut rng = Rng::new(10);
    for extra in 1..=256 {
        let mut bytes = good.clone();
        bytes.extend((0..extra).map(|_| (rng.uniform() * 256.0) as u8));
        check(&format!("{extra} bytes appended"), &bytes, &mut outcomes);
        // Junk appended and then sealed with a checksum of its own.
        bytes.extend_from_slice(&[0; 4]);
        reseal(&mut bytes);
        check(
            &format!("{extra} bytes appended, resealed"),
            &bytes,
            &mut outcomes,
        );
    }
    assert_eq!(outcomes.refused, good.len() + 2 * 256);
    assert_eq!(outcomes.accepted, 0);
}

#[test]
fn rewritten_fields_with_a_valid_checksum_are_checked_behind_it() {
    let good = real_export();
    let mut rng = Rng::new(7);
    let mut outcomes = Outcomes::default();
    // Values a field might be rewritten to: near the real ones, edge cases and absurd ones.
    let values = |rng: &mut Rng, real: usize| -> Vec<u32> {
        let mut v = vec![
            0,
            1,
            2,
            3,
            real as u32 + 1,
            real.saturating_sub(1) as u32,
            2 * real as u32,
            1 << 16,
            1 << 28,
            (1 << 28) - 1,
            1 << 31,
            (1 << 31) + 1,
            u32::MAX,
            u32::MAX - 1,
        ];
        v.extend((0..16).map(|_| (rng.uniform() * u32::MAX as f64) as u32));
        v
    };
    // Each u32 of the header alone, then several at once.
    for &(at, name) in &U32_FIELDS {
        for v in values(&mut rng, u32_at(&good, at)) {
            let mut bytes = good.clone();
            bytes[at..at + 4].copy_from_slice(&v.to_le_bytes());
            reseal(&mut bytes);
            check(&format!("{name} = {v}"), &bytes, &mut outcomes);
        }
    }
    for case in 0..1000 {
        let mut bytes = good.clone();
        for &(at, _) in &U32_FIELDS[2..] {
            if rng.uniform() < 0.4 {
                let real = u32_at(&good, at);
                let choices = values(&mut rng, real);
                let v = choices[(rng.uniform() * choices.len() as f64) as usize];
                bytes[at..at + 4].copy_from_slice(&v.to_le_bytes());
            }
        }
        reseal(&mut bytes);
        check(&format!("combined case {case}"), &bytes, &mut outcomes);
    }
    // The batch norm flag, and the f64 fields (weight_scale, reg) and the seed.
    for flag in 0..=255u8 {
        let mut bytes = good.clone();
        bytes[44] = flag;
        reseal(&mut bytes);
        check(&format!("batch norm flag {flag}"), &bytes, &mut outcomes);
    }
    for at in [45usize, 53] {
        for v in [f64::NAN, f64::INFINITY, -1.0, 1e308, 3e38, 0.0, 1e-3] {
            let mut bytes = good.clone();
            bytes[at..at + 8].copy_from_slice(&v.to_le_bytes());
            reseal(&mut bytes);
            check(&format!("f64 at {at} = {v}"), &bytes, &mut outcomes);
        }
    }
    let mut seed = good.clone();
    seed[61..69].copy_from_slice(&u64::MAX.to_le_bytes());
    reseal(&mut seed);
    check("seed", &seed, &mut outcomes);
    // Every later byte (class names, ranks, dims, values) flipped and resealed: a sample.
    for case in 0..3000 {
        let mut bytes = good.clone();
        let at = 69 + (rng.uniform() * (good.len() - 73) as f64) as usize;
        bytes[at] ^= 1 + (rng.uniform() * 255.0) as u8;
        reseal(&mut bytes);
        check(
            &format!("resealed flip {case} at {at}"),
            &bytes,
            &mut outcomes,
        );
    }
    // Both kinds happened: refusals behind the checksum, and files that load (a new seed, a
    // changed weight, another class name).
    assert!(outcomes.refused > 1000, "{outcomes:?}");
    assert!(outcomes.accepted > 1000, "{outcomes:?}");
}

/// A header declaring a 1×`h`×`w` input, one 1×1 filter, hidden 1 and `classes` classes, then
/// `tail` bytes of zeros, sealed with a valid checksum.
fn crafted(h: u32, w: u32, classes: u32, tail: usize) -> Vec<u8> {
    let mut bytes = b"CNNMODEL".to_vec();
    for v in [1u32, 1, 1, h, w, 1, 1, 1, classes] {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    bytes.push(0);
    bytes.extend_from_slice(&1e-2f64.to_le_bytes());
    bytes.extend_from_slice(&0f64.to_le_bytes());
    bytes.extend_from_slice(&0u64.to_le_bytes());
    bytes.extend(std::iter::repeat_n(0u8, tail));
    bytes.extend_from_slice(&[0; 4]);
    reseal(&mut bytes);
    bytes
}

#[test]
fn a_small_file_declaring_25_million_classes_reserves_nothing_for_them() {
    // 2 × 24 999 998 + 4 parameters: a usable architecture, just under 50 million parameters.
    // Before the fix the reader reserved a name for each class first: 600 MB for 183 bytes.
    let bytes = crafted(2, 2, 24_999_998, 110);
    assert_eq!(bytes.len(), 183);
    let (result, largest) = read(&bytes);
    assert_eq!(
        result.unwrap_err().to_string(),
        "cannot load the model: the file is truncated: it ends after 183 bytes, in the middle of the \
         class names (was the download cut short?)"
    );
    assert!(largest < 4096, "largest allocation {largest} bytes");
}

#[test]
fn a_file_declaring_an_absurd_input_is_refused_by_the_budget() {
    // An input 2^31 pixels high: refused before any shape arithmetic (no stride suggestion).
    let (result, largest) = read(&crafted(1 << 31, 2, 2, 3000));
    assert_eq!(
        result.unwrap_err().to_string(),
        "cannot load the model: the architecture it declares is unusable: one input image \
         (1×2147483648×2 values) would need 16 GiB; the engine's limit is 1 GiB"
    );
    assert!(largest < 4096, "largest allocation {largest} bytes");
    // Just inside the budget and odd: the pool's halving is refused directly.
    let (result, _) = read(&crafted((1 << 28) - 1, 1, 2, 3000));
    assert_eq!(
        result.unwrap_err().to_string(),
        "cannot load the model: the architecture it declares is unusable: the conv output is \
         268435455×1 (height × width), which 2×2 max pooling with stride 2 cannot halve: use an \
         even image height and width, and an odd filter size"
    );
    // The largest u32 in every size at once.
    let (result, _) = read(&crafted(u32::MAX, u32::MAX, u32::MAX, 16));
    assert!(matches!(result, Err(Error::ModelFile(_))));
}

#[test]
fn the_trainer_keeps_its_net_when_a_crafted_file_is_refused() {
    let (mut data, mut run) = preset(DatasetKind::Figures, Preset::Overfit);
    data.size = 8;
    data.n_train = 10;
    data.n_val = 5;
    run.num_filters = 2;
    run.hidden_dim = 4;
    run.batch_size = 5;
    let mut t = Trainer::new(&data, DataSources::default(), &run).unwrap();
    t.step(2).unwrap();
    let before = t.export();
    for bytes in [crafted(2, 2, 24_999_998, 110), crafted(1 << 31, 2, 2, 3000)] {
        assert!(matches!(t.import(&bytes), Err(Error::ModelFile(_))));
        assert_eq!(t.export(), before);
        assert_eq!(t.summary().unwrap().iteration, 2);
    }
}

#[test]
fn the_link_that_panicked_allocates_nothing_large() {
    // `#tab=train&tntrain=19000&tnval=1000&tsize=128&tf=256&th=4096`: refused by the budget
    // before the 3.9 GB training set (or the net) is allocated.
    let (mut data, mut run) = preset(DatasetKind::Figures, Preset::Overfit);
    (data.n_train, data.n_val, data.size) = (19_000, 1_000, 128);
    (run.num_filters, run.hidden_dim) = (256, 4096);
    LARGEST.with(|l| l.set(0));
    let err = Trainer::new(&data, DataSources::default(), &run).unwrap_err();
    let largest = LARGEST.with(|l| l.get());
    assert!(matches!(err, Error::OverBudget { .. }), "{err:?}");
    assert!(largest < 4096, "largest allocation {largest} bytes");
}

/// Reads `bytes` as a designed network and returns the result with the largest single allocation.
fn read_sequential(bytes: &[u8]) -> (Result<Sequential<f32>, Error>, usize) {
    LARGEST.with(|l| l.set(0));
    let result = Sequential::<f32>::from_bytes(bytes);
    (result, LARGEST.with(|l| l.get()))
}

/// A designed network trained two SGD steps: two convs, a pool and two fc layers on 6×6×2.
fn sequential_export() -> Vec<u8> {
    let network = "6x6x2: conv3x3-3 pad1, relu, pool2, conv3x3-2 pad1, relu, fc4, relu, fc3"
        .parse()
        .unwrap();
    let config = SequentialConfig {
        init: Init::Scale(0.1),
        seed: 5,
        ..SequentialConfig::new(network, 3)
    };
    let mut model = Sequential::<f32>::new(config).unwrap();
    let mut rng = Rng::new(6);
    let x = rng.normal_array((4, 2, 6, 6), 1.0);
    for _ in 0..2 {
        let (_, table) = model.loss(&x, &[0, 1, 2, 1]).unwrap();
        let updates: Vec<_> = table
            .entries()
            .iter()
            .map(|p| (p.name.clone(), &p.value - &(&p.grad * 0.1)))
            .collect();
        for (name, value) in updates {
            model.set_param(&name, value).unwrap();
        }
    }
    model.to_bytes()
}

/// As [`check`] for a designed network: an accepted model has the parameters its network has.
#[track_caller]
fn check_sequential(case: &str, bytes: &[u8], outcomes: &mut Outcomes) {
    let (result, largest) = read_sequential(bytes);
    let bound = 8 * bytes.len() + 64 * 1024;
    assert!(
        largest <= bound,
        "{case}: an allocation of {largest} bytes for a file of {}",
        bytes.len()
    );
    match result {
        Err(Error::ModelFile(message)) => {
            assert!(!message.to_string().is_empty(), "{case}");
            outcomes.refused += 1;
        }
        Err(other) => panic!("{case}: expected Error::ModelFile, got {other:?}"),
        Ok(model) => {
            let fresh = Sequential::<f32>::new(model.config().clone()).unwrap();
            let layout = |m: &Sequential<f32>| -> Vec<(String, Vec<usize>)> {
                m.params()
                    .entries()
                    .iter()
                    .map(|p| (p.name.clone(), p.value.shape().to_vec()))
                    .collect()
            };
            assert_eq!(layout(&model), layout(&fresh), "{case}");
            // What loaded is what the file says: written again, it is the same bytes, but for the
            // network text, which the parser reads case-insensitively (`6X6x2` is `6x6x2`).
            let again = model.to_bytes();
            let (len, again_len) = (u32_at(bytes, 46), u32_at(&again, 46));
            assert_eq!(again[..46], bytes[..46], "{case}");
            let text = std::str::from_utf8(&bytes[50..50 + len]).unwrap();
            assert_eq!(
                text.parse().ok().as_ref(),
                Some(&model.config().network),
                "{case}"
            );
            assert_eq!(
                again[50 + again_len..again.len() - 4],
                bytes[50 + len..bytes.len() - 4],
                "{case}"
            );
            outcomes.accepted += 1;
        }
    }
}

#[test]
fn every_single_byte_change_of_a_designed_network_is_refused() {
    let good = sequential_export();
    assert_eq!(good.len(), 1123);
    assert_eq!(read_sequential(&good).0.unwrap().to_bytes(), good);
    let mut outcomes = Outcomes::default();
    for at in 0..good.len() {
        for mask in [0x01u8, 0x80, 0xFF] {
            let mut bytes = good.clone();
            bytes[at] ^= mask;
            check_sequential(&format!("byte {at} ^ {mask:#04x}"), &bytes, &mut outcomes);
        }
    }
    assert_eq!((outcomes.refused, outcomes.accepted), (3 * good.len(), 0));
}

#[test]
fn every_truncation_and_extension_of_a_designed_network_is_refused() {
    let good = sequential_export();
    let mut outcomes = Outcomes::default();
    for len in 0..good.len() {
        check_sequential(&format!("cut at {len}"), &good[..len], &mut outcomes);
    }
    let mut rng = Rng::new(12);
    for extra in 1..=64 {
        let mut bytes = good.clone();
        bytes.extend((0..extra).map(|_| (rng.uniform() * 256.0) as u8));
        check_sequential(&format!("{extra} bytes appended"), &bytes, &mut outcomes);
        bytes.extend_from_slice(&[0; 4]);
        reseal(&mut bytes);
        check_sequential(
            &format!("{extra} bytes appended, resealed"),
            &bytes,
            &mut outcomes,
        );
    }
    assert_eq!(
        (outcomes.refused, outcomes.accepted),
        (good.len() + 2 * 64, 0)
    );
}

#[test]
fn every_byte_of_a_designed_network_rewritten_behind_the_checksum_is_checked() {
    let good = sequential_export();
    let mut outcomes = Outcomes::default();
    // Every byte before the checksum, changed three ways and sealed again: the text, the names,
    // the ranks, the dims and the counts are all checked behind the checksum.
    for at in 0..good.len() - 4 {
        for mask in [0x01u8, 0x20, 0xFF] {
            let mut bytes = good.clone();
            bytes[at] ^= mask;
            reseal(&mut bytes);
            check_sequential(
                &format!("resealed byte {at} ^ {mask:#04x}"),
                &bytes,
                &mut outcomes,
            );
        }
    }
    // The text's length and the number of arrays rewritten to absurd values.
    let text_len = u32_at(&good, 46);
    for at in [16, 46, 50 + text_len] {
        for v in [0u32, 1, 2, 7, 9, 1 << 16, 1 << 31, u32::MAX] {
            let mut bytes = good.clone();
            bytes[at..at + 4].copy_from_slice(&v.to_le_bytes());
            reseal(&mut bytes);
            check_sequential(&format!("u32 at {at} = {v}"), &bytes, &mut outcomes);
        }
    }
    // Both kinds happened: refusals (a changed text, name or shape) and files that load (a
    // changed weight, seed or weight scale).
    assert!(outcomes.refused > 300, "{outcomes:?}");
    assert!(outcomes.accepted > 1000, "{outcomes:?}");
}

#[test]
fn a_small_file_declaring_a_huge_network_reserves_nothing_for_it() {
    // 3 072 000 000 000 weights declared, with the right names and shapes but no values.
    let text = "1000x1000x3: fc1000000, relu, fc2";
    let mut bytes = b"CNNMODEL".to_vec();
    for v in [2u32, 2, 2] {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    bytes.push(0);
    bytes.push(1);
    bytes.extend_from_slice(&1e-2f64.to_le_bytes());
    bytes.extend_from_slice(&0f64.to_le_bytes());
    bytes.extend_from_slice(&0u64.to_le_bytes());
    bytes.extend_from_slice(&(text.len() as u32).to_le_bytes());
    bytes.extend_from_slice(text.as_bytes());
    for name in [b"a", b"b"] {
        bytes.extend_from_slice(&1u32.to_le_bytes());
        bytes.extend_from_slice(name);
    }
    bytes.extend_from_slice(&4u32.to_le_bytes());
    bytes.extend_from_slice(&2u32.to_le_bytes());
    bytes.extend_from_slice(b"W1");
    for v in [2u32, 3_000_000, 1_000_000] {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    bytes.extend(std::iter::repeat_n(0u8, 100));
    bytes.extend_from_slice(&[0; 4]);
    reseal(&mut bytes);
    let (result, largest) = read_sequential(&bytes);
    assert_eq!(
        result.unwrap_err().to_string(),
        format!(
            "cannot load the model: the file is truncated: it ends after {} bytes, in the middle of \
             parameter 1 (W1) (was the download cut short?)",
            bytes.len()
        )
    );
    assert!(largest < 4096, "largest allocation {largest} bytes");
}

//! The model file: a trained [`ThreeLayerConvNet`] or [`Sequential`] saved to bytes and loaded
//! back.
//!
//! The file records the architecture, so a net is rebuilt exactly as it was trained, and loading
//! refuses — with a message saying which — a file that is not a model at all, comes from another
//! format version, is cut short, declares an architecture its arrays do not fit, has bytes after
//! its end, fails its checksum, or holds NaN or infinite values.
//!
//! Two format versions, both read: version 1 holds the three-layer convnet, whose architecture is
//! a few numbers; version 2 ([`VERSION`], the newest) holds a network designed in the table,
//! whose architecture is the network's text. A three-layer convnet is still written as version 1:
//! its header already says everything about it, and files exported before version 2 existed load
//! unchanged (`tests/data/model-v1.bin` is one). Each kind loads only as itself, with a message
//! naming the other kind otherwise.
//!
//! Version 1 ([`ThreeLayerConvNet::to_bytes`]), all little-endian:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic bytes `CNNMODEL` |
//! | 8 | 4 | u32 format version (1) |
//! | 12 | 4 | u32 architecture (1 = three-layer convnet) |
//! | 16 | 12 | u32 input C, H, W |
//! | 28 | 4 | u32 num_filters |
//! | 32 | 4 | u32 filter_size |
//! | 36 | 4 | u32 hidden_dim |
//! | 40 | 4 | u32 num_classes |
//! | 44 | 1 | u8 batch norm (0 or 1) |
//! | 45 | 8 | f64 weight_scale |
//! | 53 | 8 | f64 reg |
//! | 61 | 8 | u64 seed |
//! | 69 | … | per class: u32 byte length, then the name in UTF-8 |
//! | … | … | per array, in the order of [`ConvNetConfig::tensor_shapes`]: u32 rank, rank × u32 dims, the values as f32 |
//! | end − 4 | 4 | u32 CRC-32 (IEEE) of every byte before it |
//!
//! Version 2 ([`Sequential::to_bytes`]):
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic bytes `CNNMODEL` |
//! | 8 | 4 | u32 format version (2) |
//! | 12 | 4 | u32 architecture (2 = a network from its description) |
//! | 16 | 4 | u32 num_classes |
//! | 20 | 1 | u8 loss (0 = softmax, 1 = SVM) |
//! | 21 | 1 | u8 initialisation (0 = He, 1 = the weight scale that follows) |
//! | 22 | 8 | f64 weight_scale (0 for He) |
//! | 30 | 8 | f64 reg |
//! | 38 | 8 | u64 seed |
//! | 46 | 4 | u32 byte length of the network text (at most 64 KiB) |
//! | 50 | … | the network's compact text in UTF-8, as the table writes it (`8x8x3: conv3x3-4 pad1, relu, pool2, fc5`) |
//! | … | … | per class: u32 byte length, then the name in UTF-8 |
//! | … | 4 | u32 number of parameter arrays |
//! | … | … | per array, in the table's order and then each batch norm layer's `running_meanj` and `running_varj`: u32 byte length and the name (`W1`), u32 rank, rank × u32 dims, the values as f32 |
//! | end − 4 | 4 | u32 CRC-32 (IEEE) of every byte before it |
//!
//! The text is read by the table's own parser ([`Network`]'s `FromStr`), and the names and shapes
//! must be exactly those the network has, in order; gradients are not saved.
//!
//! Values are stored as f32, the browser's training type: an `f32` net loads bit-identical, an
//! `f64` net loads rounded to f32.
//!
//! ```
//! use cnn_playground::models::{ConvNetConfig, ThreeLayerConvNet};
//! let config = ConvNetConfig { input_dim: (1, 8, 8), num_filters: 2, filter_size: 3, hidden_dim: 4, num_classes: 3, ..ConvNetConfig::default() };
//! let net = ThreeLayerConvNet::<f32>::new(config).unwrap();
//! let bytes = net.to_bytes();
//! assert_eq!(ThreeLayerConvNet::<f32>::from_bytes(&bytes).unwrap(), net);
//! let err = ThreeLayerConvNet::<f32>::from_bytes(&bytes[..100]).unwrap_err();
//! assert!(err.to_string().contains("truncated"));
//!
//! use cnn_playground::models::{Sequential, SequentialConfig};
//! let network = "8x8x1: conv3x3-2 pad1, relu, pool2, fc3".parse().unwrap();
//! let model = Sequential::<f32>::new(SequentialConfig::new(network, 3)).unwrap();
//! let loaded = Sequential::<f32>::from_bytes(&model.to_bytes()).unwrap();
//! assert_eq!(loaded.params(), model.params());
//! assert!(ThreeLayerConvNet::<f32>::from_bytes(&model.to_bytes()).is_err());
//! ```

use super::over_budget_as;
use super::sequential::{Init, Loss, Sequential, SequentialConfig};
use super::three_layer::{ConvNetConfig, Params, ThreeLayerConvNet};
use crate::error::{Error, Result};
use crate::float::Float;
use crate::i18n::{Lang, Message};
use crate::shapes::{LayerSpec, Network, Shape};
use ndarray::{ArrayD, ArrayViewD};

/// The first eight bytes of every model file.
pub const MAGIC: [u8; 8] = *b"CNNMODEL";
/// The newest format version this code writes; it reads this one and every earlier one.
pub const VERSION: u32 = 2;
/// The format version of a [`ThreeLayerConvNet`] file (its architecture is the header's fields).
const THREE_LAYER_VERSION: u32 = 1;
/// The format version of a [`Sequential`] file (its architecture is the network's text).
const SEQUENTIAL_VERSION: u32 = 2;
/// The architecture code of the three-layer convnet.
const THREE_LAYER_CONVNET: u32 = 1;
/// No array of the net has more dimensions than this.
const MAX_RANK: u32 = 4;

const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

/// CRC-32 (IEEE 802.3, the checksum of zip and PNG) of `bytes`.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in bytes {
        c = CRC_TABLE[((c ^ b as u32) & 0xFF) as usize] ^ (c >> 8);
    }
    !c
}

fn model_error(message: Message) -> Error {
    Error::ModelFile(message)
}

/// A part of the file, named in the message of a file cut short (`models.file.part.*`).
fn part(key: &'static str) -> Message {
    Message::new(key)
}

/// The message with key `key` that quotes `error`'s, written in the same language.
fn because(key: &'static str, error: &Error) -> Message {
    Message::new(key).nested("why", error.message())
}

/// "32×32×3 input, K = 32 filters of 7×7×3, hidden 100, 10 classes, no batch norm": the page's
/// notation (shapes H×W×C, K filters of F×F×C).
fn describe(c: &ConvNetConfig) -> Message {
    let (ch, h, w) = c.input_dim;
    Message::new("models.file.describe")
        .arg("h", h)
        .arg("w", w)
        .arg("c", ch)
        .arg("k", c.num_filters)
        .arg("f", c.filter_size)
        .arg("hidden", c.hidden_dim)
        .arg("classes", c.num_classes)
        .nested(
            "bn",
            Message::new(if c.batchnorm {
                "models.file.with_batchnorm"
            } else {
                "models.file.no_batchnorm"
            }),
        )
}

fn put_u32(out: &mut Vec<u8>, v: usize) {
    // Every size of a net is far below 2^32 (see MAX_PARAMETERS).
    out.extend_from_slice(
        &u32::try_from(v)
            .expect("net sizes fit in u32")
            .to_le_bytes(),
    );
}

/// One array as both versions write it: u32 rank, rank × u32 dims, the values as f32.
fn put_array<F: Float>(out: &mut Vec<u8>, value: ArrayViewD<'_, F>) {
    put_u32(out, value.ndim());
    for &d in value.shape() {
        put_u32(out, d);
    }
    for &v in value.iter() {
        out.extend_from_slice(&(v.as_f64() as f32).to_le_bytes());
    }
}

/// Ends a file with the CRC-32 of every byte before it.
fn seal(mut out: Vec<u8>) -> Vec<u8> {
    let crc = crc32(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

impl<F: Float> ThreeLayerConvNet<F> {
    /// The net as a model file (see the [module docs](self) for the layout).
    pub fn to_bytes(&self) -> Vec<u8> {
        let c = self.config();
        let params = self.params();
        let tensors = params.tensors();
        let values: usize = tensors.iter().map(|(_, t)| t.len()).sum();
        let mut out = Vec::with_capacity(128 + 4 * values);
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&THREE_LAYER_VERSION.to_le_bytes());
        out.extend_from_slice(&THREE_LAYER_CONVNET.to_le_bytes());
        for v in [
            c.input_dim.0,
            c.input_dim.1,
            c.input_dim.2,
            c.num_filters,
            c.filter_size,
            c.hidden_dim,
            c.num_classes,
        ] {
            put_u32(&mut out, v);
        }
        out.push(u8::from(c.batchnorm));
        out.extend_from_slice(&c.weight_scale.to_le_bytes());
        out.extend_from_slice(&c.reg.to_le_bytes());
        out.extend_from_slice(&c.seed.to_le_bytes());
        for name in self.class_names() {
            put_u32(&mut out, name.len());
            out.extend_from_slice(name.as_bytes());
        }
        for (_, t) in &tensors {
            put_array(&mut out, t.view());
        }
        seal(out)
    }

    /// Loads a net saved by [`ThreeLayerConvNet::to_bytes`].
    ///
    /// Errors ([`Error::ModelFile`], each with its own message) if the bytes are not a model file,
    /// hold a designed network (version 2, see [`Sequential::from_bytes`]), are of another format
    /// version or architecture, end too soon, declare an unusable
    /// architecture or one the arrays do not match, go on after the checksum, fail the checksum,
    /// or hold a NaN or infinite value.
    ///
    /// Nothing is reserved from a count the file declares until the whole file has been walked
    /// (every count checked against the bytes actually there, with checked arithmetic), its
    /// length found exact and its checksum verified; the arrays then also pass the memory budget
    /// ([`crate::budget`]). So a small crafted file cannot make the engine hold more than the
    /// file's own size in names and the net's (budget-checked) arrays.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let layout = walk(bytes)?;
        let config = layout.config;

        // Every class name and array was found where the header says; only now allocate.
        let what =
            Message::new("models.file.model_in_file").nested("architecture", describe(&config));
        let mut tally = crate::budget::Tally::new(what.to_string());
        for (_, shape) in &layout.shapes {
            tally.add::<F>(shape);
        }
        tally
            .check()
            .map_err(|e| model_error(over_budget_as(e, what).message()))?;
        let mut r = Reader {
            bytes,
            pos: NAMES_AT,
        };
        // The names were walked and are valid UTF-8, each at least the 4 bytes of its length,
        // so there are at most (file length)/4 of them.
        let mut class_names = Vec::with_capacity(config.num_classes);
        for _ in 0..config.num_classes {
            let len = r.u32(&part("models.file.part.class_names"))? as usize;
            let name = r.take(len, &part("models.file.part.class_names"))?;
            class_names.push(String::from_utf8_lossy(name).into_owned());
        }
        let mut tensors = Vec::with_capacity(layout.shapes.len());
        for ((_, shape), &at) in layout.shapes.iter().zip(&layout.values_at) {
            let count = crate::budget::count(shape) as usize;
            let raw = &bytes[at..at + 4 * count];
            let values: Vec<F> = raw
                .chunks_exact(4)
                .map(|b| F::of(f32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64))
                .collect();
            let tensor = ArrayD::from_shape_vec(shape.clone(), values)
                .map_err(|e| model_error(Message::new("models.file.array_shape").arg("why", e)))?;
            tensors.push(tensor);
        }
        ThreeLayerConvNet::from_parts(config, Params::from_tensors(tensors), class_names)
            .map_err(|e| model_error(e.message()))
    }
}

/// Where the class names start: right after the fixed-size header.
const NAMES_AT: usize = 69;

/// What [`walk`] found: the declared architecture, its arrays' shapes, and where each array's
/// values start.
struct Layout {
    config: ConvNetConfig,
    shapes: Vec<(&'static str, Vec<usize>)>,
    values_at: Vec<usize>,
}

/// Checks the magic bytes and the format version (1 or 2) and returns a reader after them.
fn open(bytes: &[u8]) -> Result<(Reader<'_>, u32)> {
    if bytes.is_empty() {
        return Err(model_error(Message::new("models.file.empty")));
    }
    let head = &bytes[..bytes.len().min(MAGIC.len())];
    if head != &MAGIC[..head.len()] {
        return Err(model_error(Message::new("models.file.not_a_model")));
    }
    let mut r = Reader { bytes, pos: 0 };
    r.take(MAGIC.len(), &part("models.file.part.magic"))?;
    let version = r.u32(&part("models.file.part.version"))?;
    if version != THREE_LAYER_VERSION && version != SEQUENTIAL_VERSION {
        let why = if version > VERSION {
            "models.file.version_newer"
        } else {
            "models.file.version_older"
        };
        return Err(model_error(
            Message::new("models.file.version")
                .arg("version", version)
                .arg("newest", VERSION)
                .nested("why", Message::new(why)),
        ));
    }
    Ok((r, version))
}

/// The first pass over a model file: every check that needs no memory in proportion to what the
/// file declares. It reads the header, validates the architecture (sizes go through the budget
/// before any shape arithmetic), walks the class names and the arrays' shapes, skipping their
/// bytes, then checks that the file ends exactly after the checksum, that the checksum matches
/// and that no value is NaN or infinite.
fn walk(bytes: &[u8]) -> Result<Layout> {
    let (mut r, version) = open(bytes)?;
    if version == SEQUENTIAL_VERSION {
        return Err(model_error(Message::new(
            "models.file.designed_not_three_layer",
        )));
    }
    let architecture = r.u32(&part("models.file.part.architecture"))?;
    if architecture != THREE_LAYER_CONVNET {
        return Err(model_error(
            Message::new("models.file.architecture_unknown")
                .arg("architecture", architecture)
                .arg("known", THREE_LAYER_CONVNET),
        ));
    }
    let mut dims = [0usize; 7];
    for d in &mut dims {
        *d = r.u32(&part("models.file.part.architecture"))? as usize;
    }
    let batchnorm = match r.u8(&part("models.file.part.architecture"))? {
        0 => false,
        1 => true,
        b => {
            return Err(model_error(
                Message::new("models.file.batchnorm_flag").arg("flag", b),
            ))
        }
    };
    let config = ConvNetConfig {
        input_dim: (dims[0], dims[1], dims[2]),
        num_filters: dims[3],
        filter_size: dims[4],
        hidden_dim: dims[5],
        num_classes: dims[6],
        batchnorm,
        weight_scale: r.f64(&part("models.file.part.architecture"))?,
        reg: r.f64(&part("models.file.part.architecture"))?,
        seed: r.u64(&part("models.file.part.architecture"))?,
    };
    debug_assert_eq!(r.pos, NAMES_AT);
    let shapes = config
        .validate()
        .and_then(|()| config.tensor_shapes())
        .map_err(|e| model_error(because("models.file.architecture_unusable", &e)))?;

    // Walk the names without keeping them: a file declaring 25 million classes runs out of
    // bytes after a few, before anything is reserved for them.
    for i in 0..config.num_classes {
        let len = r.u32(&part("models.file.part.class_names"))? as usize;
        let name = r.take(len, &part("models.file.part.class_names"))?;
        if std::str::from_utf8(name).is_err() {
            return Err(model_error(
                Message::new("models.file.class_name_utf8").arg("index", i),
            ));
        }
    }

    let mut values_at = Vec::with_capacity(shapes.len());
    for (name, want) in &shapes {
        let what = Message::new("models.file.part.array").arg("name", name);
        let rank = r.u32(&what)?;
        let mismatch = |got: Message| {
            model_error(
                Message::new("models.file.shape_three_layer")
                    .arg("name", name)
                    .nested("got", got)
                    .nested("architecture", describe(&config))
                    .arg("want", format!("{want:?}")),
            )
        };
        if rank > MAX_RANK {
            return Err(mismatch(
                Message::new("models.file.of_rank").arg("rank", rank),
            ));
        }
        let mut got = [0usize; MAX_RANK as usize];
        for d in got.iter_mut().take(rank as usize) {
            *d = r.u32(&what)? as usize;
        }
        let got = &got[..rank as usize];
        if got != want.as_slice() {
            return Err(mismatch(shape_text(got)));
        }
        // The shape matched the architecture, whose arrays hold at most MAX_PARAMETERS values.
        let count = crate::budget::count(want);
        let len = usize::try_from(count.saturating_mul(4)).unwrap_or(usize::MAX);
        values_at.push(r.pos);
        r.take(len, &what)?;
    }

    let arrays: Vec<(&str, usize, usize)> = shapes
        .iter()
        .zip(&values_at)
        .map(|((name, want), &at)| (*name, at, crate::budget::count(want) as usize))
        .collect();
    check_end(&mut r, &arrays)?;
    Ok(Layout {
        config,
        shapes,
        values_at,
    })
}

/// The architecture code of a network built from its description ([`Sequential`]).
const SEQUENTIAL: u32 = 2;
/// The loss codes of a [`Sequential`]: softmax, SVM.
const SOFTMAX_LOSS: u8 = 0;
const SVM_LOSS: u8 = 1;
/// The initialisation codes: He, or the course's weight scale (the f64 that follows).
const HE_INIT: u8 = 0;
const SCALE_INIT: u8 = 1;
/// The longest network text a file may hold, in bytes (the lecture's net takes 171): it bounds
/// what parsing and walking a hostile file's text may allocate. A network whose text is longer
/// (thousands of layers) would be written but refused on loading.
const MAX_TEXT_BYTES: usize = 64 * 1024;
/// The longest parameter name a file may hold, in bytes (`W12` takes 3).
const MAX_NAME_BYTES: usize = 64;
/// Where a [`Sequential`] file's network text starts: right after its fixed-size header.
const TEXT_AT: usize = 50;

impl<F: Float> Sequential<F> {
    /// The model as a model file of format version 2 (see the [module docs](self) for the
    /// layout): its network's text, classes, initialisation and regularization, and every entry
    /// of its parameter table (name, shape, values as f32). Gradients are not saved.
    pub fn to_bytes(&self) -> Vec<u8> {
        let c = self.config();
        let text = c.network.to_string();
        // The parameter table, then each batch norm layer's running mean and variance.
        let stats: Vec<(String, ArrayD<F>)> = self
            .running_stats()
            .into_iter()
            .enumerate()
            .flat_map(|(i, (mean, var))| {
                [
                    (format!("running_mean{}", i + 1), mean.clone().into_dyn()),
                    (format!("running_var{}", i + 1), var.clone().into_dyn()),
                ]
            })
            .collect();
        let entries: Vec<(&str, &ArrayD<F>)> = self
            .params()
            .entries()
            .iter()
            .map(|p| (p.name.as_str(), &p.value))
            .chain(stats.iter().map(|(name, value)| (name.as_str(), value)))
            .collect();
        let mut out = Vec::with_capacity(128 + text.len() + 4 * self.params().num_values());
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&SEQUENTIAL_VERSION.to_le_bytes());
        out.extend_from_slice(&SEQUENTIAL.to_le_bytes());
        put_u32(&mut out, c.num_classes);
        out.push(match c.loss {
            Loss::Softmax => SOFTMAX_LOSS,
            Loss::Svm => SVM_LOSS,
        });
        let (init, weight_scale) = match c.init {
            Init::He => (HE_INIT, 0.0),
            Init::Scale(w) => (SCALE_INIT, w),
        };
        out.push(init);
        out.extend_from_slice(&weight_scale.to_le_bytes());
        out.extend_from_slice(&c.reg.to_le_bytes());
        out.extend_from_slice(&c.seed.to_le_bytes());
        put_u32(&mut out, text.len());
        out.extend_from_slice(text.as_bytes());
        for name in self.class_names() {
            put_u32(&mut out, name.len());
            out.extend_from_slice(name.as_bytes());
        }
        put_u32(&mut out, entries.len());
        for (name, value) in entries {
            put_u32(&mut out, name.len());
            out.extend_from_slice(name.as_bytes());
            put_array(&mut out, value.view());
        }
        seal(out)
    }

    /// Loads a model saved by [`Sequential::to_bytes`]: the same network, configuration and
    /// parameter values (f32 values exactly; an `f64` model's rounded to f32), gradients zero.
    ///
    /// Errors ([`Error::ModelFile`], each with its own message) as
    /// [`ThreeLayerConvNet::from_bytes`] does, and if the file holds a three-layer convnet
    /// (version 1), a network text the table's parser cannot read (its message), a network that
    /// does not fit its input or its classes, or parameters whose names, number or shapes are not
    /// the ones the network has.
    ///
    /// As for the three-layer net, nothing is reserved from a count the file declares before the
    /// whole file has been walked against its bytes, the parameters matched with the network
    /// (whose size the budget bounds), its length found exact and its checksum verified.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let (config, class_names, expected) = walk_sequential(bytes)?;
        let mut model = Sequential::new(config)
            .map_err(|e| model_error(because("models.file.network_unusable", &e)))?;
        model
            .set_class_names(class_names)
            .map_err(|e| model_error(e.message()))?;
        let mut mean = None;
        for want in &expected {
            let count = crate::budget::count(&want.shape) as usize;
            let raw = &bytes[want.values_at..want.values_at + 4 * count];
            let values: Vec<F> = raw
                .chunks_exact(4)
                .map(|b| F::of(f32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64))
                .collect();
            let value = ArrayD::from_shape_vec(want.shape.clone(), values)
                .map_err(|e| model_error(Message::new("models.file.array_shape").arg("why", e)))?;
            let set = match want.role {
                Role::Param => model.set_param(&want.name, value),
                Role::RunningMean => {
                    mean = Some(value);
                    Ok(())
                }
                Role::RunningVar(j) => {
                    let to_1d = |a: ArrayD<F>| a.into_dimensionality::<ndarray::Ix1>();
                    match (mean.take().map(to_1d), to_1d(value)) {
                        (Some(Ok(m)), Ok(v)) => model.set_running_stats(j, m, v),
                        _ => Err(Error::invalid(
                            Message::new("models.file.running_stats").arg("layer", j),
                        )),
                    }
                }
            };
            set.map_err(|e| model_error(e.message()))?;
        }
        Ok(model)
    }
}

/// One parameter a network has: its name and shape, the layer that owns it (for messages), and
/// (once walked) where its values start in the file.
struct Expected {
    name: String,
    role: Role,
    shape: Vec<usize>,
    layer: Message,
    values_at: usize,
}

/// What an array of a version 2 file is: a parameter of the table, or batch norm layer j's
/// running mean or variance (saved after the table, mean before variance).
#[derive(Clone, Copy)]
enum Role {
    Param,
    RunningMean,
    RunningVar(usize),
}

/// The parameters `network` has, in the order a [`Sequential`] keeps them: the k-th layer with
/// weights owns `Wk` (conv `(F, C, k, k)`, fc `(C·H·W, M)`) and `bk`. Errors at the first layer
/// that does not fit what reaches it.
fn expected_params(network: &Network) -> Result<Vec<Expected>> {
    let (report, failure) =
        crate::shapes::network::walk_with_error(network.input, &network.layers, Lang::En)
            .map_err(|e| model_error(because("models.file.network_unusable", &e)))?;
    if let (Some(e), Some(why)) = (report.error, failure) {
        return Err(model_error(
            Message::new("models.file.network_does_not_fit")
                .nested(
                    "layer",
                    super::sequential::layer_name(e.index + 1, &e.layer),
                )
                .arg("input", e.input)
                .nested("why", why.message()),
        ));
    }
    let mut expected = Vec::new();
    let mut stats = Vec::new();
    let (mut k, mut j) = (0, 0);
    for row in &report.rows {
        let Shape { c, h, w } = row.input;
        let layer = super::sequential::layer_name(row.index + 1, &row.layer);
        let arrays = match row.layer {
            LayerSpec::Conv { filters, size, .. } => {
                k += 1;
                [
                    (format!("W{k}"), vec![filters, c, size, size]),
                    (format!("b{k}"), vec![filters]),
                ]
            }
            LayerSpec::Fc { outputs } => {
                // The walk bounds every count (MAX_COUNT), so C·H·W fits.
                let d = c.saturating_mul(h).saturating_mul(w);
                k += 1;
                [
                    (format!("W{k}"), vec![d, outputs]),
                    (format!("b{k}"), vec![outputs]),
                ]
            }
            LayerSpec::Bn => {
                j += 1;
                for (name, role) in [
                    (format!("running_mean{j}"), Role::RunningMean),
                    (format!("running_var{j}"), Role::RunningVar(j)),
                ] {
                    stats.push(Expected {
                        name,
                        role,
                        shape: vec![c],
                        layer: layer.clone(),
                        values_at: 0,
                    });
                }
                [
                    (format!("gamma{j}"), vec![c]),
                    (format!("beta{j}"), vec![c]),
                ]
            }
            LayerSpec::Relu
            | LayerSpec::Pool { .. }
            | LayerSpec::AvgPool { .. }
            | LayerSpec::Dropout { .. } => continue,
        };
        for (name, shape) in arrays {
            expected.push(Expected {
                name,
                role: Role::Param,
                shape,
                layer: layer.clone(),
                values_at: 0,
            });
        }
    }
    expected.extend(stats);
    Ok(expected)
}

/// The first pass over a [`Sequential`] file, as [`walk`] for the three-layer net: the header,
/// the network text (read by the table's own parser), then each parameter's name and shape
/// matched with the ones the network has and its values skipped, the exact length, the checksum,
/// and finite values. Returns the configuration and where each parameter's values are.
fn walk_sequential(bytes: &[u8]) -> Result<(SequentialConfig, Vec<String>, Vec<Expected>)> {
    let (mut r, version) = open(bytes)?;
    if version != SEQUENTIAL_VERSION {
        return Err(model_error(
            Message::new("models.file.three_layer_not_designed").arg("version", version),
        ));
    }
    let architecture = r.u32(&part("models.file.part.architecture"))?;
    if architecture != SEQUENTIAL {
        return Err(model_error(
            Message::new("models.file.architecture_not_designed")
                .arg("architecture", architecture)
                .arg("designed", SEQUENTIAL),
        ));
    }
    let num_classes = r.u32(&part("models.file.part.architecture"))? as usize;
    let loss = match r.u8(&part("models.file.part.architecture"))? {
        SOFTMAX_LOSS => Loss::Softmax,
        SVM_LOSS => Loss::Svm,
        other => {
            return Err(model_error(
                Message::new("models.file.loss_unknown")
                    .arg("loss", other)
                    .arg("softmax", SOFTMAX_LOSS)
                    .arg("svm", SVM_LOSS),
            ))
        }
    };
    let init_code = r.u8(&part("models.file.part.architecture"))?;
    let weight_scale = r.f64(&part("models.file.part.architecture"))?;
    let init = match init_code {
        // He draws no scale of its own: a file that gives one is not what this code writes.
        HE_INIT if weight_scale != 0.0 => {
            return Err(model_error(
                Message::new("models.file.he_with_scale").arg("scale", weight_scale),
            ))
        }
        HE_INIT => Init::He,
        SCALE_INIT => Init::Scale(weight_scale),
        other => {
            return Err(model_error(
                Message::new("models.file.init_unknown")
                    .arg("init", other)
                    .arg("he", HE_INIT)
                    .arg("scale", SCALE_INIT),
            ))
        }
    };
    let reg = r.f64(&part("models.file.part.architecture"))?;
    let seed = r.u64(&part("models.file.part.architecture"))?;
    let text_len = r.u32(&part("models.file.part.network_text"))? as usize;
    debug_assert_eq!(r.pos, TEXT_AT);
    if text_len > MAX_TEXT_BYTES {
        return Err(model_error(
            Message::new("models.file.text_too_long")
                .arg("len", text_len)
                .arg("max", MAX_TEXT_BYTES),
        ));
    }
    let text = std::str::from_utf8(r.take(text_len, &part("models.file.part.network_text"))?)
        .map_err(|_| model_error(Message::new("models.file.text_utf8")))?;
    let network: Network = text
        .parse()
        .map_err(|e: Error| model_error(because("models.file.text_unreadable", &e)))?;
    super::sequential::check_scores_layer(&network, num_classes)
        .map_err(|e| model_error(because("models.file.network_unusable", &e)))?;
    let mut expected = expected_params(&network)?;
    // Each name is read from bytes the file has, so the names take no more memory than the file.
    let mut class_names = Vec::new();
    for i in 0..num_classes {
        let len = r.u32(&part("models.file.part.class_names"))? as usize;
        let name = r.take(len, &part("models.file.part.class_names"))?;
        let name = std::str::from_utf8(name).map_err(|_| {
            model_error(Message::new("models.file.class_name_utf8").arg("index", i))
        })?;
        class_names.push(name.to_string());
    }

    let count = r.u32(&part("models.file.part.param_table"))? as usize;
    if count != expected.len() {
        let names: Vec<&str> = expected.iter().map(|e| e.name.as_str()).collect();
        return Err(model_error(
            Message::new("models.file.param_count")
                .arg("count", count)
                .arg("expected", expected.len())
                .arg("names", names.join(", ")),
        ));
    }
    for (i, want) in expected.iter_mut().enumerate() {
        let what = Message::new("models.file.part.parameter")
            .arg("number", i + 1)
            .arg("name", &want.name);
        let len = r.u32(&what)? as usize;
        if len > MAX_NAME_BYTES {
            return Err(model_error(
                Message::new("models.file.name_too_long")
                    .arg("number", i + 1)
                    .arg("len", len)
                    .arg("max", MAX_NAME_BYTES),
            ));
        }
        let name = r.take(len, &what)?;
        if name != want.name.as_bytes() {
            return Err(model_error(
                Message::new("models.file.param_name")
                    .arg("number", i + 1)
                    .arg("got", String::from_utf8_lossy(name))
                    .arg("want", &want.name)
                    .nested("layer", want.layer.clone()),
            ));
        }
        let rank = r.u32(&what)?;
        let mismatch = |got: Message| {
            model_error(
                Message::new("models.file.shape_designed")
                    .arg("name", &want.name)
                    .nested("got", got)
                    .nested("layer", want.layer.clone())
                    .arg("want", format!("{:?}", want.shape)),
            )
        };
        if rank > MAX_RANK {
            return Err(mismatch(
                Message::new("models.file.of_rank").arg("rank", rank),
            ));
        }
        let mut got = [0usize; MAX_RANK as usize];
        for d in got.iter_mut().take(rank as usize) {
            *d = r.u32(&what)? as usize;
        }
        let got = &got[..rank as usize];
        if got != want.shape.as_slice() {
            return Err(mismatch(shape_text(got)));
        }
        let values = crate::budget::count(&want.shape);
        let len = usize::try_from(values.saturating_mul(4)).unwrap_or(usize::MAX);
        want.values_at = r.pos;
        r.take(len, &what)?;
    }

    let arrays: Vec<(&str, usize, usize)> = expected
        .iter()
        .map(|e| {
            (
                e.name.as_str(),
                e.values_at,
                crate::budget::count(&e.shape) as usize,
            )
        })
        .collect();
    check_end(&mut r, &arrays)?;
    let config = SequentialConfig {
        network,
        num_classes,
        init,
        loss,
        reg,
        seed,
    };
    Ok((config, class_names, expected))
}

/// A shape found in a file, as `[3, 5, 5]` (the same text in every language).
fn shape_text(dims: &[usize]) -> Message {
    Message::new("models.file.shape").arg("dims", format!("{dims:?}"))
}

/// The checks of a walked file's end, for both versions: the checksum comes right after the
/// last array and ends the file, it matches every byte before it, and no array — `(name, where
/// its values start, how many)`, all within the file by the walk — holds a NaN or infinity.
fn check_end(r: &mut Reader<'_>, arrays: &[(&str, usize, usize)]) -> Result<()> {
    let bytes = r.bytes;
    let body_end = r.pos;
    let stored = r.u32(&part("models.file.part.checksum"))?;
    if r.pos != bytes.len() {
        return Err(model_error(
            Message::new("models.file.unexpected_bytes")
                .arg("extra", bytes.len() - r.pos)
                .arg("end", r.pos),
        ));
    }
    let computed = crc32(&bytes[..body_end]);
    if stored != computed {
        return Err(model_error(
            Message::new("models.file.corrupted")
                .arg("stored", format!("{stored:08x}"))
                .arg("computed", format!("{computed:08x}")),
        ));
    }
    for &(name, at, count) in arrays {
        let raw = &bytes[at..at + 4 * count];
        let bad = raw
            .chunks_exact(4)
            .position(|b| !f32::from_le_bytes([b[0], b[1], b[2], b[3]]).is_finite());
        if let Some(i) = bad {
            return Err(not_finite(name, i));
        }
    }
    Ok(())
}

/// The error of an array `name` whose value at `position` is NaN or infinite.
fn not_finite(name: &str, position: usize) -> Error {
    model_error(
        Message::new("models.file.not_finite")
            .arg("name", name)
            .arg("position", position),
    )
}

/// The format version a model file declares (after its magic bytes), so a reader can choose
/// between [`ThreeLayerConvNet::from_bytes`] and [`Sequential::from_bytes`]. Errors as they do
/// for a file that is not a model, is too short, or has a version this code does not read.
pub fn version(bytes: &[u8]) -> Result<u32> {
    open(bytes).map(|(_, version)| version)
}

/// Reads little-endian values from the front of a byte slice, reporting where it ran out.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &Message) -> Result<&'a [u8]> {
        let left = self.bytes.len().saturating_sub(self.pos);
        if n > left {
            return Err(model_error(
                Message::new("models.file.truncated")
                    .arg("length", self.bytes.len())
                    .nested("what", what.clone()),
            ));
        }
        let out = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    fn array<const N: usize>(&mut self, what: &Message) -> Result<[u8; N]> {
        Ok(self
            .take(N, what)?
            .try_into()
            .expect("take returns N bytes"))
    }

    fn u8(&mut self, what: &Message) -> Result<u8> {
        Ok(self.array::<1>(what)?[0])
    }

    fn u32(&mut self, what: &Message) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }

    fn u64(&mut self, what: &Message) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }

    fn f64(&mut self, what: &Message) -> Result<f64> {
        Ok(f64::from_le_bytes(self.array(what)?))
    }
}

#[cfg(test)]
mod tests {
    use super::crc32;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        // The check value of CRC-32/ISO-HDLC for the ASCII digits 1 to 9.
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }
}

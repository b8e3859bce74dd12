//! The model file: a trained [`ThreeLayerConvNet`] saved to bytes and loaded back.
//!
//! The file records the architecture, so a net is rebuilt exactly as it was trained, and loading
//! refuses — with a message saying which — a file that is not a model at all, comes from another
//! format version, is cut short, declares an architecture its arrays do not fit, has bytes after
//! its end, fails its checksum, or holds NaN or infinite values. Layout, all little-endian:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic bytes `CNNMODEL` |
//! | 8 | 4 | u32 format version ([`VERSION`]) |
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
//! ```

use super::three_layer::{ConvNetConfig, Params, ThreeLayerConvNet};
use crate::error::{Error, Result};
use crate::float::Float;
use ndarray::ArrayD;

/// The first eight bytes of every model file.
pub const MAGIC: [u8; 8] = *b"CNNMODEL";
/// The format version this code writes and reads.
pub const VERSION: u32 = 1;
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

fn model_error(message: impl Into<String>) -> Error {
    Error::ModelFile(message.into())
}

/// "32×32×3 input, K = 32 filters of 7×7×3, hidden 100, 10 classes, no batch norm": the page's
/// notation (shapes H×W×C, K filters of F×F×C).
fn describe(c: &ConvNetConfig) -> String {
    let (ch, h, w) = c.input_dim;
    format!(
        "{h}×{w}×{ch} input, K = {} filters of {k}×{k}×{ch}, hidden {}, {} classes, {}",
        c.num_filters,
        c.hidden_dim,
        c.num_classes,
        if c.batchnorm {
            "with batch norm"
        } else {
            "no batch norm"
        },
        k = c.filter_size
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

impl<F: Float> ThreeLayerConvNet<F> {
    /// The net as a model file (see the [module docs](self) for the layout).
    pub fn to_bytes(&self) -> Vec<u8> {
        let c = self.config();
        let params = self.params();
        let tensors = params.tensors();
        let values: usize = tensors.iter().map(|(_, t)| t.len()).sum();
        let mut out = Vec::with_capacity(128 + 4 * values);
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
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
            put_u32(&mut out, t.ndim());
            for &d in t.shape() {
                put_u32(&mut out, d);
            }
            for &v in t.iter() {
                out.extend_from_slice(&(v.as_f64() as f32).to_le_bytes());
            }
        }
        let crc = crc32(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }

    /// Loads a net saved by [`ThreeLayerConvNet::to_bytes`].
    ///
    /// Errors ([`Error::ModelFile`], each with its own message) if the bytes are not a model file,
    /// are of another format version or architecture, end too soon, declare an unusable
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
        let mut tally =
            crate::budget::Tally::new(format!("the model in the file ({})", describe(&config)));
        for (_, shape) in &layout.shapes {
            tally.add::<F>(shape);
        }
        tally.check().map_err(|e| model_error(e.to_string()))?;
        let mut r = Reader {
            bytes,
            pos: NAMES_AT,
        };
        // The names were walked and are valid UTF-8, each at least the 4 bytes of its length,
        // so there are at most (file length)/4 of them.
        let mut class_names = Vec::with_capacity(config.num_classes);
        for _ in 0..config.num_classes {
            let len = r.u32("the class names")? as usize;
            let name = r.take(len, "the class names")?;
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
                .map_err(|e| model_error(format!("an array does not fit its shape: {e}")))?;
            tensors.push(tensor);
        }
        ThreeLayerConvNet::from_parts(config, Params::from_tensors(tensors), class_names)
            .map_err(|e| model_error(e.to_string()))
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

/// The first pass over a model file: every check that needs no memory in proportion to what the
/// file declares. It reads the header, validates the architecture (sizes go through the budget
/// before any shape arithmetic), walks the class names and the arrays' shapes, skipping their
/// bytes, then checks that the file ends exactly after the checksum, that the checksum matches
/// and that no value is NaN or infinite.
fn walk(bytes: &[u8]) -> Result<Layout> {
    if bytes.is_empty() {
        return Err(model_error("the file is empty"));
    }
    let head = &bytes[..bytes.len().min(MAGIC.len())];
    if head != &MAGIC[..head.len()] {
        return Err(model_error(
            "this is not a cnn-playground model file (it does not start with the bytes \"CNNMODEL\")",
        ));
    }
    let mut r = Reader { bytes, pos: 0 };
    r.take(MAGIC.len(), "the magic bytes")?;
    let version = r.u32("the format version")?;
    if version != VERSION {
        let why = if version > VERSION {
            "it was written by a newer version of the playground"
        } else {
            "it is older than any version this playground knows"
        };
        return Err(model_error(format!(
            "the file has format version {version}, but this playground reads only version {VERSION} ({why})"
        )));
    }
    let architecture = r.u32("the architecture")?;
    if architecture != THREE_LAYER_CONVNET {
        return Err(model_error(format!(
            "the file holds architecture {architecture}, but this playground knows only the three-layer \
             convnet (architecture {THREE_LAYER_CONVNET})"
        )));
    }
    let mut dims = [0usize; 7];
    for d in &mut dims {
        *d = r.u32("the architecture")? as usize;
    }
    let batchnorm = match r.u8("the architecture")? {
        0 => false,
        1 => true,
        b => {
            return Err(model_error(format!(
                "the batch norm flag is {b}; it must be 0 or 1"
            )))
        }
    };
    let config = ConvNetConfig {
        input_dim: (dims[0], dims[1], dims[2]),
        num_filters: dims[3],
        filter_size: dims[4],
        hidden_dim: dims[5],
        num_classes: dims[6],
        batchnorm,
        weight_scale: r.f64("the architecture")?,
        reg: r.f64("the architecture")?,
        seed: r.u64("the architecture")?,
    };
    debug_assert_eq!(r.pos, NAMES_AT);
    let shapes = config
        .validate()
        .and_then(|()| config.tensor_shapes())
        .map_err(|e| model_error(format!("the architecture it declares is unusable: {e}")))?;

    // Walk the names without keeping them: a file declaring 25 million classes runs out of
    // bytes after a few, before anything is reserved for them.
    for i in 0..config.num_classes {
        let len = r.u32("the class names")? as usize;
        let name = r.take(len, "the class names")?;
        if std::str::from_utf8(name).is_err() {
            return Err(model_error(format!(
                "the name of class {i} is not valid UTF-8 text"
            )));
        }
    }

    let mut values_at = Vec::with_capacity(shapes.len());
    for (name, want) in &shapes {
        let what = format!("the array {name}");
        let rank = r.u32(&what)?;
        let mismatch = |got: String| {
            model_error(format!(
                "{name} has shape {got} in the file, but the architecture it declares ({}) needs {want:?}",
                describe(&config)
            ))
        };
        if rank > MAX_RANK {
            return Err(mismatch(format!("of rank {rank}")));
        }
        let mut got = [0usize; MAX_RANK as usize];
        for d in got.iter_mut().take(rank as usize) {
            *d = r.u32(&what)? as usize;
        }
        let got = &got[..rank as usize];
        if got != want.as_slice() {
            return Err(mismatch(format!("{got:?}")));
        }
        // The shape matched the architecture, whose arrays hold at most MAX_PARAMETERS values.
        let count = crate::budget::count(want);
        let len = usize::try_from(count.saturating_mul(4)).unwrap_or(usize::MAX);
        values_at.push(r.pos);
        r.take(len, &what)?;
    }

    let body_end = r.pos;
    let stored = r.u32("the checksum")?;
    if r.pos != bytes.len() {
        return Err(model_error(format!(
            "the file has {} unexpected bytes after the end of the model (which ends at byte {})",
            bytes.len() - r.pos,
            r.pos
        )));
    }
    let computed = crc32(&bytes[..body_end]);
    if stored != computed {
        return Err(model_error(format!(
            "the file is corrupted: its checksum is {stored:08x} but its contents give {computed:08x}"
        )));
    }
    for ((name, want), &at) in shapes.iter().zip(&values_at) {
        let count = crate::budget::count(want) as usize;
        let raw = &bytes[at..at + 4 * count];
        let bad = raw
            .chunks_exact(4)
            .position(|b| !f32::from_le_bytes([b[0], b[1], b[2], b[3]]).is_finite());
        if let Some(i) = bad {
            return Err(model_error(format!(
                "{name} holds a NaN or infinite value (at position {i}): the model was saved from a broken run"
            )));
        }
    }
    Ok(Layout {
        config,
        shapes,
        values_at,
    })
}

/// Reads little-endian values from the front of a byte slice, reporting where it ran out.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        let left = self.bytes.len().saturating_sub(self.pos);
        if n > left {
            return Err(model_error(format!(
                "the file is truncated: it ends after {} bytes, in the middle of {what} (was the download cut short?)",
                self.bytes.len()
            )));
        }
        let out = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N]> {
        Ok(self
            .take(N, what)?
            .try_into()
            .expect("take returns N bytes"))
    }

    fn u8(&mut self, what: &str) -> Result<u8> {
        Ok(self.array::<1>(what)?[0])
    }

    fn u32(&mut self, what: &str) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }

    fn u64(&mut self, what: &str) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }

    fn f64(&mut self, what: &str) -> Result<f64> {
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

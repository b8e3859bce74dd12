//! The output-size arithmetic of conv and pool layers: `(W − F + 2P)/S + 1`.
//!
//! One function, [`output_size`], is shared by every layer, so that a configuration the page calls
//! invalid is exactly one the layers refuse. A configuration whose size is not a whole number is
//! an error that shows the arithmetic and suggests the nearest strides and pads that work.
//!
//! ```
//! use cnn_playground::shapes::output_size;
//! assert_eq!(output_size("width", 7, 3, 0, 1).unwrap(), 5);
//! assert_eq!(output_size("width", 7, 3, 0, 2).unwrap(), 3);
//! let err = output_size("width", 7, 3, 0, 3).unwrap_err();
//! assert_eq!(
//!     err.to_string(),
//!     "width: (7 − 3 + 2·0)/3 + 1 = 2.33 is not a whole number: try stride 1 or 2, or pad 1"
//! );
//! ```

use crate::error::{Error, Result};

/// `(input − filter + 2·pad)/stride + 1` along one axis (`axis` names it in messages).
///
/// Errors: a zero input, filter or stride; a filter larger than the padded input; a result that
/// is not a whole number.
pub fn output_size(
    axis: &'static str,
    input: usize,
    filter: usize,
    pad: usize,
    stride: usize,
) -> Result<usize> {
    if input == 0 {
        return Err(Error::Zero {
            what: format!("the input {axis}"),
        });
    }
    if filter == 0 {
        return Err(Error::Zero {
            what: format!("the filter {axis}"),
        });
    }
    if stride == 0 {
        return Err(Error::Zero {
            what: "the stride".into(),
        });
    }
    let padded = input + 2 * pad;
    if filter > padded {
        return Err(Error::FilterTooLarge {
            axis,
            input,
            filter,
            pad,
            padded,
        });
    }
    let span = padded - filter;
    if span % stride != 0 {
        return Err(Error::NotWhole {
            axis,
            input,
            filter,
            pad,
            stride,
            value: span as f64 / stride as f64 + 1.0,
            suggestion: suggest(input, filter, pad, stride),
        });
    }
    Ok(span / stride + 1)
}

/// Strides that work with the given pad, and the nearest pad that works with the given stride.
pub fn valid_strides(input: usize, filter: usize, pad: usize) -> Vec<usize> {
    let padded = input + 2 * pad;
    if filter == 0 || filter > padded {
        return Vec::new();
    }
    let span = padded - filter;
    (1..=span.max(1)).filter(|s| span % s == 0).collect()
}

/// The smallest pads (at most `filter`, so the window still overlaps the image) that make
/// `stride` valid, nearest to `pad` first.
pub fn valid_pads(input: usize, filter: usize, stride: usize) -> Vec<usize> {
    if stride == 0 || filter == 0 {
        return Vec::new();
    }
    (0..filter)
        .filter(|&p| {
            let padded = input + 2 * p;
            filter <= padded && (padded - filter) % stride == 0
        })
        .collect()
}

/// "try stride 1 or 2, or pad 1": the (up to two) largest valid strides below `stride` — or, if
/// none is smaller, the smallest above it — and the pad nearest to `pad` that works with `stride`.
fn suggest(input: usize, filter: usize, pad: usize, stride: usize) -> String {
    let valid = valid_strides(input, filter, pad);
    let below: Vec<usize> = valid.iter().copied().filter(|&s| s < stride).collect();
    let strides: Vec<usize> = if below.is_empty() {
        valid
            .iter()
            .copied()
            .filter(|&s| s > stride)
            .take(2)
            .collect()
    } else {
        below[below.len().saturating_sub(2)..].to_vec()
    };
    let mut pads = valid_pads(input, filter, stride);
    pads.sort_by_key(|&p| (p.abs_diff(pad), p));
    let mut parts = Vec::new();
    if !strides.is_empty() {
        let list: Vec<String> = strides.iter().map(|s| s.to_string()).collect();
        parts.push(format!("stride {}", list.join(" or ")));
    }
    if let Some(p) = pads.first() {
        parts.push(format!("pad {p}"));
    }
    if parts.is_empty() {
        "no stride or pad makes this filter fit".into()
    } else {
        format!("try {}", parts.join(", or "))
    }
}

//! Convolution: the naive loops, written to be read beside the assignment's `conv_forward_naive`.

/// Stride and zero padding of a conv layer (padding is applied on every side).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvParam {
    pub stride: usize,
    pub pad: usize,
}

impl Default for ConvParam {
    fn default() -> Self {
        ConvParam { stride: 1, pad: 0 }
    }
}

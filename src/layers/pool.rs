//! Max pooling: the naive loops.

/// The pooling window and its stride.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolParam {
    pub pool_height: usize,
    pub pool_width: usize,
    pub stride: usize,
}

impl Default for PoolParam {
    /// The common choice: 2×2 windows, stride 2.
    fn default() -> Self {
        PoolParam {
            pool_height: 2,
            pool_width: 2,
            stride: 2,
        }
    }
}

//! CS231n's layers, one file per layer family, each forward directly above its backward.

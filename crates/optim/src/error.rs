//! The error type of `hypergrad-optim`.

use thiserror::Error;

/// What can go wrong when a model or a solver is given its input.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum OptimError {
    /// Two inputs whose sizes must agree do not.
    #[error("shape mismatch: {what} has {got} elements, expected {expected}")]
    ShapeMismatch {
        /// Which input.
        what: &'static str,
        /// The size required by the other inputs.
        expected: usize,
        /// The size given.
        got: usize,
    },
    /// An input holds NaN or ±∞.
    #[error("{what} contains a non-finite value (NaN or infinity)")]
    NonFinite {
        /// Which input.
        what: &'static str,
    },
    /// A parameter is outside its valid range.
    #[error("invalid parameter {name} = {value}: {reason}")]
    InvalidParameter {
        /// The parameter's name.
        name: &'static str,
        /// The value given.
        value: f64,
        /// What it must satisfy.
        reason: &'static str,
    },
    /// The data has no rows or no columns.
    #[error("empty data: {what}")]
    EmptyData {
        /// Which input.
        what: &'static str,
    },
}

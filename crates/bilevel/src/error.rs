//! The error type of `hypergrad-bilevel`.

use hypergrad_ad::AdError;
use hypergrad_optim::OptimError;
use thiserror::Error;

/// What can go wrong when computing a hypergradient.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum BilevelError {
    /// The inner problem rejected its input or hyperparameters.
    #[error("inner problem: {0}")]
    Inner(#[from] OptimError),
    /// The reverse-mode tape of an unrolled method refused its recording (an internal misuse
    /// of the tape, reported rather than hidden).
    #[error("reverse-mode tape: {0}")]
    Tape(#[from] AdError),
    /// Two inputs whose sizes must agree do not.
    #[error("shape mismatch: {what} has {got} entries, expected {expected}")]
    ShapeMismatch {
        /// Which input.
        what: &'static str,
        /// The size required.
        expected: usize,
        /// The size given.
        got: usize,
    },
    /// A hyperparameter or option is outside its valid range.
    #[error("invalid {name} = {value}: {reason}")]
    InvalidParameter {
        /// The parameter's name.
        name: &'static str,
        /// The value given.
        value: f64,
        /// What it must satisfy.
        reason: &'static str,
    },
    /// An iterative solve stopped above its tolerance where the result cannot be reported
    /// with a warning instead.
    #[error("{what} did not converge (relative residual {residual:e})")]
    NotConverged {
        /// Which solve.
        what: &'static str,
        /// The relative residual reached.
        residual: f64,
    },
    /// A computation produced a value that is not finite (NaN or ±∞): it broke down, and no
    /// number is returned.
    #[error("{what} is not finite")]
    NonFinite {
        /// What broke down.
        what: &'static str,
    },
    /// The method needs a capability the inner problem does not have.
    #[error("method {method} needs {needs}, which this inner problem does not provide")]
    Unsupported {
        /// The method asked for.
        method: &'static str,
        /// The missing capability.
        needs: &'static str,
    },
    /// An error curve was asked for a method that has no iteration budget to vary.
    #[error("no error curve for method {method}: {reason}")]
    NoCurve {
        /// The method asked for.
        method: &'static str,
        /// Why it has no curve.
        reason: &'static str,
    },
}

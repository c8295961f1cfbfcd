//! Smooth data-fit terms `f(β)` of a linear model `X β`, with the constants their solvers need.
//!
//! Each loss owns its design and targets, checked at construction, and offers a generic
//! `value<S: Scalar>` (for AD; `S = f64` is the fast path), an `f64` `gradient`, a global
//! Lipschitz constant of `∇f` and per-coordinate ones.

mod least_squares;
mod logistic;

pub use least_squares::LeastSquares;
pub use logistic::Logistic;
pub use logistic::{sigmoid, softplus};

use crate::{Design, OptimError};

/// Validates a design and a target vector of matching length, both finite and non-empty.
pub(crate) fn checked_data(design: Design, y: &[f64]) -> Result<(Design, Vec<f64>), OptimError> {
    let design = design.validated()?;
    if y.is_empty() {
        return Err(OptimError::EmptyData { what: "y" });
    }
    if y.len() != design.n_samples() {
        return Err(OptimError::ShapeMismatch {
            what: "y",
            expected: design.n_samples(),
            got: y.len(),
        });
    }
    if y.iter().any(|v| !v.is_finite()) {
        return Err(OptimError::NonFinite { what: "y" });
    }
    Ok((design, y.to_vec()))
}

/// Checks that a coefficient vector has length p and is finite.
pub(crate) fn check_coefficients(beta: &[f64], p: usize) -> Result<(), OptimError> {
    if beta.len() != p {
        return Err(OptimError::ShapeMismatch {
            what: "coefficients",
            expected: p,
            got: beta.len(),
        });
    }
    if beta.iter().any(|v| !v.is_finite()) {
        return Err(OptimError::NonFinite {
            what: "coefficients",
        });
    }
    Ok(())
}

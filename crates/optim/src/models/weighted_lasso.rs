//! [`WeightedLasso`]: `1/(2n)‖y − Xβ‖² + Σ_j α_j|β_j|`.

use super::l1l2::{penalized_least_squares_model, PenalizedLeastSquares};
use crate::{Design, LeastSquares, OptimError};
use hypergrad_ad::Scalar;
use ndarray::ArrayView1;

/// The weighted Lasso `P(β) = 1/(2n)‖y − Xβ‖² + Σ_j α_j|β_j|`, one penalty `α_j = exp(θ_j) > 0`
/// per feature (sparse-ho's `WeightedLasso`).
///
/// As a [`FixedPointMap`](crate::FixedPointMap): one cyclic coordinate-descent sweep with
/// `θ_j = log α_j` (p hyperparameters), `β_j ← st(β_j + X_jᵀr/(n L_j), α_j/L_j)`.
#[derive(Clone, Debug)]
pub struct WeightedLasso {
    core: PenalizedLeastSquares,
}

impl WeightedLasso {
    /// Checks the data (see [`LeastSquares::new`]).
    pub fn new(design: Design, y: ArrayView1<'_, f64>) -> Result<Self, OptimError> {
        Ok(Self::from_loss(LeastSquares::new(design, y)?))
    }

    /// A weighted Lasso on an already checked data fit.
    pub fn from_loss(loss: LeastSquares) -> Self {
        Self {
            core: PenalizedLeastSquares::new(loss),
        }
    }
}

/// `a_j = exp(θ_j)`.
fn l1<S: Scalar>(_model: &WeightedLasso, theta: &[S], j: usize) -> S {
    theta[j].exp()
}

/// `b = 0`.
fn l2<S: Scalar>(_model: &WeightedLasso, _theta: &[S]) -> S {
    S::zero()
}

penalized_least_squares_model!(
    WeightedLasso,
    dim_theta = |model: &WeightedLasso| model.core.loss.n_features(),
    l1 = l1,
    l2 = l2
);

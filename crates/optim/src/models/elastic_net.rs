//! [`ElasticNet`]: `1/(2n)‖y − Xβ‖² + α₁‖β‖₁ + α₂/2 ‖β‖²`.

use super::l1l2::{penalized_least_squares_model, PenalizedLeastSquares};
use crate::{Design, LeastSquares, OptimError};
use hypergrad_ad::Scalar;
use ndarray::ArrayView1;

/// The elastic net `P(β) = 1/(2n)‖y − Xβ‖² + α₁‖β‖₁ + α₂/2 ‖β‖²` with `α₁ = exp(θ₀) > 0`,
/// `α₂ = exp(θ₁) > 0` (sparse-ho's parametrization; scikit-learn's `ElasticNet(alpha, l1_ratio)` is
/// `α₁ = alpha·l1_ratio`, `α₂ = alpha·(1 − l1_ratio)`). `α₂ = 0` is the Lasso; `α₁ = 0` is
/// ridge, solved in closed form by [`Ridge`](crate::Ridge) (the rescaled-residual gap needs
/// `α₁ > 0`).
///
/// As a [`FixedPointMap`](crate::FixedPointMap): one cyclic sweep with `θ = [log α₁, log α₂]`,
/// `β_j ← st(L_j β_j + X_jᵀr/n, α₁)/(L_j + α₂)`.
#[derive(Clone, Debug)]
pub struct ElasticNet {
    core: PenalizedLeastSquares,
}

impl ElasticNet {
    /// Checks the data (see [`LeastSquares::new`]).
    pub fn new(design: Design, y: ArrayView1<'_, f64>) -> Result<Self, OptimError> {
        Ok(Self::from_loss(LeastSquares::new(design, y)?))
    }

    /// An elastic net on an already checked data fit.
    pub fn from_loss(loss: LeastSquares) -> Self {
        Self {
            core: PenalizedLeastSquares::new(loss),
        }
    }
}

/// `a_j = exp(θ₀)`.
fn l1<S: Scalar>(theta: &[S], _j: usize) -> S {
    theta[0].exp()
}

/// `b = exp(θ₁)`.
fn l2<S: Scalar>(theta: &[S]) -> S {
    theta[1].exp()
}

penalized_least_squares_model!(ElasticNet, dim_theta = |_p| 2, l1 = l1, l2 = l2);

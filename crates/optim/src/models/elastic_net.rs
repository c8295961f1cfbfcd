//! [`ElasticNet`]: `1/(2n)‖y − Xβ‖² + α₁‖β‖₁ + α₂/2 ‖β‖²`.

use super::check_penalty;
use super::l1l2::{penalized_least_squares_cd_model, PenalizedLeastSquares};
use crate::{Design, FixedPointMap, LeastSquares, OptimError};
use hypergrad_ad::Scalar;
use ndarray::ArrayView1;

/// The elastic net `P(β) = 1/(2n)‖y − Xβ‖² + α₁‖β‖₁ + α₂/2 ‖β‖²` with `α₁ > 0`, `α₂ ≥ 0`
/// (sparse-ho's parametrization; scikit-learn's `ElasticNet(alpha, l1_ratio)` is
/// `α₁ = alpha·l1_ratio`, `α₂ = alpha·(1 − l1_ratio)`). `α₂ = 0` is the Lasso; `α₁ = 0` is
/// ridge, solved in closed form by [`Ridge`](crate::Ridge) (the rescaled-residual gap needs
/// `α₁ > 0`).
///
/// As a [`FixedPointMap`]: one cyclic sweep with `θ = [log α₁, log α₂]`,
/// `β_j ← st(L_j β_j + X_jᵀr/n, α₁)/(L_j + α₂)`.
#[derive(Clone, Debug)]
pub struct ElasticNet {
    core: PenalizedLeastSquares,
    alpha_l1: f64,
}

impl ElasticNet {
    /// Checks the data and the penalties (`α₁ > 0`, `α₂ ≥ 0`, both finite).
    pub fn new(
        design: Design,
        y: ArrayView1<'_, f64>,
        alpha_l1: f64,
        alpha_l2: f64,
    ) -> Result<Self, OptimError> {
        Self::from_loss(LeastSquares::new(design, y)?, alpha_l1, alpha_l2)
    }

    /// An elastic net on an already checked data fit.
    pub fn from_loss(loss: LeastSquares, alpha_l1: f64, alpha_l2: f64) -> Result<Self, OptimError> {
        check_penalty("alpha_l1", alpha_l1, false)?;
        check_penalty("alpha_l2", alpha_l2, true)?;
        let p = loss.n_features();
        Ok(Self {
            core: PenalizedLeastSquares::new(loss, vec![alpha_l1; p], alpha_l2),
            alpha_l1,
        })
    }

    /// Changes `α₁, α₂` (checked).
    pub fn set_alphas(&mut self, alpha_l1: f64, alpha_l2: f64) -> Result<(), OptimError> {
        check_penalty("alpha_l1", alpha_l1, false)?;
        check_penalty("alpha_l2", alpha_l2, true)?;
        self.alpha_l1 = alpha_l1;
        self.core.l1.iter_mut().for_each(|a| *a = alpha_l1);
        self.core.l2 = alpha_l2;
        Ok(())
    }

    /// `(α₁, α₂)`.
    pub fn alphas(&self) -> (f64, f64) {
        (self.alpha_l1, self.core.l2)
    }

    /// `θ = [log α₁, log α₂]` (`log 0 = −∞` maps back to `α₂ = 0`).
    pub fn theta(&self) -> Vec<f64> {
        vec![self.alpha_l1.ln(), self.core.l2.ln()]
    }

    /// The data fit.
    pub fn loss(&self) -> &LeastSquares {
        &self.core.loss
    }

    /// `‖Xᵀy‖∞/n`: for `α₁ ≥` this value the solution is 0, whatever `α₂`.
    pub fn alpha_max(&self) -> f64 {
        self.core.loss.alpha_max()
    }

    /// `P(β)`. Panics if `β` does not have p entries.
    pub fn value(&self, beta: &[f64]) -> f64 {
        self.core.value(beta)
    }

    /// The duality gap (the Lasso gap of the ridge-augmented problem, as in scikit-learn).
    /// Panics if `β` does not have p entries.
    pub fn duality_gap(&self, beta: &[f64]) -> f64 {
        self.core.duality_gap(beta)
    }
}

penalized_least_squares_cd_model!(ElasticNet);

impl FixedPointMap for ElasticNet {
    fn dim_x(&self) -> usize {
        self.core.loss.n_features()
    }
    fn dim_theta(&self) -> usize {
        2
    }
    fn apply<S: Scalar>(&self, x: &[S], theta: &[S], out: &mut [S]) {
        let alpha_l1 = theta[0].exp();
        self.core
            .apply_with(x, out, |_| alpha_l1, theta[1].exp(), None);
    }
    fn apply_on_support<S: Scalar>(&self, x: &[S], theta: &[S], support: &[usize], out: &mut [S]) {
        let alpha_l1 = theta[0].exp();
        self.core
            .apply_with(x, out, |_| alpha_l1, theta[1].exp(), Some(support));
    }
}

//! [`Lasso`]: `1/(2n)‖y − Xβ‖² + α‖β‖₁`.

use super::check_penalty;
use super::l1l2::{penalized_least_squares_cd_model, PenalizedLeastSquares};
use crate::{Design, FixedPointMap, LeastSquares, OptimError};
use hypergrad_ad::Scalar;
use ndarray::ArrayView1;

/// The Lasso `P(β) = 1/(2n)‖y − Xβ‖² + α‖β‖₁`, `α > 0` (scikit-learn's `Lasso` without
/// intercept).
///
/// As a [`FixedPointMap`] one application is one cyclic coordinate-descent sweep with
/// `θ = [log α]` (the stored `α` is ignored there): for j = 1..p,
/// `β_j ← st(β_j + X_jᵀr/(n L_j), α/L_j)`, `L_j = ‖X_j‖²/n`, keeping `r = y − Xβ` current.
#[derive(Clone, Debug)]
pub struct Lasso {
    core: PenalizedLeastSquares,
    alpha: f64,
}

impl Lasso {
    /// Checks the data (see [`LeastSquares::new`]) and `α` (finite, `> 0`).
    pub fn new(design: Design, y: ArrayView1<'_, f64>, alpha: f64) -> Result<Self, OptimError> {
        Self::from_loss(LeastSquares::new(design, y)?, alpha)
    }

    /// A Lasso on an already checked data fit.
    pub fn from_loss(loss: LeastSquares, alpha: f64) -> Result<Self, OptimError> {
        check_penalty("alpha", alpha, false)?;
        let p = loss.n_features();
        Ok(Self {
            core: PenalizedLeastSquares::new(loss, vec![alpha; p], 0.0),
            alpha,
        })
    }

    /// Changes `α` (checked), keeping the data and precomputed constants.
    pub fn set_alpha(&mut self, alpha: f64) -> Result<(), OptimError> {
        check_penalty("alpha", alpha, false)?;
        self.alpha = alpha;
        self.core.l1.iter_mut().for_each(|a| *a = alpha);
        Ok(())
    }

    /// The penalty `α`.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// `θ = [log α]`, the hyperparameter vector of the [`FixedPointMap`].
    pub fn theta(&self) -> Vec<f64> {
        vec![self.alpha.ln()]
    }

    /// The data fit.
    pub fn loss(&self) -> &LeastSquares {
        &self.core.loss
    }

    /// `α_max = ‖Xᵀy‖∞/n`: for `α ≥ α_max` the solution is 0.
    pub fn alpha_max(&self) -> f64 {
        self.core.loss.alpha_max()
    }

    /// `P(β)`. Panics if `β` does not have p entries.
    pub fn value(&self, beta: &[f64]) -> f64 {
        self.core.value(beta)
    }

    /// The duality gap `P(β) − D(θ) ≥ 0` at the dual point `θ = c(y − Xβ)` rescaled to be
    /// feasible (`‖Xᵀθ‖∞/n ≤ α`). Panics if `β` does not have p entries.
    pub fn duality_gap(&self, beta: &[f64]) -> f64 {
        self.core.duality_gap(beta)
    }
}

penalized_least_squares_cd_model!(Lasso);

impl FixedPointMap for Lasso {
    fn dim_x(&self) -> usize {
        self.core.loss.n_features()
    }
    fn dim_theta(&self) -> usize {
        1
    }
    fn apply<S: Scalar>(&self, x: &[S], theta: &[S], out: &mut [S]) {
        let alpha = theta[0].exp();
        self.core.apply_with(x, out, |_| alpha, S::zero(), None);
    }
    fn apply_on_support<S: Scalar>(&self, x: &[S], theta: &[S], support: &[usize], out: &mut [S]) {
        let alpha = theta[0].exp();
        self.core
            .apply_with(x, out, |_| alpha, S::zero(), Some(support));
    }
}

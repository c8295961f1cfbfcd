//! [`WeightedLasso`]: `1/(2n)‖y − Xβ‖² + Σ_j α_j|β_j|`.

use super::check_penalty;
use super::l1l2::{penalized_least_squares_cd_model, PenalizedLeastSquares};
use crate::{Design, FixedPointMap, LeastSquares, OptimError};
use hypergrad_ad::Scalar;
use ndarray::ArrayView1;

/// The weighted Lasso `P(β) = 1/(2n)‖y − Xβ‖² + Σ_j α_j|β_j|`, one penalty `α_j > 0` per
/// feature (sparse-ho's `WeightedLasso`).
///
/// As a [`FixedPointMap`]: one cyclic coordinate-descent sweep with `θ_j = log α_j`
/// (p hyperparameters), `β_j ← st(β_j + X_jᵀr/(n L_j), α_j/L_j)`.
#[derive(Clone, Debug)]
pub struct WeightedLasso {
    core: PenalizedLeastSquares,
}

impl WeightedLasso {
    /// Checks the data and the penalties (p of them, each finite and `> 0`).
    pub fn new(design: Design, y: ArrayView1<'_, f64>, alphas: &[f64]) -> Result<Self, OptimError> {
        Self::from_loss(LeastSquares::new(design, y)?, alphas)
    }

    /// A weighted Lasso on an already checked data fit.
    pub fn from_loss(loss: LeastSquares, alphas: &[f64]) -> Result<Self, OptimError> {
        check_alphas(alphas, loss.n_features())?;
        Ok(Self {
            core: PenalizedLeastSquares::new(loss, alphas.to_vec(), 0.0),
        })
    }

    /// Changes the penalties (checked).
    pub fn set_alphas(&mut self, alphas: &[f64]) -> Result<(), OptimError> {
        check_alphas(alphas, self.core.loss.n_features())?;
        self.core.l1.copy_from_slice(alphas);
        Ok(())
    }

    /// The penalties `α_j`.
    pub fn alphas(&self) -> &[f64] {
        &self.core.l1
    }

    /// `θ_j = log α_j`.
    pub fn theta(&self) -> Vec<f64> {
        self.core.l1.iter().map(|a| a.ln()).collect()
    }

    /// The data fit.
    pub fn loss(&self) -> &LeastSquares {
        &self.core.loss
    }

    /// `‖Xᵀy‖∞/n`: with every `α_j ≥` this value the solution is 0 (the exact condition is
    /// `|X_jᵀy|/n ≤ α_j` for all j).
    pub fn alpha_max(&self) -> f64 {
        self.core.loss.alpha_max()
    }

    /// `P(β)`. Panics if `β` does not have p entries.
    pub fn value(&self, beta: &[f64]) -> f64 {
        self.core.value(beta)
    }

    /// The duality gap at the rescaled residual (`|X_jᵀθ|/n ≤ α_j` for every j).
    /// Panics if `β` does not have p entries.
    pub fn duality_gap(&self, beta: &[f64]) -> f64 {
        self.core.duality_gap(beta)
    }
}

fn check_alphas(alphas: &[f64], p: usize) -> Result<(), OptimError> {
    if alphas.len() != p {
        return Err(OptimError::ShapeMismatch {
            what: "alphas",
            expected: p,
            got: alphas.len(),
        });
    }
    alphas
        .iter()
        .try_for_each(|&a| check_penalty("alphas", a, false))
}

penalized_least_squares_cd_model!(WeightedLasso);

impl FixedPointMap for WeightedLasso {
    fn dim_x(&self) -> usize {
        self.core.loss.n_features()
    }
    fn dim_theta(&self) -> usize {
        self.core.loss.n_features()
    }
    fn apply<S: Scalar>(&self, x: &[S], theta: &[S], out: &mut [S]) {
        self.core
            .apply_with(x, out, |j| theta[j].exp(), S::zero(), None);
    }
    fn apply_on_support<S: Scalar>(&self, x: &[S], theta: &[S], support: &[usize], out: &mut [S]) {
        self.core
            .apply_with(x, out, |j| theta[j].exp(), S::zero(), Some(support));
    }
}

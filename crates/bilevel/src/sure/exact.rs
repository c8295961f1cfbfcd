//! [`Sure`]: SURE with the exact degrees of freedom `|S|` of ℓ1 models.

use super::check_sigma;
use crate::{BilevelError, Criterion};
use hypergrad_ad::Scalar;
use hypergrad_optim::{Design, LeastSquares};
use ndarray::ArrayView1;

/// `SURE(β) = ‖y − Xβ‖² − nσ² + 2σ²|S(β)|`, on the training data `(X, y)`.
///
/// `df = |S|` (the number of non-zero coefficients) is the exact divergence of the Lasso and of
/// the weighted Lasso fit when `X` is in general position; it is piecewise constant in the
/// hyperparameters, so it enters the derivative as a constant. For other models (elastic net,
/// ridge, logistic) it is not the divergence: use [`FdmcSure`](super::FdmcSure).
#[derive(Clone, Debug)]
pub struct Sure {
    fit: LeastSquares,
    sigma: f64,
}

impl Sure {
    /// Checks the data (shapes, finite, non-empty) and `σ > 0`.
    pub fn new(design: Design, y: ArrayView1<'_, f64>, sigma: f64) -> Result<Self, BilevelError> {
        Ok(Self {
            fit: LeastSquares::new(design, y)?,
            sigma: check_sigma(sigma)?,
        })
    }

    /// The noise level σ.
    pub fn sigma(&self) -> f64 {
        self.sigma
    }
}

/// `‖y − Xβ‖² = 2n · (1/(2n))‖y − Xβ‖²`, generic over the scalar.
pub(super) fn squared_residual<S: Scalar>(fit: &LeastSquares, x: &[S]) -> S {
    fit.value(x)
        .scale(S::Real::from_f64(2.0 * fit.n_samples() as f64))
}

impl Criterion for Sure {
    fn dim_x(&self) -> usize {
        self.fit.n_features()
    }
    fn value<S: Scalar>(&self, x: &[S], _theta: &[S]) -> S {
        let n = self.fit.n_samples() as f64;
        let df = x.iter().filter(|v| v.to_f64_value() != 0.0).count() as f64;
        let s2 = self.sigma * self.sigma;
        squared_residual(&self.fit, x) + S::from_f64(s2 * (2.0 * df - n))
    }
}

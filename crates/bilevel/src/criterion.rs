//! [`Criterion`]: the outer objective `C(x, θ)`, generic over the scalar.

use crate::BilevelError;
use hypergrad_ad::Scalar;
use hypergrad_optim::{Design, LeastSquares, Logistic};
use ndarray::ArrayView1;

/// An outer criterion `C(x, θ)`, written once and evaluated on `f64` (value) or on dual
/// numbers (its derivative along a Jacobian column).
pub trait Criterion {
    /// The dimension of `x` the criterion expects.
    fn dim_x(&self) -> usize;
    /// `C(x, θ)`.
    fn value<S: Scalar>(&self, x: &[S], theta: &[S]) -> S;
}

/// Held-out mean squared error `C(x) = ‖y_val − X_val x‖² / n_val`.
#[derive(Clone, Debug)]
pub struct HeldOutMse {
    fit: LeastSquares,
}

impl HeldOutMse {
    /// Checks the validation data (shapes, finite, non-empty).
    pub fn new(design: Design, y: ArrayView1<'_, f64>) -> Result<Self, BilevelError> {
        Ok(Self {
            fit: LeastSquares::new(design, y)?,
        })
    }
}

impl Criterion for HeldOutMse {
    fn dim_x(&self) -> usize {
        self.fit.n_features()
    }
    /// `2 · 1/(2n)‖y − Xx‖²`.
    fn value<S: Scalar>(&self, x: &[S], _theta: &[S]) -> S {
        self.fit.value(x).scale(S::Real::from_f64(2.0))
    }
}

/// Held-out logistic loss `C(x) = 1/n_val Σ log(1 + exp(−yᵢ xᵢᵀx))`, labels ±1.
#[derive(Clone, Debug)]
pub struct HeldOutLogistic {
    fit: Logistic,
}

impl HeldOutLogistic {
    /// Checks the validation data (shapes, finite, non-empty, labels ±1).
    pub fn new(design: Design, y: ArrayView1<'_, f64>) -> Result<Self, BilevelError> {
        Ok(Self {
            fit: Logistic::new(design, y)?,
        })
    }
}

impl Criterion for HeldOutLogistic {
    fn dim_x(&self) -> usize {
        self.fit.n_features()
    }
    fn value<S: Scalar>(&self, x: &[S], _theta: &[S]) -> S {
        self.fit.value(x)
    }
}

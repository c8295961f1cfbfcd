//! [`SureTerm`]: the pieces of the SURE family as criteria of one solve's coefficients.

use super::exact::squared_residual;
use crate::Criterion;
use hypergrad_ad::Scalar;
use hypergrad_optim::LeastSquares;

/// `[‖y − Xb‖²] + ⟨b, v⟩ + constant` as a criterion of the coefficients `b` (a linear term
/// `⟨Xb, w⟩` is passed as `v = Xᵀw`).
#[derive(Clone, Debug)]
pub(super) struct SureTerm {
    residual: Option<LeastSquares>,
    linear: Vec<f64>,
    constant: f64,
}

impl SureTerm {
    /// `‖y − Xb‖² + ⟨b, v⟩ + constant`.
    pub(super) fn residual(fit: LeastSquares, v: Vec<f64>, constant: f64) -> Self {
        Self {
            residual: Some(fit),
            linear: v,
            constant,
        }
    }

    /// `⟨b, v⟩`.
    pub(super) fn linear(v: Vec<f64>) -> Self {
        Self {
            residual: None,
            linear: v,
            constant: 0.0,
        }
    }
}

impl Criterion for SureTerm {
    fn dim_x(&self) -> usize {
        self.linear.len()
    }
    fn value<S: Scalar>(&self, x: &[S], _theta: &[S]) -> S {
        let linear = x
            .iter()
            .zip(&self.linear)
            .fold(S::from_f64(self.constant), |acc, (&b, &v)| {
                acc + b.scale(S::Real::from_f64(v))
            });
        match &self.residual {
            Some(fit) => squared_residual(fit, x) + linear,
            None => linear,
        }
    }
}

//! [`SureTerm`]: the pieces of the SURE family as criteria of one solve's coefficients.

use super::exact::squared_residual;
use crate::Criterion;
use hypergrad_ad::Scalar;
use hypergrad_optim::LeastSquares;

/// `[Σ_t ‖y_t − Xb_t‖²] + ⟨B, V⟩ + constant` as a criterion of the coefficients `B` (p × T,
/// flattened row-major: `x[j·T + t] = B_jt`, one task per fit; a single task is `T = 1`). A
/// linear term `⟨XB, W⟩_F` is passed as `V = XᵀW`, flattened the same way.
#[derive(Clone, Debug)]
pub(super) struct SureTerm {
    /// One fit per task (empty: no residual term).
    residual: Vec<LeastSquares>,
    linear: Vec<f64>,
    constant: f64,
}

impl SureTerm {
    /// `Σ_t ‖y_t − Xb_t‖² + ⟨B, V⟩ + constant`, one fit per task.
    pub(super) fn residual(fits: Vec<LeastSquares>, v: Vec<f64>, constant: f64) -> Self {
        Self {
            residual: fits,
            linear: v,
            constant,
        }
    }

    /// `⟨B, V⟩`.
    pub(super) fn linear(v: Vec<f64>) -> Self {
        Self {
            residual: Vec::new(),
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
        let tasks = self.residual.len();
        let residual = match tasks {
            0 => S::zero(),
            1 => squared_residual(&self.residual[0], x),
            _ => self
                .residual
                .iter()
                .enumerate()
                .map(|(t, fit)| {
                    let column: Vec<S> = x.iter().skip(t).step_by(tasks).copied().collect();
                    squared_residual(fit, &column)
                })
                .sum(),
        };
        residual + linear
    }
}

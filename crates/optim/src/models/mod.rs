//! Regularized linear models with scikit-learn / sparse-ho scaling: objective value, duality
//! gap, `alpha_max`, a [`CoordinateDescentModel`](crate::CoordinateDescentModel) fast path and,
//! for the coordinate-descent models, a [`FixedPointMap`](crate::FixedPointMap) (one cyclic sweep,
//! hyperparameters in log scale `θ = log α`).

mod cholesky;
mod elastic_net;
mod group_lasso;
mod l1l2;
mod lasso;
mod ridge;
mod sparse_logistic;
mod weighted_lasso;

pub use elastic_net::ElasticNet;
pub use group_lasso::GroupLasso;
pub use lasso::Lasso;
pub use ridge::Ridge;
pub use sparse_logistic::SparseLogistic;
pub use weighted_lasso::WeightedLasso;

use crate::OptimError;

/// Checks a penalty weight: finite, and `> 0` (or `≥ 0` when `allow_zero`).
pub(crate) fn check_penalty(
    name: &'static str,
    value: f64,
    allow_zero: bool,
) -> Result<(), OptimError> {
    let ok = value.is_finite() && (value > 0.0 || (allow_zero && value == 0.0));
    if ok {
        Ok(())
    } else {
        Err(OptimError::InvalidParameter {
            name,
            value,
            reason: if allow_zero {
                "must be finite and ≥ 0"
            } else {
                "must be finite and > 0"
            },
        })
    }
}

/// The duality gap of a least-squares model at the dual point `c·r` (the residual rescaled to be
/// feasible), in the 1/n scaling: `½(1 + c²)·q + penalty − c·rᵀy/n`, where `q = ‖r‖²/n` (plus
/// `b‖β‖²` for an elastic net, whose augmented residual is longer) and `penalty` is the
/// non-smooth penalty at β.
pub(crate) fn rescaled_residual_gap(q: f64, r_dot_y_over_n: f64, penalty: f64, c: f64) -> f64 {
    0.5 * (1.0 + c * c) * q + penalty - c * r_dot_y_over_n
}

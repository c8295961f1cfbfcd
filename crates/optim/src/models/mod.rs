//! Regularized linear models with scikit-learn / sparse-ho scaling: objective value, duality
//! gap, `alpha_max`, a [`CoordinateDescentModel`](crate::CoordinateDescentModel) fast path and
//! a [`FixedPointMap`](crate::FixedPointMap) (one cyclic sweep) with its fast solve (working-set
//! coordinate descent; proximal Newton for the sparse logistic regression; a direct
//! factorization for ridge), support and non-degeneracy margin. A model holds the data only: the penalties are always given as
//! log-hyperparameters `θ = log α`, so one model serves every α and can be shared.
//!
//! | model | objective | penalties | θ |
//! | --- | --- | --- | --- |
//! | [`Lasso`] | `1/(2n)‖y − Xβ‖² + α‖β‖₁` | `α > 0` | `[log α]` |
//! | [`ElasticNet`] | `… + α₁‖β‖₁ + α₂/2 ‖β‖²` | `α₁ > 0`, `α₂ ≥ 0` | `[log α₁, log α₂]` |
//! | [`ElasticNet::with_l1_ratio`] | `… + αr‖β‖₁ + α(1 − r)/2 ‖β‖²` (r fixed) | `α > 0`, `r ∈ (0, 1]` | `[log α]` |
//! | [`WeightedLasso`] | `… + Σ_j α_j|β_j|` | every `α_j > 0` | `log α_j` (p) |
//! | [`GroupLasso`] | `… + α Σ_g ‖β_g‖₂` | `α > 0` | `[log α]` |
//! | [`MultiTaskLasso`] | `1/(2n)‖Y − XB‖_F² + α Σ_j ‖B_j‖₂` | `α > 0` | `[log α]` |
//! | [`SparseLogistic`] | `1/n Σ log(1 + exp(−yᵢ(xᵢᵀβ + b))) + α‖β‖₁` (b optional, unpenalized) | `α > 0` | `[log α]` |
//! | [`Ridge`] | `1/(2n)‖y − Xβ‖² + ½ Σ_j α_j β_j²` (closed form) | every `α_j > 0` | `[log α]` or `log α_j` (p) |
//!
//! `α = 0` is refused for the ℓ1 models: the duality gap that stops their solver rescales the
//! residual into the dual ball `‖Xᵀθ‖∞ ≤ α`, empty of useful points at 0 (and the problem is
//! then plain least squares, which [`Ridge`] with `α = 0` solves when `XᵀX` is invertible).

mod cholesky;
mod elastic_net;
mod group_lasso;
mod l1l2;
mod l1l2_sweep;
mod lasso;
mod multitask_lasso;
mod ridge;
mod ridge_system;
pub(crate) mod sparse;
mod sparse_logistic;
mod support_system;
mod weighted_lasso;

pub use l1l2::L1L2Penalty;

pub use elastic_net::ElasticNet;
pub use group_lasso::GroupLasso;
pub use lasso::Lasso;
pub use multitask_lasso::MultiTaskLasso;
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

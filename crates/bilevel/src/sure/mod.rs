//! Stein's unbiased risk estimate (SURE) and its relatives, for selecting the regularization of
//! a least-squares model without validation data, given the noise level σ.
//!
//! Setting: `y = Xβ* + ε`, `ε ~ N(0, σ²Iₙ)`, prediction `μ̂(y) = Xβ̂(y)`. Then
//!
//! `SURE(y) = ‖y − μ̂(y)‖² − nσ² + 2σ²·df(y)`, `df = tr ∂μ̂/∂y`,
//!
//! is an unbiased estimate of the prediction risk `E‖μ̂(y) − Xβ*‖²` (Stein 1981). It is kept
//! un-normalized, as in the seed talks and sparse-ho. Three estimates of df:
//! - [`Sure`]: the exact `df = |S|` of the Lasso and the weighted Lasso (Zou, Hastie &
//!   Tibshirani 2007), a criterion like any other;
//! - [`MonteCarloSure`]: the Monte-Carlo estimate `df ≈ ⟨J_y μ̂ · z, z⟩`, `z ~ N(0, Iₙ)`
//!   (Ramani et al. 2008), with the Jacobian in `y` computed exactly on the support, for
//!   least-squares models with ℓ1 / ℓ2 penalties ([`LinearOnSupport`]);
//! - [`FdmcSure`]: the finite-difference Monte-Carlo estimate
//!   `df ≈ ⟨μ̂(y + δz) − μ̂(y), z⟩/δ`, `z ~ N(0, Iₙ)` (Ramani et al. 2008; Deledalle et al.
//!   2014), valid for any model, whose hypergradient is SUGAR: the sum of two ordinary
//!   hypergradients, one through each solve.

mod exact;
mod finite_difference;
mod monte_carlo;
mod term;

pub use exact::Sure;
pub use finite_difference::{FdmcSure, Perturbation};
pub use monte_carlo::{LinearOnSupport, MonteCarloSure};

use crate::BilevelError;

/// `σ` if it is positive and finite.
fn check_sigma(sigma: f64) -> Result<f64, BilevelError> {
    if sigma > 0.0 && sigma.is_finite() {
        Ok(sigma)
    } else {
        Err(BilevelError::InvalidParameter {
            name: "sigma",
            value: sigma,
            reason: "the noise level must be positive and finite",
        })
    }
}

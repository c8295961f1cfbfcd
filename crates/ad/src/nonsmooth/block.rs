//! Block soft-thresholding, the prox of `τ‖·‖₂` on one group: the building block of the ℓ2,1
//! norm `Σ_g ‖x_g‖₂` (group Lasso, multitask Lasso).
//!
//! `bst(x, τ) = x·max(1 − τ/‖x‖₂, 0)`. On the active region `‖x‖ > τ` its Jacobian is
//! `∂bst/∂x = (1 − τ/‖x‖)·I + τ·x xᵀ/‖x‖³` (symmetric, so the JVP in `x` is also the VJP) and
//! `∂bst/∂τ = −x/‖x‖`; on `‖x‖ < τ` both are 0.

use super::{check_len, check_nonneg, Kink};
use crate::Scalar;
use ndarray::Array2;

/// Block soft-thresholding `out = x·max(1 − τ/‖x‖₂, 0)`, the prox of `τ‖·‖₂`, for `τ ≥ 0`.
///
/// At the kink `‖x‖ = τ` the zero branch is selected (Jacobian 0, the limit from inside the
/// ball); a zero group gives a zero output with zero Jacobian.
///
/// ```
/// use hypergrad_ad::nonsmooth::block_soft_threshold;
/// let mut out = [0.0; 2];
/// block_soft_threshold(&[3.0, 4.0], 2.5, &mut out);
/// assert_eq!(out, [1.5, 2.0]);
/// ```
///
/// # Panics
/// If `out.len() != x.len()` or `τ < 0`.
pub fn block_soft_threshold<S: Scalar>(x: &[S], tau: S, out: &mut [S]) {
    block_soft_threshold_with(x, tau, Kink::Inactive, out);
}

/// [`block_soft_threshold`] with an explicit selection at the kink `‖x‖ = τ > 0`:
/// [`Kink::Active`] differentiates the shrinking branch `x(1 − τ/‖x‖)` there (Jacobian
/// `x xᵀ/τ²` in `x`, `−x/τ` in `τ`, the limit from outside the ball). At `x = 0` the zero branch
/// is always taken (the shrinking branch is undefined there).
///
/// # Panics
/// If `out.len() != x.len()` or `τ < 0`.
pub fn block_soft_threshold_with<S: Scalar>(x: &[S], tau: S, kink: Kink, out: &mut [S]) {
    check_len("block_soft_threshold", "out", out.len(), x.len());
    check_nonneg("block_soft_threshold", "tau", tau.to_f64_value());
    if is_active(primal_norm(x), tau.to_f64_value(), kink) {
        // The generic norm is formed only here, where it is positive: a recorded √ at 0 (infinite
        // partial) would put 0·∞ = NaN into a reverse sweep even on the unused branch.
        let factor = S::one() - tau * generic_norm(x).recip();
        for (o, &xi) in out.iter_mut().zip(x) {
            *o = xi * factor;
        }
    } else {
        out.fill(S::zero());
    }
}

/// `‖x‖₂` on the primal values, for branching (the same operations as [`generic_norm`]).
pub(crate) fn primal_norm<S: Scalar>(x: &[S]) -> f64 {
    x.iter()
        .map(|v| v.to_f64_value().powi(2))
        .sum::<f64>()
        .sqrt()
}

/// `‖x‖₂` in the scalar type; call it only where `‖x‖ > 0` (see [`block_soft_threshold_with`]).
pub(crate) fn generic_norm<S: Scalar>(x: &[S]) -> S {
    x.iter().map(|&v| v * v).sum::<S>().sqrt()
}

/// Whether the shrinking branch is selected at `‖x‖ = n`.
fn is_active(n: f64, tau: f64, kink: Kink) -> bool {
    match kink {
        Kink::Inactive => n > tau,
        Kink::Active => n >= tau && n > 0.0,
    }
}

/// The Jacobian of [`block_soft_threshold`] applied to tangents `(dx, dτ)`: on `‖x‖ > τ`,
/// `out = (1 − τ/‖x‖)·dx + x·(τ·xᵀdx/‖x‖³ − dτ/‖x‖)`, else 0.
///
/// # Panics
/// If `dx` or `out` differ in length from `x`.
pub fn block_soft_threshold_jvp(x: &[f64], tau: f64, dx: &[f64], dtau: f64, out: &mut [f64]) {
    check_len("block_soft_threshold_jvp", "dx", dx.len(), x.len());
    check_len("block_soft_threshold_jvp", "out", out.len(), x.len());
    let n = primal_norm(x);
    if !is_active(n, tau, Kink::Inactive) {
        out.fill(0.0);
        return;
    }
    let xdx: f64 = x.iter().zip(dx).map(|(a, b)| a * b).sum();
    let factor = 1.0 - tau / n;
    let radial = tau * xdx / (n * n * n) - dtau / n;
    for ((o, &xi), &dxi) in out.iter_mut().zip(x).zip(dx) {
        *o = factor * dxi + xi * radial;
    }
}

/// The Jacobian of [`block_soft_threshold`] as a matrix and a column: `(∂bst/∂x, ∂bst/∂τ)` with
/// `∂bst/∂x = (1 − τ/‖x‖)·I + τ·x xᵀ/‖x‖³` and `∂bst/∂τ = −x/‖x‖` on `‖x‖ > τ`, zero otherwise.
///
/// ```
/// use hypergrad_ad::nonsmooth::block_soft_threshold_jacobian;
/// let (jx, jtau) = block_soft_threshold_jacobian(&[3.0, 4.0], 2.5);
/// assert!((jx[[0, 1]] - 2.5 * 12.0 / 125.0).abs() < 1e-15);
/// assert_eq!(jtau, vec![-0.6, -0.8]);
/// ```
pub fn block_soft_threshold_jacobian(x: &[f64], tau: f64) -> (Array2<f64>, Vec<f64>) {
    let n = x.len();
    let mut jx = Array2::zeros((n, n));
    let mut jtau = vec![0.0; n];
    let norm = primal_norm(x);
    if is_active(norm, tau, Kink::Inactive) {
        let (factor, c) = (1.0 - tau / norm, tau / (norm * norm * norm));
        for i in 0..n {
            for j in 0..n {
                jx[[i, j]] = c * x[i] * x[j];
            }
            jx[[i, i]] += factor;
            jtau[i] = -x[i] / norm;
        }
    }
    (jx, jtau)
}

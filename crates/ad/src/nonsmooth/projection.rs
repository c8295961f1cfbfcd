//! Euclidean projections onto a box, the non-negative orthant and the ℓ2 ball.
//!
//! On the boundary of the set every projection here selects the interior branch (the identity),
//! the limit of the Jacobian from inside the set; it pairs with the zero-branch selection of
//! soft-thresholding and block soft-thresholding through the Moreau identity
//! `prox_f(x) + P_C(x) = x` (`f = τ‖·‖₁`, `C = [−τ, τ]ⁿ`; `f = τ‖·‖₂`, `C = τB₂`), so that the
//! selected Jacobians of both sides also sum to the identity.

use super::block::{generic_norm, primal_norm};
use super::elementary::clamp_jacobian;
use super::{check_len, check_nonneg};
use crate::elementwise::Clip;
use crate::Scalar;
use num_traits::Zero;

/// Projection onto the box `[lo, hi]ⁿ`: `out[i] = clamp(x[i], lo, hi)` (see
/// [`clamp`](super::clamp) for the boundary selection), differentiable in `x`, `lo` and `hi`; through
/// [`Scalar::map_slice`] (one node on a tape).
///
/// # Panics
/// If `out.len() != x.len()` or `lo > hi`.
pub fn project_box<S: Scalar>(x: &[S], lo: S, hi: S, out: &mut [S]) {
    check_len("project_box", "out", out.len(), x.len());
    let (l, h) = (lo.part(0), hi.part(0));
    assert!(l <= h, "nonsmooth::clamp: empty interval [{l}, {h}]");
    S::map_slice(&Clip, x, &[lo, hi], out);
}

/// The Jacobian of [`project_box`] applied to `(dx, dlo, dhi)`: `dxᵢ` inside (boundary
/// included), `dlo` below, `dhi` above.
///
/// # Panics
/// If `dx` or `out` differ in length from `x`.
pub fn project_box_jvp(
    x: &[f64],
    lo: f64,
    hi: f64,
    dx: &[f64],
    dlo: f64,
    dhi: f64,
    out: &mut [f64],
) {
    check_len("project_box_jvp", "dx", dx.len(), x.len());
    check_len("project_box_jvp", "out", out.len(), x.len());
    for ((o, &xi), &dxi) in out.iter_mut().zip(x).zip(dx) {
        let (jx, jl, jh) = clamp_jacobian(xi, lo, hi);
        *o = jx * dxi + jl * dlo + jh * dhi;
    }
}

/// Projection onto the non-negative orthant: `out[i] = max(x[i], 0)`, with the identity selected
/// at `x[i] = 0` (unlike [`relu`](super::relu), whose selection there is 0).
///
/// # Panics
/// If `out.len() != x.len()`.
pub fn project_nonneg<S: Scalar>(x: &[S], out: &mut [S]) {
    check_len("project_nonneg", "out", out.len(), x.len());
    for (o, &xi) in out.iter_mut().zip(x) {
        *o = if xi.value() < S::Real::zero() {
            S::zero()
        } else {
            xi
        };
    }
}

/// The Jacobian of [`project_nonneg`] applied to `dx`: `out[i] = 1{x[i] ≥ 0}·dx[i]`.
///
/// # Panics
/// If `dx` or `out` differ in length from `x`.
pub fn project_nonneg_jvp(x: &[f64], dx: &[f64], out: &mut [f64]) {
    check_len("project_nonneg_jvp", "dx", dx.len(), x.len());
    check_len("project_nonneg_jvp", "out", out.len(), x.len());
    for ((o, &xi), &dxi) in out.iter_mut().zip(x).zip(dx) {
        *o = if xi < 0.0 { 0.0 } else { dxi };
    }
}

/// Projection onto the ℓ2 ball of radius `r ≥ 0`: `x` if `‖x‖₂ ≤ r`, else `r·x/‖x‖₂`,
/// differentiable in `x` and `r`. On the sphere `‖x‖ = r` the identity is selected.
///
/// # Panics
/// If `out.len() != x.len()` or `r < 0`.
pub fn project_l2_ball<S: Scalar>(x: &[S], radius: S, out: &mut [S]) {
    check_len("project_l2_ball", "out", out.len(), x.len());
    check_nonneg("project_l2_ball", "radius", radius.to_f64_value());
    if primal_norm(x) <= radius.to_f64_value() {
        out.copy_from_slice(x);
    } else {
        // ‖x‖ > r ≥ 0 here: the generic norm is formed only where √ is differentiable.
        let factor = radius * generic_norm(x).recip();
        for (o, &xi) in out.iter_mut().zip(x) {
            *o = xi * factor;
        }
    }
}

/// The Jacobian of [`project_l2_ball`] applied to `(dx, dr)`: `dx` inside the ball (sphere
/// included); outside, `(r/‖x‖)·(dx − x·xᵀdx/‖x‖²) + x·dr/‖x‖`.
///
/// # Panics
/// If `dx` or `out` differ in length from `x`.
pub fn project_l2_ball_jvp(x: &[f64], radius: f64, dx: &[f64], dradius: f64, out: &mut [f64]) {
    check_len("project_l2_ball_jvp", "dx", dx.len(), x.len());
    check_len("project_l2_ball_jvp", "out", out.len(), x.len());
    let n = primal_norm(x);
    if n <= radius {
        out.copy_from_slice(dx);
        return;
    }
    let xdx: f64 = x.iter().zip(dx).map(|(a, b)| a * b).sum();
    let radial = (dradius - radius * xdx / (n * n)) / n;
    for ((o, &xi), &dxi) in out.iter_mut().zip(x).zip(dx) {
        *o = radius / n * dxi + xi * radial;
    }
}

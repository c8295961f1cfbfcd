//! Soft-thresholding, the prox of `τ|·|`, and the maps built from it: the vector and weighted
//! forms (prox of `τ‖·‖₁` and of `τ Σ wᵢ|xᵢ|`) and the elastic-net prox.
//!
//! `st(x, τ) = sign(x)·max(|x| − τ, 0)`, with the generalized derivative (a = 1{|x| > τ}):
//! `∂st/∂x = a`, `∂st/∂τ = −sign(x)·a`. At the kink `|x| = τ` the default selection
//! ([`Kink::Inactive`]) is the derivative of the zero branch; [`Kink::Active`] selects the
//! derivative of the shrinking branch. Both are the one-sided limits, hence in the Clarke Jacobian.

use super::{check_len, check_nonneg, Kink};
use crate::elementwise::SoftThreshold;
use crate::Scalar;
use num_traits::Zero;

/// Soft-thresholding, the prox of `τ|·|`: `st(x, τ) = sign(x)·max(|x| − τ, 0)`, for `τ ≥ 0`.
///
/// Derivatives: `∂st/∂x = 1{|x| > τ}`, `∂st/∂τ = −sign(x)·1{|x| > τ}`. At the kink `|x| = τ`
/// the zero branch is selected (both derivatives 0), an element of the Clarke Jacobian.
/// A NaN in `x` or `τ` gives NaN.
///
/// # Panics
/// If `τ < 0`: the formula would return a number (`st(x, −1) = x + sign(x)`, not a prox) for
/// what is always a caller's bug. One comparison, next to the two the branch needs anyway; the
/// slice form [`soft_threshold_slice`] checks once per call. Validate user input at the API
/// boundary, where a typed error can be returned.
///
/// ```
/// use hypergrad_ad::{nonsmooth::soft_threshold, Dual};
/// let y = soft_threshold(Dual::variable(3.0_f64), Dual::constant(1.0));
/// assert_eq!((y.re, y.eps), (2.0, 1.0));
/// ```
#[inline]
pub fn soft_threshold<S: Scalar>(x: S, tau: S) -> S {
    soft_threshold_with(x, tau, Kink::Inactive)
}

/// [`soft_threshold`] with an explicit selection at the kink `|x| = τ`: [`Kink::Inactive`] returns
/// the zero branch, [`Kink::Active`] the branch `x ∓ τ` (same value 0, derivatives `1` and
/// `−sign(x)`; at `x = τ = 0` the `x − τ` branch).
///
/// # Panics
/// If `τ < 0` (see [`soft_threshold`]).
#[inline]
pub fn soft_threshold_with<S: Scalar>(x: S, tau: S, kink: Kink) -> S {
    let (xv, tv) = (x.value(), tau.value());
    if tv < S::Real::zero() {
        negative_threshold(tv.to_f64_value());
    }
    let (above, below) = match kink {
        Kink::Inactive => (xv > tv, xv < -tv),
        Kink::Active => (xv >= tv, xv <= -tv),
    };
    if above {
        x - tau
    } else if below || x.is_nan() || tau.is_nan() {
        // A NaN in `x` or `τ` propagates instead of becoming 0.
        x + tau
    } else {
        S::zero()
    }
}

/// The panic of a negative threshold, out of line to keep the inner loop small.
#[cold]
#[inline(never)]
#[track_caller]
fn negative_threshold(tau: f64) -> ! {
    panic!("nonsmooth::soft_threshold: `tau` must be non-negative, got {tau}")
}

/// `(∂st/∂x, ∂st/∂τ)` of [`soft_threshold`] in `f64`: the 0/1 support mask and `−sign(x)·mask`.
#[inline]
pub fn soft_threshold_jacobian(x: f64, tau: f64) -> (f64, f64) {
    soft_threshold_jacobian_with(x, tau, Kink::Inactive)
}

/// `(∂st/∂x, ∂st/∂τ)` of [`soft_threshold_with`] with the same selection at the kink.
#[inline]
pub fn soft_threshold_jacobian_with(x: f64, tau: f64, kink: Kink) -> (f64, f64) {
    let (above, below) = match kink {
        Kink::Inactive => (x > tau, x < -tau),
        Kink::Active => (x >= tau, x <= -tau),
    };
    if above {
        (1.0, -1.0)
    } else if below {
        (1.0, 1.0)
    } else {
        (0.0, 0.0)
    }
}

/// The prox of `τ‖·‖₁`: `out[i] = st(x[i], τ)`, through [`Scalar::map_slice`] (one node on a
/// tape).
///
/// # Panics
/// If `out.len() != x.len()` or `τ < 0`.
pub fn soft_threshold_slice<S: Scalar>(x: &[S], tau: S, out: &mut [S]) {
    check_len("soft_threshold_slice", "out", out.len(), x.len());
    // `part(0)` reads the primal without marking a tape as value-dependent: a check, not a branch.
    check_nonneg("soft_threshold_slice", "tau", tau.part(0));
    S::map_slice(&SoftThreshold::default(), x, &[tau], out);
}

/// The Jacobian of [`soft_threshold_slice`] applied to tangents `(dx, dτ)`:
/// `out[i] = aᵢ·(dxᵢ − sign(xᵢ)·dτ)` with `aᵢ = 1{|xᵢ| > τ}`.
///
/// # Panics
/// If `dx` or `out` differ in length from `x`.
pub fn soft_threshold_slice_jvp(x: &[f64], tau: f64, dx: &[f64], dtau: f64, out: &mut [f64]) {
    check_len("soft_threshold_slice_jvp", "dx", dx.len(), x.len());
    check_len("soft_threshold_slice_jvp", "out", out.len(), x.len());
    for ((o, &xi), &dxi) in out.iter_mut().zip(x).zip(dx) {
        let (jx, jt) = soft_threshold_jacobian(xi, tau);
        *o = jx * dxi + jt * dtau;
    }
}

/// The prox of `τ Σ wᵢ|xᵢ|` (weighted Lasso): `out[i] = st(x[i], τ·w[i])`, differentiable in `x`,
/// `τ` and every weight `wᵢ ≥ 0`. Kink selection as [`soft_threshold`] (at `|xᵢ| = τwᵢ`).
/// Through [`Scalar::map_zip`]: one node for the thresholds on a tape.
///
/// # Panics
/// If `weights` or `out` differ in length from `x`, `τ < 0` or a weight is negative.
pub fn weighted_soft_threshold<S: Scalar>(x: &[S], tau: S, weights: &[S], out: &mut [S]) {
    check_len("weighted_soft_threshold", "weights", weights.len(), x.len());
    check_len("weighted_soft_threshold", "out", out.len(), x.len());
    check_nonneg("weighted_soft_threshold", "tau", tau.part(0));
    for w in weights {
        check_nonneg("weighted_soft_threshold", "weights[i]", w.part(0));
    }
    let thresholds: Vec<S> = weights.iter().map(|&w| tau * w).collect();
    S::map_zip(&SoftThreshold::default(), x, &thresholds, &[], out);
}

/// The Jacobian of [`weighted_soft_threshold`] applied to tangents `(dx, dτ, dw)`:
/// `out[i] = aᵢ·(dxᵢ − sign(xᵢ)·(dτ·wᵢ + τ·dwᵢ))` with `aᵢ = 1{|xᵢ| > τwᵢ}`.
///
/// # Panics
/// If `weights`, `dx`, `dweights` or `out` differ in length from `x`.
pub fn weighted_soft_threshold_jvp(
    x: &[f64],
    tau: f64,
    weights: &[f64],
    dx: &[f64],
    dtau: f64,
    dweights: &[f64],
    out: &mut [f64],
) {
    let f = "weighted_soft_threshold_jvp";
    check_len(f, "weights", weights.len(), x.len());
    check_len(f, "dx", dx.len(), x.len());
    check_len(f, "dweights", dweights.len(), x.len());
    check_len(f, "out", out.len(), x.len());
    for i in 0..x.len() {
        let (jx, jt) = soft_threshold_jacobian(x[i], tau * weights[i]);
        out[i] = jx * dx[i] + jt * (dtau * weights[i] + tau * dweights[i]);
    }
}

/// The elastic-net prox, the prox of `τ₁|·| + τ₂/2 (·)²`: `st(x, τ₁) / (1 + τ₂)`, for
/// `τ₁, τ₂ ≥ 0`. Kink selection as [`soft_threshold`].
#[inline]
pub fn elastic_net_prox<S: Scalar>(x: S, tau1: S, tau2: S) -> S {
    // A product with the reciprocal (not a division) so that every scalar type computes the
    // primal with the same IEEE operations.
    soft_threshold(x, tau1) * (S::one() + tau2).recip()
}

/// `[∂/∂x, ∂/∂τ₁, ∂/∂τ₂]` of [`elastic_net_prox`]:
/// `[a/(1+τ₂), −sign(x)·a/(1+τ₂), −st(x, τ₁)/(1+τ₂)²]` with `a = 1{|x| > τ₁}`.
#[inline]
pub fn elastic_net_prox_jacobian(x: f64, tau1: f64, tau2: f64) -> [f64; 3] {
    let (jx, jt) = soft_threshold_jacobian(x, tau1);
    let r = (1.0 + tau2).recip();
    [jx * r, jt * r, -soft_threshold(x, tau1) * r * r]
}

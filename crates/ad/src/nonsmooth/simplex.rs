//! Projections onto the simplex and the ℓ1 ball, and the prox of `τ‖·‖∞` by the Moreau identity.
//!
//! All three rest on one computation: the projection of `a ∈ ℝⁿ` onto the scaled simplex
//! `Δ_r = {z ≥ 0, Σ zᵢ = r}` is `zᵢ = max(aᵢ − θ, 0)` with `θ` the unique root of
//! `Σ max(aᵢ − θ, 0) = r`. Sorting `a` decreasingly (`u₁ ≥ u₂ ≥ …`), the support size is
//! `k = max{j : j·u_j > Σ_{i≤j} uᵢ − r}` and `θ = (Σ_{i≤k} uᵢ − r)/k`.
//!
//! For generic scalars the support `A` is found on the primal values, then `θ` is recomputed from
//! its closed form `θ = (Σ_{i∈A} aᵢ − r)/|A|` in the scalar type, so every AD mode gets the
//! Jacobian `∂z/∂a = diag(1_A) − 1_A 1_Aᵀ/|A|`, `∂z/∂r = 1_A/|A|`. Entries tied with `θ`
//! (`aᵢ = θ`, where `z` is not differentiable) are left out of `A`, the selection that treats
//! them as clipped; equal entries are never split between `A` and its complement.

use super::{check_len, check_nonneg};
use crate::Scalar;

/// The support `A` of the projection of `a` onto `Δ_r`, in decreasing order of `a` (empty when
/// `r = 0`).
fn simplex_support(a: &[f64], radius: f64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..a.len()).collect();
    order.sort_by(|&i, &j| a[j].total_cmp(&a[i]));
    let mut cumsum = 0.0;
    let mut k = 0;
    for (j, &i) in order.iter().enumerate() {
        cumsum += a[i];
        if a[i] * (j + 1) as f64 > cumsum - radius {
            k = j + 1;
        }
    }
    order.truncate(k);
    order
}

/// Projection of `a` onto `Δ_r` (see the module doc), shared by the simplex and ℓ1-ball forms.
fn project_scaled_simplex<S: Scalar>(a: &[S], radius: S, out: &mut [S]) {
    if a.iter().any(|v| v.is_nan()) || radius.is_nan() {
        out.fill(S::nan());
        return;
    }
    let primal: Vec<f64> = a.iter().map(Scalar::to_f64_value).collect();
    let support = simplex_support(&primal, radius.to_f64_value());
    out.fill(S::zero());
    if support.is_empty() {
        return;
    }
    let sum: S = support.iter().map(|&i| a[i]).sum();
    let theta = (sum - radius) * S::from_f64(support.len() as f64).recip();
    for &i in &support {
        out[i] = a[i] - theta;
    }
}

/// The Jacobian of [`project_scaled_simplex`] applied to `(da, dr)`:
/// `outᵢ = 1{i ∈ A}·(daᵢ − (Σ_{j∈A} da_j − dr)/|A|)`.
fn project_scaled_simplex_jvp(a: &[f64], radius: f64, da: &[f64], dradius: f64, out: &mut [f64]) {
    let support = simplex_support(a, radius);
    out.fill(0.0);
    if support.is_empty() {
        return;
    }
    let dtheta = (support.iter().map(|&i| da[i]).sum::<f64>() - dradius) / support.len() as f64;
    for &i in &support {
        out[i] = da[i] - dtheta;
    }
}

/// Projection onto the probability simplex `{z ≥ 0, Σ zᵢ = 1}` (module doc: algorithm, Jacobian,
/// selection at ties). A NaN entry gives an all-NaN output.
///
/// ```
/// use hypergrad_ad::nonsmooth::project_simplex;
/// let mut z = [0.0; 3];
/// project_simplex(&[1.0, 0.5, -1.0], &mut z);
/// assert_eq!(z, [0.75, 0.25, 0.0]);
/// ```
///
/// # Panics
/// If `out.len() != y.len()` or `y` is empty.
pub fn project_simplex<S: Scalar>(y: &[S], out: &mut [S]) {
    check_len("project_simplex", "out", out.len(), y.len());
    assert!(!y.is_empty(), "nonsmooth::project_simplex: empty input");
    project_scaled_simplex(y, S::one(), out);
}

/// The Jacobian of [`project_simplex`] applied to `dy`: `1_A ⊙ (dy − mean_A(dy))`.
///
/// # Panics
/// If `dy` or `out` differ in length from `y`.
pub fn project_simplex_jvp(y: &[f64], dy: &[f64], out: &mut [f64]) {
    check_len("project_simplex_jvp", "dy", dy.len(), y.len());
    check_len("project_simplex_jvp", "out", out.len(), y.len());
    project_scaled_simplex_jvp(y, 1.0, dy, 0.0, out);
}

/// `(|yᵢ|, sign(yᵢ))` on primal values, with sign 0 at 0 (a zero entry is never in the support).
fn magnitudes<S: Scalar>(y: &[S]) -> (Vec<S>, Vec<f64>) {
    let signs: Vec<f64> = y
        .iter()
        .map(|v| super::abs_jacobian(v.to_f64_value()))
        .collect();
    let mags = y.iter().map(|&v| super::abs(v)).collect();
    (mags, signs)
}

/// Projection onto the ℓ1 ball of radius `r ≥ 0`: `y` if `‖y‖₁ ≤ r` (identity selected on the
/// sphere), else `sign(y) ⊙ P_{Δ_r}(|y|)`, differentiable in `y` and `r`.
///
/// # Panics
/// If `out.len() != y.len()` or `r < 0`.
pub fn project_l1_ball<S: Scalar>(y: &[S], radius: S, out: &mut [S]) {
    check_len("project_l1_ball", "out", out.len(), y.len());
    check_nonneg("project_l1_ball", "radius", radius.to_f64_value());
    let l1: f64 = y.iter().map(|v| v.to_f64_value().abs()).sum();
    if l1 <= radius.to_f64_value() {
        out.copy_from_slice(y);
        return;
    }
    let (mags, signs) = magnitudes(y);
    project_scaled_simplex(&mags, radius, out);
    for (o, s) in out.iter_mut().zip(signs) {
        if s < 0.0 {
            *o = -*o;
        }
    }
}

/// The Jacobian of [`project_l1_ball`] applied to `(dy, dr)`.
///
/// # Panics
/// If `dy` or `out` differ in length from `y`.
pub fn project_l1_ball_jvp(y: &[f64], radius: f64, dy: &[f64], dradius: f64, out: &mut [f64]) {
    check_len("project_l1_ball_jvp", "dy", dy.len(), y.len());
    check_len("project_l1_ball_jvp", "out", out.len(), y.len());
    if y.iter().map(|v| v.abs()).sum::<f64>() <= radius {
        out.copy_from_slice(dy);
        return;
    }
    let (mags, signs) = magnitudes(y);
    let dmags: Vec<f64> = dy.iter().zip(&signs).map(|(d, s)| d * s).collect();
    project_scaled_simplex_jvp(&mags, radius, &dmags, dradius, out);
    for (o, s) in out.iter_mut().zip(signs) {
        *o *= s;
    }
}

/// The prox of `τ‖·‖∞` by the Moreau identity: `prox_{τ‖·‖∞}(x) = x − P_{τB₁}(x)` (the conjugate
/// of `τ‖·‖∞` is the indicator of the ℓ1 ball of radius `τ`). Selections follow
/// [`project_l1_ball`]: for `‖x‖₁ ≤ τ` the output is 0 with Jacobian 0.
///
/// # Panics
/// If `out.len() != x.len()` or `τ < 0`.
pub fn prox_linf<S: Scalar>(x: &[S], tau: S, out: &mut [S]) {
    check_len("prox_linf", "out", out.len(), x.len());
    project_l1_ball(x, tau, out);
    for (o, &xi) in out.iter_mut().zip(x) {
        *o = xi - *o;
    }
}

/// The Jacobian of [`prox_linf`] applied to `(dx, dτ)`: `dx − J_{P_{τB₁}}·(dx, dτ)`.
///
/// # Panics
/// If `dx` or `out` differ in length from `x`.
pub fn prox_linf_jvp(x: &[f64], tau: f64, dx: &[f64], dtau: f64, out: &mut [f64]) {
    project_l1_ball_jvp(x, tau, dx, dtau, out);
    for (o, &d) in out.iter_mut().zip(dx) {
        *o = d - *o;
    }
}

//! Conservative-Jacobian primitives for non-smooth maps: proximal operators, projections, kinks.
//!
//! Every primitive is generic over [`Scalar`] and branches on the primal value, so any AD mode
//! differentiates it to an element of a conservative Jacobian (Bolte–Pauwels): the derivative of
//! the selected branch. The selection at a kink is documented on each function.

use crate::Scalar;

/// Soft-thresholding, the prox of `τ|·|`: `st(x, τ) = sign(x)·max(|x| − τ, 0)`.
///
/// Derivatives: `∂st/∂x = 1{|x| > τ}`, `∂st/∂τ = −sign(x)·1{|x| > τ}`. At the kink `|x| = τ`
/// the zero branch is selected (both derivatives 0), an element of the Clarke Jacobian.
#[inline]
pub fn soft_threshold<S: Scalar>(x: S, tau: S) -> S {
    let (xv, tv) = (x.value(), tau.value());
    if xv > tv {
        x - tau
    } else if xv < -tv {
        x + tau
    } else {
        S::zero()
    }
}

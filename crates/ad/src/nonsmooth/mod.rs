//! Conservative-Jacobian primitives for non-smooth maps: proximal operators, projections, kinks.
//!
//! Every primitive is generic over [`Scalar`](crate::Scalar) and branches on the primal value
//! ([`Scalar::value`](crate::Scalar::value)), so any AD mode (`f64`, `Dual`, `DualVec`, nested
//! duals, tape variables) differentiates it to the same element of a conservative Jacobian
//! (Bolte–Pauwels): the derivative of the selected branch. The selection at a kink is documented
//! on each function and tested to lie in the Clarke Jacobian.
//!
//! | file | concept |
//! | --- | --- |
//! | [`elementary`] | `abs`, `relu`, `max`, `min`, `clamp` |
//! | [`soft_threshold`](mod@soft_threshold) | prox of `τ|·|`: scalar, vector, weighted, elastic net |
//! | [`block`] | prox of `τ‖·‖₂` on a group (ℓ2,1 norm) |
//! | [`projection`] | projections onto a box, the non-negative orthant, the ℓ2 ball |
//! | [`simplex`] | projections onto the simplex and the ℓ1 ball; prox of `τ‖·‖∞` (Moreau) |
//! | [`tv`] | prox of the 1-D total variation |
//!
//! ## Generalized derivatives in `f64`
//! Each primitive has an `f64` companion giving the same generalized derivative without AD:
//! `*_jacobian` (partial derivatives of a scalar map) or `*_jvp` (the Jacobian applied to
//! tangents of the input and of every parameter). The bilevel crate uses them to restrict
//! Jacobians to a support; the conformance tests check that every AD mode reproduces them.
//!
//! ## Errors
//! The primitives are inner-loop kernels on trusted slices. A length mismatch between slices or an
//! invalid parameter (negative threshold or radius, empty box) is a programmer error: it panics
//! via `assert!`/`assert_eq!` with a message naming the function (see each `# Panics` section).
//! The scalar thresholds (`soft_threshold`, `elastic_net_prox`) sit in the innermost loops; they
//! panic on `τ < 0` too (one comparison) rather than return a number that is not a prox.
//! Validate user input at the API boundary, where a typed error can be returned. NaN inputs propagate to NaN outputs; they are never turned into zeros.

pub mod block;
pub mod elementary;
pub mod projection;
pub mod simplex;
pub mod soft_threshold;
pub mod tv;

pub use block::{
    block_soft_threshold, block_soft_threshold_jacobian, block_soft_threshold_jvp,
    block_soft_threshold_with,
};
pub use elementary::{
    abs, abs_jacobian, clamp, clamp_jacobian, max, max_jacobian, min, min_jacobian, relu,
    relu_jacobian,
};
pub use projection::{
    project_box, project_box_jvp, project_l2_ball, project_l2_ball_jvp, project_nonneg,
    project_nonneg_jvp,
};
pub use simplex::{
    project_l1_ball, project_l1_ball_jvp, project_simplex, project_simplex_jvp, prox_linf,
    prox_linf_jvp,
};
pub use soft_threshold::{
    elastic_net_prox, elastic_net_prox_jacobian, soft_threshold, soft_threshold_jacobian,
    soft_threshold_jacobian_with, soft_threshold_slice, soft_threshold_slice_jvp,
    soft_threshold_with, weighted_soft_threshold, weighted_soft_threshold_jvp,
};
pub use tv::{prox_tv1d, prox_tv1d_jvp};

/// Which one-sided derivative a thresholding primitive selects at its kink.
///
/// At `|x| = τ` soft-thresholding is not differentiable; both one-sided derivatives lie in the
/// Clarke Jacobian. [`Kink::Inactive`] (the default) selects the derivative of the zero branch,
/// as if the coefficient were outside the support; [`Kink::Active`] selects the derivative of the
/// shrinking branch `x ∓ τ`, as if it were in the support.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Kink {
    /// The zero branch: derivative 0 at the kink.
    #[default]
    Inactive,
    /// The active (shrinking) branch: derivative of `x ∓ τ` (block: of `x(1 − τ/‖x‖)`).
    Active,
}

/// Panics with a uniform message when two slices that must match in length do not.
#[inline]
#[track_caller]
pub(crate) fn check_len(func: &str, what: &str, got: usize, expected: usize) {
    assert_eq!(
        got, expected,
        "nonsmooth::{func}: `{what}` has length {got}, expected {expected}"
    );
}

/// Panics unless a threshold or radius is non-negative (NaN included).
#[inline]
#[track_caller]
pub(crate) fn check_nonneg(func: &str, what: &str, v: f64) {
    assert!(
        v >= 0.0,
        "nonsmooth::{func}: `{what}` must be non-negative, got {v}"
    );
}

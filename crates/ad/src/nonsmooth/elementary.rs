//! Elementary kinks: `abs`, `relu`, `max`, `min`, `clamp`, with the selection at the kink fixed
//! here rather than left to each AD number type.
//!
//! Each function branches on primal values and returns one branch unchanged, so every AD mode
//! differentiates the same branch. NaN inputs propagate (they are never swallowed into a 0).
//! The `*_jacobian` functions give the same generalized derivative in `f64`.

use crate::Scalar;
use num_traits::Zero;

/// The zero branch of a thresholding map: `0`, or NaN when `probe` is NaN so that a NaN input
/// is never silently turned into a zero.
#[inline]
pub(crate) fn zero_or_nan<S: Scalar>(probe: S) -> S {
    if probe.is_nan() {
        probe
    } else {
        S::zero()
    }
}

/// `|x|`. Derivative `sign(x)`; at the kink `x = 0` the selection is `0`, the minimal-norm
/// element of the Clarke subdifferential `[−1, 1]`.
///
/// ```
/// use hypergrad_ad::{nonsmooth::abs, Dual};
/// assert_eq!(abs(Dual::variable(-2.0_f64)).eps, -1.0);
/// assert_eq!(abs(Dual::variable(0.0_f64)).eps, 0.0);
/// ```
#[inline]
pub fn abs<S: Scalar>(x: S) -> S {
    let v = x.value();
    if v > S::Real::zero() {
        x
    } else if v < S::Real::zero() {
        -x
    } else {
        zero_or_nan(x)
    }
}

/// `d|x|/dx` with the selection of [`abs`]: `sign(x)`, and `0` at `x = 0`.
#[inline]
pub fn abs_jacobian(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// `relu(x) = max(x, 0)`. Derivative `1{x > 0}`: at the kink `x = 0` the selection is `0` (the
/// zero branch, an element of the Clarke subdifferential `[0, 1]`).
#[inline]
pub fn relu<S: Scalar>(x: S) -> S {
    if x.value() > S::Real::zero() {
        x
    } else {
        zero_or_nan(x)
    }
}

/// `d relu(x)/dx = 1{x > 0}` (0 at the kink, as [`relu`]).
#[inline]
pub fn relu_jacobian(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else {
        0.0
    }
}

/// `max(a, b)`. At a tie `a = b` the first argument is selected: partials `(1, 0)`, a vertex of
/// the Clarke Jacobian `{(t, 1 − t) : t ∈ [0, 1]}`. A NaN in either argument propagates.
#[inline]
pub fn max<S: Scalar>(a: S, b: S) -> S {
    if b.value() > a.value() || b.is_nan() {
        b
    } else {
        a
    }
}

/// `(∂max/∂a, ∂max/∂b)` with the selection of [`max`]: `(0, 1)` if `b > a`, else `(1, 0)`.
#[inline]
pub fn max_jacobian(a: f64, b: f64) -> (f64, f64) {
    if b > a {
        (0.0, 1.0)
    } else {
        (1.0, 0.0)
    }
}

/// `min(a, b)`. At a tie the first argument is selected: partials `(1, 0)`. A NaN in either
/// argument propagates.
#[inline]
pub fn min<S: Scalar>(a: S, b: S) -> S {
    if b.value() < a.value() || b.is_nan() {
        b
    } else {
        a
    }
}

/// `(∂min/∂a, ∂min/∂b)` with the selection of [`min`]: `(0, 1)` if `b < a`, else `(1, 0)`.
#[inline]
pub fn min_jacobian(a: f64, b: f64) -> (f64, f64) {
    if b < a {
        (0.0, 1.0)
    } else {
        (1.0, 0.0)
    }
}

/// `clamp(x, lo, hi) = min(max(x, lo), hi)`, the projection of `x` onto `[lo, hi]`, differentiable
/// in the bounds too. On the boundary (`x = lo` or `x = hi`) the interior branch `x` is selected:
/// partials `(1, 0, 0)`. This matches [`soft_threshold`](fn@super::soft_threshold)'s zero branch
/// through the Moreau identity `st(x, τ) + clamp(x, −τ, τ) = x`.
///
/// # Panics
/// If `lo > hi` (or either is NaN).
#[inline]
pub fn clamp<S: Scalar>(x: S, lo: S, hi: S) -> S {
    let (v, l, h) = (x.value(), lo.value(), hi.value());
    assert!(l <= h, "nonsmooth::clamp: empty interval [{l}, {h}]");
    if v < l {
        lo
    } else if v > h {
        hi
    } else {
        x
    }
}

/// `(∂/∂x, ∂/∂lo, ∂/∂hi)` of [`clamp`] with its selection: `(0, 1, 0)` below, `(0, 0, 1)` above,
/// `(1, 0, 0)` on `[lo, hi]` including the boundary.
#[inline]
pub fn clamp_jacobian(x: f64, lo: f64, hi: f64) -> (f64, f64, f64) {
    if x < lo {
        (0.0, 1.0, 0.0)
    } else if x > hi {
        (0.0, 0.0, 1.0)
    } else {
        (1.0, 0.0, 0.0)
    }
}

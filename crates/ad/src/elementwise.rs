//! [`Elementwise`]: a scalar map `f(x; p)` applied to every entry of a slice, with its kink rule.
//!
//! [`Scalar::map_slice`] runs it entry by entry on `f64` and dual
//! numbers; on a tape it records one node for the whole slice, whose partials `∂f/∂xᵢ` and
//! `∂f/∂p` come from one forward-mode evaluation of the same generic `f` per entry, so the
//! derivative and the selection at a kink are written once, in `f`.

use crate::nonsmooth::{clamp, soft_threshold_with, Kink};
use crate::Scalar;

/// The most parameters an element-wise map takes.
pub const MAX_PARAMS: usize = 2;

/// A scalar map `f(x; p)` with at most [`MAX_PARAMS`] parameters, generic over the scalar. It
/// may branch on primal values ([`Scalar::value`]): every mode differentiates the branch taken.
///
/// A tape keeps a clone of the map (hence `Clone + Send + Sync + 'static`) to evaluate the node
/// again on a replay, where a branch may change.
pub trait Elementwise: Clone + Send + Sync + 'static {
    /// `f(x; p)`.
    fn eval<S: Scalar>(&self, x: S, p: &[S]) -> S;
}

/// Soft-thresholding `st(x; τ) = sign(x)·max(|x| − τ, 0)`, parameter `p = [τ]`, `τ ≥ 0`, with the
/// selection `kink` at `|x| = τ` (see [`soft_threshold_with`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SoftThreshold {
    /// The branch selected at the kink.
    pub kink: Kink,
}

impl Elementwise for SoftThreshold {
    #[inline]
    fn eval<S: Scalar>(&self, x: S, p: &[S]) -> S {
        soft_threshold_with(x, p[0], self.kink)
    }
}

/// Clipping, the projection onto `[lo, hi]`: `clamp(x; lo, hi)`, parameters `p = [lo, hi]`; on
/// the boundary the interior branch is selected (see [`clamp`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Clip;

impl Elementwise for Clip {
    #[inline]
    fn eval<S: Scalar>(&self, x: S, p: &[S]) -> S {
        clamp(x, p[0], p[1])
    }
}

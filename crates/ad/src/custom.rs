//! [`CustomRule`]: a primitive `y = g(x)`, `g: ℝⁿ → ℝᵐ`, declared once with its value, its JVP
//! and its VJP, and called from generic code through [`Scalar::custom`].
//!
//! | scalar | what `S::custom(rule, x, y)` computes |
//! | --- | --- |
//! | `f64` | `rule.value` |
//! | `Dual<T>`, `DualVec<T, N>` | the value by `T::custom`, each tangent by `rule.jvp` on `T` |
//! | `Dual<Dual<T>>` (HVP) | the same, recursively: the inner level differentiates `rule.jvp` |
//! | `Var<'t, T>` | the value by `T::custom`; one node per output whose partials are the rows of the Jacobian, from `m` calls of `rule.vjp` on `T` |
//!
//! The rule's methods are generic over the scalar so that nesting works: a second derivative
//! differentiates the JVP (or VJP) as written, the value is never differentiated through.

use crate::Scalar;

/// A user primitive with its own derivative rules. `jvp` and `vjp` must be the two faces of one
/// Jacobian `J(x)`: `dy = J dx` and `x̄ = Jᵀ ȳ`.
///
/// ```
/// use hypergrad_ad::{forward, CustomRule, Scalar};
///
/// /// g(x) = log(1 + e^x), with the stable derivative σ(x).
/// struct Softplus;
/// impl CustomRule for Softplus {
///     fn n_inputs(&self) -> usize { 1 }
///     fn n_outputs(&self) -> usize { 1 }
///     fn value<S: Scalar>(&self, x: &[S], y: &mut [S]) {
///         y[0] = x[0].max(S::zero()) + (-x[0].abs()).exp().ln_1p();
///     }
///     fn jvp<S: Scalar>(&self, x: &[S], dx: &[S], dy: &mut [S]) {
///         dy[0] = dx[0] / ((-x[0]).exp() + 1.0);
///     }
///     fn vjp<S: Scalar>(&self, x: &[S], ybar: &[S], xbar: &mut [S]) {
///         xbar[0] = ybar[0] / ((-x[0]).exp() + 1.0);
///     }
/// }
/// fn f<S: Scalar>(x: S) -> S {
///     let mut y = [S::zero()];
///     S::custom(&Softplus, &[x], &mut y);
///     y[0]
/// }
/// let (_, d) = forward::derivative(f, 0.0);
/// assert_eq!(d, 0.5);
/// ```
pub trait CustomRule {
    /// `n`, the length of `x`.
    fn n_inputs(&self) -> usize;
    /// `m`, the length of `y`.
    fn n_outputs(&self) -> usize;
    /// `y = g(x)`.
    fn value<S: Scalar>(&self, x: &[S], y: &mut [S]);
    /// `dy = J(x) dx`.
    fn jvp<S: Scalar>(&self, x: &[S], dx: &[S], dy: &mut [S]);
    /// `x̄ = J(x)ᵀ ȳ` (`x̄` is overwritten).
    fn vjp<S: Scalar>(&self, x: &[S], ybar: &[S], xbar: &mut [S]);
}

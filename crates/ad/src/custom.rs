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

/// A primitive `y = g(x)` whose forward derivatives come from its generic evaluation and whose
/// reverse derivative is written by hand (JAX's `custom_vjp`): called from generic code through
/// [`Scalar::custom_vjp`].
///
/// | scalar | what `S::custom_vjp(rule, x, y)` computes |
/// | --- | --- |
/// | `f64`, `Dual<T>`, `DualVec<T, N>`, nested duals | `rule.eval` on that scalar, differentiated as written |
/// | `Var<'t, T>` | `rule.eval` on `T`; **one** node for all `m` outputs, whose reverse sweep calls `rule.vjp` on `T` once |
///
/// This is the form for a whole solver step (a coordinate-descent sweep): on a tape the step is
/// one node holding its `n` input and `m` output values, and the reverse sweep runs the
/// hand-written adjoint (which reads the outputs, or recomputes what else it needs from the
/// inputs) instead of `O(step cost)` recorded scalar nodes. A replay evaluates `rule.eval` again at the new inputs. `vjp` must be
/// the transpose of the derivative of `eval` (checked by the tests of each rule), and generic so
/// that forward over reverse (`Var<'t, Dual<f64>>`) differentiates it.
///
/// ```
/// use hypergrad_ad::{CustomVjp, Scalar, Tape};
/// use std::sync::Arc;
///
/// /// y = (x₀ x₁, x₁²).
/// struct Pair;
/// impl CustomVjp for Pair {
///     fn n_inputs(&self) -> usize { 2 }
///     fn n_outputs(&self) -> usize { 2 }
///     fn eval<S: Scalar>(&self, x: &[S], y: &mut [S]) {
///         y[0] = x[0] * x[1];
///         y[1] = x[1] * x[1];
///     }
///     fn vjp<S: Scalar>(&self, x: &[S], _y: &[S], ybar: &[S], xbar: &mut [S]) {
///         xbar[0] = ybar[0] * x[1];
///         xbar[1] = ybar[0] * x[0] + ybar[1] * x[1] * 2.0;
///     }
/// }
/// let rule = Arc::new(Pair);
/// let tape = Tape::<f64>::new();
/// let x = tape.vars(&[2.0, 3.0]);
/// let mut y = [hypergrad_ad::Var::constant(0.0); 2];
/// Scalar::custom_vjp(&rule, &x, &mut y);
/// let s = y[0] + y[1];
/// assert_eq!(tape.gradient(s, &x).unwrap(), vec![3.0, 8.0]);
/// ```
pub trait CustomVjp: Send + Sync + 'static {
    /// `n`, the length of `x`.
    fn n_inputs(&self) -> usize;
    /// `m`, the length of `y`.
    fn n_outputs(&self) -> usize;
    /// `y = g(x)`, generic: forward modes differentiate it as written.
    fn eval<S: Scalar>(&self, x: &[S], y: &mut [S]);
    /// `x̄ = J(x)ᵀ ȳ` (`x̄` is overwritten), given the inputs `x` and the outputs `y = g(x)`.
    fn vjp<S: Scalar>(&self, x: &[S], y: &[S], ybar: &[S], xbar: &mut [S]);
}

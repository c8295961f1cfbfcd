//! The [`Scalar`] trait: what a number type must offer for user code to be differentiated.

use crate::custom::{CustomRule, CustomVjp};
use crate::elementwise::Elementwise;
use crate::kernels;
use crate::operator::LinearOperator;
use num_traits::Float;
use std::fmt::{Debug, Display};
use std::iter::{Product, Sum};
use std::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Sub, SubAssign};
use std::sync::Arc;

/// A number that user code is generic over: `f64` and every AD number type built on it.
///
/// It is [`num_traits::Float`] (all the elementary functions) plus what AD needs:
/// the primal value as a plain float ([`Scalar::value`]), constants built from `f64`
/// ([`Scalar::from_f64`]) or from the underlying float ([`Scalar::from_real`]), and scaling by a
/// plain float ([`Scalar::scale`]), which is cheaper than a product of two AD numbers.
///
/// ## Plain `f64` constants
/// `S + f64`, `S − f64`, `S · f64` and `S / f64` are supertraits, so generic code writes
/// `x * 2.0 + 1.0` without conversions. A constant on the *left* (`2.0 * x`, `1.0 - x`) works on
/// every concrete type (`f64`, `Dual<…>`, `DualVec<…>`, `Var<…>`) but not on a generic `S`: it
/// would need the bound `f64: Mul<S>`, a where-clause on another type, which Rust does not carry
/// from a trait to its users (only bounds on `Self` are implied). Write `x * 2.0`, `-x + 1.0`,
/// or `S::from_f64(1.0) / x`. `f32` is not a `Scalar` for the same reason (`f32 · f64` cannot be
/// implemented outside the standard library).
///
/// ## Vector operations
/// The provided methods [`Scalar::dot`], [`Scalar::axpy`], [`Scalar::sum_slice`],
/// [`Scalar::norm_sq`], [`Scalar::matvec`], [`Scalar::rmatvec`], [`Scalar::map_slice`],
/// [`Scalar::map_zip`], [`Scalar::custom`] and [`Scalar::custom_vjp`] are plain kernels on `f64` and dual numbers; a tape variable
/// ([`Var`](crate::Var)) overrides them to record one composite node per call instead of one node
/// per scalar operation. Generic code calls them as `S::dot(a, b)`.
///
/// Write a program once:
///
/// ```
/// use hypergrad_ad::Scalar;
///
/// fn rosenbrock<S: Scalar>(x: &[S]) -> S {
///     x.windows(2)
///         .map(|w| {
///             let a = w[1] - w[0] * w[0];
///             let b = -w[0] + 1.0;
///             a * a * 100.0 + b * b
///         })
///         .sum()
/// }
/// assert_eq!(rosenbrock(&[1.0_f64, 1.0, 1.0]), 0.0);
/// ```
pub trait Scalar:
    Float
    + Debug
    + Display
    + Default
    + Sum
    + Product
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
    + Add<f64, Output = Self>
    + Sub<f64, Output = Self>
    + Mul<f64, Output = Self>
    + Div<f64, Output = Self>
{
    /// The underlying plain float (`f64` for `Dual<Dual<f64>>`).
    type Real: Scalar<Real = Self::Real> + Send + Sync + 'static;

    /// The primal value, with every derivative part dropped. Non-smooth primitives branch on it.
    fn value(&self) -> Self::Real;

    /// A constant (all derivative parts zero) from a plain float of the underlying type.
    fn from_real(x: Self::Real) -> Self;

    /// A constant from an `f64` literal.
    fn from_f64(x: f64) -> Self;

    /// The primal value converted to `f64`.
    fn to_f64_value(&self) -> f64;

    /// `self · c` for a plain float `c`: scales every derivative part without a full product.
    fn scale(self, c: Self::Real) -> Self;

    /// The number of `f64` parts of the number's value (1 for `f64`, 2 for `Dual<f64>`, 4 for
    /// `Dual<Dual<f64>>`): a linear map with `f64` coefficients acts on each part separately,
    /// which is how the default [`Scalar::matvec`] runs the operator's `f64` kernels. A
    /// [`Var`](crate::Var)'s parts are those of its value: its link to the tape is not a part,
    /// so a type holding `Var`s (a dual number over a tape) overrides [`Scalar::matvec`] and
    /// [`Scalar::rmatvec`] (`Dual` and `DualVec` apply `T`'s own, component by component).
    fn parts() -> usize;

    /// Part `k < parts()` (part 0 is the primal value).
    fn part(&self, k: usize) -> f64;

    /// Sets part `k < parts()`.
    fn set_part(&mut self, k: usize, v: f64);

    /// `Σᵢ aᵢ bᵢ`.
    ///
    /// # Panics
    /// If `a` and `b` differ in length.
    #[inline]
    fn dot(a: &[Self], b: &[Self]) -> Self {
        kernels::dot(a, b)
    }

    /// `Σᵢ aᵢ wᵢ` for constant weights `w`.
    ///
    /// # Panics
    /// If `a` and `w` differ in length.
    #[inline]
    fn dot_const(a: &[Self], w: &[f64]) -> Self {
        kernels::dot_const(a, w)
    }

    /// `y ← α x + y`.
    ///
    /// # Panics
    /// If `x` and `y` differ in length.
    #[inline]
    fn axpy(alpha: Self, x: &[Self], y: &mut [Self]) {
        kernels::axpy(alpha, x, y)
    }

    /// `Σᵢ xᵢ`.
    #[inline]
    fn sum_slice(x: &[Self]) -> Self {
        kernels::sum(x)
    }

    /// `‖x‖² = Σᵢ xᵢ²`.
    #[inline]
    fn norm_sq(x: &[Self]) -> Self {
        kernels::dot(x, x)
    }

    /// `y = A x` for a constant operator `A` (`x` of length `ncols`, `y` of length `nrows`).
    ///
    /// The operator is shared (`Arc`) so that a tape can keep it for the reverse sweep without
    /// copying or comparing its entries.
    ///
    /// # Panics
    /// If a length does not match the operator's dimensions.
    fn matvec<A: LinearOperator + 'static>(a: &Arc<A>, x: &[Self], y: &mut [Self]) {
        kernels::apply_by_parts(&**a, false, x, y);
    }

    /// `x = Aᵀ y` for a constant operator `A` (`y` of length `nrows`, `x` of length `ncols`).
    ///
    /// # Panics
    /// If a length does not match the operator's dimensions.
    fn rmatvec<A: LinearOperator + 'static>(a: &Arc<A>, y: &[Self], x: &mut [Self]) {
        kernels::apply_by_parts(&**a, true, y, x);
    }

    /// `outᵢ = f(xᵢ; p)` for an element-wise map `f` with parameters `p` (at most
    /// [`MAX_PARAMS`](crate::elementwise::MAX_PARAMS)), such as soft-thresholding
    /// ([`SoftThreshold`](crate::elementwise::SoftThreshold)) or clipping
    /// ([`Clip`](crate::elementwise::Clip)).
    ///
    /// # Panics
    /// If `out` and `x` differ in length, or `p` holds more than `MAX_PARAMS` entries.
    fn map_slice<F: Elementwise>(f: &F, x: &[Self], p: &[Self], out: &mut [Self]) {
        kernels::map_slice(f, x, p, out);
    }

    /// `outᵢ = f(xᵢ; wᵢ, p)`: [`Scalar::map_slice`] with a per-entry parameter `wᵢ`, passed to
    /// `f` first (`1 + p.len() ≤ MAX_PARAMS`). Weighted soft-thresholding `st(xᵢ, τwᵢ)` is
    /// `map_zip(&SoftThreshold::default(), x, τw, &[], out)`.
    ///
    /// # Panics
    /// If `w` or `out` differ in length from `x`, or there are too many parameters.
    fn map_zip<F: Elementwise>(f: &F, x: &[Self], w: &[Self], p: &[Self], out: &mut [Self]) {
        kernels::map_zip(f, x, w, p, out);
    }

    /// `y = g(x)` for a user primitive `g` with its own derivative rules ([`CustomRule`]): the
    /// value on `f64`, the rule's JVP on dual numbers, its VJP on a tape.
    ///
    /// # Panics
    /// If `x` or `y` does not have the rule's dimensions.
    fn custom<R: CustomRule + ?Sized>(rule: &R, x: &[Self], y: &mut [Self]) {
        kernels::check_custom(rule, x.len(), y.len());
        rule.value(x, y);
    }

    /// `y = g(x)` for a primitive with a hand-written reverse rule ([`CustomVjp`]): `rule.eval`
    /// on `f64` and dual numbers (differentiated as written), one node on a tape whose reverse
    /// sweep calls `rule.vjp`. The rule is shared (`Arc`) so a tape keeps it without a copy.
    ///
    /// # Panics
    /// If `x` or `y` does not have the rule's dimensions.
    fn custom_vjp<R: CustomVjp>(rule: &Arc<R>, x: &[Self], y: &mut [Self]) {
        kernels::check_len("custom_vjp input", x.len(), rule.n_inputs());
        kernels::check_len("custom_vjp output", y.len(), rule.n_outputs());
        rule.eval(x, y);
    }
}

impl Scalar for f64 {
    type Real = f64;
    #[inline(always)]
    fn value(&self) -> f64 {
        *self
    }
    #[inline(always)]
    fn from_real(x: f64) -> f64 {
        x
    }
    #[inline(always)]
    fn from_f64(x: f64) -> f64 {
        x
    }
    #[inline(always)]
    fn to_f64_value(&self) -> f64 {
        *self
    }
    #[inline(always)]
    fn scale(self, c: f64) -> f64 {
        self * c
    }
    #[inline(always)]
    fn parts() -> usize {
        1
    }
    #[inline(always)]
    fn part(&self, _: usize) -> f64 {
        *self
    }
    #[inline(always)]
    fn set_part(&mut self, _: usize, v: f64) {
        *self = v;
    }
    fn matvec<A: LinearOperator + 'static>(a: &Arc<A>, x: &[f64], y: &mut [f64]) {
        kernels::check_operator(&**a, false, x.len(), y.len());
        a.matvec(x, y);
    }
    fn rmatvec<A: LinearOperator + 'static>(a: &Arc<A>, y: &[f64], x: &mut [f64]) {
        kernels::check_operator(&**a, true, y.len(), x.len());
        a.rmatvec(y, x);
    }
}

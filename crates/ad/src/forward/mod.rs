//! Forward mode: dual numbers carry a value and one ([`Dual`]) or several ([`DualVec`]) tangents.
//!
//! The derivative rule of every elementary function is written once, in `forward_float!` (file
//! `elementary.rs`, invoked by `forward_number!`), in terms of the chain-rule primitives of
//! `Forward` (and an inherent `constant`); each number type only says how its tangent part is
//! scaled and combined.
//!
//! The drivers [`derivative`], [`jvp`], [`gradient`], [`jacobian`], [`hvp`] and [`hessian`] hide
//! the seeding of tangents. Arrays of forward numbers work with ndarray's element-wise arithmetic,
//! `mapv` and `dot`; what does not work is listed in the `arrays` module source docs: no plain
//! float or dual on the left of an array (`&a * 2.0`, not `2.0 * &a`), no `mean()`.
//!
//! ## Choices at kinks and outside the domain
//! The primal value is always what IEEE arithmetic gives for the underlying float. The tangent:
//! - `abs` at 0: 0 (the minimal-norm element of the Clarke subdifferential [−1, 1]);
//!   `signum`, `floor`, `ceil`, `round`, `trunc`: 0 everywhere (their derivative away from jumps).
//! - `max`/`min` at a tie: the derivative of `self` (the first argument).
//! - `sqrt` at 0: the one-sided limit +∞, so a nonzero tangent gives ±∞ and a zero tangent NaN
//!   (IEEE 0·∞); `cbrt` likewise. `ln`, `log2`, `log10` of a negative number: NaN primal, tangent
//!   `dx/x` (finite), so the NaN of the value is not hidden.
//! - `hypot` at (0, 0): 0. `powf(x, y)` at `x = 0`: the ∂/∂y term `xʸ ln x` is taken as its limit 0.
//!   `powi(x, 0)`: tangent 0, also at `x = 0`. In `powf`, the partial of an operand with zero
//!   tangent is skipped, so `(−2)^2` with a constant exponent has the finite tangent `−4·dx`.

mod arrays;
mod drivers;
mod dual;
mod dual_vec;
mod elementary;

pub use drivers::{
    derivative, gradient, gradient_lanes, hessian, hvp, jacobian, jacobian_fixed, jacobian_lanes,
    jvp, CHUNK,
};
pub use dual::Dual;
pub use dual_vec::DualVec;

use crate::kernels::check_operator;
use crate::op::Op;
use crate::operator::LinearOperator;
use crate::Scalar;
use num_traits::Zero;
use std::sync::Arc;

/// The chain-rule primitives a forward number type provides; [`forward_number!`] builds every
/// operation from them.
pub(crate) trait Forward: Copy {
    /// The scalar type of the value and tangents.
    type T: Scalar;
    /// The primal part.
    fn re(&self) -> Self::T;
    /// `f(x)` with `f(x) = f` and `f'(x) = df`: tangent `dx · df`. `op` names `f` and `c` is its
    /// parameter, if any (for a tape to replay the node).
    fn chain(&self, op: Op, c: Self::T, f: Self::T, df: Self::T) -> Self;
    /// `f(x, y)` with partials `dfx`, `dfy`: tangent `dx · dfx + dy · dfy`.
    fn chain2(&self, other: &Self, op: Op, f: Self::T, dfx: Self::T, dfy: Self::T) -> Self;
    /// Whether every tangent is zero.
    fn tangent_is_zero(&self) -> bool;
    /// Every part scaled by a plain float.
    fn scale_parts(&self, c: <Self::T as Scalar>::Real) -> Self;
    /// `x + y`, part by part (no products: exact and cheap on nested duals).
    fn add_parts(&self, o: &Self) -> Self;
    /// `x − y`, part by part.
    fn sub_parts(&self, o: &Self) -> Self;
    /// `−x`, part by part.
    fn neg_parts(&self) -> Self;
    /// `x + c` for a plain float: only the primal part changes.
    fn shift(&self, c: f64) -> Self;
    /// `x / c` for a plain float, every part divided (the primal rounds as `f64` division).
    fn div_real(&self, c: f64) -> Self;
    /// `other` if `pick_other`, else `self`: a choice between operands (`max`, `min`), whose
    /// derivative is the chosen operand's.
    #[inline(always)]
    fn select(&self, other: &Self, pick_other: bool, _op: Op) -> Self {
        if pick_other {
            *other
        } else {
            *self
        }
    }
    /// Called when the primal value is read to decide something (a comparison, `value()`):
    /// a tape notes that its recording depends on values and cannot be replayed.
    #[inline(always)]
    fn observe(&self) {}
}

/// A dual number as its `T` components: the value, then the tangents.
pub(crate) trait Components {
    /// The scalar type of the components.
    type T: Scalar;
    /// The number of components (`1 + N`).
    const COUNT: usize;
    /// Component `c < COUNT` (0 is the value).
    fn component(&self, c: usize) -> Self::T;
    /// Component `c < COUNT`, to write.
    fn component_mut(&mut self, c: usize) -> &mut Self::T;
}

/// `y = A x` (or `Aᵀ x`) component by component: `A(x + Σₗ ẋₗεₗ) = Ax + Σₗ (Aẋₗ)εₗ` for a
/// linear `A`, each product by `T`'s own [`Scalar::matvec`], so a tape inside `T` (a dual number
/// over [`Var`](crate::Var)s) records it as one node per component instead of losing it.
pub(crate) fn apply_by_components<D: Components, A: LinearOperator + 'static>(
    a: &Arc<A>,
    transpose: bool,
    x: &[D],
    y: &mut [D],
) {
    check_operator(&**a, transpose, x.len(), y.len());
    let mut xc = vec![D::T::zero(); x.len()];
    let mut yc = vec![D::T::zero(); y.len()];
    for c in 0..D::COUNT {
        xc.iter_mut().zip(x).for_each(|(p, d)| *p = d.component(c));
        if transpose {
            D::T::rmatvec(a, &xc, &mut yc);
        } else {
            D::T::matvec(a, &xc, &mut yc);
        }
        y.iter_mut()
            .zip(&yc)
            .for_each(|(d, &p)| *d.component_mut(c) = p);
    }
}

/// Implements `Float` (through `forward_float!`), `Scalar`, arithmetic (with `Self` and with plain
/// `f64` on both sides), comparisons, `Sum`, `Product` and the num-traits plumbing for a
/// [`Forward`] type. Extra items in braces go into the `Scalar` impl (the parts and the vector
/// operations of each type).
macro_rules! forward_number {
    ([$($gen:tt)*] $ty:ty) => {
        $crate::forward::forward_number!([$($gen)*] $ty; {});
    };
    ([$($gen:tt)*] $ty:ty; { $($scalar_items:tt)* }) => {
        impl<$($gen)*> ::std::ops::Neg for $ty {
            type Output = Self;
            #[inline(always)]
            fn neg(self) -> Self {
                self.neg_parts()
            }
        }
        impl<$($gen)*> ::std::ops::Add for $ty {
            type Output = Self;
            #[inline(always)]
            fn add(self, o: Self) -> Self {
                self.add_parts(&o)
            }
        }
        impl<$($gen)*> ::std::ops::Sub for $ty {
            type Output = Self;
            #[inline(always)]
            fn sub(self, o: Self) -> Self {
                self.sub_parts(&o)
            }
        }
        impl<$($gen)*> ::std::ops::Mul for $ty {
            type Output = Self;
            #[inline(always)]
            fn mul(self, o: Self) -> Self {
                self.chain2(&o, $crate::op::Op::MUL, self.re() * o.re(), o.re(), self.re())
            }
        }
        impl<$($gen)*> ::std::ops::Div for $ty {
            type Output = Self;
            /// `d(x/y) = dx/y − x·dy/y²`; the primal is the correctly rounded `x / y`.
            #[inline(always)]
            fn div(self, o: Self) -> Self {
                let inv = <T as num_traits::One>::one() / o.re();
                let f = self.re() / o.re();
                self.chain2(&o, $crate::op::Op::DIV, f, inv, -f * inv)
            }
        }
        impl<$($gen)*> ::std::ops::Rem for $ty {
            type Output = Self;
            /// `x % y = x − trunc(x/y)·y`: partials 1 and −trunc(x/y).
            #[inline(always)]
            fn rem(self, o: Self) -> Self {
                let q = (self.re() / o.re()).trunc();
                let one = <T as num_traits::One>::one();
                self.chain2(&o, $crate::op::Op::REM, self.re() % o.re(), one, -q)
            }
        }
        impl<$($gen)*> ::std::ops::AddAssign for $ty {
            #[inline(always)]
            fn add_assign(&mut self, o: Self) {
                *self = *self + o;
            }
        }
        impl<$($gen)*> ::std::ops::SubAssign for $ty {
            #[inline(always)]
            fn sub_assign(&mut self, o: Self) {
                *self = *self - o;
            }
        }
        impl<$($gen)*> ::std::ops::MulAssign for $ty {
            #[inline(always)]
            fn mul_assign(&mut self, o: Self) {
                *self = *self * o;
            }
        }
        impl<$($gen)*> ::std::ops::DivAssign for $ty {
            #[inline(always)]
            fn div_assign(&mut self, o: Self) {
                *self = *self / o;
            }
        }
        impl<$($gen)*> ::std::ops::RemAssign for $ty {
            #[inline(always)]
            fn rem_assign(&mut self, o: Self) {
                *self = *self % o;
            }
        }
        impl<$($gen)*> PartialEq for $ty {
            /// Compares primal values only, as branching code expects.
            #[inline(always)]
            fn eq(&self, o: &Self) -> bool {
                self.observe();
                o.observe();
                self.re() == o.re()
            }
        }
        impl<$($gen)*> PartialOrd for $ty {
            /// Orders by primal value only.
            #[inline(always)]
            fn partial_cmp(&self, o: &Self) -> Option<::std::cmp::Ordering> {
                self.observe();
                o.observe();
                self.re().partial_cmp(&o.re())
            }
        }
        impl<$($gen)*> Default for $ty {
            fn default() -> Self {
                Self::constant(T::zero())
            }
        }
        impl<$($gen)*> ::std::iter::Sum for $ty {
            fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
                iter.fold(Self::constant(T::zero()), |a, b| a + b)
            }
        }
        impl<'a, $($gen)*> ::std::iter::Sum<&'a $ty> for $ty {
            fn sum<I: Iterator<Item = &'a Self>>(iter: I) -> Self {
                iter.fold(Self::constant(T::zero()), |a, b| a + *b)
            }
        }
        impl<$($gen)*> ::std::iter::Product for $ty {
            fn product<I: Iterator<Item = Self>>(iter: I) -> Self {
                iter.fold(Self::constant(T::one()), |a, b| a * b)
            }
        }
        impl<'a, $($gen)*> ::std::iter::Product<&'a $ty> for $ty {
            fn product<I: Iterator<Item = &'a Self>>(iter: I) -> Self {
                iter.fold(Self::constant(T::one()), |a, b| a * *b)
            }
        }
        impl<$($gen)*> num_traits::Zero for $ty {
            fn zero() -> Self {
                Self::constant(T::zero())
            }
            fn is_zero(&self) -> bool {
                self.re().is_zero() && self.tangent_is_zero()
            }
        }
        impl<$($gen)*> num_traits::One for $ty {
            fn one() -> Self {
                Self::constant(T::one())
            }
        }
        impl<$($gen)*> num_traits::Num for $ty {
            type FromStrRadixErr = T::FromStrRadixErr;
            fn from_str_radix(s: &str, radix: u32) -> Result<Self, Self::FromStrRadixErr> {
                T::from_str_radix(s, radix).map(Self::constant)
            }
        }
        impl<$($gen)*> num_traits::ToPrimitive for $ty {
            fn to_i64(&self) -> Option<i64> {
                self.re().to_i64()
            }
            fn to_u64(&self) -> Option<u64> {
                self.re().to_u64()
            }
            fn to_f64(&self) -> Option<f64> {
                self.re().to_f64()
            }
        }
        impl<$($gen)*> num_traits::NumCast for $ty {
            fn from<P: num_traits::ToPrimitive>(n: P) -> Option<Self> {
                <T as num_traits::NumCast>::from(n).map(Self::constant)
            }
        }
        impl<$($gen)*> $crate::Scalar for $ty {
            type Real = T::Real;
            #[inline(always)]
            fn value(&self) -> T::Real {
                self.observe();
                self.re().value()
            }
            #[inline(always)]
            fn from_real(x: T::Real) -> Self {
                Self::constant(T::from_real(x))
            }
            #[inline(always)]
            fn from_f64(x: f64) -> Self {
                Self::constant(T::from_f64(x))
            }
            #[inline(always)]
            fn to_f64_value(&self) -> f64 {
                self.observe();
                self.re().to_f64_value()
            }
            #[inline(always)]
            fn scale(self, c: T::Real) -> Self {
                self.scale_parts(c)
            }
            $($scalar_items)*
        }
        $crate::forward::forward_number!(@mixed [$($gen)*] $ty, f64);
        $crate::forward::forward_float!([$($gen)*] $ty);
    };
    (@mixed [$($gen:tt)*] $ty:ty, $f:ty) => {
        impl<$($gen)*> ::std::ops::Add<$f> for $ty {
            type Output = Self;
            #[inline(always)]
            fn add(self, c: $f) -> Self {
                self.shift(c)
            }
        }
        impl<$($gen)*> ::std::ops::Sub<$f> for $ty {
            type Output = Self;
            #[inline(always)]
            fn sub(self, c: $f) -> Self {
                self.shift(-c)
            }
        }
        impl<$($gen)*> ::std::ops::Mul<$f> for $ty {
            type Output = Self;
            #[inline(always)]
            fn mul(self, c: $f) -> Self {
                self.scale_parts(<T::Real as $crate::Scalar>::from_f64(c))
            }
        }
        impl<$($gen)*> ::std::ops::Div<$f> for $ty {
            type Output = Self;
            #[inline(always)]
            fn div(self, c: $f) -> Self {
                self.div_real(c)
            }
        }
        impl<$($gen)*> ::std::ops::Add<$ty> for $f {
            type Output = $ty;
            #[inline(always)]
            fn add(self, x: $ty) -> $ty {
                x.shift(self)
            }
        }
        impl<$($gen)*> ::std::ops::Sub<$ty> for $f {
            type Output = $ty;
            /// `c − x = (−x) + c`, exactly as IEEE subtraction.
            #[inline(always)]
            fn sub(self, x: $ty) -> $ty {
                x.neg_parts().shift(self)
            }
        }
        impl<$($gen)*> ::std::ops::Mul<$ty> for $f {
            type Output = $ty;
            #[inline(always)]
            fn mul(self, x: $ty) -> $ty {
                x.scale_parts(<T::Real as $crate::Scalar>::from_f64(self))
            }
        }
        impl<$($gen)*> ::std::ops::Div<$ty> for $f {
            type Output = $ty;
            #[inline(always)]
            fn div(self, x: $ty) -> $ty {
                <$ty as $crate::Scalar>::from_f64(self) / x
            }
        }
    };
}
pub(crate) use elementary::forward_float;
pub(crate) use forward_number;

//! The [`Scalar`] trait: what a number type must offer for user code to be differentiated.

use num_traits::Float;
use std::fmt::{Debug, Display};
use std::iter::{Product, Sum};
use std::ops::{AddAssign, DivAssign, MulAssign, SubAssign};

/// A number that user code is generic over: plain floats (`f32`, `f64`) and every AD number type.
///
/// It is [`num_traits::Float`] (all the elementary functions) plus what AD needs:
/// the primal value as a plain float ([`Scalar::value`]), constants built from `f64`
/// ([`Scalar::from_f64`]) or from the underlying float ([`Scalar::from_real`]), and scaling by a
/// plain float ([`Scalar::scale`]), which is cheaper than a product of two AD numbers.
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
///             let b = S::one() - w[0];
///             a * a * S::from_f64(100.0) + b * b
///         })
///         .sum()
/// }
/// assert_eq!(rosenbrock(&[1.0_f64, 1.0, 1.0]), 0.0);
/// ```
pub trait Scalar:
    Float + Debug + Display + Default + Sum + Product + AddAssign + SubAssign + MulAssign + DivAssign
{
    /// The underlying plain float (`f64` for `Dual<Dual<f64>>`).
    type Real: Scalar<Real = Self::Real> + Send + Sync + 'static;

    /// The primal value, with every derivative part dropped. Non-smooth primitives branch on it.
    fn value(&self) -> Self::Real;

    /// A constant (all derivative parts zero) from a plain float of the underlying type.
    fn from_real(x: Self::Real) -> Self;

    /// A constant from an `f64` literal, rounded to the underlying float.
    fn from_f64(x: f64) -> Self;

    /// The primal value converted to `f64`.
    fn to_f64_value(&self) -> f64;

    /// `self · c` for a plain float `c`: scales every derivative part without a full product.
    fn scale(self, c: Self::Real) -> Self;
}

macro_rules! impl_scalar_for_float {
    ($($t:ty),*) => {$(
        impl Scalar for $t {
            type Real = $t;
            #[inline(always)]
            fn value(&self) -> $t {
                *self
            }
            #[inline(always)]
            fn from_real(x: $t) -> $t {
                x
            }
            #[inline(always)]
            fn from_f64(x: f64) -> $t {
                x as $t
            }
            #[inline(always)]
            fn to_f64_value(&self) -> f64 {
                *self as f64
            }
            #[inline(always)]
            fn scale(self, c: $t) -> $t {
                self * c
            }
        }
    )*};
}
impl_scalar_for_float!(f32, f64);

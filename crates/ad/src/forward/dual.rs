//! [`Dual<T>`]: a value and one tangent.

use super::{forward_number, Forward};
use crate::Scalar;
use std::fmt;

/// A dual number `re + eps·ε` with `ε² = 0`: evaluating `f` at `x + v·ε` gives
/// `f(x) + f'(x)·v·ε`, one directional derivative (a Jacobian–vector product) per pass.
///
/// `T` is any [`Scalar`], so `Dual<Dual<f64>>` carries second derivatives:
///
/// ```
/// use hypergrad_ad::{Dual, Scalar};
///
/// // f(x) = x³ at x = 2: f' = 12, f'' = 12.
/// let x = Dual::new(Dual::new(2.0_f64, 1.0), Dual::new(1.0, 0.0));
/// let y = x * x * x;
/// assert_eq!((y.re.re, y.re.eps, y.eps.eps), (8.0, 12.0, 12.0));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Dual<T> {
    /// The primal value.
    pub re: T,
    /// The tangent (directional derivative).
    pub eps: T,
}

impl<T: Scalar> Dual<T> {
    /// `re + eps·ε`.
    #[inline]
    pub fn new(re: T, eps: T) -> Self {
        Self { re, eps }
    }

    /// An independent variable: tangent 1.
    #[inline]
    pub fn variable(re: T) -> Self {
        Self { re, eps: T::one() }
    }

    /// A constant: tangent 0.
    #[inline]
    pub fn constant(re: T) -> Self {
        Self { re, eps: T::zero() }
    }
}

impl<T: Scalar> Forward for Dual<T> {
    type T = T;
    #[inline(always)]
    fn re(&self) -> T {
        self.re
    }
    #[inline(always)]
    fn chain(&self, f: T, df: T) -> Self {
        Self {
            re: f,
            eps: self.eps * df,
        }
    }
    #[inline(always)]
    fn chain2(&self, other: &Self, f: T, dfx: T, dfy: T) -> Self {
        Self {
            re: f,
            eps: self.eps * dfx + other.eps * dfy,
        }
    }
    #[inline(always)]
    fn tangent_is_zero(&self) -> bool {
        self.eps.is_zero()
    }
    #[inline(always)]
    fn scale_parts(&self, c: T::Real) -> Self {
        Self {
            re: self.re.scale(c),
            eps: self.eps.scale(c),
        }
    }
}

impl<T: Scalar> fmt::Display for Dual<T> {
    /// `re + epsε`, e.g. `2 + 1ε`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} + {}ε", self.re, self.eps)
    }
}

forward_number!([T: Scalar] Dual<T>);

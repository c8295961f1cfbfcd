//! [`Dual<T>`]: a value and one tangent.

use super::{apply_by_components, forward_number, Components, Forward};
use crate::custom::CustomRule;
use crate::kernels::check_custom;
use crate::op::Op;
use crate::operator::LinearOperator;
use crate::Scalar;
use std::fmt;
use std::sync::Arc;

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
    fn chain(&self, _: Op, _: T, f: T, df: T) -> Self {
        Self {
            re: f,
            eps: self.eps * df,
        }
    }
    #[inline(always)]
    fn chain2(&self, other: &Self, _: Op, f: T, dfx: T, dfy: T) -> Self {
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
    #[inline(always)]
    fn add_parts(&self, o: &Self) -> Self {
        Self {
            re: self.re + o.re,
            eps: self.eps + o.eps,
        }
    }
    #[inline(always)]
    fn sub_parts(&self, o: &Self) -> Self {
        Self {
            re: self.re - o.re,
            eps: self.eps - o.eps,
        }
    }
    #[inline(always)]
    fn neg_parts(&self) -> Self {
        Self {
            re: -self.re,
            eps: -self.eps,
        }
    }
    #[inline(always)]
    fn shift(&self, c: f64) -> Self {
        Self {
            re: self.re + c,
            eps: self.eps,
        }
    }
    #[inline(always)]
    fn div_real(&self, c: f64) -> Self {
        Self {
            re: self.re / c,
            eps: self.eps / c,
        }
    }
}

impl<T: Scalar> Components for Dual<T> {
    type T = T;
    const COUNT: usize = 2;
    #[inline(always)]
    fn component(&self, c: usize) -> T {
        if c == 0 {
            self.re
        } else {
            self.eps
        }
    }
    #[inline(always)]
    fn component_mut(&mut self, c: usize) -> &mut T {
        if c == 0 {
            &mut self.re
        } else {
            &mut self.eps
        }
    }
}

impl<T: Scalar> fmt::Display for Dual<T> {
    /// `re + epsε`, e.g. `2 + 1ε`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} + {}ε", self.re, self.eps)
    }
}

forward_number!([T: Scalar] Dual<T>; {
    #[inline(always)]
    fn parts() -> usize {
        2 * T::parts()
    }
    #[inline(always)]
    fn part(&self, k: usize) -> f64 {
        let n = T::parts();
        if k < n {
            self.re.part(k)
        } else {
            self.eps.part(k - n)
        }
    }
    #[inline(always)]
    fn set_part(&mut self, k: usize, v: f64) {
        let n = T::parts();
        if k < n {
            self.re.set_part(k, v)
        } else {
            self.eps.set_part(k - n, v)
        }
    }
    /// `A(x + ẋε) = Ax + (Aẋ)ε`, both products by `T`'s own rule.
    fn matvec<A: LinearOperator + 'static>(a: &Arc<A>, x: &[Self], y: &mut [Self]) {
        apply_by_components(a, false, x, y)
    }
    fn rmatvec<A: LinearOperator + 'static>(a: &Arc<A>, y: &[Self], x: &mut [Self]) {
        apply_by_components(a, true, y, x)
    }
    /// The value by `T`'s own rule, the tangent by the rule's JVP (run on `T`, so a nested dual
    /// differentiates the JVP itself: second derivatives).
    fn custom<R: CustomRule + ?Sized>(rule: &R, x: &[Self], y: &mut [Self]) {
        check_custom(rule, x.len(), y.len());
        let (re, eps): (Vec<T>, Vec<T>) = x.iter().map(|d| (d.re, d.eps)).unzip();
        let mut value = vec![T::zero(); y.len()];
        let mut tangent = vec![T::zero(); y.len()];
        T::custom(rule, &re, &mut value);
        rule.jvp(&re, &eps, &mut tangent);
        for ((yi, v), t) in y.iter_mut().zip(value).zip(tangent) {
            *yi = Self::new(v, t);
        }
    }
});

//! [`DualVec<T, N>`]: a value and `N` tangents on the stack.

use super::{apply_by_components, forward_number, Components, Forward};
use crate::custom::CustomRule;
use crate::kernels::check_custom;
use crate::op::Op;
use crate::operator::LinearOperator;
use crate::Scalar;
use std::fmt;
use std::sync::Arc;

/// A value with `N` tangents: one pass gives `N` directional derivatives, so a gradient or a
/// Jacobian of `n` inputs takes ⌈n/N⌉ passes instead of `n`.
///
/// ```
/// use hypergrad_ad::DualVec;
///
/// let x = DualVec::<f64, 2>::variable(3.0, 0);
/// let y = DualVec::<f64, 2>::variable(4.0, 1);
/// let r = x * y;
/// assert_eq!((r.re, r.eps), (12.0, [4.0, 3.0]));
/// ```
#[derive(Clone, Copy, Debug)]
pub struct DualVec<T, const N: usize> {
    /// The primal value.
    pub re: T,
    /// The `N` tangents.
    pub eps: [T; N],
}

impl<T: Scalar, const N: usize> DualVec<T, N> {
    /// `re` with tangents `eps`.
    #[inline]
    pub fn new(re: T, eps: [T; N]) -> Self {
        Self { re, eps }
    }

    /// The `lane`-th independent variable: tangent 1 in `lane`, 0 elsewhere.
    ///
    /// # Panics
    /// If `lane >= N`.
    #[inline]
    pub fn variable(re: T, lane: usize) -> Self {
        let mut eps = [T::zero(); N];
        eps[lane] = T::one();
        Self { re, eps }
    }

    /// A constant: every tangent 0.
    #[inline]
    pub fn constant(re: T) -> Self {
        Self {
            re,
            eps: [T::zero(); N],
        }
    }
}

impl<T: Scalar, const N: usize> Forward for DualVec<T, N> {
    type T = T;
    #[inline(always)]
    fn re(&self) -> T {
        self.re
    }
    #[inline(always)]
    fn chain(&self, _: Op, _: T, f: T, df: T) -> Self {
        Self {
            re: f,
            eps: self.eps.map(|e| e * df),
        }
    }
    #[inline(always)]
    fn chain2(&self, other: &Self, _: Op, f: T, dfx: T, dfy: T) -> Self {
        let mut eps = self.eps;
        for (e, o) in eps.iter_mut().zip(&other.eps) {
            *e = *e * dfx + *o * dfy;
        }
        Self { re: f, eps }
    }
    #[inline(always)]
    fn tangent_is_zero(&self) -> bool {
        self.eps.iter().all(|e| e.is_zero())
    }
    #[inline(always)]
    fn scale_parts(&self, c: T::Real) -> Self {
        Self {
            re: self.re.scale(c),
            eps: self.eps.map(|e| e.scale(c)),
        }
    }
    #[inline(always)]
    fn add_parts(&self, o: &Self) -> Self {
        let mut eps = self.eps;
        eps.iter_mut().zip(&o.eps).for_each(|(e, f)| *e += *f);
        Self {
            re: self.re + o.re,
            eps,
        }
    }
    #[inline(always)]
    fn sub_parts(&self, o: &Self) -> Self {
        let mut eps = self.eps;
        eps.iter_mut().zip(&o.eps).for_each(|(e, f)| *e -= *f);
        Self {
            re: self.re - o.re,
            eps,
        }
    }
    #[inline(always)]
    fn neg_parts(&self) -> Self {
        Self {
            re: -self.re,
            eps: self.eps.map(|e| -e),
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
            eps: self.eps.map(|e| e / c),
        }
    }
}

impl<T: Scalar, const N: usize> Components for DualVec<T, N> {
    type T = T;
    const COUNT: usize = N + 1;
    #[inline(always)]
    fn component(&self, c: usize) -> T {
        match c {
            0 => self.re,
            l => self.eps[l - 1],
        }
    }
    #[inline(always)]
    fn component_mut(&mut self, c: usize) -> &mut T {
        match c {
            0 => &mut self.re,
            l => &mut self.eps[l - 1],
        }
    }
}

impl<T: Scalar, const N: usize> fmt::Display for DualVec<T, N> {
    /// `re + [e₁, …, e_N]ε`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} + [", self.re)?;
        for (i, e) in self.eps.iter().enumerate() {
            if i > 0 {
                write!(f, ", ")?;
            }
            write!(f, "{e}")?;
        }
        write!(f, "]ε")
    }
}

forward_number!([T: Scalar, const N: usize] DualVec<T, N>; {
    #[inline(always)]
    fn parts() -> usize {
        (N + 1) * T::parts()
    }
    #[inline(always)]
    fn part(&self, k: usize) -> f64 {
        let n = T::parts();
        match k / n {
            0 => self.re.part(k),
            l => self.eps[l - 1].part(k % n),
        }
    }
    #[inline(always)]
    fn set_part(&mut self, k: usize, v: f64) {
        let n = T::parts();
        match k / n {
            0 => self.re.set_part(k, v),
            l => self.eps[l - 1].set_part(k % n, v),
        }
    }
    /// `A(x + Σₗ ẋₗεₗ) = Ax + Σₗ (Aẋₗ)εₗ`, every product by `T`'s own rule.
    fn matvec<A: LinearOperator + 'static>(a: &Arc<A>, x: &[Self], y: &mut [Self]) {
        apply_by_components(a, false, x, y)
    }
    fn rmatvec<A: LinearOperator + 'static>(a: &Arc<A>, y: &[Self], x: &mut [Self]) {
        apply_by_components(a, true, y, x)
    }
    /// The value by `T`'s own rule, each of the `N` tangents by the rule's JVP.
    fn custom<R: CustomRule + ?Sized>(rule: &R, x: &[Self], y: &mut [Self]) {
        check_custom(rule, x.len(), y.len());
        let re: Vec<T> = x.iter().map(|d| d.re).collect();
        let mut value = vec![T::zero(); y.len()];
        T::custom(rule, &re, &mut value);
        let mut dx = vec![T::zero(); x.len()];
        let mut dy = vec![T::zero(); y.len()];
        for (yi, &v) in y.iter_mut().zip(&value) {
            yi.re = v;
        }
        for lane in 0..N {
            dx.iter_mut().zip(x).for_each(|(d, xi)| *d = xi.eps[lane]);
            rule.jvp(&re, &dx, &mut dy);
            y.iter_mut().zip(&dy).for_each(|(yi, &t)| yi.eps[lane] = t);
        }
    }
});

//! The derivative rule of every elementary function of [`num_traits::Float`], written once for
//! every forward number type (and reverse mode's `Var`) in terms of the `Forward` chain-rule
//! primitives: `chain(op, c, f, f')` for unary and `chain2(op, f, ∂f/∂x, ∂f/∂y)` for binary
//! functions, `select` for a choice of operand. The operation code `op` (and the parameter `c`)
//! is what a tape records to evaluate the node again ([`Tape::replay`](crate::Tape::replay));
//! dual numbers ignore it.
//! The choices at kinks are listed in the `forward` module docs.

/// Implements [`num_traits::Float`] for a `Forward` type; invoked by `forward_number!`.
macro_rules! forward_float {
    ([$($gen:tt)*] $ty:ty) => {
        impl<$($gen)*> num_traits::Float for $ty {
            fn nan() -> Self {
                Self::constant(T::nan())
            }
            fn infinity() -> Self {
                Self::constant(T::infinity())
            }
            fn neg_infinity() -> Self {
                Self::constant(T::neg_infinity())
            }
            fn neg_zero() -> Self {
                Self::constant(T::neg_zero())
            }
            fn min_value() -> Self {
                Self::constant(T::min_value())
            }
            fn min_positive_value() -> Self {
                Self::constant(T::min_positive_value())
            }
            fn max_value() -> Self {
                Self::constant(T::max_value())
            }
            fn epsilon() -> Self {
                Self::constant(T::epsilon())
            }
            fn is_nan(self) -> bool {
                self.observe();
                self.re().is_nan()
            }
            fn is_infinite(self) -> bool {
                self.observe();
                self.re().is_infinite()
            }
            fn is_finite(self) -> bool {
                self.observe();
                self.re().is_finite()
            }
            fn is_normal(self) -> bool {
                self.observe();
                self.re().is_normal()
            }
            fn classify(self) -> ::std::num::FpCategory {
                self.observe();
                self.re().classify()
            }
            fn integer_decode(self) -> (u64, i16, i8) {
                self.re().integer_decode()
            }
            fn is_sign_positive(self) -> bool {
                self.observe();
                self.re().is_sign_positive()
            }
            fn is_sign_negative(self) -> bool {
                self.observe();
                self.re().is_sign_negative()
            }
            fn floor(self) -> Self {
                self.chain($crate::op::Op::FLOOR, T::zero(), self.re().floor(), T::zero())
            }
            fn ceil(self) -> Self {
                self.chain($crate::op::Op::CEIL, T::zero(), self.re().ceil(), T::zero())
            }
            fn round(self) -> Self {
                self.chain($crate::op::Op::ROUND, T::zero(), self.re().round(), T::zero())
            }
            fn trunc(self) -> Self {
                self.chain($crate::op::Op::TRUNC, T::zero(), self.re().trunc(), T::zero())
            }
            fn signum(self) -> Self {
                self.chain($crate::op::Op::SIGNUM, T::zero(), self.re().signum(), T::zero())
            }
            /// `fract(x) = x − trunc(x)`: derivative 1.
            fn fract(self) -> Self {
                self.chain($crate::op::Op::FRACT, T::zero(), self.re().fract(), T::one())
            }
            /// Derivative `signum(x)`, and 0 at `x = 0`.
            fn abs(self) -> Self {
                let x = self.re();
                let d = if x.is_zero() { T::zero() } else { x.signum() };
                self.chain($crate::op::Op::ABS, T::zero(), x.abs(), d)
            }
            /// `max(x − y, 0)`.
            fn abs_sub(self, o: Self) -> Self {
                (self - o).max(Self::constant(T::zero()))
            }
            /// `x·a + b` with the primal fused as the underlying float does (one rounding):
            /// partials `a`, `x`, 1.
            fn mul_add(self, a: Self, b: Self) -> Self {
                let one = T::one();
                // The product node holds x·a for listings; the fused primal is the second node's
                // (a tape cannot replay it from that product alone: `$crate::op::Op::MUL_ADD`).
                let product = self.chain2(&a, $crate::op::Op::MUL, self.re() * a.re(), a.re(), self.re());
                product.chain2(&b, $crate::op::Op::MUL_ADD, self.re().mul_add(a.re(), b.re()), one, one)
            }
            /// `d(1/x) = −dx/x²`.
            fn recip(self) -> Self {
                let r = self.re().recip();
                self.chain($crate::op::Op::RECIP, T::zero(), r, -r * r)
            }
            /// `d(xⁿ) = n·xⁿ⁻¹ dx`; 0 for `n = 0`. For `n = i32::MIN`, where `n − 1` does not
            /// exist, `xⁿ⁻¹ = xⁿ / x`.
            fn powi(self, n: i32) -> Self {
                let x = self.re();
                let d = match n.checked_sub(1) {
                    _ if n == 0 => T::zero(),
                    Some(m) => T::from_f64(f64::from(n)) * x.powi(m),
                    None => T::from_f64(f64::from(n)) * x.powi(n) / x,
                };
                self.chain($crate::op::Op::POWI, T::from_f64(f64::from(n)), x.powi(n), d)
            }
            /// `d(xʸ) = y·xʸ⁻¹ dx + xʸ ln x dy`, with `xʸ ln x` taken as 0 where `xʸ = 0`.
            ///
            /// A partial whose operand has a zero tangent is skipped, not multiplied by 0: a
            /// constant exponent on a negative base (`(−2)²`, where `ln x` is NaN) and a
            /// constant base 0 with a variable exponent (where `y·xʸ⁻¹` may be ∞) keep a finite
            /// tangent.
            fn powf(self, y: Self) -> Self {
                let (x, yv) = (self.re(), y.re());
                let f = x.powf(yv);
                let dx = || if yv.is_zero() { T::zero() } else { yv * x.powf(yv - T::one()) };
                let dy = || if f.is_zero() { T::zero() } else { f * x.ln() };
                if y.tangent_is_zero() {
                    self.chain2(&y, $crate::op::Op::POWF, f, dx(), T::zero())
                } else if self.tangent_is_zero() {
                    self.chain2(&y, $crate::op::Op::POWF, f, T::zero(), dy())
                } else {
                    self.chain2(&y, $crate::op::Op::POWF, f, dx(), dy())
                }
            }
            /// `d√x = dx / (2√x)`.
            fn sqrt(self) -> Self {
                let s = self.re().sqrt();
                self.chain($crate::op::Op::SQRT, T::zero(), s, (s + s).recip())
            }
            /// `d∛x = dx / (3∛x²)`.
            fn cbrt(self) -> Self {
                let c = self.re().cbrt();
                self.chain($crate::op::Op::CBRT, T::zero(), c, (T::from_f64(3.0) * c * c).recip())
            }
            fn exp(self) -> Self {
                let e = self.re().exp();
                self.chain($crate::op::Op::EXP, T::zero(), e, e)
            }
            fn exp2(self) -> Self {
                let e = self.re().exp2();
                self.chain($crate::op::Op::EXP2, T::zero(), e, e * T::from_f64(::std::f64::consts::LN_2))
            }
            /// `d(eˣ − 1) = eˣ dx`.
            fn exp_m1(self) -> Self {
                let x = self.re();
                self.chain($crate::op::Op::EXP_M1, T::zero(), x.exp_m1(), x.exp())
            }
            fn ln(self) -> Self {
                let x = self.re();
                self.chain($crate::op::Op::LN, T::zero(), x.ln(), x.recip())
            }
            /// `d ln(1 + x) = dx / (1 + x)`.
            fn ln_1p(self) -> Self {
                let x = self.re();
                self.chain($crate::op::Op::LN_1P, T::zero(), x.ln_1p(), (T::one() + x).recip())
            }
            /// `log_b x = ln x / ln b`, differentiable in both.
            fn log(self, base: Self) -> Self {
                self.ln() / base.ln()
            }
            fn log2(self) -> Self {
                let x = self.re();
                self.chain($crate::op::Op::LOG2, T::zero(), x.log2(), (x * T::from_f64(::std::f64::consts::LN_2)).recip())
            }
            fn log10(self) -> Self {
                let x = self.re();
                self.chain($crate::op::Op::LOG10, T::zero(), x.log10(), (x * T::from_f64(::std::f64::consts::LN_10)).recip())
            }
            /// At a tie, the derivative of `self`; a NaN operand is ignored, as IEEE does.
            fn max(self, o: Self) -> Self {
                self.select(&o, o.re() > self.re() || self.re().is_nan(), $crate::op::Op::MAX)
            }
            /// At a tie, the derivative of `self`; a NaN operand is ignored, as IEEE does.
            fn min(self, o: Self) -> Self {
                self.select(&o, o.re() < self.re() || self.re().is_nan(), $crate::op::Op::MIN)
            }
            /// `d√(x² + y²) = (x dx + y dy)/h`, with 0 at the origin.
            fn hypot(self, o: Self) -> Self {
                let (x, y) = (self.re(), o.re());
                let h = x.hypot(y);
                if h.is_zero() {
                    self.chain2(&o, $crate::op::Op::HYPOT, h, T::zero(), T::zero())
                } else {
                    self.chain2(&o, $crate::op::Op::HYPOT, h, x / h, y / h)
                }
            }
            fn sin(self) -> Self {
                let (s, c) = self.re().sin_cos();
                self.chain($crate::op::Op::SIN, T::zero(), s, c)
            }
            fn cos(self) -> Self {
                let (s, c) = self.re().sin_cos();
                self.chain($crate::op::Op::COS, T::zero(), c, -s)
            }
            fn sin_cos(self) -> (Self, Self) {
                let (s, c) = self.re().sin_cos();
                (self.chain($crate::op::Op::SIN, T::zero(), s, c), self.chain($crate::op::Op::COS, T::zero(), c, -s))
            }
            /// `d tan x = (1 + tan² x) dx`.
            fn tan(self) -> Self {
                let t = self.re().tan();
                self.chain($crate::op::Op::TAN, T::zero(), t, T::one() + t * t)
            }
            /// `d asin x = dx / √(1 − x²)`.
            fn asin(self) -> Self {
                let x = self.re();
                self.chain($crate::op::Op::ASIN, T::zero(), x.asin(), (T::one() - x * x).sqrt().recip())
            }
            /// `d acos x = −dx / √(1 − x²)`.
            fn acos(self) -> Self {
                let x = self.re();
                self.chain($crate::op::Op::ACOS, T::zero(), x.acos(), -(T::one() - x * x).sqrt().recip())
            }
            /// `d atan x = dx / (1 + x²)`.
            fn atan(self) -> Self {
                let x = self.re();
                self.chain($crate::op::Op::ATAN, T::zero(), x.atan(), (T::one() + x * x).recip())
            }
            /// `d atan2(y, x) = (x dy − y dx) / (x² + y²)` with `self = y`.
            fn atan2(self, o: Self) -> Self {
                let (y, x) = (self.re(), o.re());
                let r2 = x * x + y * y;
                self.chain2(&o, $crate::op::Op::ATAN2, y.atan2(x), x / r2, -y / r2)
            }
            fn sinh(self) -> Self {
                let x = self.re();
                self.chain($crate::op::Op::SINH, T::zero(), x.sinh(), x.cosh())
            }
            fn cosh(self) -> Self {
                let x = self.re();
                self.chain($crate::op::Op::COSH, T::zero(), x.cosh(), x.sinh())
            }
            /// `d tanh x = (1 − tanh² x) dx`.
            fn tanh(self) -> Self {
                let t = self.re().tanh();
                self.chain($crate::op::Op::TANH, T::zero(), t, T::one() - t * t)
            }
            /// `d asinh x = dx / √(x² + 1)`.
            fn asinh(self) -> Self {
                let x = self.re();
                self.chain($crate::op::Op::ASINH, T::zero(), x.asinh(), (x * x + T::one()).sqrt().recip())
            }
            /// `d acosh x = dx / √(x² − 1)`.
            fn acosh(self) -> Self {
                let x = self.re();
                self.chain($crate::op::Op::ACOSH, T::zero(), x.acosh(), (x * x - T::one()).sqrt().recip())
            }
            /// `d atanh x = dx / (1 − x²)`.
            fn atanh(self) -> Self {
                let x = self.re();
                self.chain($crate::op::Op::ATANH, T::zero(), x.atanh(), (T::one() - x * x).recip())
            }
            fn to_degrees(self) -> Self {
                self.chain($crate::op::Op::TO_DEGREES, T::zero(), self.re().to_degrees(), T::from_f64(180.0 / ::std::f64::consts::PI))
            }
            fn to_radians(self) -> Self {
                self.chain($crate::op::Op::TO_RADIANS, T::zero(), self.re().to_radians(), T::from_f64(::std::f64::consts::PI / 180.0))
            }
        }
    };
}
pub(crate) use forward_float;

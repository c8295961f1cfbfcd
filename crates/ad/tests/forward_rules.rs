//! Every elementary rule of `forward_number!` against its closed-form first and second
//! derivative, on `Dual<f64>`, `DualVec<f64, 3>` and `Dual<Dual<f64>>`, plus binary operations,
//! mixed arithmetic with plain floats, `Sum`/`Product`, `Display` and the documented kink choices.

use approx::assert_relative_eq;
use hypergrad_ad::{Dual, DualVec, Float, Scalar};

/// The unary elementary functions under test.
#[derive(Clone, Copy, Debug)]
enum Op {
    Neg,
    Recip,
    Sqrt,
    Cbrt,
    Exp,
    Exp2,
    ExpM1,
    Ln,
    Ln1p,
    Log2,
    Log10,
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Sinh,
    Cosh,
    Tanh,
    Asinh,
    Acosh,
    Atanh,
    Powi3,
    PowiMinus2,
    PowfHalf,
    Abs,
    Fract,
    ToDegrees,
    ToRadians,
}

const OPS: [Op; 30] = [
    Op::Neg,
    Op::Recip,
    Op::Sqrt,
    Op::Cbrt,
    Op::Exp,
    Op::Exp2,
    Op::ExpM1,
    Op::Ln,
    Op::Ln1p,
    Op::Log2,
    Op::Log10,
    Op::Sin,
    Op::Cos,
    Op::Tan,
    Op::Asin,
    Op::Acos,
    Op::Atan,
    Op::Sinh,
    Op::Cosh,
    Op::Tanh,
    Op::Asinh,
    Op::Acosh,
    Op::Atanh,
    Op::Powi3,
    Op::PowiMinus2,
    Op::PowfHalf,
    Op::Abs,
    Op::Fract,
    Op::ToDegrees,
    Op::ToRadians,
];

/// Points inside every function's smooth domain (acosh needs x > 1, asin/atanh |x| < 1).
fn points(op: Op) -> &'static [f64] {
    match op {
        Op::Acosh => &[1.5, 2.0, 7.25],
        Op::Asin | Op::Acos | Op::Atanh => &[-0.7, 0.1, 0.45],
        Op::Sqrt | Op::Ln | Op::Log2 | Op::Log10 | Op::PowfHalf => &[0.3, 1.0, 4.5],
        Op::Fract => &[0.3, 1.7, -2.4],
        _ => &[-1.3, 0.4, 2.1],
    }
}

fn apply<S: Scalar>(op: Op, x: S) -> S {
    match op {
        Op::Neg => -x,
        Op::Recip => x.recip(),
        Op::Sqrt => x.sqrt(),
        Op::Cbrt => x.cbrt(),
        Op::Exp => x.exp(),
        Op::Exp2 => x.exp2(),
        Op::ExpM1 => x.exp_m1(),
        Op::Ln => x.ln(),
        Op::Ln1p => x.ln_1p(),
        Op::Log2 => x.log2(),
        Op::Log10 => x.log10(),
        Op::Sin => x.sin(),
        Op::Cos => x.cos(),
        Op::Tan => x.tan(),
        Op::Asin => x.asin(),
        Op::Acos => x.acos(),
        Op::Atan => x.atan(),
        Op::Sinh => x.sinh(),
        Op::Cosh => x.cosh(),
        Op::Tanh => x.tanh(),
        Op::Asinh => x.asinh(),
        Op::Acosh => x.acosh(),
        Op::Atanh => x.atanh(),
        Op::Powi3 => x.powi(3),
        Op::PowiMinus2 => x.powi(-2),
        Op::PowfHalf => x.powf(S::from_f64(0.5)),
        Op::Abs => x.abs(),
        Op::Fract => x.fract(),
        Op::ToDegrees => x.to_degrees(),
        Op::ToRadians => x.to_radians(),
    }
}

/// Closed-form `(f'(x), f''(x))`, derived by hand.
fn closed_form(op: Op, x: f64) -> (f64, f64) {
    use std::f64::consts::{LN_10, LN_2, PI};
    let s = 1.0 - x * x; // for asin, acos, atanh
    match op {
        Op::Neg => (-1.0, 0.0),
        Op::Recip => (-1.0 / (x * x), 2.0 / (x * x * x)),
        Op::Sqrt | Op::PowfHalf => (0.5 / x.sqrt(), -0.25 / (x * x.sqrt())),
        Op::Cbrt => (
            1.0 / (3.0 * x.cbrt().powi(2)),
            -2.0 / (9.0 * x.cbrt().powi(5)),
        ),
        Op::Exp | Op::ExpM1 => (x.exp(), x.exp()),
        Op::Exp2 => (x.exp2() * LN_2, x.exp2() * LN_2 * LN_2),
        Op::Ln => (1.0 / x, -1.0 / (x * x)),
        Op::Ln1p => (1.0 / (1.0 + x), -1.0 / ((1.0 + x) * (1.0 + x))),
        Op::Log2 => (1.0 / (x * LN_2), -1.0 / (x * x * LN_2)),
        Op::Log10 => (1.0 / (x * LN_10), -1.0 / (x * x * LN_10)),
        Op::Sin => (x.cos(), -x.sin()),
        Op::Cos => (-x.sin(), -x.cos()),
        Op::Tan => {
            let sec2 = 1.0 / (x.cos() * x.cos());
            (sec2, 2.0 * x.tan() * sec2)
        }
        Op::Asin => (1.0 / s.sqrt(), x / (s * s.sqrt())),
        Op::Acos => (-1.0 / s.sqrt(), -x / (s * s.sqrt())),
        Op::Atan => (
            1.0 / (1.0 + x * x),
            -2.0 * x / ((1.0 + x * x) * (1.0 + x * x)),
        ),
        Op::Sinh => (x.cosh(), x.sinh()),
        Op::Cosh => (x.sinh(), x.cosh()),
        Op::Tanh => {
            let sech2 = 1.0 / (x.cosh() * x.cosh());
            (sech2, -2.0 * x.tanh() * sech2)
        }
        Op::Asinh => {
            let r = (x * x + 1.0).sqrt();
            (1.0 / r, -x / (r * r * r))
        }
        Op::Acosh => {
            let r = (x * x - 1.0).sqrt();
            (1.0 / r, -x / (r * r * r))
        }
        Op::Atanh => (1.0 / s, 2.0 * x / (s * s)),
        Op::Powi3 => (3.0 * x * x, 6.0 * x),
        Op::PowiMinus2 => (-2.0 / (x * x * x), 6.0 / (x * x * x * x)),
        Op::Abs => (x.signum(), 0.0),
        Op::Fract => (1.0, 0.0),
        Op::ToDegrees => (180.0 / PI, 0.0),
        Op::ToRadians => (PI / 180.0, 0.0),
    }
}

// Tolerance: the rule and the closed form compute the same number by different short formulas
// (e.g. 1 + tan²x vs 1/cos²x), each a few correctly rounded flops plus libm calls accurate to
// ~1 ulp, so they agree to a few ulps. 16 ulps (3.6e-15) relative bounds that sum with margin;
// a wrong rule (a missing factor, a sign) is off by O(1).
const ULPS16: f64 = 16.0 * f64::EPSILON;

#[test]
fn first_derivatives_match_closed_forms_on_dual() {
    for op in OPS {
        for &x in points(op) {
            let y = apply(op, Dual::variable(x));
            assert_eq!(
                y.re.to_bits(),
                apply(op, x).to_bits(),
                "{op:?} value at {x}"
            );
            let (d1, _) = closed_form(op, x);
            assert_relative_eq!(y.eps, d1, max_relative = ULPS16);
        }
    }
}

#[test]
fn dual_vec_lanes_equal_dual_passes_bit_for_bit() {
    // The lanes of DualVec apply the same per-lane arithmetic as Dual: identical bits.
    for op in OPS {
        for &x in points(op) {
            let seeds = [1.0, -0.5, 0.0];
            let y = apply(op, DualVec::new(x, seeds));
            for (lane, s) in seeds.iter().enumerate() {
                let d = apply(op, Dual::new(x, *s));
                assert_eq!(y.eps[lane].to_bits(), d.eps.to_bits(), "{op:?} at {x}");
            }
        }
    }
}

#[test]
fn second_derivatives_match_closed_forms_on_nested_dual() {
    for op in OPS {
        for &x in points(op) {
            let y = apply(op, Dual::new(Dual::variable(x), Dual::new(1.0, 0.0)));
            let (d1, d2) = closed_form(op, x);
            assert_relative_eq!(y.re.eps, d1, max_relative = ULPS16);
            assert_relative_eq!(y.eps.re, d1, max_relative = ULPS16);
            // Second derivatives add a product-rule layer: same few-ulp budget, plus an
            // absolute floor for exact zeros (d²/dx² of x⁻¹·… terms cancelling to ~1e-16).
            assert_relative_eq!(y.eps.eps, d2, max_relative = ULPS16, epsilon = 1e-15);
        }
    }
}

/// The partials `(∂f/∂x, ∂f/∂y)` of a binary function by two `Dual` passes.
fn partials(f: impl Fn(Dual<f64>, Dual<f64>) -> Dual<f64>, x: f64, y: f64) -> (f64, f64) {
    let dx = f(Dual::new(x, 1.0), Dual::new(y, 0.0)).eps;
    let dy = f(Dual::new(x, 0.0), Dual::new(y, 1.0)).eps;
    (dx, dy)
}

#[test]
fn binary_operations_match_closed_forms() {
    let (x, y) = (1.7_f64, -0.6_f64);
    assert_eq!(partials(|a, b| a + b, x, y), (1.0, 1.0));
    assert_eq!(partials(|a, b| a - b, x, y), (1.0, -1.0));
    assert_eq!(partials(|a, b| a * b, x, y), (y, x));
    let (dx, dy) = partials(|a, b| a / b, x, y);
    assert_relative_eq!(dx, 1.0 / y, max_relative = ULPS16);
    assert_relative_eq!(dy, -x / (y * y), max_relative = ULPS16);
    // x % y = x − trunc(x/y)·y: partials 1 and −trunc(x/y) = −trunc(−2.83) = 2.
    assert_eq!(partials(|a, b| a % b, x, y), (1.0, 2.0));
    let (dx, dy) = partials(|a, b| a.atan2(b), x, y);
    assert_relative_eq!(dx, y / (x * x + y * y), max_relative = ULPS16);
    assert_relative_eq!(dy, -x / (x * x + y * y), max_relative = ULPS16);
    let (dx, dy) = partials(|a, b| a.hypot(b), x, y);
    let h = x.hypot(y);
    assert_relative_eq!(dx, x / h, max_relative = ULPS16);
    assert_relative_eq!(dy, y / h, max_relative = ULPS16);
    assert_eq!(partials(|a, b| a.max(b), x, y), (1.0, 0.0));
    assert_eq!(partials(|a, b| a.min(b), x, y), (0.0, 1.0));
    assert_eq!(partials(|a, b| a.mul_add(b, b), x, y), (y, x + 1.0));
    // xʸ with x > 0: partials y·xʸ⁻¹ and xʸ·ln x.
    let (dx, dy) = partials(|a, b| a.powf(b), x, y);
    assert_relative_eq!(dx, y * x.powf(y - 1.0), max_relative = ULPS16);
    assert_relative_eq!(dy, x.powf(y) * x.ln(), max_relative = ULPS16);
    // log_b x = ln x / ln b, at x = 1.7, b = 2.5: partials 1/(x ln b), −ln x/(b ln² b).
    let (dx, db) = partials(|a, b| a.log(b), x, 2.5);
    assert_relative_eq!(dx, 1.0 / (x * 2.5_f64.ln()), max_relative = ULPS16);
    assert_relative_eq!(
        db,
        -x.ln() / (2.5 * 2.5_f64.ln().powi(2)),
        max_relative = ULPS16
    );
}

#[test]
fn compound_assignment_equals_operators() {
    let (a, b) = (Dual::new(1.5, 0.25), Dual::new(-0.5, 2.0));
    for (op, want) in [(0, a + b), (1, a - b), (2, a * b), (3, a / b), (4, a % b)] {
        let mut c = a;
        match op {
            0 => c += b,
            1 => c -= b,
            2 => c *= b,
            3 => c /= b,
            _ => c %= b,
        }
        assert_eq!((c.re, c.eps), (want.re, want.eps));
    }
}

#[test]
fn plain_constants_on_both_sides() {
    let x = Dual::new(3.0_f64, 1.0);
    let pairs = [
        (x + 2.0, 5.0, 1.0),
        (2.0 + x, 5.0, 1.0),
        (x - 2.0, 1.0, 1.0),
        (2.0 - x, -1.0, -1.0),
        (x * 2.0, 6.0, 2.0),
        (2.0 * x, 6.0, 2.0),
        (x / 2.0, 1.5, 0.5),
        (2.0 / x, 2.0 / 3.0, -2.0 / 9.0),
    ];
    for (y, re, eps) in pairs {
        assert_eq!((y.re, y.eps), (re, eps));
    }
    // Nested duals take plain `f64` on both sides.
    let z = 2.0 / Dual::new(Dual::new(4.0_f64, 1.0), Dual::new(1.0, 0.0)) - 1.0;
    assert_eq!((z.re.re, z.re.eps, z.eps.re), (-0.5, -0.125, -0.125));
    let w = 3.0 * Dual::new(Dual::new(2.0_f64, 1.0), Dual::new(1.0, 0.0)) * 2.0;
    assert_eq!((w.re.re, w.re.eps, w.eps.re), (12.0, 6.0, 6.0));
    let v = 1.0 - DualVec::new(2.0_f64, [1.0, -1.0]);
    assert_eq!((v.re, v.eps), (-1.0, [-1.0, 1.0]));
}

#[test]
fn sum_and_product() {
    let xs = [
        Dual::new(2.0, 1.0),
        Dual::new(3.0, 0.0),
        Dual::new(4.0, 2.0),
    ];
    let s: Dual<f64> = xs.iter().sum();
    let p: Dual<f64> = xs.into_iter().product();
    assert_eq!((s.re, s.eps), (9.0, 3.0));
    // d(abc) = da·bc + a·db·c + ab·dc = 12 + 0 + 12.
    assert_eq!((p.re, p.eps), (24.0, 24.0));
    let empty: [DualVec<f64, 2>; 0] = [];
    let (s, p): (DualVec<f64, 2>, DualVec<f64, 2>) = (empty.iter().sum(), empty.iter().product());
    assert_eq!((s.re, s.eps, p.re, p.eps), (0.0, [0.0; 2], 1.0, [0.0; 2]));
}

#[test]
fn display() {
    assert_eq!(Dual::new(2.0, 1.0).to_string(), "2 + 1ε");
    assert_eq!(
        DualVec::new(2.5, [1.0, -0.5]).to_string(),
        "2.5 + [1, -0.5]ε"
    );
    assert_eq!(
        Dual::new(Dual::new(1.0, 2.0), Dual::new(3.0, 4.0)).to_string(),
        "1 + 2ε + 3 + 4εε"
    );
}

#[test]
fn kink_choices() {
    // abs at 0: tangent 0, the minimal-norm element of [−1, 1].
    assert_eq!(Dual::new(0.0, 1.0).abs().eps, 0.0);
    assert_eq!(Dual::new(-0.0, 1.0).abs().eps, 0.0);
    // sqrt at 0: +∞ tangent for a nonzero seed; NaN (0·∞) for a zero seed.
    let s = Dual::new(0.0, 1.0).sqrt();
    assert_eq!((s.re, s.eps), (0.0, f64::INFINITY));
    assert!(Dual::new(0.0, 0.0).sqrt().eps.is_nan());
    // ln of a negative number: NaN primal, finite tangent dx/x.
    let l = Dual::new(-2.0, 1.0).ln();
    assert!(l.re.is_nan());
    assert_eq!(l.eps, -0.5);
    // max/min at a tie: the derivative of the first argument.
    let (a, b) = (Dual::new(1.0, 2.0), Dual::new(1.0, 5.0));
    assert_eq!((a.max(b).eps, b.max(a).eps), (2.0, 5.0));
    assert_eq!((a.min(b).eps, b.min(a).eps), (2.0, 5.0));
    // A NaN operand is ignored, as f64::max does.
    let nan = Dual::new(f64::NAN, 1.0);
    assert_eq!((nan.max(b).eps, b.max(nan).eps), (5.0, 5.0));
    // hypot at the origin: tangent 0.
    let h = Dual::new(0.0, 1.0).hypot(Dual::new(0.0, 1.0));
    assert_eq!((h.re, h.eps), (0.0, 0.0));
    // powf at x = 0: the ∂/∂y term xʸ ln x is its limit 0; ∂/∂x is y·0^(y−1).
    let (dx, dy) = partials(|a, b| a.powf(b), 0.0, 2.0);
    assert_eq!((dx, dy), (0.0, 0.0));
    let (dx, dy) = partials(|a, b| a.powf(b), 0.0, 1.0);
    assert_eq!((dx, dy), (1.0, 0.0));
    // powf with a constant exponent on a negative base: finite tangent y·xʸ⁻¹ (ln x is NaN
    // but its partial is skipped); with a constant base 0: the ∂/∂y term alone.
    let p = Dual::new(-2.0, 1.0).powf(Dual::constant(2.0));
    assert_eq!((p.re, p.eps), (4.0, -4.0));
    let q = Dual::constant(0.0).powf(Dual::new(0.5, 1.0));
    assert_eq!((q.re, q.eps), (0.0, 0.0));
    // powi(x, 0): tangent 0, also at x = 0.
    assert_eq!(Dual::new(0.0, 1.0).powi(0).eps, 0.0);
    // powi(x, i32::MIN) does not overflow n − 1: at x = 1, d = n·1 = −2³¹.
    let m = Dual::new(1.0, 1.0).powi(i32::MIN);
    assert_eq!((m.re, m.eps), (1.0, f64::from(i32::MIN)));
    // Piecewise-constant functions: tangent 0.
    let x = Dual::new(-1.5, 1.0);
    for y in [x.floor(), x.ceil(), x.round(), x.trunc(), x.signum()] {
        assert_eq!(y.eps, 0.0);
    }
}

#[test]
fn comparisons_use_the_primal_only() {
    assert_eq!(Dual::new(1.0, 2.0), Dual::new(1.0, 3.0));
    assert!(Dual::new(1.0, 9.0) < Dual::new(2.0, 0.0));
    assert_eq!(Dual::new(3.0, 1.0).value(), 3.0);
    assert_eq!(
        Dual::new(Dual::new(3.0, 1.0), Dual::new(1.0, 0.0)).value(),
        3.0
    );
}

#[test]
fn primal_of_div_and_mul_add_is_the_underlying_floats() {
    // x / y is one correctly rounded division (not x · (1/y)), and mul_add is fused (one
    // rounding), so a program's value does not change when it is differentiated.
    for (x, y, z) in [(0.1_f64, 0.3, -0.03), (5.0, 3.0, -2.5), (1e-3, 3e5, 1.0)] {
        let (dx, dy, dz) = (Dual::new(x, 1.0), Dual::new(y, 0.5), Dual::new(z, 2.0));
        assert_eq!((dx / dy).re.to_bits(), (x / y).to_bits());
        let m = dx.mul_add(dy, dz);
        assert_eq!(m.re.to_bits(), x.mul_add(y, z).to_bits());
        assert_eq!(m.eps, 1.0 * y + x * 0.5 + 2.0);
    }
    // The cases distinguish the one-rounding results from the two-rounding ones.
    assert_ne!(5.0_f64 / 3.0, 5.0 * (1.0_f64 / 3.0));
    assert_ne!(0.1_f64 * 0.3 - 0.03, 0.1_f64.mul_add(0.3, -0.03));
}

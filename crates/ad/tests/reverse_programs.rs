//! Property tests on random generated programs: the reverse gradient equals the forward
//! gradient, and forward-over-reverse `hvp` equals forward-over-forward.

use hypergrad_ad::{reverse, Dual, Scalar};
use proptest::prelude::*;

/// One instruction: an operation code and two register operands (taken modulo the registers
/// defined so far).
type Instr = (u8, usize, usize);

/// Runs a straight-line program on registers initialised with the inputs; every instruction
/// appends a register. All operations are smooth on their whole domain (arguments are mapped
/// into the domain first), so every mode must agree up to rounding. The output sums the last
/// three registers.
fn program<S: Scalar>(code: &[Instr], x: &[S]) -> S {
    let mut r: Vec<S> = x.to_vec();
    for &(op, i, j) in code {
        let (a, b) = (r[i % r.len()], r[j % r.len()]);
        let one = S::one();
        let v = match op % 16 {
            0 => a + b,
            1 => a - b,
            2 => a * b,
            3 => a / (one + b * b),
            4 => a.sin(),
            5 => a.cos() * b,
            6 => a.tanh().exp(),
            7 => (one + a * a).ln(),
            8 => (one + a * a).sqrt(),
            9 => a.atan(),
            10 => a.powi(3),
            11 => a.hypot(b + S::from_f64(2.0)),
            12 => a.mul_add(b, one),
            13 => a.scale(S::Real::from_f64(0.5)) - S::from_f64(1.5),
            14 => (one + a * a).powf(b.tanh()),
            _ => a.sinh().atan() * b.cos(),
        };
        r.push(v);
    }
    r.iter().rev().take(3).copied().sum()
}

/// Two outputs: the program and its first half.
fn two_outputs<S: Scalar>(code: &[Instr], x: &[S]) -> Vec<S> {
    vec![program(code, x), program(&code[..code.len() / 2], x)]
}

/// The forward gradient: one `Dual` pass per input.
fn forward_gradient(code: &[Instr], x: &[f64]) -> Vec<f64> {
    (0..x.len())
        .map(|k| {
            let xd: Vec<Dual<f64>> = x
                .iter()
                .enumerate()
                .map(|(i, &xi)| Dual::new(xi, if i == k { 1.0 } else { 0.0 }))
                .collect();
            program(code, &xd).eps
        })
        .collect()
}

/// `H v` by forward over forward: `∂²f(x + s·eⱼ + t·v)/∂s∂t = (H v)ⱼ`, one pass per `j`.
fn forward_hvp(code: &[Instr], x: &[f64], v: &[f64]) -> Vec<f64> {
    (0..x.len())
        .map(|j| {
            let xd: Vec<Dual<Dual<f64>>> = x
                .iter()
                .zip(v)
                .enumerate()
                .map(|(i, (&xi, &vi))| {
                    let e = if i == j { 1.0 } else { 0.0 };
                    Dual::new(Dual::new(xi, vi), Dual::new(e, 0.0))
                })
                .collect();
            program(code, &xd).eps.eps
        })
        .collect()
}

/// `max |aᵢ − bᵢ| / max(1, ‖b‖∞)`: both sides apply the same local rules, so they differ only by
/// the order of rounding in the accumulation, which is relative to the size of the terms.
fn rel_err(a: &[f64], b: &[f64]) -> f64 {
    let scale = b.iter().fold(1.0_f64, |m, x| m.max(x.abs()));
    a.iter()
        .zip(b)
        .map(|(p, q)| (p - q).abs())
        .fold(0.0, f64::max)
        / scale
}

fn programs() -> impl Strategy<Value = (Vec<Instr>, Vec<f64>, Vec<f64>)> {
    (2usize..6).prop_flat_map(|n| {
        (
            prop::collection::vec((any::<u8>(), 0usize..64, 0usize..64), 1..40),
            prop::collection::vec(-2.0f64..2.0, n),
            prop::collection::vec(-1.0f64..1.0, n),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn reverse_gradient_equals_forward((code, x, _v) in programs()) {
        let (y, g) = reverse::gradient(|xs| program(&code, xs), &x);
        let fwd = forward_gradient(&code, &x);
        // Same value as forward mode bit for bit (both evaluate through the same rules; plain f64
        // may differ in the last bit where `mul_add` is fused).
        let xd: Vec<Dual<f64>> = x.iter().map(|&xi| Dual::constant(xi)).collect();
        prop_assert_eq!(y.to_bits(), program(&code, &xd).re.to_bits());
        // 1e-12: rounding of ≤ 40 operations (~1e-14) with room for moderate cancellation.
        prop_assert!(rel_err(&g, &fwd) <= 1e-12, "reverse {:?} forward {:?}", g, fwd);
    }

    #[test]
    fn hvp_equals_forward_over_forward((code, x, v) in programs()) {
        let (_, g, hv) = reverse::hvp(|xs| program(&code, xs), &x, &v).unwrap();
        prop_assert!(rel_err(&g, &forward_gradient(&code, &x)) <= 1e-12);
        let reference = forward_hvp(&code, &x, &v);
        // Second derivatives accumulate one more level of products: 1e-11 relative.
        prop_assert!(rel_err(&hv, &reference) <= 1e-11, "fwd-over-rev {:?} fwd-over-fwd {:?}", hv, reference);
    }

    #[test]
    fn jacobian_rows_are_vjps((code, x, w) in programs()) {
        let (_, jac) = reverse::jacobian(|xs| two_outputs(&code, xs), &x);
        let (_, wj) = reverse::vjp(|xs| two_outputs(&code, xs), &x, &w[..2]).unwrap();
        let expect: Vec<f64> = (0..x.len()).map(|j| w[0] * jac[[0, j]] + w[1] * jac[[1, j]]).collect();
        prop_assert!(rel_err(&wj, &expect) <= 1e-12);
        prop_assert!(rel_err(&jac.row(0).to_vec(), &forward_gradient(&code, &x)) <= 1e-12);
    }
}

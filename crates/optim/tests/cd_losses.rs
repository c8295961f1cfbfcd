//! The smooth losses: gradients against finite differences and forward mode, Lipschitz bounds.

mod cd_common;

use cd_common::*;
use hypergrad_ad::Dual;
use hypergrad_optim::{Design, LeastSquares, Logistic};
use ndarray::Array1;

fn direction(p: usize) -> Vec<f64> {
    (0..p).map(|j| ((j * 7 % 5) as f64 - 2.0) / 3.0).collect()
}

/// ⟨∇f(β), d⟩ by the f64 gradient, by central differences, and by forward mode on the generic
/// value: all three agree.
fn check_gradient(
    value: impl Fn(&[f64]) -> f64,
    dual: impl Fn(&[Dual<f64>]) -> Dual<f64>,
    grad: &[f64],
    beta: &[f64],
) {
    let d = direction(beta.len());
    let analytic: f64 = grad.iter().zip(&d).map(|(g, v)| g * v).sum();
    let h = 1e-5;
    let shifted = |s: f64| -> Vec<f64> { beta.iter().zip(&d).map(|(b, v)| b + s * v).collect() };
    let fd = (value(&shifted(h)) - value(&shifted(-h))) / (2.0 * h);
    let seeded: Vec<Dual<f64>> = beta
        .iter()
        .zip(&d)
        .map(|(&b, &v)| Dual::new(b, v))
        .collect();
    let forward = dual(&seeded).eps;
    // Forward mode is exact up to rounding (1e-12); central differences carry O(h²·f''') plus
    // 1e-16·f/h rounding ≈ 1e-10 at these O(1) values: 1e-7.
    assert!(
        (forward - analytic).abs() < 1e-12 * (1.0 + analytic.abs()),
        "{forward} vs {analytic}"
    );
    assert!(
        (fd - analytic).abs() < 1e-7 * (1.0 + analytic.abs()),
        "{fd} vs {analytic}"
    );
}

#[test]
fn least_squares_gradient_and_lipschitz() {
    let (csc, x, y) = sparse_problem(50, 15, 0.4, 3, 71);
    let beta = direction(15)
        .iter()
        .map(|v| v * 0.7 + 0.1)
        .collect::<Vec<_>>();
    for design in [dense(&x), Design::sparse(csc.clone()).unwrap()] {
        let loss = LeastSquares::new(design, y.view()).unwrap();
        let mut grad = vec![0.0; 15];
        loss.gradient(&beta, &mut grad);
        check_gradient(|b| loss.value(b), |b| loss.value(b), &grad, &beta);
        // ‖X‖₂²/n against the largest eigenvalue of XᵀX/n by a long independent power iteration
        // on the dense Gram matrix.
        let gram = x.t().dot(&x) / 50.0;
        let mut v = Array1::from_elem(15, 1.0);
        for _ in 0..5000 {
            v = gram.dot(&v);
            v /= v.dot(&v).sqrt();
        }
        let lambda = v.dot(&gram.dot(&v));
        assert!((loss.lipschitz() - lambda).abs() < 1e-8 * lambda);
        let mut per_coord = vec![0.0; 15];
        loss.coordinate_lipschitz(&mut per_coord);
        for (j, l) in per_coord.iter().enumerate() {
            assert!((l - gram[[j, j]]).abs() < 1e-14 * (1.0 + gram[[j, j]]));
        }
    }
}

#[test]
fn logistic_gradient_and_stability() {
    let (x, _) = gaussian_problem(40, 8, 0, 73);
    let y = labels(&x, 74);
    let loss = Logistic::new(dense(&x), y.view()).unwrap();
    for scale in [0.1, 1.0, 30.0] {
        let beta: Vec<f64> = direction(8).iter().map(|v| v * scale).collect();
        let mut grad = vec![0.0; 8];
        loss.gradient(&beta, &mut grad);
        assert!(grad.iter().all(|g| g.is_finite()));
        if scale < 10.0 {
            check_gradient(|b| loss.value(b), |b| loss.value(b), &grad, &beta);
        }
    }
    // Margins up to ~1e3 (where the naive exp overflows) stay finite and accurate: reference
    // log(1 + eᵘ) computed naively where it is safe, and as u (exact in f64) where u > 40.
    let big: Vec<f64> = direction(8).iter().map(|v| v * 1e3).collect();
    let z = x.dot(&Array1::from(big.clone()));
    let reference = |u: f64| if u > 40.0 { u } else { u.exp().ln_1p() };
    let want = z
        .iter()
        .zip(&y)
        .map(|(zi, yi)| reference(-yi * zi))
        .sum::<f64>()
        / 40.0;
    assert!(
        z.iter().any(|zi| zi.abs() > 710.0),
        "no overflowing margin: test is vacuous"
    );
    assert!((loss.value(&big) - want).abs() < 1e-13 * want);
    let mut per_coord = vec![0.0; 8];
    loss.coordinate_lipschitz(&mut per_coord);
    let norms: Vec<f64> = x.columns().into_iter().map(|c| c.dot(&c) / 160.0).collect();
    for (a, b) in per_coord.iter().zip(&norms) {
        assert!((a - b).abs() < 1e-14 * b);
    }
}

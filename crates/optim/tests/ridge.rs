//! Ridge by a direct solve: the primal (p×p) and Woodbury (n×n) forms, dense and sparse, the
//! optimality condition, and `solution_vjp` against central finite differences.

mod cd_common;

use cd_common::*;
use hypergrad_optim::{Design, FixedPointMap, LeastSquares, OptimError, Ridge, SolverParams};

/// `‖∇P(β)‖∞ = ‖−Xᵀ(y − Xβ)/n + α ∘ β‖∞`, through `LeastSquares::gradient`.
fn stationarity(loss: &LeastSquares, alphas: &[f64], beta: &[f64]) -> f64 {
    let mut grad = vec![0.0; beta.len()];
    loss.gradient(beta, &mut grad);
    grad.iter()
        .zip(alphas.iter().zip(beta))
        .map(|(g, (a, b))| (g + a * b).abs())
        .fold(0.0, f64::max)
}

fn per_feature_theta(p: usize) -> Vec<f64> {
    (0..p).map(|j| (0.05 * (1 + j % 7) as f64).ln()).collect()
}

/// Both forms (n ≥ p: primal; n < p: Woodbury), dense and sparse designs, one and p penalties:
/// the gradient vanishes to rounding (the systems are well conditioned: α ≥ 0.05 bounds
/// λ_min(A) below, ‖A‖ ≲ (1 + √(p/n))² + α, so κ ≲ 400 and ∇P ~ κ·ε·‖Xᵀy/n‖ ≲ 1e-11).
#[test]
fn both_forms_solve_the_normal_equations_dense_and_sparse() {
    for (n, p) in [(80, 30), (40, 120)] {
        let (csc, x, y) = sparse_problem(n, p, 0.3, 5, 91);
        for design in [dense(&x), Design::sparse(csc.clone()).unwrap()] {
            let loss = LeastSquares::new(design, y.view()).unwrap();
            let theta = per_feature_theta(p);
            let ridge = Ridge::per_feature(loss.clone());
            let beta = ridge.closed_form(&theta).unwrap();
            let alphas = ridge.alphas(&theta).unwrap();
            assert!(stationarity(&loss, &alphas, &beta) < 1e-11);
            let scalar = Ridge::new(loss.design().clone(), y.view()).unwrap();
            let beta = scalar.closed_form(&[0.2_f64.ln()]).unwrap();
            assert!(stationarity(&loss, &vec![0.2; p], &beta) < 1e-11);
            let report = scalar
                .solve(&[0.2_f64.ln()], None, &SolverParams::default())
                .unwrap()
                .report;
            assert!(report.converged() && report.residual < 1e-11);
        }
    }
}

/// `(∂β/∂θ)ᵀg` from the factorization against central differences of `gᵀβ(θ)` along each
/// `e_j`: the error of a central difference with step h is `h²/6·|∂³| + ε|gᵀβ|/h`; β is a
/// smooth rational function of α = e^θ with derivatives of order ‖β‖, so h = 1e-4 gives
/// ~1e-9 absolute on values of order 1; 1e-7 relative to the largest entry is well above it.
#[test]
fn solution_vjp_matches_central_differences_in_both_forms() {
    for (n, p) in [(60, 12), (15, 40)] {
        let (csc, x, y) = sparse_problem(n, p, 0.4, 4, 93);
        for design in [dense(&x), Design::sparse(csc.clone()).unwrap()] {
            let loss = LeastSquares::new(design, y.view()).unwrap();
            let g: Vec<f64> = (0..p).map(|j| ((j * 7 % 5) as f64 - 2.0) * 0.3).collect();
            let directional = |ridge: &Ridge, theta: &[f64]| -> f64 {
                let beta = ridge.closed_form(theta).unwrap();
                beta.iter().zip(&g).map(|(b, gj)| b * gj).sum()
            };
            for ridge in [
                Ridge::per_feature(loss.clone()),
                Ridge::new(loss.design().clone(), y.view()).unwrap(),
            ] {
                let theta = if ridge.dim_theta() == 1 {
                    vec![0.1_f64.ln()]
                } else {
                    per_feature_theta(p)
                };
                let beta = ridge.closed_form(&theta).unwrap();
                let vjp = ridge.solution_vjp(&beta, &theta, &g).unwrap().unwrap();
                assert_eq!(vjp.len(), theta.len());
                let h = 1e-4;
                let scale = vjp.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
                for (j, v) in vjp.iter().enumerate() {
                    let (mut up, mut down) = (theta.clone(), theta.clone());
                    up[j] += h;
                    down[j] -= h;
                    let fd = (directional(&ridge, &up) - directional(&ridge, &down)) / (2.0 * h);
                    assert!((v - fd).abs() < 1e-7 * scale, "θ_{j}: {v} vs {fd}");
                }
            }
        }
    }
}

#[test]
fn the_cached_factorization_follows_theta() {
    // A product at θ₂ right after a solve at θ₁ must refactor, not reuse θ₁'s system: compare
    // with a fresh model solved at θ₂ only (the same arithmetic: equal to the last bit).
    let (x, y) = gaussian_problem(30, 50, 4, 95);
    let loss = LeastSquares::new(dense(&x), y.view()).unwrap();
    let ridge = Ridge::per_feature(loss.clone());
    let (theta1, theta2) = (per_feature_theta(50), vec![0.3_f64.ln(); 50]);
    let g = vec![1.0; 50];
    let beta2 = ridge.closed_form(&theta2).unwrap();
    ridge.closed_form(&theta1).unwrap();
    let after_switch = ridge.solution_vjp(&beta2, &theta2, &g).unwrap().unwrap();
    let fresh = Ridge::per_feature(loss)
        .solution_vjp(&beta2, &theta2, &g)
        .unwrap()
        .unwrap();
    assert_eq!(after_switch, fresh);
    // Shared across threads (cross-validation folds run in parallel).
    fn assert_sync<T: Sync + Send>(_: &T) {}
    assert_sync(&ridge);
}

#[test]
fn solution_vjp_rejects_bad_input() {
    let (x, y) = gaussian_problem(20, 5, 2, 97);
    let ridge = Ridge::new(dense(&x), y.view()).unwrap();
    let beta = ridge.closed_form(&[0.0]).unwrap();
    let e = ridge
        .solution_vjp(&beta, &[0.0], &[1.0; 4])
        .unwrap()
        .unwrap_err();
    assert!(matches!(e, OptimError::ShapeMismatch { what: "g", .. }));
    let e = ridge
        .solution_vjp(&beta, &[0.0, 1.0], &[1.0; 5])
        .unwrap()
        .unwrap_err();
    assert!(matches!(e, OptimError::ShapeMismatch { what: "theta", .. }));
}

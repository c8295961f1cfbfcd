//! Gradient descent, ISTA and FISTA against closed-form optima, KKT conditions, their
//! fixed-point maps against the fast path, and input validation.

mod smooth_common;

use hypergrad_ad::nonsmooth::soft_threshold;
use hypergrad_ad::Dual;
use hypergrad_optim::regularizer::{NoPenalty, L1};
use hypergrad_optim::solvers::{Armijo, Fista, GradientDescent, GradientStep, Ista, StepRule};
use hypergrad_optim::{
    Design, FixedPointMap, LeastSquares, Logistic, Objective, OptimError, SolverParams, StopReason,
};
use ndarray::{Array2, ArrayView1};
use smooth_common::{a_solve, max_abs_diff, uniform, Quadratic};

const THETA: [f64; 4] = [1.0, -2.0, 0.5, 3.0];

fn params(tol: f64, max_iter: usize) -> SolverParams {
    SolverParams {
        max_iter,
        tol,
        record_history: false,
    }
}

#[test]
fn gradient_descent_reaches_the_quadratic_minimiser() {
    let exact = a_solve(&THETA);
    // L = λ_max(A) ≤ max row sum = 5.5, so s = 1/5.5 is a safe fixed step.
    // The fixed step is run to ‖∇f‖ ≤ 1e-10. Armijo compares function values, whose decrease
    // s‖∇f‖² drops below their rounding ε|f| ≈ 1e-15 once ‖∇f‖ ≲ √(ε|f|/s) ≈ 1e-7, so the
    // backtracking run is asked for ‖∇f‖ ≤ 1e-6 (a limit of value-based line searches).
    for (step, tol) in [
        (StepRule::Fixed(1.0 / 5.5), 1e-10),
        (StepRule::Backtracking(Armijo::default()), 1e-6),
    ] {
        let sol = GradientDescent { step }
            .solve(&Quadratic, &THETA, None, &params(tol, 10_000))
            .unwrap();
        assert!(sol.report.converged(), "{step:?}: {:?}", sol.report);
        // λ_min(A) ≥ 0.7 (Gershgorin, last row: 1.5 − 0.8) gives ‖x − x*‖ ≤ ‖∇f‖/0.7.
        assert!(max_abs_diff(&sol.x, &exact) < 1.5 * tol, "{step:?}");
    }
}

#[test]
fn gradient_step_map_on_f64_equals_one_solver_iteration_and_carries_tangents() {
    let x0 = [0.3, -0.1, 2.0, 0.7];
    let sol = GradientDescent {
        step: StepRule::Fixed(0.1),
    }
    .solve(&Quadratic, &THETA, Some(&x0), &params(1e-30, 1))
    .unwrap();
    assert_eq!(sol.report.stop, StopReason::MaxIterations);
    let map = GradientStep {
        objective: &Quadratic,
        step: 0.1,
    };
    let mut out = [0.0; 4];
    map.apply(&x0, &THETA, &mut out);
    assert_eq!(sol.x, out.to_vec());
    // ∂T/∂θ₂ = s·e₂ exactly (T = x − s(Ax − θ)).
    let xd: Vec<Dual<f64>> = x0.iter().map(|&v| Dual::constant(v)).collect();
    let td: Vec<Dual<f64>> = (0..4)
        .map(|i| Dual::new(THETA[i], if i == 2 { 1.0 } else { 0.0 }))
        .collect();
    let mut od = vec![Dual::constant(0.0); 4];
    map.apply(&xd, &td, &mut od);
    for (i, o) in od.iter().enumerate() {
        assert!((o.eps - if i == 2 { 0.1 } else { 0.0 }).abs() < 1e-15);
        assert_eq!(o.re, out[i]);
    }
}

/// X = first 3 columns of the 4×4 Hadamard matrix: XᵀX/n = I, so the Lasso solution is
/// β = st(Xᵀy/n, α).
fn orthogonal_lasso() -> (LeastSquares, Vec<f64>) {
    let h = [
        [1.0, 1.0, 1.0],
        [1.0, -1.0, 1.0],
        [1.0, 1.0, -1.0],
        [1.0, -1.0, -1.0],
    ];
    let x = Array2::from_shape_fn((4, 3), |(i, j)| h[i][j]);
    let y = vec![2.0, -0.4, 1.2, 0.6];
    let xty: Vec<f64> = (0..3)
        .map(|j| (0..4).map(|i| h[i][j] * y[i]).sum::<f64>() / 4.0)
        .collect();
    (
        LeastSquares::new(Design::dense(x).unwrap(), ArrayView1::from(&y)).unwrap(),
        xty,
    )
}

#[test]
fn ista_and_fista_solve_the_orthogonal_lasso_exactly() {
    let (loss, xty) = orthogonal_lasso();
    let alpha: f64 = 0.3;
    let exact: Vec<f64> = xty.iter().map(|&c| soft_threshold(c, alpha)).collect();
    assert!(exact.contains(&0.0) && exact.iter().any(|&b| b != 0.0));
    let theta = [alpha.ln()];
    // L = 1; a step of 0.5 makes the iteration a genuine contraction rather than one exact step.
    let p = params(1e-12, 10_000);
    let ista = Ista { step: 0.5 }
        .solve(&loss, &L1, &theta, None, &p)
        .unwrap();
    let fista = |restart| {
        Fista { step: 0.5, restart }
            .solve(&loss, &L1, &theta, None, &p)
            .unwrap()
    };
    for sol in [ista, fista(true), fista(false)] {
        assert!(sol.report.converged());
        // Residual 1e-12 with contraction factor 1/2 gives an error ≤ 2e-12.
        assert!(
            max_abs_diff(&sol.x, &exact) < 1e-11,
            "{:?} vs {exact:?}",
            sol.x
        );
    }
}

/// Seeded Gaussian-like n×p design (uniform entries) and targets.
fn random_problem(n: usize, p: usize, seed: u64) -> (Design, Vec<f64>) {
    let mut s = seed;
    let x = Array2::from_shape_fn((n, p), |_| uniform(&mut s));
    let y = (0..n).map(|_| uniform(&mut s)).collect();
    (Design::dense(x).unwrap(), y)
}

/// Lasso/ℓ1-logistic KKT: |∇f_j| ≤ α where β_j = 0, ∇f_j = −α·sign(β_j) otherwise.
fn kkt_violation<O: Objective>(f: &O, beta: &[f64], alpha: f64) -> f64 {
    let mut g = vec![0.0; beta.len()];
    f.gradient_f64(beta, &[], &mut g);
    g.iter()
        .zip(beta)
        .map(|(&gj, &bj)| {
            if bj == 0.0 {
                (gj.abs() - alpha).max(0.0)
            } else {
                (gj + alpha * bj.signum()).abs()
            }
        })
        .fold(0.0, f64::max)
}

#[test]
fn fista_satisfies_kkt_on_random_lasso_and_sparse_logistic() {
    let (x, y) = random_problem(30, 12, 7);
    let ls = LeastSquares::new(x.clone(), ArrayView1::from(&y)).unwrap();
    let alpha = ls.alpha_max() / 5.0;
    let step = 1.0 / ls.lipschitz();
    let sol = Fista {
        step,
        restart: true,
    }
    .solve(&ls, &L1, &[alpha.ln()], None, &params(1e-12, 50_000))
    .unwrap();
    assert!(sol.report.converged());
    // Fixed-point residual r gives a KKT violation ≤ r·(L + 1/s) = 2Lr ≈ 1e-11.
    assert!(
        kkt_violation(&ls, &sol.x, alpha) < 1e-9,
        "{}",
        kkt_violation(&ls, &sol.x, alpha)
    );

    let labels: Vec<f64> = y
        .iter()
        .map(|&v| if v > 0.0 { 1.0 } else { -1.0 })
        .collect();
    let lg = Logistic::new(x, ArrayView1::from(&labels)).unwrap();
    let alpha = lg.alpha_max() / 5.0;
    let sol = Fista {
        step: 1.0 / lg.lipschitz(),
        restart: true,
    }
    .solve(&lg, &L1, &[alpha.ln()], None, &params(1e-12, 50_000))
    .unwrap();
    assert!(sol.report.converged());
    assert!(sol.x.iter().any(|&b| b != 0.0));
    assert!(
        kkt_violation(&lg, &sol.x, alpha) < 1e-9,
        "{}",
        kkt_violation(&lg, &sol.x, alpha)
    );
}

#[test]
fn proximal_map_on_f64_equals_one_ista_iteration_and_warm_start_is_used() {
    let (x, y) = random_problem(15, 6, 3);
    let ls = LeastSquares::new(x, ArrayView1::from(&y)).unwrap();
    let theta = [(ls.alpha_max() / 3.0).ln()];
    let ista = Ista {
        step: 1.0 / ls.lipschitz(),
    };
    let x0 = [0.1, -0.2, 0.3, 0.0, 0.5, -0.6];
    let one = ista
        .solve(&ls, &L1, &theta, Some(&x0), &params(1e-30, 1))
        .unwrap();
    let mut out = [0.0; 6];
    ista.map(&ls, &L1).apply(&x0, &theta, &mut out);
    // Generic gradient (closed form on S) vs gradient_f64 (the loss's own code): same sums.
    assert!(max_abs_diff(&one.x, &out) < 1e-15);
    // Warm-starting at the solution converges in one iteration.
    let sol = ista
        .solve(&ls, &L1, &theta, None, &params(1e-13, 100_000))
        .unwrap();
    let warm = ista
        .solve(&ls, &L1, &theta, Some(&sol.x), &params(1e-12, 100_000))
        .unwrap();
    assert_eq!(warm.report.iterations, 1);
}

#[test]
fn the_iteration_cap_is_reported() {
    let sol = Fista {
        step: 0.1,
        restart: false,
    }
    .solve(&Quadratic, &NoPenalty, &THETA, None, &params(1e-14, 5))
    .unwrap();
    assert_eq!(sol.report.stop, StopReason::MaxIterations);
    assert_eq!(sol.report.iterations, 5);
    assert!(!sol.report.converged());
    // A step far above 2/L blows up: the iterates overflow and the run says so.
    let blown = GradientDescent {
        step: StepRule::Fixed(10.0),
    }
    .solve(&Quadratic, &THETA, None, &params(1e-8, 10_000))
    .unwrap();
    assert_eq!(blown.report.stop, StopReason::Diverged);
    assert!(blown.report.iterations < 10_000);
}

#[test]
fn bad_input_gets_typed_errors() {
    let p = SolverParams::default();
    let bad_step = Ista { step: 0.0 }.solve(&Quadratic, &NoPenalty, &THETA, None, &p);
    assert!(matches!(
        bad_step,
        Err(OptimError::InvalidParameter { name: "step", .. })
    ));
    let neg = GradientDescent {
        step: StepRule::Fixed(-1.0),
    }
    .solve(&Quadratic, &THETA, None, &p);
    assert!(matches!(
        neg,
        Err(OptimError::InvalidParameter { name: "step", .. })
    ));
    let tol = Fista {
        step: 0.1,
        restart: false,
    }
    .solve(&Quadratic, &NoPenalty, &THETA, None, &params(-1.0, 10));
    assert!(matches!(
        tol,
        Err(OptimError::InvalidParameter { name: "tol", .. })
    ));
    let cap = Ista { step: 0.1 }.solve(&Quadratic, &NoPenalty, &THETA, None, &params(1e-8, 0));
    assert!(matches!(
        cap,
        Err(OptimError::InvalidParameter {
            name: "max_iter",
            ..
        })
    ));
    let theta = Ista { step: 0.1 }.solve(&Quadratic, &L1, &THETA, None, &p);
    assert!(matches!(
        theta,
        Err(OptimError::ShapeMismatch {
            what: "theta",
            expected: 5,
            got: 4
        })
    ));
    let x0 = Ista { step: 0.1 }.solve(
        &Quadratic,
        &NoPenalty,
        &THETA,
        Some(&[0.0, f64::NAN, 0.0, 0.0]),
        &p,
    );
    assert!(matches!(x0, Err(OptimError::NonFinite { what: "x0" })));
    let weights = hypergrad_optim::regularizer::WeightedL1 { n_features: 3 };
    let wrong = Ista { step: 0.1 }.solve(&Quadratic, &weights, &[0.0; 7], None, &p);
    assert!(matches!(
        wrong,
        Err(OptimError::ShapeMismatch {
            what: "weighted L1 features",
            ..
        })
    ));
    let armijo = Armijo {
        shrink: 1.5,
        ..Armijo::default()
    };
    let ls = GradientDescent {
        step: StepRule::Backtracking(armijo),
    }
    .solve(&Quadratic, &THETA, None, &p);
    assert!(matches!(
        ls,
        Err(OptimError::InvalidParameter {
            name: "armijo.shrink",
            ..
        })
    ));
}

#[test]
fn momentum_methods_reach_the_quadratic_minimiser_and_their_maps_match() {
    use hypergrad_optim::solvers::{Momentum, MomentumKind};
    let exact = a_solve(&THETA);
    // L ≤ 5.5, μ ≥ 0.7 (Gershgorin): κ ≤ 7.9, β = (√κ − 1)/(√κ + 1) ≈ 0.47.
    let kappa: f64 = 5.5 / 0.7;
    let beta = (kappa.sqrt() - 1.0) / (kappa.sqrt() + 1.0);
    for kind in [MomentumKind::HeavyBall, MomentumKind::Nesterov] {
        let m = Momentum {
            kind,
            step: 1.0 / 5.5,
            momentum: beta,
        };
        let sol = m
            .solve(&Quadratic, &THETA, None, &params(1e-10, 10_000))
            .unwrap();
        assert!(sol.report.converged(), "{kind:?}");
        // ‖∇f‖ ≤ 1e-10 at the returned point, μ ≥ 0.7.
        assert!(max_abs_diff(&sol.x, &exact) < 1.5e-10, "{kind:?}");
        // Two solver iterations from x0 vs two map applications on (x, x_prev).
        let x0 = [0.3, -0.1, 2.0, 0.7];
        let two = m
            .solve(&Quadratic, &THETA, Some(&x0), &params(1e-30, 2))
            .unwrap();
        let mut z: Vec<f64> = x0.iter().chain(&x0).copied().collect();
        let mut out = vec![0.0; 8];
        for _ in 0..2 {
            m.map(&Quadratic).apply(&z, &THETA, &mut out);
            z.copy_from_slice(&out);
        }
        assert_eq!(two.x, z[..4].to_vec(), "{kind:?}");
    }
    let bad = Momentum {
        kind: MomentumKind::Nesterov,
        step: 0.1,
        momentum: 1.0,
    }
    .solve(&Quadratic, &THETA, None, &params(1e-8, 10));
    assert!(matches!(
        bad,
        Err(OptimError::InvalidParameter {
            name: "momentum",
            ..
        })
    ));
}

#[test]
fn fista_agrees_with_coordinate_descent_and_closes_the_lasso_gap() {
    use hypergrad_optim::{CoordinateDescent, Lasso};
    let (x, y) = random_problem(25, 40, 21);
    let ls = LeastSquares::new(x, ArrayView1::from(&y)).unwrap();
    let alpha = ls.alpha_max() / 10.0;
    let lasso_theta = [f64::ln(alpha)];
    let lasso = Lasso::from_loss(ls.clone());
    let fista = Fista {
        step: 1.0 / ls.lipschitz(),
        restart: true,
    }
    .solve(&ls, &L1, &[alpha.ln()], None, &params(1e-12, 100_000))
    .unwrap();
    assert!(fista.report.converged());
    // Gap of the independent dual certificate (the other engineer's code): ≤ 1e-10 · P(0).
    let p0 = lasso.value(&lasso_theta, &vec![0.0; 40]).unwrap();
    assert!(
        lasso.duality_gap(&lasso_theta, &fista.x).unwrap() <= 1e-10 * p0,
        "{}",
        lasso.duality_gap(&lasso_theta, &fista.x).unwrap()
    );
    let cd = CoordinateDescent::new(params(1e-14, 100_000))
        .solve(&lasso, &lasso_theta, None)
        .unwrap();
    // n < p but the solution is unique in general position; both within ~1e-8 of it.
    assert!(
        max_abs_diff(&fista.x, &cd.x) < 1e-6,
        "{}",
        max_abs_diff(&fista.x, &cd.x)
    );
}

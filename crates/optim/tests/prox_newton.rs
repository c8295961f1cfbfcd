//! Proximal Newton for sparse logistic regression against coordinate descent: same minimizer,
//! optimality conditions, warm starts, α ≥ α_max, typed errors.

mod cd_common;

use cd_common::*;
use hypergrad_optim::data::{breast_cancer, standardize, train_validation_split};
use hypergrad_optim::{
    Design, OptimError, ProxNewton, Solution, SolverParams, SparseLogistic, StopReason,
};
use ndarray::{Array1, Array2};
use std::f64::consts::LN_2;

fn prox_newton(tol: f64) -> ProxNewton {
    ProxNewton::new(SolverParams {
        max_iter: 200,
        tol,
        record_history: false,
    })
}

/// The CLI's training set: two thirds of breast-cancer (379 × 30, seed 0), standardized.
fn breast_cancer_train() -> (Array2<f64>, Array1<f64>) {
    let (mut train, mut val) = train_validation_split(&breast_cancer(), 1.0 / 3.0, 0).unwrap();
    standardize(&mut train, &mut val).unwrap();
    let Design::Dense(x) = train.x else {
        panic!("breast-cancer is dense")
    };
    (x, Array1::from(train.y))
}

/// `−∇f(β) = Xᵀ(y ⊙ σ(−y ⊙ Xβ))/n` through a dense copy of the design (independent of the
/// solver's kernels).
fn minus_gradient(x: &Array2<f64>, y: &Array1<f64>, beta: &[f64]) -> Vec<f64> {
    let z = x.dot(&Array1::from(beta.to_vec()));
    let w: Array1<f64> = z
        .iter()
        .zip(y)
        .map(|(zi, yi)| yi / (1.0 + (yi * zi).exp()))
        .collect();
    correlation(x, &w).to_vec()
}

fn support(x: &[f64]) -> Vec<usize> {
    (0..x.len()).filter(|&j| x[j] != 0.0).collect()
}

/// Checks a prox-Newton solution against a coordinate-descent one of the same model, and the
/// ℓ1 optimality conditions through an independent gradient.
///
/// Tolerances: both solutions have `P(β) − P* ≤ gap ≤ tol·log 2`, so their objectives differ
/// by at most `tol·log 2` (`tol = 1e-11`: ≤ 7e-12, below `1e-10·P*` for `P* ≥ 0.07`, checked).
/// Optimality: for convex L-smooth f, `‖∇f(β) − ∇f(β*)‖² ≤ 2L(f(β) − f(β*) − ∇f(β*)ᵀ(β − β*))
/// ≤ 2L(P(β) − P*) ≤ 2L·gap` (the subgradient inequality of α‖·‖₁ at β*), with
/// `L = ‖X‖₂²/(4n)`; at β* the gradient meets `∇_j f = −α sign β_j` on the support and
/// `|∇_j f| ≤ α` off it, so β violates either by at most `δ = √(2L·gap)` (plus 1e-12 rounding).
fn assert_same_minimizer(
    (x, y): (&Array2<f64>, &Array1<f64>),
    model: &SparseLogistic,
    alpha: f64,
    tol: f64,
) {
    let model_theta = [alpha.ln()];
    let pn = prox_newton(tol).solve(model, &model_theta, None).unwrap();
    let cd = solver(tol).solve(model, &model_theta, None).unwrap();
    for sol in [&pn, &cd] {
        assert!(sol.report.converged(), "{:?}", sol.report);
        assert!(sol.report.duality_gap.unwrap() <= tol * LN_2);
    }
    let (fp, fc) = (pn.report.objective, cd.report.objective);
    assert!(
        fp >= 0.07,
        "objective {fp} below the scale the tolerance assumes"
    );
    assert!((fp - fc).abs() <= 1e-10 * fp, "prox-Newton {fp} vs CD {fc}");
    assert_eq!(support(&pn.x), support(&cd.x));
    let gap = model.duality_gap(&model_theta, &pn.x).unwrap();
    let delta = (2.0 * model.loss().lipschitz() * gap).sqrt() + 1e-12;
    let g = minus_gradient(x, y, &pn.x);
    let violation = subgradient_violation(&g, &pn.x, &vec![alpha; pn.x.len()]);
    assert!(
        violation <= delta,
        "KKT violation {violation} > {delta} (gap {gap})"
    );
}

#[test]
fn breast_cancer_matches_coordinate_descent() {
    let (x, y) = breast_cancer_train();
    assert_eq!(x.dim(), (379, 30));
    let alpha_max = SparseLogistic::new(dense(&x), y.view())
        .unwrap()
        .alpha_max();
    let model = SparseLogistic::new(dense(&x), y.view()).unwrap();
    for alpha in [alpha_max / 10.0, alpha_max / 100.0] {
        assert_same_minimizer((&x, &y), &model, alpha, 1e-11);
    }
}

/// A seeded sparse problem, 300 × 100 with 10 % density, labels from 3 features, 10 % flipped.
fn synthetic() -> (sprs::CsMat<f64>, Array2<f64>, Array1<f64>) {
    let (csc, x, _) = sparse_problem(300, 100, 0.1, 0, 51);
    let y = labels(&x, 52);
    (csc, x, y)
}

#[test]
fn synthetic_sparse_and_dense_designs_match_coordinate_descent() {
    let (csc, x, y) = synthetic();
    let alpha = SparseLogistic::new(dense(&x), y.view())
        .unwrap()
        .alpha_max()
        / 20.0;
    let on_dense = SparseLogistic::new(dense(&x), y.view()).unwrap();
    let on_sparse = SparseLogistic::new(Design::sparse(csc).unwrap(), y.view()).unwrap();
    assert_same_minimizer((&x, &y), &on_dense, alpha, 1e-11);
    assert_same_minimizer((&x, &y), &on_sparse, alpha, 1e-11);
}

#[test]
fn at_or_above_alpha_max_the_solution_is_zero_at_once() {
    let (x, y) = breast_cancer_train();
    let alpha_max = SparseLogistic::new(dense(&x), y.view())
        .unwrap()
        .alpha_max();
    for alpha in [alpha_max, 2.0 * alpha_max] {
        let model_theta = [f64::ln(alpha)];
        let model = SparseLogistic::new(dense(&x), y.view()).unwrap();
        let sol = prox_newton(1e-12)
            .solve(&model, &model_theta, None)
            .unwrap();
        assert!(sol.report.converged() && sol.report.iterations <= 1);
        assert!(sol.x.iter().all(|&b| b == 0.0));
        // From a non-zero start the first Newton step lands within O(‖β₀‖²) of 0 (the quadratic
        // model's minimizer), where the thresholds α/Q_jj zero every coordinate at the next.
        let sol = prox_newton(1e-12)
            .solve(&model, &model_theta, Some(&[1e-3; 30]))
            .unwrap();
        assert!(sol.report.converged(), "{:?}", sol.report);
        assert!(sol.x.iter().all(|&b| b == 0.0), "{:?}", sol.x);
        assert!(sol.report.iterations <= 2, "{:?}", sol.report);
    }
}

#[test]
fn warm_starts_reduce_newton_steps() {
    let (x, y) = breast_cancer_train();
    let alpha_max = SparseLogistic::new(dense(&x), y.view())
        .unwrap()
        .alpha_max();
    let previous_theta = [f64::ln(alpha_max / 50.0)];
    let model = SparseLogistic::new(dense(&x), y.view()).unwrap();
    let previous = prox_newton(1e-10)
        .solve(&model, &previous_theta, None)
        .unwrap();
    let model_theta = [f64::ln(alpha_max / 60.0)];
    let cold = prox_newton(1e-10)
        .solve(&model, &model_theta, None)
        .unwrap();
    let warm = prox_newton(1e-10)
        .solve(&model, &model_theta, Some(&previous.x))
        .unwrap();
    assert!(cold.report.converged() && warm.report.converged());
    assert!(
        warm.report.iterations < cold.report.iterations,
        "warm {} vs cold {}",
        warm.report.iterations,
        cold.report.iterations
    );
}

#[test]
fn a_hit_cap_is_reported_with_its_gap() {
    let (x, y) = breast_cancer_train();
    let alpha_max = SparseLogistic::new(dense(&x), y.view())
        .unwrap()
        .alpha_max();
    let model_theta = [f64::ln(alpha_max / 100.0)];
    let model = SparseLogistic::new(dense(&x), y.view()).unwrap();
    let mut solver = prox_newton(1e-12);
    solver.params.max_iter = 1;
    let Solution { report, .. } = solver.solve(&model, &model_theta, None).unwrap();
    assert_eq!(report.stop, StopReason::MaxIterations);
    assert_eq!(report.iterations, 1);
    assert!(report.duality_gap.unwrap() > 1e-12 * LN_2);
}

#[test]
fn without_backtracking_room_the_fallback_sweeps_still_converge() {
    // One trial step (t = 1) only: whenever the full Newton step fails the Armijo test, the
    // solver falls back to a coordinate-descent sweep; it must still reach the same minimizer.
    let (x, y) = breast_cancer_train();
    let alpha_max = SparseLogistic::new(dense(&x), y.view())
        .unwrap()
        .alpha_max();
    let model_theta = [f64::ln(alpha_max / 100.0)];
    let model = SparseLogistic::new(dense(&x), y.view()).unwrap();
    let mut solver = prox_newton(1e-11);
    solver.max_backtracks = 1;
    solver.params.max_iter = 100_000;
    let sol = solver.solve(&model, &model_theta, None).unwrap();
    assert!(sol.report.converged(), "{:?}", sol.report);
    let reference = prox_newton(1e-11)
        .solve(&model, &model_theta, None)
        .unwrap();
    // Both within gap 7e-12 of P*: objectives within 7e-12.
    assert!((sol.report.objective - reference.report.objective).abs() <= 1e-11 * LN_2);
}

#[test]
fn bad_inputs_are_typed_errors() {
    let (x, y) = breast_cancer_train();
    let model_theta = [f64::ln(0.01)];
    let model = SparseLogistic::new(dense(&x), y.view()).unwrap();
    let solver = ProxNewton::default();
    let mut nan = vec![0.0; 30];
    nan[3] = f64::NAN;
    assert!(matches!(
        solver.solve(&model, &model_theta, Some(&nan)),
        Err(OptimError::NonFinite { .. })
    ));
    assert!(matches!(
        solver.solve(&model, &model_theta, Some(&[0.0; 29])),
        Err(OptimError::ShapeMismatch {
            expected: 30,
            got: 29,
            ..
        })
    ));
    for bad in [
        ProxNewton::new(SolverParams {
            tol: f64::NAN,
            ..SolverParams::default()
        }),
        ProxNewton::new(SolverParams {
            max_iter: 0,
            ..SolverParams::default()
        }),
        ProxNewton {
            max_inner_sweeps: 0,
            ..ProxNewton::default()
        },
        ProxNewton {
            max_backtracks: 0,
            ..ProxNewton::default()
        },
    ] {
        assert!(matches!(
            bad.solve(&model, &model_theta, None),
            Err(OptimError::InvalidParameter { .. })
        ));
    }
}

//! Coordinate descent on the Lasso, the weighted Lasso and the elastic net: closed forms,
//! optimality conditions, dense = sparse, warm starts and reports.

mod cd_common;

use cd_common::*;
use hypergrad_optim::{
    CoordinateDescent, CoordinateDescentModel, Design, ElasticNet, Lasso, SolverParams, StopReason,
    WeightedLasso,
};
use ndarray::{Array2, ShapeBuilder};

/// `√n · Q` with Q the Gram–Schmidt orthonormalization of a Gaussian matrix: `XᵀX/n = I`.
fn orthogonal_design(n: usize, p: usize) -> Array2<f64> {
    let (g, _) = gaussian_problem(n, p, 0, 7);
    let mut q = Array2::<f64>::zeros((n, p).f());
    for j in 0..p {
        let mut v = g.column(j).to_owned();
        for k in 0..j {
            let qk = q.column(k).to_owned();
            v = &v - &(&qk * qk.dot(&v));
        }
        let norm = v.dot(&v).sqrt();
        q.column_mut(j).assign(&(v / norm));
    }
    q * (n as f64).sqrt()
}

#[test]
fn orthogonal_design_lasso_is_soft_thresholded_correlation() {
    let x = orthogonal_design(50, 10);
    let (_, y) = gaussian_problem(50, 10, 3, 11);
    let z = correlation(&x, &y);
    let alpha = 0.3 * z.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    let lasso_theta = [f64::ln(alpha)];
    let lasso = Lasso::new(dense(&x), y.view()).unwrap();
    let sol = solver(1e-14).solve(&lasso, &lasso_theta, None).unwrap();
    assert!(sol.report.converged());
    for (b, zj) in sol.x.iter().zip(&z) {
        let want = zj.signum() * (zj.abs() - alpha).max(0.0);
        // Orthogonal columns decouple the coordinates: one sweep is exact up to the rounding
        // of the Gram–Schmidt orthogonality (~1e-15·√n) times ‖y‖.
        assert!((b - want).abs() < 1e-12, "{b} vs {want}");
    }
}

/// Solves the three models at α_max/10 and α_max/100 and checks the optimality conditions.
///
/// Tolerance: with n > p the objective is strongly convex (μ = λ_min(XᵀX/n) ≈ (1 − √(p/n))²
/// ≈ 0.13 here), so gap ≤ 1e-14·P(0) gives ‖β − β*‖ ≤ √(2·gap/μ) ≲ 1e-6·√P(0), and the
/// gradient Xᵀr/n moves by at most L‖β − β*‖ with L ≈ (1 + √(p/n))² ≈ 2.9; 1e-5 is above
/// that bound and far below α (≥ 0.05 here).
#[test]
fn lasso_weighted_and_elastic_net_satisfy_kkt() {
    let (x, y) = gaussian_problem(100, 30, 5, 1);
    let p = 30;
    let alpha_max = Lasso::new(dense(&x), y.view()).unwrap().alpha_max();
    for alpha in [alpha_max / 10.0, alpha_max / 100.0] {
        let lasso_theta = [f64::ln(alpha)];
        let lasso = Lasso::new(dense(&x), y.view()).unwrap();
        let sol = solver(1e-14).solve(&lasso, &lasso_theta, None).unwrap();
        assert!(sol.report.converged());
        assert!(kkt_violation(&x, &y, &sol.x, &vec![alpha; p], 0.0) < 1e-5);

        let weights: Vec<f64> = (0..p).map(|j| alpha * (0.5 + (j % 3) as f64)).collect();
        let weighted_theta = weights.iter().map(|a: &f64| a.ln()).collect::<Vec<f64>>();
        let weighted = WeightedLasso::new(dense(&x), y.view()).unwrap();
        let sol = solver(1e-14)
            .solve(&weighted, &weighted_theta, None)
            .unwrap();
        assert!(sol.report.converged());
        assert_gap_bounds_suboptimality(
            |b| weighted.value(&weighted_theta, b).unwrap(),
            |b| weighted.duality_gap(&weighted_theta, b).unwrap(),
            &sol.x,
        );
        assert!(kkt_violation(&x, &y, &sol.x, &weights, 0.0) < 1e-5);

        let enet_theta = [f64::ln(alpha), f64::ln(2.0 * alpha)];
        let enet = ElasticNet::new(dense(&x), y.view()).unwrap();
        let sol = solver(1e-14).solve(&enet, &enet_theta, None).unwrap();
        assert!(sol.report.converged());
        assert_gap_bounds_suboptimality(
            |b| enet.value(&enet_theta, b).unwrap(),
            |b| enet.duality_gap(&enet_theta, b).unwrap(),
            &sol.x,
        );
        assert!(kkt_violation(&x, &y, &sol.x, &vec![alpha; p], 2.0 * alpha) < 1e-5);
    }
}

#[test]
fn lasso_with_more_features_than_samples_meets_kkt_and_gap() {
    let (x, y) = gaussian_problem(40, 200, 4, 3);
    let alpha = Lasso::new(dense(&x), y.view()).unwrap().alpha_max() / 20.0;
    let lasso_theta = [f64::ln(alpha)];
    let lasso = Lasso::new(dense(&x), y.view()).unwrap();
    let sol = solver(1e-13).solve(&lasso, &lasso_theta, None).unwrap();
    assert!(sol.report.converged());
    let p0 = lasso.value(&lasso_theta, &[0.0; 200]).unwrap();
    let gap = lasso.duality_gap(&lasso_theta, &sol.x).unwrap();
    assert!(gap >= -1e-12 && gap <= 1e-13 * p0 * 1.0001);
    // The gap bounds the suboptimality at arbitrary points: P(β) − P* ≤ gap(β).
    let optimum = lasso.value(&lasso_theta, &sol.x).unwrap();
    for scale in [0.0, 0.1, 1.0, 3.0] {
        let beta: Vec<f64> = sol
            .x
            .iter()
            .enumerate()
            .map(|(j, b)| b * scale + (j % 7) as f64 * 0.01)
            .collect();
        assert!(
            lasso.value(&lasso_theta, &beta).unwrap() - optimum
                <= lasso.duality_gap(&lasso_theta, &beta).unwrap() + 1e-12 * p0
        );
    }
    // Not strongly convex: no ‖β − β*‖ bound, but the gap bounds the objective error; the KKT
    // residual of the CD fixed point is checked at a tolerance 1e-4·α (α ≈ 0.1 here).
    assert!(kkt_violation(&x, &y, &sol.x, &vec![alpha; 200], 0.0) < 1e-4 * alpha);
}

#[test]
fn dense_and_sparse_designs_give_the_same_solution() {
    let (csc, x, y) = sparse_problem(120, 60, 0.1, 4, 5);
    let alpha = Lasso::new(dense(&x), y.view()).unwrap().alpha_max() / 10.0;
    let weights: Vec<f64> = (0..60).map(|j| alpha * (1.0 + (j % 2) as f64)).collect();
    let sparse = || Design::sparse(csc.clone()).unwrap();
    let pairs: Vec<(Vec<f64>, Vec<f64>)> = vec![
        (
            solver(1e-14)
                .solve(
                    &Lasso::new(dense(&x), y.view()).unwrap(),
                    &[f64::ln(alpha)],
                    None,
                )
                .unwrap()
                .x,
            solver(1e-14)
                .solve(
                    &Lasso::new(sparse(), y.view()).unwrap(),
                    &[f64::ln(alpha)],
                    None,
                )
                .unwrap()
                .x,
        ),
        (
            solver(1e-14)
                .solve(
                    &ElasticNet::new(dense(&x), y.view()).unwrap(),
                    &[f64::ln(alpha), f64::ln(0.5)],
                    None,
                )
                .unwrap()
                .x,
            solver(1e-14)
                .solve(
                    &ElasticNet::new(sparse(), y.view()).unwrap(),
                    &[f64::ln(alpha), f64::ln(0.5)],
                    None,
                )
                .unwrap()
                .x,
        ),
        (
            solver(1e-14)
                .solve(
                    &WeightedLasso::new(dense(&x), y.view()).unwrap(),
                    &weights.iter().map(|a: &f64| a.ln()).collect::<Vec<f64>>(),
                    None,
                )
                .unwrap()
                .x,
            solver(1e-14)
                .solve(
                    &WeightedLasso::new(sparse(), y.view()).unwrap(),
                    &weights.iter().map(|a: &f64| a.ln()).collect::<Vec<f64>>(),
                    None,
                )
                .unwrap()
                .x,
        ),
    ];
    for (d, s) in pairs {
        // Same iterates up to summation order (~1e-16 per step); both at gap 1e-14·P(0).
        let diff = d
            .iter()
            .zip(&s)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(diff < 1e-9, "dense/sparse differ by {diff}");
    }
}

#[test]
fn alpha_above_alpha_max_gives_zero_immediately() {
    let (x, y) = gaussian_problem(30, 10, 2, 9);
    let lasso = Lasso::new(dense(&x), y.view()).unwrap();
    let alpha_max = lasso.alpha_max();
    let want = correlation(&x, &y)
        .iter()
        .fold(0.0_f64, |m, v| m.max(v.abs()));
    assert!((alpha_max - want).abs() < 1e-14 * want);
    let lasso_theta = [f64::ln(alpha_max * 1.000001)];
    let lasso = Lasso::new(dense(&x), y.view()).unwrap();
    let sol = CoordinateDescent::default()
        .solve(&lasso, &lasso_theta, None)
        .unwrap();
    assert_eq!(sol.report.iterations, 0);
    assert!(sol.x.iter().all(|b| *b == 0.0));
}

#[test]
fn warm_start_at_the_solution_stops_at_once_and_cap_is_reported() {
    let (x, y) = gaussian_problem(60, 100, 5, 13);
    let alpha = Lasso::new(dense(&x), y.view()).unwrap().alpha_max() / 100.0;
    let lasso_theta = [f64::ln(alpha)];
    let lasso = Lasso::new(dense(&x), y.view()).unwrap();
    let sol = solver(1e-10).solve(&lasso, &lasso_theta, None).unwrap();
    assert!(sol.report.converged() && sol.report.iterations > 1);
    let again = solver(1e-10)
        .solve(&lasso, &lasso_theta, Some(&sol.x))
        .unwrap();
    assert_eq!(again.report.iterations, 0);

    let capped = CoordinateDescent::new(SolverParams {
        max_iter: 2,
        tol: 1e-10,
        record_history: true,
    })
    .solve(&lasso, &lasso_theta, None)
    .unwrap();
    assert_eq!(capped.report.stop, StopReason::MaxIterations);
    assert_eq!(capped.report.iterations, 2);
    let gap = capped.report.duality_gap.unwrap();
    assert!(
        (gap - lasso.duality_gap(&lasso_theta, &capped.x).unwrap()).abs()
            < 1e-10 * gap.abs().max(1.0)
    );
    assert!(gap > 1e-10 * lasso.value(&lasso_theta, &vec![0.0; 100]).unwrap());
}

#[test]
fn objective_decreases_along_the_history() {
    let (x, y) = gaussian_problem(50, 80, 5, 17);
    let alpha = Lasso::new(dense(&x), y.view()).unwrap().alpha_max() / 30.0;
    let enet_theta = [f64::ln(alpha), f64::ln(alpha)];
    let enet = ElasticNet::new(dense(&x), y.view()).unwrap();
    let params = SolverParams {
        max_iter: 10_000,
        tol: 1e-12,
        record_history: true,
    };
    let sol = CoordinateDescent::new(params)
        .solve(&enet, &enet_theta, None)
        .unwrap();
    let h = sol.report.history.unwrap();
    assert_eq!(h.objective.len(), sol.report.iterations);
    // Exact coordinate minimization never increases the objective (up to rounding).
    for w in h.objective.windows(2) {
        assert!(w[1] <= w[0] + 1e-14 * w[0]);
    }
    assert!(h.residual.iter().all(|g| *g >= -1e-12));
    assert_eq!(
        enet.objective_at_zero(),
        enet.value(&enet_theta, &vec![0.0; 80]).unwrap()
    );
}

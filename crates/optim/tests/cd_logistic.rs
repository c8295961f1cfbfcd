//! Sparse logistic regression by coordinate descent: optimality, duality gap, dense = sparse.

mod cd_common;

use cd_common::*;
use hypergrad_optim::{Design, SparseLogistic};
use ndarray::Array1;

/// `−∇f(β) = Xᵀ(y ⊙ σ(−y ⊙ Xβ))/n` through a dense copy of the design.
fn minus_gradient(x: &ndarray::Array2<f64>, y: &Array1<f64>, beta: &[f64]) -> Vec<f64> {
    let z = x.dot(&Array1::from(beta.to_vec()));
    let w: Array1<f64> = z
        .iter()
        .zip(y)
        .map(|(zi, yi)| yi / (1.0 + (yi * zi).exp()))
        .collect();
    correlation(x, &w).to_vec()
}

#[test]
fn sparse_logistic_satisfies_kkt_and_closes_the_gap() {
    let (x, _) = gaussian_problem(200, 20, 0, 41);
    let y = labels(&x, 42);
    let model = SparseLogistic::new(dense(&x), y.view()).unwrap();
    let alpha_max = model.alpha_max();
    let want = correlation(&x, &y)
        .iter()
        .fold(0.0_f64, |m, v| m.max(v.abs()))
        / 2.0;
    assert!((alpha_max - want).abs() < 1e-14 * want);
    for alpha in [alpha_max / 10.0, alpha_max / 100.0] {
        let model_theta = [f64::ln(alpha)];
        let model = SparseLogistic::new(dense(&x), y.view()).unwrap();
        let sol = solver(1e-12).solve(&model, &model_theta, None).unwrap();
        assert!(sol.report.converged(), "{:?}", sol.report);
        let gap = model.duality_gap(&model_theta, &sol.x).unwrap();
        assert!(
            (0.0..=1e-12 * std::f64::consts::LN_2).contains(&gap),
            "gap {gap}"
        );
        // The loss is strongly convex on this n ≫ p problem with curvature ≥ ~0.05 (σ' at
        // moderate margins times λ_min(XᵀX/n) ≈ 0.5); gap 7e-13 ⇒ ‖β − β*‖ ≲ 6e-6 and the
        // gradient moves by ≤ ‖X‖²/(4n)·‖β − β*‖ ≲ 1e-5: the tolerance 1e-5·(1 + α).
        let g = minus_gradient(&x, &y, &sol.x);
        assert!(subgradient_violation(&g, &sol.x, &[alpha; 20]) < 1e-5);
    }
}

#[test]
fn dual_gap_is_nonnegative_and_vanishes_at_the_optimum() {
    let (x, _) = gaussian_problem(80, 10, 0, 43);
    let y = labels(&x, 44);
    let alpha = SparseLogistic::new(dense(&x), y.view())
        .unwrap()
        .alpha_max()
        / 5.0;
    let model_theta = [f64::ln(alpha)];
    let model = SparseLogistic::new(dense(&x), y.view()).unwrap();
    let sol = solver(1e-13).solve(&model, &model_theta, None).unwrap();
    let optimum = model.value(&model_theta, &sol.x).unwrap();
    assert!(model.duality_gap(&model_theta, &sol.x).unwrap() <= 1e-13);
    // The gap bounds the suboptimality at arbitrary points: P(β) − P* ≤ gap(β) (weak duality;
    // P* is known to 1e-13, hence the slack).
    for scale in [-2.0, -0.5, 0.0, 0.3, 1.0, 5.0] {
        let beta: Vec<f64> = (0..10).map(|j| scale * (j as f64 - 4.5) / 4.5).collect();
        let gap = model.duality_gap(&model_theta, &beta).unwrap();
        assert!(
            model.value(&model_theta, &beta).unwrap() - optimum <= gap + 1e-12,
            "scale {scale}: gap {gap}"
        );
    }
    assert!(
        model.value(&model_theta, &sol.x).unwrap()
            <= model.value(&model_theta, &[0.0; 10]).unwrap()
    );
}

#[test]
fn sparse_logistic_dense_and_sparse_agree() {
    let (csc, x, _) = sparse_problem(150, 40, 0.2, 0, 45);
    let y = labels(&x, 46);
    let alpha = SparseLogistic::new(dense(&x), y.view())
        .unwrap()
        .alpha_max()
        / 20.0;
    let d_theta = [f64::ln(alpha)];
    let d = SparseLogistic::new(dense(&x), y.view()).unwrap();
    let s_theta = [f64::ln(alpha)];
    let s = SparseLogistic::new(Design::sparse(csc).unwrap(), y.view()).unwrap();
    let (bd, bs) = (
        solver(1e-13).solve(&d, &d_theta, None).unwrap(),
        solver(1e-13).solve(&s, &s_theta, None).unwrap(),
    );
    assert!(bd.report.converged() && bs.report.converged());
    // Same iterates up to summation order, both at gap ≤ 1e-13·log 2.
    let diff =
        bd.x.iter()
            .zip(&bs.x)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
    assert!(diff < 1e-8, "{diff}");
}

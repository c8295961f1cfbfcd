//! Group Lasso by block coordinate descent, and ridge in closed form.

mod cd_common;

use cd_common::*;
use hypergrad_optim::{Design, GroupLasso, Lasso, LeastSquares, MultiTaskLasso, Ridge};
use ndarray::Array1;

#[test]
fn group_lasso_satisfies_block_kkt() {
    let (x, y) = gaussian_problem(100, 24, 6, 51);
    let groups: Vec<Vec<usize>> = (0..8).map(|g| (3 * g..3 * g + 3).collect()).collect();
    let alpha = GroupLasso::new(dense(&x), y.view(), groups.clone())
        .unwrap()
        .alpha_max()
        / 10.0;
    let model_theta = [f64::ln(alpha)];
    let model = GroupLasso::new(dense(&x), y.view(), groups.clone()).unwrap();
    let sol = solver(1e-14).solve(&model, &model_theta, None).unwrap();
    assert!(sol.report.converged());
    assert_gap_bounds_suboptimality(
        |b| model.value(&model_theta, b).unwrap(),
        |b| model.duality_gap(&model_theta, b).unwrap(),
        &sol.x,
    );
    let beta = Array1::from(sol.x.clone());
    let g = correlation(&x, &(&y - &x.dot(&beta)));
    let mut zero_groups = 0;
    for group in &groups {
        let gg: Vec<f64> = group.iter().map(|&j| g[j]).collect();
        let bg: Vec<f64> = group.iter().map(|&j| beta[j]).collect();
        let norm_b = bg.iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm_b == 0.0 {
            zero_groups += 1;
            // ‖X_gᵀr/n‖ ≤ α on a zero group (same 1e-5 margin as the Lasso KKT tests).
            assert!(gg.iter().map(|v| v * v).sum::<f64>().sqrt() <= alpha + 1e-5);
        } else {
            // X_gᵀr/n = α β_g/‖β_g‖ on a non-zero group.
            for (a, b) in gg.iter().zip(&bg) {
                assert!((a - alpha * b / norm_b).abs() < 1e-5);
            }
        }
    }
    assert!(
        zero_groups > 0 && zero_groups < 8,
        "{zero_groups} zero groups: test is vacuous"
    );
}

#[test]
fn singleton_groups_are_the_lasso_and_sparse_agrees() {
    let (csc, x, y) = sparse_problem(90, 30, 0.2, 3, 53);
    let alpha = Lasso::new(dense(&x), y.view()).unwrap().alpha_max() / 10.0;
    let singletons: Vec<Vec<usize>> = (0..30).map(|j| vec![j]).collect();
    let group_theta = [f64::ln(alpha)];
    let group = GroupLasso::new(dense(&x), y.view(), singletons.clone()).unwrap();
    let lasso_theta = [f64::ln(alpha)];
    let lasso = Lasso::new(dense(&x), y.view()).unwrap();
    let sparse_group_theta = [f64::ln(alpha)];
    let sparse_group = GroupLasso::new(Design::sparse(csc).unwrap(), y.view(), singletons).unwrap();
    let a = solver(1e-14).solve(&group, &group_theta, None).unwrap().x;
    let b = solver(1e-14).solve(&lasso, &lasso_theta, None).unwrap().x;
    let c = solver(1e-14)
        .solve(&sparse_group, &sparse_group_theta, None)
        .unwrap()
        .x;
    for ((a, b), c) in a.iter().zip(&b).zip(&c) {
        // Both at gap 1e-14·P(0) on a strongly convex problem (n > p): ‖Δβ‖ ≲ 1e-6, and in
        // practice equal to rounding; 1e-8 is checked.
        assert!((a - b).abs() < 1e-8 && (a - c).abs() < 1e-8);
    }
}

#[test]
fn ridge_matches_the_orthogonal_closed_form_and_zeroes_the_gradient() {
    // X = √2·I stacked twice over two rows each: XᵀX/n = I with n = 4, p = 2.
    let x = ndarray::array![[1.0, 1.0], [1.0, -1.0], [1.0, 1.0], [1.0, -1.0]] * 1.0;
    let y = ndarray::array![1.0, 2.0, 3.0, -1.0];
    let beta_theta = [f64::ln(0.5)];
    let beta = Ridge::new(dense(&x), y.view())
        .unwrap()
        .closed_form(&beta_theta)
        .unwrap();
    let z = correlation(&x, &y);
    for (b, zj) in beta.iter().zip(&z) {
        assert!((b - zj / 1.5).abs() < 1e-15);
    }
    // Per-feature penalties on a random problem: ∇P = −Xᵀr/n + diag(α)β = 0 (independently
    // computed through LeastSquares::gradient). Cholesky is backward stable: residual ~1e-15·κ.
    let (x, y) = gaussian_problem(60, 20, 4, 55);
    let alphas: Vec<f64> = (0..20).map(|j| 0.01 * (j + 1) as f64).collect();
    let loss = LeastSquares::new(dense(&x), y.view()).unwrap();
    let beta_theta = alphas.iter().map(|a: &f64| a.ln()).collect::<Vec<f64>>();
    let beta = Ridge::per_feature(loss.clone())
        .closed_form(&beta_theta)
        .unwrap();
    let mut grad = vec![0.0; 20];
    loss.gradient(&beta, &mut grad);
    for ((g, a), b) in grad.iter().zip(&alphas).zip(&beta) {
        assert!((g + a * b).abs() < 1e-12);
    }
    let sparse = sprs::CsMat::csr_from_dense(x.view(), 0.0);
    let loss_sparse = LeastSquares::new(Design::sparse(sparse).unwrap(), y.view()).unwrap();
    let beta_sparse = Ridge::per_feature(loss_sparse)
        .closed_form(&beta_theta)
        .unwrap();
    for (a, b) in beta.iter().zip(&beta_sparse) {
        assert!((a - b).abs() < 1e-12);
    }
}

/// Rows `B_j` of the row-major flattened coefficients.
fn rows(beta: &[f64], tasks: usize) -> Vec<Vec<f64>> {
    beta.chunks_exact(tasks).map(<[f64]>::to_vec).collect()
}

#[test]
fn multitask_lasso_satisfies_row_kkt_and_one_task_is_the_lasso() {
    let (x, y1) = gaussian_problem(80, 20, 4, 57);
    let (_, y2) = gaussian_problem(80, 20, 6, 58);
    let y = ndarray::stack![ndarray::Axis(1), y1, y1.mapv(|v| 0.5 * v) + &y2 * 0.1];
    let model = MultiTaskLasso::new(dense(&x), y.view()).unwrap();
    let alpha = model.alpha_max() / 10.0;
    let model_theta = [f64::ln(alpha)];
    let model = MultiTaskLasso::new(dense(&x), y.view()).unwrap();
    let sol = solver(1e-14).solve(&model, &model_theta, None).unwrap();
    assert!(sol.report.converged());
    assert_gap_bounds_suboptimality(
        |b| model.value(&model_theta, b).unwrap(),
        |b| model.duality_gap(&model_theta, b).unwrap(),
        &sol.x,
    );
    let b = ndarray::Array2::from_shape_vec((20, 2), sol.x.clone()).unwrap();
    let r = &y - &x.dot(&b);
    let g = x.t().dot(&r) / 80.0;
    let mut zero_rows = 0;
    for (j, row) in rows(&sol.x, 2).iter().enumerate() {
        let norm = row.iter().map(|v| v * v).sum::<f64>().sqrt();
        let gj = g.row(j);
        if norm == 0.0 {
            zero_rows += 1;
            // Same 1e-5 margin as the Lasso KKT tests (strongly convex, gap 1e-14·P(0)).
            assert!(gj.dot(&gj).sqrt() <= alpha + 1e-5);
        } else {
            for (a, bv) in gj.iter().zip(row) {
                assert!((a - alpha * bv / norm).abs() < 1e-5);
            }
        }
    }
    assert!(
        zero_rows > 0 && zero_rows < 20,
        "{zero_rows} zero rows: test is vacuous"
    );

    // T = 1: the row norm is |β_j|, the multitask Lasso is the Lasso.
    let single = y1.clone().insert_axis(ndarray::Axis(1));
    let mt_theta = [f64::ln(alpha)];
    let mt = MultiTaskLasso::new(dense(&x), single.view()).unwrap();
    let lasso_theta = [f64::ln(alpha)];
    let lasso = Lasso::new(dense(&x), y1.view()).unwrap();
    let (a, b) = (
        solver(1e-14).solve(&mt, &mt_theta, None).unwrap().x,
        solver(1e-14).solve(&lasso, &lasso_theta, None).unwrap().x,
    );
    for (a, b) in a.iter().zip(&b) {
        assert!((a - b).abs() < 1e-8);
    }
}

#[test]
fn multitask_lasso_dense_and_sparse_agree() {
    let (csc, x, y1) = sparse_problem(70, 25, 0.2, 3, 59);
    let y = ndarray::stack![
        ndarray::Axis(1),
        y1,
        y1.mapv(|v| -v + 1.0),
        y1.mapv(|v| v * v)
    ];
    let alpha = MultiTaskLasso::new(dense(&x), y.view())
        .unwrap()
        .alpha_max()
        / 20.0;
    let d_theta = [f64::ln(alpha)];
    let d = MultiTaskLasso::new(dense(&x), y.view()).unwrap();
    let s_theta = [f64::ln(alpha)];
    let s = MultiTaskLasso::new(Design::sparse(csc).unwrap(), y.view()).unwrap();
    let (a, b) = (
        solver(1e-14).solve(&d, &d_theta, None).unwrap().x,
        solver(1e-14).solve(&s, &s_theta, None).unwrap().x,
    );
    let diff = a
        .iter()
        .zip(&b)
        .map(|(u, v)| (u - v).abs())
        .fold(0.0, f64::max);
    assert!(diff < 1e-8, "{diff}");
}

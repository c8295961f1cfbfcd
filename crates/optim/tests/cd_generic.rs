//! The generic update (`FixedPointMap::apply`, one sweep) against the fast `f64` sweep, and its
//! derivative (on dual numbers) against central finite differences.

mod cd_common;

use cd_common::*;
use hypergrad_ad::{Dual, Scalar};
use hypergrad_optim::{
    CoordinateDescentModel, Design, ElasticNet, FixedPointMap, GroupLasso, Lasso, MultiTaskLasso,
    SparseLogistic, WeightedLasso,
};
use ndarray::Array2;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// A point with some zero and some non-zero coordinates.
fn start(p: usize) -> Vec<f64> {
    let mut rng = StdRng::seed_from_u64(21);
    (0..p)
        .map(|j| {
            if j % 3 == 0 {
                0.0
            } else {
                rng.gen_range(-1.0..1.0)
            }
        })
        .collect()
}

/// One fast sweep from `x0` (state initialized from `x0`) vs one generic application.
fn assert_sweeps_agree<M: CoordinateDescentModel + FixedPointMap>(model: &M, theta: &[f64]) {
    let x0 = start(model.dim_x());
    let mut fast = x0.clone();
    let mut state = vec![0.0; model.state_len()];
    model.init_state(&fast, &mut state);
    model.sweep(&model.penalty(theta).unwrap(), &mut fast, &mut state);
    let mut generic = vec![0.0; model.dim_x()];
    model.apply(&x0, theta, &mut generic);
    // Same arithmetic in the same order, except exp(log α) ≠ α by up to 1 ulp: 1e-12 leaves
    // room for that rounding amplified by one sweep.
    for (a, b) in fast.iter().zip(&generic) {
        assert!((a - b).abs() <= 1e-12 * (1.0 + a.abs()), "{a} vs {b}");
    }
}

fn designs(x: &Array2<f64>) -> [Design; 2] {
    let csc = sprs::CsMat::csr_from_dense(x.view(), 0.0);
    [dense(x), Design::sparse(csc).unwrap()]
}

#[test]
fn generic_update_equals_fast_sweep_for_every_model() {
    let (_, x, y) = sparse_problem(40, 25, 0.3, 4, 23);
    let labels = labels(&x, 24);
    let alpha = 0.05;
    let weights: Vec<f64> = (0..25).map(|j| 0.02 + 0.01 * j as f64).collect();
    let groups: Vec<Vec<usize>> = (0..5).map(|g| (5 * g..5 * g + 5).collect()).collect();
    for design in designs(&x) {
        let lasso_theta = [f64::ln(alpha)];
        let lasso = Lasso::new(design.clone(), y.view()).unwrap();
        assert_sweeps_agree(&lasso, &lasso_theta);
        let enet_theta = [f64::ln(alpha), f64::ln(0.3)];
        let enet = ElasticNet::new(design.clone(), y.view()).unwrap();
        assert_sweeps_agree(&enet, &enet_theta);
        let weighted_theta: Vec<f64> = weights.iter().map(|w| w.ln()).collect();
        let weighted = WeightedLasso::new(design.clone(), y.view()).unwrap();
        assert_sweeps_agree(&weighted, &weighted_theta);
        let group_theta = [f64::ln(0.1)];
        let group = GroupLasso::new(design.clone(), y.view(), groups.clone()).unwrap();
        assert_sweeps_agree(&group, &group_theta);
        let targets = ndarray::stack![ndarray::Axis(1), y, y.mapv(|v| 0.3 * v + 1.0)];
        let multitask_theta = [f64::ln(0.1)];
        let multitask = MultiTaskLasso::new(design.clone(), targets.view()).unwrap();
        assert_sweeps_agree(&multitask, &multitask_theta);
        let logistic_theta = [f64::ln(0.01)];
        let logistic = SparseLogistic::new(design, labels.view()).unwrap();
        assert_sweeps_agree(&logistic, &logistic_theta);
    }
}

/// d/dθ of k sweeps by forward mode, against central differences of the f64 map.
fn assert_tangent_matches_fd<M: FixedPointMap>(model: &M, theta: &[f64], sweeps: usize) {
    let run = |t: &[f64]| -> Vec<f64> {
        let mut x = start(model.dim_x());
        let mut next = x.clone();
        for _ in 0..sweeps {
            model.apply(&x, t, &mut next);
            std::mem::swap(&mut x, &mut next);
        }
        x
    };
    for i in 0..theta.len() {
        let t_dual: Vec<Dual<f64>> = theta
            .iter()
            .enumerate()
            .map(|(k, &v)| Dual::new(v, if k == i { 1.0 } else { 0.0 }))
            .collect();
        let mut x: Vec<Dual<f64>> = start(model.dim_x())
            .into_iter()
            .map(Dual::constant)
            .collect();
        let mut next = x.clone();
        for _ in 0..sweeps {
            model.apply(&x, &t_dual, &mut next);
            std::mem::swap(&mut x, &mut next);
        }
        let h = 1e-6;
        let (mut plus, mut minus) = (theta.to_vec(), theta.to_vec());
        plus[i] += h;
        minus[i] -= h;
        let (fp, fm) = (run(&plus), run(&minus));
        let primal = run(theta);
        for (k, xd) in x.iter().enumerate() {
            // Dual arithmetic may round the primal differently by an ulp or so.
            assert!((xd.value() - primal[k]).abs() < 1e-13 * (1.0 + primal[k].abs()));
            let fd = (fp[k] - fm[k]) / (2.0 * h);
            // Central differences: O(h²) truncation plus 1e-16/h rounding ≈ 1e-10; the supports
            // must not change within ±h (true at these generic points), so 1e-6 is ample and
            // still catches a wrong tangent (entries are O(0.1–1)).
            assert!(
                (xd.eps - fd).abs() < 1e-6 * (1.0 + fd.abs()),
                "θ{i} x{k}: {} vs {fd}",
                xd.eps
            );
        }
    }
}

#[test]
fn forward_mode_through_sweeps_matches_finite_differences() {
    let (x, y) = gaussian_problem(30, 12, 3, 31);
    let labels = labels(&x, 32);
    let design = dense(&x);
    let lasso_theta = [f64::ln(0.3)];
    let lasso = Lasso::new(design.clone(), y.view()).unwrap();
    assert_tangent_matches_fd(&lasso, &lasso_theta, 4);
    let enet_theta = [f64::ln(0.3), f64::ln(0.2)];
    let enet = ElasticNet::new(design.clone(), y.view()).unwrap();
    assert_tangent_matches_fd(&enet, &enet_theta, 4);
    let groups: Vec<Vec<usize>> = (0..4).map(|g| (3 * g..3 * g + 3).collect()).collect();
    let group_theta = [f64::ln(0.5)];
    let group = GroupLasso::new(design.clone(), y.view(), groups).unwrap();
    assert_tangent_matches_fd(&group, &group_theta, 4);
    let targets = ndarray::stack![ndarray::Axis(1), y, y.mapv(|v| 0.3 * v + 1.0)];
    let multitask_theta = [f64::ln(0.5)];
    let multitask = MultiTaskLasso::new(design.clone(), targets.view()).unwrap();
    assert_tangent_matches_fd(&multitask, &multitask_theta, 4);
    let logistic_theta = [f64::ln(0.02)];
    let logistic = SparseLogistic::new(design, labels.view()).unwrap();
    assert_tangent_matches_fd(&logistic, &logistic_theta, 4);
}

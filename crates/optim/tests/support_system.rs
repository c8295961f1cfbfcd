//! The ℓ1 models' direct derivative on the support (`refined_solution`, `solution_vjp`): the
//! refined point satisfies the optimality conditions to rounding, and `(∂β/∂θ)ᵀg` matches
//! central differences of `gᵀβ'(θ)` for the Lasso (dense and sparse), the elastic net (two
//! penalties and one with a mixing ratio) and the weighted Lasso (one penalty per feature).

mod cd_common;

use cd_common::*;
use hypergrad_optim::models::L1L2Penalty;
use hypergrad_optim::{
    Design, ElasticNet, FixedPointMap, Lasso, LeastSquares, OptimError, SolverParams, WeightedLasso,
};

fn params() -> SolverParams {
    SolverParams {
        max_iter: 100_000,
        tol: 1e-10,
        record_history: false,
    }
}

/// `max_j` of the violation of the optimality conditions at β: on the support
/// `|X_jᵀr/n − bβ_j − a_j sign β_j|`, off it `max(0, |X_jᵀr/n| − a_j)`.
fn violation(loss: &LeastSquares, penalty: &L1L2Penalty, beta: &[f64]) -> f64 {
    let mut grad = vec![0.0; beta.len()];
    loss.gradient(beta, &mut grad); // −Xᵀr/n
    beta.iter()
        .enumerate()
        .map(|(j, &b)| {
            let (c, a) = (-grad[j], penalty.l1[j]);
            if b != 0.0 {
                (c - penalty.l2 * b - a * b.signum()).abs()
            } else {
                (c.abs() - a).max(0.0)
            }
        })
        .fold(0.0, f64::max)
}

/// Solves at θ, refines, checks the optimality conditions (to 1e-12: a |S|×|S| Cholesky solve
/// of a well-conditioned system, entries of order 1), and the product against central
/// differences with step 1e-4 of `θ ↦ gᵀβ'(θ)` on the solution's support and signs. `β'` is
/// affine in `(a, b)` through `H(b)⁻¹`, smooth in θ: truncation `h²/6·|∂³| ≲ 1e-8`, rounding
/// `ε|gᵀβ|/h ≲ 1e-11`, so agreement to 1e-7 relative (to the largest entry) is expected.
fn check<M: FixedPointMap>(
    name: &str,
    model: &M,
    loss: &LeastSquares,
    penalty: L1L2Penalty,
    theta: &[f64],
) {
    let solution = model.solve(theta, None, &params()).unwrap();
    let refined = model
        .refined_solution(&solution.x, theta)
        .expect("a direct system");
    let support = |b: &[f64]| (0..b.len()).filter(|&j| b[j] != 0.0).collect::<Vec<_>>();
    assert_eq!(support(&refined), support(&solution.x), "{name}: support");
    assert!(
        support(&refined).len() >= 3,
        "{name}: a non-trivial support"
    );
    let v = violation(loss, &penalty, &refined);
    assert!(v < 1e-12, "{name}: optimality violated by {v:e}");
    let p = refined.len();
    let g: Vec<f64> = (0..p).map(|j| ((j * 37 % 11) as f64 - 5.0) / 5.0).collect();
    let product = model.solution_vjp(&solution.x, theta, &g).unwrap().unwrap();
    assert_eq!(product.len(), theta.len());
    let h = 1e-4;
    let at = |t: &[f64]| -> f64 {
        let b = model.refined_solution(&solution.x, t).unwrap();
        b.iter().zip(&g).map(|(b, g)| b * g).sum()
    };
    let scale = product.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    assert!(scale > 0.0, "{name}: a non-zero derivative");
    for i in 0..theta.len() {
        let (mut plus, mut minus) = (theta.to_vec(), theta.to_vec());
        plus[i] += h;
        minus[i] -= h;
        let fd = (at(&plus) - at(&minus)) / (2.0 * h);
        assert!(
            (fd - product[i]).abs() <= 1e-7 * scale,
            "{name}: θ_{i}: {} vs central difference {fd}",
            product[i]
        );
    }
}

#[test]
fn lasso_dense_and_sparse() {
    let (x, y) = gaussian_problem(60, 40, 5, 3);
    let lasso = Lasso::new(dense(&x), y.view()).unwrap();
    let theta = [(lasso.alpha_max() / 8.0).ln()];
    check(
        "lasso dense",
        &lasso,
        lasso.loss(),
        lasso.penalty(&theta).unwrap(),
        &theta,
    );
    let (csc, _, y) = sparse_problem(80, 50, 0.3, 6, 4);
    let lasso = Lasso::new(Design::sparse(csc).unwrap(), y.view()).unwrap();
    let theta = [(lasso.alpha_max() / 8.0).ln()];
    check(
        "lasso sparse",
        &lasso,
        lasso.loss(),
        lasso.penalty(&theta).unwrap(),
        &theta,
    );
}

#[test]
fn elastic_net_both_forms() {
    let (x, y) = gaussian_problem(60, 40, 5, 5);
    let enet = ElasticNet::new(dense(&x), y.view()).unwrap();
    let theta = [(enet.alpha_max() / 8.0).ln(), 0.3_f64.ln()];
    check(
        "enet",
        &enet,
        enet.loss(),
        enet.penalty(&theta).unwrap(),
        &theta,
    );
    let ratio = ElasticNet::with_l1_ratio(dense(&x), y.view(), 0.5).unwrap();
    let theta = [(ratio.alpha_max() / 4.0).ln()];
    check(
        "enet ratio",
        &ratio,
        ratio.loss(),
        ratio.penalty(&theta).unwrap(),
        &theta,
    );
}

#[test]
fn weighted_lasso_one_penalty_per_feature() {
    let (x, y) = gaussian_problem(60, 40, 5, 6);
    let model = WeightedLasso::new(dense(&x), y.view()).unwrap();
    let theta: Vec<f64> = (0..40)
        .map(|j| (model.alpha_max() / 8.0 * (1 + j % 3) as f64 / 2.0).ln())
        .collect();
    check(
        "weighted",
        &model,
        model.loss(),
        model.penalty(&theta).unwrap(),
        &theta,
    );
}

/// No direct system for an empty support or one above the size limit (128), and typed
/// errors for bad lengths.
#[test]
fn falls_back_or_errors_where_the_system_does_not_apply() {
    let (x, y) = gaussian_problem(60, 40, 5, 3);
    let lasso = Lasso::new(dense(&x), y.view()).unwrap();
    let zero = vec![0.0; 40];
    let top = [(2.0 * lasso.alpha_max()).ln()];
    assert!(lasso.refined_solution(&zero, &top).is_none());
    assert!(lasso.solution_vjp(&zero, &top, &zero).is_none());
    let theta = [(lasso.alpha_max() / 8.0).ln()];
    let beta = lasso.solve(&theta, None, &params()).unwrap().x;
    assert!(matches!(
        lasso.solution_vjp(&beta, &theta, &[1.0; 3]),
        Some(Err(OptimError::ShapeMismatch { .. }))
    ));
    // Two columns 1e-5 apart (relative) in the support: H is positive definite but its
    // condition number is ~1e10–1e11, beyond what the direct solve accepts (1e8).
    let (mut x2, y2) = gaussian_problem(60, 40, 5, 8);
    let near = &x2.column(0) + &(x2.column(2).to_owned() * 1e-5);
    x2.column_mut(1).assign(&near);
    let twins = Lasso::new(dense(&x2), y2.view()).unwrap();
    let mut at = vec![0.0; 40];
    at[0] = 0.5;
    at[1] = 0.5;
    assert!(twins.solution_vjp(&at, &theta, &at).is_none());
    assert!(twins.refined_solution(&at, &theta).is_none());
    let (x, y) = gaussian_problem(400, 200, 150, 7);
    let large = Lasso::new(dense(&x), y.view()).unwrap();
    let theta = [(large.alpha_max() / 1000.0).ln()];
    let beta = large.solve(&theta, None, &params()).unwrap().x;
    assert!(beta.iter().filter(|b| **b != 0.0).count() > 128);
    assert!(large.solution_vjp(&beta, &theta, &beta).is_none());
}

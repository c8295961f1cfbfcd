//! Working-set coordinate descent (`WorkingSetCd`, the models' `FixedPointMap::solve`): the
//! same solution as plain cyclic coordinate descent, optimality conditions, dense = sparse,
//! warm starts, capped reports, the count of plain sweeps and the schedule of epochs for the
//! unrolled methods, errors.

mod cd_common;

use cd_common::*;
use hypergrad_optim::solvers::{WorkingSetCd, WorkingSetModel};
use hypergrad_optim::{
    CoordinateDescentModel, Design, ElasticNet, FixedPointMap, GroupLasso, Lasso, MultiTaskLasso,
    OptimError, Ridge, SolverParams, StopReason, WeightedLasso,
};
use ndarray::Array2;

fn params(tol: f64) -> SolverParams {
    SolverParams {
        max_iter: 100_000,
        tol,
        record_history: false,
    }
}

fn max_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

/// Solves by working sets and by plain cyclic CD at a relative gap 1e-14 and checks that both
/// converge, that the working-set gap is the model's gap at its point, and that the solutions
/// agree to `close`.
fn assert_same_as_cyclic<M: WorkingSetModel>(model: &M, theta: &[f64], close: f64) -> Vec<f64> {
    let ws = WorkingSetCd::new(params(1e-14))
        .solve(model, theta, None)
        .unwrap();
    let cd = solver(1e-14).solve(model, theta, None).unwrap();
    assert!(ws.report.converged() && cd.report.converged());
    let penalty = model.penalty(theta).unwrap();
    let mut state = vec![0.0; model.state_len()];
    model.init_state(&ws.x, &mut state);
    let (_, gap) = model.objective_and_gap(&penalty, &ws.x, &state);
    let reported = ws.report.duality_gap.unwrap();
    assert!((gap - reported).abs() <= 1e-12 * model.objective_at_zero() + 1e-9 * gap);
    assert!(gap <= 1e-14 * model.objective_at_zero() * (1.0 + 1e-6));
    let diff = max_diff(&ws.x, &cd.x);
    assert!(diff < close, "working sets and cyclic CD differ by {diff}");
    ws.x
}

/// Tolerance: both solutions have a relative gap ≤ 1e-14; with n > p the objective is
/// μ-strongly convex (μ = λ_min(XᵀX/n) ≈ (1 − √(p/n))² ≈ 0.2 for 120×30), so each is within
/// √(2·gap/μ) ≲ 1e-6·√P(0) of the minimizer; 1e-5 covers both. For p > n the minimizer is unique
/// on its support (general position) and the same bound holds on the support's conditioning.
#[test]
fn lasso_family_matches_cyclic_coordinate_descent_and_kkt() {
    for (n, p) in [(120, 30), (60, 200)] {
        let (x, y) = gaussian_problem(n, p, 5, 71);
        let lasso = Lasso::new(dense(&x), y.view()).unwrap();
        let alpha_max = lasso.alpha_max();
        for alpha in [alpha_max / 10.0, alpha_max / 100.0] {
            let beta = assert_same_as_cyclic(&lasso, &[alpha.ln()], 1e-5);
            assert!(kkt_violation(&x, &y, &beta, &vec![alpha; p], 0.0) < 1e-5);

            let weights: Vec<f64> = (0..p).map(|j| alpha * (0.5 + (j % 3) as f64)).collect();
            let theta: Vec<f64> = weights.iter().map(|a| a.ln()).collect();
            let weighted = WeightedLasso::new(dense(&x), y.view()).unwrap();
            let beta = assert_same_as_cyclic(&weighted, &theta, 1e-5);
            assert!(kkt_violation(&x, &y, &beta, &weights, 0.0) < 1e-5);

            let enet = ElasticNet::new(dense(&x), y.view()).unwrap();
            let beta = assert_same_as_cyclic(&enet, &[alpha.ln(), (0.5 * alpha).ln()], 1e-5);
            assert!(kkt_violation(&x, &y, &beta, &vec![alpha; p], 0.5 * alpha) < 1e-5);
        }
    }
}

#[test]
fn group_and_multitask_lasso_match_cyclic_coordinate_descent() {
    let (x, y) = gaussian_problem(80, 60, 6, 73);
    let groups: Vec<Vec<usize>> = (0..20).map(|g| vec![3 * g, 3 * g + 1, 3 * g + 2]).collect();
    let group = GroupLasso::new(dense(&x), y.view(), groups).unwrap();
    for divisor in [5.0, 50.0] {
        let theta = [(group.alpha_max() / divisor).ln()];
        assert_same_as_cyclic(&group, &theta, 1e-5);
    }
    let (_, y2) = gaussian_problem(80, 60, 3, 74);
    let targets = Array2::from_shape_fn((80, 2), |(i, t)| if t == 0 { y[i] } else { y2[i] });
    let multitask = MultiTaskLasso::new(dense(&x), targets.view()).unwrap();
    for divisor in [5.0, 50.0] {
        let theta = [(multitask.alpha_max() / divisor).ln()];
        assert_same_as_cyclic(&multitask, &theta, 1e-5);
    }
}

#[test]
fn dense_and_sparse_designs_give_the_same_working_set_solution() {
    let (csc, x, y) = sparse_problem(150, 400, 0.05, 8, 75);
    let dense_lasso = Lasso::new(dense(&x), y.view()).unwrap();
    let sparse_lasso = Lasso::new(Design::sparse(csc).unwrap(), y.view()).unwrap();
    let theta = [(dense_lasso.alpha_max() / 50.0).ln()];
    let solver = WorkingSetCd::new(params(1e-14));
    let a = solver.solve(&dense_lasso, &theta, None).unwrap();
    let b = solver.solve(&sparse_lasso, &theta, None).unwrap();
    // The same arithmetic in a different order (the dense dot product sums in 8 lanes), so the
    // paths may differ (an Anderson step accepted on one side only), but both meet a gap of
    // 1e-14·P(0): on the support (|S| ≤ 30 of 150 samples, well conditioned) both are within
    // ~1e-6 of the unique minimizer.
    assert!(a.report.converged() && b.report.converged());
    assert!(max_diff(&a.x, &b.x) < 1e-5);
}

#[test]
fn warm_starts_cut_the_epochs_and_a_solution_stops_at_once() {
    let (x, y) = gaussian_problem(100, 300, 8, 77);
    let lasso = Lasso::new(dense(&x), y.view()).unwrap();
    let alpha = lasso.alpha_max() / 30.0;
    let solver = WorkingSetCd::new(params(1e-10));
    let cold = solver.solve(&lasso, &[alpha.ln()], None).unwrap();
    assert!(cold.report.converged() && cold.report.iterations > 1);
    let again = solver.solve(&lasso, &[alpha.ln()], Some(&cold.x)).unwrap();
    assert_eq!(again.report.iterations, 0);
    assert_eq!(again.x, cold.x);
    // From the solution at a nearby α (10 % larger) the support is nearly right: fewer epochs.
    let near = solver.solve(&lasso, &[(1.1 * alpha).ln()], None).unwrap();
    let warm = solver.solve(&lasso, &[alpha.ln()], Some(&near.x)).unwrap();
    assert!(warm.report.converged());
    assert!(
        warm.report.iterations < cold.report.iterations,
        "warm {} vs cold {}",
        warm.report.iterations,
        cold.report.iterations
    );
}

#[test]
fn a_hit_cap_is_reported_with_the_gap_at_the_returned_point() {
    let (x, y) = gaussian_problem(60, 150, 6, 79);
    let lasso = Lasso::new(dense(&x), y.view()).unwrap();
    let theta = [(lasso.alpha_max() / 100.0).ln()];
    let capped = WorkingSetCd::new(SolverParams {
        max_iter: 2,
        tol: 1e-12,
        record_history: true,
    })
    .solve(&lasso, &theta, None)
    .unwrap();
    assert_eq!(capped.report.stop, StopReason::MaxIterations);
    assert_eq!(capped.report.iterations, 2);
    let gap = capped.report.duality_gap.unwrap();
    let recomputed = lasso.duality_gap(&theta, &capped.x).unwrap();
    assert!((gap - recomputed).abs() < 1e-12 * gap.max(1.0));
    assert!(gap > 1e-12 * lasso.objective_at_zero());
    let history = capped.report.history.unwrap();
    // One entry per outer iteration: at the start and after each working set.
    assert_eq!(history.residual.last(), Some(&gap));
    assert!(history.objective.len() >= 2);
}

#[test]
fn above_alpha_max_the_solution_is_zero_at_once() {
    let (x, y) = gaussian_problem(40, 100, 3, 81);
    let lasso = Lasso::new(dense(&x), y.view()).unwrap();
    let sol = lasso
        .solve(&[(1.000001 * lasso.alpha_max()).ln()], None, &params(1e-10))
        .unwrap();
    assert_eq!(sol.report.iterations, 0);
    assert!(sol.x.iter().all(|b| *b == 0.0));
}

#[test]
fn unrolled_steps_count_the_plain_cyclic_sweeps() {
    let (x, y) = gaussian_problem(50, 120, 5, 83);
    let lasso = Lasso::new(dense(&x), y.view()).unwrap();
    let theta = [(lasso.alpha_max() / 20.0).ln()];
    let p = params(1e-9);
    let start = vec![0.0; 120];
    let solution = lasso.solve(&theta, Some(&start), &p).unwrap();
    let cyclic = solver(1e-9).solve(&lasso, &theta, Some(&start)).unwrap();
    assert_eq!(
        lasso.unrolled_steps(&start, &theta, &p, &solution).unwrap(),
        cyclic.report.iterations
    );
    assert_ne!(solution.report.iterations, cyclic.report.iterations);
}

/// Replays the schedule `model.solve_with_schedule` returns from `start` in `f64` (epoch k =
/// `apply_on_support(x_k, θ, W_k)`) and compares it with the working-set solve without
/// extrapolation, which is the solution returned with it (bit for bit): as many epochs, each
/// set holding the support of the iterate it starts from (so the coordinates off it are 0, as
/// in the solver), and the same solution. Returns the largest difference relative to `‖β‖∞`.
fn replay_schedule<M: WorkingSetModel + FixedPointMap>(
    model: &M,
    start: &[f64],
    theta: &[f64],
) -> f64 {
    let p = params(1e-12);
    let (solution, schedule) = model.solve_with_schedule(theta, Some(start), &p).unwrap();
    let schedule = schedule.expect("a working-set model has a schedule");
    let solver = WorkingSetCd {
        anderson_memory: 0,
        ..WorkingSetCd::new(p.clone())
    };
    let solved = solver.solve(model, theta, Some(start)).unwrap();
    assert!(solved.report.converged());
    assert_eq!(schedule.len(), solved.report.iterations);
    // The unrolled methods' one solve: the working-set solve without extrapolation.
    assert_eq!(solution, solved);
    let mut x = start.to_vec();
    let mut next = x.clone();
    for k in 0..schedule.len() {
        let set = schedule.columns(k);
        assert!((0..x.len()).all(|j| x[j] == 0.0 || set.contains(&j)));
        model.apply_on_support(&x, theta, set, &mut next);
        std::mem::swap(&mut x, &mut next);
    }
    let scale = solved.x.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    max_diff(&x, &solved.x) / scale
}

/// The replayed epochs are the solver's arithmetic except the residual, which the solver
/// updates coordinate by coordinate and each replayed epoch forms afresh from its columns:
/// the same sums in another order, differences of a few ulps that the contracting epochs do
/// not amplify (measured ≤ 6e-16 over 33–280 epochs here; 1e-14 leaves room for another summation order).
#[test]
fn the_schedule_replays_the_working_set_solve_without_extrapolation() {
    let (csc, x, y) = sparse_problem(80, 300, 0.1, 8, 87);
    let designs = [dense(&x), Design::sparse(csc).unwrap()];
    for design in designs {
        let lasso = Lasso::new(design.clone(), y.view()).unwrap();
        let p = lasso.dim_x();
        let alpha = lasso.alpha_max() / 30.0;
        let cold = vec![0.0; p];
        let near = lasso
            .solve(&[(1.2 * alpha).ln()], None, &params(1e-12))
            .unwrap()
            .x;
        for start in [&cold, &near] {
            let e = replay_schedule(&lasso, start, &[alpha.ln()]);
            assert!(e <= 1e-14, "lasso: {e:e}");
        }
        let weights: Vec<f64> = (0..p)
            .map(|j| (alpha * (0.5 + (j % 3) as f64)).ln())
            .collect();
        let weighted = WeightedLasso::new(design.clone(), y.view()).unwrap();
        let e = replay_schedule(&weighted, &cold, &weights);
        assert!(e <= 1e-14, "weighted: {e:e}");
        let enet = ElasticNet::new(design, y.view()).unwrap();
        let e = replay_schedule(&enet, &cold, &[alpha.ln(), (0.5 * alpha).ln()]);
        assert!(e <= 1e-14, "enet: {e:e}");
    }
    // Block models: the sets list the coefficients of the blocks (groups, rows) of each
    // epoch, whose restricted sweep recomputes the full residual.
    let (x, y) = gaussian_problem(80, 60, 6, 73);
    let groups: Vec<Vec<usize>> = (0..20).map(|g| vec![3 * g, 3 * g + 1, 3 * g + 2]).collect();
    let group = GroupLasso::new(dense(&x), y.view(), groups).unwrap();
    let theta = [(group.alpha_max() / 20.0).ln()];
    let e = replay_schedule(&group, &[0.0; 60], &theta);
    assert!(e <= 1e-14, "group: {e:e}");
    let (_, y2) = gaussian_problem(80, 60, 3, 74);
    let targets = Array2::from_shape_fn((80, 2), |(i, t)| if t == 0 { y[i] } else { y2[i] });
    let multitask = MultiTaskLasso::new(dense(&x), targets.view()).unwrap();
    let theta = [(multitask.alpha_max() / 20.0).ln()];
    let e = replay_schedule(&multitask, &[0.0; 120], &theta);
    assert!(e <= 1e-14, "multitask: {e:e}");
    // A warm start at the solution: no epoch.
    let lasso = Lasso::new(dense(&x), y.view()).unwrap();
    let theta = [(lasso.alpha_max() / 30.0).ln()];
    let solution = lasso.solve(&theta, None, &params(1e-12)).unwrap().x;
    let (_, schedule) = lasso
        .solve_with_schedule(&theta, Some(&solution), &params(1e-12))
        .unwrap();
    assert!(schedule.unwrap().is_empty());
}

/// A map without a schedule: `solve_with_schedule` is its `solve` and no schedule.
#[test]
fn solve_with_schedule_defaults_to_the_solve_and_no_schedule() {
    let (x, y) = gaussian_problem(30, 12, 4, 91);
    let ridge = Ridge::new(dense(&x), y.view()).unwrap();
    let theta = [0.3_f64.ln()];
    let p = params(1e-10);
    let (solution, schedule) = ridge.solve_with_schedule(&theta, None, &p).unwrap();
    assert_eq!(solution, ridge.solve(&theta, None, &p).unwrap());
    assert_eq!(schedule, None);
}

#[test]
fn invalid_settings_are_typed_errors() {
    let (x, y) = gaussian_problem(10, 4, 2, 85);
    let lasso = Lasso::new(dense(&x), y.view()).unwrap();
    let theta = [0.1_f64.ln()];
    let is_invalid = |e: OptimError, name: &str| matches!(e, OptimError::InvalidParameter { name: n, .. } if n == name);
    for (settings, name) in [
        (
            WorkingSetCd {
                initial_size: 0,
                ..WorkingSetCd::default()
            },
            "initial_size",
        ),
        (
            WorkingSetCd {
                gap_frequency: 0,
                ..WorkingSetCd::default()
            },
            "gap_frequency",
        ),
        (
            WorkingSetCd {
                inner_ratio: 1.0,
                ..WorkingSetCd::default()
            },
            "inner_ratio",
        ),
        (
            WorkingSetCd::new(SolverParams {
                tol: 0.0,
                ..SolverParams::default()
            }),
            "tol",
        ),
    ] {
        assert!(is_invalid(
            settings.solve(&lasso, &theta, None).unwrap_err(),
            name
        ));
    }
    let e = WorkingSetCd::default()
        .solve(&lasso, &theta, Some(&[0.0; 3]))
        .unwrap_err();
    assert!(matches!(e, OptimError::ShapeMismatch { .. }));
}

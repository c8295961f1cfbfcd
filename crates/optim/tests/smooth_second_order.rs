//! Conjugate gradient, Newton and L-BFGS against direct solves and known minimisers.

mod smooth_common;

use hypergrad_ad::{Dual, Scalar};
use hypergrad_optim::solvers::{cg, Lbfgs, Newton, NewtonStep, NewtonSystem};
use hypergrad_optim::{
    Design, FixedPointMap, Logistic, Objective, OptimError, SolverParams, StopReason,
};
use ndarray::{Array2, ArrayView1};
use smooth_common::{a_solve, a_times, max_abs_diff, uniform, Quadratic, Rosenbrock};

const THETA: [f64; 4] = [1.0, -2.0, 0.5, 3.0];

fn params(tol: f64, max_iter: usize, record_history: bool) -> SolverParams {
    SolverParams {
        max_iter,
        tol,
        record_history,
    }
}

#[test]
fn cg_matches_a_direct_solve_and_reports_its_residual() {
    let exact = a_solve(&THETA);
    let (x, report) = cg(a_times, &THETA, None, 1e-13, 100).unwrap();
    assert!(
        report.converged() && report.iterations <= 4 + 2,
        "{report:?}"
    );
    assert!(report.relative_residual <= 1e-13);
    // κ(A) ≲ 10, so a relative residual 1e-13 bounds the relative error by 1e-12.
    assert!(max_abs_diff(&x, &exact) < 1e-11);
    // Warm start at the answer: no iteration needed.
    let (_, warm) = cg(a_times, &THETA, Some(&x), 1e-10, 100).unwrap();
    assert_eq!(warm.iterations, 0);
    // Cap hit → reported.
    let (_, capped) = cg(a_times, &THETA, None, 1e-14, 1).unwrap();
    assert_eq!(capped.stop, StopReason::MaxIterations);
    assert!(capped.relative_residual > 1e-14);
    // Indefinite A → non-positive curvature → reported as Diverged.
    let indefinite = |v: &[f64], o: &mut [f64]| {
        o[0] = v[0];
        o[1] = -v[1];
    };
    let (_, bad) = cg(indefinite, &[0.0, 1.0], None, 1e-10, 10).unwrap();
    assert_eq!(bad.stop, StopReason::Diverged);
    assert!(matches!(
        cg(a_times, &THETA, None, 0.0, 10),
        Err(OptimError::InvalidParameter { name: "tol", .. })
    ));
    assert!(matches!(
        cg(a_times, &[f64::NAN; 4], None, 1e-8, 10),
        Err(OptimError::NonFinite { what: "b" })
    ));
}

#[test]
fn newton_map_solves_the_quadratic_in_one_step_and_differentiates_it() {
    let exact = a_solve(&THETA);
    let sol = Newton::default()
        .solve(
            &Quadratic,
            &THETA,
            Some(&[5.0, 5.0, -5.0, 1.0]),
            &params(1e-10, 50, false),
        )
        .unwrap();
    assert!(
        sol.report.converged() && sol.report.iterations == 1,
        "{:?}",
        sol.report
    );
    assert!(max_abs_diff(&sol.x, &exact) < 1e-12);
    let map = NewtonStep {
        objective: &Quadratic,
    };
    let mut out = [0.0; 4];
    map.apply(&[5.0, 5.0, -5.0, 1.0], &THETA, &mut out);
    assert!(
        max_abs_diff(&out, &sol.x) < 1e-14,
        "generic map vs fast path"
    );
    // T(x, θ) = A⁻¹θ, so ∂T/∂θⱼ = A⁻¹eⱼ: compare the Dual tangent with a direct solve.
    for j in 0..4 {
        let xd: Vec<Dual<f64>> = exact.iter().map(|&v| Dual::constant(v)).collect();
        let td: Vec<Dual<f64>> = (0..4)
            .map(|i| Dual::new(THETA[i], (i == j) as u8 as f64))
            .collect();
        let mut od = vec![Dual::constant(0.0); 4];
        map.apply(&xd, &td, &mut od);
        let mut e = [0.0; 4];
        e[j] = 1.0;
        let col = a_solve(&e);
        let tangent: Vec<f64> = od.iter().map(|o| o.eps).collect();
        assert!(max_abs_diff(&tangent, &col) < 1e-14);
    }
}

/// `f(x, θ) = logistic(x) + exp(θ)/2‖x‖²`; gradient and hvp by the forward-AD defaults.
struct RidgeLogistic(Logistic);

impl Objective for RidgeLogistic {
    fn dim(&self) -> usize {
        self.0.n_features()
    }
    fn dim_theta(&self) -> usize {
        1
    }
    fn value<S: Scalar>(&self, x: &[S], theta: &[S]) -> S {
        let sq: S = x.iter().map(|&v| v * v).sum();
        self.0.value(x) + theta[0].exp() * sq * S::from_f64(0.5)
    }
}

fn ridge_logistic() -> RidgeLogistic {
    let mut s = 11_u64;
    let x = Array2::from_shape_fn((40, 6), |_| 2.0 * uniform(&mut s));
    let y: Vec<f64> = (0..40)
        .map(|_| if uniform(&mut s) > 0.0 { 1.0 } else { -1.0 })
        .collect();
    RidgeLogistic(Logistic::new(Design::dense(x).unwrap(), ArrayView1::from(&y)).unwrap())
}

#[test]
fn newton_converges_quadratically_on_ridge_logistic() {
    let f = ridge_logistic();
    let theta = [(0.01_f64).ln()];
    // Start away from 0: at β = 0 every margin is 0, the kink of the loss's softplus
    // `max(u, 0) + log(1 + e^{−|u|})`, where forward AD returns 0 instead of ½ for its derivative.
    let x0 = [0.5, -0.5, 0.5, -0.5, 0.5, -0.5];
    let sol = Newton::default()
        .solve(&f, &theta, Some(&x0), &params(1e-12, 50, true))
        .unwrap();
    assert!(sol.report.converged(), "{:?}", sol.report);
    assert!(
        sol.report.iterations >= 3,
        "the start must not already be optimal"
    );
    // Quadratic convergence: a handful of iterations, and once ‖∇f‖ < 1e-2 each residual is
    // bounded by C·(previous)² with a modest C (here the local constant ‖H⁻¹‖·Lip(H) ≲ 10³).
    assert!(sol.report.iterations <= 10, "{}", sol.report.iterations);
    let r = &sol.report.history.as_ref().unwrap().residual;
    for w in r.windows(2) {
        if w[0] < 1e-2 && w[1] > 1e-13 {
            assert!(w[1] <= 1e3 * w[0] * w[0], "{r:?}");
        }
    }
    // The matrix-free system gives the same minimiser (strong convexity μ ≥ 0.01: ‖Δx‖ ≤ 1e-12/μ).
    let cg_newton = Newton {
        system: NewtonSystem::Cg {
            tol: 1e-12,
            max_iter: 50,
        },
        ..Newton::default()
    };
    let sol_cg = cg_newton
        .solve(&f, &theta, Some(&x0), &params(1e-12, 50, false))
        .unwrap();
    assert!(sol_cg.report.converged());
    assert!(max_abs_diff(&sol.x, &sol_cg.x) < 1e-9);
    // And it is a fixed point of the generic undamped Newton map.
    let mut out = vec![0.0; 6];
    NewtonStep { objective: &f }.apply(&sol.x, &theta, &mut out);
    assert!(max_abs_diff(&out, &sol.x) < 1e-10);
}

#[test]
fn lbfgs_minimises_rosenbrock() {
    for n in [2, 10] {
        let x0: Vec<f64> = (0..n)
            .map(|i| if i % 2 == 0 { -1.2 } else { 1.0 })
            .collect();
        let sol = Lbfgs::default()
            .solve(&Rosenbrock(n), &[], Some(&x0), &params(1e-9, 5_000, false))
            .unwrap();
        assert!(sol.report.converged(), "n = {n}: {:?}", sol.report);
        // Measured 38 (n = 2) and 80 (n = 10) iterations; an L-BFGS that loses its curvature
        // pairs degrades to steepest descent (hundreds to thousands), which this bound catches.
        assert!(
            sol.report.iterations <= 150,
            "n = {n}: {}",
            sol.report.iterations
        );
        // Near (1,…,1) the Hessian's smallest eigenvalue is ≳ 0.4 (n = 2), so ‖∇f‖ ≤ 1e-9 puts x
        // within ~1e-8 of the minimiser; 1e-7 allows for the ill-conditioning at n = 10.
        assert!(
            max_abs_diff(&sol.x, &vec![1.0; n]) < 1e-7,
            "n = {n}: {:?}",
            sol.x
        );
    }
}

#[test]
fn second_order_solvers_reject_bad_input() {
    let p = params(1e-8, 100, false);
    let lb = Lbfgs {
        memory: 0,
        ..Lbfgs::default()
    }
    .solve(&Quadratic, &THETA, None, &p);
    assert!(matches!(
        lb,
        Err(OptimError::InvalidParameter { name: "memory", .. })
    ));
    let nt = Newton {
        system: NewtonSystem::Cg {
            tol: -1.0,
            max_iter: 5,
        },
        ..Newton::default()
    }
    .solve(&Quadratic, &THETA, None, &p);
    assert!(matches!(
        nt,
        Err(OptimError::InvalidParameter {
            name: "newton.cg_tol",
            ..
        })
    ));
    let th = Newton::default().solve(&Quadratic, &[1.0], None, &p);
    assert!(matches!(
        th,
        Err(OptimError::ShapeMismatch { what: "theta", .. })
    ));
}

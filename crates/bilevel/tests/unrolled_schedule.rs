//! The unrolled methods through a working-set schedule (the Lasso family): reverse = forward
//! mode on the same epochs, both = finite differences of the replayed epochs with the working
//! sets held, and both → the implicit hypergradient as the inner tolerance tightens.

use hypergrad_bilevel::{
    hypergradient, Checkpoints, Criterion, HeldOutMse, LinearSolver, Method, Options,
};
use hypergrad_optim::{
    Design, ElasticNet, FixedPointMap, GroupLasso, Lasso, Schedule, SolverParams, WeightedLasso,
};
use ndarray::{Array1, Array2};

/// A seeded Gaussian design `n × p` (column-major) and `y = Xβ + 0.1ε` with β's first 5
/// entries non-zero: p > n, so the working sets are a small part of the features.
fn data(n: usize, p: usize, seed: u64) -> (Design, Array1<f64>) {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut normal = move || {
        // Box–Muller on xorshift64 uniforms.
        let mut uniform = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        };
        let (u, v) = (uniform(), uniform());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    };
    let x = Array2::from_shape_fn((n, p), |_| normal());
    let y = Array1::from_shape_fn(n, |i| {
        (0..5).map(|j| (1.0 + j as f64) * x[[i, j]]).sum::<f64>() + 0.1 * normal()
    });
    (Design::dense(x).unwrap(), y)
}

fn lasso_problem() -> (Lasso, HeldOutMse, [f64; 1]) {
    let (x, y) = data(60, 150, 1);
    let (x_val, y_val) = data(40, 150, 2);
    let lasso = Lasso::new(x, y.view()).unwrap();
    let theta = [(lasso.alpha_max() / 20.0).ln()];
    (lasso, HeldOutMse::new(x_val, y_val.view()).unwrap(), theta)
}

fn options(inner_tol: f64) -> Options {
    Options {
        inner_tol,
        ..Options::default()
    }
}

fn reverse(checkpoints: Checkpoints) -> Method {
    Method::ReverseUnrolled {
        truncate: None,
        checkpoints,
    }
}

fn relative(a: &[f64], b: &[f64]) -> f64 {
    let diff = a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum::<f64>();
    let norm = b.iter().map(|y| y * y).sum::<f64>();
    (diff / norm).sqrt()
}

/// The implicit hypergradient (GMRES) at an inner tolerance of 1e-12: the reference.
fn tight_implicit(lasso: &Lasso, mse: &HeldOutMse, theta: &[f64]) -> Vec<f64> {
    let implicit = Method::Implicit {
        linear_solver: LinearSolver::Gmres,
    };
    hypergradient(lasso, mse, theta, &implicit, &options(1e-12))
        .unwrap()
        .grad
}

fn schedule<P: FixedPointMap>(problem: &P, theta: &[f64], tol: f64) -> Schedule {
    let params = SolverParams {
        max_iter: options(tol).inner_max_iter,
        tol,
        record_history: false,
    };
    let start = vec![0.0; problem.dim_x()];
    problem
        .solve_with_schedule(theta, Some(&start), &params)
        .unwrap()
        .1
        .unwrap()
}

/// Reverse and forward mode differentiate the same epochs (the same products, summed in
/// another order): agreement to rounding, 1e-10 relative (measured ≤ 3e-16), on one hyperparameter (Lasso), two
/// (elastic net, group Lasso) and one per feature (weighted Lasso, 19 forward chunks); with a
/// full tape, with √K checkpoints and with a full tape within a budget. The methods unroll the
/// schedule's epochs, not the plain sweeps, and the inner solve is the schedule's own.
#[test]
fn reverse_and_forward_unrolling_through_the_schedule_agree() {
    let (lasso, mse, theta) = lasso_problem();
    let (x, y) = data(60, 150, 1);
    let alpha = lasso.alpha_max() / 20.0;
    let enet = ElasticNet::new(x.clone(), y.view()).unwrap();
    let weighted = WeightedLasso::new(x, y.view()).unwrap();
    let weights: Vec<f64> = (0..150)
        .map(|j| (alpha * (0.5 + (j % 3) as f64)).ln())
        .collect();
    let tol = 1e-8;
    let check = |problem: &dyn Fn(&Method) -> hypergrad_bilevel::Hypergradient, epochs: usize| {
        let forward = problem(&Method::ForwardUnrolled);
        // One solve: the inner solve is the schedule's (its epochs are the unrolled ones).
        assert_eq!(forward.diagnostics.inner.iterations, epochs);
        assert!(forward.diagnostics.inner.converged());
        for checkpoints in [
            Checkpoints::Full,
            Checkpoints::Uniform,
            Checkpoints::Fit(1 << 30),
        ] {
            let rev = problem(&reverse(checkpoints));
            assert_eq!(rev.diagnostics.jacobian_iterations, epochs);
            assert_eq!(rev.diagnostics.inner.iterations, epochs);
            let e = relative(&rev.grad, &forward.grad);
            assert!(e <= 1e-10, "{checkpoints:?}: {e:e}");
            assert_eq!(rev.x, forward.x);
        }
        assert!(forward.grad.iter().any(|g| *g != 0.0));
    };
    let epochs = schedule(&lasso, &theta, tol).len();
    let plain = lasso
        .unrolled_steps(
            &[0.0; 150],
            &theta,
            &SolverParams {
                max_iter: options(tol).inner_max_iter,
                tol,
                record_history: false,
            },
            &lasso.solve(&theta, None, &SolverParams::default()).unwrap(),
        )
        .unwrap();
    assert_ne!(epochs, plain);
    check(
        &|m| hypergradient(&lasso, &mse, &theta, m, &options(tol)).unwrap(),
        epochs,
    );
    let theta_enet = [alpha.ln(), (0.3 * alpha).ln()];
    check(
        &|m| hypergradient(&enet, &mse, &theta_enet, m, &options(tol)).unwrap(),
        schedule(&enet, &theta_enet, tol).len(),
    );
    check(
        &|m| hypergradient(&weighted, &mse, &weights, m, &options(tol)).unwrap(),
        schedule(&weighted, &weights, tol).len(),
    );
    let groups: Vec<Vec<usize>> = (0..50).map(|g| vec![3 * g, 3 * g + 1, 3 * g + 2]).collect();
    let (x, y) = data(60, 150, 1);
    let group = GroupLasso::new(x, y.view(), groups).unwrap();
    let theta_group = [(group.alpha_max() / 20.0).ln()];
    check(
        &|m| hypergradient(&group, &mse, &theta_group, m, &options(tol)).unwrap(),
        schedule(&group, &theta_group, tol).len(),
    );
}

/// An independent reference: the epochs replayed in `f64` at `θ ± h` with the working sets
/// held, `(C(x_K(θ + h)) − C(x_K(θ − h)))/(2h)`. With `h = 1e-5` the truncation error is
/// `O(h²)` ≈ 1e-10 relative and the rounding `ε·C/h` ≈ 1e-11 relative to C, and no
/// soft-threshold changes branch over `±h` (its inputs sit at a distance ≫ h from the
/// thresholds here): 1e-8 relative (measured 8e-11).
#[test]
fn the_unrolled_derivative_is_that_of_the_epochs_with_their_working_sets_held() {
    let (lasso, mse, theta) = lasso_problem();
    let tol = 1e-8;
    let epochs = schedule(&lasso, &theta, tol);
    let replay = |t: f64| {
        let mut x = vec![0.0; 150];
        let mut next = x.clone();
        for k in 0..epochs.len() {
            lasso.apply_on_support(&x, &[t], epochs.columns(k), &mut next);
            std::mem::swap(&mut x, &mut next);
        }
        mse.value(&x, &[])
    };
    let h = 1e-5;
    let fd = (replay(theta[0] + h) - replay(theta[0] - h)) / (2.0 * h);
    let rev = hypergradient(
        &lasso,
        &mse,
        &theta,
        &reverse(Checkpoints::Uniform),
        &options(tol),
    )
    .unwrap();
    let e = (rev.grad[0] - fd).abs() / fd.abs();
    assert!(e <= 1e-8, "{} vs {fd}: {e:e}", rev.grad[0]);
}

/// As the inner tolerance tightens the epochs reach the solution, whose support is identified,
/// and the unrolled derivative converges to the implicit one (at a gap of 1e-12): measured
/// 1e-6 → 1e-12 relative over tolerances 1e-4 → 1e-12 here. Each tolerance is at most as far
/// as the one 100× looser (up to the reference's own rounding, 1e-11), and within 1e-9 from
/// 1e-10 on; forward and reverse mode alike.
#[test]
fn unrolling_through_the_schedule_approaches_the_implicit_hypergradient() {
    let (lasso, mse, theta) = lasso_problem();
    let reference = tight_implicit(&lasso, &mse, &theta);
    for method in [Method::ForwardUnrolled, reverse(Checkpoints::Uniform)] {
        let mut previous = f64::INFINITY;
        for tol in [1e-4, 1e-6, 1e-8, 1e-10, 1e-12] {
            let g = hypergradient(&lasso, &mse, &theta, &method, &options(tol)).unwrap();
            let e = relative(&g.grad, &reference);
            assert!(
                e <= previous + 1e-11,
                "{method:?} at {tol:e}: {e:e} after {previous:e}"
            );
            assert!(tol > 1e-10 || e <= 1e-9, "{method:?} at {tol:e}: {e:e}");
            previous = e;
        }
    }
}

/// The unrolled methods' reference at their last iterate is the model's direct derivative when
/// it has one (the Lasso: a factorization on the support): no linear solve (no linear error
/// part, no contraction measured), and the estimate still covers the distance to the implicit
/// hypergradient at a tight tolerance, at loose and tight inner tolerances.
#[test]
fn the_unrolled_methods_measure_themselves_against_the_direct_derivative() {
    let (lasso, mse, theta) = lasso_problem();
    let reference = tight_implicit(&lasso, &mse, &theta);
    for method in [Method::ForwardUnrolled, reverse(Checkpoints::Fit(1 << 30))] {
        for tol in [1e-4, 1e-8] {
            let g = hypergradient(&lasso, &mse, &theta, &method, &options(tol)).unwrap();
            let d = &g.diagnostics;
            assert_eq!(d.error_parts.linear, 0.0, "{method:?} at {tol:e}");
            assert_eq!(d.contraction, None, "{method:?} at {tol:e}");
            let e = relative(&g.grad, &reference);
            assert!(
                e <= d.error_estimate,
                "{method:?} at {tol:e}: {e:e} > {:e}",
                d.error_estimate
            );
        }
    }
}

//! Every solver map of the library reaches `hypergradient`: ISTA, FISTA (its momentum depends
//! on the iteration index, which the unrolled methods follow) and heavy-ball momentum on a
//! Lasso agree with coordinate descent's implicit hypergradient, by unrolling and by implicit
//! differentiation.

mod common;

use common::ridge_logistic;
use hypergrad::bilevel::{
    hypergradient, Checkpoints, Criterion, HeldOutMse, LinearSolver, Method, Options,
};
use hypergrad::optim::regularizer::L1;
use hypergrad::optim::solvers::{Fista, GradientStep, Ista, Momentum, MomentumKind};
use hypergrad::optim::{Design, FixedPointMap, Lasso, LeastSquares};
use ndarray::{Array1, Array2};
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;

fn data(n: usize, p: usize, seed: u64) -> (Array2<f64>, Array1<f64>) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let x = Array2::from_shape_fn((n, p), |_| rng.sample::<f64, _>(StandardNormal));
    let beta: Array1<f64> = (0..p)
        .map(|j| if j < 4 { 1.0 + j as f64 } else { 0.0 })
        .collect();
    let noise = Array1::from_shape_fn(n, |_| 0.1 * rng.sample::<f64, _>(StandardNormal));
    (x.clone(), x.dot(&beta) + noise)
}

fn options() -> Options {
    Options {
        inner_tol: 1e-13,
        jacobian_tol: 1e-12,
        inner_max_iter: 1_000_000,
        ..Options::default()
    }
}

fn methods() -> [Method; 4] {
    [
        Method::Auto,
        Method::ForwardUnrolled,
        Method::ReverseUnrolled {
            truncate: None,
            checkpoints: Checkpoints::Uniform,
        },
        Method::Implicit {
            linear_solver: LinearSolver::Gmres,
        },
    ]
}

/// Tolerance: every map reaches the Lasso's minimizer to a step of 1e-13 (κ ≈ 10–10³), so the
/// gradients agree to ~1e-9 relative with the reference at a gap of 1e-15; 1e-6 leaves room
/// and still fails on a derivative that misses the momentum or the step (≥ 1e-2 off).
fn assert_agrees<P: FixedPointMap, C: Criterion>(
    name: &str,
    map: &P,
    val: &C,
    theta: f64,
    reference: f64,
) {
    for method in methods() {
        let h = hypergradient(map, val, &[theta], &method, &options()).unwrap();
        let g = h.grad[0];
        assert!(
            (g - reference).abs() <= 1e-6 * reference.abs(),
            "{name} {method:?}: {g} vs {reference}"
        );
        assert!(
            h.diagnostics.error_estimate < 1e-6,
            "{name} {method:?}: {:?}",
            h.diagnostics
        );
    }
}

#[test]
fn ista_fista_and_coordinate_descent_give_the_same_lasso_hypergradient() {
    let (x, y) = data(40, 15, 1);
    let (xv, yv) = data(30, 15, 2);
    let val = HeldOutMse::new(Design::dense(xv).unwrap(), yv.view()).unwrap();
    let lasso = Lasso::new(Design::dense(x.clone()).unwrap(), y.view()).unwrap();
    let theta = (lasso.alpha_max() / 5.0).ln();
    let tight = Options {
        inner_tol: 1e-15,
        jacobian_tol: 1e-14,
        ..Options::default()
    };
    let dense = Method::Implicit {
        linear_solver: LinearSolver::Dense,
    };
    let reference = hypergradient(&lasso, &val, &[theta], &dense, &tight)
        .unwrap()
        .grad[0];
    let loss = LeastSquares::new(Design::dense(x).unwrap(), y.view()).unwrap();
    let step = 1.0 / loss.lipschitz();
    assert_agrees(
        "ista",
        &Ista { step }.map(&loss, &L1),
        &val,
        theta,
        reference,
    );
    let fista = Fista {
        step,
        restart: false,
    };
    assert_agrees("fista", &fista.map(&loss, &L1), &val, theta, reference);
}

#[test]
fn heavy_ball_and_nesterov_match_the_gradient_step() {
    // Ridge-penalized logistic regression solved by momentum; the reference is the gradient
    // step's implicit hypergradient (the same stationary points), by a dense solve. The
    // criterion reads the leading half of the momentum state (x_k, x_{k−1}).
    let (objective, val) = ridge_logistic();
    let theta = 0.05_f64.ln();
    let gd = GradientStep {
        objective: &objective,
        step: 1.0,
    };
    let dense = Method::Implicit {
        linear_solver: LinearSolver::Dense,
    };
    let reference = hypergradient(&gd, &val, &[theta], &dense, &options())
        .unwrap()
        .grad[0];
    for kind in [MomentumKind::HeavyBall, MomentumKind::Nesterov] {
        let momentum = Momentum {
            kind,
            step: 1.0,
            momentum: 0.5,
        };
        assert_agrees(
            "momentum",
            &momentum.map(&objective),
            &val,
            theta,
            reference,
        );
    }
}

//! One-step differentiation (seed 004): exact in the limit for Newton's method used as it is
//! (undamped step, Hessian as a function of θ), biased for gradient descent. Inner problem:
//! ridge-penalized logistic regression f(x, θ) = 1/n Σ log(1 + exp(−yᵢ aᵢᵀx)) + e^θ/2 ‖x‖².
//!
//! Tolerance 1e-8 (the bar): at the Newton fixed point ∂ₓT(x*) = 0, so the one-step
//! Jacobian ∂_θT(x*) equals the implicit one up to the inner residual (‖∇f‖ ≲ 1e-15 after
//! quadratic convergence) times the Hessian's conditioning (≈ 10² here).

mod common;

use common::ridge_logistic;
use hypergrad::bilevel::{hypergradient, LinearSolver, Method, Options};
use hypergrad::optim::solvers::{GradientStep, NewtonStep};

fn options() -> Options {
    Options {
        inner_tol: 1e-14,
        jacobian_tol: 1e-13,
        ..Options::default()
    }
}

#[test]
fn one_step_on_newton_equals_implicit() {
    let (objective, criterion) = ridge_logistic();
    let theta = [0.05_f64.ln()];
    let newton = NewtonStep {
        objective: &objective,
    };
    let implicit = Method::Implicit {
        linear_solver: LinearSolver::Bicgstab,
    };
    let exact = hypergradient(&newton, &criterion, &theta, &implicit, &options()).unwrap();
    let one = hypergradient(&newton, &criterion, &theta, &Method::OneStep, &options()).unwrap();
    assert!(
        exact.diagnostics.inner.converged(),
        "{:?}",
        exact.diagnostics.inner
    );
    assert!(
        (one.grad[0] - exact.grad[0]).abs() <= 1e-8 * exact.grad[0].abs(),
        "one-step {} vs implicit {}",
        one.grad[0],
        exact.grad[0]
    );
    // Independent reference: central differences of h in log α.
    let delta = 1e-5;
    let h = |t: f64| {
        hypergradient(&newton, &criterion, &[t], &Method::OneStep, &options())
            .unwrap()
            .value
    };
    let fd = (h(theta[0] + delta) - h(theta[0] - delta)) / (2.0 * delta);
    assert!(
        (fd - exact.grad[0]).abs() <= 1e-6 * exact.grad[0].abs(),
        "fd {fd} vs {}",
        exact.grad[0]
    );
}

#[test]
fn one_step_on_gradient_descent_is_biased() {
    // T(x) = x − s∇f(x): ∂ₓT(x*) = I − s∇²f ≠ 0, so ∂_θT alone misses (I − ∂ₓT)⁻¹.
    let (objective, criterion) = ridge_logistic();
    let theta = [0.05_f64.ln()];
    let gd = GradientStep {
        objective: &objective,
        step: 1.0,
    };
    let implicit = Method::Implicit {
        linear_solver: LinearSolver::Bicgstab,
    };
    let exact = hypergradient(&gd, &criterion, &theta, &implicit, &options()).unwrap();
    let one = hypergradient(&gd, &criterion, &theta, &Method::OneStep, &options()).unwrap();
    let newton = NewtonStep {
        objective: &objective,
    };
    let reference = hypergradient(&newton, &criterion, &theta, &implicit, &options()).unwrap();
    assert!((exact.grad[0] - reference.grad[0]).abs() <= 1e-7 * reference.grad[0].abs());
    // I − ∂ₓT = s∇²f is symmetric positive definite for a gradient step: CG applies.
    let cg = Method::Implicit {
        linear_solver: LinearSolver::ConjugateGradient,
    };
    let by_cg = hypergradient(&gd, &criterion, &theta, &cg, &options()).unwrap();
    assert!((by_cg.grad[0] - reference.grad[0]).abs() <= 1e-7 * reference.grad[0].abs());
    assert!(
        (one.grad[0] - exact.grad[0]).abs() >= 0.1 * exact.grad[0].abs(),
        "{} vs {}",
        one.grad[0],
        exact.grad[0]
    );
}

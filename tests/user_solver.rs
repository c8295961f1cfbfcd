//! A user's own solver through the one trait: heavy-ball momentum on ridge-regularized
//! logistic regression, written here (not in the library), differentiated by every method
//! through `hypergradient`, against central finite differences of the held-out loss.

mod common;

use common::{data, HeavyBall};
use hypergrad::bilevel::{
    hypergradient, BilevelError, Checkpoints, FpadMode, HeldOutLogistic, LinearSolver, Method,
    Options, Warning,
};
use hypergrad::optim::Design;

fn setup(per_feature: bool) -> (HeavyBall, HeldOutLogistic, Vec<f64>) {
    let (a, y) = data(200, 20, 1);
    let (av, yv) = data(100, 20, 2);
    // L ≤ ‖A‖²/(4n) + max λ ≈ 0.6 here; s = 1, β = 0.5 converge (s < 2(1 + β)/L).
    let solver = HeavyBall {
        a,
        y,
        step: 1.0,
        momentum: 0.5,
        per_feature,
    };
    let criterion = HeldOutLogistic::new(Design::dense(av).unwrap(), yv.view()).unwrap();
    let theta = if per_feature {
        (0..20).map(|j| -2.0 + 0.1 * j as f64).collect()
    } else {
        vec![-1.5]
    };
    (solver, criterion, theta)
}

fn options() -> Options {
    Options {
        inner_tol: 1e-13,
        jacobian_tol: 1e-11,
        ..Options::default()
    }
}

const METHODS: [Method; 11] = [
    Method::Auto,
    Method::ForwardUnrolled,
    Method::ReverseUnrolled {
        truncate: None,
        checkpoints: Checkpoints::Uniform,
    },
    Method::Implicit {
        linear_solver: LinearSolver::Bicgstab,
    },
    Method::Implicit {
        linear_solver: LinearSolver::Gmres,
    },
    Method::Implicit {
        linear_solver: LinearSolver::Neumann,
    },
    Method::Implicit {
        linear_solver: LinearSolver::Dense,
    },
    Method::Fpad {
        mode: FpadMode::Forward,
    },
    Method::Fpad {
        mode: FpadMode::Reverse,
    },
    Method::OneStep,
    Method::JacobianFree,
];

/// Central differences of `h(θ)` along each coordinate.
fn finite_differences(solver: &HeavyBall, criterion: &HeldOutLogistic, theta: &[f64]) -> Vec<f64> {
    let delta = 1e-4;
    (0..theta.len())
        .map(|i| {
            let h = |d: f64| {
                let mut t = theta.to_vec();
                t[i] += d;
                hypergradient(solver, criterion, &t, &Method::OneStep, &options())
                    .unwrap()
                    .value
            };
            (h(delta) - h(-delta)) / (2.0 * delta)
        })
        .collect()
}

fn check_every_method(per_feature: bool) {
    let (solver, criterion, theta) = setup(per_feature);
    let fd = finite_differences(&solver, &criterion, &theta);
    let scale = fd.iter().map(|g| g * g).sum::<f64>().sqrt();
    for method in METHODS {
        let h = hypergradient(&solver, &criterion, &theta, &method, &options()).unwrap();
        let error = h
            .grad
            .iter()
            .zip(&fd)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            .sqrt();
        let d = &h.diagnostics;
        if matches!(method, Method::OneStep | Method::JacobianFree) {
            // Biased by ∇ₓCᵀA(I − A)⁻¹B (ρ ≈ 0.6 here): far off, and said so.
            assert!(error > 0.05 * scale, "{method:?}: {error} vs {scale}");
            assert!(
                d.warnings
                    .iter()
                    .any(|w| matches!(w, Warning::Biased { .. })),
                "{d:?}"
            );
            assert!(
                d.error_estimate * scale >= error,
                "{method:?}: estimate {} vs {}",
                d.error_estimate,
                error / scale
            );
            continue;
        }
        // Tolerance: the inner solve stops at ‖Δw‖ ≤ 1e-13, so h is known to ~1e-13 and its
        // central difference at δ = 1e-4 to 1e-13/δ ≈ 1e-9, plus the truncation δ²|h'''|/6
        // ≲ 1e-9 (h''' = O(1) in θ here); the gradients are O(1e-2 … 1e-1) in norm: a relative
        // 1e-6 is ~100× above both and far below any method error (a wrong sign or a missing
        // term is ≥ 1e-2).
        assert!(
            error <= 1e-6 * scale,
            "{method:?}: |ĝ − fd| = {error:e}, ‖fd‖ = {scale:e}"
        );
        assert!(d.warnings.is_empty(), "{method:?}: {d:?}");
        assert!(
            d.error_estimate <= 1e-6,
            "{method:?}: estimate {}",
            d.error_estimate
        );
    }
    // A smooth map has no support to restrict to: implicit-forward says so.
    let e = hypergradient(
        &solver,
        &criterion,
        &theta,
        &Method::ImplicitForward,
        &options(),
    );
    assert!(matches!(e, Err(BilevelError::Unsupported { .. })));
}

#[test]
fn heavy_ball_with_one_hyperparameter_every_method_matches_finite_differences() {
    check_every_method(false);
}

#[test]
fn heavy_ball_with_twenty_hyperparameters_every_method_matches_finite_differences() {
    check_every_method(true);
}

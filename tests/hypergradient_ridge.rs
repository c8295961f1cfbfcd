//! Ridge, where the hypergradient has a closed form: with A = XᵀX/n + diag(α),
//! x* = A⁻¹Xᵀy/n and, for λ_j = log α_j, ∂x*/∂λ_j = −α_j x*_j A⁻¹e_j, so for the held-out
//! MSE h = ‖y_v − X_v x*‖²/n_v: ∂h/∂λ_j = −2/n_v (y_v − X_v x*)ᵀ X_v ∂x*/∂λ_j.
//!
//! Tolerance 1e-6 relative (the bar): the inner sweeps stop at a relative step 1e-14 and
//! the Jacobian iterations at a relative residual 1e-12, both contractions with rate ≤ 0.9 on
//! this well-conditioned problem, so every method's error is ≲ 1e-11 relative.

use hypergrad::bilevel::{
    hypergradient, BilevelError, Checkpoints, FpadMode, HeldOutMse, LinearSolver, Method, Options,
};
use hypergrad::optim::{Design, LeastSquares, Ridge};
use ndarray::{Array1, Array2};
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;

fn data(n: usize, p: usize, seed: u64) -> (Array2<f64>, Array1<f64>) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let x = Array2::from_shape_fn((n, p), |_| rng.sample::<f64, _>(StandardNormal));
    let y = Array1::from_shape_fn(n, |i| {
        x[[i, 0]] - x[[i, 1]] + 0.5 * rng.sample::<f64, _>(StandardNormal)
    });
    (x, y)
}

/// Solves `A z = b` by Gaussian elimination with partial pivoting (test-only reference).
fn solve_dense(mut a: Array2<f64>, mut b: Vec<f64>) -> Vec<f64> {
    let n = b.len();
    for k in 0..n {
        let pivot = (k..n)
            .max_by(|&i, &j| a[[i, k]].abs().total_cmp(&a[[j, k]].abs()))
            .unwrap();
        for c in 0..n {
            a.swap([k, c], [pivot, c]);
        }
        b.swap(k, pivot);
        for i in k + 1..n {
            let f = a[[i, k]] / a[[k, k]];
            for c in k..n {
                a[[i, c]] -= f * a[[k, c]];
            }
            b[i] -= f * b[k];
        }
    }
    for k in (0..n).rev() {
        let s: f64 = (k + 1..n).map(|c| a[[k, c]] * b[c]).sum();
        b[k] = (b[k] - s) / a[[k, k]];
    }
    b
}

/// The closed-form gradient of h in λ = log α (one entry per feature).
fn closed_form(
    x: &Array2<f64>,
    y: &Array1<f64>,
    xv: &Array2<f64>,
    yv: &Array1<f64>,
    alphas: &[f64],
) -> Vec<f64> {
    let (n, p) = x.dim();
    let mut a = x.t().dot(x) / n as f64;
    (0..p).for_each(|j| a[[j, j]] += alphas[j]);
    let beta = solve_dense(a.clone(), (x.t().dot(y) / n as f64).to_vec());
    let residual = yv - &xv.dot(&Array1::from(beta.clone()));
    let g = xv.t().dot(&residual) * (-2.0 / yv.len() as f64); // ∇ₓh
    let a_inv_g = solve_dense(a, g.to_vec()); // A symmetric: gᵀA⁻¹e_j = (A⁻¹g)_j
    (0..p).map(|j| -alphas[j] * beta[j] * a_inv_g[j]).collect()
}

fn methods() -> Vec<Method> {
    vec![
        Method::ForwardUnrolled,
        Method::ReverseUnrolled {
            truncate: None,
            checkpoints: Checkpoints::Uniform,
        },
        Method::Fpad {
            mode: FpadMode::Forward,
        },
        Method::Fpad {
            mode: FpadMode::Reverse,
        },
        Method::Implicit {
            linear_solver: LinearSolver::Bicgstab,
        },
        Method::Implicit {
            linear_solver: LinearSolver::Neumann,
        },
        Method::Implicit {
            linear_solver: LinearSolver::Dense,
        },
    ]
}

fn options() -> Options {
    Options {
        inner_tol: 1e-14,
        jacobian_tol: 1e-12,
        ..Options::default()
    }
}

#[test]
fn every_method_matches_the_closed_form() {
    let (x, y) = data(40, 6, 11);
    let (xv, yv) = data(30, 6, 12);
    let val = HeldOutMse::new(Design::dense(xv.clone()).unwrap(), yv.view()).unwrap();
    // Scalar penalty: dh/dλ = Σ_j of the per-feature formula.
    let alpha = 0.3;
    let expected: f64 = closed_form(&x, &y, &xv, &yv, &[alpha; 6]).iter().sum();
    let ridge = Ridge::new(Design::dense(x.clone()).unwrap(), y.view()).unwrap();
    for method in methods() {
        let h = hypergradient(&ridge, &val, &[alpha.ln()], &method, &options()).unwrap();
        assert!(
            (h.grad[0] - expected).abs() <= 1e-6 * expected.abs(),
            "{}: {} vs {expected}",
            method.name(),
            h.grad[0]
        );
    }
    // Per-feature penalties.
    let alphas = [0.05, 0.1, 0.2, 0.4, 0.8, 1.6];
    let expected = closed_form(&x, &y, &xv, &yv, &alphas);
    let loss = LeastSquares::new(Design::dense(x).unwrap(), y.view()).unwrap();
    let ridge = Ridge::per_feature(loss);
    let theta: Vec<f64> = alphas.iter().map(|a: &f64| a.ln()).collect();
    for method in methods() {
        let h = hypergradient(&ridge, &val, &theta, &method, &options()).unwrap();
        for (g, e) in h.grad.iter().zip(&expected) {
            assert!(
                (g - e).abs() <= 1e-6 * e.abs().max(1e-3),
                "{}: {g} vs {e}",
                method.name()
            );
        }
    }
}

#[test]
fn support_methods_refuse_a_smooth_model() {
    let (x, y) = data(20, 4, 13);
    let ridge = Ridge::new(Design::dense(x.clone()).unwrap(), y.view()).unwrap();
    let val = HeldOutMse::new(Design::dense(x).unwrap(), y.view()).unwrap();
    let err =
        hypergradient(&ridge, &val, &[0.0], &Method::ImplicitForward, &options()).unwrap_err();
    assert!(matches!(err, BilevelError::Unsupported { .. }), "{err}");
}

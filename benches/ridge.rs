//! Per-feature ridge (p = 1000 hyperparameters, n = 200): one held-out-MSE hypergradient.
//!
//! - `direct`: the solve by the Woodbury Cholesky factorization, `∇ₓC` by a reverse sweep of the
//!   criterion, then `(∂β/∂θ)ᵀ∇ₓC = −α ∘ β ∘ (A⁻¹∇ₓC)` from the same (cached) factorization
//!   (`FixedPointMap::solution_vjp`); its parts `solve` and `vjp` are timed apart.
//! - `implicit_bicgstab`: the pipeline's implicit method today (adjoint BiCGSTAB on the
//!   Gauss–Seidel map, which does not call `solution_vjp` yet), the baseline of the issue.
//!
//! Prints the relative error of each against an independent reference (dense LU of A on the
//! same data). With `HYPERGRAD_LASSO_DUMP=DIR` writes the problem (`ridge_train`, `ridge_val`),
//! θ (`ridge_theta.f64`) and our gradient (`ridge_grad.f64`) for `benches/peers/ridge_jaxopt.py`.
//!
//! Run: `cargo bench --bench ridge`.

use criterion::{criterion_group, criterion_main, Criterion};
use hypergrad::ad::reverse;
use hypergrad::bilevel::{
    hypergradient, Criterion as _, HeldOutMse, LinearSolver, Method, Options,
};
use hypergrad::optim::{Design, FixedPointMap, LeastSquares, Ridge, SolverParams};
use ndarray::Array2;

mod common;
use common::{dense_problem, dump, write_raw};

/// The hypergradient by the direct solve and `solution_vjp`.
fn direct(ridge: &Ridge, criterion: &HeldOutMse, theta: &[f64]) -> (f64, Vec<f64>) {
    let beta = ridge
        .solve(theta, None, &SolverParams::default())
        .unwrap()
        .x;
    let (value, grad_x) = reverse::gradient(|x| criterion.value(x, &[]), &beta);
    let grad = ridge.solution_vjp(&beta, theta, &grad_x).unwrap().unwrap();
    (value, grad)
}

/// The reference: `∂h/∂θ_j = −α_j β_j (A⁻¹∇ₓC)_j` with A factored by Gaussian elimination
/// with partial pivoting on the dense p×p matrix (independent of the Cholesky code).
fn reference(x: &Array2<f64>, y: &[f64], xv: &Array2<f64>, yv: &[f64], alphas: &[f64]) -> Vec<f64> {
    let (n, p) = x.dim();
    let mut a = x.t().dot(x) / n as f64;
    (0..p).for_each(|j| a[[j, j]] += alphas[j]);
    let xty = x.t().dot(&ndarray::ArrayView1::from(y)) / n as f64;
    let beta = lu_solve(a.clone(), xty.to_vec());
    let residual = &ndarray::ArrayView1::from(yv) - &xv.dot(&ndarray::ArrayView1::from(&beta));
    let g = xv.t().dot(&residual) * (-2.0 / yv.len() as f64);
    let a_inv_g = lu_solve(a, g.to_vec());
    (0..p).map(|j| -alphas[j] * beta[j] * a_inv_g[j]).collect()
}

fn lu_solve(mut a: Array2<f64>, mut b: Vec<f64>) -> Vec<f64> {
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

fn relative_error(a: &[f64], b: &[f64]) -> f64 {
    let diff: f64 = a
        .iter()
        .zip(b)
        .map(|(u, v)| (u - v).powi(2))
        .sum::<f64>()
        .sqrt();
    diff / b.iter().map(|v| v * v).sum::<f64>().sqrt()
}

fn bench_ridge(c: &mut Criterion) {
    let (design, y) = dense_problem(200, 1000, 2024);
    let (design_val, y_val) = dense_problem(100, 1000, 7);
    let theta: Vec<f64> = (0..1000)
        .map(|j| 0.1_f64.ln() + 0.5 * (j as f64).sin())
        .collect();
    let (Design::Dense(x), Design::Dense(xv)) = (&design, &design_val) else {
        unreachable!()
    };
    let alphas: Vec<f64> = theta.iter().map(|t| t.exp()).collect();
    let want = reference(
        x,
        y.as_slice().unwrap(),
        xv,
        y_val.as_slice().unwrap(),
        &alphas,
    );
    let ridge = Ridge::per_feature(LeastSquares::new(design.clone(), y.view()).unwrap());
    let criterion = HeldOutMse::new(design_val.clone(), y_val.view()).unwrap();
    let (_, ours) = direct(&ridge, &criterion, &theta);
    let options = Options {
        inner_tol: 1e-12,
        jacobian_tol: 1e-12,
        ..Options::default()
    };
    let method = Method::Implicit {
        linear_solver: LinearSolver::Bicgstab,
    };
    let pipeline = hypergradient(&ridge, &criterion, &theta, &method, &options).unwrap();
    println!(
        "per-feature ridge 200×1000: relative error vs dense LU: direct {:.1e}, implicit (BiCGSTAB) {:.1e}",
        relative_error(&ours, &want),
        relative_error(&pipeline.grad, &want)
    );
    if let Ok(dir) = std::env::var("HYPERGRAD_LASSO_DUMP") {
        dump(&dir, "ridge_train", &design, &y);
        dump(&dir, "ridge_val", &design_val, &y_val);
        let dir = std::path::Path::new(&dir);
        write_raw(&dir.join("ridge_theta.f64"), &theta, f64::to_le_bytes);
        write_raw(&dir.join("ridge_grad.f64"), &ours, f64::to_le_bytes);
    }
    let mut group = c.benchmark_group("ridge_per_feature_200x1000");
    group.sample_size(10);
    group.bench_function("direct", |b| {
        b.iter(|| direct(&ridge.clone(), &criterion, &theta))
    });
    group.bench_function("solve", |b| {
        b.iter(|| {
            ridge
                .clone()
                .solve(&theta, None, &SolverParams::default())
                .unwrap()
        })
    });
    let beta = ridge.closed_form(&theta).unwrap();
    group.bench_function("vjp_cached", |b| {
        b.iter(|| ridge.solution_vjp(&beta, &theta, &want).unwrap().unwrap())
    });
    group.bench_function("implicit_bicgstab", |b| {
        b.iter(|| hypergradient(&ridge, &criterion, &theta, &method, &options).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench_ridge);
criterion_main!(benches);

//! `Method::Auto` against every explicit method in the same run, on the two cases of the core
//! issue: a Lasso with one hyperparameter and a weighted Lasso with one per feature (1000),
//! dense 200 × 1000 at α_max/10 (tolerances: inner gap 1e-10, Jacobian residual 1e-8).
//!
//! Each hypergradient is computed from a cold start (the inner solve included, the same in
//! every row); the printed table gives each method's median time over the benchmark's samples
//! and its ratio to the fastest explicit method.

mod common;

use common::dense_problem;
use criterion::{BenchmarkId, Criterion};
use hypergrad::bilevel::{hypergradient, FpadMode, HeldOutMse, LinearSolver, Method, Options};
use hypergrad::optim::{FixedPointMap, Lasso, WeightedLasso};
use std::time::{Duration, Instant};

fn options() -> Options {
    Options {
        inner_tol: 1e-10,
        jacobian_tol: 1e-8,
        ..Options::default()
    }
}

fn candidates(many: bool) -> Vec<Method> {
    let mut all = vec![
        Method::Auto,
        Method::ImplicitForward,
        Method::Implicit {
            linear_solver: LinearSolver::Bicgstab,
        },
        Method::Implicit {
            linear_solver: LinearSolver::Gmres,
        },
        Method::Implicit {
            linear_solver: LinearSolver::Dense,
        },
        Method::Implicit {
            linear_solver: LinearSolver::Neumann,
        },
        Method::Fpad {
            mode: FpadMode::Reverse,
        },
    ];
    if !many {
        all.push(Method::Fpad {
            mode: FpadMode::Forward,
        });
        all.push(Method::ForwardUnrolled);
    }
    all
}

/// A unique short label: the method's name and its linear solver.
fn label(m: &Method) -> String {
    match m {
        Method::Implicit { linear_solver } => format!("implicit-{}", linear_solver.name()),
        other => other.name().to_string(),
    }
}

/// Median seconds of `runs` cold hypergradients.
fn median_seconds<P: FixedPointMap>(
    problem: &P,
    val: &HeldOutMse,
    theta: &[f64],
    method: &Method,
    runs: usize,
) -> f64 {
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            hypergradient(problem, val, theta, method, &options()).unwrap();
            start.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[runs / 2]
}

fn table<P: FixedPointMap>(name: &str, problem: &P, val: &HeldOutMse, theta: &[f64], many: bool) {
    let methods = candidates(many);
    let times: Vec<f64> = methods
        .iter()
        .map(|m| median_seconds(problem, val, theta, m, 7))
        .collect();
    let fastest = times[1..].iter().copied().fold(f64::INFINITY, f64::min);
    let h = hypergradient(problem, val, theta, &Method::Auto, &options()).unwrap();
    println!(
        "\n{name}: Auto chose {:?} ({})",
        h.diagnostics.method, h.diagnostics.choice
    );
    for (m, t) in methods.iter().zip(&times) {
        println!(
            "  {:<20} {:>9.3} ms  {:>5.2}× the fastest explicit method",
            label(m),
            1e3 * t,
            t / fastest
        );
    }
}

fn main() {
    let (x, y) = dense_problem(200, 1000, 2024);
    let (xv, yv) = dense_problem(100, 1000, 2025);
    let val = HeldOutMse::new(xv, yv.view()).unwrap();
    let lasso = Lasso::new(x.clone(), y.view()).unwrap();
    let theta = [(lasso.alpha_max() / 10.0).ln()];
    let wlasso = WeightedLasso::new(x, y.view()).unwrap();
    let weights = vec![theta[0]; 1000];
    table("lasso, 1 hyperparameter", &lasso, &val, &theta, false);
    table(
        "weighted lasso, 1000 hyperparameters",
        &wlasso,
        &val,
        &weights,
        true,
    );
    let mut c = Criterion::default()
        .configure_from_args()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let mut group = c.benchmark_group("auto");
    for method in candidates(true) {
        group.bench_with_input(
            BenchmarkId::new("wlasso_1000", label(&method)),
            &method,
            |b, m| b.iter(|| hypergradient(&wlasso, &val, &weights, m, &options()).unwrap()),
        );
    }
    for method in candidates(false) {
        group.bench_with_input(
            BenchmarkId::new("lasso_1", label(&method)),
            &method,
            |b, m| b.iter(|| hypergradient(&lasso, &val, &theta, m, &options()).unwrap()),
        );
    }
    group.finish();
    c.final_summary();
}

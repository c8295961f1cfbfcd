//! Lasso solvers to a duality gap of 1e-8·P(0): cyclic coordinate descent on (a) a dense
//! 200×1000 Gaussian design and (b) a sparse 5000×20000 design with 0.5 % density, at
//! α = α_max/10 and α_max/100, with y = Xβ* + 0.1·noise (β* with 20 non-zeros), seeded.
//!
//! Run: `cargo bench --bench lasso`. Prints the sweeps each solve needs. Setting
//! `HYPERGRAD_LASSO_DUMP=DIR` also writes the problems to DIR (raw little-endian f64/u64
//! arrays) for a side-by-side timing against another implementation; scikit-learn's
//! `Lasso(tol=t)` stops at `n·gap ≤ t‖y‖²`, i.e. at our relative tolerance 2t, so the same rule
//! is `tol = 5e-9` there.

use criterion::{criterion_group, criterion_main, Criterion};
use hypergrad::ad::Dual;
use hypergrad::optim::solvers::WorkingSetCd;
use hypergrad::optim::{CoordinateDescent, FixedPointMap, Lasso, SolverParams};

mod common;
use common::{correlated_problem, dense_problem, dump, sparse_problem};

const TOL: f64 = 1e-8;

fn bench_lasso(c: &mut Criterion) {
    let params = SolverParams {
        max_iter: 100_000,
        tol: TOL,
        record_history: false,
    };
    let solver = CoordinateDescent::new(params.clone());
    let working_set = WorkingSetCd::new(params);
    let problems = [
        ("dense_200x1000", dense_problem(200, 1000, 2024)),
        ("sparse_5000x20000", sparse_problem(5000, 20000, 25, 2025)), // 0.5 % density
        (
            "correlated_200x1000",
            correlated_problem(200, 1000, 0.5, 2026),
        ),
    ];
    let mut group = c.benchmark_group("lasso");
    group.sample_size(10);
    for (name, (design, y)) in problems {
        if let Ok(dir) = std::env::var("HYPERGRAD_LASSO_DUMP") {
            dump(&dir, name, &design, &y);
        }
        let lasso = Lasso::new(design, y.view()).unwrap();
        let alpha_max = lasso.alpha_max();
        for divisor in [10.0, 100.0] {
            let lasso_theta = [(alpha_max / divisor).ln()];
            let sol = solver.solve(&lasso, &lasso_theta, None).unwrap();
            let nnz = sol.x.iter().filter(|b| **b != 0.0).count();
            println!(
                "{name} α_max/{divisor}: α = {:.6e}, {} sweeps, {:?}, relative gap {:.2e}, {nnz} non-zeros",
                alpha_max / divisor,
                sol.report.iterations,
                sol.report.stop,
                sol.report.duality_gap.unwrap() / (y.dot(&y) / (2.0 * y.len() as f64)),
            );
            let ws = working_set.solve(&lasso, &lasso_theta, None).unwrap();
            println!(
                "  working sets: {} epochs, {:?}, relative gap {:.2e}",
                ws.report.iterations,
                ws.report.stop,
                ws.report.duality_gap.unwrap() / (y.dot(&y) / (2.0 * y.len() as f64)),
            );
            group.bench_function(format!("cd/{name}/alpha_max_over_{divisor}"), |b| {
                b.iter(|| solver.solve(&lasso, &lasso_theta, None).unwrap())
            });
            group.bench_function(format!("ws/{name}/alpha_max_over_{divisor}"), |b| {
                b.iter(|| working_set.solve(&lasso, &lasso_theta, None).unwrap())
            });
            // FISTA (optim-smooth branch) goes here: same problem, same tolerance, reported
            // beside the CD figure.
        }
    }
    group.finish();
}

/// One coordinate-descent sweep as a generic update (`FixedPointMap::apply`) on `f64` and on
/// `Dual<f64>` (one tangent with respect to log α): the cost of forward-mode differentiation of
/// the solver, as a ratio to the plain sweep.
fn bench_generic_sweep(c: &mut Criterion) {
    let (design, y) = dense_problem(200, 1000, 2024);
    let lasso = Lasso::new(design, y.view()).unwrap();
    let theta = [(lasso.alpha_max() / 10.0).ln()];
    let x = solver_solution(&lasso, &theta);
    let mut group = c.benchmark_group("lasso_sweep_dense_200x1000");
    group.sample_size(10);
    let mut out = vec![0.0; x.len()];
    group.bench_function("f64", |b| b.iter(|| lasso.apply(&x, &theta, &mut out)));
    let x_dual: Vec<Dual<f64>> = x.iter().map(|&v| Dual::constant(v)).collect();
    let theta_dual = [Dual::variable(theta[0])];
    let mut out_dual = vec![Dual::constant(0.0); x.len()];
    group.bench_function("dual", |b| {
        b.iter(|| lasso.apply(&x_dual, &theta_dual, &mut out_dual))
    });
    group.finish();
}

fn solver_solution(lasso: &Lasso, theta: &[f64]) -> Vec<f64> {
    CoordinateDescent::default()
        .solve(lasso, theta, None)
        .unwrap()
        .x
}

criterion_group!(benches, bench_lasso, bench_generic_sweep);
criterion_main!(benches);

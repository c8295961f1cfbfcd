//! Sparse logistic regression on breast-cancer (the CLI's training set: a seeded two thirds,
//! 379 × 30, standardized) to a duality gap of 1e-8·log 2 at α = α_max/100 and α_max/1000:
//! proximal Newton against cyclic coordinate descent.
//!
//! Run: `cargo bench --bench logistic`. Prints the Newton steps / sweeps each solve needs.

use criterion::{criterion_group, criterion_main, Criterion};
use hypergrad::optim::data::{breast_cancer, standardize, train_validation_split};
use hypergrad::optim::{CoordinateDescent, ProxNewton, SolverParams, SparseLogistic};

const TOL: f64 = 1e-8;

fn bench_logistic(c: &mut Criterion) {
    let (mut train, mut val) = train_validation_split(&breast_cancer(), 1.0 / 3.0, 0).unwrap();
    standardize(&mut train, &mut val);
    let params = SolverParams {
        max_iter: 1_000_000,
        tol: TOL,
        record_history: false,
    };
    let (cd, prox_newton) = (
        CoordinateDescent::new(params.clone()),
        ProxNewton::new(params),
    );
    let model = SparseLogistic::new(train.x, ndarray::ArrayView1::from(&train.y)).unwrap();
    let alpha_max = model.alpha_max();
    let mut group = c.benchmark_group("sparse_logistic_breast_cancer");
    group.sample_size(10);
    for divisor in [100.0, 1000.0] {
        let model_theta = [(alpha_max / divisor).ln()];
        let (a, b) = (
            cd.solve(&model, &model_theta, None).unwrap(),
            prox_newton.solve(&model, &model_theta, None).unwrap(),
        );
        let nnz = b.x.iter().filter(|v| **v != 0.0).count();
        println!(
            "α_max/{divisor}: CD {} sweeps ({:?}), prox-Newton {} steps ({:?}), objectives \
             {:.12} / {:.12}, {nnz} non-zeros",
            a.report.iterations,
            a.report.stop,
            b.report.iterations,
            b.report.stop,
            a.report.objective,
            b.report.objective,
        );
        group.bench_function(format!("cd/alpha_max_over_{divisor}"), |bench| {
            bench.iter(|| cd.solve(&model, &model_theta, None).unwrap())
        });
        group.bench_function(format!("prox_newton/alpha_max_over_{divisor}"), |bench| {
            bench.iter(|| prox_newton.solve(&model, &model_theta, None).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench_logistic);
criterion_main!(benches);

//! Sparse logistic regression on breast-cancer (the CLI's training set: a seeded two thirds,
//! 379 × 30, standardized) to a duality gap of 1e-8·log 2 at α = α_max/100 and α_max/1000:
//! proximal Newton against cyclic coordinate descent; and the whole set (569 × 30) with its
//! columns scaled to [−1, 1] without centering (LIBSVM's `svm-scale`), at α = 2e-5, where the
//! Newton models are ill-conditioned: proximal Newton alone (cyclic CD needs minutes).
//!
//! Run: `cargo bench --bench logistic`. Prints the Newton steps / sweeps each solve needs.

use criterion::{criterion_group, criterion_main, Criterion};
use hypergrad::optim::data::{breast_cancer, standardize, train_validation_split};
use hypergrad::optim::{CoordinateDescent, Design, ProxNewton, SolverParams, SparseLogistic};

const TOL: f64 = 1e-8;

fn bench_logistic(c: &mut Criterion) {
    let (mut train, mut val) = train_validation_split(&breast_cancer(), 1.0 / 3.0, 0).unwrap();
    standardize(&mut train, &mut val).unwrap();
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

/// The whole breast-cancer set, columns mapped affinely onto [−1, 1], at α = 2e-5.
fn bench_logistic_scaled(c: &mut Criterion) {
    let data = breast_cancer();
    let Design::Dense(mut x) = data.x else {
        unreachable!("breast cancer is dense")
    };
    for mut column in x.columns_mut() {
        let (lo, hi) = column
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                (a.min(v), b.max(v))
            });
        column.mapv_inplace(|v| {
            if hi > lo {
                2.0 * (v - lo) / (hi - lo) - 1.0
            } else {
                0.0
            }
        });
    }
    let model = SparseLogistic::new(
        Design::dense(x).unwrap(),
        ndarray::ArrayView1::from(&data.y),
    )
    .unwrap();
    let theta = [2e-5_f64.ln()];
    let prox_newton = ProxNewton::new(SolverParams {
        max_iter: 100_000,
        tol: TOL,
        record_history: false,
    });
    let solution = prox_newton.solve(&model, &theta, None).unwrap();
    println!(
        "scaled, α = 2e-5 (α_max/{:.0}): prox-Newton {} steps ({:?}), {} non-zeros",
        model.alpha_max() / 2e-5,
        solution.report.iterations,
        solution.report.stop,
        solution.x.iter().filter(|v| **v != 0.0).count()
    );
    let mut group = c.benchmark_group("sparse_logistic_breast_cancer_scaled");
    group.sample_size(10);
    group.bench_function("prox_newton/alpha_2e-5", |bench| {
        bench.iter(|| prox_newton.solve(&model, &theta, None).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench_logistic, bench_logistic_scaled);
criterion_main!(benches);

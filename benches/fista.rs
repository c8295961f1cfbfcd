//! FISTA (with restart) on the dense 200×1000 Gaussian Lasso of `benches/lasso.rs` (same seed
//! and construction), at α = α_max/10 and α_max/100, to a fixed-point residual of 1e-10; prints
//! the iterations and the final duality gap ([`Lasso::duality_gap`]) relative to P(0), for
//! comparison with coordinate descent.
//!
//! Run: `cargo bench --bench fista -- --warm-up-time 1 --measurement-time 2`.

use criterion::{criterion_group, criterion_main, Criterion};
use hypergrad::optim::regularizer::L1;
use hypergrad::optim::solvers::Fista;
use hypergrad::optim::{Lasso, LeastSquares, SolverParams};

mod common;

fn fista(c: &mut Criterion) {
    let (design, y) = common::dense_problem(200, 1000, 2024);
    let loss = LeastSquares::new(design, y.view()).unwrap();
    let p0: f64 = loss.y().iter().map(|v| v * v).sum::<f64>() / (2.0 * loss.n_samples() as f64);
    let solver = Fista {
        step: 1.0 / loss.lipschitz(),
        restart: true,
    };
    let params = SolverParams {
        max_iter: 200_000,
        tol: 1e-10,
        record_history: false,
    };
    let mut group = c.benchmark_group("fista_dense_200x1000");
    group.sample_size(10);
    for ratio in [10.0, 100.0] {
        let alpha = loss.alpha_max() / ratio;
        let theta = [alpha.ln()];
        let sol = solver.solve(&loss, &L1, &theta, None, &params).unwrap();
        println!(
            "alpha_max/{ratio}: {} iterations, stop {:?}, residual {:.2e}, gap/P(0) {:.2e}, nnz {}",
            sol.report.iterations,
            sol.report.stop,
            sol.report.residual,
            Lasso::from_loss(loss.clone())
                .duality_gap(&theta, &sol.x)
                .unwrap()
                / p0,
            sol.x.iter().filter(|&&b| b != 0.0).count()
        );
        group.bench_function(format!("alpha_max_over_{ratio}"), |b| {
            b.iter(|| solver.solve(&loss, &L1, &theta, None, &params).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, fista);
criterion_main!(benches);

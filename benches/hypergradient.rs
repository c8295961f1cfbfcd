//! One held-out-MSE hypergradient of the Lasso (in log α) by each method, beside the inner
//! solve alone, on the two designs of the `lasso` bench at α_max/10 and α_max/100. Inner
//! tolerance 1e-8 (relative duality gap), Jacobian tolerance 1e-8 (relative residual).
//!
//! Run: `cargo bench --bench hypergradient`. The ratio "method / inner solve" is the cost of
//! differentiating the solver (each hypergradient includes its own cold inner solve).
//!
//! Measured (criterion medians, 2-core machine; ratio to the inner solve in parentheses):
//!
//! | case             | inner   | implicit-forward | implicit (BiCGSTAB) | FPAD           | forward        | reverse (√K) | one-step |
//! | ---------------- | ------- | ---------------- | ------------------- | -------------- | -------------- | ------------ | -------- |
//! | dense α_max/10   | 0.80 ms | 0.98 ms (1.24×)  | 0.96 ms (1.21×)     | 3.16 ms (4.1×) | 3.67 ms (4.8×) | 169 ms       | 1.03 ms  |
//! | dense α_max/100  | 3.18 ms | 3.47 ms (1.09×)  | 3.64 ms (1.15×)     | 5.88 ms (1.8×) | 14.2 ms (4.4×) | 761 ms       | 3.52 ms  |
//! | sparse α_max/10  | 3.81 ms | 5.11 ms (1.34×)  | 5.17 ms (1.36×)     | 10.4 ms (2.8×) | 9.71 ms (2.6×) | 204 ms       | 5.02 ms  |
//! | sparse α_max/100 | 8.45 ms | 9.92 ms (1.17×)  | 10.3 ms (1.22×)     | 15.5 ms (1.9×) | 23.1 ms (2.8×) | 520 ms       | 9.86 ms  |
//!
//! Re-measured on 2026-12-06 (branch speed14b; `-- --warm-up-time 1 --measurement-time 3
//! '(inner_solve|implicit-forward|/implicit$)'`, one run, the machine shared with other builds),
//! ratio to the inner solve of the same run; the inner solve is now the working-set solver, so
//! the table above (cyclic CD then) is not comparable:
//!
//! | case             | inner    | implicit-forward | implicit (BiCGSTAB) | same, before this change |
//! | ---------------- | -------- | ---------------- | ------------------- | ------------------------ |
//! | dense α_max/10   | 0.258 ms | 0.572 ms (2.22×) | 0.787 ms (3.05×)    | 2.68× (implicit-forward) |
//! | dense α_max/100  | 0.333 ms | 0.695 ms (2.09×) | 0.909 ms (2.73×)    | 2.42×                    |
//! | sparse α_max/10  | 2.38 ms  | 4.82 ms (2.02×)  | 6.07 ms (2.55×)     | 3.21×                    |
//! | sparse α_max/100 | 2.44 ms  | 5.73 ms (2.35×)  | 6.84 ms (2.80×)     | 2.50×                    |
//!
//! ("before": the same command at the merge base, earlier the same day.) What remains beyond
//! the solve: about 17 evaluations of the restricted map on dual numbers (Neumann steps, the
//! Newton correction of the error estimate and its Neumann-series terms), each with O(p) setup
//! around O(n·|S|) work, and the criterion's gradient at two points.
//!
//! Re-measured on 2026-12-06 (branch speed14c, the same command restricted to
//! `'(inner_solve|implicit-forward)'`, two runs on the shared machine: the parent commit, then
//! this change), after the forward form's norms and dot products, its Neumann step sizes and
//! the Newton correction's GMRES work over the support's coordinates only (O(|S|) instead of
//! O(p) per vector operation; the same sums without their zero terms, so every printed
//! derivative is unchanged to the last digit):
//!
//! | case             | inner (before) | implicit-forward (before) | inner (after) | implicit-forward (after) |
//! | ---------------- | -------------- | ------------------------- | ------------- | ------------------------ |
//! | dense α_max/10   | 0.299 ms       | 0.644 ms (2.15×)          | 0.257 ms      | 0.524 ms (2.04×)         |
//! | dense α_max/100  | 0.423 ms       | 0.737 ms (1.74×)          | 0.346 ms      | 0.652 ms (1.88×)         |
//! | sparse α_max/10  | 2.45 ms        | 5.42 ms (2.21×)           | 2.39 ms       | 3.85 ms (1.61×)          |
//! | sparse α_max/100 | 3.06 ms        | 6.52 ms (2.13×)           | 2.56 ms       | 4.55 ms (1.78×)          |
//!
//! (The dense α_max/100 ratio rose because that run's inner solve, code unchanged, was 18 %
//! faster than in the first run on the shared machine; the hypergradient itself went from 0.737
//! to 0.652 ms.) What remains, by a profile of the sparse
//! α_max/10 case: the O(p) set-up of each evaluation of the restricted map on dual numbers
//! (the 2p+1 inputs and the p-long mask and scan of `L1L2SweepOn`, copying x, the dual
//! buffers), about a fifth of the whole hypergradient (its inner solve included), and the
//! criterion's gradient at two points.
//!
//! Re-measured on 2026-12-07 (`'(inner_solve|implicit-forward|/auto)'`, one run on a quiet
//! machine, criterion medians) after `Method::Auto` began to factor the optimality system on the
//! support directly for the ℓ1 least-squares models (`FixedPointMap::solution_vjp` and
//! `refined_solution`: a Cholesky factorization of `X_SᵀX_S/n + bI`, kept for the second
//! evaluation at the refined point that the error estimate needs; criterion gradients over the
//! support's columns only) and the restricted sweep became a node over the coordinates it
//! touches:
//!
//! | case             | inner    | auto             | implicit-forward |
//! | ---------------- | -------- | ---------------- | ---------------- |
//! | dense α_max/10   | 0.250 ms | 0.274 ms (1.10×) | 0.478 ms (1.91×) |
//! | dense α_max/100  | 0.329 ms | 0.362 ms (1.10×) | 0.601 ms (1.83×) |
//! | sparse α_max/10  | 2.34 ms  | 2.62 ms (1.12×)  | 3.54 ms (1.51×)  |
//! | sparse α_max/100 | 2.36 ms  | 2.63 ms (1.12×)  | 3.43 ms (1.46×)  |
//! | weighted, 1000 θ | 0.671 ms | 0.748 ms (1.11×) |                  |
//!
//! Auto's gradients agree with implicit-forward's to 1e-9 relative (printed above each row).
//!
//! Implicit and implicit-forward iterate the coordinate-descent Jacobian on the support only
//! ([`FixedPointMap::apply_on_support`](hypergrad::optim::FixedPointMap::apply_on_support):
//! O(n|S|) per sweep instead of O(np)), which meets the 1.5× target; FPAD and the unrolled
//! methods work on the full space by definition. Reverse unrolling records each sweep as one node
//! with its own adjoint (`benches/unroll_maps.rs` measures it; the timings above predate that).

use criterion::{criterion_group, criterion_main, Criterion};
use hypergrad::bilevel::{
    hypergradient, Checkpoints, FpadMode, HeldOutMse, LinearSolver, Method, Options,
};
use hypergrad::optim::{FixedPointMap, Lasso, LeastSquares, SolverParams, WeightedLasso};

mod common;
use common::{dense_problem, dump, sparse_problem, write_raw};

const METHODS: [Method; 7] = [
    Method::Auto,
    Method::ImplicitForward,
    Method::Implicit {
        linear_solver: LinearSolver::Bicgstab,
    },
    Method::Fpad {
        mode: FpadMode::Forward,
    },
    Method::ForwardUnrolled,
    Method::ReverseUnrolled {
        truncate: None,
        checkpoints: Checkpoints::Uniform,
    },
    Method::OneStep,
];

fn bench_hypergradient(c: &mut Criterion) {
    let options = Options {
        inner_tol: 1e-8,
        jacobian_tol: 1e-8,
        ..Options::default()
    };
    let params = SolverParams {
        max_iter: options.inner_max_iter,
        tol: options.inner_tol,
        record_history: false,
    };
    let cases = [
        (
            "dense_200x1000",
            dense_problem(200, 1000, 2024),
            dense_problem(100, 1000, 7),
        ),
        (
            "sparse_5000x20000",
            sparse_problem(5000, 20000, 25, 2025),
            sparse_problem(1000, 20000, 5, 8),
        ),
    ];
    let mut group = c.benchmark_group("hypergradient");
    group.sample_size(10);
    for (name, (design, y), (design_val, y_val)) in cases {
        if let Ok(dir) = std::env::var("HYPERGRAD_LASSO_DUMP") {
            dump(&dir, name, &design, &y);
            dump(&dir, &format!("{name}_val"), &design_val, &y_val);
        }
        let lasso = Lasso::new(design, y.view()).unwrap();
        let criterion = HeldOutMse::new(design_val, y_val.view()).unwrap();
        let alpha_max = lasso.alpha_max();
        for divisor in [10.0, 100.0] {
            let theta = [(alpha_max / divisor).ln()];
            group.bench_function(
                format!("{name}/alpha_max_over_{divisor}/inner_solve"),
                |b| b.iter(|| lasso.solve(&theta, None, &params).unwrap()),
            );
            for method in &METHODS {
                let h = hypergradient(&lasso, &criterion, &theta, method, &options).unwrap();
                if let (Ok(dir), Method::ImplicitForward) =
                    (std::env::var("HYPERGRAD_LASSO_DUMP"), method)
                {
                    let path = std::path::Path::new(&dir)
                        .join(format!("{name}_alpha_max_over_{divisor}_grad.f64"));
                    write_raw(&path, &h.grad, f64::to_le_bytes);
                }
                println!(
                    "{name} α_max/{divisor} {}: dh/dlogα = {:.10e}, |S| = {:?}, {} Jacobian iterations",
                    method.name(),
                    h.grad[0],
                    h.diagnostics.support_size,
                    h.diagnostics.jacobian_iterations
                );
                group.bench_function(
                    format!("{name}/alpha_max_over_{divisor}/{}", method.name()),
                    |b| {
                        b.iter(|| {
                            hypergradient(&lasso, &criterion, &theta, method, &options).unwrap()
                        })
                    },
                );
            }
        }
    }
    group.finish();
}

/// The weighted Lasso on the dense case, one hyperparameter per feature (p = 1000),
/// `α_j = α_max/10 · (1 + j mod 3)/2`: the implicit method's adjoint form (one linear system
/// for all 1000 derivatives) beside the inner solve. With `HYPERGRAD_LASSO_DUMP` writes θ and
/// the gradient as `weighted_theta.f64`, `weighted_grad.f64`.
///
/// Measured 2026-12-06 (same run as the table at the top): inner solve 0.759 ms, implicit
/// 2.55 ms (3.4×); before the support-restricted sweep became one tape node, 1.32 ms and
/// 14.0 ms (10.6×) in a run earlier the same day. `Method::Auto` (the direct factorization on
/// the support, |S| = 65): 0.748 ms beside an inner solve of 0.671 ms (1.11×), in the run of
/// the last table at the top.
fn bench_weighted(c: &mut Criterion) {
    let options = Options {
        inner_tol: 1e-8,
        jacobian_tol: 1e-8,
        ..Options::default()
    };
    let params = SolverParams {
        max_iter: options.inner_max_iter,
        tol: options.inner_tol,
        record_history: false,
    };
    let (design, y) = dense_problem(200, 1000, 2024);
    let (design_val, y_val) = dense_problem(100, 1000, 7);
    let weighted = WeightedLasso::from_loss(LeastSquares::new(design, y.view()).unwrap());
    let criterion = HeldOutMse::new(design_val, y_val.view()).unwrap();
    let base = weighted.alpha_max() / 10.0;
    let theta: Vec<f64> = (0..1000)
        .map(|j| (base * (1.0 + (j % 3) as f64) / 2.0).ln())
        .collect();
    let method = Method::Implicit {
        linear_solver: LinearSolver::Bicgstab,
    };
    let h = hypergradient(&weighted, &criterion, &theta, &method, &options).unwrap();
    if let Ok(dir) = std::env::var("HYPERGRAD_LASSO_DUMP") {
        let dir = std::path::Path::new(&dir);
        write_raw(&dir.join("weighted_theta.f64"), &theta, f64::to_le_bytes);
        write_raw(&dir.join("weighted_grad.f64"), &h.grad, f64::to_le_bytes);
    }
    println!(
        "weighted dense_200x1000: h = {:.10e}, ‖∇h‖ = {:.6e}, |S| = {:?}, {} Jacobian iterations, warnings {:?}",
        h.value,
        h.grad.iter().map(|g| g * g).sum::<f64>().sqrt(),
        h.diagnostics.support_size,
        h.diagnostics.jacobian_iterations,
        h.diagnostics.warnings
    );
    let mut group = c.benchmark_group("hypergradient_weighted");
    group.sample_size(10);
    group.bench_function("dense_200x1000/inner_solve", |b| {
        b.iter(|| weighted.solve(&theta, None, &params).unwrap())
    });
    group.bench_function("dense_200x1000/implicit", |b| {
        b.iter(|| hypergradient(&weighted, &criterion, &theta, &method, &options).unwrap())
    });
    group.bench_function("dense_200x1000/auto", |b| {
        b.iter(|| hypergradient(&weighted, &criterion, &theta, &Method::Auto, &options).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench_hypergradient, bench_weighted);
criterion_main!(benches);

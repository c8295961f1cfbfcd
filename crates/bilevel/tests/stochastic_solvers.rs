//! SOBA and SABA against the full-batch optimum on a small seeded per-feature ridge logistic
//! regression: SABA (constant steps, variance-reduced) reaches the optimum's held-out criterion
//! to 1e-4; SOBA (decreasing steps, whose noise is only averaged out slowly) at least halves
//! the initial gap in the same budget. The reference is
//! independent of the stochastic code: L-BFGS on the full-batch implicit hypergradient
//! (`Method::Auto`) to a projected gradient of 1e-9.

use hypergrad_bilevel::outer::{Bilevel, Lbfgs, LineSearch, ToleranceSchedule};
use hypergrad_bilevel::stochastic::{
    FullBatch, LogisticRegression, Saba, Soba, StepSize, StochasticParams,
};
use hypergrad_bilevel::{Criterion, Method, Options};
use hypergrad_optim::{FixedPointMap, SolverParams};
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;

const BOUNDS: (f64, f64) = (-6.0, 4.0);

/// `n` Gaussian rows in ℝ⁵, labels `sign(aᵀw + ε)` with `ε ~ N(0, 1)` (so the held-out loss
/// prefers finite penalties).
fn data(n: usize, seed: u64) -> (Array2<f64>, Vec<f64>) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let a = Array2::from_shape_fn((n, 5), |_| rng.sample::<f64, _>(StandardNormal));
    let w = [1.0, -0.5, 0.25, 0.0, 0.8];
    let y = (0..n)
        .map(|i| {
            let m: f64 = a.row(i).iter().zip(&w).map(|(x, w)| x * w).sum::<f64>()
                + rng.sample::<f64, _>(StandardNormal);
            if m >= 0.0 {
                1.0
            } else {
                -1.0
            }
        })
        .collect();
    (a, y)
}

fn problem() -> (LogisticRegression, LogisticRegression) {
    let (a, y) = data(200, 1);
    let (av, yv) = data(150, 2);
    (
        LogisticRegression::per_feature_ridge(a, &y).unwrap(),
        LogisticRegression::validation(av, &yv, 5).unwrap(),
    )
}

/// `h(θ) = F(z*(θ))` with `z*` by Newton–CG to ‖∇G‖ ≤ 1e-12.
fn h(inner: &LogisticRegression, outer: &LogisticRegression, theta: &[f64]) -> f64 {
    let params = SolverParams {
        tol: 1e-12,
        ..SolverParams::default()
    };
    let solution = FullBatch::new(inner).solve(theta, None, &params).unwrap();
    assert!(solution.report.converged());
    Criterion::value(&FullBatch::new(outer), &solution.x, theta)
}

fn reference(inner: &LogisticRegression, outer: &LogisticRegression, theta0: &[f64]) -> f64 {
    let (full_inner, full_outer) = (FullBatch::new(inner), FullBatch::new(outer));
    let mut objective = Bilevel::new(&full_inner, &full_outer, Method::Auto, Options::default());
    let line_search = LineSearch {
        max_steps: 300,
        grad_tol: 1e-9,
        value_tol: 0.0,
        step_tol: 1e-12,
        schedule: ToleranceSchedule::constant(1e-12),
        bounds: BOUNDS,
        ..LineSearch::default()
    };
    let run = Lbfgs {
        line_search,
        ..Lbfgs::default()
    }
    .run(&mut objective, theta0)
    .unwrap();
    h(inner, outer, &run.best().log_alpha)
}

fn params(inner_step: StepSize, outer_step: StepSize) -> StochasticParams {
    StochasticParams {
        batch_size: 10,
        inner_step,
        outer_step,
        max_iter: 20_000,
        record_every: 20_000,
        bounds: BOUNDS,
        seed: 3,
    }
}

#[test]
fn saba_reaches_the_full_batch_optimum() {
    let (inner, outer) = problem();
    let theta0 = vec![-2.0; 5];
    let best = reference(&inner, &outer, &theta0);
    let start = h(&inner, &outer, &theta0);
    // The problem is not trivial: the start is far from the optimum.
    assert!(start - best > 1e-2, "h(θ₀) − h* = {}", start - best);
    let saba = Saba {
        params: params(StepSize::Constant(0.1), StepSize::Constant(2.0)),
    }
    .run(&inner, &outer, &theta0, |_| 0.0)
    .unwrap();
    let gap = h(&inner, &outer, &saba.theta) - best;
    // 1e-4 is the acceptance bound of the issue; below −1e-8 the reference would not be the
    // minimum (its inner solves are to 1e-12, so h is exact to ~1e-12).
    assert!((-1e-8..=1e-4).contains(&gap), "SABA: h − h* = {gap:e}");
    let soba = Soba {
        params: params(
            StepSize::Decreasing {
                initial: 0.1,
                exponent: 0.4,
            },
            StepSize::Decreasing {
                initial: 2.0,
                exponent: 0.6,
            },
        ),
    }
    .run(&inner, &outer, &theta0, |_| 0.0)
    .unwrap();
    let gap_soba = h(&inner, &outer, &soba.theta) - best;
    assert!(
        (-1e-8..=0.5 * (start - best)).contains(&gap_soba),
        "SOBA: h − h* = {gap_soba:e}, from {:e}",
        start - best
    );
    println!(
        "h(θ₀) − h* = {:.3e}, SABA {gap:.3e}, SOBA {gap_soba:.3e}",
        start - best
    );
}

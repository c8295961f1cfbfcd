//! The curse of unrolling's problem (seed 003): ISTA on a Lasso whose support is identified
//! late, written as a user's own solver against the one trait, and the error curves of every
//! method family on it (`hypergrad::bilevel::curves`). Shared by the example and its test.
#![allow(dead_code)] // each user reads a subset

use hypergrad::ad::nonsmooth::soft_threshold;
use hypergrad::ad::Scalar;
use hypergrad::bilevel::curves::{error_curves, CurveOptions, ErrorCurves};
use hypergrad::bilevel::{BilevelError, Checkpoints, FpadMode, HeldOutMse, LinearSolver, Method};
use hypergrad::optim::{Design, FixedPointMap, LeastSquares, Objective};
use ndarray::{Array1, Array2};
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;

/// ISTA on the Lasso `1/(2n)‖y − Xβ‖² + e^θ‖β‖₁`: `T(β, θ) = st(β − s∇f(β), s·e^θ)`, with the
/// support (its non-zeros) that lets the support-restricted methods run.
pub struct IstaLasso {
    pub loss: LeastSquares,
    pub step: f64,
}

impl FixedPointMap for IstaLasso {
    fn dim_x(&self) -> usize {
        self.loss.n_features()
    }
    fn dim_theta(&self) -> usize {
        1
    }
    fn apply<S: Scalar>(&self, x: &[S], theta: &[S], out: &mut [S]) {
        Objective::gradient(&self.loss, x, &[], out);
        let (s, tau) = (
            S::from_f64(self.step),
            S::from_f64(self.step) * theta[0].exp(),
        );
        for (o, &xi) in out.iter_mut().zip(x) {
            *o = soft_threshold(xi - s * *o, tau);
        }
    }
    fn support(&self, x: &[f64]) -> Option<Vec<usize>> {
        Some((0..x.len()).filter(|&j| x[j] != 0.0).collect())
    }
}

/// The sizes of the problem and of the budget.
pub struct Setup {
    pub n: usize,
    pub p: usize,
    /// α = α_max / divisor.
    pub divisor: f64,
    pub iterations: usize,
    /// The depth of truncated backpropagation.
    pub truncate: usize,
}

/// The figure's problem.
pub const FIGURE: Setup = Setup {
    n: 40,
    p: 80,
    divisor: 20.0,
    iterations: 400,
    truncate: 20,
};

/// Correlated Gaussian features (`corr(X_j, X_k) = 0.6^|j−k|`), `y = Xβ* + 0.3ε` with 4
/// non-zeros in β*, and a validation set drawn the same way.
pub fn lasso(setup: &Setup, seed: u64) -> (IstaLasso, HeldOutMse, f64) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut draw = |rows: usize| {
        let mut x = Array2::zeros((rows, setup.p));
        for i in 0..rows {
            let mut previous = 0.0;
            for j in 0..setup.p {
                let z: f64 = rng.sample(StandardNormal);
                previous = if j == 0 { z } else { 0.6 * previous + 0.8 * z };
                x[[i, j]] = previous;
            }
        }
        let beta = |j: usize| {
            [1.5, -2.0, 1.0, 0.8]
                .get(j / 20)
                .copied()
                .filter(|_| j % 20 == 0)
        };
        let noise: Vec<f64> = (0..rows)
            .map(|_| rng.sample::<f64, _>(StandardNormal))
            .collect();
        let y = Array1::from_shape_fn(rows, |i| {
            (0..setup.p)
                .filter_map(|j| beta(j).map(|b| b * x[[i, j]]))
                .sum::<f64>()
                + 0.3 * noise[i]
        });
        (x, y)
    };
    let (x, y) = draw(setup.n);
    let (xv, yv) = draw(setup.n);
    let loss = LeastSquares::new(Design::dense(x).unwrap(), y.view()).unwrap();
    let theta = (loss.alpha_max() / setup.divisor).ln();
    let step = 1.0 / loss.lipschitz();
    let criterion = HeldOutMse::new(Design::dense(xv).unwrap(), yv.view()).unwrap();
    (IstaLasso { loss, step }, criterion, theta)
}

/// The methods drawn, in the figure's order (implicit-forward is not drawn: for ISTA it
/// coincides with FPAD, whose recursion never leaves the support of a non-degenerate x*).
pub fn methods(truncate: usize) -> Vec<Method> {
    vec![
        Method::ForwardUnrolled,
        Method::ReverseUnrolled {
            truncate: Some(truncate),
            checkpoints: Checkpoints::Full,
        },
        Method::Fpad {
            mode: FpadMode::Forward,
        },
        Method::Implicit {
            linear_solver: LinearSolver::Gmres,
        },
    ]
}

/// The curves of `methods` at the budgets of `options`, on the figure's data at `setup`.
pub fn curves(
    setup: &Setup,
    methods: &[Method],
    options: &CurveOptions,
) -> Result<ErrorCurves, BilevelError> {
    let (ista, criterion, theta) = lasso(setup, 3);
    error_curves(&ista, &criterion, &[theta], methods, options)
}

/// Full reverse unrolling (its cost grows like k², so every `stride`-th budget only).
pub fn reverse() -> Method {
    Method::ReverseUnrolled {
        truncate: None,
        checkpoints: Checkpoints::Full,
    }
}

//! The three problems of the race, after benchopt's `benchmark_bilevel`: per-feature ridge
//! logistic regression on breast-cancer and on a synthetic set of 50 000 rows, and data
//! hyper-cleaning on a synthetic multiclass set with corrupted labels.

use hypergrad::bilevel::stochastic::{
    LogisticRegression, Saba, Soba, SoftmaxRegression, StepSize, StochasticParams,
};
use hypergrad::optim::data::{breast_cancer, standardize, train_validation_split};
use hypergrad::optim::Design;
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;
use std::error::Error;

/// One bilevel problem and the settings every solver runs it with.
#[allow(dead_code)]
pub struct Problem<G, F> {
    pub name: &'static str,
    pub inner: G,
    pub outer: F,
    pub theta0: Vec<f64>,
    /// Box on θ, for every solver.
    pub bounds: (f64, f64),
    pub soba: Soba,
    pub saba: Saba,
    /// Evaluations of the full-batch L-BFGS at most.
    pub lbfgs_steps: usize,
}

fn dense(design: Design) -> Array2<f64> {
    match design {
        Design::Dense(a) => a,
        Design::Sparse(a) => a.to_dense(),
        Design::Centered { x, shift } => {
            let mut a = x.to_dense();
            a.columns_mut()
                .into_iter()
                .zip(&shift)
                .for_each(|(mut c, m)| c -= *m);
            a
        }
    }
}

/// SOBA's and SABA's parameters: the same batch, box, seed and budget; SABA at constant steps
/// `ρ`, `γ`, SOBA at `ρ·(t+1)^(−2/5)`, `γ·(t+1)^(−3/5)` from the same initial steps.
fn solvers(
    batch: usize,
    (rho, gamma): (f64, f64),
    iterations: usize,
    bounds: (f64, f64),
) -> (Soba, Saba) {
    let params = StochasticParams {
        batch_size: batch,
        inner_step: StepSize::Constant(rho),
        outer_step: StepSize::Constant(gamma),
        max_iter: iterations,
        record_every: iterations / 20,
        bounds,
        seed: 0,
    };
    let soba = Soba {
        params: StochasticParams {
            inner_step: StepSize::Decreasing {
                initial: rho,
                exponent: 0.4,
            },
            outer_step: StepSize::Decreasing {
                initial: gamma,
                exponent: 0.6,
            },
            ..params.clone()
        },
    };
    (soba, Saba { params })
}

/// Breast cancer (569 × 30), half for training and half for validation (seed 0), standardized
/// with the training statistics; one log-penalty per feature.
pub fn breast_cancer_logistic(
) -> Result<Problem<LogisticRegression, LogisticRegression>, Box<dyn Error>> {
    let (mut train, mut val) = train_validation_split(&breast_cancer(), 0.5, 0)?;
    standardize(&mut train, &mut val)?;
    let p = train.x.n_features();
    let inner = LogisticRegression::per_feature_ridge(dense(train.x), &train.y)?;
    let outer = LogisticRegression::validation(dense(val.x), &val.y, p)?;
    let bounds = (-4.0, 4.0);
    let (soba, saba) = solvers(16, (0.03, 5.0), 20_000, bounds);
    Ok(Problem {
        name: "breast cancer (285 + 284 rows, 30 θ)",
        inner,
        outer,
        theta0: vec![-2.0; p],
        bounds,
        soba,
        saba,
        lbfgs_steps: 60,
    })
}

/// Gaussian features with labels `sign(aᵀw + 0.5 ε)`, 5 % flipped; `w` has 6 zero entries
/// among 22 (the size of IJCNN1).
fn synthetic_binary(n: usize, p: usize, seed: u64) -> (Array2<f64>, Vec<f64>) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let a = Array2::from_shape_fn((n, p), |_| rng.sample::<f64, _>(StandardNormal));
    let w: Vec<f64> = (0..p)
        .map(|j| {
            if j % 4 == 3 {
                0.0
            } else {
                1.0 / (1.0 + j as f64).sqrt()
            }
        })
        .collect();
    let y = (0..n)
        .map(|i| {
            let m: f64 = a.row(i).iter().zip(&w).map(|(x, w)| x * w).sum::<f64>()
                + 0.5 * rng.sample::<f64, _>(StandardNormal);
            let flip = rng.gen::<f64>() < 0.05;
            if (m >= 0.0) != flip {
                1.0
            } else {
                -1.0
            }
        })
        .collect();
    (a, y)
}

/// The synthetic binary set: `n` training rows (50 000 in the race), `n/5` validation rows.
pub fn synthetic_logistic(
    n: usize,
) -> Result<Problem<LogisticRegression, LogisticRegression>, Box<dyn Error>> {
    let p = 22;
    let (a, y) = synthetic_binary(n, p, 1);
    let (av, yv) = synthetic_binary(n / 5, p, 2);
    let inner = LogisticRegression::per_feature_ridge(a, &y)?;
    let outer = LogisticRegression::validation(av, &yv, p)?;
    let bounds = (-8.0, 6.0);
    let (soba, saba) = solvers(64, (0.2, 50.0), 6_000, bounds);
    Ok(Problem {
        name: "synthetic logistic (22 θ)",
        inner,
        outer,
        theta0: vec![-2.0; p],
        bounds,
        soba,
        saba,
        lbfgs_steps: 40,
    })
}

/// `K` Gaussian classes (means drawn once, unit noise) in `p` dimensions; the training labels
/// of a fraction `corrupted` of the rows replaced by uniformly random classes.
pub fn synthetic_multiclass(
    n: usize,
    (p, k): (usize, usize),
    corrupted: f64,
    seed: u64,
) -> (Array2<f64>, Vec<usize>) {
    let mut means = rand::rngs::StdRng::seed_from_u64(99);
    let centers = Array2::from_shape_fn((k, p), |_| 0.6 * means.sample::<f64, _>(StandardNormal));
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let labels: Vec<usize> = (0..n).map(|_| rng.gen_range(0..k)).collect();
    let a = Array2::from_shape_fn((n, p), |(i, j)| {
        centers[[labels[i], j]] + rng.sample::<f64, _>(StandardNormal)
    });
    let labels = labels
        .into_iter()
        .map(|y| {
            if rng.gen::<f64>() < corrupted {
                rng.gen_range(0..k)
            } else {
                y
            }
        })
        .collect();
    (a, labels)
}

/// Data hyper-cleaning: `n` training rows (half of the labels corrupted), one weight logit θᵢ
/// per training row, ridge 10⁻²; the criterion is the cross-entropy on 1 000 clean rows.
pub fn hyper_cleaning(
    n: usize,
) -> Result<Problem<SoftmaxRegression, SoftmaxRegression>, Box<dyn Error>> {
    let shape = (20, 10);
    let (a, y) = synthetic_multiclass(n, shape, 0.5, 3);
    let (av, yv) = synthetic_multiclass(1000, shape, 0.0, 4);
    let inner = SoftmaxRegression::hyper_cleaning(a, &y, shape.1, 1e-2)?;
    let outer = SoftmaxRegression::validation(av, &yv, shape.1, n)?;
    let bounds = (-8.0, 8.0);
    let (soba, saba) = solvers(64, (0.1, 40.0), 10_000, bounds);
    Ok(Problem {
        name: "hyper-cleaning (10 classes, one θ per row)",
        inner,
        outer,
        theta0: vec![0.0; n],
        bounds,
        soba,
        saba,
        lbfgs_steps: 25,
    })
}

//! Problems shared by the cross-crate tests: a user's own solver (heavy-ball on ridge-
//! regularized logistic regression, written against the one trait) and seeded data.
#![allow(dead_code)] // each test file uses a subset

use hypergrad::ad::Scalar;
use hypergrad::bilevel::HeldOutLogistic;
use hypergrad::optim::{Design, FixedPointMap, Logistic, Objective};
use ndarray::{Array1, Array2};
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;

/// Heavy-ball on `f(w) = 1/n Σᵢ log(1 + exp(−yᵢ aᵢᵀw)) + ½ Σⱼ λⱼ wⱼ²`, `λⱼ = exp(θⱼ)` (one θ
/// for all features, or one per feature), on the state `(w_k, w_{k−1})`:
/// `w_{k+1} = w_k − s∇f(w_k) + β(w_k − w_{k−1})`.
pub struct HeavyBall {
    pub a: Array2<f64>,
    pub y: Array1<f64>,
    pub step: f64,
    pub momentum: f64,
    pub per_feature: bool,
}

impl FixedPointMap for HeavyBall {
    fn dim_x(&self) -> usize {
        2 * self.a.ncols()
    }
    fn dim_theta(&self) -> usize {
        if self.per_feature {
            self.a.ncols()
        } else {
            1
        }
    }
    fn apply<S: Scalar>(&self, z: &[S], theta: &[S], out: &mut [S]) {
        let (n, p) = self.a.dim();
        let (w, w_prev) = z.split_at(p);
        let mut grad: Vec<S> = (0..p)
            .map(|j| theta[j.min(theta.len() - 1)].exp() * w[j])
            .collect();
        for i in 0..n {
            let margin: S = (0..p).map(|j| w[j] * S::from_f64(self.a[[i, j]])).sum();
            let yi = S::from_f64(self.y[i]);
            // d/dm log(1 + exp(−y m)) = −y σ(−y m)
            let weight = -yi / ((yi * margin).exp() + S::one()) / S::from_f64(n as f64);
            for (j, g) in grad.iter_mut().enumerate() {
                *g += weight * S::from_f64(self.a[[i, j]]);
            }
        }
        let (s, b) = (S::from_f64(self.step), S::from_f64(self.momentum));
        for j in 0..p {
            out[j] = w[j] - s * grad[j] + b * (w[j] - w_prev[j]);
            out[p + j] = w[j];
        }
    }
}

/// Labels from a sparse linear model with 10 % flipped, Gaussian features.
pub fn data(n: usize, p: usize, seed: u64) -> (Array2<f64>, Array1<f64>) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let a = Array2::from_shape_fn((n, p), |_| rng.sample::<f64, _>(StandardNormal));
    let truth: Array1<f64> = (0..p).map(|j| if j < 5 { 1.0 } else { 0.0 }).collect();
    let y = a.dot(&truth).mapv(|m| {
        let flip = rng.gen::<f64>() < 0.1;
        if (m >= 0.0) != flip {
            1.0
        } else {
            -1.0
        }
    });
    (a, y)
}

/// `logistic(x) + e^θ/2 ‖x‖²`.
pub struct RidgeLogistic {
    pub loss: Logistic,
}

impl Objective for RidgeLogistic {
    fn dim(&self) -> usize {
        self.loss.n_features()
    }
    fn dim_theta(&self) -> usize {
        1
    }
    fn value<S: Scalar>(&self, x: &[S], theta: &[S]) -> S {
        let squared: S = x.iter().map(|&v| v * v).sum();
        self.loss.value(x) + theta[0].exp() * squared * S::from_f64(0.5)
    }
}

fn classification(n: usize, p: usize, seed: u64) -> (Design, Array1<f64>) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let a = Array2::from_shape_fn((n, p), |_| rng.sample::<f64, _>(StandardNormal));
    let y = Array1::from_shape_fn(n, |i| {
        let z = a[[i, 0]] - a[[i, 1]] + 0.8 * rng.sample::<f64, _>(StandardNormal);
        z.signum()
    });
    (Design::dense(a).unwrap(), y)
}

/// Ridge-penalized logistic regression (80 × 6) and its held-out loss (50 rows).
pub fn ridge_logistic() -> (RidgeLogistic, HeldOutLogistic) {
    let (a, y) = classification(80, 6, 21);
    let (av, yv) = classification(50, 6, 22);
    (
        RidgeLogistic {
            loss: Logistic::new(a, y.view()).unwrap(),
        },
        HeldOutLogistic::new(av, yv.view()).unwrap(),
    )
}

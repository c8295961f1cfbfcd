//! [`LogisticRegression`]: binary logistic regression as a [`FiniteSum`], with one ridge
//! penalty per feature (the ℓ2-regularized logistic regression of benchopt's
//! `benchmark_bilevel`).

use super::finite_sum::{check_labels, checked_features, FiniteSum};
use crate::BilevelError;
use hypergrad_ad::Scalar;
use hypergrad_optim::loss::softplus;
use ndarray::Array2;
use std::sync::Arc;

/// `1/n Σᵢ log(1 + exp(−yᵢ aᵢᵀz))`, labels ±1, plus (as an inner problem) the per-feature ridge
/// penalty `½ Σₖ e^{θₖ} zₖ²`, `θ ∈ ℝᵈ` the log-penalties.
///
/// ```
/// use hypergrad_bilevel::stochastic::{batch_mean, LogisticRegression};
/// use ndarray::array;
///
/// let a = array![[1.0, 0.0], [0.0, 1.0]];
/// let train = LogisticRegression::per_feature_ridge(a.clone(), &[1.0, -1.0]).unwrap();
/// let val = LogisticRegression::validation(a, &[1.0, 1.0], 2).unwrap();
/// // At z = 0 the loss is log 2 per sample and the penalty is 0.
/// assert!((batch_mean(&train, &[0, 1], &[0.0, 0.0], &[0.0, 0.0]) - 2f64.ln()).abs() < 1e-15);
/// assert!((batch_mean(&val, &[1], &[0.0, 0.0], &[0.0, 0.0]) - 2f64.ln()).abs() < 1e-15);
/// ```
#[derive(Clone, Debug)]
pub struct LogisticRegression {
    features: Arc<Array2<f64>>,
    labels: Vec<f64>,
    ridge: bool,
    dim_theta: usize,
    /// `‖A‖₂²/(4n)`, the curvature bound of the loss.
    loss_curvature: f64,
}

impl LogisticRegression {
    /// The inner problem: the loss plus `½ Σₖ e^{θₖ} zₖ²`, one θ per feature.
    ///
    /// Errors: empty or non-finite features, a label count that is not the row count, a label
    /// other than ±1.
    pub fn per_feature_ridge(features: Array2<f64>, labels: &[f64]) -> Result<Self, BilevelError> {
        let d = features.ncols();
        Self::build(features, labels, true, d)
    }

    /// The outer problem: the loss alone on held-out data, for a θ of `dim_theta` entries
    /// that it does not read.
    ///
    /// Errors: as [`LogisticRegression::per_feature_ridge`].
    pub fn validation(
        features: Array2<f64>,
        labels: &[f64],
        dim_theta: usize,
    ) -> Result<Self, BilevelError> {
        Self::build(features, labels, false, dim_theta)
    }

    fn build(
        features: Array2<f64>,
        labels: &[f64],
        ridge: bool,
        dim_theta: usize,
    ) -> Result<Self, BilevelError> {
        let n = features.nrows();
        let (features, norm_sq) = checked_features(features)?;
        check_labels(n, labels.len())?;
        if let Some(&bad) = labels.iter().find(|&&y| y != 1.0 && y != -1.0) {
            return Err(BilevelError::InvalidParameter {
                name: "labels",
                value: bad,
                reason: "logistic labels must be −1 or +1",
            });
        }
        Ok(Self {
            features,
            labels: labels.to_vec(),
            ridge,
            dim_theta,
            loss_curvature: norm_sq / (4.0 * n as f64),
        })
    }
}

impl FiniteSum for LogisticRegression {
    fn n_samples(&self) -> usize {
        self.labels.len()
    }
    fn features(&self) -> &Arc<Array2<f64>> {
        &self.features
    }
    fn dim_theta(&self) -> usize {
        self.dim_theta
    }
    /// All of θ for the inner problem (the ridge penalties), none for the outer one.
    fn penalty_theta(&self) -> std::ops::Range<usize> {
        0..if self.ridge { self.dim_theta } else { 0 }
    }
    /// `log(1 + exp(−yᵢ u))`.
    fn loss<S: Scalar>(&self, i: usize, u: &[S], _theta_i: &[S]) -> S {
        softplus(-u[0] * self.labels[i])
    }
    /// `½ Σₖ e^{θₖ} zₖ²` for the inner problem, 0 for the outer one.
    fn penalty<S: Scalar>(&self, z: &[S], theta: &[S]) -> S {
        if !self.ridge {
            return S::zero();
        }
        let weights: Vec<S> = theta.iter().map(|t| t.exp()).collect();
        let squares: Vec<S> = z.iter().map(|&zk| zk * zk).collect();
        S::dot(&weights, &squares) * 0.5
    }
    /// `‖A‖₂²/(4n) + maxₖ e^{θₖ}` (`σ' ≤ 1/4`).
    fn curvature_bound(&self, theta: &[f64]) -> f64 {
        let ridge = if self.ridge {
            theta.iter().fold(0.0_f64, |m, t| m.max(t.exp()))
        } else {
            0.0
        };
        self.loss_curvature + ridge
    }
}

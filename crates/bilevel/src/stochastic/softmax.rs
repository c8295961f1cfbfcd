//! [`SoftmaxRegression`]: multinomial logistic regression as a [`FiniteSum`], with one weight
//! per training sample (data hyper-cleaning, as in benchopt's `benchmark_bilevel`).

use super::finite_sum::{check_labels, checked_features, FiniteSum};
use crate::BilevelError;
use hypergrad_ad::Scalar;
use hypergrad_optim::loss::sigmoid;
use ndarray::Array2;
use std::ops::Range;
use std::sync::Arc;

/// The cross-entropy of the scores `u` for the class `y`: `log Σₖ e^{uₖ} − u_y`, computed as
/// `m + log Σₖ e^{uₖ − m} − u_y` with `m` the largest score (no overflow; the shift cancels in
/// every derivative).
pub fn cross_entropy<S: Scalar>(u: &[S], y: usize) -> S {
    let m = u
        .iter()
        .copied()
        .fold(u[0], |m, v| if v.value() > m.value() { v } else { m });
    let total: S = u.iter().map(|&v| (v - m).exp()).sum();
    m + total.ln() - u[y]
}

/// `1/n Σᵢ wᵢ · CE(Zᵀaᵢ, yᵢ) + c/2 ‖Z‖²` over `K` classes, `Z` of size `d × K`.
///
/// For data hyper-cleaning, `wᵢ = σ(θᵢ)` with one θ per training sample (a sample whose label
/// is corrupted should end with `wᵢ ≈ 0`) and `c > 0`; on held-out data `wᵢ = 1`, `c = 0`.
///
/// ```
/// use hypergrad_bilevel::stochastic::{batch_mean, SoftmaxRegression};
/// use ndarray::array;
///
/// let a = array![[1.0, 0.0], [0.0, 1.0]];
/// let inner = SoftmaxRegression::hyper_cleaning(a, &[0, 2], 3, 0.1).unwrap();
/// // At Z = 0 every class has probability 1/3 and every weight is σ(0) = ½.
/// let z = [0.0; 6];
/// let f = batch_mean(&inner, &[0, 1], &z, &[0.0, 0.0]);
/// assert!((f - 0.5 * 3f64.ln()).abs() < 1e-15);
/// ```
#[derive(Clone, Debug)]
pub struct SoftmaxRegression {
    features: Arc<Array2<f64>>,
    labels: Vec<usize>,
    classes: usize,
    weighted: bool,
    ridge: f64,
    dim_theta: usize,
    /// `‖A‖₂²/(2n)`: `∇²CE = diag(p) − ppᵀ ≼ ½I`, and `wᵢ ≤ 1`.
    loss_curvature: f64,
}

impl SoftmaxRegression {
    /// The inner problem of hyper-cleaning: weights `σ(θᵢ)`, θ ∈ ℝⁿ, and ridge `c`.
    ///
    /// Errors: empty or non-finite features, a label count that is not the row count, a label
    /// `≥ classes`, fewer than 2 classes, `c` not finite and positive.
    pub fn hyper_cleaning(
        features: Array2<f64>,
        labels: &[usize],
        classes: usize,
        ridge: f64,
    ) -> Result<Self, BilevelError> {
        if !(ridge > 0.0 && ridge.is_finite()) {
            return Err(BilevelError::InvalidParameter {
                name: "ridge",
                value: ridge,
                reason: "must be finite and positive (the inner problem is then strongly convex)",
            });
        }
        let n = features.nrows();
        Self::build(features, labels, classes, (true, ridge), n)
    }

    /// The outer problem: the plain cross-entropy on held-out data, for a θ of `dim_theta`
    /// entries that it does not read.
    ///
    /// Errors: as [`SoftmaxRegression::hyper_cleaning`] (without the ridge).
    pub fn validation(
        features: Array2<f64>,
        labels: &[usize],
        classes: usize,
        dim_theta: usize,
    ) -> Result<Self, BilevelError> {
        Self::build(features, labels, classes, (false, 0.0), dim_theta)
    }

    fn build(
        features: Array2<f64>,
        labels: &[usize],
        classes: usize,
        (weighted, ridge): (bool, f64),
        dim_theta: usize,
    ) -> Result<Self, BilevelError> {
        if classes < 2 {
            return Err(BilevelError::InvalidParameter {
                name: "classes",
                value: classes as f64,
                reason: "a multinomial model needs at least 2 classes",
            });
        }
        let n = features.nrows();
        let (features, norm_sq) = checked_features(features)?;
        check_labels(n, labels.len())?;
        if let Some(&bad) = labels.iter().find(|&&y| y >= classes) {
            return Err(BilevelError::InvalidParameter {
                name: "labels",
                value: bad as f64,
                reason: "a label must be below the number of classes",
            });
        }
        Ok(Self {
            features,
            labels: labels.to_vec(),
            classes,
            weighted,
            ridge,
            dim_theta,
            loss_curvature: norm_sq / (2.0 * n as f64),
        })
    }
}

impl FiniteSum for SoftmaxRegression {
    fn n_samples(&self) -> usize {
        self.labels.len()
    }
    fn features(&self) -> &Arc<Array2<f64>> {
        &self.features
    }
    fn n_outputs(&self) -> usize {
        self.classes
    }
    fn dim_theta(&self) -> usize {
        self.dim_theta
    }
    /// θᵢ for the weighted (inner) problem, nothing otherwise.
    fn sample_theta(&self, i: usize) -> Range<usize> {
        if self.weighted {
            i..i + 1
        } else {
            0..0
        }
    }
    /// None: the ridge is a constant.
    fn penalty_theta(&self) -> Range<usize> {
        0..0
    }
    /// `σ(θᵢ)·CE(u, yᵢ)` (inner) or `CE(u, yᵢ)` (outer).
    fn loss<S: Scalar>(&self, i: usize, u: &[S], theta_i: &[S]) -> S {
        let ce = cross_entropy(u, self.labels[i]);
        match theta_i.first() {
            Some(&t) => sigmoid(t) * ce,
            None => ce,
        }
    }
    /// `c/2 ‖Z‖²`.
    fn penalty<S: Scalar>(&self, z: &[S], _theta: &[S]) -> S {
        if self.ridge == 0.0 {
            S::zero()
        } else {
            S::norm_sq(z) * (0.5 * self.ridge)
        }
    }
    /// `‖A‖₂²/(2n) + c`.
    fn curvature_bound(&self, _theta: &[f64]) -> f64 {
        self.loss_curvature + self.ridge
    }
}

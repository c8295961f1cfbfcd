//! [`FiniteSum`]: an objective `f(z, θ) = 1/n Σᵢ fᵢ(z, θ)` given by one per-sample loss written
//! once, generic over the scalar, from which every oracle is derived by AD.

use crate::BilevelError;
use hypergrad_ad::Scalar;
use hypergrad_optim::Design;
use ndarray::{Array2, Axis};
use std::ops::Range;
use std::sync::Arc;

/// A finite sum over samples whose `i`-th term reads the variable `z` through `K` linear
/// predictors `uᵢ = Zᵀaᵢ` (`aᵢ` the `i`-th row of the features, `Z` the `d × K` matrix whose
/// column `k` is `z[k·d .. (k+1)·d]`):
///
/// `f(z, θ) = 1/n Σᵢ ℓ(uᵢ; i, θ[rᵢ]) + R(z, θ)`,   `fᵢ = ℓ(uᵢ; i, θ[rᵢ]) + R(z, θ)`,
///
/// where `rᵢ` ([`sample_theta`](Self::sample_theta)) is the range of θ the loss of sample `i`
/// reads (one weight per sample in data hyper-cleaning, none when θ only enters the penalty
/// `R`); [`penalty_theta`](Self::penalty_theta) is the range the penalty reads. The oracles
/// record only the entries of θ a minibatch reads, so a θ with one entry per sample costs
/// nothing per iteration beyond the batch's own. The loss and the penalty are written once, generic over [`Scalar`]: the minibatch
/// oracles ([`super::Oracle`]) differentiate them on a tape (gradients) and on a tape of dual
/// numbers (Hessian–vector and cross products), and the full-batch map
/// ([`super::FullBatch`]) differentiates them on whatever scalar the hypergradient methods
/// pass. No derivative is written by hand.
///
/// ```
/// use hypergrad_ad::Scalar;
/// use hypergrad_bilevel::stochastic::{batch_mean, FiniteSum};
/// use ndarray::{array, Array2};
/// use std::sync::Arc;
///
/// /// Least squares ½(uᵢ − yᵢ)² with the ridge penalty e^θ/2 ‖z‖².
/// struct Ridge { a: Arc<Array2<f64>>, y: Vec<f64> }
/// impl FiniteSum for Ridge {
///     fn n_samples(&self) -> usize { self.y.len() }
///     fn features(&self) -> &Arc<Array2<f64>> { &self.a }
///     fn dim_theta(&self) -> usize { 1 }
///     fn loss<S: Scalar>(&self, i: usize, u: &[S], _theta_i: &[S]) -> S {
///         let r = u[0] - self.y[i];
///         r * r * 0.5
///     }
///     fn penalty<S: Scalar>(&self, z: &[S], theta: &[S]) -> S {
///         theta[0].exp() * S::norm_sq(z) * 0.5
///     }
///     fn curvature_bound(&self, theta: &[f64]) -> f64 { 10.0 + theta[0].exp() }
/// }
/// let ridge = Ridge { a: Arc::new(array![[1.0, 0.0], [0.0, 2.0]]), y: vec![1.0, 2.0] };
/// // f(0, 0) = ½(½·1 + ½·4) = 1.25
/// assert_eq!(batch_mean(&ridge, &[0, 1], &[0.0, 0.0], &[0.0]), 1.25);
/// ```
pub trait FiniteSum {
    /// `n`, the number of samples.
    fn n_samples(&self) -> usize;
    /// The features, `n × d` (row `i` is `aᵢ`; best stored row-major), behind an `Arc` so that
    /// a tape can keep the matrix without copying it.
    fn features(&self) -> &Arc<Array2<f64>>;
    /// `K ≥ 1`, the linear predictors per sample (classes of a multinomial model).
    fn n_outputs(&self) -> usize {
        1
    }
    /// The number of entries of θ.
    fn dim_theta(&self) -> usize;
    /// The entries of θ that the loss of sample `i` reads (none by default).
    fn sample_theta(&self, i: usize) -> Range<usize> {
        let _ = i;
        0..0
    }
    /// `ℓ(u; i, θ[rᵢ])`: the loss of sample `i` at its predictors `u` (length `K`), with the
    /// entries `theta_i = θ[sample_theta(i)]`.
    fn loss<S: Scalar>(&self, i: usize, u: &[S], theta_i: &[S]) -> S;
    /// The entries of θ that the penalty reads (all by default).
    fn penalty_theta(&self) -> Range<usize> {
        0..self.dim_theta()
    }
    /// `R(z, θ)`, the part shared by every sample (0 by default).
    fn penalty<S: Scalar>(&self, z: &[S], theta: &[S]) -> S {
        let _ = (z, theta);
        S::zero()
    }
    /// An upper bound on `‖∇²_zz f(z, θ)‖₂` over `z` at this θ (for the step of the
    /// full-batch gradient map).
    fn curvature_bound(&self, theta: &[f64]) -> f64;
}

/// The dimension of `z`: `d · K`.
pub fn dim_z<F: FiniteSum + ?Sized>(f: &F) -> usize {
    f.features().ncols() * f.n_outputs()
}

/// `f_B(z, θ) = 1/|B| Σ_{i ∈ B} ℓ(uᵢ; i, θ[rᵢ]) + R(z, θ)` for the samples `batch` (the full
/// objective when `batch` holds every sample once), generic over the scalar. The predictors
/// of the batch are one composite matrix–vector product per output (`S::matvec` on the batch's
/// rows, or on the features themselves when `batch` is `0 … n−1` in order), so a tape records
/// `K` nodes for them, not one per sample.
///
/// `S` may be `f64`, a dual number or a tape variable (of `f64` or of dual numbers), but not a
/// number nested around a tape variable (`DualVec<Var>`, `Var<Var>`): on those, ad's
/// matrix–vector product loses the inner tape.
///
/// # Panics
/// If `batch` is empty or holds an index `≥ n`, or `z` / `θ` have the wrong length.
pub fn batch_mean<F: FiniteSum + ?Sized, S: Scalar>(
    f: &F,
    batch: &[usize],
    z: &[S],
    theta: &[S],
) -> S {
    assert!(!batch.is_empty(), "batch_mean: an empty batch");
    let features = f.features();
    let (n, d) = features.dim();
    let k = f.n_outputs();
    assert_eq!(z.len(), d * k, "batch_mean: z has the wrong length");
    assert_eq!(
        theta.len(),
        f.dim_theta(),
        "batch_mean: θ has the wrong length"
    );
    let whole = batch.len() == n && batch.iter().enumerate().all(|(k, &i)| k == i);
    let rows = if whole {
        Arc::clone(features)
    } else {
        Arc::new(features.select(Axis(0), batch))
    };
    let columns: Vec<Vec<S>> = (0..k)
        .map(|c| {
            let mut u = vec![S::zero(); batch.len()];
            S::matvec(&rows, &z[c * d..(c + 1) * d], &mut u);
            u
        })
        .collect();
    let mut u = vec![S::zero(); k];
    let mut total = S::zero();
    for (row, &i) in batch.iter().enumerate() {
        u.iter_mut()
            .zip(&columns)
            .for_each(|(ui, col)| *ui = col[row]);
        total += f.loss(i, &u, &theta[f.sample_theta(i)]);
    }
    total / batch.len() as f64 + f.penalty(z, theta)
}

/// Checks features (non-empty, finite) and stores them row-major behind an `Arc`, with
/// `‖A‖₂²` (by power iteration), for the sums of this module.
pub(super) fn checked_features(
    features: Array2<f64>,
) -> Result<(Arc<Array2<f64>>, f64), BilevelError> {
    let design = Design::dense(features.clone())?;
    let norm_sq = design.spectral_norm_sq();
    Ok((
        Arc::new(features.as_standard_layout().into_owned()),
        norm_sq,
    ))
}

/// Checks that `labels` has one entry per row of `features`.
pub(super) fn check_labels(rows: usize, labels: usize) -> Result<(), BilevelError> {
    if rows == labels {
        Ok(())
    } else {
        Err(BilevelError::ShapeMismatch {
            what: "labels",
            expected: rows,
            got: labels,
        })
    }
}

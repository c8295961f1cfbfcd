//! [`Regularizer`]: the non-smooth part `g(x, θ)` of a composite problem, with its prox.
//!
//! Every penalty strength is `exp(θ)`, so `θ ∈ ℝ` is unconstrained for the outer problem.

use crate::OptimError;
use hypergrad_ad::elementwise::SoftThreshold;
use hypergrad_ad::nonsmooth::{block_soft_threshold, elastic_net_prox, project_box};
use hypergrad_ad::Scalar;
use std::ops::Range;

/// `Err(ShapeMismatch)` unless `got == expected`.
fn same_len(what: &'static str, expected: usize, got: usize) -> Result<(), OptimError> {
    if got == expected {
        Ok(())
    } else {
        Err(OptimError::ShapeMismatch {
            what,
            expected,
            got,
        })
    }
}

/// A (possibly non-smooth) convex penalty `g(x, θ)` with a prox, generic over the scalar.
///
/// `prox_{s·g(·,θ)}(x) = argmin_z ½‖z − x‖² + s·g(z, θ)`.
pub trait Regularizer {
    /// The number of hyperparameters `θ` this penalty reads.
    fn dim_theta(&self) -> usize;
    /// `g(x, θ)` (`+∞` outside the domain of an indicator).
    fn value<S: Scalar>(&self, x: &[S], theta: &[S]) -> S;
    /// `out = prox_{step·g(·, θ)}(x)`.
    fn prox<S: Scalar>(&self, x: &[S], step: S, theta: &[S], out: &mut [S]);
    /// Checks that the penalty fits a variable of dimension `n` (solvers call it on entry).
    fn validate(&self, n: usize) -> Result<(), OptimError> {
        let _ = n;
        Ok(())
    }
}

/// No penalty, `g = 0`, prox the identity: turns a proximal solver into a gradient solver.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoPenalty;

impl Regularizer for NoPenalty {
    fn dim_theta(&self) -> usize {
        0
    }
    fn value<S: Scalar>(&self, _x: &[S], _theta: &[S]) -> S {
        S::zero()
    }
    fn prox<S: Scalar>(&self, x: &[S], _step: S, _theta: &[S], out: &mut [S]) {
        out.copy_from_slice(x);
    }
}

/// `g(x, θ) = α‖x‖₁` with `α = exp(θ₀)`; prox: `st(x, step·α)` elementwise.
#[derive(Clone, Copy, Debug, Default)]
pub struct L1;

impl Regularizer for L1 {
    fn dim_theta(&self) -> usize {
        1
    }
    fn value<S: Scalar>(&self, x: &[S], theta: &[S]) -> S {
        theta[0].exp() * x.iter().map(|v| v.abs()).sum::<S>()
    }
    fn prox<S: Scalar>(&self, x: &[S], step: S, theta: &[S], out: &mut [S]) {
        // One element-wise vector operation (one node on a tape).
        S::map_slice(&SoftThreshold::default(), x, &[step * theta[0].exp()], out);
    }
}

/// `g(x, θ) = Σⱼ αⱼ|xⱼ|` with `αⱼ = exp(θⱼ)`, one θ per feature; prox: `st(xⱼ, step·αⱼ)`.
#[derive(Clone, Copy, Debug)]
pub struct WeightedL1 {
    /// The number of features (= the number of θ).
    pub n_features: usize,
}

impl Regularizer for WeightedL1 {
    fn dim_theta(&self) -> usize {
        self.n_features
    }
    fn validate(&self, n: usize) -> Result<(), OptimError> {
        same_len("weighted L1 features", n, self.n_features)
    }
    fn value<S: Scalar>(&self, x: &[S], theta: &[S]) -> S {
        x.iter().zip(theta).map(|(v, t)| t.exp() * v.abs()).sum()
    }
    fn prox<S: Scalar>(&self, x: &[S], step: S, theta: &[S], out: &mut [S]) {
        let tau: Vec<S> = theta.iter().map(|t| step * t.exp()).collect();
        S::map_zip(&SoftThreshold::default(), x, &tau, &[], out);
    }
}

/// `g(x, θ) = α₁‖x‖₁ + α₂/2‖x‖²` with `αᵢ = exp(θᵢ)`;
/// prox: `st(x, step·α₁) / (1 + step·α₂)`.
#[derive(Clone, Copy, Debug, Default)]
pub struct ElasticNetPenalty;

impl Regularizer for ElasticNetPenalty {
    fn dim_theta(&self) -> usize {
        2
    }
    fn value<S: Scalar>(&self, x: &[S], theta: &[S]) -> S {
        let l1: S = x.iter().map(|v| v.abs()).sum();
        let l2: S = x.iter().map(|&v| v * v).sum();
        theta[0].exp() * l1 + theta[1].exp() * (l2 * 0.5)
    }
    fn prox<S: Scalar>(&self, x: &[S], step: S, theta: &[S], out: &mut [S]) {
        let (t1, t2) = (step * theta[0].exp(), step * theta[1].exp());
        for (o, &v) in out.iter_mut().zip(x) {
            *o = elastic_net_prox(v, t1, t2);
        }
    }
}

/// Squared L2 (ridge) `g(x, θ) = Σⱼ αⱼ/2·xⱼ²` with `αⱼ = exp(θⱼ)` per feature, or one shared
/// `α = exp(θ₀)`; prox: `xⱼ / (1 + step·αⱼ)`.
#[derive(Clone, Copy, Debug)]
pub enum RidgePenalty {
    /// One θ for all features.
    Scalar,
    /// One θ per feature, for this many features.
    PerFeature(usize),
}

impl RidgePenalty {
    fn alpha<S: Scalar>(&self, theta: &[S], j: usize) -> S {
        match self {
            RidgePenalty::Scalar => theta[0].exp(),
            RidgePenalty::PerFeature(_) => theta[j].exp(),
        }
    }
}

impl Regularizer for RidgePenalty {
    fn dim_theta(&self) -> usize {
        match self {
            RidgePenalty::Scalar => 1,
            RidgePenalty::PerFeature(p) => *p,
        }
    }
    fn validate(&self, n: usize) -> Result<(), OptimError> {
        match self {
            RidgePenalty::Scalar => Ok(()),
            RidgePenalty::PerFeature(p) => same_len("ridge features", n, *p),
        }
    }
    fn value<S: Scalar>(&self, x: &[S], theta: &[S]) -> S {
        let s: S = x
            .iter()
            .enumerate()
            .map(|(j, &v)| self.alpha(theta, j) * v * v)
            .sum();
        s * 0.5
    }
    fn prox<S: Scalar>(&self, x: &[S], step: S, theta: &[S], out: &mut [S]) {
        for (j, (o, &v)) in out.iter_mut().zip(x).enumerate() {
            *o = v / (S::one() + step * self.alpha(theta, j));
        }
    }
}

/// Group L2,1 `g(x, θ) = α Σ_g ‖x_g‖₂` with `α = exp(θ₀)` over disjoint index ranges;
/// prox: block soft-thresholding `x_g·max(1 − step·α/‖x_g‖, 0)` per group, identity off groups.
#[derive(Clone, Debug)]
pub struct GroupL21 {
    /// The groups, disjoint index ranges into `x`.
    pub groups: Vec<Range<usize>>,
}

impl Regularizer for GroupL21 {
    fn dim_theta(&self) -> usize {
        1
    }
    /// Groups must be non-empty, inside `0..n` and disjoint.
    fn validate(&self, n: usize) -> Result<(), OptimError> {
        let mut covered = vec![false; n];
        for g in &self.groups {
            if g.is_empty() || g.end > n || covered[g.clone()].iter().any(|&c| c) {
                return Err(OptimError::InvalidParameter {
                    name: "groups",
                    value: g.end as f64,
                    reason: "groups must be non-empty, disjoint ranges inside 0..n",
                });
            }
            covered[g.clone()].iter_mut().for_each(|c| *c = true);
        }
        Ok(())
    }
    fn value<S: Scalar>(&self, x: &[S], theta: &[S]) -> S {
        let norms: S = self
            .groups
            .iter()
            .map(|g| x[g.clone()].iter().map(|&v| v * v).sum::<S>().sqrt())
            .sum();
        theta[0].exp() * norms
    }
    fn prox<S: Scalar>(&self, x: &[S], step: S, theta: &[S], out: &mut [S]) {
        out.copy_from_slice(x);
        let tau = step * theta[0].exp();
        for g in &self.groups {
            block_soft_threshold(&x[g.clone()], tau, &mut out[g.clone()]);
        }
    }
}

/// The indicator of the box `[lo, hi]ⁿ` (`lo = 0, hi = +∞` for non-negativity); prox: the
/// projection `clamp(x, lo, hi)`, whatever the step.
#[derive(Clone, Copy, Debug)]
pub struct BoxIndicator {
    /// Lower bound.
    pub lo: f64,
    /// Upper bound (`≥ lo`).
    pub hi: f64,
}

impl BoxIndicator {
    /// The non-negative orthant `x ≥ 0`.
    pub fn non_negative() -> Self {
        Self {
            lo: 0.0,
            hi: f64::INFINITY,
        }
    }
}

impl Regularizer for BoxIndicator {
    fn dim_theta(&self) -> usize {
        0
    }
    /// The box must be non-empty: `lo ≤ hi`, neither NaN.
    fn validate(&self, _n: usize) -> Result<(), OptimError> {
        if self.lo <= self.hi {
            Ok(())
        } else {
            Err(OptimError::InvalidParameter {
                name: "box.lo",
                value: self.lo,
                reason: "must be ≤ hi (and not NaN)",
            })
        }
    }
    fn value<S: Scalar>(&self, x: &[S], _theta: &[S]) -> S {
        let inside = x.iter().all(|v| {
            let v = v.to_f64_value();
            v >= self.lo && v <= self.hi
        });
        if inside {
            S::zero()
        } else {
            S::infinity()
        }
    }
    fn prox<S: Scalar>(&self, x: &[S], _step: S, _theta: &[S], out: &mut [S]) {
        project_box(x, S::from_f64(self.lo), S::from_f64(self.hi), out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks `z = prox_{s g}(x)` against the prox definition: `½‖z−x‖² + s·g(z)` is not larger at
    /// random perturbations of z (the prox objective is strongly convex, so a wrong z loses to
    /// some perturbation by a margin far above rounding).
    fn check_prox<R: Regularizer>(r: &R, x: &[f64], step: f64, theta: &[f64]) {
        let mut z = vec![0.0; x.len()];
        r.prox(x, step, theta, &mut z);
        let obj = |w: &[f64]| {
            0.5 * w.iter().zip(x).map(|(a, b)| (a - b) * (a - b)).sum::<f64>()
                + step * r.value(w, theta)
        };
        let base = obj(&z);
        let mut seed = 12345_u64;
        for _ in 0..200 {
            let w: Vec<f64> = z
                .iter()
                .map(|&v| {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    v + 1e-3 * (((seed >> 33) as f64 / (1u64 << 31) as f64) - 1.0)
                })
                .collect();
            assert!(obj(&w) >= base - 1e-12, "perturbation beats the prox");
        }
    }

    #[test]
    fn proxes_minimise_their_objective() {
        let x = [1.5, -0.2, 0.05, -3.0, 0.7, 0.0];
        check_prox(&L1, &x, 0.5, &[(0.4_f64).ln()]);
        check_prox(
            &WeightedL1 { n_features: 6 },
            &x,
            0.5,
            &[-1.0, 0.0, 1.0, -2.0, 0.3, 0.1],
        );
        check_prox(&ElasticNetPenalty, &x, 0.7, &[-1.0, 0.5]);
        check_prox(&RidgePenalty::Scalar, &x, 0.7, &[0.2]);
        check_prox(
            &RidgePenalty::PerFeature(6),
            &x,
            0.7,
            &[0.2, -1.0, 0.0, 1.0, 2.0, -3.0],
        );
        check_prox(
            &GroupL21 {
                groups: vec![0..2, 2..3, 3..6],
            },
            &x,
            0.8,
            &[0.0],
        );
        check_prox(&BoxIndicator { lo: -0.1, hi: 1.0 }, &x, 0.8, &[]);
    }

    #[test]
    fn mismatched_penalties_are_rejected() {
        assert!(WeightedL1 { n_features: 3 }.validate(4).is_err());
        assert!(RidgePenalty::PerFeature(2).validate(2).is_ok());
        assert!(RidgePenalty::PerFeature(2).validate(3).is_err());
        assert!(GroupL21 {
            groups: vec![0..2, 1..3]
        }
        .validate(3)
        .is_err());
        assert!(GroupL21 {
            groups: vec![0..2, 2..5]
        }
        .validate(4)
        .is_err());
        assert!(GroupL21 {
            groups: vec![0..2, 2..4]
        }
        .validate(4)
        .is_ok());
        assert!(BoxIndicator { lo: 1.0, hi: 0.0 }.validate(1).is_err());
    }

    #[test]
    fn l1_prox_is_soft_threshold_with_exp_theta() {
        let mut z = [0.0; 3];
        L1.prox(&[2.0, -0.5, 0.1], 0.5, &[0.0], &mut z);
        assert_eq!(z, [1.5, 0.0, 0.0]);
        let mut n = [0.0; 2];
        BoxIndicator::non_negative().prox(&[-1.0, 2.0], 1.0, &[], &mut n);
        assert_eq!(n, [0.0, 2.0]);
    }
}

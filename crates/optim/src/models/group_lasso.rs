//! [`GroupLasso`]: `1/(2n)‖y − Xβ‖² + α Σ_g ‖β_g‖₂`.

use super::{check_penalty, rescaled_residual_gap};
use crate::solvers::sweep_group;
use crate::{CoordinateDescentModel, Design, FixedPointMap, LeastSquares, OptimError};
use hypergrad_ad::Scalar;
use ndarray::ArrayView1;

/// The group Lasso `P(β) = 1/(2n)‖y − Xβ‖² + α Σ_g ‖β_g‖₂` (the ℓ2,1 norm over a partition of
/// the features into groups; no `√|g|` weighting — scale the columns for that).
///
/// Solved by block coordinate descent: block g takes the proximal-gradient step
/// `β_g ← BST(β_g + X_gᵀr/(n L_g), α/L_g)` with `L_g = ‖X_g‖₂²/n` (power iteration) and
/// block soft-thresholding `BST(x, τ) = x·max(1 − τ/‖x‖, 0)`. As a [`FixedPointMap`] one sweep
/// over all groups with `θ = [log α]`. The multitask (matrix) form is not provided.
#[derive(Clone, Debug)]
pub struct GroupLasso {
    loss: LeastSquares,
    groups: Vec<Vec<usize>>,
    alpha: f64,
    lipschitz: Vec<f64>,
}

impl GroupLasso {
    /// Checks the data, `α > 0`, and that `groups` is a partition of `0..p` into non-empty
    /// groups (each feature in exactly one group).
    pub fn new(
        design: Design,
        y: ArrayView1<'_, f64>,
        groups: Vec<Vec<usize>>,
        alpha: f64,
    ) -> Result<Self, OptimError> {
        let loss = LeastSquares::new(design, y)?;
        check_penalty("alpha", alpha, false)?;
        check_partition(&groups, loss.n_features())?;
        let n = loss.n_samples() as f64;
        let lipschitz = groups
            .iter()
            .map(|g| loss.design().block_spectral_norm_sq(g) / n)
            .collect();
        Ok(Self {
            loss,
            groups,
            alpha,
            lipschitz,
        })
    }

    /// Changes `α` (checked).
    pub fn set_alpha(&mut self, alpha: f64) -> Result<(), OptimError> {
        check_penalty("alpha", alpha, false)?;
        self.alpha = alpha;
        Ok(())
    }

    /// The penalty `α`.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// `θ = [log α]`.
    pub fn theta(&self) -> Vec<f64> {
        vec![self.alpha.ln()]
    }

    /// The groups.
    pub fn groups(&self) -> &[Vec<usize>] {
        &self.groups
    }

    /// The data fit.
    pub fn loss(&self) -> &LeastSquares {
        &self.loss
    }

    /// `α_max = max_g ‖X_gᵀy‖₂/n`: for `α ≥ α_max` the solution is 0.
    pub fn alpha_max(&self) -> f64 {
        self.max_group_correlation(self.loss.y())
    }

    /// `max_g ‖X_gᵀv‖₂/n`.
    fn max_group_correlation(&self, v: &[f64]) -> f64 {
        let design = self.loss.design();
        self.groups
            .iter()
            .map(|g| {
                g.iter()
                    .map(|&j| design.col_dot(j, v).powi(2))
                    .sum::<f64>()
                    .sqrt()
            })
            .fold(0.0, f64::max)
            / self.loss.n_samples() as f64
    }

    /// `Σ_g ‖β_g‖₂`.
    fn group_norm(&self, beta: &[f64]) -> f64 {
        self.groups
            .iter()
            .map(|g| g.iter().map(|&j| beta[j] * beta[j]).sum::<f64>().sqrt())
            .sum()
    }

    /// `P(β)`. Panics if `β` does not have p entries.
    pub fn value(&self, beta: &[f64]) -> f64 {
        self.loss.value(beta) + self.alpha * self.group_norm(beta)
    }

    /// The duality gap at the rescaled residual `θ = c r`, `c = min(1, α/max_g ‖X_gᵀr‖/n)`.
    /// Panics if `β` does not have p entries.
    pub fn duality_gap(&self, beta: &[f64]) -> f64 {
        let mut r = vec![0.0; self.loss.n_samples()];
        self.loss.residual(beta, &mut r);
        self.objective_and_gap(beta, &r).1
    }
}

fn check_partition(groups: &[Vec<usize>], p: usize) -> Result<(), OptimError> {
    let mut seen = vec![false; p];
    for g in groups {
        if g.is_empty() {
            return Err(OptimError::EmptyData { what: "group" });
        }
        for &j in g {
            if j >= p || seen[j] {
                return Err(OptimError::InvalidParameter {
                    name: "groups",
                    value: j as f64,
                    reason: "groups must partition the features: index out of range or repeated",
                });
            }
            seen[j] = true;
        }
    }
    match seen.iter().position(|s| !s) {
        Some(j) => Err(OptimError::InvalidParameter {
            name: "groups",
            value: j as f64,
            reason: "groups must partition the features: this feature is in no group",
        }),
        None => Ok(()),
    }
}

impl CoordinateDescentModel for GroupLasso {
    fn n_features(&self) -> usize {
        self.loss.n_features()
    }
    fn state_len(&self) -> usize {
        self.loss.n_samples()
    }
    fn init_state(&self, beta: &[f64], state: &mut [f64]) {
        self.loss.residual(beta, state);
    }
    fn sweep(&self, beta: &mut [f64], state: &mut [f64]) -> f64 {
        let design = self.loss.design();
        sweep_group(
            design,
            &self.groups,
            &self.lipschitz,
            self.alpha,
            true,
            beta,
            state,
        )
    }
    fn objective_at_zero(&self) -> f64 {
        self.loss.value(&vec![0.0; self.loss.n_features()])
    }
    fn objective_and_gap(&self, beta: &[f64], r: &[f64]) -> (f64, f64) {
        let n = self.loss.n_samples() as f64;
        let q = r.iter().map(|v| v * v).sum::<f64>() / n;
        let r_dot_y = r.iter().zip(self.loss.y()).map(|(a, b)| a * b).sum::<f64>() / n;
        let penalty = self.alpha * self.group_norm(beta);
        let correlation = self.max_group_correlation(r);
        let c = if correlation > self.alpha {
            self.alpha / correlation
        } else {
            1.0
        };
        (
            0.5 * q + penalty,
            rescaled_residual_gap(q, r_dot_y, penalty, c),
        )
    }
}

impl FixedPointMap for GroupLasso {
    fn dim_x(&self) -> usize {
        self.loss.n_features()
    }
    fn dim_theta(&self) -> usize {
        1
    }
    fn apply<S: Scalar>(&self, x: &[S], theta: &[S], out: &mut [S]) {
        out.copy_from_slice(x);
        let mut r = vec![S::zero(); self.loss.n_samples()];
        self.loss.residual(out, &mut r);
        let design = self.loss.design();
        sweep_group(
            design,
            &self.groups,
            &self.lipschitz,
            theta[0].exp(),
            false,
            out,
            &mut r,
        );
    }
}

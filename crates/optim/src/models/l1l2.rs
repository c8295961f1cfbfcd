//! The shared core of the Lasso, the weighted Lasso and the elastic net:
//! `P(β) = 1/(2n)‖y − Xβ‖² + Σ_j a_j|β_j| + b/2 ‖β‖²`.

use super::rescaled_residual_gap;
use crate::loss::LeastSquares;
use crate::solvers::sweep_l1l2;
use hypergrad_ad::Scalar;

/// Least squares with a separable ℓ1 + ℓ2² penalty, `a_j > 0`, `b ≥ 0`.
#[derive(Clone, Debug)]
pub(crate) struct PenalizedLeastSquares {
    pub(crate) loss: LeastSquares,
    /// The ℓ1 weights `a_j`.
    pub(crate) l1: Vec<f64>,
    /// The ridge weight `b`.
    pub(crate) l2: f64,
    /// `‖X_j‖²/n`.
    pub(crate) lipschitz: Vec<f64>,
}

impl PenalizedLeastSquares {
    pub(crate) fn new(loss: LeastSquares, l1: Vec<f64>, l2: f64) -> Self {
        let mut lipschitz = vec![0.0; loss.n_features()];
        loss.coordinate_lipschitz(&mut lipschitz);
        Self {
            loss,
            l1,
            l2,
            lipschitz,
        }
    }

    /// `P(β)` (allocates one n-vector).
    pub(crate) fn value(&self, beta: &[f64]) -> f64 {
        let mut r = vec![0.0; self.loss.n_samples()];
        self.loss.residual(beta, &mut r);
        self.objective_and_gap(beta, &r).0
    }

    /// The duality gap at `β` (allocates one n-vector).
    pub(crate) fn duality_gap(&self, beta: &[f64]) -> f64 {
        let mut r = vec![0.0; self.loss.n_samples()];
        self.loss.residual(beta, &mut r);
        self.objective_and_gap(beta, &r).1
    }

    /// `P(β)` and the duality gap, given the residual `r = y − Xβ`.
    ///
    /// The problem is a Lasso on the augmented data `X̃ = [X; √(nb) I]`, `ỹ = [y; 0]`, whose
    /// residual is `r̃ = [r; −√(nb) β]`. Its dual (n-scaled) is `D(θ) = θᵀỹ − ½‖θ‖²` subject to
    /// `|X̃_jᵀθ| ≤ n a_j`; the feasible point `θ = c r̃` with
    /// `c = min(1, min_j a_j / |X_jᵀr/n − b β_j|)` gives, divided by n,
    /// `gap = ½(1 + c²)(‖r‖²/n + b‖β‖²) + Σ_j a_j|β_j| − c rᵀy/n`, which is 0 exactly at the
    /// optimum (where `c = 1` by the KKT conditions). This is scikit-learn's `enet` gap.
    pub(crate) fn objective_and_gap(&self, beta: &[f64], r: &[f64]) -> (f64, f64) {
        let n = self.loss.n_samples() as f64;
        let design = self.loss.design();
        let r_sq: f64 = r.iter().map(|v| v * v).sum();
        let beta_sq: f64 = beta.iter().map(|v| v * v).sum();
        let l1_term: f64 = beta.iter().zip(&self.l1).map(|(b, a)| a * b.abs()).sum();
        let r_dot_y: f64 = r.iter().zip(self.loss.y()).map(|(a, b)| a * b).sum();
        let mut c: f64 = 1.0;
        for (j, (&a, &b)) in self.l1.iter().zip(beta).enumerate() {
            let g = (design.col_dot(j, r) / n - self.l2 * b).abs();
            if g * c > a {
                c = a / g;
            }
        }
        let primal = 0.5 * r_sq / n + l1_term + 0.5 * self.l2 * beta_sq;
        let gap = rescaled_residual_gap(r_sq / n + self.l2 * beta_sq, r_dot_y / n, l1_term, c);
        (primal, gap)
    }

    /// `‖y‖²/(2n)`, the objective at 0.
    pub(crate) fn objective_at_zero(&self) -> f64 {
        self.loss.y().iter().map(|v| v * v).sum::<f64>() / (2.0 * self.loss.n_samples() as f64)
    }

    /// The fast sweep, on the maintained residual.
    pub(crate) fn sweep(&self, beta: &mut [f64], residual: &mut [f64]) -> f64 {
        let l1 = &self.l1;
        sweep_l1l2(
            self.loss.design(),
            &self.lipschitz,
            (|j| l1[j], |_| self.l2),
            None,
            true,
            beta,
            residual,
        )
    }

    /// One sweep from `x` into `out` for penalties given as scalars of type `S` (the generic
    /// update behind the models' `FixedPointMap`; recomputes the residual of `x`).
    pub(crate) fn apply_with<S: Scalar>(
        &self,
        x: &[S],
        out: &mut [S],
        l1: impl Fn(usize) -> S,
        l2: S,
        columns: Option<&[usize]>,
    ) {
        out.copy_from_slice(x);
        let mut r = vec![S::zero(); self.loss.n_samples()];
        self.loss.residual(out, &mut r);
        sweep_l1l2(
            self.loss.design(),
            &self.lipschitz,
            (l1, |_| l2),
            columns,
            false,
            out,
            &mut r,
        );
    }
}

/// Implements [`CoordinateDescentModel`](crate::CoordinateDescentModel) for a model wrapping a
/// [`PenalizedLeastSquares`] in its field `core`.
macro_rules! penalized_least_squares_cd_model {
    ($model:ty) => {
        impl $crate::CoordinateDescentModel for $model {
            fn n_features(&self) -> usize {
                self.core.loss.n_features()
            }
            fn state_len(&self) -> usize {
                self.core.loss.n_samples()
            }
            fn init_state(&self, beta: &[f64], state: &mut [f64]) {
                self.core.loss.residual(beta, state);
            }
            fn sweep(&self, beta: &mut [f64], state: &mut [f64]) -> f64 {
                self.core.sweep(beta, state)
            }
            fn objective_at_zero(&self) -> f64 {
                self.core.objective_at_zero()
            }
            fn objective_and_gap(&self, beta: &[f64], state: &[f64]) -> (f64, f64) {
                self.core.objective_and_gap(beta, state)
            }
        }
    };
}
pub(crate) use penalized_least_squares_cd_model;

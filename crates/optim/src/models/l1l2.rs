//! The shared core of the Lasso, the weighted Lasso and the elastic net:
//! `P(β) = 1/(2n)‖y − Xβ‖² + Σ_j a_j|β_j| + b/2 ‖β‖²`, the weights set by θ.

use super::l1l2_sweep::{L1L2Sweep, L1L2SweepOn};
use super::rescaled_residual_gap;
use super::support_system::SupportSystems;
use crate::loss::LeastSquares;
use crate::solvers::sweep_l1l2;
use hypergrad_ad::Scalar;
use std::sync::Arc;

/// The penalty weights of [`Lasso`](crate::Lasso), [`WeightedLasso`](crate::WeightedLasso) and
/// [`ElasticNet`](crate::ElasticNet) for one θ: the ℓ1 weights `a_j > 0` and the ridge weight
/// `b ≥ 0`.
#[derive(Clone, Debug, PartialEq)]
pub struct L1L2Penalty {
    /// The ℓ1 weights `a_j`, one per feature.
    pub l1: Vec<f64>,
    /// The ridge weight `b`.
    pub l2: f64,
}

/// Least squares with a separable ℓ1 + ℓ2² penalty (the data and its constants; the penalty
/// is passed in).
#[derive(Clone, Debug)]
pub(crate) struct PenalizedLeastSquares {
    pub(crate) loss: LeastSquares,
    /// `‖X_j‖²/n`.
    pub(crate) lipschitz: Vec<f64>,
    /// The full sweep as one primitive with its own adjoint (one tape node per sweep).
    sweep: Arc<L1L2Sweep>,
    /// The optimality system on the last support, factored.
    systems: SupportSystems,
}

impl PenalizedLeastSquares {
    pub(crate) fn new(loss: LeastSquares) -> Self {
        let mut lipschitz = vec![0.0; loss.n_features()];
        loss.coordinate_lipschitz(&mut lipschitz);
        let sweep = Arc::new(L1L2Sweep {
            loss: loss.clone(),
            lipschitz: lipschitz.clone(),
        });
        Self {
            loss,
            lipschitz,
            sweep,
            systems: SupportSystems::default(),
        }
    }

    fn residual_of(&self, beta: &[f64]) -> Vec<f64> {
        let mut r = vec![0.0; self.loss.n_samples()];
        self.loss.residual(beta, &mut r);
        r
    }

    /// `P(β)` (allocates one n-vector).
    pub(crate) fn value(&self, penalty: &L1L2Penalty, beta: &[f64]) -> f64 {
        self.objective_and_gap(penalty, beta, &self.residual_of(beta))
            .0
    }

    /// The duality gap at `β` (allocates one n-vector).
    pub(crate) fn duality_gap(&self, penalty: &L1L2Penalty, beta: &[f64]) -> f64 {
        self.objective_and_gap(penalty, beta, &self.residual_of(beta))
            .1
    }

    /// `P(β)` and the duality gap, given the residual `r = y − Xβ`.
    ///
    /// The problem is a Lasso on the augmented data `X̃ = [X; √(nb) I]`, `ỹ = [y; 0]`, whose
    /// residual is `r̃ = [r; −√(nb) β]`. Its dual (n-scaled) is `D(θ) = θᵀỹ − ½‖θ‖²` subject to
    /// `|X̃_jᵀθ| ≤ n a_j`; the feasible point `θ = c r̃` with
    /// `c = min(1, min_j a_j / |X_jᵀr/n − b β_j|)` gives, divided by n,
    /// `gap = ½(1 + c²)(‖r‖²/n + b‖β‖²) + Σ_j a_j|β_j| − c rᵀy/n`, which is 0 exactly at the
    /// optimum (where `c = 1` by the KKT conditions). This is scikit-learn's `enet` gap.
    pub(crate) fn objective_and_gap(
        &self,
        penalty: &L1L2Penalty,
        beta: &[f64],
        r: &[f64],
    ) -> (f64, f64) {
        let (objective, gap, _) = self.gap_and_scores(penalty, None, beta, r, None);
        (objective, gap)
    }

    /// [`objective_and_gap`](Self::objective_and_gap) over the features `columns` only (β is 0
    /// elsewhere; `None`: all), with the working-set priorities `−∞` (`β_j ≠ 0`) or
    /// `(a_j − |X_jᵀr/n − bβ_j|)/√L_j` written into `scores`; the third value is the
    /// non-degeneracy margin over the listed features, `min_{β_j = 0} (a_j − |X_jᵀr/n|)`
    /// (`+∞` if none is zero), from the same products.
    pub(crate) fn gap_and_scores(
        &self,
        penalty: &L1L2Penalty,
        columns: Option<&[usize]>,
        beta: &[f64],
        r: &[f64],
        mut scores: Option<&mut [f64]>,
    ) -> (f64, f64, Option<f64>) {
        let n = self.loss.n_samples() as f64;
        let design = self.loss.design();
        let l2 = penalty.l2;
        let r_sq: f64 = r.iter().map(|v| v * v).sum();
        let r_dot_y: f64 = r.iter().zip(self.loss.y()).map(|(a, b)| a * b).sum();
        let (mut c, mut l1_term, mut beta_sq) = (1.0_f64, 0.0, 0.0);
        let mut margin = f64::INFINITY;
        let mut visit = |j: usize| {
            let (a, b) = (penalty.l1[j], beta[j]);
            l1_term += a * b.abs();
            beta_sq += b * b;
            let g = (design.col_dot(j, r) / n - l2 * b).abs();
            if g * c > a {
                c = a / g;
            }
            if b == 0.0 {
                margin = margin.min(a - g);
            }
            if let Some(scores) = scores.as_deref_mut() {
                scores[j] = super::sparse::priority(b != 0.0, a - g, self.lipschitz[j]);
            }
        };
        match columns {
            None => (0..beta.len()).for_each(&mut visit),
            Some(columns) => columns.iter().for_each(|&j| visit(j)),
        }
        let primal = 0.5 * r_sq / n + l1_term + 0.5 * l2 * beta_sq;
        let gap = rescaled_residual_gap(r_sq / n + l2 * beta_sq, r_dot_y / n, l1_term, c);
        (primal, gap, Some(margin))
    }

    /// `P(β)` for β zero outside `columns`, given the residual (no pass over X).
    pub(crate) fn objective_on(
        &self,
        penalty: &L1L2Penalty,
        columns: &[usize],
        beta: &[f64],
        r: &[f64],
    ) -> f64 {
        let n = self.loss.n_samples() as f64;
        let penalty_value: f64 = columns
            .iter()
            .map(|&j| penalty.l1[j] * beta[j].abs() + 0.5 * penalty.l2 * beta[j] * beta[j])
            .sum();
        0.5 * r.iter().map(|v| v * v).sum::<f64>() / n + penalty_value
    }

    /// The fast sweep over `columns`, on the maintained residual.
    pub(crate) fn sweep_columns(
        &self,
        penalty: &L1L2Penalty,
        columns: Option<&[usize]>,
        beta: &mut [f64],
        residual: &mut [f64],
    ) -> f64 {
        let l1 = &penalty.l1;
        sweep_l1l2(
            self.loss.design(),
            &self.lipschitz,
            (|j| l1[j], |_| penalty.l2),
            columns,
            true,
            beta,
            residual,
        )
    }

    /// `‖y‖²/(2n)`, the objective at 0.
    pub(crate) fn objective_at_zero(&self) -> f64 {
        self.loss.y().iter().map(|v| v * v).sum::<f64>() / (2.0 * self.loss.n_samples() as f64)
    }

    /// One sweep from `x` into `out` for penalties given as scalars of type `S` (the generic
    /// update behind the models' `FixedPointMap`; recomputes the residual of `x`). The full
    /// sweep goes through [`L1L2Sweep`], a sweep over `columns` through [`L1L2SweepOn`]: one
    /// node on a tape each (the latter on the coordinates it reads and writes only; the others
    /// are passed through).
    pub(crate) fn apply_with<S: Scalar>(
        &self,
        x: &[S],
        out: &mut [S],
        l1: impl Fn(usize) -> S,
        l2: S,
        columns: Option<&[usize]>,
    ) {
        match columns {
            None => {
                let p = x.len();
                let mut input = Vec::with_capacity(2 * p + 1);
                input.extend_from_slice(x);
                input.extend((0..p).map(l1));
                input.push(l2);
                S::custom_vjp(&self.sweep, &input, out);
            }
            Some(columns) => {
                let rule = Arc::new(L1L2SweepOn::new(self.sweep.clone(), columns, x));
                let mut new = vec![S::zero(); columns.len()];
                S::custom_vjp(&rule, &rule.inputs(x, l1, l2), &mut new);
                rule.scatter(x, &new, out);
            }
        }
    }

    /// `(∂β/∂θ)ᵀg` at a solution β on its support
    /// ([`SupportSystem`](super::support_system::SupportSystem)), given the product
    /// `penalty_vjp(S, w, w_b) = Σ_{j∈S} w_j ∇_θ a_j + w_b ∇_θ b` of the model's penalty map;
    /// `None` where the direct system does not apply.
    pub(crate) fn support_vjp(
        &self,
        l2: f64,
        beta: &[f64],
        g: &[f64],
        penalty_vjp: impl FnOnce(&[usize], &[f64], f64) -> Vec<f64>,
    ) -> Option<Vec<f64>> {
        let system = self.systems.get(&self.loss, l2, beta)?;
        let v = system.solve(g);
        let signs = system.signs(beta);
        let weights: Vec<f64> = signs.iter().zip(&v).map(|(s, v)| -s * v).collect();
        let ridge_weight = -system
            .support
            .iter()
            .zip(&v)
            .map(|(&j, v)| beta[j] * v)
            .sum::<f64>();
        Some(penalty_vjp(&system.support, &weights, ridge_weight))
    }

    /// The solution of the optimality system on the support and signs of β
    /// ([`SupportSystem::refined`](super::support_system::SupportSystem::refined)); `None` where the direct system does not apply.
    pub(crate) fn refined(&self, penalty: &L1L2Penalty, beta: &[f64]) -> Option<Vec<f64>> {
        let system = self.systems.get(&self.loss, penalty.l2, beta)?;
        Some(system.refined(&self.loss, |j| penalty.l1[j], beta))
    }

    /// The non-degeneracy margin `min_{j: β_j = 0} (a_j − |X_jᵀr/n|)`.
    pub(crate) fn margin(&self, penalty: &L1L2Penalty, beta: &[f64]) -> f64 {
        let mut gradient = vec![0.0; beta.len()];
        self.loss.gradient(beta, &mut gradient);
        super::sparse::l1_margin(beta, &gradient, |j| penalty.l1[j])
    }
}

/// Implements [`CoordinateDescentModel`](crate::CoordinateDescentModel) and
/// [`FixedPointMap`](crate::FixedPointMap) for a model wrapping a [`PenalizedLeastSquares`] in
/// its field `core`, given its number of hyperparameters (as `fn(&Model) -> usize`) and the
/// generic maps `θ ↦ a_j` and `θ ↦ b` (as `fn(&Model, &[S], usize) -> S` and
/// `fn(&Model, &[S]) -> S`).
macro_rules! penalized_least_squares_model {
    ($model:ty, dim_theta = $dim:expr, l1 = $l1:expr, l2 = $l2:expr) => {
        impl $model {
            /// The penalty weights at log-hyperparameters θ (checked: length, finite, `a_j > 0`).
            pub fn penalty(
                &self,
                theta: &[f64],
            ) -> Result<$crate::models::L1L2Penalty, $crate::OptimError> {
                use $crate::FixedPointMap;
                $crate::solvers::progress::check_vector("theta", theta, self.dim_theta())?;
                let l1: Vec<f64> = (0..self.core.loss.n_features())
                    .map(|j| $l1(self, theta, j))
                    .collect();
                for &a in &l1 {
                    $crate::models::check_penalty("alpha", a, false)?;
                }
                let l2: f64 = $l2(self, theta);
                $crate::models::check_penalty("alpha_l2", l2, true)?;
                Ok($crate::models::L1L2Penalty { l1, l2 })
            }

            /// `P(β)` at log-hyperparameters θ. Errors: θ invalid; panics if `β` does not have
            /// p entries.
            pub fn value(&self, theta: &[f64], beta: &[f64]) -> Result<f64, $crate::OptimError> {
                Ok(self.core.value(&self.penalty(theta)?, beta))
            }

            /// The duality gap `P(β) − D(θ_dual) ≥ 0` at the dual point rescaled from the
            /// residual (see the type's documentation). Errors: θ invalid; panics if `β` does
            /// not have p entries.
            pub fn duality_gap(
                &self,
                theta: &[f64],
                beta: &[f64],
            ) -> Result<f64, $crate::OptimError> {
                Ok(self.core.duality_gap(&self.penalty(theta)?, beta))
            }

            /// The data fit.
            pub fn loss(&self) -> &$crate::LeastSquares {
                &self.core.loss
            }

            /// `‖Xᵀy‖∞/n`: with every ℓ1 weight at least this value the solution is 0.
            pub fn alpha_max(&self) -> f64 {
                self.core.loss.alpha_max()
            }
        }

        impl $crate::CoordinateDescentModel for $model {
            type Penalty = $crate::models::L1L2Penalty;
            fn penalty(
                &self,
                theta: &[f64],
            ) -> Result<$crate::models::L1L2Penalty, $crate::OptimError> {
                <$model>::penalty(self, theta)
            }
            fn n_features(&self) -> usize {
                self.core.loss.n_features()
            }
            fn state_len(&self) -> usize {
                self.core.loss.n_samples()
            }
            fn init_state(&self, beta: &[f64], state: &mut [f64]) {
                self.core.loss.residual(beta, state);
            }
            fn sweep(
                &self,
                penalty: &$crate::models::L1L2Penalty,
                beta: &mut [f64],
                state: &mut [f64],
            ) -> f64 {
                self.core.sweep_columns(penalty, None, beta, state)
            }
            fn objective_at_zero(&self) -> f64 {
                self.core.objective_at_zero()
            }
            fn objective_and_gap(
                &self,
                penalty: &$crate::models::L1L2Penalty,
                beta: &[f64],
                state: &[f64],
            ) -> (f64, f64) {
                self.core.objective_and_gap(penalty, beta, state)
            }
        }

        impl $crate::solvers::WorkingSetModel for $model {
            fn n_blocks(&self) -> usize {
                self.core.loss.n_features()
            }
            fn block_coefficients(&self, block: usize, out: &mut Vec<usize>) {
                out.push(block);
            }
            fn sweep_blocks(
                &self,
                penalty: &$crate::models::L1L2Penalty,
                blocks: &[usize],
                beta: &mut [f64],
                state: &mut [f64],
            ) -> f64 {
                self.core.sweep_columns(penalty, Some(blocks), beta, state)
            }
            fn shift_state(&self, coefficients: &[usize], delta: &[f64], state: &mut [f64]) {
                $crate::models::sparse::shift_linear(
                    self.core.loss.design(),
                    coefficients,
                    delta,
                    -1.0,
                    state,
                );
            }
            fn objective_on(
                &self,
                penalty: &$crate::models::L1L2Penalty,
                blocks: &[usize],
                beta: &[f64],
                state: &[f64],
            ) -> f64 {
                self.core.objective_on(penalty, blocks, beta, state)
            }
            fn gap_and_scores(
                &self,
                penalty: &$crate::models::L1L2Penalty,
                blocks: Option<&[usize]>,
                beta: &[f64],
                state: &[f64],
                scores: Option<&mut [f64]>,
            ) -> (f64, f64, Option<f64>) {
                self.core
                    .gap_and_scores(penalty, blocks, beta, state, scores)
            }
        }

        impl $crate::FixedPointMap for $model {
            fn dim_x(&self) -> usize {
                self.core.loss.n_features()
            }
            fn dim_theta(&self) -> usize {
                $dim(self)
            }
            fn apply<S: hypergrad_ad::Scalar>(&self, x: &[S], theta: &[S], out: &mut [S]) {
                self.core
                    .apply_with(x, out, |j| $l1(self, theta, j), $l2(self, theta), None);
            }
            fn apply_on_support<S: hypergrad_ad::Scalar>(
                &self,
                x: &[S],
                theta: &[S],
                support: &[usize],
                out: &mut [S],
            ) {
                self.core.apply_with(
                    x,
                    out,
                    |j| $l1(self, theta, j),
                    $l2(self, theta),
                    Some(support),
                );
            }
            fn solve(
                &self,
                theta: &[f64],
                warm_start: Option<&[f64]>,
                params: &$crate::SolverParams,
            ) -> Result<$crate::Solution, $crate::OptimError> {
                $crate::models::sparse::solve_by_working_sets(self, theta, warm_start, params)
            }
            /// The cyclic sweeps (the iteration of `T`) from `start` to the same tolerance:
            /// one plain coordinate-descent solve.
            fn unrolled_steps(
                &self,
                start: &[f64],
                theta: &[f64],
                params: &$crate::SolverParams,
                _solution: &$crate::Solution,
            ) -> Result<usize, $crate::OptimError> {
                $crate::models::sparse::cyclic_sweeps(self, start, theta, params)
            }
            /// The working-set solve without extrapolation and its epochs.
            fn solve_with_schedule(
                &self,
                theta: &[f64],
                warm_start: Option<&[f64]>,
                params: &$crate::SolverParams,
            ) -> Result<($crate::Solution, Option<$crate::Schedule>), $crate::OptimError> {
                $crate::models::sparse::solve_without_extrapolation(self, theta, warm_start, params)
                    .map(|(x, s)| (x, Some(s)))
            }
            fn support(&self, x: &[f64]) -> Option<Vec<usize>> {
                Some($crate::models::sparse::nonzeros(x))
            }
            fn non_degeneracy_margin(&self, x: &[f64], theta: &[f64]) -> Option<f64> {
                let penalty = <$model>::penalty(self, theta).ok()?;
                Some(self.core.margin(&penalty, x))
            }
            /// From the optimality system on the support of `x`, factored directly (see
            /// `support_system.rs`): `None` when the support is empty, has more than 128
            /// coordinates, or `X_SᵀX_S/n + bI` is not numerically positive definite.
            fn solution_vjp(
                &self,
                x: &[f64],
                theta: &[f64],
                g: &[f64],
            ) -> Option<Result<Vec<f64>, $crate::OptimError>> {
                let p = self.core.loss.n_features();
                let checked = <$model>::penalty(self, theta).and_then(|penalty| {
                    $crate::solvers::progress::check_vector("solution", x, p)?;
                    $crate::solvers::progress::check_vector("g", g, p)?;
                    Ok(penalty)
                });
                let penalty = match checked {
                    Ok(penalty) => penalty,
                    Err(e) => return Some(Err(e)),
                };
                let product = self.core.support_vjp(penalty.l2, x, g, |support, w, w_b| {
                    let (_, grad) = hypergrad_ad::reverse::gradient(
                        |t| {
                            let mut acc = $l2(self, t) * w_b;
                            for (&j, &w) in support.iter().zip(w) {
                                acc += $l1(self, t, j) * w;
                            }
                            acc
                        },
                        theta,
                    );
                    grad
                })?;
                Some(Ok(product))
            }
            fn refined_solution(&self, x: &[f64], theta: &[f64]) -> Option<Vec<f64>> {
                let penalty = <$model>::penalty(self, theta).ok()?;
                (x.len() == self.core.loss.n_features())
                    .then(|| self.core.refined(&penalty, x))
                    .flatten()
            }
        }
    };
}
pub(crate) use penalized_least_squares_model;

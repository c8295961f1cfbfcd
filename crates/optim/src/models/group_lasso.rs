//! [`GroupLasso`]: `1/(2n)‖y − Xβ‖² + α Σ_g ‖β_g‖₂`.

use super::sparse::{
    block_gap_and_scores, block_margin, cyclic_sweeps, nonzeros, shift_linear, single_alpha,
    solve_by_working_sets, solve_without_extrapolation,
};
use crate::solvers::{sweep_group, WorkingSetModel};
use crate::{
    CoordinateDescentModel, Design, FixedPointMap, LeastSquares, OptimError, Schedule, Solution,
    SolverParams,
};
use hypergrad_ad::Scalar;
use ndarray::ArrayView1;

/// The group Lasso `P(β) = 1/(2n)‖y − Xβ‖² + α Σ_g ‖β_g‖₂`, `α = exp(θ₀)` (the ℓ2,1 norm over a
/// partition of the features into groups; no `√|g|` weighting — scale the columns for that).
///
/// Solved by block coordinate descent: block g takes the proximal-gradient step
/// `β_g ← BST(β_g + X_gᵀr/(n L_g), α/L_g)` with `L_g = ‖X_g‖₂²/n` (power iteration) and
/// block soft-thresholding `BST(x, τ) = x·max(1 − τ/‖x‖, 0)`. As a [`FixedPointMap`] one sweep
/// over all groups with `θ = [log α]`; the support of a solution is the union of its non-zero
/// groups. The multitask (matrix) form is [`MultiTaskLasso`](crate::MultiTaskLasso).
#[derive(Clone, Debug)]
pub struct GroupLasso {
    loss: LeastSquares,
    groups: Vec<Vec<usize>>,
    /// The group of each feature.
    group_of: Vec<usize>,
    lipschitz: Vec<f64>,
}

impl GroupLasso {
    /// Checks the data and that `groups` is a partition of `0..p` into non-empty groups (each
    /// feature in exactly one group).
    pub fn new(
        design: Design,
        y: ArrayView1<'_, f64>,
        groups: Vec<Vec<usize>>,
    ) -> Result<Self, OptimError> {
        let loss = LeastSquares::new(design, y)?;
        check_partition(&groups, loss.n_features())?;
        let n = loss.n_samples() as f64;
        let lipschitz = groups
            .iter()
            .map(|g| loss.design().block_spectral_norm_sq(g) / n)
            .collect();
        let mut group_of = vec![0; loss.n_features()];
        for (g, group) in groups.iter().enumerate() {
            group.iter().for_each(|&j| group_of[j] = g);
        }
        Ok(Self {
            loss,
            groups,
            group_of,
            lipschitz,
        })
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
        (0..self.groups.len())
            .map(|g| self.group_correlation(g, v))
            .fold(0.0, f64::max)
    }

    /// `‖X_gᵀv‖₂/n`.
    fn group_correlation(&self, g: usize, v: &[f64]) -> f64 {
        let design = self.loss.design();
        self.groups[g]
            .iter()
            .map(|&j| design.col_dot(j, v).powi(2))
            .sum::<f64>()
            .sqrt()
            / self.loss.n_samples() as f64
    }

    /// `‖β_g‖₂`.
    fn group_coefficient_norm(&self, g: usize, beta: &[f64]) -> f64 {
        self.groups[g]
            .iter()
            .map(|&j| beta[j] * beta[j])
            .sum::<f64>()
            .sqrt()
    }

    /// `Σ_g ‖β_g‖₂`.
    fn group_norm(&self, beta: &[f64]) -> f64 {
        (0..self.groups.len())
            .map(|g| self.group_coefficient_norm(g, beta))
            .sum()
    }

    /// `(‖r‖²/n, rᵀy/n)`.
    fn residual_terms(&self, r: &[f64]) -> (f64, f64) {
        let n = self.loss.n_samples() as f64;
        let q = r.iter().map(|v| v * v).sum::<f64>() / n;
        let r_dot_y = r.iter().zip(self.loss.y()).map(|(a, b)| a * b).sum::<f64>() / n;
        (q, r_dot_y)
    }

    /// `P(β)` at `θ = [log α]`. Errors: θ invalid; panics if `β` does not have p entries.
    pub fn value(&self, theta: &[f64], beta: &[f64]) -> Result<f64, OptimError> {
        Ok(self.loss.value(beta) + single_alpha(theta)? * self.group_norm(beta))
    }

    /// The duality gap at the rescaled residual `c r`, `c = min(1, α/max_g ‖X_gᵀr‖/n)`.
    /// Errors: θ invalid; panics if `β` does not have p entries.
    pub fn duality_gap(&self, theta: &[f64], beta: &[f64]) -> Result<f64, OptimError> {
        let alpha = single_alpha(theta)?;
        let mut r = vec![0.0; self.loss.n_samples()];
        self.loss.residual(beta, &mut r);
        Ok(self.objective_and_gap(&alpha, beta, &r).1)
    }

    /// The indices of the groups that intersect `support`, in order.
    fn groups_in(&self, support: &[usize]) -> Vec<usize> {
        let mut active = vec![false; self.groups.len()];
        support
            .iter()
            .for_each(|&j| active[self.group_of[j]] = true);
        (0..self.groups.len()).filter(|&g| active[g]).collect()
    }

    /// One sweep from `x` into `out`, over all groups or over `only` those, generic over the
    /// scalar.
    fn sweep_from<S: Scalar>(&self, x: &[S], alpha: S, only: Option<&[usize]>, out: &mut [S]) {
        out.copy_from_slice(x);
        let mut r = vec![S::zero(); self.loss.n_samples()];
        self.loss.residual(out, &mut r);
        let blocks = (self.groups.as_slice(), self.lipschitz.as_slice());
        sweep_group(self.loss.design(), blocks, alpha, only, false, out, &mut r);
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
    type Penalty = f64;
    fn penalty(&self, theta: &[f64]) -> Result<f64, OptimError> {
        single_alpha(theta)
    }
    fn n_features(&self) -> usize {
        self.loss.n_features()
    }
    fn state_len(&self) -> usize {
        self.loss.n_samples()
    }
    fn init_state(&self, beta: &[f64], state: &mut [f64]) {
        self.loss.residual(beta, state);
    }
    fn sweep(&self, alpha: &f64, beta: &mut [f64], state: &mut [f64]) -> f64 {
        let blocks = (self.groups.as_slice(), self.lipschitz.as_slice());
        sweep_group(self.loss.design(), blocks, *alpha, None, true, beta, state)
    }
    fn objective_at_zero(&self) -> f64 {
        self.loss.value(&vec![0.0; self.loss.n_features()])
    }
    fn objective_and_gap(&self, alpha: &f64, beta: &[f64], r: &[f64]) -> (f64, f64) {
        let (objective, gap, _) = self.gap_and_scores(alpha, None, beta, r, None);
        (objective, gap)
    }
}

impl WorkingSetModel for GroupLasso {
    fn n_blocks(&self) -> usize {
        self.groups.len()
    }
    fn block_coefficients(&self, block: usize, out: &mut Vec<usize>) {
        out.extend_from_slice(&self.groups[block]);
    }
    fn sweep_blocks(
        &self,
        alpha: &f64,
        blocks: &[usize],
        beta: &mut [f64],
        state: &mut [f64],
    ) -> f64 {
        let groups = (self.groups.as_slice(), self.lipschitz.as_slice());
        sweep_group(
            self.loss.design(),
            groups,
            *alpha,
            Some(blocks),
            true,
            beta,
            state,
        )
    }
    fn shift_state(&self, coefficients: &[usize], delta: &[f64], state: &mut [f64]) {
        shift_linear(self.loss.design(), coefficients, delta, -1.0, state);
    }
    fn objective_on(&self, alpha: &f64, blocks: &[usize], beta: &[f64], r: &[f64]) -> f64 {
        let norms: f64 = blocks
            .iter()
            .map(|&g| self.group_coefficient_norm(g, beta))
            .sum();
        0.5 * self.residual_terms(r).0 + alpha * norms
    }
    fn gap_and_scores(
        &self,
        alpha: &f64,
        blocks: Option<&[usize]>,
        beta: &[f64],
        r: &[f64],
        scores: Option<&mut [f64]>,
    ) -> (f64, f64, Option<f64>) {
        let (q, r_dot_y) = self.residual_terms(r);
        let terms = |g| {
            (
                self.group_coefficient_norm(g, beta),
                self.group_correlation(g, r),
            )
        };
        let all = 0..self.groups.len();
        let (constants, lipschitz) = ((*alpha, q, r_dot_y), &self.lipschitz);
        let (objective, gap) = match blocks {
            None => block_gap_and_scores(constants, all, terms, lipschitz, scores),
            Some(b) => block_gap_and_scores(constants, b.iter().copied(), terms, lipschitz, scores),
        };
        (objective, gap, None)
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
        self.sweep_from(x, theta[0].exp(), None, out);
    }
    /// The sweep over the groups that intersect the support.
    fn apply_on_support<S: Scalar>(&self, x: &[S], theta: &[S], support: &[usize], out: &mut [S]) {
        self.sweep_from(x, theta[0].exp(), Some(&self.groups_in(support)), out);
    }
    fn solve(
        &self,
        theta: &[f64],
        warm_start: Option<&[f64]>,
        params: &SolverParams,
    ) -> Result<Solution, OptimError> {
        solve_by_working_sets(self, theta, warm_start, params)
    }
    /// The cyclic block sweeps (the iteration of `T`) from `start` to the same tolerance.
    fn unrolled_steps(
        &self,
        start: &[f64],
        theta: &[f64],
        params: &SolverParams,
        _solution: &Solution,
    ) -> Result<usize, OptimError> {
        cyclic_sweeps(self, start, theta, params)
    }
    /// The working-set solve without extrapolation and its epochs (their sets listed by
    /// coefficient; [`apply_on_support`](FixedPointMap::apply_on_support) sweeps the groups they
    /// meet, in increasing order, as the solver does).
    fn solve_with_schedule(
        &self,
        theta: &[f64],
        warm_start: Option<&[f64]>,
        params: &SolverParams,
    ) -> Result<(Solution, Option<Schedule>), OptimError> {
        solve_without_extrapolation(self, theta, warm_start, params).map(|(x, s)| (x, Some(s)))
    }
    /// The features of the non-zero groups.
    fn support(&self, x: &[f64]) -> Option<Vec<usize>> {
        let mut support: Vec<usize> = self
            .groups_in(&nonzeros(x))
            .into_iter()
            .flat_map(|g| self.groups[g].iter().copied())
            .collect();
        support.sort_unstable();
        Some(support)
    }
    /// `min_{g: β_g = 0} (α − ‖∇_g f(β)‖₂)`.
    fn non_degeneracy_margin(&self, x: &[f64], theta: &[f64]) -> Option<f64> {
        let alpha = single_alpha(theta).ok()?;
        let mut gradient = vec![0.0; x.len()];
        self.loss.gradient(x, &mut gradient);
        let blocks = self.groups.iter().map(Vec::as_slice);
        Some(block_margin(x, &gradient, blocks, alpha))
    }
}

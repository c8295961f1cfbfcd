//! [`MultiTaskLasso`]: `1/(2n)‖Y − XB‖_F² + α Σ_j ‖B_j‖₂`.

use super::sparse::{
    block_gap_and_scores, block_margin, cyclic_sweeps, nonzeros, single_alpha,
    solve_by_working_sets, solve_without_extrapolation,
};
use crate::loss::checked_data;
use crate::solvers::{sweep_multitask, WorkingSetModel};
use crate::{
    CoordinateDescentModel, Design, FixedPointMap, OptimError, Schedule, Solution, SolverParams,
};
use hypergrad_ad::Scalar;
use ndarray::ArrayView2;

/// The multitask Lasso `P(B) = 1/(2n)‖Y − XB‖_F² + α Σ_j ‖B_j‖₂`, `α = exp(θ₀)`, for T tasks sharing a design
/// (`Y` n×T, `B` p×T, `B_j` its j-th row): a group Lasso whose groups are the rows of B
/// (scikit-learn's `MultiTaskLasso` without intercept).
///
/// Coefficients are flattened row-major (`x[j·T + t] = B_jt`) for the solver and the
/// [`FixedPointMap`] (one block-coordinate sweep over the rows, `θ = [log α]`); the support of a
/// solution is every entry of its non-zero rows.
#[derive(Clone, Debug)]
pub struct MultiTaskLasso {
    design: Design,
    /// Y stored task after task (column-major).
    y: Vec<f64>,
    tasks: usize,
    lipschitz: Vec<f64>,
}

impl MultiTaskLasso {
    /// Checks the data (Y with n rows and at least one column, all finite).
    pub fn new(design: Design, y: ArrayView2<'_, f64>) -> Result<Self, OptimError> {
        let tasks = y.ncols();
        if tasks == 0 {
            return Err(OptimError::EmptyData { what: "y" });
        }
        let by_task: Vec<f64> = y.t().iter().copied().collect();
        let (design, _) = checked_data(design, &by_task[..y.nrows()])?;
        if by_task.iter().any(|v| !v.is_finite()) {
            return Err(OptimError::NonFinite { what: "y" });
        }
        let n = design.n_samples() as f64;
        let mut lipschitz = vec![0.0; design.n_features()];
        design.col_sq_norms(&mut lipschitz);
        lipschitz.iter_mut().for_each(|l| *l /= n);
        Ok(Self {
            design,
            y: by_task,
            tasks,
            lipschitz,
        })
    }

    /// The design X.
    pub fn design(&self) -> &Design {
        &self.design
    }

    /// The targets Y, stored task after task (column-major n×T).
    pub fn targets(&self) -> &[f64] {
        &self.y
    }

    /// The number of tasks T.
    pub fn n_tasks(&self) -> usize {
        self.tasks
    }

    /// `α_max = max_j ‖X_jᵀY‖₂/n`: for `α ≥ α_max` the solution is 0.
    pub fn alpha_max(&self) -> f64 {
        self.max_row_correlation(&self.y)
    }

    /// `max_j ‖X_jᵀR‖₂/n` for an n×T matrix stored task after task.
    fn max_row_correlation(&self, r: &[f64]) -> f64 {
        (0..self.design.n_features())
            .map(|j| self.row_correlation(j, r))
            .fold(0.0, f64::max)
    }

    /// `‖X_jᵀR‖₂/n`.
    fn row_correlation(&self, j: usize, r: &[f64]) -> f64 {
        let n = self.design.n_samples();
        r.chunks_exact(n)
            .map(|r_t| self.design.col_dot(j, r_t).powi(2))
            .sum::<f64>()
            .sqrt()
            / n as f64
    }

    /// `‖B_j‖₂`.
    fn row_norm(&self, j: usize, beta: &[f64]) -> f64 {
        let t = self.tasks;
        beta[j * t..(j + 1) * t]
            .iter()
            .map(|b| b * b)
            .sum::<f64>()
            .sqrt()
    }

    /// `(‖R‖²/n, ⟨R, Y⟩/n)`.
    fn residual_terms(&self, r: &[f64]) -> (f64, f64) {
        let n = self.design.n_samples() as f64;
        let q = r.iter().map(|v| v * v).sum::<f64>() / n;
        let r_dot_y = r.iter().zip(&self.y).map(|(a, b)| a * b).sum::<f64>() / n;
        (q, r_dot_y)
    }

    fn residual_of(&self, beta: &[f64]) -> Vec<f64> {
        let mut r = vec![0.0; self.state_len()];
        self.init_state(beta, &mut r);
        r
    }

    /// `P(B)` for B flattened row-major, at `θ = [log α]`. Errors: θ invalid; panics if `beta`
    /// does not have p·T entries.
    pub fn value(&self, theta: &[f64], beta: &[f64]) -> Result<f64, OptimError> {
        let alpha = single_alpha(theta)?;
        Ok(self
            .objective_and_gap(&alpha, beta, &self.residual_of(beta))
            .0)
    }

    /// The duality gap at the rescaled residual `c·R`, `c = min(1, α/max_j ‖X_jᵀR‖/n)`.
    /// Errors: θ invalid; panics if `beta` does not have p·T entries.
    pub fn duality_gap(&self, theta: &[f64], beta: &[f64]) -> Result<f64, OptimError> {
        let alpha = single_alpha(theta)?;
        Ok(self
            .objective_and_gap(&alpha, beta, &self.residual_of(beta))
            .1)
    }

    /// The rows of B (features) with an entry in `support`, in order.
    fn rows_in(&self, support: &[usize]) -> Vec<usize> {
        let mut rows: Vec<usize> = support.iter().map(|&i| i / self.tasks).collect();
        rows.dedup();
        rows
    }

    /// One sweep from `x` into `out` over every row or `only` those, generic over the scalar.
    fn sweep_from<S: Scalar>(&self, x: &[S], alpha: S, only: Option<&[usize]>, out: &mut [S]) {
        out.copy_from_slice(x);
        let mut r = vec![S::zero(); self.state_len()];
        residual(&self.design, &self.y, self.tasks, out, &mut r);
        sweep_multitask(
            &self.design,
            &self.lipschitz,
            alpha,
            only,
            false,
            out,
            &mut r,
        );
    }
}

impl CoordinateDescentModel for MultiTaskLasso {
    type Penalty = f64;
    fn penalty(&self, theta: &[f64]) -> Result<f64, OptimError> {
        single_alpha(theta)
    }
    fn n_features(&self) -> usize {
        self.design.n_features() * self.tasks
    }
    fn state_len(&self) -> usize {
        self.design.n_samples() * self.tasks
    }
    fn init_state(&self, beta: &[f64], state: &mut [f64]) {
        residual(&self.design, &self.y, self.tasks, beta, state);
    }
    fn sweep(&self, alpha: &f64, beta: &mut [f64], state: &mut [f64]) -> f64 {
        sweep_multitask(
            &self.design,
            &self.lipschitz,
            *alpha,
            None,
            true,
            beta,
            state,
        )
    }
    fn objective_at_zero(&self) -> f64 {
        self.y.iter().map(|v| v * v).sum::<f64>() / (2.0 * self.design.n_samples() as f64)
    }
    fn objective_and_gap(&self, alpha: &f64, beta: &[f64], r: &[f64]) -> (f64, f64) {
        let (objective, gap, _) = self.gap_and_scores(alpha, None, beta, r, None);
        (objective, gap)
    }
}

impl WorkingSetModel for MultiTaskLasso {
    /// The rows of B.
    fn n_blocks(&self) -> usize {
        self.design.n_features()
    }
    fn block_coefficients(&self, block: usize, out: &mut Vec<usize>) {
        out.extend(block * self.tasks..(block + 1) * self.tasks);
    }
    fn sweep_blocks(
        &self,
        alpha: &f64,
        blocks: &[usize],
        beta: &mut [f64],
        state: &mut [f64],
    ) -> f64 {
        sweep_multitask(
            &self.design,
            &self.lipschitz,
            *alpha,
            Some(blocks),
            true,
            beta,
            state,
        )
    }
    /// `R_t ← R_t − X_j δ_{jt}` for each coefficient `j·T + t`.
    fn shift_state(&self, coefficients: &[usize], delta: &[f64], state: &mut [f64]) {
        let (n, tasks) = (self.design.n_samples(), self.tasks);
        for (&c, &d) in coefficients.iter().zip(delta) {
            if d != 0.0 {
                let (j, t) = (c / tasks, c % tasks);
                self.design.col_axpy(j, -d, &mut state[t * n..(t + 1) * n]);
            }
        }
    }
    fn objective_on(&self, alpha: &f64, blocks: &[usize], beta: &[f64], r: &[f64]) -> f64 {
        let norms: f64 = blocks.iter().map(|&j| self.row_norm(j, beta)).sum();
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
        let terms = |j| (self.row_norm(j, beta), self.row_correlation(j, r));
        let all = 0..self.design.n_features();
        let (constants, lipschitz) = ((*alpha, q, r_dot_y), &self.lipschitz);
        let (objective, gap) = match blocks {
            None => block_gap_and_scores(constants, all, terms, lipschitz, scores),
            Some(b) => block_gap_and_scores(constants, b.iter().copied(), terms, lipschitz, scores),
        };
        (objective, gap, None)
    }
}

/// `R = Y − XB` task by task (`B` row-major p×T, `Y` and `R` task after task).
fn residual<S: Scalar>(design: &Design, y: &[f64], tasks: usize, beta: &[S], out: &mut [S]) {
    let (n, p) = (design.n_samples(), design.n_features());
    let mut column = vec![S::zero(); p];
    for (t, r_t) in out.chunks_exact_mut(n).enumerate() {
        column
            .iter_mut()
            .enumerate()
            .for_each(|(j, c)| *c = beta[j * tasks + t]);
        design.matvec(&column, r_t);
        r_t.iter_mut()
            .zip(&y[t * n..(t + 1) * n])
            .for_each(|(r, &yi)| *r = -*r + yi);
    }
}

impl FixedPointMap for MultiTaskLasso {
    fn dim_x(&self) -> usize {
        self.design.n_features() * self.tasks
    }
    fn dim_theta(&self) -> usize {
        1
    }
    fn apply<S: Scalar>(&self, x: &[S], theta: &[S], out: &mut [S]) {
        self.sweep_from(x, theta[0].exp(), None, out);
    }
    /// The sweep over the rows that meet the support.
    fn apply_on_support<S: Scalar>(&self, x: &[S], theta: &[S], support: &[usize], out: &mut [S]) {
        self.sweep_from(x, theta[0].exp(), Some(&self.rows_in(support)), out);
    }
    fn solve(
        &self,
        theta: &[f64],
        warm_start: Option<&[f64]>,
        params: &SolverParams,
    ) -> Result<Solution, OptimError> {
        solve_by_working_sets(self, theta, warm_start, params)
    }
    /// The cyclic row sweeps (the iteration of `T`) from `start` to the same tolerance.
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
    /// coefficient; [`apply_on_support`](FixedPointMap::apply_on_support) sweeps the rows they
    /// meet, in increasing order, as the solver does).
    fn solve_with_schedule(
        &self,
        theta: &[f64],
        warm_start: Option<&[f64]>,
        params: &SolverParams,
    ) -> Result<(Solution, Option<Schedule>), OptimError> {
        solve_without_extrapolation(self, theta, warm_start, params).map(|(x, s)| (x, Some(s)))
    }
    /// Every entry of the non-zero rows of B.
    fn support(&self, x: &[f64]) -> Option<Vec<usize>> {
        let t = self.tasks;
        let rows = self.rows_in(&nonzeros(x));
        Some(rows.iter().flat_map(|&j| j * t..(j + 1) * t).collect())
    }
    /// `min_{j: B_j = 0} (α − ‖∇_{B_j} f(B)‖₂)`, `∇_{B_j} f = −X_jᵀR/n`.
    fn non_degeneracy_margin(&self, x: &[f64], theta: &[f64]) -> Option<f64> {
        let alpha = single_alpha(theta).ok()?;
        let (n, t) = (self.design.n_samples(), self.tasks);
        let r = self.residual_of(x);
        let mut gradient = vec![0.0; x.len()];
        for (j, row) in gradient.chunks_exact_mut(t).enumerate() {
            for (task, g) in row.iter_mut().enumerate() {
                *g = -self.design.col_dot(j, &r[task * n..(task + 1) * n]) / n as f64;
            }
        }
        let rows: Vec<Vec<usize>> = (0..self.design.n_features())
            .map(|j| (j * t..(j + 1) * t).collect())
            .collect();
        Some(block_margin(
            x,
            &gradient,
            rows.iter().map(Vec::as_slice),
            alpha,
        ))
    }
}

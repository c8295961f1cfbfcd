//! [`WorkingSetCd`]: coordinate descent restricted to a growing working set, with Anderson
//! extrapolation of its epochs, stopped on the duality gap of the full problem — the
//! techniques of celer (Massias et al. 2018, 2020) and skglm (Bertrand et al. 2022).

use super::anderson::Anderson;
use super::coordinate_descent::CoordinateDescentModel;
use super::progress::{at_least_one, positive, validate_params};
use crate::loss::check_coefficients;
use crate::{History, OptimError, Schedule, Solution, SolveReport, SolverParams, StopReason};

/// What [`WorkingSetCd`] needs of a model beyond a full sweep: its coefficients grouped in
/// blocks (features; groups; rows of a coefficient matrix), a sweep over some blocks, the
/// objective, and one pass over the data giving the duality gap and each block's priority.
///
/// **Invariant.** The solver keeps every coefficient outside the blocks it passes at 0, so the
/// restricted methods may sum the penalty over those blocks only.
pub trait WorkingSetModel: CoordinateDescentModel {
    /// The number of blocks.
    fn n_blocks(&self) -> usize;
    /// Appends the coefficient indices of `block` to `out`.
    fn block_coefficients(&self, block: usize, out: &mut Vec<usize>);
    /// One sweep over `blocks` (in that order) in place; returns `‖β⁺ − β‖²`.
    fn sweep_blocks(
        &self,
        penalty: &Self::Penalty,
        blocks: &[usize],
        beta: &mut [f64],
        state: &mut [f64],
    ) -> f64;
    /// Moves the linear state to account for `β_c ← β_c + δ_c` at the listed coefficients.
    fn shift_state(&self, coefficients: &[usize], delta: &[f64], state: &mut [f64]);
    /// The primal objective `P(β)`, β being zero outside `blocks` (no pass over the data).
    fn objective_on(
        &self,
        penalty: &Self::Penalty,
        blocks: &[usize],
        beta: &[f64],
        state: &[f64],
    ) -> f64;
    /// The primal objective and the duality gap of the problem restricted to `blocks` (all
    /// blocks for `None`): the dual point is the rescaled residual, feasible for the listed
    /// blocks. With `scores`, writes each listed block's priority: `−∞` if it holds a non-zero
    /// coefficient, else the distance `(α_b − ‖∇_b f(β)‖)/‖X_b‖` from the dual point to the
    /// block's constraint (negative: the block violates its optimality condition at 0). The
    /// third value is the non-degeneracy margin over the listed blocks
    /// ([`FixedPointMap::non_degeneracy_margin`](crate::FixedPointMap::non_degeneracy_margin)
    /// when all are listed) if the model computes it in the same pass, else `None`.
    fn gap_and_scores(
        &self,
        penalty: &Self::Penalty,
        blocks: Option<&[usize]>,
        beta: &[f64],
        state: &[f64],
        scores: Option<&mut [f64]>,
    ) -> (f64, f64, Option<f64>);
}

/// Coordinate descent on a working set (celer / skglm).
///
/// Each outer iteration computes, in one pass over the data, the duality gap of the full
/// problem and every block's priority score (see [`WorkingSetModel::gap_and_scores`]); stops
/// with [`StopReason::Converged`] when `gap ≤ tol · P(0)` (the rule of
/// [`CoordinateDescent`](crate::CoordinateDescent)); otherwise takes as working set the
/// `max(initial_size, 2·|support|)` blocks of lowest score (the support, whose score is `−∞`,
/// then the blocks closest to violating their constraint) and solves the problem restricted to
/// it by cyclic epochs over its blocks, until the restricted gap is below `inner_ratio` times the
/// full gap (checked every `gap_frequency` epochs, and when an epoch moves β by at most
/// `tol·‖β‖`). Every `anderson_memory` epochs the last iterates are extrapolated
/// (Anderson) and the extrapolated point is kept if it lowers the
/// objective.
///
/// Cost: an epoch costs `|working set|/p` of a full sweep; each outer iteration adds one full
/// pass (`Xᵀr`, about a sweep), which also yields the gap. `report.iterations` counts epochs
/// (the cap `max_iter` applies to them), `report.residual` is `‖Δβ‖₂` of the last epoch, the
/// history (if recorded) holds the objective and full gap at each outer iteration (the first
/// at the start). [`StopReason::Diverged`] if the objective or gap turns non-finite.
///
/// ```
/// use hypergrad_optim::solvers::WorkingSetCd;
/// use hypergrad_optim::{Design, Lasso};
/// use ndarray::array;
///
/// // XᵀX/n = I, so the Lasso solution is st(Xᵀy/n, α) = st((3, −0.5), 1) = (2, 0).
/// let x = Design::dense(array![[1.0, 1.0], [1.0, -1.0]]).unwrap();
/// let lasso = Lasso::new(x, array![2.5, 3.5].view()).unwrap();
/// let sol = WorkingSetCd::default().solve(&lasso, &[1.0_f64.ln()], None).unwrap();
/// assert!(sol.report.converged());
/// assert!((sol.x[0] - 2.0).abs() < 1e-12 && sol.x[1] == 0.0);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct WorkingSetCd {
    /// Epoch cap, tolerance (relative to `P(0)`), history switch.
    pub params: SolverParams,
    /// Blocks in a working set at least (the first one, from β = 0).
    pub initial_size: usize,
    /// Epochs per Anderson extrapolation (0: none).
    pub anderson_memory: usize,
    /// Largest number of epochs between two checks of the restricted gap.
    pub gap_frequency: usize,
    /// The restricted problem is solved to this fraction of the current full gap, in (0, 1).
    pub inner_ratio: f64,
}

impl Default for WorkingSetCd {
    fn default() -> Self {
        Self {
            params: SolverParams::default(),
            initial_size: 10,
            anderson_memory: 5,
            gap_frequency: 10,
            inner_ratio: 0.3,
        }
    }
}

impl WorkingSetCd {
    /// A solver with the given stopping parameters and the default working-set settings.
    pub fn new(params: SolverParams) -> Self {
        Self {
            params,
            ..Self::default()
        }
    }

    fn validate(&self) -> Result<(), OptimError> {
        validate_params(&self.params)?;
        at_least_one("initial_size", self.initial_size)?;
        at_least_one("gap_frequency", self.gap_frequency)?;
        positive("inner_ratio", self.inner_ratio)?;
        if self.inner_ratio >= 1.0 {
            return Err(OptimError::InvalidParameter {
                name: "inner_ratio",
                value: self.inner_ratio,
                reason: "must be below 1",
            });
        }
        Ok(())
    }

    /// Solves `model` at log-hyperparameters θ from `warm_start` (or 0); the warm start's
    /// support seeds the first working set.
    ///
    /// Errors: invalid parameters or θ, or a warm start of the wrong length or non-finite.
    pub fn solve<M: WorkingSetModel>(
        &self,
        model: &M,
        theta: &[f64],
        warm_start: Option<&[f64]>,
    ) -> Result<Solution, OptimError> {
        self.run(model, theta, warm_start, None)
    }

    /// [`solve`](Self::solve), also returning its epochs' working sets (as coefficient indices,
    /// see [`WorkingSetModel::block_coefficients`]). Without extrapolation
    /// (`anderson_memory = 0`) epoch k is exactly `T` restricted to the k-th set, every
    /// coefficient outside the set being 0 (the support is always in the working set), so
    /// replaying the schedule from the same start reproduces the solution up to rounding.
    /// With extrapolation the epochs are recorded but the extrapolated points, a nonlinear
    /// combination of past iterates, are not part of the schedule.
    ///
    /// Errors: as [`solve`](Self::solve).
    pub fn solve_with_schedule<M: WorkingSetModel>(
        &self,
        model: &M,
        theta: &[f64],
        warm_start: Option<&[f64]>,
    ) -> Result<(Solution, Schedule), OptimError> {
        let mut schedule = Schedule::default();
        let solution = self.run(model, theta, warm_start, Some(&mut schedule))?;
        Ok((solution, schedule))
    }

    fn run<M: WorkingSetModel>(
        &self,
        model: &M,
        theta: &[f64],
        warm_start: Option<&[f64]>,
        schedule: Option<&mut Schedule>,
    ) -> Result<Solution, OptimError> {
        self.validate()?;
        let penalty = model.penalty(theta)?;
        let p = model.n_features();
        let mut beta = match warm_start {
            Some(x0) => {
                check_coefficients(x0, p)?;
                x0.to_vec()
            }
            None => vec![0.0; p],
        };
        let mut state = vec![0.0; model.state_len()];
        model.init_state(&beta, &mut state);
        let threshold = self.params.tol * model.objective_at_zero();
        let mut history = self.params.record_history.then(History::default);
        let mut scores = vec![0.0; model.n_blocks()];
        let mut inner = Inner {
            model,
            penalty: &penalty,
            iterations: 0,
            step_sq: 0.0,
            anderson: Anderson::new(self.anderson_memory),
            schedule,
        };
        let stop = loop {
            let (objective, gap, margin) =
                model.gap_and_scores(&penalty, None, &beta, &state, Some(&mut scores));
            if let Some(h) = history.as_mut() {
                h.objective.push(objective);
                h.residual.push(gap);
            }
            if !objective.is_finite() || !gap.is_finite() {
                break (StopReason::Diverged, objective, gap, margin);
            }
            if gap <= threshold {
                break (StopReason::Converged, objective, gap, margin);
            }
            if inner.iterations >= self.params.max_iter {
                break (StopReason::MaxIterations, objective, gap, margin);
            }
            let working_set = self.working_set(&scores);
            inner.solve(
                self,
                &working_set,
                self.inner_ratio * gap,
                &mut beta,
                &mut state,
            );
        };
        let (stop, objective, gap, margin) = stop;
        Ok(Solution {
            x: beta,
            report: SolveReport {
                iterations: inner.iterations,
                residual: inner.step_sq.sqrt(),
                duality_gap: Some(gap),
                objective,
                stop,
                history,
                margin,
            },
        })
    }

    /// The `max(initial_size, 2·|support|)` blocks of lowest score, in increasing block order.
    fn working_set(&self, scores: &[f64]) -> Vec<usize> {
        let support = scores.iter().filter(|s| **s == f64::NEG_INFINITY).count();
        let size = self.initial_size.max(2 * support).min(scores.len());
        let mut blocks: Vec<usize> = (0..scores.len()).collect();
        if size < blocks.len() {
            blocks.select_nth_unstable_by(size, |&a, &b| scores[a].total_cmp(&scores[b]));
            blocks.truncate(size);
        }
        blocks.sort_unstable();
        blocks
    }
}

/// The epochs on working sets, with what carries over between them.
struct Inner<'a, M: WorkingSetModel> {
    model: &'a M,
    penalty: &'a M::Penalty,
    iterations: usize,
    step_sq: f64,
    anderson: Anderson,
    /// Where the epochs' working sets are recorded, if asked.
    schedule: Option<&'a mut Schedule>,
}

impl<M: WorkingSetModel> Inner<'_, M> {
    /// Epochs over `blocks` until the restricted gap is at most `target` or the epoch cap.
    fn solve(
        &mut self,
        settings: &WorkingSetCd,
        blocks: &[usize],
        target: f64,
        beta: &mut [f64],
        state: &mut [f64],
    ) {
        let (model, penalty) = (self.model, self.penalty);
        let mut coefficients = Vec::new();
        blocks
            .iter()
            .for_each(|&b| model.block_coefficients(b, &mut coefficients));
        if let Some(schedule) = self.schedule.as_deref_mut() {
            schedule.start_working_set(coefficients.clone());
        }
        self.anderson.clear();
        let tol = settings.params.tol;
        let mut epochs = 0;
        while self.iterations < settings.params.max_iter {
            self.step_sq = model.sweep_blocks(penalty, blocks, beta, state);
            self.iterations += 1;
            epochs += 1;
            if let Some(schedule) = self.schedule.as_deref_mut() {
                schedule.push_epoch();
            }
            if settings.anderson_memory > 0 {
                self.extrapolate(blocks, &coefficients, beta, state);
            }
            let norm_sq: f64 = coefficients.iter().map(|&c| beta[c] * beta[c]).sum();
            let stalled = self.step_sq <= tol * tol * norm_sq;
            if stalled || epochs % settings.gap_frequency == 0 {
                let (objective, gap, _) =
                    model.gap_and_scores(penalty, Some(blocks), beta, state, None);
                if gap <= target || !objective.is_finite() || !gap.is_finite() {
                    return;
                }
            }
        }
    }

    /// Records the epoch's iterate; when Anderson extrapolates, moves to the extrapolated point
    /// if it lowers the objective.
    fn extrapolate(
        &mut self,
        blocks: &[usize],
        coefficients: &[usize],
        beta: &mut [f64],
        state: &mut [f64],
    ) {
        let current: Vec<f64> = coefficients.iter().map(|&c| beta[c]).collect();
        let Some(point) = self.anderson.push(current.clone()) else {
            return;
        };
        let (model, penalty) = (self.model, self.penalty);
        let delta: Vec<f64> = point.iter().zip(&current).map(|(a, b)| a - b).collect();
        let mut trial_state = state.to_vec();
        model.shift_state(coefficients, &delta, &mut trial_state);
        let before = model.objective_on(penalty, blocks, beta, state);
        scatter(coefficients, &point, beta);
        let after = model.objective_on(penalty, blocks, beta, &trial_state);
        if after < before {
            state.copy_from_slice(&trial_state);
        } else {
            scatter(coefficients, &current, beta);
        }
    }
}

/// `β_c ← v_c` at the listed coefficients.
fn scatter(coefficients: &[usize], values: &[f64], beta: &mut [f64]) {
    coefficients
        .iter()
        .zip(values)
        .for_each(|(&c, &v)| beta[c] = v);
}

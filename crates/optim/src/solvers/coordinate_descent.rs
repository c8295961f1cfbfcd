//! [`CoordinateDescent`]: cyclic coordinate descent stopped on the duality gap.

use super::progress::{at_least_one, validate_params};
use crate::loss::check_coefficients;
use crate::{History, OptimError, Solution, SolveReport, SolverParams, StopReason};

/// A problem that cyclic coordinate descent can solve: a sweep on a maintained linear state
/// (a residual `y − Xβ` or a linear predictor `Xβ`) and a duality gap, for penalties set by the
/// log-hyperparameters θ.
///
/// Implemented by [`Lasso`](crate::Lasso), [`ElasticNet`](crate::ElasticNet),
/// [`WeightedLasso`](crate::WeightedLasso), [`GroupLasso`](crate::GroupLasso),
/// [`MultiTaskLasso`](crate::MultiTaskLasso) and [`SparseLogistic`](crate::SparseLogistic).
pub trait CoordinateDescentModel {
    /// The penalty weights `α = exp(θ)` in the form the sweep reads, computed once per solve.
    type Penalty;
    /// The penalties for log-hyperparameters `θ` (checked: length, finite, in range).
    fn penalty(&self, theta: &[f64]) -> Result<Self::Penalty, OptimError>;
    /// Number of coefficients p.
    fn n_features(&self) -> usize;
    /// Length of the linear state (the number of samples n).
    fn state_len(&self) -> usize;
    /// Writes the linear state of `β` into `state`.
    fn init_state(&self, beta: &[f64], state: &mut [f64]);
    /// One full cyclic sweep in place; returns `‖β⁺ − β‖²`.
    fn sweep(&self, penalty: &Self::Penalty, beta: &mut [f64], state: &mut [f64]) -> f64;
    /// The primal objective at `β = 0`, the scale of the relative stopping rule.
    fn objective_at_zero(&self) -> f64;
    /// The primal objective `P(β)` and a duality gap `P(β) − D(θ(β)) ≥ 0`.
    fn objective_and_gap(&self, penalty: &Self::Penalty, beta: &[f64], state: &[f64])
        -> (f64, f64);
}

/// Cyclic coordinate descent: the iteration of the models' [`FixedPointMap`](crate::FixedPointMap)
/// (one sweep per application), which the unrolled hypergradient methods differentiate. The
/// models' own `solve` is the faster [`WorkingSetCd`](super::WorkingSetCd), which reaches the same
/// gap.
///
/// Runs sweeps `β ← T(β)` and computes the duality gap (about the cost of one sweep) when the
/// iterate stalls — a sweep moved β by `‖Δβ‖₂ ≤ tol·‖β‖₂` (the relative gap tracks this ratio
/// closely on Lasso problems) — and in any case every `gap_frequency` sweeps (every sweep when a
/// history is recorded). Stops with [`StopReason::Converged`] when `gap ≤ tol · P(0)`, with
/// [`StopReason::Diverged`] if the objective turns non-finite, and with
/// [`StopReason::MaxIterations`] after `max_iter` sweeps (the gap is then evaluated once more,
/// so the report always holds the final gap). `report.residual` is `‖β_k − β_{k−1}‖₂` of the
/// last sweep.
///
/// Scaling note: scikit-learn's `Lasso(tol=t)` stops when `n·gap ≤ t‖y‖²`, i.e.
/// `gap ≤ 2t · P(0)`; our `tol = 2t` is the same rule.
///
/// ```
/// use hypergrad_optim::{CoordinateDescent, Design, Lasso};
/// use ndarray::array;
///
/// // XᵀX/n = I, so the Lasso solution is st(Xᵀy/n, α) = st((3, −0.5), 1) = (2, 0).
/// let x = Design::dense(array![[1.0, 1.0], [1.0, -1.0]]).unwrap();
/// let lasso = Lasso::new(x, array![2.5, 3.5].view()).unwrap();
/// let sol = CoordinateDescent::default().solve(&lasso, &[1.0_f64.ln()], None).unwrap();
/// assert!(sol.report.converged());
/// assert!((sol.x[0] - 2.0).abs() < 1e-12 && sol.x[1] == 0.0);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct CoordinateDescent {
    /// Sweep cap, tolerance (relative to `P(0)`), history switch.
    pub params: SolverParams,
    /// Largest number of sweeps between duality-gap evaluations (each costs about one sweep).
    pub gap_frequency: usize,
}

impl Default for CoordinateDescent {
    fn default() -> Self {
        Self {
            params: SolverParams::default(),
            gap_frequency: 10,
        }
    }
}

impl CoordinateDescent {
    /// A solver with the given stopping parameters and a gap check at least every 10 sweeps.
    pub fn new(params: SolverParams) -> Self {
        Self {
            params,
            ..Self::default()
        }
    }

    fn validate(&self) -> Result<(), OptimError> {
        validate_params(&self.params)?;
        at_least_one("gap_frequency", self.gap_frequency)
    }

    /// Solves `model` at log-hyperparameters `theta` from `warm_start` (or from 0).
    ///
    /// Errors: invalid parameters or θ, or a warm start of the wrong length or non-finite.
    pub fn solve<M: CoordinateDescentModel>(
        &self,
        model: &M,
        theta: &[f64],
        warm_start: Option<&[f64]>,
    ) -> Result<Solution, OptimError> {
        self.validate()?;
        let penalty = model.penalty(theta)?;
        solve_to_gap(
            model,
            &penalty,
            warm_start,
            &self.params,
            self.gap_frequency,
            |beta, state, _| model.sweep(&penalty, beta, state),
        )
    }
}

/// The loop of the solvers that stop on a duality gap: from `warm_start` (or 0), apply
/// `step(β, state, P(β))` (which returns `‖β⁺ − β‖²`) until `gap ≤ tol·P(0)` or `max_iter` steps.
/// The gap (and `P`, so the objective passed to `step` may be stale) is computed every
/// `gap_frequency` steps, at the last step, when recording the history, and when a step moved β
/// by `‖Δβ‖₂ ≤ tol·‖β‖₂`.
pub(crate) fn solve_to_gap<M: CoordinateDescentModel>(
    model: &M,
    penalty: &M::Penalty,
    warm_start: Option<&[f64]>,
    params: &SolverParams,
    gap_frequency: usize,
    mut step: impl FnMut(&mut [f64], &mut [f64], f64) -> f64,
) -> Result<Solution, OptimError> {
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
    let threshold = params.tol * model.objective_at_zero();
    let record = params.record_history;
    let mut history = record.then(History::default);
    let (mut objective, mut gap) = model.objective_and_gap(penalty, &beta, &state);
    let mut step_sq = 0.0;
    let mut stop = StopReason::MaxIterations;
    let (mut iterations, mut last_check) = (0, 0);
    if gap <= threshold {
        stop = StopReason::Converged;
    }
    while stop == StopReason::MaxIterations && iterations < params.max_iter {
        step_sq = step(&mut beta, &mut state, objective);
        iterations += 1;
        let last = iterations == params.max_iter;
        let norm_sq: f64 = beta.iter().map(|b| b * b).sum();
        let stalled = step_sq <= params.tol * params.tol * norm_sq;
        if record || last || stalled || iterations - last_check >= gap_frequency {
            last_check = iterations;
            (objective, gap) = model.objective_and_gap(penalty, &beta, &state);
            if let Some(h) = history.as_mut() {
                h.objective.push(objective);
                h.residual.push(gap);
            }
            if !objective.is_finite() || !gap.is_finite() {
                stop = StopReason::Diverged;
            } else if gap <= threshold {
                stop = StopReason::Converged;
            }
        }
    }
    Ok(Solution {
        x: beta,
        report: SolveReport {
            iterations,
            residual: step_sq.sqrt(),
            duality_gap: Some(gap),
            objective,
            stop,
            history,
            margin: None,
        },
    })
}

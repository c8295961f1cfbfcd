//! Shared bookkeeping of the smooth and proximal solvers: input validation, history, report.

use crate::{History, OptimError, Solution, SolveReport, SolverParams, StopReason};

/// Checks the stopping parameters: `max_iter ≥ 1`, `tol` finite and `> 0`.
pub(crate) fn validate_params(params: &SolverParams) -> Result<(), OptimError> {
    at_least_one("max_iter", params.max_iter)?;
    positive("tol", params.tol)
}

/// Checks that a count (iterations, sweeps, a frequency) is at least 1.
pub(crate) fn at_least_one(name: &'static str, value: usize) -> Result<(), OptimError> {
    if value >= 1 {
        Ok(())
    } else {
        Err(OptimError::InvalidParameter {
            name,
            value: 0.0,
            reason: "must be at least 1",
        })
    }
}

/// Checks that a step size or other knob is finite and `> 0`.
pub(crate) fn positive(name: &'static str, value: f64) -> Result<(), OptimError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(OptimError::InvalidParameter {
            name,
            value,
            reason: "must be finite and positive",
        })
    }
}

/// Checks a length and finiteness of a user vector.
pub(crate) fn check_vector(
    what: &'static str,
    v: &[f64],
    expected: usize,
) -> Result<(), OptimError> {
    if v.len() != expected {
        return Err(OptimError::ShapeMismatch {
            what,
            expected,
            got: v.len(),
        });
    }
    if v.iter().any(|a| !a.is_finite()) {
        return Err(OptimError::NonFinite { what });
    }
    Ok(())
}

/// The starting point: the warm start `x0` if given (checked), else zeros.
pub(crate) fn initial_point(x0: Option<&[f64]>, n: usize) -> Result<Vec<f64>, OptimError> {
    match x0 {
        Some(x0) => {
            check_vector("x0", x0, n)?;
            Ok(x0.to_vec())
        }
        None => Ok(vec![0.0; n]),
    }
}

/// `‖a − b‖₂`.
pub(crate) fn distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt()
}

/// `‖v‖₂`.
pub(crate) fn norm(v: &[f64]) -> f64 {
    dot(v, v).sqrt()
}

/// `aᵀb`.
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Running record of a solve: iteration count, optional history, and the final report.
pub(crate) struct Progress {
    tol: f64,
    max_iter: usize,
    history: Option<History>,
    iterations: usize,
}

impl Progress {
    pub(crate) fn new(params: &SolverParams) -> Self {
        Self {
            tol: params.tol,
            max_iter: params.max_iter,
            history: params.record_history.then(History::default),
            iterations: 0,
        }
    }

    /// Whether the iteration cap allows another iteration.
    pub(crate) fn has_budget(&self) -> bool {
        self.iterations < self.max_iter
    }

    /// Records one iteration with its stopping quantity `residual` (the objective, computed by
    /// `objective` only when a history is recorded); returns the stop reason if the solve
    /// should stop now (`residual ≤ tol`, or a non-finite residual).
    pub(crate) fn step(
        &mut self,
        residual: f64,
        objective: impl FnOnce() -> f64,
    ) -> Option<StopReason> {
        self.iterations += 1;
        if let Some(h) = &mut self.history {
            h.objective.push(objective());
            h.residual.push(residual);
        }
        if !residual.is_finite() {
            Some(StopReason::Diverged)
        } else if residual <= self.tol {
            Some(StopReason::Converged)
        } else {
            None
        }
    }

    /// The solution; `stop` is `None` when the loop ran out of iterations.
    pub(crate) fn finish(
        self,
        x: Vec<f64>,
        objective: f64,
        residual: f64,
        stop: Option<StopReason>,
    ) -> Solution {
        Solution {
            x,
            report: SolveReport {
                iterations: self.iterations,
                residual,
                duality_gap: None,
                objective,
                stop: stop.unwrap_or(StopReason::MaxIterations),
                history: self.history,
                margin: None,
            },
        }
    }
}

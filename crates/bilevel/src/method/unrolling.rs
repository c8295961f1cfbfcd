//! [`Unrolling`]: the program the unrolled methods differentiate — the map's schedule of
//! restricted epochs when it has one, else the plain iterations of `T`.

use super::Inputs;
use crate::{BilevelError, Criterion};
use hypergrad_ad::reverse::Recurrence;
use hypergrad_ad::{Scalar, Tape, Var};
use hypergrad_optim::{FixedPointMap, Schedule, SolverParams};

/// `x_{k+1} = U_k(x_k, θ)`, `k < steps`, from the inner solve's start: `U_k = T_{W_k}`
/// (`apply_on_support` on the k-th working set) for a map with a schedule
/// ([`solve_with_schedule`](FixedPointMap::solve_with_schedule)) — the epochs its solver runs,
/// so the unrolled derivative is the derivative of what was computed — else `U_k = T_k`
/// ([`apply_iteration`](FixedPointMap::apply_iteration)) `steps` times.
pub(crate) struct Unrolling<'a> {
    pub steps: usize,
    schedule: Option<&'a Schedule>,
}

impl<'a> Unrolling<'a> {
    /// `steps` plain iterations of `T`.
    pub fn plain(steps: usize) -> Self {
        Self {
            steps,
            schedule: None,
        }
    }

    /// The program for `inputs`: the schedule of the inner solve ([`Inputs::schedule`]), or as
    /// many iterations of `T` as [`unrolled_steps`](FixedPointMap::unrolled_steps) counts; at
    /// least one step either way (a warm start that already meets the tolerance would otherwise
    /// unroll nothing and report a zero gradient: an empty schedule becomes one plain step).
    pub fn of<P: FixedPointMap, C: Criterion>(
        inputs: &Inputs<'a, P, C>,
    ) -> Result<Self, BilevelError> {
        match inputs.schedule {
            Some(schedule) if !schedule.is_empty() => Ok(Self {
                steps: schedule.len(),
                schedule: Some(schedule),
            }),
            Some(_) => Ok(Self::plain(1)),
            None => {
                let params = SolverParams {
                    max_iter: inputs.options.inner_max_iter,
                    tol: inputs.options.inner_tol,
                    record_history: false,
                };
                let (problem, start, theta) = (inputs.problem, inputs.start, inputs.theta);
                let steps = problem.unrolled_steps(start, theta, &params, inputs.solution)?;
                Ok(Self::plain(steps.max(1)))
            }
        }
    }

    /// Writes `U_k(x, θ)` into `out`.
    pub fn step<P: FixedPointMap, S: Scalar>(
        &self,
        problem: &P,
        k: usize,
        x: &[S],
        theta: &[S],
        out: &mut [S],
    ) {
        match self.schedule {
            Some(schedule) => problem.apply_on_support(x, theta, schedule.columns(k), out),
            None => problem.apply_iteration(k, x, theta, out),
        }
    }
}

/// An [`Unrolling`] of a map seen as a recurrence on the tape, its step `k` being the
/// program's step `offset + k`.
pub(crate) struct MapRecurrence<'a, P> {
    pub map: &'a P,
    pub program: &'a Unrolling<'a>,
    pub offset: usize,
}

impl<P: FixedPointMap> Recurrence<f64> for MapRecurrence<'_, P> {
    fn step<'t>(
        &self,
        k: usize,
        _tape: &'t Tape<f64>,
        x: &[Var<'t, f64>],
        theta: &[Var<'t, f64>],
        out: &mut [Var<'t, f64>],
    ) {
        self.program.step(self.map, self.offset + k, x, theta, out);
    }
}

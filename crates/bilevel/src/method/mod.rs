//! One file per method, each computing `∇h(θ)` and the parts of its error estimate from what
//! the entry point prepared ([`Inputs`]), over the shared operator at the fixed point
//! ([`FixedPoint`](crate::operator::FixedPoint)) and the two solved forms ([`forward_form`],
//! [`adjoint_form`]).

mod adjoint_form;
mod auto;
pub(crate) mod forward_form;
mod forward_unrolled;
mod fpad;
mod identification;
mod implicit;
mod implicit_forward;
mod jacobian_free;
mod one_step;
mod reverse_unrolled;
mod unrolling;

pub(crate) use unrolling::{MapRecurrence, Unrolling};

use crate::diagnostics::{ErrorParts, TapeUse, WarmStart};
use crate::linear::Fallback;
use crate::operator::{FixedPoint, Support};
use crate::{BilevelError, Criterion, LinearSolver, Method, Options};
use hypergrad_optim::{FixedPointMap, Schedule, Solution};
pub(crate) use identification::{check as check_identification, Unidentified};

/// What every method starts from: the problem at θ, its solution from `start`, the support.
pub(crate) struct Inputs<'a, P, C> {
    pub problem: &'a P,
    pub criterion: &'a C,
    pub theta: &'a [f64],
    pub solution: &'a Solution,
    /// The point the inner solve started from (the unrolled methods start there too).
    pub start: &'a [f64],
    pub support: Option<&'a Support>,
    pub options: &'a Options,
    /// Whether `start` is a previous solution (so a previous Jacobian belongs to it).
    pub warm_started: bool,
    /// The epochs of the solve that gave `solution`, for the unrolled methods of a map that
    /// has them ([`solve_with_schedule`](FixedPointMap::solve_with_schedule)); `None` otherwise.
    pub schedule: Option<&'a Schedule>,
}

impl<'a, P: FixedPointMap, C: Criterion> Inputs<'a, P, C> {
    /// The operator at the solution, restricted to the support or not.
    pub fn at_solution(&self, restricted: bool) -> FixedPoint<'a, P, C> {
        FixedPoint::new(
            (self.problem, self.criterion),
            &self.solution.x,
            self.theta,
            self.support.filter(|_| restricted),
        )
    }
}

/// A linear solve's summary for the diagnostics.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct LinearSummary {
    pub residual: f64,
    pub solver: Option<LinearSolver>,
    pub fallbacks: Vec<Fallback>,
}

impl LinearSummary {
    /// Merges another solve's summary (worst residual, last solver, every fallback).
    pub fn merge(&mut self, residual: f64, solver: LinearSolver, fallbacks: &[Fallback]) {
        self.residual = self.residual.max(residual);
        self.solver = Some(solver);
        self.fallbacks.extend_from_slice(fallbacks);
    }
}

/// What a method computed.
#[derive(Clone, Debug, Default)]
pub(crate) struct Derivative {
    pub grad: Vec<f64>,
    /// The iterate the gradient belongs to, when it is not the inner solution (unrolling).
    pub x: Option<Vec<f64>>,
    pub error: ErrorParts,
    pub contraction: Option<f64>,
    pub iterations: usize,
    pub linear: Option<LinearSummary>,
    pub tape: Option<TapeUse>,
    /// For [`Method::Auto`]: the method it ran and why.
    pub chosen: Option<(Method, String)>,
}

/// `∇h` by `method`.
pub(crate) fn run<P: FixedPointMap, C: Criterion>(
    method: &Method,
    inputs: &Inputs<'_, P, C>,
    warm: &mut WarmStart,
) -> Result<Derivative, BilevelError> {
    match *method {
        Method::Auto => auto::run(inputs, warm),
        Method::ForwardUnrolled => forward_unrolled::run(inputs, warm),
        Method::ReverseUnrolled {
            truncate,
            checkpoints,
        } => reverse_unrolled::run(inputs, truncate, checkpoints, warm),
        Method::Implicit { linear_solver } => implicit::run(inputs, linear_solver, warm),
        Method::ImplicitForward => implicit_forward::run(inputs, warm),
        Method::Fpad { mode } => fpad::run(inputs, mode, warm),
        Method::OneStep => one_step::run(inputs, warm),
        Method::JacobianFree => jacobian_free::run(inputs, warm),
    }
}

/// `κ = 1/(1 − ρ)`, the bound on `‖(I − A)⁻¹‖` the estimates use; infinite for `ρ ≥ 1`.
pub(crate) fn kappa(rho: f64) -> f64 {
    if rho < 1.0 {
        1.0 / (1.0 - rho.max(0.0))
    } else {
        f64::INFINITY
    }
}

/// Power iterations for the contraction when no solve measured it.
pub(crate) const POWER_ITERATIONS: usize = 30;

/// `ρ` of the operator of `fp`: the measured one if given, else power iteration warm-started
/// from (and updating) `warm.direction`.
pub(crate) fn contraction_of<P: FixedPointMap, C: Criterion>(
    fp: &FixedPoint<'_, P, C>,
    measured: Option<f64>,
    warm: &mut WarmStart,
) -> f64 {
    if let Some(rho) = measured {
        return rho;
    }
    let (rho, direction) = fp.contraction(warm.direction.as_deref(), POWER_ITERATIONS);
    warm.direction = Some(direction);
    rho
}

/// `16ε·κ·(‖ĝ‖ + ‖∂_θC‖)`.
pub(crate) fn rounding(kappa: f64, grad: &[f64], criterion_theta: &[f64]) -> f64 {
    use crate::linalg::norm;
    16.0 * f64::EPSILON * kappa.min(1e16) * (norm(grad) + norm(criterion_theta))
}

/// `κ·e`, with `∞·0 = 0` (no error to amplify).
pub(crate) fn amplified(kappa: f64, e: f64) -> f64 {
    if e == 0.0 {
        0.0
    } else {
        kappa * e
    }
}

/// Calls `$f::<N>(args…)` with the chunk width N for `$m` lanes (1, 2, 4 or 8; more lanes go
/// in several chunks of 8).
macro_rules! by_chunk {
    ($m:expr, $f:ident($($arg:expr),* $(,)?)) => {
        match $m {
            1 => $f::<1, _, _>($($arg),*),
            2 => $f::<2, _, _>($($arg),*),
            3 | 4 => $f::<4, _, _>($($arg),*),
            _ => $f::<8, _, _>($($arg),*),
        }
    };
}
pub(crate) use by_chunk;

impl From<forward_form::ForwardSolve> for Derivative {
    fn from(f: forward_form::ForwardSolve) -> Self {
        Derivative {
            grad: f.grad,
            error: f.error,
            contraction: Some(f.contraction),
            iterations: f.iterations,
            linear: Some(f.linear),
            ..Derivative::default()
        }
    }
}

impl From<adjoint_form::AdjointSolve> for Derivative {
    fn from(a: adjoint_form::AdjointSolve) -> Self {
        Derivative {
            grad: a.grad,
            error: a.error,
            contraction: Some(a.contraction),
            iterations: a.iterations,
            linear: Some(a.linear),
            ..Derivative::default()
        }
    }
}

/// Forward form (at most one chunk of 8 lanes) or adjoint form (more hyperparameters).
pub(crate) const FORWARD_LANES: usize = 8;

/// The relative residual to which the unrolled methods' reference is solved, whatever the
/// Jacobian tolerance (which the unrolled methods do not otherwise use).
const REFERENCE_TOL: f64 = 1e-12;

/// The implicit derivative at the iterate `x` (restricted to its support when it has one),
/// by warm Neumann iterations (forward form from `columns` for at most 8 hyperparameters,
/// adjoint form from the previous adjoint for more), with its own error parts: the reference
/// the unrolled methods measure themselves against.
pub(crate) fn implicit_at<P: FixedPointMap, C: Criterion>(
    inputs: &Inputs<'_, P, C>,
    x: &[f64],
    columns: Option<&[Vec<f64>]>,
    warm: &mut WarmStart,
) -> Result<(Vec<f64>, ErrorParts, f64), BilevelError> {
    let support = inputs.problem.support(x).map(|s| Support::new(x.len(), s));
    let fp = FixedPoint::new(
        (inputs.problem, inputs.criterion),
        x,
        inputs.theta,
        support.as_ref(),
    );
    let strategy = crate::linear::Strategy::WarmNeumann;
    let options = &Options {
        jacobian_tol: REFERENCE_TOL.min(inputs.options.jacobian_tol),
        ..inputs.options.clone()
    };
    if inputs.theta.len() <= FORWARD_LANES {
        let start = columns.map_or(forward_form::Start::Zero, forward_form::Start::Columns);
        let solved = forward_form::solve(&fp, strategy, start, options, warm)?;
        Ok((solved.grad, solved.error, solved.contraction))
    } else {
        let solved = adjoint_form::solve(&fp, strategy, true, options, warm)?;
        Ok((solved.grad, solved.error, solved.contraction))
    }
}

/// The reference of the unrolled methods at their last iterate `x`: the model's direct
/// derivative there (a factorization on the support of `x`, [`auto::direct_at`]: microseconds
/// where the iterative reference costs about one inner solve) when it has one, else
/// [`implicit_at`]; with its own error parts and, from `implicit_at`, the contraction.
pub(crate) fn reference_at<P: FixedPointMap, C: Criterion>(
    inputs: &Inputs<'_, P, C>,
    x: &[f64],
    columns: Option<&[Vec<f64>]>,
    warm: &mut WarmStart,
) -> Result<(Vec<f64>, ErrorParts, Option<f64>), BilevelError> {
    let support = inputs.problem.support(x).map(|s| Support::new(x.len(), s));
    let fp = FixedPoint::new(
        (inputs.problem, inputs.criterion),
        x,
        inputs.theta,
        support.as_ref(),
    );
    if let Some((grad, parts)) = auto::direct_at(inputs.problem, &fp, support.is_some())? {
        return Ok((grad, parts, None));
    }
    implicit_at(inputs, x, columns, warm).map(|(grad, parts, rho)| (grad, parts, Some(rho)))
}

/// The error parts of an unrolled gradient `grad`: its distance to the implicit derivative at
/// the same iterate (the bias part: the unrolling's truncation, `K ρᴷ`-like before and after
/// identification), plus that reference's own parts (inner, linear, rounding). A reference
/// that cannot be computed leaves the error unbounded (infinite).
pub(crate) fn unrolled_error(
    grad: &[f64],
    reference: Result<(Vec<f64>, ErrorParts, Option<f64>), BilevelError>,
) -> (ErrorParts, Option<f64>) {
    match reference {
        Ok((g_ref, parts, rho)) => {
            let gap: Vec<f64> = grad.iter().zip(&g_ref).map(|(a, b)| a - b).collect();
            let error = ErrorParts {
                bias: crate::linalg::norm(&gap),
                ..parts
            };
            (error, rho)
        }
        Err(_) => (
            ErrorParts {
                bias: f64::INFINITY,
                ..ErrorParts::default()
            },
            None,
        ),
    }
}

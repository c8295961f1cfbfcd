//! The entry points: [`hypergradient`], [`hypergradient_warm`] and [`value_warm`].

use crate::diagnostics::{Diagnostics, Hypergradient, WarmStart, Warning};
use crate::linalg::norm;
use crate::linear::{Fallback, FallbackReason};
use crate::method::{self, Derivative, Inputs, Unidentified};
use crate::operator::Support;
use crate::{BilevelError, Criterion, LinearSolver, Method, Options};
use hypergrad_optim::{FixedPointMap, Schedule, Solution, SolverParams, StopReason};

/// `h(θ) = C(x*(θ), θ)` alone, for zero-order searches: the inner solve from `warm.x` (which
/// it updates) and the criterion, no derivative. Returns the value and the inner solution.
/// Errors as [`hypergradient_warm`].
pub fn value_warm<P: FixedPointMap, C: Criterion>(
    problem: &P,
    criterion: &C,
    theta: &[f64],
    options: &Options,
    warm: &mut WarmStart,
) -> Result<(f64, Solution), BilevelError> {
    check_inputs(problem, criterion, theta, options)?;
    let (solution, _) = solve(problem, theta, options, warm, false)?;
    let value = criterion.value(&solution.x[..criterion.dim_x()], theta);
    warm.x = Some(solution.x.clone());
    Ok((value, solution))
}

/// Computes `h(θ) = C(x*(θ), θ)` and `∇h(θ)` by `method`, from a cold start.
///
/// `θ` holds the log-hyperparameters. The problem is any [`FixedPointMap`] (a model of the
/// library or a user's own solver); the criterion reads the leading `criterion.dim_x()` entries
/// of its state. The result carries an estimate of its relative error
/// ([`Diagnostics::error_estimate`]) and every failed condition as a [`Warning`].
///
/// Errors: shapes that do not agree, non-finite θ, invalid options, a method that needs what
/// the problem cannot give (the support of a smooth model), an inner problem that rejects θ or
/// diverges, or a derivative computation that broke down (never a non-finite number).
pub fn hypergradient<P: FixedPointMap, C: Criterion>(
    problem: &P,
    criterion: &C,
    theta: &[f64],
    method: &Method,
    options: &Options,
) -> Result<Hypergradient, BilevelError> {
    hypergradient_warm(
        problem,
        criterion,
        theta,
        method,
        options,
        &mut WarmStart::default(),
    )
}

/// [`hypergradient`] warm-started from `warm` (previous solution, Jacobian or adjoint, power
/// iteration direction), which is updated for the next call.
pub fn hypergradient_warm<P: FixedPointMap, C: Criterion>(
    problem: &P,
    criterion: &C,
    theta: &[f64],
    method: &Method,
    options: &Options,
    warm: &mut WarmStart,
) -> Result<Hypergradient, BilevelError> {
    check_inputs(problem, criterion, theta, options)?;
    method.validate()?;
    let p = problem.dim_x();
    let start = warm
        .x
        .clone()
        .filter(|x| x.len() == p)
        .unwrap_or_else(|| vec![0.0; p]);
    let warm_started = warm.x.as_ref().is_some_and(|x| x.len() == p);
    let (solution, schedule) = solve(problem, theta, options, warm, method.unrolls())?;
    let support = problem.support(&solution.x).map(|s| Support::new(p, s));
    // The solver's last optimality check may have computed it (one product with Xᵀ fewer).
    let margin = solution
        .report
        .margin
        .or_else(|| problem.non_degeneracy_margin(&solution.x, theta));
    let inputs = Inputs {
        problem,
        criterion,
        theta,
        solution: &solution,
        start: &start,
        support: support.as_ref(),
        options,
        warm_started,
        schedule: schedule.as_ref(),
    };
    let mut derivative = method::run(method, &inputs, warm)?;
    if derivative.grad.iter().any(|g| !g.is_finite()) {
        return Err(BilevelError::NonFinite {
            what: "the hypergradient (the derivative computation broke down)",
        });
    }
    let x = derivative.x.clone().unwrap_or_else(|| solution.x.clone());
    let margin_at_x = match derivative.x {
        Some(_) => problem.non_degeneracy_margin(&x, theta),
        None => margin,
    };
    let unidentified =
        method::check_identification(&inputs, &x, &derivative.grad, margin_at_x, warm);
    if let Some(u) = &unidentified {
        derivative.error.inner += u.error;
    }
    let value = criterion.value(&x[..criterion.dim_x()], theta);
    let diagnostics = diagnose(
        method,
        &solution,
        support.as_ref(),
        margin,
        options,
        (derivative.clone(), unidentified),
    );
    warm.x = Some(solution.x);
    Ok(Hypergradient {
        value,
        grad: derivative.grad,
        x,
        diagnostics,
    })
}

/// The inner solve from `warm.x`, with the map's unrolling schedule when `unrolled` (one solve
/// gives both for the maps solved by working sets, see
/// [`solve_with_schedule`](FixedPointMap::solve_with_schedule)); a solve that diverged is an
/// error.
fn solve<P: FixedPointMap>(
    problem: &P,
    theta: &[f64],
    options: &Options,
    warm: &WarmStart,
    unrolled: bool,
) -> Result<(Solution, Option<Schedule>), BilevelError> {
    let warm_x = warm.x.as_deref().filter(|x| x.len() == problem.dim_x());
    let params = SolverParams {
        max_iter: options.inner_max_iter,
        tol: options.inner_tol,
        record_history: false,
    };
    let (solution, schedule) = if unrolled {
        problem.solve_with_schedule(theta, warm_x, &params)?
    } else {
        (problem.solve(theta, warm_x, &params)?, None)
    };
    if solution.report.stop == StopReason::Diverged || solution.x.iter().any(|v| !v.is_finite()) {
        return Err(BilevelError::NonFinite {
            what: "the inner solution (the solve diverged)",
        });
    }
    Ok((solution, schedule))
}

/// The factor between the first-order error parts and the reported estimate: it covers the
/// truncation of the first-order expansion and the under-estimate of `ρ` that power and
/// Neumann iterations give (they approach the dominant eigenvalue from below).
pub(crate) const SAFETY: f64 = 2.0;

/// The diagnostics of a derivative: the estimate relative to `‖ĝ‖` and every warning.
fn diagnose(
    method: &Method,
    solution: &Solution,
    support: Option<&Support>,
    margin: Option<f64>,
    options: &Options,
    (d, unidentified): (Derivative, Option<Unidentified>),
) -> Diagnostics {
    let mut warnings = Vec::new();
    if !solution.report.converged() {
        warnings.push(Warning::InnerNotConverged);
    }
    if let Some(margin) = margin.filter(|m| *m <= 0.0) {
        warnings.push(Warning::Degenerate { margin });
    }
    let linear = d.linear.clone().unwrap_or_default();
    let planned =
        |f: &Fallback| f.from == LinearSolver::Neumann && f.reason == FallbackReason::Stagnated;
    warnings.extend(
        linear
            .fallbacks
            .iter()
            .filter(|f| !planned(f))
            .map(|f| Warning::LinearSolverFallback(*f)),
    );
    let linear_residual = d.linear.as_ref().map(|l| l.residual);
    if let Some(residual) = linear_residual.filter(|r| r.is_nan() || *r > options.jacobian_tol) {
        warnings.push(Warning::JacobianNotConverged { residual });
    }
    if let Some(rho) = d.contraction.filter(|r| *r >= 1.0) {
        warnings.push(Warning::NotContracting { rho });
    }
    let scale = norm(&d.grad);
    let relative = |e: f64| {
        if e == 0.0 {
            0.0
        } else if scale > 0.0 {
            e / scale
        } else {
            f64::INFINITY
        }
    };
    let total = relative(SAFETY * d.error.total());
    if let Some(u) = unidentified {
        let caused = relative(SAFETY * u.error);
        if caused > options.jacobian_tol {
            warnings.push(Warning::SupportNotIdentified {
                violations: u.violations,
                relative: caused,
            });
        }
    }
    let bias = relative(d.error.bias);
    if bias > options.jacobian_tol {
        warnings.push(Warning::Biased { relative: bias });
    }
    let (method, choice) = d.chosen.unwrap_or((*method, String::new()));
    Diagnostics {
        method,
        choice,
        inner: solution.report.clone(),
        jacobian_iterations: d.iterations,
        linear_residual,
        linear_solver: linear.solver,
        fallbacks: linear.fallbacks,
        support_size: support.map(|s| s.indices.len()),
        margin,
        contraction: d.contraction,
        error_estimate: total,
        error_parts: d.error,
        tape: d.tape,
        warnings,
    }
}

pub(crate) fn check_inputs<P: FixedPointMap, C: Criterion>(
    problem: &P,
    criterion: &C,
    theta: &[f64],
    options: &Options,
) -> Result<(), BilevelError> {
    if theta.len() != problem.dim_theta() {
        return Err(BilevelError::ShapeMismatch {
            what: "theta",
            expected: problem.dim_theta(),
            got: theta.len(),
        });
    }
    if criterion.dim_x() > problem.dim_x() {
        return Err(BilevelError::ShapeMismatch {
            what: "criterion coefficients (at most the state's length)",
            expected: problem.dim_x(),
            got: criterion.dim_x(),
        });
    }
    if let Some(&bad) = theta.iter().find(|t| !t.is_finite()) {
        return Err(BilevelError::InvalidParameter {
            name: "theta",
            value: bad,
            reason: "log-hyperparameters must be finite",
        });
    }
    options.validate()
}

//! The entry point [`hypergradient`] and its result [`Hypergradient`].

use crate::adjoint::{adjoint_hypergradient, AtFixedPoint};
use crate::jvp::Jvp;
use crate::linear::{solve_linear, solve_warm_fixed_point};
use crate::reverse_unrolled::hypergradient_reverse_unrolled;
use crate::{BilevelError, Criterion, FpadMode, LinearSolver, Method, Options};
use hypergrad_ad::reverse::TapeStats;
use hypergrad_ad::Dual;
use hypergrad_optim::{FixedPointMap, Solution, SolveReport, SolverParams};

/// A condition of the theory that failed: the gradient may be inaccurate.
#[derive(Clone, Debug, PartialEq)]
pub enum Warning {
    /// The inner solver hit its cap before its tolerance.
    InnerNotConverged,
    /// The Jacobian iterations or the linear solve hit their cap before their tolerance.
    JacobianNotConverged {
        /// The relative residual reached.
        residual: f64,
    },
    /// A zero coefficient sits at the threshold (margin ≤ 0): the support may change under a
    /// small change of θ and the restricted formulas need not hold.
    Degenerate {
        /// The non-degeneracy margin.
        margin: f64,
    },
}

/// What happened while computing a hypergradient.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostics {
    /// The inner solver's report.
    pub inner: SolveReport,
    /// Jacobian / linear-solver iterations, summed over hyperparameters.
    pub jacobian_iterations: usize,
    /// Largest relative residual `‖(I − ∂ₓT)J − ∂_θT‖/‖∂_θT‖` over hyperparameters, for the
    /// methods that solve that system.
    pub linear_residual: Option<f64>,
    /// `|S|`, for models with a support.
    pub support_size: Option<usize>,
    /// `min_{j ∉ S} (α_j − |∇_j f(x*)|)`, for models with a support.
    pub margin: Option<f64>,
    /// Tape memory, for reverse unrolling.
    pub tape: Option<TapeUse>,
    /// Failed conditions; empty when the theory's assumptions were checked and hold.
    pub warnings: Vec<Warning>,
}

/// The memory reverse unrolling used.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TapeUse {
    /// States stored at segment starts (O(√K) with uniform checkpoints).
    pub stored_states: usize,
    /// The largest tape recorded at once.
    pub peak: TapeStats,
}

/// The value `h(θ) = C(x*(θ), θ)`, its gradient in θ (log scale), the inner solution and
/// diagnostics.
#[derive(Clone, Debug, PartialEq)]
pub struct Hypergradient {
    /// `h(θ)`.
    pub value: f64,
    /// `∇h(θ)`.
    pub grad: Vec<f64>,
    /// The inner solution `x*(θ)` (the last unrolled iterate for [`Method::ForwardUnrolled`]).
    pub x: Vec<f64>,
    /// Reports and checks.
    pub diagnostics: Diagnostics,
}

/// State carried from one outer step to the next: the inner solution and the Jacobian
/// columns, used as warm starts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WarmStart {
    /// The previous inner solution.
    pub x: Option<Vec<f64>>,
    /// The previous Jacobian columns `∂x*/∂θ_i` (forward forms).
    pub jacobian: Option<Vec<Vec<f64>>>,
    /// The previous adjoint vector `v` (adjoint forms).
    pub adjoint: Option<Vec<f64>>,
}

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
    let warm_x = warm.x.as_deref().filter(|x| x.len() == problem.dim_x());
    let solution = problem.solve(theta, warm_x, &inner_params(options))?;
    let value = criterion.value(&solution.x[..criterion.dim_x()], theta);
    warm.x = Some(solution.x.clone());
    Ok((value, solution))
}

/// Computes `h(θ) = C(x*(θ), θ)` and `∇h(θ)` by `method`, from a cold start.
///
/// `θ` holds the log-hyperparameters. The problem is any [`FixedPointMap`] (a model of the
/// library or a user's own solver); the criterion reads the leading `criterion.dim_x()` entries
/// of its state. Errors: shapes that do not agree, non-finite θ, invalid options, a method that
/// needs what the problem cannot give (the support of a smooth model), or an inner problem
/// that rejects θ. A failed condition of the theory is not an error but a [`Warning`] in the
/// diagnostics.
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

/// [`hypergradient`] warm-started from `warm` (previous solution, Jacobian or adjoint), which is
/// updated for the next call.
pub fn hypergradient_warm<P: FixedPointMap, C: Criterion>(
    problem: &P,
    criterion: &C,
    theta: &[f64],
    method: &Method,
    options: &Options,
    warm: &mut WarmStart,
) -> Result<Hypergradient, BilevelError> {
    check_inputs(problem, criterion, theta, options)?;
    let (p, m) = (problem.dim_x(), theta.len());
    let warm_x = warm.x.as_deref().filter(|x| x.len() == p);
    let start = warm_x.map_or_else(|| vec![0.0; p], <[f64]>::to_vec);
    let solution = problem.solve(theta, warm_x, &inner_params(options))?;
    let support = problem.support(&solution.x);
    let margin = problem.non_degeneracy_margin(&solution.x, theta);
    let mut diagnostics = Diagnostics {
        inner: solution.report.clone(),
        jacobian_iterations: 0,
        linear_residual: None,
        support_size: support.as_ref().map(Vec::len),
        margin,
        tape: None,
        warnings: Vec::new(),
    };
    if !solution.report.converged() {
        diagnostics.warnings.push(Warning::InnerNotConverged);
    }
    if let Some(margin) = margin.filter(|m| *m <= 0.0) {
        diagnostics.warnings.push(Warning::Degenerate { margin });
    }
    let mask = match (method, &support) {
        (Method::ImplicitForward, None) => {
            return Err(BilevelError::Unsupported {
                method: method.name(),
                needs: "the support of the solution",
            })
        }
        (Method::ImplicitForward | Method::Implicit { .. }, Some(s)) => Some(support_mask(p, s)),
        _ => None,
    };
    let active: Option<Vec<usize>> = support.as_ref().filter(|_| mask.is_some()).cloned();
    let adjoint_solver = match *method {
        Method::Fpad {
            mode: FpadMode::Reverse,
        } => Some(LinearSolver::Neumann),
        Method::Implicit { linear_solver } if m > 1 => Some(linear_solver),
        _ => None,
    };
    let mut x = solution.x.clone();
    let grad = if let Method::ReverseUnrolled {
        truncate,
        checkpoints,
    } = *method
    {
        let steps = unrolled_steps(problem, &start, theta, options, &solution)?;
        let r = hypergradient_reverse_unrolled(
            problem,
            criterion,
            &start,
            theta,
            steps,
            truncate,
            checkpoints,
        )?;
        diagnostics.tape = Some(TapeUse {
            stored_states: r.stored_states,
            peak: r.peak_tape,
        });
        x = r.x;
        r.grad
    } else if let Some(solver) = adjoint_solver {
        let previous = warm.adjoint.as_deref().filter(|v| v.len() == p);
        let r = adjoint_hypergradient(
            problem,
            criterion,
            &AtFixedPoint {
                x: &solution.x,
                theta,
                mask: mask.as_deref(),
                active: active.as_deref(),
            },
            solver,
            previous,
            options,
        )?;
        diagnostics.jacobian_iterations = r.iterations;
        diagnostics.linear_residual = Some(r.residual);
        warm.adjoint = Some(r.adjoint);
        r.grad
    } else {
        let mut jvp = Jvp::at(&solution.x, theta);
        let mut columns = Vec::with_capacity(m);
        let mut steps = None;
        for lane in 0..m {
            let column = match method {
                Method::ForwardUnrolled | Method::ReverseUnrolled { .. } => {
                    // From a warm start the tangent starts at the previous Jacobian column.
                    let tangent = warm_x
                        .and(warm.jacobian.as_ref())
                        .and_then(|j| j.get(lane))
                        .filter(|c| c.len() == p);
                    let steps = match steps {
                        Some(s) => s,
                        None => *steps
                            .insert(unrolled_steps(problem, &start, theta, options, &solution)?),
                    };
                    let (last, column) =
                        forward_unrolled(problem, (&start, tangent), theta, lane, steps);
                    x = last;
                    column
                }
                Method::OneStep | Method::JacobianFree => {
                    let mut column = vec![0.0; p];
                    jvp.apply(problem, None, &vec![0.0; p], lane, 1.0, &mut column);
                    column
                }
                Method::Fpad { .. } | Method::ImplicitForward | Method::Implicit { .. } => {
                    let previous = match method {
                        Method::ImplicitForward => warm
                            .jacobian
                            .as_ref()
                            .and_then(|j| j.get(lane))
                            .filter(|c| c.len() == p)
                            .cloned(),
                        _ => None,
                    };
                    let system = FixedPointSystem {
                        x: &solution.x,
                        lane,
                        mask: mask.as_deref(),
                        active: active.as_deref(),
                    };
                    let solver = match *method {
                        Method::Implicit { linear_solver } => Some(linear_solver),
                        Method::Fpad { .. } => Some(LinearSolver::Neumann),
                        _ => None,
                    };
                    let (column, iterations, residual) =
                        system.solve(problem, &mut jvp, solver, previous, options)?;
                    diagnostics.jacobian_iterations += iterations;
                    let worst = diagnostics
                        .linear_residual
                        .map_or(residual, |r: f64| r.max(residual));
                    diagnostics.linear_residual = Some(worst);
                    column
                }
            };
            columns.push(column);
        }
        let grad = columns
            .iter()
            .enumerate()
            .map(|(lane, column)| directional_derivative(criterion, &x, column, theta, lane))
            .collect();
        warm.jacobian = Some(columns);
        grad
    };
    if let Some(residual) = diagnostics
        .linear_residual
        .filter(|r| r.is_nan() || *r > options.jacobian_tol)
    {
        diagnostics
            .warnings
            .push(Warning::JacobianNotConverged { residual });
    }
    let value = criterion.value(&x[..criterion.dim_x()], theta);
    warm.x = Some(solution.x);
    Ok(Hypergradient {
        value,
        grad,
        x,
        diagnostics,
    })
}

/// The inner solver's parameters from the options.
fn inner_params(options: &Options) -> SolverParams {
    SolverParams {
        max_iter: options.inner_max_iter,
        tol: options.inner_tol,
        record_history: false,
    }
}

fn check_inputs<P: FixedPointMap, C: Criterion>(
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
    for (name, value) in [
        ("inner_tol", options.inner_tol),
        ("jacobian_tol", options.jacobian_tol),
    ] {
        if !(value > 0.0 && value.is_finite()) {
            return Err(BilevelError::InvalidParameter {
                name,
                value,
                reason: "must be positive",
            });
        }
    }
    Ok(())
}

fn support_mask(p: usize, support: &[usize]) -> Vec<bool> {
    let mut mask = vec![false; p];
    support.iter().for_each(|&j| mask[j] = true);
    mask
}

/// `dh/dθ_i = ∇ₓC·J_i + ∂C/∂θ_i`, by one dual evaluation of the criterion (on the leading
/// entries of the state).
fn directional_derivative<C: Criterion>(
    criterion: &C,
    x: &[f64],
    column: &[f64],
    theta: &[f64],
    lane: usize,
) -> f64 {
    let xd: Vec<_> = x[..criterion.dim_x()]
        .iter()
        .zip(column)
        .map(|(&v, &t)| Dual::new(v, t))
        .collect();
    let td: Vec<_> = theta
        .iter()
        .enumerate()
        .map(|(i, &v)| Dual::new(v, if i == lane { 1.0 } else { 0.0 }))
        .collect();
    criterion.value(&xd, &td).eps
}

/// Forward mode through `iterations` applications of `T` from `start`: returns the last
/// iterate and its derivative in `θ_lane`.
fn forward_unrolled<P: FixedPointMap>(
    problem: &P,
    (start, tangent): (&[f64], Option<&Vec<f64>>),
    theta: &[f64],
    lane: usize,
    iterations: usize,
) -> (Vec<f64>, Vec<f64>) {
    let mut x: Vec<_> = match tangent {
        Some(t) => start
            .iter()
            .zip(t)
            .map(|(&v, &e)| Dual::new(v, e))
            .collect(),
        None => start.iter().map(|&v| Dual::constant(v)).collect(),
    };
    let mut next = x.clone();
    let td: Vec<_> = theta
        .iter()
        .enumerate()
        .map(|(i, &v)| Dual::new(v, if i == lane { 1.0 } else { 0.0 }))
        .collect();
    for k in 0..iterations {
        problem.apply_iteration(k, &x, &td, &mut next);
        std::mem::swap(&mut x, &mut next);
    }
    (
        x.iter().map(|d| d.re).collect(),
        x.iter().map(|d| d.eps).collect(),
    )
}

/// The applications of `T` the unrolled methods differentiate: those of the solve (see
/// [`FixedPointMap::unrolled_steps`]), and at least one: a warm start that already meets the
/// tolerance would otherwise unroll nothing and report a zero gradient.
fn unrolled_steps<P: FixedPointMap>(
    problem: &P,
    start: &[f64],
    theta: &[f64],
    options: &Options,
    solution: &Solution,
) -> Result<usize, BilevelError> {
    Ok(problem
        .unrolled_steps(start, theta, &inner_params(options), solution)?
        .max(1))
}

/// The linear system `(I − A) J = b` with `A = P ∂ₓT(x*) P` and `b = P ∂_θT(x*) e_lane`, `P`
/// the restriction to the support (identity without a mask).
struct FixedPointSystem<'a> {
    x: &'a [f64],
    lane: usize,
    mask: Option<&'a [bool]>,
    /// The support as a list (the same set as `mask`).
    active: Option<&'a [usize]>,
}

impl FixedPointSystem<'_> {
    fn restrict(&self, v: &mut [f64]) {
        if let Some(mask) = self.mask {
            v.iter_mut()
                .zip(mask)
                .filter(|(_, &m)| !m)
                .for_each(|(v, _)| *v = 0.0);
        }
    }

    /// `out = A·v + weight·b`.
    fn affine<P: FixedPointMap>(
        &self,
        problem: &P,
        jvp: &mut Jvp,
        v: &[f64],
        weight: f64,
        out: &mut [f64],
    ) {
        let mut v_restricted = v.to_vec();
        self.restrict(&mut v_restricted);
        jvp.apply(problem, self.active, &v_restricted, self.lane, weight, out);
        self.restrict(out);
    }

    /// Solves `(I − A) J = b` with `solver` from `start` (or 0); off the support the system is
    /// the identity (`J_j = b_j = 0`). Returns (J, iterations, relative residual).
    /// Solves the system by `solver`, or (`None`) by the warm fixed-point iteration with a
    /// Krylov fallback ([`solve_warm_fixed_point`]).
    fn solve<P: FixedPointMap>(
        &self,
        problem: &P,
        jvp: &mut Jvp,
        solver: Option<LinearSolver>,
        start: Option<Vec<f64>>,
        options: &Options,
    ) -> Result<(Vec<f64>, usize, f64), BilevelError> {
        let p = self.x.len();
        let mut b = vec![0.0; p];
        self.affine(problem, jvp, &vec![0.0; p], 1.0, &mut b);
        let mut j = start.unwrap_or_else(|| vec![0.0; p]);
        self.restrict(&mut j);
        let apply = |v: &[f64], out: &mut [f64]| {
            self.affine(problem, jvp, v, 0.0, out);
            out.iter_mut().zip(v).for_each(|(o, &v)| *o = v - *o);
        };
        let (tol, max_iter) = (options.jacobian_tol, options.jacobian_max_iter);
        let report = match solver {
            Some(solver) => solve_linear(solver, apply, &b, &mut j, self.active, tol, max_iter)?,
            None => solve_warm_fixed_point(apply, &b, &mut j, tol, max_iter),
        };
        Ok((j, report.iterations, report.relative_residual))
    }
}
